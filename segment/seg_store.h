/*
 * seg_store.h: immutable segments kept in LMDB, one environment per data
 * directory.
 *
 * A segment and the source position it brings the data up to (a Kafka
 * partition's next offset, say) are written in one LMDB write transaction:
 * after a crash at any point a segment is either wholly there, with its
 * position, or absent, with the previous position.
 *
 * A loaded segment reads its columns straight from LMDB's memory map inside
 * a read-only transaction that the segment holds until it is released, so
 * deleting a segment that a query is still reading is safe: LMDB keeps the
 * pages until that reader is gone, then reuses them.
 */
#ifndef SEG_STORE_H
#define SEG_STORE_H

#include "seg_seal.h"

typedef struct seg_store seg_store;

typedef struct seg_store_opts {
    uint64_t map_size;      /* bytes of address space for the map; 0 = 64 GiB */
    uint32_t max_readers;   /* 0 = 4096: one per loaded segment, plus queries */
    bool no_sync;           /* skip fsync on commit (tests, benchmarks only) */
} seg_store_opts;

int seg_store_open(const char *dir, const seg_store_opts *o, seg_store **out,
                   char *err);
/* Closes the environment; every segment loaded from it must be released
 * first. */
void seg_store_close(seg_store *st);

/* Writes img and, when source is not NULL, records next_offset as the
 * source's position, in one transaction. TN_EEXIST when a segment of that
 * name exists, TN_EFULL when the map is full. */
int seg_store_write(seg_store *st, const seg_image *img, const char *source,
                    int64_t next_offset, char *err);

/* The committed position of a source; TN_ENOTFOUND when none. */
int seg_store_position(seg_store *st, const char *source, int64_t *next_offset,
                       char *err);

/* Metadata of every stored segment of table (NULL = every table), in name
 * order. Free with seg_store_list_free. */
int seg_store_list(seg_store *st, const char *table, seg_meta **out,
                   uint32_t *n, char *err);
void seg_store_list_free(seg_meta *list, uint32_t n);

/* Loads a segment for reading in place. TN_ENOTFOUND, TN_ECORRUPT. */
int seg_store_load(seg_store *st, const char *name, seg_segment **out, char *err);

int seg_store_delete(seg_store *st, const char *name, char *err);

/* Deletes the segments of table whose time range ends before
 * now_ms - retention_ms; *ndeleted says how many. Segments without a time
 * range are kept. */
int seg_store_apply_retention(seg_store *st, const char *table, int64_t now_ms,
                              int64_t retention_ms, uint32_t *ndeleted, char *err);

/* Bytes the data file takes, and bytes LMDB has in use (the rest is free
 * pages it will reuse). */
int seg_store_usage(seg_store *st, uint64_t *file_bytes, uint64_t *used_bytes,
                    char *err);

/* Small durable documents beside the segments: table configs and schemas
 * (a server's tables, a broker's catalog). Keys are 1..511 bytes. get
 * returns a NUL-terminated heap copy (caller frees) or TN_ENOTFOUND. */
int seg_store_put_doc(seg_store *st, const char *key, const void *data, size_t len,
                      char *err);
int seg_store_get_doc(seg_store *st, const char *key, char **data, size_t *len,
                      char *err);
int seg_store_del_doc(seg_store *st, const char *key, char *err);
/* Keys starting with prefix (NULL or "" = all), in key order; the caller
 * frees each key and the array. */
int seg_store_list_docs(seg_store *st, const char *prefix, char ***keys, uint32_t *n,
                        char *err);
/* Forgets a source's committed offset (a dropped table starts over). */
int seg_store_del_position(seg_store *st, const char *source, char *err);

#endif
