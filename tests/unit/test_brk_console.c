/*
 * test_brk_console.c: Basic Authorization parsing (brk_auth_basic_split,
 * used by every HTTP request and by the console's POST /auth/login): user and password as clients encode them (curl -u,
 * with and without padding, empty password, ':' inside the password), and
 * malformed or oversized headers refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_console.h"

static void basic_ok(const char *header, const char *want_user, const char *want_pw)
{
    char user[BRK_AUTH_MAX_USER + 1] = "x", pw[BRK_AUTH_MAX_PASSWORD + 1] = "x";
    ck_assert_msg(brk_auth_basic_split(header, user, sizeof user, pw, sizeof pw),
                  "refused: %s", header);
    ck_assert_str_eq(user, want_user);
    ck_assert_str_eq(pw, want_pw);
}

static bool basic(const char *header)
{
    char user[16], pw[16];
    return brk_auth_basic_split(header, user, sizeof user, pw, sizeof pw);
}

START_TEST(well_formed)
{
    basic_ok("Basic YWRtaW46c2VjcmV0", "admin", "secret");          /* admin:secret */
    basic_ok("basic   YWRtaW46c2VjcmV0", "admin", "secret");        /* scheme any case */
    basic_ok("Basic YTpi", "a", "b");                               /* no padding needed */
    basic_ok("Basic YWI6Yw==", "ab", "c");                          /* two '=' */
    basic_ok("Basic YWI6Yw", "ab", "c");                            /* padding left out */
    basic_ok("Basic YWJjOmRl", "abc", "de");
    basic_ok("Basic dTo=", "u", "");                                /* empty password */
    basic_ok("Basic OnB3", "", "pw");                               /* empty user */
    basic_ok("Basic dTphOmI6Yw==", "u", "a:b:c");                   /* ':' in the password */
    basic_ok("Basic w6k6w7w=", "\xc3\xa9", "\xc3\xbc");             /* UTF-8 */
}
END_TEST

START_TEST(malformed)
{
    ck_assert(!basic(NULL));
    ck_assert(!basic(""));
    ck_assert(!basic("Basic"));
    ck_assert(!basic("Basic "));
    ck_assert(!basic("Bearer YWRtaW46c2VjcmV0"));
    ck_assert(!basic("BasicYWRtaW46c2VjcmV0"));
    ck_assert(!basic("Basic bm9jb2xvbg=="));                        /* nocolon */
    ck_assert(!basic("Basic YWRtaW46c2VjcmV0!"));                   /* not base64 */
    ck_assert(!basic("Basic YWRt aW46"));                           /* space inside */
    ck_assert(!basic("Basic YWI6Yw==="));                           /* three '=' */
    ck_assert(!basic("Basic YWI6Y=w="));                            /* '=' inside */
    ck_assert(!basic("Basic YWI6Y"));                               /* 4n+1 characters */
    ck_assert(!basic("Basic dQA6cHc="));                            /* NUL in the user */
    ck_assert(!basic("Basic dTpwAHc="));                            /* NUL in the password */
}
END_TEST

START_TEST(too_long)
{
    /* 16-byte buffers: a 15-byte user fits, 16 does not */
    ck_assert(basic("Basic YWFhYWFhYWFhYWFhYWFhOng="));              /* 15 a's : x */
    ck_assert(!basic("Basic YWFhYWFhYWFhYWFhYWFhYTp4"));            /* 16 a's : x */
    ck_assert(!basic("Basic eDpiYmJiYmJiYmJiYmJiYmJi"));            /* x : 16 b's */
    /* far over the decoder's own bound */
    size_t n = 8000;
    char *h = malloc(n + 7);
    memcpy(h, "Basic ", 6);
    memset(h + 6, 'Q', n);
    h[6 + n] = 0;
    char user[BRK_AUTH_MAX_USER + 1], pw[BRK_AUTH_MAX_PASSWORD + 1];
    ck_assert(!brk_auth_basic_split(h, user, sizeof user, pw, sizeof pw));
    free(h);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_console");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, well_formed);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, too_long);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
