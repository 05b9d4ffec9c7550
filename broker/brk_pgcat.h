/*
 * brk_pgcat.h: the read-only PostgreSQL catalog (pg_catalog and
 * information_schema) that BI tools and drivers query for schemas, tables
 * and columns, generated from Tannin's tables and evaluated by a small
 * general SELECT evaluator over catalog-sized in-memory relations (joins,
 * subqueries, grouping, window functions, the catalog functions). Queries
 * over Tannin tables never come here: they go to the main engine.
 */
#ifndef BRK_PGCAT_H
#define BRK_PGCAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "brk_auth.h"
#include "brk_catalog.h"
#include "qry_reduce.h"

/* One Tannin table as the catalog shows it: columns with type OIDs. */
typedef struct brk_pgcat_column {
    char *name;
    int32_t type_oid;
} brk_pgcat_column;

typedef struct brk_pgcat_table {
    char *name;
    uint32_t ncols;
    brk_pgcat_column *cols;
} brk_pgcat_table;

typedef struct brk_pgcat_tables {
    uint32_t n;
    brk_pgcat_table *t;
} brk_pgcat_tables;

/* The raw tables of cat (NULL: none) in name order, with each column's
 * type as the PostgreSQL endpoint reports it in RowDescription: only those
 * user may read, with only the columns it sees (user NULL: all). */
void brk_pgcat_tables_load(brk_catalog *cat, const brk_user *user, brk_pgcat_tables *out);
/* Adds a table (copies name; columns added with brk_pgcat_table_column). */
brk_pgcat_table *brk_pgcat_table_add(brk_pgcat_tables *ts, const char *name);
void brk_pgcat_table_column(brk_pgcat_table *t, const char *name, int32_t type_oid);
void brk_pgcat_tables_free(brk_pgcat_tables *ts);

/* What the evaluator knows of the session. setting returns a setting's
 * value or NULL (may be NULL itself). */
typedef struct brk_pgcat_env {
    const char *user, *database;
    const brk_pgcat_tables *tables;
    const char *(*setting)(const void *arg, const char *name);
    const void *setting_arg;
} brk_pgcat_env;

/* Whether sql is a query over the catalog: a FROM anywhere in it names
 * pg_catalog.*, information_schema.* or a catalog relation without schema,
 * or it has a WITH or VALUES and names no relation but catalog ones and
 * its own WITH queries. */
bool brk_pgcat_wants(const char *sql);

/* Evaluates one SELECT over the catalog into res (caller frees with
 * qry_result_free; column types are named "pg:OID"). On failure returns
 * -1 with a SQLSTATE (0A000 unsupported, 42703 unknown column, 42P01
 * unknown relation, 42883 unknown function, 42601 syntax), a message and
 * a 1-based position in sql or -1. */
int brk_pgcat_run(const brk_pgcat_env *env, const char *sql, qry_result *res,
                  char sqlstate[6], char *msg, size_t cap, int *position);

#endif
