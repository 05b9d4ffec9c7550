/*
 * qry_agg_distinct.c: exact DISTINCTCOUNT, DISTINCTSUM, DISTINCTAVG (and
 * their MV names) over the set of distinct values each group has seen
 * (qry_valset.h), which the state owns and makes at its first value, so
 * an empty group costs one pointer.
 */
#include "qry_agg_int.h"

#include <stdlib.h>

#include "qry_valset.h"

typedef struct distinct_state {
    qry_valset *set;
} distinct_state;

/* ---- shared with MODE (qry_agg_mode.c) ------------------------------------------------- */

uint8_t qry_agg_set_kind(const qry_vec *v)
{
    switch (v ? v->kind : QV_NULL) {
    case QV_LONG: return QRY_VS_LONG;
    case QV_DOUBLE: return QRY_VS_DOUBLE;
    case QV_STRING: return QRY_VS_STRING;
    default: return QRY_VS_NONE;
    }
}

qry_valset *qry_agg_set_of(qry_valset **slot, uint8_t kind, bool counted)
{
    if (!*slot)
        *slot = qry_valset_new(kind, counted);
    qry_valset *s = *slot;
    if (s->kind == kind)
        return s;
    /* An expression has one kind, but a peer's bytes may not: numbers of
     * both kinds meet as doubles, strings never meet numbers. */
    if (s->kind == QRY_VS_STRING || kind == QRY_VS_STRING)
        return NULL;
    qry_valset_to_double(s);
    return s;
}

static void set_add(qry_valset *s, const qry_vec *v, uint32_t lo, uint32_t hi)
{
    for (uint32_t j = lo; j < hi; j++) {
        if (v->kind == QV_STRING)
            qry_valset_add_str(s, v->s[j].s.p, v->s[j].s.len, 1);
        else if (s->kind == QRY_VS_DOUBLE)
            qry_valset_add_double(s, qry_agg_num(v, j), 1);
        else
            qry_valset_add_long(s, v->i[j], 1);
    }
}

void qry_agg_set_update(const qry_vec *v, void *base, size_t stride, const uint32_t *groups,
                        uint32_t n, bool counted)
{
    uint8_t kind = qry_agg_set_kind(v);
    if (kind == QRY_VS_NONE)
        return;
    qry_valset *s = NULL;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        if (!qry_agg_row(v, r, &lo, &hi) || lo == hi)
            continue;
        /* Without groups the set is looked up once, at the first value. */
        if (groups || !s) {
            qry_valset **slot = qry_agg_state_of(base, stride, groups, r);
            if (!(s = qry_agg_set_of(slot, kind, counted)))
                continue;
            if (!groups && s->n == 0)
                qry_valset_reserve(s, n - r); /* at most this many new values */
        }
        set_add(s, v, lo, hi);
    }
}

/* ---- the aggregations ---------------------------------------------------------------- */

static int distinct_bind(qry_expr *e, qry_err *err)
{
    if (qry_agg_need_value(e, 0, qry_agg_label(e, "distinctcount"), err))
        return -1;
    e->type = SEG_INT;
    e->mv = false;
    return 0;
}

static int distinct_num_bind(qry_expr *e, qry_err *err)
{
    if (qry_agg_need_numeric(e, 0, qry_agg_label(e, "distinctsum"), err))
        return -1;
    e->type = SEG_DOUBLE;
    e->mv = false;
    return 0;
}

static void distinct_init(const qry_expr *e, void *state)
{
    (void)e;
    ((distinct_state *)state)->set = NULL;
}

static void distinct_destroy(const qry_expr *e, void *state)
{
    (void)e;
    distinct_state *st = state;
    qry_valset_free(st->set);
    st->set = NULL;
}

static void distinct_update(const qry_expr *e, void *base, size_t stride,
                            const uint32_t *groups, qry_vec *const *args, uint32_t n)
{
    (void)e;
    qry_agg_set_update(args[0], base, stride, groups, n, false);
}

static void distinct_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    const qry_valset *from = ((const distinct_state *)src)->set;
    if (!from || from->n == 0)
        return;
    distinct_state *d = dst;
    if (!d->set || d->set->n == 0) {
        /* an empty destination takes the source's set instead of copying
         * it value by value (merge may take over src: see qry_agg.h) */
        qry_valset *empty = d->set;
        d->set = ((distinct_state *)(uintptr_t)src)->set;
        ((distinct_state *)(uintptr_t)src)->set = empty;
        return;
    }
    if (d->set->kind == from->kind && from->n > d->set->n) {
        /* the smaller set goes into the larger one: a thread's few values
         * into another's hundreds of thousands, not the other way round */
        qry_valset *small = d->set;
        d->set = ((distinct_state *)(uintptr_t)src)->set;
        ((distinct_state *)(uintptr_t)src)->set = small;
        from = small;
    }
    qry_valset *to = qry_agg_set_of(&d->set, from->kind, false);
    if (to)
        qry_valset_union(to, from);
}

/* The distinct values of a numeric set summed as doubles (Pinot sums
 * Number.doubleValue() of each set member). */
static double set_sum(const qry_valset *s)
{
    double sum = 0.0;
    for (uint32_t i = 0; i <= s->mask; i++)
        if (qry_valset_used(s, i))
            sum += qry_valset_number(s, i);
    return sum;
}

static uint32_t state_count(const void *state)
{
    const qry_valset *s = ((const distinct_state *)state)->set;
    return s ? s->n : 0;
}

/* DISTINCTCOUNT is 0 over nothing even with null handling, as in Pinot. */
static void count_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                        qry_val *out)
{
    (void)e, (void)null_handling, (void)a;
    qry_agg_out_long(out, SEG_INT, state_count(state));
}

static void sum_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const qry_valset *s = ((const distinct_state *)state)->set;
    if (!state_count(state)) {
        if (null_handling)
            qry_agg_out_null(out, SEG_DOUBLE);
        else
            qry_agg_out_double(out, 0.0);
        return;
    }
    qry_agg_out_double(out, s->kind == QRY_VS_STRING ? 0.0 : set_sum(s));
}

/* Over nothing Pinot divides a zero sum by a zero count: NaN. */
static void avg_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    (void)e, (void)a;
    const qry_valset *s = ((const distinct_state *)state)->set;
    if (!state_count(state)) {
        if (null_handling)
            qry_agg_out_null(out, SEG_DOUBLE);
        else
            qry_agg_out_double(out, NAN);
        return;
    }
    qry_agg_out_double(out, s->kind == QRY_VS_STRING ? NAN : set_sum(s) / s->n);
}

/* ---- byte form (shared with MODE) --------------------------------------------------------- */

/* Form: kind (u8), then for a non-empty set n (u32) and the values: numbers
 * as 8 bytes, strings as u32 length + bytes; a counting set follows each
 * value with its count (u64). */
void qry_agg_set_serialize(const qry_valset *s, tn_buf *out)
{
    if (!s || s->n == 0) {
        qry_put_u8(out, QRY_VS_NONE);
        return;
    }
    qry_put_u8(out, s->kind);
    qry_put_u32(out, s->n);
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (!qry_valset_used(s, i))
            continue;
        if (s->kind == QRY_VS_STRING) {
            const qry_vs_str *e = &s->strs[s->ref[i] - 1];
            qry_put_u32(out, e->len);
            tn_buf_append(out, s->pool + e->off, e->len);
        } else {
            qry_put_u64(out, s->key[i]);
        }
        if (s->count)
            qry_put_u64(out, s->count[i]);
    }
}

int64_t qry_agg_set_deserialize(qry_valset **slot, bool counted, const uint8_t *p, size_t len)
{
    qry_rd r = qry_rd_make(p, len);
    uint8_t kind = qry_rd_u8(&r);
    if (r.bad || kind > QRY_VS_STRING)
        return -1;
    if (kind == QRY_VS_NONE)
        return qry_rd_done(&r);
    uint32_t n = qry_rd_u32(&r);
    /* Check the count against the bytes left before building anything. */
    size_t least = (kind == QRY_VS_STRING ? 4 : 8) + (counted ? 8 : 0);
    if (r.bad || n == 0 || n > qry_rd_left(&r) / least)
        return -1;
    qry_valset *s = qry_agg_set_of(slot, kind, counted);
    if (!s)
        return -1;
    for (uint32_t k = 0; k < n && !r.bad; k++) {
        const uint8_t *sp = NULL;
        uint32_t sl = 0;
        uint64_t bits = 0;
        if (kind == QRY_VS_STRING) {
            sl = qry_rd_u32(&r);
            sp = qry_rd_take(&r, sl);
        } else {
            bits = qry_rd_u64(&r);
        }
        uint64_t count = counted ? qry_rd_u64(&r) : 1;
        if (r.bad || count == 0)
            return -1;
        if (kind == QRY_VS_STRING)
            qry_valset_add_str(s, (const char *)sp, sl, count);
        else if (kind == QRY_VS_DOUBLE)
            qry_valset_add_double(s, qry_valset_key_double(bits), count);
        else if (s->kind == QRY_VS_DOUBLE)
            qry_valset_add_double(s, (double)(int64_t)bits, count);
        else
            qry_valset_add_long(s, (int64_t)bits, count);
    }
    return qry_rd_done(&r);
}

static void distinct_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    qry_agg_set_serialize(((const distinct_state *)state)->set, out);
}

static int64_t distinct_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    return qry_agg_set_deserialize(&((distinct_state *)state)->set, false, p, len);
}

#define DISTINCT_COMMON                                                                 \
    .min_args = 1, .max_args = 1, .state_size = sizeof(distinct_state),                 \
    .init = distinct_init, .update = distinct_update, .merge = distinct_merge,          \
    .serialize = distinct_serialize, .deserialize = distinct_deserialize,               \
    .destroy = distinct_destroy

const qry_agg_fn qry_agg_distinctcount = {.name = "distinctcount", .bind = distinct_bind,
                                          .final = count_final, DISTINCT_COMMON};
const qry_agg_fn qry_agg_distinctcountmv = {.name = "distinctcountmv", .bind = distinct_bind,
                                            .final = count_final, DISTINCT_COMMON};
const qry_agg_fn qry_agg_distinctsum = {.name = "distinctsum", .bind = distinct_num_bind,
                                        .final = sum_final, DISTINCT_COMMON};
const qry_agg_fn qry_agg_distinctsummv = {.name = "distinctsummv", .bind = distinct_num_bind,
                                          .final = sum_final, DISTINCT_COMMON};
const qry_agg_fn qry_agg_distinctavg = {.name = "distinctavg", .bind = distinct_num_bind,
                                        .final = avg_final, DISTINCT_COMMON};
const qry_agg_fn qry_agg_distinctavgmv = {.name = "distinctavgmv", .bind = distinct_num_bind,
                                          .final = avg_final, DISTINCT_COMMON};
