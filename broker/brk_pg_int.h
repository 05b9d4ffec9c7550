/*
 * brk_pg_int.h: what the PostgreSQL session's two halves share: the
 * session object, and a statement's outcome (brk_pg_stmt.c decides what
 * a statement means; brk_pg_sess.c carries it over the protocol).
 */
#ifndef BRK_PG_INT_H
#define BRK_PG_INT_H

#include "brk_pg_proto.h"
#include "brk_pg_sess.h"

#define PG_MAX_SETTINGS 32

typedef enum pg_out_kind { PG_OUT_EMPTY, PG_OUT_TAG, PG_OUT_ROWS, PG_OUT_ERROR } pg_out_kind;

typedef struct pg_outcome {
    pg_out_kind kind;
    char tag[64];             /* TAG; ROWS use "SELECT n" / "SHOW" */
    bool is_show;             /* tag "SHOW" rather than "SELECT n" */
    qry_result res;           /* ROWS: owned */
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
    enum { PG_STARTUP, PG_AUTH, PG_READY, PG_CLOSED } state;
    char user[64], database[64], app[64];
    char txn;                 /* 'I' idle, 'T' in a block, 'E' failed block */
    bool skip_to_sync;        /* extended protocol: an error happened */
    pg_stmt *stmts;
    pg_portal *portals;
    char *set_name[PG_MAX_SETTINGS], *set_value[PG_MAX_SETTINGS];
    uint32_t nset;
    tn_buf scratch;
};

/* Runs one statement (no trailing ';') and fills o (free with
 * pg_outcome_free). Updates the transaction status. */
void brk_pg_run_stmt(brk_pg_sess *s, const char *sql, pg_outcome *o);
void pg_outcome_free(pg_outcome *o);
void pg_outcome_error(pg_outcome *o, const char *sqlstate, int position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

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
