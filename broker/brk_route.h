/*
 * brk_route.h: the routing table: which server holds which segments of
 * which table, built from the servers' status answers (srv_node.h's
 * status JSON), plus the two decisions a query takes from it: the hybrid
 * table's time boundary (as Pinot's TimeBoundaryManager computes it) and
 * time pruning of segments against the query's WHERE.
 *
 * A routing snapshot is immutable and reference-counted: the refresher
 * (brk_sync) swaps in a new one while queries keep using the one they took.
 */
#ifndef BRK_ROUTE_H
#define BRK_ROUTE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "qry_plan.h"

#define BRK_TIME_MIN INT64_MIN
#define BRK_TIME_MAX INT64_MAX

typedef struct brk_seg {
    const char *name;         /* into the server's status JSON */
    int64_t start_ms, end_ms; /* BRK_TIME_MIN/MAX when unknown */
    uint64_t docs;
    bool consuming;           /* status IN_PROGRESS: its end time still grows */
} brk_seg;

typedef struct brk_route_srv {
    uint32_t server;          /* index in the pool */
    brk_seg *segs;
    uint32_t nsegs;
} brk_route_srv;

typedef struct brk_route_table {
    char *name;               /* typed: t_OFFLINE / t_REALTIME */
    brk_route_srv *srvs;      /* servers that reported the table */
    uint32_t nsrvs;
} brk_route_table;

typedef struct brk_routing {
    atomic_int refs;
    uint32_t nservers;
    bool *up;                 /* per server: its last status call answered */
    cJSON **status;           /* per server: its last status (NULL: never answered) */
    brk_route_table *tables;
    uint32_t ntables;
    int64_t built_ms;
} brk_routing;

/* Builds a snapshot from each server's parsed status (status[i] may be
 * NULL; the snapshot takes ownership of every element, not the array). */
brk_routing *brk_routing_build(uint32_t nservers, cJSON **status, const bool *up);
brk_routing *brk_routing_ref(brk_routing *r);
void brk_routing_unref(brk_routing *r);

/* The table's routing entry (typed name, case-insensitive), or NULL when
 * no server has reported it. */
const brk_route_table *brk_routing_find(const brk_routing *r, const char *typed);

/* Pinot's time boundary of a hybrid table: the latest end time over the
 * OFFLINE segments minus one day (one hour for an hourly-pushed table whose
 * time unit is not days), in the time column's unit (unit_ms per unit).
 * false when no OFFLINE segment has an end time. */
bool brk_routing_time_boundary(const brk_routing *r, const char *offline_typed,
                               int64_t unit_ms, bool hourly, int64_t *boundary);

/* The range of time-column values, in ms, that q's WHERE can match:
 * conjunctions of comparisons and BETWEEN of the time column (field index
 * time_col, unit_ms ms per unit) against number literals narrow it; any
 * other predicate leaves it whole. Bounds are inclusive and conservative. */
void brk_query_time_range(const qry_query *q, int time_col, int64_t unit_ms, int64_t *lo_ms,
                          int64_t *hi_ms);

/* Whether a segment may hold rows in [lo_ms, hi_ms]. Consuming segments
 * and segments without a time range always may. */
bool brk_seg_may_match(const brk_seg *s, int64_t lo_ms, int64_t hi_ms);

/* One segment's size as Pinot's TableSizeReader reports it: the sum over
 * the replicas that answered, the largest replica, and the estimate that
 * counts each silent replica at the largest size. */
typedef struct brk_seg_size {
    int64_t reported, estimated, max_per_replica;
} brk_seg_size;
/* sizes[k]: replica k's bytes, or -1 when its server did not answer. false
 * (every field -1, Pinot's "missing") when none answered. */
bool brk_segment_size(const int64_t *sizes, uint32_t n, brk_seg_size *out);

/* Pinot's /debug/routingTable shape for the snapshot: {"t_OFFLINE":
 * {"server name": ["seg", ...]}}; verbose adds per segment its time range,
 * documents and state, and per server whether it is up. Heap JSON text. */
char *brk_routing_json(const brk_routing *r, const char *const *server_names,
                       const char *only_table, bool verbose);

#endif
