/*
 * tn_sql.c: `tannin sql`: the query engine in local mode. Loads JSON lines
 * into segments (by default half sealed, half still mutable, so both kinds
 * answer every query), runs SQL over them and prints a table, or Pinot's
 * broker response JSON with --json. --queries runs a JSON-lines file of
 * {"sql": ...} records and prints one response per line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "qry_eval.h"
#include "qry_reduce.h"
#include "seg_immutable.h"
#include "seg_mutable.h"
#include "tn_tools.h"

typedef struct sql_opts {
    const char *schema, *data, *queries, *layout, *options, *table;
    bool json, pg;
    uint32_t segments;
    uint32_t threads;
} sql_opts;

typedef struct sql_db {
    seg_schema *schema;
    seg_segment **segs;
    uint32_t nsegs;
} sql_db;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin sql --schema S.json --data ROWS.jsonl [--json] [--pg]\n"
            "                  [--layout mixed|sealed|mutable] [--segments N] [--threads N]\n"
            "                  [--options 'timeoutMs=1000;enableNullHandling=true']\n"
            "                  (\"SELECT ...\" | --queries FILE.jsonl)\n");
    return 2;
}

/* Appends the rows of one JSON-lines file into `parts` mutable segments
 * round-robin by blocks, so every segment holds a slice of the data. */
static int load_rows(const sql_opts *o, const seg_schema *schema, seg_mutable **parts,
                     uint32_t nparts, char *err)
{
    FILE *f = fopen(o->data, "r");
    if (!f)
        return tn_err(err, TN_EIO, "cannot open %s", o->data);
    seg_row row;
    seg_row_init(&row, schema);
    char *line = NULL, rerr[TN_ERRLEN];
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, total = 0;
    int rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (!len)
            continue;
        if (seg_row_parse_json(&row, line, (size_t)len, rerr))
            rc = tn_err(err, TN_EINVAL, "%s:%ld: %s", o->data, lineno, rerr);
        else
            rc = seg_mutable_append(parts[(total++ / 1000) % nparts], &row, lineno - 1, err);
    }
    free(line);
    fclose(f);
    seg_row_free(&row);
    return rc;
}

static int open_db(const sql_opts *o, sql_db *db, char *err)
{
    int rc = seg_schema_load_file(o->schema, &db->schema, err);
    if (rc)
        return rc;
    uint32_t n = o->segments ? o->segments : 2;
    seg_mutable **parts = tn_calloc(n, sizeof *parts);
    for (uint32_t i = 0; i < n && !rc; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s__0__%u__local", db->schema->name, i);
        seg_mutable_opts mo = {.name = name, .table = db->schema->name, .partition = 0,
                               .start_offset = -1};
        rc = seg_mutable_create(db->schema, &mo, &parts[i], err);
    }
    if (!rc)
        rc = load_rows(o, db->schema, parts, n, err);
    db->segs = tn_calloc(n, sizeof *db->segs);
    for (uint32_t i = 0; i < n; i++) {
        if (!parts[i])
            continue;
        seg_segment *m = seg_mutable_base(parts[i]);
        bool seal = !strcmp(o->layout, "sealed") || (!strcmp(o->layout, "mixed") && i % 2 == 0);
        seg_image *img;
        if (!rc && seal && (rc = seg_seal(m, seg_segment_ndocs(m), NULL, &img, err)) == 0 &&
            (rc = seg_image_open(img, &db->segs[db->nsegs], err)) == 0) {
            db->nsegs++;
            seg_segment_release(m);
        } else if (!rc && !seal) {
            db->segs[db->nsegs++] = m;
        } else {
            seg_segment_release(m);
        }
    }
    free(parts);
    return rc;
}

static void close_db(sql_db *db)
{
    for (uint32_t i = 0; i < db->nsegs; i++)
        seg_segment_release(db->segs[i]);
    free(db->segs);
    seg_schema_free(db->schema);
}

static void print_cell(const qry_val *v)
{
    char buf[48];
    switch (v->kind) {
    case QV_NULL: printf("null"); break;
    case QV_LONG: printf("%lld", (long long)v->i); break;
    case QV_DOUBLE: qry_format_double(v->d, buf, sizeof buf); printf("%s", buf); break;
    case QV_STRING: printf("%.*s", (int)v->len, v->s); break;
    case QV_ARRAY:
        printf("[");
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                printf(",");
            print_cell(&v->arr[i]);
        }
        printf("]");
        break;
    }
}

static void print_table(const qry_result *r, int64_t ms)
{
    for (uint32_t c = 0; c < r->ncols; c++)
        printf("%s%s", c ? " | " : "", r->names[c]);
    printf("\n");
    for (uint32_t i = 0; i < r->nrows; i++) {
        for (uint32_t c = 0; c < r->ncols; c++) {
            if (c)
                printf(" | ");
            print_cell(&r->cells[(size_t)i * r->ncols + c]);
        }
        printf("\n");
    }
    printf("(%u row%s, %llu docs scanned of %llu, %lld ms)\n", r->nrows, r->nrows == 1 ? "" : "s",
           (unsigned long long)r->stats.docs_scanned, (unsigned long long)r->stats.total_docs,
           (long long)ms);
}

/* Runs one query; prints it; returns 0 when it succeeded. */
static int run_query(const sql_opts *o, const sql_db *db, const char *sql)
{
    uint64_t t0 = tn_mono_ns();
    qry_err err = {0};
    qry_query *q = NULL;
    qry_partial merged;
    qry_result res;
    bool have_res = false;
    int rc = qry_compile(sql, o->pg ? QRY_PGWIRE : QRY_HTTP, o->options, db->schema, &q, &err);
    if (!rc && o->table && strcasecmp(q->table, o->table) != 0)
        rc = qry_fail(&err, QRY_ERR_TABLE, -1, "TableDoesNotExistError: %s", q->table);
    qry_exec_opts xo = {.threads = o->threads};
    if (!rc)
        rc = qry_execute(q, db->segs, db->nsegs, &xo, &merged, &err);
    if (!rc) {
        rc = qry_reduce(q, &merged, &res, &err);
        have_res = rc == 0;
        qry_partial_free(q, &merged);
    } else if (q) {
        qry_partial_free(q, &merged);
    }
    int64_t ms = (int64_t)((tn_mono_ns() - t0) / 1000000);
    if (o->json || o->queries) {
        qry_response_info info = {.time_used_ms = ms, .servers_queried = 1,
                                  .servers_responded = 1};
        char *js = qry_response_json(have_res ? &res : NULL, &err, rc ? 1 : 0, &info);
        printf("%s\n", js);
        free(js);
    } else if (rc) {
        fprintf(stderr, "error %d: %s\n", err.code, err.msg);
    } else {
        print_table(&res, ms);
    }
    if (have_res)
        qry_result_free(&res);
    qry_query_free(q);
    return rc;
}

static int run_file(const sql_opts *o, const sql_db *db)
{
    FILE *f = fopen(o->queries, "r");
    if (!f) {
        fprintf(stderr, "tannin sql: cannot open %s\n", o->queries);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        cJSON *rec = cJSON_Parse(line);
        const cJSON *sql = cJSON_GetObjectItemCaseSensitive(rec, "sql");
        if (cJSON_IsString(sql))
            run_query(o, db, sql->valuestring);
        else
            printf("{\"exceptions\":[{\"errorCode\":100,\"message\":\"no sql in record\"}]}\n");
        cJSON_Delete(rec);
        fflush(stdout);
    }
    free(line);
    fclose(f);
    return 0;
}

int tn_cmd_sql(int argc, char **argv)
{
    sql_opts o = {.layout = "mixed"};
    static const struct option opts[] = {
        {"schema", required_argument, 0, 's'}, {"data", required_argument, 0, 'd'},
        {"queries", required_argument, 0, 'q'}, {"layout", required_argument, 0, 'l'},
        {"segments", required_argument, 0, 'n'}, {"threads", required_argument, 0, 't'},
        {"options", required_argument, 0, 'o'}, {"table", required_argument, 0, 'T'},
        {"json", no_argument, 0, 'j'}, {"pg", no_argument, 0, 'p'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': o.schema = optarg; break;
        case 'd': o.data = optarg; break;
        case 'q': o.queries = optarg; break;
        case 'l': o.layout = optarg; break;
        case 'n': o.segments = (uint32_t)atoi(optarg); break;
        case 't': o.threads = (uint32_t)atoi(optarg); break;
        case 'o': o.options = optarg; break;
        case 'T': o.table = optarg; break;
        case 'j': o.json = true; break;
        case 'p': o.pg = true; break;
        default: return usage();
        }
    }
    const char *sql = optind < argc ? argv[optind] : NULL;
    if (!o.schema || !o.data || (!sql && !o.queries) ||
        (strcmp(o.layout, "mixed") && strcmp(o.layout, "sealed") && strcmp(o.layout, "mutable")))
        return usage();
    sql_db db = {0};
    char err[TN_ERRLEN];
    if (open_db(&o, &db, err)) {
        fprintf(stderr, "tannin sql: %s\n", err);
        close_db(&db);
        return 1;
    }
    int rc = o.queries ? run_file(&o, &db) : run_query(&o, &db, sql);
    close_db(&db);
    return rc ? 1 : 0;
}
