/*
 * qry_eval.c: batch evaluation of bound expressions: literals, calls into
 * the function registry, boolean logic with SQL's three-valued NULL rules,
 * and the predicates (comparison, BETWEEN, IN, LIKE, REGEXP_LIKE, IS NULL)
 * with Pinot's multi-value rule: a positive predicate holds when any value
 * of the row holds it; a negated one (<>, NOT IN, NOT LIKE, NOT BETWEEN)
 * holds when no value holds the positive form.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "qry_eval.h"
#include "qry_func_int.h"

#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- scalars ------------------------------------------------------------------- */

void qry_vec_get(const qry_vec *v, uint32_t r, qry_val *out)
{
    memset(out, 0, sizeof *out);
    out->type = v->type;
    if (v->nulls && v->nulls[r]) {
        out->kind = QV_NULL;
        return;
    }
    out->kind = v->kind;
    if (v->kind == QV_LONG)
        out->i = v->i[r];
    else if (v->kind == QV_DOUBLE)
        out->d = v->d[r];
    else if (v->kind == QV_STRING) {
        out->s = v->s[r].s.p;
        out->len = v->s[r].s.len;
    }
}

/* Numeric value of a string the way Java's Double.parseDouble would read
 * it; false when it is not a number. */
static bool str_number(const char *s, uint32_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    while (*end == ' ')
        end++;
    return *end == '\0';
}

static double val_double(const qry_val *v)
{
    if (v->kind == QV_LONG)
        return (double)v->i;
    if (v->kind == QV_DOUBLE)
        return v->d;
    double d;
    return str_number(v->s, v->len, &d) ? d : NAN;
}

static int cmp_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b); /* NaN sorts last, as seg_value_cmp */
    return (a > b) - (a < b);
}

int qry_val_cmp(const qry_val *a, const qry_val *b)
{
    /* NULL sorts after every value, as in Pinot (and PostgreSQL): last in
     * ascending order, first in descending */
    if (a->kind == QV_NULL || b->kind == QV_NULL)
        return (a->kind == QV_NULL) - (b->kind == QV_NULL);
    if (a->kind == QV_LONG && b->kind == QV_LONG)
        return (a->i > b->i) - (a->i < b->i);
    if (a->kind == QV_STRING && b->kind == QV_STRING) {
        uint32_t m = TN_MIN(a->len, b->len);
        int c = m ? memcmp(a->s, b->s, m) : 0;
        return c ? (c < 0 ? -1 : 1) : (a->len > b->len) - (a->len < b->len);
    }
    return cmp_double(val_double(a), val_double(b));
}

/* ---- conversion ------------------------------------------------------------------ */

int qry_vec_convert(qry_vec *v, qry_kind k, qry_arena *a, qry_err *err)
{
    if (v->kind == k)
        return 0;
    uint32_t nv = v->mv_off ? v->mv_off[v->n] : v->n;
    size_t cnt = nv ? nv : 1;
    if (k == QV_DOUBLE && v->kind == QV_LONG) {
        v->d = qry_alloc(a, cnt * sizeof *v->d);
        for (uint32_t i = 0; i < nv; i++)
            v->d[i] = (double)v->i[i];
    } else if (k == QV_LONG && v->kind == QV_DOUBLE) {
        v->i = qry_alloc(a, cnt * sizeof *v->i);
        for (uint32_t i = 0; i < nv; i++)
            v->i[i] = isfinite(v->d[i]) ? (int64_t)v->d[i] : 0;
    } else if (k == QV_STRING) {
        v->s = qry_alloc(a, cnt * sizeof *v->s);
        char buf[40];
        for (uint32_t i = 0; i < nv; i++) {
            int len = v->kind == QV_LONG ? snprintf(buf, sizeof buf, "%lld", (long long)v->i[i])
                                         : qry_format_double(v->d[i], buf, sizeof buf);
            v->s[i].s.p = qry_strndup(a, buf, (size_t)len);
            v->s[i].s.len = (uint32_t)len;
        }
    } else if (v->kind == QV_STRING) {
        bool to_long = k == QV_LONG;
        if (to_long)
            v->i = qry_alloc(a, cnt * sizeof *v->i);
        else
            v->d = qry_alloc(a, cnt * sizeof *v->d);
        for (uint32_t i = 0; i < nv; i++) {
            double d;
            if (!str_number(v->s[i].s.p, v->s[i].s.len, &d))
                return qry_fail(err, QRY_ERR_EXEC, -1, "cannot convert '%.*s' to a number",
                                (int)TN_MIN(v->s[i].s.len, 64u), v->s[i].s.p);
            if (to_long)
                v->i[i] = (int64_t)d;
            else
                v->d[i] = d;
        }
    } else {
        return qry_fail(err, QRY_ERR_EXEC, -1, "cannot convert a NULL vector");
    }
    v->kind = k;
    return 0;
}

int qry_format_double(double d, char *buf, size_t cap)
{
    char tmp[64]; /* Double.toString needs at most 26 bytes */
    size_t n = qry_text_double(d, tmp);
    if (!cap)
        return 0;
    n = TN_MIN(n, cap - 1);
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return (int)n;
}

/* ---- structure ---------------------------------------------------------------------- */

static bool lit_equal(const qry_val *a, const qry_val *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case QV_LONG: return a->i == b->i && a->type == b->type;
    case QV_DOUBLE: return a->d == b->d || (isnan(a->d) && isnan(b->d));
    case QV_STRING: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    default: return true;
    }
}

bool qry_expr_equal(const qry_expr *a, const qry_expr *b)
{
    if (!a || !b)
        return a == b;
    if (a->op != b->op || a->nargs != b->nargs || a->negated != b->negated ||
        a->distinct != b->distinct)
        return false;
    switch (a->op) {
    case QE_COLUMN:
        if (a->col >= 0 && b->col >= 0)
            return a->col == b->col;
        return a->name && b->name && strcasecmp(a->name, b->name) == 0;
    case QE_LITERAL: return lit_equal(&a->lit, &b->lit);
    case QE_CMP: if (a->cmp != b->cmp) return false; break;
    case QE_CALL:
        if (a->func != b->func || (!a->func && strcasecmp(a->name, b->name) != 0))
            return false;
        break;
    case QE_AGG:
        if (a->agg != b->agg || !qry_expr_equal(a->filter, b->filter))
            return false;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < a->nargs; i++)
        if (!qry_expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}

/* ---- prepared predicate state (LIKE, REGEXP, IN lists) ------------------------ */

typedef struct like_pat {
    const char *p;
    uint32_t len;
} like_pat;

typedef struct regex_pat {
    pcre2_code *code;
} regex_pat;

typedef struct in_list {
    qry_val *vals; /* sorted by qry_val_cmp */
    uint32_t n;
} in_list;

static int cmp_val_qsort(const void *a, const void *b)
{
    return qry_val_cmp(a, b);
}

/* Regex code lives outside the arena; the arena cannot run destructors,
 * so compiled patterns are registered here and freed with the query. */
void qry_prepared_free(qry_expr *e)
{
    if (!e)
        return;
    if (e->op == QE_REGEXP && e->aux) {
        pcre2_code_free(((regex_pat *)e->aux)->code);
        e->aux = NULL;
    }
    for (uint32_t i = 0; i < e->nargs; i++)
        qry_prepared_free(e->args[i]);
    qry_prepared_free(e->filter);
}

static int prepare_regex(qry_expr *e, qry_arena *a, qry_err *err)
{
    const qry_expr *p = e->args[1];
    if (p->op != QE_LITERAL || p->lit.kind != QV_STRING)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                        "REGEXP_LIKE needs a string literal pattern");
    uint32_t flags = PCRE2_UTF;
    if (e->nargs > 2) { /* Pinot's match-mode argument: 'i' = case-insensitive */
        const qry_expr *m = e->args[2];
        if (m->op != QE_LITERAL || m->lit.kind != QV_STRING)
            return qry_fail(err, QRY_ERR_VALIDATION, m->position,
                            "REGEXP_LIKE match mode must be a string literal");
        for (uint32_t i = 0; i < m->lit.len; i++) {
            if (m->lit.s[i] == 'i')
                flags |= PCRE2_CASELESS;
            else if (m->lit.s[i] != 'c')
                return qry_fail(err, QRY_ERR_VALIDATION, m->position,
                                "REGEXP_LIKE match mode '%.*s': use 'i' or 'c'",
                                (int)m->lit.len, m->lit.s);
        }
    }
    int ec;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p->lit.s, p->lit.len, flags, &ec,
                                     &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return qry_fail(err, QRY_ERR_VALIDATION, p->position,
                        "bad regular expression at offset %zu: %s", (size_t)off, msg);
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    regex_pat *rp = qry_alloc(a, sizeof *rp);
    rp->code = code;
    e->aux = rp;
    return 0;
}

static int prepare_in(qry_expr *e, qry_arena *a)
{
    for (uint32_t i = 1; i < e->nargs; i++)
        if (e->args[i]->op != QE_LITERAL)
            return 0; /* evaluated row by row */
    in_list *l = qry_alloc(a, sizeof *l);
    l->n = e->nargs - 1;
    l->vals = qry_alloc(a, (l->n + 1) * sizeof *l->vals);
    for (uint32_t i = 0; i < l->n; i++)
        l->vals[i] = e->args[i + 1]->lit;
    qsort(l->vals, l->n, sizeof *l->vals, cmp_val_qsort);
    e->aux = l;
    return 0;
}

/* A string literal compared with a TIMESTAMP becomes epoch milliseconds
 * ('2024-03-01 00:00:00', ISO-8601), as Pinot converts it to the column's
 * type; a string that is no timestamp is an error naming it. */
static int timestamp_literals(qry_expr *e, qry_err *err)
{
    if (e->op != QE_CMP && e->op != QE_BETWEEN && e->op != QE_IN)
        return 0;
    bool ts = false;
    for (uint32_t i = 0; i < e->nargs; i++)
        ts |= e->args[i]->op != QE_LITERAL && e->args[i]->type == SEG_TIMESTAMP;
    for (uint32_t i = 0; ts && i < e->nargs; i++) {
        qry_val *l = &e->args[i]->lit;
        if (e->args[i]->op != QE_LITERAL || l->kind != QV_STRING)
            continue;
        seg_value v;
        if (seg_value_parse(SEG_TIMESTAMP, l->s, l->len, &v) != 0)
            return qry_fail(err, QRY_ERR_VALIDATION, e->args[i]->position,
                            "'%.*s' is not a timestamp", (int)TN_MIN(l->len, 64u), l->s);
        l->kind = QV_LONG;
        l->type = SEG_TIMESTAMP;
        l->i = v.i;
        e->args[i]->type = SEG_TIMESTAMP;
    }
    return 0;
}

int qry_prepare(qry_expr *e, qry_arena *a, qry_err *err)
{
    if (!e)
        return 0;
    if (timestamp_literals(e, err))
        return -1;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (qry_prepare(e->args[i], a, err))
            return -1;
    if (qry_prepare(e->filter, a, err))
        return -1;
    if (e->aux)
        return 0;
    if (e->op == QE_REGEXP)
        return prepare_regex(e, a, err);
    if (e->op == QE_IN)
        return prepare_in(e, a);
    if (e->op == QE_LIKE) {
        const qry_expr *p = e->args[1];
        if (p->op != QE_LITERAL || p->lit.kind != QV_STRING)
            return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                            "LIKE needs a string literal pattern");
        like_pat *lp = qry_alloc(a, sizeof *lp);
        lp->p = p->lit.s;
        lp->len = p->lit.len;
        e->aux = lp;
    }
    return 0;
}

/* Bytes in the UTF-8 character starting at s[i] (1 for malformed input). */
static uint32_t utf8_len(const char *s, uint32_t i, uint32_t n)
{
    uint32_t k = 1;
    while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
        k++;
    return k;
}

/* SQL LIKE: % any run, _ one character (UTF-8), backslash escapes.
 * Iterative with one backtrack point, linear for patterns with a single %. */
bool qry_like_match(const char *s, uint32_t n, const char *p, uint32_t m)
{
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < n) {
        if (pi < m && p[pi] == '%') {
            star_p = ++pi;
            star_s = si;
        } else if (pi < m && p[pi] == '\\' && pi + 1 < m && p[pi + 1] == s[si]) {
            pi += 2;
            si++;
        } else if (pi < m && p[pi] == '_') {
            pi++;
            si += utf8_len(s, si, n);
        } else if (pi < m && p[pi] == s[si] && p[pi] != '\\') {
            pi++;
            si++;
        } else if (star_p != UINT32_MAX) {
            pi = star_p;
            star_s += utf8_len(s, star_s, n); /* restart on a character boundary */
            si = star_s;
        } else {
            return false;
        }
    }
    while (pi < m && p[pi] == '%')
        pi++;
    return pi == m;
}

/* ---- predicates ---------------------------------------------------------------------- */

static bool cmp_holds(qry_cmp op, int c)
{
    switch (op) {
    case QC_EQ: return c == 0;
    case QC_NE: return c != 0;
    case QC_LT: return c < 0;
    case QC_LE: return c <= 0;
    case QC_GT: return c > 0;
    default: return c >= 0;
    }
}

static bool in_holds(const qry_expr *e, const qry_val *v, qry_vec *const *lists, uint32_t r)
{
    const in_list *l = e->aux;
    if (l) {
        uint32_t lo = 0, hi = l->n;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            int c = qry_val_cmp(&l->vals[mid], v);
            if (c == 0)
                return true;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return false;
    }
    for (uint32_t k = 1; k < e->nargs; k++) {
        qry_val w;
        qry_vec_get(lists[k], r, &w);
        if (qry_val_cmp(v, &w) == 0)
            return true;
    }
    return false;
}

static bool regex_holds(const qry_expr *e, const qry_val *v, pcre2_match_data *md)
{
    const regex_pat *rp = e->aux;
    if (v->kind != QV_STRING)
        return false;
    return pcre2_match(rp->code, (PCRE2_SPTR)v->s, v->len, 0, 0, md, NULL) >= 0;
}

/* Whether one value satisfies the positive form of predicate e on row r. */
static bool value_holds(const qry_expr *e, const qry_val *v, qry_vec *const *args,
                        uint32_t r, pcre2_match_data *md)
{
    qry_val b, c;
    switch (e->op) {
    case QE_CMP:
        qry_vec_get(args[1], r, &b);
        return b.kind != QV_NULL && cmp_holds(e->cmp, qry_val_cmp(v, &b));
    case QE_BETWEEN:
        qry_vec_get(args[1], r, &b);
        qry_vec_get(args[2], r, &c);
        return qry_val_cmp(v, &b) >= 0 && qry_val_cmp(v, &c) <= 0;
    case QE_IN:
        return in_holds(e, v, args, r);
    case QE_LIKE: {
        const like_pat *lp = e->aux;
        return v->kind == QV_STRING && qry_like_match(v->s, v->len, lp->p, lp->len);
    }
    case QE_REGEXP:
        return regex_holds(e, v, md);
    default:
        return false;
    }
}

/* Value k (not row) of a possibly multi-value vector. */
static void vec_value(const qry_vec *v, uint32_t k, qry_val *out)
{
    memset(out, 0, sizeof *out);
    out->kind = v->kind;
    out->type = v->type;
    if (v->kind == QV_LONG)
        out->i = v->i[k];
    else if (v->kind == QV_DOUBLE)
        out->d = v->d[k];
    else if (v->kind == QV_STRING) {
        out->s = v->s[k].s.p;
        out->len = v->s[k].s.len;
    }
}

static qry_vec *bool_vec(qry_eval_ctx *cx, uint32_t n)
{
    return qry_vec_new(cx->arena, QV_LONG, SEG_BOOLEAN, n);
}

static void set_null(qry_vec *v, uint32_t r, qry_arena *a)
{
    if (!v->nulls)
        v->nulls = qry_alloc(a, v->n ? v->n : 1);
    v->nulls[r] = 1;
    v->i[r] = 0;
}

static int eval_pred(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    (void)err;
    qry_vec *res = bool_vec(cx, n);
    const qry_vec *t = args[0];
    pcre2_match_data *md = NULL;
    if (e->op == QE_REGEXP)
        md = pcre2_match_data_create_from_pattern(((const regex_pat *)e->aux)->code, NULL);
    for (uint32_t r = 0; r < n; r++) {
        bool is_null = t->nulls && t->nulls[r];
        if (e->op == QE_IS_NULL) {
            res->i[r] = is_null != e->negated;
            continue;
        }
        if (is_null) {
            set_null(res, r, cx->arena);
            continue;
        }
        uint32_t b = t->mv_off ? t->mv_off[r] : r, end = t->mv_off ? t->mv_off[r + 1] : r + 1;
        bool any = false;
        for (uint32_t k = b; k < end && !any; k++) {
            qry_val v;
            vec_value(t, k, &v);
            any = value_holds(e, &v, args, r, md);
        }
        /* a NE comparison negates an EQ: "no value equals" on multi-value */
        bool neg = e->negated;
        res->i[r] = any != neg;
    }
    pcre2_match_data_free(md);
    *out = res;
    return 0;
}

/* <> is evaluated as the negation of = so that multi-value rows follow
 * Pinot's exclusive rule; other comparisons are positive. */
static const qry_expr *normalize_ne(const qry_expr *e, qry_expr *tmp)
{
    if (e->op != QE_CMP || e->cmp != QC_NE)
        return e;
    *tmp = *e;
    tmp->cmp = QC_EQ;
    tmp->negated = !e->negated;
    return tmp;
}

/* ---- boolean logic ---------------------------------------------------------------------- */

static int eval_logic(const qry_expr *e, const qry_source *src, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    qry_vec *res = bool_vec(cx, n);
    bool is_and = e->op == QE_AND;
    for (uint32_t r = 0; r < n; r++)
        res->i[r] = is_and;
    for (uint32_t a = 0; a < e->nargs; a++) {
        qry_vec *v;
        if (qry_eval(e->args[a], src, n, cx, &v, err))
            return -1;
        for (uint32_t r = 0; r < n; r++) {
            bool vn = v->nulls && v->nulls[r], rn = res->nulls && res->nulls[r];
            bool vt = !vn && v->i[r], rt = !rn && res->i[r];
            if (e->op == QE_NOT) {
                if (vn)
                    set_null(res, r, cx->arena);
                else
                    res->i[r] = !v->i[r];
                continue;
            }
            /* three-valued: AND is false if any false, else NULL if any NULL */
            bool decided = is_and ? ((!vn && !vt) || (!rn && !rt)) : (vt || rt);
            if (decided) {
                res->i[r] = !is_and;
                if (res->nulls)
                    res->nulls[r] = 0;
            } else if (vn || rn) {
                set_null(res, r, cx->arena);
            } else {
                res->i[r] = is_and;
            }
        }
    }
    *out = res;
    return 0;
}

/* ---- the evaluator ----------------------------------------------------------------------- */

static int eval_literal(const qry_expr *e, uint32_t n, qry_eval_ctx *cx, qry_vec **out)
{
    const qry_val *l = &e->lit;
    qry_kind k = l->kind == QV_NULL ? QV_LONG : l->kind;
    qry_vec *v = qry_vec_new(cx->arena, k, l->kind == QV_NULL ? e->type : l->type, n);
    for (uint32_t r = 0; r < n; r++) {
        if (k == QV_LONG)
            v->i[r] = l->i;
        else if (k == QV_DOUBLE)
            v->d[r] = l->d;
        else {
            v->s[r].s.p = l->s;
            v->s[r].s.len = l->len;
        }
    }
    if (l->kind == QV_NULL) {
        v->nulls = qry_alloc(cx->arena, n ? n : 1);
        memset(v->nulls, 1, n);
    }
    *out = v;
    return 0;
}

static int eval_args(const qry_expr *e, const qry_source *src, uint32_t n,
                     qry_eval_ctx *cx, qry_vec ***out, qry_err *err)
{
    qry_vec **args = qry_alloc(cx->arena, (e->nargs + 1) * sizeof *args);
    for (uint32_t i = 0; i < e->nargs; i++)
        if (qry_eval(e->args[i], src, n, cx, &args[i], err))
            return -1;
    *out = args;
    return 0;
}

int qry_eval(const qry_expr *e, const qry_source *src, uint32_t n,
             qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    qry_vec **args;
    qry_expr tmp;
    if (src->known) {
        int k = src->known(src->ctx, e, n, cx, out, err);
        if (k)
            return k < 0 ? -1 : 0;
    }
    switch (e->op) {
    case QE_LITERAL:
        return eval_literal(e, n, cx, out);
    case QE_STAR: {
        qry_vec *v = qry_vec_new(cx->arena, QV_LONG, SEG_LONG, n);
        for (uint32_t r = 0; r < n; r++)
            v->i[r] = 1;
        *out = v;
        return 0;
    }
    case QE_COLUMN:
    case QE_AGG:
        return src->leaf(src->ctx, e, n, cx, out, err);
    case QE_CALL:
        if (!e->func)
            return qry_fail(err, QRY_ERR_EXEC, e->position, "function '%s' is not bound",
                            e->name ? e->name : "?");
        if (eval_args(e, src, n, cx, &args, err))
            return -1;
        return e->func->eval(e, args, n, cx, out, err);
    case QE_AND:
    case QE_OR:
    case QE_NOT:
        return eval_logic(e, src, n, cx, out, err);
    default:
        if (eval_args(e, src, n, cx, &args, err))
            return -1;
        return eval_pred(normalize_ne(e, &tmp), args, n, cx, out, err);
    }
}
