/*
 * qry_plan.h: a parsed and bound query: the logical plan every other part
 * of the query module works from.
 *
 * qry_parse turns SQL text into a qry_query with libpg_query (the real
 * PostgreSQL parser): SET key = value; prefixes and a trailing OPTION(...)
 * become options, the one SELECT statement becomes the plan. qry_bind then
 * resolves identifiers against the table's schema (case-insensitively, as
 * Pinot does), types every expression, finds the aggregations, checks the
 * GROUP BY rules, applies the implicit LIMIT of the HTTP flavour, and names
 * the result columns as Pinot does.
 */
#ifndef QRY_PLAN_H
#define QRY_PLAN_H

#include "qry_expr.h"

typedef enum qry_flavour {
    QRY_HTTP,      /* Pinot's /query/sql: implicit LIMIT 10, default nulls */
    QRY_PGWIRE     /* PostgreSQL wire: no implicit LIMIT, null handling on */
} qry_flavour;

typedef struct qry_options {
    int64_t timeout_ms;        /* 0: the caller's default */
    bool null_handling;        /* enableNullHandling */
    int64_t num_groups_limit;  /* 0: the default bound */
    bool has_null_handling;    /* the query set enableNullHandling */
    char client_query_id[64];  /* clientQueryId: cancels by the client's own id */
} qry_options;

/* Sets one option from text (key case-insensitive; unknown keys are kept
 * silently as Pinot does, bad values are an error). */
int qry_options_set(qry_options *o, const char *key, const char *value, qry_err *err);
/* Parses Pinot's queryOptions string "k1=v1;k2=v2". */
int qry_options_parse(qry_options *o, const char *text, qry_err *err);

/* What one user may see of a table (issue 8): a row filter ANDed into
 * every query's WHERE however it is written, and the columns the user may
 * name at all. The filter's columns bind against the whole schema (it may
 * test a hidden column); the user's own expressions only against the
 * visible ones, and a hidden column is reported exactly like one that
 * does not exist. */
typedef struct qry_access {
    const char *row_filter;        /* SQL boolean expression; NULL = all rows */
    const char *const *columns;    /* visible columns; NULL = all */
    uint32_t ncolumns;
} qry_access;

typedef struct qry_select_item {
    qry_expr *expr;
    const char *alias;     /* AS alias, or NULL */
    const char *name;      /* the result column name (alias or Pinot's rendering) */
    const char *pg_type;   /* QRY_PGWIRE: the result column's type as "pg:OID"
                              when the engine's type does not say it (a date
                              is a TIMESTAMP at midnight); NULL otherwise */
} qry_select_item;

typedef struct qry_order_item {
    qry_expr *expr;        /* bound; may refer to a select item (see select_ref) */
    bool desc;
    int select_ref;        /* index of the select item it names (alias or
                              ordinal or equal expression), -1 if none */
} qry_order_item;

typedef enum qry_shape {
    QRY_SELECTION,         /* rows of expressions */
    QRY_AGGREGATION,       /* aggregations only: one row */
    QRY_GROUP_BY,          /* aggregations by keys */
    QRY_DISTINCT           /* SELECT DISTINCT: group by without aggregations */
} qry_shape;

typedef struct qry_query {
    qry_arena arena;           /* owns every node and string below */
    const char *sql;           /* the statement text (arena copy) */
    const char *table;         /* FROM, as written (Pinot's _OFFLINE/_REALTIME
                                  suffixes are kept; the caller resolves) */
    qry_select_item *select;
    uint32_t nselect;
    bool select_star;          /* expanded by qry_bind into the schema's columns */
    bool distinct;
    qry_expr *where;           /* NULL = all rows */
    /* Select items of flattened subqueries in FROM that the outer query may
     * not use: bound (their columns must exist and be visible), never run. */
    qry_expr **checks;
    uint32_t nchecks;
    qry_expr **group_by;
    uint32_t ngroup;
    qry_expr *having;
    qry_order_item *order_by;
    uint32_t norder;
    int64_t limit;             /* -1 = none written (bind applies the flavour's default) */
    int64_t offset;
    qry_options opts;
    qry_flavour flavour;
    /* set by qry_bind */
    qry_shape shape;
    qry_expr **aggs;           /* every distinct aggregation, by agg_slot */
    uint32_t naggs;
    const seg_schema *schema;  /* the schema it was bound against (borrowed) */
    int64_t now_ms;            /* the query's NOW(), fixed once so every segment
                                  and the reduce agree (set by qry_compile) */
    /* Set before qry_bind by qry_compile_ex. hidden[f]: schema field f the
     * user may not name (NULL: none). sys_where: conditions the system adds
     * (a user's row filter, a hybrid table's time boundary); bound against
     * the whole schema, never against select aliases, and ANDed into where
     * by qry_bind, so nothing the user writes can loosen them. */
    const uint8_t *hidden;
    qry_expr *sys_where;
    struct qry_query *attached;    /* owns nodes of sys_where parsed separately */
} qry_query;

/* Parses one query. Errors carry code 150 and the byte position. */
int qry_parse(const char *sql, qry_flavour flavour, qry_query **out, qry_err *err);
/* Parses a row filter: one boolean SQL expression over a table's columns
 * and nothing else (no clauses, statements or options). The expression is
 * (*out)->where; positions in errors are byte offsets into expr. */
int qry_parse_filter(const char *expr, qry_query **out, qry_err *err);
/* Resolves against schema (which must outlive the query). Errors: 710 for
 * unknown columns, 700 for type or GROUP BY violations. */
int qry_bind(qry_query *q, const seg_schema *schema, qry_err *err);
void qry_query_free(qry_query *q);

#endif
