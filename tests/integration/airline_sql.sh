#!/usr/bin/env bash
# Integration test: Pinot's airlineStats suite (200 queries with expected
# results) through `tannin sql`, over sealed and mutable segments alike, and
# over sealed-only and mutable-only layouts. Needs ../shared beside the clone.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA="$ROOT/../shared/data/airlineStats"
if [ ! -f "$DATA/expected-200.jsonl" ] || [ ! -f "$ROOT/../shared/tools/pinot-suite" ]; then
    echo "SKIP: $DATA or shared/tools/pinot-suite not found (shared/ is not beside this clone)"
    exit 0
fi
rc=0
for layout in mixed sealed mutable; do
    echo "== layout $layout"
    python3 "$ROOT/tests/integration/airline_check.py" "$BIN" "$DATA" --layout "$layout" || rc=1
done
exit $rc
