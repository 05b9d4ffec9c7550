/*
 * qry_name.c: Pinot's rendering of an expression as a result column name
 * (single-stage engine): identifiers as written, functions in canonical
 * lower case with their args joined by ',' and literals single-quoted,
 * operators and predicates as the functions Pinot turns them into
 * (plus, equals, between, ...), aggregations as Pinot's aggregation
 * functions name their results: count(*), sum(x), percentile(x, 95.0),
 * sum(x) FILTER(WHERE y > '1'). Doubles print as Java does (95.0, 1.0E7).
 */
#include "qry_agg.h"
#include "qry_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(tn_buf *b, const char *s)
{
    tn_buf_append(b, s, strlen(s));
}

/* A literal's text without quotes. */
static void put_value(tn_buf *b, const qry_val *v)
{
    char num[40];
    switch (v->kind) {
    case QV_NULL:
        put(b, "null");
        return;
    case QV_LONG:
        if (v->type == SEG_BOOLEAN)
            snprintf(num, sizeof num, "%s", v->i ? "true" : "false");
        else
            snprintf(num, sizeof num, "%lld", (long long)v->i);
        break;
    case QV_DOUBLE:
        qry_format_double(v->d, num, sizeof num);
        break;
    case QV_STRING:
        tn_buf_append(b, v->s, v->len);
        return;
    default:
        return;   /* arrays are result cells, never literals */
    }
    put(b, num);
}

static void put_expr(tn_buf *b, const qry_expr *e);

static void put_args(tn_buf *b, const qry_expr *e, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        if (i > from)
            put(b, ",");
        put_expr(b, e->args[i]);
    }
}

static void put_call(tn_buf *b, const char *name, const qry_expr *e)
{
    put(b, name);
    put(b, "(");
    put_args(b, e, 0, e->nargs);
    put(b, ")");
}

/* ---- FILTER(WHERE ...): Pinot's FilterContext and predicate forms --- */

static void put_filter(tn_buf *b, const qry_expr *f);

static void put_rhs(tn_buf *b, const qry_expr *e)
{
    if (e->op == QE_LITERAL) {
        put(b, "'");
        put_value(b, &e->lit);
        put(b, "'");
    } else {
        put_expr(b, e);
    }
}

static void put_filter_bool(tn_buf *b, const qry_expr *f, const char *op)
{
    put(b, "(");
    for (uint32_t i = 0; i < f->nargs; i++) {
        if (i)
            put(b, op);
        put_filter(b, f->args[i]);
    }
    put(b, ")");
}

static void put_filter_predicate(tn_buf *b, const qry_expr *f)
{
    static const char *const cmp[] = { " = ", " != ", " < ", " <= ", " > ", " >= " };
    put_expr(b, f->args[0]);
    if (f->op == QE_CMP) {
        put(b, cmp[f->cmp]);
        put_rhs(b, f->args[1]);
    } else if (f->op == QE_BETWEEN) {
        put(b, " BETWEEN ");
        put_rhs(b, f->args[1]);
        put(b, " AND ");
        put_rhs(b, f->args[2]);
    } else if (f->op == QE_IN) {
        put(b, f->negated ? " NOT IN (" : " IN (");
        for (uint32_t i = 1; i < f->nargs; i++) {
            if (i > 1)
                put(b, ",");
            put_rhs(b, f->args[i]);
        }
        put(b, ")");
    } else if (f->op == QE_LIKE) {
        put(b, " LIKE ");
        put_rhs(b, f->args[1]);
    } else {
        put(b, f->negated ? " IS NOT NULL" : " IS NULL");
    }
}

static void put_filter(tn_buf *b, const qry_expr *f)
{
    bool negated_form = f->negated && (f->op == QE_BETWEEN || f->op == QE_LIKE ||
                                       f->op == QE_REGEXP);
    if (negated_form)
        put(b, "(NOT ");
    switch (f->op) {
    case QE_AND:
        put_filter_bool(b, f, " AND ");
        break;
    case QE_OR:
        put_filter_bool(b, f, " OR ");
        break;
    case QE_NOT:
        put(b, "(NOT ");
        put_filter(b, f->args[0]);
        put(b, ")");
        break;
    case QE_REGEXP:
        put(b, "regexp_like(");
        put_expr(b, f->args[0]);
        put(b, ",");
        put_rhs(b, f->args[1]);
        put(b, ")");
        break;
    case QE_CMP:
    case QE_BETWEEN:
    case QE_IN:
    case QE_LIKE:
    case QE_IS_NULL:
        put_filter_predicate(b, f);
        break;
    default:
        put_expr(b, f);
        break;
    }
    if (negated_form)
        put(b, ")");
}

/* ---- aggregations ------------------------------------------------------------ */

static bool literal_tail(const qry_expr *e)
{
    for (uint32_t i = 1; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL)
            return false;
    return true;
}

static void put_agg(tn_buf *b, const qry_expr *e)
{
    const char *name = e->agg ? e->agg->name : e->name;
    if (e->render) {
        put(b, e->render);
    } else if (strcmp(name, "count") == 0) {
        /* COUNT_STAR_RESULT_COLUMN_NAME, whatever is counted */
        put(b, "count(*)");
    } else if (strncmp(name, "percentile", 10) == 0 && e->nargs >= 2 &&
               e->args[1]->op == QE_LITERAL) {
        /* percentile(x, 95.0): comma and space, the percentile a double */
        const qry_val *p = &e->args[1]->lit;
        char num[40];
        qry_format_double(p->kind == QV_DOUBLE ? p->d : (double)p->i, num, sizeof num);
        put(b, name);
        put(b, "(");
        put_expr(b, e->args[0]);
        put(b, ", ");
        put(b, num);
        put(b, ")");
    } else if (e->nargs > 1 && literal_tail(e) && strcmp(name, "lastwithtime") != 0 &&
               strcmp(name, "firstwithtime") != 0) {
        /* single-input functions name only their input: distinctcounthll(x) */
        put(b, name);
        put(b, "(");
        put_expr(b, e->args[0]);
        put(b, ")");
    } else {
        put_call(b, name, e);
    }
    if (e->filter) {
        put(b, " FILTER(WHERE ");
        put_filter(b, e->filter);
        put(b, ")");
    }
}

/* ---- everything else ---------------------------------------------------------- */

static const char *cmp_name(qry_cmp c)
{
    /* Pinot's FilterKind names keep their underscores (only lower-cased) */
    static const char *const names[] = { "equals",   "not_equals",       "less_than",
                                         "less_than_or_equal", "greater_than",
                                         "greater_than_or_equal" };
    return names[c];
}

/* BETWEEN, LIKE, REGEXP have no negated function in Pinot: not(...). */
static void put_predicate(tn_buf *b, const qry_expr *e)
{
    const char *name = e->op == QE_CMP       ? cmp_name(e->cmp)
                       : e->op == QE_BETWEEN ? "between"
                       : e->op == QE_IN      ? (e->negated ? "not_in" : "in")
                       : e->op == QE_LIKE    ? "like"
                       : e->op == QE_REGEXP  ? "regexp_like"
                       : e->negated          ? "is_not_null"
                                             : "is_null";
    bool wrap = e->negated && e->op != QE_IN && e->op != QE_IS_NULL;
    if (wrap)
        put(b, "not(");
    put_call(b, name, e);
    if (wrap)
        put(b, ")");
}

static void put_expr(tn_buf *b, const qry_expr *e)
{
    switch (e->op) {
    case QE_COLUMN:
        put(b, e->name ? e->name : "");
        break;
    case QE_STAR:
        put(b, "*");
        break;
    case QE_LITERAL:
        put(b, "'");
        put_value(b, &e->lit);
        put(b, "'");
        break;
    case QE_CALL:
        put_call(b, e->name ? e->name : (e->func ? e->func->name : "?"), e);
        break;
    case QE_AGG:
        put_agg(b, e);
        break;
    case QE_AND:
        put_call(b, "and", e);
        break;
    case QE_OR:
        put_call(b, "or", e);
        break;
    case QE_NOT:
        put_call(b, "not", e);
        break;
    default:
        put_predicate(b, e);
        break;
    }
}

const char *qry_expr_name(const qry_expr *e, qry_arena *a)
{
    tn_buf b = { 0 };
    put_expr(&b, e);
    char *s = qry_strndup(a, b.len ? (const char *)b.data : "", b.len);
    tn_buf_free(&b);
    return s;
}
