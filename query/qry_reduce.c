/*
 * qry_reduce.c: from the merged partial result to the final table. Groups
 * become rows by evaluating the select, HAVING and ORDER BY expressions
 * over a batch whose leaves are the group keys and the final aggregation
 * values; then rows are ordered and cut to OFFSET/LIMIT.
 */
#include "qry_reduce.h"
#include "qry_agg.h"
#include "qry_eval.h"
#include "qry_exec_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The leaves of post-aggregation expressions. */
typedef struct post_ctx {
    const qry_query *q;
    qry_vec **keys;       /* per group key (or DISTINCT select item) */
    qry_expr *const *key_exprs;
    uint32_t nkeys;
    qry_vec **finals;     /* per aggregation slot */
} post_ctx;

static int post_known(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                      qry_vec **out, qry_err *err)
{
    (void)n;
    (void)cx;
    (void)err;
    post_ctx *p = ctx;
    for (uint32_t k = 0; k < p->nkeys; k++)
        if (qry_expr_equal(e, p->key_exprs[k])) {
            *out = p->keys[k];
            return 1;
        }
    return 0;
}

static int post_leaf(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                     qry_vec **out, qry_err *err)
{
    (void)n;
    (void)cx;
    post_ctx *p = ctx;
    if (e->op == QE_AGG && e->agg_slot >= 0 && (uint32_t)e->agg_slot < p->q->naggs) {
        *out = p->finals[e->agg_slot];
        return 0;
    }
    return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                    "'%s' is neither a GROUP BY expression nor an aggregation",
                    e->name ? e->name : "expression");
}

/* A vector of n values from scalars (group keys, final values). */
static qry_vec *vec_of(qry_arena *a, const qry_val *vals, size_t stride, uint32_t n,
                       seg_type type)
{
    qry_kind k = qry_kind_of(type);
    for (uint32_t r = 0; r < n; r++)
        if (vals[r * stride].kind != QV_NULL) {
            k = vals[r * stride].kind;
            break;
        }
    qry_vec *v = qry_vec_new(a, k, type, n);
    for (uint32_t r = 0; r < n; r++) {
        const qry_val *x = &vals[r * stride];
        if (x->kind == QV_NULL) {
            if (!v->nulls)
                v->nulls = qry_alloc(a, n);
            v->nulls[r] = 1;
        } else if (k == QV_LONG)
            v->i[r] = x->kind == QV_DOUBLE ? (int64_t)x->d : x->i;
        else if (k == QV_DOUBLE)
            v->d[r] = x->kind == QV_LONG ? (double)x->i : x->d;
        else {
            v->s[r].s.p = x->s;
            v->s[r].s.len = x->len;
        }
    }
    return v;
}

static qry_vec *final_values(const qry_query *q, const qry_groups *g, uint32_t slot,
                             qry_arena *a)
{
    const qry_expr *e = q->aggs[slot];
    qry_val *vals = qry_alloc(a, ((size_t)g->n + 1) * sizeof *vals);
    for (uint32_t i = 0; i < g->n; i++)
        e->agg->final(e, g->states[slot] + (size_t)i * g->state_size[slot],
                      q->opts.null_handling, a, &vals[i]);
    return vec_of(a, vals, 1, g->n, e->type);
}

/* ---- result table ----------------------------------------------------------------- */

static const char *type_name(seg_type t, bool array, qry_arena *a)
{
    const char *base = seg_type_name(t);
    if (!array)
        return base;
    char buf[32];
    snprintf(buf, sizeof buf, "%s_ARRAY", base);
    return qry_strndup(a, buf, strlen(buf));
}

/* Tableau filters a date range by the MIN/MAX of a time column: on the
 * PostgreSQL endpoint those stay timestamps, not Pinot's doubles. */
static bool pg_time_extreme(const qry_query *q, const qry_expr *e)
{
    return q->flavour == QRY_PGWIRE && e->op == QE_AGG && e->agg && e->nargs == 1 &&
           (!strcmp(e->agg->name, "min") || !strcmp(e->agg->name, "max")) &&
           e->args[0]->type == SEG_TIMESTAMP;
}

static void result_columns(const qry_query *q, qry_result *r)
{
    r->ncols = q->nselect;
    r->names = qry_alloc(&r->arena, (r->ncols + 1) * sizeof *r->names);
    r->types = qry_alloc(&r->arena, (r->ncols + 1) * sizeof *r->types);
    for (uint32_t c = 0; c < r->ncols; c++) {
        const qry_expr *e = q->select[c].expr;
        /* group keys explode multi-value columns into scalars */
        bool array = e->mv && q->shape == QRY_SELECTION;
        /* copied: the result outlives the query it came from */
        r->names[c] = qry_strndup(&r->arena, q->select[c].name, strlen(q->select[c].name));
        r->types[c] = q->select[c].pg_type ? q->select[c].pg_type
                      : pg_time_extreme(q, e) ? "TIMESTAMP"
                                              : type_name(e->type, array, &r->arena);
    }
}

static void copy_cell(qry_arena *a, qry_val *dst, const qry_val *src)
{
    *dst = *src;
    if (src->kind == QV_STRING)
        dst->s = qry_strndup(a, src->s, src->len);
    if (src->kind == QV_ARRAY) {
        qry_val *arr = qry_alloc(a, ((size_t)src->len + 1) * sizeof *arr);
        for (uint32_t i = 0; i < src->len; i++)
            copy_cell(a, &arr[i], &src->arr[i]);
        dst->arr = arr;
    }
}

/* ---- ordering ------------------------------------------------------------------------ */

typedef struct order_ctx {
    const qry_query *q;
    qry_vec **keys;   /* per ORDER BY item, over all groups */
} order_ctx;

static int cmp_groups(const void *a, const void *b, void *arg)
{
    const order_ctx *o = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    for (uint32_t i = 0; i < o->q->norder; i++) {
        qry_val va, vb;
        qry_vec_get(o->keys[i], x, &va);
        qry_vec_get(o->keys[i], y, &vb);
        int c = qry_val_cmp(&va, &vb);
        if (c)
            return o->q->order_by[i].desc ? -c : c;
    }
    return (x > y) - (x < y);
}

/* Rows [offset, offset + limit) of the ordered row indexes. */
static void cut(const qry_query *q, uint32_t *n, uint32_t *first)
{
    uint64_t off = q->offset > 0 ? (uint64_t)q->offset : 0;
    uint64_t lim = q->limit < 0 ? UINT64_MAX : (uint64_t)q->limit;
    *first = off >= *n ? *n : (uint32_t)off;
    uint64_t left = *n - *first;
    *n = (uint32_t)(left < lim ? left : lim);
}

/* ---- groups to rows -------------------------------------------------------------------- */

static int reduce_groups(const qry_query *q, qry_partial *m, qry_result *r, qry_err *err)
{
    qry_groups *g = &m->groups;
    qry_arena *a = &r->arena;
    uint32_t n = g->n;
    post_ctx pc = {.q = q, .nkeys = g->nkeys};
    pc.key_exprs = q->shape == QRY_DISTINCT ? NULL : q->group_by;
    if (q->shape == QRY_DISTINCT) {
        qry_expr **ke = qry_alloc(a, (q->nselect + 1) * sizeof *ke);
        for (uint32_t i = 0; i < q->nselect; i++)
            ke[i] = q->select[i].expr;
        pc.key_exprs = ke;
    }
    pc.keys = qry_alloc(a, (g->nkeys + 1) * sizeof *pc.keys);
    for (uint32_t k = 0; k < g->nkeys; k++)
        pc.keys[k] = vec_of(a, g->keys + k, g->nkeys, n, pc.key_exprs[k]->type);
    pc.finals = qry_alloc(a, (q->naggs + 1) * sizeof *pc.finals);
    for (uint32_t s = 0; s < q->naggs; s++)
        pc.finals[s] = final_values(q, g, s, a);
    qry_source src = {post_leaf, post_known, &pc};
    qry_eval_ctx cx = {a, q->now_ms, q->opts.null_handling};

    uint32_t *idx = qry_alloc(a, ((size_t)n + 1) * sizeof *idx), kept = 0;
    qry_vec *having = NULL;
    if (q->having && qry_eval(q->having, &src, n, &cx, &having, err))
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if (!having || (having->i[i] && !(having->nulls && having->nulls[i])))
            idx[kept++] = i;

    qry_vec **sel = qry_alloc(a, (q->nselect + 1) * sizeof *sel);
    for (uint32_t c = 0; c < q->nselect; c++)
        if (qry_eval(q->select[c].expr, &src, n, &cx, &sel[c], err))
            return -1;
    if (q->norder && q->shape != QRY_AGGREGATION) {
        order_ctx oc = {q, qry_alloc(a, (q->norder + 1) * sizeof(qry_vec *))};
        for (uint32_t i = 0; i < q->norder; i++) {
            int ref = q->order_by[i].select_ref;
            if (ref >= 0)
                oc.keys[i] = sel[ref];
            else if (qry_eval(q->order_by[i].expr, &src, n, &cx, &oc.keys[i], err))
                return -1;
        }
        if (kept > 1)
            qsort_r(idx, kept, sizeof *idx, cmp_groups, &oc);
    }
    uint32_t first = 0, rows = kept;
    if (q->shape != QRY_AGGREGATION)
        cut(q, &rows, &first);
    r->nrows = rows;
    r->cells = qry_alloc(a, ((size_t)rows * r->ncols + 1) * sizeof *r->cells);
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t c = 0; c < r->ncols; c++) {
            qry_val v;
            qry_vec_get(sel[c], idx[first + i], &v);
            v.type = q->select[c].expr->type;
            copy_cell(a, &r->cells[(size_t)i * r->ncols + c], &v);
        }
    return 0;
}

static int row_cmp(const void *a, const void *b, void *q)
{
    return qry_row_cmp(q, a, b);
}

static void reduce_selection(const qry_query *q, qry_partial *m, qry_result *r)
{
    if (q->norder && m->nrows > 1) /* qsort's array must not be NULL */
        qsort_r(m->rows, m->nrows, m->ncols * sizeof *m->rows, row_cmp, (void *)q);
    uint32_t first = 0, rows = m->nrows;
    cut(q, &rows, &first);
    r->nrows = rows;
    r->cells = qry_alloc(&r->arena, ((size_t)rows * r->ncols + 1) * sizeof *r->cells);
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t c = 0; c < r->ncols; c++)
            copy_cell(&r->arena, &r->cells[(size_t)i * r->ncols + c],
                      &m->rows[(size_t)(first + i) * m->ncols + c]);
}

/* The cells of pg_time_extreme columns: whole milliseconds, typed TIMESTAMP. */
static void type_time_extremes(const qry_query *q, qry_result *r)
{
    for (uint32_t c = 0; c < r->ncols; c++) {
        if (!pg_time_extreme(q, q->select[c].expr))
            continue;
        for (uint32_t i = 0; i < r->nrows; i++) {
            qry_val *v = &r->cells[(size_t)i * r->ncols + c];
            if (v->kind == QV_DOUBLE && isfinite(v->d))
                *v = (qry_val){.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = (int64_t)v->d};
        }
    }
}

int qry_reduce(const qry_query *q, qry_partial *m, qry_result *r, qry_err *err)
{
    memset(r, 0, sizeof *r);
    r->stats = m->stats;
    result_columns(q, r);
    if (q->shape == QRY_SELECTION) {
        reduce_selection(q, m, r);
        return 0;
    }
    int rc = reduce_groups(q, m, r, err);
    if (!rc && q->flavour == QRY_PGWIRE)
        type_time_extremes(q, r);
    return rc;
}

void qry_result_free(qry_result *r)
{
    qry_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}
