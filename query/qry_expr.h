/*
 * qry_expr.h: expressions of the SQL subset, the batch vectors they
 * evaluate into, and the registry of scalar functions.
 *
 * Evaluation is by batch: a node computes up to QRY_BATCH values at once
 * into a qry_vec, so per-value work is a tight loop, not a call per value.
 * Everything an evaluation allocates (vectors, strings made by functions)
 * comes from a qry_arena that the caller resets between batches.
 */
#ifndef QRY_EXPR_H
#define QRY_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "seg_schema.h"
#include "tn_common.h"

#define QRY_BATCH 1024

/* Pinot's error codes, carried by every query error. */
enum {
    QRY_ERR_JSON = 100,
    QRY_ERR_PARSE = 150,
    QRY_ERR_TABLE = 190,
    QRY_ERR_EXEC = 200,
    QRY_ERR_TIMEOUT = 250,
    QRY_ERR_CANCELLED = 503,
    QRY_ERR_VALIDATION = 700,
    QRY_ERR_UNKNOWN_COLUMN = 710,
};

/* A query error: Pinot error code, byte position in the SQL text (-1 when
 * none), and a message that names the construct. */
typedef struct qry_err {
    int code;
    int position;
    char msg[TN_ERRLEN];
} qry_err;

/* Sets e and returns -1 (so callers can `return qry_fail(...)`). */
int qry_fail(qry_err *e, int code, int position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- arena: bump allocation, reset as a whole ------------------------- */

typedef struct qry_arena {
    struct qry_arena_block *blocks;
    size_t used_in_head;
} qry_arena;

void *qry_alloc(qry_arena *a, size_t n);          /* 16-byte aligned, zeroed */
char *qry_strndup(qry_arena *a, const char *s, size_t n);
void qry_arena_reset(qry_arena *a);               /* keeps the first block */
void qry_arena_free(qry_arena *a);

/* ---- values ------------------------------------------------------------ */

/* Physical kind of a value at query time. INT, LONG, BOOLEAN, TIMESTAMP are
 * QV_LONG; FLOAT, DOUBLE are QV_DOUBLE; STRING, BYTES are QV_STRING. */
typedef enum qry_kind {
    QV_NULL = 0,
    QV_LONG,
    QV_DOUBLE,
    QV_STRING,
    QV_ARRAY           /* a multi-value cell in a result row (arr, arr_len) */
} qry_kind;

qry_kind qry_kind_of(seg_type t);

/* One scalar (literals, group keys, result cells). */
typedef struct qry_val {
    qry_kind kind;
    seg_type type;        /* logical type, for result rendering */
    int64_t i;
    double d;
    const char *s;        /* not NUL-terminated; owned by an arena or the query */
    uint32_t len;
    const struct qry_val *arr; /* QV_ARRAY elements */
} qry_val;

/* A batch of values. For a multi-value vector, the values of row r are
 * [mv_off[r], mv_off[r + 1]) of the value arrays. */
typedef struct qry_vec {
    qry_kind kind;
    seg_type type;
    uint32_t n;           /* rows */
    int64_t *i;           /* QV_LONG values */
    double *d;            /* QV_DOUBLE values */
    seg_value *s;         /* QV_STRING values (p, len) */
    uint8_t *nulls;       /* per row, 1 = NULL; NULL pointer = no NULLs */
    uint32_t *mv_off;     /* multi-value: n + 1 offsets; NULL = single-value */
} qry_vec;

/* Allocates a single-value vector of n rows of kind k from the arena. */
qry_vec *qry_vec_new(qry_arena *a, qry_kind k, seg_type type, uint32_t n);

/* ---- expressions --------------------------------------------------------- */

typedef enum qry_op {
    QE_COLUMN,       /* a schema column: col, name */
    QE_LITERAL,      /* lit */
    QE_STAR,         /* the * in COUNT(*) */
    QE_CALL,         /* scalar function (incl. operators): func, args */
    QE_AGG,          /* aggregation: agg, args, filter */
    QE_AND, QE_OR, QE_NOT,
    /* predicates: args[0] is the tested expression */
    QE_CMP,          /* cmp, args[1] */
    QE_BETWEEN,      /* args[1], args[2] */
    QE_IN,           /* args[1..] (negated for NOT IN) */
    QE_LIKE,         /* args[1] pattern */
    QE_REGEXP,       /* args[1] pattern */
    QE_IS_NULL,      /* negated for IS NOT NULL */
} qry_op;

typedef enum qry_cmp { QC_EQ, QC_NE, QC_LT, QC_LE, QC_GT, QC_GE } qry_cmp;

struct qry_func;
struct qry_agg_fn;

typedef struct qry_expr {
    qry_op op;
    seg_type type;              /* result type, set by binding */
    bool mv;                    /* yields multi-value rows */
    bool negated;               /* NOT IN, NOT LIKE, IS NOT NULL, NOT BETWEEN */
    qry_cmp cmp;
    int col;                    /* QE_COLUMN: schema field index */
    char *name;                 /* column name as written, or function name */
    qry_val lit;                /* QE_LITERAL */
    const struct qry_func *func;/* QE_CALL, set by binding */
    const struct qry_agg_fn *agg;/* QE_AGG, set by binding */
    int agg_slot;               /* QE_AGG: index among the query's aggregations */
    bool distinct;              /* COUNT(DISTINCT x) before rewriting */
    uint32_t nargs;
    struct qry_expr **args;
    struct qry_expr *filter;    /* QE_AGG: FILTER (WHERE ...) or NULL */
    void *aux;                  /* compiled state (regex, IN set), owned by the query arena */
    int position;               /* byte offset in the SQL text */
    const char *render;         /* QE_AGG: the result name when it is not what
                                   the function and args say: a legacy
                                   percentile95(x) evaluates as percentile(x,
                                   95) but keeps its name. Set by binding. */
} qry_expr;

/* Pinot's rendering of an expression as a result column name:
 * identifiers as written, functions lower-case without underscores with
 * args joined by ',' and literals single-quoted ("plus(a,'1')"),
 * aggregations "sum(x)", "count(*)", "percentile(x, 95.0)". Arena string. */
const char *qry_expr_name(const qry_expr *e, qry_arena *a);

/* ---- scalar functions ------------------------------------------------------ */

/* Context of one batch evaluation: the arena, the query time (for NOW and
 * ago), and whether NULLs are SQL NULLs (null handling) or defaults. */
typedef struct qry_eval_ctx {
    qry_arena *arena;
    int64_t now_ms;
    bool null_handling;
} qry_eval_ctx;

typedef struct qry_func {
    const char *name;     /* canonical: lower case, no underscores */
    int min_args, max_args;
    /* Checks argument types and literal arguments (e.g. a unit name), sets
     * e->type and e->mv, may precompute into e->aux (arena). */
    int (*bind)(qry_expr *e, qry_arena *a, qry_err *err);
    /* Computes out (n rows) from the evaluated arguments. */
    int (*eval)(const qry_expr *e, qry_vec *const *args, uint32_t n,
                qry_eval_ctx *cx, qry_vec **out, qry_err *err);
} qry_func;

/* Looks a function up by any spelling ("DATE_TRUNC", "dateTrunc"). Operators
 * are functions too: plus minus times divide mod negate (Pinot's names),
 * and case, cast. NULL when unknown. */
const qry_func *qry_func_find(const char *name);

#endif
