/*
 * test_srv_unnest.c: complexTypeConfig (flattening, unnesting one and two
 * fields and nested arrays, empty and missing arrays, the three
 * collectionNotUnnestedToJson modes, prefixesToRename, the fan-out bound,
 * all-or-nothing messages, the filter per unnested row, config errors)
 * and the size-based flush threshold (Pinot's autotune rules).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_autotune.h"
#include "srv_table_config.h"
#include "srv_transform.h"
#include "srv_unnest.h"

static char err[TN_ERRLEN];

static const char un_schema[] =
    "{\"schemaName\":\"orders\",\"dimensionFieldSpecs\":["
    "{\"name\":\"id\",\"dataType\":\"LONG\"},"
    "{\"name\":\"name\",\"dataType\":\"STRING\"},"
    "{\"name\":\"meta.src\",\"dataType\":\"STRING\"},"
    "{\"name\":\"meta.geo.cc\",\"dataType\":\"STRING\"},"
    "{\"name\":\"items.sku\",\"dataType\":\"STRING\"},"
    "{\"name\":\"items.parts.pid\",\"dataType\":\"STRING\"},"
    "{\"name\":\"sku\",\"dataType\":\"STRING\"},"
    "{\"name\":\"src\",\"dataType\":\"STRING\"},"
    "{\"name\":\"colors\",\"dataType\":\"STRING\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"objs\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"nums\",\"dataType\":\"INT\",\"singleValueField\":false}],"
    "\"metricFieldSpecs\":[{\"name\":\"items.qty\",\"dataType\":\"INT\"}]}";

typedef struct env {
    seg_schema *s;
    srv_table_config *c;
    srv_rowproc *p;
    srv_unnest *u;
    uint32_t n, nfiltered;
} env;

/* A config whose ingestionConfig holds complex (and optionally a filter). */
static void open_env(env *e, const char *complex, const char *filter)
{
    char json[2048];
    snprintf(json, sizeof json,
             "{\"tableName\":\"orders\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":{"
             "\"complexTypeConfig\":%s%s%s%s}}", complex, filter ? ",\"filterConfig\":"
             "{\"filterFunction\":\"" : "", filter ? filter : "", filter ? "\"}" : "");
    memset(e, 0, sizeof *e);
    ck_assert_int_eq(seg_schema_parse(un_schema, strlen(un_schema), &e->s, err), TN_OK);
    ck_assert_msg(srv_table_config_parse(json, strlen(json), &e->c, err) == TN_OK, "%s", err);
    ck_assert_msg(srv_rowproc_create(e->c, e->s, &e->p, err) == TN_OK, "%s", err);
    e->u = srv_unnest_create(&e->c->complex, e->s);
}

static void close_env(env *e)
{
    srv_unnest_free(e->u);
    srv_rowproc_free(e->p);
    srv_table_config_free(e->c);
    seg_schema_free(e->s);
}

static int run(env *e, const char *msg)
{
    return srv_unnest_message(e->u, e->p, msg, strlen(msg), &e->n, &e->nfiltered, err);
}

static void run_ok(env *e, const char *msg, uint32_t rows)
{
    ck_assert_msg(run(e, msg) == TN_OK, "%s: %s", msg, err);
    ck_assert_uint_eq(e->n, rows);
}

static const seg_cell *cell(env *e, uint32_t row, const char *name)
{
    int f = seg_schema_find(e->s, name);
    ck_assert_int_ge(f, 0);
    return &srv_unnest_row(e->u, row)->cells[f];
}

/* The cell's text, "(null)" when null. */
static const char *text(env *e, uint32_t row, const char *name)
{
    static char buf[256];
    const seg_cell *c = cell(e, row, name);
    if (c->is_null)
        return "(null)";
    snprintf(buf, sizeof buf, "%.*s", (int)c->v.s.len, c->v.s.p);
    return buf;
}

static void ck_text(env *e, uint32_t row, const char *name, const char *want)
{
    ck_assert_msg(!strcmp(text(e, row, name), want), "row %u %s: '%s', want '%s'", row, name,
                  text(e, row, name), want);
}

START_TEST(unnest_one_field)
{
    env e;
    open_env(&e, "{\"fieldsToUnnest\":[\"items\"]}", NULL);
    run_ok(&e, "{\"id\":7,\"name\":\"ann\",\"meta\":{\"src\":\"web\",\"geo\":{\"cc\":\"fr\"}},"
               "\"items\":[{\"sku\":\"x\",\"qty\":2},{\"sku\":\"y\",\"qty\":3}],"
               "\"tags\":[\"t1\",\"t2\"],\"objs\":[{\"k\":1},{\"k\":2}],\"nums\":[4,5]}", 2);
    for (uint32_t r = 0; r < 2; r++) {
        ck_assert_int_eq(cell(&e, r, "id")->v.i, 7); /* the rest is repeated */
        ck_text(&e, r, "name", "ann");
        ck_text(&e, r, "meta.src", "web");           /* maps flattened */
        ck_text(&e, r, "meta.geo.cc", "fr");
        ck_assert_uint_eq(cell(&e, r, "tags")->nvals, 2);  /* primitives stay a list */
        ck_assert_uint_eq(cell(&e, r, "objs")->nvals, 1);  /* NON_PRIMITIVE: JSON text */
        ck_assert_uint_eq(cell(&e, r, "nums")->nvals, 2);
    }
    ck_text(&e, 0, "items.sku", "x");
    ck_text(&e, 1, "items.sku", "y");
    ck_assert_int_eq(cell(&e, 0, "items.qty")->v.i, 2);
    ck_assert_int_eq(cell(&e, 1, "items.qty")->v.i, 3);
    const seg_cell *o = cell(&e, 0, "objs");
    ck_assert(!memcmp(o->mv[0].s.p, "[{\"k\":1},{\"k\":2}]", o->mv[0].s.len));

    /* an empty, null or missing array keeps the record once (Pinot) */
    run_ok(&e, "{\"id\":1,\"items\":[]}", 1);
    ck_text(&e, 0, "items.sku", "(null)");
    ck_assert_int_eq(cell(&e, 0, "id")->v.i, 1);
    run_ok(&e, "{\"id\":2,\"items\":null}", 1);
    run_ok(&e, "{\"id\":3}", 1);
    ck_assert_int_eq(cell(&e, 0, "id")->v.i, 3);
    close_env(&e);
}
END_TEST

START_TEST(unnest_two_fields_and_nested)
{
    env e;
    open_env(&e, "{\"fieldsToUnnest\":[\"items\",\"colors\"]}", NULL);
    run_ok(&e, "{\"id\":1,\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\"}],"
               "\"colors\":[\"r\",\"g\",\"b\"]}", 6);
    /* every (item, color) pair exactly once */
    int seen[2][3] = {{0}};
    for (uint32_t r = 0; r < 6; r++) {
        int i = text(&e, r, "items.sku")[0] == 'y';
        const char *col = text(&e, r, "colors");
        int k = col[0] == 'r' ? 0 : col[0] == 'g' ? 1 : 2;
        seen[i][k]++;
    }
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(seen[i][k], 1);
    /* one empty field does not remove the other's rows */
    run_ok(&e, "{\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\"}],\"colors\":[]}", 2);
    close_env(&e);

    /* a child array inside each element, unnested after its parent */
    open_env(&e, "{\"fieldsToUnnest\":[\"items.parts\",\"items\"]}", NULL);
    run_ok(&e, "{\"id\":1,\"items\":[{\"sku\":\"x\",\"parts\":[{\"pid\":\"p1\"},{\"pid\":\"p2\"}]},"
               "{\"sku\":\"y\",\"parts\":[]}]}", 3);
    ck_text(&e, 0, "items.sku", "x");
    ck_text(&e, 0, "items.parts.pid", "p1");
    ck_text(&e, 1, "items.sku", "x");
    ck_text(&e, 1, "items.parts.pid", "p2");
    ck_text(&e, 2, "items.sku", "y");
    ck_text(&e, 2, "items.parts.pid", "(null)");
    close_env(&e);
}
END_TEST

START_TEST(collection_to_json_modes)
{
    static const char msg[] = "{\"tags\":[\"t1\",\"t2\"],\"objs\":[{\"k\":1},{\"k\":2}],"
                              "\"nums\":[4,5]}";
    env e;
    open_env(&e, "{\"collectionNotUnnestedToJson\":\"NONE\"}", NULL);
    run_ok(&e, msg, 1);
    ck_assert_uint_eq(cell(&e, 0, "tags")->nvals, 2);
    ck_assert_uint_eq(cell(&e, 0, "objs")->nvals, 2); /* each object as its own text */
    close_env(&e);

    open_env(&e, "{\"collectionNotUnnestedToJson\":\"ALL\"}", NULL);
    run_ok(&e, msg, 1);
    const seg_cell *t = cell(&e, 0, "tags");
    ck_assert_uint_eq(t->nvals, 1);
    ck_assert(t->mv[0].s.len == 11 && !memcmp(t->mv[0].s.p, "[\"t1\",\"t2\"]", 11));
    ck_assert_uint_eq(cell(&e, 0, "objs")->nvals, 1);
    ck_assert_uint_eq(cell(&e, 0, "nums")->nvals, 2); /* an INT column keeps its numbers */
    close_env(&e);
}
END_TEST

START_TEST(rename_prefixes)
{
    env e;
    open_env(&e, "{\"fieldsToUnnest\":[\"items\"],\"delimiter\":\".\","
                 "\"prefixesToRename\":{\"items.\":\"\",\"meta.\":\"\"}}", NULL);
    run_ok(&e, "{\"items\":[{\"sku\":\"x\"}],\"meta\":{\"src\":\"app\"}}", 1);
    ck_text(&e, 0, "sku", "x");
    ck_text(&e, 0, "src", "app");
    ck_text(&e, 0, "items.sku", "(null)");
    /* a new name that is taken is an error, as in Pinot */
    ck_assert_int_eq(run(&e, "{\"src\":\"a\",\"meta\":{\"src\":\"b\"}}"), TN_EINVAL);
    ck_assert_msg(strstr(err, "conflicts"), "%s", err);
    ck_assert_uint_eq(e.n, 0);
    close_env(&e);

    /* another delimiter joins the names */
    open_env(&e, "{\"delimiter\":\"_\",\"prefixesToRename\":{\"meta_\":\"meta.\"}}", NULL);
    run_ok(&e, "{\"meta\":{\"src\":\"b\"}}", 1);
    ck_text(&e, 0, "meta.src", "b");
    close_env(&e);
}
END_TEST

START_TEST(fan_out_bound_and_all_or_nothing)
{
    env e;
    open_env(&e, "{\"fieldsToUnnest\":[\"items\"]}", NULL);
    size_t cap = 12 * (SRV_UNNEST_MAX_ROWS + 1) + 64;
    char *msg = malloc(cap);
    for (uint32_t n = SRV_UNNEST_MAX_ROWS; n <= SRV_UNNEST_MAX_ROWS + 1; n++) {
        size_t len = (size_t)snprintf(msg, cap, "{\"id\":1,\"items\":[");
        for (uint32_t i = 0; i < n; i++)
            len += (size_t)snprintf(msg + len, cap - len, "%s{\"qty\":1}", i ? "," : "");
        snprintf(msg + len, cap - len, "]}");
        int rc = run(&e, msg);
        if (n == SRV_UNNEST_MAX_ROWS) {
            ck_assert_msg(rc == TN_OK, "%s", err);
            ck_assert_uint_eq(e.n, n);
        } else {
            ck_assert_int_eq(rc, TN_EINVAL);
            ck_assert_msg(strstr(err, "more than 10000 rows"), "%s", err);
            ck_assert_uint_eq(e.n, 0);
        }
    }
    free(msg);
    /* one bad row: the message gives no row, and the error names the row */
    ck_assert_int_eq(run(&e, "{\"items\":[{\"qty\":1},{\"qty\":\"many\"}]}"), TN_EINVAL);
    ck_assert_msg(strstr(err, "row 2 of 2") && strstr(err, "items.qty"), "%s", err);
    ck_assert_uint_eq(e.n, 0);
    /* a scalar where an array should be */
    ck_assert_int_eq(run(&e, "{\"items\":\"x\"}"), TN_EINVAL);
    ck_assert_msg(strstr(err, "'items'") && strstr(err, "not an array"), "%s", err);
    ck_assert_int_eq(run(&e, "{\"items\":[{\"qty\":1}"), TN_EINVAL); /* malformed */
    /* a good message after bad ones */
    run_ok(&e, "{\"items\":[{\"qty\":9}]}", 1);
    ck_assert_int_eq(cell(&e, 0, "items.qty")->v.i, 9);
    close_env(&e);
}
END_TEST

START_TEST(filter_per_row)
{
    env e;
    open_env(&e, "{\"fieldsToUnnest\":[\"items\"]}", "\\\"items.qty\\\" > 2");
    run_ok(&e, "{\"items\":[{\"sku\":\"a\",\"qty\":1},{\"sku\":\"b\",\"qty\":5},"
               "{\"sku\":\"c\",\"qty\":2}]}", 2);
    ck_assert_uint_eq(e.nfiltered, 1);
    ck_text(&e, 0, "items.sku", "a");
    ck_text(&e, 1, "items.sku", "c");
    run_ok(&e, "{\"items\":[{\"qty\":7}]}", 0);
    ck_assert_uint_eq(e.nfiltered, 1);
    close_env(&e);
}
END_TEST

static void config_bad(const char *complex, const char *want)
{
    char json[1024];
    snprintf(json, sizeof json, "{\"tableName\":\"t\",\"tableType\":\"OFFLINE\","
             "\"ingestionConfig\":{\"complexTypeConfig\":%s}}", complex);
    srv_table_config *c = NULL;
    err[0] = 0;
    ck_assert_msg(srv_table_config_parse(json, strlen(json), &c, err) == TN_EINVAL, "%s", json);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
    ck_assert_ptr_null(c);
}

START_TEST(bad_complex_configs)
{
    config_bad("[]", "'ingestionConfig.complexTypeConfig' must be an object");
    config_bad("{\"fieldsToUnnest\":\"items\"}", "complexTypeConfig.fieldsToUnnest' must be");
    config_bad("{\"fieldsToUnnest\":[\"\"]}", "complexTypeConfig.fieldsToUnnest' must hold");
    config_bad("{\"delimiter\":\"\"}", "complexTypeConfig.delimiter'");
    config_bad("{\"collectionNotUnnestedToJson\":\"SOME\"}",
               "complexTypeConfig.collectionNotUnnestedToJson' must be NONE");
    config_bad("{\"prefixesToRename\":{\"a.\":1}}", "prefixesToRename': prefix 'a.'");
    config_bad("{\"prefixesToRename\":[]}", "complexTypeConfig.prefixesToRename' must be");
    config_bad("{\"fieldToUnnest\":[\"a\"]}",
               "'ingestionConfig.complexTypeConfig.fieldToUnnest' is not a known key");
    /* defaults */
    const char *json = "{\"tableName\":\"t\",\"tableType\":\"OFFLINE\",\"ingestionConfig\":"
                       "{\"complexTypeConfig\":{\"fieldsToUnnest\":[\"b\",\"a.c\",\"a\"]}}}";
    srv_table_config *c;
    ck_assert_int_eq(srv_table_config_parse(json, strlen(json), &c, err), TN_OK);
    ck_assert(c->complex.on);
    ck_assert_str_eq(c->complex.delimiter, ".");
    ck_assert_int_eq(c->complex.to_json, SRV_TO_JSON_NON_PRIMITIVE);
    ck_assert_str_eq(c->complex.unnest.v[0], "a"); /* parents first */
    ck_assert_str_eq(c->complex.unnest.v[1], "a.c");
    ck_assert_str_eq(c->complex.unnest.v[2], "b");
    srv_table_config_free(c);
}
END_TEST

/* ---- size-based flush ------------------------------------------------ */

static srv_table_config *stream_config(const char *keys)
{
    char json[1024];
    snprintf(json, sizeof json, "{\"tableName\":\"t\",\"tableType\":\"REALTIME\","
             "\"tableIndexConfig\":{\"streamConfigs\":{\"streamType\":\"kafka\","
             "\"stream.kafka.topic.name\":\"t\"%s}}}", keys);
    srv_table_config *c = NULL;
    ck_assert_msg(srv_table_config_parse(json, strlen(json), &c, err) == TN_OK, "%s", err);
    return c;
}

START_TEST(autotune_config)
{
    srv_table_config *c = stream_config(",\"realtime.segment.flush.threshold.rows\":\"0\"");
    ck_assert(c->stream.flush_autotune);
    ck_assert_uint_eq(c->stream.flush_segment_bytes, 200ull << 20);
    ck_assert_uint_eq(c->stream.flush_initial_rows, 100000);
    ck_assert_uint_eq(c->stream.flush_bytes, 6 * (200ull << 20)); /* memory bound */
    ck_assert_uint_eq(c->stream.flush_rows, 0);
    srv_table_config_free(c);
    c = stream_config(",\"realtime.segment.flush.threshold.segment.size\":\"10M\","
                      "\"realtime.segment.flush.autotune.initialRows\":\"20000\"");
    ck_assert(c->stream.flush_autotune);
    ck_assert_uint_eq(c->stream.flush_segment_bytes, 10ull << 20);
    ck_assert_uint_eq(c->stream.flush_initial_rows, 20000);
    ck_assert_uint_eq(c->stream.flush_bytes, 200ull << 20); /* the bound's floor */
    srv_table_config_free(c);
    /* a row threshold: the size is only the memory bound, as before */
    c = stream_config(",\"realtime.segment.flush.threshold.rows\":\"1000\","
                      "\"realtime.segment.flush.threshold.segment.size\":\"10M\"");
    ck_assert(!c->stream.flush_autotune);
    ck_assert_uint_eq(c->stream.flush_rows, 1000);
    ck_assert_uint_eq(c->stream.flush_bytes, 10ull << 20);
    srv_table_config_free(c);
    c = stream_config("");
    ck_assert(!c->stream.flush_autotune);
    ck_assert_uint_eq(c->stream.flush_rows, 5000000);
    srv_table_config_free(c);
    const char *json = "{\"tableName\":\"t\",\"tableType\":\"REALTIME\",\"tableIndexConfig\":"
                       "{\"streamConfigs\":{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":"
                       "\"t\",\"realtime.segment.flush.autotune.initialRows\":\"lots\"}}}";
    ck_assert_int_eq(srv_table_config_parse(json, strlen(json), &c, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "'realtime.segment.flush.autotune.initialRows'"), "%s", err);
}
END_TEST

START_TEST(autotune_rules)
{
    srv_stream_config s = {.flush_segment_bytes = 1000000, .flush_initial_rows = 50000,
                           .flush_time_ms = 3600000, .flush_autotune = true};
    srv_sealed_info segs[] = {{100, 1000}, {0, 0}, {200, 1000}};
    double r = srv_autotune_ratio(segs, 3);
    ck_assert(r > 0.10999 && r < 0.11001); /* 0.1 * 0.2 + 0.9 * 0.1; empty ones skipped */
    ck_assert(srv_autotune_ratio(segs, 1) == 0.1);
    ck_assert(srv_autotune_ratio(NULL, 0) == 0);

    ck_assert_uint_eq(srv_autotune_rows(&s, 0, NULL), 50000);       /* the first segment */
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.03, NULL), 30000);    /* a ratio known */
    srv_autotune_last l = {.rows = 100000, .bytes = 300000, .reason = SRV_ROLL_ROWS};
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.11, &l), 150000);     /* small: x1.5 */
    l.bytes = 2000000;
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.11, &l), 50000);      /* big: /2 */
    l.bytes = 1000000;
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.11, &l), 110000);     /* desired x ratio */
    l.reason = SRV_ROLL_UNKNOWN; /* after a restart: the same sizing rules */
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.11, &l), 110000);
    l = (srv_autotune_last){.rows = 20000, .bytes = 90000, .reason = SRV_ROLL_TIME,
                            .threshold = 50000, .duration_ms = 3600000};
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.2, &l), 22000);       /* time hit: x1.1 */
    l.duration_ms = 7200000; /* the time threshold was halved since */
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.2, &l), 11000);
    l.rows = 100;
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.2, &l), SRV_AUTOTUNE_MIN_ROWS);
    l = (srv_autotune_last){.rows = 5, .bytes = 100, .reason = SRV_ROLL_FORCE,
                            .threshold = 77777};
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.05, &l), 77777);      /* forced: keep */
    l = (srv_autotune_last){.rows = 0, .bytes = 0, .threshold = 60000};
    ck_assert_uint_eq(srv_autotune_rows(&s, 0.05, &l), 60000);      /* empty: keep */
    s.flush_segment_bytes = 1ull << 40;
    l = (srv_autotune_last){.rows = 1000000, .bytes = 1ull << 40};
    ck_assert_uint_eq(srv_autotune_rows(&s, 1.0, &l), INT32_MAX);   /* capped */
}
END_TEST

static Suite *unnest_suite(void)
{
    Suite *s = suite_create("srv_unnest");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, unnest_one_field);
    tcase_add_test(tc, unnest_two_fields_and_nested);
    tcase_add_test(tc, collection_to_json_modes);
    tcase_add_test(tc, rename_prefixes);
    tcase_add_test(tc, fan_out_bound_and_all_or_nothing);
    tcase_add_test(tc, filter_per_row);
    tcase_add_test(tc, bad_complex_configs);
    tcase_add_test(tc, autotune_config);
    tcase_add_test(tc, autotune_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(unnest_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
