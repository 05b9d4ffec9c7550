/*
 * tn_bench_ingest.c: `tannin bench ingest`: how fast Kafka messages become
 * queryable rows, side by side with the baseline in the same run:
 *   (a) the raw consume rate of the embedded Kafka (messages fetched and
 *       discarded: the ceiling any consumer has here),
 *   (b) parse only: JSON -> row (cJSON through seg_row_parse_json),
 *   (c) full ingestion on one thread: consume, parse, append to a mutable
 *       segment of the 15-column page-view schema (the server's per-message
 *       path),
 *   (d) the server itself (srv_node, one consumer per partition) until every
 *       event is queryable,
 *   (e) the raw consume rate with the server's parallelism: one consumer
 *       (client, thread) per partition, connecting included, as in (d),
 *   (f) parse + append without Kafka (from memory), so that the append's
 *       own cost is (f) - (b).
 * Ratios compare like with like: (c)/(a) one consuming thread each, (d)/(e)
 * one consumer per partition each.
 * Events are produced first (lz4-compressed, as producers usually send) to
 * an in-process mock cluster. Rates are events per wall second and per
 * CPU second of the whole process (Kafka's broker threads included, which
 * is fair to both (a) and (c)); (a) and (c) are timed from their first
 * message, (d) from the table's creation (connecting included).
 *
 * With --kafka / --broker the command measures a running cluster instead:
 * freshness and lag through the broker (tn_bench_fresh.c).
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "qry_reduce.h"
#include "seg_mutable.h"
#include "srv_node.h"
#include "tn_bench.h"
#include "tn_gen.h"

#define TOPIC "pageviews"
#define BATCH 1024
#define NSTAGES 6

/* The table config of the drop-off dashboards (as tannin bench query
 * uses): the per-view metric raw, posting lists on the low-cardinality
 * dimensions only. */
static const char *const bi_no_dict[] = {"time_on_page_ms"};
static const char *const bi_inverted[] = {"country", "device", "os", "browser", "campaign",
                                          "landing_page", "action", "bounced", "ab_bucket"};
#define BI_INDEX_CONFIG                                                                      \
    "\"noDictionaryColumns\":[\"time_on_page_ms\"],\"invertedIndexColumns\":[\"country\","    \
    "\"device\",\"os\",\"browser\",\"campaign\",\"landing_page\",\"action\",\"bounced\","      \
    "\"ab_bucket\"]"

typedef struct bi_opts {
    long events;
    int partitions;
    int reps;
    bool run[NSTAGES]; /* --stages: which of (a)..(e) run */
} bi_opts;

typedef struct bi_env {
    rd_kafka_t *mrk, *prod;
    rd_kafka_mock_cluster_t *mc;
    char bootstrap[256];
    seg_schema *schema;
    char *json;          /* all events, back to back */
    size_t *offs;        /* events + 1 offsets into json */
    long events;
    int partitions;
} bi_env;

typedef struct bi_rate {
    double wall_s, cpu_s;
} bi_rate;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin bench ingest [--events N] [--partitions P] [--reps K]\n"
            "                           [--stages abcdef]\n"
            "  defaults: 500,000 events over 16 partitions, 3 reps (medians), every stage:\n"
            "  (a) raw consume on one thread, (b) parse only, (c) consume + parse + append\n"
            "  on one thread, (d) the server, (e) raw consume with one consumer per partition,\n"
            "  (f) parse + append from memory\n"
            "  the embedded Kafka keeps about 5 MiB (compressed) per partition: more\n"
            "  events need more partitions\n"
            "       tannin bench ingest --kafka BOOTSTRAP --topic T --broker http://HOST:PORT\n"
            "                           --table T [--rate R | --max] [--seconds S] ...\n"
            "  freshness and lag of a running cluster (--kafka --help for every option)\n");
    return 2;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_now(void) { return (double)tn_mono_ns() / 1e9; }

/* ---- setup ---------------------------------------------------------- */

static void make_events(bi_env *e)
{
    tn_gen *g = tn_gen_new(42, 1700000000000LL);
    seg_row row;
    seg_row_init(&row, e->schema);
    tn_buf b = {0};
    e->offs = tn_malloc((size_t)(e->events + 1) * sizeof *e->offs);
    char line[1024];
    for (long i = 0; i < e->events; i++) {
        tn_gen_pageview(g, &row);
        size_t n = tn_gen_row_json(&row, line, sizeof line);
        e->offs[i] = b.len;
        tn_buf_append(&b, line, n);
    }
    e->offs[e->events] = b.len;
    e->json = (char *)b.data;
    seg_row_free(&row);
    tn_gen_free(g);
}

static int kafka_up(bi_env *e)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "3", err, sizeof err);
    e->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    e->mc = e->mrk ? rd_kafka_mock_cluster_new(e->mrk, 1) : NULL;
    if (!e->mc || rd_kafka_mock_topic_create(e->mc, TOPIC, e->partitions, 1)) {
        fprintf(stderr, "bench ingest: cannot start the mock cluster\n");
        return -1;
    }
    snprintf(e->bootstrap, sizeof e->bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(e->mc));
    return 0;
}

static int produce_all(bi_env *e)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    static const char *const conf[][2] = {
        {"linger.ms", "20"}, {"batch.num.messages", "10000"}, {"compression.codec", "lz4"},
        {"queue.buffering.max.messages", "1000000"}, {"queue.buffering.max.kbytes", "1048576"}};
    rd_kafka_conf_set(c, "bootstrap.servers", e->bootstrap, err, sizeof err);
    for (size_t i = 0; i < TN_ARRAY_LEN(conf); i++)
        rd_kafka_conf_set(c, conf[i][0], conf[i][1], err, sizeof err);
    e->prod = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    for (long i = 0; i < e->events; i++) {
        const char *p = e->json + e->offs[i];
        size_t n = e->offs[i + 1] - e->offs[i];
        while (rd_kafka_producev(e->prod, RD_KAFKA_V_TOPIC(TOPIC),
                                 RD_KAFKA_V_PARTITION((int32_t)(i % e->partitions)),
                                 RD_KAFKA_V_VALUE((void *)p, n), RD_KAFKA_V_END) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(e->prod, 5);
    }
    if (rd_kafka_flush(e->prod, 120000)) {
        fprintf(stderr, "bench ingest: producing timed out\n");
        return -1;
    }
    long kept = 0;
    for (int p = 0; p < e->partitions; p++) {
        int64_t lo, hi;
        if (rd_kafka_query_watermark_offsets(e->prod, TOPIC, p, &lo, &hi, 5000) == 0)
            kept += (long)(hi - lo);
    }
    if (kept != e->events) {
        fprintf(stderr, "bench ingest: Kafka kept %ld of %ld events (the embedded Kafka keeps "
                        "about 5 MiB per partition): use more --partitions\n", kept, e->events);
        return -1;
    }
    return 0;
}

/* ---- the stages ----------------------------------------------------- */

/* A consumer of every partition (part < 0) or of one. */
static rd_kafka_t *consumer_new(const bi_env *e, int part)
{
    char err[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", e->bootstrap, err, sizeof err);
    rd_kafka_conf_set(c, "group.id", "tannin-bench", err, sizeof err);
    rd_kafka_conf_set(c, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(c, "enable.partition.eof", "false", err, sizeof err);
    /* librdkafka 2.0.2 stops fetching for a hard-coded second once its
     * queue passes these bounds; a consumer slower than the fetcher would
     * then stall. Bounds above the whole topic measure the consumer alone. */
    rd_kafka_conf_set(c, "queued.min.messages", "10000000", err, sizeof err);
    rd_kafka_conf_set(c, "queued.max.messages.kbytes", "2097151", err, sizeof err);
    if (part >= 0) /* the server's setting (srv_kafka.c) */
        rd_kafka_conf_set(c, "fetch.wait.max.ms", "100", err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(e->partitions);
    for (int p = 0; p < e->partitions; p++)
        if (part < 0 || p == part)
            rd_kafka_topic_partition_list_add(l, TOPIC, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return rk;
}

/* Consumes every event; with m, parses and appends each one. */
static int consume_all(const bi_env *e, seg_mutable *m, bi_rate *r)
{
    rd_kafka_t *rk = consumer_new(e, -1);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[BATCH];
    seg_row row;
    seg_row_init(&row, e->schema);
    char err[TN_ERRLEN];
    long got = 0, bad = 0;
    double w0 = 0, c0 = 0, idle_since = wall_now();
    while (got < e->events && wall_now() - idle_since < 30) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, BATCH);
        if (n > 0 && !got) /* from the first message: connecting is not consuming */
            w0 = wall_now(), c0 = cpu_now();
        for (ssize_t i = 0; i < n; i++) {
            rd_kafka_message_t *msg = msgs[i];
            if (!msg->err) {
                got++;
                if (m && (seg_row_parse_json(&row, msg->payload, msg->len, err) ||
                          seg_mutable_append(m, &row, msg->offset, err)))
                    bad++;
            }
            rd_kafka_message_destroy(msg);
        }
        if (n > 0)
            idle_since = wall_now();
    }
    r->wall_s = wall_now() - w0;
    r->cpu_s = cpu_now() - c0;
    seg_row_free(&row);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (got < e->events || bad) {
        fprintf(stderr, "bench ingest: consumed %ld of %ld events, %ld bad\n", got, e->events,
                bad);
        return -1;
    }
    return 0;
}

/* The events from memory: parsed, and with m appended. */
static int parse_all(const bi_env *e, seg_mutable *m, bi_rate *r)
{
    seg_row row;
    seg_row_init(&row, e->schema);
    char err[TN_ERRLEN];
    double w0 = wall_now(), c0 = cpu_now();
    long bad = 0;
    for (long i = 0; i < e->events; i++)
        bad += seg_row_parse_json(&row, e->json + e->offs[i], e->offs[i + 1] - e->offs[i],
                                  err) != TN_OK ||
               (m && seg_mutable_append(m, &row, i, err) != TN_OK);
    r->wall_s = wall_now() - w0;
    r->cpu_s = cpu_now() - c0;
    seg_row_free(&row);
    return bad ? -1 : 0;
}

static int stage_parse(const bi_env *e, bi_rate *r) { return parse_all(e, NULL, r); }

/* (c) with Kafka, (f) from memory. */
static int stage_ingest(const bi_env *e, bool kafka, bi_rate *r)
{
    seg_mutable_opts o = {.name = "pageviews__0__0__bench", .table = "pageviews_REALTIME",
                          .partition = 0, .start_offset = 0, .time_column = "ts",
                          .no_dict_columns = bi_no_dict, .n_no_dict = TN_ARRAY_LEN(bi_no_dict),
                          .inverted_columns = bi_inverted,
                          .n_inverted = TN_ARRAY_LEN(bi_inverted), .inverted_set = true};
    seg_mutable *m;
    char err[TN_ERRLEN];
    if (seg_mutable_create(e->schema, &o, &m, err)) {
        fprintf(stderr, "bench ingest: %s\n", err);
        return -1;
    }
    int rc = kafka ? consume_all(e, m, r) : parse_all(e, m, r);
    seg_segment_release(seg_mutable_base(m));
    return rc;
}

/* Shared by the threads of (e): the last one to finish stops the clock. */
typedef struct bi_finish {
    atomic_int left;
    double wall, cpu;
} bi_finish;

typedef struct bi_part {
    const bi_env *e;
    bi_finish *fin;
    int part;
    long want, got;
} bi_part;

/* One partition's events, fetched and dropped, as one server consumer
 * thread would fetch them (its own client). */
static void *raw_part_main(void *arg)
{
    bi_part *p = arg;
    rd_kafka_t *rk = consumer_new(p->e, p->part);
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *msgs[BATCH];
    double idle_since = wall_now();
    while (p->got < p->want && wall_now() - idle_since < 30) {
        ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, BATCH);
        for (ssize_t i = 0; i < n; i++) {
            p->got += !msgs[i]->err;
            rd_kafka_message_destroy(msgs[i]);
        }
        if (n > 0)
            idle_since = wall_now();
    }
    if (atomic_fetch_sub(&p->fin->left, 1) == 1)
        p->fin->wall = wall_now(), p->fin->cpu = cpu_now();
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

/* (e): every partition at once, timed from the clients' creation (as (d)
 * is timed from the table's) to the last message. */
static int stage_raw_parallel(const bi_env *e, bi_rate *r)
{
    int np = e->partitions;
    bi_part *parts = tn_calloc((size_t)np, sizeof *parts);
    pthread_t *th = tn_calloc((size_t)np, sizeof *th);
    bi_finish fin = {.left = np};
    double w0 = wall_now(), c0 = cpu_now();
    for (int p = 0; p < np; p++) {
        /* produce_all put event i on partition i % np */
        parts[p] = (bi_part){.e = e, .fin = &fin, .part = p,
                             .want = e->events / np + (p < e->events % np)};
        pthread_create(&th[p], NULL, raw_part_main, &parts[p]);
    }
    long got = 0;
    for (int p = 0; p < np; p++) {
        pthread_join(th[p], NULL);
        got += parts[p].got;
    }
    r->wall_s = fin.wall - w0;
    r->cpu_s = fin.cpu - c0;
    free(parts);
    free(th);
    if (got < e->events) {
        fprintf(stderr, "bench ingest: consumed %ld of %ld events in parallel\n", got,
                e->events);
        return -1;
    }
    return 0;
}

static int64_t server_count(srv_node *n)
{
    srv_snapshot s;
    char err[TN_ERRLEN];
    if (srv_node_snapshot(n, "pageviews", NULL, 0, &s, err))
        return -1;
    int64_t docs = 0;
    for (uint32_t i = 0; i < s.nsegs; i++)
        docs += seg_segment_ndocs(s.segs[i]);
    srv_snapshot_release(&s);
    return docs;
}

/* The real server: a REALTIME table, one consumer thread per partition. */
static int stage_server(const bi_env *e, bi_rate *r)
{
    char dir[] = "/tmp/tannin-bench-ingest.XXXXXX", err[TN_ERRLEN];
    if (!mkdtemp(dir))
        return -1;
    srv_node_opts o = {.data_dir = dir, .no_sync = true};
    srv_node *n;
    if (srv_node_open(&o, &n, err)) {
        fprintf(stderr, "bench ingest: %s\n", err);
        return -1;
    }
    char *schema = seg_schema_to_json(e->schema), cfg[2048];
    snprintf(cfg, sizeof cfg,
             "{\"tableName\":\"pageviews\",\"tableType\":\"REALTIME\",\"segmentsConfig\":"
             "{\"timeColumnName\":\"ts\"},\"tableIndexConfig\":{" BI_INDEX_CONFIG ",\"streamConfigs\":{"
             "\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"" TOPIC "\","
             "\"stream.kafka.broker.list\":\"%s\","
             "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\","
             "\"realtime.segment.flush.threshold.rows\":\"0\","
             "\"realtime.segment.flush.autotune.initialRows\":\"2147483647\","
             "\"realtime.segment.flush.threshold.segment.size\":\"100G\"}}}", e->bootstrap);
    double w0 = wall_now(), c0 = cpu_now();
    int rc = srv_node_put_table(n, schema, cfg, 0, 1, err);
    if (rc)
        fprintf(stderr, "bench ingest: %s\n", err);
    double last = w0;
    int64_t got = 0;
    while (!rc && got < e->events && wall_now() - last < 30) {
        usleep(2000);
        int64_t c = server_count(n);
        if (c > got)
            got = c, last = wall_now();
    }
    r->wall_s = wall_now() - w0;
    r->cpu_s = cpu_now() - c0;
    free(schema);
    srv_node_close(n);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench ingest: could not remove %s\n", dir);
    return !rc && got == e->events ? 0 : -1;
}

/* ---- report --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median events/s over the reps, by wall and by CPU time. */
static void rates(const bi_env *e, const bi_rate *r, int reps, double *wall, double *cpu)
{
    double w[64], c[64];
    for (int i = 0; i < reps; i++) {
        w[i] = e->events / r[i].wall_s;
        c[i] = e->events / (r[i].cpu_s > 0 ? r[i].cpu_s : r[i].wall_s);
    }
    qsort(w, (size_t)reps, sizeof *w, cmp_double);
    qsort(c, (size_t)reps, sizeof *c, cmp_double);
    *wall = w[reps / 2];
    *cpu = c[reps / 2];
}

static void print_row(const char *what, bool run, double wall, double cpu)
{
    if (!run) {
        printf("| %-46s | %12s | %12s | %9s |\n", what, "-", "-", "-");
        return;
    }
    printf("| %-46s | %12.0f | %12.0f | %9.0f |\n", what, wall, cpu, 1e9 / cpu);
}

static void print_ratio(const char *what, const bool *run, int x, int y, const double *w,
                        const double *c)
{
    if (run[x] && run[y])
        printf("%s: %.2f by wall time, %.2f by CPU time\n", what, w[x] / w[y], c[x] / c[y]);
}

static void report(const bi_env *e, bi_rate *r[NSTAGES], int reps, const bool *run)
{
    static const char *const names[NSTAGES] = {
        "(a) raw consume, embedded Kafka, one thread", "(b) parse only (cJSON -> row), one thread",
        "(c) consume + parse + append, one thread", "(d) tannin server (one consumer/partition)",
        "(e) raw consume, one consumer/partition",
        "(f) parse + append, from memory, one thread"};
    double w[NSTAGES] = {0}, c[NSTAGES] = {0};
    for (int s = 0; s < NSTAGES; s++)
        if (run[s])
            rates(e, r[s], reps, &w[s], &c[s]);
    printf("\n%ld events (15-column page views, %.0f B of JSON each), %d partitions, lz4, "
           "median of %d;\ntable: time_on_page_ms raw, posting lists on the 9 low-cardinality "
           "dimensions\n\n", e->events, (double)e->offs[e->events] / e->events, e->partitions,
           reps);
    printf("| %-46s | %12s | %12s | %9s |\n", "stage", "events/s", "per CPU-s", "CPU ns/ev");
    printf("|------------------------------------------------|--------------|--------------|"
           "-----------|\n");
    for (int s = 0; s < NSTAGES; s++)
        print_row(names[s], run[s], w[s], c[s]);
    printf("\n");
    print_ratio("one thread, ratio (c)/(a)", run, 2, 0, w, c);
    print_ratio("one consumer per partition, ratio (d)/(e)", run, 3, 4, w, c);
    if (run[0] && run[1] && run[5])
        printf("per event, CPU ns: consume %.0f (a), parse %.0f (b), append %.0f (f - b)\n",
               1e9 / c[0], 1e9 / c[1], 1e9 / c[5] - 1e9 / c[1]);
}

static int parse_args(int argc, char **argv, bi_opts *o)
{
    static const struct option opts[] = {{"events", required_argument, 0, 'n'},
                                         {"partitions", required_argument, 0, 'p'},
                                         {"reps", required_argument, 0, 'r'},
                                         {"stages", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    *o = (bi_opts){.events = 500000, .partitions = 16, .reps = 3,
                   .run = {true, true, true, true, true, true}};
    int ch;
    const char *st;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': o->events = atol(optarg); break;
        case 'p': o->partitions = atoi(optarg); break;
        case 'r': o->reps = atoi(optarg); break;
        case 's':
            memset(o->run, 0, sizeof o->run);
            for (st = optarg; *st; st++) {
                if (*st < 'a' || *st >= 'a' + NSTAGES)
                    return usage();
                o->run[*st - 'a'] = true;
            }
            break;
        default: return usage();
        }
    }
    if (optind < argc || o->events < 1 || o->partitions < 1 || o->partitions > 1024 ||
        o->reps < 1 || o->reps > 64)
        return usage();
    return 0;
}

/* Whether the command line names an external cluster (--kafka, --broker):
 * then the end-to-end freshness benchmark of tn_bench_fresh.c runs. */
static bool external_mode(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--kafka", 7) || !strncmp(argv[i], "--broker", 8))
            return true;
    return false;
}

int tn_bench_ingest(int argc, char **argv)
{
    if (external_mode(argc, argv))
        return tn_bench_fresh(argc, argv);
    bi_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    bi_env e = {.events = o.events, .partitions = o.partitions};
    char err[TN_ERRLEN];
    if (tn_gen_pageview_schema(&e.schema, err)) {
        fprintf(stderr, "bench ingest: %s\n", err);
        return 1;
    }
    make_events(&e);
    rc = kafka_up(&e) || produce_all(&e) ? 1 : 0;
    bi_rate runs[NSTAGES][64] = {{{0}}};
    for (int i = 0; i < o.reps && !rc; i++) {
        rc = (o.run[0] && consume_all(&e, NULL, &runs[0][i])) ||
             (o.run[1] && stage_parse(&e, &runs[1][i])) ||
             (o.run[2] && stage_ingest(&e, true, &runs[2][i])) ||
             (o.run[3] && stage_server(&e, &runs[3][i])) ||
             (o.run[4] && stage_raw_parallel(&e, &runs[4][i])) ||
             (o.run[5] && stage_ingest(&e, false, &runs[5][i]));
        fprintf(stderr, "rep %d: raw %.2f s, parse %.2f s, ingest %.2f s, server %.2f s, "
                "raw per partition %.2f s, parse + append %.2f s\n", i + 1, runs[0][i].wall_s,
                runs[1][i].wall_s, runs[2][i].wall_s, runs[3][i].wall_s, runs[4][i].wall_s,
                runs[5][i].wall_s);
    }
    if (!rc) {
        bi_rate *r[NSTAGES] = {runs[0], runs[1], runs[2], runs[3], runs[4], runs[5]};
        report(&e, r, o.reps, o.run);
    }
    if (e.prod)
        rd_kafka_destroy(e.prod);
    if (e.mc)
        rd_kafka_mock_cluster_destroy(e.mc);
    if (e.mrk)
        rd_kafka_destroy(e.mrk);
    free(e.json);
    free(e.offs);
    seg_schema_free(e.schema);
    return rc ? 1 : 0;
}
