/*
 * qry_func_timefmt.c: the functions that turn instants into text and back:
 * toDateTime, fromDateTime, toIso8601 and dateTimeConvert with Pinot's
 * format specs ('1:MILLISECONDS:EPOCH', '1:DAYS:SIMPLE_DATE_FORMAT:yyyyMMdd',
 * 'EPOCH|SECONDS|1', 'SIMPLE_DATE_FORMAT|yyyy-MM-dd|America/New_York',
 * 'TIMESTAMP') and granularities ('15:MINUTES'). Patterns and formats are
 * compiled at bind; evaluation only prints, parses and buckets.
 */
#include <string.h>

#include "qry_func_time.h"

static int fmt_bad_pattern(const qry_expr *e, uint32_t i, const char *why,
                           qry_err *err)
{
    const qry_expr *a = e->args[i];
    return qry_fail(err, QRY_ERR_VALIDATION, a->position,
                    "%s: invalid pattern '%.*s': %s", qry_fn_name(e),
                    (int)TN_MIN(a->lit.len, 100u), a->lit.s, why);
}

/* Argument ip is a pattern, argument itz (if present) its zone. */
static int fmt_lit_pattern(qry_expr *e, uint32_t ip, uint32_t itz, bool for_parse,
                           qry_arena *a, qry_dfmt **out, qry_err *err)
{
    const char *s;
    uint32_t len;
    char why[TN_ERRLEN];
    qry_tz tz;
    qry_tz_set_utc(&tz);
    if (qry_fn_lit_str(e, ip, "pattern", &s, &len, err) ||
        (e->nargs > itz && qry_fn_lit_tz(e, itz, &tz, err)))
        return -1;
    if (!qry_dfmt_compile(s, len, &tz, for_parse, a, out, why))
        return fmt_bad_pattern(e, ip, why, err);
    return 0;
}

static int fmt_icu_failed(const qry_expr *e, const qry_tz_cur *c, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position,
                    "%s: ICU failed for time zone %s", qry_fn_name(e), c->tz->name);
}

/* Prints ms[r] for every row not NULL into v (a STRING vector). */
static int fmt_print_all(const qry_expr *e, const qry_dfmt *f, const int64_t *ms,
                         qry_vec *v, qry_eval_ctx *cx, qry_err *err)
{
    qry_dfmt_cur c;
    qry_fn_out o;
    qry_dfmt_cur_init(&c, f, cx->now_ms);
    qry_fn_out_init(&o, cx->arena);
    size_t max = qry_dfmt_max_len(f);
    for (uint32_t r = 0; r < v->n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        char *p = qry_fn_room(&o, max);
        size_t len = qry_dfmt_print(&c, ms[r], p);
        v->s[r].s.p = p;
        v->s[r].s.len = (uint32_t)len;
        qry_fn_keep(&o, len);
    }
    qry_dfmt_cur_done(&c);
    return c.tz.failed ? fmt_icu_failed(e, &c.tz, err) : 0;
}

/* ---- toDateTime, toIso8601 ----------------------------------------------- */

static int bind_todatetime(qry_expr *e, qry_arena *a, qry_err *err)
{
    qry_dfmt *f;
    if (qry_fn_check_sv(e, err) || fmt_lit_pattern(e, 1, 2, false, a, &f, err))
        return -1;
    e->aux = f;
    return qry_fn_set_type(e, SEG_STRING);
}

static int eval_print(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const int64_t *ms;
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, args, 1, n));
    *out = v;
    if (qry_fn_longs(e, args[0], v->nulls, cx->arena, &ms, err))
        return -1;
    return fmt_print_all(e, e->aux, ms, v, cx, err);
}

/* ISODateTimeFormat.dateTime() in UTC: 2014-01-01T00:00:00.000Z */
static int bind_toiso8601(qry_expr *e, qry_arena *a, qry_err *err)
{
    static const char iso[] = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    qry_tz utc;
    qry_dfmt *f;
    char why[TN_ERRLEN];
    qry_tz_set_utc(&utc);
    if (qry_fn_check_sv(e, err))
        return -1;
    if (!qry_dfmt_compile(iso, sizeof iso - 1, &utc, false, a, &f, why))
        return qry_fail(err, QRY_ERR_VALIDATION, e->position, "toiso8601: %s", why);
    e->aux = f;
    return qry_fn_set_type(e, SEG_STRING);
}

/* ---- fromDateTime -------------------------------------------------------- */

static int bind_fromdatetime(qry_expr *e, qry_arena *a, qry_err *err)
{
    qry_dfmt *f;
    if (qry_fn_check_sv(e, err) || fmt_lit_pattern(e, 1, 2, true, a, &f, err))
        return -1;
    e->aux = f;
    return qry_fn_set_type(e, SEG_LONG);
}

/* Parse failures take the default (argument 4) when there is one; a NULL
 * default leaves the row NULL. */
static int eval_fromdatetime(const qry_expr *e, qry_vec *const *args, uint32_t n,
                             qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const seg_value *t;
    const int64_t *dflt = NULL;
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, args, 1, n));
    *out = v;
    qry_fn_texts(args[0], cx->arena, &t);
    if (e->nargs > 3 &&
        qry_fn_longs(e, args[3], args[3]->nulls, cx->arena, &dflt, err))
        return -1;
    qry_dfmt_cur c;
    qry_dfmt_cur_init(&c, e->aux, cx->now_ms);
    int rc = 0;
    for (uint32_t r = 0; r < n && !rc; r++) {
        if ((v->nulls && v->nulls[r]) ||
            qry_dfmt_parse(&c, t[r].s.p, t[r].s.len, &v->i[r]))
            continue;
        if (!dflt) {
            rc = qry_fail(err, QRY_ERR_EXEC, e->position,
                          "fromdatetime: cannot parse '%.*s' with pattern '%.*s'",
                          (int)TN_MIN(t[r].s.len, 100u), t[r].s.p,
                          (int)TN_MIN(e->args[1]->lit.len, 100u), e->args[1]->lit.s);
        } else if (args[3]->kind == QV_NULL || (args[3]->nulls && args[3]->nulls[r])) {
            if (!v->nulls)
                v->nulls = qry_alloc(cx->arena, n);
            v->nulls[r] = 1;
        } else {
            v->i[r] = dflt[r];
        }
    }
    qry_dfmt_cur_done(&c);
    if (!rc && c.tz.failed)
        rc = fmt_icu_failed(e, &c.tz, err);
    return rc;
}

/* ---- dateTimeConvert ----------------------------------------------------- */

typedef enum conv_kind { CONV_EPOCH, CONV_SDF, CONV_TIMESTAMP } conv_kind;

/* Units of an EPOCH format: TimeUnit, and for output only Pinot's
 * DateTimeTransformUnit extras. */
typedef enum conv_unit { CU_TIME, CU_WEEKS, CU_MONTHS, CU_YEARS } conv_unit;

typedef struct conv_format {
    conv_kind kind;
    int64_t size;
    conv_unit cal;          /* CU_TIME: unit is a TimeUnit */
    qry_tunit unit;
    qry_dfmt *sdf;
} conv_format;

typedef struct conv_aux {
    conv_format in, out;
    int64_t gran_size;
    qry_tunit gran_unit;
    int64_t gran_ms;
    bool bucket;            /* a bucketing time zone was given */
    qry_tz bucket_tz;
} conv_aux;

/* A counted slice of the format text. */
typedef struct conv_str {
    const char *p;
    size_t n;
} conv_str;

static conv_str conv_trim(conv_str s)
{
    while (s.n && (*s.p == ' ' || *s.p == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* Splits s at sep into at most max parts; the last keeps the rest. */
static int conv_split(conv_str s, char sep, conv_str *parts, int max)
{
    int k = 0;
    while (k < max - 1) {
        const char *at = memchr(s.p, sep, s.n);
        if (!at)
            break;
        parts[k++] = (conv_str){s.p, (size_t)(at - s.p)};
        s.n -= (size_t)(at - s.p) + 1;
        s.p = at + 1;
    }
    parts[k++] = s;
    return k;
}

static bool conv_int(conv_str s, int64_t *v)
{
    return qry_parse_java_long(s.p, s.n, v) && memchr(s.p, '.', s.n) == NULL &&
           memchr(s.p, 'e', s.n) == NULL && memchr(s.p, 'E', s.n) == NULL;
}

static bool conv_unit_parse(conv_str s, conv_format *f)
{
    static const char *const cal[] = {"WEEKS", "MONTHS", "YEARS"};
    f->cal = CU_TIME;
    if (qry_tunit_parse(s.p, s.n, &f->unit))
        return true;
    for (int i = 0; i < 3; i++) {
        if (qry_fn_ieq(s.p, s.n, cal[i])) {
            f->cal = (conv_unit)(CU_WEEKS + i);
            return true;
        }
    }
    return false;
}

/* "pattern tz(Zone)" (DateTimeFormatPatternSpec's colon-format zone): the
 * last '(' before the last ')', preceded by " tz" and optional spaces. */
static void conv_split_tz(conv_str s, conv_str *pat, conv_str *zone)
{
    *pat = conv_trim(s);
    zone->p = NULL;
    zone->n = 0;
    const char *close = s.n ? memrchr(s.p, ')', s.n) : NULL;
    if (!close)
        return;
    size_t c = (size_t)(close - s.p);
    for (size_t i = c; i-- > 0;) {
        if (s.p[i] != '(')
            continue;
        size_t j = i;
        while (j > 0 && s.p[j - 1] == ' ')
            j--;
        if (j > 3 && memcmp(s.p + j - 3, " tz", 3) == 0 && c > i + 1) {
            *pat = conv_trim((conv_str){s.p, j - 3});
            *zone = conv_trim((conv_str){s.p + i + 1, c - i - 1});
        }
        return;
    }
}

static bool conv_sdf(conv_str pat, conv_str zone, bool for_parse, qry_arena *a,
                     conv_format *f, char *why)
{
    qry_tz tz;
    qry_tz_set_utc(&tz);
    if (zone.p && !qry_tz_resolve(zone.p, zone.n, &tz)) {
        tn_err(why, TN_EINVAL, "unknown time zone '%.*s'", (int)TN_MIN(zone.n, 64u),
               zone.p);
        return false;
    }
    if (pat.n == 0) {
        tn_err(why, TN_EINVAL, "SIMPLE_DATE_FORMAT needs a pattern");
        return false;
    }
    f->kind = CONV_SDF;
    f->size = 1;
    f->unit = QRY_TU_MILLIS;
    return qry_dfmt_compile(pat.p, pat.n, &tz, for_parse, a, &f->sdf, why);
}

/* DateTimeFormatSpec: colon format when it starts with a digit, else the
 * pipe format. */
static bool conv_format_parse(conv_str s, bool for_input, qry_arena *a,
                              conv_format *f, char *why)
{
    conv_str part[4], pat, zone = {NULL, 0};
    bool colon = s.n && s.p[0] >= '0' && s.p[0] <= '9';
    int n = conv_split(s, colon ? ':' : '|', part, colon ? 4 : 3);
    conv_str kind = colon ? (n >= 3 ? part[2] : (conv_str){"", 0}) : part[0];
    memset(f, 0, sizeof *f);
    f->size = 1;
    if (qry_fn_ieq(kind.p, kind.n, "TIMESTAMP")) {
        f->kind = CONV_TIMESTAMP;
        f->unit = QRY_TU_MILLIS;
        return true;
    }
    if (qry_fn_ieq(kind.p, kind.n, "SIMPLE_DATE_FORMAT")) {
        if (colon) {
            conv_split_tz(n > 3 ? part[3] : (conv_str){"", 0}, &pat, &zone);
        } else {
            pat = n > 1 ? part[1] : (conv_str){"", 0};
            zone = n > 2 ? part[2] : zone;
        }
        return conv_sdf(pat, zone, for_input, a, f, why);
    }
    if (!qry_fn_ieq(kind.p, kind.n, "EPOCH") || (colon && n < 3) || (!colon && n < 2)) {
        tn_err(why, TN_EINVAL, "expected 'size:unit:EPOCH|SIMPLE_DATE_FORMAT:pattern', "
               "'EPOCH|unit|size', 'SIMPLE_DATE_FORMAT|pattern|zone' or 'TIMESTAMP'");
        return false;
    }
    f->kind = CONV_EPOCH;
    conv_str size = colon ? part[0] : (n > 2 ? part[2] : (conv_str){"1", 1});
    if (!conv_int(size, &f->size) || f->size <= 0 || f->size > INT32_MAX) {
        tn_err(why, TN_EINVAL, "invalid size '%.*s'", (int)TN_MIN(size.n, 32u), size.p);
        return false;
    }
    conv_str unit = part[1];
    if (!conv_unit_parse(unit, f) || (for_input && f->cal != CU_TIME)) {
        tn_err(why, TN_EINVAL, "invalid time unit '%.*s'", (int)TN_MIN(unit.n, 32u),
               unit.p);
        return false;
    }
    return true;
}

/* DateTimeGranularitySpec: "15:MINUTES" (or "MINUTES|15"). */
static bool conv_granularity(conv_str s, conv_aux *x, char *why)
{
    conv_str part[2];
    bool colon = memchr(s.p, ':', s.n) != NULL;
    int n = conv_split(s, colon ? ':' : '|', part, 2);
    conv_str size = colon ? part[0] : (n > 1 ? part[1] : (conv_str){"1", 1});
    conv_str unit = colon ? (n > 1 ? part[1] : (conv_str){"", 0}) : part[0];
    if (!conv_int(size, &x->gran_size) || x->gran_size <= 0 || size.p[0] == '0' ||
        x->gran_size > INT32_MAX || !qry_tunit_parse(unit.p, unit.n, &x->gran_unit)) {
        tn_err(why, TN_EINVAL, "granularity must be of format size:timeunit");
        return false;
    }
    x->gran_ms = qry_tunit_convert(x->gran_size, x->gran_unit, QRY_TU_MILLIS);
    return true;
}

static int conv_lit(qry_expr *e, uint32_t i, const char *what, conv_str *s,
                    qry_err *err)
{
    uint32_t len;
    if (qry_fn_lit_str(e, i, what, &s->p, &len, err))
        return -1;
    s->n = len;
    return 0;
}

static int conv_bad(const qry_expr *e, uint32_t i, const char *what,
                    const char *why, qry_err *err)
{
    const qry_expr *a = e->args[i];
    return qry_fail(err, QRY_ERR_VALIDATION, a->position,
                    "datetimeconvert: invalid %s '%.*s': %s", what,
                    (int)TN_MIN(a->lit.len, 100u), a->lit.s, why);
}

static int bind_datetimeconvert(qry_expr *e, qry_arena *a, qry_err *err)
{
    conv_aux *x = qry_alloc(a, sizeof *x);
    conv_str in, out, gran;
    char why[TN_ERRLEN];
    if (qry_fn_check_sv(e, err) || conv_lit(e, 1, "input format", &in, err) ||
        conv_lit(e, 2, "output format", &out, err) ||
        conv_lit(e, 3, "granularity", &gran, err))
        return -1;
    if (!conv_format_parse(in, true, a, &x->in, why))
        return conv_bad(e, 1, "input format", why, err);
    if (!conv_format_parse(out, false, a, &x->out, why))
        return conv_bad(e, 2, "output format", why, err);
    if (!conv_granularity(gran, x, why))
        return conv_bad(e, 3, "granularity", why, err);
    x->bucket = e->nargs > 4;
    if (x->bucket && qry_fn_lit_tz(e, 4, &x->bucket_tz, err))
        return -1;
    /* without a calendar, buckets are multiples of the granularity in ms */
    if (!x->bucket && x->out.kind != CONV_SDF && x->gran_ms == 0)
        return conv_bad(e, 3, "granularity", "must be at least a millisecond", err);
    e->aux = x;
    seg_type t = x->out.kind == CONV_SDF ? SEG_STRING
               : x->out.kind == CONV_TIMESTAMP ? SEG_TIMESTAMP : SEG_LONG;
    return qry_fn_set_type(e, t);
}

/* Input values to ms: epochs scaled, timestamps as they are, dates parsed. */
static int conv_input(const qry_expr *e, const qry_vec *in, const uint8_t *nulls,
                      qry_eval_ctx *cx, int64_t *ms, qry_err *err)
{
    const conv_aux *x = e->aux;
    uint32_t n = in->n;
    if (x->in.kind != CONV_SDF) {
        const int64_t *t;
        if (qry_fn_longs(e, in, nulls, cx->arena, &t, err))
            return -1;
        for (uint32_t r = 0; r < n; r++)
            ms[r] = x->in.kind == CONV_TIMESTAMP ? t[r]
                  : qry_tunit_convert(qry_wmul(t[r], x->in.size), x->in.unit,
                                      QRY_TU_MILLIS);
        return 0;
    }
    const seg_value *t;
    qry_fn_texts(in, cx->arena, &t);
    qry_dfmt_cur c;
    qry_dfmt_cur_init(&c, x->in.sdf, cx->now_ms);
    int rc = 0;
    for (uint32_t r = 0; r < n && !rc; r++) {
        if ((!nulls || !nulls[r]) && !qry_dfmt_parse(&c, t[r].s.p, t[r].s.len, &ms[r]))
            rc = qry_fail(err, QRY_ERR_EXEC, e->position,
                          "datetimeconvert: cannot parse '%.*s' with format '%.*s'",
                          (int)TN_MIN(t[r].s.len, 100u), t[r].s.p,
                          (int)TN_MIN(e->args[1]->lit.len, 100u), e->args[1]->lit.s);
    }
    qry_dfmt_cur_done(&c);
    if (!rc && c.tz.failed)
        rc = fmt_icu_failed(e, &c.tz, err);
    return rc;
}

/* Calendar bucketing in a zone, as Pinot sets the granularity's field of a
 * zoned DateTime to a multiple of the size and floors the smaller fields. */
static int64_t conv_bucket(const conv_aux *x, int64_t ms, qry_tz_cur *c)
{
    int64_t off = qry_tz_offset(c, ms), local = qry_wadd(ms, off), k = x->gran_size;
    qry_tm t;
    qry_tm_of(local, &t);
    int64_t drop;
    switch (x->gran_unit) {
    case QRY_TU_MILLIS:
        drop = t.milli % k;
        break;
    case QRY_TU_SECONDS:
        drop = (t.second % k) * QRY_MS_SECOND + t.milli;
        break;
    case QRY_TU_MINUTES:
        drop = (t.minute % k) * QRY_MS_MINUTE + t.second * QRY_MS_SECOND + t.milli;
        break;
    case QRY_TU_HOURS:
        drop = (t.hour % k) * QRY_MS_HOUR + qry_floormod(local, QRY_MS_HOUR);
        break;
    case QRY_TU_DAYS: {
        int day = (int)((t.day - 1) / k * k + 1);
        int64_t start = qry_wmul(qry_days_from_civil(t.year, t.month, day), QRY_MS_DAY);
        return qry_tz_to_utc(c, start, ms);
    }
    default:
        drop = 0;   /* below a millisecond: nothing to floor */
        break;
    }
    return qry_wadd(ms, -drop);
}

/* ms to the output EPOCH unit, then divided by the size. */
static int64_t conv_epoch_out(const conv_format *f, int64_t ms)
{
    int64_t v;
    if (f->cal == CU_TIME) {
        v = qry_tunit_convert(ms, QRY_TU_MILLIS, f->unit);
    } else if (f->cal == CU_WEEKS) {
        v = ms / (7 * QRY_MS_DAY);
    } else {
        /* whole months / years between the epoch and ms, toward zero */
        int64_t days = qry_floordiv(ms, QRY_MS_DAY), y;
        int m, d;
        qry_civil_from_days(days, &y, &m, &d);
        bool months = f->cal == CU_MONTHS;
        v = months ? (y - 1970) * 12 + (m - 1) : y - 1970;
        int64_t start = qry_days_from_civil(y, months ? m : 1, 1) * QRY_MS_DAY;
        v += ms < 0 && ms != start;
    }
    return v / f->size;
}

static int eval_datetimeconvert(const qry_expr *e, qry_vec *const *args, uint32_t n,
                                qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    const conv_aux *x = e->aux;
    qry_vec *v = qry_fn_result(e, cx, n, qry_fn_nulls(cx->arena, args, 1, n));
    int64_t *ms = qry_alloc(cx->arena, (n ? n : 1) * sizeof *ms);
    *out = v;
    if (conv_input(e, args[0], v->nulls, cx, ms, err))
        return -1;
    if (x->bucket || x->out.kind == CONV_SDF) {
        const qry_tz *tz = x->bucket ? &x->bucket_tz : qry_dfmt_tz(x->out.sdf);
        qry_tz_cur c;
        qry_tz_cur_init(&c, tz);
        for (uint32_t r = 0; r < n; r++)
            ms[r] = conv_bucket(x, ms[r], &c);
        qry_tz_cur_done(&c);
        if (c.failed)
            return fmt_icu_failed(e, &c, err);
    } else {
        for (uint32_t r = 0; r < n; r++)
            ms[r] = ms[r] / x->gran_ms * x->gran_ms;
    }
    if (x->out.kind == CONV_SDF)
        return fmt_print_all(e, x->out.sdf, ms, v, cx, err);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = x->out.kind == CONV_TIMESTAMP ? ms[r] : conv_epoch_out(&x->out, ms[r]);
    return 0;
}

static const qry_func timefmt_funcs[] = {
    {"todatetime", 2, 3, bind_todatetime, eval_print},
    {"toiso8601", 1, 1, bind_toiso8601, eval_print},
    {"fromdatetime", 2, 4, bind_fromdatetime, eval_fromdatetime},
    {"datetimeconvert", 4, 5, bind_datetimeconvert, eval_datetimeconvert},
};

const qry_func_table qry_func_timefmt_table = {timefmt_funcs,
                                               TN_ARRAY_LEN(timefmt_funcs)};
