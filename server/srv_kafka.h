/*
 * srv_kafka.h: librdkafka handles as the server uses them: consumer
 * configuration for a table (Tannin keeps the offsets, so no group
 * commits) and the topic's partitions.
 */
#ifndef SRV_KAFKA_H
#define SRV_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "srv_log.h"
#include "srv_table_config.h"

/* Where librdkafka's log lines go: the limiter of the table (connection
 * failures repeat every second while a broker is down). */
typedef struct srv_kafka_logctx {
    srv_loglim *lim;
    char who[160];        /* "table/partition" */
    /* Client errors (brokers down, transport failures), served by
     * rd_kafka_poll on the polling thread; NULL: logged only. */
    void (*on_error)(void *owner, const char *msg);
    void *owner;
} srv_kafka_logctx;

/* A consumer handle for stream s of table cfg. brokers overrides the
 * stream's list when not NULL. logctx must outlive the handle. */
int srv_kafka_consumer_new(const srv_table_config *cfg, const srv_stream_config *s,
                           const char *brokers, srv_kafka_logctx *logctx, rd_kafka_t **out,
                           char *err);

/* A producer for stream s's dead-letter topic, on the same brokers
 * (brokers overrides as above). Delivery is best effort: the copy is for
 * people to inspect; the message is counted invalid either way. */
int srv_kafka_producer_new(const srv_table_config *cfg, const srv_stream_config *s,
                           const char *brokers, srv_kafka_logctx *logctx, rd_kafka_t **out,
                           char *err);

/* The partition count of the topic (metadata request). */
int srv_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                              int32_t *n, char *err);

/* Starts fetching partition at offset (replacing the assignment). */
int srv_kafka_assign(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset,
                     char *err);

#endif
