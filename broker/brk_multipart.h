/*
 * brk_multipart.h: multipart/form-data bodies (RFC 7578), as Pinot's
 * controller takes file uploads (POST /schemas, POST /ingestFromFile).
 *
 * Parsing does not copy the parts' data: each part points into the body,
 * which must outlive the parts. Names and content types are small heap
 * copies owned by the part list.
 */
#ifndef BRK_MULTIPART_H
#define BRK_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tn_common.h"

typedef struct brk_part {
    char *name;               /* Content-Disposition name ("" when absent) */
    char *filename;           /* Content-Disposition filename, or NULL */
    char *content_type;       /* the part's Content-Type, or NULL */
    const uint8_t *data;      /* into the body */
    size_t len;
} brk_part;

/* True when a Content-Type header value names multipart/form-data. */
bool brk_multipart_is(const char *content_type);

/* Splits body into parts. content_type is the request's Content-Type
 * header value (it carries the boundary). TN_EINVAL with the reason and
 * byte offset when the body is malformed. Free with brk_multipart_free. */
int brk_multipart_parse(const char *content_type, const uint8_t *body, size_t len,
                        brk_part **parts, uint32_t *nparts, char *err);
void brk_multipart_free(brk_part *parts, uint32_t nparts);

/* The first part named name, or NULL. */
const brk_part *brk_multipart_find(const brk_part *parts, uint32_t nparts, const char *name);

#endif
