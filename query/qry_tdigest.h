/*
 * qry_tdigest.h: a merging t-digest (Dunning and Ertl, "Computing Extremely
 * Accurate Quantiles Using t-Digests", 2019), the sketch behind
 * PERCENTILETDIGEST and PERCENTILEEST.
 *
 * Values go to a buffer (plain doubles for weight 1, the values a query
 * adds; centroids for weighted points from merges); a full buffer is sorted
 * (the doubles by a radix sort of their bits) and merged with the centroids
 * in one pass, where consecutive points join a centroid while
 * the centroid spans at most one unit of the k1 scale
 * k(q) = compression / (2 pi) * asin(2q - 1), so centroids are small at the
 * tails (where percentiles need precision) and large in the middle. With
 * compression 100 a digest keeps about 100 centroids whatever the count.
 * Centroids of weight 1 are the values themselves, so small inputs give
 * exact answers.
 *
 * A digest owns its arrays (heap, allocated on the first value); free with
 * qry_tdigest_free. It is a plain struct so it can live inside an
 * aggregation state block.
 */
#ifndef QRY_TDIGEST_H
#define QRY_TDIGEST_H

#include <stdint.h>

#include "tn_common.h"

typedef struct qry_centroid {
    double mean, weight;
} qry_centroid;

typedef struct qry_tdigest {
    double compression;
    double min, max;          /* of every value added (+Inf, -Inf when empty) */
    double weight;            /* total weight of c */
    qry_centroid *c;          /* sorted by mean */
    uint32_t n;
    qry_centroid *buf;        /* weighted points not merged yet, any order */
    uint32_t nbuf, bufcap;
    double *raw;              /* weight-1 values not merged yet, any order */
    uint32_t nraw, rawcap;
    double buf_weight;        /* of buf and raw */
} qry_tdigest;

void qry_tdigest_init(qry_tdigest *t, double compression);
void qry_tdigest_free(qry_tdigest *t);

/* Adds x with weight w (> 0). NaN is ignored: it has no place in an order. */
void qry_tdigest_add(qry_tdigest *t, double x, double w);
/* Adds every centroid of src into dst. */
void qry_tdigest_merge(qry_tdigest *dst, const qry_tdigest *src);
/* Merges the buffer into the centroids. */
void qry_tdigest_compress(qry_tdigest *t);

/* Total weight (the count of values added). */
double qry_tdigest_count(const qry_tdigest *t);

/* The value at quantile q in [0, 1], interpolating between centroids
 * (min and max at the ends); NaN when empty. Where every centroid near the
 * rank has weight 1 this is exactly the sorted value at index
 * (int)(q * count), the value an exact percentile gives. */
double qry_tdigest_quantile(const qry_tdigest *t, double q);

/* Form: count (u32), min, max (f64), then count (mean, weight) f64 pairs
 * (centroids, then buffered points; a buffered value is (value, 1));
 * little-endian. deserialize adds the pairs to t and returns the bytes
 * used, or -1 for malformed input (t then holds what was read before). */
void qry_tdigest_serialize(const qry_tdigest *t, tn_buf *out);
int64_t qry_tdigest_deserialize(qry_tdigest *t, const uint8_t *p, size_t len);

#endif
