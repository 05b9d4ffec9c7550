/*
 * qry_bind_int.h: what qry_bind.c (name resolution and typing) shares with
 * qry_bind_shape.c (the query's shape, Pinot's GROUP BY rules, aggregation
 * slots, result names, the implicit LIMIT). Not part of the module's
 * contract.
 */
#ifndef QRY_BIND_INT_H
#define QRY_BIND_INT_H

#include <stdbool.h>

#include "qry_plan.h"

/* Whether e holds an aggregation anywhere. */
bool qb_has_agg(const qry_expr *e);
/* After every clause is bound: decides q->shape, checks the GROUP BY and
 * DISTINCT rules, numbers the aggregations, names the result columns and
 * applies the flavour's implicit LIMIT. */
int qb_shape(qry_query *q, qry_err *err);

#endif
