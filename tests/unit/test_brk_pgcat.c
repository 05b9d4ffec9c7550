/*
 * test_brk_pgcat.c: the read-only PostgreSQL catalog over two Tannin
 * tables, through the exact metadata statements clients send: psql's \dt
 * and \d (captured with psql -E from psql 15), pgJDBC's getTables,
 * getColumns, getSchemas, getCatalogs, getPrimaryKeys and its type and
 * field lookups (42.5 and 42.7 forms), psqlODBC's first statements,
 * information_schema, and the evaluator's own features and errors (WITH,
 * VALUES and outer joins checked against PostgreSQL 15's answers).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brk_pg_proto.h"
#include "brk_pgcat.h"

/* psql_dt */
static const char PSQL_DT[] =
    "SELECT n.nspname as \"Schema\",\n"
    "  c.relname as \"Name\",\n"
    "  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n"
    "  pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\"\n"
    "FROM pg_catalog.pg_class c\n"
    "     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
    "     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\n"
    "WHERE c.relkind IN ('r','p','')\n"
    "      AND n.nspname <> 'pg_catalog'\n"
    "      AND n.nspname !~ '^pg_toast'\n"
    "      AND n.nspname <> 'information_schema'\n"
    "  AND pg_catalog.pg_table_is_visible(c.oid)\n"
    "ORDER BY 1,2";

/* psql_d_lookup */
static const char PSQL_D_LOOKUP[] =
    "SELECT c.oid,\n"
    "  n.nspname,\n"
    "  c.relname\n"
    "FROM pg_catalog.pg_class c\n"
    "     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n"
    "WHERE c.relname OPERATOR(pg_catalog.~) '^(pageviews)$' COLLATE pg_catalog.default\n"
    "  AND pg_catalog.pg_table_is_visible(c.oid)\n"
    "ORDER BY 2, 3";

/* psql_d_table */
static const char PSQL_D_TABLE[] =
    "SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname\n"
    "FROM pg_catalog.pg_class c\n"
    " LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)\n"
    "LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\n"
    "WHERE c.oid = '16384'";

/* psql_d_columns */
static const char PSQL_D_COLUMNS[] =
    "SELECT a.attname,\n"
    "  pg_catalog.format_type(a.atttypid, a.atttypmod),\n"
    "  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n"
    "   FROM pg_catalog.pg_attrdef d\n"
    "   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n"
    "  a.attnotnull,\n"
    "  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n"
    "   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n"
    "  a.attidentity,\n"
    "  a.attgenerated\n"
    "FROM pg_catalog.pg_attribute a\n"
    "WHERE a.attrelid = '16384' AND a.attnum > 0 AND NOT a.attisdropped\n"
    "ORDER BY a.attnum";

/* psql_d_policies */
static const char PSQL_D_POLICIES[] =
    "SELECT pol.polname, pol.polpermissive,\n"
    "  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END,\n"
    "  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n"
    "  pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n"
    "  CASE pol.polcmd\n"
    "    WHEN 'r' THEN 'SELECT'\n"
    "    WHEN 'a' THEN 'INSERT'\n"
    "    WHEN 'w' THEN 'UPDATE'\n"
    "    WHEN 'd' THEN 'DELETE'\n"
    "    END AS cmd\n"
    "FROM pg_catalog.pg_policy pol\n"
    "WHERE pol.polrelid = '16384' ORDER BY 1";

/* psql_d_stats */
static const char PSQL_D_STATS[] =
    "SELECT oid, stxrelid::pg_catalog.regclass, stxnamespace::pg_catalog.regnamespace::pg_catalog.text AS nsp, stxname,\n"
    "pg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,\n"
    "  'd' = any(stxkind) AS ndist_enabled,\n"
    "  'f' = any(stxkind) AS deps_enabled,\n"
    "  'm' = any(stxkind) AS mcv_enabled,\n"
    "stxstattarget\n"
    "FROM pg_catalog.pg_statistic_ext\n"
    "WHERE stxrelid = '16384'\n"
    "ORDER BY nsp, stxname";

/* psql_d_publications */
static const char PSQL_D_PUBLICATIONS[] =
    "SELECT pubname\n"
    "     , NULL\n"
    "     , NULL\n"
    "FROM pg_catalog.pg_publication p\n"
    "     JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n"
    "     JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid\n"
    "WHERE pc.oid ='16384' and pg_catalog.pg_relation_is_publishable('16384')\n"
    "UNION\n"
    "SELECT pubname\n"
    "     , pg_get_expr(pr.prqual, c.oid)\n"
    "     , (CASE WHEN pr.prattrs IS NOT NULL THEN\n"
    "         (SELECT string_agg(attname, ', ')\n"
    "           FROM pg_catalog.generate_series(0, pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,\n"
    "                pg_catalog.pg_attribute\n"
    "          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])\n"
    "        ELSE NULL END) FROM pg_catalog.pg_publication p\n"
    "     JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid\n"
    "     JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid\n"
    "WHERE pr.prrelid = '16384'\n"
    "UNION\n"
    "SELECT pubname\n"
    "     , NULL\n"
    "     , NULL\n"
    "FROM pg_catalog.pg_publication p\n"
    "WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable('16384')\n"
    "ORDER BY 1";

/* psql_d_inherits */
static const char PSQL_D_INHERITS[] =
    "SELECT c.oid::pg_catalog.regclass\n"
    "FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n"
    "WHERE c.oid = i.inhparent AND i.inhrelid = '16384'\n"
    "  AND c.relkind != 'p' AND c.relkind != 'I'\n"
    "ORDER BY inhseqno";

/* psql_d_children */
static const char PSQL_D_CHILDREN[] =
    "SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, pg_catalog.pg_get_expr(c.relpartbound, c.oid)\n"
    "FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\n"
    "WHERE c.oid = i.inhrelid AND i.inhparent = '16384'\n"
    "ORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.oid::pg_catalog.regclass::pg_catalog.text";

/* jdbc_tables_42_5 */
static const char JDBC_TABLES_42_5[] =
    "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME,  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS TABLE_TYPE, d.description AS REMARKS,  '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND c.relname LIKE '%' AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME";

/* jdbc_columns_42_5 */
static const char JDBC_COLUMNS_42_5[] =
    "SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND c.relname LIKE 'pageviews') c WHERE true  AND attname LIKE '%' ORDER BY nspname,c.relname,attnum";

/* jdbc_schemas_42_5 */
static const char JDBC_SCHEMAS_42_5[] =
    "SELECT nspname AS TABLE_SCHEM, NULL AS TABLE_CATALOG FROM pg_catalog.pg_namespace  WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_'  OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_'  OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))  ORDER BY TABLE_SCHEM";

/* jdbc_pkeys_42_5 */
static const char JDBC_PKEYS_42_5[] =
    "SELECT        result.TABLE_CAT,        result.TABLE_SCHEM,        result.TABLE_NAME,        result.COLUMN_NAME,        result.KEY_SEQ,        result.PK_NAME FROM      (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,   (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,   information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM FROM pg_catalog.pg_class ct   JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)   JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_index i ON ( a.attrelid = i.indrelid)   JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) WHERE true  AND ct.relname = 'pageviews' AND i.indisprimary  ) result where  result.A_ATTNUM = (result.KEYS).x  ORDER BY result.table_name, result.pk_name, result.key_seq";

static const char JDBC_TABLES_42_7[] =
    "SELECT current_database() AS \"TABLE_CAT\", n.nspname AS \"TABLE_SCHEM\", c.relname AS \"TABLE_NAME\", CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END WHEN n.nspname = 'pg_toast' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TOAST TABLE' WHEN 'i' THEN 'SYSTEM TOAST INDEX' ELSE NULL END ELSE CASE c.relkind WHEN 'r' THEN 'TEMPORARY TABLE' WHEN 'p' THEN 'TEMPORARY TABLE' WHEN 'i' THEN 'TEMPORARY INDEX' WHEN 'S' THEN 'TEMPORARY SEQUENCE' WHEN 'v' THEN 'TEMPORARY VIEW' ELSE NULL END END WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'i' THEN 'INDEX' WHEN 'P' then 'PARTITIONED INDEX' WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END ELSE NULL END AS \"TABLE_TYPE\", d.description AS \"REMARKS\", '' as \"TYPE_CAT\", '' as \"TYPE_SCHEM\", '' as \"TYPE_NAME\", '' AS \"SELF_REFERENCING_COL_NAME\", '' AS \"REF_GENERATION\" FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 and d.classoid = 'pg_class'::regclass) WHERE c.relnamespace = n.oid AND n.nspname LIKE 'public' AND c.relname LIKE '%' AND (false OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ) ) ORDER BY \"TABLE_TYPE\",\"TABLE_SCHEM\",\"TABLE_NAME\"";

static const char JDBC_COLUMNS_42_7[] =
    "SELECT * FROM (SELECT current_database() AS current_database, n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum) LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid) LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class') LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog') WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped AND n.nspname LIKE 'public' AND c.relname LIKE 'pageviews') c WHERE true AND attname LIKE '%' ORDER BY nspname,c.relname,attnum";

static const char JDBC_SCHEMAS_42_7[] =
    "SELECT nspname AS \"TABLE_SCHEM\", current_database() AS \"TABLE_CATALOG\" FROM pg_catalog.pg_namespace WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_' OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_' OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_')) ORDER BY \"TABLE_SCHEM\"";

static const char JDBC_CATALOGS[] =
    "SELECT datname AS \"TABLE_CAT\" FROM pg_catalog.pg_database WHERE datallowconn = true ORDER BY datname";

static const char JDBC_TYPEINFO[] =
    "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = 23";

static const char JDBC_GETTYPEINFO[] =
    "SELECT t.typname,t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON (t.typnamespace = n.oid) WHERE n.nspname != 'pg_toast' AND (t.typrelid = 0 OR (SELECT c.relkind = 'c' FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid))";

static const char JDBC_FIELDMETA[] =
    "SELECT c.oid, a.attnum, a.attname, c.relname, n.nspname, a.attnotnull OR (t.typtype = 'd' AND t.typnotnull), a.attidentity != '' OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE '%nextval(%' FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON (c.relnamespace = n.oid) JOIN pg_catalog.pg_attribute a ON (c.oid = a.attrelid) JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid) LEFT JOIN pg_catalog.pg_attrdef d ON (d.adrelid = a.attrelid AND d.adnum = a.attnum) JOIN (SELECT 16384 AS oid , 2 AS attnum UNION ALL SELECT 0 AS oid , 0 AS attnum) vals ON (c.oid = vals.oid AND a.attnum = vals.attnum)";

static const char ODBC_LO[] =
    "select oid, typbasetype from pg_type where typname = 'lo'";

static const char ODBC_TABLES[] =
    "select relname, nspname, relkind from pg_catalog.pg_class c, pg_catalog.pg_namespace n where relkind in ('r', 'v', 'm', 'f') and nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1') and n.oid = relnamespace order by nspname, relname";

static const char IS_TABLES[] =
    "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";

static const char IS_COLUMNS[] =
    "SELECT column_name, data_type, ordinal_position FROM information_schema.columns WHERE table_name = 'pageviews' ORDER BY ordinal_position";

static const char IS_SCHEMATA[] =
    "SELECT schema_name FROM information_schema.schemata ORDER BY 1";

static const char GROUP_COUNT[] =
    "SELECT n.nspname, count(*) AS n, string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace GROUP BY n.nspname HAVING count(*) > 0 ORDER BY 2 DESC, 1 LIMIT 2";
static const char JDBC_TYPECACHE[] =
    "SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  ORDER BY sp.r, pg_type.oid DESC";

/* ---- helpers ------------------------------------------------------------ */

static brk_pgcat_tables tables;

static const char *fake_setting(const void *arg, const char *name)
{
    (void)arg;
    return !strcmp(name, "server_version") ? "15.0" : NULL;
}

static void setup(void)
{
    brk_pgcat_table *t = brk_pgcat_table_add(&tables, "pageviews");
    brk_pgcat_table_column(t, "ts", BRK_PG_INT8);
    brk_pgcat_table_column(t, "campaign", BRK_PG_TEXT);
    brk_pgcat_table_column(t, "bounced", BRK_PG_INT4);
    brk_pgcat_table_column(t, "score", BRK_PG_FLOAT8);
    t = brk_pgcat_table_add(&tables, "sessions");
    brk_pgcat_table_column(t, "id", BRK_PG_TEXT);
    brk_pgcat_table_column(t, "started", BRK_PG_TIMESTAMP);
}

static void teardown(void)
{
    brk_pgcat_tables_free(&tables);
}

/* Runs sql; the rows as "a|b\n" lines (NULL as "~"), or "ERROR sqlstate:
 * message". Caller frees. */
static char *run(const char *sql)
{
    brk_pgcat_env env = {.user = "tannin", .database = "default", .tables = &tables,
                         .setting = fake_setting};
    qry_result r;
    char state[6], msg[TN_ERRLEN];
    int pos;
    tn_buf b = {0};
    if (brk_pgcat_run(&env, sql, &r, state, msg, sizeof msg, &pos) != TN_OK) {
        char line[TN_ERRLEN + 32];
        snprintf(line, sizeof line, "ERROR %s: %s", state, msg);
        tn_buf_append(&b, line, strlen(line) + 1);
        return (char *)b.data;
    }
    for (uint32_t i = 0; i < r.nrows; i++) {
        for (uint32_t c = 0; c < r.ncols; c++) {
            if (c)
                tn_buf_append(&b, "|", 1);
            const qry_val *v = &r.cells[(size_t)i * r.ncols + c];
            if (v->kind == QV_NULL)
                tn_buf_append(&b, "~", 1);
            else
                brk_pg_text_value(&b, v);
        }
        tn_buf_append(&b, "\n", 1);
    }
    tn_buf_append(&b, "", 1);
    qry_result_free(&r);
    return (char *)b.data;
}

/* The column names and type OIDs of sql's result, "name:oid,..." */
static char *shape(const char *sql)
{
    brk_pgcat_env env = {.user = "tannin", .database = "default", .tables = &tables};
    qry_result r;
    char state[6], msg[TN_ERRLEN];
    int pos;
    tn_buf b = {0};
    if (brk_pgcat_run(&env, sql, &r, state, msg, sizeof msg, &pos) != TN_OK) {
        tn_buf_append(&b, msg, strlen(msg) + 1);
        return (char *)b.data;
    }
    for (uint32_t c = 0; c < r.ncols; c++) {
        char item[128];
        snprintf(item, sizeof item, "%s%s:%d", c ? "," : "", r.names[c],
                 brk_pg_type_oid(r.types[c]));
        tn_buf_append(&b, item, strlen(item));
    }
    tn_buf_append(&b, "", 1);
    qry_result_free(&r);
    return (char *)b.data;
}

#define EXPECT(sql, want)                                                                    \
    do {                                                                                     \
        char *got_ = run(sql);                                                               \
        ck_assert_msg(!strcmp(got_, want), "%s\n--- got:\n%s--- want:\n%s", #sql, got_,      \
                      want);                                                                 \
        free(got_);                                                                          \
    } while (0)

#define EXPECT_PREFIX(sql, want)                                                             \
    do {                                                                                     \
        char *got_ = run(sql);                                                               \
        ck_assert_msg(!strncmp(got_, want, strlen(want)), "%s\n--- got:\n%s--- want:\n%s",   \
                      #sql, got_, want);                                                     \
        free(got_);                                                                          \
    } while (0)

/* PGCAT_DUMP=1 prints every client statement's result shape and rows. */
START_TEST(dump)
{
    const char *all[] = {PSQL_DT, PSQL_D_LOOKUP, PSQL_D_TABLE, PSQL_D_COLUMNS,
                         PSQL_D_POLICIES, PSQL_D_STATS, PSQL_D_PUBLICATIONS, PSQL_D_INHERITS,
                         PSQL_D_CHILDREN, JDBC_TABLES_42_5, JDBC_COLUMNS_42_5,
                         JDBC_SCHEMAS_42_5, JDBC_PKEYS_42_5, JDBC_TABLES_42_7,
                         JDBC_COLUMNS_42_7, JDBC_SCHEMAS_42_7, JDBC_CATALOGS, JDBC_TYPEINFO,
                         JDBC_GETTYPEINFO, JDBC_FIELDMETA, ODBC_LO, ODBC_TABLES, IS_TABLES,
                         IS_COLUMNS, IS_SCHEMATA, GROUP_COUNT, JDBC_TYPECACHE};
    if (!getenv("PGCAT_DUMP"))
        return;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        char *s = run(all[i]);
        char *h = shape(all[i]);
        printf("=== %zu\n%s\n%s", i, h, s);
        free(s);
        free(h);
    }
}
END_TEST

START_TEST(psql_dt_and_d)
{
    EXPECT(PSQL_DT, "public|pageviews|table|tannin\npublic|sessions|table|tannin\n");
    char *h = shape(PSQL_DT);
    ck_assert_str_eq(h, "Schema:19,Name:19,Type:25,Owner:19");
    free(h);
    EXPECT(PSQL_D_LOOKUP, "16384|public|pageviews\n");
    EXPECT(PSQL_D_TABLE, "0|r|f|f|f|f|f|f|f||0||p|d|heap\n");
    EXPECT(PSQL_D_COLUMNS, "ts|bigint|~|f|~||\ncampaign|text|~|f|~||\n"
                           "bounced|integer|~|f|~||\nscore|double precision|~|f|~||\n");
    EXPECT(PSQL_D_POLICIES, "");
    EXPECT(PSQL_D_STATS, "");
    EXPECT(PSQL_D_PUBLICATIONS, "");
    EXPECT(PSQL_D_INHERITS, "");
    EXPECT(PSQL_D_CHILDREN, "");
}
END_TEST

START_TEST(pgjdbc_metadata)
{
    EXPECT(JDBC_TABLES_42_5, "~|public|pageviews|TABLE|~|||||\n~|public|sessions|TABLE|~|||||\n");
    EXPECT(JDBC_TABLES_42_7, "default|public|pageviews|TABLE|~|||||\n"
                             "default|public|sessions|TABLE|~|||||\n");
    EXPECT(JDBC_COLUMNS_42_5, "public|pageviews|ts|20|f|-1|8|-1|1|~|~|~|~|0|b\n"
                              "public|pageviews|campaign|25|f|-1|-1|-1|2|~|~|~|~|0|b\n"
                              "public|pageviews|bounced|23|f|-1|4|-1|3|~|~|~|~|0|b\n"
                              "public|pageviews|score|701|f|-1|8|-1|4|~|~|~|~|0|b\n");
    EXPECT_PREFIX(JDBC_COLUMNS_42_7, "default|public|pageviews|ts|20|f|-1|8|-1|1|");
    char *h = shape(JDBC_COLUMNS_42_7);
    ck_assert_msg(strstr(h, ",attnum:20,") && strstr(h, "atttypid:26"), "%s", h);
    free(h);
    EXPECT(JDBC_SCHEMAS_42_5, "information_schema|~\npg_catalog|~\npublic|~\n");
    EXPECT(JDBC_SCHEMAS_42_7, "information_schema|default\npg_catalog|default\npublic|default\n");
    EXPECT(JDBC_PKEYS_42_5, "");
    EXPECT(JDBC_CATALOGS, "default\n");
    EXPECT(JDBC_TYPEINFO, "t|pg_catalog|int4\n");
    EXPECT_PREFIX(JDBC_GETTYPEINFO, "bool|16\nbytea|17\n");
    EXPECT(JDBC_FIELDMETA, "16384|2|campaign|pageviews|public|f|~\n");
    EXPECT_PREFIX(JDBC_TYPECACHE, "f|b|regnamespace|4089\n");
}
END_TEST

START_TEST(odbc_and_information_schema)
{
    EXPECT(ODBC_LO, "");
    EXPECT(ODBC_TABLES, "pageviews|public|r\nsessions|public|r\n");
    EXPECT(IS_TABLES, "public|pageviews|BASE TABLE\npublic|sessions|BASE TABLE\n");
    EXPECT(IS_COLUMNS, "ts|bigint|1\ncampaign|text|2\nbounced|integer|3\n"
                       "score|double precision|4\n");
    EXPECT(IS_SCHEMATA, "information_schema\npg_catalog\npublic\n");
    EXPECT_PREFIX(GROUP_COUNT, "pg_catalog|29|");
}
END_TEST

START_TEST(evaluator)
{
    /* windows, DISTINCT, UNION, LIMIT/OFFSET */
    EXPECT("SELECT attname, rank() OVER (PARTITION BY attrelid ORDER BY atttypid DESC) "
           "FROM pg_attribute WHERE attrelid = 'sessions'::regclass ORDER BY 2",
           "started|1\nid|2\n");
    EXPECT("SELECT DISTINCT relkind FROM pg_class ORDER BY 1", "r\nv\n");
    EXPECT("SELECT relname FROM pg_class WHERE relnamespace = 2200 UNION ALL "
           "SELECT 'x' UNION SELECT 'pageviews' ORDER BY 1 DESC LIMIT 2 OFFSET 1",
           "sessions\npageviews\n");
    /* correlated EXISTS, IN (subquery), ARRAY(subquery), scalar subquery */
    EXPECT("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 2200 AND EXISTS "
           "(SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id')",
           "sessions\n");
    EXPECT("SELECT relname FROM pg_class WHERE oid IN (SELECT attrelid FROM pg_attribute "
           "WHERE attname = 'score')", "pageviews\n");
    EXPECT("SELECT array_to_string(ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = "
           "'public.sessions'::regclass ORDER BY attnum), ', '), (SELECT count(*) FROM "
           "pg_namespace)", "id, started|3\n");
    /* casts, ANY, regex, LIKE, CASE, COALESCE, functions */
    EXPECT("SELECT 16385::regclass::text, 'int4'::regtype, format_type(1114, -1), "
           "'a' = ANY('{a,b}'), 2 = ANY(ARRAY[1,3]), 'Pageviews' ILIKE 'page%', "
           "'pg_toast' ~* '^PG_', COALESCE(NULL, 'x') || 'y', CASE WHEN 1 > 2 THEN 1 END, "
           "quote_ident('Foo'), upper(current_schema()), (current_schemas(true))[1]",
           "sessions|integer|timestamp without time zone|t|f|t|t|xy|~|\"Foo\"|PUBLIC|"
           "pg_catalog\n");
    EXPECT("SELECT 1 + 2 * 3, 7 / 2, -attnum, attnum BETWEEN 1 AND 2 FROM pg_attribute "
           "WHERE attrelid = 16384 AND attnum = 2", "7|3|-2|t\n");
    EXPECT("SELECT n.nspname, count(c.oid) FROM pg_namespace n LEFT JOIN pg_class c ON "
           "c.relnamespace = n.oid AND c.relkind = 'r' AND n.nspname = 'public' "
           "GROUP BY 1 ORDER BY 1", "information_schema|0\npg_catalog|0\npublic|2\n");
    EXPECT("SELECT s.r, t.typname FROM generate_series(1, 2) s(r) RIGHT JOIN pg_type t "
           "ON t.oid = s.r + 15 WHERE t.oid < 18 ORDER BY 2", "1|bool\n2|bytea\n");
    EXPECT("SELECT * FROM pg_am", "2|heap|-|t\n");
    EXPECT("SELECT setting FROM pg_settings WHERE name = 'server_version'", "15.0\n");
}
END_TEST

START_TEST(errors)
{
    EXPECT_PREFIX("SELECT nosuch FROM pg_class", "ERROR 42703: column nosuch");
    EXPECT_PREFIX("SELECT c.relname FROM pg_catalog.pg_nosuch c", "ERROR 42P01:");
    EXPECT_PREFIX("SELECT pg_nosuch_fn(oid) FROM pg_class", "ERROR 42883:");
    EXPECT_PREFIX("SELECT 1 FROM pg_class, pageviews", "ERROR 0A000: a query cannot join");
    EXPECT_PREFIX("SELECT 'nosuch'::regclass FROM pg_class", "ERROR 42P01:");
    EXPECT_PREFIX("SELECT (SELECT oid FROM pg_class) FROM pg_namespace", "ERROR 21000:");
    EXPECT_PREFIX("SELECT FROM WHERE pg_class", "ERROR 42601:");
    /* work is bounded before it starts: a cross join cannot hold a worker */
    uint64_t t0 = tn_mono_ns();
    EXPECT_PREFIX("SELECT count(*) FROM generate_series(1, 2000) a, generate_series(1, 2000) b",
                  "ERROR 54000: catalog cross product too large");
    EXPECT_PREFIX("SELECT count(*) FROM generate_series(1, 5000) a JOIN generate_series(1, 5000) b "
                  "ON true", "ERROR 54000: catalog join too large");
    ck_assert_uint_lt((tn_mono_ns() - t0) / 1000000, 2000);
}
END_TEST

/* The 1-based error position of sql (-1: none or no error). */
static int error_position(const char *sql)
{
    brk_pgcat_env env = {.user = "tannin", .database = "default", .tables = &tables};
    qry_result r;
    char state[6], msg[TN_ERRLEN];
    int pos = -1;
    if (brk_pgcat_run(&env, sql, &r, state, msg, sizeof msg, &pos) == TN_OK) {
        qry_result_free(&r);
        return -1;
    }
    return pos;
}

#define SHAPE(sql, want)                                                                     \
    do {                                                                                     \
        char *h_ = shape(sql);                                                               \
        ck_assert_msg(!strcmp(h_, want), "%s\n--- got: %s\n--- want: %s", #sql, h_, want);   \
        free(h_);                                                                            \
    } while (0)

START_TEST(with_queries)
{
    EXPECT("WITH x AS (SELECT 1 AS a) SELECT a FROM x", "1\n");
    /* referenced twice, and visible to a later WITH query */
    EXPECT("WITH t AS (SELECT relname FROM pg_class WHERE relnamespace = 2200), "
           "u(n) AS (SELECT count(*) FROM t) "
           "SELECT t1.relname, u.n FROM t t1, u, t t2 WHERE t1.relname = t2.relname ORDER BY 1",
           "pageviews|2\nsessions|2\n");
    /* visible to subqueries, correlated ones too */
    EXPECT("WITH t AS (SELECT 'sessions' AS n) SELECT relname FROM pg_class WHERE relname IN "
           "(SELECT n FROM t)", "sessions\n");
    EXPECT("WITH t(x) AS (VALUES ('pageviews'), ('sessions')) SELECT x, (SELECT count(*) FROM "
           "pg_attribute a WHERE a.attrelid = x::regclass AND a.attnum > 0) FROM t ORDER BY 1",
           "pageviews|4\nsessions|2\n");
    /* an inner WITH shadows an outer one of the same name */
    EXPECT("WITH t AS (SELECT 1 AS v) SELECT (WITH t AS (SELECT 2 AS v) SELECT v FROM t), v "
           "FROM t", "2|1\n");
    /* column aliases, all or some */
    EXPECT("WITH t(a, b) AS (SELECT 1, 2) SELECT b, a FROM t", "2|1\n");
    SHAPE("WITH t(a) AS (SELECT 1, 2 AS y) SELECT * FROM t", "a:23,y:23");
    /* over a UNION's both arms, with ORDER BY on the whole */
    EXPECT("WITH t AS (SELECT 1 AS v) SELECT v FROM t UNION ALL SELECT v + 1 FROM t "
           "ORDER BY 1 DESC", "2\n1\n");
    /* a WITH query does not see itself: pg_am inside is the catalog's */
    EXPECT("WITH pg_am AS (SELECT amname FROM pg_am) SELECT * FROM pg_am", "heap\n");
    /* schema-qualified names are never WITH queries */
    EXPECT("WITH pg_am AS (SELECT 1 AS x) SELECT amname FROM pg_catalog.pg_am", "heap\n");
    /* the WITH of a subquery is gone outside it */
    EXPECT_PREFIX("SELECT * FROM (WITH t AS (SELECT 1) SELECT * FROM t) s, t",
                  "ERROR 42P01: relation \"t\" does not exist");
    EXPECT_PREFIX("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) "
                  "SELECT * FROM t", "ERROR 0A000: WITH RECURSIVE is not supported");
    ck_assert_int_eq(error_position("WITH RECURSIVE t(n) AS (SELECT 1) SELECT * FROM t"), 1);
    ck_assert_int_eq(error_position("SELECT (WITH RECURSIVE t AS (SELECT 1) SELECT 1)"), 9);
    EXPECT("WITH t AS (SELECT 1), t2 AS (SELECT 2) SELECT 3", "3\n");
    EXPECT_PREFIX("WITH t AS (SELECT 1), t AS (SELECT 2) SELECT * FROM t",
                  "ERROR 42712: WITH query name \"t\" specified more than once");
    ck_assert_int_eq(error_position("WITH t AS (SELECT 1), t AS (SELECT 2) SELECT * FROM t"),
                     23);
    EXPECT_PREFIX("WITH t(a, b, c) AS (SELECT 1, 2) SELECT * FROM t",
                  "ERROR 42P10: WITH query \"t\" has 2 columns available but 3 columns "
                  "specified");
    EXPECT_PREFIX("WITH t AS (SELECT nosuch FROM pg_class) SELECT * FROM t",
                  "ERROR 42703: column nosuch does not exist");
}
END_TEST

START_TEST(values_lists)
{
    EXPECT("VALUES (1, 'a'), (2, 'b')", "1|a\n2|b\n");
    SHAPE("VALUES (1, 'a'), (2, 'b')", "column1:23,column2:25");
    EXPECT("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s) WHERE n > 1", "2|b\n");
    SHAPE("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)", "n:23,s:25");
    SHAPE("SELECT * FROM (VALUES (1, 'a')) AS v(n)", "n:23,column2:25");
    EXPECT("SELECT v.column2 FROM (VALUES (1, 'a')) v", "a\n");
    /* the common type of each column */
    EXPECT("VALUES (1), (2.5)", "1\n2.5\n");
    SHAPE("VALUES (1), (2.5)", "column1:1700");
    SHAPE("VALUES (1), (10000000000)", "column1:20");
    EXPECT("VALUES (1), ('2')", "1\n2\n");
    SHAPE("VALUES (1), ('2')", "column1:23");
    EXPECT("VALUES (NULL), (NULL)", "~\n~\n");
    SHAPE("VALUES (NULL), (NULL)", "column1:25");
    SHAPE("VALUES (NULL), (1.5::float8), (2)", "column1:701");
    SHAPE("VALUES ('a'), ('b'::name)", "column1:19");
    SHAPE("VALUES ('x'::varchar), ('y'::text)", "column1:25");
    SHAPE("VALUES (true), ('false')", "column1:16");
    EXPECT("VALUES (true), ('false')", "t\nf\n");
    /* ORDER BY and LIMIT on VALUES: ordinals, names, expressions */
    EXPECT("VALUES (2, 'b'), (1, 'a'), (3, 'c') ORDER BY 1 DESC LIMIT 2", "3|c\n2|b\n");
    EXPECT("VALUES (2, 'b'), (1, 'a'), (3, 'c') ORDER BY column2", "1|a\n2|b\n3|c\n");
    EXPECT("VALUES (2), (1), (3) ORDER BY -column1 OFFSET 1", "2\n1\n");
    /* in a UNION, in a WITH, referring to the outer row */
    EXPECT("SELECT 1 UNION ALL VALUES (2)", "1\n2\n");
    EXPECT("WITH v(k, name) AS (VALUES (1, 'one'), (2, 'two')) SELECT name FROM v WHERE k = 2",
           "two\n");
    EXPECT("SELECT (SELECT max(x) FROM (VALUES (c.oid::int), (0)) v(x)) FROM pg_class c "
           "WHERE c.relname = 'sessions'", "16385\n");
    EXPECT("SELECT relname FROM pg_class c JOIN (VALUES ('sessions'), ('nosuch')) v(n) "
           "ON c.relname = v.n", "sessions\n");
    /* errors, with the position of the value at fault */
    EXPECT_PREFIX("VALUES (1), ('a')", "ERROR 22P02: invalid input syntax for type integer");
    ck_assert_int_eq(error_position("VALUES (1), ('a')"), 14);
    EXPECT_PREFIX("VALUES (1), (true)",
                  "ERROR 42804: VALUES types integer and boolean cannot be matched");
    ck_assert_int_eq(error_position("VALUES (1), (true)"), 14);
    EXPECT_PREFIX("VALUES (1, 2), (3)", "ERROR 42601: VALUES lists must all be the same length");
    ck_assert_int_eq(error_position("VALUES (1, 2), (3)"), 17);
    EXPECT_PREFIX("VALUES (nosuch)", "ERROR 42703:");
}
END_TEST

/* Two small relations joined every way; l(id, x) has 1, 2 and r(id, y) 2, 3. */
#define L_REL "(VALUES (1, 'a'), (2, 'b')) l(id, x)"
#define R_REL "(VALUES (2, 'B'), (3, 'C')) r(id, y)"

START_TEST(outer_joins)
{
    EXPECT("SELECT * FROM " L_REL " FULL JOIN " R_REL " ON l.id = r.id "
           "ORDER BY coalesce(l.id, r.id)", "1|a|~|~\n2|b|2|B\n~|~|3|C\n");
    EXPECT("SELECT * FROM " L_REL " FULL OUTER JOIN " R_REL " USING (id) ORDER BY id",
           "1|a|~\n2|b|B\n3|~|C\n");
    SHAPE("SELECT * FROM " L_REL " FULL JOIN " R_REL " USING (id)", "id:23,x:25,y:25");
    EXPECT("SELECT l.id, r.id, id FROM " L_REL " FULL JOIN " R_REL " USING (id) ORDER BY 3",
           "1|~|1\n2|2|2\n~|3|3\n");
    EXPECT("SELECT l.* FROM " L_REL " FULL JOIN " R_REL " USING (id) ORDER BY l.id",
           "1|a\n2|b\n~|~\n");
    EXPECT("SELECT * FROM " L_REL " NATURAL FULL JOIN " R_REL " ORDER BY 1",
           "1|a|~\n2|b|B\n3|~|C\n");
    EXPECT("SELECT * FROM " L_REL " RIGHT JOIN " R_REL " USING (id) ORDER BY id",
           "2|b|B\n3|~|C\n");
    EXPECT("SELECT * FROM " L_REL " LEFT JOIN " R_REL " USING (id) ORDER BY id",
           "1|a|~\n2|b|B\n");
    EXPECT("SELECT * FROM " L_REL " JOIN " R_REL " USING (id)", "2|b|B\n");
    EXPECT("SELECT * FROM " L_REL " RIGHT JOIN " R_REL " ON l.id = r.id ORDER BY r.id",
           "2|b|2|B\n~|~|3|C\n");
    /* ON false: every row of both sides, null-extended */
    EXPECT("SELECT * FROM (VALUES (1)) a(x) FULL OUTER JOIN (VALUES (2)) b(y) ON false "
           "ORDER BY 1", "1|~\n~|2\n");
    EXPECT("SELECT count(*) FROM pg_index i FULL JOIN pg_am a ON false", "1\n");
    EXPECT("SELECT count(*) FROM pg_am a FULL JOIN pg_index i ON false", "1\n");
    /* chained USING joins merge into one column */
    EXPECT("SELECT * FROM (VALUES (1)) a(k) FULL JOIN (VALUES (2)) b(k) USING (k) "
           "FULL JOIN (VALUES (3), (1)) c(k) USING (k) ORDER BY 1", "1\n2\n3\n");
    /* NULL keys never match */
    EXPECT("SELECT * FROM (VALUES (NULL::int)) a(k) FULL JOIN (VALUES (NULL::int)) b(k) "
           "USING (k)", "~\n~\n");
    /* the catalog: every namespace against the tables in it */
    EXPECT("SELECT n.nspname, c.relname FROM pg_namespace n FULL JOIN (SELECT * FROM pg_class "
           "WHERE relnamespace = 2200) c ON c.relnamespace = n.oid ORDER BY 1, 2",
           "information_schema|~\npg_catalog|~\npublic|pageviews\npublic|sessions\n");
    EXPECT_PREFIX("SELECT * FROM " L_REL " FULL JOIN " R_REL " USING (nosuch)",
                  "ERROR 42703: column \"nosuch\" specified in USING clause does not exist in "
                  "left table");
    EXPECT_PREFIX("SELECT * FROM " L_REL " FULL JOIN " R_REL " USING (x)",
                  "ERROR 42703: column \"x\" specified in USING clause does not exist in "
                  "right table");
    EXPECT_PREFIX("SELECT * FROM " L_REL " FULL JOIN " R_REL " USING (id, id)",
                  "ERROR 42701:");
    EXPECT_PREFIX("SELECT * FROM (pg_am a JOIN pg_am b USING (oid)) AS j", "ERROR 0A000:");
}
END_TEST

START_TEST(routing)
{
    ck_assert(brk_pgcat_wants("SELECT * FROM pg_catalog.pg_class"));
    ck_assert(brk_pgcat_wants("select * from information_schema.columns"));
    ck_assert(brk_pgcat_wants("select oid from pg_type where typname = 'lo'"));
    ck_assert(brk_pgcat_wants("SELECT 1 WHERE EXISTS (SELECT 1 FROM pg_namespace)"));
    ck_assert(!brk_pgcat_wants("SELECT COUNT(*) FROM pageviews"));
    ck_assert(!brk_pgcat_wants("SELECT * FROM public.pg_stuff"));
    ck_assert(!brk_pgcat_wants("SELECT garbage FROM"));
    /* WITH and VALUES over nothing but the catalog and WITH queries */
    ck_assert(brk_pgcat_wants("WITH x AS (SELECT 1) SELECT * FROM x"));
    ck_assert(brk_pgcat_wants("SELECT * FROM (VALUES (1)) v(a)"));
    ck_assert(brk_pgcat_wants("WITH x AS (VALUES (1)) SELECT * FROM x, pg_am"));
    ck_assert(!brk_pgcat_wants("WITH x AS (SELECT * FROM pageviews) SELECT * FROM x"));
    ck_assert(!brk_pgcat_wants("SELECT * FROM pageviews, (VALUES (1)) v(a)"));
    ck_assert(!brk_pgcat_wants("WITH x AS (SELECT 1) SELECT * FROM public.x"));
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("brk_pgcat");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, dump);
    tcase_add_test(tc, psql_dt_and_d);
    tcase_add_test(tc, pgjdbc_metadata);
    tcase_add_test(tc, odbc_and_information_schema);
    tcase_add_test(tc, evaluator);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, with_queries);
    tcase_add_test(tc, values_lists);
    tcase_add_test(tc, outer_joins);
    tcase_add_test(tc, routing);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int number_failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return number_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
