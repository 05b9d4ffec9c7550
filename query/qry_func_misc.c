/*
 * qry_func_misc.c: CASE, COALESCE and CAST. CASE arrives as Pinot writes
 * it, case(cond1, val1, cond2, val2, ..., else); its type is the common
 * type of the values. CAST converts as Pinot's CastTransformFunction does
 * (Java's narrowing casts, Double.toString, Timestamp.toString, ...).
 */
#include <math.h>
#include <string.h>

#include "qry_func_int.h"

/* ---- common type of CASE / COALESCE values ------------------------------- */

static bool misc_null_lit(const qry_expr *x)
{
    return x->op == QE_LITERAL && x->lit.kind == QV_NULL;
}

/* The type of values that all share one type; else STRING if any is a
 * string, LONG if all are integers, else DOUBLE. NULL literals don't vote. */
static seg_type misc_common_type(const qry_expr *const *vals, uint32_t n)
{
    bool any = false, same = true, any_string = false, all_long = true;
    seg_type t = SEG_LONG;
    for (uint32_t i = 0; i < n; i++) {
        if (misc_null_lit(vals[i]))
            continue;
        seg_type x = vals[i]->type;
        same &= !any || x == t;
        t = any ? t : x;
        any = true;
        qry_kind k = qry_kind_of(x);
        any_string |= k == QV_STRING;
        all_long &= k == QV_LONG;
    }
    if (!any || same)
        return t;
    return any_string ? SEG_STRING : all_long ? SEG_LONG : SEG_DOUBLE;
}

/* A vector of kind k with the values of v (and v's NULL flags). */
static int misc_as_kind(const qry_expr *e, qry_vec *v, qry_kind k, qry_arena *a,
                        qry_vec *conv, qry_err *err)
{
    *conv = *v;
    conv->kind = k;
    if (v->kind == QV_NULL)
        conv->nulls = NULL;
    if (k == QV_LONG)
        return qry_fn_longs(e, v, v->nulls, a, (const int64_t **)&conv->i, err);
    if (k == QV_DOUBLE)
        return qry_fn_doubles(e, v, v->nulls, a, (const double **)&conv->d, err);
    qry_fn_texts(v, a, (const seg_value **)&conv->s);
    return 0;
}

static inline bool misc_is_null(const qry_vec *v, uint32_t r)
{
    return v->kind == QV_NULL || (v->nulls && v->nulls[r]);
}

/* out[r] = src[r] for the rows in take (NULL flags are the caller's). */
static void misc_copy_rows(qry_vec *out, const qry_vec *src, const uint8_t *take,
                           uint32_t n)
{
    if (src->kind == QV_NULL)
        return;
    for (uint32_t r = 0; r < n; r++) {
        if (!take[r])
            continue;
        if (out->kind == QV_LONG)
            out->i[r] = src->i[r];
        else if (out->kind == QV_DOUBLE)
            out->d[r] = src->d[r];
        else
            out->s[r] = src->s[r];
    }
}

/* NULL rows hold the type's default ("null" for strings, as Pinot fills
 * them); they are flagged only when null handling is on. */
static void misc_finish(qry_vec *out, uint32_t n, uint8_t *nullrows,
                        const qry_eval_ctx *cx)
{
    bool any = false;
    for (uint32_t r = 0; r < n; r++) {
        any |= nullrows[r];
        if (nullrows[r] && out->kind == QV_STRING) {
            out->s[r].s.p = "null";
            out->s[r].s.len = 4;
        }
    }
    out->nulls = any && cx->null_handling ? nullrows : NULL;
}

/* ---- CASE ---------------------------------------------------------------- */

static int bind_case(qry_expr *e, qry_arena *a, qry_err *err)
{
    if (qry_fn_check_sv(e, err))
        return -1;
    uint32_t npairs = e->nargs / 2;
    const qry_expr **vals = qry_alloc(a, e->nargs * sizeof *vals);
    uint32_t nv = 0;
    for (uint32_t p = 0; p < npairs; p++) {
        const qry_expr *c = e->args[2 * p];
        if (!misc_null_lit(c) && qry_kind_of(c->type) == QV_STRING)
            return qry_fail(err, QRY_ERR_VALIDATION, c->position,
                            "CASE WHEN condition must be BOOLEAN, not %s",
                            seg_type_name(c->type));
        vals[nv++] = e->args[2 * p + 1];
    }
    if (e->nargs % 2)
        vals[nv++] = e->args[e->nargs - 1];
    return qry_fn_set_type(e, misc_common_type(vals, nv));
}

/* Rows where condition c is true (NULL is not). */
static void case_true_rows(const qry_vec *c, uint32_t n, uint8_t *take)
{
    if (c->kind == QV_NULL) {
        memset(take, 0, n);
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        bool t = c->kind == QV_DOUBLE ? c->d[r] != 0 && !isnan(c->d[r]) : c->i[r] != 0;
        take[r] = t && !(c->nulls && c->nulls[r]);
    }
}

/* The else branch is written first and each WHEN, from the last to the
 * first, overwrites the rows where it holds: the first true WHEN wins. */
static int eval_case(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    qry_vec *v = qry_fn_result(e, cx, n, NULL);
    uint32_t npairs = e->nargs / 2;
    bool has_else = e->nargs % 2;
    uint8_t *take = qry_alloc(cx->arena, n ? n : 1);
    uint8_t *nullrows = qry_alloc(cx->arena, n ? n : 1);
    qry_vec conv;
    memset(take, 1, n);
    if (has_else) {
        if (misc_as_kind(e, args[e->nargs - 1], v->kind, cx->arena, &conv, err))
            return -1;
        misc_copy_rows(v, &conv, take, n);
        for (uint32_t r = 0; r < n; r++)
            nullrows[r] = misc_is_null(args[e->nargs - 1], r);
    } else {
        memset(nullrows, 1, n);
    }
    for (uint32_t p = npairs; p-- > 0;) {
        const qry_vec *val = args[2 * p + 1];
        case_true_rows(args[2 * p], n, take);
        if (misc_as_kind(e, args[2 * p + 1], v->kind, cx->arena, &conv, err))
            return -1;
        misc_copy_rows(v, &conv, take, n);
        for (uint32_t r = 0; r < n; r++)
            nullrows[r] = take[r] ? misc_is_null(val, r) : nullrows[r];
    }
    misc_finish(v, n, nullrows, cx);
    *out = v;
    return 0;
}

/* ---- COALESCE ------------------------------------------------------------ */

static int bind_coalesce(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    if (qry_fn_check_sv(e, err))
        return -1;
    return qry_fn_set_type(e, misc_common_type((const qry_expr *const *)e->args,
                                               e->nargs));
}

/* The first argument that is not NULL, filled from the last to the first. */
static int eval_coalesce(const qry_expr *e, qry_vec *const *args, uint32_t n,
                         qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    qry_vec *v = qry_fn_result(e, cx, n, NULL);
    uint8_t *nullrows = qry_alloc(cx->arena, n ? n : 1);
    uint8_t *take = qry_alloc(cx->arena, n ? n : 1);
    memset(nullrows, 1, n);
    qry_vec conv;
    for (uint32_t k = e->nargs; k-- > 0;) {
        for (uint32_t r = 0; r < n; r++) {
            take[r] = !misc_is_null(args[k], r);
            nullrows[r] &= !take[r];
        }
        if (misc_as_kind(e, args[k], v->kind, cx->arena, &conv, err))
            return -1;
        misc_copy_rows(v, &conv, take, n);
    }
    misc_finish(v, n, nullrows, cx);
    *out = v;
    return 0;
}

/* ---- CAST ---------------------------------------------------------------- */

static const struct {
    const char *name;
    seg_type type;
} cast_names[] = {
    {"INT", SEG_INT}, {"INTEGER", SEG_INT}, {"INT4", SEG_INT},
    {"SMALLINT", SEG_INT}, {"TINYINT", SEG_INT}, {"INT2", SEG_INT},
    {"BIGINT", SEG_LONG}, {"LONG", SEG_LONG}, {"INT8", SEG_LONG},
    {"FLOAT", SEG_FLOAT}, {"REAL", SEG_FLOAT}, {"FLOAT4", SEG_FLOAT},
    {"DOUBLE", SEG_DOUBLE}, {"FLOAT8", SEG_DOUBLE},
    {"DOUBLE PRECISION", SEG_DOUBLE},
    /* no BIG_DECIMAL type here: DECIMAL computes as DOUBLE */
    {"DECIMAL", SEG_DOUBLE}, {"NUMERIC", SEG_DOUBLE}, {"BIGDECIMAL", SEG_DOUBLE},
    {"BIG_DECIMAL", SEG_DOUBLE},
    {"BOOLEAN", SEG_BOOLEAN}, {"BOOL", SEG_BOOLEAN},
    {"TIMESTAMP", SEG_TIMESTAMP},
    {"STRING", SEG_STRING}, {"VARCHAR", SEG_STRING}, {"CHAR", SEG_STRING},
    {"TEXT", SEG_STRING}, {"JSON", SEG_STRING}, {"CHARACTER", SEG_STRING},
    {"BYTES", SEG_BYTES}, {"VARBINARY", SEG_BYTES}, {"BYTEA", SEG_BYTES},
};

static int bind_cast(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    const char *s;
    uint32_t len;
    if (qry_fn_check_sv(e, err) || qry_fn_lit_str(e, 1, "target type", &s, &len, err))
        return -1;
    for (size_t i = 0; i < TN_ARRAY_LEN(cast_names); i++) {
        if (!qry_fn_ieq(s, len, cast_names[i].name))
            continue;
        seg_type t = cast_names[i].type;
        seg_type from = e->args[0]->type;
        if (t == SEG_BYTES && qry_kind_of(from) != QV_STRING &&
            !misc_null_lit(e->args[0]))
            return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                            "cannot cast %s to BYTES", seg_type_name(from));
        return qry_fn_set_type(e, t);
    }
    return qry_fail(err, QRY_ERR_VALIDATION, e->args[1]->position,
                    "Unable to cast expression to type - %.*s",
                    (int)TN_MIN(len, 64u), s);
}

static int cast_bad(const qry_expr *e, const seg_value *s, qry_err *err)
{
    return qry_fail(err, QRY_ERR_EXEC, e->position, "cannot cast '%.*s' to %s",
                    (int)TN_MIN(s->s.len, 100u), s->s.p, seg_type_name(e->type));
}

/* Strings to a LONG-kind type: INT is Double.valueOf(s).intValue(), LONG
 * is new BigDecimal(s).longValue(), BOOLEAN and TIMESTAMP are Pinot's
 * text forms of those types. */
static bool cast_text_long(seg_type t, const seg_value *s, int64_t *out)
{
    double d;
    seg_value v;
    switch (t) {
    case SEG_INT:
        if (!qry_parse_java_double(s->s.p, s->s.len, &d))
            return false;
        *out = qry_java_d2i(d);
        return true;
    case SEG_BOOLEAN:
    case SEG_TIMESTAMP:
        if (seg_value_parse(t, s->s.p, s->s.len, &v) != TN_OK)
            return false;
        *out = v.i;
        return true;
    default:
        return qry_parse_java_long(s->s.p, s->s.len, out);
    }
}

static int cast_to_long(const qry_expr *e, const qry_vec *in, qry_vec *v,
                        qry_err *err)
{
    seg_type t = e->type;
    for (uint32_t r = 0; r < v->n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        int64_t x;
        if (in->kind == QV_LONG)
            x = in->i[r];
        else if (in->kind == QV_DOUBLE)
            x = t == SEG_INT ? qry_java_d2i(in->d[r]) : qry_java_d2l(in->d[r]);
        else if (!cast_text_long(t, &in->s[r], &x))
            return cast_bad(e, &in->s[r], err);
        if (t == SEG_INT)
            x = (int32_t)(uint32_t)(uint64_t)x;    /* Java's (int) of a long */
        else if (t == SEG_BOOLEAN && in->kind != QV_STRING)
            x = in->kind == QV_DOUBLE ? in->d[r] != 0 : x != 0;
        v->i[r] = x;
    }
    return 0;
}

static int cast_to_double(const qry_expr *e, const qry_vec *in, qry_vec *v,
                          qry_err *err)
{
    for (uint32_t r = 0; r < v->n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        double d;
        if (in->kind == QV_LONG)
            d = (double)in->i[r];
        else if (in->kind == QV_DOUBLE)
            d = in->d[r];
        else if (!qry_parse_java_double(in->s[r].s.p, in->s[r].s.len, &d))
            return cast_bad(e, &in->s[r], err);
        v->d[r] = e->type == SEG_FLOAT ? (double)(float)d : d;
    }
    return 0;
}

/* To STRING (texts are already Java's, and hex for BYTES) or to BYTES
 * (hex text decoded). */
static int cast_to_text(const qry_expr *e, const qry_vec *in, qry_vec *v,
                        qry_eval_ctx *cx, qry_err *err)
{
    const seg_value *t;
    qry_fn_texts(in, cx->arena, &t);
    if (e->type != SEG_BYTES) {
        memcpy(v->s, t, v->n * sizeof *t);
        return 0;
    }
    qry_fn_out o;
    qry_fn_out_init(&o, cx->arena);
    for (uint32_t r = 0; r < v->n; r++) {
        if (v->nulls && v->nulls[r])
            continue;
        if (in->type == SEG_BYTES) {
            v->s[r] = in->s[r];
            continue;
        }
        char *p = qry_fn_room(&o, t[r].s.len / 2 + 1);
        if (seg_hex_decode(t[r].s.p, t[r].s.len, (uint8_t *)p) != TN_OK)
            return cast_bad(e, &t[r], err);
        v->s[r].s.p = p;
        v->s[r].s.len = t[r].s.len / 2;
        qry_fn_keep(&o, t[r].s.len / 2);
    }
    return 0;
}

static int eval_cast(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    uint8_t *nulls = qry_fn_nulls(cx->arena, args, 1, n);
    qry_vec *v = qry_fn_result(e, cx, n, nulls);
    *out = v;
    const qry_vec *in = args[0];
    if (in->kind == QV_NULL)
        return 0;
    if (v->kind == QV_STRING)
        return cast_to_text(e, in, v, cx, err);
    qry_vec text;
    if (in->kind == QV_STRING) {
        /* numbers from text: the text with "" for NULL pointers */
        text = *in;
        qry_fn_texts(in, cx->arena, (const seg_value **)&text.s);
        in = &text;
    }
    if (v->kind == QV_LONG)
        return cast_to_long(e, in, v, err);
    return cast_to_double(e, in, v, err);
}

static const qry_func misc_funcs[] = {
    {"case", 2, QRY_FN_ANY_ARGS, bind_case, eval_case},
    {"coalesce", 1, QRY_FN_ANY_ARGS, bind_coalesce, eval_coalesce},
    {"cast", 2, 2, bind_cast, eval_cast},
};

const qry_func_table qry_func_misc_table = {misc_funcs, TN_ARRAY_LEN(misc_funcs)};
