#!/usr/bin/env bash
# Integration test: differential test of the SQL engine against DuckDB.
# tests/integration/diff/gen.py writes ~20,000 deterministic rows (every
# column type, multi-value columns, real nulls, 60 days of epoch millis,
# unicode and quotes), cases.py the queries with a DuckDB query stating
# Pinot's semantics for each, and run.mjs runs every case through DuckDB and
# through `tannin sql --queries` (one invocation per layout: mixed, sealed,
# mutable), compares, and ends with `N passed, M failed, K skipped`.
#
# Needs node, npm (for tools/node/install.sh: @duckdb/node-api from the
# pinned lock file) and python3; without them it prints SKIP and passes.
# Knobs: TN_DIFF_ONLY=substring (case id or feature), TN_DIFF_SHOW=N,
#        TN_DIFF_LAYOUTS=mixed,sealed,mutable
set -u
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${TANNIN_BIN:-build/tannin}
[[ $BIN == /* || -x $BIN ]] || BIN="$ROOT/$BIN"
DIFF="$ROOT/tests/integration/diff"

if [[ ! -x $BIN ]]; then
    echo "tannin binary not found: $BIN" >&2
    exit 1
fi
for tool in node python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (the DuckDB differential test needs node and python3)"
        exit 0
    fi
done
# install.sh is a no-op when DuckDB is already installed, else needs npm
if ! "$ROOT/tools/node/install.sh"; then
    echo "SKIP: tools/node/install.sh failed (npm missing, or no npm registry); DuckDB is not available"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tn-sqldiff.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 "$DIFF/gen.py" "$WORK" || exit 1
python3 "$DIFF/cases.py" "$WORK/cases.jsonl" || exit 1
args=(--bin "$BIN" --data "$WORK" --cases "$WORK/cases.jsonl" --node-modules "$ROOT/tools/node/node_modules"
      --layouts "${TN_DIFF_LAYOUTS:-mixed,sealed,mutable}" --show "${TN_DIFF_SHOW:-60}")
[[ -n ${TN_DIFF_ONLY:-} ]] && args+=(--only "$TN_DIFF_ONLY")
node "$DIFF/run.mjs" "${args[@]}"
