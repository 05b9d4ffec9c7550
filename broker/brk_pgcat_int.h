/*
 * brk_pgcat_int.h: what the catalog evaluator's files share: tagged
 * values, in-memory relations, the catalog built for one statement, and the
 * evaluation context (arena, session, error). Everything a statement
 * allocates lives in the context's arena and goes with it.
 */
#ifndef BRK_PGCAT_INT_H
#define BRK_PGCAT_INT_H

#include <cjson/cJSON.h>

#include "brk_pgcat.h"

/* Type OIDs beyond brk_pg_proto.h's. */
enum {
    PC_CHAR = 18, PC_NAME = 19, PC_INT2VECTOR = 22, PC_REGPROC = 24, PC_OID = 26,
    PC_OIDVECTOR = 30, PC_NODE_TREE = 194, PC_ACLITEM = 1033, PC_REGCLASS = 2205,
    PC_REGTYPE = 2206, PC_REGNAMESPACE = 4089, PC_TIMESTAMPTZ = 1184, PC_DATE = 1082,
    PC_BPCHAR = 1042
};

/* Namespace OIDs, as PostgreSQL numbers them (information_schema's varies). */
enum { PC_NS_CATALOG = 11, PC_NS_PUBLIC = 2200, PC_NS_INFO = 13000 };
#define PC_FIRST_TABLE_OID 16384
#define PC_ARRAY_IN 750            /* regproc: the input function of arrays */

typedef enum pv_kind { PV_NULL, PV_INT, PV_FLOAT, PV_TEXT, PV_BOOL, PV_ARRAY } pv_kind;

/* A value with its PostgreSQL type. Text is NUL-terminated; an array's
 * elements are a[0..n). */
typedef struct pv {
    pv_kind k;
    int32_t oid;
    int64_t i;
    double d;
    const char *s;
    uint32_t n;
    const struct pv *a;
} pv;

/* A relation: columns (with the qualifier they answer to) and rows.
 * hidden (NULL: none) marks columns an unqualified * leaves out: the two
 * sides' copies of a JOIN USING column, whose merged column comes first. */
typedef struct pc_rel {
    uint32_t ncols;
    const char **qual, **cols;
    int32_t *types;
    const bool *hidden;
    uint32_t nrows, cap;
    pv *cells;                 /* nrows * ncols */
} pc_rel;

typedef struct pc_named {
    const char *schema, *name;
    int32_t oid;
    char kind;                 /* relkind */
    pc_rel *rel;
} pc_named;

/* A WITH query in scope: its result, visible to the rest of its WITH
 * list, its statement and that statement's subqueries (innermost first). */
typedef struct pc_cte {
    const char *name;
    pc_rel *rel;
    struct pc_cte *next;
} pc_cte;

typedef struct pc_ctx {
    qry_arena *a;
    const brk_pgcat_env *env;
    pc_named *rels;
    uint32_t nrels;
    pc_cte *ctes;
    int depth;                 /* subquery nesting, bounded */
    bool failed;
    char sqlstate[6];
    char msg[TN_ERRLEN];
    int position;
} pc_ctx;

/* Per-row window function results of one query level. */
typedef struct pc_win {
    const cJSON *node;
    pv *vals;                  /* by row of the scope's relation */
    struct pc_win *next;
} pc_win;

/* Where column references look: a (relation, row) frame; frames of the
 * same FROM chain through next, the enclosing query's after them. A
 * frame with group set evaluates aggregates over those rows. */
typedef struct pc_scope {
    const pc_rel *rel;
    uint32_t row;
    const uint32_t *group;
    uint32_t ngroup;
    const pc_win *win;
    const struct pc_scope *next;
} pc_scope;

/* ---- brk_pgcat_rel.c ---------------------------------------------------- */
pc_rel *pc_rel_new(qry_arena *a, uint32_t ncols);
/* Appends a row of NULLs; returns its cells. */
pv *pc_rel_add(qry_arena *a, pc_rel *r);
int pc_rel_col(const pc_rel *r, const char *name);
/* Builds every catalog relation for c->env. */
void pc_build(pc_ctx *c);
const pc_named *pc_find_rel(const pc_ctx *c, const char *schema, const char *name);
const pc_named *pc_find_rel_oid(const pc_ctx *c, int64_t oid);
/* pg_type: a type's name (typname), its SQL name (format_type), array
 * element; NULL when unknown. */
const char *pc_type_name(int32_t oid);
const char *pc_type_sql(int32_t oid);
int32_t pc_type_by_name(const char *name);
int32_t pc_type_array_of(int32_t elem);
int32_t pc_type_elem(int32_t arr);

/* ---- brk_pgcat_val.c ---------------------------------------------------- */
pv pv_null(void);
pv pv_int(int64_t i, int32_t oid);
pv pv_bool(bool b);
pv pv_text(pc_ctx *c, const char *s, int32_t oid);
/* A value as text (NULL for NULL), reg* types by name. */
const char *pv_to_text(pc_ctx *c, const pv *v);
/* Compares two non-NULL values, converting an untyped string to the other
 * side's kind. -1 (and c failed) when they cannot be compared. */
int pv_cmp(pc_ctx *c, const pv *x, const pv *y, int *out);
bool pv_equal(pc_ctx *c, const pv *x, const pv *y);
/* Parses an array literal '{a,"b c"}' into text elements. */
pv pv_parse_array(pc_ctx *c, const char *s, int32_t elem_oid);
int pv_cast(pc_ctx *c, const pv *v, int32_t oid, pv *out);

/* ---- brk_pgcat_expr.c --------------------------------------------------- */
int pc_eval(pc_ctx *c, const cJSON *n, const pc_scope *s, pv *out);
/* A static guess of an expression's type for columns without values. */
int32_t pc_guess_type(pc_ctx *c, const cJSON *n, const pc_scope *s);
bool pc_is_aggregate(const cJSON *func);
bool pc_has_aggregate(const cJSON *n);
int pc_fail(pc_ctx *c, const cJSON *at, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *pc_str(const cJSON *o, const char *key);
/* The last name of a list of String nodes ("pg_catalog.x" -> x). */
const char *pc_last_name(const cJSON *list);

/* ---- brk_pgcat_eval.c --------------------------------------------------- */
/* Evaluates a SelectStmt (with outer as the enclosing query's scope). */
int pc_select(pc_ctx *c, const cJSON *stmt, const pc_scope *outer, pc_rel **out);
int pc_window_eval(pc_ctx *c, const cJSON *func, const pc_rel *rel, pv *vals,
                   const pc_scope *outer);

#endif
