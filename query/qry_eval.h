/*
 * qry_eval.h: batch evaluation of bound expressions. Leaves (columns,
 * aggregation results) come from a source the caller provides: a segment's
 * columns for the rows of a batch during execution, or group keys and final
 * aggregation values during the reduce. Predicates evaluate to LONG 0/1
 * vectors (NULL flags set when null handling makes the answer unknown).
 */
#ifndef QRY_EVAL_H
#define QRY_EVAL_H

#include "qry_expr.h"

typedef struct qry_source {
    /* The vector of leaf e (QE_COLUMN or QE_AGG) for the current n rows. */
    int (*leaf)(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                qry_vec **out, qry_err *err);
    /* Optional, consulted first for every node: returns 1 with *out set when
     * the source already has the node's values (a GROUP BY key expression
     * during the reduce), 0 to evaluate it normally, -1 on error. */
    int (*known)(void *ctx, const qry_expr *e, uint32_t n, qry_eval_ctx *cx,
                 qry_vec **out, qry_err *err);
    void *ctx;
} qry_source;

int qry_eval(const qry_expr *e, const qry_source *src, uint32_t n,
             qry_eval_ctx *cx, qry_vec **out, qry_err *err);

/* Converts a vector in place to kind k (numbers <-> strings as Pinot casts
 * them); for comparisons and CAST. */
int qry_vec_convert(qry_vec *v, qry_kind k, qry_arena *a, qry_err *err);

/* Value r of v as a scalar (single-value vectors). */
void qry_vec_get(const qry_vec *v, uint32_t r, qry_val *out);

/* Compares two scalars of possibly different kinds (numbers numerically,
 * strings bytewise, a number and a string by converting the string). */
int qry_val_cmp(const qry_val *a, const qry_val *b);

/* Compiles what predicates need once per query, before any evaluation
 * (regular expressions, LIKE patterns, sorted IN lists), so that several
 * threads can then evaluate the same expressions; qry_prepared_free
 * releases what lives outside the arena (compiled regexes). */
int qry_prepare(qry_expr *e, qry_arena *a, qry_err *err);
void qry_prepared_free(qry_expr *e);

/* SQL LIKE on bytes: % any run, _ one byte, backslash escapes. */
bool qry_like_match(const char *s, uint32_t n, const char *p, uint32_t m);

/* Java's Double.toString (1.0, 0.001, 1.0E7, NaN, Infinity); returns the
 * length written. */
int qry_format_double(double d, char *buf, size_t cap);

/* Structural equality of bound expressions (for matching ORDER BY and
 * HAVING terms to select items and group keys). */
bool qry_expr_equal(const qry_expr *a, const qry_expr *b);

#endif
