/*
 * srv_request.c: runs one binary-protocol request against the node
 * (srv_request.h). Payloads come from the network, so every field is read
 * through tn_wire's bounds-checked reader and a malformed one is answered
 * with ERROR 100 naming what was wrong; the connection stays usable
 * because the frame itself was well delimited.
 */
#include "srv_request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "qry_reduce.h"
#include "tn_wire.h"

void srv_request_error(tn_buf *out, uint32_t id, int code, const char *fmt, ...)
{
    char msg[TN_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t start = out->len;
    tn_wire_begin(out, TN_MSG_ERROR, id);
    tn_wire_put_i32(out, code);
    tn_wire_put_cstr(out, msg);
    tn_wire_end(out, start);
}

/* Pinot's code for a srv_node failure. */
static int node_code(int rc)
{
    switch (rc) {
    case TN_ENOTFOUND: return QRY_ERR_TABLE;
    case TN_EINVAL: return QRY_ERR_VALIDATION;
    default: return 450;
    }
}

/* ---- QUERY ------------------------------------------------------------------ */

typedef struct query_req {
    char *table, *sql, *options, *time_column;
    uint8_t flavour;
    int64_t now_ms, timeout_ms;
    char **names;
    uint32_t nnames;
    qry_boundary boundary;
    bool has_access;            /* the broker named a user's access */
    qry_access access;          /* its strings are owned here */
} query_req;

static void query_req_free(query_req *q)
{
    free(q->table);
    free(q->sql);
    free(q->options);
    free(q->time_column);
    for (uint32_t i = 0; i < q->nnames; i++)
        free(q->names[i]);
    free(q->names);
    free((char *)q->access.row_filter);
    for (uint32_t i = 0; q->access.columns && i < q->access.ncolumns; i++)
        free((char *)q->access.columns[i]);
    free((void *)q->access.columns);
}

/* The optional access block: u8 1, str row_filter, u32 ncolumns
 * (QRY_WIRE_ALL_COLUMNS: every column), the column names. */
static void read_access(tn_wire_rd *rd, query_req *q)
{
    if (tn_wire_get_u8(rd) != 1) {
        rd->bad = true;
        return;
    }
    q->has_access = true;
    char *f = tn_wire_get_strdup(rd);
    q->access.row_filter = f && *f ? f : NULL;
    if (f && !*f)
        free(f);
    uint32_t n = tn_wire_get_u32(rd);
    if (rd->bad || n == TN_WIRE_ALL_COLUMNS)
        return;
    if (n > (rd->len - rd->pos) / 4) { /* each name takes at least 4 bytes */
        rd->bad = true;
        return;
    }
    const char **cols = tn_calloc(n + 1, sizeof *cols);
    q->access.columns = cols;
    for (uint32_t i = 0; i < n && !rd->bad; i++, q->access.ncolumns++)
        cols[i] = tn_wire_get_strdup(rd);
}

/* Reads the QUERY payload; false with the reason in why when malformed. */
static bool read_query(const srv_request *r, query_req *q, char *why, size_t cap)
{
    tn_wire_rd rd;
    tn_wire_rd_init(&rd, r->payload, r->len);
    q->table = tn_wire_get_strdup(&rd);
    q->sql = tn_wire_get_strdup(&rd);
    q->options = tn_wire_get_strdup(&rd);
    q->flavour = tn_wire_get_u8(&rd);
    q->now_ms = tn_wire_get_i64(&rd);
    q->timeout_ms = tn_wire_get_i64(&rd);
    uint32_t n = tn_wire_get_u32(&rd);
    /* each name takes at least its 4-byte length: bounds the allocation */
    if (rd.bad || n > (rd.len - rd.pos) / 4) {
        snprintf(why, cap, "malformed QUERY payload (%s at byte %zu of %zu)",
                 rd.bad ? "a field runs past the end" : "too many segment names", rd.pos,
                 rd.len);
        return false;
    }
    q->names = n ? tn_calloc(n, sizeof *q->names) : NULL;
    for (uint32_t i = 0; i < n && !rd.bad; i++, q->nnames++)
        q->names[i] = tn_wire_get_strdup(&rd);
    if (!rd.bad && rd.pos < rd.len) {
        q->boundary.op = (qry_boundary_op)tn_wire_get_u8(&rd);
        q->boundary.value = tn_wire_get_i64(&rd);
        q->time_column = tn_wire_get_strdup(&rd);
    }
    if (!rd.bad && rd.pos < rd.len)
        read_access(&rd, q);
    if (rd.bad || rd.pos != rd.len) {
        snprintf(why, cap, "malformed QUERY payload (%s at byte %zu of %zu)",
                 rd.bad ? "a field runs past the end" : "trailing bytes", rd.pos, rd.len);
        return false;
    }
    if (q->flavour > QRY_PGWIRE || q->boundary.op > QRY_BOUNDARY_GT || q->timeout_ms < 0) {
        snprintf(why, cap, "QUERY has flavour %u, boundary operator %u, timeout %lld ms",
                 q->flavour, (unsigned)q->boundary.op, (long long)q->timeout_ms);
        return false;
    }
    return true;
}

/* The time column the boundary filters on: the broker's, else the table
 * config's, else the one the table's segments were built with. */
static const char *boundary_column(srv_node *n, query_req *q, const srv_snapshot *snap)
{
    if (q->time_column && *q->time_column)
        return q->time_column;
    char col[256];
    if (srv_node_time_column(n, q->table, col, sizeof col)) {
        free(q->time_column);
        q->time_column = tn_strdup(col);
        return q->time_column;
    }
    for (uint32_t i = 0; i < snap->nsegs; i++)
        if (snap->segs[i]->meta.time_column)
            return snap->segs[i]->meta.time_column;
    return NULL;
}

/* The run's deadline: the request's timeout counts from its arrival (time
 * spent queued included); the query's own timeoutMs may shorten it. */
static uint64_t query_deadline(const srv_request *r, const query_req *q, const qry_query *cq)
{
    uint64_t d = q->timeout_ms ? r->queued_ns + (uint64_t)q->timeout_ms * 1000000u : 0;
    if (cq->opts.timeout_ms > 0) {
        uint64_t own = r->queued_ns + (uint64_t)cq->opts.timeout_ms * 1000000u;
        d = d ? TN_MIN(d, own) : own;
    }
    return d;
}

/* Compiles and runs the query over the snapshot; the PARTIAL frame or the
 * error goes into out. */
static bool run_compiled(srv_node *n, const srv_request *r, query_req *q,
                         const srv_snapshot *snap, tn_buf *out)
{
    qry_err qe = {0};
    qry_boundary b = q->boundary;
    if (b.op != QRY_BOUNDARY_NONE)
        b.column = boundary_column(n, q, snap);
    if (!b.column && snap->nsegs == 0)
        b.op = QRY_BOUNDARY_NONE; /* no rows to split, and no column to name */
    qry_query *cq;
    if (qry_compile_ex(q->sql, (qry_flavour)q->flavour, q->options, snap->schema, q->now_ms, &b,
                       q->has_access ? &q->access : NULL, &cq, &qe)) {
        srv_request_error(out, r->id, qe.code, "%s", qe.msg);
        return true;
    }
    qry_exec_opts o = {.threads = 1, .deadline_ns = query_deadline(r, q, cq),
                       .cancel = r->cancel};
    bool failed = false;
    qry_partial part;
    if (o.deadline_ns && tn_mono_ns() > o.deadline_ns) {
        failed = true;
        srv_request_error(out, r->id, 240, "query waited %lld ms in the server's queue, "
                          "past its timeout", (long long)((tn_mono_ns() - r->queued_ns) / 1000000));
    } else if (qry_execute(cq, snap->segs, snap->nsegs, &o, &part, &qe)) {
        failed = true;
        srv_request_error(out, r->id, qe.code, "%s", qe.msg);
        qry_partial_free(cq, &part);
    } else {
        size_t start = out->len;
        tn_wire_begin(out, TN_MSG_PARTIAL, r->id);
        qry_partial_serialize(cq, &part, out);
        tn_wire_end(out, start);
        qry_partial_free(cq, &part);
        if (out->len - start - 4 > TN_WIRE_MAX_FRAME) {
            size_t bytes = out->len - start;
            out->len = start;
            failed = true;
            srv_request_error(out, r->id, 450, "partial result of %zu bytes is over the "
                              "protocol's frame limit: add a LIMIT or a filter", bytes);
        }
    }
    qry_query_free(cq);
    return failed;
}

static bool run_query(srv_node *n, const srv_request *r, tn_buf *out)
{
    query_req q = {0};
    char why[TN_ERRLEN], err[TN_ERRLEN];
    bool failed = true;
    srv_snapshot snap;
    int rc;
    if (!read_query(r, &q, why, sizeof why)) {
        srv_request_error(out, r->id, QRY_ERR_JSON, "%s", why);
    } else if ((rc = srv_node_snapshot(n, q.table, (const char *const *)q.names, q.nnames, &snap,
                                       err)) != 0) {
        srv_request_error(out, r->id, node_code(rc), "%s", err);
    } else {
        failed = run_compiled(n, r, &q, &snap, out);
        srv_snapshot_release(&snap);
    }
    query_req_free(&q);
    return failed;
}

/* ---- ADMIN -------------------------------------------------------------------- */

/* An answer's JSON text (heap) or an error (code, message). */
typedef struct admin_res {
    char *json;
    int code;
    char msg[TN_ERRLEN];
} admin_res;

static const char *str_item(const cJSON *cmd, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cmd, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool need_str(const cJSON *cmd, const char *key, const char **out, admin_res *res)
{
    if ((*out = str_item(cmd, key)))
        return true;
    res->code = QRY_ERR_JSON;
    snprintf(res->msg, sizeof res->msg, "ADMIN command needs a string \"%s\"", key);
    return false;
}

static void node_result(int rc, const char *err, admin_res *res)
{
    if (rc == 0) {
        res->json = tn_strdup("{\"status\":\"ok\"}");
        return;
    }
    res->code = node_code(rc);
    snprintf(res->msg, sizeof res->msg, "%s", err);
}

/* A JSON document given as an object (or as a string holding one). */
static char *doc_text(const cJSON *cmd, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cmd, key);
    if (cJSON_IsObject(v))
        return cJSON_PrintUnformatted(v);
    return cJSON_IsString(v) ? tn_strdup(v->valuestring) : NULL;
}

static void admin_put_table(srv_node *n, const cJSON *cmd, admin_res *res)
{
    char *schema = doc_text(cmd, "schema"), *config = doc_text(cmd, "config");
    const cJSON *ji = cJSON_GetObjectItemCaseSensitive(cmd, "assignIndex");
    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(cmd, "assignCount");
    double idx = cJSON_IsNumber(ji) ? ji->valuedouble : 0;
    double cnt = cJSON_IsNumber(jc) ? jc->valuedouble : 1;
    char err[TN_ERRLEN];
    if (!schema || !config) {
        res->code = QRY_ERR_JSON;
        snprintf(res->msg, sizeof res->msg, "putTable needs \"schema\" and \"config\" objects");
    } else if (!(cnt >= 1 && cnt <= UINT32_MAX && idx >= 0 && idx < cnt)) {
        res->code = QRY_ERR_JSON;
        snprintf(res->msg, sizeof res->msg, "putTable has assignIndex %g of assignCount %g",
                 idx, cnt);
    } else {
        int rc = srv_node_put_table(n, schema, config, (uint32_t)idx, (uint32_t)cnt, err);
        node_result(rc, err, res);
    }
    free(schema);
    free(config);
}

static void admin_status(srv_node *n, const cJSON *cmd, admin_res *res)
{
    const char *table = str_item(cmd, "table");
    res->json = srv_node_status_json(n, table);
    if (!res->json) {
        res->code = table ? QRY_ERR_TABLE : 450;
        snprintf(res->msg, sizeof res->msg, "no status for %s", table ? table : "the server");
    }
}

static void admin_pause(srv_node *n, const cJSON *cmd, const char *table, bool pause,
                        admin_res *res)
{
    char err[TN_ERRLEN];
    srv_consume_from from;
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "consumeFrom"));
    if (srv_consume_from_parse(s, &from)) {
        tn_err(err, TN_EINVAL, "consumeFrom must be lastConsumed, smallest or largest, got '%s'",
               s);
        node_result(TN_EINVAL, err, res);
        return;
    }
    node_result(srv_node_pause(n, table, pause, from, err), err, res);
}

static void admin_table_op(srv_node *n, const char *op, const cJSON *cmd, admin_res *res)
{
    const char *table, *segment;
    char err[TN_ERRLEN];
    if (!need_str(cmd, "table", &table, res))
        return;
    if (!strcmp(op, "dropTable"))
        node_result(srv_node_drop_table(n, table, err), err, res);
    else if (!strcmp(op, "pause") || !strcmp(op, "resume"))
        admin_pause(n, cmd, table, !strcmp(op, "pause"), res);
    else if (!strcmp(op, "forceCommit"))
        node_result(srv_node_force_commit(n, table, err), err, res);
    else if (need_str(cmd, "segment", &segment, res))
        node_result(srv_node_delete_segment(n, table, segment, err), err, res);
}

static void admin_run(srv_node *n, const cJSON *cmd, admin_res *res)
{
    static const char *const table_ops[] = {"dropTable", "pause", "resume", "forceCommit",
                                            "deleteSegment"};
    const char *op;
    if (!need_str(cmd, "op", &op, res))
        return;
    if (!strcmp(op, "putTable")) {
        admin_put_table(n, cmd, res);
        return;
    }
    if (!strcmp(op, "status")) {
        admin_status(n, cmd, res);
        return;
    }
    for (size_t i = 0; i < TN_ARRAY_LEN(table_ops); i++) {
        if (!strcmp(op, table_ops[i])) {
            admin_table_op(n, op, cmd, res);
            return;
        }
    }
    res->code = QRY_ERR_JSON;
    snprintf(res->msg, sizeof res->msg, "unknown ADMIN op \"%.64s\"", op);
}

static bool answer_admin(const srv_request *r, admin_res *res, tn_buf *out)
{
    if (!res->json) {
        srv_request_error(out, r->id, res->code, "%s", res->msg);
        return true;
    }
    size_t start = out->len;
    tn_wire_begin(out, TN_MSG_ADMIN_OK, r->id);
    tn_wire_put_cstr(out, res->json);
    tn_wire_end(out, start);
    free(res->json);
    return false;
}

static bool run_admin(srv_node *n, const srv_request *r, tn_buf *out)
{
    tn_wire_rd rd;
    tn_wire_rd_init(&rd, r->payload, r->len);
    size_t len;
    const char *text = tn_wire_get_str(&rd, &len);
    admin_res res = {0};
    cJSON *cmd = NULL;
    if (rd.bad || rd.pos != rd.len) {
        res.code = QRY_ERR_JSON;
        snprintf(res.msg, sizeof res.msg, "malformed ADMIN payload: expected one string of "
                 "%zu bytes", r->len >= 4 ? r->len - 4 : 0);
    } else if (!(cmd = cJSON_ParseWithLength(text, len)) || !cJSON_IsObject(cmd)) {
        const char *at = cJSON_GetErrorPtr();
        long pos = cmd || !at || at < text || at > text + len ? 0 : (long)(at - text);
        res.code = QRY_ERR_JSON;
        snprintf(res.msg, sizeof res.msg, "ADMIN command is not a JSON object (%s at byte %ld)",
                 cmd ? "not an object" : "malformed JSON", pos);
    } else {
        admin_run(n, cmd, &res);
    }
    cJSON_Delete(cmd);
    return answer_admin(r, &res, out);
}

/* ---- INGEST -------------------------------------------------------------------- */

static bool run_ingest(srv_node *n, const srv_request *r, tn_buf *out)
{
    tn_wire_rd rd;
    tn_wire_rd_init(&rd, r->payload, r->len);
    char *table = tn_wire_get_strdup(&rd), *config = tn_wire_get_strdup(&rd);
    size_t len;
    const char *data = tn_wire_get_str(&rd, &len);
    admin_res res = {0};
    char err[TN_ERRLEN];
    if (rd.bad || rd.pos != rd.len) {
        res.code = QRY_ERR_JSON;
        snprintf(res.msg, sizeof res.msg, "malformed INGEST payload (%s at byte %zu of %zu)",
                 rd.bad ? "a field runs past the end" : "trailing bytes", rd.pos, rd.len);
    } else {
        int rc = srv_node_ingest(n, table, config, data, len, &res.json, err);
        if (rc) {
            res.json = NULL;
            res.code = node_code(rc);
            snprintf(res.msg, sizeof res.msg, "%s", err);
        }
    }
    free(table);
    free(config);
    return answer_admin(r, &res, out);
}

bool srv_request_run(srv_node *n, const srv_request *r, tn_buf *out)
{
    switch (r->type) {
    case TN_MSG_QUERY: return run_query(n, r, out);
    case TN_MSG_ADMIN: return run_admin(n, r, out);
    case TN_MSG_INGEST: return run_ingest(n, r, out);
    default:
        srv_request_error(out, r->id, QRY_ERR_JSON, "unexpected message type %u", r->type);
        return true;
    }
}
