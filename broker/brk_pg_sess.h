/*
 * brk_pg_sess.h: one PostgreSQL wire connection's conversation, without
 * I/O: bytes in, bytes out. Startup (SSLRequest answered 'S' when TLS is
 * offered, else 'N'; GSS refused), authentication as brk_auth says
 * (SCRAM-SHA-256 or cleartext password; trust when auth is off), the
 * simple query protocol (several statements per 'Q'),
 * the extended protocol (Parse/Bind/Describe/Execute/Close/Sync/Flush with
 * row limits and PortalSuspended), transaction status tracking, and the
 * statements answered here (BEGIN/COMMIT/ROLLBACK, SET, SHOW, SELECT of
 * constants). Tannin SELECTs go to the exec callback, which blocks, so
 * feed runs on a worker thread, never on an event loop.
 */
#ifndef BRK_PG_SESS_H
#define BRK_PG_SESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qry_reduce.h"
#include "tn_common.h"

struct brk_auth;
struct brk_user;

/* Runs one SELECT over Tannin tables as user (the session's; NULL when the
 * session has no auth at all: unrestricted). TN_OK: res filled (caller
 * frees), errs may hold warnings; -1: errs[0] says why. errs has room for
 * 16. */
typedef int (*brk_pg_exec_fn)(void *arg, struct brk_user *user, const char *sql,
                              qry_result *res, qry_err *errs, uint32_t *nerrs);

/* How a login proves who it is when auth is on. */
#define BRK_PG_AUTH_SCRAM "scram-sha-256"
#define BRK_PG_AUTH_PASSWORD "password"

typedef struct brk_pg_sess_opts {
    /* Users and their rights; NULL: trust everyone, unrestricted (tests).
     * With brk_auth_enabled false: trust, as the unrestricted admin. */
    struct brk_auth *auth;
    const char *auth_method;  /* BRK_PG_AUTH_*; NULL = SCRAM */
    bool tls;                 /* TLS offered: SSLRequest is answered 'S' */
    const char *client;       /* peer "host:port" for the audit log; may be NULL */
    size_t max_message;       /* bytes; 0 = 64 MiB */
    int32_t pid, secret;      /* BackendKeyData */
    brk_pg_exec_fn exec;
    void *exec_arg;
    struct brk_catalog *catalog;  /* tables pg_catalog describes; NULL: none */
    /* idle_session_timeout's default (ms; 0 = off, PostgreSQL's default);
     * a session changes it with SET, as idle_in_transaction_session_timeout
     * (default off) */
    int64_t idle_session_ms;
} brk_pg_sess_opts;

typedef struct brk_pg_sess brk_pg_sess;

brk_pg_sess *brk_pg_sess_new(const brk_pg_sess_opts *o);
void brk_pg_sess_free(brk_pg_sess *s);

/* Handles the complete messages at the start of in[0, len) and appends
 * the answers to out. Returns how many bytes it consumed (an incomplete
 * message stays for the next call, and so do the messages after the one
 * whose answers took out past 1 MiB: send those first). *close is set when the connection
 * must be closed once out is sent (Terminate, a protocol violation, a
 * failed login, a cancel request). */
size_t brk_pg_sess_feed(brk_pg_sess *s, const uint8_t *in, size_t len, tn_buf *out, bool *close);

/* True once, right after a feed that answered an SSLRequest with 'S':
 * the caller sends out, then switches the connection to TLS before it
 * reads again (the next bytes are a TLS ClientHello). */
bool brk_pg_sess_take_tls(brk_pg_sess *s);

/* The logged-in user (borrowed; NULL before login or without auth). */
struct brk_user *brk_pg_sess_user(const brk_pg_sess *s);

/* True once logged in (ReadyForQuery sent), until the session closes. */
bool brk_pg_sess_ready(const brk_pg_sess *s);
/* The idle timeout in force now, as PostgreSQL 15 has them: outside a
 * transaction block idle_session_timeout, inside one (*in_txn set)
 * idle_in_transaction_session_timeout; ms, 0 = none. A SET value that is
 * not a valid time ("5000", "5s", "1min", "250ms", "default") leaves the
 * default. The caller (brk_pg.c) runs the timer and sends FATAL 57P05 or
 * 25P03 when it fires. */
int64_t brk_pg_sess_idle_ms(const brk_pg_sess *s, bool *in_txn);

/* True until the startup packet has been handled (SSL/GSS refusals
 * included): the only time a CancelRequest may arrive. */
bool brk_pg_sess_starting(const brk_pg_sess *s);
/* True when in[0, len) starts with a whole CancelRequest; fills the key it
 * names. The listener answers these itself (see brk_pg.c). */
bool brk_pg_cancel_key(const uint8_t *in, size_t len, int32_t *pid, int32_t *secret);

#endif
