/*
 * srv_consumer.h: one Kafka partition of a REALTIME table, consumed by its
 * own thread into a consuming (mutable) segment.
 *
 * The thread assigns the partition itself (no consumer group) at the
 * offset committed with the last sealed segment, appends each message's
 * row, and rolls to a new consuming segment when a flush threshold is
 * reached, handing the full one to the sealer. Offsets are Tannin's: a
 * message below the next expected offset (a re-delivery) is ignored, and
 * an offset Kafka no longer has is reported as data loss, never skipped
 * silently. Rate limits (the partition's share of its topic's, and the
 * server's) are waited for before each fetch, never past a stop or a
 * pause request.
 */
#ifndef SRV_CONSUMER_H
#define SRV_CONSUMER_H

#include "seg_store.h"
#include "srv_rate.h"
#include "srv_sealer.h"
#include "srv_table.h"

/* Largest message accepted; bigger ones are counted invalid. */
#define SRV_MAX_MESSAGE (1024 * 1024)

typedef struct srv_consumer_ctx {
    seg_store *store;
    srv_sealer *sealer;
    const char *kafka_brokers;   /* overrides the table's broker list; NULL keeps it */
    const srv_log_sink *log;
    srv_rate *server_rate;       /* the server-wide consumption limit; NULL = none */
} srv_consumer_ctx;

typedef enum srv_part_state {
    SRV_PART_CONSUMING = 0,
    SRV_PART_PAUSED,
    SRV_PART_ERROR
} srv_part_state;

typedef struct srv_part_status {
    int32_t partition;           /* the table's id (see SRV_PARTITION_PADDING) */
    int32_t stream_partition;    /* the topic's own */
    char topic[256];
    srv_part_state state;
    char last_error[TN_ERRLEN];
    int64_t current_offset;      /* next offset to ingest */
    int64_t latest_offset;       /* high watermark last seen, -1 unknown */
    int64_t last_message_ms;     /* when the last message was consumed, 0 none */
    uint64_t rows, invalid, filtered, loss_events, dead_lettered;
    bool caught_up;
    int64_t catchup_target;      /* high watermark at start, -1 unknown */
    uint64_t flush_threshold_rows; /* the consuming segment's row threshold, 0 none */
    double rate_limit;           /* messages/s of this partition, 0 = none */
    bool throttled;              /* waiting for a rate limit now */
    int64_t throttled_ms;        /* total time spent waiting for a rate limit */
} srv_part_status;

typedef struct srv_consumer srv_consumer;

/* Starts the thread. partition: the table's id (stream index * 10000 +
 * the topic's partition); first_seq: the sequence number of the first
 * consuming segment (after those already stored); paused: start paused;
 * rate_limit: messages/s for this partition (0 = none). */
srv_consumer *srv_consumer_start(const srv_consumer_ctx *ctx, srv_table *t, int32_t partition,
                                 uint32_t first_seq, bool paused, double rate_limit);
/* A new per-partition limit (the topic's partition count changed). */
void srv_consumer_set_rate(srv_consumer *c, double rate_limit);
/* Stops and joins the thread and frees. Its consuming segment stays in the
 * table's set; the caller decides (srv_table_drop_consuming). */
void srv_consumer_stop(srv_consumer *c);

void srv_consumer_status(srv_consumer *c, srv_part_status *out);
int32_t srv_consumer_partition(const srv_consumer *c);
void srv_consumer_pause(srv_consumer *c, bool pause);
/* Asks the thread to seal what it holds and start over at Kafka's earliest
 * (SMALLEST) or latest (LARGEST) offset; applied before a following resume.
 * SMALLEST re-reads what Kafka still has: rows already sealed from it come
 * again, as in Pinot. */
void srv_consumer_reset(srv_consumer *c, srv_consume_from from);
/* Asks the thread to seal its consuming segment now (when it holds any
 * consumed offset) and waits up to timeout_ms for the roll; false on
 * timeout. */
bool srv_consumer_force_commit(srv_consumer *c, int64_t timeout_ms);

/* The Pinot name of a consuming segment: table__partition__seq__yyyyMMddTHHmmZ. */
void srv_segment_name(const char *table, int32_t partition, uint32_t seq, int64_t ms,
                      char *buf, size_t cap);
/* The sequence number in such a name; -1 when the name has another form. */
int64_t srv_segment_seq(const char *name);

#endif
