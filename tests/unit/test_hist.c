/*
 * test_hist.c: the load-test tools' latency histogram (tools/tn_hist.c):
 * percentiles of known distributions within 1 % of the exact nearest-rank
 * value, merging, extremes (0, one value, values past the range), the JSON
 * figures.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_common.h"
#include "tn_hist.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The exact nearest-rank percentile of sorted values. */
static uint64_t exact(const uint64_t *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return v[rank ? rank - 1 : 0];
}

/* Every percentile of interest within 1 % of the exact one. */
static void check_against(const uint64_t *vals, size_t n)
{
    uint64_t *s = tn_malloc(n * sizeof *s);
    memcpy(s, vals, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    tn_hist h;
    tn_hist_init(&h);
    for (size_t i = 0; i < n; i++)
        tn_hist_record(&h, vals[i]);
    static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
        double want = (double)exact(s, n, ps[i]), got = (double)tn_hist_percentile(&h, ps[i]);
        ck_assert_msg(fabs(got - want) <= 0.01 * want, "p%g: %.0f, exact %.0f", ps[i], got, want);
    }
    ck_assert_uint_eq(tn_hist_percentile(&h, 0), s[0]);
    ck_assert_uint_eq(tn_hist_percentile(&h, 100), s[n - 1]);
    ck_assert_uint_eq(h.total, n);
    free(s);
    tn_hist_free(&h);
}

static uint64_t rng_state = 88172645463325252ull;
static double unit_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

START_TEST(empty)
{
    tn_hist h;
    tn_hist_init(&h);
    ck_assert_uint_eq(tn_hist_percentile(&h, 50), 0);
    ck_assert_uint_eq(tn_hist_percentile(&h, 100), 0);
    ck_assert(tn_hist_mean(&h) == 0);
    tn_hist merged;
    tn_hist_init(&merged);
    tn_hist_merge(&merged, &h);
    ck_assert_uint_eq(merged.total, 0);
    tn_hist_free(&merged);
    tn_hist_free(&h);
}
END_TEST

START_TEST(small_values_exact)
{
    tn_hist h;
    tn_hist_init(&h);
    for (uint64_t v = 1; v <= 100; v++)
        tn_hist_record(&h, v);
    ck_assert_uint_eq(tn_hist_percentile(&h, 0), 1);
    ck_assert_uint_eq(tn_hist_percentile(&h, 50), 50);
    ck_assert_uint_eq(tn_hist_percentile(&h, 99), 99);
    ck_assert_uint_eq(tn_hist_percentile(&h, 99.5), 100);
    ck_assert_uint_eq(tn_hist_percentile(&h, 100), 100);
    ck_assert(fabs(tn_hist_mean(&h) - 50.5) < 1e-9);
    tn_hist_free(&h);
}
END_TEST

START_TEST(uniform)
{
    size_t n = 1000000;
    uint64_t *v = tn_malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = i + 1; /* 1 us .. 1 s */
    check_against(v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = 1 + (uint64_t)(unit_rand() * 60e6); /* 1 us .. 60 s */
    check_against(v, n);
    free(v);
}
END_TEST

START_TEST(skewed)
{
    size_t n = 200000;
    uint64_t *v = tn_malloc(n * sizeof *v);
    /* exponential around 2 ms, with a 1 % tail around 500 ms: a stall */
    for (size_t i = 0; i < n; i++)
        v[i] = 1 + (uint64_t)(-log(1 - unit_rand()) * (i % 100 ? 2000.0 : 500000.0));
    check_against(v, n);
    /* log-uniform over 1 us .. 60 s */
    for (size_t i = 0; i < n; i++)
        v[i] = (uint64_t)exp(unit_rand() * log(60e6));
    check_against(v, n);
    free(v);
}
END_TEST

START_TEST(merge)
{
    tn_hist a, b, all;
    tn_hist_init(&a);
    tn_hist_init(&b);
    tn_hist_init(&all);
    for (uint64_t i = 1; i <= 50000; i++) {
        uint64_t x = i * 7, y = 3000000 + i * 11; /* b's values are larger: more buckets */
        tn_hist_record(&a, x);
        tn_hist_record(&b, y);
        tn_hist_record(&all, x);
        tn_hist_record(&all, y);
    }
    tn_hist m;
    tn_hist_init(&m);
    tn_hist_merge(&m, &a);
    tn_hist_merge(&m, &b);
    ck_assert_uint_eq(m.total, 100000);
    ck_assert_uint_eq(m.min, 7);
    ck_assert_uint_eq(m.max, 3000000 + 50000 * 11);
    for (double p = 0; p <= 100; p += 0.5)
        ck_assert_uint_eq(tn_hist_percentile(&m, p), tn_hist_percentile(&all, p));
    ck_assert(fabs(tn_hist_mean(&m) - tn_hist_mean(&all)) < 1e-6);
    /* merging a smaller histogram into a larger one keeps the larger's buckets */
    tn_hist_merge(&b, &a);
    ck_assert_uint_eq(tn_hist_percentile(&b, 100), tn_hist_percentile(&all, 100));
    ck_assert_uint_eq(tn_hist_percentile(&b, 25), tn_hist_percentile(&all, 25));
    tn_hist_free(&a);
    tn_hist_free(&b);
    tn_hist_free(&all);
    tn_hist_free(&m);
}
END_TEST

START_TEST(extremes)
{
    tn_hist h;
    tn_hist_init(&h);
    tn_hist_record(&h, 0);
    ck_assert_uint_eq(tn_hist_percentile(&h, 50), 0);
    tn_hist_reset(&h);
    ck_assert_uint_eq(h.total, 0);
    /* one value: every percentile is that value exactly, not a bucket midpoint */
    tn_hist_record(&h, 123457);
    ck_assert_uint_eq(tn_hist_percentile(&h, 1), 123457);
    ck_assert_uint_eq(tn_hist_percentile(&h, 50), 123457);
    ck_assert_uint_eq(tn_hist_percentile(&h, 99.9), 123457);
    /* values past the range are clamped, not lost */
    tn_hist_record(&h, UINT64_MAX);
    tn_hist_record(&h, TN_HIST_MAX_VALUE + 1);
    ck_assert_uint_eq(h.total, 3);
    ck_assert_uint_eq(tn_hist_percentile(&h, 100), TN_HIST_MAX_VALUE);
    ck_assert_uint_eq(tn_hist_percentile(&h, 50), TN_HIST_MAX_VALUE);
    ck_assert_uint_eq(tn_hist_percentile(&h, 0), 123457);
    /* bucket edges around powers of two */
    tn_hist_reset(&h);
    for (uint64_t v = 250; v < 70000; v++)
        tn_hist_record(&h, v);
    for (double p = 1; p < 100; p += 1) {
        double want = 250 + ceil(p / 100 * (double)h.total) - 1;
        double got = (double)tn_hist_percentile(&h, p);
        ck_assert_msg(fabs(got - want) <= 0.005 * want, "p%g: %.0f vs %.0f", p, got, want);
    }
    tn_hist_free(&h);
}
END_TEST

START_TEST(json)
{
    tn_hist h;
    tn_hist_init(&h);
    for (uint64_t v = 1000; v <= 100000; v += 1000)
        tn_hist_record(&h, v);
    cJSON *o = cJSON_CreateObject();
    tn_hist_add_json(&h, o, 1000);
    ck_assert(cJSON_GetObjectItem(o, "count")->valuedouble == 100);
    ck_assert(cJSON_GetObjectItem(o, "min")->valuedouble == 1);
    ck_assert(cJSON_GetObjectItem(o, "max")->valuedouble == 100);
    double p50 = cJSON_GetObjectItem(o, "p50")->valuedouble;
    ck_assert_msg(fabs(p50 - 50) <= 0.5, "p50 %g", p50);
    ck_assert(cJSON_GetObjectItem(o, "p99_9") != NULL);
    ck_assert(cJSON_GetObjectItem(o, "p90") != NULL);
    ck_assert(fabs(cJSON_GetObjectItem(o, "mean")->valuedouble - 50.5) < 1e-9);
    cJSON_Delete(o);
    tn_hist_free(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hist");
    TCase *tc = tcase_create("hist");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, empty);
    tcase_add_test(tc, small_values_exact);
    tcase_add_test(tc, uniform);
    tcase_add_test(tc, skewed);
    tcase_add_test(tc, merge);
    tcase_add_test(tc, extremes);
    tcase_add_test(tc, json);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
