/*
 * tn_bench_queries.c: `tannin bench queries`: a load test of a running
 * broker with a file of SQL statements (a dashboard's panels, a query log),
 * replayed round-robin through POST /query/sql.
 *
 *   closed loop (default): C client threads, one keep-alive connection
 *     each, send back to back; the answer to "how many queries/s at this
 *     concurrency, at what latency".
 *   open loop (--qps R): request k is due at start + k/R, request k goes to
 *     client k mod C; latency is measured from the due time, not the send
 *     time, so a stall shows as the latency every request queued behind it
 *     would have seen (no coordinated omission). If the clients fall behind
 *     the schedule the summary says the rate was not sustained.
 *
 * Latencies of answered queries go into per-thread HDR-style histograms
 * (tn_hist, microseconds), one overall and one per query, merged at the
 * end. Errors are counted by kind (tn_sqlc): transport, HTTP status, and
 * Pinot exceptions in a 200 answer; the first message of each is printed.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tn_bench.h"
#include "tn_hist.h"
#include "tn_httpc.h"
#include "tn_sqlc.h"

#define BQS_MAX_CLIENTS 1024
#define BQS_MSG 256

typedef struct bqs_opts {
    const char *url, *file, *json_out;
    char host[256];
    int port;
    int concurrency;
    double duration, warmup; /* seconds */
    double qps;              /* 0: closed loop */
    bool quiet;
} bqs_opts;

typedef struct bqs_query {
    char *sql;
    int line;
    char *req; /* the whole HTTP request */
    size_t req_len;
} bqs_query;

typedef struct bqs_qstat {
    tn_hist lat;
    uint64_t errors;
} bqs_qstat;

/* The first error of one kind a client saw. */
typedef struct bqs_first {
    uint64_t at_ns; /* 0: none */
    int line;
    char msg[BQS_MSG];
} bqs_first;

typedef struct bqs_run bqs_run;

typedef struct bqs_client {
    bqs_run *run;
    int id;
    tn_hist lat;
    bqs_qstat *perq;
    uint64_t ok, errors[TN_SQLC_NKINDS];
    bqs_first first[TN_SQLC_NKINDS];
    uint64_t unsent;     /* open loop: due in the run, never sent */
    uint64_t max_lag_ns; /* open loop: latest send behind its due time */
} bqs_client;

struct bqs_run {
    const bqs_opts *o;
    bqs_query *qs;
    size_t nq;
    uint64_t t0, t_measure, t_end; /* monotonic ns */
    atomic_uint_fast64_t done, errs; /* every answered request, for progress */
};

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin bench queries --broker http://HOST:PORT --queries FILE\n"
            "           [--concurrency C] (--duration S | --qps R [--duration S])\n"
            "           [--warmup S] [--json OUT] [--quiet]\n"
            "  FILE: one SQL statement per line (blank lines, # and -- comments skipped)\n"
            "        or JSON lines with a \"sql\" field; replayed round-robin\n"
            "  closed loop (default): C clients send back to back for S seconds\n"
            "  open loop (--qps R): R requests/s over C connections (default S 10),\n"
            "        latency from each request's scheduled time\n");
    return 2;
}

/* ---- options and the query file -------------------------------------- */

static int parse_opts(int argc, char **argv, bqs_opts *o)
{
    static const struct option longs[] = {
        {"broker", 1, 0, 'b'},  {"queries", 1, 0, 'f'}, {"concurrency", 1, 0, 'c'},
        {"duration", 1, 0, 'd'}, {"qps", 1, 0, 'r'},    {"warmup", 1, 0, 'w'},
        {"json", 1, 0, 'j'},    {"quiet", 0, 0, 'q'},   {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    *o = (bqs_opts){.concurrency = 1};
    double c = 1;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case 'b': o->url = optarg; break;
        case 'f': o->file = optarg; break;
        case 'c': bad = tn_bench_num_arg(optarg, 1, BQS_MAX_CLIENTS, &c); break;
        case 'd': bad = tn_bench_num_arg(optarg, 0.001, 86400, &o->duration); break;
        case 'r': bad = tn_bench_num_arg(optarg, 0.001, 1e7, &o->qps); break;
        case 'w': bad = tn_bench_num_arg(optarg, 0, 3600, &o->warmup); break;
        case 'j': o->json_out = optarg; break;
        case 'q': o->quiet = true; break;
        default: return usage();
        }
        if (bad) {
            const struct option *l = longs;
            while (l->val != ch)
                l++;
            fprintf(stderr, "bench queries: bad value '%s' for --%s\n", optarg, l->name);
            return usage();
        }
    }
    o->concurrency = (int)c;
    if (optind != argc || !o->url || !o->file || (!o->duration && !o->qps) ||
        c != (double)o->concurrency)
        return usage();
    char err[TN_ERRLEN];
    if (tn_sqlc_parse_url(o->url, o->host, sizeof o->host, &o->port, err)) {
        fprintf(stderr, "bench queries: --broker: %s\n", err);
        return 2;
    }
    if (!o->duration)
        o->duration = 10;
    return 0;
}

/* One line of the file: SQL text or a JSON object with "sql". NULL with
 * err set when a JSON line has no sql; "" (static) when the line is not a
 * statement. */
static char *line_sql(char *s, char *err)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == ';'))
        s[--n] = 0;
    if (!n || s[0] == '#' || !strncmp(s, "--", 2))
        return "";
    if (s[0] != '{')
        return tn_strdup(s);
    cJSON *j = cJSON_Parse(s);
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(j, "sql");
    char *out = cJSON_IsString(sql) && sql->valuestring[0] ? tn_strdup(sql->valuestring) : NULL;
    if (!out)
        tn_err(err, TN_EINVAL, j ? "a JSON line without a \"sql\" string" : "not valid JSON");
    cJSON_Delete(j);
    return out;
}

static void free_queries(bqs_query *qs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(qs[i].sql);
        free(qs[i].req);
    }
    free(qs);
}

static int load_queries(const bqs_opts *o, bqs_query **out, size_t *nout)
{
    char *text, err[TN_ERRLEN];
    size_t len, n = 0;
    if (tn_read_file(o->file, &text, &len, err)) {
        fprintf(stderr, "bench queries: %s\n", err);
        return -1;
    }
    bqs_query *qs = NULL;
    int line = 0, rc = 0;
    /* strsep keeps empty lines, so line numbers stay right */
    for (char *p = text; p && !rc;) {
        char *l = strsep(&p, "\n");
        line++;
        char *sql = line_sql(l, err);
        if (!sql) {
            fprintf(stderr, "bench queries: %s:%d: %s\n", o->file, line, err);
            rc = -1;
        } else if (sql[0]) {
            qs = tn_realloc(qs, (n + 1) * sizeof *qs);
            qs[n] = (bqs_query){.sql = sql, .line = line};
            qs[n].req = tn_sqlc_build(o->host, o->port, sql, &qs[n].req_len);
            n++;
        }
    }
    free(text);
    if (!rc && !n) {
        fprintf(stderr, "bench queries: %s holds no queries (only blank lines and comments)\n",
                o->file);
        rc = -1;
    }
    if (rc) {
        free_queries(qs, n);
        return -1;
    }
    *out = qs;
    *nout = n;
    return 0;
}

/* ---- the clients ---------------------------------------------------- */

/* Sends query qi; when it counts (measure), records latency from since_ns
 * or the error. Returns the answer's kind. */
static tn_sqlc_kind one_request(bqs_client *c, tn_sqlc *conn, size_t qi, uint64_t since_ns,
                                bool measure)
{
    bqs_run *r = c->run;
    const bqs_query *q = &r->qs[qi];
    const char *body;
    size_t blen;
    char msg[BQS_MSG];
    tn_sqlc_kind k = tn_sqlc_send(conn, q->req, q->req_len, &body, &blen, msg, sizeof msg);
    uint64_t now = tn_mono_ns();
    atomic_fetch_add_explicit(&r->done, 1, memory_order_relaxed);
    if (k != TN_SQLC_OK)
        atomic_fetch_add_explicit(&r->errs, 1, memory_order_relaxed);
    if (!measure)
        return k;
    if (k == TN_SQLC_OK) {
        uint64_t us = (now - since_ns + 500) / 1000;
        c->ok++;
        tn_hist_record(&c->lat, us);
        tn_hist_record(&c->perq[qi].lat, us);
        return k;
    }
    c->perq[qi].errors++;
    if (c->errors[k]++ == 0) {
        c->first[k].at_ns = now;
        c->first[k].line = q->line;
        snprintf(c->first[k].msg, sizeof c->first[k].msg, "%s", msg);
    }
    return k;
}

static void *closed_loop(void *arg)
{
    bqs_client *c = arg;
    bqs_run *r = c->run;
    tn_sqlc conn;
    tn_sqlc_init(&conn, r->o->host, r->o->port);
    /* clients start spread over the file, so C clients do not all send
     * the same query at once */
    size_t step = TN_MAX(r->nq / (size_t)r->o->concurrency, 1);
    size_t qi = ((size_t)c->id * step) % r->nq;
    for (uint64_t t = tn_mono_ns(); t < r->t_end; t = tn_mono_ns()) {
        if (one_request(c, &conn, qi, t, t >= r->t_measure) == TN_SQLC_TRANSPORT)
            usleep(10000); /* broker down: do not spin */
        qi = (qi + 1) % r->nq;
    }
    tn_sqlc_close(&conn);
    return NULL;
}

static void *open_loop(void *arg)
{
    bqs_client *c = arg;
    bqs_run *r = c->run;
    tn_sqlc conn;
    tn_sqlc_init(&conn, r->o->host, r->o->port);
    const double interval = 1e9 / r->o->qps;
    const uint64_t nc = (uint64_t)r->o->concurrency;
    for (uint64_t k = (uint64_t)c->id;; k += nc) {
        uint64_t due = r->t0 + (uint64_t)((double)k * interval);
        if (due >= r->t_end)
            break;
        uint64_t now = tn_mono_ns();
        if (now >= r->t_end) { /* behind schedule at the end: the rest is unsent */
            c->unsent += 1 + (uint64_t)((double)(r->t_end - 1 - due) / (interval * (double)nc));
            break;
        }
        if (now < due)
            tn_bench_sleep_until(due);
        else if (due >= r->t_measure && now - due > c->max_lag_ns)
            c->max_lag_ns = now - due;
        one_request(c, &conn, k % r->nq, due, due >= r->t_measure);
    }
    tn_sqlc_close(&conn);
    return NULL;
}

/* ---- progress, summary, JSON ------------------------------------------ */

/* A line per second on stderr until the run's end. */
static void progress(bqs_run *r)
{
    uint64_t last_done = 0;
    for (int s = 1;; s++) {
        uint64_t at = r->t0 + (uint64_t)s * 1000000000ull;
        if (at > r->t_end)
            break;
        tn_bench_sleep_until(at);
        uint64_t done = atomic_load(&r->done), errs = atomic_load(&r->errs);
        if (!r->o->quiet)
            fprintf(stderr, "[%4ds%s] completed %8llu   %7llu q/s   errors %llu\n", s,
                    at <= r->t_measure ? " warm-up" : "", (unsigned long long)done,
                    (unsigned long long)(done - last_done), (unsigned long long)errs);
        last_done = done;
    }
}

typedef struct bqs_total {
    tn_hist lat;
    bqs_qstat *perq;
    uint64_t ok, errors[TN_SQLC_NKINDS], nerr, unsent, max_lag_ns;
    bqs_first first[TN_SQLC_NKINDS];
    double elapsed_s;
} bqs_total;

static void merge_clients(const bqs_run *r, bqs_client *cs, bqs_total *t)
{
    tn_hist_init(&t->lat);
    t->perq = tn_calloc(r->nq, sizeof *t->perq);
    for (size_t q = 0; q < r->nq; q++)
        tn_hist_init(&t->perq[q].lat);
    for (int i = 0; i < r->o->concurrency; i++) {
        bqs_client *c = &cs[i];
        tn_hist_merge(&t->lat, &c->lat);
        for (size_t q = 0; q < r->nq; q++) {
            tn_hist_merge(&t->perq[q].lat, &c->perq[q].lat);
            t->perq[q].errors += c->perq[q].errors;
        }
        t->ok += c->ok;
        t->unsent += c->unsent;
        t->max_lag_ns = TN_MAX(t->max_lag_ns, c->max_lag_ns);
        for (int k = 1; k < TN_SQLC_NKINDS; k++) {
            t->errors[k] += c->errors[k];
            t->nerr += c->errors[k];
            if (c->first[k].at_ns && (!t->first[k].at_ns || c->first[k].at_ns < t->first[k].at_ns))
                t->first[k] = c->first[k];
        }
    }
}

static void free_total(const bqs_run *r, bqs_total *t)
{
    tn_hist_free(&t->lat);
    for (size_t q = 0; q < r->nq; q++)
        tn_hist_free(&t->perq[q].lat);
    free(t->perq);
}

static double ms(uint64_t us) { return (double)us / 1000.0; }

/* Open loop: sustained when every due request was sent and the rate
 * achieved is within 5 % of the target. */
static bool sustained(const bqs_run *r, const bqs_total *t)
{
    double achieved = (double)(t->ok + t->nerr) / r->o->duration;
    return t->unsent == 0 && achieved >= 0.95 * r->o->qps;
}

static void print_per_query(const bqs_run *r, const bqs_total *t)
{
    size_t slowest = 0;
    for (size_t q = 1; q < r->nq; q++)
        if (tn_hist_percentile(&t->perq[q].lat, 99) >
            tn_hist_percentile(&t->perq[slowest].lat, 99))
            slowest = q;
    printf("per query (line in %s):\n  %6s %9s %7s %10s %10s  sql\n", r->o->file, "line",
           "count", "errors", "p50 ms", "p99 ms");
    for (size_t q = 0; q < r->nq; q++) {
        const bqs_qstat *s = &t->perq[q];
        printf("  %6d %9llu %7llu %10.3f %10.3f  %.70s%s%s\n", r->qs[q].line,
               (unsigned long long)s->lat.total, (unsigned long long)s->errors,
               ms(tn_hist_percentile(&s->lat, 50)), ms(tn_hist_percentile(&s->lat, 99)),
               r->qs[q].sql, strlen(r->qs[q].sql) > 70 ? "..." : "",
               r->nq > 1 && q == slowest && s->lat.total ? "   <- slowest p99" : "");
    }
}

static void print_summary(const bqs_run *r, const bqs_total *t)
{
    const bqs_opts *o = r->o;
    uint64_t n = t->ok + t->nerr;
    printf("bench queries: %s, %zu queries from %s, %s, %d connection%s, %.1f s measured "
           "(after %.1f s warm-up)\n",
           o->url, r->nq, o->file, o->qps ? "open loop" : "closed loop", o->concurrency,
           o->concurrency == 1 ? "" : "s", t->elapsed_s, o->warmup);
    printf("requests   %llu   %.1f q/s   ok %llu   errors %llu (transport %llu, http %llu, "
           "exceptions %llu)\n",
           (unsigned long long)n, (double)n / t->elapsed_s, (unsigned long long)t->ok,
           (unsigned long long)t->nerr, (unsigned long long)t->errors[TN_SQLC_TRANSPORT],
           (unsigned long long)t->errors[TN_SQLC_HTTP],
           (unsigned long long)t->errors[TN_SQLC_EXCEPTION]);
    const tn_hist *h = &t->lat;
    printf("latency ms mean %.3f   p50 %.3f   p90 %.3f   p99 %.3f   p99.9 %.3f   max %.3f"
           "   (%llu answered%s)\n",
           tn_hist_mean(h) / 1000, ms(tn_hist_percentile(h, 50)), ms(tn_hist_percentile(h, 90)),
           ms(tn_hist_percentile(h, 99)), ms(tn_hist_percentile(h, 99.9)),
           ms(tn_hist_percentile(h, 100)), (unsigned long long)h->total,
           o->qps ? ", from the scheduled send time" : "");
    if (o->qps)
        printf("open loop  target %.1f q/s, achieved %.1f q/s, %llu due but never sent, "
               "sends up to %.3f ms behind schedule: target %s\n",
               o->qps, (double)n / o->duration, (unsigned long long)t->unsent,
               (double)t->max_lag_ns / 1e6, sustained(r, t) ? "sustained" : "NOT sustained");
    for (int k = 1; k < TN_SQLC_NKINDS; k++)
        if (t->errors[k])
            printf("first %s error (line %d): %s\n", tn_sqlc_kind_names[k], t->first[k].line,
                   t->first[k].msg);
    print_per_query(r, t);
}

static cJSON *json_report(const bqs_run *r, const bqs_total *t)
{
    const bqs_opts *o = r->o;
    uint64_t n = t->ok + t->nerr;
    cJSON *j = cJSON_CreateObject(), *cfg = cJSON_AddObjectToObject(j, "config");
    cJSON_AddStringToObject(j, "tool", "bench queries");
    cJSON_AddStringToObject(cfg, "broker", o->url);
    cJSON_AddStringToObject(cfg, "queries_file", o->file);
    cJSON_AddNumberToObject(cfg, "queries", (double)r->nq);
    cJSON_AddStringToObject(cfg, "mode", o->qps ? "open" : "closed");
    cJSON_AddNumberToObject(cfg, "concurrency", o->concurrency);
    cJSON_AddNumberToObject(cfg, "duration_s", o->duration);
    cJSON_AddNumberToObject(cfg, "warmup_s", o->warmup);
    if (o->qps)
        cJSON_AddNumberToObject(cfg, "target_qps", o->qps);
    cJSON_AddNumberToObject(j, "elapsed_s", t->elapsed_s);
    cJSON_AddNumberToObject(j, "requests", (double)n);
    cJSON_AddNumberToObject(j, "ok", (double)t->ok);
    cJSON_AddNumberToObject(j, "qps", (double)n / t->elapsed_s);
    cJSON_AddNumberToObject(j, "ok_qps", (double)t->ok / t->elapsed_s);
    cJSON *e = cJSON_AddObjectToObject(j, "errors");
    cJSON_AddNumberToObject(e, "total", (double)t->nerr);
    for (int k = 1; k < TN_SQLC_NKINDS; k++) {
        cJSON_AddNumberToObject(e, tn_sqlc_kind_names[k], (double)t->errors[k]);
        if (t->errors[k]) {
            char key[64];
            snprintf(key, sizeof key, "first_%s", tn_sqlc_kind_names[k]);
            cJSON *f = cJSON_AddObjectToObject(e, key);
            cJSON_AddNumberToObject(f, "line", t->first[k].line);
            cJSON_AddStringToObject(f, "message", t->first[k].msg);
        }
    }
    tn_hist_add_json(&t->lat, cJSON_AddObjectToObject(j, "latency_ms"), 1000);
    if (o->qps) {
        cJSON *ol = cJSON_AddObjectToObject(j, "open_loop");
        cJSON_AddNumberToObject(ol, "achieved_qps", (double)n / o->duration);
        cJSON_AddNumberToObject(ol, "unsent", (double)t->unsent);
        cJSON_AddNumberToObject(ol, "max_send_lag_ms", (double)t->max_lag_ns / 1e6);
        cJSON_AddBoolToObject(ol, "sustained", sustained(r, t));
    }
    cJSON *qa = cJSON_AddArrayToObject(j, "queries");
    for (size_t q = 0; q < r->nq; q++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "line", r->qs[q].line);
        cJSON_AddStringToObject(x, "sql", r->qs[q].sql);
        cJSON_AddNumberToObject(x, "errors", (double)t->perq[q].errors);
        tn_hist_add_json(&t->perq[q].lat, x, 1000);
        cJSON_AddItemToArray(qa, x);
    }
    return j;
}

/* ---- the run ---------------------------------------------------------- */

static void run_clients(bqs_run *r, bqs_client *cs)
{
    const bqs_opts *o = r->o;
    pthread_t *th = tn_calloc((size_t)o->concurrency, sizeof *th);
    r->t0 = tn_mono_ns();
    r->t_measure = r->t0 + (uint64_t)(o->warmup * 1e9);
    r->t_end = r->t_measure + (uint64_t)(o->duration * 1e9);
    for (int i = 0; i < o->concurrency; i++) {
        cs[i].run = r;
        cs[i].id = i;
        tn_hist_init(&cs[i].lat);
        cs[i].perq = tn_calloc(r->nq, sizeof *cs[i].perq);
        for (size_t q = 0; q < r->nq; q++)
            tn_hist_init(&cs[i].perq[q].lat);
        pthread_create(&th[i], NULL, o->qps ? open_loop : closed_loop, &cs[i]);
    }
    progress(r);
    for (int i = 0; i < o->concurrency; i++)
        pthread_join(th[i], NULL);
    free(th);
}

static void free_clients(const bqs_run *r, bqs_client *cs)
{
    for (int i = 0; i < r->o->concurrency; i++) {
        tn_hist_free(&cs[i].lat);
        for (size_t q = 0; q < r->nq; q++)
            tn_hist_free(&cs[i].perq[q].lat);
        free(cs[i].perq);
    }
    free(cs);
}

int tn_bench_queries(int argc, char **argv)
{
    bqs_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    bqs_run r = {.o = &o};
    if (load_queries(&o, &r.qs, &r.nq))
        return 1;
    int fd = tn_httpc_connect(o.host, o.port);
    if (fd < 0) {
        fprintf(stderr, "bench queries: cannot connect to the broker at %s:%d\n", o.host, o.port);
        free_queries(r.qs, r.nq);
        return 1;
    }
    close(fd);
    bqs_client *cs = tn_calloc((size_t)o.concurrency, sizeof *cs);
    run_clients(&r, cs);
    bqs_total t = {0};
    /* closed loop: until the last answer; open loop: the schedule's window */
    t.elapsed_s = o.qps ? o.duration : (double)(tn_mono_ns() - r.t_measure) / 1e9;
    merge_clients(&r, cs, &t);
    print_summary(&r, &t);
    rc = t.ok ? 0 : 1;
    if (!t.ok)
        fprintf(stderr, "bench queries: no query was answered without error\n");
    if (o.json_out) {
        cJSON *j = json_report(&r, &t);
        if (tn_bench_write_json("bench queries", o.json_out, j))
            rc = 1;
        cJSON_Delete(j);
    }
    free_total(&r, &t);
    free_clients(&r, cs);
    free_queries(r.qs, r.nq);
    return rc;
}
