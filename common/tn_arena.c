/*
 * tn_arena.c: bump allocation in a chain of blocks (see tn_arena.h).
 */
#include "tn_arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "tn_common.h"

#define ARENA_ALIGN TN_ARENA_ALIGN

struct tn_arena_block {
    tn_arena_block *next;
    size_t size, used;          /* used: set when a newer block opens */
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

static tn_arena_block *block_new(size_t size, tn_arena_block *next)
{
    tn_arena_block *b = tn_malloc(sizeof *b + size);
    b->next = next;
    b->size = size;
    b->used = 0;
    return b;
}

static void blocks_free(tn_arena_block *b)
{
    while (b) {
        tn_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

/* Makes b the block allocations come from. */
static void arena_use(tn_arena *a, tn_arena_block *b)
{
    a->head = b;
    a->next = b->data;
    a->end = b->data + b->size;
}

void tn_arena_init(tn_arena *a, size_t size)
{
    a->head = NULL;
    a->next = a->end = NULL;
    a->first_size = size < 256 ? 256 : size;
    a->peak = a->used = 0;
}

void *tn_arena_alloc_slow(tn_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        n = SIZE_MAX / 2; /* tn_malloc then aborts: out of memory */
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    tn_arena_block *b = a->head;
    if (!b || (size_t)(a->end - a->next) < n) {
        size_t size = b ? b->size * 2 : a->first_size;
        if (b)
            b->used = (size_t)(a->next - b->data);
        arena_use(a, block_new(size > n ? size : n, b));
    }
    void *p = a->next;
    a->next += n;
    a->used += n;
    return p;
}

/* A block above this size is kept after a reset only while rounds use a
 * good part of it: one huge message must not pin its memory for good. */
#define ARENA_KEEP (1u << 20)

void tn_arena_reset(tn_arena *a)
{
    size_t used = a->used;
    if (used > a->peak)
        a->peak = used;
    a->used = 0;
    tn_arena_block *b = a->head;
    if (b && b->size > ARENA_KEEP && used < b->size / 4) {
        blocks_free(b);
        a->head = NULL;
        a->next = a->end = NULL;
        a->peak = used;
    } else if (b && b->next) {
        /* one block for the whole of the biggest round so far */
        blocks_free(b);
        arena_use(a, block_new(a->peak, NULL));
    } else if (b) {
        arena_use(a, b);
    }
}

bool tn_arena_owns(const tn_arena *a, const void *p)
{
    /* compared as integers: pointers into different objects do not order */
    uintptr_t x = (uintptr_t)p;
    for (const tn_arena_block *b = a->head; b; b = b->next) {
        uintptr_t end = b == a->head ? (uintptr_t)a->next : (uintptr_t)b->data + b->used;
        if (x >= (uintptr_t)b->data && x < end)
            return true;
    }
    return false;
}

void tn_arena_free(tn_arena *a)
{
    blocks_free(a->head);
    a->head = NULL;
    a->next = a->end = NULL;
    a->used = a->peak = 0;
}
