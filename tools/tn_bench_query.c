/*
 * tn_bench_query.c: `tannin bench query`: dashboard queries over generated
 * page views laid out as a realtime server holds them: segments of
 * --segment-rows rows appended one row at a time into mutable segments,
 * every full one sealed into an immutable segment, the last one still
 * mutable (consuming). Each query runs --reps times after one warm-up at
 * every thread count of --threads; the median latency is reported.
 *
 * Latency is SQL text to final table (compile, execute on the thread pool,
 * reduce), what the broker and server do for a query minus the network.
 *
 * --export writes the same rows as JSON lines and --results the figures,
 * parameters and answers as JSON, for tools/bench/peers.mjs (DuckDB, chDB)
 * and tools/bench/query-bench.sh, which compare engines on the same rows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "qry_eval.h"
#include "qry_reduce.h"
#include "seg_immutable.h"
#include "seg_mutable.h"
#include "tn_bench.h"
#include "tn_gen.h"

#define BQ_MAX_THREADS 8
#define BQ_START_MS 1700000000000LL

/* The dashboard. {T_END} is one past the newest event; {T_15M}, {T_30M},
 * {T_1H}, {T_2H} are that minus the window. tools/bench/peers.mjs holds the
 * same queries in DuckDB's and ClickHouse's dialects, by id. */
typedef struct bq_query {
    const char *id;
    const char *what;
    const char *sql;
} bq_query;

static const bq_query bq_queries[] = {
    {"q01", "campaign drop-off, mobile, last hour",
     "SELECT campaign, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews "
     "WHERE ts >= {T_1H} AND device = 'mobile' "
     "GROUP BY campaign ORDER BY COUNT(*) DESC LIMIT 10"},
    {"q02", "country x device, 3 countries, 2 h range",
     "SELECT country, device, COUNT(*) AS views, SUM(bounced) AS bounces FROM pageviews "
     "WHERE ts BETWEEN {T_2H} AND {T_END} AND country IN ('DE', 'FR', 'JP') "
     "GROUP BY country, device ORDER BY COUNT(*) DESC LIMIT 10"},
    {"q03", "bounce rate per minute, one campaign, 30 min",
     "SELECT DATETRUNC('MINUTE', ts) AS minute, COUNT(*) AS views, "
     "SUM(bounced) / COUNT(*) AS bounce_rate FROM pageviews "
     "WHERE ts >= {T_30M} AND campaign = 'cmp001' "
     "GROUP BY DATETRUNC('MINUTE', ts) ORDER BY DATETRUNC('MINUTE', ts) LIMIT 100"},
    {"q04", "top referrers by unique users, one country, 2 h",
     "SELECT referrer_domain, COUNT(DISTINCT user_id) AS users FROM pageviews "
     "WHERE ts >= {T_2H} AND country = 'GB' "
     "GROUP BY referrer_domain ORDER BY COUNT(DISTINCT user_id) DESC LIMIT 10"},
    {"q05", "country x device x os, all rows",
     "SELECT country, device, os, COUNT(*) AS views FROM pageviews "
     "GROUP BY country, device, os ORDER BY COUNT(*) DESC LIMIT 10"},
    {"q06", "avg time on page by landing page, video clicks, 1 h",
     "SELECT landing_page, AVG(time_on_page_ms) AS avg_ms, COUNT(*) AS views FROM pageviews "
     "WHERE ts >= {T_1H} AND action = 'click_video' "
     "GROUP BY landing_page ORDER BY AVG(time_on_page_ms) DESC LIMIT 10"},
    {"q07", "unique users, last 15 min",
     "SELECT COUNT(DISTINCT user_id) AS users FROM pageviews WHERE ts >= {T_15M}"},
    {"q08", "bounces of one campaign, last hour",
     "SELECT COUNT(*) AS bounces FROM pageviews "
     "WHERE ts >= {T_1H} AND campaign = 'cmp007' AND bounced = 1"},
    {"q09", "videos by browser x A/B bucket, last hour",
     "SELECT browser, ab_bucket, SUM(videos_watched) AS videos FROM pageviews "
     "WHERE ts >= {T_1H} GROUP BY browser, ab_bucket "
     "ORDER BY SUM(videos_watched) DESC LIMIT 10"},
    {"q10", "p95 time on page by device, US, 30 min (t-digest)",
     "SELECT device, PERCENTILETDIGEST(time_on_page_ms, 95) AS p95_ms, COUNT(*) AS views "
     "FROM pageviews WHERE ts >= {T_30M} AND country = 'US' "
     "GROUP BY device ORDER BY COUNT(*) DESC LIMIT 10"},
    {"q11", "approx unique users by country, last hour (HLL)",
     "SELECT country, DISTINCTCOUNTHLL(user_id) AS users FROM pageviews "
     "WHERE ts >= {T_1H} GROUP BY country ORDER BY DISTINCTCOUNTHLL(user_id) DESC LIMIT 10"},
};

typedef struct bq_param {
    const char *name;
    int64_t back_ms; /* T_END minus this */
} bq_param;

static const bq_param bq_params[] = {
    {"T_END", 0}, {"T_15M", 15 * 60000LL}, {"T_30M", 30 * 60000LL},
    {"T_1H", 3600000LL}, {"T_2H", 2 * 3600000LL},
};

typedef struct bq_opts {
    long rows, segment_rows;
    uint64_t seed;
    int reps;
    uint32_t threads[BQ_MAX_THREADS];
    uint32_t nthreads;
    const char *sort_column;   /* NULL = arrival (time) order */
    const char *export_path, *results_path, *only;
    bool show, breakdown, list, consuming_first;
} bq_opts;

/* A table config as Pinot's would name it: the metric summed row by row
 * without a dictionary, posting lists on the low-cardinality dimensions. */
static const char *const bq_no_dict[] = {"time_on_page_ms"};
static const char *const bq_inverted[] = {"country", "device", "os", "browser", "campaign",
                                          "landing_page", "action", "bounced", "ab_bucket"};
static const char *const bq_range[] = {"ts"};

typedef struct bq_table {
    seg_schema *schema;
    seg_segment **segs;
    uint32_t nsegs;
    long rows;
    int64_t t_end;
} bq_table;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin bench query [--rows N] [--segment-rows M] [--reps K] [--seed S]\n"
            "                          [--threads 1,2] [--sort-column ts|country|none]\n"
            "                          [--only q01,q05] [--show] [--breakdown] [--list]\n"
            "                          [--consuming-first]\n"
            "                          [--export ROWS.jsonl] [--results OUT.json]\n"
            "  defaults: 10,000,000 rows in segments of 1,000,000 (the last one consuming),\n"
            "  7 reps after one warm-up, threads 1 and 2, sealed segments sorted by ts\n"
            "  --show prints the first rows of each answer; --breakdown times each\n"
            "  segment on its own (one thread), sealed segments against the consuming one;\n"
            "  --list prints the queries and exits; --consuming-first hands the consuming\n"
            "  segment to the thread pool first instead of last (oldest first)\n");
    return 2;
}

static int parse_threads(const char *s, bq_opts *o)
{
    o->nthreads = 0;
    while (*s && o->nthreads < BQ_MAX_THREADS) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 64)
            return -1;
        o->threads[o->nthreads++] = (uint32_t)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return o->nthreads ? 0 : -1;
}

static int seal_segment(seg_mutable *m, const bq_opts *o, seg_segment **out, char *err)
{
    seg_segment *base = seg_mutable_base(m);
    seg_seal_opts so = {.sorted_column = o->sort_column,
                        .inverted_columns = bq_inverted, .n_inverted = TN_ARRAY_LEN(bq_inverted),
                        .inverted_set = true};
    /* time ranges are doc ranges when sealed by ts; otherwise a range index */
    if (!o->sort_column || strcmp(o->sort_column, "ts") != 0) {
        so.range_columns = bq_range;
        so.n_range = TN_ARRAY_LEN(bq_range);
    }
    seg_image *img;
    int rc = seg_seal(base, seg_segment_ndocs(base), &so, &img, err);
    if (!rc)
        rc = seg_image_open(img, out, err);
    return rc;
}

/* Generates rows straight into mutable segments as consumption would,
 * sealing each full one; optionally writes the rows as JSON lines too. */
static int build_table(const bq_opts *o, bq_table *t, char *err)
{
    int rc = tn_gen_pageview_schema(&t->schema, err);
    if (rc)
        return rc;
    FILE *ex = NULL;
    if (o->export_path && !(ex = fopen(o->export_path, "w")))
        return tn_err(err, TN_EIO, "cannot write %s", o->export_path);
    uint32_t nseg = (uint32_t)((o->rows + o->segment_rows - 1) / o->segment_rows);
    t->segs = tn_calloc(nseg, sizeof *t->segs);
    tn_gen *g = tn_gen_new(o->seed, BQ_START_MS);
    seg_row row;
    seg_row_init(&row, t->schema);
    char line[2048];
    int ts_col = seg_schema_find(t->schema, "ts");
    long r = 0;
    uint64_t t0 = tn_mono_ns(), seal_ns = 0;
    for (uint32_t s = 0; s < nseg && !rc; s++) {
        char name[64];
        snprintf(name, sizeof name, "pageviews__0__%u__bench", s);
        seg_mutable_opts mo = {.name = name, .table = "pageviews", .partition = 0,
                               .start_offset = r, .time_column = "ts",
                               .no_dict_columns = bq_no_dict, .n_no_dict = 1,
                               .inverted_columns = bq_inverted,
                               .n_inverted = TN_ARRAY_LEN(bq_inverted), .inverted_set = true};
        seg_mutable *m;
        if ((rc = seg_mutable_create(t->schema, &mo, &m, err)))
            break;
        long end = TN_MIN(o->rows, r + o->segment_rows);
        for (; r < end && !rc; r++) {
            tn_gen_pageview(g, &row);
            t->t_end = row.cells[ts_col].v.i + 1;
            rc = seg_mutable_append(m, &row, r, err);
            if (ex) {
                size_t n = tn_gen_row_json(&row, line, sizeof line - 1);
                line[n++] = '\n';
                if (fwrite(line, 1, n, ex) != n)
                    rc = tn_err(err, TN_EIO, "short write to %s", o->export_path);
            }
        }
        if (!rc && s + 1 < nseg) {
            uint64_t s0 = tn_mono_ns();
            rc = seal_segment(m, o, &t->segs[t->nsegs], err);
            seal_ns += tn_mono_ns() - s0;
            if (!rc)
                t->nsegs++;
            seg_segment_release(seg_mutable_base(m));
        } else if (!rc) {
            t->segs[t->nsegs++] = seg_mutable_base(m);
        } else {
            seg_segment_release(seg_mutable_base(m));
        }
    }
    t->rows = r;
    if (!rc && o->consuming_first && t->nsegs > 1) { /* the pool deals segments in order */
        seg_segment *last = t->segs[t->nsegs - 1];
        memmove(t->segs + 1, t->segs, (t->nsegs - 1) * sizeof *t->segs);
        t->segs[0] = last;
    }
    seg_row_free(&row);
    tn_gen_free(g);
    if (ex && fclose(ex) != 0 && !rc)
        rc = tn_err(err, TN_EIO, "cannot write %s", o->export_path);
    if (!rc)
        printf("built %ld rows in %u segments (%u sealed%s%s, 1 consuming) in %.1f s "
               "(%.1f s sealing)%s%s%s\n",
               t->rows, t->nsegs, t->nsegs - 1, o->sort_column ? ", sorted by " : "",
               o->sort_column ? o->sort_column : "", (double)(tn_mono_ns() - t0) / 1e9,
               (double)seal_ns / 1e9, ex ? "; rows exported to " : "",
               ex ? o->export_path : "", o->consuming_first ? "; consuming segment first" : "");
    return rc;
}

static void free_table(bq_table *t)
{
    for (uint32_t i = 0; i < t->nsegs; i++)
        seg_segment_release(t->segs[i]);
    free(t->segs);
    seg_schema_free(t->schema);
}

/* The query text with {NAME} parameters replaced by their values. */
static char *bind_params(const char *sql, int64_t t_end)
{
    tn_buf b = {0};
    for (const char *p = sql; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        bool done = false;
        for (size_t i = 0; close && i < TN_ARRAY_LEN(bq_params) && !done; i++) {
            size_t n = strlen(bq_params[i].name);
            if ((size_t)(close - p - 1) == n && !strncmp(p + 1, bq_params[i].name, n)) {
                char num[32];
                int k = snprintf(num, sizeof num, "%lld",
                                 (long long)(t_end - bq_params[i].back_ms));
                tn_buf_append(&b, num, (size_t)k);
                p = close + 1;
                done = true;
            }
        }
        if (!done)
            tn_buf_append(&b, p++, 1);
    }
    tn_buf_append(&b, "", 1);
    return (char *)b.data;
}

/* One run: SQL text to final table. Returns 0 and fills res (caller frees). */
static int run_once(const bq_table *t, const char *sql, uint32_t threads, qry_result *res,
                    qry_err *err)
{
    qry_query *q = NULL;
    qry_partial merged;
    int rc = qry_compile(sql, QRY_HTTP, NULL, t->schema, &q, err);
    if (!rc) {
        qry_exec_opts xo = {.threads = threads};
        rc = qry_execute(q, t->segs, t->nsegs, &xo, &merged, err);
        if (!rc)
            rc = qry_reduce(q, &merged, res, err);
        qry_partial_free(q, &merged);
    }
    qry_query_free(q);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static cJSON *cell_json(const qry_val *v)
{
    switch (v->kind) {
    case QV_LONG: return cJSON_CreateNumber((double)v->i);
    case QV_DOUBLE: return cJSON_CreateNumber(v->d);
    case QV_STRING: {
        char *s = tn_strndup(v->s, v->len);
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    case QV_ARRAY: {
        cJSON *a = cJSON_CreateArray();
        for (uint32_t i = 0; i < v->len; i++)
            cJSON_AddItemToArray(a, cell_json(&v->arr[i]));
        return a;
    }
    default: return cJSON_CreateNull();
    }
}

static cJSON *result_json(const qry_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *cols = cJSON_AddArrayToObject(o, "columns");
    for (uint32_t c = 0; c < r->ncols; c++)
        cJSON_AddItemToArray(cols, cJSON_CreateString(r->names[c]));
    cJSON *rows = cJSON_AddArrayToObject(o, "rows");
    for (uint32_t i = 0; i < r->nrows; i++) {
        cJSON *row = cJSON_CreateArray();
        for (uint32_t c = 0; c < r->ncols; c++)
            cJSON_AddItemToArray(row, cell_json(&r->cells[(size_t)i * r->ncols + c]));
        cJSON_AddItemToArray(rows, row);
    }
    return o;
}

static void print_result(const qry_result *r)
{
    for (uint32_t i = 0; i < r->nrows && i < 3; i++) {
        printf("      ");
        for (uint32_t c = 0; c < r->ncols; c++) {
            const qry_val *v = &r->cells[(size_t)i * r->ncols + c];
            char buf[48];
            if (c)
                printf(" | ");
            if (v->kind == QV_LONG)
                printf("%lld", (long long)v->i);
            else if (v->kind == QV_DOUBLE) {
                qry_format_double(v->d, buf, sizeof buf);
                printf("%s", buf);
            } else if (v->kind == QV_STRING)
                printf("%.*s", (int)v->len, v->s);
            else
                printf("?");
        }
        printf("\n");
    }
}

static bool selected(const bq_opts *o, const char *id)
{
    if (!o->only)
        return true;
    size_t n = strlen(id);
    for (const char *p = o->only; (p = strstr(p, id)) != NULL; p += n)
        if ((p == o->only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* Where a query's time goes: each segment run on its own on this thread,
 * median of reps; prints the sealed segments' sum, the slowest sealed one,
 * and the consuming segment. */
static void breakdown(const bq_opts *o, const bq_table *t, const char *sql, cJSON *jq)
{
    qry_query *q = NULL;
    qry_err err = {0};
    if (qry_compile(sql, QRY_HTTP, NULL, t->schema, &q, &err))
        return;
    double *lat = tn_malloc((size_t)o->reps * sizeof *lat);
    double sealed = 0, worst = 0, consuming = 0;
    uint32_t nsealed = 0;
    cJSON *js = cJSON_AddArrayToObject(jq, "segment_ms");
    qry_exec_opts xo = {.threads = 1};
    for (uint32_t s = 0; s < t->nsegs; s++) {
        for (int i = 0; i < o->reps; i++) {
            qry_partial p;
            qry_partial_init(q, &p);
            uint64_t t0 = tn_mono_ns();
            qry_execute_segment(q, t->segs[s], &xo, &p, &err);
            lat[i] = (double)(tn_mono_ns() - t0) / 1e6;
            qry_partial_free(q, &p);
        }
        double m = median(lat, o->reps);
        cJSON_AddItemToArray(js, cJSON_CreateNumber(m));
        if (t->segs[s]->kind == SEG_KIND_MUTABLE) {
            consuming += m;
        } else {
            sealed += m;
            worst = TN_MAX(worst, m);
            nsealed++;
        }
    }
    printf("      per segment, 1 thread: %u sealed %.3f ms (slowest %.3f), consuming %.3f ms\n",
           nsealed, sealed, worst, consuming);
    free(lat);
    qry_query_free(q);
}

/* Runs every query; returns the number that failed. */
static int run_queries(const bq_opts *o, const bq_table *t, cJSON *out)
{
    int failed = 0;
    double *lat = tn_malloc((size_t)o->reps * sizeof *lat);
    printf("%-4s %-50s %8s", "id", "query", "sel%");
    for (uint32_t k = 0; k < o->nthreads; k++)
        printf("   %2uc ms", o->threads[k]);
    printf("  rows\n");
    for (size_t qi = 0; qi < TN_ARRAY_LEN(bq_queries); qi++) {
        const bq_query *bq = &bq_queries[qi];
        if (!selected(o, bq->id))
            continue;
        char *sql = bind_params(bq->sql, t->t_end);
        cJSON *jq = cJSON_CreateObject();
        cJSON_AddStringToObject(jq, "id", bq->id);
        cJSON_AddStringToObject(jq, "what", bq->what);
        cJSON_AddStringToObject(jq, "sql", sql);
        qry_result res;
        qry_err err = {0};
        /* warm-up; its answer is the one reported */
        if (run_once(t, sql, o->threads[0], &res, &err)) {
            printf("%-4s %-50s ERROR %d: %s\n", bq->id, bq->what, err.code, err.msg);
            cJSON_AddStringToObject(jq, "error", err.msg);
            cJSON_AddItemToArray(out, jq);
            free(sql);
            failed++;
            continue;
        }
        double sel = res.stats.total_docs ? (double)res.stats.docs_scanned /
                                                (double)res.stats.total_docs : 0;
        cJSON_AddNumberToObject(jq, "docs_scanned", (double)res.stats.docs_scanned);
        cJSON_AddNumberToObject(jq, "total_docs", (double)res.stats.total_docs);
        cJSON_AddNumberToObject(jq, "selectivity", sel);
        cJSON_AddBoolToObject(jq, "selective", sel < 0.10);
        cJSON_AddItemToObject(jq, "result", result_json(&res));
        printf("%-4s %-50s %7.2f%%", bq->id, bq->what, 100 * sel);
        fflush(stdout);
        uint32_t nrows = res.nrows;
        if (o->show)
            printf("\n");
        if (o->show)
            print_result(&res);
        qry_result_free(&res);
        cJSON *jm = cJSON_AddObjectToObject(jq, "median_ms");
        cJSON *ja = cJSON_AddObjectToObject(jq, "all_ms");
        for (uint32_t k = 0; k < o->nthreads; k++) {
            int rc = k ? run_once(t, sql, o->threads[k], &res, &err) : 0; /* warm-up */
            if (k && !rc)
                qry_result_free(&res);
            for (int i = 0; i < o->reps && !rc; i++) {
                uint64_t t0 = tn_mono_ns();
                rc = run_once(t, sql, o->threads[k], &res, &err);
                lat[i] = (double)(tn_mono_ns() - t0) / 1e6;
                if (!rc)
                    qry_result_free(&res);
            }
            if (rc) {
                printf("  ERROR %d: %s", err.code, err.msg);
                failed++;
                break;
            }
            char key[16];
            snprintf(key, sizeof key, "%u", o->threads[k]);
            cJSON_AddItemToObject(ja, key, cJSON_CreateDoubleArray(lat, o->reps));
            double med = median(lat, o->reps);
            cJSON_AddNumberToObject(jm, key, med);
            printf(" %9.3f", med);
            fflush(stdout);
        }
        printf("  %u\n", nrows);
        if (o->breakdown)
            breakdown(o, t, sql, jq);
        cJSON_AddItemToArray(out, jq);
        free(sql);
    }
    free(lat);
    return failed;
}

static int write_results(const bq_opts *o, const bq_table *t, cJSON *queries)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "engine", "tannin");
    cJSON_AddNumberToObject(root, "rows", (double)t->rows);
    cJSON_AddNumberToObject(root, "segment_rows", (double)o->segment_rows);
    cJSON_AddNumberToObject(root, "segments", t->nsegs);
    cJSON_AddStringToObject(root, "sort_column", o->sort_column ? o->sort_column : "none");
    cJSON_AddNumberToObject(root, "seed", (double)o->seed);
    cJSON_AddNumberToObject(root, "reps", o->reps);
    cJSON *th = cJSON_AddArrayToObject(root, "threads");
    for (uint32_t k = 0; k < o->nthreads; k++)
        cJSON_AddItemToArray(th, cJSON_CreateNumber(o->threads[k]));
    cJSON *params = cJSON_AddObjectToObject(root, "params");
    for (size_t i = 0; i < TN_ARRAY_LEN(bq_params); i++)
        cJSON_AddNumberToObject(params, bq_params[i].name,
                                (double)(t->t_end - bq_params[i].back_ms));
    cJSON_AddItemToObject(root, "queries", queries);
    char *js = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = fopen(o->results_path, "w");
    int rc = !f || fputs(js, f) < 0 || fputc('\n', f) < 0;
    if (f && fclose(f) != 0)
        rc = 1;
    free(js);
    if (rc)
        fprintf(stderr, "bench query: cannot write %s\n", o->results_path);
    return rc;
}

int tn_bench_query(int argc, char **argv)
{
    bq_opts o = {.rows = 10000000, .segment_rows = 1000000, .seed = 1, .reps = 7,
                 .threads = {1, 2}, .nthreads = 2, .sort_column = "ts"};
    static const struct option opts[] = {
        {"rows", required_argument, 0, 'r'},         {"segment-rows", required_argument, 0, 'm'},
        {"reps", required_argument, 0, 'n'},         {"seed", required_argument, 0, 's'},
        {"threads", required_argument, 0, 't'},      {"sort-column", required_argument, 0, 'c'},
        {"only", required_argument, 0, 'q'},         {"export", required_argument, 0, 'e'},
        {"results", required_argument, 0, 'o'},      {"show", no_argument, 0, 'v'},
        {"breakdown", no_argument, 0, 'b'},          {"list", no_argument, 0, 'l'},
        {"consuming-first", no_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},               {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': o.rows = atol(optarg); break;
        case 'm': o.segment_rows = atol(optarg); break;
        case 'n': o.reps = atoi(optarg); break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 't':
            if (parse_threads(optarg, &o))
                return usage();
            break;
        case 'c': o.sort_column = strcmp(optarg, "none") ? optarg : NULL; break;
        case 'q': o.only = optarg; break;
        case 'e': o.export_path = optarg; break;
        case 'o': o.results_path = optarg; break;
        case 'v': o.show = true; break;
        case 'b': o.breakdown = true; break;
        case 'l': o.list = true; break;
        case 'f': o.consuming_first = true; break;
        default: return usage();
        }
    }
    if (optind < argc || o.rows < 1 || o.rows > 100000000 || o.segment_rows < 1 ||
        o.segment_rows > 100000000 || o.reps < 1 || o.reps > 100000)
        return usage();
    if (o.list) {
        for (size_t i = 0; i < TN_ARRAY_LEN(bq_queries); i++)
            if (selected(&o, bq_queries[i].id))
                printf("%s\t%s\t%s\n", bq_queries[i].id, bq_queries[i].what, bq_queries[i].sql);
        return 0;
    }
    char err[TN_ERRLEN];
    bq_table t = {0};
    printf("generating %ld page-view rows (seed %llu) into segments of %ld rows...\n", o.rows,
           (unsigned long long)o.seed, o.segment_rows);
    fflush(stdout);
    if (build_table(&o, &t, err)) {
        fprintf(stderr, "bench query: %s\n", err);
        free_table(&t);
        return 1;
    }
    printf("median of %d runs after 1 warm-up, SQL text to final table; "
           "sel%% = numDocsScanned / totalDocs\n", o.reps);
    cJSON *queries = cJSON_CreateArray();
    int failed = run_queries(&o, &t, queries);
    int rc = failed ? 1 : 0;
    if (o.results_path && write_results(&o, &t, queries))
        rc = 1;
    else if (!o.results_path)
        cJSON_Delete(queries);
    free_table(&t);
    return rc;
}
