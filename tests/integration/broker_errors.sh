#!/usr/bin/env bash
# Integration test: the broker as clients misuse it, and as servers fail
# under it. Real processes on loopback: two `tannin server`s and a
# `tannin broker`, a small table of our own (no shared/ needed).
#   - malformed JSON, missing sql, unknown table (190), bad SQL (150 with
#     its position), unknown columns (710), oversized bodies (413), unknown
#     paths (404 JSON), bad admin input (400/409), CORS and preflight,
#     Pinot-Use-Http-Status-For-Errors, X-Pinot-Error-Code
#   - a server killed: partialResult + 427 naming it, quickly; a stopped
#     (hung) server: 427 at the query timeout, never a hang
#   - GET /queries, DELETE /query/{id} (and ?client=true), validateSyntax
#   - a full queue: 429 at once
#   - broker restart: tables still there, queries work
#   - 200 concurrent clients all answered
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# post URL BODY [CURL ARGS...]: response body in $T/body, headers in $T/hdr, status in CODE
post() {
    local url=$1 body=$2; shift 2
    CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X POST "$url" \
        -H 'Content-Type: application/json' --data-binary "$body" "$@")
}
get() {
    local url=$1; shift
    CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' "$url" "$@")
}
# sql QUERY [CURL ARGS...]
sql() { local s=$1; shift; post "$Q/query/sql" "{\"sql\": $(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$s")}" "$@"; }
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
err_code() { jq_ "(d.get('exceptions') or [{}])[0].get('errorCode', 0)"; }
header() { tr -d '\r' <"$T/hdr" | sed -n "s/^$1: //Ip"; }

# ---- a small table on two servers -------------------------------------------------------
cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"day","dataType":"INT","format":"1:DAYS:EPOCH","granularity":"1:DAYS"}]}
J
cat >"$T/table.json" <<'J'
{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","replication":"1"}}
J
for i in $(seq 1 100); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18000 + i % 10))}"; done >"$T/part1.jsonl"
for i in $(seq 101 200); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18100 + i % 10))}"; done >"$T/part2.jsonl"

start_server s1; S1_PID=$SRV_PID; S1=$SRV_ADDR
start_server s2; S2_PID=$SRV_PID; S2=$SRV_ADDR
start_broker b1 "$S1,$S2"
B1_PID=$BRK_PID

post "$A/schemas" "@$T/schema.json"
check "POST /schemas" [ "$CODE" = 200 ]
post "$A/tables" "@$T/table.json"
check "POST /tables -> $(cat "$T/body")" [ "$CODE" = 200 ]
for p in part1 part2; do
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$T/$p.jsonl")
    check "ingest $p -> $(cat "$T/body")" [ "$CODE" = 200 ]
done
sql "SELECT COUNT(*), SUM(clicks) FROM events"
check "both halves answer: $(head -c 200 "$T/body")" \
    [ "$(jq_ "d['resultTable']['rows'][0]")" = "[200, 20100.0]" ]
check "two servers queried" [ "$(jq_ "d['numServersQueried']")" = 2 ]
get "$Q/debug/routingTable/events"
check "routing table has both servers: $(cat "$T/body")" \
    [ "$(jq_ "sum(1 for s in d['events_OFFLINE'].values() if s)")" = 2 ]

# ---- bad requests --------------------------------------------------------------------------
post "$Q/query/sql" '{"sql": "SELECT 1 FROM events"'
check "malformed JSON -> 400 + 100" [ "$CODE" = 400 -a "$(err_code)" = 100 ]
check "X-Pinot-Error-Code: 100" [ "$(header X-Pinot-Error-Code)" = 100 ]
post "$Q/query/sql" '{"query": "SELECT 1"}'
check "missing sql -> 400 + 100" [ "$CODE" = 400 -a "$(err_code)" = 100 ]
check "missing sql message" grep -q "missing the query string field 'sql'" "$T/body"
post "$Q/query/sql" '[1,2]'
check "non-object JSON -> 400 + 100" [ "$CODE" = 400 -a "$(err_code)" = 100 ]
sql "SELECT COUNT(*) FROM nope"
check "unknown table -> 200 + 190" [ "$CODE" = 200 -a "$(err_code)" = 190 ]
check "X-Pinot-Error-Code: 190" [ "$(header X-Pinot-Error-Code)" = 190 ]
check "no resultTable on 190" [ "$(jq_ "'resultTable' in d")" = False ]
sql "SELECT COUNT(*) FROM nope" -H 'Pinot-Use-Http-Status-For-Errors: true'
check "unknown table with http status -> 404" [ "$CODE" = 404 ]
sql "SELECT COUNT(* FROM events"
check "bad SQL -> 150" [ "$(err_code)" = 150 ]
check "bad SQL names the position: $(jq_ "d['exceptions'][0]['message']")" grep -q 'position 15' "$T/body"
sql "SELECT nope FROM events" -H 'Pinot-Use-Http-Status-For-Errors: true'
check "unknown column -> 710 / 400" [ "$(err_code)" = 710 -a "$CODE" = 400 ]
sql "SELECT COUNT(*) FROM events"
check "X-Pinot-Error-Code: -1 on success" [ "$(header X-Pinot-Error-Code)" = -1 ]
check "CORS on responses" [ "$(header Access-Control-Allow-Origin)" = "*" ]
get "$Q/query/sql?sql=SELECT%20COUNT(*)%20FROM%20events"
check "GET /query/sql" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 200 ]
post "$Q/query" '{"sql":"SELECT COUNT(*) FROM events_OFFLINE","queryOptions":"timeoutMs=5000"}'
check "POST /query, typed table, queryOptions" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 200 ]
python3 -c 'print("{\"sql\": \"SELECT 1 FROM events\", \"pad\": \"" + "x" * 2000000 + "\"}")' >"$T/big.json"
post "$Q/query/sql" "@$T/big.json"
check "oversized body -> 413 ($CODE)" [ "$CODE" = 413 ]
CODE=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X OPTIONS "$Q/query/sql" \
    -H 'Origin: http://x' -H 'Access-Control-Request-Method: POST')
check "OPTIONS preflight" [ "$CODE" = 200 ]
check "preflight allows methods" grep -qi 'Access-Control-Allow-Methods: .*POST' "$T/hdr"
check "preflight allows the Pinot header" grep -qi 'Allow-Headers: .*Pinot-Use-Http-Status-For-Errors' "$T/hdr"
get "$A/no/such/path"
check "unknown admin path -> 404 JSON" [ "$CODE" = 404 -a "$(jq_ "d['code']")" = 404 ]
get "$Q/no/such/path"
check "unknown query path -> 404 JSON" [ "$CODE" = 404 -a "$(jq_ "d['code']")" = 404 ]
post "$A/schemas?override=false" "@$T/schema.json"
check "existing schema, override=false -> 409" [ "$CODE" = 409 ]
post "$A/tables" "@$T/table.json"
check "existing table -> 409 'already exist'" [ "$CODE" = 409 ] && grep -q 'already exist' "$T/body"
post "$A/tables" '{"tableName":"nosuch","tableType":"OFFLINE"}'
check "table without schema -> 400" [ "$CODE" = 400 ]
post "$A/schemas" '{"schemaName": "x", "dimensionFieldSpecs": [{"name": "a", "dataType": "NOPE"}]}'
check "bad schema -> 400 with the reason" [ "$CODE" = 400 ] && grep -q NOPE "$T/body"
post "$A/ingestFromFile?tableNameWithType=events_OFFLINE" "" -H 'Content-Type: multipart/form-data; boundary=zz'
check "bad multipart -> 400" [ "$CODE" = 400 ]
post "$A/ingestFromFile?tableNameWithType=nope_OFFLINE" "x"
check "ingest into unknown table -> 404" [ "$CODE" = 404 ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$A/schemas/events")
check "schema in use cannot be deleted -> 409" [ "$CODE" = 409 ]
get "$A/health"
check "GET /health -> OK" [ "$CODE" = 200 -a "$(cat "$T/body")" = OK ]
get "$Q/metrics"
check "metrics count queries" grep -q '^tannin_broker_queries_total [1-9]' "$T/body"
check "metrics have the latency histogram" grep -q 'tannin_broker_query_latency_seconds_bucket{le="+Inf"}' "$T/body"
get "$A/segments/events"
check "GET /segments lists both segments" [ "$(jq_ "len(d[0]['OFFLINE'])")" = 2 ]
SEG=$(jq_ "d[0]['OFFLINE'][0]")
get "$A/segments/events/$SEG/metadata"
check "segment metadata" [ "$CODE" = 200 -a "$(jq_ "d['segment.total.docs']")" = 100 ]

# ---- 200 concurrent clients ---------------------------------------------------------------
cat >"$T/load.py" <<'P'
import json, sys, threading, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
ok = []
barrier = threading.Barrier(n)
def one(i):
    body = json.dumps({"sql": "SELECT country, SUM(clicks) FROM events GROUP BY country"}).encode()
    req = urllib.request.Request(url + "/query/sql", data=body, headers={"Content-Type": "application/json"})
    barrier.wait()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            d = json.loads(r.read())
            if not d["exceptions"] and len(d["resultTable"]["rows"]) == 5:
                ok.append(i)
    except Exception as e:
        print("client", i, e, file=sys.stderr)
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join()
print(len(ok))
P
got=$(python3 "$T/load.py" "$Q" 200)
check "200 concurrent clients all answered ($got)" [ "$got" = 200 ]

# ---- a hung server: the query ends at its timeout ---------------------------------------
# (a second broker, with one worker and a queue of one, knows the table first)
start_broker b2 "$S1,$S2" --threads 1 --max-queue 1 --timeout-ms 2000
post "$A/schemas" "@$T/schema.json"
post "$A/tables" "@$T/table.json"
B2_PID=$BRK_PID
Q2=$Q
Q=$(sed -n 's/^broker ready: http \([^ ]*\) admin .*/http:\/\/\1/p' "$T/b1.out")
kill -STOP "$S2_PID"
start=$(date +%s%N)
post "$Q/query/sql" '{"sql":"SELECT COUNT(*) FROM events","queryOptions":"timeoutMs=1000"}' --max-time 20
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "hung server -> 427 after the timeout (${ms} ms)" [ "$(err_code)" = 427 -a "$ms" -lt 5000 ]
check "hung server: the other half answers" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 100 ]
check "hung server: partialResult" [ "$(jq_ "d['partialResult']")" = True ]

# ---- cancelling a running query: Pinot's GET /queries and DELETE /query/{id} ----------------
# (the hung server keeps each query waiting until it is cancelled)
# bg_query OUT OPTIONS: a query in the background, its JSON in OUT, its ms in OUT.ms
bg_query() {
    ( s=$(date +%s%N)
      curl -s -o "$1" -X POST "$Q/query/sql" -H 'Content-Type: application/json' --max-time 30 \
          --data-binary "{\"sql\":\"SELECT COUNT(*) FROM events\",\"queryOptions\":\"$2\"}"
      echo $(( ($(date +%s%N) - s) / 1000000 )) >"$1.ms" ) &
    BG=$!
}
# running_id: the request id of the one running query, once /queries lists it
running_id() {
    local i
    for ((i = 0; i < 50; i++)); do
        get "$Q/queries"
        id=$(jq_ "next(iter(d), '')")
        [ -n "$id" ] && { echo "$id"; return 0; }
        sleep 0.1
    done
    return 1
}
bg_query "$T/c1.json" "timeoutMs=15000"
id=$(running_id)
check "GET /queries lists the running query ($(cat "$T/body"))" \
    [ -n "$id" -a "$(jq_ "d.get('$id')")" = "SELECT COUNT(*) FROM events" ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$Q/query/$id")
check "DELETE /query/$id -> 200 'Cancelled query: $id' ($(cat "$T/body"))" \
    [ "$CODE" = 200 -a "$(cat "$T/body")" = "Cancelled query: $id" ]
wait "$BG"
check "the cancelled query ends at once ($(cat "$T/c1.json.ms") ms) with 503" \
    [ "$(cat "$T/c1.json.ms")" -lt 3000 -a "$(python3 -c "import json; print(json.load(open('$T/c1.json'))['exceptions'][0]['errorCode'])")" = 503 ]
get "$Q/queries"
check "GET /queries is empty afterwards" [ "$(cat "$T/body")" = "{}" ]
bg_query "$T/c2.json" "timeoutMs=15000;clientQueryId=dash-7"
running_id >/dev/null
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$Q/query/dash-7?client=true")
check "DELETE /query/dash-7?client=true -> 200 ($(cat "$T/body"))" \
    [ "$CODE" = 200 -a "$(cat "$T/body")" = "Cancelled client query: dash-7" ]
wait "$BG"
check "cancelled by client id: 503, clientRequestId echoed" \
    [ "$(python3 -c "import json; d=json.load(open('$T/c2.json')); print(d['exceptions'][0]['errorCode'], d['clientRequestId'])")" = "503 dash-7" ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$Q/query/987654")
check "DELETE of an unknown id -> 404 ($(cat "$T/body"))" \
    [ "$CODE" = 404 ] && grep -q 'Query: 987654 not found on the broker' "$T/body"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$Q/query/abc")
check "DELETE /query/abc -> 400 ($(cat "$T/body"))" \
    [ "$CODE" = 400 ] && grep -q 'Invalid internal query id: abc' "$T/body"
post "$Q/query/sql/validateSyntax" '{"sql":"SELECT country, COUNT(*) FROM events GROUP BY country"}'
check "validateSyntax: valid ($(cat "$T/body"))" [ "$(jq_ "d['valid'], d['sqlType']")" = "True DQL" ]
post "$Q/query/sql/validateSyntax" '{"sql":"SELECT FROM WHERE"}'
check "validateSyntax: invalid, with the reason ($(cat "$T/body"))" \
    [ "$(jq_ "d['valid']")" = False ] && grep -q 'errorMessage' "$T/body"
post "$Q/query/sql/validateSyntax" '{"sq":1}'
check "validateSyntax without sql -> 400" [ "$CODE" = 400 ]

# a full queue is refused at once
cat >"$T/burst.py" <<'P'
import json, sys, threading, urllib.request
url = sys.argv[1]
codes = []
def one():
    body = json.dumps({"sql": "SELECT COUNT(*) FROM events"}).encode()
    req = urllib.request.Request(url + "/query/sql", data=body)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            d = json.loads(r.read())
            codes.append((d["exceptions"] or [{"errorCode": 0}])[0]["errorCode"])
    except Exception as e:
        codes.append(str(e))
ts = [threading.Thread(target=one) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join(sorted(str(c) for c in codes)))
P
codes=$(python3 "$T/burst.py" "$Q2")
check "full queue -> 429 at once, the rest 427 ($codes)" grep -q '427.*429' <<<"$codes"
stop "$B2_PID"
kill -CONT "$S2_PID"

# ---- a killed server: partial results and 427, at once ----------------------------------
kill -9 "$S2_PID"; wait "$S2_PID" 2>/dev/null
for i in 1 2 3; do
    start=$(date +%s%N)
    sql "SELECT COUNT(*) FROM events" --max-time 20
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check "killed server, query $i: 427 naming $S2 in ${ms} ms" \
        [ "$(err_code)" = 427 -a "$ms" -lt 3000 ] && grep -q "$S2" "$T/body"
    check "killed server, query $i: the rest merged, partialResult" \
        [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 100 -a "$(jq_ "d['partialResult']")" = True ]
    sleep 0.7
done
# the server comes back on the same port: full answers again
start_server s2 "${S2##*:}"; S2_PID=$SRV_PID
got=0
for i in $(seq 1 50); do
    sql "SELECT COUNT(*) FROM events"
    got=$(jq_ "d['resultTable']['rows'][0][0] if not d['exceptions'] else -1")
    [ "$got" = 200 ] && break
    sleep 0.2
done
check "server back -> full answers ($got)" [ "$got" = 200 ]

# ---- broker restart: the catalog is durable ---------------------------------------------
stop "$B1_PID"
start_broker b1 "$S1,$S2"
get "$A/tables"
check "after restart: GET /tables" [ "$(cat "$T/body")" = '{"tables":["events"]}' ]
get "$A/schemas/events"
check "after restart: schema" [ "$CODE" = 200 ]
sql "SELECT COUNT(*) FROM events"
check "after restart: queries work" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 200 ]
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "$A/tables/events")
check "DELETE /tables/events" [ "$CODE" = 200 ] && grep -q 'events_OFFLINE' "$T/body"
sql "SELECT COUNT(*) FROM events"
check "deleted table -> 190" [ "$(err_code)" = 190 ]

# clean shutdown on SIGTERM
kill -TERM "$BRK_PID"
rc=0
for i in $(seq 1 100); do kill -0 "$BRK_PID" 2>/dev/null || break; sleep 0.1; done
wait "$BRK_PID"; rc=$?
check "SIGTERM -> clean exit ($rc)" [ "$rc" = 0 ]

cluster_finish
