/*
 * brk_auth.c: the broker's users: Pinot's user JSON in, immutable
 * snapshots out, kept durably in their own LMDB environment
 * (<data dir>/users, mode 0700) so a restarted broker knows them all.
 */
#include "brk_auth_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "brk_catalog.h"

#define USER_KEY "user/"
#define MAX_NAME 63
#define MAX_PASSWORD 1024

/* ---- snapshots ---------------------------------------------------------- */

void brk_user_ref(brk_user *u)
{
    if (u)
        atomic_fetch_add(&u->refs, 1);
}

static void user_free(brk_user *u)
{
    for (uint32_t i = 0; i < u->ntables; i++)
        free(u->tables[i]);
    free(u->tables);
    for (uint32_t i = 0; i < u->nacls; i++) {
        brk_table_acl *t = &u->acls[i];
        free(t->table);
        free((char *)t->access.row_filter);
        for (uint32_t k = 0; k < t->access.ncolumns; k++)
            free((char *)t->access.columns[k]);
        free((void *)t->access.columns);
    }
    free(u->acls);
    free(u->name);
    free(u->component);
    free(u->json);
    free(u);
}

void brk_user_unref(brk_user *u)
{
    if (u && atomic_fetch_sub(&u->refs, 1) == 1)
        user_free(u);
}

const char *brk_user_name(const brk_user *u)
{
    return u->name;
}

bool brk_user_is_admin(const brk_user *u)
{
    return u->role == BRK_ROLE_ADMIN;
}

/* The raw table a FROM name means: "t_OFFLINE" -> "t". */
static void raw_name(const char *table, char *raw, size_t cap)
{
    brk_table_type t;
    if (!brk_table_split(table, raw, cap, &t))
        snprintf(raw, cap, "%s", table);
}

bool brk_user_can_read(const brk_user *u, const char *table)
{
    if (u->role == BRK_ROLE_ADMIN)
        return true;
    if (!u->can_read)
        return false;
    if (u->all_tables)
        return true;
    char raw[256];
    raw_name(table, raw, sizeof raw);
    for (uint32_t i = 0; i < u->ntables; i++)
        if (!strcasecmp(u->tables[i], raw))
            return true;
    return false;
}

static const brk_table_acl *find_acl(const brk_user *u, const char *table)
{
    char raw[256];
    raw_name(table, raw, sizeof raw);
    for (uint32_t i = 0; i < u->nacls; i++)
        if (!strcasecmp(u->acls[i].table, raw))
            return &u->acls[i];
    return NULL;
}

const qry_access *brk_user_access(const brk_user *u, const char *table)
{
    const brk_table_acl *t = u->role == BRK_ROLE_ADMIN ? NULL : find_acl(u, table);
    return t ? &t->access : NULL;
}

bool brk_user_column_visible(const brk_user *u, const char *table, const char *column)
{
    const qry_access *a = brk_user_access(u, table);
    if (!a || !a->columns)
        return true;
    for (uint32_t i = 0; i < a->ncolumns; i++)
        if (!strcasecmp(a->columns[i], column))
            return true;
    return false;
}

/* ---- user JSON -> snapshot ---------------------------------------------- */

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > MAX_NAME)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("_.@-", *s)))
            return false;
    return true;
}

static int parse_role(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(js, "role");
    if (!r) {
        u->role = BRK_ROLE_USER;
        return 0;
    }
    if (cJSON_IsString(r) && !strcasecmp(r->valuestring, "ADMIN"))
        u->role = BRK_ROLE_ADMIN;
    else if (cJSON_IsString(r) && !strcasecmp(r->valuestring, "USER"))
        u->role = BRK_ROLE_USER;
    else
        return tn_err(err, TN_EINVAL, "\"role\" must be \"ADMIN\" or \"USER\"");
    return 0;
}

/* "tables": absent, [], "ALL" or ["ALL"] = every table (Pinot: an empty
 * list means all); else the raw names a USER may read. */
static int parse_tables(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(js, "tables");
    u->all_tables = !t || (cJSON_IsString(t) && !strcasecmp(t->valuestring, "ALL"));
    if (u->all_tables)
        return 0;
    if (!cJSON_IsArray(t))
        return tn_err(err, TN_EINVAL, "\"tables\" must be a list of table names or \"ALL\"");
    int n = cJSON_GetArraySize(t);
    u->tables = tn_calloc((size_t)n + 1, sizeof *u->tables);
    const cJSON *x;
    cJSON_ArrayForEach(x, t) {
        if (!cJSON_IsString(x) || !x->valuestring[0])
            return tn_err(err, TN_EINVAL, "\"tables\" must hold table names (strings)");
        if (!strcasecmp(x->valuestring, "ALL"))
            u->all_tables = true;
        char raw[256];
        raw_name(x->valuestring, raw, sizeof raw);
        u->tables[u->ntables++] = tn_strdup(raw);
    }
    u->all_tables |= n == 0;
    return 0;
}

/* "permissions": Pinot's READ/CREATE/UPDATE/DELETE; a USER can only ever
 * read (the rest are ADMIN's), so only READ matters here. Absent = READ. */
static int parse_permissions(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(js, "permissions");
    u->can_read = !p;
    if (!p)
        return 0;
    if (!cJSON_IsArray(p))
        return tn_err(err, TN_EINVAL, "\"permissions\" must be a list such as [\"READ\"]");
    const cJSON *x;
    cJSON_ArrayForEach(x, p) {
        if (!cJSON_IsString(x))
            return tn_err(err, TN_EINVAL, "\"permissions\" must hold strings");
        if (!strcasecmp(x->valuestring, "READ"))
            u->can_read = true;
        else if (strcasecmp(x->valuestring, "CREATE") && strcasecmp(x->valuestring, "UPDATE") &&
                 strcasecmp(x->valuestring, "DELETE"))
            return tn_err(err, TN_EINVAL, "unknown permission \"%s\" (READ, CREATE, UPDATE, "
                          "DELETE)", x->valuestring);
    }
    return 0;
}

static brk_table_acl *acl_for(brk_user *u, const char *table)
{
    char raw[256];
    raw_name(table, raw, sizeof raw);
    for (uint32_t i = 0; i < u->nacls; i++)
        if (!strcasecmp(u->acls[i].table, raw))
            return &u->acls[i];
    u->acls = tn_realloc(u->acls, (u->nacls + 1) * sizeof *u->acls);
    brk_table_acl *t = &u->acls[u->nacls++];
    memset(t, 0, sizeof *t);
    t->table = tn_strdup(raw);
    return t;
}

/* ANDs one more filter (checked to parse as one condition) into acl's. */
static int add_filter(brk_table_acl *t, const char *f, char *err)
{
    qry_query *q;
    qry_err qe;
    if (qry_parse_filter(f, &q, &qe))
        return tn_err(err, TN_EINVAL, "row filter for table %s: %s", t->table, qe.msg);
    qry_query_free(q);
    if (!t->access.row_filter) {
        t->access.row_filter = tn_strdup(f);
        return 0;
    }
    size_t n = strlen(t->access.row_filter) + strlen(f) + 16;
    char *both = tn_malloc(n);
    snprintf(both, n, "(%s) AND (%s)", t->access.row_filter, f);
    /* each part parsed alone, so the parentheses cannot be unbalanced by
     * a part; the whole is checked once more anyway */
    free((char *)t->access.row_filter);
    t->access.row_filter = both;
    if (qry_parse_filter(both, &q, &qe))
        return tn_err(err, TN_EINVAL, "row filters for table %s: %s", t->table, qe.msg);
    qry_query_free(q);
    return 0;
}

/* "rlsFilters": {"table": "condition" | ["condition", ...]} (ANDed). */
static int parse_filters(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(js, "rlsFilters");
    if (!m)
        return 0;
    if (!cJSON_IsObject(m))
        return tn_err(err, TN_EINVAL, "\"rlsFilters\" must be an object of table -> condition");
    const cJSON *t;
    cJSON_ArrayForEach(t, m) {
        brk_table_acl *acl = acl_for(u, t->string);
        if (cJSON_IsString(t)) {
            if (add_filter(acl, t->valuestring, err))
                return TN_EINVAL;
            continue;
        }
        if (!cJSON_IsArray(t))
            return tn_err(err, TN_EINVAL, "rlsFilters.%s must be a condition or a list of them",
                          t->string);
        const cJSON *f;
        cJSON_ArrayForEach(f, t) {
            if (!cJSON_IsString(f))
                return tn_err(err, TN_EINVAL, "rlsFilters.%s must hold strings", t->string);
            if (add_filter(acl, f->valuestring, err))
                return TN_EINVAL;
        }
    }
    return 0;
}

/* "visibleColumns": {"table": ["c1", ...]}: the only columns the user sees. */
static int parse_columns(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(js, "visibleColumns");
    if (!m)
        return 0;
    if (!cJSON_IsObject(m))
        return tn_err(err, TN_EINVAL, "\"visibleColumns\" must be an object of table -> list");
    const cJSON *t;
    cJSON_ArrayForEach(t, m) {
        if (!cJSON_IsArray(t))
            return tn_err(err, TN_EINVAL, "visibleColumns.%s must be a list of column names",
                          t->string);
        brk_table_acl *acl = acl_for(u, t->string);
        int n = cJSON_GetArraySize(t);
        const char **cols = tn_calloc((size_t)n + 1, sizeof *cols);
        free((void *)acl->access.columns);
        acl->access.columns = cols;
        acl->access.ncolumns = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, t) {
            if (!cJSON_IsString(c) || !c->valuestring[0])
                return tn_err(err, TN_EINVAL, "visibleColumns.%s must hold column names",
                              t->string);
            cols[acl->access.ncolumns++] = tn_strdup(c->valuestring);
        }
    }
    return 0;
}

static int parse_limits(const cJSON *js, brk_user *u, char *err)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(js, "maxQueriesPerSecond");
    if (cJSON_IsString(q))
        u->qps = strtod(q->valuestring, NULL);
    else if (cJSON_IsNumber(q))
        u->qps = q->valuedouble;
    else if (q)
        return tn_err(err, TN_EINVAL, "\"maxQueriesPerSecond\" must be a number");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(js, "maxConnections");
    if (cJSON_IsNumber(c) && c->valuedouble >= 1 && c->valuedouble <= 1e6)
        u->max_conns = (uint32_t)c->valuedouble;
    else if (c)
        return tn_err(err, TN_EINVAL, "\"maxConnections\" must be a number from 1 to 1000000");
    if (u->qps < 0 || u->qps > 1e9)
        return tn_err(err, TN_EINVAL, "\"maxQueriesPerSecond\" must be from 0 (none) to 1e9");
    return 0;
}

/* The document GET /users shows, and what is stored (plus "scram"). */
static char *public_json(const cJSON *in, const char *name, const char *component)
{
    cJSON *o = cJSON_Duplicate(in, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(o, "password");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "scram");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "usernameWithComponent");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "component");
    cJSON_AddStringToObject(o, "component", component);
    char key[MAX_NAME + 32];
    snprintf(key, sizeof key, "%s_%s", name, component);
    cJSON_AddStringToObject(o, "usernameWithComponent", key);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* A snapshot from a user document; the verifier comes from "scram" (a
 * stored document) or is left for the caller to set. */
static int user_from_json(const cJSON *js, brk_user **out, char *err)
{
    *out = NULL;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(js, "username");
    if (!cJSON_IsString(n) || !valid_name(n->valuestring))
        return tn_err(err, TN_EINVAL, "\"username\" must be 1 to %d letters, digits or _.@-",
                      MAX_NAME);
    brk_user *u = tn_calloc(1, sizeof *u);
    atomic_init(&u->refs, 1);
    u->name = tn_strdup(n->valuestring);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(js, "component");
    u->component = tn_strdup(cJSON_IsString(c) && valid_name(c->valuestring) ? c->valuestring
                                                                              : "BROKER");
    int rc = parse_role(js, u, err);
    if (!rc)
        rc = parse_tables(js, u, err);
    if (!rc)
        rc = parse_permissions(js, u, err);
    if (!rc)
        rc = parse_filters(js, u, err);
    if (!rc)
        rc = parse_columns(js, u, err);
    if (!rc)
        rc = parse_limits(js, u, err);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(js, "scram");
    if (!rc && cJSON_IsString(v) && !brk_scram_parse(v->valuestring, &u->v))
        rc = tn_err(err, TN_ECORRUPT, "stored verifier of user %s is damaged", u->name);
    if (rc) {
        user_free(u);
        return rc;
    }
    u->json = public_json(js, u->name, u->component);
    *out = u;
    return 0;
}

/* ---- the set of users ---------------------------------------------------- */

static int find_index(const brk_auth *a, const char *name)
{
    for (uint32_t i = 0; i < a->nusers; i++)
        if (!strcmp(a->users[i]->name, name))
            return (int)i;
    return -1;
}

brk_user *brk_auth_find(brk_auth *a, const char *name)
{
    pthread_rwlock_rdlock(&a->lock);
    int i = name ? find_index(a, name) : -1;
    brk_user *u = i >= 0 ? a->users[i] : NULL;
    brk_user_ref(u);
    pthread_rwlock_unlock(&a->lock);
    return u;
}

/* Puts u in place of the user of the same name (or adds it); takes u. */
static void install(brk_auth *a, brk_user *u)
{
    int i = find_index(a, u->name);
    if (i >= 0) {
        brk_user_unref(a->users[i]);
        a->users[i] = u;
        return;
    }
    a->users = tn_realloc(a->users, (a->nusers + 1) * sizeof *a->users);
    a->users[a->nusers++] = u;
}

/* The stored form: the public document plus the verifier. */
static int store_user(brk_auth *a, const brk_user *u, char *err)
{
    cJSON *js = cJSON_Parse(u->json);
    char *v = brk_scram_format(&u->v);
    cJSON_AddStringToObject(js, "scram", v);
    free(v);
    char *text = cJSON_PrintUnformatted(js);
    cJSON_Delete(js);
    char key[sizeof USER_KEY + MAX_NAME];
    snprintf(key, sizeof key, USER_KEY "%s", u->name);
    int rc = seg_store_put_doc(a->store, key, text, strlen(text), err);
    free(text);
    return rc;
}

static int load_users(brk_auth *a, char *err)
{
    char **keys;
    uint32_t n;
    int rc = seg_store_list_docs(a->store, USER_KEY, &keys, &n, err);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        char *doc;
        size_t len;
        char derr[TN_ERRLEN];
        brk_user *u = NULL;
        if (seg_store_get_doc(a->store, keys[i], &doc, &len, derr) == 0) {
            cJSON *js = cJSON_ParseWithLength(doc, len);
            if (!js || user_from_json(js, &u, derr) || !u->v.salt_len)
                fprintf(stderr, "auth: stored user %s skipped: %s\n", keys[i],
                        js ? derr : "not JSON");
            cJSON_Delete(js);
            free(doc);
        }
        if (u && u->v.salt_len)
            install(a, u);
        else if (u)
            user_free(u);
        free(keys[i]);
    }
    free(keys);
    return 0;
}

/* Parses json into a snapshot with its verifier: a new password gets a
 * new one, else the old user's is kept (replace). */
static int build_user(brk_auth *a, const char *json, size_t len, bool replace, brk_user **out,
                      char *err)
{
    cJSON *js = cJSON_ParseWithLength(json, len);
    if (!js || !cJSON_IsObject(js)) {
        cJSON_Delete(js);
        return tn_err(err, TN_EINVAL, "the user must be a JSON object");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(js, "scram"); /* never from a client */
    brk_user *u = NULL;
    int rc = user_from_json(js, &u, err);
    const cJSON *pw = cJSON_GetObjectItemCaseSensitive(js, "password");
    if (!rc && pw && (!cJSON_IsString(pw) || !pw->valuestring[0] ||
                      strlen(pw->valuestring) > MAX_PASSWORD))
        rc = tn_err(err, TN_EINVAL, "\"password\" must be a string of 1 to %d bytes",
                    MAX_PASSWORD);
    if (!rc && !pw && !replace)
        rc = tn_err(err, TN_EINVAL, "a new user needs a \"password\"");
    if (!rc && pw)
        rc = brk_scram_make(pw->valuestring, a->o.scram_iterations, &u->v, err);
    cJSON_Delete(js);
    if (rc && u)
        user_free(u);
    *out = rc ? NULL : u;
    return rc;
}

int brk_auth_put_user(brk_auth *a, const char *json, size_t len, bool replace, char *name,
                      size_t cap, char *err)
{
    brk_user *u = NULL;
    int rc = build_user(a, json, len, replace, &u, err);
    if (rc)
        return rc;
    pthread_rwlock_wrlock(&a->lock);
    int i = find_index(a, u->name);
    if (i >= 0 && !replace)
        rc = tn_err(err, TN_EEXIST, "user %s already exists", u->name);
    else if (i < 0 && replace)
        rc = tn_err(err, TN_ENOTFOUND, "no user %s", u->name);
    if (!rc && !u->v.salt_len)
        u->v = a->users[i]->v;
    if (!rc)
        rc = store_user(a, u, err);
    if (!rc) {
        if (name)
            snprintf(name, cap, "%s", u->name);
        brk_auth_forget(a, u->name);
        install(a, u);
        u = NULL;
    }
    pthread_rwlock_unlock(&a->lock);
    if (u)
        user_free(u);
    return rc;
}

int brk_auth_delete_user(brk_auth *a, const char *name, char *err)
{
    pthread_rwlock_wrlock(&a->lock);
    int i = find_index(a, name), rc = 0;
    if (i < 0) {
        rc = tn_err(err, TN_ENOTFOUND, "no user %s", name);
    } else {
        char key[sizeof USER_KEY + MAX_NAME];
        snprintf(key, sizeof key, USER_KEY "%s", name);
        rc = seg_store_del_doc(a->store, key, err);
    }
    if (!rc) {
        brk_auth_forget(a, name);
        brk_user_unref(a->users[i]);
        a->users[i] = a->users[--a->nusers];
    }
    pthread_rwlock_unlock(&a->lock);
    return rc;
}

char *brk_auth_users_json(brk_auth *a)
{
    cJSON *all = cJSON_CreateObject(), *users = cJSON_AddObjectToObject(all, "users");
    pthread_rwlock_rdlock(&a->lock);
    for (uint32_t i = 0; i < a->nusers; i++) {
        const brk_user *u = a->users[i];
        char key[MAX_NAME + 32];
        snprintf(key, sizeof key, "%s_%s", u->name, u->component);
        cJSON_AddItemToObject(users, key, cJSON_Parse(u->json));
    }
    pthread_rwlock_unlock(&a->lock);
    char *s = cJSON_PrintUnformatted(all);
    cJSON_Delete(all);
    return s;
}

char *brk_auth_user_json(brk_auth *a, const char *name)
{
    brk_user *u = brk_auth_find(a, name);
    char *s = u ? tn_strdup(u->json) : NULL;
    brk_user_unref(u);
    return s;
}

/* ---- open / close -------------------------------------------------------- */

/* Creates or resets the bootstrap ADMIN from the command line's password. */
static int bootstrap(brk_auth *a, const char *user, const char *password, char *err)
{
    if (!user || !password)
        return 0;
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "username", user);
    cJSON_AddStringToObject(js, "password", password);
    cJSON_AddStringToObject(js, "component", "BROKER");
    cJSON_AddStringToObject(js, "role", "ADMIN");
    char *text = cJSON_PrintUnformatted(js);
    cJSON_Delete(js);
    brk_user *old = brk_auth_find(a, user);
    int rc = brk_auth_put_user(a, text, strlen(text), old != NULL, NULL, 0, err);
    brk_user_unref(old);
    free(text);
    return rc;
}

static brk_user *make_open_admin(void)
{
    brk_user *u = tn_calloc(1, sizeof *u);
    atomic_init(&u->refs, 1);
    u->name = tn_strdup("admin");
    u->component = tn_strdup("BROKER");
    u->role = BRK_ROLE_ADMIN;
    u->can_read = u->all_tables = true;
    u->json = tn_strdup("{}");
    return u;
}

static int open_store(brk_auth *a, const char *data_dir, char *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/users", data_dir ? data_dir : ".");
    /* password verifiers: readable by the broker's user only */
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return tn_err(err, TN_EIO, "cannot create %s: %s", dir, strerror(errno));
    seg_store_opts so = {.map_size = 64ull << 20, .max_readers = 16, .no_sync = a->o.no_sync};
    return seg_store_open(dir, &so, &a->store, err);
}

int brk_auth_open(const brk_auth_opts *o, brk_auth **out, char *err)
{
    *out = NULL;
    brk_auth *a = tn_calloc(1, sizeof *a);
    a->o = *o;
    /* only needed while opening: nothing borrowed outlives this call */
    a->o.data_dir = a->o.audit_path = a->o.bootstrap_user = a->o.bootstrap_password = NULL;
    if (!a->o.scram_iterations)
        a->o.scram_iterations = 4096;
    if (!a->o.max_conns_per_user)
        a->o.max_conns_per_user = 64;
    if (a->o.token_ttl_s <= 0)
        a->o.token_ttl_s = 12 * 3600;
    a->audit_path = o->audit_path ? tn_strdup(o->audit_path) : NULL;
    a->audit_fd = -1;
    pthread_rwlock_init(&a->lock, NULL);
    pthread_mutex_init(&a->count_lock, NULL);
    pthread_mutex_init(&a->audit_lock, NULL);
    a->open_admin = make_open_admin();
    int rc = !brk_random(a->cache_key, sizeof a->cache_key) ||
             !brk_random(a->fake_key, sizeof a->fake_key)
                 ? tn_err(err, TN_EIO, "no random bytes from the kernel")
                 : 0;
    if (!rc)
        rc = open_store(a, o->data_dir, err);
    if (!rc)
        rc = load_users(a, err);
    if (!rc)
        rc = bootstrap(a, o->bootstrap_user, o->bootstrap_password, err);
    if (!rc && o->enabled && a->nusers == 0)
        rc = tn_err(err, TN_EINVAL, "authentication is on but there are no users: start with "
                    "--admin-password-file FILE (or TANNIN_ADMIN_PASSWORD) to create an ADMIN");
    if (!rc)
        rc = brk_audit_open(a, err);
    if (rc) {
        brk_auth_close(a);
        return rc;
    }
    *out = a;
    return TN_OK;
}

void brk_auth_close(brk_auth *a)
{
    if (!a)
        return;
    brk_audit_close(a);
    for (uint32_t i = 0; i < a->nusers; i++)
        brk_user_unref(a->users[i]);
    free(a->users);
    brk_user_unref(a->open_admin);
    brk_accounts_free(a);
    if (a->store)
        seg_store_close(a->store);
    pthread_rwlock_destroy(&a->lock);
    pthread_mutex_destroy(&a->count_lock);
    pthread_mutex_destroy(&a->audit_lock);
    free(a->audit_path);
    free(a);
}

bool brk_auth_enabled(const brk_auth *a)
{
    return a->o.enabled;
}
