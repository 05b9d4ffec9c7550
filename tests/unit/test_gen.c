/*
 * test_gen.c: the demo's generators and embedded files: the schema and
 * table-config files parse as Pinot's, output is deterministic for a seed,
 * every row survives JSON and back, and the distributions the dashboards
 * rely on (bounce rate and its daily shape, the ad funnel per aggregator)
 * hold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_table_config.h"
#include "tn_demo.h"
#include "tn_gen.h"

#define START_MS 1700000000000LL /* 2023-11-14 22:13 UTC */
#define DAY_MS 86400000LL
#define AGGS 5

static const char *const agg_names[AGGS] = {"adnexa", "brightreel", "castmint", "duoserve",
                                            "everad"};

/* A generator with its schema and a row to fill. */
typedef struct fixture {
    seg_schema *schema;
    tn_gen *g;
    seg_row row;
} fixture;

static void fx_open(fixture *f, tn_gen_kind k, uint64_t seed, int64_t start)
{
    char err[TN_ERRLEN];
    ck_assert_msg(tn_gen_schema(k, &f->schema, err) == TN_OK, "%s", err);
    f->g = tn_gen_new(seed, start);
    seg_row_init(&f->row, f->schema);
}

static void fx_close(fixture *f)
{
    seg_row_free(&f->row);
    tn_gen_free(f->g);
    seg_schema_free(f->schema);
}

static int col(const fixture *f, const char *name)
{
    int i = seg_schema_find(f->schema, name);
    ck_assert_msg(i >= 0, "no column %s", name);
    return i;
}

static bool cell_is(const fixture *f, int c, const char *s)
{
    const seg_cell *x = &f->row.cells[c];
    return x->v.s.len == strlen(s) && !memcmp(x->v.s.p, s, x->v.s.len);
}

/* n events as JSON lines, one heap string. */
static char *lines(tn_gen_kind k, uint64_t seed, int n)
{
    fixture f;
    fx_open(&f, k, seed, START_MS);
    tn_buf b = {0};
    char line[4096];
    for (int i = 0; i < n; i++) {
        tn_gen_next(f.g, k, &f.row);
        size_t len = tn_gen_row_json(&f.row, line, sizeof line);
        ck_assert_uint_gt(len, 0);
        tn_buf_append(&b, line, len);
        tn_buf_append(&b, "\n", 1);
    }
    tn_buf_append(&b, "", 1);
    fx_close(&f);
    return (char *)b.data;
}

START_TEST(demo_files_embedded)
{
    static const char *const names[] = {"pageviews_schema.json",
                                        "pageviews_realtime_table_config.json",
                                        "ad_events_schema.json",
                                        "ad_events_realtime_table_config.json"};
    for (size_t i = 0; i < TN_ARRAY_LEN(names); i++) {
        size_t len = 0;
        const char *p = tn_demo_file(names[i], &len);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_gt(len, 100);
        ck_assert_uint_eq(strlen(p), len);
        ck_assert_int_eq(p[0], '{');
    }
    ck_assert_ptr_null(tn_demo_file("nope.json", NULL));
    ck_assert_ptr_null(tn_demo_file(NULL, NULL));
}
END_TEST

/* The columns the dashboards are written against, with their types. */
START_TEST(schemas_have_the_columns)
{
    static const struct {
        const char *name;
        seg_type type;
        seg_role role;
    } ad[] = {{"box_id", SEG_INT, SEG_DIMENSION},        {"channel", SEG_STRING, SEG_DIMENSION},
              {"last_channel", SEG_STRING, SEG_DIMENSION}, {"ad_id", SEG_STRING, SEG_DIMENSION},
              {"last_ad_id", SEG_STRING, SEG_DIMENSION}, {"aggregator", SEG_STRING, SEG_DIMENSION},
              {"event_type", SEG_STRING, SEG_DIMENSION}, {"region", SEG_STRING, SEG_DIMENSION},
              {"watch_ms", SEG_LONG, SEG_METRIC},        {"revenue_micros", SEG_LONG, SEG_METRIC},
              {"ts", SEG_TIMESTAMP, SEG_DATETIME}};
    char err[TN_ERRLEN];
    seg_schema *s;
    ck_assert_int_eq(tn_gen_adevent_schema(&s, err), TN_OK);
    ck_assert_str_eq(s->name, "ad_events");
    ck_assert_uint_eq(s->nfields, TN_ARRAY_LEN(ad));
    for (size_t i = 0; i < TN_ARRAY_LEN(ad); i++) {
        int f = seg_schema_find(s, ad[i].name);
        ck_assert_msg(f >= 0, "%s", ad[i].name);
        ck_assert_int_eq(s->fields[f].type, ad[i].type);
        ck_assert_int_eq(s->fields[f].role, ad[i].role);
    }
    ck_assert_str_eq(s->fields[seg_schema_find(s, "ts")].format, "1:MILLISECONDS:EPOCH");
    seg_schema_free(s);
    ck_assert_int_eq(tn_gen_pageview_schema(&s, err), TN_OK);
    ck_assert_str_eq(s->name, "pageviews");
    ck_assert_uint_eq(s->nfields, 15);
    ck_assert_int_eq(s->fields[seg_schema_find(s, "time_on_page_ms")].role, SEG_METRIC);
    ck_assert_int_eq(s->fields[seg_schema_find(s, "session_id")].type, SEG_LONG);
    seg_schema_free(s);
}
END_TEST

static void check_table(tn_gen_kind k, const char *file, const char *table)
{
    char err[TN_ERRLEN];
    size_t len;
    const char *json = tn_demo_file(file, &len);
    srv_table_config *c;
    ck_assert_msg(srv_table_config_parse(json, len, &c, err) == TN_OK, "%s: %s", file, err);
    seg_schema *s;
    ck_assert_int_eq(tn_gen_schema(k, &s, err), TN_OK);
    ck_assert_msg(srv_table_config_check(c, s, err) == TN_OK, "%s: %s", file, err);
    ck_assert_str_eq(c->name, table);
    ck_assert(c->realtime);
    ck_assert_str_eq(c->time_column, "ts");
    ck_assert_int_eq(c->retention_ms, 3 * DAY_MS);
    ck_assert_str_eq(c->stream.topic, table);
    ck_assert_str_eq(c->stream.brokers, "localhost:19092");
    ck_assert(c->stream.from_earliest);
    ck_assert_uint_eq(c->stream.flush_rows, 500000);
    ck_assert_int_eq(c->stream.flush_time_ms, 15 * 60000);
    ck_assert_uint_gt(c->inverted.n, 3);
    ck_assert_uint_ge(c->no_dict.n, 1);
    srv_table_config_free(c);
    seg_schema_free(s);
}

START_TEST(table_configs_parse)
{
    check_table(TN_GEN_PAGEVIEWS, "pageviews_realtime_table_config.json", "pageviews");
    check_table(TN_GEN_AD_EVENTS, "ad_events_realtime_table_config.json", "ad_events");
}
END_TEST

START_TEST(kinds)
{
    tn_gen_kind k;
    ck_assert_int_eq(tn_gen_kind_parse("pageviews", &k), TN_OK);
    ck_assert_int_eq(k, TN_GEN_PAGEVIEWS);
    ck_assert_int_eq(tn_gen_kind_parse("ad-events", &k), TN_OK);
    ck_assert_int_eq(k, TN_GEN_AD_EVENTS);
    ck_assert_int_eq(tn_gen_kind_parse("ad_events", &k), TN_OK);
    ck_assert_int_eq(tn_gen_kind_parse("clicks", &k), TN_EINVAL);
    ck_assert_str_eq(tn_gen_kind_table(TN_GEN_AD_EVENTS), "ad_events");
    ck_assert_str_eq(tn_gen_kind_table(TN_GEN_PAGEVIEWS), "pageviews");
}
END_TEST

START_TEST(deterministic)
{
    for (int k = TN_GEN_PAGEVIEWS; k <= TN_GEN_AD_EVENTS; k++) {
        char *a = lines((tn_gen_kind)k, 7, 20000), *b = lines((tn_gen_kind)k, 7, 20000);
        char *c = lines((tn_gen_kind)k, 8, 20000);
        ck_assert_str_eq(a, b);
        ck_assert_str_ne(a, c);
        free(a);
        free(b);
        free(c);
    }
}
END_TEST

/* Every cell of every row comes back equal through JSON and the schema. */
START_TEST(rows_parse_back)
{
    for (int k = TN_GEN_PAGEVIEWS; k <= TN_GEN_AD_EVENTS; k++) {
        fixture f;
        fx_open(&f, (tn_gen_kind)k, 3, START_MS);
        seg_row back;
        seg_row_init(&back, f.schema);
        char line[4096], err[TN_ERRLEN];
        for (int i = 0; i < 50000; i++) {
            tn_gen_next(f.g, (tn_gen_kind)k, &f.row);
            size_t n = tn_gen_row_json(&f.row, line, sizeof line);
            ck_assert_msg(seg_row_parse_json(&back, line, n, err) == TN_OK, "%s: %.*s", err,
                          (int)n, line);
            for (uint32_t c = 0; c < f.schema->nfields; c++) {
                seg_type t = f.schema->fields[c].type;
                ck_assert(!f.row.cells[c].is_null);
                ck_assert(!back.cells[c].is_null);
                ck_assert_msg(seg_value_cmp(t, f.row.cells[c].v, back.cells[c].v) == 0,
                              "column %s of %.*s", f.schema->fields[c].name, (int)n, line);
            }
        }
        seg_row_free(&back);
        fx_close(&f);
    }
}
END_TEST

static double bounce_rate(int64_t start, int n)
{
    fixture f;
    fx_open(&f, TN_GEN_PAGEVIEWS, 11, start);
    int c = col(&f, "bounced");
    long bounced = 0;
    for (int i = 0; i < n; i++) {
        tn_gen_pageview(f.g, &f.row);
        bounced += f.row.cells[c].v.i;
    }
    fx_close(&f);
    return (double)bounced / n;
}

START_TEST(pageview_bounce_rate)
{
    int64_t midnight = START_MS - START_MS % DAY_MS;
    double sum = 0;
    for (int h = 0; h < 24; h++) {
        double r = bounce_rate(midnight + h * 3600000LL, 20000);
        ck_assert_msg(r > 0.30 && r < 0.50, "hour %d: bounce rate %.3f", h, r);
        sum += r;
    }
    ck_assert_double_gt(sum / 24, 0.35);
    ck_assert_double_lt(sum / 24, 0.45);
    /* the daily shape: night visits bounce more than prime-time ones */
    ck_assert_double_gt(bounce_rate(midnight + 3 * 3600000LL, 50000),
                        bounce_rate(midnight + 20 * 3600000LL, 50000) + 0.08);
}
END_TEST

START_TEST(pageview_keys_and_clock)
{
    fixture f;
    fx_open(&f, TN_GEN_PAGEVIEWS, 5, START_MS);
    int ts = col(&f, "ts"), session = col(&f, "session_id");
    int64_t prev = START_MS;
    for (int i = 0; i < 1000; i++) {
        tn_gen_pageview(f.g, &f.row);
        ck_assert_int_eq(tn_gen_row_key(&f.row, TN_GEN_PAGEVIEWS), f.row.cells[session].v.i);
        ck_assert_int_ge(f.row.cells[ts].v.i, prev);
        ck_assert_int_le(f.row.cells[ts].v.i, prev + 2);
        prev = f.row.cells[ts].v.i;
    }
    tn_gen_set_clock(f.g, START_MS + DAY_MS);
    tn_gen_pageview(f.g, &f.row);
    ck_assert_int_ge(f.row.cells[ts].v.i, START_MS + DAY_MS);
    ck_assert_int_le(f.row.cells[ts].v.i, START_MS + DAY_MS + 2);
    fx_close(&f);
}
END_TEST

/* Counts per aggregator and event type over n ad events, with the checks
 * that hold row by row. */
typedef struct ad_stats {
    long n[AGGS][5]; /* request, impression, click, complete, skip */
    bool regions[5];
} ad_stats;

static const char *const ev_names[] = {"request", "impression", "click", "complete", "skip"};
static const char *const main_regions[] = {"north", "south", "east", "west", "central"};

static void check_ad_row(const fixture *f, ad_stats *st, int64_t *prev_ts)
{
    int agg = -1, ev = -1;
    for (int a = 0; a < AGGS; a++)
        if (cell_is(f, col(f, "aggregator"), agg_names[a]))
            agg = a;
    for (int e = 0; e < 5; e++)
        if (cell_is(f, col(f, "event_type"), ev_names[e]))
            ev = e;
    ck_assert_int_ge(agg, 0);
    ck_assert_int_ge(ev, 0);
    st->n[agg][ev]++;
    for (int r = 0; r < 5; r++)
        st->regions[r] |= cell_is(f, col(f, "region"), main_regions[r]);
    const seg_cell *c = f->row.cells;
    int64_t box = c[col(f, "box_id")].v.i, ts = c[col(f, "ts")].v.i;
    ck_assert_int_ge(box, 1000000);
    ck_assert_int_lt(box, 1300000);
    ck_assert_int_eq(tn_gen_row_key(&f->row, TN_GEN_AD_EVENTS), box);
    ck_assert_int_ge(ts, *prev_ts); /* follow-ups come out in time order */
    *prev_ts = ts;
    ck_assert_int_eq(c[col(f, "watch_ms")].v.i > 0, ev == 3 || ev == 4);
    ck_assert_int_eq(c[col(f, "revenue_micros")].v.i > 0, ev == 1 || ev == 2);
    ck_assert_int_eq(cell_is(f, col(f, "ad_id"), "none"), ev == 0);
    ck_assert(!cell_is(f, col(f, "channel"), "none"));
    const seg_value ch = c[col(f, "channel")].v, last = c[col(f, "last_channel")].v;
    ck_assert(ch.s.len != last.s.len || memcmp(ch.s.p, last.s.p, ch.s.len));
}

START_TEST(ad_event_funnel)
{
    fixture f;
    fx_open(&f, TN_GEN_AD_EVENTS, 9, START_MS);
    ad_stats st = {0};
    int64_t prev = START_MS;
    for (int i = 0; i < 300000; i++) {
        tn_gen_adevent(f.g, &f.row);
        check_ad_row(&f, &st, &prev);
    }
    double fill_min = 1, fill_max = 0, compl_min = 1, compl_max = 0;
    for (int a = 0; a < AGGS; a++) {
        long *n = st.n[a];
        ck_assert_msg(n[0] > 1000, "%s has %ld requests", agg_names[a], n[0]);
        ck_assert_int_le(n[1], n[0]);
        ck_assert_int_le(n[2], n[1]);
        ck_assert_int_le(n[3] + n[4], n[1]);
        ck_assert_int_gt(n[2], 0);
        double fill = (double)n[1] / n[0], compl = (double)n[3] / (n[3] + n[4]);
        fill_min = fill < fill_min ? fill : fill_min;
        fill_max = fill > fill_max ? fill : fill_max;
        compl_min = compl < compl_min ? compl : compl_min;
        compl_max = compl > compl_max ? compl : compl_max;
        ck_assert_double_lt((double)n[2] / n[1], 0.06); /* CTR: a few % */
    }
    ck_assert_double_gt(fill_max - fill_min, 0.2);
    ck_assert_double_gt(compl_max - compl_min, 0.15);
    for (int r = 0; r < 5; r++)
        ck_assert_msg(st.regions[r], "no region %s", main_regions[r]);
    fx_close(&f);
}
END_TEST

static int ad_number(const seg_value v)
{
    ck_assert_uint_ge(v.s.len, 3);
    return v.s.len == 4 ? 0 : atoi(v.s.p + 2) + 1; /* "none" = 0, "ad0042" = 43 */
}

/* A box's impressions chain: each names the ad the box showed before. */
START_TEST(ad_event_box_history)
{
    fixture f;
    fx_open(&f, TN_GEN_AD_EVENTS, 4, START_MS);
    int box = col(&f, "box_id"), ev = col(&f, "event_type"), ad = col(&f, "ad_id"),
        last_ad = col(&f, "last_ad_id");
    int *seen = calloc(300000, sizeof *seen);
    long chained = 0, broken = 0;
    for (int i = 0; i < 1000000; i++) {
        tn_gen_adevent(f.g, &f.row);
        if (!cell_is(&f, ev, "impression"))
            continue;
        int *prev = &seen[f.row.cells[box].v.i - 1000000];
        if (*prev) {
            chained++;
            broken += ad_number(f.row.cells[last_ad].v) != *prev;
        }
        *prev = ad_number(f.row.cells[ad].v);
    }
    /* two requests of one box within half a second may swap impressions */
    ck_assert_int_gt(chained, 10000);
    ck_assert_int_lt(broken, chained / 100);
    free(seen);
    fx_close(&f);
}
END_TEST

/* Strings are escaped so the line stays JSON whatever they hold. */
START_TEST(json_escaping)
{
    static const char *js = "{\"schemaName\":\"e\",\"dimensionFieldSpecs\":["
                            "{\"name\":\"s\",\"dataType\":\"STRING\"},"
                            "{\"name\":\"d\",\"dataType\":\"DOUBLE\"},"
                            "{\"name\":\"n\",\"dataType\":\"LONG\"}]}";
    char err[TN_ERRLEN], buf[256];
    seg_schema *s;
    ck_assert_int_eq(seg_schema_parse(js, strlen(js), &s, err), TN_OK);
    seg_row row, back;
    seg_row_init(&row, s);
    seg_row_init(&back, s);
    static const char text[] = "q\"b\\s/n\nt\tc\x01\x1f end";
    seg_row_reset(&row);
    seg_row_set(&row, 0, (seg_value){.s = {text, sizeof text - 1}});
    seg_row_set(&row, 1, (seg_value){.d = -2.5});
    seg_row_set(&row, 2, (seg_value){.i = INT64_MIN});
    size_t n = tn_gen_row_json(&row, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_msg(seg_row_parse_json(&back, buf, n, err) == TN_OK, "%s: %s", err, buf);
    ck_assert_uint_eq(back.cells[0].v.s.len, sizeof text - 1);
    ck_assert(!memcmp(back.cells[0].v.s.p, text, sizeof text - 1));
    ck_assert_double_eq(back.cells[1].v.d, -2.5);
    ck_assert_int_eq(back.cells[2].v.i, INT64_MIN);
    ck_assert_uint_eq(tn_gen_row_json(&row, buf, n - 1), 0); /* does not fit */
    ck_assert_uint_eq(tn_gen_row_json(&row, buf, n), n);
    seg_row_reset(&row); /* null cells render as null */
    n = tn_gen_row_json(&row, buf, sizeof buf - 1);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "{\"s\":null,\"d\":null,\"n\":null}");
    seg_row_free(&row);
    seg_row_free(&back);
    seg_schema_free(s);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("gen");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, demo_files_embedded);
    tcase_add_test(tc, schemas_have_the_columns);
    tcase_add_test(tc, table_configs_parse);
    tcase_add_test(tc, kinds);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, rows_parse_back);
    tcase_add_test(tc, pageview_bounce_rate);
    tcase_add_test(tc, pageview_keys_and_clock);
    tcase_add_test(tc, ad_event_funnel);
    tcase_add_test(tc, ad_event_box_history);
    tcase_add_test(tc, json_escaping);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
