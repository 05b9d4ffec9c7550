/*
 * brk_catalog.c: schemas, table configs, pause flags and table states,
 * durable in LMDB (documents "schema/<name>", "table/<typed name>",
 * "pause/<typed name>", "state/<typed name>") and mirrored in memory behind
 * a read-write lock; reload job records ("job/<id>") live in LMDB only.
 */
#include "brk_catalog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "seg_store.h"

#define NAME_MAX_LEN 200

typedef struct cat_schema {
    atomic_int refs;          /* the catalog's own + one per resolved query */
    char *name;
    char *json;               /* as the user gave it */
    seg_schema *schema;
} cat_schema;

typedef struct cat_table {
    char *typed, *raw;
    brk_table_type type;
    char *json;               /* tableName rewritten to the typed name */
    char *schema_name;
    char *time_column;        /* NULL when none */
    bool hourly;
    bool paused;
    bool disabled;            /* PUT /tables/{t}/state?state=disable */
} cat_table;

struct brk_catalog {
    seg_store *store;
    pthread_rwlock_t lock;
    cat_schema **schemas;
    uint32_t nschemas, schema_cap;
    cat_table *tables;
    uint32_t ntables, table_cap;
};

const char *brk_table_type_name(brk_table_type t)
{
    return t == BRK_REALTIME ? "REALTIME" : "OFFLINE";
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n > k && strcasecmp(s + n - k, suf) == 0;
}

bool brk_table_split(const char *name, char *raw, size_t cap, brk_table_type *type)
{
    size_t n = strlen(name);
    size_t keep = n;
    bool typed = false;
    if (has_suffix(name, n, "_OFFLINE")) {
        keep = n - 8, typed = true, *type = BRK_OFFLINE;
    } else if (has_suffix(name, n, "_REALTIME")) {
        keep = n - 9, typed = true, *type = BRK_REALTIME;
    }
    snprintf(raw, cap, "%.*s", (int)keep, name);
    return typed;
}

/* Pinot names: non-empty, no "__" (segment names use it as a separator),
 * nothing that breaks a URL path or a document key. */
static int check_name(const char *what, const char *name, char *err)
{
    if (!name || !*name)
        return tn_err(err, TN_EINVAL, "%s name is empty", what);
    if (strlen(name) > NAME_MAX_LEN)
        return tn_err(err, TN_EINVAL, "%s name is longer than %d characters", what, NAME_MAX_LEN);
    if (strstr(name, "__"))
        return tn_err(err, TN_EINVAL, "%s name '%s' contains '__'", what, name);
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == ' ' || *p == '\t' || *p == '?' || *p == '#' || *p == '%' ||
            (unsigned char)*p < 0x20)
            return tn_err(err, TN_EINVAL, "%s name '%s' contains the character '%c'", what,
                          name, *p >= 0x20 ? *p : '?');
    return TN_OK;
}

/* ---- in-memory entries ------------------------------------------------- */

static void schema_unref(cat_schema *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        seg_schema_free(s->schema);
        free(s->name);
        free(s->json);
        free(s);
    }
}

static void table_clear(cat_table *t)
{
    free(t->typed);
    free(t->raw);
    free(t->json);
    free(t->schema_name);
    free(t->time_column);
    memset(t, 0, sizeof *t);
}

static int find_schema(const brk_catalog *c, const char *name)
{
    for (uint32_t i = 0; i < c->nschemas; i++)
        if (!strcasecmp(c->schemas[i]->name, name))
            return (int)i;
    return -1;
}

static int find_table(const brk_catalog *c, const char *typed)
{
    for (uint32_t i = 0; i < c->ntables; i++)
        if (!strcasecmp(c->tables[i].typed, typed))
            return (int)i;
    return -1;
}

/* Parses schema JSON into a new entry (not yet in the catalog). */
static int schema_build(const char *json, size_t len, cat_schema **out, char *err)
{
    seg_schema *s;
    char perr[TN_ERRLEN];
    if (seg_schema_parse(json, len, &s, perr))
        return tn_err(err, TN_EINVAL, "Invalid schema: %s", perr);
    int rc = check_name("schema", s->name, err);
    if (rc) {
        seg_schema_free(s);
        return rc;
    }
    cat_schema *e = tn_calloc(1, sizeof *e);
    atomic_init(&e->refs, 1);
    e->name = tn_strdup(s->name);
    e->json = tn_strndup(json, len);
    e->schema = s;
    *out = e;
    return TN_OK;
}

/* Replaces or appends e (the catalog takes its reference). */
static void schema_install(brk_catalog *c, cat_schema *e)
{
    int i = find_schema(c, e->name);
    if (i >= 0) {
        schema_unref(c->schemas[i]);
        c->schemas[i] = e;
        return;
    }
    if (c->nschemas == c->schema_cap) {
        c->schema_cap = c->schema_cap ? c->schema_cap * 2 : 8;
        c->schemas = tn_realloc(c->schemas, c->schema_cap * sizeof *c->schemas);
    }
    c->schemas[c->nschemas++] = e;
}

static const cJSON *obj_get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *obj_str(const cJSON *o, const char *key)
{
    const cJSON *v = obj_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool has_stream_config(const cJSON *cfg)
{
    const cJSON *legacy = obj_get(obj_get(cfg, "tableIndexConfig"), "streamConfigs");
    if (cJSON_IsObject(legacy) && legacy->child)
        return true;
    const cJSON *maps = obj_get(obj_get(obj_get(cfg, "ingestionConfig"), "streamIngestionConfig"),
                                "streamConfigMaps");
    return cJSON_IsArray(maps) && cJSON_IsObject(cJSON_GetArrayItem(maps, 0));
}

static bool is_hourly(const cJSON *cfg)
{
    const char *f = obj_str(obj_get(obj_get(cfg, "ingestionConfig"), "batchIngestionConfig"),
                            "segmentIngestionFrequency");
    if (!f)
        f = obj_str(obj_get(cfg, "segmentsConfig"), "segmentPushFrequency");
    return f && !strcasecmp(f, "HOURLY");
}

/* Reads the identity of a table config: typed name, type, raw name. */
static int table_identity(const cJSON *cfg, cat_table *t, char *err)
{
    const char *name = obj_str(cfg, "tableName");
    const char *type = obj_str(cfg, "tableType");
    if (!name)
        return tn_err(err, TN_EINVAL, "Invalid table config: 'tableName' is missing or not a string");
    if (!type)
        return tn_err(err, TN_EINVAL, "Invalid table config: 'tableType' is missing or not a string");
    if (!strcasecmp(type, "OFFLINE"))
        t->type = BRK_OFFLINE;
    else if (!strcasecmp(type, "REALTIME"))
        t->type = BRK_REALTIME;
    else
        return tn_err(err, TN_EINVAL, "Invalid table config: tableType '%s' is not OFFLINE or "
                      "REALTIME", type);
    char raw[NAME_MAX_LEN + 16];
    brk_table_type suffix;
    if (strlen(name) > NAME_MAX_LEN + 9)
        return tn_err(err, TN_EINVAL, "Invalid table config: table name is too long");
    if (brk_table_split(name, raw, sizeof raw, &suffix) && suffix != t->type)
        return tn_err(err, TN_EINVAL, "Invalid table config: table name '%s' does not match "
                      "tableType %s", name, type);
    int rc = check_name("table", raw, err);
    if (rc)
        return rc;
    t->raw = tn_strdup(raw);
    char typed[sizeof raw + 16];
    snprintf(typed, sizeof typed, "%s_%s", raw, brk_table_type_name(t->type));
    t->typed = tn_strdup(typed);
    return TN_OK;
}

/* Checks a table config against the catalog's schemas (read lock held)
 * and fills t. cfg's tableName is rewritten to the typed name. */
static int table_build(brk_catalog *c, cJSON *cfg, cat_table *t, char *err)
{
    memset(t, 0, sizeof *t);
    int rc = table_identity(cfg, t, err);
    if (rc)
        return rc;
    const cJSON *seg = obj_get(cfg, "segmentsConfig");
    const char *sname = obj_str(seg, "schemaName");
    t->schema_name = tn_strdup(sname ? sname : t->raw);
    int si = find_schema(c, t->schema_name);
    if (si < 0) {
        rc = tn_err(err, TN_EINVAL, "Invalid table config for table %s: schema %s does not exist",
                    t->typed, t->schema_name);
        goto fail;
    }
    const char *tc = obj_str(seg, "timeColumnName");
    if (tc && *tc) {
        if (seg_schema_find(c->schemas[si]->schema, tc) < 0) {
            rc = tn_err(err, TN_EINVAL, "Invalid table config for table %s: time column %s is "
                        "not in schema %s", t->typed, tc, t->schema_name);
            goto fail;
        }
        t->time_column = tn_strdup(tc);
    }
    if (t->type == BRK_REALTIME && !has_stream_config(cfg)) {
        rc = tn_err(err, TN_EINVAL, "Invalid table config for table %s: a REALTIME table needs "
                    "tableIndexConfig.streamConfigs or ingestionConfig.streamIngestionConfig."
                    "streamConfigMaps", t->typed);
        goto fail;
    }
    t->hourly = is_hourly(cfg);
    cJSON_ReplaceItemInObjectCaseSensitive(cfg, "tableName", cJSON_CreateString(t->typed));
    t->json = cJSON_PrintUnformatted(cfg);
    return TN_OK;
fail:
    table_clear(t);
    return rc;
}

static void table_install(brk_catalog *c, cat_table *t)
{
    if (c->ntables == c->table_cap) {
        c->table_cap = c->table_cap ? c->table_cap * 2 : 8;
        c->tables = tn_realloc(c->tables, c->table_cap * sizeof *c->tables);
    }
    c->tables[c->ntables++] = *t;
}

/* ---- open / load ------------------------------------------------------- */

static void note(char *warn, size_t cap, const char *fmt, const char *key, const char *why)
{
    if (!warn || !cap)
        return;
    size_t n = strlen(warn);
    if (n + 2 < cap)
        snprintf(warn + n, cap - n, fmt, key, why);
}

/* Loads every document under prefix and hands it to fn. */
static int load_docs(brk_catalog *c, const char *prefix,
                     void (*fn)(brk_catalog *, const char *key, char *doc, size_t len,
                                char *warn, size_t cap),
                     char *warn, size_t cap, char *err)
{
    char **keys;
    uint32_t n;
    int rc = seg_store_list_docs(c->store, prefix, &keys, &n, err);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        char *doc;
        size_t len;
        char derr[TN_ERRLEN];
        if (seg_store_get_doc(c->store, keys[i], &doc, &len, derr) == 0) {
            fn(c, keys[i], doc, len, warn, cap);
            free(doc);
        } else {
            note(warn, cap, "catalog document %s unreadable (%s); ", keys[i], derr);
        }
        free(keys[i]);
    }
    free(keys);
    return TN_OK;
}

static void load_schema(brk_catalog *c, const char *key, char *doc, size_t len, char *warn,
                        size_t cap)
{
    cat_schema *e = NULL;
    char e2[TN_ERRLEN];
    if (schema_build(doc, len, &e, e2))
        note(warn, cap, "catalog schema %s skipped: %s; ", key, e2);
    else
        schema_install(c, e);
}

static void load_table(brk_catalog *c, const char *key, char *doc, size_t len, char *warn,
                       size_t cap)
{
    cJSON *cfg = cJSON_ParseWithLength(doc, len);
    cat_table t;
    char e2[TN_ERRLEN];
    if (!cfg)
        note(warn, cap, "catalog table %s skipped: %s; ", key, "not JSON");
    else if (table_build(c, cfg, &t, e2))
        note(warn, cap, "catalog table %s skipped: %s; ", key, e2);
    else
        table_install(c, &t);
    cJSON_Delete(cfg);
}

static void load_pause(brk_catalog *c, const char *key, char *doc, size_t len, char *warn,
                       size_t cap)
{
    (void)warn, (void)cap;
    int i = find_table(c, key + strlen("pause/"));
    if (i >= 0)
        c->tables[i].paused = len == 1 && doc[0] == '1';
}

static void load_state(brk_catalog *c, const char *key, char *doc, size_t len, char *warn,
                       size_t cap)
{
    (void)warn, (void)cap;
    int i = find_table(c, key + strlen("state/"));
    if (i >= 0)
        c->tables[i].disabled = len == 8 && !memcmp(doc, "disabled", 8);
}

/* Creates the parents of dir (the store creates dir itself). */
static int make_parents(const char *dir, char *err)
{
    char *p = tn_strdup(dir);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        if (mkdir(p, 0755) && errno != EEXIST) {
            tn_err(err, TN_EIO, "cannot create %s: %s", p, strerror(errno));
            free(p);
            return TN_EIO;
        }
        *s = '/';
    }
    free(p);
    return TN_OK;
}

int brk_catalog_open(const char *dir, bool no_sync, brk_catalog **out, char *warn,
                     size_t warn_cap, char *err)
{
    if (make_parents(dir, err))
        return TN_EIO;
    if (warn && warn_cap)
        warn[0] = 0;
    seg_store_opts so = {.map_size = 1ull << 30, .max_readers = 126, .no_sync = no_sync};
    seg_store *st;
    int rc = seg_store_open(dir, &so, &st, err);
    if (rc)
        return rc;
    brk_catalog *c = tn_calloc(1, sizeof *c);
    c->store = st;
    pthread_rwlock_init(&c->lock, NULL);
    /* schemas first: a table is checked against its schema as it loads */
    rc = load_docs(c, "schema/", load_schema, warn, warn_cap, err);
    if (!rc)
        rc = load_docs(c, "table/", load_table, warn, warn_cap, err);
    if (!rc)
        rc = load_docs(c, "pause/", load_pause, warn, warn_cap, err);
    if (!rc)
        rc = load_docs(c, "state/", load_state, warn, warn_cap, err);
    if (rc) {
        brk_catalog_close(c);
        return rc;
    }
    *out = c;
    return TN_OK;
}

void brk_catalog_close(brk_catalog *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nschemas; i++)
        schema_unref(c->schemas[i]);
    for (uint32_t i = 0; i < c->ntables; i++)
        table_clear(&c->tables[i]);
    free(c->schemas);
    free(c->tables);
    pthread_rwlock_destroy(&c->lock);
    seg_store_close(c->store);
    free(c);
}

/* ---- schemas ----------------------------------------------------------- */

static void doc_key(char *key, size_t cap, const char *kind, const char *name)
{
    snprintf(key, cap, "%s/%s", kind, name);
}

int brk_catalog_put_schema(brk_catalog *c, const char *json, size_t len, bool override,
                           char *name, size_t cap, char *err)
{
    cat_schema *e = NULL;
    int rc = schema_build(json, len, &e, err);
    if (rc)
        return rc;
    snprintf(name, cap, "%s", e->name);
    pthread_rwlock_wrlock(&c->lock);
    int i = find_schema(c, e->name);
    if (i >= 0 && !override) {
        rc = tn_err(err, TN_EEXIST, "Schema %s already exists", c->schemas[i]->name);
    } else {
        if (i >= 0 && strcmp(c->schemas[i]->name, e->name)) {
            /* keep the stored spelling's key when only the case changes */
            char old[NAME_MAX_LEN + 16];
            doc_key(old, sizeof old, "schema", c->schemas[i]->name);
            seg_store_del_doc(c->store, old, NULL);
        }
        char key[NAME_MAX_LEN + 16];
        doc_key(key, sizeof key, "schema", e->name);
        rc = seg_store_put_doc(c->store, key, json, len, err);
        if (!rc) {
            schema_install(c, e);
            e = NULL;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    schema_unref(e);
    return rc;
}

char *brk_catalog_schema_json(brk_catalog *c, const char *name)
{
    pthread_rwlock_rdlock(&c->lock);
    int i = find_schema(c, name);
    char *s = i >= 0 ? tn_strdup(c->schemas[i]->json) : NULL;
    pthread_rwlock_unlock(&c->lock);
    return s;
}

int brk_catalog_delete_schema(brk_catalog *c, const char *name, char *err)
{
    pthread_rwlock_wrlock(&c->lock);
    int rc = TN_OK;
    int i = find_schema(c, name);
    if (i < 0)
        rc = tn_err(err, TN_ENOTFOUND, "Schema %s not found", name);
    for (uint32_t t = 0; !rc && t < c->ntables; t++)
        if (!strcasecmp(c->tables[t].schema_name, c->schemas[i]->name))
            rc = tn_err(err, TN_EEXIST, "Cannot delete schema %s, as it is associated with "
                        "table %s", c->schemas[i]->name, c->tables[t].typed);
    if (!rc) {
        char key[NAME_MAX_LEN + 16];
        doc_key(key, sizeof key, "schema", c->schemas[i]->name);
        rc = seg_store_del_doc(c->store, key, err);
    }
    if (!rc) {
        schema_unref(c->schemas[i]);
        c->schemas[i] = c->schemas[--c->nschemas];
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **brk_catalog_schema_names(brk_catalog *c, uint32_t *n)
{
    pthread_rwlock_rdlock(&c->lock);
    char **v = tn_calloc(c->nschemas + 1, sizeof *v);
    for (uint32_t i = 0; i < c->nschemas; i++)
        v[i] = tn_strdup(c->schemas[i]->name);
    *n = c->nschemas;
    pthread_rwlock_unlock(&c->lock);
    qsort(v, *n, sizeof *v, cmp_names);
    return v;
}

void brk_names_free(char **names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- tables ------------------------------------------------------------ */

int brk_catalog_put_table(brk_catalog *c, const char *json, size_t len, char *name,
                          size_t cap, char *err)
{
    const char *end = NULL;
    cJSON *cfg = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!cfg)
        return tn_err(err, TN_EINVAL, "Invalid table config: not JSON (error at byte %zu)",
                      end ? (size_t)(end - json) : (size_t)0);
    if (!cJSON_IsObject(cfg)) {
        cJSON_Delete(cfg);
        return tn_err(err, TN_EINVAL, "Invalid table config: not a JSON object");
    }
    pthread_rwlock_wrlock(&c->lock);
    cat_table t;
    int rc = table_build(c, cfg, &t, err);
    if (!rc) {
        snprintf(name, cap, "%s", t.typed);
        if (find_table(c, t.typed) >= 0) {
            rc = tn_err(err, TN_EEXIST, "Table %s already exists", t.typed);
        } else {
            char key[NAME_MAX_LEN + 32];
            doc_key(key, sizeof key, "table", t.typed);
            rc = seg_store_put_doc(c->store, key, t.json, strlen(t.json), err);
        }
        if (rc)
            table_clear(&t);
        else
            table_install(c, &t);
    }
    pthread_rwlock_unlock(&c->lock);
    cJSON_Delete(cfg);
    return rc;
}

/* The typed name a PUT /tables/{path} means for a body of type t: Pinot
 * appends the body's type unless the path already ends in it. */
static void path_typed(const char *path, brk_table_type t, char *out, size_t cap)
{
    const char *suf = t == BRK_REALTIME ? "_REALTIME" : "_OFFLINE";
    if (has_suffix(path, strlen(path), suf))
        snprintf(out, cap, "%s", path);
    else
        snprintf(out, cap, "%s%s", path, suf);
}

/* Checks an update's body against the path and the catalog (lock held):
 * the body names the path's table, and that table exists. */
static int update_target(brk_catalog *c, const char *path, const cJSON *cfg, int *idx, char *err)
{
    cat_table id;
    memset(&id, 0, sizeof id);
    int rc = table_identity(cfg, &id, err);
    if (rc)
        return rc;
    char want[NAME_MAX_LEN + 64];
    path_typed(path, id.type, want, sizeof want);
    *idx = find_table(c, id.typed);
    if (strcmp(want, id.typed))
        rc = tn_err(err, TN_EINVAL, "Request table %s does not match table name in the body %s",
                    want, id.typed);
    else if (*idx < 0 || strcmp(c->tables[*idx].typed, id.typed))
        rc = tn_err(err, TN_ENOTFOUND, "Table %s does not exist", id.typed);
    table_clear(&id);
    return rc;
}

int brk_catalog_update_table(brk_catalog *c, const char *path_name, const char *json, size_t len,
                             char *name, size_t cap, char **old_json, char *err)
{
    *old_json = NULL;
    const char *end = NULL;
    cJSON *cfg = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!cJSON_IsObject(cfg)) {
        int rc = cfg ? tn_err(err, TN_EINVAL, "Invalid table config: not a JSON object")
                     : tn_err(err, TN_EINVAL, "Invalid table config: not JSON (error at byte %zu)",
                              end ? (size_t)(end - json) : (size_t)0);
        cJSON_Delete(cfg);
        return rc;
    }
    pthread_rwlock_wrlock(&c->lock);
    int i = -1;
    cat_table t;
    int rc = update_target(c, path_name, cfg, &i, err);
    if (!rc)
        rc = table_build(c, cfg, &t, err);
    if (!rc) {
        snprintf(name, cap, "%s", t.typed);
        char key[NAME_MAX_LEN + 32];
        doc_key(key, sizeof key, "table", t.typed);
        rc = seg_store_put_doc(c->store, key, t.json, strlen(t.json), err);
        if (rc) {
            table_clear(&t);
        } else {
            /* the flags belong to the table, not to its config */
            t.paused = c->tables[i].paused;
            t.disabled = c->tables[i].disabled;
            *old_json = c->tables[i].json;
            c->tables[i].json = NULL;
            table_clear(&c->tables[i]);
            c->tables[i] = t;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    cJSON_Delete(cfg);
    return rc;
}

int brk_catalog_delete_table(brk_catalog *c, const char *typed, char *err)
{
    pthread_rwlock_wrlock(&c->lock);
    int rc = TN_OK;
    int i = find_table(c, typed);
    if (i < 0)
        rc = tn_err(err, TN_ENOTFOUND, "Table %s does not exist", typed);
    char key[NAME_MAX_LEN + 32];
    if (!rc) {
        doc_key(key, sizeof key, "pause", c->tables[i].typed);
        seg_store_del_doc(c->store, key, NULL);
        doc_key(key, sizeof key, "state", c->tables[i].typed);
        seg_store_del_doc(c->store, key, NULL);
        doc_key(key, sizeof key, "table", c->tables[i].typed);
        rc = seg_store_del_doc(c->store, key, err);
    }
    if (!rc) {
        table_clear(&c->tables[i]);
        c->tables[i] = c->tables[--c->ntables];
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

char *brk_catalog_table_json(brk_catalog *c, const char *typed)
{
    pthread_rwlock_rdlock(&c->lock);
    int i = find_table(c, typed);
    char *s = i >= 0 ? tn_strdup(c->tables[i].json) : NULL;
    pthread_rwlock_unlock(&c->lock);
    return s;
}

static char **table_names_where(brk_catalog *c, const char *schema, uint32_t *n)
{
    pthread_rwlock_rdlock(&c->lock);
    char **v = tn_calloc(c->ntables + 1, sizeof *v);
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->ntables; i++)
        if (!schema || !strcasecmp(c->tables[i].schema_name, schema))
            v[k++] = tn_strdup(c->tables[i].typed);
    pthread_rwlock_unlock(&c->lock);
    qsort(v, k, sizeof *v, cmp_names);
    *n = k;
    return v;
}

char **brk_catalog_table_names(brk_catalog *c, uint32_t *n)
{
    return table_names_where(c, NULL, n);
}

char **brk_catalog_tables_using(brk_catalog *c, const char *schema_name, uint32_t *n)
{
    return table_names_where(c, schema_name, n);
}

bool brk_catalog_find_table(brk_catalog *c, const char *name, char *typed, size_t cap)
{
    char raw[NAME_MAX_LEN + 16], probe[NAME_MAX_LEN + 32];
    brk_table_type type;
    bool has_type = brk_table_split(name, raw, sizeof raw, &type);
    bool found = false;
    pthread_rwlock_rdlock(&c->lock);
    for (int t = 0; t < 2 && !found; t++) {
        if (has_type && t != (int)type)
            continue;
        snprintf(probe, sizeof probe, "%s_%s", raw, brk_table_type_name((brk_table_type)t));
        int i = find_table(c, probe);
        if (i >= 0) {
            snprintf(typed, cap, "%s", c->tables[i].typed);
            found = true;
        }
    }
    pthread_rwlock_unlock(&c->lock);
    return found;
}

int brk_catalog_table_payload(brk_catalog *c, const char *typed, char **schema_json,
                              char **config_json, char *err)
{
    pthread_rwlock_rdlock(&c->lock);
    int rc = TN_OK;
    int i = find_table(c, typed);
    int s = i >= 0 ? find_schema(c, c->tables[i].schema_name) : -1;
    if (i < 0 || s < 0) {
        rc = tn_err(err, TN_ENOTFOUND, "Table %s does not exist", typed);
    } else {
        *schema_json = tn_strdup(c->schemas[s]->json);
        *config_json = tn_strdup(c->tables[i].json);
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

/* A table's durable on/off flags: each is a document while on. */
typedef enum { FLAG_PAUSED, FLAG_DISABLED } table_flag;

static bool *flag_of(cat_table *t, table_flag f)
{
    return f == FLAG_PAUSED ? &t->paused : &t->disabled;
}

static int set_flag(brk_catalog *c, const char *typed, table_flag f, bool on, char *err)
{
    static const char *const kind[] = {"pause", "state"}, *const value[] = {"1", "disabled"};
    pthread_rwlock_wrlock(&c->lock);
    int rc = TN_OK;
    int i = find_table(c, typed);
    if (i < 0) {
        rc = tn_err(err, TN_ENOTFOUND, "Table %s does not exist", typed);
    } else {
        char key[NAME_MAX_LEN + 32];
        doc_key(key, sizeof key, kind[f], c->tables[i].typed);
        rc = on ? seg_store_put_doc(c->store, key, value[f], strlen(value[f]), err)
                : seg_store_del_doc(c->store, key, err);
        if (rc == TN_ENOTFOUND)
            rc = TN_OK;
        if (!rc)
            *flag_of(&c->tables[i], f) = on;
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

static bool get_flag(brk_catalog *c, const char *typed, table_flag f)
{
    pthread_rwlock_rdlock(&c->lock);
    int i = find_table(c, typed);
    bool on = i >= 0 && *flag_of(&c->tables[i], f);
    pthread_rwlock_unlock(&c->lock);
    return on;
}

int brk_catalog_set_paused(brk_catalog *c, const char *typed, bool paused, char *err)
{
    return set_flag(c, typed, FLAG_PAUSED, paused, err);
}

bool brk_catalog_paused(brk_catalog *c, const char *typed)
{
    return get_flag(c, typed, FLAG_PAUSED);
}

int brk_catalog_set_disabled(brk_catalog *c, const char *typed, bool disabled, char *err)
{
    return set_flag(c, typed, FLAG_DISABLED, disabled, err);
}

bool brk_catalog_table_disabled(brk_catalog *c, const char *typed)
{
    return get_flag(c, typed, FLAG_DISABLED);
}

/* ---- reload jobs ------------------------------------------------------- */

/* Job ids are ours (UUIDs), but a status request carries any text. */
static bool job_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (!n || n > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
            return false;
    return true;
}

int brk_catalog_put_job(brk_catalog *c, const char *id, const char *json, char *err)
{
    if (!job_id_ok(id))
        return tn_err(err, TN_EINVAL, "bad job id '%s'", id);
    char key[96];
    doc_key(key, sizeof key, "job", id);
    return seg_store_put_doc(c->store, key, json, strlen(json), err);
}

char *brk_catalog_job_json(brk_catalog *c, const char *id)
{
    if (!job_id_ok(id))
        return NULL;
    char key[96], err[TN_ERRLEN], *doc;
    size_t len;
    doc_key(key, sizeof key, "job", id);
    if (seg_store_get_doc(c->store, key, &doc, &len, err))
        return NULL;
    char *s = tn_strndup(doc, len);
    free(doc);
    return s;
}

/* ---- resolution -------------------------------------------------------- */

/* The time column of the resolved table: OFFLINE's when it has one (the
 * hybrid split is defined by it, as in Pinot), else REALTIME's. */
static void resolve_time(const brk_catalog *c, const int idx[2], brk_resolved *out)
{
    const cat_table *t = NULL;
    for (int k = 0; k < 2 && !t; k++)
        if (idx[k] >= 0 && c->tables[idx[k]].time_column)
            t = &c->tables[idx[k]];
    if (!t)
        return;
    snprintf(out->time_column, sizeof out->time_column, "%s", t->time_column);
    out->hourly = idx[BRK_OFFLINE] >= 0 && c->tables[idx[BRK_OFFLINE]].hourly;
    int f = seg_schema_find(out->schema, t->time_column);
    if (f >= 0)
        out->time_unit_ms = out->schema->fields[f].time.unit_ms;
}

int brk_catalog_resolve(brk_catalog *c, const char *name, brk_resolved *out, char *err)
{
    memset(out, 0, sizeof *out);
    char raw[NAME_MAX_LEN + 16], probe[NAME_MAX_LEN + 32];
    brk_table_type type;
    bool has_type = brk_table_split(name, raw, sizeof raw, &type);
    int idx[2] = {-1, -1};
    int rc = TN_OK;
    pthread_rwlock_rdlock(&c->lock);
    for (int t = 0; t < 2; t++) {
        if (has_type && t != (int)type)
            continue;
        snprintf(probe, sizeof probe, "%s_%s", raw, brk_table_type_name((brk_table_type)t));
        idx[t] = find_table(c, probe);
    }
    int first = idx[0] >= 0 ? idx[0] : idx[1];
    int s = first >= 0 ? find_schema(c, c->tables[first].schema_name) : -1;
    if (first < 0 || s < 0) {
        rc = tn_err(err, TN_ENOTFOUND, "Unknown table: %s", name);
    } else {
        cat_schema *e = c->schemas[s];
        atomic_fetch_add(&e->refs, 1);
        out->priv = e;
        out->schema = e->schema;
        snprintf(out->raw, sizeof out->raw, "%s", c->tables[first].raw);
        for (int t = 0; t < 2; t++) {
            out->has[t] = idx[t] >= 0;
            if (out->has[t]) {
                snprintf(out->typed[t], sizeof out->typed[t], "%s", c->tables[idx[t]].typed);
                out->disabled[t] = c->tables[idx[t]].disabled;
            }
        }
        resolve_time(c, idx, out);
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

void brk_resolved_release(brk_resolved *r)
{
    schema_unref(r->priv);
    r->priv = NULL;
    r->schema = NULL;
}

brk_table_state brk_resolved_check_enabled(brk_resolved *r, char *msg, size_t cap)
{
    int present = 0, off = 0;
    for (int k = 0; k < 2; k++) {
        present += r->has[k];
        off += r->has[k] && r->disabled[k];
    }
    if (!off)
        return BRK_TABLE_ENABLED;
    if (off == present) {
        snprintf(msg, cap, "Table %s is disabled", r->raw);
        return BRK_TABLE_DISABLED;
    }
    /* a hybrid table with one part disabled: the other part answers */
    int k = r->disabled[BRK_OFFLINE] ? BRK_OFFLINE : BRK_REALTIME;
    r->has[k] = false;
    r->typed[k][0] = 0;
    snprintf(msg, cap, "%s table is disabled in hybrid table",
             k == BRK_OFFLINE ? "Offline" : "Realtime");
    return BRK_TABLE_PART_DISABLED;
}
