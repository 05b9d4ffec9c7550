/*
 * test_brk_pg_auth.c: logins on the PostgreSQL endpoint's session (bytes
 * in, bytes out) against a real user store (brk_auth in a scratch
 * directory): SCRAM-SHA-256 with the right and a wrong password, an
 * unknown user failing exactly like a wrong password, malformed SASL
 * messages (08P01 with a reason, and the next session still logs in),
 * the cleartext method, the per-user connection bound, trust with auth
 * off, SSLRequest answers, and a restricted user's catalog (only readable
 * tables, only visible columns).
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "brk_auth.h"
#include "brk_catalog.h"
#include "brk_pg_proto.h"
#include "brk_pg_sess.h"
#include "brk_scram.h"

static char root[64];
static int dirs;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static brk_auth *open_auth(bool enabled, uint32_t max_conns)
{
    char dir[128], err[TN_ERRLEN] = "";
    /* tests run in forked children: the pid keeps their stores apart */
    snprintf(dir, sizeof dir, "%s/auth%d.%d", root, (int)getpid(), dirs++);
    mkdir(root, 0700);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    brk_auth_opts o = {.enabled = enabled, .data_dir = dir, .no_sync = true,
                       .bootstrap_user = "alice", .bootstrap_password = "s3cret",
                       .max_conns_per_user = max_conns};
    brk_auth *a = NULL;
    ck_assert_msg(brk_auth_open(&o, &a, err) == TN_OK, "%s", err);
    return a;
}

/* ---- a conversation ------------------------------------------------------ */

typedef struct conv {
    brk_pg_sess *s;
    tn_buf out;
    bool close;
    int calls;
    brk_user *last_user;
} conv;

static int fake_exec(void *arg, struct brk_user *user, const char *sql, qry_result *res,
                     qry_err *errs, uint32_t *nerrs)
{
    (void)sql, (void)errs;
    conv *c = arg;
    c->calls++;
    c->last_user = user;
    *nerrs = 0;
    memset(res, 0, sizeof *res);
    return TN_OK;
}

static void conv_open(conv *c, brk_auth *a, const char *method, bool tls, brk_catalog *cat)
{
    memset(c, 0, sizeof *c);
    brk_pg_sess_opts o = {.auth = a, .auth_method = method, .tls = tls, .client = "1.2.3.4:5",
                          .pid = 7, .secret = 9, .exec = fake_exec, .exec_arg = c,
                          .catalog = cat};
    c->s = brk_pg_sess_new(&o);
}

static void conv_close(conv *c)
{
    brk_pg_sess_free(c->s);
    tn_buf_free(&c->out);
}

static void msg(tn_buf *b, char type, const void *body, size_t n)
{
    size_t at = brk_pg_begin(b, type);
    tn_buf_append(b, body, n);
    brk_pg_end(b, at);
}

static void startup_bytes(tn_buf *b, const char *user)
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

/* The message types in out from `from`, e.g. "RSSZ" ('S' alone: an SSL
 * answer byte is not framed; the caller knows when one is due). */
static const char *types_of(const tn_buf *out, size_t from)
{
    static char types[256];
    size_t n = 0;
    for (size_t i = from; i < out->len && n + 1 < sizeof types;) {
        ck_assert_uint_ge(out->len - i, 5);
        brk_pg_rd r;
        brk_pg_rd_init(&r, out->data + i + 1, 4);
        int32_t len = brk_pg_get_i32(&r);
        ck_assert(len >= 4 && (size_t)len <= out->len - i - 1);
        types[n++] = (char)out->data[i];
        i += 1 + (size_t)len;
    }
    types[n] = 0;
    return types;
}

/* Feeds in (all of it must be consumed); the answers' types. */
static const char *feed(conv *c, const tn_buf *in, size_t *from)
{
    *from = c->out.len;
    size_t used = brk_pg_sess_feed(c->s, in->data, in->len, &c->out, &c->close);
    ck_assert_uint_eq(used, in->len);
    return types_of(&c->out, *from);
}

static bool has(const conv *c, const char *text)
{
    return memmem(c->out.data, c->out.len, text, strlen(text)) != NULL;
}

/* ---- the client's side of SCRAM ------------------------------------------ */

/* The body of an 'R' message at out[from]: its code and data. */
static int32_t auth_code(const tn_buf *out, size_t from, const char **data, size_t *n)
{
    brk_pg_rd r;
    brk_pg_rd_init(&r, out->data + from + 1, out->len - from - 1);
    int32_t len = brk_pg_get_i32(&r);
    int32_t code = brk_pg_get_i32(&r);
    *data = (const char *)out->data + from + 9;
    *n = (size_t)len - 8;
    return code;
}

static void sasl_initial(tn_buf *in, const char *mech, const char *first, int32_t n)
{
    tn_buf body = {0};
    brk_pg_put_cstr(&body, mech);
    brk_pg_put_i32(&body, n);
    if (n > 0)
        tn_buf_append(&body, first, (size_t)n);
    msg(in, 'p', body.data, body.len);
    tn_buf_free(&body);
}

typedef struct client {
    char first_bare[64];
    char server_first[256];
    uint8_t server_key[32];
    char final[512];
} client;

/* client-final for password, given server-first ("r=..,s=..,i=.."). */
static void client_final(client *cl, const char *password)
{
    const char *r = cl->server_first + 2;
    size_t rn = strcspn(r, ",");
    const char *s64 = strstr(cl->server_first, ",s=") + 3;
    uint8_t salt[32];
    long sn = brk_scram_b64_decode(s64, strcspn(s64, ","), salt, sizeof salt);
    ck_assert_int_gt(sn, 0);
    int iters = atoi(strstr(cl->server_first, ",i=") + 3);
    uint8_t salted[32], ckey[32], stored[32], sig[32], proof[32];
    unsigned int len = 32;
    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)sn, iters, EVP_sha256(), 32,
                      salted);
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ckey, &len);
    HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, cl->server_key, &len);
    SHA256(ckey, 32, stored);
    char without[300], am[700];
    snprintf(without, sizeof without, "c=biws,r=%.*s", (int)rn, r);
    snprintf(am, sizeof am, "%s,%s,%s", cl->first_bare, cl->server_first, without);
    HMAC(EVP_sha256(), stored, 32, (const uint8_t *)am, strlen(am), sig, &len);
    for (int i = 0; i < 32; i++)
        proof[i] = ckey[i] ^ sig[i];
    tn_buf p64 = {0};
    brk_scram_b64_encode(proof, 32, &p64);
    snprintf(cl->final, sizeof cl->final, "%s,p=%.*s", without, (int)p64.len,
             (char *)p64.data);
    tn_buf_free(&p64);
}

/* Startup and client-first as user: the answers up to SASLContinue. */
static void scram_begin(conv *c, const char *user, client *cl)
{
    tn_buf in = {0};
    size_t from;
    startup_bytes(&in, user);
    ck_assert_str_eq(feed(c, &in, &from), "R");
    const char *data;
    size_t n;
    ck_assert_int_eq(auth_code(&c->out, from, &data, &n), 10);
    ck_assert_uint_eq(n, 15);
    ck_assert(!memcmp(data, "SCRAM-SHA-256\0\0", 15));
    snprintf(cl->first_bare, sizeof cl->first_bare, "n=,r=fyko+d2lbbFgONRv9qkxdawL");
    char first[80];
    snprintf(first, sizeof first, "n,,%s", cl->first_bare);
    tn_buf_reset(&in);
    sasl_initial(&in, "SCRAM-SHA-256", first, (int32_t)strlen(first));
    ck_assert_str_eq(feed(c, &in, &from), "R");
    ck_assert_int_eq(auth_code(&c->out, from, &data, &n), 11);
    ck_assert_uint_lt(n, sizeof cl->server_first);
    memcpy(cl->server_first, data, n);
    cl->server_first[n] = 0;
    ck_assert(!strncmp(cl->server_first, "r=fyko+d2lbbFgONRv9qkxdawL", 26));
    ck_assert_uint_ge(strcspn(cl->server_first, ","), 2 + 24 + 24); /* 18+ random bytes */
    tn_buf_free(&in);
}

/* Sends client-final for password; the answers' types. */
static const char *scram_end(conv *c, client *cl, const char *password, size_t *from)
{
    client_final(cl, password);
    tn_buf in = {0};
    msg(&in, 'p', cl->final, strlen(cl->final));
    const char *t = feed(c, &in, from);
    tn_buf_free(&in);
    return t;
}

static void scram_login_ok(conv *c, const char *user, const char *password)
{
    client cl;
    scram_begin(c, user, &cl);
    size_t from;
    ck_assert_str_eq(scram_end(c, &cl, password, &from), "RRSSSSSSSSSSSKZ");
    ck_assert(!c->close);
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(scram_login)
{
    brk_auth *a = open_auth(true, 0);
    conv c;
    conv_open(&c, a, NULL, false, NULL);
    client cl;
    scram_begin(&c, "alice", &cl);
    ck_assert_ptr_null(brk_pg_sess_user(c.s));
    size_t from;
    ck_assert_str_eq(scram_end(&c, &cl, "s3cret", &from), "RRSSSSSSSSSSSKZ");
    /* SASLFinal carries the server's signature: the client checks it */
    const char *data;
    size_t n;
    ck_assert_int_eq(auth_code(&c.out, from, &data, &n), 12);
    char am[700];
    snprintf(am, sizeof am, "%s,%s,%.*s", cl.first_bare, cl.server_first,
             (int)(strstr(cl.final, ",p=") - cl.final), cl.final);
    uint8_t sig[32];
    unsigned int len = 32;
    HMAC(EVP_sha256(), cl.server_key, 32, (const uint8_t *)am, strlen(am), sig, &len);
    tn_buf want = {0};
    tn_buf_append(&want, "v=", 2);
    brk_scram_b64_encode(sig, 32, &want);
    ck_assert_uint_eq(n, want.len);
    ck_assert(!memcmp(data, want.data, n));
    tn_buf_free(&want);
    /* queries run as the logged-in user */
    brk_user *u = brk_pg_sess_user(c.s);
    ck_assert_ptr_nonnull(u);
    ck_assert_str_eq(brk_user_name(u), "alice");
    tn_buf in = {0};
    msg(&in, 'Q', "SELECT a FROM t", 16);
    feed(&c, &in, &from);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_ptr_eq(c.last_user, u);
    tn_buf_free(&in);
    conv_close(&c);
    brk_auth_close(a);
}
END_TEST

START_TEST(scram_wrong_password_and_unknown_user)
{
    brk_auth *a = open_auth(true, 0);
    static const char *const who[][2] = {{"alice", "wrong"}, {"bob", "s3cret"}};
    char msgs[2][200];
    for (int i = 0; i < 2; i++) {
        conv c;
        conv_open(&c, a, NULL, false, NULL);
        client cl;
        scram_begin(&c, who[i][0], &cl); /* the same offer for a user who does not exist */
        size_t from;
        ck_assert_str_eq(scram_end(&c, &cl, who[i][1], &from), "E");
        ck_assert(c.close);
        ck_assert(has(&c, "FATAL") && has(&c, "28P01"));
        snprintf(msgs[i], sizeof msgs[i], "password authentication failed for user \"%s\"",
                 who[i][0]);
        ck_assert_msg(has(&c, msgs[i]), "%s", msgs[i]);
        ck_assert_ptr_null(brk_pg_sess_user(c.s));
        /* closed: nothing more is read */
        tn_buf in = {0};
        msg(&in, 'Q', "SELECT 1", 9);
        size_t before = c.out.len;
        brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close);
        ck_assert_uint_eq(c.out.len, before);
        tn_buf_free(&in);
        conv_close(&c);
    }
    /* and the next login works */
    conv c;
    conv_open(&c, a, NULL, false, NULL);
    scram_login_ok(&c, "alice", "s3cret");
    conv_close(&c);
    brk_auth_close(a);
}
END_TEST

/* One malformed step: after startup (and a good client-first when
 * first_ok), in gets 08P01 with reason in the message. */
static void malformed_case(brk_auth *a, bool first_ok, const tn_buf *in, const char *reason)
{
    conv c;
    conv_open(&c, a, NULL, false, NULL);
    size_t from;
    if (first_ok) {
        client cl;
        scram_begin(&c, "alice", &cl);
    } else {
        tn_buf st = {0};
        startup_bytes(&st, "alice");
        ck_assert_str_eq(feed(&c, &st, &from), "R");
        tn_buf_free(&st);
    }
    ck_assert_str_eq(feed(&c, in, &from), "E");
    ck_assert(c.close);
    ck_assert_msg(has(&c, "08P01") && has(&c, reason), "want %s", reason);
    conv_close(&c);
}

START_TEST(scram_malformed)
{
    brk_auth *a = open_auth(true, 0);
    tn_buf in = {0};
    sasl_initial(&in, "PLAIN", "n,,n=,r=abc", 11);
    malformed_case(a, false, &in, "invalid SASL authentication mechanism");
    tn_buf_reset(&in);
    sasl_initial(&in, "SCRAM-SHA-256", "p=tls-server-end-point,,n=,r=abc", 32);
    malformed_case(a, false, &in, "channel binding is not supported");
    tn_buf_reset(&in);
    sasl_initial(&in, "SCRAM-SHA-256", "garbage", 7);
    malformed_case(a, false, &in, "malformed SCRAM message");
    tn_buf_reset(&in);
    sasl_initial(&in, "SCRAM-SHA-256", NULL, -1);
    malformed_case(a, false, &in, "client-first-message is missing");
    tn_buf_reset(&in);
    msg(&in, 'p', "SCRAM-SHA-256\0\0\0\0\x7f", 19); /* length past the end */
    malformed_case(a, false, &in, "malformed SASLInitialResponse");
    tn_buf_reset(&in);
    msg(&in, 'Q', "SELECT 1", 9);
    malformed_case(a, false, &in, "expected SASL response");
    tn_buf_reset(&in);
    msg(&in, 'p', "c=biws", 6);
    malformed_case(a, true, &in, "nonce attribute");
    tn_buf_reset(&in);
    msg(&in, 'p', "c=biws,r=fyko+d2lbbFgONRv9qkxdawLx,p=AAAA", 41);
    malformed_case(a, true, &in, "32 bytes");
    tn_buf_reset(&in);
    static const char *const cb = "c=eSws,r=x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    msg(&in, 'p', cb, strlen(cb));
    malformed_case(a, true, &in, "channel binding does not match");
    tn_buf_reset(&in);
    static const char *const nn = "c=biws,r=x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    msg(&in, 'p', nn, strlen(nn));
    malformed_case(a, true, &in, "nonce does not match");
    tn_buf_free(&in);
    /* the store still serves */
    conv c;
    conv_open(&c, a, NULL, false, NULL);
    scram_login_ok(&c, "alice", "s3cret");
    conv_close(&c);
    brk_auth_close(a);
}
END_TEST

START_TEST(password_method)
{
    brk_auth *a = open_auth(true, 0);
    static const struct { const char *user, *pw, *types, *want; } cases[] = {
        {"alice", "wrong", "E", "password authentication failed for user \"alice\""},
        {"bob", "s3cret", "E", "password authentication failed for user \"bob\""},
        {"alice", "s3cret", "RSSSSSSSSSSSKZ", "session_authorization"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        conv c;
        conv_open(&c, a, BRK_PG_AUTH_PASSWORD, false, NULL);
        tn_buf in = {0};
        size_t from;
        startup_bytes(&in, cases[i].user);
        ck_assert_str_eq(feed(&c, &in, &from), "R");
        const char *data;
        size_t n;
        ck_assert_int_eq(auth_code(&c.out, from, &data, &n), 3);
        tn_buf_reset(&in);
        msg(&in, 'p', cases[i].pw, strlen(cases[i].pw) + 1);
        ck_assert_str_eq(feed(&c, &in, &from), cases[i].types);
        ck_assert(has(&c, cases[i].want));
        tn_buf_free(&in);
        conv_close(&c);
    }
    brk_auth_close(a);
}
END_TEST

START_TEST(connection_bound)
{
    brk_auth *a = open_auth(true, 1);
    conv c1, c2, c3;
    conv_open(&c1, a, NULL, false, NULL);
    scram_login_ok(&c1, "alice", "s3cret");
    conv_open(&c2, a, NULL, false, NULL);
    client cl;
    scram_begin(&c2, "alice", &cl);
    size_t from;
    ck_assert_str_eq(scram_end(&c2, &cl, "s3cret", &from), "RE");
    ck_assert(has(&c2, "53300") && has(&c2, "too many connections for role \"alice\""));
    ck_assert(c2.close);
    conv_close(&c2);
    conv_close(&c1); /* gives its slot back */
    conv_open(&c3, a, NULL, false, NULL);
    scram_login_ok(&c3, "alice", "s3cret");
    conv_close(&c3);
    brk_auth_close(a);
}
END_TEST

START_TEST(auth_off_trusts)
{
    brk_auth *a = open_auth(false, 1);
    for (int i = 0; i < 3; i++) { /* no connection bound either */
        conv c;
        conv_open(&c, a, NULL, false, NULL);
        tn_buf in = {0};
        size_t from;
        startup_bytes(&in, "anyone");
        ck_assert_str_eq(feed(&c, &in, &from), "RSSSSSSSSSSSKZ");
        ck_assert(brk_user_is_admin(brk_pg_sess_user(c.s)));
        tn_buf_free(&in);
        conv_close(&c);
    }
    brk_auth_close(a);
}
END_TEST

static void ssl_request(tn_buf *in)
{
    brk_pg_put_i32(in, 8);
    brk_pg_put_i32(in, BRK_PG_SSL_REQUEST);
}

START_TEST(ssl_requests)
{
    brk_auth *a = open_auth(true, 0);
    conv c;
    tn_buf in = {0};
    /* no TLS configured: 'N', and the login goes on in plain */
    conv_open(&c, a, NULL, false, NULL);
    ssl_request(&in);
    ck_assert_uint_eq(brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close), 8);
    ck_assert(c.out.len == 1 && c.out.data[0] == 'N' && !brk_pg_sess_take_tls(c.s));
    conv_close(&c);
    /* TLS: 'S' once, then the caller switches; a second request inside TLS
     * is a violation */
    conv_open(&c, a, NULL, true, NULL);
    ck_assert_uint_eq(brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close), 8);
    ck_assert(c.out.len == 1 && c.out.data[0] == 'S' && !c.close);
    ck_assert(brk_pg_sess_take_tls(c.s));
    ck_assert(!brk_pg_sess_take_tls(c.s));
    ck_assert(brk_pg_sess_starting(c.s));
    brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close);
    ck_assert(c.close && has(&c, "08P01"));
    conv_close(&c);
    /* plaintext right behind the SSLRequest (CVE-2021-23214): refused */
    conv_open(&c, a, NULL, true, NULL);
    startup_bytes(&in, "alice");
    brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close);
    ck_assert(c.out.data[0] == 'S' && c.close);
    ck_assert(has(&c, "received unencrypted data after SSL request"));
    ck_assert(!brk_pg_sess_take_tls(c.s));
    conv_close(&c);
    /* after the switch the login runs as usual */
    conv_open(&c, a, NULL, true, NULL);
    tn_buf_reset(&in);
    ssl_request(&in);
    brk_pg_sess_feed(c.s, in.data, in.len, &c.out, &c.close);
    ck_assert(brk_pg_sess_take_tls(c.s));
    tn_buf_reset(&c.out);
    scram_login_ok(&c, "alice", "s3cret");
    conv_close(&c);
    tn_buf_free(&in);
    brk_auth_close(a);
}
END_TEST

/* ---- the catalog as a restricted user sees it ------------------------------ */

static const char *SCHEMA =
    "{\"schemaName\":\"%s\",\"dimensionFieldSpecs\":[{\"name\":\"country\",\"dataType\":"
    "\"STRING\"},{\"name\":\"secret\",\"dataType\":\"STRING\"}],\"metricFieldSpecs\":"
    "[{\"name\":\"clicks\",\"dataType\":\"LONG\"}],\"dateTimeFieldSpecs\":[{\"name\":\"day\","
    "\"dataType\":\"INT\",\"format\":\"1:DAYS:EPOCH\",\"granularity\":\"1:DAYS\"}]}";
static const char *TABLE =
    "{\"tableName\":\"%s\",\"tableType\":\"OFFLINE\",\"segmentsConfig\":"
    "{\"timeColumnName\":\"day\",\"replication\":\"1\"},\"tenants\":{}}";

static brk_catalog *open_catalog(void)
{
    char dir[128], err[TN_ERRLEN] = "", warn[256] = "", name[256], js[1024];
    snprintf(dir, sizeof dir, "%s/cat%d", root, (int)getpid());
    brk_catalog *cat = NULL;
    ck_assert_msg(brk_catalog_open(dir, true, &cat, warn, sizeof warn, err) == TN_OK, "%s",
                  err);
    static const char *const names[] = {"events", "payroll"};
    for (int i = 0; i < 2; i++) {
        snprintf(js, sizeof js, SCHEMA, names[i]);
        ck_assert_msg(brk_catalog_put_schema(cat, js, strlen(js), false, name, sizeof name,
                                             err) == TN_OK, "%s", err);
        snprintf(js, sizeof js, TABLE, names[i]);
        ck_assert_msg(brk_catalog_put_table(cat, js, strlen(js), name, sizeof name, err) ==
                      TN_OK, "%s", err);
    }
    return cat;
}

/* The text cells of the DataRows in out from `from`: "a|b;c|d;". */
static void rows_text(const tn_buf *out, size_t from, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = from; i < out->len;) {
        brk_pg_rd r;
        brk_pg_rd_init(&r, out->data + i + 1, out->len - i - 1);
        int32_t len = brk_pg_get_i32(&r);
        if (out->data[i] == 'D') {
            int16_t nc = brk_pg_get_i16(&r);
            for (int k = 0; k < nc; k++) {
                int32_t vl = brk_pg_get_i32(&r);
                const uint8_t *v = vl > 0 ? brk_pg_get_bytes(&r, (size_t)vl) : NULL;
                n += (size_t)snprintf(buf + n, cap - n, "%s%.*s", k ? "|" : "",
                                      vl > 0 ? (int)vl : 0, v ? (const char *)v : "");
            }
            n += (size_t)snprintf(buf + n, cap - n, ";");
        }
        i += 1 + (size_t)len;
    }
}

static const char *query_rows(conv *c, const char *sql)
{
    static char text[2048];
    tn_buf in = {0};
    msg(&in, 'Q', sql, strlen(sql) + 1);
    size_t from;
    feed(c, &in, &from);
    rows_text(&c->out, from, text, sizeof text);
    tn_buf_free(&in);
    return text;
}

START_TEST(catalog_per_user)
{
    brk_auth *a = open_auth(true, 0);
    brk_catalog *cat = open_catalog();
    static const char ana[] =
        "{\"username\":\"ana\",\"password\":\"pw1\",\"component\":\"BROKER\",\"role\":\"USER\","
        "\"tables\":[\"events\"],\"permissions\":[\"READ\"],"
        "\"visibleColumns\":{\"events\":[\"country\",\"day\"]}}";
    char name[64], err[TN_ERRLEN] = "";
    ck_assert_msg(brk_auth_put_user(a, ana, strlen(ana), false, name, sizeof name, err) == TN_OK,
                  "%s", err);
    static const char *const tables_sql =
        "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
        "n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1";
    static const char *const cols_sql =
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "'public' ORDER BY 1, ordinal_position";
    static const char *const attr_sql =
        "SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = "
        "'events'::regclass AND a.attnum > 0 ORDER BY a.attnum";
    conv c;
    conv_open(&c, a, NULL, false, cat);
    scram_login_ok(&c, "ana", "pw1");
    ck_assert_str_eq(query_rows(&c, tables_sql), "events;");
    ck_assert_str_eq(query_rows(&c, cols_sql), "events|country;events|day;");
    ck_assert_str_eq(query_rows(&c, attr_sql), "country;day;");
    conv_close(&c);
    /* the admin sees everything */
    conv_open(&c, a, NULL, false, cat);
    scram_login_ok(&c, "alice", "s3cret");
    ck_assert_str_eq(query_rows(&c, tables_sql), "events;payroll;");
    ck_assert_str_eq(query_rows(&c, attr_sql), "country;secret;clicks;day;");
    conv_close(&c);
    brk_catalog_close(cat);
    brk_auth_close(a);
}
END_TEST

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_brk_pg_auth.%d", (int)getpid());
    Suite *suite = suite_create("brk_pg_auth");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scram_login);
    tcase_add_test(tc, scram_wrong_password_and_unknown_user);
    tcase_add_test(tc, scram_malformed);
    tcase_add_test(tc, password_method);
    tcase_add_test(tc, connection_bound);
    tcase_add_test(tc, auth_off_trusts);
    tcase_add_test(tc, ssl_requests);
    tcase_add_test(tc, catalog_per_user);
    suite_add_tcase(suite, tc);
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
