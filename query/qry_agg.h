/*
 * qry_agg.h: aggregation functions: their states, how a batch updates them
 * (for one group or many), how two states merge (segment results on a
 * server, server results on the broker), how a state serializes, and the
 * final value with Pinot's empty-result defaults.
 *
 * A state is a fixed-size block (state_size bytes) kept in arrays, one per
 * group; functions whose state grows (exact distinct sets, percentiles,
 * sketches) keep a pointer in the block and free it in destroy.
 */
#ifndef QRY_AGG_H
#define QRY_AGG_H

#include "qry_expr.h"

/* The dictionary of a single-value column argument, for update_ids: the
 * function reads dictionary ids instead of decoded values and decodes only
 * the ids it has not met in this segment. Lives for one pass over one
 * segment. */
typedef struct qry_agg_dict {
    uint32_t cardinality;
    qry_kind kind;
    seg_type type;
    /* Decodes ids [0, n) into v (kind and type above, room for n rows). */
    void (*decode)(void *ctx, const uint32_t *ids, uint32_t n, qry_vec *v);
    void *ctx;
    void *cache;               /* the function's own, NULL at first */
} qry_agg_dict;

typedef struct qry_agg_fn {
    const char *name;          /* canonical, as in the result column name */
    int min_args, max_args;    /* including literal parameters */
    /* Checks arguments (e.g. percentile in [0, 100], LASTWITHTIME's type
     * literal), sets e->type (the final result type). */
    int (*bind)(qry_expr *e, qry_err *err);
    size_t state_size;
    void (*init)(const qry_expr *e, void *state);
    /* Adds rows [0, n) of the evaluated value arguments (literal parameters
     * are not evaluated: read them from e->args) to the states of their
     * groups: row r goes to base + groups[r] * stride, or to base itself when
     * groups is NULL. Multi-value vectors contribute every value. Rows whose
     * value is NULL are skipped when null handling is on (NULL flags are set
     * only then). */
    void (*update)(const qry_expr *e, void *base, size_t stride,
                   const uint32_t *groups, qry_vec *const *args, uint32_t n);
    /* May take over src's heap parts (src is only destroyed afterwards, in
     * every caller), so merging into an empty state need not copy. */
    void (*merge)(const qry_expr *e, void *dst, const void *src);
    /* The result; empty states give Pinot's defaults (count 0, sum 0.0,
     * min +Inf, max/avg -Inf), or NULL (kind QV_NULL) with null handling. */
    void (*final)(const qry_expr *e, const void *state, bool null_handling,
                  qry_arena *a, qry_val *out);
    /* Compact binary form, for server -> broker. deserialize returns the
     * bytes used, or -1 for malformed input. */
    void (*serialize)(const qry_expr *e, const void *state, tn_buf *out);
    int64_t (*deserialize)(const qry_expr *e, void *state, const uint8_t *p,
                           size_t len);
    void (*destroy)(const qry_expr *e, void *state);   /* may be NULL */
    /* Optional fast path, the same as update for rows whose one value
     * argument is a single-value dictionary column without NULLs: ids[r]
     * is row r's dictionary id in d. The states must end up exactly as
     * update would leave them. dict_free releases d->cache. */
    void (*update_ids)(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       const uint32_t *ids, uint32_t n, qry_agg_dict *d);
    void (*dict_free)(const qry_expr *e, qry_agg_dict *d);
    /* Result order for ORDER BY on the final value: the final values compare
     * as numbers or strings by kind; nothing per function. */
} qry_agg_fn;

/* Finds an aggregation by name ("COUNT", "percentile95", "DISTINCT_COUNT").
 * Legacy percentileNN forms are recognized and record NN. NULL if none. */
const qry_agg_fn *qry_agg_find(const char *name, double *legacy_percentile);

#endif
