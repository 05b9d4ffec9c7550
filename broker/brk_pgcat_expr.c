/*
 * brk_pgcat_expr.c: expressions of a catalog query, evaluated on
 * libpg_query's JSON parse tree against a scope of (relation, row)
 * frames: constants, column references (outer queries' too), operators
 * (comparison, boolean, LIKE, POSIX regex, ||, arithmetic, IN, ANY,
 * BETWEEN), CASE, COALESCE, casts, subqueries (scalar, EXISTS, IN, ARRAY),
 * array subscripts, aggregates over a group, window results, and the
 * catalog functions clients call.
 */
#include "brk_pgcat_int.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brk_pg_proto.h"
#include "qry_eval.h"

#define PG_VERSION_TEXT "PostgreSQL 15.0 (Tannin)"

int pc_fail(pc_ctx *c, const cJSON *at, const char *sqlstate, const char *fmt, ...)
{
    if (c->failed)
        return -1;
    c->failed = true;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", sqlstate);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    const cJSON *loc = at ? cJSON_GetObjectItemCaseSensitive(at, "location") : NULL;
    c->position = cJSON_IsNumber(loc) && loc->valueint >= 0 ? loc->valueint + 1 : -1;
    return -1;
}

const char *pc_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* {"String": {"sval": s}} */
static const char *sval(const cJSON *n)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(n, "String");
    const char *v = s ? pc_str(s, "sval") : NULL;
    return v ? v : "";
}

const char *pc_last_name(const cJSON *list)
{
    int n = cJSON_GetArraySize(list);
    return n ? sval(cJSON_GetArrayItem(list, n - 1)) : "";
}

static const cJSON *body(const cJSON *n, const char **kind)
{
    *kind = n && n->child ? n->child->string : "";
    return n ? n->child : NULL;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = item(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* ---- constants and column references ------------------------------------ */

static int eval_const(pc_ctx *c, const cJSON *k, pv *out)
{
    const cJSON *v;
    if (cJSON_IsTrue(item(k, "isnull"))) {
        *out = pv_null();
    } else if ((v = item(k, "ival"))) {
        int64_t i = num(v, "ival");
        *out = pv_int(i, i >= INT32_MIN && i <= INT32_MAX ? BRK_PG_INT4 : BRK_PG_INT8);
    } else if ((v = item(k, "fval"))) {
        /* an integer too big for int4 is int8 when it fits, as PostgreSQL's
         * make_const decides; anything else is numeric */
        const char *s = pc_str(v, "fval");
        char *end;
        errno = 0;
        long long ll = s && s[strspn(s, "-0123456789")] == 0 ? strtoll(s, &end, 10) : 0;
        if (s && s[strspn(s, "-0123456789")] == 0 && !errno && !*end)
            *out = pv_int(ll, BRK_PG_INT8);
        else
            *out = (pv){.k = PV_FLOAT, .oid = BRK_PG_NUMERIC, .d = s ? strtod(s, NULL) : 0};
    } else if ((v = item(k, "boolval"))) {
        *out = pv_bool(cJSON_IsTrue(item(v, "boolval")));
    } else if ((v = item(k, "sval"))) {
        const char *s = pc_str(v, "sval");
        *out = pv_text(c, s ? s : "", BRK_PG_TEXT);
    } else if ((v = item(k, "bsval"))) {
        return pc_fail(c, k, "0A000", "bit string constants are not supported");
    } else {
        return pc_fail(c, k, "0A000", "this constant is not supported");
    }
    return 0;
}

/* Finds qual.name (qual may be NULL) in the scope chain. */
static const pv *lookup(const pc_scope *s, const char *qual, const char *name, int32_t *type,
                        bool *found)
{
    for (; s; s = s->next) {
        const pc_rel *r = s->rel;
        for (uint32_t i = 0; i < r->ncols; i++) {
            if (strcmp(r->cols[i], name) || (qual && (!r->qual[i] || strcmp(r->qual[i], qual))))
                continue;
            *found = true;
            if (type)
                *type = r->types[i];
            return s->row < r->nrows ? &r->cells[(size_t)s->row * r->ncols + i] : NULL;
        }
    }
    *found = false;
    return NULL;
}

static int column_ref(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out, int32_t *type)
{
    const cJSON *fields = item(n, "fields");
    int nf = cJSON_GetArraySize(fields);
    const cJSON *last = cJSON_GetArrayItem(fields, nf - 1);
    if (item(last, "A_Star"))
        return pc_fail(c, n, "0A000", "* is only supported as a select list item");
    const char *name = sval(last);
    const char *qual = nf >= 2 ? sval(cJSON_GetArrayItem(fields, nf - 2)) : NULL;
    bool found;
    const pv *v = lookup(s, qual, name, type, &found);
    if (!found)
        return pc_fail(c, n, "42703", "column %s%s%s does not exist", qual ? qual : "",
                       qual ? "." : "", name);
    if (out)
        *out = v ? *v : pv_null();
    return 0;
}

/* ---- operators ------------------------------------------------------------ */

static bool truthy(const pv *v)
{
    return (v->k == PV_BOOL || v->k == PV_INT) && v->i;
}

static int regex_match(pc_ctx *c, const cJSON *at, const char *s, const char *pat, bool icase,
                       bool *out)
{
    regex_t re;
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    if (rc)
        return pc_fail(c, at, "2201B", "invalid regular expression: %s", pat);
    *out = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return 0;
}

static char *lower_dup(pc_ctx *c, const char *s)
{
    char *d = qry_strndup(c->a, s, strlen(s));
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static bool like(pc_ctx *c, const char *s, const char *p, bool icase)
{
    if (icase) {
        s = lower_dup(c, s);
        p = lower_dup(c, p);
    }
    return qry_like_match(s, (uint32_t)strlen(s), p, (uint32_t)strlen(p));
}

static int arith(pc_ctx *c, const cJSON *at, const char *op, const pv *x, const pv *y, pv *out)
{
    pv a = *x, b = *y;
    if (a.k == PV_TEXT && pv_cast(c, x, b.k == PV_FLOAT ? BRK_PG_FLOAT8 : BRK_PG_INT8, &a))
        return -1;
    if (b.k == PV_TEXT && pv_cast(c, y, a.k == PV_FLOAT ? BRK_PG_FLOAT8 : BRK_PG_INT8, &b))
        return -1;
    if ((a.k != PV_INT && a.k != PV_FLOAT) || (b.k != PV_INT && b.k != PV_FLOAT))
        return pc_fail(c, at, "42883", "operator %s needs numbers", op);
    if (a.k == PV_INT && b.k == PV_INT) {
        int64_t r;
        switch (op[0]) {
        case '+': r = a.i + b.i; break;
        case '-': r = a.i - b.i; break;
        case '*': r = a.i * b.i; break;
        default:
            if (!b.i)
                return pc_fail(c, at, "22012", "division by zero");
            r = op[0] == '/' ? a.i / b.i : a.i % b.i;
        }
        *out = pv_int(r, a.oid == BRK_PG_INT8 || b.oid == BRK_PG_INT8 ? BRK_PG_INT8
                                                                      : BRK_PG_INT4);
        return 0;
    }
    double da = a.k == PV_FLOAT ? a.d : (double)a.i, db = b.k == PV_FLOAT ? b.d : (double)b.i;
    double r = op[0] == '+' ? da + db : op[0] == '-' ? da - db : op[0] == '*' ? da * db : da / db;
    *out = (pv){.k = PV_FLOAT, .oid = BRK_PG_FLOAT8, .d = r};
    return 0;
}

/* A binary operator on two non-NULL values. */
static int binop(pc_ctx *c, const cJSON *at, const char *op, const pv *x, const pv *y, pv *out)
{
    int r;
    if (!strcmp(op, "=") || !strcmp(op, "<>") || !strcmp(op, "!=") || !strcmp(op, "<") ||
        !strcmp(op, ">") || !strcmp(op, "<=") || !strcmp(op, ">=")) {
        if (pv_cmp(c, x, y, &r))
            return c->failed ? -1 : pc_fail(c, at, "42883", "cannot compare these values");
        bool b = op[0] == '=' ? r == 0 : op[0] == '!' || !strcmp(op, "<>") ? r != 0
               : !strcmp(op, "<")                                        ? r < 0
               : !strcmp(op, ">")                                        ? r > 0
               : !strcmp(op, "<=")                                       ? r <= 0
                                                                         : r >= 0;
        *out = pv_bool(b);
        return 0;
    }
    if (!strcmp(op, "||")) {
        if (x->k == PV_ARRAY || y->k == PV_ARRAY) {
            pv a = *x, b = *y;
            if (a.k != PV_ARRAY)
                a = (pv){.k = PV_ARRAY, .oid = y->oid, .n = 1, .a = x};
            if (b.k != PV_ARRAY)
                b = (pv){.k = PV_ARRAY, .oid = x->oid, .n = 1, .a = y};
            pv *el = qry_alloc(c->a, (a.n + b.n + 1) * sizeof *el);
            memcpy(el, a.a, a.n * sizeof *el);
            memcpy(el + a.n, b.a, b.n * sizeof *el);
            *out = (pv){.k = PV_ARRAY, .oid = a.oid, .n = a.n + b.n, .a = el};
            return 0;
        }
        const char *a = pv_to_text(c, x), *b = pv_to_text(c, y);
        size_t la = strlen(a), lb = strlen(b);
        char *s = qry_alloc(c->a, la + lb + 1);
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        *out = (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT, .s = s, .n = (uint32_t)(la + lb)};
        return 0;
    }
    bool neg = op[0] == '!';
    const char *o = op + neg;
    if (!strcmp(o, "~") || !strcmp(o, "~*")) {
        bool m = false;
        if (regex_match(c, at, pv_to_text(c, x), pv_to_text(c, y), o[1] == '*', &m))
            return -1;
        *out = pv_bool(m != neg);
        return 0;
    }
    if (!strcmp(o, "~~") || !strcmp(o, "~~*")) {
        *out = pv_bool(like(c, pv_to_text(c, x), pv_to_text(c, y), o[2] == '*') != neg);
        return 0;
    }
    if (strlen(op) == 1 && strchr("+-*/%", op[0]))
        return arith(c, at, op, x, y, out);
    return pc_fail(c, at, "0A000", "operator %s is not supported in catalog queries", op);
}

/* x op ANY/ALL (array) */
static int op_any(pc_ctx *c, const cJSON *at, const char *op, const pv *x, const pv *arr,
                  bool all, pv *out)
{
    pv a = *arr;
    if (a.k == PV_TEXT)
        a = pv_parse_array(c, arr->s, x->k == PV_TEXT ? BRK_PG_TEXT : x->oid);
    if (c->failed)
        return -1;
    if (a.k != PV_ARRAY)
        return pc_fail(c, at, "42809", "op ANY/ALL (array) requires an array");
    bool any_null = false, result = all;
    for (uint32_t i = 0; i < a.n; i++) {
        if (a.a[i].k == PV_NULL) {
            any_null = true;
            continue;
        }
        pv r;
        if (binop(c, at, op, x, &a.a[i], &r))
            return -1;
        if (all ? !r.i : r.i) {
            result = !all;
            break;
        }
    }
    *out = result == all && any_null ? pv_null() : pv_bool(result);
    return 0;
}

static int eval_list(pc_ctx *c, const cJSON *list, const pc_scope *s, pv *out, uint32_t *n)
{
    *n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        if (pc_eval(c, e, s, &out[(*n)++]))
            return -1;
    }
    return 0;
}

static int a_expr(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const char *kind = pc_str(n, "kind");
    const char *op = pc_last_name(item(n, "name"));
    const cJSON *l = item(n, "lexpr"), *r = item(n, "rexpr");
    pv x = pv_null(), y;
    if (l && pc_eval(c, l, s, &x))
        return -1;
    if (!strcmp(kind, "AEXPR_IN")) {
        pv vals[64];
        uint32_t nv;
        const cJSON *items = item(item(r, "List"), "items");
        if (cJSON_GetArraySize(items) > 64)
            return pc_fail(c, n, "0A000", "IN lists over 64 values are not supported");
        if (eval_list(c, items, s, vals, &nv))
            return -1;
        pv arr = {.k = PV_ARRAY, .oid = 1009, .n = nv, .a = vals};
        if (x.k == PV_NULL) {
            *out = pv_null();
            return 0;
        }
        bool neg = !strcmp(op, "<>");
        if (op_any(c, n, neg ? "<>" : "=", &x, &arr, neg, out))
            return -1;
        return 0;
    }
    if (!strcmp(kind, "AEXPR_BETWEEN") || !strcmp(kind, "AEXPR_NOT_BETWEEN")) {
        pv b[2];
        uint32_t nb;
        if (eval_list(c, item(item(r, "List"), "items"), s, b, &nb))
            return -1;
        if (x.k == PV_NULL || b[0].k == PV_NULL || b[1].k == PV_NULL) {
            *out = pv_null();
            return 0;
        }
        int r1, r2;
        if (pv_cmp(c, &x, &b[0], &r1) || pv_cmp(c, &x, &b[1], &r2))
            return -1;
        *out = pv_bool((r1 >= 0 && r2 <= 0) != (kind[6] == 'N'));
        return 0;
    }
    if (pc_eval(c, r, s, &y))
        return -1;
    if (!strcmp(kind, "AEXPR_NULLIF")) {
        *out = x.k != PV_NULL && y.k != PV_NULL && pv_equal(c, &x, &y) ? pv_null() : x;
        return c->failed ? -1 : 0;
    }
    if (!strcmp(kind, "AEXPR_DISTINCT") || !strcmp(kind, "AEXPR_NOT_DISTINCT")) {
        bool same = pv_equal(c, &x, &y);
        *out = pv_bool(same == (kind[6] == 'N'));
        return c->failed ? -1 : 0;
    }
    if (!l && (!strcmp(op, "-") || !strcmp(op, "+"))) {
        if (y.k == PV_NULL) {
            *out = y;
            return 0;
        }
        pv zero = pv_int(0, BRK_PG_INT4);
        return arith(c, n, op, &zero, &y, out);
    }
    if (x.k == PV_NULL || y.k == PV_NULL) {
        *out = pv_null();
        return 0;
    }
    if (!strcmp(kind, "AEXPR_OP_ANY") || !strcmp(kind, "AEXPR_OP_ALL"))
        return op_any(c, n, op, &x, &y, kind[10] == 'L', out);
    if (!strcmp(kind, "AEXPR_LIKE") || !strcmp(kind, "AEXPR_ILIKE") ||
        !strcmp(kind, "AEXPR_OP"))
        return binop(c, n, op, &x, &y, out);
    return pc_fail(c, n, "0A000", "%s is not supported in catalog queries", kind);
}

static int bool_expr(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const char *op = pc_str(n, "boolop");
    const cJSON *e;
    if (!strcmp(op, "NOT_EXPR")) {
        pv v;
        if (pc_eval(c, cJSON_GetArrayItem(item(n, "args"), 0), s, &v))
            return -1;
        *out = v.k == PV_NULL ? v : pv_bool(!truthy(&v));
        return 0;
    }
    bool is_and = !strcmp(op, "AND_EXPR"), any_null = false;
    cJSON_ArrayForEach(e, item(n, "args"))
    {
        pv v;
        if (pc_eval(c, e, s, &v))
            return -1;
        if (v.k == PV_NULL) {
            any_null = true;
        } else if (truthy(&v) != is_and) {
            *out = pv_bool(!is_and);
            return 0;
        }
    }
    *out = any_null ? pv_null() : pv_bool(is_and);
    return 0;
}

static int case_expr(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const cJSON *arg = item(n, "arg"), *w;
    pv a = pv_null();
    if (arg && pc_eval(c, arg, s, &a))
        return -1;
    cJSON_ArrayForEach(w, item(n, "args"))
    {
        const cJSON *cw = item(w, "CaseWhen");
        pv v;
        if (pc_eval(c, item(cw, "expr"), s, &v))
            return -1;
        bool hit = arg ? a.k != PV_NULL && v.k != PV_NULL && pv_equal(c, &a, &v) : truthy(&v);
        if (c->failed)
            return -1;
        if (hit)
            return pc_eval(c, item(cw, "result"), s, out);
    }
    const cJSON *def = item(n, "defresult");
    if (def)
        return pc_eval(c, def, s, out);
    *out = pv_null();
    return 0;
}

/* The OID a TypeName names (arrays included); 0 when unknown. */
static int32_t type_name_oid(const cJSON *tn)
{
    int32_t oid = pc_type_by_name(pc_last_name(item(tn, "names")));
    if (oid && item(tn, "arrayBounds"))
        oid = pc_type_array_of(oid);
    return oid;
}

static int type_cast(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const cJSON *tn = item(n, "typeName");
    int32_t oid = type_name_oid(tn);
    if (!oid)
        return pc_fail(c, tn, "0A000", "type %s is not supported in catalog queries",
                       pc_last_name(item(tn, "names")));
    pv v;
    if (pc_eval(c, item(n, "arg"), s, &v))
        return -1;
    if (pv_cast(c, &v, oid, out)) {
        if (c->position < 0)
            c->position = (int)num(n, "location") + 1;
        return -1;
    }
    return 0;
}

static int indirection(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    pv v;
    if (pc_eval(c, item(n, "arg"), s, &v))
        return -1;
    const cJSON *ind;
    cJSON_ArrayForEach(ind, item(n, "indirection"))
    {
        const cJSON *ix = item(ind, "A_Indices");
        if (!ix || cJSON_IsTrue(item(ix, "is_slice")))
            return pc_fail(c, n, "0A000", "only array subscripts are supported");
        pv k;
        if (pc_eval(c, item(ix, "uidx"), s, &k))
            return -1;
        if (v.k == PV_TEXT)
            v = pv_parse_array(c, v.s, pc_type_elem(v.oid));
        if (v.k == PV_NULL || k.k == PV_NULL) {
            *out = pv_null();
            return c->failed ? -1 : 0;
        }
        if (v.k != PV_ARRAY || k.k != PV_INT)
            return pc_fail(c, n, "42804", "cannot subscript this value");
        v = k.i >= 1 && k.i <= v.n ? v.a[k.i - 1] : pv_null();
    }
    *out = v;
    return 0;
}

/* ---- subqueries -------------------------------------------------------------- */

static int sublink(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const char *type = pc_str(n, "subLinkType");
    pc_rel *r;
    if (pc_select(c, item(n, "subselect"), s, &r))
        return -1;
    if (!strcmp(type, "EXISTS_SUBLINK")) {
        *out = pv_bool(r->nrows > 0);
        return 0;
    }
    if (r->ncols != 1)
        return pc_fail(c, n, "42601", "subquery must return only one column");
    if (!strcmp(type, "EXPR_SUBLINK")) {
        if (r->nrows > 1)
            return pc_fail(c, n, "21000", "more than one row returned by a subquery used as "
                                          "an expression");
        *out = r->nrows ? r->cells[0] : pv_null();
        return 0;
    }
    if (!strcmp(type, "ARRAY_SUBLINK")) {
        int32_t t = r->types[0];
        *out = (pv){.k = PV_ARRAY, .oid = pc_type_array_of(t) ? pc_type_array_of(t) : 1009,
                    .n = r->nrows, .a = r->cells};
        return 0;
    }
    if (!strcmp(type, "ANY_SUBLINK") || !strcmp(type, "ALL_SUBLINK")) {
        pv x;
        if (pc_eval(c, item(n, "testexpr"), s, &x))
            return -1;
        if (x.k == PV_NULL) {
            *out = pv_null();
            return 0;
        }
        const cJSON *names = item(n, "operName");
        pv arr = {.k = PV_ARRAY, .oid = 1009, .n = r->nrows, .a = r->cells};
        return op_any(c, n, names ? pc_last_name(names) : "=", &x, &arr, type[1] == 'L', out);
    }
    return pc_fail(c, n, "0A000", "%s subqueries are not supported", type);
}

/* ---- functions ---------------------------------------------------------------- */

static bool is_window_rank(const char *f)
{
    return !strcmp(f, "row_number") || !strcmp(f, "rank") || !strcmp(f, "dense_rank");
}

bool pc_is_aggregate(const cJSON *func)
{
    const char *f = pc_last_name(item(func, "funcname"));
    static const char *const aggs[] = {"count", "min", "max", "sum", "string_agg",
                                       "array_agg", "bool_and", "bool_or", "avg"};
    if (item(func, "over"))
        return false;
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
        if (!strcmp(f, aggs[i]))
            return true;
    return false;
}

bool pc_has_aggregate(const cJSON *n)
{
    if (!n || cJSON_IsString(n) || cJSON_IsNumber(n) || cJSON_IsBool(n))
        return false;
    if (n->string && !strcmp(n->string, "SubLink"))
        return false;
    if (n->string && !strcmp(n->string, "FuncCall") && pc_is_aggregate(n))
        return true;
    const cJSON *e;
    cJSON_ArrayForEach(e, n)
    {
        if (pc_has_aggregate(e))
            return true;
    }
    return false;
}

static int aggregate(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const pc_scope *g = s;
    while (g && !g->group)
        g = g->next;
    const char *f = pc_last_name(item(n, "funcname"));
    if (!g)
        return pc_fail(c, n, "42803", "aggregate %s outside of a grouped query", f);
    const cJSON *args = item(n, "args");
    bool star = cJSON_IsTrue(item(n, "agg_star"));
    pc_scope rs = *g;
    rs.group = NULL;
    tn_buf sb = {0};
    uint32_t cnt = 0, cap = 0;
    pv acc = pv_null(), *arr = NULL;
    for (uint32_t i = 0; i < g->ngroup; i++) {
        rs.row = g->group[i];
        pv v = pv_bool(true), sep = pv_null();
        if (!star && pc_eval(c, cJSON_GetArrayItem(args, 0), &rs, &v))
            break;
        if (!strcmp(f, "string_agg") && pc_eval(c, cJSON_GetArrayItem(args, 1), &rs, &sep))
            break;
        if (!strcmp(f, "array_agg")) {
            if (cnt == cap) {
                pv *grown = qry_alloc(c->a, (cap = cap ? 2 * cap : 8) * sizeof *grown);
                if (cnt)
                    memcpy(grown, arr, cnt * sizeof *grown);
                arr = grown;
            }
            arr[cnt++] = v;
            continue;
        }
        if (v.k == PV_NULL)
            continue;
        int r = 0;
        if (!strcmp(f, "string_agg")) {
            const char *st = cnt && sep.k != PV_NULL ? pv_to_text(c, &sep) : "";
            tn_buf_append(&sb, st, strlen(st));
            const char *t = pv_to_text(c, &v);
            tn_buf_append(&sb, t, strlen(t));
        } else if (!strcmp(f, "min") || !strcmp(f, "max")) {
            if (acc.k == PV_NULL || (!pv_cmp(c, &v, &acc, &r) && (f[1] == 'i' ? r < 0 : r > 0)))
                acc = v;
        } else if (!strcmp(f, "sum") || !strcmp(f, "avg")) {
            pv t;
            if (acc.k == PV_NULL)
                acc = v;
            else if (!arith(c, n, "+", &acc, &v, &t))
                acc = t;
        } else if (!strcmp(f, "bool_and") || !strcmp(f, "bool_or")) {
            bool b = truthy(&v);
            acc = pv_bool(acc.k == PV_NULL ? b : f[5] == 'a' ? acc.i && b : acc.i || b);
        }
        cnt++;
        if (c->failed)
            break;
    }
    if (!c->failed) {
        if (!strcmp(f, "count"))
            *out = pv_int(cnt, BRK_PG_INT8);
        else if (!strcmp(f, "string_agg"))
            *out = cnt ? (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT,
                              .s = qry_strndup(c->a, sb.data ? (char *)sb.data : "", sb.len),
                              .n = (uint32_t)sb.len}
                       : pv_null();
        else if (!strcmp(f, "array_agg"))
            *out = cnt ? (pv){.k = PV_ARRAY, .oid = pc_type_array_of(arr[0].oid)
                                                        ? pc_type_array_of(arr[0].oid) : 1009,
                              .n = cnt, .a = arr}
                       : pv_null();
        else if (!strcmp(f, "avg") && cnt)
            *out = (pv){.k = PV_FLOAT, .oid = BRK_PG_NUMERIC,
                        .d = (acc.k == PV_FLOAT ? acc.d : (double)acc.i) / cnt};
        else
            *out = acc;
    }
    tn_buf_free(&sb);
    return c->failed ? -1 : 0;
}

static int window_value(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    for (; s; s = s->next)
        for (const pc_win *w = s->win; w; w = w->next)
            if (w->node == n) {
                *out = w->vals[s->row];
                return 0;
            }
    return pc_fail(c, n, "0A000", "window functions are only supported in the select list");
}

static const char *arg_text(pc_ctx *c, const pv *args, uint32_t n, uint32_t i)
{
    return i < n ? pv_to_text(c, &args[i]) : NULL;
}

static bool visible_ns(pc_ctx *c, int64_t relid)
{
    const pc_named *r = pc_find_rel_oid(c, relid);
    if (r)
        return strcmp(r->schema, "information_schema") != 0;
    return relid >= PC_FIRST_TABLE_OID;
}

static int format_type(pc_ctx *c, const pv *a, uint32_t n, pv *out)
{
    if (a[0].k == PV_NULL) {
        *out = pv_null();
        return 0;
    }
    const char *s = pc_type_sql((int32_t)a[0].i);
    *out = pv_text(c, s ? s : "???", BRK_PG_TEXT);
    (void)n;
    return 0;
}

static int substring(pc_ctx *c, const pv *a, uint32_t n, pv *out)
{
    const char *s = pv_to_text(c, &a[0]);
    int64_t from = n > 1 && a[1].k == PV_INT ? a[1].i : 1;
    int64_t len = n > 2 && a[2].k == PV_INT ? a[2].i : (int64_t)strlen(s);
    int64_t sl = (int64_t)strlen(s), b = from - 1, e = b + len;
    if (b < 0)
        b = 0;
    if (e > sl)
        e = sl;
    if (e < b)
        e = b;
    char *r = qry_strndup(c->a, s + b, (size_t)(e - b));
    *out = (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT, .s = r, .n = (uint32_t)(e - b)};
    return 0;
}

static int replace(pc_ctx *c, const pv *a, pv *out)
{
    const char *s = pv_to_text(c, &a[0]), *from = pv_to_text(c, &a[1]),
               *to = pv_to_text(c, &a[2]);
    tn_buf b = {0};
    size_t fl = strlen(from);
    for (const char *p = s; *p;) {
        if (fl && !strncmp(p, from, fl)) {
            tn_buf_append(&b, to, strlen(to));
            p += fl;
        } else {
            tn_buf_append(&b, p++, 1);
        }
    }
    *out = pv_text(c, "", BRK_PG_TEXT);
    out->s = qry_strndup(c->a, b.data ? (char *)b.data : "", b.len);
    out->n = (uint32_t)b.len;
    tn_buf_free(&b);
    return 0;
}

static int quote_ident(pc_ctx *c, const char *s, pv *out)
{
    bool plain = *s && (islower((unsigned char)*s) || *s == '_');
    for (const char *p = s; *p && plain; p++)
        plain = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    if (plain) {
        *out = pv_text(c, s, BRK_PG_TEXT);
        return 0;
    }
    tn_buf b = {0};
    tn_buf_append(&b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            tn_buf_append(&b, "\"", 1);
        tn_buf_append(&b, p, 1);
    }
    tn_buf_append(&b, "\"", 1);
    *out = (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT, .s = qry_strndup(c->a, (char *)b.data, b.len),
                .n = (uint32_t)b.len};
    tn_buf_free(&b);
    return 0;
}

static int array_to_string(pc_ctx *c, const pv *a, uint32_t n, pv *out)
{
    pv arr = a[0];
    if (arr.k == PV_TEXT)
        arr = pv_parse_array(c, arr.s, BRK_PG_TEXT);
    if (arr.k != PV_ARRAY)
        return pc_fail(c, NULL, "42883", "array_to_string needs an array");
    const char *sep = arg_text(c, a, n, 1);
    const char *nullstr = arg_text(c, a, n, 2);
    tn_buf b = {0};
    bool first = true;
    for (uint32_t i = 0; i < arr.n; i++) {
        const char *e = arr.a[i].k == PV_NULL ? nullstr : pv_to_text(c, &arr.a[i]);
        if (!e)
            continue;
        if (!first)
            tn_buf_append(&b, sep, strlen(sep));
        tn_buf_append(&b, e, strlen(e));
        first = false;
    }
    *out = (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT,
                .s = qry_strndup(c->a, b.data ? (char *)b.data : "", b.len),
                .n = (uint32_t)b.len};
    tn_buf_free(&b);
    return 0;
}

static pv schemas(pc_ctx *c, bool implicit)
{
    pv *el = qry_alloc(c->a, 2 * sizeof *el);
    uint32_t n = 0;
    if (implicit)
        el[n++] = pv_text(c, "pg_catalog", PC_NAME);
    el[n++] = pv_text(c, "public", PC_NAME);
    return (pv){.k = PV_ARRAY, .oid = 1003, .n = n, .a = el};
}

/* Functions whose NULL arguments do not make the result NULL, or that take
 * none. */
static int session_fn(pc_ctx *c, const char *f, const pv *a, uint32_t n, pv *out)
{
    const brk_pgcat_env *e = c->env;
    if (!strcmp(f, "current_database") || !strcmp(f, "current_catalog"))
        *out = pv_text(c, e->database, PC_NAME);
    else if (!strcmp(f, "current_schema"))
        *out = pv_text(c, "public", PC_NAME);
    else if (!strcmp(f, "current_schemas"))
        *out = schemas(c, n && truthy(&a[0]));
    else if (!strcmp(f, "current_user") || !strcmp(f, "session_user") || !strcmp(f, "user"))
        *out = pv_text(c, e->user, PC_NAME);
    else if (!strcmp(f, "version"))
        *out = pv_text(c, PG_VERSION_TEXT, BRK_PG_TEXT);
    else if (!strcmp(f, "pg_backend_pid") || !strcmp(f, "inet_server_port"))
        *out = pv_int(0, BRK_PG_INT4);
    else if (!strcmp(f, "coalesce")) {
        *out = pv_null();
        for (uint32_t i = 0; i < n; i++)
            if (a[i].k != PV_NULL) {
                *out = a[i];
                break;
            }
    } else if (!strcmp(f, "concat")) {
        pv acc = pv_text(c, "", BRK_PG_TEXT);
        for (uint32_t i = 0; i < n; i++)
            if (a[i].k != PV_NULL && binop(c, NULL, "||", &acc, &a[i], &acc))
                return -1;
        *out = acc;
    } else if (!strcmp(f, "pg_get_expr") || !strcmp(f, "obj_description") ||
               !strcmp(f, "col_description") || !strcmp(f, "shobj_description") ||
               !strcmp(f, "pg_get_statisticsobjdef_columns") ||
               !strcmp(f, "pg_get_indexdef") || !strcmp(f, "pg_get_constraintdef") ||
               !strcmp(f, "pg_get_viewdef") || !strcmp(f, "pg_get_triggerdef")) {
        *out = pv_null(); /* Tannin has no defaults, comments or constraints */
    } else if (!strcmp(f, "current_setting")) {
        const char *name = arg_text(c, a, n, 0);
        const char *v = name && e->setting ? e->setting(e->setting_arg, name) : NULL;
        if (!v)
            return pc_fail(c, NULL, "42704", "unrecognized configuration parameter \"%s\"",
                           name ? name : "");
        *out = pv_text(c, v, BRK_PG_TEXT);
    } else {
        return 1;
    }
    return 0;
}

/* Strict functions: any NULL argument gives NULL (checked by the caller). */
static int strict_fn(pc_ctx *c, const char *f, const pv *a, uint32_t n, pv *out)
{
    if (!strcmp(f, "format_type"))
        return format_type(c, a, n, out);
    if (!strcmp(f, "pg_get_userbyid"))
        *out = pv_text(c, c->env->user, PC_NAME);
    else if (!strncmp(f, "has_", 4) && strstr(f, "_privilege"))
        *out = pv_bool(true); /* reading is all there is */
    else if (!strcmp(f, "pg_table_is_visible"))
        *out = pv_bool(visible_ns(c, a[0].i));
    else if (!strcmp(f, "pg_type_is_visible") || !strcmp(f, "pg_function_is_visible"))
        *out = pv_bool(true);
    else if (!strcmp(f, "pg_relation_is_publishable"))
        *out = pv_bool(false);
    else if (!strcmp(f, "pg_encoding_to_char"))
        *out = pv_text(c, a[0].i == 6 ? "UTF8" : "", PC_NAME);
    else if (!strcmp(f, "pg_relation_size") || !strcmp(f, "pg_total_relation_size") ||
             !strcmp(f, "pg_table_size") || !strcmp(f, "pg_indexes_size"))
        *out = pv_int(0, BRK_PG_INT8);
    else if (!strcmp(f, "array_to_string"))
        return array_to_string(c, a, n, out);
    else if (!strcmp(f, "quote_ident"))
        return quote_ident(c, pv_to_text(c, &a[0]), out);
    else if (!strcmp(f, "upper") || !strcmp(f, "lower")) {
        *out = pv_text(c, pv_to_text(c, &a[0]), BRK_PG_TEXT);
        for (char *p = (char *)out->s; *p; p++)
            *p = (char)(f[0] == 'u' ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
    } else if (!strcmp(f, "length") || !strcmp(f, "char_length")) {
        *out = pv_int((int64_t)strlen(pv_to_text(c, &a[0])), BRK_PG_INT4);
    } else if (!strcmp(f, "substring") || !strcmp(f, "substr")) {
        return substring(c, a, n, out);
    } else if (!strcmp(f, "replace") && n == 3) {
        return replace(c, a, out);
    } else if (!strcmp(f, "array_upper") || !strcmp(f, "array_length") ||
               !strcmp(f, "cardinality")) {
        pv arr = a[0].k == PV_TEXT ? pv_parse_array(c, a[0].s, BRK_PG_TEXT) : a[0];
        *out = arr.k == PV_ARRAY && arr.n ? pv_int(arr.n, BRK_PG_INT4) : pv_null();
    } else if (!strcmp(f, "to_regclass") || !strcmp(f, "to_regtype")) {
        pv r;
        if (pv_cast(c, &a[0], f[6] == 'c' ? PC_REGCLASS : PC_REGTYPE, &r)) {
            c->failed = false; /* to_reg* answer NULL for unknown names */
            r = pv_null();
        }
        *out = r;
    } else if (!strcmp(f, "btrim") || !strcmp(f, "trim")) {
        const char *s = pv_to_text(c, &a[0]);
        while (*s == ' ')
            s++;
        size_t l = strlen(s);
        while (l && s[l - 1] == ' ')
            l--;
        *out = (pv){.k = PV_TEXT, .oid = BRK_PG_TEXT, .s = qry_strndup(c->a, s, l),
                    .n = (uint32_t)l};
    } else {
        return 1;
    }
    return 0;
}

static int func_call(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out)
{
    const char *f = pc_last_name(item(n, "funcname"));
    if (item(n, "over"))
        return is_window_rank(f) ? window_value(c, n, s, out)
                                 : pc_fail(c, n, "0A000", "window function %s is not supported",
                                           f);
    if (pc_is_aggregate(n))
        return aggregate(c, n, s, out);
    pv a[8];
    uint32_t na;
    const cJSON *args = item(n, "args");
    if (cJSON_GetArraySize(args) > 8)
        return pc_fail(c, n, "0A000", "%s with more than 8 arguments is not supported", f);
    if (eval_list(c, args, s, a, &na))
        return -1;
    int rc = session_fn(c, f, a, na, out);
    if (rc <= 0)
        return rc;
    for (uint32_t i = 0; i < na; i++)
        if (a[i].k == PV_NULL) {
            *out = pv_null();
            return 0;
        }
    rc = strict_fn(c, f, a, na, out);
    if (rc > 0)
        return pc_fail(c, n, "42883", "function %s is not supported in catalog queries", f);
    return rc;
}

static int sql_value_fn(pc_ctx *c, const cJSON *n, pv *out)
{
    const char *op = pc_str(n, "op");
    const char *f = !op                                     ? ""
                    : strstr(op, "CURRENT_CATALOG")         ? "current_catalog"
                    : strstr(op, "CURRENT_SCHEMA")          ? "current_schema"
                    : strstr(op, "USER") || strstr(op, "ROLE") ? "current_user"
                                                            : "";
    if (!*f)
        return pc_fail(c, n, "0A000", "%s is not supported in catalog queries", op ? op : "?");
    return session_fn(c, f, NULL, 0, out);
}

int pc_eval(pc_ctx *c, const cJSON *node, const pc_scope *s, pv *out)
{
    const char *kind;
    const cJSON *n = body(node, &kind);
    if (!n)
        return pc_fail(c, NULL, "XX000", "empty expression");
    if (!strcmp(kind, "A_Const"))
        return eval_const(c, n, out);
    if (!strcmp(kind, "ColumnRef"))
        return column_ref(c, n, s, out, NULL);
    if (!strcmp(kind, "A_Expr"))
        return a_expr(c, n, s, out);
    if (!strcmp(kind, "BoolExpr"))
        return bool_expr(c, n, s, out);
    if (!strcmp(kind, "NullTest")) {
        pv v;
        if (pc_eval(c, item(n, "arg"), s, &v))
            return -1;
        bool isnull = v.k == PV_NULL;
        *out = pv_bool(strcmp(pc_str(n, "nulltesttype"), "IS_NULL") ? !isnull : isnull);
        return 0;
    }
    if (!strcmp(kind, "BooleanTest")) {
        pv v;
        if (pc_eval(c, item(n, "arg"), s, &v))
            return -1;
        const char *t = pc_str(n, "booltesttype");
        bool r = strstr(t, "UNKNOWN") ? v.k == PV_NULL
                 : strstr(t, "TRUE")  ? v.k != PV_NULL && truthy(&v)
                                      : v.k != PV_NULL && !truthy(&v);
        *out = pv_bool(strstr(t, "NOT") ? !r : r);
        return 0;
    }
    if (!strcmp(kind, "CaseExpr"))
        return case_expr(c, n, s, out);
    if (!strcmp(kind, "CoalesceExpr")) {
        const cJSON *e;
        cJSON_ArrayForEach(e, item(n, "args"))
        {
            if (pc_eval(c, e, s, out))
                return -1;
            if (out->k != PV_NULL)
                return 0;
        }
        *out = pv_null();
        return 0;
    }
    if (!strcmp(kind, "TypeCast"))
        return type_cast(c, n, s, out);
    if (!strcmp(kind, "CollateClause"))
        return pc_eval(c, item(n, "arg"), s, out);
    if (!strcmp(kind, "FuncCall"))
        return func_call(c, n, s, out);
    if (!strcmp(kind, "SQLValueFunction"))
        return sql_value_fn(c, n, out);
    if (!strcmp(kind, "SubLink"))
        return sublink(c, n, s, out);
    if (!strcmp(kind, "A_Indirection"))
        return indirection(c, n, s, out);
    if (!strcmp(kind, "A_ArrayExpr")) {
        const cJSON *els = item(n, "elements");
        uint32_t cnt = (uint32_t)cJSON_GetArraySize(els), k;
        pv *el = qry_alloc(c->a, (cnt + 1) * sizeof *el);
        if (eval_list(c, els, s, el, &k))
            return -1;
        int32_t at = cnt ? pc_type_array_of(el[0].oid) : 0;
        *out = (pv){.k = PV_ARRAY, .oid = at ? at : 1009, .n = k, .a = el};
        return 0;
    }
    if (!strcmp(kind, "ParamRef"))
        return pc_fail(c, n, "08P01", "there is no parameter $%d", (int)num(n, "number"));
    return pc_fail(c, n, "0A000", "%s is not supported in catalog queries", kind);
}

/* ---- static types ---------------------------------------------------------- */

int32_t pc_guess_type(pc_ctx *c, const cJSON *node, const pc_scope *s)
{
    const char *kind;
    const cJSON *n = body(node, &kind);
    if (!n)
        return BRK_PG_TEXT;
    if (!strcmp(kind, "ColumnRef")) {
        int32_t t = BRK_PG_TEXT;
        bool was = c->failed;
        if (column_ref(c, n, s, NULL, &t) && !was)
            c->failed = false;
        return t;
    }
    if (!strcmp(kind, "TypeCast")) {
        int32_t t = type_name_oid(item(n, "typeName"));
        return t ? t : BRK_PG_TEXT;
    }
    if (!strcmp(kind, "A_Const"))
        return item(n, "ival") ? BRK_PG_INT4 : item(n, "boolval") ? BRK_PG_BOOL : BRK_PG_TEXT;
    if (!strcmp(kind, "NullTest") || !strcmp(kind, "BoolExpr"))
        return BRK_PG_BOOL;
    if (!strcmp(kind, "A_Expr")) {
        const char *op = pc_last_name(item(n, "name"));
        if (!strcmp(pc_str(n, "kind"), "AEXPR_NULLIF"))
            return pc_guess_type(c, item(n, "lexpr"), s);
        return strchr("=<>!~", op[0]) || strcmp(pc_str(n, "kind"), "AEXPR_OP")
                   ? BRK_PG_BOOL
                   : pc_guess_type(c, item(n, "lexpr"), s);
    }
    if (!strcmp(kind, "FuncCall")) {
        const char *f = pc_last_name(item(n, "funcname"));
        if (!strcmp(f, "count") || !strcmp(f, "row_number") || !strcmp(f, "rank") ||
            !strcmp(f, "dense_rank"))
            return BRK_PG_INT8;
        if (!strncmp(f, "has_", 4) || strstr(f, "_is_visible"))
            return BRK_PG_BOOL;
        if (!strcmp(f, "min") || !strcmp(f, "max"))
            return pc_guess_type(c, cJSON_GetArrayItem(item(n, "args"), 0), s);
        if (!strcmp(f, "current_database") || !strcmp(f, "pg_get_userbyid"))
            return PC_NAME;
    }
    if (!strcmp(kind, "CoalesceExpr"))
        return pc_guess_type(c, cJSON_GetArrayItem(item(n, "args"), 0), s);
    return BRK_PG_TEXT;
}
