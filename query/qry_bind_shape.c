/*
 * qry_bind_shape.c: the last step of binding, once every clause is
 * resolved: what kind of query this is (selection, aggregation, group by,
 * distinct), the rules each kind imposes (every non-aggregated select
 * expression of a GROUP BY query is a group key or built from keys and
 * aggregations), the numbering of distinct aggregations, the result column
 * names, and the implicit LIMIT of Pinot's HTTP API.
 */
#include "qry_bind_int.h"
#include "qry_agg.h"
#include "qry_eval.h"

#include <stdio.h>
#include <string.h>

#define QRY_HTTP_DEFAULT_LIMIT 10

/* The first part of e that is neither a group key, an aggregation nor a
 * constant, or NULL when e can be computed once per group. */
static const qry_expr *qs_uncovered(const qry_query *q, const qry_expr *e)
{
    for (uint32_t i = 0; i < q->ngroup; i++)
        if (qry_expr_equal(q->group_by[i], e))
            return NULL;
    if (e->op == QE_AGG || e->op == QE_LITERAL)
        return NULL;
    if (e->op == QE_COLUMN || e->op == QE_STAR)
        return e;
    for (uint32_t i = 0; i < e->nargs; i++) {
        const qry_expr *u = qs_uncovered(q, e->args[i]);
        if (u)
            return u;
    }
    return NULL;
}

static int qs_covered(qry_query *q, const qry_expr *e, qry_err *err)
{
    const qry_expr *u = qs_uncovered(q, e);
    if (!u)
        return 0;
    const char *name = qry_expr_name(u, &q->arena);
    if (q->ngroup == 0)
        return qry_fail(err, QRY_ERR_VALIDATION, u->position,
                        "'%s' is neither aggregated nor grouped (add it to GROUP BY "
                        "or use it in an aggregation) at position %d",
                        name, u->position);
    return qry_fail(err, QRY_ERR_VALIDATION, u->position,
                    "'%s' should appear in the GROUP BY clause or be used in an "
                    "aggregation at position %d",
                    name, u->position);
}

/* Aggregations, or GROUP BY: every output is per group. */
static int qs_grouped(qry_query *q, qry_err *err)
{
    q->shape = q->ngroup ? QRY_GROUP_BY : QRY_AGGREGATION;
    for (uint32_t i = 0; i < q->nselect; i++)
        if (qs_covered(q, q->select[i].expr, err) != 0)
            return -1;
    if (q->having && qs_covered(q, q->having, err) != 0)
        return -1;
    for (uint32_t i = 0; i < q->norder; i++)
        if (qs_covered(q, q->order_by[i].expr, err) != 0)
            return -1;
    return 0;
}

static int qs_distinct(qry_query *q, bool has_agg, qry_err *err)
{
    const char *why = has_agg      ? "DISTINCT with aggregation functions"
                      : q->ngroup  ? "DISTINCT with GROUP BY"
                      : q->having ? "DISTINCT with HAVING"
                                   : NULL;
    if (why)
        return qry_fail(err, QRY_ERR_VALIDATION, -1, "%s is not supported", why);
    for (uint32_t i = 0; i < q->norder; i++)
        if (q->order_by[i].select_ref < 0)
            return qry_fail(err, QRY_ERR_VALIDATION, q->order_by[i].expr->position,
                            "ORDER BY of a SELECT DISTINCT must name select items, "
                            "'%s' is not one, at position %d",
                            qry_expr_name(q->order_by[i].expr, &q->arena),
                            q->order_by[i].expr->position);
    q->shape = QRY_DISTINCT;
    return 0;
}

static bool qs_any_agg(const qry_query *q)
{
    for (uint32_t i = 0; i < q->nselect; i++)
        if (qb_has_agg(q->select[i].expr))
            return true;
    if (q->having && qb_has_agg(q->having))
        return true;
    for (uint32_t i = 0; i < q->norder; i++)
        if (qb_has_agg(q->order_by[i].expr))
            return true;
    return false;
}

/* ---- aggregation slots ------------------------------------------------------ */

static uint32_t qs_count_aggs(const qry_expr *e)
{
    if (e->op == QE_AGG)
        return 1;
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->nargs; i++)
        n += qs_count_aggs(e->args[i]);
    return n;
}

/* Identical aggregations share a slot; slots go by first appearance. */
static void qs_slot(qry_query *q, qry_expr *e)
{
    if (e->op != QE_AGG) {
        for (uint32_t i = 0; i < e->nargs; i++)
            qs_slot(q, e->args[i]);
        return;
    }
    for (uint32_t i = 0; i < q->naggs; i++) {
        if (qry_expr_equal(q->aggs[i], e)) {
            e->agg_slot = (int)i;
            return;
        }
    }
    e->agg_slot = (int)q->naggs;
    q->aggs[q->naggs++] = e;
}

static void qs_slots(qry_query *q)
{
    uint32_t n = q->having ? qs_count_aggs(q->having) : 0;
    for (uint32_t i = 0; i < q->nselect; i++)
        n += qs_count_aggs(q->select[i].expr);
    for (uint32_t i = 0; i < q->norder; i++)
        n += qs_count_aggs(q->order_by[i].expr);
    q->aggs = qry_alloc(&q->arena, (n + 1) * sizeof *q->aggs);
    q->naggs = 0;
    for (uint32_t i = 0; i < q->nselect; i++)
        qs_slot(q, q->select[i].expr);
    if (q->having)
        qs_slot(q, q->having);
    for (uint32_t i = 0; i < q->norder; i++)
        qs_slot(q, q->order_by[i].expr);
}

int qb_shape(qry_query *q, qry_err *err)
{
    bool has_agg = qs_any_agg(q);
    if (q->distinct) {
        if (qs_distinct(q, has_agg, err) != 0)
            return -1;
    } else if (has_agg || q->ngroup) {
        if (qs_grouped(q, err) != 0)
            return -1;
    } else if (q->having) {
        return qry_fail(err, QRY_ERR_VALIDATION, q->having->position,
                        "HAVING needs GROUP BY or an aggregation at position %d",
                        q->having->position);
    } else {
        q->shape = QRY_SELECTION;
    }
    qs_slots(q);
    /* With null handling COUNT(x) counts non-null x, and Pinot names it
     * count(x) rather than count(*) */
    for (uint32_t s = 0; q->opts.null_handling && s < q->naggs; s++) {
        qry_expr *a = q->aggs[s];
        if (strcmp(a->agg->name, "count") || a->render || a->nargs != 1 ||
            a->args[0]->op == QE_STAR || a->args[0]->op == QE_LITERAL)
            continue;
        const char *arg = qry_expr_name(a->args[0], &q->arena);
        size_t len = strlen(arg) + 8;
        char *r = qry_alloc(&q->arena, len);
        snprintf(r, len, "count(%s)", arg);
        a->render = r;
    }
    for (uint32_t i = 0; i < q->nselect; i++) {
        qry_select_item *it = &q->select[i];
        it->name = it->alias ? it->alias : qry_expr_name(it->expr, &q->arena);
    }
    /* One row whatever LIMIT says; elsewhere Pinot's HTTP API returns 10
     * rows (or groups) when no LIMIT is written, while a PostgreSQL client
     * expects them all (-1 stays "no limit"). */
    if (q->shape == QRY_AGGREGATION)
        q->limit = -1;
    else if (q->limit < 0 && q->flavour == QRY_HTTP)
        q->limit = QRY_HTTP_DEFAULT_LIMIT;
    return 0;
}
