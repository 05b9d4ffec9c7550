/*
 * test_brk_pg_fuzz_corpus.c: replays every input the PostgreSQL wire
 * fuzzer kept (tests/fuzz/pg, grown by `tools/fuzz/run.sh pg`) through the
 * fuzzer's own harness (tools/fuzz/fuzz_pg_drive.c): each must give
 * well-framed answers or a clean close, and nothing may crash or leak (the
 * sanitizer build runs this too). The harness also checks that the corpus
 * still reaches the post-login parser, rows and errors.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_pg.h"
#include "tn_common.h"

START_TEST(corpus_replays_cleanly)
{
    char err[TN_ERRLEN] = "";
    fuzz_pg f;
    ck_assert_msg(fuzz_pg_setup(&f, err) == TN_OK, "%s", err);
    const char *dir = TN_SOURCE_DIR "/tests/fuzz/pg";
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "no corpus at %s", dir);
    struct dirent *de;
    uint32_t files = 0;
    fuzz_pg_stats st = {0};
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *data;
        size_t len;
        ck_assert_int_eq(tn_read_file(path, &data, &len, err), 0);
        ck_assert_msg(fuzz_pg_run(&f, (const uint8_t *)data, len, &st, err) == TN_OK, "%s: %s",
                      de->d_name, err);
        free(data);
        files++;
    }
    closedir(d);
    fuzz_pg_teardown(&f);
    ck_assert_uint_ge(files, 20);
    /* the seeds log in, get rows and errors: the corpus still reaches
     * past the startup */
    ck_assert_uint_ge(st.logins, 10);
    ck_assert_uint_ge(st.rows, 10);
    ck_assert_uint_ge(st.errors, 10);
}
END_TEST

/* A hand-made input through the same path: the harness's invariants do
 * catch a wrong answer (a test that could not fail would prove nothing). */
START_TEST(harness_sees_rows_and_errors)
{
    char err[TN_ERRLEN] = "";
    fuzz_pg f;
    ck_assert_msg(fuzz_pg_setup(&f, err) == TN_OK, "%s", err);
    static const uint8_t in[] = {
        1, 0,                                                  /* trust login, one chunk */
        'Q', 0, 0, 0, 29, 'S', 'E', 'L', 'E', 'C', 'T', ' ', 'n', ' ', 'F', 'R', 'O', 'M',
        ' ', 'e', 'v', 'e', 'n', 't', 's', ' ', 'b', 'a', 'd', 0, /* 710 -> ERROR */
        'Q', 0, 0, 0, 30, 'S', 'E', 'L', 'E', 'C', 'T', ' ', 'c', 'l', 'i', 'c', 'k', 's',
        ' ', 'F', 'R', 'O', 'M', ' ', 'e', 'v', 'e', 'n', 't', 's', 0, /* three rows */
        'X', 0, 0, 0, 4};
    fuzz_pg_stats st = {0};
    ck_assert_msg(fuzz_pg_run(&f, in, sizeof in, &st, err) == TN_OK, "%s", err);
    ck_assert_uint_eq(st.logins, 1);
    ck_assert_uint_eq(st.rows, 3);
    ck_assert_uint_eq(st.errors, 1);
    /* a length below 4 after login: FATAL 08P01, one more error, no crash */
    static const uint8_t bad[] = {1, 0, 'Q', 0, 0, 0, 2};
    ck_assert_msg(fuzz_pg_run(&f, bad, sizeof bad, &st, err) == TN_OK, "%s", err);
    ck_assert_uint_eq(st.errors, 2);
    fuzz_pg_teardown(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("brk_pg_fuzz_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, corpus_replays_cleanly);
    tcase_add_test(tc, harness_sees_rows_and_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
