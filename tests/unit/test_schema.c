/*
 * test_schema.c: Pinot schema JSON parsing, defaults, datetime formats,
 * rendering, schema evolution, value comparison and text conversion.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seg_schema.h"

#define AIRLINE_SCHEMA TN_SHARED_DIR "/data/airlineStats/airlineStats_schema.json"

static seg_schema *parse_ok(const char *json)
{
    seg_schema *s = NULL;
    char err[TN_ERRLEN] = "";
    int rc = seg_schema_parse(json, strlen(json), &s, err);
    ck_assert_msg(rc == TN_OK, "parse failed: %s", err);
    return s;
}

/* Parsing json must fail with TN_EINVAL and a message containing want. */
static void parse_fails(const char *json, const char *want)
{
    seg_schema *s = NULL;
    char err[TN_ERRLEN] = "";
    int rc = seg_schema_parse(json, strlen(json), &s, err);
    ck_assert_int_eq(rc, TN_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

static const seg_field *field(const seg_schema *s, const char *name)
{
    int i = seg_schema_find(s, name);
    ck_assert_msg(i >= 0, "no field %s", name);
    return &s->fields[i];
}

static bool str_eq_null(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void assert_schemas_equal(const seg_schema *a, const seg_schema *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert_uint_eq(a->nfields, b->nfields);
    for (uint32_t i = 0; i < a->nfields; i++) {
        const seg_field *x = &a->fields[i], *y = &b->fields[i];
        ck_assert_str_eq(x->name, y->name);
        ck_assert_int_eq(x->type, y->type);
        ck_assert_int_eq(x->role, y->role);
        ck_assert_int_eq(x->single_value, y->single_value);
        ck_assert_msg(seg_value_cmp(x->type, x->default_null, y->default_null) == 0,
                      "default of %s differs", x->name);
        ck_assert(str_eq_null(x->format, y->format));
        ck_assert(str_eq_null(x->granularity, y->granularity));
        ck_assert_int_eq(x->time.unit_ms, y->time.unit_ms);
        ck_assert(str_eq_null(x->time.pattern, y->time.pattern));
    }
}

static void assert_round_trip(const seg_schema *s)
{
    char *json = seg_schema_to_json(s);
    seg_schema *back = parse_ok(json);
    assert_schemas_equal(s, back);
    seg_schema_free(back);
    free(json);
}

START_TEST(airline_schema)
{
    if (access(AIRLINE_SCHEMA, R_OK) != 0) {
        printf("SKIP airline_schema: %s not found\n", AIRLINE_SCHEMA);
        return;
    }
    seg_schema *s = NULL;
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_load_file(AIRLINE_SCHEMA, &s, err), TN_OK);
    ck_assert_str_eq(s->name, "airlineStats");
    ck_assert_uint_eq(s->nfields, 81);

    const seg_field *f = field(s, "Carrier");
    ck_assert_int_eq(f->type, SEG_STRING);
    ck_assert_int_eq(f->role, SEG_DIMENSION);
    ck_assert(f->single_value);
    ck_assert_uint_eq(f->default_null.s.len, 4);
    ck_assert(memcmp(f->default_null.s.p, "null", 4) == 0);

    f = field(s, "ArrDelay");
    ck_assert_int_eq(f->type, SEG_INT);
    ck_assert_int_eq(f->default_null.i, INT32_MIN);

    f = field(s, "DivAirports");
    ck_assert_int_eq(f->type, SEG_STRING);
    ck_assert(!f->single_value);

    f = field(s, "DivTotalGTimes");
    ck_assert_int_eq(f->type, SEG_LONG);
    ck_assert_int_eq(f->default_null.i, INT64_MIN);

    f = field(s, "DaysSinceEpoch");
    ck_assert_int_eq(f->role, SEG_DATETIME);
    ck_assert_int_eq(f->type, SEG_INT);
    ck_assert_int_eq(f->time.unit_ms, 86400000);
    ck_assert_str_eq(f->granularity, "1:DAYS");
    int64_t ms;
    ck_assert(seg_field_time_ms(f, (seg_value){.i = 16071}, &ms));
    ck_assert_int_eq(ms, INT64_C(1388534400000));

    f = field(s, "ts");
    ck_assert_int_eq(f->type, SEG_TIMESTAMP);
    ck_assert_int_eq(f->time.unit_ms, 1);
    ck_assert_int_eq(f->default_null.i, 0);

    ck_assert_int_eq(seg_schema_find(s, "carrier"), seg_schema_find(s, "Carrier"));
    ck_assert_int_eq(seg_schema_find(s, "NoSuchColumn"), -1);
    assert_round_trip(s);
    seg_schema_free(s);
}
END_TEST

START_TEST(default_overrides)
{
    seg_schema *s = parse_ok(
        "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":["
        "{\"name\":\"i\",\"dataType\":\"INT\",\"defaultNullValue\":-1},"
        "{\"name\":\"is\",\"dataType\":\"INT\",\"defaultNullValue\":\" 7 \"},"
        "{\"name\":\"l\",\"dataType\":\"LONG\",\"defaultNullValue\":\"9223372036854775807\"},"
        "{\"name\":\"f\",\"dataType\":\"FLOAT\",\"defaultNullValue\":1.5},"
        "{\"name\":\"dn\",\"dataType\":\"DOUBLE\",\"defaultNullValue\":\"NaN\"},"
        "{\"name\":\"b1\",\"dataType\":\"BOOLEAN\",\"defaultNullValue\":true},"
        "{\"name\":\"b2\",\"dataType\":\"BOOLEAN\",\"defaultNullValue\":\"TRUE\"},"
        "{\"name\":\"b3\",\"dataType\":\"BOOLEAN\",\"defaultNullValue\":1},"
        "{\"name\":\"b4\",\"dataType\":\"BOOLEAN\",\"defaultNullValue\":\"0\"},"
        "{\"name\":\"t\",\"dataType\":\"TIMESTAMP\",\"defaultNullValue\":\"2014-01-01T00:00:00Z\"},"
        "{\"name\":\"s\",\"dataType\":\"STRING\",\"defaultNullValue\":\"none\"},"
        "{\"name\":\"y\",\"dataType\":\"BYTES\",\"defaultNullValue\":\"00fF10\"},"
        "{\"name\":\"j\",\"dataType\":\"JSON\"},"
        "{\"name\":\"bd\",\"dataType\":\"BIG_DECIMAL\"}]}");
    ck_assert_int_eq(field(s, "i")->default_null.i, -1);
    ck_assert_int_eq(field(s, "is")->default_null.i, 7);
    ck_assert_int_eq(field(s, "l")->default_null.i, INT64_MAX);
    ck_assert(field(s, "f")->default_null.d == 1.5);
    ck_assert(isnan(field(s, "dn")->default_null.d));
    ck_assert_int_eq(field(s, "b1")->default_null.i, 1);
    ck_assert_int_eq(field(s, "b2")->default_null.i, 1);
    ck_assert_int_eq(field(s, "b3")->default_null.i, 1);
    ck_assert_int_eq(field(s, "b4")->default_null.i, 0);
    ck_assert_int_eq(field(s, "t")->default_null.i, INT64_C(1388534400000));
    const seg_field *f = field(s, "s");
    ck_assert_uint_eq(f->default_null.s.len, 4);
    ck_assert_str_eq(f->default_null.s.p, "none"); /* owned and terminated */
    f = field(s, "y");
    ck_assert_uint_eq(f->default_null.s.len, 3);
    ck_assert(memcmp(f->default_null.s.p, "\x00\xff\x10", 3) == 0);
    f = field(s, "j");
    ck_assert_int_eq(f->type, SEG_STRING);
    ck_assert_str_eq(f->default_null.s.p, "null");
    f = field(s, "bd");
    ck_assert_int_eq(f->type, SEG_DOUBLE);
    ck_assert(isinf(f->default_null.d) && f->default_null.d < 0);
    assert_round_trip(s);
    seg_schema_free(s);
}
END_TEST

START_TEST(metric_defaults)
{
    seg_schema *s = parse_ok(
        "{\"schemaName\":\"m\",\"metricFieldSpecs\":["
        "{\"name\":\"a\",\"dataType\":\"INT\"},"
        "{\"name\":\"b\",\"dataType\":\"LONG\"},"
        "{\"name\":\"c\",\"dataType\":\"FLOAT\"},"
        "{\"name\":\"d\",\"dataType\":\"DOUBLE\",\"singleValueField\":true},"
        "{\"name\":\"e\",\"dataType\":\"DOUBLE\",\"defaultNullValue\":-2.25}]}");
    ck_assert_uint_eq(s->nfields, 5);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(s->fields[i].role, SEG_METRIC);
    ck_assert_int_eq(field(s, "a")->default_null.i, 0);
    ck_assert_int_eq(field(s, "b")->default_null.i, 0);
    ck_assert(field(s, "c")->default_null.d == 0.0);
    ck_assert(field(s, "d")->default_null.d == 0.0);
    ck_assert(field(s, "e")->default_null.d == -2.25);
    seg_value v = seg_default_null(SEG_STRING, SEG_METRIC);
    ck_assert_uint_eq(v.s.len, 4);
    ck_assert(memcmp(v.s.p, "null", 4) == 0);
    ck_assert_uint_eq(seg_default_null(SEG_BYTES, SEG_DIMENSION).s.len, 0);
    ck_assert_int_eq(seg_default_null(SEG_BOOLEAN, SEG_DIMENSION).i, 0);
    ck_assert_int_eq(seg_default_null(SEG_TIMESTAMP, SEG_DATETIME).i, 0);
    ck_assert_int_eq(seg_default_null(SEG_LONG, SEG_DATETIME).i, INT64_MIN);
    assert_round_trip(s);
    seg_schema_free(s);
}
END_TEST

static int64_t unit_of(const char *type, const char *format)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"schemaName\":\"f\",\"dateTimeFieldSpecs\":[{\"name\":\"t\","
             "\"dataType\":\"%s\",\"format\":\"%s\",\"granularity\":\"1:DAYS\"}]}",
             type, format);
    seg_schema *s = parse_ok(json);
    int64_t u = s->fields[0].time.unit_ms;
    assert_round_trip(s);
    seg_schema_free(s);
    return u;
}

START_TEST(datetime_formats)
{
    ck_assert_int_eq(unit_of("LONG", "1:MILLISECONDS:EPOCH"), 1);
    ck_assert_int_eq(unit_of("LONG", "1:SECONDS:EPOCH"), 1000);
    ck_assert_int_eq(unit_of("INT", "1:DAYS:EPOCH"), 86400000);
    ck_assert_int_eq(unit_of("INT", "5:MINUTES:EPOCH"), 300000);
    ck_assert_int_eq(unit_of("INT", "1:HOURS:EPOCH"), 3600000);
    ck_assert_int_eq(unit_of("TIMESTAMP", "1:MILLISECONDS:TIMESTAMP"), 1);
    ck_assert_int_eq(unit_of("LONG", "EPOCH|MILLISECONDS|1"), 1);
    ck_assert_int_eq(unit_of("LONG", "EPOCH|SECONDS|10"), 10000);
    ck_assert_int_eq(unit_of("INT", "EPOCH|DAYS"), 86400000);
    ck_assert_int_eq(unit_of("LONG", "EPOCH"), 1);
    ck_assert_int_eq(unit_of("TIMESTAMP", "TIMESTAMP"), 1);
    ck_assert_int_eq(unit_of("STRING", "SIMPLE_DATE_FORMAT|yyyy-MM-dd"), 0);
    ck_assert_int_eq(unit_of("STRING", "1:DAYS:SIMPLE_DATE_FORMAT:yyyy-MM-dd"), 0);

    seg_schema *s = parse_ok(
        "{\"schemaName\":\"f\",\"dateTimeFieldSpecs\":["
        "{\"name\":\"d\",\"dataType\":\"STRING\",\"format\":\"1:SECONDS:SIMPLE_DATE_FORMAT:yyyy-MM-dd HH:mm:ss\",\"granularity\":\"1:SECONDS\"},"
        "{\"name\":\"p\",\"dataType\":\"STRING\",\"format\":\"SIMPLE_DATE_FORMAT|yyyyMMdd|UTC\",\"granularity\":\"1:DAYS\"},"
        "{\"name\":\"secs\",\"dataType\":\"DOUBLE\",\"format\":\"1:SECONDS:EPOCH\",\"granularity\":\"1:SECONDS\"}],"
        "\"dimensionFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\"},"
        "{\"name\":\"n\",\"dataType\":\"LONG\"}]}");
    const seg_field *f = field(s, "d");
    ck_assert_str_eq(f->time.pattern, "yyyy-MM-dd HH:mm:ss");
    ck_assert_int_eq(f->time.unit_ms, 0);
    int64_t ms;
    ck_assert(!seg_field_time_ms(f, (seg_value){.i = 0}, &ms));
    ck_assert_str_eq(field(s, "p")->time.pattern, "yyyyMMdd");
    ck_assert(seg_field_time_ms(field(s, "secs"), (seg_value){.d = 1.5}, &ms));
    ck_assert_int_eq(ms, 1500);
    f = field(s, "ts");
    ck_assert_int_eq(f->role, SEG_DIMENSION);
    ck_assert_int_eq(f->time.unit_ms, 1);
    ck_assert(seg_field_time_ms(f, (seg_value){.i = 42}, &ms));
    ck_assert_int_eq(ms, 42);
    ck_assert(!seg_field_time_ms(field(s, "n"), (seg_value){.i = 42}, &ms));
    assert_round_trip(s);
    seg_schema_free(s);
}
END_TEST

START_TEST(legacy_time_field_spec)
{
    seg_schema *s = parse_ok(
        "{\"schemaName\":\"old\",\"dimensionFieldSpecs\":[{\"name\":\"a\",\"dataType\":\"INT\"}],"
        "\"timeFieldSpec\":{\"incomingGranularitySpec\":{\"name\":\"in\",\"dataType\":\"LONG\","
        "\"timeType\":\"MILLISECONDS\"},\"outgoingGranularitySpec\":{\"name\":\"days\","
        "\"dataType\":\"INT\",\"timeType\":\"DAYS\",\"timeUnitSize\":1}}}");
    ck_assert_uint_eq(s->nfields, 2);
    const seg_field *f = field(s, "days");
    ck_assert_int_eq(f->role, SEG_DATETIME);
    ck_assert_int_eq(f->type, SEG_INT);
    ck_assert_str_eq(f->format, "1:DAYS:EPOCH");
    ck_assert_int_eq(f->time.unit_ms, 86400000);
    assert_round_trip(s);
    seg_schema_free(s);

    /* a repeated key is another field, not an overflow */
    s = parse_ok("{\"schemaName\":\"old\",\"timeFieldSpec\":{\"incomingGranularitySpec\":"
                 "{\"name\":\"a\",\"dataType\":\"LONG\",\"timeType\":\"SECONDS\"}},"
                 "\"timeFieldSpec\":{\"incomingGranularitySpec\":"
                 "{\"name\":\"b\",\"dataType\":\"LONG\",\"timeType\":\"HOURS\"}}}");
    ck_assert_uint_eq(s->nfields, 2);
    ck_assert_int_eq(field(s, "b")->time.unit_ms, 3600000);
    seg_schema_free(s);
}
END_TEST

START_TEST(to_json_shape)
{
    seg_schema *s = parse_ok(
        "{\"schemaName\":\"r\",\"dimensionFieldSpecs\":[{\"name\":\"tags\","
        "\"dataType\":\"STRING\",\"singleValueField\":false},"
        "{\"name\":\"big\",\"dataType\":\"LONG\",\"defaultNullValue\":\"-9223372036854775807\"},"
        "{\"name\":\"hi\",\"dataType\":\"FLOAT\",\"defaultNullValue\":\"Infinity\"},"
        "{\"name\":\"f3\",\"dataType\":\"FLOAT\",\"defaultNullValue\":0.1}],"
        "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"LONG\"}],"
        "\"dateTimeFieldSpecs\":[{\"name\":\"t\",\"dataType\":\"LONG\","
        "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}");
    char *json = seg_schema_to_json(s);
    ck_assert_ptr_nonnull(strstr(json, "\"schemaName\":\t\"r\""));
    ck_assert_ptr_nonnull(strstr(json, "\"singleValueField\":\tfalse"));
    ck_assert_ptr_nonnull(strstr(json, "\"format\":\t\"1:MILLISECONDS:EPOCH\""));
    ck_assert_ptr_nonnull(strstr(json, "\"granularity\":\t\"1:MILLISECONDS\""));
    ck_assert_ptr_nonnull(strstr(json, "\"Infinity\""));
    /* defaults equal to the type's are left out, as Pinot does */
    ck_assert_ptr_null(strstr(json, "\"null\""));
    free(json);
    assert_round_trip(s);
    ck_assert(field(s, "f3")->default_null.d == (double)0.1f);
    ck_assert_int_eq(field(s, "big")->default_null.i, -INT64_MAX);
    seg_schema_free(s);
}
END_TEST

START_TEST(add_field)
{
    seg_schema *s = parse_ok("{\"schemaName\":\"e\",\"dimensionFieldSpecs\":"
                             "[{\"name\":\"a\",\"dataType\":\"INT\"}]}");
    seg_field f = {.name = "Label", .type = SEG_STRING, .role = SEG_DIMENSION,
                   .single_value = true,
                   .default_null = {.s = {.p = "unknown", .len = 7}}};
    seg_schema *s2 = NULL;
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_add_field(s, &f, &s2, err), TN_OK);
    ck_assert_uint_eq(s->nfields, 1);
    ck_assert_uint_eq(s2->nfields, 2);
    const seg_field *g = field(s2, "label");
    ck_assert_str_eq(g->name, "Label");
    ck_assert_ptr_ne(g->default_null.s.p, f.default_null.s.p);
    ck_assert_uint_eq(g->default_null.s.len, 7);
    ck_assert(memcmp(g->default_null.s.p, "unknown", 7) == 0);
    ck_assert_str_eq(s2->fields[0].name, "a");

    /* a datetime column gets its format parsed */
    seg_field t = {.name = "ts", .type = SEG_LONG, .role = SEG_DATETIME,
                   .single_value = true, .format = "1:SECONDS:EPOCH",
                   .default_null = {.i = INT64_MIN}};
    seg_schema *s3 = NULL;
    ck_assert_int_eq(seg_schema_add_field(s2, &t, &s3, err), TN_OK);
    ck_assert_int_eq(field(s3, "ts")->time.unit_ms, 1000);
    assert_round_trip(s3);

    seg_schema *dup = NULL;
    seg_field d = {.name = "A", .type = SEG_LONG, .role = SEG_DIMENSION,
                   .single_value = true};
    ck_assert_int_eq(seg_schema_add_field(s3, &d, &dup, err), TN_EEXIST);
    ck_assert_ptr_null(dup);
    ck_assert_ptr_nonnull(strstr(err, "'A' already exists"));
    seg_field m = {.name = "mv", .type = SEG_LONG, .role = SEG_METRIC};
    ck_assert_int_eq(seg_schema_add_field(s3, &m, &dup, err), TN_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "single-value"));

    seg_schema *c = seg_schema_copy(s3);
    assert_schemas_equal(c, s3);
    seg_schema_free(c);
    seg_schema_free(s3);
    seg_schema_free(s2);
    seg_schema_free(s);
}
END_TEST

static seg_value sv(const char *s, uint32_t len)
{
    seg_value v;
    memset(&v, 0, sizeof v);
    v.s.p = s;
    v.s.len = len;
    return v;
}

static seg_value dv(double d) { return (seg_value){.d = d}; }
static seg_value iv(int64_t i) { return (seg_value){.i = i}; }

START_TEST(value_cmp)
{
    ck_assert_int_lt(seg_value_cmp(SEG_INT, iv(-5), iv(3)), 0);
    ck_assert_int_gt(seg_value_cmp(SEG_LONG, iv(INT64_MAX), iv(INT64_MIN)), 0);
    ck_assert_int_eq(seg_value_cmp(SEG_TIMESTAMP, iv(7), iv(7)), 0);
    ck_assert_int_lt(seg_value_cmp(SEG_DOUBLE, dv(-INFINITY), dv(-1e308)), 0);
    ck_assert_int_gt(seg_value_cmp(SEG_DOUBLE, dv(NAN), dv(INFINITY)), 0);
    ck_assert_int_lt(seg_value_cmp(SEG_FLOAT, dv(1.0), dv(NAN)), 0);
    ck_assert_int_eq(seg_value_cmp(SEG_DOUBLE, dv(NAN), dv(NAN)), 0);
    ck_assert_int_lt(seg_value_cmp(SEG_FLOAT, dv(0.5), dv(0.75)), 0);
    ck_assert_int_lt(seg_value_cmp(SEG_STRING, sv("ab", 2), sv("abc", 3)), 0);
    ck_assert_int_gt(seg_value_cmp(SEG_STRING, sv("abd", 3), sv("abc", 3)), 0);
    ck_assert_int_gt(seg_value_cmp(SEG_STRING, sv("b", 1), sv("abc", 3)), 0);
    ck_assert_int_eq(seg_value_cmp(SEG_STRING, sv("abc", 3), sv("abcdef", 3)), 0);
    ck_assert_int_lt(seg_value_cmp(SEG_STRING, sv(NULL, 0), sv("a", 1)), 0);
    ck_assert_int_eq(seg_value_cmp(SEG_BYTES, sv(NULL, 0), sv("", 0)), 0);
    /* unsigned bytes: 0xff sorts after 'a' */
    ck_assert_int_gt(seg_value_cmp(SEG_BYTES, sv("\xff", 1), sv("a", 1)), 0);
}
END_TEST

START_TEST(type_helpers)
{
    static const struct {
        seg_type t;
        seg_phys p;
        uint32_t w;
        const char *name;
    } want[] = {
        {SEG_INT, SEG_PHYS_I32, 4, "INT"},         {SEG_LONG, SEG_PHYS_I64, 8, "LONG"},
        {SEG_FLOAT, SEG_PHYS_F32, 4, "FLOAT"},     {SEG_DOUBLE, SEG_PHYS_F64, 8, "DOUBLE"},
        {SEG_BOOLEAN, SEG_PHYS_I32, 4, "BOOLEAN"}, {SEG_TIMESTAMP, SEG_PHYS_I64, 8, "TIMESTAMP"},
        {SEG_STRING, SEG_PHYS_STR, 0, "STRING"},   {SEG_BYTES, SEG_PHYS_STR, 0, "BYTES"},
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(want); i++) {
        seg_type t;
        ck_assert_int_eq(seg_type_phys(want[i].t), want[i].p);
        ck_assert_uint_eq(seg_type_width(want[i].t), want[i].w);
        ck_assert_str_eq(seg_type_name(want[i].t), want[i].name);
        ck_assert_int_eq(seg_type_parse(want[i].name, &t), TN_OK);
        ck_assert_int_eq(t, want[i].t);
    }
    seg_type t;
    ck_assert_int_eq(seg_type_parse("JSON", &t), TN_OK);
    ck_assert_int_eq(t, SEG_STRING);
    ck_assert_int_eq(seg_type_parse("BIG_DECIMAL", &t), TN_OK);
    ck_assert_int_eq(t, SEG_DOUBLE);
    ck_assert_int_eq(seg_type_parse("FOO", &t), TN_EINVAL);
}
END_TEST

static bool parses(seg_type t, const char *s, seg_value *v)
{
    return seg_value_parse(t, s, strlen(s), v) == TN_OK;
}

START_TEST(value_parse)
{
    seg_value v;
    ck_assert(parses(SEG_INT, " -42 ", &v) && v.i == -42);
    ck_assert(parses(SEG_INT, "2147483647", &v) && v.i == INT32_MAX);
    ck_assert(!parses(SEG_INT, "2147483648", &v));
    ck_assert(!parses(SEG_INT, "4x", &v));
    ck_assert(!parses(SEG_INT, "", &v));
    ck_assert(!parses(SEG_INT, "-", &v));
    ck_assert(parses(SEG_LONG, "-9223372036854775808", &v) && v.i == INT64_MIN);
    ck_assert(!parses(SEG_LONG, "9223372036854775808", &v));
    ck_assert(parses(SEG_DOUBLE, "1e3", &v) && v.d == 1000);
    ck_assert(parses(SEG_DOUBLE, "-Infinity", &v) && isinf(v.d) && v.d < 0);
    ck_assert(parses(SEG_FLOAT, "NaN", &v) && isnan(v.d));
    ck_assert(!parses(SEG_DOUBLE, "nan", &v));
    ck_assert(!parses(SEG_DOUBLE, "0x10", &v));
    ck_assert(!parses(SEG_DOUBLE, "1.5.", &v));
    ck_assert(parses(SEG_BOOLEAN, "False", &v) && v.i == 0);
    ck_assert(parses(SEG_BOOLEAN, "1", &v) && v.i == 1);
    ck_assert(!parses(SEG_BOOLEAN, "yes", &v));
    ck_assert(parses(SEG_TIMESTAMP, "1388534400000", &v) && v.i == INT64_C(1388534400000));
    ck_assert(parses(SEG_TIMESTAMP, "2014-01-01 00:00:00.123", &v) &&
              v.i == INT64_C(1388534400123));
    ck_assert(parses(SEG_TIMESTAMP, "2014-01-01T01:00:00+01:00", &v) &&
              v.i == INT64_C(1388534400000));
    ck_assert(parses(SEG_TIMESTAMP, "1969-12-31T23:59:59.5Z", &v) && v.i == -500);
    ck_assert(parses(SEG_TIMESTAMP, "2016-02-29", &v) && v.i == INT64_C(1456704000000));
    ck_assert(!parses(SEG_TIMESTAMP, "2015-02-29", &v));
    ck_assert(!parses(SEG_TIMESTAMP, "2014-01-01T25:00:00", &v));
    ck_assert(!parses(SEG_TIMESTAMP, "2014-01-01T00:00:00Zjunk", &v));
    ck_assert(!parses(SEG_STRING, "x", &v));

    uint8_t b[4];
    ck_assert_int_eq(seg_hex_decode("deadBEEF", 8, b), TN_OK);
    ck_assert(memcmp(b, "\xde\xad\xbe\xef", 4) == 0);
    ck_assert_int_eq(seg_hex_decode("abc", 3, b), TN_EINVAL);
    ck_assert_int_eq(seg_hex_decode("zz", 2, b), TN_EINVAL);
}
END_TEST

START_TEST(bad_schemas)
{
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":[{\"name\":\"a\",}]}",
                "malformed JSON at byte 54");
    parse_fails("[{\"schemaName\":\"x\"}]", "expected a JSON object, got array");
    parse_fails("", "empty");
    parse_fails("  \n", "empty");
    parse_fails("{\"schemaName\":\"x\"} {}", "after JSON value at byte 19");
    parse_fails("{\"dimensionFieldSpecs\":[]}", "schemaName");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"x\",\"dataType\":\"FOO\"}]}",
                "field 'x': unknown dataType 'FOO'");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":[{\"dataType\":\"INT\"}]}",
                "dimensionFieldSpecs[0]: missing name");
    parse_fails("{\"schemaName\":\"x\",\"metricFieldSpecs\":[{\"name\":\"m\"}]}",
                "field 'm': missing dataType");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"Col\",\"dataType\":\"INT\"}],\"metricFieldSpecs\":"
                "[{\"name\":\"col\",\"dataType\":\"LONG\"}]}",
                "duplicate column 'col'");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"a\",\"dataType\":\"INT\",\"defaultNullValue\":\"abc\"}]}",
                "field 'a': bad defaultNullValue \"abc\" for INT");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"a\",\"dataType\":\"INT\",\"defaultNullValue\":1.5}]}",
                "bad defaultNullValue 1.5");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"a\",\"dataType\":\"INT\",\"defaultNullValue\":3000000000}]}",
                "bad defaultNullValue");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"b\",\"dataType\":\"BOOLEAN\",\"defaultNullValue\":2}]}",
                "bad defaultNullValue 2 for BOOLEAN");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"y\",\"dataType\":\"BYTES\",\"defaultNullValue\":\"abc\"}]}",
                "bad defaultNullValue \"abc\" for BYTES");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":"
                "[{\"name\":\"s\",\"dataType\":\"STRING\",\"defaultNullValue\":5}]}",
                "bad defaultNullValue 5 for STRING");
    parse_fails("{\"schemaName\":\"x\",\"metricFieldSpecs\":[{\"name\":\"m\","
                "\"dataType\":\"INT\",\"singleValueField\":false}]}",
                "metric 'm' must be single-value");
    parse_fails("{\"schemaName\":\"x\",\"metricFieldSpecs\":"
                "[{\"name\":\"m\",\"dataType\":\"STRING\"}]}",
                "metric 'm' must be numeric");
    parse_fails("{\"schemaName\":\"x\",\"dateTimeFieldSpecs\":"
                "[{\"name\":\"t\",\"dataType\":\"LONG\"}]}",
                "needs a format");
    parse_fails("{\"schemaName\":\"x\",\"dateTimeFieldSpecs\":[{\"name\":\"t\","
                "\"dataType\":\"LONG\",\"format\":\"1:FORTNIGHTS:EPOCH\"}]}",
                "unsupported time unit 'FORTNIGHTS'");
    parse_fails("{\"schemaName\":\"x\",\"dateTimeFieldSpecs\":[{\"name\":\"t\","
                "\"dataType\":\"LONG\",\"format\":\"0:DAYS:EPOCH\"}]}",
                "bad size '0'");
    parse_fails("{\"schemaName\":\"x\",\"dateTimeFieldSpecs\":[{\"name\":\"t\","
                "\"dataType\":\"STRING\",\"format\":\"SIMPLE_DATE_FORMAT\"}]}",
                "needs a pattern");
    parse_fails("{\"schemaName\":\"x\",\"dateTimeFieldSpecs\":[{\"name\":\"t\","
                "\"dataType\":\"LONG\",\"format\":\"1:DAYS\"}]}",
                "is not size:unit:type");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":{}}",
                "dimensionFieldSpecs must be an array");
    parse_fails("{\"schemaName\":\"x\",\"dimensionFieldSpecs\":[{\"name\":\"a\","
                "\"dataType\":\"INT\",\"singleValueField\":\"no\"}]}",
                "singleValueField");

    char err[TN_ERRLEN];
    seg_schema *s = NULL;
    ck_assert_int_eq(seg_schema_load_file("/nonexistent/schema.json", &s, err), TN_EIO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/schema.json"));
}
END_TEST

/* The parser must not read past len: the text sits in an exact-size block
 * with no terminating NUL. */
START_TEST(unterminated_input)
{
    const char *text = "{\"schemaName\":\"u\",\"dimensionFieldSpecs\":"
                       "[{\"name\":\"a\",\"dataType\":\"INT\"}]}";
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        char *buf = malloc(cut ? cut : 1);
        memcpy(buf, text, cut);
        seg_schema *s = NULL;
        char err[TN_ERRLEN];
        int rc = seg_schema_parse(buf, cut, &s, err);
        ck_assert_int_eq(rc, cut == len ? TN_OK : TN_EINVAL);
        seg_schema_free(s);
        free(buf);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("schema");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, airline_schema);
    tcase_add_test(tc, default_overrides);
    tcase_add_test(tc, metric_defaults);
    tcase_add_test(tc, datetime_formats);
    tcase_add_test(tc, legacy_time_field_spec);
    tcase_add_test(tc, to_json_shape);
    tcase_add_test(tc, add_field);
    tcase_add_test(tc, value_cmp);
    tcase_add_test(tc, type_helpers);
    tcase_add_test(tc, value_parse);
    tcase_add_test(tc, bad_schemas);
    tcase_add_test(tc, unterminated_input);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
