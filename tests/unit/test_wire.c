/*
 * test_wire.c: the broker <-> server frame format (common/tn_wire): what
 * is written reads back, and truncated, oversized or garbage input is
 * refused without reading out of bounds.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tn_wire.h"

START_TEST(test_roundtrip)
{
    tn_buf b = {0};
    tn_wire_begin(&b, TN_MSG_QUERY, 77);
    tn_wire_put_cstr(&b, "airlineStats_OFFLINE");
    tn_wire_put_u8(&b, 1);
    tn_wire_put_u32(&b, 0xdeadbeef);
    tn_wire_put_i32(&b, -150);
    tn_wire_put_i64(&b, -5000000000LL);
    tn_wire_put_cstr(&b, NULL);
    tn_wire_end(&b, 0);

    uint8_t type;
    uint32_t id;
    size_t total;
    /* every prefix shorter than the header asks for more bytes */
    for (size_t n = 0; n < TN_WIRE_HEADER; n++)
        ck_assert_int_eq(tn_wire_peek(b.data, n, &type, &id, &total), 0);
    ck_assert_int_eq(tn_wire_peek(b.data, b.len, &type, &id, &total), 1);
    ck_assert_uint_eq(type, TN_MSG_QUERY);
    ck_assert_uint_eq(id, 77);
    ck_assert_uint_eq(total, b.len);

    tn_wire_rd r;
    tn_wire_rd_init(&r, b.data + TN_WIRE_HEADER, total - TN_WIRE_HEADER);
    char *t = tn_wire_get_strdup(&r);
    ck_assert_str_eq(t, "airlineStats_OFFLINE");
    free(t);
    ck_assert_uint_eq(tn_wire_get_u8(&r), 1);
    ck_assert_uint_eq(tn_wire_get_u32(&r), 0xdeadbeef);
    ck_assert_int_eq(tn_wire_get_i32(&r), -150);
    ck_assert(tn_wire_get_i64(&r) == -5000000000LL);
    size_t n;
    tn_wire_get_str(&r, &n);
    ck_assert_uint_eq(n, 0);
    ck_assert(!r.bad);
    tn_wire_rest(&r, &n);
    ck_assert_uint_eq(n, 0);
    /* reading past the end marks the reader bad and yields zeros */
    ck_assert_uint_eq(tn_wire_get_u32(&r), 0);
    ck_assert(r.bad);
    tn_buf_free(&b);
}
END_TEST

START_TEST(test_bad_input)
{
    uint8_t type;
    uint32_t id;
    size_t total;
    /* a length below the header's own bytes, and one above the limit */
    uint8_t small[9] = {3, 0, 0, 0, 1, 0, 0, 0, 0};
    ck_assert_int_eq(tn_wire_peek(small, sizeof small, &type, &id, &total), -1);
    uint8_t huge[9] = {0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0};
    ck_assert_int_eq(tn_wire_peek(huge, sizeof huge, &type, &id, &total), -1);
    /* a string whose length runs past the payload */
    uint8_t s[6] = {200, 0, 0, 0, 'a', 'b'};
    tn_wire_rd r;
    tn_wire_rd_init(&r, s, sizeof s);
    ck_assert_ptr_null(tn_wire_get_strdup(&r));
    ck_assert(r.bad);
    /* random bytes never read out of bounds (ASan checks) */
    srand(7);
    uint8_t buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rand();
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        tn_wire_rd_init(&r, copy, len);
        for (int k = 0; k < 8 && !r.bad; k++) {
            size_t n;
            switch (rand() % 4) {
            case 0: tn_wire_get_u8(&r); break;
            case 1: tn_wire_get_i64(&r); break;
            case 2: tn_wire_get_str(&r, &n); break;
            default: free(tn_wire_get_strdup(&r)); break;
            }
        }
        free(copy);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wire");
    TCase *tc = tcase_create("wire");
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
