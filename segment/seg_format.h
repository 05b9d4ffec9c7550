/*
 * seg_format.h: the byte layout of an immutable segment's column, as the
 * seal writes it and the immutable segment reads it in place.
 *
 * One column is one blob: a seg_colhdr, then sections, each starting at a
 * multiple of 32 bytes from the header (CRoaring's frozen bitmaps must start
 * 32-byte aligned to be read in place). All integers are little-endian.
 *
 *   dict       sorted dictionary: card values of the type's width (INT and
 *              BOOLEAN int32, LONG and TIMESTAMP int64, FLOAT float, DOUBLE
 *              double), or for STRING/BYTES the concatenated bytes
 *   dict_offs  STRING/BYTES: card + 1 uint32 offsets into dict
 *   fwd        dictionary columns: ids bit-packed at nbits bits each, in
 *              document order (multi-value: all values of doc 0, then doc 1,
 *              ...), LSB first, plus 8 bytes of slack for 64-bit loads;
 *              raw columns: ndocs values of the type's width
 *   mv_offs    multi-value: ndocs + 1 uint32 offsets into fwd's values
 *   inv        inverted index: card entries {uint64 offset, uint64 length}
 *              of frozen roaring bitmaps in inv_data
 *   doc_starts docs sorted by this column: card + 1 uint32, the first doc
 *              holding each id
 *   nulls      frozen roaring bitmap of docs that had no value
 *   range_*    range index: range_buckets + 1 uint32 first ids per bucket
 *              (the last = card), bucket bitmaps as inv
 *
 * The frozen bitmap layout is CRoaring's own and may change between its
 * versions: roaring_version records the writer's, and a reader of another
 * version refuses the column with a clear error rather than misreading it.
 */
#ifndef SEG_FORMAT_H
#define SEG_FORMAT_H

#include <stdint.h>

#define SEG_COL_MAGIC 0x4c434e54u /* "TNCL" */
#define SEG_COL_VERSION 1
#define SEG_ALIGN 32

enum {
    SEG_CF_DICT = 1,         /* dictionary-encoded */
    SEG_CF_SV = 2,           /* single-value */
    SEG_CF_DOCS_SORTED = 4,  /* documents ordered by this column */
    SEG_CF_INVERTED = 8,
    SEG_CF_RANGE = 16,
    SEG_CF_NULLS = 32,
};

typedef struct seg_sect {
    uint64_t off; /* from the start of the header */
    uint64_t len;
} seg_sect;

typedef struct seg_colhdr {
    uint32_t magic;
    uint16_t version;
    uint8_t type;            /* seg_type */
    uint8_t flags;           /* SEG_CF_* */
    uint32_t ndocs;
    uint32_t cardinality;
    uint32_t nbits;
    uint32_t max_mv;
    uint64_t total_entries;  /* values over all docs (== ndocs for SV) */
    uint32_t range_buckets;
    uint32_t roaring_version;
    int64_t min_bits;        /* numeric min/max as value bits */
    int64_t max_bits;
    uint64_t checksum;       /* seg_checksum of the bytes after the header */
    uint64_t body_len;
    seg_sect dict, dict_offs, fwd, mv_offs, inv, inv_data, doc_starts, nulls,
        range_firsts, range_inv, range_data;
    uint8_t reserved[8];
} seg_colhdr;

_Static_assert(sizeof(seg_colhdr) % SEG_ALIGN == 0, "header keeps alignment");

#define SEG_ROARING_VERSION (0 * 10000 + 2 * 100 + 66)

/* A fast 64-bit checksum (not cryptographic) to detect corruption. */
uint64_t seg_checksum(const void *p, uint64_t len);

#endif
