/*
 * test_segment.c: the mutable segment, the seal, the immutable segment (in
 * memory, through seg_image_open and seg_immutable_open) and the column
 * interface.
 *
 * Every expectation comes from a plain model of what the test appended
 * (tmodel below): the values of every document kept in C arrays, and the
 * sorted dictionary, doc sets, permutations and id ranges computed here by
 * brute force from them, never by asking the code under test a second way.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg_format.h"
#include "seg_immutable.h"
#include "seg_mutable.h"
#include "seg_row.h"
#include "seg_schema.h"
#include "seg_seal.h"
#include "seg_segment.h"

/* Assertions for hot loops: a passing ck_assert records its location in
 * Check's message file, which for millions of checks costs more than the
 * test itself; these only call into Check on failure. */
#define REQ(expr, ...)                  \
    do {                                \
        if (!(expr))                    \
            ck_abort_msg(__VA_ARGS__);  \
    } while (0)
#define REQ_T(expr) REQ(expr, "assertion '%s' failed", #expr)
#define REQ_U(a, b)                                                             \
    do {                                                                        \
        unsigned long long a_ = (a), b_ = (b);                                  \
        REQ(a_ == b_, "assertion '%s == %s' failed: %llu != %llu", #a, #b, a_, b_); \
    } while (0)
#define REQ_I(a, b)                                                             \
    do {                                                                        \
        long long a_ = (a), b_ = (b);                                           \
        REQ(a_ == b_, "assertion '%s == %s' failed: %lld != %lld", #a, #b, a_, b_); \
    } while (0)

/* ---- random numbers ------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rnd(uint64_t *s, uint32_t n)
{
    return n ? (uint32_t)(rng_next(s) % n) : 0;
}

/* ---- values, compared independently of seg_value_cmp ------------------------- */

typedef enum { P_I32, P_I64, P_F32, P_F64, P_STR } tphys_t;

static tphys_t tphys(seg_type t)
{
    switch (t) {
    case SEG_INT:
    case SEG_BOOLEAN:
        return P_I32;
    case SEG_LONG:
    case SEG_TIMESTAMP:
        return P_I64;
    case SEG_FLOAT:
        return P_F32;
    case SEG_DOUBLE:
        return P_F64;
    default:
        return P_STR;
    }
}

static bool is_float(seg_type t) { return tphys(t) == P_F32 || tphys(t) == P_F64; }

static seg_value vi(int64_t i)
{
    seg_value v;
    memset(&v, 0, sizeof v);
    v.i = i;
    return v;
}

static seg_value vd(double d)
{
    seg_value v;
    memset(&v, 0, sizeof v);
    v.d = d;
    return v;
}

static seg_value vs(const char *p, uint32_t len)
{
    seg_value v;
    memset(&v, 0, sizeof v);
    v.s.p = p;
    v.s.len = len;
    return v;
}

static seg_value vcstr(const char *p) { return vs(p, (uint32_t)strlen(p)); }

/* Equality as SQL sees it: NaN equals NaN here (one dictionary entry),
 * -0.0 equals 0.0. */
static bool tv_eq(seg_type t, seg_value a, seg_value b)
{
    switch (tphys(t)) {
    case P_I32:
    case P_I64:
        return a.i == b.i;
    case P_F32:
    case P_F64:
        return (isnan(a.d) && isnan(b.d)) || a.d == b.d;
    default:
        return a.s.len == b.s.len && (a.s.len == 0 || memcmp(a.s.p, b.s.p, a.s.len) == 0);
    }
}

/* Order: numbers by value with NaN last, strings as unsigned bytes then
 * length. */
static int tv_cmp(seg_type t, seg_value a, seg_value b)
{
    switch (tphys(t)) {
    case P_I32:
    case P_I64:
        return (a.i > b.i) - (a.i < b.i);
    case P_F32:
    case P_F64: {
        int na = isnan(a.d) != 0, nb = isnan(b.d) != 0;
        if (na || nb)
            return na - nb;
        return (a.d > b.d) - (a.d < b.d);
    }
    default: {
        uint32_t n = a.s.len < b.s.len ? a.s.len : b.s.len;
        int c = n ? memcmp(a.s.p, b.s.p, n) : 0; /* memcmp: unsigned bytes */
        if (c)
            return c < 0 ? -1 : 1;
        return (a.s.len > b.s.len) - (a.s.len < b.s.len);
    }
    }
}

static const char *tv_str(seg_type t, seg_value v, char *buf, size_t n)
{
    switch (tphys(t)) {
    case P_I32:
    case P_I64:
        snprintf(buf, n, "%lld", (long long)v.i);
        break;
    case P_F32:
    case P_F64:
        snprintf(buf, n, "%.17g", v.d);
        break;
    default: {
        size_t k = (size_t)snprintf(buf, n, "[%u]\"", v.s.len);
        for (uint32_t i = 0; i < v.s.len && k + 6 < n && i < 16; i++) {
            unsigned char c = (unsigned char)v.s.p[i];
            k += (size_t)snprintf(buf + k, n - k, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
        }
        if (k + 2 < n)
            snprintf(buf + k, n - k, "\"");
        break;
    }
    }
    return buf;
}

#define VAL_EQ(t, got, want, ...)                                                \
    do {                                                                        \
        char b1_[96], b2_[96], w_[192];                                         \
        if (!tv_eq((t), (got), (want))) {                                       \
            snprintf(w_, sizeof w_, __VA_ARGS__);                               \
            ck_abort_msg("%s: got %s, want %s", w_, tv_str((t), (got), b1_, 96), \
                         tv_str((t), (want), b2_, 96));                          \
        }                                                                       \
    } while (0)

/* ---- bitmaps ------------------------------------------------------------------ */

static void bm_check(const roaring_bitmap_t *got, const roaring_bitmap_t *want,
                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void bm_check(const roaring_bitmap_t *got, const roaring_bitmap_t *want,
                     const char *fmt, ...)
{
    bool ok = got ? roaring_bitmap_equals(got, want) : roaring_bitmap_is_empty(want);
    if (ok)
        return;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    roaring_bitmap_t *x = got ? roaring_bitmap_xor(got, want) : roaring_bitmap_copy(want);
    uint32_t first = roaring_bitmap_minimum(x);
    bool extra = got && roaring_bitmap_contains(got, first);
    roaring_bitmap_free(x);
    ck_abort_msg("%s: %llu docs, want %llu; doc %u is %s", what,
                 (unsigned long long)(got ? roaring_bitmap_get_cardinality(got) : 0),
                 (unsigned long long)roaring_bitmap_get_cardinality(want), first,
                 extra ? "extra" : "missing");
}

static roaring_bitmap_t *bm_range(uint32_t start, uint32_t end)
{
    roaring_bitmap_t *r = roaring_bitmap_create();
    for (uint32_t d = start; d < end; d++)
        roaring_bitmap_add(r, d);
    return r;
}

/* ---- the model: what the test appended ---------------------------------------- */

typedef struct tcol {
    const seg_field *f;
    seg_type type;
    bool sv, raw;
    seg_value def;
    uint8_t *null, *set;
    uint64_t *off;      /* into vals */
    uint32_t *cnt;      /* values of the doc (1 for single-value and nulls) */
    seg_value *vals;    /* as stored: FLOAT rounded, nulls as the default */
    uint64_t nvals, vcap;
} tcol;

typedef struct tmodel {
    const seg_schema *schema;
    uint32_t ncols, ndocs, cap;
    tcol *cols;
    int64_t *offsets;
    char **strs;
    size_t nstrs, scap;
    int time_col;
} tmodel;

static bool listed(const char *name, const char *const *l, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(name, l[i]) == 0)
            return true;
    return false;
}

static int col_of(const seg_schema *s, const char *name)
{
    int i = seg_schema_find(s, name);
    REQ(i >= 0, "no column %s", name);
    return i;
}

static void tm_init(tmodel *tm, const seg_schema *s, const char *const *raw,
                    uint32_t nraw, const char *time_col)
{
    memset(tm, 0, sizeof *tm);
    tm->schema = s;
    tm->ncols = s->nfields;
    tm->cols = calloc(s->nfields, sizeof *tm->cols);
    tm->time_col = time_col ? col_of(s, time_col) : -1;
    for (uint32_t i = 0; i < s->nfields; i++) {
        tcol *c = &tm->cols[i];
        c->f = &s->fields[i];
        c->type = s->fields[i].type;
        c->sv = s->fields[i].single_value;
        c->raw = listed(s->fields[i].name, raw, nraw);
        /* the field's spec says what a null stores */
        c->def = s->fields[i].default_null;
    }
}

static void tm_free(tmodel *tm)
{
    for (uint32_t i = 0; i < tm->ncols; i++) {
        tcol *c = &tm->cols[i];
        free(c->null);
        free(c->set);
        free(c->off);
        free(c->cnt);
        free(c->vals);
    }
    for (size_t i = 0; i < tm->nstrs; i++)
        free(tm->strs[i]);
    free(tm->strs);
    free(tm->cols);
    free(tm->offsets);
    memset(tm, 0, sizeof *tm);
}

/* A copy of len bytes that lives as long as the model. */
static const char *tm_str(tmodel *tm, const void *p, uint32_t len)
{
    char *s = malloc(len ? len : 1);
    if (len)
        memcpy(s, p, len);
    if (tm->nstrs == tm->scap) {
        tm->scap = tm->scap ? tm->scap * 2 : 256;
        tm->strs = realloc(tm->strs, tm->scap * sizeof *tm->strs);
    }
    tm->strs[tm->nstrs++] = s;
    return s;
}

static seg_value tm_fmt(tmodel *tm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static seg_value tm_fmt(tmodel *tm, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return vs(tm_str(tm, buf, (uint32_t)n), (uint32_t)n);
}

static void tm_begin(tmodel *tm, seg_row *row)
{
    if (tm->ndocs == tm->cap) {
        uint32_t cap = tm->cap ? tm->cap * 2 : 256;
        tm->offsets = realloc(tm->offsets, (size_t)cap * 8);
        for (uint32_t i = 0; i < tm->ncols; i++) {
            tcol *c = &tm->cols[i];
            c->null = realloc(c->null, cap);
            c->set = realloc(c->set, cap);
            c->off = realloc(c->off, (size_t)cap * 8);
            c->cnt = realloc(c->cnt, (size_t)cap * 4);
        }
        tm->cap = cap;
    }
    for (uint32_t i = 0; i < tm->ncols; i++)
        tm->cols[i].set[tm->ndocs] = 0;
    seg_row_reset(row);
}

static void tc_push(tcol *c, seg_value v)
{
    if (c->nvals == c->vcap) {
        c->vcap = c->vcap ? c->vcap * 2 : 256;
        c->vals = realloc(c->vals, c->vcap * sizeof *c->vals);
    }
    c->vals[c->nvals++] = v;
}

/* What a segment stores for an input value: FLOAT at float precision. */
static seg_value stored_of(seg_type t, seg_value in)
{
    if (t == SEG_FLOAT)
        return vd((double)(float)in.d);
    return in;
}

/* Sets cell ci of the current row (n values; n == 0 leaves it null). */
static void tm_set(tmodel *tm, seg_row *row, uint32_t ci, const seg_value *in, uint32_t n)
{
    tcol *c = &tm->cols[ci];
    uint32_t d = tm->ndocs;
    REQ_T(!c->set[d]);
    if (c->sv) {
        REQ_U(n, 1);
        seg_row_set(row, ci, in[0]);
    } else {
        seg_row_set_mv(row, ci, in, n);
    }
    if (n == 0)
        return; /* an empty list is a null, as Pinot has it */
    c->set[d] = 1;
    c->null[d] = 0;
    c->off[d] = c->nvals;
    c->cnt[d] = n;
    for (uint32_t k = 0; k < n; k++)
        tc_push(c, stored_of(c->type, in[k]));
}

static void tm_set1(tmodel *tm, seg_row *row, uint32_t ci, seg_value v)
{
    tm_set(tm, row, ci, &v, 1);
}

static void tm_end(tmodel *tm)
{
    uint32_t d = tm->ndocs;
    for (uint32_t i = 0; i < tm->ncols; i++) {
        tcol *c = &tm->cols[i];
        if (c->set[d])
            continue;
        c->null[d] = 1;
        c->off[d] = c->nvals;
        c->cnt[d] = 1;
        tc_push(c, c->def);
    }
    tm->ndocs++;
}

static void tm_append(tmodel *tm, seg_mutable *m, seg_row *row, int64_t offset)
{
    char err[TN_ERRLEN] = "";
    int rc = seg_mutable_append(m, row, offset, err);
    REQ(rc == TN_OK, "append of doc %u failed: %s", tm->ndocs, err);
    tm->offsets[tm->ndocs] = offset;
    tm_end(tm);
}

static seg_value tc_val(const tcol *c, uint32_t doc, uint32_t k)
{
    return c->vals[c->off[doc] + k];
}

#define OLD(perm, nd) ((perm) ? (perm)[nd] : (nd))

static int qcmp_val(const void *a, const void *b, void *arg)
{
    return tv_cmp(*(const seg_type *)arg, *(const seg_value *)a, *(const seg_value *)b);
}

/* The sorted distinct values of the documents of a view. */
static seg_value *distinct(const tcol *c, const uint32_t *perm, uint32_t ndocs,
                           uint32_t *nout)
{
    uint64_t n = 0;
    for (uint32_t nd = 0; nd < ndocs; nd++)
        n += c->cnt[OLD(perm, nd)];
    seg_value *all = malloc((n + 1) * sizeof *all);
    n = 0;
    for (uint32_t nd = 0; nd < ndocs; nd++) {
        uint32_t od = OLD(perm, nd);
        for (uint32_t k = 0; k < c->cnt[od]; k++)
            all[n++] = tc_val(c, od, k);
    }
    seg_type t = c->type;
    qsort_r(all, n, sizeof *all, qcmp_val, &t);
    uint32_t u = 0;
    for (uint64_t i = 0; i < n; i++)
        if (u == 0 || tv_cmp(t, all[u - 1], all[i]) != 0)
            all[u++] = all[i];
    *nout = u;
    return all;
}

static int64_t didx(const seg_value *D, uint32_t n, seg_type t, seg_value v)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = tv_cmp(t, D[mid], v);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Stable order of the documents seq[0..n) (or 0..n) by column c: the
 * expected new doc -> old doc permutation of a sorted seal. */
typedef struct perm_ctx {
    const tcol *c;
    const uint32_t *seq;
} perm_ctx;

static int qcmp_pos(const void *a, const void *b, void *arg)
{
    const perm_ctx *p = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = tv_cmp(p->c->type, tc_val(p->c, OLD(p->seq, x), 0),
                   tc_val(p->c, OLD(p->seq, y), 0));
    if (c)
        return c;
    return (x > y) - (x < y); /* stable: earlier position first */
}

static uint32_t *stable_perm(const tcol *c, const uint32_t *seq, uint32_t n)
{
    uint32_t *pos = malloc((size_t)n * 4 + 4);
    for (uint32_t i = 0; i < n; i++)
        pos[i] = i;
    perm_ctx p = {c, seq};
    qsort_r(pos, n, 4, qcmp_pos, &p);
    for (uint32_t i = 0; i < n; i++)
        pos[i] = OLD(seq, pos[i]);
    return pos;
}

/* ---- checking one column against the model ------------------------------------- */

/* Values that do not occur must not be found. */
static void check_absent(const seg_col *c, const tcol *tc, const seg_value *D,
                         uint32_t nD, uint64_t *r, const char *what)
{
    seg_type t = tc->type;
    seg_value cand[40];
    char sbuf[20][48];
    uint32_t n = 0;
    switch (tphys(t)) {
    case P_I32:
        if (t == SEG_BOOLEAN) {
            cand[n++] = vi(2);
            cand[n++] = vi(-1);
        }
        if (nD && D[0].i > INT32_MIN)
            cand[n++] = vi(D[0].i - 1);
        if (nD && D[nD - 1].i < INT32_MAX)
            cand[n++] = vi(D[nD - 1].i + 1);
        while (n < 20)
            cand[n++] = vi((int32_t)rng_next(r));
        break;
    case P_I64:
        if (nD && D[0].i > INT64_MIN)
            cand[n++] = vi(D[0].i - 1);
        if (nD && D[nD - 1].i < INT64_MAX)
            cand[n++] = vi(D[nD - 1].i + 1);
        while (n < 20)
            cand[n++] = vi((int64_t)rng_next(r));
        break;
    case P_F32:
    case P_F64:
        cand[n++] = vd(NAN);
        cand[n++] = vd(-INFINITY);
        cand[n++] = vd(INFINITY);
        cand[n++] = vd(0.0);
        while (n < 20)
            cand[n++] = stored_of(t, vd((double)rnd(r, 1000000) / 3.3 + 0.123));
        break;
    default:
        for (uint32_t i = 0; i < 20; i++) {
            uint32_t len = 1 + rnd(r, 40);
            sbuf[i][0] = (char)0xfe;
            for (uint32_t k = 1; k < len; k++)
                sbuf[i][k] = (char)rnd(r, 256);
            cand[n++] = vs(sbuf[i], len);
        }
        break;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (didx(D, nD, t, cand[i]) >= 0)
            continue;
        int64_t id = c->ops->dict_find(c, cand[i]);
        char b[96];
        REQ(id == -1, "%s %s: absent value %s found as id %lld", what,
                      tc->f->name, tv_str(t, cand[i], b, sizeof b), (long long)id);
    }
}

/* An ascending subset of [0, ndocs) (about a third, and the last doc), as a
 * filter would hand to read_ids_at / read_raw_at; returns its length. */
static uint32_t doc_subset(uint32_t ndocs, uint64_t *r, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t d = 0; d < ndocs; d++)
        if (rnd(r, 3) == 0 || d == ndocs - 1)
            out[n++] = d;
    return n;
}

/* Checks column c (a view of ndocs documents, new doc nd holding model doc
 * perm[nd]) against the model: values, dictionary, nulls, min/max, bitmaps,
 * sorted doc ranges. exact: the view is all the segment has (a mutable
 * segment's dictionary and statistics may run ahead of a smaller view). */
static void verify_col(const seg_col *c, const tcol *tc, const uint32_t *perm,
                       uint32_t ndocs, bool exact, const char *what)
{
    const char *name = tc->f->name;
    seg_type t = tc->type;
    uint64_t rs = 0x5eed ^ ndocs;
    REQ(c->ndocs == ndocs, "%s %s: view has %u docs, want %u", what, name,
                  c->ndocs, ndocs);
    REQ_I(c->type, t);
    REQ(c->single_value == tc->sv, "%s %s: single_value", what, name);
    REQ(!c->is_default, "%s %s: opened as a default column", what, name);
    REQ(c->has_dict == !tc->raw, "%s %s: has_dict %d", what, name, c->has_dict);

    uint32_t nD;
    seg_value *D = distinct(tc, perm, ndocs, &nD);
    roaring_bitmap_t **E = calloc(nD + 1, sizeof *E);
    for (uint32_t i = 0; i < nD; i++)
        E[i] = roaring_bitmap_create();
    roaring_bitmap_t *N = roaring_bitmap_create();
    uint32_t maxmv = 0;
    for (uint32_t nd = 0; nd < ndocs; nd++) {
        uint32_t od = OLD(perm, nd);
        if (tc->null[od])
            roaring_bitmap_add(N, nd);
        if (tc->cnt[od] > maxmv)
            maxmv = tc->cnt[od];
        for (uint32_t k = 0; k < tc->cnt[od]; k++)
            roaring_bitmap_add(E[didx(D, nD, t, tc_val(tc, od, k))], nd);
    }

    const roaring_bitmap_t *gn = c->ops->nulls(c);
    bm_check(gn, N, "%s %s: null bitmap", what, name);
    seg_bitmap_free(gn);

    if (exact && ndocs) {
        VAL_EQ(t, c->min, D[0], "%s %s: min", what, name);
        VAL_EQ(t, c->max, D[nD - 1], "%s %s: max", what, name);
    } else if (ndocs == 0) {
        VAL_EQ(t, c->min, tc->def, "%s %s: min of no docs", what, name);
        VAL_EQ(t, c->max, tc->def, "%s %s: max of no docs", what, name);
    }
    if (!tc->sv && exact && ndocs)
        REQ(c->max_mv == maxmv, "%s %s: max_mv %u, want %u", what, name,
                      c->max_mv, maxmv);
    if (tc->sv)
        REQ_U(c->max_mv, 1);

    if (tc->raw) {
        REQ(!c->has_inverted && !c->has_range && !c->docs_sorted,
                      "%s %s: raw column claims an index", what, name);
        uint64_t *raw = malloc((size_t)ndocs * 8 + 8);
        if (ndocs)
            c->ops->read_raw(c, 0, ndocs, raw);
        for (uint32_t nd = 0; nd < ndocs; nd++) {
            seg_value want = tc_val(tc, OLD(perm, nd), 0), got, one;
            memset(&got, 0, sizeof got);
            memcpy(&got, &raw[nd], 8);
            VAL_EQ(t, got, want, "%s %s: read_raw doc %u", what, name, nd);
            memset(&one, 0, sizeof one);
            seg_col_value(c, nd, &one);
            VAL_EQ(t, one, want, "%s %s: seg_col_value doc %u", what, name, nd);
        }
        uint64_t *part = malloc((size_t)ndocs * 8 + 8);
        uint32_t *sub = malloc((size_t)ndocs * 4 + 4);
        for (int q = 0; q < 40 && ndocs; q++) { /* batches at any offset */
            uint32_t from = rnd(&rs, ndocs), n = 1 + rnd(&rs, 100);
            n = TN_MIN(n, ndocs - from);
            c->ops->read_raw(c, from, n, part);
            REQ(memcmp(part, raw + from, (size_t)n * 8) == 0,
                "%s %s: read_raw(%u, %u) differs", what, name, from, n);
        }
        REQ(c->ops->read_raw_at, "%s %s: no read_raw_at", what, name);
        uint32_t ns = doc_subset(ndocs, &rs, sub);
        if (ns)
            c->ops->read_raw_at(c, sub, ns, part);
        for (uint32_t i = 0; i < ns; i++)
            REQ(part[i] == raw[sub[i]], "%s %s: read_raw_at doc %u differs", what, name,
                sub[i]);
        free(part);
        free(sub);
        free(raw);
        goto done;
    }

    if (exact)
        REQ(c->cardinality == nD, "%s %s: cardinality %u, want %u", what,
                      name, c->cardinality, nD);
    else
        REQ(c->cardinality >= nD, "%s %s: cardinality %u < %u", what, name,
                      c->cardinality, nD);
    int64_t *idof = malloc(((size_t)nD + 1) * 8);
    for (uint32_t i = 0; i < nD; i++) {
        int64_t id = c->ops->dict_find(c, D[i]);
        char b[96];
        REQ(id >= 0 && id < c->cardinality, "%s %s: dict_find(%s) = %lld",
                      what, name, tv_str(t, D[i], b, sizeof b), (long long)id);
        seg_value got;
        c->ops->dict_get(c, (uint32_t)id, &got);
        VAL_EQ(t, got, D[i], "%s %s: dict_get(%lld)", what, name, (long long)id);
        if (c->dict_sorted)
            REQ(id == i, "%s %s: sorted dictionary id %lld, want %u", what,
                          name, (long long)id, i);
        idof[i] = id;
    }
    if (c->dict_sorted) {
        for (uint32_t id = 0; id + 1 < c->cardinality; id++) {
            seg_value a, b;
            c->ops->dict_get(c, id, &a);
            c->ops->dict_get(c, id + 1, &b);
            char b1[96], b2[96];
            REQ(tv_cmp(t, a, b) < 0, "%s %s: dictionary not increasing at %u: %s, %s",
                          what, name, id, tv_str(t, a, b1, 96), tv_str(t, b, b2, 96));
        }
    }
    check_absent(c, tc, D, nD, &rs, what);

    if (tc->sv) {
        uint32_t *ids = malloc((size_t)ndocs * 4 + 4);
        if (ndocs)
            c->ops->read_ids(c, 0, ndocs, ids);
        for (uint32_t nd = 0; nd < ndocs; nd++) {
            seg_value want = tc_val(tc, OLD(perm, nd), 0), got;
            int64_t i = didx(D, nD, t, want);
            REQ(ids[nd] == idof[i], "%s %s: doc %u has id %u, want %lld", what,
                          name, nd, ids[nd], (long long)idof[i]);
            seg_col_value(c, nd, &got);
            VAL_EQ(t, got, want, "%s %s: value of doc %u", what, name, nd);
            if (nd % 7 == 0) {
                uint32_t one = UINT32_MAX;
                c->ops->read_ids(c, nd, 1, &one);
                REQ_U(one, ids[nd]);
            }
        }
        /* batches at any offset and length (bit-unpacking heads and tails),
         * and doc lists */
        uint32_t *part = malloc((size_t)ndocs * 4 + 4), *sub = malloc((size_t)ndocs * 4 + 4);
        for (int q = 0; q < 60 && ndocs; q++) {
            uint32_t from = rnd(&rs, ndocs), n = q < 20 ? 1 + rnd(&rs, 24) : 1 + rnd(&rs, 300);
            n = TN_MIN(n, ndocs - from);
            c->ops->read_ids(c, from, n, part);
            REQ(memcmp(part, ids + from, (size_t)n * 4) == 0,
                "%s %s: read_ids(%u, %u) differs", what, name, from, n);
        }
        REQ(c->ops->read_ids_at, "%s %s: no read_ids_at", what, name);
        uint32_t ns = doc_subset(ndocs, &rs, sub);
        if (ns)
            c->ops->read_ids_at(c, sub, ns, part);
        for (uint32_t i = 0; i < ns; i++)
            REQ(part[i] == ids[sub[i]], "%s %s: read_ids_at doc %u: id %u, want %u", what,
                name, sub[i], part[i], ids[sub[i]]);
        free(part);
        free(sub);
        free(ids);
    } else {
        uint32_t cap = maxmv + 4;
        uint32_t *buf = malloc((size_t)cap * 4);
        for (uint32_t nd = 0; nd < ndocs; nd++) {
            uint32_t od = OLD(perm, nd);
            uint32_t n = c->ops->read_mv(c, nd, buf, cap);
            REQ(n == tc->cnt[od], "%s %s: doc %u has %u values, want %u", what,
                          name, nd, n, tc->cnt[od]);
            for (uint32_t k = 0; k < n; k++) {
                seg_value want = tc_val(tc, od, k), got;
                int64_t i = didx(D, nD, t, want);
                REQ(buf[k] == idof[i], "%s %s: doc %u value %u id %u, want %lld",
                              what, name, nd, k, buf[k], (long long)idof[i]);
                c->ops->dict_get(c, buf[k], &got);
                VAL_EQ(t, got, want, "%s %s: doc %u value %u", what, name, nd, k);
            }
            if (n >= 2) { /* a short buffer gets cap ids and the full count */
                uint32_t two[2] = {UINT32_MAX, 0xdeadbeef};
                REQ_U(c->ops->read_mv(c, nd, two, 1), n);
                REQ_U(two[0], buf[0]);
                REQ_U(two[1], 0xdeadbeef);
            }
        }
        free(buf);
    }

    if (c->has_inverted) {
        for (uint32_t i = 0; i < nD; i++) {
            const roaring_bitmap_t *bm = c->ops->bitmap(c, (uint32_t)idof[i]);
            REQ(bm != NULL, "%s %s: no bitmap for id %lld", what, name,
                          (long long)idof[i]);
            bm_check(bm, E[i], "%s %s: bitmap of id %lld", what, name, (long long)idof[i]);
            seg_bitmap_free(bm);
        }
    }
    if (c->docs_sorted) {
        REQ(tc->sv && c->dict_sorted && c->ops->doc_range,
                      "%s %s: docs_sorted on an unsorted dictionary", what, name);
        uint32_t prev = 0;
        for (uint32_t i = 0; i < nD; i++) {
            uint32_t s = 0, e = 0;
            c->ops->doc_range(c, i, &s, &e);
            REQ(s == prev, "%s %s: doc range of id %u starts at %u, want %u",
                          what, name, i, s, prev);
            roaring_bitmap_t *want = bm_range(s, e);
            bm_check(want, E[i], "%s %s: doc range [%u, %u) of id %u", what, name, s, e, i);
            roaring_bitmap_free(want);
            prev = e;
        }
        REQ(prev == ndocs, "%s %s: doc ranges end at %u", what, name, prev);
    }
    if (c->has_inverted || c->docs_sorted || c->has_range) {
        uint32_t step = nD > 400 ? nD / 400 : 1;
        for (uint32_t i = 0; i < nD; i += step) {
            roaring_bitmap_t *r = seg_col_ids_bitmap(c, (uint32_t)idof[i], (uint32_t)idof[i]);
            REQ(r != NULL, "%s %s: no ids bitmap", what, name);
            bm_check(r, E[i], "%s %s: ids bitmap [%u, %u]", what, name, (uint32_t)idof[i],
                     (uint32_t)idof[i]);
            roaring_bitmap_free(r);
        }
    }
    free(idof);
done:
    for (uint32_t i = 0; i < nD; i++)
        roaring_bitmap_free(E[i]);
    free(E);
    roaring_bitmap_free(N);
    free(D);
}

static void open_col(const seg_segment *s, uint32_t ndocs, const seg_field *f, seg_col *c)
{
    char err[TN_ERRLEN] = "";
    int rc = seg_column_open(s, ndocs, f, c, err);
    REQ(rc == TN_OK, "open %s: %s", f->name, err);
}

static void verify_segment(const seg_segment *s, const tmodel *tm, const uint32_t *perm,
                           uint32_t ndocs, bool exact, const char *what)
{
    REQ_U(seg_segment_ndocs(s), exact ? ndocs : seg_segment_ndocs(s));
    for (uint32_t i = 0; i < tm->ncols; i++) {
        seg_col c;
        open_col(s, ndocs, &tm->schema->fields[i], &c);
        verify_col(&c, &tm->cols[i], perm, ndocs, exact, what);
    }
}

/* Time range of the model's first ndocs docs (non-null time values). */
static void tm_time_range(const tmodel *tm, uint32_t ndocs, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    if (tm->time_col < 0)
        return;
    const tcol *c = &tm->cols[tm->time_col];
    for (uint32_t d = 0; d < ndocs; d++) {
        if (c->null[d])
            continue;
        int64_t v = tc_val(c, d, 0).i;
        if (v < *lo)
            *lo = v;
        if (v > *hi)
            *hi = v;
    }
}

/* ---- building segments ----------------------------------------------------------- */

static seg_schema *parse_schema(const char *json)
{
    seg_schema *s = NULL;
    char err[TN_ERRLEN] = "";
    int rc = seg_schema_parse(json, strlen(json), &s, err);
    REQ(rc == TN_OK, "schema: %s", err);
    return s;
}

#define TABLE "tbl"
#define PARTITION 3
#define MUT_NAME "tbl__3__7__20240101T0000Z"

static seg_mutable *mk_mutable(const seg_schema *s, const char *const *raw,
                               uint32_t nraw, const char *time_col, int64_t start)
{
    seg_mutable_opts o = {.name = MUT_NAME, .table = TABLE, .partition = PARTITION,
                          .start_offset = start, .time_column = time_col,
                          .no_dict_columns = raw, .n_no_dict = nraw};
    seg_mutable *m = NULL;
    char err[TN_ERRLEN] = "";
    int rc = seg_mutable_create(s, &o, &m, err);
    REQ(rc == TN_OK, "create: %s", err);
    return m;
}

static seg_segment *seal_open(const seg_segment *s, uint32_t ndocs, const seg_seal_opts *o)
{
    seg_image *img = NULL;
    seg_segment *out = NULL;
    char err[TN_ERRLEN] = "";
    int rc = seg_seal(s, ndocs, o, &img, err);
    REQ(rc == TN_OK, "seal: %s", err);
    rc = seg_image_open(img, &out, err);
    REQ(rc == TN_OK, "open image: %s", err);
    REQ_I(out->kind, SEG_KIND_IMMUTABLE);
    return out;
}

static void check_meta(const seg_segment *s, const tmodel *tm, uint32_t ndocs,
                       const char *name, const char *sorted, int64_t start, int64_t end,
                       bool check_end)
{
    seg_meta m;
    seg_segment_meta(s, &m);
    REQ_U(m.ndocs, ndocs);
    ck_assert_str_eq(m.name, name);
    ck_assert_str_eq(m.table, TABLE);
    REQ_I(m.partition, PARTITION);
    REQ_I(m.start_offset, start);
    if (check_end)
        REQ_I(m.end_offset, end);
    int64_t lo, hi;
    tm_time_range(tm, ndocs, &lo, &hi);
    REQ(m.min_time_ms == lo && m.max_time_ms == hi,
                  "time range [%lld, %lld], want [%lld, %lld]", (long long)m.min_time_ms,
                  (long long)m.max_time_ms, (long long)lo, (long long)hi);
    if (tm->time_col >= 0)
        ck_assert_str_eq(m.time_column, tm->schema->fields[tm->time_col].name);
    else
        ck_assert_ptr_null(m.time_column);
    if (sorted)
        ck_assert_str_eq(m.sorted_column, sorted);
    else
        ck_assert_ptr_null(m.sorted_column);
    seg_meta_free(&m);
}

/* ---- the random table ---------------------------------------------------------------- */

static const char RT_SCHEMA[] =
    "{\"schemaName\": \"rt\","
    " \"dimensionFieldSpecs\": ["
    "  {\"name\": \"i_lo\", \"dataType\": \"INT\"},"
    "  {\"name\": \"l_hi\", \"dataType\": \"LONG\"},"
    "  {\"name\": \"b\", \"dataType\": \"BOOLEAN\"},"
    "  {\"name\": \"s_lo\", \"dataType\": \"STRING\"},"
    "  {\"name\": \"s_hi\", \"dataType\": \"STRING\"},"
    "  {\"name\": \"by\", \"dataType\": \"BYTES\"},"
    "  {\"name\": \"f_dim\", \"dataType\": \"FLOAT\"},"
    "  {\"name\": \"mv_i\", \"dataType\": \"INT\", \"singleValueField\": false},"
    "  {\"name\": \"mv_s\", \"dataType\": \"STRING\", \"singleValueField\": false},"
    "  {\"name\": \"mv_l\", \"dataType\": \"LONG\", \"singleValueField\": false},"
    "  {\"name\": \"mv_d\", \"dataType\": \"DOUBLE\", \"singleValueField\": false}],"
    " \"metricFieldSpecs\": ["
    "  {\"name\": \"f\", \"dataType\": \"FLOAT\"},"
    "  {\"name\": \"d\", \"dataType\": \"DOUBLE\"},"
    "  {\"name\": \"m_raw_l\", \"dataType\": \"LONG\"},"
    "  {\"name\": \"m_raw_d\", \"dataType\": \"DOUBLE\"},"
    "  {\"name\": \"m_raw_i\", \"dataType\": \"INT\"},"
    "  {\"name\": \"m_raw_f\", \"dataType\": \"FLOAT\"}],"
    " \"dateTimeFieldSpecs\": ["
    "  {\"name\": \"ts\", \"dataType\": \"TIMESTAMP\","
    "   \"format\": \"1:MILLISECONDS:TIMESTAMP\", \"granularity\": \"1:MILLISECONDS\"}]}";

static const char *const RT_RAW[] = {"m_raw_l", "m_raw_d", "m_raw_i", "m_raw_f"};
#define RT_NRAW 4
#define RT_START 1000
#define RT_OFFSET(d) (RT_START + 2 * (int64_t)(d))

static const char *const S_LO[] = {"alpha", "beta", "", "null", "gamma", "Delta",
                                   "alpha ", "\xc3\xa9t\xc3\xa9"};

typedef struct rt {
    seg_schema *schema;
    tmodel tm;
    seg_mutable *m;
    seg_row row;
} rt;

/* Appends n random rows: low and high cardinality columns, multi-value
 * columns repeating values inside a row, about 5% nulls everywhere. */
static void rt_rows(rt *t, uint32_t n, uint64_t seed)
{
    uint64_t r = seed;
    tmodel *tm = &t->tm;
    const seg_schema *s = t->schema;
    uint32_t i_lo = col_of(s, "i_lo"), l_hi = col_of(s, "l_hi"), b = col_of(s, "b"),
             s_lo = col_of(s, "s_lo"), s_hi = col_of(s, "s_hi"), by = col_of(s, "by"),
             f_dim = col_of(s, "f_dim"), mv_i = col_of(s, "mv_i"), mv_s = col_of(s, "mv_s"),
             mv_l = col_of(s, "mv_l"), mv_d = col_of(s, "mv_d"), f = col_of(s, "f"),
             d = col_of(s, "d"), rl = col_of(s, "m_raw_l"), rd = col_of(s, "m_raw_d"),
             ri = col_of(s, "m_raw_i"), rf = col_of(s, "m_raw_f"), ts = col_of(s, "ts");
    int64_t lpool[16];
    for (int i = 0; i < 16; i++)
        lpool[i] = (int64_t)rng_next(&r);
    seg_value spool[30];
    for (uint32_t i = 0; i < 30; i++)
        spool[i] = tm_fmt(tm, "pool-%u%s", i * 7919 % 1000, i % 3 ? "" : "-x");
    for (uint32_t k = 0; k < n; k++) {
        seg_value v[8];
        char bytes[32];
        uint32_t c;
        tm_begin(tm, &t->row);
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, i_lo, vi((int64_t)rnd(&r, 10) - 5));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, l_hi,
                    vi(rnd(&r, 10) == 0 ? lpool[rnd(&r, 16)] : (int64_t)rng_next(&r)));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, b, vi(rnd(&r, 2)));
        if (rnd(&r, 100) >= 5) {
            const char *p = S_LO[rnd(&r, 8)];
            tm_set1(tm, &t->row, s_lo, vcstr(p));
        }
        if (rnd(&r, 100) >= 5) {
            uint32_t len = rnd(&r, 25);
            for (uint32_t i = 0; i < len; i++)
                bytes[i] = (char)rnd(&r, 256);
            tm_set1(tm, &t->row, s_hi, vs(tm_str(tm, bytes, len), len));
        }
        if (rnd(&r, 100) >= 10) {
            static const char alpha[4] = {0, 1, (char)0xff, 'a'};
            uint32_t len = rnd(&r, 4);
            for (uint32_t i = 0; i < len; i++)
                bytes[i] = alpha[rnd(&r, 4)];
            tm_set1(tm, &t->row, by, vs(tm_str(tm, bytes, len), len));
        }
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, f_dim, vd((double)rnd(&r, 1000) / 10.0));
        c = rnd(&r, 6);
        for (uint32_t i = 0; i < c; i++)
            v[i] = vi(rnd(&r, 20));
        if (c >= 2)
            v[1] = v[0];
        tm_set(tm, &t->row, mv_i, v, c);
        c = rnd(&r, 5);
        for (uint32_t i = 0; i < c; i++)
            v[i] = spool[rnd(&r, 30)];
        if (c >= 3)
            v[2] = v[0];
        tm_set(tm, &t->row, mv_s, v, c);
        c = rnd(&r, 6);
        for (uint32_t i = 0; i < c; i++)
            v[i] = vi(rnd(&r, 5000));
        tm_set(tm, &t->row, mv_l, v, c);
        c = rnd(&r, 4);
        for (uint32_t i = 0; i < c; i++)
            v[i] = vd(rnd(&r, 20) == 0 ? NAN : (double)rnd(&r, 50) / 4.0);
        tm_set(tm, &t->row, mv_d, v, c);
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, f, vd((double)rnd(&r, 100000) / 7.0));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, d,
                    vd(rnd(&r, 50) == 0 ? NAN : (double)(int64_t)rng_next(&r) / 1e9));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, rl, vi((int64_t)rng_next(&r)));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, rd,
                    vd(rnd(&r, 40) == 0 ? NAN : ((double)rnd(&r, 1000000) - 5e5) / 8));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, ri, vi((int32_t)rng_next(&r)));
        if (rnd(&r, 100) >= 5)
            tm_set1(tm, &t->row, rf, vd(((double)rnd(&r, 1000000) - 5e5) / 3));
        if (rnd(&r, 100) >= 3)
            tm_set1(tm, &t->row, ts, vi(1600000000000ll + rnd(&r, 86400000)));
        tm_append(tm, t->m, &t->row, RT_OFFSET(tm->ndocs));
    }
}

static void rt_init(rt *t, uint32_t n, uint64_t seed)
{
    t->schema = parse_schema(RT_SCHEMA);
    tm_init(&t->tm, t->schema, RT_RAW, RT_NRAW, "ts");
    t->m = mk_mutable(t->schema, RT_RAW, RT_NRAW, "ts", RT_START);
    seg_row_init(&t->row, t->schema);
    rt_rows(t, n, seed);
}

static void rt_free(rt *t)
{
    seg_row_free(&t->row);
    seg_segment_release(seg_mutable_base(t->m));
    tm_free(&t->tm);
    seg_schema_free(t->schema);
}

#define RT_ROWS 5000 /* crosses the mutable segment's 4096-entry chunks */

/* ---- 1. the mutable segment ------------------------------------------------------------- */

static const char ALL_SCHEMA[] =
    "{\"schemaName\": \"all\","
    " \"dimensionFieldSpecs\": ["
    "  {\"name\": \"i\", \"dataType\": \"INT\"},"
    "  {\"name\": \"l\", \"dataType\": \"LONG\"},"
    "  {\"name\": \"fl\", \"dataType\": \"FLOAT\"},"
    "  {\"name\": \"d\", \"dataType\": \"DOUBLE\"},"
    "  {\"name\": \"b\", \"dataType\": \"BOOLEAN\"},"
    "  {\"name\": \"s\", \"dataType\": \"STRING\"},"
    "  {\"name\": \"by\", \"dataType\": \"BYTES\"},"
    "  {\"name\": \"mi\", \"dataType\": \"INT\", \"singleValueField\": false},"
    "  {\"name\": \"ml\", \"dataType\": \"LONG\", \"singleValueField\": false},"
    "  {\"name\": \"mf\", \"dataType\": \"FLOAT\", \"singleValueField\": false},"
    "  {\"name\": \"md\", \"dataType\": \"DOUBLE\", \"singleValueField\": false},"
    "  {\"name\": \"mb\", \"dataType\": \"BOOLEAN\", \"singleValueField\": false},"
    "  {\"name\": \"mt\", \"dataType\": \"TIMESTAMP\", \"singleValueField\": false},"
    "  {\"name\": \"ms\", \"dataType\": \"STRING\", \"singleValueField\": false},"
    "  {\"name\": \"mby\", \"dataType\": \"BYTES\", \"singleValueField\": false}],"
    " \"metricFieldSpecs\": ["
    "  {\"name\": \"cnt\", \"dataType\": \"INT\"},"
    "  {\"name\": \"raw_l\", \"dataType\": \"LONG\"},"
    "  {\"name\": \"raw_i\", \"dataType\": \"INT\"},"
    "  {\"name\": \"raw_f\", \"dataType\": \"FLOAT\"},"
    "  {\"name\": \"raw_d\", \"dataType\": \"DOUBLE\"}],"
    " \"dateTimeFieldSpecs\": ["
    "  {\"name\": \"ts\", \"dataType\": \"TIMESTAMP\","
    "   \"format\": \"1:MILLISECONDS:TIMESTAMP\", \"granularity\": \"1:SECONDS\"}]}";

static const char *const ALL_RAW[] = {"raw_l", "raw_i", "raw_f", "raw_d"};

/* A value of type t drawn from about card distinct values. */
static seg_value gen_value(tmodel *tm, uint64_t *r, seg_type t, uint32_t card)
{
    uint32_t k = rnd(r, card);
    switch (t) {
    case SEG_INT:
        return vi((int64_t)k - (int64_t)card / 2);
    case SEG_LONG:
        return vi((int64_t)k * 1000000007ll - 3000000000ll);
    case SEG_FLOAT:
        return vd((double)k / 10.0 - 1.0);
    case SEG_DOUBLE:
        return vd((double)k / 4.0 - 3.0);
    case SEG_BOOLEAN:
        return vi(k & 1);
    case SEG_TIMESTAMP:
        return vi(1700000000000ll + (int64_t)k * 1000);
    case SEG_STRING:
        return tm_fmt(tm, "str%u", k);
    default: {
        char b[4] = {(char)k, 0, (char)(k ^ 0x5a), (char)0xff};
        return vs(tm_str(tm, b, 1 + k % 4), 1 + k % 4);
    }
    }
}

/* Rows of every column type: doc % 5 == 0 leaves some cells null, doc 7
 * is entirely null (seg_row_reset only). */
static void all_rows(tmodel *tm, seg_mutable *m, seg_row *row, uint32_t n, uint64_t seed,
                     int64_t first_offset)
{
    uint64_t r = seed;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t doc = tm->ndocs;
        tm_begin(tm, row);
        for (uint32_t i = 0; doc != 7 && i < tm->ncols; i++) {
            tcol *c = &tm->cols[i];
            if (doc % 5 == 0 && i % 2 == doc % 3 % 2)
                continue;
            if (c->raw) {
                seg_value v = c->type == SEG_LONG ? vi((int64_t)rng_next(&r))
                            : c->type == SEG_INT  ? vi((int32_t)rng_next(&r))
                                                  : vd((double)rnd(&r, 100000) / 3.0 - 999);
                tm_set1(tm, row, i, v);
            } else if (c->sv) {
                tm_set1(tm, row, i, gen_value(tm, &r, c->type, 12));
            } else {
                seg_value v[6];
                uint32_t nv = rnd(&r, 6);
                for (uint32_t j = 0; j < nv; j++)
                    v[j] = gen_value(tm, &r, c->type, 9);
                if (nv >= 3)
                    v[2] = v[0];
                tm_set(tm, row, i, v, nv);
            }
        }
        tm_append(tm, m, row, first_offset + k);
    }
}

START_TEST(mutable_all_types)
{
    seg_schema *s = parse_schema(ALL_SCHEMA);
    tmodel tm;
    tm_init(&tm, s, ALL_RAW, 4, "ts");
    seg_mutable *m = mk_mutable(s, ALL_RAW, 4, "ts", 500);
    seg_segment *seg = seg_mutable_base(m);
    seg_row row;
    seg_row_init(&row, s);
    size_t bytes0 = seg_mutable_bytes(m);

    /* empty: no docs, defaults as min/max, nothing null */
    ck_assert_uint_eq(seg_segment_ndocs(seg), 0);
    verify_segment(seg, &tm, NULL, 0, true, "mutable empty");

    /* doc 0: every cell null */
    tm_begin(&tm, &row);
    tm_append(&tm, m, &row, 500);
    seg_col c;
    open_col(seg, 1, &s->fields[col_of(s, "i")], &c);
    ck_assert_uint_eq(c.cardinality, 1);
    ck_assert_int_eq(c.min.i, INT32_MIN); /* Pinot's INT dimension default */
    const roaring_bitmap_t *nb = c.ops->nulls(&c);
    ck_assert_ptr_nonnull(nb);
    ck_assert(roaring_bitmap_contains(nb, 0));
    seg_bitmap_free(nb);
    open_col(seg, 1, &s->fields[col_of(s, "s")], &c);
    seg_value v;
    seg_col_value(&c, 0, &v);
    ck_assert_uint_eq(v.s.len, 4);
    ck_assert(memcmp(v.s.p, "null", 4) == 0);
    open_col(seg, 1, &s->fields[col_of(s, "raw_d")], &c);
    ck_assert(!c.has_dict && !c.has_inverted);
    double rd = 1;
    c.ops->read_raw(&c, 0, 1, &rd);
    ck_assert(rd == 0.0); /* metric default */
    open_col(seg, 1, &s->fields[col_of(s, "ms")], &c);
    uint32_t ids[4];
    ck_assert_uint_eq(c.ops->read_mv(&c, 0, ids, 4), 1);
    c.ops->dict_get(&c, ids[0], &v);
    ck_assert(v.s.len == 4 && memcmp(v.s.p, "null", 4) == 0);

    all_rows(&tm, m, &row, 299, 42, 501);
    verify_segment(seg, &tm, NULL, 300, true, "mutable");

    /* explicit values of a few docs, independent of the model */
    open_col(seg, 300, &s->fields[col_of(s, "l")], &c);
    ck_assert(!c.dict_sorted && !c.docs_sorted && !c.has_range && c.has_inverted);
    uint32_t first, last;
    ck_assert(!seg_col_id_range(&c, NULL, true, NULL, true, &first, &last));
    int64_t id = c.ops->dict_find(&c, vi(-3000000000ll));
    if (id >= 0) {
        const roaring_bitmap_t *bm = c.ops->bitmap(&c, (uint32_t)id);
        roaring_uint32_iterator_t it;
        roaring_init_iterator(bm, &it);
        for (; it.has_value; roaring_advance_uint32_iterator(&it)) {
            seg_col_value(&c, it.current_value, &v);
            ck_assert_int_eq(v.i, -3000000000ll);
        }
        seg_bitmap_free(bm);
    }

    /* a smaller view sees only its docs in bitmaps and nulls */
    for (uint32_t i = 0; i < tm.ncols; i++) {
        seg_col pc;
        open_col(seg, 123, &s->fields[i], &pc);
        verify_col(&pc, &tm.cols[i], NULL, 123, false, "mutable view");
    }

    /* metadata */
    seg_mutable_skip_offset(m, 900);
    seg_meta meta;
    seg_segment_meta(seg, &meta);
    ck_assert_uint_eq(meta.ndocs, 300);
    ck_assert_str_eq(meta.name, MUT_NAME);
    ck_assert_int_eq(meta.start_offset, 500);
    ck_assert_int_eq(meta.end_offset, 901);
    int64_t lo, hi;
    tm_time_range(&tm, 300, &lo, &hi);
    ck_assert_int_eq(meta.min_time_ms, lo);
    ck_assert_int_eq(meta.max_time_ms, hi);
    ck_assert_ptr_null(meta.sorted_column);
    seg_meta_free(&meta);

    /* memory grows with the data */
    size_t bytes1 = seg_mutable_bytes(m);
    ck_assert_uint_gt(bytes1, bytes0);
    all_rows(&tm, m, &row, 5000, 43, 1000);
    ck_assert_uint_gt(seg_mutable_bytes(m), bytes1);
    verify_segment(seg, &tm, NULL, 5300, true, "mutable 5300");

    seg_row_free(&row);
    seg_segment_release(seg);
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

START_TEST(mutable_errors)
{
    seg_schema *s = parse_schema(ALL_SCHEMA);
    seg_mutable *m = NULL;
    char err[TN_ERRLEN] = "";
    const char *bad_str[] = {"s"};
    seg_mutable_opts o = {.name = "x", .partition = -1, .start_offset = -1,
                          .no_dict_columns = bad_str, .n_no_dict = 1};
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, "'s'"), "message '%s' lacks the column", err);

    const char *bad_mv[] = {"mi"};
    o.no_dict_columns = bad_mv;
    err[0] = 0;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "mi"), "message '%s' lacks the column", err);

    const char *bad_bytes[] = {"by"};
    o.no_dict_columns = bad_bytes;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_EINVAL);

    const char *missing[] = {"nope"};
    o.no_dict_columns = missing;
    err[0] = 0;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "nope"), "message '%s' lacks the column", err);

    o.no_dict_columns = NULL;
    o.n_no_dict = 0;
    o.time_column = "when";
    err[0] = 0;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, "when"), "message '%s' lacks the column", err);

    /* a row of another schema (other column count) is refused */
    o.time_column = "TS"; /* case-insensitive, as Pinot resolves names */
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_OK);
    seg_schema *small = parse_schema(
        "{\"schemaName\": \"small\", \"dimensionFieldSpecs\": "
        "[{\"name\": \"i\", \"dataType\": \"INT\"}]}");
    seg_row row;
    seg_row_init(&row, small);
    err[0] = 0;
    ck_assert_int_eq(seg_mutable_append(m, &row, 0, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "cells"), "message '%s'", err);
    ck_assert_uint_eq(seg_segment_ndocs(seg_mutable_base(m)), 0);
    seg_meta meta;
    seg_segment_meta(seg_mutable_base(m), &meta);
    ck_assert_str_eq(meta.time_column, "ts");
    ck_assert_int_eq(meta.end_offset, -1);
    seg_meta_free(&meta);
    seg_row_free(&row);
    seg_schema_free(small);

    /* sealing more documents than there are, or by a bad sorted column */
    seg_image *img = NULL;
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 1, NULL, &img, err), TN_EINVAL);
    seg_row_init(&row, s);
    ck_assert_int_eq(seg_mutable_append(m, &row, 0, err), TN_OK);
    seg_seal_opts so = {.sorted_column = "nope"};
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 1, &so, &img, err), TN_EINVAL);
    so.sorted_column = "mi";
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 1, &so, &img, err), TN_EINVAL);
    ck_assert_ptr_null(img);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));

    /* a no-dictionary column cannot be the sorted column */
    const char *raw[] = {"raw_l"};
    o.no_dict_columns = raw;
    o.n_no_dict = 1;
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_OK);
    seg_row_init(&row, s);
    ck_assert_int_eq(seg_mutable_append(m, &row, 0, err), TN_OK);
    so.sorted_column = "raw_l";
    ck_assert_int_eq(seg_seal(seg_mutable_base(m), 1, &so, &img, err), TN_EINVAL);
    ck_assert_msg(strstr(err, "raw_l"), "message '%s'", err);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

/* Default inverted index rule of seg_seal_opts. */
static void check_default_inverted(const seg_segment *s, const tmodel *tm, uint32_t ndocs)
{
    for (uint32_t i = 0; i < tm->ncols; i++) {
        seg_col c;
        open_col(s, ndocs, &tm->schema->fields[i], &c);
        if (tm->cols[i].raw) {
            REQ_T(!c.has_inverted);
            continue;
        }
        uint32_t nD;
        free(distinct(&tm->cols[i], NULL, ndocs, &nD));
        bool want = c.docs_sorted || (uint64_t)nD * 4 <= ndocs || nD <= 256;
        REQ(c.has_inverted == want, "%s: has_inverted %d with %u values in %u docs",
                      tm->schema->fields[i].name, c.has_inverted, nD, ndocs);
    }
}

/* Pinot's invertedIndexColumns while consuming: only the listed columns
 * keep posting lists; the others are scanned, and seal the same. */
START_TEST(mutable_inverted_option)
{
    const char *lists[2][2] = {{"s_lo", "MV_I"}, {NULL, NULL}};
    for (int k = 0; k < 2; k++) {
        rt t;
        t.schema = parse_schema(RT_SCHEMA);
        tm_init(&t.tm, t.schema, RT_RAW, RT_NRAW, "ts");
        seg_mutable_opts o = {.name = MUT_NAME, .table = TABLE, .partition = PARTITION,
                              .start_offset = RT_START, .time_column = "ts",
                              .no_dict_columns = RT_RAW, .n_no_dict = RT_NRAW,
                              .inverted_set = true, .inverted_columns = lists[k],
                              .n_inverted = k ? 0 : 2};
        char err[TN_ERRLEN] = "";
        ck_assert_int_eq(seg_mutable_create(t.schema, &o, &t.m, err), TN_OK);
        seg_row_init(&t.row, t.schema);
        rt_rows(&t, 3000, 55 + k);
        seg_segment *mseg = seg_mutable_base(t.m);
        verify_segment(mseg, &t.tm, NULL, 3000, true, "mutable inverted option");
        for (uint32_t i = 0; i < t.tm.ncols; i++) {
            seg_col c;
            open_col(mseg, 3000, &t.schema->fields[i], &c);
            const char *n = t.schema->fields[i].name;
            bool want = k == 0 && (strcmp(n, "s_lo") == 0 || strcmp(n, "mv_i") == 0);
            ck_assert_msg(c.has_inverted == want, "%s: has_inverted %d", n, c.has_inverted);
            if (!want && c.has_dict) {
                ck_assert_ptr_null(c.ops->bitmap(&c, 0));
                ck_assert_ptr_null(seg_col_ids_bitmap(&c, 0, 0));
            }
        }
        seg_segment *imm = seal_open(mseg, 3000, NULL);
        verify_segment(imm, &t.tm, NULL, 3000, true, "sealed from scan-only columns");
        check_default_inverted(imm, &t.tm, 3000);
        seg_segment_release(imm);
        rt_free(&t);
    }
}
END_TEST

/* Forward indexes of every bit width from 1 to 17: column k holds about
 * CARDS[k] values, doc d the value (d * 7919 + k) % CARDS[k]. */
static const uint32_t CARDS[] = {1,   2,   3,    4,    5,    8,    9,     16,    17,   33,   65,
                                 129, 257, 513, 1025, 2049, 4097, 8193, 16385, 32769, 65537};
#define BW_ROWS 66000

START_TEST(bit_widths)
{
    enum { NW = sizeof CARDS / sizeof CARDS[0] };
    char json[4096];
    size_t k = (size_t)snprintf(json, sizeof json,
                                "{\"schemaName\": \"bw\", \"dimensionFieldSpecs\": [");
    for (int i = 0; i < NW; i++)
        k += (size_t)snprintf(json + k, sizeof json - k,
                              "%s{\"name\": \"w%d\", \"dataType\": \"INT\"}",
                              i ? "," : "", i);
    snprintf(json + k, sizeof json - k, "]}");
    seg_schema *s = parse_schema(json);
    uint32_t col[NW];
    for (int i = 0; i < NW; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i);
        col[i] = col_of(s, name);
    }
    /* no posting lists while consuming: this test is about forward indexes */
    seg_mutable_opts o = {.name = "bw", .partition = -1, .start_offset = -1,
                          .inverted_set = true};
    seg_mutable *m = NULL;
    char err[TN_ERRLEN] = "";
    ck_assert_int_eq(seg_mutable_create(s, &o, &m, err), TN_OK);
    seg_row row;
    seg_row_init(&row, s);
    for (uint32_t d = 0; d < BW_ROWS; d++) {
        seg_row_reset(&row);
        for (int i = 0; i < NW; i++)
            seg_row_set(&row, col[i], vi(((uint64_t)d * 7919 + (uint64_t)i) % CARDS[i]));
        ck_assert_int_eq(seg_mutable_append(m, &row, d, err), TN_OK);
    }
    seg_seal_opts so = {.inverted_set = true};
    seg_segment *imm = seal_open(seg_mutable_base(m), BW_ROWS, &so);
    uint32_t *want = malloc(BW_ROWS * 4), *got = malloc(BW_ROWS * 4);
    uint32_t *sub = malloc(BW_ROWS * 4);
    uint64_t r = 21;
    for (int i = 0; i < NW; i++) {
        seg_col c;
        open_col(imm, BW_ROWS, &s->fields[col[i]], &c);
        ck_assert_uint_eq(c.cardinality, CARDS[i]);
        /* the sorted dictionary of 0 .. card-1: a value is its own id */
        for (uint32_t d = 0; d < BW_ROWS; d++)
            want[d] = (uint32_t)(((uint64_t)d * 7919 + (uint64_t)i) % CARDS[i]);
        c.ops->read_ids(&c, 0, BW_ROWS, got);
        REQ(memcmp(got, want, BW_ROWS * 4) == 0, "w%d: read_ids of every doc differ", i);
        for (int q = 0; q < 300; q++) {
            uint32_t from = rnd(&r, BW_ROWS), n = 1 + rnd(&r, q < 150 ? 20 : 2000);
            n = TN_MIN(n, BW_ROWS - from);
            c.ops->read_ids(&c, from, n, got);
            REQ(memcmp(got, want + from, (size_t)n * 4) == 0, "w%d: read_ids(%u, %u)", i,
                from, n);
        }
        uint32_t ns = doc_subset(BW_ROWS, &r, sub);
        c.ops->read_ids_at(&c, sub, ns, got);
        for (uint32_t j = 0; j < ns; j++)
            REQ(got[j] == want[sub[j]], "w%d: read_ids_at doc %u: %u, want %u", i, sub[j],
                got[j], want[sub[j]]);
        for (uint32_t d = 0; d < BW_ROWS; d += 997) {
            seg_value v;
            seg_col_value(&c, d, &v);
            REQ_I(v.i, want[d]);
        }
        ck_assert_int_eq(c.min.i, 0);
        ck_assert_int_eq(c.max.i, CARDS[i] - 1);
    }
    free(want);
    free(got);
    free(sub);
    seg_segment_release(imm);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

/* ---- 2. seal round trips ------------------------------------------------------------------- */


START_TEST(seal_round_trip)
{
    rt t;
    rt_init(&t, RT_ROWS, 1234);
    seg_segment *mseg = seg_mutable_base(t.m);
    verify_segment(mseg, &t.tm, NULL, RT_ROWS, true, "mutable");
    check_meta(mseg, &t.tm, RT_ROWS, MUT_NAME, NULL, RT_START, RT_OFFSET(RT_ROWS - 1) + 1,
               true);

    seg_seal_opts o = {.name = "rt__3__7__sealed"};
    seg_image *img = NULL;
    char err[TN_ERRLEN] = "";
    ck_assert_int_eq(seg_seal(mseg, RT_ROWS, &o, &img, err), TN_OK);
    size_t total = 0;
    ck_assert_uint_eq(img->ncols, t.schema->nfields);
    for (uint32_t i = 0; i < img->ncols; i++) {
        ck_assert_str_eq(img->cols[i].name, t.schema->fields[i].name);
        ck_assert_uint_eq((uintptr_t)img->cols[i].data % SEG_ALIGN, 0);
        total += img->cols[i].len;
    }
    seg_segment *imm = NULL;
    ck_assert_int_eq(seg_image_open(img, &imm, err), TN_OK);
    ck_assert_uint_eq(seg_immutable_bytes(imm), total);
    ck_assert_int_eq(seg_immutable_verify(imm, err), TN_OK);
    ck_assert_uint_eq(seg_segment_ndocs(imm), RT_ROWS);
    verify_segment(imm, &t.tm, NULL, RT_ROWS, true, "sealed");
    check_meta(imm, &t.tm, RT_ROWS, "rt__3__7__sealed", NULL, RT_START,
               RT_OFFSET(RT_ROWS - 1) + 1, true);
    check_default_inverted(imm, &t.tm, RT_ROWS);
    /* nothing was sorted: only a column whose docs happen to be in order
     * may say docs_sorted, and the random ones are not */
    seg_col c;
    open_col(imm, RT_ROWS, &t.schema->fields[col_of(t.schema, "l_hi")], &c);
    ck_assert(!c.docs_sorted && c.dict_sorted);

    /* appends after the seal do not change the sealed segment */
    rt_rows(&t, 10, 99);
    verify_segment(imm, &t.tm, NULL, RT_ROWS, true, "sealed after appends");
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

START_TEST(seal_sorted)
{
    rt t;
    rt_init(&t, RT_ROWS, 777);
    seg_segment *mseg = seg_mutable_base(t.m);
    const char *cols[] = {"i_lo", "S_LO", "l_hi", "by", "f_dim", "d"};
    const char *spelled[] = {"i_lo", "s_lo", "l_hi", "by", "f_dim", "d"};
    for (size_t k = 0; k < TN_ARRAY_LEN(cols); k++) {
        seg_seal_opts o = {.sorted_column = cols[k]};
        seg_segment *imm = seal_open(mseg, RT_ROWS, &o);
        uint32_t ci = col_of(t.schema, spelled[k]);
        uint32_t *perm = stable_perm(&t.tm.cols[ci], NULL, RT_ROWS);
        char what[64];
        snprintf(what, sizeof what, "sorted by %s", cols[k]);
        verify_segment(imm, &t.tm, perm, RT_ROWS, true, what);
        seg_col c;
        open_col(imm, RT_ROWS, &t.schema->fields[ci], &c);
        ck_assert_msg(c.docs_sorted && c.has_inverted, "%s: docs_sorted", what);
        check_meta(imm, &t.tm, RT_ROWS, MUT_NAME, spelled[k], RT_START,
                   RT_OFFSET(RT_ROWS - 1) + 1, true);
        /* ids bitmap over the whole dictionary and a middle range */
        roaring_bitmap_t *all = seg_col_ids_bitmap(&c, 0, c.cardinality - 1);
        roaring_bitmap_t *want = bm_range(0, RT_ROWS);
        bm_check(all, want, "%s: all ids", what);
        roaring_bitmap_free(all);
        roaring_bitmap_free(want);

        if (k == 1) {
            /* re-sealing the sealed segment by another column (b) sorts
             * stably again, from the current order */
            seg_seal_opts o2 = {.sorted_column = "b", .name = "resorted"};
            seg_segment *imm2 = seal_open(imm, RT_ROWS, &o2);
            uint32_t *perm2 = stable_perm(&t.tm.cols[col_of(t.schema, "b")], perm, RT_ROWS);
            verify_segment(imm2, &t.tm, perm2, RT_ROWS, true, "re-sorted by b");
            check_meta(imm2, &t.tm, RT_ROWS, "resorted", "b", RT_START,
                       RT_OFFSET(RT_ROWS - 1) + 1, true);
            free(perm2);
            seg_segment_release(imm2);
        }
        free(perm);
        seg_segment_release(imm);
    }
    rt_free(&t);
}
END_TEST

START_TEST(seal_prefix)
{
    rt t;
    rt_init(&t, RT_ROWS, 4321);
    seg_segment *mseg = seg_mutable_base(t.m);
    const uint32_t P = 1234;
    seg_segment *imm = seal_open(mseg, P, NULL);
    verify_segment(imm, &t.tm, NULL, P, true, "prefix");
    /* end offset: not checked, the mutable segment keeps no per-doc offsets */
    check_meta(imm, &t.tm, P, MUT_NAME, NULL, RT_START, 0, false);

    /* values that occur only after the prefix are not in the dictionaries */
    uint64_t checked = 0;
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        const tcol *tc = &t.tm.cols[i];
        if (tc->raw)
            continue;
        uint32_t nD;
        seg_value *D = distinct(tc, NULL, P, &nD);
        seg_col c;
        open_col(imm, P, &t.schema->fields[i], &c);
        for (uint32_t d = P; d < RT_ROWS; d++)
            for (uint32_t k = 0; k < tc->cnt[d]; k++) {
                seg_value v = tc_val(tc, d, k);
                if (didx(D, nD, tc->type, v) >= 0)
                    continue;
                checked++;
                REQ(c.ops->dict_find(&c, v) == -1,
                              "%s: a value of doc %u (after the prefix) is in the dictionary",
                              tc->f->name, d);
            }
        free(D);
    }
    ck_assert_uint_gt(checked, 1000);
    seg_segment_release(imm);

    /* a sorted prefix */
    seg_seal_opts o = {.sorted_column = "s_lo"};
    imm = seal_open(mseg, P, &o);
    uint32_t *perm = stable_perm(&t.tm.cols[col_of(t.schema, "s_lo")], NULL, P);
    verify_segment(imm, &t.tm, perm, P, true, "sorted prefix");
    free(perm);
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

/* ---- 3. inverted and range index options ------------------------------------------------------ */

START_TEST(inverted_options)
{
    rt t;
    rt_init(&t, 3000, 99);
    seg_segment *mseg = seg_mutable_base(t.m);
    const char *inv[] = {"S_HI", "mv_s", "l_hi"};
    seg_seal_opts o = {.inverted_set = true, .inverted_columns = inv, .n_inverted = 3};
    seg_segment *imm = seal_open(mseg, 3000, &o);
    verify_segment(imm, &t.tm, NULL, 3000, true, "inverted set");
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        seg_col c;
        open_col(imm, 3000, &t.schema->fields[i], &c);
        const char *n = t.schema->fields[i].name;
        bool want = strcmp(n, "s_hi") == 0 || strcmp(n, "mv_s") == 0 ||
                    strcmp(n, "l_hi") == 0 || c.docs_sorted;
        ck_assert_msg(c.has_inverted == want, "%s: has_inverted %d", n, c.has_inverted);
        ck_assert(!c.has_range);
        if (!c.has_inverted && c.has_dict) {
            ck_assert_ptr_null(c.ops->bitmap(&c, 0));
            ck_assert_ptr_null(seg_col_ids_bitmap(&c, 0, 0));
        }
    }
    seg_segment_release(imm);

    /* an empty explicit list: no inverted index at all, but the sorted
     * column still answers bitmaps from its doc ranges */
    seg_seal_opts none = {.inverted_set = true, .sorted_column = "mv_i"};
    char err[TN_ERRLEN];
    seg_image *img = NULL;
    ck_assert_int_eq(seg_seal(mseg, 3000, &none, &img, err), TN_EINVAL);
    none.sorted_column = "i_lo";
    imm = seal_open(mseg, 3000, &none);
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        seg_col c;
        open_col(imm, 3000, &t.schema->fields[i], &c);
        bool sorted = strcmp(t.schema->fields[i].name, "i_lo") == 0;
        ck_assert_msg(c.has_inverted == sorted && c.docs_sorted == sorted, "%s",
                      t.schema->fields[i].name);
    }
    uint32_t *perm = stable_perm(&t.tm.cols[col_of(t.schema, "i_lo")], NULL, 3000);
    verify_segment(imm, &t.tm, perm, 3000, true, "no inverted");
    free(perm);
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

/* seg_col_ids_bitmap (and range_bitmap when there is a range index) for
 * many id ranges, against the docs whose value lies in the range. */
static void check_ranges(const seg_col *c, const tcol *tc, const uint32_t *perm,
                         uint32_t ndocs, uint64_t *r, uint32_t nrandom)
{
    uint32_t nD;
    seg_value *D = distinct(tc, perm, ndocs, &nD);
    REQ_U(c->cardinality, nD);
    REQ_T(c->dict_sorted);
    /* per doc, the sorted-dictionary indexes of its values */
    uint64_t *start = malloc(((size_t)ndocs + 1) * 8);
    uint64_t n = 0;
    for (uint32_t nd = 0; nd < ndocs; nd++)
        n += tc->cnt[OLD(perm, nd)];
    uint32_t *idx = malloc(n * 4 + 4);
    n = 0;
    for (uint32_t nd = 0; nd < ndocs; nd++) {
        uint32_t od = OLD(perm, nd);
        start[nd] = n;
        for (uint32_t k = 0; k < tc->cnt[od]; k++)
            idx[n++] = (uint32_t)didx(D, nD, tc->type, tc_val(tc, od, k));
    }
    start[ndocs] = n;
    uint32_t ntests = nrandom + 3 + TN_MIN(nD, 300u);
    for (uint32_t q = 0; q < ntests; q++) {
        uint32_t a, b;
        if (q == 0) {
            a = 0;
            b = nD - 1;
        } else if (q == 1) {
            a = b = 0;
        } else if (q == 2) {
            a = b = nD - 1;
        } else if (q < 3 + TN_MIN(nD, 300u)) { /* single ids */
            a = b = nD <= 300 ? q - 3 : rnd(r, nD);
        } else if (q % 3 == 0) { /* short ranges */
            a = rnd(r, nD);
            b = a + rnd(r, 6); /* not inside TN_MIN: it evaluates twice */
            b = TN_MIN(nD - 1, b);
        } else {
            a = rnd(r, nD);
            b = rnd(r, nD);
            if (a > b) {
                uint32_t x = a;
                a = b;
                b = x;
            }
        }
        roaring_bitmap_t *want = roaring_bitmap_create();
        for (uint32_t nd = 0; nd < ndocs; nd++)
            for (uint64_t k = start[nd]; k < start[nd + 1]; k++)
                if (idx[k] >= a && idx[k] <= b) {
                    roaring_bitmap_add(want, nd);
                    break;
                }
        roaring_bitmap_t *got = seg_col_ids_bitmap(c, a, b);
        REQ(got != NULL, "%s: no ids bitmap for [%u, %u] of %u", tc->f->name, a, b, nD);
        bm_check(got, want, "%s: ids [%u, %u] of %u", tc->f->name, a, b, nD);
        roaring_bitmap_free(got);
        if (c->has_range) {
            const roaring_bitmap_t *rb = c->ops->range_bitmap(c, a, b);
            ck_assert_ptr_nonnull(rb);
            bm_check(rb, want, "%s: range_bitmap [%u, %u] of %u", tc->f->name, a, b, nD);
            seg_bitmap_free(rb);
        }
        roaring_bitmap_free(want);
    }
    /* bad ranges */
    if (nD >= 2)
        ck_assert_ptr_null(seg_col_ids_bitmap(c, 1, 0));
    ck_assert_ptr_null(seg_col_ids_bitmap(c, 0, nD));
    if (c->has_range) {
        ck_assert_ptr_null(c->ops->range_bitmap(c, 0, nD));
        if (nD >= 2)
            ck_assert_ptr_null(c->ops->range_bitmap(c, 1, 0));
    }
    free(start);
    free(idx);
    free(D);
}

START_TEST(range_index)
{
    rt t;
    rt_init(&t, RT_ROWS, 2024);
    seg_segment *mseg = seg_mutable_base(t.m);
    const char *rc[] = {"l_hi", "d", "mv_l", "s_hi", "f"};
    seg_seal_opts o = {.range_columns = rc, .n_range = 5};
    seg_segment *imm = seal_open(mseg, RT_ROWS, &o);
    verify_segment(imm, &t.tm, NULL, RT_ROWS, true, "range");
    uint64_t r = 77;
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        seg_col c;
        open_col(imm, RT_ROWS, &t.schema->fields[i], &c);
        const char *n = t.schema->fields[i].name;
        bool want = listed(n, rc, 5) && !c.docs_sorted;
        ck_assert_msg(c.has_range == want, "%s: has_range %d", n, c.has_range);
        if (c.has_range || c.has_inverted)
            check_ranges(&c, &t.tm.cols[i], NULL, RT_ROWS, &r, c.has_range ? 300 : 40);
        else if (c.has_dict)
            ck_assert_ptr_null(seg_col_ids_bitmap(&c, 0, 0));
    }
    seg_segment_release(imm);

    /* with a sorted column: the sorted column answers from doc ranges */
    seg_seal_opts o2 = {.range_columns = rc, .n_range = 5, .sorted_column = "l_hi"};
    imm = seal_open(mseg, RT_ROWS, &o2);
    uint32_t *perm = stable_perm(&t.tm.cols[col_of(t.schema, "l_hi")], NULL, RT_ROWS);
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        seg_col c;
        open_col(imm, RT_ROWS, &t.schema->fields[i], &c);
        if (strcmp(t.schema->fields[i].name, "l_hi") == 0)
            ck_assert(c.docs_sorted && !c.has_range);
        if (c.has_range || c.docs_sorted)
            check_ranges(&c, &t.tm.cols[i], perm, RT_ROWS, &r, 150);
    }
    free(perm);
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

/* A multi-value document with more values than a fixed buffer holds must
 * still be found by a range over its last values. */
START_TEST(range_index_long_mv)
{
    seg_schema *s = parse_schema(
        "{\"schemaName\": \"lmv\", \"dimensionFieldSpecs\": ["
        " {\"name\": \"v\", \"dataType\": \"LONG\", \"singleValueField\": false}]}");
    tmodel tm;
    tm_init(&tm, s, NULL, 0, NULL);
    seg_mutable *m = mk_mutable(s, NULL, 0, NULL, -1);
    seg_row row;
    seg_row_init(&row, s);
    seg_value v[600];
    for (uint32_t d = 0; d < 300; d++) {
        tm_begin(&tm, &row);
        uint32_t n = d == 0 ? 600 : d % 10 == 0 ? 300 : 1 + d % 3;
        for (uint32_t k = 0; k < n; k++)
            v[k] = vi(d == 0 ? (int64_t)k * 2 : d % 10 == 0 ? 5000 + d + k : 100000 + d * 7 + k);
        tm_set(&tm, &row, 0, v, n);
        tm_append(&tm, m, &row, d);
    }
    const char *rc[] = {"v"};
    seg_seal_opts o = {.range_columns = rc, .n_range = 1};
    seg_segment *imm = seal_open(seg_mutable_base(m), 300, &o);
    verify_segment(imm, &tm, NULL, 300, true, "long mv");
    seg_col c;
    open_col(imm, 300, &s->fields[0], &c);
    ck_assert(c.has_range);
    ck_assert_uint_eq(c.max_mv, 600);
    /* the last value of doc 0 alone */
    int64_t id = c.ops->dict_find(&c, vi(599 * 2));
    ck_assert_int_ge(id, 0);
    roaring_bitmap_t *got = seg_col_ids_bitmap(&c, (uint32_t)id, (uint32_t)id);
    ck_assert(got && roaring_bitmap_get_cardinality(got) == 1 && roaring_bitmap_contains(got, 0));
    roaring_bitmap_free(got);
    uint64_t r = 5;
    check_ranges(&c, &tm.cols[0], NULL, 300, &r, 400);
    seg_segment_release(imm);
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

/* seg_col_id_range against brute force over the sorted distinct values. */
static void check_id_range(const seg_col *c, const tcol *tc, uint32_t ndocs, uint64_t *r)
{
    uint32_t nD;
    seg_value *D = distinct(tc, NULL, ndocs, &nD);
    seg_type t = tc->type;
    REQ_U(c->cardinality, nD);
    enum { NC = 64 };
    seg_value cand[NC];
    char sb[NC][40];
    for (uint32_t i = 0; i < NC; i++) {
        seg_value x = D[rnd(r, nD)];
        uint32_t how = i < 4 ? i : 4 + rnd(r, 4);
        switch (tphys(t)) {
        case P_I32:
        case P_I64:
            if (how == 0)
                x = vi(D[0].i == INT64_MIN ? D[0].i : D[0].i - 1);
            else if (how == 1)
                x = vi(D[nD - 1].i == INT64_MAX ? D[nD - 1].i : D[nD - 1].i + 1);
            else if (how == 4 && x.i < INT64_MAX)
                x.i += 1; /* between entries, or on the next one */
            else if (how == 5 && x.i > INT64_MIN)
                x.i -= 1;
            break;
        case P_F32:
        case P_F64:
            if (how == 0)
                x = vd(-INFINITY);
            else if (how == 1)
                x = vd(1e300);
            else if (how == 4 && !isnan(x.d))
                x = stored_of(t, vd(nextafter(x.d, INFINITY)));
            else if (how == 5 && !isnan(x.d))
                x = vd(x.d - 0.01);
            break;
        default:
            if (how == 0) {
                x = vs("", 0);
            } else if (how == 1) {
                memset(sb[i], 0xff, 30);
                x = vs(sb[i], 30);
            } else if (how == 4 && x.s.len < 39) { /* just above x */
                memcpy(sb[i], x.s.p, x.s.len);
                sb[i][x.s.len] = 0;
                x = vs(sb[i], x.s.len + 1);
            } else if (how == 5 && x.s.len > 0) { /* a prefix, below x */
                memcpy(sb[i], x.s.p, x.s.len - 1);
                x = vs(sb[i], x.s.len - 1);
            }
            break;
        }
        cand[i] = x;
    }
    for (uint32_t q = 0; q < 600; q++) {
        const seg_value *lo = NULL, *hi = NULL;
        uint32_t shape = rnd(r, 6);
        if (shape != 0)
            lo = &cand[rnd(r, NC)];
        if (shape != 1)
            hi = &cand[rnd(r, NC)];
        if (q < 4) { /* edge pairs: out of range on either side */
            lo = q < 2 ? &cand[1] : NULL;
            hi = q < 2 ? NULL : &cand[0];
        }
        bool li = rnd(r, 2), hincl = rnd(r, 2);
        int64_t first = -1, last = -1;
        for (uint32_t i = 0; i < nD; i++) {
            bool ok = true;
            if (lo) {
                int x = tv_cmp(t, D[i], *lo);
                ok = li ? x >= 0 : x > 0;
            }
            if (ok && hi) {
                int x = tv_cmp(t, D[i], *hi);
                ok = hincl ? x <= 0 : x < 0;
            }
            if (ok) {
                if (first < 0)
                    first = i;
                last = i;
            }
        }
        uint32_t gf = UINT32_MAX, gl = UINT32_MAX;
        bool got = seg_col_id_range(c, lo, li, hi, hincl, &gf, &gl);
        char b1[96], b2[96];
        REQ(got == (first >= 0),
                      "%s: id range (%s %s, %s %s) returned %d, want %d", tc->f->name,
                      lo ? tv_str(t, *lo, b1, 96) : "-inf", li ? "incl" : "excl",
                      hi ? tv_str(t, *hi, b2, 96) : "+inf", hincl ? "incl" : "excl", got,
                      first >= 0);
        if (got)
            REQ(gf == first && gl == last, "%s: id range [%u, %u], want [%lld, %lld]",
                          tc->f->name, gf, gl, (long long)first, (long long)last);
    }
    /* equal bounds, one exclusive: nothing */
    uint32_t a, b;
    REQ_T(!seg_col_id_range(c, &D[0], false, &D[0], true, &a, &b));
    REQ_T(!seg_col_id_range(c, &D[0], true, &D[0], false, &a, &b));
    REQ_T(seg_col_id_range(c, &D[0], true, &D[0], true, &a, &b));
    REQ_T(a == 0 && b == 0);
    REQ_T(seg_col_id_range(c, NULL, false, NULL, false, &a, &b));
    REQ_T(a == 0 && b == nD - 1);
    REQ_T(!seg_col_id_range(c, &D[nD - 1], false, NULL, false, &a, &b));
    REQ_T(!seg_col_id_range(c, NULL, false, &D[0], false, &a, &b));
    free(D);
}

START_TEST(id_range)
{
    rt t;
    rt_init(&t, 3000, 31337);
    seg_segment *imm = seal_open(seg_mutable_base(t.m), 3000, NULL);
    uint64_t r = 8;
    const char *cols[] = {"l_hi", "i_lo", "d", "f", "f_dim", "s_hi", "s_lo", "by", "mv_l",
                          "mv_s", "mv_d", "b", "ts"};
    for (size_t k = 0; k < TN_ARRAY_LEN(cols); k++) {
        seg_col c;
        uint32_t ci = col_of(t.schema, cols[k]);
        open_col(imm, 3000, &t.schema->fields[ci], &c);
        check_id_range(&c, &t.tm.cols[ci], 3000, &r);
    }
    /* no sorted dictionary (mutable) or no dictionary at all: false */
    seg_col c;
    uint32_t a, b;
    open_col(seg_mutable_base(t.m), 3000, &t.schema->fields[col_of(t.schema, "l_hi")], &c);
    ck_assert(!seg_col_id_range(&c, NULL, true, NULL, true, &a, &b));
    open_col(imm, 3000, &t.schema->fields[col_of(t.schema, "m_raw_l")], &c);
    ck_assert(!seg_col_id_range(&c, NULL, true, NULL, true, &a, &b));
    ck_assert_ptr_null(seg_col_ids_bitmap(&c, 0, 0));
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

/* ---- 4. schema evolution --------------------------------------------------------------------- */

static void check_default_col(const seg_segment *s, const seg_field *f, uint32_t ndocs,
                              seg_value def, const char *what)
{
    seg_col c;
    open_col(s, ndocs, f, &c);
    seg_type t = f->type;
    REQ(c.is_default, "%s %s: not a default column", what, f->name);
    REQ_T(c.has_dict && c.dict_sorted);
    REQ_U(c.cardinality, 1);
    REQ_U(c.ndocs, ndocs);
    REQ_T(c.single_value == f->single_value);
    VAL_EQ(t, c.min, def, "%s %s: min", what, f->name);
    VAL_EQ(t, c.max, def, "%s %s: max", what, f->name);
    REQ_I(c.ops->dict_find(&c, def), 0);
    seg_value other = tphys(t) == P_STR ? vcstr("surely-not-the-default")
                    : is_float(t)       ? vd(12345.5)
                                        : vi(1);
    REQ_I(c.ops->dict_find(&c, other), -1);
    seg_value got;
    c.ops->dict_get(&c, 0, &got);
    VAL_EQ(t, got, def, "%s %s: dict_get(0)", what, f->name);
    roaring_bitmap_t *all = bm_range(0, ndocs);
    const roaring_bitmap_t *bm = c.ops->nulls(&c);
    bm_check(bm, all, "%s %s: nulls", what, f->name);
    seg_bitmap_free(bm);
    bm = c.ops->bitmap(&c, 0);
    bm_check(bm, all, "%s %s: bitmap(0)", what, f->name);
    seg_bitmap_free(bm);
    roaring_bitmap_t *ib = seg_col_ids_bitmap(&c, 0, 0);
    bm_check(ib, all, "%s %s: ids bitmap", what, f->name);
    roaring_bitmap_free(ib);
    uint32_t a = 9, b = 9;
    REQ_T(seg_col_id_range(&c, NULL, true, NULL, true, &a, &b));
    REQ_T(a == 0 && b == 0);
    roaring_bitmap_free(all);
    uint32_t *ids = malloc((size_t)ndocs * 4 + 4);
    if (f->single_value) {
        memset(ids, 0xff, (size_t)ndocs * 4);
        c.ops->read_ids(&c, 0, ndocs, ids);
        for (uint32_t d = 0; d < ndocs; d++) {
            REQ_U(ids[d], 0);
            ids[d] = d;
            seg_col_value(&c, d, &got);
            VAL_EQ(t, got, def, "%s %s: doc %u", what, f->name, d);
        }
        uint32_t *at = malloc((size_t)ndocs * 4 + 4);
        memset(at, 0xff, (size_t)ndocs * 4);
        if (ndocs)
            c.ops->read_ids_at(&c, ids, ndocs, at); /* ids now lists every doc */
        for (uint32_t d = 0; d < ndocs; d++)
            REQ_U(at[d], 0);
        free(at);
    } else {
        for (uint32_t d = 0; d < ndocs; d++) {
            uint32_t id[4] = {7, 7, 7, 7};
            REQ_U(c.ops->read_mv(&c, d, id, 4), 1);
            REQ_U(id[0], 0);
        }
    }
    free(ids);
}

START_TEST(schema_evolution)
{
    rt t;
    rt_init(&t, 700, 5);
    seg_schema *extra = parse_schema(
        "{\"schemaName\": \"x\", \"dimensionFieldSpecs\": ["
        " {\"name\": \"newcol\", \"dataType\": \"STRING\", \"defaultNullValue\": \"xyz\"},"
        " {\"name\": \"newmv\", \"dataType\": \"INT\", \"singleValueField\": false},"
        " {\"name\": \"newl\", \"dataType\": \"LONG\"}],"
        " \"metricFieldSpecs\": ["
        " {\"name\": \"newm\", \"dataType\": \"DOUBLE\", \"defaultNullValue\": 1.5}]}");
    seg_schema *cur = seg_schema_copy(t.schema), *next = NULL;
    char err[TN_ERRLEN] = "";
    for (uint32_t i = 0; i < extra->nfields; i++) {
        ck_assert_int_eq(seg_schema_add_field(cur, &extra->fields[i], &next, err), TN_OK);
        seg_schema_free(cur);
        cur = next;
    }
    seg_segment *imm = seal_open(seg_mutable_base(t.m), 700, NULL);
    seg_segment *segs[2] = {seg_mutable_base(t.m), imm};
    const seg_value defs[] = {vcstr("xyz"), vi(INT32_MIN), vi(INT64_MIN), vd(1.5)};
    const char *names[] = {"newcol", "newmv", "newl", "newm"};
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++) {
            const seg_field *f = &cur->fields[col_of(cur, names[j])];
            check_default_col(segs[k], f, 700, defs[j], k ? "sealed" : "mutable");
        }
        /* the old columns open the same under the new schema */
        for (uint32_t i = 0; i < t.tm.ncols; i++) {
            seg_col c;
            open_col(segs[k], 700, &cur->fields[col_of(cur, t.schema->fields[i].name)], &c);
            verify_col(&c, &t.tm.cols[i], NULL, 700, true, "evolved");
        }
        /* an existing column under another type or arity */
        seg_field f = t.schema->fields[col_of(t.schema, "i_lo")];
        f.type = SEG_LONG;
        seg_col c;
        err[0] = 0;
        ck_assert_int_eq(seg_column_open(segs[k], 700, &f, &c, err), TN_EINVAL);
        ck_assert_msg(strstr(err, "i_lo"), "message '%s'", err);
        f = t.schema->fields[col_of(t.schema, "mv_s")];
        f.single_value = true;
        ck_assert_int_eq(seg_column_open(segs[k], 700, &f, &c, err), TN_EINVAL);
    }
    /* the sealed segment keeps the schema it was built with */
    ck_assert_uint_eq(imm->schema->nfields, t.schema->nfields);
    ck_assert_int_lt(seg_schema_find(imm->schema, "newcol"), 0);
    seg_segment_release(imm);
    seg_schema_free(cur);
    seg_schema_free(extra);
    rt_free(&t);
}
END_TEST

/* ---- 5. edge cases -------------------------------------------------------------------------- */

START_TEST(empty_segment)
{
    rt t;
    rt_init(&t, 0, 1);
    seg_segment *mseg = seg_mutable_base(t.m);
    verify_segment(mseg, &t.tm, NULL, 0, true, "empty mutable");
    const char *sorts[] = {NULL, "s_lo"};
    for (int k = 0; k < 2; k++) {
        seg_seal_opts o = {.sorted_column = sorts[k]};
        seg_segment *imm = seal_open(mseg, 0, &o);
        ck_assert_uint_eq(seg_segment_ndocs(imm), 0);
        verify_segment(imm, &t.tm, NULL, 0, true, "empty sealed");
        check_meta(imm, &t.tm, 0, MUT_NAME, sorts[k], RT_START, RT_START, true);
        char err[TN_ERRLEN];
        ck_assert_int_eq(seg_immutable_verify(imm, err), TN_OK);
        for (uint32_t i = 0; i < t.tm.ncols; i++) {
            seg_col c;
            uint32_t a, b;
            open_col(imm, 0, &t.schema->fields[i], &c);
            ck_assert_uint_eq(c.cardinality, 0);
            ck_assert(!seg_col_id_range(&c, NULL, true, NULL, true, &a, &b));
            ck_assert_ptr_null(seg_col_ids_bitmap(&c, 0, 0));
        }
        seg_segment_release(imm);
    }
    rt_free(&t);
}
END_TEST

START_TEST(one_row)
{
    rt t;
    rt_init(&t, 1, 11);
    seg_segment *mseg = seg_mutable_base(t.m);
    verify_segment(mseg, &t.tm, NULL, 1, true, "one row mutable");
    seg_seal_opts o = {.sorted_column = "l_hi"};
    seg_segment *imm = seal_open(mseg, 1, &o);
    verify_segment(imm, &t.tm, NULL, 1, true, "one row");
    check_meta(imm, &t.tm, 1, MUT_NAME, "l_hi", RT_START, RT_START + 1, true);
    seg_segment_release(imm);
    imm = seal_open(mseg, 1, NULL);
    verify_segment(imm, &t.tm, NULL, 1, true, "one row unsorted");
    for (uint32_t i = 0; i < t.tm.ncols; i++) {
        seg_col c;
        open_col(imm, 1, &t.schema->fields[i], &c);
        if (c.has_dict) /* one value per column (or one row of a few) */
            ck_assert(c.has_inverted);
    }
    seg_segment_release(imm);
    rt_free(&t);
}
END_TEST

START_TEST(all_null_columns)
{
    seg_schema *s = parse_schema(ALL_SCHEMA);
    tmodel tm;
    tm_init(&tm, s, ALL_RAW, 4, "ts");
    seg_mutable *m = mk_mutable(s, ALL_RAW, 4, "ts", 0);
    seg_row row;
    seg_row_init(&row, s);
    uint32_t cnt = col_of(s, "cnt"), mi = col_of(s, "mi"), ms = col_of(s, "ms");
    for (uint32_t d = 0; d < 500; d++) {
        tm_begin(&tm, &row);
        tm_set1(&tm, &row, cnt, vi(d)); /* one column with values */
        if (d % 2) { /* empty lists, explicitly */
            tm_set(&tm, &row, mi, NULL, 0);
            tm_set(&tm, &row, ms, NULL, 0);
        }
        tm_append(&tm, m, &row, d);
    }
    seg_segment *mseg = seg_mutable_base(m);
    verify_segment(mseg, &tm, NULL, 500, true, "all null mutable");
    seg_segment *imm = seal_open(mseg, 500, NULL);
    verify_segment(imm, &tm, NULL, 500, true, "all null");
    roaring_bitmap_t *all = bm_range(0, 500);
    for (uint32_t i = 0; i < tm.ncols; i++) {
        if (i == cnt)
            continue;
        seg_col c;
        open_col(imm, 500, &s->fields[i], &c);
        const roaring_bitmap_t *n = c.ops->nulls(&c);
        bm_check(n, all, "%s: all null", s->fields[i].name);
        seg_bitmap_free(n);
        if (c.has_dict) {
            ck_assert_uint_eq(c.cardinality, 1);
            if (c.single_value)
                ck_assert(c.docs_sorted);
        }
        VAL_EQ(c.type, c.min, s->fields[i].default_null, "%s min", s->fields[i].name);
    }
    roaring_bitmap_free(all);
    check_meta(imm, &tm, 500, MUT_NAME, NULL, 0, 500, true); /* no time values */
    seg_segment_release(imm);
    seg_row_free(&row);
    seg_segment_release(mseg);
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

START_TEST(long_and_binary_strings)
{
    seg_schema *s = parse_schema(
        "{\"schemaName\": \"str\", \"dimensionFieldSpecs\": ["
        " {\"name\": \"s\", \"dataType\": \"STRING\"},"
        " {\"name\": \"by\", \"dataType\": \"BYTES\"},"
        " {\"name\": \"ms\", \"dataType\": \"STRING\", \"singleValueField\": false}]}");
    tmodel tm;
    tm_init(&tm, s, NULL, 0, NULL);
    seg_mutable *m = mk_mutable(s, NULL, 0, NULL, -1);
    seg_row row;
    seg_row_init(&row, s);
    uint64_t r = 3;
    const uint32_t L1 = 350000, L2 = 300001;
    char *big = malloc(L1);
    for (uint32_t i = 0; i < L1; i++)
        big[i] = (char)rnd(&r, 256);
    big[10] = 0;
    seg_value longs[3];
    longs[0] = vs(tm_str(&tm, big, L1), L1);
    longs[1] = vs(tm_str(&tm, big, L2), L2); /* a prefix of the first */
    big[L2 - 1] ^= 1;
    longs[2] = vs(tm_str(&tm, big, L2), L2);
    free(big);
    seg_value shorts[] = {vs("a\0b", 3), vs("\0", 1), vs("", 0), vs("\0\0", 2),
                          vs("a\0c", 3), vs("a", 1), vs("\xff\0", 2)};
    for (uint32_t d = 0; d < 60; d++) {
        tm_begin(&tm, &row);
        seg_value a = d % 4 == 0 ? longs[d / 4 % 3] : shorts[d % 7];
        seg_value b = d % 5 == 0 ? longs[d % 3] : shorts[(d + 3) % 7];
        if (d % 9 != 8)
            tm_set1(&tm, &row, 0, a);
        tm_set1(&tm, &row, 1, b);
        seg_value mv[4] = {longs[d % 3], shorts[d % 7], longs[d % 3], shorts[(d + 1) % 7]};
        tm_set(&tm, &row, 2, mv, d % 5);
        tm_append(&tm, m, &row, d);
    }
    seg_segment *mseg = seg_mutable_base(m);
    verify_segment(mseg, &tm, NULL, 60, true, "strings mutable");
    seg_segment *imm = seal_open(mseg, 60, NULL);
    verify_segment(imm, &tm, NULL, 60, true, "strings");
    seg_segment_release(imm);
    seg_seal_opts o = {.sorted_column = "by"};
    imm = seal_open(mseg, 60, &o);
    uint32_t *perm = stable_perm(&tm.cols[1], NULL, 60);
    verify_segment(imm, &tm, perm, 60, true, "strings sorted");
    free(perm);
    seg_col c;
    open_col(imm, 60, &s->fields[0], &c);
    seg_value v;
    c.ops->dict_get(&c, 0, &v);
    ck_assert_uint_eq(v.s.len, 0); /* "" sorts first, then "\0" */
    c.ops->dict_get(&c, 1, &v);
    ck_assert(v.s.len == 1 && v.s.p[0] == 0);
    seg_segment_release(imm);
    seg_row_free(&row);
    seg_segment_release(mseg);
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

START_TEST(float_canonical)
{
    seg_schema *s = parse_schema(
        "{\"schemaName\": \"fl\", \"dimensionFieldSpecs\": ["
        " {\"name\": \"f\", \"dataType\": \"FLOAT\"},"
        " {\"name\": \"mf\", \"dataType\": \"FLOAT\", \"singleValueField\": false}],"
        " \"metricFieldSpecs\": [{\"name\": \"rf\", \"dataType\": \"FLOAT\"}]}");
    const char *raw[] = {"rf"};
    tmodel tm;
    tm_init(&tm, s, raw, 1, NULL);
    seg_mutable *m = mk_mutable(s, raw, 1, NULL, -1);
    seg_row row;
    seg_row_init(&row, s);
    const double in[] = {0.1, (double)0.1f, 0.2, 1e-3, 3.3, (double)3.3f, 0.1};
    for (uint32_t d = 0; d < 7; d++) {
        tm_begin(&tm, &row);
        tm_set1(&tm, &row, 0, vd(in[d]));
        seg_value mv[2] = {vd(in[d]), vd(in[(d + 1) % 7])};
        tm_set(&tm, &row, 1, mv, 2);
        tm_set1(&tm, &row, 2, vd(in[d]));
        tm_append(&tm, m, &row, d);
    }
    seg_segment *mseg = seg_mutable_base(m);
    seg_segment *imm = seal_open(mseg, 7, NULL);
    seg_segment *segs[2] = {mseg, imm};
    for (int k = 0; k < 2; k++) {
        verify_segment(segs[k], &tm, NULL, 7, true, k ? "float sealed" : "float mutable");
        seg_col c;
        open_col(segs[k], 7, &s->fields[0], &c);
        ck_assert_uint_eq(c.cardinality, 4); /* 0.1, 0.2, 1e-3, 3.3 */
        int64_t a = c.ops->dict_find(&c, vd(0.1)), b = c.ops->dict_find(&c, vd((double)0.1f));
        ck_assert(a >= 0 && a == b);
        seg_value v;
        c.ops->dict_get(&c, (uint32_t)a, &v);
        ck_assert(v.d == (double)0.1f);
        seg_col_value(&c, 0, &v);
        ck_assert(v.d == (double)0.1f);
        open_col(segs[k], 7, &s->fields[2], &c);
        double raw3[7];
        c.ops->read_raw(&c, 0, 7, raw3);
        ck_assert(raw3[0] == (double)0.1f && raw3[6] == (double)0.1f);
        ck_assert(c.min.d == (double)1e-3f && c.max.d == (double)3.3f);
    }
    seg_segment_release(imm);
    seg_row_free(&row);
    seg_segment_release(mseg);
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

START_TEST(nan_and_zero_doubles)
{
    seg_schema *s = parse_schema(
        "{\"schemaName\": \"nan\", \"dimensionFieldSpecs\": ["
        " {\"name\": \"d\", \"dataType\": \"DOUBLE\"},"
        " {\"name\": \"md\", \"dataType\": \"DOUBLE\", \"singleValueField\": false},"
        " {\"name\": \"fl\", \"dataType\": \"FLOAT\"}],"
        " \"metricFieldSpecs\": [{\"name\": \"rd\", \"dataType\": \"DOUBLE\"},"
        " {\"name\": \"rf\", \"dataType\": \"FLOAT\"}]}");
    const char *raw[] = {"rd", "rf"};
    tmodel tm;
    tm_init(&tm, s, raw, 2, NULL);
    seg_mutable *m = mk_mutable(s, raw, 2, NULL, -1);
    seg_row row;
    seg_row_init(&row, s);
    double negnan = -NAN, payload;
    uint64_t bits = 0x7ff0000000000123ull; /* a NaN with a payload */
    memcpy(&payload, &bits, 8);
    /* NaN first: min/max must not stick to it */
    const double in[] = {NAN, 1.5, -0.0, 0.0, -2.0, negnan, 0.0, payload, 7.25, -0.0};
    uint32_t mdi = col_of(s, "md");
    for (uint32_t d = 0; d < 10; d++) {
        tm_begin(&tm, &row);
        for (uint32_t c = 0; c < 5; c++) {
            if (c == mdi) {
                seg_value mv[3] = {vd(in[d]), vd(in[(d + 5) % 10]), vd(in[d])};
                tm_set(&tm, &row, c, mv, 3);
            } else {
                tm_set1(&tm, &row, c, vd(in[d]));
            }
        }
        tm_append(&tm, m, &row, d);
    }
    seg_segment *mseg = seg_mutable_base(m);
    seg_segment *imm = seal_open(mseg, 10, NULL);
    seg_seal_opts o = {.sorted_column = "d"};
    seg_segment *imm2 = seal_open(mseg, 10, &o);
    uint32_t *perm = stable_perm(&tm.cols[0], NULL, 10);
    seg_segment *segs[3] = {mseg, imm, imm2};
    for (int k = 0; k < 3; k++) {
        const char *what = k == 0 ? "nan mutable" : k == 1 ? "nan sealed" : "nan sorted";
        verify_segment(segs[k], &tm, k == 2 ? perm : NULL, 10, true, what);
        for (uint32_t i = 0; i < 5; i++) {
            seg_col c;
            open_col(segs[k], 10, &s->fields[i], &c);
            /* NaN sorts last: the largest value; -0.0 and 0.0 are one */
            ck_assert_msg(c.min.d == -2.0 && isnan(c.max.d), "%s %s: min %g max %g", what,
                          s->fields[i].name, c.min.d, c.max.d);
            if (c.has_dict) {
                ck_assert_uint_eq(c.cardinality, 5); /* -2, 0, 1.5, 7.25, NaN */
                ck_assert_int_ge(c.ops->dict_find(&c, vd(NAN)), 0);
                ck_assert_int_eq(c.ops->dict_find(&c, vd(-0.0)),
                                 c.ops->dict_find(&c, vd(0.0)));
            }
        }
    }
    free(perm);
    seg_segment_release(imm);
    seg_segment_release(imm2);
    seg_row_free(&row);
    seg_segment_release(mseg);
    tm_free(&tm);
    seg_schema_free(s);
}
END_TEST

/* ---- 6. concurrent readers --------------------------------------------------------------------- */

#define CC_ROWS 200000

static const char CC_SCHEMA[] =
    "{\"schemaName\": \"cc\", \"dimensionFieldSpecs\": ["
    " {\"name\": \"s\", \"dataType\": \"STRING\"},"
    " {\"name\": \"l\", \"dataType\": \"LONG\"},"
    " {\"name\": \"mv\", \"dataType\": \"INT\", \"singleValueField\": false},"
    " {\"name\": \"n\", \"dataType\": \"INT\"}],"
    " \"metricFieldSpecs\": [{\"name\": \"m\", \"dataType\": \"DOUBLE\"}]}";

typedef struct cc_shared {
    seg_segment *seg;
    const seg_schema *schema;
    atomic_bool done;
} cc_shared;

typedef struct cc_reader {
    cc_shared *sh;
    uint64_t seed;
    atomic_uint errors; /* the writer polls it */
    uint32_t iters, verified;
    atomic_uint partial; /* iterations that saw 0 < ndocs < CC_ROWS */
    char msg[256];
} cc_reader;

#define RFAIL(rd, ...)                                              \
    do {                                                            \
        if ((rd)->errors++ == 0)                                    \
            snprintf((rd)->msg, sizeof (rd)->msg, __VA_ARGS__);     \
    } while (0)

/* Documents d < nd with d % mod == k. */
static uint32_t cc_count(uint32_t nd, uint32_t mod, uint32_t k)
{
    return nd > k ? (nd - 1 - k) / mod + 1 : 0;
}

static void cc_check_bitmap(cc_reader *rd, const roaring_bitmap_t *bm, uint32_t nd,
                            uint32_t mod, uint32_t k, const char *what)
{
    uint64_t n = bm ? roaring_bitmap_get_cardinality(bm) : 0;
    if (n != cc_count(nd, mod, k)) {
        RFAIL(rd, "%s %u: %llu docs of %u, want %u", what, k, (unsigned long long)n, nd,
              cc_count(nd, mod, k));
        return;
    }
    if (!bm)
        return;
    roaring_uint32_iterator_t it;
    roaring_init_iterator(bm, &it);
    for (; it.has_value; roaring_advance_uint32_iterator(&it))
        if (it.current_value >= nd || it.current_value % mod != k) {
            RFAIL(rd, "%s %u: doc %u of %u", what, k, it.current_value, nd);
            return;
        }
}

static void cc_check_doc(cc_reader *rd, const seg_col *cs, const seg_col *cl,
                         const seg_col *cmv, const seg_col *cn, const seg_col *cm, uint32_t d)
{
    seg_value v;
    char want[16];
    int wl = snprintf(want, sizeof want, "v%u", d % 1000);
    seg_col_value(cs, d, &v);
    if (v.s.len != (uint32_t)wl || memcmp(v.s.p, want, (size_t)wl) != 0)
        RFAIL(rd, "doc %u: s has %.*s", d, (int)v.s.len, v.s.p);
    seg_col_value(cl, d, &v);
    if (v.i != (int64_t)d * 3)
        RFAIL(rd, "doc %u: l = %lld", d, (long long)v.i);
    uint32_t ids[8];
    uint32_t n = cmv->ops->read_mv(cmv, d, ids, 8);
    int64_t wmv[3] = {d % 7, d % 7, 100 + d % 13};
    if (n != 3) {
        RFAIL(rd, "doc %u: %u mv values", d, n);
    } else {
        for (int k = 0; k < 3; k++) {
            cmv->ops->dict_get(cmv, ids[k], &v);
            if (v.i != wmv[k])
                RFAIL(rd, "doc %u: mv[%d] = %lld", d, k, (long long)v.i);
        }
    }
    seg_col_value(cn, d, &v);
    if (v.i != (d % 11 == 0 ? INT32_MIN : (int64_t)(d % 50)))
        RFAIL(rd, "doc %u: n = %lld", d, (long long)v.i);
    double m = -1;
    cm->ops->read_raw(cm, d, 1, &m);
    if (m != d * 0.5)
        RFAIL(rd, "doc %u: m = %g", d, m);
}

static void *cc_read(void *arg)
{
    cc_reader *rd = arg;
    cc_shared *sh = rd->sh;
    const seg_schema *s = sh->schema;
    uint64_t r = rd->seed;
    uint32_t from = 0, last_nd = 0;
    uint32_t *ids = malloc(4096 * 4);
    for (;;) {
        bool fin = atomic_load_explicit(&sh->done, memory_order_acquire);
        uint32_t nd = seg_segment_ndocs(sh->seg);
        if (nd < last_nd)
            RFAIL(rd, "ndocs went back from %u to %u", last_nd, nd);
        last_nd = nd;
        seg_col cs, cl, cmv, cn, cm;
        char err[TN_ERRLEN];
        if (seg_column_open(sh->seg, nd, &s->fields[0], &cs, err) ||
            seg_column_open(sh->seg, nd, &s->fields[1], &cl, err) ||
            seg_column_open(sh->seg, nd, &s->fields[2], &cmv, err) ||
            seg_column_open(sh->seg, nd, &s->fields[3], &cn, err) ||
            seg_column_open(sh->seg, nd, &s->fields[4], &cm, err)) {
            RFAIL(rd, "open: %.200s", err);
            break;
        }
        if (cs.cardinality < TN_MIN(nd, 1000u) || cs.cardinality > 1000)
            RFAIL(rd, "s has %u values at %u docs", cs.cardinality, nd);
        /* every new doc, in batches, then random older ones */
        for (uint32_t d = from; d < nd;) {
            uint32_t k = TN_MIN(nd - d, 4096u);
            cs.ops->read_ids(&cs, d, k, ids);
            for (uint32_t i = 0; i < k; i++) {
                seg_value v;
                cs.ops->dict_get(&cs, ids[i], &v);
                char want[16];
                int wl = snprintf(want, sizeof want, "v%u", (d + i) % 1000);
                if (v.s.len != (uint32_t)wl || memcmp(v.s.p, want, (size_t)wl) != 0)
                    RFAIL(rd, "batch doc %u: s has %.*s", d + i, (int)v.s.len, v.s.p);
            }
            for (uint32_t i = 0; i < k; i++)
                cc_check_doc(rd, &cs, &cl, &cmv, &cn, &cm, d + i);
            rd->verified += k;
            d += k;
        }
        for (int i = 0; nd && i < 64; i++)
            cc_check_doc(rd, &cs, &cl, &cmv, &cn, &cm, rnd(&r, nd));
        from = nd;
        /* bitmaps hold exactly the visible docs with the value */
        for (int i = 0; i < 4; i++) {
            uint32_t k = rnd(&r, 1000);
            char key[16];
            int kl = snprintf(key, sizeof key, "v%u", k);
            int64_t id = cs.ops->dict_find(&cs, vs(key, (uint32_t)kl));
            const roaring_bitmap_t *bm = id >= 0 ? cs.ops->bitmap(&cs, (uint32_t)id) : NULL;
            cc_check_bitmap(rd, bm, nd, 1000, k, "s bitmap");
            seg_bitmap_free(bm);
            uint32_t j = rnd(&r, 13);
            id = cmv.ops->dict_find(&cmv, vi(100 + j));
            bm = id >= 0 ? cmv.ops->bitmap(&cmv, (uint32_t)id) : NULL;
            cc_check_bitmap(rd, bm, nd, 13, j, "mv bitmap");
            seg_bitmap_free(bm);
        }
        if (nd && (rd->iters % 8 == 0 || fin)) {
            uint32_t d = rnd(&r, nd);
            int64_t id = cl.ops->dict_find(&cl, vi((int64_t)d * 3));
            const roaring_bitmap_t *bm = id >= 0 ? cl.ops->bitmap(&cl, (uint32_t)id) : NULL;
            if (!bm || roaring_bitmap_get_cardinality(bm) != 1 || !roaring_bitmap_contains(bm, d))
                RFAIL(rd, "l bitmap of doc %u", d);
            seg_bitmap_free(bm);
            bm = cn.ops->nulls(&cn);
            cc_check_bitmap(rd, bm, nd, 11, 0, "nulls");
            seg_bitmap_free(bm);
        }
        rd->iters++;
        if (nd > 0 && nd < CC_ROWS)
            atomic_fetch_add_explicit(&rd->partial, 1, memory_order_release);
        if (fin || rd->errors)
            break;
    }
    if (!rd->errors && last_nd != CC_ROWS)
        RFAIL(rd, "last view had %u docs", last_nd);
    free(ids);
    return NULL;
}

START_TEST(concurrent_readers)
{
    seg_schema *s = parse_schema(CC_SCHEMA);
    const char *raw[] = {"m"};
    const char *order[] = {"s", "l", "mv", "n", "m"}; /* as the threads index */
    for (uint32_t i = 0; i < 5; i++)
        ck_assert_int_eq(col_of(s, order[i]), i);
    seg_mutable *m = mk_mutable(s, raw, 1, NULL, 0);
    cc_shared sh = {.seg = seg_mutable_base(m), .schema = s};
    atomic_init(&sh.done, false);
    cc_reader rd[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&rd[i], 0, sizeof rd[i]);
        atomic_init(&rd[i].partial, 0);
        atomic_init(&rd[i].errors, 0);
        rd[i].sh = &sh;
        rd[i].seed = 1000 + (uint64_t)i;
        REQ_I(pthread_create(&th[i], NULL, cc_read, &rd[i]), 0);
    }
    seg_row row;
    seg_row_init(&row, s);
    char err[TN_ERRLEN] = "";
    for (uint32_t d = 0; d < CC_ROWS; d++) {
        char str[16];
        int sl = snprintf(str, sizeof str, "v%u", d % 1000);
        seg_row_reset(&row);
        seg_row_set(&row, 0, vs(str, (uint32_t)sl));
        seg_row_set(&row, 1, vi((int64_t)d * 3));
        seg_value mv[3] = {vi(d % 7), vi(d % 7), vi(100 + d % 13)};
        seg_row_set_mv(&row, 2, mv, 3);
        if (d % 11)
            seg_row_set(&row, 3, vi(d % 50));
        seg_row_set(&row, 4, vd(d * 0.5));
        int rc = seg_mutable_append(m, &row, d, err);
        if (rc != TN_OK)
            ck_abort_msg("append %u: %s", d, err);
        if (d % 4096 == 0)
            sched_yield();
        if (d + 1 == 20000 || d + 1 == 100000 || d + 1 == 180000) {
            /* checkpoints: every reader verifies a view of a segment that is
             * still growing, however the threads happen to be scheduled */
            uint64_t t0 = tn_mono_ns();
            for (int i = 0; i < 2; i++) {
                unsigned seen = atomic_load_explicit(&rd[i].partial, memory_order_acquire);
                while (atomic_load_explicit(&rd[i].partial, memory_order_acquire) < seen + 2 &&
                       rd[i].errors == 0 && tn_mono_ns() - t0 < 20000000000ull)
                    sched_yield();
            }
        }
    }
    atomic_store_explicit(&sh.done, true, memory_order_release);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        ck_assert_msg(atomic_load(&rd[i].errors) == 0, "reader %d: %u errors, first: %s", i,
                      atomic_load(&rd[i].errors), rd[i].msg);
        ck_assert_uint_ge(rd[i].verified, CC_ROWS);
        ck_assert_uint_ge(atomic_load(&rd[i].partial), 6);
    }
    seg_row_free(&row);
    seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
}
END_TEST

/* ---- 7. blobs: alignment, corruption, checksums ---------------------------------------------------- */

typedef struct blobset {
    uint32_t n;
    uint8_t **mem;   /* allocations */
    seg_blob *b;
    int *released;
} blobset;

static void blobset_release(void *owner)
{
    blobset *bs = owner;
    for (uint32_t i = 0; i < bs->n; i++)
        free(bs->mem[i]);
    (*bs->released)++;
    free(bs->mem);
    free(bs->b);
    free(bs);
}

/* Copies the image's blobs; misalign puts each at an odd address. */
static blobset *blobs_copy(const seg_image *img, bool misalign, int *released)
{
    blobset *bs = calloc(1, sizeof *bs);
    bs->n = img->ncols;
    bs->mem = calloc(img->ncols, sizeof *bs->mem);
    bs->b = calloc(img->ncols, sizeof *bs->b);
    bs->released = released;
    for (uint32_t i = 0; i < img->ncols; i++) {
        REQ_I(posix_memalign((void **)&bs->mem[i], 64, img->cols[i].len + 64), 0);
        uint8_t *p = bs->mem[i] + (misalign ? 1 + i % 7 : 0);
        memcpy(p, img->cols[i].data, img->cols[i].len);
        bs->b[i] = (seg_blob){p, img->cols[i].len};
    }
    return bs;
}

START_TEST(misaligned_blobs)
{
    rt t;
    rt_init(&t, 800, 606);
    seg_image *img = NULL;
    char err[TN_ERRLEN] = "";
    seg_seal_opts o = {.sorted_column = "s_lo", .range_columns = (const char *[]){"l_hi"},
                       .n_range = 1};
    ck_assert_int_eq(seg_seal(seg_mutable_base(t.m), 800, &o, &img, err), TN_OK);
    uint32_t *perm = stable_perm(&t.tm.cols[col_of(t.schema, "s_lo")], NULL, 800);
    for (int mis = 0; mis < 2; mis++) {
        int released = 0;
        blobset *bs = blobs_copy(img, mis, &released);
        seg_segment *seg = NULL;
        int rc = seg_immutable_open(&img->meta, img->schema, bs->b, blobset_release, bs,
                                    &seg, err);
        ck_assert_msg(rc == TN_OK, "open: %s", err);
        /* scribbling over the source blobs must not matter when copied */
        if (mis)
            for (uint32_t i = 0; i < bs->n; i++)
                memset((void *)bs->b[i].data, 0xa5, bs->b[i].len);
        verify_segment(seg, &t.tm, perm, 800, true, mis ? "misaligned" : "aligned");
        seg_col c;
        open_col(seg, 800, &t.schema->fields[col_of(t.schema, "l_hi")], &c);
        ck_assert(c.has_range);
        uint64_t r = 1;
        check_ranges(&c, &t.tm.cols[col_of(t.schema, "l_hi")], perm, 800, &r, 50);
        if (mis)
            ck_assert_int_eq(seg_immutable_verify(seg, err), TN_OK);
        ck_assert_int_eq(released, 0);
        seg_segment_release(seg);
        ck_assert_int_eq(released, 1);
    }
    /* a NULL blob: the segment lacks that column, which opens as default */
    int released = 0;
    blobset *bs = blobs_copy(img, false, &released);
    uint32_t ci = col_of(t.schema, "s_hi");
    seg_blob keep = bs->b[ci];
    bs->b[ci].data = NULL;
    seg_segment *seg = NULL;
    ck_assert_int_eq(seg_immutable_open(&img->meta, img->schema, bs->b, blobset_release, bs,
                                        &seg, err), TN_OK);
    bs->b[ci] = keep;
    check_default_col(seg, &t.schema->fields[ci], 800, vcstr("null"), "missing blob");
    seg_segment_release(seg);
    ck_assert_int_eq(released, 1);
    free(perm);
    seg_image_free(img);
    rt_free(&t);
}
END_TEST

enum {
    K_MAGIC, K_VERSION, K_TYPE, K_TYPE_BAD, K_ROARING, K_NDOCS, K_TRUNC, K_SHORT,
    K_BODY_SHRUNK, K_SECT_OFF, K_SECT_LEN, K_SECT_MISALIGNED, K_DICT_OFFS_ORDER,
    K_DICT_OFFS_END, K_NBITS0, K_NBITS33, K_MV_OFFS_END, K_MV_OFFS_ORDER, K_DOC_STARTS,
    K_CARD, K_TOTAL, K_COUNT
};

/* Applies corruption k to column blob (a writable copy); returns the
 * column it must hit. */
static const char *corrupt(int k, blobset *bs, const seg_schema *s)
{
    const char *name = k == K_MV_OFFS_END || k == K_MV_OFFS_ORDER ? "mv_s"
                     : k == K_DOC_STARTS                          ? "s_lo"
                     : k == K_TOTAL                               ? "mv_l"
                                                                  : "s_hi";
    uint32_t ci = col_of(s, name);
    uint8_t *p = (uint8_t *)bs->b[ci].data;
    seg_colhdr *h = (seg_colhdr *)p;
    uint32_t *o;
    switch (k) {
    case K_MAGIC: h->magic ^= 1; break;
    case K_VERSION: h->version = 99; break;
    case K_TYPE: h->type = SEG_LONG; break;
    case K_TYPE_BAD: h->type = 200; break;
    case K_ROARING: h->roaring_version += 1; break;
    case K_NDOCS: h->ndocs += 1; break;
    case K_TRUNC: bs->b[ci].len -= 32; break;
    case K_SHORT: bs->b[ci].len = sizeof(seg_colhdr) - 8; break;
    case K_BODY_SHRUNK: /* a consistent-looking but truncated blob */
        h->body_len /= 2;
        h->body_len &= ~(uint64_t)31;
        bs->b[ci].len = sizeof(seg_colhdr) + h->body_len;
        break;
    case K_SECT_OFF: h->fwd.off = bs->b[ci].len + 64; break;
    case K_SECT_LEN: h->dict.len = UINT64_MAX - 16; break;
    case K_SECT_MISALIGNED: h->dict_offs.off += 2; break;
    case K_DICT_OFFS_ORDER:
        o = (uint32_t *)(p + h->dict_offs.off);
        ck_assert_uint_ge(h->cardinality, 3);
        o[1] = o[2] + 1;
        break;
    case K_DICT_OFFS_END:
        o = (uint32_t *)(p + h->dict_offs.off);
        o[h->cardinality] = (uint32_t)h->dict.len + 1;
        break;
    case K_NBITS0: h->nbits = 0; break;
    case K_NBITS33: h->nbits = 33; break;
    case K_MV_OFFS_END:
        o = (uint32_t *)(p + h->mv_offs.off);
        o[h->ndocs] += 1;
        break;
    case K_MV_OFFS_ORDER:
        o = (uint32_t *)(p + h->mv_offs.off);
        o[5] = o[6] + 1;
        break;
    case K_DOC_STARTS:
        REQ_T(h->flags & SEG_CF_DOCS_SORTED);
        o = (uint32_t *)(p + h->doc_starts.off);
        o[h->cardinality] = h->ndocs + 1;
        break;
    case K_CARD: h->cardinality += 1000; break;
    case K_TOTAL: h->total_entries += 1000; break;
    }
    return name;
}

START_TEST(corrupt_headers)
{
    rt t;
    rt_init(&t, 400, 7);
    seg_image *img = NULL;
    char err[TN_ERRLEN] = "";
    seg_seal_opts o = {.sorted_column = "s_lo", .name = "corrupt_me"};
    ck_assert_int_eq(seg_seal(seg_mutable_base(t.m), 400, &o, &img, err), TN_OK);
    for (int k = 0; k < K_COUNT; k++) {
        int released = 0;
        blobset *bs = blobs_copy(img, false, &released);
        const char *name = corrupt(k, bs, t.schema);
        seg_segment *seg = NULL;
        err[0] = 0;
        int rc = seg_immutable_open(&img->meta, img->schema, bs->b, blobset_release, bs,
                                    &seg, err);
        ck_assert_msg(rc == TN_ECORRUPT, "case %d: rc %d (%s)", k, rc, err);
        ck_assert_ptr_null(seg);
        ck_assert_msg(strstr(err, name), "case %d: message '%s' does not name %s", k, err,
                      name);
        ck_assert_int_eq(released, 0); /* on failure the caller keeps its storage */
        blobset_release(bs);
    }
    /* the same blobs uncorrupted open fine */
    int released = 0;
    blobset *bs = blobs_copy(img, false, &released);
    seg_segment *seg = NULL;
    ck_assert_int_eq(seg_immutable_open(&img->meta, img->schema, bs->b, blobset_release, bs,
                                        &seg, err), TN_OK);
    seg_segment_release(seg);
    ck_assert_int_eq(released, 1);
    seg_image_free(img);
    rt_free(&t);
}
END_TEST

START_TEST(verify_checksums)
{
    rt t;
    rt_init(&t, 500, 8);
    seg_image *img = NULL;
    char err[TN_ERRLEN] = "";
    ck_assert_int_eq(seg_seal(seg_mutable_base(t.m), 500, NULL, &img, err), TN_OK);
    ck_assert_int_eq(seg_immutable_verify(seg_mutable_base(t.m), err), TN_EINVAL);
    const char *cols[] = {"l_hi", "s_hi", "mv_s", "m_raw_d", "i_lo"};
    for (size_t k = 0; k < TN_ARRAY_LEN(cols); k++) {
        uint32_t ci = col_of(t.schema, cols[k]);
        size_t body = img->cols[ci].len - sizeof(seg_colhdr);
        size_t where[] = {0, body / 2, body - 1};
        for (int w = 0; w < 3; w++) {
            int released = 0;
            blobset *bs = blobs_copy(img, false, &released);
            seg_segment *seg = NULL;
            ck_assert_int_eq(seg_immutable_open(&img->meta, img->schema, bs->b,
                                                blobset_release, bs, &seg, err), TN_OK);
            ck_assert_int_eq(seg_immutable_verify(seg, err), TN_OK);
            ((uint8_t *)bs->b[ci].data)[sizeof(seg_colhdr) + where[w]] ^= 0x10;
            err[0] = 0;
            ck_assert_int_eq(seg_immutable_verify(seg, err), TN_ECORRUPT);
            ck_assert_msg(strstr(err, cols[k]), "message '%s' does not name %s", err, cols[k]);
            seg_segment_release(seg);
        }
    }
    /* through seg_image_open too */
    uint32_t ci = col_of(t.schema, "l_hi");
    img->cols[ci].data[sizeof(seg_colhdr) + 3] ^= 1;
    seg_segment *seg = NULL;
    ck_assert_int_eq(seg_image_open(img, &seg, err), TN_OK);
    ck_assert_int_eq(seg_immutable_verify(seg, err), TN_ECORRUPT);
    ck_assert_msg(strstr(err, "l_hi") && strstr(err, MUT_NAME), "message '%s'", err);
    seg_segment_release(seg);
    rt_free(&t);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("segment");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mutable_all_types);
    tcase_add_test(tc, mutable_errors);
    tcase_add_test(tc, mutable_inverted_option);
    tcase_add_test(tc, bit_widths);
    tcase_add_test(tc, seal_round_trip);
    tcase_add_test(tc, seal_sorted);
    tcase_add_test(tc, seal_prefix);
    tcase_add_test(tc, inverted_options);
    tcase_add_test(tc, range_index);
    tcase_add_test(tc, range_index_long_mv);
    tcase_add_test(tc, id_range);
    tcase_add_test(tc, schema_evolution);
    tcase_add_test(tc, empty_segment);
    tcase_add_test(tc, one_row);
    tcase_add_test(tc, all_null_columns);
    tcase_add_test(tc, long_and_binary_strings);
    tcase_add_test(tc, float_canonical);
    tcase_add_test(tc, nan_and_zero_doubles);
    tcase_add_test(tc, concurrent_readers);
    tcase_add_test(tc, misaligned_blobs);
    tcase_add_test(tc, corrupt_headers);
    tcase_add_test(tc, verify_checksums);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
