/*
 * seg_schema_int.h: helpers seg_value.c shares with seg_schema.c. Not part
 * of the module's public contract.
 */
#ifndef SEG_SCHEMA_INT_H
#define SEG_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "seg_schema.h"

void seg_trim(const char **s, size_t *len);
bool seg_is_space(char c);
bool seg_parse_i64(const char *s, size_t len, int64_t *out);
bool seg_is_digit(char c);
bool seg_type_numeric(seg_type t);
seg_value seg_value_str(const char *p, uint32_t len);

#endif
