/*
 * srv_table.c: a table's segment set, its snapshots, and the shared schema
 * holder (see srv_table.h for the rules).
 */
#include "srv_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_consumer.h"

srv_schema *srv_schema_new(seg_schema *s)
{
    srv_schema *h = tn_calloc(1, sizeof *h);
    atomic_init(&h->refs, 1);
    h->schema = s;
    h->json = seg_schema_to_json(s);
    return h;
}

void srv_schema_release(srv_schema *h)
{
    if (!h || atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1)
        return;
    seg_schema_free(h->schema);
    free(h->json);
    free(h);
}

srv_table *srv_table_new(srv_table_config *cfg, srv_schema *schema, uint32_t assign_index,
                         uint32_t assign_count, int64_t incarnation, const srv_log_sink *sink)
{
    srv_table *t = tn_calloc(1, sizeof *t);
    atomic_init(&t->refs, 1);
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->ingest_lock, NULL);
    t->name_wt = tn_strdup(cfg->name_with_type);
    t->raw_name = tn_strdup(cfg->name);
    t->realtime = cfg->realtime;
    t->cfg = cfg;
    t->schema = schema;
    t->assign_index = assign_index;
    t->assign_count = assign_count ? assign_count : 1;
    t->incarnation = incarnation;
    char what[160];
    snprintf(what, sizeof what, "table %s", cfg->name_with_type);
    srv_loglim_init(&t->log, sink, what);
    return t;
}

srv_table *srv_table_acquire(srv_table *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void srv_table_release(srv_table *t)
{
    if (!t || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (uint32_t i = 0; i < t->nsegs; i++)
        seg_segment_release(t->segs[i]);
    free(t->segs);
    free(t->parts); /* consumers were stopped and freed before the last release */
    srv_table_config_free(t->cfg);
    srv_schema_release(t->schema);
    free(t->name_wt);
    free(t->raw_name);
    srv_loglim_destroy(&t->log);
    pthread_mutex_destroy(&t->lock);
    pthread_mutex_destroy(&t->ingest_lock);
    free(t);
}

void srv_table_add_segment(srv_table *t, seg_segment *s)
{
    pthread_mutex_lock(&t->lock);
    if (t->nsegs == t->capsegs) {
        t->capsegs = t->capsegs ? t->capsegs * 2 : 16;
        t->segs = tn_realloc(t->segs, t->capsegs * sizeof *t->segs);
    }
    t->segs[t->nsegs++] = s;
    pthread_mutex_unlock(&t->lock);
}

static int find_locked(const srv_table *t, const seg_segment *s)
{
    for (uint32_t i = 0; i < t->nsegs; i++)
        if (t->segs[i] == s)
            return (int)i;
    return -1;
}

bool srv_table_replace_segment(srv_table *t, seg_segment *old, seg_segment *repl)
{
    pthread_mutex_lock(&t->lock);
    int i = find_locked(t, old);
    if (i >= 0)
        t->segs[i] = repl;
    pthread_mutex_unlock(&t->lock);
    if (i < 0) {
        seg_segment_release(repl);
        return false;
    }
    seg_segment_release(old);
    return true;
}

static seg_segment *remove_at_locked(srv_table *t, uint32_t i)
{
    seg_segment *s = t->segs[i];
    memmove(&t->segs[i], &t->segs[i + 1], (t->nsegs - i - 1) * sizeof *t->segs);
    t->nsegs--;
    return s;
}

seg_segment *srv_table_remove_segment(srv_table *t, const seg_segment *s)
{
    pthread_mutex_lock(&t->lock);
    int i = find_locked(t, s);
    seg_segment *out = i >= 0 ? remove_at_locked(t, (uint32_t)i) : NULL;
    pthread_mutex_unlock(&t->lock);
    return out;
}

seg_segment *srv_table_remove_named(srv_table *t, const char *name, bool *consuming)
{
    seg_segment *out = NULL;
    *consuming = false;
    pthread_mutex_lock(&t->lock);
    for (uint32_t i = 0; i < t->nsegs && !out; i++) {
        if (strcmp(t->segs[i]->meta.name, name))
            continue;
        if (t->segs[i]->kind == SEG_KIND_MUTABLE)
            *consuming = true;
        else
            out = remove_at_locked(t, i);
        break;
    }
    pthread_mutex_unlock(&t->lock);
    return out;
}

void srv_table_drop_consuming(srv_table *t)
{
    pthread_mutex_lock(&t->lock);
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->nsegs; i++) {
        if (t->segs[i]->kind == SEG_KIND_MUTABLE)
            seg_segment_release(t->segs[i]);
        else
            t->segs[k++] = t->segs[i];
    }
    t->nsegs = k;
    pthread_mutex_unlock(&t->lock);
}

typedef struct snap_priv {
    srv_schema *schema;
} snap_priv;

static bool name_wanted(const char *name, const char *const *names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

int srv_table_snapshot(srv_table *t, const char *const *names, uint32_t nnames,
                       srv_snapshot *out)
{
    snap_priv *p = tn_calloc(1, sizeof *p);
    pthread_mutex_lock(&t->lock);
    p->schema = t->schema;
    atomic_fetch_add_explicit(&p->schema->refs, 1, memory_order_relaxed);
    out->segs = tn_malloc((t->nsegs + 1) * sizeof *out->segs);
    out->nsegs = 0;
    for (uint32_t i = 0; i < t->nsegs; i++) {
        seg_segment *s = t->segs[i];
        if (names && !name_wanted(s->meta.name, names, nnames))
            continue;
        out->segs[out->nsegs++] = seg_segment_acquire(s);
    }
    pthread_mutex_unlock(&t->lock);
    out->schema = p->schema->schema;
    out->priv = p;
    return TN_OK;
}

void srv_snapshot_release(srv_snapshot *s)
{
    if (!s || !s->priv)
        return;
    for (uint32_t i = 0; i < s->nsegs; i++)
        seg_segment_release(s->segs[i]);
    free(s->segs);
    snap_priv *p = s->priv;
    srv_schema_release(p->schema);
    free(p);
    memset(s, 0, sizeof *s);
}

void srv_table_source(const srv_table *t, int32_t partition, char *buf, size_t cap)
{
    /* The incarnation keeps a dropped and re-created table from resuming at
     * its predecessor's offsets. The partition is the table's id, the
     * topic its stream's: one key per (stream, partition), and a
     * one-stream table's keys are those it always had. */
    const srv_stream_config *s = srv_stream_of(t->cfg, partition);
    snprintf(buf, cap, "%s@%lld/%s/%d", t->name_wt, (long long)t->incarnation,
             s && s->topic ? s->topic : "", partition);
}
