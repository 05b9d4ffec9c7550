/*
 * tn_common.h: helpers every Tannin module shares.
 *
 * Errors travel as an int return code plus a caller-owned message buffer of
 * TN_ERRLEN bytes: a function that fails fills the buffer with a sentence
 * naming what was wrong and where (file, column, byte offset), and returns a
 * negative TN_E* code. Library code never exits or prints.
 */
#ifndef TN_COMMON_H
#define TN_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define TN_ERRLEN 256

enum {
    TN_OK = 0,
    TN_EINVAL = -1,   /* bad argument or bad input data */
    TN_ENOMEM = -2,   /* allocation failed */
    TN_EIO = -3,      /* file system or LMDB failure */
    TN_ENOTFOUND = -4,/* no such object */
    TN_ECORRUPT = -5, /* stored data fails its checks */
    TN_EEXIST = -6,   /* object already exists */
    TN_EFULL = -7,    /* a fixed limit was reached */
};

/* Formats a message into err (which may be NULL) and returns code. */
int tn_err(char *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Allocation that aborts on failure: out-of-memory is not recoverable in a
 * server that must keep its indexes consistent, as in Redis' zmalloc. */
void *tn_malloc(size_t n);
void *tn_calloc(size_t n, size_t size);
void *tn_realloc(void *p, size_t n);
char *tn_strndup(const char *s, size_t n);
char *tn_strdup(const char *s);

/* Growable byte buffer; owner frees with tn_buf_free. Reuse one across
 * calls (tn_buf_reset keeps the allocation) because first writes to fresh
 * memory are several times slower than writes to warm memory. */
typedef struct tn_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} tn_buf;

void tn_buf_reserve(tn_buf *b, size_t extra);
void tn_buf_append(tn_buf *b, const void *p, size_t n);
void tn_buf_append_u32(tn_buf *b, uint32_t v);
void tn_buf_append_u64(tn_buf *b, uint64_t v);
/* Appends zero bytes until len is a multiple of align (a power of two). */
void tn_buf_align(tn_buf *b, size_t align);
static inline void tn_buf_reset(tn_buf *b) { b->len = 0; }
void tn_buf_free(tn_buf *b);

/* Wall clock in milliseconds since the epoch, and a monotonic clock in ns. */
int64_t tn_now_ms(void);
uint64_t tn_mono_ns(void);

/* MurmurHash3's 64-bit finalizer: values that differ in any bit spread
 * over a whole hash table. */
static inline uint64_t tn_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* A fast 64-bit hash of bytes for in-memory hash tables (not stored). */
uint64_t tn_hash_bytes(const void *p, size_t n);

/* Reads a whole file into a NUL-terminated heap buffer (caller frees). */
int tn_read_file(const char *path, char **out, size_t *len, char *err);

#define TN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TN_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
