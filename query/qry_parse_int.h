/*
 * qry_parse_int.h: what the parser's files share: the parse context, access
 * to libpg_query's JSON parse tree, and reading identifiers and numbers back
 * out of the original SQL text. Not part of the module's contract.
 *
 * Why the text: PostgreSQL down-cases unquoted identifiers, but Pinot keeps
 * them as written (table names, aliases), and libpg_query 15-4.0.0 drops
 * zero and negative integers from its JSON ("ival": {}), so those are read
 * back from the text at the node's location too.
 */
#ifndef QRY_PARSE_INT_H
#define QRY_PARSE_INT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "qry_plan.h"

/* Deepest expression nesting accepted; keeps every recursive walk (parse,
 * bind, naming, evaluation) far from the stack's end. */
#define QP_MAX_DEPTH 200
/* Most expression nodes that names of subqueries in FROM may expand to:
 * nested subqueries naming a column many times multiply. */
#define QP_MAX_COPIED 100000

/* A subquery in FROM being flattened (qry_parse_select.c): the names its
 * select list gives, each with the expression (over the table's columns)
 * the outer query gets in its place. */
typedef struct qp_scope_item {
    const char *name;    /* alias or column name as written; NULL: unnamed */
    qry_expr *expr;
} qp_scope_item;

typedef struct qp_scope {
    const char *alias;   /* the subquery's alias, for messages */
    qp_scope_item *items;
    uint32_t n;
    bool star;           /* SELECT * inside: other names are the table's */
} qp_scope;

typedef struct qp_ctx {
    qry_query *q;
    const char *sql;     /* the text PostgreSQL parsed (NUL-terminated) */
    size_t len;
    qry_err *err;
    int depth;           /* current expression nesting */
    const qp_scope *scope;   /* FROM (subquery): names resolve through it */
    qry_expr *inner_where;   /* the flattened subqueries' WHERE, ANDed in */
    size_t copied;           /* nodes copied for subquery columns (bounded) */
} qp_ctx;

/* ---- errors (code 150, with the position in the message too) --------- */

int qp_fail(qp_ctx *c, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<what> is not supported at position N" */
int qp_unsupported(qp_ctx *c, const char *what, int pos);

/* ---- JSON parse tree ------------------------------------------------------ */

/* A node is {"TypeName": {fields}}: returns the fields, *type the name. */
const cJSON *qp_node(const cJSON *n, const char **type);
const cJSON *qp_get(const cJSON *o, const char *key);
/* Integer member, dflt when absent (libpg_query omits zero values). */
int qp_int(const cJSON *o, const char *key, int dflt);
/* String member or NULL; enum members are strings too. */
const char *qp_str(const cJSON *o, const char *key);
bool qp_bool(const cJSON *o, const char *key);
/* The fields' "location", 0 when absent (libpg_query omits 0). */
int qp_loc(const cJSON *fields);
/* The first location anywhere under a node, or -1: for nodes that carry
 * none themselves (JoinExpr, SelectStmt). */
int qp_first_loc(const cJSON *node);
/* The "sval" of a {"String": {"sval": ...}} node, "" when absent. */
const char *qp_sval(const cJSON *node);

/* ---- the SQL text ---------------------------------------------------------- */

/* pos moved past white space and comments (statement locations start
 * right after the previous ';'). */
int qp_skip_blank(qp_ctx *c, int pos);
/* The identifier path of nparts dot-separated parts at loc, whose parse tree
 * spellings are svals; returns the last part as written (quotes removed),
 * or svals[nparts - 1] when the text does not agree. Arena string. */
char *qp_written_ident(qp_ctx *c, int loc, const char *const *svals, int nparts);
/* The written spelling of the alias sval among the tokens of [from, to)
 * (a select item's text): the last identifier token that folds to it. */
char *qp_written_alias(qp_ctx *c, int from, int to, const char *sval);
/* An integer constant libpg_query printed without its value: reads the
 * sign(s) and digits at loc, or a '-' just before loc. */
bool qp_text_int(qp_ctx *c, int loc, int64_t *out);
/* The type name written at loc (CAST(x AS bigint) -> "BIGINT"). */
char *qp_written_type(qp_ctx *c, int loc, const char *fallback);
/* Length of sql without a trailing Pinot OPTION(...) clause; the clause's
 * inside is [*opt, *opt + *optlen) (optlen 0 when there is none). */
size_t qp_strip_option(const char *sql, size_t len, size_t *opt, size_t *optlen);

/* ---- building ------------------------------------------------------------- */

qry_expr *qp_new(qp_ctx *c, qry_op op, int pos);
/* Canonical function name: lower case, underscores removed. Arena string. */
char *qp_canonical(qp_ctx *c, const char *name);
/* A parse tree expression node to a qry_expr. */
int qp_expr(qp_ctx *c, const cJSON *node, qry_expr **out);
/* The SelectStmt fields into c->q. */
int qp_select(qp_ctx *c, const cJSON *stmt);
/* A string literal node. */
qry_expr *qp_string_lit(qp_ctx *c, const char *s, size_t n, int pos);
/* A deep copy of e (a subquery's expression used once more). */
qry_expr *qp_copy(qp_ctx *c, const qry_expr *e);

/* ---- the PostgreSQL dialect (QRY_PGWIRE only; qry_parse_pg.c) ------------ */

/* Rewrites the function call *e just built (DATE_TRUNC, EXTRACT,
 * DATE_PART, STRPOS, SUM(constant)) into Tannin's functions with
 * PostgreSQL's meaning. */
int qp_pg_func(qp_ctx *c, qry_expr **e);
/* CAST(x AS DATE | TIMESTAMP) and DATE '...' / TIMESTAMP '...' literals;
 * returns 1 when the cast is not one of these (the caller goes on). */
int qp_pg_cast(qp_ctx *c, const cJSON *f, qry_expr **out);
/* Whether e is a value of PostgreSQL type date (CAST(x AS DATE)): its
 * result column is then typed date (qry_select_item.pg_type). */
bool qp_pg_is_date(const qry_expr *e);

#endif
