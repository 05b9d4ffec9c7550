/*
 * brk_admin_ops.c: the controller calls that manage a table as a whole:
 * config update (PUT /tables/{t}), size, enabled/disabled state, ideal
 * state and external view, bulk segment delete, the server → segments map
 * and reload with its job status. Shapes are Pinot's (TableSizeReader,
 * TableViews, SuccessResponse); the data comes from the catalog and the
 * servers' status in the routing snapshot.
 *
 * All of them are ADMIN-only (brk_admin_users.c): sizes, segment lists and
 * server maps describe every row of a table, which a USER with a row
 * filter or hidden columns must not learn about.
 */
#include "brk_admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brk_sync.h"

#define ADMIN_TIMEOUT_MS 15000
#define RELOAD_TIMEOUT_MS 30000

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static int64_t num_of(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return (int64_t)v->valuedouble;
    return cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : 0;
}

/* Pinot names servers Server_<host>_<port>: built from the address the
 * broker knows the server by (unique, unlike the name a server started
 * with --port 0 reports about itself). */
static const char *server_label(const brk_broker *b, uint32_t i, char *buf, size_t cap)
{
    const char *addr = brk_server_name(b, i), *colon = strrchr(addr, ':');
    if (!colon)
        snprintf(buf, cap, "Server_%s", addr);
    else
        snprintf(buf, cap, "Server_%.*s_%s", (int)(colon - addr), addr, colon + 1);
    return buf;
}

static bool is_consuming(const cJSON *seg)
{
    const cJSON *s = get(seg, "status");
    return cJSON_IsString(s) && !strcmp(s->valuestring, "IN_PROGRESS");
}

static bool is_realtime(const char *typed)
{
    char raw[256];
    brk_table_type t;
    return brk_table_split(typed, raw, sizeof raw, &t) && t == BRK_REALTIME;
}

/* Sends {"op": op, "table": typed} to every server; how many failed. */
static uint32_t table_op(brk_broker *b, const char *op, const char *typed, int64_t timeout_ms)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "{\"op\":\"%s\",\"table\":\"%s\"}", op, typed);
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    uint32_t failed = brk_sync_admin(b, NULL, 0, cmd, timeout_ms, a);
    brk_answers_free(a, n);
    free(a);
    return failed;
}

/* ---- PUT /tables/{t} ----------------------------------------------------- */

/* Pushes typed's stored config to every server; the index of a server
 * that refused it (as opposed to one that is down), or -1. */
static int push_refused(brk_broker *b, const char *typed, char *why, size_t cap)
{
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    brk_sync_push_table(b, typed, a);
    int refused = -1;
    for (uint32_t i = 0; i < n && refused < 0; i++)
        if (a[i].status == TN_EINVAL && (a[i].code == 700 || a[i].code == 100)) {
            refused = (int)i;
            snprintf(why, cap, "%s", a[i].err);
        }
    brk_answers_free(a, n);
    free(a);
    return refused;
}

void admin_table_put(admin_call *c)
{
    char typed[300], err[TN_ERRLEN], *old = NULL;
    int rc = brk_catalog_update_table(c->b->catalog, c->seg[1], (const char *)c->req->body,
                                      c->req->len, typed, sizeof typed, &old, err);
    if (rc) {
        brk_response_error(c->out, rc == TN_ENOTFOUND ? 404 : rc == TN_EINVAL ? 400 : 500, "%s",
                           err);
        return;
    }
    /* servers apply it at once: a REALTIME table's consumers restart from
     * the committed offsets under the new settings (srv_node.c) */
    char why[TN_ERRLEN];
    int refused = push_refused(c->b, typed, why, sizeof why);
    if (refused >= 0) {
        char *ignored = NULL, e2[TN_ERRLEN], t2[300];
        if (brk_catalog_update_table(c->b->catalog, typed, old, strlen(old), t2, sizeof t2,
                                     &ignored, e2) == TN_OK)
            push_refused(c->b, typed, e2, sizeof e2); /* servers that took the new one go back */
        free(ignored);
        brk_response_error(c->out, 400, "Invalid table config for %s: server %s refused it: %s",
                           typed, brk_server_name(c->b, (uint32_t)refused), why);
    } else {
        brk_apply_table_quota(c->b, typed);
        brk_sync_refresh(c->b->sync);
        char msg[400];
        snprintf(msg, sizeof msg, "Table config updated for %s", c->seg[1]);
        admin_config_status(c, msg);
    }
    free(old);
}

/* ---- GET /tables/{t}/size ------------------------------------------------ */

typedef struct size_totals {
    int64_t reported, estimated, per_replica;
} size_totals;

/* Every known segment of typed → {"serverInfo": {server: {segmentName,
 * diskSizeInBytes}}}; a server that is down reports -1 for its segments. */
static cJSON *segments_by_name(const admin_call *c, const brk_routing *r, const char *typed)
{
    cJSON *segs = cJSON_CreateObject();
    for (uint32_t i = 0; i < r->nservers; i++) {
        const cJSON *s;
        cJSON_ArrayForEach(s, get(admin_status_table(r->status[i], typed), "segments")) {
            const cJSON *name = get(s, "name");
            if (!cJSON_IsString(name))
                continue;
            cJSON *e = cJSON_GetObjectItemCaseSensitive(segs, name->valuestring);
            if (!e) {
                e = cJSON_AddObjectToObject(segs, name->valuestring);
                cJSON_AddObjectToObject(e, "serverInfo");
            }
            char label[300];
            cJSON *info = cJSON_AddObjectToObject(cJSON_GetObjectItemCaseSensitive(e, "serverInfo"),
                                                  server_label(c->b, i, label, sizeof label));
            cJSON_AddStringToObject(info, "segmentName", name->valuestring);
            cJSON_AddNumberToObject(info, "diskSizeInBytes",
                                    r->up[i] ? (double)num_of(get(s, "sizeBytes")) : -1);
        }
    }
    return segs;
}

/* One segment's SegmentSizeDetails from its serverInfo (taken). */
static cJSON *segment_details(cJSON *server_info, brk_seg_size *sz)
{
    int64_t sizes[64];
    uint32_t n = 0;
    const cJSON *i;
    cJSON_ArrayForEach(i, server_info)
        if (n < TN_ARRAY_LEN(sizes))
            sizes[n++] = num_of(get(i, "diskSizeInBytes"));
    brk_segment_size(sizes, n, sz);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "reportedSizeInBytes", (double)sz->reported);
    cJSON_AddNumberToObject(d, "estimatedSizeInBytes", (double)sz->estimated);
    cJSON_AddNumberToObject(d, "maxReportedSizePerReplicaInBytes", (double)sz->max_per_replica);
    cJSON_AddItemToObject(d, "serverInfo", server_info);
    return d;
}

/* TableSubTypeSizeDetails of typed; adds to tot. */
static cJSON *subtype_size(const admin_call *c, const brk_routing *r, const char *typed,
                           bool verbose, size_totals *tot)
{
    cJSON *raw = segments_by_name(c, r, typed), *segs = cJSON_CreateObject();
    size_totals t = {0};
    int missing = 0;
    for (cJSON *e = raw->child; e; e = e->next) {
        brk_seg_size sz;
        cJSON *info = cJSON_DetachItemFromObjectCaseSensitive(e, "serverInfo");
        cJSON *d = segment_details(info, &sz);
        if (sz.reported < 0)
            missing++;
        else
            t.reported += sz.reported, t.estimated += sz.estimated,
                t.per_replica += sz.max_per_replica;
        cJSON_AddItemToObject(segs, e->string, d);
    }
    cJSON_Delete(raw);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "reportedSizeInBytes", (double)t.reported);
    cJSON_AddNumberToObject(o, "estimatedSizeInBytes", (double)t.estimated);
    cJSON_AddNumberToObject(o, "missingSegments", missing);
    cJSON_AddNumberToObject(o, "reportedSizePerReplicaInBytes", (double)t.per_replica);
    if (verbose)
        cJSON_AddItemToObject(o, "segments", segs);
    else
        cJSON_Delete(segs);
    tot->reported += t.reported;
    tot->estimated += t.estimated;
    tot->per_replica += t.per_replica;
    return o;
}

void admin_table_size(admin_call *c)
{
    char typed[2][272];
    uint32_t n = admin_typed_tables(c, c->seg[1], typed);
    if (!n)
        return;
    bool verbose = admin_param_true(c->req, "verbose", true);
    brk_routing *r = brk_sync_routing(c->b->sync);
    cJSON *part[2] = {NULL, NULL};
    size_totals tot = {0};
    for (uint32_t i = 0; i < n; i++)
        part[is_realtime(typed[i])] = subtype_size(c, r, typed[i], verbose, &tot);
    brk_routing_unref(r);
    char raw[256];
    brk_table_type tt;
    brk_table_split(c->seg[1], raw, sizeof raw, &tt);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "tableName", raw);
    cJSON_AddNumberToObject(j, "reportedSizeInBytes", (double)tot.reported);
    cJSON_AddNumberToObject(j, "estimatedSizeInBytes", (double)tot.estimated);
    cJSON_AddNumberToObject(j, "reportedSizePerReplicaInBytes", (double)tot.per_replica);
    cJSON_AddItemToObject(j, "offlineSegments", part[0] ? part[0] : cJSON_CreateNull());
    cJSON_AddItemToObject(j, "realtimeSegments", part[1] ? part[1] : cJSON_CreateNull());
    admin_json(c, 200, j);
}

/* ---- GET/PUT /tables/{t}/state ------------------------------------------- */

/* The one typed table a state call is about: a typed path, ?type=, or the
 * only type the table has. false after responding. */
static bool one_typed(admin_call *c, char *typed, size_t cap)
{
    char t2[2][272];
    uint32_t n = admin_typed_tables(c, c->seg[1], t2);
    if (n > 1)
        brk_response_error(c->out, 400, "Table %s is a hybrid table: give type=OFFLINE or "
                           "type=REALTIME", c->seg[1]);
    if (n != 1)
        return false;
    snprintf(typed, cap, "%s", t2[0]);
    return true;
}

static void state_put(admin_call *c)
{
    const char *st = brk_request_param(c->req, "state");
    bool disable;
    if (st && !strcasecmp(st, "enable")) {
        disable = false;
    } else if (st && !strcasecmp(st, "disable")) {
        disable = true;
    } else {
        brk_response_error(c->out, 400, "Unknown state '%s' (enable or disable)", st ? st : "");
        return;
    }
    char typed[300], err[TN_ERRLEN];
    if (!one_typed(c, typed, sizeof typed))
        return;
    if (brk_catalog_set_disabled(c->b->catalog, typed, disable, err)) {
        brk_response_error(c->out, 500, "Failed to %s table '%s': %s", st, typed, err);
        return;
    }
    /* a disabled REALTIME table stops consuming; enabled, it goes on from
     * where it stopped unless an operator paused it */
    if (is_realtime(typed) && (disable || !brk_catalog_paused(c->b->catalog, typed)))
        table_op(c->b, disable ? "pause" : "resume", typed, ADMIN_TIMEOUT_MS);
    brk_sync_refresh(c->b->sync);
    admin_status(c, "Request to %s table '%s' is successful", disable ? "disable" : "enable",
                 typed);
}

void admin_table_state(admin_call *c)
{
    char typed[300];
    if (c->req->method == BRK_PUT) {
        state_put(c);
    } else if (c->req->method == BRK_GET) {
        if (!one_typed(c, typed, sizeof typed))
            return;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "state", brk_catalog_table_disabled(c->b->catalog, typed)
                                                ? "disabled" : "enabled");
        admin_json(c, 200, j);
    } else {
        brk_response_error(c->out, 405, "%s takes GET, or PUT with ?state=enable|disable",
                           c->req->path);
    }
}

/* ---- GET /tables/{t}/idealstate, /externalview --------------------------- */

/* {segment: {server: state}}: the ideal state names every segment the
 * servers reported (a server that is down, by its last status); the
 * external view shows that server's segments OFFLINE. */
static cJSON *view_map(const admin_call *c, const brk_routing *r, const char *typed, bool external)
{
    cJSON *m = cJSON_CreateObject();
    for (uint32_t i = 0; i < r->nservers; i++) {
        const cJSON *s;
        cJSON_ArrayForEach(s, get(admin_status_table(r->status[i], typed), "segments")) {
            const cJSON *name = get(s, "name");
            if (!cJSON_IsString(name))
                continue;
            cJSON *e = cJSON_GetObjectItemCaseSensitive(m, name->valuestring);
            if (!e)
                e = cJSON_AddObjectToObject(m, name->valuestring);
            const char *state = external && !r->up[i] ? "OFFLINE"
                                : is_consuming(s)     ? "CONSUMING" : "ONLINE";
            char label[300];
            cJSON_AddStringToObject(e, server_label(c->b, i, label, sizeof label), state);
        }
    }
    return m;
}

void admin_table_view(admin_call *c, bool external)
{
    /* Pinot's parameter here is tableType; type is accepted too */
    const char *tt = brk_request_param(c->req, "tableType");
    if (!tt)
        tt = brk_request_param(c->req, "type");
    if (tt && strcasecmp(tt, "OFFLINE") && strcasecmp(tt, "REALTIME")) {
        brk_response_error(c->out, 400, "Illegal table type '%s' (OFFLINE or REALTIME)", tt);
        return;
    }
    char raw[256], probe[300], typed[300];
    brk_table_type pt;
    bool has_type = brk_table_split(c->seg[1], raw, sizeof raw, &pt);
    cJSON *j = cJSON_CreateObject();
    brk_routing *r = brk_sync_routing(c->b->sync);
    bool found = false;
    for (int k = 0; k < 2; k++) {
        const char *name = brk_table_type_name((brk_table_type)k);
        snprintf(probe, sizeof probe, "%s_%s", raw, name);
        bool wanted = (!has_type || (int)pt == k) && (!tt || !strcasecmp(tt, name));
        if (wanted && brk_catalog_find_table(c->b->catalog, probe, typed, sizeof typed)) {
            cJSON_AddItemToObject(j, name, view_map(c, r, typed, external));
            found = true;
        } else {
            cJSON_AddNullToObject(j, name);
        }
    }
    brk_routing_unref(r);
    if (found)
        admin_json(c, 200, j);
    else {
        cJSON_Delete(j);
        brk_response_error(c->out, 404, "Table %s does not exist", c->seg[1]);
    }
}

/* ---- GET /segments/{t}/servers ------------------------------------------- */

void admin_segments_servers(admin_call *c)
{
    char typed[2][272];
    uint32_t n = admin_typed_tables(c, c->seg[1], typed);
    if (!n)
        return;
    bool verbose = admin_param_true(c->req, "verbose", true);
    brk_routing *r = brk_sync_routing(c->b->sync);
    cJSON *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        const brk_route_table *t = brk_routing_find(r, typed[i]);
        cJSON *one = cJSON_CreateObject(), *map = cJSON_CreateObject(), *count;
        cJSON_AddStringToObject(one, "tableName", typed[i]);
        count = cJSON_CreateObject();
        for (uint32_t k = 0; t && k < t->nsrvs; k++) {
            const brk_route_srv *rs = &t->srvs[k];
            char buf[300];
            const char *label = server_label(c->b, rs->server, buf, sizeof buf);
            cJSON *segs = cJSON_AddArrayToObject(map, label);
            for (uint32_t s = 0; s < rs->nsegs; s++)
                cJSON_AddItemToArray(segs, cJSON_CreateString(rs->segs[s].name));
            cJSON_AddNumberToObject(count, label, rs->nsegs);
        }
        if (verbose)
            cJSON_AddItemToObject(one, "serverToSegmentsMap", map);
        else
            cJSON_Delete(map);
        cJSON_AddItemToObject(one, "serverToSegmentsCountMap", count);
        cJSON_AddItemToArray(list, one);
    }
    brk_routing_unref(r);
    admin_json(c, 200, list);
}

/* ---- DELETE /segments/{t}?type= ------------------------------------------ */

/* Where segment name of t lives: the server index, or -1; *consuming. */
static int segment_server(const brk_route_table *t, const char *name, bool *consuming)
{
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        for (uint32_t s = 0; s < t->srvs[k].nsegs; s++)
            if (!strcmp(t->srvs[k].segs[s].name, name)) {
                *consuming = t->srvs[k].segs[s].consuming;
                return (int)t->srvs[k].server;
            }
    return -1;
}

/* The segments= parameters (repeatable); their count. */
static uint32_t listed_segments(const brk_request *req, const char **out, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < req->nparams; i++)
        if (!strcmp(req->params[i].key, "segments") && req->params[i].value[0] && n < cap)
            out[n++] = req->params[i].value;
    return n;
}

/* Checks every listed segment against the routing table: false after
 * responding (404 unknown, 400 consuming). */
static bool check_listed(admin_call *c, const brk_route_table *t, const char *typed,
                         const char **names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        bool consuming = false;
        if (segment_server(t, names[i], &consuming) < 0) {
            brk_response_error(c->out, 404, "Failed to find segment: %s in table: %s", names[i],
                               typed);
            return false;
        }
        if (consuming) {
            brk_response_error(c->out, 400, "Segment %s of %s is consuming: commit it first "
                               "(POST /tables/%s/forceCommit)", names[i], typed, typed);
            return false;
        }
    }
    return true;
}

/* Every sealed segment of t: a consuming one holds uncommitted rows the
 * consumer would only write again. */
static uint32_t all_sealed(const brk_route_table *t, const char **out, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        for (uint32_t s = 0; s < t->srvs[k].nsegs && n < cap; s++)
            if (!t->srvs[k].segs[s].consuming)
                out[n++] = t->srvs[k].segs[s].name;
    return n;
}

static void deleted_status(admin_call *c, const char *typed, const char **names, uint32_t n,
                           bool all)
{
    if (all) {
        admin_status(c, "All segments of table %s deleted", typed);
        return;
    }
    if (n > 5) {
        admin_status(c, "Deleted %u segments from table: %s", n, typed);
        return;
    }
    tn_buf list = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            tn_buf_append(&list, ", ", 2);
        tn_buf_append(&list, names[i], strlen(names[i]));
    }
    tn_buf_append(&list, "", 1);
    admin_status(c, "Deleted segments: [%s] from table: %s", (char *)list.data, typed);
    tn_buf_free(&list);
}

void admin_segments_delete(admin_call *c)
{
    int want = admin_type_param(c);
    if (want == -2)
        return;
    if (want == -1) {
        brk_response_error(c->out, 400, "Table type must not be null");
        return;
    }
    char typed[2][272], err[TN_ERRLEN];
    if (!admin_typed_tables(c, c->seg[1], typed))
        return;
    brk_routing *r = brk_sync_routing(c->b->sync); /* names point into it */
    const brk_route_table *t = brk_routing_find(r, typed[0]);
    uint32_t cap = c->req->nparams;
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        cap += t->srvs[k].nsegs;
    const char **names = tn_calloc(cap + 1, sizeof *names);
    uint32_t n = listed_segments(c->req, names, cap);
    bool all = n == 0;
    if (all)
        n = all_sealed(t, names, cap);
    int rc = all || check_listed(c, t, typed[0], names, n) ? TN_OK : TN_EINVAL;
    for (uint32_t i = 0; i < n && !rc; i++) {
        bool consuming;
        int server = segment_server(t, names[i], &consuming);
        rc = admin_delete_segment(c->b, typed[0], names[i], (uint32_t)server, err);
        if (rc)
            brk_response_error(c->out, 500, "%s (%u of %u segments deleted)", err, i, n);
    }
    if (!rc)
        deleted_status(c, typed[0], names, n, all);
    brk_routing_unref(r);
    free(names);
    brk_sync_refresh(c->b->sync);
}

/* ---- reload -------------------------------------------------------------- */

/* Reload in Tannin: every server is sent the table's current schema and
 * config again (putTable; one that missed a change catches up, one that
 * has them changes nothing), and a REALTIME table's consuming segments are
 * committed, as Pinot reloads them, so that the next consuming segments
 * store every column of the current schema. Sealed segments are not
 * rebuilt: a column added to the schema already answers its default value
 * on them (default columns), and index changes apply to new segments. The
 * work is done when the call returns; the job record says how it went. */
typedef struct reload_job {
    char id[40];
    uint32_t servers, failed, segments, ok_segments;
    int64_t start_ms, end_ms;
} reload_job;

static uint32_t push_failures(brk_broker *b, const char *typed)
{
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    uint32_t failed = brk_sync_push_table(b, typed, a);
    brk_answers_free(a, n);
    free(a);
    return failed;
}

/* Segments of typed (only `segment` when not NULL) on the servers that
 * answered; counts into job. */
static void count_segments(brk_broker *b, const char *typed, const char *segment, reload_job *job)
{
    brk_routing *r = brk_sync_routing(b->sync);
    const brk_route_table *t = brk_routing_find(r, typed);
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        for (uint32_t s = 0; s < t->srvs[k].nsegs; s++) {
            if (segment && strcmp(segment, t->srvs[k].segs[s].name))
                continue;
            job->segments++;
            job->ok_segments += r->up[t->srvs[k].server];
        }
    brk_routing_unref(r);
}

static void reload_run(brk_broker *b, const char *typed, const char *segment, bool consuming,
                       reload_job *job)
{
    memset(job, 0, sizeof *job);
    admin_uuid4(job->id, sizeof job->id);
    job->start_ms = tn_now_ms();
    job->servers = b->opts.nservers;
    job->failed = push_failures(b, typed);
    if (is_realtime(typed) && consuming) {
        uint32_t f = table_op(b, "forceCommit", typed, RELOAD_TIMEOUT_MS);
        job->failed = TN_MAX(job->failed, f);
    }
    brk_sync_refresh(b->sync);
    count_segments(b, typed, segment, job);
    job->end_ms = tn_now_ms();
}

static int reload_save(brk_broker *b, const reload_job *job, const char *typed,
                       const char *segment, char *err)
{
    char num[32];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "jobId", job->id);
    cJSON_AddStringToObject(j, "jobType", segment ? "RELOAD_SEGMENT" : "RELOAD_ALL_SEGMENTS");
    cJSON_AddStringToObject(j, "tableName", typed);
    if (segment)
        cJSON_AddStringToObject(j, "segmentName", segment);
    snprintf(num, sizeof num, "%u", job->servers);
    cJSON_AddStringToObject(j, "messageCount", num);
    snprintf(num, sizeof num, "%lld", (long long)job->start_ms);
    cJSON_AddStringToObject(j, "submissionTimeMs", num);
    cJSON_AddNumberToObject(j, "endTimeMs", (double)job->end_ms);
    cJSON_AddNumberToObject(j, "totalSegmentCount", job->segments);
    cJSON_AddNumberToObject(j, "successCount", job->ok_segments);
    cJSON_AddNumberToObject(j, "totalServerCallsFailed", job->failed);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    int rc = brk_catalog_put_job(b->catalog, job->id, text, err);
    free(text);
    return rc;
}

/* The segment's table among typed and whether it is consuming; false
 * after responding 404. */
static bool find_reload_segment(admin_call *c, char typed[2][272], uint32_t *n,
                                const char *segment, bool *consuming)
{
    brk_routing *r = brk_sync_routing(c->b->sync);
    int hit = -1;
    for (uint32_t i = 0; i < *n && hit < 0; i++)
        if (segment_server(brk_routing_find(r, typed[i]), segment, consuming) >= 0)
            hit = (int)i;
    brk_routing_unref(r);
    if (hit < 0) {
        brk_response_error(c->out, 404, "Failed to find segment: %s in table: %s", segment,
                           c->seg[1]);
        return false;
    }
    if (hit)
        memcpy(typed[0], typed[hit], sizeof typed[0]);
    *n = 1;
    return true;
}

void admin_reload(admin_call *c, const char *segment)
{
    char typed[2][272], err[TN_ERRLEN];
    uint32_t n = admin_typed_tables(c, c->seg[1], typed);
    bool consuming = true;
    if (!n || (segment && !find_reload_segment(c, typed, &n, segment, &consuming)))
        return;
    cJSON *per_table = cJSON_CreateObject();
    reload_job job;
    const char *stored = "SUCCESS";
    for (uint32_t i = 0; i < n; i++) {
        reload_run(c->b, typed[i], segment, consuming, &job);
        if (reload_save(c->b, &job, typed[i], segment, err))
            stored = "FAILED";
        cJSON *one = cJSON_AddObjectToObject(per_table, typed[i]);
        char num[16];
        snprintf(num, sizeof num, "%u", job.servers);
        cJSON_AddStringToObject(one, "reloadJobId", job.id);
        cJSON_AddStringToObject(one, "reloadJobMetaZKStorageStatus", stored);
        cJSON_AddStringToObject(one, "numMessagesSent", num);
    }
    if (segment) {
        admin_status(c, "Submitted reload job id: %s, sent %u reload messages. Job meta ZK "
                     "storage status: %s", job.id, job.servers, stored);
    } else {
        char *text = cJSON_PrintUnformatted(per_table);
        admin_status(c, "%s", text);
        free(text);
    }
    cJSON_Delete(per_table);
}

void admin_reload_status(admin_call *c)
{
    char *text = brk_catalog_job_json(c->b->catalog, c->seg[2]);
    cJSON *job = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!job) {
        brk_response_error(c->out, 404, "Failed to find controller job id: %s", c->seg[2]);
        return;
    }
    int64_t start = num_of(get(job, "submissionTimeMs")), end = num_of(get(job, "endTimeMs"));
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "estimatedTimeRemainingInMinutes", 0);
    cJSON_AddNumberToObject(j, "timeElapsedInMinutes", (double)(end - start) / 60000.0);
    cJSON_AddNumberToObject(j, "totalServersQueried", (double)num_of(get(job, "messageCount")));
    cJSON_AddNumberToObject(j, "successCount", (double)num_of(get(job, "successCount")));
    cJSON_AddNumberToObject(j, "totalSegmentCount", (double)num_of(get(job, "totalSegmentCount")));
    cJSON_AddNumberToObject(j, "totalServerCallsFailed",
                            (double)num_of(get(job, "totalServerCallsFailed")));
    cJSON *meta = cJSON_AddObjectToObject(j, "metadata");
    static const char *const keys[] = {"jobId", "messageCount", "submissionTimeMs", "jobType",
                                       "tableName", "segmentName"};
    for (size_t i = 0; i < TN_ARRAY_LEN(keys); i++) {
        const cJSON *v = get(job, keys[i]);
        if (cJSON_IsString(v))
            cJSON_AddStringToObject(meta, keys[i], v->valuestring);
    }
    cJSON_Delete(job);
    admin_json(c, 200, j);
}
