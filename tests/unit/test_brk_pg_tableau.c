/*
 * test_brk_pg_tableau.c: what the PostgreSQL endpoint does with Tableau's
 * statements before (and after) Tannin's query path, through
 * brk_pg_run_stmt with a recording fake executor: the top-N join run as
 * the grouped subquery and then the outer query with an IN filter (the
 * exact texts both get, NULL keys, no keys, several keys, quotes in keys,
 * errors and their positions), joins of other shapes refused with 0A000,
 * the temporary-table probes (0A000 / 42P01) and other writes (25006),
 * date columns rendered as dates, and unsupported constructs as 0A000.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_pg_int.h"

#define MAX_CALLS 8

typedef struct fake {
    int calls;
    char *sql[MAX_CALLS];
} fake;

static void set_cols(qry_result *r, uint32_t ncols, uint32_t nrows)
{
    memset(r, 0, sizeof *r);
    r->ncols = ncols;
    r->nrows = nrows;
    r->names = qry_alloc(&r->arena, ncols * sizeof *r->names);
    r->types = qry_alloc(&r->arena, ncols * sizeof *r->types);
    r->cells = qry_alloc(&r->arena, (size_t)ncols * (nrows + 1) * sizeof *r->cells);
}

static qry_val str(const char *s)
{
    return (qry_val){.kind = QV_STRING, .type = SEG_STRING, .s = s, .len = (uint32_t)strlen(s)};
}

/* The top-N subquery ("ORDER BY 2 DESC"): keys 'fig', NULL, 'it''s' (or
 * none for "FROM empty", and pairs for "AS \"r\""); "FROM dates": a date
 * column; "FROM bad": Pinot's 710 at 7; "FROM unsup": a construct the
 * parser refuses; anything else: one row, 5. */
static int fake_exec(void *arg, struct brk_user *user, const char *sql, qry_result *res,
                     qry_err *errs, uint32_t *nerrs)
{
    (void)user;
    fake *f = arg;
    ck_assert_int_lt(f->calls, MAX_CALLS);
    f->sql[f->calls++] = strdup(sql);
    *nerrs = 0;
    if (strstr(sql, "FROM bad") || strstr(sql, "FROM unsup")) {
        bool bad = strstr(sql, "FROM bad") != NULL;
        errs[0] = (qry_err){.code = bad ? 710 : 150, .position = 7};
        snprintf(errs[0].msg, sizeof errs[0].msg, "%s",
                 bad ? "Unknown columnName 'x'" : "WITH is not supported at position 7");
        *nerrs = 1;
        return -1;
    }
    if (strstr(sql, "ORDER BY 2 DESC") && !strstr(sql, "JOIN")) {
        bool empty = strstr(sql, "FROM empty") != NULL;
        set_cols(res, 2, empty ? 0 : 3);
        res->names[0] = "x__alias";
        res->names[1] = "$__alias__0";
        res->types[0] = "STRING";
        res->types[1] = "DOUBLE";
        const char *keys[] = {"fig", NULL, "it's"};
        for (uint32_t i = 0; i < res->nrows; i++) {
            res->cells[i * 2] = keys[i] ? str(keys[i]) : (qry_val){.kind = QV_NULL};
            res->cells[i * 2 + 1] = (qry_val){.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = 3 - i};
        }
        return TN_OK;
    }
    if (strstr(sql, "ORDER BY 3 DESC") && !strstr(sql, "JOIN")) {
        set_cols(res, 3, 2);
        res->names[0] = "r";
        res->names[1] = "n";
        res->names[2] = "$__alias__0";
        res->types[0] = "STRING";
        res->types[1] = "LONG";
        res->types[2] = "LONG";
        res->cells[0] = str("east");
        res->cells[1] = (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = 4};
        res->cells[3] = (qry_val){.kind = QV_NULL};
        res->cells[4] = (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = -2};
        return TN_OK;
    }
    if (strstr(sql, "FROM dates")) {
        set_cols(res, 2, 3);
        res->names[0] = "d";
        res->names[1] = "ts";
        res->types[0] = "pg:1082";
        res->types[1] = "TIMESTAMP";
        qry_val march = {.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = 1709251200000LL};
        res->cells[0] = res->cells[1] = res->cells[5] = march;
        res->cells[2] = (qry_val){.kind = QV_LONG, .type = SEG_TIMESTAMP, .i = -86400000LL};
        res->cells[3] = res->cells[4] = (qry_val){.kind = QV_NULL};
        return TN_OK;
    }
    set_cols(res, 1, 1);
    res->names[0] = "n";
    res->types[0] = "LONG";
    res->cells[0] = (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = 5};
    return TN_OK;
}

static fake F;
static brk_pg_sess *S;

static void setup(void)
{
    memset(&F, 0, sizeof F);
    brk_pg_sess_opts o = {.pid = 1, .secret = 2, .exec = fake_exec, .exec_arg = &F,
                          .max_message = 1 << 20};
    S = brk_pg_sess_new(&o);
}

static void teardown(void)
{
    brk_pg_sess_free(S);
    for (int i = 0; i < F.calls; i++)
        free(F.sql[i]);
}

static void run_ok(const char *sql, pg_outcome *o)
{
    brk_pg_run_stmt(S, sql, o);
    ck_assert_msg(o->kind == PG_OUT_ROWS, "'%s': %s %s", sql, o->sqlstate, o->msg);
}

static void run_fails(const char *sql, const char *state, int pos, const char *want)
{
    pg_outcome o;
    brk_pg_run_stmt(S, sql, &o);
    ck_assert_msg(o.kind == PG_OUT_ERROR, "'%s' did not fail", sql);
    ck_assert_msg(!strcmp(o.sqlstate, state), "'%s': %s, not %s (%s)", sql, o.sqlstate, state,
                  o.msg);
    if (pos != -2)
        ck_assert_msg(o.position == pos, "'%s': position %d, not %d", sql, o.position, pos);
    ck_assert_msg(strstr(o.msg, want), "'%s': '%s' lacks '%s'", sql, o.msg, want);
    pg_outcome_free(&o);
}

#define SUBQ "(SELECT \"t\".\"product\" AS \"x__alias\", SUM(\"t\".\"price\") AS " \
             "\"$__alias__0\" FROM \"public\".\"orders\" \"t\" GROUP BY 1 ORDER BY 2 DESC LIMIT 3)"

START_TEST(topn_null_safe_keys)
{
    const char *sql = "SELECT \"t\".\"product\" AS \"product\", SUM(\"t\".\"price\") AS \"s\" "
                      "FROM \"public\".\"orders\" \"t\" INNER JOIN " SUBQ " \"t0\" ON "
                      "(\"t\".\"product\" IS NOT DISTINCT FROM \"t0\".\"x__alias\") "
                      "WHERE (\"t\".\"qty\" > 2) OR (\"t\".\"qty\" < 0) GROUP BY 1 "
                      "/* { \"tableau-query-origins\": {} } */";
    pg_outcome o;
    run_ok(sql, &o);
    ck_assert_int_eq(F.calls, 2);
    /* the subquery as written, then the outer query with its keys */
    ck_assert_str_eq(F.sql[0], "SELECT \"t\".\"product\" AS \"x__alias\", SUM(\"t\".\"price\") AS "
                               "\"$__alias__0\" FROM \"public\".\"orders\" \"t\" GROUP BY 1 "
                               "ORDER BY 2 DESC LIMIT 3");
    ck_assert_str_eq(F.sql[1],
                     "SELECT \"t\".\"product\" AS \"product\", SUM(\"t\".\"price\") AS \"s\" "
                     "FROM \"public\".\"orders\" \"t\"  WHERE (\"t\".\"product\" IN ('fig', "
                     "'it''s') OR \"t\".\"product\" IS NULL) AND ((\"t\".\"qty\" > 2) OR "
                     "(\"t\".\"qty\" < 0) ) GROUP BY 1 /* { \"tableau-query-origins\": {} } */");
    ck_assert_uint_eq(o.res.nrows, 1);
    pg_outcome_free(&o);
}
END_TEST

START_TEST(topn_equal_keys_and_no_keys)
{
    /* = does not match a NULL key; no WHERE of its own */
    pg_outcome o;
    run_ok("SELECT product FROM orders t JOIN " SUBQ " t0 ON (t.product = t0.x__alias) "
           "GROUP BY 1", &o);
    ck_assert_int_eq(F.calls, 2);
    ck_assert_str_eq(F.sql[1], "SELECT product FROM orders t  WHERE (\"t\".\"product\" IN "
                               "('fig', 'it''s')) GROUP BY 1");
    pg_outcome_free(&o);
    /* a subquery without rows: nothing matches */
    run_ok("SELECT product FROM empty t INNER JOIN (SELECT product AS x__alias FROM empty "
           "GROUP BY 1 ORDER BY 2 DESC LIMIT 5) t0 ON (t.product IS NOT DISTINCT FROM "
           "t0.x__alias)", &o);
    ck_assert_int_eq(F.calls, 4);
    ck_assert_str_eq(F.sql[3], "SELECT product FROM empty t  WHERE (1 = 0) ");
    pg_outcome_free(&o);
}
END_TEST

START_TEST(topn_custom_sql_left)
{
    /* with Custom SQL both sides wrap the same subquery; the query path
     * flattens them, the join only has to go */
    pg_outcome o;
    run_ok("SELECT \"Custom SQL Query\".\"p\" AS \"p\" FROM (SELECT product AS p FROM orders) "
           "\"Custom SQL Query\" INNER JOIN (SELECT \"Custom SQL Query\".\"p\" AS \"x__alias\" "
           "FROM (SELECT product AS p FROM orders) \"Custom SQL Query\" GROUP BY 1 ORDER BY 2 DESC "
           "LIMIT 3) \"t0\" ON (\"Custom SQL Query\".\"p\" IS NOT DISTINCT FROM \"t0\".\"x__alias\") "
           "GROUP BY 1", &o);
    ck_assert_int_eq(F.calls, 2);
    ck_assert_str_eq(F.sql[1], "SELECT \"Custom SQL Query\".\"p\" AS \"p\" FROM (SELECT product "
                               "AS p FROM orders) \"Custom SQL Query\"  WHERE (\"Custom SQL Query\"."
                               "\"p\" IN ('fig', 'it''s') OR \"Custom SQL Query\".\"p\" IS NULL) "
                               "GROUP BY 1");
    pg_outcome_free(&o);
}
END_TEST

START_TEST(topn_several_keys)
{
    pg_outcome o;
    run_ok("SELECT region, qty FROM orders o INNER JOIN (SELECT region AS r, qty AS n, "
           "SUM(1) AS \"$__alias__0\" FROM orders GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 2) "
           "\"t0\" ON ((o.region IS NOT DISTINCT FROM \"t0\".r) AND (o.qty = \"t0\".n)) "
           "GROUP BY 1, 2", &o);
    ck_assert_int_eq(F.calls, 2);
    ck_assert_str_eq(F.sql[1], "SELECT region, qty FROM orders o  WHERE ((\"o\".\"region\" = "
                               "'east' AND \"o\".\"qty\" = 4) OR (\"o\".\"region\" IS NULL AND "
                               "\"o\".\"qty\" = -2)) GROUP BY 1, 2");
    pg_outcome_free(&o);
}
END_TEST

START_TEST(joins_refused)
{
    run_fails("SELECT a.x FROM orders a LEFT JOIN orders b ON a.x = b.x", "0A000", 17,
              "JOIN is not supported");
    run_fails("SELECT a.x FROM orders a INNER JOIN (SELECT x FROM orders) b "
              "ON (a.x IS NOT DISTINCT FROM b.x)", "0A000", 17, "not grouped by its keys");
    run_fails("SELECT a.x FROM orders a INNER JOIN orders b ON (a.x IS NOT DISTINCT FROM b.x)",
              "0A000", 17, "JOIN is not supported");
    run_fails("SELECT a.x FROM orders a INNER JOIN (SELECT x FROM orders GROUP BY 1) b "
              "ON (a.x < b.x)", "0A000", -2, "IS NOT DISTINCT FROM");
    run_fails("SELECT a.x FROM orders a INNER JOIN (SELECT x FROM orders GROUP BY 1) b "
              "ON (a.x IS NOT DISTINCT FROM b.x) OR (a.y = b.x)", "0A000", -2, "AND");
    ck_assert_int_eq(F.calls, 0);
    /* the subquery's error, placed in the whole statement */
    const char *sql = "SELECT a.x FROM bad a INNER JOIN (SELECT x FROM bad GROUP BY 1 "
                      "ORDER BY 2 DESC) b ON (a.x IS NOT DISTINCT FROM b.x)";
    run_fails(sql, "42703", (int)(strstr(sql, "(SELECT") - sql) + 1 + 7 + 1, "Unknown column");
    /* the subquery lacks the key's column */
    run_fails("SELECT a.x FROM orders a INNER JOIN " SUBQ " b ON (a.x IS NOT DISTINCT FROM "
              "b.nope)", "42703", -1, "b.nope");
}
END_TEST

START_TEST(temp_tables_and_writes)
{
    run_fails("CREATE LOCAL TEMPORARY TABLE \"#Tableau_3_1_Connect_Check\" (\"COL\" INTEGER) "
              "ON COMMIT PRESERVE ROWS", "0A000", 1, "temporary tables are not supported");
    run_fails("create temp table x (a int)", "0A000", 1, "temporary");
    run_fails("DROP TABLE \"#Tableau_3_1_Connect_Check\"", "42P01", 12,
              "relation \"#Tableau_3_1_Connect_Check\" does not exist");
    run_fails("INSERT INTO \"#Tableau_3_1_Connect_Check\" VALUES (1)", "42P01", 13,
              "does not exist");
    pg_outcome o;
    brk_pg_run_stmt(S, "DROP TABLE IF EXISTS \"#Tableau_9\"", &o);
    ck_assert_int_eq(o.kind, PG_OUT_TAG);
    ck_assert_str_eq(o.tag, "DROP TABLE");
    pg_outcome_free(&o);
    run_fails("CREATE TABLE orders2 (a int)", "25006", -1, "read-only");
    run_fails("INSERT INTO orders VALUES (1)", "25006", -1, "read-only");
    run_fails("DROP TABLE orders", "25006", -1, "read-only");
    run_fails("UPDATE orders SET a = 1", "25006", -1, "read-only");
    run_fails("DELETE FROM orders", "25006", -1, "read-only");
    ck_assert_int_eq(F.calls, 0);
}
END_TEST

START_TEST(dates_and_sqlstates)
{
    pg_outcome o;
    run_ok("SELECT CAST(ts AS DATE) AS d, ts FROM dates", &o);
    ck_assert_int_eq(o.res.cells[0].kind, QV_STRING);
    ck_assert_int_eq(o.res.cells[0].len, 10);
    ck_assert_int_eq(memcmp(o.res.cells[0].s, "2024-03-01", 10), 0);
    ck_assert_int_eq(o.res.cells[1].kind, QV_LONG);   /* timestamps stay as they are */
    ck_assert_int_eq(o.res.cells[5].kind, QV_LONG);
    ck_assert_int_eq(o.res.cells[2].kind, QV_STRING); /* before 1970 too */
    ck_assert_int_eq(memcmp(o.res.cells[2].s, "1969-12-31", 10), 0);
    ck_assert_int_eq(o.res.cells[4].kind, QV_NULL);
    ck_assert_int_eq(brk_pg_type_oid(o.res.types[0]), 1082);
    pg_outcome_free(&o);
    /* a construct the parser refuses is "not supported", not a syntax error */
    run_fails("SELECT x FROM unsup", "0A000", 8, "not supported");
    run_fails("SELECT x FROM bad", "42703", 8, "Unknown column");
    run_ok("SELECT 1", &o);     /* Tableau's probe: no query at all */
    pg_outcome_free(&o);
    ck_assert_int_eq(F.calls, 3);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_pg_tableau");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, topn_null_safe_keys);
    tcase_add_test(tc, topn_equal_keys_and_no_keys);
    tcase_add_test(tc, topn_several_keys);
    tcase_add_test(tc, topn_custom_sql_left);
    tcase_add_test(tc, joins_refused);
    tcase_add_test(tc, temp_tables_and_writes);
    tcase_add_test(tc, dates_and_sqlstates);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
