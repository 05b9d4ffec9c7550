/*
 * brk_pg_ext.c: the extended query protocol: Parse, Bind (parameters
 * substituted as literals), Describe, Execute with row limits, Close,
 * Sync. A portal runs its statement at the first Describe or Execute that
 * needs it and keeps the whole result, so Describe('P') can tell the
 * columns and later Executes continue where a row limit stopped
 * (PortalSuspended). Describe('S') runs nothing: it answers
 * ParameterDescription (unknown types as text) and NoData; the columns come
 * with Describe('P'), which drivers send before reading rows.
 */
#include "brk_pg_int.h"
#include "brk_pg_bin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- extended protocol ------------------------------------------------- */

static pg_stmt **find_stmt(brk_pg_sess *s, const char *name)
{
    pg_stmt **pp = &s->stmts;
    while (*pp && strcmp((*pp)->name, name))
        pp = &(*pp)->next;
    return pp;
}

static pg_portal **find_portal(brk_pg_sess *s, const char *name)
{
    pg_portal **pp = &s->portals;
    while (*pp && strcmp((*pp)->name, name))
        pp = &(*pp)->next;
    return pp;
}

static void ext_error(brk_pg_sess *s, tn_buf *out, const char *sqlstate, const char *msg)
{
    brk_pg_error(out, "ERROR", sqlstate, msg, -1);
    if (s->txn == 'T')
        s->txn = 'E';
    s->skip_to_sync = true;
}

/* The highest $n in sql (outside quotes, roughly): Parse without types. */
static uint32_t count_params(const char *sql)
{
    uint32_t max = 0;
    char q = 0;
    for (const char *p = sql; *p; p++) {
        if (q) {
            q = *p == q ? 0 : q;
        } else if (*p == '\'' || *p == '"') {
            q = *p;
        } else if (*p == '$' && p[1] >= '0' && p[1] <= '9') {
            unsigned long n = strtoul(p + 1, NULL, 10);
            if (n > max && n < 65536)
                max = (uint32_t)n;
        }
    }
    return max;
}

static void on_parse(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out)
{
    const char *name = brk_pg_get_cstr(r);
    const char *sql = brk_pg_get_cstr(r);
    int16_t n = brk_pg_get_i16(r);
    if (r->bad || n < 0) {
        ext_error(s, out, "08P01", "malformed Parse message");
        return;
    }
    pg_stmt **pp = find_stmt(s, name);
    if (*pp && name[0]) {
        ext_error(s, out, "42P05", "prepared statement already exists");
        return;
    }
    pg_stmt *st = tn_calloc(1, sizeof *st);
    st->name = tn_strdup(name);
    st->sql = tn_strdup(sql);
    /* "SELECT ...;" from a driver: the terminator is not part of the query */
    size_t n_sql = strlen(st->sql);
    while (n_sql && (st->sql[n_sql - 1] == ';' || isspace((unsigned char)st->sql[n_sql - 1])))
        st->sql[--n_sql] = 0;
    st->nparams = TN_MAX((uint32_t)n, count_params(sql));
    st->oids = tn_calloc(st->nparams + 1, sizeof *st->oids);
    for (int16_t i = 0; i < n; i++)
        st->oids[i] = brk_pg_get_i32(r);
    if (r->bad) {
        pg_stmt_free(st);
        ext_error(s, out, "08P01", "malformed Parse message");
        return;
    }
    if (*pp) { /* the unnamed statement is replaced */
        pg_stmt *old = *pp;
        st->next = old->next;
        pg_stmt_free(old);
    }
    *pp = st;
    size_t at = brk_pg_begin(out, '1');
    brk_pg_end(out, at);
}

/* Reads Bind's parameters into params (n of them). */
static bool read_bind_params(brk_pg_rd *r, const pg_stmt *st, brk_pg_param *params,
                             uint32_t n, const int16_t *pf, int16_t npf)
{
    for (uint32_t i = 0; i < n; i++) {
        int32_t len = brk_pg_get_i32(r);
        params[i].oid = i < st->nparams ? st->oids[i] : 0;
        params[i].format = npf == 0 ? 0 : npf == 1 ? pf[0] : (int16_t)i < npf ? pf[i] : 0;
        params[i].p = NULL;
        params[i].len = 0;
        if (len >= 0) {
            params[i].p = brk_pg_get_bytes(r, (size_t)len);
            params[i].len = (uint32_t)len;
        } else if (len != -1) {
            r->bad = true;
        }
    }
    return !r->bad;
}

static pg_portal *new_portal(brk_pg_sess *s, const char *name)
{
    pg_portal **pp = find_portal(s, name);
    if (*pp) {
        pg_portal *old = *pp;
        *pp = old->next;
        pg_portal_free(old);
    }
    pg_portal *p = tn_calloc(1, sizeof *p);
    p->name = tn_strdup(name);
    p->next = s->portals;
    s->portals = p;
    return p;
}

static void on_bind(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out)
{
    const char *pname = brk_pg_get_cstr(r);
    const char *sname = brk_pg_get_cstr(r);
    int16_t npf = brk_pg_get_i16(r);
    const uint8_t *pfb = npf > 0 ? brk_pg_get_bytes(r, (size_t)npf * 2) : NULL;
    int16_t np = brk_pg_get_i16(r);
    pg_stmt *st = *find_stmt(s, sname);
    if (r->bad || npf < 0 || np < 0) {
        ext_error(s, out, "08P01", "malformed Bind message");
        return;
    }
    if (!st) {
        ext_error(s, out, "26000", "prepared statement does not exist");
        return;
    }
    int16_t *pf = tn_calloc((size_t)npf + 1, sizeof *pf);
    brk_pg_rd fr;
    brk_pg_rd_init(&fr, pfb, (size_t)npf * 2);
    for (int16_t i = 0; i < npf; i++)
        pf[i] = brk_pg_get_i16(&fr);
    brk_pg_param *params = tn_calloc((size_t)np + 1, sizeof *params);
    bool ok = read_bind_params(r, st, params, (uint32_t)np, pf, npf);
    int16_t nrf = brk_pg_get_i16(r);
    pg_portal *p = NULL;
    char err[TN_ERRLEN];
    bool unsupported = false;
    if (!ok || r->bad || nrf < 0) {
        ext_error(s, out, "08P01", "malformed Bind message");
    } else if ((uint32_t)np < st->nparams) {
        snprintf(err, sizeof err, "bind message supplies %d parameters, but prepared statement "
                 "requires %u", np, st->nparams);
        ext_error(s, out, "08P01", err);
    } else if (brk_pg_substitute(st->sql, params, (uint32_t)np, &s->scratch, &unsupported, err)) {
        ext_error(s, out, unsupported ? "0A000" : "22P02", err);
    } else {
        p = new_portal(s, pname);
        p->sql = tn_strdup((char *)s->scratch.data);
        p->nformats = (uint32_t)nrf;
        p->formats = tn_calloc((size_t)nrf + 1, sizeof *p->formats);
        for (int16_t i = 0; i < nrf; i++)
            p->formats[i] = brk_pg_get_i16(r);
        if (r->bad)
            ext_error(s, out, "08P01", "malformed Bind message");
        else {
            size_t at = brk_pg_begin(out, '2');
            brk_pg_end(out, at);
        }
    }
    free(pf);
    free(params);
}

/* Result formats the client asked for that have no binary form here. */
static bool formats_supported(const qry_result *r, const int16_t *formats, uint32_t nf,
                              pg_outcome *o)
{
    for (uint32_t c = 0; c < r->ncols; c++) {
        int16_t f = pg_format_of(formats, nf, c);
        int32_t oid = brk_pg_type_oid(r->types[c]);
        char err[TN_ERRLEN];
        if (f == 1 && !brk_pg_binary_ok(oid)) {
            /* the name is copied first: o owns r, and the error frees it */
            snprintf(err, sizeof err, "binary format for column \"%s\" (type %d) is not "
                     "supported", r->names[c], (int)oid);
            pg_outcome_error(o, "0A000", -1, "%s", err);
            return false;
        }
        int rc = f == 1 && brk_pg_bin_has(oid) ? brk_pg_bin_check_column(r, c, oid, err) : 0;
        if (rc) {
            pg_outcome_error(o, brk_pg_bin_sqlstate(oid, rc, true), -1, "%s", err);
            return false;
        }
        if (f != 0 && f != 1) {
            pg_outcome_error(o, "08P01", -1, "invalid format code %d", f);
            return false;
        }
    }
    return true;
}

/* Runs the portal's statement once. */
static void portal_run(brk_pg_sess *s, pg_portal *p)
{
    if (p->ran)
        return;
    p->ran = true;
    brk_pg_run_stmt(s, p->sql, &p->out);
    if (p->out.kind == PG_OUT_ROWS)
        formats_supported(&p->out.res, p->formats, p->nformats, &p->out);
}

static void send_nodata(tn_buf *out)
{
    size_t at = brk_pg_begin(out, 'n');
    brk_pg_end(out, at);
}

static void describe_stmt(brk_pg_sess *s, const char *name, tn_buf *out)
{
    pg_stmt *st = *find_stmt(s, name);
    if (!st) {
        ext_error(s, out, "26000", "prepared statement does not exist");
        return;
    }
    size_t at = brk_pg_begin(out, 't');
    brk_pg_put_i16(out, (int16_t)st->nparams);
    for (uint32_t i = 0; i < st->nparams; i++)
        brk_pg_put_i32(out, st->oids[i] ? st->oids[i] : BRK_PG_TEXT);
    brk_pg_end(out, at);
    send_nodata(out);
}

static void on_describe(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out)
{
    uint8_t kind = brk_pg_get_u8(r);
    const char *name = brk_pg_get_cstr(r);
    if (r->bad || (kind != 'S' && kind != 'P')) {
        ext_error(s, out, "08P01", "malformed Describe message");
        return;
    }
    if (kind == 'S') {
        describe_stmt(s, name, out);
        return;
    }
    pg_portal *p = *find_portal(s, name);
    if (!p) {
        ext_error(s, out, "34000", "portal does not exist");
        return;
    }
    portal_run(s, p);
    if (p->out.kind == PG_OUT_ERROR) {
        pg_send_error(s, out, &p->out, 0);
        s->skip_to_sync = true;
    } else if (p->out.kind == PG_OUT_ROWS) {
        pg_send_rowdesc(out, &p->out.res, p->formats, p->nformats);
    } else {
        send_nodata(out);
    }
}

static void execute_rows(pg_portal *p, int32_t limit, tn_buf *out)
{
    const qry_result *res = &p->out.res;
    uint32_t sent = 0;
    while (p->next_row < res->nrows && (limit <= 0 || sent < (uint32_t)limit)) {
        pg_send_row(out, res, p->next_row++, p->formats, p->nformats);
        sent++;
    }
    if (p->next_row < res->nrows) {
        size_t at = brk_pg_begin(out, 's');
        brk_pg_end(out, at);
        return;
    }
    char tag[32];
    pg_rows_tag(&p->out, sent, tag, sizeof tag);
    brk_pg_complete(out, tag);
    p->finished = true;
}

static void on_execute(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out)
{
    const char *name = brk_pg_get_cstr(r);
    int32_t limit = brk_pg_get_i32(r);
    if (r->bad) {
        ext_error(s, out, "08P01", "malformed Execute message");
        return;
    }
    pg_portal *p = *find_portal(s, name);
    if (!p) {
        ext_error(s, out, "34000", "portal does not exist");
        return;
    }
    portal_run(s, p);
    switch (p->out.kind) {
    case PG_OUT_ERROR:
        pg_send_error(s, out, &p->out, 0);
        s->skip_to_sync = true;
        break;
    case PG_OUT_EMPTY: {
        size_t at = brk_pg_begin(out, 'I');
        brk_pg_end(out, at);
        break;
    }
    case PG_OUT_TAG: brk_pg_complete(out, p->out.tag); break;
    case PG_OUT_ROWS: execute_rows(p, limit, out); break;
    }
}

static void on_close(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out)
{
    uint8_t kind = brk_pg_get_u8(r);
    const char *name = brk_pg_get_cstr(r);
    if (r->bad || (kind != 'S' && kind != 'P')) {
        ext_error(s, out, "08P01", "malformed Close message");
        return;
    }
    if (kind == 'S') {
        pg_stmt **pp = find_stmt(s, name);
        if (*pp) {
            pg_stmt *st = *pp;
            *pp = st->next;
            pg_stmt_free(st);
        }
    } else {
        pg_portal **pp = find_portal(s, name);
        if (*pp) {
            pg_portal *p = *pp;
            *pp = p->next;
            pg_portal_free(p);
        }
    }
    size_t at = brk_pg_begin(out, '3');
    brk_pg_end(out, at);
}

/* Sync ends an implicit transaction: unnamed portals go (named ones live
 * until their block ends, which here means until closed). */
static void on_sync(brk_pg_sess *s, tn_buf *out)
{
    s->skip_to_sync = false;
    pg_portal **pp = find_portal(s, "");
    if (*pp) {
        pg_portal *p = *pp;
        *pp = p->next;
        pg_portal_free(p);
    }
    brk_pg_ready(out, s->txn);
}

bool pg_ext_message(brk_pg_sess *s, uint8_t type, brk_pg_rd *r, tn_buf *out)
{
    if (type == 'S') {
        on_sync(s, out);
        return true;
    }
    if (!strchr("PBDECH", type) || !type)
        return false;
    if (s->skip_to_sync)
        return true;
    switch (type) {
    case 'P': on_parse(s, r, out); break;
    case 'B': on_bind(s, r, out); break;
    case 'D': on_describe(s, r, out); break;
    case 'E': on_execute(s, r, out); break;
    case 'C': on_close(s, r, out); break;
    default: break; /* H: every batch's answers are written out anyway */
    }
    return true;
}
