/*
 * brk_scram.h: the server side of a SCRAM-SHA-256 exchange (RFC 5802 with
 * RFC 7677's hash), as the PostgreSQL endpoint runs it, without I/O:
 * parse the client-first message and answer server-first, then check the
 * client-final message's proof and answer server-final. No channel
 * binding: the gs2 headers "n,," and "y,," are accepted, "p=..." refused
 * (we never offer SCRAM-SHA-256-PLUS). The password is never seen: the
 * proof is checked against the user's verifier (StoredKey, ServerKey).
 */
#ifndef BRK_SCRAM_H
#define BRK_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "brk_auth.h"
#include "tn_common.h"

/* Outcomes; the message buffer (TN_ERRLEN) says why for MALFORMED. */
enum {
    BRK_SCRAM_OK = 0,
    BRK_SCRAM_MALFORMED = -1,     /* a protocol violation (SQLSTATE 08P01) */
    BRK_SCRAM_DENIED = -2,        /* a well-formed but wrong proof (28P01) */
};

/* One exchange; zero it (or brk_scram_init) before use, brk_scram_reset
 * after. */
typedef struct brk_scram {
    int step;                     /* 0: expects client-first, 1: client-final, 2: done */
    char gs2[4];                  /* the client's gs2 header: "n,," or "y,," */
    char *client_first_bare;      /* heap: part of the AuthMessage */
    char *server_first;           /* heap */
    char *nonce;                  /* heap: client nonce + server nonce */
    brk_scram_verifier v;
} brk_scram;

void brk_scram_init(brk_scram *s);
/* Frees what the exchange holds and wipes the keys; s can be reused. */
void brk_scram_reset(brk_scram *s);

/* A fresh server nonce: 24 bytes from the kernel's CSPRNG in base64
 * (32 printable characters, none a ','). cap >= 33. TN_EIO without random
 * bytes. */
int brk_scram_nonce(char *out, size_t cap);

/* Handles the client-first message msg[0, len) (not NUL-terminated; a NUL
 * inside is malformed) with the user's verifier v and server_nonce
 * (printable, no ','), appending server-first to out. */
int brk_scram_client_first(brk_scram *s, const brk_scram_verifier *v, const char *server_nonce,
                           const char *msg, size_t len, tn_buf *out, char *err);

/* Handles the client-final message: OK appends server-final ("v=...") to
 * out; DENIED when the proof does not match (compared in constant time). */
int brk_scram_client_final(brk_scram *s, const char *msg, size_t len, tn_buf *out, char *err);

/* The verifier of password (used as given: ASCII passwords need no
 * SASLprep) with salt and iterations, as a client derives it. */
int brk_scram_make_verifier(const char *password, const uint8_t *salt, uint32_t salt_len,
                            uint32_t iterations, brk_scram_verifier *v, char *err);

/* Standard base64 with padding; decode is strict (no whitespace, padding
 * only at the end) and returns the byte count or -1. */
void brk_scram_b64_encode(const uint8_t *in, size_t n, tn_buf *out);
long brk_scram_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

#endif
