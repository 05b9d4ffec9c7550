/*
 * srv_realtime.c: partition discovery and the consumers of a REALTIME
 * table (see srv_realtime.h).
 */
#include "srv_realtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "srv_kafka.h"

#define DISCOVER_RETRY_MS 1000
#define REDISCOVER_MS 30000
#define METADATA_TIMEOUT_MS 2000

struct srv_realtime {
    srv_consumer_ctx ctx;
    srv_table *table;          /* a reference */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    pthread_t thread;
    srv_kafka_logctx logctx;
};

bool srv_realtime_owns(const srv_table *t, int32_t p)
{
    const srv_stream_config *s = srv_stream_of(t->cfg, p);
    if (!s || (uint32_t)p % t->assign_count != t->assign_index)
        return false;
    if (!s->partitions)
        return true;
    int32_t sp = srv_stream_partition(p);
    for (uint32_t i = 0; i < s->npartitions; i++)
        if (s->partitions[i] == sp)
            return true;
    return false;
}

/* The sequence number after the stored segments of partition p. */
static uint32_t first_seq(srv_table *t, int32_t p)
{
    int64_t max = -1;
    pthread_mutex_lock(&t->lock);
    for (uint32_t i = 0; i < t->nsegs; i++) {
        const seg_segment *s = t->segs[i];
        if (s->meta.partition == p)
            max = TN_MAX(max, srv_segment_seq(s->meta.name));
    }
    pthread_mutex_unlock(&t->lock);
    return (uint32_t)(max + 1);
}

static srv_consumer *started(srv_table *t, int32_t p)
{
    for (uint32_t i = 0; i < t->nparts; i++)
        if (srv_consumer_partition(t->parts[i]) == p)
            return t->parts[i];
    return NULL;
}

/* Starts a consumer for each owned partition of stream si below count (or
 * in the configured list) that has none yet. Each partition gets its share
 * of the topic's rate limit, as Pinot's RealtimeConsumptionRateManager
 * divides it: limit / the topic's partition count (the configured ones
 * when the config lists them); running ones get the new share when the
 * count changes. */
static void start_partitions(srv_realtime *r, uint32_t si, int32_t count)
{
    srv_table *t = r->table;
    const srv_stream_config *s = srv_table_stream(t->cfg, si);
    uint32_t n = s->partitions ? s->npartitions : (uint32_t)count;
    double rate = s->rate_limit > 0 && n ? s->rate_limit / n : 0;
    for (uint32_t i = 0; i < n; i++) {
        int32_t sp = s->partitions ? s->partitions[i] : (int32_t)i;
        int32_t p = srv_partition_id(si, sp);
        if (!srv_realtime_owns(t, p))
            continue;
        srv_consumer *c = started(t, p);
        if (c) {
            srv_consumer_set_rate(c, rate);
            continue;
        }
        c = srv_consumer_start(&r->ctx, t, p, first_seq(t, p), t->paused, rate);
        pthread_mutex_lock(&t->lock);
        t->parts = tn_realloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
        t->parts[t->nparts++] = c;
        pthread_mutex_unlock(&t->lock);
    }
}

static void set_discover_state(srv_table *t, bool known, const char *msg)
{
    pthread_mutex_lock(&t->lock);
    t->parts_known = known;
    snprintf(t->discover_error, sizeof t->discover_error, "%s", msg);
    pthread_mutex_unlock(&t->lock);
}

/* Waits ms or until stopped; true when stopped. */
static bool wait_stop(srv_realtime *r, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&r->lock);
    if (!r->stop)
        pthread_cond_timedwait(&r->cond, &r->lock, &ts);
    bool stop = r->stop;
    pthread_mutex_unlock(&r->lock);
    return stop;
}

/* One pass over the streams: each one's partitions from the config or
 * from Kafka (a handle per stream, made on first need: streams may live
 * on different clusters). True when every stream's partitions are known;
 * err holds the first failure otherwise. */
static bool discover(srv_realtime *r, rd_kafka_t **rks, char *err)
{
    srv_table *t = r->table;
    bool all = true;
    err[0] = 0;
    for (uint32_t si = 0; si < t->cfg->nstreams; si++) {
        const srv_stream_config *s = srv_table_stream(t->cfg, si);
        char e[TN_ERRLEN];
        int32_t count = 0;
        int rc = TN_OK;
        if (!s->partitions && !rks[si])
            rc = srv_kafka_consumer_new(t->cfg, s, r->ctx.kafka_brokers, &r->logctx, &rks[si], e);
        if (!rc && !s->partitions)
            rc = srv_kafka_partition_count(rks[si], s->topic, METADATA_TIMEOUT_MS, &count, e);
        if (!rc && count > SRV_PARTITION_PADDING)
            rc = tn_err(e, TN_EINVAL, "topic %s has %d partitions; at most %d are supported",
                        s->topic, count, SRV_PARTITION_PADDING);
        if (!rc) {
            start_partitions(r, si, count);
            continue;
        }
        if (all)
            snprintf(err, TN_ERRLEN, "%s", e);
        all = false;
        srv_log_limited(&t->log, "tannin: table %s: %s", t->cfg->name_with_type, e);
    }
    return all;
}

static bool fixed_partitions(const srv_table_config *cfg)
{
    for (uint32_t si = 0; si < cfg->nstreams; si++)
        if (!srv_table_stream(cfg, si)->partitions)
            return false;
    return true;
}

static void *runner_main(void *arg)
{
    srv_realtime *r = arg;
    srv_table *t = r->table;
    char err[TN_ERRLEN];
    rd_kafka_t **rks = tn_calloc(t->cfg->nstreams, sizeof *rks);
    bool once = fixed_partitions(t->cfg); /* the config names them all: no rediscovery */
    bool known, ever = false;
    do {
        known = discover(r, rks, err);
        ever |= known; /* a later failure leaves the partitions known, with the error shown */
        set_discover_state(t, ever, err);
    } while (!(once && known) && !wait_stop(r, known ? REDISCOVER_MS : DISCOVER_RETRY_MS));
    for (uint32_t si = 0; si < t->cfg->nstreams; si++)
        if (rks[si])
            rd_kafka_destroy(rks[si]);
    free(rks);
    return NULL;
}

srv_realtime *srv_realtime_start(const srv_consumer_ctx *ctx, srv_table *t)
{
    srv_realtime *r = tn_calloc(1, sizeof *r);
    r->ctx = *ctx;
    r->table = srv_table_acquire(t);
    r->logctx.lim = &t->log;
    snprintf(r->logctx.who, sizeof r->logctx.who, "%s", t->cfg->name_with_type);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, runner_main, r) != 0)
        abort();
    return r;
}

void srv_realtime_stop(srv_realtime *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    srv_table *t = r->table;
    pthread_mutex_lock(&t->lock);
    srv_consumer **parts = t->parts;
    uint32_t n = t->nparts;
    t->parts = NULL;
    t->nparts = 0;
    t->parts_known = false;
    pthread_mutex_unlock(&t->lock);
    for (uint32_t i = 0; i < n; i++)
        srv_consumer_stop(parts[i]);
    free(parts);
    srv_table_release(t);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}
