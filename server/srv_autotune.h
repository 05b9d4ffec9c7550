/*
 * srv_autotune.h: the row threshold of a consuming segment under
 * size-based flush, as Pinot's SegmentSizeBasedFlushThresholdUpdater
 * computes it, from what the partition's sealed segments weigh.
 *
 * Pure functions: the consumer gathers the sealed segments (from the
 * table's set, which a restart reloads from the store) and what it knows
 * in memory about the last one it rolled, so a restart derives the same
 * rows-per-byte ratio from the stored segments.
 */
#ifndef SRV_AUTOTUNE_H
#define SRV_AUTOTUNE_H

#include "srv_table_config.h"

#define SRV_AUTOTUNE_MIN_ROWS 10000u   /* Pinot's MINIMUM_NUM_ROWS_THRESHOLD */

/* Why a consuming segment was rolled. UNKNOWN: sealed before a restart. */
typedef enum srv_roll_reason {
    SRV_ROLL_UNKNOWN = 0,
    SRV_ROLL_ROWS,
    SRV_ROLL_MEMORY,
    SRV_ROLL_TIME,
    SRV_ROLL_FORCE
} srv_roll_reason;

/* One sealed segment of the partition. */
typedef struct srv_sealed_info {
    uint64_t rows, bytes;
} srv_sealed_info;

/* The last sealed segment with what the consumer remembers of it. */
typedef struct srv_autotune_last {
    uint64_t rows, bytes;
    uint64_t threshold;         /* its row threshold, 0 unknown */
    int64_t duration_ms;        /* time it consumed, 0 unknown */
    srv_roll_reason reason;
} srv_autotune_last;

/* Rows per byte learnt over segs (in sequence order): the first segment's
 * ratio, then each next one weighted 0.1 against 0.9 for the past. 0 when
 * no segment has rows and bytes. */
double srv_autotune_ratio(const srv_sealed_info *segs, uint32_t n);

/* The next consuming segment's row threshold; last NULL when the
 * partition has no sealed segment. ratio includes last. */
uint64_t srv_autotune_rows(const srv_stream_config *s, double ratio,
                           const srv_autotune_last *last);

#endif
