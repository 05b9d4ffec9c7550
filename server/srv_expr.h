/*
 * srv_expr.h: the small expression language of Pinot's ingestion configs:
 * transformConfigs' transformFunction (jsonPathString(payload,'$.a.b'),
 * fromEpochDays(DaysSinceEpoch), plus(a, b), ...) and
 * filterConfig.filterFunction ("country" = 'US' AND clicks > 5).
 *
 * Expressions are evaluated one record at a time during ingestion, so the
 * evaluator works on single values (the query engine's evaluator works on
 * batches over segment columns and would need a segment per record).
 * Column references read the source record first (the JSON message or the
 * CSV line, which may hold fields the schema lacks), then the row's cells
 * (columns filled by flattening or by earlier transforms).
 */
#ifndef SRV_EXPR_H
#define SRV_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_row.h"

typedef enum srv_vkind {
    SV_NULL = 0,
    SV_BOOL,     /* i: 0 or 1 */
    SV_LONG,     /* i */
    SV_DOUBLE,   /* d */
    SV_STRING,   /* s, len: not NUL-terminated */
    SV_JSON      /* json: a cJSON object or array of the source record */
} srv_vkind;

typedef struct srv_val {
    srv_vkind kind;
    int64_t i;
    double d;
    const char *s;
    uint32_t len;
    const void *json;
} srv_val;

/* Scratch memory for one record: blocks that never move, so values may
 * point into them until the next reset. */
typedef struct srv_arena {
    struct srv_arena_block *head;
    void **temps;        /* cJSON trees parsed from JSON text during evaluation */
    uint32_t ntemps, captemps;
} srv_arena;

void *srv_arena_alloc(srv_arena *a, size_t n);
char *srv_arena_strndup(srv_arena *a, const char *s, size_t n);
void srv_arena_keep_json(srv_arena *a, void *json);
void srv_arena_reset(srv_arena *a);
void srv_arena_free(srv_arena *a);

/* The record being ingested. */
typedef struct srv_record {
    const seg_row *row;          /* cells decoded so far (may be NULL) */
    const void *json;            /* the message's cJSON object, or NULL */
    /* a delimited text record (CSV): field names and values */
    const char *const *names;
    const char *const *values;
    const uint32_t *lens;
    uint32_t nfields;
} srv_record;

typedef struct srv_expr srv_expr;

/* Parses text; errors say what was expected and the byte offset. Column
 * names resolve against schema (for the row fallback). */
int srv_expr_parse(const char *text, const seg_schema *schema, srv_expr **out, char *err);
void srv_expr_free(srv_expr *e);

int srv_expr_eval(const srv_expr *e, const srv_record *rec, srv_arena *a, srv_val *out,
                  char *err);
/* SQL truth of a value: 1 true, 0 false, -1 unknown (NULL). */
int srv_val_truth(const srv_val *v);
/* A value as text (numbers as Java prints them, JSON compact). */
int srv_val_text(const srv_val *v, srv_arena *a, const char **s, uint32_t *len);
/* A cJSON value as a value (objects and arrays stay JSON). */
srv_val srv_val_from_json(const void *json);
/* A value as a number: *is_int tells whether *i (exact) or *d holds it. */
int srv_val_number(const srv_val *v, bool *is_int, int64_t *i, double *d);

#endif
