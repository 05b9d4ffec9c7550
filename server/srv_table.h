/*
 * srv_table.h: one table on a server: its config, its schema, and the set
 * of segments queries see (sealed ones and consuming ones), plus the
 * partition consumers filling it.
 *
 * The segment set changes under the table's lock only, one step at a time
 * (a segment added, a consuming segment replaced by its sealed image, a
 * segment removed), and a snapshot copies it under the same lock, so a
 * query sees every row exactly once. Segments and schemas are refcounted:
 * a snapshot keeps what it holds alive after the table moves on.
 */
#ifndef SRV_TABLE_H
#define SRV_TABLE_H

#include <pthread.h>
#include <stdatomic.h>

#include "srv_log.h"
#include "srv_node.h"
#include "srv_table_config.h"

/* A schema shared by a table and the snapshots taken from it. */
typedef struct srv_schema {
    atomic_uint refs;
    seg_schema *schema;
    char *json;               /* canonical schema JSON (seg_schema_to_json) */
} srv_schema;

srv_schema *srv_schema_new(seg_schema *s);  /* takes s */
void srv_schema_release(srv_schema *s);

struct srv_consumer;

typedef struct srv_table {
    atomic_uint refs;
    /* Fixed for the table's life (a new config keeps name and type), so
     * they may be read without the lock. */
    char *name_wt;                 /* name with type: events_REALTIME */
    char *raw_name;                /* events */
    bool realtime;
    pthread_mutex_t lock;          /* the fields below */
    srv_table_config *cfg;
    srv_schema *schema;
    uint32_t assign_index, assign_count;
    int64_t incarnation;           /* creation time: part of the offset keys */
    seg_segment **segs;
    uint32_t nsegs, capsegs;
    struct srv_consumer **parts;   /* REALTIME: one per owned partition */
    uint32_t nparts;
    bool parts_known;              /* the topic's partitions were discovered */
    bool paused;                   /* consumption paused by an admin (durable) */
    char discover_error[TN_ERRLEN];
    uint32_t next_offline_seq;     /* OFFLINE segment names */
    pthread_mutex_t ingest_lock;   /* one offline ingest at a time */
    srv_loglim log;                /* bad-message lines, rate-limited */
    _Atomic uint64_t invalid_rows; /* offline and realtime */
    _Atomic uint64_t sealed_total;
} srv_table;

srv_table *srv_table_new(srv_table_config *cfg, srv_schema *schema, uint32_t assign_index,
                         uint32_t assign_count, int64_t incarnation, const srv_log_sink *sink);
srv_table *srv_table_acquire(srv_table *t);
void srv_table_release(srv_table *t);

/* The set. add takes the caller's reference to s. */
void srv_table_add_segment(srv_table *t, seg_segment *s);
/* Replaces old (still in the set) by repl, taking repl's reference;
 * false (and repl released) when old is gone (the table was reset). */
bool srv_table_replace_segment(srv_table *t, seg_segment *old, seg_segment *repl);
/* Removes the segment and returns the set's reference to it (NULL when
 * absent). */
seg_segment *srv_table_remove_segment(srv_table *t, const seg_segment *s);
seg_segment *srv_table_remove_named(srv_table *t, const char *name, bool *consuming);
/* Removes every consuming segment (their rows are uncommitted). */
void srv_table_drop_consuming(srv_table *t);

int srv_table_snapshot(srv_table *t, const char *const *names, uint32_t nnames,
                       srv_snapshot *out);

/* The source key of a partition's committed offset in the store. */
void srv_table_source(const srv_table *t, int32_t partition, char *buf, size_t cap);

#endif
