/*
 * srv_autotune.c: size-based flush thresholds (see srv_autotune.h).
 */
#include "srv_autotune.h"

#include <stdint.h>

#define CURRENT_WEIGHT 0.1
#define PAST_WEIGHT 0.9
#define TIME_HIT_MULTIPLIER 1.1

double srv_autotune_ratio(const srv_sealed_info *segs, uint32_t n)
{
    double ratio = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!segs[i].rows || !segs[i].bytes)
            continue; /* an empty segment says nothing about row size */
        double r = (double)segs[i].rows / (double)segs[i].bytes;
        ratio = ratio > 0 ? CURRENT_WEIGHT * r + PAST_WEIGHT * ratio : r;
    }
    return ratio;
}

static uint64_t clamp_rows(double rows)
{
    if (rows > INT32_MAX)
        return INT32_MAX;
    return rows < SRV_AUTOTUNE_MIN_ROWS ? SRV_AUTOTUNE_MIN_ROWS : (uint64_t)rows;
}

uint64_t srv_autotune_rows(const srv_stream_config *s, double ratio,
                           const srv_autotune_last *last)
{
    double desired = (double)s->flush_segment_bytes;
    if (!last || !last->rows || !last->bytes) {
        /* nothing learnt from the last segment: the ratio of older ones,
         * else the configured first guess (not clamped, as in Pinot) */
        if (last && last->threshold)
            return last->threshold;
        return ratio > 0 ? clamp_rows(desired * ratio) : s->flush_initial_rows;
    }
    if (last->reason == SRV_ROLL_FORCE && last->threshold)
        return last->threshold; /* an operator's commit says nothing about size */
    double rows = (double)last->rows, bytes = (double)last->bytes;
    if (last->reason == SRV_ROLL_TIME && bytes < desired) {
        /* the time threshold came first: aim slightly above what that time
         * held, scaled down when the time threshold has been lowered */
        if (last->duration_ms > s->flush_time_ms && last->duration_ms > 0)
            rows = (double)s->flush_time_ms * rows / (double)last->duration_ms;
        return clamp_rows(rows * TIME_HIT_MULTIPLIER);
    }
    if (bytes < desired / 2)
        return clamp_rows(rows * 1.5);
    if (bytes > desired * 1.5)
        return clamp_rows(rows / 2);
    return clamp_rows(desired * ratio);
}
