/*
 * qry_agg_hll.c: DISTINCTCOUNTHLL(x[, log2m]) and DISTINCTCOUNTHLLMV, a
 * HyperLogLog that reproduces the sketch Pinot uses (the clearspring
 * stream-lib HyperLogLog, log2m 8 by default), so estimates agree with
 * Pinot's to the unit rather than only statistically:
 *
 *  - values are hashed as clearspring's MurmurHash.hash(Object) hashes the
 *    boxed values Pinot offers: INT/LONG/BOOLEAN/TIMESTAMP through hashLong
 *    of the long value, DOUBLE through hashLong of its raw bits, FLOAT
 *    through hashLong of its raw 32 bits sign-extended, STRING/BYTES
 *    through 32-bit MurmurHash2 of the bytes with seed -1;
 *  - a 32-bit hash picks register (top log2m bits) and rank (leading zeros
 *    of the rest, capped as clearspring caps them);
 *  - the estimate is clearspring's: alpha*m^2/sum(2^-M[j]), linear counting
 *    when that is at most 5m/2, no large-range correction, rounded as Java's
 *    Math.round.
 *
 * One deliberate difference: clearspring applies linear counting even when
 * no register is zero, which yields Long.MAX_VALUE; here the raw estimate
 * is used then. Pinot reads BYTES input as serialized sketches; here BYTES
 * values are hashed like any value.
 */
#include "qry_agg_int.h"

#include <stdlib.h>

#define HLL_DEFAULT_LOG2M 8
/* Up to 2^20 one-byte registers per group, allocated on the first value. */
#define HLL_MIN_LOG2M 4
#define HLL_MAX_LOG2M 20

typedef struct hll {
    uint8_t log2m;
    uint8_t reg[];         /* 1 << log2m registers */
} hll;

typedef struct hll_state {
    hll *h;
} hll_state;

/* ---- clearspring's hashes (MurmurHash2, as ported to Java) ----------------------- */

#define MURMUR_M 0x5bd1e995u

static inline uint32_t murmur_final(uint32_t h)
{
    h ^= h >> 13;
    h *= MURMUR_M;
    h ^= h >> 15;
    return h;
}

/* MurmurHash.hashLong: the two 32-bit halves as two blocks, initial h 0. */
static inline uint32_t murmur_long(uint64_t v)
{
    uint32_t k = (uint32_t)v * MURMUR_M;
    k ^= k >> 24;
    uint32_t h = k * MURMUR_M;
    k = (uint32_t)(v >> 32) * MURMUR_M;
    k ^= k >> 24;
    h *= MURMUR_M;
    h ^= k * MURMUR_M;
    return murmur_final(h);
}

/* MurmurHash.hash(byte[]): seed -1. The tail bytes are Java bytes, signed,
 * and widen with their sign before the xor; C's MurmurHash2 reads them
 * unsigned, so this differs from it for tail bytes >= 0x80. */
static uint32_t murmur_bytes(const uint8_t *d, uint32_t len)
{
    uint32_t h = 0xffffffffu ^ len;
    uint32_t n4 = len >> 2;
    for (uint32_t i = 0; i < n4; i++) {
        const uint8_t *b = d + 4 * (size_t)i;
        uint32_t k = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        k *= MURMUR_M;
        k ^= k >> 24;
        k *= MURMUR_M;
        h *= MURMUR_M;
        h ^= k;
    }
    uint32_t left = len & 3;
    if (left >= 3)
        h ^= (uint32_t)(int32_t)(int8_t)d[len - 3] << 16;
    if (left >= 2)
        h ^= (uint32_t)(int32_t)(int8_t)d[len - 2] << 8;
    if (left >= 1)
        h ^= (uint32_t)(int32_t)(int8_t)d[len - 1];
    if (left)
        h *= MURMUR_M;
    return murmur_final(h);
}

static inline uint32_t hash_double(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return murmur_long(u);
}

static inline uint32_t hash_float(double d)
{
    float f = (float)d;
    uint32_t u;
    memcpy(&u, &f, 4);
    return murmur_long((uint64_t)(int64_t)(int32_t)u);
}

/* Hash of value j of v, as Pinot would hash the same value. */
static inline uint32_t hash_value(const qry_vec *v, uint32_t j)
{
    switch (v->kind) {
    case QV_LONG: return murmur_long((uint64_t)v->i[j]);
    case QV_DOUBLE: return v->type == SEG_FLOAT ? hash_float(v->d[j]) : hash_double(v->d[j]);
    default: return murmur_bytes((const uint8_t *)v->s[j].s.p, v->s[j].s.len);
    }
}

/* ---- the sketch ------------------------------------------------------------------- */

static hll *hll_new(int log2m)
{
    hll *h = tn_calloc(1, sizeof *h + ((size_t)1 << log2m));
    h->log2m = (uint8_t)log2m;
    return h;
}

/* clearspring's offerHashed(int) as register << 8 | rank: the rank's word
 * has bit log2m-1 (and bit 0) set, so ranks stop at 33 - log2m, and a
 * code is never 0 (rank >= 1). */
static inline uint32_t hll_code(unsigned p, uint32_t x)
{
    uint32_t j = x >> (32 - p);
    uint32_t w = (x << p) | ((1u << (p - 1)) + 1);
    return j << 8 | (uint32_t)(__builtin_clz(w) + 1);
}

static inline void hll_apply(hll *h, uint32_t code)
{
    uint8_t rank = (uint8_t)(code & 0xff);
    if (rank > h->reg[code >> 8])
        h->reg[code >> 8] = rank;
}

static inline void hll_offer(hll *h, uint32_t x) { hll_apply(h, hll_code(h->log2m, x)); }

static double alpha_mm(int p, double m)
{
    switch (p) {
    case 4: return 0.673 * m * m;
    case 5: return 0.697 * m * m;
    case 6: return 0.709 * m * m;
    default: return (0.7213 / (1 + 1.079 / m)) * m * m;
    }
}

/* Java's Math.round for the non-negative values estimates are. */
static int64_t java_round(double x)
{
    if (!(x < 9.2e18))
        return x != x ? 0 : INT64_MAX;
    return (int64_t)llround(x);
}

/* clearspring's cardinality(), operation for operation so the doubles round
 * the same way. */
static int64_t hll_estimate(const hll *h)
{
    uint32_t m = 1u << h->log2m;
    double sum = 0, zeros = 0;
    for (uint32_t j = 0; j < m; j++) {
        sum += 1.0 / (double)(1u << h->reg[j]);
        if (h->reg[j] == 0)
            zeros++;
    }
    double estimate = alpha_mm(h->log2m, m) * (1 / sum);
    if (estimate <= (5.0 / 2.0) * m && zeros > 0)
        return java_round(m * log(m / zeros));
    return java_round(estimate);
}

/* ---- the aggregation ---------------------------------------------------------------- */

/* log2m of the expression (bind has checked the literal). */
static int expr_log2m(const qry_expr *e)
{
    double d;
    if (e->nargs >= 2 && qry_agg_lit_number(e->args[1], &d))
        return (int)d;
    return HLL_DEFAULT_LOG2M;
}

static int hll_bind(qry_expr *e, qry_err *err)
{
    const char *fname = qry_agg_label(e, "distinctcounthll");
    if (qry_agg_need_value(e, 0, fname, err))
        return -1;
    if (e->nargs >= 2) {
        double d;
        if (!qry_agg_lit_number(e->args[1], &d) || d != (int)d || d < HLL_MIN_LOG2M ||
            d > HLL_MAX_LOG2M)
            return qry_fail(err, QRY_ERR_VALIDATION, e->args[1]->position,
                            "%s: log2m must be an integer literal in [%d, %d]", fname,
                            HLL_MIN_LOG2M, HLL_MAX_LOG2M);
    }
    e->type = SEG_LONG;
    e->mv = false;
    return 0;
}

static void hll_init(const qry_expr *e, void *state)
{
    (void)e;
    ((hll_state *)state)->h = NULL;
}

static void hll_destroy(const qry_expr *e, void *state)
{
    (void)e;
    hll_state *st = state;
    free(st->h);
    st->h = NULL;
}

static inline hll *state_hll(const qry_expr *e, hll_state *st)
{
    if (!st->h)
        st->h = hll_new(expr_log2m(e));
    return st->h;
}

static void hll_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       qry_vec *const *args, uint32_t n)
{
    const qry_vec *v = args[0];
    if (!v || (v->kind != QV_LONG && v->kind != QV_DOUBLE && v->kind != QV_STRING))
        return;
    hll *h = NULL;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi) || lo == hi)
            continue;
        if (groups || !h)
            h = state_hll(e, qry_agg_state_of(base, stride, groups, r));
        for (uint32_t j = lo; j < hi; j++)
            hll_offer(h, hash_value(v, j));
    }
}

/* ---- dictionary ids: each distinct id hashed once per segment ------------------ */

/* code[id]: the id's register and rank (hll_code), 0 while unknown. */
typedef struct hll_ids {
    uint32_t *code;
    uint32_t *miss, mcap;
    qry_arena a;
} hll_ids;

#define HLL_PENDING UINT32_MAX

/* Codes for the ids of this batch not met before in the segment: their
 * values decoded in one call, hashed once. */
static void hll_learn(const qry_expr *e, hll_ids *c, const uint32_t *ids, uint32_t n,
                      qry_agg_dict *d)
{
    uint32_t nm = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t id = ids[r];
        if (c->code[id])
            continue;
        if (nm == c->mcap) {
            c->mcap = c->mcap ? c->mcap * 2 : 256;
            c->miss = tn_realloc(c->miss, (size_t)c->mcap * sizeof *c->miss);
        }
        c->code[id] = HLL_PENDING;
        c->miss[nm++] = id;
    }
    if (!nm)
        return;
    qry_arena_reset(&c->a);
    qry_vec *v = qry_vec_new(&c->a, d->kind, d->type, nm);
    d->decode(d->ctx, c->miss, nm, v);
    unsigned p = (unsigned)expr_log2m(e);
    for (uint32_t k = 0; k < nm; k++)
        c->code[c->miss[k]] = hll_code(p, hash_value(v, k));
}

static void hll_update_ids(const qry_expr *e, void *base, size_t stride,
                           const uint32_t *groups, const uint32_t *ids, uint32_t n,
                           qry_agg_dict *d)
{
    if (d->kind != QV_LONG && d->kind != QV_DOUBLE && d->kind != QV_STRING)
        return;
    hll_ids *c = d->cache;
    if (!c) {
        c = d->cache = tn_calloc(1, sizeof *c);
        c->code = tn_calloc(d->cardinality ? d->cardinality : 1, sizeof *c->code);
    }
    hll_learn(e, c, ids, n, d);
    const uint32_t *code = c->code;
    if (!groups) {
        hll *h = n ? state_hll(e, base) : NULL;
        for (uint32_t r = 0; r < n; r++)
            hll_apply(h, code[ids[r]]);
        return;
    }
    for (uint32_t r = 0; r < n; r++)
        hll_apply(state_hll(e, (hll_state *)((char *)base + (size_t)groups[r] * stride)),
                  code[ids[r]]);
}

static void hll_dict_free(const qry_expr *e, qry_agg_dict *d)
{
    (void)e;
    hll_ids *c = d->cache;
    if (!c)
        return;
    free(c->code);
    free(c->miss);
    qry_arena_free(&c->a);
    free(c);
    d->cache = NULL;
}

static void hll_merge(const qry_expr *e, void *dst, const void *src)
{
    const hll *s = ((const hll_state *)src)->h;
    if (!s)
        return;
    hll *d = state_hll(e, dst);
    /* Sketches of one expression share log2m; a mismatch cannot merge. */
    if (d->log2m != s->log2m)
        return;
    for (uint32_t j = 0, m = 1u << s->log2m; j < m; j++)
        if (s->reg[j] > d->reg[j])
            d->reg[j] = s->reg[j];
}

/* The estimate, 0 over nothing (with null handling too, as Pinot). */
static void hll_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)null_handling, (void)a;
    const hll *h = ((const hll_state *)state)->h;
    qry_agg_out_long(out, SEG_LONG, h ? hll_estimate(h) : 0);
}

/* Form: log2m (u8; 0 for an empty sketch), then one byte per register. */
static void hll_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    const hll *h = ((const hll_state *)state)->h;
    if (!h) {
        qry_put_u8(out, 0);
        return;
    }
    qry_put_u8(out, h->log2m);
    tn_buf_append(out, h->reg, (size_t)1 << h->log2m);
}

static int64_t hll_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    qry_rd r = qry_rd_make(p, len);
    uint8_t log2m = qry_rd_u8(&r);
    if (r.bad || (log2m != 0 && log2m != expr_log2m(e)))
        return -1;
    if (log2m == 0)
        return qry_rd_done(&r);
    size_t m = (size_t)1 << log2m;
    const uint8_t *reg = qry_rd_take(&r, m);
    if (!reg)
        return -1;
    for (size_t j = 0; j < m; j++)
        if (reg[j] > 33 - log2m)
            return -1;
    hll *h = state_hll(e, state);
    for (size_t j = 0; j < m; j++)
        if (reg[j] > h->reg[j])
            h->reg[j] = reg[j];
    return qry_rd_done(&r);
}

#define HLL_COMMON                                                                          \
    .min_args = 1, .max_args = 2, .bind = hll_bind, .state_size = sizeof(hll_state),        \
    .init = hll_init, .update = hll_update, .merge = hll_merge, .final = hll_final,         \
    .serialize = hll_serialize, .deserialize = hll_deserialize, .destroy = hll_destroy,     \
    .update_ids = hll_update_ids, .dict_free = hll_dict_free

const qry_agg_fn qry_agg_distinctcounthll = {.name = "distinctcounthll", HLL_COMMON};
const qry_agg_fn qry_agg_distinctcounthllmv = {.name = "distinctcounthllmv", HLL_COMMON};
