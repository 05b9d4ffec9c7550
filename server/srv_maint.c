/*
 * srv_maint.c: the node's maintenance thread: retention (sealed segments
 * whose end time is older than now - retention leave the table's set and
 * the store; a query holding one keeps it alive until it releases it) and
 * the periodic "suppressed N lines" reports of the bad-message limiter.
 */
#include "srv_node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool expired(const seg_segment *s, int64_t cutoff)
{
    return s->kind == SEG_KIND_IMMUTABLE && s->meta.max_time_ms != INT64_MIN &&
           s->meta.max_time_ms < cutoff;
}

uint32_t srv_node_apply_retention(srv_node *n, srv_table *t, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    int64_t ret = t->cfg->retention_ms;
    seg_segment **gone = NULL;
    uint32_t ngone = 0;
    if (ret > 0) {
        int64_t cutoff = now_ms - ret;
        uint32_t k = 0;
        gone = tn_calloc(t->nsegs + 1, sizeof *gone);
        for (uint32_t i = 0; i < t->nsegs; i++) {
            if (expired(t->segs[i], cutoff))
                gone[ngone++] = t->segs[i];
            else
                t->segs[k++] = t->segs[i];
        }
        t->nsegs = k;
    }
    char name[160];
    snprintf(name, sizeof name, "%s", t->cfg->name_with_type);
    pthread_mutex_unlock(&t->lock);
    for (uint32_t i = 0; i < ngone; i++) {
        char err[TN_ERRLEN];
        int rc = seg_store_delete(n->store, gone[i]->meta.name, err);
        if (rc && rc != TN_ENOTFOUND)
            srv_log(&n->log, "tannin: retention of %s: %s", name, err);
        else
            srv_log(&n->log, "tannin: retention: deleted segment %s of %s",
                    gone[i]->meta.name, name);
        seg_segment_release(gone[i]);
    }
    free(gone);
    return ngone;
}

static void maint_tick(srv_node *n)
{
    uint32_t count;
    srv_table **ts = srv_node_tables(n, &count);
    int64_t now = tn_now_ms();
    for (uint32_t i = 0; i < count; i++) {
        srv_node_apply_retention(n, ts[i], now);
        srv_loglim_flush(&ts[i]->log);
    }
    srv_node_tables_free(ts, count);
}

static void *maint_main(void *arg)
{
    srv_node *n = arg;
    pthread_mutex_lock(&n->mlock);
    while (!n->mstop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ms = n->retention_check_ms;
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&n->mcond, &n->mlock, &ts);
        if (n->mstop)
            break;
        pthread_mutex_unlock(&n->mlock);
        maint_tick(n);
        pthread_mutex_lock(&n->mlock);
    }
    pthread_mutex_unlock(&n->mlock);
    return NULL;
}

int srv_maint_start(srv_node *n)
{
    if (pthread_create(&n->maint, NULL, maint_main, n) != 0)
        abort();
    return TN_OK;
}

void srv_maint_stop(srv_node *n)
{
    pthread_mutex_lock(&n->mlock);
    n->mstop = true;
    pthread_cond_broadcast(&n->mcond);
    pthread_mutex_unlock(&n->mlock);
    pthread_join(n->maint, NULL);
}
