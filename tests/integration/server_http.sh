#!/usr/bin/env bash
# Integration test: `tannin server` as an operator drives it with curl
# through its admin HTTP: health, tables, an upload into an OFFLINE table,
# local SQL (POST and GET) with Pinot's response and error shapes, segments,
# metrics, unknown paths; hostile bytes on the binary query port (the
# server answers an ERROR frame, closes that connection and keeps
# serving); a restart keeps the uploaded segments.
set -u
BIN=${TN_BIN:-${TANNIN_BIN:-build/tannin}}
T=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0

ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# check NAME WANT_STATUS PATTERN CURL_ARGS...: HTTP status and a body match
check() {
    local name=$1 want=$2 pat=$3; shift 3
    local st
    st=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 20 "$@")
    if [ "$st" = "$want" ] && grep -qE -- "$pat" "$T/body"; then ok "$name"
    else bad "$name (status $st, body: $(head -c 300 "$T/body"))"; fi
}

cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
cat >"$T/table.json" <<'J'
{"tableName":"events","tableType":"OFFLINE",
 "segmentsConfig":{"timeColumnName":"ts","replication":"1"},"tableIndexConfig":{},"metadata":{}}
J
for i in $(seq 1 500); do
    echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"ts\":$((1700000000000 + i * 1000))}"
done >"$T/rows.jsonl"

# start_server: runs tannin server in the background, sets PID, Q (query
# host:port) and A (admin host:port) from its ready line
start_server() {
    "$BIN" server --data-dir "$T/data" --host 127.0.0.1 --port 0 --admin-port 0 --no-sync \
        --schema "$T/schema.json" --table "$T/table.json" >"$T/out" 2>"$T/err" &
    PID=$!
    for _ in $(seq 1 200); do
        grep -q '^server ready:' "$T/out" 2>/dev/null && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    local line
    line=$(grep '^server ready:' "$T/out" | head -1)
    Q=$(echo "$line" | sed -n 's/.*query \([^ ]*\).*/\1/p')
    A=$(echo "$line" | sed -n 's/.*admin \([^ ]*\).*/\1/p')
    if [ -n "$Q" ] && [ -n "$A" ]; then ok "server ready ($line)"
    else bad "server did not start: $(head -c 500 "$T/err")"; exit 1; fi
}

stop_server() {
    kill -TERM "$PID"
    local rc=0
    wait "$PID" || rc=$?
    PID=
    if [ $rc -eq 0 ]; then ok "SIGTERM: clean exit"; else bad "SIGTERM: exit status $rc"; fi
}

start_server
check "GET /health" 200 '^OK$' "http://$A/health"
check "GET /tables" 200 '"events_OFFLINE"' "http://$A/tables"
check "POST /ingestFromFile" 200 'Successfully ingested file into table: events_OFFLINE' \
    --data-binary @"$T/rows.jsonl" \
    "http://$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D"
check "POST /query/sql count" 200 '"rows":\[\[500\]\]' \
    -H 'Content-Type: application/json' -d '{"sql":"SELECT COUNT(*) FROM events"}' "http://$A/query/sql"
check "POST /query/sql group by, typed name, options" 200 '"rows":\[\["c0",25250.0\]' \
    -d '{"sql":"SELECT country, SUM(clicks) FROM events_OFFLINE GROUP BY country ORDER BY country","queryOptions":"timeoutMs=5000"}' \
    "http://$A/query/sql"
check "GET /query/sql" 200 '"rows":\[\[100\]\]' -G --data-urlencode \
    "sql=SELECT COUNT(*) FROM events WHERE country = 'c1'" "http://$A/query/sql"
check "unknown table: 190" 200 '"errorCode":190' -d '{"sql":"SELECT COUNT(*) FROM nope"}' \
    "http://$A/query/sql"
check "bad SQL: 150" 200 '"errorCode":150' -d '{"sql":"SELEC 1 FROM events"}' "http://$A/query/sql"
check "bad JSON: 400" 400 '"code":400,"error":"Invalid JSON' -d '{"sql": ' "http://$A/query/sql"
check "missing sql: 400" 400 "Payload is missing the query string field 'sql'" -d '{}' \
    "http://$A/query/sql"
check "GET /tables/events/segments" 200 '"name":"events_OFFLINE".*"segments":\[\{' \
    "http://$A/tables/events/segments"
check "unknown table segments: 404" 404 '"code":404' "http://$A/tables/nope/segments"
check "unknown path: 404" 404 '"code":404' "http://$A/nowhere"
check "GET /metrics" 200 'tannin_server_queries_total\{protocol="http"\} [1-9]' "http://$A/metrics"
check "GET /metrics histogram" 200 'tannin_server_query_seconds_bucket\{protocol="http",le="\+Inf"\}' \
    "http://$A/metrics"

# hostile bytes on the binary port: an impossible frame length gets an
# ERROR frame (code 100) and the connection closed; a well-framed unknown
# message type gets ERROR 100 and the connection stays open
python3 - "$Q" >"$T/py" 2>&1 <<'PY'
import socket, struct, sys
host, port = sys.argv[1].rsplit(":", 1)
def frame(s):
    hdr = b""
    while len(hdr) < 9:
        c = s.recv(9 - len(hdr))
        if not c: return None
        hdr += c
    n, t, i = struct.unpack("<IBI", hdr)
    body = b""
    while len(body) < n - 5:
        body += s.recv(n - 5 - len(body))
    return t, i, body
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(struct.pack("<IBI", 0xFFFFFFF0, 1, 7))
t, i, body = frame(s)
code = struct.unpack("<i", body[:4])[0]
closed = s.recv(1) == b""
print("bad-length", t, i, code, closed)
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(struct.pack("<IBI", 5, 99, 8) + struct.pack("<IBI", 5, 98, 9))
a, b = frame(s), frame(s)
print("bad-type", a[0], a[1], struct.unpack("<i", a[2][:4])[0], b[1])
PY
if grep -q '^bad-length 3 7 100 True$' "$T/py"; then ok "bad frame length: ERROR 100, closed"
else bad "bad frame length: $(cat "$T/py")"; fi
if grep -q '^bad-type 3 8 100 9$' "$T/py"; then ok "unknown message type: ERROR 100, still open"
else bad "unknown message type: $(cat "$T/py")"; fi
check "still healthy after hostile bytes" 200 '^OK$' "http://$A/health"

# the uploaded segments survive a restart
stop_server
start_server
check "count after restart" 200 '"rows":\[\[500\]\]' -d '{"sql":"SELECT COUNT(*) FROM events"}' \
    "http://$A/query/sql"
stop_server

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
