/*
 * tn_hist.c: the load-test tools' log-linear latency histogram (tn_hist.h).
 *
 * Bucket index of v: below 2 * SUB the value itself; above, with e the
 * position of v's top bit and shift = e - SUB_BITS, the index is
 * shift * SUB + (v >> shift), which keeps the top SUB_BITS + 1 bits of v.
 * Consecutive powers of two thus map to consecutive runs of SUB indexes and
 * a bucket is never wider than 1/SUB of its lower bound.
 */
#include "tn_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tn_common.h"

#define SUB_BITS 7
#define SUB (1u << SUB_BITS)

static uint32_t bucket_of(uint64_t v)
{
    if (v < 2 * SUB)
        return (uint32_t)v;
    uint32_t shift = (uint32_t)(63 - __builtin_clzll(v)) - SUB_BITS;
    return shift * SUB + (uint32_t)(v >> shift);
}

/* The bucket's lowest value and width. */
static void bucket_range(uint32_t idx, uint64_t *lo, uint64_t *width)
{
    if (idx < 2 * SUB) {
        *lo = idx;
        *width = 1;
        return;
    }
    uint32_t shift = idx / SUB - 1;
    *lo = (uint64_t)(idx - shift * SUB) << shift;
    *width = (uint64_t)1 << shift;
}

void tn_hist_init(tn_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

void tn_hist_free(tn_hist *h)
{
    free(h->counts);
    tn_hist_init(h);
}

void tn_hist_reset(tn_hist *h)
{
    if (h->counts)
        memset(h->counts, 0, h->nbuckets * sizeof *h->counts);
    h->total = 0;
    h->min = UINT64_MAX;
    h->max = 0;
    h->sum = 0;
}

/* Grows the bucket array to hold index idx, doubling to amortise. */
static void ensure(tn_hist *h, uint32_t idx)
{
    if (idx < h->nbuckets)
        return;
    uint32_t n = h->nbuckets ? h->nbuckets : 4 * SUB;
    while (n <= idx)
        n *= 2;
    h->counts = tn_realloc(h->counts, n * sizeof *h->counts);
    memset(h->counts + h->nbuckets, 0, (n - h->nbuckets) * sizeof *h->counts);
    h->nbuckets = n;
}

void tn_hist_record(tn_hist *h, uint64_t v)
{
    if (v > TN_HIST_MAX_VALUE)
        v = TN_HIST_MAX_VALUE;
    uint32_t idx = bucket_of(v);
    ensure(h, idx);
    h->counts[idx]++;
    h->total++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void tn_hist_merge(tn_hist *dst, const tn_hist *src)
{
    if (!src->total)
        return;
    ensure(dst, src->nbuckets - 1);
    for (uint32_t i = 0; i < src->nbuckets; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    dst->min = TN_MIN(dst->min, src->min);
    dst->max = TN_MAX(dst->max, src->max);
}

uint64_t tn_hist_percentile(const tn_hist *h, double p)
{
    if (!h->total)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < h->nbuckets; i++) {
        seen += h->counts[i];
        if (seen < rank)
            continue;
        uint64_t lo, width;
        bucket_range(i, &lo, &width);
        uint64_t mid = lo + width / 2;
        /* the true value lies in the bucket and within [min, max] */
        return TN_MAX(h->min, TN_MIN(h->max, mid));
    }
    return h->max;
}

double tn_hist_mean(const tn_hist *h) { return h->total ? h->sum / (double)h->total : 0; }

void tn_hist_add_json(const tn_hist *h, cJSON *obj, double div)
{
    static const struct {
        const char *name;
        double p;
    } pts[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99_9", 99.9}, {"max", 100}};
    cJSON_AddNumberToObject(obj, "count", (double)h->total);
    cJSON_AddNumberToObject(obj, "min", h->total ? (double)h->min / div : 0);
    cJSON_AddNumberToObject(obj, "mean", tn_hist_mean(h) / div);
    for (size_t i = 0; i < TN_ARRAY_LEN(pts); i++)
        cJSON_AddNumberToObject(obj, pts[i].name, (double)tn_hist_percentile(h, pts[i].p) / div);
}
