/*
 * test_row.c: rows and their decoding from JSON: every conversion, nulls,
 * multi-value columns, errors, buffer reuse, and the airlineStats data.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seg_row.h"

#define AIRLINE_DIR TN_SHARED_DIR "/data/airlineStats/"

static const char *test_schema_json =
    "{\"schemaName\":\"rows\",\"dimensionFieldSpecs\":["
    "{\"name\":\"i\",\"dataType\":\"INT\"},"
    "{\"name\":\"l\",\"dataType\":\"LONG\"},"
    "{\"name\":\"f\",\"dataType\":\"FLOAT\"},"
    "{\"name\":\"d\",\"dataType\":\"DOUBLE\"},"
    "{\"name\":\"b\",\"dataType\":\"BOOLEAN\"},"
    "{\"name\":\"s\",\"dataType\":\"STRING\"},"
    "{\"name\":\"y\",\"dataType\":\"BYTES\"},"
    "{\"name\":\"j\",\"dataType\":\"JSON\"},"
    "{\"name\":\"mi\",\"dataType\":\"INT\",\"singleValueField\":false},"
    "{\"name\":\"ml\",\"dataType\":\"LONG\",\"singleValueField\":false},"
    "{\"name\":\"md\",\"dataType\":\"DOUBLE\",\"singleValueField\":false},"
    "{\"name\":\"ms\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"my\",\"dataType\":\"BYTES\",\"singleValueField\":false},"
    "{\"name\":\"CamelCase\",\"dataType\":\"INT\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:TIMESTAMP\",\"granularity\":\"1:SECONDS\"}]}";

static seg_schema *schema;
static seg_row row;
static char err[TN_ERRLEN];

static void setup(void)
{
    char why[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_parse(test_schema_json, strlen(test_schema_json),
                                      &schema, why),
                     TN_OK);
    seg_row_init(&row, schema);
}

static void teardown(void)
{
    seg_row_free(&row);
    seg_schema_free(schema);
}

static int parse(const char *json)
{
    err[0] = '\0';
    return seg_row_parse_json(&row, json, strlen(json), err);
}

static void parse_ok(const char *json)
{
    int rc = parse(json);
    ck_assert_msg(rc == TN_OK, "parse of %s failed: %s", json, err);
}

/* Decoding json must fail with TN_EINVAL, a message containing want, and
 * leave the row reset. */
static void parse_fails(const char *json, const char *want)
{
    ck_assert_int_eq(parse(json), TN_EINVAL);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
    for (uint32_t i = 0; i < row.ncells; i++)
        ck_assert(row.cells[i].is_null && row.cells[i].nvals == 0);
    ck_assert_ptr_null(row.json);
}

static const seg_cell *cell(const char *name)
{
    int i = seg_schema_find(schema, name);
    ck_assert_msg(i >= 0, "no column %s", name);
    return &row.cells[i];
}

static int64_t ival(const char *name)
{
    const seg_cell *c = cell(name);
    ck_assert_msg(!c->is_null, "%s is null", name);
    return c->v.i;
}

static double dval(const char *name)
{
    const seg_cell *c = cell(name);
    ck_assert_msg(!c->is_null, "%s is null", name);
    return c->v.d;
}

static bool str_is(seg_value v, const char *want)
{
    return v.s.len == strlen(want) && memcmp(v.s.p, want, v.s.len) == 0;
}

static void assert_str(const char *name, const char *want)
{
    const seg_cell *c = cell(name);
    ck_assert_msg(!c->is_null, "%s is null", name);
    ck_assert_msg(str_is(c->v, want), "%s is '%.*s', want '%s'", name,
                  (int)c->v.s.len, c->v.s.p, want);
}

START_TEST(integers)
{
    parse_ok("{\"i\":42,\"l\":-9223372036854775808,\"m\":7}");
    ck_assert_int_eq(ival("i"), 42);
    ck_assert_int_eq(ival("l"), INT64_MIN);
    ck_assert_int_eq(ival("m"), 7);
    parse_ok("{\"i\":\"42\",\"l\":\" 9223372036854775807 \"}");
    ck_assert_int_eq(ival("i"), 42);
    ck_assert_int_eq(ival("l"), INT64_MAX);
    parse_ok("{\"i\":\" -42 \",\"l\":9223372036854775807}");
    ck_assert_int_eq(ival("i"), -42);
    ck_assert_int_eq(ival("l"), INT64_MAX);
    parse_ok("{\"i\":true,\"l\":false}");
    ck_assert_int_eq(ival("i"), 1);
    ck_assert_int_eq(ival("l"), 0);
    /* fractions truncate toward zero, as Java's intValue does */
    parse_ok("{\"i\":-7.9,\"l\":2.5}");
    ck_assert_int_eq(ival("i"), -7);
    ck_assert_int_eq(ival("l"), 2);
    parse_ok("{\"i\":-2147483648,\"CamelCase\":2147483647}");
    ck_assert_int_eq(ival("i"), INT32_MIN);
    ck_assert_int_eq(ival("CamelCase"), INT32_MAX);

    parse_fails("{\"i\":3000000000}", "column 'i': value 3000000000 out of range for INT");
    parse_fails("{\"i\":-2147483649}", "out of range for INT");
    parse_fails("{\"l\":1e19}", "column 'l': value 1e+19 out of range for LONG");
    parse_fails("{\"i\":\"3000000000\"}", "column 'i': expected INT, got \"3000000000\"");
    parse_fails("{\"i\":{\"a\":1}}", "column 'i': expected INT, got {\"a\":1}");
    parse_fails("{\"i\":\"abc\"}", "column 'i': expected INT, got \"abc\"");
    parse_fails("{\"i\":\"4.5\"}", "expected INT");
    parse_fails("{\"i\":[1]}", "column 'i' is single-value but got an array");
}
END_TEST

START_TEST(floats)
{
    parse_ok("{\"f\":1.5,\"d\":0.1}");
    ck_assert(dval("f") == 1.5);
    ck_assert(dval("d") == 0.1);
    parse_ok("{\"f\":0.1,\"d\":\" 2.5e3 \"}");
    ck_assert(dval("f") == (double)0.1f);
    ck_assert(dval("d") == 2500);
    parse_ok("{\"f\":\"NaN\",\"d\":\"-Infinity\"}");
    ck_assert(isnan(dval("f")));
    ck_assert(isinf(dval("d")) && dval("d") < 0);
    parse_ok("{\"f\":\"Infinity\",\"d\":7}");
    ck_assert(isinf(dval("f")) && dval("f") > 0);
    ck_assert(dval("d") == 7.0);
    parse_fails("{\"d\":\"1.2.3\"}", "column 'd': expected DOUBLE, got \"1.2.3\"");
    parse_fails("{\"f\":[]}", "single-value but got an array");
}
END_TEST

START_TEST(booleans)
{
    static const struct {
        const char *json;
        int64_t want;
    } cases[] = {
        {"{\"b\":true}", 1},   {"{\"b\":false}", 0},     {"{\"b\":1}", 1},
        {"{\"b\":0}", 0},      {"{\"b\":\"TRUE\"}", 1},  {"{\"b\":\"false\"}", 0},
        {"{\"b\":\"1\"}", 1},  {"{\"b\":\"0\"}", 0},     {"{\"b\":\"True\"}", 1},
    };
    for (size_t k = 0; k < TN_ARRAY_LEN(cases); k++) {
        parse_ok(cases[k].json);
        ck_assert_int_eq(ival("b"), cases[k].want);
    }
    parse_fails("{\"b\":2}", "column 'b': expected BOOLEAN, got 2");
    parse_fails("{\"b\":\"yes\"}", "expected BOOLEAN");
}
END_TEST

START_TEST(timestamps)
{
    static const struct {
        const char *json;
        int64_t want;
    } cases[] = {
        {"{\"ts\":1388534400000}", INT64_C(1388534400000)},
        {"{\"ts\":\"1388534400000\"}", INT64_C(1388534400000)},
        {"{\"ts\":\"2014-01-01T00:00:00Z\"}", INT64_C(1388534400000)},
        {"{\"ts\":\"2014-01-01 00:00:00\"}", INT64_C(1388534400000)},
        {"{\"ts\":\"2014-01-01 00:00:00.123\"}", INT64_C(1388534400123)},
        {"{\"ts\":\"2014-01-01T00:00:00.5\"}", INT64_C(1388534400500)},
        {"{\"ts\":\"2014-01-01T02:00:00+02:00\"}", INT64_C(1388534400000)},
        {"{\"ts\":0}", 0},
    };
    for (size_t k = 0; k < TN_ARRAY_LEN(cases); k++) {
        parse_ok(cases[k].json);
        ck_assert_int_eq(ival("ts"), cases[k].want);
    }
    parse_fails("{\"ts\":\"yesterday\"}", "column 'ts': expected TIMESTAMP, got \"yesterday\"");
    parse_fails("{\"ts\":\"2014-13-01 00:00:00\"}", "expected TIMESTAMP");
    parse_fails("{\"ts\":true}", "expected TIMESTAMP");
}
END_TEST

START_TEST(strings)
{
    const char *json = "{\"s\":\"AA\",\"j\":{\"k\":[1,2.5,\"x\"],\"n\":null}}";
    parse_ok(json);
    assert_str("s", "AA");
    assert_str("j", "{\"k\":[1,2.5,\"x\"],\"n\":null}");
    /* a string value points into the parsed tree, not the caller's text */
    ck_assert(cell("s")->v.s.p < json || cell("s")->v.s.p > json + strlen(json));
    parse_ok("{\"s\":2475}");
    assert_str("s", "2475");
    parse_ok("{\"s\":-3,\"j\":[1,\"a\"]}");
    assert_str("s", "-3");
    assert_str("j", "[1,\"a\"]");
    parse_ok("{\"s\":1.5}");
    assert_str("s", "1.5");
    parse_ok("{\"s\":0.1}");
    assert_str("s", "0.1");
    parse_ok("{\"s\":true,\"j\":false}");
    assert_str("s", "true");
    assert_str("j", "false");
    parse_ok("{\"s\":\"\"}");
    assert_str("s", "");
    parse_ok("{\"s\":\"caf\\u00e9 \\\"q\\\"\"}");
    assert_str("s", "caf\xc3\xa9 \"q\"");
}
END_TEST

START_TEST(bytes)
{
    parse_ok("{\"y\":\"00fFa0\",\"my\":[\"01\",\"\",\"abcd\"]}");
    const seg_cell *c = cell("y");
    ck_assert(!c->is_null);
    ck_assert_uint_eq(c->v.s.len, 3);
    ck_assert(memcmp(c->v.s.p, "\x00\xff\xa0", 3) == 0);
    c = cell("my");
    ck_assert_uint_eq(c->nvals, 3);
    ck_assert(str_is(c->mv[0], "\x01"));
    ck_assert_uint_eq(c->mv[1].s.len, 0);
    ck_assert(str_is(c->mv[2], "\xab\xcd"));
    parse_ok("{\"y\":\"\"}");
    ck_assert(!cell("y")->is_null);
    ck_assert_uint_eq(cell("y")->v.s.len, 0);
    parse_fails("{\"y\":\"abc\"}", "column 'y': expected BYTES, got \"abc\"");
    parse_fails("{\"y\":\"zz\"}", "expected BYTES");
    parse_fails("{\"y\":12}", "column 'y': expected BYTES, got 12");
}
END_TEST

START_TEST(nulls)
{
    parse_ok("{\"i\":null,\"s\":null,\"mi\":null,\"unknown\":5}");
    for (uint32_t k = 0; k < row.ncells; k++) {
        ck_assert(row.cells[k].is_null);
        ck_assert_uint_eq(row.cells[k].nvals, 0);
    }
    /* null cells carry the column's default */
    ck_assert_int_eq(cell("i")->v.i, INT32_MIN);
    ck_assert_int_eq(cell("m")->v.i, 0);
    ck_assert(str_is(cell("s")->v, "null"));
    ck_assert(isinf(cell("d")->v.d));
    parse_ok("{}");
    ck_assert(cell("i")->is_null);
    parse_ok("  {\"i\":1}\n");
    ck_assert_int_eq(ival("i"), 1);
    ck_assert(cell("l")->is_null);
}
END_TEST

START_TEST(multi_values)
{
    parse_ok("{\"mi\":[1,2,3],\"ml\":[\"-9223372036854775808\",5],\"md\":[1.5,\"NaN\"],"
             "\"ms\":[\"a\",1,true,{\"x\":1},[2]]}");
    const seg_cell *c = cell("mi");
    ck_assert(!c->is_null);
    ck_assert_uint_eq(c->nvals, 3);
    ck_assert(c->mv[0].i == 1 && c->mv[1].i == 2 && c->mv[2].i == 3);
    c = cell("ml");
    ck_assert_uint_eq(c->nvals, 2);
    ck_assert(c->mv[0].i == INT64_MIN && c->mv[1].i == 5);
    c = cell("md");
    ck_assert(c->mv[0].d == 1.5 && isnan(c->mv[1].d));
    c = cell("ms");
    ck_assert_uint_eq(c->nvals, 5);
    ck_assert(str_is(c->mv[0], "a"));
    ck_assert(str_is(c->mv[1], "1"));
    ck_assert(str_is(c->mv[2], "true"));
    ck_assert(str_is(c->mv[3], "{\"x\":1}"));
    ck_assert(str_is(c->mv[4], "[2]"));

    parse_ok("{\"mi\":5,\"ms\":\"solo\"}");
    ck_assert_uint_eq(cell("mi")->nvals, 1);
    ck_assert_int_eq(cell("mi")->mv[0].i, 5);
    ck_assert_uint_eq(cell("ms")->nvals, 1);
    ck_assert(str_is(cell("ms")->mv[0], "solo"));

    parse_ok("{\"mi\":[],\"ms\":[null,null],\"ml\":[1,null,2]}");
    ck_assert(cell("mi")->is_null && cell("mi")->nvals == 0);
    ck_assert(cell("ms")->is_null && cell("ms")->nvals == 0);
    ck_assert_uint_eq(cell("ml")->nvals, 2);
    ck_assert(cell("ml")->mv[0].i == 1 && cell("ml")->mv[1].i == 2);

    parse_fails("{\"mi\":[1,\"x\"]}", "column 'mi': expected INT, got \"x\"");
    parse_fails("{\"mi\":[[1]]}", "column 'mi': nested array");
    parse_fails("{\"mi\":[1,5000000000]}", "value 5000000000 out of range for INT");
}
END_TEST

START_TEST(malformed)
{
    parse_ok("{\"i\":1}");
    /* cJSON reports the byte just past the offending one */
    parse_fails("{\"i\":1,,}", "malformed JSON at byte 8");
    parse_fails("{\"i\":", "malformed JSON at byte");
    parse_fails("[{\"i\":1}]", "expected a JSON object, got array");
    parse_fails("42", "expected a JSON object, got number");
    parse_fails("", "empty");
    parse_fails("{\"i\":1} x", "after JSON value at byte 8");
    /* the row decodes normally after errors */
    parse_ok("{\"i\":2}");
    ck_assert_int_eq(ival("i"), 2);
}
END_TEST

START_TEST(case_insensitive_keys)
{
    parse_ok("{\"I\":5,\"camelcase\":6,\"S\":\"x\"}");
    ck_assert_int_eq(ival("i"), 5);
    ck_assert_int_eq(ival("CamelCase"), 6);
    assert_str("s", "x");
    /* an exact key wins over a case-insensitive one, in either order */
    parse_ok("{\"I\":5,\"i\":6}");
    ck_assert_int_eq(ival("i"), 6);
    parse_ok("{\"i\":6,\"I\":5}");
    ck_assert_int_eq(ival("i"), 6);
    parse_ok("{\"CAMELCASE\":1,\"CamelCase\":2,\"camelCase\":3}");
    ck_assert_int_eq(ival("CamelCase"), 2);
}
END_TEST

/* Many decodes through one row, with string and list sizes that force the
 * row's buffers to grow mid-row: every value must stay readable. */
START_TEST(reuse)
{
    char *json = malloc(64 * 1024);
    for (int n = 0; n < 3000; n++) {
        int k = n % 300;
        size_t len = (size_t)sprintf(json, "{\"i\":%d,\"s\":%d,\"ms\":[", n, n);
        for (int e = 0; e < k; e++)
            len += (size_t)sprintf(json + len, "%s%d", e ? "," : "", e * 1000 + n);
        len += (size_t)sprintf(json + len, "],\"mi\":[");
        for (int e = 0; e < k; e++)
            len += (size_t)sprintf(json + len, "%s%d", e ? "," : "", e);
        len += (size_t)sprintf(json + len, "],\"y\":\"%0*d\",\"j\":{\"n\":%d}}",
                               2 * (k + 1), 7, n);
        ck_assert_int_eq(seg_row_parse_json(&row, json, len, err), TN_OK);
        char want[64];
        sprintf(want, "%d", n);
        assert_str("s", want);
        ck_assert_int_eq(ival("i"), n);
        const seg_cell *ms = cell("ms"), *mi = cell("mi");
        ck_assert_uint_eq(ms->nvals, (uint32_t)k);
        ck_assert_uint_eq(mi->nvals, (uint32_t)k);
        for (int e = 0; e < k; e++) {
            sprintf(want, "%d", e * 1000 + n);
            ck_assert(str_is(ms->mv[e], want));
            ck_assert_int_eq(mi->mv[e].i, e);
        }
        ck_assert_uint_eq(cell("y")->v.s.len, (uint32_t)(k + 1));
        ck_assert_uint_eq((uint8_t)cell("y")->v.s.p[k], 7);
        sprintf(want, "{\"n\":%d}", n);
        assert_str("j", want);
        if (n % 7 == 0)
            ck_assert_int_eq(parse("{\"i\":\"bad\",\"ms\":[1,2]}"), TN_EINVAL);
    }
    free(json);
}
END_TEST

static seg_value iv(int64_t i) { return (seg_value){.i = i}; }

START_TEST(set_values)
{
    int fi = seg_schema_find(schema, "i"), fs = seg_schema_find(schema, "s");
    int fmi = seg_schema_find(schema, "mi"), fml = seg_schema_find(schema, "ml");
    seg_row_set(&row, (uint32_t)fi, iv(9));
    ck_assert_int_eq(ival("i"), 9);
    seg_value s;
    memset(&s, 0, sizeof s);
    s.s.p = "held";
    s.s.len = 4;
    seg_row_set(&row, (uint32_t)fs, s);
    ck_assert_ptr_eq(cell("s")->v.s.p, s.s.p); /* not copied */

    /* a scalar for a multi-value column is a one-value list */
    seg_row_set(&row, (uint32_t)fmi, iv(4));
    ck_assert_uint_eq(cell("mi")->nvals, 1);
    ck_assert_int_eq(cell("mi")->mv[0].i, 4);

    /* growing the pool must keep earlier lists valid */
    seg_value vals[1000];
    for (int k = 0; k < 1000; k++)
        vals[k] = iv(k);
    seg_row_set_mv(&row, (uint32_t)fml, vals, 1000);
    vals[0] = iv(-1); /* copied, so this does not show */
    ck_assert_int_eq(cell("mi")->mv[0].i, 4);
    ck_assert_uint_eq(cell("ml")->nvals, 1000);
    ck_assert_int_eq(cell("ml")->mv[0].i, 0);
    ck_assert_int_eq(cell("ml")->mv[999].i, 999);
    /* values taken from another cell of the same row survive a move */
    seg_row_set_mv(&row, (uint32_t)fmi, cell("ml")->mv, 1000);
    seg_row_set_mv(&row, (uint32_t)fmi, cell("ml")->mv + 500, 500);
    ck_assert_uint_eq(cell("mi")->nvals, 500);
    ck_assert_int_eq(cell("mi")->mv[0].i, 500);
    ck_assert_int_eq(cell("mi")->mv[499].i, 999);

    seg_row_set_mv(&row, (uint32_t)fml, vals, 0);
    ck_assert(cell("ml")->is_null);
    seg_row_reset(&row);
    ck_assert(cell("i")->is_null && cell("mi")->is_null);
    ck_assert_int_eq(cell("i")->v.i, INT32_MIN);
}
END_TEST

/* The decoder must not read past len: rows sit in exact-size blocks with
 * no terminating NUL, as lines of a file buffer would. */
START_TEST(unterminated_input)
{
    const char *text = "{\"i\":12,\"s\":\"abc\",\"ms\":[\"x\",\"y\"],\"ts\":\"2014-01-01\"}";
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        char *buf = malloc(cut ? cut : 1);
        memcpy(buf, text, cut);
        int rc = seg_row_parse_json(&row, buf, cut, err);
        ck_assert_int_eq(rc, cut == len ? TN_OK : TN_EINVAL);
        free(buf);
    }
    ck_assert_int_eq(ival("i"), 12);
    assert_str("s", "abc");
    ck_assert_int_eq(ival("ts"), INT64_C(1388534400000));
}
END_TEST

static void check_first_airline_row(const seg_schema *s, const seg_row *r)
{
    const seg_cell *c = &r->cells[seg_schema_find(s, "Carrier")];
    ck_assert(str_is(c->v, "AA"));
    c = &r->cells[seg_schema_find(s, "Origin")];
    ck_assert(str_is(c->v, "JFK"));
    c = &r->cells[seg_schema_find(s, "Distance")];
    ck_assert_int_eq(c->v.i, 2475);
    c = &r->cells[seg_schema_find(s, "DivAirports")];
    ck_assert(!c->is_null);
    ck_assert_uint_eq(c->nvals, 1);
    ck_assert(str_is(c->mv[0], "null"));
    c = &r->cells[seg_schema_find(s, "DivTotalGTimes")];
    ck_assert_uint_eq(c->nvals, 1);
    ck_assert_int_eq(c->mv[0].i, INT64_MIN);
    c = &r->cells[seg_schema_find(s, "RandomAirports")];
    ck_assert_uint_eq(c->nvals, 32);
    ck_assert(str_is(c->mv[31], "ISN"));
    c = &r->cells[seg_schema_find(s, "ts")];
    ck_assert_int_eq(c->v.i, INT64_C(1388534400000));
    c = &r->cells[seg_schema_find(s, "DaysSinceEpoch")];
    ck_assert_int_eq(c->v.i, 16071);
}

START_TEST(airline_rows)
{
    const char *schema_path = AIRLINE_DIR "airlineStats_schema.json";
    const char *data_path = AIRLINE_DIR "airlineStats.jsonl";
    if (access(schema_path, R_OK) != 0 || access(data_path, R_OK) != 0) {
        printf("SKIP airline_rows: %s not found\n", data_path);
        return;
    }
    seg_schema *s;
    ck_assert_int_eq(seg_schema_load_file(schema_path, &s, err), TN_OK);
    char *text;
    size_t len;
    ck_assert_int_eq(tn_read_file(data_path, &text, &len, err), TN_OK);
    seg_row r;
    seg_row_init(&r, s);
    size_t lines = 0;
    for (char *p = text, *end = text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n) {
            int rc = seg_row_parse_json(&r, p, n, err);
            ck_assert_msg(rc == TN_OK, "line %zu: %s", lines + 1, err);
            if (lines == 0)
                check_first_airline_row(s, &r);
            lines++;
        }
        p += n + 1;
    }
    ck_assert_uint_eq(lines, 9746);
    seg_row_free(&r);
    free(text);
    seg_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("row");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, floats);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, timestamps);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, bytes);
    tcase_add_test(tc, nulls);
    tcase_add_test(tc, multi_values);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, case_insensitive_keys);
    tcase_add_test(tc, reuse);
    tcase_add_test(tc, set_values);
    tcase_add_test(tc, unterminated_input);
    tcase_add_test(tc, airline_rows);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
