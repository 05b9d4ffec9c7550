/*
 * srv_consumer.c: a partition's consuming thread: start offset, the batch
 * loop, per-message ingestion, flush thresholds, rolls to a new consuming
 * segment, pause/resume, force commit, data loss (see srv_consumer.h).
 */
#include "srv_consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seg_immutable.h"
#include "srv_autotune.h"
#include "srv_kafka.h"
#include "srv_transform.h"
#include "srv_unnest.h"

#define BATCH 1024
#define POLL_MS 100
#define WATERMARK_EVERY_MS 250
#define ERROR_QUIET_MS 5000 /* no new client error for this long: the error is over */
#define TUNE_CHECK_MS 100   /* how often to look whether the rolled segment is sealed */
#define MAX_DOCS (1ull << 31) /* a mutable segment's capacity (seg_mutable) */

struct srv_consumer {
    srv_consumer_ctx ctx;
    srv_table *table;             /* a reference */
    const srv_table_config *cfg;  /* the table's, fixed while the thread runs */
    const seg_schema *schema;
    const srv_stream_config *stream; /* this partition's map (the table's cfg holds it) */
    int32_t partition;            /* the table's id: stream index * 10000 + kpart */
    int32_t kpart;                /* the topic's partition */
    char source[512];
    srv_kafka_logctx logctx;
    pthread_t thread;
    atomic_bool stop;
    atomic_bool want_pause;
    _Atomic int want_from;        /* srv_consume_from, applied once */
    _Atomic uint64_t commit_req, commit_done;

    /* the thread's own */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    rd_kafka_t *dlq;              /* dead-letter producer, NULL when none */
    seg_mutable *cur;             /* our reference; the table's set holds another */
    int64_t cur_start, cur_created_ms;
    uint64_t cur_rows;
    uint32_t next_seq;
    int64_t next_offset;          /* -1 until the first message of a fresh partition */
    bool resetting;               /* re-assigned at the earliest offset after a loss */
    bool paused;
    bool assigned;                /* fetching; a table paused at start is not, until resumed */
    int64_t assign_at;            /* where a deferred assignment starts */
    int64_t next_watermark_ms;
    seg_row row;
    srv_rowproc *proc;
    srv_unnest *unnest;           /* complexTypeConfig; NULL when none */
    /* size-based flush: the consuming segment's row threshold, and the
     * segment rolled last, whose sealed size the next threshold needs */
    uint64_t cur_threshold;
    bool awaiting;
    char awaiting_name[512];
    srv_autotune_last awaiting_last;
    int64_t next_tune_ms;

    /* status, read by other threads */
    pthread_mutex_t slock;
    char last_error[TN_ERRLEN];
    _Atomic int64_t error_ms;     /* when the state last became ERROR */
    _Atomic int state;
    _Atomic int64_t current_offset, latest_offset, last_msg_ms, catchup_target;
    _Atomic uint64_t rows, invalid, filtered, loss_events, dead_lettered;
    _Atomic uint64_t threshold_rows;
    atomic_bool caught_up;
    srv_rate rate;                /* topic.consumption.rate.limit / partition count */
    atomic_bool throttled;
    _Atomic int64_t throttled_us;
};

/* ---- names ---------------------------------------------------------- */

void srv_segment_name(const char *table, int32_t partition, uint32_t seq, int64_t ms,
                      char *buf, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, cap, "%s__%d__%u__%04d%02d%02dT%02d%02dZ", table, partition, seq,
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

int64_t srv_segment_seq(const char *name)
{
    /* table__partition__seq__time: the seq is the third field from the end */
    const char *end = name + strlen(name);
    int fields = 0;
    const char *marks[3];
    for (const char *p = end - 1; p > name && fields < 3; p--)
        if (p[0] == '_' && p[-1] == '_')
            marks[fields++] = p - 1, p--;
    if (fields < 3)
        return -1;
    char *e;
    long long v = strtoll(marks[1] + 2, &e, 10);
    return e == marks[0] && v >= 0 ? v : -1;
}

/* ---- status --------------------------------------------------------- */

static void set_error(srv_consumer *c, const char *msg)
{
    size_t n = strnlen(msg, sizeof c->last_error - 1);
    pthread_mutex_lock(&c->slock);
    memcpy(c->last_error, msg, n);
    c->last_error[n] = 0;
    pthread_mutex_unlock(&c->slock);
    atomic_store(&c->error_ms, tn_now_ms());
    atomic_store(&c->state, SRV_PART_ERROR);
}

/* librdkafka's client errors (served by rd_kafka_poll on our thread). */
static void client_error(void *owner, const char *msg)
{
    set_error(owner, msg);
}

static void set_running(srv_consumer *c)
{
    atomic_store(&c->state, c->paused ? SRV_PART_PAUSED : SRV_PART_CONSUMING);
}

void srv_consumer_status(srv_consumer *c, srv_part_status *o)
{
    o->partition = c->partition;
    o->stream_partition = c->kpart;
    snprintf(o->topic, sizeof o->topic, "%s", c->stream->topic);
    o->rate_limit = srv_rate_limit(&c->rate);
    o->throttled = atomic_load(&c->throttled);
    o->throttled_ms = atomic_load(&c->throttled_us) / 1000;
    o->state = (srv_part_state)atomic_load(&c->state);
    pthread_mutex_lock(&c->slock);
    snprintf(o->last_error, sizeof o->last_error, "%s", c->last_error);
    pthread_mutex_unlock(&c->slock);
    o->current_offset = atomic_load(&c->current_offset);
    o->latest_offset = atomic_load(&c->latest_offset);
    o->last_message_ms = atomic_load(&c->last_msg_ms);
    o->rows = atomic_load(&c->rows);
    o->invalid = atomic_load(&c->invalid);
    o->filtered = atomic_load(&c->filtered);
    o->loss_events = atomic_load(&c->loss_events);
    o->dead_lettered = atomic_load(&c->dead_lettered);
    o->caught_up = atomic_load(&c->caught_up);
    o->catchup_target = atomic_load(&c->catchup_target);
    o->flush_threshold_rows = atomic_load(&c->threshold_rows);
}

int32_t srv_consumer_partition(const srv_consumer *c) { return c->partition; }

/* Sleeps up to ms, waking early when asked to stop. */
static void nap(srv_consumer *c, int64_t ms)
{
    for (int64_t t = 0; t < ms && !atomic_load(&c->stop); t += 20)
        usleep(20000);
}

/* ---- size-based flush ----------------------------------------------- */

typedef struct sealed_entry {
    int64_t seq;
    srv_sealed_info info;
    bool awaited;
} sealed_entry;

static int cmp_sealed(const void *a, const void *b)
{
    int64_t x = ((const sealed_entry *)a)->seq, y = ((const sealed_entry *)b)->seq;
    return (x > y) - (x < y);
}

/* The partition's sealed segments in sequence order; *pending tells that
 * the awaited segment is still a consuming one. */
static sealed_entry *gather_sealed(srv_consumer *c, uint32_t *n, bool *pending)
{
    srv_table *t = c->table;
    *n = 0;
    *pending = false;
    pthread_mutex_lock(&t->lock);
    sealed_entry *v = tn_calloc(t->nsegs + 1, sizeof *v);
    for (uint32_t i = 0; i < t->nsegs; i++) {
        seg_segment *s = t->segs[i];
        bool awaited = c->awaiting && !strcmp(s->meta.name, c->awaiting_name);
        if (s->meta.partition != c->partition)
            continue;
        if (s->kind != SEG_KIND_IMMUTABLE) {
            *pending |= awaited;
            continue;
        }
        v[(*n)++] = (sealed_entry){.seq = srv_segment_seq(s->meta.name),
                                   .info = {.rows = s->meta.ndocs,
                                            .bytes = seg_immutable_bytes(s)},
                                   .awaited = awaited};
    }
    pthread_mutex_unlock(&t->lock);
    qsort(v, *n, sizeof *v, cmp_sealed);
    return v;
}

static void set_threshold(srv_consumer *c, uint64_t rows)
{
    c->cur_threshold = rows;
    atomic_store(&c->threshold_rows, rows);
}

/* Learns the consuming segment's row threshold from the sealed segments
 * once the segment rolled last is among them (until then the previous
 * threshold holds). After a restart nothing is awaited: the stored
 * segments alone give the ratio. */
static void tune(srv_consumer *c)
{
    uint32_t n;
    bool pending;
    sealed_entry *v = gather_sealed(c, &n, &pending);
    if (!pending) {
        srv_sealed_info *info = tn_calloc(n + 1, sizeof *info);
        for (uint32_t i = 0; i < n; i++)
            info[i] = v[i].info;
        srv_autotune_last last = {0};
        if (n) {
            if (v[n - 1].awaited)
                last = c->awaiting_last;
            last.rows = v[n - 1].info.rows;
            last.bytes = v[n - 1].info.bytes;
            if (!last.threshold)
                last.threshold = c->cur_threshold;
        }
        set_threshold(c, srv_autotune_rows(&c->cfg->stream, srv_autotune_ratio(info, n),
                                           n ? &last : NULL));
        c->awaiting = false;
        free(info);
    }
    free(v);
}

static void tune_check(srv_consumer *c, int64_t now)
{
    if (!c->awaiting || now < c->next_tune_ms)
        return;
    c->next_tune_ms = now + TUNE_CHECK_MS;
    tune(c);
}

/* ---- consuming segments --------------------------------------------- */

static int new_segment(srv_consumer *c, int64_t start, char *err)
{
    const srv_table_config *cfg = c->cfg;
    char name[512];
    int64_t now = tn_now_ms();
    srv_segment_name(cfg->name, c->partition, c->next_seq, now, name, sizeof name);
    seg_mutable_opts o = {
        .name = name, .table = cfg->name_with_type, .partition = c->partition,
        .start_offset = start, .time_column = cfg->time_column,
        .no_dict_columns = (const char *const *)cfg->no_dict.v, .n_no_dict = cfg->no_dict.n,
        .inverted_columns = (const char *const *)cfg->inverted.v,
        .n_inverted = cfg->inverted.n, .inverted_set = cfg->inverted_set};
    seg_mutable *m;
    int rc = seg_mutable_create(c->schema, &o, &m, err);
    if (rc)
        return rc;
    c->next_seq++;
    c->cur = m;
    c->cur_start = start;
    c->cur_created_ms = now;
    c->cur_rows = 0;
    srv_table_add_segment(c->table, seg_segment_acquire(seg_mutable_base(m)));
    if (!cfg->stream.flush_autotune)
        set_threshold(c, cfg->stream.flush_rows);
    else if (!c->awaiting)
        tune(c);
    return TN_OK;
}

/* Hands the consuming segment to the sealer and starts the next one at
 * the next offset, so consumption never waits for a seal. */
static int roll(srv_consumer *c, srv_roll_reason why, char *err)
{
    seg_segment *base = seg_mutable_base(c->cur);
    if (c->cfg->stream.flush_autotune) {
        snprintf(c->awaiting_name, sizeof c->awaiting_name, "%s", base->meta.name);
        c->awaiting_last = (srv_autotune_last){
            .threshold = c->cur_threshold, .reason = why,
            .duration_ms = tn_now_ms() - c->cur_created_ms};
        c->awaiting = true;
        c->next_tune_ms = 0;
    }
    srv_sealer_submit(c->ctx.sealer, c->table, c->cur, c->source);
    c->cur = NULL;
    return new_segment(c, c->next_offset, err);
}

/* Starts over at offset: the consuming segment is sealed if it holds
 * anything (up to its own end offset), else replaced. */
static int restart_at(srv_consumer *c, int64_t offset, char *err)
{
    bool consumed = c->cur && c->next_offset > c->cur_start;
    c->next_offset = offset;
    if (consumed)
        return roll(c, SRV_ROLL_FORCE, err);
    if (c->cur) {
        seg_segment *old = seg_mutable_base(c->cur);
        seg_segment_release(srv_table_remove_segment(c->table, old));
        seg_segment_release(old);
        c->cur = NULL;
    }
    return new_segment(c, offset, err);
}

/* Whether the consuming segment is full, and why; SRV_ROLL_UNKNOWN when
 * it is not. */
static srv_roll_reason due(srv_consumer *c, int64_t now)
{
    const srv_stream_config *s = &c->cfg->stream;
    if (c->cur_threshold && c->cur_rows >= c->cur_threshold)
        return SRV_ROLL_ROWS;
    if (s->flush_bytes && seg_mutable_bytes(c->cur) >= s->flush_bytes)
        return SRV_ROLL_MEMORY;
    if (now - c->cur_created_ms < s->flush_time_ms)
        return SRV_ROLL_UNKNOWN;
    if (c->next_offset > c->cur_start)
        return SRV_ROLL_TIME;
    c->cur_created_ms = now; /* nothing consumed: nothing to seal yet */
    return SRV_ROLL_UNKNOWN;
}

/* ---- messages ------------------------------------------------------- */

typedef struct batch_counts {
    uint64_t rows, invalid, filtered;
} batch_counts;

/* Copies a bad message to the dead-letter topic, with where it came from
 * and why it was refused in its headers. */
static void dead_letter(srv_consumer *c, const rd_kafka_message_t *m, const char *why)
{
    char src[300];
    int n = snprintf(src, sizeof src, "%s/%d/%lld", c->stream->topic, c->kpart,
                     (long long)m->offset);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        c->dlq, RD_KAFKA_V_TOPIC(c->stream->dead_letter_topic),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_VALUE(m->payload, m->payload ? m->len : 0), RD_KAFKA_V_KEY(src, (size_t)n),
        RD_KAFKA_V_HEADER("tannin.source", src, (ssize_t)n),
        RD_KAFKA_V_HEADER("tannin.error", why, (ssize_t)strlen(why)), RD_KAFKA_V_END);
    if (e)
        srv_log_limited(&c->table->log, "tannin: table %s: dead-letter copy of %s failed: %s",
                        c->cfg->name_with_type, src, rd_kafka_err2str(e));
    else
        atomic_fetch_add_explicit(&c->dead_lettered, 1, memory_order_relaxed);
}

static void invalid_message(srv_consumer *c, const rd_kafka_message_t *m, const char *why,
                            batch_counts *bc)
{
    int64_t off = m->offset;
    bc->invalid++;
    if (c->dlq)
        dead_letter(c, m, why);
    srv_log_limited(&c->table->log, "tannin: table %s: invalid message at %s/%d offset %lld: %s",
                    c->cfg->name_with_type, c->stream->topic, c->kpart,
                    (long long)off, why);
}

/* Appends a message's staged rows, all into the consuming segment (a
 * segment sealed between two of them would commit the message's offset
 * with part of its rows). */
static int append_staged(srv_consumer *c, uint32_t n, int64_t off, char *err)
{
    int rc = TN_OK;
    if (c->cur_rows && c->cur_rows + n > MAX_DOCS)
        rc = roll(c, SRV_ROLL_ROWS, err);
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = seg_mutable_append(c->cur, srv_unnest_row(c->unnest, i), off, err);
    return rc;
}

/* A message through complexTypeConfig: N rows or none. */
static void ingest_unnest(srv_consumer *c, const rd_kafka_message_t *m, batch_counts *bc)
{
    char err[TN_ERRLEN];
    uint32_t n = 0, nfiltered = 0;
    int rc;
    if (!m->payload || !m->len)
        rc = tn_err(err, TN_EINVAL, "empty message");
    else if (m->len > SRV_MAX_MESSAGE)
        rc = tn_err(err, TN_EINVAL, "message of %zu bytes is over the 1 MiB limit", m->len);
    else
        rc = srv_unnest_message(c->unnest, c->proc, m->payload, m->len, &n, &nfiltered, err);
    if (!rc && n)
        rc = append_staged(c, n, m->offset, err);
    if (rc) {
        invalid_message(c, m, err, bc);
    } else {
        bc->rows += n, c->cur_rows += n;
        bc->filtered += nfiltered;
    }
    if (rc || !n)
        seg_mutable_skip_offset(c->cur, m->offset);
    c->next_offset = m->offset + 1;
}

/* Decodes, transforms and filters one message; appends it or skips its
 * offset. */
static void ingest(srv_consumer *c, const rd_kafka_message_t *m, batch_counts *bc)
{
    if (c->unnest) {
        ingest_unnest(c, m, bc);
        return;
    }
    char err[TN_ERRLEN];
    int64_t off = m->offset;
    bool drop = false;
    int rc;
    if (!m->payload || !m->len) {
        rc = tn_err(err, TN_EINVAL, "empty message");
    } else if (m->len > SRV_MAX_MESSAGE) {
        rc = tn_err(err, TN_EINVAL, "message of %zu bytes is over the 1 MiB limit", m->len);
    } else {
        rc = seg_row_parse_json(&c->row, m->payload, m->len, err);
        if (!rc && !srv_rowproc_trivial(c->proc)) {
            srv_record rec = {.row = &c->row, .json = c->row.json};
            rc = srv_rowproc_apply(c->proc, &c->row, &rec, &drop, err);
        }
        if (!rc && !drop) {
            rc = seg_mutable_append(c->cur, &c->row, off, err);
            if (rc == TN_EFULL && !roll(c, SRV_ROLL_ROWS, err)) /* 2^31 rows: a new segment */
                rc = seg_mutable_append(c->cur, &c->row, off, err);
        }
        srv_rowproc_done(c->proc);
    }
    if (rc)
        invalid_message(c, m, err, bc);
    else if (drop)
        bc->filtered++;
    else
        bc->rows++, c->cur_rows++;
    if (rc || drop)
        seg_mutable_skip_offset(c->cur, off);
    c->next_offset = off + 1;
}

/* Kafka no longer has our offset (deleted by retention before we consumed
 * it, or the topic was re-created): say so loudly, count it, and go on from
 * the earliest offset Kafka has; the first message there tells how much was
 * lost (resumed()). Watermark queries are avoided: librdkafka 2.0.2's can
 * block past their timeout while a broker is down. */
static void handle_offset_reset(srv_consumer *c)
{
    char err[TN_ERRLEN];
    const char *topic = c->stream->topic;
    srv_log(c->ctx.log,
            "tannin: DATA LOSS: table %s: %s/%d: offset %lld is no longer in Kafka (deleted "
            "before it was consumed, or the topic was re-created); resuming at the earliest "
            "offset Kafka has", c->cfg->name_with_type, topic, c->kpart,
            (long long)c->next_offset);
    atomic_fetch_add(&c->loss_events, 1);
    c->resetting = true;
    if (srv_kafka_assign(c->rk, topic, c->kpart, RD_KAFKA_OFFSET_BEGINNING, err))
        set_error(c, err);
}

/* The first message after a reset at offset off. */
static void resumed(srv_consumer *c, int64_t off)
{
    char err[TN_ERRLEN];
    c->resetting = false;
    if (c->next_offset >= 0 && off > c->next_offset) {
        srv_log(c->ctx.log, "tannin: DATA LOSS: table %s: %s/%d: %lld messages lost (offsets "
                "%lld to %lld); consuming from %lld", c->cfg->name_with_type,
                c->stream->topic, c->kpart, (long long)(off - c->next_offset),
                (long long)c->next_offset, (long long)off - 1, (long long)off);
        if (c->cur)
            seg_mutable_skip_offset(c->cur, off - 1);
        c->next_offset = off;
    } else if (off < c->next_offset) { /* a new topic under the old name */
        if (restart_at(c, off, err))
            set_error(c, err);
    }
}

static void handle_error(srv_consumer *c, const rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return;
    if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
        handle_offset_reset(c);
        return;
    }
    char msg[TN_ERRLEN];
    snprintf(msg, sizeof msg, "%s", rd_kafka_message_errstr(m));
    set_error(c, msg);
    srv_log_limited(&c->table->log, "tannin: table %s: %s/%d: %s", c->cfg->name_with_type,
                    c->stream->topic, c->kpart, msg);
}

/* ---- the loop ------------------------------------------------------- */

static void publish(srv_consumer *c, const batch_counts *bc, int64_t now)
{
    if (bc->rows)
        atomic_fetch_add_explicit(&c->rows, bc->rows, memory_order_relaxed);
    if (bc->invalid) {
        atomic_fetch_add_explicit(&c->invalid, bc->invalid, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->table->invalid_rows, bc->invalid, memory_order_relaxed);
    }
    if (bc->filtered)
        atomic_fetch_add_explicit(&c->filtered, bc->filtered, memory_order_relaxed);
    if (bc->rows + bc->invalid + bc->filtered)
        atomic_store(&c->last_msg_ms, now);
    atomic_store(&c->current_offset, c->next_offset);
}

/* Latest offset (for lag) and whether we have caught up with the offset
 * that was latest when consumption started, from the watermarks librdkafka
 * caches from fetch responses (no requests of our own: see
 * handle_offset_reset). Also ends an ERROR state once Kafka's client has
 * stopped reporting errors for a while. */
static void track_watermarks(srv_consumer *c, int64_t now)
{
    if (now < c->next_watermark_ms)
        return;
    c->next_watermark_ms = now + WATERMARK_EVERY_MS;
    int64_t lo, hi;
    if (rd_kafka_get_watermark_offsets(c->rk, c->stream->topic, c->kpart, &lo, &hi) ||
        hi < 0)
        hi = -1;
    if (hi >= 0) {
        atomic_store(&c->latest_offset, hi);
        if (atomic_load(&c->catchup_target) < 0)
            atomic_store(&c->catchup_target, hi);
    }
    /* A fresh partition that is empty: no message can come below hi, so
     * the consuming segment can start there now instead of at the first
     * message (status and routing then show it at once). */
    char err[TN_ERRLEN];
    if (c->next_offset < 0 && hi >= 0 && lo == hi && !c->resetting) {
        c->next_offset = hi;
        atomic_store(&c->current_offset, hi);
        if (new_segment(c, hi, err))
            set_error(c, err);
    }
    int64_t target = atomic_load(&c->catchup_target);
    bool fresh_done = c->next_offset < 0 && !c->stream->from_earliest;
    if (target >= 0 && (c->next_offset >= target || fresh_done))
        atomic_store(&c->caught_up, true);
    if (atomic_load(&c->state) == SRV_PART_ERROR && c->rk &&
        now - atomic_load(&c->error_ms) > ERROR_QUIET_MS)
        set_running(c);
}

/* consumeFrom on resume: the consuming segment is sealed as it stands and
 * consumption starts over at the offset Kafka names now. A watermark
 * request (which may block while a broker is down) is acceptable here: an
 * operator asked for it, and it is bounded. */
static void apply_reset(srv_consumer *c)
{
    int from = atomic_exchange(&c->want_from, SRV_FROM_LAST);
    if (from == SRV_FROM_LAST)
        return;
    char err[TN_ERRLEN];
    const char *topic = c->stream->topic;
    int64_t lo, hi;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(c->rk, topic, c->kpart, &lo, &hi, 5000);
    if (e) {
        snprintf(err, sizeof err, "consumeFrom: cannot read the offsets of %s/%d: %s", topic,
                 c->kpart, rd_kafka_err2str(e));
        set_error(c, err);
        return;
    }
    int64_t at = from == SRV_FROM_SMALLEST ? lo : hi;
    srv_log(c->ctx.log, "tannin: table %s: %s/%d: consuming from %s offset %lld (was %lld)",
            c->cfg->name_with_type, topic, c->kpart,
            from == SRV_FROM_SMALLEST ? "smallest" : "largest", (long long)at,
            (long long)c->next_offset);
    c->resetting = false;
    c->assigned = true;
    if (restart_at(c, at, err) || srv_kafka_assign(c->rk, topic, c->kpart, at, err))
        set_error(c, err);
    atomic_store(&c->current_offset, at);
}

static void apply_controls(srv_consumer *c)
{
    char err[TN_ERRLEN];
    apply_reset(c);
    bool want = atomic_load(&c->want_pause);
    if (want != c->paused) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, c->stream->topic, c->kpart);
        if (want && c->assigned)
            rd_kafka_pause_partitions(c->rk, l);
        else if (c->assigned)
            rd_kafka_resume_partitions(c->rk, l);
        else if (!want && srv_kafka_assign(c->rk, c->stream->topic, c->kpart,
                                           c->assign_at, err))
            set_error(c, err);
        c->assigned = c->assigned || !want;
        rd_kafka_topic_partition_list_destroy(l);
        c->paused = want;
        if (atomic_load(&c->state) != SRV_PART_ERROR)
            set_running(c);
    }
    uint64_t req = atomic_load(&c->commit_req);
    if (req != atomic_load(&c->commit_done)) {
        if (c->cur && c->next_offset > c->cur_start && roll(c, SRV_ROLL_FORCE, err))
            set_error(c, err);
        atomic_store(&c->commit_done, req);
    }
}

/* Whether the message at off is the next to ingest: a re-delivery below
 * our position is dropped; the first message of a fresh partition (or
 * after a reset) fixes the position. */
static bool accept_offset(srv_consumer *c, int64_t off)
{
    char err[TN_ERRLEN];
    if (c->resetting)
        resumed(c, off);
    if (c->next_offset < 0) {
        c->next_offset = off;
        if (new_segment(c, off, err)) {
            set_error(c, err);
            return false;
        }
    }
    return off >= c->next_offset && c->cur;
}

/* Up to max messages: waits up to POLL_MS for the first only, then takes
 * what is queued without waiting (a batch call's timeout is for the whole
 * batch, which a partition below ~10k messages/s never fills: every row
 * would wait the full POLL_MS before it became queryable). */
static ssize_t next_batch(srv_consumer *c, rd_kafka_message_t **msgs, uint32_t max)
{
    rd_kafka_message_t *first = rd_kafka_consume_queue(c->queue, POLL_MS);
    if (!first)
        return 0;
    msgs[0] = first;
    ssize_t more = max > 1 ? rd_kafka_consume_batch_queue(c->queue, 0, msgs + 1, max - 1) : 0;
    return 1 + (more > 0 ? more : 0);
}

static int64_t mono_us(void) { return (int64_t)(tn_mono_ns() / 1000); }

/* The batch the rate limits allow at once (BATCH without limits). */
static uint32_t batch_cap(srv_consumer *c)
{
    uint32_t cap = srv_rate_batch(&c->rate, BATCH);
    return c->ctx.server_rate ? srv_rate_batch(c->ctx.server_rate, cap) : cap;
}

/* Messages fetched are charged to both buckets, valid or not: the limit
 * is on what the partition takes from Kafka, as in Pinot. */
static void charge(srv_consumer *c, ssize_t n)
{
    if (n <= 0)
        return;
    int64_t now = mono_us();
    srv_rate_take(&c->rate, (uint32_t)n, now);
    if (c->ctx.server_rate)
        srv_rate_take(c->ctx.server_rate, (uint32_t)n, now);
}

/* Whether the thread has something to do other than wait: stop, pause,
 * resume, reset or commit requests are served at once, never after a
 * throttle wait. */
static bool control_pending(srv_consumer *c)
{
    return atomic_load(&c->stop) || atomic_load(&c->want_pause) != c->paused ||
           atomic_load(&c->want_from) != SRV_FROM_LAST ||
           atomic_load(&c->commit_req) != atomic_load(&c->commit_done);
}

/* Waits while a rate limit says so, in short naps that end early on any
 * control request; true when the partition may fetch now. */
static bool throttle(srv_consumer *c)
{
    int64_t now = mono_us();
    int64_t wait = srv_rate_wait_us(&c->rate, now);
    if (c->ctx.server_rate)
        wait = TN_MAX(wait, srv_rate_wait_us(c->ctx.server_rate, now));
    if (!wait) {
        atomic_store(&c->throttled, false);
        return true;
    }
    atomic_store(&c->throttled, true);
    int64_t nap_us = TN_MIN(wait, 20000);
    if (!control_pending(c))
        usleep((useconds_t)nap_us);
    atomic_fetch_add(&c->throttled_us, mono_us() - now);
    return false;
}

static void consume_batch(srv_consumer *c, rd_kafka_message_t **msgs)
{
    ssize_t n = next_batch(c, msgs, batch_cap(c));
    charge(c, n);
    batch_counts bc = {0};
    bool ok = false;
    for (ssize_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = msgs[i];
        if (m->err) {
            handle_error(c, m);
        } else if (m->partition == c->kpart && accept_offset(c, m->offset)) {
            ingest(c, m, &bc);
            ok = true;
            if (c->cur_threshold && c->cur_rows >= c->cur_threshold) {
                char err[TN_ERRLEN];
                if (roll(c, SRV_ROLL_ROWS, err))
                    set_error(c, err);
            }
        }
        rd_kafka_message_destroy(m);
    }
    int64_t now = tn_now_ms();
    if (ok && atomic_load(&c->state) == SRV_PART_ERROR)
        set_running(c);
    publish(c, &bc, now);
    char err[TN_ERRLEN];
    srv_roll_reason why = c->cur ? due(c, now) : SRV_ROLL_UNKNOWN;
    if (why != SRV_ROLL_UNKNOWN && roll(c, why, err))
        set_error(c, err);
}

/* The committed offset; without one, where auto.offset.reset says, as a
 * logical offset Kafka resolves (the consuming segment then starts at the
 * first message). */
static int start_position(srv_consumer *c, int64_t *assign_at, char *err)
{
    int64_t off;
    int rc = seg_store_position(c->ctx.store, c->source, &off, err);
    if (rc == TN_OK) {
        c->next_offset = *assign_at = off;
        return TN_OK;
    }
    if (rc != TN_ENOTFOUND)
        return rc;
    c->next_offset = -1;
    *assign_at = c->stream->from_earliest ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    return TN_OK;
}

static int setup(srv_consumer *c, char *err)
{
    int64_t assign_at;
    int rc = srv_rowproc_create(c->cfg, c->schema, &c->proc, err);
    if (!rc && c->cfg->complex.on)
        c->unnest = srv_unnest_create(&c->cfg->complex, c->schema);
    if (!rc)
        rc = srv_kafka_consumer_new(c->cfg, c->stream, c->ctx.kafka_brokers, &c->logctx, &c->rk,
                                    err);
    if (!rc && c->stream->dead_letter_topic)
        rc = srv_kafka_producer_new(c->cfg, c->stream, c->ctx.kafka_brokers, &c->logctx,
                                    &c->dlq, err);
    if (!rc)
        rc = start_position(c, &assign_at, err);
    if (!rc && c->next_offset >= 0)
        rc = new_segment(c, c->next_offset, err);
    if (rc)
        return rc;
    atomic_store(&c->current_offset, c->next_offset);
    c->queue = rd_kafka_queue_get_consumer(c->rk);
    /* A table paused at start does not fetch until resumed: a resume may
     * start elsewhere (consumeFrom), and a fetch at a committed offset the
     * topic no longer has would raise a data-loss alarm meanwhile. */
    c->assign_at = assign_at;
    if (atomic_load(&c->want_pause))
        return TN_OK;
    c->assigned = true;
    return srv_kafka_assign(c->rk, c->stream->topic, c->kpart, assign_at, err);
}

static void *consumer_main(void *arg)
{
    srv_consumer *c = arg;
    char err[TN_ERRLEN];
    seg_row_init(&c->row, c->schema);
    int rc = setup(c, err);
    if (rc && !atomic_load(&c->stop))
        set_error(c, err);
    else if (!rc)
        set_running(c);
    rd_kafka_message_t **msgs = tn_malloc(BATCH * sizeof *msgs);
    while (!rc && !atomic_load(&c->stop)) {
        apply_controls(c);
        rd_kafka_poll(c->rk, 0); /* error callbacks */
        if (c->dlq)
            rd_kafka_poll(c->dlq, 0); /* delivery reports */
        if (c->paused)
            nap(c, POLL_MS);
        else if (throttle(c))
            consume_batch(c, msgs);
        track_watermarks(c, tn_now_ms());
        tune_check(c, tn_now_ms());
    }
    free(msgs);
    if (c->queue)
        rd_kafka_queue_destroy(c->queue);
    if (c->rk) {
        rd_kafka_consumer_close(c->rk);
        rd_kafka_destroy(c->rk);
    }
    if (c->dlq) {
        rd_kafka_flush(c->dlq, 2000);
        rd_kafka_destroy(c->dlq);
    }
    if (c->cur)
        seg_segment_release(seg_mutable_base(c->cur));
    seg_row_free(&c->row);
    srv_unnest_free(c->unnest);
    srv_rowproc_free(c->proc);
    return NULL;
}

srv_consumer *srv_consumer_start(const srv_consumer_ctx *ctx, srv_table *t, int32_t partition,
                                 uint32_t first_seq, bool paused, double rate_limit)
{
    srv_consumer *c = tn_calloc(1, sizeof *c);
    c->ctx = *ctx;
    c->table = srv_table_acquire(t);
    c->cfg = t->cfg;
    c->schema = t->schema->schema;
    c->partition = partition;
    c->stream = srv_stream_of(t->cfg, partition);
    c->kpart = srv_stream_partition(partition);
    c->next_seq = first_seq;
    srv_rate_init(&c->rate, rate_limit);
    srv_table_source(t, partition, c->source, sizeof c->source);
    c->logctx.lim = &t->log;
    c->logctx.on_error = client_error;
    c->logctx.owner = c;
    snprintf(c->logctx.who, sizeof c->logctx.who, "%s/%s/%d", t->cfg->name_with_type,
             c->stream->topic, c->kpart);
    pthread_mutex_init(&c->slock, NULL);
    atomic_init(&c->latest_offset, -1);
    atomic_init(&c->catchup_target, -1);
    atomic_init(&c->current_offset, -1);
    atomic_init(&c->want_pause, paused);
    if (pthread_create(&c->thread, NULL, consumer_main, c) != 0)
        abort();
    return c;
}

void srv_consumer_stop(srv_consumer *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, true);
    pthread_join(c->thread, NULL);
    srv_table_release(c->table);
    pthread_mutex_destroy(&c->slock);
    srv_rate_destroy(&c->rate);
    free(c);
}

void srv_consumer_set_rate(srv_consumer *c, double rate_limit)
{
    srv_rate_set(&c->rate, rate_limit);
}

void srv_consumer_pause(srv_consumer *c, bool pause) { atomic_store(&c->want_pause, pause); }

void srv_consumer_reset(srv_consumer *c, srv_consume_from from)
{
    atomic_store(&c->want_from, (int)from);
}

bool srv_consumer_force_commit(srv_consumer *c, int64_t timeout_ms)
{
    uint64_t req = atomic_fetch_add(&c->commit_req, 1) + 1;
    int64_t deadline = tn_now_ms() + timeout_ms;
    while (atomic_load(&c->commit_done) < req) {
        if (tn_now_ms() >= deadline)
            return false;
        usleep(5000);
    }
    return true;
}
