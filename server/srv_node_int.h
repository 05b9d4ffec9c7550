/*
 * srv_node_int.h: the node's internals, shared by srv_node.c (tables and
 * their lifecycle), srv_status.c (status, metrics, readiness) and
 * srv_maint.c (retention).
 */
#ifndef SRV_NODE_INT_H
#define SRV_NODE_INT_H

#include "srv_realtime.h"

typedef struct node_table {
    srv_table *t;
    srv_realtime *rt;     /* REALTIME tables: the running consumers */
} node_table;

struct srv_node {
    seg_store *store;
    char *name;
    char *kafka_brokers;
    srv_log_sink log;
    srv_sealer *sealer;
    srv_consumer_ctx cctx;
    srv_rate server_rate;        /* --consumption-rate-limit, shared by every consumer */
    pthread_mutex_t admin;       /* serializes changes: put, drop, pause, commit */
    pthread_mutex_t tlock;       /* the tables array */
    node_table *tables;
    uint32_t ntables;
    /* maintenance (retention) */
    pthread_t maint;
    pthread_mutex_t mlock;
    pthread_cond_t mcond;
    bool mstop;
    int64_t retention_check_ms;
};

/* Which type a raw table name resolves to when both exist. */
typedef enum node_prefer { PREFER_NONE, PREFER_REALTIME, PREFER_OFFLINE } node_prefer;

/* The table (a reference) by name with type, or by raw name when that is
 * unambiguous (or prefer decides); TN_ENOTFOUND, TN_EINVAL (ambiguous). */
int srv_node_find(srv_node *n, const char *name, node_prefer prefer, srv_table **out,
                  char *err);
/* References to every table, for a walk without the lock. */
srv_table **srv_node_tables(srv_node *n, uint32_t *count);
void srv_node_tables_free(srv_table **ts, uint32_t count);

/* Retention of one table: deletes sealed segments whose end time is older
 * than now - retention. Returns how many. */
uint32_t srv_node_apply_retention(srv_node *n, srv_table *t, int64_t now_ms);
int srv_maint_start(srv_node *n);
void srv_maint_stop(srv_node *n);

#endif
