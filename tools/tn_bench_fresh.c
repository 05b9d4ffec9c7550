/*
 * tn_bench_fresh.c: `tannin bench ingest --kafka ... --broker ...`: the
 * ingest benchmark against a running cluster, end to end. Page views
 * (tn_gen, ts = now, keyed by session_id) are produced to a Kafka topic at a
 * fixed rate (or as fast as the producer goes, --max) while three things
 * are measured through the broker, as a dashboard user would see them:
 *
 *   freshness  every --probe-ms a marker event (a page view whose
 *              session_id is a unique negative number) is produced; a probe
 *              thread polls the broker for the markers not yet seen (one
 *              query for all of them, every --poll-ms or twice the query's
 *              own time, whichever is longer), and a marker's
 *              freshness is the time from its produce call to the first
 *              answer that holds it: an upper bound, by up to one poll
 *              period plus the poll's own round trip (both reported). A
 *              marker not visible after --marker-timeout counts as a failure.
 *   lag        every 200 ms, COUNT(*) of the table against the events
 *              Kafka acknowledged so far: the backlog in events and in
 *              seconds at the current produce rate; after the last event,
 *              how long until the count reaches everything produced.
 *   rates      produce rate achieved, rate at which rows became queryable.
 *
 * The in-process benchmark (tn_bench_ingest.c) hands over here when the
 * command line names --kafka or --broker.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "tn_bench.h"
#include "tn_gen.h"
#include "tn_hist.h"
#include "tn_sqlc.h"

#define BF_MONITOR_MS 200      /* lag sample period */
#define BF_MAX_IN_LIST 200     /* probe: markers asked for in one query */
#define BF_DRAIN_S 30.0        /* after producing: how long to wait for the count */
#define BF_MSG 256

enum { M_PENDING, M_VISIBLE, M_TIMEOUT, M_UNDELIVERED };

typedef struct bf_opts {
    const char *kafka, *topic, *url, *table, *json_out;
    char host[256];
    int port;
    double rate;     /* events/s; 0 with --max */
    double seconds;
    double warmup;   /* seconds of producing before markers and lag count */
    double probe_ms;
    double marker_timeout_s;
    double poll_ms;  /* probe: pause between polls while markers are out */
    int partitions;  /* 0: all of the topic's */
    bool quiet;
} bf_opts;

typedef struct bf_marker {
    int64_t id;            /* the negative session_id */
    uint64_t produced_ns;  /* the produce call */
    uint64_t acked_ns;     /* Kafka's acknowledgement (0: none) */
    uint64_t visible_ns;   /* first answer holding it */
    atomic_int state;
    int64_t seen_count;    /* rows with its id when first seen (1 unless duplicated) */
} bf_marker;

typedef struct bf_run {
    const bf_opts *o;
    int nparts;
    int64_t run_id;
    /* markers: the producer fills one, then publishes it by nmarkers */
    bf_marker *markers;
    size_t cap;
    atomic_size_t nmarkers;
    atomic_uint_fast64_t acked, failed; /* delivery reports, markers included */
    atomic_bool producing;              /* cleared when the last event is acked */
    atomic_bool stop;                   /* monitor: the run is over */
    uint64_t t0, t_measure;             /* start; end of the warm-up */
    int64_t count0;                     /* rows in the table before the run */
    atomic_uint_fast64_t events;        /* produce calls accepted, markers excluded */
    uint64_t produce_end;               /* when the last produce call returned */
    char first_fail[BF_MSG];            /* producer thread only */
    /* probe thread only */
    tn_hist fresh, probe_lat;           /* us */
    uint64_t probe_queries, probe_errors, duplicates;
    char probe_err[BF_MSG];
    /* monitor thread only */
    int64_t max_backlog;
    double max_backlog_s, peak_consumed_rate;
    uint64_t monitor_errors;
} bf_run;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin bench ingest --kafka BOOTSTRAP --topic T --broker http://HOST:PORT\n"
            "           --table T [--rate R | --max] [--seconds S] [--probe-ms 100]\n"
            "           [--partitions N] [--marker-timeout S] [--poll-ms 5] [--warmup S]\n"
            "           [--json OUT] [--quiet]\n"
            "  produces page views (ts = now, keyed by session_id) to T at R events/s\n"
            "  (default 2000) for S seconds (default 10) and measures freshness (a\n"
            "  marker event every probe-ms, polled through the broker every poll-ms\n"
            "  until visible),\n"
            "  ingestion lag (COUNT(*) against events acknowledged) and rates;\n"
            "  --warmup S produces S seconds more first, without markers or lag figures.\n"
            "  Without --kafka/--broker: the in-process benchmark (--help there).\n");
    return 2;
}

/* ---- options ------------------------------------------------------------ */

static int parse_opts(int argc, char **argv, bf_opts *o)
{
    static const struct option longs[] = {
        {"kafka", 1, 0, 'k'},   {"topic", 1, 0, 't'},     {"broker", 1, 0, 'b'},
        {"table", 1, 0, 'T'},   {"rate", 1, 0, 'r'},      {"max", 0, 0, 'm'},
        {"seconds", 1, 0, 's'}, {"probe-ms", 1, 0, 'p'},  {"partitions", 1, 0, 'n'},
        {"marker-timeout", 1, 0, 'M'}, {"poll-ms", 1, 0, 'P'}, {"json", 1, 0, 'j'},
        {"quiet", 0, 0, 'q'},   {"warmup", 1, 0, 'w'},    {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    *o = (bf_opts){.rate = 2000, .seconds = 10, .probe_ms = 100, .marker_timeout_s = 10,
                   .poll_ms = 5};
    double parts = 0;
    bool max = false, rate = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        int bad = 0;
        switch (ch) {
        case 'k': o->kafka = optarg; break;
        case 't': o->topic = optarg; break;
        case 'b': o->url = optarg; break;
        case 'T': o->table = optarg; break;
        case 'r': bad = tn_bench_num_arg(optarg, 1, 1e7, &o->rate); rate = true; break;
        case 'm': max = true; break;
        case 's': bad = tn_bench_num_arg(optarg, 0.1, 86400, &o->seconds); break;
        case 'p': bad = tn_bench_num_arg(optarg, 1, 60000, &o->probe_ms); break;
        case 'n': bad = tn_bench_num_arg(optarg, 1, 100000, &parts); break;
        case 'M': bad = tn_bench_num_arg(optarg, 0.1, 3600, &o->marker_timeout_s); break;
        case 'P': bad = tn_bench_num_arg(optarg, 0, 10000, &o->poll_ms); break;
        case 'w': bad = tn_bench_num_arg(optarg, 0, 3600, &o->warmup); break;
        case 'j': o->json_out = optarg; break;
        case 'q': o->quiet = true; break;
        default: return usage();
        }
        if (bad) {
            const struct option *l = longs;
            while (l->val != ch)
                l++;
            fprintf(stderr, "bench ingest: bad value '%s' for --%s\n", optarg, l->name);
            return usage();
        }
    }
    o->partitions = (int)parts;
    if (optind != argc || !o->kafka || !o->topic || !o->url || !o->table || (max && rate) ||
        parts != (double)o->partitions)
        return usage();
    if (max)
        o->rate = 0;
    char err[TN_ERRLEN];
    if (tn_sqlc_parse_url(o->url, o->host, sizeof o->host, &o->port, err)) {
        fprintf(stderr, "bench ingest: --broker: %s\n", err);
        return 2;
    }
    return 0;
}

/* ---- the broker side ------------------------------------------------------ */

/* COUNT(*) of the table, or -1 with msg set. */
static int64_t table_count(tn_sqlc *c, const char *table, char *msg, size_t cap)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    cJSON *ans;
    if (tn_sqlc_query(c, sql, &ans, msg, cap) != TN_SQLC_OK)
        return -1;
    double v = tn_sqlc_first_number(ans);
    cJSON_Delete(ans);
    if (v < 0)
        snprintf(msg, cap, "COUNT(*) answer without rows");
    return (int64_t)v;
}

/* Pending markers published so far: ids into ask (at most BF_MAX_IN_LIST);
 * markers past the timeout are given up. Returns how many are pending. */
static size_t pending_markers(bf_run *r, size_t *first, size_t *ask, size_t *nask)
{
    size_t n = atomic_load_explicit(&r->nmarkers, memory_order_acquire), pending = 0;
    uint64_t now = tn_mono_ns(), timeout = (uint64_t)(r->o->marker_timeout_s * 1e9);
    *nask = 0;
    while (*first < n && atomic_load(&r->markers[*first].state) != M_PENDING)
        (*first)++;
    for (size_t i = *first; i < n; i++) {
        bf_marker *m = &r->markers[i];
        if (atomic_load(&m->state) != M_PENDING)
            continue;
        if (now - m->produced_ns > timeout) {
            int pending_state = M_PENDING; /* unless its delivery just failed */
            atomic_compare_exchange_strong(&m->state, &pending_state, M_TIMEOUT);
            continue;
        }
        pending++;
        if (*nask < BF_MAX_IN_LIST)
            ask[(*nask)++] = i;
    }
    return pending;
}

/* Marks the markers of one answer visible. */
static void markers_seen(bf_run *r, const cJSON *ans, const size_t *ask, size_t nask,
                         uint64_t at)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ans, "resultTable"), "rows");
    const cJSON *row;
    cJSON_ArrayForEach(row, rows) {
        const cJSON *id = cJSON_GetArrayItem(row, 0), *cnt = cJSON_GetArrayItem(row, 1);
        if (!cJSON_IsNumber(id) || !cJSON_IsNumber(cnt))
            continue;
        for (size_t i = 0; i < nask; i++) {
            bf_marker *m = &r->markers[ask[i]];
            int pending = M_PENDING;
            /* the producer may have given it up (delivery failed) meanwhile */
            if ((double)m->id != id->valuedouble ||
                !atomic_compare_exchange_strong(&m->state, &pending, M_VISIBLE))
                continue;
            m->visible_ns = at;
            m->seen_count = (int64_t)cnt->valuedouble;
            r->duplicates += m->seen_count > 1;
            tn_hist_record(&r->fresh, (at - m->produced_ns + 500) / 1000);
        }
    }
}

static void buf_puts(tn_buf *b, const char *s) { tn_buf_append(b, s, strlen(s)); }

/* One poll: which of the asked-for markers does the table hold? */
static uint64_t probe_once(bf_run *r, tn_sqlc *c, const size_t *ask, size_t nask)
{
    tn_buf sql = {0};
    char part[64], msg[BF_MSG];
    buf_puts(&sql, "SELECT session_id, COUNT(*) FROM ");
    buf_puts(&sql, r->o->table);
    buf_puts(&sql, " WHERE session_id IN (");
    for (size_t i = 0; i < nask; i++) {
        snprintf(part, sizeof part, "%s%" PRId64, i ? ", " : "", r->markers[ask[i]].id);
        buf_puts(&sql, part);
    }
    snprintf(part, sizeof part, ") GROUP BY session_id LIMIT %d", 2 * BF_MAX_IN_LIST);
    buf_puts(&sql, part);
    tn_buf_append(&sql, "", 1);
    cJSON *ans;
    r->probe_queries++;
    uint64_t t0 = tn_mono_ns();
    if (tn_sqlc_query(c, (const char *)sql.data, &ans, msg, sizeof msg) == TN_SQLC_OK) {
        uint64_t t1 = tn_mono_ns();
        tn_hist_record(&r->probe_lat, (t1 - t0 + 500) / 1000);
        markers_seen(r, ans, ask, nask, t1);
        cJSON_Delete(ans);
    } else if (!r->probe_errors++) {
        snprintf(r->probe_err, sizeof r->probe_err, "%s", msg);
    }
    tn_buf_free(&sql);
    return tn_mono_ns() - t0;
}

/* Polls for unseen markers until production is over and none is pending. */
static void *probe_main(void *arg)
{
    bf_run *r = arg;
    tn_sqlc c;
    tn_sqlc_init(&c, r->o->host, r->o->port);
    size_t first = 0, nask, *ask = tn_malloc(BF_MAX_IN_LIST * sizeof *ask);
    for (;;) {
        bool producing = atomic_load(&r->producing);
        if (!pending_markers(r, &first, ask, &nask)) {
            if (!producing)
                break;
            usleep(1000);
            continue;
        }
        uint64_t took = probe_once(r, &c, ask, nask);
        /* at least twice the poll's own time apart, so that where the
         * marker lookup is costly (no index on session_id) the probe keeps
         * to a third of a core instead of loading the system it measures */
        uint64_t pause = TN_MAX((uint64_t)(r->o->poll_ms * 1e6), 2 * took);
        if (pause)
            usleep((useconds_t)(pause / 1000));
    }
    free(ask);
    tn_sqlc_close(&c);
    return NULL;
}

/* ---- lag and progress --------------------------------------------------------- */

#define BF_TICKS_PER_S (1000 / BF_MONITOR_MS)

static size_t markers_visible(bf_run *r, size_t *published)
{
    size_t n = atomic_load_explicit(&r->nmarkers, memory_order_acquire), seen = 0;
    for (size_t i = 0; i < n; i++)
        seen += atomic_load(&r->markers[i].state) == M_VISIBLE;
    *published = n;
    return seen;
}

/* The rate a backlog drains at, to express it in seconds: the target, or
 * with --max the average so far (the last second's acks can stall, and a
 * backlog of events over a stalled rate is no figure). */
static double produce_rate(bf_run *r)
{
    double s = (double)(tn_mono_ns() - r->t0) / 1e9;
    return r->o->rate ? r->o->rate : (double)atomic_load(&r->acked) / s;
}

/* One lag sample; consumed_1s (rows one second earlier) gives the rate
 * rows become queryable at. */
static void lag_sample(bf_run *r, uint64_t acked, int64_t consumed, int64_t consumed_1s,
                       double span_s)
{
    int64_t backlog = TN_MAX((int64_t)acked - consumed, 0);
    if (tn_mono_ns() < r->t_measure)
        return;
    r->max_backlog = TN_MAX(r->max_backlog, backlog);
    double rate = produce_rate(r);
    /* in seconds only while producing: afterwards the rate tends to 0 */
    if (rate > 0 && atomic_load(&r->producing))
        r->max_backlog_s = TN_MAX(r->max_backlog_s, (double)backlog / rate);
    double consumed_rate = (double)(consumed - consumed_1s) / span_s;
    r->peak_consumed_rate = TN_MAX(r->peak_consumed_rate, consumed_rate);
}

static void progress_line(bf_run *r, int second, uint64_t acked, int64_t consumed,
                          uint64_t acked_1s, int64_t consumed_1s)
{
    size_t published, seen = markers_visible(r, &published);
    int64_t backlog = TN_MAX((int64_t)acked - consumed, 0);
    double rate = (double)(acked - acked_1s), drain_rate = produce_rate(r);
    bool producing = atomic_load(&r->producing);
    fprintf(stderr,
            "[%4ds%s] produced %9llu   acked %9llu (%7.0f/s)   in table %9lld (%7lld/s)   "
            "backlog %7lld ev %6.2f s   markers %zu/%zu seen\n",
            second, !producing ? " drain" : tn_mono_ns() < r->t_measure ? " warm-up" : "",
            (unsigned long long)atomic_load(&r->events), (unsigned long long)acked, rate,
            (long long)consumed, (long long)(consumed - consumed_1s), (long long)backlog,
            producing && drain_rate > 0 ? (double)backlog / drain_rate : 0.0, seen, published);
}

/* Samples COUNT(*) against acked events every BF_MONITOR_MS until stopped. */
static void *monitor_main(void *arg)
{
    bf_run *r = arg;
    tn_sqlc c;
    tn_sqlc_init(&c, r->o->host, r->o->port);
    uint64_t acked_ring[BF_TICKS_PER_S] = {0};
    int64_t consumed_ring[BF_TICKS_PER_S] = {0}, consumed = 0;
    char msg[BF_MSG];
    for (int tick = 1; !atomic_load(&r->stop); tick++) {
        tn_bench_sleep_until(r->t0 + (uint64_t)tick * BF_MONITOR_MS * 1000000ull);
        uint64_t acked = atomic_load(&r->acked);
        int64_t cnt = table_count(&c, r->o->table, msg, sizeof msg);
        if (cnt < 0)
            r->monitor_errors++;
        else
            consumed = cnt - r->count0;
        int slot = tick % BF_TICKS_PER_S;
        double span = tick < BF_TICKS_PER_S ? tick * BF_MONITOR_MS / 1000.0 : 1.0;
        lag_sample(r, acked, consumed, consumed_ring[slot], span);
        if (!r->o->quiet && slot == 0)
            progress_line(r, tick / BF_TICKS_PER_S, acked, consumed, acked_ring[slot],
                          consumed_ring[slot]);
        acked_ring[slot] = acked;
        consumed_ring[slot] = consumed;
    }
    tn_sqlc_close(&c);
    return NULL;
}

/* ---- the producer --------------------------------------------------------- */

typedef struct bf_prod {
    rd_kafka_t *rk;
    tn_gen *g;
    seg_schema *schema;
    seg_row row;
    int sid_field, ts_field;
    char json[2048];
} bf_prod;

/* Delivery reports (served by rd_kafka_poll on the producer's thread). A
 * message's opaque is its marker index + 1, or 0 for a plain event. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    bf_run *r = opaque;
    size_t mi = (size_t)(uintptr_t)m->_private;
    if (!m->err) {
        atomic_fetch_add(&r->acked, 1);
        if (mi)
            r->markers[mi - 1].acked_ns = tn_mono_ns();
        return;
    }
    if (!atomic_fetch_add(&r->failed, 1))
        snprintf(r->first_fail, sizeof r->first_fail, "%s", rd_kafka_err2str(m->err));
    int pending = M_PENDING;
    if (mi)
        atomic_compare_exchange_strong(&r->markers[mi - 1].state, &pending, M_UNDELIVERED);
}

static rd_kafka_t *producer_new(bf_run *r, char *err)
{
    static const char *const conf[][2] = {
        {"linger.ms", "5"}, {"compression.codec", "lz4"}, {"batch.num.messages", "10000"},
        /* a bound on what waits in the producer, so that with --max a marker
         * does not queue behind seconds of events (~0.1 M events is under a
         * second at the producer's top rate here) */
        {"queue.buffering.max.messages", "100000"}, {"queue.buffering.max.kbytes", "1048576"},
        {"log_level", "3"}};
    char es[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", r->o->kafka, es, sizeof es)) {
        rd_kafka_conf_destroy(c);
        tn_err(err, TN_EINVAL, "--kafka: %s", es);
        return NULL;
    }
    for (size_t i = 0; i < TN_ARRAY_LEN(conf); i++)
        rd_kafka_conf_set(c, conf[i][0], conf[i][1], es, sizeof es);
    rd_kafka_conf_set_dr_msg_cb(c, on_delivery);
    rd_kafka_conf_set_opaque(c, r);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, es, sizeof es);
    if (!rk)
        tn_err(err, TN_EIO, "Kafka producer: %s", es);
    return rk;
}

/* The topic's partition count. It must exist: all topics are listed
 * because asking for one by name lets a broker (the embedded Kafka does)
 * create it on the spot, and the run would then wait for a table that
 * reads another topic. */
static int topic_partitions(rd_kafka_t *rk, const bf_opts *o, int *n, char *err)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 10000);
    if (e)
        return tn_err(err, TN_EIO, "Kafka at %s: %s", o->kafka, rd_kafka_err2str(e));
    int rc = tn_err(err, TN_ENOTFOUND, "Kafka at %s has no topic '%s'", o->kafka, o->topic);
    for (int i = 0; i < md->topic_cnt && rc; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strcmp(t->topic, o->topic) || t->partition_cnt < 1)
            continue;
        *n = t->partition_cnt;
        rc = TN_OK;
    }
    rd_kafka_metadata_destroy(md);
    return rc;
}

/* Produces one page view (a marker when marker_idx > 0: its session_id is
 * then the marker's id). Returns 0 when Kafka took it. */
static int produce_one(bf_run *r, bf_prod *p, size_t marker_idx)
{
    tn_gen_pageview(p->g, &p->row);
    seg_row_set(&p->row, (uint32_t)p->ts_field, (seg_value){.i = tn_now_ms()});
    bf_marker *m = marker_idx ? &r->markers[marker_idx - 1] : NULL;
    if (m)
        seg_row_set(&p->row, (uint32_t)p->sid_field, (seg_value){.i = m->id});
    int64_t sid = p->row.cells[p->sid_field].v.i;
    char key[24];
    int klen = snprintf(key, sizeof key, "%" PRId64, sid);
    size_t n = tn_gen_row_json(&p->row, p->json, sizeof p->json);
    int32_t part = (int32_t)(tn_mix64((uint64_t)sid) % (uint64_t)r->nparts);
    if (m)
        m->produced_ns = tn_mono_ns();
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(r->o->topic), RD_KAFKA_V_PARTITION(part),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, (size_t)klen),
            RD_KAFKA_V_VALUE(p->json, n), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)marker_idx),
            RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (e && !atomic_fetch_add(&r->failed, 1))
                snprintf(r->first_fail, sizeof r->first_fail, "%s", rd_kafka_err2str(e));
            return e ? -1 : 0;
        }
        rd_kafka_poll(p->rk, 1); /* the local queue is full: let it drain */
    }
}

/* The next marker: published to the probe thread once produced. */
static void produce_marker(bf_run *r, bf_prod *p)
{
    size_t i = atomic_load(&r->nmarkers);
    bf_marker *m = &r->markers[i];
    m->id = -(r->run_id * 1000000 + (int64_t)i + 1);
    atomic_init(&m->state, M_PENDING);
    if (produce_one(r, p, i + 1))
        atomic_store(&m->state, M_UNDELIVERED);
    atomic_store_explicit(&r->nmarkers, i + 1, memory_order_release);
}

/* Produces at the target rate (or flat out) with a marker every probe_ms. */
static void produce_loop(bf_run *r, bf_prod *p)
{
    const bf_opts *o = r->o;
    const uint64_t probe_ns = (uint64_t)(o->probe_ms * 1e6);
    uint64_t t_end = r->t_measure + (uint64_t)(o->seconds * 1e9), next_marker = r->t_measure;
    uint64_t sent = 0;
    for (uint64_t now = tn_mono_ns(); now < t_end; now = tn_mono_ns()) {
        if (now >= next_marker && atomic_load(&r->nmarkers) < r->cap) {
            produce_marker(r, p);
            /* after a stall, resume the cadence rather than burst markers */
            next_marker = TN_MAX(next_marker + probe_ns, now + probe_ns / 2);
        }
        uint64_t due = o->rate ? (uint64_t)((double)(now - r->t0) / 1e9 * o->rate) : sent + 256;
        /* in bounded steps, so markers keep their cadence when behind */
        for (uint64_t stop = TN_MIN(due, sent + 2000); sent < stop; sent++)
            if (!produce_one(r, p, 0))
                atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
        rd_kafka_poll(p->rk, 0);
        if (o->rate)
            usleep(500);
    }
    r->produce_end = tn_mono_ns();
}

static int prod_init(bf_prod *p, rd_kafka_t *rk, int64_t run_id, char *err)
{
    memset(p, 0, sizeof *p);
    p->rk = rk;
    if (tn_gen_pageview_schema(&p->schema, err))
        return -1;
    p->sid_field = seg_schema_find(p->schema, "session_id");
    p->ts_field = seg_schema_find(p->schema, "ts");
    p->g = tn_gen_new((uint64_t)run_id, tn_now_ms());
    seg_row_init(&p->row, p->schema);
    return 0;
}

static void prod_free(bf_prod *p)
{
    if (!p->schema)
        return;
    seg_row_free(&p->row);
    tn_gen_free(p->g);
    seg_schema_free(p->schema);
}

/* ---- after the run -------------------------------------------------------- */

typedef struct bf_result {
    int64_t count;          /* the last COUNT(*) */
    bool caught_up;
    uint64_t caught_up_ns;
    size_t nmarkers, visible, timeouts, undelivered;
    tn_hist ack;            /* marker: produce call -> Kafka's ack, us */
    tn_hist ack_visible;    /* marker: Kafka's ack -> visible (0 if seen first), us */
} bf_result;

/* Waits until the table holds every event Kafka acknowledged. */
static void drain(bf_run *r, tn_sqlc *c, bf_result *res)
{
    uint64_t limit = r->produce_end + (uint64_t)((BF_DRAIN_S + r->o->seconds) * 1e9);
    char msg[BF_MSG];
    for (;;) {
        uint64_t acked = atomic_load(&r->acked);
        int64_t cnt = table_count(c, r->o->table, msg, sizeof msg);
        uint64_t now = tn_mono_ns();
        if (cnt >= 0)
            res->count = cnt;
        if (cnt >= 0 && cnt - r->count0 >= (int64_t)acked) {
            res->caught_up = true;
            res->caught_up_ns = now;
            return;
        }
        if (now > limit)
            return;
        usleep(10000);
    }
}

static void tally_markers(bf_run *r, bf_result *res)
{
    res->nmarkers = atomic_load(&r->nmarkers);
    tn_hist_init(&res->ack);
    tn_hist_init(&res->ack_visible);
    for (size_t i = 0; i < res->nmarkers; i++) {
        const bf_marker *m = &r->markers[i];
        int st = atomic_load(&m->state);
        res->visible += st == M_VISIBLE;
        res->timeouts += st == M_TIMEOUT || st == M_PENDING;
        res->undelivered += st == M_UNDELIVERED;
        if (m->acked_ns)
            tn_hist_record(&res->ack, (m->acked_ns - m->produced_ns + 500) / 1000);
        /* the consumer may see a message before its producer hears the ack */
        if (m->acked_ns && st == M_VISIBLE)
            tn_hist_record(&res->ack_visible, m->visible_ns > m->acked_ns
                                                  ? (m->visible_ns - m->acked_ns + 500) / 1000
                                                  : 0);
    }
}

static double new_rows(const bf_run *r, const bf_result *res)
{
    return (double)(res->count - r->count0);
}

static double produce_s(const bf_run *r) { return (double)(r->produce_end - r->t0) / 1e9; }

/* Rows made queryable per second: until the count caught up, or over the
 * whole wait when it never did. */
static double consumed_rate(const bf_run *r, const bf_result *res)
{
    uint64_t end = res->caught_up ? res->caught_up_ns : tn_mono_ns();
    return new_rows(r, res) / ((double)(end - r->t0) / 1e9);
}

static void print_hist_ms(const char *label, const tn_hist *h)
{
    printf("%s p50 %.1f   p90 %.1f   p99 %.1f   p99.9 %.1f   max %.1f   mean %.1f ms\n", label,
           (double)tn_hist_percentile(h, 50) / 1000, (double)tn_hist_percentile(h, 90) / 1000,
           (double)tn_hist_percentile(h, 99) / 1000, (double)tn_hist_percentile(h, 99.9) / 1000,
           (double)tn_hist_percentile(h, 100) / 1000, tn_hist_mean(h) / 1000);
}

static void print_summary(const bf_run *r, const bf_result *res)
{
    const bf_opts *o = r->o;
    uint64_t ev = atomic_load(&r->events);
    char target[64];
    if (o->rate)
        snprintf(target, sizeof target, "%.0f ev/s", o->rate);
    else
        snprintf(target, sizeof target, "as fast as possible");
    printf("bench ingest: page views to Kafka %s topic %s (%d partitions) -> broker %s table %s\n"
           "             target %s for %.1f s (after %.1f s of warm-up), a marker every %.0f ms\n",
           o->kafka, o->topic, r->nparts, o->url, o->table, target, o->seconds, o->warmup,
           o->probe_ms);
    printf("produced     %llu events + %zu markers in %.2f s: %.0f ev/s (acked %llu, "
           "failed %llu)\n",
           (unsigned long long)ev, res->nmarkers, produce_s(r), (double)ev / produce_s(r),
           (unsigned long long)atomic_load(&r->acked), (unsigned long long)atomic_load(&r->failed));
    printf("table        %.0f new rows (COUNT(*) %lld, %lld before): %.0f ev/s queryable, "
           "peak %.0f ev/s in one second\n",
           new_rows(r, res), (long long)res->count, (long long)r->count0, consumed_rate(r, res),
           r->peak_consumed_rate);
    if (res->caught_up)
        printf("             every acked event queryable %.2f s after the last was produced\n",
               (double)(res->caught_up_ns - r->produce_end) / 1e9);
    else
        printf("             NOT caught up: %.0f of %llu acked events queryable after waiting\n",
               new_rows(r, res), (unsigned long long)atomic_load(&r->acked));
    printf("lag          max backlog %lld events, %.2f s at the produce rate\n",
           (long long)r->max_backlog, r->max_backlog_s);
    printf("freshness    %zu markers: %zu visible, %zu never visible (timeout %.0f s), %zu not "
           "delivered by Kafka, %llu duplicated\n",
           res->nmarkers, res->visible, res->timeouts, o->marker_timeout_s, res->undelivered,
           (unsigned long long)r->duplicates);
    print_hist_ms("  produce -> visible:", &r->fresh);
    print_hist_ms("  produce -> Kafka ack:", &res->ack);
    print_hist_ms("  Kafka ack -> visible:", &res->ack_visible);
    printf("probe        %llu queries every %.0f ms (or twice their time) while markers were "
           "out, %.1f ms p50 each; %llu errors%s%s; lag monitor errors %llu\n",
           (unsigned long long)r->probe_queries, o->poll_ms,
           (double)tn_hist_percentile(&r->probe_lat, 50) / 1000,
           (unsigned long long)r->probe_errors, r->probe_errors ? ", first: " : "", r->probe_err,
           (unsigned long long)r->monitor_errors);
    if (atomic_load(&r->failed))
        printf("first Kafka failure: %s\n", r->first_fail);
}

static cJSON *json_report(const bf_run *r, const bf_result *res)
{
    const bf_opts *o = r->o;
    uint64_t ev = atomic_load(&r->events);
    cJSON *j = cJSON_CreateObject(), *cfg = cJSON_AddObjectToObject(j, "config");
    cJSON_AddStringToObject(j, "tool", "bench ingest (external)");
    cJSON_AddStringToObject(cfg, "kafka", o->kafka);
    cJSON_AddStringToObject(cfg, "topic", o->topic);
    cJSON_AddNumberToObject(cfg, "partitions", r->nparts);
    cJSON_AddStringToObject(cfg, "broker", o->url);
    cJSON_AddStringToObject(cfg, "table", o->table);
    if (o->rate)
        cJSON_AddNumberToObject(cfg, "target_rate", o->rate);
    else
        cJSON_AddStringToObject(cfg, "target_rate", "max");
    cJSON_AddNumberToObject(cfg, "seconds", o->seconds);
    cJSON_AddNumberToObject(cfg, "warmup_s", o->warmup);
    cJSON_AddNumberToObject(cfg, "probe_ms", o->probe_ms);
    cJSON_AddNumberToObject(cfg, "marker_timeout_s", o->marker_timeout_s);
    cJSON_AddNumberToObject(cfg, "poll_ms", o->poll_ms);
    cJSON_AddNumberToObject(j, "events_produced", (double)ev);
    cJSON_AddNumberToObject(j, "markers_produced", (double)res->nmarkers);
    cJSON_AddNumberToObject(j, "acked", (double)atomic_load(&r->acked));
    cJSON_AddNumberToObject(j, "failed", (double)atomic_load(&r->failed));
    cJSON_AddNumberToObject(j, "produce_seconds", produce_s(r));
    cJSON_AddNumberToObject(j, "produce_rate", (double)ev / produce_s(r));
    cJSON_AddNumberToObject(j, "count_before", (double)r->count0);
    cJSON_AddNumberToObject(j, "count_after", (double)res->count);
    cJSON_AddNumberToObject(j, "new_rows", new_rows(r, res));
    cJSON_AddNumberToObject(j, "consumed_rate", consumed_rate(r, res));
    cJSON_AddNumberToObject(j, "peak_consumed_rate", r->peak_consumed_rate);
    cJSON_AddBoolToObject(j, "caught_up", res->caught_up);
    if (res->caught_up)
        cJSON_AddNumberToObject(j, "catch_up_s",
                                (double)(res->caught_up_ns - r->produce_end) / 1e9);
    cJSON *lag = cJSON_AddObjectToObject(j, "lag");
    cJSON_AddNumberToObject(lag, "max_backlog_events", (double)r->max_backlog);
    cJSON_AddNumberToObject(lag, "max_backlog_s", r->max_backlog_s);
    cJSON *mk = cJSON_AddObjectToObject(j, "markers");
    cJSON_AddNumberToObject(mk, "produced", (double)res->nmarkers);
    cJSON_AddNumberToObject(mk, "visible", (double)res->visible);
    cJSON_AddNumberToObject(mk, "never_visible", (double)res->timeouts);
    cJSON_AddNumberToObject(mk, "undelivered", (double)res->undelivered);
    cJSON_AddNumberToObject(mk, "duplicated", (double)r->duplicates);
    tn_hist_add_json(&r->fresh, cJSON_AddObjectToObject(j, "freshness_ms"), 1000);
    tn_hist_add_json(&res->ack, cJSON_AddObjectToObject(j, "kafka_ack_ms"), 1000);
    tn_hist_add_json(&res->ack_visible, cJSON_AddObjectToObject(j, "ack_to_visible_ms"), 1000);
    cJSON *pr = cJSON_AddObjectToObject(j, "probe");
    cJSON_AddNumberToObject(pr, "queries", (double)r->probe_queries);
    cJSON_AddNumberToObject(pr, "errors", (double)r->probe_errors);
    cJSON_AddNumberToObject(pr, "monitor_errors", (double)r->monitor_errors);
    tn_hist_add_json(&r->probe_lat, cJSON_AddObjectToObject(pr, "latency_ms"), 1000);
    return j;
}

/* Exit status of a finished run: 1 when anything produced was not seen. */
static int verdict(const bf_run *r, const bf_result *res)
{
    int rc = 0;
    if (res->timeouts + res->undelivered) {
        fprintf(stderr, "bench ingest: FAILED: %zu of %zu markers never became visible\n",
                res->timeouts + res->undelivered, res->nmarkers);
        rc = 1;
    }
    if (!res->caught_up) {
        fprintf(stderr, "bench ingest: FAILED: the table never held every acked event\n");
        rc = 1;
    }
    if (atomic_load(&r->failed)) {
        fprintf(stderr, "bench ingest: FAILED: Kafka refused %llu events: %s\n",
                (unsigned long long)atomic_load(&r->failed), r->first_fail);
        rc = 1;
    }
    return rc;
}

/* ---- the run ---------------------------------------------------------------- */

/* Broker, table and Kafka topic reachable: the run's fixed parameters. */
static int setup(bf_run *r, tn_sqlc *c, rd_kafka_t **rk)
{
    const bf_opts *o = r->o;
    char err[TN_ERRLEN], msg[BF_MSG];
    r->count0 = table_count(c, o->table, msg, sizeof msg);
    if (r->count0 < 0) {
        fprintf(stderr, "bench ingest: broker %s, table %s: %s\n", o->url, o->table, msg);
        return 1;
    }
    int nparts = 0;
    if (!(*rk = producer_new(r, err)) || topic_partitions(*rk, o, &nparts, err)) {
        fprintf(stderr, "bench ingest: %s\n", err);
        return 1;
    }
    if (o->partitions > nparts) {
        fprintf(stderr, "bench ingest: --partitions %d, but topic %s has %d\n", o->partitions,
                o->topic, nparts);
        return 2;
    }
    r->nparts = o->partitions ? o->partitions : nparts;
    r->cap = (size_t)(o->seconds * 1000 / o->probe_ms) + 2;
    if (r->cap > 999999) {
        fprintf(stderr, "bench ingest: more than 999,999 markers: raise --probe-ms\n");
        return 2;
    }
    r->markers = tn_calloc(r->cap, sizeof *r->markers);
    /* marker ids stay below 2^53, exact through JSON numbers */
    r->run_id = (tn_now_ms() / 1000) % 1000000000;
    return 0;
}

static void run(bf_run *r, rd_kafka_t *rk, tn_sqlc *c, bf_prod *p, bf_result *res)
{
    pthread_t probe, monitor;
    atomic_store(&r->producing, true);
    r->t0 = tn_mono_ns();
    r->t_measure = r->t0 + (uint64_t)(r->o->warmup * 1e9);
    pthread_create(&probe, NULL, probe_main, r);
    pthread_create(&monitor, NULL, monitor_main, r);
    produce_loop(r, p);
    if (rd_kafka_flush(rk, 30000))
        fprintf(stderr, "bench ingest: %d messages still unacknowledged after 30 s\n",
                rd_kafka_outq_len(rk));
    atomic_store(&r->producing, false);
    drain(r, c, res);
    pthread_join(probe, NULL);
    atomic_store(&r->stop, true);
    pthread_join(monitor, NULL);
    tally_markers(r, res);
}

int tn_bench_fresh(int argc, char **argv)
{
    bf_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    bf_run r = {.o = &o};
    tn_hist_init(&r.fresh);
    tn_hist_init(&r.probe_lat);
    tn_sqlc c;
    tn_sqlc_init(&c, o.host, o.port);
    rd_kafka_t *rk = NULL;
    bf_prod p = {0};
    char err[TN_ERRLEN];
    rc = setup(&r, &c, &rk);
    if (!rc && prod_init(&p, rk, r.run_id, err)) {
        fprintf(stderr, "bench ingest: %s\n", err);
        rc = 1;
    }
    if (!rc) {
        bf_result res = {0};
        run(&r, rk, &c, &p, &res);
        print_summary(&r, &res);
        rc = verdict(&r, &res);
        if (o.json_out) {
            cJSON *j = json_report(&r, &res);
            if (tn_bench_write_json("bench ingest", o.json_out, j))
                rc = 1;
            cJSON_Delete(j);
        }
        tn_hist_free(&res.ack);
        tn_hist_free(&res.ack_visible);
    }
    prod_free(&p);
    if (rk) {
        rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_destroy(rk);
    }
    free(r.markers);
    tn_hist_free(&r.fresh);
    tn_hist_free(&r.probe_lat);
    tn_sqlc_close(&c);
    return rc;
}
