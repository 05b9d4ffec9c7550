/*
 * seg_mutable.c: the growing in-memory segment (one writer, lock-free
 * readers). See seg_mutable.h for the concurrency contract.
 *
 * Per column: a dictionary (values in arrival order plus an open-addressing
 * hash for value -> id lookups that readers may run concurrently), a forward
 * index of dictionary ids (or raw values for no-dictionary metrics), an
 * inverted index kept as one posting list of doc ids per dictionary id, a
 * null list, and min/max.
 *
 * Why posting lists and not CRoaring bitmaps while the segment grows:
 * CRoaring's containers are reallocated and converted in place on add, so
 * a reader could not walk one without a lock. A posting list only grows at
 * its end, and doc ids arrive in increasing order, so it is sorted; a reader
 * turns the prefix it may see into a roaring bitmap when a query asks. The
 * seal writes run-optimized roaring bitmaps.
 */
#include "seg_mutable.h"
#include "seg_mutable_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ARENA_BLOCK (1u << 20)

/* ---- memory that readers may still hold -------------------------------- */

static void mut_retire(seg_mutable *m, void *p)
{
    if (!p)
        return;
    if (m->nretired == m->retcap) {
        m->retcap = m->retcap ? m->retcap * 2 : 64;
        m->retired = tn_realloc(m->retired, m->retcap * sizeof(void *));
    }
    m->retired[m->nretired++] = p;
}

static void *mut_alloc(seg_mutable *m, size_t n)
{
    m->bytes += n;
    return tn_malloc(n);
}

/* ---- chunked vectors ---------------------------------------------------- */

static void cvec_init(mut_cvec *v, uint32_t width)
{
    memset(v, 0, sizeof *v);
    v->width = width;
}

/* Makes element i writable (the writer only; i grows by one at a time). */
static void cvec_ensure(seg_mutable *m, mut_cvec *v, uint64_t i)
{
    uint64_t chunk = i >> MUT_CHUNK_SHIFT;
    if (chunk < v->nchunks)
        return;
    uint8_t **dir = atomic_load_explicit(&v->dir, memory_order_relaxed);
    if (v->nchunks == v->dircap) {
        uint32_t cap = v->dircap ? v->dircap * 2 : 4;
        uint8_t **nd = mut_alloc(m, cap * sizeof *nd);
        if (v->nchunks)
            memcpy(nd, dir, v->nchunks * sizeof *nd);
        atomic_store_explicit(&v->dir, nd, memory_order_release);
        mut_retire(m, dir);
        dir = nd;
        v->dircap = cap;
    }
    dir[v->nchunks++] = mut_alloc(m, (size_t)MUT_CHUNK_LEN * v->width);
}

static void cvec_free(mut_cvec *v)
{
    uint8_t **dir = atomic_load_explicit(&v->dir, memory_order_relaxed);
    for (uint32_t i = 0; i < v->nchunks; i++)
        free(dir[i]);
    free(dir);
}

/* ---- posting lists ------------------------------------------------------ */

static void plist_add(seg_mutable *m, mut_plist *pl, uint32_t doc)
{
    uint32_t len = atomic_load_explicit(&pl->len, memory_order_relaxed);
    uint32_t *docs = atomic_load_explicit(&pl->docs, memory_order_relaxed);
    if (len == 0) {
        pl->first = doc;
        atomic_store_explicit(&pl->len, 1, memory_order_release);
        return;
    }
    uint32_t last = len == 1 ? pl->first : docs[len - 1];
    if (last == doc)
        return; /* a multi-value row repeating a value */
    if (len >= pl->cap) {
        uint32_t cap = pl->cap ? pl->cap * 2 : 4;
        uint32_t *nd = mut_alloc(m, cap * sizeof *nd);
        if (len == 1)
            nd[0] = pl->first;
        else
            memcpy(nd, docs, len * sizeof *nd);
        atomic_store_explicit(&pl->docs, nd, memory_order_release);
        mut_retire(m, docs);
        docs = nd;
        pl->cap = cap;
    }
    docs[len] = doc;
    atomic_store_explicit(&pl->len, len + 1, memory_order_release);
}

/* Number of documents < ndocs in a sorted posting list prefix. */
static uint32_t plist_visible(const uint32_t *docs, uint32_t len, uint32_t ndocs)
{
    uint32_t lo = 0, hi = len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (docs[mid] < ndocs)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static roaring_bitmap_t *plist_bitmap(const mut_plist *pl, uint32_t ndocs)
{
    uint32_t len = atomic_load_explicit(&pl->len, memory_order_acquire);
    roaring_bitmap_t *r = roaring_bitmap_create();
    if (len == 1 && pl->first < ndocs)
        roaring_bitmap_add(r, pl->first);
    if (len < 2)
        return r;
    const uint32_t *docs = atomic_load_explicit(&pl->docs, memory_order_acquire);
    uint32_t n = plist_visible(docs, len, ndocs);
    if (n)
        roaring_bitmap_add_many(r, n, docs);
    return r;
}

/* ---- dictionary --------------------------------------------------------- */

/* Values are kept canonical so equal values hash and compare equal: floats
 * are rounded to float precision, every NaN is one NaN, and -0.0 is 0.0
 * (they compare equal, so two entries would make the sealed dictionary hold
 * equal neighbours that its binary search finds either of). */
static seg_value canon(seg_phys phys, seg_value v)
{
    if (phys == SEG_PHYS_F32)
        v.d = (double)(float)v.d;
    if ((phys == SEG_PHYS_F32 || phys == SEG_PHYS_F64) && isnan(v.d))
        v.d = NAN;
    if ((phys == SEG_PHYS_F32 || phys == SEG_PHYS_F64) && v.d == 0)
        v.d = 0.0;
    if (phys == SEG_PHYS_I32)
        v.i = (int32_t)v.i;
    return v;
}

static uint64_t value_hash(seg_phys phys, seg_value v)
{
    if (phys == SEG_PHYS_STR)
        return tn_hash_bytes(v.s.p, v.s.len);
    uint64_t bits;
    memcpy(&bits, &v, 8);
    return tn_mix64(bits);
}

static bool value_eq(seg_phys phys, seg_value a, seg_value b)
{
    if (phys == SEG_PHYS_STR)
        return a.s.len == b.s.len && memcmp(a.s.p, b.s.p, a.s.len) == 0;
    return memcmp(&a, &b, 8) == 0; /* canonical bits */
}

static seg_value dict_value(const mut_dict *d, seg_phys phys, uint32_t id)
{
    seg_value v;
    const uint8_t *e = mut_cvec_at(&d->vals, id);
    if (phys == SEG_PHYS_STR) {
        const mut_str *s = (const mut_str *)e;
        v.s.p = s->p;
        v.s.len = s->len;
    } else {
        memcpy(&v, e, 8);
    }
    return v;
}

/* Tables from this size on are placed in transparent huge pages where the
 * kernel allows them (madvise mode): a lookup lands on a random slot, so
 * with 4 KiB pages every lookup in a table of several MiB also misses the
 * TLB. */
#define MUT_HUGE (2u << 20)

static mut_htab *htab_alloc(seg_mutable *m, size_t bytes)
{
    void *p = NULL;
    if (bytes < MUT_HUGE || posix_memalign(&p, MUT_HUGE, bytes) != 0)
        return mut_alloc(m, bytes);
    m->bytes += bytes;
    madvise(p, bytes, MADV_HUGEPAGE); /* a hint: refused, it is 4 KiB pages */
    return p;
}

static mut_htab *htab_new(seg_mutable *m, uint32_t nslots)
{
    mut_htab *t = htab_alloc(m, sizeof *t + nslots * sizeof(t->slot[0]));
    t->mask = nslots - 1;
    for (uint32_t i = 0; i < nslots; i++)
        atomic_init(&t->slot[i], 0);
    return t;
}

static uint64_t slot_of(uint64_t h, uint32_t id)
{
    return (h & 0xffffffff00000000ull) | (id + 1u);
}

/* Probes for v: returns its id, or -1 with *empty set to the free slot. */
static int64_t htab_probe(const mut_htab *t, uint32_t mask, const mut_dict *d,
                          seg_phys phys, seg_value v, uint64_t h, uint32_t *empty)
{
    uint32_t i = (uint32_t)h & mask;
    for (;;) {
        uint64_t s = atomic_load_explicit(&t->slot[i], memory_order_acquire);
        if (!s) {
            *empty = i;
            return -1;
        }
        if ((s >> 32) == (h >> 32)) {
            uint32_t id = (uint32_t)s - 1;
            if (value_eq(phys, dict_value(d, phys, id), v))
                return id;
        }
        i = (i + 1) & mask;
    }
}

static void dict_grow(seg_mutable *m, mut_dict *d, seg_phys phys)
{
    mut_htab *old = atomic_load_explicit(&d->htab, memory_order_relaxed);
    mut_htab *t = htab_new(m, (old->mask + 1) * 2);
    uint32_t n = atomic_load_explicit(&d->count, memory_order_relaxed);
    for (uint32_t id = 0; id < n; id++) {
        uint64_t h = value_hash(phys, dict_value(d, phys, id));
        uint32_t i = (uint32_t)h & t->mask;
        while (atomic_load_explicit(&t->slot[i], memory_order_relaxed))
            i = (i + 1) & t->mask;
        atomic_store_explicit(&t->slot[i], slot_of(h, id), memory_order_relaxed);
    }
    atomic_store_explicit(&d->htab, t, memory_order_release);
    d->mask = t->mask;
    mut_retire(m, old);
}

int64_t mut_dict_find(const mut_dict *d, seg_phys phys, seg_value v)
{
    /* a query may ask for any 64-bit number; canon would wrap it into int32 */
    if (phys == SEG_PHYS_I32 && (v.i < INT32_MIN || v.i > INT32_MAX))
        return -1;
    v = canon(phys, v);
    const mut_htab *t = atomic_load_explicit(&d->htab, memory_order_acquire);
    uint32_t empty;
    return htab_probe(t, t->mask, d, phys, v, value_hash(phys, v), &empty);
}

/* Copies string bytes into the segment's arena; blocks never move. */
static const char *arena_copy(seg_mutable *m, const char *p, uint32_t len)
{
    if (len > ARENA_BLOCK / 4) {
        char *big = mut_alloc(m, len ? len : 1);
        memcpy(big, p, len);
        mut_retire(m, big); /* freed with the segment */
        return big;
    }
    if (!m->arena || m->arena_used + len > ARENA_BLOCK) {
        m->arena = mut_alloc(m, ARENA_BLOCK);
        mut_retire(m, m->arena);
        m->arena_used = 0;
    }
    char *dst = m->arena + m->arena_used;
    memcpy(dst, p, len);
    m->arena_used += len;
    return dst;
}

/* Returns the id of v (canonical, hashing to h), adding v when new
 * (*added says which). */
static uint32_t dict_intern_h(seg_mutable *m, mut_col *c, seg_value v, uint64_t h,
                              bool *added)
{
    mut_dict *d = &c->dict;
    mut_htab *t = atomic_load_explicit(&d->htab, memory_order_relaxed);
    uint32_t empty;
    int64_t found = htab_probe(t, d->mask, d, c->phys, v, h, &empty);
    *added = found < 0;
    if (found >= 0)
        return (uint32_t)found;
    uint32_t id = atomic_load_explicit(&d->count, memory_order_relaxed);
    cvec_ensure(m, &d->vals, id);
    uint8_t *e = mut_cvec_at(&d->vals, id);
    if (c->phys == SEG_PHYS_STR) {
        mut_str s = {arena_copy(m, v.s.p, v.s.len), v.s.len};
        memcpy(e, &s, sizeof s);
    } else {
        memcpy(e, &v, 8);
    }
    if (c->inverted) {
        cvec_ensure(m, &c->postings, id);
        memset(mut_cvec_at(&c->postings, id), 0, sizeof(mut_plist));
    }
    atomic_store_explicit(&d->count, id + 1, memory_order_release);
    /* the entry is written before the slot that lets readers find it */
    atomic_store_explicit(&t->slot[empty], slot_of(h, id), memory_order_release);
    /* linear probing stays short up to about 70% full */
    if ((uint64_t)(id + 1) * 10 > (uint64_t)(d->mask + 1) * 7)
        dict_grow(m, d, c->phys);
    return id;
}

static uint32_t dict_intern(seg_mutable *m, mut_col *c, seg_value v, bool *added)
{
    v = canon(c->phys, v);
    return dict_intern_h(m, c, v, value_hash(c->phys, v), added);
}

/* ---- min/max ------------------------------------------------------------ */

static void minmax_update(mut_col *c, seg_value v, uint32_t id)
{
    bool first = !atomic_load_explicit(&c->has_minmax, memory_order_relaxed);
    if (c->phys == SEG_PHYS_STR) {
        seg_value lo = dict_value(&c->dict, c->phys, (uint32_t)c->min_bits);
        seg_value hi = dict_value(&c->dict, c->phys, (uint32_t)c->max_bits);
        if (first || seg_value_cmp(c->field->type, v, lo) < 0)
            atomic_store_explicit(&c->min_bits, id, memory_order_release);
        if (first || seg_value_cmp(c->field->type, v, hi) > 0)
            atomic_store_explicit(&c->max_bits, id, memory_order_release);
    } else {
        seg_value lo, hi;
        int64_t lb = c->min_bits, hb = c->max_bits;
        memcpy(&lo, &lb, 8);
        memcpy(&hi, &hb, 8);
        int64_t bits;
        memcpy(&bits, &v, 8);
        if (first || seg_value_cmp(c->field->type, v, lo) < 0)
            atomic_store_explicit(&c->min_bits, bits, memory_order_release);
        if (first || seg_value_cmp(c->field->type, v, hi) > 0)
            atomic_store_explicit(&c->max_bits, bits, memory_order_release);
    }
    if (first)
        atomic_store_explicit(&c->has_minmax, true, memory_order_release);
}

/* ---- create / append ---------------------------------------------------- */

static bool name_in(const char *name, const char *const *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcasecmp(name, list[i]) == 0)
            return true;
    return false;
}

static void col_init(seg_mutable *m, mut_col *c, const seg_field *f, bool raw,
                     bool inverted)
{
    memset(c, 0, sizeof *c);
    c->field = f;
    c->phys = seg_type_phys(f->type);
    c->sv = f->single_value;
    c->raw = raw;
    c->inverted = inverted && !raw;
    cvec_init(&c->fwd, raw ? 8 : 4);
    cvec_init(&c->mv_end, 4);
    cvec_init(&c->mv_vals, 4);
    cvec_init(&c->dict.vals, c->phys == SEG_PHYS_STR ? sizeof(mut_str) : 8);
    cvec_init(&c->postings, sizeof(mut_plist));
    cvec_init(&c->zones, sizeof(mut_zone));
    atomic_init(&c->dict.htab, htab_new(m, 64));
    c->dict.mask = 63;
}

int seg_mutable_create(const seg_schema *schema, const seg_mutable_opts *o,
                       seg_mutable **out, char *err)
{
    for (uint32_t i = 0; i < o->n_no_dict; i++) {
        int f = seg_schema_find(schema, o->no_dict_columns[i]);
        if (f < 0)
            return tn_err(err, TN_EINVAL, "noDictionaryColumns: no column '%s'",
                          o->no_dict_columns[i]);
        const seg_field *fs = &schema->fields[f];
        if (!fs->single_value || seg_type_phys(fs->type) == SEG_PHYS_STR)
            return tn_err(err, TN_EINVAL,
                          "noDictionaryColumns: '%s' must be a single-value "
                          "numeric column", fs->name);
    }
    int tf = -1;
    if (o->time_column && (tf = seg_schema_find(schema, o->time_column)) < 0)
        return tn_err(err, TN_EINVAL, "time column '%s' is not in schema '%s'",
                      o->time_column, schema->name);

    seg_mutable *m = tn_calloc(1, sizeof *m);
    m->base.kind = SEG_KIND_MUTABLE;
    atomic_init(&m->base.refs, 1);
    m->base.schema = seg_schema_copy(schema);
    seg_meta *meta = &m->base.meta;
    meta->name = tn_strdup(o->name ? o->name : "mutable");
    meta->table = tn_strdup(o->table ? o->table : schema->name);
    meta->partition = o->partition;
    meta->start_offset = o->start_offset;
    meta->created_ms = tn_now_ms();
    meta->time_column = tf >= 0 ? tn_strdup(schema->fields[tf].name) : NULL;
    m->time_field = tf;
    atomic_init(&m->end_offset, o->start_offset);
    atomic_init(&m->min_time, INT64_MAX);
    atomic_init(&m->max_time, INT64_MIN);
    m->ncols = schema->nfields;
    m->cols = tn_calloc(m->ncols, sizeof *m->cols);
    m->probe = tn_calloc(m->ncols, sizeof *m->probe);
    for (uint32_t i = 0; i < m->ncols; i++) {
        const seg_field *f = &m->base.schema->fields[i];
        bool inv = !o->inverted_set ||
                   name_in(f->name, o->inverted_columns, o->n_inverted);
        col_init(m, &m->cols[i], f, name_in(f->name, o->no_dict_columns, o->n_no_dict),
                 inv);
        mut_col *c = &m->cols[i];
        c->zoned = (int)i == tf && c->sv &&
                   (c->phys == SEG_PHYS_I32 || c->phys == SEG_PHYS_I64);
    }
    *out = m;
    return TN_OK;
}

/* Written before ndocs moves past doc (release), so a reader that sees a
 * complete run sees its final min and max. */
static void zone_update(seg_mutable *m, mut_col *c, uint32_t doc, int64_t v)
{
    uint32_t z = doc >> MUT_CHUNK_SHIFT;
    if (!(doc & (MUT_CHUNK_LEN - 1))) {
        cvec_ensure(m, &c->zones, z);
        *(mut_zone *)mut_cvec_at(&c->zones, z) = (mut_zone){v, v};
        return;
    }
    mut_zone *zn = mut_cvec_at(&c->zones, z);
    zn->lo = v < zn->lo ? v : zn->lo;
    zn->hi = v > zn->hi ? v : zn->hi;
}

static void append_raw(seg_mutable *m, mut_col *c, uint32_t doc, seg_value v)
{
    cvec_ensure(m, &c->fwd, doc);
    v = canon(c->phys, v);
    memcpy(mut_cvec_at(&c->fwd, doc), &v, 8);
    if (c->zoned)
        zone_update(m, c, doc, v.i);
    minmax_update(c, v, 0);
}

/* A single-value dictionary column: p holds its canonical value and hash. */
static void append_sv(seg_mutable *m, mut_col *c, uint32_t doc, const mut_probe *p)
{
    cvec_ensure(m, &c->fwd, doc);
    bool added;
    uint32_t id = dict_intern_h(m, c, p->v, p->h, &added);
    memcpy(mut_cvec_at(&c->fwd, doc), &id, 4);
    if (c->zoned)
        zone_update(m, c, doc, p->v.i);
    if (c->inverted)
        plist_add(m, mut_cvec_at(&c->postings, id), doc);
    if (added) /* min and max can only move when a new value arrives */
        minmax_update(c, dict_value(&c->dict, c->phys, id), id);
}

static void append_mv(seg_mutable *m, mut_col *c, uint32_t doc,
                      const seg_value *vals, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        bool added;
        uint32_t id = dict_intern(m, c, vals[k], &added);
        cvec_ensure(m, &c->mv_vals, c->mv_total);
        memcpy(mut_cvec_at(&c->mv_vals, c->mv_total), &id, 4);
        c->mv_total++;
        if (c->inverted)
            plist_add(m, mut_cvec_at(&c->postings, id), doc);
        if (added)
            minmax_update(c, dict_value(&c->dict, c->phys, id), id);
    }
    cvec_ensure(m, &c->mv_end, doc);
    memcpy(mut_cvec_at(&c->mv_end, doc), &c->mv_total, 4);
    if (n > atomic_load_explicit(&c->max_mv, memory_order_relaxed))
        atomic_store_explicit(&c->max_mv, n, memory_order_relaxed);
}

static void track_time(seg_mutable *m, const seg_row *row)
{
    if (m->time_field < 0)
        return;
    const seg_cell *cell = &row->cells[m->time_field];
    const seg_field *f = &m->base.schema->fields[m->time_field];
    int64_t ms;
    if (cell->is_null || !seg_field_time_ms(f, cell->v, &ms))
        return;
    if (ms < atomic_load_explicit(&m->min_time, memory_order_relaxed))
        atomic_store_explicit(&m->min_time, ms, memory_order_relaxed);
    if (ms > atomic_load_explicit(&m->max_time, memory_order_relaxed))
        atomic_store_explicit(&m->max_time, ms, memory_order_relaxed);
}

/* Tables up to this many slots (256 KiB) stay in the cache between rows;
 * bigger ones (high-cardinality ids and timestamps) miss. */
#define MUT_BIG_TABLE (1u << 15)

static bool col_big(const mut_col *c)
{
    return c->sv && !c->raw && c->dict.mask >= MUT_BIG_TABLE;
}

/* Hashes every single-value dictionary column's value and prefetches its
 * hash slot before any lookup runs. In a growing segment the tables of
 * high-cardinality columns are far bigger than the cache: done one column
 * at a time, each lookup waited for its misses in turn, and these lookups
 * were the largest cost of an append. */
static void prefetch_slots(seg_mutable *m, const seg_row *row)
{
    for (uint32_t i = 0; i < m->ncols; i++) {
        const mut_col *c = &m->cols[i];
        m->probe[i].big = col_big(c);
        if (!c->sv || c->raw)
            continue;
        const seg_cell *cell = &row->cells[i];
        seg_value v = canon(c->phys, cell->is_null ? c->field->default_null : cell->v);
        uint64_t h = value_hash(c->phys, v);
        const mut_htab *t = atomic_load_explicit(&c->dict.htab, memory_order_relaxed);
        __builtin_prefetch(&t->slot[(uint32_t)h & c->dict.mask]);
        m->probe[i].v = v;
        m->probe[i].h = h;
    }
}

/* For the big tables, whose slots arrive while the small columns are
 * appended: prefetches the entry the first slot names (the compare of a
 * value seen before, which would miss too). */
static void prefetch_entries(seg_mutable *m)
{
    for (uint32_t i = 0; i < m->ncols; i++) {
        const mut_col *c = &m->cols[i];
        if (!m->probe[i].big)
            continue;
        const mut_htab *t = atomic_load_explicit(&c->dict.htab, memory_order_relaxed);
        uint64_t h = m->probe[i].h;
        uint64_t s = atomic_load_explicit(&t->slot[(uint32_t)h & c->dict.mask],
                                          memory_order_relaxed);
        if (s && (s >> 32) == (h >> 32))
            __builtin_prefetch(mut_cvec_at(&c->dict.vals, (uint32_t)s - 1));
    }
}

static void append_col(seg_mutable *m, uint32_t i, const seg_row *row, uint32_t doc)
{
    mut_col *c = &m->cols[i];
    const seg_cell *cell = &row->cells[i];
    const seg_value *def = &c->field->default_null;
    if (c->sv && c->raw) {
        append_raw(m, c, doc, cell->is_null ? *def : cell->v);
    } else if (c->sv) {
        append_sv(m, c, doc, &m->probe[i]);
    } else if (cell->is_null || cell->nvals == 0) {
        append_mv(m, c, doc, def, 1);
    } else {
        append_mv(m, c, doc, cell->mv, cell->nvals);
    }
    if (cell->is_null)
        plist_add(m, &c->nulls, doc);
}

int seg_mutable_append(seg_mutable *m, const seg_row *row, int64_t offset,
                       char *err)
{
    if (row->ncells != m->ncols)
        return tn_err(err, TN_EINVAL, "row has %u cells, segment %s has %u columns",
                      row->ncells, m->base.meta.name, m->ncols);
    uint32_t doc = atomic_load_explicit(&m->ndocs, memory_order_relaxed);
    if (doc >= SEG_MUTABLE_MAX_DOCS)
        return tn_err(err, TN_EFULL, "segment %s is full (%u documents)",
                      m->base.meta.name, doc);
    /* the columns of big tables go last, when their prefetches have landed;
     * readers see nothing of the row before ndocs moves, so order is free */
    prefetch_slots(m, row);
    for (uint32_t i = 0; i < m->ncols; i++)
        if (!m->probe[i].big)
            append_col(m, i, row, doc);
    prefetch_entries(m);
    for (uint32_t i = 0; i < m->ncols; i++)
        if (m->probe[i].big)
            append_col(m, i, row, doc);
    track_time(m, row);
    if (offset >= 0)
        atomic_store_explicit(&m->end_offset, offset + 1, memory_order_relaxed);
    /* Publishing the count is what makes the row visible to readers. */
    atomic_store_explicit(&m->ndocs, doc + 1, memory_order_release);
    return TN_OK;
}

void seg_mutable_skip_offset(seg_mutable *m, int64_t offset)
{
    atomic_store_explicit(&m->end_offset, offset + 1, memory_order_relaxed);
}

size_t seg_mutable_bytes(const seg_mutable *m) { return m->bytes; }

void mut_free(seg_mutable *m)
{
    for (uint32_t i = 0; i < m->ncols; i++) {
        mut_col *c = &m->cols[i];
        cvec_free(&c->fwd);
        cvec_free(&c->mv_end);
        cvec_free(&c->mv_vals);
        uint32_t card = atomic_load_explicit(&c->dict.count, memory_order_relaxed);
        for (uint32_t id = 0; id < card && c->inverted; id++) {
            mut_plist *pl = mut_cvec_at(&c->postings, id);
            free(atomic_load_explicit(&pl->docs, memory_order_relaxed));
        }
        free(atomic_load_explicit(&c->nulls.docs, memory_order_relaxed));
        cvec_free(&c->postings);
        cvec_free(&c->zones);
        cvec_free(&c->dict.vals);
        free(atomic_load_explicit(&c->dict.htab, memory_order_relaxed));
    }
    for (uint32_t i = 0; i < m->nretired; i++)
        free(m->retired[i]);
    free(m->retired);
    free(m->cols);
    free(m->probe);
    seg_schema_free(m->base.schema);
    seg_meta_free(&m->base.meta);
    free(m);
}

/* ---- reader side: the column interface ---------------------------------- */

static void mc_dict_get(const seg_col *c, uint32_t id, seg_value *out)
{
    const mut_col *mc = c->impl;
    *out = dict_value(&mc->dict, mc->phys, id);
}

static int64_t mc_dict_find(const seg_col *c, seg_value v)
{
    const mut_col *mc = c->impl;
    int64_t id = mut_dict_find(&mc->dict, mc->phys, v);
    return id < (int64_t)c->cardinality ? id : -1;
}

static void mc_read_ids(const seg_col *c, uint32_t doc, uint32_t n, uint32_t *ids)
{
    const mut_col *mc = c->impl;
    while (n) {
        uint32_t in_chunk = MUT_CHUNK_LEN - (doc & (MUT_CHUNK_LEN - 1));
        uint32_t k = TN_MIN(n, in_chunk);
        memcpy(ids, mut_cvec_at(&mc->fwd, doc), (size_t)k * 4);
        ids += k;
        doc += k;
        n -= k;
    }
}

static void mc_read_raw(const seg_col *c, uint32_t doc, uint32_t n, void *out)
{
    const mut_col *mc = c->impl;
    uint8_t *o = out;
    while (n) {
        uint32_t in_chunk = MUT_CHUNK_LEN - (doc & (MUT_CHUNK_LEN - 1));
        uint32_t k = TN_MIN(n, in_chunk);
        memcpy(o, mut_cvec_at(&mc->fwd, doc), (size_t)k * 8);
        o += (size_t)k * 8;
        doc += k;
        n -= k;
    }
}

static void mc_read_ids_at(const seg_col *c, const uint32_t *docs, uint32_t n,
                           uint32_t *ids)
{
    const mut_col *mc = c->impl;
    for (uint32_t i = 0; i < n; i++)
        memcpy(&ids[i], mut_cvec_at(&mc->fwd, docs[i]), 4);
}

static void mc_read_raw_at(const seg_col *c, const uint32_t *docs, uint32_t n, void *out)
{
    const mut_col *mc = c->impl;
    uint8_t *o = out;
    for (uint32_t i = 0; i < n; i++)
        memcpy(o + (size_t)i * 8, mut_cvec_at(&mc->fwd, docs[i]), 8);
}

static uint32_t mc_read_mv(const seg_col *c, uint32_t doc, uint32_t *ids, uint32_t cap)
{
    const mut_col *mc = c->impl;
    uint32_t end, start = 0;
    memcpy(&end, mut_cvec_at(&mc->mv_end, doc), 4);
    if (doc)
        memcpy(&start, mut_cvec_at(&mc->mv_end, doc - 1), 4);
    uint32_t n = end - start;
    for (uint32_t k = 0; k < n && k < cap; k++)
        memcpy(&ids[k], mut_cvec_at(&mc->mv_vals, start + k), 4);
    return n;
}

static const roaring_bitmap_t *mc_bitmap(const seg_col *c, uint32_t id)
{
    const mut_col *mc = c->impl;
    if (!mc->inverted || id >= c->cardinality)
        return NULL;
    return plist_bitmap(mut_cvec_at(&mc->postings, id), c->ndocs);
}

static const roaring_bitmap_t *mc_nulls(const seg_col *c)
{
    const mut_col *mc = c->impl;
    if (!atomic_load_explicit(&mc->nulls.len, memory_order_acquire))
        return NULL;
    roaring_bitmap_t *r = plist_bitmap(&mc->nulls, c->ndocs);
    if (roaring_bitmap_is_empty(r)) {
        roaring_bitmap_free(r);
        return NULL;
    }
    return r;
}

static void mc_zone(const seg_col *c, uint32_t z, int64_t *lo, int64_t *hi)
{
    const mut_col *mc = c->impl;
    const mut_zone *zn = mut_cvec_at(&mc->zones, z);
    *lo = zn->lo;
    *hi = zn->hi;
}

static const seg_col_ops mut_col_ops = {
    .dict_get = mc_dict_get,
    .dict_find = mc_dict_find,
    .read_ids = mc_read_ids,
    .read_mv = mc_read_mv,
    .read_raw = mc_read_raw,
    .read_ids_at = mc_read_ids_at,
    .read_raw_at = mc_read_raw_at,
    .bitmap = mc_bitmap,
    .nulls = mc_nulls,
    .zone = mc_zone,
};

static seg_value bits_value(int64_t bits)
{
    seg_value v;
    memcpy(&v, &bits, 8);
    return v;
}

void mut_column_open(const seg_mutable *m, uint32_t idx, uint32_t ndocs, seg_col *out)
{
    const mut_col *mc = &m->cols[idx];
    memset(out, 0, sizeof *out);
    out->ops = &mut_col_ops;
    out->impl = mc;
    out->field = mc->field;
    out->type = mc->field->type;
    out->ndocs = ndocs;
    out->single_value = mc->sv;
    out->has_dict = !mc->raw;
    out->has_inverted = mc->inverted;
    out->cardinality = atomic_load_explicit(&mc->dict.count, memory_order_acquire);
    out->max_mv = mc->sv ? 1 : atomic_load_explicit(&mc->max_mv, memory_order_relaxed);
    if (mc->zoned) {
        out->zone_docs = MUT_CHUNK_LEN;
        out->nzones = ndocs >> MUT_CHUNK_SHIFT;
    }
    if (atomic_load_explicit(&mc->has_minmax, memory_order_acquire)) {
        /* acquire: a string min/max is a dictionary id whose entry was
         * written before the id was stored */
        int64_t lo = atomic_load_explicit(&mc->min_bits, memory_order_acquire);
        int64_t hi = atomic_load_explicit(&mc->max_bits, memory_order_acquire);
        if (mc->phys == SEG_PHYS_STR) {
            out->min = dict_value(&mc->dict, mc->phys, (uint32_t)lo);
            out->max = dict_value(&mc->dict, mc->phys, (uint32_t)hi);
        } else {
            out->min = bits_value(lo);
            out->max = bits_value(hi);
        }
    } else {
        out->min = out->max = mc->field->default_null;
    }
}

int mut_column_index(const seg_mutable *m, const char *name)
{
    return seg_schema_find(m->base.schema, name);
}

uint32_t mut_ndocs(const seg_mutable *m)
{
    return atomic_load_explicit(&m->ndocs, memory_order_acquire);
}

void mut_meta(const seg_mutable *m, seg_meta *out)
{
    seg_meta_copy(out, &m->base.meta);
    out->ndocs = mut_ndocs(m);
    out->end_offset = atomic_load_explicit(&m->end_offset, memory_order_relaxed);
    out->min_time_ms = atomic_load_explicit(&m->min_time, memory_order_relaxed);
    out->max_time_ms = atomic_load_explicit(&m->max_time, memory_order_relaxed);
}
