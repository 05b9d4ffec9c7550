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
    const srv_stream_config *s = &t->cfg->stream;
    if ((uint32_t)p % t->assign_count != t->assign_index)
        return false;
    if (!s->partitions)
        return true;
    for (uint32_t i = 0; i < s->npartitions; i++)
        if (s->partitions[i] == p)
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

static bool started(srv_table *t, int32_t p)
{
    for (uint32_t i = 0; i < t->nparts; i++)
        if (srv_consumer_partition(t->parts[i]) == p)
            return true;
    return false;
}

/* Starts a consumer for each owned partition below count (or in the
 * configured list) that has none yet. */
static void start_partitions(srv_realtime *r, int32_t count)
{
    srv_table *t = r->table;
    const srv_stream_config *s = &t->cfg->stream;
    uint32_t n = s->partitions ? s->npartitions : (uint32_t)count;
    for (uint32_t i = 0; i < n; i++) {
        int32_t p = s->partitions ? s->partitions[i] : (int32_t)i;
        if (!srv_realtime_owns(t, p) || started(t, p))
            continue;
        srv_consumer *c = srv_consumer_start(&r->ctx, t, p, first_seq(t, p), t->paused);
        pthread_mutex_lock(&t->lock);
        t->parts = tn_realloc(t->parts, (t->nparts + 1) * sizeof *t->parts);
        t->parts[t->nparts++] = c;
        pthread_mutex_unlock(&t->lock);
    }
    pthread_mutex_lock(&t->lock);
    t->parts_known = true;
    t->discover_error[0] = 0;
    pthread_mutex_unlock(&t->lock);
}

static void set_discover_error(srv_table *t, const char *msg)
{
    pthread_mutex_lock(&t->lock);
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

static void *runner_main(void *arg)
{
    srv_realtime *r = arg;
    srv_table *t = r->table;
    char err[TN_ERRLEN];
    if (t->cfg->stream.partitions) { /* the config names them: no discovery */
        start_partitions(r, 0);
        return NULL;
    }
    rd_kafka_t *rk = NULL;
    if (srv_kafka_consumer_new(t->cfg, r->ctx.kafka_brokers, &r->logctx, &rk, err)) {
        set_discover_error(t, err);
        return NULL;
    }
    bool known = false;
    do {
        int32_t count;
        if (srv_kafka_partition_count(rk, t->cfg->stream.topic, METADATA_TIMEOUT_MS, &count,
                                      err) == TN_OK) {
            start_partitions(r, count);
            known = true;
        } else {
            set_discover_error(t, err);
            srv_log_limited(&t->log, "tannin: table %s: %s", t->cfg->name_with_type, err);
        }
    } while (!wait_stop(r, known ? REDISCOVER_MS : DISCOVER_RETRY_MS));
    rd_kafka_destroy(rk);
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
