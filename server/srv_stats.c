/*
 * srv_stats.c: query counters and latency histogram of a server front end,
 * rendered as Prometheus text (srv_stats.h).
 */
#include "srv_stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const double bucket_le[SRV_STATS_NBUCKETS - 1] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

void srv_stats_record(srv_stats *s, uint64_t elapsed_ns, bool failed)
{
    double secs = (double)elapsed_ns / 1e9;
    uint32_t b = 0;
    while (b < SRV_STATS_NBUCKETS - 1 && secs > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, elapsed_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->queries, 1, memory_order_relaxed);
    if (failed)
        atomic_fetch_add_explicit(&s->errors, 1, memory_order_relaxed);
}

static void putf(tn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(tn_buf *b, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        tn_buf_append(b, line, TN_MIN((size_t)n, sizeof line - 1));
}

static uint64_t get(const atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_histogram(const srv_stats *s, const char *name, tn_buf *out)
{
    uint64_t cum = 0;
    for (uint32_t b = 0; b < SRV_STATS_NBUCKETS; b++) {
        cum += get(&s->buckets[b]);
        if (b < SRV_STATS_NBUCKETS - 1)
            putf(out, "tannin_server_query_seconds_bucket{protocol=\"%s\",le=\"%g\"} %llu\n",
                 name, bucket_le[b], (unsigned long long)cum);
        else
            putf(out, "tannin_server_query_seconds_bucket{protocol=\"%s\",le=\"+Inf\"} %llu\n",
                 name, (unsigned long long)cum);
    }
    putf(out, "tannin_server_query_seconds_sum{protocol=\"%s\"} %.6f\n", name,
         (double)get(&s->sum_ns) / 1e9);
    putf(out, "tannin_server_query_seconds_count{protocol=\"%s\"} %llu\n", name,
         (unsigned long long)cum);
}

void srv_stats_render(const srv_stats *const *stats, const char *const *names, uint32_t n,
                      tn_buf *out)
{
    putf(out, "# HELP tannin_server_queries_total Queries this server answered.\n"
              "# TYPE tannin_server_queries_total counter\n");
    for (uint32_t i = 0; i < n; i++)
        putf(out, "tannin_server_queries_total{protocol=\"%s\"} %llu\n", names[i],
             (unsigned long long)get(&stats[i]->queries));
    putf(out, "# HELP tannin_server_query_errors_total Queries that ended in an error.\n"
              "# TYPE tannin_server_query_errors_total counter\n");
    for (uint32_t i = 0; i < n; i++)
        putf(out, "tannin_server_query_errors_total{protocol=\"%s\"} %llu\n", names[i],
             (unsigned long long)get(&stats[i]->errors));
    putf(out, "# HELP tannin_server_query_seconds Time from request to answer.\n"
              "# TYPE tannin_server_query_seconds histogram\n");
    for (uint32_t i = 0; i < n; i++)
        render_histogram(stats[i], names[i], out);
}
