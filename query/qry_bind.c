/*
 * qry_bind.c: resolves a parsed query against the table's schema: columns
 * by case-insensitive name (and renamed to the schema's spelling, as
 * Pinot's broker does), SELECT * in the schema's columns sorted by name,
 * select aliases and ordinals in GROUP BY, HAVING and ORDER BY, functions
 * and aggregations from their registries, types bottom-up. The query's
 * shape and the GROUP BY rules follow in qry_bind_shape.c.
 */
#include "qry_agg.h"
#include "qry_bind_int.h"
#include "qry_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum qb_clause { QB_SELECT, QB_WHERE, QB_GROUP, QB_HAVING, QB_ORDER, QB_FILTER } qb_clause;

typedef struct qb_ctx {
    qry_query *q;
    qry_err *err;
    qb_clause clause;
    bool aliases;     /* a bare name may be a select alias */
    bool trusted;     /* binding sys_where: hidden columns are fine */
    int in_agg;       /* inside an aggregation's arguments */
} qb_ctx;

static const char *const qb_clause_names[] = { "the select list", "WHERE", "GROUP BY",
                                               "HAVING", "ORDER BY", "FILTER" };

static int qb_bind(qb_ctx *b, qry_expr **slot);
static int qb_condition(qb_ctx *b, const qry_expr *e);

/* ---- helpers (also used by qry_bind_shape.c) ------------------------ */

bool qb_has_agg(const qry_expr *e)
{
    if (e->op == QE_AGG)
        return true;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (qb_has_agg(e->args[i]))
            return true;
    return false;
}

/* ---- leaves --------------------------------------------------------------------- */

/* Index of the select item whose alias is name, or -1. */
static int qb_alias(const qry_query *q, const char *name)
{
    for (uint32_t i = 0; i < q->nselect; i++)
        if (q->select[i].alias && strcasecmp(q->select[i].alias, name) == 0)
            return (int)i;
    return -1;
}

static int qb_column(qb_ctx *b, qry_expr *e)
{
    const seg_schema *s = b->q->schema;
    /* SELECT * expansion names its columns by index already */
    int i = e->col >= 0 ? e->col : seg_schema_find(s, e->name);
    /* a hidden column is reported exactly as one that does not exist, so
     * errors do not tell a restricted user what is hidden */
    if (i >= 0 && b->q->hidden && b->q->hidden[i] && !b->trusted)
        i = -1;
    if (i < 0)
        return qry_fail(b->err, QRY_ERR_UNKNOWN_COLUMN, e->position,
                        "Unknown columnName '%s' found in the query at position %d",
                        e->name, e->position);
    const seg_field *f = &s->fields[i];
    e->col = i;
    e->type = f->type;
    e->mv = !f->single_value;
    e->name = qry_strndup(&b->q->arena, f->name, strlen(f->name));
    return 0;
}

/* A select alias used in GROUP BY, HAVING or ORDER BY stands for the
 * (already bound) select expression itself. */
static int qb_alias_ref(qb_ctx *b, qry_expr **slot, int i)
{
    qry_expr *target = b->q->select[i].expr;
    if (qb_has_agg(target) && (b->in_agg || b->clause == QB_GROUP))
        return qry_fail(b->err, QRY_ERR_VALIDATION, (*slot)->position,
                        "alias '%s' names an aggregation, not allowed %s at position %d",
                        b->q->select[i].alias,
                        b->in_agg ? "inside another aggregation" : "in GROUP BY",
                        (*slot)->position);
    *slot = target;
    return 0;
}

/* ---- calls ---------------------------------------------------------------------- */

static int qb_args(qb_ctx *b, qry_expr *e)
{
    for (uint32_t i = 0; i < e->nargs; i++)
        if (qb_bind(b, &e->args[i]) != 0)
            return -1;
    return 0;
}

static int qb_arity(qb_ctx *b, const qry_expr *e, const char *name, int min, int max)
{
    if ((int)e->nargs >= min && (max < 0 || (int)e->nargs <= max))
        return 0;
    if (min == max)
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "%s takes %d argument%s, got %u at position %d", name, min,
                        min == 1 ? "" : "s", e->nargs, e->position);
    return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                    "%s takes %d to %d arguments, got %u at position %d", name, min,
                    max, e->nargs, e->position);
}

/* A registry bind callback's error, placed at the node when it has none,
 * with the position in the message as every other query error has it. */
static int qb_callback_failed(qb_ctx *b, const qry_expr *e)
{
    qry_err *err = b->err;
    if (!err)
        return -1;
    if (err->position < 0)
        err->position = e->position;
    if (err->position >= 0 && !strstr(err->msg, "at position")) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, " at position %d", err->position);
    }
    return -1;
}

static int qb_no_leaf(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                      qry_vec **out, qry_err *err)
{
    (void)ctx, (void)n, (void)cx, (void)out;
    return qry_fail(err, QRY_ERR_EXEC, e->position, "not a constant");
}

/* A WHERE call whose arguments are all literals (ago('PT1H'), now() -
 * 3600000, CAST('2024-01-01' AS TIMESTAMP)) becomes the literal it
 * evaluates to: NOW() is fixed per query (the broker's clock, sent to the
 * servers), so every server folds to the same value, and a folded bound is
 * what lets a time range use the sorted column, min/max and the indexes
 * instead of evaluating the call for every row. Anything that does not
 * evaluate cleanly to one non-NULL single value is left as it was. */
static void qb_fold(qb_ctx *b, qry_expr *e)
{
    if (b->clause != QB_WHERE || e->mv)
        return;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL)
            return;
    qry_arena scratch = {0};
    qry_eval_ctx cx = {&scratch, b->q->now_ms, b->q->opts.null_handling};
    qry_source src = {.leaf = qb_no_leaf};
    qry_vec *v;
    qry_err ignored;
    qry_val val;
    if (qry_eval(e, &src, 1, &cx, &v, &ignored) == 0 && !v->mv_off) {
        qry_vec_get(v, 0, &val);
        if (val.kind == QV_LONG || val.kind == QV_DOUBLE || val.kind == QV_STRING) {
            if (val.kind == QV_STRING)
                val.s = qry_strndup(&b->q->arena, val.s, val.len);
            val.type = e->type;
            e->op = QE_LITERAL;
            e->lit = val;
            e->nargs = 0;
            e->args = NULL;
            e->func = NULL;
        }
    }
    qry_arena_free(&scratch);
}

static int qb_call(qb_ctx *b, qry_expr *e)
{
    if (qb_args(b, e) != 0)
        return -1;
    const qry_func *f = qry_func_find(e->name);
    if (!f)
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "Unsupported function '%s' at position %d", e->name,
                        e->position);
    if (qb_arity(b, e, e->name, f->min_args, f->max_args) != 0)
        return -1;
    e->func = f;
    if (f->bind && f->bind(e, &b->q->arena, b->err) != 0)
        return qb_callback_failed(b, e);
    qb_fold(b, e);
    return 0;
}

/* Legacy percentile95(x): evaluated as percentile(x, 95), named as written. */
static void qb_legacy_percentile(qb_ctx *b, qry_expr *e, double p)
{
    qry_arena *a = &b->q->arena;
    qry_expr *lit = qry_alloc(a, sizeof *lit);
    lit->op = QE_LITERAL;
    lit->col = lit->agg_slot = -1;
    lit->position = e->position;
    lit->lit.kind = QV_DOUBLE;
    lit->lit.type = lit->type = SEG_DOUBLE;
    lit->lit.d = p;
    const char *x = qry_expr_name(e->args[0], a);
    size_t n = strlen(e->name) + strlen(x) + 3;
    char *render = qry_alloc(a, n);
    snprintf(render, n, "%s(%s)", e->name, x);
    e->render = render;
    qry_expr **args = qry_alloc(a, 2 * sizeof *args);
    args[0] = e->args[0];
    args[1] = lit;
    e->args = args;
    e->nargs = 2;
}

static int qb_agg_args(qb_ctx *b, qry_expr *e)
{
    b->in_agg++;
    int rc = qb_args(b, e);
    b->in_agg--;
    if (rc != 0 || !e->filter)
        return rc;
    qb_clause clause = b->clause;
    bool aliases = b->aliases;
    b->clause = QB_FILTER;
    b->aliases = false;
    b->in_agg++;
    rc = qb_bind(b, &e->filter);
    if (rc == 0)
        rc = qb_condition(b, e->filter);
    b->in_agg--;
    b->clause = clause;
    b->aliases = aliases;
    return rc;
}

static int qb_agg(qb_ctx *b, qry_expr *e)
{
    if (b->in_agg)
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "aggregation %s() inside another aggregation at position %d",
                        e->name, e->position);
    if (b->clause == QB_WHERE || b->clause == QB_GROUP || b->clause == QB_FILTER)
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "aggregation %s() is not allowed in %s at position %d", e->name,
                        qb_clause_names[b->clause], e->position);
    double legacy = -1;
    const qry_agg_fn *fn = qry_agg_find(e->name, &legacy);
    if (!fn)
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "Unsupported aggregation function '%s' at position %d", e->name,
                        e->position);
    if (qb_agg_args(b, e) != 0)
        return -1;
    if (legacy >= 0 && strcmp(e->name, fn->name) != 0) {
        if (qb_arity(b, e, e->name, 1, 1) != 0)
            return -1;
        qb_legacy_percentile(b, e, legacy);
    }
    if (qb_arity(b, e, fn->name, fn->min_args, fn->max_args) != 0)
        return -1;
    e->agg = fn;
    if (fn->bind && fn->bind(e, b->err) != 0)
        return qb_callback_failed(b, e);
    return 0;
}

/* ---- predicates ------------------------------------------------------------------ */

static bool qb_is_string_literal(const qry_expr *e)
{
    return e->op == QE_LITERAL && e->lit.kind == QV_STRING;
}

/* IN lists, LIKE and REGEXP_LIKE patterns are compiled once (qry_expr.aux),
 * so they must be constants. */
static int qb_predicate_args(qb_ctx *b, const qry_expr *e)
{
    const char *what = NULL;
    if (e->op == QE_IN) {
        for (uint32_t i = 1; i < e->nargs && !what; i++)
            if (e->args[i]->op != QE_LITERAL)
                what = "the values of IN must be literals";
    } else if (e->op == QE_LIKE && !qb_is_string_literal(e->args[1])) {
        what = "the pattern of LIKE must be a string literal";
    } else if (e->op == QE_REGEXP) {
        if (e->nargs < 2 || e->nargs > 3)
            return qb_arity(b, e, "regexp_like", 2, 3);
        for (uint32_t i = 1; i < e->nargs && !what; i++)
            if (!qb_is_string_literal(e->args[i]))
                what = "the pattern (and flags) of REGEXP_LIKE must be string literals";
    }
    if (!what)
        return 0;
    return qry_fail(b->err, QRY_ERR_VALIDATION, e->position, "%s at position %d", what,
                    e->position);
}

static int qb_predicate(qb_ctx *b, qry_expr *e)
{
    if (qb_args(b, e) != 0 || qb_predicate_args(b, e) != 0)
        return -1;
    e->type = SEG_BOOLEAN;
    e->mv = false;
    return 0;
}

static int qb_bind(qb_ctx *b, qry_expr **slot)
{
    qry_expr *e = *slot;
    if (b->aliases && e->op == QE_COLUMN) {
        int i = qb_alias(b->q, e->name);
        if (i >= 0)
            return qb_alias_ref(b, slot, i);
    }
    switch (e->op) {
    case QE_COLUMN:
        return qb_column(b, e);
    case QE_LITERAL:
        return 0;
    case QE_STAR:
        e->type = SEG_LONG;
        return 0;
    case QE_CALL:
        return qb_call(b, e);
    case QE_AGG:
        return qb_agg(b, e);
    default:
        return qb_predicate(b, e);
    }
}

/* ---- clauses --------------------------------------------------------------------- */

static int qb_clause_expr(qb_ctx *b, qb_clause clause, bool aliases, qry_expr **slot)
{
    b->clause = clause;
    b->aliases = aliases;
    return qb_bind(b, slot);
}

/* WHERE, HAVING and FILTER need a condition, not a plain value. */
static int qb_condition(qb_ctx *b, const qry_expr *e)
{
    if ((e->op != QE_COLUMN && e->op != QE_LITERAL) || e->type == SEG_BOOLEAN)
        return 0;
    return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                    "%s needs a condition, not a value, at position %d",
                    qb_clause_names[b->clause], e->position);
}

static int qb_by_name(const void *x, const void *y)
{
    const seg_field *a = *(const seg_field *const *)x, *b = *(const seg_field *const *)y;
    return strcmp(a->name, b->name);
}

/* SELECT * (and SELECT *, x): the schema's columns in name order, as
 * Pinot's selection lists them. */
static void qb_expand_star(qry_query *q)
{
    const seg_schema *s = q->schema;
    uint32_t nstar = 0;
    for (uint32_t i = 0; i < q->nselect; i++)
        nstar += q->select[i].expr->op == QE_STAR;
    const seg_field **sorted = qry_alloc(&q->arena, (s->nfields + 1) * sizeof *sorted);
    uint32_t nvis = 0;
    for (uint32_t i = 0; i < s->nfields; i++)
        if (!q->hidden || !q->hidden[i])
            sorted[nvis++] = &s->fields[i];
    qsort(sorted, nvis, sizeof *sorted, qb_by_name);
    uint32_t n = q->nselect - nstar + nstar * nvis, k = 0;
    qry_select_item *items = qry_alloc(&q->arena, (n + 1) * sizeof *items);
    for (uint32_t i = 0; i < q->nselect; i++) {
        qry_expr *star = q->select[i].expr;
        if (star->op != QE_STAR) {
            items[k++] = q->select[i];
            continue;
        }
        for (uint32_t f = 0; f < nvis; f++) {
            qry_expr *e = qry_alloc(&q->arena, sizeof *e);
            e->op = QE_COLUMN;
            e->agg_slot = -1;
            e->position = star->position;
            e->name = qry_strndup(&q->arena, sorted[f]->name, strlen(sorted[f]->name));
            e->col = (int)(sorted[f] - s->fields);
            items[k++].expr = e;
        }
    }
    q->select = items;
    q->nselect = n;
}

/* A top-level integer literal in GROUP BY or ORDER BY is a select ordinal. */
static bool qb_ordinal(const qry_expr *e)
{
    return e->op == QE_LITERAL && e->lit.kind == QV_LONG && e->lit.type == SEG_LONG;
}

/* GROUP BY and ORDER BY terms: an ordinal or an alias names a select item
 * (its index in *ref), anything else is bound as an expression. */
static int qb_term(qb_ctx *b, qb_clause clause, qry_expr **slot, int *ref)
{
    qry_query *q = b->q;
    qry_expr *e = *slot;
    *ref = -1;
    if (qb_ordinal(e)) {
        if (e->lit.i < 1 || e->lit.i > q->nselect)
            return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                            "%s position %lld is not in the select list at position %d",
                            qb_clause_names[clause], (long long)e->lit.i, e->position);
        *ref = (int)e->lit.i - 1;
    } else if (e->op == QE_COLUMN) {
        *ref = qb_alias(q, e->name);
    }
    if (*ref < 0)
        return qb_clause_expr(b, clause, true, slot);
    b->clause = clause;
    if (clause == QB_GROUP && qb_has_agg(q->select[*ref].expr))
        return qry_fail(b->err, QRY_ERR_VALIDATION, e->position,
                        "GROUP BY names an aggregation at position %d", e->position);
    *slot = q->select[*ref].expr;
    return 0;
}

/* Binds the system's conditions with the whole schema and ANDs them above
 * the user's WHERE: whatever the user wrote (OR 1=1 included) is one
 * operand of that AND. */
static int qb_sys_where(qb_ctx *b)
{
    qry_query *q = b->q;
    b->trusted = true;
    int rc = qb_clause_expr(b, QB_WHERE, false, &q->sys_where);
    b->trusted = false;
    if (rc || qb_condition(b, q->sys_where))
        return -1;
    if (q->where) {
        qry_expr *and = qry_alloc(&q->arena, sizeof *and);
        and->op = QE_AND;
        and->col = -1;
        and->agg_slot = -1;
        and->position = -1;
        and->nargs = 2;
        and->args = qry_alloc(&q->arena, 2 * sizeof *and->args);
        and->args[0] = q->where;
        and->args[1] = q->sys_where;
        and->type = SEG_BOOLEAN; /* both operands are bound conditions already */
        q->where = and;
    } else {
        q->where = q->sys_where;
    }
    q->sys_where = NULL;
    return 0;
}

static int qb_group_order(qb_ctx *b)
{
    qry_query *q = b->q;
    int ref;
    for (uint32_t i = 0; i < q->ngroup; i++) {
        if (qb_term(b, QB_GROUP, &q->group_by[i], &ref) != 0)
            return -1;
    }
    if (q->having && (qb_clause_expr(b, QB_HAVING, true, &q->having) != 0 ||
                      qb_condition(b, q->having) != 0))
        return -1;
    for (uint32_t i = 0; i < q->norder; i++) {
        qry_order_item *o = &q->order_by[i];
        if (qb_term(b, QB_ORDER, &o->expr, &o->select_ref) != 0)
            return -1;
        for (uint32_t k = 0; k < q->nselect && o->select_ref < 0; k++)
            if (qry_expr_equal(q->select[k].expr, o->expr))
                o->select_ref = (int)k;
    }
    return 0;
}

int qry_bind(qry_query *q, const seg_schema *schema, qry_err *err)
{
    q->schema = schema;
    if (q->select_star)
        qb_expand_star(q);
    qb_ctx b = { .q = q, .err = err };
    for (uint32_t i = 0; i < q->nselect; i++)
        if (qb_clause_expr(&b, QB_SELECT, false, &q->select[i].expr) != 0)
            return -1;
    if (q->where && (qb_clause_expr(&b, QB_WHERE, false, &q->where) != 0 ||
                     qb_condition(&b, q->where) != 0))
        return -1;
    if (q->sys_where && qb_sys_where(&b) != 0)
        return -1;
    for (uint32_t i = 0; i < q->nchecks; i++)
        if (qb_clause_expr(&b, QB_WHERE, false, &q->checks[i]) != 0)
            return -1;
    if (qb_group_order(&b) != 0)
        return -1;
    return qb_shape(q, err);
}
