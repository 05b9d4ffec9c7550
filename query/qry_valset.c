/*
 * qry_valset.c: the value set of exact distinct aggregations and MODE (see
 * qry_valset.h).
 */
#include "qry_valset.h"

#include <stdlib.h>
#include <string.h>

uint64_t qry_valset_double_key(double d)
{
    uint64_t u;
    if (d != d)
        return 0x7ff8000000000000ULL;
    memcpy(&u, &d, 8);
    return u;
}

double qry_valset_key_double(uint64_t k)
{
    double d;
    memcpy(&d, &k, 8);
    return d;
}

qry_valset *qry_valset_new(uint8_t kind, bool counted)
{
    qry_valset *s = tn_calloc(1, sizeof *s);
    s->kind = kind;
    s->mask = 7;
    s->key = tn_calloc(s->mask + 1, sizeof *s->key);
    s->ref = tn_calloc(s->mask + 1, sizeof *s->ref);
    if (counted)
        s->count = tn_calloc(s->mask + 1, sizeof *s->count);
    return s;
}

void qry_valset_free(qry_valset *s)
{
    if (!s)
        return;
    free(s->key);
    free(s->ref);
    free(s->count);
    free(s->strs);
    free(s->pool);
    free(s);
}

static inline uint64_t slot_hash(const qry_valset *s, uint64_t key)
{
    return s->kind == QRY_VS_STRING ? key : tn_mix64(key);
}

static bool slot_matches(const qry_valset *s, uint32_t i, uint64_t key, const char *p,
                         uint32_t len)
{
    if (s->key[i] != key)
        return false;
    if (s->kind != QRY_VS_STRING)
        return true;
    const qry_vs_str *e = &s->strs[s->ref[i] - 1];
    return e->len == len && (len == 0 || !memcmp(s->pool + e->off, p, len));
}

/* Rehashes into a table of cap slots (a power of two above 2 * n). */
static void rehash(qry_valset *s, uint32_t cap)
{
    uint64_t *key = tn_calloc(cap, sizeof *key);
    uint32_t *ref = tn_calloc(cap, sizeof *ref);
    uint64_t *count = s->count ? tn_calloc(cap, sizeof *count) : NULL;
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (!s->ref[i])
            continue;
        uint32_t j = (uint32_t)slot_hash(s, s->key[i]) & (cap - 1);
        while (ref[j])
            j = (j + 1) & (cap - 1);
        key[j] = s->key[i];
        ref[j] = s->ref[i];
        if (count)
            count[j] = s->count[i];
    }
    free(s->key);
    free(s->ref);
    free(s->count);
    s->key = key;
    s->ref = ref;
    s->count = count;
    s->mask = cap - 1;
}

static void grow(qry_valset *s) { rehash(s, (s->mask + 1) * 2); }

void qry_valset_reserve(qry_valset *s, uint32_t more)
{
    uint64_t want = ((uint64_t)s->n + more) * 2;
    uint64_t cap = (uint64_t)s->mask + 1;
    while (cap < want && cap < (1ull << 31))
        cap *= 2;
    if (cap > (uint64_t)s->mask + 1)
        rehash(s, (uint32_t)cap);
}

/* Copies a string into the pool; its ref (1 + index). */
static uint32_t keep_string(qry_valset *s, const char *p, uint32_t len)
{
    if (s->n == s->strcap) {
        s->strcap = s->strcap ? s->strcap * 2 : 8;
        s->strs = tn_realloc(s->strs, s->strcap * sizeof *s->strs);
    }
    if (s->pool_len + len > s->pool_cap) {
        size_t cap = s->pool_cap ? s->pool_cap : 64;
        while (cap < s->pool_len + len)
            cap *= 2;
        s->pool = tn_realloc(s->pool, cap);
        s->pool_cap = cap;
    }
    if (len)
        memcpy(s->pool + s->pool_len, p, len);
    s->strs[s->n] = (qry_vs_str){s->pool_len, len};
    s->pool_len += len;
    return s->n + 1;
}

/* key is the number's bits, or the hash of string (p, len). */
static void add(qry_valset *s, uint64_t key, const char *p, uint32_t len, uint64_t count)
{
    uint32_t i = (uint32_t)slot_hash(s, key) & s->mask;
    for (; s->ref[i]; i = (i + 1) & s->mask) {
        if (slot_matches(s, i, key, p, len)) {
            if (s->count)
                s->count[i] += count;
            return;
        }
    }
    s->key[i] = key;
    s->ref[i] = s->kind == QRY_VS_STRING ? keep_string(s, p, len) : 1;
    if (s->count)
        s->count[i] = count;
    s->n++;
    if ((uint64_t)s->n * 2 > s->mask)
        grow(s);
}

void qry_valset_add_long(qry_valset *s, int64_t v, uint64_t count)
{
    add(s, (uint64_t)v, NULL, 0, count);
}

void qry_valset_add_double(qry_valset *s, double d, uint64_t count)
{
    add(s, qry_valset_double_key(d), NULL, 0, count);
}

void qry_valset_add_str(qry_valset *s, const char *p, uint32_t len, uint64_t count)
{
    add(s, tn_hash_bytes(p, len), p, len, count);
}

double qry_valset_number(const qry_valset *s, uint32_t i)
{
    return s->kind == QRY_VS_DOUBLE ? qry_valset_key_double(s->key[i])
                                    : (double)(int64_t)s->key[i];
}

static inline uint64_t count_of(const qry_valset *s, uint32_t i)
{
    return s->count ? s->count[i] : 1;
}

void qry_valset_to_double(qry_valset *s)
{
    if (s->kind != QRY_VS_LONG)
        return;
    qry_valset *d = qry_valset_new(QRY_VS_DOUBLE, s->count != NULL);
    for (uint32_t i = 0; i <= s->mask; i++)
        if (s->ref[i])
            qry_valset_add_double(d, (double)(int64_t)s->key[i], count_of(s, i));
    free(s->key);
    free(s->ref);
    free(s->count);
    *s = *d;
    free(d);
}

bool qry_valset_union(qry_valset *dst, const qry_valset *src)
{
    if ((dst->kind == QRY_VS_STRING) != (src->kind == QRY_VS_STRING))
        return false;
    if (dst->kind == QRY_VS_LONG && src->kind == QRY_VS_DOUBLE)
        qry_valset_to_double(dst);
    for (uint32_t i = 0; i <= src->mask; i++) {
        if (!src->ref[i])
            continue;
        if (src->kind == QRY_VS_STRING) {
            const qry_vs_str *e = &src->strs[src->ref[i] - 1];
            qry_valset_add_str(dst, src->pool + e->off, e->len, count_of(src, i));
        } else if (dst->kind == src->kind) {
            add(dst, src->key[i], NULL, 0, count_of(src, i));
        } else {
            qry_valset_add_double(dst, qry_valset_number(src, i), count_of(src, i));
        }
    }
    return true;
}
