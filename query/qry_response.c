/*
 * qry_response.c: Pinot's broker response JSON (BrokerResponseNative: the
 * key order, the counters every client reads, exceptions as errorCode and
 * message, NaN and infinities as strings), written directly because a JSON
 * library's double-based numbers would corrupt LONG values beyond 2^53.
 * Also qry_compile, the one call that turns SQL into a runnable query.
 */
#include "qry_eval.h"
#include "qry_func_int.h"
#include "qry_reduce.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(tn_buf *b, const char *s) { tn_buf_append(b, s, strlen(s)); }

static void putf(tn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(tn_buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    tn_buf_append(b, tmp, (size_t)TN_MIN(n, (int)sizeof tmp - 1));
}

static void put_str(tn_buf *b, const char *s, size_t len)
{
    tn_buf_append(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            tn_buf_append(b, e, 2);
        } else if (c < 0x20) {
            putf(b, "\\u%04x", c);
        } else {
            tn_buf_append(b, &s[i], 1);
        }
    }
    tn_buf_append(b, "\"", 1);
}

static void put_double(tn_buf *b, double d)
{
    if (isnan(d))
        put(b, "\"NaN\"");
    else if (isinf(d))
        put(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else {
        char tmp[40];
        qry_format_double(d, tmp, sizeof tmp); /* Java's rendering, valid JSON */
        put(b, tmp);
    }
}

/* TIMESTAMP cells render as java.sql.Timestamp.toString() in UTC. */
static void put_timestamp(tn_buf *b, int64_t ms)
{
    char tmp[48];
    size_t n = qry_text_timestamp(ms, tmp);
    put_str(b, tmp, n);
}

static void put_cell(tn_buf *b, const qry_val *v)
{
    switch (v->kind) {
    case QV_NULL: put(b, "null"); break;
    case QV_LONG:
        if (v->type == SEG_BOOLEAN)
            put(b, v->i ? "true" : "false");
        else if (v->type == SEG_TIMESTAMP)
            put_timestamp(b, v->i);
        else if (v->type == SEG_FLOAT || v->type == SEG_DOUBLE)
            put_double(b, (double)v->i);
        else
            putf(b, "%" PRId64, v->i);
        break;
    case QV_DOUBLE:
        if (v->type == SEG_INT || v->type == SEG_LONG)
            putf(b, "%" PRId64, (int64_t)v->d);
        else
            put_double(b, v->d);
        break;
    case QV_STRING:
        if (v->type == SEG_BYTES) {
            tn_buf_append(b, "\"", 1);
            for (uint32_t i = 0; i < v->len; i++)
                putf(b, "%02x", (unsigned char)v->s[i]);
            tn_buf_append(b, "\"", 1);
        } else {
            put_str(b, v->s, v->len);
        }
        break;
    case QV_ARRAY:
        put(b, "[");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                put(b, ",");
            qry_val e = v->arr[i];
            e.type = v->type;
            put_cell(b, &e);
        }
        put(b, "]");
        break;
    }
}

static void put_table(tn_buf *b, const qry_result *r)
{
    put(b, "\"resultTable\":{\"dataSchema\":{\"columnNames\":[");
    for (uint32_t c = 0; c < r->ncols; c++) {
        if (c)
            put(b, ",");
        put_str(b, r->names[c], strlen(r->names[c]));
    }
    put(b, "],\"columnDataTypes\":[");
    for (uint32_t c = 0; c < r->ncols; c++) {
        if (c)
            put(b, ",");
        put_str(b, r->types[c], strlen(r->types[c]));
    }
    put(b, "]},\"rows\":[");
    for (uint32_t i = 0; i < r->nrows; i++) {
        put(b, i ? ",[" : "[");
        for (uint32_t c = 0; c < r->ncols; c++) {
            if (c)
                put(b, ",");
            qry_val v = r->cells[(size_t)i * r->ncols + c];
            put_cell(b, &v);
        }
        put(b, "]");
    }
    put(b, "]},");
}

static const char *error_prefix(int code)
{
    switch (code) {
    case QRY_ERR_JSON: return "JsonParsingError";
    case QRY_ERR_PARSE: return "SQLParsingError";
    case QRY_ERR_TABLE: return "TableDoesNotExistError";
    case QRY_ERR_EXEC: return "QueryExecutionError";
    case QRY_ERR_TIMEOUT: return "ExecutionTimeoutError";
    case QRY_ERR_CANCELLED: return "QueryCancellationError";
    case QRY_ERR_VALIDATION: return "QueryValidationError";
    case QRY_ERR_UNKNOWN_COLUMN: return "UnknownColumnError";
    /* codes raised by servers and brokers (Pinot's QueryErrorCode names) */
    case 160: return "SQLRuntimeError";
    case 180: return "AccessDenied";
    case 191: return "TableIsDisabledError";
    case 211: return "ServerOutOfCapacity";
    case 230: return "ServerTableMissing";
    case 235: return "ServerSegmentMissing";
    case 240: return "QuerySchedulingTimeoutError";
    case 245: return "ServerResourceLimitExceededError";
    case 305: return "BrokerSegmentUnavailable";
    case 400: return "BrokerTimeoutError";
    case 410: return "BrokerResourceMissingError";
    case 425: return "BrokerRequestSend";
    case 427: return "ServerNotResponding";
    case 429: return "TooManyRequests";
    case 450: return "InternalError";
    case 500: return "MergeResponseError";
    case 720: return "QueryPlanningError";
    default: return "UnknownError";
    }
}

static void put_exceptions(tn_buf *b, const qry_err *errs, uint32_t n)
{
    put(b, "\"exceptions\":[");
    for (uint32_t i = 0; i < n; i++) {
        char msg[TN_ERRLEN + 64];
        snprintf(msg, sizeof msg, "%s: %s", error_prefix(errs[i].code), errs[i].msg);
        putf(b, "%s{\"errorCode\":%d,\"message\":", i ? "," : "", errs[i].code);
        put_str(b, msg, strlen(msg));
        put(b, "}");
    }
    put(b, "],");
}

char *qry_response_json(const qry_result *r, const qry_err *errs, uint32_t nerrs,
                        const qry_response_info *info)
{
    static const qry_stats none;
    const qry_stats *s = r ? &r->stats : &none;
    tn_buf b = {0};
    put(&b, "{");
    if (r)
        put_table(&b, r);
    putf(&b, "\"numRowsResultSet\":%u,", r ? r->nrows : 0);
    bool partial = nerrs > 0 || s->groups_limit_reached;
    putf(&b, "\"partialResult\":%s,", partial ? "true" : "false");
    put_exceptions(&b, errs, nerrs);
    putf(&b, "\"numGroupsLimitReached\":%s,\"numGroupsWarningLimitReached\":false,",
         s->groups_limit_reached ? "true" : "false");
    put(&b, "\"maxRowsInDistinctReached\":false,\"maxRowsWithoutChangeInDistinctReached\":false,"
            "\"maxExecutionTimeInDistinctReached\":false,");
    putf(&b, "\"timeUsedMs\":%" PRId64 ",", info ? info->time_used_ms : 0);
    put(&b, "\"requestId\":");
    if (info && info->request_id)
        put_str(&b, info->request_id, strlen(info->request_id));
    else
        put(&b, "null");
    put(&b, ",\"clientRequestId\":");
    if (info && info->client_request_id && info->client_request_id[0])
        put_str(&b, info->client_request_id, strlen(info->client_request_id));
    else
        put(&b, "null");
    put(&b, ",\"brokerId\":null,");
    putf(&b, "\"numDocsScanned\":%" PRIu64 ",\"totalDocs\":%" PRIu64
             ",\"numEntriesScannedInFilter\":%" PRIu64 ",\"numEntriesScannedPostFilter\":%" PRIu64 ",",
         s->docs_scanned, s->total_docs, s->entries_in_filter, s->entries_post_filter);
    putf(&b, "\"numServersQueried\":%u,\"numServersResponded\":%u,",
         info ? info->servers_queried : 0, info ? info->servers_responded : 0);
    putf(&b, "\"numSegmentsQueried\":%u,\"numSegmentsProcessed\":%u,\"numSegmentsMatched\":%u,",
         s->segments_queried, s->segments_processed, s->segments_matched);
    putf(&b, "\"numConsumingSegmentsQueried\":%u,\"numConsumingSegmentsProcessed\":%u,"
             "\"numConsumingSegmentsMatched\":%u,",
         s->consuming_queried, s->consuming_processed, s->consuming_matched);
    put(&b, "\"minConsumingFreshnessTimeMs\":0,\"numSegmentsPrunedByBroker\":0,"
            "\"numSegmentsPrunedByServer\":0,\"numSegmentsPrunedInvalid\":0,"
            "\"numSegmentsPrunedByLimit\":0,\"numSegmentsPrunedByValue\":0,"
            "\"brokerReduceTimeMs\":0,\"offlineThreadCpuTimeNs\":0,\"realtimeThreadCpuTimeNs\":0,"
            "\"offlineSystemActivitiesCpuTimeNs\":0,\"realtimeSystemActivitiesCpuTimeNs\":0,"
            "\"offlineResponseSerializationCpuTimeNs\":0,\"realtimeResponseSerializationCpuTimeNs\":0,"
            "\"offlineTotalCpuTimeNs\":0,\"realtimeTotalCpuTimeNs\":0,"
            "\"explainPlanNumEmptyFilterSegments\":0,\"explainPlanNumMatchAllFilterSegments\":0,"
            "\"traceInfo\":{},\"tablesQueried\":[],\"pools\":[],\"rlsFiltersApplied\":false,"
            "\"groupsTrimmed\":false}");
    tn_buf_append(&b, "", 1);
    return (char *)b.data;
}

/* ---- compile -------------------------------------------------------------------------- */

/* Request options apply where the SQL itself (SET, OPTION) did not. */
static void merge_options(qry_options *q, const qry_options *req)
{
    if (!q->timeout_ms)
        q->timeout_ms = req->timeout_ms;
    if (!q->num_groups_limit)
        q->num_groups_limit = req->num_groups_limit;
    if (!q->has_null_handling && req->has_null_handling) {
        q->null_handling = req->null_handling;
        q->has_null_handling = true;
    }
    if (!q->client_query_id[0])
        memcpy(q->client_query_id, req->client_query_id, sizeof q->client_query_id);
}

static int prepare_all(qry_query *q, qry_err *err)
{
    if (qry_prepare(q->where, &q->arena, err) || qry_prepare(q->having, &q->arena, err))
        return -1;
    for (uint32_t i = 0; i < q->nselect; i++)
        if (qry_prepare(q->select[i].expr, &q->arena, err))
            return -1;
    for (uint32_t i = 0; i < q->ngroup; i++)
        if (qry_prepare(q->group_by[i], &q->arena, err))
            return -1;
    for (uint32_t i = 0; i < q->norder; i++)
        if (qry_prepare(q->order_by[i].expr, &q->arena, err))
            return -1;
    return 0;
}

int qry_compile(const char *sql, qry_flavour flavour, const char *options,
                const seg_schema *schema, qry_query **out, qry_err *err)
{
    return qry_compile_at(sql, flavour, options, schema, tn_now_ms(), out, err);
}

int qry_compile_at(const char *sql, qry_flavour flavour, const char *options,
                   const seg_schema *schema, int64_t now_ms, qry_query **out,
                   qry_err *err)
{
    return qry_compile_ex(sql, flavour, options, schema, now_ms, NULL, NULL, out, err);
}

static qry_expr *new_node(qry_query *q, qry_op op, uint32_t nargs)
{
    qry_expr *e = qry_alloc(&q->arena, sizeof *e);
    e->op = op;
    e->col = -1;
    e->agg_slot = -1;
    e->nargs = nargs;
    e->args = nargs ? qry_alloc(&q->arena, nargs * sizeof *e->args) : NULL;
    return e;
}

/* ANDs e into the conditions qry_bind adds above the user's WHERE. */
static void add_sys_where(qry_query *q, qry_expr *e)
{
    if (!q->sys_where) {
        q->sys_where = e;
        return;
    }
    qry_expr *and = new_node(q, QE_AND, 2);
    and->args[0] = q->sys_where;
    and->args[1] = e;
    q->sys_where = and;
}

/* ANDs `column <= value` (or `>`) into q's WHERE, as the parser would
 * have built it, so binding and filter planning treat it like any other
 * range predicate (segments wholly on one side are decided by min/max). */
static int add_boundary(qry_query *q, const seg_schema *schema, const qry_boundary *b,
                        qry_err *err)
{
    int f = b->column ? seg_schema_find(schema, b->column) : -1;
    if (f < 0)
        return qry_fail(err, QRY_ERR_UNKNOWN_COLUMN, -1,
                        "time boundary column '%s' is not in the schema of %s",
                        b->column ? b->column : "", schema->name);
    seg_type t = schema->fields[f].type;
    if (t == SEG_STRING || t == SEG_BYTES || t == SEG_BOOLEAN)
        return qry_fail(err, QRY_ERR_VALIDATION, -1,
                        "time boundary column '%s' is %s, not a numeric time",
                        b->column, seg_type_name(t));
    if (b->op != QRY_BOUNDARY_LE && b->op != QRY_BOUNDARY_GT)
        return qry_fail(err, QRY_ERR_VALIDATION, -1, "unknown time boundary operator %d",
                        (int)b->op);
    qry_expr *cmp = new_node(q, QE_CMP, 2);
    cmp->cmp = b->op == QRY_BOUNDARY_LE ? QC_LE : QC_GT;
    qry_expr *col = cmp->args[0] = new_node(q, QE_COLUMN, 0);
    col->name = qry_strndup(&q->arena, schema->fields[f].name, strlen(schema->fields[f].name));
    qry_expr *lit = cmp->args[1] = new_node(q, QE_LITERAL, 0);
    lit->lit.kind = QV_LONG;
    lit->lit.type = lit->type = SEG_LONG;
    lit->lit.i = b->value;
    add_sys_where(q, cmp);
    return 0;
}

/* The user's access: which columns they may name, and their row filter
 * (parsed on its own, so its text cannot reach into the user's query). A
 * filter that does not bind against this table's schema fails the query
 * without naming columns: the user may not know them. */
static int add_access(qry_query *q, const seg_schema *schema, const qry_access *a, qry_err *err)
{
    if (a->columns) {
        uint8_t *hidden = qry_alloc(&q->arena, schema->nfields + 1);
        memset(hidden, 1, schema->nfields);
        for (uint32_t i = 0; i < a->ncolumns; i++) {
            int f = seg_schema_find(schema, a->columns[i]);
            if (f >= 0)
                hidden[f] = 0;
        }
        q->hidden = hidden;
    }
    if (!a->row_filter || !*a->row_filter)
        return 0;
    qry_query *f;
    qry_err fe;
    if (qry_parse_filter(a->row_filter, &f, &fe))
        return qry_fail(err, QRY_ERR_VALIDATION, -1, "the row filter configured for this "
                        "user and table does not parse; ask an administrator to fix it");
    add_sys_where(q, f->where);
    f->where = NULL;
    f->attached = q->attached;
    q->attached = f;
    return 0;
}

int64_t qry_time_boundary(int64_t max_end_ms, int64_t unit_ms, bool hourly)
{
    const int64_t day_ms = 86400000, hour_ms = 3600000;
    int64_t offset = hourly && unit_ms % day_ms != 0 ? hour_ms : day_ms;
    return (max_end_ms - offset) / unit_ms;
}

int qry_compile_ex(const char *sql, qry_flavour flavour, const char *options,
                   const seg_schema *schema, int64_t now_ms, const qry_boundary *b,
                   const qry_access *access, qry_query **out, qry_err *err)
{
    qry_query *q;
    if (qry_parse(sql, flavour, &q, err))
        return -1;
    return qry_compile_parsed(q, options, schema, now_ms, b, access, out, err);
}

int qry_compile_parsed(qry_query *q, const char *options, const seg_schema *schema,
                       int64_t now_ms, const qry_boundary *b, const qry_access *access,
                       qry_query **out, qry_err *err)
{
    if ((b && b->op != QRY_BOUNDARY_NONE && add_boundary(q, schema, b, err)) ||
        (access && add_access(q, schema, access, err))) {
        qry_query_free(q);
        return -1;
    }
    if (options && *options) {
        qry_options req = {0};
        if (qry_options_parse(&req, options, err)) {
            qry_query_free(q);
            return -1;
        }
        merge_options(&q->opts, &req);
    }
    q->now_ms = now_ms;
    if (qry_bind(q, schema, err) || prepare_all(q, err)) {
        qry_query_free(q);
        return -1;
    }
    *out = q;
    return 0;
}
