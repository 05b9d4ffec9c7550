/*
 * brk_auth_cred.c: checking credentials. Passwords are kept only as
 * SCRAM-SHA-256 verifiers (RFC 5802/7677, PostgreSQL's text form), so one
 * stored secret serves SCRAM on the PostgreSQL endpoint and cleartext
 * checks (HTTP Basic, PostgreSQL password message) alike. Every secret
 * comparison is constant-time.
 *
 * A PBKDF2 check costs milliseconds by design, which HTTP Basic would pay
 * on every request; so the last password that verified for a user is
 * remembered as an HMAC under a random per-process key, and a request
 * with the same password costs one HMAC. Bearer tokens from /auth/login
 * are random 256-bit strings of which only the SHA-256 is kept.
 */
#include "brk_auth_int.h"
#include "brk_scram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define MAX_TOKENS 10000
#define BASIC_MAX_B64 1544 /* base64 of the longest name, ':' and password */
/* Guessing backoff: after FREE_FAILS wrong passwords in a row a user's
 * password is not even checked for 2^(n - FREE_FAILS) seconds (at most
 * MAX_BACKOFF_S) after the last failure. Online guessing slows to a crawl;
 * the real user waits seconds, and a success resets the count. */
#define FREE_FAILS 5
#define MAX_BACKOFF_S 30

bool brk_random(void *p, size_t n)
{
    uint8_t *b = p;
    while (n) {
        ssize_t k = getrandom(b, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        b += k;
        n -= (size_t)k;
    }
    return true;
}

static void hmac256(const void *key, size_t klen, const void *msg, size_t mlen, uint8_t out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n);
}

/* ---- verifiers ------------------------------------------------------------ */

int brk_scram_make(const char *password, uint32_t iterations, brk_scram_verifier *v, char *err)
{
    uint8_t salt[16];
    if (!brk_random(salt, sizeof salt))
        return tn_err(err, TN_EIO, "no random bytes for a salt");
    return brk_scram_make_verifier(password, salt, sizeof salt, iterations ? iterations : 4096,
                                   v, err);
}

static void b64(const uint8_t *p, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

char *brk_scram_format(const brk_scram_verifier *v)
{
    char salt[32], stored[48], server[48];
    b64(v->salt, v->salt_len, salt);
    b64(v->stored_key, 32, stored);
    b64(v->server_key, 32, server);
    size_t n = 64 + strlen(salt) + strlen(stored) + strlen(server);
    char *s = tn_malloc(n);
    snprintf(s, n, "SCRAM-SHA-256$%u:%s$%s:%s", v->iterations, salt, stored, server);
    return s;
}

bool brk_scram_parse(const char *text, brk_scram_verifier *v)
{
    memset(v, 0, sizeof *v);
    const char *p = text, *prefix = "SCRAM-SHA-256$";
    if (strncmp(p, prefix, strlen(prefix)))
        return false;
    p += strlen(prefix);
    char *end;
    unsigned long it = strtoul(p, &end, 10);
    if (end == p || *end != ':' || it < 1 || it > 10000000)
        return false;
    const char *salt = end + 1, *dollar = strchr(salt, '$');
    const char *colon = dollar ? strchr(dollar, ':') : NULL;
    if (!dollar || !colon)
        return false;
    long sl = brk_scram_b64_decode(salt, (size_t)(dollar - salt), v->salt, sizeof v->salt);
    long kl = brk_scram_b64_decode(dollar + 1, (size_t)(colon - dollar - 1), v->stored_key, 32);
    long vl = brk_scram_b64_decode(colon + 1, strlen(colon + 1), v->server_key, 32);
    if (sl < 1 || kl != 32 || vl != 32)
        return false;
    v->salt_len = (uint32_t)sl;
    v->iterations = (uint32_t)it;
    v->exists = true;
    return true;
}

/* A verifier for a user that does not exist: stable per name, so a
 * client probing twice sees the same salt, and never matching. */
static void fake_verifier(brk_auth *a, const char *user, brk_scram_verifier *v)
{
    uint8_t mac[32];
    memset(v, 0, sizeof *v);
    hmac256(a->fake_key, sizeof a->fake_key, user, strlen(user), mac);
    memcpy(v->salt, mac, 16);
    v->salt_len = 16;
    v->iterations = a->o.scram_iterations;
    hmac256(a->fake_key, sizeof a->fake_key, mac, sizeof mac, v->stored_key);
    hmac256(a->fake_key, sizeof a->fake_key, v->stored_key, 32, v->server_key);
    v->exists = false;
}

void brk_auth_scram_verifier(brk_auth *a, const char *user, brk_scram_verifier *v)
{
    brk_user *u = brk_auth_find(a, user);
    if (u)
        *v = u->v;
    else
        fake_verifier(a, user, v);
    brk_user_unref(u);
}

/* ---- password checks -------------------------------------------------------- */

/* The cache's MAC binds the verifier too: a check that raced with a
 * password change can only ever match the old verifier. */
static void password_mac(brk_auth *a, const char *user, const char *password,
                         const uint8_t stored_key[32], uint8_t out[32])
{
    size_t un = strlen(user), pn = strlen(password), n = 32 + un + 1 + pn;
    uint8_t *m = tn_malloc(n);
    memcpy(m, stored_key, 32);
    memcpy(m + 32, user, un + 1); /* the NUL separates name and password */
    memcpy(m + 33 + un, password, pn);
    hmac256(a->cache_key, sizeof a->cache_key, m, n, out);
    OPENSSL_cleanse(m, n);
    free(m);
}

static bool cached_ok(brk_auth *a, const char *user, const uint8_t mac[32])
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, user);
    bool ok = acct->pw_cached && CRYPTO_memcmp(acct->pw_mac, mac, 32) == 0;
    if (ok)
        acct->fails = 0; /* a success ends any guessing streak */
    pthread_mutex_unlock(&a->count_lock);
    return ok;
}

static void cache_ok(brk_auth *a, const char *user, const uint8_t mac[32])
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, user);
    memcpy(acct->pw_mac, mac, 32);
    acct->pw_cached = true;
    pthread_mutex_unlock(&a->count_lock);
}

static bool backing_off(brk_auth *a, const char *name)
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, name);
    bool wait = false;
    if (acct->fails >= FREE_FAILS) {
        uint32_t k = TN_MIN(acct->fails - FREE_FAILS, 5u);
        uint64_t delay = (uint64_t)TN_MIN(1u << k, MAX_BACKOFF_S) * 1000000000u;
        wait = tn_mono_ns() - acct->last_fail_ns < delay;
    }
    pthread_mutex_unlock(&a->count_lock);
    return wait;
}

static void count_result(brk_auth *a, const char *name, bool ok)
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, name);
    acct->fails = ok ? 0 : acct->fails + 1;
    acct->last_fail_ns = ok ? 0 : tn_mono_ns();
    pthread_mutex_unlock(&a->count_lock);
}

/* Does password match u's verifier (u may be NULL: a fake one is checked
 * so that an unknown user costs the same time)? */
static bool password_ok(brk_auth *a, const brk_user *u, const char *name, const char *password)
{
    if (u && backing_off(a, name))
        return false;
    brk_scram_verifier v;
    if (u)
        v = u->v;
    else
        fake_verifier(a, name, &v);
    uint8_t mac[32];
    password_mac(a, name, password, v.stored_key, mac);
    if (u && cached_ok(a, name, mac))
        return true;
    brk_scram_verifier got;
    bool ok = brk_scram_make_verifier(password, v.salt, v.salt_len, v.iterations, &got, NULL) ==
                  0 &&
              v.exists && CRYPTO_memcmp(got.stored_key, v.stored_key, 32) == 0;
    OPENSSL_cleanse(&got, sizeof got);
    if (ok)
        cache_ok(a, name, mac);
    if (u)
        count_result(a, name, ok);
    return ok;
}

static void open_admin(brk_auth *a, brk_user **out)
{
    brk_user_ref(a->open_admin);
    *out = a->open_admin;
}

int brk_auth_user(brk_auth *a, const char *user, brk_user **out)
{
    *out = NULL;
    if (!a->o.enabled) {
        open_admin(a, out);
        return BRK_AUTH_OK;
    }
    *out = brk_auth_find(a, user);
    return *out ? BRK_AUTH_OK : BRK_AUTH_DENIED;
}

int brk_auth_password(brk_auth *a, const char *user, const char *password, brk_user **out)
{
    *out = NULL;
    if (!a->o.enabled) {
        open_admin(a, out);
        return BRK_AUTH_OK;
    }
    if (!user || !password)
        return BRK_AUTH_MISSING;
    brk_user *u = brk_auth_find(a, user);
    if (!password_ok(a, u, user, password)) {
        brk_user_unref(u);
        return BRK_AUTH_DENIED;
    }
    *out = u;
    return BRK_AUTH_OK;
}

/* ---- bearer tokens -------------------------------------------------------------- */

/* base64url without padding, as tokens travel in headers. */
static void b64url(const uint8_t *p, size_t n, char *out)
{
    b64(p, n, out);
    char *w = out;
    for (char *r = out; *r; r++) {
        if (*r == '=')
            break;
        *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
    }
    *w = 0;
}

/* Drops expired tokens, and when still full the one that expires first. */
static void prune_tokens(brk_auth *a, int64_t now)
{
    for (uint32_t i = 0; i < a->ntokens;) {
        if (a->tokens[i].expires_ms > now) {
            i++;
            continue;
        }
        free(a->tokens[i].user);
        a->tokens[i] = a->tokens[--a->ntokens];
    }
    if (a->ntokens < MAX_TOKENS)
        return;
    uint32_t old = 0;
    for (uint32_t i = 1; i < a->ntokens; i++)
        if (a->tokens[i].expires_ms < a->tokens[old].expires_ms)
            old = i;
    free(a->tokens[old].user);
    a->tokens[old] = a->tokens[--a->ntokens];
}

int brk_auth_login(brk_auth *a, const char *user, const char *password, char **token,
                   brk_user **out)
{
    *token = NULL;
    int rc = brk_auth_password(a, user, password, out);
    if (rc)
        return rc;
    uint8_t raw[32];
    if (!brk_random(raw, sizeof raw)) {
        brk_user_unref(*out);
        *out = NULL;
        return BRK_AUTH_DENIED;
    }
    char text[64];
    b64url(raw, sizeof raw, text);
    int64_t now = tn_now_ms();
    pthread_mutex_lock(&a->count_lock);
    prune_tokens(a, now);
    if (!(a->ntokens & (a->ntokens - 1)) || !a->tokens) /* grow at powers of two */
        a->tokens = tn_realloc(a->tokens, (a->ntokens ? a->ntokens * 2 : 8) * sizeof *a->tokens);
    brk_token *t = &a->tokens[a->ntokens++];
    SHA256((const uint8_t *)text, strlen(text), t->hash);
    t->user = tn_strdup(brk_user_name(*out));
    t->expires_ms = now + a->o.token_ttl_s * 1000;
    pthread_mutex_unlock(&a->count_lock);
    OPENSSL_cleanse(raw, sizeof raw);
    *token = tn_strdup(text);
    return BRK_AUTH_OK;
}

static int token_user(brk_auth *a, const char *token, brk_user **out)
{
    uint8_t h[32];
    SHA256((const uint8_t *)token, strlen(token), h);
    char name[128] = "";
    int64_t now = tn_now_ms();
    pthread_mutex_lock(&a->count_lock);
    for (uint32_t i = 0; i < a->ntokens; i++)
        if (CRYPTO_memcmp(a->tokens[i].hash, h, 32) == 0 && a->tokens[i].expires_ms > now)
            snprintf(name, sizeof name, "%s", a->tokens[i].user);
    pthread_mutex_unlock(&a->count_lock);
    *out = name[0] ? brk_auth_find(a, name) : NULL;
    return *out ? BRK_AUTH_OK : BRK_AUTH_DENIED;
}

void brk_auth_forget(brk_auth *a, const char *name)
{
    pthread_mutex_lock(&a->count_lock);
    brk_account *acct = brk_account_get(a, name);
    acct->pw_cached = false;
    OPENSSL_cleanse(acct->pw_mac, sizeof acct->pw_mac);
    for (uint32_t i = 0; i < a->ntokens;) {
        if (strcmp(a->tokens[i].user, name)) {
            i++;
            continue;
        }
        free(a->tokens[i].user);
        a->tokens[i] = a->tokens[--a->ntokens];
    }
    pthread_mutex_unlock(&a->count_lock);
}

/* ---- HTTP Authorization ------------------------------------------------------ */

bool brk_auth_basic_split(const char *authorization, char *user, size_t ucap, char *pw,
                          size_t pcap)
{
    if (!authorization || strncasecmp(authorization, "Basic ", 6))
        return false;
    const char *p = authorization + 6;
    while (*p == ' ')
        p++;
    /* clients may leave the padding out: put it back for the decoder */
    size_t n = strlen(p), pad = 0;
    while (pad < n && p[n - 1 - pad] == '=')
        pad++;
    size_t body = n - pad;
    char padded[BASIC_MAX_B64 + 4];
    if (pad > 2 || body % 4 == 1 || body > BASIC_MAX_B64)
        return false;
    memcpy(padded, p, body);
    while (body % 4)
        padded[body++] = '=';
    uint8_t raw[BASIC_MAX_B64 / 4 * 3];
    long k = brk_scram_b64_decode(padded, body, raw, sizeof raw);
    const uint8_t *colon = k > 0 ? memchr(raw, ':', (size_t)k) : NULL;
    bool ok = colon && !memchr(raw, 0, (size_t)k);
    size_t ulen = ok ? (size_t)(colon - raw) : 0, plen = ok ? (size_t)k - ulen - 1 : 0;
    ok = ok && ulen < ucap && plen < pcap;
    if (ok) {
        memcpy(user, raw, ulen);
        user[ulen] = 0;
        memcpy(pw, colon + 1, plen);
        pw[plen] = 0;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(padded, sizeof padded);
    return ok;
}

static int basic_user(brk_auth *a, const char *authorization, brk_user **out)
{
    char user[BRK_AUTH_MAX_USER + 1], pw[BRK_AUTH_MAX_PASSWORD + 1];
    if (!brk_auth_basic_split(authorization, user, sizeof user, pw, sizeof pw))
        return BRK_AUTH_DENIED;
    int rc = brk_auth_password(a, user, pw, out);
    OPENSSL_cleanse(pw, sizeof pw);
    return rc;
}

int brk_auth_http(brk_auth *a, const char *authorization, brk_user **out)
{
    *out = NULL;
    if (!a->o.enabled) {
        open_admin(a, out);
        return BRK_AUTH_OK;
    }
    if (!authorization || !*authorization)
        return BRK_AUTH_MISSING;
    const char *p = authorization;
    while (*p == ' ')
        p++;
    if (!strncasecmp(p, "Basic ", 6))
        return basic_user(a, p, out);
    if (!strncasecmp(p, "Bearer ", 7)) {
        for (p += 7; *p == ' '; p++)
            ;
        return token_user(a, p, out);
    }
    return BRK_AUTH_DENIED;
}
