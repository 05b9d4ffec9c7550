/*
 * brk_running.h: the queries this broker is running now, so that an
 * operator can list them (Pinot's GET /queries) and cancel one (DELETE
 * /query/{id}, by the broker's request id or the client's clientQueryId).
 * A cancel sets the query's flag; the scatter-gather sees it within ~20 ms
 * and sends CANCEL frames to the servers still working on it.
 */
#ifndef BRK_RUNNING_H
#define BRK_RUNNING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* One running query; the query's own object (brk_q) holds it, so adding
 * and removing never allocate. */
typedef struct brk_running_q {
    const char *id;               /* the broker's requestId (borrowed) */
    const char *sql;              /* borrowed: lives as long as the query */
    char client_id[64];           /* queryOptions clientQueryId; "" = none */
    atomic_bool own;              /* the flag when the caller brought none */
    atomic_bool *flag;            /* what cancels it: the caller's or &own */
    struct brk_running_q *prev, *next;
} brk_running_q;

typedef struct brk_running {
    pthread_mutex_t mu;
    brk_running_q *head;
} brk_running;

void brk_running_init(brk_running *r);
void brk_running_destroy(brk_running *r);

/* Registers q (id, sql and client_id set by the caller); flag: the
 * caller's cancel flag, or NULL to use q->own. */
void brk_running_add(brk_running *r, brk_running_q *q, atomic_bool *flag);
void brk_running_remove(brk_running *r, brk_running_q *q);

/* Cancels the query whose request id (client: clientQueryId) is id.
 * Returns whether one was running. */
bool brk_running_cancel(brk_running *r, const char *id, bool client);

/* Pinot's GET /queries: {"<requestId>": "<sql>", ...} (heap text). */
char *brk_running_json(brk_running *r);

#endif
