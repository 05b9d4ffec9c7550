/*
 * test_brk_multipart.c: multipart/form-data parsing as clients send it
 * (curl -F, Python's hand-built bodies, LF-only line ends), empty parts,
 * binary data containing boundary-like bytes, and malformed bodies, each
 * refused with a reason.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_multipart.h"

static const char *CT = "multipart/form-data; boundary=XyZ123";

static void parse_ok(const char *ct, const char *body, size_t len, brk_part **p, uint32_t *n)
{
    char err[TN_ERRLEN] = "";
    int rc = brk_multipart_parse(ct, (const uint8_t *)body, len, p, n, err);
    ck_assert_msg(rc == TN_OK, "parse failed: %s", err);
}

static void parse_fails(const char *ct, const char *body, const char *want)
{
    brk_part *p = (brk_part *)1;
    uint32_t n = 7;
    char err[TN_ERRLEN] = "";
    int rc = brk_multipart_parse(ct, (const uint8_t *)body, strlen(body), &p, &n, err);
    ck_assert_int_eq(rc, TN_EINVAL);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(n, 0);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

static void assert_data(const brk_part *p, const char *want)
{
    ck_assert_uint_eq(p->len, strlen(want));
    ck_assert(memcmp(p->data, want, p->len) == 0);
}

START_TEST(two_parts_crlf)
{
    const char *body = "preamble ignored\r\n"
                       "--XyZ123\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"a b.json\"\r\n"
                       "Content-Type: application/json\r\n"
                       "\r\n"
                       "{\"x\":1}\n{\"x\":2}\n\r\n"
                       "--XyZ123\r\n"
                       "content-disposition: form-data; name=other\r\n"
                       "\r\n"
                       "value\r\n"
                       "--XyZ123--\r\n";
    brk_part *p;
    uint32_t n;
    parse_ok(CT, body, strlen(body), &p, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(p[0].name, "file");
    ck_assert_str_eq(p[0].filename, "a b.json");
    ck_assert_str_eq(p[0].content_type, "application/json");
    assert_data(&p[0], "{\"x\":1}\n{\"x\":2}\n");
    ck_assert_str_eq(p[1].name, "other");
    ck_assert_ptr_null(p[1].filename);
    assert_data(&p[1], "value");
    ck_assert_ptr_eq(brk_multipart_find(p, n, "other"), &p[1]);
    ck_assert_ptr_null(brk_multipart_find(p, n, "nope"));
    brk_multipart_free(p, n);
}
END_TEST

START_TEST(lf_only_quoted_boundary_and_empty_part)
{
    const char *ct = "Multipart/Form-Data; charset=utf-8; boundary=\"b;q\"";
    const char *body = "--b;q\n"
                       "Content-Disposition: form-data; name=\"empty\"\n"
                       "\n"
                       "\n--b;q\n"
                       "Content-Disposition: form-data; name=\"x\"\n"
                       "\n"
                       "data\n--b;q--";
    brk_part *p;
    uint32_t n;
    ck_assert(brk_multipart_is(ct));
    parse_ok(ct, body, strlen(body), &p, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(p[0].name, "empty");
    ck_assert_uint_eq(p[0].len, 0);
    assert_data(&p[1], "data");
    brk_multipart_free(p, n);
}
END_TEST

START_TEST(binary_data_with_near_boundaries)
{
    /* data holding NULs, a "--XyZ12" prefix and the boundary not at a
     * line start: none of them ends the part */
    char body[256];
    size_t len = 0;
    const char *head = "--XyZ123\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
    memcpy(body, head, strlen(head));
    len += strlen(head);
    const char data[] = "a\0b\r\n--XyZ12 x--XyZ123 y\r\n";
    size_t dlen = sizeof data - 1;
    memcpy(body + len, data, dlen);
    len += dlen;
    const char *tail = "\r\n--XyZ123--\r\n";
    memcpy(body + len, tail, strlen(tail));
    len += strlen(tail);
    brk_part *p;
    uint32_t n;
    parse_ok(CT, body, len, &p, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(p[0].len, dlen);
    ck_assert(memcmp(p[0].data, data, dlen) == 0);
    brk_multipart_free(p, n);
}
END_TEST

START_TEST(no_parts)
{
    brk_part *p;
    uint32_t n;
    parse_ok(CT, "--XyZ123--\r\n", 12, &p, &n);
    ck_assert_uint_eq(n, 0);
    brk_multipart_free(p, n);
}
END_TEST

START_TEST(malformed)
{
    parse_fails("application/json", "x", "not multipart");
    parse_fails("multipart/form-data", "--x\r\n", "boundary");
    parse_fails("multipart/form-data; boundary=", "--\r\n", "boundary");
    parse_fails(CT, "", "does not contain its boundary");
    parse_fails(CT, "no boundary here", "does not contain its boundary");
    parse_fails(CT, "--XyZ123\r\nContent-Disposition: form-data; name=a\r\n", "headers do not end");
    parse_fails(CT, "--XyZ123\r\nContent-Disposition: form-data; name=a\r\n\r\ndata",
                "no closing boundary");
    parse_fails(CT, "--XyZ123\r\nbad header line\r\n\r\nx\r\n--XyZ123--", "without ':'");
    parse_fails(CT, "--XyZ123\r\nA: b\r\n\r\nx\r\n--XyZ123junk", "not followed");
    parse_fails(CT, "--XyZ123junk", "first boundary");
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_multipart");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, two_parts_crlf);
    tcase_add_test(tc, lf_only_quoted_boundary_and_empty_part);
    tcase_add_test(tc, binary_data_with_near_boundaries);
    tcase_add_test(tc, no_parts);
    tcase_add_test(tc, malformed);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
