/*
 * brk_metrics.c: broker counters and their Prometheus rendering.
 */
#include "brk_metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_common.h"

/* Upper bounds of the latency buckets, in milliseconds. */
static const double bucket_ms[BRK_LATENCY_BUCKETS] = {1,   2.5,  5,    10,   25,   50,   100,
                                                      250, 500, 1000, 2500, 5000, 10000, 30000};

/* Pinot error codes with their own counter; anything else counts as the
 * last slot ("other"). */
static const int codes[BRK_ERROR_CODES] = {100, 150, 180, 190, 200, 210, 230, 235,
                                           240, 245, 250, 305, 400, 410, 425, 427,
                                           429, 450, 500, 503, 700, 710, 720, 0};

void brk_metrics_init(brk_metrics *m, uint32_t nservers)
{
    memset(m, 0, sizeof *m);
    m->nservers = nservers;
    m->server_failures = tn_calloc(nservers + 1, sizeof *m->server_failures);
}

void brk_metrics_free(brk_metrics *m)
{
    free(m->server_failures);
    m->server_failures = NULL;
}

static int code_slot(int code)
{
    for (int i = 0; i < BRK_ERROR_CODES - 1; i++)
        if (codes[i] == code)
            return i;
    return BRK_ERROR_CODES - 1;
}

void brk_metrics_query(brk_metrics *m, uint64_t elapsed_us, int first_error, int partial)
{
    atomic_fetch_add_explicit(&m->queries, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_us, elapsed_us, memory_order_relaxed);
    int b = 0;
    while (b < BRK_LATENCY_BUCKETS && (double)elapsed_us > bucket_ms[b] * 1000)
        b++;
    atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
    if (first_error) {
        atomic_fetch_add_explicit(&m->query_errors, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->errors_by_code[code_slot(first_error)], 1,
                                  memory_order_relaxed);
    }
    if (partial)
        atomic_fetch_add_explicit(&m->partial, 1, memory_order_relaxed);
}

void brk_metrics_server_failure(brk_metrics *m, uint32_t server)
{
    if (server < m->nservers)
        atomic_fetch_add_explicit(&m->server_failures[server], 1, memory_order_relaxed);
}

static void add(tn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(tn_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    tn_buf_append(b, tmp, (size_t)TN_MIN(n, (int)sizeof tmp - 1));
}

static uint64_t get(const atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void counter(tn_buf *b, const char *name, const char *help, uint64_t v)
{
    add(b, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n", name, help, name, name, v);
}

static void latency(tn_buf *b, const brk_metrics *m)
{
    add(b, "# HELP tannin_broker_query_latency_seconds Query time from arrival to response.\n"
           "# TYPE tannin_broker_query_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (int i = 0; i < BRK_LATENCY_BUCKETS; i++) {
        cum += get(&m->latency[i]);
        add(b, "tannin_broker_query_latency_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
            bucket_ms[i] / 1000, cum);
    }
    cum += get(&m->latency[BRK_LATENCY_BUCKETS]);
    add(b, "tannin_broker_query_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", cum);
    add(b, "tannin_broker_query_latency_seconds_sum %.6f\n",
        (double)get(&m->latency_sum_us) / 1e6);
    add(b, "tannin_broker_query_latency_seconds_count %" PRIu64 "\n", cum);
}

static void errors(tn_buf *b, const brk_metrics *m)
{
    add(b, "# HELP tannin_broker_query_errors_by_code_total Queries by the Pinot code of "
           "their first exception.\n# TYPE tannin_broker_query_errors_by_code_total counter\n");
    for (int i = 0; i < BRK_ERROR_CODES; i++) {
        uint64_t v = get(&m->errors_by_code[i]);
        if (!v)
            continue;
        if (codes[i])
            add(b, "tannin_broker_query_errors_by_code_total{code=\"%d\"} %" PRIu64 "\n",
                codes[i], v);
        else
            add(b, "tannin_broker_query_errors_by_code_total{code=\"other\"} %" PRIu64 "\n", v);
    }
}

char *brk_metrics_text(const brk_metrics *m, const char *const *server_names)
{
    tn_buf b = {0};
    counter(&b, "tannin_broker_queries_total", "SQL queries answered.", get(&m->queries));
    counter(&b, "tannin_broker_query_errors_total", "Queries answered with an exception.",
            get(&m->query_errors));
    counter(&b, "tannin_broker_partial_results_total", "Queries answered with partialResult.",
            get(&m->partial));
    errors(&b, m);
    latency(&b, m);
    add(&b, "# HELP tannin_broker_server_failures_total Server calls that failed or timed "
            "out.\n# TYPE tannin_broker_server_failures_total counter\n");
    for (uint32_t i = 0; i < m->nservers; i++)
        add(&b, "tannin_broker_server_failures_total{server=\"%s\"} %" PRIu64 "\n",
            server_names[i], get(&m->server_failures[i]));
    counter(&b, "tannin_broker_http_requests_total", "HTTP requests received.",
            get(&m->http_requests));
    counter(&b, "tannin_broker_admin_requests_total", "Admin REST requests received.",
            get(&m->admin_requests));
    counter(&b, "tannin_broker_rejected_total", "Requests rejected because the queue was full.",
            get(&m->rejected));
    counter(&b, "tannin_broker_routing_refreshes_total", "Routing table refreshes.",
            get(&m->routing_refreshes));
    counter(&b, "tannin_broker_table_pushes_total", "Table configs pushed to servers.",
            get(&m->table_pushes));
    add(&b, "# HELP tannin_broker_queue_depth Requests queued or running on workers.\n"
            "# TYPE tannin_broker_queue_depth gauge\ntannin_broker_queue_depth %" PRId64 "\n",
        (int64_t)atomic_load_explicit(&m->queue_depth, memory_order_relaxed));
    tn_buf_append(&b, "", 1);
    return (char *)b.data;
}
