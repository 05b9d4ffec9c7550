#!/usr/bin/env bash
# Integration test: one REALTIME table on two Kafka topics (Pinot's
# multi-topic streamConfigMaps) and consumption rate limits, on real
# processes: kafka-dev, two `tannin server`s, a broker; events produced
# with kcat. Checks:
#   - counts through the broker's SQL are exact, per topic too;
#   - segment names and consumingSegmentsInfo use Pinot's partition ids
#     (stream index * 10000 + the topic's partition) and name the topic;
#   - kill -9 of a server while both topics are produced to, and a
#     restart: the counts stay exact (each stream resumes at its offsets);
#   - a server restarted with --consumption-rate-limit never consumes
#     faster than the limit allows (an upper bound: a slow machine cannot
#     make it fail) and loses nothing; /metrics shows the limit and the
#     throttled time; a bad flag value is refused with the reason.
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$ROOT/tests/integration/lib/cluster.sh"

check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
req() {
    local m=$1 url=$2
    if [ $# -ge 3 ]; then
        CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$url" \
            -H 'Content-Type: application/json' --data-binary "$3")
    else
        CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$url")
    fi
}
jq_() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)" 2>/dev/null; }
body() { head -c 300 "$T/body"; }
sql() { req POST "$Q/query/sql" "{\"sql\": \"$1\"}"; }
count() { sql "SELECT COUNT(*) FROM events"; jq_ "d['resultTable']['rows'][0][0]"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# wait_count N SECONDS: the count reaches N and never passes it
wait_count() {
    local want=$1 i c=
    for ((i = 0; i < $2 * 10; i++)); do
        c=$(count)
        [ "$c" = "$want" ] && return 0
        if [ -n "$c" ] && [ "$c" -gt "$want" ]; then echo "count $c exceeds $want"; return 1; fi
        sleep 0.1
    done
    echo "count is '$c', expected $want"
    return 1
}
# produce TOPIC PARTITION FIRST N: events FIRST.. with src=TOPIC
produce() {
    awk -v t="$1" -v f="$3" -v n="$4" 'BEGIN {
        for (i = f; i < f + n; i++)
            printf "{\"src\":\"%s\",\"n\":%d,\"ts\":%d}\n", t, i, 1700000000000 + i }' >"$T/prod.jsonl"
    kcat -P -b "$KAFKA" -t "$1" -p "$2" -l "$T/prod.jsonl" 2>>"$T/kcat.err"
}

if ! command -v kcat >/dev/null; then echo "SKIP: kcat is not installed"; echo "0 passed, 0 failed"; exit 0; fi
"$BIN" kafka-dev --topic a:2 --topic b:3 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KAFKA_PID=$!
PIDS+=("$KAFKA_PID")
wait_line "$T/kafka.out" '^bootstrap: ' 30 || { echo "kafka-dev did not start"; exit 1; }
KAFKA=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")

cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"src","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"n","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
stream_map() { # stream_map TOPIC [EXTRA]
    echo "{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"$1\",
      \"stream.kafka.broker.list\":\"$KAFKA\",\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\",
      \"stream.kafka.decoder.class.name\":\"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder\",
      \"realtime.segment.flush.threshold.rows\":\"${FLUSH:-400}\"${2:-}}"
}
TABLE="{\"tableName\":\"events\",\"tableType\":\"REALTIME\",\"segmentsConfig\":{\"timeColumnName\":\"ts\"},
 \"ingestionConfig\":{\"streamIngestionConfig\":{\"streamConfigMaps\":[$(stream_map a),$(FLUSH=50 stream_map b)]}}}"

# ---- the flag ------------------------------------------------------------------------------------
"$BIN" server --data-dir "$T/x" --consumption-rate-limit fast >"$T/x.out" 2>"$T/x.err"
rc=$?
has() { grep -q "$2" "$1" && echo yes; }
check "--consumption-rate-limit fast: exit 2 with the reason ($(head -c 120 "$T/x.err"))" \
    [ $rc = 2 -a "$(has "$T/x.err" "must be a positive number of messages per second, got 'fast'")" = yes ]

# ---- two topics into one table ---------------------------------------------------------------------
start_server s1; S1=$SRV_ADDR; S1_PID=$SRV_PID
start_server s2; S2=$SRV_ADDR; S2_PID=$SRV_PID
start_broker b1 "$S1,$S2"
req POST "$A/schemas" "@$T/schema.json"
check "POST schema" [ "$CODE" = 200 ]
BAD="{\"tableName\":\"events\",\"tableType\":\"REALTIME\",\"ingestionConfig\":{\"streamIngestionConfig\":
 {\"streamConfigMaps\":[$(stream_map a),{\"streamType\":\"kafka\"}]}}}"
req POST "$A/tables" "$BAD"
check "a map without a topic: 400 naming map 1 ($(body))" \
    [ "$CODE" = 400 -a "$(has "$T/body" "streamConfigMaps\[1\]: stream config 'stream.kafka.topic.name' is missing")" = yes ]
req POST "$A/tables" "$TABLE"
check "POST the two-topic table: $(body)" [ "$CODE" = 200 ]

NA=0 NB=0
for p in 0 1; do produce a $p $((p * 1000)) 500 && NA=$((NA + 500)); done
for p in 0 1 2; do produce b $p $((10000 + p * 1000)) 300 && NB=$((NB + 300)); done
check "both topics counted exactly ($NA + $NB)" wait_count $((NA + NB)) 60
sql "SELECT src, COUNT(*) FROM events GROUP BY src ORDER BY src"
check "per topic: a $NA, b $NB ($(body))" \
    [ "$(jq_ "d['resultTable']['rows']")" = "[['a', $NA], ['b', $NB]]" ]
req GET "$A/tables/events/consumingSegmentsInfo"
# a's 500 a partition sealed one segment at 400 rows (seq 1 consumes now);
# b's 300 sealed none: its own 50 is ignored, the first map's counts
check "consumingSegmentsInfo: b's partitions as 10000.. with their topic, a's threshold for all" \
    [ "$(jq_ "sorted(tuple(k.split('__')[1:3]) + (e['topicName'], e['streamPartitionId']) for k, l in d['segmentToConsumingInfoMap'].items() for e in l)")" \
      = "[('0', '1', 'a', 0), ('1', '1', 'a', 1), ('10000', '0', 'b', 0), ('10001', '0', 'b', 1), ('10002', '0', 'b', 2)]" ]
check "b's offsets keyed by its partition ids" \
    [ "$(jq_ "sorted(k2 for l in d['segmentToConsumingInfoMap'].values() for e in l for k2 in e['partitionToOffsetMap'])")" \
      = "['0', '1', '10000', '10001', '10002']" ]

# ---- kill -9 during production to both topics, and a restart ---------------------------------------
S1_PORT=${S1##*:}
produce a 0 5000 300 && NA=$((NA + 300))
kill -9 "$S1_PID"; wait "$S1_PID" 2>/dev/null
produce b 0 15000 250 && NB=$((NB + 250))   # 10000: s1's
produce b 2 17000 150 && NB=$((NB + 150))   # 10002: s1's
produce a 1 6000 100 && NA=$((NA + 100))    # 1: s2's
start_server s1 "$S1_PORT"; S1_PID=$SRV_PID
check "after kill -9 and restart: exactly $((NA + NB))" wait_count $((NA + NB)) 60
sql "SELECT src, COUNT(*), SUM(n) FROM events GROUP BY src ORDER BY src"
check "per topic after the restart: a $NA, b $NB" \
    [ "$(jq_ "[r[:2] for r in d['resultTable']['rows']]")" = "[['a', $NA], ['b', $NB]]" ]

# ---- the server-wide rate limit --------------------------------------------------------------------
# s2 owns partitions 1 (a/1) and 10001 (b/1); restarted with a limit of
# 150 messages/s across both.
S2_PORT=${S2##*:}
stop_within "$S2_PID"
LIMIT=150
"$BIN" server --data-dir "$T/s2" --port "$S2_PORT" --admin-port 0 --consumption-rate-limit $LIMIT \
    >"$T/s2.out" 2>"$T/s2.err" &
S2_PID=$!
PIDS+=("$S2_PID")
wait_line "$T/s2.out" '^server ready: query ' 30 || { bad "s2 did not restart: $(cat "$T/s2.err")"; cluster_finish; exit 1; }
S2_ADMIN=$(sed -n 's/^server ready: .* admin \([^ ]*\)$/\1/p' "$T/s2.out")
check "s2 back with everything: $((NA + NB))" wait_count $((NA + NB)) 60
BASE=$((NA + NB))
produce a 1 20000 450 && NA=$((NA + 450))
produce b 1 30000 450 && NB=$((NB + 450))
WANT=$((NA + NB)) t0=$(now_ms) over= c=
for ((i = 0; i < 600; i++)); do
    c=$(count); t=$(now_ms)
    [ -n "$c" ] || continue
    # the limit over the time since the messages were there, plus the
    # buckets' first tenth of a second and a batch per partition
    allowed=$(( BASE + LIMIT * 11 * (t - t0) / 10000 + LIMIT / 10 * 2 + 50 ))
    [ "$c" -gt "$allowed" ] && over="$c rows after $((t - t0)) ms (allowed $allowed)"
    [ "$c" = "$WANT" ] && break
    sleep 0.1
done
secs=$(python3 -c "print(round(($(now_ms) - $t0) / 1000, 2))")
echo "note: 900 messages at --consumption-rate-limit $LIMIT took $secs s ($(python3 -c "print(round(900 / $secs))")/s)"
check "the limit held (${over:-never over})" [ -z "$over" ]
check "every row arrived once: $WANT (got $c)" [ "$c" = "$WANT" ]
check "900 rows at $LIMIT/s took at least 5 s ($secs s)" python3 -c "import sys; sys.exit(0 if $secs >= 5 else 1)"
# a loaded machine may be slow to answer: fetch until the page is whole
for ((i = 0; i < 50; i++)); do
    curl -s --max-time 10 "http://$S2_ADMIN/metrics" >"$T/metrics" &&
        grep -q '^tannin_server_consumption_rate_limit ' "$T/metrics" && break
    sleep 0.2
done
check "metrics: the server's limit" grep -q "^tannin_server_consumption_rate_limit $LIMIT$" "$T/metrics"
check "metrics: partition 10001 (b/1) was throttled" \
    grep -qE '^tannin_server_partition_throttled_ms_total\{table="events_REALTIME",partition="10001"\} [1-9]' "$T/metrics"
check "metrics: 10001 is topic b, partition 1" \
    grep -q 'tannin_server_partition_rate_limit{table="events_REALTIME",partition="10001",topic="b",stream_partition="1"} 0' "$T/metrics"

cluster_finish
