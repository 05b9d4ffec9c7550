/*
 * qry_common.c: errors, the arena, and vector allocation for the query
 * module.
 */
#include "qry_expr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int qry_fail(qry_err *e, int code, int position, const char *fmt, ...)
{
    if (e) {
        e->code = code;
        e->position = position;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Blocks double as the request grows; a reset keeps the newest (largest)
 * block so a reused arena stops allocating once warm. */
struct qry_arena_block {
    struct qry_arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN (64u << 10)

void *qry_alloc(qry_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct qry_arena_block *b = a->blocks;
    if (!b || a->used_in_head + n > b->cap) {
        size_t cap = b ? b->cap * 2 : ARENA_MIN;
        while (cap < n)
            cap *= 2;
        struct qry_arena_block *nb = tn_malloc(sizeof *nb + cap);
        nb->next = b;
        nb->cap = cap;
        a->blocks = nb;
        a->used_in_head = 0;
        b = nb;
    }
    void *p = b->data + a->used_in_head;
    a->used_in_head += n;
    memset(p, 0, n);
    return p;
}

char *qry_strndup(qry_arena *a, const char *s, size_t n)
{
    char *p = qry_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void qry_arena_reset(qry_arena *a)
{
    struct qry_arena_block *b = a->blocks;
    if (!b)
        return;
    struct qry_arena_block *rest = b->next;
    while (rest) {
        struct qry_arena_block *next = rest->next;
        free(rest);
        rest = next;
    }
    b->next = NULL;
    a->used_in_head = 0;
}

void qry_arena_free(qry_arena *a)
{
    qry_arena_reset(a);
    free(a->blocks);
    a->blocks = NULL;
}

qry_kind qry_kind_of(seg_type t)
{
    switch (seg_type_phys(t)) {
    case SEG_PHYS_I32:
    case SEG_PHYS_I64: return QV_LONG;
    case SEG_PHYS_F32:
    case SEG_PHYS_F64: return QV_DOUBLE;
    default: return QV_STRING;
    }
}

qry_vec *qry_vec_new(qry_arena *a, qry_kind k, seg_type type, uint32_t n)
{
    qry_vec *v = qry_alloc(a, sizeof *v);
    v->kind = k;
    v->type = type;
    v->n = n;
    size_t cnt = n ? n : 1;
    if (k == QV_LONG)
        v->i = qry_alloc(a, cnt * sizeof *v->i);
    else if (k == QV_DOUBLE)
        v->d = qry_alloc(a, cnt * sizeof *v->d);
    else if (k == QV_STRING)
        v->s = qry_alloc(a, cnt * sizeof *v->s);
    return v;
}
