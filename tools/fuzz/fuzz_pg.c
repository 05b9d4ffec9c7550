/*
 * fuzz_pg.c: libFuzzer target for the PostgreSQL wire endpoint's session
 * (brk_pg_sess: framing, startup, SCRAM and cleartext logins, the simple
 * and extended protocols, cursors, the pg_catalog evaluator). Any bytes
 * must give answers or a clean close, never a crash, a leak, undefined
 * behaviour or a malformed message (the harness, fuzz_pg_drive.c, checks
 * the output's framing).
 *
 *   tools/fuzz/run.sh pg [SECONDS]   grows tests/fuzz/pg/
 * The corpus is replayed by tests/unit/test_brk_pg_fuzz_corpus.c in every
 * test run.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_pg.h"
#include "tn_common.h"

static fuzz_pg harness;
static bool ready;

static void cleanup(void)
{
    fuzz_pg_teardown(&harness);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[TN_ERRLEN];
    if (!ready) {
        if (fuzz_pg_setup(&harness, err)) {
            fprintf(stderr, "fuzz_pg: %s\n", err);
            abort();
        }
        ready = true;
        atexit(cleanup);
    }
    fuzz_pg_stats st = {0};
    if (fuzz_pg_run(&harness, data, size, &st, err)) {
        fprintf(stderr, "fuzz_pg: %s\n", err);
        abort();
    }
    return 0;
}
