/*
 * tn_bench_http.c: `tannin bench http`: queries per second and latency of
 * one SQL query through a running broker's HTTP endpoint at several client
 * concurrencies, next to the same query run in-process over the same rows
 * in the same run, so the routing + HTTP overhead shows as a ratio.
 *
 * Each client is a thread with one keep-alive connection sending
 * POST /query/sql and reading the whole answer (Content-Length framed, as
 * the broker sends). Latencies are per request, wall clock.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "qry_reduce.h"
#include "seg_immutable.h"
#include "seg_mutable.h"
#include "tn_bench.h"
#include "tn_httpc.h"

typedef struct http_opts {
    char host[256];
    int port;
    const char *sql, *schema, *data;
    const char *user, *token;  /* Basic "user:password" / Bearer token (auth on) */
    uint32_t clients[8], nclients;
    double seconds;
} http_opts;

typedef struct client {
    const http_opts *o;
    const char *request;
    size_t request_len;
    uint64_t deadline_ns;
    uint64_t *lat_ns;          /* one per completed request */
    size_t nlat, cap;
    uint64_t errors;
    char first_error[200];
} client;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin bench http --url http://HOST:PORT --sql 'SELECT ...'\n"
            "                         [--clients 1,8,64] [--seconds S]\n"
            "                         [--user USER:PASSWORD (Basic) | --token T (Bearer)]\n"
            "                         [--schema S.json --data ROWS.jsonl]  (in-process comparison)\n");
    return 2;
}

static int parse_url(const char *url, http_opts *o)
{
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : url;
    const char *colon = strchr(p, ':');
    if (!colon || (size_t)(colon - p) >= sizeof o->host)
        return -1;
    memcpy(o->host, p, (size_t)(colon - p));
    o->host[colon - p] = 0;
    o->port = atoi(colon + 1);
    return o->port > 0 && o->port < 65536 ? 0 : -1;
}

static int parse_clients(const char *s, http_opts *o)
{
    o->nclients = 0;
    for (char *end; *s; s = *end ? end + 1 : end) {
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 1024 || (*end && *end != ',') ||
            o->nclients == TN_ARRAY_LEN(o->clients))
            return -1;
        o->clients[o->nclients++] = (uint32_t)v;
    }
    return o->nclients ? 0 : -1;
}

static bool response_ok(int status, const char *body, size_t len)
{
    return status == 200 && memmem(body, len, "\"exceptions\":[]", 15) != NULL;
}

static void *client_main(void *arg)
{
    client *c = arg;
    tn_buf buf = {0};
    int fd = tn_httpc_connect(c->o->host, c->o->port);
    while (fd >= 0 && tn_mono_ns() < c->deadline_ns) {
        uint64_t t0 = tn_mono_ns();
        const char *body = NULL;
        size_t blen = 0;
        int st = tn_httpc_request(fd, c->request, c->request_len, NULL, 0, &buf, &body, &blen);
        if (st < 0 || !response_ok(st, body, blen)) {
            if (!c->errors++)
                snprintf(c->first_error, sizeof c->first_error, "status %d: %.150s", st,
                         st < 0 ? "connection failed" : body);
            if (st < 0) {
                close(fd);
                fd = tn_httpc_connect(c->o->host, c->o->port);
            }
            continue;
        }
        if (c->nlat == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            c->lat_ns = tn_realloc(c->lat_ns, c->cap * sizeof *c->lat_ns);
        }
        c->lat_ns[c->nlat++] = tn_mono_ns() - t0;
    }
    if (fd < 0 && !c->errors++)
        snprintf(c->first_error, sizeof c->first_error, "cannot connect");
    if (fd >= 0)
        close(fd);
    tn_buf_free(&buf);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
    return n ? (double)v[(size_t)(p * (double)(n - 1))] / 1e6 : 0;
}

static char *build_request(const http_opts *o, size_t *len)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "sql", o->sql);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    size_t blen = strlen(body);
    char auth[640] = "";
    if (o->user) {
        char b64[480];
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)o->user,
                        (int)TN_MIN(strlen(o->user), 300));
        snprintf(auth, sizeof auth, "Authorization: Basic %s\r\n", b64);
    } else if (o->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %.500s\r\n", o->token);
    }
    char *req = tn_malloc(blen + 1200);
    int n = snprintf(req, 1200,
                     "POST /query/sql HTTP/1.1\r\nHost: %s:%d\r\n%s"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     o->host, o->port, auth, blen);
    memcpy(req + n, body, blen);
    free(body);
    *len = (size_t)n + blen;
    return req;
}

/* One concurrency level: prints a result line. Returns the p50 in ms. */
static double run_level(const http_opts *o, uint32_t nc, const char *req, size_t req_len)
{
    client *cs = tn_calloc(nc, sizeof *cs);
    pthread_t *th = tn_calloc(nc, sizeof *th);
    uint64_t t0 = tn_mono_ns(), deadline = t0 + (uint64_t)(o->seconds * 1e9);
    for (uint32_t i = 0; i < nc; i++) {
        cs[i] = (client){.o = o, .request = req, .request_len = req_len, .deadline_ns = deadline};
        pthread_create(&th[i], NULL, client_main, &cs[i]);
    }
    size_t total = 0;
    uint64_t errors = 0;
    for (uint32_t i = 0; i < nc; i++) {
        pthread_join(th[i], NULL);
        total += cs[i].nlat;
        errors += cs[i].errors;
    }
    double secs = (double)(tn_mono_ns() - t0) / 1e9;
    uint64_t *all = tn_malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (uint32_t i = 0; i < nc; i++) {
        memcpy(all + k, cs[i].lat_ns, cs[i].nlat * sizeof *all);
        k += cs[i].nlat;
    }
    qsort(all, total, sizeof *all, cmp_u64);
    double p50 = pct_ms(all, total, 0.50);
    printf("http      clients %-4u %9.0f q/s   p50 %7.3f ms   p99 %7.3f ms   errors %llu\n", nc,
           (double)total / secs, p50, pct_ms(all, total, 0.99), (unsigned long long)errors);
    for (uint32_t i = 0; i < nc; i++) {
        if (cs[i].errors && errors) {
            printf("          first error: %s\n", cs[i].first_error);
            errors = 0;
        }
        free(cs[i].lat_ns);
    }
    free(all);
    free(cs);
    free(th);
    return p50;
}

/* The in-process comparison: the rows as one sealed segment, the query
 * compiled, executed, reduced and rendered as JSON each time, as the
 * broker + server do minus routing and HTTP. Returns the p50 in ms. */
static double run_in_process(const http_opts *o)
{
    char err[TN_ERRLEN];
    seg_schema *schema;
    if (seg_schema_load_file(o->schema, &schema, err)) {
        fprintf(stderr, "bench http: %s\n", err);
        return -1;
    }
    seg_mutable_opts mo = {.name = "bench_0", .table = schema->name, .partition = -1,
                           .start_offset = -1};
    seg_mutable *m;
    seg_segment *seg = NULL;
    int rc = seg_mutable_create(schema, &mo, &m, err);
    FILE *f = rc ? NULL : fopen(o->data, "r");
    seg_row row;
    seg_row_init(&row, schema);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (f && !rc && (len = getline(&line, &cap, f)) > 1)
        rc = seg_row_parse_json(&row, line, (size_t)len, err) ? -1
           : seg_mutable_append(m, &row, -1, err);
    free(line);
    seg_row_free(&row);
    if (f)
        fclose(f);
    seg_image *img;
    if (!rc && f && !seg_seal(seg_mutable_base(m), seg_segment_ndocs(seg_mutable_base(m)),
                              NULL, &img, err))
        rc = seg_image_open(img, &seg, err);
    else
        rc = -1;
    if (m)
        seg_segment_release(seg_mutable_base(m));
    uint64_t lat[2000];
    size_t n = 0;
    uint64_t deadline = tn_mono_ns() + (uint64_t)(o->seconds * 1e9);
    while (!rc && n < TN_ARRAY_LEN(lat) && tn_mono_ns() < deadline) {
        uint64_t t0 = tn_mono_ns();
        qry_err qe = {0};
        qry_query *q;
        qry_partial p;
        qry_result r;
        qry_exec_opts xo = {.threads = 1};
        if (qry_compile(o->sql, QRY_HTTP, NULL, schema, &q, &qe) ||
            qry_execute(q, &seg, 1, &xo, &p, &qe)) {
            fprintf(stderr, "bench http: in-process query: %s\n", qe.msg);
            rc = -1;
            break;
        }
        qry_reduce(q, &p, &r, &qe);
        qry_partial_free(q, &p);
        qry_response_info info = {.servers_queried = 1, .servers_responded = 1};
        free(qry_response_json(&r, NULL, 0, &info));
        qry_result_free(&r);
        qry_query_free(q);
        lat[n++] = tn_mono_ns() - t0;
    }
    if (rc && f)
        fprintf(stderr, "bench http: in-process: %s\n", err);
    if (seg)
        seg_segment_release(seg);
    seg_schema_free(schema);
    if (rc)
        return -1;
    qsort(lat, n, sizeof *lat, cmp_u64);
    double p50 = pct_ms(lat, n, 0.5);
    printf("in-proc   1 thread    %9.0f q/s   p50 %7.3f ms   p99 %7.3f ms\n",
           p50 > 0 ? 1000.0 / p50 : 0, p50, pct_ms(lat, n, 0.99));
    return p50;
}

int tn_bench_http(int argc, char **argv)
{
    http_opts o = {.seconds = 3, .clients = {1, 8, 64}, .nclients = 3};
    const char *url = NULL;
    static const struct option longs[] = {
        {"url", 1, 0, 'u'},    {"sql", 1, 0, 'q'},     {"clients", 1, 0, 'c'},
        {"seconds", 1, 0, 't'}, {"schema", 1, 0, 's'}, {"data", 1, 0, 'd'},
        {"user", 1, 0, 'U'},   {"token", 1, 0, 'K'},
        {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'u': url = optarg; break;
        case 'q': o.sql = optarg; break;
        case 'c':
            if (parse_clients(optarg, &o))
                return usage();
            break;
        case 't': o.seconds = atof(optarg); break;
        case 's': o.schema = optarg; break;
        case 'd': o.data = optarg; break;
        case 'U': o.user = optarg; break;
        case 'K': o.token = optarg; break;
        default: return usage();
        }
    }
    if (!url || !o.sql || optind != argc || o.seconds <= 0 || o.seconds > 600 ||
        parse_url(url, &o) || (!o.schema != !o.data))
        return usage();
    size_t req_len;
    char *req = build_request(&o, &req_len);
    printf("query: %s\n", o.sql);
    double base = o.schema ? run_in_process(&o) : -1;
    double p50_1 = -1;
    for (uint32_t i = 0; i < o.nclients; i++) {
        double p = run_level(&o, o.clients[i], req, req_len);
        if (o.clients[i] == 1)
            p50_1 = p;
    }
    if (base > 0 && p50_1 > 0)
        printf("overhead  p50 at 1 client minus in-process p50: %.3f ms (%.2fx)\n",
               p50_1 - base, p50_1 / base);
    free(req);
    return 0;
}
