/*
 * test_brk_pg_idle.c: the idle timeouts a PostgreSQL session reports to
 * its connection (brk_pg_sess_idle_ms): the broker's default for
 * idle_session_timeout, SET in PostgreSQL's units, invalid values keeping
 * the default, and idle_in_transaction_session_timeout taking over inside
 * a transaction block. The timers themselves run in brk_pg.c and are
 * tested end to end by tests/integration/pg_robust.sh.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "brk_pg_proto.h"
#include "brk_pg_sess.h"

static int no_exec(void *arg, struct brk_user *user, const char *sql, qry_result *res,
                   qry_err *errs, uint32_t *nerrs)
{
    (void)arg, (void)user, (void)sql, (void)res;
    snprintf(errs[0].msg, sizeof errs[0].msg, "no tables here");
    errs[0].code = 190;
    *nerrs = 1;
    return -1;
}

static brk_pg_sess *logged_in(int64_t default_ms)
{
    brk_pg_sess_opts o = {.exec = no_exec, .idle_session_ms = default_ms};
    brk_pg_sess *s = brk_pg_sess_new(&o);
    tn_buf in = {0}, out = {0};
    size_t at = brk_pg_begin(&in, 0);
    brk_pg_put_i32(&in, BRK_PG_PROTO_3);
    brk_pg_put_cstr(&in, "user");
    brk_pg_put_cstr(&in, "u");
    tn_buf_append(&in, "", 1);
    brk_pg_end(&in, at);
    bool close = false;
    ck_assert_uint_eq(brk_pg_sess_feed(s, in.data, in.len, &out, &close), in.len);
    ck_assert(!close && brk_pg_sess_ready(s));
    tn_buf_free(&in);
    tn_buf_free(&out);
    return s;
}

static void query(brk_pg_sess *s, const char *sql)
{
    tn_buf in = {0}, out = {0};
    size_t at = brk_pg_begin(&in, 'Q');
    brk_pg_put_cstr(&in, sql);
    brk_pg_end(&in, at);
    bool close = false;
    ck_assert_uint_eq(brk_pg_sess_feed(s, in.data, in.len, &out, &close), in.len);
    ck_assert(!close);
    ck_assert_msg(out.len && out.data[0] != 'E', "%s failed", sql);
    tn_buf_free(&in);
    tn_buf_free(&out);
}

START_TEST(defaults)
{
    bool txn = true;
    brk_pg_sess *s = logged_in(0);
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 0); /* PostgreSQL's default: off */
    ck_assert(!txn);
    brk_pg_sess_free(s);
    s = logged_in(30000); /* --pg-idle-timeout 30 */
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 30000);
    brk_pg_sess_free(s);
}
END_TEST

START_TEST(set_units)
{
    static const struct { const char *set; int64_t ms; } cases[] = {
        {"SET idle_session_timeout = 2500", 2500},
        {"SET idle_session_timeout = '3s'", 3000},
        {"SET idle_session_timeout TO '1.5 min'", 90000},
        {"SET SESSION idle_session_timeout = '250ms'", 250},
        {"SET idle_session_timeout = '2h'", 7200000},
        {"SET idle_session_timeout = '1d'", 86400000},
        {"SET idle_session_timeout = '1500us'", 2},
        {"SET idle_session_timeout = 0", 0},
        /* not a time: the default again (5000), as if never set */
        {"SET idle_session_timeout = 'soon'", 5000},
        {"SET idle_session_timeout = '-1s'", 5000},
        {"SET idle_session_timeout = '5 parsecs'", 5000},
        {"SET idle_session_timeout TO DEFAULT", 5000},
        {"SET idle_session_timeout = '9999999999'", 5000}, /* beyond INT_MAX ms */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        brk_pg_sess *s = logged_in(5000);
        query(s, cases[i].set);
        bool txn;
        ck_assert_msg(brk_pg_sess_idle_ms(s, &txn) == cases[i].ms, "%s: %lld, want %lld",
                      cases[i].set, (long long)brk_pg_sess_idle_ms(s, &txn),
                      (long long)cases[i].ms);
        brk_pg_sess_free(s);
    }
}
END_TEST

START_TEST(in_transaction)
{
    brk_pg_sess *s = logged_in(5000);
    query(s, "SET idle_in_transaction_session_timeout = '2s'");
    bool txn;
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 5000); /* outside a block */
    ck_assert(!txn);
    query(s, "BEGIN");
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 2000);
    ck_assert(txn);
    query(s, "COMMIT");
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 5000);
    ck_assert(!txn);
    brk_pg_sess_free(s);
    /* not set: no timeout inside a block, whatever idle_session_timeout says */
    s = logged_in(5000);
    query(s, "BEGIN");
    ck_assert_int_eq(brk_pg_sess_idle_ms(s, &txn), 0);
    ck_assert(txn);
    brk_pg_sess_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("brk_pg_idle");
    TCase *tc = tcase_create("idle");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, set_units);
    tcase_add_test(tc, in_transaction);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
