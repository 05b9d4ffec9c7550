/*
 * brk_pg_int.h: what the PostgreSQL session's parts share: the session
 * object, and a statement's outcome (brk_pg_stmt.c decides what a
 * statement means; brk_pg_sess.c carries it over the protocol;
 * brk_pg_auth.c logs the session in).
 */
#ifndef BRK_PG_INT_H
#define BRK_PG_INT_H

#include "brk_auth.h"
#include "brk_pg_proto.h"
#include "brk_pg_sess.h"
#include "brk_scram.h"

#define PG_MAX_SETTINGS 32

typedef enum pg_out_kind { PG_OUT_EMPTY, PG_OUT_TAG, PG_OUT_ROWS, PG_OUT_ERROR } pg_out_kind;

/* A cursor's materialized result, shared by the cursor and the FETCH
 * outcomes still being sent (one session's thread: a plain count). */
typedef struct pg_rows {
    uint32_t refs;
    qry_result res;
} pg_rows;

typedef struct pg_outcome {
    pg_out_kind kind;
    char tag[64];             /* TAG; ROWS use "SELECT n" / "SHOW" / "FETCH n" */
    bool is_show;             /* tag "SHOW" rather than "SELECT n" */
    bool is_fetch;            /* tag "FETCH n" */
    bool binary;              /* a BINARY cursor's rows: binary unless Bind says */
    qry_result res;           /* ROWS: owned, or a window of borrow's rows */
    pg_rows *borrow;          /* ROWS from a cursor: one reference */
    char sqlstate[6];         /* ERROR */
    char msg[TN_ERRLEN];
    int position;             /* 1-based in the statement, or -1 */
} pg_outcome;

typedef struct pg_stmt {
    struct pg_stmt *next;
    char *name, *sql;
    uint32_t nparams;
    int32_t *oids;            /* nparams: given by Parse or 0 */
} pg_stmt;

typedef struct pg_cursor {
    struct pg_cursor *next;
    char *name;
    pg_rows *rows;
    uint32_t pos;             /* rows already handed out */
    bool hold, binary;
    bool new_in_txn;          /* declared in the open transaction block */
} pg_cursor;

typedef struct pg_portal {
    struct pg_portal *next;
    char *name, *sql;         /* parameters already substituted */
    int16_t *formats;
    uint32_t nformats;
    bool ran;                 /* out holds the outcome */
    bool finished;            /* CommandComplete sent */
    pg_outcome out;
    uint32_t next_row;
} pg_portal;

struct brk_pg_sess {
    brk_pg_sess_opts o;
    /* PG_PASSWORD: a cleartext password is due; PG_SASL_FIRST /
     * PG_SASL_FINAL: the SCRAM client-first / client-final message is */
    enum { PG_STARTUP, PG_PASSWORD, PG_SASL_FIRST, PG_SASL_FINAL, PG_READY, PG_CLOSED } state;
    char user[64], database[64], app[64];
    brk_user *who;            /* after login: one reference; NULL without auth */
    bool conn_held;           /* who counts against its connection bound */
    bool tls_pending;         /* answered 'S': the caller switches to TLS */
    bool tls_done;            /* the conversation runs over TLS */
    uint64_t login_ns;        /* the startup packet's arrival, for the audit */
    brk_scram scram;
    char txn;                 /* 'I' idle, 'T' in a block, 'E' failed block */
    bool skip_to_sync;        /* extended protocol: an error happened */
    pg_stmt *stmts;
    pg_portal *portals;
    pg_cursor *cursors;
    char *set_name[PG_MAX_SETTINGS], *set_value[PG_MAX_SETTINGS];
    uint32_t nset;
    tn_buf scratch;
};

/* Startup and login (brk_pg_sess.c, brk_pg_auth.c). pg_fatal sends a
 * FATAL error and closes. */
void pg_fatal(brk_pg_sess *s, tn_buf *out, const char *sqlstate, const char *msg, bool *close);
void pg_send_welcome(brk_pg_sess *s, tn_buf *out);
/* After the startup packet: trust, or ask for a password or SCRAM. */
void pg_auth_start(brk_pg_sess *s, tn_buf *out, bool *close);
/* A message while a login is under way (PG_PASSWORD, PG_SASL_*). */
void pg_auth_message(brk_pg_sess *s, uint8_t type, brk_pg_rd *r, tn_buf *out, bool *close);
/* Releases the login's user and connection slot. */
void pg_auth_end(brk_pg_sess *s);

/* Runs one statement (no trailing ';') and fills o (free with
 * pg_outcome_free). Updates the transaction status. */
void brk_pg_run_stmt(brk_pg_sess *s, const char *sql, pg_outcome *o);
void pg_outcome_free(pg_outcome *o);
void pg_outcome_error(pg_outcome *o, const char *sqlstate, int position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Lexing shared with brk_pg_cursor.c: skips blanks and comments; the next
 * word (letters, digits, _) lowercased into w, returning past it. */
const char *pg_skip_ws(const char *p);
const char *pg_word(const char *p, char *w, size_t cap);

/* Cursors (brk_pg_cursor.c). pg_cursor_stmt: w is the statement's first
 * word and rest follows it; false when the statement is not DECLARE,
 * FETCH, MOVE or CLOSE. */
bool pg_cursor_stmt(brk_pg_sess *s, const char *w, const char *rest, pg_outcome *o);
/* COMMIT (commit true) or ROLLBACK: cursors without hold close, and a
 * rollback also closes those declared in the block. */
void pg_cursor_txn_end(brk_pg_sess *s, bool commit);
void pg_cursor_free_all(brk_pg_sess *s);
void pg_rows_unref(pg_rows *r);
/* The CommandComplete tag of a ROWS outcome that sent n rows. */
void pg_rows_tag(const pg_outcome *o, uint32_t n, char *tag, size_t cap);

/* Shared by the simple (brk_pg_sess.c) and extended (brk_pg_ext.c)
 * protocols. */
void pg_stmt_free(pg_stmt *st);
void pg_portal_free(pg_portal *p);
int16_t pg_format_of(const int16_t *formats, uint32_t n, uint32_t col);
void pg_send_rowdesc(tn_buf *out, const qry_result *r, const int16_t *formats, uint32_t nf);
void pg_send_row(tn_buf *out, const qry_result *r, uint32_t row, const int16_t *formats,
                 uint32_t nf);
/* An ErrorResponse for o; base shifts its position (a statement inside a
 * longer query string). A failed transaction block becomes 'E'. */
void pg_send_error(brk_pg_sess *s, tn_buf *out, const pg_outcome *o, int base);
/* Handles an extended-protocol message (P B D E C S H); false for any other
 * type. */
bool pg_ext_message(brk_pg_sess *s, uint8_t type, brk_pg_rd *r, tn_buf *out);

#endif
