/*
 * brk_pg_topn.h: Tableau's top-N filter over the PostgreSQL endpoint: the
 * table joined to a small grouped subquery of itself, run as two Tannin
 * queries (the subquery, then the outer query with its keys as a filter).
 */
#ifndef BRK_PG_TOPN_H
#define BRK_PG_TOPN_H

#include "brk_pg_int.h"

/* Most keys the subquery may give (they become an IN list). */
#define PG_TOPN_MAX_KEYS 100000

/* When sql is "SELECT ... FROM t [INNER] JOIN (SELECT ... FROM t ...) a
 * ON (t.k IS NOT DISTINCT FROM a.k) [AND ...] ...": runs the subquery
 * through the session's exec callback, then the outer query with the join
 * replaced by WHERE (t.k IN (keys) [OR t.k IS NULL]) AND (its own WHERE).
 * Returns 1 when sql is no such join (o untouched: the caller runs it), 0
 * when o holds the rows, -1 when o holds the error (a join of another
 * shape: 0A000 naming it). */
int pg_topn_run(brk_pg_sess *s, const char *sql, pg_outcome *o);

/* The SQLSTATE of a query error: brk_pg_sqlstate's, except that a
 * construct the parser does not support is 0A000, not a syntax error. */
const char *pg_query_sqlstate(const qry_err *e);

#endif
