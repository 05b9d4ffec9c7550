/*
 * srv_service.h: the server's binary protocol front end for brokers
 * (common/tn_wire.h): QUERY answered with the partial result of the
 * server's segments, ADMIN commands and INGEST uploads.
 *
 * One event thread accepts connections and reads frames; a pool of worker
 * threads runs the requests, so a slow query does not hold up the others
 * and one connection carries many requests at once (answers carry the
 * request id and leave in the order they finish). A connection that closes
 * has its queued requests dropped and its running queries cancelled.
 * A broken stream (bad frame length) is answered with an ERROR frame
 * (code 100) and that connection closed; other connections keep going.
 */
#ifndef SRV_SERVICE_H
#define SRV_SERVICE_H

#include <stdint.h>

#include "srv_node.h"
#include "srv_stats.h"

typedef struct srv_service srv_service;

/* Listens on host:port (port 0 = an ephemeral port; srv_service_port tells
 * which) with query_threads workers (0 = one per core). The node must
 * outlive the service. */
int srv_service_start(srv_node *n, const char *host, int port, uint32_t query_threads,
                      srv_service **out, char *err);
int srv_service_port(const srv_service *s);
/* Closes every connection (their running queries are cancelled), waits
 * for the workers and frees the service. */
void srv_service_stop(srv_service *s);

/* The service's query counters, for the admin HTTP's /metrics. */
const srv_stats *srv_service_stats(const srv_service *s);

#endif
