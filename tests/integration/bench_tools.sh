#!/usr/bin/env bash
# Integration test: the load-test tools against real processes on loopback
# (`tannin kafka-dev`, `tannin server`, `tannin broker`, a REALTIME
# `pageviews` table of the generator's schema created through the admin REST):
#   - `bench ingest --kafka ... --broker ...` at 2,000 events/s for 3 s:
#     freshness reported (p99 > 0), every marker visible, the table's count
#     equal to the events produced;
#   - `bench queries` closed loop (2 s, 5 queries, one of which errors): q/s
#     > 0, the error count the erroring query's share, percentiles ordered,
#     the first error printed, the JSON report;
#   - open loop `--qps 50 --duration 2` from a JSON-lines file: ~100 requests,
#     the rate sustained;
#   - bad options exit 2, unreadable / empty files and an unreachable broker
#     exit 1, each with a message.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# exits_0 WHAT RC ERRFILE: the tool's stderr is shown only when it failed
exits_0() { if [ "$2" = 0 ]; then ok "$1 exits 0"; else bad "$1 exits $2: $(tail -5 "$3")"; fi; }
# jq_ FILE EXPR: a Python expression over the JSON in FILE (as d)
jq_() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null; }
is_true() { [ "$1" = True ]; }

# ---- the cluster and the table --------------------------------------------------------
"$BIN" kafka-dev --topic pageviews:8 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KAFKA_PID=$!
PIDS+=("$KAFKA_PID")
if ! wait_line "$T/kafka.out" '^bootstrap: ' 30; then
    bad "kafka-dev did not start: $(cat "$T/kafka.err")"
    cluster_finish
    exit
fi
KAFKA=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")
start_server s1
start_broker b1 "$SRV_ADDR"

# the schema of tn_gen (tannin's page-view generator), as quickstart creates it
cat >"$T/schema.json" <<'J'
{"schemaName":"pageviews","dimensionFieldSpecs":[
 {"name":"session_id","dataType":"LONG"},{"name":"user_id","dataType":"LONG"},
 {"name":"country","dataType":"STRING"},{"name":"device","dataType":"STRING"},
 {"name":"os","dataType":"STRING"},{"name":"browser","dataType":"STRING"},
 {"name":"referrer_domain","dataType":"STRING"},{"name":"campaign","dataType":"STRING"},
 {"name":"landing_page","dataType":"STRING"},{"name":"action","dataType":"STRING"},
 {"name":"bounced","dataType":"INT"},{"name":"ab_bucket","dataType":"INT"}],
 "metricFieldSpecs":[{"name":"time_on_page_ms","dataType":"LONG"},
 {"name":"videos_watched","dataType":"INT"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"TIMESTAMP","format":"1:MILLISECONDS:EPOCH",
 "granularity":"1:MILLISECONDS"}]}
J
cat >"$T/table.json" <<J
{"tableName":"pageviews","tableType":"REALTIME",
 "segmentsConfig":{"timeColumnName":"ts","replication":"1"},
 "tableIndexConfig":{"streamConfigs":{"streamType":"kafka","stream.kafka.topic.name":"pageviews",
   "stream.kafka.broker.list":"$KAFKA",
   "stream.kafka.consumer.prop.auto.offset.reset":"smallest",
   "realtime.segment.flush.threshold.rows":"500000"}}}
J
for what in schemas tables; do
    f=$([ $what = schemas ] && echo schema || echo table)
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST "$A/$what" \
        -H 'Content-Type: application/json' --data-binary "@$T/$f.json")
    check "POST /$what -> $CODE $(head -c 120 "$T/body")" [ "$CODE" = 200 ]
done

# ---- bench ingest, external mode -------------------------------------------------------
"$BIN" bench ingest --kafka "$KAFKA" --topic pageviews --broker "$Q" --table pageviews \
    --rate 2000 --seconds 3 --probe-ms 100 --json "$T/ingest.json" \
    >"$T/ingest.out" 2>"$T/ingest.err"
rc=$?
exits_0 "bench ingest" "$rc" "$T/ingest.err"
check "bench ingest summary names freshness" grep -q 'produce -> visible: p50' "$T/ingest.out"
check "bench ingest progress lines on stderr" grep -q 'backlog' "$T/ingest.err"
J=$T/ingest.json
check "freshness p99 reported and > 0: $(jq_ "$J" "d['freshness_ms']")" \
    is_true "$(jq_ "$J" "d['freshness_ms']['p99'] > 0 and d['freshness_ms']['p50'] <= d['freshness_ms']['p99'] <= d['freshness_ms']['max']")"
check "markers all visible: $(jq_ "$J" "d['markers']")" \
    is_true "$(jq_ "$J" "d['markers']['produced'] >= 25 and d['markers']['visible'] == d['markers']['produced'] and d['markers']['never_visible'] == 0")"
check "produced ~6000 events: $(jq_ "$J" "d['events_produced']")" \
    is_true "$(jq_ "$J" "5400 <= d['events_produced'] <= 6100 and d['acked'] == d['events_produced'] + d['markers_produced']")"
check "table count = events produced: $(jq_ "$J" "(d['new_rows'], d['acked'], d['caught_up'])")" \
    is_true "$(jq_ "$J" "d['caught_up'] and d['new_rows'] == d['acked'] == d['count_after']")"
COUNT=$(curl -s "$Q/query/sql" -H 'Content-Type: application/json' \
    -d '{"sql":"SELECT COUNT(*) FROM pageviews"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["resultTable"]["rows"][0][0])')
check "broker's COUNT(*) = produced ($COUNT)" [ "$COUNT" = "$(jq_ "$J" "d['acked']")" ]

# ---- bench queries, closed loop --------------------------------------------------------
cat >"$T/queries.sql" <<'S'
# dashboard panels
SELECT COUNT(*) FROM pageviews
-- bounce rate by campaign
SELECT campaign, COUNT(*), AVG(bounced) FROM pageviews GROUP BY campaign ORDER BY COUNT(*) DESC LIMIT 10;

SELECT country, COUNT(*) FROM pageviews GROUP BY country ORDER BY COUNT(*) DESC LIMIT 10
SELECT no_such_column FROM pageviews
SELECT landing_page, COUNT(*) FROM pageviews WHERE bounced = 1 GROUP BY landing_page ORDER BY COUNT(*) DESC LIMIT 5
S
"$BIN" bench queries --broker "$Q" --queries "$T/queries.sql" --concurrency 2 --duration 2 \
    --json "$T/closed.json" >"$T/closed.out" 2>"$T/closed.err"
rc=$?
exits_0 "closed loop" "$rc" "$T/closed.err"
J=$T/closed.json
check "closed loop q/s > 0: $(jq_ "$J" "(d['requests'], d['qps'])")" is_true "$(jq_ "$J" "d['qps'] > 0 and d['requests'] >= 10")"
check "errors = the erroring query's share: $(jq_ "$J" "d['errors']")" \
    is_true "$(jq_ "$J" "abs(d['errors']['exceptions'] - d['requests'] / 5) <= 2 and d['errors']['total'] == d['errors']['exceptions'] and d['errors']['transport'] == 0 and d['errors']['http'] == 0")"
check "the errors belong to line 7: $(jq_ "$J" "[(q['line'], q['errors']) for q in d['queries']]")" \
    is_true "$(jq_ "$J" "[q['line'] for q in d['queries']] == [2, 4, 6, 7, 8] and all((q['errors'] > 0) == (q['line'] == 7) for q in d['queries'])")"
check "percentiles ordered: $(jq_ "$J" "d['latency_ms']")" \
    is_true "$(jq_ "$J" "0 < d['latency_ms']['p50'] <= d['latency_ms']['p90'] <= d['latency_ms']['p99'] <= d['latency_ms']['p99_9'] <= d['latency_ms']['max']")"
check "per-query p50 <= p99" is_true "$(jq_ "$J" "all(q['p50'] <= q['p99'] for q in d['queries'])")"
check "summary prints the first exception" grep -q "first exceptions error (line 7): errorCode 710" "$T/closed.out"
check "summary prints percentiles" grep -qE '^latency ms mean .* p99\.9 ' "$T/closed.out"
check "a progress line per second" [ "$(grep -c 'q/s   errors' "$T/closed.err")" -ge 1 ]

# ---- bench queries, open loop from a JSON-lines file -------------------------------------
python3 - "$T/queries.sql" >"$T/queries.jsonl" <<'P'
import json, sys
for i, l in enumerate(open(sys.argv[1])):
    l = l.strip().rstrip(';')
    if l and not l.startswith(('#', '--')) and 'no_such' not in l:
        print(json.dumps({"id": "q%d" % i, "sql": l, "features": []}))
P
"$BIN" bench queries --broker "$Q" --queries "$T/queries.jsonl" --qps 50 --duration 2 \
    --concurrency 2 --quiet --json "$T/open.json" >"$T/open.out" 2>"$T/open.err"
rc=$?
exits_0 "open loop" "$rc" "$T/open.err"
J=$T/open.json
check "open loop ~100 requests: $(jq_ "$J" "(d['requests'], d['open_loop'])")" \
    is_true "$(jq_ "$J" "95 <= d['requests'] <= 101 and d['errors']['total'] == 0 and d['open_loop']['sustained']")"
check "open loop summary" grep -q 'target 50.0 q/s, .*: target sustained' "$T/open.out"
check "--quiet: no progress lines" [ ! -s "$T/open.err" ]

# ---- misuse ------------------------------------------------------------------------------
expect() { # expect STATUS PATTERN ARGS...: exit status and a message on stderr
    local want=$1 pat=$2; shift 2
    "$BIN" bench "$@" >"$T/misuse.out" 2>"$T/misuse.err"
    local rc=$?
    cat "$T/misuse.err" >>"$T/misuse-all.err"
    if [ "$rc" = "$want" ] && grep -qiE "$pat" "$T/misuse.err"; then ok "bench $* -> $rc"
    else bad "bench $* -> $rc (want $want, /$pat/): $(head -c 300 "$T/misuse.err")"; fi
}
expect 2 usage queries --queries "$T/queries.sql" --duration 1
expect 2 usage queries --broker "$Q" --queries "$T/queries.sql"
expect 2 "bad value '0' for --concurrency" queries --broker "$Q" --queries "$T/queries.sql" --duration 1 --concurrency 0
expect 2 "bad value 'abc' for --qps" queries --broker "$Q" --queries "$T/queries.sql" --qps abc
expect 2 "not http://HOST:PORT" queries --broker "http://nohost" --queries "$T/queries.sql" --duration 1
expect 2 usage queries --broker "$Q" --queries "$T/queries.sql" --duration 1 --bogus
expect 1 "no such file|cannot|no such" queries --broker "$Q" --queries "$T/nope.sql" --duration 1
printf '# nothing\n\n-- here\n' >"$T/empty.sql"
expect 1 "holds no queries" queries --broker "$Q" --queries "$T/empty.sql" --duration 1
printf '{"id": 1}\n' >"$T/nosql.jsonl"
expect 1 "nosql.jsonl:1: a JSON line without" queries --broker "$Q" --queries "$T/nosql.jsonl" --duration 1
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 1 "cannot connect to the broker" queries --broker "http://127.0.0.1:$DEAD" --queries "$T/queries.sql" --duration 1
expect 2 usage ingest --kafka "$KAFKA" --topic pageviews --broker "$Q"
expect 2 usage ingest --kafka "$KAFKA" --topic pageviews --broker "$Q" --table pageviews --rate 10 --max
expect 1 "table nosuch: errorCode 190" ingest --kafka "$KAFKA" --topic pageviews --broker "$Q" --table nosuch --seconds 1
expect 1 "no topic 'nosuch'" ingest --kafka "$KAFKA" --topic nosuch --broker "$Q" --table pageviews --seconds 1
expect 1 "broker http://127.0.0.1:$DEAD" ingest --kafka "$KAFKA" --topic pageviews --broker "http://127.0.0.1:$DEAD" --table pageviews --seconds 1

# stderr of every bench run is in $T/*.err, so cluster_finish checks them
# for sanitizer reports too
cluster_finish
