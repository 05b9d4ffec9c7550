/*
 * brk_auth_limit.c: what brk_auth counts and records: query quotas (token
 * buckets per user and per table, Pinot's quota.maxQueriesPerSecond),
 * connections per user, and the audit log (JSON lines, one per query or
 * admin call, rotated by size so it can never fill the disk).
 */
#include "brk_auth_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* ---- accounts ------------------------------------------------------------- */

brk_account *brk_account_get(brk_auth *a, const char *name)
{
    for (uint32_t i = 0; i < a->naccts; i++)
        if (!strcmp(a->accts[i].name, name))
            return &a->accts[i];
    a->accts = tn_realloc(a->accts, (a->naccts + 1) * sizeof *a->accts);
    brk_account *acct = &a->accts[a->naccts++];
    memset(acct, 0, sizeof *acct);
    acct->name = tn_strdup(name);
    return acct;
}

void brk_accounts_free(brk_auth *a)
{
    for (uint32_t i = 0; i < a->naccts; i++)
        free(a->accts[i].name);
    free(a->accts);
    for (uint32_t i = 0; i < a->nquotas; i++)
        free(a->quotas[i].table);
    free(a->quotas);
    for (uint32_t i = 0; i < a->ntokens; i++)
        free(a->tokens[i].user);
    free(a->tokens);
}

bool brk_auth_conn_acquire(brk_auth *a, brk_user *u)
{
    uint32_t max = u->max_conns ? u->max_conns : a->o.max_conns_per_user;
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, u->name);
    bool ok = acct->conns < max;
    acct->conns += ok;
    pthread_mutex_unlock(&a->count_lock);
    return ok;
}

void brk_auth_conn_release(brk_auth *a, brk_user *u)
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, u->name);
    if (acct->conns)
        acct->conns--;
    pthread_mutex_unlock(&a->count_lock);
}

/* ---- quotas ---------------------------------------------------------------- */

/* Takes one token if there is one. The bucket holds at most one second's
 * worth (at least one query), so a burst after a quiet spell is bounded
 * by the rate itself, as Pinot's per-second hit counter is. */
static bool bucket_take(brk_bucket *b, double rate, uint64_t now)
{
    double cap = rate < 1 ? 1 : rate;
    if (b->rate != rate || !b->last_ns) { /* new, or the quota changed */
        b->rate = rate;
        b->tokens = cap;
        b->last_ns = now;
    }
    b->tokens += (double)(now - b->last_ns) / 1e9 * rate;
    if (b->tokens > cap)
        b->tokens = cap;
    b->last_ns = now;
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

static brk_table_quota *find_quota(brk_auth *a, const char *table)
{
    for (uint32_t i = 0; i < a->nquotas; i++)
        if (!strcasecmp(a->quotas[i].table, table))
            return &a->quotas[i];
    return NULL;
}

void brk_auth_set_table_quota(brk_auth *a, const char *table, double qps)
{
    pthread_mutex_lock(&a->count_lock);
    brk_table_quota *q = find_quota(a, table);
    if (qps > 0 && !q) {
        a->quotas = tn_realloc(a->quotas, (a->nquotas + 1) * sizeof *a->quotas);
        q = &a->quotas[a->nquotas++];
        memset(q, 0, sizeof *q);
        q->table = tn_strdup(table);
    }
    if (qps > 0) {
        q->bucket.rate = qps;
        q->bucket.last_ns = 0; /* refilled at the new rate */
    } else if (q) {
        free(q->table);
        *q = a->quotas[--a->nquotas];
    }
    pthread_mutex_unlock(&a->count_lock);
}

bool brk_auth_admit(brk_auth *a, const brk_user *u, const char *table, char *err, size_t cap)
{
    uint64_t now = tn_mono_ns();
    bool ok = true;
    pthread_mutex_lock(&a->count_lock);
    if (u->qps > 0) {
        brk_account *acct = brk_account_get(a, u->name);
        ok = bucket_take(&acct->bucket, u->qps, now);
        if (!ok)
            snprintf(err, cap, "Request for user %s exceeds its query quota of %g queries per "
                     "second", u->name, u->qps);
    }
    brk_table_quota *q = ok && table ? find_quota(a, table) : NULL;
    if (q && !bucket_take(&q->bucket, q->bucket.rate, now)) {
        ok = false;
        snprintf(err, cap, "Request for table %s exceeds its quota.maxQueriesPerSecond of %g",
                 table, q->bucket.rate);
    }
    pthread_mutex_unlock(&a->count_lock);
    return ok;
}

/* ---- audit ----------------------------------------------------------------- */

int brk_audit_open(brk_auth *a, char *err)
{
    if (!a->audit_path)
        return 0;
    if (!a->o.audit_max_bytes)
        a->o.audit_max_bytes = 64ull << 20;
    if (!a->o.audit_keep)
        a->o.audit_keep = 5;
    a->audit_fd = open(a->audit_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (a->audit_fd < 0)
        return tn_err(err, TN_EIO, "cannot open the audit log %s: %s", a->audit_path,
                      strerror(errno));
    struct stat st;
    a->audit_size = fstat(a->audit_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

void brk_audit_close(brk_auth *a)
{
    if (a->audit_fd >= 0)
        close(a->audit_fd);
    a->audit_fd = -1;
}

/* path -> path.1 -> ... -> path.keep (dropped); a fresh path. Called with
 * audit_lock held. */
static void audit_rotate(brk_auth *a)
{
    size_t n = strlen(a->audit_path) + 16;
    char *from = tn_malloc(n), *to = tn_malloc(n);
    for (uint32_t k = a->o.audit_keep; k >= 1; k--) {
        snprintf(to, n, "%s.%u", a->audit_path, k);
        if (k == 1)
            snprintf(from, n, "%s", a->audit_path);
        else
            snprintf(from, n, "%s.%u", a->audit_path, k - 1);
        rename(from, to); /* a missing one is fine */
    }
    free(from);
    free(to);
    close(a->audit_fd);
    a->audit_fd = open(a->audit_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    a->audit_size = 0;
}

static void add_str(cJSON *o, const char *key, const char *v, size_t max)
{
    if (!v)
        return;
    char buf[260];
    snprintf(buf, TN_MIN(sizeof buf, max + 1), "%s", v);
    cJSON_AddStringToObject(o, key, buf);
}

static char *audit_line(const brk_audit_rec *r)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t k = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + k, sizeof when - k, ".%03ldZ", ts.tv_nsec / 1000000);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "time", when);
    add_str(o, "user", r->user, 64);
    add_str(o, "endpoint", r->endpoint, 16);
    add_str(o, "client", r->client, 64);
    add_str(o, "action", r->action, 256);
    add_str(o, "table", r->table, 256);
    cJSON_AddNumberToObject(o, "status", r->status);
    cJSON_AddNumberToObject(o, "ms", (double)r->ms);
    add_str(o, "detail", r->detail, 256);
    add_str(o, "sql", r->sql, 256);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

void brk_audit(brk_auth *a, const brk_audit_rec *r)
{
    if (!a || !a->audit_path)
        return;
    char *line = audit_line(r);
    size_t n = strlen(line);
    line[n++] = '\n'; /* over the NUL: written by length */
    pthread_mutex_lock(&a->audit_lock);
    if (a->audit_fd >= 0 && a->audit_size + n > a->o.audit_max_bytes)
        audit_rotate(a);
    ssize_t w = a->audit_fd >= 0 ? write(a->audit_fd, line, n) : -1;
    if (w == (ssize_t)n) {
        a->audit_size += n;
    } else if (a->audit_failures++ == 0) {
        fprintf(stderr, "auth: cannot write the audit log %s: %s (reported once)\n",
                a->audit_path, w < 0 ? strerror(errno) : "short write");
    }
    pthread_mutex_unlock(&a->audit_lock);
    free(line);
}
