/*
 * tn_httpc.h: a minimal blocking HTTP/1.1 client for the tools (bench
 * http's keep-alive clients, quickstart's admin calls). Responses must be
 * Content-Length framed, as Tannin's broker and server send them.
 */
#ifndef TN_HTTPC_H
#define TN_HTTPC_H

#include <stddef.h>

#include "tn_common.h"

/* A connected socket (TCP_NODELAY) or -1. */
int tn_httpc_connect(const char *host, int port);
/* Sends one request on fd and reads the answer into resp (reused); returns
 * the status code, or -1 when the connection failed. *body points into resp. */
int tn_httpc_request(int fd, const char *head, size_t head_len, const char *body,
                     size_t body_len, tn_buf *resp, const char **out_body,
                     size_t *out_len);
/* One request on a fresh connection: method, path, a body (may be NULL)
 * and its content type. Returns the status or -1; *out is the body as a
 * heap string (caller frees), NULL on failure. */
int tn_httpc_call(const char *host, int port, const char *method, const char *path,
                  const char *body, size_t body_len, const char *content_type, char **out);

#endif
