/*
 * qry_partial.c: partial results: the group table (key tuples -> one state
 * per aggregation), selection rows, merging two partials, and the binary
 * form that carries a partial from a server to a broker.
 */
#include "qry_agg.h"
#include "qry_exec_int.h"
#include "qry_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PARTIAL_MAGIC 0x50514e54u /* "TNQP" */
#define PARTIAL_VERSION 1

void qry_stats_add(qry_stats *d, const qry_stats *s)
{
    d->docs_scanned += s->docs_scanned;
    d->entries_in_filter += s->entries_in_filter;
    d->entries_post_filter += s->entries_post_filter;
    d->total_docs += s->total_docs;
    d->segments_queried += s->segments_queried;
    d->segments_processed += s->segments_processed;
    d->segments_matched += s->segments_matched;
    d->consuming_queried += s->consuming_queried;
    d->consuming_processed += s->consuming_processed;
    d->consuming_matched += s->consuming_matched;
    d->groups_limit_reached |= s->groups_limit_reached;
}

/* ---- keys ------------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

uint64_t qry_key_hash(const qry_val *k, uint32_t n)
{
    uint64_t h = 0x243f6a8885a308d3ull;
    for (uint32_t i = 0; i < n; i++) {
        h = mix(h, (uint64_t)k[i].kind);
        if (k[i].kind == QV_LONG)
            h = mix(h, (uint64_t)k[i].i);
        else if (k[i].kind == QV_DOUBLE) {
            uint64_t b;
            double d = k[i].d == 0 ? 0 : k[i].d; /* -0.0 and 0.0 are one key */
            memcpy(&b, &d, 8);
            h = mix(h, b);
        } else if (k[i].kind == QV_STRING) {
            for (uint32_t j = 0; j < k[i].len; j++)
                h = (h ^ (uint8_t)k[i].s[j]) * 0x100000001b3ull;
            h = mix(h, k[i].len);
        }
    }
    return h;
}

static bool key_equal(const qry_val *a, const qry_val *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i].kind != b[i].kind)
            return false;
        switch (a[i].kind) {
        case QV_LONG: if (a[i].i != b[i].i) return false; break;
        case QV_DOUBLE:
            if (!(a[i].d == b[i].d || (isnan(a[i].d) && isnan(b[i].d))))
                return false;
            break;
        case QV_STRING:
            if (a[i].len != b[i].len || memcmp(a[i].s, b[i].s, a[i].len))
                return false;
            break;
        default: break;
        }
    }
    return true;
}

/* ---- the group table ------------------------------------------------------------------ */

static void groups_init(const qry_query *q, qry_groups *g, uint32_t nkeys)
{
    memset(g, 0, sizeof *g);
    g->nkeys = nkeys;
    g->naggs = q->naggs;
    g->limit = q->opts.num_groups_limit > 0 ? (uint64_t)q->opts.num_groups_limit
                                            : QRY_DEFAULT_GROUPS_LIMIT;
    g->states = tn_calloc(g->naggs + 1, sizeof *g->states);
    g->state_size = tn_calloc(g->naggs + 1, sizeof *g->state_size);
    for (uint32_t a = 0; a < g->naggs; a++)
        g->state_size[a] = q->aggs[a]->agg->state_size;
}

static void groups_grow(qry_groups *g)
{
    uint32_t cap = g->cap ? g->cap * 2 : 16;
    g->keys = tn_realloc(g->keys, (size_t)cap * (g->nkeys ? g->nkeys : 1) * sizeof *g->keys);
    g->hash = tn_realloc(g->hash, (size_t)cap * sizeof *g->hash);
    for (uint32_t a = 0; a < g->naggs; a++)
        g->states[a] = tn_realloc(g->states[a], (size_t)cap * g->state_size[a]);
    g->cap = cap;
    /* the index keeps at most half of its slots full */
    uint32_t nslots = cap * 2;
    free(g->slot);
    g->slot = tn_calloc(nslots, sizeof *g->slot);
    g->mask = nslots - 1;
    for (uint32_t i = 0; i < g->n; i++) {
        uint32_t s = (uint32_t)g->hash[i] & g->mask;
        while (g->slot[s])
            s = (s + 1) & g->mask;
        g->slot[s] = i + 1;
    }
}

static qry_val copy_val(qry_arena *a, const qry_val *v)
{
    qry_val c = *v;
    if (v->kind == QV_STRING)
        c.s = v->len ? qry_strndup(a, v->s, v->len) : "";
    return c;
}

/* Index of the group with keys k (hash h), added if new; -1 when the
 * groups limit stops a new group. */
int64_t qry_groups_find(const qry_query *q, qry_groups *g, const qry_val *k, uint64_t h)
{
    if (g->cap) {
        uint32_t s = (uint32_t)h & g->mask;
        for (; g->slot[s]; s = (s + 1) & g->mask) {
            uint32_t i = g->slot[s] - 1;
            if (g->hash[i] == h && key_equal(&g->keys[(size_t)i * g->nkeys], k, g->nkeys))
                return i;
        }
    }
    if (g->n >= g->limit)
        return -1;
    if (g->n == g->cap)
        groups_grow(g);
    uint32_t i = g->n++;
    for (uint32_t j = 0; j < g->nkeys; j++)
        g->keys[(size_t)i * g->nkeys + j] = copy_val(&g->arena, &k[j]);
    g->hash[i] = h;
    for (uint32_t a = 0; a < g->naggs; a++) {
        void *st = g->states[a] + (size_t)i * g->state_size[a];
        memset(st, 0, g->state_size[a]);
        q->aggs[a]->agg->init(q->aggs[a], st);
    }
    uint32_t s = (uint32_t)h & g->mask;
    while (g->slot[s])
        s = (s + 1) & g->mask;
    g->slot[s] = i + 1;
    return i;
}

static void groups_free(const qry_query *q, qry_groups *g)
{
    for (uint32_t a = 0; a < g->naggs; a++) {
        const qry_agg_fn *fn = q->aggs[a]->agg;
        for (uint32_t i = 0; i < g->n && fn->destroy; i++)
            fn->destroy(q->aggs[a], g->states[a] + (size_t)i * g->state_size[a]);
        free(g->states[a]);
    }
    free(g->states);
    free(g->state_size);
    free(g->keys);
    free(g->hash);
    free(g->slot);
    qry_arena_free(&g->arena);
    memset(g, 0, sizeof *g);
}

/* ---- partials ----------------------------------------------------------------------------- */

uint32_t qry_order_col(const qry_query *q, uint32_t i)
{
    if (q->order_by[i].select_ref >= 0)
        return (uint32_t)q->order_by[i].select_ref;
    uint32_t extra = q->nselect;
    for (uint32_t j = 0; j < i; j++)
        if (q->order_by[j].select_ref < 0)
            extra++;
    return extra;
}

int qry_row_cmp(const qry_query *q, const qry_val *a, const qry_val *b)
{
    for (uint32_t i = 0; i < q->norder; i++) {
        uint32_t c = qry_order_col(q, i);
        int r = qry_val_cmp(&a[c], &b[c]);
        if (r)
            return q->order_by[i].desc ? -r : r;
    }
    return 0;
}

uint32_t qry_selection_ncols(const qry_query *q)
{
    uint32_t n = q->nselect;
    for (uint32_t i = 0; i < q->norder; i++)
        if (q->order_by[i].select_ref < 0)
            n++;
    return n;
}

void qry_partial_init(const qry_query *q, qry_partial *p)
{
    memset(p, 0, sizeof *p);
    p->shape = q->shape;
    p->initialized = true;
    switch (q->shape) {
    case QRY_AGGREGATION: {
        groups_init(q, &p->groups, 0);
        qry_groups_find(q, &p->groups, NULL, qry_key_hash(NULL, 0)); /* the one group */
        break;
    }
    case QRY_GROUP_BY: groups_init(q, &p->groups, q->ngroup); break;
    case QRY_DISTINCT: groups_init(q, &p->groups, q->nselect); break;
    case QRY_SELECTION: p->ncols = qry_selection_ncols(q); break;
    }
}

void qry_partial_free(const qry_query *q, qry_partial *p)
{
    if (!p->initialized)
        return;
    if (q->shape != QRY_SELECTION)
        groups_free(q, &p->groups);
    free(p->rows);
    qry_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

/* Appends one selection row (values copied into the partial's arena). */
void qry_partial_add_row(qry_partial *p, const qry_val *row)
{
    if (p->nrows == p->rowcap) {
        p->rowcap = p->rowcap ? p->rowcap * 2 : 64;
        p->rows = tn_realloc(p->rows, (size_t)p->rowcap * p->ncols * sizeof *p->rows);
    }
    qry_val *dst = &p->rows[(size_t)p->nrows++ * p->ncols];
    for (uint32_t c = 0; c < p->ncols; c++) {
        dst[c] = copy_val(&p->arena, &row[c]);
        if (row[c].kind == QV_ARRAY) {
            qry_val *arr = qry_alloc(&p->arena, (row[c].len + 1) * sizeof *arr);
            for (uint32_t k = 0; k < row[c].len; k++)
                arr[k] = copy_val(&p->arena, &row[c].arr[k]);
            dst[c].arr = arr;
        }
    }
}

static int merge_groups(const qry_query *q, qry_groups *d, qry_groups *s, qry_stats *st)
{
    for (uint32_t i = 0; i < s->n; i++) {
        const qry_val *k = &s->keys[(size_t)i * s->nkeys];
        int64_t gi = qry_groups_find(q, d, k, s->hash[i]);
        for (uint32_t a = 0; a < s->naggs; a++) {
            void *src = s->states[a] + (size_t)i * s->state_size[a];
            if (gi >= 0)
                q->aggs[a]->agg->merge(q->aggs[a], d->states[a] + (size_t)gi * d->state_size[a],
                                       src);
        }
        if (gi < 0)
            st->groups_limit_reached = true;
    }
    return 0;
}

int qry_partial_merge(const qry_query *q, qry_partial *dst, qry_partial *src, qry_err *err)
{
    (void)err;
    qry_stats_add(&dst->stats, &src->stats);
    if (q->shape == QRY_SELECTION) {
        for (uint32_t r = 0; r < src->nrows; r++)
            qry_partial_add_row(dst, &src->rows[(size_t)r * src->ncols]);
    } else {
        merge_groups(q, &dst->groups, &src->groups, &dst->stats);
    }
    qry_partial_free(q, src);
    qry_partial_init(q, src);
    return 0;
}

/* ---- binary form ------------------------------------------------------------------------------ */

static void put_val(tn_buf *b, const qry_val *v)
{
    uint8_t k = (uint8_t)v->kind, t = (uint8_t)v->type;
    tn_buf_append(b, &k, 1);
    tn_buf_append(b, &t, 1);
    switch (v->kind) {
    case QV_LONG: tn_buf_append(b, &v->i, 8); break;
    case QV_DOUBLE: tn_buf_append(b, &v->d, 8); break;
    case QV_STRING: tn_buf_append_u32(b, v->len); tn_buf_append(b, v->s, v->len); break;
    case QV_ARRAY:
        tn_buf_append_u32(b, v->len);
        for (uint32_t i = 0; i < v->len; i++)
            put_val(b, &v->arr[i]);
        break;
    default: break;
    }
}

typedef struct reader {
    const uint8_t *p, *end;
    bool bad;
} reader;

static const uint8_t *take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

static uint32_t get_u32(reader *r)
{
    const uint8_t *p = take(r, 4);
    uint32_t v = 0;
    if (p)
        memcpy(&v, p, 4);
    return v;
}

static uint64_t get_u64(reader *r)
{
    const uint8_t *p = take(r, 8);
    uint64_t v = 0;
    if (p)
        memcpy(&v, p, 8);
    return v;
}

static void get_val(reader *r, qry_arena *a, qry_val *v, int depth)
{
    memset(v, 0, sizeof *v);
    const uint8_t *kt = take(r, 2);
    if (!kt)
        return;
    v->kind = kt[0];
    v->type = kt[1] < SEG_TYPE_COUNT ? kt[1] : SEG_STRING;
    switch (v->kind) {
    case QV_NULL: break;
    case QV_LONG: v->i = (int64_t)get_u64(r); break;
    case QV_DOUBLE: { uint64_t b = get_u64(r); memcpy(&v->d, &b, 8); break; }
    case QV_STRING: {
        v->len = get_u32(r);
        const uint8_t *s = take(r, v->len);
        v->s = s ? qry_strndup(a, (const char *)s, v->len) : "";
        break;
    }
    case QV_ARRAY: {
        v->len = get_u32(r);
        if (depth > 0 || v->len > (size_t)(r->end - r->p) / 2) {
            r->bad = true; /* arrays hold scalars; each takes >= 2 bytes */
            return;
        }
        qry_val *arr = qry_alloc(a, ((size_t)v->len + 1) * sizeof *arr);
        for (uint32_t i = 0; i < v->len && !r->bad; i++)
            get_val(r, a, &arr[i], depth + 1);
        v->arr = arr;
        break;
    }
    default: r->bad = true;
    }
}

static const size_t stats_u64 = 4, stats_u32 = 6;

static void put_stats(tn_buf *b, const qry_stats *s)
{
    uint64_t u[] = {s->docs_scanned, s->entries_in_filter, s->entries_post_filter, s->total_docs};
    uint32_t w[] = {s->segments_queried, s->segments_processed, s->segments_matched,
                    s->consuming_queried, s->consuming_processed, s->consuming_matched};
    tn_buf_append(b, u, sizeof u);
    tn_buf_append(b, w, sizeof w);
    uint8_t f = s->groups_limit_reached;
    tn_buf_append(b, &f, 1);
}

static void get_stats(reader *r, qry_stats *s)
{
    uint64_t u[4];
    uint32_t w[6];
    const uint8_t *p = take(r, stats_u64 * 8 + stats_u32 * 4 + 1);
    if (!p)
        return;
    memcpy(u, p, sizeof u);
    memcpy(w, p + sizeof u, sizeof w);
    s->docs_scanned = u[0];
    s->entries_in_filter = u[1];
    s->entries_post_filter = u[2];
    s->total_docs = u[3];
    s->segments_queried = w[0];
    s->segments_processed = w[1];
    s->segments_matched = w[2];
    s->consuming_queried = w[3];
    s->consuming_processed = w[4];
    s->consuming_matched = w[5];
    s->groups_limit_reached = p[sizeof u + sizeof w] != 0;
}

void qry_partial_serialize(const qry_query *q, const qry_partial *p, tn_buf *out)
{
    tn_buf_append_u32(out, PARTIAL_MAGIC);
    uint8_t hdr[2] = {PARTIAL_VERSION, (uint8_t)p->shape};
    tn_buf_append(out, hdr, 2);
    put_stats(out, &p->stats);
    if (q->shape == QRY_SELECTION) {
        tn_buf_append_u32(out, p->ncols);
        tn_buf_append_u32(out, p->nrows);
        for (size_t i = 0; i < (size_t)p->nrows * p->ncols; i++)
            put_val(out, &p->rows[i]);
        return;
    }
    const qry_groups *g = &p->groups;
    tn_buf_append_u32(out, g->nkeys);
    tn_buf_append_u32(out, g->naggs);
    tn_buf_append_u32(out, g->n);
    tn_buf state = {0};
    for (uint32_t i = 0; i < g->n; i++) {
        for (uint32_t k = 0; k < g->nkeys; k++)
            put_val(out, &g->keys[(size_t)i * g->nkeys + k]);
        for (uint32_t a = 0; a < g->naggs; a++) {
            tn_buf_reset(&state);
            q->aggs[a]->agg->serialize(q->aggs[a], g->states[a] + (size_t)i * g->state_size[a],
                                       &state);
            tn_buf_append_u32(out, (uint32_t)state.len);
            tn_buf_append(out, state.data, state.len);
        }
    }
    tn_buf_free(&state);
}

static int read_groups(const qry_query *q, reader *r, qry_partial *out, qry_err *err)
{
    qry_groups *g = &out->groups;
    uint32_t nkeys = get_u32(r), naggs = get_u32(r), n = get_u32(r);
    if (r->bad || nkeys != g->nkeys || naggs != g->naggs)
        return qry_fail(err, QRY_ERR_EXEC, -1, "partial result does not match the query");
    qry_arena tmp = {0};
    qry_val *keys = tn_calloc(nkeys + 1, sizeof *keys);
    int rc = 0;
    for (uint32_t i = 0; i < n && !r->bad && !rc; i++) {
        qry_arena_reset(&tmp);
        for (uint32_t k = 0; k < nkeys; k++)
            get_val(r, &tmp, &keys[k], 0);
        int64_t gi = r->bad ? -1 : qry_groups_find(q, g, keys, qry_key_hash(keys, nkeys));
        for (uint32_t a = 0; a < naggs && !r->bad; a++) {
            uint32_t len = get_u32(r);
            const uint8_t *sp = take(r, len);
            if (!sp || gi < 0)
                continue;
            const qry_agg_fn *fn = q->aggs[a]->agg;
            uint8_t *st = tn_calloc(1, g->state_size[a]);
            fn->init(q->aggs[a], st);
            if (fn->deserialize(q->aggs[a], st, sp, len) != (int64_t)len)
                rc = qry_fail(err, QRY_ERR_EXEC, -1, "malformed aggregation state in partial result");
            else
                fn->merge(q->aggs[a], g->states[a] + (size_t)gi * g->state_size[a], st);
            if (fn->destroy)
                fn->destroy(q->aggs[a], st);
            free(st);
        }
        if (gi < 0 && !r->bad)
            out->stats.groups_limit_reached = true;
    }
    free(keys);
    qry_arena_free(&tmp);
    return rc;
}

int qry_partial_deserialize(const qry_query *q, const uint8_t *data, size_t len,
                            qry_partial *out, qry_err *err)
{
    reader r = {data, data + len, false};
    qry_partial_init(q, out);
    uint32_t magic = get_u32(&r);
    const uint8_t *hdr = take(&r, 2);
    if (r.bad || magic != PARTIAL_MAGIC || hdr[0] != PARTIAL_VERSION || hdr[1] != q->shape)
        return qry_fail(err, QRY_ERR_EXEC, -1, "not a partial result of this query");
    get_stats(&r, &out->stats);
    int rc = 0;
    if (q->shape == QRY_SELECTION) {
        uint32_t ncols = get_u32(&r), nrows = get_u32(&r);
        if (!r.bad && ncols != out->ncols)
            return qry_fail(err, QRY_ERR_EXEC, -1, "partial result has %u columns, query %u",
                            ncols, out->ncols);
        qry_val *row = tn_calloc(ncols + 1, sizeof *row);
        qry_arena tmp = {0};
        for (uint32_t i = 0; i < nrows && !r.bad; i++) {
            qry_arena_reset(&tmp);
            for (uint32_t c = 0; c < ncols; c++)
                get_val(&r, &tmp, &row[c], 0);
            if (!r.bad)
                qry_partial_add_row(out, row);
        }
        free(row);
        qry_arena_free(&tmp);
    } else {
        rc = read_groups(q, &r, out, err);
    }
    if (!rc && (r.bad || r.p != r.end))
        rc = qry_fail(err, QRY_ERR_EXEC, -1, "partial result is truncated or has %zu extra bytes",
                      r.bad ? (size_t)0 : (size_t)(r.end - r.p));
    return rc;
}
