/*
 * srv_expr.c: parsing ingestion expressions (transform and filter functions
 * of a Pinot table config) into trees; srv_expr_eval.c evaluates them.
 *
 * Grammar (SQL-like, as Pinot's filter functions are written):
 *   or := and {OR and}        and := not {AND not}        not := NOT not | cmp
 *   cmp := sum [(= | == | != | <> | < | <= | > | >=) sum | [NOT] IN (list)
 *          | IS [NOT] NULL | [NOT] BETWEEN sum AND sum]
 *   sum := prod {(+|-) prod}  prod := unary {(*|/|%) unary}  unary := -unary | primary
 *   primary := number | 'string' | "column" | column | name(args) | (or) | TRUE | FALSE | NULL
 */
#include "srv_expr_int.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tokens --------------------------------------------------------- */

typedef enum tok_kind {
    T_END, T_NUM, T_STR, T_IDENT, T_QIDENT, T_OP, T_LP, T_RP, T_COMMA
} tok_kind;

typedef struct parser {
    const char *text;
    size_t pos;          /* next byte to scan */
    tok_kind kind;       /* current token */
    size_t tstart, tlen; /* its bytes */
    char *tval;          /* unquoted string or identifier (heap) */
    const seg_schema *schema;
    char *err;
    int rc;
} parser;

static int perr(parser *p, const char *what)
{
    if (p->rc)
        return p->rc;
    if (p->kind == T_END)
        p->rc = tn_err(p->err, TN_EINVAL, "%s at byte %zu (end of expression)", what, p->tstart);
    else
        p->rc = tn_err(p->err, TN_EINVAL, "%s at byte %zu, near '%.*s'", what, p->tstart,
                       (int)TN_MIN(p->tlen, 40), p->text + p->tstart);
    return p->rc;
}

/* A quoted token: q is the quote, doubled inside to escape it. */
static int scan_quoted(parser *p, char q)
{
    const char *t = p->text;
    size_t i = p->pos + 1, cap = 16, n = 0;
    char *out = tn_malloc(cap);
    for (;;) {
        if (!t[i]) {
            free(out);
            p->tlen = i - p->tstart;
            return perr(p, q == '\'' ? "unterminated string" : "unterminated quoted name");
        }
        if (t[i] == q && t[i + 1] != q)
            break;
        if (t[i] == q)
            i++;
        if (n + 1 >= cap)
            out = tn_realloc(out, cap *= 2);
        out[n++] = t[i++];
    }
    out[n] = 0;
    p->tval = out;
    p->kind = q == '\'' ? T_STR : T_QIDENT;
    p->pos = i + 1;
    return TN_OK;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$' || c == '.';
}

static int scan_op(parser *p)
{
    static const char *const ops[] = {"==", "!=", "<>", "<=", ">=", "=", "<", ">",
                                      "+", "-", "*", "/", "%"};
    for (size_t i = 0; i < TN_ARRAY_LEN(ops); i++) {
        size_t n = strlen(ops[i]);
        if (!strncmp(p->text + p->pos, ops[i], n)) {
            p->kind = T_OP;
            p->pos += n;
            return TN_OK;
        }
    }
    p->tlen = 1;
    return perr(p, "unexpected character");
}

static int next(parser *p)
{
    free(p->tval);
    p->tval = NULL;
    const char *t = p->text;
    while (isspace((unsigned char)t[p->pos]))
        p->pos++;
    p->tstart = p->pos;
    char c = t[p->pos];
    int rc = TN_OK;
    if (!c) {
        p->kind = T_END;
    } else if (c == '\'' || c == '"' || c == '`') {
        rc = scan_quoted(p, c == '`' ? '`' : c);
        if (!rc && c == '`')
            p->kind = T_QIDENT;
    } else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)t[p->pos + 1]))) {
        char *end;
        strtod(t + p->pos, &end);
        p->pos = (size_t)(end - t);
        p->kind = T_NUM;
    } else if (isalpha((unsigned char)c) || c == '_' || c == '$') {
        while (ident_char(t[p->pos]))
            p->pos++;
        p->kind = T_IDENT;
        p->tval = tn_strndup(t + p->tstart, p->pos - p->tstart);
    } else if (c == '(' || c == ')' || c == ',') {
        p->kind = c == '(' ? T_LP : c == ')' ? T_RP : T_COMMA;
        p->pos++;
    } else {
        rc = scan_op(p);
    }
    p->tlen = p->pos - p->tstart;
    if (rc) /* the error is recorded; the parse winds down at a fake end */
        p->kind = T_END;
    return rc;
}

static bool is_op(const parser *p, const char *op)
{
    return p->kind == T_OP && p->tlen == strlen(op) && !strncmp(p->text + p->tstart, op, p->tlen);
}

static bool is_kw(const parser *p, const char *kw)
{
    return p->kind == T_IDENT && !strcasecmp(p->tval, kw);
}

/* ---- tree ----------------------------------------------------------- */

static srv_expr *node(srv_ekind kind)
{
    srv_expr *e = tn_calloc(1, sizeof *e);
    e->kind = kind;
    e->field = -1;
    return e;
}

static void add_arg(srv_expr *e, srv_expr *a)
{
    e->args = tn_realloc(e->args, (e->nargs + 1) * sizeof *e->args);
    e->args[e->nargs++] = a;
}

static srv_expr *binary(srv_ekind kind, int op, srv_expr *l, srv_expr *r)
{
    srv_expr *e = node(kind);
    e->op = op;
    add_arg(e, l);
    add_arg(e, r);
    return e;
}

void srv_expr_free(srv_expr *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < e->nargs; i++)
        srv_expr_free(e->args[i]);
    free(e->args);
    free(e->text);
    free(e);
}

/* ---- parser --------------------------------------------------------- */

static srv_expr *parse_or(parser *p);

static srv_expr *parse_number(parser *p)
{
    srv_expr *e = node(EX_LIT);
    const char *s = p->text + p->tstart;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)TN_MIN(p->tlen, 63), s);
    bool integral = !strpbrk(buf, ".eE");
    errno = 0;
    long long v = integral ? strtoll(buf, NULL, 10) : 0;
    if (integral && !errno)
        e->lit = srv_long(v);
    else
        e->lit = srv_double(strtod(buf, NULL));
    next(p);
    return e;
}

static srv_expr *parse_call(parser *p, char *name, size_t name_pos)
{
    const srv_func *fn = srv_func_find(name);
    if (!fn) {
        p->tstart = name_pos; /* point at the name, not at its '(' */
        p->tlen = strlen(name);
        if (!strcasecmp(name, "groovy"))
            perr(p, "Groovy() transforms are not supported (use built-in functions)");
        else
            perr(p, "unknown function");
        free(name);
        return NULL;
    }
    srv_expr *e = node(EX_CALL);
    e->fn = fn;
    e->text = name;
    next(p); /* ( */
    if (p->kind != T_RP) {
        for (;;) {
            srv_expr *a = parse_or(p);
            if (!a)
                goto fail;
            add_arg(e, a);
            if (p->kind != T_COMMA)
                break;
            next(p);
        }
    }
    if (p->kind != T_RP) {
        perr(p, "expected ',' or ')' in the arguments");
        goto fail;
    }
    if (e->nargs < fn->min_args || e->nargs > fn->max_args) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s() takes %u to %u arguments, got %u", fn->name,
                 fn->min_args, fn->max_args, e->nargs);
        perr(p, msg);
        goto fail;
    }
    next(p);
    return e;
fail:
    srv_expr_free(e);
    return NULL;
}

static srv_expr *parse_name(parser *p)
{
    bool quoted = p->kind == T_QIDENT;
    size_t name_pos = p->tstart;
    char *name = p->tval;
    p->tval = NULL;
    if (!quoted) {
        if (!strcasecmp(name, "true") || !strcasecmp(name, "false") ||
            !strcasecmp(name, "null")) {
            srv_expr *e = node(EX_LIT);
            if (strcasecmp(name, "null"))
                e->lit = (srv_val){.kind = SV_BOOL, .i = !strcasecmp(name, "true")};
            free(name);
            next(p);
            return e;
        }
        next(p);
        if (p->kind == T_LP)
            return parse_call(p, name, name_pos);
    } else {
        next(p);
    }
    srv_expr *e = node(EX_COL);
    e->text = name;
    e->field = p->schema ? seg_schema_find(p->schema, name) : -1;
    return e;
}

static srv_expr *parse_primary(parser *p)
{
    switch (p->kind) {
    case T_NUM:
        return parse_number(p);
    case T_STR: {
        srv_expr *e = node(EX_LIT);
        e->text = p->tval;
        p->tval = NULL;
        e->lit = srv_string(e->text, (uint32_t)strlen(e->text));
        next(p);
        return e;
    }
    case T_IDENT:
    case T_QIDENT:
        return parse_name(p);
    case T_LP: {
        next(p);
        srv_expr *e = parse_or(p);
        if (e && p->kind != T_RP) {
            perr(p, "expected ')'");
            srv_expr_free(e);
            return NULL;
        }
        next(p);
        return e;
    }
    default:
        perr(p, "expected a value, a column or a function call");
        return NULL;
    }
}

static srv_expr *parse_unary(parser *p)
{
    if (is_op(p, "-")) {
        next(p);
        srv_expr *a = parse_unary(p);
        if (!a)
            return NULL;
        srv_expr *e = node(EX_NEG);
        add_arg(e, a);
        return e;
    }
    return parse_primary(p);
}

static srv_expr *parse_prod(parser *p)
{
    srv_expr *l = parse_unary(p);
    while (l && (is_op(p, "*") || is_op(p, "/") || is_op(p, "%"))) {
        int op = p->text[p->tstart];
        next(p);
        srv_expr *r = parse_unary(p);
        if (!r) {
            srv_expr_free(l);
            return NULL;
        }
        l = binary(EX_ARITH, op, l, r);
    }
    return l;
}

static srv_expr *parse_sum(parser *p)
{
    srv_expr *l = parse_prod(p);
    while (l && (is_op(p, "+") || is_op(p, "-"))) {
        int op = p->text[p->tstart];
        next(p);
        srv_expr *r = parse_prod(p);
        if (!r) {
            srv_expr_free(l);
            return NULL;
        }
        l = binary(EX_ARITH, op, l, r);
    }
    return l;
}

static int cmp_op(const parser *p)
{
    if (is_op(p, "=") || is_op(p, "==")) return CMP_EQ;
    if (is_op(p, "!=") || is_op(p, "<>")) return CMP_NE;
    if (is_op(p, "<")) return CMP_LT;
    if (is_op(p, "<=")) return CMP_LE;
    if (is_op(p, ">")) return CMP_GT;
    if (is_op(p, ">=")) return CMP_GE;
    return -1;
}

static srv_expr *parse_in(parser *p, srv_expr *l, bool negated)
{
    srv_expr *e = node(EX_IN);
    e->negated = negated;
    add_arg(e, l);
    next(p); /* IN */
    if (p->kind != T_LP) {
        perr(p, "expected '(' after IN");
        goto fail;
    }
    do {
        next(p);
        srv_expr *a = parse_sum(p);
        if (!a)
            goto fail;
        add_arg(e, a);
    } while (p->kind == T_COMMA);
    if (p->kind != T_RP) {
        perr(p, "expected ',' or ')' in the IN list");
        goto fail;
    }
    next(p);
    return e;
fail:
    srv_expr_free(e);
    return NULL;
}

static srv_expr *parse_between(parser *p, srv_expr *l, bool negated)
{
    srv_expr *e = node(EX_BETWEEN);
    e->negated = negated;
    add_arg(e, l);
    next(p); /* BETWEEN */
    srv_expr *lo = parse_sum(p);
    if (lo)
        add_arg(e, lo);
    if (lo && !is_kw(p, "and"))
        perr(p, "expected AND in BETWEEN");
    srv_expr *hi = NULL;
    if (lo && !p->rc) {
        next(p);
        hi = parse_sum(p);
    }
    if (!hi) {
        srv_expr_free(e);
        return NULL;
    }
    add_arg(e, hi);
    return e;
}

static srv_expr *parse_cmp(parser *p)
{
    srv_expr *l = parse_sum(p);
    if (!l)
        return NULL;
    int op = cmp_op(p);
    if (op >= 0) {
        next(p);
        srv_expr *r = parse_sum(p);
        if (!r) {
            srv_expr_free(l);
            return NULL;
        }
        return binary(EX_CMP, op, l, r);
    }
    if (is_kw(p, "is")) {
        next(p);
        bool neg = is_kw(p, "not");
        if (neg)
            next(p);
        if (!is_kw(p, "null")) {
            perr(p, "expected NULL after IS");
            srv_expr_free(l);
            return NULL;
        }
        next(p);
        srv_expr *e = node(EX_ISNULL);
        e->negated = neg;
        add_arg(e, l);
        return e;
    }
    bool neg = is_kw(p, "not");
    if (neg)
        next(p);
    if (is_kw(p, "in"))
        return parse_in(p, l, neg);
    if (is_kw(p, "between"))
        return parse_between(p, l, neg);
    if (neg) {
        perr(p, "expected IN or BETWEEN after NOT");
        srv_expr_free(l);
        return NULL;
    }
    return l;
}

static srv_expr *parse_not(parser *p)
{
    if (is_kw(p, "not")) {
        next(p);
        srv_expr *a = parse_not(p);
        if (!a)
            return NULL;
        srv_expr *e = node(EX_NOT);
        add_arg(e, a);
        return e;
    }
    return parse_cmp(p);
}

static srv_expr *parse_and(parser *p)
{
    srv_expr *l = parse_not(p);
    while (l && is_kw(p, "and")) {
        next(p);
        srv_expr *r = parse_not(p);
        if (!r) {
            srv_expr_free(l);
            return NULL;
        }
        l = binary(EX_AND, 0, l, r);
    }
    return l;
}

static srv_expr *parse_or(parser *p)
{
    srv_expr *l = parse_and(p);
    while (l && is_kw(p, "or")) {
        next(p);
        srv_expr *r = parse_and(p);
        if (!r) {
            srv_expr_free(l);
            return NULL;
        }
        l = binary(EX_OR, 0, l, r);
    }
    return l;
}

int srv_expr_parse(const char *text, const seg_schema *schema, srv_expr **out, char *err)
{
    parser p = {.text = text, .schema = schema, .err = err};
    *out = NULL;
    if (next(&p))
        return p.rc;
    srv_expr *e = parse_or(&p);
    if (e && p.rc) {
        srv_expr_free(e);
        e = NULL;
    }
    if (e && p.kind != T_END) {
        perr(&p, "unexpected text after the expression");
        srv_expr_free(e);
        e = NULL;
    }
    free(p.tval);
    if (!e)
        return p.rc ? p.rc : tn_err(err, TN_EINVAL, "empty expression");
    *out = e;
    return TN_OK;
}
