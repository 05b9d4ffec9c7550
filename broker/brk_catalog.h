/*
 * brk_catalog.h: the broker's durable catalog, what Pinot keeps in the
 * controller's ZooKeeper: schemas, table configs (OFFLINE and REALTIME),
 * the consumption pause flag of REALTIME tables, each table's
 * enabled/disabled state, and the records of reload jobs.
 *
 * Every change is written to the LMDB store in the broker's data directory
 * before it becomes visible, so a restarted broker knows every table and
 * re-pushes them to its servers. Reads are concurrent (query threads
 * resolve tables while admin calls change them): a resolved table holds a
 * reference on its schema, which stays valid until released even if the
 * schema is replaced meanwhile.
 */
#ifndef BRK_CATALOG_H
#define BRK_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_schema.h"

typedef struct brk_catalog brk_catalog;

typedef enum brk_table_type {
    BRK_OFFLINE = 0,
    BRK_REALTIME = 1
} brk_table_type;

/* "OFFLINE" / "REALTIME". */
const char *brk_table_type_name(brk_table_type t);
/* Splits a table name into its raw name and type: "t_OFFLINE" -> t,
 * OFFLINE, true; "t" -> t, false (no type). raw has room for the name. */
bool brk_table_split(const char *name, char *raw, size_t cap, brk_table_type *type);

/* Opens (creating) the catalog in dir and loads it. A stored document that
 * no longer parses is skipped and named in warn (when not NULL, cap bytes)
 * rather than failing the broker. */
int brk_catalog_open(const char *dir, bool no_sync, brk_catalog **out, char *warn,
                     size_t warn_cap, char *err);
void brk_catalog_close(brk_catalog *c);

/* ---- schemas ---------------------------------------------------------- */

/* Adds or (override) replaces a schema from Pinot schema JSON. name (cap
 * bytes) receives its name. TN_EINVAL (reason in err), TN_EEXIST. */
int brk_catalog_put_schema(brk_catalog *c, const char *json, size_t len, bool override,
                           char *name, size_t cap, char *err);
/* The schema's JSON (heap string, caller frees), or NULL. */
char *brk_catalog_schema_json(brk_catalog *c, const char *name);
/* TN_ENOTFOUND; TN_EEXIST when a table uses it (err names the table). */
int brk_catalog_delete_schema(brk_catalog *c, const char *name, char *err);
/* Schema names in name order; free with brk_names_free. */
char **brk_catalog_schema_names(brk_catalog *c, uint32_t *n);

/* ---- tables ----------------------------------------------------------- */

/* Adds a table from Pinot table config JSON (tableName raw or typed,
 * tableType OFFLINE or REALTIME). Its schema (segmentsConfig.schemaName, or
 * the raw table name) must exist; REALTIME needs a stream config. The
 * stored config's tableName is the typed name, as Pinot stores it.
 * name (cap bytes) receives the typed name. TN_EINVAL, TN_EEXIST. */
int brk_catalog_put_table(brk_catalog *c, const char *json, size_t len, char *name,
                          size_t cap, char *err);
/* Replaces the config of an existing table (PUT /tables/{path_name}):
 * the body's table must be the path's (raw path: the body's type is
 * appended, as Pinot does), else TN_EINVAL "Request table X does not
 * match table name in the body Y"; TN_ENOTFOUND when the table does not
 * exist; TN_EINVAL for a config table_build refuses. Pause flag and state
 * are kept. *old_json receives the replaced config (heap, caller frees)
 * so that a caller can put it back when servers refuse the new one. */
int brk_catalog_update_table(brk_catalog *c, const char *path_name, const char *json, size_t len,
                             char *name, size_t cap, char **old_json, char *err);
/* TN_ENOTFOUND. Also forgets the pause flag and the state. */
int brk_catalog_delete_table(brk_catalog *c, const char *typed_name, char *err);
/* The stored table config JSON (heap, caller frees), or NULL. */
char *brk_catalog_table_json(brk_catalog *c, const char *typed_name);
/* Typed table names in name order; free with brk_names_free. */
char **brk_catalog_table_names(brk_catalog *c, uint32_t *n);
/* Typed names of the tables whose schema is schema_name. */
char **brk_catalog_tables_using(brk_catalog *c, const char *schema_name, uint32_t *n);

void brk_names_free(char **names, uint32_t n);

/* The typed name of an existing table matching name (case-insensitive,
 * Pinot's default): raw names try OFFLINE, then REALTIME. false if none. */
bool brk_catalog_find_table(brk_catalog *c, const char *name, char *typed, size_t cap);

/* What a broker needs to send a table to a server: its schema JSON and
 * config JSON (heap strings, caller frees both). TN_ENOTFOUND. */
int brk_catalog_table_payload(brk_catalog *c, const char *typed_name, char **schema_json,
                              char **config_json, char *err);

/* Pause flag of a REALTIME table (durable: a restarted server is paused
 * again when the broker re-pushes it). */
int brk_catalog_set_paused(brk_catalog *c, const char *typed_name, bool paused, char *err);
bool brk_catalog_paused(brk_catalog *c, const char *typed_name);

/* A disabled table (Pinot's PUT /tables/{t}/state?state=disable) answers
 * no query, and a disabled REALTIME table does not consume. Durable. */
int brk_catalog_set_disabled(brk_catalog *c, const char *typed_name, bool disabled, char *err);
bool brk_catalog_table_disabled(brk_catalog *c, const char *typed_name);

/* Reload job records (JSON documents, durable): id is a lowercase UUID.
 * job_json: heap text, or NULL when there is no such job. */
int brk_catalog_put_job(brk_catalog *c, const char *id, const char *json, char *err);
char *brk_catalog_job_json(brk_catalog *c, const char *id);

/* ---- query resolution ------------------------------------------------- */

/* A table as a query sees it: FROM t resolves to its OFFLINE and/or
 * REALTIME parts (a hybrid table has both), one schema, and the time
 * column the hybrid split and segment pruning use. */
typedef struct brk_resolved {
    char raw[256];
    bool has[2];                 /* by brk_table_type */
    char typed[2][272];          /* typed names of the parts present */
    const seg_schema *schema;    /* referenced until brk_resolved_release */
    char time_column[256];       /* "" when the table has none */
    int64_t time_unit_ms;        /* the time column's epoch unit (0: not epoch) */
    bool hourly;                 /* OFFLINE pushed hourly: boundary offset 1 h */
    bool disabled[2];            /* by brk_table_type: the part is disabled */
    void *priv;
} brk_resolved;

/* Resolves FROM name: "t" (any of its types), "t_OFFLINE", "t_REALTIME",
 * case-insensitively. TN_ENOTFOUND when no such table. */
int brk_catalog_resolve(brk_catalog *c, const char *name, brk_resolved *out, char *err);
void brk_resolved_release(brk_resolved *r);

/* Pinot's error code for a query on a disabled table
 * (QueryErrorCode.TABLE_IS_DISABLED, "TableIsDisabledError"). */
#define BRK_ERR_TABLE_DISABLED 191

typedef enum brk_table_state {
    BRK_TABLE_ENABLED,        /* nothing to do */
    BRK_TABLE_PART_DISABLED,  /* hybrid, one part disabled: it is removed from r
                                 (has/typed); the query goes on and its response
                                 carries exception 191 with msg */
    BRK_TABLE_DISABLED        /* every part disabled: fail with 191 and msg */
} brk_table_state;
/* Pinot's rule (BaseSingleStageBrokerRequestHandler) applied to a resolved
 * table; msg (cap bytes) is Pinot's text: "TableIsDisabledError", or
 * "Offline|Realtime table is disabled in hybrid table". */
brk_table_state brk_resolved_check_enabled(brk_resolved *r, char *msg, size_t cap);

#endif
