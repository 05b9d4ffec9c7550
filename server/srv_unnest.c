/*
 * srv_unnest.c: complexTypeConfig: flatten, unnest, rename, then the row
 * steps, staged so a message is appended whole or not at all (see
 * srv_unnest.h).
 *
 * A record is a list of (name, value) pairs whose values point into the
 * message's cJSON tree, so multiplying a record copies pointers, never
 * JSON.
 */
#include "srv_unnest.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct un_entry {
    const char *key;       /* in the arena */
    const cJSON *val;      /* in the tree, or a JSON text kept by the arena */
} un_entry;

typedef struct un_rec {
    un_entry *e;
    uint32_t n, cap;
} un_rec;

typedef struct un_list {
    un_rec *r;
    uint32_t n, cap;
} un_list;

struct srv_unnest {
    const srv_complex_config *cfg;
    const seg_schema *schema;
    srv_arena arena;         /* names and JSON texts of the current message */
    un_list recs;
    uint64_t cells;          /* pairs held by the records: the fan-out bound */
    seg_row row;             /* decoding and transforms of one row */
    seg_row *stage;          /* the message's finished rows */
    uint32_t nstage, capstage;
};

srv_unnest *srv_unnest_create(const srv_complex_config *cfg, const seg_schema *schema)
{
    srv_unnest *u = tn_calloc(1, sizeof *u);
    u->cfg = cfg;
    u->schema = schema;
    seg_row_init(&u->row, schema);
    return u;
}

static void list_clear(un_list *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->r[i].e);
    l->n = 0;
}

void srv_unnest_free(srv_unnest *u)
{
    if (!u)
        return;
    list_clear(&u->recs);
    free(u->recs.r);
    for (uint32_t i = 0; i < u->capstage; i++)
        seg_row_free(&u->stage[i]);
    free(u->stage);
    seg_row_free(&u->row);
    srv_arena_free(&u->arena);
    free(u);
}

const seg_row *srv_unnest_row(const srv_unnest *u, uint32_t i) { return &u->stage[i]; }

/* ---- records -------------------------------------------------------- */

static int too_many(char *err)
{
    return tn_err(err, TN_EINVAL,
                  "complexTypeConfig: the message unnests to more than %u rows or %u fields",
                  SRV_UNNEST_MAX_ROWS, SRV_UNNEST_MAX_CELLS);
}

static int rec_add(srv_unnest *u, un_rec *r, const char *key, const cJSON *val, char *err)
{
    if (++u->cells > SRV_UNNEST_MAX_CELLS)
        return too_many(err);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->e = tn_realloc(r->e, r->cap * sizeof *r->e);
    }
    r->e[r->n++] = (un_entry){.key = key, .val = val};
    return TN_OK;
}

static int list_add(un_list *l, un_rec r, char *err)
{
    if (l->n >= SRV_UNNEST_MAX_ROWS) {
        free(r.e);
        return too_many(err);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->r = tn_realloc(l->r, l->cap * sizeof *l->r);
    }
    l->r[l->n++] = r;
    return TN_OK;
}

static const char *join(srv_unnest *u, const char *prefix, const char *name)
{
    if (!prefix)
        return name;
    size_t pl = strlen(prefix), dl = strlen(u->cfg->delimiter), nl = strlen(name);
    char *s = srv_arena_alloc(&u->arena, pl + dl + nl + 1);
    memcpy(s, prefix, pl);
    memcpy(s + pl, u->cfg->delimiter, dl);
    memcpy(s + pl + dl, name, nl + 1);
    return s;
}

static bool is_unnested(const srv_unnest *u, const char *name)
{
    return srv_names_has(&u->cfg->unnest, name);
}

/* collectionNotUnnestedToJson, except that a column of another type than
 * STRING keeps its list (an INT multi-value column wants the numbers). */
static bool to_json(const srv_unnest *u, const char *name, const cJSON *arr)
{
    int f = seg_schema_find(u->schema, name);
    if (f >= 0 && u->schema->fields[f].type != SEG_STRING)
        return false;
    switch (u->cfg->to_json) {
    case SRV_TO_JSON_ALL:
        return true;
    case SRV_TO_JSON_NON_PRIMITIVE:
        return arr->child && (cJSON_IsObject(arr->child) || cJSON_IsArray(arr->child));
    default:
        return false;
    }
}

/* Adds obj's fields to r under prefix, nested objects flattened. */
static int flatten(srv_unnest *u, un_rec *r, const char *prefix, const cJSON *obj, char *err)
{
    int rc = TN_OK;
    for (const cJSON *j = obj->child; j && !rc; j = j->next) {
        const char *name = join(u, prefix, j->string);
        if (cJSON_IsObject(j)) {
            rc = flatten(u, r, name, j, err);
        } else if (cJSON_IsArray(j) && !is_unnested(u, name) && to_json(u, name, j)) {
            char *text = cJSON_PrintUnformatted(j);
            cJSON *s = cJSON_CreateString(text);
            cJSON_free(text);
            srv_arena_keep_json(&u->arena, s);
            rc = rec_add(u, r, name, s, err);
        } else {
            rc = rec_add(u, r, name, j, err);
        }
    }
    return rc;
}

/* Removes path's pair from r (the last, as the last duplicate wins);
 * NULL when absent. */
static const cJSON *take(un_rec *r, const char *path)
{
    for (uint32_t i = r->n; i-- > 0;)
        if (!strcmp(r->e[i].key, path)) {
            const cJSON *v = r->e[i].val;
            memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof *r->e);
            r->n--;
            return v;
        }
    return NULL;
}

static int element_rec(srv_unnest *u, const un_rec *r, const char *path, const cJSON *el,
                       un_list *out, char *err)
{
    un_rec c = {.e = tn_malloc((r->n + 8) * sizeof *c.e), .n = r->n, .cap = r->n + 8};
    memcpy(c.e, r->e, r->n * sizeof *c.e);
    int rc = TN_OK;
    if ((u->cells += r->n) > SRV_UNNEST_MAX_CELLS)
        rc = too_many(err);
    else if (cJSON_IsObject(el))
        rc = flatten(u, &c, path, el, err);
    else
        rc = rec_add(u, &c, path, el, err);
    if (rc) {
        free(c.e);
        return rc;
    }
    return list_add(out, c, err);
}

/* One record through one field to unnest; r is consumed. */
static int unnest_rec(srv_unnest *u, un_rec r, const char *path, un_list *out, char *err)
{
    const cJSON *v = take(&r, path);
    if (!v || cJSON_IsNull(v) || (cJSON_IsArray(v) && !v->child))
        return list_add(out, r, err); /* Pinot keeps the record once */
    int rc = TN_OK;
    if (!cJSON_IsArray(v)) {
        char brief[48];
        rc = tn_err(err, TN_EINVAL, "complexTypeConfig: field to unnest '%s' is %s, not an array",
                    path, seg_json_brief(v, brief, sizeof brief));
    }
    for (const cJSON *el = v->child; el && !rc && cJSON_IsArray(v); el = el->next)
        rc = element_rec(u, &r, path, el, out, err);
    u->cells -= r.n;
    free(r.e);
    return rc;
}

static int unnest_all(srv_unnest *u, char *err)
{
    for (uint32_t f = 0; f < u->cfg->unnest.n; f++) {
        un_list out = {0};
        int rc = TN_OK;
        uint32_t i = 0;
        for (; i < u->recs.n && !rc; i++)
            rc = unnest_rec(u, u->recs.r[i], u->cfg->unnest.v[f], &out, err);
        for (; i < u->recs.n; i++)
            free(u->recs.r[i].e);
        u->recs.n = 0;
        free(u->recs.r);
        u->recs = out;
        if (rc)
            return rc;
    }
    return TN_OK;
}

/* prefixesToRename: the first matching prefix renames a field; a new name
 * that is empty or taken is an error, as in Pinot. */
static int rename_rec(srv_unnest *u, un_rec *r, char *err)
{
    for (uint32_t i = 0; i < r->n; i++) {
        const char *key = r->e[i].key;
        for (uint32_t k = 0; k < u->cfg->nrenames; k++) {
            const srv_kv *p = &u->cfg->renames[k];
            size_t pl = strlen(p->key);
            if (strncmp(key, p->key, pl))
                continue;
            size_t rl = strlen(p->value), tl = strlen(key + pl);
            char *name = srv_arena_alloc(&u->arena, rl + tl + 1);
            memcpy(name, p->value, rl);
            memcpy(name + rl, key + pl, tl + 1);
            for (uint32_t j = 0; j < r->n; j++)
                if (!*name || (j != i && !strcmp(r->e[j].key, name)))
                    return tn_err(err, TN_EINVAL,
                                  "complexTypeConfig.prefixesToRename: renaming '%s' to '%s' "
                                  "conflicts with another field", key, name);
            r->e[i].key = name;
            break;
        }
    }
    return TN_OK;
}

/* ---- rows ----------------------------------------------------------- */

static seg_row *stage_next(srv_unnest *u)
{
    if (u->nstage == u->capstage) {
        uint32_t cap = u->capstage ? u->capstage * 2 : 8;
        u->stage = tn_realloc(u->stage, cap * sizeof *u->stage);
        for (uint32_t i = u->capstage; i < cap; i++)
            seg_row_init(&u->stage[i], u->schema);
        u->capstage = cap;
    }
    return &u->stage[u->nstage++];
}

/* Decodes, transforms and filters one record; stages it unless dropped. */
static int one_row(srv_unnest *u, srv_rowproc *proc, const un_rec *r, uint64_t *bytes,
                   bool *drop, char *err)
{
    cJSON *obj = cJSON_CreateObject();
    for (uint32_t i = 0; i < r->n; i++)
        cJSON_AddItemReferenceToObject(obj, r->e[i].key, (cJSON *)r->e[i].val);
    *drop = false;
    int rc = seg_row_decode_object(&u->row, obj, err);
    if (!rc && proc && !srv_rowproc_trivial(proc)) {
        srv_record rec = {.row = &u->row, .json = obj};
        rc = srv_rowproc_apply(proc, &u->row, &rec, drop, err);
    }
    if (!rc && !*drop) {
        seg_row *dst = stage_next(u);
        seg_row_copy(dst, &u->row);
        *bytes += dst->strings.len;
        if (*bytes > SRV_UNNEST_MAX_BYTES)
            rc = tn_err(err, TN_EINVAL, "complexTypeConfig: the message's rows hold over %u "
                        "bytes of strings", SRV_UNNEST_MAX_BYTES);
    }
    if (proc)
        srv_rowproc_done(proc);
    seg_row_reset(&u->row);
    cJSON_Delete(obj);
    return rc;
}

static int rows_of(srv_unnest *u, srv_rowproc *proc, uint32_t *nfiltered, char *err)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < u->recs.n; i++) {
        bool drop;
        char why[TN_ERRLEN];
        int rc = rename_rec(u, &u->recs.r[i], why);
        if (!rc)
            rc = one_row(u, proc, &u->recs.r[i], &bytes, &drop, why);
        if (rc)
            return tn_err(err, rc, "row %u of %u: %s", i + 1, u->recs.n, why);
        *nfiltered += drop;
    }
    return TN_OK;
}

int srv_unnest_message(srv_unnest *u, srv_rowproc *proc, const char *text, size_t len,
                       uint32_t *nrows, uint32_t *nfiltered, char *err)
{
    void *tree;
    *nrows = *nfiltered = 0;
    u->nstage = 0;
    u->cells = 0;
    int rc = seg_json_parse_object(text, len, &tree, err);
    if (rc)
        return rc;
    un_rec first = {0};
    rc = flatten(u, &first, NULL, tree, err);
    if (!rc)
        rc = list_add(&u->recs, first, err);
    else
        free(first.e);
    if (!rc)
        rc = unnest_all(u, err);
    if (!rc)
        rc = rows_of(u, proc, nfiltered, err);
    list_clear(&u->recs);
    cJSON_Delete(tree);
    srv_arena_reset(&u->arena);
    if (rc) {
        u->nstage = 0;
        *nfiltered = 0;
        return rc;
    }
    *nrows = u->nstage;
    return TN_OK;
}
