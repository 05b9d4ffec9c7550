/*
 * qry_exec.c: the per-segment work of a query. The filter becomes a bitmap
 * of matching documents (through dictionaries and indexes where a
 * predicate tests a column against literals, by evaluating the predicate
 * over batches otherwise); then the matching documents are read in batches
 * of QRY_BATCH and fed to the aggregations, the group table or the
 * selection rows.
 */
#include "qry_agg.h"
#include "qry_eval.h"
#include "qry_exec_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A dictionary decoded once per segment and query, when small enough that
 * decoding it costs less than the lookups it saves. */
#define LUT_MAX_CARD 65536u

typedef struct col_state {
    bool open;
    seg_col col;
    const roaring_bitmap_t *nulls; /* null handling only */
    bool nulls_loaded;
    bool lut_built;
    int64_t *lut_i;
    double *lut_d;
    seg_value *lut_s;
} col_state;

typedef struct seg_ctx {
    const qry_query *q;
    const seg_segment *seg;
    uint32_t ndocs;
    col_state *cols;
    const uint32_t *docs;        /* the current batch */
    bool contiguous;             /* docs are docs[0], docs[0] + 1, ... */
    uint32_t *ids;               /* scratch for dictionary ids */
    uint32_t ids_cap;
    qry_stats *stats;
    qry_err *err;
    uint64_t deadline_ns;        /* 0 = none */
    const atomic_bool *cancel;   /* NULL = none */
    struct id_groups *idg;       /* group-by on dictionary ids, when it applies */
    bool *done;                  /* per aggregation slot: already answered */
} seg_ctx;

static int check_deadline(seg_ctx *x)
{
    if (x->cancel && atomic_load_explicit(x->cancel, memory_order_relaxed))
        return qry_fail(x->err, QRY_ERR_CANCELLED, -1, "query cancelled in segment %s",
                        x->seg->meta.name);
    if (x->deadline_ns && tn_mono_ns() > x->deadline_ns)
        return qry_fail(x->err, QRY_ERR_TIMEOUT, -1, "query timed out in segment %s",
                        x->seg->meta.name);
    return 0;
}

static col_state *column(seg_ctx *x, int idx)
{
    col_state *cs = &x->cols[idx];
    if (!cs->open) {
        char err[TN_ERRLEN];
        /* the bound schema's field: a column the segment predates opens as
         * its default */
        if (seg_column_open(x->seg, x->ndocs, &x->q->schema->fields[idx], &cs->col, err) != 0) {
            qry_fail(x->err, QRY_ERR_EXEC, -1, "%s", err);
            return NULL;
        }
        cs->open = true;
    }
    return cs;
}

static void build_lut(col_state *cs)
{
    const seg_col *c = &cs->col;
    qry_kind k = qry_kind_of(c->type);
    uint32_t card = c->cardinality ? c->cardinality : 1;
    if (k == QV_LONG)
        cs->lut_i = tn_malloc(card * sizeof *cs->lut_i);
    else if (k == QV_DOUBLE)
        cs->lut_d = tn_malloc(card * sizeof *cs->lut_d);
    else
        cs->lut_s = tn_malloc(card * sizeof *cs->lut_s);
    for (uint32_t id = 0; id < c->cardinality; id++) {
        seg_value v;
        c->ops->dict_get(c, id, &v);
        if (k == QV_LONG)
            cs->lut_i[id] = v.i;
        else if (k == QV_DOUBLE)
            cs->lut_d[id] = v.d;
        else
            cs->lut_s[id] = v;
    }
    cs->lut_built = true;
}

static void ensure_ids(seg_ctx *x, uint32_t n)
{
    if (n > x->ids_cap) {
        x->ids_cap = n * 2;
        x->ids = tn_realloc(x->ids, (size_t)x->ids_cap * sizeof *x->ids);
    }
}

/* Decodes dictionary ids into the vector's value arrays from offset at. */
static void decode_ids(col_state *cs, const uint32_t *ids, uint32_t n, qry_vec *v, uint32_t at)
{
    const seg_col *c = &cs->col;
    /* A sealed 64-bit dictionary is its own lookup table; ids past the
     * end (only a corrupt forward index has them) take dict_get's answer. */
    if (c->dict_i64 && v->kind == QV_LONG) {
        for (uint32_t r = 0; r < n; r++) {
            seg_value sv = {.i = ids[r] < c->cardinality ? c->dict_i64[ids[r]] : 0};
            if (ids[r] >= c->cardinality)
                c->ops->dict_get(c, ids[r], &sv);
            v->i[at + r] = sv.i;
        }
        return;
    }
    if (c->dict_f64 && v->kind == QV_DOUBLE) {
        for (uint32_t r = 0; r < n; r++) {
            seg_value sv = {.d = ids[r] < c->cardinality ? c->dict_f64[ids[r]] : 0};
            if (ids[r] >= c->cardinality)
                c->ops->dict_get(c, ids[r], &sv);
            v->d[at + r] = sv.d;
        }
        return;
    }
    if (!cs->lut_built && c->cardinality <= LUT_MAX_CARD)
        build_lut(cs);
    for (uint32_t r = 0; r < n; r++) {
        uint32_t id = ids[r];
        if (id >= c->cardinality) {
            /* a corrupt forward index: dict_get answers, past the LUT */
        } else if (v->kind == QV_LONG) {
            if (cs->lut_i) { v->i[at + r] = cs->lut_i[id]; continue; }
        } else if (v->kind == QV_DOUBLE) {
            if (cs->lut_d) { v->d[at + r] = cs->lut_d[id]; continue; }
        } else if (cs->lut_s) {
            v->s[at + r] = cs->lut_s[id];
            continue;
        }
        seg_value sv;
        c->ops->dict_get(c, id, &sv);
        if (v->kind == QV_LONG)
            v->i[at + r] = sv.i;
        else if (v->kind == QV_DOUBLE)
            v->d[at + r] = sv.d;
        else
            v->s[at + r] = sv;
    }
}

static void read_sv(seg_ctx *x, col_state *cs, uint32_t n, qry_vec *v)
{
    const seg_col *c = &cs->col;
    if (!c->has_dict) {
        void *dst = v->kind == QV_LONG ? (void *)v->i : (void *)v->d;
        if (x->contiguous)
            c->ops->read_raw(c, x->docs[0], n, dst);
        else
            c->ops->read_raw_at(c, x->docs, n, dst);
        return;
    }
    ensure_ids(x, n);
    if (x->contiguous)
        c->ops->read_ids(c, x->docs[0], n, x->ids);
    else
        c->ops->read_ids_at(c, x->docs, n, x->ids);
    decode_ids(cs, x->ids, n, v, 0);
}

static void read_mv(seg_ctx *x, col_state *cs, uint32_t n, qry_vec *v, qry_arena *a)
{
    const seg_col *c = &cs->col;
    uint32_t cap = TN_MAX(c->max_mv, 1u);
    ensure_ids(x, cap);
    uint32_t total = 0, vcap = n * 2 + 8;
    v->mv_off = qry_alloc(a, ((size_t)n + 1) * sizeof *v->mv_off);
    qry_vec *vals = qry_vec_new(a, v->kind, v->type, vcap);
    for (uint32_t r = 0; r < n; r++) {
        uint32_t k = c->ops->read_mv(c, x->docs[r], x->ids, cap);
        if (k > cap) { /* a mutable segment grew a longer row meanwhile */
            cap = k;
            ensure_ids(x, cap);
            c->ops->read_mv(c, x->docs[r], x->ids, cap);
        }
        if (total + k > vcap) {
            uint32_t ncap = (total + k) * 2;
            qry_vec *nv = qry_vec_new(a, v->kind, v->type, ncap);
            if (v->kind == QV_LONG) memcpy(nv->i, vals->i, total * sizeof *nv->i);
            else if (v->kind == QV_DOUBLE) memcpy(nv->d, vals->d, total * sizeof *nv->d);
            else memcpy(nv->s, vals->s, total * sizeof *nv->s);
            vals = nv;
            vcap = ncap;
        }
        v->mv_off[r] = total;
        decode_ids(cs, x->ids, k, vals, total);
        total += k;
    }
    v->mv_off[n] = total;
    v->i = vals->i;
    v->d = vals->d;
    v->s = vals->s;
}

static void read_nulls(col_state *cs, const uint32_t *docs, uint32_t n, qry_vec *v,
                       qry_arena *a)
{
    if (!cs->nulls_loaded) {
        cs->nulls = cs->col.ops->nulls(&cs->col);
        cs->nulls_loaded = true;
    }
    if (!cs->nulls)
        return;
    for (uint32_t r = 0; r < n; r++)
        if (roaring_bitmap_contains(cs->nulls, docs[r])) {
            if (!v->nulls)
                v->nulls = qry_alloc(a, n);
            v->nulls[r] = 1;
        }
}

static int col_leaf(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                    qry_vec **out, qry_err *err)
{
    seg_ctx *x = ctx;
    if (e->op != QE_COLUMN)
        return qry_fail(err, QRY_ERR_EXEC, e->position, "aggregation outside aggregation context");
    col_state *cs = column(x, e->col);
    if (!cs)
        return -1;
    qry_vec *v = qry_vec_new(cx->arena, qry_kind_of(cs->col.type), cs->col.type, n);
    if (cs->col.single_value)
        read_sv(x, cs, n, v);
    else
        read_mv(x, cs, n, v, cx->arena);
    if (cx->null_handling)
        read_nulls(cs, x->docs, n, v, cx->arena);
    x->stats->entries_post_filter += n;
    *out = v;
    return 0;
}

/* ---- batches over a doc set ---------------------------------------------------------- */

typedef struct doc_iter {
    const roaring_bitmap_t *set;   /* NULL = every doc */
    roaring_uint32_iterator_t it;
    uint32_t next, ndocs;
    uint32_t buf[QRY_BATCH];
} doc_iter;

static void iter_init(doc_iter *d, const roaring_bitmap_t *set, uint32_t ndocs)
{
    d->set = set;
    d->next = 0;
    d->ndocs = ndocs;
    if (set)
        roaring_init_iterator(set, &d->it);
}

/* Fills the next batch; returns its size (0 at the end). */
static uint32_t iter_next(doc_iter *d, bool *contiguous)
{
    if (d->set) {
        uint32_t n = roaring_read_uint32_iterator(&d->it, d->buf, QRY_BATCH);
        *contiguous = n && d->buf[n - 1] - d->buf[0] == n - 1;
        return n;
    }
    uint32_t n = TN_MIN(QRY_BATCH, d->ndocs - d->next);
    for (uint32_t i = 0; i < n; i++)
        d->buf[i] = d->next + i;
    d->next += n;
    *contiguous = true;
    return n;
}

/* ---- filters ------------------------------------------------------------------------- */

static roaring_bitmap_t *filter_eval(seg_ctx *x, const qry_expr *e,
                                     const roaring_bitmap_t *within, int *rc);

static roaring_bitmap_t *all_docs(seg_ctx *x, const roaring_bitmap_t *within)
{
    return within ? roaring_bitmap_copy(within) : seg_bitmap_range(0, x->ndocs);
}

/* Evaluates predicate e row by row over the documents of within. */
static roaring_bitmap_t *scan_pred(seg_ctx *x, const qry_expr *e,
                                   const roaring_bitmap_t *within, int *rc)
{
    roaring_bitmap_t *out = roaring_bitmap_create();
    qry_arena a = {0};
    qry_eval_ctx cx = {&a, x->q->now_ms, x->q->opts.null_handling};
    qry_source src = {col_leaf, NULL, x};
    doc_iter *it = tn_malloc(sizeof *it);
    iter_init(it, within, x->ndocs);
    uint32_t n;
    qry_stats saved = *x->stats;
    while (!*rc && (n = iter_next(it, &x->contiguous)) > 0) {
        qry_arena_reset(&a);
        x->docs = it->buf;
        qry_vec *v;
        if (check_deadline(x) || qry_eval(e, &src, n, &cx, &v, x->err)) {
            *rc = -1;
            break;
        }
        for (uint32_t r = 0; r < n; r++)
            if (v->i[r] && !(v->nulls && v->nulls[r]))
                roaring_bitmap_add(out, it->buf[r]);
    }
    /* reads made for the filter count as filter entries, not post-filter */
    uint64_t read = x->stats->entries_post_filter - saved.entries_post_filter;
    x->stats->entries_post_filter = saved.entries_post_filter;
    x->stats->entries_in_filter += read;
    free(it);
    qry_arena_free(&a);
    return out;
}

/* A predicate testing one column against literals, which the dictionary
 * can answer: returns the column, or NULL. */
static col_state *pred_column(seg_ctx *x, const qry_expr *e, int *rc)
{
    switch (e->op) {
    case QE_CMP: case QE_BETWEEN: case QE_IN: case QE_LIKE: case QE_REGEXP: case QE_IS_NULL:
        break;
    default:
        return NULL;
    }
    if (e->args[0]->op != QE_COLUMN)
        return NULL;
    for (uint32_t i = 1; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL || e->args[i]->lit.kind == QV_NULL)
            return NULL;
    col_state *cs = column(x, e->args[0]->col);
    if (!cs)
        *rc = -1;
    return cs && cs->col.has_dict ? cs : NULL;
}

static qry_val dict_val(const seg_col *c, uint32_t id)
{
    seg_value v;
    c->ops->dict_get(c, id, &v);
    qry_val q = {.kind = qry_kind_of(c->type), .type = c->type};
    if (q.kind == QV_LONG)
        q.i = v.i;
    else if (q.kind == QV_DOUBLE)
        q.d = v.d;
    else {
        q.s = v.s.p;
        q.len = v.s.len;
    }
    return q;
}

/* Whether dictionary value id satisfies the positive predicate. */
static bool id_holds(const qry_expr *e, const seg_col *c, uint32_t id)
{
    qry_val v = dict_val(c, id);
    switch (e->op) {
    case QE_CMP: {
        int r = qry_val_cmp(&v, &e->args[1]->lit);
        switch (e->cmp) {
        case QC_EQ: case QC_NE: return r == 0;
        case QC_LT: return r < 0;
        case QC_LE: return r <= 0;
        case QC_GT: return r > 0;
        default: return r >= 0;
        }
    }
    case QE_BETWEEN:
        return qry_val_cmp(&v, &e->args[1]->lit) >= 0 && qry_val_cmp(&v, &e->args[2]->lit) <= 0;
    case QE_IN:
        for (uint32_t i = 1; i < e->nargs; i++)
            if (qry_val_cmp(&v, &e->args[i]->lit) == 0)
                return true;
        return false;
    case QE_LIKE: {
        const qry_val *p = &e->args[1]->lit;
        return v.kind == QV_STRING && qry_like_match(v.s, v.len, p->s, p->len);
    }
    case QE_IS_NULL: { /* default-value semantics: null is the default value */
        const seg_value *d = &c->field->default_null;
        qry_val dv = {.kind = v.kind, .type = c->type, .i = d->i, .d = d->d,
                      .s = d->s.p, .len = d->s.len};
        return qry_val_cmp(&v, &dv) == 0;
    }
    default:
        return false;
    }
}

/* Predicates whose matching ids form one range of a sorted dictionary. */
static bool is_range_pred(const qry_expr *e)
{
    return (e->op == QE_CMP && e->cmp != QC_NE) || e->op == QE_BETWEEN;
}

/* First id in [lo, hi) for which holds(id) is true, given that holds is
 * false then true (ge) or true then false (!ge) along the ids. */
static uint32_t bsearch_ids(const qry_expr *e, const seg_col *c, uint32_t lo, uint32_t hi,
                            bool (*test)(const qry_expr *, const seg_col *, uint32_t))
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (test(e, c, mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static bool at_or_above_low_val(const qry_expr *e, const qry_val *v)
{
    int r = qry_val_cmp(v, &e->args[1]->lit);
    if (e->op == QE_BETWEEN || e->cmp == QC_GE || e->cmp == QC_EQ)
        return r >= 0;
    if (e->cmp == QC_GT)
        return r > 0;
    return true; /* < and <= have no lower bound */
}

static bool above_high_val(const qry_expr *e, const qry_val *v)
{
    const qry_val *hi = e->op == QE_BETWEEN ? &e->args[2]->lit : &e->args[1]->lit;
    int r = qry_val_cmp(v, hi);
    if (e->op == QE_BETWEEN || e->cmp == QC_LE || e->cmp == QC_EQ)
        return r > 0;
    if (e->cmp == QC_LT)
        return r >= 0;
    return false; /* > and >= have no upper bound */
}

static bool at_or_above_low(const qry_expr *e, const seg_col *c, uint32_t id)
{
    qry_val v = dict_val(c, id);
    return at_or_above_low_val(e, &v);
}

static bool above_high(const qry_expr *e, const seg_col *c, uint32_t id)
{
    qry_val v = dict_val(c, id);
    return above_high_val(e, &v);
}

/* Matching ids as a bitset over the dictionary; sets first and last to the
 * range when they are contiguous. Returns how many ids match. */
static uint32_t match_ids(const qry_expr *e, const seg_col *c, uint64_t *bits,
                          uint32_t *first, uint32_t *last, bool *range)
{
    uint32_t card = c->cardinality, m = 0;
    *range = false;
    if (c->dict_sorted && is_range_pred(e)) {
        /* the bitset is filled by the caller only if it scans */
        uint32_t a = bsearch_ids(e, c, 0, card, at_or_above_low);
        uint32_t b = bsearch_ids(e, c, a, card, above_high);
        *first = a;
        *last = b ? b - 1 : 0;
        *range = true;
        return b > a ? b - a : 0;
    }
    for (uint32_t id = 0; id < card; id++)
        if (id_holds(e, c, id)) {
            bits[id >> 6] |= 1ull << (id & 63);
            m++;
        }
    return m;
}

/* 1 when every value in [lo, hi] satisfies range predicate e, -1 when
 * none does, 0 when the range cuts through. */
static int bounds_decide(const qry_expr *e, const qry_val *lo, const qry_val *hi)
{
    /* both ends satisfy a range predicate -> every value between does */
    if (at_or_above_low_val(e, lo) && !above_high_val(e, hi))
        return 1;
    if (!at_or_above_low_val(e, hi) || above_high_val(e, lo))
        return -1;
    return 0;
}

/* A range predicate decided by the column's min and max alone: 1 when
 * every value lies inside it, -1 when none can, 0 when the ids must be
 * looked at. A consuming segment's time column spans minutes, so a
 * dashboard's time window usually covers all of it or none of it, and its
 * unsorted dictionary would otherwise be tested entry by entry. */
static int stats_decide(const qry_expr *e, const seg_col *c)
{
    if (!is_range_pred(e) || e->negated || c->cardinality == 0)
        return 0;
    qry_kind k = qry_kind_of(c->type);
    qry_val lo = {.kind = k, .type = c->type, .i = c->min.i, .d = c->min.d,
                  .s = c->min.s.p, .len = c->min.s.len};
    qry_val hi = {.kind = k, .type = c->type, .i = c->max.i, .d = c->max.d,
                  .s = c->max.s.p, .len = c->max.s.len};
    if (k == QV_DOUBLE && (isnan(lo.d) || isnan(hi.d)))
        return 0;
    return bounds_decide(e, &lo, &hi);
}

/* Adds the docs in [from, to) whose value satisfies e, testing each. */
static void zone_test_docs(seg_ctx *x, const qry_expr *e, const seg_col *c, uint32_t from,
                           uint32_t to, roaring_bitmap_t *out)
{
    uint32_t hits[QRY_BATCH];
    ensure_ids(x, QRY_BATCH);
    for (uint32_t d = from; d < to;) {
        uint32_t n = TN_MIN(to - d, (uint32_t)QRY_BATCH), nh = 0;
        c->ops->read_ids(c, d, n, x->ids);
        for (uint32_t r = 0; r < n; r++)
            if (id_holds(e, c, x->ids[r]))
                hits[nh++] = d + r;
        roaring_bitmap_add_many(out, nh, hits);
        x->stats->entries_in_filter += n;
        d += n;
    }
}

/* A range predicate on a column with a zone map (a consuming segment's
 * time column): runs wholly inside the range are added as doc ranges,
 * runs outside are skipped, and only the runs the range cuts through (a
 * time window's edge, out-of-order events) and the incomplete last run are
 * tested doc by doc. NULL when the column has no zone map. */
static roaring_bitmap_t *zone_docs(seg_ctx *x, const qry_expr *e, const seg_col *c,
                                   const roaring_bitmap_t *within)
{
    if (!c->nzones || !c->ops->zone || !c->has_dict || !c->single_value ||
        !is_range_pred(e) || e->negated || qry_kind_of(c->type) != QV_LONG)
        return NULL;
    roaring_bitmap_t *out = roaring_bitmap_create();
    uint32_t zd = c->zone_docs, nz = TN_MIN(c->nzones, c->ndocs / zd);
    for (uint32_t z = 0; z < nz; z++) {
        int64_t lo, hi;
        c->ops->zone(c, z, &lo, &hi);
        qry_val l = {.kind = QV_LONG, .type = c->type, .i = lo};
        qry_val h = {.kind = QV_LONG, .type = c->type, .i = hi};
        int d = bounds_decide(e, &l, &h);
        if (d > 0)
            roaring_bitmap_add_range(out, (uint64_t)z * zd, (uint64_t)(z + 1) * zd);
        else if (d == 0)
            zone_test_docs(x, e, c, z * zd, (z + 1) * zd, out);
    }
    zone_test_docs(x, e, c, nz * zd, c->ndocs, out);
    if (within)
        roaring_bitmap_and_inplace(out, within);
    return out;
}

/* Docs of within whose value (any value, for multi-value) has a set id. */
static roaring_bitmap_t *scan_ids(seg_ctx *x, col_state *cs, const uint64_t *bits,
                                  const roaring_bitmap_t *within)
{
    const seg_col *c = &cs->col;
    roaring_bitmap_t *out = roaring_bitmap_create();
    doc_iter *it = tn_malloc(sizeof *it);
    iter_init(it, within, x->ndocs);
    uint32_t n, hits[QRY_BATCH], nh;
    bool contiguous;
    uint32_t cap = TN_MAX(c->max_mv, 1u);
    ensure_ids(x, TN_MAX(cap, QRY_BATCH));
    while ((n = iter_next(it, &contiguous)) > 0) {
        nh = 0;
        if (c->single_value) {
            if (contiguous)
                c->ops->read_ids(c, it->buf[0], n, x->ids);
            else
                c->ops->read_ids_at(c, it->buf, n, x->ids);
            for (uint32_t r = 0; r < n; r++)
                if (bits[x->ids[r] >> 6] >> (x->ids[r] & 63) & 1)
                    hits[nh++] = it->buf[r];
            x->stats->entries_in_filter += n;
        } else {
            for (uint32_t r = 0; r < n; r++) {
                uint32_t k = TN_MIN(c->ops->read_mv(c, it->buf[r], x->ids, cap), cap);
                x->stats->entries_in_filter += k;
                for (uint32_t j = 0; j < k; j++)
                    if (bits[x->ids[j] >> 6] >> (x->ids[j] & 63) & 1) {
                        hits[nh++] = it->buf[r];
                        break;
                    }
            }
        }
        roaring_bitmap_add_many(out, nh, hits);
    }
    free(it);
    return out;
}

/* Docs holding any of the matching ids, through the cheapest index; NULL
 * when a scan is the better plan. */
static roaring_bitmap_t *index_ids(const seg_col *c, const uint64_t *bits, uint32_t m,
                                   uint32_t first, uint32_t last, bool range)
{
    if (range && (c->docs_sorted || c->has_range))
        return seg_col_ids_bitmap(c, first, last);
    /* Debian's CRoaring ORs many bitmaps slower than a scan of a packed
     * column; a handful of values is where the inverted index wins. */
    if (!c->has_inverted || m > 32)
        return NULL;
    roaring_bitmap_t *out = roaring_bitmap_create();
    for (uint32_t id = 0; id < c->cardinality; id++) {
        if (!(bits[id >> 6] >> (id & 63) & 1))
            continue;
        const roaring_bitmap_t *b = c->ops->bitmap(c, id);
        if (b) {
            roaring_bitmap_or_inplace(out, b);
            seg_bitmap_free(b);
        }
    }
    return out;
}

/* Docs matching e through the dictionary: the matching ids, then the
 * cheapest way from ids to docs (doc ranges, range index, posting lists,
 * else a scan of the forward index). bounds is stats_decide's answer. */
static roaring_bitmap_t *dict_docs(seg_ctx *x, col_state *cs, const qry_expr *e, int bounds,
                                   const roaring_bitmap_t *within)
{
    const seg_col *c = &cs->col;
    if (bounds < 0)
        return roaring_bitmap_create();
    if (bounds > 0)
        return all_docs(x, within);
    uint64_t *bits = tn_calloc((c->cardinality + 64) / 64, sizeof *bits);
    uint32_t first = 0, last = 0;
    bool range;
    uint32_t m = match_ids(e, c, bits, &first, &last, &range);
    roaring_bitmap_t *pos;
    if (m == 0)
        pos = roaring_bitmap_create();
    else if (m == c->cardinality)
        pos = all_docs(x, within);
    else {
        pos = range && (c->docs_sorted || c->has_range)
                  ? seg_col_ids_bitmap(c, first, last) : NULL;
        if (!pos && range)
            for (uint32_t id = first; id <= last; id++)
                bits[id >> 6] |= 1ull << (id & 63);
        if (!pos)
            pos = index_ids(c, bits, m, first, last, false);
        if (pos && within)
            roaring_bitmap_and_inplace(pos, within);
        if (!pos)
            pos = scan_ids(x, cs, bits, within);
    }
    free(bits);
    return pos;
}

static roaring_bitmap_t *column_pred(seg_ctx *x, col_state *cs, const qry_expr *e,
                                     const roaring_bitmap_t *within)
{
    const seg_col *c = &cs->col;
    if (e->op == QE_IS_NULL && x->q->opts.null_handling) {
        const roaring_bitmap_t *nb = c->ops->nulls(c);
        roaring_bitmap_t *pos = nb ? roaring_bitmap_copy(nb) : roaring_bitmap_create();
        seg_bitmap_free(nb);
        if (within)
            roaring_bitmap_and_inplace(pos, within);
        if (!e->negated)
            return pos;
        roaring_bitmap_t *all = all_docs(x, within);
        roaring_bitmap_andnot_inplace(all, pos);
        roaring_bitmap_free(pos);
        return all;
    }
    int bounds = stats_decide(e, c);
    roaring_bitmap_t *pos = bounds == 0 ? zone_docs(x, e, c, within) : NULL;
    if (!pos)
        pos = dict_docs(x, cs, e, bounds, within);
    /* exclusive predicates (<>, NOT IN, NOT LIKE, NOT BETWEEN) keep the
     * docs with no matching value, which is Pinot's multi-value rule */
    bool exclusive = e->negated != (e->op == QE_CMP && e->cmp == QC_NE);
    roaring_bitmap_t *out = pos;
    if (exclusive) {
        out = all_docs(x, within);
        roaring_bitmap_andnot_inplace(out, pos);
        roaring_bitmap_free(pos);
    }
    /* with SQL NULLs a predicate on NULL is unknown, never true: a null
     * document's stored default must not match (x = 0, x <> 5 alike) */
    if (x->q->opts.null_handling) {
        const roaring_bitmap_t *nb = c->ops->nulls(c);
        if (nb)
            roaring_bitmap_andnot_inplace(out, nb);
        seg_bitmap_free(nb);
    }
    return out;
}

/* A literal on the left of a comparison moves to the right. */
static const qry_expr *flip_cmp(const qry_expr *e, qry_expr *tmp, qry_expr **args)
{
    if (e->op != QE_CMP || e->args[0]->op != QE_LITERAL || e->args[1]->op != QE_COLUMN)
        return e;
    static const qry_cmp flipped[] = {QC_EQ, QC_NE, QC_GT, QC_GE, QC_LT, QC_LE};
    *tmp = *e;
    tmp->cmp = flipped[e->cmp];
    args[0] = e->args[1];
    args[1] = e->args[0];
    tmp->args = args;
    return tmp;
}

/* Cost rank for AND: index-answerable predicates first, scans last. */
static int pred_rank(seg_ctx *x, const qry_expr *e, int *rc)
{
    col_state *cs = pred_column(x, e, rc);
    if (!cs)
        return e->op == QE_AND || e->op == QE_OR || e->op == QE_NOT ? 2 : 3;
    if (cs->col.docs_sorted || (e->op == QE_CMP && e->cmp == QC_EQ && cs->col.has_inverted))
        return 0;
    return 1;
}

static roaring_bitmap_t *filter_and(seg_ctx *x, const qry_expr *e,
                                    const roaring_bitmap_t *within, int *rc)
{
    roaring_bitmap_t *cur = NULL;
    for (int rank = 0; rank <= 3 && !*rc; rank++)
        for (uint32_t i = 0; i < e->nargs && !*rc; i++) {
            if (pred_rank(x, e->args[i], rc) != rank)
                continue;
            roaring_bitmap_t *b = filter_eval(x, e->args[i], cur ? cur : within, rc);
            if (cur)
                roaring_bitmap_free(cur);
            cur = b;
            if (cur && roaring_bitmap_is_empty(cur))
                return cur;
        }
    return cur ? cur : all_docs(x, within);
}

static roaring_bitmap_t *filter_eval(seg_ctx *x, const qry_expr *e,
                                     const roaring_bitmap_t *within, int *rc)
{
    if (*rc)
        return roaring_bitmap_create();
    qry_expr tmp, *targs[2];
    e = flip_cmp(e, &tmp, targs);
    if (e->op == QE_AND)
        return filter_and(x, e, within, rc);
    if (e->op == QE_OR) {
        roaring_bitmap_t *out = roaring_bitmap_create();
        for (uint32_t i = 0; i < e->nargs && !*rc; i++) {
            roaring_bitmap_t *b = filter_eval(x, e->args[i], within, rc);
            roaring_bitmap_or_inplace(out, b);
            roaring_bitmap_free(b);
        }
        return out;
    }
    if (e->op == QE_NOT && !x->q->opts.null_handling) {
        roaring_bitmap_t *b = filter_eval(x, e->args[0], within, rc);
        roaring_bitmap_t *all = all_docs(x, within);
        roaring_bitmap_andnot_inplace(all, b);
        roaring_bitmap_free(b);
        return all;
    }
    if (e->op == QE_LITERAL) /* WHERE true / WHERE 1 = 1 folded by the parser */
        return e->lit.i ? all_docs(x, within) : roaring_bitmap_create();
    col_state *cs = pred_column(x, e, rc);
    if (*rc)
        return roaring_bitmap_create();
    if (cs && e->op != QE_REGEXP)
        return column_pred(x, cs, e, within);
    return scan_pred(x, e, within, rc);
}

/* ---- aggregation ------------------------------------------------------------------------ */

/* Evaluates the value arguments of aggregation e (NULL for literal
 * parameters, which the function reads from the expression). */
static int agg_args(seg_ctx *x, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                    qry_vec ***out)
{
    qry_source src = {col_leaf, NULL, x};
    qry_vec **args = qry_alloc(cx->arena, (e->nargs + 1) * sizeof *args);
    for (uint32_t i = 0; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL &&
            qry_eval(e->args[i], &src, n, cx, &args[i], x->err))
            return -1;
    *out = args;
    return 0;
}

/* ---- group-by on dictionary ids ------------------------------------------------------
 * When every key is a single-value dictionary column of the segment, a
 * row's group is found from its packed dictionary ids: a dense table when
 * the key space is small, an open-addressing map otherwise. Key values are
 * decoded and hashed once per distinct local key, not once per row. */

#define IDG_DENSE_MAX (1u << 20)
#define IDG_NONE (-1)
#define IDG_DROPPED (-2)     /* the groups limit refused this key */

typedef struct id_groups {
    uint32_t nkeys;
    col_state *cols[8];
    uint32_t shift[8];       /* bit position of each key's id in the packed key */
    int32_t *dense;          /* dense table, or NULL */
    uint64_t *keys;          /* map: packed key + 1 (0 = empty) */
    int32_t *vals;
    uint32_t mask, used;
    uint32_t *ids[8];        /* per-key ids of the current batch */
} id_groups;

static uint32_t bits_for_card(uint32_t card)
{
    uint32_t b = 0;
    while (b < 32 && (1ull << b) < card)
        b++;
    return b;
}

/* Sets up dictionary-id grouping for the keys; NULL when it does not apply. */
static id_groups *idg_new(seg_ctx *x, qry_expr *const *keys, uint32_t nk)
{
    if (nk == 0 || nk > 8 || x->q->opts.null_handling)
        return NULL;
    id_groups *ig = tn_calloc(1, sizeof *ig);
    ig->nkeys = nk;
    uint32_t bits = 0;
    uint64_t space = 1;
    for (uint32_t k = 0; k < nk; k++) {
        if (keys[k]->op != QE_COLUMN) {
            free(ig);
            return NULL;
        }
        col_state *cs = column(x, keys[k]->col);
        if (!cs || !cs->col.has_dict || !cs->col.single_value) {
            free(ig);
            return NULL;
        }
        ig->cols[k] = cs;
        ig->shift[k] = bits;
        uint32_t b = bits_for_card(cs->col.cardinality ? cs->col.cardinality : 1);
        bits += b;
        space <<= b;
        ig->ids[k] = tn_malloc(QRY_BATCH * sizeof *ig->ids[k]);
    }
    if (bits > 63) {
        for (uint32_t k = 0; k < nk; k++)
            free(ig->ids[k]);
        free(ig);
        return NULL;
    }
    if (space <= IDG_DENSE_MAX) {
        ig->dense = tn_malloc(space * sizeof *ig->dense);
        for (uint64_t i = 0; i < space; i++)
            ig->dense[i] = IDG_NONE;
    } else {
        ig->mask = 1023;
        ig->keys = tn_calloc(ig->mask + 1, sizeof *ig->keys);
        ig->vals = tn_malloc((ig->mask + 1) * sizeof *ig->vals);
    }
    return ig;
}

static void idg_free(id_groups *ig)
{
    if (!ig)
        return;
    for (uint32_t k = 0; k < ig->nkeys; k++)
        free(ig->ids[k]);
    free(ig->dense);
    free(ig->keys);
    free(ig->vals);
    free(ig);
}

static uint32_t idg_slot(const id_groups *ig, uint64_t key)
{
    uint64_t h = key * 0x9e3779b97f4a7c15ull;
    uint32_t i = (uint32_t)(h >> 32) & ig->mask;
    while (ig->keys[i] && ig->keys[i] != key + 1)
        i = (i + 1) & ig->mask;
    return i;
}

static void idg_grow(id_groups *ig)
{
    uint64_t *ok = ig->keys;
    int32_t *ov = ig->vals;
    uint32_t on = ig->mask + 1;
    ig->mask = on * 2 - 1;
    ig->keys = tn_calloc(ig->mask + 1, sizeof *ig->keys);
    ig->vals = tn_malloc((ig->mask + 1) * sizeof *ig->vals);
    for (uint32_t i = 0; i < on; i++)
        if (ok[i]) {
            uint32_t s = idg_slot(ig, ok[i] - 1);
            ig->keys[s] = ok[i];
            ig->vals[s] = ov[i];
        }
    free(ok);
    free(ov);
}

/* The global group of a packed key seen for the first time. */
static int32_t idg_resolve(seg_ctx *x, qry_groups *g, const id_groups *ig, uint32_t r)
{
    qry_val key[8];
    for (uint32_t k = 0; k < ig->nkeys; k++)
        key[k] = dict_val(&ig->cols[k]->col, ig->ids[k][r]);
    int64_t gi = qry_groups_find(x->q, g, key, qry_key_hash(key, ig->nkeys));
    if (gi < 0)
        x->stats->groups_limit_reached = true;
    return gi < 0 ? IDG_DROPPED : (int32_t)gi;
}

static int32_t *idg_entry(id_groups *ig, uint64_t key)
{
    if (ig->dense)
        return &ig->dense[key];
    if ((ig->used + 1) * 2 > ig->mask + 1)
        idg_grow(ig);
    uint32_t s = idg_slot(ig, key);
    if (!ig->keys[s]) {
        ig->keys[s] = key + 1;
        ig->vals[s] = IDG_NONE;
        ig->used++;
    }
    return &ig->vals[s];
}

static int idg_group_ids(seg_ctx *x, qry_groups *g, uint32_t n, qry_eval_ctx *cx,
                         uint32_t **gids_out, uint32_t **rowmap_out, uint32_t *nout)
{
    id_groups *ig = x->idg;
    for (uint32_t k = 0; k < ig->nkeys; k++) {
        const seg_col *c = &ig->cols[k]->col;
        if (x->contiguous)
            c->ops->read_ids(c, x->docs[0], n, ig->ids[k]);
        else
            c->ops->read_ids_at(c, x->docs, n, ig->ids[k]);
        x->stats->entries_post_filter += n;
    }
    uint32_t *gids = qry_alloc(cx->arena, ((size_t)n + 1) * sizeof *gids);
    uint32_t *rowmap = NULL, cnt = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint64_t key = 0;
        for (uint32_t k = 0; k < ig->nkeys; k++)
            key |= (uint64_t)ig->ids[k][r] << ig->shift[k];
        int32_t *e = idg_entry(ig, key);
        if (*e == IDG_NONE)
            *e = idg_resolve(x, g, ig, r);
        if (*e == IDG_DROPPED) {
            if (!rowmap) { /* rows before r all had groups */
                rowmap = qry_alloc(cx->arena, ((size_t)n + 1) * sizeof *rowmap);
                for (uint32_t i = 0; i < r; i++)
                    rowmap[i] = i;
            }
            continue;
        }
        if (rowmap)
            rowmap[cnt] = r;
        gids[cnt++] = (uint32_t)*e;
    }
    *gids_out = gids;
    *rowmap_out = rowmap;
    *nout = cnt;
    return 0;
}

/* Group ids of the rows of a batch; multi-value keys explode a row into one
 * row per value (per combination for several), as Pinot groups them.
 * Returns the row count after exploding and fills rowmap (exploded row ->
 * batch row) when exploding happened. */
static int group_ids(seg_ctx *x, qry_groups *g, uint32_t n, qry_eval_ctx *cx,
                     uint32_t **gids_out, uint32_t **rowmap_out, uint32_t *nout)
{
    const qry_query *q = x->q;
    qry_source src = {col_leaf, NULL, x};
    uint32_t nk = g->nkeys;
    qry_expr *const *kexpr = q->shape == QRY_DISTINCT ? NULL : q->group_by;
    qry_vec **kv = qry_alloc(cx->arena, (nk + 1) * sizeof *kv);
    bool any_mv = false;
    for (uint32_t k = 0; k < nk; k++) {
        const qry_expr *ke = kexpr ? kexpr[k] : q->select[k].expr;
        if (qry_eval(ke, &src, n, cx, &kv[k], x->err))
            return -1;
        any_mv |= kv[k]->mv_off != NULL;
    }
    uint32_t cap = n, cnt = 0;
    uint32_t *gids = qry_alloc(cx->arena, cap * sizeof *gids);
    uint32_t *rowmap = qry_alloc(cx->arena, cap * sizeof *rowmap);
    qry_val *key = qry_alloc(cx->arena, (nk + 1) * sizeof *key);
    uint32_t *pos = qry_alloc(cx->arena, (nk + 1) * sizeof *pos);
    for (uint32_t r = 0; r < n; r++) {
        /* an odometer over the values of the multi-value keys */
        bool empty = false;
        for (uint32_t k = 0; k < nk; k++) {
            pos[k] = kv[k]->mv_off ? kv[k]->mv_off[r] : r;
            empty |= kv[k]->mv_off && kv[k]->mv_off[r] == kv[k]->mv_off[r + 1];
        }
        while (!empty) {
            for (uint32_t k = 0; k < nk; k++) {
                qry_vec flat = *kv[k];
                flat.mv_off = NULL;
                flat.nulls = NULL;
                qry_vec_get(&flat, pos[k], &key[k]);
                if (kv[k]->nulls && kv[k]->nulls[r])
                    key[k].kind = QV_NULL;
            }
            int64_t gi = qry_groups_find(q, g, key, qry_key_hash(key, nk));
            if (gi < 0) {
                x->stats->groups_limit_reached = true;
            } else {
                if (cnt == cap) {
                    uint32_t ncap = cap * 2;
                    uint32_t *ng = qry_alloc(cx->arena, ncap * sizeof *ng);
                    uint32_t *nr = qry_alloc(cx->arena, ncap * sizeof *nr);
                    memcpy(ng, gids, cnt * sizeof *ng);
                    memcpy(nr, rowmap, cnt * sizeof *nr);
                    gids = ng;
                    rowmap = nr;
                    cap = ncap;
                }
                rowmap[cnt] = r;
                gids[cnt++] = (uint32_t)gi;
            }
            uint32_t k = 0;
            for (; k < nk; k++) {
                if (!kv[k]->mv_off)
                    continue;
                if (++pos[k] < kv[k]->mv_off[r + 1])
                    break;
                pos[k] = kv[k]->mv_off[r];
            }
            if (k == nk)
                break;
        }
    }
    /* rows map one to one unless keys exploded or the limit dropped some */
    if (!any_mv && cnt == n)
        rowmap = NULL;
    *gids_out = gids;
    *rowmap_out = rowmap;
    *nout = cnt;
    return 0;
}

/* Gathers rows of v by map (for exploded multi-value group keys). */
static qry_vec *gather(const qry_vec *v, const uint32_t *map, uint32_t n, qry_arena *a)
{
    if (!v)
        return NULL;
    qry_vec *o = qry_vec_new(a, v->kind, v->type, v->mv_off ? 0 : n);
    if (v->mv_off) {
        o->mv_off = qry_alloc(a, ((size_t)n + 1) * sizeof *o->mv_off);
        uint32_t total = 0;
        for (uint32_t r = 0; r < n; r++)
            total += v->mv_off[map[r] + 1] - v->mv_off[map[r]];
        qry_vec *vals = qry_vec_new(a, v->kind, v->type, total);
        total = 0;
        for (uint32_t r = 0; r < n; r++) {
            o->mv_off[r] = total;
            for (uint32_t k = v->mv_off[map[r]]; k < v->mv_off[map[r] + 1]; k++, total++) {
                if (v->kind == QV_LONG) vals->i[total] = v->i[k];
                else if (v->kind == QV_DOUBLE) vals->d[total] = v->d[k];
                else vals->s[total] = v->s[k];
            }
        }
        o->mv_off[n] = total;
        o->i = vals->i;
        o->d = vals->d;
        o->s = vals->s;
    } else {
        for (uint32_t r = 0; r < n; r++) {
            if (v->kind == QV_LONG) o->i[r] = v->i[map[r]];
            else if (v->kind == QV_DOUBLE) o->d[r] = v->d[map[r]];
            else o->s[r] = v->s[map[r]];
        }
    }
    o->n = n;
    if (v->nulls) {
        o->nulls = qry_alloc(a, n ? n : 1);
        for (uint32_t r = 0; r < n; r++)
            o->nulls[r] = v->nulls[map[r]];
    }
    return o;
}

/* ---- aggregations over dictionary ids --------------------------------------------------
 * A function with update_ids reads a single-value dictionary column as ids:
 * it decodes (and hashes, for HLL) each distinct id once per segment
 * instead of every row's value. */

static void dict_decode(void *ctx, const uint32_t *ids, uint32_t n, qry_vec *v)
{
    decode_ids(ctx, ids, n, v, 0);
}

/* The column aggregation e can read as ids in this segment, or NULL. */
static col_state *ids_column(seg_ctx *x, const qry_expr *e)
{
    if (!e->agg->update_ids || e->nargs < 1 || e->args[0]->op != QE_COLUMN)
        return NULL;
    for (uint32_t i = 1; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL)
            return NULL;
    col_state *cs = column(x, e->args[0]->col);
    if (!cs || !cs->col.has_dict || !cs->col.single_value)
        return NULL;
    if (x->q->opts.null_handling) {
        if (!cs->nulls_loaded) {
            cs->nulls = cs->col.ops->nulls(&cs->col);
            cs->nulls_loaded = true;
        }
        if (cs->nulls)
            return NULL;
    }
    return cs;
}

/* Dictionaries for the aggregations of this pass that read ids (ctx NULL
 * for the others). */
static qry_agg_dict *pass_dicts(seg_ctx *x, const qry_expr *filter)
{
    const qry_query *q = x->q;
    qry_agg_dict *d = tn_calloc(q->naggs + 1, sizeof *d);
    for (uint32_t s = 0; s < q->naggs; s++) {
        const qry_expr *e = q->aggs[s];
        if (!qry_expr_equal(e->filter, filter) || (x->done && x->done[s]))
            continue;
        col_state *cs = ids_column(x, e);
        if (!cs)
            continue;
        d[s].cardinality = cs->col.cardinality;
        d[s].kind = qry_kind_of(cs->col.type);
        d[s].type = cs->col.type;
        d[s].decode = dict_decode;
        d[s].ctx = cs;
    }
    return d;
}

static void pass_dicts_free(const qry_query *q, qry_agg_dict *d)
{
    for (uint32_t s = 0; s < q->naggs; s++)
        if (d[s].cache && q->aggs[s]->agg->dict_free)
            q->aggs[s]->agg->dict_free(q->aggs[s], &d[s]);
    free(d);
}

/* Feeds the batch's ids (gathered by rowmap when keys exploded or the
 * groups limit dropped rows) to update_ids; 1 when the batch must take
 * the general path. */
static int agg_ids(seg_ctx *x, const qry_expr *e, qry_agg_dict *d, void *base, size_t stride,
                    const uint32_t *gids, const uint32_t *rowmap, uint32_t n, uint32_t rows,
                    qry_arena *a)
{
    const seg_col *c = &((col_state *)d->ctx)->col;
    uint32_t *ids = qry_alloc(a, ((size_t)n + 1) * sizeof *ids);
    if (x->contiguous)
        c->ops->read_ids(c, x->docs[0], n, ids);
    else
        c->ops->read_ids_at(c, x->docs, n, ids);
    x->stats->entries_post_filter += n;
    /* update_ids indexes arrays by id: only a corrupt forward index has ids
     * past the dictionary, and its rows go the general way instead */
    uint32_t most = 0;
    for (uint32_t r = 0; r < n; r++)
        most = ids[r] > most ? ids[r] : most;
    if (n && most >= d->cardinality)
        return 1;
    if (rowmap) {
        uint32_t *g = qry_alloc(a, ((size_t)rows + 1) * sizeof *g);
        for (uint32_t i = 0; i < rows; i++)
            g[i] = ids[rowmap[i]];
        ids = g;
    }
    e->agg->update_ids(e, base, stride, gids, ids, rows, d);
    return 0;
}

/* Runs one pass over docs updating the aggregations whose filter is
 * `filter` (NULL = unfiltered); creates groups only on the first pass. */
static int agg_pass(seg_ctx *x, qry_groups *g, const roaring_bitmap_t *docs,
                    const qry_expr *filter, bool create_groups)
{
    const qry_query *q = x->q;
    qry_arena a = {0};
    qry_eval_ctx cx = {&a, q->now_ms, q->opts.null_handling};
    doc_iter *it = tn_malloc(sizeof *it);
    iter_init(it, docs, x->ndocs);
    qry_agg_dict *dicts = pass_dicts(x, filter);
    uint32_t n;
    int rc = 0;
    while (!rc && (n = iter_next(it, &x->contiguous)) > 0) {
        qry_arena_reset(&a);
        x->docs = it->buf;
        if ((rc = check_deadline(x)))
            break;
        uint32_t *gids = NULL, *rowmap = NULL, rows = n;
        if (g->nkeys && x->idg)
            rc = idg_group_ids(x, g, n, &cx, &gids, &rowmap, &rows);
        else if (g->nkeys)
            rc = group_ids(x, g, n, &cx, &gids, &rowmap, &rows);
        if (rc)
            break;
        (void)create_groups;
        for (uint32_t s = 0; s < q->naggs && !rc; s++) {
            const qry_expr *e = q->aggs[s];
            if (!qry_expr_equal(e->filter, filter) || (x->done && x->done[s]))
                continue;
            if (dicts[s].ctx && !agg_ids(x, e, &dicts[s], g->states[s], g->state_size[s],
                                         g->nkeys ? gids : NULL, rowmap, n, rows, &a))
                continue;
            qry_vec **args;
            if ((rc = agg_args(x, e, n, &cx, &args)))
                break;
            if (rowmap)
                for (uint32_t i = 0; i < e->nargs; i++)
                    args[i] = gather(args[i], rowmap, rows, &a);
            e->agg->update(e, g->states[s], g->state_size[s], g->nkeys ? gids : NULL, args,
                           rows);
        }
    }
    free(it);
    pass_dicts_free(q, dicts);
    qry_arena_free(&a);
    return rc;
}

/* Aggregations a sealed segment answers from its metadata when nothing is
 * filtered: COUNT(*) from the document count, MIN/MAX/MINMAXRANGE of a
 * column from its statistics (fed to the function as a two-row vector, so
 * the function's own code still makes the result). */
static bool meta_answerable(const qry_expr *e)
{
    if (e->filter)
        return false;
    if (!strcmp(e->agg->name, "count"))
        return e->nargs == 1 && e->args[0]->op == QE_STAR;
    bool minmax = !strcmp(e->agg->name, "min") || !strcmp(e->agg->name, "max") ||
                  !strcmp(e->agg->name, "minmaxrange");
    return minmax && e->nargs == 1 && e->args[0]->op == QE_COLUMN;
}

static bool run_from_metadata(seg_ctx *x, qry_groups *g, const roaring_bitmap_t *matched)
{
    const qry_query *q = x->q;
    if (matched || g->nkeys || q->opts.null_handling || x->seg->kind != SEG_KIND_IMMUTABLE ||
        x->ndocs == 0)
        return false;
    for (uint32_t s = 0; s < q->naggs; s++) {
        const qry_expr *e = q->aggs[s];
        if (!meta_answerable(e))
            return false;
        if (e->args[0]->op == QE_COLUMN) { /* NaN stats would not compare */
            col_state *cs = column(x, e->args[0]->col);
            if (!cs || (qry_kind_of(cs->col.type) == QV_DOUBLE &&
                        (isnan(cs->col.min.d) || isnan(cs->col.max.d))))
                return false;
        }
    }
    qry_arena a = {0};
    for (uint32_t s = 0; s < q->naggs; s++) {
        const qry_expr *e = q->aggs[s];
        qry_vec *args[2] = {NULL, NULL};
        uint32_t n = x->ndocs;
        if (e->args[0]->op == QE_COLUMN) {
            const seg_col *c = &column(x, e->args[0]->col)->col;
            qry_vec *v = qry_vec_new(&a, qry_kind_of(c->type), c->type, 2);
            if (v->kind == QV_LONG) {
                v->i[0] = c->min.i;
                v->i[1] = c->max.i;
            } else {
                v->d[0] = c->min.d;
                v->d[1] = c->max.d;
            }
            args[0] = v;
            n = 2;
        }
        e->agg->update(e, g->states[s], g->state_size[s], NULL, args, n);
    }
    qry_arena_free(&a);
    return true;
}

/* DISTINCTCOUNT of a dictionary column over the whole query (no groups):
 * the segment's distinct dictionary ids are marked in a bitset while
 * scanning, and only the distinct values are decoded and handed to the
 * function, once per segment, instead of every row's value. */
static bool distinct_on_ids(seg_ctx *x, const qry_expr *e)
{
    return !strcmp(e->agg->name, "distinctcount") && !e->filter && e->nargs == 1 &&
           e->args[0]->op == QE_COLUMN && !x->q->opts.null_handling;
}

static int run_distinct_ids(seg_ctx *x, qry_groups *g, uint32_t s,
                            const roaring_bitmap_t *matched)
{
    const qry_expr *e = x->q->aggs[s];
    col_state *cs = column(x, e->args[0]->col);
    if (!cs)
        return -1;
    const seg_col *c = &cs->col;
    if (!c->has_dict || !c->single_value)
        return 1; /* the general path */
    uint64_t *seen = tn_calloc(((size_t)c->cardinality + 64) / 64, sizeof *seen);
    doc_iter *it = tn_malloc(sizeof *it);
    iter_init(it, matched, x->ndocs);
    ensure_ids(x, QRY_BATCH);
    uint32_t n;
    bool contiguous;
    while ((n = iter_next(it, &contiguous)) > 0) {
        if (contiguous)
            c->ops->read_ids(c, it->buf[0], n, x->ids);
        else
            c->ops->read_ids_at(c, it->buf, n, x->ids);
        for (uint32_t r = 0; r < n; r++)
            seen[x->ids[r] >> 6] |= 1ull << (x->ids[r] & 63);
        x->stats->entries_post_filter += n;
    }
    free(it);
    uint32_t nd = 0;
    for (uint32_t w = 0; w < (c->cardinality + 63) / 64; w++)
        nd += (uint32_t)__builtin_popcountll(seen[w]);
    qry_arena a = {0};
    qry_vec *v = qry_vec_new(&a, qry_kind_of(c->type), c->type, nd);
    uint32_t *ids = tn_malloc(((size_t)nd + 1) * sizeof *ids), k = 0;
    for (uint32_t w = 0; w < (c->cardinality + 63) / 64; w++)
        for (uint64_t b = seen[w]; b; b &= b - 1)
            ids[k++] = w * 64 + (uint32_t)__builtin_ctzll(b);
    decode_ids(cs, ids, nd, v, 0);
    qry_vec *args[1] = {v};
    e->agg->update(e, g->states[s], g->state_size[s], NULL, args, nd);
    free(ids);
    free(seen);
    qry_arena_free(&a);
    x->done[s] = true;
    return 0;
}

/* Answers what can be answered on dictionary ids; true when nothing is left
 * for the general pass. */
static bool run_on_ids(seg_ctx *x, qry_groups *g, const roaring_bitmap_t *matched, int *rc)
{
    if (g->nkeys)
        return false;
    bool all = true;
    for (uint32_t s = 0; s < x->q->naggs && !*rc; s++) {
        if (!distinct_on_ids(x, x->q->aggs[s])) {
            all = false;
            continue;
        }
        if (!x->done)
            x->done = tn_calloc(x->q->naggs, sizeof *x->done);
        int r = run_distinct_ids(x, g, s, matched);
        if (r < 0)
            *rc = -1;
        all &= r == 0;
    }
    return all;
}

static int run_aggregation(seg_ctx *x, qry_groups *g, const roaring_bitmap_t *matched)
{
    if (g->nkeys) {
        qry_expr **keys = x->q->group_by;
        qry_expr *sel[8];
        if (x->q->shape == QRY_DISTINCT) {
            for (uint32_t k = 0; k < g->nkeys && k < 8; k++)
                sel[k] = x->q->select[k].expr;
            keys = sel;
        }
        x->idg = idg_new(x, keys, g->nkeys);
    }
    if (run_from_metadata(x, g, matched))
        return 0;
    int rc = 0;
    if (run_on_ids(x, g, matched, &rc) || rc)
        return rc;
    rc = agg_pass(x, g, matched, NULL, true);
    /* each distinct FILTER (WHERE ...) gets its own pass over its docs */
    for (uint32_t s = 0; s < x->q->naggs && !rc; s++) {
        const qry_expr *f = x->q->aggs[s]->filter;
        if (!f)
            continue;
        bool seen = false;
        for (uint32_t t = 0; t < s; t++)
            seen |= qry_expr_equal(x->q->aggs[t]->filter, f);
        if (seen)
            continue;
        roaring_bitmap_t *fd = filter_eval(x, f, matched, &rc);
        if (!rc)
            rc = agg_pass(x, g, fd, f, false);
        roaring_bitmap_free(fd);
    }
    return rc;
}

/* ---- selection ---------------------------------------------------------------------------- */

static int row_cmp_qsort(const void *a, const void *b, void *q)
{
    return qry_row_cmp(q, a, b);
}

/* Keeps the best `keep` rows of a selection partial (ORDER BY) by sorting
 * row indexes and compacting. */
static void trim_rows(const qry_query *q, qry_partial *p, uint64_t keep)
{
    if (p->nrows <= keep)
        return;
    qsort_r(p->rows, p->nrows, p->ncols * sizeof *p->rows, row_cmp_qsort, (void *)q);
    p->nrows = (uint32_t)keep; /* strings of dropped rows stay in the arena */
}

static void cell_of(const qry_vec *v, uint32_t r, qry_arena *a, qry_val *out)
{
    if (!v->mv_off) {
        qry_vec_get(v, r, out);
        return;
    }
    uint32_t b = v->mv_off[r], e = v->mv_off[r + 1];
    qry_val *arr = qry_alloc(a, ((size_t)(e - b) + 1) * sizeof *arr);
    qry_vec flat = *v;
    flat.mv_off = NULL;
    flat.nulls = NULL;
    for (uint32_t k = b; k < e; k++)
        qry_vec_get(&flat, k, &arr[k - b]);
    memset(out, 0, sizeof *out);
    out->kind = QV_ARRAY;
    out->type = v->type;
    out->arr = arr;
    out->len = e - b;
}

static int run_selection(seg_ctx *x, qry_partial *p, const roaring_bitmap_t *matched)
{
    const qry_query *q = x->q;
    uint64_t keep = q->limit < 0 ? UINT64_MAX : (uint64_t)q->limit + (uint64_t)q->offset;
    qry_arena a = {0};
    qry_eval_ctx cx = {&a, q->now_ms, q->opts.null_handling};
    qry_source src = {col_leaf, NULL, x};
    doc_iter *it = tn_malloc(sizeof *it);
    iter_init(it, matched, x->ndocs);
    qry_vec **cols = tn_calloc(p->ncols + 1, sizeof *cols);
    qry_val *row = tn_calloc(p->ncols + 1, sizeof *row);
    uint32_t n;
    int rc = 0;
    while (!rc && keep && (n = iter_next(it, &x->contiguous)) > 0) {
        qry_arena_reset(&a);
        x->docs = it->buf;
        if ((rc = check_deadline(x)))
            break;
        for (uint32_t c = 0; c < p->ncols && !rc; c++) {
            const qry_expr *e = c < q->nselect ? q->select[c].expr : NULL;
            if (!e) /* an ORDER BY term that is not selected */
                for (uint32_t i = 0, extra = q->nselect; i < q->norder; i++)
                    if (q->order_by[i].select_ref < 0 && extra++ == c)
                        e = q->order_by[i].expr;
            rc = qry_eval(e, &src, n, &cx, &cols[c], x->err);
        }
        /* without ORDER BY any rows will do: stop once there are enough */
        uint32_t take = n;
        if (!q->norder && (uint64_t)p->nrows + n > keep)
            take = (uint32_t)(keep - p->nrows);
        for (uint32_t r = 0; r < take && !rc; r++) {
            for (uint32_t c = 0; c < p->ncols; c++)
                cell_of(cols[c], r, &a, &row[c]);
            qry_partial_add_row(p, row);
        }
        if (!q->norder && p->nrows >= keep)
            break;
        if (q->norder && keep != UINT64_MAX && p->nrows > 2 * keep + QRY_BATCH)
            trim_rows(q, p, keep);
    }
    if (q->norder && keep != UINT64_MAX)
        trim_rows(q, p, keep);
    free(row);
    free(cols);
    free(it);
    qry_arena_free(&a);
    return rc;
}

/* ---- one segment ---------------------------------------------------------------------------- */

static void ctx_free(seg_ctx *x)
{
    for (uint32_t i = 0; x->cols && i < x->q->schema->nfields; i++) {
        col_state *cs = &x->cols[i];
        seg_bitmap_free(cs->nulls);
        free(cs->lut_i);
        free(cs->lut_d);
        free(cs->lut_s);
    }
    free(x->cols);
    free(x->ids);
    free(x->done);
    idg_free(x->idg);
}

uint64_t qry_exec_deadline(const qry_query *q, const qry_exec_opts *o)
{
    if (o && o->deadline_ns)
        return o->deadline_ns;
    int64_t timeout = q->opts.timeout_ms ? q->opts.timeout_ms : (o ? o->timeout_ms : 0);
    return timeout > 0 ? tn_mono_ns() + (uint64_t)timeout * 1000000u : 0;
}

int qry_execute_segment(const qry_query *q, const seg_segment *seg,
                        const qry_exec_opts *o, qry_partial *out, qry_err *err)
{
    qry_stats *st = &out->stats;
    seg_ctx x = {.q = q, .seg = seg, .ndocs = seg_segment_ndocs(seg), .stats = st, .err = err};
    x.deadline_ns = qry_exec_deadline(q, o);
    x.cancel = o ? o->cancel : NULL;
    x.cols = tn_calloc(q->schema->nfields + 1, sizeof *x.cols);
    bool consuming = seg->kind == SEG_KIND_MUTABLE;
    st->total_docs += x.ndocs;
    st->segments_queried++;
    st->consuming_queried += consuming;
    int rc = 0;
    roaring_bitmap_t *matched = q->where ? filter_eval(&x, q->where, NULL, &rc) : NULL;
    uint64_t nmatch = matched ? roaring_bitmap_get_cardinality(matched) : x.ndocs;
    if (!rc) {
        st->segments_processed++;
        st->consuming_processed += consuming;
        st->segments_matched += nmatch > 0;
        st->consuming_matched += consuming && nmatch > 0;
        st->docs_scanned += nmatch;
    }
    if (!rc && nmatch > 0) {
        if (q->shape == QRY_SELECTION)
            rc = run_selection(&x, out, matched);
        else
            rc = run_aggregation(&x, &out->groups, matched);
    }
    if (matched)
        roaring_bitmap_free(matched);
    ctx_free(&x);
    return rc;
}
