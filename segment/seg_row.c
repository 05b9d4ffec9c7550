/*
 * seg_row.c: rows of typed cells and their decoding from JSON objects with
 * Pinot's lenient conversions (numbers as strings, scalars for multi-value
 * columns, hex for BYTES, ISO timestamps).
 */
#include "seg_row.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where a decoded string's bytes sit in row->strings. Cells cannot point
 * there until decoding ends because the buffer moves as it grows. */
typedef struct seg_fixup {
    uint32_t index; /* cell index, or mvpool index when mv */
    uint32_t off;   /* byte offset in row->strings */
    bool mv;
} seg_fixup;

#define SEG_KEYMAP_ORDER 64

/* Maps JSON keys to fields with one hash probe per key instead of a scan
 * of the schema. Names hash case-insensitively so one table serves both
 * exact and case-insensitive matches. */
typedef struct seg_keymap {
    uint32_t mask;
    int32_t *slots;       /* field index, -1 when empty */
    uint32_t *hashes;     /* hash of each field's name */
    const cJSON **items;  /* per field: value matched in the current parse */
    bool *exact;          /* per field: items[i] matched the name exactly */
    seg_fixup *fixups;
    uint32_t nfixups, capfixups;
    /* The field the k-th key of the previous object matched exactly, or -1:
     * producers write every message's keys in the same order, so one
     * strcmp usually replaces the hash and the probe. */
    int32_t order[SEG_KEYMAP_ORDER];
} seg_keymap;

#define SEG_NO_OFF UINT32_MAX

/* cJSON's cJSON_IsString etc. are calls into the shared library; several
 * per value on the hot path cost more than the tests themselves. */
#define SEG_JTYPE(j) ((j)->type & 0xFF)
#define SEG_JIS(j, t) (SEG_JTYPE(j) == (t))
#define SEG_JBOOL(j) (SEG_JIS(j, cJSON_True) || SEG_JIS(j, cJSON_False))

static uint32_t seg_hash_ci(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        h = (h ^ c) * 16777619u;
    }
    return h;
}

static seg_keymap *seg_keymap_new(const seg_schema *s)
{
    seg_keymap *km = tn_calloc(1, sizeof *km);
    uint32_t size = 16;
    while (size < 2 * s->nfields)
        size *= 2;
    km->mask = size - 1;
    km->slots = tn_malloc(size * sizeof *km->slots);
    memset(km->slots, -1, size * sizeof *km->slots);
    km->hashes = tn_calloc(s->nfields, sizeof *km->hashes);
    km->items = tn_calloc(s->nfields, sizeof *km->items);
    km->exact = tn_calloc(s->nfields, sizeof *km->exact);
    memset(km->order, -1, sizeof km->order);
    for (uint32_t i = 0; i < s->nfields; i++) {
        uint32_t h = seg_hash_ci(s->fields[i].name), j = h & km->mask;
        while (km->slots[j] >= 0)
            j = (j + 1) & km->mask;
        km->slots[j] = (int32_t)i;
        km->hashes[i] = h;
    }
    return km;
}

static void seg_keymap_free(seg_keymap *km)
{
    if (!km)
        return;
    free(km->slots);
    free(km->hashes);
    free(km->items);
    free(km->exact);
    free(km->fixups);
    free(km);
}

/* Field whose name equals key ignoring case (at most one: the schema
 * rejects names that differ only in case), or -1; *exact tells whether the
 * case matches too. Exact keys are the common case, so strcmp goes first. */
static int seg_keymap_find(const seg_keymap *km, const seg_schema *s,
                           const char *key, bool *exact)
{
    uint32_t h = seg_hash_ci(key);
    for (uint32_t j = h & km->mask; km->slots[j] >= 0; j = (j + 1) & km->mask) {
        int32_t f = km->slots[j];
        if (km->hashes[f] != h)
            continue;
        const char *name = s->fields[f].name;
        *exact = strcmp(name, key) == 0;
        if (*exact || strcasecmp(name, key) == 0)
            return f;
    }
    return -1;
}

/* Picks each field's JSON value: an exact key beats a case-insensitive
 * one whatever their order; among equals the last wins. */
static void seg_keymap_match(seg_keymap *km, const seg_schema *s,
                             const cJSON *obj)
{
    memset(km->items, 0, s->nfields * sizeof *km->items);
    km->nfixups = 0;
    uint32_t k = 0;
    for (const cJSON *j = obj->child; j; j = j->next, k++) {
        bool exact = false;
        int f = k < SEG_KEYMAP_ORDER ? km->order[k] : -1;
        if (f >= 0 && strcmp(s->fields[f].name, j->string) == 0)
            exact = true;
        else
            f = seg_keymap_find(km, s, j->string, &exact);
        if (k < SEG_KEYMAP_ORDER)
            km->order[k] = f >= 0 && exact ? f : -1;
        if (f < 0)
            continue;
        if (exact || !km->items[f] || !km->exact[f]) {
            km->items[f] = j;
            km->exact[f] = exact;
        }
    }
}

static void seg_keymap_fixup(seg_keymap *km, uint32_t index, bool mv, uint32_t off)
{
    if (km->nfixups == km->capfixups) {
        km->capfixups = km->capfixups ? km->capfixups * 2 : 16;
        km->fixups = tn_realloc(km->fixups, km->capfixups * sizeof *km->fixups);
    }
    km->fixups[km->nfixups++] = (seg_fixup){.index = index, .off = off, .mv = mv};
}

/* ---- cJSON allocation in the row's arena ---------------------------- */

/* First block of a row's arena: a 300-byte event takes about 3 KiB of
 * cJSON nodes and strings; bigger messages grow it (tn_arena_reset). */
#define SEG_ROW_ARENA 8192

/* Set once at startup, before threads: whether cJSON allocates through
 * seg_json_alloc/free. */
static atomic_bool seg_hooks_on;
/* The arena of the row this thread is parsing, only during the parse: the
 * one place a cJSON allocation goes to an arena. */
static _Thread_local tn_arena *seg_parse_arena;

static void *seg_json_alloc(size_t n)
{
    tn_arena *a = seg_parse_arena;
    return a ? tn_arena_alloc(a, n) : malloc(n);
}

/* During a parse cJSON frees only its own partial tree (a parse error);
 * arena trees are never freed node by node afterwards (seg_row_reset
 * resets the arena), so any other pointer is the heap's. */
static void seg_json_free(void *p)
{
    tn_arena *a = seg_parse_arena;
    if (a && tn_arena_owns(a, p))
        return;
    free(p);
}

void seg_row_json_hooks_install(void)
{
    if (atomic_load(&seg_hooks_on))
        return;
    cJSON_Hooks h = {.malloc_fn = seg_json_alloc, .free_fn = seg_json_free};
    cJSON_InitHooks(&h);
    atomic_store(&seg_hooks_on, true);
}

/* ---- rows ----------------------------------------------------------- */

void seg_row_init(seg_row *row, const seg_schema *schema)
{
    memset(row, 0, sizeof *row);
    row->schema = schema;
    row->ncells = schema->nfields;
    row->cells = tn_calloc(row->ncells, sizeof *row->cells);
    row->keymap = seg_keymap_new(schema);
    tn_arena_init(&row->arena, SEG_ROW_ARENA);
    seg_row_reset(row);
}

void seg_row_reset(seg_row *row)
{
    for (uint32_t i = 0; i < row->ncells; i++) {
        seg_cell *c = &row->cells[i];
        c->is_null = true;
        c->nvals = 0;
        c->mv = NULL;
        c->v = row->schema->fields[i].default_null;
    }
    if (row->json_in_arena)
        tn_arena_reset(&row->arena);
    else
        cJSON_Delete(row->json);
    row->json = NULL;
    row->json_in_arena = false;
    tn_buf_reset(&row->strings);
    row->mvpool_len = 0;
}

void seg_row_free(seg_row *row)
{
    if (!row->json_in_arena)
        cJSON_Delete(row->json);
    tn_arena_free(&row->arena);
    free(row->cells);
    tn_buf_free(&row->strings);
    free(row->mvpool);
    seg_keymap_free(row->keymap);
    memset(row, 0, sizeof *row);
}

/* Makes room for n more pooled values. The pool is moved by hand rather
 * than realloc'd so cells already pointing into it can be rebased while
 * the old block is still valid. */
static void seg_row_mv_reserve(seg_row *row, uint32_t n)
{
    if (row->mvpool_len + n <= row->mvpool_cap)
        return;
    uint32_t cap = row->mvpool_cap ? row->mvpool_cap : 64;
    while (cap < row->mvpool_len + n)
        cap *= 2;
    seg_value *old = row->mvpool, *pool = tn_malloc(cap * sizeof *pool);
    if (row->mvpool_len)
        memcpy(pool, old, row->mvpool_len * sizeof *pool);
    for (uint32_t i = 0; i < row->ncells; i++)
        if (row->cells[i].mv)
            row->cells[i].mv = pool + (row->cells[i].mv - old);
    free(old);
    row->mvpool = pool;
    row->mvpool_cap = cap;
}

void seg_row_set(seg_row *row, uint32_t field, seg_value v)
{
    if (field >= row->ncells)
        return;
    if (!row->schema->fields[field].single_value) {
        /* a scalar for a multi-value column is a one-value list */
        seg_row_set_mv(row, field, &v, 1);
        return;
    }
    seg_cell *c = &row->cells[field];
    c->is_null = false;
    c->v = v;
}

void seg_row_set_mv(seg_row *row, uint32_t field, const seg_value *vals,
                    uint32_t n)
{
    if (field >= row->ncells)
        return;
    seg_cell *c = &row->cells[field];
    if (n == 0) {
        c->is_null = true;
        c->nvals = 0;
        c->mv = NULL;
        c->v = row->schema->fields[field].default_null;
        return;
    }
    /* vals may be another cell's values, which the reserve would move */
    bool pooled = row->mvpool && vals >= row->mvpool &&
                  vals < row->mvpool + row->mvpool_len;
    size_t from = pooled ? (size_t)(vals - row->mvpool) : 0;
    seg_row_mv_reserve(row, n);
    if (pooled)
        vals = row->mvpool + from;
    seg_value *dst = row->mvpool + row->mvpool_len;
    memcpy(dst, vals, n * sizeof *dst);
    row->mvpool_len += n;
    c->is_null = false;
    c->nvals = n;
    c->mv = dst;
    /* a list for a single-value column keeps its first value */
    if (row->schema->fields[field].single_value)
        c->v = dst[0];
}

/* ---- JSON value conversion ------------------------------------------ */


static int seg_bad_value(const seg_field *f, const cJSON *j, char *err)
{
    char brief[48];
    return tn_err(err, TN_EINVAL, "column '%s': expected %s, got %s", f->name,
                  seg_type_name(f->type), seg_json_brief(j, brief, sizeof brief));
}

static int seg_out_of_range(const seg_field *f, const cJSON *j, char *err)
{
    char brief[48];
    return tn_err(err, TN_EINVAL, "column '%s': value %s out of range for %s",
                  f->name, seg_json_brief(j, brief, sizeof brief), seg_type_name(f->type));
}

/* A JSON number for an integer column, truncated toward zero as Java's
 * Number.intValue/longValue do. cJSON keeps numbers as doubles, so longs
 * beyond 2^53 arrive rounded; 2^63 is taken as Long.MAX_VALUE, which is
 * what a rounded 9223372036854775807 becomes. */
static int seg_conv_integer(const seg_field *f, const cJSON *j, seg_value *out,
                            char *err)
{
    double d = trunc(j->valuedouble);
    if (d == 9223372036854775808.0 && f->type != SEG_INT) {
        out->i = INT64_MAX;
        return TN_OK;
    }
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return seg_out_of_range(f, j, err);
    out->i = (int64_t)d;
    if (f->type == SEG_INT && (out->i < INT32_MIN || out->i > INT32_MAX))
        return seg_out_of_range(f, j, err);
    return TN_OK;
}

static int seg_conv_text(const seg_field *f, const cJSON *j, seg_value *out,
                         char *err)
{
    const char *s = j->valuestring;
    if (seg_value_parse(f->type, s, strlen(s), out) != TN_OK)
        return seg_bad_value(f, j, err);
    return TN_OK;
}

static int seg_conv_number(const seg_field *f, const cJSON *j, seg_value *out,
                           char *err)
{
    double d = j->valuedouble;
    switch (f->type) {
    case SEG_FLOAT:
        out->d = (float)d;
        return TN_OK;
    case SEG_DOUBLE:
        out->d = d;
        return TN_OK;
    case SEG_BOOLEAN:
        if (d != 0 && d != 1)
            return seg_bad_value(f, j, err);
        out->i = d == 1;
        return TN_OK;
    default:
        return seg_conv_integer(f, j, out, err);
    }
}

/* Appends bytes to row->strings and records where they start. */
static void seg_row_stash(seg_row *row, const void *p, size_t n, seg_value *out,
                          uint32_t *off)
{
    *off = (uint32_t)row->strings.len;
    tn_buf_append(&row->strings, p, n);
    out->s.p = NULL;
    out->s.len = (uint32_t)n;
}

/* Integral numbers print without a fraction, as Java prints a long;
 * others with the fewest digits that read back to the same double. */
static int seg_number_text(double d, char *buf, size_t n)
{
    if (d == trunc(d) && fabs(d) < 9e18)
        return snprintf(buf, n, "%lld", (long long)d);
    int len = snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d)
        len = snprintf(buf, n, "%.17g", d);
    return len;
}

static int seg_conv_string(seg_row *row, const cJSON *j, seg_value *out,
                           uint32_t *off)
{
    if (SEG_JIS(j, cJSON_String)) {
        /* the row keeps the tree, so the bytes can stay where they are */
        out->s.p = j->valuestring;
        out->s.len = (uint32_t)strlen(j->valuestring);
    } else if (SEG_JBOOL(j)) {
        out->s.p = SEG_JIS(j, cJSON_True) ? "true" : "false";
        out->s.len = (uint32_t)strlen(out->s.p);
    } else if (SEG_JIS(j, cJSON_Number)) {
        char buf[40];
        int n = seg_number_text(j->valuedouble, buf, sizeof buf);
        seg_row_stash(row, buf, (size_t)n, out, off);
    } else {
        /* an object or array: the JSON text, as Pinot stores a JSON column */
        char *text = cJSON_PrintUnformatted(j);
        seg_row_stash(row, text, strlen(text), out, off);
        cJSON_free(text);
    }
    return TN_OK;
}

static int seg_conv_bytes(seg_row *row, const seg_field *f, const cJSON *j,
                          seg_value *out, uint32_t *off, char *err)
{
    if (!SEG_JIS(j, cJSON_String))
        return seg_bad_value(f, j, err);
    size_t len = strlen(j->valuestring);
    tn_buf *b = &row->strings;
    tn_buf_reserve(b, len / 2 + 1); /* +1: data is never NULL below */
    if (seg_hex_decode(j->valuestring, len, b->data + b->len) != TN_OK)
        return seg_bad_value(f, j, err);
    *off = (uint32_t)b->len;
    b->len += len / 2;
    out->s.p = NULL;
    out->s.len = (uint32_t)(len / 2);
    return TN_OK;
}

/* Converts one JSON scalar to f's type. *off is set when the value's bytes
 * were placed in row->strings (the caller records a fixup). */
static int seg_conv(seg_row *row, const seg_field *f, const cJSON *j,
                    seg_value *out, uint32_t *off, char *err)
{
    *off = SEG_NO_OFF;
    memset(out, 0, sizeof *out);
    if (f->type == SEG_STRING)
        return seg_conv_string(row, j, out, off);
    if (f->type == SEG_BYTES)
        return seg_conv_bytes(row, f, j, out, off, err);
    if (SEG_JIS(j, cJSON_Number))
        return seg_conv_number(f, j, out, err);
    if (SEG_JIS(j, cJSON_String))
        return seg_conv_text(f, j, out, err);
    if (SEG_JBOOL(j) && f->type != SEG_TIMESTAMP) {
        bool on = SEG_JIS(j, cJSON_True);
        if (f->type == SEG_FLOAT || f->type == SEG_DOUBLE)
            out->d = on;
        else
            out->i = on;
        return TN_OK;
    }
    return seg_bad_value(f, j, err);
}

/* ---- JSON object to cells ------------------------------------------- */

static int seg_decode_sv(seg_row *row, uint32_t i, const cJSON *j, char *err)
{
    const seg_field *f = &row->schema->fields[i];
    seg_cell *c = &row->cells[i];
    /* a STRING column takes an array as its JSON text (Pinot's JSON type
     * maps to STRING here); other types cannot */
    if (SEG_JIS(j, cJSON_Array) && f->type != SEG_STRING)
        return tn_err(err, TN_EINVAL, "column '%s' is single-value but got an array",
                      f->name);
    uint32_t off;
    int rc = seg_conv(row, f, j, &c->v, &off, err);
    if (rc)
        return rc;
    if (off != SEG_NO_OFF)
        seg_keymap_fixup(row->keymap, i, false, off);
    c->is_null = false;
    return TN_OK;
}

static int seg_decode_mv_value(seg_row *row, const seg_field *f, const cJSON *j,
                               char *err)
{
    if (SEG_JIS(j, cJSON_NULL))
        return TN_OK; /* Pinot drops null elements */
    if (SEG_JIS(j, cJSON_Array) && f->type != SEG_STRING)
        return tn_err(err, TN_EINVAL, "column '%s': nested array in a multi-value %s",
                      f->name, seg_type_name(f->type));
    uint32_t k = row->mvpool_len, off;
    int rc = seg_conv(row, f, j, &row->mvpool[k], &off, err);
    if (rc)
        return rc;
    if (off != SEG_NO_OFF)
        seg_keymap_fixup(row->keymap, k, true, off);
    row->mvpool_len++;
    return TN_OK;
}

static int seg_decode_mv(seg_row *row, uint32_t i, const cJSON *j, char *err)
{
    const seg_field *f = &row->schema->fields[i];
    seg_cell *c = &row->cells[i];
    bool array = SEG_JIS(j, cJSON_Array);
    seg_row_mv_reserve(row, array ? (uint32_t)cJSON_GetArraySize(j) : 1);
    uint32_t start = row->mvpool_len;
    int rc = TN_OK;
    if (!array)
        rc = seg_decode_mv_value(row, f, j, err);
    for (const cJSON *e = array ? j->child : NULL; e && !rc; e = e->next)
        rc = seg_decode_mv_value(row, f, e, err);
    if (rc || row->mvpool_len == start)
        return rc; /* empty or all-null lists leave the cell null */
    c->is_null = false;
    c->nvals = row->mvpool_len - start;
    c->mv = row->mvpool + start;
    return TN_OK;
}

static int seg_row_decode(seg_row *row, char *err)
{
    const seg_keymap *km = row->keymap;
    for (uint32_t i = 0; i < row->ncells; i++) {
        const cJSON *j = km->items[i];
        if (!j || SEG_JIS(j, cJSON_NULL))
            continue;
        int rc = row->schema->fields[i].single_value ? seg_decode_sv(row, i, j, err)
                                                     : seg_decode_mv(row, i, j, err);
        if (rc)
            return rc;
    }
    return TN_OK;
}

/* Points stashed strings at their bytes now that row->strings is final. */
static void seg_row_fixup(seg_row *row)
{
    const seg_keymap *km = row->keymap;
    for (uint32_t k = 0; k < km->nfixups; k++) {
        const seg_fixup *x = &km->fixups[k];
        seg_value *v = x->mv ? &row->mvpool[x->index] : &row->cells[x->index].v;
        v->s.p = (const char *)row->strings.data + x->off;
    }
}

int seg_row_parse_json(seg_row *row, const char *text, size_t len, char *err)
{
    seg_row_reset(row);
    if (len > UINT32_MAX / 2)
        return tn_err(err, TN_EINVAL, "JSON row of %zu bytes is too large", len);
    bool arena = atomic_load_explicit(&seg_hooks_on, memory_order_relaxed);
    if (arena)
        seg_parse_arena = &row->arena;
    int rc = seg_json_parse_object(text, len, &row->json, err);
    seg_parse_arena = NULL;
    if (rc) {
        if (arena) /* cJSON freed its partial tree into the arena */
            tn_arena_reset(&row->arena);
        return rc;
    }
    row->json_in_arena = arena;
    seg_keymap_match(row->keymap, row->schema, row->json);
    rc = seg_row_decode(row, err);
    if (rc) {
        seg_row_reset(row);
        return rc;
    }
    seg_row_fixup(row);
    return TN_OK;
}

int seg_row_decode_object(seg_row *row, const void *obj, char *err)
{
    seg_row_reset(row);
    seg_keymap_match(row->keymap, row->schema, obj);
    int rc = seg_row_decode(row, err);
    if (rc) {
        seg_row_reset(row);
        return rc;
    }
    seg_row_fixup(row);
    return TN_OK;
}

static bool seg_is_str(const seg_row *row, uint32_t field)
{
    return seg_type_phys(row->schema->fields[field].type) == SEG_PHYS_STR;
}

/* Copies one value; string bytes go to dst->strings and are recorded as a
 * fixup, since the buffer may still move. */
static void seg_copy_value(seg_row *dst, bool str, const seg_value *v, seg_value *out,
                           uint32_t index, bool mv)
{
    *out = *v;
    if (!str)
        return;
    uint32_t off;
    seg_row_stash(dst, v->s.len ? v->s.p : "", v->s.len, out, &off);
    seg_keymap_fixup(dst->keymap, index, mv, off);
}

void seg_row_copy(seg_row *dst, const seg_row *src)
{
    seg_row_reset(dst);
    seg_keymap *km = dst->keymap;
    km->nfixups = 0;
    uint32_t total = 0;
    for (uint32_t i = 0; i < src->ncells; i++)
        total += src->cells[i].mv ? src->cells[i].nvals : 0;
    seg_row_mv_reserve(dst, total);
    for (uint32_t i = 0; i < src->ncells; i++) {
        const seg_cell *s = &src->cells[i];
        seg_cell *d = &dst->cells[i];
        bool str = seg_is_str(src, i);
        d->is_null = s->is_null;
        if (s->is_null) {
            d->v = s->v;
            continue;
        }
        if (!s->mv) {
            seg_copy_value(dst, str, &s->v, &d->v, i, false);
            continue;
        }
        uint32_t start = dst->mvpool_len;
        for (uint32_t k = 0; k < s->nvals; k++)
            seg_copy_value(dst, str, &s->mv[k], &dst->mvpool[start + k], start + k, true);
        dst->mvpool_len += s->nvals;
        d->nvals = s->nvals;
        d->mv = dst->mvpool + start;
        if (src->schema->fields[i].single_value)
            seg_copy_value(dst, str, &s->v, &d->v, i, false);
    }
    seg_row_fixup(dst);
}
