#!/usr/bin/env bash
# http-bench.sh: the broker's HTTP query path under load, in one run:
# starts one server and one broker on loopback, loads the airline sample as
# an OFFLINE table (one segment) through /ingestFromFile, then runs
# `tannin bench http` for a selective dashboard query and a group-by at 1,
# 8 and 64 clients, each beside the same query run in-process over the
# same rows (the routing + HTTP overhead as a ratio).
#   tools/bench/http-bench.sh [--seconds S]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${TANNIN_BIN:-$ROOT/build/tannin}
DATA=$ROOT/../shared/data/airlineStats
SECS=${2:-3}
[ "${1:-}" = "--seconds" ] || SECS=3
T=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

wait_line() { for _ in $(seq 1 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done; cat "$1"; exit 1; }
"$BIN" server --data-dir "$T/s" --port 0 --admin-port 0 --no-sync >"$T/s.out" 2>"$T/s.err" &
PIDS+=($!)
wait_line "$T/s.out" "server ready"
SRV=$(sed -n 's/.*query \([0-9.:]*\).*/\1/p' "$T/s.out")
"$BIN" broker --data-dir "$T/b" --servers "$SRV" --http-port 0 --admin-port 0 >"$T/b.out" 2>"$T/b.err" &
PIDS+=($!)
wait_line "$T/b.out" "broker ready"
HTTP=$(sed -n 's/.*http \([0-9.:]*\).*/\1/p' "$T/b.out")
ADMIN=$(sed -n 's/.*admin \([0-9.:]*\).*/\1/p' "$T/b.out")
python3 "$ROOT/../shared/tools/pinot-suite" load --controller "http://$ADMIN" --data "$DATA" \
    --broker "http://$HTTP" --wait 60 >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for sql in "SELECT COUNT(*) FROM airlineStats WHERE Origin = 'JFK' AND DayofMonth = 15" \
           "SELECT Carrier, COUNT(*), AVG(ArrDelay) FROM airlineStats GROUP BY Carrier ORDER BY COUNT(*) DESC LIMIT 5"; do
    "$BIN" bench http --url "http://$HTTP" --sql "$sql" --clients 1,8,64 --seconds "$SECS" \
        --schema "$DATA/airlineStats_schema.json" --data "$DATA/airlineStats.jsonl"
    echo
done
