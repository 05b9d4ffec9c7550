/*
 * brk_pg_sess.c: the PostgreSQL conversation: message framing and limits,
 * startup (SSLRequest included), the simple query protocol, and result
 * rows on the wire (see brk_pg_sess.h). Logins are brk_pg_auth.c's, the
 * extended protocol brk_pg_ext.c's, what a statement means brk_pg_stmt.c's.
 */
#include "brk_pg_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pg_query.h>

#define MAX_STARTUP 10000
#define DEFAULT_MAX_MESSAGE (64u << 20)
/* A feed takes no new message once its answers reach this: the caller
 * sends them before it feeds the rest (see brk_pg.c's backpressure). */
#define FEED_OUT_MAX (1u << 20)

brk_pg_sess *brk_pg_sess_new(const brk_pg_sess_opts *o)
{
    brk_pg_sess *s = tn_calloc(1, sizeof *s);
    s->o = *o;
    if (!s->o.max_message)
        s->o.max_message = DEFAULT_MAX_MESSAGE;
    s->txn = 'I';
    snprintf(s->database, sizeof s->database, "default");
    return s;
}

void pg_stmt_free(pg_stmt *st)
{
    free(st->name);
    free(st->sql);
    free(st->oids);
    free(st);
}

void pg_portal_free(pg_portal *p)
{
    free(p->name);
    free(p->sql);
    free(p->formats);
    pg_outcome_free(&p->out);
    free(p);
}

void brk_pg_sess_free(brk_pg_sess *s)
{
    if (!s)
        return;
    while (s->stmts) {
        pg_stmt *n = s->stmts->next;
        pg_stmt_free(s->stmts);
        s->stmts = n;
    }
    while (s->portals) {
        pg_portal *n = s->portals->next;
        pg_portal_free(s->portals);
        s->portals = n;
    }
    pg_cursor_free_all(s);
    pg_auth_end(s);
    for (uint32_t i = 0; i < s->nset; i++) {
        free(s->set_name[i]);
        free(s->set_value[i]);
    }
    tn_buf_free(&s->scratch);
    free(s);
}

/* ---- results ----------------------------------------------------------- */

int16_t pg_format_of(const int16_t *formats, uint32_t n, uint32_t col)
{
    return n == 0 ? 0 : n == 1 ? formats[0] : col < n ? formats[col] : 0;
}

void pg_send_rowdesc(tn_buf *out, const qry_result *r, const int16_t *formats,
                     uint32_t nf)
{
    size_t at = brk_pg_begin(out, 'T');
    brk_pg_put_i16(out, (int16_t)r->ncols);
    for (uint32_t c = 0; c < r->ncols; c++) {
        int32_t oid = brk_pg_type_oid(r->types[c]);
        brk_pg_put_cstr(out, r->names[c]);
        brk_pg_put_i32(out, 0);   /* no table OID: drivers then skip catalog lookups */
        brk_pg_put_i16(out, 0);
        brk_pg_put_i32(out, oid);
        brk_pg_put_i16(out, brk_pg_type_len(oid));
        brk_pg_put_i32(out, -1);
        brk_pg_put_i16(out, pg_format_of(formats, nf, c));
    }
    brk_pg_end(out, at);
}

void pg_send_row(tn_buf *out, const qry_result *r, uint32_t row, const int16_t *formats,
                     uint32_t nf)
{
    size_t at = brk_pg_begin(out, 'D');
    brk_pg_put_i16(out, (int16_t)r->ncols);
    for (uint32_t c = 0; c < r->ncols; c++) {
        const qry_val *v = &r->cells[(size_t)row * r->ncols + c];
        if (v->kind == QV_NULL) {
            brk_pg_put_i32(out, -1);
            continue;
        }
        size_t len_at = out->len;
        brk_pg_put_i32(out, 0);
        if (pg_format_of(formats, nf, c) == 1)
            brk_pg_binary_value(out, v, brk_pg_type_oid(r->types[c]));
        else
            brk_pg_text_value(out, v);
        /* a value's length does not count itself, unlike a message's */
        brk_pg_end(out, len_at);
        brk_pg_rd lr;
        brk_pg_rd_init(&lr, out->data + len_at, 4);
        uint32_t n = (uint32_t)brk_pg_get_i32(&lr) - 4;
        out->len = len_at;
        brk_pg_put_i32(out, (int32_t)n);
        out->len += n;
    }
    brk_pg_end(out, at);
}

void pg_send_error(brk_pg_sess *s, tn_buf *out, const pg_outcome *o, int base)
{
    brk_pg_error(out, "ERROR", o->sqlstate, o->msg, o->position > 0 ? o->position + base : -1);
    if (s->txn == 'T')
        s->txn = 'E';
}

/* ---- simple query ------------------------------------------------------ */

/* Sends one statement's whole outcome; false after an error. */
static bool simple_one(brk_pg_sess *s, const char *sql, int base, tn_buf *out)
{
    pg_outcome o;
    brk_pg_run_stmt(s, sql, &o);
    bool ok = true;
    switch (o.kind) {
    case PG_OUT_EMPTY: break;
    case PG_OUT_TAG: brk_pg_complete(out, o.tag); break;
    case PG_OUT_ERROR: pg_send_error(s, out, &o, base); ok = false; break;
    case PG_OUT_ROWS: {
        static const int16_t binary = 1;
        uint32_t nf = o.binary ? 1 : 0;
        pg_send_rowdesc(out, &o.res, &binary, nf);
        for (uint32_t i = 0; i < o.res.nrows; i++)
            pg_send_row(out, &o.res, i, &binary, nf);
        char tag[32];
        pg_rows_tag(&o, o.res.nrows, tag, sizeof tag);
        brk_pg_complete(out, tag);
        break;
    }
    }
    pg_outcome_free(&o);
    return ok;
}

static void simple_query(brk_pg_sess *s, const char *sql, tn_buf *out)
{
    PgQuerySplitResult sp = pg_query_split_with_scanner(sql);
    bool any = false;
    if (sp.error) {
        /* e.g. an unterminated quote: let the statement path report it */
        any = true;
        simple_one(s, sql, 0, out);
    }
    for (int i = 0; !sp.error && i < sp.n_stmts; i++) {
        PgQuerySplitStmt *st = sp.stmts[i];
        tn_buf_reset(&s->scratch);
        tn_buf_append(&s->scratch, sql + st->stmt_location, (size_t)st->stmt_len);
        tn_buf_append(&s->scratch, "", 1);
        char *text = tn_strdup((char *)s->scratch.data);
        const char *p = text;
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
            p++;
        if (*p) {
            any = true;
            bool ok = simple_one(s, text, st->stmt_location, out);
            free(text);
            if (!ok)
                break;
        } else {
            free(text);
        }
    }
    pg_query_free_split_result(sp);
    if (!any) {
        size_t at = brk_pg_begin(out, 'I');
        brk_pg_end(out, at);
    }
    brk_pg_ready(out, s->txn);
}

/* ---- framing ----------------------------------------------------------- */

void pg_fatal(brk_pg_sess *s, tn_buf *out, const char *sqlstate, const char *msg,
              bool *close)
{
    brk_pg_error(out, "FATAL", sqlstate, msg, -1);
    s->state = PG_CLOSED;
    *close = true;
}

static void copy_param(char *dst, size_t cap, const char *v)
{
    snprintf(dst, cap, "%s", v);
}

void pg_send_welcome(brk_pg_sess *s, tn_buf *out)
{
    size_t at = brk_pg_begin(out, 'R');
    brk_pg_put_i32(out, 0);
    brk_pg_end(out, at);
    static const char *const ps[][2] = {
        {"server_version", "15.0"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
        {"DateStyle", "ISO, MDY"}, {"TimeZone", "UTC"}, {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"}, {"IntervalStyle", "postgres"},
        {"is_superuser", "off"}};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        brk_pg_param_status(out, ps[i][0], ps[i][1]);
    brk_pg_param_status(out, "application_name", s->app);
    brk_pg_param_status(out, "session_authorization", s->user);
    at = brk_pg_begin(out, 'K');
    brk_pg_put_i32(out, s->o.pid);
    brk_pg_put_i32(out, s->o.secret);
    brk_pg_end(out, at);
    brk_pg_ready(out, 'I');
    s->state = PG_READY;
}

/* SSLRequest: 'S' when TLS is offered and not yet on (the caller then
 * switches, see brk_pg_sess_take_tls); GSSENCRequest: always 'N'. */
static void on_encryption_request(brk_pg_sess *s, int32_t code, tn_buf *out, bool *close)
{
    if (code == BRK_PG_GSSENC_REQUEST || !s->o.tls) {
        tn_buf_append(out, "N", 1);
        return;
    }
    if (s->tls_done) {
        pg_fatal(s, out, "08P01", "SSLRequest inside TLS: SSL negotiation is already done",
                 close);
        return;
    }
    tn_buf_append(out, "S", 1);
    s->tls_pending = true;
}

static void on_startup(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out, bool *close)
{
    int32_t code = brk_pg_get_i32(r);
    s->login_ns = tn_mono_ns();
    if (code == BRK_PG_SSL_REQUEST || code == BRK_PG_GSSENC_REQUEST) {
        on_encryption_request(s, code, out, close);
        return;
    }
    if (code == BRK_PG_CANCEL_REQUEST) {
        *close = true; /* not first on its connection (brk_pg.c serves those): ignore */
        return;
    }
    if (code != BRK_PG_PROTO_3) {
        pg_fatal(s, out, "0A000", "unsupported frontend protocol: only 3.0 is served", close);
        return;
    }
    for (;;) {
        const char *k = brk_pg_get_cstr(r);
        if (r->bad || !k[0])
            break;
        const char *v = brk_pg_get_cstr(r);
        if (!strcmp(k, "user"))
            copy_param(s->user, sizeof s->user, v);
        else if (!strcmp(k, "database"))
            copy_param(s->database, sizeof s->database, v);
        else if (!strcmp(k, "application_name"))
            copy_param(s->app, sizeof s->app, v);
    }
    if (r->bad || !s->user[0]) {
        pg_fatal(s, out, "08P01", r->bad ? "malformed startup packet"
                                          : "no PostgreSQL user name specified in startup packet",
                 close);
        return;
    }
    pg_auth_start(s, out, close);
}

static void on_message(brk_pg_sess *s, uint8_t type, brk_pg_rd *r, tn_buf *out,
                       bool *close)
{
    if (s->state != PG_READY) {
        pg_auth_message(s, type, r, out, close);
        return;
    }
    if (type == 'X') {
        *close = true;
        s->state = PG_CLOSED;
        return;
    }
    if (type == 'Q') {
        const char *sql = brk_pg_get_cstr(r);
        if (r->bad)
            pg_fatal(s, out, "08P01", "malformed Query message", close);
        else if (!s->skip_to_sync)
            simple_query(s, sql, out);
        return;
    }
    if (!pg_ext_message(s, type, r, out)) {
        char msg[64];
        snprintf(msg, sizeof msg, "invalid frontend message type %u", type);
        pg_fatal(s, out, "08P01", msg, close);
    }
}

/* Whether a message of type t may come now: during a login only the
 * password/SASL answer 'p'; after it the simple and extended protocols. */
static bool type_expected(const brk_pg_sess *s, uint8_t t)
{
    if (s->state != PG_READY)
        return t == 'p';
    return t && strchr("QXPBDECSH", t);
}

/* One message at in (complete or not): bytes consumed, 0 = need more. */
static size_t feed_one(brk_pg_sess *s, const uint8_t *in, size_t len, tn_buf *out,
                       bool *close)
{
    bool startup = s->state == PG_STARTUP;
    size_t hdr = startup ? 4 : 5;
    if (!startup && len && !type_expected(s, in[0])) {
        /* refused on its type byte, as PostgreSQL does: a stray byte must
         * not leave the client waiting for a body it never meant to send */
        brk_pg_rd r;
        brk_pg_rd_init(&r, in, 0);
        on_message(s, in[0], &r, out, close);
        return len;
    }
    if (len < hdr)
        return 0;
    brk_pg_rd r;
    brk_pg_rd_init(&r, in + hdr - 4, 4);
    int32_t mlen = brk_pg_get_i32(&r);
    size_t limit = startup ? MAX_STARTUP : s->o.max_message;
    if (mlen < (startup ? 8 : 4) || (size_t)mlen > limit) {
        char msg[96];
        snprintf(msg, sizeof msg, "invalid message length %d (at most %zu)", mlen, limit);
        pg_fatal(s, out, "08P01", msg, close);
        return len;
    }
    size_t total = hdr - 4 + (size_t)mlen;
    if (len < total)
        return 0;
    brk_pg_rd_init(&r, in + hdr, total - hdr);
    if (startup)
        on_startup(s, &r, out, close);
    else
        on_message(s, in[0], &r, out, close);
    return total;
}

size_t brk_pg_sess_feed(brk_pg_sess *s, const uint8_t *in, size_t len, tn_buf *out,
                        bool *close)
{
    *close = s->state == PG_CLOSED;
    size_t used = 0, out0 = out->len;
    while (!*close && used < len && out->len - out0 < FEED_OUT_MAX) {
        if (s->tls_pending) {
            /* bytes sent before the 'S' was seen are not the TLS handshake:
             * someone is injecting plaintext (CVE-2021-23214) */
            pg_fatal(s, out, "08P01", "received unencrypted data after SSL request", close);
            s->tls_pending = false;
            break;
        }
        size_t n = feed_one(s, in + used, len - used, out, close);
        if (!n)
            break;
        used += n;
    }
    return *close ? len : used;
}

bool brk_pg_sess_take_tls(brk_pg_sess *s)
{
    if (!s->tls_pending)
        return false;
    s->tls_pending = false;
    s->tls_done = true;
    return true;
}

struct brk_user *brk_pg_sess_user(const brk_pg_sess *s)
{
    return s->who;
}

bool brk_pg_sess_ready(const brk_pg_sess *s)
{
    return s->state == PG_READY;
}

/* A PostgreSQL time setting whose base unit is ms: a number, optionally
 * fractional, then optionally a unit; -1 when v is none (or negative). */
static int64_t time_setting_ms(const char *v)
{
    static const struct { const char *unit; double ms; } units[] = {
        {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000},
        {"d", 86400000}, {"", 1}};
    char *end;
    double n = strtod(v, &end);
    if (end == v || !(n >= 0))
        return -1;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(end, units[i].unit)) {
            double ms = n * units[i].ms;
            return ms > INT32_MAX ? -1 : (int64_t)(ms + 0.5);
        }
    return -1;
}

int64_t brk_pg_sess_idle_ms(const brk_pg_sess *s, bool *in_txn)
{
    *in_txn = s->txn != 'I';
    const char *name = *in_txn ? "idle_in_transaction_session_timeout" : "idle_session_timeout";
    int64_t ms = *in_txn ? 0 : s->o.idle_session_ms;
    for (uint32_t i = 0; i < s->nset; i++)
        if (!strcasecmp(s->set_name[i], name)) {
            int64_t v = time_setting_ms(s->set_value[i]);
            if (v >= 0)
                ms = v;
        }
    return ms;
}

bool brk_pg_sess_starting(const brk_pg_sess *s)
{
    return s->state == PG_STARTUP;
}

bool brk_pg_cancel_key(const uint8_t *in, size_t len, int32_t *pid, int32_t *secret)
{
    if (len < 16)
        return false;
    brk_pg_rd r;
    brk_pg_rd_init(&r, in, 16);
    if (brk_pg_get_i32(&r) != 16 || brk_pg_get_i32(&r) != BRK_PG_CANCEL_REQUEST)
        return false;
    *pid = brk_pg_get_i32(&r);
    *secret = brk_pg_get_i32(&r);
    return !r.bad;
}
