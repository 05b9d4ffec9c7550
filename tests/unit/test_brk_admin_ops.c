/*
 * test_brk_admin_ops.c: the pure parts behind the table-management admin
 * calls: config updates in the catalog (path/body match, unknown tables,
 * bad configs, flags kept, durable), the disabled state (durable, Pinot's
 * rule for a query on a wholly or partly disabled table), reload job
 * records, and TableSizeReader's per-segment arithmetic.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brk_catalog.h"
#include "brk_route.h"

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
    ck_assert_msg(brk_catalog_open(dir, true, &c, warn, sizeof warn, err) == TN_OK, "%s", err);
    return c;
}

static const char *SCHEMA =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"}],\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":"
    "\"1:DAYS:EPOCH\",\"granularity\":\"1:DAYS\"}]}";
static const char *OFF =
    "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":{\"timeColumnName\":"
    "\"day\"}}";
static const char *RT =
    "{\"tableName\":\"ev\",\"tableType\":\"REALTIME\",\"segmentsConfig\":{\"timeColumnName\":"
    "\"day\"},\"tableIndexConfig\":{\"streamConfigs\":{\"streamType\":\"kafka\"}}}";

/* A catalog with schema ev and the hybrid table ev. */
static brk_catalog *with_tables(const char *name)
{
    brk_catalog *c = open_in(name);
    char n[300], err[TN_ERRLEN];
    ck_assert(brk_catalog_put_schema(c, SCHEMA, strlen(SCHEMA), true, n, sizeof n, err) == 0);
    ck_assert(brk_catalog_put_table(c, OFF, strlen(OFF), n, sizeof n, err) == 0);
    ck_assert(brk_catalog_put_table(c, RT, strlen(RT), n, sizeof n, err) == 0);
    return c;
}

static int update(brk_catalog *c, const char *path, const char *json, char *err)
{
    char n[300], *old = NULL;
    int rc = brk_catalog_update_table(c, path, json, strlen(json), n, sizeof n, &old, err);
    ck_assert(rc ? old == NULL : old != NULL);
    free(old);
    return rc;
}

START_TEST(update_table)
{
    brk_catalog *c = with_tables("update");
    char err[TN_ERRLEN];
    const char *v2 = "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":"
                     "{\"timeColumnName\":\"day\",\"retentionTimeUnit\":\"DAYS\","
                     "\"retentionTimeValue\":\"3\"}}";
    ck_assert_int_eq(update(c, "ev", v2, err), TN_OK);
    ck_assert_int_eq(update(c, "ev_OFFLINE", v2, err), TN_OK);
    char *js = brk_catalog_table_json(c, "ev_OFFLINE");
    ck_assert_ptr_nonnull(strstr(js, "\"retentionTimeValue\":\"3\""));
    ck_assert_ptr_nonnull(strstr(js, "\"tableName\":\"ev_OFFLINE\""));
    free(js);
    /* the path names another table than the body */
    ck_assert_int_eq(update(c, "other", v2, err), TN_EINVAL);
    ck_assert_str_eq(err, "Request table other_OFFLINE does not match table name in the body "
                          "ev_OFFLINE");
    ck_assert_int_eq(update(c, "ev_REALTIME", v2, err), TN_EINVAL);
    /* unknown table, bad configs */
    const char *ghost = "{\"tableName\":\"ghost\",\"tableType\":\"OFFLINE\"}";
    ck_assert_int_eq(update(c, "ghost", ghost, err), TN_ENOTFOUND);
    ck_assert_int_eq(update(c, "ev", "{\"tableName\":\"ev\",\"tableType\":\"OFFLINE\","
                                     "\"segmentsConfig\":{\"timeColumnName\":\"nope\"}}", err),
                     TN_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "time column nope"));
    ck_assert_int_eq(update(c, "ev", "[1]", err), TN_EINVAL);
    ck_assert_int_eq(update(c, "ev", "{\"tableName\":", err), TN_EINVAL);
    ck_assert_int_eq(update(c, "ev", "{\"tableName\":\"ev\",\"tableType\":\"REALTIME\"}", err),
                     TN_EINVAL); /* a REALTIME config needs a stream */
    /* flags survive an update */
    ck_assert(brk_catalog_set_paused(c, "ev_REALTIME", true, err) == 0);
    ck_assert(brk_catalog_set_disabled(c, "ev_REALTIME", true, err) == 0);
    ck_assert_int_eq(update(c, "ev", RT, err), TN_OK);
    ck_assert(brk_catalog_paused(c, "ev_REALTIME"));
    ck_assert(brk_catalog_table_disabled(c, "ev_REALTIME"));
    brk_catalog_close(c);
    /* durable */
    c = open_in("update");
    js = brk_catalog_table_json(c, "ev_OFFLINE");
    ck_assert_ptr_nonnull(strstr(js, "\"retentionTimeValue\":\"3\""));
    free(js);
    ck_assert(brk_catalog_table_disabled(c, "ev_REALTIME"));
    ck_assert(!brk_catalog_table_disabled(c, "ev_OFFLINE"));
    brk_catalog_close(c);
}
END_TEST

START_TEST(disabled_state)
{
    brk_catalog *c = with_tables("state");
    char err[TN_ERRLEN], msg[128];
    ck_assert_int_eq(brk_catalog_set_disabled(c, "nope_OFFLINE", true, err), TN_ENOTFOUND);
    brk_resolved r;
    ck_assert(brk_catalog_resolve(c, "ev", &r, err) == 0);
    ck_assert_int_eq(brk_resolved_check_enabled(&r, msg, sizeof msg), BRK_TABLE_ENABLED);
    ck_assert(r.has[0] && r.has[1]);
    brk_resolved_release(&r);
    /* one part of a hybrid table: the other answers, with Pinot's notice */
    ck_assert(brk_catalog_set_disabled(c, "ev_REALTIME", true, err) == 0);
    ck_assert(brk_catalog_resolve(c, "ev", &r, err) == 0);
    ck_assert_int_eq(brk_resolved_check_enabled(&r, msg, sizeof msg), BRK_TABLE_PART_DISABLED);
    ck_assert_str_eq(msg, "Realtime table is disabled in hybrid table");
    ck_assert(r.has[BRK_OFFLINE] && !r.has[BRK_REALTIME]);
    brk_resolved_release(&r);
    /* the disabled part named alone, and every part disabled */
    ck_assert(brk_catalog_resolve(c, "ev_REALTIME", &r, err) == 0);
    ck_assert_int_eq(brk_resolved_check_enabled(&r, msg, sizeof msg), BRK_TABLE_DISABLED);
    ck_assert_str_eq(msg, "Table ev is disabled");
    brk_resolved_release(&r);
    ck_assert(brk_catalog_set_disabled(c, "ev_OFFLINE", true, err) == 0);
    ck_assert(brk_catalog_resolve(c, "EV", &r, err) == 0);
    ck_assert_int_eq(brk_resolved_check_enabled(&r, msg, sizeof msg), BRK_TABLE_DISABLED);
    brk_resolved_release(&r);
    ck_assert(brk_catalog_set_disabled(c, "ev_REALTIME", false, err) == 0);
    ck_assert(brk_catalog_resolve(c, "ev", &r, err) == 0);
    ck_assert_int_eq(brk_resolved_check_enabled(&r, msg, sizeof msg), BRK_TABLE_PART_DISABLED);
    ck_assert_str_eq(msg, "Offline table is disabled in hybrid table");
    ck_assert(!r.has[BRK_OFFLINE] && r.has[BRK_REALTIME]);
    brk_resolved_release(&r);
    brk_catalog_close(c);
    /* durable, and forgotten with the table */
    c = open_in("state");
    ck_assert(brk_catalog_table_disabled(c, "ev_OFFLINE"));
    ck_assert(!brk_catalog_table_disabled(c, "ev_REALTIME"));
    ck_assert(brk_catalog_delete_table(c, "ev_OFFLINE", err) == 0);
    ck_assert(brk_catalog_put_table(c, OFF, strlen(OFF), msg, sizeof msg, err) == 0);
    ck_assert(!brk_catalog_table_disabled(c, "ev_OFFLINE"));
    brk_catalog_close(c);
}
END_TEST

START_TEST(jobs)
{
    brk_catalog *c = open_in("jobs");
    char err[TN_ERRLEN];
    const char *id = "0b5e3d1c-2f4a-4c6b-8d9e-0123456789ab";
    ck_assert_int_eq(brk_catalog_put_job(c, id, "{\"jobId\":\"x\"}", err), TN_OK);
    ck_assert_int_eq(brk_catalog_put_job(c, "../table/x", "{}", err), TN_EINVAL);
    ck_assert_int_eq(brk_catalog_put_job(c, "", "{}", err), TN_EINVAL);
    ck_assert_ptr_null(brk_catalog_job_json(c, "0b5e3d1c"));
    ck_assert_ptr_null(brk_catalog_job_json(c, "../schema/ev"));
    brk_catalog_close(c);
    c = open_in("jobs");
    char *js = brk_catalog_job_json(c, id);
    ck_assert_str_eq(js, "{\"jobId\":\"x\"}");
    free(js);
    brk_catalog_close(c);
}
END_TEST

START_TEST(segment_size)
{
    brk_seg_size s;
    int64_t one[] = {100};
    ck_assert(brk_segment_size(one, 1, &s));
    ck_assert(s.reported == 100 && s.estimated == 100 && s.max_per_replica == 100);
    int64_t three[] = {100, -1, 120};
    ck_assert(brk_segment_size(three, 3, &s));
    ck_assert_int_eq(s.reported, 220);
    ck_assert_int_eq(s.max_per_replica, 120);
    ck_assert_int_eq(s.estimated, 340); /* the silent replica counted at the largest */
    int64_t none[] = {-1, -1};
    ck_assert(!brk_segment_size(none, 2, &s));
    ck_assert(s.reported == -1 && s.estimated == -1 && s.max_per_replica == -1);
    ck_assert(!brk_segment_size(none, 0, &s));
    int64_t zero[] = {0};
    ck_assert(brk_segment_size(zero, 1, &s));
    ck_assert_int_eq(s.reported, 0);
}
END_TEST

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_brk_admin_ops.%d", (int)getpid());
    Suite *suite = suite_create("brk_admin_ops");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, update_table);
    tcase_add_test(tc, disabled_state);
    tcase_add_test(tc, jobs);
    tcase_add_test(tc, segment_size);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return number_failed ? 1 : 0;
}
