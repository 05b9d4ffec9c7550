/*
 * brk_query.h: one SQL query through the broker: Pinot's HTTP request
 * shapes (POST /query/sql {"sql", "queryOptions"}, GET /query/sql?sql=),
 * table resolution, compile, routing (hybrid split, time pruning), scatter
 * to the servers, merge, reduce, and Pinot's BrokerResponseNative with its
 * error codes and HTTP status rules.
 */
#ifndef BRK_QUERY_H
#define BRK_QUERY_H

#include <stdatomic.h>

#include "brk_broker.h"
#include "qry_reduce.h"

/* Pinot error codes the broker itself raises (the query module's own are
 * in qry_expr.h). */
enum {
    BRK_ERR_BROKER_TIMEOUT = 400,        /* the timeout passed before scattering */
    BRK_ERR_ACCESS_DENIED = 180,         /* the user may not read the table */
    BRK_ERR_NO_ROUTING = 410,            /* no server reports the table */
    BRK_ERR_SERVER_NOT_RESPONDING = 427, /* failed, late or unknown servers */
    BRK_ERR_TOO_MANY_REQUESTS = 429,     /* the broker's queue is full */
    BRK_ERR_MERGE = 500,                 /* a server's answer could not be merged */
    BRK_ERR_CANCELLED = 503,             /* the client cancelled the query */
};

/* Handles GET/POST /query/sql and /query, as req->user. */
void brk_query_handle(brk_broker *b, const brk_request *req, brk_response *out);
/* The same, audited under endpoint ("http" query port, "admin" POST /sql). */
void brk_query_handle_at(brk_broker *b, const brk_request *req, const char *endpoint,
                         brk_response *out);

/* The query port's management calls (Pinot's broker API): GET /queries
 * (running queries by request id), DELETE /query/{id}[?client=true]
 * (cancel; ADMIN only when auth is on), POST /query/sql/validateSyntax. */
bool brk_query_is_manage_path(brk_method m, const char *path);
void brk_query_manage(brk_broker *b, const brk_request *req, brk_response *out);

/* Runs sql with Pinot's queryOptions text ("k=v;k2=v2", may be NULL) as
 * user (NULL: unrestricted, for internal callers only). received_ns:
 * arrival time (the timeout counts queueing). */
void brk_query_run(brk_broker *b, brk_user *user, const char *sql, const char *options,
                   uint64_t received_ns, bool http_status_errors, brk_response *out);

#define BRK_QUERY_MAX_ERRS 16

/* The same path without the JSON: on TN_OK res holds the table (the
 * caller frees it with qry_result_free) and errs may still hold warnings
 * (a late server: partial result); on -1 there is no table and errs says
 * why. errs has room for BRK_QUERY_MAX_ERRS. */
int brk_query_result(brk_broker *b, const char *sql, qry_flavour fl, const char *options,
                     uint64_t received_ns, qry_result *res, qry_err *errs, uint32_t *nerrs);
/* The same; once another thread sets *cancel the broker stops waiting for
 * the servers and fails with BRK_ERR_CANCELLED (the PostgreSQL endpoint's
 * CancelRequest). */
int brk_query_result_cancel(brk_broker *b, const char *sql, qry_flavour fl, const char *options,
                            uint64_t received_ns, atomic_bool *cancel, qry_result *res,
                            qry_err *errs, uint32_t *nerrs);

/* Who runs a query, and from where (the audit log's fields). */
typedef struct brk_query_ctx {
    brk_user *user;               /* NULL: unrestricted (internal callers only) */
    qry_flavour flavour;
    const char *options;          /* may be NULL */
    uint64_t received_ns;
    atomic_bool *cancel;          /* may be NULL; DELETE /query/{id} sets it too */
    const char *endpoint;         /* "http", "admin", "pg" */
    const char *client;           /* peer address, may be NULL */
} brk_query_ctx;

/* brk_query_result_cancel as c->user: a table the user may not read fails
 * with BRK_ERR_ACCESS_DENIED (the same message whether or not the table
 * exists), the user's row filter and visible columns apply, quotas are
 * charged (BRK_ERR_TOO_MANY_REQUESTS), and the query is audited. */
int brk_query_result_as(brk_broker *b, const brk_query_ctx *c, const char *sql, qry_result *res,
                        qry_err *errs, uint32_t *nerrs);
/* brk_query_run with a context (the HTTP handlers' path). */
void brk_query_run_ctx(brk_broker *b, const brk_query_ctx *c, const char *sql,
                       bool http_status_errors, brk_response *out);

/* A response with one exception and no result (the request was refused
 * before it ran: bad JSON, queue full). http_status: the status to use
 * when http_status_errors is off (200 for Pinot's usual rule). */
void brk_query_error(int code, const char *msg, int http_status, bool http_status_errors,
                     brk_response *out);

/* The HTTP status Pinot gives an error code when the client opts in with
 * Pinot-Use-Http-Status-For-Errors (anchors 1.5). */
int brk_error_http_status(int code);

#endif
