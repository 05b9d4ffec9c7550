/*
 * tn_gen_cmd.c: `tannin gen pageviews|ad-events`: the demo's events as
 * JSON lines to stdout or a file, or produced to Kafka keyed by entity
 * (session, box) so that each entity's events stay ordered in one
 * partition. As fast as possible (timestamps from the generator's clock,
 * deterministic for a seed and start) or paced at --rate with wall-clock
 * timestamps, until --count / --seconds or SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "tn_gen.h"
#include "tn_tools.h"

#define GC_BUF (1 << 20)    /* output buffer: one write per MiB */
#define GC_LINE_MAX 4096    /* longest JSON line of the demo schemas, with room */
#define GC_BATCH 1024       /* events between clock and stop checks */

typedef struct gc_opts {
    tn_gen_kind kind;
    uint64_t seed;
    double rate;        /* events per second; 0 = as fast as possible */
    int64_t count;      /* -1 = no limit */
    double seconds;     /* 0 = no limit */
    int64_t start_ms;
    const char *out;    /* "-" = stdout */
    const char *kafka;  /* bootstrap servers, or NULL */
    const char *topic;
    bool progress;
} gc_opts;

/* Where events go: a file descriptor through a buffer, or a producer. */
typedef struct gc_sink {
    int fd;
    char *buf;
    size_t len;
    bool closed;        /* the reader went away (EPIPE) */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    long failed;        /* messages Kafka did not deliver */
} gc_sink;

static volatile sig_atomic_t gc_stop;

static void on_signal(int sig)
{
    (void)sig;
    gc_stop = 1;
}

static int usage(FILE *f)
{
    fprintf(f,
            "usage: tannin gen pageviews|ad-events [--seed N] [--rate EVENTS/S]\n"
            "                  [--count N] [--seconds S] [--start-ms MS] [--progress]\n"
            "                  [--out -|FILE | --kafka BOOTSTRAP [--topic T]]\n"
            "  Demo events as JSON lines (stdout by default), or produced to Kafka\n"
            "  keyed by session / box (topic: pageviews / ad_events by default).\n"
            "  Without --rate: as fast as possible, ts from the generator's clock\n"
            "  from --start-ms (default now), same seed and start = same events.\n"
            "  With --rate: paced, ts = wall clock. Runs until --count, --seconds\n"
            "  or SIGINT/SIGTERM; a summary line goes to stderr.\n");
    return f == stdout ? 0 : 2;
}

/* ---- options -------------------------------------------------------- */

static bool parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_positive(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v <= 0)
        return false;
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, gc_opts *o)
{
    static const struct option longs[] = {
        {"seed", 1, 0, 's'},  {"rate", 1, 0, 'r'},     {"count", 1, 0, 'c'},
        {"seconds", 1, 0, 'S'}, {"start-ms", 1, 0, 'm'}, {"out", 1, 0, 'o'},
        {"kafka", 1, 0, 'k'}, {"topic", 1, 0, 't'},    {"progress", 0, 0, 'p'},
        {"help", 0, 0, 'h'},  {0, 0, 0, 0}};
    int ch, li = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", longs, &li)) != -1) {
        bool ok = true;
        switch (ch) {
        case 's': ok = parse_i64(optarg, (int64_t *)&o->seed) && (int64_t)o->seed >= 0; break;
        case 'r': ok = parse_positive(optarg, &o->rate) && o->rate <= 1e9; break;
        case 'c': ok = parse_i64(optarg, &o->count) && o->count >= 0; break;
        case 'S': ok = parse_positive(optarg, &o->seconds); break;
        case 'm': ok = parse_i64(optarg, &o->start_ms); break;
        case 'o': o->out = optarg; break;
        case 'k': o->kafka = optarg; break;
        case 't': o->topic = optarg; break;
        case 'p': o->progress = true; break;
        case 'h': return 1;
        default: return -1;
        }
        if (!ok) {
            fprintf(stderr, "tannin gen: bad value '%s' for --%s\n", optarg, longs[li].name);
            return -1;
        }
    }
    if (optind != argc - 1 || tn_gen_kind_parse(argv[optind], &o->kind)) {
        fprintf(stderr, "tannin gen: expected one kind, pageviews or ad-events\n");
        return -1;
    }
    if ((o->kafka && o->out) || (o->topic && !o->kafka) || (o->kafka && !*o->kafka) ||
        (o->out && !*o->out)) {
        fprintf(stderr, "tannin gen: --out and --kafka exclude each other; --topic needs "
                        "--kafka\n");
        return -1;
    }
    if (o->kafka && !o->topic)
        o->topic = tn_gen_kind_table(o->kind);
    if (!o->kafka && !o->out)
        o->out = "-";
    return 0;
}

/* ---- sinks ---------------------------------------------------------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    gc_sink *s = opaque;
    if (!m->err)
        return;
    if (s->failed++ == 0) /* the first says why; the summary counts them all */
        fprintf(stderr, "tannin gen: delivery failed: %s\n", rd_kafka_err2str(m->err));
}

/* A producer tuned for throughput: large lingering batches, lz4 (the
 * embedded Kafka keeps a fixed number of bytes per partition). */
static int open_kafka(gc_sink *s, const gc_opts *o)
{
    static const char *const conf[][2] = {
        {"linger.ms", "50"}, {"batch.num.messages", "10000"}, {"batch.size", "1000000"},
        {"compression.codec", "lz4"}, {"queue.buffering.max.messages", "1000000"},
        {"queue.buffering.max.kbytes", "1048576"}, {"message.timeout.ms", "30000"}};
    char errstr[256];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    bool ok = rd_kafka_conf_set(c, "bootstrap.servers", o->kafka, errstr, sizeof errstr) ==
              RD_KAFKA_CONF_OK;
    for (size_t i = 0; ok && i < TN_ARRAY_LEN(conf); i++)
        ok = rd_kafka_conf_set(c, conf[i][0], conf[i][1], errstr, sizeof errstr) ==
             RD_KAFKA_CONF_OK;
    if (!ok) {
        rd_kafka_conf_destroy(c);
        fprintf(stderr, "tannin gen: producer config: %s\n", errstr);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, s);
    if (!(s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr))) {
        fprintf(stderr, "tannin gen: producer: %s\n", errstr);
        return -1;
    }
    s->rkt = rd_kafka_topic_new(s->rk, o->topic, NULL);
    return 0;
}

static int open_sink(gc_sink *s, const gc_opts *o)
{
    s->fd = -1;
    if (o->kafka)
        return open_kafka(s, o);
    s->fd = strcmp(o->out, "-") ? open(o->out, O_WRONLY | O_CREAT | O_TRUNC, 0644)
                                : STDOUT_FILENO;
    if (s->fd < 0) {
        fprintf(stderr, "tannin gen: %s: %s\n", o->out, strerror(errno));
        return -1;
    }
    s->buf = tn_malloc(GC_BUF);
    return 0;
}

/* Writes the buffer out; a reader that went away ends the run quietly. */
static int sink_flush(gc_sink *s)
{
    for (size_t off = 0; off < s->len && !s->closed;) {
        ssize_t w = write(s->fd, s->buf + off, s->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EPIPE) {
            s->closed = true;
        } else if (w < 0) {
            fprintf(stderr, "tannin gen: write: %s\n", strerror(errno));
            return -1;
        } else {
            off += (size_t)w;
        }
    }
    s->len = 0;
    return 0;
}

static int emit_line(gc_sink *s, const seg_row *row)
{
    if (s->len + GC_LINE_MAX + 1 > GC_BUF && sink_flush(s))
        return -1;
    size_t n = tn_gen_row_json(row, s->buf + s->len, GC_LINE_MAX);
    if (!n) {
        fprintf(stderr, "tannin gen: an event does not fit in %d bytes\n", GC_LINE_MAX);
        return -1;
    }
    s->len += n;
    s->buf[s->len++] = '\n';
    return 0;
}

static int emit_kafka(gc_sink *s, const seg_row *row, tn_gen_kind k)
{
    char json[GC_LINE_MAX], key[24];
    size_t n = tn_gen_row_json(row, json, sizeof json);
    int kn = snprintf(key, sizeof key, "%lld", (long long)tn_gen_row_key(row, k));
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            s->rk, RD_KAFKA_V_RKT(s->rkt), RD_KAFKA_V_KEY(key, (size_t)kn),
            RD_KAFKA_V_VALUE(json, n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!e)
            return 0;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "tannin gen: produce: %s\n", rd_kafka_err2str(e));
            return -1;
        }
        rd_kafka_poll(s->rk, 10); /* the queue drains as batches are delivered */
    }
}

static int emit(gc_sink *s, const seg_row *row, tn_gen_kind k)
{
    return s->rk ? emit_kafka(s, row, k) : emit_line(s, row);
}

/* Final flush; for Kafka, waits for every delivery (or its failure). */
static int close_sink(gc_sink *s)
{
    int rc = 0;
    if (s->rk) {
        if (rd_kafka_flush(s->rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "tannin gen: %d messages still undelivered after 60 s\n",
                    rd_kafka_outq_len(s->rk));
            rc = -1;
        }
        if (s->failed) {
            fprintf(stderr, "tannin gen: %ld messages failed delivery\n", s->failed);
            rc = -1;
        }
        rd_kafka_topic_destroy(s->rkt);
        rd_kafka_destroy(s->rk);
    } else if (s->buf) {
        rc = sink_flush(s);
        if (s->fd != STDOUT_FILENO && close(s->fd) && !rc) {
            fprintf(stderr, "tannin gen: close: %s\n", strerror(errno));
            rc = -1;
        }
    }
    free(s->buf);
    return rc;
}

/* ---- the run -------------------------------------------------------- */

typedef struct gc_run {
    const gc_opts *o;
    tn_gen *g;
    seg_row row;
    int ts_field;
    gc_sink sink;
    int64_t sent;
    uint64_t t0, last_report;
    int64_t last_sent;
} gc_run;

static double elapsed_s(const gc_run *r) { return (double)(tn_mono_ns() - r->t0) / 1e9; }

static void report_progress(gc_run *r)
{
    uint64_t now = tn_mono_ns();
    if (now - r->last_report < 1000000000ull)
        return;
    double dt = (double)(now - r->last_report) / 1e9;
    fprintf(stderr, "gen: %lld events, %.0f ev/s\n", (long long)r->sent,
            (double)(r->sent - r->last_sent) / dt);
    r->last_report = now;
    r->last_sent = r->sent;
}

/* How many events to make now: a batch when unpaced, what is due when
 * paced; never past --count. */
static int64_t due_now(const gc_run *r)
{
    int64_t n = GC_BATCH;
    if (r->o->rate > 0)
        n = (int64_t)(elapsed_s(r) * r->o->rate) - r->sent;
    if (r->o->count >= 0)
        n = TN_MIN(n, r->o->count - r->sent);
    return TN_MIN(n, GC_BATCH); /* a paced run catching up still checks for stops */
}

/* Paced runs wait for the next event's time (at most 100 ms, so signals
 * and --seconds are noticed), serving Kafka's callbacks meanwhile. */
static void wait_next(gc_run *r)
{
    double wait = ((double)(r->sent + 1) / r->o->rate - elapsed_s(r)) * 1000.0;
    int ms = (int)TN_MIN(TN_MAX(wait, 1.0), 100.0);
    if (r->sink.rk) {
        rd_kafka_poll(r->sink.rk, ms);
    } else {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int make_batch(gc_run *r, int64_t n)
{
    bool paced = r->o->rate > 0;
    int64_t now = paced ? tn_now_ms() : 0;
    for (int64_t i = 0; i < n; i++) {
        if (paced) /* follow-ups come out in wall-clock time, every ts is now */
            tn_gen_set_clock(r->g, now);
        tn_gen_next(r->g, r->o->kind, &r->row);
        if (paced && r->ts_field >= 0)
            seg_row_set(&r->row, (uint32_t)r->ts_field, (seg_value){.i = now});
        if (emit(&r->sink, &r->row, r->o->kind))
            return -1;
        r->sent++;
    }
    /* paced output is read live: hand it over now */
    if (paced && r->sink.fd >= 0 && sink_flush(&r->sink))
        return -1;
    if (r->sink.rk)
        rd_kafka_poll(r->sink.rk, 0);
    return 0;
}

static int run_loop(gc_run *r)
{
    const gc_opts *o = r->o;
    while (!gc_stop && !r->sink.closed) {
        if ((o->count >= 0 && r->sent >= o->count) ||
            (o->seconds > 0 && elapsed_s(r) >= o->seconds))
            break;
        int64_t n = due_now(r);
        if (n > 0 && make_batch(r, n))
            return -1;
        else if (n <= 0)
            wait_next(r);
        if (o->progress)
            report_progress(r);
    }
    return 0;
}

static int run(const gc_opts *o)
{
    char err[TN_ERRLEN];
    seg_schema *schema;
    if (tn_gen_schema(o->kind, &schema, err)) {
        fprintf(stderr, "tannin gen: %s\n", err);
        return 1;
    }
    gc_run r = {.o = o, .ts_field = seg_schema_find(schema, "ts")};
    int rc = 1;
    if (open_sink(&r.sink, o) == 0) {
        r.g = tn_gen_new(o->seed, o->start_ms);
        seg_row_init(&r.row, schema);
        r.t0 = r.last_report = tn_mono_ns();
        rc = run_loop(&r) ? 1 : 0;
        rc = close_sink(&r.sink) ? 1 : rc;
        double s = elapsed_s(&r);
        fprintf(stderr, "gen: %lld events in %.2f s (%.0f ev/s)\n", (long long)r.sent, s,
                s > 0 ? (double)r.sent / s : 0.0);
        seg_row_free(&r.row);
        tn_gen_free(r.g);
    } else {
        close_sink(&r.sink);
    }
    seg_schema_free(schema);
    return rc;
}

int tn_cmd_gen(int argc, char **argv)
{
    gc_opts o = {.seed = 1, .count = -1, .start_ms = tn_now_ms()};
    int p = parse_opts(argc, argv, &o);
    if (p)
        return usage(p > 0 ? stdout : stderr);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* a closed pipe shows up as EPIPE from write, which ends the run */
    signal(SIGPIPE, SIG_IGN);
    return run(&o);
}
