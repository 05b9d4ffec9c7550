/*
 * srv_local.c: a query over this server's own segments, answered as
 * Pinot's broker response (srv_local.h): the whole broker path (resolve,
 * compile, execute, merge, reduce, respond) without the network, the way
 * tools/tn_sql.c runs it over files.
 */
#include "srv_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qry_reduce.h"

/* Pinot's broker timeout when the query sets none. */
#define LOCAL_TIMEOUT_MS 10000
/* Pinot's hybrid split: the OFFLINE side ends one day before its newest
 * segment's end (TimeBoundaryManager's offset for daily pushes). */

typedef struct local_part {
    srv_snapshot snap;
    qry_boundary b;
} local_part;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The FROM table, read with the parser. */
static int parse_table(const char *sql, char **table, qry_err *e)
{
    qry_query *q;
    if (qry_parse(sql, QRY_HTTP, &q, e))
        return -1;
    *table = tn_strdup(q->table ? q->table : "");
    qry_query_free(q);
    return 0;
}

/* Snapshots of the table(s) the name stands for: itself when typed, else
 * its OFFLINE and REALTIME tables, whichever exist. */
static int resolve(srv_node *n, const char *table, local_part *parts, uint32_t *np, qry_err *e)
{
    char names[2][256];
    uint32_t nn = 0;
    if (has_suffix(table, "_OFFLINE") || has_suffix(table, "_REALTIME")) {
        snprintf(names[nn++], sizeof names[0], "%s", table);
    } else {
        snprintf(names[nn++], sizeof names[0], "%s_OFFLINE", table);
        snprintf(names[nn++], sizeof names[0], "%s_REALTIME", table);
    }
    for (uint32_t i = 0; i < nn; i++) {
        char err[TN_ERRLEN];
        local_part *p = &parts[*np];
        int rc = srv_node_snapshot(n, names[i], NULL, 0, &p->snap, err);
        if (rc == 0)
            (*np)++;
        else if (rc != TN_ENOTFOUND)
            return qry_fail(e, QRY_ERR_EXEC, -1, "%s", err);
    }
    if (*np == 0)
        return qry_fail(e, QRY_ERR_TABLE, -1, "Table %s does not exist on this server", table);
    return 0;
}

/* The OFFLINE side's boundary; false when it has no rows with a time
 * (then REALTIME alone answers, as Pinot does) or no epoch time format. */
static bool offline_boundary(const srv_snapshot *s, qry_boundary *b)
{
    int64_t max = INT64_MIN;
    const char *col = NULL;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const seg_meta *m = &s->segs[i]->meta;
        if (m->time_column && m->ndocs > 0 && m->max_time_ms != INT64_MIN &&
            m->max_time_ms != INT64_MAX) {
            col = m->time_column;
            max = TN_MAX(max, m->max_time_ms);
        }
    }
    int f = col ? seg_schema_find(s->schema, col) : -1;
    if (f < 0 || s->schema->fields[f].time.unit_ms <= 0)
        return false;
    b->column = col;
    b->value = qry_time_boundary(max, s->schema->fields[f].time.unit_ms, false);
    return true;
}

static bool has_rows(const srv_snapshot *s)
{
    for (uint32_t i = 0; i < s->nsegs; i++)
        if (seg_segment_ndocs(s->segs[i]) > 0)
            return true;
    return false;
}

/* A hybrid table: OFFLINE answers up to the boundary, REALTIME after it.
 * Without a usable boundary (a non-epoch time format) both answer whole. */
static void split_hybrid(local_part *parts, uint32_t *np)
{
    if (*np < 2)
        return;
    qry_boundary b;
    if (offline_boundary(&parts[0].snap, &b)) {
        parts[0].b = b;
        parts[0].b.op = QRY_BOUNDARY_LE;
        parts[1].b = b;
        parts[1].b.op = QRY_BOUNDARY_GT;
    } else if (!has_rows(&parts[0].snap)) {
        /* nothing offline yet: the realtime table alone answers */
        srv_snapshot_release(&parts[0].snap);
        parts[0] = parts[1];
        *np = 1;
    }
}

/* Compiles and runs sql on every part, merging into *total under *main. */
static int run_parts(const char *sql, const char *options, local_part *parts, uint32_t np,
                     const atomic_bool *cancel, qry_query **main, qry_partial *total,
                     qry_err *e)
{
    int64_t now = tn_now_ms();
    for (uint32_t i = 0; i < np; i++) {
        qry_query *q;
        qry_partial p;
        if (qry_compile_ex(sql, QRY_HTTP, options, parts[i].snap.schema, now, &parts[i].b, NULL,
                           &q, e))
            return -1;
        qry_exec_opts o = {.timeout_ms = LOCAL_TIMEOUT_MS, .cancel = cancel};
        int rc = qry_execute(q, parts[i].snap.segs, parts[i].snap.nsegs, &o, &p, e);
        if (!rc && i == 0) {
            *main = q;
            *total = p;
            continue;
        }
        if (!rc)
            rc = qry_partial_merge(*main, total, &p, e);
        qry_partial_free(q, &p);
        qry_query_free(q);
        if (rc)
            return -1;
    }
    return 0;
}

char *srv_local_query(srv_node *n, const char *sql, const char *options,
                      const atomic_bool *cancel, bool *failed)
{
    uint64_t t0 = tn_mono_ns();
    qry_err e = {0};
    local_part parts[2] = {0};
    uint32_t np = 0;
    char *table = NULL;
    qry_query *q = NULL;
    qry_partial total;
    qry_result res;
    bool have_total = false, have_res = false;
    int rc = parse_table(sql, &table, &e);
    if (!rc)
        rc = resolve(n, table, parts, &np, &e);
    if (!rc) {
        split_hybrid(parts, &np);
        rc = run_parts(sql, options, parts, np, cancel, &q, &total, &e);
        have_total = q != NULL;
    }
    if (!rc) {
        rc = qry_reduce(q, &total, &res, &e);
        have_res = rc == 0;
    }
    if (have_total)
        qry_partial_free(q, &total);
    qry_response_info info = {.time_used_ms = (int64_t)((tn_mono_ns() - t0) / 1000000),
                              .servers_queried = 1, .servers_responded = 1};
    char *js = qry_response_json(have_res ? &res : NULL, &e, rc ? 1 : 0, &info);
    if (have_res)
        qry_result_free(&res);
    qry_query_free(q);
    for (uint32_t i = 0; i < np; i++)
        srv_snapshot_release(&parts[i].snap);
    free(table);
    *failed = rc != 0;
    return js;
}
