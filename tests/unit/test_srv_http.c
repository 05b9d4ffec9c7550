/*
 * test_srv_http.c: the server's admin HTTP on loopback over a real
 * srv_node holding an OFFLINE table: health, tables, segments, metrics,
 * local SQL (POST and GET, typed and raw table names) with Pinot's
 * response and error shapes, uploads, bad bodies, unknown paths, oversized
 * bodies.
 * The client is a few lines of HTTP/1.0 over a socket, so what is checked
 * is exactly what goes over the wire. A second case adds a REALTIME table
 * of the same name fed from librdkafka's mock cluster: a hybrid table,
 * split at Pinot's time boundary, and the consumption endpoints.
 */
#include <check.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "srv_http.h"
#include "srv_service.h"

#define NROWS 1000

static const char schema_json[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

static const char table_json[] =
    "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\","
    "\"segmentsConfig\":{\"timeColumnName\":\"ts\",\"replication\":\"1\"},"
    "\"tableIndexConfig\":{},\"metadata\":{}}";

static char dir[64];
static srv_node *node;
static srv_http *http;
static srv_service *svc;
static int port;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tn_srv_http_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char err[TN_ERRLEN];
    srv_node_opts o = {.data_dir = dir, .name = "Server_http_test", .no_sync = true};
    ck_assert_msg(srv_node_open(&o, &node, err) == 0, "open: %s", err);
    ck_assert_msg(srv_node_put_table(node, schema_json, table_json, 0, 1, err) == 0, "%s", err);
    tn_buf rows = {0};
    for (int r = 0; r < NROWS; r++) {
        char line[128];
        int n = snprintf(line, sizeof line, "{\"country\":\"%s\",\"clicks\":%d,\"ts\":%lld}\n",
                         r % 2 ? "fr" : "de", r, 1700000000000LL + r * 1000LL);
        tn_buf_append(&rows, line, (size_t)n);
    }
    char *res;
    ck_assert_msg(srv_node_ingest(node, "ev_OFFLINE", "{\"inputFormat\":\"json\"}",
                                  (const char *)rows.data, rows.len, &res, err) == 0,
                  "ingest: %s", err);
    free(res);
    tn_buf_free(&rows);
    ck_assert_msg(srv_http_start(node, "127.0.0.1", 0, &http, err) == 0, "http: %s", err);
    ck_assert_msg(srv_service_start(node, "127.0.0.1", 0, 2, &svc, err) == 0, "%s", err);
    srv_http_set_service(http, svc);
    port = srv_http_port(http);
}

static void teardown(void)
{
    srv_http_stop(http);
    srv_service_stop(svc);
    srv_node_close(node);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* One HTTP/1.0 exchange; returns the status, *body the body (heap). */
static int http_call(const char *method, const char *path, const char *body, size_t blen,
                     char **out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char head[512];
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.0\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, blen);
    ck_assert_int_eq(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
    if (blen)
        send(fd, body, blen, MSG_NOSIGNAL); /* may be cut short by a 413 */
    tn_buf in = {0};
    for (;;) {
        tn_buf_reserve(&in, 4096);
        ssize_t r = recv(fd, in.data + in.len, 4096, 0);
        if (r <= 0)
            break;
        in.len += (size_t)r;
    }
    close(fd);
    tn_buf_append(&in, "", 1);
    int status = 0;
    ck_assert_int_eq(sscanf((const char *)in.data, "HTTP/1.%*d %d", &status), 1);
    const char *b = strstr((const char *)in.data, "\r\n\r\n");
    *out = tn_strdup(b ? b + 4 : "");
    tn_buf_free(&in);
    return status;
}

static int get(const char *path, char **out) { return http_call("GET", path, NULL, 0, out); }

static int post(const char *path, const char *body, char **out)
{
    return http_call("POST", path, body, strlen(body), out);
}

#define HAS(s, sub) ck_assert_msg(strstr((s), (sub)) != NULL, "no '%s' in: %.600s", (sub), (s))

START_TEST(health_tables_segments)
{
    char *b;
    ck_assert_int_eq(get("/health", &b), 200);
    ck_assert_str_eq(b, "OK");
    free(b);
    ck_assert_int_eq(get("/tables", &b), 200);
    HAS(b, "{\"tables\":[\"ev_OFFLINE\"]}");
    free(b);
    ck_assert_int_eq(get("/tables/ev/segments", &b), 200);
    HAS(b, "\"name\":\"ev_OFFLINE\"");
    HAS(b, "\"segments\":[{");
    free(b);
    ck_assert_int_eq(get("/tables/ev_OFFLINE/segments", &b), 200);
    free(b);
    ck_assert_int_eq(get("/tables/nope/segments", &b), 404);
    HAS(b, "{\"code\":404,\"error\":\"Table nope does not exist");
    free(b);
    ck_assert_int_eq(get("/nowhere", &b), 404);
    HAS(b, "\"code\":404");
    free(b);
    ck_assert_int_eq(post("/health", "", &b), 405);
    free(b);
    ck_assert_int_eq(get("/tables/ev/pauseConsumption", &b), 405);
    free(b);
}
END_TEST

START_TEST(local_sql)
{
    char *b;
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT COUNT(*) FROM ev\"}", &b), 200);
    HAS(b, "\"rows\":[[1000]]");
    HAS(b, "\"exceptions\":[]");
    HAS(b, "\"numServersResponded\":1");
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT country, SUM(clicks) FROM ev_OFFLINE "
                                        "GROUP BY country ORDER BY country\","
                                        "\"queryOptions\":\"timeoutMs=5000\"}", &b), 200);
    HAS(b, "\"rows\":[[\"de\",249500.0],[\"fr\",250000.0]]");
    free(b);
    ck_assert_int_eq(get("/query/sql?sql=SELECT%20COUNT(*)%20FROM%20ev%20WHERE%20country%3D'fr'",
                         &b), 200);
    HAS(b, "\"rows\":[[500]]");
    free(b);
    /* Pinot's errors: in the response with HTTP 200 */
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT COUNT(*) FROM nope\"}", &b), 200);
    HAS(b, "\"errorCode\":190");
    ck_assert_ptr_null(strstr(b, "resultTable"));
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELEC 1 FROM ev\"}", &b), 200);
    HAS(b, "\"errorCode\":150");
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT nocol FROM ev\"}", &b), 200);
    HAS(b, "\"errorCode\":710");
    free(b);
}
END_TEST

START_TEST(bad_requests)
{
    char *b;
    ck_assert_int_eq(post("/query/sql", "{\"sql\": ", &b), 400);
    HAS(b, "{\"code\":400,\"error\":\"Invalid JSON");
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"query\":\"SELECT 1\"}", &b), 400);
    HAS(b, "Payload is missing the query string field 'sql'");
    free(b);
    ck_assert_int_eq(post("/query/sql", "[1,2]", &b), 400);
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT 1 FROM ev\",\"queryOptions\":5}", &b),
                     400);
    free(b);
    ck_assert_int_eq(get("/query/sql", &b), 400);
    free(b);
    size_t big = (2u << 20);
    char *huge = tn_malloc(big);
    memset(huge, ' ', big);
    ck_assert_int_eq(http_call("POST", "/query/sql", huge, big, &b), 413);
    free(b);
    free(huge);
    /* and it still serves */
    ck_assert_int_eq(get("/health", &b), 200);
    free(b);
}
END_TEST

START_TEST(metrics_count_queries)
{
    char *b;
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT COUNT(*) FROM ev\"}", &b), 200);
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT COUNT(*) FROM nope\"}", &b), 200);
    free(b);
    ck_assert_int_eq(get("/metrics", &b), 200);
    HAS(b, "# TYPE tannin_server_queries_total counter");
    HAS(b, "tannin_server_queries_total{protocol=\"http\"} 2");
    HAS(b, "tannin_server_query_errors_total{protocol=\"http\"} 1");
    HAS(b, "tannin_server_queries_total{protocol=\"binary\"} 0");
    HAS(b, "tannin_server_query_seconds_bucket{protocol=\"http\",le=\"+Inf\"} 2");
    HAS(b, "tannin_server_query_seconds_count{protocol=\"http\"} 2");
    free(b);
}
END_TEST

START_TEST(ingest_from_file)
{
    char *b;
    const char rows[] = "{\"country\":\"it\",\"clicks\":5,\"ts\":1700000000000}\n"
                        "not json\n"
                        "{\"country\":\"it\",\"clicks\":7,\"ts\":1700000001000}\n";
    ck_assert_int_eq(post("/ingestFromFile?tableNameWithType=ev_OFFLINE&batchConfigMapStr="
                          "%7B%22inputFormat%22%3A%22json%22%7D", rows, &b), 200);
    HAS(b, "Successfully ingested file into table: ev_OFFLINE as segment: ");
    free(b);
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT SUM(clicks) FROM ev "
                                        "WHERE country = 'it'\"}", &b), 200);
    HAS(b, "\"rows\":[[12.0]]");
    free(b);
    ck_assert_int_eq(post("/ingestFromFile", rows, &b), 400);
    HAS(b, "tableNameWithType");
    free(b);
    ck_assert_int_eq(post("/ingestFromFile?tableNameWithType=nope_OFFLINE", rows, &b), 404);
    free(b);
    ck_assert_int_eq(get("/ingestFromFile", &b), 405);
    free(b);
}
END_TEST

START_TEST(consumption_endpoints_answer)
{
    /* an OFFLINE table has no consumption: a clear error, not a crash */
    char *b;
    int st = post("/tables/ev/pauseConsumption", "", &b);
    ck_assert_msg(st == 200 || st == 400 || st == 404, "status %d: %s", st, b);
    HAS(b, st == 200 ? "\"pauseFlag\":true" : "\"code\":");
    free(b);
    st = post("/tables/nope/forceCommit", "", &b);
    ck_assert_int_eq(st, 404);
    HAS(b, "\"code\":404");
    free(b);
}
END_TEST

/* ---- a hybrid table ------------------------------------------------------------------ */

#define HOUR_MS 3600000LL
#define TS0 1700000000000LL

static rd_kafka_t *producer;

static const char rt_table_fmt[] =
    "{\"tableName\":\"ev\",\"tableType\":\"REALTIME\","
    "\"segmentsConfig\":{\"timeColumnName\":\"ts\",\"replication\":\"1\"},"
    "\"tableIndexConfig\":{\"streamConfigs\":{\"streamType\":\"kafka\","
    "\"stream.kafka.topic.name\":\"ev\",\"stream.kafka.broker.list\":\"%s\","
    "\"stream.kafka.decoder.class.name\":"
    "\"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder\","
    "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\","
    "\"realtime.segment.flush.threshold.rows\":\"1000\"}},\"metadata\":{}}";

static void quiet_log(void *ctx, const char *line)
{
    (void)ctx, (void)line;
}

/* OFFLINE: one row an hour for hours 0..71; REALTIME (Kafka): hours 48..95. */
static void hybrid_setup(void)
{
    char err[TN_ERRLEN];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    ck_assert_int_eq(rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ck_assert_msg(producer != NULL, "%s", err);
    rd_kafka_mock_cluster_t *mc = rd_kafka_handle_mock_cluster(producer);
    ck_assert_int_eq(rd_kafka_mock_topic_create(mc, "ev", 1, 1), 0);
    for (int h = 48; h < 96; h++) {
        char msg[128];
        int n = snprintf(msg, sizeof msg, "{\"country\":\"rt\",\"clicks\":1,\"ts\":%lld}",
                         TS0 + h * HOUR_MS);
        ck_assert_int_eq(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("ev"),
                                           RD_KAFKA_V_PARTITION(0),
                                           RD_KAFKA_V_VALUE(msg, (size_t)n),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_END), 0);
    }
    ck_assert_int_eq(rd_kafka_flush(producer, 10000), 0);

    snprintf(dir, sizeof dir, "/tmp/tn_srv_http_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    srv_node_opts o = {.data_dir = dir, .name = "Server_hybrid", .no_sync = true,
                       .log = quiet_log};
    ck_assert_msg(srv_node_open(&o, &node, err) == 0, "open: %s", err);
    ck_assert_msg(srv_node_put_table(node, schema_json, table_json, 0, 1, err) == 0, "%s", err);
    tn_buf rows = {0};
    for (int h = 0; h < 72; h++) {
        char line[128];
        int n = snprintf(line, sizeof line, "{\"country\":\"off\",\"clicks\":1,\"ts\":%lld}\n",
                         TS0 + h * HOUR_MS);
        tn_buf_append(&rows, line, (size_t)n);
    }
    char *res;
    ck_assert_msg(srv_node_ingest(node, "ev_OFFLINE", "{\"inputFormat\":\"json\"}",
                                  (const char *)rows.data, rows.len, &res, err) == 0, "%s", err);
    free(res);
    tn_buf_free(&rows);
    char rt[2048];
    snprintf(rt, sizeof rt, rt_table_fmt,
             rd_kafka_mock_cluster_bootstraps(rd_kafka_handle_mock_cluster(producer)));
    ck_assert_msg(srv_node_put_table(node, schema_json, rt, 0, 1, err) == 0, "%s", err);
    ck_assert_msg(srv_http_start(node, "127.0.0.1", 0, &http, err) == 0, "http: %s", err);
    port = srv_http_port(http);
    svc = NULL;
}

static void hybrid_teardown(void)
{
    srv_http_stop(http);
    srv_node_close(node);
    rd_kafka_destroy(producer);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* Polls a query until its body holds want (the consumer catches up). */
static bool wait_for(const char *body, const char *want)
{
    for (int i = 0; i < 200; i++) {
        char *b;
        int st = post("/query/sql", body, &b);
        bool got = st == 200 && strstr(b, want);
        free(b);
        if (got)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

START_TEST(hybrid_table_splits_at_the_boundary)
{
    ck_assert(wait_for("{\"sql\":\"SELECT COUNT(*) FROM ev_REALTIME\"}", "\"rows\":[[48]]"));
    char *b;
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT COUNT(*) FROM ev_OFFLINE\"}", &b), 200);
    HAS(b, "\"rows\":[[72]]");
    free(b);
    /* boundary = newest OFFLINE time - 1 day = hour 47: OFFLINE answers hours
     * 0..47, REALTIME 48..95, each row once */
    ck_assert_int_eq(post("/query/sql", "{\"sql\":\"SELECT country, COUNT(*) FROM ev "
                                        "GROUP BY country ORDER BY country\"}", &b), 200);
    HAS(b, "\"rows\":[[\"off\",48],[\"rt\",48]]");
    free(b);
    ck_assert_int_eq(get("/tables/ev/segments", &b), 200);
    HAS(b, "\"name\":\"ev_REALTIME\"");
    HAS(b, "\"state\":\"CONSUMING\"");
    free(b);
    ck_assert_int_eq(post("/tables/ev_REALTIME/pauseConsumption", "", &b), 200);
    HAS(b, "\"pauseFlag\":true");
    free(b);
    /* a bad consumeFrom is refused with the allowed values; the table stays paused */
    ck_assert_int_eq(post("/tables/ev/resumeConsumption?consumeFrom=oldest", "", &b), 400);
    HAS(b, "consumeFrom must be lastConsumed, smallest or largest, got 'oldest'");
    free(b);
    ck_assert_int_eq(post("/tables/ev/resumeConsumption?consumeFrom=lastConsumed", "", &b), 200);
    HAS(b, "\"pauseFlag\":false");
    free(b);
    ck_assert_int_eq(post("/tables/ev_REALTIME/forceCommit", "", &b), 200);
    HAS(b, "\"forceCommitStatus\":\"SUCCESS\"");
    free(b);
    ck_assert(srv_node_wait_sealed(node, "ev_REALTIME", 10000));
    ck_assert(wait_for("{\"sql\":\"SELECT COUNT(*) FROM ev\"}", "\"rows\":[[96]]"));
}
END_TEST

int main(void)
{
    Suite *su = suite_create("srv_http");
    TCase *tc = tcase_create("http");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, health_tables_segments);
    tcase_add_test(tc, local_sql);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, metrics_count_queries);
    tcase_add_test(tc, ingest_from_file);
    tcase_add_test(tc, consumption_endpoints_answer);
    suite_add_tcase(su, tc);
    TCase *hy = tcase_create("hybrid");
    tcase_add_checked_fixture(hy, hybrid_setup, hybrid_teardown);
    tcase_set_timeout(hy, 60);
    tcase_add_test(hy, hybrid_table_splits_at_the_boundary);
    suite_add_tcase(su, hy);
    SRunner *sr = srunner_create(su);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
