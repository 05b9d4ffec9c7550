/*
 * tn_bench.c: `tannin bench segment|query|ingest|http|queries` dispatch
 * (the others live in tn_bench_<name>.c), and `tannin bench segment`: the
 * segment module's hot paths, each measured next to a plain-C baseline in
 * the same run so the ratios hold on a noisy machine:
 *   append  rows/s into a mutable segment, rows already parsed (one core)
 *   seal    seconds per million rows
 *   size    sealed bytes (and LMDB bytes) per row against the JSON input
 *   scan    GB/s summing a column through the column interface, against a
 *           plain loop over a C array of the same values
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "seg_immutable.h"
#include "seg_mutable.h"
#include "seg_store.h"
#include "tn_bench.h"
#include "tn_gen.h"
#include "tn_tools.h"

#define NCOLS 15
#define BATCH 4096

typedef struct bench_opts {
    long rows;
    uint64_t seed;
    const char *dir;
    int reps;
} bench_opts;

static double secs(uint64_t ns) { return (double)ns / 1e9; }

/* Pre-generates the rows so the append timing holds no generation cost. */
static seg_value *pregen(const seg_schema *s, tn_gen *g, long rows, size_t *json_bytes)
{
    seg_value *vals = tn_malloc((size_t)rows * NCOLS * sizeof *vals);
    seg_row row;
    seg_row_init(&row, s);
    char line[2048];
    *json_bytes = 0;
    for (long r = 0; r < rows; r++) {
        tn_gen_pageview(g, &row);
        for (int c = 0; c < NCOLS; c++)
            vals[r * NCOLS + c] = row.cells[c].v;
        *json_bytes += tn_gen_row_json(&row, line, sizeof line) + 1;
    }
    seg_row_free(&row);
    return vals; /* strings point into g's tables */
}

/* all_inverted: posting lists on every dictionary column (the default);
 * otherwise only on the low-cardinality dimensions, as a table config
 * naming its invertedIndexColumns would. */
static int bench_append(const seg_schema *s, const seg_value *vals, long rows,
                        bool all_inverted, seg_mutable **out, double *rate, char *err)
{
    static const char *const no_dict[] = {"time_on_page_ms"};
    static const char *const inv[] = {"country", "device", "os", "browser", "campaign",
                                      "landing_page", "action", "bounced", "ab_bucket"};
    seg_mutable_opts mo = {.name = "pageviews__0__0__bench", .table = "pageviews",
                           .partition = 0, .start_offset = 0, .time_column = "ts",
                           .no_dict_columns = no_dict, .n_no_dict = 1,
                           .inverted_columns = inv, .n_inverted = TN_ARRAY_LEN(inv),
                           .inverted_set = !all_inverted};
    seg_mutable *m;
    int rc = seg_mutable_create(s, &mo, &m, err);
    if (rc)
        return rc;
    seg_row row;
    seg_row_init(&row, s);
    uint64_t t0 = tn_mono_ns();
    for (long r = 0; r < rows && !rc; r++) {
        for (int c = 0; c < NCOLS; c++) {
            row.cells[c].is_null = false;
            row.cells[c].v = vals[r * NCOLS + c];
        }
        rc = seg_mutable_append(m, &row, r, err);
    }
    *rate = rows / secs(tn_mono_ns() - t0);
    seg_row_free(&row);
    *out = m;
    return rc;
}

/* Sums a column through the interface: batch decode, then a dictionary
 * lookup table (how the query engine reads a dictionary column). */
static int64_t sum_column(const seg_col *c, uint32_t *ids, int64_t *raw, int64_t *lut)
{
    int64_t sum = 0;
    if (c->has_dict)
        for (uint32_t id = 0; id < c->cardinality; id++) {
            seg_value v;
            c->ops->dict_get(c, id, &v);
            lut[id] = v.i;
        }
    for (uint32_t d = 0; d < c->ndocs; d += BATCH) {
        uint32_t n = TN_MIN(BATCH, c->ndocs - d);
        if (c->has_dict) {
            c->ops->read_ids(c, d, n, ids);
            for (uint32_t i = 0; i < n; i++)
                sum += lut[ids[i]];
        } else {
            c->ops->read_raw(c, d, n, raw);
            for (uint32_t i = 0; i < n; i++)
                sum += raw[i];
        }
    }
    return sum;
}

static int64_t sum_plain32(const int32_t *a, long n)
{
    int64_t s = 0;
    for (long i = 0; i < n; i++)
        s += a[i];
    return s;
}

static int64_t sum_plain64(const int64_t *a, long n)
{
    int64_t s = 0;
    for (long i = 0; i < n; i++)
        s += a[i];
    return s;
}

typedef struct scan_result {
    double tannin_gbs, plain_gbs;
    int64_t tannin_sum, plain_sum;
} scan_result;

/* Best of reps for both sides, interleaved so drift hits both alike. */
static void bench_scan(const seg_segment *seg, const seg_field *f, const seg_value *vals,
                       long rows, int col, int reps, scan_result *r)
{
    bool wide = seg_type_width(f->type) == 8;
    void *plain = tn_malloc((size_t)rows * (wide ? 8 : 4));
    for (long i = 0; i < rows; i++) {
        if (wide)
            ((int64_t *)plain)[i] = vals[i * NCOLS + col].i;
        else
            ((int32_t *)plain)[i] = (int32_t)vals[i * NCOLS + col].i;
    }
    seg_col c;
    char err[TN_ERRLEN];
    seg_column_open(seg, (uint32_t)rows, f, &c, err);
    uint32_t *ids = tn_malloc(BATCH * 4);
    int64_t *raw = tn_malloc(BATCH * 8);
    int64_t *lut = tn_malloc(((size_t)c.cardinality + 1) * 8);
    double bytes = (double)rows * (wide ? 8 : 4);
    double best_t = 1e30, best_p = 1e30;
    for (int k = 0; k < reps; k++) {
        uint64_t t0 = tn_mono_ns();
        r->tannin_sum = sum_column(&c, ids, raw, lut);
        uint64_t t1 = tn_mono_ns();
        r->plain_sum = wide ? sum_plain64(plain, rows) : sum_plain32(plain, rows);
        uint64_t t2 = tn_mono_ns();
        best_t = TN_MIN(best_t, secs(t1 - t0));
        best_p = TN_MIN(best_p, secs(t2 - t1));
    }
    r->tannin_gbs = bytes / best_t / 1e9;
    r->plain_gbs = bytes / best_p / 1e9;
    free(ids);
    free(raw);
    free(lut);
    free(plain);
}

static void print_scan(const char *what, const scan_result *r)
{
    printf("scan %-34s tannin %6.2f GB/s   plain loop %6.2f GB/s   ratio %.2fx%s\n", what,
           r->tannin_gbs, r->plain_gbs, r->plain_gbs / r->tannin_gbs,
           r->tannin_sum == r->plain_sum ? "" : "   SUM MISMATCH");
}

static int run_segment_bench(const bench_opts *o)
{
    char err[TN_ERRLEN];
    seg_schema *s;
    if (tn_gen_pageview_schema(&s, err)) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    size_t json_bytes;
    printf("generating %ld page-view rows (15 columns, seed %llu)...\n", o->rows,
           (unsigned long long)o->seed);
    tn_gen *g = tn_gen_new(o->seed, 1700000000000LL);
    seg_value *vals = pregen(s, g, o->rows, &json_bytes);
    seg_mutable *m, *m2;
    double rate, rate2;
    int rc = bench_append(s, vals, o->rows, false, &m2, &rate2, err);
    if (!rc)
        rc = bench_append(s, vals, o->rows, true, &m, &rate, err);
    if (rc) {
        fprintf(stderr, "bench: append: %s\n", err);
        return 1;
    }
    printf("append  %10.0f rows/s  (one core, parsed rows, inverted index on every "
           "dictionary column; mutable %.0f B/row)\n",
           rate, (double)seg_mutable_bytes(m) / o->rows);
    printf("append  %10.0f rows/s  (same, inverted index on the 9 low-cardinality "
           "dimensions; mutable %.0f B/row)\n",
           rate2, (double)seg_mutable_bytes(m2) / o->rows);
    seg_segment_release(seg_mutable_base(m2));

    seg_image *img;
    uint64_t t0 = tn_mono_ns();
    rc = seg_seal(seg_mutable_base(m), (uint32_t)o->rows,
                  &(seg_seal_opts){.sorted_column = "country"}, &img, err);
    double seal_s = secs(tn_mono_ns() - t0);
    if (rc) {
        fprintf(stderr, "bench: seal: %s\n", err);
        return 1;
    }
    size_t sealed = 0;
    for (uint32_t i = 0; i < img->ncols; i++)
        sealed += img->cols[i].len;
    printf("seal    %10.3f s per million rows (%.3f s for %ld rows, sorted by country)\n",
           seal_s * 1e6 / o->rows, seal_s, o->rows);

    char dir[512];
    snprintf(dir, sizeof dir, "%s/tannin-bench-%d", o->dir, (int)getpid());
    seg_store *st;
    uint64_t file_b = 0, used_b = 0;
    rc = seg_store_open(dir, &(seg_store_opts){.no_sync = true}, &st, err);
    if (!rc)
        rc = seg_store_write(st, img, "bench/0", o->rows, err);
    if (!rc)
        rc = seg_store_usage(st, &file_b, &used_b, err);
    if (rc) {
        fprintf(stderr, "bench: store: %s\n", err);
        return 1;
    }
    printf("size    JSON %.1f B/row, sealed columns %.1f B/row (%.1f%% of JSON), "
           "LMDB in use %.1f B/row (%.1f%%)\n",
           (double)json_bytes / o->rows, (double)sealed / o->rows,
           100.0 * sealed / json_bytes, (double)used_b / o->rows,
           100.0 * used_b / json_bytes);

    seg_segment *imm;
    rc = seg_store_load(st, img->meta.name, &imm, err);
    if (rc) {
        fprintf(stderr, "bench: load: %s\n", err);
        return 1;
    }
    /* Scans compare values in document order: the sealed segment is sorted
     * by country, so the plain arrays must be too. Sums are order-free. */
    scan_result r;
    int col_raw = seg_schema_find(s, "time_on_page_ms");
    int col_dict = seg_schema_find(s, "videos_watched");
    int col_hi = seg_schema_find(s, "user_id");
    bench_scan(imm, &s->fields[col_raw], vals, o->rows, col_raw, o->reps, &r);
    print_scan("sealed raw LONG (time_on_page_ms)", &r);
    bench_scan(imm, &s->fields[col_dict], vals, o->rows, col_dict, o->reps, &r);
    print_scan("sealed dict INT, 4 bits (videos)", &r);
    bench_scan(imm, &s->fields[col_hi], vals, o->rows, col_hi, o->reps, &r);
    print_scan("sealed dict LONG, ~20 bits (user_id)", &r);
    bench_scan(seg_mutable_base(m), &s->fields[col_raw], vals, o->rows, col_raw, o->reps, &r);
    print_scan("mutable raw LONG (time_on_page_ms)", &r);
    bench_scan(seg_mutable_base(m), &s->fields[col_dict], vals, o->rows, col_dict, o->reps, &r);
    print_scan("mutable dict INT (videos)", &r);

    seg_segment_release(imm);
    seg_store_close(st);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    seg_image_free(img);
    seg_segment_release(seg_mutable_base(m));
    free(vals);
    tn_gen_free(g);
    seg_schema_free(s);
    return 0;
}

int tn_bench_segment(int argc, char **argv)
{
    bench_opts o = {.rows = 1000000, .seed = 1, .dir = "/tmp", .reps = 5};
    static const struct option opts[] = {{"rows", required_argument, 0, 'r'},
                                         {"seed", required_argument, 0, 's'},
                                         {"dir", required_argument, 0, 'd'},
                                         {"reps", required_argument, 0, 'n'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': o.rows = atol(optarg); break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 'd': o.dir = optarg; break;
        case 'n': o.reps = atoi(optarg); break;
        default: return 2;
        }
    }
    if (o.rows < 1 || o.rows > 100000000 || o.reps < 1) {
        fprintf(stderr, "bench: --rows must be 1..100000000 and --reps >= 1\n");
        return 2;
    }
    return run_segment_bench(&o);
}

int tn_cmd_bench(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "segment"))
        return tn_bench_segment(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "query"))
        return tn_bench_query(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "ingest"))
        return tn_bench_ingest(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "http"))
        return tn_bench_http(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "queries"))
        return tn_bench_queries(argc - 1, argv + 1);
    fprintf(stderr, "usage: tannin bench segment [--rows N] [--seed S] [--dir TMPDIR] "
                    "[--reps K]\n"
                    "       tannin bench query [--rows N] [--reps K] [--threads LIST] "
                    "[--export FILE.jsonl] [--results FILE.json] ...\n"
                    "       tannin bench ingest ...   (--help for its options)\n"
                    "       tannin bench http ...     (--help for its options)\n"
                    "       tannin bench queries ...  (--help for its options)\n"
                    "       (tannin bench query --help for every option)\n");
    return 2;
}

int tn_bench_num_arg(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int tn_bench_write_json(const char *who, const char *path, const cJSON *j)
{
    char *text = cJSON_Print(j);
    FILE *f = fopen(path, "w");
    int rc = text && f && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(errno));
    free(text);
    return rc;
}

void tn_bench_sleep_until(uint64_t mono_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(mono_ns / 1000000000ull),
                          .tv_nsec = (long)(mono_ns % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}
