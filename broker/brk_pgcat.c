/*
 * brk_pgcat.c: the catalog's entry points: deciding that a statement is a
 * catalog query (a FROM names a catalog relation), and running one: parse
 * with libpg_query, build the catalog relations, evaluate, and hand the
 * rows back as a qry_result the PostgreSQL session sends like any other.
 */
#include "brk_pgcat_int.h"

#include <stdio.h>
#include <string.h>

#include <pg_query.h>

#include "brk_pg_proto.h"

static const char *const catalog_names[] = {
    "pg_namespace", "pg_class", "pg_attribute", "pg_type", "pg_database", "pg_settings",
    "pg_roles", "pg_user", "pg_index", "pg_constraint", "pg_inherits", "pg_description",
    "pg_attrdef", "pg_am", "pg_proc", "pg_collation", "pg_policy", "pg_statistic_ext",
    "pg_publication", "pg_publication_namespace", "pg_publication_rel", "pg_trigger",
    "pg_rewrite", "pg_tablespace", "pg_extension", "pg_enum", "pg_tables", "pg_views",
    "pg_matviews"};

static bool names_catalog(const cJSON *rv)
{
    const char *schema = pc_str(rv, "schemaname"), *name = pc_str(rv, "relname");
    if (schema)
        return !strcmp(schema, "pg_catalog") || !strcmp(schema, "information_schema");
    for (size_t i = 0; name && i < sizeof catalog_names / sizeof catalog_names[0]; i++)
        if (!strcmp(name, catalog_names[i]))
            return true;
    return false;
}

static bool walk(const cJSON *n)
{
    if (!n || cJSON_IsString(n) || cJSON_IsNumber(n) || cJSON_IsBool(n))
        return false;
    if (n->string && !strcmp(n->string, "RangeVar") && names_catalog(n))
        return true;
    const cJSON *e;
    cJSON_ArrayForEach(e, n)
    {
        if (walk(e))
            return true;
    }
    return false;
}

/* Collects every WITH query name in the tree; true when it has a WITH or
 * VALUES at all. */
static bool ctes_and_values(const cJSON *n, const char **names, uint32_t cap, uint32_t *nn)
{
    if (!n || cJSON_IsString(n) || cJSON_IsNumber(n) || cJSON_IsBool(n))
        return false;
    bool any = n->string && (!strcmp(n->string, "valuesLists") ||
                             !strcmp(n->string, "withClause"));
    if (n->string && !strcmp(n->string, "CommonTableExpr") && *nn < cap)
        names[(*nn)++] = pc_str(n, "ctename");
    const cJSON *e;
    cJSON_ArrayForEach(e, n)
    {
        any |= ctes_and_values(e, names, cap, nn);
    }
    return any;
}

/* Whether a relation other than the catalog's and the WITH queries is
 * named anywhere (then the statement is the main engine's). */
static bool names_other(const cJSON *n, const char *const *ctes, uint32_t nctes)
{
    if (!n || cJSON_IsString(n) || cJSON_IsNumber(n) || cJSON_IsBool(n))
        return false;
    if (n->string && !strcmp(n->string, "RangeVar") && !names_catalog(n)) {
        const char *name = pc_str(n, "relname");
        bool cte = false;
        for (uint32_t i = 0; i < nctes && name && !pc_str(n, "schemaname") && !cte; i++)
            cte = ctes[i] && !strcmp(ctes[i], name);
        if (!cte)
            return true;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, n)
    {
        if (names_other(e, ctes, nctes))
            return true;
    }
    return false;
}

bool brk_pgcat_wants(const char *sql)
{
    PgQueryParseResult r = pg_query_parse(sql);
    bool wants = false;
    if (!r.error) {
        cJSON *root = cJSON_Parse(r.parse_tree);
        const char *ctes[64];
        uint32_t nctes = 0;
        /* a WITH or VALUES over nothing but the catalog and WITH queries
         * (SELECT * FROM (VALUES ...) v) is the evaluator's too */
        wants = walk(root) ||
                (ctes_and_values(root, ctes, 64, &nctes) && !names_other(root, ctes, nctes));
        cJSON_Delete(root);
    }
    pg_query_free_parse_result(r);
    return wants;
}

/* ---- results --------------------------------------------------------------- */

static qry_val to_qry(pc_ctx *c, qry_arena *a, const pv *v)
{
    switch (v->k) {
    case PV_NULL: return (qry_val){.kind = QV_NULL, .type = SEG_STRING};
    case PV_BOOL: return (qry_val){.kind = QV_LONG, .type = SEG_BOOLEAN, .i = v->i};
    case PV_FLOAT: return (qry_val){.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = v->d};
    case PV_INT:
        if (v->oid != PC_REGCLASS && v->oid != PC_REGTYPE && v->oid != PC_REGNAMESPACE &&
            v->oid != PC_REGPROC)
            return (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = v->i};
        break;
    case PV_ARRAY: {
        qry_val *el = qry_alloc(a, (v->n + 1) * sizeof *el);
        bool text = false;
        for (uint32_t i = 0; i < v->n; i++) {
            el[i] = to_qry(c, a, &v->a[i]);
            text |= el[i].kind == QV_STRING;
        }
        return (qry_val){.kind = QV_ARRAY, .type = text ? SEG_STRING : SEG_LONG, .arr = el,
                         .len = v->n};
    }
    case PV_TEXT: break;
    }
    const char *s = pv_to_text(c, v);
    size_t n = strlen(s);
    return (qry_val){.kind = QV_STRING, .type = SEG_STRING, .s = qry_strndup(a, s, n),
                     .len = (uint32_t)n};
}

static void to_result(pc_ctx *c, const pc_rel *r, qry_result *res)
{
    memset(res, 0, sizeof *res);
    qry_arena *a = &res->arena;
    res->ncols = r->ncols;
    res->nrows = r->nrows;
    res->names = qry_alloc(a, (r->ncols + 1) * sizeof *res->names);
    res->types = qry_alloc(a, (r->ncols + 1) * sizeof *res->types);
    res->cells = qry_alloc(a, ((size_t)r->ncols * r->nrows + 1) * sizeof *res->cells);
    for (uint32_t i = 0; i < r->ncols; i++) {
        res->names[i] = qry_strndup(a, r->cols[i], strlen(r->cols[i]));
        char t[16];
        /* int2 goes out as int4: the binary path knows int4, and no
         * client minds the wider type */
        snprintf(t, sizeof t, "pg:%d", r->types[i] == BRK_PG_INT2 ? BRK_PG_INT4 : r->types[i]);
        res->types[i] = qry_strndup(a, t, strlen(t));
    }
    for (size_t i = 0; i < (size_t)r->ncols * r->nrows; i++)
        res->cells[i] = to_qry(c, a, &r->cells[i]);
}

static int run_tree(pc_ctx *c, const char *tree, qry_result *res)
{
    cJSON *root = cJSON_Parse(tree);
    if (!root)
        return pc_fail(c, NULL, "54001", "catalog query nested too deeply");
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(root, "stmts");
    int rc;
    if (cJSON_GetArraySize(stmts) != 1) {
        rc = pc_fail(c, NULL, "42601", "one statement expected");
    } else {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stmts, 0), "stmt");
        pc_rel *out;
        pc_build(c);
        rc = pc_select(c, st, NULL, &out);
        if (!rc)
            to_result(c, out, res);
    }
    cJSON_Delete(root);
    return rc;
}

int brk_pgcat_run(const brk_pgcat_env *env, const char *sql, qry_result *res,
                  char sqlstate[6], char *msg, size_t cap, int *position)
{
    qry_arena arena = {0};
    pc_ctx c = {.a = &arena, .env = env, .position = -1};
    memset(res, 0, sizeof *res);
    PgQueryParseResult r = pg_query_parse(sql);
    int rc;
    if (r.error) {
        rc = pc_fail(&c, NULL, "42601", "%s", r.error->message ? r.error->message
                                                                : "syntax error");
        c.position = r.error->cursorpos > 0 ? r.error->cursorpos : -1;
    } else {
        rc = run_tree(&c, r.parse_tree, res);
    }
    pg_query_free_parse_result(r);
    if (rc) {
        snprintf(sqlstate, 6, "%s", c.sqlstate);
        snprintf(msg, cap, "%s", c.msg);
        *position = c.position;
        qry_result_free(res);
        memset(res, 0, sizeof *res);
    }
    qry_arena_free(&arena);
    return rc ? -1 : 0;
}
