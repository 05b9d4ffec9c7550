/*
 * qry_reduce.h: the broker's half of a query: from the merged partial to
 * the final table (HAVING, ORDER BY, OFFSET/LIMIT, select expressions over
 * aggregation results), and Pinot's broker response JSON.
 */
#ifndef QRY_REDUCE_H
#define QRY_REDUCE_H

#include "qry_exec.h"

typedef struct qry_result {
    uint32_t ncols;
    const char **names;       /* Pinot's column names */
    const char **types;       /* Pinot's column type names: LONG, DOUBLE, STRING_ARRAY, ... */
    uint32_t nrows;
    qry_val *cells;           /* nrows * ncols */
    qry_stats stats;
    qry_arena arena;          /* owns everything above */
} qry_result;

/* Consumes merged (it may be modified) into out. */
int qry_reduce(const qry_query *q, qry_partial *merged, qry_result *out, qry_err *err);
void qry_result_free(qry_result *r);

/* What the response carries besides the table. */
typedef struct qry_response_info {
    int64_t time_used_ms;
    uint32_t servers_queried, servers_responded;
    const char *request_id;   /* may be NULL */
    const char *client_request_id; /* clientQueryId; NULL or "" = none */
} qry_response_info;

/* Pinot's BrokerResponseNative as JSON (heap string, caller frees): the
 * table when r is not NULL, the errors as exceptions [{errorCode,
 * message}], every counter Pinot always sends. */
char *qry_response_json(const qry_result *r, const qry_err *errs, uint32_t nerrs,
                        const qry_response_info *info);

/* Parse, bind against schema, and prepare: a query ready to execute. */
int qry_compile(const char *sql, qry_flavour flavour, const char *options,
                const seg_schema *schema, qry_query **out, qry_err *err);
/* The same with NOW() fixed to now_ms: a broker compiles with its clock and
 * sends now_ms to the servers, so ago()/now() agree across the cluster. */
int qry_compile_at(const char *sql, qry_flavour flavour, const char *options,
                   const seg_schema *schema, int64_t now_ms, qry_query **out,
                   qry_err *err);

/* A hybrid table's time boundary: the OFFLINE half answers rows with
 * column <= value, the REALTIME half rows with column > value (value in the
 * column's own units). The op values are the QUERY frame's (tn_wire.h). */
typedef enum qry_boundary_op {
    QRY_BOUNDARY_NONE = 0,
    QRY_BOUNDARY_LE = 1,
    QRY_BOUNDARY_GT = 2
} qry_boundary_op;

typedef struct qry_boundary {
    const char *column;       /* the table's time column (numeric) */
    qry_boundary_op op;
    int64_t value;
} qry_boundary;

/* Pinot's time boundary value from the OFFLINE half's latest end time (ms)
 * and the time column's unit: one day before that end (one hour for an
 * hourly-pushed table whose unit is not days), in the column's units,
 * truncated toward zero as Java's TimeUnit does. Brokers and a server
 * answering alone both split a hybrid table with it. */
int64_t qry_time_boundary(int64_t max_end_ms, int64_t unit_ms, bool hourly);

/* qry_compile_at, with the boundary's predicate (b NULL or op NONE: none)
 * and the user's row filter (access NULL: the whole table) ANDed above the
 * WHERE clause, and the user's hidden columns unnameable. */
int qry_compile_ex(const char *sql, qry_flavour flavour, const char *options,
                   const seg_schema *schema, int64_t now_ms, const qry_boundary *b,
                   const qry_access *access, qry_query **out, qry_err *err);
/* The same from a query qry_parse returned (taken: freed on error), for a
 * caller that needed the parse first (the broker reads the FROM table to
 * find the schema) and should not parse twice. */
int qry_compile_parsed(qry_query *q, const char *options, const seg_schema *schema,
                       int64_t now_ms, const qry_boundary *b, const qry_access *access,
                       qry_query **out, qry_err *err);

#endif
