/*
 * brk_admin.h: the Pinot controller REST API the broker serves on its admin
 * port (schemas, tables, segments, ingestFromFile, consumption control,
 * health, metrics) and the read-only endpoints both ports share (/health,
 * /metrics, /debug/routingTable, /debug/timeBoundary).
 *
 * Success bodies follow Pinot's shapes (anchors section 2); errors are
 * {"code": <HTTP status>, "error": "<message>"} with that status.
 */
#ifndef BRK_ADMIN_H
#define BRK_ADMIN_H

#include "brk_broker.h"

/* Every admin-port request. Unknown paths: 404, wrong method: 405. */
void brk_admin_handle(brk_broker *b, const brk_request *req, brk_response *out);

/* /health, /metrics, /debug/...: true when req was one of them. */
bool brk_admin_common(brk_broker *b, const brk_request *req, brk_response *out);

/* Splits a URL path into decoded segments ("/a/b%2Fc" -> "a", "b/c").
 * Returns the count (at most max); segments are heap strings. */
uint32_t brk_path_split(const char *path, char **segs, uint32_t max);

#endif
