/*
 * test_store.c: the LMDB segment store: write, list, position and load;
 * reopen; crash safety under SIGKILL; delete, space reuse and deleting a
 * segment that is still held; retention; corrupted and bad input; and the
 * airlineStats data end to end.
 *
 * Every expected value is computed here, from the generator that made the
 * rows or by parsing the JSON with cJSON, never read back from the code
 * under test.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seg_format.h"
#include "seg_immutable.h"
#include "seg_mutable.h"
#include "seg_store.h"

#define AIRLINE_DIR TN_SHARED_DIR "/data/airlineStats/"
#define DAY_MS 86400000LL

/* The whole run's scratch directory (made in main, removed at the end);
 * each test uses subdirectories named after it. */
static char root[64];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", root, name);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the test table and its generated rows ------------------------------------ */

static const char *events_schema_json =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":["
    "{\"name\":\"s\",\"dataType\":\"STRING\"},"
    "{\"name\":\"i\",\"dataType\":\"INT\"},"
    "{\"name\":\"l\",\"dataType\":\"LONG\"},"
    "{\"name\":\"f\",\"dataType\":\"FLOAT\"},"
    "{\"name\":\"d\",\"dataType\":\"DOUBLE\"},"
    "{\"name\":\"b\",\"dataType\":\"BOOLEAN\"},"
    "{\"name\":\"y\",\"dataType\":\"BYTES\"},"
    "{\"name\":\"ms\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"mi\",\"dataType\":\"INT\",\"singleValueField\":false}],"
    "\"metricFieldSpecs\":[{\"name\":\"m\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:TIMESTAMP\",\"granularity\":\"1:MILLISECONDS\"}]}";

#define MAXMV 4

/* One generated row; *_null marks a cell left null. */
typedef struct exp_row {
    char s[16];
    bool s_null;
    int32_t i;
    bool i_null;
    int64_t l;
    float f;
    double d;
    bool d_null;
    int32_t b;
    uint8_t y[6];
    uint32_t ylen;
    uint32_t n_ms;           /* 0: null */
    char ms[MAXMV][8];
    uint32_t n_mi;
    int32_t mi[MAXMV];
    int64_t ts;
    bool ts_null;
    int64_t m;
    bool m_null;
} exp_row;

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void gen_rows(exp_row *e, uint32_t n, uint64_t seed, int64_t ts_base)
{
    uint64_t r = seed * 0x9e3779b97f4a7c15ull + 12345;
    memset(e, 0, n * sizeof *e);
    for (uint32_t k = 0; k < n; k++) {
        exp_row *x = &e[k];
        snprintf(x->s, sizeof x->s, "k%u", (unsigned)(rng_next(&r) % 50));
        x->s_null = k % 17 == 5;
        x->i = (int32_t)(uint32_t)rng_next(&r);
        if (x->i == INT32_MIN)
            x->i = 0;
        x->i_null = k % 13 == 3;
        x->l = (int64_t)rng_next(&r);
        x->f = (float)((int)(rng_next(&r) % 2001) - 1000) * 0.25f;
        x->d = (double)(int64_t)(rng_next(&r) >> 11) / 1024.0;
        x->d_null = k % 23 == 11;
        x->b = (int32_t)(rng_next(&r) & 1);
        x->ylen = (uint32_t)(rng_next(&r) % 7);
        for (uint32_t j = 0; j < x->ylen; j++)
            x->y[j] = (uint8_t)rng_next(&r);
        x->n_ms = (uint32_t)(rng_next(&r) % MAXMV); /* 0 = null */
        for (uint32_t j = 0; j < x->n_ms; j++)
            snprintf(x->ms[j], sizeof x->ms[j], "v%u", (unsigned)(rng_next(&r) % 20));
        x->n_mi = 1 + (uint32_t)(rng_next(&r) % (MAXMV - 1));
        for (uint32_t j = 0; j < x->n_mi; j++)
            x->mi[j] = (int32_t)(rng_next(&r) % 100) - 50;
        x->ts = ts_base + (int64_t)k * 1000 + (int64_t)(rng_next(&r) % 1000);
        x->m = (int64_t)(rng_next(&r) % 1000000);
        x->m_null = k % 31 == 2;
    }
}

/* Time range of generated rows, computed from the rows. */
static void exp_time_range(const exp_row *e, uint32_t n, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (uint32_t k = 0; k < n; k++) {
        if (e[k].ts_null)
            continue;
        if (e[k].ts < *lo)
            *lo = e[k].ts;
        if (e[k].ts > *hi)
            *hi = e[k].ts;
    }
}

static seg_schema *events_schema(void)
{
    seg_schema *sc;
    char err[TN_ERRLEN];
    int rc = seg_schema_parse(events_schema_json, strlen(events_schema_json), &sc, err);
    ck_assert_msg(rc == TN_OK, "schema: %s", err);
    return sc;
}

/* Set in the crash test's child. Check records every passing assertion by
 * writing to a message file that the child shares with the test process; a
 * child killed in the middle of such a write leaves a torn record and Check
 * then fails the whole suite ("Bad message type"). So the helpers the child
 * runs check with require(), which writes nothing on success and, in the
 * child, reports failure by exit status instead. */
static bool in_crash_child;

static void require(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void require(bool ok, const char *fmt, ...)
{
    if (ok)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (in_crash_child) {
        fprintf(stderr, "child: %s\n", msg);
        _exit(6);
    }
    ck_abort_msg("%s", msg);
}

static uint32_t fidx(const seg_schema *sc, const char *name)
{
    int i = seg_schema_find(sc, name);
    require(i >= 0, "no column %s", name);
    return (uint32_t)i;
}

static seg_value vstr(const char *p, uint32_t len)
{
    seg_value v;
    v.s.p = p;
    v.s.len = len;
    return v;
}

static seg_value vint(int64_t i)
{
    seg_value v;
    v.i = i;
    return v;
}

static seg_value vdbl(double d)
{
    seg_value v;
    v.d = d;
    return v;
}

typedef struct seg_spec {
    const char *name;
    const char *table;
    int32_t partition;
    int64_t start_offset;
    bool no_time;            /* build without a time column */
} seg_spec;

/* A mutable segment holding rows e[0..n), appended at offsets
 * start_offset + k. */
static seg_mutable *build_mutable(const seg_schema *sc, const seg_spec *sp,
                                  const exp_row *e, uint32_t n)
{
    static const char *const no_dict[] = {"m"};
    seg_mutable_opts mo = {
        .name = sp->name, .table = sp->table, .partition = sp->partition,
        .start_offset = sp->start_offset,
        .time_column = sp->no_time ? NULL : "ts",
        .no_dict_columns = no_dict, .n_no_dict = 1};
    seg_mutable *m;
    char err[TN_ERRLEN];
    int rc = seg_mutable_create(sc, &mo, &m, err);
    require(rc == TN_OK, "mutable: %s", err);
    seg_row row;
    seg_row_init(&row, sc);
    uint32_t fs = fidx(sc, "s"), fi = fidx(sc, "i"), fl = fidx(sc, "l"),
             ff = fidx(sc, "f"), fd = fidx(sc, "d"), fb = fidx(sc, "b"),
             fy = fidx(sc, "y"), fms = fidx(sc, "ms"), fmi = fidx(sc, "mi"),
             fts = fidx(sc, "ts"), fm = fidx(sc, "m");
    for (uint32_t k = 0; k < n; k++) {
        const exp_row *x = &e[k];
        seg_value msv[MAXMV], miv[MAXMV];
        seg_row_reset(&row);
        if (!x->s_null)
            seg_row_set(&row, fs, vstr(x->s, (uint32_t)strlen(x->s)));
        if (!x->i_null)
            seg_row_set(&row, fi, vint(x->i));
        seg_row_set(&row, fl, vint(x->l));
        seg_row_set(&row, ff, vdbl(x->f));
        if (!x->d_null)
            seg_row_set(&row, fd, vdbl(x->d));
        seg_row_set(&row, fb, vint(x->b));
        seg_row_set(&row, fy, vstr((const char *)x->y, x->ylen));
        for (uint32_t j = 0; j < x->n_ms; j++)
            msv[j] = vstr(x->ms[j], (uint32_t)strlen(x->ms[j]));
        if (x->n_ms)
            seg_row_set_mv(&row, fms, msv, x->n_ms);
        for (uint32_t j = 0; j < x->n_mi; j++)
            miv[j] = vint(x->mi[j]);
        seg_row_set_mv(&row, fmi, miv, x->n_mi);
        if (!x->ts_null)
            seg_row_set(&row, fts, vint(x->ts));
        if (!x->m_null)
            seg_row_set(&row, fm, vint(x->m));
        rc = seg_mutable_append(m, &row, sp->start_offset >= 0 ? sp->start_offset + k : -1,
                                err);
        require(rc == TN_OK, "append: %s", err);
    }
    seg_row_free(&row);
    return m;
}

static seg_image *build_image(const seg_schema *sc, const seg_spec *sp,
                              const exp_row *e, uint32_t n)
{
    seg_mutable *m = build_mutable(sc, sp, e, n);
    seg_seal_opts so = {.name = sp->name};
    seg_image *img;
    char err[TN_ERRLEN];
    int rc = seg_seal(seg_mutable_base(m), n, &so, &img, err);
    require(rc == TN_OK, "seal: %s", err);
    seg_segment_release(seg_mutable_base(m));
    return img;
}

/* Builds, seals and writes one segment. */
static void write_segment(seg_store *st, const seg_schema *sc, const seg_spec *sp,
                          const exp_row *e, uint32_t n, const char *source,
                          int64_t next_offset)
{
    seg_image *img = build_image(sc, sp, e, n);
    char err[TN_ERRLEN];
    int rc = seg_store_write(st, img, source, next_offset, err);
    ck_assert_msg(rc == TN_OK, "write %s: %s", sp->name, err);
    seg_image_free(img);
}

static seg_store *open_store(const char *dir, bool no_sync)
{
    seg_store_opts o = {.no_sync = no_sync};
    seg_store *st;
    char err[TN_ERRLEN];
    int rc = seg_store_open(dir, &o, &st, err);
    ck_assert_msg(rc == TN_OK, "open %s: %s", dir, err);
    return st;
}

static seg_segment *load_ok(seg_store *st, const char *name)
{
    seg_segment *s;
    char err[TN_ERRLEN];
    int rc = seg_store_load(st, name, &s, err);
    ck_assert_msg(rc == TN_OK, "load %s: %s", name, err);
    rc = seg_immutable_verify(s, err);
    ck_assert_msg(rc == TN_OK, "verify %s: %s", name, err);
    return s;
}

static void open_col(const seg_segment *s, const char *name, seg_col *c)
{
    char err[TN_ERRLEN];
    uint32_t i = fidx(s->schema, name);
    int rc = seg_column_open(s, seg_segment_ndocs(s), &s->schema->fields[i], c, err);
    ck_assert_msg(rc == TN_OK, "column %s: %s", name, err);
    ck_assert(!c->is_default);
}

static bool in_bitmap(const roaring_bitmap_t *b, uint32_t d)
{
    return b && roaring_bitmap_contains(b, d);
}

static void expect_str(seg_value v, const char *want, uint32_t wlen, const char *col,
                       uint32_t doc)
{
    ck_assert_msg(v.s.len == wlen && memcmp(v.s.p, want, wlen) == 0,
                  "doc %u column %s: got '%.*s', want '%.*s'", doc, col,
                  (int)v.s.len, v.s.p, (int)wlen, want);
}

/* The inverted index of column s (or ms): each document is in the bitmap
 * of every value it has and in no other. */
static void check_postings(const seg_col *c, const exp_row *e, uint32_t n, bool mv)
{
    ck_assert(c->has_inverted);
    const roaring_bitmap_t **bm = calloc(c->cardinality + 1, sizeof *bm);
    uint64_t total = 0, want = 0;
    for (uint32_t id = 0; id < c->cardinality; id++) {
        bm[id] = c->ops->bitmap(c, id);
        ck_assert_ptr_nonnull(bm[id]);
        total += roaring_bitmap_get_cardinality(bm[id]);
    }
    for (uint32_t d = 0; d < n; d++) {
        const char *vals[MAXMV];
        uint32_t nv = 1;
        if (!mv)
            vals[0] = e[d].s_null ? "null" : e[d].s;
        else if (e[d].n_ms == 0)
            vals[0] = "null";
        else
            for (nv = 0; nv < e[d].n_ms; nv++)
                vals[nv] = e[d].ms[nv];
        for (uint32_t j = 0; j < nv; j++) {
            bool dup = false;
            for (uint32_t i = 0; i < j; i++)
                dup |= strcmp(vals[i], vals[j]) == 0;
            want += !dup;
            int64_t id = c->ops->dict_find(c, vstr(vals[j], (uint32_t)strlen(vals[j])));
            ck_assert_msg(id >= 0, "doc %u: '%s' not in the dictionary", d, vals[j]);
            ck_assert_msg(roaring_bitmap_contains(bm[id], d), "doc %u not in the bitmap of '%s'",
                          d, vals[j]);
        }
    }
    ck_assert_uint_eq(total, want);
    for (uint32_t id = 0; id < c->cardinality; id++)
        seg_bitmap_free(bm[id]);
    free(bm);
}

/* Every value and null flag of the segment equals the generated rows. */
static void check_rows(const seg_segment *s, const exp_row *e, uint32_t n)
{
    ck_assert_uint_eq(seg_segment_ndocs(s), n);
    seg_col cs, ci, cl, cf, cd, cb, cy, cms, cmi, cts, cm;
    open_col(s, "s", &cs);
    open_col(s, "i", &ci);
    open_col(s, "l", &cl);
    open_col(s, "f", &cf);
    open_col(s, "d", &cd);
    open_col(s, "b", &cb);
    open_col(s, "y", &cy);
    open_col(s, "ms", &cms);
    open_col(s, "mi", &cmi);
    open_col(s, "ts", &cts);
    open_col(s, "m", &cm);
    ck_assert(!cm.has_dict); /* a raw metric column */
    ck_assert(!cms.single_value && !cmi.single_value);
    const roaring_bitmap_t *ns = cs.ops->nulls(&cs), *ni = ci.ops->nulls(&ci),
                           *nd = cd.ops->nulls(&cd), *nms = cms.ops->nulls(&cms),
                           *nm = cm.ops->nulls(&cm), *nl = cl.ops->nulls(&cl);
    ck_assert_ptr_null(nl);
    for (uint32_t k = 0; k < n; k++) {
        const exp_row *x = &e[k];
        seg_value v;
        seg_col_value(&cs, k, &v);
        if (x->s_null)
            expect_str(v, "null", 4, "s", k);
        else
            expect_str(v, x->s, (uint32_t)strlen(x->s), "s", k);
        ck_assert_msg(in_bitmap(ns, k) == x->s_null, "doc %u: s null flag", k);
        seg_col_value(&ci, k, &v);
        ck_assert_msg(v.i == (x->i_null ? INT32_MIN : x->i), "doc %u: i %lld", k,
                      (long long)v.i);
        ck_assert_msg(in_bitmap(ni, k) == x->i_null, "doc %u: i null flag", k);
        seg_col_value(&cl, k, &v);
        ck_assert_msg(v.i == x->l, "doc %u: l", k);
        seg_col_value(&cf, k, &v);
        ck_assert_msg(v.d == (double)x->f, "doc %u: f %g want %g", k, v.d, (double)x->f);
        seg_col_value(&cd, k, &v);
        if (x->d_null)
            ck_assert_msg(isinf(v.d) && v.d < 0, "doc %u: null d is %g", k, v.d);
        else
            ck_assert_msg(v.d == x->d, "doc %u: d %g want %g", k, v.d, x->d);
        ck_assert_msg(in_bitmap(nd, k) == x->d_null, "doc %u: d null flag", k);
        seg_col_value(&cb, k, &v);
        ck_assert_msg(v.i == x->b, "doc %u: b", k);
        seg_col_value(&cy, k, &v);
        expect_str(v, (const char *)x->y, x->ylen, "y", k);
        uint32_t ids[16];
        uint32_t got = cms.ops->read_mv(&cms, k, ids, 16);
        if (x->n_ms == 0) {
            ck_assert_msg(got == 1, "doc %u: null ms has %u values", k, got);
            cms.ops->dict_get(&cms, ids[0], &v);
            expect_str(v, "null", 4, "ms", k);
        } else {
            ck_assert_msg(got == x->n_ms, "doc %u: ms has %u values, want %u", k, got,
                          x->n_ms);
            for (uint32_t j = 0; j < got; j++) {
                cms.ops->dict_get(&cms, ids[j], &v);
                expect_str(v, x->ms[j], (uint32_t)strlen(x->ms[j]), "ms", k);
            }
        }
        ck_assert_msg(in_bitmap(nms, k) == (x->n_ms == 0), "doc %u: ms null flag", k);
        got = cmi.ops->read_mv(&cmi, k, ids, 16);
        ck_assert_msg(got == x->n_mi, "doc %u: mi has %u values, want %u", k, got,
                      x->n_mi);
        for (uint32_t j = 0; j < got; j++) {
            cmi.ops->dict_get(&cmi, ids[j], &v);
            ck_assert_msg(v.i == x->mi[j], "doc %u: mi[%u]", k, j);
        }
        seg_col_value(&cts, k, &v);
        ck_assert_msg(v.i == (x->ts_null ? 0 : x->ts), "doc %u: ts", k);
        seg_col_value(&cm, k, &v);
        ck_assert_msg(v.i == (x->m_null ? 0 : x->m), "doc %u: m", k);
        ck_assert_msg(in_bitmap(nm, k) == x->m_null, "doc %u: m null flag", k);
    }
    if (n) {
        check_postings(&cs, e, n, false);
        check_postings(&cms, e, n, true);
    }
    seg_bitmap_free(ns);
    seg_bitmap_free(ni);
    seg_bitmap_free(nd);
    seg_bitmap_free(nms);
    seg_bitmap_free(nm);
}

/* Metadata listed for a segment equals what it was built from. */
static void check_meta(const seg_meta *m, const seg_spec *sp, const exp_row *e,
                       uint32_t n)
{
    ck_assert_str_eq(m->name, sp->name);
    ck_assert_str_eq(m->table, sp->table);
    ck_assert_uint_eq(m->ndocs, n);
    ck_assert_int_eq(m->partition, sp->partition);
    ck_assert_int_eq(m->start_offset, sp->start_offset);
    ck_assert_int_eq(m->end_offset, sp->start_offset >= 0 ? sp->start_offset + n : -1);
    if (sp->no_time) {
        ck_assert_ptr_null(m->time_column);
        ck_assert_int_eq(m->min_time_ms, INT64_MAX);
        ck_assert_int_eq(m->max_time_ms, INT64_MIN);
    } else {
        int64_t lo, hi;
        exp_time_range(e, n, &lo, &hi);
        ck_assert_str_eq(m->time_column, "ts");
        ck_assert_int_eq(m->min_time_ms, lo);
        ck_assert_int_eq(m->max_time_ms, hi);
    }
    ck_assert_ptr_null(m->sorted_column);
}

static int64_t position(seg_store *st, const char *source, int *rc_out)
{
    int64_t pos = -12345;
    char err[TN_ERRLEN];
    *rc_out = seg_store_position(st, source, &pos, err);
    return pos;
}

/* ---- 1. write, list, position, load ------------------------------------------ */

#define T1_ROWS 500
#define TS_BASE 1700000000000LL

START_TEST(test_write_list_load)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "write");
    seg_schema *sc = events_schema();
    seg_store *st = open_store(dir, true);
    exp_row *e = malloc(T1_ROWS * sizeof *e);
    gen_rows(e, T1_ROWS, 1, TS_BASE);
    seg_spec sp = {"events__3__0__1", "events", 3, 1000, false};
    write_segment(st, sc, &sp, e, T1_ROWS, "events/3", 1000 + T1_ROWS);

    seg_meta *list;
    uint32_t n;
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 1);
    check_meta(&list[0], &sp, e, T1_ROWS);
    seg_store_list_free(list, n);
    ck_assert_int_eq(seg_store_list(st, "events", &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 1);
    seg_store_list_free(list, n);
    ck_assert_int_eq(seg_store_list(st, "other", &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 0);
    seg_store_list_free(list, n);

    int rc;
    ck_assert_int_eq(position(st, "events/3", &rc), 1000 + T1_ROWS);
    ck_assert_int_eq(rc, TN_OK);

    seg_segment *s = load_ok(st, sp.name);
    ck_assert_int_eq(s->kind, SEG_KIND_IMMUTABLE);
    check_meta(&s->meta, &sp, e, T1_ROWS);
    check_rows(s, e, T1_ROWS);
    seg_segment_release(s);

    /* the same name again: refused, and the position is not moved */
    seg_image *img = build_image(sc, &sp, e, 10);
    err[0] = '\0';
    ck_assert_int_eq(seg_store_write(st, img, "events/3", 999999, err), TN_EEXIST);
    ck_assert(strlen(err) > 0);
    seg_image_free(img);
    ck_assert_int_eq(position(st, "events/3", &rc), 1000 + T1_ROWS);
    s = load_ok(st, sp.name); /* the first segment is untouched */
    check_rows(s, e, T1_ROWS);
    seg_segment_release(s);

    /* a write without a source leaves positions alone */
    exp_row *e2 = malloc(50 * sizeof *e2);
    gen_rows(e2, 50, 2, TS_BASE);
    seg_spec sp2 = {"events__3__1__1", "events", 3, 1500, false};
    write_segment(st, sc, &sp2, e2, 50, NULL, 0);
    ck_assert_int_eq(position(st, "events/3", &rc), 1000 + T1_ROWS);
    s = load_ok(st, sp2.name);
    check_rows(s, e2, 50);
    seg_segment_release(s);

    /* an empty segment: no rows, so no time range */
    seg_spec sp3 = {"events__3__2__1", "events", 3, 1550, false};
    write_segment(st, sc, &sp3, e2, 0, "events/3", 1550);
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 3);
    check_meta(&list[2], &sp3, e2, 0);
    seg_store_list_free(list, n);
    s = load_ok(st, sp3.name);
    check_meta(&s->meta, &sp3, e2, 0);
    check_rows(s, e2, 0);
    seg_segment_release(s);
    ck_assert_int_eq(position(st, "events/3", &rc), 1550);

    position(st, "events/4", &rc);
    ck_assert_int_eq(rc, TN_ENOTFOUND);
    err[0] = '\0';
    ck_assert_int_eq(seg_store_load(st, "nope", &s, err), TN_ENOTFOUND);
    ck_assert(strstr(err, "nope"));
    ck_assert_int_eq(seg_store_delete(st, "nope", err), TN_ENOTFOUND);

    seg_store_close(st);
    free(e);
    free(e2);
    seg_schema_free(sc);
}
END_TEST

/* ---- 2. reopen ------------------------------------------------------------------- */

START_TEST(test_reopen)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "reopen");
    seg_schema *sc = events_schema();
    exp_row *e[3];
    seg_spec sp[3] = {{"r_a", "events", 0, 0, false},
                      {"r_b", "events", 1, 0, false},
                      {"r_c", "other", -1, -1, true}};
    uint32_t rows[3] = {300, 700, 40};
    seg_store *st = open_store(dir, false);
    for (int k = 0; k < 3; k++) {
        e[k] = malloc(rows[k] * sizeof *e[k]);
        gen_rows(e[k], rows[k], 10 + k, TS_BASE + k * DAY_MS);
        char src[16];
        snprintf(src, sizeof src, "events/%d", k);
        write_segment(st, sc, &sp[k], e[k], rows[k], k < 2 ? src : NULL, rows[k]);
    }
    seg_store_close(st);

    for (int round = 0; round < 2; round++) {
        st = open_store(dir, false);
        seg_meta *list;
        uint32_t n;
        ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
        ck_assert_uint_eq(n, 3);
        for (int k = 0; k < 3; k++) /* name order */
            check_meta(&list[k], &sp[k], e[k], rows[k]);
        seg_store_list_free(list, n);
        int rc;
        ck_assert_int_eq(position(st, "events/0", &rc), rows[0]);
        ck_assert_int_eq(position(st, "events/1", &rc), rows[1]);
        position(st, "events/2", &rc);
        ck_assert_int_eq(rc, TN_ENOTFOUND);
        for (int k = 0; k < 3; k++) {
            seg_segment *s = load_ok(st, sp[k].name);
            check_rows(s, e[k], rows[k]);
            seg_segment_release(s);
        }
        seg_store_close(st);
    }
    for (int k = 0; k < 3; k++)
        free(e[k]);
    seg_schema_free(sc);
}
END_TEST

/* ---- 3. crash safety ------------------------------------------------------------ */

#define CRASH_ROWS 300

static void crash_rows(exp_row *e, uint32_t i)
{
    gen_rows(e, CRASH_ROWS, 1000 + i, TS_BASE + (int64_t)i * 3600000);
}

/* The child: writes seg_<i> with next offset (i + 1) * rows, from where the
 * store's position says, reporting each commit with one byte on wfd. */
static void crash_child(const char *dir, int wfd, const seg_schema *sc)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    in_crash_child = true;
    seg_store *st;
    char err[TN_ERRLEN];
    if (seg_store_open(dir, NULL, &st, err) != TN_OK) {
        fprintf(stderr, "child: open: %s\n", err);
        _exit(2);
    }
    int64_t pos = 0;
    int rc = seg_store_position(st, "t/0", &pos, err);
    if (rc != TN_OK && rc != TN_ENOTFOUND)
        _exit(3);
    exp_row *e = malloc(CRASH_ROWS * sizeof *e);
    uint64_t t0 = tn_mono_ns();
    for (uint32_t i = (uint32_t)(pos / CRASH_ROWS); tn_mono_ns() - t0 < 30000000000ull;
         i++) {
        char name[32];
        snprintf(name, sizeof name, "seg_%u", i);
        crash_rows(e, i);
        seg_spec sp = {name, "t", 0, (int64_t)i * CRASH_ROWS, false};
        seg_image *img = build_image(sc, &sp, e, CRASH_ROWS);
        if (seg_store_write(st, img, "t/0", (int64_t)(i + 1) * CRASH_ROWS, err) != TN_OK) {
            fprintf(stderr, "child: write %s: %s\n", name, err);
            _exit(4);
        }
        seg_image_free(img);
        char c = 1;
        if (write(wfd, &c, 1) != 1)
            _exit(5);
    }
    _exit(0);
}

/* Reads commit reports until at least want arrived; returns how many. */
static uint32_t wait_reports(int fd, uint32_t want, int timeout_ms)
{
    uint32_t got = 0;
    uint64_t t0 = tn_mono_ns();
    while (got < want) {
        int left = timeout_ms - (int)((tn_mono_ns() - t0) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, left) <= 0)
            break;
        char buf[64];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0)
            break;
        got += (uint32_t)r;
    }
    return got;
}

static uint32_t drain(int fd)
{
    uint32_t got = 0;
    char buf[256];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        got += (uint32_t)r;
    return got;
}

/* The store after a kill: opens, holds exactly seg_0..seg_{k-1}, each whole,
 * and the position of t/0 is k * rows. Returns k. Every segment loads and
 * verifies; values are compared for those from seg_{first} on (earlier
 * rounds compared the others, and their checksums still hold). */
static uint32_t check_crashed_store(const char *dir, uint32_t first)
{
    char err[TN_ERRLEN];
    seg_store *st;
    int rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_OK, "reopen after kill: %s", err);
    seg_meta *list;
    uint32_t n;
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    uint8_t *seen = calloc(n + 1, 1);
    for (uint32_t k = 0; k < n; k++) {
        unsigned idx;
        char tail;
        ck_assert_msg(sscanf(list[k].name, "seg_%u%c", &idx, &tail) == 1,
                      "unexpected segment %s", list[k].name);
        ck_assert_msg(idx < n && !seen[idx], "segment %s with %u segments listed",
                      list[k].name, n);
        seen[idx] = 1;
    }
    free(seen);
    seg_store_list_free(list, n);
    int64_t pos = position(st, "t/0", &rc);
    if (n == 0) {
        ck_assert_int_eq(rc, TN_ENOTFOUND);
    } else {
        ck_assert_int_eq(rc, TN_OK);
        ck_assert_msg(pos == (int64_t)n * CRASH_ROWS,
                      "position %lld with %u segments", (long long)pos, n);
    }
    exp_row *e = malloc(CRASH_ROWS * sizeof *e);
    for (uint32_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "seg_%u", i);
        seg_segment *s = load_ok(st, name);
        crash_rows(e, i);
        seg_spec sp = {name, "t", 0, (int64_t)i * CRASH_ROWS, false};
        check_meta(&s->meta, &sp, e, CRASH_ROWS);
        if (i >= first)
            check_rows(s, e, CRASH_ROWS);
        seg_segment_release(s);
    }
    free(e);
    seg_store_close(st);
    return n;
}

START_TEST(test_crash_safety)
{
    char dir[128];
    path_in(dir, sizeof dir, "crash");
    seg_schema *sc = events_schema();
    /* commits to wait for, then a further delay before the kill */
    static const uint32_t want[] = {1, 3, 2, 2, 1, 1, 2};
    static const useconds_t delay_us[] = {0, 1700, 9000, 600000, 300, 4500, 25000};
    uint32_t k = 0;
    for (size_t round = 0; round < TN_ARRAY_LEN(want); round++) {
        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(p[0]);
            crash_child(dir, p[1], sc);
        }
        close(p[1]);
        uint32_t reported = wait_reports(p[0], want[round], 20000);
        if (reported < want[round]) {
            kill(pid, SIGKILL);
            int st;
            waitpid(pid, &st, 0);
            ck_abort_msg("round %zu: the child reported %u commits (status %d)", round,
                         reported, st);
        }
        usleep(delay_us[round]);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "round %zu: the child ended by itself (status %d)", round, status);
        reported += drain(p[0]);
        close(p[0]);
        uint32_t n = check_crashed_store(dir, k ? k - 1 : 0);
        /* every reported commit survived; at most one more (committed but
         * not yet reported) */
        ck_assert_msg(n >= k + reported && n <= k + reported + 1,
                      "round %zu: %u segments after %u + %u reported commits", round, n,
                      k, reported);
        printf("crash round %zu: killed after %u segments\n", round, n);
        k = n;
    }
    seg_schema_free(sc);
}
END_TEST

/* ---- documents (the catalog) and positions ------------------------------------ */

START_TEST(test_docs)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "docs");
    seg_store *st = open_store(dir, false);
    static const char *const keys[] = {"table/b_OFFLINE", "schema/a", "table/a_REALTIME",
                                       "tablex"};
    for (size_t i = 0; i < TN_ARRAY_LEN(keys); i++) {
        char body[64];
        int n = snprintf(body, sizeof body, "{\"k\":\"%s\"}", keys[i]);
        ck_assert_int_eq(seg_store_put_doc(st, keys[i], body, (size_t)n, err), TN_OK);
    }
    /* replace keeps one copy */
    ck_assert_int_eq(seg_store_put_doc(st, "schema/a", "v2", 2, err), TN_OK);
    ck_assert_int_eq(seg_store_put_doc(st, "", "x", 1, err), TN_EINVAL);
    char **list;
    uint32_t n;
    ck_assert_int_eq(seg_store_list_docs(st, "table/", &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0], "table/a_REALTIME");
    ck_assert_str_eq(list[1], "table/b_OFFLINE");
    for (uint32_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    ck_assert_int_eq(seg_store_list_docs(st, "zzz", &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 0);
    free(list);
    ck_assert_int_eq(seg_store_del_doc(st, "tablex", err), TN_OK);
    ck_assert_int_eq(seg_store_del_doc(st, "tablex", err), TN_ENOTFOUND);
    seg_store_close(st);

    /* durable: a reopened store has them */
    st = open_store(dir, false);
    char *data;
    size_t len;
    ck_assert_int_eq(seg_store_get_doc(st, "schema/a", &data, &len, err), TN_OK);
    ck_assert_uint_eq(len, 2);
    ck_assert_str_eq(data, "v2");
    free(data);
    ck_assert_int_eq(seg_store_get_doc(st, "tablex", &data, &len, err), TN_ENOTFOUND);
    ck_assert_int_eq(seg_store_list_docs(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 3);
    for (uint32_t i = 0; i < n; i++)
        free(list[i]);
    free(list);

    /* a dropped source starts over */
    seg_schema *sc = events_schema();
    exp_row e[10];
    gen_rows(e, 10, 7, TS_BASE);
    seg_spec sp = {"d_0", "t", 0, 0, false};
    write_segment(st, sc, &sp, e, 10, "t/0", 10);
    int rc;
    ck_assert_int_eq(position(st, "t/0", &rc), 10);
    ck_assert_int_eq(seg_store_del_position(st, "t/0", err), TN_OK);
    position(st, "t/0", &rc);
    ck_assert_int_eq(rc, TN_ENOTFOUND);
    seg_schema_free(sc);
    seg_store_close(st);
}
END_TEST

/* ---- 4. delete ---------------------------------------------------------------------- */

/* Column keys of segment seg in the store's "columns" database, read with
 * LMDB directly (the store closed); *total counts every segment's. */
static uint32_t column_keys(const char *dir, const char *seg, uint32_t *total)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, "columns", 0, &dbi), 0);
    ck_assert_int_eq(mdb_cursor_open(txn, dbi, &cur), 0);
    size_t plen = strlen(seg) + 1;
    uint32_t mine = 0;
    *total = 0;
    MDB_val k, v;
    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        (*total)++;
        if (k.mv_size > plen && memcmp(k.mv_data, seg, plen) == 0)
            mine++;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return mine;
}

START_TEST(test_delete)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "delete");
    seg_schema *sc = events_schema();
    const char *names[] = {"seg_0", "seg_1", "seg_10"}; /* seg_1 prefixes seg_10 */
    exp_row *e[3];
    seg_store *st = open_store(dir, true);
    for (int k = 0; k < 3; k++) {
        e[k] = malloc(400 * sizeof *e[k]);
        gen_rows(e[k], 400, 20 + k, TS_BASE);
        seg_spec sp = {names[k], "events", 0, k * 400, false};
        write_segment(st, sc, &sp, e[k], 400, "events/0", (k + 1) * 400);
    }
    seg_store_close(st);
    uint32_t total;
    ck_assert_uint_eq(column_keys(dir, "seg_1", &total), sc->nfields);
    ck_assert_uint_eq(total, 3 * sc->nfields);

    st = open_store(dir, true);
    ck_assert_int_eq(seg_store_delete(st, "seg_1", err), TN_OK);
    seg_segment *s;
    ck_assert_int_eq(seg_store_load(st, "seg_1", &s, err), TN_ENOTFOUND);
    seg_meta *list;
    uint32_t n;
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(list[0].name, "seg_0");
    ck_assert_str_eq(list[1].name, "seg_10");
    seg_store_list_free(list, n);
    err[0] = '\0';
    ck_assert_int_eq(seg_store_delete(st, "seg_1", err), TN_ENOTFOUND);
    ck_assert(strstr(err, "seg_1"));
    /* the others are intact, seg_10 in particular */
    s = load_ok(st, "seg_10");
    check_rows(s, e[2], 400);
    seg_segment_release(s);
    s = load_ok(st, "seg_0");
    check_rows(s, e[0], 400);
    seg_segment_release(s);
    seg_store_close(st);

    ck_assert_uint_eq(column_keys(dir, "seg_1", &total), 0);
    ck_assert_uint_eq(total, 2 * sc->nfields);
    ck_assert_uint_eq(column_keys(dir, "seg_10", &total), sc->nfields);

    /* the name is free again */
    st = open_store(dir, true);
    exp_row *e4 = malloc(100 * sizeof *e4);
    gen_rows(e4, 100, 99, TS_BASE);
    seg_spec sp = {"seg_1", "events", 0, 5000, false};
    write_segment(st, sc, &sp, e4, 100, NULL, 0);
    s = load_ok(st, "seg_1");
    check_rows(s, e4, 100);
    seg_segment_release(s);
    seg_store_close(st);
    for (int k = 0; k < 3; k++)
        free(e[k]);
    free(e4);
    seg_schema_free(sc);
}
END_TEST

/* A segment of a few MB: unique strings and raw longs. */
static const char *big_schema_json =
    "{\"schemaName\":\"big\",\"dimensionFieldSpecs\":["
    "{\"name\":\"u\",\"dataType\":\"STRING\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"r\",\"dataType\":\"LONG\"}]}";

#define BIG_ROWS 60000

static seg_image *big_image(const seg_schema *sc, const char *name, uint32_t seed)
{
    static const char *const no_dict[] = {"r"};
    seg_mutable_opts mo = {.name = name, .table = "big", .partition = -1,
                           .start_offset = -1, .no_dict_columns = no_dict,
                           .n_no_dict = 1};
    seg_mutable *m;
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_mutable_create(sc, &mo, &m, err), TN_OK);
    seg_row row;
    seg_row_init(&row, sc);
    uint32_t fu = fidx(sc, "u"), fr = fidx(sc, "r");
    uint64_t rs = seed + 1;
    for (uint32_t k = 0; k < BIG_ROWS; k++) {
        char u[64];
        int len = snprintf(u, sizeof u, "user-%08u-%016llx-%u", k,
                           (unsigned long long)rng_next(&rs), seed);
        seg_row_reset(&row);
        seg_row_set(&row, fu, vstr(u, (uint32_t)len));
        seg_row_set(&row, fr, vint((int64_t)rng_next(&rs)));
        ck_assert_int_eq(seg_mutable_append(m, &row, -1, err), TN_OK);
    }
    seg_row_free(&row);
    seg_seal_opts so = {.name = name};
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), BIG_ROWS, &so, &img, err), TN_OK);
    seg_segment_release(seg_mutable_base(m));
    return img;
}

START_TEST(test_space_reuse)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "reuse");
    seg_schema *sc;
    ck_assert_int_eq(seg_schema_parse(big_schema_json, strlen(big_schema_json), &sc, err),
                     TN_OK);
    seg_store *st = open_store(dir, true);
    seg_image *a = big_image(sc, "A", 1);
    size_t a_bytes = 0;
    for (uint32_t i = 0; i < a->ncols; i++)
        a_bytes += a->cols[i].len;
    ck_assert_uint_ge(a_bytes, 2u << 20);
    ck_assert_int_eq(seg_store_write(st, a, NULL, 0, err), TN_OK);
    seg_image_free(a);
    uint64_t f1, u1, f2, u2, f3, u3;
    ck_assert_int_eq(seg_store_usage(st, &f1, &u1, err), TN_OK);
    ck_assert_uint_ge(f1, a_bytes);
    ck_assert_int_eq(seg_store_delete(st, "A", err), TN_OK);
    ck_assert_int_eq(seg_store_usage(st, &f2, &u2, err), TN_OK);
    ck_assert_uint_le(u2 + a_bytes / 2, u1); /* the pages are free now */
    seg_image *b = big_image(sc, "B", 2);
    ck_assert_int_eq(seg_store_write(st, b, NULL, 0, err), TN_OK);
    seg_image_free(b);
    ck_assert_int_eq(seg_store_usage(st, &f3, &u3, err), TN_OK);
    printf("space reuse: %zu-byte segment, file %llu -> %llu -> %llu bytes "
           "(in use %llu -> %llu -> %llu)\n",
           a_bytes, (unsigned long long)f1, (unsigned long long)f2,
           (unsigned long long)f3, (unsigned long long)u1, (unsigned long long)u2,
           (unsigned long long)u3);
    /* B took A's freed pages: the file grew by at most a small margin */
    ck_assert_msg(f3 <= f1 + f1 / 20 + 65536,
                  "file grew from %llu to %llu bytes writing B after deleting A",
                  (unsigned long long)f1, (unsigned long long)f3);
    seg_segment *s = load_ok(st, "B");
    ck_assert_uint_eq(seg_segment_ndocs(s), BIG_ROWS);
    seg_segment_release(s);
    seg_store_close(st);
    seg_schema_free(sc);
}
END_TEST

START_TEST(test_delete_while_held)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "held");
    seg_schema *sc = events_schema();
    seg_store *st = open_store(dir, true);
    exp_row *e = malloc(2000 * sizeof *e);
    gen_rows(e, 2000, 7, TS_BASE);
    seg_spec sp = {"held", "events", 0, 0, false};
    write_segment(st, sc, &sp, e, 2000, "events/0", 2000);
    seg_segment *held = load_ok(st, "held");
    ck_assert_int_eq(seg_store_delete(st, "held", err), TN_OK);
    seg_segment *s;
    ck_assert_int_eq(seg_store_load(st, "held", &s, err), TN_ENOTFOUND);
    seg_meta *list;
    uint32_t n;
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 0);
    seg_store_list_free(list, n);
    /* writes that would reuse the freed pages if the reader did not hold
     * them */
    exp_row *e2 = malloc(2000 * sizeof *e2);
    for (int k = 0; k < 4; k++) {
        gen_rows(e2, 2000, 100 + k, TS_BASE);
        char name[16];
        snprintf(name, sizeof name, "next_%d", k);
        seg_spec sp2 = {name, "events", 0, 2000 * (k + 1), false};
        write_segment(st, sc, &sp2, e2, 2000, "events/0", 2000 * (k + 2));
    }
    check_rows(held, e, 2000);
    ck_assert_int_eq(seg_immutable_verify(held, err), TN_OK);
    seg_segment_release(held);
    s = load_ok(st, "next_3");
    check_rows(s, e2, 2000);
    seg_segment_release(s);
    seg_store_close(st);
    free(e);
    free(e2);
    seg_schema_free(sc);
}
END_TEST

START_TEST(test_map_full)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "full");
    seg_schema *big, *sc = events_schema();
    ck_assert_int_eq(seg_schema_parse(big_schema_json, strlen(big_schema_json), &big, err),
                     TN_OK);
    seg_image *img = big_image(big, "A", 3);
    seg_store_opts o = {.map_size = 1 << 20, .no_sync = true};
    seg_store *st;
    ck_assert_int_eq(seg_store_open(dir, &o, &st, err), TN_OK);
    err[0] = '\0';
    ck_assert_int_eq(seg_store_write(st, img, "big/0", 60000, err), TN_EFULL);
    ck_assert(strlen(err) > 0);
    printf("map full: %s\n", err);
    int rc;
    position(st, "big/0", &rc);
    ck_assert_int_eq(rc, TN_ENOTFOUND);
    /* the store still takes what fits */
    exp_row *e = malloc(200 * sizeof *e);
    gen_rows(e, 200, 5, TS_BASE);
    seg_spec sp = {"small", "events", 0, 0, false};
    write_segment(st, sc, &sp, e, 200, "events/0", 200);
    seg_segment *s = load_ok(st, "small");
    check_rows(s, e, 200);
    seg_segment_release(s);
    seg_store_close(st);
    /* and, with a larger map, the big one too */
    st = open_store(dir, true);
    ck_assert_int_eq(seg_store_write(st, img, "big/0", 60000, err), TN_OK);
    ck_assert_int_eq(position(st, "big/0", &rc), 60000);
    s = load_ok(st, "A");
    ck_assert_uint_eq(seg_segment_ndocs(s), BIG_ROWS);
    seg_segment_release(s);
    s = load_ok(st, "small");
    check_rows(s, e, 200);
    seg_segment_release(s);
    seg_store_close(st);
    seg_image_free(img);
    free(e);
    seg_schema_free(big);
    seg_schema_free(sc);
}
END_TEST

/* ---- 5. retention ------------------------------------------------------------------ */

START_TEST(test_retention)
{
    char dir[128], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "retention");
    seg_schema *sc = events_schema();
    seg_store *st = open_store(dir, true);
    const int64_t now = 1700000000000LL, keep = 7 * DAY_MS, cutoff = now - keep;
    struct {
        const char *name, *table;
        int64_t lo, hi;   /* time range of the rows */
        bool no_time;     /* no time column */
        bool null_time;   /* time column, every value null */
        bool deleted;     /* by retention of table t1 */
    } segs[] = {
        {"r_old", "t1", now - 10 * DAY_MS, now - 9 * DAY_MS, false, false, true},
        {"r_just_old", "t1", cutoff - DAY_MS, cutoff - 1, false, false, true},
        {"r_edge", "t1", cutoff - DAY_MS, cutoff, false, false, false},
        {"r_straddle", "t1", cutoff - DAY_MS, cutoff + DAY_MS, false, false, false},
        {"r_new", "t1", now - DAY_MS, now, false, false, false},
        {"r_future", "t1", now + DAY_MS, now + 2 * DAY_MS, false, false, false},
        {"r_notime", "t1", now - 30 * DAY_MS, now - 29 * DAY_MS, true, false, false},
        {"r_nulltime", "t1", 0, 0, false, true, false},
        {"o_old", "t2", now - 30 * DAY_MS, now - 20 * DAY_MS, false, false, false},
    };
    const uint32_t rows = 20;
    exp_row e[20];
    for (size_t k = 0; k < TN_ARRAY_LEN(segs); k++) {
        gen_rows(e, rows, 50 + k, 0);
        for (uint32_t r = 0; r < rows; r++) {
            e[r].ts = segs[k].lo + (segs[k].hi - segs[k].lo) * r / (rows - 1);
            e[r].ts_null = segs[k].null_time;
        }
        seg_spec sp = {segs[k].name, segs[k].table, 0, 0, segs[k].no_time};
        write_segment(st, sc, &sp, e, rows, NULL, 0);
    }
    seg_meta *list;
    uint32_t n;
    /* the time ranges were recorded as built */
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, TN_ARRAY_LEN(segs));
    for (uint32_t i = 0; i < n; i++)
        for (size_t k = 0; k < TN_ARRAY_LEN(segs); k++) {
            if (strcmp(list[i].name, segs[k].name) != 0)
                continue;
            if (segs[k].no_time || segs[k].null_time) {
                ck_assert_int_eq(list[i].max_time_ms, INT64_MIN);
            } else {
                ck_assert_int_eq(list[i].min_time_ms, segs[k].lo);
                ck_assert_int_eq(list[i].max_time_ms, segs[k].hi);
            }
        }
    seg_store_list_free(list, n);

    uint32_t nd = 999;
    ck_assert_int_eq(seg_store_apply_retention(st, "t1", now, keep, &nd, err), TN_OK);
    uint32_t want = 0;
    for (size_t k = 0; k < TN_ARRAY_LEN(segs); k++)
        want += segs[k].deleted;
    ck_assert_uint_eq(nd, want);
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, TN_ARRAY_LEN(segs) - want);
    for (size_t k = 0; k < TN_ARRAY_LEN(segs); k++) {
        bool found = false;
        for (uint32_t i = 0; i < n; i++)
            found |= strcmp(list[i].name, segs[k].name) == 0;
        ck_assert_msg(found == !segs[k].deleted, "%s %s", segs[k].name,
                      found ? "kept" : "deleted");
        seg_segment *s;
        int rc = seg_store_load(st, segs[k].name, &s, err);
        ck_assert_int_eq(rc, segs[k].deleted ? TN_ENOTFOUND : TN_OK);
        if (rc == TN_OK)
            seg_segment_release(s);
    }
    seg_store_list_free(list, n);

    /* nothing more to do; then the other table */
    ck_assert_int_eq(seg_store_apply_retention(st, "t1", now, keep, &nd, err), TN_OK);
    ck_assert_uint_eq(nd, 0);
    ck_assert_int_eq(seg_store_apply_retention(st, "t3", now, keep, &nd, err), TN_OK);
    ck_assert_uint_eq(nd, 0);
    ck_assert_int_eq(seg_store_apply_retention(st, "t2", now, keep, &nd, err), TN_OK);
    ck_assert_uint_eq(nd, 1);
    ck_assert_int_eq(seg_store_list(st, "t2", &list, &n, err), TN_OK);
    ck_assert_uint_eq(n, 0);
    seg_store_list_free(list, n);
    seg_store_close(st);
    seg_schema_free(sc);
}
END_TEST

/* ---- 6. corruption and bad input ------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Writes a store of a few segments and closes it. */
static void small_store(const char *dir, const seg_schema *sc)
{
    seg_store *st = open_store(dir, true);
    exp_row *e = malloc(3000 * sizeof *e);
    for (int k = 0; k < 3; k++) {
        gen_rows(e, 3000, 60 + k, TS_BASE);
        char name[16];
        snprintf(name, sizeof name, "s%d", k);
        seg_spec sp = {name, "events", 0, k * 3000, false};
        write_segment(st, sc, &sp, e, 3000, "events/0", (k + 1) * 3000);
    }
    free(e);
    seg_store_close(st);
}

START_TEST(test_truncated)
{
    char dir[128], file[160], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "truncated");
    seg_schema *sc = events_schema();
    small_store(dir, sc);
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    struct stat sb;
    ck_assert_int_eq(stat(file, &sb), 0);
    ck_assert_int_ge(sb.st_size, 200000);
    ck_assert_int_eq(truncate(file, sb.st_size / 2), 0);
    seg_store *st = NULL;
    err[0] = '\0';
    int rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_ECORRUPT || rc == TN_EIO, "open of a truncated store: %d", rc);
    ck_assert_msg(strstr(err, "truncated"), "message: %s", err);
    ck_assert_ptr_null(st);
    /* shorter than its meta pages */
    ck_assert_int_eq(truncate(file, 3000), 0);
    err[0] = '\0';
    rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_ECORRUPT || rc == TN_EIO, "open of a 3000-byte store: %d", rc);
    ck_assert(strlen(err) > 0);
    printf("truncated store: %s\n", err);
    seg_schema_free(sc);
}
END_TEST

START_TEST(test_garbage_file)
{
    char dir[128], file[160], err[TN_ERRLEN];
    seg_store *st = NULL;
    /* random bytes */
    path_in(dir, sizeof dir, "garbage");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    size_t len = 64 * 1024;
    uint8_t *junk = malloc(len);
    uint64_t r = 42;
    for (size_t i = 0; i < len; i++)
        junk[i] = (uint8_t)rng_next(&r);
    write_file(file, junk, len);
    free(junk);
    err[0] = '\0';
    int rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_ECORRUPT || rc == TN_EIO, "random data.mdb: %d", rc);
    ck_assert(strstr(err, dir));
    ck_assert_ptr_null(st);
    printf("random data.mdb: %s\n", err);
    /* a text file, short and long */
    path_in(dir, sizeof dir, "text");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    const char *text = "this is not an LMDB file\n";
    write_file(file, text, strlen(text));
    err[0] = '\0';
    rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_ECORRUPT || rc == TN_EIO, "text data.mdb: %d", rc);
    ck_assert(strlen(err) > 0);
    tn_buf t = {0};
    while (t.len < 100000)
        tn_buf_append(&t, text, strlen(text));
    write_file(file, t.data, t.len);
    tn_buf_free(&t);
    err[0] = '\0';
    rc = seg_store_open(dir, NULL, &st, err);
    ck_assert_msg(rc == TN_ECORRUPT || rc == TN_EIO, "long text data.mdb: %d", rc);
    ck_assert(strlen(err) > 0);
    ck_assert_ptr_null(st);
}
END_TEST

/* File offsets of every copy of the blob in the file image. */
static uint32_t find_blob(const uint8_t *file, size_t flen, const seg_image_col *c,
                          size_t *offs, uint32_t cap)
{
    uint32_t n = 0;
    const uint8_t *p = file;
    while (n < cap) {
        const uint8_t *hit = memmem(p, flen - (size_t)(p - file), c->data, c->len);
        if (!hit)
            break;
        offs[n++] = (size_t)(hit - file);
        p = hit + 1;
    }
    return n;
}

static const seg_image_col *image_col(const seg_image *img, const char *name)
{
    for (uint32_t i = 0; i < img->ncols; i++)
        if (strcmp(img->cols[i].name, name) == 0)
            return &img->cols[i];
    ck_abort_msg("no column %s", name);
    return NULL;
}

START_TEST(test_corrupt_column)
{
    char dir[128], file[160], err[TN_ERRLEN];
    path_in(dir, sizeof dir, "corrupt");
    seg_schema *sc = events_schema();
    /* four victims and one good segment, each of its own size so that no
     * two share a column blob */
    const char *names[] = {"x_version", "x_section", "x_body", "x_frame", "y_good"};
    uint32_t rows[] = {301, 302, 303, 304, 500};
    seg_image *img[5];
    exp_row *e[5];
    seg_store *st = open_store(dir, true);
    for (int k = 0; k < 5; k++) {
        e[k] = malloc(rows[k] * sizeof *e[k]);
        gen_rows(e[k], rows[k], 70 + k, TS_BASE);
        seg_spec sp = {names[k], "events", 0, 0, false};
        img[k] = build_image(sc, &sp, e[k], rows[k]);
        ck_assert_int_eq(seg_store_write(st, img[k], NULL, 0, err), TN_OK);
    }
    seg_store_close(st);

    snprintf(file, sizeof file, "%s/data.mdb", dir);
    char *data;
    size_t len;
    ck_assert_int_eq(tn_read_file(file, &data, &len, err), TN_OK);
    uint8_t *f = (uint8_t *)data;
    size_t offs[8];
    uint32_t n;
    static const uint8_t magic[4] = {0x54, 0x4e, 0x43, 0x4c}; /* "TNCL" */

    /* x_version, column i: the header's format version */
    const seg_image_col *c = image_col(img[0], "i");
    n = find_blob(f, len, c, offs, 8);
    ck_assert_uint_ge(n, 1);
    for (uint32_t j = 0; j < n; j++) {
        ck_assert(memcmp(f + offs[j], magic, 4) == 0);
        uint16_t v = 77;
        memcpy(f + offs[j] + offsetof(seg_colhdr, version), &v, 2);
    }
    /* x_section, column s: the forward index's offset far outside */
    c = image_col(img[1], "s");
    n = find_blob(f, len, c, offs, 8);
    ck_assert_uint_ge(n, 1);
    for (uint32_t j = 0; j < n; j++) {
        ck_assert(memcmp(f + offs[j], magic, 4) == 0);
        uint64_t off = 1ull << 40;
        memcpy(f + offs[j] + offsetof(seg_colhdr, fwd) + offsetof(seg_sect, off), &off, 8);
    }
    /* x_body, column m: one bit in the middle of the raw values */
    c = image_col(img[2], "m");
    n = find_blob(f, len, c, offs, 8);
    ck_assert_uint_ge(n, 1);
    for (uint32_t j = 0; j < n; j++) {
        ck_assert(memcmp(f + offs[j], magic, 4) == 0);
        size_t at = sizeof(seg_colhdr) + (c->len - sizeof(seg_colhdr)) / 2;
        f[offs[j] + at] ^= 0x10;
    }
    /* x_frame, column l: the frame's pad byte (the first non-zero byte
     * before the blob, holding its distance) */
    c = image_col(img[3], "l");
    n = find_blob(f, len, c, offs, 8);
    ck_assert_uint_ge(n, 1);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t p = 1;
        while (p <= 32 && f[offs[j] - p] == 0)
            p++;
        ck_assert_uint_le(p, 32);
        ck_assert_uint_eq(f[offs[j] - p], p);
        f[offs[j] - p] = 0;
    }
    int fd = open(file, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, f, len, 0), (ssize_t)len);
    close(fd);
    free(data);

    /* few readers: a failed load must not leak its read transaction */
    seg_store_opts o = {.no_sync = true, .max_readers = 4};
    ck_assert_int_eq(seg_store_open(dir, &o, &st, err), TN_OK);
    seg_segment *s;
    for (int round = 0; round < 5; round++) {
        err[0] = '\0';
        ck_assert_int_eq(seg_store_load(st, "x_version", &s, err), TN_ECORRUPT);
        ck_assert_msg(strstr(err, "'i'") && strstr(err, "version"), "%s", err);
        err[0] = '\0';
        ck_assert_int_eq(seg_store_load(st, "x_section", &s, err), TN_ECORRUPT);
        ck_assert_msg(strstr(err, "'s'") && strstr(err, "outside"), "%s", err);
        err[0] = '\0';
        ck_assert_int_eq(seg_store_load(st, "x_frame", &s, err), TN_ECORRUPT);
        ck_assert_msg(strstr(err, "'l'") && strstr(err, "frame"), "%s", err);
    }
    printf("corrupt column: %s\n", err);
    /* the body flip passes the structural checks; the checksum finds it */
    ck_assert_int_eq(seg_store_load(st, "x_body", &s, err), TN_OK);
    err[0] = '\0';
    ck_assert_int_eq(seg_immutable_verify(s, err), TN_ECORRUPT);
    ck_assert_msg(strstr(err, "'m'") && strstr(err, "checksum"), "%s", err);
    printf("corrupt body: %s\n", err);
    seg_segment_release(s);
    /* everything else is served */
    seg_meta *list;
    uint32_t nl;
    ck_assert_int_eq(seg_store_list(st, NULL, &list, &nl, err), TN_OK);
    ck_assert_uint_eq(nl, 5);
    seg_store_list_free(list, nl);
    s = load_ok(st, "y_good");
    check_rows(s, e[4], rows[4]);
    seg_segment_release(s);
    seg_store_close(st);
    for (int k = 0; k < 5; k++) {
        seg_image_free(img[k]);
        free(e[k]);
    }
    seg_schema_free(sc);
}
END_TEST

START_TEST(test_bad_dir)
{
    char path[160], err[TN_ERRLEN];
    seg_store *st = NULL;
    /* a regular file where the directory should be */
    path_in(path, sizeof path, "plainfile");
    write_file(path, "x", 1);
    err[0] = '\0';
    int rc = seg_store_open(path, NULL, &st, err);
    ck_assert_msg(rc == TN_EIO || rc == TN_EINVAL, "store on a file: %d", rc);
    ck_assert(strstr(err, path));
    ck_assert_ptr_null(st);
    printf("store on a file: %s\n", err);
    /* a directory that cannot be made */
    path_in(path, sizeof path, "missing/parent/store");
    err[0] = '\0';
    rc = seg_store_open(path, NULL, &st, err);
    ck_assert_int_eq(rc, TN_EIO);
    ck_assert(strstr(err, path));
    ck_assert_ptr_null(st);
    /* data.mdb is a directory */
    path_in(path, sizeof path, "mdbdir");
    ck_assert_int_eq(mkdir(path, 0755), 0);
    char sub[200];
    snprintf(sub, sizeof sub, "%s/data.mdb", path);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    err[0] = '\0';
    rc = seg_store_open(path, NULL, &st, err);
    ck_assert_int_ne(rc, TN_OK);
    ck_assert(strlen(err) > 0);
    ck_assert_ptr_null(st);
}
END_TEST

/* ---- 7. the airline data ------------------------------------------------------------ */

typedef struct str_stats {
    char **vals;
    size_t n, cap;
} str_stats;

typedef struct int_stats {
    int64_t *vals;
    size_t n, cap;
} int_stats;

static void str_add(str_stats *s, const char *v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->vals = realloc(s->vals, s->cap * sizeof *s->vals);
    }
    s->vals[s->n++] = strdup(v);
}

static void int_add(int_stats *s, int64_t v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->vals = realloc(s->vals, s->cap * sizeof *s->vals);
    }
    s->vals[s->n++] = v;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Distinct count, min and max of the values seen. */
static size_t str_distinct(str_stats *s, const char **lo, const char **hi)
{
    qsort(s->vals, s->n, sizeof *s->vals, cmp_str);
    size_t d = 0;
    for (size_t i = 0; i < s->n; i++)
        if (i == 0 || strcmp(s->vals[i], s->vals[i - 1]) != 0)
            d++;
    *lo = s->vals[0];
    *hi = s->vals[s->n - 1];
    return d;
}

static size_t int_distinct(int_stats *s, int64_t *lo, int64_t *hi)
{
    qsort(s->vals, s->n, sizeof *s->vals, cmp_i64);
    size_t d = 0;
    for (size_t i = 0; i < s->n; i++)
        if (i == 0 || s->vals[i] != s->vals[i - 1])
            d++;
    *lo = s->vals[0];
    *hi = s->vals[s->n - 1];
    return d;
}

static void str_free(str_stats *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->vals[i]);
    free(s->vals);
}

START_TEST(test_airline)
{
    if (access(AIRLINE_DIR "airlineStats.jsonl", R_OK) != 0) {
        printf("SKIP test_airline: no %s\n", AIRLINE_DIR);
        return;
    }
    char err[TN_ERRLEN], dir[128];
    seg_schema *sc;
    int rc = seg_schema_load_file(AIRLINE_DIR "airlineStats_schema.json", &sc, err);
    ck_assert_msg(rc == TN_OK, "schema: %s", err);
    char *text;
    size_t tlen;
    ck_assert_int_eq(tn_read_file(AIRLINE_DIR "airlineStats.jsonl", &text, &tlen, err),
                     TN_OK);

    seg_mutable_opts mo = {.name = "airlineStats__0__0__0", .table = "airlineStats",
                           .partition = 0, .start_offset = 0,
                           .time_column = "DaysSinceEpoch"};
    seg_mutable *m;
    ck_assert_int_eq(seg_mutable_create(sc, &mo, &m, err), TN_OK);
    seg_row row;
    seg_row_init(&row, sc);

    /* independent statistics from cJSON */
    static const char *str_cols[] = {"Carrier", "Origin", "Dest", "DivAirports"};
    static const char *int_cols[] = {"DayOfWeek", "ArrDelay", "Distance"};
    str_stats ss[4] = {0};
    int_stats is[3] = {0};
    int64_t dmin = INT64_MAX, dmax = INT64_MIN;
    uint32_t lines = 0, aa = 0;
    for (char *p = text; p < text + tlen;) {
        char *nl = memchr(p, '\n', (size_t)(text + tlen - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(text + tlen - p);
        if (ll == 0) {
            p += 1;
            continue;
        }
        rc = seg_row_parse_json(&row, p, ll, err);
        ck_assert_msg(rc == TN_OK, "line %u: %s", lines + 1, err);
        ck_assert_int_eq(seg_mutable_append(m, &row, lines, err), TN_OK);
        cJSON *o = cJSON_ParseWithLength(p, ll);
        ck_assert_ptr_nonnull(o);
        for (int k = 0; k < 4; k++) {
            const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, str_cols[k]);
            if (cJSON_IsArray(it)) {
                const cJSON *el;
                cJSON_ArrayForEach(el, it)
                {
                    ck_assert(cJSON_IsString(el));
                    str_add(&ss[k], el->valuestring);
                }
            } else {
                ck_assert(cJSON_IsString(it));
                str_add(&ss[k], it->valuestring);
            }
        }
        for (int k = 0; k < 3; k++) {
            const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, int_cols[k]);
            ck_assert(cJSON_IsNumber(it));
            int_add(&is[k], (int64_t)it->valuedouble);
        }
        const cJSON *car = cJSON_GetObjectItemCaseSensitive(o, "Carrier");
        aa += strcmp(car->valuestring, "AA") == 0;
        const cJSON *days = cJSON_GetObjectItemCaseSensitive(o, "DaysSinceEpoch");
        ck_assert(cJSON_IsNumber(days));
        dmin = TN_MIN(dmin, (int64_t)days->valuedouble);
        dmax = TN_MAX(dmax, (int64_t)days->valuedouble);
        cJSON_Delete(o);
        lines++;
        p += ll + 1;
    }
    seg_row_free(&row);
    ck_assert_uint_eq(lines, 9746);

    seg_seal_opts so = {.sorted_column = "Carrier"};
    seg_image *img;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), lines, &so, &img, err), TN_OK);
    seg_segment_release(seg_mutable_base(m));
    path_in(dir, sizeof dir, "airline");
    seg_store *st = open_store(dir, true);
    ck_assert_int_eq(seg_store_write(st, img, "airlineStats/0", lines, err), TN_OK);
    seg_image_free(img);
    seg_store_close(st);
    st = open_store(dir, true);
    seg_segment *s = load_ok(st, "airlineStats__0__0__0");
    ck_assert_uint_eq(seg_segment_ndocs(s), 9746);
    ck_assert_uint_eq(s->meta.ndocs, 9746);
    ck_assert_str_eq(s->meta.sorted_column, "Carrier");
    ck_assert_int_eq(s->meta.min_time_ms, dmin * DAY_MS);
    ck_assert_int_eq(s->meta.max_time_ms, dmax * DAY_MS);
    ck_assert_int_eq(s->meta.end_offset, 9746);

    for (int k = 0; k < 4; k++) {
        seg_col c;
        open_col(s, str_cols[k], &c);
        const char *lo, *hi;
        size_t card = str_distinct(&ss[k], &lo, &hi);
        ck_assert_msg(c.cardinality == card, "%s: cardinality %u, want %zu", str_cols[k],
                      c.cardinality, card);
        expect_str(c.min, lo, (uint32_t)strlen(lo), str_cols[k], 0);
        expect_str(c.max, hi, (uint32_t)strlen(hi), str_cols[k], 0);
        ck_assert(c.single_value == (k != 3));
        printf("airline %s: %zu values, '%s'..'%s'\n", str_cols[k], card, lo, hi);
    }
    for (int k = 0; k < 3; k++) {
        seg_col c;
        open_col(s, int_cols[k], &c);
        int64_t lo, hi;
        size_t card = int_distinct(&is[k], &lo, &hi);
        ck_assert_msg(c.cardinality == card, "%s: cardinality %u, want %zu", int_cols[k],
                      c.cardinality, card);
        ck_assert_msg(c.min.i == lo && c.max.i == hi, "%s: [%lld, %lld] want [%lld, %lld]",
                      int_cols[k], (long long)c.min.i, (long long)c.max.i, (long long)lo,
                      (long long)hi);
        printf("airline %s: %zu values, %lld..%lld\n", int_cols[k], card, (long long)lo,
               (long long)hi);
    }

    /* Carrier = 'AA' by the sorted column's doc range and its bitmap */
    seg_col c;
    open_col(s, "Carrier", &c);
    ck_assert(c.docs_sorted);
    int64_t id = c.ops->dict_find(&c, vstr("AA", 2));
    ck_assert_int_ge(id, 0);
    uint32_t start, end;
    c.ops->doc_range(&c, (uint32_t)id, &start, &end);
    ck_assert_uint_eq(end - start, aa);
    const roaring_bitmap_t *b = c.ops->bitmap(&c, (uint32_t)id);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(roaring_bitmap_get_cardinality(b), aa);
    seg_bitmap_free(b);
    for (uint32_t d = 0; d < 9746; d++) {
        seg_value v;
        seg_col_value(&c, d, &v);
        bool is_aa = v.s.len == 2 && memcmp(v.s.p, "AA", 2) == 0;
        ck_assert_msg(is_aa == (d >= start && d < end), "doc %u", d);
    }
    printf("airline Carrier = 'AA': %u documents [%u, %u)\n", aa, start, end);

    size_t bytes = seg_immutable_bytes(s);
    double ratio = (double)bytes / (double)tlen;
    printf("airline sealed size: %zu bytes of columns for %zu bytes of JSON: %.2f%%\n",
           bytes, tlen, ratio * 100);
    ck_assert_msg(ratio <= 0.25, "sealed size ratio %.3f", ratio);

    seg_segment_release(s);
    seg_store_close(st);
    for (int k = 0; k < 4; k++)
        str_free(&ss[k]);
    for (int k = 0; k < 3; k++)
        free(is[k].vals);
    free(text);
    seg_schema_free(sc);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_list_load);
    tcase_add_test(tc, test_reopen);
    tcase_add_test(tc, test_crash_safety);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_space_reuse);
    tcase_add_test(tc, test_delete_while_held);
    tcase_add_test(tc, test_map_full);
    tcase_add_test(tc, test_retention);
    tcase_add_test(tc, test_truncated);
    tcase_add_test(tc, test_garbage_file);
    tcase_add_test(tc, test_corrupt_column);
    tcase_add_test(tc, test_bad_dir);
    tcase_add_test(tc, test_airline);
    tcase_add_test(tc, test_docs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/tn_store_XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rm_rf(root);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
