/*
 * brk_sync.h: keeps the servers in step with the catalog and the routing
 * table in step with the servers.
 *
 * A thread asks every server for its status every refresh period (and on
 * demand after an admin change), builds a new routing snapshot from the
 * answers, and pushes tables to servers that lack them: every table to a
 * server that just came up (it may have restarted empty, or missed changes
 * while away), a single table to a server whose status does not list it.
 * putTable is idempotent on the server, so pushing again is harmless.
 *
 * Also the admin calls to servers that several handlers share.
 */
#ifndef BRK_SYNC_H
#define BRK_SYNC_H

#include "brk_broker.h"
#include "brk_route.h"

typedef struct brk_sync brk_sync;

/* Refreshes once (so the first queries see the servers), then starts the
 * refresher thread. */
int brk_sync_start(brk_broker *b, brk_sync **out, char *err);
void brk_sync_stop(brk_sync *s);

/* The current routing snapshot (a reference: brk_routing_unref it). */
brk_routing *brk_sync_routing(brk_sync *s);
/* Refreshes now, on the calling thread (serialized with the refresher). */
void brk_sync_refresh(brk_sync *s);

/* One server's answer to an admin call. */
typedef struct brk_answer {
    uint32_t server;
    int status;               /* TN_OK: answered ADMIN_OK; else failed */
    int code;                 /* the server's Pinot error code (ERROR), 0 */
    char *json;               /* ADMIN_OK JSON text (heap), or NULL */
    char err[TN_ERRLEN];      /* why it failed */
} brk_answer;

/* Sends the ADMIN command cmd_json to each server in servers (NULL = every
 * server, n ignored) in parallel; answers[k] for the k-th (array of n, or
 * of every server). Returns how many failed. */
uint32_t brk_sync_admin(brk_broker *b, const uint32_t *servers, uint32_t n, const char *cmd_json,
                        int64_t timeout_ms, brk_answer *answers);
void brk_answers_free(brk_answer *answers, uint32_t n);

/* Pushes table typed (putTable with assignIndex = server index, assignCount
 * = number of servers) to every server, then its pause flag (a disabled
 * table is paused too). answers as
 * for brk_sync_admin (one per server). Returns how many failed. */
uint32_t brk_sync_push_table(brk_broker *b, const char *typed, brk_answer *answers);

#endif
