/*
 * brk_query.c: the broker's query path: request -> table -> compiled query
 * -> per-server QUERY frames -> merged partials -> reduced result -> Pinot
 * response. A server that fails or is late costs its share of the answer
 * (partialResult, exception 427), never the whole query or a hang.
 */
#include "brk_query.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "brk_admin.h"
#include "brk_client.h"
#include "brk_route.h"
#include "brk_sync.h"
#include "qry_reduce.h"
#include "tn_wire.h"

#define MAX_ERRS BRK_QUERY_MAX_ERRS
#define SERVER_GRACE_MS 100 /* the broker waits this much past the servers' own timeout */

typedef struct brk_q {
    brk_broker *b;
    uint64_t t0_ns;
    const char *sql, *options;
    qry_flavour flavour;
    qry_err errs[MAX_ERRS];
    uint32_t nerrs;
    qry_query *q;
    brk_resolved tbl;
    bool have_tbl;
    brk_routing *routing;
    brk_call *calls;
    const char **call_table;     /* typed table of each call */
    uint32_t ncalls, cap;
    uint32_t responded;
    tn_buf late;                 /* servers that did not answer, "a, b" */
    uint32_t nlate;
    bool *late_seen;             /* per server: already in late */
    int64_t timeout_ms, remaining_ms;
    const atomic_bool *cancel;   /* set by another thread to give up (run.flag) */
    atomic_bool *caller_cancel;  /* the caller's flag, or NULL */
    brk_running_q run;           /* in the broker's list of running queries */
    bool running;
    brk_user *user;              /* NULL: unrestricted */
    const qry_access *access;    /* the user's view of the table, or NULL */
    const char *endpoint, *client;
    char request_id[32];
} brk_q;

int brk_error_http_status(int code)
{
    switch (code) {
    case 100: case 150: case 155: case 246: case 700: case 710: case 720: return 400;
    case 180: return 403;
    case 190: case 191: case 230: case 235: return 404;
    case 240: case 250: case 400: return 408;
    case 429: return 429;
    case 210: case 211: case 245: case 305: case 410: case 420: case 425: case 427:
    case 503: case 510: return 503;
    default: return 500;
    }
}

static void add_err(brk_q *x, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_err(brk_q *x, int code, const char *fmt, ...)
{
    if (x->nerrs == MAX_ERRS)
        return;
    qry_err *e = &x->errs[x->nerrs++];
    e->code = code;
    e->position = -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

static void add_qerr(brk_q *x, const qry_err *e)
{
    if (x->nerrs < MAX_ERRS)
        x->errs[x->nerrs++] = *e;
}

static int64_t elapsed_ms(const brk_q *x)
{
    return (int64_t)((tn_mono_ns() - x->t0_ns) / 1000000);
}

/* ---- the response ------------------------------------------------------ */

static void respond(brk_q *x, const qry_result *res, bool http_status_errors, brk_response *out)
{
    qry_response_info info = {.time_used_ms = elapsed_ms(x),
                              .servers_queried = x->ncalls,
                              .servers_responded = x->responded,
                              .request_id = x->request_id,
                              .client_request_id = x->q ? x->q->opts.client_query_id : NULL};
    char *js = qry_response_json(res, x->errs, x->nerrs, &info);
    int first = x->nerrs ? x->errs[0].code : 0;
    int status = first && http_status_errors ? brk_error_http_status(first) : 200;
    /* refusals a client must back off from or re-authenticate for are
     * HTTP statuses whatever the client asked (issue 8: 429 for quotas) */
    if (first == BRK_ERR_TOO_MANY_REQUESTS || first == BRK_ERR_ACCESS_DENIED)
        status = brk_error_http_status(first);
    brk_response_set(out, status, "application/json", js);
    out->pinot_error = first ? first : -1;
    bool partial = x->nerrs > 0 || (res && res->stats.groups_limit_reached);
    brk_metrics_query(&x->b->metrics, (tn_mono_ns() - x->t0_ns) / 1000, first, partial);
}

void brk_query_error(int code, const char *msg, int http_status, bool http_status_errors,
                     brk_response *out)
{
    qry_err e = {.code = code, .position = -1};
    snprintf(e.msg, sizeof e.msg, "%s", msg);
    char *js = qry_response_json(NULL, &e, 1, NULL);
    brk_response_set(out, http_status_errors ? brk_error_http_status(code) : http_status,
                     "application/json", js);
    out->pinot_error = code;
}

static void note_late(brk_q *x, uint32_t server)
{
    if (!x->late_seen)
        x->late_seen = tn_calloc(x->b->opts.nservers + 1, sizeof *x->late_seen);
    if (server >= x->b->opts.nservers || x->late_seen[server])
        return;
    x->late_seen[server] = true;
    const char *name = brk_server_name(x->b, server);
    if (x->late.len)
        tn_buf_append(&x->late, ", ", 2);
    tn_buf_append(&x->late, name, strlen(name));
    x->nlate++;
}

/* ---- planning: which server gets which QUERY --------------------------- */

static void begin_call(brk_q *x, uint32_t server, const char *typed, uint32_t nsegs)
{
    if (x->ncalls == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 8;
        x->calls = tn_realloc(x->calls, x->cap * sizeof *x->calls);
        x->call_table = tn_realloc(x->call_table, x->cap * sizeof *x->call_table);
    }
    brk_call *c = &x->calls[x->ncalls];
    memset(c, 0, sizeof *c);
    c->server = server;
    x->call_table[x->ncalls++] = typed;
    tn_buf *r = &c->request;
    tn_wire_begin(r, TN_MSG_QUERY, 0);
    tn_wire_put_cstr(r, typed);
    tn_wire_put_cstr(r, x->sql);
    tn_wire_put_cstr(r, x->options ? x->options : "");
    tn_wire_put_u8(r, (uint8_t)x->flavour);
    tn_wire_put_i64(r, x->q->now_ms);
    tn_wire_put_i64(r, x->remaining_ms);
    tn_wire_put_u32(r, nsegs);
}

/* The servers compile the SQL text themselves, so the user's row filter
 * and visible columns travel with every QUERY (tn_wire.h). */
static void put_access(tn_buf *r, const qry_access *a)
{
    tn_wire_put_u8(r, 1);
    tn_wire_put_cstr(r, a->row_filter ? a->row_filter : "");
    tn_wire_put_u32(r, a->columns ? a->ncolumns : TN_WIRE_ALL_COLUMNS);
    for (uint32_t i = 0; a->columns && i < a->ncolumns; i++)
        tn_wire_put_cstr(r, a->columns[i]);
}

static void end_call(brk_q *x, uint8_t boundary_op, int64_t boundary)
{
    tn_buf *r = &x->calls[x->ncalls - 1].request;
    tn_wire_put_u8(r, boundary_op);
    tn_wire_put_i64(r, boundary);
    tn_wire_put_cstr(r, boundary_op ? x->tbl.time_column : "");
    if (x->access)
        put_access(r, x->access);
    tn_wire_end(r, 0);
}

/* OFFLINE segments are immutable, so the broker can name the ones that
 * may match the time range; a server holding none of them is not asked.
 * REALTIME tables are not pruned here: their consuming segments roll over
 * between routing refreshes, so servers get "every segment" and prune by
 * each segment's min/max themselves. */
static void plan_server(brk_q *x, const brk_route_srv *rs, const char *typed, bool prune,
                        int64_t lo, int64_t hi, uint8_t bop, int64_t boundary)
{
    if (!prune) {
        begin_call(x, rs->server, typed, 0);
        end_call(x, bop, boundary);
        return;
    }
    uint32_t keep = 0;
    for (uint32_t i = 0; i < rs->nsegs; i++)
        keep += brk_seg_may_match(&rs->segs[i], lo, hi);
    if (!keep)
        return;
    if (keep == rs->nsegs) {
        begin_call(x, rs->server, typed, 0);
    } else {
        begin_call(x, rs->server, typed, keep);
        for (uint32_t i = 0; i < rs->nsegs; i++)
            if (brk_seg_may_match(&rs->segs[i], lo, hi))
                tn_wire_put_cstr(&x->calls[x->ncalls - 1].request, rs->segs[i].name);
    }
    end_call(x, bop, boundary);
}

static void plan_part(brk_q *x, brk_table_type t, uint8_t bop, int64_t boundary, int64_t lo,
                      int64_t hi)
{
    const char *typed = x->tbl.typed[t];
    const brk_route_table *rt = brk_routing_find(x->routing, typed);
    if (bop == 1 && x->tbl.time_unit_ms > 0) /* OFFLINE side: time <= boundary */
        hi = TN_MIN(hi, (boundary + 1) * x->tbl.time_unit_ms - 1);
    for (uint32_t k = 0; rt && k < rt->nsrvs; k++)
        plan_server(x, &rt->srvs[k], typed, t == BRK_OFFLINE, lo, hi, bop, boundary);
}

/* Decides the calls. Returns false (with an exception) when the table
 * cannot be routed at all. */
static bool plan(brk_q *x)
{
    bool routed[2];
    for (int t = 0; t < 2; t++)
        routed[t] = x->tbl.has[t] && brk_routing_find(x->routing, x->tbl.typed[t]);
    if (!routed[0] && !routed[1]) {
        add_err(x, BRK_ERR_NO_ROUTING, "No server serves table %s (no routing table entry)",
                x->tbl.raw);
        return false;
    }
    int64_t lo, hi;
    int tcol = x->tbl.time_column[0] ? seg_schema_find(x->tbl.schema, x->tbl.time_column) : -1;
    brk_query_time_range(x->q, tcol, x->tbl.time_unit_ms, &lo, &hi);
    int64_t boundary = 0;
    if (routed[0] && routed[1]) {
        /* hybrid: without a boundary (no OFFLINE segment with an end time)
         * Pinot queries the REALTIME part only */
        if (tcol >= 0 && brk_routing_time_boundary(x->routing, x->tbl.typed[BRK_OFFLINE],
                                                   x->tbl.time_unit_ms, x->tbl.hourly,
                                                   &boundary)) {
            plan_part(x, BRK_OFFLINE, 1, boundary, lo, hi);
            plan_part(x, BRK_REALTIME, 2, boundary, lo, hi);
        } else {
            plan_part(x, BRK_REALTIME, 0, 0, lo, hi);
        }
        return true;
    }
    plan_part(x, routed[0] ? BRK_OFFLINE : BRK_REALTIME, 0, 0, lo, hi);
    return true;
}

/* Every table is on every server, so a server that has not answered a
 * status call since the broker started may hold rows of this one too:
 * the answer says so rather than looking complete. */
static void note_unknown_servers(brk_q *x)
{
    for (uint32_t i = 0; i < x->routing->nservers; i++)
        if (!x->routing->status[i])
            note_late(x, i);
}

/* ---- gathering --------------------------------------------------------- */

static void gather_one(brk_q *x, uint32_t k, qry_partial *merged)
{
    brk_call *c = &x->calls[k];
    const char *server = brk_server_name(x->b, c->server);
    if (c->status != TN_OK) {
        brk_metrics_server_failure(&x->b->metrics, c->server);
        note_late(x, c->server);
        return;
    }
    x->responded++;
    qry_err e = {0};
    if (c->type == TN_MSG_PARTIAL) {
        qry_partial part;
        int rc = qry_partial_deserialize(x->q, c->payload, c->len, &part, &e);
        if (!rc)
            rc = qry_partial_merge(x->q, merged, &part, &e);
        qry_partial_free(x->q, &part);
        if (rc)
            add_err(x, BRK_ERR_MERGE, "answer of server %s for %s: %s", server,
                    x->call_table[k], e.msg);
    } else if (c->type == TN_MSG_ERROR) {
        tn_wire_rd r;
        tn_wire_rd_init(&r, c->payload, c->len);
        int code = tn_wire_get_i32(&r);
        size_t n;
        const char *msg = tn_wire_get_str(&r, &n);
        if (r.bad)
            add_err(x, BRK_ERR_MERGE, "server %s sent a malformed error", server);
        else
            add_err(x, code, "%.*s (server %s, table %s)", (int)TN_MIN(n, 180), msg, server,
                    x->call_table[k]);
    } else {
        add_err(x, BRK_ERR_MERGE, "server %s answered with message type %u", server, c->type);
    }
}

static void gather(brk_q *x, qry_partial *merged)
{
    for (uint32_t k = 0; k < x->ncalls; k++)
        gather_one(x, k, merged);
    if (x->nlate) {
        tn_buf_append(&x->late, "", 1);
        add_err(x, BRK_ERR_SERVER_NOT_RESPONDING, "%u servers [%s] not responded", x->nlate,
                (char *)x->late.data);
    }
}

/* ---- one query --------------------------------------------------------- */

/* Parse (for the table name), resolve, compile. false with an exception. */
/* Once compiled (its clientQueryId known), the query is listed as running:
 * from here on DELETE /query/{id} can cancel it. */
static void list_running(brk_q *x)
{
    x->run.id = x->request_id;
    x->run.sql = x->sql;
    snprintf(x->run.client_id, sizeof x->run.client_id, "%s", x->q->opts.client_query_id);
    brk_running_add(&x->b->running, &x->run, x->caller_cancel);
    x->running = true;
    x->cancel = x->run.flag;
}

static bool prepare(brk_q *x)
{
    qry_query *parsed;
    qry_err e = {0};
    if (qry_parse(x->sql, x->flavour, &parsed, &e)) {
        add_qerr(x, &e);
        return false;
    }
    char err[TN_ERRLEN];
    const char *table = parsed->table ? parsed->table : "";
    /* before resolving: the answer must not tell whether the table exists */
    if (x->user && !brk_user_can_read(x->user, table)) {
        add_err(x, BRK_ERR_ACCESS_DENIED, "Permission denied: user '%s' may not read table '%s'",
                brk_user_name(x->user), table);
        qry_query_free(parsed); /* table points into it */
        return false;
    }
    int rc = brk_catalog_resolve(x->b->catalog, table, &x->tbl, err);
    if (rc) {
        qry_query_free(parsed);
        add_err(x, QRY_ERR_TABLE, "%s", err);
        return false;
    }
    x->have_tbl = true;
    char dmsg[128];
    brk_table_state ts = brk_resolved_check_enabled(&x->tbl, dmsg, sizeof dmsg);
    if (ts == BRK_TABLE_DISABLED) {
        qry_query_free(parsed);
        add_err(x, BRK_ERR_TABLE_DISABLED, "%s", dmsg);
        return false;
    }
    if (ts == BRK_TABLE_PART_DISABLED) /* hybrid: the other part answers, with a notice */
        add_err(x, BRK_ERR_TABLE_DISABLED, "%s", dmsg);
    if (x->user && !brk_auth_admit(x->b->auth, x->user, x->tbl.raw, err, sizeof err)) {
        qry_query_free(parsed);
        add_err(x, BRK_ERR_TOO_MANY_REQUESTS, "%s", err);
        return false;
    }
    x->access = x->user ? brk_user_access(x->user, x->tbl.raw) : NULL;
    /* parsed once: compiling takes the parsed query over */
    if (qry_compile_parsed(parsed, x->options, x->tbl.schema, tn_now_ms(), NULL, x->access,
                           &x->q, &e)) {
        add_qerr(x, &e);
        return false;
    }
    list_running(x);
    x->timeout_ms = x->q->opts.timeout_ms > 0 ? x->q->opts.timeout_ms : x->b->opts.timeout_ms;
    x->remaining_ms = x->timeout_ms - elapsed_ms(x);
    if (x->remaining_ms <= 0) {
        add_err(x, BRK_ERR_BROKER_TIMEOUT, "Query timed out (time spent: %" PRId64 "ms, timeout: "
                "%" PRId64 "ms) for table: %s before scattering the request", elapsed_ms(x),
                x->timeout_ms, x->tbl.raw);
        return false;
    }
    return true;
}

/* A client may not make the broker hold and send an unbounded table
 * (selection without LIMIT on the PostgreSQL endpoint, a huge LIMIT). */
static bool within_result_bound(brk_q *x, qry_result *res)
{
    uint64_t max = x->b->opts.max_result_rows;
    if (!max || res->nrows <= max)
        return true;
    add_err(x, QRY_ERR_EXEC, "the result has %u rows, over this broker's bound of %" PRIu64
            " (--max-result-rows): add a LIMIT or narrow the query", res->nrows, max);
    qry_result_free(res);
    return false;
}

/* Scatter, gather, reduce; res filled when there is a table to show. */
static bool execute(brk_q *x, qry_result *res)
{
    x->routing = brk_sync_routing(x->b->sync);
    if (!plan(x))
        return false;
    note_unknown_servers(x);
    if (x->ncalls)
        brk_pool_call_cancel(x->b->pool, x->calls, x->ncalls, x->remaining_ms + SERVER_GRACE_MS,
                             x->cancel);
    if (x->cancel && atomic_load(x->cancel)) {
        add_err(x, BRK_ERR_CANCELLED, "canceling statement due to user request");
        return false;
    }
    qry_partial merged;
    qry_partial_init(x->q, &merged);
    gather(x, &merged);
    bool ok = false;
    if (x->ncalls == 0 || x->responded > 0) { /* else nothing to show */
        qry_err e = {0};
        if (qry_reduce(x->q, &merged, res, &e))
            add_qerr(x, &e);
        else
            ok = within_result_bound(x, res);
    }
    qry_partial_free(x->q, &merged);
    return ok;
}

static void q_init(brk_q *x, brk_broker *b, const char *sql, qry_flavour fl, const char *options,
                   uint64_t received_ns)
{
    memset(x, 0, sizeof *x);
    x->b = b;
    x->t0_ns = received_ns;
    x->sql = sql;
    x->options = options;
    x->flavour = fl;
    snprintf(x->request_id, sizeof x->request_id, "%" PRIuFAST64,
             atomic_fetch_add(&b->next_request, 1) + 1);
}

static void q_free(brk_q *x)
{
    if (x->running)
        brk_running_remove(&x->b->running, &x->run);
    for (uint32_t k = 0; k < x->ncalls; k++) {
        brk_call_clear(&x->calls[k]);
        tn_buf_free(&x->calls[k].request);
    }
    free(x->calls);
    free(x->call_table);
    tn_buf_free(&x->late);
    free(x->late_seen);
    brk_routing_unref(x->routing);
    qry_query_free(x->q);
    if (x->have_tbl)
        brk_resolved_release(&x->tbl);
}

/* One line in the audit log per query, whoever ran it and however it
 * ended (the SQL is cut to its first 256 bytes: enough to recognise it). */
static void audit_query(const brk_q *x)
{
    if (!x->endpoint)
        return;
    char sql[257];
    snprintf(sql, sizeof sql, "%s", x->sql);
    brk_audit_rec r = {.user = x->user ? brk_user_name(x->user) : NULL,
                       .endpoint = x->endpoint,
                       .client = x->client,
                       .action = "query",
                       .table = x->have_tbl ? x->tbl.raw : NULL,
                       .status = x->nerrs ? x->errs[0].code : 0,
                       .detail = x->nerrs ? x->errs[0].msg : NULL,
                       .sql = sql,
                       .ms = elapsed_ms(x)};
    brk_audit(x->b->auth, &r);
}

static void q_set_ctx(brk_q *x, const brk_query_ctx *c)
{
    x->cancel = x->caller_cancel = c->cancel;
    x->user = c->user;
    x->endpoint = c->endpoint;
    x->client = c->client;
}

void brk_query_run(brk_broker *b, brk_user *user, const char *sql, const char *options,
                   uint64_t received_ns, bool http_status_errors, brk_response *out)
{
    brk_query_ctx c = {.user = user, .flavour = QRY_HTTP, .options = options,
                       .received_ns = received_ns, .endpoint = "http"};
    brk_query_run_ctx(b, &c, sql, http_status_errors, out);
}

void brk_query_run_ctx(brk_broker *b, const brk_query_ctx *c, const char *sql,
                       bool http_status_errors, brk_response *out)
{
    brk_q x;
    q_init(&x, b, sql, c->flavour, c->options, c->received_ns);
    q_set_ctx(&x, c);
    qry_result res;
    bool have_res = prepare(&x) && execute(&x, &res);
    respond(&x, have_res ? &res : NULL, http_status_errors, out);
    audit_query(&x);
    if (have_res)
        qry_result_free(&res);
    q_free(&x);
}

int brk_query_result(brk_broker *b, const char *sql, qry_flavour fl, const char *options,
                     uint64_t received_ns, qry_result *res, qry_err *errs, uint32_t *nerrs)
{
    return brk_query_result_cancel(b, sql, fl, options, received_ns, NULL, res, errs, nerrs);
}

int brk_query_result_cancel(brk_broker *b, const char *sql, qry_flavour fl, const char *options,
                            uint64_t received_ns, atomic_bool *cancel, qry_result *res,
                            qry_err *errs, uint32_t *nerrs)
{
    brk_query_ctx c = {.flavour = fl, .options = options, .received_ns = received_ns,
                       .cancel = cancel};
    return brk_query_result_as(b, &c, sql, res, errs, nerrs);
}

int brk_query_result_as(brk_broker *b, const brk_query_ctx *c, const char *sql, qry_result *res,
                        qry_err *errs, uint32_t *nerrs)
{
    brk_q x;
    q_init(&x, b, sql, c->flavour, c->options, c->received_ns);
    q_set_ctx(&x, c);
    bool have_res = prepare(&x) && execute(&x, res);
    memcpy(errs, x.errs, x.nerrs * sizeof *errs);
    *nerrs = x.nerrs;
    int first = x.nerrs ? x.errs[0].code : 0;
    bool partial = x.nerrs > 0 || (have_res && res->stats.groups_limit_reached);
    brk_metrics_query(&b->metrics, (tn_mono_ns() - x.t0_ns) / 1000, first, partial);
    audit_query(&x);
    q_free(&x);
    return have_res ? TN_OK : -1;
}

/* ---- HTTP shapes ------------------------------------------------------- */

/* queryOptions may be Pinot's "k=v;k2=v2" string or, leniently, an object. */
static char *options_text(const cJSON *opt)
{
    if (cJSON_IsString(opt))
        return tn_strdup(opt->valuestring);
    if (!cJSON_IsObject(opt))
        return NULL;
    tn_buf b = {0};
    const cJSON *kv;
    cJSON_ArrayForEach(kv, opt) {
        char tmp[64];
        const char *v = cJSON_IsString(kv) ? kv->valuestring : tmp;
        if (cJSON_IsBool(kv))
            snprintf(tmp, sizeof tmp, "%s", cJSON_IsTrue(kv) ? "true" : "false");
        else if (cJSON_IsNumber(kv))
            snprintf(tmp, sizeof tmp, "%.17g", kv->valuedouble);
        else if (!cJSON_IsString(kv))
            continue;
        if (b.len)
            tn_buf_append(&b, ";", 1);
        tn_buf_append(&b, kv->string, strlen(kv->string));
        tn_buf_append(&b, "=", 1);
        tn_buf_append(&b, v, strlen(v));
    }
    tn_buf_append(&b, "", 1);
    return (char *)b.data;
}

static void handle_post(brk_broker *b, const brk_request *req, const char *endpoint,
                        brk_response *out)
{
    const char *end = NULL;
    cJSON *js = cJSON_ParseWithLengthOpts((const char *)req->body, req->len, &end, 0);
    if (!js || !cJSON_IsObject(js)) {
        char msg[160];
        if (!js)
            snprintf(msg, sizeof msg, "Invalid JSON: syntax error at byte %zu of the request body",
                     end ? (size_t)(end - (const char *)req->body) : (size_t)0);
        else
            snprintf(msg, sizeof msg, "Invalid JSON: the request body is not a JSON object");
        brk_query_error(QRY_ERR_JSON, msg, 400, req->http_status_errors, out);
        cJSON_Delete(js);
        return;
    }
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(js, "sql");
    if (!cJSON_IsString(sql)) {
        brk_query_error(QRY_ERR_JSON, "Payload is missing the query string field 'sql'", 400,
                        req->http_status_errors, out);
        cJSON_Delete(js);
        return;
    }
    char *opts = options_text(cJSON_GetObjectItemCaseSensitive(js, "queryOptions"));
    brk_query_ctx c = {.user = req->user, .flavour = QRY_HTTP, .options = opts,
                       .received_ns = req->received_ns, .endpoint = endpoint,
                       .client = req->client};
    brk_query_run_ctx(b, &c, sql->valuestring, req->http_status_errors, out);
    free(opts);
    cJSON_Delete(js);
}

void brk_query_handle(brk_broker *b, const brk_request *req, brk_response *out)
{
    brk_query_handle_at(b, req, "http", out);
}

void brk_query_handle_at(brk_broker *b, const brk_request *req, const char *endpoint,
                         brk_response *out)
{
    if (req->method == BRK_POST) {
        handle_post(b, req, endpoint, out);
        return;
    }
    const char *sql = brk_request_param(req, "sql");
    if (!sql) {
        brk_query_error(QRY_ERR_JSON, "Query parameter 'sql' is missing", 400,
                        req->http_status_errors, out);
        return;
    }
    brk_query_ctx c = {.user = req->user, .flavour = QRY_HTTP,
                       .options = brk_request_param(req, "queryOptions"),
                       .received_ns = req->received_ns, .endpoint = endpoint,
                       .client = req->client};
    brk_query_run_ctx(b, &c, sql, req->http_status_errors, out);
}

/* ---- running queries and syntax checks (Pinot's broker API) ------------ */

static bool may_manage(const brk_request *req, brk_response *out)
{
    if (!req->user || brk_user_is_admin(req->user))
        return true;
    brk_response_error(out, 403, "Permission denied: listing or cancelling queries needs the "
                       "ADMIN role");
    return false;
}

/* DELETE /query/{id}[?client=true]: Pinot's texts, 404 when nothing runs
 * under that id. */
static void cancel_query(brk_broker *b, const brk_request *req, const char *id,
                         brk_response *out)
{
    const char *cp = brk_request_param(req, "client");
    bool client = cp && !strcasecmp(cp, "true");
    if (!*id || (!client && strspn(id, "0123456789") != strlen(id))) {
        brk_response_error(out, 400, "Invalid internal query id: %s", id);
        return;
    }
    if (!may_manage(req, out))
        return;
    char msg[160];
    if (brk_running_cancel(&b->running, id, client)) {
        snprintf(msg, sizeof msg, "Cancelled %squery: %.64s", client ? "client " : "", id);
        brk_response_set(out, 200, "text/plain", tn_strdup(msg));
    } else {
        brk_response_error(out, 404, "Query: %.64s not found on the broker", id);
    }
}

/* POST /query/sql/validateSyntax {"sql"}: parses only (no table needed). */
static void validate_syntax(const brk_request *req, brk_response *out)
{
    cJSON *js = cJSON_ParseWithLength((const char *)req->body, req->len);
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(js, "sql");
    if (!cJSON_IsString(sql)) {
        brk_response_error(out, 400, js ? "Payload is missing the query string field 'sql'"
                                        : "Invalid JSON: the request body does not parse");
        cJSON_Delete(js);
        return;
    }
    qry_query *q;
    qry_err e = {0};
    cJSON *r = cJSON_CreateObject();
    if (qry_parse(sql->valuestring, QRY_HTTP, &q, &e)) {
        cJSON_AddBoolToObject(r, "valid", false);
        cJSON_AddStringToObject(r, "errorMessage", e.msg);
    } else {
        qry_query_free(q);
        cJSON_AddBoolToObject(r, "valid", true);
        cJSON_AddStringToObject(r, "sqlType", "DQL");
    }
    brk_response_set(out, 200, "application/json", cJSON_PrintUnformatted(r));
    cJSON_Delete(r);
    cJSON_Delete(js);
}

bool brk_query_is_manage_path(brk_method m, const char *path)
{
    return (m == BRK_GET && !strcmp(path, "/queries")) ||
           (m == BRK_DELETE && !strncmp(path, "/query/", 7) && path[7] && !strchr(path + 7, '/')) ||
           (m == BRK_POST && !strcmp(path, "/query/sql/validateSyntax"));
}

void brk_query_manage(brk_broker *b, const brk_request *req, brk_response *out)
{
    if (req->method == BRK_GET) {
        if (may_manage(req, out))
            brk_response_set(out, 200, "application/json", brk_running_json(&b->running));
    } else if (req->method == BRK_DELETE) {
        char *seg[2] = {NULL, NULL};
        uint32_t n = brk_path_split(req->path, seg, 2);
        cancel_query(b, req, n == 2 ? seg[1] : "", out);
        free(seg[0]);
        free(seg[1]);
    } else {
        validate_syntax(req, out);
    }
}
