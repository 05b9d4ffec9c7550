/*
 * test_brk_scram.c: the SCRAM-SHA-256 server exchange (brk_scram.c): the
 * RFC 7677 test vector, a full exchange with a client computed here (gs2
 * "n,," and "y,,"), wrong proofs and passwords, malformed client-first
 * and client-final messages, strict base64 and fresh nonces.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "brk_scram.h"

static const char *const RFC_CFIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
static const char *const RFC_SNONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
static const char *const RFC_SFIRST =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
static const char *const RFC_CFINAL =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
static const char *const RFC_SFINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

static void rfc_verifier(const char *password, brk_scram_verifier *v)
{
    uint8_t salt[16];
    const char *s64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
    ck_assert_int_eq(brk_scram_b64_decode(s64, strlen(s64), salt, sizeof salt), 16);
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_scram_make_verifier(password, salt, 16, 4096, v, err), TN_OK);
}

static char *str_of(const tn_buf *b)
{
    return b->len ? tn_strndup((const char *)b->data, b->len) : tn_strdup("");
}

/* Runs client-first; returns the outcome, server-first in *sfirst. */
static int first(brk_scram *s, const brk_scram_verifier *v, const char *cfirst, char **sfirst,
                 char *err)
{
    tn_buf out = {0};
    int rc = brk_scram_client_first(s, v, RFC_SNONCE, cfirst, strlen(cfirst), &out, err);
    *sfirst = str_of(&out);
    tn_buf_free(&out);
    return rc;
}

static int final(brk_scram *s, const char *cfinal, char **sfinal, char *err)
{
    tn_buf out = {0};
    int rc = brk_scram_client_final(s, cfinal, strlen(cfinal), &out, err);
    *sfinal = str_of(&out);
    tn_buf_free(&out);
    return rc;
}

START_TEST(rfc7677_vector)
{
    brk_scram_verifier v;
    rfc_verifier("pencil", &v);
    brk_scram s;
    brk_scram_init(&s);
    char err[TN_ERRLEN], *sf, *fin;
    ck_assert_int_eq(first(&s, &v, RFC_CFIRST, &sf, err), BRK_SCRAM_OK);
    ck_assert_str_eq(sf, RFC_SFIRST);
    ck_assert_int_eq(final(&s, RFC_CFINAL, &fin, err), BRK_SCRAM_OK);
    ck_assert_str_eq(fin, RFC_SFINAL);
    free(sf);
    free(fin);
    brk_scram_reset(&s);
    ck_assert_ptr_null(s.nonce);
}
END_TEST

START_TEST(wrong_password_and_proof)
{
    brk_scram_verifier v;
    rfc_verifier("pencil2", &v);
    brk_scram s;
    brk_scram_init(&s);
    char err[TN_ERRLEN], *sf, *fin;
    ck_assert_int_eq(first(&s, &v, RFC_CFIRST, &sf, err), BRK_SCRAM_OK);
    ck_assert_int_eq(final(&s, RFC_CFINAL, &fin, err), BRK_SCRAM_DENIED);
    ck_assert_str_eq(fin, "");
    free(sf);
    free(fin);
    brk_scram_reset(&s);

    rfc_verifier("pencil", &v);
    char bad[256];
    snprintf(bad, sizeof bad, "%s", RFC_CFINAL);
    char *p = strstr(bad, ",p=") + 3;
    p[0] = p[0] == 'A' ? 'B' : 'A'; /* one bit of the proof */
    ck_assert_int_eq(first(&s, &v, RFC_CFIRST, &sf, err), BRK_SCRAM_OK);
    ck_assert_int_eq(final(&s, bad, &fin, err), BRK_SCRAM_DENIED);
    free(sf);
    free(fin);
    brk_scram_reset(&s);
}
END_TEST

/* The client's side, computed here: the proof for password. */
static void client_final(const char *password, const brk_scram_verifier *v, const char *gs2,
                         const char *cfirst_bare, const char *sfirst, char *out, size_t cap)
{
    uint8_t salted[32], ckey[32], stored[32], sig[32], proof[32];
    unsigned int len = 32;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), v->salt, (int)v->salt_len,
                      (int)v->iterations, EVP_sha256(), 32, salted);
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ckey, &len);
    SHA256(ckey, 32, stored);
    const char *r = strstr(sfirst, "r=") + 2;
    size_t rn = strcspn(r, ",");
    tn_buf cb = {0};
    brk_scram_b64_encode((const uint8_t *)gs2, strlen(gs2), &cb);
    char without[512];
    snprintf(without, sizeof without, "c=%.*s,r=%.*s", (int)cb.len, (char *)cb.data, (int)rn, r);
    char am[1024];
    snprintf(am, sizeof am, "%s,%s,%s", cfirst_bare, sfirst, without);
    HMAC(EVP_sha256(), stored, 32, (const uint8_t *)am, strlen(am), sig, &len);
    for (int i = 0; i < 32; i++)
        proof[i] = ckey[i] ^ sig[i];
    tn_buf p64 = {0};
    brk_scram_b64_encode(proof, 32, &p64);
    ck_assert_uint_lt(strlen(without) + 3 + p64.len, cap);
    strcpy(out, without);
    strcat(out, ",p=");
    strncat(out, (char *)p64.data, p64.len);
    tn_buf_free(&cb);
    tn_buf_free(&p64);
}

START_TEST(exchange_y_flag_and_extensions)
{
    brk_scram_verifier v;
    uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_scram_make_verifier("s3cr=t,", salt, 16, 4096, &v, err), TN_OK);
    static const char *const gs2s[] = {"n,,", "y,,"};
    for (int k = 0; k < 2; k++) {
        brk_scram s;
        brk_scram_init(&s);
        char cfirst[128], *sf, *fin, cfinal[512];
        /* libpq sends an empty user name: the startup packet's counts */
        snprintf(cfirst, sizeof cfirst, "%sn=,r=abc+/=XYZ", gs2s[k]);
        ck_assert_int_eq(first(&s, &v, cfirst, &sf, err), BRK_SCRAM_OK);
        ck_assert(!strncmp(sf, "r=abc+/=XYZ%hv", 14));
        client_final("s3cr=t,", &v, gs2s[k], cfirst + 3, sf, cfinal, sizeof cfinal);
        ck_assert_int_eq(final(&s, cfinal, &fin, err), BRK_SCRAM_OK);
        ck_assert(!strncmp(fin, "v=", 2) && strlen(fin) == 46);
        free(sf);
        free(fin);
        brk_scram_reset(&s);
    }
    /* an extension after the nonce is ignored (RFC 5802 allows them) */
    brk_scram s;
    brk_scram_init(&s);
    char *sf;
    ck_assert_int_eq(first(&s, &v, "n,,n=bob,r=abc,x=1", &sf, err), BRK_SCRAM_OK);
    free(sf);
    brk_scram_reset(&s);
}
END_TEST

/* client-first messages that must fail as MALFORMED, with a word of the
 * reason each */
START_TEST(malformed_first)
{
    static const char *const cases[][2] = {
        {"p=tls-server-end-point,,n=,r=abc", "channel binding"},
        {"x,,n=,r=abc", "channel-binding flag"},
        {"n,a=bob,n=,r=abc", "authorization identity"},
        {"n,,m=ext,n=,r=abc", "extension"},
        {"n,,r=abc", "user name"},
        {"n,,n=user", "nonce"},
        {"n,,n=user,r=", "nonce"},
        {"n,,n=user,r=abc,", "garbage"},
        {"n,,n=user,r=abc,1=2", "garbage"},
        {"n,", "comma"},
        {"", "channel-binding flag"},
        {"n,,n=user,s=abc", "nonce"},
    };
    brk_scram_verifier v;
    rfc_verifier("pencil", &v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        brk_scram s;
        brk_scram_init(&s);
        char err[TN_ERRLEN] = "", *sf;
        ck_assert_msg(first(&s, &v, cases[i][0], &sf, err) == BRK_SCRAM_MALFORMED, "%s",
                      cases[i][0]);
        ck_assert_msg(strstr(err, cases[i][1]) != NULL, "'%s': %s", cases[i][0], err);
        ck_assert_str_eq(sf, "");
        free(sf);
        brk_scram_reset(&s);
    }
    /* a NUL inside, and a nonce with a control character */
    brk_scram s;
    brk_scram_init(&s);
    char err[TN_ERRLEN];
    tn_buf out = {0};
    ck_assert_int_eq(brk_scram_client_first(&s, &v, "x", "n,,n=u\0,r=a", 12, &out, err),
                     BRK_SCRAM_MALFORMED);
    ck_assert_int_eq(brk_scram_client_first(&s, &v, "x", "n,,n=u,r=a\tb", 12, &out, err),
                     BRK_SCRAM_MALFORMED);
    /* client-final before client-first */
    ck_assert_int_eq(brk_scram_client_final(&s, RFC_CFINAL, strlen(RFC_CFINAL), &out, err),
                     BRK_SCRAM_MALFORMED);
    ck_assert_uint_eq(out.len, 0);
    tn_buf_free(&out);
    brk_scram_reset(&s);
}
END_TEST

START_TEST(malformed_final)
{
    static const char *const cases[][2] = {
        {"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA", "'c'"},
        {"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "channel binding"},
        {"c=bi!s,r=x,p=AAAA", "base64"},
        {"c=biws,r=rOprNGfwEbeRWgbNEkqOwrong,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
         "nonce"},
        {"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "proof"},
        {"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA", "32 bytes"},
        {"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb ZapW", "32 bytes"},
        {"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
         "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=1", "garbage"},
        {"c=biws", "'r'"},
    };
    brk_scram_verifier v;
    rfc_verifier("pencil", &v);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        brk_scram s;
        brk_scram_init(&s);
        char err[TN_ERRLEN] = "", *sf, *fin;
        ck_assert_int_eq(first(&s, &v, RFC_CFIRST, &sf, err), BRK_SCRAM_OK);
        ck_assert_msg(final(&s, cases[i][0], &fin, err) == BRK_SCRAM_MALFORMED, "%s",
                      cases[i][0]);
        ck_assert_msg(strstr(err, cases[i][1]) != NULL, "'%s': %s", cases[i][0], err);
        /* a second final is out of order */
        free(fin);
        ck_assert_int_eq(final(&s, RFC_CFINAL, &fin, err), BRK_SCRAM_MALFORMED);
        free(sf);
        free(fin);
        brk_scram_reset(&s);
    }
}
END_TEST

START_TEST(base64_and_nonce)
{
    uint8_t b[8];
    ck_assert_int_eq(brk_scram_b64_decode("biws", 4, b, sizeof b), 3);
    ck_assert(!memcmp(b, "n,,", 3));
    ck_assert_int_eq(brk_scram_b64_decode("YQ==", 4, b, sizeof b), 1);
    ck_assert_int_eq(brk_scram_b64_decode("", 0, b, sizeof b), 0);
    ck_assert_int_eq(brk_scram_b64_decode("YQ=", 3, b, sizeof b), -1);
    ck_assert_int_eq(brk_scram_b64_decode("Y=Q=", 4, b, sizeof b), -1);
    ck_assert_int_eq(brk_scram_b64_decode(" YQ=", 4, b, sizeof b), -1);
    ck_assert_int_eq(brk_scram_b64_decode("YWJjZGVmZ2hpams=", 16, b, sizeof b), -1);
    char n1[40], n2[40];
    ck_assert_int_eq(brk_scram_nonce(n1, sizeof n1), TN_OK);
    ck_assert_int_eq(brk_scram_nonce(n2, sizeof n2), TN_OK);
    ck_assert_uint_eq(strlen(n1), 32);
    ck_assert(!strchr(n1, ','));
    ck_assert_str_ne(n1, n2);
    ck_assert_int_eq(brk_scram_nonce(n1, 10), TN_EIO);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_scram");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc7677_vector);
    tcase_add_test(tc, wrong_password_and_proof);
    tcase_add_test(tc, exchange_y_flag_and_extensions);
    tcase_add_test(tc, malformed_first);
    tcase_add_test(tc, malformed_final);
    tcase_add_test(tc, base64_and_nonce);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
