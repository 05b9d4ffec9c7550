/*
 * brk_broker.h: the broker as one object (its catalog, its connections to
 * the servers, the routing refresher, its metrics), and the request and
 * response that the HTTP front end (brk_http) hands to the handlers
 * (brk_query for SQL, brk_admin for the controller REST API).
 *
 * Handlers run on worker threads and never touch libevent: a request is a
 * plain copy of what they need, a response plain bytes the event thread
 * sends.
 */
#ifndef BRK_BROKER_H
#define BRK_BROKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brk_auth.h"
#include "brk_catalog.h"
#include "brk_metrics.h"
#include "brk_running.h"
#include "tn_common.h"

struct brk_pool;
struct brk_sync;

typedef struct brk_opts {
    const char *data_dir;          /* the catalog's LMDB environment */
    const char *const *servers;    /* "host:port" of each server (copied) */
    uint32_t nservers;
    int64_t timeout_ms;            /* default query timeout (Pinot: 10 000) */
    int64_t refresh_ms;            /* routing refresh period; 0 = 1000 */
    bool no_sync;                  /* catalog without fsync (tests) */
    /* Where the broker reports events worth an operator's eye (a server
     * lost or back, a failed push); NULL = silent. Any thread. */
    void (*log)(void *arg, const char *line);
    void *log_arg;
    brk_auth_opts auth;            /* users, quotas, audit (auth.data_dir = data_dir) */
    uint64_t max_result_rows;      /* a bigger result fails the query; 0 = 1,000,000 */
} brk_opts;

typedef struct brk_broker {
    brk_opts opts;
    brk_catalog *catalog;
    brk_auth *auth;                /* always open; brk_auth_enabled says if it checks */
    struct brk_pool *pool;
    struct brk_sync *sync;
    brk_metrics metrics;
    char broker_id[128];
    /* Where clients reach the query endpoint (set once the HTTP listener is
     * bound): the controller's /v2/brokers/tables tells Pinot clients. */
    char http_host[64];
    int http_port;
    atomic_uint_fast64_t next_request;
    brk_running running;           /* queries in flight: GET /queries, DELETE /query/{id} */
    atomic_uint next_ingest;       /* round-robin among equally loaded servers */
} brk_broker;

/* Opens the catalog, connects to the servers (unreachable ones are retried
 * in the background), pushes every table to them and starts the routing
 * refresher. */
int brk_broker_open(const brk_opts *o, brk_broker **out, char *err);
void brk_broker_close(brk_broker *b);

/* Formats a line for opts.log. */
void brk_log(const brk_broker *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the query quota of typed's raw table from the table configs
 * (quota.maxQueriesPerSecond, Pinot's string or a number; the larger of a
 * hybrid table's two), or removes it when neither has one. */
void brk_apply_table_quota(brk_broker *b, const char *typed);

/* The display name of server i ("host:port"). */
const char *brk_server_name(const brk_broker *b, uint32_t i);

/* ---- requests and responses -------------------------------------------- */

typedef enum brk_method {
    BRK_GET, BRK_POST, BRK_PUT, BRK_DELETE, BRK_OPTIONS, BRK_HEAD, BRK_OTHER
} brk_method;

typedef struct brk_kv {
    char *key, *value;
} brk_kv;

typedef struct brk_request {
    brk_method method;
    char *path;                    /* still URL-encoded; split before decoding */
    brk_kv *params;                /* decoded query parameters */
    uint32_t nparams;
    char *content_type;            /* NULL when absent */
    bool http_status_errors;       /* Pinot-Use-Http-Status-For-Errors: true */
    uint8_t *body;                 /* NUL-terminated copy */
    size_t len;
    uint64_t received_ns;          /* tn_mono_ns() at arrival: queue time counts */
    brk_user *user;                /* who asks (one reference, released with the
                                      request); NULL only on public paths (login,
                                      health, console files) */
    char client[64];               /* peer "host:port", for the audit log */
} brk_request;

/* The value of query parameter key, or NULL. */
const char *brk_request_param(const brk_request *r, const char *key);

#define BRK_NO_ERROR_HEADER (-1000)

typedef struct brk_response {
    int status;                    /* HTTP status */
    const char *content_type;      /* static string */
    char *body;                    /* heap, owned */
    size_t len;
    int pinot_error;               /* X-Pinot-Error-Code, or BRK_NO_ERROR_HEADER */
} brk_response;

/* Sets a response; body is taken (heap, NUL-terminated). */
void brk_response_set(brk_response *r, int status, const char *content_type, char *body);
/* Pinot controller error: {"code": status, "error": "<message>"}. */
void brk_response_error(brk_response *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void brk_response_free(brk_response *r);

#endif
