/*
 * seg_store.c: the LMDB store of immutable segments.
 *
 * Named databases in the environment:
 *   segments   segment name -> metadata JSON (seg_meta_to_json)
 *   columns    segment name, NUL, column name -> framed column blob
 *   positions  source name -> int64 next offset
 *   docs       key -> small document (table configs, schemas: the catalog)
 *
 * A framed blob is: one byte p (1..32), p - 1 bytes of padding, the column
 * blob, then 32 - p bytes of padding; p is chosen when the value is
 * reserved in the map so that the blob starts 32-byte aligned in memory.
 * LMDB keeps large values in overflow pages whose offset within a page never
 * changes, so the alignment holds for as long as the value lives.
 */
#include "seg_store.h"
#include "seg_immutable.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FRAME 32

struct seg_store {
    MDB_env *env;
    MDB_dbi segments, columns, positions, docs;
    MDB_dbi main;           /* the unnamed database (see advance_snapshot) */
    char *path;
};

static int lmdb_err(char *err, int rc, const char *what)
{
    int code = rc == MDB_MAP_FULL ? TN_EFULL
             : rc == MDB_NOTFOUND ? TN_ENOTFOUND
             : rc == MDB_KEYEXIST ? TN_EEXIST
             : (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_PAGE_NOTFOUND ||
                rc == MDB_VERSION_MISMATCH) ? TN_ECORRUPT
             : TN_EIO;
    return tn_err(err, code, "%s: %s", what, mdb_strerror(rc));
}

/* Size of the data file, and the bytes up to the last page LMDB uses. */
static int file_extent(seg_store *st, uint64_t *file_bytes, uint64_t *hw_bytes,
                       uint64_t *page_size, char *err)
{
    MDB_envinfo info;
    MDB_stat mst;
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &mst);
    char file[4096];
    snprintf(file, sizeof file, "%s/data.mdb", st->path);
    struct stat sb;
    if (stat(file, &sb) != 0)
        return tn_err(err, TN_EIO, "%s: %s", file, strerror(errno));
    *file_bytes = (uint64_t)sb.st_size;
    *hw_bytes = ((uint64_t)info.me_last_pgno + 1) * mst.ms_psize;
    *page_size = mst.ms_psize;
    return TN_OK;
}

/* LMDB trusts the file to hold every page its meta page names; a truncated
 * file would fault on first touch, so the size is checked before any read. */
static int check_truncation(seg_store *st, char *err)
{
    uint64_t size, need, psize;
    int rc = file_extent(st, &size, &need, &psize, err);
    if (rc)
        return rc;
    if (size < need)
        return tn_err(err, TN_ECORRUPT,
                      "%s/data.mdb is truncated: %llu bytes, its last page ends at %llu",
                      st->path, (unsigned long long)size, (unsigned long long)need);
    return TN_OK;
}

static int open_dbis(seg_store *st, char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin");
    if ((rc = mdb_dbi_open(txn, "segments", MDB_CREATE, &st->segments)) ||
        (rc = mdb_dbi_open(txn, "columns", MDB_CREATE, &st->columns)) ||
        (rc = mdb_dbi_open(txn, "positions", MDB_CREATE, &st->positions)) ||
        (rc = mdb_dbi_open(txn, "docs", MDB_CREATE, &st->docs)) ||
        (rc = mdb_dbi_open(txn, NULL, 0, &st->main))) {
        mdb_txn_abort(txn);
        return lmdb_err(err, rc, "open databases");
    }
    rc = mdb_txn_commit(txn);
    return rc ? lmdb_err(err, rc, "commit") : TN_OK;
}

int seg_store_open(const char *dir, const seg_store_opts *o, seg_store **out,
                   char *err)
{
    static const seg_store_opts defaults = {0};
    if (!o)
        o = &defaults;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return tn_err(err, TN_EIO, "cannot create %s: %s", dir, strerror(errno));
    /* LMDB would take an existing empty data file for a new store and
     * silently start over; a store file that exists is never empty. */
    char file[4096];
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    struct stat sb;
    if (stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0)
        return tn_err(err, TN_ECORRUPT,
                      "%s is empty (truncated, or its creation was cut short); "
                      "remove it to start a new store", file);
    seg_store *st = tn_calloc(1, sizeof *st);
    st->path = tn_strdup(dir);
    int rc = mdb_env_create(&st->env);
    if (rc) {
        free(st->path);
        free(st);
        return lmdb_err(err, rc, "mdb_env_create");
    }
    mdb_env_set_maxdbs(st->env, 8);
    mdb_env_set_mapsize(st->env, o->map_size ? o->map_size : (64ull << 30));
    mdb_env_set_maxreaders(st->env, o->max_readers ? o->max_readers : 4096);
    /* NOTLS: read transactions belong to segments, not threads */
    unsigned flags = MDB_NOTLS | (o->no_sync ? MDB_NOSYNC : 0);
    rc = mdb_env_open(st->env, dir, flags, 0644);
    char what[4200];
    snprintf(what, sizeof what, "cannot open store %s", dir);
    int trc = rc ? lmdb_err(err, rc, what) : check_truncation(st, err);
    if (!trc)
        trc = open_dbis(st, err);
    if (trc) {
        mdb_env_close(st->env);
        free(st->path);
        free(st);
        return trc;
    }
    *out = st;
    return TN_OK;
}

void seg_store_close(seg_store *st)
{
    if (!st)
        return;
    mdb_env_close(st->env);
    free(st->path);
    free(st);
}

/* Key "segment\0column". */
static MDB_val col_key(tn_buf *b, const char *seg, const char *col)
{
    tn_buf_reset(b);
    tn_buf_append(b, seg, strlen(seg) + 1);
    tn_buf_append(b, col, strlen(col));
    return (MDB_val){b->len, b->data};
}

static int put_column(MDB_txn *txn, seg_store *st, const char *seg,
                      const seg_image_col *c, tn_buf *key)
{
    MDB_val k = col_key(key, seg, c->name);
    MDB_val v = {c->len + FRAME, NULL};
    int rc = mdb_put(txn, st->columns, &k, &v, MDB_RESERVE);
    if (rc)
        return rc;
    uint8_t *dst = v.mv_data;
    uint32_t p = FRAME - (uint32_t)((uintptr_t)(dst + 1) % FRAME) + 1;
    if (p > FRAME)
        p -= FRAME;
    memset(dst, 0, c->len + FRAME);
    dst[0] = (uint8_t)p;
    memcpy(dst + p, c->data, c->len);
    return 0;
}

int seg_store_write(seg_store *st, const seg_image *img, const char *source,
                    int64_t next_offset, char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin write");
    char *meta = seg_meta_to_json(&img->meta, img->schema);
    MDB_val k = {strlen(img->meta.name), img->meta.name};
    MDB_val v = {strlen(meta), meta};
    tn_buf key = {0};
    rc = mdb_put(txn, st->segments, &k, &v, MDB_NOOVERWRITE);
    for (uint32_t i = 0; i < img->ncols && !rc; i++)
        rc = put_column(txn, st, img->meta.name, &img->cols[i], &key);
    if (!rc && source) {
        MDB_val sk = {strlen(source), (void *)source};
        MDB_val sv = {sizeof next_offset, &next_offset};
        rc = mdb_put(txn, st->positions, &sk, &sv, 0);
    }
    free(meta);
    tn_buf_free(&key);
    if (rc) {
        mdb_txn_abort(txn);
        char what[512];
        snprintf(what, sizeof what, "write segment %s", img->meta.name);
        return lmdb_err(err, rc, what);
    }
    rc = mdb_txn_commit(txn);
    return rc ? lmdb_err(err, rc, "commit segment") : TN_OK;
}

int seg_store_position(seg_store *st, const char *source, int64_t *next_offset,
                       char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    MDB_val k = {strlen(source), (void *)source}, v;
    rc = mdb_get(txn, st->positions, &k, &v);
    if (!rc && v.mv_size != sizeof *next_offset)
        rc = MDB_CORRUPTED;
    if (!rc)
        memcpy(next_offset, v.mv_data, sizeof *next_offset);
    mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND)
        return tn_err(err, TN_ENOTFOUND, "no position for source %s", source);
    return rc ? lmdb_err(err, rc, "read position") : TN_OK;
}

int seg_store_list(seg_store *st, const char *table, seg_meta **out,
                   uint32_t *n, char *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    if ((rc = mdb_cursor_open(txn, st->segments, &cur))) {
        mdb_txn_abort(txn);
        return lmdb_err(err, rc, "cursor");
    }
    seg_meta *list = NULL;
    uint32_t cnt = 0, cap = 0;
    MDB_val k, v;
    int trc = TN_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !trc;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        seg_meta m;
        seg_schema *sc;
        trc = seg_meta_from_json(v.mv_data, v.mv_size, &m, &sc, err);
        if (trc)
            break;
        seg_schema_free(sc);
        if (table && strcmp(m.table, table) != 0) {
            seg_meta_free(&m);
            continue;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            list = tn_realloc(list, cap * sizeof *list);
        }
        list[cnt++] = m;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (!trc && rc != MDB_NOTFOUND)
        trc = lmdb_err(err, rc, "list segments");
    if (trc) {
        seg_store_list_free(list, cnt);
        return trc;
    }
    *out = list;
    *n = cnt;
    return TN_OK;
}

void seg_store_list_free(seg_meta *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        seg_meta_free(&list[i]);
    free(list);
}

static void release_txn(void *owner) { mdb_txn_abort(owner); }

/* Unframes a stored column; false when the frame is damaged. */
static bool unframe(MDB_val v, seg_blob *b)
{
    if (v.mv_size <= FRAME)
        return false;
    const uint8_t *p = v.mv_data;
    if (p[0] < 1 || p[0] > FRAME)
        return false;
    b->data = p + p[0];
    b->len = v.mv_size - FRAME;
    return true;
}

static int load_columns(seg_store *st, MDB_txn *txn, const seg_meta *m,
                        const seg_schema *sc, seg_blob *blobs, char *err)
{
    tn_buf key = {0};
    int rc = TN_OK;
    for (uint32_t i = 0; i < sc->nfields && !rc; i++) {
        MDB_val k = col_key(&key, m->name, sc->fields[i].name), v;
        int lrc = mdb_get(txn, st->columns, &k, &v);
        if (lrc == MDB_NOTFOUND)
            rc = tn_err(err, TN_ECORRUPT, "segment %s: column '%s' is missing",
                        m->name, sc->fields[i].name);
        else if (lrc)
            rc = lmdb_err(err, lrc, "read column");
        else if (!unframe(v, &blobs[i]))
            rc = tn_err(err, TN_ECORRUPT, "segment %s: column '%s' has a damaged frame",
                        m->name, sc->fields[i].name);
    }
    tn_buf_free(&key);
    return rc;
}

int seg_store_load(seg_store *st, const char *name, seg_segment **out, char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    MDB_val k = {strlen(name), (void *)name}, v;
    rc = mdb_get(txn, st->segments, &k, &v);
    if (rc) {
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
            return tn_err(err, TN_ENOTFOUND, "no segment %s", name);
        return lmdb_err(err, rc, "read segment");
    }
    seg_meta m;
    seg_schema *sc;
    int trc = seg_meta_from_json(v.mv_data, v.mv_size, &m, &sc, err);
    if (trc) {
        mdb_txn_abort(txn);
        return trc;
    }
    seg_blob *blobs = tn_calloc(sc->nfields + 1, sizeof *blobs);
    trc = load_columns(st, txn, &m, sc, blobs, err);
    if (!trc)
        trc = seg_immutable_open(&m, sc, blobs, release_txn, txn, out, err);
    if (trc)
        mdb_txn_abort(txn);
    free(blobs);
    seg_meta_free(&m);
    seg_schema_free(sc);
    return trc;
}

static int delete_in(MDB_txn *txn, seg_store *st, const char *name)
{
    MDB_val k = {strlen(name), (void *)name};
    int rc = mdb_del(txn, st->segments, &k, NULL);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, st->columns, &cur)))
        return rc;
    size_t plen = strlen(name) + 1; /* "name\0" prefixes its columns */
    MDB_val ck = {plen, (void *)name}, cv;
    for (rc = mdb_cursor_get(cur, &ck, &cv, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &ck, &cv, MDB_NEXT)) {
        if (ck.mv_size < plen || memcmp(ck.mv_data, name, plen) != 0)
            break;
        if ((rc = mdb_cursor_del(cur, 0)))
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* LMDB reuses the pages a transaction frees only from the second
 * transaction after it on: mdb_page_alloc takes free-list records older
 * than the oldest snapshot still referenced, which with no readers is the
 * last committed one, because the meta page of the snapshot before the
 * delete, which still names those pages, is only overwritten by the next
 * commit. So the write right after a delete could not reuse the deleted
 * segment's pages, and the file grew by a whole segment although nothing
 * held them. This commits one more transaction to move the snapshot on. An
 * empty transaction does not commit, so it writes and removes a scratch key
 * of the unnamed database, which leaves the data as it was. Best effort:
 * the delete is already committed, and a failure here only delays reuse. */
static void advance_snapshot(seg_store *st)
{
    static char scratch[] = "tannin.advance";
    MDB_txn *txn;
    if (mdb_txn_begin(st->env, NULL, 0, &txn))
        return;
    MDB_val k = {sizeof scratch - 1, scratch}, v = {1, scratch};
    if (mdb_put(txn, st->main, &k, &v, 0) || mdb_del(txn, st->main, &k, NULL)) {
        mdb_txn_abort(txn);
        return;
    }
    mdb_txn_commit(txn);
}

int seg_store_delete(seg_store *st, const char *name, char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin write");
    rc = delete_in(txn, st, name);
    if (rc) {
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
            return tn_err(err, TN_ENOTFOUND, "no segment %s", name);
        return lmdb_err(err, rc, "delete segment");
    }
    rc = mdb_txn_commit(txn);
    if (rc)
        return lmdb_err(err, rc, "commit delete");
    advance_snapshot(st);
    return TN_OK;
}

int seg_store_apply_retention(seg_store *st, const char *table, int64_t now_ms,
                              int64_t retention_ms, uint32_t *ndeleted, char *err)
{
    seg_meta *list;
    uint32_t n;
    *ndeleted = 0;
    int rc = seg_store_list(st, table, &list, &n, err);
    if (rc)
        return rc;
    int64_t cutoff = now_ms - retention_ms;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (list[i].max_time_ms == INT64_MIN || list[i].max_time_ms >= cutoff)
            continue;
        rc = seg_store_delete(st, list[i].name, err);
        if (!rc)
            (*ndeleted)++;
    }
    seg_store_list_free(list, n);
    return rc;
}

int seg_store_usage(seg_store *st, uint64_t *file_bytes, uint64_t *used_bytes,
                    char *err)
{
    uint64_t hw_bytes, psize;
    int rc = file_extent(st, file_bytes, &hw_bytes, &psize, err);
    if (rc)
        return rc;
    /* pages up to the high-water mark minus those on the free list */
    MDB_txn *txn;
    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    uint64_t free_pages = 0;
    MDB_cursor *cur;
    /* database 0 is LMDB's free list: each record is a count, then ids */
    if (mdb_cursor_open(txn, 0, &cur) == 0) {
        MDB_val k, v;
        while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
            size_t cnt = 0;
            if (v.mv_size >= sizeof cnt)
                memcpy(&cnt, v.mv_data, sizeof cnt);
            free_pages += cnt;
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    uint64_t hw = hw_bytes / psize;
    *used_bytes = (hw > free_pages ? hw - free_pages : 0) * psize;
    return TN_OK;
}

/* ---- documents and positions ------------------------------------------------ */

/* One write transaction: put (data != NULL) or delete one key of dbi. */
static int write_one(seg_store *st, MDB_dbi dbi, const char *key, const void *data,
                     size_t len, const char *what, char *err)
{
    size_t klen = strlen(key);
    if (klen == 0 || klen > 511)
        return tn_err(err, TN_EINVAL, "%s: key must be 1..511 bytes", what);
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin write");
    MDB_val k = {klen, (void *)key}, v = {len, (void *)data};
    rc = data ? mdb_put(txn, dbi, &k, &v, 0) : mdb_del(txn, dbi, &k, NULL);
    if (rc) {
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND)
            return tn_err(err, TN_ENOTFOUND, "%s: no %s", what, key);
        return lmdb_err(err, rc, what);
    }
    rc = mdb_txn_commit(txn);
    return rc ? lmdb_err(err, rc, "commit") : TN_OK;
}

int seg_store_put_doc(seg_store *st, const char *key, const void *data, size_t len,
                      char *err)
{
    return write_one(st, st->docs, key, data ? data : "", len, "put document", err);
}

int seg_store_del_doc(seg_store *st, const char *key, char *err)
{
    return write_one(st, st->docs, key, NULL, 0, "delete document", err);
}

int seg_store_del_position(seg_store *st, const char *source, char *err)
{
    return write_one(st, st->positions, source, NULL, 0, "delete position", err);
}

int seg_store_get_doc(seg_store *st, const char *key, char **data, size_t *len,
                      char *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    MDB_val k = {strlen(key), (void *)key}, v;
    rc = mdb_get(txn, st->docs, &k, &v);
    if (!rc) {
        *data = tn_malloc(v.mv_size + 1);
        memcpy(*data, v.mv_data, v.mv_size);
        (*data)[v.mv_size] = 0;
        if (len)
            *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    if (rc == MDB_NOTFOUND)
        return tn_err(err, TN_ENOTFOUND, "no document %s", key);
    return rc ? lmdb_err(err, rc, "read document") : TN_OK;
}

int seg_store_list_docs(seg_store *st, const char *prefix, char ***keys, uint32_t *n,
                        char *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    *keys = NULL;
    *n = 0;
    int rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return lmdb_err(err, rc, "begin read");
    if ((rc = mdb_cursor_open(txn, st->docs, &cur))) {
        mdb_txn_abort(txn);
        return lmdb_err(err, rc, "cursor");
    }
    size_t plen = prefix ? strlen(prefix) : 0;
    MDB_val k = {plen, (void *)prefix}, v;
    uint32_t cap = 0;
    rc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
    for (; !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *keys = tn_realloc(*keys, cap * sizeof **keys);
        }
        (*keys)[(*n)++] = tn_strndup(k.mv_data, k.mv_size);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc && rc != MDB_NOTFOUND ? lmdb_err(err, rc, "list documents") : TN_OK;
}
