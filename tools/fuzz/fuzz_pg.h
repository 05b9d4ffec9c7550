/*
 * fuzz_pg.h: the PostgreSQL wire fuzzing harness shared by the libFuzzer
 * target (fuzz_pg.c) and the corpus replay test
 * (tests/unit/test_brk_pg_fuzz_corpus.c): one input is one connection's
 * bytes, fed to a brk_pg_sess in chunks the way brk_pg.c does.
 *
 * Input layout: byte 0 picks the phase the fuzzer's bytes start in
 * (low two bits: 0 = raw, from the startup packet on; 1 = after a trust
 * login; 2 = after a startup with SCRAM-SHA-256 required; 3 = after a
 * startup with a cleartext password required (user "alice", password
 * "s3cret"); bit 2: TLS offered). Byte 1 is the chunk size (0: all at
 * once). The rest is what the client sends; for phases 1-3 the harness
 * sends a valid StartupMessage first, so the fuzzer reaches the
 * post-login parser without having to find one. A SCRAM exchange cannot
 * complete (the server's nonce is random), so phase 2 exercises the SASL
 * messages' parsing and refusals; phase 3 logs in when the input sends
 * the password.
 */
#ifndef FUZZ_PG_H
#define FUZZ_PG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_pg {
    char dir[64];                  /* scratch directory of the stores */
    struct brk_catalog *catalog;   /* one table, "events" */
    struct brk_auth *auth;         /* auth on, user alice/s3cret */
} fuzz_pg;

typedef struct fuzz_pg_stats {
    uint32_t logins;               /* sessions that got ReadyForQuery */
    uint32_t rows;                 /* DataRows sent */
    uint32_t errors;               /* ErrorResponses sent */
} fuzz_pg_stats;

int fuzz_pg_setup(fuzz_pg *f, char *err);
void fuzz_pg_teardown(fuzz_pg *f);

/* Runs one input. TN_OK, or TN_EINVAL with err naming a broken invariant
 * (the session consumed more than it was given, or wrote a malformed
 * message after login): the fuzzer aborts on it, the test fails. */
int fuzz_pg_run(fuzz_pg *f, const uint8_t *data, size_t size, fuzz_pg_stats *st, char *err);

#endif
