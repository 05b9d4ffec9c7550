/*
 * qry_exec.h: running a bound query over segments. Each segment yields a
 * partial result (the per-segment work a server does); partials merge in
 * any order and number (servers combine their segments, the broker combines
 * servers) and serialize to a compact binary form to cross the network.
 * qry_reduce (qry_reduce.h) turns the merged partial into the final table.
 */
#ifndef QRY_EXEC_H
#define QRY_EXEC_H

#include <stdatomic.h>

#include "qry_plan.h"
#include "seg_segment.h"

/* The counters of Pinot's broker response. */
typedef struct qry_stats {
    uint64_t docs_scanned;           /* numDocsScanned */
    uint64_t entries_in_filter;      /* numEntriesScannedInFilter */
    uint64_t entries_post_filter;    /* numEntriesScannedPostFilter */
    uint64_t total_docs;             /* totalDocs */
    uint32_t segments_queried, segments_processed, segments_matched;
    uint32_t consuming_queried, consuming_processed, consuming_matched;
    bool groups_limit_reached;
} qry_stats;

void qry_stats_add(qry_stats *dst, const qry_stats *src);

/* Groups: distinct key tuples with one aggregation state block per
 * (group, aggregation). Aggregation-only queries have one group, no keys. */
typedef struct qry_groups {
    uint32_t nkeys, naggs;
    uint32_t n, cap;
    qry_val *keys;            /* n * nkeys; strings in arena */
    uint8_t **states;         /* per aggregation: cap * state_size bytes */
    size_t *state_size;
    uint32_t *slot;           /* open addressing: group index + 1, 0 = empty */
    uint64_t *hash;           /* per group */
    uint32_t mask;
    uint64_t limit;           /* numGroupsLimit */
    qry_arena arena;
} qry_groups;

typedef struct qry_partial {
    qry_shape shape;
    qry_stats stats;
    qry_groups groups;        /* AGGREGATION, GROUP_BY, DISTINCT */
    uint32_t ncols;           /* SELECTION: select columns + extra ORDER BY terms */
    qry_val *rows;            /* nrows * ncols */
    uint32_t nrows, rowcap;
    qry_arena arena;          /* selection row strings */
    bool initialized;
} qry_partial;

typedef struct qry_exec_opts {
    uint32_t threads;         /* worker threads; 0 = one per core */
    int64_t timeout_ms;       /* 0 = none (the query's own option wins) */
    uint64_t deadline_ns;     /* tn_mono_ns() deadline; 0 = timeout from the
                                 start of the call (qry_execute sets it once,
                                 so the timeout bounds the whole query) */
    const atomic_bool *cancel;/* another thread sets it to stop the query
                                 with error 503 (a client went away); NULL = none */
} qry_exec_opts;

void qry_partial_init(const qry_query *q, qry_partial *p);
void qry_partial_free(const qry_query *q, qry_partial *p);

/* Runs q over one segment (a consistent view of it), adding to out. */
int qry_execute_segment(const qry_query *q, const seg_segment *seg,
                        const qry_exec_opts *o, qry_partial *out, qry_err *err);

/* Runs q over segments on a pool of threads and merges into out (which
 * qry_execute initializes). Stops with error 250 past the timeout. */
int qry_execute(const qry_query *q, seg_segment *const *segs, uint32_t nsegs,
                const qry_exec_opts *o, qry_partial *out, qry_err *err);

/* Adds src into dst (src is left empty). */
int qry_partial_merge(const qry_query *q, qry_partial *dst, qry_partial *src,
                      qry_err *err);

/* Binary form of a partial. deserialize rejects malformed input with an
 * error and never reads out of bounds: it comes from the network. */
void qry_partial_serialize(const qry_query *q, const qry_partial *p, tn_buf *out);
int qry_partial_deserialize(const qry_query *q, const uint8_t *data, size_t len,
                            qry_partial *out, qry_err *err);

#endif
