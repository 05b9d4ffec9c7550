#!/usr/bin/env bash
# Integration test: `tannin quickstart` as a user runs it: embedded Kafka,
# a server and a broker in one command, the demo table created through the
# admin REST API and fed live; queries through the HTTP endpoint see the
# count grow while it runs; it stops by itself (--for) and leaves no process
# behind. Bad options are refused.
set -u
BIN=${TANNIN_BIN:-build/tannin}
T=$(mktemp -d)
QS=
cleanup() { [ -n "$QS" ] && kill "$QS" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# six free ports in a row from a random base (quickstart takes fixed ports)
base=$((20000 + RANDOM % 20000))
KP=$base HP=$((base + 1)) AP=$((base + 2)) SP=$((base + 3)) SAP=$((base + 4)) PGP=$((base + 5))

"$BIN" quickstart --data-dir "$T/qs" --for 20 --rate 3000 --kafka-port $KP --http-port $HP \
    --admin-port $AP --server-port $SP --server-admin-port $SAP --pg-port $PGP >"$T/out" 2>"$T/err" &
QS=$!

count() {
    curl -s -m 5 -H 'Content-Type: application/json' \
        -d '{"sql":"SELECT COUNT(*) FROM pageviews"}' "http://127.0.0.1:$HP/query/sql" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["resultTable"]["rows"][0][0])' 2>/dev/null
}
for _ in $(seq 1 100); do grep -q "Tannin is running" "$T/out" && break; sleep 0.2; done
if grep -q "Tannin is running" "$T/out"; then ok "quickstart starts and prints where to go"
else bad "quickstart did not start: $(cat "$T/out" "$T/err" | head -c 600)"; fi

sleep 3
c1=$(count)
sleep 3
c2=$(count)
if [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" -gt 0 ] && [ "$c2" -gt "$c1" ]; then
    ok "live rows are queryable and the count grows ($c1 -> $c2)"
else bad "count did not grow: '$c1' -> '$c2'"; fi

r=$(curl -s -m 5 -H 'Content-Type: application/json' -d '{"sql":"SELECT campaign, AVG(bounced) AS bounce_rate, COUNT(*) FROM pageviews WHERE ts > ago('"'"'PT1H'"'"') GROUP BY campaign ORDER BY COUNT(*) DESC LIMIT 5"}' "http://127.0.0.1:$HP/query/sql")
if echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert not d["exceptions"] and len(d["resultTable"]["rows"]) == 5' 2>/dev/null
then ok "a dashboard query (bounce rate by campaign, last hour)"
else bad "dashboard query: $(echo "$r" | head -c 300)"; fi

if curl -s -m 5 "http://127.0.0.1:$AP/tables" | grep -q pageviews; then ok "admin REST lists the demo table"
else bad "admin /tables"; fi

if command -v psql >/dev/null; then
    n=$(psql "host=127.0.0.1 port=$PGP user=tannin dbname=default sslmode=prefer connect_timeout=5" \
        -Atc "SELECT COUNT(*) FROM pageviews" 2>"$T/psql.err")
    if [ -n "$n" ] && [ "$n" -gt 0 ] 2>/dev/null; then ok "psql sees the live table ($n rows)"
    else bad "psql: '$n' $(head -c 300 "$T/psql.err")"; fi
else
    echo "skip psql check: psql missing"
fi

wait "$QS"; rc=$?; QS=
if [ $rc -eq 0 ] && grep -q "stopping after" "$T/out"; then ok "--for stops it cleanly (exit 0)"
else bad "quickstart exit $rc: $(tail -c 300 "$T/err")"; fi
sleep 0.5
if pgrep -f -- "--data-dir $T/qs/" >/dev/null; then bad "child processes left behind"
else ok "no child process left behind"; fi

# restart on the same data directory: the table is still there
"$BIN" quickstart --data-dir "$T/qs" --for 3 --rate 100 --kafka-port $KP --http-port $HP \
    --admin-port $AP --server-port $SP --server-admin-port $SAP --pg-port $PGP >"$T/out2" 2>"$T/err2"
if [ $? -eq 0 ]; then ok "restart on the same data directory"
else bad "restart: $(tail -c 300 "$T/err2")"; fi

"$BIN" quickstart --rate 0 >/dev/null 2>"$T/err3"
if [ $? -eq 2 ] && grep -q usage "$T/err3"; then ok "bad option refused with usage"
else bad "bad option"; fi

echo "quickstart: $pass passed, $fail failed"
[ $fail -eq 0 ]
