/*
 * srv_table_config.h: a Pinot table config (REALTIME or OFFLINE JSON) as
 * the server uses it: stream settings, flush thresholds, retention, index
 * choices and ingestion transforms. Parsing checks every key it reads and
 * names the key in its error; srv_table_config_check then checks the
 * config against the table's schema.
 */
#ifndef SRV_TABLE_CONFIG_H
#define SRV_TABLE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_schema.h"

/* A list of column names. */
typedef struct srv_names {
    char **v;
    uint32_t n;
} srv_names;

typedef struct srv_kv {
    char *key, *value;
} srv_kv;

/* Defaults as Pinot's StreamConfig has them. */
#define SRV_DEFAULT_FLUSH_ROWS 5000000ull
#define SRV_DEFAULT_FLUSH_TIME_MS (6 * 3600 * 1000LL)
#define SRV_DEFAULT_FLUSH_BYTES (200ull * 1024 * 1024)

typedef struct srv_stream_config {
    char *topic;
    char *brokers;            /* NULL when the config has none (the node may supply it) */
    bool from_earliest;       /* auto.offset.reset: smallest/earliest (true), largest/latest */
    srv_kv *props;            /* librdkafka consumer properties passed through */
    uint32_t nprops;
    srv_names ignored;        /* Java-only consumer properties left out */
    int32_t *partitions;      /* stream.kafka.partition.ids; NULL = every partition */
    uint32_t npartitions;
    uint64_t flush_rows;      /* 0 = none: size-based (flush_autotune) */
    int64_t flush_time_ms;
    uint64_t flush_bytes;     /* memory bound of a consuming segment */
    char *dead_letter_topic;  /* stream.kafka.deadletter.topic.name (Tannin's): bad
                                 messages are copied there; NULL = none */
    /* Size-based flush (Pinot's autotune): on when the row threshold is 0,
     * or absent with threshold.segment.size given. Each consuming segment's
     * row threshold is then learnt so that the sealed segment comes out
     * near flush_segment_bytes; flush_bytes stays the memory bound. */
    bool flush_autotune;
    uint64_t flush_segment_bytes;   /* desired sealed size */
    uint64_t flush_initial_rows;    /* realtime.segment.flush.autotune.initialRows */
    double rate_limit;        /* topic.consumption.rate.limit: messages/s for the whole
                                 topic, shared evenly by its partitions; 0 = none */
} srv_stream_config;

/* Several streams (Pinot's multi-topic tables): partition p of stream i is
 * the table's partition i * SRV_PARTITION_PADDING + p in segment names,
 * offsets and status, as Pinot's IngestionConfigUtils numbers them; the
 * first stream's ids are the stream's own, so a one-stream table is as it
 * always was. */
#define SRV_PARTITION_PADDING 10000
#define SRV_MAX_STREAMS 1000

/* Defaults of the size-based flush (Pinot's). The memory bound of an
 * autotuned consuming segment is a multiple of the desired sealed size (a
 * consuming segment holds hash tables, posting lists and part-filled
 * chunks a sealed one does not), and never below the default bound, so a
 * small desired size is reached by rows, not cut short by memory. */
#define SRV_DEFAULT_AUTOTUNE_ROWS 100000ull
#define SRV_AUTOTUNE_MEMORY_FACTOR 6

/* ingestionConfig.complexTypeConfig (Pinot's ComplexTypeTransformer). */
typedef enum srv_to_json { SRV_TO_JSON_NONE, SRV_TO_JSON_NON_PRIMITIVE, SRV_TO_JSON_ALL } srv_to_json;

typedef struct srv_complex_config {
    bool on;                  /* the config has a complexTypeConfig */
    srv_names unnest;         /* fieldsToUnnest, sorted (parents before children) */
    char *delimiter;          /* "." by default */
    srv_to_json to_json;      /* collectionNotUnnestedToJson */
    srv_kv *renames;          /* prefixesToRename: key = prefix, value = replacement */
    uint32_t nrenames;
} srv_complex_config;

typedef struct srv_transform_config {
    char *column;
    char *expr;
} srv_transform_config;

typedef struct srv_table_config {
    char *name;               /* raw name, e.g. airlineStats */
    char *name_with_type;     /* airlineStats_REALTIME */
    bool realtime;
    char *time_column;        /* NULL if none */
    int64_t retention_ms;     /* 0 = keep forever */
    char *sorted_column;      /* NULL if none */
    srv_names inverted;       /* invertedIndexColumns (+ fieldConfigList) */
    bool inverted_set;        /* inverted names exactly the indexed columns */
    srv_names range;
    srv_names no_dict;
    srv_transform_config *transforms;
    uint32_t ntransforms;
    char *filter;             /* filterConfig.filterFunction: rows where true are dropped */
    srv_complex_config complex;
    srv_stream_config stream; /* REALTIME only: the first stream map; the flush
                                 thresholds are its (Pinot's getFirstStreamConfig) */
    srv_stream_config *more_streams; /* streamConfigMaps[1..]: nstreams - 1 of them */
    uint32_t nstreams;        /* REALTIME: 1 + the others; OFFLINE: 0 */
    char *json;               /* the config as given, compact */
} srv_table_config;

int srv_table_config_parse(const char *json, size_t len, srv_table_config **out,
                           char *err);
void srv_table_config_free(srv_table_config *c);

/* Checks the config against the schema: every column it names exists, the
 * time column is a datetime field, raw (no-dictionary) columns are numeric
 * single-value (others are dropped from no_dict: they keep a dictionary). */
int srv_table_config_check(srv_table_config *c, const seg_schema *s, char *err);

/* "3600000" (ms), or a period: "6h", "30m", "45s", "2d", "500ms". */
int srv_parse_duration_ms(const char *s, int64_t *out);
/* "1048576" (bytes), or "200M", "1.5G", "500K", "10MB". */
int srv_parse_size(const char *s, uint64_t *out);
/* "0,2,5" or "0-3,7": partition ids, sorted, without duplicates. */
int srv_parse_partition_ids(const char *s, int32_t **out, uint32_t *n, char *err);

/* Stream i (0 <= i < nstreams). */
const srv_stream_config *srv_table_stream(const srv_table_config *c, uint32_t i);
/* The stream of a table partition id; NULL when no stream has that index. */
const srv_stream_config *srv_stream_of(const srv_table_config *c, int32_t partition);
static inline int32_t srv_partition_id(uint32_t stream, int32_t stream_partition)
{
    return (int32_t)stream * SRV_PARTITION_PADDING + stream_partition;
}
static inline int32_t srv_stream_partition(int32_t partition)
{
    return partition % SRV_PARTITION_PADDING;
}

bool srv_names_has(const srv_names *l, const char *name);
void srv_names_free(srv_names *l);

#endif
