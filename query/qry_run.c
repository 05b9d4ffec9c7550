/*
 * qry_run.c: runs a query over many segments on a pool of threads, one
 * partial result per thread, merged at the end. Segments are handed out
 * through an atomic counter, so a slow segment does not hold up the rest.
 */
#include "qry_eval.h"
#include "qry_exec_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct run_shared {
    const qry_query *q;
    seg_segment *const *segs;
    uint32_t nsegs;
    const qry_exec_opts *o;
    atomic_uint next;
    atomic_bool failed;
} run_shared;

typedef struct run_worker {
    run_shared *sh;
    qry_partial part;
    qry_err err;
    int rc;
    pthread_t tid;
} run_worker;

static void *run_segments(void *arg)
{
    run_worker *w = arg;
    run_shared *sh = w->sh;
    for (;;) {
        uint32_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->nsegs || atomic_load(&sh->failed))
            break;
        if (qry_execute_segment(sh->q, sh->segs[i], sh->o, &w->part, &w->err)) {
            w->rc = -1;
            atomic_store(&sh->failed, true);
            break;
        }
    }
    return NULL;
}

static uint32_t pool_size(const qry_exec_opts *o, uint32_t nsegs)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t n = o && o->threads ? o->threads : (uint32_t)(cores > 0 ? cores : 1);
    return TN_MAX(1u, TN_MIN(n, nsegs));
}

/* Consuming segments first: they cost the most per row (unsorted
 * dictionaries, posting lists), and starting them last leaves one thread
 * working alone at the end. */
static seg_segment **schedule(seg_segment *const *segs, uint32_t n)
{
    seg_segment **order = tn_malloc(((size_t)n + 1) * sizeof *order);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (segs[i]->kind == SEG_KIND_MUTABLE)
            order[k++] = segs[i];
    for (uint32_t i = 0; i < n; i++)
        if (segs[i]->kind != SEG_KIND_MUTABLE)
            order[k++] = segs[i];
    return order;
}

int qry_execute(const qry_query *q, seg_segment *const *segs, uint32_t nsegs,
                const qry_exec_opts *o, qry_partial *out, qry_err *err)
{
    qry_partial_init(q, out);
    seg_segment **order = schedule(segs, nsegs);
    /* one deadline for every segment: the timeout bounds the whole query */
    qry_exec_opts lo = o ? *o : (qry_exec_opts){0};
    lo.deadline_ns = qry_exec_deadline(q, o);
    run_shared sh = {.q = q, .segs = order, .nsegs = nsegs, .o = &lo};
    uint32_t nw = pool_size(o, nsegs);
    run_worker *w = tn_calloc(nw, sizeof *w);
    for (uint32_t i = 0; i < nw; i++) {
        w[i].sh = &sh;
        qry_partial_init(q, &w[i].part);
    }
    /* the calling thread is worker 0: a one-segment query starts no thread */
    for (uint32_t i = 1; i < nw; i++)
        if (pthread_create(&w[i].tid, NULL, run_segments, &w[i]) != 0)
            w[i].tid = 0;
    run_segments(&w[0]);
    int rc = 0;
    for (uint32_t i = 0; i < nw; i++) {
        if (i > 0 && w[i].tid)
            pthread_join(w[i].tid, NULL);
        if (w[i].rc && !rc) {
            rc = -1;
            *err = w[i].err;
        }
        if (!rc)
            qry_partial_merge(q, out, &w[i].part, err);
        qry_partial_free(q, &w[i].part);
    }
    free(w);
    free(order);
    return rc;
}
