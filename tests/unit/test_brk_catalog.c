/*
 * test_brk_catalog.c: the broker's durable catalog: schemas and table
 * configs in, bad ones refused with a reason, Pinot's name rules and
 * conflicts, table resolution (raw, typed, case-insensitive, hybrid, time
 * column), durability across reopen (pause flags too), schema references
 * that outlive a replacement, and readers racing writers.
 */
#include <check.h>
#include <stdatomic.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "brk_catalog.h"

#define AIRLINE_DIR TN_SHARED_DIR "/data/airlineStats/"

static char root[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static brk_catalog *open_in(const char *name)
{
    char dir[128], err[TN_ERRLEN] = "", warn[256];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    brk_catalog *c = NULL;
    int rc = brk_catalog_open(dir, true, &c, warn, sizeof warn, err);
    ck_assert_msg(rc == TN_OK, "open failed: %s", err);
    ck_assert_msg(warn[0] == 0, "warnings: %s", warn);
    return c;
}

static const char *EVENTS =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"}],\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":\"1:DAYS:EPOCH\","
    "\"granularity\":\"1:DAYS\"},{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\",\"format\":"
    "\"1:MILLISECONDS:TIMESTAMP\",\"granularity\":\"1:MILLISECONDS\"}]}";

static const char *OFFLINE_CFG =
    "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":"
    "{\"timeColumnName\":\"day\",\"replication\":\"1\"},\"tenants\":{}}";

static const char *REALTIME_CFG =
    "{\"tableName\":\"events_REALTIME\",\"tableType\":\"REALTIME\",\"segmentsConfig\":"
    "{\"timeColumnName\":\"ts\"},\"tableIndexConfig\":{\"streamConfigs\":{\"streamType\":"
    "\"kafka\",\"stream.kafka.topic.name\":\"events\"}}}";

static void put_schema_ok(brk_catalog *c, const char *json, bool override, const char *want)
{
    char name[256], err[TN_ERRLEN] = "";
    int rc = brk_catalog_put_schema(c, json, strlen(json), override, name, sizeof name, err);
    ck_assert_msg(rc == TN_OK, "put schema failed: %s", err);
    ck_assert_str_eq(name, want);
}

static void put_schema_fails(brk_catalog *c, const char *json, int code, const char *want)
{
    char name[256], err[TN_ERRLEN] = "";
    int rc = brk_catalog_put_schema(c, json, strlen(json), false, name, sizeof name, err);
    ck_assert_int_eq(rc, code);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

static void put_table_ok(brk_catalog *c, const char *json, const char *want)
{
    char name[300], err[TN_ERRLEN] = "";
    int rc = brk_catalog_put_table(c, json, strlen(json), name, sizeof name, err);
    ck_assert_msg(rc == TN_OK, "put table failed: %s", err);
    ck_assert_str_eq(name, want);
}

static void put_table_fails(brk_catalog *c, const char *json, int code, const char *want)
{
    char name[300], err[TN_ERRLEN] = "";
    int rc = brk_catalog_put_table(c, json, strlen(json), name, sizeof name, err);
    ck_assert_int_eq(rc, code);
    ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

START_TEST(schemas)
{
    brk_catalog *c = open_in("schemas");
    put_schema_ok(c, EVENTS, false, "events");
    put_schema_fails(c, EVENTS, TN_EEXIST, "already exists");
    put_schema_ok(c, EVENTS, true, "events");
    put_schema_fails(c, "{", TN_EINVAL, "Invalid schema");
    put_schema_fails(c, "{\"schemaName\":\"a__b\",\"dimensionFieldSpecs\":[{\"name\":\"x\","
                        "\"dataType\":\"INT\"}]}", TN_EINVAL, "contains '__'");
    put_schema_fails(c, "{\"schemaName\":\"bad\",\"dimensionFieldSpecs\":[{\"name\":\"x\","
                        "\"dataType\":\"NOPE\"}]}", TN_EINVAL, "NOPE");
    char *js = brk_catalog_schema_json(c, "EVENTS");
    ck_assert_str_eq(js, EVENTS);
    free(js);
    ck_assert_ptr_null(brk_catalog_schema_json(c, "nope"));
    put_schema_ok(c, "{\"schemaName\":\"a\",\"dimensionFieldSpecs\":[{\"name\":\"x\","
                     "\"dataType\":\"INT\"}]}", false, "a");
    uint32_t n;
    char **names = brk_catalog_schema_names(c, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(names[0], "a");
    ck_assert_str_eq(names[1], "events");
    brk_names_free(names, n);
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_catalog_delete_schema(c, "a", err), TN_OK);
    ck_assert_int_eq(brk_catalog_delete_schema(c, "a", err), TN_ENOTFOUND);
    brk_catalog_close(c);
}
END_TEST

START_TEST(tables)
{
    brk_catalog *c = open_in("tables");
    put_table_fails(c, OFFLINE_CFG, TN_EINVAL, "schema events does not exist");
    put_schema_ok(c, EVENTS, false, "events");
    put_table_ok(c, OFFLINE_CFG, "events_OFFLINE");
    put_table_fails(c, OFFLINE_CFG, TN_EEXIST, "Table events_OFFLINE already exists");
    put_table_fails(c, "{\"tableName\":\"events\",\"tableType\":\"REALTIME\"}", TN_EINVAL,
                    "stream");
    put_table_fails(c, "{\"tableName\":\"events_OFFLINE\",\"tableType\":\"REALTIME\"}",
                    TN_EINVAL, "does not match");
    put_table_fails(c, "{\"tableName\":\"events\",\"tableType\":\"HYBRID\"}", TN_EINVAL,
                    "HYBRID");
    put_table_fails(c, "{\"tableType\":\"OFFLINE\"}", TN_EINVAL, "tableName");
    put_table_fails(c, "[1]", TN_EINVAL, "not a JSON object");
    put_table_fails(c, "{\"tableName\":", TN_EINVAL, "not JSON");
    put_table_fails(c, "{\"tableName\":\"events\",\"tableType\":\"REALTIME\",\"segmentsConfig\":"
                       "{\"timeColumnName\":\"nope\"},\"tableIndexConfig\":{\"streamConfigs\":"
                       "{\"a\":\"b\"}}}", TN_EINVAL, "time column nope");
    put_table_ok(c, REALTIME_CFG, "events_REALTIME");
    /* the stored config names the typed table, as Pinot stores it */
    char *cfg = brk_catalog_table_json(c, "events_offline");
    cJSON *j = cJSON_Parse(cfg);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "tableName")->valuestring, "events_OFFLINE");
    cJSON_Delete(j);
    free(cfg);
    char err[TN_ERRLEN] = "";
    ck_assert_int_eq(brk_catalog_delete_schema(c, "events", err), TN_EEXIST);
    ck_assert_msg(strstr(err, "associated with table events_"), "%s", err);
    char typed[300];
    ck_assert(brk_catalog_find_table(c, "Events", typed, sizeof typed));
    ck_assert_str_eq(typed, "events_OFFLINE");
    ck_assert(brk_catalog_find_table(c, "events_realtime", typed, sizeof typed));
    ck_assert_str_eq(typed, "events_REALTIME");
    ck_assert(!brk_catalog_find_table(c, "other", typed, sizeof typed));
    uint32_t n;
    char **names = brk_catalog_table_names(c, &n);
    ck_assert_uint_eq(n, 2);
    brk_names_free(names, n);
    ck_assert_int_eq(brk_catalog_delete_table(c, "events_OFFLINE", err), TN_OK);
    ck_assert_int_eq(brk_catalog_delete_table(c, "events_OFFLINE", err), TN_ENOTFOUND);
    ck_assert(brk_catalog_find_table(c, "events", typed, sizeof typed));
    ck_assert_str_eq(typed, "events_REALTIME");
    brk_catalog_close(c);
}
END_TEST

START_TEST(resolve)
{
    brk_catalog *c = open_in("resolve");
    put_schema_ok(c, EVENTS, false, "events");
    put_table_ok(c, OFFLINE_CFG, "events_OFFLINE");
    brk_resolved r;
    char err[TN_ERRLEN] = "";
    ck_assert_int_eq(brk_catalog_resolve(c, "nope", &r, err), TN_ENOTFOUND);
    ck_assert_msg(strstr(err, "Unknown table: nope"), "%s", err);
    ck_assert_int_eq(brk_catalog_resolve(c, "events_REALTIME", &r, err), TN_ENOTFOUND);
    ck_assert_int_eq(brk_catalog_resolve(c, "EVENTS", &r, err), TN_OK);
    ck_assert(r.has[BRK_OFFLINE] && !r.has[BRK_REALTIME]);
    ck_assert_str_eq(r.typed[BRK_OFFLINE], "events_OFFLINE");
    ck_assert_str_eq(r.time_column, "day");
    ck_assert_int_eq(r.time_unit_ms, 86400000);
    ck_assert(!r.hourly);
    brk_resolved_release(&r);
    /* hybrid: the OFFLINE time column defines the split */
    put_table_ok(c, REALTIME_CFG, "events_REALTIME");
    ck_assert_int_eq(brk_catalog_resolve(c, "events", &r, err), TN_OK);
    ck_assert(r.has[BRK_OFFLINE] && r.has[BRK_REALTIME]);
    ck_assert_str_eq(r.time_column, "day");
    ck_assert_str_eq(r.raw, "events");
    /* the schema stays usable while replaced and after its table is gone */
    const seg_schema *s = r.schema;
    put_schema_ok(c, "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\","
                     "\"dataType\":\"STRING\"},{\"name\":\"city\",\"dataType\":\"STRING\"}],"
                     "\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":"
                     "\"1:DAYS:EPOCH\",\"granularity\":\"1:DAYS\"},{\"name\":\"ts\",\"dataType\":"
                     "\"TIMESTAMP\",\"format\":\"1:MILLISECONDS:TIMESTAMP\",\"granularity\":"
                     "\"1:MILLISECONDS\"}]}", true, "events");
    ck_assert_int_ge(seg_schema_find(s, "clicks"), 0);
    brk_resolved_release(&r);
    ck_assert_int_eq(brk_catalog_resolve(c, "events_REALTIME", &r, err), TN_OK);
    ck_assert(!r.has[BRK_OFFLINE] && r.has[BRK_REALTIME]);
    ck_assert_str_eq(r.time_column, "ts");
    ck_assert_int_eq(r.time_unit_ms, 1);
    ck_assert_int_ge(seg_schema_find(r.schema, "city"), 0);
    brk_resolved_release(&r);
    brk_catalog_close(c);
}
END_TEST

START_TEST(durable)
{
    brk_catalog *c = open_in("durable");
    put_schema_ok(c, EVENTS, false, "events");
    put_table_ok(c, OFFLINE_CFG, "events_OFFLINE");
    put_table_ok(c, REALTIME_CFG, "events_REALTIME");
    char err[TN_ERRLEN];
    ck_assert_int_eq(brk_catalog_set_paused(c, "events_REALTIME", true, err), TN_OK);
    ck_assert_int_eq(brk_catalog_set_paused(c, "nope_REALTIME", true, err), TN_ENOTFOUND);
    brk_catalog_close(c);
    c = open_in("durable");
    uint32_t n;
    char **names = brk_catalog_table_names(c, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(names[0], "events_OFFLINE");
    ck_assert_str_eq(names[1], "events_REALTIME");
    brk_names_free(names, n);
    ck_assert(brk_catalog_paused(c, "events_REALTIME"));
    ck_assert(!brk_catalog_paused(c, "events_OFFLINE"));
    char *schema, *cfg;
    ck_assert_int_eq(brk_catalog_table_payload(c, "events_REALTIME", &schema, &cfg, err), TN_OK);
    ck_assert_str_eq(schema, EVENTS);
    ck_assert(strstr(cfg, "\"events_REALTIME\""));
    free(schema);
    free(cfg);
    ck_assert_int_eq(brk_catalog_set_paused(c, "events_REALTIME", false, err), TN_OK);
    ck_assert_int_eq(brk_catalog_delete_table(c, "events_OFFLINE", err), TN_OK);
    brk_catalog_close(c);
    c = open_in("durable");
    ck_assert(!brk_catalog_paused(c, "events_REALTIME"));
    names = brk_catalog_table_names(c, &n);
    ck_assert_uint_eq(n, 1);
    brk_names_free(names, n);
    brk_catalog_close(c);
}
END_TEST

START_TEST(airline)
{
    if (access(AIRLINE_DIR "airlineStats_schema.json", R_OK)) {
        fprintf(stderr, "SKIP airline: %s not found\n", AIRLINE_DIR);
        return;
    }
    brk_catalog *c = open_in("airline");
    char *json, *cfg, err[TN_ERRLEN];
    size_t len, clen;
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats_schema.json", &json, &len, err), 0);
    put_schema_ok(c, json, false, "airlineStats");
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats_offline_table_config.json", &cfg, &clen,
                                  err), 0);
    put_table_ok(c, cfg, "airlineStats_OFFLINE");
    free(cfg);
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats_realtime_table_config.json", &cfg,
                                  &clen, err), 0);
    put_table_ok(c, cfg, "airlineStats_REALTIME");
    free(cfg);
    free(json);
    brk_resolved r;
    ck_assert_int_eq(brk_catalog_resolve(c, "airlineStats", &r, err), TN_OK);
    ck_assert_str_eq(r.time_column, "DaysSinceEpoch");
    ck_assert_int_eq(r.time_unit_ms, 86400000);
    brk_resolved_release(&r);
    brk_catalog_close(c);
}
END_TEST

/* Readers resolve while a writer replaces the schema over and over: every
 * reader's schema stays valid (ASan would see a use after free). */
typedef struct race {
    brk_catalog *c;
    atomic_bool stop;
    long resolved;
} race;

static void *reader(void *arg)
{
    race *r = arg;
    char err[TN_ERRLEN];
    while (!atomic_load(&r->stop)) {
        brk_resolved x;
        if (brk_catalog_resolve(r->c, "events", &x, err) == 0) {
            ck_assert_int_ge(seg_schema_find(x.schema, "country"), 0);
            brk_resolved_release(&x);
            __atomic_add_fetch(&r->resolved, 1, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

START_TEST(readers_race_writer)
{
    race r = {.c = open_in("race")};
    put_schema_ok(r.c, EVENTS, false, "events");
    put_table_ok(r.c, OFFLINE_CFG, "events_OFFLINE");
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, reader, &r);
    for (int i = 0; i < 200; i++)
        put_schema_ok(r.c, EVENTS, true, "events");
    atomic_store(&r.stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_gt(r.resolved, 0);
    brk_catalog_close(r.c);
}
END_TEST

START_TEST(split_names)
{
    char raw[64];
    brk_table_type t;
    ck_assert(brk_table_split("a_OFFLINE", raw, sizeof raw, &t));
    ck_assert_str_eq(raw, "a");
    ck_assert_int_eq(t, BRK_OFFLINE);
    ck_assert(brk_table_split("a_b_realtime", raw, sizeof raw, &t));
    ck_assert_str_eq(raw, "a_b");
    ck_assert_int_eq(t, BRK_REALTIME);
    ck_assert(!brk_table_split("_OFFLINEx", raw, sizeof raw, &t));
    ck_assert(!brk_table_split("_OFFLINE", raw, sizeof raw, &t));
    ck_assert_str_eq(raw, "_OFFLINE");
}
END_TEST

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_brk_catalog.%d", (int)getpid());
    Suite *suite = suite_create("brk_catalog");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, schemas);
    tcase_add_test(tc, tables);
    tcase_add_test(tc, resolve);
    tcase_add_test(tc, durable);
    tcase_add_test(tc, airline);
    tcase_add_test(tc, readers_race_writer);
    tcase_add_test(tc, split_names);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return number_failed ? 1 : 0;
}
