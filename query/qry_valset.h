/*
 * qry_valset.h: a set of distinct values, optionally with a count per value,
 * for exact distinct aggregations and MODE.
 *
 * Open addressing with linear probing, kept at most half full. Numbers are
 * 64-bit patterns: LONG values as themselves, DOUBLE values as Java's
 * doubleToLongBits (all NaNs one value, -0.0 apart from 0.0), which is how
 * Pinot's fastutil sets and maps tell values apart. Strings are copied
 * into a byte pool the set owns, since the batch that carried them is gone
 * by the time the set is read. A set owns all its memory; free with
 * qry_valset_free.
 */
#ifndef QRY_VALSET_H
#define QRY_VALSET_H

#include <stdbool.h>
#include <stdint.h>

#include "tn_common.h"

enum { QRY_VS_NONE = 0, QRY_VS_LONG = 1, QRY_VS_DOUBLE = 2, QRY_VS_STRING = 3 };

typedef struct qry_vs_str {
    uint64_t off;    /* into pool */
    uint32_t len;
} qry_vs_str;

typedef struct qry_valset {
    uint8_t kind;        /* QRY_VS_LONG, _DOUBLE or _STRING */
    uint32_t n;          /* distinct values */
    uint32_t mask;       /* slots - 1 */
    uint64_t *key;       /* per slot: the value's bits, or a string's hash */
    uint32_t *ref;       /* per slot: 0 = empty; numbers 1; strings 1 + index in strs */
    uint64_t *count;     /* per slot, or NULL when the set does not count */
    qry_vs_str *strs;    /* strings in insertion order */
    uint32_t strcap;
    char *pool;
    size_t pool_len, pool_cap;
} qry_valset;

qry_valset *qry_valset_new(uint8_t kind, bool counted);
void qry_valset_free(qry_valset *s);

/* Adds a value (count times, for a counting set). */
void qry_valset_add_long(qry_valset *s, int64_t v, uint64_t count);
void qry_valset_add_double(qry_valset *s, double d, uint64_t count);
void qry_valset_add_str(qry_valset *s, const char *p, uint32_t len, uint64_t count);

/* Makes room for `more` new values without rehashing on the way (a set
 * about to receive a segment's distinct values grows once, not ~log2 n
 * times). */
void qry_valset_reserve(qry_valset *s, uint32_t more);

/* Makes a LONG set a DOUBLE set (values converted; counts of values that
 * become equal add up). */
void qry_valset_to_double(qry_valset *s);

/* Adds every value of src (with its count) to dst; numbers of one kind go
 * into a set of the other converted. false when one holds strings and the
 * other numbers. */
bool qry_valset_union(qry_valset *dst, const qry_valset *src);

/* Slot i holds a value (iterate i over [0, mask]). */
static inline bool qry_valset_used(const qry_valset *s, uint32_t i) { return s->ref[i] != 0; }

/* The number in slot i as a double (numeric sets). */
double qry_valset_number(const qry_valset *s, uint32_t i);

/* The bits of a double as a numeric set keys them, and back. */
uint64_t qry_valset_double_key(double d);
double qry_valset_key_double(uint64_t k);

#endif
