/*
 * tn_arena.c: bump allocation in a chain of blocks (see tn_arena.h).
 */
#include "tn_arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "tn_common.h"

#define ARENA_ALIGN 16

struct tn_arena_block {
    tn_arena_block *next;
    size_t size, used;
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

void tn_arena_init(tn_arena *a, size_t size)
{
    a->head = NULL;
    a->first_size = size < 256 ? 256 : size;
    a->peak = a->used = 0;
}

void *tn_arena_alloc(tn_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        n = SIZE_MAX / 2; /* tn_malloc then aborts: out of memory */
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    tn_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = b ? b->size * 2 : a->first_size;
        a->head = b = block_new(size > n ? size : n, b);
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used += n;
    return p;
}

void tn_arena_reset(tn_arena *a)
{
    if (a->used > a->peak)
        a->peak = a->used;
    a->used = 0;
    tn_arena_block *b = a->head;
    if (b && b->next) {
        /* one block for the whole of the biggest round so far */
        blocks_free(b);
        a->head = block_new(a->peak, NULL);
    } else if (b) {
        b->used = 0;
    }
}

bool tn_arena_owns(const tn_arena *a, const void *p)
{
    /* compared as integers: pointers into different objects do not order */
    uintptr_t x = (uintptr_t)p;
    for (const tn_arena_block *b = a->head; b; b = b->next)
        if (x >= (uintptr_t)b->data && x < (uintptr_t)b->data + b->used)
            return true;
    return false;
}

void tn_arena_free(tn_arena *a)
{
    blocks_free(a->head);
    a->head = NULL;
    a->used = a->peak = 0;
}
