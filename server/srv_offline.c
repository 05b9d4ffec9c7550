/*
 * srv_offline.c: uploaded JSON or CSV into stored OFFLINE segments (see
 * srv_offline.h).
 */
#include "srv_offline.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seg_mutable.h"
#include "srv_transform.h"

typedef struct batch_cfg {
    bool csv;
    char delim, mv_delim;
    char *header;             /* recordReader.prop.header, or NULL */
} batch_cfg;

typedef struct off_ctx {
    srv_table *t;
    seg_store *st;
    const srv_table_config *cfg;
    const seg_schema *schema;
    srv_rowproc *proc;
    seg_row row;
    srv_arena arena;
    seg_mutable *m;
    char **names;             /* segments made */
    uint32_t nnames;
    uint64_t rows, skipped, filtered;
    long first_bad_line;
    char first_bad[TN_ERRLEN];
} off_ctx;

/* ---- batch config --------------------------------------------------- */

static int one_char(const cJSON *j, const char *key, char def, char *out, char *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    *out = def;
    if (!v)
        return TN_OK;
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    if (s && (!strcmp(s, "\\t") || !strcasecmp(s, "tab")))
        s = "\t";
    if (!s || strlen(s) != 1)
        return tn_err(err, TN_EINVAL, "batchConfigMapStr: '%s' must be one character", key);
    *out = s[0];
    return TN_OK;
}

static int parse_batch(const char *json, batch_cfg *b, char *err)
{
    memset(b, 0, sizeof *b);
    b->delim = ',';
    b->mv_delim = ';';
    if (!json || !*json)
        return TN_OK;
    cJSON *j = cJSON_Parse(json);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return tn_err(err, TN_EINVAL, "batchConfigMapStr is not a JSON object");
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "inputFormat");
    int rc = TN_OK;
    if (fmt && (!cJSON_IsString(fmt) || (strcasecmp(fmt->valuestring, "json") &&
                                         strcasecmp(fmt->valuestring, "csv"))))
        rc = tn_err(err, TN_EINVAL,
                    "batchConfigMapStr: 'inputFormat' must be json or csv");
    else if (fmt)
        b->csv = !strcasecmp(fmt->valuestring, "csv");
    if (!rc)
        rc = one_char(j, "recordReader.prop.delimiter", ',', &b->delim, err);
    if (!rc)
        rc = one_char(j, "recordReader.prop.multiValueDelimiter", ';', &b->mv_delim, err);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "recordReader.prop.header");
    if (!rc && cJSON_IsString(h) && *h->valuestring)
        b->header = tn_strdup(h->valuestring);
    cJSON_Delete(j);
    return rc;
}

/* ---- segments ------------------------------------------------------- */

static int start_segment(off_ctx *x, char *err)
{
    char name[300];
    snprintf(name, sizeof name, "%s_upload", x->cfg->name);
    seg_mutable_opts o = {
        .name = name, .table = x->cfg->name_with_type, .partition = -1, .start_offset = -1,
        .time_column = x->cfg->time_column,
        .no_dict_columns = (const char *const *)x->cfg->no_dict.v, .n_no_dict = x->cfg->no_dict.n,
        .inverted_columns = (const char *const *)x->cfg->inverted.v,
        .n_inverted = x->cfg->inverted.n, .inverted_set = x->cfg->inverted_set};
    return seg_mutable_create(x->schema, &o, &x->m, err);
}

/* A time in ms back in the time column's own unit, for the name. */
static int64_t time_in_unit(const off_ctx *x, int64_t ms)
{
    int f = seg_schema_find(x->schema, x->cfg->time_column);
    int64_t unit = f >= 0 ? x->schema->fields[f].time.unit_ms : 0;
    return unit > 0 ? ms / unit : ms;
}

static void segment_name(off_ctx *x, const seg_meta *m, char *buf, size_t cap)
{
    uint32_t seq = x->t->next_offline_seq++;
    if (x->cfg->time_column && m->ndocs && m->min_time_ms != INT64_MAX &&
        m->max_time_ms != INT64_MIN)
        snprintf(buf, cap, "%s_%lld_%lld_%u", x->cfg->name,
                 (long long)time_in_unit(x, m->min_time_ms),
                 (long long)time_in_unit(x, m->max_time_ms), seq);
    else
        snprintf(buf, cap, "%s_%u", x->cfg->name, seq);
}

/* Seals the segment being built, stores it and adds it to the table. */
static int finish_segment(off_ctx *x, char *err)
{
    seg_segment *base = seg_mutable_base(x->m);
    seg_meta meta;
    seg_segment_meta(base, &meta);
    char name[400];
    segment_name(x, &meta, name, sizeof name);
    seg_seal_opts o = {
        .name = name, .sorted_column = x->cfg->sorted_column,
        .inverted_columns = (const char *const *)x->cfg->inverted.v,
        .n_inverted = x->cfg->inverted.n, .inverted_set = x->cfg->inverted_set,
        .range_columns = (const char *const *)x->cfg->range.v, .n_range = x->cfg->range.n};
    seg_image *img = NULL;
    int rc = seg_seal(base, meta.ndocs, &o, &img, err);
    if (!rc)
        rc = seg_store_write(x->st, img, NULL, 0, err);
    seg_image_free(img);
    seg_segment *loaded;
    if (!rc && !(rc = seg_store_load(x->st, name, &loaded, err))) {
        srv_table_add_segment(x->t, loaded);
        x->names = tn_realloc(x->names, (x->nnames + 1) * sizeof *x->names);
        x->names[x->nnames++] = tn_strdup(name);
    }
    seg_meta_free(&meta);
    seg_segment_release(base);
    x->m = NULL;
    return rc;
}

/* ---- rows ----------------------------------------------------------- */

static void bad_row(off_ctx *x, long line, const char *why)
{
    x->skipped++;
    atomic_fetch_add(&x->t->invalid_rows, 1);
    if (!x->first_bad_line) {
        x->first_bad_line = line;
        snprintf(x->first_bad, sizeof x->first_bad, "%s", why);
    }
}

/* Completes the decoded row and appends it. Only store failures are
 * returned: a bad row is counted and skipped. */
static int add_row(off_ctx *x, const srv_record *rec, long line, char *err)
{
    char why[TN_ERRLEN];
    bool drop = false;
    int rc = srv_rowproc_apply(x->proc, &x->row, rec, &drop, why);
    if (!rc && !drop && !x->m && (rc = start_segment(x, err)))
        return rc;
    if (!rc && !drop)
        rc = seg_mutable_append(x->m, &x->row, -1, why);
    srv_rowproc_done(x->proc);
    srv_arena_reset(&x->arena);
    if (rc) {
        bad_row(x, line, why);
        return TN_OK;
    }
    if (drop) {
        x->filtered++;
        return TN_OK;
    }
    if (++x->rows % SRV_OFFLINE_SEGMENT_ROWS == 0)
        return finish_segment(x, err);
    return TN_OK;
}

static int json_line(off_ctx *x, const char *p, size_t n, long line, char *err)
{
    char why[TN_ERRLEN];
    if (seg_row_parse_json(&x->row, p, n, why)) {
        bad_row(x, line, why);
        return TN_OK;
    }
    srv_record rec = {.row = &x->row, .json = x->row.json};
    return add_row(x, &rec, line, err);
}

static int ingest_json_lines(off_ctx *x, const char *data, size_t len, char *err)
{
    const char *p = data, *end = data + len;
    long line = 0;
    int rc = TN_OK;
    while (p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        line++;
        size_t n = (size_t)(e - p);
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        size_t lead = 0;
        while (lead < n && (p[lead] == ' ' || p[lead] == '\t'))
            lead++;
        if (n > lead)
            rc = json_line(x, p + lead, n - lead, line, err);
        p = nl ? nl + 1 : end;
    }
    return rc;
}

/* A file holding one JSON array of objects. */
static int ingest_json_array(off_ctx *x, const char *data, size_t len, char *err)
{
    cJSON *arr = cJSON_ParseWithLength(data, len);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        bad_row(x, 1, "malformed JSON array");
        return TN_OK;
    }
    long i = 0;
    int rc = TN_OK;
    for (const cJSON *e = arr->child; e && !rc; e = e->next) {
        char *text = cJSON_PrintUnformatted(e);
        rc = json_line(x, text, strlen(text), ++i, err);
        cJSON_free(text);
    }
    cJSON_Delete(arr);
    return rc;
}

/* ---- CSV ------------------------------------------------------------ */

typedef struct csv_rec {
    tn_buf bytes;             /* unquoted field bytes, each NUL-terminated */
    uint32_t *offs;
    uint32_t n, cap;
} csv_rec;

/* Reads one record (RFC 4180: quoted fields may hold the delimiter, quotes
 * as "" and newlines) from *pp; returns false at the end of the data. */
static bool csv_next(const char **pp, const char *end, char delim, csv_rec *r, long *line)
{
    const char *p = *pp;
    if (p >= end)
        return false;
    tn_buf_reset(&r->bytes);
    r->n = 0;
    bool quoted = false, field_start = true;
    (*line)++;
    for (;; p++) {
        if (field_start) {
            if (r->n == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 32;
                r->offs = tn_realloc(r->offs, r->cap * sizeof *r->offs);
            }
            r->offs[r->n++] = (uint32_t)r->bytes.len;
            field_start = false;
            if (p < end && *p == '"') {
                quoted = true;
                continue;
            }
        }
        if (p >= end || (!quoted && (*p == '\n' || *p == delim))) {
            tn_buf_append(&r->bytes, "", 1);
            if (p < end && *p == delim) {
                field_start = true;
                continue;
            }
            break;
        }
        if (quoted && *p == '"') {
            if (p + 1 < end && p[1] == '"')
                p++;
            else {
                quoted = false;
                continue;
            }
        } else if (quoted && *p == '\n') {
            (*line)++;
        }
        if (!(!quoted && *p == '\r' && (p + 1 >= end || p[1] == '\n')))
            tn_buf_append(&r->bytes, p, 1);
    }
    *pp = p < end ? p + 1 : end;
    return true;
}

static const char *csv_field(const csv_rec *r, uint32_t i)
{
    return (const char *)r->bytes.data + r->offs[i];
}

/* Sets the cells of one CSV record; multi-value cells are split. */
static int csv_cells(off_ctx *x, const csv_rec *r, const int *fields, uint32_t ncols,
                     char mv_delim, char *why)
{
    for (uint32_t i = 0; i < ncols && i < r->n; i++) {
        const char *v = csv_field(r, i);
        if (fields[i] < 0 || !*v)
            continue; /* an empty cell is a null */
        const seg_field *f = &x->schema->fields[fields[i]];
        if (f->single_value) {
            srv_val sv = {.kind = SV_STRING, .s = v, .len = (uint32_t)strlen(v)};
            int rc = srv_set_cell(&x->row, (uint32_t)fields[i], &sv, &x->arena, why);
            if (rc)
                return rc;
            continue;
        }
        uint32_t cap = 1;
        for (const char *q = v; *q; q++)
            cap += *q == mv_delim;
        seg_value *vals = srv_arena_alloc(&x->arena, cap * sizeof *vals);
        uint32_t k = 0;
        for (const char *s = v;;) {
            const char *e = strchr(s, mv_delim);
            size_t n = e ? (size_t)(e - s) : strlen(s);
            srv_val sv = {.kind = SV_STRING, .s = s, .len = (uint32_t)n};
            int rc = n ? srv_val_to_value(f, &sv, &x->arena, &vals[k++], why) : TN_OK;
            if (rc)
                return rc;
            if (!e)
                break;
            s = e + 1;
        }
        seg_row_set_mv(&x->row, (uint32_t)fields[i], vals, k);
    }
    return TN_OK;
}

static int csv_header(const batch_cfg *b, const char **p, const char *end, csv_rec *hdr,
                      long *line, char *err)
{
    if (b->header) {
        const char *h = b->header;
        long ignored = 0;
        csv_next(&h, h + strlen(h), b->delim, hdr, &ignored);
        return TN_OK;
    }
    if (!csv_next(p, end, b->delim, hdr, line))
        return tn_err(err, TN_EINVAL, "the CSV input is empty (no header line)");
    return TN_OK;
}

static int ingest_csv(off_ctx *x, const batch_cfg *b, const char *data, size_t len, char *err)
{
    const char *p = data, *end = data + len;
    long line = 0;
    csv_rec hdr = {0}, rec = {0};
    int rc = csv_header(b, &p, end, &hdr, &line, err);
    int *fields = tn_calloc(hdr.n + 1, sizeof *fields);
    const char **names = tn_calloc(hdr.n + 1, sizeof *names);
    for (uint32_t i = 0; i < hdr.n && !rc; i++) {
        names[i] = csv_field(&hdr, i);
        fields[i] = seg_schema_find(x->schema, names[i]);
    }
    const char **vals = tn_calloc(hdr.n + 1, sizeof *vals);
    uint32_t *lens = tn_calloc(hdr.n + 1, sizeof *lens);
    while (!rc && csv_next(&p, end, b->delim, &rec, &line)) {
        if (rec.n == 1 && !*csv_field(&rec, 0))
            continue; /* a blank line */
        char why[TN_ERRLEN];
        seg_row_reset(&x->row);
        if (rec.n != hdr.n) {
            snprintf(why, sizeof why, "%u fields, the header has %u", rec.n, hdr.n);
            bad_row(x, line, why);
            continue;
        }
        for (uint32_t i = 0; i < hdr.n; i++) {
            vals[i] = csv_field(&rec, i);
            lens[i] = (uint32_t)strlen(vals[i]);
        }
        srv_record r = {.row = &x->row, .names = names, .values = vals, .lens = lens,
                        .nfields = hdr.n};
        if (csv_cells(x, &rec, fields, hdr.n, b->mv_delim, why)) {
            srv_arena_reset(&x->arena);
            bad_row(x, line, why);
        } else {
            rc = add_row(x, &r, line, err);
        }
    }
    free(fields);
    free(names);
    free(vals);
    free(lens);
    tn_buf_free(&hdr.bytes);
    free(hdr.offs);
    tn_buf_free(&rec.bytes);
    free(rec.offs);
    return rc;
}

/* ---- the whole upload ----------------------------------------------- */

static char *result_json(const off_ctx *x)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *segs = cJSON_AddArrayToObject(o, "segments");
    for (uint32_t i = 0; i < x->nnames; i++)
        cJSON_AddItemToArray(segs, cJSON_CreateString(x->names[i]));
    cJSON_AddNumberToObject(o, "rows", (double)x->rows);
    cJSON_AddNumberToObject(o, "skipped", (double)x->skipped);
    cJSON_AddNumberToObject(o, "filtered", (double)x->filtered);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    char *out = tn_strdup(s);
    cJSON_free(s);
    return out;
}

static int ingest_all(off_ctx *x, const batch_cfg *b, const char *data, size_t len, char *err)
{
    size_t lead = 0;
    while (lead < len && (data[lead] == ' ' || data[lead] == '\n' || data[lead] == '\r' ||
                          data[lead] == '\t'))
        lead++;
    int rc = b->csv ? ingest_csv(x, b, data, len, err)
             : lead < len && data[lead] == '[' ? ingest_json_array(x, data, len, err)
                                               : ingest_json_lines(x, data, len, err);
    if (!rc && x->m && seg_segment_ndocs(seg_mutable_base(x->m)))
        rc = finish_segment(x, err);
    if (rc)
        return rc;
    if (!x->rows && x->first_bad_line)
        return tn_err(err, TN_EINVAL, "no row could be ingested: line %ld: %s",
                      x->first_bad_line, x->first_bad);
    if (!x->rows && !x->filtered)
        return tn_err(err, TN_EINVAL, "the input holds no rows");
    return TN_OK;
}

int srv_offline_ingest(srv_table *t, seg_store *st, const char *batch_config_json,
                       const char *data, size_t len, char **result, char *err)
{
    batch_cfg b;
    *result = NULL;
    int rc = parse_batch(batch_config_json, &b, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&t->ingest_lock); /* put_table swaps cfg under it */
    off_ctx x = {.t = t, .st = st, .cfg = t->cfg, .schema = t->schema->schema};
    rc = srv_rowproc_create(x.cfg, x.schema, &x.proc, err);
    if (!rc) {
        seg_row_init(&x.row, x.schema);
        rc = ingest_all(&x, &b, data ? data : "", data ? len : 0, err);
        seg_row_free(&x.row);
        srv_rowproc_free(x.proc);
    }
    if (x.m)
        seg_segment_release(seg_mutable_base(x.m));
    if (!rc)
        *result = result_json(&x);
    pthread_mutex_unlock(&t->ingest_lock);
    for (uint32_t i = 0; i < x.nnames; i++)
        free(x.names[i]);
    free(x.names);
    srv_arena_free(&x.arena);
    free(b.header);
    return rc;
}
