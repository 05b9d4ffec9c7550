/*
 * qry_parse_pg.c: the PostgreSQL dialect that BI tools (Tableau first) send
 * over the wire endpoint, mapped onto Tannin's own functions. Only the
 * QRY_PGWIRE flavour comes here: Pinot's HTTP SQL keeps Pinot's meaning
 * for the same names (its STRPOS is 0-based, its SUM(1) sums nothing).
 *
 * Time values are epoch milliseconds (a TIMESTAMP column), so a date is
 * the millisecond of its midnight (UTC): DATE_TRUNC and CAST(x AS DATE)
 * stay numbers the engine compares, groups and sorts, and only their type
 * says how PostgreSQL shows them (timestamp, or date through the result
 * column's pg_type).
 */
#include "qry_parse_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define QP_DAY_MS 86400000LL

/* The marker on the type literal of the cast that makes a date: the
 * literal's name is unused otherwise, and survives qp_copy. */
static const char qp_date_mark[] = "pg:date";

static qry_expr *pg_call(qp_ctx *c, qry_op op, const char *name, int pos, uint32_t nargs)
{
    qry_expr *e = qp_new(c, op, pos);
    e->name = qry_strndup(&c->q->arena, name, strlen(name));
    e->nargs = nargs;
    e->args = nargs ? qry_alloc(&c->q->arena, nargs * sizeof *e->args) : NULL;
    return e;
}

/* cast(x, 'T') */
static qry_expr *pg_cast(qp_ctx *c, qry_expr *x, const char *type, int pos)
{
    qry_expr *e = pg_call(c, QE_CALL, "cast", pos, 2);
    e->args[0] = x;
    e->args[1] = qp_string_lit(c, type, strlen(type), pos);
    return e;
}

static qry_expr *pg_long(qp_ctx *c, int64_t v, seg_type t, int pos)
{
    qry_expr *e = qp_new(c, QE_LITERAL, pos);
    e->lit.kind = QV_LONG;
    e->lit.type = e->type = t;
    e->lit.i = v;
    return e;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool qp_pg_is_date(const qry_expr *e)
{
    return e && e->op == QE_CALL && e->nargs == 2 && e->name && !strcmp(e->name, "cast") &&
           e->args[1]->op == QE_LITERAL && e->args[1]->name &&
           !strcmp(e->args[1]->name, qp_date_mark);
}

/* ---- casts and typed literals ------------------------------------------- */

/* DATE '2024-01-01' / TIMESTAMP '2024-01-01 10:00:00' as epoch ms. */
static int pg_time_text(qp_ctx *c, const char *s, bool date, int pos, int64_t *ms)
{
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof buf - 10)
        return qp_fail(c, pos, "invalid input syntax for type %s: \"%.40s\"",
                       date ? "date" : "timestamp", s);
    /* a bare date reads as its midnight, as PostgreSQL's timestamp input does */
    snprintf(buf, sizeof buf, n == 10 ? "%s 00:00:00" : "%s", s);
    seg_value v;
    if (seg_value_parse(SEG_TIMESTAMP, buf, strlen(buf), &v) != TN_OK)
        return qp_fail(c, pos, "invalid input syntax for type %s: \"%.40s\"",
                       date ? "date" : "timestamp", s);
    *ms = date ? floor_div(v.i, QP_DAY_MS) * QP_DAY_MS : v.i;
    return 0;
}

/* The date node: cast(datetrunc('DAY', cast(x, 'TIMESTAMP')), 'TIMESTAMP'),
 * its type literal marked. */
static qry_expr *pg_date_of(qp_ctx *c, qry_expr *x, int pos)
{
    qry_expr *t = pg_call(c, QE_CALL, "datetrunc", pos, 2);
    t->args[0] = qp_string_lit(c, "DAY", 3, pos);
    t->args[1] = pg_cast(c, x, "TIMESTAMP", pos);
    qry_expr *e = pg_cast(c, t, "TIMESTAMP", pos);
    e->args[1]->name = (char *)qp_date_mark;
    return e;
}

int qp_pg_cast(qp_ctx *c, const cJSON *f, qry_expr **out)
{
    const cJSON *tn = qp_get(f, "typeName"), *names = qp_get(tn, "names");
    const char *type = qp_sval(cJSON_GetArrayItem(names, cJSON_GetArraySize(names) - 1));
    bool date = !strcmp(type, "date");
    if (qp_get(tn, "arrayBounds") ||
        (!date && strcmp(type, "timestamp") != 0 && strcmp(type, "timestamptz") != 0))
        return 1;
    int loc = qp_loc(f) >= 0 ? qp_loc(f) : qp_loc(tn);
    const char *atype;
    const cJSON *arg = qp_get(f, "arg"), *a = qp_node(arg, &atype);
    const cJSON *sv = a && !strcmp(atype, "A_Const") ? qp_get(a, "sval") : NULL;
    if (sv) {
        int64_t ms = 0;
        const char *s = qp_str(sv, "sval");
        if (pg_time_text(c, s ? s : "", date, qp_loc(a), &ms) != 0)
            return -1;
        /* a bare literal, so comparisons with time columns stay plain
         * (pruning and index use see a constant) */
        *out = pg_long(c, ms, SEG_TIMESTAMP, loc);
        return 0;
    }
    qry_expr *x;
    if (qp_expr(c, arg, &x) != 0)
        return -1;
    *out = date ? pg_date_of(c, x, loc) : pg_cast(c, x, "TIMESTAMP", loc);
    return 0;
}

/* ---- functions ------------------------------------------------------------ */

/* EXTRACT(field FROM x) and DATE_PART('field', x): Tannin's part
 * functions, with PostgreSQL's numbering where it differs (DOW counts
 * from Sunday = 0, Pinot's DAYOFWEEK from Monday = 1). */
static int pg_extract(qp_ctx *c, qry_expr **e)
{
    qry_expr *in = *e, *field = in->args[0], *x = in->args[1];
    if (field->op != QE_LITERAL || field->lit.kind != QV_STRING)
        return qp_fail(c, field->position, "the field of %s must be a constant string",
                       in->name);
    char f[24];
    snprintf(f, sizeof f, "%.*s", (int)TN_MIN(field->lit.len, 23u), field->lit.s);
    static const char *const parts[][2] = {
        {"year", "year"},       {"quarter", "quarter"}, {"month", "month"},
        {"week", "week"},       {"day", "dayofmonth"},  {"hour", "hour"},
        {"minute", "minute"},   {"second", "second"},   {"doy", "dayofyear"},
        {"isodow", "dayofweek"}, {"isoyear", "yearofweek"},
    };
    int pos = in->position;
    for (size_t i = 0; i < TN_ARRAY_LEN(parts); i++) {
        if (strcasecmp(f, parts[i][0]) != 0)
            continue;
        *e = pg_call(c, QE_CALL, parts[i][1], pos, 1);
        (*e)->args[0] = x;
        return 0;
    }
    if (!strcasecmp(f, "dow")) {
        qry_expr *d = pg_call(c, QE_CALL, "dayofweek", pos, 1), *m;
        d->args[0] = x;
        m = pg_call(c, QE_CALL, "mod", pos, 2);
        m->args[0] = d;
        m->args[1] = pg_long(c, 7, SEG_LONG, pos);
        *e = pg_cast(c, m, "INT", pos);
        return 0;
    }
    if (!strcasecmp(f, "epoch")) {
        *e = pg_call(c, QE_CALL, "divide", pos, 2);
        (*e)->args[0] = x;
        (*e)->args[1] = pg_long(c, 1000, SEG_LONG, pos);
        return 0;
    }
    char what[64];
    snprintf(what, sizeof what, "%s field '%s'", in->name, f);
    return qp_unsupported(c, what, field->position);
}

/* SUM(k) for a constant k counts rows k times: COUNT(*) (typed bigint, as
 * Tableau's SUM(1) row counts expect), times k unless k is 1. */
static int pg_sum_const(qp_ctx *c, qry_expr **e)
{
    qry_expr *in = *e, *k = in->args[0];
    qry_expr *cnt = pg_call(c, QE_AGG, "count", in->position, 1);
    cnt->args[0] = qp_new(c, QE_STAR, in->position);
    cnt->filter = in->filter;
    if (k->lit.kind == QV_LONG && k->lit.i == 1) {
        *e = cnt;
        return 0;
    }
    qry_expr *t = pg_call(c, QE_CALL, "times", in->position, 2);
    t->args[0] = cnt;
    t->args[1] = k;
    *e = t;
    return 0;
}

int qp_pg_func(qp_ctx *c, qry_expr **e)
{
    qry_expr *in = *e;
    const char *n = in->name;
    if (in->op == QE_AGG) {
        bool konst = in->nargs == 1 && in->args[0]->op == QE_LITERAL &&
                     (in->args[0]->lit.kind == QV_LONG || in->args[0]->lit.kind == QV_DOUBLE);
        return !strcmp(n, "sum") && konst && !in->distinct ? pg_sum_const(c, e) : 0;
    }
    if (!strcmp(n, "datetrunc") && in->nargs == 2) {
        /* PostgreSQL's date_trunc('unit', x) is Pinot's two-argument form;
         * only the result type differs (timestamp, not a number) */
        *e = pg_cast(c, in, "TIMESTAMP", in->position);
        return 0;
    }
    if ((!strcmp(n, "extract") || !strcmp(n, "datepart")) && in->nargs == 2)
        return pg_extract(c, e);
    if (!strcmp(n, "strpos") && in->nargs == 2) {
        /* 1-based, 0 when absent; Pinot's is 0-based, -1 when absent */
        qry_expr *p = pg_call(c, QE_CALL, "plus", in->position, 2);
        p->args[0] = in;
        p->args[1] = pg_long(c, 1, SEG_LONG, in->position);
        *e = pg_cast(c, p, "INT", in->position);
    }
    return 0;
}
