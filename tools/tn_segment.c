/*
 * tn_segment.c: `tannin segment`: operate a segment store by hand, in the
 * spirit of LMDB's mdb_stat/mdb_dump: load JSON lines into a sealed
 * segment, list, show, verify, delete, and apply retention.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg_immutable.h"
#include "seg_mutable.h"
#include "seg_store.h"
#include "tn_tools.h"

typedef struct seg_cli {
    const char *store, *schema, *data, *name, *table, *sorted, *time_col;
    const char *source;
    int64_t retention_ms;
    bool skip_bad;
} seg_cli;

static int usage(void)
{
    fprintf(stderr,
            "usage: tannin segment <command> --store DIR [options]\n"
            "  load    --schema S.json --data ROWS.jsonl --name NAME [--table T]\n"
            "          [--sorted-column C] [--time-column C] [--skip-bad]\n"
            "  list    [--table T]\n"
            "  show    NAME            metadata and per-column statistics\n"
            "  verify  NAME            check every column's checksum\n"
            "  delete  NAME\n"
            "  retain  --table T --retention-ms MS\n");
    return 2;
}

/* Reads JSON lines into a mutable segment: a bad line stops the load with
 * its line number, or with --skip-bad is counted and skipped. */
static int load_rows(const seg_cli *o, const seg_schema *s, seg_mutable *m, char *err)
{
    FILE *f = fopen(o->data, "r");
    if (!f)
        return tn_err(err, TN_EIO, "cannot open %s", o->data);
    seg_row row;
    seg_row_init(&row, s);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, bad = 0;
    int rc = TN_OK;
    char rerr[TN_ERRLEN];
    while (rc == TN_OK && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        if (seg_row_parse_json(&row, line, (size_t)len, rerr) != TN_OK) {
            if (!o->skip_bad)
                rc = tn_err(err, TN_EINVAL, "%s:%ld: %s", o->data, lineno, rerr);
            else if (++bad <= 5)
                fprintf(stderr, "skipped %s:%ld: %s\n", o->data, lineno, rerr);
            continue;
        }
        rc = seg_mutable_append(m, &row, lineno - 1, err);
    }
    if (bad)
        fprintf(stderr, "skipped %ld bad line(s) of %ld\n", bad, lineno);
    free(line);
    fclose(f);
    seg_row_free(&row);
    return rc;
}

static int cmd_load(const seg_cli *o, char *err)
{
    if (!o->schema || !o->data || !o->name)
        return usage();
    seg_schema *s;
    int rc = seg_schema_load_file(o->schema, &s, err);
    if (rc)
        return rc;
    seg_mutable *m = NULL;
    seg_mutable_opts mo = {.name = o->name, .table = o->table ? o->table : s->name,
                           .partition = -1, .start_offset = 0, .time_column = o->time_col};
    rc = seg_mutable_create(s, &mo, &m, err);
    if (!rc)
        rc = load_rows(o, s, m, err);
    seg_image *img = NULL;
    seg_store *st = NULL;
    uint64_t t0 = tn_mono_ns();
    if (!rc)
        rc = seg_seal(seg_mutable_base(m), seg_segment_ndocs(seg_mutable_base(m)),
                      &(seg_seal_opts){.sorted_column = o->sorted}, &img, err);
    if (!rc)
        rc = seg_store_open(o->store, NULL, &st, err);
    if (!rc)
        rc = seg_store_write(st, img, o->source, img->meta.end_offset, err);
    if (!rc)
        printf("segment %s: %u rows sealed and stored in %.1f ms\n", o->name,
               img->meta.ndocs, (tn_mono_ns() - t0) / 1e6);
    seg_image_free(img);
    seg_store_close(st);
    if (m)
        seg_segment_release(seg_mutable_base(m));
    seg_schema_free(s);
    return rc;
}

static int cmd_list(const seg_cli *o, char *err)
{
    seg_store *st;
    int rc = seg_store_open(o->store, NULL, &st, err);
    if (rc)
        return rc;
    seg_meta *list;
    uint32_t n;
    rc = seg_store_list(st, o->table, &list, &n, err);
    if (!rc) {
        printf("%-40s %-20s %10s %15s %15s\n", "segment", "table", "docs", "start time ms",
               "end time ms");
        for (uint32_t i = 0; i < n; i++)
            printf("%-40s %-20s %10u %15lld %15lld\n", list[i].name, list[i].table,
                   list[i].ndocs, (long long)list[i].min_time_ms,
                   (long long)list[i].max_time_ms);
        seg_store_list_free(list, n);
    }
    seg_store_close(st);
    return rc;
}

static void print_value(seg_type t, seg_value v)
{
    switch (seg_type_phys(t)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64: printf("%lld", (long long)v.i); break;
    case SEG_PHYS_F32:
    case SEG_PHYS_F64: printf("%g", v.d); break;
    case SEG_PHYS_STR: printf("'%.*s'", (int)TN_MIN(v.s.len, 40u), v.s.p); break;
    }
}

static void print_column(const seg_segment *seg, const seg_field *f)
{
    seg_col c;
    char err[TN_ERRLEN];
    if (seg_column_open(seg, seg->meta.ndocs, f, &c, err)) {
        printf("  %-28s %s\n", f->name, err);
        return;
    }
    const roaring_bitmap_t *nulls = c.ops->nulls(&c);
    uint64_t nn = nulls ? roaring_bitmap_get_cardinality(nulls) : 0;
    seg_bitmap_free(nulls);
    printf("  %-28s %-9s %-2s card %-8u %s%s%s%s nulls %-7llu min ", f->name,
           seg_type_name(f->type), f->single_value ? "SV" : "MV", c.cardinality,
           c.has_dict ? "dict " : "raw ", c.docs_sorted ? "sorted " : "",
           c.has_inverted && !c.docs_sorted ? "inverted " : "", c.has_range ? "range " : "",
           (unsigned long long)nn);
    print_value(f->type, c.min);
    printf(" max ");
    print_value(f->type, c.max);
    printf("\n");
}

static int with_segment(const seg_cli *o, int (*fn)(const seg_segment *, char *), char *err)
{
    if (!o->name)
        return usage();
    seg_store *st;
    int rc = seg_store_open(o->store, NULL, &st, err);
    if (rc)
        return rc;
    seg_segment *seg;
    rc = seg_store_load(st, o->name, &seg, err);
    if (!rc) {
        rc = fn(seg, err);
        seg_segment_release(seg);
    }
    seg_store_close(st);
    return rc;
}

static int show(const seg_segment *seg, char *err)
{
    (void)err;
    char *j = seg_meta_to_json(&seg->meta, seg->schema);
    printf("%s\n", j);
    free(j);
    printf("%zu bytes of column data, %u documents\n", seg_immutable_bytes(seg),
           seg->meta.ndocs);
    for (uint32_t i = 0; i < seg->schema->nfields; i++)
        print_column(seg, &seg->schema->fields[i]);
    return TN_OK;
}

static int verify(const seg_segment *seg, char *err)
{
    int rc = seg_immutable_verify(seg, err);
    if (!rc)
        printf("segment %s: %u columns verified\n", seg->meta.name, seg->schema->nfields);
    return rc;
}

static int cmd_delete(const seg_cli *o, char *err)
{
    if (!o->name)
        return usage();
    seg_store *st;
    int rc = seg_store_open(o->store, NULL, &st, err);
    if (!rc)
        rc = seg_store_delete(st, o->name, err);
    if (!rc)
        printf("segment %s deleted\n", o->name);
    seg_store_close(st);
    return rc;
}

static int cmd_retain(const seg_cli *o, char *err)
{
    if (!o->table || o->retention_ms <= 0)
        return usage();
    seg_store *st;
    uint32_t n = 0;
    int rc = seg_store_open(o->store, NULL, &st, err);
    if (!rc)
        rc = seg_store_apply_retention(st, o->table, tn_now_ms(), o->retention_ms, &n, err);
    if (!rc)
        printf("retention dropped %u segment(s) of %s\n", n, o->table);
    seg_store_close(st);
    return rc;
}

int tn_cmd_segment(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    seg_cli o = {0};
    static const struct option opts[] = {
        {"store", required_argument, 0, 'S'}, {"schema", required_argument, 0, 's'},
        {"data", required_argument, 0, 'd'}, {"name", required_argument, 0, 'n'},
        {"table", required_argument, 0, 't'}, {"sorted-column", required_argument, 0, 'o'},
        {"time-column", required_argument, 0, 'T'}, {"source", required_argument, 0, 'p'},
        {"retention-ms", required_argument, 0, 'r'}, {"skip-bad", no_argument, 0, 'k'},
        {0, 0, 0, 0}};
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'S': o.store = optarg; break;
        case 's': o.schema = optarg; break;
        case 'd': o.data = optarg; break;
        case 'n': o.name = optarg; break;
        case 't': o.table = optarg; break;
        case 'o': o.sorted = optarg; break;
        case 'T': o.time_col = optarg; break;
        case 'p': o.source = optarg; break;
        case 'r': o.retention_ms = atoll(optarg); break;
        case 'k': o.skip_bad = true; break;
        default: return usage();
        }
    }
    if (optind < argc && !o.name)
        o.name = argv[optind];
    if (!o.store)
        return usage();
    char err[TN_ERRLEN] = "";
    int rc;
    if (!strcmp(cmd, "load"))
        rc = cmd_load(&o, err);
    else if (!strcmp(cmd, "list"))
        rc = cmd_list(&o, err);
    else if (!strcmp(cmd, "show"))
        rc = with_segment(&o, show, err);
    else if (!strcmp(cmd, "verify"))
        rc = with_segment(&o, verify, err);
    else if (!strcmp(cmd, "delete"))
        rc = cmd_delete(&o, err);
    else if (!strcmp(cmd, "retain"))
        rc = cmd_retain(&o, err);
    else
        return usage();
    if (rc == 2 && !err[0])
        return 2;
    if (rc)
        fprintf(stderr, "tannin segment %s: %s\n", cmd, err);
    return rc ? 1 : 0;
}
