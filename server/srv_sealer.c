/*
 * srv_sealer.c: the seal queue and its thread (see srv_sealer.h).
 */
#include "srv_sealer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_MS 1000

typedef struct seal_job {
    struct seal_job *next;
    srv_table *table;     /* a reference */
    seg_mutable *m;       /* a reference */
    char *source;
    bool cancelled;
} seal_job;

struct srv_sealer {
    seg_store *store;
    const srv_log_sink *log;
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* queue changed, job finished, stop */
    seal_job *head, *tail;
    seal_job *running;
    bool stop;
    char last_error[TN_ERRLEN * 2];
    pthread_t thread;
};

static void job_free(seal_job *j)
{
    seg_segment_release(seg_mutable_base(j->m));
    srv_table_release(j->table);
    free(j->source);
    free(j);
}

static void build_opts(const srv_table_config *c, const seg_meta *meta, seg_seal_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sorted_column = c->sorted_column;
    o->inverted_columns = (const char *const *)c->inverted.v;
    o->n_inverted = c->inverted.n;
    o->inverted_set = c->inverted_set;
    o->range_columns = (const char *const *)c->range.v;
    o->n_range = c->range.n;
    o->set_end_offset = true;
    o->end_offset = meta->end_offset;
}

/* Seal, store (with the offset), load, swap. */
static int seal_one(srv_sealer *s, seal_job *j, char *err)
{
    seg_segment *base = seg_mutable_base(j->m);
    seg_meta meta;
    seg_segment_meta(base, &meta);
    seg_seal_opts o;
    build_opts(j->table->cfg, &meta, &o);
    seg_image *img = NULL;
    int rc = seg_seal(base, meta.ndocs, &o, &img, err);
    if (!rc) {
        rc = seg_store_write(s->store, img, j->source, meta.end_offset, err);
        /* a retry after a write that succeeded and a load that failed */
        if (rc == TN_EEXIST)
            rc = TN_OK;
    }
    seg_image_free(img);
    seg_segment *loaded = NULL;
    if (!rc)
        rc = seg_store_load(s->store, meta.name, &loaded, err);
    if (!rc && srv_table_replace_segment(j->table, base, loaded))
        atomic_fetch_add(&j->table->sealed_total, 1);
    seg_meta_free(&meta);
    return rc;
}

static void wait_ms(srv_sealer *s, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void *sealer_main(void *arg)
{
    srv_sealer *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->head && !s->stop)
            pthread_cond_wait(&s->cond, &s->lock);
        if (s->stop)
            break;
        seal_job *j = s->head;
        s->head = j->next;
        if (!s->head)
            s->tail = NULL;
        s->running = j;
        pthread_mutex_unlock(&s->lock);
        char err[TN_ERRLEN];
        int rc = seal_one(s, j, err);
        pthread_mutex_lock(&s->lock);
        if (rc && !j->cancelled && !s->stop) {
            snprintf(s->last_error, sizeof s->last_error, "sealing %s: %s",
                     seg_mutable_base(j->m)->meta.name, err);
            srv_log(s->log, "tannin: %s (retrying in %d ms)", s->last_error, RETRY_MS);
            wait_ms(s, RETRY_MS);
            if (!j->cancelled && !s->stop) { /* retry before anything else */
                j->next = s->head;
                s->head = j;
                if (!s->tail)
                    s->tail = j;
                s->running = NULL;
                continue;
            }
        } else if (!rc) {
            s->last_error[0] = 0;
        }
        s->running = NULL;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        job_free(j);
        pthread_mutex_lock(&s->lock);
    }
    s->running = NULL;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

srv_sealer *srv_sealer_start(seg_store *st, const srv_log_sink *log)
{
    srv_sealer *s = tn_calloc(1, sizeof *s);
    s->store = st;
    s->log = log;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, sealer_main, s) != 0)
        abort(); /* as an allocation failure: the server cannot run without it */
    return s;
}

void srv_sealer_stop(srv_sealer *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    for (seal_job *j = s->head, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

void srv_sealer_submit(srv_sealer *s, srv_table *t, seg_mutable *m, const char *source)
{
    seal_job *j = tn_calloc(1, sizeof *j);
    j->table = srv_table_acquire(t);
    j->m = m;
    j->source = tn_strdup(source);
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = j;
    else
        s->head = j;
    s->tail = j;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void srv_sealer_cancel_table(srv_sealer *s, srv_table *t)
{
    seal_job *drop = NULL;
    pthread_mutex_lock(&s->lock);
    seal_job **pp = &s->head, *prev = NULL;
    while (*pp) {
        seal_job *j = *pp;
        if (j->table == t) {
            *pp = j->next;
            j->next = drop;
            drop = j;
        } else {
            prev = j;
            pp = &j->next;
        }
    }
    s->tail = prev;
    if (s->running && s->running->table == t) {
        s->running->cancelled = true;
        pthread_cond_broadcast(&s->cond); /* ends a retry wait */
    }
    while (s->running && s->running->table == t)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    while (drop) {
        seal_job *next = drop->next;
        job_free(drop);
        drop = next;
    }
}

static uint32_t pending_locked(srv_sealer *s, const srv_table *t)
{
    uint32_t n = s->running && s->running->table == t;
    for (seal_job *j = s->head; j; j = j->next)
        n += j->table == t;
    return n;
}

uint32_t srv_sealer_pending(srv_sealer *s, const srv_table *t)
{
    pthread_mutex_lock(&s->lock);
    uint32_t n = pending_locked(s, t);
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool srv_sealer_wait_table(srv_sealer *s, srv_table *t, int64_t timeout_ms)
{
    int64_t deadline = tn_now_ms() + timeout_ms;
    pthread_mutex_lock(&s->lock);
    while (pending_locked(s, t) && tn_now_ms() < deadline)
        wait_ms(s, TN_MIN(100, deadline - tn_now_ms() + 1));
    bool done = pending_locked(s, t) == 0;
    pthread_mutex_unlock(&s->lock);
    return done;
}

void srv_sealer_last_error(srv_sealer *s, char *buf, size_t cap)
{
    pthread_mutex_lock(&s->lock);
    snprintf(buf, cap, "%s", s->last_error);
    pthread_mutex_unlock(&s->lock);
}
