/*
 * brk_sync.c: the routing refresher thread, table pushes, and admin calls
 * to servers.
 */
#include "brk_sync.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "brk_client.h"
#include "tn_wire.h"

#define STATUS_TIMEOUT_MS 2000
#define PUSH_TIMEOUT_MS 15000

struct brk_sync {
    brk_broker *b;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;        /* current, stop */
    pthread_cond_t cond;
    bool stop;
    brk_routing *current;
    pthread_mutex_t refresh_lock;/* one refresh at a time; was_up */
    bool *was_up;
};

/* ---- calls to servers -------------------------------------------------- */

static void answer_from_call(brk_call *c, brk_answer *a)
{
    memset(a, 0, sizeof *a);
    a->server = c->server;
    if (c->status != TN_OK) {
        a->status = c->status;
        snprintf(a->err, sizeof a->err, "%s", c->err[0] ? c->err : "server did not answer");
        return;
    }
    tn_wire_rd r;
    tn_wire_rd_init(&r, c->payload, c->len);
    if (c->type == TN_MSG_ADMIN_OK) {
        a->json = tn_wire_get_strdup(&r);
        if (!a->json) {
            a->status = TN_ECORRUPT;
            snprintf(a->err, sizeof a->err, "malformed ADMIN_OK answer");
        }
    } else if (c->type == TN_MSG_ERROR) {
        a->code = tn_wire_get_i32(&r);
        size_t n;
        const char *m = tn_wire_get_str(&r, &n);
        a->status = TN_EINVAL;
        snprintf(a->err, sizeof a->err, "%.*s", r.bad ? 0 : (int)n, r.bad ? "" : m);
        if (r.bad)
            snprintf(a->err, sizeof a->err, "malformed ERROR answer");
    } else {
        a->status = TN_ECORRUPT;
        snprintf(a->err, sizeof a->err, "unexpected answer type %u", c->type);
    }
}

/* Sends cmds[k] (ADMIN JSON) to servers[k], k < n, in parallel. */
static uint32_t admin_calls(brk_broker *b, const uint32_t *servers, char *const *cmds,
                            uint32_t n, int64_t timeout_ms, brk_answer *answers)
{
    brk_call *calls = tn_calloc(n + 1, sizeof *calls);
    for (uint32_t k = 0; k < n; k++) {
        calls[k].server = servers[k];
        tn_wire_begin(&calls[k].request, TN_MSG_ADMIN, 0);
        tn_wire_put_cstr(&calls[k].request, cmds[k]);
        tn_wire_end(&calls[k].request, 0);
    }
    if (n)
        brk_pool_call(b->pool, calls, n, timeout_ms);
    uint32_t failed = 0;
    for (uint32_t k = 0; k < n; k++) {
        answer_from_call(&calls[k], &answers[k]);
        if (answers[k].status) {
            failed++;
            if (calls[k].status != TN_OK)
                brk_metrics_server_failure(&b->metrics, servers[k]);
        }
        brk_call_clear(&calls[k]);
        tn_buf_free(&calls[k].request);
    }
    free(calls);
    return failed;
}

uint32_t brk_sync_admin(brk_broker *b, const uint32_t *servers, uint32_t n, const char *cmd,
                        int64_t timeout_ms, brk_answer *answers)
{
    uint32_t all = b->opts.nservers;
    uint32_t *idx = tn_calloc(all + 1, sizeof *idx);
    if (!servers) {
        for (uint32_t i = 0; i < all; i++)
            idx[i] = i;
        servers = idx;
        n = all;
    }
    char **cmds = tn_calloc(n + 1, sizeof *cmds);
    for (uint32_t k = 0; k < n; k++)
        cmds[k] = (char *)cmd;
    uint32_t failed = admin_calls(b, servers, cmds, n, timeout_ms, answers);
    free(cmds);
    free(idx);
    return failed;
}

void brk_answers_free(brk_answer *answers, uint32_t n)
{
    for (uint32_t i = 0; answers && i < n; i++) {
        free(answers[i].json);
        answers[i].json = NULL;
    }
}

/* ---- pushing tables ---------------------------------------------------- */

static char *put_table_cmd(const char *schema, const char *config, uint32_t i, uint32_t n)
{
    size_t cap = strlen(schema) + strlen(config) + 128;
    char *s = tn_malloc(cap);
    snprintf(s, cap, "{\"op\":\"putTable\",\"schema\":%s,\"config\":%s,\"assignIndex\":%u,"
                     "\"assignCount\":%u}", schema, config, i, n);
    return s;
}

/* Pushes table typed to the listed servers; its pause flag (or disabled
 * state) too. */
static uint32_t push_to(brk_broker *b, const char *typed, const uint32_t *servers, uint32_t n,
                        brk_answer *answers)
{
    char *schema, *config, err[TN_ERRLEN];
    if (brk_catalog_table_payload(b->catalog, typed, &schema, &config, err)) {
        for (uint32_t k = 0; k < n; k++) {
            memset(&answers[k], 0, sizeof answers[k]);
            answers[k].server = servers[k];
            answers[k].status = TN_ENOTFOUND;
            snprintf(answers[k].err, sizeof answers[k].err, "%s", err);
        }
        return n;
    }
    char **cmds = tn_calloc(n + 1, sizeof *cmds);
    for (uint32_t k = 0; k < n; k++)
        cmds[k] = put_table_cmd(schema, config, servers[k], b->opts.nservers);
    uint32_t failed = admin_calls(b, servers, cmds, n, PUSH_TIMEOUT_MS, answers);
    atomic_fetch_add_explicit(&b->metrics.table_pushes, n, memory_order_relaxed);
    for (uint32_t k = 0; k < n; k++)
        free(cmds[k]);
    free(cmds);
    free(schema);
    free(config);
    /* a disabled table does not consume either (Pinot drops its segments
     * from the servers; Tannin keeps them and stops the consumers) */
    if (brk_catalog_paused(b->catalog, typed) || brk_catalog_table_disabled(b->catalog, typed)) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "{\"op\":\"pause\",\"table\":\"%s\"}", typed);
        brk_answer *pa = tn_calloc(n + 1, sizeof *pa);
        brk_sync_admin(b, servers, n, cmd, PUSH_TIMEOUT_MS, pa);
        brk_answers_free(pa, n);
        free(pa);
    }
    return failed;
}

uint32_t brk_sync_push_table(brk_broker *b, const char *typed, brk_answer *answers)
{
    uint32_t n = b->opts.nservers;
    uint32_t *idx = tn_calloc(n + 1, sizeof *idx);
    for (uint32_t i = 0; i < n; i++)
        idx[i] = i;
    uint32_t failed = push_to(b, typed, idx, n, answers);
    free(idx);
    return failed;
}

/* ---- refreshing -------------------------------------------------------- */

/* Asks every server for its status: status[i] parsed, or NULL when the
 * server did not answer; up[i] accordingly. */
static void fetch_status(brk_broker *b, cJSON **status, bool *up)
{
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    brk_sync_admin(b, NULL, 0, "{\"op\":\"status\"}", STATUS_TIMEOUT_MS, a);
    for (uint32_t i = 0; i < n; i++) {
        status[i] = a[i].status == TN_OK ? cJSON_Parse(a[i].json) : NULL;
        up[i] = status[i] != NULL;
    }
    brk_answers_free(a, n);
    free(a);
}

static bool server_has(const brk_routing *r, const char *typed, uint32_t server)
{
    const brk_route_table *t = brk_routing_find(r, typed);
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        if (t->srvs[k].server == server)
            return true;
    return false;
}

/* Pushes what servers lack: every table to a server that just came up,
 * a missing table to any other. Returns whether anything was pushed. */
static bool push_missing(brk_sync *s, const brk_routing *r)
{
    brk_broker *b = s->b;
    uint32_t ntables;
    char **tables = brk_catalog_table_names(b->catalog, &ntables);
    bool pushed = false;
    for (uint32_t i = 0; i < r->nservers; i++) {
        if (!r->up[i])
            continue;
        for (uint32_t t = 0; t < ntables; t++) {
            if (s->was_up[i] && server_has(r, tables[t], i))
                continue;
            brk_answer a;
            if (push_to(b, tables[t], &i, 1, &a))
                brk_log(b, "pushing %s to %s failed: %s", tables[t], brk_server_name(b, i),
                        a.err);
            brk_answers_free(&a, 1);
            pushed = true;
        }
    }
    brk_names_free(tables, ntables);
    return pushed;
}

static void install(brk_sync *s, brk_routing *r)
{
    pthread_mutex_lock(&s->lock);
    brk_routing *old = s->current;
    s->current = r;
    pthread_mutex_unlock(&s->lock);
    brk_routing_unref(old);
}

/* A server that stopped answering keeps its last known status (marked
 * down): queries still count on its segments and report it as not
 * responding, rather than silently answering without its data. */
static void keep_last_known(brk_sync *s, cJSON **status, const bool *up)
{
    brk_routing *prev = brk_sync_routing(s);
    for (uint32_t i = 0; prev && i < prev->nservers; i++)
        if (!up[i] && !status[i] && prev->status[i])
            status[i] = cJSON_Duplicate(prev->status[i], true);
    brk_routing_unref(prev);
}

void brk_sync_refresh(brk_sync *s)
{
    brk_broker *b = s->b;
    uint32_t n = b->opts.nservers;
    cJSON **status = tn_calloc(n + 1, sizeof *status);
    bool *up = tn_calloc(n + 1, sizeof *up);
    pthread_mutex_lock(&s->refresh_lock);
    fetch_status(b, status, up);
    keep_last_known(s, status, up);
    brk_routing *r = brk_routing_build(n, status, up);
    if (push_missing(s, r)) {
        /* the pushed servers' status changed: route by their new one */
        brk_routing_unref(r);
        fetch_status(b, status, up);
        keep_last_known(s, status, up);
        r = brk_routing_build(n, status, up);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (s->was_up[i] && !up[i])
            brk_log(b, "server %s is not answering", brk_server_name(b, i));
        else if (!s->was_up[i] && up[i])
            brk_log(b, "server %s is up", brk_server_name(b, i));
        s->was_up[i] = up[i];
    }
    install(s, r);
    atomic_fetch_add_explicit(&b->metrics.routing_refreshes, 1, memory_order_relaxed);
    pthread_mutex_unlock(&s->refresh_lock);
    free(status);
    free(up);
}

brk_routing *brk_sync_routing(brk_sync *s)
{
    pthread_mutex_lock(&s->lock);
    brk_routing *r = brk_routing_ref(s->current);
    pthread_mutex_unlock(&s->lock);
    return r;
}

static void *refresher(void *arg)
{
    brk_sync *s = arg;
    int64_t period = s->b->opts.refresh_ms > 0 ? s->b->opts.refresh_ms : 1000;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += period / 1000;
        until.tv_nsec += (period % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000)
            until.tv_sec++, until.tv_nsec -= 1000000000;
        while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
            ;
        if (s->stop)
            break;
        pthread_mutex_unlock(&s->lock);
        brk_sync_refresh(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int brk_sync_start(brk_broker *b, brk_sync **out, char *err)
{
    brk_sync *s = tn_calloc(1, sizeof *s);
    s->b = b;
    s->was_up = tn_calloc(b->opts.nservers + 1, sizeof *s->was_up);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->refresh_lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    brk_sync_refresh(s);
    int rc = pthread_create(&s->thread, NULL, refresher, s);
    if (rc) {
        brk_sync_stop(s);
        return tn_err(err, TN_EIO, "cannot start the routing thread: %s", strerror(rc));
    }
    s->started = true;
    *out = s;
    return TN_OK;
}

void brk_sync_stop(brk_sync *s)
{
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    brk_routing_unref(s->current);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->refresh_lock);
    free(s->was_up);
    free(s);
}
