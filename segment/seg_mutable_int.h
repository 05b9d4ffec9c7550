/*
 * seg_mutable_int.h: the mutable segment's internals, shared with the seal
 * (seg_seal.c) and the generic segment code (seg_segment.c). Not part of
 * the module's public contract.
 */
#ifndef SEG_MUTABLE_INT_H
#define SEG_MUTABLE_INT_H

#include <stdatomic.h>
#include <strings.h>

#include "seg_mutable.h"

#define MUT_CHUNK_SHIFT 12
#define MUT_CHUNK_LEN (1u << MUT_CHUNK_SHIFT)
#define SEG_MUTABLE_MAX_DOCS (1u << 31)

/* Fixed-width elements in chunks that never move; the chunk directory is
 * copied to grow and the old one retired. */
typedef struct mut_cvec {
    _Atomic(uint8_t **) dir;
    uint32_t nchunks, dircap; /* writer only */
    uint32_t width;
} mut_cvec;

static inline void *mut_cvec_at(const mut_cvec *v, uint64_t i)
{
    uint8_t **dir = atomic_load_explicit(&v->dir, memory_order_acquire);
    return dir[i >> MUT_CHUNK_SHIFT] + (i & (MUT_CHUNK_LEN - 1)) * v->width;
}

/* Sorted doc ids, appended at the end only. Most values of a high
 * cardinality column occur once, so the first doc id is kept inline and
 * the array is allocated at the second. */
typedef struct mut_plist {
    _Atomic(uint32_t *) docs;   /* valid when len >= 2 */
    _Atomic uint32_t len;
    uint32_t first;             /* the doc when len == 1 */
    uint32_t cap;               /* writer only */
} mut_plist;

typedef struct mut_str {
    const char *p;
    uint32_t len;
} mut_str;

/* A slot is (hash >> 32) << 32 | (id + 1), 0 when empty: the stored hash
 * bits reject almost every non-matching slot without touching the
 * dictionary, in 8 bytes (the table is written to fresh memory as it grows,
 * which costs more than the rare extra compare). */
typedef struct mut_htab {
    uint32_t mask;
    _Atomic uint64_t slot[];
} mut_htab;

typedef struct mut_dict {
    mut_cvec vals;              /* int64/double bits, or mut_str */
    _Atomic uint32_t count;
    _Atomic(mut_htab *) htab;
    /* writer only: htab->mask, kept here because the table's header line
     * is cold once the table outgrows the cache */
    uint32_t mask;
} mut_dict;

typedef struct mut_col {
    const seg_field *field;     /* points into the segment's schema */
    seg_phys phys;
    bool sv;
    bool raw;                   /* no dictionary: fwd holds 8-byte values */
    bool inverted;              /* keeps posting lists */
    mut_cvec fwd;               /* single-value: ids (4 B) or raw (8 B) */
    mut_cvec mv_end;            /* multi-value: end offset per doc */
    mut_cvec mv_vals;           /* multi-value: ids */
    uint32_t mv_total;          /* writer only */
    _Atomic uint32_t max_mv;
    mut_dict dict;
    mut_cvec postings;          /* mut_plist per dictionary id */
    mut_plist nulls;
    _Atomic bool has_minmax;
    _Atomic int64_t min_bits;   /* value bits, or dictionary id for strings */
    _Atomic int64_t max_bits;
    /* The time column's zone map: min and max (mut_zone) of each run of
     * MUT_CHUNK_LEN documents, so that a time window cutting through a
     * consuming segment tests only the runs it cuts, not every document
     * or dictionary entry. Readers use complete runs only. */
    bool zoned;
    mut_cvec zones;
} mut_col;

typedef struct mut_zone {
    int64_t lo, hi;
} mut_zone;

/* One column's value for the row being appended, canonical, and its hash. */
typedef struct mut_probe {
    seg_value v;
    uint64_t h;
    bool big;   /* appended last (decided once per row: tables grow) */
} mut_probe;

struct seg_mutable {
    seg_segment base;
    mut_col *cols;
    mut_probe *probe;           /* writer only: per column, the current row */
    uint32_t ncols;
    int time_field;
    _Atomic uint32_t ndocs;
    _Atomic int64_t end_offset;
    _Atomic int64_t min_time;
    _Atomic int64_t max_time;
    void **retired;             /* memory readers may still hold */
    uint32_t nretired, retcap;
    char *arena;                /* current string block */
    uint32_t arena_used;
    size_t bytes;
};

int64_t mut_dict_find(const mut_dict *d, seg_phys phys, seg_value v);
void mut_column_open(const seg_mutable *m, uint32_t idx, uint32_t ndocs, seg_col *out);
int mut_column_index(const seg_mutable *m, const char *name);
uint32_t mut_ndocs(const seg_mutable *m);
void mut_meta(const seg_mutable *m, seg_meta *out);
void mut_free(seg_mutable *m);

#endif
