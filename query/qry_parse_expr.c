/*
 * qry_parse_expr.c: PostgreSQL parse tree expressions to qry_expr trees,
 * in Pinot's terms: operators become functions (plus, minus, times, divide,
 * mod, negate), predicates become predicate nodes, COUNT(DISTINCT x) becomes
 * distinctcount(x), CASE becomes case(cond, value, ..., else) and CAST
 * becomes cast(x, 'TYPE'). Names are resolved later, by qry_bind, except
 * the names a flattened subquery in FROM gives, which become a copy of its
 * expression here. The PostgreSQL wire flavour adds PostgreSQL's meaning
 * of some functions and casts (qry_parse_pg.c).
 */
#include "qry_agg.h"
#include "qry_parse_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- building helpers ----------------------------------------------- */

static qry_expr *qp_call(qp_ctx *c, qry_op op, const char *name, int pos,
                         uint32_t nargs)
{
    qry_expr *e = qp_new(c, op, pos);
    e->name = name ? qry_strndup(&c->q->arena, name, strlen(name)) : NULL;
    e->nargs = nargs;
    e->args = nargs ? qry_alloc(&c->q->arena, nargs * sizeof *e->args) : NULL;
    return e;
}

static qry_expr *qp_string(qp_ctx *c, const char *s, size_t n, int pos)
{
    qry_expr *e = qp_new(c, QE_LITERAL, pos);
    e->lit.kind = QV_STRING;
    e->lit.type = SEG_STRING;
    e->lit.s = qry_strndup(&c->q->arena, s, n);
    e->lit.len = (uint32_t)n;
    e->type = SEG_STRING;
    return e;
}

qry_expr *qp_string_lit(qp_ctx *c, const char *s, size_t n, int pos)
{
    return qp_string(c, s, n, pos);
}

qry_expr *qp_copy(qp_ctx *c, const qry_expr *e)
{
    if (!e)
        return NULL;
    qry_expr *d = qry_alloc(&c->q->arena, sizeof *d);
    *d = *e;
    if (e->nargs) {
        d->args = qry_alloc(&c->q->arena, e->nargs * sizeof *d->args);
        for (uint32_t i = 0; i < e->nargs; i++)
            d->args[i] = qp_copy(c, e->args[i]);
    }
    d->filter = qp_copy(c, e->filter);
    return d;
}

static qry_expr *qp_null(qp_ctx *c, int pos)
{
    qry_expr *e = qp_new(c, QE_LITERAL, pos);
    e->lit.kind = QV_NULL;
    e->lit.type = SEG_STRING;
    e->type = SEG_STRING;
    return e;
}

/* Converts the nodes of JSON array arr into args[0..n). */
static int qp_args(qp_ctx *c, const cJSON *arr, qry_expr **args)
{
    const cJSON *item;
    uint32_t i = 0;
    cJSON_ArrayForEach(item, arr) {
        if (qp_expr(c, item, &args[i++]) != 0)
            return -1;
    }
    return 0;
}

/* The items of a {"List": {"items": [...]}} node (IN, BETWEEN). */
static const cJSON *qp_list_items(const cJSON *node)
{
    const char *type;
    const cJSON *f = qp_node(node, &type);
    return f && strcmp(type, "List") == 0 ? qp_get(f, "items") : NULL;
}

/* The last name of a qualified name list (pg_catalog.int8 -> int8). */
static const char *qp_last_name(const cJSON *names)
{
    return qp_sval(cJSON_GetArrayItem(names, cJSON_GetArraySize(names) - 1));
}

/* ---- leaves ----------------------------------------------------------------- */

/* A column of a flattened subquery in FROM: the expression its select
 * list gives the name; a name it does not give is the table's column when
 * the subquery selects *, or the outer select list's alias (ORDER BY x). */
static size_t qp_size(const qry_expr *e, int *depth)
{
    size_t n = 1;
    int deepest = 0;
    for (uint32_t i = 0; e && i < e->nargs; i++) {
        int d = 0;
        n += qp_size(e->args[i], &d);
        deepest = d > deepest ? d : deepest;
    }
    if (e && e->filter) {
        int d = 0;
        n += qp_size(e->filter, &d);
        deepest = d > deepest ? d : deepest;
    }
    *depth = deepest + 1;
    return n;
}

static int qp_scoped(qp_ctx *c, qry_expr **out)
{
    const qp_scope *sc = c->scope;
    const char *name = (*out)->name;
    for (uint32_t i = 0; i < sc->n; i++)
        if (sc->items[i].name && strcasecmp(sc->items[i].name, name) == 0) {
            int depth;
            c->copied += qp_size(sc->items[i].expr, &depth);
            if (c->depth + depth > QP_MAX_DEPTH)
                return qp_fail(c, (*out)->position, "expression nested more than %d deep "
                               "(with the subquery's expression for %s)", QP_MAX_DEPTH, name);
            if (c->copied > QP_MAX_COPIED)
                return qp_fail(c, (*out)->position, "the subqueries in FROM expand to more "
                               "than %d expression nodes", QP_MAX_COPIED);
            *out = qp_copy(c, sc->items[i].expr);
            return 0;
        }
    if (sc->star)
        return 0;
    for (uint32_t i = 0; i < c->q->nselect; i++)
        if (c->q->select[i].alias && strcasecmp(c->q->select[i].alias, name) == 0)
            return 0;
    return qry_fail(c->err, QRY_ERR_UNKNOWN_COLUMN, (*out)->position,
                    "column \"%s\" does not exist in subquery \"%s\" at position %d", name,
                    sc->alias ? sc->alias : "", (*out)->position);
}

static int qp_column(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const cJSON *fields = qp_get(f, "fields"), *item;
    int n = cJSON_GetArraySize(fields), loc = qp_loc(f), k = 0;
    if (n < 1 || n > 4)
        return qp_fail(c, loc, "unreadable column reference");
    const char *svals[4];
    cJSON_ArrayForEach(item, fields) {
        const char *type;
        if (!qp_node(item, &type) || strcmp(type, "String") != 0)
            return qp_fail(c, loc, "* is allowed only as the select list or in COUNT(*)");
        svals[k++] = qp_sval(item);
    }
    qry_expr *e = qp_new(c, QE_COLUMN, loc);
    /* table.col and schema.table.col name col, as Pinot strips the table */
    e->name = qp_written_ident(c, loc, svals, n);
    *out = e;
    return c->scope ? qp_scoped(c, out) : 0;
}

/* PostgreSQL's text of a numeric constant too large for int4 or with a
 * fraction: integers stay LONG while they fit, the rest are DOUBLE. */
static int qp_number(qp_ctx *c, const char *text, int pos, qry_expr *e)
{
    char *end;
    errno = 0;
    if (!strpbrk(text, ".eE")) {
        long long v = strtoll(text, &end, 10);
        if (!errno && !*end) {
            e->lit.kind = QV_LONG;
            e->lit.type = e->type = SEG_LONG;
            e->lit.i = v;
            return 0;
        }
    }
    errno = 0;
    double d = strtod(text, &end);
    if (*end)
        return qp_fail(c, pos, "unreadable number '%.40s'", text);
    e->lit.kind = QV_DOUBLE;
    e->lit.type = e->type = SEG_DOUBLE;
    e->lit.d = d;
    return 0;
}

static int qp_const(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    int loc = qp_loc(f);
    const cJSON *v;
    if (qp_bool(f, "isnull")) {
        *out = qp_null(c, loc);
        return 0;
    }
    if ((v = qp_get(f, "sval"))) {
        const char *s = qp_str(v, "sval");
        *out = qp_string(c, s ? s : "", s ? strlen(s) : 0, loc);
        return 0;
    }
    qry_expr *e = qp_new(c, QE_LITERAL, loc);
    *out = e;
    if ((v = qp_get(f, "fval")))
        return qp_number(c, qp_str(v, "fval") ? qp_str(v, "fval") : "", loc, e);
    if ((v = qp_get(f, "boolval"))) {
        e->lit.kind = QV_LONG;
        e->lit.type = e->type = SEG_BOOLEAN;
        e->lit.i = qp_bool(v, "boolval");
        return 0;
    }
    if ((v = qp_get(f, "ival"))) {
        e->lit.kind = QV_LONG;
        e->lit.type = e->type = SEG_LONG;
        if (qp_get(v, "ival"))
            e->lit.i = qp_int(v, "ival", 0);
        else if (!qp_text_int(c, loc, &e->lit.i))
            return qp_fail(c, loc, "unreadable integer");
        return 0;
    }
    return qp_unsupported(c, "this kind of constant", loc);
}

/* ---- operators -------------------------------------------------------------- */

static int qp_binary(qp_ctx *c, qry_op op, const char *name, const cJSON *f,
                     qry_expr **out)
{
    qry_expr *e = qp_call(c, op, name, qp_loc(f), 2);
    *out = e;
    if (qp_expr(c, qp_get(f, "lexpr"), &e->args[0]) != 0)
        return -1;
    return qp_expr(c, qp_get(f, "rexpr"), &e->args[1]);
}

/* -x: a constant folds; anything else is Pinot's negate function. */
static int qp_negate(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    qry_expr *x;
    if (qp_expr(c, qp_get(f, "rexpr"), &x) != 0)
        return -1;
    if (x->op == QE_LITERAL && x->lit.kind == QV_LONG && x->lit.type == SEG_LONG &&
        x->lit.i != INT64_MIN) {
        x->lit.i = -x->lit.i;
        *out = x;
        return 0;
    }
    if (x->op == QE_LITERAL && x->lit.kind == QV_DOUBLE) {
        x->lit.d = -x->lit.d;
        *out = x;
        return 0;
    }
    qry_expr *e = qp_call(c, QE_CALL, "negate", qp_loc(f), 1);
    e->args[0] = x;
    *out = e;
    return 0;
}

static const struct {
    const char *sql;
    const char *func;   /* QE_CALL name, or NULL for a comparison */
    qry_cmp cmp;
} qp_ops[] = {
    { "+", "plus", QC_EQ },  { "-", "minus", QC_EQ },  { "*", "times", QC_EQ },
    { "/", "divide", QC_EQ }, { "%", "mod", QC_EQ },   { "||", "concat", QC_EQ },
    { "=", NULL, QC_EQ },    { "<>", NULL, QC_NE },    { "!=", NULL, QC_NE },
    { "<", NULL, QC_LT },    { "<=", NULL, QC_LE },    { ">", NULL, QC_GT },
    { ">=", NULL, QC_GE },
};

/* x ~ 'p' (and ~*, !~, !~*): POSIX regex match, as REGEXP_LIKE. */
static int qp_regex_op(qp_ctx *c, const char *op, const cJSON *f, qry_expr **out)
{
    bool ci = strchr(op, '*') != NULL;
    qry_expr *e = qp_call(c, QE_REGEXP, "regexplike", qp_loc(f), ci ? 3 : 2);
    e->negated = op[0] == '!';
    *out = e;
    if (qp_expr(c, qp_get(f, "lexpr"), &e->args[0]) != 0 ||
        qp_expr(c, qp_get(f, "rexpr"), &e->args[1]) != 0)
        return -1;
    if (ci)
        e->args[2] = qp_string(c, "i", 1, qp_loc(f));
    return 0;
}

static int qp_op(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const char *op = qp_last_name(qp_get(f, "name"));
    int loc = qp_loc(f);
    if (!qp_get(f, "lexpr")) {
        if (strcmp(op, "-") == 0)
            return qp_negate(c, f, out);
        if (strcmp(op, "+") == 0)
            return qp_expr(c, qp_get(f, "rexpr"), out);
    } else if (!qp_get(f, "rexpr")) {
        /* postfix operators are gone from PostgreSQL 14 on */
    } else {
        for (size_t i = 0; i < TN_ARRAY_LEN(qp_ops); i++) {
            if (strcmp(op, qp_ops[i].sql) != 0)
                continue;
            if (qp_ops[i].func)
                return qp_binary(c, QE_CALL, qp_ops[i].func, f, out);
            if (qp_binary(c, QE_CMP, NULL, f, out) != 0)
                return -1;
            (*out)->cmp = qp_ops[i].cmp;
            return 0;
        }
        if (op[0] == '~' || (op[0] == '!' && op[1] == '~'))
            return qp_regex_op(c, op, f, out);
    }
    char what[64];
    snprintf(what, sizeof what, "operator %.40s", op);
    return qp_unsupported(c, what, loc);
}

/* x [NOT] IN (list), x [NOT] BETWEEN a AND b: args[0] then the list. */
static int qp_listed(qp_ctx *c, qry_op op, bool negated, const cJSON *f,
                     qry_expr **out)
{
    const cJSON *items = qp_list_items(qp_get(f, "rexpr"));
    int n = cJSON_GetArraySize(items);
    if (n < 1 || (op == QE_BETWEEN && n != 2))
        return qp_fail(c, qp_loc(f), "unreadable %s list",
                       op == QE_IN ? "IN" : "BETWEEN");
    qry_expr *e = qp_call(c, op, NULL, qp_loc(f), (uint32_t)n + 1);
    e->negated = negated;
    *out = e;
    if (qp_expr(c, qp_get(f, "lexpr"), &e->args[0]) != 0)
        return -1;
    return qp_args(c, items, e->args + 1);
}

static qry_expr *qp_is_null(qp_ctx *c, qry_expr *x, bool negated)
{
    qry_expr *e = qp_call(c, QE_IS_NULL, NULL, x->position, 1);
    e->args[0] = x;
    e->negated = negated;
    return e;
}

/* a IS NOT DISTINCT FROM b: (a = b AND both not NULL) OR (both NULL),
 * never NULL itself; IS DISTINCT FROM is its negation. */
static int qp_not_distinct(qp_ctx *c, bool distinct, const cJSON *f, qry_expr **out)
{
    qry_expr *a, *b;
    int loc = qp_loc(f);
    if (qp_expr(c, qp_get(f, "lexpr"), &a) != 0 || qp_expr(c, qp_get(f, "rexpr"), &b) != 0)
        return -1;
    qry_expr *eq = qp_call(c, QE_CMP, NULL, loc, 2);
    eq->cmp = QC_EQ;
    eq->args[0] = a;
    eq->args[1] = b;
    qry_expr *same = qp_call(c, QE_AND, NULL, loc, 3);
    same->args[0] = qp_is_null(c, qp_copy(c, a), true);
    same->args[1] = qp_is_null(c, qp_copy(c, b), true);
    same->args[2] = eq;
    qry_expr *nulls = qp_call(c, QE_AND, NULL, loc, 2);
    nulls->args[0] = qp_is_null(c, qp_copy(c, a), false);
    nulls->args[1] = qp_is_null(c, qp_copy(c, b), false);
    qry_expr *e = qp_call(c, QE_OR, NULL, loc, 2);
    e->args[0] = same;
    e->args[1] = nulls;
    if (distinct) {
        qry_expr *n = qp_call(c, QE_NOT, NULL, loc, 1);
        n->args[0] = e;
        e = n;
    }
    *out = e;
    return 0;
}

static int qp_aexpr(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const char *kind = qp_str(f, "kind");
    const char *op = qp_last_name(qp_get(f, "name"));
    int loc = qp_loc(f);
    if (!kind)
        return qp_fail(c, loc, "unreadable operator");
    if (strcmp(kind, "AEXPR_OP") == 0)
        return qp_op(c, f, out);
    if (strcmp(kind, "AEXPR_IN") == 0)
        return qp_listed(c, QE_IN, strcmp(op, "<>") == 0, f, out);
    if (strcmp(kind, "AEXPR_BETWEEN") == 0 || strcmp(kind, "AEXPR_NOT_BETWEEN") == 0)
        return qp_listed(c, QE_BETWEEN, strcmp(kind, "AEXPR_NOT_BETWEEN") == 0, f,
                         out);
    if (strcmp(kind, "AEXPR_LIKE") == 0) {
        if (qp_binary(c, QE_LIKE, NULL, f, out) != 0)
            return -1;
        (*out)->negated = strcmp(op, "!~~") == 0;
        return 0;
    }
    if (strcmp(kind, "AEXPR_NULLIF") == 0)
        return qp_binary(c, QE_CALL, "nullif", f, out);
    if (c->q->flavour == QRY_PGWIRE && (strcmp(kind, "AEXPR_NOT_DISTINCT") == 0 ||
                                        strcmp(kind, "AEXPR_DISTINCT") == 0))
        return qp_not_distinct(c, strcmp(kind, "AEXPR_DISTINCT") == 0, f, out);
    static const char *const refused[][2] = {
        { "AEXPR_ILIKE", "ILIKE" },
        { "AEXPR_SIMILAR", "SIMILAR TO" },
        { "AEXPR_DISTINCT", "IS DISTINCT FROM" },
        { "AEXPR_NOT_DISTINCT", "IS NOT DISTINCT FROM" },
        { "AEXPR_OP_ANY", "ANY (...)" },
        { "AEXPR_OP_ALL", "ALL (...)" },
        { "AEXPR_BETWEEN_SYM", "BETWEEN SYMMETRIC" },
        { "AEXPR_NOT_BETWEEN_SYM", "NOT BETWEEN SYMMETRIC" },
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(refused); i++)
        if (strcmp(kind, refused[i][0]) == 0)
            return qp_unsupported(c, refused[i][1], loc);
    return qp_unsupported(c, kind, loc);
}

static int qp_boolexpr(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const char *op = qp_str(f, "boolop");
    const cJSON *args = qp_get(f, "args");
    int n = cJSON_GetArraySize(args);
    qry_op qop = !op ? QE_AND
                 : strcmp(op, "OR_EXPR") == 0  ? QE_OR
                 : strcmp(op, "NOT_EXPR") == 0 ? QE_NOT
                                               : QE_AND;
    if (!op || n < 1 || (qop == QE_NOT && n != 1))
        return qp_fail(c, qp_loc(f), "unreadable boolean expression");
    qry_expr *e = qp_call(c, qop, NULL, qp_loc(f), (uint32_t)n);
    *out = e;
    return qp_args(c, args, e->args);
}

static int qp_nulltest(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const char *t = qp_str(f, "nulltesttype");
    qry_expr *e = qp_call(c, QE_IS_NULL, NULL, qp_loc(f), 1);
    e->negated = t && strcmp(t, "IS_NOT_NULL") == 0;
    *out = e;
    return qp_expr(c, qp_get(f, "arg"), &e->args[0]);
}

/* ---- functions, CASE, CAST ---------------------------------------------------- */

/* COUNT(DISTINCT x) and friends, as Pinot's parser rewrites them. */
static const char *qp_distinct_name(const char *name)
{
    if (strcmp(name, "count") == 0)
        return "distinctcount";
    if (strcmp(name, "sum") == 0)
        return "distinctsum";
    if (strcmp(name, "avg") == 0)
        return "distinctavg";
    if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
        return name;   /* DISTINCT changes nothing */
    return NULL;
}

static int qp_func_refuse(qp_ctx *c, const cJSON *f, int loc)
{
    if (qp_get(f, "over"))
        return qp_unsupported(c, "window functions (OVER)", loc);
    if (qp_bool(f, "agg_within_group"))
        return qp_unsupported(c, "WITHIN GROUP", loc);
    if (qp_get(f, "agg_order"))
        return qp_unsupported(c, "ORDER BY inside an aggregation", loc);
    if (qp_bool(f, "func_variadic"))
        return qp_unsupported(c, "VARIADIC", loc);
    return 0;
}

static int qp_func(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    int loc = qp_loc(f);
    if (qp_func_refuse(c, f, loc) != 0)
        return -1;
    const char *raw = qp_last_name(qp_get(f, "funcname"));
    const char *name = qp_canonical(c, raw);
    bool star = qp_bool(f, "agg_star"), distinct = qp_bool(f, "agg_distinct");
    const cJSON *args = qp_get(f, "args"), *filter = qp_get(f, "agg_filter");
    if (distinct) {
        const char *d = qp_distinct_name(name);
        if (!d) {
            char what[96];
            snprintf(what, sizeof what, "DISTINCT in %.60s()", raw);
            return qp_unsupported(c, what, loc);
        }
        name = d;
    }
    if (star && strcmp(name, "count") != 0)
        return qp_fail(c, loc, "only COUNT accepts *, not %.60s", raw);
    double legacy = -1;
    bool agg = star || distinct || qry_agg_find(name, &legacy) != NULL;
    if (filter && !agg)
        return qp_fail(c, loc, "FILTER applies to aggregations only, not %.60s", raw);
    qry_op op = agg ? QE_AGG : strcmp(name, "regexplike") == 0 ? QE_REGEXP : QE_CALL;
    int n = star ? 1 : cJSON_GetArraySize(args);
    qry_expr *e = qp_call(c, op, name, loc, (uint32_t)n);
    e->distinct = distinct && strcmp(name, raw) != 0;
    *out = e;
    if (star)
        e->args[0] = qp_new(c, QE_STAR, loc);
    else if (qp_args(c, args, e->args) != 0)
        return -1;
    if (filter && qp_expr(c, filter, &e->filter) != 0)
        return -1;
    return c->q->flavour == QRY_PGWIRE ? qp_pg_func(c, out) : 0;
}

/* CASE [x] WHEN a THEN b ... [ELSE z] END -> case(c1, v1, ..., else); a
 * simple CASE compares x = a; a missing ELSE is NULL. */
static int qp_case(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const cJSON *whens = qp_get(f, "args"), *w, *arg = qp_get(f, "arg");
    const cJSON *dflt = qp_get(f, "defresult");
    int n = cJSON_GetArraySize(whens), loc = qp_loc(f);
    if (n < 1)
        return qp_fail(c, loc, "unreadable CASE");
    qry_expr *e = qp_call(c, QE_CALL, "case", loc, 2 * (uint32_t)n + 1);
    *out = e;
    uint32_t k = 0;
    cJSON_ArrayForEach(w, whens) {
        const char *type;
        const cJSON *cw = qp_node(w, &type);
        if (!cw || strcmp(type, "CaseWhen") != 0)
            return qp_fail(c, loc, "unreadable CASE");
        qry_expr *cond;
        if (qp_expr(c, qp_get(cw, "expr"), &cond) != 0)
            return -1;
        if (arg) {
            qry_expr *eq = qp_call(c, QE_CMP, NULL, qp_loc(cw), 2);
            eq->cmp = QC_EQ;
            if (qp_expr(c, arg, &eq->args[0]) != 0)
                return -1;
            eq->args[1] = cond;
            cond = eq;
        }
        e->args[k++] = cond;
        if (qp_expr(c, qp_get(cw, "result"), &e->args[k++]) != 0)
            return -1;
    }
    if (!dflt) {
        e->args[k] = qp_null(c, loc);
        return 0;
    }
    return qp_expr(c, dflt, &e->args[k]);
}

/* CAST(x AS T) and x::T -> cast(x, 'T'), T as written, upper case. */
static int qp_cast(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const cJSON *tn = qp_get(f, "typeName");
    int loc = qp_loc(f);
    if (!tn)
        return qp_fail(c, loc, "unreadable CAST");
    if (qp_get(tn, "arrayBounds"))
        return qp_unsupported(c, "CAST to an array type", qp_loc(tn));
    int rc = c->q->flavour == QRY_PGWIRE ? qp_pg_cast(c, f, out) : 1;
    if (rc != 1)
        return rc;
    const char *type = qp_written_type(c, qp_loc(tn), qp_last_name(qp_get(tn, "names")));
    qry_expr *e = qp_call(c, QE_CALL, "cast", loc, 2);
    *out = e;
    e->args[1] = qp_string(c, type, strlen(type), qp_loc(tn));
    return qp_expr(c, qp_get(f, "arg"), &e->args[0]);
}

/* COALESCE, GREATEST, LEAST: plain functions of their arguments. */
static int qp_varargs(qp_ctx *c, const char *name, const cJSON *f, qry_expr **out)
{
    const cJSON *args = qp_get(f, "args");
    qry_expr *e = qp_call(c, QE_CALL, name, qp_loc(f),
                          (uint32_t)cJSON_GetArraySize(args));
    *out = e;
    return qp_args(c, args, e->args);
}

static int qp_sqlvalue(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const char *op = qp_str(f, "op");
    if (op && (strncmp(op, "SVFOP_CURRENT_TIMESTAMP", 23) == 0 ||
               strncmp(op, "SVFOP_LOCALTIMESTAMP", 20) == 0)) {
        *out = qp_call(c, QE_CALL, "now", qp_loc(f), 0);
        return 0;
    }
    return qp_unsupported(c, op ? op + 6 : "this SQL value function", qp_loc(f));
}

/* ---- dispatch ------------------------------------------------------------------- */

static const struct {
    const char *type;
    const char *what;
} qp_refused_nodes[] = {
    { "SubLink", "a subquery" },        { "ParamRef", "a parameter ($n)" },
    { "A_ArrayExpr", "ARRAY[...]" },    { "RowExpr", "ROW(...)" },
    { "BooleanTest", "IS TRUE/FALSE/UNKNOWN" },
    { "CollateClause", "COLLATE" },     { "GroupingFunc", "GROUPING()" },
    { "A_Indirection", "subscripts or field selection" },
    { "XmlExpr", "XML functions" },     { "XmlSerialize", "XML functions" },
    { "MultiAssignRef", "row assignment" },
};

static int qp_dispatch(qp_ctx *c, const char *type, const cJSON *f, qry_expr **out)
{
    if (strcmp(type, "ColumnRef") == 0)
        return qp_column(c, f, out);
    if (strcmp(type, "A_Const") == 0)
        return qp_const(c, f, out);
    if (strcmp(type, "A_Expr") == 0)
        return qp_aexpr(c, f, out);
    if (strcmp(type, "BoolExpr") == 0)
        return qp_boolexpr(c, f, out);
    if (strcmp(type, "NullTest") == 0)
        return qp_nulltest(c, f, out);
    if (strcmp(type, "FuncCall") == 0)
        return qp_func(c, f, out);
    if (strcmp(type, "CaseExpr") == 0)
        return qp_case(c, f, out);
    if (strcmp(type, "TypeCast") == 0)
        return qp_cast(c, f, out);
    if (strcmp(type, "CoalesceExpr") == 0)
        return qp_varargs(c, "coalesce", f, out);
    if (strcmp(type, "MinMaxExpr") == 0) {
        const char *op = qp_str(f, "op");
        return qp_varargs(c, op && strcmp(op, "IS_LEAST") == 0 ? "least" : "greatest",
                          f, out);
    }
    if (strcmp(type, "SQLValueFunction") == 0)
        return qp_sqlvalue(c, f, out);
    for (size_t i = 0; i < TN_ARRAY_LEN(qp_refused_nodes); i++)
        if (strcmp(type, qp_refused_nodes[i].type) == 0)
            return qp_unsupported(c, qp_refused_nodes[i].what, qp_first_loc(f));
    return qp_unsupported(c, type, qp_first_loc(f));
}

int qp_expr(qp_ctx *c, const cJSON *node, qry_expr **out)
{
    const char *type;
    const cJSON *f = qp_node(node, &type);
    *out = NULL;
    if (!f)
        return qp_fail(c, -1, "unreadable expression");
    if (c->depth >= QP_MAX_DEPTH)
        return qp_fail(c, qp_first_loc(f), "expression nested more than %d deep",
                       QP_MAX_DEPTH);
    c->depth++;
    int rc = qp_dispatch(c, type, f, out);
    c->depth--;
    return rc;
}
