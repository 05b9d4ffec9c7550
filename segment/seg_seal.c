/*
 * seg_seal.c: builds an immutable segment image from any segment through
 * the column interface (so a mutable segment, or an immutable one being
 * re-sorted, seals the same way). Layout in seg_format.h.
 */
#include "seg_seal.h"
#include "seg_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Everything one column's seal needs, reused across columns. */
typedef struct seal_ctx {
    const seg_seal_opts *o;
    uint32_t ndocs;
    const uint32_t *perm;    /* new doc -> old doc, or NULL */
    const uint32_t *inv_perm;/* old doc -> new doc, or NULL */
    tn_buf body;             /* sections after the header */
    seg_colhdr h;
} seal_ctx;

uint64_t seg_checksum(const void *p, uint64_t len)
{
    const uint8_t *b = p;
    uint64_t h = 0x243f6a8885a308d3ull ^ len;
    uint64_t w;
    while (len >= 8) {
        memcpy(&w, b, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        b += 8;
        len -= 8;
    }
    w = 0;
    memcpy(&w, b, len);
    h = (h ^ w) * 0x100000001b3ull;
    return h ^ (h >> 31);
}

static bool name_listed(const char *name, const char *const *l, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcasecmp(name, l[i]) == 0)
            return true;
    return false;
}

static uint32_t bits_for(uint32_t card)
{
    uint32_t b = 1;
    while (card > 1 && (1ull << b) < card)
        b++;
    return b;
}

/* Starts a section at the next aligned offset of the body. */
static seg_sect sect_begin(seal_ctx *x)
{
    tn_buf_align(&x->body, SEG_ALIGN);
    seg_sect s = {sizeof(seg_colhdr) + x->body.len, 0};
    return s;
}

static void sect_end(seal_ctx *x, seg_sect *s)
{
    s->len = sizeof(seg_colhdr) + x->body.len - s->off;
}

/* Appends v at its type's width (4 bytes for INT/BOOLEAN and FLOAT). */
static void append_value(tn_buf *b, seg_phys phys, seg_value v)
{
    if (phys == SEG_PHYS_I32) {
        int32_t w = (int32_t)v.i;
        tn_buf_append(b, &w, 4);
    } else if (phys == SEG_PHYS_F32) {
        float w = (float)v.d;
        tn_buf_append(b, &w, 4);
    } else {
        tn_buf_append(b, &v, 8);
    }
}

/* ---- dictionary ---------------------------------------------------------- */

typedef struct sort_ctx {
    const seg_col *c;
} sort_ctx;

static int cmp_ids(const void *a, const void *b, void *arg)
{
    const seg_col *c = ((sort_ctx *)arg)->c;
    seg_value va, vb;
    c->ops->dict_get(c, *(const uint32_t *)a, &va);
    c->ops->dict_get(c, *(const uint32_t *)b, &vb);
    return seg_value_cmp(c->type, va, vb);
}

/* Sorts the used dictionary ids by value; fills remap[old] = new and
 * returns the new cardinality. order[new] = old. */
static uint32_t sort_dict(const seg_col *c, const uint8_t *used,
                          uint32_t *order, uint32_t *remap)
{
    uint32_t n = 0;
    for (uint32_t id = 0; id < c->cardinality; id++)
        if (used[id])
            order[n++] = id;
    sort_ctx sc = {c};
    qsort_r(order, n, sizeof *order, cmp_ids, &sc);
    for (uint32_t i = 0; i < n; i++)
        remap[order[i]] = i;
    return n;
}

static void write_dict(seal_ctx *x, const seg_col *c, const uint32_t *order,
                       uint32_t card)
{
    seg_phys phys = seg_type_phys(c->type);
    x->h.dict = sect_begin(x);
    if (phys == SEG_PHYS_STR) {
        uint32_t *offs = tn_malloc(((size_t)card + 1) * 4);
        uint32_t pos = 0;
        for (uint32_t i = 0; i < card; i++) {
            seg_value v;
            c->ops->dict_get(c, order[i], &v);
            offs[i] = pos;
            tn_buf_append(&x->body, v.s.p, v.s.len);
            pos += v.s.len;
        }
        offs[card] = pos;
        sect_end(x, &x->h.dict);
        x->h.dict_offs = sect_begin(x);
        tn_buf_append(&x->body, offs, ((size_t)card + 1) * 4);
        sect_end(x, &x->h.dict_offs);
        free(offs);
        return;
    }
    for (uint32_t i = 0; i < card; i++) {
        seg_value v;
        c->ops->dict_get(c, order[i], &v);
        append_value(&x->body, phys, v);
        if (i == 0)
            memcpy(&x->h.min_bits, &v, 8);
        if (i == card - 1)
            memcpy(&x->h.max_bits, &v, 8);
    }
    sect_end(x, &x->h.dict);
}

/* ---- bit packing ----------------------------------------------------------- */

static void pack_ids(seal_ctx *x, const uint32_t *ids, uint64_t n, uint32_t nbits)
{
    uint64_t bytes = (n * nbits + 7) / 8 + 8;
    x->h.fwd = sect_begin(x);
    tn_buf_reserve(&x->body, bytes);
    uint8_t *dst = x->body.data + x->body.len;
    memset(dst, 0, bytes);
    uint64_t bit = 0;
    for (uint64_t i = 0; i < n; i++, bit += nbits) {
        uint64_t w;
        memcpy(&w, dst + (bit >> 3), 8);
        w |= (uint64_t)ids[i] << (bit & 7);
        memcpy(dst + (bit >> 3), &w, 8);
    }
    x->body.len += bytes;
    sect_end(x, &x->h.fwd);
}

/* ---- bitmaps --------------------------------------------------------------- */

/* Appends one frozen, run-optimized bitmap; returns its {off, len} entry. */
static seg_sect append_bitmap(seal_ctx *x, roaring_bitmap_t *r)
{
    roaring_bitmap_run_optimize(r);
    tn_buf_align(&x->body, SEG_ALIGN);
    size_t len = roaring_bitmap_frozen_size_in_bytes(r);
    seg_sect e = {sizeof(seg_colhdr) + x->body.len, len};
    tn_buf_reserve(&x->body, len);
    roaring_bitmap_frozen_serialize(r, (char *)x->body.data + x->body.len);
    x->body.len += len;
    return e;
}

/* Writes the bitmaps of n groups of doc lists as an {off,len} table
 * section and a data section. starts has n + 1 entries into docs. */
static void write_bitmaps(seal_ctx *x, const uint32_t *starts, const uint32_t *docs,
                          uint32_t n, seg_sect *table, seg_sect *data)
{
    seg_sect *ents = tn_malloc(((size_t)n + 1) * sizeof *ents);
    *data = sect_begin(x);
    for (uint32_t i = 0; i < n; i++) {
        roaring_bitmap_t *r = roaring_bitmap_create();
        roaring_bitmap_add_many(r, starts[i + 1] - starts[i], docs + starts[i]);
        ents[i] = append_bitmap(x, r);
        roaring_bitmap_free(r);
    }
    sect_end(x, data);
    *table = sect_begin(x);
    tn_buf_append(&x->body, ents, (size_t)n * sizeof *ents);
    sect_end(x, table);
    free(ents);
}

/* Postings of every new id: starts[card + 1] into docs (sorted doc ids). */
static void build_postings(const uint32_t *ids, const uint32_t *mv_offs,
                           uint32_t ndocs, uint32_t card, uint32_t **starts_out,
                           uint32_t **docs_out)
{
    uint32_t *starts = tn_calloc((size_t)card + 1, 4);
    uint32_t *last = tn_malloc((size_t)card * 4 + 4);
    memset(last, 0xff, (size_t)card * 4 + 4);
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t b = mv_offs ? mv_offs[d] : d, e = mv_offs ? mv_offs[d + 1] : d + 1;
        for (uint32_t k = b; k < e; k++)
            if (last[ids[k]] != d) {
                last[ids[k]] = d;
                starts[ids[k] + 1]++;
            }
    }
    for (uint32_t i = 0; i < card; i++)
        starts[i + 1] += starts[i];
    uint32_t *docs = tn_malloc((size_t)starts[card] * 4 + 4);
    uint32_t *fill = tn_malloc((size_t)card * 4 + 4);
    memcpy(fill, starts, (size_t)card * 4);
    memset(last, 0xff, (size_t)card * 4 + 4);
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t b = mv_offs ? mv_offs[d] : d, e = mv_offs ? mv_offs[d + 1] : d + 1;
        for (uint32_t k = b; k < e; k++)
            if (last[ids[k]] != d) {
                last[ids[k]] = d;
                docs[fill[ids[k]]++] = d;
            }
    }
    free(fill);
    free(last);
    *starts_out = starts;
    *docs_out = docs;
}

/* Range index: about 64 buckets of consecutive ids holding similar numbers
 * of documents, one bitmap each. */
static void write_range(seal_ctx *x, const uint32_t *starts, const uint32_t *docs,
                        uint32_t card)
{
    uint32_t want = TN_MIN(card, 64u);
    uint64_t per = want ? (starts[card] + want - 1) / want : 1;
    uint32_t *firsts = tn_malloc(((size_t)card + 2) * 4);
    uint32_t nb = 0;
    for (uint32_t id = 0; id < card;) {
        firsts[nb++] = id;
        uint32_t from = starts[id];
        while (id < card && (starts[id + 1] - from < per || starts[id] == from))
            id++;
    }
    firsts[nb] = card;
    /* Bucket doc lists are unions of id postings: gather, then sort. */
    uint32_t *bstarts = tn_malloc(((size_t)nb + 1) * 4);
    uint32_t *bdocs = tn_malloc((size_t)starts[card] * 4 + 4);
    uint32_t pos = 0;
    for (uint32_t b = 0; b < nb; b++) {
        bstarts[b] = pos;
        roaring_bitmap_t *r = roaring_bitmap_create();
        roaring_bitmap_add_many(r, starts[firsts[b + 1]] - starts[firsts[b]],
                                docs + starts[firsts[b]]);
        uint64_t n = roaring_bitmap_get_cardinality(r);
        roaring_bitmap_to_uint32_array(r, bdocs + pos);
        pos += (uint32_t)n;
        roaring_bitmap_free(r);
    }
    bstarts[nb] = pos;
    x->h.range_buckets = nb;
    x->h.range_firsts = sect_begin(x);
    tn_buf_append(&x->body, firsts, ((size_t)nb + 1) * 4);
    sect_end(x, &x->h.range_firsts);
    write_bitmaps(x, bstarts, bdocs, nb, &x->h.range_inv, &x->h.range_data);
    free(firsts);
    free(bstarts);
    free(bdocs);
}

/* ---- columns ----------------------------------------------------------------- */

/* Reads every value's dictionary id in the new document order; for
 * multi-value columns also fills *mv_offs_out (ndocs + 1). */
static uint32_t *gather_ids(const seal_ctx *x, const seg_col *c, uint64_t *n_out,
                            uint32_t **mv_offs_out)
{
    uint32_t nd = x->ndocs;
    if (c->single_value) {
        uint32_t *raw = tn_malloc((size_t)nd * 4 + 4);
        if (nd)
            c->ops->read_ids(c, 0, nd, raw);
        if (x->perm) {
            uint32_t *ids = tn_malloc((size_t)nd * 4 + 4);
            for (uint32_t d = 0; d < nd; d++)
                ids[d] = raw[x->perm[d]];
            free(raw);
            raw = ids;
        }
        *n_out = nd;
        *mv_offs_out = NULL;
        return raw;
    }
    uint32_t *offs = tn_malloc(((size_t)nd + 1) * 4);
    uint64_t cap = (uint64_t)nd * 2 + 16, n = 0;
    uint32_t *ids = tn_malloc(cap * 4);
    uint32_t *tmp = tn_malloc(((size_t)c->max_mv + 1) * 4);
    for (uint32_t d = 0; d < nd; d++) {
        uint32_t k = c->ops->read_mv(c, x->perm ? x->perm[d] : d, tmp, c->max_mv + 1);
        if (k > c->max_mv) { /* max_mv lags the writer: read again */
            tmp = tn_realloc(tmp, (size_t)k * 4);
            c->ops->read_mv(c, x->perm ? x->perm[d] : d, tmp, k);
        }
        if (n + k > cap) {
            cap = (n + k) * 2;
            ids = tn_realloc(ids, cap * 4);
        }
        offs[d] = (uint32_t)n;
        memcpy(ids + n, tmp, (size_t)k * 4);
        n += k;
    }
    offs[nd] = (uint32_t)n;
    free(tmp);
    *n_out = n;
    *mv_offs_out = offs;
    return ids;
}

static bool wants_inverted(const seal_ctx *x, const seg_field *f, uint32_t card)
{
    const seg_seal_opts *o = x->o;
    if (o->inverted_set)
        return name_listed(f->name, o->inverted_columns, o->n_inverted);
    return (uint64_t)card * 4 <= x->ndocs || card <= 256;
}

static void seal_dict_column(seal_ctx *x, const seg_col *c, bool is_sort_col)
{
    uint64_t n;
    uint32_t *mv_offs;
    uint32_t *ids = gather_ids(x, c, &n, &mv_offs);
    uint8_t *used = tn_calloc((size_t)c->cardinality + 1, 1);
    for (uint64_t i = 0; i < n; i++)
        used[ids[i]] = 1;
    uint32_t *order = tn_malloc(((size_t)c->cardinality + 1) * 4);
    uint32_t *remap = tn_malloc(((size_t)c->cardinality + 1) * 4);
    uint32_t card = sort_dict(c, used, order, remap);
    bool sorted = c->single_value;
    for (uint64_t i = 0; i < n; i++) {
        ids[i] = remap[ids[i]];
        if (i && ids[i] < ids[i - 1])
            sorted = false;
    }
    x->h.cardinality = card;
    x->h.nbits = bits_for(card);
    x->h.total_entries = n;
    x->h.flags |= SEG_CF_DICT;
    write_dict(x, c, order, card);
    pack_ids(x, ids, n, x->h.nbits);
    if (mv_offs) {
        x->h.mv_offs = sect_begin(x);
        tn_buf_append(&x->body, mv_offs, ((size_t)x->ndocs + 1) * 4);
        sect_end(x, &x->h.mv_offs);
    }
    uint32_t *starts, *docs;
    build_postings(ids, mv_offs, x->ndocs, card, &starts, &docs);
    if (sorted || is_sort_col) {
        x->h.flags |= SEG_CF_DOCS_SORTED;
        x->h.doc_starts = sect_begin(x);
        tn_buf_append(&x->body, starts, ((size_t)card + 1) * 4);
        sect_end(x, &x->h.doc_starts);
    } else if (wants_inverted(x, c->field, card)) {
        x->h.flags |= SEG_CF_INVERTED;
        write_bitmaps(x, starts, docs, card, &x->h.inv, &x->h.inv_data);
    }
    if (name_listed(c->field->name, x->o->range_columns, x->o->n_range) &&
        !(x->h.flags & SEG_CF_DOCS_SORTED) && card) {
        x->h.flags |= SEG_CF_RANGE;
        write_range(x, starts, docs, card);
    }
    free(starts);
    free(docs);
    free(used);
    free(order);
    free(remap);
    free(ids);
    free(mv_offs);
}

static void seal_raw_column(seal_ctx *x, const seg_col *c)
{
    seg_phys phys = seg_type_phys(c->type);
    uint32_t nd = x->ndocs;
    uint64_t *vals = tn_malloc((size_t)nd * 8 + 8);
    if (nd)
        c->ops->read_raw(c, 0, nd, vals);
    x->h.total_entries = nd;
    x->h.fwd = sect_begin(x);
    seg_value lo = {0}, hi = {0};
    for (uint32_t d = 0; d < nd; d++) {
        seg_value v;
        memcpy(&v, &vals[x->perm ? x->perm[d] : d], 8);
        append_value(&x->body, phys, v);
        /* seg_value_cmp's order (NaN last), as dictionary columns and the
         * mutable segment have it: with < and >, a NaN in doc 0 stayed the
         * minimum and a later NaN never became the maximum */
        if (d == 0 || seg_value_cmp(c->type, v, lo) < 0)
            lo = v;
        if (d == 0 || seg_value_cmp(c->type, v, hi) > 0)
            hi = v;
    }
    sect_end(x, &x->h.fwd);
    memcpy(&x->h.min_bits, &lo, 8);
    memcpy(&x->h.max_bits, &hi, 8);
    free(vals);
}

static void seal_nulls(seal_ctx *x, const seg_col *c)
{
    const roaring_bitmap_t *nulls = c->ops->nulls(c);
    if (!nulls)
        return;
    roaring_bitmap_t *r = roaring_bitmap_create();
    roaring_uint32_iterator_t it;
    roaring_init_iterator(nulls, &it);
    for (; it.has_value; roaring_advance_uint32_iterator(&it))
        if (it.current_value < x->ndocs)
            roaring_bitmap_add(r, x->inv_perm ? x->inv_perm[it.current_value]
                                              : it.current_value);
    seg_bitmap_free(nulls);
    if (!roaring_bitmap_is_empty(r)) {
        x->h.flags |= SEG_CF_NULLS;
        tn_buf_align(&x->body, SEG_ALIGN);
        x->h.nulls = append_bitmap(x, r);
    }
    roaring_bitmap_free(r);
}

static void seal_column(seal_ctx *x, const seg_col *c, bool is_sort_col,
                        seg_image_col *out)
{
    memset(&x->h, 0, sizeof x->h);
    tn_buf_reset(&x->body);
    x->h.magic = SEG_COL_MAGIC;
    x->h.version = SEG_COL_VERSION;
    x->h.type = (uint8_t)c->type;
    x->h.ndocs = x->ndocs;
    x->h.max_mv = c->single_value ? 1 : 0;
    x->h.roaring_version = SEG_ROARING_VERSION;
    if (c->single_value)
        x->h.flags |= SEG_CF_SV;
    if (c->has_dict)
        seal_dict_column(x, c, is_sort_col);
    else
        seal_raw_column(x, c);
    if (!c->single_value) {
        /* the true maximum of this snapshot, from the offsets */
        const uint32_t *mo = (const uint32_t *)(x->body.data + x->h.mv_offs.off -
                                                sizeof(seg_colhdr));
        for (uint32_t d = 0; d < x->ndocs; d++)
            x->h.max_mv = TN_MAX(x->h.max_mv, mo[d + 1] - mo[d]);
    }
    seal_nulls(x, c);
    tn_buf_align(&x->body, SEG_ALIGN);
    x->h.body_len = x->body.len;
    x->h.checksum = seg_checksum(x->body.data, x->body.len);
    out->len = sizeof(seg_colhdr) + x->body.len;
    if (posix_memalign((void **)&out->data, 64, out->len))
        abort();
    memcpy(out->data, &x->h, sizeof x->h);
    memcpy(out->data + sizeof x->h, x->body.data, x->body.len);
    out->name = tn_strdup(c->field->name);
}

/* Document order by the sort column: a counting sort on its sorted ids. */
static int sort_order(const seg_segment *s, uint32_t ndocs, const char *colname,
                      uint32_t **perm_out, uint32_t **inv_out, char *err)
{
    int fi = seg_schema_find(s->schema, colname);
    if (fi < 0)
        return tn_err(err, TN_EINVAL, "sortedColumn '%s' is not a column", colname);
    seg_col c;
    int rc = seg_column_open(s, ndocs, &s->schema->fields[fi], &c, err);
    if (rc)
        return rc;
    if (!c.has_dict || !c.single_value)
        return tn_err(err, TN_EINVAL,
                      "sortedColumn '%s' must be a single-value dictionary column",
                      colname);
    uint32_t *ids = tn_malloc((size_t)ndocs * 4 + 4);
    if (ndocs)
        c.ops->read_ids(&c, 0, ndocs, ids);
    uint32_t *order = tn_malloc(((size_t)c.cardinality + 1) * 4);
    uint32_t *remap = tn_malloc(((size_t)c.cardinality + 1) * 4);
    uint8_t *used = tn_calloc((size_t)c.cardinality + 1, 1);
    for (uint32_t d = 0; d < ndocs; d++)
        used[ids[d]] = 1;
    uint32_t card = sort_dict(&c, used, order, remap);
    uint32_t *starts = tn_calloc((size_t)card + 1, 4);
    for (uint32_t d = 0; d < ndocs; d++)
        starts[remap[ids[d]] + 1]++;
    for (uint32_t i = 0; i < card; i++)
        starts[i + 1] += starts[i];
    uint32_t *perm = tn_malloc((size_t)ndocs * 4 + 4);
    uint32_t *inv = tn_malloc((size_t)ndocs * 4 + 4);
    for (uint32_t d = 0; d < ndocs; d++) { /* stable: arrival order kept */
        uint32_t nd = starts[remap[ids[d]]]++;
        perm[nd] = d;
        inv[d] = nd;
    }
    free(starts);
    free(used);
    free(order);
    free(remap);
    free(ids);
    *perm_out = perm;
    *inv_out = inv;
    return TN_OK;
}

/* Time range of the first ndocs documents, for the seal of a prefix: the
 * source's range also covers the documents after it. Null time values do
 * not count, as when the rows were appended. Keeps the source's range when
 * the time column cannot be read per document. */
static void prefix_time_range(const seg_segment *s, uint32_t ndocs, seg_meta *m)
{
    int fi = seg_schema_find(s->schema, m->time_column);
    seg_col c;
    if (fi < 0 || seg_column_open(s, ndocs, &s->schema->fields[fi], &c, NULL) ||
        !c.single_value)
        return;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    const roaring_bitmap_t *nulls = c.ops->nulls(&c);
    for (uint32_t d = 0; d < ndocs; d++) {
        seg_value v;
        int64_t ms;
        if (nulls && roaring_bitmap_contains(nulls, d))
            continue;
        seg_col_value(&c, d, &v);
        if (!seg_field_time_ms(c.field, v, &ms))
            continue;
        lo = TN_MIN(lo, ms);
        hi = TN_MAX(hi, ms);
    }
    seg_bitmap_free(nulls);
    m->min_time_ms = lo;
    m->max_time_ms = hi;
}

int seg_seal(const seg_segment *s, uint32_t ndocs, const seg_seal_opts *o,
             seg_image **out, char *err)
{
    static const seg_seal_opts none = {0};
    if (!o)
        o = &none;
    if (ndocs > seg_segment_ndocs(s))
        return tn_err(err, TN_EINVAL, "cannot seal %u documents of %u", ndocs,
                      seg_segment_ndocs(s));
    seal_ctx x = {.o = o, .ndocs = ndocs};
    uint32_t *perm = NULL, *inv = NULL;
    const char *sort_name = o->sorted_column;
    if (sort_name) {
        int rc = sort_order(s, ndocs, sort_name, &perm, &inv, err);
        if (rc)
            return rc;
        x.perm = perm;
        x.inv_perm = inv;
    }
    seg_image *img = tn_calloc(1, sizeof *img);
    img->schema = seg_schema_copy(s->schema);
    seg_segment_meta(s, &img->meta);
    if (ndocs < img->meta.ndocs && img->meta.time_column)
        prefix_time_range(s, ndocs, &img->meta);
    if (ndocs < img->meta.ndocs)
        img->meta.end_offset = -1;
    if (o->set_end_offset)
        img->meta.end_offset = o->end_offset;
    img->meta.ndocs = ndocs;
    if (o->name) {
        free(img->meta.name);
        img->meta.name = tn_strdup(o->name);
    }
    if (sort_name) {
        free(img->meta.sorted_column);
        img->meta.sorted_column = tn_strdup(
            s->schema->fields[seg_schema_find(s->schema, sort_name)].name);
    }
    img->ncols = s->schema->nfields;
    img->cols = tn_calloc(img->ncols, sizeof *img->cols);
    int rc = TN_OK;
    for (uint32_t i = 0; i < img->ncols && rc == TN_OK; i++) {
        seg_col c;
        const seg_field *f = &s->schema->fields[i];
        rc = seg_column_open(s, ndocs, f, &c, err);
        if (rc == TN_OK)
            seal_column(&x, &c, sort_name && strcasecmp(f->name, sort_name) == 0,
                        &img->cols[i]);
    }
    tn_buf_free(&x.body);
    free(perm);
    free(inv);
    if (rc) {
        seg_image_free(img);
        return rc;
    }
    *out = img;
    return TN_OK;
}

void seg_image_free(seg_image *img)
{
    if (!img)
        return;
    for (uint32_t i = 0; i < img->ncols; i++) {
        free(img->cols[i].name);
        free(img->cols[i].data);
    }
    free(img->cols);
    seg_schema_free(img->schema);
    seg_meta_free(&img->meta);
    free(img);
}
