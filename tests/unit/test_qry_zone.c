/*
 * test_qry_zone.c: range predicates on a consuming segment's time column,
 * answered through its zone map (min/max per run of documents), against
 * counts from a plain loop over the same rows: windows on every edge,
 * out-of-order and NULL timestamps, runs wholly inside/outside/cut, the
 * incomplete last run, other predicates ANDed, and the same rows sealed
 * (no zone map) giving the same answers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "qry_reduce.h"
#include "seg_immutable.h"
#include "seg_mutable.h"

#define NROWS 30000 /* 7 complete runs of 4,096 documents and a partial one */
#define T0 1700000000000LL

static const char schema_json[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"k\",\"dataType\":\"INT\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

static int64_t TS[NROWS];
static bool ts_null[NROWS];
static int32_t K[NROWS];
static seg_schema *schema;
static seg_mutable *mut;
static seg_segment *sealed;

/* Mostly in time order, 10 ms apart; every 97th event arrives up to 30 s
 * late (out of order), every 9,973rd has no time (the default null). */
static void make_rows(void)
{
    uint64_t x = 7;
    for (int r = 0; r < NROWS; r++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        TS[r] = T0 + r * 10LL - (r % 97 == 0 ? (int64_t)((x >> 33) % 30000) : 0);
        ts_null[r] = r % 9973 == 5;
        K[r] = (int32_t)((x >> 40) % 10);
    }
}

static void setup(void)
{
    char err[TN_ERRLEN];
    make_rows();
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, err), 0);
    seg_mutable_opts mo = {.name = "ev__0__0", .table = "ev", .time_column = "ts"};
    ck_assert_int_eq(seg_mutable_create(schema, &mo, &mut, err), 0);
    seg_row row;
    seg_row_init(&row, schema);
    for (int r = 0; r < NROWS; r++) {
        seg_row_reset(&row);
        seg_row_set(&row, 0, (seg_value){.i = K[r]});
        if (!ts_null[r])
            seg_row_set(&row, 1, (seg_value){.i = TS[r]});
        ck_assert_int_eq(seg_mutable_append(mut, &row, r, err), 0);
    }
    seg_row_free(&row);
    seg_image *img;
    seg_seal_opts so = {0};
    ck_assert_int_eq(seg_seal(seg_mutable_base(mut), NROWS, &so, &img, err), 0);
    ck_assert_int_eq(seg_image_open(img, &sealed, err), 0);
}

static void teardown(void)
{
    seg_segment_release(sealed);
    seg_segment_release(seg_mutable_base(mut));
    seg_schema_free(schema);
}

static int64_t value_of(int r)
{
    return ts_null[r] ? schema->fields[1].default_null.i : TS[r];
}

/* COUNT(*) over one segment; *entries gets numEntriesScannedInFilter. */
static int64_t count(seg_segment *seg, const char *where, uint64_t *entries)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM ev WHERE %s", where);
    qry_query *q;
    qry_err e = {0};
    ck_assert_msg(qry_compile(sql, QRY_HTTP, NULL, schema, &q, &e) == 0, "%s", e.msg);
    qry_partial p;
    qry_exec_opts o = {.threads = 1};
    ck_assert_msg(qry_execute(q, &seg, 1, &o, &p, &e) == 0, "%s", e.msg);
    qry_result res = {0};
    ck_assert_msg(qry_reduce(q, &p, &res, &e) == 0, "%s", e.msg);
    int64_t n = res.cells[0].i;
    if (entries)
        *entries = res.stats.entries_in_filter;
    qry_result_free(&res);
    qry_partial_free(q, &p);
    qry_query_free(q);
    return n;
}

typedef struct window {
    const char *op;  /* ">=", ">", "<", "<=", "=", "between" */
    int64_t a, b;
} window;

static bool holds(const window *w, int64_t v)
{
    if (!strcmp(w->op, ">="))
        return v >= w->a;
    if (!strcmp(w->op, ">"))
        return v > w->a;
    if (!strcmp(w->op, "<"))
        return v < w->a;
    if (!strcmp(w->op, "<="))
        return v <= w->a;
    if (!strcmp(w->op, "="))
        return v == w->a;
    return v >= w->a && v <= w->b;
}

static void where_of(const window *w, char *buf, size_t cap)
{
    if (!strcmp(w->op, "between"))
        snprintf(buf, cap, "ts BETWEEN %lld AND %lld", (long long)w->a, (long long)w->b);
    else
        snprintf(buf, cap, "ts %s %lld", w->op, (long long)w->a);
}

START_TEST(windows_match_plain_loops)
{
    /* edges at run boundaries (run z starts at doc z * 4096, ts T0 +
     * 40,960 z), inside runs, before and after everything */
    const int64_t run = 4096 * 10LL;
    const window ws[] = {
        {">=", T0 + 3 * run, 0},           {">=", T0 + 3 * run + 5, 0},
        {">", T0 + 250000, 0},             {"<", T0 + 2 * run, 0},
        {"<=", T0 + 100000, 0},            {"=", T0 + 200000, 0},
        {"between", T0 + 50000, T0 + 180000}, {"between", T0 + run, T0 + 5 * run - 1},
        {">=", T0 - 1, 0},                 {">=", T0 + NROWS * 10LL, 0},
        {"<", T0, 0},                      {">=", T0 + (NROWS - 100) * 10LL, 0},
    };
    for (size_t i = 0; i < sizeof ws / sizeof *ws; i++) {
        char where[128];
        where_of(&ws[i], where, sizeof where);
        int64_t want = 0;
        for (int r = 0; r < NROWS; r++)
            want += holds(&ws[i], value_of(r));
        int64_t got = count(seg_mutable_base(mut), where, NULL);
        ck_assert_msg(got == want, "consuming, %s: %lld, want %lld", where, (long long)got,
                      (long long)want);
        got = count(sealed, where, NULL);
        ck_assert_msg(got == want, "sealed, %s: %lld, want %lld", where, (long long)got,
                      (long long)want);
    }
}
END_TEST

/* The zone map is what answers: a window starting in the middle of the
 * segment tests only the runs it cuts (those holding late events and the
 * edge) and the incomplete last run, not all 30,000 documents. */
START_TEST(zones_skip_whole_runs)
{
    uint64_t entries;
    int64_t want = 0;
    window w = {">=", T0 + 150000, 0};
    for (int r = 0; r < NROWS; r++)
        want += holds(&w, value_of(r));
    ck_assert_int_eq(count(seg_mutable_base(mut), "ts >= 1700000150000", &entries), want);
    ck_assert_msg(entries < NROWS / 2, "%llu entries scanned", (unsigned long long)entries);
    ck_assert_uint_gt(entries, 0);
}
END_TEST

START_TEST(zones_with_other_predicates)
{
    int64_t want = 0;
    for (int r = 0; r < NROWS; r++)
        want += value_of(r) >= T0 + 100000 && value_of(r) < T0 + 220000 && K[r] == 3;
    const char *w = "ts >= 1700000100000 AND k = 3 AND ts < 1700000220000";
    ck_assert_int_eq(count(seg_mutable_base(mut), w, NULL), want);
    ck_assert_int_eq(count(sealed, w, NULL), want);
    want = 0;
    for (int r = 0; r < NROWS; r++)
        want += !(value_of(r) >= T0 + 100000) || K[r] == 3;
    w = "NOT ts >= 1700000100000 OR k = 3";
    ck_assert_int_eq(count(seg_mutable_base(mut), w, NULL), want);
    ck_assert_int_eq(count(sealed, w, NULL), want);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("qry_zone");
    TCase *tc = tcase_create("zone");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, windows_match_plain_loops);
    tcase_add_test(tc, zones_skip_whole_runs);
    tcase_add_test(tc, zones_with_other_predicates);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
