/*
 * srv_request.h: one request of the binary protocol (tn_wire.h) run
 * against the server's node: QUERY -> PARTIAL, ADMIN -> ADMIN_OK,
 * INGEST -> ADMIN_OK, anything wrong -> ERROR with Pinot's code. The
 * network side (srv_service.c) decides where and when this runs.
 */
#ifndef SRV_REQUEST_H
#define SRV_REQUEST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "srv_node.h"
#include "tn_common.h"

typedef struct srv_request {
    uint8_t type;                /* TN_MSG_QUERY, TN_MSG_ADMIN, TN_MSG_INGEST */
    uint32_t id;
    const uint8_t *payload;      /* from the network: every field is checked */
    size_t len;
    uint64_t queued_ns;          /* tn_mono_ns() at arrival: the timeout counts from it */
    const atomic_bool *cancel;   /* set when the client is gone or cancels this request */
} srv_request;

/* Runs r and appends its answer frame to out. Returns true when the answer
 * is an ERROR frame. */
bool srv_request_run(srv_node *n, const srv_request *r, tn_buf *out);

/* Appends an ERROR frame (Pinot code, message) answering request id. */
void srv_request_error(tn_buf *out, uint32_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
