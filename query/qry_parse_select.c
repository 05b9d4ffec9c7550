/*
 * qry_parse_select.c: the clauses of PostgreSQL's SelectStmt into a
 * qry_query: the select list (with aliases as written), the one table of
 * FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT and OFFSET. A subquery
 * in FROM that only projects and filters one table (a BI tool's "Custom
 * SQL" wrapper) is flattened into the one query: the outer names resolve
 * to the inner expressions and the inner WHERE is ANDed in. Everything a
 * single-stage Pinot query cannot hold (set operations, WITH, joins, other
 * subqueries, grouping sets, ...) is refused here, naming the construct.
 */
#include "qry_parse_int.h"

#include <string.h>
#include <strings.h>

/* Clauses of a SelectStmt that single-table Pinot SQL has no use for. */
static int qp_refuse(qp_ctx *c, const cJSON *s)
{
    const char *op = qp_str(s, "op");
    if (op && strcmp(op, "SETOP_NONE") != 0 && strncmp(op, "SETOP_", 6) == 0)
        return qp_unsupported(c, op + 6, qp_first_loc(qp_get(s, "rarg")));
    static const char *const clauses[][2] = {
        { "withClause", "WITH" },           { "intoClause", "SELECT INTO" },
        { "valuesLists", "VALUES" },        { "lockingClause", "FOR UPDATE/SHARE" },
        { "windowClause", "WINDOW" },
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(clauses); i++) {
        const cJSON *v = qp_get(s, clauses[i][0]);
        if (v)
            return qp_unsupported(c, clauses[i][1], qp_first_loc(v));
    }
    const char *lim = qp_str(s, "limitOption");
    if (lim && strcmp(lim, "LIMIT_OPTION_WITH_TIES") == 0)
        return qp_unsupported(c, "FETCH ... WITH TIES",
                              qp_first_loc(qp_get(s, "limitCount")));
    if (qp_bool(s, "groupDistinct"))
        return qp_unsupported(c, "GROUP BY DISTINCT",
                              qp_first_loc(qp_get(s, "groupClause")));
    return 0;
}

/* DISTINCT is [{}]; DISTINCT ON (...) lists expressions. */
static int qp_distinct(qp_ctx *c, const cJSON *s)
{
    const cJSON *d = qp_get(s, "distinctClause");
    if (!d)
        return 0;
    const cJSON *first = cJSON_GetArrayItem(d, 0);
    if (cJSON_GetArraySize(d) != 1 || !cJSON_IsObject(first) || first->child)
        return qp_unsupported(c, "DISTINCT ON", qp_first_loc(d));
    c->q->distinct = true;
    return 0;
}

static int qp_from(qp_ctx *c, const cJSON *s);
static int qp_items(qp_ctx *c, const cJSON *list, qry_select_item **out, uint32_t *n);

/* Whether e holds an aggregation anywhere. */
static bool qp_has_agg(const qry_expr *e)
{
    if (!e)
        return false;
    if (e->op == QE_AGG)
        return true;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (qp_has_agg(e->args[i]))
            return true;
    return false;
}

/* What a subquery in FROM may hold to be flattened. */
static int qp_sub_refuse(qp_ctx *c, const cJSON *sub, int loc)
{
    if (qp_refuse(c, sub) != 0)
        return -1;
    static const char *const clauses[][2] = {
        { "distinctClause", "DISTINCT in a subquery in FROM" },
        { "groupClause", "GROUP BY in a subquery in FROM" },
        { "havingClause", "HAVING in a subquery in FROM" },
        { "limitCount", "LIMIT in a subquery in FROM" },
        { "limitOffset", "OFFSET in a subquery in FROM" },
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(clauses); i++) {
        const cJSON *v = qp_get(sub, clauses[i][0]);
        if (v) {
            int at = qp_first_loc(v);
            return qp_unsupported(c, clauses[i][1], at >= 0 ? at : loc);
        }
    }
    if (!qp_get(sub, "fromClause"))
        return qp_unsupported(c, "a subquery in FROM without a table", loc);
    return 0;
}

/* PostgreSQL refuses a subquery naming a column that does not exist even
 * when the outer query never uses it: every item is kept (a copy) for the
 * binder to check. */
static void qp_add_checks(qp_ctx *c, const qp_scope *sc)
{
    qry_query *q = c->q;
    qry_expr **all = qry_alloc(&q->arena, (q->nchecks + sc->n + 1) * sizeof *all);
    if (q->nchecks)
        memcpy(all, q->checks, q->nchecks * sizeof *all);
    for (uint32_t i = 0; i < sc->n; i++)
        if (sc->items[i].expr)
            all[q->nchecks++] = qp_copy(c, sc->items[i].expr);
    q->checks = all;
}

/* (SELECT items FROM t WHERE w) alias: parsed in the scope of its own FROM
 * (which may be a subquery again), then made the scope of the outer query.
 * ORDER BY inside is dropped: without LIMIT it orders nothing outside. */
static int qp_subselect(qp_ctx *c, const cJSON *f)
{
    int loc = qp_first_loc(f);
    if (qp_bool(f, "lateral"))
        return qp_unsupported(c, "LATERAL", loc);
    const char *type;
    const cJSON *sub = qp_node(qp_get(f, "subquery"), &type);
    if (!sub || strcmp(type, "SelectStmt") != 0)
        return qp_fail(c, loc, "unreadable subquery in FROM");
    if (qp_sub_refuse(c, sub, loc) != 0 || qp_from(c, sub) != 0)
        return -1;
    qp_scope *sc = qry_alloc(&c->q->arena, sizeof *sc);
    const cJSON *alias = qp_get(f, "alias");
    sc->alias = alias ? qp_str(alias, "aliasname") : NULL;
    qry_select_item *items;
    if (qp_items(c, qp_get(sub, "targetList"), &items, &sc->n) != 0)
        return -1;
    sc->items = qry_alloc(&c->q->arena, (sc->n + 1) * sizeof *sc->items);
    for (uint32_t i = 0; i < sc->n; i++) {
        if (items[i].expr->op == QE_STAR) {
            sc->star = true;
            continue;
        }
        if (qp_has_agg(items[i].expr))
            return qp_unsupported(c, "an aggregation in a subquery in FROM",
                                  items[i].expr->position);
        sc->items[i].name = items[i].alias ? items[i].alias : items[i].name;
        sc->items[i].expr = items[i].expr;
    }
    qp_add_checks(c, sc);
    const cJSON *where = qp_get(sub, "whereClause");
    qry_expr *w;
    if (where) {
        if (qp_expr(c, where, &w) != 0)
            return -1;
        if (c->inner_where) {
            qry_expr *and = qp_new(c, QE_AND, w->position);
            and->nargs = 2;
            and->args = qry_alloc(&c->q->arena, 2 * sizeof *and->args);
            and->args[0] = c->inner_where;
            and->args[1] = w;
            w = and;
        }
        c->inner_where = w;
    }
    c->scope = sc;
    return 0;
}

static int qp_from(qp_ctx *c, const cJSON *s)
{
    const cJSON *from = qp_get(s, "fromClause");
    int n = cJSON_GetArraySize(from);
    if (n == 0)
        return qp_fail(c, -1, "a FROM clause naming the table is required");
    if (n > 1)
        return qp_unsupported(c, "JOIN (several tables in FROM)",
                              qp_first_loc(cJSON_GetArrayItem(from, 1)));
    const char *type;
    const cJSON *f = qp_node(cJSON_GetArrayItem(from, 0), &type);
    if (!f)
        return qp_fail(c, -1, "unreadable FROM clause");
    if (strcmp(type, "JoinExpr") == 0)
        return qp_unsupported(c, "JOIN", qp_first_loc(qp_get(f, "rarg")));
    if (strcmp(type, "RangeSubselect") == 0)
        return qp_subselect(c, f);
    if (strcmp(type, "RangeVar") != 0)
        return qp_unsupported(c, "this kind of FROM item", qp_first_loc(f));
    const char *parts[3];
    int nparts = 0;
    if (qp_str(f, "catalogname"))
        parts[nparts++] = qp_str(f, "catalogname");
    if (qp_str(f, "schemaname"))
        parts[nparts++] = qp_str(f, "schemaname");
    parts[nparts++] = qp_str(f, "relname") ? qp_str(f, "relname") : "";
    c->q->table = qp_written_ident(c, qp_loc(f), parts, nparts);
    return 0;
}

/* `*` or `t.*` in the select list. */
static bool qp_is_star(const cJSON *val)
{
    const char *type;
    const cJSON *f = qp_node(val, &type);
    if (!f || strcmp(type, "ColumnRef") != 0)
        return false;
    const cJSON *fields = qp_get(f, "fields");
    const cJSON *last = cJSON_GetArrayItem(fields, cJSON_GetArraySize(fields) - 1);
    const char *ltype;
    return qp_node(last, &ltype) && strcmp(ltype, "A_Star") == 0;
}

/* The name a bare column reference gives its result column (as written). */
static const char *qp_colref_name(qp_ctx *c, const cJSON *val)
{
    const char *type;
    const cJSON *f = qp_node(val, &type), *item;
    if (!f || strcmp(type, "ColumnRef") != 0)
        return NULL;
    const cJSON *fields = qp_get(f, "fields");
    const char *svals[4];
    int n = 0;
    cJSON_ArrayForEach(item, fields) {
        if (n == 4 || !qp_node(item, &type) || strcmp(type, "String") != 0)
            return NULL;
        svals[n++] = qp_sval(item);
    }
    return n ? qp_written_ident(c, qp_loc(f), svals, n) : NULL;
}

/* A select list into *out; item names are aliases or column names. */
static int qp_items(qp_ctx *c, const cJSON *list, qry_select_item **out, uint32_t *count)
{
    int n = cJSON_GetArraySize(list);
    if (n == 0)
        return qp_fail(c, -1, "the select list is empty");
    qry_select_item *items = qry_alloc(&c->q->arena, (size_t)n * sizeof *items);
    *out = items;
    *count = (uint32_t)n;
    for (int i = 0; i < n; i++) {
        const char *type;
        const cJSON *f = qp_node(cJSON_GetArrayItem(list, i), &type);
        if (!f || strcmp(type, "ResTarget") != 0)
            return qp_fail(c, -1, "unreadable select list");
        const cJSON *val = qp_get(f, "val");
        int loc = qp_loc(f);
        qry_select_item *it = &items[i];
        if (qp_is_star(val))
            it->expr = qp_new(c, QE_STAR, loc);
        else if (qp_expr(c, val, &it->expr) != 0)
            return -1;
        it->name = qp_colref_name(c, val);
        const char *alias = qp_str(f, "name");
        if (alias) {
            const cJSON *next = cJSON_GetArrayItem(list, i + 1);
            int end = next ? qp_loc(qp_node(next, &type)) : -1;
            it->alias = qp_written_alias(c, loc, end, alias);
        } else if (c->scope && it->name) {
            /* a subquery's column keeps its name, not its expression's */
            it->alias = it->name;
        }
        if (c->q->flavour == QRY_PGWIRE && qp_pg_is_date(it->expr))
            it->pg_type = "pg:1082";
    }
    return 0;
}

/* SELECT * over a flattened subquery: its select list, by name. */
static void qp_expand_scope_star(qp_ctx *c)
{
    qry_query *q = c->q;
    const qp_scope *sc = c->scope;
    uint32_t n = 0;
    for (uint32_t i = 0; i < q->nselect; i++)
        n += q->select[i].expr->op == QE_STAR ? sc->n : 1;
    qry_select_item *items = qry_alloc(&q->arena, (size_t)n * sizeof *items);
    uint32_t k = 0;
    for (uint32_t i = 0; i < q->nselect; i++) {
        if (q->select[i].expr->op != QE_STAR) {
            items[k++] = q->select[i];
            continue;
        }
        for (uint32_t j = 0; j < sc->n; j++) {
            qry_select_item *it = &items[k++];
            it->expr = qp_copy(c, sc->items[j].expr);
            it->alias = sc->items[j].name;
            if (c->q->flavour == QRY_PGWIRE && qp_pg_is_date(it->expr))
                it->pg_type = "pg:1082";
        }
    }
    q->select = items;
    q->nselect = n;
}

static int qp_targets(qp_ctx *c, const cJSON *s)
{
    qry_query *q = c->q;
    q->select = NULL;
    q->nselect = 0;
    qry_select_item *items;
    uint32_t n;
    if (qp_items(c, qp_get(s, "targetList"), &items, &n) != 0)
        return -1;
    q->select = items;
    q->nselect = n;
    for (uint32_t i = 0; i < n; i++) {
        items[i].name = NULL;  /* bind names the result columns */
        if (items[i].expr->op == QE_STAR)
            q->select_star = true;
    }
    if (q->select_star && c->scope && !c->scope->star) {
        qp_expand_scope_star(c);
        q->select_star = false;
    }
    return 0;
}

static int qp_group_by(qp_ctx *c, const cJSON *s)
{
    const cJSON *list = qp_get(s, "groupClause"), *item;
    int n = cJSON_GetArraySize(list);
    if (n == 0)
        return 0;
    qry_query *q = c->q;
    q->group_by = qry_alloc(&q->arena, (size_t)n * sizeof *q->group_by);
    cJSON_ArrayForEach(item, list) {
        const char *type;
        const cJSON *f = qp_node(item, &type);
        if (f && strcmp(type, "GroupingSet") == 0) {
            const char *kind = qp_str(f, "kind");
            const char *what = !kind ? "GROUPING SETS"
                               : strstr(kind, "ROLLUP") ? "ROLLUP"
                               : strstr(kind, "CUBE")   ? "CUBE"
                               : strstr(kind, "EMPTY")  ? "GROUP BY ()"
                                                        : "GROUPING SETS";
            return qp_unsupported(c, what, qp_loc(f));
        }
        if (qp_expr(c, item, &q->group_by[q->ngroup]) != 0)
            return -1;
        q->ngroup++;
    }
    return 0;
}

static int qp_order_by(qp_ctx *c, const cJSON *s)
{
    const cJSON *list = qp_get(s, "sortClause"), *item;
    int n = cJSON_GetArraySize(list);
    if (n == 0)
        return 0;
    qry_query *q = c->q;
    q->order_by = qry_alloc(&q->arena, (size_t)n * sizeof *q->order_by);
    cJSON_ArrayForEach(item, list) {
        const char *type;
        const cJSON *f = qp_node(item, &type);
        if (!f || strcmp(type, "SortBy") != 0)
            return qp_fail(c, -1, "unreadable ORDER BY clause");
        const char *dir = qp_str(f, "sortby_dir");
        if (dir && strcmp(dir, "SORTBY_USING") == 0)
            return qp_unsupported(c, "ORDER BY ... USING", qp_loc(f));
        qry_order_item *o = &q->order_by[q->norder];
        /* NULLS FIRST/LAST are accepted and left to the default order */
        o->desc = dir && strcmp(dir, "SORTBY_DESC") == 0;
        o->select_ref = -1;
        if (qp_expr(c, qp_get(f, "node"), &o->expr) != 0)
            return -1;
        q->norder++;
    }
    return 0;
}

/* LIMIT n / OFFSET m: integer literals; LIMIT ALL (a NULL) is no limit. */
static int qp_count(qp_ctx *c, const cJSON *node, const char *what, int64_t *out)
{
    if (!node)
        return 0;
    qry_expr *e;
    if (qp_expr(c, node, &e) != 0)
        return -1;
    if (e->op == QE_LITERAL && e->lit.kind == QV_NULL)
        return 0;
    if (e->op != QE_LITERAL || e->lit.kind != QV_LONG || e->lit.type != SEG_LONG)
        return qp_fail(c, e->position, "%s needs an integer", what);
    if (e->lit.i < 0)
        return qp_fail(c, e->position, "%s must not be negative", what);
    *out = e->lit.i;
    return 0;
}

int qp_select(qp_ctx *c, const cJSON *s)
{
    qry_query *q = c->q;
    if (qp_refuse(c, s) != 0 || qp_distinct(c, s) != 0 || qp_from(c, s) != 0 ||
        qp_targets(c, s) != 0)
        return -1;
    const cJSON *where = qp_get(s, "whereClause");
    if (where && qp_expr(c, where, &q->where) != 0)
        return -1;
    if (c->inner_where && q->where) {
        qry_expr *and = qp_new(c, QE_AND, q->where->position);
        and->nargs = 2;
        and->args = qry_alloc(&q->arena, 2 * sizeof *and->args);
        and->args[0] = c->inner_where;
        and->args[1] = q->where;
        q->where = and;
    } else if (c->inner_where) {
        q->where = c->inner_where;
    }
    if (qp_group_by(c, s) != 0)
        return -1;
    const cJSON *having = qp_get(s, "havingClause");
    if (having && qp_expr(c, having, &q->having) != 0)
        return -1;
    if (qp_order_by(c, s) != 0)
        return -1;
    if (qp_count(c, qp_get(s, "limitCount"), "LIMIT", &q->limit) != 0 ||
        qp_count(c, qp_get(s, "limitOffset"), "OFFSET", &q->offset) != 0)
        return -1;
    return 0;
}
