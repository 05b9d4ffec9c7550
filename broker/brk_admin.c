/*
 * brk_admin.c: the controller REST router, schemas, tables, ingestFromFile
 * and the endpoints both ports share. Consumption control and segments
 * are in brk_admin_rt.c.
 */
#include "brk_admin_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brk_client.h"
#include "brk_multipart.h"
#include "brk_query.h"
#include "brk_sync.h"
#include "tn_wire.h"

#define INGEST_TIMEOUT_MS (10 * 60 * 1000)
#define ADMIN_TIMEOUT_MS 15000

/* ---- helpers ----------------------------------------------------------- */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

uint32_t brk_path_split(const char *path, char **segs, uint32_t max)
{
    uint32_t n = 0;
    const char *p = path;
    while (*p && n < max) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *s = tn_malloc(len + 1), *o = s;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '%' && i + 2 < len && hexval((unsigned char)p[i + 1]) >= 0 &&
                hexval((unsigned char)p[i + 2]) >= 0) {
                *o++ = (char)(hexval((unsigned char)p[i + 1]) * 16 + hexval((unsigned char)p[i + 2]));
                i += 2;
            } else {
                *o++ = p[i];
            }
        }
        *o = 0;
        segs[n++] = s;
        p += len;
    }
    return n;
}

void admin_json(admin_call *c, int status, cJSON *j)
{
    brk_response_set(c->out, status, "application/json", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
}

void admin_status(admin_call *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "status", msg);
    admin_json(c, 200, j);
}

void admin_config_status(admin_call *c, const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "status", msg);
    cJSON_AddItemToObject(j, "unrecognizedProperties", cJSON_CreateObject());
    admin_json(c, 200, j);
}

bool admin_param_true(const brk_request *r, const char *key, bool dflt)
{
    const char *v = brk_request_param(r, key);
    return v ? strcasecmp(v, "false") != 0 : dflt;
}

int admin_type_param(admin_call *c)
{
    const char *t = brk_request_param(c->req, "type");
    if (!t || !*t)
        return -1;
    if (!strcasecmp(t, "OFFLINE"))
        return BRK_OFFLINE;
    if (!strcasecmp(t, "REALTIME"))
        return BRK_REALTIME;
    brk_response_error(c->out, 400, "Illegal table type '%s' (OFFLINE or REALTIME)", t);
    return -2;
}

uint32_t admin_typed_tables(admin_call *c, const char *t, char typed[2][272])
{
    int want = admin_type_param(c);
    if (want == -2)
        return 0;
    char raw[256];
    brk_table_type tt;
    if (brk_table_split(t, raw, sizeof raw, &tt))
        want = want >= 0 && want != (int)tt ? -3 : (int)tt;
    uint32_t n = 0;
    for (int k = 0; k < 2 && want != -3; k++) {
        if (want >= 0 && want != k)
            continue;
        char probe[300];
        snprintf(probe, sizeof probe, "%s_%s", raw, brk_table_type_name((brk_table_type)k));
        if (brk_catalog_find_table(c->b->catalog, probe, typed[n], sizeof typed[n]))
            n++;
    }
    if (!n)
        brk_response_error(c->out, 404, "Table %s does not exist", t);
    return n;
}

bool admin_realtime_table(admin_call *c, const char *t, char *typed, size_t cap)
{
    char raw[256], probe[300];
    brk_table_type tt;
    if (brk_table_split(t, raw, sizeof raw, &tt) && tt != BRK_REALTIME) {
        brk_response_error(c->out, 400, "Table %s is not a REALTIME table", t);
        return false;
    }
    snprintf(probe, sizeof probe, "%s_REALTIME", raw);
    if (!brk_catalog_find_table(c->b->catalog, probe, typed, cap)) {
        brk_response_error(c->out, 404, "Table %s does not exist", probe);
        return false;
    }
    return true;
}

const cJSON *admin_status_table(const cJSON *status, const char *typed)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(status, "tables")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
        if (!cJSON_IsString(name))
            continue;
        if (!strcasecmp(name->valuestring, typed))
            return t;
        char probe[600];
        if (cJSON_IsString(type)) {
            snprintf(probe, sizeof probe, "%s_%s", name->valuestring, type->valuestring);
            if (!strcasecmp(probe, typed))
                return t;
        }
    }
    return NULL;
}

/* The upload in a request: the multipart part named field ("*": the
 * first part, as Pinot's schema upload takes any), or the raw body when
 * the request is not multipart. */
static bool upload_body(admin_call *c, const char *field, brk_part **parts, uint32_t *nparts,
                        const uint8_t **data, size_t *len)
{
    *parts = NULL;
    *nparts = 0;
    if (!brk_multipart_is(c->req->content_type)) {
        *data = c->req->body;
        *len = c->req->len;
        return true;
    }
    char err[TN_ERRLEN];
    if (brk_multipart_parse(c->req->content_type, c->req->body, c->req->len, parts, nparts,
                            err)) {
        brk_response_error(c->out, 400, "Bad multipart body: %s", err);
        return false;
    }
    const brk_part *p = strcmp(field, "*") ? brk_multipart_find(*parts, *nparts, field)
                        : *nparts ? &(*parts)[0] : NULL;
    if (!p) {
        brk_response_error(c->out, 400, "multipart body has no part named '%s'", field);
        return false;
    }
    *data = p->data;
    *len = p->len;
    return true;
}

/* ---- schemas ----------------------------------------------------------- */

/* After a schema changed, tables that use it get the new one (Pinot's
 * schema evolution: new columns answer with their default at once). */
static void repush_users(admin_call *c, const char *schema)
{
    uint32_t n;
    char **tables = brk_catalog_tables_using(c->b->catalog, schema, &n);
    uint32_t ns = c->b->opts.nservers;
    brk_answer *a = tn_calloc(ns + 1, sizeof *a);
    for (uint32_t i = 0; i < n; i++) {
        brk_sync_push_table(c->b, tables[i], a);
        brk_answers_free(a, ns);
    }
    free(a);
    brk_names_free(tables, n);
}

static void schema_post(admin_call *c, const char *expect_name)
{
    brk_part *parts;
    uint32_t nparts;
    const uint8_t *data;
    size_t len;
    if (!upload_body(c, "*", &parts, &nparts, &data, &len))
        return;
    /* a multipart part is not NUL-terminated: parse a copy */
    char *json = tn_strndup((const char *)data, len);
    char name[256], err[TN_ERRLEN];
    bool override = admin_param_true(c->req, "override", true);
    int rc = TN_OK;
    if (expect_name) {
        cJSON *j = cJSON_Parse(json);
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "schemaName");
        if (j && cJSON_IsString(n) && strcmp(n->valuestring, expect_name))
            rc = tn_err(err, TN_EINVAL, "Schema name mismatch for uploaded schema: %s vs %s in "
                        "the URL", n->valuestring, expect_name);
        cJSON_Delete(j);
    }
    if (!rc)
        rc = brk_catalog_put_schema(c->b->catalog, json, len, override, name, sizeof name, err);
    free(json);
    brk_multipart_free(parts, nparts);
    if (rc == TN_EEXIST)
        brk_response_error(c->out, 409, "%s", err);
    else if (rc == TN_EINVAL)
        brk_response_error(c->out, 400, "%s", err);
    else if (rc)
        brk_response_error(c->out, 500, "%s", err);
    if (rc)
        return;
    repush_users(c, name);
    char msg[400];
    snprintf(msg, sizeof msg, "%s successfully added", name);
    admin_config_status(c, msg);
}

static void schemas_list(admin_call *c)
{
    uint32_t n;
    char **names = brk_catalog_schema_names(c->b->catalog, &n);
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
    brk_names_free(names, n);
    admin_json(c, 200, a);
}

static void schema_get(admin_call *c, const char *name)
{
    char *js = brk_catalog_schema_json(c->b->catalog, name);
    if (!js)
        brk_response_error(c->out, 404, "Schema %s not found", name);
    else
        brk_response_set(c->out, 200, "application/json", js);
}

static void schema_delete(admin_call *c, const char *name)
{
    char err[TN_ERRLEN];
    int rc = brk_catalog_delete_schema(c->b->catalog, name, err);
    if (rc == TN_ENOTFOUND)
        brk_response_error(c->out, 404, "%s", err);
    else if (rc == TN_EEXIST)
        brk_response_error(c->out, 409, "%s", err);
    else if (rc)
        brk_response_error(c->out, 500, "%s", err);
    else
        admin_status(c, "Schema %s deleted", name);
}

static void schemas_route(admin_call *c)
{
    brk_method m = c->req->method;
    if (c->nseg == 1 && m == BRK_GET)
        schemas_list(c);
    else if (c->nseg == 1 && m == BRK_POST)
        schema_post(c, NULL);
    else if (c->nseg == 2 && m == BRK_GET)
        schema_get(c, c->seg[1]);
    else if (c->nseg == 2 && m == BRK_PUT)
        schema_post(c, c->seg[1]);
    else if (c->nseg == 2 && m == BRK_DELETE)
        schema_delete(c, c->seg[1]);
    else
        brk_response_error(c->out, c->nseg <= 2 ? 405 : 404, "No such endpoint: %s",
                           c->req->path);
}

/* ---- tables ------------------------------------------------------------ */

static void drop_everywhere(brk_broker *b, const char *typed)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "{\"op\":\"dropTable\",\"table\":\"%s\"}", typed);
    brk_answer *a = tn_calloc(b->opts.nservers + 1, sizeof *a);
    brk_sync_admin(b, NULL, 0, cmd, ADMIN_TIMEOUT_MS, a);
    brk_answers_free(a, b->opts.nservers);
    free(a);
}

/* Pushes a new table; a server that refuses the config (as opposed to one
 * that is down: it gets the table when it is back) undoes the addition.
 * Returns false after responding with the refusal. */
static bool push_new_table(admin_call *c, const char *typed)
{
    uint32_t n = c->b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    brk_sync_push_table(c->b, typed, a);
    int refused = -1;
    for (uint32_t i = 0; i < n && refused < 0; i++)
        if (a[i].status == TN_EINVAL && (a[i].code == 700 || a[i].code == 100))
            refused = (int)i;
    if (refused >= 0) {
        brk_response_error(c->out, 400, "Invalid table config for %s: server %s refused it: %s",
                           typed, brk_server_name(c->b, (uint32_t)refused), a[refused].err);
        drop_everywhere(c->b, typed);
        brk_catalog_delete_table(c->b->catalog, typed, NULL);
    }
    brk_answers_free(a, n);
    free(a);
    return refused < 0;
}

static void table_post(admin_call *c)
{
    char typed[300], err[TN_ERRLEN];
    int rc = brk_catalog_put_table(c->b->catalog, (const char *)c->req->body, c->req->len, typed,
                                   sizeof typed, err);
    if (rc == TN_EEXIST)
        brk_response_error(c->out, 409, "%s", err);
    else if (rc == TN_EINVAL)
        brk_response_error(c->out, 400, "%s", err);
    else if (rc)
        brk_response_error(c->out, 500, "%s", err);
    if (rc || !push_new_table(c, typed))
        return;
    brk_apply_table_quota(c->b, typed);
    brk_sync_refresh(c->b->sync);
    char msg[400];
    snprintf(msg, sizeof msg, "Table %s successfully added", typed);
    admin_config_status(c, msg);
}

static void tables_list(admin_call *c)
{
    int want = admin_type_param(c);
    if (want == -2)
        return;
    uint32_t n;
    char **names = brk_catalog_table_names(c->b->catalog, &n);
    cJSON *a = cJSON_CreateArray();
    char prev[256] = "";
    for (uint32_t i = 0; i < n; i++) {
        char raw[256];
        brk_table_type t;
        brk_table_split(names[i], raw, sizeof raw, &t);
        if (want >= 0 && (int)t != want)
            continue;
        if (want < 0 && !strcmp(raw, prev))
            continue; /* a hybrid table is listed once by its raw name */
        if (!admin_user_sees(c, raw))
            continue;
        cJSON_AddItemToArray(a, cJSON_CreateString(want >= 0 ? names[i] : raw));
        snprintf(prev, sizeof prev, "%s", raw);
    }
    brk_names_free(names, n);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "tables", a);
    admin_json(c, 200, j);
}

static void table_get(admin_call *c, const char *t)
{
    char typed[2][272];
    uint32_t n = admin_typed_tables(c, t, typed);
    if (!n)
        return;
    cJSON *j = cJSON_CreateObject();
    for (uint32_t i = 0; i < n; i++) {
        char raw[256];
        brk_table_type tt;
        brk_table_split(typed[i], raw, sizeof raw, &tt);
        char *cfg = brk_catalog_table_json(c->b->catalog, typed[i]);
        if (cfg)
            cJSON_AddItemToObject(j, brk_table_type_name(tt), cJSON_CreateRaw(cfg));
        free(cfg);
    }
    admin_json(c, 200, j);
}

static void table_delete(admin_call *c, const char *t)
{
    char typed[2][272];
    uint32_t n = admin_typed_tables(c, t, typed);
    if (!n)
        return;
    tn_buf names = {0};
    for (uint32_t i = 0; i < n; i++) {
        drop_everywhere(c->b, typed[i]);
        brk_catalog_delete_table(c->b->catalog, typed[i], NULL);
        brk_apply_table_quota(c->b, typed[i]);
        if (i)
            tn_buf_append(&names, ", ", 2);
        tn_buf_append(&names, typed[i], strlen(typed[i]));
    }
    tn_buf_append(&names, "", 1);
    brk_sync_refresh(c->b->sync);
    admin_status(c, "Tables: [%s] deleted", (char *)names.data);
    tn_buf_free(&names);
}

static void table_schema(admin_call *c, const char *t)
{
    brk_resolved r;
    char err[TN_ERRLEN];
    /* the same answer for a table that is not there and one not readable */
    if (!admin_user_sees(c, t) || brk_catalog_resolve(c->b->catalog, t, &r, err)) {
        brk_response_error(c->out, 404, "Table %s does not exist", t);
        return;
    }
    char *js = brk_catalog_schema_json(c->b->catalog, r.schema->name);
    js = admin_schema_view(c, r.raw, js ? js : seg_schema_to_json(r.schema));
    if (!js)
        brk_response_error(c->out, 500, "the schema of %s cannot be shown", t);
    else
        brk_response_set(c->out, 200, "application/json", js);
    brk_resolved_release(&r);
}

static void tables_route(admin_call *c)
{
    brk_method m = c->req->method;
    const char *sub = c->nseg >= 3 ? c->seg[2] : NULL;
    if (c->nseg == 1 && m == BRK_GET)
        tables_list(c);
    else if (c->nseg == 1 && m == BRK_POST)
        table_post(c);
    else if (c->nseg == 2 && m == BRK_GET)
        table_get(c, c->seg[1]);
    else if (c->nseg == 2 && m == BRK_DELETE)
        table_delete(c, c->seg[1]);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "schema"))
        table_schema(c, c->seg[1]);
    else if (c->nseg == 3 && m == BRK_POST && !strcmp(sub, "pauseConsumption"))
        admin_pause(c, true);
    else if (c->nseg == 3 && m == BRK_POST && !strcmp(sub, "resumeConsumption"))
        admin_pause(c, false);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "pauseStatus"))
        admin_pause_status(c);
    else if (c->nseg == 3 && m == BRK_POST && !strcmp(sub, "forceCommit"))
        admin_force_commit(c);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "consumingSegmentsInfo"))
        admin_consuming_info(c);
    else if (c->nseg == 2 && m == BRK_PUT)
        admin_table_put(c);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "size"))
        admin_table_size(c);
    else if (c->nseg == 3 && !strcmp(sub, "state"))
        admin_table_state(c);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "externalview"))
        admin_table_view(c, true);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(sub, "idealstate"))
        admin_table_view(c, false);
    else
        brk_response_error(c->out, c->nseg <= 2 ? 405 : 404, "No such endpoint: %s %s",
                           m == BRK_GET ? "GET" : m == BRK_POST ? "POST" : "", c->req->path);
}

/* ---- ingestFromFile ---------------------------------------------------- */

/* The server to build a new OFFLINE segment: an answering server with the
 * fewest segments of the table, round-robin among equals. -1 if none. */
static int ingest_server(brk_broker *b, const char *typed)
{
    brk_routing *r = brk_sync_routing(b->sync);
    const brk_route_table *t = brk_routing_find(r, typed);
    uint32_t n = b->opts.nservers;
    uint32_t start = atomic_fetch_add(&b->next_ingest, 1) % n;
    int best = -1;
    uint32_t best_segs = UINT32_MAX;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = (start + k) % n;
        if (!r->up[i])
            continue;
        uint32_t segs = 0;
        for (uint32_t s = 0; t && s < t->nsrvs; s++)
            if (t->srvs[s].server == i)
                segs = t->srvs[s].nsegs;
        if (segs < best_segs)
            best = (int)i, best_segs = segs;
    }
    brk_routing_unref(r);
    return best;
}

static void ingest_send(admin_call *c, int server, const char *typed, const char *batch,
                        const uint8_t *data, size_t len)
{
    brk_call call = {.server = (uint32_t)server};
    tn_wire_begin(&call.request, TN_MSG_INGEST, 0);
    tn_wire_put_cstr(&call.request, typed);
    tn_wire_put_cstr(&call.request, batch);
    tn_wire_put_str(&call.request, (const char *)data, len);
    tn_wire_end(&call.request, 0);
    brk_pool_call(c->b->pool, &call, 1, INGEST_TIMEOUT_MS);
    tn_buf_free(&call.request);
    tn_wire_rd r;
    tn_wire_rd_init(&r, call.payload, call.len);
    const char *sname = brk_server_name(c->b, (uint32_t)server);
    if (call.status != TN_OK) {
        brk_response_error(c->out, 503, "Ingesting into %s: server %s failed: %s", typed, sname,
                           call.err);
    } else if (call.type == TN_MSG_ERROR) {
        int code = tn_wire_get_i32(&r);
        char *msg = tn_wire_get_strdup(&r);
        brk_response_error(c->out, code ? brk_error_http_status(code) : 500,
                           "Ingesting into %s failed on server %s: %s", typed, sname,
                           msg ? msg : "(malformed error)");
        free(msg);
    } else {
        char *js = tn_wire_get_strdup(&r);
        cJSON *res = js ? cJSON_Parse(js) : NULL;
        tn_buf names = {0};
        const cJSON *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(res, "segments")) {
            if (!cJSON_IsString(s))
                continue;
            if (names.len)
                tn_buf_append(&names, ",", 1);
            tn_buf_append(&names, s->valuestring, strlen(s->valuestring));
        }
        tn_buf_append(&names, "", 1);
        brk_sync_refresh(c->b->sync);
        admin_status(c, "Successfully ingested file into table: %s as segment: %s", typed,
                     (char *)names.data);
        tn_buf_free(&names);
        cJSON_Delete(res);
        free(js);
    }
    brk_call_clear(&call);
}

static void ingest_from_file(admin_call *c)
{
    const char *t = brk_request_param(c->req, "tableNameWithType");
    if (!t || !*t) {
        brk_response_error(c->out, 400, "Query parameter 'tableNameWithType' is required");
        return;
    }
    char raw[256], typed[300];
    brk_table_type tt;
    if (!brk_table_split(t, raw, sizeof raw, &tt) || tt != BRK_OFFLINE) {
        brk_response_error(c->out, 400, "tableNameWithType must name an OFFLINE table "
                           "(e.g. %s_OFFLINE), got %s", raw, t);
        return;
    }
    if (!brk_catalog_find_table(c->b->catalog, t, typed, sizeof typed)) {
        brk_response_error(c->out, 404, "Table %s does not exist", t);
        return;
    }
    const char *batch = brk_request_param(c->req, "batchConfigMapStr");
    cJSON *bj = batch ? cJSON_Parse(batch) : NULL;
    bool bad_batch = batch && !cJSON_IsObject(bj);
    cJSON_Delete(bj);
    if (bad_batch) {
        brk_response_error(c->out, 400, "batchConfigMapStr is not a JSON object: %s", batch);
        return;
    }
    brk_part *parts;
    uint32_t nparts;
    const uint8_t *data;
    size_t len;
    if (!upload_body(c, "file", &parts, &nparts, &data, &len))
        return;
    int server = ingest_server(c->b, typed);
    if (server < 0)
        brk_response_error(c->out, 503, "No server is available to ingest into %s", typed);
    else
        ingest_send(c, server, typed, batch ? batch : "{\"inputFormat\":\"json\"}", data, len);
    brk_multipart_free(parts, nparts);
}

/* ---- endpoints both ports serve ---------------------------------------- */

static void time_boundary(admin_call *c, const char *t)
{
    brk_resolved r;
    char err[TN_ERRLEN];
    if (brk_catalog_resolve(c->b->catalog, t, &r, err)) {
        brk_response_error(c->out, 404, "Table %s does not exist", t);
        return;
    }
    brk_routing *rt = brk_sync_routing(c->b->sync);
    int64_t boundary;
    bool ok = r.has[BRK_OFFLINE] && r.time_unit_ms > 0 &&
              brk_routing_time_boundary(rt, r.typed[BRK_OFFLINE], r.time_unit_ms, r.hourly,
                                        &boundary);
    if (!ok) {
        brk_response_error(c->out, 404, "No time boundary for table %s", t);
    } else {
        cJSON *j = cJSON_CreateObject();
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)boundary);
        cJSON_AddStringToObject(j, "timeColumn", r.time_column);
        cJSON_AddStringToObject(j, "timeValue", v);
        admin_json(c, 200, j);
    }
    brk_routing_unref(rt);
    brk_resolved_release(&r);
}

static void routing_table(admin_call *c, const char *t)
{
    brk_routing *rt = brk_sync_routing(c->b->sync);
    bool verbose = admin_param_true(c->req, "verbose", false);
    char typed[300];
    if (t && !brk_catalog_find_table(c->b->catalog, t, typed, sizeof typed)) {
        brk_response_error(c->out, 404, "Table %s does not exist", t);
    } else if (t) {
        /* a raw name shows both of its parts */
        char raw[256];
        brk_table_type tt;
        bool has_type = brk_table_split(t, raw, sizeof raw, &tt);
        cJSON *j = cJSON_CreateObject();
        for (int k = 0; k < 2; k++) {
            if (has_type && k != (int)tt)
                continue;
            char probe[300];
            snprintf(probe, sizeof probe, "%s_%s", raw, brk_table_type_name((brk_table_type)k));
            if (!brk_catalog_find_table(c->b->catalog, probe, typed, sizeof typed))
                continue;
            char *js = brk_routing_json(rt, c->b->opts.servers, typed, verbose);
            cJSON *one = cJSON_Parse(js);
            free(js);
            cJSON *entry = cJSON_DetachItemFromObjectCaseSensitive(one, typed);
            cJSON_AddItemToObject(j, typed, entry ? entry : cJSON_CreateObject());
            cJSON_Delete(one);
        }
        admin_json(c, 200, j);
    } else {
        brk_response_set(c->out, 200, "application/json",
                         brk_routing_json(rt, c->b->opts.servers, NULL, verbose));
    }
    brk_routing_unref(rt);
}

/* Pinot controller's GET /v2/brokers/tables: which brokers serve each
 * table. Pinot clients with a controller-based broker selector read it. */
static void brokers_by_table(admin_call *c)
{
    uint32_t n;
    char **names = brk_catalog_table_names(c->b->catalog, &n);
    cJSON *j = cJSON_CreateObject();
    char id[160];
    snprintf(id, sizeof id, "Broker_%s_%d", c->b->http_host, c->b->http_port);
    for (uint32_t i = 0; i < n; i++) {
        char raw[256];
        brk_table_type t;
        brk_table_split(names[i], raw, sizeof raw, &t);
        if (cJSON_GetObjectItemCaseSensitive(j, raw) || !admin_user_sees(c, raw))
            continue;
        cJSON *one = cJSON_CreateObject();
        cJSON_AddNumberToObject(one, "port", c->b->http_port);
        cJSON_AddStringToObject(one, "host", c->b->http_host);
        cJSON_AddStringToObject(one, "instanceName", id);
        cJSON *list = cJSON_AddArrayToObject(j, raw);
        cJSON_AddItemToArray(list, one);
    }
    brk_names_free(names, n);
    admin_json(c, 200, j);
}

/* The endpoints both ports serve. */
typedef enum common_ep {
    EP_NONE, EP_HEALTH, EP_METRICS, EP_ROUTING, EP_BOUNDARY, EP_BROKERS
} common_ep;

static common_ep common_endpoint(const admin_call *c)
{
    if (c->req->method != BRK_GET)
        return EP_NONE;
    if (c->nseg == 1 && !strcmp(c->seg[0], "health"))
        return EP_HEALTH;
    if (c->nseg == 1 && !strcmp(c->seg[0], "metrics"))
        return EP_METRICS;
    if (c->nseg >= 2 && c->nseg <= 3 && !strcmp(c->seg[0], "debug") &&
        !strcmp(c->seg[1], "routingTable"))
        return EP_ROUTING;
    if (c->nseg == 3 && !strcmp(c->seg[0], "debug") && !strcmp(c->seg[1], "timeBoundary"))
        return EP_BOUNDARY;
    if (c->nseg == 3 && !strcmp(c->seg[0], "v2") && !strcmp(c->seg[1], "brokers") &&
        !strcmp(c->seg[2], "tables"))
        return EP_BROKERS;
    return EP_NONE;
}

static void common_serve(admin_call *c, common_ep ep)
{
    switch (ep) {
    case EP_HEALTH: brk_response_set(c->out, 200, "text/plain", tn_strdup("OK")); break;
    case EP_METRICS:
        brk_response_set(c->out, 200, "text/plain; version=0.0.4",
                         brk_metrics_text(&c->b->metrics, c->b->opts.servers));
        break;
    case EP_ROUTING: routing_table(c, c->nseg == 3 ? c->seg[2] : NULL); break;
    case EP_BOUNDARY: time_boundary(c, c->seg[2]); break;
    case EP_BROKERS: brokers_by_table(c); break;
    case EP_NONE: break;
    }
}

/* ---- dispatch ---------------------------------------------------------- */

static void call_init(admin_call *c, brk_broker *b, const brk_request *req, brk_response *out)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    c->req = req;
    c->out = out;
    c->nseg = brk_path_split(req->path, c->seg, ADMIN_MAX_SEGS);
    out->pinot_error = BRK_NO_ERROR_HEADER;
}

static void call_free(admin_call *c)
{
    for (uint32_t i = 0; i < c->nseg; i++)
        free(c->seg[i]);
}

bool brk_admin_common(brk_broker *b, const brk_request *req, brk_response *out)
{
    admin_call c;
    call_init(&c, b, req, out);
    common_ep ep = common_endpoint(&c);
    if (ep != EP_NONE && admin_allowed(&c))
        common_serve(&c, ep);
    call_free(&c);
    return ep != EP_NONE;
}

static void segments_route(admin_call *c)
{
    brk_method m = c->req->method;
    if (c->nseg == 3 && m == BRK_GET && !strcmp(c->seg[1], "segmentReloadStatus"))
        admin_reload_status(c);
    else if (c->nseg == 2 && m == BRK_GET)
        admin_segments_list(c);
    else if (c->nseg == 2 && m == BRK_DELETE)
        admin_segments_delete(c);
    else if (c->nseg == 4 && m == BRK_GET && !strcmp(c->seg[3], "metadata"))
        admin_segment_metadata(c);
    else if (c->nseg == 3 && m == BRK_GET && !strcmp(c->seg[2], "servers"))
        admin_segments_servers(c);
    else if (c->nseg == 3 && m == BRK_POST && !strcmp(c->seg[2], "reload"))
        admin_reload(c, NULL);
    else if (c->nseg == 4 && m == BRK_POST && !strcmp(c->seg[3], "reload"))
        admin_reload(c, c->seg[2]);
    else if (c->nseg == 3 && m == BRK_DELETE)
        admin_segment_delete(c);
    else
        brk_response_error(c->out, 404, "No such endpoint: %s", c->req->path);
}

void brk_admin_handle(brk_broker *b, const brk_request *req, brk_response *out)
{
    admin_call c;
    call_init(&c, b, req, out);
    atomic_fetch_add_explicit(&b->metrics.admin_requests, 1, memory_order_relaxed);
    const char *top = c.nseg ? c.seg[0] : "";
    common_ep ep = common_endpoint(&c);
    if (!admin_allowed(&c))
        ;
    else if (ep != EP_NONE)
        common_serve(&c, ep);
    else if (!strcmp(top, "users"))
        admin_users_route(&c);
    else if (!strcmp(top, "schemas"))
        schemas_route(&c);
    else if (!strcmp(top, "tables") && c.nseg >= 1)
        tables_route(&c);
    else if (!strcmp(top, "segments") && c.nseg >= 2)
        segments_route(&c);
    else if (!strcmp(top, "ingestFromFile") && c.nseg == 1 && req->method == BRK_POST)
        ingest_from_file(&c);
    else
        brk_response_error(out, 404, "No such endpoint: %s", req->path);
    call_free(&c);
}
