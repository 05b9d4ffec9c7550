/*
 * tn_sqlc.h: the load-test tools' SQL client for a broker's Pinot endpoint
 * (POST /query/sql over one keep-alive connection, tn_httpc underneath).
 * Every answer is classified the way the tools count errors: transport
 * failure, HTTP status other than 200, or a 200 whose `exceptions` list is
 * not empty (Pinot reports query errors that way).
 */
#ifndef TN_SQLC_H
#define TN_SQLC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "tn_common.h"

typedef enum tn_sqlc_kind {
    TN_SQLC_OK = 0,
    TN_SQLC_TRANSPORT,   /* cannot connect, connection lost, unframed answer */
    TN_SQLC_HTTP,        /* status other than 200 */
    TN_SQLC_EXCEPTION,   /* 200 with a non-empty exceptions list (or not a broker answer) */
    TN_SQLC_NKINDS
} tn_sqlc_kind;

extern const char *const tn_sqlc_kind_names[TN_SQLC_NKINDS];

typedef struct tn_sqlc {
    char host[256];
    int port;
    int fd;          /* -1 when not connected; connects on the next send */
    tn_buf resp;
} tn_sqlc;

/* "http://HOST:PORT" (scheme optional, no path) -> host and port. */
int tn_sqlc_parse_url(const char *url, char *host, size_t cap, int *port, char *err);

void tn_sqlc_init(tn_sqlc *c, const char *host, int port);
void tn_sqlc_close(tn_sqlc *c);

/* The whole HTTP request posting sql (heap, caller frees); built once and
 * replayed, so the hot loop formats nothing. */
char *tn_sqlc_build(const char *host, int port, const char *sql, size_t *len);

/* Sends a request built by tn_sqlc_build and classifies the answer. On
 * anything but TN_SQLC_OK, msg gets the reason (first exception's message,
 * status and body start, or the transport failure). *body / *blen point
 * into c->resp until the next send. A lost connection is closed; the next
 * send reconnects. */
tn_sqlc_kind tn_sqlc_send(tn_sqlc *c, const char *req, size_t len, const char **body,
                          size_t *blen, char *msg, size_t cap);

/* One query, retried once on a transport failure (a keep-alive connection
 * the broker closed while idle). On TN_SQLC_OK *out is the parsed answer
 * (caller deletes). */
tn_sqlc_kind tn_sqlc_query(tn_sqlc *c, const char *sql, cJSON **out, char *msg, size_t cap);

/* The first row's first value of a parsed answer as a number; -1 when the
 * answer has no rows. */
double tn_sqlc_first_number(const cJSON *answer);

#endif
