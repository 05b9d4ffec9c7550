/*
 * brk_auth.h: who is asking and what they may see. Users and roles live in
 * the broker's durable config (an LMDB database beside the catalog),
 * managed through the admin REST API (/users, brk_admin.c); passwords are
 * kept only as SCRAM-SHA-256 verifiers (RFC 5802/7677: salt, iteration
 * count, StoredKey, ServerKey), so the PostgreSQL endpoint can run SCRAM
 * and cleartext logins are checked against the same verifier.
 *
 * A request resolves its credentials to a brk_user: an immutable,
 * reference-counted snapshot of one user's role, readable tables, row
 * filters and visible columns. A query holds it for its whole run, so an
 * admin changing the user meanwhile affects the next query, never half of
 * this one.
 *
 * With auth off every request runs as the built-in, unrestricted "admin"
 * snapshot (the quickstart default on loopback).
 *
 * Also here because every endpoint shares them: quotas (queries per
 * second per user and per table, token buckets), concurrent connections
 * per user, and the audit log (one JSON line per query or admin call,
 * size-bounded and rotated).
 */
#ifndef BRK_AUTH_H
#define BRK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qry_plan.h"
#include "tn_common.h"

typedef enum brk_role { BRK_ROLE_USER = 0, BRK_ROLE_ADMIN = 1 } brk_role;

typedef struct brk_auth_opts {
    bool enabled;                 /* false: everything open, as "admin" */
    const char *data_dir;         /* the users' LMDB environment lives here */
    bool no_sync;                 /* tests */
    /* Created (or its password reset) at open when given: the way in for
     * a fresh broker with auth on. */
    const char *bootstrap_user;
    const char *bootstrap_password;
    uint32_t scram_iterations;    /* 0 = 4096 (PostgreSQL's default) */
    const char *audit_path;       /* NULL = no audit log */
    uint64_t audit_max_bytes;     /* one file's bound; 0 = 64 MiB */
    uint32_t audit_keep;          /* rotated files kept (path.1 ..); 0 = 5 */
    uint32_t max_conns_per_user;  /* 0 = 64 */
    int64_t token_ttl_s;          /* bearer tokens from /auth/login; 0 = 12 h */
} brk_auth_opts;

typedef struct brk_auth brk_auth;

/* TN_EINVAL when auth is on and there is no user at all (no bootstrap
 * given): nobody could ever get in, so refuse to start. */
int brk_auth_open(const brk_auth_opts *o, brk_auth **out, char *err);
void brk_auth_close(brk_auth *a);
bool brk_auth_enabled(const brk_auth *a);

/* ---- users as the admin API sees them ---------------------------------- */

/* Adds (TN_EEXIST if present) or replaces (replace true; TN_ENOTFOUND if
 * absent) a user from Pinot's user JSON:
 *   {"username": "u", "password": "pw", "component": "BROKER",
 *    "role": "ADMIN"|"USER", "tables": ["t", ...] (absent or "ALL": every
 *    table), "permissions": ["READ"],
 *    "rlsFilters": {"t": "region IN ('north','west')" | ["f1", "f2"]},
 *    "visibleColumns": {"t": ["c1", "c2"]},
 *    "maxQueriesPerSecond": 10, "maxConnections": 8}
 * On replace a missing password keeps the old verifier. Filters are
 * checked as SQL expressions (parse) here; against the table's schema at
 * query time. TN_EINVAL with the reason in err. */
int brk_auth_put_user(brk_auth *a, const char *json, size_t len, bool replace, char *name,
                      size_t cap, char *err);
int brk_auth_delete_user(brk_auth *a, const char *name, char *err);
/* Pinot's shapes, passwords never included: {"users": {"u_BROKER": {...}}}
 * and one user's object. Heap strings; NULL when no such user. */
char *brk_auth_users_json(brk_auth *a);
char *brk_auth_user_json(brk_auth *a, const char *name);

/* ---- who is asking ----------------------------------------------------- */

typedef struct brk_user brk_user;

/* Outcomes of a credential check. */
enum {
    BRK_AUTH_OK = 0,
    BRK_AUTH_MISSING = 1,         /* no credentials (HTTP 401) */
    BRK_AUTH_DENIED = 2,          /* wrong credentials (HTTP 401, SQLSTATE 28P01) */
    BRK_AUTH_TOO_MANY = 3,        /* connections per user exhausted (53300) */
};

/* Bounds of names and passwords anywhere they arrive (POST /auth/login
 * answers 400 beyond them): generous for passphrases, small enough that
 * nothing large reaches the password hashing. */
#define BRK_AUTH_MAX_USER 128
#define BRK_AUTH_MAX_PASSWORD 1024

/* Splits an HTTP Basic Authorization header ("Basic base64(user:pw)",
 * RFC 7617; the scheme in any case, padding optional) into user and
 * password (NUL-terminated, truncation refused). false when it is not
 * Basic or not well formed: bad base64, no ':', a NUL inside, too long. */
bool brk_auth_basic_split(const char *authorization, char *user, size_t ucap, char *pw,
                          size_t pcap);

/* An HTTP Authorization header (may be NULL): "Basic base64(user:pw)" or
 * "Bearer <token>" (a token from brk_auth_login). With auth off: OK as the
 * unrestricted admin whatever the header says. */
int brk_auth_http(brk_auth *a, const char *authorization, brk_user **out);
/* A cleartext user name and password (PostgreSQL password message). */
int brk_auth_password(brk_auth *a, const char *user, const char *password, brk_user **out);
/* Logs in and issues a bearer token (heap string, 43 base64url chars from
 * 32 random bytes); only its SHA-256 is kept, in memory, until it expires
 * or the user changes. */
int brk_auth_login(brk_auth *a, const char *user, const char *password, char **token,
                   brk_user **out);

/* What a SCRAM-SHA-256 exchange needs of a user. For an unknown user a
 * fake, stable verifier is returned (exists false) so the exchange runs
 * to the end and fails like a wrong password: no user enumeration. */
typedef struct brk_scram_verifier {
    uint8_t salt[16];
    uint32_t salt_len;
    uint32_t iterations;
    uint8_t stored_key[32], server_key[32];
    bool exists;
} brk_scram_verifier;
void brk_auth_scram_verifier(brk_auth *a, const char *user, brk_scram_verifier *v);
/* After a successful SCRAM proof: the user's snapshot. DENIED if the user
 * vanished meanwhile. */
int brk_auth_user(brk_auth *a, const char *user, brk_user **out);

void brk_user_ref(brk_user *u);
void brk_user_unref(brk_user *u);

const char *brk_user_name(const brk_user *u);
bool brk_user_is_admin(const brk_user *u);
/* May u read table (raw name, any case; a typed name counts as its raw
 * table)? ADMIN reads everything. */
bool brk_user_can_read(const brk_user *u, const char *table);
/* The row filter and visible columns u must get on table, or NULL when u
 * sees all of it. Valid while u is referenced. */
const qry_access *brk_user_access(const brk_user *u, const char *table);
/* Is column of table visible to u (case-insensitive)? */
bool brk_user_column_visible(const brk_user *u, const char *table, const char *column);

/* Concurrent connections (PostgreSQL sessions) per user: acquire at
 * login (false: over the user's bound), release at close. */
bool brk_auth_conn_acquire(brk_auth *a, brk_user *u);
void brk_auth_conn_release(brk_auth *a, brk_user *u);

/* ---- quotas ------------------------------------------------------------ */

/* Admits one query by u on table (raw name; NULL for none): token buckets
 * of the user's maxQueriesPerSecond and the table config's
 * quota.maxQueriesPerSecond (set with brk_auth_set_table_quota). false
 * with a message naming the exceeded quota: HTTP 429 (Pinot's
 * TooManyRequests), SQLSTATE 53400. */
bool brk_auth_admit(brk_auth *a, const brk_user *u, const char *table, char *err,
                    size_t cap);
/* qps <= 0 removes the table's quota. */
void brk_auth_set_table_quota(brk_auth *a, const char *table, double qps);

/* ---- audit ------------------------------------------------------------- */

typedef struct brk_audit_rec {
    const char *user;             /* NULL: not authenticated */
    const char *endpoint;         /* "http", "admin", "pg" */
    const char *client;           /* peer address, may be NULL */
    const char *action;           /* "POST /query/sql", "query", "login", ... */
    const char *table;            /* may be NULL */
    int status;                   /* HTTP status, or 0 ok / SQLSTATE-ish code */
    const char *detail;           /* error text or NULL; truncated to 256 bytes */
    const char *sql;              /* the query text or NULL; truncated to 256 bytes */
    int64_t ms;                   /* time taken */
} brk_audit_rec;
/* Appends one line; safe from any thread; never fails the caller (a write
 * error is counted and reported once on stderr). */
void brk_audit(brk_auth *a, const brk_audit_rec *r);

#endif
