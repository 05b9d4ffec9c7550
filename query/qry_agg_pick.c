/*
 * qry_agg_pick.c: aggregations whose result is one row's value:
 * LASTWITHTIME(data, time[, 'TYPE']), FIRSTWITHTIME, and ANYVALUE(x).
 *
 * LASTWITHTIME and FIRSTWITHTIME give the data value at the largest
 * (smallest) time, typed by the literal ('INT', 'LONG', 'FLOAT', 'DOUBLE',
 * 'STRING', 'BOOLEAN', any case) or, without it, by the data expression's
 * own type, as newer Pinot infers it. Ties follow Pinot: while scanning, a
 * row whose time equals the best so far replaces it (Pinot compares with
 * >= and <=), so the later row wins; when two states merge the one merged
 * into wins (Pinot keeps the first intermediate result on equal times).
 * The time is read as a long, so fractional times truncate as in Pinot's
 * getLongValuesSV. Over nothing the result is Pinot's default of the type:
 * Integer.MIN_VALUE, Long.MIN_VALUE, NaN, "" or false.
 *
 * ANYVALUE keeps the first non-NULL value a state sees, typed as Pinot
 * types it, by the stored type (BOOLEAN comes back INT, TIMESTAMP LONG).
 * Over nothing it is NULL to Pinot, which a response without null handling
 * shows as the type's placeholder: 0 or "".
 *
 * All give NULL over nothing with null handling. A string value is copied
 * into a buffer the state owns.
 */
#include "qry_agg_int.h"

#include <stdlib.h>
#include <strings.h>

typedef struct pick_state {
    int64_t time;
    int64_t i;           /* INT, LONG, BOOLEAN, TIMESTAMP values */
    double d;            /* FLOAT, DOUBLE values */
    char *s;             /* STRING value (heap, cap bytes) */
    uint32_t len, cap;
    bool has;
} pick_state;

static const struct {
    const char *name;
    seg_type type;
} type_names[] = {
    {"INT", SEG_INT}, {"LONG", SEG_LONG}, {"FLOAT", SEG_FLOAT},
    {"DOUBLE", SEG_DOUBLE}, {"STRING", SEG_STRING}, {"BOOLEAN", SEG_BOOLEAN},
};

/* ---- binding ---------------------------------------------------------------------- */

static int declared_type(const qry_expr *e, const char *fname, seg_type *out, qry_err *err)
{
    const qry_expr *t = e->args[2];
    if (t->op != QE_LITERAL || t->lit.kind != QV_STRING)
        return qry_fail(err, QRY_ERR_VALIDATION, t->position,
                        "%s expects the data type as a string literal as its third argument, "
                        "e.g. %s(dataColumn, timeColumn, 'LONG')", fname, fname);
    for (size_t k = 0; k < TN_ARRAY_LEN(type_names); k++) {
        if (strlen(type_names[k].name) == t->lit.len &&
            !strncasecmp(type_names[k].name, t->lit.s, t->lit.len)) {
            *out = type_names[k].type;
            return 0;
        }
    }
    return qry_fail(err, QRY_ERR_VALIDATION, t->position, "Unsupported data type for %s: %.*s",
                    fname, (int)t->lit.len, t->lit.s);
}

static int time_bind(qry_expr *e, qry_err *err)
{
    const char *fname = qry_agg_label(e, "lastwithtime");
    if (e->nargs < 2 || e->nargs > 3)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                        "%s(dataColumn, timeColumn, 'dataType') takes 2 or 3 arguments", fname);
    if (qry_agg_need_value(e, 0, fname, err) || qry_agg_need_numeric(e, 1, fname, err))
        return -1;
    const qry_expr *data = e->args[0];
    seg_type t = data->type;
    if (e->nargs == 3 && declared_type(e, fname, &t, err))
        return -1;
    if (t == SEG_BYTES)
        return qry_fail(err, QRY_ERR_VALIDATION, data->position,
                        "Unsupported data type for %s: BYTES", fname);
    if (e->args[0]->mv || e->args[1]->mv)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                        "%s needs single-value arguments", fname);
    bool data_string = qry_kind_of(data->type) == QV_STRING;
    bool null_lit = data->op == QE_LITERAL && data->lit.kind == QV_NULL;
    if (!null_lit && data_string != (qry_kind_of(t) == QV_STRING))
        return qry_fail(err, QRY_ERR_VALIDATION, data->position,
                        "%s: data of type %s cannot be read as %s", fname,
                        seg_type_name(data->type), seg_type_name(t));
    e->type = t;
    e->mv = false;
    return 0;
}

/* ---- state ------------------------------------------------------------------------ */

static void pick_init(const qry_expr *e, void *state)
{
    (void)e;
    memset(state, 0, sizeof(pick_state));
}

static void pick_destroy(const qry_expr *e, void *state)
{
    (void)e;
    pick_state *s = state;
    free(s->s);
    memset(s, 0, sizeof *s);
}

static void set_string(pick_state *s, const char *p, uint32_t len)
{
    if (len > s->cap) {
        s->s = tn_realloc(s->s, len);
        s->cap = len;
    }
    if (len)
        memcpy(s->s, p, len);
    s->len = len;
}


/* Stores value j of v as the declared type, converting as Pinot's
 * get*ValuesSV would (INT from a long keeps the low 32 bits). */
static void take(const qry_expr *e, pick_state *s, const qry_vec *v, uint32_t j, int64_t time)
{
    s->has = true;
    s->time = time;
    if (qry_kind_of(e->type) == QV_STRING) {
        if (v->kind == QV_STRING)
            set_string(s, v->s[j].s.p, v->s[j].s.len);
        return;
    }
    switch (e->type) {
    case SEG_INT:
    case SEG_BOOLEAN:
        s->i = v->kind == QV_DOUBLE ? qry_java_d2i(v->d[j]) : (int32_t)(uint32_t)v->i[j];
        break;
    case SEG_FLOAT:
        s->d = (float)qry_agg_num(v, j);
        break;
    case SEG_DOUBLE:
        s->d = qry_agg_num(v, j);
        break;
    default:
        s->i = qry_agg_long(v, j);
        break;
    }
}

/* ---- update ------------------------------------------------------------------------ */

/* The data value of row r (the last one of a multi-value row, which bind
 * rules out) and its time; false for rows to skip. */
static bool row_of(const qry_vec *v, const qry_vec *tv, uint32_t r, uint32_t *j, int64_t *time)
{
    uint32_t lo, hi, tlo, thi;
    if (!qry_agg_row(v, r, &lo, &hi) || lo == hi || !qry_agg_row(tv, r, &tlo, &thi) ||
        tlo == thi)
        return false;
    *j = hi - 1;
    *time = qry_agg_long(tv, tlo);
    return true;
}

static inline bool better(bool last, const pick_state *s, int64_t time)
{
    return !s->has || (last ? time >= s->time : time <= s->time);
}

static void scan(bool last, const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                 qry_vec *const *args, uint32_t n)
{
    const qry_vec *v = args[0], *tv = args[1];
    if (!v || !tv || v->kind == QV_NULL || !qry_agg_numeric(tv))
        return;
    if (groups) {
        for (uint32_t r = 0; r < n; r++) {
            uint32_t j;
            int64_t time;
            pick_state *s = qry_agg_state_of(base, stride, groups, r);
            if (row_of(v, tv, r, &j, &time) && better(last, s, time))
                take(e, s, v, j, time);
        }
        return;
    }
    /* One state: find the winning row first so a string is copied once. */
    pick_state best = *(pick_state *)base;
    int64_t best_j = -1;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t j;
        int64_t time;
        if (row_of(v, tv, r, &j, &time) && better(last, &best, time)) {
            best.has = true;
            best.time = time;
            best_j = j;
        }
    }
    if (best_j >= 0)
        take(e, base, v, (uint32_t)best_j, best.time);
}

static void last_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                        qry_vec *const *args, uint32_t n)
{
    scan(true, e, base, stride, groups, args, n);
}

static void first_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                         qry_vec *const *args, uint32_t n)
{
    scan(false, e, base, stride, groups, args, n);
}

/* ---- merge, final, bytes -------------------------------------------------------------- */

static void copy_from(pick_state *d, const pick_state *s)
{
    d->has = true;
    d->time = s->time;
    d->i = s->i;
    d->d = s->d;
    set_string(d, s->s, s->len);
}

static void last_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    pick_state *d = dst;
    const pick_state *s = src;
    if (s->has && (!d->has || s->time > d->time))
        copy_from(d, s);
}

static void first_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    pick_state *d = dst;
    const pick_state *s = src;
    if (s->has && (!d->has || s->time < d->time))
        copy_from(d, s);
}

/* The value of s, or over nothing the default d (the string default is
 * always ""). */
static void pick_out(const qry_expr *e, const pick_state *s, bool null_handling, qry_arena *a,
                     const pick_state *d, qry_val *out)
{
    seg_type t = e->type;
    if (!s->has && null_handling) {
        qry_agg_out_null(out, t);
        return;
    }
    const pick_state *v = s->has ? s : d;
    memset(out, 0, sizeof *out);
    out->type = t;
    out->kind = qry_kind_of(t);
    switch (out->kind) {
    case QV_STRING:
        out->len = s->has ? s->len : 0;
        out->s = qry_strndup(a, out->len ? s->s : "", out->len);
        break;
    case QV_DOUBLE:
        out->d = v->d;
        break;
    default:
        out->i = v->i;
        break;
    }
}

static void time_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                       qry_val *out)
{
    seg_type t = e->type;
    pick_state d = {
        .d = NAN,
        .i = t == SEG_BOOLEAN ? 0 : t == SEG_INT ? INT32_MIN : INT64_MIN,
    };
    pick_out(e, state, null_handling, a, &d, out);
}

/* Form: has (u8); then time (i64) and the value: i64, f64, or u32 length
 * and bytes, by the declared type's kind. */
static void pick_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    const pick_state *s = state;
    qry_put_u8(out, s->has);
    if (!s->has)
        return;
    qry_put_i64(out, s->time);
    switch (qry_kind_of(e->type)) {
    case QV_STRING:
        qry_put_u32(out, s->len);
        tn_buf_append(out, s->s, s->len);
        break;
    case QV_DOUBLE:
        qry_put_f64(out, s->d);
        break;
    default:
        qry_put_i64(out, s->i);
        break;
    }
}

static int64_t pick_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    qry_rd r = qry_rd_make(p, len);
    pick_state *s = state;
    uint8_t has = qry_rd_u8(&r);
    if (r.bad || has > 1)
        return -1;
    if (!has)
        return qry_rd_done(&r);
    int64_t time = qry_rd_i64(&r);
    switch (qry_kind_of(e->type)) {
    case QV_STRING: {
        uint32_t sl = qry_rd_u32(&r);
        const uint8_t *sp = qry_rd_take(&r, sl);
        if (!sp)
            return -1;
        set_string(s, (const char *)sp, sl);
        break;
    }
    case QV_DOUBLE:
        s->d = qry_rd_f64(&r);
        break;
    default:
        s->i = qry_rd_i64(&r);
        break;
    }
    if (r.bad)
        return -1;
    s->has = true;
    s->time = time;
    return qry_rd_done(&r);
}

/* ---- ANYVALUE ---------------------------------------------------------------------------- */

static int any_bind(qry_expr *e, qry_err *err)
{
    const char *fname = qry_agg_label(e, "anyvalue");
    if (e->nargs != 1)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position, "%s takes one argument", fname);
    if (qry_agg_need_value(e, 0, fname, err))
        return -1;
    if (e->args[0]->mv)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                        "%s needs a single-value argument", fname);
    seg_type t = e->args[0]->type;
    e->type = t == SEG_BOOLEAN ? SEG_INT : t == SEG_TIMESTAMP ? SEG_LONG : t;
    e->mv = false;
    return 0;
}

static void any_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                       qry_vec *const *args, uint32_t n)
{
    const qry_vec *v = args[0];
    if (!v || v->kind == QV_NULL || (!groups && ((pick_state *)base)->has))
        return;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t lo, hi;
        pick_state *s = qry_agg_state_of(base, stride, groups, r);
        if (s->has || !qry_agg_row(v, r, &lo, &hi) || lo == hi)
            continue;
        take(e, s, v, lo, 0);
        if (!groups)
            return;
    }
}

static void any_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    pick_state *d = dst;
    const pick_state *s = src;
    if (s->has && !d->has)
        copy_from(d, s);
}

static void any_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                      qry_val *out)
{
    pick_state d = {.d = 0.0, .i = 0};
    pick_out(e, state, null_handling, a, &d, out);
}

#define TIME_COMMON                                                                       \
    .min_args = 2, .max_args = 3, .bind = time_bind, .state_size = sizeof(pick_state),    \
    .init = pick_init, .final = time_final, .serialize = pick_serialize,                  \
    .deserialize = pick_deserialize, .destroy = pick_destroy

const qry_agg_fn qry_agg_lastwithtime = {.name = "lastwithtime", .update = last_update,
                                         .merge = last_merge, TIME_COMMON};
const qry_agg_fn qry_agg_firstwithtime = {.name = "firstwithtime", .update = first_update,
                                          .merge = first_merge, TIME_COMMON};
const qry_agg_fn qry_agg_anyvalue = {
    .name = "anyvalue", .min_args = 1, .max_args = 1, .bind = any_bind,
    .state_size = sizeof(pick_state), .init = pick_init, .update = any_update,
    .merge = any_merge, .final = any_final, .serialize = pick_serialize,
    .deserialize = pick_deserialize, .destroy = pick_destroy,
};
