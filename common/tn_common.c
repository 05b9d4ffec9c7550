/*
 * tn_common.c: error formatting, checked allocation, byte buffers, clocks.
 */
#include "tn_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int tn_err(char *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, TN_ERRLEN, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void tn_oom(size_t n)
{
    fprintf(stderr, "tannin: out of memory allocating %zu bytes\n", n);
    abort();
}

void *tn_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        tn_oom(n);
    return p;
}

void *tn_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        tn_oom(n * size);
    return p;
}

void *tn_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        tn_oom(n);
    return q;
}

char *tn_strndup(const char *s, size_t n)
{
    char *p = tn_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tn_strdup(const char *s) { return tn_strndup(s, strlen(s)); }

void tn_buf_reserve(tn_buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    b->data = tn_realloc(b->data, cap);
    b->cap = cap;
}

void tn_buf_append(tn_buf *b, const void *p, size_t n)
{
    tn_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void tn_buf_append_u32(tn_buf *b, uint32_t v) { tn_buf_append(b, &v, 4); }
void tn_buf_append_u64(tn_buf *b, uint64_t v) { tn_buf_append(b, &v, 8); }

void tn_buf_align(tn_buf *b, size_t align)
{
    size_t pad = (align - (b->len & (align - 1))) & (align - 1);
    if (!pad)
        return;
    tn_buf_reserve(b, pad);
    memset(b->data + b->len, 0, pad);
    b->len += pad;
}

void tn_buf_free(tn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint64_t tn_hash_bytes(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    uint64_t k;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&k, p, 8);
        h = (h ^ tn_mix64(k)) * 0x9e3779b97f4a7c15ull;
    }
    k = 0;
    if (n)
        memcpy(&k, p, n);
    return tn_mix64(h ^ k);
}

int64_t tn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t tn_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int tn_read_file(const char *path, char **out, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tn_err(err, TN_EIO, "cannot open %s: %s", path, strerror(errno));
    tn_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        tn_buf_append(&b, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        tn_buf_free(&b);
        return tn_err(err, TN_EIO, "cannot read %s", path);
    }
    tn_buf_append(&b, "", 1);
    *out = (char *)b.data;
    if (len)
        *len = b.len - 1;
    return TN_OK;
}
