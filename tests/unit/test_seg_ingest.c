/*
 * test_seg_ingest.c: the ingestion hot path's own machinery: the bump arena
 * (tn_arena), JSON rows parsed into the row's arena through the cJSON hooks
 * (installed in main, as the tannin executable does), and the mutable
 * segment's prefetching append across the point where a dictionary's table
 * becomes "big" (appended after the others).
 *
 * test_row covers the same parse without the hooks (cJSON's malloc).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg_mutable.h"
#include "seg_row.h"
#include "seg_schema.h"
#include "seg_segment.h"
#include "tn_arena.h"

/* ---- tn_arena ------------------------------------------------------------ */

START_TEST(arena_reuses_its_block)
{
    tn_arena a;
    tn_arena_init(&a, 1024);
    char *first = tn_arena_alloc(&a, 10);
    for (int round = 0; round < 100; round++) {
        tn_arena_reset(&a);
        char *p = tn_arena_alloc(&a, 10);
        ck_assert_ptr_eq(p, first); /* same memory every message */
        char *q = tn_arena_alloc(&a, 1);
        ck_assert_uint_eq((uintptr_t)q % 16, 0);
        ck_assert_uint_eq((uintptr_t)(q - p), 16);
        memset(p, round, 10);
        ck_assert(tn_arena_owns(&a, p) && tn_arena_owns(&a, q));
    }
    int on_stack;
    ck_assert(!tn_arena_owns(&a, &on_stack));
    char *heap = malloc(8);
    ck_assert(!tn_arena_owns(&a, heap));
    free(heap);
    tn_arena_free(&a);
}
END_TEST

START_TEST(arena_grows_then_settles_on_one_block)
{
    tn_arena a;
    tn_arena_init(&a, 256);
    /* a round far bigger than the first block, in pieces and at once */
    char *pieces[200];
    for (int i = 0; i < 200; i++) {
        pieces[i] = tn_arena_alloc(&a, 40);
        memset(pieces[i], i, 40);
    }
    char *big = tn_arena_alloc(&a, 100000);
    memset(big, 0xab, 100000);
    for (int i = 0; i < 200; i++) /* earlier pieces never move */
        ck_assert_int_eq(pieces[i][39], (char)i);
    ck_assert(tn_arena_owns(&a, pieces[0]) && tn_arena_owns(&a, big + 99999));
    size_t used = a.used;
    tn_arena_reset(&a);
    ck_assert(!tn_arena_owns(&a, pieces[0]));
    /* the same round again now fits one block: no block opens */
    char *start = tn_arena_alloc(&a, 40);
    for (int i = 1; i < 200; i++)
        tn_arena_alloc(&a, 40);
    char *again = tn_arena_alloc(&a, 100000);
    ck_assert_uint_eq(a.used, used);
    ck_assert_uint_eq((uintptr_t)(again - start), 200 * 48);
    tn_arena_free(&a);
}
END_TEST

START_TEST(arena_drops_a_huge_block_after_a_small_round)
{
    tn_arena a;
    tn_arena_init(&a, 4096);
    char *huge = tn_arena_alloc(&a, 8u << 20);
    huge[(8u << 20) - 1] = 1;
    tn_arena_reset(&a);  /* settles on one 8 MiB block */
    tn_arena_alloc(&a, 100);
    ck_assert_uint_ge((size_t)(a.end - a.next), (size_t)(4u << 20));
    tn_arena_reset(&a);  /* a small round: the 8 MiB go */
    ck_assert_ptr_null(a.head);
    char *p = tn_arena_alloc(&a, 100);
    ck_assert(tn_arena_owns(&a, p));
    ck_assert_uint_lt((size_t)(a.end - a.next), 4096);
    tn_arena_free(&a);
}
END_TEST

/* ---- rows in the arena --------------------------------------------------- */

static const char *k_schema =
    "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":["
    "{\"name\":\"s\",\"dataType\":\"STRING\"},"
    "{\"name\":\"i\",\"dataType\":\"INT\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false}],"
    "\"metricFieldSpecs\":[{\"name\":\"l\",\"dataType\":\"LONG\"},"
    "{\"name\":\"d\",\"dataType\":\"DOUBLE\"}]}";

enum { F_S, F_I, F_TAGS, F_L, F_D };

static seg_schema *schema_new(const char *json)
{
    seg_schema *s;
    char err[TN_ERRLEN];
    ck_assert_msg(seg_schema_parse(json, strlen(json), &s, err) == TN_OK, "%s", err);
    return s;
}

static int parse(seg_row *row, const char *json, char *err)
{
    return seg_row_parse_json(row, json, strlen(json), err);
}

static void assert_str(const seg_row *row, int f, const char *want, size_t len)
{
    const seg_cell *c = &row->cells[f];
    ck_assert(!c->is_null);
    ck_assert_uint_eq(c->v.s.len, len);
    ck_assert(memcmp(c->v.s.p, want, len) == 0);
}

START_TEST(row_arena_reused_across_messages)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN], msg[256];
    const void *tree = NULL;
    for (int n = 0; n < 1000; n++) {
        snprintf(msg, sizeof msg,
                 "{\"s\":\"v%d\",\"i\":%d,\"tags\":[\"a%d\",\"b\"],\"l\":%d,\"d\":%d.5}", n, n,
                 n, n * 3, n);
        ck_assert_msg(parse(&row, msg, err) == TN_OK, "%s", err);
        ck_assert(row.json_in_arena);
        ck_assert(tn_arena_owns(&row.arena, row.json));
        if (n == 0)
            tree = row.json;
        ck_assert_ptr_eq(row.json, tree); /* the arena's memory, reused */
        char want[16];
        int len = snprintf(want, sizeof want, "v%d", n);
        assert_str(&row, F_S, want, (size_t)len);
        ck_assert(tn_arena_owns(&row.arena, row.cells[F_S].v.s.p));
        ck_assert_int_eq(row.cells[F_I].v.i, n);
        ck_assert_int_eq(row.cells[F_L].v.i, n * 3);
        ck_assert(row.cells[F_D].v.d == n + 0.5);
        ck_assert_uint_eq(row.cells[F_TAGS].nvals, 2);
        ck_assert_uint_eq(row.cells[F_TAGS].mv[1].s.len, 1);
    }
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

START_TEST(row_message_larger_than_the_arena)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    /* 200 KiB of string and 5,000 tags: far past the 8 KiB first block */
    size_t n = 200 * 1024;
    tn_buf b = {0};
    tn_buf_append(&b, "{\"s\":\"", 6);
    for (size_t i = 0; i < n; i++)
        tn_buf_append(&b, &"abcdefghij"[i % 10], 1);
    tn_buf_append(&b, "\",\"tags\":[", 10);
    for (int i = 0; i < 5000; i++) {
        char t[16];
        int len = snprintf(t, sizeof t, "%s\"t%d\"", i ? "," : "", i);
        tn_buf_append(&b, t, (size_t)len);
    }
    tn_buf_append(&b, "],\"i\":7}", 8);
    for (int round = 0; round < 3; round++) {
        ck_assert_msg(seg_row_parse_json(&row, (const char *)b.data, b.len, err) == TN_OK, "%s",
                      err);
        const seg_cell *c = &row.cells[F_S];
        ck_assert_uint_eq(c->v.s.len, n);
        ck_assert_int_eq(c->v.s.p[n - 1], "abcdefghij"[(n - 1) % 10]);
        ck_assert_uint_eq(row.cells[F_TAGS].nvals, 5000);
        ck_assert_uint_eq(row.cells[F_TAGS].mv[4999].s.len, 5);
        ck_assert(memcmp(row.cells[F_TAGS].mv[4999].s.p, "t4999", 5) == 0);
        ck_assert_int_eq(row.cells[F_I].v.i, 7);
        /* then a small message in the same row */
        ck_assert_msg(parse(&row, "{\"s\":\"x\",\"i\":1}", err) == TN_OK, "%s", err);
        assert_str(&row, F_S, "x", 1);
        ck_assert(row.cells[F_TAGS].is_null);
    }
    tn_buf_free(&b);
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

START_TEST(row_errors_leave_the_row_usable)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    ck_assert_int_eq(parse(&row, "{\"s\":\"a\",\"i\":[1,x]}", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "malformed JSON at byte 16"), "%s", err); /* the x */
    ck_assert_ptr_null(row.json);
    ck_assert_int_eq(parse(&row, "{\"s\":\"a\",\"i\":[1,2,", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "malformed JSON at byte"), "%s", err);
    ck_assert_ptr_null(row.json);
    ck_assert_int_eq(parse(&row, "[1,2]", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "expected a JSON object, got array"), "%s", err);
    ck_assert_int_eq(parse(&row, "{\"s\":\"a\",\"i\":\"x1\"}", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "column 'i': expected INT, got \"x1\""), "%s", err);
    ck_assert(row.cells[F_S].is_null); /* reset after a conversion error */
    ck_assert_int_eq(parse(&row, "{\"s\":\"ok\",\"i\":2}", err), TN_OK);
    assert_str(&row, F_S, "ok", 2);
    ck_assert_int_eq(row.cells[F_I].v.i, 2);
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

START_TEST(row_numbers_at_the_edges)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    static const struct {
        const char *json;
        int field;
        int64_t i;
    } ok[] = {
        {"{\"l\":9223372036854775807}", F_L, INT64_MAX}, /* rounds to 2^63 as a double */
        {"{\"l\":-9223372036854775808}", F_L, INT64_MIN},
        {"{\"l\":9007199254740993}", F_L, 9007199254740992LL}, /* beyond 2^53: rounded */
        {"{\"l\":-12.9}", F_L, -12},                          /* truncated toward zero */
        {"{\"l\":\"9223372036854775807\"}", F_L, INT64_MAX},  /* text keeps every digit */
        {"{\"i\":2147483647}", F_I, INT32_MAX},
        {"{\"i\":-2147483648}", F_I, INT32_MIN},
        {"{\"i\":1e3}", F_I, 1000},
        {"{\"i\":true}", F_I, 1},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        ck_assert_msg(parse(&row, ok[k].json, err) == TN_OK, "%s: %s", ok[k].json, err);
        ck_assert_msg(row.cells[ok[k].field].v.i == ok[k].i, "%s: %lld", ok[k].json,
                      (long long)row.cells[ok[k].field].v.i);
    }
    static const char *const out_of_range[] = {
        "{\"l\":1e19}", "{\"l\":-1e19}", "{\"i\":2147483648}", "{\"i\":-2147483649}",
        "{\"i\":1e300}",
    };
    for (size_t k = 0; k < sizeof out_of_range / sizeof out_of_range[0]; k++) {
        ck_assert_int_eq(parse(&row, out_of_range[k], err), TN_EINVAL);
        ck_assert_msg(strstr(err, "out of range"), "%s: %s", out_of_range[k], err);
    }
    ck_assert_int_eq(parse(&row, "{\"d\":1.7976931348623157e308}", err), TN_OK);
    ck_assert(row.cells[F_D].v.d == 1.7976931348623157e308);
    ck_assert_int_eq(parse(&row, "{\"d\":4.9406564584124654e-324}", err), TN_OK);
    ck_assert(row.cells[F_D].v.d == 4.9406564584124654e-324);
    ck_assert_int_eq(parse(&row, "{\"d\":-0.0}", err), TN_OK);
    ck_assert(row.cells[F_D].v.d == 0);
    ck_assert_int_eq(parse(&row, "{\"d\":1e999}", err), TN_OK); /* strtod: infinity */
    ck_assert(row.cells[F_D].v.d > 1.7976931348623157e308);
    ck_assert_int_eq(parse(&row, "{\"d\":0.1e}", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "malformed JSON"), "%s", err);
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

START_TEST(row_strings_with_escapes)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    ck_assert_int_eq(parse(&row, "{\"s\":\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\"}", err),
                     TN_OK);
    const char want[] = "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80";
    assert_str(&row, F_S, want, sizeof want - 1);
    /* an escaped key still finds its column (exactly, then by case) */
    ck_assert_int_eq(parse(&row, "{\"\\u0073\":\"x\",\"I\":3}", err), TN_OK);
    assert_str(&row, F_S, "x", 1);
    ck_assert_int_eq(row.cells[F_I].v.i, 3);
    ck_assert_int_eq(parse(&row, "{\"s\":\"bad \\x escape\"}", err), TN_EINVAL);
    ck_assert_msg(strstr(err, "malformed JSON at byte"), "%s", err);
    ck_assert_int_eq(parse(&row, "{\"s\":\"\\ud83d alone\"}", err), TN_EINVAL);
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

/* The key-order memory: keys in another order, missing, unknown, or
 * differing in case from one message to the next, still land right. */
START_TEST(row_keys_in_changing_order)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    static const char *const msgs[] = {
        "{\"s\":\"a\",\"i\":1,\"l\":10}",
        "{\"i\":2,\"s\":\"b\",\"l\":20}",
        "{\"x\":0,\"i\":3,\"l\":30}",
        "{\"S\":\"d\",\"i\":4,\"l\":40}",
        "{\"S\":\"lower\",\"s\":\"e\",\"i\":5,\"l\":50}",
        "{\"s\":\"f\",\"S\":\"upper\",\"i\":6,\"l\":60}",
    };
    static const char *const want_s[] = {"a", "b", NULL, "d", "e", "f"};
    for (int round = 0; round < 2; round++)
        for (int k = 0; k < 6; k++) {
            ck_assert_msg(parse(&row, msgs[k], err) == TN_OK, "%s", err);
            ck_assert_int_eq(row.cells[F_I].v.i, k + 1);
            ck_assert_int_eq(row.cells[F_L].v.i, (k + 1) * 10);
            if (want_s[k])
                assert_str(&row, F_S, want_s[k], strlen(want_s[k]));
            else
                ck_assert(row.cells[F_S].is_null);
        }
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

/* cJSON used elsewhere (printing, building, parsing with cJSON_Parse) while
 * a row holds a tree in its arena: all of it on malloc/free, as before. */
START_TEST(other_cjson_use_stays_on_the_heap)
{
    seg_schema *s = schema_new(k_schema);
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN];
    ck_assert_int_eq(parse(&row, "{\"s\":\"kept\",\"tags\":[\"x\",{\"k\":[1,2]}]}", err), TN_OK);
    /* an object in a STRING multi-value column is printed: heap text */
    ck_assert_uint_eq(row.cells[F_TAGS].nvals, 2);
    ck_assert_uint_eq(row.cells[F_TAGS].mv[1].s.len, 11);
    ck_assert(memcmp(row.cells[F_TAGS].mv[1].s.p, "{\"k\":[1,2]}", 11) == 0);
    cJSON *j = cJSON_Parse("{\"a\":[1,2,3],\"b\":\"text\"}");
    ck_assert_ptr_nonnull(j);
    ck_assert(!tn_arena_owns(&row.arena, j));
    cJSON_AddStringToObject(j, "c", "more");
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"a\":[1,2,3],\"b\":\"text\",\"c\":\"more\"}");
    free(text); /* free() on printed text, as much of the code does */
    char *text2 = cJSON_Print(j);
    cJSON_free(text2);
    cJSON_Delete(j);
    /* the row's tree is untouched */
    assert_str(&row, F_S, "kept", 4);
    seg_row_free(&row);
    seg_schema_free(s);
}
END_TEST

/* ---- mutable segment: tables turning big mid-stream ----------------------- */

static const char *k_ids_schema =
    "{\"schemaName\":\"ids\",\"dimensionFieldSpecs\":["
    "{\"name\":\"id\",\"dataType\":\"LONG\"},"
    "{\"name\":\"color\",\"dataType\":\"STRING\"},"
    "{\"name\":\"n\",\"dataType\":\"INT\"}]}";

/* 60,000 rows: the id column's table crosses 2^15 slots (appended last from
 * then on), a second id column (n) crosses at the same time, the color
 * column stays small. Every value and posting list is checked against what
 * went in: a column appended twice or not at all in a row would show. */
START_TEST(mutable_columns_cross_into_big_tables)
{
    seg_schema *s = schema_new(k_ids_schema);
    seg_mutable_opts o = {.name = "ids__0__0", .table = "ids_REALTIME"};
    seg_mutable *m;
    char err[TN_ERRLEN];
    ck_assert_msg(seg_mutable_create(s, &o, &m, err) == TN_OK, "%s", err);
    seg_row row;
    seg_row_init(&row, s);
    static const char *const colors[] = {"red", "green", "blue"};
    const uint32_t N = 60000;
    for (uint32_t d = 0; d < N; d++) {
        char msg[128];
        snprintf(msg, sizeof msg, "{\"id\":%u,\"color\":\"%s\",\"n\":%u}",
                 (d * 7919u) % 1000003u, colors[d % 3], d / 2);
        ck_assert_msg(parse(&row, msg, err) == TN_OK, "%s", err);
        ck_assert_msg(seg_mutable_append(m, &row, d, err) == TN_OK, "%s", err);
    }
    const seg_segment *seg = seg_mutable_base(m);
    ck_assert_uint_eq(seg_segment_ndocs(seg), N);
    seg_col id, color, n;
    ck_assert(seg_column_open(seg, N, &s->fields[0], &id, err) == TN_OK);
    ck_assert(seg_column_open(seg, N, &s->fields[1], &color, err) == TN_OK);
    ck_assert(seg_column_open(seg, N, &s->fields[2], &n, err) == TN_OK);
    ck_assert_uint_eq(id.cardinality, N);
    ck_assert_uint_eq(n.cardinality, N / 2);
    ck_assert_uint_eq(color.cardinality, 3);
    for (uint32_t d = 0; d < N; d++) {
        seg_value v;
        seg_col_value(&id, d, &v);
        if (v.i != (int64_t)((d * 7919u) % 1000003u))
            ck_abort_msg("doc %u: id %lld", d, (long long)v.i);
        seg_col_value(&n, d, &v);
        if (v.i != (int64_t)(d / 2))
            ck_abort_msg("doc %u: n %lld", d, (long long)v.i);
        seg_col_value(&color, d, &v);
        if (v.s.len != strlen(colors[d % 3]) || memcmp(v.s.p, colors[d % 3], v.s.len))
            ck_abort_msg("doc %u: color %.*s", d, (int)v.s.len, v.s.p);
    }
    /* posting lists: each n value in exactly its two documents */
    for (uint32_t k = 0; k < N / 2; k += 997) {
        seg_value v = {.i = k};
        int64_t dict_id = n.ops->dict_find(&n, v);
        ck_assert_int_ge(dict_id, 0);
        const roaring_bitmap_t *b = n.ops->bitmap(&n, (uint32_t)dict_id);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(roaring_bitmap_get_cardinality(b), 2);
        ck_assert(roaring_bitmap_contains(b, 2 * k) && roaring_bitmap_contains(b, 2 * k + 1));
        seg_bitmap_free(b);
    }
    seg_value red = {.s = {.p = "red", .len = 3}};
    const roaring_bitmap_t *b = color.ops->bitmap(&color, (uint32_t)color.ops->dict_find(&color, red));
    ck_assert_uint_eq(roaring_bitmap_get_cardinality(b), N / 3);
    seg_bitmap_free(b);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

int main(void)
{
    seg_row_json_hooks_install(); /* as tannin's main does */
    Suite *s = suite_create("seg_ingest");
    TCase *tc = tcase_create("arena");
    tcase_add_test(tc, arena_reuses_its_block);
    tcase_add_test(tc, arena_grows_then_settles_on_one_block);
    tcase_add_test(tc, arena_drops_a_huge_block_after_a_small_round);
    suite_add_tcase(s, tc);
    tc = tcase_create("row");
    tcase_add_test(tc, row_arena_reused_across_messages);
    tcase_add_test(tc, row_message_larger_than_the_arena);
    tcase_add_test(tc, row_errors_leave_the_row_usable);
    tcase_add_test(tc, row_numbers_at_the_edges);
    tcase_add_test(tc, row_strings_with_escapes);
    tcase_add_test(tc, row_keys_in_changing_order);
    tcase_add_test(tc, other_cjson_use_stays_on_the_heap);
    suite_add_tcase(s, tc);
    tc = tcase_create("mutable");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mutable_columns_cross_into_big_tables);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
