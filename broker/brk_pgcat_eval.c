/*
 * brk_pgcat_eval.c: SELECT over catalog relations: FROM lists and joins
 * (nested loops: catalog relations have thousands of rows at most),
 * WHERE, GROUP BY with aggregates and HAVING, window ranks, the select
 * list with *, DISTINCT, UNION [ALL], ORDER BY (names, ordinals,
 * expressions), LIMIT/OFFSET, non-recursive WITH queries (evaluated once,
 * in order), VALUES lists with PostgreSQL's column typing, and
 * INNER/LEFT/RIGHT/FULL joins with ON, USING or NATURAL. Subqueries see the
 * enclosing query's row through the scope chain, so correlated ones are
 * simply evaluated again per row.
 */
#include "brk_pgcat_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_pg_proto.h"

#define PC_MAX_DEPTH 32
#define PC_MAX_ROWS 1000000
/* Row pairs a join may compare: the nested loop's work, bounded before it
 * starts so that a cross join of catalogs cannot hold a worker for minutes. */
#define PC_MAX_PAIRS 20000000ull

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const cJSON *body(const cJSON *n, const char **kind)
{
    *kind = n && n->child ? n->child->string : "";
    return n ? n->child : NULL;
}

static bool truthy(const pv *v)
{
    return (v->k == PV_BOOL || v->k == PV_INT) && v->i;
}

/* ---- FROM ------------------------------------------------------------------ */

static pc_rel *requalify(pc_ctx *c, const pc_rel *r, const char *qual)
{
    pc_rel *o = pc_rel_new(c->a, r->ncols);
    memcpy(o->cols, r->cols, r->ncols * sizeof *o->cols);
    memcpy(o->types, r->types, r->ncols * sizeof *o->types);
    for (uint32_t i = 0; i < r->ncols; i++)
        o->qual[i] = qual;
    o->hidden = r->hidden;
    o->nrows = o->cap = r->nrows;
    o->cells = r->cells; /* shared: relations are never modified once built */
    return o;
}

static int range_var(pc_ctx *c, const cJSON *n, pc_rel **out)
{
    const char *schema = pc_str(n, "schemaname"), *name = pc_str(n, "relname");
    const cJSON *alias = item(n, "alias");
    for (const pc_cte *w = c->ctes; w && !schema; w = w->next)
        if (!strcmp(w->name, name)) {
            *out = requalify(c, w->rel, alias ? pc_str(alias, "aliasname") : name);
            return 0;
        }
    const pc_named *r = NULL;
    if (!schema || !strcmp(schema, "pg_catalog") || !strcmp(schema, "information_schema"))
        r = pc_find_rel(c, schema, name);
    if (!r) {
        bool tannin = false;
        const brk_pgcat_tables *ts = c->env->tables;
        for (uint32_t i = 0; ts && i < ts->n && !tannin; i++)
            tannin = !strcmp(ts->t[i].name, name);
        if (tannin)
            return pc_fail(c, n, "0A000", "a query cannot join Tannin table \"%s\" with the "
                                          "PostgreSQL catalog", name);
        return pc_fail(c, n, "42P01", "relation \"%s%s%s\" does not exist", schema ? schema : "",
                       schema ? "." : "", name);
    }
    const char *qual = alias ? pc_str(alias, "aliasname") : name;
    *out = requalify(c, r->rel, qual);
    return 0;
}

static int from_item(pc_ctx *c, const cJSON *node, const pc_scope *outer, pc_rel **out);

static int range_subselect(pc_ctx *c, const cJSON *n, const pc_scope *outer, pc_rel **out)
{
    pc_rel *r;
    if (pc_select(c, item(n, "subquery"), outer, &r))
        return -1;
    const cJSON *alias = item(n, "alias");
    pc_rel *o = requalify(c, r, alias ? pc_str(alias, "aliasname") : NULL);
    const cJSON *cn;
    uint32_t i = 0;
    cJSON_ArrayForEach(cn, item(alias, "colnames"))
    {
        const char *name = pc_str(item(cn, "String"), "sval");
        if (i < o->ncols && name)
            o->cols[i] = name;
        i++;
    }
    *out = o;
    return 0;
}

/* A row of l and a row of r side by side (r NULL: NULLs). */
static void concat_row(pc_ctx *c, pc_rel *o, const pc_rel *l, uint32_t lr, const pc_rel *r,
                       int64_t rr)
{
    pv *row = pc_rel_add(c->a, o);
    memcpy(row, l->cells + (size_t)lr * l->ncols, l->ncols * sizeof *row);
    if (rr >= 0)
        memcpy(row + l->ncols, r->cells + (size_t)rr * r->ncols, r->ncols * sizeof *row);
}

/* l's columns then r's (after nmerged leading columns left to the caller). */
static pc_rel *joined_shape_n(pc_ctx *c, const pc_rel *l, const pc_rel *r, uint32_t nmerged,
                              bool **hidden_out)
{
    pc_rel *o = pc_rel_new(c->a, nmerged + l->ncols + r->ncols);
    bool *hidden = NULL;
    if (nmerged || l->hidden || r->hidden)
        o->hidden = hidden = qry_alloc(c->a, o->ncols + 1);
    for (uint32_t i = 0; i < l->ncols; i++) {
        o->qual[nmerged + i] = l->qual[i];
        o->cols[nmerged + i] = l->cols[i];
        o->types[nmerged + i] = l->types[i];
        if (l->hidden)
            hidden[nmerged + i] = l->hidden[i];
    }
    for (uint32_t i = 0; i < r->ncols; i++) {
        uint32_t k = nmerged + l->ncols + i;
        o->qual[k] = r->qual[i];
        o->cols[k] = r->cols[i];
        o->types[k] = r->types[i];
        if (r->hidden)
            hidden[k] = r->hidden[i];
    }
    if (hidden_out)
        *hidden_out = hidden;
    return o;
}

static pc_rel *joined_shape(pc_ctx *c, const pc_rel *l, const pc_rel *r)
{
    return joined_shape_n(c, l, r, 0, NULL);
}

/* The columns a join matches on: USING's list, or for NATURAL every name
 * both sides have (visible ones, each once). */
typedef struct join_keys {
    uint32_t n;
    const char **names;
    int *li, *ri;
} join_keys;

static int visible_col(const pc_rel *r, const char *name)
{
    for (uint32_t i = 0; i < r->ncols; i++)
        if (!strcmp(r->cols[i], name) && !(r->hidden && r->hidden[i]))
            return (int)i;
    return -1;
}

static int join_keys_of(pc_ctx *c, const cJSON *j, const pc_rel *l, const pc_rel *r,
                        join_keys *k)
{
    const cJSON *using = item(j, "usingClause");
    uint32_t cap = (uint32_t)cJSON_GetArraySize(using) + l->ncols + 1;
    k->names = qry_alloc(c->a, cap * sizeof *k->names);
    k->li = qry_alloc(c->a, cap * sizeof *k->li);
    k->ri = qry_alloc(c->a, cap * sizeof *k->ri);
    k->n = 0;
    const cJSON *at = item(item(j, "rarg"), "RangeVar");
    if (cJSON_IsTrue(item(j, "isNatural"))) {
        for (uint32_t i = 0; i < l->ncols; i++) {
            const char *name = l->cols[i];
            int li = visible_col(l, name), ri = visible_col(r, name);
            bool seen = false;
            for (uint32_t m = 0; m < k->n && !seen; m++)
                seen = !strcmp(k->names[m], name);
            if (li != (int)i || ri < 0 || seen)
                continue;
            k->names[k->n] = name;
            k->li[k->n] = li;
            k->ri[k->n++] = ri;
        }
        return 0;
    }
    const cJSON *u;
    cJSON_ArrayForEach(u, using)
    {
        const char *name = pc_str(item(u, "String"), "sval");
        if (!name)
            continue;
        for (uint32_t m = 0; m < k->n; m++)
            if (!strcmp(k->names[m], name))
                return pc_fail(c, at, "42701", "column name \"%s\" appears more than once in "
                                               "USING clause", name);
        int li = visible_col(l, name), ri = visible_col(r, name);
        if (li < 0 || ri < 0)
            return pc_fail(c, at, "42703", "column \"%s\" specified in USING clause does not "
                                           "exist in %s table", name, li < 0 ? "left" : "right");
        k->names[k->n] = name;
        k->li[k->n] = li;
        k->ri[k->n++] = ri;
    }
    return 0;
}

/* Whether rows lr and rr match the join's keys (USING/NATURAL) or ON. */
static int join_match(pc_ctx *c, const cJSON *j, const join_keys *k, const pc_rel *l,
                      uint32_t lr, const pc_rel *r, uint32_t rr, const pc_scope *outer, bool *ok)
{
    *ok = true;
    for (uint32_t m = 0; m < k->n; m++) {
        const pv *x = &l->cells[(size_t)lr * l->ncols + k->li[m]];
        const pv *y = &r->cells[(size_t)rr * r->ncols + k->ri[m]];
        if (x->k == PV_NULL || y->k == PV_NULL || !pv_equal(c, x, y)) {
            *ok = false;
            return c->failed ? -1 : 0;
        }
    }
    const cJSON *quals = item(j, "quals");
    if (!quals)
        return c->failed ? -1 : 0;
    pc_scope rs = {.rel = r, .row = rr, .next = outer};
    pc_scope ls = {.rel = l, .row = lr, .next = &rs};
    pv v;
    if (pc_eval(c, quals, &ls, &v))
        return -1;
    *ok = truthy(&v);
    return 0;
}

/* One output row: the merged key columns (the non-NULL side's value, as
 * COALESCE(l.k, r.k)), then l's row (lr < 0: NULLs), then r's. */
static void join_row(pc_ctx *c, pc_rel *o, const join_keys *k, const pc_rel *l, int64_t lr,
                     const pc_rel *r, int64_t rr)
{
    pv *row = pc_rel_add(c->a, o);
    const pv *lrow = lr >= 0 ? l->cells + (size_t)lr * l->ncols : NULL;
    const pv *rrow = rr >= 0 ? r->cells + (size_t)rr * r->ncols : NULL;
    for (uint32_t m = 0; m < k->n; m++) {
        const pv *x = lrow ? &lrow[k->li[m]] : NULL;
        row[m] = x && x->k != PV_NULL ? *x : rrow ? rrow[k->ri[m]] : pv_null();
    }
    if (lrow)
        memcpy(row + k->n, lrow, l->ncols * sizeof *row);
    if (rrow)
        memcpy(row + k->n + l->ncols, rrow, r->ncols * sizeof *row);
}

/* [INNER | LEFT | RIGHT | FULL] JOIN with ON, USING or NATURAL: nested
 * loops over l, remembering which rows of r matched so a RIGHT or FULL
 * join can add the others null-extended after them. */
static int join_expr(pc_ctx *c, const cJSON *j, const pc_scope *outer, pc_rel **out)
{
    const char *type = pc_str(j, "jointype");
    pc_rel *l, *r;
    if (from_item(c, item(j, "larg"), outer, &l) || from_item(c, item(j, "rarg"), outer, &r))
        return -1;
    bool left = !strcmp(type, "JOIN_LEFT"), right = !strcmp(type, "JOIN_RIGHT");
    bool full = !strcmp(type, "JOIN_FULL");
    if (!left && !right && !full && strcmp(type, "JOIN_INNER"))
        return pc_fail(c, j, "0A000", "%s is not supported in catalog queries", type);
    if (item(j, "alias"))
        return pc_fail(c, item(j, "alias"), "0A000", "an alias on a JOIN is not supported in "
                                                      "catalog queries");
    join_keys k;
    if (join_keys_of(c, j, l, r, &k))
        return -1;
    bool *hidden;
    pc_rel *o = joined_shape_n(c, l, r, k.n, &hidden);
    for (uint32_t m = 0; m < k.n; m++) {
        o->qual[m] = NULL; /* the merged column answers to no side's name */
        o->cols[m] = k.names[m];
        o->types[m] = l->types[k.li[m]];
        hidden[k.n + k.li[m]] = true;
        hidden[k.n + l->ncols + k.ri[m]] = true;
    }
    if ((uint64_t)l->nrows * r->nrows > PC_MAX_PAIRS)
        return pc_fail(c, item(item(j, "rarg"), "RangeVar"), "54000",
                       "catalog join too large (%u x %u rows)", l->nrows, r->nrows);
    bool *rmatched = qry_alloc(c->a, r->nrows + 1);
    for (uint32_t i = 0; i < l->nrows; i++) {
        bool any = false;
        for (uint32_t q = 0; q < r->nrows; q++) {
            bool ok;
            if (join_match(c, j, &k, l, i, r, q, outer, &ok))
                return -1;
            if (ok) {
                join_row(c, o, &k, l, i, r, q);
                any = rmatched[q] = true;
            }
            if (o->nrows > PC_MAX_ROWS)
                return pc_fail(c, item(item(j, "rarg"), "RangeVar"), "54000",
                               "catalog join too large");
        }
        if (!any && (left || full))
            join_row(c, o, &k, l, i, r, -1);
    }
    for (uint32_t q = 0; (right || full) && q < r->nrows; q++)
        if (!rmatched[q])
            join_row(c, o, &k, l, -1, r, q);
    *out = o;
    return 0;
}

/* generate_series(a, b [, step]) in FROM, the only set-returning function
 * clients use on the catalog (pgJDBC's type cache, psql's \d+). */
static int range_function(pc_ctx *c, const cJSON *n, const pc_scope *outer, pc_rel **out)
{
    const cJSON *fns = item(n, "functions");
    const cJSON *call = cJSON_GetArrayItem(item(item(cJSON_GetArrayItem(fns, 0), "List"), "items"), 0);
    const cJSON *fc = item(call, "FuncCall");
    const char *f = fc ? pc_last_name(item(fc, "funcname")) : "";
    if (cJSON_GetArraySize(fns) != 1 || strcmp(f, "generate_series") || item(n, "lateral"))
        return pc_fail(c, n, "0A000", "function %s in FROM is not supported in catalog queries",
                       *f ? f : "call");
    pv a[3] = {pv_null(), pv_null(), pv_int(1, BRK_PG_INT4)};
    const cJSON *e;
    uint32_t k = 0;
    cJSON_ArrayForEach(e, item(fc, "args"))
    {
        if (k == 3 || pc_eval(c, e, outer, &a[k++]))
            return c->failed ? -1 : pc_fail(c, fc, "42883", "generate_series takes 2 or 3 "
                                                            "arguments");
    }
    const cJSON *alias = item(n, "alias");
    const char *col = pc_str(item(cJSON_GetArrayItem(item(alias, "colnames"), 0), "String"),
                             "sval");
    pc_rel *r = pc_rel_new(c->a, 1);
    r->cols[0] = col ? col : alias ? pc_str(alias, "aliasname") : "generate_series";
    r->qual[0] = alias ? pc_str(alias, "aliasname") : "generate_series";
    r->types[0] = BRK_PG_INT4;
    if (k >= 2 && a[0].k == PV_INT && a[1].k == PV_INT && a[2].k == PV_INT && a[2].i) {
        if ((a[1].i - a[0].i) / a[2].i > 100000)
            return pc_fail(c, fc, "54000", "generate_series too long for a catalog query");
        for (int64_t v = a[0].i; a[2].i > 0 ? v <= a[1].i : v >= a[1].i; v += a[2].i)
            pc_rel_add(c->a, r)[0] = pv_int(v, BRK_PG_INT4);
    }
    *out = r;
    return 0;
}

static int from_item(pc_ctx *c, const cJSON *node, const pc_scope *outer, pc_rel **out)
{
    const char *kind;
    const cJSON *n = body(node, &kind);
    if (!strcmp(kind, "RangeVar"))
        return range_var(c, n, out);
    if (!strcmp(kind, "RangeSubselect"))
        return range_subselect(c, n, outer, out);
    if (!strcmp(kind, "JoinExpr"))
        return join_expr(c, n, outer, out);
    if (!strcmp(kind, "RangeFunction"))
        return range_function(c, n, outer, out);
    return pc_fail(c, n, "0A000", "%s in FROM is not supported in catalog queries", kind);
}

static int from_clause(pc_ctx *c, const cJSON *from, const pc_scope *outer, pc_rel **out)
{
    if (!from || !cJSON_GetArraySize(from)) {
        pc_rel *one = pc_rel_new(c->a, 0);
        pc_rel_add(c->a, one);
        *out = one;
        return 0;
    }
    pc_rel *acc = NULL;
    const cJSON *f;
    cJSON_ArrayForEach(f, from)
    {
        pc_rel *r;
        if (from_item(c, f, outer, &r))
            return -1;
        if (!acc) {
            acc = r;
            continue;
        }
        if ((uint64_t)acc->nrows * r->nrows > PC_MAX_ROWS)
            return pc_fail(c, f, "54000", "catalog cross product too large (%u x %u rows)",
                           acc->nrows, r->nrows);
        pc_rel *o = joined_shape(c, acc, r);
        for (uint32_t i = 0; i < acc->nrows; i++)
            for (uint32_t k = 0; k < r->nrows; k++)
                concat_row(c, o, acc, i, r, k);
        acc = o;
    }
    *out = acc;
    return 0;
}

static int where_clause(pc_ctx *c, const cJSON *where, const pc_scope *outer, pc_rel *in,
                        pc_rel **out)
{
    if (!where) {
        *out = in;
        return 0;
    }
    pc_rel *o = requalify(c, in, NULL);
    memcpy(o->qual, in->qual, in->ncols * sizeof *o->qual);
    o->nrows = o->cap = 0;
    o->cells = NULL;
    for (uint32_t i = 0; i < in->nrows; i++) {
        pc_scope s = {.rel = in, .row = i, .next = outer};
        pv v;
        if (pc_eval(c, where, &s, &v))
            return -1;
        if (truthy(&v))
            memcpy(pc_rel_add(c->a, o), in->cells + (size_t)i * in->ncols,
                   in->ncols * sizeof(pv));
    }
    *out = o;
    return 0;
}

/* ---- sorting ------------------------------------------------------------------ */

typedef struct sort_ctx {
    pc_ctx *c;
    const pv *keys;            /* per row: nkeys values */
    uint32_t nkeys, stride;    /* compares the first nkeys of stride per row */
    const bool *desc, *nulls_first;
} sort_ctx;

static int key_cmp(const sort_ctx *sc, uint32_t x, uint32_t y)
{
    for (uint32_t k = 0; k < sc->nkeys; k++) {
        const pv *a = &sc->keys[(size_t)x * sc->stride + k];
        const pv *b = &sc->keys[(size_t)y * sc->stride + k];
        int r;
        if (a->k == PV_NULL || b->k == PV_NULL) {
            if (a->k == b->k)
                continue;
            r = (a->k == PV_NULL) == sc->nulls_first[k] ? -1 : 1;
            return r;
        }
        if (pv_cmp(sc->c, a, b, &r))
            r = 0;
        if (r)
            return sc->desc[k] ? -r : r;
    }
    return 0;
}

/* Stable merge sort of idx[0..n). */
static void merge_sort(const sort_ctx *sc, uint32_t *idx, uint32_t *tmp, uint32_t n)
{
    if (n < 2)
        return;
    uint32_t h = n / 2;
    merge_sort(sc, idx, tmp, h);
    merge_sort(sc, idx + h, tmp, n - h);
    uint32_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = key_cmp(sc, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof *idx);
}

static pc_rel *reorder(pc_ctx *c, const pc_rel *r, const uint32_t *idx, uint32_t from,
                       uint32_t to)
{
    pc_rel *o = requalify(c, r, NULL);
    memcpy(o->qual, r->qual, r->ncols * sizeof *o->qual);
    o->nrows = o->cap = 0;
    o->cells = NULL;
    for (uint32_t i = from; i < to; i++)
        memcpy(pc_rel_add(c->a, o), r->cells + (size_t)idx[i] * r->ncols,
               r->ncols * sizeof(pv));
    return o;
}

static void sort_dirs(const cJSON *sort, bool *desc, bool *nulls_first)
{
    uint32_t k = 0;
    const cJSON *sb;
    cJSON_ArrayForEach(sb, sort)
    {
        const cJSON *b = item(sb, "SortBy");
        const char *dir = pc_str(b, "sortby_dir"), *nulls = pc_str(b, "sortby_nulls");
        desc[k] = dir && !strcmp(dir, "SORTBY_DESC");
        nulls_first[k] = nulls && !strcmp(nulls, "SORTBY_NULLS_FIRST")  ? true
                         : nulls && !strcmp(nulls, "SORTBY_NULLS_LAST") ? false
                                                                        : desc[k];
        k++;
    }
}

static int sort_rows(pc_ctx *c, pc_rel *r, const pv *keys, uint32_t nkeys, const cJSON *sort,
                     uint32_t *idx)
{
    bool *desc = qry_alloc(c->a, nkeys + 1), *nf = qry_alloc(c->a, nkeys + 1);
    sort_dirs(sort, desc, nf);
    sort_ctx sc = {.c = c, .keys = keys, .nkeys = nkeys, .stride = nkeys, .desc = desc,
                   .nulls_first = nf};
    uint32_t *tmp = qry_alloc(c->a, (r->nrows + 1) * sizeof *tmp);
    for (uint32_t i = 0; i < r->nrows; i++)
        idx[i] = i;
    merge_sort(&sc, idx, tmp, r->nrows);
    return c->failed ? -1 : 0;
}

/* ---- windows ---------------------------------------------------------------- */

static void collect_windows(pc_ctx *c, const cJSON *n, pc_win **list)
{
    if (!n || cJSON_IsString(n) || cJSON_IsNumber(n) || cJSON_IsBool(n))
        return;
    if (n->string && !strcmp(n->string, "SubLink"))
        return;
    if (n->string && !strcmp(n->string, "FuncCall") && item(n, "over")) {
        pc_win *w = qry_alloc(c->a, sizeof *w);
        w->node = n;
        w->next = *list;
        *list = w;
        return;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, n)
    {
        collect_windows(c, e, list);
    }
}

/* row_number / rank / dense_rank over (PARTITION BY p ORDER BY o): sort by
 * (p, o), then number within each run of equal p. */
int pc_window_eval(pc_ctx *c, const cJSON *func, const pc_rel *rel, pv *vals,
                   const pc_scope *outer)
{
    const cJSON *over = item(func, "over");
    const cJSON *part = item(over, "partitionClause"), *ord = item(over, "orderClause");
    if (pc_str(over, "refname") || pc_str(over, "name"))
        return pc_fail(c, func, "0A000", "named windows are not supported");
    uint32_t np = (uint32_t)cJSON_GetArraySize(part), no = (uint32_t)cJSON_GetArraySize(ord);
    uint32_t nk = np + no;
    pv *keys = qry_alloc(c->a, ((size_t)rel->nrows * nk + 1) * sizeof *keys);
    for (uint32_t i = 0; i < rel->nrows; i++) {
        pc_scope s = {.rel = rel, .row = i, .next = outer};
        uint32_t k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, part)
        {
            if (pc_eval(c, e, &s, &keys[(size_t)i * nk + k++]))
                return -1;
        }
        cJSON_ArrayForEach(e, ord)
        {
            if (pc_eval(c, item(item(e, "SortBy"), "node"), &s, &keys[(size_t)i * nk + k++]))
                return -1;
        }
    }
    bool *desc = qry_alloc(c->a, nk + 1), *nf = qry_alloc(c->a, nk + 1);
    sort_dirs(ord, desc + np, nf + np);
    sort_ctx all = {.c = c, .keys = keys, .nkeys = nk, .stride = nk, .desc = desc,
                    .nulls_first = nf};
    sort_ctx pk = {.c = c, .keys = keys, .nkeys = np, .stride = nk, .desc = desc,
                   .nulls_first = nf};
    uint32_t *idx = qry_alloc(c->a, (rel->nrows + 1) * sizeof *idx);
    uint32_t *tmp = qry_alloc(c->a, (rel->nrows + 1) * sizeof *tmp);
    for (uint32_t i = 0; i < rel->nrows; i++)
        idx[i] = i;
    merge_sort(&all, idx, tmp, rel->nrows);
    const char *f = pc_last_name(item(func, "funcname"));
    int64_t num = 0, rank = 0, dense = 0;
    for (uint32_t i = 0; i < rel->nrows; i++) {
        bool new_part = i == 0 || key_cmp(&pk, idx[i - 1], idx[i]) != 0;
        bool peer = !new_part && key_cmp(&all, idx[i - 1], idx[i]) == 0;
        num = new_part ? 1 : num + 1;
        if (!peer)
            rank = num;
        dense = new_part ? 1 : peer ? dense : dense + 1;
        vals[idx[i]] = pv_int(!strcmp(f, "row_number") ? num : !strcmp(f, "rank") ? rank : dense,
                              BRK_PG_INT8);
    }
    return c->failed ? -1 : 0;
}

/* ---- select list ----------------------------------------------------------- */

/* The output name PostgreSQL gives an unnamed select item. */
static const char *item_name(const cJSON *val)
{
    const char *kind;
    const cJSON *n = body(val, &kind);
    if (!strcmp(kind, "ColumnRef"))
        return pc_last_name(item(n, "fields"));
    if (!strcmp(kind, "FuncCall"))
        return pc_last_name(item(n, "funcname"));
    if (!strcmp(kind, "TypeCast")) {
        const char *inner = item_name(item(n, "arg"));
        return strcmp(inner, "?column?") ? inner : pc_last_name(item(item(n, "typeName"), "names"));
    }
    if (!strcmp(kind, "CaseExpr"))
        return "case";
    if (!strcmp(kind, "CoalesceExpr"))
        return "coalesce";
    if (!strcmp(kind, "A_ArrayExpr"))
        return "array";
    if (!strcmp(kind, "SQLValueFunction")) {
        const char *op = pc_str(n, "op");
        return op && strstr(op, "CURRENT_SCHEMA") ? "current_schema"
               : op && strstr(op, "CATALOG")      ? "current_catalog"
                                                  : "current_user";
    }
    if (!strcmp(kind, "SubLink")) {
        const char *t = pc_str(n, "subLinkType");
        return !strcmp(t, "EXISTS_SUBLINK") ? "exists" : !strcmp(t, "ARRAY_SUBLINK") ? "array"
                                                                                   : "?column?";
    }
    if (!strcmp(kind, "A_Indirection"))
        return item_name(item(n, "arg"));
    return "?column?";
}

/* A star item: which FROM columns it expands to (qual NULL: all). */
static bool is_star(const cJSON *val, const char **qual)
{
    const cJSON *cr = item(val, "ColumnRef");
    const cJSON *fields = cr ? item(cr, "fields") : NULL;
    int n = cJSON_GetArraySize(fields);
    if (!n || !item(cJSON_GetArrayItem(fields, n - 1), "A_Star"))
        return false;
    *qual = n >= 2 ? pc_last_name(fields) : NULL;
    if (n >= 2) {
        const cJSON *q = item(cJSON_GetArrayItem(fields, n - 2), "String");
        *qual = q ? pc_str(q, "sval") : NULL;
    }
    return true;
}

typedef struct out_col {
    const cJSON *expr;         /* NULL: a FROM column */
    int src;                   /* FROM column for a star */
    const char *name;
} out_col;

static int plan_targets(pc_ctx *c, const cJSON *targets, const pc_rel *from, out_col **cols,
                        uint32_t *n)
{
    uint32_t cap = 16;
    *cols = qry_alloc(c->a, cap * sizeof **cols);
    *n = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, targets)
    {
        const cJSON *rt = item(t, "ResTarget");
        const cJSON *val = item(rt, "val");
        const char *qual, *name = pc_str(rt, "name");
        bool star = is_star(val, &qual);
        for (uint32_t i = 0; i < (star ? from->ncols : 1); i++) {
            if (star && qual && (!from->qual[i] || strcmp(from->qual[i], qual)))
                continue;
            if (star && !qual && from->hidden && from->hidden[i])
                continue;
            if (*n == cap) {
                out_col *g = qry_alloc(c->a, 2 * cap * sizeof *g);
                memcpy(g, *cols, cap * sizeof *g);
                *cols = g;
                cap *= 2;
            }
            (*cols)[(*n)++] = star ? (out_col){.src = (int)i, .name = from->cols[i]}
                                   : (out_col){.expr = val, .src = -1,
                                               .name = name ? name : item_name(val)};
        }
    }
    return 0;
}

/* ORDER BY key k: an ordinal, an output column's name, or an expression. */
static int sort_key(pc_ctx *c, const cJSON *sb, const out_col *cols, uint32_t ncols,
                    const pv *outrow, const pc_scope *s, pv *key)
{
    const cJSON *node = item(item(sb, "SortBy"), "node");
    const cJSON *k = item(node, "A_Const");
    if (k && item(k, "ival")) {
        const cJSON *iv = item(item(k, "ival"), "ival");
        int64_t ord = cJSON_IsNumber(iv) ? (int64_t)iv->valuedouble : 0;
        if (ord < 1 || ord > ncols)
            return pc_fail(c, k, "42P10", "ORDER BY position %lld is not in select list",
                           (long long)ord);
        *key = outrow[ord - 1];
        return 0;
    }
    const cJSON *cr = item(node, "ColumnRef");
    if (cr && cJSON_GetArraySize(item(cr, "fields")) == 1) {
        const char *name = pc_last_name(item(cr, "fields"));
        for (uint32_t i = 0; i < ncols; i++)
            if (!strcmp(cols[i].name, name)) {
                *key = outrow[i];
                return 0;
            }
    }
    if (!s)
        return pc_fail(c, node, "0A000", "ORDER BY of a UNION must name an output column");
    return pc_eval(c, node, s, key);
}

static int project_row(pc_ctx *c, const out_col *cols, uint32_t ncols, const cJSON *sort,
                       const pc_scope *s, pc_rel *out, pv *keys)
{
    pv *row = pc_rel_add(c->a, out);
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i].expr) {
            if (pc_eval(c, cols[i].expr, s, &row[i]))
                return -1;
        } else {
            row[i] = s->row < s->rel->nrows
                         ? s->rel->cells[(size_t)s->row * s->rel->ncols + cols[i].src]
                         : pv_null();
        }
    }
    uint32_t k = 0;
    const cJSON *sb;
    cJSON_ArrayForEach(sb, sort)
    {
        if (sort_key(c, sb, cols, ncols, row, s, &keys[k++]))
            return -1;
    }
    return 0;
}

/* ---- grouping -------------------------------------------------------------- */

typedef struct group {
    uint32_t *rows, n, cap;
    pv *key;
} group;

static int group_rows(pc_ctx *c, const cJSON *gb, const pc_rel *r, const cJSON *targets,
                      const pc_scope *outer, group **out, uint32_t *ngroups)
{
    uint32_t nk = (uint32_t)cJSON_GetArraySize(gb), cap = 8;
    group *gs = qry_alloc(c->a, cap * sizeof *gs);
    uint32_t ng = 0;
    if (!nk) { /* aggregates without GROUP BY: one group, even of no rows */
        gs[ng++] = (group){0};
    }
    pv *key = qry_alloc(c->a, (nk + 1) * sizeof *key);
    for (uint32_t i = 0; i < r->nrows; i++) {
        pc_scope s = {.rel = r, .row = i, .next = outer};
        uint32_t k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, gb)
        {
            const cJSON *kc = item(e, "A_Const");
            const cJSON *ex = e;
            if (kc && item(kc, "ival")) {
                const cJSON *t = cJSON_GetArrayItem(
                    targets, (int)item(item(kc, "ival"), "ival")->valuedouble - 1);
                if (!t)
                    return pc_fail(c, kc, "42P10", "GROUP BY position is not in select list");
                ex = item(item(t, "ResTarget"), "val");
            }
            if (pc_eval(c, ex, &s, &key[k++]))
                return -1;
        }
        uint32_t g = 0;
        for (; nk && g < ng; g++) {
            bool same = true;
            for (uint32_t j = 0; j < nk && same; j++)
                same = pv_equal(c, &gs[g].key[j], &key[j]);
            if (same)
                break;
        }
        if (g == ng) {
            if (ng == cap) {
                group *grown = qry_alloc(c->a, 2 * cap * sizeof *grown);
                memcpy(grown, gs, cap * sizeof *gs);
                gs = grown;
                cap *= 2;
            }
            gs[ng] = (group){.key = key};
            key = qry_alloc(c->a, (nk + 1) * sizeof *key);
            ng++;
        }
        group *gr = &gs[g];
        if (gr->n == gr->cap) {
            uint32_t *rows = qry_alloc(c->a, (gr->cap = gr->cap ? 2 * gr->cap : 8) * 4);
            if (gr->n)
                memcpy(rows, gr->rows, gr->n * sizeof *rows);
            gr->rows = rows;
        }
        gr->rows[gr->n++] = i;
    }
    *out = gs;
    *ngroups = ng;
    return 0;
}

/* ---- one SELECT ------------------------------------------------------------ */

static int32_t column_type(pc_ctx *c, const pc_rel *o, uint32_t col, const out_col *oc,
                           const pc_scope *shape)
{
    for (uint32_t i = 0; i < o->nrows; i++) {
        const pv *v = &o->cells[(size_t)i * o->ncols + col];
        if (v->k != PV_NULL)
            return v->oid;
    }
    if (!oc->expr)
        return shape->rel->types[oc->src];
    return pc_guess_type(c, oc->expr, shape);
}

static void distinct(pc_ctx *c, pc_rel *r, pv *keys, uint32_t nkeys)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < r->nrows; i++) {
        const pv *row = r->cells + (size_t)i * r->ncols;
        bool dup = false;
        for (uint32_t k = 0; k < kept && !dup; k++) {
            const pv *o = r->cells + (size_t)k * r->ncols;
            dup = true;
            for (uint32_t j = 0; j < r->ncols && dup; j++)
                dup = pv_equal(c, &row[j], &o[j]);
        }
        if (dup)
            continue;
        memmove(r->cells + (size_t)kept * r->ncols, row, r->ncols * sizeof *row);
        if (keys)
            memmove(keys + (size_t)kept * nkeys, keys + (size_t)i * nkeys,
                    nkeys * sizeof *keys);
        kept++;
    }
    r->nrows = kept;
}

static int limit_value(pc_ctx *c, const cJSON *n, int64_t *out)
{
    if (!n)
        return 0;
    pv v;
    if (pc_eval(c, n, NULL, &v))
        return -1;
    if (v.k == PV_NULL)
        return 0;
    if (v.k != PV_INT || v.i < 0)
        return pc_fail(c, n, "2201W", "LIMIT and OFFSET must be non-negative integers");
    *out = v.i;
    return 0;
}

/* ORDER BY keys, LIMIT, OFFSET on o (keys: nkeys per row). */
static int finish(pc_ctx *c, const cJSON *sel, pc_rel **o, const pv *keys, uint32_t nkeys)
{
    const cJSON *sort = item(sel, "sortClause");
    int64_t limit = -1, offset = 0;
    if (limit_value(c, item(sel, "limitCount"), &limit) ||
        limit_value(c, item(sel, "limitOffset"), &offset))
        return -1;
    uint32_t *idx = qry_alloc(c->a, ((*o)->nrows + 1) * sizeof *idx);
    for (uint32_t i = 0; i < (*o)->nrows; i++)
        idx[i] = i;
    if (nkeys && sort_rows(c, *o, keys, nkeys, sort, idx))
        return -1;
    uint32_t from = offset < (*o)->nrows ? (uint32_t)offset : (*o)->nrows;
    uint32_t to = limit >= 0 && (uint64_t)from + (uint64_t)limit < (*o)->nrows
                      ? from + (uint32_t)limit
                      : (*o)->nrows;
    *o = reorder(c, *o, idx, from, to);
    return 0;
}

/* An empty group still marks its scope as grouped. */
static const uint32_t no_rows[1];

static int simple_select(pc_ctx *c, const cJSON *sel, const pc_scope *outer, pc_rel **out)
{
    pc_rel *from = NULL, *rows = NULL;
    if (from_clause(c, item(sel, "fromClause"), outer, &from) ||
        where_clause(c, item(sel, "whereClause"), outer, from, &rows))
        return -1;
    const cJSON *targets = item(sel, "targetList"), *sort = item(sel, "sortClause");
    const cJSON *gb = item(sel, "groupClause"), *having = item(sel, "havingClause");
    out_col *cols;
    uint32_t ncols;
    plan_targets(c, targets, rows, &cols, &ncols);
    pc_rel *o = pc_rel_new(c->a, ncols);
    for (uint32_t i = 0; i < ncols; i++)
        o->cols[i] = cols[i].name;
    uint32_t nkeys = (uint32_t)cJSON_GetArraySize(sort);
    size_t kcap = 64;
    pv *keys = qry_alloc(c->a, kcap * (nkeys + 1) * sizeof *keys);
    pc_scope shape = {.rel = rows, .row = UINT32_MAX, .next = outer};
    bool grouped = gb || having || pc_has_aggregate(targets) || pc_has_aggregate(sort);
    uint32_t nunits = rows->nrows;
    group *groups = NULL;
    if (grouped && group_rows(c, gb, rows, targets, outer, &groups, &nunits))
        return -1;
    pc_win *wins = NULL;
    collect_windows(c, targets, &wins);
    collect_windows(c, sort, &wins);
    if (wins && grouped)
        return pc_fail(c, wins->node, "0A000", "window functions with GROUP BY are not "
                                               "supported");
    for (pc_win *w = wins; w; w = w->next) {
        w->vals = qry_alloc(c->a, (rows->nrows + 1) * sizeof *w->vals);
        if (pc_window_eval(c, w->node, rows, w->vals, outer))
            return -1;
    }
    for (uint32_t u = 0; u < nunits; u++) {
        pc_scope s = {.rel = rows, .row = u, .win = wins, .next = outer};
        if (grouped) {
            s.row = groups[u].n ? groups[u].rows[0] : UINT32_MAX;
            s.group = groups[u].rows ? groups[u].rows : no_rows;
            s.ngroup = groups[u].n;
            if (having) {
                pv h;
                if (pc_eval(c, having, &s, &h))
                    return -1;
                if (!truthy(&h))
                    continue;
            }
        }
        if (o->nrows == kcap) {
            pv *grown = qry_alloc(c->a, 2 * kcap * (nkeys + 1) * sizeof *grown);
            memcpy(grown, keys, kcap * nkeys * sizeof *keys);
            keys = grown;
            kcap *= 2;
        }
        if (project_row(c, cols, ncols, sort, &s, o, keys + (size_t)o->nrows * nkeys))
            return -1;
    }
    for (uint32_t i = 0; i < ncols; i++)
        o->types[i] = column_type(c, o, i, &cols[i], &shape);
    if (item(sel, "distinctClause"))
        distinct(c, o, keys, nkeys);
    if (finish(c, sel, &o, keys, nkeys))
        return -1;
    *out = o;
    return 0;
}

static int select_body(pc_ctx *c, const cJSON *sel, const pc_scope *outer, pc_rel **out);

static int set_op(pc_ctx *c, const cJSON *sel, const pc_scope *outer, pc_rel **out)
{
    const char *op = pc_str(sel, "op");
    if (strcmp(op, "SETOP_UNION"))
        return pc_fail(c, sel, "0A000", "%s is not supported in catalog queries", op + 6);
    pc_rel *l, *r;
    if (select_body(c, item(sel, "larg"), outer, &l) ||
        select_body(c, item(sel, "rarg"), outer, &r))
        return -1;
    if (l->ncols != r->ncols)
        return pc_fail(c, sel, "42601", "each UNION query must have the same number of columns");
    pc_rel *o = requalify(c, l, NULL);
    o->nrows = o->cap = 0;
    o->cells = NULL;
    for (uint32_t i = 0; i < l->ncols; i++)
        if (!l->nrows && r->nrows)
            o->types[i] = r->types[i];
    for (uint32_t i = 0; i < l->nrows; i++)
        memcpy(pc_rel_add(c->a, o), l->cells + (size_t)i * l->ncols, l->ncols * sizeof(pv));
    for (uint32_t i = 0; i < r->nrows; i++)
        memcpy(pc_rel_add(c->a, o), r->cells + (size_t)i * r->ncols, r->ncols * sizeof(pv));
    if (!cJSON_IsTrue(item(sel, "all")))
        distinct(c, o, NULL, 0);
    const cJSON *sort = item(sel, "sortClause");
    uint32_t nkeys = (uint32_t)cJSON_GetArraySize(sort);
    pv *keys = qry_alloc(c->a, ((size_t)o->nrows * nkeys + 1) * sizeof *keys);
    out_col *cols = qry_alloc(c->a, (o->ncols + 1) * sizeof *cols);
    for (uint32_t i = 0; i < o->ncols; i++)
        cols[i] = (out_col){.name = o->cols[i], .src = (int)i};
    for (uint32_t i = 0; i < o->nrows; i++) {
        uint32_t k = 0;
        const cJSON *sb;
        cJSON_ArrayForEach(sb, sort)
        {
            if (sort_key(c, sb, cols, o->ncols, o->cells + (size_t)i * o->ncols, NULL,
                         &keys[(size_t)i * nkeys + k++]))
                return -1;
        }
    }
    if (finish(c, sel, &o, keys, nkeys))
        return -1;
    *out = o;
    return 0;
}

/* ---- VALUES ------------------------------------------------------------------ */

/* Where in the numeric ladder a type sits (0: not numeric): a column of
 * mixed numbers takes the highest, as PostgreSQL's implicit casts do. */
static int num_rank(int32_t t)
{
    switch (t) {
    case BRK_PG_INT2: return 1;
    case BRK_PG_INT4: return 2;
    case BRK_PG_INT8: return 3;
    case BRK_PG_NUMERIC: return 4;
    case BRK_PG_FLOAT4: return 5;
    case BRK_PG_FLOAT8: return 6;
    default: return 0;
    }
}

static bool string_type(int32_t t)
{
    return t == BRK_PG_TEXT || t == BRK_PG_VARCHAR || t == PC_NAME || t == PC_BPCHAR ||
           t == PC_CHAR;
}

/* A string literal or NULL: PostgreSQL's "unknown", which takes the
 * column's type from the other rows. */
static bool untyped(const cJSON *e)
{
    const cJSON *k = item(e, "A_Const");
    return k && (item(k, "sval") || cJSON_IsTrue(item(k, "isnull")));
}

/* A failure in a cast has no position of its own: give it e's. */
static int at_node(pc_ctx *c, const cJSON *e)
{
    const cJSON *loc = e && e->child ? item(e->child, "location") : NULL;
    if (c->failed && c->position < 0 && cJSON_IsNumber(loc) && loc->valueint >= 0)
        c->position = loc->valueint + 1;
    return -1;
}

/* The common type of VALUES column col (PostgreSQL's select_common_type
 * for the types the catalog has), each cell then cast to it. */
static int values_column(pc_ctx *c, const cJSON *lists, pc_rel *o, uint32_t col)
{
    int32_t type = 0;
    const cJSON *l;
    uint32_t row = 0;
    cJSON_ArrayForEach(l, lists)
    {
        const cJSON *e = cJSON_GetArrayItem(item(item(l, "List"), "items"), (int)col);
        const pv *v = &o->cells[(size_t)row++ * o->ncols + col];
        int32_t t = v->oid;
        if (untyped(e) || !t)
            continue;
        if (!type || t == type) {
            type = t;
        } else if (num_rank(type) && num_rank(t)) {
            type = num_rank(t) > num_rank(type) ? t : type;
        } else if (string_type(type) && string_type(t)) {
            type = BRK_PG_TEXT;
        } else {
            const char *a = pc_type_sql(type), *b = pc_type_sql(t);
            pc_fail(c, e ? e->child : NULL, "42804", "VALUES types %s and %s cannot be matched",
                    a ? a : "?", b ? b : "?");
            return at_node(c, e);
        }
    }
    if (!type)
        type = BRK_PG_TEXT; /* all unknown: text */
    row = 0;
    cJSON_ArrayForEach(l, lists)
    {
        const cJSON *e = cJSON_GetArrayItem(item(item(l, "List"), "items"), (int)col);
        pv *v = &o->cells[(size_t)row++ * o->ncols + col];
        if (v->oid != type && pv_cast(c, v, type, v))
            return at_node(c, e);
    }
    o->types[col] = type;
    return 0;
}

/* VALUES (...), (...) [ORDER BY] [LIMIT]: columns column1, column2, ... */
static int values_select(pc_ctx *c, const cJSON *sel, const pc_scope *outer, pc_rel **out)
{
    const cJSON *lists = item(sel, "valuesLists");
    const cJSON *items0 = item(item(cJSON_GetArrayItem(lists, 0), "List"), "items");
    uint32_t ncols = (uint32_t)cJSON_GetArraySize(items0);
    pc_rel *o = pc_rel_new(c->a, ncols);
    for (uint32_t i = 0; i < ncols; i++) {
        char name[24];
        snprintf(name, sizeof name, "column%u", i + 1);
        o->cols[i] = qry_strndup(c->a, name, strlen(name));
    }
    const cJSON *l;
    cJSON_ArrayForEach(l, lists)
    {
        const cJSON *items = item(item(l, "List"), "items");
        if ((uint32_t)cJSON_GetArraySize(items) != ncols) {
            const cJSON *e = cJSON_GetArrayItem(items, 0);
            return pc_fail(c, e ? e->child : NULL, "42601", "VALUES lists must all be the same "
                                                           "length");
        }
        pv *row = pc_rel_add(c->a, o);
        uint32_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, items)
        {
            if (pc_eval(c, e, outer, &row[i++]))
                return -1;
        }
        if (o->nrows > PC_MAX_ROWS)
            return pc_fail(c, sel, "54000", "VALUES too large for a catalog query");
    }
    for (uint32_t i = 0; i < ncols; i++)
        if (values_column(c, lists, o, i))
            return -1;
    const cJSON *sort = item(sel, "sortClause");
    uint32_t nkeys = (uint32_t)cJSON_GetArraySize(sort);
    pv *keys = qry_alloc(c->a, ((size_t)o->nrows * nkeys + 1) * sizeof *keys);
    out_col *cols = qry_alloc(c->a, (ncols + 1) * sizeof *cols);
    for (uint32_t i = 0; i < ncols; i++)
        cols[i] = (out_col){.name = o->cols[i], .src = (int)i};
    for (uint32_t r = 0; r < o->nrows && nkeys; r++) {
        pc_scope s = {.rel = o, .row = r, .next = outer};
        uint32_t k = 0;
        const cJSON *sb;
        cJSON_ArrayForEach(sb, sort)
        {
            if (sort_key(c, sb, cols, ncols, o->cells + (size_t)r * ncols, &s,
                         &keys[(size_t)r * nkeys + k++]))
                return -1;
        }
    }
    if (finish(c, sel, &o, keys, nkeys))
        return -1;
    *out = o;
    return 0;
}

/* ---- WITH -------------------------------------------------------------------- */

/* Evaluates each WITH query in order and puts it in scope (the caller
 * restores c->ctes when its statement is done). Non-recursive queries only
 * reference earlier ones, so evaluating once in order is their meaning. */
static int with_clause(pc_ctx *c, const cJSON *with, const pc_scope *outer)
{
    if (cJSON_IsTrue(item(with, "recursive"))) {
        pc_fail(c, with, "0A000", "WITH RECURSIVE is not supported in catalog queries");
        if (c->position < 0) /* libpg_query leaves out a location of 0 */
            c->position = 1;
        return -1;
    }
    const pc_cte *before = c->ctes;
    const cJSON *e;
    cJSON_ArrayForEach(e, item(with, "ctes"))
    {
        const cJSON *cte = item(e, "CommonTableExpr");
        const char *name = pc_str(cte, "ctename");
        if (!name)
            return pc_fail(c, with, "42601", "WITH query without a name");
        for (const pc_cte *w = c->ctes; w != before; w = w->next)
            if (!strcmp(w->name, name))
                return pc_fail(c, cte, "42712", "WITH query name \"%s\" specified more than "
                                                "once", name);
        const cJSON *q = item(cte, "ctequery");
        if (!item(q, "SelectStmt"))
            return pc_fail(c, cte, "0A000", "WITH query \"%s\": only SELECT and VALUES are "
                                            "supported over the catalog", name);
        pc_rel *r;
        if (pc_select(c, q, outer, &r))
            return -1;
        const cJSON *names = item(cte, "aliascolnames");
        uint32_t nn = (uint32_t)cJSON_GetArraySize(names);
        if (nn > r->ncols)
            return pc_fail(c, cte, "42P10", "WITH query \"%s\" has %u columns available but %u "
                                            "columns specified", name, r->ncols, nn);
        pc_rel *o = requalify(c, r, name);
        o->hidden = NULL;
        for (uint32_t i = 0; i < nn; i++)
            o->cols[i] = pc_str(item(cJSON_GetArrayItem(names, (int)i), "String"), "sval");
        pc_cte *w = qry_alloc(c->a, sizeof *w);
        *w = (pc_cte){.name = name, .rel = o, .next = c->ctes};
        c->ctes = w;
    }
    return 0;
}

int pc_select(pc_ctx *c, const cJSON *stmt, const pc_scope *outer, pc_rel **out)
{
    const cJSON *sel = item(stmt, "SelectStmt");
    if (!sel)
        return pc_fail(c, stmt, "0A000", "only SELECT is supported over the catalog");
    return select_body(c, sel, outer, out);
}

/* A SelectStmt's body (a UNION's arms come without the wrapper). */
static int select_body(pc_ctx *c, const cJSON *sel, const pc_scope *outer, pc_rel **out)
{
    if (c->depth >= PC_MAX_DEPTH)
        return pc_fail(c, sel, "54001", "catalog query nested too deeply");
    if (item(sel, "lockingClause") || item(sel, "intoClause"))
        return pc_fail(c, sel, "0A000", "FOR UPDATE / INTO are not supported on the catalog");
    c->depth++;
    pc_cte *scope = c->ctes; /* this statement's WITH queries go out of scope with it */
    const char *op = pc_str(sel, "op");
    int rc = item(sel, "withClause") ? with_clause(c, item(sel, "withClause"), outer) : 0;
    if (!rc)
        rc = op && strcmp(op, "SETOP_NONE") ? set_op(c, sel, outer, out)
             : item(sel, "valuesLists")     ? values_select(c, sel, outer, out)
                                            : simple_select(c, sel, outer, out);
    c->ctes = scope;
    c->depth--;
    return rc;
}
