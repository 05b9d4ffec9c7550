/*
 * seg_immutable.h: a sealed segment read in place from column blobs laid
 * out as seg_format.h describes (LMDB's memory map, or a heap image).
 *
 * Opening checks every header and section bound, so a corrupted or
 * truncated column is refused with a reason instead of read out of bounds;
 * seg_immutable_verify also checks the checksums (a full read).
 */
#ifndef SEG_IMMUTABLE_H
#define SEG_IMMUTABLE_H

#include "seg_seal.h"

typedef struct seg_blob {
    const uint8_t *data;
    size_t len;
} seg_blob;

/* Called when the segment is freed, to release what backs the blobs. */
typedef void (*seg_storage_release)(void *owner);

/* Opens a segment over blobs given in the schema's field order (a NULL
 * data pointer marks a column the segment does not have). On success the
 * segment owns copies of meta and schema and calls release(owner) when
 * freed; on failure release is not called. */
int seg_immutable_open(const seg_meta *meta, const seg_schema *schema,
                       const seg_blob *cols, seg_storage_release release,
                       void *owner, seg_segment **out, char *err);

/* Opens an image as a segment; the segment takes ownership of img (also on
 * failure, when img is freed). */
int seg_image_open(seg_image *img, seg_segment **out, char *err);

/* Verifies every column's checksum. */
int seg_immutable_verify(const seg_segment *s, char *err);

/* Bytes of column data (for metrics and the size benchmark). */
size_t seg_immutable_bytes(const seg_segment *s);

#endif
