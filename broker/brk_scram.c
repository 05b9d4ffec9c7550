/*
 * brk_scram.c: the SCRAM-SHA-256 server exchange of brk_scram.h, on
 * OpenSSL's libcrypto (PBKDF2, HMAC, SHA-256, base64, constant-time
 * comparison, random bytes).
 */
#include "brk_scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define KEY_LEN 32
#define NONCE_BYTES 24
#define MAX_ITERATIONS 10000000u

void brk_scram_init(brk_scram *s)
{
    memset(s, 0, sizeof *s);
}

void brk_scram_reset(brk_scram *s)
{
    free(s->client_first_bare);
    free(s->server_first);
    free(s->nonce);
    OPENSSL_cleanse(s, sizeof *s);
    brk_scram_init(s);
}

/* ---- base64 ------------------------------------------------------------ */

void brk_scram_b64_encode(const uint8_t *in, size_t n, tn_buf *out)
{
    size_t need = 4 * ((n + 2) / 3) + 1;
    tn_buf_reserve(out, need);
    int w = EVP_EncodeBlock(out->data + out->len, in, (int)n);
    out->len += (size_t)w;
}

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

long brk_scram_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 || n > 4 * (cap / 3 + 1))
        return -1;
    size_t pad = 0;
    while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char(in[i]))
            return -1;
    if (!n)
        return 0;
    /* EVP_DecodeBlock counts the padding as zero bytes */
    uint8_t *tmp = tn_malloc(n / 4 * 3);
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
    long len = got < 0 ? -1 : (long)got - (long)pad;
    if (len > (long)cap)
        len = -1;
    if (len > 0)
        memcpy(out, tmp, (size_t)len);
    OPENSSL_cleanse(tmp, n / 4 * 3);
    free(tmp);
    return len;
}

/* ---- primitives -------------------------------------------------------- */

static bool hmac(const uint8_t *key, size_t klen, const void *msg, size_t n,
                 uint8_t out[KEY_LEN])
{
    unsigned int len = KEY_LEN;
    return HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &len) && len == KEY_LEN;
}

int brk_scram_make_verifier(const char *password, const uint8_t *salt, uint32_t salt_len,
                            uint32_t iterations, brk_scram_verifier *v, char *err)
{
    memset(v, 0, sizeof *v);
    if (salt_len > sizeof v->salt || !iterations)
        return tn_err(err, TN_EINVAL, "SCRAM salt over %zu bytes or zero iterations",
                      sizeof v->salt);
    uint8_t salted[KEY_LEN], client_key[KEY_LEN];
    bool ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
                                (int)iterations, EVP_sha256(), KEY_LEN, salted) == 1 &&
              hmac(salted, KEY_LEN, "Client Key", 10, client_key) &&
              SHA256(client_key, KEY_LEN, v->stored_key) &&
              hmac(salted, KEY_LEN, "Server Key", 10, v->server_key);
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    if (!ok)
        return tn_err(err, TN_EIO, "SCRAM key derivation failed");
    memcpy(v->salt, salt, salt_len);
    v->salt_len = salt_len;
    v->iterations = iterations;
    v->exists = true;
    return TN_OK;
}

int brk_scram_nonce(char *out, size_t cap)
{
    uint8_t raw[NONCE_BYTES];
    if (cap < 4 * NONCE_BYTES / 3 + 1 || RAND_bytes(raw, sizeof raw) != 1)
        return TN_EIO;
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    return TN_OK;
}

/* ---- parsing ----------------------------------------------------------- */

static int malformed(char *err, const char *why)
{
    tn_err(err, TN_EINVAL, "malformed SCRAM message: %s", why);
    return BRK_SCRAM_MALFORMED;
}

/* The message as a C string; NULL when it holds a NUL. */
static char *message_str(const char *msg, size_t len)
{
    if (memchr(msg, 0, len))
        return NULL;
    return tn_strndup(msg, len);
}

/* Reads "k=value" at *p (value up to ',' or the end): NULL unless the
 * attribute is k. Advances *p past the value (onto the ',' or NUL). */
static const char *attr(const char **p, char k, size_t *vlen)
{
    const char *a = *p;
    if (a[0] != k || a[1] != '=')
        return NULL;
    const char *v = a + 2;
    *vlen = strcspn(v, ",");
    *p = v + *vlen;
    return v;
}

/* A nonce: printable ASCII but ','. */
static bool nonce_ok(const char *v, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x21 || v[i] > 0x7e)
            return false;
    return true;
}

/* gs2-header: "n,," or "y,," (no authzid). Advances *p past it. */
static int parse_gs2(brk_scram *s, const char **p, char *err)
{
    const char *m = *p;
    if (m[0] == 'p') {
        tn_err(err, TN_EINVAL, "channel binding is not supported: the server offers "
               "SCRAM-SHA-256 only, not SCRAM-SHA-256-PLUS");
        return BRK_SCRAM_MALFORMED;
    }
    if ((m[0] != 'n' && m[0] != 'y') || m[1] != ',')
        return malformed(err, "unexpected channel-binding flag");
    if (m[2] == 'a' && m[3] == '=')
        return malformed(err, "an authorization identity is not supported");
    if (m[2] != ',')
        return malformed(err, "comma expected after the channel-binding flag");
    memcpy(s->gs2, m, 3);
    s->gs2[3] = 0;
    *p = m + 3;
    return BRK_SCRAM_OK;
}

/* Optional extensions (",x=value" with x a letter but the ones we know)
 * up to the end or the attribute stop; false when one is garbage. */
static bool skip_extensions(const char **p, char stop)
{
    while (**p == ',' && (*p)[1] != stop) {
        const char *a = *p + 1;
        if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z')) || a[1] != '=')
            return false;
        size_t n;
        attr(&a, *a, &n);
        *p = a;
    }
    return true;
}

static int parse_client_first(brk_scram *s, const char *m, const char **cnonce, size_t *cn,
                              char *err)
{
    const char *p = m;
    int rc = parse_gs2(s, &p, err);
    if (rc)
        return rc;
    const char *bare = p;
    if (p[0] == 'm' && p[1] == '=')
        return malformed(err, "the client requires an unsupported SCRAM extension");
    size_t ulen;
    /* the user name in the startup packet counts (PostgreSQL's rule): this
     * one is only checked for shape */
    if (!attr(&p, 'n', &ulen))
        return malformed(err, "user name attribute 'n' expected");
    if (*p++ != ',')
        return malformed(err, "nonce attribute 'r' expected");
    *cnonce = attr(&p, 'r', cn);
    if (!*cnonce || !nonce_ok(*cnonce, *cn))
        return malformed(err, "nonce attribute 'r' expected, printable and not empty");
    if (!skip_extensions(&p, 0) || *p)
        return malformed(err, "garbage at the end of client-first-message");
    s->client_first_bare = tn_strdup(bare);
    return BRK_SCRAM_OK;
}

/* ---- the exchange ------------------------------------------------------ */

int brk_scram_client_first(brk_scram *s, const brk_scram_verifier *v, const char *server_nonce,
                           const char *msg, size_t len, tn_buf *out, char *err)
{
    if (s->step != 0)
        return malformed(err, "client-first-message out of order");
    char *m = message_str(msg, len);
    if (!m)
        return malformed(err, "a NUL byte in client-first-message");
    const char *cnonce;
    size_t cn;
    int rc = parse_client_first(s, m, &cnonce, &cn, err);
    if (!rc) {
        size_t sn = strlen(server_nonce);
        s->nonce = tn_malloc(cn + sn + 1);
        memcpy(s->nonce, cnonce, cn);
        memcpy(s->nonce + cn, server_nonce, sn + 1);
        s->v = *v;
        tn_buf b = {0};
        tn_buf_append(&b, "r=", 2);
        tn_buf_append(&b, s->nonce, cn + sn);
        tn_buf_append(&b, ",s=", 3);
        brk_scram_b64_encode(v->salt, v->salt_len, &b);
        char it[24];
        int n = snprintf(it, sizeof it, ",i=%u", v->iterations);
        tn_buf_append(&b, it, (size_t)n);
        s->server_first = tn_strndup((const char *)b.data, b.len);
        tn_buf_append(out, b.data, b.len);
        tn_buf_free(&b);
        s->step = 1;
    }
    free(m);
    return rc;
}

/* The parts of a client-final-message: its channel binding (decoded), the
 * nonce, the proof, and where the proof starts (the AuthMessage ends
 * before its comma). */
typedef struct final_parts {
    uint8_t cbind[16];
    long cblen;
    const char *nonce;
    size_t nlen;
    uint8_t proof[KEY_LEN];
    size_t without_proof;
} final_parts;

static int parse_client_final(const char *m, final_parts *f, char *err)
{
    const char *p = m;
    size_t n;
    const char *c = attr(&p, 'c', &n);
    if (!c)
        return malformed(err, "channel-binding attribute 'c' expected");
    f->cblen = brk_scram_b64_decode(c, n, f->cbind, sizeof f->cbind);
    if (f->cblen < 0)
        return malformed(err, "channel-binding attribute 'c' is not base64");
    if (*p++ != ',')
        return malformed(err, "nonce attribute 'r' expected");
    f->nonce = attr(&p, 'r', &f->nlen);
    if (!f->nonce)
        return malformed(err, "nonce attribute 'r' expected");
    if (!skip_extensions(&p, 'p') || p[0] != ',' || p[1] != 'p' || p[2] != '=')
        return malformed(err, "proof attribute 'p' expected");
    f->without_proof = (size_t)(p - m);
    p += 3;
    size_t plen = strcspn(p, ",");
    if (p[plen])
        return malformed(err, "garbage after the proof attribute 'p'");
    if (brk_scram_b64_decode(p, plen, f->proof, sizeof f->proof) != KEY_LEN)
        return malformed(err, "the proof is not 32 bytes of base64");
    return BRK_SCRAM_OK;
}

/* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
static void auth_message(const brk_scram *s, const char *m, size_t without_proof, tn_buf *am)
{
    tn_buf_append(am, s->client_first_bare, strlen(s->client_first_bare));
    tn_buf_append(am, ",", 1);
    tn_buf_append(am, s->server_first, strlen(s->server_first));
    tn_buf_append(am, ",", 1);
    tn_buf_append(am, m, without_proof);
}

/* Is proof the client's key for the verifier? ClientKey = proof XOR
 * HMAC(StoredKey, AuthMessage), and H(ClientKey) must be StoredKey. */
static bool proof_ok(const brk_scram *s, const tn_buf *am, const uint8_t proof[KEY_LEN])
{
    uint8_t sig[KEY_LEN], key[KEY_LEN], h[KEY_LEN];
    bool ok = hmac(s->v.stored_key, KEY_LEN, am->data, am->len, sig);
    for (int i = 0; i < KEY_LEN; i++)
        key[i] = proof[i] ^ sig[i];
    ok = ok && SHA256(key, KEY_LEN, h) && !CRYPTO_memcmp(h, s->v.stored_key, KEY_LEN);
    OPENSSL_cleanse(key, sizeof key);
    return ok;
}

static int check_final(brk_scram *s, const char *m, tn_buf *out, char *err)
{
    final_parts f;
    int rc = parse_client_final(m, &f, err);
    if (rc)
        return rc;
    if ((size_t)f.cblen != strlen(s->gs2) || memcmp(f.cbind, s->gs2, (size_t)f.cblen))
        return malformed(err, "the channel binding does not match the client-first-message");
    if (f.nlen != strlen(s->nonce) || memcmp(f.nonce, s->nonce, f.nlen))
        return malformed(err, "the nonce does not match");
    tn_buf am = {0};
    auth_message(s, m, f.without_proof, &am);
    uint8_t server_sig[KEY_LEN];
    if (!proof_ok(s, &am, f.proof)) {
        rc = BRK_SCRAM_DENIED;
        tn_err(err, TN_EINVAL, "the SCRAM proof does not match");
    } else if (!hmac(s->v.server_key, KEY_LEN, am.data, am.len, server_sig)) {
        rc = BRK_SCRAM_DENIED;
        tn_err(err, TN_EIO, "SCRAM server signature failed");
    } else {
        tn_buf_append(out, "v=", 2);
        brk_scram_b64_encode(server_sig, KEY_LEN, out);
    }
    tn_buf_free(&am);
    return rc;
}

int brk_scram_client_final(brk_scram *s, const char *msg, size_t len, tn_buf *out, char *err)
{
    if (s->step != 1)
        return malformed(err, "client-final-message out of order");
    s->step = 2;
    char *m = message_str(msg, len);
    if (!m)
        return malformed(err, "a NUL byte in client-final-message");
    int rc = check_final(s, m, out, err);
    free(m);
    return rc;
}
