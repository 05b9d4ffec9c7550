/*
 * qry_tdigest.c: the merging t-digest (see qry_tdigest.h for the idea);
 * written from the paper's description of the merge pass (Algorithm 1)
 * and of interpolation between centroids.
 */
#include "qry_tdigest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qry_agg_int.h"

/* The buffer grows to this many values per unit of compression before a
 * merge: larger buffers merge less often but cost memory in every group. */
#define BUFFER_FACTOR 5
#define BUFFER_START 16

void qry_tdigest_init(qry_tdigest *t, double compression)
{
    memset(t, 0, sizeof *t);
    t->compression = compression;
    t->min = INFINITY;
    t->max = -INFINITY;
}

void qry_tdigest_free(qry_tdigest *t)
{
    free(t->c);
    free(t->buf);
    free(t->raw);
    t->c = t->buf = NULL;
    t->raw = NULL;
    t->n = t->nbuf = t->bufcap = t->nraw = t->rawcap = 0;
    t->weight = t->buf_weight = 0;
}

double qry_tdigest_count(const qry_tdigest *t) { return t->weight + t->buf_weight; }

static inline double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- the merge pass -------------------------------------------------------------------- */

/* k1 and its inverse; q outside [0, 1] (rounding) clamps to the ends. */
static double k_of_q(double q, double d)
{
    if (q <= 0)
        return -d / 4;
    if (q >= 1)
        return d / 4;
    return d / (2 * M_PI) * asin(2 * q - 1);
}

static double q_of_k(double k, double d)
{
    if (k >= d / 4)
        return 1;
    return (sin(k * 2 * M_PI / d) + 1) / 2;
}

/* Sorts by mean. A quicksort written out here rather than qsort: the
 * buffer is sorted on every merge, and qsort's call per comparison was
 * half the cost of adding a value. Means are never NaN (add skips it). */
static void sort_by_mean(qry_centroid *a, size_t n)
{
    while (n > 16) {
        qry_centroid *m = &a[n / 2], *z = &a[n - 1], t;
        double p = a[0].mean, q = m->mean, r = z->mean;
        double pivot = p < q ? (q < r ? q : p < r ? r : p) : (p < r ? p : q < r ? r : q);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i].mean < pivot)
                i++;
            while (a[j].mean > pivot)
                j--;
            if (i >= j)
                break;
            t = a[i], a[i] = a[j], a[j] = t;
            i++, j--;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse into the smaller part. */
        if (j + 1 < n - j - 1) {
            sort_by_mean(a, j + 1);
            a += j + 1, n -= j + 1;
        } else {
            sort_by_mean(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        qry_centroid x = a[i];
        size_t k = i;
        for (; k > 0 && a[k - 1].mean > x.mean; k--)
            a[k] = a[k - 1];
        a[k] = x;
    }
}

/* Sorts doubles (never NaN) by their bits: a sign-flipped key orders as
 * the values do, and an LSD radix sort by 8-bit digits covers only the
 * bits that differ between keys (integers held as doubles leave the low
 * mantissa bits zero and share the sign and most of the exponent). On
 * random values this is several times faster than a comparison sort, whose
 * branches the data decides. tmp has room for 2n keys. */
static void sort_doubles(double *a, uint32_t n, uint64_t *tmp)
{
    if (n < 48) {
        for (uint32_t i = 1; i < n; i++) {
            double x = a[i];
            uint32_t k = i;
            for (; k > 0 && a[k - 1] > x; k--)
                a[k] = a[k - 1];
            a[k] = x;
        }
        return;
    }
    static const uint64_t sign = 1ull << 63;
    uint64_t *src = tmp, *dst = tmp + n, all_or = 0, all_and = ~0ull;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &a[i], 8);
        u = (u & sign) ? ~u : u | sign;
        src[i] = u;
        all_or |= u;
        all_and &= u;
    }
    uint64_t diff = all_or ^ all_and;
    if (diff) {
        int lo = __builtin_ctzll(diff), hi = 63 - __builtin_clzll(diff);
        for (int shift = lo; shift <= hi; shift += 8) {
            uint32_t cnt[256] = {0};
            for (uint32_t i = 0; i < n; i++)
                cnt[(src[i] >> shift) & 0xff]++;
            uint32_t sum = 0;
            for (int d = 0; d < 256; d++) {
                uint32_t k = cnt[d];
                cnt[d] = sum;
                sum += k;
            }
            for (uint32_t i = 0; i < n; i++)
                dst[cnt[(src[i] >> shift) & 0xff]++] = src[i];
            uint64_t *t = src;
            src = dst;
            dst = t;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t u = src[i];
        u = (u & sign) ? u & ~sign : ~u;
        memcpy(&a[i], &u, 8);
    }
}

/* Joins y into x (weighted mean). Equal means stay exact, and two infinite
 * means of one sign do not make inf - inf. */
static inline void join(qry_centroid *x, const qry_centroid *y)
{
    double w = x->weight + y->weight;
    if (y->mean != x->mean)
        x->mean += (y->mean - x->mean) * (y->weight / w);
    x->weight = w;
}

/* The sorted inputs of a merge: centroids a, weighted points b, and
 * weight-1 values v, taken in order of mean (a first on ties, then b). */
typedef struct merge_src {
    const qry_centroid *a, *b;
    const double *v;
    uint32_t na, nb, nv, i, j, k;
} merge_src;

static inline qry_centroid next_point(merge_src *s)
{
    bool ha = s->i < s->na, hb = s->j < s->nb, hv = s->k < s->nv;
    if (ha && (!hb || s->a[s->i].mean <= s->b[s->j].mean) &&
        (!hv || s->a[s->i].mean <= s->v[s->k]))
        return s->a[s->i++];
    if (hb && (!hv || s->b[s->j].mean <= s->v[s->k]))
        return s->b[s->j++];
    return (qry_centroid){s->v[s->k++], 1};
}

/* Algorithm 1: walks the points in order and closes a centroid when adding
 * the next point would take it past one unit of k from where it began. */
static uint32_t merge_pass(merge_src *s, double total, double d, qry_centroid *out)
{
    uint32_t k = 0, left = s->na + s->nb + s->nv - 1;
    qry_centroid cur = next_point(s);
    double q0 = 0, qlimit = q_of_k(k_of_q(0, d) + 1, d);
    for (; left > 0; left--) {
        qry_centroid x = next_point(s);
        double q = q0 + (cur.weight + x.weight) / total;
        if (q <= qlimit) {
            join(&cur, &x);
            continue;
        }
        out[k++] = cur;
        q0 += cur.weight / total;
        qlimit = q_of_k(k_of_q(q0, d) + 1, d);
        cur = x;
    }
    out[k++] = cur;
    return k;
}

void qry_tdigest_compress(qry_tdigest *t)
{
    if (t->nbuf == 0 && t->nraw == 0)
        return;
    sort_by_mean(t->buf, t->nbuf);
    size_t npts = (size_t)t->n + t->nbuf + t->nraw;
    qry_centroid *out = tn_malloc(npts * sizeof *out);
    /* out is free until the merge writes it: scratch for the radix sort
     * (2 keys of 8 bytes fit in each 16-byte centroid) */
    sort_doubles(t->raw, t->nraw, (uint64_t *)out);
    double total = t->weight + t->buf_weight;
    merge_src src = {t->c, t->buf, t->raw, t->n, t->nbuf, t->nraw, 0, 0, 0};
    uint32_t n = merge_pass(&src, total, t->compression, out);
    free(t->c);
    /* Keep only what the centroids need: digests live in every group. */
    t->c = tn_realloc(out, (size_t)n * sizeof *out);
    t->n = n;
    t->weight = total;
    t->nbuf = t->nraw = 0;
    t->buf_weight = 0;
}

void qry_tdigest_add(qry_tdigest *t, double x, double w)
{
    if (x != x || !(w > 0))
        return;
    if (x < t->min)
        t->min = x;
    if (x > t->max)
        t->max = x;
    uint32_t most = (uint32_t)(BUFFER_FACTOR * t->compression) + BUFFER_START;
    if (t->nbuf + t->nraw >= most)
        qry_tdigest_compress(t);
    if (w == 1) {
        if (t->nraw == t->rawcap) {
            t->rawcap = t->rawcap ? TN_MIN(t->rawcap * 2, most) : BUFFER_START;
            t->raw = tn_realloc(t->raw, (size_t)t->rawcap * sizeof *t->raw);
        }
        t->raw[t->nraw++] = x;
    } else {
        if (t->nbuf == t->bufcap) {
            t->bufcap = t->bufcap ? TN_MIN(t->bufcap * 2, most) : BUFFER_START;
            t->buf = tn_realloc(t->buf, (size_t)t->bufcap * sizeof *t->buf);
        }
        t->buf[t->nbuf++] = (qry_centroid){x, w};
    }
    t->buf_weight += w;
}

void qry_tdigest_merge(qry_tdigest *dst, const qry_tdigest *src)
{
    for (uint32_t i = 0; i < src->n; i++)
        qry_tdigest_add(dst, src->c[i].mean, src->c[i].weight);
    for (uint32_t i = 0; i < src->nbuf; i++)
        qry_tdigest_add(dst, src->buf[i].mean, src->buf[i].weight);
    for (uint32_t i = 0; i < src->nraw; i++)
        qry_tdigest_add(dst, src->raw[i], 1);
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

/* ---- quantiles --------------------------------------------------------------------------- */

/* Quantiles read a compressed digest; a const one with buffered values is
 * compressed as a copy, which the caller frees. */
static const qry_tdigest *compressed(const qry_tdigest *t, qry_tdigest *tmp)
{
    if (t->nbuf == 0 && t->nraw == 0)
        return t;
    *tmp = *t;
    tmp->c = tn_malloc(((size_t)t->n + 1) * sizeof *tmp->c);
    tmp->buf = tn_malloc(((size_t)t->nbuf + 1) * sizeof *tmp->buf);
    tmp->raw = tn_malloc(((size_t)t->nraw + 1) * sizeof *tmp->raw);
    if (t->n)
        memcpy(tmp->c, t->c, (size_t)t->n * sizeof *tmp->c);
    if (t->nbuf)
        memcpy(tmp->buf, t->buf, (size_t)t->nbuf * sizeof *tmp->buf);
    if (t->nraw)
        memcpy(tmp->raw, t->raw, (size_t)t->nraw * sizeof *tmp->raw);
    tmp->bufcap = t->nbuf;
    tmp->rawcap = t->nraw;
    qry_tdigest_compress(tmp);
    return tmp;
}

/* Centroid i covers ranks [W_i, W_i + w_i) with its mean at the middle;
 * between middles the value is interpolated, except that a weight-1
 * centroid is one value and covers its whole unit exactly. The first and
 * last ranks are min and max. */
static double interpolate(const qry_tdigest *t, double index)
{
    const qry_centroid *c = t->c;
    uint32_t n = t->n;
    double total = t->weight;
    if (index < 1)
        return t->min;
    if (index >= total - 1)
        return t->max;
    if (c[0].weight > 2 && index < c[0].weight / 2)
        return t->min + (index - 1) / (c[0].weight / 2 - 1) * (c[0].mean - t->min);
    double so_far = c[0].weight / 2;
    for (uint32_t i = 0; i + 1 < n; i++) {
        double dw = (c[i].weight + c[i + 1].weight) / 2;
        if (so_far + dw > index) {
            double left = 0, right = 0;
            if (c[i].weight == 1) {
                if (index - so_far < 0.5)
                    return c[i].mean;
                left = 0.5;
            }
            if (c[i + 1].weight == 1) {
                if (so_far + dw - index <= 0.5)
                    return c[i + 1].mean;
                right = 0.5;
            }
            double z1 = index - so_far - left, z2 = so_far + dw - index - right;
            return (c[i].mean * z2 + c[i + 1].mean * z1) / (z1 + z2);
        }
        so_far += dw;
    }
    /* Past the last middle: toward max, reached at rank total - 1. */
    double lw = c[n - 1].weight;
    if (lw <= 2)
        return t->max;
    double from = total - lw / 2;
    return c[n - 1].mean + (index - from) / (lw / 2 - 1) * (t->max - c[n - 1].mean);
}

double qry_tdigest_quantile(const qry_tdigest *t, double q)
{
    qry_tdigest tmp;
    const qry_tdigest *d = compressed(t, &tmp);
    double v = NAN;
    if (d->n > 0)
        v = clamp(interpolate(d, clamp(q, 0, 1) * d->weight), d->min, d->max);
    if (d == &tmp)
        qry_tdigest_free(&tmp);
    return v;
}

/* ---- byte form --------------------------------------------------------------------------- */

void qry_tdigest_serialize(const qry_tdigest *t, tn_buf *out)
{
    uint32_t count = t->n + t->nbuf + t->nraw;
    qry_put_u32(out, count);
    if (count == 0)
        return;
    qry_put_f64(out, t->min);
    qry_put_f64(out, t->max);
    for (uint32_t i = 0; i < t->n; i++) {
        qry_put_f64(out, t->c[i].mean);
        qry_put_f64(out, t->c[i].weight);
    }
    for (uint32_t i = 0; i < t->nbuf; i++) {
        qry_put_f64(out, t->buf[i].mean);
        qry_put_f64(out, t->buf[i].weight);
    }
    for (uint32_t i = 0; i < t->nraw; i++) {
        qry_put_f64(out, t->raw[i]);
        qry_put_f64(out, 1);
    }
}

int64_t qry_tdigest_deserialize(qry_tdigest *t, const uint8_t *p, size_t len)
{
    qry_rd r = qry_rd_make(p, len);
    uint32_t count = qry_rd_u32(&r);
    if (r.bad)
        return -1;
    if (count == 0)
        return qry_rd_done(&r);
    double min = qry_rd_f64(&r), max = qry_rd_f64(&r);
    if (r.bad || count > qry_rd_left(&r) / 16 || !(min <= max))
        return -1;
    double total = qry_tdigest_count(t);
    for (uint32_t i = 0; i < count; i++) {
        double mean = qry_rd_f64(&r), w = qry_rd_f64(&r);
        /* Weights are counts: positive, finite, and all together still
         * exact in a double. */
        total += w;
        if (!(w > 0) || !(total <= 9007199254740992.0) || mean != mean)
            return -1;
        /* A mean may sit an ulp outside [min, max] from rounding: keep it in. */
        qry_tdigest_add(t, clamp(mean, min, max), w);
    }
    if (min < t->min)
        t->min = min;
    if (max > t->max)
        t->max = max;
    return qry_rd_done(&r);
}
