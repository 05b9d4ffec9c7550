/*
 * test_srv_service.c: the binary protocol end to end on loopback: a real
 * srv_node with an OFFLINE table (ingested from JSON lines), the service
 * on an ephemeral port, and the broker's side played by the same code the
 * broker uses to reduce (qry_partial_deserialize + qry_reduce) over
 * brk_pool calls. Checks answers, concurrency, errors with Pinot's codes,
 * the hybrid time boundary, hostile bytes on a raw socket, a service that
 * stops mid-flight and comes back, and timeouts. The client pool lives in
 * broker/brk_client.c, compiled into this test (the server library does
 * not link the broker's).
 *
 * TN_SRV_BENCH=1 also measures round trips (10,000 calls on 1 and 8
 * threads) against the same query run in-process.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "brk_client.h"
#include "qry_reduce.h"
#include "srv_service.h"
#include "tn_wire.h"

#define NROWS 3000
#define TS0 1700000000000LL

static const char schema_json[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"},"
    "{\"name\":\"k\",\"dataType\":\"INT\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

static const char table_json[] =
    "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\","
    "\"segmentsConfig\":{\"timeColumnName\":\"ts\",\"replication\":\"1\"},"
    "\"tableIndexConfig\":{},\"metadata\":{}}";

static char dir[64];
static srv_node *node;
static srv_service *svc;
static brk_pool *pool;
static int port;
static seg_schema *schema;   /* the test's own copy, to compile for reduce */
static int64_t clicks_total; /* SUM(clicks) over every row */

/* ---- fixture ---------------------------------------------------------------- */

static char *make_rows(size_t *len)
{
    tn_buf b = {0};
    char line[160];
    static const char *const countries[] = {"fr", "de", "us", "jp"};
    for (int r = 0; r < NROWS; r++) {
        int n = snprintf(line, sizeof line,
                         "{\"country\":\"%s\",\"k\":%d,\"clicks\":%d,\"ts\":%lld}\n",
                         countries[r % 4], r % 17, r % 10, (long long)(TS0 + r * 1000LL));
        tn_buf_append(&b, line, (size_t)n);
        clicks_total += r % 10;
    }
    tn_buf_append(&b, "", 1);
    *len = b.len - 1;
    return (char *)b.data;
}

static void start_service(int want_port)
{
    char err[TN_ERRLEN];
    int rc = srv_service_start(node, "127.0.0.1", want_port, 4, &svc, err);
    ck_assert_msg(rc == 0, "service: %s", err);
    port = srv_service_port(svc);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tn_srv_service_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char err[TN_ERRLEN];
    srv_node_opts o = {.data_dir = dir, .name = "Server_test", .no_sync = true};
    ck_assert_msg(srv_node_open(&o, &node, err) == 0, "open: %s", err);
    ck_assert_msg(srv_node_put_table(node, schema_json, table_json, 0, 1, err) == 0,
                  "put table: %s", err);
    size_t len;
    char *rows = make_rows(&len), *res = NULL;
    ck_assert_msg(srv_node_ingest(node, "ev_OFFLINE", "{\"inputFormat\":\"json\"}", rows, len,
                                  &res, err) == 0, "ingest: %s", err);
    free(rows);
    free(res);
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, err), 0);
    start_service(0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    const char *addrs[] = {addr};
    ck_assert_msg(brk_pool_create(addrs, 1, &pool, err) == 0, "pool: %s", err);
}

static void teardown(void)
{
    brk_pool_free(pool);
    srv_service_stop(svc);
    srv_node_close(node);
    seg_schema_free(schema);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* ---- helpers ------------------------------------------------------------------ */

typedef struct qspec {
    const char *table, *sql, *options, *time_column;
    int64_t timeout_ms;
    uint8_t boundary_op;
    int64_t boundary;
} qspec;

/* Appends a QUERY frame to b. */
static void build_query(tn_buf *b, const qspec *s)
{
    size_t start = b->len;
    tn_wire_begin(b, TN_MSG_QUERY, 0);
    tn_wire_put_cstr(b, s->table ? s->table : "ev_OFFLINE");
    tn_wire_put_cstr(b, s->sql);
    tn_wire_put_cstr(b, s->options);
    tn_wire_put_u8(b, 0);
    tn_wire_put_i64(b, TS0);
    tn_wire_put_i64(b, s->timeout_ms ? s->timeout_ms : 5000);
    tn_wire_put_u32(b, 0);
    tn_wire_put_u8(b, s->boundary_op);
    tn_wire_put_i64(b, s->boundary);
    tn_wire_put_cstr(b, s->time_column);
    tn_wire_end(b, start);
}

/* The first cell of the reduced answer of a PARTIAL, as a long. */
static int64_t reduce_first(const char *sql, const uint8_t *p, size_t len)
{
    qry_err e = {0};
    qry_query *q;
    ck_assert_msg(qry_compile_at(sql, QRY_HTTP, NULL, schema, TS0, &q, &e) == 0, "%s", e.msg);
    qry_partial part;
    ck_assert_msg(qry_partial_deserialize(q, p, len, &part, &e) == 0, "partial: %s", e.msg);
    qry_result res;
    ck_assert_msg(qry_reduce(q, &part, &res, &e) == 0, "reduce: %s", e.msg);
    ck_assert_uint_ge(res.nrows, 1);
    qry_val v = res.cells[0];
    int64_t out = v.kind == QV_DOUBLE ? (int64_t)v.d : v.i;
    qry_partial_free(q, &part);
    qry_result_free(&res);
    qry_query_free(q);
    return out;
}

/* Runs a query that must succeed; returns its first cell. */
static int64_t query_value(const qspec *s)
{
    brk_call c = {0};
    build_query(&c.request, s);
    int rc = brk_pool_call(pool, &c, 1, 5000);
    ck_assert_msg(rc == 0, "call: %d %s", rc, c.err);
    if (c.type == TN_MSG_ERROR) {
        tn_wire_rd r;
        tn_wire_rd_init(&r, c.payload, c.len);
        int code = tn_wire_get_i32(&r);
        char *msg = tn_wire_get_strdup(&r);
        ck_abort_msg("query '%s' failed: %d %s", s->sql, code, msg);
    }
    ck_assert_int_eq(c.type, TN_MSG_PARTIAL);
    int64_t v = reduce_first(s->sql, c.payload, c.len);
    brk_call_clear(&c);
    return v;
}

/* Reads an ERROR answer's code and message (message: static buffer). */
static int error_code(const brk_call *c, char *msg, size_t cap)
{
    ck_assert_int_eq(c->type, TN_MSG_ERROR);
    tn_wire_rd r;
    tn_wire_rd_init(&r, c->payload, c->len);
    int code = tn_wire_get_i32(&r);
    size_t n;
    const char *m = tn_wire_get_str(&r, &n);
    ck_assert(!r.bad);
    snprintf(msg, cap, "%.*s", (int)n, m);
    return code;
}

static int query_error(const qspec *s, char *msg, size_t cap)
{
    brk_call c = {0};
    build_query(&c.request, s);
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 5000), 0);
    int code = error_code(&c, msg, cap);
    brk_call_clear(&c);
    return code;
}

static brk_call admin_call(const char *json)
{
    brk_call c = {0};
    tn_wire_begin(&c.request, TN_MSG_ADMIN, 0);
    tn_wire_put_cstr(&c.request, json);
    tn_wire_end(&c.request, 0);
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 5000), 0);
    return c;
}

/* ---- tests --------------------------------------------------------------------- */

START_TEST(query_answers_partials)
{
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev"}), NROWS);
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT SUM(clicks) FROM ev"}), clicks_total);
    ck_assert_int_eq(
        query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev WHERE country = 'fr'"}),
        NROWS / 4);
    /* a group-by reduced by the broker's code: the top group's count */
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) AS n, country FROM ev "
                                                 "GROUP BY country ORDER BY n DESC, country"}),
                     NROWS / 4);
}
END_TEST

START_TEST(errors_carry_pinot_codes)
{
    char msg[TN_ERRLEN];
    ck_assert_int_eq(query_error(&(qspec){.table = "nope_OFFLINE", .sql = "SELECT 1 FROM nope"},
                                 msg, sizeof msg), 190);
    ck_assert_int_eq(query_error(&(qspec){.sql = "SELEC COUNT(*) FROM ev"}, msg, sizeof msg),
                     150);
    ck_assert_int_eq(query_error(&(qspec){.sql = "SELECT nocol FROM ev"}, msg, sizeof msg), 710);
    ck_assert_int_eq(query_error(&(qspec){.sql = "SELECT COUNT(*) FROM ev",
                                          .options = "timeoutMs=abc"}, msg, sizeof msg), 150);
    /* a truncated QUERY payload: error 100, the connection stays usable */
    brk_call c = {0};
    tn_wire_begin(&c.request, TN_MSG_QUERY, 0);
    tn_wire_put_cstr(&c.request, "ev_OFFLINE");
    tn_wire_put_u32(&c.request, 1000); /* a string length past the end */
    tn_wire_end(&c.request, 0);
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 5000), 0);
    ck_assert_int_eq(error_code(&c, msg, sizeof msg), 100);
    ck_assert_ptr_nonnull(strstr(msg, "malformed QUERY"));
    brk_call_clear(&c);
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev"}), NROWS);
}
END_TEST

START_TEST(time_boundary_splits_rows)
{
    int64_t b = TS0 + 999 * 1000LL; /* rows 0..999 are <= b */
    const char *sql = "SELECT COUNT(*) FROM ev";
    ck_assert_int_eq(query_value(&(qspec){.sql = sql, .boundary_op = QRY_BOUNDARY_LE,
                                          .boundary = b, .time_column = "ts"}), 1000);
    ck_assert_int_eq(query_value(&(qspec){.sql = sql, .boundary_op = QRY_BOUNDARY_GT,
                                          .boundary = b, .time_column = "ts"}), NROWS - 1000);
    /* no column from the broker: the table config's timeColumnName */
    ck_assert_int_eq(query_value(&(qspec){.sql = sql, .boundary_op = QRY_BOUNDARY_GT,
                                          .boundary = b}), NROWS - 1000);
    /* ANDed with the query's own filter, case-insensitive column name */
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev WHERE country = 'fr' "
                                                 "OR country = 'de'",
                                          .boundary_op = QRY_BOUNDARY_LE, .boundary = b,
                                          .time_column = "TS"}), 500);
    char msg[TN_ERRLEN];
    ck_assert_int_eq(query_error(&(qspec){.sql = sql, .boundary_op = QRY_BOUNDARY_LE,
                                          .boundary = b, .time_column = "nope"}, msg,
                                 sizeof msg), 710);
    ck_assert_int_eq(query_error(&(qspec){.sql = sql, .boundary_op = QRY_BOUNDARY_LE,
                                          .boundary = b, .time_column = "country"}, msg,
                                 sizeof msg), 700);
}
END_TEST

START_TEST(admin_commands)
{
    char msg[TN_ERRLEN];
    brk_call c = admin_call("{\"op\":\"status\"}");
    ck_assert_int_eq(c.type, TN_MSG_ADMIN_OK);
    tn_wire_rd r;
    tn_wire_rd_init(&r, c.payload, c.len);
    char *js = tn_wire_get_strdup(&r);
    ck_assert_ptr_nonnull(strstr(js, "ev_OFFLINE"));
    free(js);
    brk_call_clear(&c);
    c = admin_call("{\"op\":");
    ck_assert_int_eq(error_code(&c, msg, sizeof msg), 100);
    ck_assert_ptr_nonnull(strstr(msg, "malformed JSON"));
    brk_call_clear(&c);
    c = admin_call("{\"op\":\"explode\"}");
    ck_assert_int_eq(error_code(&c, msg, sizeof msg), 100);
    brk_call_clear(&c);
    c = admin_call("{\"op\":\"dropTable\",\"table\":\"nope_OFFLINE\"}");
    ck_assert_int_eq(error_code(&c, msg, sizeof msg), 190);
    brk_call_clear(&c);
    c = admin_call("{\"op\":\"putTable\",\"schema\":{},\"assignIndex\":0}");
    ck_assert_int_eq(error_code(&c, msg, sizeof msg), 100);
    brk_call_clear(&c);
}
END_TEST

typedef struct hammer {
    int calls, ok;
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    const char *sql = "SELECT COUNT(*) FROM ev WHERE k = 3";
    for (int i = 0; i < h->calls; i += 4) {
        brk_call c[4] = {{0}};
        for (int k = 0; k < 4; k++)
            build_query(&c[k].request, &(qspec){.sql = sql});
        if (brk_pool_call(pool, c, 4, 5000) == 0)
            for (int k = 0; k < 4; k++)
                h->ok += c[k].type == TN_MSG_PARTIAL;
        for (int k = 0; k < 4; k++)
            brk_call_clear(&c[k]);
    }
    return NULL;
}

START_TEST(many_callers_at_once)
{
    enum { T = 6 };
    pthread_t tid[T];
    hammer h[T];
    for (int t = 0; t < T; t++) {
        h[t] = (hammer){.calls = 400};
        pthread_create(&tid[t], NULL, hammer_main, &h[t]);
    }
    for (int t = 0; t < T; t++) {
        pthread_join(tid[t], NULL);
        ck_assert_int_eq(h[t].ok, 400);
    }
    int expect = 0;
    for (int r = 0; r < NROWS; r++)
        expect += r % 17 == 3;
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev WHERE k = 3"}),
                     expect);
}
END_TEST

/* An upload of a few MiB one way, a partial of many rows the other. */
START_TEST(large_frames_both_ways)
{
    enum { EXTRA = 30000 };
    brk_call c = {0};
    tn_buf rows = {0};
    for (int r = 0; r < EXTRA; r++) {
        char line[128];
        int n = snprintf(line, sizeof line, "{\"country\":\"xx%d\",\"k\":%d,\"clicks\":1,"
                         "\"ts\":%lld}\n", r, r, (long long)(TS0 + r));
        tn_buf_append(&rows, line, (size_t)n);
    }
    tn_wire_begin(&c.request, TN_MSG_INGEST, 0);
    tn_wire_put_cstr(&c.request, "ev_OFFLINE");
    tn_wire_put_cstr(&c.request, "{\"inputFormat\":\"json\"}");
    tn_wire_put_str(&c.request, (const char *)rows.data, rows.len);
    tn_wire_end(&c.request, 0);
    tn_buf_free(&rows);
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 30000), 0);
    ck_assert_int_eq(c.type, TN_MSG_ADMIN_OK);
    tn_wire_rd r;
    tn_wire_rd_init(&r, c.payload, c.len);
    char *js = tn_wire_get_strdup(&r);
    ck_assert_msg(strstr(js, "\"rows\":30000") != NULL, "%s", js);
    free(js);
    brk_call_clear(&c);

    const char *sql = "SELECT country, k, ts FROM ev ORDER BY ts LIMIT 100000";
    build_query(&c.request, &(qspec){.sql = sql});
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 30000), 0);
    ck_assert_int_eq(c.type, TN_MSG_PARTIAL);
    ck_assert_uint_gt(c.len, 1u << 20);
    qry_err e = {0};
    qry_query *q;
    ck_assert(qry_compile_at(sql, QRY_HTTP, NULL, schema, TS0, &q, &e) == 0);
    qry_partial part;
    ck_assert_msg(qry_partial_deserialize(q, c.payload, c.len, &part, &e) == 0, "%s", e.msg);
    qry_result res;
    ck_assert(qry_reduce(q, &part, &res, &e) == 0);
    ck_assert_uint_eq(res.nrows, NROWS + EXTRA);
    qry_partial_free(q, &part);
    qry_result_free(&res);
    qry_query_free(q);
    brk_call_clear(&c);
}
END_TEST

/* What the service relies on in the executor: a cancel flag (a client
 * gone) and one deadline for the whole query. */
START_TEST(executor_cancel_and_deadline)
{
    char err[TN_ERRLEN];
    srv_snapshot snap;
    ck_assert_msg(srv_node_snapshot(node, "ev_OFFLINE", NULL, 0, &snap, err) == 0, "%s", err);
    qry_err e = {0};
    qry_query *q;
    ck_assert(qry_compile_at("SELECT COUNT(*) FROM ev WHERE k = 3", QRY_HTTP, NULL, snap.schema,
                             TS0, &q, &e) == 0);
    atomic_bool cancel;
    atomic_init(&cancel, true);
    qry_partial part;
    qry_exec_opts o = {.threads = 1, .cancel = &cancel};
    ck_assert_int_ne(qry_execute(q, snap.segs, snap.nsegs, &o, &part, &e), 0);
    ck_assert_int_eq(e.code, QRY_ERR_CANCELLED);
    qry_partial_free(q, &part);
    o = (qry_exec_opts){.threads = 1, .deadline_ns = tn_mono_ns() - 1};
    ck_assert_int_ne(qry_execute(q, snap.segs, snap.nsegs, &o, &part, &e), 0);
    ck_assert_int_eq(e.code, QRY_ERR_TIMEOUT);
    qry_partial_free(q, &part);
    atomic_store(&cancel, false);
    o = (qry_exec_opts){.threads = 1, .cancel = &cancel, .timeout_ms = 10000};
    ck_assert_int_eq(qry_execute(q, snap.segs, snap.nsegs, &o, &part, &e), 0);
    qry_partial_free(q, &part);
    qry_query_free(q);
    srv_snapshot_release(&snap);
}
END_TEST

/* ---- raw sockets ------------------------------------------------------------------ */

static int raw_connect(int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    ck_assert_int_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads one frame (header + payload) into b; false at EOF. */
static bool read_frame(int fd, tn_buf *b)
{
    tn_buf_reset(b);
    size_t want = TN_WIRE_HEADER;
    while (b->len < want) {
        tn_buf_reserve(b, want - b->len);
        ssize_t r = recv(fd, b->data + b->len, want - b->len, 0);
        if (r <= 0)
            return false;
        b->len += (size_t)r;
        uint8_t type;
        uint32_t id;
        size_t total;
        if (b->len >= TN_WIRE_HEADER && tn_wire_peek(b->data, b->len, &type, &id, &total) == 1)
            want = total;
    }
    return true;
}

static int frame_error_code(const tn_buf *b)
{
    ck_assert_int_eq(b->data[4], TN_MSG_ERROR);
    tn_wire_rd r;
    tn_wire_rd_init(&r, b->data + TN_WIRE_HEADER, b->len - TN_WIRE_HEADER);
    return tn_wire_get_i32(&r);
}

START_TEST(hostile_bytes_get_errors)
{
    tn_buf b = {0}, in = {0};
    /* an unknown message type: ERROR 100, and the connection keeps working */
    int fd = raw_connect(port);
    tn_wire_begin(&b, 77, 5);
    tn_wire_end(&b, 0);
    build_query(&b, &(qspec){.sql = "SELECT COUNT(*) FROM ev"});
    send_all(fd, b.data, b.len);
    ck_assert(read_frame(fd, &in));
    ck_assert_int_eq(frame_error_code(&in), 100);
    ck_assert_int_eq(in.data[5], 5); /* the id comes back */
    ck_assert(read_frame(fd, &in));
    ck_assert_int_eq(in.data[4], TN_MSG_PARTIAL);
    close(fd);

    /* a length below the header, then one past the limit: ERROR 100 and EOF */
    static const uint8_t short_len[] = {2, 0, 0, 0, 1, 9, 0, 0, 0};
    static const uint8_t huge_len[] = {0xff, 0xff, 0xff, 0xff, 1, 9, 0, 0, 0};
    const uint8_t *bad[] = {short_len, huge_len};
    for (int i = 0; i < 2; i++) {
        fd = raw_connect(port);
        send_all(fd, bad[i], 9);
        ck_assert(read_frame(fd, &in));
        ck_assert_int_eq(frame_error_code(&in), 100);
        ck_assert(!read_frame(fd, &in)); /* closed */
        close(fd);
    }

    /* half a frame, then the peer goes away: nothing breaks */
    fd = raw_connect(port);
    send_all(fd, (const uint8_t[]){200, 0, 0, 0, 1, 1}, 6);
    close(fd);
    /* many garbage bytes in one go */
    fd = raw_connect(port);
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 131 + 7);
    send(fd, junk, sizeof junk, MSG_NOSIGNAL);
    while (read_frame(fd, &in))
        ;
    close(fd);
    tn_buf_free(&b);
    tn_buf_free(&in);
    /* and the pool's connection never noticed */
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev"}), NROWS);
}
END_TEST

/* CANCEL frames: queries pipelined on one connection, then a CANCEL for
 * each of the second half. Every query answers exactly once: the first
 * half with PARTIAL, the second with PARTIAL (it ran before its cancel
 * arrived) or ERROR 503; cancels of unknown ids are ignored. */
#define CANCEL_N 1000
START_TEST(cancel_frames_stop_queued_queries)
{
    tn_buf b = {0}, in = {0};
    for (uint32_t id = 1; id <= CANCEL_N; id++) {
        size_t start = b.len;
        build_query(&b, &(qspec){.sql = "SELECT COUNT(*) FROM ev WHERE k = 3"});
        for (unsigned k = 0; k < 4; k++)
            b.data[start + 5 + k] = (uint8_t)(id >> (8 * k));
    }
    for (uint32_t id = CANCEL_N / 2 + 1; id <= CANCEL_N + 5; id++) { /* 5 unknown ids */
        size_t start = b.len;
        tn_wire_begin(&b, TN_MSG_CANCEL, id);
        tn_wire_end(&b, start);
    }
    int fd = raw_connect(port);
    send_all(fd, b.data, b.len);
    static uint8_t seen[CANCEL_N + 1];
    memset(seen, 0, sizeof seen);
    int cancelled = 0;
    for (int i = 0; i < CANCEL_N; i++) {
        ck_assert_msg(read_frame(fd, &in), "answer %d of %d missing", i + 1, CANCEL_N);
        uint32_t id = (uint32_t)in.data[5] | (uint32_t)in.data[6] << 8 |
                      (uint32_t)in.data[7] << 16 | (uint32_t)in.data[8] << 24;
        ck_assert_uint_ge(id, 1);
        ck_assert_uint_le(id, CANCEL_N);
        ck_assert_msg(!seen[id]++, "two answers for request %u", id);
        if (in.data[4] == TN_MSG_PARTIAL)
            continue;
        ck_assert_msg(id > CANCEL_N / 2, "request %u failed without a cancel", id);
        ck_assert_int_eq(frame_error_code(&in), 503);
        cancelled++;
    }
    ck_assert_msg(cancelled > 0, "no queued query was cancelled");
    /* nothing more comes: the connection still answers a new query next */
    tn_buf_reset(&b);
    build_query(&b, &(qspec){.sql = "SELECT COUNT(*) FROM ev"});
    b.data[5] = 42;
    send_all(fd, b.data, b.len);
    ck_assert(read_frame(fd, &in));
    ck_assert_int_eq(in.data[4], TN_MSG_PARTIAL);
    ck_assert_int_eq(in.data[5], 42);
    close(fd);
    tn_buf_free(&b);
    tn_buf_free(&in);
}
END_TEST

/* The pool tells the server: a batch cancelled by its caller sends a
 * CANCEL frame for each unanswered call. A silent "server" of our own reads
 * what the pool sends: the QUERY frames, then, once the caller cancels, a
 * CANCEL naming each of their ids. */
typedef struct cancel_caller {
    brk_pool *pool;
    atomic_bool cancel;
    int rc;
} cancel_caller;

static void *cancel_caller_main(void *arg)
{
    cancel_caller *cc = arg;
    brk_call calls[3] = {{0}};
    for (int i = 0; i < 3; i++)
        build_query(&calls[i].request, &(qspec){.sql = "SELECT COUNT(*) FROM ev"});
    cc->rc = brk_pool_call_cancel(cc->pool, calls, 3, 20000, &cc->cancel);
    for (int i = 0; i < 3; i++)
        brk_call_clear(&calls[i]);
    return NULL;
}

START_TEST(pool_cancel_reaches_the_server)
{
    int lis = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(lis, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(lis, 1), 0);
    socklen_t al = sizeof a;
    getsockname(lis, (struct sockaddr *)&a, &al);
    char addr[64], err[TN_ERRLEN];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(a.sin_port));
    const char *addrs[] = {addr};
    cancel_caller cc = {.rc = -1};
    atomic_init(&cc.cancel, false);
    ck_assert_msg(brk_pool_create(addrs, 1, &cc.pool, err) == 0, "%s", err);
    int fd = accept(lis, NULL, NULL);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    pthread_t t;
    pthread_create(&t, NULL, cancel_caller_main, &cc);
    tn_buf in = {0};
    uint32_t ids[3];
    for (int i = 0; i < 3; i++) {
        ck_assert(read_frame(fd, &in));
        ck_assert_int_eq(in.data[4], TN_MSG_QUERY);
        memcpy(&ids[i], in.data + 5, 4);
    }
    atomic_store(&cc.cancel, true);
    pthread_join(t, NULL);
    ck_assert_int_ne(cc.rc, TN_OK); /* the caller got "cancelled" */
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(read_frame(fd, &in), "CANCEL frame %d of 3 missing", i + 1);
        ck_assert_int_eq(in.data[4], TN_MSG_CANCEL);
        ck_assert_uint_eq(in.len, TN_WIRE_HEADER);
        uint32_t id;
        memcpy(&id, in.data + 5, 4);
        ck_assert(id == ids[0] || id == ids[1] || id == ids[2]);
    }
    tn_buf_free(&in);
    close(fd);
    close(lis);
    brk_pool_free(cc.pool);
}
END_TEST

/* ---- failures of the server --------------------------------------------------------- */

typedef struct flight {
    atomic_bool stop;
    int eio, ok, other;
    int64_t worst_fail_ms;
} flight;

static void *flight_main(void *arg)
{
    flight *f = arg;
    while (!atomic_load(&f->stop)) {
        brk_call c = {0};
        build_query(&c.request, &(qspec){.sql = "SELECT country, SUM(clicks) FROM ev "
                                                "GROUP BY country"});
        uint64_t t0 = tn_mono_ns();
        int rc = brk_pool_call(pool, &c, 1, 4000);
        int64_t ms = (int64_t)((tn_mono_ns() - t0) / 1000000);
        if (rc == TN_EIO) {
            f->eio++;
            if (ms > f->worst_fail_ms)
                f->worst_fail_ms = ms;
        } else if (rc == 0 && c.type == TN_MSG_PARTIAL) {
            f->ok++;
        } else {
            f->other++;
        }
        brk_call_clear(&c);
    }
    return NULL;
}

START_TEST(stop_mid_flight_then_reconnect)
{
    enum { T = 3 };
    flight f[T];
    pthread_t tid[T];
    for (int t = 0; t < T; t++) {
        f[t] = (flight){0};
        atomic_init(&f[t].stop, false);
        pthread_create(&tid[t], NULL, flight_main, &f[t]);
    }
    usleep(200 * 1000);
    srv_service_stop(svc);
    svc = NULL;
    usleep(300 * 1000);
    ck_assert(!brk_pool_connected(pool, 0));
    for (int t = 0; t < T; t++)
        atomic_store(&f[t].stop, true);
    for (int t = 0; t < T; t++) {
        pthread_join(tid[t], NULL);
        ck_assert_int_gt(f[t].ok, 0);
        ck_assert_int_gt(f[t].eio, 0);
        ck_assert_int_eq(f[t].other, 0);
        /* failed at once, not at the 4 s timeout */
        ck_assert_int_lt(f[t].worst_fail_ms, 1000);
    }
    /* a call while the server is down fails fast */
    brk_call c = {0};
    build_query(&c.request, &(qspec){.sql = "SELECT COUNT(*) FROM ev"});
    uint64_t t0 = tn_mono_ns();
    ck_assert_int_eq(brk_pool_call(pool, &c, 1, 4000), TN_EIO);
    ck_assert_uint_lt((tn_mono_ns() - t0) / 1000000, 1000);
    ck_assert_ptr_nonnull(strstr(c.err, "127.0.0.1"));
    brk_call_clear(&c);

    /* back on the same port: the pool reconnects by itself */
    start_service(port);
    uint64_t until = tn_mono_ns() + 5000000000ull;
    while (!brk_pool_connected(pool, 0) && tn_mono_ns() < until)
        usleep(20 * 1000);
    ck_assert(brk_pool_connected(pool, 0));
    ck_assert_int_eq(query_value(&(qspec){.sql = "SELECT COUNT(*) FROM ev"}), NROWS);
}
END_TEST

/* A port that accepts connections (the kernel's backlog) but never answers. */
START_TEST(silent_server_times_out_and_dead_one_fails_fast)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(lfd, 16), 0);
    socklen_t sl = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &sl);
    int dead = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(dead, (struct sockaddr *)&d, sizeof d), 0);
    sl = sizeof d;
    getsockname(dead, (struct sockaddr *)&d, &sl);
    close(dead); /* nobody listens there now */

    char silent[64], gone[64], live[64], err[TN_ERRLEN];
    snprintf(silent, sizeof silent, "127.0.0.1:%d", ntohs(a.sin_port));
    snprintf(gone, sizeof gone, "127.0.0.1:%d", ntohs(d.sin_port));
    snprintf(live, sizeof live, "localhost:%d", port);
    const char *addrs[] = {silent, gone, live};
    brk_pool *p;
    ck_assert_msg(brk_pool_create(addrs, 3, &p, err) == 0, "%s", err);
    ck_assert_str_eq(brk_pool_name(p, 2), live);
    brk_call c[3] = {{0}};
    for (uint32_t i = 0; i < 3; i++) {
        c[i].server = i;
        build_query(&c[i].request, &(qspec){.sql = "SELECT COUNT(*) FROM ev"});
    }
    uint64_t t0 = tn_mono_ns();
    ck_assert_int_eq(brk_pool_call(p, c, 3, 300), TN_EFULL);
    uint64_t ms = (tn_mono_ns() - t0) / 1000000;
    ck_assert_uint_ge(ms, 290);
    ck_assert_uint_lt(ms, 1500);
    ck_assert_int_eq(c[0].status, TN_EFULL);
    ck_assert_int_eq(c[1].status, TN_EIO);
    ck_assert_int_eq(c[2].status, TN_OK);
    ck_assert_int_eq(c[2].type, TN_MSG_PARTIAL);
    for (int i = 0; i < 3; i++)
        brk_call_clear(&c[i]);

    /* bad calls and bad addresses */
    c[0].server = 9;
    build_query(&c[0].request, &(qspec){.sql = "SELECT 1 FROM ev"});
    ck_assert_int_eq(brk_pool_call(p, c, 1, 300), TN_EINVAL);
    brk_call_clear(&c[0]);
    brk_pool_free(p);
    close(lfd);
    const char *bad[] = {"no-port"};
    ck_assert_int_eq(brk_pool_create(bad, 1, &p, err), TN_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "host:port"));
}
END_TEST

/* ---- figures ------------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench {
    int calls;
    uint64_t *ns;
} bench;

static void *bench_main(void *arg)
{
    bench *b = arg;
    brk_call c = {0};
    for (int i = 0; i < b->calls; i++) {
        tn_buf_reset(&c.request);
        build_query(&c.request, &(qspec){.sql = "SELECT COUNT(*) FROM ev WHERE k = 3"});
        uint64_t t0 = tn_mono_ns();
        int rc = brk_pool_call(pool, &c, 1, 5000);
        b->ns[i] = tn_mono_ns() - t0;
        ck_assert_int_eq(rc, 0);
        free(c.payload);
        c.payload = NULL;
    }
    brk_call_clear(&c);
    return NULL;
}

static void report(const char *what, uint64_t *ns, size_t n, double secs)
{
    qsort(ns, n, sizeof *ns, cmp_u64);
    printf("%-34s p50 %7.1f us  p99 %7.1f us  %8.0f calls/s\n", what, ns[n / 2] / 1e3,
           ns[n * 99 / 100] / 1e3, n / secs);
}

static void bench_pool(int threads, int total)
{
    pthread_t tid[8];
    bench b[8];
    uint64_t *ns = tn_calloc((size_t)total, sizeof *ns);
    uint64_t t0 = tn_mono_ns();
    for (int t = 0; t < threads; t++) {
        b[t] = (bench){.calls = total / threads, .ns = ns + (size_t)t * (total / threads)};
        pthread_create(&tid[t], NULL, bench_main, &b[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(tid[t], NULL);
    char what[64];
    snprintf(what, sizeof what, "brk_pool round trip, %d thread%s", threads,
             threads > 1 ? "s" : "");
    report(what, ns, (size_t)total, (double)(tn_mono_ns() - t0) / 1e9);
    free(ns);
}

static void bench_local(int total)
{
    char err[TN_ERRLEN];
    srv_snapshot snap;
    ck_assert_msg(srv_node_snapshot(node, "ev_OFFLINE", NULL, 0, &snap, err) == 0, "%s", err);
    uint64_t *ns = tn_calloc((size_t)total, sizeof *ns);
    tn_buf out = {0};
    uint64_t t0 = tn_mono_ns();
    for (int i = 0; i < total; i++) {
        uint64_t s = tn_mono_ns();
        qry_err e;
        qry_query *q;
        ck_assert(qry_compile_at("SELECT COUNT(*) FROM ev WHERE k = 3", QRY_HTTP, NULL,
                                 snap.schema, TS0, &q, &e) == 0);
        qry_exec_opts o = {.threads = 1};
        qry_partial part;
        ck_assert(qry_execute(q, snap.segs, snap.nsegs, &o, &part, &e) == 0);
        tn_buf_reset(&out);
        qry_partial_serialize(q, &part, &out);
        qry_partial_free(q, &part);
        qry_query_free(q);
        ns[i] = tn_mono_ns() - s;
    }
    report("in-process compile+execute+serialize", ns, (size_t)total,
           (double)(tn_mono_ns() - t0) / 1e9);
    tn_buf_free(&out);
    free(ns);
    srv_snapshot_release(&snap);
}

START_TEST(round_trip_figures)
{
    bool full = getenv("TN_SRV_BENCH") != NULL;
    int total = full ? 10000 : 400;
    bench_local(total);
    bench_pool(1, total);
    bench_pool(8, total);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("srv_service");
    TCase *tc = tcase_create("service");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, query_answers_partials);
    tcase_add_test(tc, errors_carry_pinot_codes);
    tcase_add_test(tc, time_boundary_splits_rows);
    tcase_add_test(tc, admin_commands);
    tcase_add_test(tc, many_callers_at_once);
    tcase_add_test(tc, executor_cancel_and_deadline);
    tcase_add_test(tc, large_frames_both_ways);
    tcase_add_test(tc, hostile_bytes_get_errors);
    tcase_add_test(tc, cancel_frames_stop_queued_queries);
    tcase_add_test(tc, pool_cancel_reaches_the_server);
    tcase_add_test(tc, stop_mid_flight_then_reconnect);
    tcase_add_test(tc, silent_server_times_out_and_dead_one_fails_fast);
    tcase_add_test(tc, round_trip_figures);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
