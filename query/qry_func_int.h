/*
 * qry_func_int.h: what the files of the scalar-function library share:
 * their registration tables, argument helpers (NULL flags, coercion of a
 * vector to one kind, literal parameters), Java's text forms of numbers, and
 * proleptic Gregorian calendar arithmetic. Private to query/qry_func*.c.
 */
#ifndef QRY_FUNC_INT_H
#define QRY_FUNC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qry_expr.h"

/* No upper bound on the argument count. */
#define QRY_FN_ANY_ARGS 4096

/* Each qry_func_<group>.c registers its functions in one table. */
typedef struct qry_func_table {
    const qry_func *funcs;
    size_t count;
} qry_func_table;

extern const qry_func_table qry_func_math_table;
extern const qry_func_table qry_func_string_table;
extern const qry_func_table qry_func_misc_table;
extern const qry_func_table qry_func_time_table;
extern const qry_func_table qry_func_timefmt_table;

/* ---- binding ------------------------------------------------------------- */

/* The function's canonical name, for messages. */
const char *qry_fn_name(const qry_expr *e);
/* 700 unless every argument is single-valued. */
int qry_fn_check_sv(const qry_expr *e, qry_err *err);
/* Argument i must be a string literal; what names it in the error. The text
 * is not NUL-terminated. */
int qry_fn_lit_str(const qry_expr *e, uint32_t i, const char *what,
                   const char **s, uint32_t *len, qry_err *err);
/* Sets e's type and makes it single-valued; always 0 (a bind tail call). */
int qry_fn_set_type(qry_expr *e, seg_type t);
/* A shared bind for functions of any input that yield type t. */
int qry_fn_bind_double(qry_expr *e, qry_arena *a, qry_err *err);
int qry_fn_bind_long(qry_expr *e, qry_arena *a, qry_err *err);
int qry_fn_bind_int(qry_expr *e, qry_arena *a, qry_err *err);
int qry_fn_bind_string(qry_expr *e, qry_arena *a, qry_err *err);
int qry_fn_bind_boolean(qry_expr *e, qry_arena *a, qry_err *err);
/* Case-insensitive equality of a counted string and a C string. */
bool qry_fn_ieq(const char *s, size_t len, const char *word);

/* ---- evaluation ---------------------------------------------------------- */

/* NULL flags of rows that are NULL in any of args, or NULL when none is. */
uint8_t *qry_fn_nulls(qry_arena *a, qry_vec *const *args, uint32_t nargs,
                      uint32_t n);
/* The result vector of e: kind of e->type, with the given NULL flags. */
qry_vec *qry_fn_result(const qry_expr *e, qry_eval_ctx *cx, uint32_t n,
                       uint8_t *nulls);
/* The values of v as doubles / longs (Java conversions: (long) of a double
 * truncates and saturates, strings are parsed). Rows flagged in nulls are
 * skipped. May return v's own array. Error 200 names an unparsable string. */
int qry_fn_doubles(const qry_expr *e, const qry_vec *v, const uint8_t *nulls,
                   qry_arena *a, const double **out, qry_err *err);
int qry_fn_longs(const qry_expr *e, const qry_vec *v, const uint8_t *nulls,
                 qry_arena *a, const int64_t **out, qry_err *err);
/* The values of v as text: numbers rendered as Java renders them, BYTES as
 * hex; never a NULL pointer. */
void qry_fn_texts(const qry_vec *v, qry_arena *a, const seg_value **out);

/* Unaligned bump space for strings made during one evaluation. */
typedef struct qry_fn_out {
    qry_arena *arena;
    char *p;
    size_t left;
} qry_fn_out;

static inline void qry_fn_out_init(qry_fn_out *o, qry_arena *a)
{
    o->arena = a;
    o->p = NULL;
    o->left = 0;
}
char *qry_fn_out_slow(qry_fn_out *o, size_t n);
/* n bytes of space, never a NULL pointer (even for n = 0: results and
 * memcpy must not see one); the caller keeps what it uses with
 * qry_fn_keep. */
static inline char *qry_fn_room(qry_fn_out *o, size_t n)
{
    return o->p && n <= o->left ? o->p : qry_fn_out_slow(o, n);
}
static inline void qry_fn_keep(qry_fn_out *o, size_t used)
{
    o->p += used;
    o->left -= used;
}

/* ---- Java's text forms (qry_func_conv.c) --------------------------------- */

#define QRY_NUM_TEXT 40    /* room for any rendered number */

size_t qry_text_long(int64_t v, char *buf);
size_t qry_text_double(double d, char *buf);   /* Double.toString */
size_t qry_text_float(float f, char *buf);     /* Float.toString */
size_t qry_text_timestamp(int64_t ms, char *buf); /* java.sql.Timestamp, UTC */
/* The text of value r of v as Pinot converts its type to STRING (hex for
 * BYTES is not produced here: BYTES vectors already hold their bytes). */
size_t qry_text_of(const qry_vec *v, uint32_t r, char *buf, const char **p);

/* Java's Double.parseDouble (surrounding whitespace allowed; NaN, Infinity;
 * an optional trailing d/D/f/F). */
bool qry_parse_java_double(const char *s, size_t len, double *out);
/* new BigDecimal(s).longValue(): integers exactly, decimals truncated. */
bool qry_parse_java_long(const char *s, size_t len, int64_t *out);
/* BigDecimal.valueOf(a).setScale(scale, HALF_UP or DOWN).doubleValue();
 * NaN and infinities pass through. */
double qry_decimal_round(double a, int64_t scale, bool half_up);
/* Java's narrowing casts: NaN -> 0, saturating, toward zero. */
int64_t qry_java_d2l(double d);
int32_t qry_java_d2i(double d);

/* ---- calendar arithmetic (proleptic Gregorian, as Joda's ISO chronology) -- */

#define QRY_MS_SECOND 1000LL
#define QRY_MS_MINUTE 60000LL
#define QRY_MS_HOUR 3600000LL
#define QRY_MS_DAY 86400000LL

/* Floor division and modulo for b > 0. */
static inline int64_t qry_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - ((a % b) < 0);
}
static inline int64_t qry_floormod(int64_t a, int64_t b)
{
    int64_t m = a % b;
    return m < 0 ? m + b : m;
}
/* Wrapping arithmetic, as Java's long arithmetic wraps (no UB in C). */
static inline int64_t qry_wadd(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}
static inline int64_t qry_wmul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* Days since 1970-01-01 of a date (Howard Hinnant's days_from_civil). */
static inline int64_t qry_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline void qry_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static inline bool qry_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int qry_days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && qry_is_leap(y));
}

/* ISO day of week of a day number: Monday = 1 .. Sunday = 7. */
static inline int qry_iso_dow(int64_t days)
{
    return (int)qry_floormod(days + 3, 7) + 1;
}

/* A local date and time broken into fields. */
typedef struct qry_tm {
    int64_t year;
    int month, day;                 /* 1-based */
    int hour, minute, second, milli;
    int dow;                        /* ISO: Monday = 1 */
    int doy;                        /* 1-based day of year */
    int64_t days;                   /* days since the epoch */
} qry_tm;

static inline void qry_tm_of(int64_t local_ms, qry_tm *t)
{
    int64_t days = qry_floordiv(local_ms, QRY_MS_DAY);
    int64_t ms = qry_floormod(local_ms, QRY_MS_DAY);
    qry_civil_from_days(days, &t->year, &t->month, &t->day);
    t->days = days;
    t->hour = (int)(ms / QRY_MS_HOUR);
    t->minute = (int)(ms / QRY_MS_MINUTE % 60);
    t->second = (int)(ms / 1000 % 60);
    t->milli = (int)(ms % 1000);
    t->dow = qry_iso_dow(days);
    t->doy = (int)(days - qry_days_from_civil(t->year, 1, 1)) + 1;
}

/* ISO week-numbering year and week of a day number. */
void qry_iso_week(int64_t days, int64_t *weekyear, int *week);
/* Day number of the Monday of ISO week 1 of a week-numbering year. */
int64_t qry_iso_week1(int64_t weekyear);

#endif
