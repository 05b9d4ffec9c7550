/*
 * brk_pgcat_rel.c: the catalog relations for one statement, built from
 * Tannin's tables: pg_namespace, pg_class, pg_attribute, pg_type,
 * pg_database, pg_roles/pg_user, pg_settings, the relations clients join
 * but Tannin has nothing for (pg_index, pg_description, ... empty), and
 * the information_schema views as plain relations. Column lists follow
 * PostgreSQL 15 so client SQL binds; catalog relations describe themselves
 * too, as PostgreSQL's do.
 */
#include "brk_pgcat_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brk_pg_proto.h"

/* ---- types ------------------------------------------------------------- */

typedef struct pc_type {
    int32_t oid;
    const char *name, *sql;
    int16_t len;
    char category;
    int32_t elem, array;
} pc_type;

static const pc_type types[] = {
    {16, "bool", "boolean", 1, 'B', 0, 1000},
    {17, "bytea", "bytea", -1, 'U', 0, 1001},
    {18, "char", "\"char\"", 1, 'Z', 0, 1002},
    {19, "name", "name", 64, 'S', 0, 1003},
    {20, "int8", "bigint", 8, 'N', 0, 1016},
    {21, "int2", "smallint", 2, 'N', 0, 1005},
    {22, "int2vector", "int2vector", -1, 'A', 21, 1006},
    {23, "int4", "integer", 4, 'N', 0, 1007},
    {24, "regproc", "regproc", 4, 'N', 0, 1008},
    {25, "text", "text", -1, 'S', 0, 1009},
    {26, "oid", "oid", 4, 'N', 0, 1028},
    {30, "oidvector", "oidvector", -1, 'A', 26, 1013},
    {194, "pg_node_tree", "pg_node_tree", -1, 'Z', 0, 0},
    {700, "float4", "real", 4, 'N', 0, 1021},
    {701, "float8", "double precision", 8, 'N', 0, 1022},
    {1033, "aclitem", "aclitem", 12, 'U', 0, 1034},
    {1042, "bpchar", "character", -1, 'S', 0, 1014},
    {1043, "varchar", "character varying", -1, 'S', 0, 1015},
    {1082, "date", "date", 4, 'D', 0, 1182},
    {1114, "timestamp", "timestamp without time zone", 8, 'D', 0, 1115},
    {1184, "timestamptz", "timestamp with time zone", 8, 'D', 0, 1185},
    {1700, "numeric", "numeric", -1, 'N', 0, 1231},
    {2205, "regclass", "regclass", 4, 'N', 0, 2210},
    {2206, "regtype", "regtype", 4, 'N', 0, 2211},
    {4089, "regnamespace", "regnamespace", 4, 'N', 0, 4090},
    {1000, "_bool", "boolean[]", -1, 'A', 16, 0},
    {1001, "_bytea", "bytea[]", -1, 'A', 17, 0},
    {1002, "_char", "\"char\"[]", -1, 'A', 18, 0},
    {1003, "_name", "name[]", -1, 'A', 19, 0},
    {1005, "_int2", "smallint[]", -1, 'A', 21, 0},
    {1007, "_int4", "integer[]", -1, 'A', 23, 0},
    {1009, "_text", "text[]", -1, 'A', 25, 0},
    {1015, "_varchar", "character varying[]", -1, 'A', 1043, 0},
    {1016, "_int8", "bigint[]", -1, 'A', 20, 0},
    {1021, "_float4", "real[]", -1, 'A', 700, 0},
    {1022, "_float8", "double precision[]", -1, 'A', 701, 0},
    {1028, "_oid", "oid[]", -1, 'A', 26, 0},
    {1034, "_aclitem", "aclitem[]", -1, 'A', 1033, 0},
    {1115, "_timestamp", "timestamp without time zone[]", -1, 'A', 1114, 0},
};
#define NTYPES (sizeof types / sizeof types[0])

static const pc_type *type_of(int32_t oid)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].oid == oid)
            return &types[i];
    return NULL;
}

const char *pc_type_name(int32_t oid)
{
    const pc_type *t = type_of(oid);
    return t ? t->name : NULL;
}

const char *pc_type_sql(int32_t oid)
{
    const pc_type *t = type_of(oid);
    return t ? t->sql : NULL;
}

int32_t pc_type_by_name(const char *name)
{
    static const char *const alias[][2] = {
        {"integer", "int4"}, {"int", "int4"}, {"smallint", "int2"}, {"bigint", "int8"},
        {"boolean", "bool"}, {"real", "float4"}, {"double precision", "float8"},
        {"character varying", "varchar"}, {"character", "bpchar"}, {"decimal", "numeric"},
        {"timestamp without time zone", "timestamp"},
        {"timestamp with time zone", "timestamptz"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (!strcasecmp(name, alias[i][0]))
            name = alias[i][1];
    for (size_t i = 0; i < NTYPES; i++)
        if (!strcasecmp(types[i].name, name))
            return types[i].oid;
    return 0;
}

int32_t pc_type_array_of(int32_t elem)
{
    const pc_type *t = type_of(elem);
    return t ? t->array : 0;
}

int32_t pc_type_elem(int32_t arr)
{
    const pc_type *t = type_of(arr);
    return t && t->category == 'A' ? t->elem : 0;
}

/* ---- relations ----------------------------------------------------------- */

pc_rel *pc_rel_new(qry_arena *a, uint32_t ncols)
{
    pc_rel *r = qry_alloc(a, sizeof *r);
    r->ncols = ncols;
    r->qual = qry_alloc(a, (ncols + 1) * sizeof *r->qual);
    r->cols = qry_alloc(a, (ncols + 1) * sizeof *r->cols);
    r->types = qry_alloc(a, (ncols + 1) * sizeof *r->types);
    return r;
}

pv *pc_rel_add(qry_arena *a, pc_rel *r)
{
    if (r->nrows == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 16;
        pv *cells = qry_alloc(a, (size_t)cap * (r->ncols ? r->ncols : 1) * sizeof *cells);
        if (r->nrows)
            memcpy(cells, r->cells, (size_t)r->nrows * r->ncols * sizeof *cells);
        r->cells = cells;
        r->cap = cap;
    }
    pv *row = r->cells + (size_t)r->nrows++ * r->ncols;
    memset(row, 0, r->ncols * sizeof *row);
    return row;
}

int pc_rel_col(const pc_rel *r, const char *name)
{
    for (uint32_t i = 0; i < r->ncols; i++)
        if (!strcmp(r->cols[i], name))
            return (int)i;
    return -1;
}

/* Column lists: "name type" pairs separated by commas. */
static const struct {
    const char *schema, *name;
    int32_t oid;
    char kind;
    const char *cols;
} specs[] = {
    {"pg_catalog", "pg_namespace", 2615, 'r', "oid oid,nspname name,nspowner oid,nspacl _aclitem"},
    {"pg_catalog", "pg_class", 1259, 'r',
     "oid oid,relname name,relnamespace oid,reltype oid,reloftype oid,relowner oid,relam oid,"
     "relfilenode oid,reltablespace oid,relpages int4,reltuples float4,relallvisible int4,"
     "reltoastrelid oid,relhasindex bool,relisshared bool,relpersistence char,relkind char,"
     "relnatts int2,relchecks int2,relhasrules bool,relhastriggers bool,relhassubclass bool,"
     "relrowsecurity bool,relforcerowsecurity bool,relispopulated bool,relreplident char,"
     "relispartition bool,relrewrite oid,relfrozenxid int8,relminmxid int8,relacl _aclitem,"
     "reloptions _text,relpartbound pg_node_tree"},
    {"pg_catalog", "pg_attribute", 1249, 'r',
     "attrelid oid,attname name,atttypid oid,attstattarget int4,attlen int2,attnum int2,"
     "attndims int4,attcacheoff int4,atttypmod int4,attbyval bool,attalign char,"
     "attstorage char,attcompression char,attnotnull bool,atthasdef bool,atthasmissing bool,"
     "attidentity char,attgenerated char,attisdropped bool,attislocal bool,attinhcount int4,"
     "attcollation oid,attacl _aclitem,attoptions _text,attfdwoptions _text,"
     "attmissingval text"},
    {"pg_catalog", "pg_type", 1247, 'r',
     "oid oid,typname name,typnamespace oid,typowner oid,typlen int2,typbyval bool,"
     "typtype char,typcategory char,typispreferred bool,typisdefined bool,typdelim char,"
     "typrelid oid,typsubscript regproc,typelem oid,typarray oid,typinput regproc,"
     "typoutput regproc,typreceive regproc,typsend regproc,typmodin regproc,"
     "typmodout regproc,typanalyze regproc,typalign char,typstorage char,typnotnull bool,"
     "typbasetype oid,typtypmod int4,typndims int4,typcollation oid,"
     "typdefaultbin pg_node_tree,typdefault text,typacl _aclitem"},
    {"pg_catalog", "pg_database", 1262, 'r',
     "oid oid,datname name,datdba oid,encoding int4,datlocprovider char,datistemplate bool,"
     "datallowconn bool,datconnlimit int4,datfrozenxid int8,datminmxid int8,"
     "dattablespace oid,datcollate text,datctype text,daticulocale text,"
     "datcollversion text,datacl _aclitem"},
    {"pg_catalog", "pg_settings", 12000, 'v',
     "name text,setting text,unit text,category text,short_desc text,extra_desc text,"
     "context text,vartype text,source text,min_val text,max_val text,enumvals _text,"
     "boot_val text,reset_val text,sourcefile text,sourceline int4,pending_restart bool"},
    {"pg_catalog", "pg_roles", 12001, 'v',
     "rolname name,rolsuper bool,rolinherit bool,rolcreaterole bool,rolcreatedb bool,"
     "rolcanlogin bool,rolreplication bool,rolconnlimit int4,rolpassword text,"
     "rolvaliduntil timestamptz,rolbypassrls bool,rolconfig _text,oid oid"},
    {"pg_catalog", "pg_user", 12002, 'v',
     "usename name,usesysid oid,usecreatedb bool,usesuper bool,userepl bool,"
     "usebypassrls bool,passwd text,valuntil timestamptz,useconfig _text"},
    {"pg_catalog", "pg_index", 2610, 'r',
     "indexrelid oid,indrelid oid,indnatts int2,indnkeyatts int2,indisunique bool,"
     "indnullsnotdistinct bool,indisprimary bool,indisexclusion bool,indimmediate bool,"
     "indisclustered bool,indisvalid bool,indcheckxmin bool,indisready bool,indislive bool,"
     "indisreplident bool,indkey int2vector,indcollation oidvector,indclass oidvector,"
     "indoption int2vector,indexprs pg_node_tree,indpred pg_node_tree"},
    {"pg_catalog", "pg_constraint", 2606, 'r',
     "oid oid,conname name,connamespace oid,contype char,condeferrable bool,"
     "condeferred bool,convalidated bool,conrelid oid,contypid oid,conindid oid,"
     "conparentid oid,confrelid oid,confupdtype char,confdeltype char,confmatchtype char,"
     "conislocal bool,coninhcount int4,connoinherit bool,conkey _int2,confkey _int2,"
     "conpfeqop _oid,conppeqop _oid,conffeqop _oid,confdelsetcols _int2,conexclop _oid,"
     "conbin pg_node_tree"},
    {"pg_catalog", "pg_inherits", 2611, 'r',
     "inhrelid oid,inhparent oid,inhseqno int4,inhdetachpending bool"},
    {"pg_catalog", "pg_description", 2609, 'r',
     "objoid oid,classoid oid,objsubid int4,description text"},
    {"pg_catalog", "pg_attrdef", 2604, 'r', "oid oid,adrelid oid,adnum int2,adbin pg_node_tree"},
    {"pg_catalog", "pg_am", 2601, 'r', "oid oid,amname name,amhandler regproc,amtype char"},
    {"pg_catalog", "pg_proc", 1255, 'r',
     "oid oid,proname name,pronamespace oid,proowner oid,prolang oid,procost float4,"
     "prorows float4,provariadic oid,prosupport regproc,prokind char,prosecdef bool,"
     "proleakproof bool,proisstrict bool,proretset bool,provolatile char,proparallel char,"
     "pronargs int2,pronargdefaults int2,prorettype oid,proargtypes oidvector,"
     "proallargtypes _oid,proargmodes _char,proargnames _text,proargdefaults pg_node_tree,"
     "protrftypes _oid,prosrc text,probin text,prosqlbody pg_node_tree,proconfig _text,"
     "proacl _aclitem"},
    {"pg_catalog", "pg_collation", 3456, 'r',
     "oid oid,collname name,collnamespace oid,collowner oid,collprovider char,"
     "collisdeterministic bool,collencoding int4,collcollate text,collctype text,"
     "colliculocale text,collversion text"},
    {"pg_catalog", "pg_policy", 3256, 'r',
     "oid oid,polname name,polrelid oid,polcmd char,polpermissive bool,polroles _oid,"
     "polqual pg_node_tree,polwithcheck pg_node_tree"},
    {"pg_catalog", "pg_statistic_ext", 3381, 'r',
     "oid oid,stxrelid oid,stxname name,stxnamespace oid,stxowner oid,stxstattarget int4,"
     "stxkeys int2vector,stxkind _char,stxexprs pg_node_tree"},
    {"pg_catalog", "pg_publication", 6104, 'r',
     "oid oid,pubname name,pubowner oid,puballtables bool,pubinsert bool,pubupdate bool,"
     "pubdelete bool,pubtruncate bool,pubviaroot bool"},
    {"pg_catalog", "pg_publication_namespace", 6237, 'r', "oid oid,pnpubid oid,pnnspid oid"},
    {"pg_catalog", "pg_publication_rel", 6106, 'r',
     "oid oid,prpubid oid,prrelid oid,prqual pg_node_tree,prattrs int2vector"},
    {"pg_catalog", "pg_trigger", 2620, 'r',
     "oid oid,tgrelid oid,tgparentid oid,tgname name,tgfoid oid,tgtype int2,tgenabled char,"
     "tgisinternal bool,tgconstrrelid oid,tgconstrindid oid,tgconstraint oid,"
     "tgdeferrable bool,tginitdeferred bool,tgnargs int2,tgattr int2vector,tgargs bytea,"
     "tgqual pg_node_tree,tgoldtable name,tgnewtable name"},
    {"pg_catalog", "pg_rewrite", 2618, 'r',
     "oid oid,rulename name,ev_class oid,ev_type char,ev_enabled char,is_instead bool,"
     "ev_qual pg_node_tree,ev_action pg_node_tree"},
    {"pg_catalog", "pg_tablespace", 1213, 'r',
     "oid oid,spcname name,spcowner oid,spcacl _aclitem,spcoptions _text"},
    {"pg_catalog", "pg_extension", 3079, 'r',
     "oid oid,extname name,extowner oid,extnamespace oid,extrelocatable bool,"
     "extversion text,extconfig _oid,extcondition _text"},
    {"pg_catalog", "pg_enum", 3501, 'r',
     "oid oid,enumtypid oid,enumsortorder float4,enumlabel name"},
    {"pg_catalog", "pg_tables", 12003, 'v',
     "schemaname name,tablename name,tableowner name,tablespace name,hasindexes bool,"
     "hasrules bool,hastriggers bool,rowsecurity bool"},
    {"pg_catalog", "pg_views", 12004, 'v',
     "schemaname name,viewname name,viewowner name,definition text"},
    {"pg_catalog", "pg_matviews", 12005, 'v',
     "schemaname name,matviewname name,matviewowner name,tablespace name,hasindexes bool,"
     "ispopulated bool,definition text"},
    {"information_schema", "schemata", 13100, 'v',
     "catalog_name name,schema_name name,schema_owner name,"
     "default_character_set_catalog name,default_character_set_schema name,"
     "default_character_set_name name,sql_path varchar"},
    {"information_schema", "tables", 13101, 'v',
     "table_catalog name,table_schema name,table_name name,table_type varchar,"
     "self_referencing_column_name name,reference_generation varchar,"
     "user_defined_type_catalog name,user_defined_type_schema name,"
     "user_defined_type_name name,is_insertable_into varchar,is_typed varchar,"
     "commit_action varchar"},
    {"information_schema", "columns", 13102, 'v',
     "table_catalog name,table_schema name,table_name name,column_name name,"
     "ordinal_position int4,column_default varchar,is_nullable varchar,data_type varchar,"
     "character_maximum_length int4,character_octet_length int4,numeric_precision int4,"
     "numeric_precision_radix int4,numeric_scale int4,datetime_precision int4,"
     "interval_type varchar,interval_precision int4,character_set_catalog name,"
     "character_set_schema name,character_set_name name,collation_catalog name,"
     "collation_schema name,collation_name name,domain_catalog name,domain_schema name,"
     "domain_name name,udt_catalog name,udt_schema name,udt_name name,scope_catalog name,"
     "scope_schema name,scope_name name,maximum_cardinality int4,dtd_identifier name,"
     "is_self_referencing varchar,is_identity varchar,identity_generation varchar,"
     "identity_start varchar,identity_increment varchar,identity_maximum varchar,"
     "identity_minimum varchar,identity_cycle varchar,is_generated varchar,"
     "generation_expression varchar,is_updatable varchar"},
    {"information_schema", "views", 13103, 'v',
     "table_catalog name,table_schema name,table_name name,view_definition varchar,"
     "check_option varchar,is_updatable varchar,is_insertable_into varchar,"
     "is_trigger_updatable varchar,is_trigger_deletable varchar,"
     "is_trigger_insertable_into varchar"},
    {"information_schema", "table_constraints", 13104, 'v',
     "constraint_catalog name,constraint_schema name,constraint_name name,"
     "table_catalog name,table_schema name,table_name name,constraint_type varchar,"
     "is_deferrable varchar,initially_deferred varchar,enforced varchar,"
     "nulls_distinct varchar"},
    {"information_schema", "key_column_usage", 13105, 'v',
     "constraint_catalog name,constraint_schema name,constraint_name name,"
     "table_catalog name,table_schema name,table_name name,column_name name,"
     "ordinal_position int4,position_in_unique_constraint int4"},
    {"information_schema", "routines", 13106, 'v',
     "specific_catalog name,specific_schema name,specific_name name,routine_catalog name,"
     "routine_schema name,routine_name name,routine_type varchar,data_type varchar"},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* A relation's empty shape from its column list. */
static pc_rel *from_spec(qry_arena *a, const char *cols)
{
    uint32_t n = 1;
    for (const char *p = cols; *p; p++)
        n += *p == ',';
    pc_rel *r = pc_rel_new(a, n);
    const char *p = cols;
    for (uint32_t i = 0; i < n; i++) {
        const char *sp = strchr(p, ' ');
        const char *end = strchr(sp, ',');
        if (!end)
            end = sp + strlen(sp);
        r->cols[i] = qry_strndup(a, p, (size_t)(sp - p));
        char tname[32];
        snprintf(tname, sizeof tname, "%.*s", (int)(end - sp - 1), sp + 1);
        r->types[i] = pc_type_by_name(tname);
        p = *end ? end + 1 : end;
    }
    return r;
}

/* A new row with PostgreSQL's values for "nothing": false, 0, '' for char. */
static pv *new_row(pc_ctx *c, pc_rel *r)
{
    pv *row = pc_rel_add(c->a, r);
    for (uint32_t i = 0; i < r->ncols; i++) {
        int32_t t = r->types[i];
        if (t == BRK_PG_BOOL)
            row[i] = pv_bool(false);
        else if (t == PC_OID || t == BRK_PG_INT2 || t == BRK_PG_INT4 || t == BRK_PG_INT8 ||
                 t == PC_REGPROC)
            row[i] = pv_int(0, t);
        else if (t == PC_CHAR)
            row[i] = pv_text(c, "", t);
        else
            row[i] = pv_null();
    }
    return row;
}

static void set_int(pc_rel *r, pv *row, const char *col, int64_t v)
{
    int i = pc_rel_col(r, col);
    if (i >= 0)
        row[i] = pv_int(v, r->types[i]);
}

static void set_bool(pc_rel *r, pv *row, const char *col, bool v)
{
    int i = pc_rel_col(r, col);
    if (i >= 0)
        row[i] = pv_bool(v);
}

static void set_text(pc_ctx *c, pc_rel *r, pv *row, const char *col, const char *v)
{
    int i = pc_rel_col(r, col);
    if (i >= 0)
        row[i] = v ? pv_text(c, v, r->types[i]) : pv_null();
}

static pc_rel *rel_named(pc_ctx *c, const char *name)
{
    const pc_named *n = pc_find_rel(c, NULL, name);
    return n ? n->rel : NULL;
}

const pc_named *pc_find_rel(const pc_ctx *c, const char *schema, const char *name)
{
    for (uint32_t i = 0; i < c->nrels; i++)
        if (!strcmp(c->rels[i].name, name) && (schema ? !strcmp(c->rels[i].schema, schema)
                                                      : strcmp(c->rels[i].schema,
                                                               "information_schema") != 0))
            return &c->rels[i];
    return NULL;
}

const pc_named *pc_find_rel_oid(const pc_ctx *c, int64_t oid)
{
    for (uint32_t i = 0; i < c->nrels; i++)
        if (c->rels[i].oid == oid)
            return &c->rels[i];
    return NULL;
}

static int32_t ns_oid(const char *schema)
{
    return !strcmp(schema, "pg_catalog") ? PC_NS_CATALOG
           : !strcmp(schema, "public")   ? PC_NS_PUBLIC
                                         : PC_NS_INFO;
}

/* ---- filling -------------------------------------------------------------- */

static void fill_namespaces(pc_ctx *c)
{
    pc_rel *r = rel_named(c, "pg_namespace");
    static const char *const names[] = {"pg_catalog", "public", "information_schema"};
    for (size_t i = 0; i < 3; i++) {
        pv *row = new_row(c, r);
        set_int(r, row, "oid", ns_oid(names[i]));
        set_text(c, r, row, "nspname", names[i]);
        set_int(r, row, "nspowner", 10);
    }
    pc_rel *sc = pc_find_rel(c, "information_schema", "schemata")->rel;
    for (size_t i = 0; i < 3; i++) {
        pv *row = new_row(c, sc);
        set_text(c, sc, row, "catalog_name", c->env->database);
        set_text(c, sc, row, "schema_name", names[i]);
        set_text(c, sc, row, "schema_owner", c->env->user);
    }
}

static void fill_types(pc_ctx *c)
{
    pc_rel *r = rel_named(c, "pg_type");
    for (size_t i = 0; i < NTYPES; i++) {
        const pc_type *t = &types[i];
        pv *row = new_row(c, r);
        set_int(r, row, "oid", t->oid);
        set_text(c, r, row, "typname", t->name);
        set_int(r, row, "typnamespace", PC_NS_CATALOG);
        set_int(r, row, "typowner", 10);
        set_int(r, row, "typlen", t->len);
        set_bool(r, row, "typbyval", t->len > 0 && t->len <= 8);
        set_text(c, r, row, "typtype", "b");
        char cat[2] = {t->category, 0};
        set_text(c, r, row, "typcategory", cat);
        set_bool(r, row, "typisdefined", true);
        set_text(c, r, row, "typdelim", ",");
        set_int(r, row, "typelem", t->elem);
        set_int(r, row, "typarray", t->array);
        set_int(r, row, "typinput", t->category == 'A' ? PC_ARRAY_IN : 0);
        set_text(c, r, row, "typalign", t->len == 8 ? "d" : t->len == 2 ? "s" : "i");
        set_text(c, r, row, "typstorage", t->len > 0 ? "p" : "x");
        set_int(r, row, "typtypmod", -1);
        bool coll = t->category == 'S';
        set_int(r, row, "typcollation", coll ? 100 : 0);
    }
}

/* pg_class and pg_attribute rows (and information_schema's) for one
 * relation with columns rel. */
static void add_relation(pc_ctx *c, int32_t oid, const char *schema, const char *name,
                         char kind, const pc_rel *shape)
{
    pc_rel *cl = rel_named(c, "pg_class");
    pv *row = new_row(c, cl);
    set_int(cl, row, "oid", oid);
    set_text(c, cl, row, "relname", name);
    set_int(cl, row, "relnamespace", ns_oid(schema));
    set_int(cl, row, "relowner", 10);
    set_int(cl, row, "relam", kind == 'r' ? 2 : 0);
    set_text(c, cl, row, "relpersistence", "p");
    char k[2] = {kind, 0};
    set_text(c, cl, row, "relkind", k);
    set_int(cl, row, "relnatts", shape->ncols);
    set_bool(cl, row, "relispopulated", true);
    set_text(c, cl, row, "relreplident", kind == 'r' ? "d" : "n");
    set_int(cl, row, "reltuples", -1);

    pc_rel *at = rel_named(c, "pg_attribute");
    pc_rel *ic = pc_find_rel(c, "information_schema", "columns")->rel;
    for (uint32_t i = 0; i < shape->ncols; i++) {
        int32_t t = shape->types[i];
        const pc_type *ty = type_of(t);
        pv *a = new_row(c, at);
        set_int(at, a, "attrelid", oid);
        set_text(c, at, a, "attname", shape->cols[i]);
        set_int(at, a, "atttypid", t);
        set_int(at, a, "attstattarget", -1);
        set_int(at, a, "attlen", ty ? ty->len : -1);
        set_int(at, a, "attnum", i + 1);
        set_int(at, a, "attcacheoff", -1);
        set_int(at, a, "atttypmod", -1);
        set_bool(at, a, "attbyval", ty && ty->len > 0 && ty->len <= 8);
        set_text(c, at, a, "attalign", ty && ty->len == 8 ? "d" : "i");
        set_text(c, at, a, "attstorage", ty && ty->len > 0 ? "p" : "x");
        set_bool(at, a, "attislocal", true);
        set_int(at, a, "attcollation", ty && ty->category == 'S' ? 100 : 0);

        pv *col = new_row(c, ic);
        set_text(c, ic, col, "table_catalog", c->env->database);
        set_text(c, ic, col, "table_schema", schema);
        set_text(c, ic, col, "table_name", name);
        set_text(c, ic, col, "column_name", shape->cols[i]);
        set_int(ic, col, "ordinal_position", i + 1);
        set_text(c, ic, col, "is_nullable", "YES");
        set_text(c, ic, col, "data_type", ty && ty->category == 'A' ? "ARRAY"
                                          : ty                     ? ty->sql
                                                                   : "text");
        set_text(c, ic, col, "udt_catalog", c->env->database);
        set_text(c, ic, col, "udt_schema", "pg_catalog");
        set_text(c, ic, col, "udt_name", ty ? ty->name : "text");
        char dtd[16];
        snprintf(dtd, sizeof dtd, "%u", i + 1);
        set_text(c, ic, col, "dtd_identifier", dtd);
        set_text(c, ic, col, "is_self_referencing", "NO");
        set_text(c, ic, col, "is_identity", "NO");
        set_text(c, ic, col, "identity_cycle", "NO");
        set_text(c, ic, col, "is_generated", "NEVER");
        set_text(c, ic, col, "is_updatable", kind == 'r' ? "YES" : "NO");
    }

    pc_rel *it = pc_find_rel(c, "information_schema", "tables")->rel;
    pv *t = new_row(c, it);
    set_text(c, it, t, "table_catalog", c->env->database);
    set_text(c, it, t, "table_schema", schema);
    set_text(c, it, t, "table_name", name);
    set_text(c, it, t, "table_type", kind == 'r' ? "BASE TABLE" : "VIEW");
    set_text(c, it, t, "is_insertable_into", kind == 'r' ? "YES" : "NO");
    set_text(c, it, t, "is_typed", "NO");
    if (!strcmp(schema, "public")) {
        pc_rel *pt = rel_named(c, "pg_tables");
        pv *p = new_row(c, pt);
        set_text(c, pt, p, "schemaname", schema);
        set_text(c, pt, p, "tablename", name);
        set_text(c, pt, p, "tableowner", c->env->user);
    }
}

static void fill_tables(pc_ctx *c)
{
    for (uint32_t i = 0; i < NSPECS; i++)
        add_relation(c, specs[i].oid, specs[i].schema, specs[i].name, specs[i].kind,
                     c->rels[i].rel);
    const brk_pgcat_tables *ts = c->env->tables;
    for (uint32_t i = 0; ts && i < ts->n; i++) {
        const brk_pgcat_table *t = &ts->t[i];
        pc_rel *shape = pc_rel_new(c->a, t->ncols);
        for (uint32_t k = 0; k < t->ncols; k++) {
            shape->cols[k] = t->cols[k].name;
            shape->types[k] = t->cols[k].type_oid;
        }
        add_relation(c, PC_FIRST_TABLE_OID + (int32_t)i, "public", t->name, 'r', shape);
    }
}

static void fill_session(pc_ctx *c)
{
    pc_rel *d = rel_named(c, "pg_database");
    pv *row = new_row(c, d);
    set_int(d, row, "oid", 16383);
    set_text(c, d, row, "datname", c->env->database);
    set_int(d, row, "datdba", 10);
    set_int(d, row, "encoding", 6);
    set_text(c, d, row, "datlocprovider", "c");
    set_bool(d, row, "datallowconn", true);
    set_int(d, row, "datconnlimit", -1);
    set_int(d, row, "dattablespace", 1663);
    set_text(c, d, row, "datcollate", "C.UTF-8");
    set_text(c, d, row, "datctype", "C.UTF-8");

    pc_rel *ro = rel_named(c, "pg_roles");
    row = new_row(c, ro);
    set_text(c, ro, row, "rolname", c->env->user);
    set_bool(ro, row, "rolinherit", true);
    set_bool(ro, row, "rolcanlogin", true);
    set_int(ro, row, "rolconnlimit", -1);
    set_text(c, ro, row, "rolpassword", "********");
    set_int(ro, row, "oid", 10);
    pc_rel *us = rel_named(c, "pg_user");
    row = new_row(c, us);
    set_text(c, us, row, "usename", c->env->user);
    set_int(us, row, "usesysid", 10);
    set_text(c, us, row, "passwd", "********");

    pc_rel *am = rel_named(c, "pg_am");
    row = new_row(c, am);
    set_int(am, row, "oid", 2);
    set_text(c, am, row, "amname", "heap");
    set_text(c, am, row, "amtype", "t");
    pc_rel *ts = rel_named(c, "pg_tablespace");
    row = new_row(c, ts);
    set_int(ts, row, "oid", 1663);
    set_text(c, ts, row, "spcname", "pg_default");
    set_int(ts, row, "spcowner", 10);
    pc_rel *co = rel_named(c, "pg_collation");
    row = new_row(c, co);
    set_int(co, row, "oid", 100);
    set_text(c, co, row, "collname", "default");
    set_int(co, row, "collnamespace", PC_NS_CATALOG);
    set_text(c, co, row, "collprovider", "d");
    set_bool(co, row, "collisdeterministic", true);
    set_int(co, row, "collencoding", -1);

    static const char *const settings[] = {
        "server_version", "server_version_num", "server_encoding", "client_encoding",
        "DateStyle", "TimeZone", "integer_datetimes", "standard_conforming_strings",
        "transaction_isolation", "default_transaction_isolation", "transaction_read_only",
        "is_superuser", "IntervalStyle", "search_path", "extra_float_digits",
        "max_identifier_length", "application_name"};
    pc_rel *st = rel_named(c, "pg_settings");
    for (size_t i = 0; c->env->setting && i < sizeof settings / sizeof settings[0]; i++) {
        const char *v = c->env->setting(c->env->setting_arg, settings[i]);
        if (!v)
            continue;
        row = new_row(c, st);
        set_text(c, st, row, "name", settings[i]);
        set_text(c, st, row, "setting", v);
        set_text(c, st, row, "vartype", "string");
        set_text(c, st, row, "source", "default");
        set_text(c, st, row, "context", "user");
    }
}

void pc_build(pc_ctx *c)
{
    c->nrels = NSPECS;
    c->rels = qry_alloc(c->a, NSPECS * sizeof *c->rels);
    for (uint32_t i = 0; i < NSPECS; i++) {
        c->rels[i] = (pc_named){.schema = specs[i].schema, .name = specs[i].name,
                                .oid = specs[i].oid, .kind = specs[i].kind,
                                .rel = from_spec(c->a, specs[i].cols)};
    }
    fill_namespaces(c);
    fill_types(c);
    fill_tables(c);
    fill_session(c);
}

/* ---- Tannin's tables ---------------------------------------------------- */

brk_pgcat_table *brk_pgcat_table_add(brk_pgcat_tables *ts, const char *name)
{
    ts->t = tn_realloc(ts->t, (ts->n + 1) * sizeof *ts->t);
    brk_pgcat_table *t = &ts->t[ts->n++];
    *t = (brk_pgcat_table){.name = tn_strdup(name)};
    return t;
}

void brk_pgcat_table_column(brk_pgcat_table *t, const char *name, int32_t type_oid)
{
    t->cols = tn_realloc(t->cols, (t->ncols + 1) * sizeof *t->cols);
    t->cols[t->ncols++] = (brk_pgcat_column){.name = tn_strdup(name), .type_oid = type_oid};
}

void brk_pgcat_tables_free(brk_pgcat_tables *ts)
{
    for (uint32_t i = 0; i < ts->n; i++) {
        for (uint32_t k = 0; k < ts->t[i].ncols; k++)
            free(ts->t[i].cols[k].name);
        free(ts->t[i].cols);
        free(ts->t[i].name);
    }
    free(ts->t);
    *ts = (brk_pgcat_tables){0};
}

void brk_pgcat_tables_load(brk_catalog *cat, const brk_user *user, brk_pgcat_tables *out)
{
    *out = (brk_pgcat_tables){0};
    if (!cat)
        return;
    uint32_t n = 0;
    char **names = brk_catalog_table_names(cat, &n);
    for (uint32_t i = 0; i < n; i++) {
        char raw[256], err[TN_ERRLEN];
        brk_table_type type;
        brk_table_split(names[i], raw, sizeof raw, &type);
        /* a hybrid table's two halves are one relation */
        if (out->n && !strcmp(out->t[out->n - 1].name, raw))
            continue;
        /* what the user may not read does not exist for it, here too */
        if (user && !brk_user_can_read(user, raw))
            continue;
        brk_resolved rs;
        if (brk_catalog_resolve(cat, raw, &rs, err) != TN_OK)
            continue;
        brk_pgcat_table *t = brk_pgcat_table_add(out, raw);
        for (uint32_t k = 0; k < rs.schema->nfields; k++) {
            const seg_field *f = &rs.schema->fields[k];
            if (user && !brk_user_column_visible(user, raw, f->name))
                continue;
            char tname[64];
            snprintf(tname, sizeof tname, "%s%s", seg_type_name(f->type),
                     f->single_value ? "" : "_ARRAY");
            brk_pgcat_table_column(t, f->name, brk_pg_type_oid(tname));
        }
        brk_resolved_release(&rs);
    }
    brk_names_free(names, n);
}
