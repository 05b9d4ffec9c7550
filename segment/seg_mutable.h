/*
 * seg_mutable.h: the in-memory segment that rows are appended to, one at a
 * time, while queries read it.
 *
 * Concurrency contract: exactly one thread appends; any number of threads
 * read, without locks. Every structure a reader touches only grows; a
 * document becomes visible when the writer publishes the document count
 * (release) after all of its column data is written, so a reader that loads
 * the count (acquire) sees a consistent prefix. Arrays that must move to
 * grow are copied, the copy published, and the old one kept until the
 * segment is freed, so a reader still holding the old pointer is safe.
 */
#ifndef SEG_MUTABLE_H
#define SEG_MUTABLE_H

#include "seg_row.h"
#include "seg_segment.h"

typedef struct seg_mutable seg_mutable;

typedef struct seg_mutable_opts {
    const char *name;
    const char *table;
    int32_t partition;           /* -1 if none */
    int64_t start_offset;        /* source offset of the first row, -1 if none */
    const char *time_column;     /* NULL if none */
    /* Metric columns stored as raw values instead of dictionary ids
     * (Pinot's noDictionaryColumns); only numeric single-value columns. */
    const char *const *no_dict_columns;
    uint32_t n_no_dict;
    /* Inverted indexes while consuming (Pinot's invertedIndexColumns): with
     * inverted_set, only these columns keep posting lists; otherwise every
     * dictionary column does. Columns without one are scanned. */
    const char *const *inverted_columns;
    uint32_t n_inverted;
    bool inverted_set;
} seg_mutable_opts;

/* Creates an empty mutable segment over a copy of schema. */
int seg_mutable_create(const seg_schema *schema, const seg_mutable_opts *o,
                       seg_mutable **out, char *err);

/* Appends one row decoded against the same schema (the writer thread
 * only). offset is the row's source offset (-1 if none); the segment's
 * end offset becomes offset + 1. TN_EFULL when the segment holds 2^31 docs. */
int seg_mutable_append(seg_mutable *m, const seg_row *row, int64_t offset,
                       char *err);

/* Advances the end offset without a row (a skipped bad message). */
void seg_mutable_skip_offset(seg_mutable *m, int64_t offset);

static inline seg_segment *seg_mutable_base(seg_mutable *m)
{
    return (seg_segment *)m;
}

/* Bytes of memory held (for flush thresholds and metrics). */
size_t seg_mutable_bytes(const seg_mutable *m);

#endif
