/*
 * qry_agg.c: the registry of aggregation functions (lookup by any spelling
 * Pinot accepts, legacy percentileNN names) and the argument checks the
 * functions share at bind time.
 */
#include "qry_agg_int.h"

#include <ctype.h>
#include <stdlib.h>

/* Canonical names are Pinot's (lower case, no underscores). The MV names
 * are separate entries so results are named as written ("summv(x)"). */
static const qry_agg_fn *const agg_table[] = {
    &qry_agg_count, &qry_agg_countmv,
    &qry_agg_sum, &qry_agg_summv,
    &qry_agg_min, &qry_agg_minmv,
    &qry_agg_max, &qry_agg_maxmv,
    &qry_agg_avg, &qry_agg_avgmv,
    &qry_agg_minmaxrange, &qry_agg_minmaxrangemv,
    &qry_agg_distinctcount, &qry_agg_distinctcountmv,
    &qry_agg_distinctsum, &qry_agg_distinctsummv,
    &qry_agg_distinctavg, &qry_agg_distinctavgmv,
    &qry_agg_distinctcounthll, &qry_agg_distinctcounthllmv,
    &qry_agg_percentile, &qry_agg_percentilemv,
    &qry_agg_percentiletdigest, &qry_agg_percentiletdigestmv,
    &qry_agg_percentileest, &qry_agg_percentileestmv,
    &qry_agg_firstwithtime, &qry_agg_lastwithtime,
    &qry_agg_mode, &qry_agg_anyvalue,
};

/* Legacy forms PERCENTILE95(x), PERCENTILEEST50(x), PERCENTILETDIGEST99MV(x):
 * longest prefix first so "percentileest50" is not percentile + "est50". */
static const struct {
    const char *prefix;
    const qry_agg_fn *sv, *mv;
} legacy_table[] = {
    {"percentiletdigest", &qry_agg_percentiletdigest, &qry_agg_percentiletdigestmv},
    {"percentileest", &qry_agg_percentileest, &qry_agg_percentileestmv},
    {"percentile", &qry_agg_percentile, &qry_agg_percentilemv},
};

/* Lower case without underscores, as Pinot canonicalizes function names;
 * false when the name does not fit (no aggregation name is that long). */
static bool canonical_name(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p == '_')
            continue;
        if (n + 1 >= cap)
            return false;
        out[n++] = (char)tolower((unsigned char)*p);
    }
    out[n] = '\0';
    return true;
}

static const qry_agg_fn *find_legacy(const char *c, double *pct)
{
    for (size_t t = 0; t < TN_ARRAY_LEN(legacy_table); t++) {
        size_t plen = strlen(legacy_table[t].prefix);
        if (strncmp(c, legacy_table[t].prefix, plen) != 0)
            continue;
        const char *d = c + plen;
        size_t nd = 0;
        int v = 0;
        /* Three digits are enough for 0..100; the range check is bind's,
         * so that percentile101(x) is a 700 error, not an unknown name. */
        while (isdigit((unsigned char)d[nd]) && nd < 3)
            v = v * 10 + (d[nd++] - '0');
        if (nd == 0)
            return NULL;
        const char *rest = d + nd;
        const qry_agg_fn *fn = !*rest ? legacy_table[t].sv
                             : !strcmp(rest, "mv") ? legacy_table[t].mv : NULL;
        if (fn)
            *pct = v;
        return fn;
    }
    return NULL;
}

const qry_agg_fn *qry_agg_find(const char *name, double *legacy_percentile)
{
    char c[64];
    double pct = -1;
    const qry_agg_fn *fn = NULL;
    if (name && canonical_name(name, c, sizeof c)) {
        for (size_t i = 0; i < TN_ARRAY_LEN(agg_table) && !fn; i++)
            if (!strcmp(c, agg_table[i]->name))
                fn = agg_table[i];
        if (!fn)
            fn = find_legacy(c, &pct);
    }
    if (legacy_percentile)
        *legacy_percentile = fn ? pct : -1;
    return fn;
}

/* ---- shared bind helpers ------------------------------------------------------- */

bool qry_agg_lit_number(const qry_expr *a, double *out)
{
    if (!a || a->op != QE_LITERAL)
        return false;
    switch (a->lit.kind) {
    case QV_LONG:
        *out = (double)a->lit.i;
        return true;
    case QV_DOUBLE:
        *out = a->lit.d;
        return true;
    case QV_STRING: {
        char buf[64];
        if (!a->lit.s || a->lit.len == 0 || a->lit.len >= sizeof buf)
            return false;
        memcpy(buf, a->lit.s, a->lit.len);
        buf[a->lit.len] = '\0';
        char *end;
        double d = strtod(buf, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || isspace((unsigned char)buf[0]))
            return false;
        *out = d;
        return true;
    }
    default:
        return false;
    }
}

int qry_agg_need_value(const qry_expr *e, uint32_t i, const char *fname, qry_err *err)
{
    if (i >= e->nargs || !e->args[i] || e->args[i]->op == QE_STAR)
        return qry_fail(err, QRY_ERR_VALIDATION, e->position,
                        "%s does not take * as argument %u", fname, i + 1);
    return 0;
}

int qry_agg_need_numeric(const qry_expr *e, uint32_t i, const char *fname, qry_err *err)
{
    if (qry_agg_need_value(e, i, fname, err))
        return -1;
    const qry_expr *a = e->args[i];
    /* A NULL literal has no type to speak of; it aggregates as nothing. */
    if (a->op == QE_LITERAL && a->lit.kind == QV_NULL)
        return 0;
    if (qry_kind_of(a->type) == QV_STRING)
        return qry_fail(err, QRY_ERR_VALIDATION, a->position,
                        "%s needs a numeric argument, got %s", fname,
                        seg_type_name(a->type));
    return 0;
}

double qry_agg_percent_arg(const qry_expr *e)
{
    double p;
    if (e->nargs >= 2)
        return qry_agg_lit_number(e->args[1], &p) ? p : -1;
    qry_agg_find(e->name, &p);
    return p;
}

/* ---- numeric dictionaries ------------------------------------------------------------- */

/* Small dictionaries are decoded whole at once (one call); larger ones by
 * the ids a batch meets, so a selective query does not decode them all. */
#define DNUM_WHOLE_MAX 4096u

static void dnum_decode(qry_agg_dict *d, qry_agg_dnum *c, const uint32_t *ids, uint32_t n)
{
    qry_arena_reset(&c->a);
    qry_vec *v = qry_vec_new(&c->a, d->kind, d->type, n);
    d->decode(d->ctx, ids, n, v);
    for (uint32_t k = 0; k < n; k++) {
        c->val[ids[k]] = qry_agg_num(v, k);
        c->known[ids[k] >> 6] |= 1ull << (ids[k] & 63);
    }
}

const double *qry_agg_dict_nums(qry_agg_dict *d, const uint32_t *ids, uint32_t n)
{
    if (d->kind != QV_LONG && d->kind != QV_DOUBLE)
        return NULL;
    qry_agg_dnum *c = d->cache;
    uint32_t card = d->cardinality ? d->cardinality : 1;
    if (!c) {
        c = d->cache = tn_calloc(1, sizeof *c);
        c->val = tn_malloc((size_t)card * sizeof *c->val);
        c->known = tn_calloc(((size_t)card + 63) / 64, sizeof *c->known);
        if (d->cardinality <= DNUM_WHOLE_MAX) {
            uint32_t *all = tn_malloc((size_t)card * sizeof *all);
            for (uint32_t i = 0; i < d->cardinality; i++)
                all[i] = i;
            dnum_decode(d, c, all, d->cardinality);
            free(all);
            return c->val;
        }
    }
    if (d->cardinality <= DNUM_WHOLE_MAX)
        return c->val;
    uint32_t nm = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t id = ids[r];
        uint64_t bit = 1ull << (id & 63);
        if (c->known[id >> 6] & bit)
            continue;
        c->known[id >> 6] |= bit; /* pending: decoded below */
        if (nm == c->mcap) {
            c->mcap = c->mcap ? c->mcap * 2 : 256;
            c->miss = tn_realloc(c->miss, (size_t)c->mcap * sizeof *c->miss);
        }
        c->miss[nm++] = id;
    }
    if (nm)
        dnum_decode(d, c, c->miss, nm);
    return c->val;
}

void qry_agg_dict_nums_free(const qry_expr *e, qry_agg_dict *d)
{
    (void)e;
    qry_agg_dnum *c = d->cache;
    if (!c)
        return;
    free(c->val);
    free(c->known);
    free(c->miss);
    qry_arena_free(&c->a);
    free(c);
    d->cache = NULL;
}
