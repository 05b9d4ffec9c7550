/*
 * srv_status.c: what a node reports about itself: the status JSON of the
 * admin calls, Prometheus metrics, and readiness.
 */
#include "srv_node_int.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg_immutable.h"
#include "seg_mutable.h"

static const char *const state_names[] = {"CONSUMING", "PAUSED", "ERROR"};

static size_t segment_bytes(seg_segment *s)
{
    return s->kind == SEG_KIND_MUTABLE ? seg_mutable_bytes((seg_mutable *)s)
                                       : seg_immutable_bytes(s);
}

/* ---- a consistent copy of a table's state --------------------------- */

typedef struct table_view {
    srv_schema *schema;
    char *config_json;
    char name[160];
    bool realtime, paused, parts_known;
    uint32_t nstreams;
    char discover_error[TN_ERRLEN];
    seg_segment **segs;
    uint32_t nsegs;
    srv_part_status *parts;
    uint32_t nparts;
    uint64_t invalid_rows, sealed_total;
} table_view;

static void view_take(srv_table *t, table_view *v)
{
    memset(v, 0, sizeof *v);
    pthread_mutex_lock(&t->lock);
    v->schema = t->schema;
    atomic_fetch_add(&v->schema->refs, 1);
    v->config_json = tn_strdup(t->cfg->json);
    snprintf(v->name, sizeof v->name, "%s", t->cfg->name_with_type);
    v->realtime = t->cfg->realtime;
    v->nstreams = t->cfg->nstreams;
    v->paused = t->paused;
    v->parts_known = t->parts_known || !t->cfg->realtime;
    snprintf(v->discover_error, sizeof v->discover_error, "%s", t->discover_error);
    v->segs = tn_calloc(t->nsegs + 1, sizeof *v->segs);
    for (uint32_t i = 0; i < t->nsegs; i++)
        v->segs[v->nsegs++] = seg_segment_acquire(t->segs[i]);
    v->parts = tn_calloc(t->nparts + 1, sizeof *v->parts);
    for (uint32_t i = 0; i < t->nparts; i++)
        srv_consumer_status(t->parts[i], &v->parts[v->nparts++]);
    pthread_mutex_unlock(&t->lock);
    v->invalid_rows = atomic_load(&t->invalid_rows);
    v->sealed_total = atomic_load(&t->sealed_total);
}

static void view_free(table_view *v)
{
    for (uint32_t i = 0; i < v->nsegs; i++)
        seg_segment_release(v->segs[i]);
    free(v->segs);
    free(v->parts);
    free(v->config_json);
    srv_schema_release(v->schema);
}

/* ---- status JSON ---------------------------------------------------- */

static void add_i64(cJSON *o, const char *k, int64_t v) { cJSON_AddNumberToObject(o, k, (double)v); }

static void add_time(cJSON *o, const char *k, int64_t v)
{
    if (v == INT64_MIN || v == INT64_MAX)
        cJSON_AddNullToObject(o, k);
    else
        add_i64(o, k, v);
}

static cJSON *segment_json(seg_segment *s)
{
    seg_meta m;
    seg_segment_meta(s, &m);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", m.name);
    add_i64(o, "partition", m.partition);
    add_i64(o, "startOffset", m.start_offset);
    add_i64(o, "endOffset", m.end_offset);
    add_time(o, "startTimeMs", m.min_time_ms);
    add_time(o, "endTimeMs", m.max_time_ms);
    add_i64(o, "docs", m.ndocs);
    add_i64(o, "sizeBytes", (int64_t)segment_bytes(s));
    cJSON_AddStringToObject(o, "status", s->kind == SEG_KIND_MUTABLE ? "IN_PROGRESS" : "DONE");
    add_i64(o, "createdMs", m.created_ms);
    seg_meta_free(&m);
    return o;
}

static cJSON *partition_json(const srv_part_status *p)
{
    cJSON *o = cJSON_CreateObject();
    add_i64(o, "partition", p->partition);
    cJSON_AddStringToObject(o, "topic", p->topic);
    add_i64(o, "streamPartition", p->stream_partition);
    cJSON_AddStringToObject(o, "state", state_names[p->state]);
    if (p->last_error[0])
        cJSON_AddStringToObject(o, "lastError", p->last_error);
    else
        cJSON_AddNullToObject(o, "lastError");
    add_i64(o, "currentOffset", p->current_offset);
    add_i64(o, "latestOffset", p->latest_offset);
    int64_t lag = p->latest_offset >= 0 && p->current_offset >= 0
                      ? TN_MAX(0, p->latest_offset - p->current_offset) : -1;
    add_i64(o, "lag", lag);
    add_i64(o, "lastMessageMs", p->last_message_ms);
    add_i64(o, "rowsIngested", (int64_t)p->rows);
    add_i64(o, "invalidRows", (int64_t)p->invalid);
    add_i64(o, "deadLettered", (int64_t)p->dead_lettered);
    add_i64(o, "filteredRows", (int64_t)p->filtered);
    add_i64(o, "dataLossEvents", (int64_t)p->loss_events);
    cJSON_AddBoolToObject(o, "caughtUp", p->caught_up);
    add_i64(o, "flushThresholdRows", (int64_t)p->flush_threshold_rows);
    if (p->rate_limit > 0)
        cJSON_AddNumberToObject(o, "rateLimit", p->rate_limit);
    else
        cJSON_AddNullToObject(o, "rateLimit");
    cJSON_AddBoolToObject(o, "throttled", p->throttled);
    add_i64(o, "throttledMs", p->throttled_ms);
    return o;
}

static cJSON *table_json(srv_node *n, srv_table *t)
{
    table_view v;
    view_take(t, &v);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", v.name);
    cJSON_AddStringToObject(o, "type", v.realtime ? "REALTIME" : "OFFLINE");
    cJSON_AddItemToObject(o, "schema", cJSON_Parse(v.schema->json));
    cJSON_AddItemToObject(o, "config", cJSON_Parse(v.config_json));
    cJSON *segs = cJSON_AddArrayToObject(o, "segments");
    for (uint32_t i = 0; i < v.nsegs; i++)
        cJSON_AddItemToArray(segs, segment_json(v.segs[i]));
    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (uint32_t i = 0; i < v.nparts; i++)
        cJSON_AddItemToArray(parts, partition_json(&v.parts[i]));
    add_i64(o, "invalidRows", (int64_t)v.invalid_rows);
    if (v.realtime) {
        cJSON_AddBoolToObject(o, "paused", v.paused);
        cJSON_AddBoolToObject(o, "partitionsKnown", v.parts_known);
        if (v.discover_error[0])
            cJSON_AddStringToObject(o, "discoveryError", v.discover_error);
        add_i64(o, "segmentsSealed", (int64_t)v.sealed_total);
        add_i64(o, "segmentsWaitingToSeal", srv_sealer_pending(n->sealer, t));
    }
    view_free(&v);
    return o;
}

char *srv_node_status_json(srv_node *n, const char *table)
{
    cJSON *o = cJSON_CreateObject();
    char why[256];
    cJSON_AddStringToObject(o, "server", n->name);
    cJSON_AddBoolToObject(o, "ready", srv_node_ready(n, why, sizeof why));
    char seal_err[TN_ERRLEN];
    srv_sealer_last_error(n->sealer, seal_err, sizeof seal_err);
    if (seal_err[0])
        cJSON_AddStringToObject(o, "lastSealError", seal_err);
    cJSON *arr = cJSON_AddArrayToObject(o, "tables");
    uint32_t count;
    srv_table **ts = srv_node_tables(n, &count);
    for (uint32_t i = 0; i < count; i++) {
        if (table && strcmp(ts[i]->name_wt, table) && strcmp(ts[i]->raw_name, table))
            continue;
        cJSON_AddItemToArray(arr, table_json(n, ts[i]));
    }
    srv_node_tables_free(ts, count);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *out = tn_strdup(s); /* callers free with free() */
    cJSON_free(s);
    return out;
}

/* ---- readiness ------------------------------------------------------ */

static void add_reason(char *why, size_t cap, size_t *len, const char *fmt, ...)
{
    if (!why || *len + 1 >= cap)
        return;
    if (*len) {
        snprintf(why + *len, cap - *len, "; ");
        *len = strlen(why);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + *len, cap - *len, fmt, ap);
    va_end(ap);
    *len = strlen(why);
}

/* "3", or with several streams "10003 (topic/3)": the table's id alone
 * does not say which topic it is. */
static void part_label(const table_view *v, const srv_part_status *p, char *buf, size_t cap)
{
    if (v->nstreams > 1)
        snprintf(buf, cap, "%d (%s/%d)", p->partition, p->topic, p->stream_partition);
    else
        snprintf(buf, cap, "%d", p->partition);
}

bool srv_node_ready(srv_node *n, char *why, size_t cap)
{
    size_t len = 0;
    bool ready = true;
    if (why && cap)
        why[0] = 0;
    uint32_t count;
    srv_table **ts = srv_node_tables(n, &count);
    for (uint32_t i = 0; i < count; i++) {
        table_view v;
        view_take(ts[i], &v);
        if (v.realtime && !v.parts_known) {
            ready = false;
            add_reason(why, cap, &len, "%s: partitions not known yet%s%s", v.name,
                       v.discover_error[0] ? ": " : "", v.discover_error);
        }
        for (uint32_t k = 0; k < v.nparts; k++) {
            const srv_part_status *p = &v.parts[k];
            if (p->caught_up || p->state == SRV_PART_PAUSED) /* paused: an operator's choice */
                continue;
            ready = false;
            char part[300];
            part_label(&v, p, part, sizeof part);
            if (p->state == SRV_PART_ERROR)
                add_reason(why, cap, &len, "%s partition %s: %s", v.name, part, p->last_error);
            else
                add_reason(why, cap, &len, "%s partition %s: catching up (offset %lld of %lld)",
                           v.name, part, (long long)p->current_offset,
                           (long long)p->catchup_target);
        }
        view_free(&v);
    }
    srv_node_tables_free(ts, count);
    return ready;
}

/* ---- metrics -------------------------------------------------------- */

static void appendf(tn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void appendf(tn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    tn_buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

typedef struct metric {
    const char *name, *type, *help;
} metric;

static const metric part_metrics[] = {
    {"tannin_server_rows_ingested_total", "counter", "Rows appended to consuming segments."},
    {"tannin_server_invalid_rows_total", "counter",
     "Messages that could not be ingested (bad JSON, wrong types, too large)."},
    {"tannin_server_filtered_rows_total", "counter", "Rows dropped by the ingestion filter."},
    {"tannin_server_data_loss_events_total", "counter",
     "Times Kafka no longer had the offset to consume."},
    {"tannin_server_partition_lag", "gauge", "Messages between the consumed and latest offset."},
    {"tannin_server_partition_offset", "gauge", "Next offset to consume."},
    {"tannin_server_partition_state", "gauge", "0 consuming, 1 paused, 2 error."},
    {"tannin_server_dead_lettered_total", "counter",
     "Invalid messages copied to the table's dead-letter topic."},
    {"tannin_server_partition_throttled_ms_total", "counter",
     "Time the partition waited for a consumption rate limit."},
    {"tannin_server_partition_throttled", "gauge",
     "1 while the partition waits for a consumption rate limit."},
};

static int64_t part_value(const srv_part_status *p, size_t k)
{
    switch (k) {
    case 0: return (int64_t)p->rows;
    case 1: return (int64_t)p->invalid;
    case 2: return (int64_t)p->filtered;
    case 3: return (int64_t)p->loss_events;
    case 4: return p->latest_offset >= 0 ? TN_MAX(0, p->latest_offset - p->current_offset) : 0;
    case 5: return p->current_offset;
    case 6: return p->state;
    case 7: return (int64_t)p->dead_lettered;
    case 8: return p->throttled_ms;
    default: return p->throttled;
    }
}

static void table_metrics(tn_buf *b, const table_view *v, size_t k)
{
    for (uint32_t i = 0; i < v->nparts; i++)
        appendf(b, "%s{table=\"%s\",partition=\"%d\"} %lld\n", part_metrics[k].name, v->name,
                v->parts[i].partition, (long long)part_value(&v->parts[i], k));
}

/* Which topic and stream partition a table partition id stands for, and
 * its rate limit (0 = none): labels kept off the counters above, whose
 * series stay as they were. */
static void part_info_metric(tn_buf *b, const table_view *views, uint32_t count)
{
    appendf(b, "# HELP tannin_server_partition_rate_limit Messages/s the partition may consume "
               "(0: no limit), with its topic and stream partition.\n"
               "# TYPE tannin_server_partition_rate_limit gauge\n");
    for (uint32_t i = 0; i < count; i++)
        for (uint32_t k = 0; k < views[i].nparts; k++) {
            const srv_part_status *p = &views[i].parts[k];
            appendf(b, "tannin_server_partition_rate_limit{table=\"%s\",partition=\"%d\","
                       "topic=\"%s\",stream_partition=\"%d\"} %g\n", views[i].name,
                    p->partition, p->topic, p->stream_partition, p->rate_limit);
        }
}

typedef struct table_totals {
    uint64_t docs, bytes;
    uint32_t sealed, consuming;
} table_totals;

static table_totals totals(const table_view *v)
{
    table_totals t = {0};
    for (uint32_t i = 0; i < v->nsegs; i++) {
        t.docs += seg_segment_ndocs(v->segs[i]);
        t.bytes += segment_bytes(v->segs[i]);
        if (v->segs[i]->kind == SEG_KIND_MUTABLE)
            t.consuming++;
        else
            t.sealed++;
    }
    return t;
}

static const metric table_metric_names[] = {
    {"tannin_server_segments", "gauge", "Segments by status (DONE sealed, IN_PROGRESS consuming)."},
    {"tannin_server_documents", "gauge", "Rows in the table's segments."},
    {"tannin_server_segment_bytes", "gauge", "Bytes the table's segments hold."},
    {"tannin_server_table_invalid_rows_total", "counter",
     "Rows of the table that could not be ingested (messages and uploads)."},
    {"tannin_server_segments_sealed_total", "counter", "Consuming segments sealed."},
};

static void table_metrics_all(tn_buf *b, const table_view *views, uint32_t count)
{
    for (size_t k = 0; k < TN_ARRAY_LEN(table_metric_names); k++) {
        const metric *m = &table_metric_names[k];
        appendf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
        for (uint32_t i = 0; i < count; i++) {
            const table_view *v = &views[i];
            table_totals t = totals(v);
            if (k == 0) {
                appendf(b, "%s{table=\"%s\",status=\"DONE\"} %u\n", m->name, v->name, t.sealed);
                appendf(b, "%s{table=\"%s\",status=\"IN_PROGRESS\"} %u\n", m->name, v->name,
                        t.consuming);
                continue;
            }
            uint64_t val = k == 1 ? t.docs : k == 2 ? t.bytes : k == 3 ? v->invalid_rows
                                                                     : v->sealed_total;
            appendf(b, "%s{table=\"%s\"} %llu\n", m->name, v->name, (unsigned long long)val);
        }
    }
}

char *srv_node_metrics_text(srv_node *n)
{
    tn_buf b = {0};
    uint32_t count;
    srv_table **ts = srv_node_tables(n, &count);
    table_view *views = tn_calloc(count + 1, sizeof *views);
    for (uint32_t i = 0; i < count; i++)
        view_take(ts[i], &views[i]);
    appendf(&b, "# HELP tannin_server_ready 1 when every partition has caught up.\n"
                "# TYPE tannin_server_ready gauge\ntannin_server_ready %d\n",
            srv_node_ready(n, NULL, 0) ? 1 : 0);
    appendf(&b, "# HELP tannin_server_consumption_rate_limit Messages/s the server may consume "
                "across its partitions (0: no limit).\n"
                "# TYPE tannin_server_consumption_rate_limit gauge\n"
                "tannin_server_consumption_rate_limit %g\n", srv_rate_limit(&n->server_rate));
    for (size_t k = 0; k < TN_ARRAY_LEN(part_metrics); k++) {
        appendf(&b, "# HELP %s %s\n# TYPE %s %s\n", part_metrics[k].name, part_metrics[k].help,
                part_metrics[k].name, part_metrics[k].type);
        for (uint32_t i = 0; i < count; i++)
            table_metrics(&b, &views[i], k);
    }
    part_info_metric(&b, views, count);
    table_metrics_all(&b, views, count);
    uint64_t file_bytes, used_bytes;
    char err[TN_ERRLEN];
    if (!seg_store_usage(n->store, &file_bytes, &used_bytes, err))
        appendf(&b, "# HELP tannin_server_store_bytes LMDB data file size and bytes in use.\n"
                    "# TYPE tannin_server_store_bytes gauge\n"
                    "tannin_server_store_bytes{kind=\"file\"} %llu\n"
                    "tannin_server_store_bytes{kind=\"used\"} %llu\n",
                (unsigned long long)file_bytes, (unsigned long long)used_bytes);
    for (uint32_t i = 0; i < count; i++)
        view_free(&views[i]);
    free(views);
    srv_node_tables_free(ts, count);
    tn_buf_append(&b, "", 1);
    return (char *)b.data;
}
