/*
 * brk_route.c: routing snapshots from server status JSON, the hybrid time
 * boundary, and broker-side time pruning.
 */
#include "brk_route.h"
#include "qry_reduce.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* int64 fields of the status JSON may be numbers or strings. */
static bool json_i64(const cJSON *v, int64_t *out)
{
    if (cJSON_IsNumber(v)) {
        *out = (int64_t)v->valuedouble;
        return true;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        long long x = strtoll(v->valuestring, &end, 10);
        if (*end == 0) {
            *out = x;
            return true;
        }
    }
    return false;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void seg_from_json(const cJSON *js, brk_seg *s)
{
    const cJSON *name = get(js, "name");
    s->name = cJSON_IsString(name) ? name->valuestring : "";
    int64_t v;
    s->start_ms = json_i64(get(js, "startTimeMs"), &v) && v >= 0 ? v : BRK_TIME_MIN;
    s->end_ms = json_i64(get(js, "endTimeMs"), &v) && v >= 0 ? v : BRK_TIME_MAX;
    if (s->start_ms == BRK_TIME_MIN || s->end_ms == BRK_TIME_MAX)
        s->start_ms = BRK_TIME_MIN, s->end_ms = BRK_TIME_MAX;
    s->docs = json_i64(get(js, "docs"), &v) && v > 0 ? (uint64_t)v : 0;
    const cJSON *st = get(js, "status");
    s->consuming = cJSON_IsString(st) && !strcmp(st->valuestring, "IN_PROGRESS");
}

/* The typed name a status table entry describes. */
static void status_table_name(const cJSON *t, char *out, size_t cap)
{
    const cJSON *name = get(t, "name"), *type = get(t, "type");
    const char *n = cJSON_IsString(name) ? name->valuestring : "";
    size_t len = strlen(n);
    bool typed = (len > 8 && !strcasecmp(n + len - 8, "_OFFLINE")) ||
                 (len > 9 && !strcasecmp(n + len - 9, "_REALTIME"));
    if (typed || !cJSON_IsString(type))
        snprintf(out, cap, "%s", n);
    else
        snprintf(out, cap, "%s_%s", n, type->valuestring);
}

static brk_route_table *table_slot(brk_routing *r, const char *name, uint32_t *cap)
{
    for (uint32_t i = 0; i < r->ntables; i++)
        if (!strcasecmp(r->tables[i].name, name))
            return &r->tables[i];
    if (r->ntables == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        r->tables = tn_realloc(r->tables, *cap * sizeof *r->tables);
    }
    brk_route_table *t = &r->tables[r->ntables++];
    memset(t, 0, sizeof *t);
    t->name = tn_strdup(name);
    return t;
}

static void add_server_tables(brk_routing *r, uint32_t server, const cJSON *status,
                              uint32_t *cap)
{
    const cJSON *tables = get(status, "tables"), *t;
    cJSON_ArrayForEach(t, tables) {
        char name[600];
        status_table_name(t, name, sizeof name);
        if (!name[0])
            continue;
        brk_route_table *rt = table_slot(r, name, cap);
        rt->srvs = tn_realloc(rt->srvs, (rt->nsrvs + 1) * sizeof *rt->srvs);
        brk_route_srv *rs = &rt->srvs[rt->nsrvs++];
        const cJSON *segs = get(t, "segments"), *s;
        rs->server = server;
        rs->nsegs = 0;
        rs->segs = tn_calloc((size_t)cJSON_GetArraySize(segs) + 1, sizeof *rs->segs);
        cJSON_ArrayForEach(s, segs)
            seg_from_json(s, &rs->segs[rs->nsegs++]);
    }
}

brk_routing *brk_routing_build(uint32_t nservers, cJSON **status, const bool *up)
{
    brk_routing *r = tn_calloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    r->nservers = nservers;
    r->up = tn_calloc(nservers + 1, sizeof *r->up);
    r->status = tn_calloc(nservers + 1, sizeof *r->status);
    uint32_t cap = 0;
    for (uint32_t i = 0; i < nservers; i++) {
        r->up[i] = up[i];
        r->status[i] = status[i];
        if (status[i])
            add_server_tables(r, i, status[i], &cap);
    }
    r->built_ms = tn_now_ms();
    return r;
}

brk_routing *brk_routing_ref(brk_routing *r)
{
    if (r)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

void brk_routing_unref(brk_routing *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    for (uint32_t i = 0; i < r->ntables; i++) {
        for (uint32_t k = 0; k < r->tables[i].nsrvs; k++)
            free(r->tables[i].srvs[k].segs);
        free(r->tables[i].srvs);
        free(r->tables[i].name);
    }
    for (uint32_t i = 0; i < r->nservers; i++)
        cJSON_Delete(r->status[i]);
    free(r->tables);
    free(r->status);
    free(r->up);
    free(r);
}

const brk_route_table *brk_routing_find(const brk_routing *r, const char *typed)
{
    for (uint32_t i = 0; r && i < r->ntables; i++)
        if (!strcasecmp(r->tables[i].name, typed))
            return &r->tables[i];
    return NULL;
}

bool brk_routing_time_boundary(const brk_routing *r, const char *offline_typed,
                               int64_t unit_ms, bool hourly, int64_t *boundary)
{
    const brk_route_table *t = brk_routing_find(r, offline_typed);
    int64_t max_end = -1;
    for (uint32_t k = 0; t && k < t->nsrvs; k++)
        for (uint32_t i = 0; i < t->srvs[k].nsegs; i++) {
            const brk_seg *s = &t->srvs[k].segs[i];
            if (s->end_ms != BRK_TIME_MAX && s->end_ms > max_end)
                max_end = s->end_ms;
        }
    if (max_end <= 0 || unit_ms <= 0)
        return false;
    *boundary = qry_time_boundary(max_end, unit_ms, hourly);
    return true;
}

/* ---- time pruning ------------------------------------------------------ */

static bool literal_ms(const qry_expr *e, int64_t unit_ms, bool round_up, int64_t *ms)
{
    if (e->op != QE_LITERAL)
        return false;
    double v;
    if (e->lit.kind == QV_LONG)
        v = (double)e->lit.i;
    else if (e->lit.kind == QV_DOUBLE && isfinite(e->lit.d))
        v = e->lit.d;
    else
        return false;
    double x = (round_up ? ceil(v) : floor(v)) * (double)unit_ms;
    if (!(x > -9.2e18 && x < 9.2e18))
        return false;
    *ms = (int64_t)x;
    return true;
}

static bool is_time_col(const qry_expr *e, int time_col)
{
    return e->op == QE_COLUMN && e->col == time_col;
}

static qry_cmp flip(qry_cmp c)
{
    switch (c) {
    case QC_LT: return QC_GT;
    case QC_LE: return QC_GE;
    case QC_GT: return QC_LT;
    case QC_GE: return QC_LE;
    default: return c;
    }
}

/* Narrows [*lo, *hi] by one comparison "time <cmp> literal". Bounds stay
 * inclusive (x > v keeps v itself): never wrong, at most one unit loose. */
static void narrow_cmp(qry_cmp c, const qry_expr *lit, int64_t unit_ms, int64_t *lo, int64_t *hi)
{
    int64_t a, b;
    switch (c) {
    case QC_EQ:
        if (literal_ms(lit, unit_ms, false, &a) && literal_ms(lit, unit_ms, true, &b)) {
            *lo = TN_MAX(*lo, a);
            *hi = TN_MIN(*hi, b);
        }
        break;
    case QC_GT:
    case QC_GE:
        if (literal_ms(lit, unit_ms, false, &a))
            *lo = TN_MAX(*lo, a);
        break;
    case QC_LT:
    case QC_LE:
        if (literal_ms(lit, unit_ms, true, &b))
            *hi = TN_MIN(*hi, b);
        break;
    default:
        break;
    }
}

static void narrow(const qry_expr *e, int time_col, int64_t unit_ms, int64_t *lo, int64_t *hi)
{
    if (!e)
        return;
    if (e->op == QE_AND) {
        for (uint32_t i = 0; i < e->nargs; i++)
            narrow(e->args[i], time_col, unit_ms, lo, hi);
    } else if (e->op == QE_CMP && e->nargs == 2) {
        if (is_time_col(e->args[0], time_col))
            narrow_cmp(e->cmp, e->args[1], unit_ms, lo, hi);
        else if (is_time_col(e->args[1], time_col))
            narrow_cmp(flip(e->cmp), e->args[0], unit_ms, lo, hi);
    } else if (e->op == QE_BETWEEN && !e->negated && e->nargs == 3 &&
               is_time_col(e->args[0], time_col)) {
        narrow_cmp(QC_GE, e->args[1], unit_ms, lo, hi);
        narrow_cmp(QC_LE, e->args[2], unit_ms, lo, hi);
    }
}

void brk_query_time_range(const qry_query *q, int time_col, int64_t unit_ms, int64_t *lo_ms,
                          int64_t *hi_ms)
{
    *lo_ms = BRK_TIME_MIN;
    *hi_ms = BRK_TIME_MAX;
    if (time_col >= 0 && unit_ms > 0)
        narrow(q->where, time_col, unit_ms, lo_ms, hi_ms);
}

bool brk_seg_may_match(const brk_seg *s, int64_t lo_ms, int64_t hi_ms)
{
    if (s->consuming || s->start_ms == BRK_TIME_MIN)
        return true;
    return s->end_ms >= lo_ms && s->start_ms <= hi_ms;
}

/* ---- sizes ------------------------------------------------------------- */

bool brk_segment_size(const int64_t *sizes, uint32_t n, brk_seg_size *out)
{
    int64_t sum = 0, max = -1;
    uint32_t answered = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (sizes[i] < 0)
            continue;
        sum += sizes[i];
        max = TN_MAX(max, sizes[i]);
        answered++;
    }
    if (!answered) {
        *out = (brk_seg_size){-1, -1, -1};
        return false;
    }
    *out = (brk_seg_size){sum, sum + (int64_t)(n - answered) * max, max};
    return true;
}

/* ---- debug view -------------------------------------------------------- */

static cJSON *seg_json(const brk_seg *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", s->name);
    if (s->start_ms != BRK_TIME_MIN) {
        cJSON_AddNumberToObject(o, "startTimeMs", (double)s->start_ms);
        cJSON_AddNumberToObject(o, "endTimeMs", (double)s->end_ms);
    }
    cJSON_AddNumberToObject(o, "docs", (double)s->docs);
    cJSON_AddStringToObject(o, "status", s->consuming ? "IN_PROGRESS" : "DONE");
    return o;
}

static cJSON *server_json(const brk_routing *r, const brk_route_srv *rs, bool verbose)
{
    cJSON *segs = cJSON_CreateArray();
    for (uint32_t i = 0; i < rs->nsegs; i++)
        cJSON_AddItemToArray(segs, verbose ? seg_json(&rs->segs[i])
                                           : cJSON_CreateString(rs->segs[i].name));
    if (!verbose)
        return segs;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "up", r->up[rs->server]);
    cJSON_AddItemToObject(o, "segments", segs);
    return o;
}

char *brk_routing_json(const brk_routing *r, const char *const *server_names,
                       const char *only_table, bool verbose)
{
    cJSON *root = cJSON_CreateObject();
    for (uint32_t i = 0; r && i < r->ntables; i++) {
        const brk_route_table *t = &r->tables[i];
        if (only_table && strcasecmp(t->name, only_table))
            continue;
        cJSON *tj = cJSON_CreateObject();
        for (uint32_t k = 0; k < t->nsrvs; k++)
            cJSON_AddItemToObject(tj, server_names[t->srvs[k].server],
                                  server_json(r, &t->srvs[k], verbose));
        cJSON_AddItemToObject(root, t->name, tj);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}
