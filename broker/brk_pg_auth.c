/*
 * brk_pg_auth.c: a PostgreSQL login against the broker's users
 * (brk_auth.h): SCRAM-SHA-256 over SASL (AuthenticationSASL 10,
 * SASLContinue 11, SASLFinal 12; the exchange itself is brk_scram.c's) or
 * a cleartext password (AuthenticationCleartextPassword 3), trust when
 * auth is off; then the per-user connection bound and the audit line.
 * Every failure to prove a password gives the same 28P01 message, for an
 * unknown user too, so the answer never tells which users exist.
 */
#include "brk_pg_int.h"

#include <stdio.h>
#include <string.h>

#define SCRAM_MECH "SCRAM-SHA-256"

static void audit_login(brk_pg_sess *s, const char *user, int status, const char *detail)
{
    if (!s->o.auth)
        return;
    brk_audit_rec r = {.user = user, .endpoint = "pg", .client = s->o.client,
                       .action = "login", .status = status, .detail = detail,
                       .ms = (int64_t)((tn_mono_ns() - s->login_ns) / 1000000)};
    brk_audit(s->o.auth, &r);
}

/* A wrong password, an unknown user or a user gone meanwhile: one answer. */
static void deny(brk_pg_sess *s, tn_buf *out, bool *close)
{
    char msg[160];
    snprintf(msg, sizeof msg, "password authentication failed for user \"%s\"", s->user);
    audit_login(s, NULL, 401, msg);
    pg_fatal(s, out, "28P01", msg, close);
}

static void protocol_error(brk_pg_sess *s, tn_buf *out, const char *why, bool *close)
{
    char detail[TN_ERRLEN + 96];
    snprintf(detail, sizeof detail, "user \"%.64s\": %.*s", s->user, TN_ERRLEN, why);
    audit_login(s, NULL, 400, detail);
    pg_fatal(s, out, "08P01", why, close);
}

/* Logged in as u (the reference passes to the session), unless u is over
 * its connection bound. */
static void login_as(brk_pg_sess *s, brk_user *u, tn_buf *out, bool *close)
{
    if (s->o.auth && brk_auth_enabled(s->o.auth)) {
        if (!brk_auth_conn_acquire(s->o.auth, u)) {
            char msg[160];
            snprintf(msg, sizeof msg, "too many connections for role \"%s\"", s->user);
            audit_login(s, brk_user_name(u), 429, msg);
            brk_user_unref(u);
            pg_fatal(s, out, "53300", msg, close);
            return;
        }
        s->conn_held = true;
    }
    s->who = u;
    audit_login(s, u ? brk_user_name(u) : s->user, 0, NULL);
    pg_send_welcome(s, out);
}

static void send_auth(tn_buf *out, int32_t code, const void *data, size_t n)
{
    size_t at = brk_pg_begin(out, 'R');
    brk_pg_put_i32(out, code);
    tn_buf_append(out, data, n);
    brk_pg_end(out, at);
}

/* Auth off: the unrestricted snapshot brk_auth gives whoever asks. */
static void trust(brk_pg_sess *s, tn_buf *out, bool *close)
{
    brk_user *u = NULL;
    if (s->o.auth && brk_auth_user(s->o.auth, s->user, &u) != BRK_AUTH_OK) {
        deny(s, out, close);
        return;
    }
    login_as(s, u, out, close);
}

void pg_auth_start(brk_pg_sess *s, tn_buf *out, bool *close)
{
    if (!s->o.auth || !brk_auth_enabled(s->o.auth)) {
        trust(s, out, close);
        return;
    }
    if (s->o.auth_method && !strcmp(s->o.auth_method, BRK_PG_AUTH_PASSWORD)) {
        send_auth(out, 3, NULL, 0);
        s->state = PG_PASSWORD;
        return;
    }
    /* the mechanism list: one name, then an empty one */
    send_auth(out, 10, SCRAM_MECH "\0", sizeof SCRAM_MECH + 1);
    s->state = PG_SASL_FIRST;
}

static void on_password(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out, bool *close)
{
    const char *pw = brk_pg_get_cstr(r);
    if (r->bad || r->off != r->len) {
        protocol_error(s, out, "malformed password message", close);
        return;
    }
    brk_user *u = NULL;
    if (brk_auth_password(s->o.auth, s->user, pw, &u) != BRK_AUTH_OK) {
        deny(s, out, close);
        return;
    }
    login_as(s, u, out, close);
}

/* SASLInitialResponse: the mechanism, then client-first-message. */
static void on_sasl_first(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out, bool *close)
{
    const char *mech = brk_pg_get_cstr(r);
    int32_t n = brk_pg_get_i32(r);
    const uint8_t *data = n >= 0 ? brk_pg_get_bytes(r, (size_t)n) : NULL;
    if (r->bad || n < 0 || r->off != r->len) {
        protocol_error(s, out, n < 0 && !r->bad ? "malformed SCRAM message: the "
                       "client-first-message is missing" : "malformed SASLInitialResponse",
                       close);
        return;
    }
    if (strcmp(mech, SCRAM_MECH)) {
        protocol_error(s, out, "client selected an invalid SASL authentication mechanism",
                       close);
        return;
    }
    brk_scram_verifier v;
    brk_auth_scram_verifier(s->o.auth, s->user, &v);
    char nonce[48], err[TN_ERRLEN];
    if (brk_scram_nonce(nonce, sizeof nonce)) {
        pg_fatal(s, out, "58000", "no random bytes for a SCRAM nonce", close);
        return;
    }
    tn_buf reply = {0};
    int rc = brk_scram_client_first(&s->scram, &v, nonce, (const char *)data, (size_t)n,
                                    &reply, err);
    if (rc) {
        protocol_error(s, out, err, close);
    } else {
        send_auth(out, 11, reply.data, reply.len);
        s->state = PG_SASL_FINAL;
    }
    tn_buf_free(&reply);
}

/* SASLResponse: client-final-message. An unknown user's fake verifier
 * cannot match, and is refused even if it somehow did. */
static void on_sasl_final(brk_pg_sess *s, brk_pg_rd *r, tn_buf *out, bool *close)
{
    size_t n = r->len - r->off;
    const uint8_t *data = brk_pg_get_bytes(r, n);
    char err[TN_ERRLEN];
    tn_buf reply = {0};
    int rc = brk_scram_client_final(&s->scram, (const char *)data, n, &reply, err);
    brk_user *u = NULL;
    if (rc == BRK_SCRAM_MALFORMED) {
        protocol_error(s, out, err, close);
    } else if (rc || !s->scram.v.exists ||
               brk_auth_user(s->o.auth, s->user, &u) != BRK_AUTH_OK) {
        deny(s, out, close);
    } else {
        send_auth(out, 12, reply.data, reply.len);
        login_as(s, u, out, close);
    }
    tn_buf_free(&reply);
    brk_scram_reset(&s->scram);
}

void pg_auth_message(brk_pg_sess *s, uint8_t type, brk_pg_rd *r, tn_buf *out, bool *close)
{
    if (type != 'p') {
        char msg[96];
        snprintf(msg, sizeof msg, "expected %s response, got message type %u",
                 s->state == PG_PASSWORD ? "password" : "SASL", type);
        protocol_error(s, out, msg, close);
        return;
    }
    switch (s->state) {
    case PG_PASSWORD: on_password(s, r, out, close); break;
    case PG_SASL_FIRST: on_sasl_first(s, r, out, close); break;
    default: on_sasl_final(s, r, out, close); break;
    }
}

void pg_auth_end(brk_pg_sess *s)
{
    if (s->conn_held)
        brk_auth_conn_release(s->o.auth, s->who);
    s->conn_held = false;
    if (s->who)
        brk_user_unref(s->who);
    s->who = NULL;
    brk_scram_reset(&s->scram);
}
