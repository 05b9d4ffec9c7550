/*
 * qry_agg_percentile.c: PERCENTILE (exact), PERCENTILETDIGEST and
 * PERCENTILEEST, with their legacy PERCENTILEnn forms and MV names.
 *
 * PERCENTILE keeps every value and answers as Pinot's
 * PercentileAggregationFunction: the values sorted in Java's Double order
 * (-0.0 before 0.0, NaN last), element (int)(n * p / 100), or the last for
 * p = 100; -Infinity over nothing. The element is found by selection on a
 * copy, O(n), instead of a sort.
 *
 * PERCENTILETDIGEST(x, p[, compression = 100]) answers from a t-digest
 * (qry_tdigest.h), interpolating; NaN over nothing (the t-digest library
 * Pinot uses answers NaN for an empty digest).
 *
 * PERCENTILEEST is a Q-digest in Pinot (maximum rank error 0.05), answering
 * LONG values. Here it is the same t-digest over the values as longs, its
 * answer rounded to a long: on inputs small enough that every value is its
 * own centroid (some 50 values at compression 100) that is exactly what the
 * Q-digest returns, sorted[(int)(n * q)], and on large inputs it is well
 * inside the Q-digest's error. Long.MIN_VALUE over nothing, the Q-digest's
 * max of an empty digest.
 */
#include "qry_agg_int.h"

#include <stdlib.h>

#include "qry_tdigest.h"

#define DEFAULT_COMPRESSION 100
#define MAX_COMPRESSION 10000

/* ---- binding ------------------------------------------------------------------------ */

static int bind_percentile(qry_expr *e, uint32_t max_args, seg_type result, qry_err *err)
{
    const char *fname = qry_agg_label(e, "percentile");
    if (qry_agg_need_numeric(e, 0, fname, err))
        return -1;
    if (e->nargs > max_args)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position, "%s takes at most %u arguments",
                        fname, max_args);
    double p = qry_agg_percent_arg(e);
    if (!(p >= 0 && p <= 100)) {
        int pos = e->nargs >= 2 ? e->args[1]->position : e->position;
        return qry_fail(err, QRY_ERR_VALIDATION, pos,
                        e->nargs >= 2 ? "%s: the percentile must be a number literal in [0, 100]"
                                      : "%s: a percentile argument in [0, 100] is needed",
                        fname);
    }
    if (e->nargs >= 3) {
        double c;
        if (!qry_agg_lit_number(e->args[2], &c) || !(c >= 1 && c <= MAX_COMPRESSION))
            return qry_fail(err, QRY_ERR_VALIDATION, e->args[2]->position,
                            "%s: the compression must be a number literal in [1, %d]", fname,
                            MAX_COMPRESSION);
    }
    e->type = result;
    e->mv = false;
    return 0;
}

static int percentile_bind(qry_expr *e, qry_err *err)
{
    return bind_percentile(e, 2, SEG_DOUBLE, err);
}

static int tdigest_bind(qry_expr *e, qry_err *err)
{
    return bind_percentile(e, 3, SEG_DOUBLE, err);
}

static int est_bind(qry_expr *e, qry_err *err) { return bind_percentile(e, 2, SEG_LONG, err); }

/* ---- exact: every value --------------------------------------------------------------- */

typedef struct values_state {
    double *v;
    uint64_t n, cap;
} values_state;

static void values_init(const qry_expr *e, void *state)
{
    (void)e;
    memset(state, 0, sizeof(values_state));
}

static void values_destroy(const qry_expr *e, void *state)
{
    (void)e;
    values_state *s = state;
    free(s->v);
    memset(s, 0, sizeof *s);
}

static void values_reserve(values_state *s, uint64_t extra)
{
    if (s->n + extra <= s->cap)
        return;
    uint64_t cap = s->cap ? s->cap : 8;
    while (cap < s->n + extra)
        cap *= 2;
    s->v = tn_realloc(s->v, cap * sizeof *s->v);
    s->cap = cap;
}

static void values_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                          qry_vec *const *args, uint32_t n)
{
    (void)e;
    const qry_vec *v = args[0];
    if (!qry_agg_numeric(v))
        return;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi) || lo == hi)
            continue;
        values_state *s = qry_agg_state_of(base, stride, groups, r);
        values_reserve(s, hi - lo);
        for (uint32_t j = lo; j < hi; j++)
            s->v[s->n++] = qry_agg_num(v, j);
    }
}

static void values_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    values_state *d = dst;
    const values_state *s = src;
    if (s->n == 0)
        return;
    values_reserve(d, s->n);
    memcpy(d->v + d->n, s->v, s->n * sizeof *s->v);
    d->n += s->n;
}

/* Doubles as unsigned keys in Java's Double.compare order: negative values
 * flip all bits, the rest set the sign bit; NaN is one value, above +Inf. */
static inline uint64_t order_key(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    if (d != d)
        u = 0x7ff8000000000000ULL;
    return (u >> 63) ? ~u : u | 0x8000000000000000ULL;
}

static inline double key_value(uint64_t k)
{
    uint64_t u = (k >> 63) ? k & 0x7fffffffffffffffULL : ~k;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int cmp_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static inline void swap_key(uint64_t *a, uint64_t *b)
{
    uint64_t t = *a;
    *a = *b;
    *b = t;
}

static inline uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b)
        swap_key(&a, &b);
    if (b > c)
        b = c;
    return a > b ? a : b;
}

/* The k-th smallest of a[0, n): quickselect with a median-of-three pivot and
 * a three-way partition (runs of equal values end it at once); inputs that
 * defeat the pivot choice fall back to a sort after 128 rounds. */
static uint64_t select_kth(uint64_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    for (int rounds = 0; hi - lo > 16; rounds++) {
        if (rounds == 128) {
            qsort(a + lo, hi - lo, sizeof *a, cmp_key);
            return a[k];
        }
        uint64_t pivot = median3(a[lo], a[lo + (hi - lo) / 2], a[hi - 1]);
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            if (a[i] < pivot)
                swap_key(&a[lt++], &a[i++]);
            else if (a[i] > pivot)
                swap_key(&a[i], &a[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return pivot;
    }
    qsort(a + lo, hi - lo, sizeof *a, cmp_key);
    return a[k];
}

/* Pinot's index: (int) ((long) size * percentile / 100), the last for 100. */
static uint64_t exact_index(uint64_t n, double p)
{
    if (p >= 100)
        return n - 1;
    double x = (double)n * p / 100;
    uint64_t i = x > 0 ? (uint64_t)x : 0;
    return i < n ? i : n - 1;
}

static void values_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                         qry_val *out)
{
    (void)a;
    const values_state *s = state;
    if (s->n == 0) {
        if (null_handling)
            qry_agg_out_null(out, SEG_DOUBLE);
        else
            qry_agg_out_double(out, -INFINITY);
        return;
    }
    uint64_t *keys = tn_malloc(s->n * sizeof *keys);
    for (uint64_t i = 0; i < s->n; i++)
        keys[i] = order_key(s->v[i]);
    uint64_t k = select_kth(keys, s->n, exact_index(s->n, qry_agg_percent_arg(e)));
    free(keys);
    qry_agg_out_double(out, key_value(k));
}

/* Form: n (u64), then n doubles. */
static void values_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    const values_state *s = state;
    qry_put_u64(out, s->n);
    for (uint64_t i = 0; i < s->n; i++)
        qry_put_f64(out, s->v[i]);
}

static int64_t values_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    qry_rd r = qry_rd_make(p, len);
    uint64_t n = qry_rd_u64(&r);
    if (r.bad || n > qry_rd_left(&r) / 8)
        return -1;
    values_state *s = state;
    values_reserve(s, n);
    for (uint64_t i = 0; i < n; i++)
        s->v[s->n++] = qry_rd_f64(&r);
    return qry_rd_done(&r);
}

#define VALUES_COMMON                                                                       \
    .min_args = 1, .max_args = 2, .bind = percentile_bind,                                  \
    .state_size = sizeof(values_state), .init = values_init, .update = values_update,      \
    .merge = values_merge, .final = values_final, .serialize = values_serialize,            \
    .deserialize = values_deserialize, .destroy = values_destroy

const qry_agg_fn qry_agg_percentile = {.name = "percentile", VALUES_COMMON};
const qry_agg_fn qry_agg_percentilemv = {.name = "percentilemv", VALUES_COMMON};

/* ---- t-digest based ----------------------------------------------------------------------- */

static double expr_compression(const qry_expr *e)
{
    double c;
    if (e->nargs >= 3 && qry_agg_lit_number(e->args[2], &c) && c >= 1 && c <= MAX_COMPRESSION)
        return c;
    return DEFAULT_COMPRESSION;
}

static void digest_init(const qry_expr *e, void *state)
{
    qry_tdigest_init(state, expr_compression(e));
}

static void digest_destroy(const qry_expr *e, void *state)
{
    (void)e;
    qry_tdigest_free(state);
}

static void digest_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                          qry_vec *const *args, uint32_t n)
{
    (void)e;
    const qry_vec *v = args[0];
    if (!qry_agg_numeric(v))
        return;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi))
            continue;
        qry_tdigest *t = qry_agg_state_of(base, stride, groups, r);
        for (uint32_t j = lo; j < hi; j++)
            qry_tdigest_add(t, qry_agg_num(v, j), 1);
    }
}

/* PERCENTILEEST reads its input as longs, as Pinot's getLongValuesSV. */
static void est_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       qry_vec *const *args, uint32_t n)
{
    (void)e;
    const qry_vec *v = args[0];
    if (!qry_agg_numeric(v))
        return;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi))
            continue;
        qry_tdigest *t = qry_agg_state_of(base, stride, groups, r);
        for (uint32_t j = lo; j < hi; j++)
            qry_tdigest_add(t, (double)qry_agg_long(v, j), 1);
    }
}

static void digest_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    qry_tdigest_merge(dst, src);
}

static void digest_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                         qry_val *out)
{
    (void)a;
    const qry_tdigest *t = state;
    if (qry_tdigest_count(t) == 0 && null_handling)
        qry_agg_out_null(out, SEG_DOUBLE);
    else
        qry_agg_out_double(out, qry_tdigest_quantile(t, qry_agg_percent_arg(e) / 100.0));
}

static void est_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)a;
    const qry_tdigest *t = state;
    if (qry_tdigest_count(t) == 0) {
        if (null_handling)
            qry_agg_out_null(out, SEG_LONG);
        else
            qry_agg_out_long(out, SEG_LONG, INT64_MIN);
        return;
    }
    double v = qry_tdigest_quantile(t, qry_agg_percent_arg(e) / 100.0);
    qry_agg_out_long(out, SEG_LONG, qry_java_d2l(round(v)));
}

static void digest_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    qry_tdigest_serialize(state, out);
}

static int64_t digest_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    return qry_tdigest_deserialize(state, p, len);
}

#define DIGEST_COMMON                                                                     \
    .min_args = 1, .state_size = sizeof(qry_tdigest), .init = digest_init,                \
    .merge = digest_merge, .serialize = digest_serialize,                                 \
    .deserialize = digest_deserialize, .destroy = digest_destroy

const qry_agg_fn qry_agg_percentiletdigest = {
    .name = "percentiletdigest", .max_args = 3, .bind = tdigest_bind,
    .update = digest_update, .final = digest_final, DIGEST_COMMON};
const qry_agg_fn qry_agg_percentiletdigestmv = {
    .name = "percentiletdigestmv", .max_args = 3, .bind = tdigest_bind,
    .update = digest_update, .final = digest_final, DIGEST_COMMON};
const qry_agg_fn qry_agg_percentileest = {
    .name = "percentileest", .max_args = 2, .bind = est_bind,
    .update = est_update, .final = est_final, DIGEST_COMMON};
const qry_agg_fn qry_agg_percentileestmv = {
    .name = "percentileestmv", .max_args = 2, .bind = est_bind,
    .update = est_update, .final = est_final, DIGEST_COMMON};
