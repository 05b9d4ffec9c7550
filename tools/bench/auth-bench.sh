#!/usr/bin/env bash
# auth-bench.sh: what security costs on the HTTP query path, side by side
# in one run: one server holding 200,000 generated ad events (OFFLINE, one
# segment), and two brokers on it: one with auth off, one with --auth. The
# same dashboard query is run at 1 and 8 clients against
#   off     the open broker (audit log on, as by default)
#   basic   the --auth broker as an ADMIN with HTTP Basic (cached check)
#   bearer  the same with a token from /auth/login
#   rls     a USER whose row filter (aggregator = 'adnexa') and visible
#           columns the broker adds to every query
# and once more in the same order, so drift shows.
#   tools/bench/auth-bench.sh [--seconds S]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${TANNIN_BIN:-$ROOT/build/tannin}
SECS=3
[ "${1:-}" = "--seconds" ] && SECS=$2
T=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

wait_line() { for _ in $(seq 1 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done; cat "$1"; exit 1; }
"$BIN" server --data-dir "$T/s" --port 0 --admin-port 0 --no-sync >"$T/s.out" 2>"$T/s.err" &
PIDS+=($!)
wait_line "$T/s.out" "server ready"
SRV=$(sed -n 's/.*query \([0-9.:]*\).*/\1/p' "$T/s.out")
echo admin-pw >"$T/pw"
start() { # start NAME ARGS...: sets HTTP and ADMIN
    local name=$1; shift
    "$BIN" broker --data-dir "$T/$name" --servers "$SRV" --http-port 0 --admin-port 0 \
        --pg-port -1 --no-sync "$@" >"$T/$name.out" 2>"$T/$name.err" &
    PIDS+=($!)
    wait_line "$T/$name.out" "broker ready"
    HTTP=$(sed -n 's/.*http \([0-9.:]*\).*/\1/p' "$T/$name.out")
    ADMIN=$(sed -n 's/.*admin \([0-9.:]*\).*/\1/p' "$T/$name.out")
}
start open
OPEN=$HTTP
OPEN_ADMIN=$ADMIN
start auth --auth --admin-password-file "$T/pw"
AUTH=$HTTP
A=(-s -u admin:admin-pw)

python3 - "$ROOT/tools/demo/ad_events_schema.json" "$T" <<'P'
import json, sys
s = json.load(open(sys.argv[1])); s["schemaName"] = "ads"
json.dump(s, open(f"{sys.argv[2]}/schema.json", "w"))
json.dump({"tableName": "ads", "tableType": "OFFLINE",
           "segmentsConfig": {"timeColumnName": "ts", "replication": "1"}},
          open(f"{sys.argv[2]}/table.json", "w"))
P
"$BIN" gen ad-events --seed 3 --count 200000 --out "$T/ads.jsonl" 2>/dev/null
curl "${A[@]}" -X POST "http://$ADMIN/schemas" -H 'Content-Type: application/json' \
    --data-binary "@$T/schema.json" >/dev/null
curl "${A[@]}" -X POST "http://$ADMIN/tables" -H 'Content-Type: application/json' \
    --data-binary "@$T/table.json" >/dev/null
curl "${A[@]}" -X POST -F "file=@$T/ads.jsonl" \
    "http://$ADMIN/ingestFromFile?tableNameWithType=ads_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" >/dev/null
# the open broker learns the table from the same server: give it the schema and config too
curl -s -X POST "http://$OPEN_ADMIN/schemas" -H 'Content-Type: application/json' \
    --data-binary "@$T/schema.json" >/dev/null
curl -s -X POST "http://$OPEN_ADMIN/tables" -H 'Content-Type: application/json' \
    --data-binary "@$T/table.json" >/dev/null
curl "${A[@]}" -X POST "http://$ADMIN/users" -H 'Content-Type: application/json' --data-binary \
    '{"username":"adnexa","password":"pw","role":"USER","tables":["ads"],"permissions":["READ"],
      "rlsFilters":{"ads":"aggregator = '"'"'adnexa'"'"'"},
      "visibleColumns":{"ads":["aggregator","region","event_type","revenue_micros","ts"]}}' >/dev/null
TOKEN=$(curl -s -X POST "http://$ADMIN/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"admin-pw"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
sleep 2 # routing refresh

SQL="SELECT region, COUNT(*), SUM(revenue_micros) FROM ads WHERE event_type = 'impression' GROUP BY region ORDER BY 2 DESC LIMIT 10"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "query: $SQL"
for round in 1 2; do
    for mode in off basic bearer rls; do
        case $mode in
        off) args=(--url "http://$OPEN") ;;
        basic) args=(--url "http://$AUTH" --user admin:admin-pw) ;;
        bearer) args=(--url "http://$AUTH" --token "$TOKEN") ;;
        rls) args=(--url "http://$AUTH" --user adnexa:pw) ;;
        esac
        "$BIN" bench http "${args[@]}" --sql "$SQL" --clients 1,8 --seconds "$SECS" |
            grep -E 'clients?' | sed "s/^/round $round  $mode\t/"
    done
done
