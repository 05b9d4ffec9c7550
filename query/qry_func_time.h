/*
 * qry_func_time.h: what the date and time functions share: Java's
 * TimeUnit conversions, time zone literals, and the date pattern engine
 * (Joda-Time's pattern letters, as Pinot's toDateTime, fromDateTime and
 * SIMPLE_DATE_FORMAT use them). Private to query/qry_func*.c.
 */
#ifndef QRY_FUNC_TIME_H
#define QRY_FUNC_TIME_H

#include "qry_func_int.h"
#include "qry_func_tz.h"

/* java.util.concurrent.TimeUnit */
typedef enum qry_tunit {
    QRY_TU_NANOS, QRY_TU_MICROS, QRY_TU_MILLIS, QRY_TU_SECONDS,
    QRY_TU_MINUTES, QRY_TU_HOURS, QRY_TU_DAYS
} qry_tunit;

/* Parses a TimeUnit name ("MILLISECONDS", any case). */
bool qry_tunit_parse(const char *s, size_t len, qry_tunit *out);
/* TimeUnit.convert: toward zero to a coarser unit, saturating to a finer. */
int64_t qry_tunit_convert(int64_t d, qry_tunit from, qry_tunit to);
/* Milliseconds in one unit of u (0 for units below a millisecond). */
int64_t qry_tunit_ms(qry_tunit u);

/* Argument i must be a string literal naming a time zone; 700 otherwise. */
int qry_fn_lit_tz(const qry_expr *e, uint32_t i, qry_tz *tz, qry_err *err);

/* ---- date patterns (qry_func_datefmt.c) ---------------------------------- */

/* A compiled pattern: its tokens and the zone it prints and parses in. */
typedef struct qry_dfmt qry_dfmt;

/* Compiles a Joda-Time pattern ("yyyy-MM-dd HH:mm:ss", "EEE, d MMM yyyy")
 * for zone tz (copied). False with a reason in why (TN_ERRLEN) for an
 * invalid pattern or one Joda could not parse when for_parse is set. */
bool qry_dfmt_compile(const char *pat, size_t len, const qry_tz *tz,
                      bool for_parse, qry_arena *a, qry_dfmt **out, char *why);

/* The zone a pattern prints and parses in. */
const qry_tz *qry_dfmt_tz(const qry_dfmt *f);

/* Per-evaluation state of a pattern: its zone cursor. */
typedef struct qry_dfmt_cur {
    const qry_dfmt *f;
    qry_tz_cur tz;
    int64_t now_ms;     /* for the two-digit year pivot */
    qry_tm day;         /* date fields of the last day printed */
    bool day_set;
    int64_t weekyear;   /* and its ISO week, when the pattern uses it */
    int week;
} qry_dfmt_cur;

void qry_dfmt_cur_init(qry_dfmt_cur *c, const qry_dfmt *f, int64_t now_ms);
void qry_dfmt_cur_done(qry_dfmt_cur *c);
/* Longest text print can produce. */
size_t qry_dfmt_max_len(const qry_dfmt *f);
/* Prints instant ms; returns the length (at most qry_dfmt_max_len). */
size_t qry_dfmt_print(qry_dfmt_cur *c, int64_t ms, char *buf);
/* Parses the whole of s; false when it does not match the pattern. */
bool qry_dfmt_parse(qry_dfmt_cur *c, const char *s, size_t len, int64_t *ms);

#endif
