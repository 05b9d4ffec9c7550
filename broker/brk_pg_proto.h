/*
 * brk_pg_proto.h: PostgreSQL wire protocol v3 bytes: a bounds-checked
 * reader for client messages, writers for server messages, Pinot error
 * codes as SQLSTATEs, result cells as PostgreSQL text or binary values,
 * and $n parameters turned into SQL literals that cannot escape their
 * quotes. No I/O and no state: brk_pg_sess drives the conversation.
 */
#ifndef BRK_PG_PROTO_H
#define BRK_PG_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qry_expr.h"
#include "tn_common.h"

#define BRK_PG_PROTO_3 196608
#define BRK_PG_SSL_REQUEST 80877103
#define BRK_PG_GSSENC_REQUEST 80877104
#define BRK_PG_CANCEL_REQUEST 80877102

/* Type OIDs (pg_type.dat). */
enum {
    BRK_PG_BOOL = 16, BRK_PG_BYTEA = 17, BRK_PG_INT8 = 20, BRK_PG_INT2 = 21, BRK_PG_INT4 = 23,
    BRK_PG_TEXT = 25, BRK_PG_FLOAT4 = 700, BRK_PG_FLOAT8 = 701, BRK_PG_VARCHAR = 1043,
    BRK_PG_TIMESTAMP = 1114, BRK_PG_NUMERIC = 1700
};

/* ---- reading ----------------------------------------------------------- */

typedef struct brk_pg_rd {
    const uint8_t *p;
    size_t len, off;
    bool bad;                  /* a read ran past the end: every later read fails too */
} brk_pg_rd;

void brk_pg_rd_init(brk_pg_rd *r, const void *p, size_t len);
uint8_t brk_pg_get_u8(brk_pg_rd *r);
int16_t brk_pg_get_i16(brk_pg_rd *r);
int32_t brk_pg_get_i32(brk_pg_rd *r);
/* A NUL-terminated string inside the message, or "" (and bad) when the
 * NUL is missing. */
const char *brk_pg_get_cstr(brk_pg_rd *r);
/* n bytes, or NULL (and bad) when fewer remain. */
const uint8_t *brk_pg_get_bytes(brk_pg_rd *r, size_t n);

/* ---- writing ----------------------------------------------------------- */

/* Starts a message of type t (0: none, the SSL answer has no frame);
 * returns where its length goes. */
size_t brk_pg_begin(tn_buf *b, char t);
void brk_pg_end(tn_buf *b, size_t at);
void brk_pg_put_i16(tn_buf *b, int16_t v);
void brk_pg_put_i32(tn_buf *b, int32_t v);
void brk_pg_put_i64(tn_buf *b, int64_t v);
void brk_pg_put_cstr(tn_buf *b, const char *s);

/* Whole messages. */
void brk_pg_ready(tn_buf *b, char status);
void brk_pg_param_status(tn_buf *b, const char *name, const char *value);
void brk_pg_complete(tn_buf *b, const char *tag);
/* ErrorResponse (severity ERROR or FATAL); position < 0: none. */
void brk_pg_error(tn_buf *b, const char *severity, const char *sqlstate, const char *msg,
                  int position);

/* The SQLSTATE of a Pinot/Tannin error code. */
const char *brk_pg_sqlstate(int pinot_code);

/* ---- values ------------------------------------------------------------ */

/* The type OID of a Pinot result type name ("LONG", "STRING_ARRAY", ...). */
int32_t brk_pg_type_oid(const char *pinot_type);
/* typlen in RowDescription. */
int16_t brk_pg_type_len(int32_t oid);
/* Appends v in PostgreSQL's text output form (v not NULL). */
void brk_pg_text_value(tn_buf *b, const qry_val *v);
/* Whether oid has a binary form here (int4, int8, float4, float8, bool,
 * text, varchar). */
bool brk_pg_binary_ok(int32_t oid);
/* Appends v's binary form for oid (brk_pg_binary_ok). */
void brk_pg_binary_value(tn_buf *b, const qry_val *v, int32_t oid);

/* ---- parameters -------------------------------------------------------- */

typedef struct brk_pg_param {
    const uint8_t *p;          /* NULL = SQL NULL */
    uint32_t len;
    int32_t oid;               /* 0 = unspecified */
    int16_t format;            /* 0 text, 1 binary */
} brk_pg_param;

/* Writes sql into out (NUL-terminated) with each $n outside quotes and
 * comments replaced by parameter n as a SQL literal: strings quoted with
 * '' doubled, numbers validated, NULL as NULL. -1 with a message when a
 * value is not valid for its type, a $n has no parameter, or a binary
 * format is unsupported (*unsupported set: SQLSTATE 0A000 rather than
 * 22P02/08P01). */
int brk_pg_substitute(const char *sql, const brk_pg_param *params, uint32_t n, tn_buf *out,
                      bool *unsupported, char *err);

#endif
