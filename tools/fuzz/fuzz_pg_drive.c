/*
 * fuzz_pg_drive.c: the PostgreSQL wire fuzzing harness (see fuzz_pg.h):
 * scratch stores with one table and one user, a fixed small result for
 * every Tannin SELECT, and one input driven through a session in chunks
 * with the output's framing checked after login.
 */
#include "fuzz_pg.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "brk_auth.h"
#include "brk_catalog.h"
#include "brk_pg_proto.h"
#include "brk_pg_sess.h"

static const char SCHEMA[] =
    "{\"schemaName\":\"events\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"}],\"metricFieldSpecs\":[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],"
    "\"dateTimeFieldSpecs\":[{\"name\":\"day\",\"dataType\":\"INT\",\"format\":"
    "\"1:DAYS:EPOCH\",\"granularity\":\"1:DAYS\"}]}";
static const char TABLE[] =
    "{\"tableName\":\"events\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":"
    "{\"timeColumnName\":\"day\",\"replication\":\"1\"},\"tenants\":{}}";

int fuzz_pg_setup(fuzz_pg *f, char *err)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fuzz_pg.XXXXXX");
    if (!mkdtemp(f->dir))
        return tn_err(err, TN_EIO, "cannot make a scratch directory");
    char sub[128], warn[256], name[256];
    snprintf(sub, sizeof sub, "%s/cat", f->dir);
    int rc = brk_catalog_open(sub, true, &f->catalog, warn, sizeof warn, err);
    if (!rc)
        rc = brk_catalog_put_schema(f->catalog, SCHEMA, strlen(SCHEMA), false, name,
                                    sizeof name, err);
    if (!rc)
        rc = brk_catalog_put_table(f->catalog, TABLE, strlen(TABLE), name, sizeof name, err);
    snprintf(sub, sizeof sub, "%s/auth", f->dir);
    mkdir(sub, 0700);
    /* few iterations: a cleartext login costs a PBKDF2 run per input */
    brk_auth_opts ao = {.enabled = true, .data_dir = sub, .no_sync = true,
                        .bootstrap_user = "alice", .bootstrap_password = "s3cret",
                        .scram_iterations = 16};
    if (!rc)
        rc = brk_auth_open(&ao, &f->auth, err);
    if (rc)
        fuzz_pg_teardown(f);
    return rc;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

void fuzz_pg_teardown(fuzz_pg *f)
{
    brk_auth_close(f->auth);
    brk_catalog_close(f->catalog);
    if (f->dir[0])
        nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    memset(f, 0, sizeof *f);
}

/* Every Tannin SELECT: three rows of (LONG, STRING, DOUBLE, BOOLEAN) with
 * a NULL, or Pinot's 710 when the text mentions "bad" (the harness's
 * fixed answer, so Describe/Execute/cursors have rows to walk). */
static int fixed_exec(void *arg, struct brk_user *user, const char *sql, qry_result *res,
                      qry_err *errs, uint32_t *nerrs)
{
    (void)arg, (void)user;
    *nerrs = 0;
    if (strstr(sql, "bad")) {
        errs[0] = (qry_err){.code = 710, .position = 1};
        snprintf(errs[0].msg, sizeof errs[0].msg, "Unknown columnName 'bad'");
        *nerrs = 1;
        return -1;
    }
    static const char *const names[] = {"n", "s", "d", "b"};
    static const char *const types[] = {"LONG", "STRING", "DOUBLE", "BOOLEAN"};
    memset(res, 0, sizeof *res);
    res->ncols = 4;
    res->nrows = 3;
    res->names = qry_alloc(&res->arena, 4 * sizeof *res->names);
    res->types = qry_alloc(&res->arena, 4 * sizeof *res->types);
    res->cells = qry_alloc(&res->arena, 12 * sizeof *res->cells);
    for (int c = 0; c < 4; c++) {
        res->names[c] = names[c];
        res->types[c] = types[c];
    }
    for (int i = 0; i < 3; i++) {
        qry_val *row = res->cells + i * 4;
        row[0] = (qry_val){.kind = QV_LONG, .type = SEG_LONG, .i = 10 + i};
        row[1] = i == 1 ? (qry_val){.kind = QV_NULL}
                        : (qry_val){.kind = QV_STRING, .type = SEG_STRING, .s = "a'b",
                                    .len = 3};
        row[2] = (qry_val){.kind = QV_DOUBLE, .type = SEG_DOUBLE, .d = i / 3.0};
        row[3] = (qry_val){.kind = QV_LONG, .type = SEG_BOOLEAN, .i = i & 1};
    }
    return TN_OK;
}

static void startup_msg(tn_buf *b, const char *user)
{
    size_t at = brk_pg_begin(b, 0);
    brk_pg_put_i32(b, BRK_PG_PROTO_3);
    brk_pg_put_cstr(b, "user");
    brk_pg_put_cstr(b, user);
    brk_pg_put_cstr(b, "database");
    brk_pg_put_cstr(b, "default");
    tn_buf_append(b, "", 1);
    brk_pg_end(b, at);
}

/* Checks that out[0, len) is whole backend messages of known types. */
static int check_framing(const uint8_t *out, size_t len, fuzz_pg_stats *st, char *err)
{
    static const char types[] = "RSKZTDCEIN123nstAGHWdcVv";
    for (size_t i = 0; i < len;) {
        if (len - i < 5 || !memchr(types, out[i], sizeof types - 1))
            return tn_err(err, TN_EINVAL, "output byte %zu: no message (type 0x%02x)", i,
                          out[i]);
        brk_pg_rd r;
        brk_pg_rd_init(&r, out + i + 1, 4);
        int32_t n = brk_pg_get_i32(&r);
        if (n < 4 || (size_t)n > len - i - 1)
            return tn_err(err, TN_EINVAL, "output byte %zu: '%c' length %d of %zu", i, out[i],
                          n, len - i - 1);
        if (out[i] == 'Z' && (n != 5 || !memchr("ITE", out[i + 5], 3)))
            return tn_err(err, TN_EINVAL, "ReadyForQuery with status 0x%02x", out[i + 5]);
        st->rows += out[i] == 'D';
        st->errors += out[i] == 'E';
        i += 1 + (size_t)n;
    }
    return TN_OK;
}

/* Feeds in[0, len) as brk_pg.c does: what the session leaves unconsumed
 * waits for the next chunk. */
static int drive(brk_pg_sess *s, const uint8_t *in, size_t len, size_t chunk,
                 fuzz_pg_stats *st, char *err)
{
    tn_buf pend = {0}, out = {0};
    bool close = false, logged = false;
    int rc = TN_OK;
    size_t at = 0;
    for (bool fed = false; !rc && !close && (at < len || fed);) {
        if (!fed) { /* a new chunk arrives; else the session left whole messages */
            size_t n = chunk && chunk < len - at ? chunk : len - at;
            tn_buf_append(&pend, in + at, n);
            at += n;
        }
        bool starting = brk_pg_sess_starting(s);
        size_t used = brk_pg_sess_feed(s, pend.data, pend.len, &out, &close);
        if (used > pend.len) {
            rc = tn_err(err, TN_EINVAL, "consumed %zu of %zu bytes", used, pend.len);
            break;
        }
        memmove(pend.data, pend.data + used, pend.len - used);
        pend.len -= used;
        fed = used && pend.len;
        brk_pg_sess_take_tls(s);
        /* SSLRequest/GSSENCRequest answers are single unframed bytes, and
         * come first: a framed answer to a startup is 'R' or 'E' */
        size_t skip = 0;
        while (starting && skip < out.len && (out.data[skip] == 'S' || out.data[skip] == 'N'))
            skip++;
        if (out.len) /* no answer yet: out.data may still be NULL */
            rc = check_framing(out.data + skip, out.len - skip, st, err);
        if (!logged && out.len && !brk_pg_sess_starting(s) && memchr(out.data, 'Z', out.len))
            logged = true;
        tn_buf_reset(&out);
    }
    st->logins += logged;
    tn_buf_free(&pend);
    tn_buf_free(&out);
    return rc;
}

int fuzz_pg_run(fuzz_pg *f, const uint8_t *data, size_t size, fuzz_pg_stats *st, char *err)
{
    if (size < 2)
        return TN_OK;
    int phase = data[0] & 3;
    brk_pg_sess_opts o = {.tls = data[0] & 4, .client = "fuzz", .max_message = 1u << 20,
                          .pid = 1, .secret = 2, .exec = fixed_exec, .catalog = f->catalog};
    if (phase >= 2) {
        o.auth = f->auth;
        o.auth_method = phase == 3 ? BRK_PG_AUTH_PASSWORD : BRK_PG_AUTH_SCRAM;
    }
    brk_pg_sess *s = brk_pg_sess_new(&o);
    tn_buf all = {0};
    if (phase)
        startup_msg(&all, phase == 1 ? "fuzz" : "alice");
    tn_buf_append(&all, data + 2, size - 2);
    int rc = drive(s, all.data, all.len, data[1], st, err);
    tn_buf_free(&all);
    brk_pg_sess_free(s);
    return rc;
}
