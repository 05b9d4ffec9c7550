/*
 * seg_immutable.c: reads sealed columns in place. Nothing is copied at
 * open but a column blob whose address is not 32-byte aligned (LMDB keeps
 * small values inside its pages, where alignment is not guaranteed), because
 * CRoaring reads frozen bitmaps in place only from aligned memory.
 */
#include "seg_immutable.h"
#include "seg_format.h"
#include "seg_immutable_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SECT(col, s) ((col)->base + (col)->h->s.off)

/* ---- validation -------------------------------------------------------------- */

static bool sect_ok(const seg_sect *s, uint64_t total)
{
    return s->off <= total && s->len <= total - s->off;
}

static int check_sections(const seg_colhdr *h, uint64_t total, const char *name,
                          char *err)
{
    const seg_sect *all[] = {&h->dict, &h->dict_offs, &h->fwd, &h->mv_offs, &h->inv,
                             &h->inv_data, &h->doc_starts, &h->nulls,
                             &h->range_firsts, &h->range_inv, &h->range_data};
    /* sections start SEG_ALIGN-aligned (seg_format.h); the offset arrays
     * and tables are read in place as uint32_t and seg_sect, so a shifted
     * offset would be a misaligned read, not just a wrong one */
    for (size_t i = 0; i < TN_ARRAY_LEN(all); i++)
        if (!sect_ok(all[i], total) || all[i]->off % SEG_ALIGN)
            return tn_err(err, TN_ECORRUPT,
                          "column '%s': section %zu [%llu, +%llu) is misaligned or lies "
                          "outside the %llu-byte column", name, i,
                          (unsigned long long)all[i]->off,
                          (unsigned long long)all[i]->len, (unsigned long long)total);
    return TN_OK;
}

static bool sizes_ok(const seg_colhdr *h, seg_type t)
{
    uint64_t card = h->cardinality, nd = h->ndocs;
    uint32_t w = seg_type_width(t);
    bool dict = h->flags & SEG_CF_DICT;
    if (dict) {
        if (h->nbits < 1 || h->nbits > 32)
            return false;
        if (w && h->dict.len < card * (seg_type_phys(t) == SEG_PHYS_F32 ||
                                        seg_type_phys(t) == SEG_PHYS_I32 ? 4 : 8))
            return false;
        if (!w && h->dict_offs.len < (card + 1) * 4)
            return false;
        if (h->fwd.len < (h->total_entries * h->nbits + 7) / 8 + 8)
            return false;
    } else {
        uint32_t rw = seg_type_phys(t) == SEG_PHYS_I32 || seg_type_phys(t) == SEG_PHYS_F32 ? 4 : 8;
        if (!w || !(h->flags & SEG_CF_SV) || h->fwd.len < nd * rw)
            return false;
    }
    if (!(h->flags & SEG_CF_SV) && h->mv_offs.len < (nd + 1) * 4)
        return false;
    if ((h->flags & SEG_CF_SV) && h->total_entries != nd)
        return false;
    if ((h->flags & SEG_CF_INVERTED) && h->inv.len < card * sizeof(seg_sect))
        return false;
    if ((h->flags & SEG_CF_DOCS_SORTED) && h->doc_starts.len < (card + 1) * 4)
        return false;
    if ((h->flags & SEG_CF_RANGE) &&
        (h->range_firsts.len < ((uint64_t)h->range_buckets + 1) * 4 ||
         h->range_inv.len < (uint64_t)h->range_buckets * sizeof(seg_sect)))
        return false;
    return true;
}

/* Linear checks of the offset arrays that reads index with: every offset a
 * reader may follow stays inside its section. */
static bool offsets_ok(const imm_col *c)
{
    const seg_colhdr *h = c->h;
    if (!(h->flags & SEG_CF_DICT))
        return true;
    if (!seg_type_width(c->field->type)) {
        const uint32_t *o = (const uint32_t *)SECT(c, dict_offs);
        for (uint32_t i = 0; i < h->cardinality; i++)
            if (o[i] > o[i + 1])
                return false;
        if (o[h->cardinality] > h->dict.len)
            return false;
    }
    if (!(h->flags & SEG_CF_SV)) {
        const uint32_t *o = (const uint32_t *)SECT(c, mv_offs);
        for (uint32_t d = 0; d < h->ndocs; d++)
            if (o[d] > o[d + 1])
                return false;
        if (o[0] != 0 || o[h->ndocs] != h->total_entries)
            return false;
    }
    if (h->flags & SEG_CF_DOCS_SORTED) {
        const uint32_t *o = (const uint32_t *)SECT(c, doc_starts);
        for (uint32_t i = 0; i < h->cardinality; i++)
            if (o[i] > o[i + 1])
                return false;
        if (o[h->cardinality] > h->ndocs)
            return false;
    }
    return true;
}

static int col_open(imm_col *c, const seg_field *f, seg_blob b, uint32_t ndocs,
                    char *err)
{
    c->field = f;
    if (b.len < sizeof(seg_colhdr))
        return tn_err(err, TN_ECORRUPT, "column '%s': %zu bytes, shorter than its header",
                      f->name, b.len);
    const uint8_t *base = b.data;
    if ((uintptr_t)base % SEG_ALIGN) {
        if (posix_memalign((void **)&c->owned, SEG_ALIGN, b.len))
            abort();
        memcpy(c->owned, b.data, b.len);
        base = c->owned;
    }
    const seg_colhdr *h = (const seg_colhdr *)base;
    c->base = base;
    c->h = h;
    if (h->magic != SEG_COL_MAGIC || h->version != SEG_COL_VERSION)
        return tn_err(err, TN_ECORRUPT, "column '%s': bad magic or format version %u",
                      f->name, h->version);
    if (h->type != f->type)
        return tn_err(err, TN_ECORRUPT, "column '%s': stored as %s, schema says %s",
                      f->name, h->type < SEG_TYPE_COUNT ? seg_type_name(h->type) : "?",
                      seg_type_name(f->type));
    if (h->roaring_version != SEG_ROARING_VERSION)
        return tn_err(err, TN_ECORRUPT,
                      "column '%s': bitmaps written by CRoaring %u, this build reads %u",
                      f->name, h->roaring_version, SEG_ROARING_VERSION);
    if (h->ndocs != ndocs || sizeof(seg_colhdr) + h->body_len != b.len)
        return tn_err(err, TN_ECORRUPT,
                      "column '%s': %u documents / %zu bytes, segment says %u documents",
                      f->name, h->ndocs, b.len, ndocs);
    int rc = check_sections(h, b.len, f->name, err);
    if (rc)
        return rc;
    if (!sizes_ok(h, f->type) || !offsets_ok(c))
        return tn_err(err, TN_ECORRUPT, "column '%s': section sizes or offsets are "
                      "inconsistent", f->name);
    return TN_OK;
}

/* ---- reads ------------------------------------------------------------------- */

static inline uint32_t unpack_one(const uint8_t *p, uint64_t bit, uint64_t mask)
{
    uint64_t w;
    memcpy(&w, p + (bit >> 3), 8);
    return (uint32_t)((w >> (bit & 7)) & mask);
}

/* One function per width, so the compiler sees constant shifts and masks.
 * Eight values of B bits are B whole bytes: after a head that reaches a
 * multiple of eight, each group is decoded with fully constant offsets. */
#define UNPACK_FN(B)                                                          \
    static void unpack_##B(const uint8_t *p, uint64_t first, uint32_t n,      \
                           uint32_t *out)                                     \
    {                                                                         \
        const uint64_t mask = (B == 32) ? 0xffffffffull : ((1ull << B) - 1);  \
        uint32_t i = 0;                                                       \
        for (; i < n && ((first + i) & 7); i++)                               \
            out[i] = unpack_one(p, (first + i) * B, mask);                    \
        const uint8_t *g = p + (first + i) / 8 * B;                           \
        for (; i + 8 <= n; i += 8, g += B)                                    \
            for (uint32_t j = 0; j < 8; j++)                                  \
                out[i + j] = unpack_one(g, j * B, mask);                      \
        for (; i < n; i++)                                                    \
            out[i] = unpack_one(p, (first + i) * B, mask);                    \
    }
UNPACK_FN(1) UNPACK_FN(2) UNPACK_FN(3) UNPACK_FN(4) UNPACK_FN(5) UNPACK_FN(6)
UNPACK_FN(7) UNPACK_FN(8) UNPACK_FN(9) UNPACK_FN(10) UNPACK_FN(11) UNPACK_FN(12)
UNPACK_FN(13) UNPACK_FN(14) UNPACK_FN(15) UNPACK_FN(16) UNPACK_FN(17) UNPACK_FN(18)
UNPACK_FN(19) UNPACK_FN(20) UNPACK_FN(21) UNPACK_FN(22) UNPACK_FN(23) UNPACK_FN(24)
UNPACK_FN(25) UNPACK_FN(26) UNPACK_FN(27) UNPACK_FN(28) UNPACK_FN(29) UNPACK_FN(30)
UNPACK_FN(31) UNPACK_FN(32)

typedef void (*unpack_fn)(const uint8_t *, uint64_t, uint32_t, uint32_t *);
static const unpack_fn unpackers[33] = {
    NULL, unpack_1, unpack_2, unpack_3, unpack_4, unpack_5, unpack_6, unpack_7,
    unpack_8, unpack_9, unpack_10, unpack_11, unpack_12, unpack_13, unpack_14,
    unpack_15, unpack_16, unpack_17, unpack_18, unpack_19, unpack_20, unpack_21,
    unpack_22, unpack_23, unpack_24, unpack_25, unpack_26, unpack_27, unpack_28,
    unpack_29, unpack_30, unpack_31, unpack_32};

void imm_unpack(const imm_col *c, uint64_t first, uint32_t n, uint32_t *out)
{
    unpackers[c->h->nbits](SECT(c, fwd), first, n, out); /* nbits checked at open */
}

static void ic_dict_get(const seg_col *sc, uint32_t id, seg_value *out)
{
    const imm_col *c = sc->impl;
    const uint8_t *d = SECT(c, dict);
    if (id >= c->h->cardinality) { /* only a corrupt forward index gets here */
        *out = c->field->default_null;
        return;
    }
    switch (seg_type_phys(c->field->type)) {
    case SEG_PHYS_I32: { int32_t v; memcpy(&v, d + (size_t)id * 4, 4); out->i = v; break; }
    case SEG_PHYS_I64: memcpy(&out->i, d + (size_t)id * 8, 8); break;
    case SEG_PHYS_F32: { float v; memcpy(&v, d + (size_t)id * 4, 4); out->d = v; break; }
    case SEG_PHYS_F64: memcpy(&out->d, d + (size_t)id * 8, 8); break;
    case SEG_PHYS_STR: {
        const uint32_t *o = (const uint32_t *)SECT(c, dict_offs);
        out->s.p = (const char *)d + o[id];
        out->s.len = o[id + 1] - o[id];
        break;
    }
    }
}

static int64_t ic_dict_find(const seg_col *sc, seg_value v)
{
    if (seg_type_phys(sc->type) == SEG_PHYS_F32)
        v.d = (double)(float)v.d;
    uint32_t lo = 0, hi = sc->cardinality;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        seg_value m;
        ic_dict_get(sc, mid, &m);
        int c = seg_value_cmp(sc->type, m, v);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void ic_read_ids(const seg_col *sc, uint32_t doc, uint32_t n, uint32_t *ids)
{
    imm_unpack(sc->impl, doc, n, ids);
}

static uint32_t ic_read_mv(const seg_col *sc, uint32_t doc, uint32_t *ids, uint32_t cap)
{
    const imm_col *c = sc->impl;
    const uint32_t *o = (const uint32_t *)SECT(c, mv_offs);
    uint32_t n = o[doc + 1] - o[doc];
    imm_unpack(c, o[doc], TN_MIN(n, cap), ids);
    return n;
}

static void ic_read_ids_at(const seg_col *sc, const uint32_t *docs, uint32_t n,
                           uint32_t *ids)
{
    const imm_col *c = sc->impl;
    const uint8_t *p = SECT(c, fwd);
    uint32_t nb = c->h->nbits;
    uint64_t mask = (nb == 32) ? 0xffffffffull : ((1ull << nb) - 1);
    for (uint32_t i = 0; i < n; i++)
        ids[i] = unpack_one(p, (uint64_t)docs[i] * nb, mask);
}

static void ic_read_raw_at(const seg_col *sc, const uint32_t *docs, uint32_t n, void *out)
{
    const imm_col *c = sc->impl;
    const uint8_t *p = SECT(c, fwd);
    int64_t *oi = out;
    double *od = out;
    for (uint32_t i = 0; i < n; i++) {
        switch (seg_type_phys(c->field->type)) {
        case SEG_PHYS_I32: oi[i] = ((const int32_t *)p)[docs[i]]; break;
        case SEG_PHYS_F32: od[i] = ((const float *)p)[docs[i]]; break;
        default: memcpy(&oi[i], p + (size_t)docs[i] * 8, 8); break;
        }
    }
}

static void ic_read_raw(const seg_col *sc, uint32_t doc, uint32_t n, void *out)
{
    const imm_col *c = sc->impl;
    const uint8_t *p = SECT(c, fwd);
    switch (seg_type_phys(c->field->type)) {
    case SEG_PHYS_I32: {
        const int32_t *src = (const int32_t *)p + doc;
        int64_t *dst = out;
        for (uint32_t i = 0; i < n; i++)
            dst[i] = src[i];
        break;
    }
    case SEG_PHYS_F32: {
        const float *src = (const float *)p + doc;
        double *dst = out;
        for (uint32_t i = 0; i < n; i++)
            dst[i] = src[i];
        break;
    }
    default:
        memcpy(out, p + (size_t)doc * 8, (size_t)n * 8);
        break;
    }
}

static const roaring_bitmap_t *frozen(const imm_col *c, seg_sect e)
{
    /* entries were bounds-checked lazily here: the table itself was checked
     * to lie in the blob, its entries are checked before use */
    if (e.off > c->h->body_len + sizeof(seg_colhdr) ||
        e.len > c->h->body_len + sizeof(seg_colhdr) - e.off || e.off % SEG_ALIGN)
        return NULL;
    return roaring_bitmap_frozen_view((const char *)c->base + e.off, e.len);
}

static const roaring_bitmap_t *ic_bitmap(const seg_col *sc, uint32_t id)
{
    const imm_col *c = sc->impl;
    if (id >= c->h->cardinality)
        return NULL;
    if (c->h->flags & SEG_CF_INVERTED) {
        const seg_sect *inv = (const seg_sect *)SECT(c, inv);
        return frozen(c, inv[id]);
    }
    if (c->h->flags & SEG_CF_DOCS_SORTED) {
        const uint32_t *s = (const uint32_t *)SECT(c, doc_starts);
        return seg_bitmap_range(s[id], s[id + 1]);
    }
    return NULL;
}

static const roaring_bitmap_t *ic_nulls(const seg_col *sc)
{
    const imm_col *c = sc->impl;
    if (!(c->h->flags & SEG_CF_NULLS))
        return NULL;
    return frozen(c, c->h->nulls);
}

static void ic_doc_range(const seg_col *sc, uint32_t id, uint32_t *start, uint32_t *end)
{
    const imm_col *c = sc->impl;
    const uint32_t *s = (const uint32_t *)SECT(c, doc_starts);
    *start = s[id];
    *end = s[id + 1];
}

/* Bucket holding id: the last bucket whose first id is <= id. */
static uint32_t bucket_of(const uint32_t *firsts, uint32_t nb, uint32_t id)
{
    uint32_t lo = 0, hi = nb;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (firsts[mid] <= id)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Keeps the documents of a bucket whose value lies in [first, last]. */
static void filter_bucket(const seg_col *sc, const roaring_bitmap_t *bucket,
                          uint32_t first, uint32_t last, roaring_bitmap_t *out)
{
    roaring_uint32_iterator_t it;
    roaring_init_iterator(bucket, &it);
    /* room for every value of the longest document: a fixed-size buffer
     * missed the documents whose only value in range lay past its end */
    uint32_t cap = TN_MAX(sc->max_mv, 1u);
    uint32_t *ids = tn_malloc((size_t)cap * 4);
    for (; it.has_value; roaring_advance_uint32_iterator(&it)) {
        uint32_t doc = it.current_value, n = 1;
        if (doc >= sc->ndocs)
            break; /* only a corrupt bucket holds such a doc: never read past */
        if (sc->single_value) {
            ic_read_ids(sc, doc, 1, ids);
        } else if ((n = ic_read_mv(sc, doc, ids, cap)) > cap) {
            cap = n;
            ids = tn_realloc(ids, (size_t)cap * 4);
            ic_read_mv(sc, doc, ids, cap);
        }
        for (uint32_t k = 0; k < n; k++)
            if (ids[k] >= first && ids[k] <= last) {
                roaring_bitmap_add(out, doc);
                break;
            }
    }
    free(ids);
}

static const roaring_bitmap_t *ic_range_bitmap(const seg_col *sc, uint32_t first,
                                               uint32_t last)
{
    const imm_col *c = sc->impl;
    if (!(c->h->flags & SEG_CF_RANGE) || first > last || last >= c->h->cardinality)
        return NULL;
    const uint32_t *firsts = (const uint32_t *)SECT(c, range_firsts);
    const seg_sect *ents = (const seg_sect *)SECT(c, range_inv);
    uint32_t nb = c->h->range_buckets;
    uint32_t b0 = bucket_of(firsts, nb, first), b1 = bucket_of(firsts, nb, last);
    roaring_bitmap_t *out = roaring_bitmap_create();
    for (uint32_t b = b0; b <= b1; b++) {
        const roaring_bitmap_t *bm = frozen(c, ents[b]);
        if (!bm)
            continue;
        if (firsts[b] >= first && firsts[b + 1] - 1 <= last)
            roaring_bitmap_or_inplace(out, bm);
        else
            filter_bucket(sc, bm, first, last, out);
        seg_bitmap_free(bm);
    }
    return out;
}

static const seg_col_ops imm_col_ops = {
    .dict_get = ic_dict_get,
    .dict_find = ic_dict_find,
    .read_ids = ic_read_ids,
    .read_mv = ic_read_mv,
    .read_raw = ic_read_raw,
    .read_ids_at = ic_read_ids_at,
    .read_raw_at = ic_read_raw_at,
    .bitmap = ic_bitmap,
    .nulls = ic_nulls,
    .doc_range = ic_doc_range,
    .range_bitmap = ic_range_bitmap,
};

void imm_column_open(const imm_col *c, uint32_t ndocs, seg_col *out)
{
    const seg_colhdr *h = c->h;
    memset(out, 0, sizeof *out);
    out->ops = &imm_col_ops;
    out->impl = c;
    out->field = c->field;
    out->type = c->field->type;
    out->ndocs = TN_MIN(ndocs, h->ndocs);
    out->cardinality = h->cardinality;
    out->has_dict = h->flags & SEG_CF_DICT;
    out->dict_sorted = out->has_dict;
    out->single_value = h->flags & SEG_CF_SV;
    out->docs_sorted = h->flags & SEG_CF_DOCS_SORTED;
    out->has_inverted = h->flags & (SEG_CF_INVERTED | SEG_CF_DOCS_SORTED);
    out->has_range = h->flags & SEG_CF_RANGE;
    out->max_mv = h->max_mv;
    const uint8_t *dict = SECT(c, dict);
    if (out->has_dict && ((uintptr_t)dict & 7) == 0) { /* blobs are 32-byte aligned */
        if (seg_type_phys(out->type) == SEG_PHYS_I64)
            out->dict_i64 = (const int64_t *)(const void *)dict;
        else if (seg_type_phys(out->type) == SEG_PHYS_F64)
            out->dict_f64 = (const double *)(const void *)dict;
    }
    if (out->has_dict && h->cardinality && seg_type_phys(out->type) == SEG_PHYS_STR) {
        ic_dict_get(out, 0, &out->min);
        ic_dict_get(out, h->cardinality - 1, &out->max);
    } else if (h->ndocs) {
        memcpy(&out->min, &h->min_bits, 8);
        memcpy(&out->max, &h->max_bits, 8);
    } else {
        out->min = out->max = c->field->default_null;
    }
}

/* ---- open / free --------------------------------------------------------------- */

int seg_immutable_open(const seg_meta *meta, const seg_schema *schema,
                       const seg_blob *cols, seg_storage_release release,
                       void *owner, seg_segment **out, char *err)
{
    seg_immutable *s = tn_calloc(1, sizeof *s);
    s->base.kind = SEG_KIND_IMMUTABLE;
    atomic_init(&s->base.refs, 1);
    s->base.schema = seg_schema_copy(schema);
    seg_meta_copy(&s->base.meta, meta);
    s->ncols = schema->nfields;
    s->cols = tn_calloc(s->ncols ? s->ncols : 1, sizeof *s->cols);
    for (uint32_t i = 0; i < s->ncols; i++) {
        if (!cols[i].data) {
            s->cols[i].field = &s->base.schema->fields[i];
            continue; /* opens as a default column */
        }
        int rc = col_open(&s->cols[i], &s->base.schema->fields[i], cols[i],
                          meta->ndocs, err);
        if (rc) {
            imm_free(s);
            return rc;
        }
        s->bytes += cols[i].len;
    }
    s->release = release;
    s->owner = owner;
    *out = &s->base;
    return TN_OK;
}

static void release_image(void *owner) { seg_image_free(owner); }

int seg_image_open(seg_image *img, seg_segment **out, char *err)
{
    seg_blob *blobs = tn_calloc(img->ncols + 1, sizeof *blobs);
    for (uint32_t i = 0; i < img->schema->nfields; i++) {
        int k = -1;
        for (uint32_t j = 0; j < img->ncols; j++)
            if (strcmp(img->cols[j].name, img->schema->fields[i].name) == 0)
                k = (int)j;
        if (k >= 0)
            blobs[i] = (seg_blob){img->cols[k].data, img->cols[k].len};
    }
    int rc = seg_immutable_open(&img->meta, img->schema, blobs, release_image, img,
                                out, err);
    free(blobs);
    if (rc)
        seg_image_free(img);
    return rc;
}

void imm_free(seg_immutable *s)
{
    for (uint32_t i = 0; i < s->ncols; i++)
        free(s->cols[i].owned);
    free(s->cols);
    if (s->release)
        s->release(s->owner);
    seg_schema_free(s->base.schema);
    seg_meta_free(&s->base.meta);
    free(s);
}

int seg_immutable_verify(const seg_segment *seg, char *err)
{
    if (seg->kind != SEG_KIND_IMMUTABLE)
        return tn_err(err, TN_EINVAL, "segment %s is not sealed", seg->meta.name);
    const seg_immutable *s = (const seg_immutable *)seg;
    for (uint32_t i = 0; i < s->ncols; i++) {
        const imm_col *c = &s->cols[i];
        if (!c->h)
            continue;
        uint64_t sum = seg_checksum(c->base + sizeof(seg_colhdr), c->h->body_len);
        if (sum != c->h->checksum)
            return tn_err(err, TN_ECORRUPT, "segment %s column '%s': checksum mismatch",
                          seg->meta.name, c->field->name);
    }
    return TN_OK;
}

size_t seg_immutable_bytes(const seg_segment *seg)
{
    return seg->kind == SEG_KIND_IMMUTABLE ? ((const seg_immutable *)seg)->bytes : 0;
}
