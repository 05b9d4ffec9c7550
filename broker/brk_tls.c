/*
 * brk_tls.c: the OpenSSL server context behind brk_tls.h.
 */
#include "brk_tls.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tn_common.h"

struct brk_tls {
    SSL_CTX *ctx;
};

/* OpenSSL's error queue as one line: the file and the reason. */
static int tls_fail(SSL_CTX *ctx, char *err, const char *what, const char *file)
{
    unsigned long e = ERR_get_error();
    char why[256] = "unknown error";
    if (e)
        ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return tn_err(err, TN_EINVAL, "TLS: %s %s: %s", what, file ? file : "", why);
}

int brk_tls_open(const char *cert_file, const char *key_file, brk_tls **out, char *err)
{
    *out = NULL;
    if (!cert_file || !key_file) {
        return tn_err(err, TN_EINVAL, "TLS needs both a certificate and a key file");
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return tls_fail(NULL, err, "cannot create a context", NULL);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* no renegotiation and no compression: both have had attacks */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        return tls_fail(ctx, err, "cannot load certificate", cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        return tls_fail(ctx, err, "cannot load private key", key_file);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return tls_fail(ctx, err, "the key does not match the certificate", key_file);
    brk_tls *t = tn_calloc(1, sizeof *t);
    t->ctx = ctx;
    *out = t;
    return TN_OK;
}

void brk_tls_close(brk_tls *t)
{
    if (!t)
        return;
    SSL_CTX_free(t->ctx);
    free(t);
}

struct ssl_st *brk_tls_new_ssl(brk_tls *t)
{
    return SSL_new(t->ctx);
}
