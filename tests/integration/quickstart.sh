#!/usr/bin/env bash
# Integration test: `tannin quickstart --for 60` as a user runs it: embedded
# Kafka, a server and a broker in one command, the demo's two tables created
# through the admin REST API and fed live; queries through HTTP and psql see
# both counts grow while it runs, and every dashboard panel's query answers;
# it stops by itself (--for) and leaves no process behind; restarts on the
# same data directory keep every row. Bad options are refused.
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

"$BIN" quickstart --data-dir "$T/qs" --for 60 --rate 2000 --kafka-port $KP --http-port $HP \
    --admin-port $AP --server-port $SP --server-admin-port $SAP --pg-port $PGP >"$T/out" 2>"$T/err" &
QS=$!

# sql TEXT: the answer's JSON (Pinot broker response) on stdout
sql() {
    python3 -c 'import json,sys; print(json.dumps({"sql": sys.argv[1]}))' "$1" |
        curl -s -m 10 -H 'Content-Type: application/json' -d @- "http://127.0.0.1:$HP/query/sql"
}
count() {
    sql "SELECT COUNT(*) FROM $1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["resultTable"]["rows"][0][0])' 2>/dev/null
}
pgcount() {
    psql "host=127.0.0.1 port=$PGP user=tannin dbname=default connect_timeout=5" \
        -Atc "SELECT COUNT(*) FROM $1" 2>>"$T/psql.err"
}
for _ in $(seq 1 150); do grep -q "Tannin is running" "$T/out" && break; sleep 0.2; done
if grep -q "Tannin is running" "$T/out" && grep -q "http://127.0.0.1:$AP/" "$T/out"; then
    ok "quickstart starts and prints where to go (console URL included)"
else bad "quickstart did not start: $(cat "$T/out" "$T/err" | head -c 600)"; fi

sleep 3
for t in pageviews ad_events; do
    c1=$(count $t); sleep 3; c2=$(count $t)
    if [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" -gt 0 ] && [ "$c2" -gt "$c1" ]; then
        ok "$t: live rows queryable over HTTP, the count grows ($c1 -> $c2)"
    else bad "$t: count did not grow: '$c1' -> '$c2'"; fi
    if command -v psql >/dev/null; then
        p1=$(pgcount $t); sleep 2; p2=$(pgcount $t)
        if [ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" -gt 0 ] 2>/dev/null && [ "$p2" -gt "$p1" ]; then
            ok "$t: psql sees the live table grow ($p1 -> $p2)"
        else bad "$t: psql '$p1' -> '$p2' $(head -c 300 "$T/psql.err")"; fi
    else
        echo "skip psql check: psql missing"
    fi
done

# every panel of the console's dashboards (broker/console/dashboards.json,
# the one source of their SQL) answers over the live tables with rows
DASH=${TN_ROOT:-.}/broker/console/dashboards.json
if [ -f "$DASH" ]; then
    out=$(python3 - "$DASH" "$HP" <<'PY'
import json, sys, urllib.request
def sqls(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "sql" and isinstance(v, str):
                yield v
            else:
                yield from sqls(v)
    elif isinstance(node, list):
        for v in node:
            yield from sqls(v)
dash = json.load(open(sys.argv[1]))
defaults = {"{{%s}}" % k: v for k, v in dash["defaults"].items()}
n = bad = 0
for sql in sqls(dash):
    for k, v in defaults.items():
        sql = sql.replace(k, v)
    n += 1
    req = urllib.request.Request("http://127.0.0.1:%s/query/sql" % sys.argv[2],
                                 json.dumps({"sql": sql}).encode(),
                                 {"Content-Type": "application/json"})
    d = json.load(urllib.request.urlopen(req, timeout=10))
    if d.get("exceptions") or not d["resultTable"]["rows"] or "{{" in sql:
        bad += 1
        print("panel failed:", sql[:200], json.dumps(d.get("exceptions"))[:300])
print("panels", n, "failed", bad)
PY
)
    if echo "$out" | grep -q "failed 0$" && ! echo "$out" | grep -q "^panels 0 "; then
        ok "every dashboard panel's query answers with rows ($(echo "$out" | tail -1))"
    else bad "dashboard queries: $(echo "$out" | tail -c 800)"; fi
else
    bad "no dashboards file at $DASH"
fi

if curl -s -m 5 "http://127.0.0.1:$AP/tables" | grep -q ad_events; then ok "admin REST lists the demo tables"
else bad "admin /tables"; fi

wait "$QS"; rc=$?; QS=
if [ $rc -eq 0 ] && grep -q "stopping after" "$T/out"; then ok "--for stops it cleanly (exit 0)"
else bad "quickstart exit $rc: $(tail -c 300 "$T/err")"; fi
sleep 0.5
if pgrep -f -- "--data-dir $T/qs/" >/dev/null; then bad "child processes left behind"
else ok "no child process left behind"; fi
if grep -q "warning" "$T/err"; then bad "stop: $(grep warning "$T/err" | head -c 300)"
else ok "everything Kafka held was sealed before it stopped"; fi
produced=$(sed -n 's/.*stopping after \([0-9]*\) events.*/\1/p' "$T/out")

# restart on the same data directory: tables and rows survive the in-memory
# Kafka (nothing lost, nothing doubled), and the new Kafka is consumed
# without a data-loss alarm
"$BIN" quickstart --data-dir "$T/qs" --for 8 --rate 100 --kafka-port $KP --http-port $HP \
    --admin-port $AP --server-port $SP --server-admin-port $SAP --pg-port $PGP >"$T/out2" 2>"$T/err2" &
QS=$!
for _ in $(seq 1 150); do grep -q "Tannin is running" "$T/out2" && break; sleep 0.2; done
r1=$(count pageviews); r2=$(count ad_events)
if [ -n "$r1" ] && [ -n "$r2" ] && [ -n "$produced" ] && [ $((r1 + r2)) -ge "$produced" ]; then
    ok "restart keeps every row of the first run ($r1 + $r2 >= $produced produced)"
else bad "restart: rows '$r1' + '$r2', produced in the first run '$produced'"; fi
wait "$QS"; rc=$?; QS=
produced2=$(sed -n 's/.*stopping after \([0-9]*\) events.*/\1/p' "$T/out2")
if [ $rc -eq 0 ]; then ok "restart on the same data directory runs and stops cleanly"
else bad "restart: exit $rc $(tail -c 300 "$T/err2")"; fi
if grep -q "DATA LOSS" "$T"/qs/logs/server.log; then bad "the restart raised a data-loss alarm"
else ok "no data-loss alarm on the new embedded Kafka"; fi
# a third short run reads the total: the first two runs, exactly
"$BIN" quickstart --data-dir "$T/qs" --for 1 --rate 1 --kafka-port $KP --http-port $HP \
    --admin-port $AP --server-port $SP --server-admin-port $SAP --pg-port $PGP >"$T/out3" 2>"$T/err3" &
QS=$!
for _ in $(seq 1 150); do grep -q "Tannin is running" "$T/out3" && break; sleep 0.2; done
total=$(( $(count pageviews) + $(count ad_events) ))
wait "$QS"; QS=
if [ "$total" -ge $((produced + produced2)) ] && [ "$total" -le $((produced + produced2 + 4)) ]; then
    ok "rows after two restarts = events produced ($total, runs $produced + $produced2)"
else bad "rows after two restarts $total, produced $produced + $produced2"; fi

"$BIN" quickstart --rate 0 >/dev/null 2>"$T/err3"
if [ $? -eq 2 ] && grep -q usage "$T/err3"; then ok "bad option refused with usage"
else bad "bad option"; fi

echo "quickstart: $pass passed, $fail failed"
[ $fail -eq 0 ]
