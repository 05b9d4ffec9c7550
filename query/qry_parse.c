/*
 * qry_parse.c: SQL text to a qry_query with libpg_query, PostgreSQL's own
 * parser. A trailing Pinot OPTION(...) clause and SET key = value;
 * statements become options; the one SELECT statement becomes the plan
 * (qry_parse_select.c, qry_parse_expr.c). Also the parse tree helpers the
 * parser's files share.
 */
#include "qry_eval.h"
#include "qry_parse_int.h"

#include <pg_query.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and parse tree helpers ----------------------------------- */

int qp_fail(qp_ctx *c, int pos, const char *fmt, ...)
{
    char msg[TN_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos < 0)
        return qry_fail(c->err, QRY_ERR_PARSE, -1, "%s", msg);
    return qry_fail(c->err, QRY_ERR_PARSE, pos, "%s at position %d", msg, pos);
}

int qp_unsupported(qp_ctx *c, const char *what, int pos)
{
    return qp_fail(c, pos, "%s is not supported", what);
}

const cJSON *qp_node(const cJSON *n, const char **type)
{
    if (!cJSON_IsObject(n) || !n->child || !n->child->string)
        return NULL;
    *type = n->child->string;
    return n->child;
}

const cJSON *qp_get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

int qp_int(const cJSON *o, const char *key, int dflt)
{
    const cJSON *v = qp_get(o, key);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

const char *qp_str(const cJSON *o, const char *key)
{
    const cJSON *v = qp_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool qp_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(qp_get(o, key));
}

int qp_loc(const cJSON *fields)
{
    return qp_int(fields, "location", 0);
}

int qp_first_loc(const cJSON *node)
{
    const cJSON *own = qp_get(node, "location");
    if (cJSON_IsNumber(own) && own->valueint >= 0)
        return own->valueint;
    for (const cJSON *ch = node ? node->child : NULL; ch; ch = ch->next) {
        int loc = qp_first_loc(ch);
        if (loc >= 0)
            return loc;
    }
    return -1;
}

const char *qp_sval(const cJSON *node)
{
    const char *type;
    const cJSON *f = qp_node(node, &type);
    const char *s = f && strcmp(type, "String") == 0 ? qp_str(f, "sval") : NULL;
    return s ? s : "";
}

qry_expr *qp_new(qp_ctx *c, qry_op op, int pos)
{
    qry_expr *e = qry_alloc(&c->q->arena, sizeof *e);
    e->op = op;
    e->position = pos;
    e->col = -1;
    e->agg_slot = -1;
    return e;
}

char *qp_canonical(qp_ctx *c, const char *name)
{
    size_t n = strlen(name), o = 0;
    char *out = qry_alloc(&c->q->arena, n + 1);
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (ch == '_')
            continue;
        out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    out[o] = '\0';
    return out;
}

/* ---- options: OPTION(k=v, ...) and SET k = v ---------------------------- */

/* An option's error (from qry_options_set, which knows no position) placed
 * at pos of the query text. */
static int qp_option_failed(qp_ctx *c, int pos)
{
    qry_err *err = c->err;
    if (err) {
        err->position = pos;
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, " at position %d", pos);
    }
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                      (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

/* One "k = v" of OPTION(...), at byte pos of the original text. As in
 * Pinot, each item needs exactly one '='. */
static int qp_option_item(qp_ctx *c, const char *s, size_t n, int pos)
{
    const char *t = s;
    size_t tn = n;
    trim(&t, &tn);
    if (tn == 0)
        return 0;      /* "a=1," : Java's split drops the empty tail */
    const char *eq = memchr(s, '=', n);
    if (!eq || memchr(eq + 1, '=', n - (size_t)(eq + 1 - s)))
        return qp_fail(c, pos, "OPTION item '%.*s' needs the form key=value",
                       (int)TN_MIN(n, 64), s);
    const char *k = s, *v = eq + 1;
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    char *key = qry_strndup(&c->q->arena, k, kn);
    char *val = qry_strndup(&c->q->arena, v, vn);
    if (qry_options_set(&c->q->opts, key, val, c->err) != 0)
        return qp_option_failed(c, pos);
    return 0;
}

static int qp_option_clause(qp_ctx *c, const char *text, size_t n, size_t base)
{
    size_t i = 0;
    while (i <= n) {
        const char *comma = memchr(text + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - text) : n;
        if (qp_option_item(c, text + i, end - i, (int)(base + i)) != 0)
            return -1;
        i = end + 1;
    }
    return 0;
}

/* The value of SET k = v as text: numbers, strings, identifiers, on/off. */
static const char *qp_set_value(qp_ctx *c, const cJSON *arg)
{
    const char *type;
    const cJSON *f = qp_node(arg, &type);
    if (!f || strcmp(type, "A_Const") != 0)
        return NULL;
    const cJSON *v;
    if ((v = qp_get(f, "sval")))
        return qp_str(v, "sval") ? qp_str(v, "sval") : "";
    if ((v = qp_get(f, "fval")))
        return qp_str(v, "fval");
    if ((v = qp_get(f, "boolval")))
        return qp_bool(v, "boolval") ? "true" : "false";
    if ((v = qp_get(f, "ival"))) {
        int64_t i;
        if (qp_get(v, "ival"))
            i = qp_int(v, "ival", 0);
        else if (!qp_text_int(c, qp_loc(f), &i))
            return NULL;
        char buf[24];
        snprintf(buf, sizeof buf, "%lld", (long long)i);
        return qry_strndup(&c->q->arena, buf, strlen(buf));
    }
    return NULL;
}

static int qp_set(qp_ctx *c, const cJSON *f, int pos)
{
    const char *kind = qp_str(f, "kind");
    const char *name = qp_str(f, "name");
    if (!kind || strcmp(kind, "VAR_SET_VALUE") != 0 || !name)
        return qp_unsupported(c, "SET other than SET key = value", pos);
    const cJSON *args = qp_get(f, "args");
    if (cJSON_GetArraySize(args) != 1)
        return qp_fail(c, pos, "SET %s takes exactly one value", name);
    const char *value = qp_set_value(c, cJSON_GetArrayItem(args, 0));
    if (!value)
        return qp_fail(c, pos, "SET %s needs a number, string or name", name);
    if (qry_options_set(&c->q->opts, name, value, c->err) != 0)
        return qp_option_failed(c, pos);
    return 0;
}

/* ---- statements ------------------------------------------------------------ */

/* "INSERT" for InsertStmt, for the message naming what was refused. */
static const char *qp_stmt_name(const char *type)
{
    static const char *const names[][2] = {
        { "InsertStmt", "INSERT" },   { "UpdateStmt", "UPDATE" },
        { "DeleteStmt", "DELETE" },   { "CreateStmt", "CREATE TABLE" },
        { "DropStmt", "DROP" },       { "ExplainStmt", "EXPLAIN" },
        { "TransactionStmt", "a transaction statement" },
        { "VariableShowStmt", "SHOW" }, { "CopyStmt", "COPY" },
        { "CreateTableAsStmt", "CREATE TABLE AS" }, { "MergeStmt", "MERGE" },
        { "TruncateStmt", "TRUNCATE" }, { "AlterTableStmt", "ALTER TABLE" },
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(names); i++)
        if (strcmp(type, names[i][0]) == 0)
            return names[i][1];
    return type;
}

static int qp_statements(qp_ctx *c, const cJSON *root)
{
    const cJSON *stmts = qp_get(root, "stmts"), *select = NULL, *raw;
    cJSON_ArrayForEach(raw, stmts) {
        int pos = qp_skip_blank(c, qp_int(raw, "stmt_location", 0));
        const char *type;
        const cJSON *f = qp_node(qp_get(raw, "stmt"), &type);
        if (!f)
            return qp_fail(c, pos, "unreadable statement");
        if (strcmp(type, "VariableSetStmt") == 0) {
            if (qp_set(c, f, pos) != 0)
                return -1;
        } else if (strcmp(type, "SelectStmt") == 0) {
            if (select)
                return qp_fail(c, pos, "only one SELECT statement is allowed");
            select = f;
        } else {
            char what[96];
            snprintf(what, sizeof what, "%s", qp_stmt_name(type));
            return qp_fail(c, pos, "%s statements are not supported (only SELECT)",
                           what);
        }
    }
    if (!select)
        return qp_fail(c, cJSON_GetArraySize(stmts) ? 0 : -1,
                       cJSON_GetArraySize(stmts) ? "no SELECT statement"
                                                 : "empty query");
    return qp_select(c, select);
}

/* PostgreSQL's error cursor counts characters from 1; positions here are
 * byte offsets from 0. */
static int qp_cursor_to_byte(const char *s, size_t len, int cursor)
{
    if (cursor <= 0)
        return -1;
    size_t i = 0;
    for (int chars = 1; chars < cursor && i < len; chars++) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return (int)i;
}

static int qp_run(qp_ctx *c)
{
    PgQueryParseResult r = pg_query_parse(c->sql);
    if (r.error) {
        int pos = qp_cursor_to_byte(c->sql, c->len, r.error->cursorpos);
        int rc = qp_fail(c, pos, "%s", r.error->message ? r.error->message
                                                         : "syntax error");
        pg_query_free_parse_result(r);
        return rc;
    }
    cJSON *root = cJSON_Parse(r.parse_tree);
    pg_query_free_parse_result(r);
    /* cJSON refuses more than CJSON_NESTING_LIMIT levels: about 250
     * nested expressions */
    if (!root)
        return qp_fail(c, -1, "query is nested too deeply");
    int rc = qp_statements(c, root);
    cJSON_Delete(root);
    return rc;
}

int qry_parse(const char *sql, qry_flavour flavour, qry_query **out, qry_err *err)
{
    *out = NULL;
    if (!sql)
        return qry_fail(err, QRY_ERR_PARSE, -1, "empty query");
    qry_query *q = tn_calloc(1, sizeof *q);
    q->flavour = flavour;
    q->limit = -1;
    size_t len = strlen(sql), opt, optlen;
    q->sql = qry_strndup(&q->arena, sql, len);
    qp_ctx c = { .q = q, .err = err };
    /* the OPTION clause is cut off the end, so parse tree locations in the
     * rest still are byte offsets into the original text */
    c.len = qp_strip_option(sql, len, &opt, &optlen);
    c.sql = qry_strndup(&q->arena, sql, c.len);
    int rc = qp_run(&c);
    if (rc == 0 && optlen)
        rc = qp_option_clause(&c, q->sql + opt, optlen, opt);
    if (rc != 0) {
        qry_query_free(q);
        return -1;
    }
    if (flavour == QRY_PGWIRE && !q->opts.has_null_handling)
        q->opts.null_handling = true;
    *out = q;
    return 0;
}

/* The prefix a filter is parsed behind: the parser only knows statements. */
#define QRY_FILTER_PREFIX "SELECT * FROM __filter WHERE "

static bool qp_filter_only(const qry_query *q)
{
    static const qry_options none;
    return q->select_star && q->nselect == 1 && !q->distinct && q->where && !q->ngroup &&
           !q->having && !q->norder && q->limit == -1 && q->offset == 0 &&
           !strcmp(q->table, "__filter") && !memcmp(&q->opts, &none, sizeof none);
}

/* Makes an error's position (and the "at position N" its message ends
 * with) count from the filter's own first byte rather than the prefix's. */
static void qp_shift_position(qry_err *err, int by)
{
    char *at = strstr(err->msg, "at position ");
    for (char *next = at; next; next = strstr(next + 1, "at position "))
        at = next;
    err->position -= by;
    if (at && (size_t)(at - err->msg) + 32 < sizeof err->msg)
        snprintf(at, sizeof err->msg - (size_t)(at - err->msg), "at position %d", err->position);
}

int qry_parse_filter(const char *expr, qry_query **out, qry_err *err)
{
    *out = NULL;
    if (!expr || !*expr)
        return qry_fail(err, QRY_ERR_PARSE, -1, "empty row filter");
    size_t plen = strlen(QRY_FILTER_PREFIX), n = strlen(expr);
    char *text = tn_malloc(plen + n + 1);
    memcpy(text, QRY_FILTER_PREFIX, plen);
    memcpy(text + plen, expr, n + 1);
    qry_query *q;
    int rc = qry_parse(text, QRY_HTTP, &q, err);
    free(text);
    if (rc) {
        if (err && err->position >= (int)plen)
            qp_shift_position(err, (int)plen);
        return -1;
    }
    if (!qp_filter_only(q)) {
        qry_query_free(q);
        return qry_fail(err, QRY_ERR_PARSE, -1, "a row filter is one condition, without "
                        "clauses, statements or options");
    }
    *out = q;
    return 0;
}

/* Prepared predicates (qry_prepare) keep compiled regexes outside the
 * arena; a shared node (an alias used in ORDER BY) is released once, as
 * qry_prepared_free clears what it frees. */
static void qry_query_release(qry_query *q)
{
    for (uint32_t i = 0; q->select && i < q->nselect; i++)
        qry_prepared_free(q->select[i].expr);
    qry_prepared_free(q->where);
    for (uint32_t i = 0; q->group_by && i < q->ngroup; i++)
        qry_prepared_free(q->group_by[i]);
    qry_prepared_free(q->having);
    for (uint32_t i = 0; q->order_by && i < q->norder; i++)
        qry_prepared_free(q->order_by[i].expr);
}

void qry_query_free(qry_query *q)
{
    if (!q)
        return;
    qry_query_release(q);
    qry_query_free(q->attached);
    qry_arena_free(&q->arena);
    free(q);
}
