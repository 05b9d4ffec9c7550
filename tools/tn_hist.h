/*
 * tn_hist.h: an HDR-style latency histogram for the load-test tools
 * (bench queries, bench ingest's freshness probe). Log-linear buckets:
 * values below 256 are exact, above that every power of two is split into
 * 128 buckets, so a reported percentile is within 0.4 % of the true value
 * (the bucket's midpoint; min and max are kept exactly). Units are the
 * caller's; the tools record microseconds (1 us .. hours).
 *
 * One histogram per thread, merged at the end: recording takes no lock.
 * The bucket array grows on demand up to the largest value seen, so a
 * histogram of millisecond latencies costs a few KiB.
 */
#ifndef TN_HIST_H
#define TN_HIST_H

#include <stdint.h>

#include <cjson/cJSON.h>

typedef struct tn_hist {
    uint64_t *counts;    /* by bucket index; NULL until the first value */
    uint32_t nbuckets;   /* allocated */
    uint64_t total;
    uint64_t min, max;   /* exact; min is UINT64_MAX while empty */
    double sum;          /* for the mean */
} tn_hist;

/* Values above this are recorded as this (about 12.7 days in us). */
#define TN_HIST_MAX_VALUE ((uint64_t)1 << 40)

void tn_hist_init(tn_hist *h);
void tn_hist_free(tn_hist *h);
void tn_hist_reset(tn_hist *h);
void tn_hist_record(tn_hist *h, uint64_t v);
/* Adds every value of src to dst. */
void tn_hist_merge(tn_hist *dst, const tn_hist *src);
/* The nearest-rank percentile, p in [0, 100]: 0 is the min, 100 the max;
 * 0 when empty. */
uint64_t tn_hist_percentile(const tn_hist *h, double p);
double tn_hist_mean(const tn_hist *h);

/* Adds count, min, mean, p50, p90, p99, p99_9 and max to obj, each value
 * divided by div (1000 turns recorded microseconds into milliseconds). */
void tn_hist_add_json(const tn_hist *h, cJSON *obj, double div);

#endif
