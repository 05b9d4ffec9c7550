#!/usr/bin/env bash
# Builds a fuzzer with clang's libFuzzer + ASan/UBSan and runs it for
# SECONDS (default 600) on one core, keeping new inputs in its corpus (which
# every test run replays). Not part of CI: run by hand.
#   tools/fuzz/run.sh [sql] [SECONDS]   SQL front end        -> tests/fuzz/sql
#   tools/fuzz/run.sh pg [SECONDS]      PostgreSQL wire       -> tests/fuzz/pg
#   tools/fuzz/run.sh pg-merge          minimise tests/fuzz/pg (-merge=1; drops found
#                                       inputs slower than PRUNE_MS=700 to run alone)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET=sql
case "${1:-}" in
sql | pg | pg-merge) TARGET=$1; shift ;;
esac
SECS=${1:-600}
B="$ROOT/build-fuzz"
cmake -S "$ROOT" -B "$B" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DTN_SANITIZE=ON -DTN_FUZZ=ON >/dev/null
case $TARGET in
sql)
    cmake --build "$B" --target fuzz_sql -j"$(nproc)"
    mkdir -p "$ROOT/tests/fuzz/sql"
    "$B/fuzz_sql" -max_total_time="$SECS" -max_len=2048 -timeout=10 -rss_limit_mb=4096 \
        "$ROOT/tests/fuzz/sql"
    ;;
pg)
    cmake --build "$B" --target fuzz_pg -j"$(nproc)"
    mkdir -p "$ROOT/tests/fuzz/pg"
    # the dictionary gives the fuzzer message types, codes and SQL words
    # (crash artifacts go to build-fuzz/)
    "$B/fuzz_pg" -artifact_prefix="$B/" -max_total_time="$SECS" -max_len=8192 -timeout=10 \
        -rss_limit_mb=4096 -dict="$ROOT/tools/fuzz/pg.dict" "$ROOT/tests/fuzz/pg"
    ;;
pg-merge)
    cmake --build "$B" --target fuzz_pg -j"$(nproc)"
    # the old corpus is kept in build-fuzz/pg-before-merge: a harness bug
    # that crashes inputs would otherwise drop them for good
    M=$(mktemp -d)
    "$B/fuzz_pg" -artifact_prefix="$B/" -merge=1 -max_len=8192 -timeout=10 "$M" \
        "$ROOT/tests/fuzz/pg" 2>"$B/merge.log"
    if grep -q 'SUMMARY: ' "$B/merge.log"; then
        echo "merge: some inputs crash (see $B/merge.log); corpus left as it was" >&2
        rm -rf "$M"
        exit 1
    fi
    rm -rf "$B/pg-before-merge"
    mv "$ROOT/tests/fuzz/pg" "$B/pg-before-merge"
    # the named seeds (pg_seeds.py) and captured clients (pg_capture.sh)
    # stay under their names; the merge stored them as SHA-1 names
    for f in "$B"/pg-before-merge/seed_* "$B"/pg-before-merge/capture_*; do
        [ -e "$f" ] || continue
        rm -f "$M/$(sha1sum "$f" | cut -c1-40)"
        cp "$f" "$M/"
    done
    # the replay test runs in every CI build, ASan too: found inputs that
    # take over PRUNE_MS here (mostly pg_catalog queries) are dropped
    for f in "$M"/*; do
        case $(basename "$f") in seed_* | capture_*) continue ;; esac
        t0=$(date +%s%N)
        "$B/fuzz_pg" -runs=1 "$f" >/dev/null 2>&1 || true
        [ $((($(date +%s%N) - t0) / 1000000)) -gt "${PRUNE_MS:-700}" ] && rm -f "$f"
    done
    mv "$M" "$ROOT/tests/fuzz/pg"
    chmod 755 "$ROOT/tests/fuzz/pg"
    echo "tests/fuzz/pg: $(ls "$ROOT/tests/fuzz/pg" | wc -l) files, $(du -sh "$ROOT/tests/fuzz/pg" | cut -f1)"
    ;;
esac
