/*
 * srv_transform.c: flattening, transform columns and the ingestion filter
 * applied to each decoded row (see srv_transform.h).
 */
#include "srv_transform.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A schema column whose name is a dotted path into nested JSON. */
typedef struct flat_col {
    uint32_t field;
    char **steps;
    uint32_t nsteps;
} flat_col;

typedef struct xform {
    uint32_t field;
    srv_expr *expr;
    const char *text;
} xform;

struct srv_rowproc {
    const seg_schema *schema;
    flat_col *flat;
    uint32_t nflat;
    xform *xf;
    uint32_t nxf;
    srv_expr *filter;
    srv_arena arena;
};

static void add_flat(srv_rowproc *p, uint32_t field, const char *name)
{
    flat_col *f = &p->flat[p->nflat++];
    f->field = field;
    char *copy = tn_strdup(name), *save = NULL;
    for (char *t = strtok_r(copy, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
        f->steps = tn_realloc(f->steps, (f->nsteps + 1) * sizeof *f->steps);
        f->steps[f->nsteps++] = tn_strdup(t);
    }
    free(copy);
}

int srv_rowproc_create(const srv_table_config *c, const seg_schema *schema,
                       srv_rowproc **out, char *err)
{
    srv_rowproc *p = tn_calloc(1, sizeof *p);
    p->schema = schema;
    p->flat = tn_calloc(schema->nfields + 1, sizeof *p->flat);
    for (uint32_t i = 0; i < schema->nfields; i++) {
        const char *name = schema->fields[i].name;
        if (strchr(name, '.') && name[0] != '.' && name[strlen(name) - 1] != '.')
            add_flat(p, i, name);
    }
    p->xf = tn_calloc(c->ntransforms + 1, sizeof *p->xf);
    int rc = TN_OK;
    char xerr[TN_ERRLEN];
    for (uint32_t i = 0; i < c->ntransforms && !rc; i++) {
        xform *x = &p->xf[p->nxf];
        x->field = (uint32_t)seg_schema_find(schema, c->transforms[i].column);
        x->text = c->transforms[i].expr;
        if ((int)x->field < 0)
            rc = tn_err(err, TN_EINVAL, "transformConfigs[%u]: column '%s' is not in the schema",
                        i, c->transforms[i].column);
        else if (srv_expr_parse(x->text, schema, &x->expr, xerr))
            rc = tn_err(err, TN_EINVAL, "transformConfigs[%u] ('%s'): transformFunction: %s",
                        i, c->transforms[i].column, xerr);
        else
            p->nxf++;
    }
    if (!rc && c->filter && srv_expr_parse(c->filter, schema, &p->filter, xerr))
        rc = tn_err(err, TN_EINVAL, "ingestionConfig.filterConfig.filterFunction: %s", xerr);
    if (rc) {
        srv_rowproc_free(p);
        return rc;
    }
    *out = p;
    return TN_OK;
}

void srv_rowproc_free(srv_rowproc *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nflat; i++) {
        for (uint32_t k = 0; k < p->flat[i].nsteps; k++)
            free(p->flat[i].steps[k]);
        free(p->flat[i].steps);
    }
    free(p->flat);
    for (uint32_t i = 0; i < p->nxf; i++)
        srv_expr_free(p->xf[i].expr);
    free(p->xf);
    srv_expr_free(p->filter);
    srv_arena_free(&p->arena);
    free(p);
}

bool srv_rowproc_trivial(const srv_rowproc *p)
{
    return !p->nflat && !p->nxf && !p->filter;
}

void srv_rowproc_done(srv_rowproc *p) { srv_arena_reset(&p->arena); }

/* ---- values into cells ---------------------------------------------- */

static int bad_value(const seg_field *f, const char *why, char *err)
{
    return tn_err(err, TN_EINVAL, "column '%s' (%s): %s", f->name, seg_type_name(f->type), why);
}

static int to_integer(const seg_field *f, const srv_val *v, srv_arena *a, seg_value *out,
                      char *err)
{
    bool is_int;
    int64_t i;
    double d;
    if (v->kind == SV_STRING) {
        if (seg_value_parse(f->type, v->s, v->len, out))
            return bad_value(f, "the value does not convert", err);
        return TN_OK;
    }
    (void)a;
    if (srv_val_number(v, &is_int, &i, &d))
        return bad_value(f, "expected a number", err);
    if (!is_int) {
        if (!(d > -9.3e18 && d < 9.3e18))
            return bad_value(f, "number out of range", err);
        i = (int64_t)d; /* truncation, as Java's longValue() */
    }
    if ((f->type == SEG_INT && (i < INT32_MIN || i > INT32_MAX)) ||
        (f->type == SEG_BOOLEAN && i != 0 && i != 1))
        return bad_value(f, "number out of range", err);
    out->i = i;
    return TN_OK;
}

int srv_val_to_value(const seg_field *f, const srv_val *v, srv_arena *a, seg_value *out,
                     char *err)
{
    const char *s;
    uint32_t len;
    memset(out, 0, sizeof *out);
    switch (seg_type_phys(f->type)) {
    case SEG_PHYS_STR:
        srv_val_text(v, a, &s, &len);
        if (f->type == SEG_BYTES) {
            uint8_t *d = srv_arena_alloc(a, len / 2 + 1);
            if (seg_hex_decode(s, len, d))
                return bad_value(f, "expected hex digits", err);
            out->s.p = (const char *)d;
            out->s.len = len / 2;
        } else {
            out->s.p = s;
            out->s.len = len;
        }
        return TN_OK;
    case SEG_PHYS_F32:
    case SEG_PHYS_F64: {
        bool is_int;
        int64_t i;
        if (srv_val_number(v, &is_int, &i, &out->d))
            return bad_value(f, "expected a number", err);
        if (f->type == SEG_FLOAT)
            out->d = (float)out->d;
        return TN_OK;
    }
    default:
        return to_integer(f, v, a, out, err);
    }
}

int srv_set_cell(seg_row *row, uint32_t field, const srv_val *v, srv_arena *a, char *err)
{
    const seg_field *f = &row->schema->fields[field];
    if (v->kind == SV_NULL)
        return TN_OK;
    const cJSON *arr = v->kind == SV_JSON && cJSON_IsArray((const cJSON *)v->json)
                           ? v->json : NULL;
    if (!arr || (f->single_value && f->type == SEG_STRING)) {
        seg_value x;
        int rc = srv_val_to_value(f, v, a, &x, err);
        if (!rc)
            seg_row_set(row, field, x);
        return rc;
    }
    if (f->single_value)
        return bad_value(f, "single-value column got an array", err);
    uint32_t n = (uint32_t)cJSON_GetArraySize(arr), k = 0;
    seg_value *vals = srv_arena_alloc(a, (n + 1) * sizeof *vals);
    for (const cJSON *e = arr->child; e; e = e->next) {
        srv_val ev = srv_val_from_json(e);
        if (ev.kind == SV_NULL)
            continue;
        int rc = srv_val_to_value(f, &ev, a, &vals[k], err);
        if (rc)
            return rc;
        k++;
    }
    seg_row_set_mv(row, field, vals, k);
    return TN_OK;
}

/* ---- the steps ------------------------------------------------------ */

static int flatten(srv_rowproc *p, seg_row *row, const cJSON *json, char *err)
{
    for (uint32_t i = 0; i < p->nflat; i++) {
        const flat_col *f = &p->flat[i];
        if (!row->cells[f->field].is_null)
            continue;
        const cJSON *j = json;
        for (uint32_t k = 0; k < f->nsteps && j; k++)
            j = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, f->steps[k]) : NULL;
        if (!j)
            continue;
        srv_val v = srv_val_from_json(j);
        int rc = srv_set_cell(row, f->field, &v, &p->arena, err);
        if (rc)
            return rc;
    }
    return TN_OK;
}

static int transform(srv_rowproc *p, seg_row *row, const srv_record *rec, char *err)
{
    char xerr[TN_ERRLEN];
    for (uint32_t i = 0; i < p->nxf; i++) {
        const xform *x = &p->xf[i];
        if (!row->cells[x->field].is_null)
            continue; /* the record has a value: Pinot keeps it */
        srv_val v;
        int rc = srv_expr_eval(x->expr, rec, &p->arena, &v, xerr);
        if (!rc)
            rc = srv_set_cell(row, x->field, &v, &p->arena, xerr);
        if (rc)
            return tn_err(err, rc, "transform %s: %s", x->text, xerr);
    }
    return TN_OK;
}

int srv_rowproc_apply(srv_rowproc *p, seg_row *row, const srv_record *rec, bool *drop,
                      char *err)
{
    *drop = false;
    int rc;
    if (p->nflat && rec->json && (rc = flatten(p, row, rec->json, err)))
        return rc;
    if (p->nxf && (rc = transform(p, row, rec, err)))
        return rc;
    if (!p->filter)
        return TN_OK;
    srv_val v;
    char xerr[TN_ERRLEN];
    if ((rc = srv_expr_eval(p->filter, rec, &p->arena, &v, xerr)))
        return tn_err(err, rc, "filterFunction: %s", xerr);
    *drop = srv_val_truth(&v) == 1;
    return TN_OK;
}
