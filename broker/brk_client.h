/*
 * brk_client.h: the broker's connections to its servers over the binary
 * protocol (common/tn_wire.h). One event thread owns one connection per
 * server; any number of caller threads send requests at once, many in
 * flight per connection, answers matched by request id. A connection that
 * drops fails its requests at once (TN_EIO) and is re-established in the
 * background with backoff (50 ms doubling to 2 s), so a server that comes
 * back is used again; a call to a server that is down tries one immediate
 * reconnect (at most one every 100 ms), else fails fast.
 */
#ifndef BRK_CLIENT_H
#define BRK_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tn_common.h"
#include "tn_wire.h"

typedef struct brk_pool brk_pool;

/* addrs: "host:port" (or "[v6]:port"), resolved once here; a name that
 * does not resolve is an error. Connecting starts at once, in the
 * background. */
int brk_pool_create(const char *const *addrs, uint32_t n, brk_pool **out, char *err);
/* No call may be running. */
void brk_pool_free(brk_pool *p);
uint32_t brk_pool_size(const brk_pool *p);
const char *brk_pool_name(const brk_pool *p, uint32_t i);   /* "host:port" as given */
bool brk_pool_connected(const brk_pool *p, uint32_t i);

/* One request to one server. The caller builds the frame in request with
 * tn_wire_begin(&request, type, 0) ... tn_wire_end(&request, 0); the pool
 * writes the request id into it. */
typedef struct brk_call {
    uint32_t server;
    tn_buf request;
    /* results: */
    int status;              /* TN_OK; TN_EIO connection failed or lost (server not
                                responding); TN_EFULL timed out; TN_EINVAL bad call */
    uint8_t type;            /* answer frame type (TN_MSG_PARTIAL, TN_MSG_ERROR, TN_MSG_ADMIN_OK) */
    uint8_t *payload;        /* answer payload (heap; freed by brk_call_clear) */
    size_t len;
    char err[TN_ERRLEN];     /* why, when status is not TN_OK */
} brk_call;

/* Sends every call in parallel and blocks the calling thread until each
 * has an answer or timeout_ms passed (<= 0: 10,000 ms, Pinot's broker
 * default); never longer. Thread-safe. Returns TN_OK when every call got
 * an answer (which may be an ERROR frame), else the first failed call's
 * status. */
int brk_pool_call(brk_pool *p, brk_call *calls, uint32_t n, int64_t timeout_ms);
/* The same, also returning within ~20 ms once *cancel is set (another
 * thread sets it): unanswered calls get TN_EFULL "cancelled ...", and
 * their servers get a CANCEL frame, so they stop working on them too.
 * cancel may be NULL. */
int brk_pool_call_cancel(brk_pool *p, brk_call *calls, uint32_t n, int64_t timeout_ms,
                         const atomic_bool *cancel);
/* Frees request and payload; the call can be reused. */
void brk_call_clear(brk_call *c);

#endif
