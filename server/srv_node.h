/*
 * srv_node.h: one Tannin server's data: its LMDB store, its tables (schema
 * + Pinot table config), their sealed segments and, for REALTIME tables, a
 * consumer per owned Kafka partition filling a mutable (consuming) segment.
 *
 * This is the API the server's front ends use (srv_service: the binary
 * protocol for brokers; srv_http: the server's admin HTTP). Everything here
 * is thread-safe: consumer threads append and seal while queries take
 * snapshots and admin calls change tables.
 */
#ifndef SRV_NODE_H
#define SRV_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_segment.h"

typedef struct srv_node srv_node;

typedef struct srv_node_opts {
    const char *data_dir;       /* the LMDB store and nothing else */
    const char *name;           /* server name in status and metrics, e.g. "Server_127.0.0.1_8098" */
    const char *kafka_brokers;  /* overrides every table's stream.kafka.broker.list (NULL: keep) */
    bool no_sync;               /* LMDB without fsync (tests and benchmarks only) */
    /* Added by the implementation (zero = default): */
    int64_t retention_check_ms; /* how often retention runs; 0 = every 5 s */
    /* Where log lines go (bad messages at a bounded rate, data loss, seal
     * failures); NULL = stderr. Called from any thread. */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    /* Messages per second across every partition this server consumes
     * (Pinot's pinot.server.consumption.rate.limit); 0 = no limit. */
    double consumption_rate_limit;
} srv_node_opts;

/* Opens the store, loads the table configs and sealed segments it holds,
 * and starts consuming every REALTIME partition this server owns from its
 * committed offset. */
int srv_node_open(const srv_node_opts *o, srv_node **out, char *err);
/* Stops consumers (a consuming segment's rows are not committed: they are
 * consumed again after restart from the committed offset) and closes. */
void srv_node_close(srv_node *n);

/* Adds or replaces a table, durably. schema_json is a Pinot schema,
 * table_json a Pinot table config (REALTIME or OFFLINE). For REALTIME, the
 * server owns the partitions p with p % assign_count == assign_index (unless
 * stream.kafka.partition.ids narrows them further). Idempotent: putting the
 * same config again changes nothing and does not restart consumers. */
int srv_node_put_table(srv_node *n, const char *schema_json, const char *table_json,
                       uint32_t assign_index, uint32_t assign_count, char *err);
/* Drops a table (name with _OFFLINE/_REALTIME) and deletes its segments. */
int srv_node_drop_table(srv_node *n, const char *table, char *err);

/* A consistent view of a table for one query: every sealed segment and
 * every consuming segment, each exactly once (a segment being sealed is
 * either still the consuming one or already the sealed one, never both),
 * each acquired. The schema stays valid until release. */
typedef struct srv_snapshot {
    const seg_schema *schema;
    seg_segment **segs;
    uint32_t nsegs;
    void *priv;
} srv_snapshot;
/* names: only these segments (NULL = all); TN_ENOTFOUND for an unknown table. */
int srv_node_snapshot(srv_node *n, const char *table, const char *const *names,
                      uint32_t nnames, srv_snapshot *out, char *err);
void srv_snapshot_release(srv_snapshot *s);

/* Pinot's JSON shapes for the admin calls; heap strings the caller frees.
 * status: {"server": name, "ready": bool, "tables": [{"name", "type",
 *   "schema": <schema JSON>, "config": <table config JSON>,
 *   "segments": [{"name", "partition", "startOffset", "endOffset",
 *                 "startTimeMs", "endTimeMs", "docs", "sizeBytes",
 *                 "status": "IN_PROGRESS"|"DONE", "createdMs"}],
 *   "partitions": [{"partition", "topic", "streamPartition",
 *                   "state": "CONSUMING"|"PAUSED"|"ERROR",
 *                   "lastError", "currentOffset", "latestOffset", "lag",
 *                   "lastMessageMs", "rowsIngested", "invalidRows",
 *                   "dataLossEvents"}]}]}
 * table NULL = every table. The implementation adds: per partition
 * "filteredRows", "caughtUp", "rateLimit" (messages/s, null without one),
 * "throttled" (waiting for a rate limit now) and "throttledMs" (in all);
 * per table "invalidRows" (uploads too) and,
 * for REALTIME, "paused", "partitionsKnown", "discoveryError" (when the
 * topic cannot be read), "segmentsSealed", "segmentsWaitingToSeal"; at the
 * top "lastSealError" while a seal keeps failing. Timestamps without a
 * value (no rows) are null. */
char *srv_node_status_json(srv_node *n, const char *table);
/* Prometheus text format. */
char *srv_node_metrics_text(srv_node *n);
/* Ready = every partition caught up to the latest offset seen at start;
 * otherwise false with the reason in why. */
bool srv_node_ready(srv_node *n, char *why, size_t cap);

/* Where a resumed partition goes on (Pinot's resumeConsumption consumeFrom). */
typedef enum { SRV_FROM_LAST, SRV_FROM_SMALLEST, SRV_FROM_LARGEST } srv_consume_from;
/* "lastConsumed" (or NULL), "smallest", "largest", any case; -1 otherwise. */
int srv_consume_from_parse(const char *s, srv_consume_from *out);

/* Consumption control for a REALTIME table (name with or without type);
 * a resume may start over at Kafka's smallest or largest offset. */
int srv_node_pause(srv_node *n, const char *table, bool pause, srv_consume_from from,
                   char *err);
int srv_node_force_commit(srv_node *n, const char *table, char *err);
int srv_node_delete_segment(srv_node *n, const char *table, const char *segment,
                            char *err);
/* Builds OFFLINE segments from uploaded JSON lines or CSV (batchConfigMapStr
 * as Pinot's /ingestFromFile takes it: {"inputFormat":"json"|"csv",
 * "recordReader.prop.delimiter": ...}). *result_json as in tn_wire.h. */
int srv_node_ingest(srv_node *n, const char *table, const char *batch_config_json,
                    const char *data, size_t len, char **result_json, char *err);

/* Added by the implementation. */
/* The table's time column (segmentsConfig.timeColumnName) into buf; false
 * when the table is unknown or has none. For the hybrid time boundary. */
bool srv_node_time_column(srv_node *n, const char *table, char *buf, size_t cap);
/* Waits until the table has no segment waiting to be sealed (after a
 * force commit, in tests); false after timeout_ms. */
bool srv_node_wait_sealed(srv_node *n, const char *table, int64_t timeout_ms);

#endif
