/*
 * seg_segment.c: what all segment kinds share: reference counting, the
 * metadata, opening a column by the table's field spec (with the default
 * column for fields the segment predates), and the helpers on top of the
 * column interface.
 */
#include "seg_segment.h"
#include "seg_immutable_int.h"
#include "seg_mutable_int.h"
#include "seg_seal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* ---- metadata ------------------------------------------------------------------ */

static char *dup_or_null(const char *s) { return s ? tn_strdup(s) : NULL; }

void seg_meta_copy(seg_meta *dst, const seg_meta *src)
{
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dst->table = dup_or_null(src->table);
    dst->time_column = dup_or_null(src->time_column);
    dst->sorted_column = dup_or_null(src->sorted_column);
}

void seg_meta_free(seg_meta *m)
{
    free(m->name);
    free(m->table);
    free(m->time_column);
    free(m->sorted_column);
    memset(m, 0, sizeof *m);
}

char *seg_meta_to_json(const seg_meta *m, const seg_schema *schema)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "segmentName", m->name);
    cJSON_AddStringToObject(o, "tableName", m->table);
    cJSON_AddNumberToObject(o, "totalDocs", m->ndocs);
    cJSON_AddNumberToObject(o, "partition", m->partition);
    /* int64 values as strings: JSON numbers are doubles in most readers */
    char buf[32];
    struct { const char *k; int64_t v; } nums[] = {
        {"startOffset", m->start_offset}, {"endOffset", m->end_offset},
        {"startTimeMs", m->min_time_ms}, {"endTimeMs", m->max_time_ms},
        {"creationTimeMs", m->created_ms}};
    for (size_t i = 0; i < TN_ARRAY_LEN(nums); i++) {
        snprintf(buf, sizeof buf, "%lld", (long long)nums[i].v);
        cJSON_AddStringToObject(o, nums[i].k, buf);
    }
    if (m->time_column)
        cJSON_AddStringToObject(o, "timeColumn", m->time_column);
    if (m->sorted_column)
        cJSON_AddStringToObject(o, "sortedColumn", m->sorted_column);
    char *sj = seg_schema_to_json(schema);
    cJSON_AddItemToObject(o, "schema", cJSON_Parse(sj));
    free(sj);
    char *out = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return out;
}

static int meta_int(const cJSON *o, const char *k, int64_t *v, char *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(it)) {
        char *end;
        *v = strtoll(it->valuestring, &end, 10);
        if (*end == '\0' && end != it->valuestring)
            return TN_OK;
    } else if (cJSON_IsNumber(it)) {
        *v = (int64_t)it->valuedouble;
        return TN_OK;
    }
    return tn_err(err, TN_ECORRUPT, "segment metadata: '%s' missing or not an integer", k);
}

static char *meta_str(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(it) ? tn_strdup(it->valuestring) : NULL;
}

int seg_meta_from_json(const char *json, size_t len, seg_meta *m,
                       seg_schema **schema, char *err)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return tn_err(err, TN_ECORRUPT, "segment metadata is not a JSON object");
    }
    memset(m, 0, sizeof *m);
    int64_t ndocs = 0, part = 0;
    int rc = meta_int(o, "totalDocs", &ndocs, err);
    if (!rc) rc = meta_int(o, "partition", &part, err);
    if (!rc) rc = meta_int(o, "startOffset", &m->start_offset, err);
    if (!rc) rc = meta_int(o, "endOffset", &m->end_offset, err);
    if (!rc) rc = meta_int(o, "startTimeMs", &m->min_time_ms, err);
    if (!rc) rc = meta_int(o, "endTimeMs", &m->max_time_ms, err);
    if (!rc) rc = meta_int(o, "creationTimeMs", &m->created_ms, err);
    m->name = meta_str(o, "segmentName");
    m->table = meta_str(o, "tableName");
    m->time_column = meta_str(o, "timeColumn");
    m->sorted_column = meta_str(o, "sortedColumn");
    if (!rc && (!m->name || !m->table || ndocs < 0 || ndocs > UINT32_MAX))
        rc = tn_err(err, TN_ECORRUPT, "segment metadata: bad name, table or totalDocs");
    m->ndocs = (uint32_t)ndocs;
    m->partition = (int32_t)part;
    if (!rc) {
        char *sj = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "schema"));
        rc = sj ? seg_schema_parse(sj, strlen(sj), schema, err)
                : tn_err(err, TN_ECORRUPT, "segment metadata: no schema");
        free(sj);
    }
    cJSON_Delete(o);
    if (rc)
        seg_meta_free(m);
    return rc;
}

/* ---- lifetime --------------------------------------------------------------------- */

seg_segment *seg_segment_acquire(seg_segment *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void seg_segment_release(seg_segment *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (s->kind == SEG_KIND_MUTABLE)
        mut_free((seg_mutable *)s);
    else
        imm_free((seg_immutable *)s);
}

uint32_t seg_segment_ndocs(const seg_segment *s)
{
    if (s->kind == SEG_KIND_MUTABLE)
        return mut_ndocs((const seg_mutable *)s);
    return s->meta.ndocs;
}

void seg_segment_meta(const seg_segment *s, seg_meta *out)
{
    if (s->kind == SEG_KIND_MUTABLE)
        mut_meta((const seg_mutable *)s, out);
    else
        seg_meta_copy(out, &s->meta);
}

/* ---- the default column: every document holds the field's default ----------- */

static void dc_dict_get(const seg_col *c, uint32_t id, seg_value *out)
{
    (void)id;
    *out = c->def;
}

static int64_t dc_dict_find(const seg_col *c, seg_value v)
{
    return seg_value_cmp(c->type, v, c->def) == 0 ? 0 : -1;
}

static void dc_read_ids(const seg_col *c, uint32_t doc, uint32_t n, uint32_t *ids)
{
    (void)c;
    (void)doc;
    memset(ids, 0, (size_t)n * 4);
}

static void dc_read_ids_at(const seg_col *c, const uint32_t *docs, uint32_t n,
                           uint32_t *ids)
{
    (void)c;
    (void)docs;
    memset(ids, 0, (size_t)n * 4);
}

static uint32_t dc_read_mv(const seg_col *c, uint32_t doc, uint32_t *ids, uint32_t cap)
{
    (void)c;
    (void)doc;
    if (cap)
        ids[0] = 0;
    return 1;
}

static const roaring_bitmap_t *dc_all(const seg_col *c)
{
    return c->ndocs ? seg_bitmap_range(0, c->ndocs) : NULL;
}

static const roaring_bitmap_t *dc_bitmap(const seg_col *c, uint32_t id)
{
    return id == 0 ? dc_all(c) : NULL;
}

static void dc_doc_range(const seg_col *c, uint32_t id, uint32_t *start, uint32_t *end)
{
    *start = 0;
    *end = id == 0 ? c->ndocs : 0;
}

static const seg_col_ops default_col_ops = {
    .dict_get = dc_dict_get,
    .dict_find = dc_dict_find,
    .read_ids = dc_read_ids,
    .read_ids_at = dc_read_ids_at,
    .read_mv = dc_read_mv,
    .bitmap = dc_bitmap,
    .nulls = dc_all,
    .doc_range = dc_doc_range,
};

static void default_column(const seg_field *f, uint32_t ndocs, seg_col *out)
{
    memset(out, 0, sizeof *out);
    out->ops = &default_col_ops;
    out->field = f;
    out->type = f->type;
    out->ndocs = ndocs;
    out->cardinality = ndocs ? 1 : 0;
    out->has_dict = out->dict_sorted = out->docs_sorted = out->has_inverted = true;
    out->single_value = f->single_value;
    out->is_default = true;
    out->max_mv = 1;
    out->def = out->min = out->max = f->default_null;
}

int seg_column_open(const seg_segment *s, uint32_t ndocs, const seg_field *f,
                    seg_col *out, char *err)
{
    int idx = seg_schema_find(s->schema, f->name);
    if (idx < 0) {
        default_column(f, ndocs, out);
        return TN_OK;
    }
    const seg_field *own = &s->schema->fields[idx];
    if (own->type != f->type || own->single_value != f->single_value)
        return tn_err(err, TN_EINVAL,
                      "segment %s stores column '%s' as %s %s, the schema asks for %s %s",
                      s->meta.name, f->name, seg_type_name(own->type),
                      own->single_value ? "single-value" : "multi-value",
                      seg_type_name(f->type),
                      f->single_value ? "single-value" : "multi-value");
    if (s->kind == SEG_KIND_MUTABLE) {
        mut_column_open((const seg_mutable *)s, (uint32_t)idx, ndocs, out);
        return TN_OK;
    }
    const imm_col *c = &((const seg_immutable *)s)->cols[idx];
    if (!c->h)
        default_column(f, ndocs, out);
    else
        imm_column_open(c, ndocs, out);
    return TN_OK;
}

/* ---- helpers over the interface ------------------------------------------------ */

roaring_bitmap_t *seg_bitmap_range(uint32_t start, uint32_t end)
{
    if (start >= end)
        return roaring_bitmap_create();
    return roaring_bitmap_from_range(start, end, 1);
}

/* First id whose value is >= v (or > v when strict). */
static uint32_t lower_bound(const seg_col *c, const seg_value *v, bool strict)
{
    uint32_t lo = 0, hi = c->cardinality;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        seg_value m;
        c->ops->dict_get(c, mid, &m);
        int cmp = seg_value_cmp(c->type, m, *v);
        if (cmp < 0 || (strict && cmp == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool seg_col_id_range(const seg_col *c, const seg_value *lo, bool lo_incl,
                      const seg_value *hi, bool hi_incl, uint32_t *first,
                      uint32_t *last)
{
    if (!c->has_dict || !c->dict_sorted || c->cardinality == 0)
        return false;
    uint32_t a = lo ? lower_bound(c, lo, !lo_incl) : 0;
    uint32_t b = hi ? lower_bound(c, hi, hi_incl) : c->cardinality; /* exclusive */
    if (a >= b)
        return false;
    *first = a;
    *last = b - 1;
    return true;
}

roaring_bitmap_t *seg_col_ids_bitmap(const seg_col *c, uint32_t first, uint32_t last)
{
    if (!c->has_dict || first > last || last >= c->cardinality)
        return NULL;
    if (c->docs_sorted && c->ops->doc_range) {
        uint32_t s, e, s2, e2;
        c->ops->doc_range(c, first, &s, &e);
        c->ops->doc_range(c, last, &s2, &e2);
        return seg_bitmap_range(s, e2);
    }
    if (c->has_range && c->ops->range_bitmap)
        return (roaring_bitmap_t *)c->ops->range_bitmap(c, first, last);
    if (!c->has_inverted)
        return NULL;
    roaring_bitmap_t *out = roaring_bitmap_create();
    for (uint32_t id = first; id <= last; id++) {
        const roaring_bitmap_t *b = c->ops->bitmap(c, id);
        if (b) {
            roaring_bitmap_or_inplace(out, b);
            seg_bitmap_free(b);
        }
    }
    return out;
}

void seg_col_value(const seg_col *c, uint32_t doc, seg_value *out)
{
    if (c->has_dict) {
        uint32_t id;
        c->ops->read_ids(c, doc, 1, &id);
        c->ops->dict_get(c, id, out);
        return;
    }
    c->ops->read_raw(c, doc, 1, out);
}
