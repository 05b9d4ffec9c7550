/*
 * test_srv_rate.c: the consumption rate limit's token bucket on a clock of
 * the test's own (no sleeping, so the bounds are exact and cannot flake):
 * a greedy consumer gets the limit over time, never a burst past a tenth
 * of a second's worth, and a changed or lifted limit applies at once.
 */
#include <check.h>

#include "srv_rate.h"

/* A consumer that fetches whenever the bucket lets it, batch messages at
 * a time, for secs simulated seconds in 1 ms steps: messages taken. */
static uint64_t greedy(srv_rate *r, double secs, uint32_t batch, int64_t *now)
{
    uint64_t got = 0;
    int64_t end = *now + (int64_t)(secs * 1e6);
    for (; *now < end; *now += 1000)
        while (srv_rate_wait_us(r, *now) == 0) {
            srv_rate_take(r, batch, *now);
            got += batch;
        }
    return got;
}

START_TEST(holds_the_rate)
{
    static const double rates[] = {5, 100, 1000, 20000};
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
        srv_rate r;
        srv_rate_init(&r, rates[i]);
        uint32_t batch = srv_rate_batch(&r, 1024);
        int64_t now = 1000000;
        uint64_t got = greedy(&r, 10, batch, &now);
        double want = rates[i] * 10;
        /* the burst (0.1 s) plus one batch over; never under by more than a batch */
        ck_assert_msg(got <= want + rates[i] * 0.1 + batch + 1, "rate %g: %llu in 10 s",
                      rates[i], (unsigned long long)got);
        ck_assert_msg(got + batch + 1 >= want, "rate %g: only %llu in 10 s", rates[i],
                      (unsigned long long)got);
        srv_rate_destroy(&r);
    }
}
END_TEST

START_TEST(batches_and_waits)
{
    srv_rate r;
    srv_rate_init(&r, 1000);
    ck_assert_uint_eq(srv_rate_batch(&r, 1024), 50);  /* 50 ms of the limit */
    ck_assert_uint_eq(srv_rate_batch(&r, 20), 20);
    int64_t now = 5000000;
    ck_assert_int_eq(srv_rate_wait_us(&r, now), 0);
    srv_rate_take(&r, 600, now); /* 100 in the bucket: 500 in debt */
    int64_t w = srv_rate_wait_us(&r, now);
    ck_assert_msg(w > 500000 && w <= 502000, "wait %lld", (long long)w);
    ck_assert_int_eq(srv_rate_wait_us(&r, now + w), 0);
    srv_rate_set(&r, 0); /* lifted */
    ck_assert_int_eq(srv_rate_wait_us(&r, now), 0);
    ck_assert_uint_eq(srv_rate_batch(&r, 1024), 1024);
    srv_rate_set(&r, 2); /* below one message a batch */
    ck_assert_uint_eq(srv_rate_batch(&r, 1024), 1);
    ck_assert(srv_rate_limit(&r) == 2);
    srv_rate_destroy(&r);

    srv_rate none;
    srv_rate_init(&none, 0);
    srv_rate_take(&none, 1000000, 1);
    ck_assert_int_eq(srv_rate_wait_us(&none, 2), 0);
    srv_rate_destroy(&none);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("srv_rate");
    TCase *tc = tcase_create("rate");
    tcase_add_test(tc, holds_the_rate);
    tcase_add_test(tc, batches_and_waits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
