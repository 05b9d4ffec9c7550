/*
 * test_qry_exec.c: the executor and reduce against answers computed here by
 * plain loops over the same rows: filters of every kind (through indexes
 * and through scans, on mutable and sealed segments), multi-value rules,
 * aggregations, group-by with ORDER BY/LIMIT/HAVING, selection, DISTINCT,
 * empty results, NULL handling, limits, timeouts, and the binary form of
 * partial results (including hostile bytes).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qry_eval.h"
#include "qry_reduce.h"
#include "seg_immutable.h"
#include "seg_mutable.h"

#define NROWS 6000
#define NSEG 3

static const char schema_json[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"k\",\"dataType\":\"INT\"},"
    "{\"name\":\"s\",\"dataType\":\"STRING\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"u\",\"dataType\":\"LONG\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"LONG\"},"
    "{\"name\":\"d\",\"dataType\":\"DOUBLE\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

/* The rows, kept for computing expected answers. */
static int32_t K[NROWS];
static char S[NROWS][8];
static int ntags[NROWS];
static char TAGS[NROWS][3][4];
static int64_t U[NROWS], M[NROWS], TS[NROWS];
static double D[NROWS];
static bool u_null[NROWS];

static seg_schema *schema;
static seg_segment *segs[NSEG];

static void make_rows(void)
{
    uint64_t x = 42;
    static const char *const words[] = {"alpha", "beta", "gamma", "delta", "eps"};
    for (int r = 0; r < NROWS; r++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        K[r] = (int32_t)((x >> 33) % 50) - 10;
        snprintf(S[r], sizeof S[r], "%s", words[(x >> 40) % 5]);
        ntags[r] = (int)((x >> 20) % 4); /* 0..3 tags; 0 = default ["null"] */
        for (int t = 0; t < ntags[r]; t++)
            snprintf(TAGS[r][t], sizeof TAGS[r][t], "t%d", (int)((x >> (8 + 4 * t)) % 6));
        u_null[r] = (x >> 50) % 10 == 0;
        U[r] = u_null[r] ? INT64_MIN : (int64_t)((x >> 13) % 100000);
        M[r] = (int64_t)((x >> 17) % 1000);
        D[r] = (double)((x >> 23) % 10000) / 100.0;
        TS[r] = 1700000000000LL + r * 1000LL;
    }
}

static void fill_row(seg_row *row, int r)
{
    seg_row_reset(row);
    seg_row_set(row, 0, (seg_value){.i = K[r]});
    seg_row_set(row, 1, (seg_value){.s = {S[r], (uint32_t)strlen(S[r])}});
    seg_value tv[3];
    for (int t = 0; t < ntags[r]; t++)
        tv[t] = (seg_value){.s = {TAGS[r][t], (uint32_t)strlen(TAGS[r][t])}};
    if (ntags[r])
        seg_row_set_mv(row, 2, tv, (uint32_t)ntags[r]);
    if (!u_null[r])
        seg_row_set(row, 3, (seg_value){.i = U[r]});
    seg_row_set(row, 4, (seg_value){.i = M[r]});
    seg_row_set(row, 5, (seg_value){.d = D[r]});
    seg_row_set(row, 6, (seg_value){.i = TS[r]});
}

/* Three segments: sealed sorted by s, sealed unsorted with a range index
 * on u, and one still mutable. */
static void setup(void)
{
    char err[TN_ERRLEN];
    make_rows();
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, err), 0);
    static const char *const nd[] = {"m"};
    static const char *const rc[] = {"u"};
    seg_seal_opts so[2] = {{.sorted_column = "s"}, {.range_columns = rc, .n_range = 1}};
    for (int g = 0; g < NSEG; g++) {
        seg_mutable *m;
        char name[32];
        snprintf(name, sizeof name, "ev__0__%d", g);
        seg_mutable_opts mo = {.name = name, .table = "ev", .partition = 0, .start_offset = 0,
                               .time_column = "ts", .no_dict_columns = nd, .n_no_dict = 1};
        ck_assert_int_eq(seg_mutable_create(schema, &mo, &m, err), 0);
        seg_row row;
        seg_row_init(&row, schema);
        for (int r = g; r < NROWS; r += NSEG) {
            fill_row(&row, r);
            ck_assert_int_eq(seg_mutable_append(m, &row, r, err), 0);
        }
        seg_row_free(&row);
        if (g == NSEG - 1) {
            segs[g] = seg_mutable_base(m);
            continue;
        }
        seg_image *img;
        ck_assert_int_eq(seg_seal(seg_mutable_base(m), NROWS / NSEG, &so[g], &img, err), 0);
        ck_assert_int_eq(seg_image_open(img, &segs[g], err), 0);
        seg_segment_release(seg_mutable_base(m));
    }
}

static void teardown(void)
{
    for (int g = 0; g < NSEG; g++)
        seg_segment_release(segs[g]);
    seg_schema_free(schema);
}

/* Runs sql over all segments; the result is valid until the next call. */
static qry_result res;
static qry_err qerr;

/* Executes and reduces a compiled query over all segments, then frees it. */
static int run_compiled(qry_query *q, uint32_t threads)
{
    qry_partial p;
    qry_exec_opts o = {.threads = threads};
    int rc = qry_execute(q, segs, NSEG, &o, &p, &qerr);
    if (!rc)
        rc = qry_reduce(q, &p, &res, &qerr);
    qry_partial_free(q, &p);
    qry_query_free(q);
    return rc;
}

static int run_opts(const char *sql, const char *options, uint32_t threads)
{
    qry_result_free(&res);
    qry_query *q;
    memset(&qerr, 0, sizeof qerr);
    if (qry_compile(sql, QRY_HTTP, options, schema, &q, &qerr))
        return -1;
    return run_compiled(q, threads);
}

static int run(const char *sql) { return run_opts(sql, NULL, 2); }

static int64_t cell_long(uint32_t r, uint32_t c)
{
    const qry_val *v = &res.cells[(size_t)r * res.ncols + c];
    return v->kind == QV_DOUBLE ? (int64_t)v->d : v->i;
}

static double cell_double(uint32_t r, uint32_t c)
{
    const qry_val *v = &res.cells[(size_t)r * res.ncols + c];
    return v->kind == QV_LONG ? (double)v->i : v->d;
}

static int64_t count_where(bool (*pred)(int))
{
    int64_t n = 0;
    for (int r = 0; r < NROWS; r++)
        n += pred(r);
    return n;
}

static void expect_count(const char *where, bool (*pred)(int))
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM ev WHERE %s", where);
    ck_assert_msg(run(sql) == 0, "%s: %s", sql, qerr.msg);
    ck_assert_uint_eq(res.nrows, 1);
    ck_assert_msg(cell_long(0, 0) == count_where(pred), "%s: got %lld, want %lld", where,
                  (long long)cell_long(0, 0), (long long)count_where(pred));
}

static bool has_tag(int r, const char *t)
{
    if (!ntags[r])
        return !strcmp(t, "null");
    for (int i = 0; i < ntags[r]; i++)
        if (!strcmp(TAGS[r][i], t))
            return true;
    return false;
}

/* Occurrences of tag t in row r: GROUP BY on a multi-value column counts a
 * row once per value, repeats included, as Pinot's group key generator. */
static int tag_count(int r, const char *t)
{
    if (!ntags[r])
        return !strcmp(t, "null");
    int n = 0;
    for (int i = 0; i < ntags[r]; i++)
        n += !strcmp(TAGS[r][i], t);
    return n;
}

static bool p_k_eq(int r) { return K[r] == 7; }
static bool p_k_ne(int r) { return K[r] != 7; }
static bool p_k_lt(int r) { return K[r] < 3; }
static bool p_k_between(int r) { return K[r] >= -5 && K[r] <= 12; }
static bool p_k_gt_frac(int r) { return K[r] > 2.5; }
static bool p_k_in(int r) { return K[r] == 1 || K[r] == 2 || K[r] == 30; }
static bool p_k_not_in(int r) { return !(K[r] == 1 || K[r] == 2 || K[r] == 30); }
static bool p_s_eq(int r) { return !strcmp(S[r], "gamma"); }
static bool p_s_range(int r) { return strcmp(S[r], "beta") >= 0 && strcmp(S[r], "delta") < 0; }
static bool p_s_like(int r) { return S[r][strlen(S[r]) - 1] == 'a'; }
static bool p_s_regexp(int r) { return strchr(S[r], 'l') != NULL; }
static bool p_tag_eq(int r) { return has_tag(r, "t3"); }
static bool p_tag_ne(int r) { return !has_tag(r, "t3"); }
static bool p_tag_in(int r) { return has_tag(r, "t1") || has_tag(r, "null"); }
static bool p_u_range(int r) { return !u_null[r] && U[r] >= 1000 && U[r] <= 20000; }
static bool p_m_gt(int r) { return M[r] > 900; }
static bool p_d_le(int r) { return D[r] <= 12.5; }
static bool p_and_or(int r) { return (K[r] == 7 || p_s_eq(r)) && !(M[r] < 100); }
static bool p_expr(int r) { return M[r] + K[r] > 500; }
static bool p_ts(int r) { return TS[r] >= 1700000100000LL && TS[r] < 1700000200000LL; }
static bool p_reversed(int r) { return 5 < K[r]; }

START_TEST(filters_match_plain_loops)
{
    expect_count("k = 7", p_k_eq);
    expect_count("k <> 7", p_k_ne);
    expect_count("k != 7", p_k_ne);
    expect_count("k < 3", p_k_lt);
    expect_count("k BETWEEN -5 AND 12", p_k_between);
    expect_count("k > 2.5", p_k_gt_frac);
    expect_count("k IN (1, 2, 30)", p_k_in);
    expect_count("k NOT IN (1, 2, 30)", p_k_not_in);
    expect_count("s = 'gamma'", p_s_eq);
    expect_count("s >= 'beta' AND s < 'delta'", p_s_range);
    expect_count("s LIKE '%a'", p_s_like);
    expect_count("REGEXP_LIKE(s, 'l')", p_s_regexp);
    expect_count("tags = 't3'", p_tag_eq);
    expect_count("tags <> 't3'", p_tag_ne);
    expect_count("tags IN ('t1', 'null')", p_tag_in);
    expect_count("u BETWEEN 1000 AND 20000", p_u_range);
    expect_count("m > 900", p_m_gt);
    expect_count("d <= 12.5", p_d_le);
    expect_count("(k = 7 OR s = 'gamma') AND NOT m < 100", p_and_or);
    expect_count("m + k > 500", p_expr);
    expect_count("ts >= 1700000100000 AND ts < 1700000200000", p_ts);
    expect_count("5 < k", p_reversed);
}
END_TEST

/* Runs sql as a user restricted by access (row filter, visible columns). */
static int run_as(const char *sql, const qry_access *access)
{
    qry_result_free(&res);
    qry_query *q;
    memset(&qerr, 0, sizeof qerr);
    if (qry_compile_ex(sql, QRY_HTTP, NULL, schema, 0, NULL, access, &q, &qerr))
        return -1;
    return run_compiled(q, 2);
}

static bool p_gamma_not_k7(int r) { return p_s_eq(r) && K[r] != 7; }

START_TEST(access_filter_cannot_be_escaped)
{
    static const char *const cols[] = {"k", "S", "ts"}; /* names match case-insensitively */
    qry_access a = {.row_filter = "s = 'gamma'", .columns = cols, .ncolumns = 3};
    int64_t mine = count_where(p_s_eq);
    static const char *const escapes[] = {
        "SELECT COUNT(*) FROM ev",
        "SELECT COUNT(*) FROM ev WHERE s = 'alpha' OR 1 = 1",
        "SELECT COUNT(*) FROM ev WHERE k = 7 OR k <> 7",
        "SELECT COUNT(*) FROM ev WHERE NOT (s = 'gamma') OR s = 'gamma'",
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(escapes); i++) {
        ck_assert_msg(run_as(escapes[i], &a) == 0, "%s: %s", escapes[i], qerr.msg);
        ck_assert_msg(cell_long(0, 0) == mine, "%s: %lld rows, want %lld", escapes[i],
                      (long long)cell_long(0, 0), (long long)mine);
    }
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev WHERE k <> 7", &a), 0);
    ck_assert_int_eq(cell_long(0, 0), count_where(p_gamma_not_k7));
    /* an alias named like the filtered column does not redirect the filter */
    ck_assert_int_eq(run_as("SELECT k AS s, COUNT(*) FROM ev GROUP BY k ORDER BY 2 DESC "
                            "LIMIT 1000", &a), 0);
    int64_t total = 0;
    for (uint32_t r = 0; r < res.nrows; r++)
        total += cell_long(r, 1);
    ck_assert_int_eq(total, mine);
    /* SELECT * shows the visible columns only, in Pinot's name order */
    ck_assert_int_eq(run_as("SELECT * FROM ev LIMIT 5", &a), 0);
    ck_assert_uint_eq(res.ncols, 3);
    ck_assert_str_eq(res.names[0], "k");
    ck_assert_str_eq(res.names[1], "s");
    ck_assert_str_eq(res.names[2], "ts");
    /* hidden columns are refused exactly like missing ones, in every clause */
    static const char *const hidden[] = {
        "SELECT m FROM ev", "SELECT SUM(m) FROM ev", "SELECT COUNT(*) FROM ev WHERE m > 1",
        "SELECT k, COUNT(*) FROM ev GROUP BY k, d", "SELECT k FROM ev ORDER BY u",
        "SELECT COUNT(*) FILTER (WHERE m > 1) FROM ev", "SELECT COUNT(DISTINCT tags) FROM ev",
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(hidden); i++) {
        ck_assert_msg(run_as(hidden[i], &a) == -1, "%s ran", hidden[i]);
        ck_assert_int_eq(qerr.code, QRY_ERR_UNKNOWN_COLUMN);
        ck_assert_msg(strstr(qerr.msg, "Unknown columnName"), "%s", qerr.msg);
    }
    /* the filter itself may test a hidden column */
    qry_access b = {.row_filter = "m > 900", .columns = cols, .ncolumns = 3};
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev", &b), 0);
    ck_assert_int_eq(cell_long(0, 0), count_where(p_m_gt));
    /* a filter that is not one condition never runs */
    qry_access bad = {.row_filter = "1 = 1) OR (1 = 1"};
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev", &bad), -1);
    qry_access clause = {.row_filter = "k = 1 ORDER BY k"};
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev", &clause), -1);
    qry_access stmt = {.row_filter = "k = 1; SELECT 1"};
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev", &stmt), -1);
    qry_access opt = {.row_filter = "k = 1 OPTION(timeoutMs=1)"};
    ck_assert_int_eq(run_as("SELECT COUNT(*) FROM ev", &opt), -1);
}
END_TEST

START_TEST(aggregations_match)
{
    ck_assert_int_eq(run("SELECT COUNT(*), SUM(m), MIN(d), MAX(k), AVG(m) FROM ev WHERE k < 3"), 0);
    int64_t n = 0, sum = 0, maxk = INT32_MIN;
    double mind = INFINITY;
    for (int r = 0; r < NROWS; r++)
        if (K[r] < 3) {
            n++;
            sum += M[r];
            mind = fmin(mind, D[r]);
            maxk = K[r] > maxk ? K[r] : maxk;
        }
    ck_assert_str_eq(res.names[0], "count(*)");
    ck_assert_str_eq(res.names[1], "sum(m)");
    ck_assert_int_eq(cell_long(0, 0), n);
    ck_assert_double_eq_tol(cell_double(0, 1), (double)sum, 1e-6);
    ck_assert_double_eq_tol(cell_double(0, 2), mind, 1e-9);
    ck_assert_double_eq_tol(cell_double(0, 3), (double)maxk, 1e-9);
    ck_assert_double_eq_tol(cell_double(0, 4), (double)sum / n, 1e-9);
    ck_assert_uint_eq(res.stats.docs_scanned, (uint64_t)n);
    ck_assert_uint_eq(res.stats.total_docs, NROWS);
    ck_assert_uint_eq(res.stats.segments_queried, NSEG);
}
END_TEST

/* Unfiltered COUNT/MIN/MAX come from sealed segments' metadata: the same
 * answers as a scan. */
START_TEST(metadata_answers_match_scans)
{
    ck_assert_int_eq(run("SELECT COUNT(*), MIN(m), MAX(d), MINMAXRANGE(k), MIN(ts) FROM ev"), 0);
    int64_t minm = INT64_MAX, mink = INT32_MAX, maxk = INT32_MIN;
    double maxd = -INFINITY;
    for (int r = 0; r < NROWS; r++) {
        minm = M[r] < minm ? M[r] : minm;
        maxd = fmax(maxd, D[r]);
        mink = K[r] < mink ? K[r] : mink;
        maxk = K[r] > maxk ? K[r] : maxk;
    }
    ck_assert_int_eq(cell_long(0, 0), NROWS);
    ck_assert_double_eq(cell_double(0, 1), (double)minm);
    ck_assert_double_eq(cell_double(0, 2), maxd);
    ck_assert_double_eq(cell_double(0, 3), (double)(maxk - mink));
    ck_assert_double_eq(cell_double(0, 4), (double)TS[0]);
    ck_assert_uint_eq(res.stats.docs_scanned, NROWS);
}
END_TEST

/* Runs sql with NOW() fixed at now_ms; the result is valid until the next
 * call. */
static int run_at(const char *sql, int64_t now_ms)
{
    qry_result_free(&res);
    qry_query *q;
    memset(&qerr, 0, sizeof qerr);
    if (qry_compile_at(sql, QRY_HTTP, NULL, schema, now_ms, &q, &qerr))
        return -1;
    return run_compiled(q, 2);
}

static bool p_last_hour(int r) { return TS[r] >= TS[NROWS - 1] - 3600000LL + 1; }

/* ago() and now() arithmetic in WHERE fold to the literal they evaluate to
 * at the query's NOW(), so they count the same rows as the literal and
 * take the same index paths (no per-row evaluation in the filter). */
START_TEST(constant_calls_fold_in_where)
{
    int64_t now = TS[NROWS - 1] + 1;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM ev WHERE ts >= %lld",
             (long long)(now - 3600000LL));
    ck_assert_msg(run_at(sql, now) == 0, "%s", qerr.msg);
    int64_t want = cell_long(0, 0);
    uint64_t entries = res.stats.entries_in_filter;
    ck_assert_int_eq(want, count_where(p_last_hour));
    static const char *const forms[] = {
        "SELECT COUNT(*) FROM ev WHERE ts >= ago('PT1H')",
        "SELECT COUNT(*) FROM ev WHERE ts >= now() - 3600000",
        "SELECT COUNT(*) FROM ev WHERE ts >= ago('PT30M') - 30 * 60 * 1000",
        "SELECT COUNT(*) FROM ev WHERE ago('PT1H') <= ts",
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        ck_assert_msg(run_at(forms[i], now) == 0, "%s: %s", forms[i], qerr.msg);
        ck_assert_msg(cell_long(0, 0) == want, "%s: %lld, want %lld", forms[i],
                      (long long)cell_long(0, 0), (long long)want);
        ck_assert_msg(res.stats.entries_in_filter == entries, "%s: %llu entries, want %llu",
                      forms[i], (unsigned long long)res.stats.entries_in_filter,
                      (unsigned long long)entries);
    }
    /* the select list keeps the call, named as written */
    ck_assert_int_eq(run_at("SELECT ago('PT1H') FROM ev LIMIT 1", now), 0);
    ck_assert_str_eq(res.names[0], "ago('PT1H')");
    ck_assert_int_eq(cell_long(0, 0), now - 3600000LL);
}
END_TEST

/* Empty segments (a consuming one that has no rows yet, a sealed one of
 * zero rows) take part without changing any answer. */
START_TEST(empty_segments_take_part)
{
    char err[TN_ERRLEN];
    seg_mutable *m;
    seg_mutable_opts mo = {.name = "ev__1__0", .table = "ev", .partition = 1,
                           .start_offset = 0, .time_column = "ts"};
    ck_assert_int_eq(seg_mutable_create(schema, &mo, &m, err), 0);
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 0, NULL, &img, err), 0);
    seg_segment *sealed;
    ck_assert_int_eq(seg_image_open(img, &sealed, err), 0);
    seg_segment *all[NSEG + 2] = {segs[0], segs[1], segs[2], seg_mutable_base(m), sealed};
    static const char *const sqls[] = {
        "SELECT COUNT(*), SUM(m), MAX(k) FROM ev WHERE k > 3",
        "SELECT s, COUNT(*) FROM ev GROUP BY s ORDER BY s",
        "SELECT k, ts FROM ev WHERE k = 7 ORDER BY ts LIMIT 3",
        "SELECT COUNT(*), MIN(m) FROM ev",
    };
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(run(sqls[i]), 0);
        qry_result want = res;
        memset(&res, 0, sizeof res);
        qry_query *q;
        ck_assert_int_eq(qry_compile(sqls[i], QRY_HTTP, NULL, schema, &q, &qerr), 0);
        qry_partial p;
        qry_exec_opts o = {.threads = 2};
        ck_assert_int_eq(qry_execute(q, all, NSEG + 2, &o, &p, &qerr), 0);
        qry_result got;
        ck_assert_int_eq(qry_reduce(q, &p, &got, &qerr), 0);
        ck_assert_uint_eq(got.nrows, want.nrows);
        for (size_t c = 0; c < (size_t)got.nrows * got.ncols; c++)
            ck_assert_int_eq(qry_val_cmp(&got.cells[c], &want.cells[c]), 0);
        ck_assert_uint_eq(got.stats.segments_queried, NSEG + 2);
        qry_result_free(&got);
        qry_result_free(&want);
        qry_partial_free(q, &p);
        qry_query_free(q);
    }
    seg_segment_release(sealed);
    seg_segment_release(seg_mutable_base(m));
}
END_TEST

START_TEST(empty_aggregation_gives_pinot_defaults)
{
    ck_assert_int_eq(run("SELECT COUNT(*), SUM(m), MIN(m), MAX(m), AVG(m) FROM ev WHERE k > 1000"), 0);
    ck_assert_uint_eq(res.nrows, 1);
    ck_assert_int_eq(cell_long(0, 0), 0);
    ck_assert(cell_double(0, 1) == 0.0);
    ck_assert(isinf(cell_double(0, 2)) && cell_double(0, 2) > 0);
    ck_assert(isinf(cell_double(0, 3)) && cell_double(0, 3) < 0);
    ck_assert(isinf(cell_double(0, 4)) && cell_double(0, 4) < 0);
    ck_assert_int_eq(run("SELECT s, COUNT(*) FROM ev WHERE k > 1000 GROUP BY s"), 0);
    ck_assert_uint_eq(res.nrows, 0);
    ck_assert_uint_eq(res.ncols, 2);
}
END_TEST

START_TEST(group_by_order_limit)
{
    ck_assert_int_eq(run("SELECT s, k, COUNT(*), SUM(m) FROM ev WHERE k BETWEEN 0 AND 4 "
                         "GROUP BY s, k ORDER BY SUM(m) DESC, s, k LIMIT 7"), 0);
    /* expected: every (s, k) group's sum, then the top 7 */
    static int64_t sums[5][5], cnt[5][5];
    memset(sums, 0, sizeof sums);
    memset(cnt, 0, sizeof cnt);
    static const char *const words[] = {"alpha", "beta", "delta", "eps", "gamma"};
    for (int r = 0; r < NROWS; r++)
        if (K[r] >= 0 && K[r] <= 4)
            for (int w = 0; w < 5; w++)
                if (!strcmp(S[r], words[w])) {
                    sums[w][K[r]] += M[r];
                    cnt[w][K[r]]++;
                }
    ck_assert_uint_eq(res.nrows, 7);
    int64_t prev = INT64_MAX;
    for (uint32_t i = 0; i < res.nrows; i++) {
        const qry_val *sv = &res.cells[(size_t)i * 4];
        int w = 0;
        while (w < 5 && (strlen(words[w]) != sv->len || memcmp(words[w], sv->s, sv->len)))
            w++;
        ck_assert_int_lt(w, 5);
        int64_t k = cell_long(i, 1);
        ck_assert_int_eq(cell_long(i, 2), cnt[w][k]);
        ck_assert_int_eq((int64_t)cell_double(i, 3), sums[w][k]);
        ck_assert_int_le(sums[w][k], prev);
        prev = sums[w][k];
    }
    /* no group outside the answer has a larger sum than the last row */
    int larger = 0;
    for (int w = 0; w < 5; w++)
        for (int k = 0; k < 5; k++)
            larger += cnt[w][k] && sums[w][k] > prev;
    ck_assert_int_le(larger, 6);
}
END_TEST

START_TEST(group_by_multi_value_explodes_and_having)
{
    ck_assert_int_eq(run("SELECT tags, COUNT(*) FROM ev GROUP BY tags HAVING COUNT(*) > 0 "
                         "ORDER BY tags LIMIT 100"), 0);
    static const char *const t[] = {"null", "t0", "t1", "t2", "t3", "t4", "t5"};
    uint32_t i = 0;
    for (int w = 0; w < 7; w++) {
        int64_t n = 0;
        for (int r = 0; r < NROWS; r++)
            n += tag_count(r, t[w]);
        if (!n)
            continue;
        ck_assert_uint_lt(i, res.nrows);
        const qry_val *v = &res.cells[(size_t)i * 2];
        ck_assert_int_eq((int)v->len, (int)strlen(t[w]));
        ck_assert_int_eq(memcmp(v->s, t[w], v->len), 0);
        ck_assert_int_eq(cell_long(i, 1), n);
        i++;
    }
    ck_assert_uint_eq(i, res.nrows);
    ck_assert_int_eq(run("SELECT k, COUNT(*) FROM ev GROUP BY k HAVING COUNT(*) > 150 "
                         "ORDER BY k LIMIT 100"), 0);
    uint32_t want = 0;
    for (int k = -10; k < 40; k++) {
        int64_t n = 0;
        for (int r = 0; r < NROWS; r++)
            n += K[r] == k;
        want += n > 150;
    }
    ck_assert_uint_eq(res.nrows, want);
    for (uint32_t j = 0; j < res.nrows; j++)
        ck_assert_int_gt(cell_long(j, 1), 150);
}
END_TEST

START_TEST(selection_order_offset_and_implicit_limit)
{
    ck_assert_int_eq(run("SELECT k, m, s FROM ev WHERE k = 7 ORDER BY m DESC, ts LIMIT 5 OFFSET 3"), 0);
    /* expected: rows with k = 7 sorted by m desc then ts */
    int idx[NROWS], n = 0;
    for (int r = 0; r < NROWS; r++)
        if (K[r] == 7)
            idx[n++] = r;
    for (int a = 0; a < n; a++) /* insertion sort is plenty here */
        for (int b = a; b > 0 && (M[idx[b]] > M[idx[b - 1]] ||
                                  (M[idx[b]] == M[idx[b - 1]] && TS[idx[b]] < TS[idx[b - 1]]));
             b--) {
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    ck_assert_uint_eq(res.nrows, 5);
    for (uint32_t i = 0; i < 5; i++) {
        ck_assert_int_eq(cell_long(i, 1), M[idx[3 + i]]);
        ck_assert_int_eq(cell_long(i, 0), 7);
    }
    ck_assert_int_eq(run("SELECT k FROM ev"), 0);
    ck_assert_uint_eq(res.nrows, 10); /* Pinot's implicit LIMIT 10 */
    ck_assert_int_eq(run("SELECT tags FROM ev WHERE ts = 1700000000000"), 0);
    ck_assert_uint_eq(res.nrows, 1);
    ck_assert_str_eq(res.types[0], "STRING_ARRAY");
    const qry_val *v = &res.cells[0];
    ck_assert_int_eq(v->kind, QV_ARRAY);
    ck_assert_int_eq((int)v->len, ntags[0] ? ntags[0] : 1);
}
END_TEST

START_TEST(distinct_and_count_distinct)
{
    ck_assert_int_eq(run("SELECT DISTINCT s FROM ev ORDER BY s LIMIT 100"), 0);
    ck_assert_uint_eq(res.nrows, 5);
    ck_assert_int_eq(run("SELECT COUNT(DISTINCT k), DISTINCTCOUNT(s) FROM ev"), 0);
    bool seen[60] = {0};
    int dk = 0;
    for (int r = 0; r < NROWS; r++)
        if (!seen[K[r] + 10]) {
            seen[K[r] + 10] = true;
            dk++;
        }
    ck_assert_str_eq(res.names[0], "distinctcount(k)");
    ck_assert_int_eq(cell_long(0, 0), dk);
    ck_assert_int_eq(cell_long(0, 1), 5);
}
END_TEST

START_TEST(null_handling)
{
    ck_assert_int_eq(run_opts("SELECT COUNT(*) FROM ev WHERE u IS NULL", "enableNullHandling=true", 1), 0);
    int64_t nulls = 0;
    for (int r = 0; r < NROWS; r++)
        nulls += u_null[r];
    ck_assert_int_eq(cell_long(0, 0), nulls);
    ck_assert_int_eq(run_opts("SELECT COUNT(*) FROM ev WHERE u IS NOT NULL", "enableNullHandling=true", 1), 0);
    ck_assert_int_eq(cell_long(0, 0), NROWS - nulls);
    /* default-value semantics: IS NULL means "holds the default value" */
    ck_assert_int_eq(run("SELECT COUNT(*) FROM ev WHERE u IS NULL"), 0);
    ck_assert_int_eq(cell_long(0, 0), nulls);
    ck_assert_int_eq(run_opts("SELECT MIN(u) FROM ev WHERE u IS NULL", "enableNullHandling=true", 1), 0);
    ck_assert_int_eq(res.cells[0].kind, QV_NULL);
    /* a NULL's stored default (INT64_MIN) must not satisfy u < 50000 */
    ck_assert_int_eq(run_opts("SELECT COUNT(*) FROM ev WHERE u < 50000", "enableNullHandling=true", 1), 0);
    int64_t below = 0;
    for (int r = 0; r < NROWS; r++)
        below += !u_null[r] && U[r] < 50000;
    ck_assert_int_eq(cell_long(0, 0), below);
    /* NULLs sort after values: last ascending, first descending */
    ck_assert_int_eq(run_opts("SELECT u FROM ev ORDER BY u DESC LIMIT 1", "enableNullHandling=true", 1), 0);
    ck_assert_int_eq(res.cells[0].kind, QV_NULL);
    ck_assert_int_eq(run_opts("SELECT u FROM ev ORDER BY u LIMIT 1", "enableNullHandling=true", 1), 0);
    ck_assert_int_ne(res.cells[0].kind, QV_NULL);
}
END_TEST

START_TEST(groups_limit_and_timeout)
{
    ck_assert_int_eq(run_opts("SELECT u, COUNT(*) FROM ev GROUP BY u LIMIT 1000",
                              "numGroupsLimit=5", 1), 0);
    ck_assert(res.stats.groups_limit_reached);
    ck_assert_uint_le(res.nrows, 5);
    int rc = run_opts("SELECT COUNT(*) FROM ev WHERE REGEXP_LIKE(s, '^(a|b|c|d|e)+(x+x+)+y$')",
                      "timeoutMs=1", 1);
    /* either it finished within 1 ms (a fast machine) or it says timeout */
    if (rc)
        ck_assert_int_eq(qerr.code, QRY_ERR_TIMEOUT);
}
END_TEST

START_TEST(errors_have_codes)
{
    ck_assert_int_ne(run("SELECT nosuch FROM ev"), 0);
    ck_assert_int_eq(qerr.code, QRY_ERR_UNKNOWN_COLUMN);
    ck_assert_int_ne(run("SELECT FROM WHERE"), 0);
    ck_assert_int_eq(qerr.code, QRY_ERR_PARSE);
    ck_assert_int_ne(run("SELECT k, COUNT(*) FROM ev"), 0);
    ck_assert_int_eq(qerr.code, QRY_ERR_VALIDATION);
}
END_TEST

/* Serialized partials merge to the same answer as in-memory ones, and
 * hostile bytes are refused without reading out of bounds. */
START_TEST(partials_round_trip_and_refuse_garbage)
{
    static const char *const sqls[] = {
        "SELECT s, COUNT(*), SUM(m), DISTINCTCOUNT(k) FROM ev GROUP BY s ORDER BY s",
        "SELECT COUNT(*), AVG(d) FROM ev",
        "SELECT k, s, tags FROM ev WHERE k = 3 ORDER BY ts LIMIT 20",
    };
    for (size_t qi = 0; qi < 3; qi++) {
        qry_query *q;
        ck_assert_int_eq(qry_compile(sqls[qi], QRY_HTTP, NULL, schema, &q, &qerr), 0);
        qry_partial direct, fromwire;
        qry_exec_opts o = {.threads = 1};
        ck_assert_int_eq(qry_execute(q, segs, NSEG, &o, &direct, &qerr), 0);
        qry_partial_init(q, &fromwire);
        for (int g = 0; g < NSEG; g++) {
            qry_partial one, back;
            qry_partial_init(q, &one);
            ck_assert_int_eq(qry_execute_segment(q, segs[g], &o, &one, &qerr), 0);
            tn_buf b = {0};
            qry_partial_serialize(q, &one, &b);
            ck_assert_int_eq(qry_partial_deserialize(q, b.data, b.len, &back, &qerr), 0);
            ck_assert_int_eq(qry_partial_merge(q, &fromwire, &back, &qerr), 0);
            /* every truncation and a few byte flips must fail cleanly */
            for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 97) {
                qry_partial bad;
                int rc = qry_partial_deserialize(q, b.data, cut, &bad, &qerr);
                ck_assert_int_ne(rc, 0);
                qry_partial_free(q, &bad);
            }
            for (size_t f = 6; f < b.len; f += 1 + b.len / 31) {
                b.data[f] ^= 0x5a;
                qry_partial bad;
                qry_partial_deserialize(q, b.data, b.len, &bad, &qerr);
                qry_partial_free(q, &bad);
                b.data[f] ^= 0x5a;
            }
            tn_buf_free(&b);
            qry_partial_free(q, &back);
            qry_partial_free(q, &one);
        }
        qry_result r1, r2;
        ck_assert_int_eq(qry_reduce(q, &direct, &r1, &qerr), 0);
        ck_assert_int_eq(qry_reduce(q, &fromwire, &r2, &qerr), 0);
        ck_assert_uint_eq(r1.nrows, r2.nrows);
        for (size_t i = 0; i < (size_t)r1.nrows * r1.ncols; i++) {
            const qry_val *a = &r1.cells[i], *b = &r2.cells[i];
            if (a->kind == QV_DOUBLE) /* sums merged in another order */
                ck_assert_double_eq_tol(a->d, b->d, 1e-9 * fmax(1, fabs(a->d)));
            else if (a->kind != QV_ARRAY)
                ck_assert_int_eq(qry_val_cmp(a, b), 0);
        }
        qry_result_free(&r1);
        qry_result_free(&r2);
        qry_partial_free(q, &direct);
        qry_partial_free(q, &fromwire);
        qry_query_free(q);
    }
}
END_TEST

START_TEST(response_json_shape)
{
    ck_assert_int_eq(run("SELECT COUNT(*), MIN(m) FROM ev WHERE k > 1000"), 0);
    qry_response_info info = {.time_used_ms = 3, .servers_queried = 1, .servers_responded = 1};
    char *js = qry_response_json(&res, NULL, 0, &info);
    ck_assert_ptr_nonnull(strstr(js, "\"resultTable\":{\"dataSchema\":{\"columnNames\":"
                                     "[\"count(*)\",\"min(m)\"],\"columnDataTypes\":"
                                     "[\"LONG\",\"DOUBLE\"]},\"rows\":[[0,\"Infinity\"]]}"));
    ck_assert_ptr_nonnull(strstr(js, "\"exceptions\":[]"));
    ck_assert_ptr_nonnull(strstr(js, "\"totalDocs\":6000"));
    free(js);
    qry_err e = {.code = 150, .position = 7};
    snprintf(e.msg, sizeof e.msg, "syntax error at position 7");
    js = qry_response_json(NULL, &e, 1, &info);
    ck_assert_ptr_null(strstr(js, "resultTable"));
    ck_assert_ptr_nonnull(strstr(js, "{\"errorCode\":150,\"message\":\"SQLParsingError: "));
    free(js);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("qry_exec");
    TCase *tc = tcase_create("exec");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, filters_match_plain_loops);
    tcase_add_test(tc, access_filter_cannot_be_escaped);
    tcase_add_test(tc, aggregations_match);
    tcase_add_test(tc, metadata_answers_match_scans);
    tcase_add_test(tc, empty_segments_take_part);
    tcase_add_test(tc, constant_calls_fold_in_where);
    tcase_add_test(tc, empty_aggregation_gives_pinot_defaults);
    tcase_add_test(tc, group_by_order_limit);
    tcase_add_test(tc, group_by_multi_value_explodes_and_having);
    tcase_add_test(tc, selection_order_offset_and_implicit_limit);
    tcase_add_test(tc, distinct_and_count_distinct);
    tcase_add_test(tc, null_handling);
    tcase_add_test(tc, groups_limit_and_timeout);
    tcase_add_test(tc, errors_have_codes);
    tcase_add_test(tc, partials_round_trip_and_refuse_garbage);
    tcase_add_test(tc, response_json_shape);
    suite_add_tcase(su, tc);
    SRunner *sr = srunner_create(su);
    srunner_set_fork_status(sr, CK_NOFORK); /* shared fixture, leak checks see all */
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    qry_result_free(&res);
    return failed ? 1 : 0;
}
