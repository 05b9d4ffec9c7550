#!/usr/bin/env bash
# Builds the SQL front-end fuzzer with clang's libFuzzer + ASan/UBSan and runs
# it for SECONDS (default 600), keeping new inputs in tests/fuzz/sql (the
# corpus every test run replays). Not part of CI: run by hand.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECS=${1:-600}
B="$ROOT/build-fuzz"
cmake -S "$ROOT" -B "$B" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DTN_SANITIZE=ON -DTN_FUZZ=ON >/dev/null
cmake --build "$B" --target fuzz_sql -j"$(nproc)"
mkdir -p "$ROOT/tests/fuzz/sql"
"$B/fuzz_sql" -max_total_time="$SECS" -max_len=2048 -timeout=10 -rss_limit_mb=4096 \
    "$ROOT/tests/fuzz/sql"
