/*
 * seg_seal.h: turning a segment (usually a mutable one, at a document
 * count) into an immutable segment image: sorted dictionaries, bit-packed
 * forward indexes, run-optimized roaring bitmaps, optional sorted column and
 * range indexes, and per-column statistics.
 *
 * An image lives in the heap; seg_store_write puts it into LMDB, and
 * seg_image_open reads it in place as an immutable segment (tests, local
 * mode).
 */
#ifndef SEG_SEAL_H
#define SEG_SEAL_H

#include "seg_segment.h"

typedef struct seg_image_col {
    char *name;
    uint8_t *data;   /* SEG_ALIGN-aligned; starts with a seg_colhdr */
    size_t len;
} seg_image_col;

typedef struct seg_image {
    seg_meta meta;
    seg_schema *schema;
    uint32_t ncols;
    seg_image_col *cols;
} seg_image;

typedef struct seg_seal_opts {
    const char *name;            /* the sealed segment's name; NULL keeps it */
    const char *sorted_column;   /* reorder documents by it; NULL = keep */
    /* Inverted indexes: with inverted_set, exactly these columns; otherwise
     * every dictionary column whose cardinality is at most a quarter of the
     * documents (or at most 256), where a bitmap beats a scan. */
    const char *const *inverted_columns;
    uint32_t n_inverted;
    bool inverted_set;
    const char *const *range_columns;  /* numeric columns to range-index */
    uint32_t n_range;
    /* The source position after the sealed documents. Sealing a prefix of a
     * segment that has grown further cannot know it (skipped messages leave
     * gaps in offsets), so there the caller sets it, or it is -1. */
    bool set_end_offset;
    int64_t end_offset;
} seg_seal_opts;

/* Seals the first ndocs documents of s. */
int seg_seal(const seg_segment *s, uint32_t ndocs, const seg_seal_opts *o,
             seg_image **out, char *err);
void seg_image_free(seg_image *img);

/* Metadata of an image or stored segment as JSON (for the store and for
 * the admin API), and back. */
char *seg_meta_to_json(const seg_meta *m, const seg_schema *schema);
int seg_meta_from_json(const char *json, size_t len, seg_meta *m,
                       seg_schema **schema, char *err);

#endif
