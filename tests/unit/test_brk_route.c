/*
 * test_brk_route.c: routing snapshots from server status JSON (typed and
 * raw-plus-type table names, int64 fields as numbers or strings, servers
 * that did not answer), Pinot's hybrid time boundary, the time range a
 * WHERE clause allows (compiled with the real query front end), segment
 * pruning against it, and the /debug/routingTable rendering.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_route.h"
#include "qry_reduce.h"

#define DAY 86400000LL

/* Two servers: A holds events_OFFLINE days 100..110 and 111..120 and a
 * consuming REALTIME segment; B (raw name + type form) holds days 121..130
 * with times as strings. The third server never answered. */
static const char *STATUS_A =
    "{\"server\":\"A\",\"ready\":true,\"tables\":["
    "{\"name\":\"events_OFFLINE\",\"type\":\"OFFLINE\",\"segments\":["
    "{\"name\":\"o1\",\"startTimeMs\":8640000000,\"endTimeMs\":9504000000,\"docs\":10,"
    "\"status\":\"DONE\"},"
    "{\"name\":\"o2\",\"startTimeMs\":9590400000,\"endTimeMs\":10368000000,\"docs\":20,"
    "\"status\":\"DONE\"}]},"
    "{\"name\":\"events_REALTIME\",\"type\":\"REALTIME\",\"segments\":["
    "{\"name\":\"events__0__0__x\",\"startTimeMs\":1,\"endTimeMs\":2,\"docs\":5,"
    "\"status\":\"IN_PROGRESS\"}]}]}";

static const char *STATUS_B =
    "{\"server\":\"B\",\"tables\":[{\"name\":\"events\",\"type\":\"OFFLINE\",\"segments\":["
    "{\"name\":\"o3\",\"startTimeMs\":\"10454400000\",\"endTimeMs\":\"11232000000\","
    "\"docs\":\"30\",\"status\":\"DONE\"},"
    "{\"name\":\"notime\",\"startTimeMs\":-1,\"endTimeMs\":-1,\"docs\":1}]}]}";

static brk_routing *build(void)
{
    cJSON *st[3] = {cJSON_Parse(STATUS_A), cJSON_Parse(STATUS_B), NULL};
    ck_assert(st[0] && st[1]);
    bool up[3] = {true, true, false};
    return brk_routing_build(3, st, up);
}

START_TEST(snapshot)
{
    brk_routing *r = build();
    ck_assert_uint_eq(r->ntables, 2);
    const brk_route_table *t = brk_routing_find(r, "EVENTS_offline");
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->nsrvs, 2);
    ck_assert_uint_eq(t->srvs[0].server, 0);
    ck_assert_uint_eq(t->srvs[0].nsegs, 2);
    ck_assert_str_eq(t->srvs[0].segs[1].name, "o2");
    ck_assert_int_eq(t->srvs[0].segs[1].docs, 20);
    ck_assert_uint_eq(t->srvs[1].server, 1);
    ck_assert_int_eq(t->srvs[1].segs[0].start_ms, 121 * DAY);
    ck_assert_int_eq(t->srvs[1].segs[0].docs, 30);
    ck_assert_int_eq(t->srvs[1].segs[1].start_ms, BRK_TIME_MIN);
    const brk_route_table *rt = brk_routing_find(r, "events_REALTIME");
    ck_assert_ptr_nonnull(rt);
    ck_assert(rt->srvs[0].segs[0].consuming);
    ck_assert_ptr_null(brk_routing_find(r, "other_OFFLINE"));
    ck_assert(!r->up[2]);
    brk_routing *r2 = brk_routing_ref(r);
    brk_routing_unref(r);
    ck_assert_ptr_nonnull(brk_routing_find(r2, "events_OFFLINE"));
    brk_routing_unref(r2);
}
END_TEST

START_TEST(boundary)
{
    brk_routing *r = build();
    int64_t b;
    /* latest end: day 130; minus one day -> 129 (days) */
    ck_assert(brk_routing_time_boundary(r, "events_OFFLINE", DAY, false, &b));
    ck_assert_int_eq(b, 129);
    /* hourly push with a DAYS column still subtracts a day */
    ck_assert(brk_routing_time_boundary(r, "events_OFFLINE", DAY, true, &b));
    ck_assert_int_eq(b, 129);
    /* millisecond column: a day, or an hour for hourly tables */
    ck_assert(brk_routing_time_boundary(r, "events_OFFLINE", 1, false, &b));
    ck_assert_int_eq(b, 130 * DAY - DAY);
    ck_assert(brk_routing_time_boundary(r, "events_OFFLINE", 1, true, &b));
    ck_assert_int_eq(b, 130 * DAY - 3600000);
    ck_assert(!brk_routing_time_boundary(r, "nope_OFFLINE", DAY, false, &b));
    brk_routing_unref(r);
}
END_TEST

static const char *SCHEMA =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"}],\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":"
    "\"1:DAYS:EPOCH\",\"granularity\":\"1:DAYS\"}]}";

static void range_of(const char *sql, int64_t *lo, int64_t *hi)
{
    seg_schema *s;
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_parse(SCHEMA, strlen(SCHEMA), &s, err), 0);
    qry_query *q;
    qry_err e;
    ck_assert_msg(qry_compile(sql, QRY_HTTP, NULL, s, &q, &e) == 0, "%s: %s", sql, e.msg);
    brk_query_time_range(q, seg_schema_find(s, "day"), DAY, lo, hi);
    qry_query_free(q);
    seg_schema_free(s);
}

START_TEST(time_range)
{
    int64_t lo, hi;
    range_of("SELECT COUNT(*) FROM events", &lo, &hi);
    ck_assert(lo == BRK_TIME_MIN && hi == BRK_TIME_MAX);
    range_of("SELECT COUNT(*) FROM events WHERE day >= 110 AND day < 120", &lo, &hi);
    ck_assert_int_eq(lo, 110 * DAY);
    ck_assert_int_eq(hi, 120 * DAY);
    range_of("SELECT COUNT(*) FROM events WHERE 115 < day AND country = 'x'", &lo, &hi);
    ck_assert_int_eq(lo, 115 * DAY);
    ck_assert(hi == BRK_TIME_MAX);
    range_of("SELECT COUNT(*) FROM events WHERE day BETWEEN 101 AND 102", &lo, &hi);
    ck_assert_int_eq(lo, 101 * DAY);
    ck_assert_int_eq(hi, 102 * DAY);
    range_of("SELECT COUNT(*) FROM events WHERE day = 105", &lo, &hi);
    ck_assert(lo == 105 * DAY && hi == 105 * DAY);
    /* OR, NOT and functions of the column do not narrow */
    range_of("SELECT COUNT(*) FROM events WHERE day = 105 OR day = 200", &lo, &hi);
    ck_assert(lo == BRK_TIME_MIN && hi == BRK_TIME_MAX);
    range_of("SELECT COUNT(*) FROM events WHERE NOT day > 105", &lo, &hi);
    ck_assert(lo == BRK_TIME_MIN && hi == BRK_TIME_MAX);
    range_of("SELECT COUNT(*) FROM events WHERE day + 1 > 105", &lo, &hi);
    ck_assert(lo == BRK_TIME_MIN && hi == BRK_TIME_MAX);
    range_of("SELECT COUNT(*) FROM events WHERE day NOT BETWEEN 1 AND 2", &lo, &hi);
    ck_assert(lo == BRK_TIME_MIN && hi == BRK_TIME_MAX);
    /* contradictions make an empty range */
    range_of("SELECT COUNT(*) FROM events WHERE day > 120 AND day < 110", &lo, &hi);
    ck_assert_int_gt(lo, hi);
}
END_TEST

START_TEST(pruning)
{
    brk_seg s = {.name = "s", .start_ms = 100, .end_ms = 200};
    ck_assert(brk_seg_may_match(&s, 150, 160));
    ck_assert(brk_seg_may_match(&s, 200, 300));
    ck_assert(brk_seg_may_match(&s, 0, 100));
    ck_assert(!brk_seg_may_match(&s, 201, 300));
    ck_assert(!brk_seg_may_match(&s, 0, 99));
    s.consuming = true;
    ck_assert(brk_seg_may_match(&s, 201, 300));
    brk_seg u = {.name = "u", .start_ms = BRK_TIME_MIN, .end_ms = BRK_TIME_MAX};
    ck_assert(brk_seg_may_match(&u, 5, 6));
}
END_TEST

START_TEST(debug_json)
{
    brk_routing *r = build();
    const char *names[] = {"h:1", "h:2", "h:3"};
    char *js = brk_routing_json(r, names, NULL, false);
    cJSON *j = cJSON_Parse(js);
    const cJSON *t = cJSON_GetObjectItem(j, "events_OFFLINE");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(t, "h:1")), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "h:2"), 0)->valuestring, "o3");
    cJSON_Delete(j);
    free(js);
    js = brk_routing_json(r, names, "events_REALTIME", true);
    j = cJSON_Parse(js);
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "events_OFFLINE"));
    const cJSON *srv = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "events_REALTIME"), "h:1");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(srv, "up")));
    const cJSON *seg = cJSON_GetArrayItem(cJSON_GetObjectItem(srv, "segments"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(seg, "status")->valuestring, "IN_PROGRESS");
    cJSON_Delete(j);
    free(js);
    brk_routing_unref(r);
}
END_TEST

START_TEST(garbage_status)
{
    /* status without tables, tables that are not arrays, entries without
     * names: nothing routes, nothing crashes */
    cJSON *st[3] = {cJSON_Parse("{}"), cJSON_Parse("{\"tables\":7}"),
                    cJSON_Parse("{\"tables\":[{\"segments\":[{}]},{\"name\":\"t_OFFLINE\","
                                "\"segments\":[{\"name\":5,\"startTimeMs\":\"x\"}]}]}")};
    bool up[3] = {true, true, true};
    brk_routing *r = brk_routing_build(3, st, up);
    ck_assert_uint_eq(r->ntables, 1);
    const brk_route_table *t = brk_routing_find(r, "t_OFFLINE");
    ck_assert_str_eq(t->srvs[0].segs[0].name, "");
    ck_assert_int_eq(t->srvs[0].segs[0].start_ms, BRK_TIME_MIN);
    brk_routing_unref(r);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_route");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, snapshot);
    tcase_add_test(tc, boundary);
    tcase_add_test(tc, time_range);
    tcase_add_test(tc, pruning);
    tcase_add_test(tc, debug_json);
    tcase_add_test(tc, garbage_status);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
