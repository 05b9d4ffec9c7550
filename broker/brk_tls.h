/*
 * brk_tls.h: the broker's TLS server context (OpenSSL), shared by the HTTP
 * ports and the PostgreSQL endpoint: certificate chain and private key
 * from PEM files named in the config, TLS 1.2 or newer. Connections wrap
 * their sockets in libevent's OpenSSL bufferevents with brk_tls_new_ssl.
 */
#ifndef BRK_TLS_H
#define BRK_TLS_H

typedef struct brk_tls brk_tls;
struct ssl_st;

/* Loads cert_file (PEM chain) and key_file (PEM key) and checks that they
 * match. TN_EINVAL with OpenSSL's reason in err. */
int brk_tls_open(const char *cert_file, const char *key_file, brk_tls **out, char *err);
void brk_tls_close(brk_tls *t);
/* A fresh server-side SSL object for one connection (NULL when OpenSSL is
 * out of memory); the bufferevent that takes it frees it. */
struct ssl_st *brk_tls_new_ssl(brk_tls *t);

#endif
