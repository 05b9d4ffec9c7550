/*
 * brk_pg_topn.c: Tableau's top-N filter ("Top 10 products by sales") over
 * the PostgreSQL endpoint. Tableau writes it as the table joined to a
 * grouped subquery of itself:
 *
 *   SELECT ... FROM "public"."t" "t" INNER JOIN (SELECT "t"."k" AS "k",
 *     SUM("t"."m") AS "$__alias__0" FROM "public"."t" "t" GROUP BY 1
 *     ORDER BY 2 DESC LIMIT 10) "t0" ON ("t"."k" IS NOT DISTINCT FROM
 *     "t0"."k") GROUP BY ...
 *
 * Tannin has no joins, but this one is a semi-join with a small right
 * side, so it is planned as two queries: the subquery runs first (it is
 * plain Tannin SQL), and its keys become a filter of the outer query,
 * whose text is the original with the join cut out and WHERE (t.k IN
 * (keys) [OR t.k IS NULL]) ANDed in front of its own WHERE. IS NOT
 * DISTINCT FROM matches a NULL key too, = does not. Both queries go
 * through the session's exec callback, so the user's rights, row filters
 * and quotas apply to each.
 */
#include "brk_pg_topn.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOPN_MAX_KEYS_COLS 8

/* ---- parse tree access ------------------------------------------------- */

static const cJSON *node(const cJSON *n, const char *type)
{
    return cJSON_IsObject(n) && n->child && n->child->string && !strcmp(n->child->string, type)
               ? n->child
               : NULL;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static int loc_of(const cJSON *o)
{
    const cJSON *v = get(o, "location");
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* One key of the ON condition: the outer column (its parts) and the
 * subquery's result column it is compared with. */
typedef struct topn_key {
    const char *parts[3];
    int nparts;
    const char *sub_col;
    bool null_matches;     /* IS NOT DISTINCT FROM */
    int res_col;           /* index among the subquery's result columns */
} topn_key;

typedef struct topn {
    const char *sql;
    const char *alias;                 /* the subquery's alias */
    topn_key keys[TOPN_MAX_KEYS_COLS];
    int nkeys;
    size_t sub_open, sub_close;        /* the subquery's parentheses */
    size_t cut_from, cut_to;           /* [JOIN ... ON cond) */
    char err[TN_ERRLEN];
    int err_pos;                       /* 0-based, -1 none */
} topn;

static int refuse(topn *t, int pos, const char *fmt, const char *what)
{
    snprintf(t->err, sizeof t->err, fmt, what);
    t->err_pos = pos;
    return -1;
}

/* "a"."b" IS NOT DISTINCT FROM "t0"."c" (either order), or with =. */
static int one_key(topn *t, const cJSON *e)
{
    const cJSON *a = node(e, "A_Expr");
    const char *kind = a ? str(a, "kind") : NULL;
    if (!kind)
        return refuse(t, -1, "%s", "the top-N join's ON must compare columns");
    const cJSON *name = cJSON_GetArrayItem(get(a, "name"), 0);
    const cJSON *op = node(name, "String");
    bool nd = !strcmp(kind, "AEXPR_NOT_DISTINCT");
    bool eq = !strcmp(kind, "AEXPR_OP") && op && str(op, "sval") && !strcmp(str(op, "sval"), "=");
    if (!nd && !eq)
        return refuse(t, loc_of(a), "%s",
                      "JOIN ... ON other than key IS NOT DISTINCT FROM (or =) is not supported");
    if (t->nkeys == TOPN_MAX_KEYS_COLS)
        return refuse(t, loc_of(a), "%s", "a top-N join on more than 8 keys is not supported");
    topn_key *k = &t->keys[t->nkeys];
    memset(k, 0, sizeof *k);
    k->null_matches = nd;
    const cJSON *sides[2] = {get(a, "lexpr"), get(a, "rexpr")};
    bool have_outer = false, have_sub = false;
    for (int i = 0; i < 2; i++) {
        const cJSON *c = node(sides[i], "ColumnRef"), *f;
        if (!c)
            return refuse(t, loc_of(a), "%s", "the top-N join's ON must compare two columns");
        const char *parts[4];
        int n = 0;
        cJSON_ArrayForEach(f, get(c, "fields")) {
            const cJSON *s = node(f, "String");
            if (!s || n == 4)
                return refuse(t, loc_of(c), "%s", "unreadable column in the top-N join");
            parts[n++] = str(s, "sval") ? str(s, "sval") : "";
        }
        if (n == 2 && !strcmp(parts[0], t->alias) && !have_sub) {
            k->sub_col = parts[1];
            have_sub = true;
        } else if (n <= 3 && !have_outer) {
            for (int j = 0; j < n; j++)
                k->parts[j] = parts[j];
            k->nparts = n;
            have_outer = true;
        } else {
            return refuse(t, loc_of(c), "%s", "the top-N join's ON must compare a column of "
                                              "the table with one of the subquery");
        }
    }
    t->nkeys++;
    return 0;
}

/* ON (k1) AND (k2) ...: each conjunct one key. */
static int keys_of(topn *t, const cJSON *quals)
{
    const cJSON *b = node(quals, "BoolExpr"), *arg;
    if (!b)
        return one_key(t, quals);
    const char *op = str(b, "boolop");
    if (!op || strcmp(op, "AND_EXPR") != 0)
        return refuse(t, loc_of(b), "%s", "a top-N join's ON may only AND its keys");
    cJSON_ArrayForEach(arg, get(b, "args")) {
        if (keys_of(t, arg) != 0)
            return -1;
    }
    return 0;
}

/* ---- the text -------------------------------------------------------------- */

/* Past a quoted string, identifier or comment starting at i, or i. */
static size_t skip_token(const char *s, size_t i)
{
    if (s[i] == '\'' || s[i] == '"') {
        char q = s[i];
        for (i++; s[i]; i++)
            if (s[i] == q && s[i + 1] == q)
                i++;
            else if (s[i] == q)
                return i + 1;
        return i;
    }
    if (s[i] == '-' && s[i + 1] == '-') {
        while (s[i] && s[i] != '\n')
            i++;
        return i;
    }
    if (s[i] == '/' && s[i + 1] == '*') {
        const char *e = strstr(s + i + 2, "*/");
        return e ? (size_t)(e + 2 - s) : strlen(s);
    }
    return i;
}

/* The ')' matching the '(' at open, or 0. */
static size_t matching(const char *s, size_t open)
{
    int depth = 0;
    for (size_t i = open; s[i];) {
        size_t j = skip_token(s, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')' && --depth == 0)
            return i;
        i++;
    }
    return 0;
}

static bool word_at(const char *s, size_t i, const char *w)
{
    size_t n = strlen(w);
    return !strncasecmp(s + i, w, n) && (i == 0 || !(isalnum((unsigned char)s[i - 1]) ||
                                                     s[i - 1] == '_')) &&
           !(isalnum((unsigned char)s[i + n]) || s[i + n] == '_');
}

/* The first top-level clause keyword from i on (outside parentheses,
 * quotes and comments), or the end of the text. */
static size_t next_clause(const char *s, size_t i)
{
    static const char *const kws[] = {"where", "group", "having", "order", "limit",
                                      "offset", "window", "fetch", "union", "except",
                                      "intersect"};
    int depth = 0;
    while (s[i]) {
        size_t j = skip_token(s, i);
        if (j != i) {
            i = j;
            continue;
        }
        if (s[i] == '(')
            depth++;
        else if (s[i] == ')')
            depth--;
        else if (depth == 0 && s[i] == ';')
            return i;
        else if (depth == 0)
            for (size_t k = 0; k < sizeof kws / sizeof kws[0]; k++)
                if (word_at(s, i, kws[k]))
                    return i;
        i++;
    }
    return i;
}

static size_t skip_blank(const char *s, size_t i)
{
    for (;;) {
        while (isspace((unsigned char)s[i]))
            i++;
        size_t j = (s[i] == '-' || s[i] == '/') ? skip_token(s, i) : i;
        if (j == i)
            return i;
        i = j;
    }
}

/* Finds the subquery's parentheses (backwards from its first location:
 * only SELECT [DISTINCT] and blanks lie between), the JOIN keywords before
 * them and the end of the ON condition. */
static int locate(topn *t, const cJSON *sub_stmt, int first)
{
    const char *s = t->sql;
    size_t i = (size_t)first;
    while (i > 0 && s[i - 1] != '(')
        i--;
    if (i == 0)
        return refuse(t, first, "%s", "unreadable subquery in the join");
    t->sub_open = i - 1;
    t->sub_close = matching(s, t->sub_open);
    if (!t->sub_close)
        return refuse(t, first, "%s", "unbalanced parentheses in the join");
    /* back over [INNER] JOIN */
    size_t j = t->sub_open;
    while (j > 0 && isspace((unsigned char)s[j - 1]))
        j--;
    if (j < 4 || strncasecmp(s + j - 4, "join", 4) != 0)
        return refuse(t, first, "%s", "unreadable JOIN");
    j -= 4;
    size_t k = j;
    while (k > 0 && isspace((unsigned char)s[k - 1]))
        k--;
    if (k >= 5 && !strncasecmp(s + k - 5, "inner", 5) && word_at(s, k - 5, "inner"))
        j = k - 5;
    t->cut_from = j;
    /* after the alias: ON cond up to the next clause */
    size_t on = t->sub_close + 1;
    while (s[on] && !word_at(s, on, "on"))
        on = skip_token(s, on) != on ? skip_token(s, on) : on + 1;
    if (!s[on])
        return refuse(t, first, "%s", "a JOIN without ON is not supported");
    t->cut_to = next_clause(s, on + 2);
    (void)sub_stmt;
    return 0;
}

/* Whether the statement is the top-N shape; 1: not a join at all. */
static int recognize(topn *t, const cJSON *root)
{
    const cJSON *raw = cJSON_GetArrayItem(get(root, "stmts"), 0);
    const cJSON *sel = node(get(raw, "stmt"), "SelectStmt");
    if (!sel || cJSON_GetArraySize(get(root, "stmts")) != 1)
        return 1;
    const cJSON *from = get(sel, "fromClause");
    const cJSON *j = node(cJSON_GetArrayItem(from, 0), "JoinExpr");
    if (!j || cJSON_GetArraySize(from) != 1)
        return 1;
    const char *jt = str(j, "jointype");
    const cJSON *l = get(j, "larg"), *r = get(j, "rarg");
    /* the left side: the table, or a Custom SQL subquery the parser flattens */
    const cJSON *left = node(l, "RangeVar") ? node(l, "RangeVar") : node(l, "RangeSubselect");
    const cJSON *sub = node(r, "RangeSubselect");
    int at = node(l, "RangeVar") ? loc_of(left) : -1;
    if (!jt || strcmp(jt, "JOIN_INNER") != 0 || !left || !sub || !get(j, "quals") ||
        cJSON_IsTrue(get(sub, "lateral")))
        return refuse(t, at, "%s",
                      "JOIN is not supported except Tableau's top-N filter: the table INNER "
                      "JOIN a grouped subquery of itself ON key IS NOT DISTINCT FROM");
    /* grouped by its keys, the subquery has each key once, so the join
     * neither drops nor repeats rows beyond the filter */
    const cJSON *stmt = node(get(sub, "subquery"), "SelectStmt");
    if (!stmt || (!get(stmt, "groupClause") && !get(stmt, "distinctClause")))
        return refuse(t, at, "%s", "a JOIN with a subquery that is not grouped by its keys "
                                   "is not supported (only Tableau's top-N filter)");
    t->alias = str(get(sub, "alias"), "aliasname");
    if (!t->alias)
        return refuse(t, at, "%s", "the subquery in a JOIN needs an alias");
    if (keys_of(t, get(j, "quals")) != 0)
        return -1;
    /* the subquery's first location lies in its select list */
    const cJSON *first = cJSON_GetArrayItem(get(stmt, "targetList"), 0);
    first = first && first->child ? first->child : NULL;
    int loc = loc_of(first);
    if (loc < 0)
        return refuse(t, at, "%s", "unreadable subquery in the join");
    return locate(t, stmt, loc);
}

/* ---- the filter ------------------------------------------------------------ */

static void put_ident(tn_buf *b, const char *s)
{
    tn_buf_append(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            tn_buf_append(b, "\"", 1);
        tn_buf_append(b, s, 1);
    }
    tn_buf_append(b, "\"", 1);
}

static void put_column(tn_buf *b, const topn_key *k)
{
    for (int i = 0; i < k->nparts; i++) {
        if (i)
            tn_buf_append(b, ".", 1);
        put_ident(b, k->parts[i]);
    }
}

/* A key value as SQL text; false when it has none (arrays, NaN). */
static bool put_value(tn_buf *b, const qry_val *v)
{
    char tmp[40];
    int n;
    switch (v->kind) {
    case QV_LONG:
        n = snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
        tn_buf_append(b, tmp, (size_t)n);
        return true;
    case QV_DOUBLE:
        if (!isfinite(v->d))
            return false;
        n = snprintf(tmp, sizeof tmp, "%.17g", v->d);
        tn_buf_append(b, tmp, (size_t)n);
        return true;
    case QV_STRING:
        tn_buf_append(b, "'", 1);
        for (uint32_t i = 0; i < v->len; i++) {
            if (v->s[i] == '\'')
                tn_buf_append(b, "'", 1);
            tn_buf_append(b, &v->s[i], 1);
        }
        tn_buf_append(b, "'", 1);
        return true;
    default:
        return false;
    }
}

/* One key: col IN (values) [OR col IS NULL], or FALSE when nothing. */
static bool filter_one(tn_buf *b, const topn_key *k, const qry_result *r)
{
    bool any = false, null = false;
    tn_buf in = {0};
    for (uint32_t i = 0; i < r->nrows; i++) {
        const qry_val *v = &r->cells[(size_t)i * r->ncols + (uint32_t)k->res_col];
        if (v->kind == QV_NULL) {
            null = true;
            continue;
        }
        if (any)
            tn_buf_append(&in, ", ", 2);
        if (!put_value(&in, v)) {
            tn_buf_free(&in);
            return false;
        }
        any = true;
    }
    null = null && k->null_matches;
    tn_buf_append(b, "(", 1);
    if (any) {
        put_column(b, k);
        tn_buf_append(b, " IN (", 5);
        tn_buf_append(b, in.data, in.len);
        tn_buf_append(b, ")", 1);
    }
    if (any && null)
        tn_buf_append(b, " OR ", 4);
    if (null) {
        put_column(b, k);
        tn_buf_append(b, " IS NULL", 8);
    }
    if (!any && !null)
        tn_buf_append(b, "1 = 0", 5);
    tn_buf_append(b, ")", 1);
    tn_buf_free(&in);
    return true;
}

/* Several keys: (k1 = v1 AND k2 IS NULL) OR (...) per subquery row. */
static bool filter_many(tn_buf *b, const topn *t, const qry_result *r)
{
    tn_buf_append(b, "(", 1);
    bool first = true;
    for (uint32_t i = 0; i < r->nrows; i++) {
        tn_buf row = {0};
        bool dead = false;
        for (int k = 0; k < t->nkeys && !dead; k++) {
            const qry_val *v = &r->cells[(size_t)i * r->ncols + (uint32_t)t->keys[k].res_col];
            if (k)
                tn_buf_append(&row, " AND ", 5);
            put_column(&row, &t->keys[k]);
            if (v->kind == QV_NULL) {
                dead = !t->keys[k].null_matches;   /* = never matches NULL */
                tn_buf_append(&row, " IS NULL", 8);
            } else {
                tn_buf_append(&row, " = ", 3);
                if (!put_value(&row, v)) {
                    tn_buf_free(&row);
                    return false;
                }
            }
        }
        if (!dead) {
            if (!first)
                tn_buf_append(b, " OR ", 4);
            tn_buf_append(b, "(", 1);
            tn_buf_append(b, row.data, row.len);
            tn_buf_append(b, ")", 1);
            first = false;
        }
        tn_buf_free(&row);
    }
    if (first)
        tn_buf_append(b, "1 = 0", 5);
    tn_buf_append(b, ")", 1);
    return true;
}

/* The outer statement: the join cut out, the filter ANDed into WHERE. */
static bool outer_sql(const topn *t, const qry_result *r, tn_buf *b)
{
    const char *s = t->sql;
    tn_buf f = {0};
    bool ok = t->nkeys == 1 ? filter_one(&f, &t->keys[0], r) : filter_many(&f, t, r);
    if (!ok) {
        tn_buf_free(&f);
        return false;
    }
    tn_buf_append(b, s, t->cut_from);
    size_t rest = skip_blank(s, t->cut_to);
    tn_buf_append(b, " WHERE ", 7);
    tn_buf_append(b, f.data, f.len);
    if (word_at(s, rest, "where")) {
        size_t w = skip_blank(s, rest + 5), end = next_clause(s, w);
        tn_buf_append(b, " AND (", 6);
        tn_buf_append(b, s + w, end - w);
        tn_buf_append(b, ") ", 2);
        rest = end;
    } else {
        tn_buf_append(b, " ", 1);
    }
    tn_buf_append(b, s + rest, strlen(s + rest));
    tn_buf_append(b, "", 1);   /* NUL */
    tn_buf_free(&f);
    return true;
}

/* ---- running ------------------------------------------------------------------ */

static int exec_error(pg_outcome *o, qry_result *res, const qry_err *errs, uint32_t nerrs,
                      int shift, size_t valid_below)
{
    if (res->arena.blocks || res->ncols)
        qry_result_free(res);
    if (!nerrs) {
        pg_outcome_error(o, "XX000", -1, "the query failed without a reason");
        return -1;
    }
    int pos = errs[0].position;
    pos = pos >= 0 && (size_t)pos < valid_below ? pos + shift + 1 : -1;
    pg_outcome_error(o, pg_query_sqlstate(&errs[0]), pos, "%s", errs[0].msg);
    return -1;
}

const char *pg_query_sqlstate(const qry_err *e)
{
    if (e->code == QRY_ERR_PARSE && strstr(e->msg, " is not supported"))
        return "0A000";
    return brk_pg_sqlstate(e->code);
}

/* The subquery's result column of each key. */
static int bind_keys(topn *t, const qry_result *r, pg_outcome *o)
{
    for (int k = 0; k < t->nkeys; k++) {
        t->keys[k].res_col = -1;
        for (uint32_t c = 0; c < r->ncols; c++)
            if (!strcasecmp(r->names[c], t->keys[k].sub_col))
                t->keys[k].res_col = (int)c;
        if (t->keys[k].res_col < 0) {
            pg_outcome_error(o, "42703", -1, "column %s.%s does not exist", t->alias,
                             t->keys[k].sub_col);
            return -1;
        }
    }
    if (r->nrows > PG_TOPN_MAX_KEYS) {
        pg_outcome_error(o, "54000", -1, "the top-N subquery gave %u keys (at most %d)",
                         r->nrows, PG_TOPN_MAX_KEYS);
        return -1;
    }
    return 0;
}

static int run(brk_pg_sess *s, topn *t, pg_outcome *o)
{
    size_t n = t->sub_close - t->sub_open - 1;
    char *inner = tn_malloc(n + 1);
    memcpy(inner, t->sql + t->sub_open + 1, n);
    inner[n] = 0;
    qry_result sub;
    memset(&sub, 0, sizeof sub);
    qry_err errs[16];
    uint32_t nerrs = 0;
    int rc = s->o.exec(s->o.exec_arg, s->who, inner, &sub, errs, &nerrs);
    free(inner);
    if (rc != TN_OK || nerrs)
        return exec_error(o, &sub, errs, nerrs, (int)t->sub_open + 1, n);
    tn_buf outer = {0};
    if (bind_keys(t, &sub, o) != 0 || !outer_sql(t, &sub, &outer)) {
        if (o->kind != PG_OUT_ERROR)
            pg_outcome_error(o, "0A000", -1, "a top-N key that has no SQL literal "
                             "(an array, NaN or infinity) is not supported");
        qry_result_free(&sub);
        tn_buf_free(&outer);
        return -1;
    }
    qry_result_free(&sub);
    memset(&o->res, 0, sizeof o->res);
    nerrs = 0;
    rc = s->o.exec(s->o.exec_arg, s->who, (const char *)outer.data, &o->res, errs, &nerrs);
    tn_buf_free(&outer);
    if (rc != TN_OK || nerrs)
        return exec_error(o, &o->res, errs, nerrs, 0, t->cut_from);
    o->kind = PG_OUT_ROWS;
    return 0;
}

int pg_topn_run(brk_pg_sess *s, const char *sql, pg_outcome *o)
{
    if (!strcasestr(sql, "join"))
        return 1;
    PgQueryParseResult pr = pg_query_parse(sql);
    if (pr.error) {
        pg_query_free_parse_result(pr);
        return 1;   /* the query path reports the syntax error */
    }
    cJSON *root = cJSON_Parse(pr.parse_tree);
    pg_query_free_parse_result(pr);
    if (!root)
        return 1;
    topn t = {.sql = sql, .err_pos = -1};
    int rc = recognize(&t, root);
    if (rc == 0)
        rc = run(s, &t, o);
    else if (rc < 0)
        pg_outcome_error(o, "0A000", t.err_pos >= 0 ? t.err_pos + 1 : -1, "%s", t.err);
    cJSON_Delete(root);
    return rc;
}
