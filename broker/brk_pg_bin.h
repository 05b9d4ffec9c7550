/*
 * brk_pg_bin.h: PostgreSQL's binary send/recv formats of numeric, date,
 * timestamp and timestamptz, converted from and to the text forms the rest
 * of the endpoint works with. Results are rendered as text first and then
 * encoded (so a numeric never goes through a double on the way), and binary
 * Bind parameters are decoded to the text the query path substitutes.
 * Pure functions: no state, no I/O.
 */
#ifndef BRK_PG_BIN_H
#define BRK_PG_BIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qry_expr.h"
#include "qry_reduce.h"
#include "tn_common.h"

/* Type OIDs of the codecs here (numeric, int4 and int8 live in brk_pg_proto.h). */
enum { BRK_PG_DATE = 1082, BRK_PG_TIMESTAMPTZ = 1184 };

/* Whether oid is numeric (1700), date (1082), timestamp (1114) or
 * timestamptz (1184). */
bool brk_pg_bin_has(int32_t oid);

/* Appends the binary form of text s[0..n) (PostgreSQL's input syntax:
 * numeric "-12.50", "1e-3", "NaN", "Infinity"; date "YYYY-MM-DD[ BC]";
 * timestamps "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][zone][ BC]", "infinity",
 * "-infinity"; timestamptz converts a zone offset to UTC, timestamp ignores
 * it as PostgreSQL does). Returns TN_OK, TN_EINVAL (bad syntax) or TN_EFULL
 * (out of the type's range) with a message; out is unchanged on failure. */
int brk_pg_bin_from_text(int32_t oid, const char *s, size_t n, tn_buf *out, char *err);

/* Appends the text form (PostgreSQL's output, DateStyle ISO, TimeZone UTC)
 * of binary value p[0..n). Returns TN_OK, TN_EINVAL (malformed value) or
 * TN_EFULL (out of range) with a message; out is unchanged on failure. */
int brk_pg_bin_to_text(int32_t oid, const uint8_t *p, size_t n, tn_buf *out, char *err);

/* The SQLSTATE of a failed conversion: 22P02 syntax, 22P03 bad binary
 * (from_text false), 22003 numeric overflow, 22008 date/time overflow. */
const char *brk_pg_bin_sqlstate(int32_t oid, int rc, bool from_text);

/* A result cell (not NULL) in binary for oid (brk_pg_bin_has): its text
 * form (brk_pg_text_value) encoded. */
int brk_pg_bin_value(tn_buf *b, const qry_val *v, int32_t oid, char *err);

/* Whether every non-NULL cell of column col converts to oid's binary form
 * (checked before a result goes out in binary, so no row fails half-sent).
 * TN_OK, or the failing conversion's code with the column and row named. */
int brk_pg_bin_check_column(const qry_result *r, uint32_t col, int32_t oid, char *err);

#endif
