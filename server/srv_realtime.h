/*
 * srv_realtime.h: the consumers of one REALTIME table. A runner thread
 * finds the partitions of each of the table's topics (retrying while Kafka
 * is unreachable, and again every 30 s to pick up added partitions),
 * starts a consumer for each partition this server owns, with its share of
 * the topic's rate limit, and stops them all on request.
 */
#ifndef SRV_REALTIME_H
#define SRV_REALTIME_H

#include "srv_consumer.h"

typedef struct srv_realtime srv_realtime;

srv_realtime *srv_realtime_start(const srv_consumer_ctx *ctx, srv_table *t);
/* Stops the runner and every consumer (joined). The consuming segments
 * stay in the table's set. */
void srv_realtime_stop(srv_realtime *r);

/* Whether this server owns partition p (the table's id) of table t. */
bool srv_realtime_owns(const srv_table *t, int32_t p);

#endif
