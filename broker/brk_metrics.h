/*
 * brk_metrics.h: the broker's counters, in Prometheus text format at
 * GET /metrics: queries, errors by Pinot code, query latency histogram,
 * failed server calls per server, HTTP requests, queue rejections and
 * depth. Updated with relaxed atomics from any thread.
 */
#ifndef BRK_METRICS_H
#define BRK_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#define BRK_LATENCY_BUCKETS 14
#define BRK_ERROR_CODES 24

typedef struct brk_metrics {
    atomic_uint_fast64_t queries;
    atomic_uint_fast64_t query_errors;            /* queries with any exception */
    atomic_uint_fast64_t partial;                 /* partialResult true */
    atomic_uint_fast64_t errors_by_code[BRK_ERROR_CODES];
    atomic_uint_fast64_t latency[BRK_LATENCY_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t latency_sum_us;
    atomic_uint_fast64_t http_requests;
    atomic_uint_fast64_t admin_requests;
    atomic_uint_fast64_t rejected;                /* queue full */
    atomic_uint_fast64_t routing_refreshes;
    atomic_uint_fast64_t table_pushes;
    atomic_int_fast64_t queue_depth;              /* waiting + running */
    uint32_t nservers;
    atomic_uint_fast64_t *server_failures;        /* per server */
} brk_metrics;

void brk_metrics_init(brk_metrics *m, uint32_t nservers);
void brk_metrics_free(brk_metrics *m);

/* One finished query: its time and the Pinot code of its first exception
 * (0 = none). */
void brk_metrics_query(brk_metrics *m, uint64_t elapsed_us, int first_error, int partial);
void brk_metrics_server_failure(brk_metrics *m, uint32_t server);

/* Prometheus text exposition (heap string). server_names[i] labels
 * server i. */
char *brk_metrics_text(const brk_metrics *m, const char *const *server_names);

#endif
