/*
 * tn_arena.h: a bump allocator that is reset, not freed piece by piece.
 *
 * For short-lived trees of many small objects that die together (a parsed
 * JSON message): one pointer bump per allocation instead of a malloc, and
 * one reset instead of a free per node. Not thread-safe: one owner.
 */
#ifndef TN_ARENA_H
#define TN_ARENA_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tn_arena_block tn_arena_block;

typedef struct tn_arena {
    unsigned char *next;   /* free room of the newest block: [next, end) */
    unsigned char *end;
    tn_arena_block *head;  /* newest block first */
    size_t first_size;     /* size of the first block */
    size_t peak;           /* most bytes used between two resets */
    size_t used;           /* bytes handed out since the last reset */
} tn_arena;

#define TN_ARENA_ALIGN 16

void *tn_arena_alloc_slow(tn_arena *a, size_t n);

/* An arena whose first block holds size bytes (allocated at first use). */
void tn_arena_init(tn_arena *a, size_t size);
/* n bytes aligned to 16, valid until the next reset; never NULL (aborts on
 * out-of-memory like tn_malloc). A request larger than the free room opens a
 * new block; earlier allocations stay where they are. */
static inline void *tn_arena_alloc(tn_arena *a, size_t n)
{
    /* inline: a parse asks for dozens of small pieces per message */
    size_t r = (n + TN_ARENA_ALIGN - 1) & ~(size_t)(TN_ARENA_ALIGN - 1);
    if (r >= n && (size_t)(a->end - a->next) >= r) {
        void *p = a->next;
        a->next += r;
        a->used += r;
        return p;
    }
    return tn_arena_alloc_slow(a, n);
}
/* Forgets every allocation. When the last round needed more than one block,
 * they are replaced by one block big enough for it, so a steady stream of
 * similar rounds settles on a single block. A block over 1 MiB that the
 * last round used less than a quarter of is freed (the next round starts
 * small again): one huge message does not pin its memory. */
void tn_arena_reset(tn_arena *a);
/* Whether p was handed out by a and not yet reset. */
bool tn_arena_owns(const tn_arena *a, const void *p);
void tn_arena_free(tn_arena *a);

#endif
