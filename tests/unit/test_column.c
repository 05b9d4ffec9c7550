/*
 * test_column.c: the column interface's doc-list reads (read_ids_at,
 * read_raw_at) and bitmap-driven reads, on mutable, sealed and default
 * columns, against values kept by the test.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "seg_immutable.h"
#include "seg_mutable.h"

#define NDOCS 20000

static const char schema_json[] =
    "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":[{\"name\":\"k\",\"dataType\":\"INT\"},"
    "{\"name\":\"s\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"LONG\"},"
    "{\"name\":\"f\",\"dataType\":\"FLOAT\"}]}";

static int32_t kval[NDOCS];
static int64_t mval[NDOCS];
static float fval[NDOCS];

static seg_mutable *build(seg_schema **schema_out)
{
    char err[TN_ERRLEN];
    seg_schema *s;
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &s, err), TN_OK);
    static const char *const nd[] = {"m", "f"};
    seg_mutable_opts o = {.name = "c", .table = "t", .partition = -1, .start_offset = -1,
                          .no_dict_columns = nd, .n_no_dict = 2};
    seg_mutable *m;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_OK);
    seg_row row;
    seg_row_init(&row, s);
    uint64_t x = 12345;
    char buf[16];
    for (uint32_t d = 0; d < NDOCS; d++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        kval[d] = (int32_t)((x >> 33) % 1000) - 500;
        mval[d] = (int64_t)(x >> 7) - (1ll << 55);
        fval[d] = (float)((x >> 40) % 1000) / 8.0f;
        seg_row_reset(&row);
        seg_row_set(&row, 0, (seg_value){.i = kval[d]});
        snprintf(buf, sizeof buf, "s%d", kval[d] % 37);
        seg_row_set(&row, 1, (seg_value){.s = {buf, (uint32_t)strlen(buf)}});
        seg_row_set(&row, 2, (seg_value){.i = mval[d]});
        seg_row_set(&row, 3, (seg_value){.d = fval[d]});
        ck_assert_int_eq(seg_mutable_append(m, &row, d, err), TN_OK);
    }
    seg_row_free(&row);
    *schema_out = s;
    return m;
}

/* Every third doc, plus the last. */
static uint32_t doc_list(uint32_t *docs)
{
    uint32_t n = 0;
    for (uint32_t d = 0; d < NDOCS; d += 3)
        docs[n++] = d;
    docs[n++] = NDOCS - 1;
    return n;
}

static void check_segment(const seg_segment *seg, const seg_schema *s)
{
    char err[TN_ERRLEN];
    static uint32_t docs[NDOCS], ids[NDOCS];
    static int64_t raw[NDOCS];
    uint32_t n = doc_list(docs);
    seg_col k, m, f;
    ck_assert_int_eq(seg_column_open(seg, NDOCS, &s->fields[0], &k, err), TN_OK);
    ck_assert_int_eq(seg_column_open(seg, NDOCS, &s->fields[2], &m, err), TN_OK);
    ck_assert_int_eq(seg_column_open(seg, NDOCS, &s->fields[3], &f, err), TN_OK);
    k.ops->read_ids_at(&k, docs, n, ids);
    for (uint32_t i = 0; i < n; i++) {
        seg_value v;
        k.ops->dict_get(&k, ids[i], &v);
        ck_assert_int_eq(v.i, kval[docs[i]]);
    }
    ck_assert(!m.has_dict);
    m.ops->read_raw_at(&m, docs, n, raw);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_int_eq(raw[i], mval[docs[i]]);
    double *dv = (double *)raw;
    f.ops->read_raw_at(&f, docs, n, dv);
    for (uint32_t i = 0; i < n; i++)
        ck_assert(dv[i] == (double)fval[docs[i]]);

    /* bitmap-driven: docs where k == kval[7], read through the iterator */
    int64_t id = k.ops->dict_find(&k, (seg_value){.i = kval[7]});
    ck_assert_int_ge(id, 0);
    const roaring_bitmap_t *b = k.ops->bitmap(&k, (uint32_t)id);
    ck_assert_ptr_nonnull(b);
    roaring_uint32_iterator_t it;
    roaring_init_iterator(b, &it);
    uint32_t got = roaring_read_uint32_iterator(&it, docs, NDOCS), want = 0;
    for (uint32_t d = 0; d < NDOCS; d++)
        want += kval[d] == kval[7];
    ck_assert_uint_eq(got, want);
    m.ops->read_raw_at(&m, docs, got, raw);
    for (uint32_t i = 0; i < got; i++) {
        ck_assert_int_eq(kval[docs[i]], kval[7]);
        ck_assert_int_eq(raw[i], mval[docs[i]]);
    }
    seg_bitmap_free(b);
}

START_TEST(doc_list_reads_mutable)
{
    seg_schema *s;
    seg_mutable *m = build(&s);
    check_segment(seg_mutable_base(m), s);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

START_TEST(doc_list_reads_sealed)
{
    char err[TN_ERRLEN];
    seg_schema *s;
    seg_mutable *m = build(&s);
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), NDOCS, NULL, &img, err), TN_OK);
    seg_segment *imm;
    ck_assert_int_eq(seg_image_open(img, &imm, err), TN_OK);
    check_segment(imm, s);
    seg_segment_release(imm);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

START_TEST(doc_list_reads_default_column)
{
    char err[TN_ERRLEN];
    seg_schema *s;
    seg_mutable *m = build(&s);
    seg_field extra = {.name = "added", .type = SEG_INT, .role = SEG_DIMENSION,
                       .single_value = true,
                       .default_null = seg_default_null(SEG_INT, SEG_DIMENSION)};
    seg_schema *s2;
    ck_assert_int_eq(seg_schema_add_field(s, &extra, &s2, err), TN_OK);
    seg_col c;
    int fi = seg_schema_find(s2, "added");
    ck_assert_int_eq(seg_column_open(seg_mutable_base(m), NDOCS, &s2->fields[fi], &c, err),
                     TN_OK);
    ck_assert(c.is_default);
    uint32_t docs[3] = {0, 5, NDOCS - 1}, ids[3] = {9, 9, 9};
    c.ops->read_ids_at(&c, docs, 3, ids);
    for (int i = 0; i < 3; i++) {
        seg_value v;
        ck_assert_uint_eq(ids[i], 0);
        c.ops->dict_get(&c, ids[i], &v);
        ck_assert_int_eq(v.i, INT32_MIN);
    }
    seg_schema_free(s2);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

START_TEST(int_lookup_of_out_of_range_numbers)
{
    /* k holds values in [-500, 500): 2^32 + 1 must not wrap onto 1 */
    char err[TN_ERRLEN];
    seg_schema *s;
    seg_mutable *m = build(&s);
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), NDOCS, NULL, &img, err), TN_OK);
    seg_segment *imm;
    ck_assert_int_eq(seg_image_open(img, &imm, err), TN_OK);
    const seg_segment *segs[2] = {seg_mutable_base(m), imm};
    for (int i = 0; i < 2; i++) {
        seg_col k;
        ck_assert_int_eq(seg_column_open(segs[i], NDOCS, &s->fields[0], &k, err), TN_OK);
        ck_assert_int_ge(k.ops->dict_find(&k, (seg_value){.i = 1}), 0);
        ck_assert_int_eq(k.ops->dict_find(&k, (seg_value){.i = (1ll << 32) + 1}), -1);
        ck_assert_int_eq(k.ops->dict_find(&k, (seg_value){.i = -(1ll << 32) + 1}), -1);
    }
    seg_segment_release(imm);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

START_TEST(prefix_seal_end_offset)
{
    /* offsets were 0..NDOCS-1; a prefix cannot know where the next message
     * after it is unless told */
    char err[TN_ERRLEN];
    seg_schema *s;
    seg_mutable *m = build(&s);
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), NDOCS, NULL, &img, err), TN_OK);
    ck_assert_int_eq(img->meta.end_offset, NDOCS);
    seg_image_free(img);
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 100, NULL, &img, err), TN_OK);
    ck_assert_int_eq(img->meta.end_offset, -1);
    seg_image_free(img);
    seg_seal_opts o = {.set_end_offset = true, .end_offset = 100};
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 100, &o, &img, err), TN_OK);
    ck_assert_int_eq(img->meta.end_offset, 100);
    ck_assert_uint_eq(img->meta.ndocs, 100);
    seg_image_free(img);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("column");
    TCase *tc = tcase_create("doc lists");
    tcase_add_test(tc, doc_list_reads_mutable);
    tcase_add_test(tc, doc_list_reads_sealed);
    tcase_add_test(tc, doc_list_reads_default_column);
    tcase_add_test(tc, int_lookup_of_out_of_range_numbers);
    tcase_add_test(tc, prefix_seal_end_offset);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
