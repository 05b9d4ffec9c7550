/*
 * srv_node.c: a server's tables and their lifecycle: open (configs and
 * sealed segments from the store, consumers started at their committed
 * offsets), put/drop, snapshots, consumption control and close.
 *
 * A table's config and schema are kept in the store as one document
 * "table/<name_with_type>" = {"schema", "config", "assignIndex",
 * "assignCount", "incarnation", "paused"}.
 */
#include "srv_node_int.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv_offline.h"
#include "srv_transform.h"

#define DOC_PREFIX "table/"
#define COMMIT_TIMEOUT_MS 10000

/* ---- lookup --------------------------------------------------------- */

static int find_locked(srv_node *n, const char *name, node_prefer prefer)
{
    for (uint32_t i = 0; i < n->ntables; i++)
        if (!strcmp(n->tables[i].t->name_wt, name))
            return (int)i;
    int hit = -1, hits = 0;
    for (uint32_t i = 0; i < n->ntables; i++) {
        const srv_table *t = n->tables[i].t;
        if (strcasecmp(t->name_wt, name) && strcasecmp(t->raw_name, name))
            continue;
        if (hits++ == 0 || (prefer == PREFER_REALTIME && t->realtime) ||
            (prefer == PREFER_OFFLINE && !t->realtime))
            hit = (int)i;
    }
    return hits > 1 && prefer == PREFER_NONE ? -2 : hit;
}

int srv_node_find(srv_node *n, const char *name, node_prefer prefer, srv_table **out,
                  char *err)
{
    pthread_mutex_lock(&n->tlock);
    int i = name ? find_locked(n, name, prefer) : -1;
    if (i >= 0)
        *out = srv_table_acquire(n->tables[i].t);
    pthread_mutex_unlock(&n->tlock);
    if (i == -2)
        return tn_err(err, TN_EINVAL,
                      "table %s is hybrid: name the type (%s_OFFLINE or %s_REALTIME)", name,
                      name, name);
    if (i < 0)
        return tn_err(err, TN_ENOTFOUND, "table %s does not exist", name ? name : "(null)");
    return TN_OK;
}

srv_table **srv_node_tables(srv_node *n, uint32_t *count)
{
    pthread_mutex_lock(&n->tlock);
    srv_table **ts = tn_calloc(n->ntables + 1, sizeof *ts);
    for (uint32_t i = 0; i < n->ntables; i++)
        ts[i] = srv_table_acquire(n->tables[i].t);
    *count = n->ntables;
    pthread_mutex_unlock(&n->tlock);
    return ts;
}

void srv_node_tables_free(srv_table **ts, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        srv_table_release(ts[i]);
    free(ts);
}

/* ---- table definitions ---------------------------------------------- */

typedef struct table_def {
    seg_schema *schema;
    srv_table_config *cfg;
} table_def;

static void def_free(table_def *d)
{
    seg_schema_free(d->schema);
    srv_table_config_free(d->cfg);
    memset(d, 0, sizeof *d);
}

/* Parses and checks a schema and a table config together, compiling the
 * transforms and filter once so their errors surface now. */
static int def_parse(srv_node *n, const char *schema_json, const char *table_json,
                     table_def *d, char *err)
{
    char e2[TN_ERRLEN];
    memset(d, 0, sizeof *d);
    int rc = seg_schema_parse(schema_json, strlen(schema_json), &d->schema, e2);
    if (rc) {
        tn_err(err, rc, "schema: %s", e2);
        return rc;
    }
    if ((rc = srv_table_config_parse(table_json, strlen(table_json), &d->cfg, err)) ||
        (rc = srv_table_config_check(d->cfg, d->schema, err)))
        goto fail;
    srv_rowproc *p;
    if ((rc = srv_rowproc_create(d->cfg, d->schema, &p, e2))) {
        tn_err(err, rc, "table config: %s", e2);
        goto fail;
    }
    srv_rowproc_free(p);
    for (uint32_t i = 0; d->cfg->realtime && !n->kafka_brokers && i < d->cfg->nstreams; i++) {
        if (srv_table_stream(d->cfg, i)->brokers)
            continue;
        if (d->cfg->nstreams == 1)
            rc = tn_err(err, TN_EINVAL, "table config: 'stream.kafka.broker.list' is missing "
                        "(and the server has no --kafka)");
        else
            rc = tn_err(err, TN_EINVAL, "table config: streamConfigMaps[%u]: "
                        "'stream.kafka.broker.list' is missing (and the server has no --kafka)", i);
        goto fail;
    }
    return TN_OK;
fail:
    def_free(d);
    return rc;
}

/* A new schema may add columns; a column it keeps keeps its type. */
static int check_evolution(const seg_schema *old, const seg_schema *s, char *err)
{
    for (uint32_t i = 0; i < old->nfields; i++) {
        const seg_field *f = &old->fields[i];
        int k = seg_schema_find(s, f->name);
        if (k < 0)
            continue;
        const seg_field *g = &s->fields[k];
        if (g->type != f->type || g->single_value != f->single_value)
            return tn_err(err, TN_EINVAL,
                          "schema: column '%s' changes from %s%s to %s%s; a column's type "
                          "cannot change", f->name, seg_type_name(f->type),
                          f->single_value ? "" : " (multi-value)", seg_type_name(g->type),
                          g->single_value ? "" : " (multi-value)");
    }
    return TN_OK;
}

static int save_doc(srv_node *n, const srv_table *t, char *err)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "schema", cJSON_Parse(t->schema->json));
    cJSON_AddItemToObject(doc, "config", cJSON_Parse(t->cfg->json));
    cJSON_AddNumberToObject(doc, "assignIndex", t->assign_index);
    cJSON_AddNumberToObject(doc, "assignCount", t->assign_count);
    char inc[32];
    snprintf(inc, sizeof inc, "%lld", (long long)t->incarnation);
    cJSON_AddStringToObject(doc, "incarnation", inc);
    cJSON_AddBoolToObject(doc, "paused", t->paused);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    char key[512];
    snprintf(key, sizeof key, DOC_PREFIX "%s", t->cfg->name_with_type);
    int rc = seg_store_put_doc(n->store, key, text, strlen(text), err);
    cJSON_free(text);
    return rc;
}

/* ---- starting and stopping consumers -------------------------------- */

static void start_runtime(srv_node *n, node_table *e)
{
    if (e->t->realtime && !e->rt)
        e->rt = srv_realtime_start(&n->cctx, e->t);
}

/* Stops the consumers, lets a seal in progress finish, forgets queued
 * seals and the consuming segments: their rows are not committed, so the
 * next consumers read them again from the committed offsets. */
static void stop_runtime(srv_node *n, node_table *e)
{
    srv_realtime_stop(e->rt);
    e->rt = NULL;
    srv_sealer_cancel_table(n->sealer, e->t);
    srv_table_drop_consuming(e->t);
}

/* ---- put ------------------------------------------------------------ */

static bool same_def(const srv_table *t, const table_def *d, uint32_t ai, uint32_t ac)
{
    char *sj = seg_schema_to_json(d->schema);
    bool same = !strcmp(sj, t->schema->json) && !strcmp(d->cfg->json, t->cfg->json) &&
                t->assign_index == ai && t->assign_count == ac;
    free(sj);
    return same;
}

static int replace_def(srv_node *n, node_table *e, table_def *d, uint32_t ai, uint32_t ac,
                       char *err)
{
    srv_table *t = e->t;
    int rc = check_evolution(t->schema->schema, d->schema, err);
    if (rc)
        return rc;
    stop_runtime(n, e);
    pthread_mutex_lock(&t->ingest_lock); /* an upload reads cfg and schema unlocked */
    pthread_mutex_lock(&t->lock);
    srv_table_config *old_cfg = t->cfg;
    srv_schema *old_schema = t->schema;
    t->cfg = d->cfg;
    t->schema = srv_schema_new(d->schema);
    t->assign_index = ai;
    t->assign_count = ac;
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_unlock(&t->ingest_lock);
    d->cfg = NULL;
    d->schema = NULL;
    srv_table_config_free(old_cfg); /* its readers (consumers, uploads) are done */
    srv_schema_release(old_schema);
    rc = save_doc(n, t, err);
    start_runtime(n, e);
    return rc;
}

static int add_table(srv_node *n, table_def *d, uint32_t ai, uint32_t ac, char *err)
{
    srv_table *t = srv_table_new(d->cfg, srv_schema_new(d->schema), ai, ac, tn_now_ms(),
                                 &n->log);
    d->cfg = NULL;
    d->schema = NULL;
    int rc = save_doc(n, t, err);
    if (rc) {
        srv_table_release(t);
        return rc;
    }
    pthread_mutex_lock(&n->tlock);
    n->tables = tn_realloc(n->tables, (n->ntables + 1) * sizeof *n->tables);
    node_table *e = &n->tables[n->ntables++];
    *e = (node_table){.t = t};
    pthread_mutex_unlock(&n->tlock);
    start_runtime(n, e);
    return TN_OK;
}

int srv_node_put_table(srv_node *n, const char *schema_json, const char *table_json,
                       uint32_t assign_index, uint32_t assign_count, char *err)
{
    if (!schema_json || !table_json)
        return tn_err(err, TN_EINVAL, "a table needs a schema and a table config");
    if (assign_count == 0)
        assign_count = 1;
    if (assign_index >= assign_count)
        return tn_err(err, TN_EINVAL, "assignIndex %u is not below assignCount %u",
                      assign_index, assign_count);
    table_def d;
    int rc = def_parse(n, schema_json, table_json, &d, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&n->admin);
    pthread_mutex_lock(&n->tlock);
    int i = find_locked(n, d.cfg->name_with_type, PREFER_NONE);
    node_table *e = i >= 0 && !strcmp(n->tables[i].t->name_wt, d.cfg->name_with_type)
                        ? &n->tables[i] : NULL;
    pthread_mutex_unlock(&n->tlock);
    if (e && same_def(e->t, &d, assign_index, assign_count))
        rc = TN_OK;
    else if (e)
        rc = replace_def(n, e, &d, assign_index, assign_count, err);
    else
        rc = add_table(n, &d, assign_index, assign_count, err);
    pthread_mutex_unlock(&n->admin);
    def_free(&d);
    return rc;
}

/* ---- drop ----------------------------------------------------------- */

static void delete_stored(srv_node *n, srv_table *t)
{
    char err[TN_ERRLEN];
    seg_meta *list;
    uint32_t count;
    if (seg_store_list(n->store, t->cfg->name_with_type, &list, &count, err)) {
        srv_log(&n->log, "tannin: dropping %s: %s", t->cfg->name_with_type, err);
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        int rc = seg_store_delete(n->store, list[i].name, err);
        if (rc && rc != TN_ENOTFOUND)
            srv_log(&n->log, "tannin: dropping %s: %s", t->cfg->name_with_type, err);
        if (t->cfg->realtime && list[i].partition >= 0) {
            char src[512];
            srv_table_source(t, list[i].partition, src, sizeof src);
            seg_store_del_position(n->store, src, err);
        }
    }
    seg_store_list_free(list, count);
}

int srv_node_drop_table(srv_node *n, const char *table, char *err)
{
    pthread_mutex_lock(&n->admin);
    pthread_mutex_lock(&n->tlock);
    int i = table ? find_locked(n, table, PREFER_NONE) : -1;
    node_table e = {0};
    if (i >= 0) {
        e = n->tables[i];
        n->tables[i] = n->tables[--n->ntables];
    }
    pthread_mutex_unlock(&n->tlock);
    if (i < 0) {
        pthread_mutex_unlock(&n->admin);
        return i == -2 ? tn_err(err, TN_EINVAL, "table %s is hybrid: name the type", table)
                       : tn_err(err, TN_ENOTFOUND, "table %s does not exist",
                                table ? table : "(null)");
    }
    stop_runtime(n, &e);
    pthread_mutex_lock(&e.t->ingest_lock); /* an upload in progress finishes first */
    pthread_mutex_unlock(&e.t->ingest_lock);
    char key[512];
    snprintf(key, sizeof key, DOC_PREFIX "%s", e.t->cfg->name_with_type);
    int rc = seg_store_del_doc(n->store, key, err);
    delete_stored(n, e.t);
    srv_table_release(e.t);
    pthread_mutex_unlock(&n->admin);
    return rc == TN_ENOTFOUND ? TN_OK : rc;
}

/* ---- snapshots and control ------------------------------------------ */

int srv_node_snapshot(srv_node *n, const char *table, const char *const *names,
                      uint32_t nnames, srv_snapshot *out, char *err)
{
    srv_table *t;
    memset(out, 0, sizeof *out);
    int rc = srv_node_find(n, table, PREFER_NONE, &t, err);
    if (rc)
        return rc;
    rc = srv_table_snapshot(t, names, nnames, out);
    srv_table_release(t);
    return rc;
}

static int realtime_table(srv_node *n, const char *table, srv_table **t, char *err)
{
    int rc = srv_node_find(n, table, PREFER_REALTIME, t, err);
    if (!rc && !(*t)->realtime) {
        rc = tn_err(err, TN_EINVAL, "table %s is not a REALTIME table", (*t)->name_wt);
        srv_table_release(*t);
    }
    return rc;
}

int srv_consume_from_parse(const char *s, srv_consume_from *out)
{
    if (!s || !strcasecmp(s, "lastConsumed"))
        *out = SRV_FROM_LAST;
    else if (!strcasecmp(s, "smallest"))
        *out = SRV_FROM_SMALLEST;
    else if (!strcasecmp(s, "largest"))
        *out = SRV_FROM_LARGEST;
    else
        return -1;
    return 0;
}

int srv_node_pause(srv_node *n, const char *table, bool pause, srv_consume_from from,
                   char *err)
{
    srv_table *t;
    pthread_mutex_lock(&n->admin);
    int rc = realtime_table(n, table, &t, err);
    if (!rc) {
        pthread_mutex_lock(&t->lock);
        t->paused = pause;
        for (uint32_t i = 0; i < t->nparts; i++) {
            if (!pause && from != SRV_FROM_LAST)
                srv_consumer_reset(t->parts[i], from);
            srv_consumer_pause(t->parts[i], pause);
        }
        pthread_mutex_unlock(&t->lock);
        rc = save_doc(n, t, err);
        srv_table_release(t);
    }
    pthread_mutex_unlock(&n->admin);
    return rc;
}

int srv_node_force_commit(srv_node *n, const char *table, char *err)
{
    srv_table *t;
    pthread_mutex_lock(&n->admin); /* keeps the consumers from being stopped meanwhile */
    int rc = realtime_table(n, table, &t, err);
    if (!rc) {
        pthread_mutex_lock(&t->lock);
        uint32_t np = t->nparts;
        srv_consumer **parts = tn_calloc(np + 1, sizeof *parts);
        memcpy(parts, t->parts, np * sizeof *parts);
        pthread_mutex_unlock(&t->lock);
        for (uint32_t i = 0; i < np && !rc; i++)
            if (!srv_consumer_force_commit(parts[i], COMMIT_TIMEOUT_MS))
                rc = tn_err(err, TN_EIO, "table %s partition %d did not roll its segment "
                            "within %d s", t->cfg->name_with_type,
                            srv_consumer_partition(parts[i]), COMMIT_TIMEOUT_MS / 1000);
        free(parts);
        srv_table_release(t);
    }
    pthread_mutex_unlock(&n->admin);
    return rc;
}

bool srv_node_wait_sealed(srv_node *n, const char *table, int64_t timeout_ms)
{
    srv_table *t;
    char err[TN_ERRLEN];
    if (srv_node_find(n, table, PREFER_REALTIME, &t, err))
        return false;
    bool ok = srv_sealer_wait_table(n->sealer, t, timeout_ms);
    srv_table_release(t);
    return ok;
}

int srv_node_delete_segment(srv_node *n, const char *table, const char *segment, char *err)
{
    srv_table *t;
    int rc = srv_node_find(n, table, PREFER_NONE, &t, err);
    if (rc)
        return rc;
    bool consuming;
    seg_segment *s = segment ? srv_table_remove_named(t, segment, &consuming) : NULL;
    if (!s) {
        rc = consuming ? tn_err(err, TN_EINVAL,
                                "segment %s is consuming; force-commit the table first", segment)
                       : tn_err(err, TN_ENOTFOUND, "segment %s is not in table %s",
                                segment ? segment : "(null)", t->name_wt);
    } else {
        rc = seg_store_delete(n->store, segment, err);
        seg_segment_release(s);
    }
    srv_table_release(t);
    return rc;
}

int srv_node_ingest(srv_node *n, const char *table, const char *batch_config_json,
                    const char *data, size_t len, char **result_json, char *err)
{
    srv_table *t;
    *result_json = NULL;
    int rc = srv_node_find(n, table, PREFER_OFFLINE, &t, err);
    if (rc)
        return rc;
    if (t->realtime)
        rc = tn_err(err, TN_EINVAL, "table %s is REALTIME; files are ingested into OFFLINE "
                    "tables", t->name_wt);
    else
        rc = srv_offline_ingest(t, n->store, batch_config_json, data, len, result_json, err);
    srv_table_release(t);
    return rc;
}

bool srv_node_time_column(srv_node *n, const char *table, char *buf, size_t cap)
{
    srv_table *t;
    char err[TN_ERRLEN];
    if (srv_node_find(n, table, PREFER_NONE, &t, err))
        return false;
    pthread_mutex_lock(&t->lock);
    bool ok = t->cfg->time_column != NULL;
    if (ok)
        snprintf(buf, cap, "%s", t->cfg->time_column);
    pthread_mutex_unlock(&t->lock);
    srv_table_release(t);
    return ok;
}

/* ---- open and close ------------------------------------------------- */

static int64_t doc_int(const cJSON *doc, const char *key, int64_t def)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (cJSON_IsNumber(j))
        return (int64_t)j->valuedouble;
    if (cJSON_IsString(j))
        return strtoll(j->valuestring, NULL, 10);
    return def;
}

/* Re-creates a table from its stored document. */
static int load_table(srv_node *n, const char *key, char *err)
{
    char *text;
    size_t len;
    int rc = seg_store_get_doc(n->store, key, &text, &len, err);
    if (rc)
        return rc;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    char *sj = doc ? cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "schema")) : NULL;
    char *cj = doc ? cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "config")) : NULL;
    table_def d;
    rc = sj && cj ? def_parse(n, sj, cj, &d, err)
                  : tn_err(err, TN_ECORRUPT, "stored document %s is not a table definition", key);
    if (!rc) {
        srv_table *t = srv_table_new(d.cfg, srv_schema_new(d.schema),
                                     (uint32_t)doc_int(doc, "assignIndex", 0),
                                     (uint32_t)doc_int(doc, "assignCount", 1),
                                     doc_int(doc, "incarnation", 0), &n->log);
        t->paused = cJSON_IsTrue(cJSON_GetObjectItem(doc, "paused"));
        n->tables = tn_realloc(n->tables, (n->ntables + 1) * sizeof *n->tables);
        n->tables[n->ntables++] = (node_table){.t = t};
    }
    cJSON_free(sj);
    cJSON_free(cj);
    cJSON_Delete(doc);
    return rc;
}

static int load_tables(srv_node *n, char *err)
{
    char **keys;
    uint32_t count;
    int rc = seg_store_list_docs(n->store, DOC_PREFIX, &keys, &count, err);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        char e2[TN_ERRLEN];
        if (load_table(n, keys[i], e2)) /* one bad table must not keep the others down */
            srv_log(&n->log, "tannin: cannot load %s: %s", keys[i], e2);
        free(keys[i]);
    }
    free(keys);
    return TN_OK;
}

/* OFFLINE names end in _<seq>; the next upload continues after the last. */
static void note_offline_seq(srv_table *t, const char *name)
{
    const char *u = strrchr(name, '_');
    char *end;
    long long v = u ? strtoll(u + 1, &end, 10) : -1;
    if (u && *end == 0 && v >= 0 && v + 1 > t->next_offline_seq)
        t->next_offline_seq = (uint32_t)(v + 1);
}

static int load_segments(srv_node *n, char *err)
{
    seg_meta *list;
    uint32_t count;
    int rc = seg_store_list(n->store, NULL, &list, &count, err);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        int k = find_locked(n, list[i].table, PREFER_NONE);
        if (k < 0 || strcmp(n->tables[k].t->name_wt, list[i].table)) {
            srv_log(&n->log, "tannin: segment %s belongs to no table here (%s); left in place",
                    list[i].name, list[i].table);
            continue;
        }
        seg_segment *s;
        char e2[TN_ERRLEN];
        if (seg_store_load(n->store, list[i].name, &s, e2)) {
            srv_log(&n->log, "tannin: cannot load segment %s: %s", list[i].name, e2);
            continue;
        }
        srv_table_add_segment(n->tables[k].t, s);
        if (!n->tables[k].t->realtime)
            note_offline_seq(n->tables[k].t, list[i].name);
    }
    seg_store_list_free(list, count);
    return TN_OK;
}

static void node_free(srv_node *n)
{
    for (uint32_t i = 0; i < n->ntables; i++)
        srv_table_release(n->tables[i].t);
    free(n->tables);
    if (n->store)
        seg_store_close(n->store);
    pthread_mutex_destroy(&n->admin);
    pthread_mutex_destroy(&n->tlock);
    pthread_mutex_destroy(&n->mlock);
    pthread_cond_destroy(&n->mcond);
    srv_rate_destroy(&n->server_rate);
    free(n->name);
    free(n->kafka_brokers);
    free(n);
}

int srv_node_open(const srv_node_opts *o, srv_node **out, char *err)
{
    if (!o || !o->data_dir)
        return tn_err(err, TN_EINVAL, "srv_node_open: no data directory");
    srv_node *n = tn_calloc(1, sizeof *n);
    n->name = tn_strdup(o->name ? o->name : "Server_tannin");
    n->kafka_brokers = o->kafka_brokers && *o->kafka_brokers ? tn_strdup(o->kafka_brokers) : NULL;
    n->log = (srv_log_sink){.fn = o->log, .ctx = o->log_ctx};
    n->retention_check_ms = o->retention_check_ms > 0 ? o->retention_check_ms : 5000;
    pthread_mutex_init(&n->admin, NULL);
    pthread_mutex_init(&n->tlock, NULL);
    pthread_mutex_init(&n->mlock, NULL);
    pthread_cond_init(&n->mcond, NULL);
    srv_rate_init(&n->server_rate, o->consumption_rate_limit);
    seg_store_opts so = {.no_sync = o->no_sync};
    int rc = seg_store_open(o->data_dir, &so, &n->store, err);
    if (!rc)
        rc = load_tables(n, err);
    if (!rc)
        rc = load_segments(n, err);
    if (rc) {
        node_free(n);
        return rc;
    }
    n->sealer = srv_sealer_start(n->store, &n->log);
    n->cctx = (srv_consumer_ctx){.store = n->store, .sealer = n->sealer,
                                 .kafka_brokers = n->kafka_brokers, .log = &n->log,
                                 .server_rate = o->consumption_rate_limit > 0 ? &n->server_rate
                                                                              : NULL};
    for (uint32_t i = 0; i < n->ntables; i++)
        start_runtime(n, &n->tables[i]);
    srv_maint_start(n);
    *out = n;
    return TN_OK;
}

void srv_node_close(srv_node *n)
{
    if (!n)
        return;
    srv_maint_stop(n);
    for (uint32_t i = 0; i < n->ntables; i++) {
        srv_realtime_stop(n->tables[i].rt);
        n->tables[i].rt = NULL;
    }
    srv_sealer_stop(n->sealer); /* queued seals are abandoned: consumed again at restart */
    node_free(n);
}
