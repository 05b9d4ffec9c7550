/*
 * test_qry_aggids.c: the aggregation fast paths against the general ones
 * on the same rows: update_ids (DISTINCTCOUNTHLL, SUM, AVG fed dictionary
 * ids) against update fed the decoded values, byte for byte of the
 * serialized states, grouped and not, small and large dictionaries; the
 * same through the executor on sealed and mutable segments (multi-value
 * group keys, the groups limit, NULLs with null handling, empty results);
 * and the t-digest's buffer of plain doubles (radix sort, merge of
 * centroids, weighted points and values) against exact percentiles.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qry_agg.h"
#include "qry_reduce.h"
#include "qry_tdigest.h"
#include "seg_immutable.h"
#include "seg_mutable.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- update_ids against update ----------------------------------------------------- */

/* A dictionary of card values of one kind, decoded by the test. */
typedef struct fake_dict {
    qry_kind kind;
    seg_type type;
    uint32_t card;
    int64_t *i;
    double *d;
    char (*s)[12];
    uint32_t decoded;          /* ids decoded so far, to see the cache work */
} fake_dict;

static void fake_decode(void *ctx, const uint32_t *ids, uint32_t n, qry_vec *v)
{
    fake_dict *f = ctx;
    for (uint32_t r = 0; r < n; r++) {
        ck_assert_uint_lt(ids[r], f->card);
        if (f->kind == QV_LONG)
            v->i[r] = f->i[ids[r]];
        else if (f->kind == QV_DOUBLE)
            v->d[r] = f->d[ids[r]];
        else
            v->s[r] = (seg_value){.s = {f->s[ids[r]], (uint32_t)strlen(f->s[ids[r]])}};
    }
    f->decoded += n;
}

static fake_dict make_dict(qry_kind k, seg_type t, uint32_t card)
{
    fake_dict f = {.kind = k, .type = t, .card = card};
    f.i = calloc(card, sizeof *f.i);
    f.d = calloc(card, sizeof *f.d);
    f.s = calloc(card, sizeof *f.s);
    for (uint32_t j = 0; j < card; j++) {
        f.i[j] = (int64_t)(next_rand() % 4000000000ull) - 2000000000;
        f.d[j] = (double)(int64_t)(next_rand() % 2000001 - 1000000) / 8.0;
        if (j == 1)
            f.d[j] = -0.0;
        snprintf(f.s[j], sizeof f.s[j], "v%u", (unsigned)(next_rand() % 100000000));
    }
    return f;
}

static void free_dict(fake_dict *f)
{
    free(f->i);
    free(f->d);
    free(f->s);
}

static qry_expr *agg_expr(const char *name, seg_type t, qry_expr *col)
{
    qry_expr *e = calloc(1, sizeof *e);
    col->op = QE_COLUMN;
    col->type = t;
    col->name = "c";
    e->op = QE_AGG;
    e->name = (char *)name;
    e->agg = qry_agg_find(name, NULL);
    ck_assert_ptr_nonnull(e->agg);
    e->nargs = 1;
    e->args = calloc(2, sizeof *e->args);
    e->args[0] = col;
    qry_err err;
    ck_assert_int_eq(e->agg->bind(e, &err), 0);
    return e;
}

static void states_bytes(const qry_expr *e, const uint8_t *states, size_t stride, uint32_t ng,
                         tn_buf *out)
{
    for (uint32_t g = 0; g < ng; g++)
        e->agg->serialize(e, states + (size_t)g * stride, out);
}

/* Feeds the same rows to update_ids (ids) and to update (decoded values)
 * and compares the serialized states of every group. */
static void compare_paths(const char *name, qry_kind k, seg_type t, uint32_t card, uint32_t ng,
                          uint32_t rows_total)
{
    qry_expr colnode;
    memset(&colnode, 0, sizeof colnode);
    qry_expr *e = agg_expr(name, t, &colnode);
    ck_assert_ptr_nonnull(e->agg->update_ids);
    fake_dict f = make_dict(k, t, card);
    size_t stride = e->agg->state_size;
    uint32_t nst = ng ? ng : 1;
    uint8_t *fast = calloc(nst, stride), *slow = calloc(nst, stride);
    for (uint32_t g = 0; g < nst; g++) {
        e->agg->init(e, fast + g * stride);
        e->agg->init(e, slow + g * stride);
    }
    qry_agg_dict d = {.cardinality = card, .kind = k, .type = t, .decode = fake_decode, .ctx = &f};
    qry_arena a = {0};
    uint32_t done = 0;
    /* skewed ids: a few hot ones, so ids repeat within and across batches */
    while (done < rows_total) {
        uint32_t n = (uint32_t)(next_rand() % QRY_BATCH) + 1;
        n = n > rows_total - done ? rows_total - done : n;
        qry_arena_reset(&a);
        uint32_t *ids = qry_alloc(&a, n * sizeof *ids), *groups = NULL;
        if (ng)
            groups = qry_alloc(&a, n * sizeof *groups);
        for (uint32_t r = 0; r < n; r++) {
            uint64_t x = next_rand();
            ids[r] = (uint32_t)(x & 1 ? x % card : (x >> 8) % (card < 5 ? card : 5));
            if (groups)
                groups[r] = (uint32_t)((x >> 20) % ng);
        }
        qry_vec *v = qry_vec_new(&a, k, t, n);
        fake_decode(&f, ids, n, v);
        qry_vec *args[2] = {v, NULL};
        e->agg->update(e, slow, stride, groups, args, n);
        e->agg->update_ids(e, fast, stride, groups, ids, n, &d);
        done += n;
    }
    tn_buf bf = {0}, bs = {0};
    states_bytes(e, fast, stride, nst, &bf);
    states_bytes(e, slow, stride, nst, &bs);
    ck_assert_msg(bf.len == bs.len && !memcmp(bf.data, bs.data, bf.len),
                  "%s over %u ids, %u groups: states differ", name, card, ng);
    /* each distinct id decoded once by the fast path (plus the slow
     * path's every row): the cache did its job */
    ck_assert_uint_le(f.decoded - rows_total, card);
    if (e->agg->dict_free)
        e->agg->dict_free(e, &d);
    ck_assert_ptr_null(d.cache);
    for (uint32_t g = 0; g < nst; g++) {
        if (e->agg->destroy) {
            e->agg->destroy(e, fast + g * stride);
            e->agg->destroy(e, slow + g * stride);
        }
    }
    tn_buf_free(&bf);
    tn_buf_free(&bs);
    qry_arena_free(&a);
    free(fast);
    free(slow);
    free(e->args);
    free(e);
    free_dict(&f);
}

START_TEST(hll_ids_match_values)
{
    static const struct { qry_kind k; seg_type t; } kinds[] = {
        {QV_LONG, SEG_LONG}, {QV_LONG, SEG_INT}, {QV_DOUBLE, SEG_DOUBLE},
        {QV_DOUBLE, SEG_FLOAT}, {QV_STRING, SEG_STRING},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        compare_paths("distinctcounthll", kinds[i].k, kinds[i].t, 7, 0, 5000);
        compare_paths("distinctcounthll", kinds[i].k, kinds[i].t, 70000, 0, 60000);
        compare_paths("distinctcounthll", kinds[i].k, kinds[i].t, 300, 13, 20000);
        compare_paths("distinctcounthllmv", kinds[i].k, kinds[i].t, 50000, 40, 30000);
    }
}
END_TEST

START_TEST(sum_avg_ids_match_values)
{
    static const char *const names[] = {"sum", "avg", "summv"};
    for (size_t i = 0; i < 3; i++) {
        /* small dictionaries are decoded whole, large ones id by id */
        compare_paths(names[i], QV_LONG, SEG_LONG, 12, 0, 7000);
        compare_paths(names[i], QV_LONG, SEG_INT, 12, 9, 7000);
        compare_paths(names[i], QV_DOUBLE, SEG_DOUBLE, 40, 9, 7000);
        compare_paths(names[i], QV_DOUBLE, SEG_DOUBLE, 20000, 0, 30000);
        compare_paths(names[i], QV_LONG, SEG_LONG, 20000, 31, 30000);
    }
}
END_TEST

/* ---- through the executor ---------------------------------------------------------------- */

#define NROWS 9000
#define NSEG 3

static const char schema_json[] =
    "{\"schemaName\":\"ev\",\"dimensionFieldSpecs\":["
    "{\"name\":\"s\",\"dataType\":\"STRING\"},"
    "{\"name\":\"tags\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"u\",\"dataType\":\"LONG\"},"
    "{\"name\":\"w\",\"dataType\":\"STRING\"},"
    "{\"name\":\"nv\",\"dataType\":\"LONG\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"v\",\"dataType\":\"INT\"},"
    "{\"name\":\"d\",\"dataType\":\"DOUBLE\"}]}";

static char S[NROWS][8], W[NROWS][12];
static int ntags[NROWS];
static char TAGS[NROWS][2][4];
static int64_t U[NROWS], V[NROWS], NV[NROWS];
static double D[NROWS];
static bool nv_null[NROWS];

static seg_schema *schema;
static seg_segment *segs[NSEG + 1]; /* + an empty mutable segment */

static void make_rows(void)
{
    uint64_t x = 7;
    for (int r = 0; r < NROWS; r++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(S[r], sizeof S[r], "s%d", (int)((x >> 33) % 7));
        snprintf(W[r], sizeof W[r], "w%d", (int)((x >> 13) % 3000));
        ntags[r] = (int)((x >> 20) % 3);
        for (int t = 0; t < ntags[r]; t++)
            snprintf(TAGS[r][t], sizeof TAGS[r][t], "t%d", (int)((x >> (8 + 4 * t)) % 4));
        U[r] = (int64_t)((x >> 24) % 5000) * 1000003;
        V[r] = (int64_t)((x >> 40) % 12);
        D[r] = (double)((x >> 45) % 300) / 4.0;
        nv_null[r] = (x >> 55) % 8 == 0;
        NV[r] = nv_null[r] ? INT64_MIN : (int64_t)((x >> 30) % 50);
    }
}

static void fill_row(seg_row *row, int r)
{
    seg_row_reset(row);
    seg_row_set(row, 0, (seg_value){.s = {S[r], (uint32_t)strlen(S[r])}});
    seg_value tv[2];
    for (int t = 0; t < ntags[r]; t++)
        tv[t] = (seg_value){.s = {TAGS[r][t], (uint32_t)strlen(TAGS[r][t])}};
    if (ntags[r])
        seg_row_set_mv(row, 1, tv, (uint32_t)ntags[r]);
    seg_row_set(row, 2, (seg_value){.i = U[r]});
    seg_row_set(row, 3, (seg_value){.s = {W[r], (uint32_t)strlen(W[r])}});
    if (!nv_null[r])
        seg_row_set(row, 4, (seg_value){.i = NV[r]});
    seg_row_set(row, 5, (seg_value){.i = V[r]});
    seg_row_set(row, 6, (seg_value){.d = D[r]});
}

/* Two sealed segments (one sorted by s) and one mutable, plus an empty one. */
static void setup(void)
{
    char err[TN_ERRLEN];
    make_rows();
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, err), 0);
    seg_seal_opts so[2] = {{.sorted_column = "s"}, {0}};
    for (int g = 0; g <= NSEG; g++) {
        seg_mutable *m;
        char name[32];
        snprintf(name, sizeof name, "ev__0__%d", g);
        seg_mutable_opts mo = {.name = name, .table = "ev", .partition = 0, .start_offset = 0};
        ck_assert_int_eq(seg_mutable_create(schema, &mo, &m, err), 0);
        seg_row row;
        seg_row_init(&row, schema);
        for (int r = g; g < NSEG && r < NROWS; r += NSEG) {
            fill_row(&row, r);
            ck_assert_int_eq(seg_mutable_append(m, &row, r, err), 0);
        }
        seg_row_free(&row);
        if (g >= NSEG - 1) {
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
    for (int g = 0; g <= NSEG; g++)
        seg_segment_release(segs[g]);
    seg_schema_free(schema);
}

static qry_result res;
static qry_err qerr;

static int run_opts(const char *sql, const char *options, uint32_t threads)
{
    qry_result_free(&res);
    qry_query *q;
    memset(&qerr, 0, sizeof qerr);
    if (qry_compile(sql, QRY_HTTP, options, schema, &q, &qerr))
        return -1;
    qry_partial p;
    qry_exec_opts o = {.threads = threads};
    int rc = qry_execute(q, segs, NSEG + 1, &o, &p, &qerr);
    if (!rc)
        rc = qry_reduce(q, &p, &res, &qerr);
    qry_partial_free(q, &p);
    qry_query_free(q);
    return rc;
}

static const qry_val *cell(uint32_t r, uint32_t c) { return &res.cells[(size_t)r * res.ncols + c]; }

static double num(const qry_val *v) { return v->kind == QV_LONG ? (double)v->i : v->d; }

/* The estimate the general path gives for the rows in() takes of column
 * u (which 0), w (1) or nv (2): the values fed to update, then final. */
static int64_t hll_of(bool (*in)(int, const void *), const void *arg, int which)
{
    qry_expr colnode;
    memset(&colnode, 0, sizeof colnode);
    seg_type t = which == 1 ? SEG_STRING : SEG_LONG;
    qry_expr *e = agg_expr("distinctcounthll", t, &colnode);
    void *st = calloc(1, e->agg->state_size);
    e->agg->init(e, st);
    qry_arena a = {0};
    qry_vec *v = qry_vec_new(&a, which == 1 ? QV_STRING : QV_LONG, t, NROWS);
    uint32_t n = 0;
    for (int r = 0; r < NROWS; r++) {
        if (!in(r, arg))
            continue;
        if (which != 1)
            v->i[n++] = which == 0 ? U[r] : NV[r];
        else
            v->s[n++] = (seg_value){.s = {W[r], (uint32_t)strlen(W[r])}};
    }
    v->n = n;
    qry_vec *args[2] = {v, NULL};
    e->agg->update(e, st, 0, NULL, args, n);
    qry_val out;
    e->agg->final(e, st, false, &a, &out);
    e->agg->destroy(e, st);
    free(st);
    qry_arena_free(&a);
    free(e->args);
    free(e);
    return out.i;
}

static bool in_s(int r, const void *s) { return !strcmp(S[r], s); }

static int tag_count(int r, const char *t)
{
    if (!ntags[r])
        return !strcmp(t, "null");
    int n = 0;
    for (int i = 0; i < ntags[r]; i++)
        n += !strcmp(TAGS[r][i], t);
    return n;
}

static bool in_tag(int r, const void *t) { return tag_count(r, t) > 0; }

/* Checks row i of a "key, HLL(u), HLL(w), SUM(v), AVG(d)" result. */
static void check_group(uint32_t i, bool (*in)(int, const void *), int (*times)(int, const char *))
{
    const char *key = cell(i, 0)->s;
    char k[16];
    snprintf(k, sizeof k, "%.*s", (int)cell(i, 0)->len, key);
    ck_assert_int_eq(cell(i, 1)->i, hll_of(in, k, 0));
    ck_assert_int_eq(cell(i, 2)->i, hll_of(in, k, 1));
    int64_t sum = 0, n = 0;
    double dsum = 0;
    for (int r = 0; r < NROWS; r++) {
        int c = times ? times(r, k) : in(r, k);
        sum += c * V[r];
        dsum += c * D[r];
        n += c;
    }
    ck_assert_msg(num(cell(i, 3)) == (double)sum, "group %s: sum %f, want %lld", k,
                  num(cell(i, 3)), (long long)sum);
    ck_assert_double_eq_tol(num(cell(i, 4)), dsum / (double)n, 1e-9);
}

START_TEST(exec_grouped_matches_general_path)
{
    for (uint32_t threads = 1; threads <= 2; threads++) {
        ck_assert_msg(run_opts("SELECT s, DISTINCTCOUNTHLL(u), DISTINCTCOUNTHLL(w), SUM(v), AVG(d) "
                               "FROM ev GROUP BY s ORDER BY s LIMIT 100", NULL, threads) == 0,
                      "%s", qerr.msg);
        ck_assert_uint_eq(res.nrows, 7);
        for (uint32_t i = 0; i < res.nrows; i++)
            check_group(i, in_s, NULL);
    }
    /* a multi-value key explodes rows: ids gathered by the row map */
    ck_assert_msg(run_opts("SELECT tags, DISTINCTCOUNTHLL(u), DISTINCTCOUNTHLL(w), SUM(v), AVG(d) "
                           "FROM ev GROUP BY tags ORDER BY tags LIMIT 100", NULL, 1) == 0,
                  "%s", qerr.msg);
    ck_assert_uint_eq(res.nrows, 5); /* t0..t3 and the default "null" */
    for (uint32_t i = 0; i < res.nrows; i++)
        check_group(i, in_tag, tag_count);
    /* the groups limit drops rows of new groups: the kept groups still get
     * all of their rows */
    ck_assert_msg(run_opts("SELECT s, DISTINCTCOUNTHLL(u), DISTINCTCOUNTHLL(w), SUM(v), AVG(d) "
                           "FROM ev GROUP BY s ORDER BY s LIMIT 100", "numGroupsLimit=3", 1) == 0,
                  "%s", qerr.msg);
    ck_assert_uint_eq(res.nrows, 3);
    for (uint32_t i = 0; i < res.nrows; i++)
        check_group(i, in_s, NULL);
}
END_TEST

static bool in_all(int r, const void *unused) { return (void)r, (void)unused, true; }
static bool in_v_lt(int r, const void *unused) { return (void)unused, V[r] < 3; }
static bool in_nv(int r, const void *unused) { return (void)unused, !nv_null[r]; }

START_TEST(exec_ungrouped_and_empty)
{
    ck_assert_int_eq(run_opts("SELECT DISTINCTCOUNTHLL(u), SUM(v), DISTINCTCOUNTHLL(w) FROM ev",
                              NULL, 2), 0);
    ck_assert_int_eq(cell(0, 0)->i, hll_of(in_all, NULL, 0));
    ck_assert_int_eq(cell(0, 2)->i, hll_of(in_all, NULL, 1));
    int64_t sum = 0;
    for (int r = 0; r < NROWS; r++)
        sum += V[r];
    ck_assert(num(cell(0, 1)) == (double)sum);
    /* a filter: documents at, not a range */
    ck_assert_int_eq(run_opts("SELECT DISTINCTCOUNTHLL(u) FROM ev WHERE v < 3", NULL, 1), 0);
    ck_assert_int_eq(cell(0, 0)->i, hll_of(in_v_lt, NULL, 0));
    /* nothing matches: Pinot's empty answers */
    ck_assert_int_eq(run_opts("SELECT DISTINCTCOUNTHLL(u), SUM(v) FROM ev WHERE v > 100", NULL, 1),
                     0);
    ck_assert_int_eq(cell(0, 0)->i, 0);
    ck_assert(num(cell(0, 1)) == 0);
}
END_TEST

/* A column with NULLs under null handling takes the general path: NULL
 * rows count for nothing; without null handling they are the default. */
START_TEST(exec_nulls_with_null_handling)
{
    ck_assert_int_eq(run_opts("SELECT SUM(nv), AVG(nv), DISTINCTCOUNTHLL(nv) FROM ev",
                              "enableNullHandling=true", 1), 0);
    int64_t sum = 0, n = 0;
    for (int r = 0; r < NROWS; r++)
        if (!nv_null[r]) {
            sum += NV[r];
            n++;
        }
    ck_assert(num(cell(0, 0)) == (double)sum);
    ck_assert_double_eq_tol(num(cell(0, 1)), (double)sum / (double)n, 1e-9);
    ck_assert_int_eq(cell(0, 2)->i, hll_of(in_nv, NULL, 2));
    /* without null handling a NULL is the dimension's default, INT64_MIN */
    ck_assert_int_eq(run_opts("SELECT DISTINCTCOUNTHLL(nv) FROM ev", NULL, 1), 0);
    ck_assert_int_eq(cell(0, 0)->i, hll_of(in_all, NULL, 2));
    ck_assert_int_ne(hll_of(in_all, NULL, 2), hll_of(in_nv, NULL, 2));
}
END_TEST

/* ---- the t-digest's value buffer ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void check_sorted_digest(const qry_tdigest *t, double count)
{
    double w = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i)
            ck_assert(t->c[i - 1].mean <= t->c[i].mean);
        w += t->c[i].weight;
    }
    ck_assert(w == count);
}

START_TEST(tdigest_values_match_exact_percentiles)
{
    enum { N = 200000 };
    double *all = malloc(N * sizeof *all);
    qry_tdigest t, parts[4];
    qry_tdigest_init(&t, 100);
    for (int p = 0; p < 4; p++)
        qry_tdigest_init(&parts[p], 100);
    for (int i = 0; i < N; i++) {
        uint64_t x = next_rand();
        double v;
        switch (i % 4) {
        case 0: v = (double)(x % 1000000); break;                  /* integers */
        case 1: v = -((double)(x % 100000) / 7.0); break;          /* negatives */
        case 2: v = ldexp((double)(x % 1000), (int)(x >> 40) % 60 - 30); break;
        default: v = (x >> 32) % 7 ? (double)((int)((x >> 40) % 51) - 25) : -0.0; break; /* ties */
        }
        all[i] = v;
        qry_tdigest_add(&t, v, 1);
        qry_tdigest_add(&parts[i % 4 == 0 ? 0 : (int)(x % 4)], v, 1);
    }
    /* servers' digests merged through their byte form, buffers included */
    qry_tdigest merged;
    qry_tdigest_init(&merged, 100);
    for (int p = 0; p < 4; p++) {
        tn_buf b = {0};
        qry_tdigest_serialize(&parts[p], &b);
        ck_assert_int_eq(qry_tdigest_deserialize(&merged, b.data, b.len), (int64_t)b.len);
        tn_buf_free(&b);
    }
    qsort(all, N, sizeof *all, cmp_double);
    static const double qs[] = {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999};
    const qry_tdigest *ds[2] = {&t, &merged};
    for (int k = 0; k < 2; k++) {
        ck_assert(qry_tdigest_count(ds[k]) == N);
        ck_assert(qry_tdigest_quantile(ds[k], 0) == all[0]);
        ck_assert(qry_tdigest_quantile(ds[k], 1) == all[N - 1]);
        for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
            /* within the values at ranks q +- half a centroid: at
             * compression 100 a centroid spans about 2 pi / 100 *
             * sqrt(q (1 - q)) of the ranks (k1), so ~1.5 % in the middle
             * and 0.1 % at q = 0.001 */
            double tol = 0.035 * sqrt(qs[i] * (1 - qs[i])) + 1e-4;
            double lo = all[(size_t)fmax(0, (qs[i] - tol) * N)];
            double hi = all[(size_t)fmin(N - 1, (qs[i] + tol) * N)];
            double got = qry_tdigest_quantile(ds[k], qs[i]);
            ck_assert_msg(got >= lo && got <= hi, "digest %d q %g: %g not in [%g, %g]", k, qs[i],
                          got, lo, hi);
        }
    }
    qry_tdigest_compress(&t);
    check_sorted_digest(&t, N);
    qry_tdigest_compress(&merged);
    check_sorted_digest(&merged, N);
    qry_tdigest_free(&t);
    qry_tdigest_free(&merged);
    for (int p = 0; p < 4; p++)
        qry_tdigest_free(&parts[p]);
    free(all);
}
END_TEST

/* Fewer values than the buffer holds, in any order: every size of the
 * sort (insertion sort below 48 values, radix above) orders them, and
 * infinities and -0.0 keep their places. */
START_TEST(tdigest_buffer_sorts_every_size)
{
    for (uint32_t n = 1; n < 960; n += 37) {
        bool ints = n >= 480; /* integers as doubles: few bits differ */
        qry_tdigest t;
        qry_tdigest_init(&t, 100);
        double lo = INFINITY, hi = -INFINITY;
        for (uint32_t i = 0; i < n % 480; i++) {
            uint64_t x = next_rand();
            double v = ints ? (double)(x % 600000)
                     : i == 3 ? -INFINITY : i == 5 ? INFINITY : i == 7 ? -0.0
                     : (double)(int64_t)(x % 2001 - 1000) * 1e-3;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
            qry_tdigest_add(&t, v, 1);
            if (i % 50 == 49) /* weighted points beside the plain values */
                qry_tdigest_add(&t, v, 3);
        }
        ck_assert_uint_eq(t.nbuf + t.nraw, (n % 480) + (n % 480) / 50);
        double count = qry_tdigest_count(&t);
        ck_assert(qry_tdigest_quantile(&t, 0) == lo);
        ck_assert(qry_tdigest_quantile(&t, 1) == hi);
        qry_tdigest_compress(&t);
        ck_assert_uint_eq(t.nbuf + t.nraw, 0);
        check_sorted_digest(&t, count);
        qry_tdigest_free(&t);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("qry_aggids");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hll_ids_match_values);
    tcase_add_test(tc, sum_avg_ids_match_values);
    tcase_add_test(tc, tdigest_values_match_exact_percentiles);
    tcase_add_test(tc, tdigest_buffer_sorts_every_size);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("exec");
    tcase_set_timeout(te, 120);
    tcase_add_unchecked_fixture(te, setup, teardown);
    tcase_add_test(te, exec_grouped_matches_general_path);
    tcase_add_test(te, exec_ungrouped_and_empty);
    tcase_add_test(te, exec_nulls_with_null_handling);
    suite_add_tcase(s, te);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
