/*
 * tn_quickstart.c: `tannin quickstart`: the whole system in one command.
 * Starts the embedded Kafka (tannin kafka-dev), one server and one broker
 * (HTTP 8099, admin 9000, PostgreSQL 5433)
 * as child processes of this one, creates the demo's drop-off table through
 * the broker's admin REST (as a user would with Pinot's controller), then
 * produces page-view events to Kafka at a steady rate until Ctrl-C or
 * --for SECONDS, and stops everything cleanly.
 *
 * Children are this same executable (/proc/self/exe), each with its log in
 * DATA_DIR/logs/, and die with the quickstart (PR_SET_PDEATHSIG) if it is
 * killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "tn_gen.h"
#include "tn_httpc.h"
#include "tn_tools.h"

#define QS_TOPIC "pageviews"
#define QS_PARTITIONS 4

typedef struct qs_opts {
    const char *dir;
    int kafka_port, server_port, server_admin_port, http_port, admin_port, pg_port;
    long rate;         /* events per second */
    long seconds;      /* 0 = until Ctrl-C */
} qs_opts;

typedef struct qs_child {
    const char *what;
    pid_t pid;
    char log[512];
} qs_child;

static volatile sig_atomic_t qs_stop;

static void on_signal(int sig)
{
    (void)sig;
    qs_stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: tannin quickstart [--data-dir DIR] [--for SECONDS] [--rate EVENTS/S]\n"
                    "                         [--kafka-port 19092] [--http-port 8099] "
                    "[--admin-port 9000]\n"
                    "                         [--server-port 8098] [--server-admin-port 8097] "
                    "[--pg-port 5433]\n");
    return 2;
}

/* Starts `tannin ARGS...` with stdout and stderr in DIR/logs/WHAT.log. */
static int spawn(qs_child *c, const qs_opts *o, const char *what, char *const *args)
{
    c->what = what;
    snprintf(c->log, sizeof c->log, "%s/logs/%s.log", o->dir, what);
    int fd = open(c->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "quickstart: %s: %s\n", c->log, strerror(errno));
        return -1;
    }
    c->pid = fork();
    if (c->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, STDIN_FILENO);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    close(fd);
    return c->pid > 0 ? 0 : -1;
}

/* Waits until the child's log holds `needle` (its ready line). */
static int wait_ready(const qs_child *c, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms && !qs_stop; waited += 50) {
        char *text;
        size_t len;
        char err[TN_ERRLEN];
        if (tn_read_file(c->log, &text, &len, err) == TN_OK) {
            bool ok = strstr(text, needle) != NULL;
            free(text);
            if (ok)
                return 0;
        }
        int st;
        if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
            fprintf(stderr, "quickstart: %s exited; see %s\n", c->what, c->log);
            return -1;
        }
        usleep(50000);
    }
    fprintf(stderr, "quickstart: %s did not start in time; see %s\n", c->what, c->log);
    return -1;
}

static void stop_children(qs_child *cs, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        if (cs[i].pid <= 0)
            continue;
        kill(cs[i].pid, SIGTERM);
        int st;
        for (int k = 0; k < 100 && waitpid(cs[i].pid, &st, WNOHANG) == 0; k++)
            usleep(50000);
        if (waitpid(cs[i].pid, &st, WNOHANG) == 0) {
            kill(cs[i].pid, SIGKILL);
            waitpid(cs[i].pid, &st, 0);
        }
    }
}

/* The demo table: the generator's schema and a REALTIME table config on the
 * embedded Kafka, created through the admin REST API. */
static int create_table(const qs_opts *o)
{
    char err[TN_ERRLEN];
    seg_schema *schema;
    if (tn_gen_pageview_schema(&schema, err)) {
        fprintf(stderr, "quickstart: %s\n", err);
        return -1;
    }
    char *sj = seg_schema_to_json(schema);
    seg_schema_free(schema);
    char table[2048];
    snprintf(table, sizeof table,
             "{\"tableName\":\"pageviews\",\"tableType\":\"REALTIME\","
             "\"segmentsConfig\":{\"timeColumnName\":\"ts\",\"retentionTimeUnit\":\"DAYS\","
             "\"retentionTimeValue\":\"3\",\"replication\":\"1\"},"
             "\"tableIndexConfig\":{\"invertedIndexColumns\":[\"country\",\"device\","
             "\"campaign\",\"referrer_domain\"],\"streamConfigs\":{\"streamType\":\"kafka\","
             "\"stream.kafka.topic.name\":\"" QS_TOPIC "\","
             "\"stream.kafka.broker.list\":\"127.0.0.1:%d\","
             "\"stream.kafka.decoder.class.name\":"
             "\"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder\","
             "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\","
             "\"realtime.segment.flush.threshold.rows\":\"500000\","
             "\"realtime.segment.flush.threshold.time\":\"15m\"}}}",
             o->kafka_port);
    char *resp = NULL;
    int st = tn_httpc_call("127.0.0.1", o->admin_port, "POST", "/schemas", sj, strlen(sj),
                           "application/json", &resp);
    free(sj);
    if (st != 200) {
        fprintf(stderr, "quickstart: POST /schemas: %d %s\n", st, resp ? resp : "");
        free(resp);
        return -1;
    }
    free(resp);
    st = tn_httpc_call("127.0.0.1", o->admin_port, "POST", "/tables", table, strlen(table),
                       "application/json", &resp);
    /* 409: the table survives from an earlier run with the same data dir */
    if (st != 200 && st != 409) {
        fprintf(stderr, "quickstart: POST /tables: %d %s\n", st, resp ? resp : "");
        free(resp);
        return -1;
    }
    free(resp);
    return 0;
}

static rd_kafka_t *make_producer(const qs_opts *o, char *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char bootstrap[64], errstr[256];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%d", o->kafka_port);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "linger.ms", "20", errstr, sizeof errstr)) {
        rd_kafka_conf_destroy(conf);
        tn_err(err, TN_EINVAL, "producer config: %s", errstr);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        tn_err(err, TN_EIO, "producer: %s", errstr);
    return rk;
}

/* Produces events at o->rate per second, spread over the partitions by
 * session, until stopped; returns how many were produced. */
static long produce(const qs_opts *o, rd_kafka_t *rk)
{
    char err[TN_ERRLEN];
    seg_schema *schema;
    if (tn_gen_pageview_schema(&schema, err))
        return 0;
    int ts_field = seg_schema_find(schema, "ts");
    tn_gen *g = tn_gen_new((uint64_t)tn_now_ms(), tn_now_ms());
    seg_row row;
    seg_row_init(&row, schema);
    char json[4096];
    long sent = 0;
    uint64_t t0 = tn_mono_ns(), last_report = t0;
    int64_t end_ms = o->seconds ? tn_now_ms() + o->seconds * 1000 : INT64_MAX;
    while (!qs_stop && tn_now_ms() < end_ms) {
        double due = (double)(tn_mono_ns() - t0) / 1e9 * (double)o->rate;
        for (; sent < (long)due; sent++) {
            tn_gen_pageview(g, &row);
            seg_row_set(&row, (uint32_t)ts_field, (seg_value){.i = tn_now_ms()});
            size_t n = tn_gen_row_json(&row, json, sizeof json);
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(QS_TOPIC),
                              RD_KAFKA_V_PARTITION((int32_t)(sent % QS_PARTITIONS)),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(json, n), RD_KAFKA_V_END);
        }
        rd_kafka_poll(rk, 10);
        if (tn_mono_ns() - last_report > 10000000000ull) {
            last_report = tn_mono_ns();
            printf("quickstart: %ld events produced\n", sent);
            fflush(stdout);
        }
    }
    rd_kafka_flush(rk, 5000);
    seg_row_free(&row);
    tn_gen_free(g);
    seg_schema_free(schema);
    return sent;
}

static void print_welcome(const qs_opts *o)
{
    printf("\nTannin is running.\n"
           "  SQL over HTTP (Pinot's broker API):\n"
           "    curl -s -H 'Content-Type: application/json' -d '{\"sql\":\"SELECT country, "
           "COUNT(*) AS views, AVG(bounced) AS bounce_rate FROM pageviews GROUP BY country "
           "ORDER BY views DESC LIMIT 5\"}' http://127.0.0.1:%d/query/sql\n"
           "  PostgreSQL wire (psql, JDBC, Tableau):\n"
           "    psql -h 127.0.0.1 -p %d -U tannin -c 'SELECT device, COUNT(*) FROM pageviews "
           "GROUP BY device'\n"
           "  Admin REST (Pinot's controller paths): http://127.0.0.1:%d/tables\n"
           "  Kafka (embedded, any client): 127.0.0.1:%d, topic " QS_TOPIC "\n"
           "  Logs: %s/logs/\n"
           "Producing %ld page views/s. Ctrl-C stops everything.\n\n",
           o->http_port, o->pg_port, o->admin_port, o->kafka_port, o->dir, o->rate);
    fflush(stdout);
}

static int parse_opts(int argc, char **argv, qs_opts *o)
{
    static const struct option longs[] = {
        {"data-dir", 1, 0, 'd'},   {"for", 1, 0, 'f'},         {"rate", 1, 0, 'r'},
        {"kafka-port", 1, 0, 'k'}, {"http-port", 1, 0, 'h'},   {"admin-port", 1, 0, 'a'},
        {"server-port", 1, 0, 's'}, {"server-admin-port", 1, 0, 'S'}, {"pg-port", 1, 0, 'p'},
        {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'd': o->dir = optarg; break;
        case 'f': o->seconds = atol(optarg); break;
        case 'r': o->rate = atol(optarg); break;
        case 'k': o->kafka_port = atoi(optarg); break;
        case 'h': o->http_port = atoi(optarg); break;
        case 'a': o->admin_port = atoi(optarg); break;
        case 's': o->server_port = atoi(optarg); break;
        case 'S': o->server_admin_port = atoi(optarg); break;
        case 'p': o->pg_port = atoi(optarg); break;
        default: return -1;
        }
    }
    int ports[] = {o->kafka_port, o->http_port, o->admin_port, o->server_port,
                   o->server_admin_port, o->pg_port};
    for (size_t i = 0; i < TN_ARRAY_LEN(ports); i++)
        if (ports[i] <= 0 || ports[i] > 65535)
            return -1;
    return optind == argc && o->rate > 0 && o->rate <= 1000000 && o->seconds >= 0 ? 0 : -1;
}

/* Starts Kafka, server and broker; 0 when all three are ready. */
static int start_all(const qs_opts *o, qs_child *cs)
{
    char topic[64], kport[16], sport[16], saport[16], hport[16], aport[16], pport[16],
        sdir[600], bdir[600], servers[64];
    snprintf(topic, sizeof topic, "%s:%d", QS_TOPIC, QS_PARTITIONS);
    snprintf(kport, sizeof kport, "%d", o->kafka_port);
    snprintf(sport, sizeof sport, "%d", o->server_port);
    snprintf(saport, sizeof saport, "%d", o->server_admin_port);
    snprintf(hport, sizeof hport, "%d", o->http_port);
    snprintf(aport, sizeof aport, "%d", o->admin_port);
    snprintf(pport, sizeof pport, "%d", o->pg_port);
    snprintf(sdir, sizeof sdir, "%s/server", o->dir);
    snprintf(bdir, sizeof bdir, "%s/broker", o->dir);
    snprintf(servers, sizeof servers, "127.0.0.1:%d", o->server_port);
    char *kafka[] = {"tannin", "kafka-dev", "--port", kport, "--topic", topic, NULL};
    char *server[] = {"tannin", "server", "--data-dir", sdir, "--port", sport,
                      "--admin-port", saport, NULL};
    char *broker[] = {"tannin", "broker", "--data-dir", bdir, "--servers", servers,
                      "--http-port", hport, "--admin-port", aport, "--pg-port", pport, NULL};
    if (spawn(&cs[0], o, "kafka", kafka) || wait_ready(&cs[0], "bootstrap:", 10000))
        return -1;
    if (spawn(&cs[1], o, "server", server) || wait_ready(&cs[1], "server ready", 30000))
        return -1;
    if (spawn(&cs[2], o, "broker", broker) || wait_ready(&cs[2], "broker ready", 30000))
        return -1;
    return 0;
}

int tn_cmd_quickstart(int argc, char **argv)
{
    qs_opts o = {.dir = "tannin-data", .kafka_port = 19092, .server_port = 8098,
                 .server_admin_port = 8097, .http_port = 8099, .admin_port = 9000,
                 .pg_port = 5433, .rate = 2000};
    if (parse_opts(argc, argv, &o))
        return usage();
    char logs[600];
    snprintf(logs, sizeof logs, "%s/logs", o.dir);
    if ((mkdir(o.dir, 0755) && errno != EEXIST) || (mkdir(logs, 0755) && errno != EEXIST)) {
        fprintf(stderr, "quickstart: cannot create %s: %s\n", logs, strerror(errno));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    qs_child cs[3] = {{0}};
    char err[TN_ERRLEN] = "";
    rd_kafka_t *rk = NULL;
    int rc = start_all(&o, cs) || create_table(&o) || !(rk = make_producer(&o, err)) ? 1 : 0;
    if (!rc) {
        print_welcome(&o);
        long n = produce(&o, rk);
        printf("quickstart: stopping after %ld events\n", n);
    } else if (!qs_stop && !rk && err[0]) {
        fprintf(stderr, "quickstart: %s\n", err);
    }
    if (rk)
        rd_kafka_destroy(rk);
    stop_children(cs, 3);
    return rc;
}
