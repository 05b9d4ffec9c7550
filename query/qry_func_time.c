/*
 * qry_func_time.c: date and time functions over epoch milliseconds:
 * DATETRUNC, the toEpoch / fromEpoch conversions, YEAR .. MILLISECOND,
 * NOW, AGO, ROUND and the TIMESTAMP identities, with Pinot's (Joda's ISO
 * chronology) semantics. Zones with one offset, UTC above all, are pure
 * integer arithmetic; other zones go through a span-cached ICU cursor.
 */
#include <string.h>

#include "qry_func_time.h"

/* ---- TimeUnit ------------------------------------------------------------ */

static const struct {
    const char *name;
    int64_t ns;
} tunits[] = {
    {"NANOSECONDS", 1LL},
    {"MICROSECONDS", 1000LL},
    {"MILLISECONDS", 1000000LL},
    {"SECONDS", 1000000000LL},
    {"MINUTES", 60000000000LL},
    {"HOURS", 3600000000000LL},
    {"DAYS", 86400000000000LL},
};

bool qry_tunit_parse(const char *s, size_t len, qry_tunit *out)
{
    for (size_t i = 0; i < TN_ARRAY_LEN(tunits); i++) {
        if (qry_fn_ieq(s, len, tunits[i].name)) {
            *out = (qry_tunit)i;
            return true;
        }
    }
    return false;
}

int64_t qry_tunit_convert(int64_t d, qry_tunit from, qry_tunit to)
{
    int64_t f = tunits[from].ns, t = tunits[to].ns;
    if (f == t)
        return d;
    if (f < t)
        return d / (t / f);
    int64_t ratio = f / t, max = INT64_MAX / ratio;
    if (d > max)
        return INT64_MAX;
    if (d < -max)
        return INT64_MIN;
    return d * ratio;
}

int64_t qry_tunit_ms(qry_tunit u)
{
    return tunits[u].ns / 1000000;
}

int qry_fn_lit_tz(const qry_expr *e, uint32_t i, qry_tz *tz, qry_err *err)
{
    const char *s;
    uint32_t len;
    if (qry_fn_lit_str(e, i, "time zone", &s, &len, err))
        return -1;
    if (!qry_tz_resolve(s, len, tz))
        return qry_fail(err, QRY_ERR_VALIDATION, e->args[i]->position,
                        "%s: unknown time zone '%.*s'", qry_fn_name(e),
                        (int)TN_MIN(len, 64u), s);
    return 0;
}

static int time_lit_unit(const qry_expr *e, uint32_t i, qry_tunit *u, qry_err *err)
{
    const char *s;
    uint32_t len;
    if (qry_fn_lit_str(e, i, "time unit", &s, &len, err))
        return -1;
    if (!qry_tunit_parse(s, len, u))
        return qry_fail(err, QRY_ERR_VALIDATION, e->args[i]->position,
                        "%s: invalid time unit '%.*s' (expected NANOSECONDS .. DAYS)",
                        qry_fn_name(e), (int)TN_MIN(len, 64u), s);
    return 0;
}

/* The time argument as longs and the result vector with its NULL rows. */
static int time_input(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, const int64_t **t, qry_vec **out,
                      qry_err *err)
{
    uint8_t *nulls = qry_fn_nulls(cx->arena, args, e->nargs, n);
    *out = qry_fn_result(e, cx, n, nulls);
    return qry_fn_longs(e, args[0], nulls, cx->arena, t, err);
}

static int time_icu_failed(const qry_expr *e, const qry_tz_cur *c, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position,
                    "%s: ICU could not compute offsets of time zone %s",
                    qry_fn_name(e), c->tz->name);
}

/* ---- DATETRUNC ----------------------------------------------------------- */

typedef enum trunc_field {
    F_MILLISECOND, F_SECOND, F_MINUTE, F_HOUR, F_DAY, F_WEEK, F_MONTH,
    F_QUARTER, F_YEAR
} trunc_field;

static const char *const trunc_names[] = {
    "millisecond", "second", "minute", "hour", "day", "week", "month",
    "quarter", "year"};
static const int64_t trunc_ms[] = {1, QRY_MS_SECOND, QRY_MS_MINUTE, QRY_MS_HOUR,
                                   QRY_MS_DAY};

typedef struct trunc_aux {
    trunc_field field;
    qry_tunit in, out;
    qry_tz tz;
} trunc_aux;

static int bind_datetrunc(qry_expr *e, qry_arena *a, qry_err *err)
{
    trunc_aux *x = qry_alloc(a, sizeof *x);
    const char *s;
    uint32_t len;
    if (qry_fn_check_sv(e, err) || qry_fn_lit_str(e, 0, "unit", &s, &len, err))
        return -1;
    size_t f = 0;
    while (f < TN_ARRAY_LEN(trunc_names) && !qry_fn_ieq(s, len, trunc_names[f]))
        f++;
    if (f == TN_ARRAY_LEN(trunc_names))
        return qry_fail(err, QRY_ERR_VALIDATION, e->args[0]->position,
                        "datetrunc: '%.*s' is not a valid Timestamp field "
                        "(millisecond, second, minute, hour, day, week, month, "
                        "quarter, year)", (int)TN_MIN(len, 64u), s);
    x->field = (trunc_field)f;
    x->in = QRY_TU_MILLIS;
    qry_tz_set_utc(&x->tz);
    if ((e->nargs > 2 && time_lit_unit(e, 2, &x->in, err)) ||
        (e->nargs > 3 && qry_fn_lit_tz(e, 3, &x->tz, err)))
        return -1;
    x->out = x->in;
    if (e->nargs > 4 && time_lit_unit(e, 4, &x->out, err))
        return -1;
    e->aux = x;
    return qry_fn_set_type(e, SEG_LONG);
}

/* First day of the week / month / quarter / year holding day number d. */
static int64_t trunc_days(int64_t d, trunc_field f)
{
    if (f == F_DAY)
        return d;
    if (f == F_WEEK)
        return d - (qry_iso_dow(d) - 1);
    int64_t y;
    int m, day;
    qry_civil_from_days(d, &y, &m, &day);
    if (f == F_YEAR)
        m = 1;
    else if (f == F_QUARTER)
        m = (m - 1) / 3 * 3 + 1;
    return qry_days_from_civil(y, m, 1);
}

/* t - (t + off) mod d, row by row; inlined with a constant d so that the
 * modulo compiles to a multiplication (a division costs ~10x more). */
static inline __attribute__((always_inline)) void
trunc_mod(const int64_t *t, uint32_t n, int64_t *o, int64_t off, int64_t d)
{
    for (uint32_t r = 0; r < n; r++)
        o[r] = qry_wadd(t[r], -qry_floormod(qry_wadd(t[r], off), d));
}

/* Week, month, quarter, year: the bucket's first day, reusing the last
 * answer while rows stay on one day (they mostly arrive in time order). */
typedef struct trunc_memo {
    int64_t day, first;
} trunc_memo;

static inline int64_t trunc_days_memo(trunc_memo *m, int64_t days, trunc_field f)
{
    if (days != m->day) {
        m->day = days;
        m->first = trunc_days(days, f);
    }
    return m->first;
}

/* Zones with one offset (UTC above all): integer arithmetic only. */
static void trunc_fixed(const trunc_aux *x, const int64_t *t, uint32_t n,
                        int64_t *o)
{
    int64_t off = x->tz.offset_ms;
    switch (x->field) {
    case F_SECOND:
        trunc_mod(t, n, o, off, QRY_MS_SECOND);
        return;
    case F_MINUTE:
        trunc_mod(t, n, o, off, QRY_MS_MINUTE);
        return;
    case F_HOUR:
        trunc_mod(t, n, o, off, QRY_MS_HOUR);
        return;
    case F_DAY:
        trunc_mod(t, n, o, off, QRY_MS_DAY);
        return;
    default:
        break;
    }
    trunc_memo m = {INT64_MIN, 0};
    for (uint32_t r = 0; r < n; r++) {
        int64_t days = qry_floordiv(qry_wadd(t[r], off), QRY_MS_DAY);
        o[r] = qry_wadd(qry_wmul(trunc_days_memo(&m, days, x->field), QRY_MS_DAY), -off);
    }
}

/* Zones with transitions, as Joda's zoned fields round: units below a day
 * keep the instant's offset; calendar units floor the local date and map
 * it back to an instant (Joda's non-strict local-to-UTC). The mapping
 * depends on the local day and the instant's offset only, so it is
 * reused while both stay the same. */
static void trunc_zoned(const trunc_aux *x, const int64_t *t, uint32_t n,
                        int64_t *o, qry_tz_cur *c)
{
    if (x->field < F_DAY) {
        int64_t d = trunc_ms[x->field];
        for (uint32_t r = 0; r < n; r++) {
            int64_t local = qry_wadd(t[r], qry_tz_offset(c, t[r]));
            o[r] = qry_wadd(t[r], -qry_floormod(local, d));
        }
        return;
    }
    int64_t last_day = INT64_MIN, last_off = 0, last = 0;
    for (uint32_t r = 0; r < n; r++) {
        int64_t off = qry_tz_offset(c, t[r]);
        int64_t days = qry_floordiv(qry_wadd(t[r], off), QRY_MS_DAY);
        if (days != last_day || off != last_off) {
            int64_t first = trunc_days(days, x->field);
            last = qry_tz_to_utc(c, qry_wmul(first, QRY_MS_DAY), t[r]);
            last_day = days;
            last_off = off;
        }
        o[r] = last;
    }
}

static int eval_datetrunc(const qry_expr *e, qry_vec *const *args, uint32_t n,
                          qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const trunc_aux *x = e->aux;
    const int64_t *t;
    qry_vec *const *targs = args + 1;   /* the time value is argument 2 */
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, targs, 1, n));
    *out = v;
    if (qry_fn_longs(e, targs[0], v->nulls, cx->arena, &t, err))
        return -1;
    if (x->in != QRY_TU_MILLIS) {
        int64_t *ms = qry_alloc(cx->arena, (n ? n : 1) * sizeof *ms);
        for (uint32_t r = 0; r < n; r++)
            ms[r] = qry_tunit_convert(t[r], x->in, QRY_TU_MILLIS);
        t = ms;
    }
    int64_t *o = v->i;
    if (x->field == F_MILLISECOND) {
        memcpy(o, t, n * sizeof *o);
    } else if (x->tz.fixed) {
        trunc_fixed(x, t, n, o);
    } else {
        qry_tz_cur c;
        qry_tz_cur_init(&c, &x->tz);
        trunc_zoned(x, t, n, o, &c);
        qry_tz_cur_done(&c);
        if (c.failed)
            return time_icu_failed(e, &c, err);
    }
    if (x->out != QRY_TU_MILLIS) {
        for (uint32_t r = 0; r < n; r++)
            o[r] = qry_tunit_convert(o[r], QRY_TU_MILLIS, x->out);
    }
    return 0;
}

/* ---- toEpoch* / fromEpoch* / round --------------------------------------- */

/* Java's a / b for longs: b = 0 is an error, MIN / -1 wraps. */
static inline int64_t time_div(int64_t a, int64_t b)
{
    return b == -1 ? qry_wmul(a, -1) : a / b;
}

static int time_zero_divisor(const qry_expr *e, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position, "%s: / by zero", qry_fn_name(e));
}

typedef enum epoch_op { E_TO, E_TO_ROUNDED, E_TO_BUCKET, E_FROM, E_FROM_BUCKET,
                        E_ROUND } epoch_op;

/* toEpochX(ms) = ms / unit; ...Rounded(ms, k) = ms / unit / k * k;
 * ...Bucket(ms, k) = ms / unit / k; fromEpochX(v) = v * unit (saturating);
 * fromEpochXBucket(v, k) = (v * k) * unit; round(t, k) = t / k * k. */
static int time_epoch(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err,
                      epoch_op op, qry_tunit unit)
{
    const int64_t *t, *k = NULL;
    if (time_input(e, args, n, cx, &t, out, err))
        return -1;
    qry_vec *v = *out;
    if (e->nargs > 1 && qry_fn_longs(e, args[1], v->nulls, cx->arena, &k, err))
        return -1;
    int64_t *o = v->i;
    for (uint32_t r = 0; r < n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        if (k && k[r] == 0 && op != E_FROM_BUCKET)
            return time_zero_divisor(e, err);
        switch (op) {
        case E_TO:
            o[r] = qry_tunit_convert(t[r], QRY_TU_MILLIS, unit);
            break;
        case E_TO_ROUNDED:
            o[r] = qry_wmul(time_div(qry_tunit_convert(t[r], QRY_TU_MILLIS, unit), k[r]),
                            k[r]);
            break;
        case E_TO_BUCKET:
            o[r] = time_div(qry_tunit_convert(t[r], QRY_TU_MILLIS, unit), k[r]);
            break;
        case E_FROM:
            o[r] = qry_tunit_convert(t[r], unit, QRY_TU_MILLIS);
            break;
        case E_FROM_BUCKET:
            o[r] = qry_tunit_convert(qry_wmul(t[r], k[r]), unit, QRY_TU_MILLIS);
            break;
        case E_ROUND:
            o[r] = qry_wmul(time_div(t[r], k[r]), k[r]);
            break;
        }
    }
    return 0;
}

#define TIME_EPOCH(fn, op, unit)                                               \
    static int fn(const qry_expr *e, qry_vec *const *args, uint32_t n,         \
                  qry_eval_ctx *cx, qry_vec **out, qry_err *err)               \
    {                                                                         \
        return time_epoch(e, args, n, cx, out, err, op, unit);                 \
    }

TIME_EPOCH(eval_to_seconds, E_TO, QRY_TU_SECONDS)
TIME_EPOCH(eval_to_minutes, E_TO, QRY_TU_MINUTES)
TIME_EPOCH(eval_to_hours, E_TO, QRY_TU_HOURS)
TIME_EPOCH(eval_to_days, E_TO, QRY_TU_DAYS)
TIME_EPOCH(eval_to_seconds_rounded, E_TO_ROUNDED, QRY_TU_SECONDS)
TIME_EPOCH(eval_to_minutes_rounded, E_TO_ROUNDED, QRY_TU_MINUTES)
TIME_EPOCH(eval_to_hours_rounded, E_TO_ROUNDED, QRY_TU_HOURS)
TIME_EPOCH(eval_to_days_rounded, E_TO_ROUNDED, QRY_TU_DAYS)
TIME_EPOCH(eval_to_seconds_bucket, E_TO_BUCKET, QRY_TU_SECONDS)
TIME_EPOCH(eval_to_minutes_bucket, E_TO_BUCKET, QRY_TU_MINUTES)
TIME_EPOCH(eval_to_hours_bucket, E_TO_BUCKET, QRY_TU_HOURS)
TIME_EPOCH(eval_to_days_bucket, E_TO_BUCKET, QRY_TU_DAYS)
TIME_EPOCH(eval_from_seconds, E_FROM, QRY_TU_SECONDS)
TIME_EPOCH(eval_from_minutes, E_FROM, QRY_TU_MINUTES)
TIME_EPOCH(eval_from_hours, E_FROM, QRY_TU_HOURS)
TIME_EPOCH(eval_from_days, E_FROM, QRY_TU_DAYS)
TIME_EPOCH(eval_from_seconds_bucket, E_FROM_BUCKET, QRY_TU_SECONDS)
TIME_EPOCH(eval_from_minutes_bucket, E_FROM_BUCKET, QRY_TU_MINUTES)
TIME_EPOCH(eval_from_hours_bucket, E_FROM_BUCKET, QRY_TU_HOURS)
TIME_EPOCH(eval_from_days_bucket, E_FROM_BUCKET, QRY_TU_DAYS)
TIME_EPOCH(eval_round, E_ROUND, QRY_TU_MILLIS)

/* toTimestamp / fromTimestamp: the same milliseconds under another type. */
static int bind_to_timestamp(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    if (qry_fn_check_sv(e, err))
        return -1;
    return qry_fn_set_type(e, SEG_TIMESTAMP);
}

static int eval_identity(const qry_expr *e, qry_vec *const *args, uint32_t n,
                         qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const int64_t *t;
    if (time_input(e, args, n, cx, &t, out, err))
        return -1;
    memcpy((*out)->i, t, n * sizeof *t);
    return 0;
}

/* ---- YEAR .. MILLISECOND ------------------------------------------------- */

typedef enum part {
    P_YEAR, P_YEAR_OF_WEEK, P_QUARTER, P_MONTH, P_WEEK, P_DAY, P_DOW, P_DOY,
    P_HOUR, P_MINUTE, P_SECOND, P_MILLI
} part;

static int bind_part(qry_expr *e, qry_arena *a, qry_err *err)
{
    qry_tz *tz = qry_alloc(a, sizeof *tz);
    qry_tz_set_utc(tz);
    if (qry_fn_check_sv(e, err) || (e->nargs > 1 && qry_fn_lit_tz(e, 1, tz, err)))
        return -1;
    e->aux = tz;
    return qry_fn_set_type(e, SEG_INT);
}

static int64_t part_of(int64_t local, part p)
{
    int64_t days = qry_floordiv(local, QRY_MS_DAY), y, wy;
    int m, d, w;
    switch (p) {
    case P_HOUR:
        return qry_floormod(local, QRY_MS_DAY) / QRY_MS_HOUR;
    case P_MINUTE:
        return qry_floormod(local, QRY_MS_HOUR) / QRY_MS_MINUTE;
    case P_SECOND:
        return qry_floormod(local, QRY_MS_MINUTE) / QRY_MS_SECOND;
    case P_MILLI:
        return qry_floormod(local, QRY_MS_SECOND);
    case P_DOW:
        return qry_iso_dow(days);
    case P_WEEK:
        qry_iso_week(days, &wy, &w);
        return w;
    case P_YEAR_OF_WEEK:
        qry_iso_week(days, &wy, &w);
        return wy;
    default:
        break;
    }
    qry_civil_from_days(days, &y, &m, &d);
    switch (p) {
    case P_YEAR:
        return y;
    case P_QUARTER:
        return (m - 1) / 3 + 1;
    case P_MONTH:
        return m;
    case P_DAY:
        return d;
    default:
        return days - qry_days_from_civil(y, 1, 1) + 1;
    }
}

/* Part p of the instants in time vector tv, in zone tz. */
static int time_part(const qry_expr *e, const qry_tz *tz, part p, qry_vec *tv,
                     uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const int64_t *t;
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, &tv, 1, n));
    *out = v;
    if (qry_fn_longs(e, tv, v->nulls, cx->arena, &t, err))
        return -1;
    int64_t *o = v->i;
    if (tz->fixed) {
        for (uint32_t r = 0; r < n; r++)
            o[r] = part_of(qry_wadd(t[r], tz->offset_ms), p);
        return 0;
    }
    qry_tz_cur c;
    qry_tz_cur_init(&c, tz);
    for (uint32_t r = 0; r < n; r++)
        o[r] = part_of(qry_wadd(t[r], qry_tz_offset(&c, t[r])), p);
    qry_tz_cur_done(&c);
    return c.failed ? time_icu_failed(e, &c, err) : 0;
}

#define TIME_PART(fn, p)                                                       \
    static int fn(const qry_expr *e, qry_vec *const *args, uint32_t n,         \
                  qry_eval_ctx *cx, qry_vec **out, qry_err *err)               \
    {                                                                         \
        return time_part(e, e->aux, p, args[0], n, cx, out, err);             \
    }

TIME_PART(eval_year, P_YEAR)
TIME_PART(eval_year_of_week, P_YEAR_OF_WEEK)
TIME_PART(eval_quarter, P_QUARTER)
TIME_PART(eval_month, P_MONTH)
TIME_PART(eval_week, P_WEEK)
TIME_PART(eval_day, P_DAY)
TIME_PART(eval_dow, P_DOW)
TIME_PART(eval_doy, P_DOY)
TIME_PART(eval_hour, P_HOUR)
TIME_PART(eval_minute, P_MINUTE)
TIME_PART(eval_second, P_SECOND)
TIME_PART(eval_millisecond, P_MILLI)

/* EXTRACT(field FROM ts) arrives as extract('field', ts): Pinot's fields
 * (YEAR MONTH DAY HOUR MINUTE SECOND, in UTC) and QUARTER, WEEK (ISO) and
 * DOY, which mean the same in PostgreSQL. */
typedef struct extract_aux {
    qry_tz tz;
    part p;
} extract_aux;

static int bind_extract(qry_expr *e, qry_arena *a, qry_err *err)
{
    static const struct {
        const char *name;
        part p;
    } fields[] = {{"YEAR", P_YEAR}, {"QUARTER", P_QUARTER}, {"MONTH", P_MONTH},
                  {"WEEK", P_WEEK}, {"DAY", P_DAY}, {"DOY", P_DOY}, {"HOUR", P_HOUR},
                  {"MINUTE", P_MINUTE}, {"SECOND", P_SECOND}};
    extract_aux *x = qry_alloc(a, sizeof *x);
    const char *s;
    uint32_t len;
    if (qry_fn_check_sv(e, err) || qry_fn_lit_str(e, 0, "field", &s, &len, err))
        return -1;
    size_t i = 0;
    while (i < TN_ARRAY_LEN(fields) && !qry_fn_ieq(s, len, fields[i].name))
        i++;
    if (i == TN_ARRAY_LEN(fields))
        return qry_fail(err, QRY_ERR_VALIDATION, e->args[0]->position,
                        "extract: unsupported field '%.*s'", (int)TN_MIN(len, 64u), s);
    qry_tz_set_utc(&x->tz);
    x->p = fields[i].p;
    e->aux = x;
    return qry_fn_set_type(e, SEG_INT);
}

static int eval_extract(const qry_expr *e, qry_vec *const *args, uint32_t n,
                        qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const extract_aux *x = e->aux;
    return time_part(e, &x->tz, x->p, args[1], n, cx, out, err);
}

int64_t qry_iso_week1(int64_t weekyear)
{
    /* week 1 holds January 4th */
    int64_t jan4 = qry_days_from_civil(weekyear, 1, 4);
    return jan4 - (qry_iso_dow(jan4) - 1);
}

void qry_iso_week(int64_t days, int64_t *weekyear, int *week)
{
    int64_t y;
    int m, d;
    qry_civil_from_days(days, &y, &m, &d);
    int64_t start = qry_iso_week1(y + 1);
    if (days >= start) {
        y++;
    } else {
        start = qry_iso_week1(y);
        if (days < start)
            start = qry_iso_week1(--y);
    }
    *weekyear = y;
    *week = (int)((days - start) / 7) + 1;
}

/* ---- NOW, AGO ------------------------------------------------------------ */

static int eval_now(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    (void)args;
    (void)err;
    qry_vec *v = qry_fn_result(e, cx, n, NULL);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = cx->now_ms;
    *out = v;
    return 0;
}

static bool dur_num(const char **p, const char *end, int64_t *v, bool *neg)
{
    *neg = false;
    if (*p < end && (**p == '+' || **p == '-'))
        *neg = *(*p)++ == '-';
    const char *b = *p;
    uint64_t x = 0;
    for (; *p < end && **p >= '0' && **p <= '9'; (*p)++) {
        if (x > (uint64_t)INT64_MAX / 10)
            return false;
        x = x * 10 + (uint64_t)(**p - '0');
    }
    if (*p == b || x > (uint64_t)INT64_MAX)
        return false;
    *v = *neg ? -(int64_t)x : (int64_t)x;
    return true;
}

static inline char dur_up(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

/* java.time.Duration.parse ("P2D", "PT1H30M", "-PT20.345S") in ms, as
 * Duration.toMillis gives it. */
static bool dur_parse(const char *s, size_t len, int64_t *ms)
{
    const char *p = s, *end = s + len;
    bool neg = false, any = false, n2;
    __int128 ns = 0;
    if (p < end && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    if (p >= end || dur_up(*p++) != 'P')
        return false;
    static const char units[] = "DHMS";
    static const int64_t secs[] = {86400, 3600, 60, 1};
    int at = 0;
    bool in_time = false, time_any = false;
    while (p < end) {
        if (dur_up(*p) == 'T' && !in_time) {
            in_time = true;
            p++;
            continue;
        }
        int64_t v, frac = 0;
        int fd = 0;
        if (!dur_num(&p, end, &v, &n2))
            return false;
        if (p < end && (*p == '.' || *p == ',')) {
            for (p++; p < end && *p >= '0' && *p <= '9' && fd < 9; p++, fd++)
                frac = frac * 10 + (*p - '0');
            for (int k = fd; k < 9; k++)
                frac *= 10;
            if (p >= end || dur_up(*p) != 'S')
                return false;
        }
        if (p >= end)
            return false;
        const char *u = strchr(units, dur_up(*p++));
        int idx = u && *u ? (int)(u - units) : -1;
        /* units in order; D before T, H M S after it */
        if (idx < at || (idx == 0) == in_time)
            return false;
        at = idx + 1;
        ns += (__int128)v * secs[idx] * 1000000000 + (n2 ? -frac : frac);
        any = true;
        time_any |= in_time;
    }
    if (!any || (in_time && !time_any))
        return false;
    ns = neg ? -ns : ns;
    /* toMillis: floor seconds, then the nanos within the second */
    __int128 sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0) {
        sec--;
        rem += 1000000000;
    }
    __int128 total = sec * 1000 + rem / 1000000;
    if (total > INT64_MAX || total < INT64_MIN)
        return false;
    *ms = (int64_t)total;
    return true;
}

static int bind_ago(qry_expr *e, qry_arena *a, qry_err *err)
{
    if (qry_fn_check_sv(e, err))
        return -1;
    const qry_expr *arg = e->args[0];
    if (arg->op == QE_LITERAL && arg->lit.kind == QV_STRING) {
        int64_t *ms = qry_alloc(a, sizeof *ms);
        if (!dur_parse(arg->lit.s, arg->lit.len, ms))
            return qry_fail(err, QRY_ERR_VALIDATION, arg->position,
                            "ago: '%.*s' is not an ISO-8601 duration "
                            "(e.g. 'P1D', 'PT1H')",
                            (int)TN_MIN(arg->lit.len, 64u), arg->lit.s);
        e->aux = ms;
    }
    return qry_fn_set_type(e, SEG_LONG);
}

static int eval_ago(const qry_expr *e, qry_vec *const *args, uint32_t n,
                    qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const int64_t *fixed = e->aux;
    const seg_value *t = NULL;
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, args, 1, n));
    *out = v;
    if (!fixed)
        qry_fn_texts(args[0], cx->arena, &t);
    for (uint32_t r = 0; r < n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        int64_t d;
        if (fixed)
            d = *fixed;
        else if (!dur_parse(t[r].s.p, t[r].s.len, &d))
            return qry_fail(err, QRY_ERR_EXEC, e->position,
                            "ago: '%.*s' is not an ISO-8601 duration",
                            (int)TN_MIN(t[r].s.len, 64u), t[r].s.p);
        v->i[r] = qry_wadd(cx->now_ms, -d);
    }
    return 0;
}

static const qry_func time_funcs[] = {
    {"datetrunc", 2, 5, bind_datetrunc, eval_datetrunc},
    {"toepochseconds", 1, 1, qry_fn_bind_long, eval_to_seconds},
    {"toepochminutes", 1, 1, qry_fn_bind_long, eval_to_minutes},
    {"toepochhours", 1, 1, qry_fn_bind_long, eval_to_hours},
    {"toepochdays", 1, 1, qry_fn_bind_long, eval_to_days},
    {"toepochsecondsrounded", 2, 2, qry_fn_bind_long, eval_to_seconds_rounded},
    {"toepochminutesrounded", 2, 2, qry_fn_bind_long, eval_to_minutes_rounded},
    {"toepochhoursrounded", 2, 2, qry_fn_bind_long, eval_to_hours_rounded},
    {"toepochdaysrounded", 2, 2, qry_fn_bind_long, eval_to_days_rounded},
    {"toepochsecondsbucket", 2, 2, qry_fn_bind_long, eval_to_seconds_bucket},
    {"toepochminutesbucket", 2, 2, qry_fn_bind_long, eval_to_minutes_bucket},
    {"toepochhoursbucket", 2, 2, qry_fn_bind_long, eval_to_hours_bucket},
    {"toepochdaysbucket", 2, 2, qry_fn_bind_long, eval_to_days_bucket},
    {"fromepochseconds", 1, 1, qry_fn_bind_long, eval_from_seconds},
    {"fromepochminutes", 1, 1, qry_fn_bind_long, eval_from_minutes},
    {"fromepochhours", 1, 1, qry_fn_bind_long, eval_from_hours},
    {"fromepochdays", 1, 1, qry_fn_bind_long, eval_from_days},
    {"fromepochsecondsbucket", 2, 2, qry_fn_bind_long, eval_from_seconds_bucket},
    {"fromepochminutesbucket", 2, 2, qry_fn_bind_long, eval_from_minutes_bucket},
    {"fromepochhoursbucket", 2, 2, qry_fn_bind_long, eval_from_hours_bucket},
    {"fromepochdaysbucket", 2, 2, qry_fn_bind_long, eval_from_days_bucket},
    {"round", 2, 2, qry_fn_bind_long, eval_round},
    {"totimestamp", 1, 1, bind_to_timestamp, eval_identity},
    {"fromtimestamp", 1, 1, qry_fn_bind_long, eval_identity},
    {"year", 1, 2, bind_part, eval_year},
    {"yearofweek", 1, 2, bind_part, eval_year_of_week},
    {"yow", 1, 2, bind_part, eval_year_of_week},
    {"quarter", 1, 2, bind_part, eval_quarter},
    {"month", 1, 2, bind_part, eval_month},
    {"week", 1, 2, bind_part, eval_week},
    {"weekofyear", 1, 2, bind_part, eval_week},
    {"dayofmonth", 1, 2, bind_part, eval_day},
    {"day", 1, 2, bind_part, eval_day},
    {"dayofweek", 1, 2, bind_part, eval_dow},
    {"dow", 1, 2, bind_part, eval_dow},
    {"dayofyear", 1, 2, bind_part, eval_doy},
    {"doy", 1, 2, bind_part, eval_doy},
    {"hour", 1, 2, bind_part, eval_hour},
    {"minute", 1, 2, bind_part, eval_minute},
    {"second", 1, 2, bind_part, eval_second},
    {"millisecond", 1, 2, bind_part, eval_millisecond},
    {"extract", 2, 2, bind_extract, eval_extract},
    {"now", 0, 0, qry_fn_bind_long, eval_now},
    {"ago", 1, 1, bind_ago, eval_ago},
};

const qry_func_table qry_func_time_table = {time_funcs, TN_ARRAY_LEN(time_funcs)};
