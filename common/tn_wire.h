/*
 * tn_wire.h: the binary, length-framed protocol between brokers and
 * servers (docs/ARCHITECTURE.md, "Broker <-> server protocol").
 *
 * A frame is
 *     u32 length   bytes after this field (type + request id + payload)
 *     u8  type     TN_MSG_*
 *     u32 id       request id, echoed by the answer (many requests may be
 *                  in flight on one connection; answers may come out of order)
 *     payload      length - 5 bytes
 * All integers are little-endian. A string is u32 length + bytes (no NUL).
 * Frames longer than TN_WIRE_MAX_FRAME are a protocol error: the receiver
 * answers TN_MSG_ERROR when it can and closes the connection.
 *
 * Payloads:
 *   QUERY    str table (with _OFFLINE/_REALTIME), str sql, str queryOptions,
 *            u8 flavour (0 HTTP, 1 PostgreSQL wire: qry_flavour), i64 now_ms (the broker's NOW(), so every server agrees),
 *            i64 timeout_ms, u32 nsegments + nsegments * str segment name
 *            (0 = every segment of the table the server holds),
 *            u8 boundary_op (0 none, 1: time column <= boundary, 2: > boundary),
 *            i64 boundary (time column units; the hybrid table split),
 *            str time_column (the table's time column; "" = the table
 *            config's timeColumnName on the server). The three boundary
 *            fields may be left out together (= none).
 *            Then, optionally (only after the boundary fields), the asking
 *            user's access to the table: u8 1, str row_filter (a SQL
 *            condition ANDed above the WHERE; "" = none), u32 ncolumns
 *            (TN_WIRE_ALL_COLUMNS = every column) + ncolumns * str visible
 *            column. Absent = the whole table (qry_access).
 *   PARTIAL  the answer to QUERY: the payload is qry_partial_serialize's
 *            bytes (statistics included)
 *   CANCEL   no payload; its id names a request sent earlier on the same
 *            connection, which stops (a queued one never runs, a running
 *            query stops at its next check) and answers ERROR 503. No
 *            answer of its own; an id that is unknown or already answered
 *            is ignored (the answer and the cancel may cross).
 *   ADMIN    str JSON command; answer ADMIN_OK with str JSON text:
 *              {"op":"putTable","schema":{..},"config":{..},
 *               "assignIndex":i,"assignCount":n}          -> {"status":"ok"}
 *              {"op":"dropTable","table":"t_REALTIME"}     -> {"status":"ok"}
 *              {"op":"status"[,"table":t]}                 -> srv_node_status_json
 *              {"op":"pause"|"resume"|"forceCommit","table":t} -> {"status":"ok"}
 *              {"op":"deleteSegment","table":t,"segment":s}    -> {"status":"ok"}
 *   INGEST   str table (with _OFFLINE), str batchConfigMapStr JSON,
 *            str data (JSON lines or CSV); answer ADMIN_OK JSON
 *            {"segments":[names],"rows":N,"skipped":K}
 *   ERROR    i32 Pinot error code, str message (the detail, without Pinot's
 *            error name: qry_response_json prefixes "SQLParsingError: " etc.)
 *            Codes: 100 malformed frame or payload, 150/700/710 SQL, 190
 *            unknown table, 200 execution, 211 server queue full, 240
 *            timed out while queued, 250 execution timeout, 450 internal /
 *            admin failure, 503 cancelled; ADMIN errors: 100 bad command
 *            JSON, 190 unknown table or segment, 700 invalid config.
 */
#ifndef TN_WIRE_H
#define TN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tn_common.h"

#define TN_WIRE_HEADER 9u                    /* length + type + id */
#define TN_WIRE_MAX_FRAME (1024u * 1024 * 1024) /* 1 GiB */
#define TN_WIRE_ALL_COLUMNS 0xFFFFFFFFu          /* QUERY access: no column list */

enum {
    TN_MSG_QUERY = 1,
    TN_MSG_PARTIAL = 2,
    TN_MSG_ERROR = 3,
    TN_MSG_CANCEL = 4,
    TN_MSG_ADMIN = 10,
    TN_MSG_ADMIN_OK = 11,
    TN_MSG_INGEST = 12,
};

/* Writing: begin reserves the header, put_* append, end fills the length. */
void tn_wire_begin(tn_buf *b, uint8_t type, uint32_t id);
void tn_wire_put_u8(tn_buf *b, uint8_t v);
void tn_wire_put_u32(tn_buf *b, uint32_t v);
void tn_wire_put_i32(tn_buf *b, int32_t v);
void tn_wire_put_i64(tn_buf *b, int64_t v);
void tn_wire_put_str(tn_buf *b, const char *s, size_t n);
static inline void tn_wire_put_cstr(tn_buf *b, const char *s)
{
    tn_wire_put_str(b, s ? s : "", s ? __builtin_strlen(s) : 0);
}
/* Finishes the frame begun at byte offset start of b. */
void tn_wire_end(tn_buf *b, size_t start);

/* Peeks at a frame header in buffered bytes: returns 1 and fills the
 * fields when n >= TN_WIRE_HEADER, 0 when more bytes are needed, -1 when
 * the length is out of bounds (the stream is broken). total = the frame's
 * whole size including the 4-byte length field. */
int tn_wire_peek(const uint8_t *p, size_t n, uint8_t *type, uint32_t *id,
                 size_t *total);

/* Reading a payload: every get checks bounds; the first failure sets bad
 * and later gets return zeros, so a caller checks once at the end. */
typedef struct tn_wire_rd {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} tn_wire_rd;

static inline void tn_wire_rd_init(tn_wire_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}
uint8_t tn_wire_get_u8(tn_wire_rd *r);
uint32_t tn_wire_get_u32(tn_wire_rd *r);
int32_t tn_wire_get_i32(tn_wire_rd *r);
int64_t tn_wire_get_i64(tn_wire_rd *r);
/* A string in place (not NUL-terminated); *n its length. */
const char *tn_wire_get_str(tn_wire_rd *r, size_t *n);
/* A heap copy, NUL-terminated (caller frees); NULL when bad. */
char *tn_wire_get_strdup(tn_wire_rd *r);
/* The bytes left. */
static inline const uint8_t *tn_wire_rest(const tn_wire_rd *r, size_t *n)
{
    *n = r->len - r->pos;
    return r->p + r->pos;
}

#endif
