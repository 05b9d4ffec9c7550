/*
 * srv_expr_eval.c: evaluating an ingestion expression over one record, the
 * value conversions and comparisons it needs, and the per-record arena.
 */
#include "srv_expr_int.h"
#include "qry_eval.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- arena ---------------------------------------------------------- */

typedef struct srv_arena_block {
    struct srv_arena_block *next;
    size_t used, cap;
    char data[];
} srv_arena_block;

void *srv_arena_alloc(srv_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    srv_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 4000 ? n : 4000;
        srv_arena_block *nb = tn_malloc(sizeof *nb + cap);
        nb->used = 0;
        nb->cap = cap;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *srv_arena_strndup(srv_arena *a, const char *s, size_t n)
{
    char *p = srv_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void srv_arena_keep_json(srv_arena *a, void *json)
{
    if (a->ntemps == a->captemps) {
        a->captemps = a->captemps ? a->captemps * 2 : 4;
        a->temps = tn_realloc(a->temps, a->captemps * sizeof *a->temps);
    }
    a->temps[a->ntemps++] = json;
}

/* Keeps the newest block (the common case is one small block per record)
 * and frees the rest. */
void srv_arena_reset(srv_arena *a)
{
    for (uint32_t i = 0; i < a->ntemps; i++)
        cJSON_Delete(a->temps[i]);
    a->ntemps = 0;
    srv_arena_block *b = a->head;
    if (!b)
        return;
    for (srv_arena_block *x = b->next, *next; x; x = next) {
        next = x->next;
        free(x);
    }
    b->next = NULL;
    b->used = 0;
}

void srv_arena_free(srv_arena *a)
{
    srv_arena_reset(a);
    free(a->head);
    free(a->temps);
    memset(a, 0, sizeof *a);
}

/* ---- values --------------------------------------------------------- */

srv_val srv_val_from_json(const void *json)
{
    const cJSON *j = json;
    if (!j || cJSON_IsNull(j))
        return (srv_val){0};
    if (cJSON_IsString(j))
        return srv_string(j->valuestring, (uint32_t)strlen(j->valuestring));
    if (cJSON_IsBool(j))
        return (srv_val){.kind = SV_BOOL, .i = cJSON_IsTrue(j)};
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == trunc(d) && fabs(d) < 9007199254740992.0)
            return srv_long((int64_t)d);
        return srv_double(d);
    }
    return (srv_val){.kind = SV_JSON, .json = j};
}

int srv_val_number(const srv_val *v, bool *is_int, int64_t *i, double *d)
{
    switch (v->kind) {
    case SV_BOOL:
    case SV_LONG:
        *is_int = true;
        *i = v->i;
        *d = (double)v->i;
        return TN_OK;
    case SV_DOUBLE:
        *is_int = false;
        *d = v->d;
        return TN_OK;
    case SV_STRING: {
        char buf[64], *end;
        if (v->len == 0 || v->len >= sizeof buf)
            return TN_EINVAL;
        memcpy(buf, v->s, v->len);
        buf[v->len] = 0;
        errno = 0;
        long long x = strtoll(buf, &end, 10);
        if (!*end && !errno) {
            *is_int = true;
            *i = x;
            *d = (double)x;
            return TN_OK;
        }
        *d = strtod(buf, &end);
        *is_int = false;
        return *end || end == buf ? TN_EINVAL : TN_OK;
    }
    default:
        return TN_EINVAL;
    }
}

int srv_val_text(const srv_val *v, srv_arena *a, const char **s, uint32_t *len)
{
    char buf[48];
    int n;
    switch (v->kind) {
    case SV_STRING:
        *s = v->s;
        *len = v->len;
        return TN_OK;
    case SV_BOOL:
        *s = v->i ? "true" : "false";
        *len = (uint32_t)strlen(*s);
        return TN_OK;
    case SV_LONG:
        n = snprintf(buf, sizeof buf, "%lld", (long long)v->i);
        break;
    case SV_DOUBLE:
        n = qry_format_double(v->d, buf, sizeof buf); /* as Java prints it */
        break;
    case SV_JSON: {
        char *t = cJSON_PrintUnformatted(v->json);
        *s = srv_arena_strndup(a, t, strlen(t));
        *len = (uint32_t)strlen(t);
        cJSON_free(t);
        return TN_OK;
    }
    default:
        return TN_EINVAL;
    }
    *s = srv_arena_strndup(a, buf, (size_t)n);
    *len = (uint32_t)n;
    return TN_OK;
}

int srv_val_truth(const srv_val *v)
{
    switch (v->kind) {
    case SV_NULL: return -1;
    case SV_BOOL:
    case SV_LONG: return v->i != 0;
    case SV_DOUBLE: return v->d != 0;
    case SV_STRING: return v->len == 4 && !strncasecmp(v->s, "true", 4);
    default: return 1;
    }
}

static bool numeric(const srv_val *v)
{
    return v->kind == SV_LONG || v->kind == SV_DOUBLE || v->kind == SV_BOOL;
}

int srv_val_cmp(const srv_val *a, const srv_val *b, srv_arena *ar, int *out)
{
    if (a->kind == SV_NULL || b->kind == SV_NULL)
        return TN_ENOTFOUND;
    bool ai, bi;
    int64_t x, y;
    double dx, dy;
    if ((numeric(a) || numeric(b)) && !srv_val_number(a, &ai, &x, &dx) &&
        !srv_val_number(b, &bi, &y, &dy)) {
        if (ai && bi)
            *out = (x > y) - (x < y);
        else
            *out = (dx > dy) - (dx < dy);
        return TN_OK;
    }
    const char *s, *t;
    uint32_t sl, tl;
    srv_val_text(a, ar, &s, &sl);
    srv_val_text(b, ar, &t, &tl);
    int c = memcmp(s, t, TN_MIN(sl, tl));
    *out = c ? c : (sl > tl) - (sl < tl);
    return TN_OK;
}

/* ---- evaluation ----------------------------------------------------- */

/* A delimited record's field, by name (exact, then ignoring case). */
static bool record_field(const srv_record *r, const char *name, srv_val *out)
{
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < r->nfields; i++)
            if (pass ? !strcasecmp(r->names[i], name) : !strcmp(r->names[i], name)) {
                *out = srv_string(r->values[i], r->lens[i]);
                return true;
            }
    return false;
}

static srv_val cell_value(const seg_row *row, int field)
{
    const seg_cell *c = &row->cells[field];
    if (c->is_null)
        return (srv_val){0};
    const seg_field *f = &row->schema->fields[field];
    seg_value v = f->single_value ? c->v : c->mv[0];
    switch (seg_type_phys(f->type)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64: return srv_long(v.i);
    case SEG_PHYS_F32:
    case SEG_PHYS_F64: return srv_double(v.d);
    default: return srv_string(v.s.p, v.s.len);
    }
}

static srv_val eval_column(const srv_expr *e, const srv_record *r)
{
    srv_val v;
    if (r->json) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(r->json, e->text);
        if (!j)
            j = cJSON_GetObjectItem(r->json, e->text);
        if (j && !cJSON_IsNull(j))
            return srv_val_from_json(j);
    }
    if (r->nfields && record_field(r, e->text, &v) && v.len)
        return v;
    if (r->row && e->field >= 0)
        return cell_value(r->row, e->field);
    return (srv_val){0};
}

int srv_val_arith(int op, const srv_val *a, const srv_val *b, srv_val *out, char *err)
{
    bool ai, bi;
    int64_t x, y;
    double dx, dy;
    if (a->kind == SV_NULL || b->kind == SV_NULL) {
        *out = (srv_val){0};
        return TN_OK;
    }
    if (srv_val_number(a, &ai, &x, &dx) || srv_val_number(b, &bi, &y, &dy))
        return tn_err(err, TN_EINVAL, "'%c' needs numbers", op);
    bool ints = ai && bi;
    switch (op) {
    case '+':
        *out = ints && !__builtin_add_overflow(x, y, &x) ? srv_long(x) : srv_double(dx + dy);
        return TN_OK;
    case '-':
        *out = ints && !__builtin_sub_overflow(x, y, &x) ? srv_long(x) : srv_double(dx - dy);
        return TN_OK;
    case '*':
        *out = ints && !__builtin_mul_overflow(x, y, &x) ? srv_long(x) : srv_double(dx * dy);
        return TN_OK;
    case '/':
        *out = srv_double(dx / dy);
        return TN_OK;
    default:
        if (ints && y == 0)
            return tn_err(err, TN_EINVAL, "modulo by zero");
        *out = ints && y != -1 ? srv_long(x % y) : srv_double(fmod(dx, dy));
        return TN_OK;
    }
}

static int eval_logic(const srv_expr *e, const srv_record *r, srv_arena *a, srv_val *out,
                      char *err)
{
    srv_val l, rv;
    int rc = srv_expr_eval(e->args[0], r, a, &l, err);
    if (rc)
        return rc;
    int lt = srv_val_truth(&l);
    if (e->kind == EX_NOT) {
        *out = lt < 0 ? (srv_val){0} : (srv_val){.kind = SV_BOOL, .i = !lt};
        return TN_OK;
    }
    bool is_and = e->kind == EX_AND;
    if (lt == (is_and ? 0 : 1)) { /* decided by the left side */
        *out = (srv_val){.kind = SV_BOOL, .i = lt};
        return TN_OK;
    }
    if ((rc = srv_expr_eval(e->args[1], r, a, &rv, err)))
        return rc;
    int rt = srv_val_truth(&rv);
    if (rt == (is_and ? 0 : 1))
        *out = (srv_val){.kind = SV_BOOL, .i = rt};
    else if (lt < 0 || rt < 0)
        *out = (srv_val){0};
    else
        *out = (srv_val){.kind = SV_BOOL, .i = rt};
    return TN_OK;
}

static bool cmp_holds(int op, int c)
{
    switch (op) {
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

static int eval_predicate(const srv_expr *e, const srv_record *r, srv_arena *a, srv_val *out,
                          char *err)
{
    srv_val v[3];
    uint32_t n = e->kind == EX_IN ? 1 : e->nargs;
    for (uint32_t i = 0; i < n; i++) {
        int rc = srv_expr_eval(e->args[i], r, a, &v[i], err);
        if (rc)
            return rc;
    }
    int c, c2;
    *out = (srv_val){0};
    if (e->kind == EX_ISNULL) {
        *out = (srv_val){.kind = SV_BOOL, .i = (v[0].kind == SV_NULL) != e->negated};
    } else if (e->kind == EX_CMP) {
        if (!srv_val_cmp(&v[0], &v[1], a, &c))
            *out = (srv_val){.kind = SV_BOOL, .i = cmp_holds(e->op, c)};
    } else if (e->kind == EX_BETWEEN) {
        if (!srv_val_cmp(&v[0], &v[1], a, &c) && !srv_val_cmp(&v[0], &v[2], a, &c2))
            *out = (srv_val){.kind = SV_BOOL, .i = (c >= 0 && c2 <= 0) != e->negated};
    } else { /* IN */
        if (v[0].kind == SV_NULL)
            return TN_OK;
        bool found = false;
        for (uint32_t i = 1; i < e->nargs && !found; i++) {
            srv_val x;
            int rc = srv_expr_eval(e->args[i], r, a, &x, err);
            if (rc)
                return rc;
            found = !srv_val_cmp(&v[0], &x, a, &c) && c == 0;
        }
        *out = (srv_val){.kind = SV_BOOL, .i = found != e->negated};
    }
    return TN_OK;
}

static int eval_call(const srv_expr *e, const srv_record *r, srv_arena *a, srv_val *out,
                     char *err)
{
    srv_val args[8];
    for (uint32_t i = 0; i < e->nargs; i++) {
        int rc = srv_expr_eval(e->args[i], r, a, &args[i], err);
        if (rc)
            return rc;
    }
    char ferr[TN_ERRLEN];
    int rc = e->fn->fn(args, e->nargs, a, out, ferr);
    if (rc)
        return tn_err(err, rc, "%s(): %s", e->text, ferr);
    return TN_OK;
}

int srv_expr_eval(const srv_expr *e, const srv_record *r, srv_arena *a, srv_val *out,
                  char *err)
{
    srv_val x, y;
    int rc;
    switch (e->kind) {
    case EX_LIT:
        *out = e->lit;
        return TN_OK;
    case EX_COL:
        *out = eval_column(e, r);
        return TN_OK;
    case EX_CALL:
        return eval_call(e, r, a, out, err);
    case EX_NEG:
        if ((rc = srv_expr_eval(e->args[0], r, a, &x, err)))
            return rc;
        y = srv_long(0);
        return srv_val_arith('-', &y, &x, out, err);
    case EX_ARITH:
        if ((rc = srv_expr_eval(e->args[0], r, a, &x, err)) ||
            (rc = srv_expr_eval(e->args[1], r, a, &y, err)))
            return rc;
        return srv_val_arith(e->op, &x, &y, out, err);
    case EX_NOT:
    case EX_AND:
    case EX_OR:
        return eval_logic(e, r, a, out, err);
    default:
        return eval_predicate(e, r, a, out, err);
    }
}
