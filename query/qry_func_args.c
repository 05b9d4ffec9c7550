/*
 * qry_func_args.c: what every scalar function does with its arguments:
 * checks at bind (single-valued, literal parameters), NULL flags, coercion
 * of an argument vector to the kind the function computes in, and space
 * for the strings it makes.
 */
#include <ctype.h>
#include <string.h>

#include "qry_func_int.h"

const char *qry_fn_name(const qry_expr *e)
{
    if (e->func)
        return e->func->name;
    return e->name ? e->name : "function";
}

bool qry_fn_ieq(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)word[i]))
            return false;
    }
    return true;
}

int qry_fn_check_sv(const qry_expr *e, qry_err *err)
{
    for (uint32_t i = 0; i < e->nargs; i++) {
        if (e->args[i]->mv)
            return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                            "%s does not take multi-value arguments (argument %u)",
                            qry_fn_name(e), i + 1);
    }
    return 0;
}

int qry_fn_lit_str(const qry_expr *e, uint32_t i, const char *what,
                   const char **s, uint32_t *len, qry_err *err)
{
    const qry_expr *a = e->args[i];
    if (a->op != QE_LITERAL || a->lit.kind != QV_STRING)
        return qry_fail(err, QRY_ERR_VALIDATION, a->position,
                        "%s: the %s (argument %u) must be a string literal",
                        qry_fn_name(e), what, i + 1);
    *s = a->lit.s ? a->lit.s : "";
    *len = a->lit.len;
    return 0;
}

int qry_fn_set_type(qry_expr *e, seg_type t)
{
    e->type = t;
    e->mv = false;
    return 0;
}

static int fn_bind_as(qry_expr *e, seg_type t, qry_err *err)
{
    if (qry_fn_check_sv(e, err))
        return -1;
    return qry_fn_set_type(e, t);
}

int qry_fn_bind_double(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    return fn_bind_as(e, SEG_DOUBLE, err);
}

int qry_fn_bind_long(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    return fn_bind_as(e, SEG_LONG, err);
}

int qry_fn_bind_int(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    return fn_bind_as(e, SEG_INT, err);
}

int qry_fn_bind_string(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    return fn_bind_as(e, SEG_STRING, err);
}

int qry_fn_bind_boolean(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    return fn_bind_as(e, SEG_BOOLEAN, err);
}

/* ---- evaluation ---------------------------------------------------------- */

uint8_t *qry_fn_nulls(qry_arena *a, qry_vec *const *args, uint32_t nargs,
                      uint32_t n)
{
    uint8_t *out = NULL;
    for (uint32_t k = 0; k < nargs; k++) {
        const qry_vec *v = args[k];
        if (!v->nulls && v->kind != QV_NULL)
            continue;
        if (!out)
            out = qry_alloc(a, n ? n : 1);
        if (v->kind == QV_NULL) {
            memset(out, 1, n);
            continue;
        }
        for (uint32_t r = 0; r < n; r++)
            out[r] |= v->nulls[r];
    }
    return out;
}

qry_vec *qry_fn_result(const qry_expr *e, qry_eval_ctx *cx, uint32_t n,
                       uint8_t *nulls)
{
    qry_vec *v = qry_vec_new(cx->arena, qry_kind_of(e->type), e->type, n);
    v->nulls = nulls;
    return v;
}

static int fn_bad_number(const qry_expr *e, const seg_value *s, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position,
                    "%s: cannot convert '%.*s' to a number", qry_fn_name(e),
                    (int)TN_MIN(s->s.len, 100u), s->s.p ? s->s.p : "");
}

int qry_fn_doubles(const qry_expr *e, const qry_vec *v, const uint8_t *nulls,
                   qry_arena *a, const double **out, qry_err *err)
{
    if (v->kind == QV_DOUBLE) {
        *out = v->d;
        return 0;
    }
    uint32_t n = v->n;
    double *d = qry_alloc(a, (n ? n : 1) * sizeof *d);
    *out = d;
    if (v->kind == QV_LONG) {
        for (uint32_t r = 0; r < n; r++)
            d[r] = (double)v->i[r];
    } else if (v->kind == QV_STRING) {
        for (uint32_t r = 0; r < n; r++) {
            if ((!nulls || !nulls[r]) &&
                !qry_parse_java_double(v->s[r].s.p, v->s[r].s.len, &d[r]))
                return fn_bad_number(e, &v->s[r], err);
        }
    }
    return 0;
}

/* Text of an integer, or failing that a timestamp ("2014-01-01 00:00:00"),
 * as Pinot reads strings given to a LONG parameter. */
static bool fn_parse_long(const seg_value *s, int64_t *out)
{
    if (qry_parse_java_long(s->s.p, s->s.len, out))
        return true;
    seg_value v;
    if (seg_value_parse(SEG_TIMESTAMP, s->s.p, s->s.len, &v) != TN_OK)
        return false;
    *out = v.i;
    return true;
}

int qry_fn_longs(const qry_expr *e, const qry_vec *v, const uint8_t *nulls,
                 qry_arena *a, const int64_t **out, qry_err *err)
{
    if (v->kind == QV_LONG) {
        *out = v->i;
        return 0;
    }
    uint32_t n = v->n;
    int64_t *l = qry_alloc(a, (n ? n : 1) * sizeof *l);
    *out = l;
    if (v->kind == QV_DOUBLE) {
        for (uint32_t r = 0; r < n; r++)
            l[r] = qry_java_d2l(v->d[r]);
    } else if (v->kind == QV_STRING) {
        for (uint32_t r = 0; r < n; r++) {
            if ((!nulls || !nulls[r]) && !fn_parse_long(&v->s[r], &l[r]))
                return fn_bad_number(e, &v->s[r], err);
        }
    }
    return 0;
}

/* BYTES read as text are their hex digits, as Pinot renders them. */
static void fn_hex(const qry_vec *v, qry_arena *a, seg_value *s)
{
    static const char hex[] = "0123456789abcdef";
    qry_fn_out o;
    qry_fn_out_init(&o, a);
    for (uint32_t r = 0; r < v->n; r++) {
        const seg_value *b = &v->s[r];
        char *p = qry_fn_room(&o, (size_t)b->s.len * 2);
        for (uint32_t i = 0; i < b->s.len; i++) {
            p[2 * i] = hex[(uint8_t)b->s.p[i] >> 4];
            p[2 * i + 1] = hex[(uint8_t)b->s.p[i] & 15];
        }
        s[r].s.p = p;
        s[r].s.len = b->s.len * 2;
        qry_fn_keep(&o, (size_t)b->s.len * 2);
    }
}

void qry_fn_texts(const qry_vec *v, qry_arena *a, const seg_value **out)
{
    uint32_t n = v->n;
    if (v->kind == QV_STRING && v->type == SEG_BYTES) {
        seg_value *s = qry_alloc(a, (n ? n : 1) * sizeof *s);
        fn_hex(v, a, s);
        *out = s;
        return;
    }
    if (v->kind == QV_STRING) {
        /* functions may hand the bytes to memcpy and memmem, which must not
         * see the NULL pointer of an empty or NULL string */
        uint32_t r = 0;
        while (r < n && v->s[r].s.p)
            r++;
        *out = v->s;
        if (r == n)
            return;
        seg_value *s = qry_alloc(a, n * sizeof *s);
        for (r = 0; r < n; r++) {
            s[r] = v->s[r];
            if (!s[r].s.p)
                s[r].s.p = "";
        }
        *out = s;
        return;
    }
    seg_value *s = qry_alloc(a, (n ? n : 1) * sizeof *s);
    *out = s;
    for (uint32_t r = 0; r < n; r++)
        s[r].s.p = "";
    if (v->kind == QV_NULL)
        return;
    qry_fn_out o;
    qry_fn_out_init(&o, a);
    for (uint32_t r = 0; r < n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        char *room = qry_fn_room(&o, QRY_NUM_TEXT);
        const char *p;
        size_t len = qry_text_of(v, r, room, &p);
        s[r].s.p = p;
        s[r].s.len = (uint32_t)len;
        if (p == room)
            qry_fn_keep(&o, len);
    }
}

char *qry_fn_out_slow(qry_fn_out *o, size_t n)
{
    /* strings are not aligned, so one arena block holds many of them */
    size_t cap = n > 8192 ? n : 8192;
    o->p = qry_alloc(o->arena, cap);
    o->left = cap;
    return o->p;
}
