/*
 * qry_agg_mode.c: MODE(x[, 'MIN' | 'MAX' | 'AVG']): the most frequent value
 * as a DOUBLE, as Pinot's ModeAggregationFunction. Values are counted in a
 * counting value set (qry_valset.h); when several values share the highest
 * count the reducer picks the smallest (MIN, the default), the largest
 * (MAX), or their average (AVG). -Infinity over nothing (NULL with null
 * handling). Numeric input only, as Pinot's single-stage MODE.
 */
#include "qry_agg_int.h"

#include <strings.h>

#include "qry_valset.h"

enum { MODE_MIN, MODE_MAX, MODE_AVG };

typedef struct mode_state {
    qry_valset *set;
} mode_state;

/* The reducer literal; bind has checked it (Pinot spells it in upper case;
 * any case is taken here). */
static int reducer_of(const qry_expr *e)
{
    if (e->nargs < 2)
        return MODE_MIN;
    const qry_val *l = &e->args[1]->lit;
    if (l->len == 3 && !strncasecmp(l->s, "MAX", 3))
        return MODE_MAX;
    if (l->len == 3 && !strncasecmp(l->s, "AVG", 3))
        return MODE_AVG;
    return MODE_MIN;
}

static int mode_bind(qry_expr *e, qry_err *err)
{
    const char *fname = qry_agg_label(e, "mode");
    if (qry_agg_need_numeric(e, 0, fname, err))
        return -1;
    if (e->nargs >= 2) {
        const qry_expr *r = e->args[1];
        bool ok = r && r->op == QE_LITERAL && r->lit.kind == QV_STRING && r->lit.len == 3 &&
                  (!strncasecmp(r->lit.s, "MIN", 3) || !strncasecmp(r->lit.s, "MAX", 3) ||
                   !strncasecmp(r->lit.s, "AVG", 3));
        if (!ok)
            return qry_fail(err, QRY_ERR_VALIDATION, r ? r->position : e->position,
                            "%s: the multi-mode reducer must be 'MIN', 'MAX' or 'AVG'", fname);
    }
    e->type = SEG_DOUBLE;
    e->mv = false;
    return 0;
}

static void mode_init(const qry_expr *e, void *state)
{
    (void)e;
    ((mode_state *)state)->set = NULL;
}

static void mode_destroy(const qry_expr *e, void *state)
{
    (void)e;
    mode_state *st = state;
    qry_valset_free(st->set);
    st->set = NULL;
}

static void mode_update(const qry_expr *e, void *base, size_t stride, const uint32_t *groups,
                        qry_vec *const *args, uint32_t n)
{
    (void)e;
    if (qry_agg_numeric(args[0]))
        qry_agg_set_update(args[0], base, stride, groups, n, true);
}

static void mode_merge(const qry_expr *e, void *dst, const void *src)
{
    (void)e;
    const qry_valset *from = ((const mode_state *)src)->set;
    if (!from || from->n == 0)
        return;
    qry_valset *to = qry_agg_set_of(&((mode_state *)dst)->set, from->kind, true);
    if (to)
        qry_valset_union(to, from);
}

/* Slot i's value is below slot j's (longs compare as longs, exactly). */
static bool less(const qry_valset *s, uint32_t i, uint32_t j)
{
    if (s->kind == QRY_VS_LONG)
        return (int64_t)s->key[i] < (int64_t)s->key[j];
    return qry_valset_number(s, i) < qry_valset_number(s, j);
}

/* Among the values of the highest count: the smallest, the largest, or the
 * average, by the reducer. */
static double mode_of(const qry_valset *s, int reducer)
{
    uint64_t top = 0, ties = 0;
    uint32_t best = 0;
    double sum = 0;
    for (uint32_t i = 0; i <= s->mask; i++) {
        if (!qry_valset_used(s, i) || s->count[i] < top)
            continue;
        if (s->count[i] > top) {
            top = s->count[i];
            best = i;
            sum = qry_valset_number(s, i);
            ties = 1;
            continue;
        }
        if (reducer == MODE_MIN ? less(s, i, best) : reducer == MODE_MAX && less(s, best, i))
            best = i;
        sum += qry_valset_number(s, i);
        ties++;
    }
    return reducer == MODE_AVG ? sum / (double)ties : qry_valset_number(s, best);
}

static void mode_final(const qry_expr *e, const void *state, bool null_handling, qry_arena *a,
                       qry_val *out)
{
    (void)a;
    const qry_valset *s = ((const mode_state *)state)->set;
    if (!s || s->n == 0 || s->kind == QRY_VS_STRING) {
        if (null_handling)
            qry_agg_out_null(out, SEG_DOUBLE);
        else
            qry_agg_out_double(out, -INFINITY);
        return;
    }
    qry_agg_out_double(out, mode_of(s, reducer_of(e)));
}

static void mode_serialize(const qry_expr *e, const void *state, tn_buf *out)
{
    (void)e;
    qry_agg_set_serialize(((const mode_state *)state)->set, out);
}

static int64_t mode_deserialize(const qry_expr *e, void *state, const uint8_t *p, size_t len)
{
    (void)e;
    return qry_agg_set_deserialize(&((mode_state *)state)->set, true, p, len);
}

const qry_agg_fn qry_agg_mode = {
    .name = "mode", .min_args = 1, .max_args = 2, .bind = mode_bind,
    .state_size = sizeof(mode_state), .init = mode_init, .update = mode_update,
    .merge = mode_merge, .final = mode_final, .serialize = mode_serialize,
    .deserialize = mode_deserialize, .destroy = mode_destroy,
};
