/*
 * test_srv_config.c: Pinot table configs as the server reads them (the
 * airlineStats REALTIME and OFFLINE configs, both stream-config places,
 * thresholds, retention, indexes), bad configs with errors that name the
 * key, the ingestion expressions (transforms, filters, flattening), and
 * several stream maps (multi-topic tables) with their rate limits.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srv_table_config.h"
#include "srv_transform.h"

#define AIRLINE_DIR TN_SHARED_DIR "/data/airlineStats/"

static char err[TN_ERRLEN];

static srv_table_config *parse_ok(const char *json)
{
    srv_table_config *c = NULL;
    int rc = srv_table_config_parse(json, strlen(json), &c, err);
    ck_assert_msg(rc == TN_OK, "parse failed: %s", err);
    return c;
}

/* Parsing fails and the message contains want. */
static void parse_bad(const char *json, const char *want)
{
    srv_table_config *c = NULL;
    err[0] = 0;
    int rc = srv_table_config_parse(json, strlen(json), &c, err);
    ck_assert_msg(rc == TN_EINVAL, "expected failure for %s", json);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
    ck_assert_ptr_null(c);
}

static seg_schema *schema_of(const char *json)
{
    seg_schema *s;
    ck_assert_int_eq(seg_schema_parse(json, strlen(json), &s, err), TN_OK);
    return s;
}

/* ---- the airline configs -------------------------------------------- */

START_TEST(airline_realtime)
{
    if (access(AIRLINE_DIR "airlineStats_realtime_table_config.json", R_OK)) {
        printf("SKIP airline_realtime: %s is absent\n", AIRLINE_DIR);
        return;
    }
    char *text;
    size_t len;
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats_realtime_table_config.json", &text,
                                  &len, err), TN_OK);
    srv_table_config *c = parse_ok(text);
    ck_assert_str_eq(c->name, "airlineStats");
    ck_assert_str_eq(c->name_with_type, "airlineStats_REALTIME");
    ck_assert(c->realtime);
    ck_assert_str_eq(c->time_column, "DaysSinceEpoch");
    ck_assert_str_eq(c->stream.topic, "airlineStats");
    ck_assert_str_eq(c->stream.brokers, "localhost:9092");
    ck_assert(c->stream.from_earliest);
    ck_assert_uint_eq(c->stream.flush_rows, 50000);
    ck_assert_int_eq(c->stream.flush_time_ms, 3600000);
    ck_assert_uint_eq(c->stream.flush_bytes, SRV_DEFAULT_FLUSH_BYTES);
    ck_assert_uint_eq(c->ntransforms, 2);
    ck_assert_str_eq(c->transforms[0].column, "ts");
    ck_assert_str_eq(c->transforms[0].expr, "fromEpochDays(DaysSinceEpoch)");
    ck_assert_int_eq(c->retention_ms, 0);
    seg_schema *s;
    ck_assert_int_eq(seg_schema_load_file(AIRLINE_DIR "airlineStats_schema.json", &s, err), TN_OK);
    ck_assert_int_eq(srv_table_config_check(c, s, err), TN_OK);
    srv_rowproc *p;
    ck_assert_msg(srv_rowproc_create(c, s, &p, err) == TN_OK, "%s", err);
    srv_rowproc_free(p);
    seg_schema_free(s);
    srv_table_config_free(c);
    free(text);
}
END_TEST

START_TEST(airline_offline)
{
    if (access(AIRLINE_DIR "airlineStats_offline_table_config.json", R_OK)) {
        printf("SKIP airline_offline: %s is absent\n", AIRLINE_DIR);
        return;
    }
    char *text;
    size_t len;
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats_offline_table_config.json", &text,
                                  &len, err), TN_OK);
    srv_table_config *c = parse_ok(text);
    ck_assert_str_eq(c->name_with_type, "airlineStats_OFFLINE");
    ck_assert(!c->realtime);
    ck_assert_ptr_null(c->stream.topic);
    /* fieldConfigList: ArrTimeBlk has an inverted index */
    ck_assert(c->inverted_set);
    ck_assert(srv_names_has(&c->inverted, "ArrTimeBlk"));
    seg_schema *s;
    ck_assert_int_eq(seg_schema_load_file(AIRLINE_DIR "airlineStats_schema.json", &s, err), TN_OK);
    ck_assert_int_eq(srv_table_config_check(c, s, err), TN_OK);
    seg_schema_free(s);
    srv_table_config_free(c);
    free(text);
}
END_TEST

/* The newer place of the stream map, with every key Tannin reads. */
START_TEST(stream_config_maps)
{
    srv_table_config *c = parse_ok(
        "{\"tableName\":\"events_REALTIME\",\"tableType\":\"realtime\","
        "\"segmentsConfig\":{\"timeColumnName\":\"ts\",\"retentionTimeUnit\":\"HOURS\","
        "\"retentionTimeValue\":\"5\"},"
        "\"tableIndexConfig\":{\"invertedIndexColumns\":[\"country\"],\"sortedColumn\":[\"country\"],"
        "\"rangeIndexColumns\":[\"clicks\"],\"noDictionaryColumns\":[\"clicks\",\"country\"]},"
        "\"ingestionConfig\":{\"streamIngestionConfig\":{\"streamConfigMaps\":[{"
        "\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"ev\","
        "\"stream.kafka.broker.list\":\"127.0.0.1:9092\","
        "\"stream.kafka.decoder.class.name\":\"org.apache.pinot.plugin.inputformat.json.JSONMessageDecoder\","
        "\"stream.kafka.consumer.prop.auto.offset.reset\":\"latest\","
        "\"stream.kafka.consumer.prop.fetch.min.bytes\":\"1\","
        "\"stream.kafka.consumer.prop.key.deserializer\":\"org.Foo\","
        "\"stream.kafka.consumer.prop.not.a.librdkafka.prop\":\"x\","
        "\"stream.kafka.partition.ids\":\"0-2,5\","
        "\"realtime.segment.flush.threshold.rows\":\"1000\","
        "\"realtime.segment.flush.threshold.time\":\"30m\","
        "\"realtime.segment.flush.threshold.segment.size\":\"64M\","
        "\"stream.kafka.deadletter.topic.name\":\"ev-dlq\"}]},"
        "\"filterConfig\":{\"filterFunction\":\"country = 'XX'\"}}}");
    ck_assert_str_eq(c->name, "events");
    ck_assert_str_eq(c->stream.dead_letter_topic, "ev-dlq");
    ck_assert_str_eq(c->name_with_type, "events_REALTIME");
    ck_assert_int_eq(c->retention_ms, 5 * 3600000LL);
    ck_assert(!c->stream.from_earliest);
    ck_assert_uint_eq(c->stream.flush_rows, 1000);
    ck_assert_int_eq(c->stream.flush_time_ms, 30 * 60000LL);
    ck_assert_uint_eq(c->stream.flush_bytes, 64ull << 20);
    ck_assert_uint_eq(c->stream.npartitions, 4);
    ck_assert_int_eq(c->stream.partitions[3], 5);
    ck_assert_uint_eq(c->stream.nprops, 1);
    ck_assert_str_eq(c->stream.props[0].key, "fetch.min.bytes");
    ck_assert(srv_names_has(&c->stream.ignored, "key.deserializer"));
    ck_assert(srv_names_has(&c->stream.ignored, "not.a.librdkafka.prop"));
    ck_assert_str_eq(c->sorted_column, "country");
    ck_assert_str_eq(c->filter, "country = 'XX'");
    seg_schema *s = schema_of(
        "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":\"STRING\"}],"
        "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
        "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"LONG\",\"format\":\"1:MILLISECONDS:EPOCH\","
        "\"granularity\":\"1:MILLISECONDS\"}]}");
    ck_assert_int_eq(srv_table_config_check(c, s, err), TN_OK);
    /* a raw (no-dictionary) string column keeps its dictionary */
    ck_assert_uint_eq(c->no_dict.n, 1);
    ck_assert_str_eq(c->no_dict.v[0], "clicks");
    seg_schema_free(s);
    srv_table_config_free(c);
}
END_TEST

/* ---- bad configs ----------------------------------------------------- */

#define RT_HEAD "{\"tableName\":\"t\",\"tableType\":\"REALTIME\",\"tableIndexConfig\":{\"streamConfigs\":{"
#define RT_BASE "\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"x\""
#define RT_TAIL "}}}"

START_TEST(bad_configs)
{
    parse_bad("{\"tableName\":", "malformed JSON at byte");
    parse_bad("[1,2]", "expected a JSON object");
    parse_bad("{\"tableType\":\"OFFLINE\"}", "'tableName'");
    parse_bad("{\"tableName\":\"t\"}", "'tableType'");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"HYBRID\"}", "REALTIME or OFFLINE, got 'HYBRID'");
    parse_bad("{\"tableName\":\"t_OFFLINE\",\"tableType\":\"REALTIME\"}", "does not match");
    parse_bad("{\"tableName\":\"a__b\",\"tableType\":\"OFFLINE\"}", "'__'");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"REALTIME\"}", "needs a stream config");
    parse_bad(RT_HEAD "\"streamType\":\"kinesis\"" RT_TAIL, "'streamType' must be kafka");
    parse_bad(RT_HEAD "\"streamType\":\"kafka\"" RT_TAIL, "'stream.kafka.topic.name' is missing");
    parse_bad(RT_HEAD RT_BASE ",\"stream.kafka.decoder.class.name\":\"org.apache.pinot.plugin."
              "inputformat.avro.KafkaAvroMessageDecoder\"" RT_TAIL,
              "KafkaAvroMessageDecoder is not supported");
    parse_bad(RT_HEAD RT_BASE ",\"realtime.segment.flush.threshold.rows\":\"abc\"" RT_TAIL,
              "'realtime.segment.flush.threshold.rows' must be a non-negative number");
    parse_bad(RT_HEAD RT_BASE ",\"realtime.segment.flush.threshold.size\":\"-5\"" RT_TAIL,
              "'realtime.segment.flush.threshold.size'");
    parse_bad(RT_HEAD RT_BASE ",\"realtime.segment.flush.threshold.time\":\"6x\"" RT_TAIL,
              "'realtime.segment.flush.threshold.time' must be milliseconds or a period");
    parse_bad(RT_HEAD RT_BASE ",\"realtime.segment.flush.threshold.segment.size\":\"12Q\"" RT_TAIL,
              "'realtime.segment.flush.threshold.segment.size' must be a size");
    parse_bad(RT_HEAD RT_BASE ",\"stream.kafka.consumer.prop.auto.offset.reset\":\"oldest\"" RT_TAIL,
              "must be smallest, largest, earliest or latest, got 'oldest'");
    parse_bad(RT_HEAD RT_BASE ",\"stream.kafka.partition.ids\":\"1,x\"" RT_TAIL,
              "'stream.kafka.partition.ids'");
    parse_bad(RT_HEAD RT_BASE ",\"stream.kafka.consumer.prop.fetch.wait.max.ms\":\"soon\"" RT_TAIL,
              "'stream.kafka.consumer.prop.fetch.wait.max.ms'");
    parse_bad(RT_HEAD RT_BASE ",\"stream.kafka.topic.name\":[1]" RT_TAIL, "must be a string");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":{"
              "\"retentionTimeUnit\":\"WEEKS\",\"retentionTimeValue\":\"1\"}}",
              "'segmentsConfig.retentionTimeUnit' must be one of");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":{"
              "\"retentionTimeUnit\":\"DAYS\",\"retentionTimeValue\":\"-1\"}}",
              "'segmentsConfig.retentionTimeValue' must be a positive integer");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":{"
              "\"retentionTimeUnit\":\"DAYS\"}}", "needs both");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{"
              "\"sortedColumn\":[\"a\",\"b\"]}}", "at most one");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{"
              "\"invertedIndexColumns\":[1]}}", "'tableIndexConfig.invertedIndexColumns'");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":[]}",
              "'segmentsConfig' must be an object");
    parse_bad("{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
              "\"transformConfigs\":[{\"columnName\":\"x\"}]}}",
              "'ingestionConfig.transformConfigs[0].transformFunction' is missing");
}
END_TEST

START_TEST(config_against_schema)
{
    seg_schema *s = schema_of(
        "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":[{\"name\":\"a\",\"dataType\":\"STRING\"},"
        "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false}],"
        "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"INT\"}]}");
    static const struct { const char *cfg, *want; } cases[] = {
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":{\"timeColumnName\":\"ts\"}}",
         "'segmentsConfig.timeColumnName' is 'ts'"},
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{\"invertedIndexColumns\":[\"zz\"]}}",
         "'invertedIndexColumns' names column 'zz'"},
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{\"sortedColumn\":[\"q\"]}}",
         "'sortedColumn' names column 'q'"},
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{\"rangeIndexColumns\":[\"a\"]}}",
         "a range index needs a numeric column"},
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"tableIndexConfig\":{\"sortedColumn\":[\"tags\"]}}",
         "multi-value"},
        {"{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{\"transformConfigs\":"
         "[{\"columnName\":\"nope\",\"transformFunction\":\"upper(a)\"}]}}", "fills column 'nope'"},
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(cases); i++) {
        srv_table_config *c = parse_ok(cases[i].cfg);
        err[0] = 0;
        ck_assert_int_eq(srv_table_config_check(c, s, err), TN_EINVAL);
        ck_assert_msg(strstr(err, cases[i].want), "case %zu: '%s' lacks '%s'", i, err,
                      cases[i].want);
        srv_table_config_free(c);
    }
    seg_schema_free(s);
}
END_TEST

START_TEST(thresholds)
{
    static const struct { const char *s; int64_t ms; } durs[] = {
        {"3600000", 3600000}, {"6h", 21600000}, {"30m", 1800000}, {"45s", 45000},
        {"2d", 172800000}, {"1d2h", 93600000}, {"500ms", 500}, {"1.5h", 5400000}};
    for (size_t i = 0; i < TN_ARRAY_LEN(durs); i++) {
        int64_t ms = -1;
        ck_assert_msg(srv_parse_duration_ms(durs[i].s, &ms) == TN_OK, "%s", durs[i].s);
        ck_assert_int_eq(ms, durs[i].ms);
    }
    static const char *const bad_durs[] = {"", "h", "6x", "-5", "5h3", "abc"};
    for (size_t i = 0; i < TN_ARRAY_LEN(bad_durs); i++) {
        int64_t ms;
        ck_assert_msg(srv_parse_duration_ms(bad_durs[i], &ms) != TN_OK, "%s", bad_durs[i]);
    }
    static const struct { const char *s; uint64_t b; } sizes[] = {
        {"1048576", 1048576}, {"200M", 200ull << 20}, {"1G", 1ull << 30},
        {"1.5G", 3ull << 29}, {"100K", 102400}, {"10MB", 10ull << 20}, {"7b", 7}};
    for (size_t i = 0; i < TN_ARRAY_LEN(sizes); i++) {
        uint64_t b = 0;
        ck_assert_msg(srv_parse_size(sizes[i].s, &b) == TN_OK, "%s", sizes[i].s);
        ck_assert_uint_eq(b, sizes[i].b);
    }
    static const char *const bad_sizes[] = {"", "M", "12Q", "-1M", "1MM"};
    for (size_t i = 0; i < TN_ARRAY_LEN(bad_sizes); i++) {
        uint64_t b;
        ck_assert_msg(srv_parse_size(bad_sizes[i], &b) != TN_OK, "%s", bad_sizes[i]);
    }
    int32_t *ids;
    uint32_t n;
    ck_assert_int_eq(srv_parse_partition_ids("3, 1,1,0-2", &ids, &n, err), TN_OK);
    ck_assert_uint_eq(n, 4);
    for (uint32_t i = 0; i < 4; i++)
        ck_assert_int_eq(ids[i], (int32_t)i);
    free(ids);
}
END_TEST

/* ---- transforms, filters, flattening --------------------------------- */

static const char xf_schema[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"country\",\"dataType\":\"STRING\"},"
    "{\"name\":\"city\",\"dataType\":\"STRING\"},"
    "{\"name\":\"user.name\",\"dataType\":\"STRING\"},"
    "{\"name\":\"user.age\",\"dataType\":\"INT\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"upper_country\",\"dataType\":\"STRING\"},"
    "{\"name\":\"zip\",\"dataType\":\"LONG\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"},"
    "{\"name\":\"total\",\"dataType\":\"DOUBLE\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"days\",\"dataType\":\"INT\",\"format\":\"1:DAYS:EPOCH\","
    "\"granularity\":\"1:DAYS\"},{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:TIMESTAMP\",\"granularity\":\"1:MILLISECONDS\"},"
    "{\"name\":\"secs\",\"dataType\":\"LONG\",\"format\":\"1:SECONDS:EPOCH\","
    "\"granularity\":\"1:SECONDS\"}]}";

static const char xf_config[] =
    "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
    "\"transformConfigs\":["
    "{\"columnName\":\"ts\",\"transformFunction\":\"fromEpochDays(days)\"},"
    "{\"columnName\":\"secs\",\"transformFunction\":\"toEpochSeconds(ts)\"},"
    "{\"columnName\":\"city\",\"transformFunction\":\"jsonPathString(address, '$.city')\"},"
    "{\"columnName\":\"zip\",\"transformFunction\":\"jsonPathLong(address, '$.codes[1].zip', -1)\"},"
    "{\"columnName\":\"upper_country\",\"transformFunction\":\"upper(country)\"},"
    "{\"columnName\":\"total\",\"transformFunction\":\"plus(clicks, times(extra, 2)) / 4\"}],"
    "\"filterConfig\":{\"filterFunction\":\"\\\"country\\\" = 'XX' OR (clicks > 100 AND NOT city IN ('Paris', 'Rome'))\"}}}";

typedef struct xf_env {
    seg_schema *s;
    srv_table_config *c;
    srv_rowproc *p;
    seg_row row;
} xf_env;

static void xf_open(xf_env *e)
{
    e->s = schema_of(xf_schema);
    e->c = parse_ok(xf_config);
    ck_assert_int_eq(srv_table_config_check(e->c, e->s, err), TN_OK);
    ck_assert_msg(srv_rowproc_create(e->c, e->s, &e->p, err) == TN_OK, "%s", err);
    seg_row_init(&e->row, e->s);
}

static void xf_close(xf_env *e)
{
    seg_row_free(&e->row);
    srv_rowproc_free(e->p);
    srv_table_config_free(e->c);
    seg_schema_free(e->s);
}

/* Decodes and completes one JSON row; returns the rc, *drop the filter. */
static int xf_row(xf_env *e, const char *json, bool *drop)
{
    ck_assert_msg(seg_row_parse_json(&e->row, json, strlen(json), err) == TN_OK, "%s", err);
    srv_record rec = {.row = &e->row, .json = e->row.json};
    return srv_rowproc_apply(e->p, &e->row, &rec, drop, err);
}

static const seg_cell *cell(xf_env *e, const char *name)
{
    return &e->row.cells[seg_schema_find(e->s, name)];
}

static void ck_str(const seg_cell *c, const char *want)
{
    ck_assert(!c->is_null);
    ck_assert_int_eq(c->v.s.len, strlen(want));
    ck_assert(!memcmp(c->v.s.p, want, c->v.s.len));
}

START_TEST(transforms)
{
    xf_env e;
    xf_open(&e);
    bool drop;
    int rc = xf_row(&e,
        "{\"country\":\"fr\",\"days\":16071,\"clicks\":6,\"extra\":\"3\","
        "\"address\":{\"city\":\"Lyon\",\"codes\":[{\"zip\":1},{\"zip\":69001}]},"
        "\"user\":{\"name\":\"ann\",\"age\":\"41\"},\"tags\":[\"a\",\"b\"]}", &drop);
    ck_assert_msg(rc == TN_OK, "%s", err);
    ck_assert(!drop);
    ck_assert_int_eq(cell(&e, "ts")->v.i, 16071LL * 86400000);
    ck_assert_int_eq(cell(&e, "secs")->v.i, 16071LL * 86400);
    ck_str(cell(&e, "city"), "Lyon");
    ck_assert_int_eq(cell(&e, "zip")->v.i, 69001);
    ck_str(cell(&e, "upper_country"), "FR");
    ck_assert(cell(&e, "total")->v.d == 3.0); /* (6 + 3 * 2) / 4 */
    ck_str(cell(&e, "user.name"), "ann");      /* flattened */
    ck_assert_int_eq(cell(&e, "user.age")->v.i, 41);
    ck_assert_uint_eq(cell(&e, "tags")->nvals, 2);
    srv_rowproc_done(e.p);

    /* a value present in the record wins over the transform (Pinot) */
    rc = xf_row(&e, "{\"country\":\"de\",\"city\":\"Bonn\",\"ts\":5,\"days\":1}", &drop);
    ck_assert_msg(rc == TN_OK, "%s", err);
    ck_str(cell(&e, "city"), "Bonn");
    ck_assert_int_eq(cell(&e, "ts")->v.i, 5);
    /* missing inputs: null results, default values, and the jsonPath default */
    ck_assert(cell(&e, "total")->is_null);
    ck_assert_int_eq(cell(&e, "zip")->v.i, -1);
    srv_rowproc_done(e.p);

    /* JSON given as text is parsed for jsonPath */
    rc = xf_row(&e, "{\"address\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}", &drop);
    ck_assert_msg(rc == TN_OK, "%s", err);
    ck_str(cell(&e, "city"), "Oslo");
    srv_rowproc_done(e.p);

    /* a transform that fails names the column and why */
    rc = xf_row(&e, "{\"address\":{\"codes\":[0,{\"zip\":\"n/a\"}]},\"clicks\":1,"
                    "\"extra\":\"abc\"}", &drop);
    ck_assert_int_eq(rc, TN_EINVAL);
    ck_assert_msg(strstr(err, "plus(clicks, times(extra, 2)) / 4") &&
                  strstr(err, "'*' needs numbers"), "%s", err);
    srv_rowproc_done(e.p);
    xf_close(&e);
}
END_TEST

START_TEST(filters)
{
    xf_env e;
    xf_open(&e);
    static const struct { const char *json; bool drop; } rows[] = {
        {"{\"country\":\"XX\"}", true},
        {"{\"country\":\"xx\"}", false},
        {"{\"country\":\"US\",\"clicks\":500,\"address\":{\"city\":\"Oslo\"}}", true},
        {"{\"country\":\"US\",\"clicks\":500,\"address\":{\"city\":\"Rome\"}}", false},
        {"{\"country\":\"US\",\"clicks\":\"101\"}", false}, /* city NULL: unknown, kept */
        {"{\"country\":\"US\",\"clicks\":100,\"city\":\"Oslo\"}", false},
        {"{\"clicks\":7}", false},
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(rows); i++) {
        bool drop;
        ck_assert_msg(xf_row(&e, rows[i].json, &drop) == TN_OK, "%s", err);
        ck_assert_msg(drop == rows[i].drop, "row %zu: drop %d", i, drop);
        srv_rowproc_done(e.p);
    }
    xf_close(&e);
}
END_TEST

static void expr_bad(const char *text, const char *want)
{
    srv_expr *x = NULL;
    err[0] = 0;
    ck_assert_int_eq(srv_expr_parse(text, NULL, &x, err), TN_EINVAL);
    ck_assert_msg(strstr(err, want), "'%s': error '%s' lacks '%s'", text, err, want);
    ck_assert_ptr_null(x);
}

START_TEST(expression_errors)
{
    expr_bad("", "end of expression");
    expr_bad("a = 'x", "unterminated string at byte 4");
    expr_bad("nosuch(a)", "unknown function at byte 0");
    expr_bad("Groovy({a > 1}, a)", "Groovy() transforms are not supported");
    expr_bad("plus(a)", "plus() takes 2 to 2 arguments, got 1");
    expr_bad("a = = b", "expected a value");
    expr_bad("(a = 1", "expected ')'");
    expr_bad("a = 1 b", "unexpected text after the expression at byte 6");
    expr_bad("a # 1", "unexpected character at byte 2");
    expr_bad("a NOT LIKE 'x'", "expected IN or BETWEEN after NOT");
    expr_bad("a IS 3", "expected NULL after IS");
    expr_bad("a BETWEEN 1 OR 2", "expected AND in BETWEEN");
    /* and good ones evaluate as SQL does */
    static const struct { const char *text; int truth; } ok[] = {
        {"1 + 2 * 3 = 7", 1}, {"-(2 - 5) = 3", 1}, {"7 % 4 = 3", 1}, {"10 / 4 = 2.5", 1},
        {"'abc' < 'abd'", 1}, {"'10' = 10", 1}, {"2 BETWEEN 1 AND 3", 1},
        {"2 NOT BETWEEN 1 AND 3", 0}, {"3 IN (1, 2)", 0}, {"3 NOT IN (1, 2)", 1},
        {"NULL = 1", -1}, {"NULL IS NULL", 1}, {"NULL = 1 OR TRUE", 1}, {"NULL = 1 AND FALSE", 0},
        {"NOT (1 = 2)", 1}, {"lower('AbC') = 'abc'", 1}, {"substr('hello', 1, 3) = 'el'", 1},
        {"concat('a', 'b', '-') = 'a-b'", 1}, {"replace('aXbX', 'X', 'yy') = 'ayybyy'", 1},
        {"length(trim('  ab ')) = 2", 1}, {"toEpochDaysBucket(864000000, 3) = 3", 1},
        {"fromEpochSecondsBucket(2, 30) = 60000", 1}, {"abs(-3) = 3", 1}, {"floor(2.7) = 2", 1},
        {"jsonPathDouble('{\"a\":[1,{\"b\":2.5}]}', '$.a[1].b') = 2.5", 1},
        {"jsonPathString('{\"a\":{\"b\":[1,2]}}', '$.a') = '{\"b\":[1,2]}'", 1},
        {"jsonPathString('{\"a\":1}', '$[''a'']') = '1'", 1},
    };
    srv_arena a = {0};
    srv_record rec = {0};
    for (size_t i = 0; i < TN_ARRAY_LEN(ok); i++) {
        srv_expr *x;
        ck_assert_msg(srv_expr_parse(ok[i].text, NULL, &x, err) == TN_OK, "%s: %s", ok[i].text, err);
        srv_val v;
        ck_assert_msg(srv_expr_eval(x, &rec, &a, &v, err) == TN_OK, "%s: %s", ok[i].text, err);
        ck_assert_msg(srv_val_truth(&v) == ok[i].truth, "%s: truth %d", ok[i].text,
                      srv_val_truth(&v));
        srv_expr_free(x);
        srv_arena_reset(&a);
    }
    srv_arena_free(&a);
}
END_TEST

/* ---- several streams (multi-topic) and rate limits ------------------ */

#define MS_HEAD "{\"tableName\":\"ev\",\"tableType\":\"REALTIME\",\"ingestionConfig\":{" \
                "\"streamIngestionConfig\":{\"streamConfigMaps\":["
#define MS_TAIL "]}}}"
#define MAP(topic, extra) "{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"" topic "\"" extra "}"

START_TEST(multi_stream_maps)
{
    srv_table_config *c = parse_ok(
        MS_HEAD MAP("a", ",\"stream.kafka.broker.list\":\"k1:9092\","
                         "\"realtime.segment.flush.threshold.rows\":\"100\","
                         "\"topic.consumption.rate.limit\":\"250.5\"") ","
                MAP("b", ",\"stream.kafka.broker.list\":\"k2:9092\","
                         "\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\","
                         "\"realtime.segment.flush.threshold.rows\":\"7\","
                         "\"stream.kafka.partition.ids\":\"1,3\","
                         "\"stream.kafka.deadletter.topic.name\":\"b-dlq\"") ","
                MAP("c", "") MS_TAIL);
    ck_assert_uint_eq(c->nstreams, 3);
    const srv_stream_config *a = srv_table_stream(c, 0), *b = srv_table_stream(c, 1),
                            *cc = srv_table_stream(c, 2);
    ck_assert_ptr_eq(a, &c->stream);
    ck_assert_str_eq(a->topic, "a");
    ck_assert_str_eq(a->brokers, "k1:9092");
    ck_assert(!a->from_earliest);
    ck_assert(a->rate_limit == 250.5);
    ck_assert_str_eq(b->topic, "b");
    ck_assert_str_eq(b->brokers, "k2:9092");
    ck_assert(b->from_earliest);
    ck_assert(b->rate_limit == 0);
    ck_assert_uint_eq(b->npartitions, 2);
    ck_assert_str_eq(b->dead_letter_topic, "b-dlq");
    ck_assert_ptr_null(cc->brokers);
    /* the flush thresholds are the first map's (Pinot's getFirstStreamConfig) */
    ck_assert_uint_eq(c->stream.flush_rows, 100);
    /* Pinot's partition ids: stream index * 10000 + the stream's partition */
    ck_assert_int_eq(srv_partition_id(0, 3), 3);
    ck_assert_int_eq(srv_partition_id(2, 3), 20003);
    ck_assert_int_eq(srv_stream_partition(20003), 3);
    ck_assert_ptr_eq(srv_stream_of(c, 7), a);
    ck_assert_ptr_eq(srv_stream_of(c, 10001), b);
    ck_assert_ptr_eq(srv_stream_of(c, 29999), cc);
    ck_assert_ptr_null(srv_stream_of(c, 30000));
    ck_assert_ptr_null(srv_stream_of(c, -1));
    srv_table_config_free(c);

    /* one map in either place: one stream, as before */
    c = parse_ok(MS_HEAD MAP("a", "") MS_TAIL);
    ck_assert_uint_eq(c->nstreams, 1);
    ck_assert_ptr_null(srv_stream_of(c, 10000));
    srv_table_config_free(c);
    c = parse_ok("{\"tableName\":\"ev\",\"tableType\":\"REALTIME\",\"tableIndexConfig\":"
                 "{\"streamConfigs\":" MAP("legacy", "") "}}");
    ck_assert_uint_eq(c->nstreams, 1);
    ck_assert_str_eq(srv_table_stream(c, 0)->topic, "legacy");
    srv_table_config_free(c);
    c = parse_ok("{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\"}");
    ck_assert_uint_eq(c->nstreams, 0);
    srv_table_config_free(c);
}
END_TEST

START_TEST(multi_stream_errors)
{
    parse_bad(MS_HEAD MAP("a", "") ",{\"streamType\":\"kafka\"}" MS_TAIL,
              "table config: streamConfigMaps[1]: stream config 'stream.kafka.topic.name' is "
              "missing");
    parse_bad(MS_HEAD MAP("a", "") "," MAP("b", ",\"stream.kafka.decoder.class.name\":\"Avro\"")
              MS_TAIL, "streamConfigMaps[1]: 'stream.kafka.decoder.class.name' Avro is not");
    parse_bad(MS_HEAD MAP("a", "") "," MAP("b", ",\"stream.kafka.partition.ids\":\"x\"") MS_TAIL,
              "streamConfigMaps[1]: 'stream.kafka.partition.ids': expected ids");
    parse_bad(MS_HEAD MAP("a", ",\"streamType\":\"pulsar\"") "," MAP("b", "") MS_TAIL,
              "streamConfigMaps[0]: 'streamType' must be kafka");
    parse_bad(MS_HEAD MAP("a", "") "," MAP("b", "") "," MAP("a", "") MS_TAIL,
              "streamConfigMaps[2]: topic 'a' is already consumed by streamConfigMaps[0]");
    parse_bad(MS_HEAD MAP("a", "") ",42" MS_TAIL, "'streamConfigMaps[1]' must be an object");
    parse_bad(MS_HEAD MAP("a", ",\"stream.kafka.partition.ids\":\"10000\"") MS_TAIL,
              "names partition 10000; partitions are numbered below 10000");
    /* one map: the messages are as they always were */
    parse_bad(MS_HEAD "{\"streamType\":\"kafka\"}" MS_TAIL,
              "table config: stream config 'stream.kafka.topic.name' is missing");
    static const char *const bad_rates[] = {"0", "-5", "fast", "1e999", "10/s", ""};
    for (size_t i = 0; i < TN_ARRAY_LEN(bad_rates); i++) {
        char cfg[512];
        snprintf(cfg, sizeof cfg, MS_HEAD MAP("a", "") "," MAP("b", ",\"topic.consumption.rate."
                 "limit\":\"%s\"") MS_TAIL, bad_rates[i]);
        char want[128];
        snprintf(want, sizeof want, "streamConfigMaps[1]: 'topic.consumption.rate.limit' must be "
                 "a positive number of messages per second, got '%s'", bad_rates[i]);
        parse_bad(cfg, want);
    }
    /* a JSON number is a rate too */
    srv_table_config *c = parse_ok(MS_HEAD MAP("a", ",\"topic.consumption.rate.limit\":40")
                                   MS_TAIL);
    ck_assert(c->stream.rate_limit == 40);
    srv_table_config_free(c);
}
END_TEST

START_TEST(bad_transform_configs)
{
    seg_schema *s = schema_of(xf_schema);
    static const struct { const char *cfg, *want; } cases[] = {
        {"{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{\"transformConfigs\":"
         "[{\"columnName\":\"ts\",\"transformFunction\":\"fromEpochDays(days\"}]}}",
         "transformConfigs[0] ('ts'): transformFunction: expected ',' or ')'"},
        {"{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
         "\"filterConfig\":{\"filterFunction\":\"Groovy({clicks > 1}, clicks)\"}}}",
         "ingestionConfig.filterConfig.filterFunction: Groovy() transforms are not supported"},
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(cases); i++) {
        srv_table_config *c = parse_ok(cases[i].cfg);
        srv_rowproc *p = NULL;
        err[0] = 0;
        ck_assert_int_eq(srv_rowproc_create(c, s, &p, err), TN_EINVAL);
        ck_assert_msg(strstr(err, cases[i].want), "'%s' lacks '%s'", err, cases[i].want);
        srv_table_config_free(c);
    }
    seg_schema_free(s);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("srv_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, airline_realtime);
    tcase_add_test(tc, airline_offline);
    tcase_add_test(tc, stream_config_maps);
    tcase_add_test(tc, bad_configs);
    tcase_add_test(tc, config_against_schema);
    tcase_add_test(tc, thresholds);
    tcase_add_test(tc, transforms);
    tcase_add_test(tc, filters);
    tcase_add_test(tc, expression_errors);
    tcase_add_test(tc, bad_transform_configs);
    tcase_add_test(tc, multi_stream_maps);
    tcase_add_test(tc, multi_stream_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
