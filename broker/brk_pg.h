/*
 * brk_pg.h: the broker's PostgreSQL wire endpoint (protocol v3) so that
 * psql, psycopg2, JDBC and BI tools can query Tannin. Connections live on
 * the broker's event thread (bufferevents); every batch of client bytes is
 * handled by a worker thread (brk_pg_sess does the protocol; queries go
 * through brk_query_result_as with QRY_PGWIRE, as the session's user), and
 * only the event thread touches libevent. With TLS configured, SSLRequest
 * is answered 'S' and the connection continues inside TLS; a client that
 * does not ask for TLS may still log in without it (as a PostgreSQL
 * "host" line allows: use the clients' sslmode=require to insist). While a connection's batch runs its reading is paused,
 * so a client that pipelines cannot grow memory without bound.
 */
#ifndef BRK_PG_H
#define BRK_PG_H

#include <stddef.h>
#include <stdint.h>

#include "brk_broker.h"

struct event_base;
struct brk_tls;

typedef struct brk_pg_opts {
    const char *host;          /* listen address; NULL = 127.0.0.1 */
    uint16_t port;             /* 0 = ephemeral */
    uint32_t threads;          /* workers; 0 = 4 */
    uint32_t max_connections;  /* 0 = 256; more are refused with 53300 */
    size_t max_message;        /* bytes; 0 = 64 MiB */
    struct brk_tls *tls;       /* SSLRequest answered 'S' and TLS; NULL = 'N' (borrowed) */
    /* With auth on, how a login proves its password: "scram-sha-256" or
     * "scram" (NULL, the default) or "password" (cleartext, as PostgreSQL's
     * method of that name; meant for clients without SCRAM, over TLS). */
    const char *auth_method;
    /* idle_session_timeout's default for every session (ms; 0 = off) */
    int64_t idle_session_ms;
    /* PostgreSQL's authentication_timeout: a connection that has not
     * logged in by then is closed (ms; 0 = 60 s) */
    int64_t auth_timeout_ms;
} brk_pg_opts;

typedef struct brk_pg brk_pg;

int brk_pg_start(brk_broker *b, struct event_base *base, const brk_pg_opts *o, brk_pg **out,
                 char *err);
uint16_t brk_pg_port(const brk_pg *p);
/* Stops the workers and closes every connection. Call after the event loop
 * has stopped. */
void brk_pg_stop(brk_pg *p);

#endif
