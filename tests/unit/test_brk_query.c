/*
 * test_brk_query.c: the broker end to end against fake servers that speak
 * the real binary protocol (tn_wire.h) and execute queries with the real
 * engine over in-memory segments: admin calls push tables to every server
 * with its assignment, queries scatter to both servers and merge, broker
 * pruning by time skips a server, a failing server gives its error code,
 * a dead or slow one gives 427 and partialResult without a hang, an
 * unknown table 190, bad SQL 150, no routing 410, and a server that comes
 * back is used again.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "brk_admin.h"
#include "brk_query.h"
#include "brk_sync.h"
#include "qry_reduce.h"
#include "seg_mutable.h"
#include "tn_wire.h"

#define DAY 86400000LL

static const char *EVENTS =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"}],\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":\"1:DAYS:EPOCH\","
    "\"granularity\":\"1:DAYS\"}]}";
static const char *OFFLINE_CFG =
    "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":"
    "{\"timeColumnName\":\"day\"}}";

/* ---- a fake server ------------------------------------------------------ */

enum { FS_OK, FS_ERROR, FS_SLOW, FS_CLOSE };

typedef struct fake {
    int lfd;
    uint16_t port;
    pthread_t acceptor;
    pthread_t conn_threads[64];
    int conn_fds[64];
    int nconns;
    seg_schema *schema;
    seg_segment *seg;
    char seg_name[32];
    int64_t start_ms, end_ms;
    uint32_t docs;
    int mode;
    pthread_mutex_t lock;
    /* what it received */
    bool has_table, has_rt;
    int puts, queries;
    uint8_t bop[2];             /* last boundary op, by table type */
    int64_t boundary[2];
    char time_col[2][32];
    int assign_index, assign_count;
    uint32_t last_nsegs;
    uint8_t last_bop;
} fake;

static void load_rows(fake *f, int first_day, int days, int per_day, int clicks)
{
    char err[TN_ERRLEN];
    seg_mutable_opts mo = {.name = f->seg_name, .table = "events", .partition = -1,
                           .start_offset = -1};
    seg_mutable *m;
    ck_assert_int_eq(seg_mutable_create(f->schema, &mo, &m, err), 0);
    seg_row row;
    seg_row_init(&row, f->schema);
    for (int d = 0; d < days; d++)
        for (int k = 0; k < per_day; k++) {
            char js[128];
            int n = snprintf(js, sizeof js, "{\"country\":\"c%d\",\"clicks\":%d,\"day\":%d}", k,
                             clicks, first_day + d);
            ck_assert_int_eq(seg_row_parse_json(&row, js, (size_t)n, err), 0);
            ck_assert_int_eq(seg_mutable_append(m, &row, -1, err), 0);
        }
    seg_row_free(&row);
    f->seg = seg_mutable_base(m);
    f->start_ms = first_day * DAY;
    f->end_ms = (first_day + days - 1) * DAY;
    f->docs = (uint32_t)(days * per_day);
}

static void send_frame(int fd, tn_buf *b)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n <= 0)
            return;
        off += (size_t)n;
    }
}

static void answer_admin(fake *f, int fd, uint32_t id, tn_wire_rd *r)
{
    char *cmd = tn_wire_get_strdup(r);
    cJSON *j = cJSON_Parse(cmd);
    const char *op = cJSON_GetObjectItem(j, "op")->valuestring;
    tn_buf out = {0};
    tn_wire_begin(&out, TN_MSG_ADMIN_OK, id);
    pthread_mutex_lock(&f->lock);
    if (!strcmp(op, "status")) {
        char js[2048] = "{\"server\":\"fake\",\"tables\":[", *p = js + strlen(js);
        if (f->has_table)
            p += sprintf(p, "{\"name\":\"events_OFFLINE\",\"type\":\"OFFLINE\",\"segments\":"
                         "[{\"name\":\"%s\",\"startTimeMs\":%lld,\"endTimeMs\":%lld,\"docs\":%u,"
                         "\"status\":\"DONE\"}],\"partitions\":[]}",
                         f->seg_name, (long long)f->start_ms, (long long)f->end_ms, f->docs);
        if (f->has_rt)
            p += sprintf(p, "%s{\"name\":\"events\",\"type\":\"REALTIME\",\"segments\":"
                         "[{\"name\":\"events__0__0__x\",\"startTimeMs\":%lld,\"endTimeMs\":%lld,"
                         "\"docs\":%u,\"status\":\"IN_PROGRESS\"}],\"partitions\":[]}",
                         f->has_table ? "," : "", (long long)f->start_ms, (long long)f->end_ms,
                         f->docs);
        strcpy(p, "]}");
        tn_wire_put_cstr(&out, js);
    } else {
        if (!strcmp(op, "putTable")) {
            const cJSON *type = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "config"), "tableType");
            if (!strcmp(type->valuestring, "REALTIME"))
                f->has_rt = true;
            else
                f->has_table = true;
            f->puts++;
            f->assign_index = cJSON_GetObjectItem(j, "assignIndex")->valueint;
            f->assign_count = cJSON_GetObjectItem(j, "assignCount")->valueint;
        } else if (!strcmp(op, "dropTable")) {
            f->has_table = false;
        }
        tn_wire_put_cstr(&out, "{\"status\":\"ok\"}");
    }
    pthread_mutex_unlock(&f->lock);
    tn_wire_end(&out, 0);
    send_frame(fd, &out);
    tn_buf_free(&out);
    cJSON_Delete(j);
    free(cmd);
}

/* Executes a QUERY with the real engine over the fake's one segment. */
static void answer_query(fake *f, int fd, uint32_t id, tn_wire_rd *r)
{
    char *table = tn_wire_get_strdup(r), *sql = tn_wire_get_strdup(r);
    char *opts = tn_wire_get_strdup(r);
    uint8_t flavour = tn_wire_get_u8(r);
    int64_t now = tn_wire_get_i64(r);
    tn_wire_get_i64(r);
    uint32_t nsegs = tn_wire_get_u32(r);
    for (uint32_t i = 0; i < nsegs; i++)
        free(tn_wire_get_strdup(r));
    uint8_t bop = tn_wire_get_u8(r);
    int64_t boundary = tn_wire_get_i64(r);
    char *tcol = tn_wire_get_strdup(r);
    ck_assert(!r->bad);
    pthread_mutex_lock(&f->lock);
    int mode = f->mode;
    f->queries++;
    f->last_nsegs = nsegs;
    f->last_bop = bop;
    int k = strstr(table, "_REALTIME") ? 1 : 0;
    f->bop[k] = bop;
    f->boundary[k] = boundary;
    snprintf(f->time_col[k], sizeof f->time_col[k], "%s", tcol);
    free(tcol);
    pthread_mutex_unlock(&f->lock);
    tn_buf out = {0};
    if (mode == FS_CLOSE) {
        shutdown(fd, SHUT_RDWR);
    } else if (mode == FS_ERROR) {
        tn_wire_begin(&out, TN_MSG_ERROR, id);
        tn_wire_put_i32(&out, 200);
        tn_wire_put_cstr(&out, "QueryExecutionError: boom");
        tn_wire_end(&out, 0);
    } else {
        if (mode == FS_SLOW)
            usleep(1500 * 1000);
        qry_query *q;
        qry_err e;
        ck_assert_int_eq(qry_compile_at(sql, (qry_flavour)flavour, opts, f->schema, now, &q, &e),
                         0);
        qry_partial p;
        qry_exec_opts xo = {.threads = 1};
        ck_assert_int_eq(qry_execute(q, &f->seg, 1, &xo, &p, &e), 0);
        tn_wire_begin(&out, TN_MSG_PARTIAL, id);
        qry_partial_serialize(q, &p, &out);
        tn_wire_end(&out, 0);
        qry_partial_free(q, &p);
        qry_query_free(q);
    }
    if (out.len)
        send_frame(fd, &out);
    tn_buf_free(&out);
    free(table);
    free(sql);
    free(opts);
}

typedef struct conn_arg {
    fake *f;
    int fd;
} conn_arg;

static void *conn_main(void *arg)
{
    conn_arg *ca = arg;
    fake *f = ca->f;
    int fd = ca->fd;
    free(ca);
    tn_buf in = {0};
    for (;;) {
        uint8_t type;
        uint32_t id;
        size_t total;
        int pk = tn_wire_peek(in.data, in.len, &type, &id, &total);
        if (pk < 0)
            break;
        if (pk == 1 && in.len >= total) {
            tn_wire_rd r;
            tn_wire_rd_init(&r, in.data + TN_WIRE_HEADER, total - TN_WIRE_HEADER);
            if (type == TN_MSG_ADMIN)
                answer_admin(f, fd, id, &r);
            else if (type == TN_MSG_QUERY)
                answer_query(f, fd, id, &r);
            memmove(in.data, in.data + total, in.len - total);
            in.len -= total;
            continue;
        }
        tn_buf_reserve(&in, 65536);
        ssize_t n = read(fd, in.data + in.len, in.cap - in.len);
        if (n <= 0)
            break;
        in.len += (size_t)n;
    }
    tn_buf_free(&in);
    return NULL;
}

static void *accept_main(void *arg)
{
    fake *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            break;
        pthread_mutex_lock(&f->lock);
        if (f->nconns == 64) {
            pthread_mutex_unlock(&f->lock);
            close(fd);
            continue;
        }
        conn_arg *ca = tn_malloc(sizeof *ca);
        ca->f = f;
        ca->fd = fd;
        f->conn_fds[f->nconns] = fd;
        pthread_create(&f->conn_threads[f->nconns++], NULL, conn_main, ca);
        pthread_mutex_unlock(&f->lock);
    }
    return NULL;
}

static void fake_listen(fake *f, uint16_t port)
{
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(f->lfd, 64), 0);
    socklen_t len = sizeof sa;
    getsockname(f->lfd, (struct sockaddr *)&sa, &len);
    f->port = ntohs(sa.sin_port);
    pthread_create(&f->acceptor, NULL, accept_main, f);
}

static void fake_start(fake *f, const char *seg, int first_day, int days, int clicks)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_parse(EVENTS, strlen(EVENTS), &f->schema, err), 0);
    snprintf(f->seg_name, sizeof f->seg_name, "%s", seg);
    load_rows(f, first_day, days, 2, clicks);
    fake_listen(f, 0);
}

/* Closes the listener and every connection (the server "dies"). */
static void fake_kill(fake *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    close(f->lfd);
    pthread_join(f->acceptor, NULL);
    for (int i = 0; i < f->nconns; i++) {
        shutdown(f->conn_fds[i], SHUT_RDWR);
        pthread_join(f->conn_threads[i], NULL);
        close(f->conn_fds[i]);
    }
    f->nconns = 0;
}

static void fake_free(fake *f)
{
    fake_kill(f);
    seg_segment_release(f->seg);
    seg_schema_free(f->schema);
    pthread_mutex_destroy(&f->lock);
}

/* ---- the broker under test ---------------------------------------------- */

static char root[64];
static fake fa, fb;

/* The fake's threads read mode under its lock. */
static void set_mode(fake *f, int mode)
{
    pthread_mutex_lock(&f->lock);
    f->mode = mode;
    pthread_mutex_unlock(&f->lock);
}
static brk_broker *broker;
static char addr[2][32];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static brk_response admin(brk_method m, const char *path, const char *body, const char *pk,
                          const char *pv)
{
    brk_kv kv = {(char *)pk, (char *)pv};
    brk_request req = {.method = m, .path = (char *)path, .params = pk ? &kv : NULL,
                       .nparams = pk ? 1 : 0, .body = (uint8_t *)(body ? body : ""),
                       .len = body ? strlen(body) : 0, .received_ns = tn_mono_ns()};
    brk_response resp = {0};
    /* auth is off here: whoever asks is the unrestricted admin */
    ck_assert_int_eq(brk_auth_http(broker->auth, NULL, &req.user), BRK_AUTH_OK);
    brk_admin_handle(broker, &req, &resp);
    brk_user_unref(req.user);
    return resp;
}

static cJSON *query(const char *sql, const char *options, int *http_status)
{
    brk_response resp = {0};
    brk_query_run(broker, NULL, sql, options, tn_mono_ns(), true, &resp);
    cJSON *j = cJSON_Parse(resp.body);
    ck_assert_msg(j, "not JSON: %s", resp.body);
    if (http_status)
        *http_status = resp.status;
    /* the header carries the first exception's code, or -1 */
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exceptions"), 0);
    ck_assert_int_eq(resp.pinot_error, ex ? cJSON_GetObjectItem(ex, "errorCode")->valueint : -1);
    brk_response_free(&resp);
    return j;
}

static double cell(const cJSON *j, int row, int col)
{
    const cJSON *rows = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "resultTable"), "rows");
    return cJSON_GetArrayItem(cJSON_GetArrayItem(rows, row), col)->valuedouble;
}

static int num(const cJSON *j, const char *key)
{
    return cJSON_GetObjectItem(j, key)->valueint;
}

static int first_code(const cJSON *j)
{
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exceptions"), 0);
    return ex ? cJSON_GetObjectItem(ex, "errorCode")->valueint : 0;
}

static const char *first_message(const cJSON *j)
{
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "exceptions"), 0);
    return ex ? cJSON_GetObjectItem(ex, "message")->valuestring : "";
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/test_brk_query.%d", (int)getpid());
    fake_start(&fa, "events_a", 100, 10, 1); /* 20 rows, days 100..109 */
    fake_start(&fb, "events_b", 110, 10, 2); /* 20 rows, days 110..119 */
    snprintf(addr[0], sizeof addr[0], "127.0.0.1:%u", fa.port);
    snprintf(addr[1], sizeof addr[1], "127.0.0.1:%u", fb.port);
    const char *servers[2] = {addr[0], addr[1]};
    char dir[128], err[TN_ERRLEN] = "";
    snprintf(dir, sizeof dir, "%s/broker", root);
    brk_opts o = {.data_dir = dir, .servers = servers, .nservers = 2, .timeout_ms = 5000,
                  .refresh_ms = 200, .no_sync = true};
    ck_assert_msg(brk_broker_open(&o, &broker, err) == 0, "%s", err);
}

static void teardown(void)
{
    brk_broker_close(broker);
    fake_free(&fa);
    fake_free(&fb);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void add_table(void)
{
    brk_response r = admin(BRK_POST, "/schemas", EVENTS, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    brk_response_free(&r);
    r = admin(BRK_POST, "/tables", OFFLINE_CFG, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_str_eq(r.body, "{\"status\":\"Table events_OFFLINE successfully added\","
                             "\"unrecognizedProperties\":{}}");
    brk_response_free(&r);
}

START_TEST(push_and_scatter)
{
    add_table();
    ck_assert_int_eq(fa.puts, 1);
    ck_assert_int_eq(fb.puts, 1);
    ck_assert_int_eq(fa.assign_index, 0);
    ck_assert_int_eq(fb.assign_index, 1);
    ck_assert_int_eq(fb.assign_count, 2);
    cJSON *j = query("SELECT COUNT(*), SUM(clicks) FROM events", NULL, NULL);
    ck_assert_msg(first_code(j) == 0, "%s", first_message(j));
    ck_assert_int_eq((int)cell(j, 0, 0), 40);
    ck_assert_int_eq((int)cell(j, 0, 1), 60);
    ck_assert_int_eq(num(j, "numServersQueried"), 2);
    ck_assert_int_eq(num(j, "numServersResponded"), 2);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "partialResult")));
    cJSON_Delete(j);
    /* group by across servers, ordered */
    j = query("SELECT clicks, COUNT(*) FROM events GROUP BY clicks ORDER BY clicks DESC", NULL,
              NULL);
    ck_assert_int_eq((int)cell(j, 0, 0), 2);
    ck_assert_int_eq((int)cell(j, 1, 1), 20);
    cJSON_Delete(j);
    /* the broker prunes server A's segment (days 100..109) by time */
    j = query("SELECT COUNT(*) FROM events WHERE day >= 112", NULL, NULL);
    ck_assert_int_eq((int)cell(j, 0, 0), 16);
    ck_assert_int_eq(num(j, "numServersQueried"), 1);
    cJSON_Delete(j);
    /* everything pruned: an empty answer, no server asked */
    j = query("SELECT COUNT(*) FROM events WHERE day > 500", NULL, NULL);
    ck_assert_int_eq((int)cell(j, 0, 0), 0);
    ck_assert_int_eq(num(j, "numServersQueried"), 0);
    ck_assert_int_eq(first_code(j), 0);
    cJSON_Delete(j);
    /* typed names and case */
    j = query("SELECT COUNT(*) FROM EVENTS_OFFLINE", NULL, NULL);
    ck_assert_int_eq((int)cell(j, 0, 0), 40);
    cJSON_Delete(j);
}
END_TEST

/* OFFLINE and REALTIME parts under one name: the broker splits at Pinot's
 * time boundary (latest OFFLINE end day 119, minus one day). */
START_TEST(hybrid)
{
    add_table();
    const char *rt = "{\"tableName\":\"events\",\"tableType\":\"REALTIME\",\"segmentsConfig\":"
                     "{\"timeColumnName\":\"day\"},\"tableIndexConfig\":{\"streamConfigs\":"
                     "{\"streamType\":\"kafka\"}}}";
    brk_response r = admin(BRK_POST, "/tables", rt, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    brk_response_free(&r);
    cJSON *j = query("SELECT COUNT(*) FROM events", NULL, NULL);
    ck_assert_msg(first_code(j) == 0, "%s", first_message(j));
    ck_assert_int_eq(num(j, "numServersQueried"), 4);
    cJSON_Delete(j);
    for (int i = 0; i < 2; i++) {
        fake *f = i ? &fb : &fa;
        ck_assert_int_eq(f->bop[0], 1);
        ck_assert_int_eq(f->bop[1], 2);
        ck_assert_int_eq(f->boundary[0], 118);
        ck_assert_int_eq(f->boundary[1], 118);
        ck_assert_str_eq(f->time_col[0], "day");
    }
    /* the boundary also prunes: OFFLINE days <= 118 cannot match day > 118 */
    fa.queries = fb.queries = 0;
    j = query("SELECT COUNT(*) FROM events WHERE day > 118", NULL, NULL);
    ck_assert_int_eq(num(j, "numServersQueried"), 3);
    cJSON_Delete(j);
    /* a typed name queries one part only, without a boundary */
    j = query("SELECT COUNT(*) FROM events_REALTIME", NULL, NULL);
    ck_assert_int_eq(num(j, "numServersQueried"), 2);
    ck_assert_int_eq(fa.bop[1], 0);
    cJSON_Delete(j);
    r = admin(BRK_GET, "/tables", NULL, NULL, NULL);
    ck_assert_str_eq(r.body, "{\"tables\":[\"events\"]}");
    brk_response_free(&r);
    r = admin(BRK_GET, "/tables/events/consumingSegmentsInfo", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, "\"events__0__0__x\":[{\"serverName\":\"fake\""), "%s", r.body);
    brk_response_free(&r);
}
END_TEST

START_TEST(query_errors)
{
    add_table();
    int status;
    cJSON *j = query("SELECT COUNT(*) FROM nope", NULL, &status);
    ck_assert_int_eq(first_code(j), 190);
    ck_assert_int_eq(status, 404);
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "resultTable"));
    cJSON_Delete(j);
    j = query("SELECT COUNT(* FROM events", NULL, &status);
    ck_assert_int_eq(first_code(j), 150);
    ck_assert_int_eq(status, 400);
    cJSON_Delete(j);
    j = query("SELECT nope FROM events", NULL, &status);
    ck_assert_int_eq(first_code(j), 710);
    cJSON_Delete(j);
    /* a server failing the query: its error, the other's rows */
    set_mode(&fb, FS_ERROR);
    j = query("SELECT COUNT(*) FROM events", NULL, &status);
    ck_assert_int_eq(first_code(j), 200);
    ck_assert_msg(strstr(first_message(j), "boom"), "%s", first_message(j));
    ck_assert_int_eq((int)cell(j, 0, 0), 20);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "partialResult")));
    ck_assert_int_eq(num(j, "numServersResponded"), 2);
    cJSON_Delete(j);
    /* a server that drops the connection: 427 naming it */
    set_mode(&fb, FS_CLOSE);
    j = query("SELECT COUNT(*) FROM events", NULL, &status);
    ck_assert_int_eq(first_code(j), 427);
    ck_assert_int_eq(status, 503);
    ck_assert_msg(strstr(first_message(j), addr[1]), "%s", first_message(j));
    ck_assert_int_eq((int)cell(j, 0, 0), 20);
    ck_assert_int_eq(num(j, "numServersResponded"), 1);
    cJSON_Delete(j);
    /* a slow server: the query returns at its timeout, with the rest */
    set_mode(&fb, FS_SLOW);
    uint64_t t0 = tn_mono_ns();
    j = query("SELECT COUNT(*) FROM events", "timeoutMs=300", &status);
    uint64_t ms = (tn_mono_ns() - t0) / 1000000;
    ck_assert_msg(ms < 1200, "took %llu ms", (unsigned long long)ms);
    ck_assert_int_eq(first_code(j), 427);
    ck_assert_int_eq((int)cell(j, 0, 0), 20);
    cJSON_Delete(j);
    set_mode(&fb, FS_OK);
    usleep(1600 * 1000); /* let the slow answer drain */
    j = query("SELECT COUNT(*) FROM events", NULL, NULL);
    ck_assert_msg(first_code(j) == 0, "%s", first_message(j));
    ck_assert_int_eq((int)cell(j, 0, 0), 40);
    cJSON_Delete(j);
}
END_TEST

START_TEST(dead_server_and_return)
{
    add_table();
    fake_kill(&fb);
    cJSON *j = query("SELECT COUNT(*) FROM events", NULL, NULL);
    ck_assert_int_eq(first_code(j), 427);
    ck_assert_int_eq((int)cell(j, 0, 0), 20);
    cJSON_Delete(j);
    /* the refresher notices */
    bool down = false;
    for (int i = 0; i < 50 && !down; i++) {
        usleep(100 * 1000);
        brk_routing *r = brk_sync_routing(broker->sync);
        down = !r->up[1];
        brk_routing_unref(r);
    }
    ck_assert(down);
    /* its segments are still counted on: the answer says what is missing */
    j = query("SELECT COUNT(*) FROM events", NULL, NULL);
    ck_assert_int_eq(first_code(j), 427);
    ck_assert_int_eq((int)cell(j, 0, 0), 20);
    cJSON_Delete(j);
    /* the server returns (empty: it lost its tables) on the same port */
    fb.has_table = false;
    fb.puts = 0;
    fake_listen(&fb, fb.port);
    int64_t deadline = tn_now_ms() + 5000;
    int count = 0;
    while (tn_now_ms() < deadline && (count != 40 || fb.puts < 1)) {
        usleep(100 * 1000);
        j = query("SELECT COUNT(*) FROM events", NULL, NULL);
        count = first_code(j) ? 0 : (int)cell(j, 0, 0);
        cJSON_Delete(j);
    }
    ck_assert_int_eq(count, 40);
    ck_assert_int_ge(fb.puts, 1); /* the broker pushed the table again */
}
END_TEST

START_TEST(no_routing)
{
    brk_response r = admin(BRK_POST, "/schemas", EVENTS, NULL, NULL);
    brk_response_free(&r);
    /* the table exists in the catalog, but no server reports it */
    char name[300], err[TN_ERRLEN];
    ck_assert_int_eq(brk_catalog_put_table(broker->catalog, OFFLINE_CFG, strlen(OFFLINE_CFG), name,
                                           sizeof name, err), 0);
    cJSON *j = query("SELECT COUNT(*) FROM events", NULL, NULL);
    ck_assert_int_eq(first_code(j), 410);
    cJSON_Delete(j);
}
END_TEST

START_TEST(admin_calls)
{
    add_table();
    brk_response r = admin(BRK_POST, "/tables", OFFLINE_CFG, NULL, NULL);
    ck_assert_int_eq(r.status, 409);
    ck_assert(strstr(r.body, "already exist"));
    brk_response_free(&r);
    r = admin(BRK_POST, "/schemas", EVENTS, "override", "false");
    ck_assert_int_eq(r.status, 409);
    brk_response_free(&r);
    r = admin(BRK_POST, "/schemas", "{\"schemaName\":", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "\"code\":400"));
    brk_response_free(&r);
    r = admin(BRK_GET, "/tables", NULL, NULL, NULL);
    ck_assert_str_eq(r.body, "{\"tables\":[\"events\"]}");
    brk_response_free(&r);
    r = admin(BRK_GET, "/tables/events", NULL, NULL, NULL);
    cJSON *j = cJSON_Parse(r.body);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "OFFLINE"), "tableName")->valuestring,
                     "events_OFFLINE");
    cJSON_Delete(j);
    brk_response_free(&r);
    r = admin(BRK_GET, "/segments/events", NULL, NULL, NULL);
    ck_assert_str_eq(r.body, "[{\"OFFLINE\":[\"events_a\",\"events_b\"]}]");
    brk_response_free(&r);
    r = admin(BRK_GET, "/segments/events/events_b/metadata", NULL, NULL, NULL);
    j = cJSON_Parse(r.body);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "segment.total.docs")->valuestring, "20");
    cJSON_Delete(j);
    brk_response_free(&r);
    r = admin(BRK_GET, "/segments/events/nope/metadata", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    brk_response_free(&r);
    r = admin(BRK_GET, "/tables/events/schema", NULL, NULL, NULL);
    ck_assert_str_eq(r.body, EVENTS);
    brk_response_free(&r);
    r = admin(BRK_GET, "/debug/timeBoundary/events", NULL, NULL, NULL);
    ck_assert_str_eq(r.body, "{\"timeColumn\":\"day\",\"timeValue\":\"118\"}");
    brk_response_free(&r);
    r = admin(BRK_DELETE, "/schemas/events", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 409);
    brk_response_free(&r);
    r = admin(BRK_GET, "/nope", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    brk_response_free(&r);
    r = admin(BRK_POST, "/tables/events/pauseConsumption", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 404); /* no REALTIME part */
    brk_response_free(&r);
    r = admin(BRK_DELETE, "/tables/events", NULL, "type", "OFFLINE");
    ck_assert_str_eq(r.body, "{\"status\":\"Tables: [events_OFFLINE] deleted\"}");
    brk_response_free(&r);
    ck_assert(!fa.has_table && !fb.has_table);
    r = admin(BRK_GET, "/tables/events", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    brk_response_free(&r);
    r = admin(BRK_DELETE, "/schemas/events", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    brk_response_free(&r);
}
END_TEST

static void *query_loop(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 25; i++) {
        brk_response resp = {0};
        brk_query_run(broker, NULL, "SELECT COUNT(*) FROM events", NULL, tn_mono_ns(), false, &resp);
        cJSON *j = cJSON_Parse(resp.body);
        if (j && !first_code(j) && (int)cell(j, 0, 0) == 40)
            (*ok)++;
        cJSON_Delete(j);
        brk_response_free(&resp);
    }
    return NULL;
}

START_TEST(concurrent_queries)
{
    add_table();
    enum { N = 8 };
    pthread_t t[N];
    int ok[N] = {0};
    for (int i = 0; i < N; i++)
        pthread_create(&t[i], NULL, query_loop, &ok[i]);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(ok[i], 25);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_query");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, push_and_scatter);
    tcase_add_test(tc, hybrid);
    tcase_add_test(tc, query_errors);
    tcase_add_test(tc, dead_server_and_return);
    tcase_add_test(tc, no_routing);
    tcase_add_test(tc, admin_calls);
    tcase_add_test(tc, concurrent_queries);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
