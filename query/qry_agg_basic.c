/*
 * qry_agg_basic.c: COUNT, SUM, MIN, MAX, AVG, MINMAXRANGE and their MV
 * names. Sums are doubles as in Pinot (a LONG column is summed as doubles,
 * so there is no integer overflow, and the order of additions is the row
 * order, as Pinot's). Each state also counts its values: AVG divides by
 * it, and with null handling a state that saw no value is NULL.
 */
#include "qry_agg_int.h"

/* ---- COUNT, COUNTMV ---------------------------------------------------------------- */

typedef struct count_state {
    int64_t n;
} count_state;

/* COUNT(*) counts rows; COUNT(x) counts the rows where x is not NULL, which
 * differs only with null handling (NULL flags exist only then). COUNT of a
 * multi-value column counts rows too, as Pinot's does; COUNTMV counts values. */
static const qry_vec *count_arg(const qry_expr *e, qry_vec *const *args)
{
    if (!args || e->nargs == 0 || !e->args[0] || e->args[0]->op == QE_STAR)
        return NULL;
    return args[0];
}

static int count_bind(qry_expr *e, qry_err *err)
{
    if (e->nargs != 1)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position, "%s takes one argument",
                        qry_agg_label(e, "count"));
    e->type = SEG_LONG;
    e->mv = false;
    return 0;
}

static int countmv_bind(qry_expr *e, qry_err *err)
{
    if (qry_agg_need_value(e, 0, qry_agg_label(e, "countmv"), err))
        return -1;
    return count_bind(e, err);
}

static void count_init(const qry_expr *e, void *state)
{
    (void)e;
    ((count_state *)state)->n = 0;
}

static void count_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                         qry_vec *const *args, uint32_t n)
{
    const qry_vec *v = count_arg(e, args);
    const uint8_t *nulls = v ? v->nulls : NULL;
    if (!groups) {
        int64_t c = n;
        for (uint32_t r = 0; nulls && r < n; r++)
            c -= nulls[r] != 0;
        ((count_state *)base)->n += c;
        return;
    }
    for (uint32_t r = 0; r < n; r++)
        if (!nulls || !nulls[r])
            ((count_state *)((char *)base + (size_t)groups[r] * stride))->n++;
}

static void countmv_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                           qry_vec *const *args, uint32_t n)
{
    const qry_vec *v = count_arg(e, args);
    if (!v || v->kind == QV_NULL) {
        count_update(e, base, stride, groups, args, n);
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (qry_agg_row(v, r, &lo, &hi))
            ((count_state *)qry_agg_state_of(base, stride, groups, r))->n += hi - lo;
    }
}

static void count_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    ((count_state *)dst)->n += ((const count_state *)src)->n;
}

/* COUNT is 0 over nothing, with or without null handling. */
static void count_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                        qry_val *out)
{
    (void)e, (void)null_handling, (void)a;
    qry_agg_out_long(out, SEG_LONG, ((const count_state *)state)->n);
}

static void count_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    qry_put_i64(out, ((const count_state *)state)->n);
}

static int64_t count_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    qry_rd r = qry_rd_make(p, len);
    int64_t n = qry_rd_i64(&r);
    if (n < 0)
        return -1;
    ((count_state *)state)->n = n;
    return qry_rd_done(&r);
}

#define COUNT_COMMON                                                                     \
    .min_args = 1, .max_args = 1, .state_size = sizeof(count_state), .init = count_init, \
    .merge = count_merge, .final = count_final, .serialize = count_serialize,            \
    .deserialize = count_deserialize, .destroy = NULL

const qry_agg_fn qry_agg_count = {.name = "count", .bind = count_bind,
                                  .update = count_update, COUNT_COMMON};
const qry_agg_fn qry_agg_countmv = {.name = "countmv", .bind = countmv_bind,
                                    .update = countmv_update, COUNT_COMMON};

/* ---- numeric binds ---------------------------------------------------------------------- */

static int bind_double(qry_expr *e, qry_err *err)
{
    if (qry_agg_need_numeric(e, 0, qry_agg_label(e, "aggregation"), err))
        return -1;
    e->type = SEG_DOUBLE;
    e->mv = false;
    return 0;
}

/* ---- SUM, AVG: a sum and a count ------------------------------------------------------------ */

typedef struct sum_state {
    double sum;
    int64_t n;
} sum_state;

static void sum_init(const qry_expr *e, void *state)
{
    (void)e;
    sum_state *s = state;
    s->sum = 0.0;
    s->n = 0;
}

static void sum_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       qry_vec *const *args, uint32_t n)
{
    (void)e;
    const qry_vec *v = args[0];
    if (!qry_agg_numeric(v))
        return;
    if (!groups && !v->nulls && !v->mv_off) {
        /* The common case as a plain loop; the running sum starts from the
         * state's so additions happen in row order, as in Pinot. */
        sum_state *s = base;
        double sum = s->sum;
        if (v->kind == QV_DOUBLE)
            for (uint32_t r = 0; r < n; r++)
                sum += v->d[r];
        else
            for (uint32_t r = 0; r < n; r++)
                sum += (double)v->i[r];
        s->sum = sum;
        s->n += n;
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi))
            continue;
        sum_state *s = qry_agg_state_of(base, stride, groups, r);
        for (uint32_t j = lo; j < hi; j++)
            s->sum += qry_agg_num(v, j);
        s->n += hi - lo;
    }
}

/* Dictionary ids: the values come from the decoded dictionary, added in
 * row order as sum_update adds them, so sums are bit-identical. */
static void sum_update_ids(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                           const uint32_t *ids, uint32_t n, qry_agg_dict *d)
{
    (void)e;
    const double *val = qry_agg_dict_nums(d, ids, n);
    if (!val)
        return;
    if (!groups) {
        sum_state *s = base;
        double sum = s->sum;
        for (uint32_t r = 0; r < n; r++)
            sum += val[ids[r]];
        s->sum = sum;
        s->n += n;
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        sum_state *s = (sum_state *)((char *)base + (size_t)groups[r] * stride);
        s->sum += val[ids[r]];
        s->n++;
    }
}

static void sum_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    sum_state *d = dst;
    const sum_state *s = src;
    if (s->n == 0)
        return;
    d->sum += s->sum;
    d->n += s->n;
}

static void sum_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const sum_state *s = state;
    if (null_handling && s->n == 0)
        qry_agg_out_null(out, SEG_DOUBLE);
    else
        qry_agg_out_double(out, s->sum);
}

/* AVG over nothing is -Infinity (AvgAggregationFunction.DEFAULT_FINAL_RESULT). */
static void avg_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const sum_state *s = state;
    if (s->n == 0) {
        if (null_handling)
            qry_agg_out_null(out, SEG_DOUBLE);
        else
            qry_agg_out_double(out, -INFINITY);
        return;
    }
    qry_agg_out_double(out, s->sum / (double)s->n);
}

static void sum_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    const sum_state *s = state;
    qry_put_f64(out, s->sum);
    qry_put_i64(out, s->n);
}

static int64_t sum_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    qry_rd r = qry_rd_make(p, len);
    sum_state *s = state;
    s->sum = qry_rd_f64(&r);
    s->n = qry_rd_i64(&r);
    if (s->n < 0) {
        sum_init(e, s);
        return -1;
    }
    return qry_rd_done(&r);
}

#define SUM_COMMON                                                                          \
    .min_args = 1, .max_args = 1, .bind = bind_double, .state_size = sizeof(sum_state),     \
    .init = sum_init, .update = sum_update, .merge = sum_merge, .serialize = sum_serialize, \
    .deserialize = sum_deserialize, .destroy = NULL, .update_ids = sum_update_ids,          \
    .dict_free = qry_agg_dict_nums_free

const qry_agg_fn qry_agg_sum = {.name = "sum", .final = sum_final, SUM_COMMON};
const qry_agg_fn qry_agg_summv = {.name = "summv", .final = sum_final, SUM_COMMON};
const qry_agg_fn qry_agg_avg = {.name = "avg", .final = avg_final, SUM_COMMON};
const qry_agg_fn qry_agg_avgmv = {.name = "avgmv", .final = avg_final, SUM_COMMON};

/* ---- MIN, MAX, MINMAXRANGE: the extremes and a count ---------------------------------------- */

/* One state serves all three: MIN reads lo, MAX hi, MINMAXRANGE both. Empty
 * extremes are +Infinity and -Infinity, Pinot's defaults, and a NaN never
 * replaces them (Pinot compares with < and >). */
typedef struct ext_state {
    double lo, hi;
    int64_t n;
} ext_state;

static void ext_init(const qry_expr *e, void *state)
{
    (void)e;
    ext_state *s = state;
    s->lo = INFINITY;
    s->hi = -INFINITY;
    s->n = 0;
}

static inline void ext_add(ext_state *s, double x)
{
    if (x < s->lo)
        s->lo = x;
    if (x > s->hi)
        s->hi = x;
}

static void ext_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       qry_vec *const *args, uint32_t n)
{
    (void)e;
    const qry_vec *v = args[0];
    if (!qry_agg_numeric(v))
        return;
    if (!groups && !v->nulls && !v->mv_off) {
        ext_state *s = base;
        double lo = s->lo, hi = s->hi;
        for (uint32_t r = 0; r < n; r++) {
            double x = qry_agg_num(v, r);
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        s->lo = lo, s->hi = hi;
        s->n += n;
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi))
            continue;
        ext_state *s = qry_agg_state_of(base, stride, groups, r);
        for (uint32_t j = lo; j < hi; j++)
            ext_add(s, qry_agg_num(v, j));
        s->n += hi - lo;
    }
}

static void ext_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    ext_state *d = dst;
    const ext_state *s = src;
    if (s->lo < d->lo)
        d->lo = s->lo;
    if (s->hi > d->hi)
        d->hi = s->hi;
    d->n += s->n;
}

static void ext_out(const ext_state *s, bool null_handling, double v, qry_val *out)
{
    if (null_handling && s->n == 0)
        qry_agg_out_null(out, SEG_DOUBLE);
    else
        qry_agg_out_double(out, v);
}

static void min_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const ext_state *s = state;
    ext_out(s, null_handling, s->lo, out);
}

static void max_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const ext_state *s = state;
    ext_out(s, null_handling, s->hi, out);
}

/* Over nothing this is -Infinity - +Infinity = -Infinity, as in Pinot. */
static void range_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                        qry_val *out)
{
    (void)e, (void)a;
    const ext_state *s = state;
    ext_out(s, null_handling, s->hi - s->lo, out);
}

static void ext_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    const ext_state *s = state;
    qry_put_f64(out, s->lo);
    qry_put_f64(out, s->hi);
    qry_put_i64(out, s->n);
}

static int64_t ext_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    qry_rd r = qry_rd_make(p, len);
    ext_state *s = state;
    s->lo = qry_rd_f64(&r);
    s->hi = qry_rd_f64(&r);
    s->n = qry_rd_i64(&r);
    if (s->n < 0) {
        ext_init(e, s);
        return -1;
    }
    return qry_rd_done(&r);
}

#define EXT_COMMON                                                                          \
    .min_args = 1, .max_args = 1, .bind = bind_double, .state_size = sizeof(ext_state),     \
    .init = ext_init, .update = ext_update, .merge = ext_merge, .serialize = ext_serialize, \
    .deserialize = ext_deserialize, .destroy = NULL

const qry_agg_fn qry_agg_min = {.name = "min", .final = min_final, EXT_COMMON};
const qry_agg_fn qry_agg_minmv = {.name = "minmv", .final = min_final, EXT_COMMON};
const qry_agg_fn qry_agg_max = {.name = "max", .final = max_final, EXT_COMMON};
const qry_agg_fn qry_agg_maxmv = {.name = "maxmv", .final = max_final, EXT_COMMON};
const qry_agg_fn qry_agg_minmaxrange = {.name = "minmaxrange", .final = range_final, EXT_COMMON};
const qry_agg_fn qry_agg_minmaxrangemv = {.name = "minmaxrangemv", .final = range_final,
                                          EXT_COMMON};
