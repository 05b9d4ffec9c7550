/*
 * srv_http.h: the server's admin HTTP (evhttp on its own thread):
 *   GET  /health                       200 "OK" when srv_node_ready, else 503 and why
 *   GET  /tables                       {"tables":[names with type]}
 *   GET  /tables/{t}/segments          {"tables":[{name, type, segments, partitions}]}
 *   GET  /metrics                      Prometheus text: the node's, plus query counters
 *   GET  /query/sql?sql=...            Pinot's broker response over this server's
 *   POST /query/sql {"sql","queryOptions"}   own segments (srv_local.h)
 *   POST /tables/{t}/pauseConsumption | resumeConsumption | forceCommit
 *   POST /ingestFromFile?tableNameWithType=t_OFFLINE&batchConfigMapStr={..}
 *        with the file as the raw body (Pinot's controller takes multipart;
 *        the broker does that), building OFFLINE segments here
 * Errors are Pinot controller's {"code": <status>, "error": "..."}. Queries,
 * uploads and consumption changes run on two worker threads, so a long query
 * never holds up /health or /metrics; a third concurrent query waits for
 * a worker (the admin port is for operators, not for query traffic).
 */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include "srv_node.h"
#include "srv_service.h"

typedef struct srv_http srv_http;

/* port 0 = ephemeral (srv_http_port tells which). */
int srv_http_start(srv_node *n, const char *host, int port, srv_http **out, char *err);
int srv_http_port(const srv_http *h);
void srv_http_stop(srv_http *h);

/* Adds the binary service's query counters to /metrics (s may be NULL). */
void srv_http_set_service(srv_http *h, const srv_service *s);

#endif
