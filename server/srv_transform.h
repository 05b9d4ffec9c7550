/*
 * srv_transform.h: what ingestion does to a decoded row before it is
 * appended, in Pinot's order: flatten nested JSON into dotted columns (a
 * schema column "a.b" takes the value at a -> b), compute transformConfigs
 * columns (only where the record has no value for them, as Pinot does),
 * then evaluate filterConfig (rows for which it is true are dropped).
 *
 * One srv_rowproc per ingesting thread: it owns the scratch memory that
 * the row's new values point into until srv_rowproc_done.
 */
#ifndef SRV_TRANSFORM_H
#define SRV_TRANSFORM_H

#include "srv_expr.h"
#include "srv_table_config.h"

typedef struct srv_rowproc srv_rowproc;

/* Compiles the config's transforms and filter against schema; errors name
 * the config key and the position in the expression. */
int srv_rowproc_create(const srv_table_config *c, const seg_schema *schema,
                       srv_rowproc **out, char *err);
void srv_rowproc_free(srv_rowproc *p);

/* True when there is nothing to do for any row (the hot path skips it). */
bool srv_rowproc_trivial(const srv_rowproc *p);

/* Completes row (decoded from rec). *drop tells that the filter matched.
 * TN_EINVAL with the column and reason when a transform fails. */
int srv_rowproc_apply(srv_rowproc *p, seg_row *row, const srv_record *rec, bool *drop,
                      char *err);
/* Releases the scratch of the last row (call after appending it). */
void srv_rowproc_done(srv_rowproc *p);

/* Sets a row cell from an expression value, converting to the column's
 * type the way Pinot converts (strings parsed, numbers cast). Strings are
 * copied into a. */
int srv_set_cell(seg_row *row, uint32_t field, const srv_val *v, srv_arena *a, char *err);
/* One value converted to the field's type (strings copied into a). */
int srv_val_to_value(const seg_field *f, const srv_val *v, srv_arena *a, seg_value *out,
                     char *err);

#endif
