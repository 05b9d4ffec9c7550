/*
 * tn_quickstart.c: `tannin quickstart`: the whole system in one command.
 * Starts the embedded Kafka (tannin kafka-dev), one server and one broker
 * (HTTP 8099, admin and web console 9000, PostgreSQL 5433) as child
 * processes of this one, creates the demo's two tables (tools/demo/: page
 * views and set-top-box ad events) through the broker's admin REST (as a
 * user would with Pinot's controller), then produces both kinds of events
 * to Kafka at a steady rate until Ctrl-C or --for SECONDS, and stops
 * everything cleanly, sealing first what only the in-memory Kafka holds so
 * that a restart on the same data directory keeps every row.
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

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "tn_demo.h"
#include "tn_gen.h"
#include "tn_httpc.h"
#include "tn_tools.h"

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
    fprintf(stderr, "usage: tannin quickstart [--data-dir DIR] [--for SECONDS] [--rate EVENTS/S per stream]\n"
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

/* One demo stream: a generator kind, its table and topic (same name). */
typedef struct qs_stream {
    tn_gen_kind kind;
    const char *table;
} qs_stream;

static const qs_stream qs_streams[] = {{TN_GEN_PAGEVIEWS, "pageviews"},
                                       {TN_GEN_AD_EVENTS, "ad_events"}};
#define QS_NSTREAMS TN_ARRAY_LEN(qs_streams)

/* An admin REST call on the broker; the answer's status (-1: no answer). */
static int admin_call(const qs_opts *o, const char *method, const char *path,
                      const char *body, char **resp)
{
    return tn_httpc_call("127.0.0.1", o->admin_port, method, path, body,
                         body ? strlen(body) : 0, "application/json", resp);
}

/* The demo's embedded table config with the broker list of our Kafka. */
static char *table_config(const qs_opts *o, const char *table)
{
    char name[128], bootstrap[64];
    snprintf(name, sizeof name, "%s_realtime_table_config.json", table);
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%d", o->kafka_port);
    cJSON *cfg = cJSON_Parse(tn_demo_file(name, NULL));
    cJSON *stream = cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "tableIndexConfig"),
                                        "streamConfigs");
    if (!stream) {
        cJSON_Delete(cfg);
        return NULL;
    }
    cJSON_ReplaceItemInObject(stream, "stream.kafka.broker.list",
                              cJSON_CreateString(bootstrap));
    char *text = cJSON_PrintUnformatted(cfg);
    cJSON_Delete(cfg);
    return text;
}

/* Creates a demo table (schema, then REALTIME table) through the admin
 * REST API, as a user would with Pinot's controller. A table kept from an
 * earlier run was paused at its end, with everything sealed; our Kafka is
 * new and empty, so it resumes from the smallest offset (without that,
 * its committed offsets would be past the end of the new topic: a data-loss
 * alarm). */
static int create_table(const qs_opts *o, const char *table)
{
    char name[128], path[256];
    snprintf(name, sizeof name, "%s_schema.json", table);
    char *cfg = table_config(o, table), *resp = NULL;
    int st = cfg ? admin_call(o, "POST", "/schemas", tn_demo_file(name, NULL), &resp) : -1;
    if (st != 200) {
        fprintf(stderr, "quickstart: POST /schemas (%s): %d %s\n", table, st, resp ? resp : "");
        free(resp);
        free(cfg);
        return -1;
    }
    free(resp);
    st = admin_call(o, "POST", "/tables", cfg, &resp);
    free(cfg);
    if (st == 409) {
        free(resp);
        snprintf(path, sizeof path, "/tables/%s/resumeConsumption?consumeFrom=smallest", table);
        st = admin_call(o, "POST", path, "", &resp);
    }
    if (st != 200) {
        fprintf(stderr, "quickstart: table %s: %d %s\n", table, st, resp ? resp : "");
        free(resp);
        return -1;
    }
    free(resp);
    return 0;
}

static int create_tables(const qs_opts *o)
{
    for (size_t i = 0; i < QS_NSTREAMS; i++)
        if (create_table(o, qs_streams[i].table))
            return -1;
    return 0;
}

static int64_t num(const cJSON *o, const char *field)
{
    const cJSON *v = cJSON_GetObjectItem(o, field);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Sums over the demo tables' consuming state on the server (GET
 * /tables/{t}/segments on its admin port): the messages the partitions have
 * taken (ingested, invalid or filtered), or with unsealed set the rows of
 * segments not sealed yet; -1 when the server does not answer. */
static int64_t server_sum(const qs_opts *o, bool unsealed)
{
    int64_t sum = 0;
    for (size_t i = 0; i < QS_NSTREAMS; i++) {
        char path[256], *resp = NULL;
        snprintf(path, sizeof path, "/tables/%s/segments", qs_streams[i].table);
        int st = tn_httpc_call("127.0.0.1", o->server_admin_port, "GET", path, NULL, 0, NULL,
                               &resp);
        cJSON *doc = st == 200 ? cJSON_Parse(resp) : NULL;
        free(resp);
        if (!doc)
            return -1;
        const cJSON *t, *x;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, "tables"))
        {
            if (!unsealed) {
                cJSON_ArrayForEach(x, cJSON_GetObjectItem(t, "partitions"))
                    sum += num(x, "rowsIngested") + num(x, "invalidRows") +
                           num(x, "filteredRows");
                continue;
            }
            cJSON_ArrayForEach(x, cJSON_GetObjectItem(t, "segments"))
            {
                const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(x, "status"));
                if (status && !strcmp(status, "IN_PROGRESS"))
                    sum += num(x, "docs");
            }
        }
        cJSON_Delete(doc);
    }
    return sum;
}

/* Waits up to ms until no rows wait to be sealed; whether they did. */
static bool wait_sealed(const qs_opts *o, int ms)
{
    for (int waited = 0; waited < ms; waited += 100) {
        if (server_sum(o, true) == 0)
            return true;
        usleep(100000);
    }
    return false;
}

/* Waits up to ms until the server has taken every message produced in this
 * run (its per-partition counters start with the process, as does our
 * producer's); the lag the server reports comes from watermarks it may not
 * have refreshed yet, so it cannot tell. */
static bool wait_consumed(const qs_opts *o, long produced, int ms)
{
    for (int waited = 0; waited < ms; waited += 100) {
        if (server_sum(o, false) >= produced)
            return true;
        usleep(100000);
    }
    return false;
}

/* The embedded Kafka keeps its messages in memory only, so before it stops
 * everything it holds must be in sealed segments: wait until the server has
 * consumed all we produced, pause the tables (a restart then finds them
 * paused and resumes from the new Kafka's start), seal, and wait for the
 * seals. */
static void seal_all(const qs_opts *o, long produced)
{
    bool caught_up = wait_consumed(o, produced, 15000);
    char path[256], *resp;
    for (size_t i = 0; i < QS_NSTREAMS; i++) {
        static const char *const steps[] = {"pauseConsumption", "forceCommit"};
        for (size_t k = 0; k < TN_ARRAY_LEN(steps); k++) {
            snprintf(path, sizeof path, "/tables/%s/%s", qs_streams[i].table, steps[k]);
            resp = NULL;
            int st = admin_call(o, "POST", path, "", &resp);
            if (st != 200)
                fprintf(stderr, "quickstart: %s: %d %s\n", path, st, resp ? resp : "");
            free(resp);
        }
    }
    bool sealed = wait_sealed(o, 30000);
    if (!caught_up || !sealed)
        fprintf(stderr, "quickstart: warning: %s; rows not sealed are lost with the embedded "
                "Kafka\n", caught_up ? "seals did not finish in time"
                                     : "consumption did not catch up in time");
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

/* A generator feeding one topic at o->rate events per second. */
typedef struct qs_feed {
    const qs_stream *s;
    seg_schema *schema;
    seg_row row;
    tn_gen *g;
    long sent;
} qs_feed;

static int feed_open(qs_feed *f, const qs_stream *s, uint64_t seed, char *err)
{
    memset(f, 0, sizeof *f);
    f->s = s;
    if (tn_gen_schema(s->kind, &f->schema, err))
        return -1;
    seg_row_init(&f->row, f->schema);
    f->g = tn_gen_new(seed, tn_now_ms());
    return 0;
}

static void feed_close(qs_feed *f)
{
    if (!f->schema)
        return;
    seg_row_free(&f->row);
    tn_gen_free(f->g);
    seg_schema_free(f->schema);
}

/* Produces the events due by now, keyed by their entity (session or box) so
 * that each entity's events stay in order in one partition. */
static void feed_run(qs_feed *f, rd_kafka_t *rk, double due)
{
    char json[4096], key[24];
    tn_gen_set_clock(f->g, tn_now_ms());
    for (; f->sent < (long)due; f->sent++) {
        tn_gen_next(f->g, f->s->kind, &f->row);
        size_t n = tn_gen_row_json(&f->row, json, sizeof json);
        int kn = snprintf(key, sizeof key, "%lld",
                          (long long)tn_gen_row_key(&f->row, f->s->kind));
        if (n)
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(f->s->table),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key, (size_t)kn), RD_KAFKA_V_VALUE(json, n),
                              RD_KAFKA_V_END);
    }
}

/* Feeds both topics at o->rate events per second each until stopped;
 * returns how many events were produced in all. */
static long produce(const qs_opts *o, rd_kafka_t *rk)
{
    char err[TN_ERRLEN];
    qs_feed feeds[QS_NSTREAMS];
    long total = 0;
    uint64_t seed = (uint64_t)tn_now_ms();
    for (size_t i = 0; i < QS_NSTREAMS; i++)
        if (feed_open(&feeds[i], &qs_streams[i], seed + i, err)) {
            fprintf(stderr, "quickstart: %s\n", err);
            qs_stop = 1;
        }
    uint64_t t0 = tn_mono_ns(), last_report = t0;
    int64_t end_ms = o->seconds ? tn_now_ms() + o->seconds * 1000 : INT64_MAX;
    while (!qs_stop && tn_now_ms() < end_ms) {
        double due = (double)(tn_mono_ns() - t0) / 1e9 * (double)o->rate;
        for (size_t i = 0; i < QS_NSTREAMS; i++)
            feed_run(&feeds[i], rk, due);
        rd_kafka_poll(rk, 10);
        if (tn_mono_ns() - last_report > 10000000000ull) {
            last_report = tn_mono_ns();
            printf("quickstart: %ld page views, %ld ad events produced\n", feeds[0].sent,
                   feeds[1].sent);
            fflush(stdout);
        }
    }
    rd_kafka_flush(rk, 5000);
    for (size_t i = 0; i < QS_NSTREAMS; i++) {
        total += feeds[i].sent;
        feed_close(&feeds[i]);
    }
    return total;
}

static void print_welcome(const qs_opts *o)
{
    printf("\nTannin is running.\n"
           "  Web console (query page, drop-off and ad-aggregator dashboards):\n"
           "    http://127.0.0.1:%d/\n"
           "  SQL over HTTP (Pinot's broker API):\n"
           "    curl -s -H 'Content-Type: application/json' -d '{\"sql\":\"SELECT country, "
           "COUNT(*) AS views, AVG(bounced) AS bounce_rate FROM pageviews GROUP BY country "
           "ORDER BY views DESC LIMIT 5\"}' http://127.0.0.1:%d/query/sql\n"
           "  PostgreSQL wire (psql, JDBC, Tableau):\n"
           "    psql -h 127.0.0.1 -p %d -U tannin -c 'SELECT aggregator, COUNT(*) FROM "
           "ad_events GROUP BY aggregator'\n"
           "  Admin REST (Pinot's controller paths): http://127.0.0.1:%d/tables\n"
           "  Kafka (embedded, any client such as kcat): 127.0.0.1:%d, topics pageviews, "
           "ad_events\n"
           "  Logs: %s/logs/\n"
           "Producing %ld page views/s and %ld ad events/s. Ctrl-C stops everything.\n\n",
           o->admin_port, o->http_port, o->pg_port, o->admin_port, o->kafka_port, o->dir,
           o->rate, o->rate);
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
    char topics[QS_NSTREAMS][64], kport[16], sport[16], saport[16], hport[16], aport[16], pport[16],
        sdir[600], bdir[600], servers[64];
    for (size_t i = 0; i < QS_NSTREAMS; i++)
        snprintf(topics[i], sizeof topics[i], "%s:%d", qs_streams[i].table, QS_PARTITIONS);
    snprintf(kport, sizeof kport, "%d", o->kafka_port);
    snprintf(sport, sizeof sport, "%d", o->server_port);
    snprintf(saport, sizeof saport, "%d", o->server_admin_port);
    snprintf(hport, sizeof hport, "%d", o->http_port);
    snprintf(aport, sizeof aport, "%d", o->admin_port);
    snprintf(pport, sizeof pport, "%d", o->pg_port);
    snprintf(sdir, sizeof sdir, "%s/server", o->dir);
    snprintf(bdir, sizeof bdir, "%s/broker", o->dir);
    snprintf(servers, sizeof servers, "127.0.0.1:%d", o->server_port);
    char *kafka[] = {"tannin", "kafka-dev", "--port", kport, "--topic", topics[0],
                     "--topic", topics[1], NULL};
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
    int rc = start_all(&o, cs) || create_tables(&o) || !(rk = make_producer(&o, err)) ? 1 : 0;
    if (!rc) {
        print_welcome(&o);
        long n = produce(&o, rk);
        printf("quickstart: stopping after %ld events; sealing what Kafka holds\n", n);
        fflush(stdout);
        seal_all(&o, n);
    } else if (!qs_stop && !rk && err[0]) {
        fprintf(stderr, "quickstart: %s\n", err);
    }
    if (rk)
        rd_kafka_destroy(rk);
    stop_children(cs, 3);
    return rc;
}
