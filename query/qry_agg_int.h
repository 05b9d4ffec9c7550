/*
 * qry_agg_int.h: what the aggregation files (qry_agg*.c, qry_tdigest.c)
 * share: the function tables the registry lists, checks of arguments at
 * bind time, walking input vectors, and the little-endian byte form of
 * states with a bounds-checked reader for bytes that come off the network.
 */
#ifndef QRY_AGG_INT_H
#define QRY_AGG_INT_H

#include <math.h>
#include <string.h>

#include "qry_agg.h"
#include "qry_func_int.h" /* Java's double -> long/int casts */

/* ---- the functions (defined in qry_agg_basic.c, _distinct.c, _hll.c,
 * _percentile.c, _pick.c, _mode.c) ---------------------------------------------- */

extern const qry_agg_fn qry_agg_count, qry_agg_countmv;
extern const qry_agg_fn qry_agg_sum, qry_agg_summv, qry_agg_min, qry_agg_minmv;
extern const qry_agg_fn qry_agg_max, qry_agg_maxmv, qry_agg_avg, qry_agg_avgmv;
extern const qry_agg_fn qry_agg_minmaxrange, qry_agg_minmaxrangemv;
extern const qry_agg_fn qry_agg_distinctcount, qry_agg_distinctcountmv;
extern const qry_agg_fn qry_agg_distinctsum, qry_agg_distinctsummv;
extern const qry_agg_fn qry_agg_distinctavg, qry_agg_distinctavgmv;
extern const qry_agg_fn qry_agg_distinctcounthll, qry_agg_distinctcounthllmv;
extern const qry_agg_fn qry_agg_percentile, qry_agg_percentilemv;
extern const qry_agg_fn qry_agg_percentiletdigest, qry_agg_percentiletdigestmv;
extern const qry_agg_fn qry_agg_percentileest, qry_agg_percentileestmv;
extern const qry_agg_fn qry_agg_firstwithtime, qry_agg_lastwithtime, qry_agg_anyvalue;
extern const qry_agg_fn qry_agg_mode;

/* ---- binding ---------------------------------------------------------------- */

/* How error messages name the function: as the query wrote it. */
static inline const char *qry_agg_label(const qry_expr *e, const char *canonical)
{
    return e->name ? e->name : canonical;
}

/* The number a literal argument holds (numeric literals, or strings that
 * are entirely a number, as Pinot reads '95'); false for anything else. */
bool qry_agg_lit_number(const qry_expr *a, double *out);

/* Checks that value argument i is an expression of a numeric type (not *,
 * not STRING/BYTES): error 700 naming the function otherwise. */
int qry_agg_need_numeric(const qry_expr *e, uint32_t i, const char *fname, qry_err *err);

/* Checks that argument i is not * (only COUNT takes it). */
int qry_agg_need_value(const qry_expr *e, uint32_t i, const char *fname, qry_err *err);

/* The percentile of a percentile aggregation: its second argument, or the
 * NN of a legacy name (percentile95); -1 when there is none. */
double qry_agg_percent_arg(const qry_expr *e);

/* ---- walking input vectors --------------------------------------------------- */

/* The state of row r: rows go to their group's block, or all to base. */
static inline void *qry_agg_state_of(void *base, size_t stride, const uint32_t *groups,
                                     uint32_t r)
{
    return groups ? (char *)base + (size_t)groups[r] * stride : base;
}

/* The values of row r are [*lo, *hi) of v's arrays; false for a NULL row. */
static inline bool qry_agg_row(const qry_vec *v, uint32_t r, uint32_t *lo, uint32_t *hi)
{
    if (v->nulls && v->nulls[r])
        return false;
    if (v->mv_off) {
        *lo = v->mv_off[r];
        *hi = v->mv_off[r + 1];
    } else {
        *lo = r;
        *hi = r + 1;
    }
    return true;
}

/* A vector numeric aggregations can read: literal arguments are not
 * evaluated (NULL) and a NULL literal may evaluate to a QV_NULL vector;
 * either adds nothing. */
static inline bool qry_agg_numeric(const qry_vec *v)
{
    return v && (v->kind == QV_LONG || v->kind == QV_DOUBLE);
}

/* Value j of a numeric vector as a double, as Pinot's getDoubleValuesSV. */
static inline double qry_agg_num(const qry_vec *v, uint32_t j)
{
    return v->kind == QV_DOUBLE ? v->d[j] : (double)v->i[j];
}

/* Java's (long) cast of a double: NaN is 0, out-of-range values saturate
 * (a plain C cast is undefined there). */

/* Value j of a numeric vector as a long, as Pinot's getLongValuesSV. */
static inline int64_t qry_agg_long(const qry_vec *v, uint32_t j)
{
    return v->kind == QV_DOUBLE ? qry_java_d2l(v->d[j]) : v->i[j];
}

/* Results: a DOUBLE, a LONG-kind value of type t, or NULL of type t. */
static inline void qry_agg_out_double(qry_val *out, double d)
{
    memset(out, 0, sizeof *out);
    out->kind = QV_DOUBLE;
    out->type = SEG_DOUBLE;
    out->d = d;
}

static inline void qry_agg_out_long(qry_val *out, seg_type t, int64_t i)
{
    memset(out, 0, sizeof *out);
    out->kind = QV_LONG;
    out->type = t;
    out->i = i;
}

static inline void qry_agg_out_null(qry_val *out, seg_type t)
{
    memset(out, 0, sizeof *out);
    out->kind = QV_NULL;
    out->type = t;
}

/* ---- numeric dictionaries (update_ids) ------------------------------------------------ */

/* What a numeric function keeps in qry_agg_dict.cache: each id's value as
 * qry_agg_num would read it, decoded on first need. */
typedef struct qry_agg_dnum {
    double *val;
    uint64_t *known;           /* bit per id */
    uint32_t *miss, mcap;
    qry_arena a;
} qry_agg_dnum;

/* d's values for ids [0, n) are in the returned array, indexed by id;
 * NULL for a dictionary that is not numeric. */
const double *qry_agg_dict_nums(qry_agg_dict *d, const uint32_t *ids, uint32_t n);
/* Frees what qry_agg_dict_nums kept (a dict_free). */
void qry_agg_dict_nums_free(const qry_expr *e, qry_agg_dict *d);

/* ---- value sets in states (qry_agg_distinct.c; DISTINCT* and MODE) ------------------ */

struct qry_valset;

/* The set kind (QRY_VS_*) for values of v; QRY_VS_NONE for a NULL vector. */
uint8_t qry_agg_set_kind(const qry_vec *v);
/* The set in *slot, made on first use; NULL when strings meet numbers. */
struct qry_valset *qry_agg_set_of(struct qry_valset **slot, uint8_t kind, bool counted);
/* Adds rows [0, n) of v to the sets of their groups; states start with
 * their qry_valset pointer. */
void qry_agg_set_update(const qry_vec *v, void *base, size_t stride, const uint32_t *groups,
                        uint32_t n, bool counted);
void qry_agg_set_serialize(const struct qry_valset *s, tn_buf *out);
int64_t qry_agg_set_deserialize(struct qry_valset **slot, bool counted, const uint8_t *p,
                                size_t len);

/* ---- byte form of states: little-endian whatever the host ---------------------- */

static inline void qry_put_u8(tn_buf *b, uint8_t v) { tn_buf_append(b, &v, 1); }

static inline void qry_put_u32(tn_buf *b, uint32_t v)
{
    uint8_t x[4];
    for (int k = 0; k < 4; k++)
        x[k] = (uint8_t)(v >> (8 * k));
    tn_buf_append(b, x, 4);
}

static inline void qry_put_u64(tn_buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int k = 0; k < 8; k++)
        x[k] = (uint8_t)(v >> (8 * k));
    tn_buf_append(b, x, 8);
}

static inline void qry_put_i64(tn_buf *b, int64_t v) { qry_put_u64(b, (uint64_t)v); }

static inline void qry_put_f64(tn_buf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    qry_put_u64(b, u);
}

/* A reader over untrusted bytes: a read past the end yields zeros and sets
 * bad, so decoders check once at the end (and before any allocation sized
 * by what they read). */
typedef struct qry_rd {
    const uint8_t *p;
    size_t len, off;
    bool bad;
} qry_rd;

static inline qry_rd qry_rd_make(const uint8_t *p, size_t len)
{
    qry_rd r = {p, len, 0, false};
    return r;
}

static inline size_t qry_rd_left(const qry_rd *r) { return r->bad ? 0 : r->len - r->off; }

/* n bytes, or NULL (and bad) when fewer are left. */
static inline const uint8_t *qry_rd_take(qry_rd *r, size_t n)
{
    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

static inline uint8_t qry_rd_u8(qry_rd *r)
{
    const uint8_t *p = qry_rd_take(r, 1);
    return p ? p[0] : 0;
}

static inline uint32_t qry_rd_u32(qry_rd *r)
{
    const uint8_t *p = qry_rd_take(r, 4);
    uint32_t v = 0;
    for (int k = 0; p && k < 4; k++)
        v |= (uint32_t)p[k] << (8 * k);
    return v;
}

static inline uint64_t qry_rd_u64(qry_rd *r)
{
    const uint8_t *p = qry_rd_take(r, 8);
    uint64_t v = 0;
    for (int k = 0; p && k < 8; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static inline int64_t qry_rd_i64(qry_rd *r) { return (int64_t)qry_rd_u64(r); }

static inline double qry_rd_f64(qry_rd *r)
{
    uint64_t u = qry_rd_u64(r);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* What deserialize returns: the bytes used, or -1. */
static inline int64_t qry_rd_done(const qry_rd *r) { return r->bad ? -1 : (int64_t)r->off; }

#endif
