/*
 * test_qry_func.c: the scalar functions: registry lookup, arithmetic, CASE,
 * CAST, strings, and the date functions (time zones across DST changes,
 * patterns, dateTimeConvert), with NULL rows and bind/eval errors. Expected
 * instants were computed independently with Python's datetime and zoneinfo;
 * the zone-aware results are also cross-checked against ICU's own calendar.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/udat.h>
#include <unicode/ustring.h>

#include "qry_expr.h"

#define NOW_MS 1700000000000LL   /* 2023-11-14T22:13:20Z */

static qry_arena arena;
static qry_err err;
static qry_eval_ctx cx;

static void setup(void)
{
    memset(&arena, 0, sizeof arena);
    memset(&err, 0, sizeof err);
    cx.arena = &arena;
    cx.now_ms = NOW_MS;
    cx.null_handling = true;
}

static void teardown(void)
{
    qry_arena_free(&arena);
}

/* ---- building expressions ------------------------------------------------ */

static qry_expr *node(qry_op op, seg_type t)
{
    qry_expr *e = qry_alloc(&arena, sizeof *e);
    e->op = op;
    e->type = t;
    e->position = 7;
    return e;
}

static qry_expr *S(const char *s)
{
    qry_expr *e = node(QE_LITERAL, SEG_STRING);
    e->lit.kind = QV_STRING;
    e->lit.type = SEG_STRING;
    e->lit.s = s;
    e->lit.len = (uint32_t)strlen(s);
    return e;
}

static qry_expr *L(int64_t v)
{
    qry_expr *e = node(QE_LITERAL, SEG_LONG);
    e->lit.kind = QV_LONG;
    e->lit.type = SEG_LONG;
    e->lit.i = v;
    return e;
}

static qry_expr *I(int64_t v)
{
    qry_expr *e = L(v);
    e->type = e->lit.type = SEG_INT;
    return e;
}

static qry_expr *D(double d)
{
    qry_expr *e = node(QE_LITERAL, SEG_DOUBLE);
    e->lit.kind = QV_DOUBLE;
    e->lit.type = SEG_DOUBLE;
    e->lit.d = d;
    return e;
}

static qry_expr *NUL(void)
{
    qry_expr *e = node(QE_LITERAL, SEG_STRING);
    e->lit.kind = QV_NULL;
    return e;
}

/* A column of type t: its values come from the vectors given to run(). */
static qry_expr *C(seg_type t)
{
    return node(QE_COLUMN, t);
}

static qry_expr *call(const char *name, int n, ...)
{
    qry_expr *e = node(QE_CALL, SEG_LONG);
    e->name = (char *)name;
    e->func = qry_func_find(name);
    ck_assert_msg(e->func, "no function %s", name);
    e->nargs = (uint32_t)n;
    e->args = qry_alloc(&arena, (n ? n : 1) * sizeof *e->args);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        e->args[i] = va_arg(ap, qry_expr *);
    va_end(ap);
    return e;
}

/* Binds e: 0, or the error code. */
static int bind_code(qry_expr *e)
{
    if ((int)e->nargs < e->func->min_args || (int)e->nargs > e->func->max_args)
        return -1;
    return e->func->bind(e, &arena, &err) ? err.code : 0;
}

static qry_expr *bound(qry_expr *e)
{
    int rc = bind_code(e);
    ck_assert_msg(rc == 0, "bind %s failed (%d): %s", e->name, rc, err.msg);
    return e;
}

/* ---- vectors ------------------------------------------------------------- */

static qry_vec *vlong(seg_type t, uint32_t n, const int64_t *v)
{
    qry_vec *x = qry_vec_new(&arena, QV_LONG, t, n);
    memcpy(x->i, v, n * sizeof *v);
    return x;
}

static qry_vec *vdouble(seg_type t, uint32_t n, const double *v)
{
    qry_vec *x = qry_vec_new(&arena, QV_DOUBLE, t, n);
    memcpy(x->d, v, n * sizeof *v);
    return x;
}

/* Strings; a NULL entry is a NULL row. */
static qry_vec *vstr(uint32_t n, const char *const *v)
{
    qry_vec *x = qry_vec_new(&arena, QV_STRING, SEG_STRING, n);
    for (uint32_t r = 0; r < n; r++) {
        if (!v[r]) {
            if (!x->nulls)
                x->nulls = qry_alloc(&arena, n);
            x->nulls[r] = 1;
            continue;
        }
        x->s[r].s.p = v[r];
        x->s[r].s.len = (uint32_t)strlen(v[r]);
    }
    return x;
}

static qry_vec *with_null(qry_vec *v, uint32_t r)
{
    if (!v->nulls)
        v->nulls = qry_alloc(&arena, v->n);
    v->nulls[r] = 1;
    return v;
}

/* A literal broadcast to n rows, as the evaluator hands it over. */
static qry_vec *vlit(const qry_expr *l, uint32_t n)
{
    qry_vec *x = qry_vec_new(&arena, l->lit.kind, l->lit.kind == QV_NULL ? l->type
                                                                         : l->lit.type, n);
    for (uint32_t r = 0; r < n; r++) {
        if (l->lit.kind == QV_LONG)
            x->i[r] = l->lit.i;
        else if (l->lit.kind == QV_DOUBLE)
            x->d[r] = l->lit.d;
        else if (l->lit.kind == QV_STRING)
            x->s[r].s.p = l->lit.s, x->s[r].s.len = l->lit.len;
    }
    if (l->lit.kind == QV_NULL) {
        x->nulls = qry_alloc(&arena, n ? n : 1);
        memset(x->nulls, 1, n);
    }
    return x;
}

/* Evaluates bound e over n rows; column arguments take cols in order. */
static int run_rc(qry_expr *e, uint32_t n, qry_vec **cols, qry_vec **out)
{
    qry_vec **args = qry_alloc(&arena, (e->nargs + 1) * sizeof *args);
    for (uint32_t i = 0, c = 0; i < e->nargs; i++)
        args[i] = e->args[i]->op == QE_LITERAL ? vlit(e->args[i], n) : cols[c++];
    return e->func->eval(e, args, n, &cx, out, &err) ? err.code : 0;
}

static qry_vec *run(qry_expr *e, uint32_t n, qry_vec **cols)
{
    qry_vec *out = NULL;
    int rc = run_rc(e, n, cols, &out);
    ck_assert_msg(rc == 0, "eval %s failed (%d): %s", e->name, rc, err.msg);
    ck_assert_int_eq(out->n, n);
    return out;
}

/* Binds and evaluates an all-literal call over one row. */
static qry_vec *eval1(qry_expr *e)
{
    return run(bound(e), 1, NULL);
}

static int64_t evl(qry_expr *e)
{
    qry_vec *v = eval1(e);
    ck_assert_int_eq(v->kind, QV_LONG);
    ck_assert_msg(!v->nulls || !v->nulls[0], "%s is NULL", e->name);
    return v->i[0];
}

static double evd(qry_expr *e)
{
    qry_vec *v = eval1(e);
    ck_assert_int_eq(v->kind, QV_DOUBLE);
    ck_assert_msg(!v->nulls || !v->nulls[0], "%s is NULL", e->name);
    return v->d[0];
}

static const char *sval(const qry_vec *v, uint32_t r)
{
    ck_assert_int_eq(v->kind, QV_STRING);
    return qry_strndup(&arena, v->s[r].s.p ? v->s[r].s.p : "", v->s[r].s.len);
}

static const char *evs(qry_expr *e)
{
    qry_vec *v = eval1(e);
    ck_assert_msg(!v->nulls || !v->nulls[0], "%s is NULL", e->name);
    return sval(v, 0);
}

/* Binds e (which must succeed) and returns the eval error code. */
static int eval_code(qry_expr *e)
{
    qry_vec *out;
    return run_rc(bound(e), 1, NULL, &out);
}

static bool is_null(const qry_vec *v, uint32_t r)
{
    return v->nulls && v->nulls[r];
}

#define assert_err(code, want, sub)                                             \
    do {                                                                       \
        ck_assert_int_eq((code), (want));                                      \
        ck_assert_msg(strstr(err.msg, (sub)), "'%s' lacks '%s'", err.msg, (sub)); \
    } while (0)

/* ---- registry ------------------------------------------------------------ */

START_TEST(test_registry)
{
    const qry_func *f = qry_func_find("datetrunc");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_eq(qry_func_find("DATE_TRUNC"), f);
    ck_assert_ptr_eq(qry_func_find("dateTrunc"), f);
    ck_assert_ptr_eq(qry_func_find("Date_Trunc"), f);
    ck_assert_ptr_nonnull(qry_func_find("PLUS"));
    ck_assert_ptr_nonnull(qry_func_find("to_epoch_seconds"));
    ck_assert_ptr_nonnull(qry_func_find("case"));
    ck_assert_ptr_nonnull(qry_func_find("CAST"));
    ck_assert_ptr_null(qry_func_find("nosuchfunction"));
    ck_assert_ptr_null(qry_func_find(""));
    ck_assert_str_eq(qry_func_find("TO_DATE_TIME")->name, "todatetime");
    ck_assert_ptr_eq(qry_func_find("add"), qry_func_find("add"));
}
END_TEST

/* ---- arithmetic ---------------------------------------------------------- */

START_TEST(test_arithmetic)
{
    qry_expr *e = bound(call("plus", 2, C(SEG_INT), C(SEG_LONG)));
    ck_assert_int_eq(e->type, SEG_DOUBLE);
    int64_t a[] = {1, 2, 3}, b[] = {10, 20, 30};
    qry_vec *v = run(e, 3, (qry_vec *[]){vlong(SEG_INT, 3, a), vlong(SEG_LONG, 3, b)});
    ck_assert_int_eq(v->kind, QV_DOUBLE);
    ck_assert_double_eq(v->d[0], 11);
    ck_assert_double_eq(v->d[2], 33);
    /* two LONGs near the top: DOUBLE, so no overflow */
    ck_assert_double_eq(evd(call("plus", 2, L(INT64_MAX), L(INT64_MAX))),
                        18446744073709551614.0);
    ck_assert_double_eq(evd(call("add", 3, L(1), D(2.5), L(3))), 6.5);
    ck_assert_double_eq(evd(call("minus", 2, L(1), D(2.5))), -1.5);
    ck_assert_double_eq(evd(call("times", 2, L(4), D(2.5))), 10);
    ck_assert_double_eq(evd(call("divide", 2, L(7), L(2))), 3.5);
    ck_assert_double_eq(evd(call("divide", 2, L(1), L(0))), INFINITY);
    ck_assert_double_eq(evd(call("divide", 2, L(-1), L(0))), -INFINITY);
    ck_assert(isnan(evd(call("divide", 2, L(0), L(0)))));
    ck_assert_double_eq(evd(call("divide", 3, L(1), L(0), L(-1))), -1);
    ck_assert_double_eq(evd(call("divide", 3, L(6), L(3), L(-1))), 2);
    ck_assert_double_eq(evd(call("mod", 2, L(-7), L(3))), -1);
    ck_assert_double_eq(evd(call("mod", 2, D(7.5), L(2))), 1.5);
    ck_assert(isnan(evd(call("mod", 2, L(7), L(0)))));
    ck_assert_double_eq(evd(call("negate", 1, L(5))), -5);
    ck_assert_double_eq(evd(call("abs", 1, D(-2.5))), 2.5);
    ck_assert_double_eq(evd(call("ceil", 1, D(1.2))), 2);
    ck_assert_double_eq(evd(call("ceiling", 1, D(-1.2))), -1);
    ck_assert_double_eq(evd(call("floor", 1, D(-1.2))), -2);
    ck_assert_double_eq(evd(call("exp", 1, L(0))), 1);
    ck_assert_double_eq(evd(call("ln", 1, L(1))), 0);
    ck_assert_double_eq(evd(call("log10", 1, L(1000))), 3);
    ck_assert_double_eq(evd(call("log2", 1, L(8))), 3);
    ck_assert_double_eq(evd(call("sqrt", 1, L(16))), 4);
    ck_assert(isnan(evd(call("sqrt", 1, L(-1)))));
    ck_assert_double_eq(evd(call("power", 2, L(2), L(10))), 1024);
    ck_assert(isnan(evd(call("pow", 2, L(1), D(INFINITY)))));   /* Java, not C */
    ck_assert_double_eq(evd(call("sign", 1, D(-3.5))), -1);
    ck_assert_double_eq(evd(call("roundDecimal", 1, D(2.5))), 3);
    ck_assert_double_eq(evd(call("roundDecimal", 1, D(-2.5))), -2);
    /* decimal rounding of Java's text of the double: 2.675 -> 2.68 */
    ck_assert_double_eq(evd(call("roundDecimal", 2, D(2.675), L(2))), 2.68);
    ck_assert_double_eq(evd(call("roundDecimal", 2, D(1234.5), L(-2))), 1200);
    ck_assert_double_eq(evd(call("truncate", 2, D(1.789), L(2))), 1.78);
    ck_assert_double_eq(evd(call("truncate", 2, D(-1.789), L(1))), -1.7);
    ck_assert_double_eq(evd(call("truncate", 1, D(-1.789))), -1);
    /* strings are parsed as Java's Double.parseDouble does */
    ck_assert_double_eq(evd(call("plus", 2, S(" 1.5 "), L(1))), 2.5);
}
END_TEST

START_TEST(test_arithmetic_nulls_and_errors)
{
    qry_expr *e = bound(call("times", 2, C(SEG_DOUBLE), L(2)));
    double a[] = {1.5, 2, 3};
    qry_vec *v = run(e, 3, (qry_vec *[]){with_null(vdouble(SEG_DOUBLE, 3, a), 1)});
    ck_assert(!is_null(v, 0) && is_null(v, 1) && !is_null(v, 2));
    ck_assert_double_eq(v->d[0], 3);
    ck_assert_double_eq(v->d[2], 6);
    /* an unparsable string is an execution error naming it */
    assert_err(eval_code(call("plus", 2, S("abc"), L(1))), QRY_ERR_EXEC, "'abc'");
    /* a NULL row's text is not parsed */
    e = bound(call("plus", 2, C(SEG_STRING), L(1)));
    v = run(e, 2, (qry_vec *[]){vstr(2, (const char *[]){"2", NULL})});
    ck_assert_double_eq(v->d[0], 3);
    ck_assert(is_null(v, 1));
    /* multi-value arguments are refused at bind */
    qry_expr *mv = C(SEG_INT);
    mv->mv = true;
    assert_err(bind_code(call("abs", 1, mv)), QRY_ERR_VALIDATION, "multi-value");
}
END_TEST

START_TEST(test_least_greatest)
{
    qry_expr *e = bound(call("least", 3, C(SEG_INT), C(SEG_LONG), L(5)));
    ck_assert_int_eq(e->type, SEG_LONG);
    int64_t a[] = {1, 9, 7}, b[] = {3, 2, 8};
    qry_vec *v = run(e, 3, (qry_vec *[]){with_null(vlong(SEG_INT, 3, a), 2),
                                         vlong(SEG_LONG, 3, b)});
    ck_assert_int_eq(v->i[0], 1);
    ck_assert_int_eq(v->i[1], 2);
    ck_assert_int_eq(v->i[2], 5);          /* the NULL argument is skipped */
    ck_assert(!is_null(v, 2));
    e = bound(call("greatest", 2, C(SEG_DOUBLE), L(1)));
    ck_assert_int_eq(e->type, SEG_DOUBLE);
    ck_assert(isnan(evd(call("greatest", 2, D(NAN), L(1)))));
    assert_err(bind_code(call("least", 2, C(SEG_STRING), L(1))), QRY_ERR_VALIDATION,
               "numbers");
}
END_TEST

/* ---- CASE, COALESCE ------------------------------------------------------ */

START_TEST(test_case)
{
    /* CASE WHEN c1 THEN 'a' WHEN c2 THEN 'b' ELSE 'c' END */
    qry_expr *e = bound(call("case", 5, C(SEG_BOOLEAN), S("a"), C(SEG_BOOLEAN), S("b"),
                             S("c")));
    ck_assert_int_eq(e->type, SEG_STRING);
    int64_t c1[] = {1, 0, 0, 1}, c2[] = {1, 1, 0, 0};
    qry_vec *v1 = with_null(vlong(SEG_BOOLEAN, 4, c1), 3);   /* NULL is not true */
    qry_vec *v = run(e, 4, (qry_vec *[]){v1, vlong(SEG_BOOLEAN, 4, c2)});
    ck_assert_str_eq(sval(v, 0), "a");     /* the first true WHEN wins */
    ck_assert_str_eq(sval(v, 1), "b");
    ck_assert_str_eq(sval(v, 2), "c");
    ck_assert_str_eq(sval(v, 3), "c");
    ck_assert_ptr_null(v->nulls);

    /* value types: all INT stay INT; INT and DOUBLE make DOUBLE; a string
     * makes STRING with numbers in Java's text */
    ck_assert_int_eq(bound(call("case", 3, C(SEG_BOOLEAN), I(1), I(2)))->type, SEG_INT);
    ck_assert_int_eq(bound(call("case", 3, C(SEG_BOOLEAN), L(1), I(2)))->type, SEG_LONG);
    ck_assert_int_eq(bound(call("case", 3, C(SEG_BOOLEAN), D(1.5), I(2)))->type, SEG_DOUBLE);
    e = bound(call("case", 3, C(SEG_BOOLEAN), D(1.0), S("x")));
    ck_assert_int_eq(e->type, SEG_STRING);
    int64_t t[] = {1, 0};
    v = run(e, 2, (qry_vec *[]){vlong(SEG_BOOLEAN, 2, t)});
    ck_assert_str_eq(sval(v, 0), "1.0");
    ck_assert_str_eq(sval(v, 1), "x");
    ck_assert_int_eq(evl(call("case", 3, L(0), L(1), L(2))), 2);

    /* ELSE NULL (or none): NULL rows with null handling, defaults without */
    e = bound(call("case", 3, C(SEG_BOOLEAN), L(10), NUL()));
    ck_assert_int_eq(e->type, SEG_LONG);
    v = run(e, 2, (qry_vec *[]){vlong(SEG_BOOLEAN, 2, t)});
    ck_assert(!is_null(v, 0) && is_null(v, 1));
    ck_assert_int_eq(v->i[0], 10);
    e = bound(call("case", 2, C(SEG_BOOLEAN), S("y")));
    v = run(e, 2, (qry_vec *[]){vlong(SEG_BOOLEAN, 2, t)});
    ck_assert(is_null(v, 1));
    cx.null_handling = false;
    v = run(e, 2, (qry_vec *[]){vlong(SEG_BOOLEAN, 2, t)});
    ck_assert_ptr_null(v->nulls);
    ck_assert_str_eq(sval(v, 1), "null");

    assert_err(bind_code(call("case", 3, C(SEG_STRING), L(1), L(2))), QRY_ERR_VALIDATION,
               "BOOLEAN");
}
END_TEST

START_TEST(test_coalesce)
{
    qry_expr *e = bound(call("coalesce", 3, C(SEG_LONG), C(SEG_LONG), L(-1)));
    ck_assert_int_eq(e->type, SEG_LONG);
    int64_t a[] = {1, 2, 3}, b[] = {10, 20, 30};
    qry_vec *va = with_null(with_null(vlong(SEG_LONG, 3, a), 1), 2);
    qry_vec *vb = with_null(vlong(SEG_LONG, 3, b), 2);
    qry_vec *v = run(e, 3, (qry_vec *[]){va, vb});
    ck_assert_int_eq(v->i[0], 1);
    ck_assert_int_eq(v->i[1], 20);
    ck_assert_int_eq(v->i[2], -1);
    ck_assert_ptr_null(v->nulls);
}
END_TEST

/* ---- CAST ---------------------------------------------------------------- */

START_TEST(test_cast_numbers)
{
    qry_expr *e = bound(call("cast", 2, S("12"), S("INT")));
    ck_assert_int_eq(e->type, SEG_INT);
    ck_assert_int_eq(evl(call("cast", 2, S("12"), S("INTEGER"))), 12);
    ck_assert_int_eq(evl(call("cast", 2, S("1.9"), S("int"))), 1);   /* Double.valueOf */
    ck_assert_int_eq(evl(call("cast", 2, S("-7"), S("BIGINT"))), -7);
    ck_assert_int_eq(evl(call("cast", 2, S("12.7"), S("LONG"))), 12);
    ck_assert_int_eq(evl(call("cast", 2, S("1e3"), S("LONG"))), 1000);
    ck_assert_int_eq(evl(call("cast", 2, S("9223372036854775807"), S("LONG"))), INT64_MAX);
    ck_assert_int_eq(evl(call("cast", 2, D(3.99), S("BIGINT"))), 3);
    ck_assert_int_eq(evl(call("cast", 2, D(-3.99), S("BIGINT"))), -3);
    ck_assert_int_eq(evl(call("cast", 2, D(NAN), S("LONG"))), 0);
    ck_assert_int_eq(evl(call("cast", 2, D(1e30), S("LONG"))), INT64_MAX);
    ck_assert_int_eq(evl(call("cast", 2, D(1e30), S("INT"))), INT32_MAX);
    ck_assert_int_eq(evl(call("cast", 2, L(4294967297LL), S("INT"))), 1); /* (int) wraps */
    ck_assert_double_eq(evd(call("cast", 2, S("2.5"), S("DOUBLE"))), 2.5);
    ck_assert_double_eq(evd(call("cast", 2, L(3), S("DOUBLE"))), 3);
    ck_assert_double_eq(evd(call("cast", 2, D(0.1), S("FLOAT"))), (double)0.1f);
    ck_assert_int_eq(evl(call("cast", 2, S("true"), S("BOOLEAN"))), 1);
    ck_assert_int_eq(evl(call("cast", 2, L(5), S("BOOLEAN"))), 1);
    ck_assert_int_eq(evl(call("cast", 2, S("2014-01-01 00:00:00"), S("TIMESTAMP"))),
                     1388534400000LL);
    ck_assert_int_eq(evl(call("cast", 2, S("1388534400000"), S("TIMESTAMP"))),
                     1388534400000LL);
    /* failures name the value; unknown types fail at bind */
    assert_err(eval_code(call("cast", 2, S("abc"), S("INT"))), QRY_ERR_EXEC, "'abc'");
    assert_err(eval_code(call("cast", 2, S(" 12"), S("BIGINT"))), QRY_ERR_EXEC, "' 12'");
    assert_err(eval_code(call("cast", 2, S("maybe"), S("BOOLEAN"))), QRY_ERR_EXEC, "maybe");
    assert_err(bind_code(call("cast", 2, L(1), S("FOO"))), QRY_ERR_VALIDATION, "FOO");
    assert_err(bind_code(call("cast", 2, L(1), C(SEG_STRING))), QRY_ERR_VALIDATION,
               "literal");
    assert_err(bind_code(call("cast", 2, L(1), S("BYTES"))), QRY_ERR_VALIDATION, "BYTES");
}
END_TEST

START_TEST(test_cast_text)
{
    ck_assert_str_eq(evs(call("cast", 2, D(1.0), S("VARCHAR"))), "1.0");
    ck_assert_str_eq(evs(call("cast", 2, D(1.5e10), S("STRING"))), "1.5E10");
    ck_assert_str_eq(evs(call("cast", 2, D(100.0), S("STRING"))), "100.0");
    ck_assert_str_eq(evs(call("cast", 2, D(1e7), S("STRING"))), "1.0E7");
    ck_assert_str_eq(evs(call("cast", 2, D(9999999.5), S("STRING"))), "9999999.5");
    ck_assert_str_eq(evs(call("cast", 2, D(0.001), S("STRING"))), "0.001");
    ck_assert_str_eq(evs(call("cast", 2, D(0.0001), S("STRING"))), "1.0E-4");
    ck_assert_str_eq(evs(call("cast", 2, D(-1.25e-7), S("STRING"))), "-1.25E-7");
    ck_assert_str_eq(evs(call("cast", 2, D(0.1 + 0.2), S("STRING"))), "0.30000000000000004");
    ck_assert_str_eq(evs(call("cast", 2, D(1.0 / 3), S("STRING"))), "0.3333333333333333");
    ck_assert_str_eq(evs(call("cast", 2, D(-0.0), S("STRING"))), "-0.0");
    ck_assert_str_eq(evs(call("cast", 2, D(NAN), S("STRING"))), "NaN");
    ck_assert_str_eq(evs(call("cast", 2, D(-INFINITY), S("STRING"))), "-Infinity");
    ck_assert_str_eq(evs(call("cast", 2, D(1.7976931348623157e308), S("STRING"))),
                     "1.7976931348623157E308");
    ck_assert_str_eq(evs(call("cast", 2, L(INT64_MIN), S("STRING"))),
                     "-9223372036854775808");
    /* FLOAT renders as Float.toString: 0.1f is "0.1", not 0.10000000149 */
    qry_expr *e = bound(call("cast", 2, C(SEG_FLOAT), S("STRING")));
    double f[] = {(double)0.1f, (double)1.0e10f};
    qry_vec *v = run(e, 2, (qry_vec *[]){vdouble(SEG_FLOAT, 2, f)});
    ck_assert_str_eq(sval(v, 0), "0.1");
    ck_assert_str_eq(sval(v, 1), "1.0E10");
    /* BOOLEAN and TIMESTAMP have their own text */
    e = bound(call("cast", 2, C(SEG_BOOLEAN), S("STRING")));
    int64_t b[] = {1, 0};
    v = run(e, 2, (qry_vec *[]){vlong(SEG_BOOLEAN, 2, b)});
    ck_assert_str_eq(sval(v, 0), "true");
    ck_assert_str_eq(sval(v, 1), "false");
    e = bound(call("cast", 2, C(SEG_TIMESTAMP), S("VARCHAR")));
    int64_t ts[] = {1388534400000LL, 1388534400120LL, -1};
    v = run(e, 3, (qry_vec *[]){vlong(SEG_TIMESTAMP, 3, ts)});
    ck_assert_str_eq(sval(v, 0), "2014-01-01 00:00:00.0");
    ck_assert_str_eq(sval(v, 1), "2014-01-01 00:00:00.12");
    ck_assert_str_eq(sval(v, 2), "1969-12-31 23:59:59.999");
    /* BYTES and its hex text */
    e = bound(call("cast", 2, S("0aff"), S("BYTES")));
    ck_assert_int_eq(e->type, SEG_BYTES);
    v = eval1(e);
    ck_assert_int_eq(v->s[0].s.len, 2);
    ck_assert_int_eq((uint8_t)v->s[0].s.p[1], 0xff);
    assert_err(eval_code(call("cast", 2, S("0g"), S("BYTES"))), QRY_ERR_EXEC, "0g");
    qry_vec *bytes = qry_vec_new(&arena, QV_STRING, SEG_BYTES, 1);
    bytes->s[0].s.p = "\x0a\xff";
    bytes->s[0].s.len = 2;
    v = run(bound(call("cast", 2, C(SEG_BYTES), S("STRING"))), 1, (qry_vec *[]){bytes});
    ck_assert_str_eq(sval(v, 0), "0aff");
    v = run(bound(call("upper", 1, C(SEG_BYTES))), 1, (qry_vec *[]){bytes});
    ck_assert_str_eq(sval(v, 0), "0AFF");
    v = run(bound(call("cast", 2, C(SEG_BYTES), S("BYTES"))), 1, (qry_vec *[]){bytes});
    ck_assert_int_eq(v->s[0].s.len, 2);
    /* NULL rows stay NULL */
    e = bound(call("cast", 2, C(SEG_STRING), S("INT")));
    v = run(e, 2, (qry_vec *[]){vstr(2, (const char *[]){"5", NULL})});
    ck_assert_int_eq(v->i[0], 5);
    ck_assert(is_null(v, 1));
}
END_TEST

/* ---- strings ------------------------------------------------------------- */

START_TEST(test_string_basic)
{
    ck_assert_str_eq(evs(call("upper", 1, S("abc-Xy"))), "ABC-XY");
    ck_assert_str_eq(evs(call("lower", 1, S("ABC-xY"))), "abc-xy");
    ck_assert_str_eq(evs(call("upper", 1, S("straße é"))), "STRASSE É");
    ck_assert_str_eq(evs(call("lower", 1, S("ÉCOLE"))), "école");
    ck_assert_str_eq(evs(call("reverse", 1, S("abc"))), "cba");
    ck_assert_str_eq(evs(call("reverse", 1, S("aé😀"))), "😀éa");
    ck_assert_str_eq(evs(call("trim", 1, S(" \t x y \n"))), "x y");
    ck_assert_str_eq(evs(call("ltrim", 1, S("  x "))), "x ");
    ck_assert_str_eq(evs(call("rtrim", 1, S("  x "))), "  x");
    ck_assert_str_eq(evs(call("concat", 2, S("a"), S("b"))), "ab");
    ck_assert_str_eq(evs(call("concat", 3, S("a"), S("b"), S("-"))), "a-b");
    /* numbers are rendered as Java renders them */
    ck_assert_str_eq(evs(call("concat", 2, L(5), S("x"))), "5x");
    ck_assert_str_eq(evs(call("concat", 2, D(1.5), D(2.0))), "1.52.0");
    ck_assert_str_eq(evs(call("replace", 3, S("aaa"), S("a"), S("bb"))), "bbbbbb");
    ck_assert_str_eq(evs(call("replace", 3, S("abc"), S(""), S("x"))), "abc");
    ck_assert_str_eq(evs(call("replace", 3, S("a.b.c"), S("."), S(""))), "abc");
    ck_assert_str_eq(evs(call("remove", 2, S("banana"), S("an"))), "ba");
    /* empty results are empty strings, never NULL pointers */
    ck_assert_str_eq(evs(call("replace", 3, S("aaa"), S("a"), S(""))), "");
    ck_assert_str_eq(evs(call("concat", 2, S(""), S(""))), "");
    ck_assert_ptr_nonnull(eval1(call("upper", 1, S("")))->s[0].s.p);
    ck_assert_str_eq(evs(call("lpad", 3, S("bat"), L(8), S("yz"))), "yzyzybat");
    ck_assert_str_eq(evs(call("lpad", 3, S("bat"), L(5), S("yz"))), "yzbat");
    ck_assert_str_eq(evs(call("lpad", 3, S("bat"), L(2), S("yz"))), "bat");
    ck_assert_str_eq(evs(call("rpad", 3, S("bat"), L(6), S("yz"))), "batyzy");
    ck_assert_str_eq(evs(call("rpad", 3, S("7"), L(3), S(""))), "7  ");
    ck_assert_str_eq(evs(call("repeat", 2, S("ab"), L(3))), "ababab");
    ck_assert_str_eq(evs(call("repeat", 3, S("ab"), S("-"), L(3))), "ab-ab-ab");
    ck_assert_str_eq(evs(call("repeat", 2, S("ab"), L(0))), "");
    ck_assert_str_eq(evs(call("chr", 1, L(233))), "é");
    ck_assert_str_eq(evs(call("splitPart", 3, S("a,b,,c"), S(","), L(2))), "c");
    ck_assert_str_eq(evs(call("splitPart", 3, S("a,b,,c"), S(","), L(5))), "null");
    ck_assert_str_eq(evs(call("leftSubStr", 2, S("hello"), L(2))), "he");
    ck_assert_str_eq(evs(call("rightSubStr", 2, S("hello"), L(3))), "llo");
    ck_assert_str_eq(evs(call("rightSubStr", 2, S("hello"), L(9))), "hello");
    ck_assert_int_eq(bound(call("upper", 1, C(SEG_STRING)))->type, SEG_STRING);
}
END_TEST

START_TEST(test_substr)
{
    ck_assert_str_eq(evs(call("substr", 2, S("hello"), L(1))), "ello");
    ck_assert_str_eq(evs(call("substr", 3, S("hello"), L(1), L(3))), "el");
    ck_assert_str_eq(evs(call("substr", 3, S("hello"), L(1), L(-1))), "ello");
    ck_assert_str_eq(evs(call("substr", 3, S("hello"), L(0), L(100))), "hello");
    ck_assert_str_eq(evs(call("substr", 2, S("hello"), L(-3))), "llo");
    ck_assert_str_eq(evs(call("substr", 3, S("hello"), L(-4), L(-2))), "el");
    ck_assert_str_eq(evs(call("substr", 2, S("hello"), L(5))), "");
    ck_assert_str_eq(evs(call("substr", 2, S("hello"), L(10))), "");
    ck_assert_str_eq(evs(call("substr", 3, S("hello"), L(3), L(1))), "");
    ck_assert_str_eq(evs(call("substr", 2, S("hello"), L(-10))), "hello");
    ck_assert_str_eq(evs(call("substr", 2, S(""), L(0))), "");
    /* positions count characters (UTF-16 units), not bytes */
    ck_assert_str_eq(evs(call("substr", 3, S("héllo"), L(1), L(3))), "él");
    ck_assert_str_eq(evs(call("substr", 3, S("a😀b"), L(3), L(4))), "b");
    /* numbers are rendered first */
    ck_assert_str_eq(evs(call("substr", 3, L(12345), L(1), L(3))), "23");
    qry_expr *e = bound(call("substr", 3, C(SEG_STRING), L(1), C(SEG_INT)));
    int64_t ends[] = {2, 3};
    qry_vec *v = run(e, 2, (qry_vec *[]){vstr(2, (const char *[]){"abc", NULL}),
                                         vlong(SEG_INT, 2, ends)});
    ck_assert_str_eq(sval(v, 0), "b");
    ck_assert(is_null(v, 1));
}
END_TEST

START_TEST(test_string_numbers)
{
    qry_expr *e = bound(call("length", 1, S("héllo")));
    ck_assert_int_eq(e->type, SEG_INT);
    ck_assert_int_eq(evl(call("length", 1, S("héllo"))), 5);
    ck_assert_int_eq(evl(call("length", 1, S("😀"))), 2);     /* Java's UTF-16 length */
    ck_assert_int_eq(evl(call("length", 1, S(""))), 0);
    ck_assert_int_eq(evl(call("strpos", 2, S("hello"), S("l"))), 2);
    ck_assert_int_eq(evl(call("strpos", 3, S("hello"), S("l"), L(2))), 3);
    ck_assert_int_eq(evl(call("strpos", 3, S("hello"), S("l"), L(3))), -1);
    ck_assert_int_eq(evl(call("strpos", 3, S("hello"), S("l"), L(0))), -1);
    ck_assert_int_eq(evl(call("strpos", 2, S("hello"), S("z"))), -1);
    ck_assert_int_eq(evl(call("strpos", 3, S("aaaa"), S("aa"), L(2))), 1);
    ck_assert_int_eq(evl(call("strpos", 2, S("héllo"), S("l"))), 2);
    ck_assert_int_eq(evl(call("strpos", 2, S("abc"), S(""))), 0);
    ck_assert_int_eq(evl(call("strrpos", 2, S("hello"), S("l"))), 3);
    ck_assert_int_eq(evl(call("strrpos", 2, S("hello"), S(""))), 5);
    ck_assert_int_eq(evl(call("codepoint", 1, S("A"))), 65);
    ck_assert_int_eq(evl(call("codepoint", 1, S("é"))), 233);
    assert_err(eval_code(call("codepoint", 1, S(""))), QRY_ERR_EXEC, "empty");
    ck_assert(evl(call("strcmp", 2, S("a"), S("b"))) < 0);
    ck_assert_int_eq(evl(call("strcmp", 2, S("ab"), S("ab"))), 0);
    ck_assert_int_eq(evl(call("strcmp", 2, S("abc"), S("ab"))), 1);
    e = bound(call("startsWith", 2, C(SEG_STRING), S("he")));
    ck_assert_int_eq(e->type, SEG_BOOLEAN);
    qry_vec *v = run(e, 3, (qry_vec *[]){vstr(3, (const char *[]){"hello", "ahe", NULL})});
    ck_assert_int_eq(v->i[0], 1);
    ck_assert_int_eq(v->i[1], 0);
    ck_assert(is_null(v, 2));
    ck_assert_int_eq(evl(call("endsWith", 2, S("hello"), S("llo"))), 1);
    ck_assert_int_eq(evl(call("endsWith", 2, S("lo"), S("hello"))), 0);
    ck_assert_int_eq(evl(call("contains", 2, S("hello"), S("ell"))), 1);
    ck_assert_int_eq(evl(call("contains", 2, S("hello"), S("elo"))), 0);
}
END_TEST

/* ---- DATETRUNC ----------------------------------------------------------- */

#define T0 1615718730123LL          /* 2021-03-14T10:45:30.123Z */

static int64_t trunc1(const char *unit, int64_t t, const char *tz)
{
    if (!tz)
        return evl(call("datetrunc", 2, S(unit), L(t)));
    return evl(call("datetrunc", 4, S(unit), L(t), S("MILLISECONDS"), S(tz)));
}

START_TEST(test_datetrunc_utc)
{
    qry_expr *e = bound(call("date_trunc", 2, S("DAY"), C(SEG_TIMESTAMP)));
    ck_assert_int_eq(e->type, SEG_LONG);
    ck_assert_int_eq(trunc1("millisecond", T0, NULL), T0);
    ck_assert_int_eq(trunc1("second", T0, NULL), 1615718730000LL);
    ck_assert_int_eq(trunc1("minute", T0, NULL), 1615718700000LL);
    ck_assert_int_eq(trunc1("hour", T0, NULL), 1615716000000LL);
    ck_assert_int_eq(trunc1("day", T0, NULL), 1615680000000LL);
    ck_assert_int_eq(trunc1("DAY", T0, "UTC"), 1615680000000LL);
    ck_assert_int_eq(trunc1("week", T0, NULL), 1615161600000LL);   /* Monday 03-08 */
    ck_assert_int_eq(trunc1("month", T0, NULL), 1614556800000LL);
    ck_assert_int_eq(trunc1("quarter", T0, NULL), 1609459200000LL);
    ck_assert_int_eq(trunc1("quarter", 1629435967000LL, NULL), 1625097600000LL);
    ck_assert_int_eq(trunc1("year", T0, NULL), 1609459200000LL);
    /* before the epoch the floor goes down, not toward zero */
    ck_assert_int_eq(trunc1("day", -1, NULL), -86400000LL);
    ck_assert_int_eq(trunc1("second", -1, NULL), -1000);
    /* input and output units */
    ck_assert_int_eq(evl(call("datetrunc", 3, S("hour"), L(T0 / 1000), S("SECONDS"))),
                     1615716000LL);
    ck_assert_int_eq(evl(call("datetrunc", 5, S("day"), L(T0 / 1000), S("seconds"),
                              S("UTC"), S("DAYS"))), 18700);
    ck_assert_int_eq(evl(call("datetrunc", 5, S("day"), L(T0), S("MILLISECONDS"),
                              S("UTC"), S("MICROSECONDS"))), 1615680000000000LL);
    /* many rows, one NULL */
    int64_t t[] = {T0, T0 + 86400000LL, 0};
    qry_vec *v = run(e, 3, (qry_vec *[]){with_null(vlong(SEG_TIMESTAMP, 3, t), 2)});
    ck_assert_int_eq(v->i[0], 1615680000000LL);
    ck_assert_int_eq(v->i[1], 1615680000000LL + 86400000LL);
    ck_assert(is_null(v, 2));
    /* bad literals are bind errors naming them */
    assert_err(bind_code(call("datetrunc", 2, S("days"), L(0))), QRY_ERR_VALIDATION, "'days'");
    assert_err(bind_code(call("datetrunc", 3, S("day"), L(0), S("MILLIS"))),
               QRY_ERR_VALIDATION, "'MILLIS'");
    assert_err(bind_code(call("datetrunc", 4, S("day"), L(0), S("MILLISECONDS"),
                              S("Mars/Olympus"))), QRY_ERR_VALIDATION, "'Mars/Olympus'");
    assert_err(bind_code(call("datetrunc", 2, C(SEG_STRING), L(0))), QRY_ERR_VALIDATION,
               "literal");
}
END_TEST

START_TEST(test_datetrunc_zones)
{
    const char *la = "America/Los_Angeles", *kol = "Asia/Kolkata";
    /* 2021-03-14, the day DST starts in Los Angeles (02:00 -> 03:00):
     * T0 is 03:45:30 PDT, the day began at 00:00 PST */
    ck_assert_int_eq(trunc1("day", T0, la), 1615708800000LL);
    ck_assert_int_eq(trunc1("hour", T0, la), 1615716000000LL);
    ck_assert_int_eq(trunc1("week", T0, la), 1615190400000LL);
    ck_assert_int_eq(trunc1("month", T0, la), 1614585600000LL);
    ck_assert_int_eq(trunc1("quarter", T0, la), 1609488000000LL);
    ck_assert_int_eq(trunc1("year", T0, la), 1609488000000LL);
    /* 2021-11-07, DST ends (02:00 PDT -> 01:00 PST): 01:30 happens twice */
    ck_assert_int_eq(trunc1("day", 1636277400000LL, la), 1636268400000LL);
    ck_assert_int_eq(trunc1("hour", 1636277400000LL, la), 1636275600000LL);
    ck_assert_int_eq(trunc1("hour", 1636273800000LL, la), 1636272000000LL);
    ck_assert_int_eq(trunc1("day", 1636273800000LL, la), 1636268400000LL);
    /* Kolkata is UTC+05:30: hours start at :30 UTC */
    ck_assert_int_eq(trunc1("hour", T0, kol), 1615717800000LL);
    ck_assert_int_eq(trunc1("minute", T0, kol), 1615718700000LL);
    ck_assert_int_eq(trunc1("day", T0, kol), 1615660200000LL);
    ck_assert_int_eq(trunc1("week", T0, kol), 1615141800000LL);
    ck_assert_int_eq(trunc1("month", T0, kol), 1614537000000LL);
    /* zone names in any case, and fixed offsets */
    ck_assert_int_eq(trunc1("day", T0, "america/los_angeles"), 1615708800000LL);
    ck_assert_int_eq(trunc1("day", T0, "+05:30"), 1615660200000LL);
    ck_assert_int_eq(trunc1("day", T0, "GMT-08:00"), 1615708800000LL);
}
END_TEST

/* ICU's own calendar as the reference for calendar truncation in a zone. */
static int64_t icu_trunc(UCalendar *cal, int64_t t, const char *unit)
{
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)t, &st);
    if (!strcmp(unit, "week")) {
        int dow = ucal_get(cal, UCAL_DAY_OF_WEEK, &st);   /* Sunday = 1 */
        ucal_add(cal, UCAL_DATE, -((dow + 5) % 7), &st);
    } else if (!strcmp(unit, "month")) {
        ucal_set(cal, UCAL_DATE, 1);
    } else if (!strcmp(unit, "year")) {
        ucal_set(cal, UCAL_MONTH, 0);
        ucal_set(cal, UCAL_DATE, 1);
    }
    int y = ucal_get(cal, UCAL_YEAR, &st), m = ucal_get(cal, UCAL_MONTH, &st);
    int d = ucal_get(cal, UCAL_DATE, &st);
    ucal_clear(cal);
    ucal_setDateTime(cal, y, m, d, 0, 0, 0, &st);
    ck_assert_msg(U_SUCCESS(st), "ICU: %s", u_errorName(st));
    return (int64_t)ucal_getMillis(cal, &st);
}

START_TEST(test_datetrunc_vs_icu)
{
    static const char *zones[] = {"America/Los_Angeles", "Asia/Kolkata",
                                  "Europe/London", "Australia/Lord_Howe",
                                  "America/Sao_Paulo", "Asia/Kathmandu",
                                  "America/New_York"};
    static const char *units[] = {"day", "week", "month", "year"};
    srand(42);
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        UChar id[64];
        UErrorCode st = U_ZERO_ERROR;
        u_uastrcpy(id, zones[z]);
        UCalendar *cal = ucal_open(id, -1, "en_US", UCAL_GREGORIAN, &st);
        ck_assert(U_SUCCESS(st));
        for (size_t u = 0; u < 4; u++) {
            /* a batch of sorted instants over 1990-2030 in one evaluation,
             * to run the span cache through many transitions */
            enum { N = 600 };
            int64_t t[N];
            for (int r = 0; r < N; r++)
                t[r] = 631152000000LL + (int64_t)r * 2103840000LL +
                       (int64_t)(rand() % 2000000000);
            qry_expr *e = bound(call("datetrunc", 4, S(units[u]), C(SEG_LONG),
                                     S("MILLISECONDS"), S(zones[z])));
            qry_vec *v = run(e, N, (qry_vec *[]){vlong(SEG_LONG, N, t)});
            for (int r = 0; r < N; r++) {
                int64_t want = icu_trunc(cal, t[r], units[u]);
                ck_assert_msg(v->i[r] == want, "%s %s %lld: got %lld want %lld",
                              zones[z], units[u], (long long)t[r],
                              (long long)v->i[r], (long long)want);
            }
        }
        ucal_close(cal);
    }
}
END_TEST

/* ---- epoch conversions, parts, now, ago ---------------------------------- */

START_TEST(test_epoch_conversions)
{
    ck_assert_int_eq(evl(call("toEpochSeconds", 1, L(T0))), 1615718730LL);
    ck_assert_int_eq(evl(call("toEpochSeconds", 1, L(-1500))), -1);   /* toward zero */
    ck_assert_int_eq(evl(call("toEpochMinutes", 1, L(T0))), 26928645LL);
    ck_assert_int_eq(evl(call("toEpochHours", 1, L(T0))), 448810LL);
    ck_assert_int_eq(evl(call("toEpochDays", 1, L(T0))), 18700);
    ck_assert_int_eq(evl(call("toEpochSecondsRounded", 2, L(T0), L(10))), 1615718730LL);
    ck_assert_int_eq(evl(call("toEpochMinutesRounded", 2, L(T0), L(15))), 26928645LL);
    ck_assert_int_eq(evl(call("toEpochHoursRounded", 2, L(T0), L(24))), 448800LL);
    ck_assert_int_eq(evl(call("toEpochMinutesBucket", 2, L(T0), L(15))), 1795243LL);
    ck_assert_int_eq(evl(call("toEpochDaysBucket", 2, L(T0), L(7))), 2671);
    ck_assert_int_eq(evl(call("fromEpochSeconds", 1, L(1615718730LL))), 1615718730000LL);
    ck_assert_int_eq(evl(call("fromEpochDays", 1, L(18700))), 1615680000000LL);
    ck_assert_int_eq(evl(call("fromEpochMinutesBucket", 2, L(1795243), L(15))),
                     1615718700000LL);
    ck_assert_int_eq(evl(call("fromEpochHoursBucket", 2, L(448810), L(1))), 1615716000000LL);
    ck_assert_int_eq(evl(call("fromEpochDays", 1, L(INT64_MAX / 1000))), INT64_MAX);
    ck_assert_int_eq(evl(call("round", 2, L(T0), L(1000))), 1615718730000LL);
    ck_assert_int_eq(evl(call("toTimestamp", 1, L(T0))), T0);
    ck_assert_int_eq(bound(call("toTimestamp", 1, L(T0)))->type, SEG_TIMESTAMP);
    ck_assert_int_eq(evl(call("fromTimestamp", 1, L(T0))), T0);
    assert_err(eval_code(call("toEpochSecondsBucket", 2, L(T0), L(0))), QRY_ERR_EXEC,
               "by zero");
    assert_err(eval_code(call("round", 2, L(T0), L(0))), QRY_ERR_EXEC, "by zero");
}
END_TEST

START_TEST(test_parts)
{
    qry_expr *e = bound(call("year", 1, C(SEG_LONG)));
    ck_assert_int_eq(e->type, SEG_INT);
    ck_assert_int_eq(evl(call("year", 1, L(T0))), 2021);
    ck_assert_int_eq(evl(call("quarter", 1, L(T0))), 1);
    ck_assert_int_eq(evl(call("month", 1, L(T0))), 3);
    ck_assert_int_eq(evl(call("dayOfMonth", 1, L(T0))), 14);
    ck_assert_int_eq(evl(call("day", 1, L(T0))), 14);
    ck_assert_int_eq(evl(call("dayOfWeek", 1, L(T0))), 7);          /* Sunday */
    ck_assert_int_eq(evl(call("dayOfYear", 1, L(T0))), 73);
    ck_assert_int_eq(evl(call("week", 1, L(T0))), 10);
    ck_assert_int_eq(evl(call("hour", 1, L(T0))), 10);
    ck_assert_int_eq(evl(call("minute", 1, L(T0))), 45);
    ck_assert_int_eq(evl(call("second", 1, L(T0))), 30);
    ck_assert_int_eq(evl(call("millisecond", 1, L(T0))), 123);
    /* 2021-01-01 is in ISO week 53 of 2020 */
    ck_assert_int_eq(evl(call("week", 1, L(1609502400000LL))), 53);
    ck_assert_int_eq(evl(call("yearOfWeek", 1, L(1609502400000LL))), 2020);
    ck_assert_int_eq(evl(call("dow", 1, L(1609502400000LL))), 5);
    /* in a zone: T0 is 03:45 PDT and 16:15 IST */
    ck_assert_int_eq(evl(call("hour", 2, L(T0), S("America/Los_Angeles"))), 3);
    ck_assert_int_eq(evl(call("hour", 2, L(T0), S("Asia/Kolkata"))), 16);
    ck_assert_int_eq(evl(call("minute", 2, L(T0), S("Asia/Kolkata"))), 15);
    /* 1969-12-31T23:59:59.999Z */
    ck_assert_int_eq(evl(call("year", 1, L(-1))), 1969);
    ck_assert_int_eq(evl(call("millisecond", 1, L(-1))), 999);
    ck_assert_int_eq(evl(call("dayOfYear", 1, L(-1))), 365);
    /* 2021-01-01 00:30 UTC is still 2020 in Los Angeles */
    ck_assert_int_eq(evl(call("year", 2, L(1609461000000LL), S("America/Los_Angeles"))),
                     2020);
    assert_err(bind_code(call("year", 2, L(0), S("Nowhere"))), QRY_ERR_VALIDATION, "Nowhere");
    ck_assert_int_eq(evl(call("extract", 2, S("YEAR"), L(T0))), 2021);
    ck_assert_int_eq(evl(call("extract", 2, S("minute"), L(T0))), 45);
    ck_assert_int_eq(evl(call("extract", 2, S("week"), L(T0))), 10);
    assert_err(bind_code(call("extract", 2, S("EPOCH"), L(0))), QRY_ERR_VALIDATION, "EPOCH");
}
END_TEST

START_TEST(test_now_ago)
{
    ck_assert_int_eq(evl(call("now", 0)), NOW_MS);
    ck_assert_int_eq(bound(call("now", 0))->type, SEG_LONG);
    ck_assert_int_eq(evl(call("ago", 1, S("P1D"))), NOW_MS - 86400000LL);
    ck_assert_int_eq(evl(call("ago", 1, S("PT1H"))), NOW_MS - 3600000LL);
    ck_assert_int_eq(evl(call("ago", 1, S("PT30M"))), NOW_MS - 1800000LL);
    ck_assert_int_eq(evl(call("ago", 1, S("P2DT3H4M"))), NOW_MS - 183840000LL);
    ck_assert_int_eq(evl(call("ago", 1, S("PT20.345S"))), NOW_MS - 20345);
    ck_assert_int_eq(evl(call("ago", 1, S("-PT1H"))), NOW_MS + 3600000LL);
    ck_assert_int_eq(evl(call("ago", 1, S("pt-0.5s"))), NOW_MS + 500);
    assert_err(bind_code(call("ago", 1, S("P1W"))), QRY_ERR_VALIDATION, "'P1W'");
    assert_err(bind_code(call("ago", 1, S("PT"))), QRY_ERR_VALIDATION, "ISO-8601");
    assert_err(bind_code(call("ago", 1, S("1D"))), QRY_ERR_VALIDATION, "ISO-8601");
    /* a column of durations is parsed per row */
    qry_expr *e = bound(call("ago", 1, C(SEG_STRING)));
    qry_vec *v = run(e, 2, (qry_vec *[]){vstr(2, (const char *[]){"PT1S", NULL})});
    ck_assert_int_eq(v->i[0], NOW_MS - 1000);
    ck_assert(is_null(v, 1));
}
END_TEST

/* ---- patterns ------------------------------------------------------------ */

static const char *todt(int64_t ms, const char *pattern, const char *tz)
{
    if (!tz)
        return evs(call("toDateTime", 2, L(ms), S(pattern)));
    return evs(call("toDateTime", 3, L(ms), S(pattern), S(tz)));
}

static int64_t fromdt(const char *text, const char *pattern, const char *tz)
{
    if (!tz)
        return evl(call("fromDateTime", 2, S(text), S(pattern)));
    return evl(call("fromDateTime", 3, S(text), S(pattern), S(tz)));
}

#define W0 1547582709007LL   /* 2019-01-15T20:05:09.007Z */

START_TEST(test_todatetime)
{
    ck_assert_int_eq(bound(call("toDateTime", 2, L(0), S("yyyy")))->type, SEG_STRING);
    ck_assert_str_eq(todt(W0, "yyyy-MM-dd HH:mm:ss", NULL), "2019-01-15 20:05:09");
    ck_assert_str_eq(todt(W0, "yyyy-MM-dd HH:mm:ss.SSS", "America/Los_Angeles"),
                     "2019-01-15 12:05:09.007");
    ck_assert_str_eq(todt(W0, "yyyy-MM-dd HH:mm:ss", "Asia/Kolkata"), "2019-01-16 01:35:09");
    ck_assert_str_eq(todt(W0, "yyyyMMdd", NULL), "20190115");
    ck_assert_str_eq(todt(W0, "EEE, d MMM yyyy h:mm a Z", "America/Los_Angeles"),
                     "Tue, 15 Jan 2019 12:05 PM -0800");
    ck_assert_str_eq(todt(W0, "EEEE MMMM dd yy ZZ", "Asia/Kolkata"),
                     "Wednesday January 16 19 +05:30");
    ck_assert_str_eq(todt(W0, "'week' ww 'of' xxxx, 'day' D, e", NULL),
                     "week 03 of 2019, day 15, 2");
    ck_assert_str_eq(todt(W0, "H k K h", NULL), "20 20 8 8");
    ck_assert_str_eq(todt(1546300800000LL, "H k K h a", NULL), "0 24 0 12 AM");
    /* Joda's S prints the fraction: 007 ms is "007", 100 ms is "1" */
    ck_assert_str_eq(todt(W0, "s.S", NULL), "9.007");
    ck_assert_str_eq(todt(W0 - 7 + 100, "s.S|SS|SSSS", NULL), "9.1|10|1000");
    ck_assert_str_eq(todt(W0 - 7, "s.SSS", NULL), "9.000");
    ck_assert_str_eq(todt(W0, "yyyy-MM-dd'T'HH:mm:ss''Z", NULL),
                     "2019-01-15T20:05:09'+0000");
    ck_assert_str_eq(todt(W0, "z zzzz ZZZ", "America/Los_Angeles"),
                     "PST Pacific Standard Time America/Los_Angeles");
    ck_assert_str_eq(todt(1552213800000LL, "HH:mm z", "America/Los_Angeles"), "03:30 PDT");
    ck_assert_str_eq(todt(W0, "z", NULL), "UTC");
    ck_assert_str_eq(todt(-62167219200000LL, "yyyy G, YYYY", NULL), "0000 BC, 0001");
    ck_assert_str_eq(evs(call("toIso8601", 1, L(1388534400000LL))),
                     "2014-01-01T00:00:00.000Z");
    ck_assert_str_eq(evs(call("toIso8601", 1, L(-1))), "1969-12-31T23:59:59.999Z");
    assert_err(bind_code(call("toDateTime", 2, L(0), S("yyyy-qq"))), QRY_ERR_VALIDATION,
               "yyyy-qq");
    assert_err(bind_code(call("toDateTime", 2, L(0), S(""))), QRY_ERR_VALIDATION, "empty");
    assert_err(bind_code(call("toDateTime", 3, L(0), S("yyyy"), S("PDT/X"))),
               QRY_ERR_VALIDATION, "PDT/X");
    /* NULL rows */
    qry_expr *e = bound(call("toDateTime", 2, C(SEG_LONG), S("yyyy")));
    int64_t t[] = {W0, 0};
    qry_vec *v = run(e, 2, (qry_vec *[]){with_null(vlong(SEG_LONG, 2, t), 1)});
    ck_assert_str_eq(sval(v, 0), "2019");
    ck_assert(is_null(v, 1));
}
END_TEST

START_TEST(test_fromdatetime)
{
    ck_assert_int_eq(fromdt("2019-01-15 20:05:09", "yyyy-MM-dd HH:mm:ss", NULL),
                     W0 - 7);
    ck_assert_int_eq(fromdt("2019-01-15 12:05:09", "yyyy-MM-dd HH:mm:ss",
                            "America/Los_Angeles"), 1547582709000LL);
    ck_assert_int_eq(fromdt("20170701", "yyyyMMdd", NULL), 1498867200000LL);
    ck_assert_int_eq(fromdt("2019-01-15 12:05:09.007 -0800", "yyyy-MM-dd HH:mm:ss.SSS Z",
                            "Asia/Kolkata"), W0);
    ck_assert_int_eq(fromdt("tue, 15 JAN 2019 12:05 pm -08:00", "EEE, d MMM yyyy h:mm a ZZ",
                            NULL), 1547582700000LL);
    ck_assert_int_eq(fromdt("15 January 2019", "d MMMM yyyy", NULL), 1547510400000LL);
    ck_assert_int_eq(fromdt("2019-01-15T20:05:09.5Z", "yyyy-MM-dd'T'HH:mm:ss.SZ", NULL),
                     W0 - 7 + 500);
    /* two-digit years pivot around now (2023): [1943, 2043) */
    ck_assert_int_eq(fromdt("01/15/19", "MM/dd/yy", NULL), 1547510400000LL);
    ck_assert_int_eq(fromdt("01/01/50", "MM/dd/yy", NULL), -631152000000LL);
    /* the 01:30 of the fall-back night is the earlier one (PDT) */
    ck_assert_int_eq(fromdt("2021-11-07 01:30", "yyyy-MM-dd HH:mm", "America/Los_Angeles"),
                     1636273800000LL);
    /* fixed widths: MM takes exactly two digits, M one or two */
    assert_err(eval_code(call("fromDateTime", 2, S("2019-1-15"), S("yyyy-MM-dd"))),
               QRY_ERR_EXEC, "2019-1-15");
    ck_assert_int_eq(fromdt("2019-1-5", "yyyy-M-d", NULL), 1546646400000LL);
    /* out of range fields, trailing text, and the DST gap fail */
    assert_err(eval_code(call("fromDateTime", 2, S("2019-02-29"), S("yyyy-MM-dd"))),
               QRY_ERR_EXEC, "cannot parse");
    assert_err(eval_code(call("fromDateTime", 2, S("2019-01-15x"), S("yyyy-MM-dd"))),
               QRY_ERR_EXEC, "cannot parse");
    assert_err(eval_code(call("fromDateTime", 3, S("2019-03-10 02:30"),
                              S("yyyy-MM-dd HH:mm"), S("America/Los_Angeles"))),
               QRY_ERR_EXEC, "cannot parse");
    /* with a default, failures take it */
    ck_assert_int_eq(evl(call("fromDateTime", 4, S("junk"), S("yyyy"), S("UTC"), L(-5))), -5);
    assert_err(bind_code(call("fromDateTime", 2, S("x"), S("yyyy z"))), QRY_ERR_VALIDATION,
               "cannot be parsed");
    /* round trips */
    ck_assert_int_eq(fromdt(todt(W0, "yyyy-MM-dd HH:mm:ss.SSS", "Asia/Kolkata"),
                            "yyyy-MM-dd HH:mm:ss.SSS", "Asia/Kolkata"), W0);
    ck_assert_int_eq(fromdt(todt(W0, "EEEE, MMMM d, yyyy h:mm:ss.SSS a",
                                 "America/Los_Angeles"),
                            "EEEE, MMMM d, yyyy h:mm:ss.SSS a", "America/Los_Angeles"), W0);
    /* NULL rows and per-row default */
    qry_expr *e = bound(call("fromDateTime", 4, C(SEG_STRING), S("yyyy"), S("UTC"),
                             C(SEG_LONG)));
    int64_t dflt[] = {1, 2, 3};
    qry_vec *v = run(e, 3, (qry_vec *[]){vstr(3, (const char *[]){"1970", NULL, "x"}),
                                         vlong(SEG_LONG, 3, dflt)});
    ck_assert_int_eq(v->i[0], 0);
    ck_assert(is_null(v, 1));
    ck_assert_int_eq(v->i[2], 3);
}
END_TEST

/* Our patterns against ICU's SimpleDateFormat where Joda and ICU agree. */
START_TEST(test_patterns_vs_icu)
{
    static const char *zones[] = {"UTC", "America/Los_Angeles", "Asia/Kolkata",
                                  "Australia/Lord_Howe", "Asia/Kathmandu",
                                  "Europe/London"};
    static const char *patterns[] = {
        "yyyy-MM-dd HH:mm:ss.SSS", "EEE MMM d h:mm a", "EEEE, MMMM dd, yyyy K k",
        "D yy M d H m s", "yyyyMMddHHmmss Z"};
    enum { N = 400 };
    int64_t t[N];
    srand(7);
    for (int r = 0; r < N; r++)    /* 1901 .. 2099, sorted */
        t[r] = -2177452800000LL + (int64_t)r * 15778800000LL +
               (int64_t)(rand() % 1000000000) * 15;
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++) {
            UChar id[64], pat[64], out[128];
            char want[256];
            UErrorCode st = U_ZERO_ERROR;
            u_uastrcpy(id, zones[z]);
            u_uastrcpy(pat, patterns[p]);
            UDateFormat *f = udat_open(UDAT_PATTERN, UDAT_PATTERN, "en_US", id, -1,
                                       pat, -1, &st);
            ck_assert(U_SUCCESS(st));
            qry_expr *e = bound(call("toDateTime", 3, C(SEG_LONG), S(patterns[p]),
                                     S(zones[z])));
            qry_vec *v = run(e, N, (qry_vec *[]){vlong(SEG_LONG, N, t)});
            for (int r = 0; r < N; r++) {
                /* local mean times have offsets in seconds: ICU's Z prints
                 * them, Joda's (two fields) does not */
                if (strchr(patterns[p], 'Z') && t[r] < 0)
                    continue;
                int32_t n = udat_format(f, (UDate)t[r], out, 128, NULL, &st);
                u_strToUTF8(want, sizeof want, NULL, out, n, &st);
                ck_assert_msg(strcmp(sval(v, r), want) == 0, "%s %s %lld: got '%s' want '%s'",
                              zones[z], patterns[p], (long long)t[r], sval(v, r), want);
            }
            udat_close(f);
            /* and back, with the offset in the text (from 1970 on: older
             * local mean times have offsets in seconds, which ZZ drops) */
            qry_expr *text = bound(call("toDateTime", 3, C(SEG_LONG),
                                        S("yyyy-MM-dd HH:mm:ss.SSS ZZ"), S(zones[z])));
            qry_vec *s = run(text, N, (qry_vec *[]){vlong(SEG_LONG, N, t)});
            qry_expr *back = bound(call("fromDateTime", 3, C(SEG_STRING),
                                        S("yyyy-MM-dd HH:mm:ss.SSS ZZ"), S(zones[z])));
            qry_vec *b = run(back, N, (qry_vec *[]){s});
            for (int r = 0; r < N; r++) {
                if (t[r] >= 0)
                    ck_assert_int_eq(b->i[r], t[r]);
            }
        }
    }
}
END_TEST

/* ---- dateTimeConvert ----------------------------------------------------- */

#define G0 1498916232345LL   /* 2017-07-01T13:37:12.345Z */

static qry_expr *dtc(qry_expr *v, const char *in, const char *out, const char *gran)
{
    return call("dateTimeConvert", 4, v, S(in), S(out), S(gran));
}

START_TEST(test_datetimeconvert)
{
    ck_assert_int_eq(bound(dtc(L(G0), "1:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                               "15:MINUTES"))->type, SEG_LONG);
    ck_assert_int_eq(evl(dtc(L(G0), "1:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "15:MINUTES")), 1498915800000LL);
    ck_assert_int_eq(evl(dtc(L(G0), "1:MILLISECONDS:EPOCH", "1:HOURS:EPOCH", "1:HOURS")),
                     416365);
    ck_assert_int_eq(evl(dtc(L(G0 / 1000), "1:SECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "1:DAYS")), 1498867200000LL);
    ck_assert_int_eq(evl(dtc(L(G0 / 60000 / 5), "5:MINUTES:EPOCH", "EPOCH|MILLISECONDS|1",
                             "1:MINUTES")), 1498916100000LL);
    ck_assert_int_eq(evl(dtc(L(G0), "EPOCH|MILLISECONDS", "EPOCH|SECONDS|1",
                             "1:SECONDS")), 1498916232LL);
    ck_assert_int_eq(evl(dtc(L(G0), "1:MILLISECONDS:EPOCH", "1:WEEKS:EPOCH", "1:DAYS")), 2478);
    ck_assert_int_eq(evl(dtc(L(G0), "1:MILLISECONDS:EPOCH", "1:MONTHS:EPOCH", "1:DAYS")),
                     570);
    /* buckets without a zone are Java's truncation toward zero */
    ck_assert_int_eq(evl(dtc(L(-1), "1:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "15:MINUTES")), 0);
    /* simple date formats in and out */
    ck_assert_int_eq(evl(dtc(S("20170701"), "1:DAYS:SIMPLE_DATE_FORMAT:yyyyMMdd",
                             "1:MILLISECONDS:EPOCH", "1:DAYS")), 1498867200000LL);
    ck_assert_str_eq(evs(dtc(L(G0), "1:MILLISECONDS:EPOCH",
                             "1:DAYS:SIMPLE_DATE_FORMAT:yyyyMMdd", "1:DAYS")), "20170701");
    ck_assert_str_eq(evs(dtc(L(G0), "1:MILLISECONDS:EPOCH",
                             "SIMPLE_DATE_FORMAT|yyyy-MM-dd HH:mm:ss|America/Los_Angeles",
                             "1:HOURS")), "2017-07-01 06:00:00");
    ck_assert_str_eq(evs(dtc(L(G0), "1:MILLISECONDS:EPOCH",
                             "1:HOURS:SIMPLE_DATE_FORMAT:yyyy-MM-dd HH:mm tz(Asia/Kolkata)",
                             "30:MINUTES")), "2017-07-01 19:00");
    ck_assert_str_eq(evs(dtc(S("2017-07-01 06:37:12"),
                             "SIMPLE_DATE_FORMAT|yyyy-MM-dd HH:mm:ss|America/Los_Angeles",
                             "SIMPLE_DATE_FORMAT|yyyy-MM-dd HH:mm", "5:MINUTES")),
                      "2017-07-01 13:35");
    /* a bucketing zone buckets calendar days there */
    ck_assert_int_eq(evl(call("dateTimeConvert", 5, L(G0), S("1:MILLISECONDS:EPOCH"),
                              S("1:MILLISECONDS:EPOCH"), S("1:DAYS"),
                              S("America/Los_Angeles"))), 1498892400000LL);
    ck_assert_int_eq(evl(dtc(L(G0), "TIMESTAMP", "1:MILLISECONDS:EPOCH", "1:SECONDS")),
                     1498916232000LL);
    /* bad specs are bind errors naming them */
    assert_err(bind_code(dtc(L(0), "1:MILLIS:EPOCH", "1:MILLISECONDS:EPOCH", "1:DAYS")),
               QRY_ERR_VALIDATION, "MILLIS");
    assert_err(bind_code(dtc(L(0), "1:MILLISECONDS:EPOCH", "1:DAYS:SIMPLE_DATE_FORMAT:qq",
                             "1:DAYS")), QRY_ERR_VALIDATION, "qq");
    assert_err(bind_code(dtc(L(0), "1:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "0:DAYS")), QRY_ERR_VALIDATION, "granularity");
    assert_err(bind_code(dtc(L(0), "1:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "1:WEEKS")), QRY_ERR_VALIDATION, "granularity");
    assert_err(bind_code(dtc(L(0), "0:MILLISECONDS:EPOCH", "1:MILLISECONDS:EPOCH",
                             "1:DAYS")), QRY_ERR_VALIDATION, "size");
    assert_err(bind_code(dtc(L(0), "1:MILLISECONDS:EPOCH", "SIMPLE_DATE_FORMAT|yyyy|Nowhere",
                             "1:DAYS")), QRY_ERR_VALIDATION, "Nowhere");
    assert_err(eval_code(dtc(S("2017/07/01"), "1:DAYS:SIMPLE_DATE_FORMAT:yyyyMMdd",
                             "1:MILLISECONDS:EPOCH", "1:DAYS")), QRY_ERR_EXEC, "2017/07/01");
}
END_TEST

static Suite *func_suite(void)
{
    Suite *s = suite_create("qry_func");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_arithmetic);
    tcase_add_test(tc, test_arithmetic_nulls_and_errors);
    tcase_add_test(tc, test_least_greatest);
    tcase_add_test(tc, test_case);
    tcase_add_test(tc, test_coalesce);
    tcase_add_test(tc, test_cast_numbers);
    tcase_add_test(tc, test_cast_text);
    tcase_add_test(tc, test_string_basic);
    tcase_add_test(tc, test_substr);
    tcase_add_test(tc, test_string_numbers);
    tcase_add_test(tc, test_datetrunc_utc);
    tcase_add_test(tc, test_datetrunc_zones);
    tcase_add_test(tc, test_datetrunc_vs_icu);
    tcase_add_test(tc, test_epoch_conversions);
    tcase_add_test(tc, test_parts);
    tcase_add_test(tc, test_now_ago);
    tcase_add_test(tc, test_todatetime);
    tcase_add_test(tc, test_fromdatetime);
    tcase_add_test(tc, test_patterns_vs_icu);
    tcase_add_test(tc, test_datetimeconvert);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(func_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
