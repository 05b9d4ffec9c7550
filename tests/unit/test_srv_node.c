/*
 * test_srv_node.c: the server core against an in-process Kafka (librdkafka's
 * mock cluster): ingestion and queries, seals while querying (each row
 * counted exactly once), restart without duplicates, bad messages, data
 * loss, retention, pause/resume, force commit, a Kafka outage, drop and
 * re-create, OFFLINE uploads of JSON and CSV, unnested messages
 * (complexTypeConfig) across restarts, size-based flush thresholds, and
 * (case "streams") two topics into one table and consumption rate limits.
 *
 * Expected counts come from what the test produced, never from the code
 * under test.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <ftw.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "qry_reduce.h"
#include "srv_node.h"

#define WAIT_MS 30000

static char root[64];
static char err[TN_ERRLEN];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void dir_for(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", root, name);
    nftw(out, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- Kafka ---------------------------------------------------------- */

typedef struct kafka_env {
    rd_kafka_t *mrk;              /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *prod;
    char bootstrap[512];
} kafka_env;

static void kafka_open(kafka_env *k, int brokers)
{
    char e[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "0", e, sizeof e);
    k->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof e);
    ck_assert_ptr_nonnull(k->mrk);
    k->mc = rd_kafka_mock_cluster_new(k->mrk, brokers);
    ck_assert_ptr_nonnull(k->mc);
    snprintf(k->bootstrap, sizeof k->bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(k->mc));
    c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", k->bootstrap, e, sizeof e);
    rd_kafka_conf_set(c, "linger.ms", "2", e, sizeof e);
    rd_kafka_conf_set(c, "message.max.bytes", "4000000", e, sizeof e);
    rd_kafka_conf_set(c, "log_level", "0", e, sizeof e); /* the outage test's reconnects */
    k->prod = rd_kafka_new(RD_KAFKA_PRODUCER, c, e, sizeof e);
    ck_assert_ptr_nonnull(k->prod);
}

static void kafka_topic(kafka_env *k, const char *topic, int parts)
{
    ck_assert_int_eq(rd_kafka_mock_topic_create(k->mc, topic, parts, 1), 0);
}

static void produce(kafka_env *k, const char *topic, int32_t part, const void *p, size_t n)
{
    rd_kafka_resp_err_t e;
    while ((e = rd_kafka_producev(k->prod, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
                                  RD_KAFKA_V_VALUE((void *)p, n),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(k->prod, 10);
    ck_assert_int_eq(e, 0);
}

static void kafka_flush(kafka_env *k)
{
    ck_assert_int_eq(rd_kafka_flush(k->prod, 30000), 0);
}

static void kafka_close(kafka_env *k)
{
    rd_kafka_destroy(k->prod);
    rd_kafka_mock_cluster_destroy(k->mc);
    rd_kafka_destroy(k->mrk);
}

/* ---- events --------------------------------------------------------- */

#define NCOUNTRY 5

static const char schema_json[] =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"},{\"name\":\"device\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

/* A REALTIME config for topic, with extra JSON members for the stream map. */
static char *rt_config(const kafka_env *k, const char *topic, const char *stream_extra,
                       const char *table_extra)
{
    char *s;
    int n = asprintf(&s,
        "{\"tableName\":\"events\",\"tableType\":\"REALTIME\","
        "\"segmentsConfig\":{\"timeColumnName\":\"ts\"%s},"
        "\"tableIndexConfig\":{\"invertedIndexColumns\":[\"country\"]},"
        "\"ingestionConfig\":{\"streamIngestionConfig\":{\"streamConfigMaps\":[{"
        "\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"%s\","
        "\"stream.kafka.broker.list\":\"%s\","
        "\"stream.kafka.decoder.class.name\":\"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder\","
        "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\"%s}]}}}",
        table_extra ? table_extra : "", topic, k->bootstrap, stream_extra ? stream_extra : "");
    ck_assert_int_gt(n, 0);
    return s;
}

/* Produces n events i = first.. first+n-1 round-robin over parts
 * partitions; country c(i % NCOUNTRY). */
static void produce_events(kafka_env *k, const char *topic, int parts, int first, int n,
                           int64_t ts)
{
    char buf[256];
    for (int i = first; i < first + n; i++) {
        int len = snprintf(buf, sizeof buf,
                           "{\"country\":\"c%d\",\"device\":\"d%d\",\"clicks\":%d,\"ts\":%lld}",
                           i % NCOUNTRY, i % 3, i, (long long)ts);
        produce(k, topic, i % parts, buf, (size_t)len);
    }
    kafka_flush(k);
}

/* ---- the node ------------------------------------------------------- */

typedef struct logcap {
    pthread_mutex_t mu;
    int lines, loss, invalid, suppressed;
} logcap;

static void log_fn(void *ctx, const char *line)
{
    logcap *l = ctx;
    pthread_mutex_lock(&l->mu);
    l->lines++;
    l->loss += strstr(line, "DATA LOSS") != NULL;
    l->invalid += strstr(line, "invalid message") != NULL;
    l->suppressed += strstr(line, "suppressed") != NULL;
    pthread_mutex_unlock(&l->mu);
    if (getenv("TN_TEST_VERBOSE"))
        fprintf(stderr, "%s\n", line);
}

static logcap logs = {.mu = PTHREAD_MUTEX_INITIALIZER};

static srv_node *node_open(const char *dir)
{
    srv_node_opts o = {.data_dir = dir, .name = "Server_test", .no_sync = true,
                       .retention_check_ms = 100, .log = log_fn, .log_ctx = &logs};
    srv_node *n = NULL;
    ck_assert_msg(srv_node_open(&o, &n, err) == TN_OK, "open: %s", err);
    return n;
}

static void put_table(srv_node *n, const char *schema, const char *config)
{
    ck_assert_msg(srv_node_put_table(n, schema, config, 0, 1, err) == TN_OK, "put: %s", err);
}

/* Runs sql over the table's snapshot; the result's first cell of each row
 * into out (a count), and the second into keys when given. */
static int run_sql(srv_node *n, const char *table, const char *sql, int64_t *vals,
                   char keys[][16], uint32_t cap, uint32_t *nrows)
{
    srv_snapshot snap;
    if (srv_node_snapshot(n, table, NULL, 0, &snap, err))
        return -1;
    qry_err qe = {0};
    qry_query *q = NULL;
    qry_partial merged;
    qry_result res;
    int rc = qry_compile(sql, QRY_HTTP, NULL, snap.schema, &q, &qe);
    qry_exec_opts xo = {.threads = 1};
    if (!rc)
        rc = qry_execute(q, snap.segs, snap.nsegs, &xo, &merged, &qe);
    if (!rc) {
        rc = qry_reduce(q, &merged, &res, &qe);
        qry_partial_free(q, &merged);
    }
    ck_assert_msg(rc == 0, "%s: %s", sql, qe.msg);
    *nrows = res.nrows;
    for (uint32_t i = 0; i < res.nrows && i < cap; i++) {
        const qry_val *v = &res.cells[(size_t)i * res.ncols];
        vals[i] = v[0].kind == QV_LONG ? v[0].i : (int64_t)v[0].d;
        if (keys && res.ncols > 1)
            snprintf(keys[i], 16, "%.*s", (int)v[1].len, v[1].s);
    }
    qry_result_free(&res);
    qry_query_free(q);
    srv_snapshot_release(&snap);
    return 0;
}

static int64_t count_rows(srv_node *n, const char *table)
{
    int64_t v = -1;
    uint32_t nrows = 0;
    if (run_sql(n, table, "SELECT COUNT(*) FROM events", &v, NULL, 1, &nrows))
        return -1;
    return v;
}

/* Waits for the count; strict: it must never exceed want meanwhile. */
static bool wait_count_x(srv_node *n, const char *table, int64_t want, bool strict)
{
    int64_t got = -1;
    for (int t = 0; t < WAIT_MS / 20; t++) {
        if ((got = count_rows(n, table)) == want)
            return true;
        ck_assert_msg(!strict || got <= want, "count %lld exceeds %lld", (long long)got,
                      (long long)want);
        usleep(20000);
    }
    fprintf(stderr, "count is %lld, expected %lld\n", (long long)got, (long long)want);
    return false;
}

static bool wait_count(srv_node *n, const char *table, int64_t want)
{
    return wait_count_x(n, table, want, true);
}

/* GROUP BY country against the counts the test produced. */
static void check_groups(srv_node *n, const char *table, int first, int total)
{
    int64_t vals[16];
    char keys[16][16];
    uint32_t nrows;
    ck_assert_int_eq(run_sql(n, table,
                             "SELECT COUNT(*), country FROM events GROUP BY country "
                             "ORDER BY country", vals, keys, 16, &nrows), 0);
    ck_assert_uint_eq(nrows, NCOUNTRY);
    for (uint32_t g = 0; g < nrows; g++) {
        int64_t want = 0;
        for (int i = first; i < first + total; i++)
            want += i % NCOUNTRY == (int)g;
        char key[16];
        snprintf(key, sizeof key, "c%u", g);
        ck_assert_str_eq(keys[g], key);
        ck_assert_int_eq(vals[g], want);
    }
}

/* A number from the status JSON: tables[0].partitions[p].field, or
 * tables[0].field when p < 0. */
static int64_t status_num(srv_node *n, const char *table, int p, const char *field)
{
    char *s = srv_node_status_json(n, table);
    cJSON *o = cJSON_Parse(s);
    free(s);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tables"), 0);
    const cJSON *x = t;
    if (p >= 0) {
        const cJSON *parts = cJSON_GetObjectItem(t, "partitions");
        x = NULL;
        for (const cJSON *e = parts ? parts->child : NULL; e; e = e->next)
            if (cJSON_GetObjectItem(e, "partition")->valueint == p)
                x = e;
    }
    const cJSON *v = x ? cJSON_GetObjectItem(x, field) : NULL;
    int64_t out = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : cJSON_IsTrue(v) ? 1 : -1;
    cJSON_Delete(o);
    return out;
}

static char *status_str(srv_node *n, const char *table, int p, const char *field)
{
    char *s = srv_node_status_json(n, table);
    cJSON *o = cJSON_Parse(s);
    free(s);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tables"), 0);
    const cJSON *parts = cJSON_GetObjectItem(t, "partitions"), *x = NULL;
    for (const cJSON *e = parts ? parts->child : NULL; e; e = e->next)
        if (cJSON_GetObjectItem(e, "partition")->valueint == p)
            x = e;
    const cJSON *v = x ? cJSON_GetObjectItem(x, field) : NULL;
    char *out = tn_strdup(cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(o);
    return out;
}

/* Segments by status in the status JSON. */
static void segment_counts(srv_node *n, const char *table, int *done, int *in_progress)
{
    char *s = srv_node_status_json(n, table);
    cJSON *o = cJSON_Parse(s);
    free(s);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tables"), 0);
    *done = *in_progress = 0;
    const cJSON *segs = cJSON_GetObjectItem(t, "segments");
    for (const cJSON *e = segs ? segs->child : NULL; e; e = e->next) {
        const char *st = cJSON_GetObjectItem(e, "status")->valuestring;
        *done += !strcmp(st, "DONE");
        *in_progress += !strcmp(st, "IN_PROGRESS");
    }
    cJSON_Delete(o);
}

static bool wait_ready(srv_node *n)
{
    char why[512];
    for (int t = 0; t < WAIT_MS / 20; t++) {
        if (srv_node_ready(n, why, sizeof why))
            return true;
        usleep(20000);
    }
    fprintf(stderr, "not ready: %s\n", why);
    return false;
}

/* ---- tests ---------------------------------------------------------- */

START_TEST(ingest_and_query)
{
    kafka_env k;
    kafka_open(&k, 3);
    kafka_topic(&k, "ev", 2);
    const int N = 5000;
    produce_events(&k, "ev", 2, 0, N, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "ingest");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"1000\"", NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events_REALTIME", N));
    ck_assert(wait_count(n, "events", N)); /* the raw name resolves too */
    check_groups(n, "events", 0, N);
    ck_assert(wait_ready(n));
    /* 2,500 rows per partition at 1,000 per segment: 2 sealed + 1 consuming each */
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    int done, in_progress;
    segment_counts(n, "events", &done, &in_progress);
    ck_assert_int_eq(done, 4);
    ck_assert_int_eq(in_progress, 2);
    ck_assert_int_eq(status_num(n, "events", 0, "rowsIngested"), N / 2);
    ck_assert_int_eq(status_num(n, "events", 1, "currentOffset"), N / 2);
    ck_assert_int_eq(status_num(n, "events", 1, "latestOffset"), N / 2);
    ck_assert_int_eq(status_num(n, "events", 1, "lag"), 0);
    char *state = status_str(n, "events", 0, "state");
    ck_assert_str_eq(state, "CONSUMING");
    free(state);
    /* idempotent put: the consumers keep going (rows are not re-counted) */
    put_table(n, schema_json, cfg);
    ck_assert_int_eq(status_num(n, "events", 0, "rowsIngested"), N / 2);
    /* freshness: one more event is visible quickly */
    int64_t t0 = tn_now_ms();
    produce_events(&k, "ev", 2, N, 1, tn_now_ms());
    ck_assert(wait_count(n, "events", N + 1));
    ck_assert_int_lt(tn_now_ms() - t0, 2000);
    /* metrics */
    char *m = srv_node_metrics_text(n);
    ck_assert_ptr_nonnull(strstr(m, "tannin_server_rows_ingested_total{table=\"events_REALTIME\",partition=\"0\"}"));
    ck_assert_ptr_nonnull(strstr(m, "tannin_server_ready 1"));
    free(m);
    char col[64];
    ck_assert(srv_node_time_column(n, "events", col, sizeof col));
    ck_assert_str_eq(col, "ts");
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

typedef struct query_loop {
    srv_node *n;
    int64_t max_count;
    volatile bool stop;
    int64_t last, queries, decreases, over;
} query_loop;

static void *query_main(void *arg)
{
    query_loop *q = arg;
    while (!q->stop) {
        int64_t c = count_rows(q->n, "events");
        if (c < 0)
            continue;
        q->over += c > q->max_count;
        q->decreases += c < q->last;
        q->last = c;
        q->queries++;
    }
    return NULL;
}

/* Segments seal every 150 rows while another thread counts: the count
 * never goes down (a row never vanishes during a swap) and never exceeds
 * what was produced (a row is never seen twice). */
START_TEST(seal_while_querying)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 3);
    const int N = 6000;
    produce_events(&k, "ev", 3, 0, N, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "seal");
    srv_node *n = node_open(dir);
    query_loop q = {.n = n, .max_count = N};
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"150\"", NULL);
    put_table(n, schema_json, cfg);
    pthread_t th;
    pthread_create(&th, NULL, query_main, &q);
    ck_assert(wait_count(n, "events", N));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    usleep(100000);
    q.stop = true;
    pthread_join(th, NULL);
    ck_assert_int_eq(q.over, 0);
    ck_assert_int_eq(q.decreases, 0);
    ck_assert_int_gt(q.queries, 10);
    int done, in_progress;
    segment_counts(n, "events", &done, &in_progress);
    ck_assert_int_eq(done, 3 * (N / 3 / 150)); /* 2,000 per partition: 13 sealed each */
    ck_assert_int_eq(count_rows(n, "events"), N);
    check_groups(n, "events", 0, N);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* Close and reopen: sealed segments load, consuming rows are consumed
 * again from the committed offsets, nothing twice; new events continue. */
START_TEST(restart_exactly_once)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    const int N = 3000;
    produce_events(&k, "ev", 2, 0, N, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "restart");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"400\"", NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", N));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    srv_node_close(n);
    for (int round = 0; round < 2; round++) {
        n = node_open(dir);
        ck_assert(wait_count(n, "events", N + round * 500));
        check_groups(n, "events", 0, N + round * 500);
        int done, in_progress;
        segment_counts(n, "events", &done, &in_progress);
        ck_assert_int_ge(done, 6);
        produce_events(&k, "ev", 2, N + round * 500, 500, tn_now_ms());
        ck_assert(wait_count(n, "events", N + (round + 1) * 500));
        srv_node_close(n);
    }
    /* segment numbers continue after the stored ones */
    n = node_open(dir);
    ck_assert(wait_count(n, "events", N + 1000));
    char *s = srv_node_status_json(n, "events");
    ck_assert_ptr_nonnull(strstr(s, "events__0__0__"));
    ck_assert_ptr_nonnull(strstr(s, "events__0__4__"));
    free(s);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

START_TEST(invalid_messages)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    static const char *const bad[] = {
        "{\"country\":", "[1,2,3]", "\"just a string\"", "{\"clicks\":\"many\"}",
        "{\"clicks\":[1,2]}", "", "{\"ts\":{\"nested\":1}}"};
    produce_events(&k, "ev", 1, 0, 10, tn_now_ms());
    for (size_t i = 0; i < TN_ARRAY_LEN(bad); i++)
        produce(&k, "ev", 0, bad[i], strlen(bad[i]));
    size_t big = 1024 * 1024 + 10;
    char *huge = tn_malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    produce(&k, "ev", 0, huge, big);
    free(huge);
    produce_events(&k, "ev", 1, 10, 10, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "invalid");
    srv_node *n = node_open(dir);
    int before = logs.invalid;
    char *cfg = rt_config(&k, "ev", NULL, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 20));
    ck_assert(wait_ready(n));
    int nbad = (int)TN_ARRAY_LEN(bad) + 1;
    ck_assert_int_eq(status_num(n, "events", 0, "invalidRows"), nbad);
    ck_assert_int_eq(status_num(n, "events", -1, "invalidRows"), nbad);
    ck_assert_int_eq(status_num(n, "events", 0, "currentOffset"), 20 + nbad);
    ck_assert_int_eq(logs.invalid - before, nbad); /* under the limit of 10 lines */
    /* the skipped offsets commit with the segment: nothing is re-read */
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    srv_node_close(n);
    n = node_open(dir);
    ck_assert(wait_count(n, "events", 20));
    ck_assert(wait_ready(n));
    ck_assert_int_eq(status_num(n, "events", 0, "invalidRows"), 0);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* More bad messages than the log limit: 10 lines, then a count. */
START_TEST(invalid_messages_rate_limited)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    for (int i = 0; i < 300; i++)
        produce(&k, "ev", 0, "nope", 4);
    kafka_flush(&k);
    char dir[128];
    dir_for(dir, sizeof dir, "ratelimit");
    srv_node *n = node_open(dir);
    int before = logs.invalid;
    char *cfg = rt_config(&k, "ev", NULL, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_ready(n));
    ck_assert_int_eq(status_num(n, "events", 0, "invalidRows"), 300);
    ck_assert_int_eq(logs.invalid - before, 10);
    ck_assert_int_eq(count_rows(n, "events"), 0);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* Kafka deletes data the server has not consumed (the mock keeps about
 * 5 MiB per partition): reported, counted, consumption goes on. */
START_TEST(data_loss)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    produce_events(&k, "ev", 1, 0, 50, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "loss");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", NULL, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 50));
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    srv_node_close(n);
    /* while the server is down, 8 MiB arrive: the oldest are deleted */
    char *pad = tn_malloc(4096);
    for (int i = 0; i < 2048; i++) {
        int len = snprintf(pad, 4096, "{\"country\":\"c0\",\"clicks\":%d,\"device\":\"", i);
        memset(pad + len, 'x', 4096 - len - 2);
        memcpy(pad + 4094, "\"}", 2);
        produce(&k, "ev", 0, pad, 4096);
        if (i % 64 == 63)
            kafka_flush(&k); /* many small message sets: the log trims by set */
    }
    kafka_flush(&k);
    free(pad);
    int64_t lo, hi;
    ck_assert_int_eq(rd_kafka_query_watermark_offsets(k.prod, "ev", 0, &lo, &hi, 5000), 0);
    ck_assert_int_gt(lo, 50);
    int before = logs.loss;
    n = node_open(dir);
    ck_assert(wait_count(n, "events", 50 + (hi - lo)));
    ck_assert(wait_ready(n));
    ck_assert_int_eq(status_num(n, "events", 0, "dataLossEvents"), 1);
    ck_assert_int_eq(logs.loss - before, 2); /* the reset, then how much was lost */
    ck_assert_int_eq(status_num(n, "events", 0, "currentOffset"), hi);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

START_TEST(retention)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    int64_t now = tn_now_ms(), old = now - 10 * 86400000LL;
    produce_events(&k, "ev", 1, 0, 100, old);
    char dir[128];
    dir_for(dir, sizeof dir, "retention");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", NULL,
                          ",\"retentionTimeUnit\":\"DAYS\",\"retentionTimeValue\":\"2\"");
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 100));
    /* the consuming segment is never deleted, however old its rows */
    usleep(400000);
    ck_assert_int_eq(count_rows(n, "events"), 100);
    srv_snapshot held;
    ck_assert_int_eq(srv_node_snapshot(n, "events", NULL, 0, &held, err), TN_OK);
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    produce_events(&k, "ev", 1, 100, 30, now);
    ck_assert(wait_count_x(n, "events", 30, false)); /* the old sealed segment went */
    int done, in_progress;
    segment_counts(n, "events", &done, &in_progress);
    ck_assert_int_eq(done, 0);
    /* a query that held the old segment still reads it */
    uint64_t docs = 0;
    for (uint32_t i = 0; i < held.nsegs; i++)
        docs += seg_segment_ndocs(held.segs[i]);
    ck_assert_uint_eq(docs, 100);
    srv_snapshot_release(&held);
    srv_node_close(n);
    /* and it is gone from the store */
    n = node_open(dir);
    ck_assert(wait_count(n, "events", 30));
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

START_TEST(pause_resume_force_commit)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    produce_events(&k, "ev", 2, 0, 200, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "pause");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", NULL, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 200));
    ck_assert_int_eq(srv_node_pause(n, "events", true, SRV_FROM_LAST, err), TN_OK);
    usleep(300000);
    char *state = status_str(n, "events", 1, "state");
    ck_assert_str_eq(state, "PAUSED");
    free(state);
    produce_events(&k, "ev", 2, 200, 100, tn_now_ms());
    usleep(1000000);
    ck_assert_int_eq(count_rows(n, "events"), 200);
    /* force commit while paused seals what was consumed */
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    int done, in_progress;
    segment_counts(n, "events", &done, &in_progress);
    ck_assert_int_eq(done, 2);
    ck_assert_int_eq(in_progress, 2);
    ck_assert_int_eq(count_rows(n, "events"), 200);
    /* the pause survives a restart */
    srv_node_close(n);
    n = node_open(dir);
    ck_assert(wait_count(n, "events", 200));
    usleep(500000);
    ck_assert_int_eq(count_rows(n, "events"), 200);
    ck_assert_int_eq(srv_node_pause(n, "events", false, SRV_FROM_LAST, err), TN_OK);
    ck_assert(wait_count(n, "events", 300));
    check_groups(n, "events", 0, 300);
    /* errors */
    ck_assert_int_eq(srv_node_pause(n, "nosuch", true, SRV_FROM_LAST, err), TN_ENOTFOUND);
    ck_assert_int_eq(srv_node_force_commit(n, "nosuch", err), TN_ENOTFOUND);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* Pinot's resumeConsumption consumeFrom: smallest re-reads what Kafka
 * still has (rows come again, as in Pinot), largest skips to the end; a
 * paused table restarted on a new, empty topic under the same name resumes
 * from smallest without a data-loss event. */
START_TEST(resume_consume_from)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    produce_events(&k, "ev", 2, 0, 100, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "from");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", NULL, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 100));
    ck_assert_int_eq(srv_node_pause(n, "events", true, SRV_FROM_LAST, err), TN_OK);
    ck_assert_int_eq(srv_node_pause(n, "events", false, SRV_FROM_SMALLEST, err), TN_OK);
    ck_assert(wait_count(n, "events", 200));
    ck_assert_int_eq(srv_node_pause(n, "events", false, SRV_FROM_LARGEST, err), TN_OK);
    usleep(500000);
    produce_events(&k, "ev", 2, 100, 10, tn_now_ms());
    ck_assert(wait_count(n, "events", 210));
    /* a new Kafka with an empty topic: the committed offsets are past its end */
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    ck_assert_int_eq(srv_node_pause(n, "events", true, SRV_FROM_LAST, err), TN_OK);
    srv_node_close(n);
    kafka_close(&k);
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    free(cfg);
    cfg = rt_config(&k, "ev", NULL, NULL);
    n = node_open(dir);
    put_table(n, schema_json, cfg); /* the new bootstrap address; still paused */
    ck_assert(wait_count(n, "events", 210));
    produce_events(&k, "ev", 2, 0, 30, tn_now_ms());
    ck_assert_int_eq(srv_node_pause(n, "events", false, SRV_FROM_SMALLEST, err), TN_OK);
    ck_assert(wait_count(n, "events", 240));
    usleep(300000);
    ck_assert_int_eq(count_rows(n, "events"), 240);
    ck_assert_int_eq(status_num(n, "events", 0, "dataLossEvents"), 0);
    ck_assert_int_eq(status_num(n, "events", 1, "dataLossEvents"), 0);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* Every broker down for a while: consumption resumes, nothing lost or
 * doubled. */
START_TEST(kafka_outage)
{
    kafka_env k;
    kafka_open(&k, 3);
    kafka_topic(&k, "ev", 3);
    produce_events(&k, "ev", 3, 0, 900, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "outage");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"250\"", NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 900));
    for (int b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_down(k.mc, b);
    usleep(2500000);
    ck_assert_int_eq(count_rows(n, "events"), 900);
    char *state = status_str(n, "events", 0, "state");
    char *last = status_str(n, "events", 0, "lastError");
    ck_assert_str_eq(state, "ERROR"); /* the outage shows */
    ck_assert_msg(strstr(last, "kafka: "), "%s", last);
    free(state);
    free(last);
    for (int b = 1; b <= 3; b++)
        rd_kafka_mock_broker_set_up(k.mc, b);
    produce_events(&k, "ev", 3, 900, 600, tn_now_ms());
    ck_assert(wait_count(n, "events", 1500));
    usleep(500000);
    ck_assert_int_eq(count_rows(n, "events"), 1500);
    check_groups(n, "events", 0, 1500);
    for (int t = 0; t < 200; t++) { /* and ends */
        state = status_str(n, "events", 0, "state");
        bool consuming = !strcmp(state, "CONSUMING");
        free(state);
        if (consuming)
            break;
        ck_assert_int_lt(t, 199);
        usleep(50000);
    }
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

START_TEST(drop_and_recreate)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    produce_events(&k, "ev", 1, 0, 300, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "drop");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"100\"", NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 300));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    ck_assert_int_eq(srv_node_drop_table(n, "events_REALTIME", err), TN_OK);
    srv_snapshot s;
    ck_assert_int_eq(srv_node_snapshot(n, "events", NULL, 0, &s, err), TN_ENOTFOUND);
    ck_assert_int_eq(srv_node_drop_table(n, "events_REALTIME", err), TN_ENOTFOUND);
    /* a re-created table starts over: every event once */
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", 300));
    srv_node_close(n);
    n = node_open(dir);
    ck_assert(wait_count(n, "events", 300));
    /* a config change restarts consumption from the committed offsets */
    char *cfg2 = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.rows\":\"50\"", NULL);
    put_table(n, schema_json, cfg2);
    ck_assert(wait_count(n, "events", 300));
    usleep(300000);
    ck_assert_int_eq(count_rows(n, "events"), 300);
    /* schema evolution: a new column is answered with its default */
    const char *schema2 =
        "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
        "{\"name\":\"country\",\"dataType\":\"STRING\"},{\"name\":\"device\",\"dataType\":\"STRING\"},"
        "{\"name\":\"os\",\"dataType\":\"STRING\"}],"
        "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
        "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
        "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";
    put_table(n, schema2, cfg2);
    ck_assert(wait_count(n, "events", 300));
    int64_t v;
    uint32_t rows;
    ck_assert_int_eq(run_sql(n, "events", "SELECT COUNT(*) FROM events WHERE os = 'null'", &v,
                             NULL, 1, &rows), 0);
    ck_assert_int_eq(v, 300);
    /* but a column cannot change its type */
    const char *schema3 = "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
                          "{\"name\":\"country\",\"dataType\":\"INT\"}],"
                          "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
                          "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";
    ck_assert_int_eq(srv_node_put_table(n, schema3, cfg2, 0, 1, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "column 'country' changes from STRING to INT"), "%s", err);
    free(cfg);
    free(cfg2);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

START_TEST(bad_tables)
{
    char dir[128];
    dir_for(dir, sizeof dir, "badtables");
    srv_node *n = node_open(dir);
    static const struct { const char *schema, *cfg, *want; } cases[] = {
        {"{", "{}", "schema: malformed JSON"},
        {schema_json, "{\"tableName\":\"events\",\"tableType\":\"REALTIME\"}", "needs a stream config"},
        {schema_json, "{\"tableName\":\"events\",\"tableType\":\"REALTIME\",\"tableIndexConfig\":{"
                      "\"streamConfigs\":{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"x\"}}}",
         "'stream.kafka.broker.list' is missing"},
        {schema_json, "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
                      "\"filterConfig\":{\"filterFunction\":\"country = \"}}}",
         "filterFunction: expected a value"},
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(cases); i++) {
        err[0] = 0;
        ck_assert_int_eq(srv_node_put_table(n, cases[i].schema, cases[i].cfg, 0, 1, err), TN_EINVAL);
        ck_assert_msg(strstr(err, cases[i].want), "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
    }
    ck_assert_int_eq(srv_node_put_table(n, schema_json, "{\"tableName\":\"events\",\"tableType\":"
                                        "\"OFFLINE\"}", 2, 2, err), TN_EINVAL);
    srv_snapshot s;
    ck_assert_int_eq(srv_node_snapshot(n, "nosuch", NULL, 0, &s, err), TN_ENOTFOUND);
    ck_assert(srv_node_ready(n, NULL, 0));
    srv_node_close(n);
}
END_TEST

static const char offline_cfg[] =
    "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\","
    "\"segmentsConfig\":{\"timeColumnName\":\"ts\"},"
    "\"tableIndexConfig\":{\"sortedColumn\":[\"country\"]}}";

static const char tags_schema[] =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false}],"
    "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

static cJSON *ingest_ok(srv_node *n, const char *batch, const char *data)
{
    char *res = NULL;
    ck_assert_msg(srv_node_ingest(n, "events_OFFLINE", batch, data, strlen(data), &res, err) ==
                  TN_OK, "ingest: %s", err);
    cJSON *o = cJSON_Parse(res);
    free(res);
    return o;
}

START_TEST(offline_json_and_csv)
{
    char dir[128];
    dir_for(dir, sizeof dir, "offline");
    srv_node *n = node_open(dir);
    put_table(n, tags_schema, offline_cfg);
    const char *jl =
        "{\"country\":\"us\",\"tags\":[\"a\",\"b\"],\"clicks\":1,\"ts\":1000}\n"
        "\n"
        "{\"country\":\"fr\",\"clicks\":2,\"ts\":2000}\r\n"
        "{\"country\":\"de\",\"clicks\":\"x\",\"ts\":3000}\n"
        "not json\n"
        "{\"country\":\"us\",\"clicks\":4,\"ts\":4000}";
    cJSON *o = ingest_ok(n, "{\"inputFormat\":\"json\"}", jl);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "rows")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "skipped")->valueint, 2);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "segments"), 0)->valuestring,
                     "events_1000_4000_0");
    cJSON_Delete(o);
    const char *csv = "country|tags|clicks|ts|extra\n"
                      "us|a;b;c|10|5000|z\n"
                      "\"f|r\"|x|11|6000|z\n"
                      "jp||bad|7000|z\n"
                      "jp|q\n"
                      "it|y|\"1\"\"2\"|8000|z\n"
                      "it|y|13|9000|z\n";
    o = ingest_ok(n, "{\"inputFormat\":\"csv\",\"recordReader.prop.delimiter\":\"|\"}", csv);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "rows")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "skipped")->valueint, 3);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "segments"), 0)->valuestring,
                     "events_5000_9000_1");
    cJSON_Delete(o);
    ck_assert_int_eq(count_rows(n, "events"), 6);
    int64_t v[4];
    uint32_t rows;
    ck_assert_int_eq(run_sql(n, "events", "SELECT COUNT(*) FROM events WHERE tags = 'b'", v, NULL,
                             4, &rows), 0);
    ck_assert_int_eq(v[0], 2); /* the JSON array and the CSV cell split on ';' */
    ck_assert_int_eq(run_sql(n, "events", "SELECT SUM(clicks) FROM events WHERE country = 'f|r'",
                             v, NULL, 4, &rows), 0);
    ck_assert_int_eq(v[0], 11);
    /* nothing parses: an error naming the first bad line */
    char *res = NULL;
    ck_assert_int_eq(srv_node_ingest(n, "events_OFFLINE", NULL, "\n{\"clicks\":\"x\"}\n[", 17,
                                     &res, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "line 2: column 'clicks'"), "%s", err);
    ck_assert_int_eq(srv_node_ingest(n, "events_OFFLINE", NULL, "", 0, &res, err), TN_EINVAL);
    ck_assert_int_eq(srv_node_ingest(n, "events_OFFLINE", "{\"inputFormat\":\"avro\"}", "x", 1,
                                     &res, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "'inputFormat' must be json or csv"), "%s", err);
    ck_assert_int_eq(srv_node_ingest(n, "nosuch", NULL, "x", 1, &res, err), TN_ENOTFOUND);
    /* a JSON array file */
    o = ingest_ok(n, NULL, "[{\"country\":\"se\",\"ts\":1},{\"country\":\"se\",\"ts\":2}]");
    ck_assert_int_eq(cJSON_GetObjectItem(o, "rows")->valueint, 2);
    cJSON_Delete(o);
    /* segments survive a restart, and numbering continues */
    srv_node_close(n);
    n = node_open(dir);
    ck_assert_int_eq(count_rows(n, "events"), 8);
    o = ingest_ok(n, NULL, "{\"country\":\"no\"}");
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "segments"), 0)->valuestring,
                     "events_3");
    cJSON_Delete(o);
    /* delete a segment */
    ck_assert_int_eq(srv_node_delete_segment(n, "events", "events_5000_9000_1", err), TN_OK);
    ck_assert_int_eq(count_rows(n, "events"), 6);
    ck_assert_int_eq(srv_node_delete_segment(n, "events", "events_5000_9000_1", err), TN_ENOTFOUND);
    srv_node_close(n);
}
END_TEST

/* A filter and a transform apply to uploads as to streams. */
START_TEST(offline_transform_filter)
{
    char dir[128];
    dir_for(dir, sizeof dir, "offline_xf");
    srv_node *n = node_open(dir);
    put_table(n, tags_schema,
              "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
              "\"transformConfigs\":[{\"columnName\":\"ts\",\"transformFunction\":\"fromEpochDays(day)\"}],"
              "\"filterConfig\":{\"filterFunction\":\"country = 'skip'\"}}}");
    cJSON *o = ingest_ok(n, "{\"inputFormat\":\"csv\"}",
                         "country,day\nus,2\nskip,3\nfr,4\n");
    ck_assert_int_eq(cJSON_GetObjectItem(o, "rows")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(o, "filtered")->valueint, 1);
    cJSON_Delete(o);
    int64_t v;
    uint32_t rows;
    ck_assert_int_eq(run_sql(n, "events", "SELECT MAX(ts) FROM events", &v, NULL, 1, &rows), 0);
    ck_assert_int_eq(v, 4 * 86400000LL);
    srv_node_close(n);
}
END_TEST

/* ---- complexTypeConfig and size-based flush --------------------------- */

static const char unnest_schema[] =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"},{\"name\":\"items.sku\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"items.n\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

/* Message i has i % 4 items (none: the record stays one row); every 37th
 * has a bad item, so none of its rows may be stored. Returns the rows the
 * valid ones yield and counts the bad ones. */
static int64_t produce_orders(kafka_env *k, int first, int n, int64_t *bad)
{
    int64_t rows = 0;
    for (int i = first; i < first + n; i++) {
        char buf[512];
        int len = snprintf(buf, sizeof buf, "{\"country\":\"c%d\",\"ts\":%lld,\"items\":[",
                           i % NCOUNTRY, (long long)tn_now_ms());
        for (int j = 0; j < i % 4; j++)
            len += snprintf(buf + len, sizeof buf - (size_t)len,
                            "%s{\"sku\":\"s%d\",\"n\":%s}", j ? "," : "", j,
                            i % 37 == 0 && j == 1 ? "\"bad\"" : j == 0 ? "1" : "2");
        len += snprintf(buf + len, sizeof buf - (size_t)len, "]}");
        produce(k, "orders", i % 2, buf, (size_t)len);
        if (i % 37 == 0 && i % 4 >= 2)
            ++*bad;
        else
            rows += i % 4 ? i % 4 : 1;
    }
    kafka_flush(k);
    return rows;
}

START_TEST(unnest_exactly_once)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "orders", 2);
    int64_t bad = 0, rows = produce_orders(&k, 0, 2000, &bad);
    ck_assert_int_gt(bad, 0);
    char dir[128];
    dir_for(dir, sizeof dir, "unnest");
    srv_node *n = node_open(dir);
    char *full;
    int len = asprintf(&full,
        "{\"tableName\":\"events\",\"tableType\":\"REALTIME\","
        "\"segmentsConfig\":{\"timeColumnName\":\"ts\"},"
        "\"ingestionConfig\":{\"complexTypeConfig\":{\"fieldsToUnnest\":[\"items\"]},"
        "\"streamIngestionConfig\":{\"streamConfigMaps\":[{"
        "\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"orders\","
        "\"stream.kafka.broker.list\":\"%s\","
        "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\","
        "\"realtime.segment.flush.threshold.rows\":\"50\"}]}}}", k.bootstrap);
    ck_assert_int_gt(len, 0);
    put_table(n, unnest_schema, full);
    ck_assert(wait_count(n, "events", rows));
    /* once per message; counters are published after each batch, so wait */
    int64_t inv = -1;
    for (int t = 0; t < WAIT_MS / 20 && (inv = status_num(n, "events", -1, "invalidRows")) != bad;
         t++)
        usleep(20000);
    ck_assert_int_eq(inv, bad);
    int64_t sum = -1;
    uint32_t nr;
    ck_assert_int_eq(run_sql(n, "events", "SELECT SUM(\"items.n\") FROM events", &sum, NULL, 1,
                             &nr), 0);
    int64_t want_sum = 0;
    for (int i = 0; i < 2000; i++)
        if (!(i % 37 == 0 && i % 4 >= 2))
            want_sum += i % 4 == 0 ? 0 : 1 + 2 * (i % 4 - 1);
    ck_assert_int_eq(sum, want_sum);
    srv_node_close(n); /* the consuming segment's rows are not committed */
    for (int round = 0; round < 2; round++) {
        n = node_open(dir);
        ck_assert(wait_count(n, "events", rows));
        rows += produce_orders(&k, 2000 + round * 301, 301, &bad);
        ck_assert(wait_count(n, "events", rows));
        srv_node_close(n);
    }
    free(full);
    kafka_close(&k);
}
END_TEST

/* docs and sizeBytes of the table's sealed segments, in name order. */
static uint32_t sealed_sizes(srv_node *n, int64_t *docs, int64_t *bytes, uint32_t cap)
{
    char *s = srv_node_status_json(n, "events");
    cJSON *o = cJSON_Parse(s);
    free(s);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tables"), 0);
    uint32_t k = 0;
    for (const cJSON *e = cJSON_GetObjectItem(t, "segments")->child; e && k < cap; e = e->next)
        if (!strcmp(cJSON_GetObjectItem(e, "status")->valuestring, "DONE")) {
            docs[k] = (int64_t)cJSON_GetObjectItem(e, "docs")->valuedouble;
            bytes[k++] = (int64_t)cJSON_GetObjectItem(e, "sizeBytes")->valuedouble;
        }
    cJSON_Delete(o);
    return k;
}

static bool wait_threshold(srv_node *n, int64_t lo, int64_t hi)
{
    int64_t got = -1;
    for (int t = 0; t < WAIT_MS / 20; t++) {
        got = status_num(n, "events", 0, "flushThresholdRows");
        if (got >= lo && got <= hi)
            return true;
        usleep(20000);
    }
    fprintf(stderr, "flushThresholdRows is %lld, expected %lld..%lld\n", (long long)got,
            (long long)lo, (long long)hi);
    return false;
}

START_TEST(autotune_thresholds)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 1);
    char dir[128];
    dir_for(dir, sizeof dir, "autotune");
    srv_node *n = node_open(dir);
    /* no row threshold, a size: the first segment takes initialRows */
    char *cfg = rt_config(&k, "ev", ",\"realtime.segment.flush.threshold.segment.size\":\"1G\","
                          "\"realtime.segment.flush.autotune.initialRows\":\"12000\"", NULL);
    put_table(n, schema_json, cfg);
    free(cfg);
    ck_assert(wait_threshold(n, 12000, 12000));
    produce_events(&k, "ev", 1, 0, 12000, tn_now_ms());
    ck_assert(wait_count(n, "events", 12000));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    int64_t docs[8], bytes[8];
    ck_assert_uint_eq(sealed_sizes(n, docs, bytes, 8), 1);
    ck_assert_int_eq(docs[0], 12000);
    /* 1G is far above what 12000 rows weigh: the next one is 1.5 times */
    ck_assert(wait_threshold(n, 18000, 18000));

    /* a desired size of twice the first segment: desired x rows/bytes */
    int64_t desired = 2 * bytes[0];
    char extra[256];
    snprintf(extra, sizeof extra, ",\"realtime.segment.flush.threshold.segment.size\":\"%lld\","
             "\"realtime.segment.flush.autotune.initialRows\":\"12000\"", (long long)desired);
    cfg = rt_config(&k, "ev", extra, NULL);
    put_table(n, schema_json, cfg);
    ck_assert(wait_threshold(n, 23999, 24001));
    srv_node_close(n);
    /* the ratio comes back from the stored segment after a restart */
    n = node_open(dir);
    ck_assert(wait_threshold(n, 23999, 24001));
    int64_t second = status_num(n, "events", 0, "flushThresholdRows");
    produce_events(&k, "ev", 1, 12000, (int)second + 10, tn_now_ms());
    ck_assert(wait_count(n, "events", 12000 + second + 10));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    ck_assert_uint_eq(sealed_sizes(n, docs, bytes, 8), 2);
    ck_assert_int_eq(docs[1], second); /* rolled at the learnt threshold */
    /* then Pinot's rule on the second segment, with the smoothed ratio */
    double ratio = 0.1 * (double)docs[1] / (double)bytes[1] +
                   0.9 * (double)docs[0] / (double)bytes[0];
    double want = bytes[1] < desired / 2 ? docs[1] * 1.5
                  : bytes[1] > desired * 1.5 ? docs[1] / 2.0 : (double)desired * ratio;
    ck_assert(wait_threshold(n, (int64_t)want - 1, (int64_t)want + 1));
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* ---- several streams, rate limits ----------------------------------- */

/* A table on two topics: ev (first map, 1,000-row segments) and ev2 (its
 * own 7-row threshold, which Pinot ignores: thresholds are the first
 * map's). */
static char *two_stream_config(const kafka_env *k)
{
    char *s;
    int n = asprintf(&s,
        "{\"tableName\":\"events\",\"tableType\":\"REALTIME\","
        "\"segmentsConfig\":{\"timeColumnName\":\"ts\"},"
        "\"ingestionConfig\":{\"streamIngestionConfig\":{\"streamConfigMaps\":["
        "{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"ev\","
        "\"stream.kafka.broker.list\":\"%s\",\"realtime.segment.flush.threshold.rows\":\"1000\","
        "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\"},"
        "{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"ev2\","
        "\"stream.kafka.broker.list\":\"%s\",\"realtime.segment.flush.threshold.rows\":\"7\","
        "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\"}]}}}",
        k->bootstrap, k->bootstrap);
    ck_assert_int_gt(n, 0);
    return s;
}

/* Sealed (DONE) segments whose name starts with prefix. */
static int done_named(srv_node *n, const char *prefix)
{
    char *s = srv_node_status_json(n, "events");
    cJSON *o = cJSON_Parse(s);
    free(s);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "tables"), 0), *e;
    int done = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(t, "segments"))
        done += !strncmp(cJSON_GetObjectItem(e, "name")->valuestring, prefix, strlen(prefix)) &&
                !strcmp(cJSON_GetObjectItem(e, "status")->valuestring, "DONE");
    cJSON_Delete(o);
    return done;
}

/* Two topics into one table: Pinot's partition ids (stream index * 10000
 * + the topic's partition) in segment names and status, exact counts,
 * and a restart resumes each stream at its own committed offsets. */
START_TEST(two_streams)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    kafka_topic(&k, "ev2", 3);
    const int N1 = 1200, N2 = 900;
    produce_events(&k, "ev", 2, 0, N1, tn_now_ms());
    produce_events(&k, "ev2", 3, N1, N2, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "streams");
    srv_node *n = node_open(dir);
    char *cfg = two_stream_config(&k);
    put_table(n, schema_json, cfg);
    ck_assert(wait_count(n, "events", N1 + N2));
    check_groups(n, "events", 0, N1 + N2);
    ck_assert(wait_ready(n));
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    /* ev: 600 a partition, under the first map's 1,000: nothing sealed; ev2
     * would have sealed dozens with its own 7 */
    ck_assert_int_eq(done_named(n, "events__"), 0);
    for (int p = 0; p < 3; p++) {
        int id = 10000 + p;
        ck_assert_int_eq(status_num(n, "events", id, "rowsIngested"), N2 / 3);
        ck_assert_int_eq(status_num(n, "events", id, "streamPartition"), p);
        ck_assert_int_eq(status_num(n, "events", id, "currentOffset"), N2 / 3);
        char *topic = status_str(n, "events", id, "topic");
        ck_assert_str_eq(topic, "ev2");
        free(topic);
    }
    ck_assert_int_eq(status_num(n, "events", 1, "rowsIngested"), N1 / 2);
    char *topic = status_str(n, "events", 1, "topic");
    ck_assert_str_eq(topic, "ev");
    free(topic);
    ck_assert_int_eq(status_num(n, "events", 10003, "rowsIngested"), -1); /* no such partition */
    char *m = srv_node_metrics_text(n);
    ck_assert_ptr_nonnull(strstr(m, "tannin_server_rows_ingested_total{table=\"events_REALTIME\","
                                    "partition=\"10002\"} 300"));
    ck_assert_ptr_nonnull(strstr(m, "partition=\"10002\",topic=\"ev2\",stream_partition=\"2\"}"));
    free(m);

    /* seal what each partition holds: offsets commit per (stream, partition) */
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    ck_assert_int_eq(done_named(n, "events__0__0__"), 1);
    ck_assert_int_eq(done_named(n, "events__1__0__"), 1);
    ck_assert_int_eq(done_named(n, "events__10000__0__"), 1);
    ck_assert_int_eq(done_named(n, "events__10002__0__"), 1);
    ck_assert_int_eq(done_named(n, "events__"), 5);
    srv_node_close(n);

    /* more on both topics while the server is down; it resumes both */
    produce_events(&k, "ev", 2, N1 + N2, 100, tn_now_ms());
    produce_events(&k, "ev2", 3, N1 + N2 + 100, 60, tn_now_ms());
    n = node_open(dir);
    ck_assert(wait_count(n, "events", N1 + N2 + 160));
    check_groups(n, "events", 0, N1 + N2 + 160);
    ck_assert(wait_ready(n));
    /* only the new messages were consumed: nothing re-read, nothing twice */
    ck_assert_int_eq(status_num(n, "events", 0, "rowsIngested"), 50);
    ck_assert_int_eq(status_num(n, "events", 10001, "rowsIngested"), 20);
    ck_assert_int_eq(status_num(n, "events", 10001, "currentOffset"), N2 / 3 + 20);
    char *st = srv_node_status_json(n, "events");
    ck_assert_ptr_nonnull(strstr(st, "\"events__10001__1__"));
    ck_assert_ptr_nonnull(strstr(st, "\"events__1__1__"));
    free(st);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* Waits for count rows, checking on the way that the table never holds
 * more than the limit allows since t0 (ms): per_sec * elapsed plus slack
 * for the buckets' first tenth of a second and a batch. A slow machine
 * only makes consumption slower, so the bound cannot flake. */
static void check_rate_bound(srv_node *n, int64_t want, double per_sec, int64_t t0,
                             double *seconds)
{
    int64_t got = -1, t_lo = 0, t_hi = 0, c_lo = 0, c_hi = 0;
    double slack = per_sec * 0.1 * 1.5 + 50;
    for (int t = 0; t < 2 * WAIT_MS / 20 && got != want; t++) {
        int64_t now = tn_now_ms();
        got = count_rows(n, "events");
        if (!t_lo && got >= want / 4)
            t_lo = now, c_lo = got;
        if (!t_hi && got >= want * 3 / 4)
            t_hi = now, c_hi = got;
        double allowed = per_sec * 1.1 * (double)(now - t0) / 1000.0 + slack;
        ck_assert_msg((double)got <= allowed, "%lld rows after %lld ms: over %.0f/s",
                      (long long)got, (long long)(now - t0), per_sec);
        ck_assert_int_le(got, want);
        if (got != want)
            usleep(20000);
    }
    ck_assert_int_eq(got, want);
    *seconds = (double)(tn_now_ms() - t0) / 1000.0;
    printf("rate limit %.0f/s: %lld rows in %.2f s = %.0f/s; steady (25%%..75%% of the rows) "
           "%.0f/s\n", per_sec, (long long)want, *seconds, (double)want / *seconds,
           t_hi > t_lo ? (double)(c_hi - c_lo) * 1000.0 / (double)(t_hi - t_lo) : 0.0);
}

/* topic.consumption.rate.limit: 600/s for a 3-partition topic is 200/s a
 * partition (Pinot divides by the partition count); every row arrives,
 * once. */
START_TEST(topic_rate_limit)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 3);
    const int N = 1800;
    produce_events(&k, "ev", 3, 0, N, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "topicrate");
    srv_node *n = node_open(dir);
    char *cfg = rt_config(&k, "ev", ",\"topic.consumption.rate.limit\":\"600\"", NULL);
    int64_t t0 = tn_now_ms();
    put_table(n, schema_json, cfg);
    double secs;
    check_rate_bound(n, N, 600, t0, &secs);
    ck_assert_msg(secs >= 2.5, "%d rows in %.2f s at 600/s", N, secs);
    check_groups(n, "events", 0, N);
    for (int p = 0; p < 3; p++) {
        ck_assert_int_eq(status_num(n, "events", p, "rateLimit"), 200);
        ck_assert_int_eq(status_num(n, "events", p, "rowsIngested"), N / 3);
        ck_assert_int_gt(status_num(n, "events", p, "throttledMs"), 0);
    }
    char *m = srv_node_metrics_text(n);
    ck_assert_ptr_nonnull(strstr(m, "tannin_server_partition_throttled_ms_total{table=\"events_"
                                    "REALTIME\",partition=\"2\"}"));
    ck_assert_ptr_nonnull(strstr(m, "partition=\"1\",topic=\"ev\",stream_partition=\"1\"} 200"));
    free(m);
    free(cfg);
    srv_node_close(n);
    kafka_close(&k);
}
END_TEST

/* The server-wide limit holds across two tables' partitions; a very low
 * limit never keeps a pause or a close waiting. */
START_TEST(server_rate_limit)
{
    kafka_env k;
    kafka_open(&k, 1);
    kafka_topic(&k, "ev", 2);
    kafka_topic(&k, "ev2", 2);
    const int N = 600;
    produce_events(&k, "ev", 2, 0, N, tn_now_ms());
    produce_events(&k, "ev2", 2, N, N, tn_now_ms());
    char dir[128];
    dir_for(dir, sizeof dir, "serverrate");
    srv_node_opts o = {.data_dir = dir, .name = "Server_test", .no_sync = true,
                       .log = log_fn, .log_ctx = &logs, .consumption_rate_limit = 400};
    srv_node *n = NULL;
    ck_assert_msg(srv_node_open(&o, &n, err) == TN_OK, "open: %s", err);
    char *cfg = two_stream_config(&k);
    int64_t t0 = tn_now_ms();
    put_table(n, schema_json, cfg);
    double secs;
    check_rate_bound(n, 2 * N, 400, t0, &secs);
    ck_assert_msg(secs >= 2.5, "%d rows in %.2f s at 400/s", 2 * N, secs);
    check_groups(n, "events", 0, 2 * N);
    char *m = srv_node_metrics_text(n);
    ck_assert_ptr_nonnull(strstr(m, "tannin_server_consumption_rate_limit 400"));
    free(m);
    free(cfg);
    ck_assert_int_eq(srv_node_force_commit(n, "events", err), TN_OK);
    ck_assert(srv_node_wait_sealed(n, "events", WAIT_MS));
    srv_node_close(n);

    /* 0.01/s: after the first message a partition would wait 100 s */
    produce_events(&k, "ev", 2, 2 * N, 10, tn_now_ms());
    o.consumption_rate_limit = 0.01;
    ck_assert_int_eq(srv_node_open(&o, &n, err), TN_OK);
    int64_t got = 0;
    for (int t = 0; t < WAIT_MS / 20 && (got = count_rows(n, "events")) <= 2 * N; t++)
        usleep(20000);
    ck_assert_int_gt(got, 2 * N); /* the first message passed; the rest wait */
    ck_assert_int_lt(got, 2 * N + 10);
    int64_t t1 = tn_now_ms();
    ck_assert_int_eq(srv_node_pause(n, "events", true, SRV_FROM_LAST, err), TN_OK);
    char *state = NULL;
    for (int t = 0; t < WAIT_MS / 20; t++) {
        free(state);
        state = status_str(n, "events", 0, "state");
        if (!strcmp(state, "PAUSED"))
            break;
        usleep(20000);
    }
    ck_assert_str_eq(state, "PAUSED");
    free(state);
    ck_assert_int_lt(tn_now_ms() - t1, 10000);
    ck_assert_int_eq(srv_node_pause(n, "events", false, SRV_FROM_LAST, err), TN_OK);
    t1 = tn_now_ms();
    srv_node_close(n);
    ck_assert_int_lt(tn_now_ms() - t1, 10000);
    kafka_close(&k);
}
END_TEST

static Suite *node_suite(void)
{
    Suite *s = suite_create("srv_node");
    TCase *tc = tcase_create("node");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ingest_and_query);
    tcase_add_test(tc, seal_while_querying);
    tcase_add_test(tc, restart_exactly_once);
    tcase_add_test(tc, invalid_messages);
    tcase_add_test(tc, invalid_messages_rate_limited);
    tcase_add_test(tc, data_loss);
    tcase_add_test(tc, retention);
    tcase_add_test(tc, pause_resume_force_commit);
    tcase_add_test(tc, resume_consume_from);
    tcase_add_test(tc, kafka_outage);
    tcase_add_test(tc, drop_and_recreate);
    tcase_add_test(tc, bad_tables);
    tcase_add_test(tc, offline_json_and_csv);
    tcase_add_test(tc, offline_transform_filter);
    tcase_add_test(tc, unnest_exactly_once);
    tcase_add_test(tc, autotune_thresholds);
    suite_add_tcase(s, tc);

    TCase *ts = tcase_create("streams");
    tcase_set_timeout(ts, 120);
    tcase_add_test(ts, two_streams);
    tcase_add_test(ts, topic_rate_limit);
    tcase_add_test(ts, server_rate_limit);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_srv_node.XXXXXX");
    if (!mkdtemp(root))
        return 2;
    SRunner *sr = srunner_create(node_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
