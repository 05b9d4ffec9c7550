/*
 * tn_wire.c: framing and bounds-checked field encoding of the broker <->
 * server protocol (tn_wire.h). Input comes from the network, so every read
 * is checked against the frame's length.
 */
#include "tn_wire.h"

#include <stdlib.h>
#include <string.h>

static void put_le(tn_buf *b, uint64_t v, unsigned n)
{
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    tn_buf_append(b, t, n);
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void tn_wire_begin(tn_buf *b, uint8_t type, uint32_t id)
{
    put_le(b, 0, 4);
    put_le(b, type, 1);
    put_le(b, id, 4);
}

void tn_wire_put_u8(tn_buf *b, uint8_t v) { put_le(b, v, 1); }
void tn_wire_put_u32(tn_buf *b, uint32_t v) { put_le(b, v, 4); }
void tn_wire_put_i32(tn_buf *b, int32_t v) { put_le(b, (uint32_t)v, 4); }
void tn_wire_put_i64(tn_buf *b, int64_t v) { put_le(b, (uint64_t)v, 8); }

void tn_wire_put_str(tn_buf *b, const char *s, size_t n)
{
    put_le(b, (uint32_t)n, 4);
    tn_buf_append(b, s, n);
}

void tn_wire_end(tn_buf *b, size_t start)
{
    uint64_t len = b->len - start - 4;
    for (unsigned i = 0; i < 4; i++)
        b->data[start + i] = (uint8_t)(len >> (8 * i));
}

int tn_wire_peek(const uint8_t *p, size_t n, uint8_t *type, uint32_t *id,
                 size_t *total)
{
    if (n < TN_WIRE_HEADER)
        return 0;
    uint64_t len = get_le(p, 4);
    if (len < TN_WIRE_HEADER - 4 || len > TN_WIRE_MAX_FRAME)
        return -1;
    *type = p[4];
    *id = (uint32_t)get_le(p + 5, 4);
    *total = (size_t)len + 4;
    return 1;
}

static const uint8_t *take(tn_wire_rd *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t tn_wire_get_u8(tn_wire_rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint32_t tn_wire_get_u32(tn_wire_rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (uint32_t)get_le(p, 4) : 0;
}

int32_t tn_wire_get_i32(tn_wire_rd *r) { return (int32_t)tn_wire_get_u32(r); }

int64_t tn_wire_get_i64(tn_wire_rd *r)
{
    const uint8_t *p = take(r, 8);
    return p ? (int64_t)get_le(p, 8) : 0;
}

const char *tn_wire_get_str(tn_wire_rd *r, size_t *n)
{
    uint32_t len = tn_wire_get_u32(r);
    const uint8_t *p = take(r, len);
    *n = p ? len : 0;
    return p ? (const char *)p : "";
}

char *tn_wire_get_strdup(tn_wire_rd *r)
{
    size_t n;
    const char *s = tn_wire_get_str(r, &n);
    return r->bad ? NULL : tn_strndup(s, n);
}
