/*
 * srv_stats.h: what a server front end counts about the queries it answers
 * (total, failed, a latency histogram), kept with atomics so worker threads
 * record without a lock, and rendered in Prometheus' text format for
 * GET /metrics.
 */
#ifndef SRV_STATS_H
#define SRV_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tn_common.h"

/* Upper bounds of the histogram's buckets in seconds; the last is +Inf. */
#define SRV_STATS_NBUCKETS 13

typedef struct srv_stats {
    atomic_uint_fast64_t queries, errors;
    atomic_uint_fast64_t sum_ns;
    atomic_uint_fast64_t buckets[SRV_STATS_NBUCKETS]; /* not cumulative */
} srv_stats;

void srv_stats_record(srv_stats *s, uint64_t elapsed_ns, bool failed);

/* Appends tannin_server_queries_total, tannin_server_query_errors_total and
 * the tannin_server_query_seconds histogram of n front ends, each labelled
 * protocol="<names[i]>" (one HELP/TYPE header per metric, as the format
 * requires). */
void srv_stats_render(const srv_stats *const *stats, const char *const *names, uint32_t n,
                      tn_buf *out);

#endif
