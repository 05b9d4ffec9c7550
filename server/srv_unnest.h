/*
 * srv_unnest.h: Pinot's complexTypeConfig on ingestion: one message
 * becomes N rows.
 *
 * In Pinot's order: nested objects are flattened into delimiter-joined
 * names, arrays that are not unnested become JSON text (per
 * collectionNotUnnestedToJson), each field of fieldsToUnnest (parents
 * first) multiplies the record by its array's elements (an element
 * object's fields become path.field; a missing, null or empty array keeps
 * the record once), prefixesToRename renames; then each row gets the
 * transforms and the filter (srv_rowproc).
 *
 * A message is all or nothing: every row is decoded, transformed and
 * copied into a staging area first, so the caller appends all of them or,
 * on any error, none.
 */
#ifndef SRV_UNNEST_H
#define SRV_UNNEST_H

#include "srv_transform.h"

/* Bounds on one message's fan-out: beyond them the message is invalid. */
#define SRV_UNNEST_MAX_ROWS 10000u
#define SRV_UNNEST_MAX_CELLS 1000000u            /* fields summed over rows */
#define SRV_UNNEST_MAX_BYTES (64u * 1024 * 1024) /* staged string bytes */

typedef struct srv_unnest srv_unnest;

/* cfg and schema must outlive the object. */
srv_unnest *srv_unnest_create(const srv_complex_config *cfg, const seg_schema *schema);
void srv_unnest_free(srv_unnest *u);

/* Turns one JSON message into staged rows: *nrows kept, *nfiltered dropped
 * by the filter. TN_EINVAL with the reason (and the row when a row is bad);
 * no row is staged then. proc may be NULL (no transforms, no filter). */
int srv_unnest_message(srv_unnest *u, srv_rowproc *proc, const char *text, size_t len,
                       uint32_t *nrows, uint32_t *nfiltered, char *err);

/* The i-th staged row of the last message (valid until the next call). */
const seg_row *srv_unnest_row(const srv_unnest *u, uint32_t i);

#endif
