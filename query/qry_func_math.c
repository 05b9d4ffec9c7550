/*
 * qry_func_math.c: arithmetic operators and math functions. As in Pinot's
 * single-stage engine they compute in DOUBLE whatever the input types
 * (plus of two LONGs cannot overflow), with Java's IEEE behaviour: x / 0 is
 * +-Infinity or NaN, mod is fmod. Each eval picks its loop once per batch,
 * so the per-row work is one arithmetic operation over arrays.
 */
#include <math.h>
#include <string.h>

#include "qry_func_int.h"

typedef enum math_op {
    M_ADD, M_SUB, M_MUL, M_DIV, M_MOD, M_POW,
    M_NEG, M_ABS, M_CEIL, M_FLOOR, M_EXP, M_LN, M_LOG2, M_LOG10, M_SQRT,
    M_SIGN, M_ROUND, M_TRUNC,
} math_op;

/* Evaluates args 0..nargs-1 as doubles into *xs; the result vector of e
 * with the union of their NULL rows. */
static int math_inputs(const qry_expr *e, qry_vec *const *args, uint32_t nargs,
                       uint32_t n, qry_eval_ctx *cx, const double **xs,
                       qry_vec **out, qry_err *err)
{
    uint8_t *nulls = qry_fn_nulls(cx->arena, args, nargs, n);
    for (uint32_t k = 0; k < nargs; k++) {
        if (qry_fn_doubles(e, args[k], nulls, cx->arena, &xs[k], err))
            return -1;
    }
    *out = qry_fn_result(e, cx, n, nulls);
    return 0;
}

/* Java's Math.pow differs from C's pow only where the exponent is NaN or
 * +-1 meets an infinite exponent: Java says NaN. */
static inline double java_pow(double a, double b)
{
    if (isnan(b) || (fabs(a) == 1 && isinf(b)))
        return NAN;
    return pow(a, b);
}

static int math_binary(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err, math_op op)
{
    const double *x[2];
    if (math_inputs(e, args, 2, n, cx, x, out, err))
        return -1;
    const double *a = x[0], *b = x[1];
    double *o = (*out)->d;
    switch (op) {
    case M_SUB:
        for (uint32_t r = 0; r < n; r++)
            o[r] = a[r] - b[r];
        break;
    case M_DIV:
        for (uint32_t r = 0; r < n; r++)
            o[r] = a[r] / b[r];
        break;
    case M_MOD:
        for (uint32_t r = 0; r < n; r++)
            o[r] = fmod(a[r], b[r]);
        break;
    default:
        for (uint32_t r = 0; r < n; r++)
            o[r] = java_pow(a[r], b[r]);
        break;
    }
    return 0;
}

/* plus and times take two or more arguments, folded left to right. */
static int math_fold(const qry_expr *e, qry_vec *const *args, uint32_t n,
                     qry_eval_ctx *cx, qry_vec **out, qry_err *err, math_op op)
{
    uint32_t nargs = e->nargs;
    const double **x = qry_alloc(cx->arena, nargs * sizeof *x);
    if (math_inputs(e, args, nargs, n, cx, x, out, err))
        return -1;
    double *o = (*out)->d;
    for (uint32_t r = 0; r < n; r++)
        o[r] = x[0][r];
    for (uint32_t k = 1; k < nargs; k++) {
        const double *b = x[k];
        if (op == M_ADD) {
            for (uint32_t r = 0; r < n; r++)
                o[r] += b[r];
        } else {
            for (uint32_t r = 0; r < n; r++)
                o[r] *= b[r];
        }
    }
    return 0;
}

static inline double java_signum(double a)
{
    return a > 0 ? 1.0 : a < 0 ? -1.0 : a;   /* NaN and +-0 as they are */
}

/* Java's Math.round: nearest, halves up; NaN 0; saturating to long. */
static inline double java_round(double a)
{
    if (isnan(a))
        return 0;
    double f = floor(a);
    return (double)qry_java_d2l(a - f >= 0.5 ? f + 1 : f);
}

static int math_unary(const qry_expr *e, qry_vec *const *args, uint32_t n,
                      qry_eval_ctx *cx, qry_vec **out, qry_err *err, math_op op)
{
    const double *x[1];
    if (math_inputs(e, args, 1, n, cx, x, out, err))
        return -1;
    const double *a = x[0];
    double *o = (*out)->d;
    switch (op) {
    case M_NEG:
        for (uint32_t r = 0; r < n; r++)
            o[r] = -a[r];
        break;
    case M_ABS:
        for (uint32_t r = 0; r < n; r++)
            o[r] = fabs(a[r]);
        break;
    case M_CEIL:
        for (uint32_t r = 0; r < n; r++)
            o[r] = ceil(a[r]);
        break;
    case M_FLOOR:
        for (uint32_t r = 0; r < n; r++)
            o[r] = floor(a[r]);
        break;
    case M_EXP:
        for (uint32_t r = 0; r < n; r++)
            o[r] = exp(a[r]);
        break;
    case M_LN:
        for (uint32_t r = 0; r < n; r++)
            o[r] = log(a[r]);
        break;
    case M_LOG2:
        /* Pinot computes Math.log(a) / Math.log(2), not a true log2 */
        for (uint32_t r = 0; r < n; r++)
            o[r] = log(a[r]) / log(2.0);
        break;
    case M_LOG10:
        for (uint32_t r = 0; r < n; r++)
            o[r] = log10(a[r]);
        break;
    case M_SQRT:
        for (uint32_t r = 0; r < n; r++)
            o[r] = sqrt(a[r]);
        break;
    case M_SIGN:
        for (uint32_t r = 0; r < n; r++)
            o[r] = java_signum(a[r]);
        break;
    case M_ROUND:
        for (uint32_t r = 0; r < n; r++)
            o[r] = java_round(a[r]);
        break;
    default:
        for (uint32_t r = 0; r < n; r++)
            o[r] = java_signum(a[r]) * floor(fabs(a[r]));
        break;
    }
    return 0;
}

#define MATH_UNARY(fn, op)                                                    \
    static int fn(const qry_expr *e, qry_vec *const *args, uint32_t n,         \
                  qry_eval_ctx *cx, qry_vec **out, qry_err *err)               \
    {                                                                         \
        return math_unary(e, args, n, cx, out, err, op);                      \
    }

MATH_UNARY(eval_negate, M_NEG)
MATH_UNARY(eval_abs, M_ABS)
MATH_UNARY(eval_ceil, M_CEIL)
MATH_UNARY(eval_floor, M_FLOOR)
MATH_UNARY(eval_exp, M_EXP)
MATH_UNARY(eval_ln, M_LN)
MATH_UNARY(eval_log2, M_LOG2)
MATH_UNARY(eval_log10, M_LOG10)
MATH_UNARY(eval_sqrt, M_SQRT)
MATH_UNARY(eval_sign, M_SIGN)

static int eval_plus(const qry_expr *e, qry_vec *const *args,
                     uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_fold(e, args, n, cx, out, err, M_ADD);
}

static int eval_times(const qry_expr *e, qry_vec *const *args,
                      uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_fold(e, args, n, cx, out, err, M_MUL);
}

static int eval_minus(const qry_expr *e, qry_vec *const *args,
                      uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_binary(e, args, n, cx, out, err, M_SUB);
}

static int eval_mod(const qry_expr *e, qry_vec *const *args,
                    uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_binary(e, args, n, cx, out, err, M_MOD);
}

static int eval_power(const qry_expr *e, qry_vec *const *args,
                      uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_binary(e, args, n, cx, out, err, M_POW);
}

/* divide(a, b[, default]): the default replaces x / 0. */
static int eval_divide(const qry_expr *e, qry_vec *const *args,
                       uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    if (e->nargs == 2)
        return math_binary(e, args, n, cx, out, err, M_DIV);
    const double *x[3];
    if (math_inputs(e, args, 3, n, cx, x, out, err))
        return -1;
    double *o = (*out)->d;
    for (uint32_t r = 0; r < n; r++)
        o[r] = x[1][r] == 0 ? x[2][r] : x[0][r] / x[1][r];
    return 0;
}

/* roundDecimal(a[, scale]) and truncate(a[, scale]): with a scale, decimal
 * rounding of Java's text of a (BigDecimal), HALF_UP or DOWN. */
static int math_scaled(const qry_expr *e, qry_vec *const *args, uint32_t n,
                       qry_eval_ctx *cx, qry_vec **out, qry_err *err, bool half_up)
{
    if (e->nargs == 1)
        return math_unary(e, args, n, cx, out, err, half_up ? M_ROUND : M_TRUNC);
    const double *x[2];
    const int64_t *scale;
    if (math_inputs(e, args, 2, n, cx, x, out, err) ||
        qry_fn_longs(e, args[1], (*out)->nulls, cx->arena, &scale, err))
        return -1;
    double *o = (*out)->d;
    for (uint32_t r = 0; r < n; r++)
        o[r] = qry_decimal_round(x[0][r], scale[r], half_up);
    return 0;
}

static int eval_round_decimal(const qry_expr *e, qry_vec *const *args,
                              uint32_t n, qry_eval_ctx *cx, qry_vec **out,
                              qry_err *err)
{
    return math_scaled(e, args, n, cx, out, err, true);
}

static int eval_truncate(const qry_expr *e, qry_vec *const *args,
                         uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return math_scaled(e, args, n, cx, out, err, false);
}

/* ---- least / greatest ---------------------------------------------------- */

/* Integer kinds stay LONG (as Pinot's LEAST keeps the argument type); any
 * floating argument makes it DOUBLE; strings are refused. */
static int bind_extreme(qry_expr *e, qry_arena *a, qry_err *err)
{
    (void)a;
    if (qry_fn_check_sv(e, err))
        return -1;
    bool all_long = true;
    for (uint32_t i = 0; i < e->nargs; i++) {
        const qry_expr *x = e->args[i];
        if (x->op == QE_LITERAL && x->lit.kind == QV_NULL)
            continue;
        qry_kind k = qry_kind_of(x->type);
        if (k == QV_STRING)
            return qry_fail(err, QRY_ERR_VALIDATION, x->position,
                            "%s takes numbers, not %s (argument %u)", qry_fn_name(e),
                            seg_type_name(x->type), i + 1);
        all_long &= k == QV_LONG;
    }
    return qry_fn_set_type(e, all_long ? SEG_LONG : SEG_DOUBLE);
}

/* Double.min / Double.max: NaN wins, -0.0 is below 0.0. */
static inline double java_min(double a, double b)
{
    if (a != a)
        return a;
    if (b != b)
        return b;
    if (a == 0 && b == 0)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}

static inline double java_max(double a, double b)
{
    if (a != a)
        return a;
    if (b != b)
        return b;
    if (a == 0 && b == 0)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* NULL arguments are skipped, as PostgreSQL's LEAST/GREATEST do; a row is
 * NULL only when all its arguments are. */
static uint8_t *extreme_nulls(qry_arena *a, qry_vec *const *args, uint32_t nargs,
                              uint32_t n)
{
    uint8_t *nulls = NULL;
    for (uint32_t k = 0; k < nargs; k++) {
        if (!args[k]->nulls && args[k]->kind != QV_NULL)
            return NULL;
    }
    nulls = qry_alloc(a, n ? n : 1);
    memset(nulls, 1, n);
    for (uint32_t k = 0; k < nargs; k++) {
        if (args[k]->kind == QV_NULL)
            continue;
        for (uint32_t r = 0; r < n; r++)
            nulls[r] &= args[k]->nulls[r];
    }
    return nulls;
}

static inline bool arg_null(const qry_vec *v, uint32_t r)
{
    return v->kind == QV_NULL || (v->nulls && v->nulls[r]);
}

static int eval_extreme(const qry_expr *e, qry_vec *const *args, uint32_t n,
                        qry_eval_ctx *cx, qry_vec **out, qry_err *err, bool greatest)
{
    uint32_t nargs = e->nargs;
    uint8_t *nulls = extreme_nulls(cx->arena, args, nargs, n);
    qry_vec *v = qry_fn_result(e, cx, n, nulls);
    uint8_t *seen = qry_alloc(cx->arena, n ? n : 1);
    for (uint32_t k = 0; k < nargs; k++) {
        const qry_vec *x = args[k];
        if (x->kind == QV_NULL)
            continue;
        if (v->kind == QV_LONG) {
            const int64_t *l;
            if (qry_fn_longs(e, x, x->nulls, cx->arena, &l, err))
                return -1;
            for (uint32_t r = 0; r < n; r++) {
                if (arg_null(x, r))
                    continue;
                bool take = !seen[r] || (greatest ? l[r] > v->i[r] : l[r] < v->i[r]);
                v->i[r] = take ? l[r] : v->i[r];
                seen[r] = 1;
            }
        } else {
            const double *d;
            if (qry_fn_doubles(e, x, x->nulls, cx->arena, &d, err))
                return -1;
            for (uint32_t r = 0; r < n; r++) {
                if (arg_null(x, r))
                    continue;
                v->d[r] = !seen[r] ? d[r]
                          : greatest ? java_max(v->d[r], d[r])
                                     : java_min(v->d[r], d[r]);
                seen[r] = 1;
            }
        }
    }
    *out = v;
    return 0;
}

static int eval_least(const qry_expr *e, qry_vec *const *args,
                      uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return eval_extreme(e, args, n, cx, out, err, false);
}

static int eval_greatest(const qry_expr *e, qry_vec *const *args,
                         uint32_t n, qry_eval_ctx *cx, qry_vec **out, qry_err *err)
{
    return eval_extreme(e, args, n, cx, out, err, true);
}

static const qry_func math_funcs[] = {
    {"plus", 2, QRY_FN_ANY_ARGS, qry_fn_bind_double, eval_plus},
    {"add", 2, QRY_FN_ANY_ARGS, qry_fn_bind_double, eval_plus},
    {"minus", 2, 2, qry_fn_bind_double, eval_minus},
    {"sub", 2, 2, qry_fn_bind_double, eval_minus},
    {"times", 2, QRY_FN_ANY_ARGS, qry_fn_bind_double, eval_times},
    {"mult", 2, QRY_FN_ANY_ARGS, qry_fn_bind_double, eval_times},
    {"divide", 2, 3, qry_fn_bind_double, eval_divide},
    {"div", 2, 3, qry_fn_bind_double, eval_divide},
    {"mod", 2, 2, qry_fn_bind_double, eval_mod},
    {"negate", 1, 1, qry_fn_bind_double, eval_negate},
    {"abs", 1, 1, qry_fn_bind_double, eval_abs},
    {"ceil", 1, 1, qry_fn_bind_double, eval_ceil},
    {"ceiling", 1, 1, qry_fn_bind_double, eval_ceil},
    {"floor", 1, 1, qry_fn_bind_double, eval_floor},
    {"exp", 1, 1, qry_fn_bind_double, eval_exp},
    {"ln", 1, 1, qry_fn_bind_double, eval_ln},
    {"log", 1, 1, qry_fn_bind_double, eval_ln},
    {"log2", 1, 1, qry_fn_bind_double, eval_log2},
    {"log10", 1, 1, qry_fn_bind_double, eval_log10},
    {"sqrt", 1, 1, qry_fn_bind_double, eval_sqrt},
    {"sign", 1, 1, qry_fn_bind_double, eval_sign},
    {"power", 2, 2, qry_fn_bind_double, eval_power},
    {"pow", 2, 2, qry_fn_bind_double, eval_power},
    {"rounddecimal", 1, 2, qry_fn_bind_double, eval_round_decimal},
    {"truncate", 1, 2, qry_fn_bind_double, eval_truncate},
    {"least", 1, QRY_FN_ANY_ARGS, bind_extreme, eval_least},
    {"greatest", 1, QRY_FN_ANY_ARGS, bind_extreme, eval_greatest},
};

const qry_func_table qry_func_math_table = {math_funcs, TN_ARRAY_LEN(math_funcs)};
