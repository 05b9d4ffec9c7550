/*
 * test_qry_parse.c: SQL text to a bound plan: tree shapes and positions of
 * every construct, Pinot's result column names (checked against the 200
 * airlineStats queries and their expected columns), the implicit LIMIT of
 * each flavour, SET and OPTION options, errors with code and position, and
 * malformed input that must fail cleanly (the sanitizer build runs this).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qry_agg.h"
#include "qry_plan.h"

#define AIRLINE_DIR TN_SHARED_DIR "/data/airlineStats"

static const char schema_json[] =
    "{\"schemaName\":\"t\",\"dimensionFieldSpecs\":["
    "{\"name\":\"Carrier\",\"dataType\":\"STRING\"},"
    "{\"name\":\"Year\",\"dataType\":\"INT\"},"
    "{\"name\":\"ArrDelay\",\"dataType\":\"INT\"},"
    "{\"name\":\"Tags\",\"dataType\":\"STRING\",\"singleValueField\":false},"
    "{\"name\":\"active\",\"dataType\":\"BOOLEAN\"}],"
    "\"metricFieldSpecs\":[{\"name\":\"price\",\"dataType\":\"DOUBLE\"},"
    "{\"name\":\"Flights\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"ts\",\"dataType\":\"TIMESTAMP\","
    "\"format\":\"1:MILLISECONDS:EPOCH\",\"granularity\":\"1:MILLISECONDS\"}]}";

static seg_schema *schema;

static void setup(void)
{
    char err[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_parse(schema_json, strlen(schema_json), &schema, err), 0);
}

static void teardown(void)
{
    seg_schema_free(schema);
    schema = NULL;
}

/* Byte offset of the first needle in sql. */
static int at(const char *sql, const char *needle)
{
    const char *p = strstr(sql, needle);
    ck_assert_msg(p != NULL, "'%s' not in '%s'", needle, sql);
    return (int)(p - sql);
}

static qry_query *parse_as(const char *sql, qry_flavour fl)
{
    qry_query *q = NULL;
    qry_err err = { 0 };
    int rc = qry_parse(sql, fl, &q, &err);
    ck_assert_msg(rc == 0, "parse of '%s' failed: %d %s", sql, err.code, err.msg);
    ck_assert_ptr_nonnull(q);
    return q;
}

static qry_query *parse_ok(const char *sql)
{
    return parse_as(sql, QRY_HTTP);
}

static qry_query *bind_as(const char *sql, qry_flavour fl)
{
    qry_query *q = parse_as(sql, fl);
    qry_err err = { 0 };
    int rc = qry_bind(q, schema, &err);
    ck_assert_msg(rc == 0, "bind of '%s' failed: %d %s", sql, err.code, err.msg);
    return q;
}

static qry_query *bind_ok(const char *sql)
{
    return bind_as(sql, QRY_HTTP);
}

/* Parsing and then binding sql fails with code, at pos (unless pos is
 * -2), with want in the message. */
static void fails_as(const char *sql, qry_flavour fl, int code, int pos, const char *want)
{
    qry_query *q = NULL;
    qry_err err = { 0 };
    int rc = qry_parse(sql, fl, &q, &err);
    if (rc == 0) {
        ck_assert_ptr_nonnull(q);
        rc = qry_bind(q, schema, &err);
        qry_query_free(q);
    } else {
        ck_assert_ptr_null(q);
    }
    ck_assert_msg(rc != 0, "'%s' did not fail", sql);
    ck_assert_msg(err.code == code, "'%s': code %d, not %d (%s)", sql, err.code, code,
                  err.msg);
    if (pos != -2)
        ck_assert_msg(err.position == pos, "'%s': position %d, not %d (%s)", sql,
                      err.position, pos, err.msg);
    ck_assert_msg(strstr(err.msg, want), "'%s': message '%s' lacks '%s'", sql, err.msg,
                  want);
    if (err.position >= 0) {
        char tag[32];
        snprintf(tag, sizeof tag, "at position %d", err.position);
        ck_assert_msg(strstr(err.msg, tag), "'%s': message '%s' lacks '%s'", sql,
                      err.msg, tag);
    }
}

static void fails_at(const char *sql, int code, int pos, const char *want)
{
    fails_as(sql, QRY_HTTP, code, pos, want);
}

static void fails_pg(const char *sql, int code, int pos, const char *want)
{
    fails_as(sql, QRY_PGWIRE, code, pos, want);
}

static const char *name_of(qry_query *q, const qry_expr *e)
{
    return qry_expr_name(e, &q->arena);
}

/* The select items' result names are exactly the n given. */
static void names_are(const qry_query *q, uint32_t n, ...)
{
    ck_assert_uint_eq(q->nselect, n);
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        ck_assert_str_eq(q->select[i].name, va_arg(ap, const char *));
    va_end(ap);
}

/* ---- select list, identifiers, FROM ---------------------------------- */

START_TEST(select_columns_and_table)
{
    const char *sql = "SELECT Carrier, \"Year\", t.ArrDelay FROM airlineStats t";
    qry_query *q = parse_ok(sql);
    ck_assert_str_eq(q->sql, sql);
    ck_assert_str_eq(q->table, "airlineStats");
    ck_assert_uint_eq(q->nselect, 3);
    ck_assert_int_eq(q->select[0].expr->op, QE_COLUMN);
    ck_assert_str_eq(q->select[0].expr->name, "Carrier");
    ck_assert_int_eq(q->select[0].expr->position, 7);
    ck_assert_str_eq(q->select[1].expr->name, "Year");
    ck_assert_int_eq(q->select[1].expr->position, at(sql, "\"Year\""));
    ck_assert_str_eq(q->select[2].expr->name, "ArrDelay");
    ck_assert_int_eq(q->limit, -1);
    ck_assert(!q->select_star && !q->distinct);
    qry_query_free(q);

    q = bind_ok(sql);
    ck_assert_int_eq(q->shape, QRY_SELECTION);
    ck_assert_int_eq(q->select[0].expr->col, seg_schema_find(schema, "Carrier"));
    ck_assert_int_eq(q->select[0].expr->type, SEG_STRING);
    ck_assert_int_eq(q->select[2].expr->type, SEG_INT);
    names_are(q, 3, "Carrier", "Year", "ArrDelay");
    ck_assert_int_eq(q->limit, 10);
    ck_assert_uint_eq(q->naggs, 0);
    qry_query_free(q);
}
END_TEST

START_TEST(identifier_case)
{
    /* written case survives PostgreSQL's folding; binding then renames to
     * the schema's spelling, as Pinot's case-insensitive broker does */
    qry_query *q = parse_ok("select carrier, YEAR, \"Tags\" from MySchema.AirlineStats_OFFLINE");
    ck_assert_str_eq(q->table, "AirlineStats_OFFLINE");
    ck_assert_str_eq(q->select[0].expr->name, "carrier");
    ck_assert_str_eq(q->select[1].expr->name, "YEAR");
    ck_assert_str_eq(q->select[2].expr->name, "Tags");
    qry_query_free(q);
    q = bind_ok("select carrier, YEAR, avg(arrdelay) from t group by 1, 2");
    names_are(q, 3, "Carrier", "Year", "avg(ArrDelay)");
    qry_query_free(q);
    /* quoted names with odd characters and doubled quotes */
    q = parse_ok("SELECT \"we\"\"ird col\" FROM \"My Table\"");
    ck_assert_str_eq(q->select[0].expr->name, "we\"ird col");
    ck_assert_str_eq(q->table, "My Table");
    qry_query_free(q);
    /* comments between the parts of a name */
    q = parse_ok("SELECT T /* c */ . /* d */ Carrier FROM T");
    ck_assert_str_eq(q->select[0].expr->name, "Carrier");
    qry_query_free(q);
}
END_TEST

START_TEST(select_star)
{
    qry_query *q = parse_ok("SELECT * FROM t");
    ck_assert(q->select_star);
    ck_assert_uint_eq(q->nselect, 1);
    ck_assert_int_eq(q->select[0].expr->op, QE_STAR);
    qry_query_free(q);
    /* the schema's columns by Java String.compareTo: upper case first */
    q = bind_ok("SELECT * FROM t");
    names_are(q, 8, "ArrDelay", "Carrier", "Flights", "Tags", "Year", "active", "price",
              "ts");
    ck_assert_int_eq(q->select[3].expr->op, QE_COLUMN);
    ck_assert(q->select[3].expr->mv);
    ck_assert_int_eq(q->select[7].expr->type, SEG_TIMESTAMP);
    ck_assert_int_eq(q->limit, 10);
    qry_query_free(q);
    q = bind_ok("SELECT *, upper(Carrier) AS u FROM t ORDER BY 9");
    ck_assert_uint_eq(q->nselect, 9);
    ck_assert_str_eq(q->select[8].name, "u");
    ck_assert_int_eq(q->order_by[0].select_ref, 8);
    qry_query_free(q);
    q = bind_ok("SELECT t.* FROM t");
    ck_assert_uint_eq(q->nselect, 8);
    qry_query_free(q);
}
END_TEST

START_TEST(tableau_style)
{
    /* what Tableau sends over the PostgreSQL wire: quoted, qualified names */
    const char *sql = "SELECT \"airlineStats\".\"Carrier\" AS \"Carrier\", "
                      "SUM(\"airlineStats\".\"price\") AS \"sum:price:ok\" "
                      "FROM \"public\".\"airlineStats\" \"airlineStats\" "
                      "WHERE (\"airlineStats\".\"Year\" >= 2014) GROUP BY 1";
    qry_query *q = bind_as(sql, QRY_PGWIRE);
    ck_assert_str_eq(q->table, "airlineStats");
    names_are(q, 2, "Carrier", "sum:price:ok");
    ck_assert_ptr_eq(q->group_by[0], q->select[0].expr);
    ck_assert_int_eq(q->limit, -1);
    ck_assert(q->opts.null_handling);
    qry_query_free(q);
}
END_TEST

START_TEST(aliases_as_written)
{
    const char *sql = "SELECT Carrier AS carrierName, COUNT(*) \"Total\", "
                      "SUM(price) total2 FROM t GROUP BY carrierName ORDER BY TOTAL2";
    qry_query *q = bind_ok(sql);
    names_are(q, 3, "carrierName", "Total", "total2");
    ck_assert_ptr_eq(q->group_by[0], q->select[0].expr);
    ck_assert_int_eq(q->order_by[0].select_ref, 2);
    ck_assert_ptr_eq(q->order_by[0].expr, q->select[2].expr);
    qry_query_free(q);
    /* an alias that also appears inside its own expression */
    q = bind_ok("SELECT upper(Carrier) Carrier FROM t");
    names_are(q, 1, "Carrier");
    qry_query_free(q);
}
END_TEST

/* ---- literals and operators ---------------------------------------------- */

START_TEST(literals)
{
    const char *sql = "SELECT 1, -7.0, 1.5, 'it''s', true, false, NULL, -5, 0, "
                      "9223372036854775807, 2147483648, 1e3, -2147483648, - 3, -(4), "
                      "0.001, 1e7, 0.0001, '' FROM t";
    qry_query *q = parse_ok(sql);
    ck_assert_uint_eq(q->nselect, 19);
    const qry_val *v = &q->select[0].expr->lit;
    ck_assert_int_eq(q->select[0].expr->op, QE_LITERAL);
    ck_assert(v->kind == QV_LONG && v->type == SEG_LONG && v->i == 1);
    v = &q->select[1].expr->lit;
    ck_assert(v->kind == QV_DOUBLE && v->type == SEG_DOUBLE && v->d == -7.0);
    ck_assert_int_eq(q->select[1].expr->position, at(sql, "-7.0"));
    v = &q->select[3].expr->lit;
    ck_assert(v->kind == QV_STRING && v->len == 4 && memcmp(v->s, "it's", 4) == 0);
    v = &q->select[4].expr->lit;
    ck_assert(v->kind == QV_LONG && v->type == SEG_BOOLEAN && v->i == 1);
    ck_assert_int_eq(q->select[5].expr->lit.i, 0);
    ck_assert_int_eq(q->select[6].expr->lit.kind, QV_NULL);
    ck_assert_int_eq(q->select[7].expr->lit.i, -5);   /* printed by libpg_query as {} */
    ck_assert_int_eq(q->select[8].expr->lit.i, 0);
    ck_assert_int_eq(q->select[9].expr->lit.i, INT64_MAX);
    ck_assert_int_eq(q->select[10].expr->lit.i, 2147483648LL);
    ck_assert_int_eq(q->select[11].expr->lit.kind, QV_DOUBLE);
    ck_assert_int_eq(q->select[12].expr->lit.i, -2147483648LL);
    ck_assert_int_eq(q->select[13].expr->lit.i, -3);
    ck_assert_int_eq(q->select[14].expr->lit.i, -4);
    qry_query_free(q);
    q = bind_ok(sql);
    names_are(q, 19, "'1'", "'-7.0'", "'1.5'", "'it's'", "'true'", "'false'", "'null'",
              "'-5'", "'0'", "'9223372036854775807'", "'2147483648'", "'1000.0'",
              "'-2147483648'", "'-3'", "'-4'", "'0.001'", "'1.0E7'", "'1.0E-4'", "''");
    qry_query_free(q);
}
END_TEST

START_TEST(arithmetic_names)
{
    const char *sql = "SELECT ArrDelay + 1, ArrDelay - \"Year\", price * 2, price / 4, "
                      "ArrDelay % 10, -ArrDelay, +price, (ArrDelay + 1) * 2, "
                      "Carrier || 'x' FROM t";
    qry_query *q = parse_ok(sql);
    const char *want[] = { "plus(ArrDelay,'1')", "minus(ArrDelay,Year)",
                           "times(price,'2')",   "divide(price,'4')",
                           "mod(ArrDelay,'10')", "negate(ArrDelay)",
                           "price",              "times(plus(ArrDelay,'1'),'2')",
                           "concat(Carrier,'x')" };
    ck_assert_uint_eq(q->nselect, TN_ARRAY_LEN(want));
    for (size_t i = 0; i < TN_ARRAY_LEN(want); i++)
        ck_assert_str_eq(name_of(q, q->select[i].expr), want[i]);
    qry_expr *plus = q->select[0].expr;
    ck_assert_int_eq(plus->op, QE_CALL);
    ck_assert_str_eq(plus->name, "plus");
    ck_assert_uint_eq(plus->nargs, 2);
    ck_assert_int_eq(plus->position, at(sql, "+ 1"));
    ck_assert_int_eq(plus->args[1]->position, at(sql, "1,"));
    ck_assert_ptr_null(plus->func);   /* set by binding */
    qry_query_free(q);
}
END_TEST

START_TEST(function_names)
{
    const char *sql = "SELECT DATE_TRUNC('DAY', ts), dateTrunc('day', ts, 'MILLISECONDS'), "
                      "UPPER(Carrier), \"Lower\"(Carrier), "
                      "jsonExtractScalar(Carrier, '$.k1', 'INT'), COALESCE(Carrier, 'x'), "
                      "GREATEST(1, 2), NULLIF(ArrDelay, 0), now(), CURRENT_TIMESTAMP FROM t";
    qry_query *q = parse_ok(sql);
    const char *want[] = { "datetrunc('DAY',ts)",
                           "datetrunc('day',ts,'MILLISECONDS')",
                           "upper(Carrier)",
                           "lower(Carrier)",
                           "jsonextractscalar(Carrier,'$.k1','INT')",
                           "coalesce(Carrier,'x')",
                           "greatest('1','2')",
                           "nullif(ArrDelay,'0')",
                           "now()",
                           "now()" };
    ck_assert_uint_eq(q->nselect, TN_ARRAY_LEN(want));
    for (size_t i = 0; i < TN_ARRAY_LEN(want); i++)
        ck_assert_str_eq(name_of(q, q->select[i].expr), want[i]);
    qry_query_free(q);
}
END_TEST

START_TEST(cast_names)
{
    const char *sql = "SELECT CAST(ArrDelay AS BIGINT), CAST(CAST(Flights AS bigint) AS DOUBLE), "
                      "ArrDelay::varchar, CAST(ts AS TIMESTAMP), CAST(price AS long), "
                      "CAST(price AS DOUBLE PRECISION), CAST(Carrier AS int), "
                      "CAST(price AS \"Float\") FROM t";
    qry_query *q = parse_ok(sql);
    const char *want[] = { "cast(ArrDelay,'BIGINT')", "cast(cast(Flights,'BIGINT'),'DOUBLE')",
                           "cast(ArrDelay,'VARCHAR')", "cast(ts,'TIMESTAMP')",
                           "cast(price,'LONG')",       "cast(price,'DOUBLE')",
                           "cast(Carrier,'INT')",      "cast(price,'Float')" };
    ck_assert_uint_eq(q->nselect, TN_ARRAY_LEN(want));
    for (size_t i = 0; i < TN_ARRAY_LEN(want); i++)
        ck_assert_str_eq(name_of(q, q->select[i].expr), want[i]);
    qry_expr *c = q->select[0].expr;
    ck_assert_int_eq(c->op, QE_CALL);
    ck_assert_str_eq(c->name, "cast");
    ck_assert_int_eq(c->args[1]->lit.kind, QV_STRING);
    ck_assert_int_eq(c->args[1]->position, at(sql, "BIGINT"));
    qry_query_free(q);
}
END_TEST

/* ---- predicates ------------------------------------------------------------ */

START_TEST(predicate_shapes)
{
    const char *sql = "SELECT Carrier FROM t WHERE Carrier = 'AA' AND ArrDelay <> 1 AND "
                      "ArrDelay != 2 AND price < 1.5 AND price <= 2 AND Flights > 3 AND "
                      "Flights >= 4 AND \"Year\" BETWEEN 2000 AND 2010 AND \"Year\" NOT "
                      "BETWEEN 1 AND 2 AND ArrDelay IN (1, -2, 3) AND Carrier NOT IN ('x') "
                      "AND Carrier LIKE 'A%' AND Carrier NOT LIKE '%B' AND Tags IS NULL "
                      "AND Tags IS NOT NULL AND (active OR NOT active) AND "
                      "REGEXP_LIKE(Carrier, '^A') AND Carrier ~ 'x' AND Carrier !~* 'y'";
    qry_query *q = parse_ok(sql);
    qry_expr *w = q->where;
    ck_assert_int_eq(w->op, QE_AND);
    ck_assert_uint_eq(w->nargs, 19);   /* PostgreSQL flattens AND chains */
    static const struct {
        qry_op op;
        qry_cmp cmp;
        bool neg;
        uint32_t nargs;
    } want[] = {
        { QE_CMP, QC_EQ, false, 2 },     { QE_CMP, QC_NE, false, 2 },
        { QE_CMP, QC_NE, false, 2 },     { QE_CMP, QC_LT, false, 2 },
        { QE_CMP, QC_LE, false, 2 },     { QE_CMP, QC_GT, false, 2 },
        { QE_CMP, QC_GE, false, 2 },     { QE_BETWEEN, 0, false, 3 },
        { QE_BETWEEN, 0, true, 3 },      { QE_IN, 0, false, 4 },
        { QE_IN, 0, true, 2 },           { QE_LIKE, 0, false, 2 },
        { QE_LIKE, 0, true, 2 },         { QE_IS_NULL, 0, false, 1 },
        { QE_IS_NULL, 0, true, 1 },      { QE_OR, 0, false, 2 },
        { QE_REGEXP, 0, false, 2 },      { QE_REGEXP, 0, false, 2 },
        { QE_REGEXP, 0, true, 3 },
    };
    for (uint32_t i = 0; i < w->nargs; i++) {
        const qry_expr *p = w->args[i];
        ck_assert_msg(p->op == want[i].op, "predicate %u: op %d", i, p->op);
        if (p->op == QE_CMP)
            ck_assert_int_eq(p->cmp, want[i].cmp);
        ck_assert_int_eq(p->negated, want[i].neg);
        ck_assert_uint_eq(p->nargs, want[i].nargs);
    }
    ck_assert_int_eq(w->args[9]->args[2]->lit.i, -2);
    ck_assert_int_eq(w->args[15]->args[1]->op, QE_NOT);
    ck_assert_int_eq(w->args[0]->position, at(sql, "= 'AA'"));
    ck_assert_int_eq(w->args[0]->args[0]->position, at(sql, "Carrier ="));
    qry_query_free(q);
    q = bind_ok(sql);
    ck_assert_int_eq(q->where->type, SEG_BOOLEAN);
    for (uint32_t i = 0; i < q->where->nargs; i++)
        ck_assert_int_eq(q->where->args[i]->type, SEG_BOOLEAN);
    qry_query_free(q);
}
END_TEST

START_TEST(predicate_names)
{
    const char *sql =
        "SELECT CASE WHEN ArrDelay > 10 THEN 'late' WHEN ArrDelay BETWEEN 1 AND 10 THEN 'bit' "
        "ELSE 'ok' END, CASE Carrier WHEN 'AA' THEN 1 WHEN 'B' THEN 2 END, "
        "Carrier = 'AA' AND (ArrDelay NOT IN (1, 2) OR Carrier NOT LIKE 'A%') AND NOT Tags IS NULL, "
        "CASE WHEN price <= 1 OR price >= 2 OR price < 3 OR price <> 4 THEN 1 ELSE 0 END, "
        "CASE WHEN Carrier IN ('a', 'b') AND REGEXP_LIKE(Carrier, 'x') AND Carrier IS NOT NULL "
        "AND ArrDelay NOT BETWEEN 1 AND 2 THEN 1 END FROM t";
    qry_query *q = parse_ok(sql);
    const char *want[] = {
        "case(greater_than(ArrDelay,'10'),'late',between(ArrDelay,'1','10'),'bit','ok')",
        "case(equals(Carrier,'AA'),'1',equals(Carrier,'B'),'2','null')",
        "and(equals(Carrier,'AA'),or(not_in(ArrDelay,'1','2'),not(like(Carrier,'A%'))),"
        "not(is_null(Tags)))",
        "case(or(less_than_or_equal(price,'1'),greater_than_or_equal(price,'2'),less_than(price,'3'),"
        "not_equals(price,'4')),'1','0')",
        "case(and(in(Carrier,'a','b'),regexp_like(Carrier,'x'),is_not_null(Carrier),"
        "not(between(ArrDelay,'1','2'))),'1','null')",
    };
    ck_assert_uint_eq(q->nselect, TN_ARRAY_LEN(want));
    for (size_t i = 0; i < TN_ARRAY_LEN(want); i++)
        ck_assert_str_eq(name_of(q, q->select[i].expr), want[i]);
    /* simple CASE: one comparison per WHEN, a NULL literal for the ELSE */
    qry_expr *c = q->select[1].expr;
    ck_assert_str_eq(c->name, "case");
    ck_assert_uint_eq(c->nargs, 5);
    ck_assert_int_eq(c->args[0]->op, QE_CMP);
    ck_assert_int_eq(c->args[4]->lit.kind, QV_NULL);
    qry_query_free(q);
}
END_TEST

/* ---- aggregations ------------------------------------------------------------- */

START_TEST(aggregation_names)
{
    const char *sql = "SELECT COUNT(*), count(ArrDelay), COUNT(DISTINCT Carrier), "
                      "SUM(DISTINCT ArrDelay), AVG(DISTINCT price), MAX(DISTINCT ArrDelay), "
                      "percentile(price, 95), PERCENTILE95(price), "
                      "percentiletdigest(price, 80.5), percentileest(ArrDelay, 99.9), "
                      "DISTINCTCOUNTHLL(Carrier, 12), DISTINCT_COUNT(Carrier), "
                      "sum(price) FILTER (WHERE ArrDelay > 1 AND Carrier IN ('a', 'b')), "
                      "MAX(ArrDelay) - MIN(ArrDelay), avg(ARRDELAY) FROM t";
    qry_query *q = parse_ok(sql);
    qry_expr *cnt = q->select[0].expr;
    ck_assert_int_eq(cnt->op, QE_AGG);
    ck_assert_str_eq(cnt->name, "count");
    ck_assert_uint_eq(cnt->nargs, 1);
    ck_assert_int_eq(cnt->args[0]->op, QE_STAR);
    ck_assert_str_eq(q->select[2].expr->name, "distinctcount");
    ck_assert(q->select[2].expr->distinct);
    ck_assert_ptr_nonnull(q->select[12].expr->filter);
    ck_assert_int_eq(q->select[12].expr->filter->op, QE_AND);
    qry_query_free(q);

    q = bind_ok(sql);
    ck_assert_int_eq(q->shape, QRY_AGGREGATION);
    ck_assert_int_eq(q->limit, -1);
    names_are(q, 15, "count(*)", "count(*)", "distinctcount(Carrier)",
              "distinctsum(ArrDelay)", "distinctavg(price)", "max(ArrDelay)",
              "percentile(price, 95.0)", "percentile95(price)",
              "percentiletdigest(price, 80.5)", "percentileest(ArrDelay, 99.9)",
              "distinctcounthll(Carrier)", "distinctcount(Carrier)",
              "sum(price) FILTER(WHERE (ArrDelay > '1' AND Carrier IN ('a','b')))",
              "minus(max(ArrDelay),min(ArrDelay))", "avg(ArrDelay)");
    /* the legacy form evaluates as percentile(x, 95) */
    qry_expr *legacy = q->select[7].expr;
    ck_assert_ptr_nonnull(legacy->agg);
    ck_assert_str_eq(legacy->agg->name, "percentile");
    ck_assert_uint_eq(legacy->nargs, 2);
    ck_assert(legacy->args[1]->lit.kind == QV_DOUBLE && legacy->args[1]->lit.d == 95);
    qry_query_free(q);
}
END_TEST

START_TEST(aggregation_slots)
{
    qry_query *q = bind_ok("SELECT Carrier, COUNT(*), SUM(price), COUNT(*) AS again, "
                           "SUM(price) / COUNT(*) FROM t GROUP BY Carrier "
                           "HAVING SUM(price) > 1 AND again > 2 ORDER BY MAX(ArrDelay) DESC, 2");
    ck_assert_int_eq(q->shape, QRY_GROUP_BY);
    ck_assert_uint_eq(q->naggs, 3);   /* count(*), sum(price), max(ArrDelay) */
    ck_assert_int_eq(q->select[1].expr->agg_slot, 0);
    ck_assert_int_eq(q->select[2].expr->agg_slot, 1);
    ck_assert_int_eq(q->select[3].expr->agg_slot, 0);
    ck_assert_int_eq(q->select[4].expr->args[0]->agg_slot, 1);
    ck_assert_int_eq(q->select[4].expr->args[1]->agg_slot, 0);
    ck_assert_int_eq(q->having->args[0]->args[0]->agg_slot, 1);
    ck_assert_ptr_eq(q->having->args[1]->args[0], q->select[3].expr);   /* the alias */
    ck_assert_int_eq(q->order_by[0].expr->agg_slot, 2);
    ck_assert(q->order_by[0].desc);
    ck_assert_int_eq(q->order_by[0].select_ref, -1);
    ck_assert_int_eq(q->order_by[1].select_ref, 1);
    ck_assert_str_eq(q->aggs[2]->agg->name, "max");
    for (uint32_t i = 0; i < q->naggs; i++)
        ck_assert_int_eq(q->aggs[i]->agg_slot, (int)i);
    ck_assert_int_eq(q->limit, 10);
    qry_query_free(q);
    /* filters make different aggregations */
    q = bind_ok("SELECT SUM(price), SUM(price) FILTER (WHERE ArrDelay > 0), "
                "SUM(price) FILTER (WHERE ArrDelay > 0) FROM t");
    ck_assert_uint_eq(q->naggs, 2);
    ck_assert_int_eq(q->select[2].expr->agg_slot, 1);
    qry_query_free(q);
}
END_TEST

/* ---- GROUP BY, ORDER BY, DISTINCT, LIMIT -------------------------------------- */

START_TEST(group_and_order)
{
    const char *sql = "SELECT Carrier AS c, \"Year\", COUNT(*) AS n FROM t "
                      "GROUP BY c, 2 ORDER BY n DESC NULLS LAST, 1 ASC, \"Year\" "
                      "LIMIT 5 OFFSET 2";
    qry_query *q = parse_ok(sql);
    ck_assert_uint_eq(q->ngroup, 2);
    ck_assert_uint_eq(q->norder, 3);
    ck_assert_int_eq(q->limit, 5);
    ck_assert_int_eq(q->offset, 2);
    ck_assert(q->order_by[0].desc && !q->order_by[1].desc);
    qry_query_free(q);
    q = bind_ok(sql);
    ck_assert_int_eq(q->shape, QRY_GROUP_BY);
    ck_assert_ptr_eq(q->group_by[0], q->select[0].expr);
    ck_assert_ptr_eq(q->group_by[1], q->select[1].expr);
    ck_assert_int_eq(q->order_by[0].select_ref, 2);
    ck_assert_int_eq(q->order_by[1].select_ref, 0);
    ck_assert_int_eq(q->order_by[2].select_ref, 1);
    names_are(q, 3, "c", "Year", "n");
    ck_assert_int_eq(q->limit, 5);
    qry_query_free(q);

    /* GROUP BY without aggregations acts as DISTINCT; expressions of keys */
    q = bind_ok("SELECT Carrier, upper(Carrier) FROM t GROUP BY Carrier");
    ck_assert_int_eq(q->shape, QRY_GROUP_BY);
    ck_assert_uint_eq(q->naggs, 0);
    ck_assert_int_eq(q->limit, 10);
    qry_query_free(q);
    q = bind_ok("SELECT datetrunc('DAY', ts) AS d, COUNT(*) FROM t "
                "GROUP BY datetrunc('DAY', ts) ORDER BY datetrunc('DAY', ts)");
    ck_assert_int_eq(q->order_by[0].select_ref, 0);
    qry_query_free(q);
}
END_TEST

START_TEST(distinct_and_limits)
{
    qry_query *q = bind_ok("SELECT DISTINCT Carrier, \"Year\" FROM t ORDER BY \"Year\"");
    ck_assert_int_eq(q->shape, QRY_DISTINCT);
    ck_assert(q->distinct);
    ck_assert_int_eq(q->limit, 10);
    ck_assert_int_eq(q->order_by[0].select_ref, 1);
    qry_query_free(q);
    /* PostgreSQL clients get every row: -1 stays "no limit" */
    q = bind_as("SELECT DISTINCT Carrier FROM t", QRY_PGWIRE);
    ck_assert_int_eq(q->limit, -1);
    qry_query_free(q);
    q = bind_as("SELECT Carrier FROM t", QRY_PGWIRE);
    ck_assert_int_eq(q->limit, -1);
    qry_query_free(q);
    q = bind_as("SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier", QRY_PGWIRE);
    ck_assert_int_eq(q->limit, -1);
    qry_query_free(q);
    q = bind_as("SELECT Carrier FROM t LIMIT 3", QRY_PGWIRE);
    ck_assert_int_eq(q->limit, 3);
    qry_query_free(q);
    q = bind_ok("SELECT Carrier FROM t LIMIT 0");
    ck_assert_int_eq(q->limit, 0);
    qry_query_free(q);
    q = bind_ok("SELECT Carrier FROM t FETCH FIRST 7 ROWS ONLY");
    ck_assert_int_eq(q->limit, 7);
    qry_query_free(q);
    q = bind_ok("SELECT Carrier FROM t LIMIT 3000000000");
    ck_assert_int_eq(q->limit, 3000000000LL);
    qry_query_free(q);
    /* aggregation-only: one row whatever LIMIT says */
    q = bind_ok("SELECT COUNT(*) FROM t LIMIT 4");
    ck_assert_int_eq(q->shape, QRY_AGGREGATION);
    ck_assert_int_eq(q->limit, -1);
    qry_query_free(q);
    q = parse_ok("SELECT Carrier FROM t LIMIT ALL");
    ck_assert_int_eq(q->limit, -1);
    qry_query_free(q);
}
END_TEST

/* ---- options --------------------------------------------------------------------- */

START_TEST(set_and_option)
{
    qry_query *q = parse_ok("SET timeoutMs = 5000; SET enableNullHandling = true;\n"
                            "SET someOtherOption = 'x'; SELECT Carrier FROM t");
    ck_assert_int_eq(q->opts.timeout_ms, 5000);
    ck_assert(q->opts.null_handling && q->opts.has_null_handling);
    ck_assert_int_eq(q->select[0].expr->position, at(q->sql, "Carrier"));
    qry_query_free(q);
    q = parse_ok("SET \"numGroupsLimit\" = '250'; SET timeoutMs TO 7; SELECT Carrier FROM t");
    ck_assert_int_eq(q->opts.num_groups_limit, 250);
    ck_assert_int_eq(q->opts.timeout_ms, 7);
    qry_query_free(q);
    q = parse_ok("SELECT Carrier FROM t WHERE ArrDelay > 1 OPTION(timeoutMs=100, "
                 "numGroupsLimit = 7, whatever=1)");
    ck_assert_int_eq(q->opts.timeout_ms, 100);
    ck_assert_int_eq(q->opts.num_groups_limit, 7);
    ck_assert_int_eq(q->where->op, QE_CMP);
    qry_query_free(q);
    q = parse_ok("select Carrier from t  option ( enableNullHandling=FALSE ) ; \n");
    ck_assert(!q->opts.null_handling && q->opts.has_null_handling);
    qry_query_free(q);
    /* not a trailing OPTION: left to the SQL parser */
    q = parse_ok("SELECT Carrier FROM t WHERE Carrier = 'option(a=1)'");
    ck_assert_int_eq(q->opts.timeout_ms, 0);
    qry_query_free(q);
    /* the flavours' null handling defaults */
    q = parse_ok("SELECT Carrier FROM t");
    ck_assert(!q->opts.null_handling && !q->opts.has_null_handling);
    ck_assert_int_eq(q->flavour, QRY_HTTP);
    qry_query_free(q);
    q = parse_as("SELECT Carrier FROM t", QRY_PGWIRE);
    ck_assert(q->opts.null_handling);
    ck_assert_int_eq(q->flavour, QRY_PGWIRE);
    qry_query_free(q);
    q = parse_as("SET enableNullHandling = false; SELECT Carrier FROM t", QRY_PGWIRE);
    ck_assert(!q->opts.null_handling);
    qry_query_free(q);
}
END_TEST

START_TEST(options_text)
{
    qry_options o = { 0 };
    qry_err err = { 0 };
    ck_assert_int_eq(qry_options_parse(&o, " timeoutMs = 10 ; ;numGroupsLimit=3;"
                                           "ENABLENULLHANDLING=true;useMultistageEngine=false",
                                       &err), 0);
    ck_assert_int_eq(o.timeout_ms, 10);
    ck_assert_int_eq(o.num_groups_limit, 3);
    ck_assert(o.null_handling && o.has_null_handling);
    ck_assert_int_eq(qry_options_parse(&o, "", &err), 0);
    ck_assert_int_eq(qry_options_set(&o, "TIMEOUTMS", "42", &err), 0);
    ck_assert_int_eq(o.timeout_ms, 42);
    static const char *const bad[][2] = {
        { "timeoutMs=0", "timeoutMs" },         { "timeoutMs=-5", "timeoutMs" },
        { "timeoutMs=12x", "timeoutMs" },       { "numGroupsLimit=", "numGroupsLimit" },
        { "enableNullHandling=maybe", "enableNullHandling" },
        { "timeoutMs", "key=value" },           { "=5", "empty" },
    };
    for (size_t i = 0; i < TN_ARRAY_LEN(bad); i++) {
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(qry_options_parse(&o, bad[i][0], &err), -1);
        ck_assert_int_eq(err.code, QRY_ERR_PARSE);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "'%s': %s", bad[i][0], err.msg);
    }
}
END_TEST

/* ---- errors --------------------------------------------------------------------- */

START_TEST(syntax_errors)
{
    fails_at("SELEC x FROM t", QRY_ERR_PARSE, 0, "syntax error");
    fails_at("SELECT a FROM t WHERE", QRY_ERR_PARSE, 21, "end of input");
    fails_at("SELECT 'abc FROM t", QRY_ERR_PARSE, 7, "unterminated");
    fails_at("SELECT \"abc FROM t", QRY_ERR_PARSE, 7, "unterminated");
    /* the cursor counts characters; positions are bytes */
    fails_at("SELECT 'é', 'ü' FRO t", QRY_ERR_PARSE, 22, "syntax error");
    fails_at("", QRY_ERR_PARSE, -1, "empty query");
    fails_at("   \n\t ", QRY_ERR_PARSE, -1, "empty query");
    fails_at("-- nothing", QRY_ERR_PARSE, -1, "empty query");
    fails_at("SET a = 1;", QRY_ERR_PARSE, 0, "no SELECT");
    fails_at("SELECT a", QRY_ERR_PARSE, -1, "FROM");
    fails_at("SELECT a FROM t OPTION(timeoutMs)", QRY_ERR_PARSE, 23, "key=value");
    fails_at("SELECT a FROM t OPTION(timeoutMs=abc)", QRY_ERR_PARSE, 23, "timeoutMs");
    fails_at("SET timeoutMs = -5; SELECT a FROM t", QRY_ERR_PARSE, 0, "timeoutMs");
    fails_at("SELECT a FROM t; SET numGroupsLimit = 'lots'", QRY_ERR_PARSE, 17,
             "numGroupsLimit");
    fails_at("SET x TO DEFAULT; SELECT a FROM t", QRY_ERR_PARSE, 0, "SET");
    fails_at("SET x = 1, 2; SELECT a FROM t", QRY_ERR_PARSE, 0, "one value");
    fails_at("SELECT a FROM t LIMIT -1", QRY_ERR_PARSE, 22, "LIMIT");
    fails_at("SELECT a FROM t LIMIT 1 OFFSET -2", QRY_ERR_PARSE, 31, "OFFSET");
    fails_at("SELECT a FROM t LIMIT 1.5", QRY_ERR_PARSE, 22, "integer");
    fails_at("SELECT a FROM t LIMIT 'x'", QRY_ERR_PARSE, 22, "integer");
}
END_TEST

START_TEST(unsupported_constructs)
{
    fails_at("SELECT a FROM t JOIN u ON t.x = u.x", QRY_ERR_PARSE, 21, "JOIN");
    fails_at("SELECT a FROM t, u", QRY_ERR_PARSE, 17, "JOIN");
    fails_at("SELECT a FROM (SELECT 1) s", QRY_ERR_PARSE, 22, "subquery in FROM");
    fails_at("SELECT a FROM t WHERE a IN (SELECT b FROM u)", QRY_ERR_PARSE, 24, "subquery");
    fails_at("SELECT a FROM t WHERE EXISTS (SELECT 1)", QRY_ERR_PARSE, 22, "subquery");
    fails_at("SELECT a, (SELECT 1) FROM t", QRY_ERR_PARSE, 10, "subquery");
    fails_at("SELECT a FROM t UNION SELECT b FROM u", QRY_ERR_PARSE, 29, "UNION");
    fails_at("SELECT a FROM t EXCEPT SELECT b FROM u", QRY_ERR_PARSE, 30, "EXCEPT");
    fails_at("WITH x AS (SELECT 1) SELECT a FROM x", QRY_ERR_PARSE, 5, "WITH");
    fails_at("SELECT SUM(a) OVER (PARTITION BY b) FROM t", QRY_ERR_PARSE, 7, "window");
    fails_at("SELECT a FROM t GROUP BY GROUPING SETS ((a), ())", QRY_ERR_PARSE, 25,
             "GROUPING SETS");
    fails_at("SELECT a FROM t GROUP BY ROLLUP (a)", QRY_ERR_PARSE, 25, "ROLLUP");
    fails_at("SELECT a FROM t GROUP BY CUBE (a)", QRY_ERR_PARSE, 25, "CUBE");
    fails_at("INSERT INTO t VALUES (1)", QRY_ERR_PARSE, 0, "INSERT");
    fails_at("DELETE FROM t", QRY_ERR_PARSE, 0, "DELETE");
    fails_at("SELECT a FROM t; SELECT b FROM t", QRY_ERR_PARSE, 17, "one SELECT");
    fails_at("SELECT a FROM t WHERE a ILIKE 'x'", QRY_ERR_PARSE, 24, "ILIKE");
    fails_at("SELECT a FROM t WHERE a IS DISTINCT FROM b", QRY_ERR_PARSE, 24, "DISTINCT FROM");
    fails_at("SELECT DISTINCT ON (a) a FROM t", QRY_ERR_PARSE, 20, "DISTINCT ON");
    fails_at("SELECT a FROM t WHERE a = $1", QRY_ERR_PARSE, 26, "parameter");
    fails_at("SELECT ARRAY[1, 2] FROM t", QRY_ERR_PARSE, 7, "ARRAY");
    fails_at("SELECT a FROM t ORDER BY a USING <", QRY_ERR_PARSE, 33, "USING");
    fails_at("SELECT string_agg(a, ',' ORDER BY a) FROM t", QRY_ERR_PARSE, 7, "ORDER BY");
    fails_at("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t", QRY_ERR_PARSE, 7,
             "WITHIN GROUP");
    fails_at("SELECT MODE(DISTINCT a) FROM t", QRY_ERR_PARSE, 7, "DISTINCT in");
    fails_at("SELECT upper(a) FILTER (WHERE a > 1) FROM t", QRY_ERR_PARSE, 7, "FILTER");
    fails_at("SELECT sum(*) FROM t", QRY_ERR_PARSE, 7, "COUNT");
    fails_at("SELECT a FROM t WHERE a @> b", QRY_ERR_PARSE, 24, "operator @>");
    fails_at("SELECT a FROM t FOR UPDATE", QRY_ERR_PARSE, -2, "FOR UPDATE");
    fails_at("SELECT a FROM t WHERE * = 1", QRY_ERR_PARSE, -2, "");
}
END_TEST

START_TEST(bind_errors)
{
    fails_at("SELECT nope FROM t", QRY_ERR_UNKNOWN_COLUMN, 7, "'nope'");
    fails_at("SELECT Carrier FROM t WHERE t.Nope = 1", QRY_ERR_UNKNOWN_COLUMN, 28, "'Nope'");
    fails_at("SELECT Carrier FROM t ORDER BY zz", QRY_ERR_UNKNOWN_COLUMN, 31, "'zz'");
    fails_at("SELECT foo(ArrDelay) FROM t", QRY_ERR_VALIDATION, 7, "Unsupported function 'foo'");
    fails_at("SELECT Carrier FROM t WHERE SUM(ArrDelay) > 1", QRY_ERR_VALIDATION, 28,
             "not allowed in WHERE");
    fails_at("SELECT COUNT(*) FROM t GROUP BY SUM(price)", QRY_ERR_VALIDATION, 32,
             "not allowed in GROUP BY");
    fails_at("SELECT COUNT(*) AS n FROM t GROUP BY n", QRY_ERR_VALIDATION, 37,
             "aggregation");
    fails_at("SELECT SUM(MAX(price)) FROM t", QRY_ERR_VALIDATION, 11, "inside another");
    fails_at("SELECT SUM(price) FILTER (WHERE COUNT(*) > 1) FROM t", QRY_ERR_VALIDATION,
             32, "inside another");
    fails_at("SELECT Carrier, ArrDelay, COUNT(*) FROM t GROUP BY Carrier",
             QRY_ERR_VALIDATION, 16, "'ArrDelay'");
    fails_at("SELECT Carrier, \"Year\" + ArrDelay FROM t GROUP BY Carrier, \"Year\"",
             QRY_ERR_VALIDATION, 25, "'ArrDelay'");
    fails_at("SELECT Carrier, COUNT(*) FROM t", QRY_ERR_VALIDATION, 7, "'Carrier'");
    fails_at("SELECT Carrier, COUNT(*) FROM t GROUP BY Carrier ORDER BY price",
             QRY_ERR_VALIDATION, 58, "'price'");
    fails_at("SELECT Carrier FROM t GROUP BY Carrier HAVING ArrDelay > 1",
             QRY_ERR_VALIDATION, 46, "'ArrDelay'");
    fails_at("SELECT Carrier FROM t HAVING Carrier = 'a'", QRY_ERR_VALIDATION, 37, "HAVING");
    fails_at("SELECT Carrier FROM t ORDER BY 2", QRY_ERR_VALIDATION, 31, "position 2");
    fails_at("SELECT Carrier FROM t GROUP BY 0", QRY_ERR_VALIDATION, 31, "position 0");
    fails_at("SELECT DISTINCT Carrier, COUNT(*) FROM t", QRY_ERR_VALIDATION, -1,
             "DISTINCT with aggregation");
    fails_at("SELECT DISTINCT Carrier FROM t GROUP BY Carrier", QRY_ERR_VALIDATION, -1,
             "GROUP BY");
    fails_at("SELECT DISTINCT Carrier FROM t ORDER BY price", QRY_ERR_VALIDATION, 40,
             "'price'");
    fails_at("SELECT Carrier FROM t WHERE ArrDelay IN (1, price)", QRY_ERR_VALIDATION, 37,
             "IN");
    fails_at("SELECT Carrier FROM t WHERE Carrier LIKE Carrier", QRY_ERR_VALIDATION, 36,
             "LIKE");
    fails_at("SELECT Carrier FROM t WHERE regexp_like(Carrier)", QRY_ERR_VALIDATION, 28,
             "regexp_like");
    fails_at("SELECT Carrier FROM t WHERE ArrDelay", QRY_ERR_VALIDATION, 28, "condition");
    fails_at("SELECT COUNT(ArrDelay, price) FROM t", QRY_ERR_VALIDATION, 7, "count");
    fails_at("SELECT percentile101(price) FROM t", QRY_ERR_VALIDATION, -2, "percentile");
    fails_at("SELECT upper(Carrier, Carrier, Carrier, Carrier) FROM t", QRY_ERR_VALIDATION,
             7, "upper");
}
END_TEST

/* ---- positions ------------------------------------------------------------------ */

/* Every node has a position inside the text, and children bound to the
 * same text (a select item reached twice is fine). */
static void positions_inside(const qry_expr *e, int len)
{
    ck_assert_msg(e->position >= 0 && e->position < len, "position %d outside [0, %d)",
                  e->position, len);
    for (uint32_t i = 0; i < e->nargs; i++)
        positions_inside(e->args[i], len);
    if (e->filter)
        positions_inside(e->filter, len);
}

static void all_positions_inside(const qry_query *q)
{
    int len = (int)strlen(q->sql);
    for (uint32_t i = 0; i < q->nselect; i++)
        positions_inside(q->select[i].expr, len);
    if (q->where)
        positions_inside(q->where, len);
    for (uint32_t i = 0; i < q->ngroup; i++)
        positions_inside(q->group_by[i], len);
    if (q->having)
        positions_inside(q->having, len);
    for (uint32_t i = 0; i < q->norder; i++)
        positions_inside(q->order_by[i].expr, len);
}

START_TEST(positions)
{
    const char *sql = "SELECT Carrier, COUNT(*) FROM t WHERE ArrDelay > 10 AND "
                      "Carrier IN ('a') GROUP BY Carrier HAVING SUM(price) > 1 "
                      "ORDER BY 2 DESC";
    qry_query *q = parse_ok(sql);
    all_positions_inside(q);
    ck_assert_int_eq(q->select[1].expr->position, at(sql, "COUNT"));
    ck_assert_int_eq(q->where->position, at(sql, "AND"));
    ck_assert_int_eq(q->where->args[0]->position, at(sql, "> 10"));
    ck_assert_int_eq(q->where->args[0]->args[1]->position, at(sql, "10"));
    ck_assert_int_eq(q->where->args[1]->position, at(sql, "IN ("));
    ck_assert_int_eq(q->group_by[0]->position, at(sql, "Carrier HAVING"));
    ck_assert_int_eq(q->having->args[0]->position, at(sql, "SUM"));
    ck_assert_int_eq(q->order_by[0].expr->position, at(sql, "2 DESC"));
    qry_query_free(q);
}
END_TEST

/* ---- the airlineStats suite --------------------------------------------------------- */

static cJSON *read_jsonl(const char *path, int *n)
{
    char *text;
    size_t len;
    char err[TN_ERRLEN];
    if (tn_read_file(path, &text, &len, err) != 0)
        return NULL;
    cJSON *all = cJSON_CreateArray();
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *j = cJSON_Parse(line);
        ck_assert_msg(j != NULL, "bad JSON line in %s", path);
        cJSON_AddItemToArray(all, j);
    }
    free(text);
    *n = cJSON_GetArraySize(all);
    return all;
}

START_TEST(airline_queries)
{
    if (access(AIRLINE_DIR "/expected-200.jsonl", R_OK) != 0) {
        fprintf(stderr, "skip: no %s\n", AIRLINE_DIR);
        return;
    }
    seg_schema *airline;
    char serr[TN_ERRLEN];
    ck_assert_int_eq(seg_schema_load_file(AIRLINE_DIR "/airlineStats_schema.json", &airline,
                                          serr), 0);
    int n;
    cJSON *all = read_jsonl(AIRLINE_DIR "/expected-200.jsonl", &n);
    ck_assert_int_eq(n, 200);
    const cJSON *exp;
    cJSON_ArrayForEach(exp, all) {
        const char *id = cJSON_GetObjectItem(exp, "id")->valuestring;
        const char *sql = cJSON_GetObjectItem(exp, "sql")->valuestring;
        const cJSON *cols = cJSON_GetObjectItem(exp, "columns");
        const cJSON *limit = cJSON_GetObjectItem(exp, "limit");
        qry_query *q = NULL;
        qry_err err = { 0 };
        ck_assert_msg(qry_parse(sql, QRY_HTTP, &q, &err) == 0, "%s: %s", id, err.msg);
        all_positions_inside(q);
        ck_assert_msg(qry_bind(q, airline, &err) == 0, "%s: %s", id, err.msg);
        ck_assert_str_eq(q->table, "airlineStats");
        ck_assert_msg(q->nselect == (uint32_t)cJSON_GetArraySize(cols), "%s: %u columns",
                      id, q->nselect);
        for (uint32_t i = 0; i < q->nselect; i++)
            ck_assert_msg(strcmp(q->select[i].name,
                                 cJSON_GetArrayItem(cols, (int)i)->valuestring) == 0,
                          "%s column %u: '%s', expected '%s'", id, i, q->select[i].name,
                          cJSON_GetArrayItem(cols, (int)i)->valuestring);
        int64_t want = cJSON_IsNumber(limit) ? (int64_t)limit->valuedouble : -1;
        ck_assert_msg(q->limit == want, "%s: limit %lld, expected %lld", id,
                      (long long)q->limit, (long long)want);
        qry_query_free(q);
    }
    cJSON_Delete(all);
    seg_schema_free(airline);
}
END_TEST

/* ---- malformed input ------------------------------------------------------------- */

/* Parses (and binds, if it parses) without crashing; an error has a code
 * and a message. */
static void survives(const char *sql)
{
    qry_query *q = NULL;
    qry_err err = { 0 };
    if (qry_parse(sql, QRY_HTTP, &q, &err) == 0) {
        if (qry_bind(q, schema, &err) != 0)
            ck_assert_msg(err.code >= 100 && err.msg[0], "bind error without message");
        qry_query_free(q);
    } else {
        ck_assert_ptr_null(q);
        ck_assert_msg(err.code == QRY_ERR_PARSE && err.msg[0], "parse error %d '%s'",
                      err.code, err.msg);
    }
}

static char *repeat3(const char *head, const char *unit, int n, const char *mid,
                     const char *unit2, const char *tail)
{
    size_t len = strlen(head) + (strlen(unit) + strlen(unit2)) * (size_t)n + strlen(mid) +
                 strlen(tail) + 1;
    char *s = malloc(len), *p = s;
    p += sprintf(p, "%s", head);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s", unit);
    p += sprintf(p, "%s", mid);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s", unit2);
    sprintf(p, "%s", tail);
    return s;
}

START_TEST(deep_nesting)
{
    /* parentheses leave no trace in PostgreSQL's tree: this one is fine */
    char *s = repeat3("SELECT ", "(", 2000, "ArrDelay", ")", " FROM t");
    qry_query *q = bind_ok(s);
    ck_assert_str_eq(q->select[0].name, "ArrDelay");
    qry_query_free(q);
    free(s);
    /* too deep for the parser's stack */
    s = repeat3("SELECT ", "(", 20000, "ArrDelay", ")", " FROM t");
    fails_at(s, QRY_ERR_PARSE, -2, "");
    free(s);
    /* nested calls and long operator chains are refused, not recursed into */
    s = repeat3("SELECT ", "abs(", 2000, "ArrDelay", ")", " FROM t");
    fails_at(s, QRY_ERR_PARSE, -2, "deep");
    free(s);
    s = repeat3("SELECT ArrDelay", "+1", 5000, "", "", " FROM t");
    fails_at(s, QRY_ERR_PARSE, -2, "deep");
    free(s);
    s = repeat3("SELECT ", "abs(", 150, "ArrDelay", ")", " FROM t");
    survives(s);
    free(s);
    s = repeat3("SELECT Carrier FROM t WHERE ", "NOT ", 3000, "active", "", "");
    survives(s);
    free(s);
}
END_TEST

START_TEST(large_and_garbage)
{
    /* a 100 KB query: a long IN list */
    size_t cap = 120 * 1024;
    char *big = malloc(cap);
    int len = sprintf(big, "SELECT COUNT(*) FROM t WHERE ArrDelay IN (0");
    for (int i = 1; len < 100 * 1024; i++)
        len += sprintf(big + len, ", %d", i % 2 ? i : -i);
    sprintf(big + len, ") OPTION(timeoutMs=9)");
    qry_query *q = bind_ok(big);
    ck_assert_uint_gt(q->where->nargs, 10000);
    ck_assert_int_eq(q->where->args[2]->lit.i, 1);
    ck_assert_int_eq(q->where->args[3]->lit.i, -2);
    ck_assert_int_eq(q->opts.timeout_ms, 9);
    qry_query_free(q);
    free(big);
    /* random bytes (no NUL), and random SQL-ish token soup */
    static const char *const words[] = {
        "SELECT ", "FROM ", "t ", "WHERE ", "Carrier ", "ArrDelay ", "( ", ") ", ", ",
        "'x' ", "\"Year\" ", "1 ", "-2.5 ", "= ", "AND ", "OR ", "NOT ", "IN ", "BETWEEN ",
        "GROUP BY ", "ORDER BY ", "LIMIT ", "COUNT(*) ", "SUM(", "CASE ", "WHEN ",
        "THEN ", "END ", "::int ", "OPTION(", "SET ", "; ", "* ", "/* ", "*/ ", "-- ",
        "\n", "$$", "E'\\'' ", "HAVING ", "DISTINCT ", "AS ", "LIKE ", "IS NULL ",
    };
    uint64_t seed = 42;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t target = 1 + (seed >> 33) % 200;
        bool soup = round % 2;
        while (n < target && n + 32 < sizeof buf) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            if (soup) {
                const char *w = words[(seed >> 33) % TN_ARRAY_LEN(words)];
                memcpy(buf + n, w, strlen(w));
                n += strlen(w);
            } else {
                buf[n++] = (char)(1 + (seed >> 33) % 255);
            }
        }
        buf[n] = '\0';
        survives(buf);
    }
}
END_TEST

START_TEST(truncated_queries)
{
    /* every prefix of a query that exercises most of the parser */
    const char *sql = "SET timeoutMs = 10; SELECT Carrier AS c, \"Year\", COUNT(*), "
                      "SUM(price) FILTER (WHERE ArrDelay > -1), CASE WHEN a THEN 'x' END, "
                      "CAST(ArrDelay AS BIGINT) FROM airlineStats WHERE Carrier IN ('a', 'b') "
                      "AND price BETWEEN -1.5 AND 2 OR NOT Tags IS NULL GROUP BY 1, 2 "
                      "HAVING COUNT(*) > 1 ORDER BY 3 DESC LIMIT 10 OFFSET 1 OPTION(a=b)";
    size_t len = strlen(sql);
    char *buf = malloc(len + 1);
    for (size_t cut = 0; cut <= len; cut++) {
        memcpy(buf, sql, cut);
        buf[cut] = '\0';
        survives(buf);
    }
    free(buf);
}
END_TEST


/* ---- the PostgreSQL dialect (QRY_PGWIRE) --------------------------------- */

static qry_query *pg_bound(const char *sql)
{
    return bind_as(sql, QRY_PGWIRE);
}

START_TEST(pg_dates_and_times)
{
    /* DATE_TRUNC is Pinot's datetrunc typed timestamp */
    qry_query *q = pg_bound("SELECT DATE_TRUNC('MONTH', \"t\".\"ts\") AS \"tmn:ts:ok\" FROM t");
    ck_assert_int_eq(q->select[0].expr->type, SEG_TIMESTAMP);
    ck_assert_ptr_null(q->select[0].pg_type);
    ck_assert_str_eq(q->select[0].name, "tmn:ts:ok");
    qry_query_free(q);
    q = bind_ok("SELECT DATE_TRUNC('MONTH', ts) FROM t");   /* HTTP: Pinot's LONG */
    ck_assert_int_eq(q->select[0].expr->type, SEG_LONG);
    qry_query_free(q);
    /* CAST(x AS DATE) and x::date: a midnight, typed date for the client */
    const char *dates[] = {"SELECT CAST(ts AS DATE) FROM t", "SELECT ts::date FROM t",
                           "SELECT CAST(\"t\".\"ts\" AS date) AS d FROM t"};
    for (size_t i = 0; i < 3; i++) {
        q = pg_bound(dates[i]);
        ck_assert_int_eq(q->select[0].expr->type, SEG_TIMESTAMP);
        ck_assert_ptr_nonnull(q->select[0].pg_type);
        ck_assert_str_eq(q->select[0].pg_type, "pg:1082");
        qry_query_free(q);
    }
    fails_at("SELECT CAST(ts AS DATE) FROM t", QRY_ERR_VALIDATION, -2, "DATE");
    /* typed literals fold to epoch ms: DATE at midnight, TIMESTAMP as is */
    q = pg_bound("SELECT COUNT(*) FROM t WHERE (ts >= (DATE '2024-03-01')) AND "
                 "(ts < (TIMESTAMP '2024-03-01 10:00:00.250'))");
    const qry_expr *w = q->where;
    ck_assert_int_eq(w->op, QE_AND);
    ck_assert_int_eq(w->args[0]->args[1]->op, QE_LITERAL);
    ck_assert_int_eq(w->args[0]->args[1]->lit.i, 1709251200000LL);
    ck_assert_int_eq(w->args[0]->args[1]->lit.type, SEG_TIMESTAMP);
    ck_assert_int_eq(w->args[1]->args[1]->lit.i, 1709251200000LL + 36000250LL);
    qry_query_free(q);
    q = pg_bound("SELECT COUNT(*) FROM t WHERE CAST(ts AS DATE) = DATE '1969-12-31'");
    ck_assert_int_eq(q->where->args[1]->lit.i, -86400000LL);
    qry_query_free(q);
    const char *bad = "SELECT COUNT(*) FROM t WHERE ts < TIMESTAMP 'yesterday'";
    fails_pg(bad, QRY_ERR_PARSE, at(bad, "'yesterday'"), "invalid input syntax for type timestamp");
    fails_pg("SELECT DATE '2024-13-45' FROM t", QRY_ERR_PARSE, 12, "type date");
}
END_TEST

START_TEST(pg_extract_and_functions)
{
    qry_query *q = pg_bound("SELECT CAST(EXTRACT(YEAR FROM ts) AS INTEGER), EXTRACT(month FROM ts), "
                            "EXTRACT(DOW FROM ts), EXTRACT(EPOCH FROM ts), "
                            "DATE_PART('doy', ts) FROM t");
    ck_assert_str_eq(q->select[0].expr->args[0]->name, "year");
    ck_assert_int_eq(q->select[0].expr->type, SEG_INT);
    ck_assert_str_eq(q->select[1].expr->name, "month");
    /* DOW counts from Sunday = 0: mod(dayofweek, 7) */
    ck_assert_str_eq(q->select[2].expr->name, "cast");
    ck_assert_str_eq(q->select[2].expr->args[0]->name, "mod");
    ck_assert_str_eq(q->select[2].expr->args[0]->args[0]->name, "dayofweek");
    ck_assert_str_eq(q->select[3].expr->name, "divide");
    ck_assert_int_eq(q->select[3].expr->type, SEG_DOUBLE);
    ck_assert_str_eq(q->select[4].expr->name, "dayofyear");
    qry_query_free(q);
    fails_pg("SELECT EXTRACT(century FROM ts) FROM t", QRY_ERR_PARSE, 15, "field 'century'");
    /* STRPOS is 1-based (0: absent) in PostgreSQL */
    q = pg_bound("SELECT STRPOS(Carrier, 'A') AS p FROM t");
    ck_assert_str_eq(q->select[0].expr->name, "cast");
    ck_assert_str_eq(q->select[0].expr->args[0]->name, "plus");
    ck_assert_str_eq(q->select[0].expr->args[0]->args[0]->name, "strpos");
    ck_assert_int_eq(q->select[0].expr->type, SEG_INT);
    qry_query_free(q);
    /* SUM(1) counts rows (bigint); SUM(k) is k times that */
    q = pg_bound("SELECT Carrier, SUM(1) AS \"cnt:t:ok\", SUM(2.5) FROM t GROUP BY 1 "
                 "HAVING (COUNT(1) > 0) /* { \"tableau-query-origins\": {} } */");
    ck_assert_int_eq(q->select[1].expr->op, QE_AGG);
    ck_assert_str_eq(q->select[1].expr->name, "count");
    ck_assert_int_eq(q->select[1].expr->type, SEG_LONG);
    ck_assert_str_eq(q->select[2].expr->name, "times");
    ck_assert_int_eq(q->limit, -1);       /* no implicit LIMIT */
    qry_query_free(q);
    q = bind_ok("SELECT SUM(1) FROM t");  /* Pinot's own meaning over HTTP */
    ck_assert_str_eq(q->select[0].expr->name, "sum");
    qry_query_free(q);
    /* IS [NOT] DISTINCT FROM: NULL-safe comparisons */
    q = pg_bound("SELECT COUNT(*) FROM t WHERE Carrier IS NOT DISTINCT FROM 'AA'");
    ck_assert_int_eq(q->where->op, QE_OR);
    ck_assert_int_eq(q->where->args[1]->op, QE_AND);
    ck_assert_int_eq(q->where->args[1]->args[0]->op, QE_IS_NULL);
    qry_query_free(q);
    q = pg_bound("SELECT COUNT(*) FROM t WHERE Carrier IS DISTINCT FROM 'AA'");
    ck_assert_int_eq(q->where->op, QE_NOT);
    qry_query_free(q);
}
END_TEST

START_TEST(pg_subquery_in_from)
{
    /* Tableau's Custom SQL wrapper: names resolve to the inner expressions,
     * the inner WHERE is ANDed in */
    qry_query *q = pg_bound(
        "SELECT \"Custom SQL Query\".\"x\" AS \"x\", SUM(\"Custom SQL Query\".\"p2\") AS s "
        "FROM (SELECT Carrier AS x, price * 2 AS p2 FROM t WHERE Year > 2000) "
        "\"Custom SQL Query\" WHERE (\"Custom SQL Query\".\"x\" <> 'AA') GROUP BY 1");
    ck_assert_str_eq(q->table, "t");
    ck_assert_int_eq(q->select[0].expr->op, QE_COLUMN);
    ck_assert_str_eq(q->select[0].expr->name, "Carrier");
    ck_assert_str_eq(q->select[1].expr->args[0]->name, "times");
    ck_assert_int_eq(q->where->op, QE_AND);
    ck_assert_int_eq(q->where->args[0]->cmp, QC_GT);
    ck_assert_int_eq(q->where->args[1]->cmp, QC_NE);
    ck_assert_int_eq(q->shape, QRY_GROUP_BY);
    qry_query_free(q);
    /* SELECT * over it: the inner list, by name; a date keeps its type */
    q = pg_bound("SELECT * FROM (SELECT Carrier, ts::date AS d FROM t) s LIMIT 0");
    names_are(q, 2, "Carrier", "d");
    ck_assert_str_eq(q->select[1].pg_type, "pg:1082");
    ck_assert_int_eq(q->limit, 0);
    qry_query_free(q);
    /* a bare outer name keeps the inner alias as its column name */
    q = pg_bound("SELECT y FROM (SELECT x AS y FROM (SELECT Year + 1 AS x FROM t WHERE "
                 "Year > 1) a WHERE x < 2020) b");
    names_are(q, 1, "y");
    ck_assert_str_eq(q->select[0].expr->name, "plus");
    ck_assert_int_eq(q->where->op, QE_AND);
    qry_query_free(q);
    /* inner SELECT *: other names are the table's */
    q = pg_bound("SELECT Carrier, COUNT(*) FROM (SELECT * FROM t) s GROUP BY Carrier");
    ck_assert_int_eq(q->select[0].expr->op, QE_COLUMN);
    qry_query_free(q);
    fails_pg("SELECT nope FROM (SELECT Carrier FROM t) s", QRY_ERR_UNKNOWN_COLUMN, 7,
             "does not exist in subquery \"s\"");
    fails_pg("SELECT c FROM (SELECT Carrier AS c FROM t GROUP BY 1) s", QRY_ERR_PARSE, 51,
             "GROUP BY in a subquery in FROM is not supported");
    fails_pg("SELECT c FROM (SELECT COUNT(*) AS c FROM t) s", QRY_ERR_PARSE, 22,
             "aggregation in a subquery in FROM");
    fails_pg("SELECT c FROM (SELECT Carrier AS c FROM t LIMIT 5) s", QRY_ERR_PARSE, 48,
             "LIMIT in a subquery in FROM");
    fails_pg("SELECT \"SUBCOL\" AS \"COL\" FROM (SELECT 1 AS \"SUBCOL\") \"SUBQUERY\" GROUP BY 2",
             QRY_ERR_PARSE, -2, "subquery in FROM without a table");
    fails_pg("SELECT c FROM (SELECT Carrier AS c FROM t UNION SELECT Carrier FROM t) s",
             QRY_ERR_PARSE, -2, "UNION");
}
END_TEST

/* n copies of unit joined by sep, between head and tail (heap string). */
static char *joined(const char *head, const char *unit, const char *sep, int n,
                    const char *tail)
{
    size_t cap = strlen(head) + (size_t)n * (strlen(unit) + strlen(sep)) + strlen(tail) + 1;
    char *b = malloc(cap), *p = b;
    p += sprintf(p, "%s", head);
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? sep : "", unit);
    sprintf(p, "%s", tail);
    return b;
}

START_TEST(pg_subquery_limits)
{
    /* names used many times in nested subqueries multiply: bounded */
    char *in = joined("(SELECT ", "Year", " + ", 40, " AS a FROM t) s1");
    char *mid_head = joined("(SELECT ", "a", " + ", 40, " AS b FROM ");
    char *outer_head = joined("SELECT ", "b", " + ", 80, " FROM ");
    size_t n = strlen(outer_head) + strlen(mid_head) + strlen(in) + 16;
    char *sql = malloc(n);
    snprintf(sql, n, "%s%s%s) s2", outer_head, mid_head, in);
    fails_pg(sql, QRY_ERR_PARSE, -2, "expand to more than");
    /* and the nesting of an inner expression counts where it is used */
    char *deep_in = joined("SELECT x FROM (SELECT ", "abs(", "", 120, "Year");
    char *deep = joined(deep_in, ")", "", 120, " AS x FROM t) s");
    qry_query *q = pg_bound(deep);     /* on its own it is fine */
    qry_query_free(q);
    char *outer = joined("SELECT ", "abs(", "", 100, "x");
    char *outer2 = joined(outer, ")", "", 100, "");
    char *deep_in2 = joined("", "abs(", "", 120, "Year");
    char *deep2 = joined(deep_in2, ")", "", 120, "");
    size_t m = strlen(outer2) + strlen(deep2) + 64;
    char *both = malloc(m);
    snprintf(both, m, "%s FROM (SELECT %s AS x FROM t) s", outer2, deep2);
    fails_pg(both, QRY_ERR_PARSE, -2, "nested more than");
    free(in); free(mid_head); free(outer_head); free(sql); free(deep_in); free(deep);
    free(outer); free(outer2); free(deep_in2); free(deep2); free(both);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("qry_parse");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, select_columns_and_table);
    tcase_add_test(tc, identifier_case);
    tcase_add_test(tc, select_star);
    tcase_add_test(tc, tableau_style);
    tcase_add_test(tc, aliases_as_written);
    tcase_add_test(tc, literals);
    tcase_add_test(tc, arithmetic_names);
    tcase_add_test(tc, function_names);
    tcase_add_test(tc, cast_names);
    tcase_add_test(tc, predicate_shapes);
    tcase_add_test(tc, predicate_names);
    tcase_add_test(tc, aggregation_names);
    tcase_add_test(tc, aggregation_slots);
    tcase_add_test(tc, group_and_order);
    tcase_add_test(tc, distinct_and_limits);
    tcase_add_test(tc, set_and_option);
    tcase_add_test(tc, options_text);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, unsupported_constructs);
    tcase_add_test(tc, bind_errors);
    tcase_add_test(tc, positions);
    tcase_add_test(tc, airline_queries);
    tcase_add_test(tc, deep_nesting);
    tcase_add_test(tc, large_and_garbage);
    tcase_add_test(tc, truncated_queries);
    tcase_add_test(tc, pg_dates_and_times);
    tcase_add_test(tc, pg_extract_and_functions);
    tcase_add_test(tc, pg_subquery_in_from);
    tcase_add_test(tc, pg_subquery_limits);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? 1 : 0;
}
