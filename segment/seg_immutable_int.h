/*
 * seg_immutable_int.h: the immutable segment's internals, shared with the
 * generic segment code (seg_segment.c). Not part of the public contract.
 */
#ifndef SEG_IMMUTABLE_INT_H
#define SEG_IMMUTABLE_INT_H

#include "seg_format.h"
#include "seg_immutable.h"

typedef struct imm_col {
    const seg_field *field;  /* into the segment's schema */
    const seg_colhdr *h;     /* NULL: the segment lacks this column */
    const uint8_t *base;     /* == (const uint8_t *)h */
    uint8_t *owned;          /* aligned copy of a misaligned blob */
} imm_col;

typedef struct seg_immutable {
    seg_segment base;
    imm_col *cols;
    uint32_t ncols;
    size_t bytes;
    seg_storage_release release;
    void *owner;
} seg_immutable;

void imm_column_open(const imm_col *c, uint32_t ndocs, seg_col *out);
void imm_unpack(const imm_col *c, uint64_t first, uint32_t n, uint32_t *out);
void imm_free(seg_immutable *s);

#endif
