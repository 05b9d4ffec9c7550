/*
 * seg_segment.h: what every segment offers the query engine, whatever its
 * kind (mutable and growing, or immutable and memory-mapped from LMDB).
 *
 * A query takes a view (segment + document count) once, then opens the
 * columns it needs through that view. Everything it reads is bounded by the
 * view's document count, so a mutable segment that keeps growing under the
 * query still answers for one consistent prefix of its documents.
 *
 * Columns are opened by the *table's current* field spec: a column the
 * segment does not have (the schema gained it after the segment was built)
 * opens as a constant column holding the field's default null value, with
 * every document in its null bitmap. That is schema evolution without a
 * reload.
 */
#ifndef SEG_SEGMENT_H
#define SEG_SEGMENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <roaring/roaring.h>

#include "seg_schema.h"

typedef enum seg_kind { SEG_KIND_MUTABLE, SEG_KIND_IMMUTABLE } seg_kind;

/* Where a segment came from and what it covers. */
typedef struct seg_meta {
    char *name;            /* table__partition__seq__time, as Pinot names them */
    char *table;
    int32_t partition;     /* -1 when not from a partitioned stream */
    int64_t start_offset;  /* first source offset in the segment, -1 if none */
    int64_t end_offset;    /* next source offset after the segment, -1 if none */
    int64_t min_time_ms;   /* time column range in epoch ms; INT64_MAX/MIN */
    int64_t max_time_ms;   /*   when there is no time column or no rows */
    int64_t created_ms;
    char *time_column;     /* NULL when the table has none */
    char *sorted_column;   /* NULL when documents are in arrival order */
    uint32_t ndocs;
} seg_meta;

void seg_meta_free(seg_meta *m);
void seg_meta_copy(seg_meta *dst, const seg_meta *src);

/* The part every segment object starts with. */
typedef struct seg_segment {
    seg_kind kind;
    atomic_uint refs;
    seg_schema *schema;    /* the columns this segment stores */
    seg_meta meta;         /* for a mutable segment, ndocs and the time and
                              offset range are read through the functions
                              below, which see the latest appends */
} seg_segment;

/* Reference counting: a segment is freed when its last holder releases it,
 * so a query keeps a segment alive even if retention drops it meanwhile. */
seg_segment *seg_segment_acquire(seg_segment *s);
void seg_segment_release(seg_segment *s);

/* Documents visible now (for a mutable segment: those fully appended). */
uint32_t seg_segment_ndocs(const seg_segment *s);
/* A copy of the metadata as of now (caller frees with seg_meta_free). */
void seg_segment_meta(const seg_segment *s, seg_meta *out);

/* ---- Column access ------------------------------------------------------ */

typedef struct seg_col seg_col;

typedef struct seg_col_ops {
    /* Dictionary value of id (id < cardinality). */
    void (*dict_get)(const seg_col *c, uint32_t id, seg_value *out);
    /* Dictionary id of v, or -1 when the value does not occur. */
    int64_t (*dict_find)(const seg_col *c, seg_value v);
    /* Dictionary ids of n consecutive documents from doc (single-value). */
    void (*read_ids)(const seg_col *c, uint32_t doc, uint32_t n, uint32_t *ids);
    /* Dictionary ids of a multi-value document; returns how many, writing
     * at most cap of them. */
    uint32_t (*read_mv)(const seg_col *c, uint32_t doc, uint32_t *ids,
                        uint32_t cap);
    /* Raw values of n consecutive documents, for columns without a
     * dictionary: int64 for integer types, double for float types. */
    void (*read_raw)(const seg_col *c, uint32_t doc, uint32_t n, void *out);
    /* The same for the n documents listed in docs (ascending): the shape of
     * the work after a filter (see roaring_read_uint32_iterator). */
    void (*read_ids_at)(const seg_col *c, const uint32_t *docs, uint32_t n,
                        uint32_t *ids);
    void (*read_raw_at)(const seg_col *c, const uint32_t *docs, uint32_t n,
                        void *out);
    /* Documents whose value (or one of whose values) has dictionary id id;
     * NULL when the column has no inverted index. The bitmap may be a
     * read-only view of the segment's storage: never modify it, release it
     * with seg_bitmap_free. */
    const roaring_bitmap_t *(*bitmap)(const seg_col *c, uint32_t id);
    /* Documents without a value; NULL when there are none. As above. */
    const roaring_bitmap_t *(*nulls)(const seg_col *c);
    /* Sorted columns: the documents [*start, *end) holding id. */
    void (*doc_range)(const seg_col *c, uint32_t id, uint32_t *start,
                      uint32_t *end);
    /* Range index: exactly the documents whose id lies in [first, last]
     * (a new bitmap the caller owns); NULL when there is no range index. */
    const roaring_bitmap_t *(*range_bitmap)(const seg_col *c, uint32_t first,
                                            uint32_t last);
    /* Zone map (nzones > 0): the least and greatest value of documents
     * [z * zone_docs, (z + 1) * zone_docs), z < nzones. */
    void (*zone)(const seg_col *c, uint32_t z, int64_t *lo, int64_t *hi);
} seg_col_ops;

struct seg_col {
    const seg_col_ops *ops;
    const void *impl;        /* kind-specific column */
    const seg_field *field;  /* the spec the column was opened with */
    seg_type type;
    uint32_t ndocs;          /* the view's bound */
    uint32_t cardinality;    /* dictionary entries visible to this view */
    bool has_dict;
    bool dict_sorted;        /* ids ordered as values: ranges are id ranges */
    bool single_value;
    bool docs_sorted;        /* documents ordered by this column */
    bool has_inverted;
    bool has_range;
    bool is_default;         /* column absent from the segment */
    uint32_t max_mv;         /* most values in one document */
    seg_value min, max;      /* over the segment's documents */
    seg_value def;           /* storage for a default column's value */
    /* A sealed dictionary of 64-bit values read in place: value id is
     * dict_i64[id] (or dict_f64[id]) for id < cardinality, without a
     * dict_get call per id. NULL for other widths and kinds of segment. */
    const int64_t *dict_i64;
    const double *dict_f64;
    /* A consuming segment's time column keeps min/max per run of zone_docs
     * documents (ops->zone); nzones complete runs lie inside the view. */
    uint32_t zone_docs, nzones;
};

/* Opens column f of segment s for a view of ndocs documents. The column is
 * valid while the caller holds a reference to s. TN_EINVAL when the segment
 * stores the column under another type. */
int seg_column_open(const seg_segment *s, uint32_t ndocs, const seg_field *f,
                    seg_col *out, char *err);

/* Dictionary ids [*first, *last] of values within the bounds (NULL bound =
 * unbounded) for a column with a sorted dictionary. Returns false when no
 * id qualifies. Binary search over the dictionary. */
bool seg_col_id_range(const seg_col *c, const seg_value *lo, bool lo_incl,
                      const seg_value *hi, bool hi_incl, uint32_t *first,
                      uint32_t *last);

/* Releases a bitmap returned by the column interface. */
static inline void seg_bitmap_free(const roaring_bitmap_t *r)
{
    if (r)
        roaring_bitmap_free((roaring_bitmap_t *)r);
}

/* Bitmap of documents [start, end); empty (not NULL) when start >= end,
 * unlike roaring_bitmap_from_range. */
roaring_bitmap_t *seg_bitmap_range(uint32_t start, uint32_t end);

/* Documents whose dictionary id lies in [first, last], by the cheapest
 * index the column has (sorted doc ranges, range index, OR of inverted
 * bitmaps); NULL when the column has none of them (the caller scans). */
roaring_bitmap_t *seg_col_ids_bitmap(const seg_col *c, uint32_t first,
                                     uint32_t last);

/* Value of one document (single-value), through the dictionary if any. */
void seg_col_value(const seg_col *c, uint32_t doc, seg_value *out);

#endif
