/*
 * seg_row.h: one event as typed cells in schema order, and its decoding
 * from a JSON object (the shape of Kafka messages and JSON-lines files).
 *
 * A row is reused from event to event: seg_row_reset keeps its buffers so
 * the ingestion hot path allocates nothing once warm.
 */
#ifndef SEG_ROW_H
#define SEG_ROW_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_schema.h"
#include "tn_arena.h"

typedef struct seg_cell {
    bool is_null;       /* no value: stored as the default, marked null */
    uint32_t nvals;     /* multi-value columns: number of values in mv */
    seg_value v;        /* single-value columns */
    seg_value *mv;      /* multi-value columns: nvals values */
} seg_cell;

typedef struct seg_row {
    const seg_schema *schema;
    uint32_t ncells;       /* == schema->nfields */
    seg_cell *cells;
    /* Owned scratch: string bytes and multi-value arrays of the current row.
     * Cells point into them, so they are valid until the next reset. */
    tn_buf strings;
    seg_value *mvpool;
    uint32_t mvpool_len, mvpool_cap;
    void *json;            /* parsed JSON tree the strings may point into */
    tn_arena arena;        /* holds json when the cJSON hooks are installed */
    bool json_in_arena;    /* json is reset with the arena, not cJSON_Delete'd */
    void *keymap;          /* private to seg_row.c: JSON key -> field lookup */
} seg_row;

void seg_row_init(seg_row *row, const seg_schema *schema);
/* Marks every cell null (default value) and drops the previous row's data. */
void seg_row_reset(seg_row *row);
void seg_row_free(seg_row *row);

/* Sets cells from values the caller owns (they must outlive the append). */
void seg_row_set(seg_row *row, uint32_t field, seg_value v);
void seg_row_set_mv(seg_row *row, uint32_t field, const seg_value *vals,
                    uint32_t n);

/* Decodes one JSON object (text of len bytes) into row. Keys match column
 * names exactly first, then case-insensitively; unknown keys are ignored;
 * missing keys and JSON null give null cells. Numbers given as strings and
 * scalars for multi-value columns are accepted as Pinot does. On failure
 * returns TN_EINVAL with the reason (byte offset for malformed JSON, column
 * and expected type for a value that does not convert) in err; the row is
 * then reset. */
int seg_row_parse_json(seg_row *row, const char *text, size_t len, char *err);

/* Decodes a cJSON object the caller owns (and keeps alive while the row is
 * used: strings may point into it), as seg_row_parse_json does. */
int seg_row_decode_object(seg_row *row, const void *obj, char *err);

/* Makes dst (initialised with the same schema) an independent copy of src:
 * string bytes and multi-value lists are copied into dst's own buffers. */
void seg_row_copy(seg_row *dst, const seg_row *src);

/* Routes cJSON's allocations through a hook so that seg_row_parse_json
 * builds its tree in the row's arena (one pointer bump per node, one reset
 * per message, instead of a malloc and a free per node and string). cJSON's
 * hooks are process-wide: call this once at startup, before any thread
 * uses cJSON. Every other cJSON use, on any thread, keeps malloc/free (the
 * hook dispatches on a per-thread pointer only the row parse sets), so
 * cJSON_free, free() of printed text and cJSON_Delete behave as before.
 * Without it, rows parse with cJSON's malloc as before. */
void seg_row_json_hooks_install(void);

#endif
