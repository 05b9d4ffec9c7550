/*
 * test_qry_agg.c: aggregation functions (and the t-digest and value set
 * under them): the registry, binding rules, every function on small inputs
 * worked out by hand, grouped updates, merging,
 * the byte form (round trips, truncation, random bytes), Pinot's empty
 * defaults with and without null handling, multi-value rows, NULL rows,
 * HyperLogLog against values computed with clearspring's algorithm in
 * Java, and t-digest accuracy on a million values.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qry_agg.h"
#include "qry_tdigest.h"
#include "qry_valset.h"

static qry_arena arena;

static void setup(void) { memset(&arena, 0, sizeof arena); }
static void teardown(void) { qry_arena_free(&arena); }

/* ---- building expressions ------------------------------------------------------ */

static qry_expr *node(qry_op op)
{
    qry_expr *e = qry_alloc(&arena, sizeof *e);
    e->op = op;
    e->position = -1;
    return e;
}

static qry_expr *col(seg_type t, bool mv)
{
    qry_expr *e = node(QE_COLUMN);
    e->type = t;
    e->mv = mv;
    e->name = "c";
    return e;
}

static qry_expr *star(void) { return node(QE_STAR); }

static qry_expr *lit_long(int64_t v)
{
    qry_expr *e = node(QE_LITERAL);
    e->type = SEG_LONG;
    e->lit.kind = QV_LONG;
    e->lit.type = SEG_LONG;
    e->lit.i = v;
    return e;
}

static qry_expr *lit_double(double v)
{
    qry_expr *e = node(QE_LITERAL);
    e->type = SEG_DOUBLE;
    e->lit.kind = QV_DOUBLE;
    e->lit.type = SEG_DOUBLE;
    e->lit.d = v;
    return e;
}

static qry_expr *lit_str(const char *s)
{
    qry_expr *e = node(QE_LITERAL);
    e->type = SEG_STRING;
    e->lit.kind = QV_STRING;
    e->lit.type = SEG_STRING;
    e->lit.s = s;
    e->lit.len = (uint32_t)strlen(s);
    return e;
}

/* An aggregation node named as written; returns the bind result. */
static int try_agg(const char *name, qry_err *err, qry_expr **out, uint32_t nargs, ...)
{
    qry_expr *e = node(QE_AGG);
    e->name = (char *)name;
    e->nargs = nargs;
    e->args = qry_alloc(&arena, (nargs + 1) * sizeof *e->args);
    va_list ap;
    va_start(ap, nargs);
    for (uint32_t i = 0; i < nargs; i++)
        e->args[i] = va_arg(ap, qry_expr *);
    va_end(ap);
    e->agg = qry_agg_find(name, NULL);
    ck_assert_msg(e->agg != NULL, "no aggregation %s", name);
    *out = e;
    memset(err, 0, sizeof *err);
    return e->agg->bind(e, err);
}

#define AGG(out, name, ...)                                                  \
    do {                                                                     \
        qry_err err_;                                                        \
        int rc_ = try_agg(name, &err_, &(out), __VA_ARGS__);                 \
        ck_assert_msg(rc_ == 0, "bind %s: %s", name, err_.msg);              \
    } while (0)

/* ---- vectors ------------------------------------------------------------------- */

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

static qry_vec *vstr(uint32_t n, const char *const *s)
{
    qry_vec *x = qry_vec_new(&arena, QV_STRING, SEG_STRING, n);
    for (uint32_t r = 0; r < n; r++) {
        x->s[r].s.p = s[r];
        x->s[r].s.len = (uint32_t)strlen(s[r]);
    }
    return x;
}

static void with_nulls(qry_vec *v, const uint8_t *nulls)
{
    v->nulls = qry_alloc(&arena, v->n);
    memcpy(v->nulls, nulls, v->n);
}

/* A multi-value LONG vector of rows rows: row r has values [off[r], off[r+1]). */
static qry_vec *mvlong(uint32_t rows, const uint32_t *off, const int64_t *vals)
{
    qry_vec *x = qry_alloc(&arena, sizeof *x);
    x->kind = QV_LONG;
    x->type = SEG_LONG;
    x->n = rows;
    x->mv_off = qry_alloc(&arena, (rows + 1) * sizeof *x->mv_off);
    memcpy(x->mv_off, off, (rows + 1) * sizeof *off);
    x->i = qry_alloc(&arena, (off[rows] + 1) * sizeof *x->i);
    memcpy(x->i, vals, off[rows] * sizeof *vals);
    return x;
}

/* ---- states ---------------------------------------------------------------------- */

static void *states_new(const qry_expr *e, uint32_t groups)
{
    uint8_t *m = calloc(groups ? groups : 1, e->agg->state_size);
    for (uint32_t g = 0; g < groups; g++)
        e->agg->init(e, m + (size_t)g * e->agg->state_size);
    return m;
}

static void *state_at(const qry_expr *e, void *m, uint32_t g)
{
    return (uint8_t *)m + (size_t)g * e->agg->state_size;
}

static void states_free(const qry_expr *e, void *m, uint32_t groups)
{
    for (uint32_t g = 0; g < groups && e->agg->destroy; g++)
        e->agg->destroy(e, state_at(e, m, g));
    free(m);
}

static void update1(const qry_expr *e, void *st, qry_vec *a0, qry_vec *a1, uint32_t n)
{
    qry_vec *args[2] = {a0, a1};
    e->agg->update(e, st, e->agg->state_size, NULL, args, n);
}

static void update_groups(const qry_expr *e, void *m, const uint32_t *groups, qry_vec *a0,
                          qry_vec *a1, uint32_t n)
{
    qry_vec *args[2] = {a0, a1};
    e->agg->update(e, m, e->agg->state_size, groups, args, n);
}

static qry_val final_of(const qry_expr *e, const void *st, bool nh)
{
    qry_val v;
    memset(&v, 0xab, sizeof v);
    e->agg->final(e, st, nh, &arena, &v);
    return v;
}

/* Serializes st, reads it back into a fresh state (caller frees). */
static void *roundtrip(const qry_expr *e, const void *st)
{
    tn_buf b = {0};
    e->agg->serialize(e, st, &b);
    void *copy = states_new(e, 1);
    int64_t used = e->agg->deserialize(e, copy, b.data, b.len);
    ck_assert_int_eq(used, (int64_t)b.len);
    tn_buf_free(&b);
    return copy;
}

static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

#define ck_double(v, expect)                                                              \
    do {                                                                                  \
        qry_val v_ = (v);                                                                 \
        ck_assert_int_eq(v_.kind, QV_DOUBLE);                                             \
        ck_assert_msg(same_double(v_.d, (expect)), "got %.17g, want %.17g", v_.d,        \
                      (double)(expect));                                                  \
    } while (0)

#define ck_long(v, t, expect)                                                             \
    do {                                                                                  \
        qry_val v_ = (v);                                                                 \
        ck_assert_int_eq(v_.kind, QV_LONG);                                               \
        ck_assert_int_eq(v_.type, (t));                                                   \
        ck_assert_int_eq(v_.i, (expect));                                                 \
    } while (0)

#define ck_null(v) ck_assert_int_eq((v).kind, QV_NULL)

static bool same_val(qry_val a, qry_val b)
{
    if (a.kind != b.kind || a.type != b.type)
        return false;
    switch (a.kind) {
    case QV_LONG: return a.i == b.i;
    case QV_DOUBLE: return same_double(a.d, b.d);
    case QV_STRING: return a.len == b.len && !memcmp(a.s, b.s, a.len);
    default: return true;
    }
}

/* A deterministic generator (xorshift64*) so failures reproduce. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double rnd_unit(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* ---- registry ---------------------------------------------------------------------- */

START_TEST(test_find)
{
    double p;
    const qry_agg_fn *f = qry_agg_find("COUNT", &p);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->name, "count");
    ck_assert(p == -1);
    ck_assert_str_eq(qry_agg_find("DISTINCT_COUNT", NULL)->name, "distinctcount");
    ck_assert_str_eq(qry_agg_find("distinctCountHLL", NULL)->name, "distinctcounthll");
    ck_assert_str_eq(qry_agg_find("Last_With_Time", NULL)->name, "lastwithtime");
    ck_assert_str_eq(qry_agg_find("SUM_MV", NULL)->name, "summv");
    ck_assert_str_eq(qry_agg_find("minMaxRange", NULL)->name, "minmaxrange");
    ck_assert_str_eq(qry_agg_find("PERCENTILE_TDIGEST", NULL)->name, "percentiletdigest");

    f = qry_agg_find("percentile95", &p);
    ck_assert_str_eq(f->name, "percentile");
    ck_assert(p == 95);
    f = qry_agg_find("PERCENTILETDIGEST99", &p);
    ck_assert_str_eq(f->name, "percentiletdigest");
    ck_assert(p == 99);
    f = qry_agg_find("percentileEst50", &p);
    ck_assert_str_eq(f->name, "percentileest");
    ck_assert(p == 50);
    f = qry_agg_find("percentile_90_mv", &p);
    ck_assert_str_eq(f->name, "percentilemv");
    ck_assert(p == 90);
    f = qry_agg_find("percentile0", &p);
    ck_assert(f && p == 0);
    f = qry_agg_find("percentile", &p);
    ck_assert(f && p == -1);

    ck_assert_ptr_null(qry_agg_find("nosuch", &p));
    ck_assert(p == -1);
    ck_assert_ptr_null(qry_agg_find("percentilex", NULL));
    ck_assert_ptr_null(qry_agg_find("percentile95x", NULL));
    ck_assert_ptr_null(qry_agg_find("percentile1000", NULL));
    ck_assert_ptr_null(qry_agg_find("", NULL));
    ck_assert_ptr_null(qry_agg_find(NULL, NULL));
}
END_TEST

/* ---- binding ---------------------------------------------------------------------- */

static void bind_fails(const char *name, uint32_t nargs, qry_expr *a0, qry_expr *a1, qry_expr *a2)
{
    qry_err err;
    qry_expr *e;
    int rc = try_agg(name, &err, &e, nargs, a0, a1, a2);
    ck_assert_msg(rc == -1, "%s should not bind", name);
    ck_assert_int_eq(err.code, 700);
    ck_assert(err.msg[0] != '\0');
}

START_TEST(test_bind_types)
{
    qry_expr *e;
    AGG(e, "count", 1, star());
    ck_assert_int_eq(e->type, SEG_LONG);
    AGG(e, "sum", 1, col(SEG_INT, false));
    ck_assert_int_eq(e->type, SEG_DOUBLE);
    AGG(e, "distinctcount", 1, col(SEG_STRING, false));
    ck_assert_int_eq(e->type, SEG_INT);
    AGG(e, "distinctcounthll", 1, col(SEG_STRING, false));
    ck_assert_int_eq(e->type, SEG_LONG);
    AGG(e, "percentile", 2, col(SEG_LONG, false), lit_long(95));
    ck_assert_int_eq(e->type, SEG_DOUBLE);
    AGG(e, "percentileest", 2, col(SEG_LONG, false), lit_double(99.5));
    ck_assert_int_eq(e->type, SEG_LONG);
    AGG(e, "percentile", 2, col(SEG_LONG, false), lit_str("50"));
    AGG(e, "percentile95", 1, col(SEG_LONG, false));
    AGG(e, "percentiletdigest", 3, col(SEG_DOUBLE, false), lit_long(50), lit_long(200));
    AGG(e, "lastwithtime", 3, col(SEG_STRING, false), col(SEG_LONG, false), lit_str("string"));
    ck_assert_int_eq(e->type, SEG_STRING);
    AGG(e, "firstwithtime", 3, col(SEG_LONG, false), col(SEG_TIMESTAMP, false), lit_str("INT"));
    ck_assert_int_eq(e->type, SEG_INT);
    AGG(e, "lastwithtime", 2, col(SEG_FLOAT, false), col(SEG_LONG, false));
    ck_assert_int_eq(e->type, SEG_FLOAT);
    AGG(e, "distinctcounthll", 2, col(SEG_LONG, false), lit_long(12));
}
END_TEST

START_TEST(test_bind_errors)
{
    bind_fails("sum", 1, col(SEG_STRING, false), NULL, NULL);
    bind_fails("min", 1, col(SEG_BYTES, false), NULL, NULL);
    bind_fails("avg", 1, star(), NULL, NULL);
    bind_fails("distinctsum", 1, col(SEG_STRING, false), NULL, NULL);
    bind_fails("percentile", 2, col(SEG_LONG, false), lit_long(101), NULL);
    bind_fails("percentile", 2, col(SEG_LONG, false), lit_double(-0.5), NULL);
    bind_fails("percentile", 2, col(SEG_LONG, false), lit_str("high"), NULL);
    bind_fails("percentile", 2, col(SEG_LONG, false), col(SEG_LONG, false), NULL);
    bind_fails("percentile", 1, col(SEG_LONG, false), NULL, NULL);
    bind_fails("percentile101", 1, col(SEG_LONG, false), NULL, NULL);
    bind_fails("percentile", 2, col(SEG_STRING, false), lit_long(50), NULL);
    bind_fails("percentiletdigest", 3, col(SEG_LONG, false), lit_long(50), lit_long(0));
    bind_fails("distinctcounthll", 2, col(SEG_LONG, false), lit_long(3), NULL);
    bind_fails("distinctcounthll", 2, col(SEG_LONG, false), lit_double(8.5), NULL);
    bind_fails("lastwithtime", 3, col(SEG_LONG, false), col(SEG_LONG, false), lit_str("FOO"));
    bind_fails("lastwithtime", 3, col(SEG_LONG, false), col(SEG_STRING, false), lit_str("LONG"));
    bind_fails("lastwithtime", 3, col(SEG_STRING, false), col(SEG_LONG, false), lit_str("LONG"));
    bind_fails("lastwithtime", 3, col(SEG_LONG, false), col(SEG_LONG, false), lit_long(1));
    bind_fails("lastwithtime", 1, col(SEG_LONG, false), NULL, NULL);
    bind_fails("count", 2, star(), star(), NULL);
}
END_TEST

/* ---- COUNT ---------------------------------------------------------------------- */

START_TEST(test_count)
{
    qry_expr *cs, *cx, *cmv;
    AGG(cs, "count", 1, star());
    AGG(cx, "COUNT", 1, col(SEG_LONG, false));
    AGG(cmv, "countmv", 1, col(SEG_LONG, true));
    int64_t v[5] = {1, 2, 3, 4, 5};
    qry_vec *x = vlong(SEG_LONG, 5, v);
    with_nulls(x, (const uint8_t[]){0, 1, 0, 1, 0});

    void *s = states_new(cs, 1), *t = states_new(cx, 1);
    update1(cs, s, NULL, NULL, 5);
    update1(cx, t, x, NULL, 5);
    ck_long(final_of(cs, s, false), SEG_LONG, 5);
    ck_long(final_of(cx, t, true), SEG_LONG, 3);   /* NULL rows not counted */
    states_free(cs, s, 1);
    states_free(cx, t, 1);

    /* Multi-value: COUNT counts rows, COUNTMV values. */
    uint32_t off[4] = {0, 2, 2, 5};
    qry_vec *m = mvlong(3, off, (int64_t[]){1, 2, 3, 4, 5});
    s = states_new(cx, 1);
    t = states_new(cmv, 1);
    update1(cx, s, m, NULL, 3);
    update1(cmv, t, m, NULL, 3);
    ck_long(final_of(cx, s, false), SEG_LONG, 3);
    ck_long(final_of(cmv, t, false), SEG_LONG, 5);
    states_free(cx, s, 1);
    states_free(cmv, t, 1);

    /* Empty: 0 with or without null handling. */
    s = states_new(cs, 1);
    ck_long(final_of(cs, s, false), SEG_LONG, 0);
    ck_long(final_of(cs, s, true), SEG_LONG, 0);
    states_free(cs, s, 1);
}
END_TEST

START_TEST(test_count_grouped)
{
    qry_expr *cs;
    AGG(cs, "count", 1, star());
    uint32_t groups[7] = {0, 1, 2, 0, 1, 0, 2};
    void *m = states_new(cs, 3);
    update_groups(cs, m, groups, NULL, NULL, 7);
    update_groups(cs, m, groups, NULL, NULL, 3);
    ck_long(final_of(cs, state_at(cs, m, 0), false), SEG_LONG, 4);
    ck_long(final_of(cs, state_at(cs, m, 1), false), SEG_LONG, 3);
    ck_long(final_of(cs, state_at(cs, m, 2), false), SEG_LONG, 3);
    states_free(cs, m, 3);
}
END_TEST

/* ---- SUM, MIN, MAX, AVG, MINMAXRANGE ---------------------------------------------------- */

static qry_expr *agg1(const char *name, seg_type t, bool mv)
{
    qry_expr *e;
    AGG(e, name, 1, col(t, mv));
    return e;
}

/* final of name over LONG values v (null handling off). */
static qry_val over_longs(const char *name, uint32_t n, const int64_t *v)
{
    qry_expr *e = agg1(name, SEG_LONG, false);
    void *s = states_new(e, 1);
    update1(e, s, vlong(SEG_LONG, n, v), NULL, n);
    qry_val out = final_of(e, s, false);
    states_free(e, s, 1);
    return out;
}

static qry_val over_doubles(const char *name, uint32_t n, const double *v)
{
    qry_expr *e = agg1(name, SEG_DOUBLE, false);
    void *s = states_new(e, 1);
    update1(e, s, vdouble(SEG_DOUBLE, n, v), NULL, n);
    qry_val out = final_of(e, s, false);
    states_free(e, s, 1);
    return out;
}

START_TEST(test_numeric_small)
{
    const int64_t l[5] = {3, -7, 10, 0, 4};
    ck_double(over_longs("sum", 5, l), 10.0);
    ck_double(over_longs("min", 5, l), -7.0);
    ck_double(over_longs("max", 5, l), 10.0);
    ck_double(over_longs("avg", 5, l), 2.0);
    ck_double(over_longs("minmaxrange", 5, l), 17.0);

    const double d[4] = {1.5, -2.25, 8.0, 0.75};
    ck_double(over_doubles("sum", 4, d), 8.0);
    ck_double(over_doubles("min", 4, d), -2.25);
    ck_double(over_doubles("max", 4, d), 8.0);
    ck_double(over_doubles("avg", 4, d), 2.0);
    ck_double(over_doubles("minmaxrange", 4, d), 10.25);

    /* A NaN never becomes the min or the max (Pinot compares with < and >). */
    const double nan_in[3] = {NAN, 2.0, 1.0};
    ck_double(over_doubles("min", 3, nan_in), 1.0);
    ck_double(over_doubles("max", 3, nan_in), 2.0);
}
END_TEST

START_TEST(test_sum_large_longs)
{
    /* Sums are doubles: LONG values near 2^63 do not wrap. */
    const int64_t big[3] = {INT64_MAX, INT64_MAX, INT64_MAX};
    ck_double(over_longs("sum", 3, big), 3 * 9223372036854775808.0);
    ck_double(over_longs("avg", 3, big), 9223372036854775808.0);
    const int64_t mixed[4] = {INT64_MAX, INT64_MIN, INT64_MAX, 1};
    ck_double(over_longs("sum", 4, mixed), 9223372036854775808.0);
    ck_double(over_longs("minmaxrange", 4, mixed), 18446744073709551616.0);
    /* Exact up to 2^53. */
    const int64_t exact[2] = {4503599627370496LL, 4503599627370495LL};
    ck_double(over_longs("sum", 2, exact), 9007199254740991.0);
}
END_TEST

START_TEST(test_numeric_empty)
{
    const char *names[5] = {"sum", "min", "max", "avg", "minmaxrange"};
    const double want[5] = {0.0, INFINITY, -INFINITY, -INFINITY, -INFINITY};
    for (int k = 0; k < 5; k++) {
        qry_expr *e = agg1(names[k], SEG_DOUBLE, false);
        void *s = states_new(e, 1);
        ck_double(final_of(e, s, false), want[k]);
        ck_null(final_of(e, s, true));
        void *c = roundtrip(e, s);
        ck_double(final_of(e, c, false), want[k]);
        ck_null(final_of(e, c, true));
        states_free(e, c, 1);
        /* Rows that are all NULL leave a state empty. */
        qry_vec *v = vdouble(SEG_DOUBLE, 2, (double[]){1, 2});
        with_nulls(v, (const uint8_t[]){1, 1});
        update1(e, s, v, NULL, 2);
        ck_null(final_of(e, s, true));
        states_free(e, s, 1);
    }
}
END_TEST

START_TEST(test_numeric_nulls)
{
    qry_vec *v = vlong(SEG_LONG, 5, (int64_t[]){5, 100, -3, -100, 2});
    with_nulls(v, (const uint8_t[]){0, 1, 0, 1, 0});
    const char *names[5] = {"sum", "min", "max", "avg", "minmaxrange"};
    const double want[5] = {4.0, -3.0, 5.0, 4.0 / 3.0, 8.0};
    for (int k = 0; k < 5; k++) {
        qry_expr *e = agg1(names[k], SEG_LONG, false);
        void *s = states_new(e, 1);
        update1(e, s, v, NULL, 5);
        ck_double(final_of(e, s, true), want[k]);
        states_free(e, s, 1);
    }
}
END_TEST

START_TEST(test_numeric_grouped)
{
    /* Three groups interleaved over two batches. */
    const int64_t v[9] = {1, 10, 100, 2, 20, 200, 3, 30, 300};
    const uint32_t g[9] = {0, 1, 2, 0, 1, 2, 0, 1, 2};
    const char *names[5] = {"sum", "min", "max", "avg", "minmaxrange"};
    const double want[5][3] = {
        {6 + 4, 60 + 40, 600 + 400},
        {1, 10, 100},
        {4, 40, 400},
        {10.0 / 4, 100.0 / 4, 1000.0 / 4},
        {3, 30, 300},
    };
    for (int k = 0; k < 5; k++) {
        qry_expr *e = agg1(names[k], SEG_LONG, false);
        void *m = states_new(e, 3);
        update_groups(e, m, g, vlong(SEG_LONG, 9, v), NULL, 9);
        update_groups(e, m, (const uint32_t[]){2, 1, 0}, vlong(SEG_LONG, 3, (int64_t[]){400, 40, 4}),
                      NULL, 3);
        for (uint32_t i = 0; i < 3; i++)
            ck_double(final_of(e, state_at(e, m, i), false), want[k][i]);
        states_free(e, m, 3);
    }
}
END_TEST

START_TEST(test_numeric_mv)
{
    uint32_t off[4] = {0, 3, 3, 5};
    const int64_t vals[5] = {1, 2, 3, -4, 8};
    const char *names[10] = {"sum", "summv", "min", "minmv", "max",
                             "maxmv", "avg", "avgmv", "minmaxrange", "minmaxrangemv"};
    const double want[10] = {10, 10, -4, -4, 8, 8, 2, 2, 12, 12};
    for (int k = 0; k < 10; k++) {
        qry_expr *e = agg1(names[k], SEG_LONG, true);
        void *s = states_new(e, 1);
        update1(e, s, mvlong(3, off, vals), NULL, 3);
        ck_double(final_of(e, s, false), want[k]);
        states_free(e, s, 1);
    }
}
END_TEST

/* ---- merging and the byte form, for every function ------------------------------------------ */

typedef struct agg_case {
    const char *name;
    qry_expr *e;
    qry_vec *(*input)(uint32_t from, uint32_t n);   /* rows [from, from + n) */
    qry_vec *(*time)(uint32_t from, uint32_t n);
} agg_case;

static qry_vec *in_long(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_LONG, SEG_LONG, n);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = (int64_t)((from + r) * 7919u % 1000u) - 300;
    return v;
}

static qry_vec *in_str(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_STRING, SEG_STRING, n);
    for (uint32_t r = 0; r < n; r++) {
        char *s = qry_alloc(&arena, 16);
        snprintf(s, 16, "s%u", (from + r) * 31u % 97u);
        v->s[r].s.p = s;
        v->s[r].s.len = (uint32_t)strlen(s);
    }
    return v;
}

static qry_vec *in_time(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_LONG, SEG_TIMESTAMP, n);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = (int64_t)((from + r) * 37u % 101u);
    return v;
}

/* One bound expression per function of the registry. */
static uint32_t all_cases(agg_case *c)
{
    uint32_t n = 0;
#define CASE(nm, inp, tm, ...)                     \
    do {                                           \
        c[n].name = nm;                            \
        c[n].input = inp;                          \
        c[n].time = tm;                            \
        AGG(c[n].e, nm, __VA_ARGS__);              \
        n++;                                       \
    } while (0)
    CASE("count", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("countmv", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("sum", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("min", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("max", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("avg", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("minmaxrange", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("distinctcount", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("distinctcount", in_str, NULL, 1, col(SEG_STRING, false));
    CASE("distinctsum", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("distinctavg", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("distinctcounthll", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("distinctcounthll", in_str, NULL, 2, col(SEG_STRING, false), lit_long(5));
    CASE("percentile", in_long, NULL, 2, col(SEG_LONG, false), lit_long(90));
    CASE("percentile50", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("percentiletdigest", in_long, NULL, 2, col(SEG_LONG, false), lit_double(99.0));
    CASE("percentileest", in_long, NULL, 2, col(SEG_LONG, false), lit_long(25));
    CASE("lastwithtime", in_long, in_time, 3, col(SEG_LONG, false), col(SEG_TIMESTAMP, false),
         lit_str("LONG"));
    CASE("firstwithtime", in_str, in_time, 3, col(SEG_STRING, false), col(SEG_TIMESTAMP, false),
         lit_str("STRING"));
    CASE("lastwithtime", in_long, in_time, 3, col(SEG_LONG, false), col(SEG_TIMESTAMP, false),
         lit_str("DOUBLE"));
    CASE("mode", in_long, NULL, 1, col(SEG_LONG, false));
    CASE("mode", in_long, NULL, 2, col(SEG_LONG, false), lit_str("AVG"));
    CASE("anyvalue", in_str, NULL, 1, col(SEG_STRING, false));
    CASE("anyvalue", in_long, NULL, 1, col(SEG_LONG, false));
#undef CASE
    return n;
}

static void feed(const agg_case *c, void *st, uint32_t from, uint32_t n)
{
    update1(c->e, st, c->input(from, n), c->time ? c->time(from, n) : NULL, n);
}

START_TEST(test_merge_equals_whole)
{
    agg_case cases[32];
    uint32_t nc = all_cases(cases);
    for (uint32_t k = 0; k < nc; k++) {
        const agg_case *c = &cases[k];
        void *whole = states_new(c->e, 1), *a = states_new(c->e, 1), *b = states_new(c->e, 1);
        feed(c, whole, 0, 40);
        feed(c, a, 0, 25);
        feed(c, b, 25, 15);
        c->e->agg->merge(c->e, a, b);
        ck_assert_msg(same_val(final_of(c->e, a, false), final_of(c->e, whole, false)),
                      "merge of %s", c->name);
        /* Merging an empty state changes nothing, in either direction. */
        void *empty = states_new(c->e, 1);
        c->e->agg->merge(c->e, a, empty);
        ck_assert_msg(same_val(final_of(c->e, a, false), final_of(c->e, whole, false)),
                      "merge empty into %s", c->name);
        /* merge may take over its source, so compare with a (== whole) */
        c->e->agg->merge(c->e, empty, whole);
        ck_assert_msg(same_val(final_of(c->e, empty, false), final_of(c->e, a, false)),
                      "merge %s into empty", c->name);
        states_free(c->e, empty, 1);
        states_free(c->e, whole, 1);
        states_free(c->e, a, 1);
        states_free(c->e, b, 1);
    }
}
END_TEST

START_TEST(test_roundtrip)
{
    agg_case cases[32];
    uint32_t nc = all_cases(cases);
    for (uint32_t k = 0; k < nc; k++) {
        const agg_case *c = &cases[k];
        void *whole = states_new(c->e, 1), *a = states_new(c->e, 1), *b = states_new(c->e, 1);
        feed(c, whole, 0, 60);
        feed(c, a, 0, 30);
        feed(c, b, 30, 30);
        void *wc = roundtrip(c->e, whole);
        ck_assert_msg(same_val(final_of(c->e, wc, false), final_of(c->e, whole, false)),
                      "round trip of %s", c->name);
        /* A broker merging deserialized partials gets the whole answer. */
        void *ac = roundtrip(c->e, a), *bc = roundtrip(c->e, b);
        c->e->agg->merge(c->e, ac, bc);
        ck_assert_msg(same_val(final_of(c->e, ac, false), final_of(c->e, whole, false)),
                      "merge after round trip of %s", c->name);
        /* And the merged state serializes again. */
        void *acc = roundtrip(c->e, ac);
        ck_assert(same_val(final_of(c->e, acc, false), final_of(c->e, whole, false)));
        void *ec = states_new(c->e, 1);
        void *ecc = roundtrip(c->e, ec);
        ck_assert_msg(same_val(final_of(c->e, ecc, false), final_of(c->e, ec, false)),
                      "round trip of empty %s", c->name);
        states_free(c->e, ecc, 1);
        states_free(c->e, ec, 1);
        states_free(c->e, acc, 1);
        states_free(c->e, ac, 1);
        states_free(c->e, bc, 1);
        states_free(c->e, wc, 1);
        states_free(c->e, whole, 1);
        states_free(c->e, a, 1);
        states_free(c->e, b, 1);
    }
}
END_TEST

/* Every strict prefix of a valid form is malformed. */
START_TEST(test_truncated)
{
    agg_case cases[32];
    uint32_t nc = all_cases(cases);
    for (uint32_t k = 0; k < nc; k++) {
        const agg_case *c = &cases[k];
        void *s = states_new(c->e, 1);
        feed(c, s, 0, 20);
        tn_buf b = {0};
        c->e->agg->serialize(c->e, s, &b);
        for (size_t len = 0; len < b.len; len++) {
            /* A copy of exactly len bytes, so ASan sees any read past it. */
            uint8_t *p = malloc(len ? len : 1);
            memcpy(p, b.data, len);
            void *t = states_new(c->e, 1);
            ck_assert_msg(c->e->agg->deserialize(c->e, t, p, len) == -1,
                          "%s accepted %zu of %zu bytes", c->name, len, b.len);
            states_free(c->e, t, 1);
            free(p);
        }
        tn_buf_free(&b);
        states_free(c->e, s, 1);
    }
}
END_TEST

/* Random bytes, and valid forms with random bytes changed, never crash or
 * read out of bounds (ASan watches); what is accepted still works. */
START_TEST(test_fuzz_deserialize)
{
    agg_case cases[32];
    uint32_t nc = all_cases(cases);
    for (uint32_t k = 0; k < nc; k++) {
        const agg_case *c = &cases[k];
        void *s = states_new(c->e, 1);
        feed(c, s, 0, 30);
        tn_buf valid = {0};
        c->e->agg->serialize(c->e, s, &valid);
        for (int iter = 0; iter < 3000; iter++) {
            size_t len;
            uint8_t *p;
            if (iter % 2 == 0) {
                len = rnd() % 80;
                p = malloc(len ? len : 1);
                for (size_t i = 0; i < len; i++)
                    p[i] = (uint8_t)rnd();
                /* Small counts and kinds make it past the first checks. */
                if (len > 0 && iter % 4 == 0)
                    p[0] = (uint8_t)(rnd() % 4);
                if (len > 4 && iter % 8 == 0)
                    memset(p + 1, 0, 3);
            } else {
                len = valid.len - (iter % 3 == 0 ? rnd() % (valid.len + 1) : 0);
                p = malloc(len ? len : 1);
                memcpy(p, valid.data, len);
                for (int flips = 1 + (int)(rnd() % 3); flips > 0 && len > 0; flips--)
                    p[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
            }
            void *t = states_new(c->e, 1);
            int64_t used = c->e->agg->deserialize(c->e, t, p, len);
            ck_assert(used == -1 || (used >= 0 && (size_t)used <= len));
            if (used >= 0) {
                (void)final_of(c->e, t, false);
                (void)final_of(c->e, t, true);
                void *u = states_new(c->e, 1);
                c->e->agg->merge(c->e, u, t);
                c->e->agg->merge(c->e, u, s);
                tn_buf b = {0};
                c->e->agg->serialize(c->e, u, &b);
                tn_buf_free(&b);
                states_free(c->e, u, 1);
            }
            states_free(c->e, t, 1);
            free(p);
        }
        tn_buf_free(&valid);
        states_free(c->e, s, 1);
    }
}
END_TEST

/* ---- DISTINCT ------------------------------------------------------------------------- */

START_TEST(test_distinct)
{
    qry_expr *dc, *ds, *da;
    AGG(dc, "distinctcount", 1, col(SEG_LONG, false));
    AGG(ds, "distinctsum", 1, col(SEG_LONG, false));
    AGG(da, "distinctavg", 1, col(SEG_LONG, false));
    qry_vec *v = vlong(SEG_LONG, 8, (int64_t[]){5, 1, 5, 5, -2, 1, 0, INT64_MIN});
    qry_expr *es[3] = {dc, ds, da};
    for (int k = 0; k < 3; k++) {
        void *s = states_new(es[k], 1);
        update1(es[k], s, v, NULL, 8);
        update1(es[k], s, v, NULL, 8);
        if (k == 0)
            ck_long(final_of(dc, s, false), SEG_INT, 5);
        else if (k == 1)
            ck_double(final_of(ds, s, false), 4.0 + (double)INT64_MIN);
        else
            ck_double(final_of(da, s, false), (4.0 + (double)INT64_MIN) / 5);
        states_free(es[k], s, 1);
    }

    /* Doubles: every NaN is one value, -0.0 and 0.0 are two (Java's
     * doubleToLongBits, as Pinot's DoubleOpenHashSet). */
    qry_expr *dd;
    AGG(dd, "distinctcount", 1, col(SEG_DOUBLE, false));
    void *s = states_new(dd, 1);
    update1(dd, s, vdouble(SEG_DOUBLE, 6, (double[]){NAN, -NAN, 0.0, -0.0, 1.5, 1.5}), NULL, 6);
    ck_long(final_of(dd, s, false), SEG_INT, 4);
    states_free(dd, s, 1);

    /* Strings, including empty ones and ones longer than 8 bytes. */
    qry_expr *dstr;
    AGG(dstr, "DISTINCT_COUNT", 1, col(SEG_STRING, false));
    s = states_new(dstr, 1);
    const char *strs[7] = {"a", "", "b", "a", "", "a longer string value", "a longer string valuE"};
    update1(dstr, s, vstr(7, strs), NULL, 7);
    ck_long(final_of(dstr, s, false), SEG_INT, 5);
    states_free(dstr, s, 1);
}
END_TEST

START_TEST(test_distinct_large_grouped)
{
    /* Enough values to grow the tables many times; two groups, and a
     * merge that is a union. */
    qry_expr *dc;
    AGG(dc, "distinctcount", 1, col(SEG_LONG, false));
    void *m = states_new(dc, 2), *o = states_new(dc, 2);
    uint32_t *g = malloc(1000 * sizeof *g);
    for (uint32_t b = 0; b < 50; b++) {
        qry_vec *v = qry_vec_new(&arena, QV_LONG, SEG_LONG, 1000);
        for (uint32_t r = 0; r < 1000; r++) {
            uint32_t x = b * 1000 + r;
            v->i[r] = (int64_t)(x % 20000) * 1000003;   /* each value 2.5 times */
            g[r] = (x % 20000) < 5000 ? 0 : 1;
        }
        update_groups(dc, b % 2 ? m : o, g, v, NULL, 1000);
    }
    dc->agg->merge(dc, state_at(dc, m, 0), state_at(dc, o, 0));
    dc->agg->merge(dc, state_at(dc, m, 1), state_at(dc, o, 1));
    ck_long(final_of(dc, state_at(dc, m, 0), false), SEG_INT, 5000);
    ck_long(final_of(dc, state_at(dc, m, 1), false), SEG_INT, 15000);
    free(g);
    states_free(dc, m, 2);
    states_free(dc, o, 2);
}
END_TEST

START_TEST(test_distinct_empty_mv_nulls)
{
    const char *names[3] = {"distinctcount", "distinctsum", "distinctavg"};
    for (int k = 0; k < 3; k++) {
        qry_expr *e = agg1(names[k], SEG_LONG, true);
        void *s = states_new(e, 1);
        if (k == 0) {
            ck_long(final_of(e, s, false), SEG_INT, 0);
            ck_long(final_of(e, s, true), SEG_INT, 0);
        } else {
            ck_double(final_of(e, s, false), k == 1 ? 0.0 : NAN);
            ck_null(final_of(e, s, true));
        }
        uint32_t off[4] = {0, 2, 4, 6};
        qry_vec *v = mvlong(3, off, (int64_t[]){1, 2, 2, 3, 100, 200});
        with_nulls(v, (const uint8_t[]){0, 0, 1});
        update1(e, s, v, NULL, 3);
        if (k == 0)
            ck_long(final_of(e, s, true), SEG_INT, 3);
        else
            ck_double(final_of(e, s, true), k == 1 ? 6.0 : 2.0);
        states_free(e, s, 1);
    }
}
END_TEST

/* ---- HyperLogLog ------------------------------------------------------------------------- */

/* distinctcounthll of values made by make(i) for i < n. */
static int64_t hll_of(qry_expr *e, uint32_t n, qry_vec *(*make)(uint32_t from, uint32_t n))
{
    void *s = states_new(e, 1);
    for (uint32_t from = 0; from < n; from += 1024) {
        uint32_t k = n - from < 1024 ? n - from : 1024;
        update1(e, s, make(from, k), NULL, k);
    }
    qry_val v = final_of(e, s, false);
    states_free(e, s, 1);
    ck_assert_int_eq(v.kind, QV_LONG);
    ck_assert_int_eq(v.type, SEG_LONG);
    return v.i;
}

static qry_vec *seq_long(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_LONG, SEG_LONG, n);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = from + r;
    return v;
}

static qry_vec *seq_long_7919(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_LONG, SEG_LONG, n);
    for (uint32_t r = 0; r < n; r++)
        v->i[r] = (int64_t)(from + r) * 7919;
    return v;
}

static qry_vec *seq_strf(uint32_t from, uint32_t n, const char *fmt)
{
    qry_vec *v = qry_vec_new(&arena, QV_STRING, SEG_STRING, n);
    for (uint32_t r = 0; r < n; r++) {
        char *s = qry_alloc(&arena, 32);
        snprintf(s, 32, fmt, from + r);
        v->s[r].s.p = s;
        v->s[r].s.len = (uint32_t)strlen(s);
    }
    return v;
}

static qry_vec *seq_str(uint32_t from, uint32_t n) { return seq_strf(from, n, "v%u"); }
/* "k<i>é" and "éè<i>": UTF-8 bytes >= 0x80 in MurmurHash2's tail. */
static qry_vec *seq_str_e(uint32_t from, uint32_t n) { return seq_strf(from, n, "k%u\xc3\xa9"); }
static qry_vec *seq_str_e2(uint32_t from, uint32_t n)
{
    return seq_strf(from, n, "\xc3\xa9\xc3\xa8%u");
}

static qry_vec *seq_double(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_DOUBLE, SEG_DOUBLE, n);
    for (uint32_t r = 0; r < n; r++)
        v->d[r] = (from + r) * 0.5;
    return v;
}

static qry_vec *seq_float(uint32_t from, uint32_t n)
{
    qry_vec *v = qry_vec_new(&arena, QV_DOUBLE, SEG_FLOAT, n);
    for (uint32_t r = 0; r < n; r++)
        v->d[r] = (double)((float)(from + r) * 0.25f);
    return v;
}

/* Expected values computed by clearspring's HyperLogLog algorithm (hash,
 * offer, cardinality) run in Java on the same inputs, so these agree with
 * Pinot's DISTINCTCOUNTHLL to the unit. */
START_TEST(test_hll_matches_clearspring)
{
    qry_expr *e8, *e12, *e14, *es, *ed, *ef;
    AGG(e8, "distinctcounthll", 1, col(SEG_LONG, false));
    AGG(es, "distinctcounthll", 1, col(SEG_STRING, false));
    AGG(e12, "distinctcounthll", 2, col(SEG_STRING, false), lit_long(12));
    AGG(e14, "distinctcounthll", 2, col(SEG_LONG, false), lit_long(14));
    AGG(ed, "distinctcounthll", 1, col(SEG_DOUBLE, false));
    AGG(ef, "distinctcounthll", 1, col(SEG_FLOAT, false));
    const uint32_t ns[6] = {1, 10, 100, 1000, 10000, 100000};
    const int64_t longs[6] = {1, 10, 97, 936, 11060, 93645};
    const int64_t strs[6] = {1, 10, 96, 1010, 9162, 96813};
    for (int k = 0; k < 6; k++) {
        ck_assert_int_eq(hll_of(e8, ns[k], seq_long), longs[k]);
        ck_assert_int_eq(hll_of(es, ns[k], seq_str), strs[k]);
    }
    ck_assert_int_eq(hll_of(es, 1000, seq_str_e), 1012);
    ck_assert_int_eq(hll_of(es, 100000, seq_str_e), 91697);
    ck_assert_int_eq(hll_of(e12, 3000, seq_str_e2), 3059);
    ck_assert_int_eq(hll_of(e14, 100000, seq_long_7919), 100410);
    ck_assert_int_eq(hll_of(ed, 5000, seq_double), 4848);
    ck_assert_int_eq(hll_of(ef, 5000, seq_float), 5325);
}
END_TEST

START_TEST(test_hll_accuracy)
{
    /* log2m 14: standard error 0.8%, well inside 5% at 100k values; the
     * default log2m 8 has 6.5%, so within 20% (3 sigma). Small counts are
     * within one through linear counting. */
    qry_expr *e8, *e14;
    AGG(e8, "distinctcounthll", 1, col(SEG_STRING, false));
    AGG(e14, "distinctcounthll", 2, col(SEG_STRING, false), lit_long(14));
    int64_t v14 = hll_of(e14, 100000, seq_str), v8 = hll_of(e8, 100000, seq_str_e);
    ck_assert_msg(llabs(v14 - 100000) <= 5000, "log2m 14: %lld", (long long)v14);
    ck_assert_msg(llabs(v8 - 100000) <= 20000, "log2m 8: %lld", (long long)v8);
    for (uint32_t n = 1; n <= 20; n++) {
        int64_t est = hll_of(e8, n, seq_long);
        ck_assert_msg(llabs(est - (int64_t)n) <= 1, "%u values: %lld", n, (long long)est);
    }

    /* Duplicates do not count, and grouped updates keep groups apart. */
    void *m = states_new(e8, 2);
    uint32_t g[6] = {0, 1, 0, 1, 0, 1};
    const char *vals[6] = {"a", "x", "a", "y", "b", "x"};
    update_groups(e8, m, g, vstr(6, vals), NULL, 6);
    ck_long(final_of(e8, state_at(e8, m, 0), false), SEG_LONG, 2);
    ck_long(final_of(e8, state_at(e8, m, 1), false), SEG_LONG, 2);
    /* Empty: 0, with null handling too. */
    void *s = states_new(e8, 1);
    ck_long(final_of(e8, s, true), SEG_LONG, 0);
    states_free(e8, s, 1);
    states_free(e8, m, 2);
}
END_TEST

/* ---- percentiles ----------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

START_TEST(test_percentile_exact)
{
    /* Against sorting: Pinot's element (int)(n * p / 100), last for 100. */
    const double ps[8] = {0, 1, 25, 50, 90, 99, 99.9, 100};
    const uint32_t sizes[5] = {1, 2, 7, 100, 1537};
    for (int si = 0; si < 5; si++) {
        uint32_t n = sizes[si];
        double *vals = malloc(n * sizeof *vals), *sorted = malloc(n * sizeof *sorted);
        for (uint32_t i = 0; i < n; i++)
            vals[i] = (double)(rnd() % 200) - 50;   /* with duplicates */
        memcpy(sorted, vals, n * sizeof *vals);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        for (int pi = 0; pi < 8; pi++) {
            qry_expr *e;
            AGG(e, "percentile", 2, col(SEG_DOUBLE, false), lit_double(ps[pi]));
            void *s = states_new(e, 1);
            for (uint32_t from = 0; from < n; from += 500)
                update1(e, s, vdouble(SEG_DOUBLE, TN_MIN(500, n - from), vals + from), NULL,
                        TN_MIN(500, n - from));
            uint32_t idx = ps[pi] == 100 ? n - 1 : (uint32_t)((double)n * ps[pi] / 100);
            ck_double(final_of(e, s, false), sorted[idx]);
            states_free(e, s, 1);
        }
        free(vals);
        free(sorted);
    }
}
END_TEST

START_TEST(test_percentile_order_and_legacy)
{
    /* Java's order: -Inf < -1 < -0.0 < 0.0 < NaN. */
    const double v[5] = {NAN, 0.0, -1.0, -0.0, -INFINITY};
    const double ps[6] = {0, 20, 40, 60, 80, 100};
    const double want[6] = {-INFINITY, -1.0, -0.0, 0.0, NAN, NAN};
    for (int k = 0; k < 6; k++) {
        qry_expr *e;
        AGG(e, "percentile", 2, col(SEG_DOUBLE, false), lit_double(ps[k]));
        void *s = states_new(e, 1);
        update1(e, s, vdouble(SEG_DOUBLE, 5, v), NULL, 5);
        ck_double(final_of(e, s, false), want[k]);
        states_free(e, s, 1);
    }
    /* Legacy names carry the percentile. */
    qry_expr *e;
    AGG(e, "PERCENTILE75", 1, col(SEG_LONG, false));
    void *s = states_new(e, 1);
    update1(e, s, vlong(SEG_LONG, 4, (int64_t[]){40, 10, 30, 20}), NULL, 4);
    ck_double(final_of(e, s, false), 40.0);
    states_free(e, s, 1);
    /* Empty: -Infinity, or NULL. */
    s = states_new(e, 1);
    ck_double(final_of(e, s, false), -INFINITY);
    ck_null(final_of(e, s, true));
    states_free(e, s, 1);
}
END_TEST

START_TEST(test_percentile_grouped_mv_nulls)
{
    qry_expr *e;
    AGG(e, "percentilemv", 2, col(SEG_LONG, true), lit_long(50));
    uint32_t off[5] = {0, 3, 4, 6, 9};
    qry_vec *v = mvlong(4, off, (int64_t[]){5, 1, 9, 100, 7, 3, 1000, 1000, 1000});
    with_nulls(v, (const uint8_t[]){0, 0, 0, 1});
    void *m = states_new(e, 2);
    update_groups(e, m, (const uint32_t[]){0, 1, 0, 1}, v, NULL, 4);
    ck_double(final_of(e, state_at(e, m, 0), true), 5.0);   /* 1 3 5 7 9 */
    ck_double(final_of(e, state_at(e, m, 1), true), 100.0);
    states_free(e, m, 2);
}
END_TEST

START_TEST(test_tdigest_small_exact)
{
    /* Every value its own centroid: the exact percentile. */
    const double ps[6] = {0, 10, 50, 75, 99, 100};
    for (int k = 0; k < 6; k++) {
        qry_expr *e, *x;
        AGG(e, "percentiletdigest", 2, col(SEG_LONG, false), lit_double(ps[k]));
        AGG(x, "percentileest", 2, col(SEG_LONG, false), lit_double(ps[k]));
        int64_t vals[20];
        double sorted[20];
        for (int i = 0; i < 20; i++) {
            vals[i] = (int64_t)(rnd() % 1000);
            sorted[i] = (double)vals[i];
        }
        qsort(sorted, 20, sizeof *sorted, cmp_double);
        uint32_t idx = ps[k] == 100 ? 19 : (uint32_t)(20 * ps[k] / 100);
        void *s = states_new(e, 1), *t = states_new(x, 1);
        update1(e, s, vlong(SEG_LONG, 20, vals), NULL, 20);
        update1(x, t, vlong(SEG_LONG, 20, vals), NULL, 20);
        ck_double(final_of(e, s, false), sorted[idx]);
        ck_long(final_of(x, t, false), SEG_LONG, (int64_t)sorted[idx]);
        states_free(e, s, 1);
        states_free(x, t, 1);
    }
    /* Empty: NaN (t-digest) and Long.MIN_VALUE (Q-digest), or NULL. */
    qry_expr *e, *x;
    AGG(e, "percentiletdigest95", 1, col(SEG_LONG, false));
    AGG(x, "percentileest95", 1, col(SEG_LONG, false));
    void *s = states_new(e, 1), *t = states_new(x, 1);
    ck_double(final_of(e, s, false), NAN);
    ck_null(final_of(e, s, true));
    ck_long(final_of(x, t, false), SEG_LONG, INT64_MIN);
    ck_null(final_of(x, t, true));
    states_free(e, s, 1);
    states_free(x, t, 1);
}
END_TEST

/* Rank error of estimate est of quantile q over sorted data: how far the
 * share of values below est is from q (0 when est falls among values at q). */
static double rank_error(const double *sorted, uint32_t n, double q, double est)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (sorted[mid] < est)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t below = lo, upto = lo;
    while (upto < n && sorted[upto] == est)
        upto++;
    double r0 = (double)below / n, r1 = (double)upto / n;
    return q < r0 ? r0 - q : q > r1 ? q - r1 : 0;
}

static void check_digest_accuracy(double (*gen)(void), const char *what)
{
    enum { N = 1000000, PARTS = 8 };
    double *vals = malloc(N * sizeof *vals);
    for (uint32_t i = 0; i < N; i++)
        vals[i] = gen();
    const double qs[3] = {50, 95, 99};
    qry_expr *e[3];
    for (int k = 0; k < 3; k++)
        AGG(e[k], "percentiletdigest", 2, col(SEG_DOUBLE, false), lit_double(qs[k]));
    /* One digest fed in batches, and PARTS digests merged after a round
     * trip through bytes, as servers and a broker would. */
    void *one = states_new(e[0], 1), *parts = states_new(e[0], PARTS);
    for (uint32_t from = 0; from < N; from += 1024) {
        uint32_t n = TN_MIN(1024u, N - from);
        qry_vec v = {.kind = QV_DOUBLE, .type = SEG_DOUBLE, .n = n, .d = vals + from};
        update1(e[0], one, &v, NULL, n);
        update1(e[0], state_at(e[0], parts, (from / 1024) % PARTS), &v, NULL, n);
    }
    void *merged = states_new(e[0], 1);
    for (uint32_t p = 0; p < PARTS; p++) {
        void *c = roundtrip(e[0], state_at(e[0], parts, p));
        e[0]->agg->merge(e[0], merged, c);
        states_free(e[0], c, 1);
    }
    qsort(vals, N, sizeof *vals, cmp_double);
    for (int k = 0; k < 3; k++) {
        double q = qs[k] / 100;
        qry_val a = final_of(e[k], one, false), b = final_of(e[k], merged, false);
        double ea = rank_error(vals, N, q, a.d), eb = rank_error(vals, N, q, b.d);
        ck_assert_msg(ea <= 0.01, "%s p%g: %g has rank error %g", what, qs[k], a.d, ea);
        ck_assert_msg(eb <= 0.01, "%s p%g merged: %g has rank error %g", what, qs[k], b.d, eb);
    }
    states_free(e[0], one, 1);
    states_free(e[0], parts, PARTS);
    states_free(e[0], merged, 1);
    free(vals);
}

static double gen_uniform(void) { return rnd_unit() * 1000; }
/* Log-normal: a long right tail, most values near the bottom. */
static double gen_skewed(void)
{
    double u1 = rnd_unit() + 1e-300, u2 = rnd_unit();
    return exp(2.0 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
}

START_TEST(test_tdigest_accuracy_uniform) { check_digest_accuracy(gen_uniform, "uniform"); }
END_TEST

START_TEST(test_tdigest_accuracy_skewed) { check_digest_accuracy(gen_skewed, "skewed"); }
END_TEST

START_TEST(test_tdigest_direct)
{
    /* The digest keeps about compression centroids whatever the count, and
     * the ends stay exact. */
    qry_tdigest t;
    qry_tdigest_init(&t, 100);
    for (int i = 0; i < 200000; i++)
        qry_tdigest_add(&t, (double)((i * 7919) % 200000), 1);
    qry_tdigest_add(&t, NAN, 1);
    qry_tdigest_compress(&t);
    ck_assert(qry_tdigest_count(&t) == 200000);
    ck_assert_uint_le(t.n, 200);
    ck_assert(qry_tdigest_quantile(&t, 0) == 0);
    ck_assert(qry_tdigest_quantile(&t, 1) == 199999);
    double med = qry_tdigest_quantile(&t, 0.5);
    ck_assert_msg(fabs(med - 100000) < 1000, "median %g", med);
    for (uint32_t i = 0; i + 1 < t.n; i++)
        ck_assert(t.c[i].mean <= t.c[i + 1].mean);
    qry_tdigest_free(&t);

    /* Few distinct values, many times each (sorting equal keys). */
    qry_tdigest_init(&t, 100);
    for (int i = 0; i < 100000; i++)
        qry_tdigest_add(&t, (double)(i % 3), 1);
    ck_assert(qry_tdigest_quantile(&t, 0.1) == 0);
    ck_assert(qry_tdigest_quantile(&t, 0.5) == 1);
    ck_assert(qry_tdigest_quantile(&t, 0.9) == 2);
    qry_tdigest_free(&t);
}
END_TEST

/* ---- LASTWITHTIME, FIRSTWITHTIME ------------------------------------------------------ */

START_TEST(test_lastwithtime)
{
    qry_expr *last, *first;
    AGG(last, "lastwithtime", 3, col(SEG_STRING, false), col(SEG_LONG, false), lit_str("STRING"));
    AGG(first, "FIRST_WITH_TIME", 3, col(SEG_STRING, false), col(SEG_LONG, false),
        lit_str("string"));
    const char *d[5] = {"a", "b", "c", "d", "e"};
    qry_vec *data = vstr(5, d);
    qry_vec *time = vlong(SEG_LONG, 5, (int64_t[]){2, 3, 3, 1, 1});
    void *s = states_new(last, 1), *t = states_new(first, 1);
    update1(last, s, data, time, 5);
    update1(first, t, data, time, 5);
    /* Ties while scanning: the later row wins, as Pinot's >= and <=. */
    qry_val v = final_of(last, s, false);
    ck_assert_int_eq(v.kind, QV_STRING);
    ck_assert_int_eq(v.len, 1);
    ck_assert(v.s[0] == 'c');
    v = final_of(first, t, false);
    ck_assert(v.len == 1 && v.s[0] == 'e');

    /* Ties when merging: the state merged into wins. */
    void *o = states_new(last, 1);
    const char *od[1] = {"z"};
    update1(last, o, vstr(1, od), vlong(SEG_LONG, 1, (int64_t[]){3}), 1);
    last->agg->merge(last, s, o);
    v = final_of(last, s, false);
    ck_assert(v.len == 1 && v.s[0] == 'c');
    last->agg->merge(last, o, s);
    v = final_of(last, o, false);
    ck_assert(v.len == 1 && v.s[0] == 'z');
    /* A later time wins a merge. */
    void *p = states_new(last, 1);
    const char *pd[1] = {"later"};
    update1(last, p, vstr(1, pd), vlong(SEG_LONG, 1, (int64_t[]){4}), 1);
    last->agg->merge(last, s, p);
    v = final_of(last, s, false);
    ck_assert(v.len == 5 && !memcmp(v.s, "later", 5));
    states_free(last, s, 1);
    states_free(first, t, 1);
    states_free(last, o, 1);
    states_free(last, p, 1);
}
END_TEST

START_TEST(test_withtime_types_defaults)
{
    struct {
        const char *type;
        seg_type t;
    } types[6] = {{"INT", SEG_INT}, {"LONG", SEG_LONG}, {"FLOAT", SEG_FLOAT},
                  {"DOUBLE", SEG_DOUBLE}, {"STRING", SEG_STRING}, {"BOOLEAN", SEG_BOOLEAN}};
    for (int k = 0; k < 6; k++) {
        seg_type dt = types[k].t == SEG_STRING ? SEG_STRING : SEG_LONG;
        qry_expr *e;
        AGG(e, "lastwithtime", 3, col(dt, false), col(SEG_LONG, false), lit_str(types[k].type));
        ck_assert_int_eq(e->type, types[k].t);
        void *s = states_new(e, 1);
        qry_val v = final_of(e, s, false);
        ck_assert_int_eq(v.type, types[k].t);
        switch (types[k].t) {
        case SEG_INT: ck_assert_int_eq(v.i, INT32_MIN); break;
        case SEG_LONG: ck_assert_int_eq(v.i, INT64_MIN); break;
        case SEG_BOOLEAN: ck_assert_int_eq(v.i, 0); break;
        case SEG_STRING: ck_assert_int_eq(v.len, 0); break;
        default: ck_assert(isnan(v.d)); break;
        }
        ck_null(final_of(e, s, true));
        states_free(e, s, 1);
    }

    /* 'INT' keeps the low 32 bits of a long, as Java's (int). */
    qry_expr *e;
    AGG(e, "lastwithtime", 3, col(SEG_LONG, false), col(SEG_LONG, false), lit_str("int"));
    void *s = states_new(e, 1);
    update1(e, s, vlong(SEG_LONG, 2, (int64_t[]){5, 4294967297LL}), vlong(SEG_LONG, 2,
            (int64_t[]){1, 2}), 2);
    ck_long(final_of(e, s, false), SEG_INT, 1);
    states_free(e, s, 1);

    /* 'FLOAT' rounds to float; times from a DOUBLE column truncate. */
    AGG(e, "firstwithtime", 3, col(SEG_DOUBLE, false), col(SEG_DOUBLE, false), lit_str("FLOAT"));
    s = states_new(e, 1);
    update1(e, s, vdouble(SEG_DOUBLE, 3, (double[]){0.1, 7, 8}),
            vdouble(SEG_DOUBLE, 3, (double[]){1.9, 2.2, 5}), 3);
    ck_double(final_of(e, s, false), (double)0.1f);
    states_free(e, s, 1);

    /* NULL data or time rows are skipped. */
    AGG(e, "lastwithtime", 2, col(SEG_LONG, false), col(SEG_LONG, false));
    s = states_new(e, 1);
    qry_vec *data = vlong(SEG_LONG, 3, (int64_t[]){1, 2, 3});
    qry_vec *time = vlong(SEG_LONG, 3, (int64_t[]){10, 30, 20});
    with_nulls(time, (const uint8_t[]){0, 1, 0});
    update1(e, s, data, time, 3);
    ck_long(final_of(e, s, true), SEG_LONG, 3);
    states_free(e, s, 1);
}
END_TEST

START_TEST(test_withtime_grouped)
{
    qry_expr *e;
    AGG(e, "lastwithtime", 3, col(SEG_STRING, false), col(SEG_LONG, false), lit_str("STRING"));
    void *m = states_new(e, 2);
    const char *d[6] = {"g0a", "g1a", "g0b", "g1b", "g0c", "g1c"};
    update_groups(e, m, (const uint32_t[]){0, 1, 0, 1, 0, 1}, vstr(6, d),
                  vlong(SEG_LONG, 6, (int64_t[]){5, 9, 7, 2, 6, 9}), 6);
    qry_val a = final_of(e, state_at(e, m, 0), false), b = final_of(e, state_at(e, m, 1), false);
    ck_assert(a.len == 3 && !memcmp(a.s, "g0b", 3));
    ck_assert(b.len == 3 && !memcmp(b.s, "g1c", 3));
    states_free(e, m, 2);
}
END_TEST

/* ---- MODE, ANYVALUE, the value set ------------------------------------------------------ */

static qry_val mode_over(const char *reducer, qry_vec *v, bool nh)
{
    qry_expr *e;
    if (reducer)
        AGG(e, "mode", 2, col(v->type, false), lit_str(reducer));
    else
        AGG(e, "MODE", 1, col(v->type, false));
    ck_assert_int_eq(e->type, SEG_DOUBLE);
    void *s = states_new(e, 1);
    update1(e, s, v, NULL, v->n);
    qry_val out = final_of(e, s, nh);
    states_free(e, s, 1);
    return out;
}

START_TEST(test_mode)
{
    /* 2 and 3 both appear twice: MIN picks 2, MAX 3, AVG 2.5. */
    qry_vec *v = vlong(SEG_LONG, 7, (int64_t[]){3, 1, 2, 5, 3, 2, -9});
    ck_double(mode_over(NULL, v, false), 2.0);
    ck_double(mode_over("MIN", v, false), 2.0);
    ck_double(mode_over("max", v, false), 3.0);
    ck_double(mode_over("AVG", v, false), 2.5);
    ck_double(mode_over(NULL, vlong(SEG_LONG, 3, (int64_t[]){7, 1, 7}), false), 7.0);
    /* Ties between negative longs compare as longs. */
    ck_double(mode_over(NULL, vlong(SEG_LONG, 2, (int64_t[]){-5, -6}), false), -6.0);
    ck_double(mode_over("MAX", vdouble(SEG_DOUBLE, 4, (double[]){-0.5, 1.5, 1.5, -0.5}), false),
              1.5);
    /* NULL rows are skipped; nothing is -Infinity, or NULL. */
    qry_vec *n = vlong(SEG_LONG, 3, (int64_t[]){4, 9, 9});
    with_nulls(n, (const uint8_t[]){0, 1, 1});
    ck_double(mode_over(NULL, n, true), 4.0);
    with_nulls(n, (const uint8_t[]){1, 1, 1});
    ck_double(mode_over(NULL, n, false), -INFINITY);
    ck_null(mode_over(NULL, n, true));

    /* Grouped, multi-value, and counts that add up across a merge. */
    qry_expr *e;
    AGG(e, "mode", 1, col(SEG_LONG, true));
    uint32_t off[4] = {0, 3, 5, 6};
    qry_vec *mv = mvlong(3, off, (int64_t[]){1, 1, 2, 2, 2, 8});
    void *m = states_new(e, 2), *o = states_new(e, 2);
    update_groups(e, m, (const uint32_t[]){0, 0, 1}, mv, NULL, 3);
    update_groups(e, o, (const uint32_t[]){1, 1, 0}, vlong(SEG_LONG, 3, (int64_t[]){8, 8, 2}),
                  NULL, 3);
    ck_double(final_of(e, state_at(e, m, 0), false), 2.0);   /* 1 x2, 2 x3 */
    ck_double(final_of(e, state_at(e, m, 1), false), 8.0);
    e->agg->merge(e, state_at(e, m, 0), state_at(e, o, 0));
    e->agg->merge(e, state_at(e, o, 1), state_at(e, m, 1));
    ck_double(final_of(e, state_at(e, m, 0), false), 2.0);   /* 1 x2, 2 x4 */
    ck_double(final_of(e, state_at(e, o, 1), false), 8.0);   /* 8 x3 */
    states_free(e, m, 2);
    states_free(e, o, 2);

    bind_fails("mode", 1, col(SEG_STRING, false), NULL, NULL);
    bind_fails("mode", 2, col(SEG_LONG, false), lit_str("MEDIAN"), NULL);
}
END_TEST

START_TEST(test_anyvalue)
{
    qry_expr *e;
    AGG(e, "ANY_VALUE", 1, col(SEG_STRING, false));
    ck_assert_int_eq(e->type, SEG_STRING);
    const char *d[3] = {"first", "second", "third"};
    qry_vec *v = vstr(3, d);
    with_nulls(v, (const uint8_t[]){1, 0, 0});
    void *s = states_new(e, 1);
    qry_val out = final_of(e, s, false);
    ck_assert(out.kind == QV_STRING && out.len == 0);
    ck_null(final_of(e, s, true));
    update1(e, s, v, NULL, 3);
    update1(e, s, vstr(3, d), NULL, 3);
    out = final_of(e, s, true);
    ck_assert(out.len == 6 && !memcmp(out.s, "second", 6));
    states_free(e, s, 1);

    /* Each group keeps its own first value; types follow the stored type. */
    AGG(e, "anyvalue", 1, col(SEG_BOOLEAN, false));
    ck_assert_int_eq(e->type, SEG_INT);
    AGG(e, "anyvalue", 1, col(SEG_TIMESTAMP, false));
    ck_assert_int_eq(e->type, SEG_LONG);
    void *m = states_new(e, 3);
    update_groups(e, m, (const uint32_t[]){1, 0, 1, 0}, vlong(SEG_TIMESTAMP, 4,
                  (int64_t[]){10, 20, 30, 40}), NULL, 4);
    ck_long(final_of(e, state_at(e, m, 0), false), SEG_LONG, 20);
    ck_long(final_of(e, state_at(e, m, 1), false), SEG_LONG, 10);
    ck_long(final_of(e, state_at(e, m, 2), false), SEG_LONG, 0);
    states_free(e, m, 3);
    bind_fails("anyvalue", 1, col(SEG_LONG, true), NULL, NULL);
}
END_TEST

START_TEST(test_valset)
{
    /* Counts survive growth, conversion to doubles (where 2^53 + 1 and
     * 2^53 become one value) and union with a set of the other kind. */
    qry_valset *s = qry_valset_new(QRY_VS_LONG, true);
    for (int64_t i = 0; i < 3000; i++)
        qry_valset_add_long(s, i % 1000, 2);
    qry_valset_add_long(s, 9007199254740993LL, 1);
    qry_valset_add_long(s, 9007199254740992LL, 1);
    ck_assert_uint_eq(s->n, 1002);
    qry_valset *d = qry_valset_new(QRY_VS_DOUBLE, true);
    qry_valset_add_double(d, 0.5, 7);
    qry_valset_add_double(d, 999.0, 1);
    ck_assert(qry_valset_union(s, d));
    ck_assert_int_eq(s->kind, QRY_VS_DOUBLE);
    ck_assert_uint_eq(s->n, 1002);
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (!qry_valset_used(s, i))
            continue;
        double x = qry_valset_number(s, i);
        uint64_t want = x == 0.5 ? 7 : x == 999.0 ? 7 : x == 9007199254740992.0 ? 2 : 6;
        ck_assert_msg(s->count[i] == want, "%g: %llu", x, (unsigned long long)s->count[i]);
    }
    qry_valset *str = qry_valset_new(QRY_VS_STRING, false);
    qry_valset_add_str(str, "x", 1, 1);
    ck_assert(!qry_valset_union(s, str));
    ck_assert(!qry_valset_union(str, s));
    qry_valset_free(s);
    qry_valset_free(d);
    qry_valset_free(str);
}
END_TEST

static Suite *agg_suite(void)
{
    Suite *s = suite_create("qry_agg");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_bind_types);
    tcase_add_test(tc, test_bind_errors);
    tcase_add_test(tc, test_count);
    tcase_add_test(tc, test_count_grouped);
    tcase_add_test(tc, test_numeric_small);
    tcase_add_test(tc, test_sum_large_longs);
    tcase_add_test(tc, test_numeric_empty);
    tcase_add_test(tc, test_numeric_nulls);
    tcase_add_test(tc, test_numeric_grouped);
    tcase_add_test(tc, test_numeric_mv);
    tcase_add_test(tc, test_merge_equals_whole);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_fuzz_deserialize);
    tcase_add_test(tc, test_distinct);
    tcase_add_test(tc, test_distinct_large_grouped);
    tcase_add_test(tc, test_distinct_empty_mv_nulls);
    tcase_add_test(tc, test_hll_matches_clearspring);
    tcase_add_test(tc, test_hll_accuracy);
    tcase_add_test(tc, test_percentile_exact);
    tcase_add_test(tc, test_percentile_order_and_legacy);
    tcase_add_test(tc, test_percentile_grouped_mv_nulls);
    tcase_add_test(tc, test_tdigest_small_exact);
    tcase_add_test(tc, test_tdigest_accuracy_uniform);
    tcase_add_test(tc, test_tdigest_accuracy_skewed);
    tcase_add_test(tc, test_tdigest_direct);
    tcase_add_test(tc, test_lastwithtime);
    tcase_add_test(tc, test_withtime_types_defaults);
    tcase_add_test(tc, test_withtime_grouped);
    tcase_add_test(tc, test_mode);
    tcase_add_test(tc, test_anyvalue);
    tcase_add_test(tc, test_valset);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(agg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
