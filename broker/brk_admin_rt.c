/*
 * brk_admin_rt.c: the controller calls about segments (list, metadata,
 * delete) and about REALTIME consumption (pause, resume, pause status,
 * force commit, consuming segments info), answered from the servers'
 * status in Pinot's shapes.
 */
#include "brk_admin_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "brk_sync.h"

#define ADMIN_TIMEOUT_MS 15000

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* int64 status fields may be numbers or strings; as text for Pinot's
 * string-valued maps. */
static void field_text(const cJSON *v, char *out, size_t cap)
{
    if (cJSON_IsString(v))
        snprintf(out, cap, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        snprintf(out, cap, "%.0f", v->valuedouble);
    else
        snprintf(out, cap, "%s", "");
}

static double field_num(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v))
        return strtod(v->valuestring, NULL);
    return 0;
}

/* Every server's status of one table: st[i] parsed or NULL. Returns how
 * many servers did not answer. */
static uint32_t table_status(brk_broker *b, const char *typed, cJSON **st)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "{\"op\":\"status\",\"table\":\"%s\"}", typed);
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    uint32_t failed = brk_sync_admin(b, NULL, 0, cmd, ADMIN_TIMEOUT_MS, a);
    for (uint32_t i = 0; i < n; i++)
        st[i] = a[i].status == TN_OK ? cJSON_Parse(a[i].json) : NULL;
    brk_answers_free(a, n);
    free(a);
    return failed;
}

static void status_free(cJSON **st, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cJSON_Delete(st[i]);
    free(st);
}

static const char *name_of(const cJSON *seg)
{
    const cJSON *n = get(seg, "name");
    return cJSON_IsString(n) ? n->valuestring : "";
}

static bool is_consuming(const cJSON *seg)
{
    const cJSON *s = get(seg, "status");
    return cJSON_IsString(s) && !strcmp(s->valuestring, "IN_PROGRESS");
}

/* ---- segments ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the segments of typed in the routing table, sorted, unique. */
static cJSON *segment_names(const brk_routing *r, const char *typed)
{
    const brk_route_table *t = brk_routing_find(r, typed);
    uint32_t total = 0, n = 0;
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        total += t->srvs[k].nsegs;
    const char **names = tn_calloc(total + 1, sizeof *names);
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        for (uint32_t i = 0; i < t->srvs[k].nsegs; i++)
            names[n++] = t->srvs[k].segs[i].name;
    qsort(names, n, sizeof *names, cmp_str);
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++)
        if (!i || strcmp(names[i], names[i - 1]))
            cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
    free(names);
    return a;
}

void admin_segments_list(admin_call *c)
{
    char typed[2][272];
    uint32_t n = admin_typed_tables(c, c->seg[1], typed);
    if (!n)
        return;
    brk_routing *r = brk_sync_routing(c->b->sync);
    cJSON *list = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        char raw[256];
        brk_table_type tt;
        brk_table_split(typed[i], raw, sizeof raw, &tt);
        cJSON *one = cJSON_CreateObject();
        cJSON_AddItemToObject(one, brk_table_type_name(tt), segment_names(r, typed[i]));
        cJSON_AddItemToArray(list, one);
    }
    brk_routing_unref(r);
    admin_json(c, 200, list);
}

/* Finds segment name of typed tables in the routing snapshot's status:
 * the segment JSON, its server and table. */
static const cJSON *find_segment(const brk_routing *r, char typed[2][272], uint32_t nt,
                                 const char *name, uint32_t *server, uint32_t *table)
{
    for (uint32_t i = 0; i < r->nservers; i++)
        for (uint32_t k = 0; k < nt; k++) {
            const cJSON *s;
            cJSON_ArrayForEach(s, get(admin_status_table(r->status[i], typed[k]), "segments")) {
                const cJSON *n = get(s, "name");
                if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) {
                    *server = i;
                    *table = k;
                    return s;
                }
            }
        }
    return NULL;
}

static void add_text(cJSON *o, const char *key, const cJSON *v)
{
    char buf[64];
    field_text(v, buf, sizeof buf);
    if (buf[0])
        cJSON_AddStringToObject(o, key, buf);
}

/* Pinot's segment ZK metadata keys (CommonConstants.Segment). */
static cJSON *segment_metadata(const cJSON *s, const char *typed, const char *server)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "segmentName", name_of(s));
    cJSON_AddStringToObject(o, "tableName", typed);
    cJSON_AddStringToObject(o, "serverName", server);
    add_text(o, "segment.start.time", get(s, "startTimeMs"));
    add_text(o, "segment.end.time", get(s, "endTimeMs"));
    cJSON_AddStringToObject(o, "segment.time.unit", "MILLISECONDS");
    add_text(o, "segment.total.docs", get(s, "docs"));
    add_text(o, "segment.creation.time", get(s, "createdMs"));
    add_text(o, "segment.size.in.bytes", get(s, "sizeBytes"));
    if (strstr(typed, "_REALTIME")) {
        add_text(o, "segment.realtime.status", get(s, "status"));
        add_text(o, "segment.realtime.startOffset", get(s, "startOffset"));
        add_text(o, "segment.realtime.endOffset", get(s, "endOffset"));
        add_text(o, "segment.partition.id", get(s, "partition"));
    }
    return o;
}

void admin_segment_metadata(admin_call *c)
{
    char typed[2][272];
    uint32_t nt = admin_typed_tables(c, c->seg[1], typed);
    if (!nt)
        return;
    brk_routing *r = brk_sync_routing(c->b->sync);
    uint32_t server, table;
    const cJSON *s = find_segment(r, typed, nt, c->seg[2], &server, &table);
    if (!s)
        brk_response_error(c->out, 404, "Failed to find segment: %s in table: %s", c->seg[2],
                           c->seg[1]);
    else
        admin_json(c, 200, segment_metadata(s, typed[table], brk_server_name(c->b, server)));
    brk_routing_unref(r);
}

int admin_delete_segment(brk_broker *b, const char *typed, const char *segment, uint32_t server,
                         char *err)
{
    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddStringToObject(cmd, "op", "deleteSegment");
    cJSON_AddStringToObject(cmd, "table", typed);
    cJSON_AddStringToObject(cmd, "segment", segment);
    char *text = cJSON_PrintUnformatted(cmd);
    cJSON_Delete(cmd);
    /* every server, not only the one seen holding it: replicas and a stale
     * routing snapshot both mean others may hold it too */
    uint32_t n = b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    brk_sync_admin(b, NULL, 0, text, ADMIN_TIMEOUT_MS, a);
    int rc = a[server].status;
    if (rc)
        tn_err(err, rc, "Deleting segment %s on server %s failed: %s", segment,
               brk_server_name(b, server), a[server].err);
    brk_answers_free(a, n);
    free(a);
    free(text);
    return rc;
}

void admin_segment_delete(admin_call *c)
{
    char typed[2][272];
    uint32_t nt = admin_typed_tables(c, c->seg[1], typed);
    if (!nt)
        return;
    brk_routing *r = brk_sync_routing(c->b->sync);
    uint32_t server, table;
    const cJSON *s = find_segment(r, typed, nt, c->seg[2], &server, &table);
    brk_routing_unref(r);
    if (!s) {
        brk_response_error(c->out, 404, "Failed to find segment: %s in table: %s", c->seg[2],
                           c->seg[1]);
        return;
    }
    char err[TN_ERRLEN];
    if (admin_delete_segment(c->b, typed[table], c->seg[2], server, err))
        brk_response_error(c->out, 500, "%s", err);
    else
        admin_status(c, "Segment deleted");
    brk_sync_refresh(c->b->sync);
}

/* ---- consumption control ----------------------------------------------- */

static cJSON *consuming_segments(brk_broker *b, const char *typed)
{
    uint32_t n = b->opts.nservers;
    cJSON **st = tn_calloc(n + 1, sizeof *st);
    table_status(b, typed, st);
    cJSON *a = cJSON_CreateArray();
    for (uint32_t i = 0; i < n; i++) {
        const cJSON *s;
        cJSON_ArrayForEach(s, get(admin_status_table(st[i], typed), "segments"))
            if (is_consuming(s))
                cJSON_AddItemToArray(a, cJSON_CreateString(name_of(s)));
    }
    status_free(st, n);
    return a;
}

static void iso_now(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *pause_details(brk_broker *b, const char *typed, bool paused, const char *comment)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddBoolToObject(j, "pauseFlag", paused);
    cJSON_AddItemToObject(j, "consumingSegments", consuming_segments(b, typed));
    if (comment) {
        char ts[40];
        iso_now(ts, sizeof ts);
        cJSON_AddStringToObject(j, "reasonCode", "ADMINISTRATIVE");
        cJSON_AddStringToObject(j, "comment", comment);
        cJSON_AddStringToObject(j, "timestamp", ts);
    }
    return j;
}

void admin_pause(admin_call *c, bool pause)
{
    char typed[300], err[TN_ERRLEN];
    if (!admin_realtime_table(c, c->seg[1], typed, sizeof typed))
        return;
    const char *from = brk_request_param(c->req, "consumeFrom");
    if (!pause && from && strcasecmp(from, "lastConsumed") && strcasecmp(from, "smallest") &&
        strcasecmp(from, "largest")) {
        brk_response_error(c->out, 400, "consumeFrom must be lastConsumed, smallest or largest, "
                           "got '%s'", from);
        return;
    }
    if (brk_catalog_set_paused(c->b->catalog, typed, pause, err)) {
        brk_response_error(c->out, 500, "%s", err);
        return;
    }
    /* a disabled table stays paused until it is enabled again */
    if (!pause && brk_catalog_table_disabled(c->b->catalog, typed)) {
        admin_json(c, 200, pause_details(c->b, typed, false, "Pause flag is cleared; the table "
                                         "is disabled and consumes again once enabled."));
        return;
    }
    cJSON *cmd = cJSON_CreateObject();
    cJSON_AddStringToObject(cmd, "op", pause ? "pause" : "resume");
    cJSON_AddStringToObject(cmd, "table", typed);
    if (from)
        cJSON_AddStringToObject(cmd, "consumeFrom", from);
    char *text = cJSON_PrintUnformatted(cmd);
    cJSON_Delete(cmd);
    uint32_t n = c->b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    brk_sync_admin(c->b, NULL, 0, text, ADMIN_TIMEOUT_MS, a);
    brk_answers_free(a, n);
    free(a);
    free(text);
    const char *comment = brk_request_param(c->req, "comment");
    if (!comment)
        comment = pause ? "Pause flag is set. Consuming segments are being committed. Use "
                          "/pauseStatus endpoint in a few moments to check if all consuming "
                          "segments have been committed."
                        : "Pause flag is cleared. Consuming segments are being created. Use "
                          "/pauseStatus endpoint in a few moments to double check.";
    admin_json(c, 200, pause_details(c->b, typed, pause, comment));
}

void admin_pause_status(admin_call *c)
{
    char typed[300];
    if (!admin_realtime_table(c, c->seg[1], typed, sizeof typed))
        return;
    bool paused = brk_catalog_paused(c->b->catalog, typed);
    admin_json(c, 200, pause_details(c->b, typed, paused, NULL));
}

void admin_uuid4(char *out, size_t cap)
{
    unsigned char r[16];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r) {
        uint64_t x = tn_mix64(tn_mono_ns()), y = tn_mix64(x ^ (uint64_t)tn_now_ms());
        memcpy(r, &x, 8);
        memcpy(r + 8, &y, 8);
    }
    if (f)
        fclose(f);
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    snprintf(out, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
             r[13], r[14], r[15]);
}

void admin_force_commit(admin_call *c)
{
    char typed[300];
    if (!admin_realtime_table(c, c->seg[1], typed, sizeof typed))
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "{\"op\":\"forceCommit\",\"table\":\"%s\"}", typed);
    uint32_t n = c->b->opts.nservers;
    brk_answer *a = tn_calloc(n + 1, sizeof *a);
    uint32_t failed = brk_sync_admin(c->b, NULL, 0, cmd, ADMIN_TIMEOUT_MS, a);
    if (failed == n) {
        brk_response_error(c->out, 500, "Force commit of %s failed on every server: %s", typed,
                           a[0].err);
    } else {
        char id[40];
        admin_uuid4(id, sizeof id);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "forceCommitStatus", "SUCCESS");
        cJSON_AddStringToObject(j, "jobMetaZKWriteStatus", "SUCCESS");
        cJSON_AddStringToObject(j, "forceCommitJobId", id);
        admin_json(c, 200, j);
    }
    brk_answers_free(a, n);
    free(a);
    brk_sync_refresh(c->b->sync);
}

static const cJSON *partition_of(const cJSON *table, const cJSON *seg)
{
    double want = field_num(get(seg, "partition"));
    const cJSON *p;
    cJSON_ArrayForEach(p, get(table, "partitions"))
        if (field_num(get(p, "partition")) == want)
            return p;
    return NULL;
}

/* One server's entry for a consuming segment (ConsumingSegmentInfo). */
static cJSON *consuming_entry(const char *server, const cJSON *seg, const cJSON *part)
{
    char pkey[32], cur[32], latest[32], lag[32];
    field_text(get(seg, "partition"), pkey, sizeof pkey);
    field_text(get(part, "currentOffset"), cur, sizeof cur);
    field_text(get(part, "latestOffset"), latest, sizeof latest);
    field_text(get(part, "lag"), lag, sizeof lag);
    const cJSON *state = get(part, "state");
    double last_ms = field_num(get(part, "lastMessageMs"));
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "serverName", server);
    cJSON_AddStringToObject(e, "consumerState",
                            cJSON_IsString(state) ? state->valuestring : "CONSUMING");
    cJSON_AddNumberToObject(e, "lastConsumedTimestamp", last_ms);
    /* The offset maps are keyed by the table's partition id (stream index
     * * 10000 + the topic's partition, as Pinot numbers multi-topic tables);
     * these say which topic and partition that is. */
    const cJSON *topic = get(part, "topic");
    if (cJSON_IsString(topic)) {
        cJSON_AddStringToObject(e, "topicName", topic->valuestring);
        cJSON_AddNumberToObject(e, "streamPartitionId", field_num(get(part, "streamPartition")));
    }
    cJSON *p2o = cJSON_AddObjectToObject(e, "partitionToOffsetMap");
    cJSON_AddStringToObject(p2o, pkey, cur);
    cJSON *info = cJSON_AddObjectToObject(e, "partitionOffsetInfo");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(info, "currentOffsetsMap"), pkey, cur);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(info, "latestUpstreamOffsetMap"), pkey, latest);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(info, "recordsLagMap"), pkey, lag);
    char avail[32];
    snprintf(avail, sizeof avail, "%lld",
             last_ms > 0 ? (long long)(tn_now_ms() - (int64_t)last_ms) : 0LL);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(info, "availabilityLagMsMap"), pkey, avail);
    return e;
}

void admin_consuming_info(admin_call *c)
{
    char typed[300];
    if (!admin_realtime_table(c, c->seg[1], typed, sizeof typed))
        return;
    uint32_t n = c->b->opts.nservers;
    cJSON **st = tn_calloc(n + 1, sizeof *st);
    uint32_t failed = table_status(c->b, typed, st);
    cJSON *map = cJSON_CreateObject();
    for (uint32_t i = 0; i < n; i++) {
        const cJSON *t = admin_status_table(st[i], typed), *s;
        const cJSON *sname = get(st[i], "server");
        const char *server = cJSON_IsString(sname) ? sname->valuestring : brk_server_name(c->b, i);
        cJSON_ArrayForEach(s, get(t, "segments")) {
            if (!is_consuming(s))
                continue;
            const char *name = name_of(s);
            cJSON *list = cJSON_GetObjectItemCaseSensitive(map, name);
            if (!list)
                list = cJSON_AddArrayToObject(map, name);
            cJSON_AddItemToArray(list, consuming_entry(server, s, partition_of(t, s)));
        }
    }
    status_free(st, n);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "serversFailingToRespond", failed);
    cJSON_AddNumberToObject(j, "serversUnparsableRespond", 0);
    cJSON_AddItemToObject(j, "segmentToConsumingInfoMap", map);
    admin_json(c, 200, j);
}
