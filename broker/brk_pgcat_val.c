/*
 * brk_pgcat_val.c: the catalog evaluator's values: constructors, text
 * forms (reg* types print as names), comparison with PostgreSQL's
 * coercion of untyped literals ('16384' compared with an oid), array
 * literals and casts.
 */
#include "brk_pgcat_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brk_pg_proto.h"

pv pv_null(void)
{
    return (pv){.k = PV_NULL};
}

pv pv_int(int64_t i, int32_t oid)
{
    return (pv){.k = PV_INT, .oid = oid ? oid : BRK_PG_INT4, .i = i};
}

pv pv_bool(bool b)
{
    return (pv){.k = PV_BOOL, .oid = BRK_PG_BOOL, .i = b};
}

pv pv_text(pc_ctx *c, const char *s, int32_t oid)
{
    size_t n = strlen(s);
    return (pv){.k = PV_TEXT, .oid = oid ? oid : BRK_PG_TEXT, .s = qry_strndup(c->a, s, n),
                .n = (uint32_t)n};
}

static bool is_reg(int32_t oid)
{
    return oid == PC_REGCLASS || oid == PC_REGTYPE || oid == PC_REGNAMESPACE ||
           oid == PC_REGPROC;
}

static const char *reg_name(pc_ctx *c, const pv *v)
{
    char tmp[32];
    if (v->oid == PC_REGCLASS) {
        const pc_named *r = pc_find_rel_oid(c, v->i);
        if (r)
            return r->name;
        const brk_pgcat_tables *ts = c->env->tables;
        int64_t k = v->i - PC_FIRST_TABLE_OID;
        if (ts && k >= 0 && k < ts->n)
            return ts->t[k].name;
    } else if (v->oid == PC_REGTYPE) {
        const char *s = pc_type_sql((int32_t)v->i);
        if (s)
            return s;
    } else if (v->oid == PC_REGNAMESPACE) {
        if (v->i == PC_NS_CATALOG)
            return "pg_catalog";
        if (v->i == PC_NS_PUBLIC)
            return "public";
        if (v->i == PC_NS_INFO)
            return "information_schema";
    } else if (v->oid == PC_REGPROC && (v->i == 0 || v->i == PC_ARRAY_IN)) {
        return v->i ? "array_in" : "-";
    }
    snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
    return qry_strndup(c->a, tmp, strlen(tmp));
}

static void append(tn_buf *b, const char *s)
{
    tn_buf_append(b, s, strlen(s));
}

const char *pv_to_text(pc_ctx *c, const pv *v)
{
    char tmp[64];
    switch (v->k) {
    case PV_NULL: return NULL;
    case PV_TEXT: return v->s;
    case PV_BOOL: return v->i ? "true" : "false";
    case PV_INT:
        if (is_reg(v->oid))
            return reg_name(c, v);
        snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
        break;
    case PV_FLOAT: snprintf(tmp, sizeof tmp, "%.15g", v->d); break;
    case PV_ARRAY: {
        tn_buf b = {0};
        append(&b, "{");
        for (uint32_t i = 0; i < v->n; i++) {
            const char *e = pv_to_text(c, &v->a[i]);
            if (i)
                append(&b, ",");
            append(&b, e ? e : "NULL");
        }
        append(&b, "}");
        char *s = qry_strndup(c->a, (const char *)b.data, b.len);
        tn_buf_free(&b);
        return s;
    }
    }
    return qry_strndup(c->a, tmp, strlen(tmp));
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    *out = v;
    return !*end;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "t") || !strcasecmp(s, "true") || !strcasecmp(s, "on") ||
        !strcasecmp(s, "yes") || !strcmp(s, "1"))
        *out = true;
    else if (!strcasecmp(s, "f") || !strcasecmp(s, "false") || !strcasecmp(s, "off") ||
             !strcasecmp(s, "no") || !strcmp(s, "0"))
        *out = false;
    else
        return false;
    return true;
}

static int cmp_num(double x, double y)
{
    return x < y ? -1 : x > y;
}

/* A text value compared with a typed one takes the other's type, as an
 * untyped literal does in PostgreSQL. */
static int coerce(pc_ctx *c, const pv *text, const pv *other, pv *out)
{
    if (other->k == PV_ARRAY) {
        *out = pv_parse_array(c, text->s, pc_type_elem(other->oid));
        return 0;
    }
    return pv_cast(c, text, other->oid, out);
}

int pv_cmp(pc_ctx *c, const pv *x, const pv *y, int *out)
{
    pv tx, ty;
    if (x->k == PV_TEXT && y->k != PV_TEXT) {
        if (coerce(c, x, y, &tx))
            return -1;
        x = &tx;
    } else if (y->k == PV_TEXT && x->k != PV_TEXT) {
        if (coerce(c, y, x, &ty))
            return -1;
        y = &ty;
    }
    if (x->k == PV_TEXT) {
        int r = strcmp(x->s, y->s);
        *out = r < 0 ? -1 : r > 0;
        return 0;
    }
    if (x->k == PV_ARRAY || y->k == PV_ARRAY) {
        if (x->k != y->k)
            return pc_fail(c, NULL, "42883", "cannot compare an array with a scalar");
        for (uint32_t i = 0; i < x->n && i < y->n; i++) {
            int r;
            if (x->a[i].k == PV_NULL || y->a[i].k == PV_NULL) {
                r = (x->a[i].k != PV_NULL) - (y->a[i].k != PV_NULL);
            } else if (pv_cmp(c, &x->a[i], &y->a[i], &r)) {
                return -1;
            }
            if (r) {
                *out = r;
                return 0;
            }
        }
        *out = cmp_num(x->n, y->n);
        return 0;
    }
    double dx = x->k == PV_FLOAT ? x->d : (double)x->i;
    double dy = y->k == PV_FLOAT ? y->d : (double)y->i;
    if (x->k != PV_FLOAT && y->k != PV_FLOAT)
        *out = x->i < y->i ? -1 : x->i > y->i;
    else
        *out = cmp_num(dx, dy);
    return 0;
}

bool pv_equal(pc_ctx *c, const pv *x, const pv *y)
{
    if (x->k == PV_NULL || y->k == PV_NULL)
        return x->k == y->k;
    int r;
    return !pv_cmp(c, x, y, &r) && r == 0;
}

/* ---- arrays -------------------------------------------------------------- */

/* One element of an array literal at *pp: quoted (with backslash escapes)
 * or bare up to , or }. */
static const char *array_elem(pc_ctx *c, const char **pp, bool *quoted)
{
    const char *p = *pp;
    tn_buf b = {0};
    *quoted = *p == '"';
    if (*quoted) {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            tn_buf_append(&b, p, 1);
        }
        if (*p)
            p++;
    } else {
        for (; *p && *p != ',' && *p != '}'; p++)
            tn_buf_append(&b, p, 1);
    }
    *pp = p;
    char *s = qry_strndup(c->a, b.data ? (const char *)b.data : "", b.len);
    tn_buf_free(&b);
    return s;
}

pv pv_parse_array(pc_ctx *c, const char *s, int32_t elem_oid)
{
    if (!elem_oid)
        elem_oid = BRK_PG_TEXT;
    pv out = {.k = PV_ARRAY, .oid = pc_type_array_of(elem_oid)};
    if (!out.oid)
        out.oid = 1009;
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '{') {
        pc_fail(c, NULL, "22P02", "malformed array literal: \"%s\"", s);
        return pv_null();
    }
    uint32_t cap = 4;
    pv *el = qry_alloc(c->a, cap * sizeof *el);
    const char *p = s + 1;
    while (*p && *p != '}') {
        bool quoted;
        const char *e = array_elem(c, &p, &quoted);
        if (out.n == cap) {
            pv *grown = qry_alloc(c->a, 2 * cap * sizeof *el);
            memcpy(grown, el, cap * sizeof *el);
            el = grown;
            cap *= 2;
        }
        pv t = pv_text(c, e, BRK_PG_TEXT);
        if (!quoted && !strcasecmp(e, "NULL"))
            el[out.n++] = pv_null();
        else if (pv_cast(c, &t, elem_oid, &el[out.n++]))
            return pv_null();
        if (*p == ',')
            p++;
    }
    out.a = el;
    return out;
}

/* ---- casts --------------------------------------------------------------- */

static bool is_int_type(int32_t oid)
{
    return oid == BRK_PG_INT2 || oid == BRK_PG_INT4 || oid == BRK_PG_INT8 || oid == PC_OID ||
           is_reg(oid);
}

static bool is_text_type(int32_t oid)
{
    return oid == BRK_PG_TEXT || oid == BRK_PG_VARCHAR || oid == PC_NAME || oid == PC_CHAR ||
           oid == PC_BPCHAR || oid == PC_NODE_TREE;
}

/* A name into the OID of the relation / type / schema it names. */
static int reg_lookup(pc_ctx *c, const char *name, int32_t oid, int64_t *out)
{
    char buf[256];
    const char *dot = strrchr(name, '.');
    const char *base = dot ? dot + 1 : name;
    snprintf(buf, sizeof buf, "%s", base);
    size_t n = strlen(buf);
    if (n >= 2 && buf[0] == '"' && buf[n - 1] == '"') {
        memmove(buf, buf + 1, n - 2);
        buf[n - 2] = 0;
    }
    if (oid == PC_REGCLASS) {
        const pc_named *r = pc_find_rel(c, NULL, buf);
        if (r) {
            *out = r->oid;
            return 0;
        }
        const brk_pgcat_tables *ts = c->env->tables;
        for (uint32_t i = 0; ts && i < ts->n; i++)
            if (!strcmp(ts->t[i].name, buf)) {
                *out = PC_FIRST_TABLE_OID + i;
                return 0;
            }
        return pc_fail(c, NULL, "42P01", "relation \"%s\" does not exist", name);
    }
    if (oid == PC_REGTYPE) {
        int32_t t = pc_type_by_name(buf);
        if (t) {
            *out = t;
            return 0;
        }
        return pc_fail(c, NULL, "42704", "type \"%s\" does not exist", name);
    }
    if (oid == PC_REGNAMESPACE) {
        *out = !strcmp(buf, "pg_catalog") ? PC_NS_CATALOG
               : !strcmp(buf, "public")   ? PC_NS_PUBLIC
               : !strcmp(buf, "information_schema")
                   ? PC_NS_INFO
                   : -1;
        if (*out >= 0)
            return 0;
        return pc_fail(c, NULL, "3F000", "schema \"%s\" does not exist", name);
    }
    if (!strcmp(buf, "array_in")) {
        *out = PC_ARRAY_IN;
        return 0;
    }
    return pc_fail(c, NULL, "42883", "function \"%s\" does not exist", name);
}

int pv_cast(pc_ctx *c, const pv *v, int32_t oid, pv *out)
{
    if (v->k == PV_NULL) {
        *out = pv_null();
        out->oid = oid;
        return 0;
    }
    int32_t elem = pc_type_elem(oid);
    if (elem && oid != PC_INT2VECTOR && oid != PC_OIDVECTOR) {
        if (v->k == PV_ARRAY) {
            pv *el = qry_alloc(c->a, (v->n + 1) * sizeof *el);
            for (uint32_t i = 0; i < v->n; i++)
                if (pv_cast(c, &v->a[i], elem, &el[i]))
                    return -1;
            *out = (pv){.k = PV_ARRAY, .oid = oid, .n = v->n, .a = el};
            return 0;
        }
        if (v->k == PV_TEXT) {
            *out = pv_parse_array(c, v->s, elem);
            return c->failed ? -1 : 0;
        }
        return pc_fail(c, NULL, "42846", "cannot cast a scalar to %s", pc_type_sql(oid));
    }
    if (is_text_type(oid)) {
        const char *s = pv_to_text(c, v);
        *out = pv_text(c, s, oid);
        return 0;
    }
    if (is_int_type(oid)) {
        int64_t i = 0;
        if (v->k == PV_INT || v->k == PV_BOOL) {
            i = v->i;
        } else if (v->k == PV_FLOAT) {
            i = (int64_t)(v->d < 0 ? v->d - 0.5 : v->d + 0.5);
        } else if (v->k == PV_TEXT && parse_int(v->s, &i)) {
            /* a number, even for reg* types */
        } else if (v->k == PV_TEXT && is_reg(oid)) {
            if (reg_lookup(c, v->s, oid, &i))
                return -1;
        } else {
            return pc_fail(c, NULL, "22P02", "invalid input syntax for type %s: \"%s\"",
                           pc_type_sql(oid) ? pc_type_sql(oid) : "integer",
                           v->k == PV_TEXT ? v->s : "?");
        }
        *out = pv_int(i, oid);
        return 0;
    }
    if (oid == BRK_PG_BOOL) {
        bool b;
        if (v->k == PV_BOOL || v->k == PV_INT) {
            b = v->i != 0;
        } else if (v->k != PV_TEXT || !parse_bool(v->s, &b)) {
            return pc_fail(c, NULL, "22P02", "invalid input syntax for type boolean");
        }
        *out = pv_bool(b);
        return 0;
    }
    if (oid == BRK_PG_FLOAT4 || oid == BRK_PG_FLOAT8 || oid == BRK_PG_NUMERIC) {
        double d;
        char *end;
        if (v->k == PV_FLOAT)
            d = v->d;
        else if (v->k == PV_INT || v->k == PV_BOOL)
            d = (double)v->i;
        else if (v->k == PV_TEXT && (d = strtod(v->s, &end), end != v->s && !*end))
            ;
        else
            return pc_fail(c, NULL, "22P02", "invalid input syntax for type double precision");
        *out = (pv){.k = PV_FLOAT, .oid = oid, .d = d};
        return 0;
    }
    if (v->k == PV_TEXT) {
        /* dates and the like stay text: nothing in the catalog has them */
        *out = *v;
        out->oid = oid;
        return 0;
    }
    return pc_fail(c, NULL, "0A000", "cast to type %u is not supported", (unsigned)oid);
}
