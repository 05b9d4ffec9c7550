#!/usr/bin/env bash
# Integration test: Kafka ingestion end to end with the real executables:
# `tannin kafka-dev` (three mock brokers behind a fixed port), events
# produced with kcat, `tannin server` with a local REALTIME table that
# seals small segments. Checks: every event counted exactly once through
# three kill -9 restarts during ingestion, freshness of a new event, bad
# messages counted in /metrics, a broker outage (stdin control of
# kafka-dev) during production, a clean SIGTERM, a bad table config.
set -u
BIN=${TANNIN_BIN:-build/tannin}
T=$(mktemp -d)
KPID= SPID= PPID_BG=
cleanup() {
    [ -n "$PPID_BG" ] && kill "$PPID_BG" 2>/dev/null
    [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
    exec 7>&- 2>/dev/null
    [ -n "$KPID" ] && kill "$KPID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

if ! command -v kcat >/dev/null; then echo "SKIP: kcat is not installed"; echo "0 passed, 0 failed"; exit 0; fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---- Kafka ------------------------------------------------------------
KPORT=$(free_port)
mkfifo "$T/kctl"
"$BIN" kafka-dev --port "$KPORT" --brokers 3 --topic events:4 --topic events-dlq:1 <"$T/kctl" >"$T/kafka.out" 2>"$T/kafka.err" &
KPID=$!
exec 7>"$T/kctl"   # kafka-dev's control channel stays open while we run
for _ in $(seq 1 100); do grep -q '^bootstrap:' "$T/kafka.out" 2>/dev/null && break; sleep 0.1; done
if grep -q "^bootstrap: 127.0.0.1:$KPORT$" "$T/kafka.out"; then ok "kafka-dev on 127.0.0.1:$KPORT"
else bad "kafka-dev did not start: $(cat "$T/kafka.err")"; finish; fi
KB=127.0.0.1:$KPORT
# producers also know the brokers' own ports, so they bootstrap even while
# broker 1 (behind the fixed port) is down
KALL="$KB,$(sed -n 's/^brokers: //p' "$T/kafka.out")"
if kcat -b "$KB" -L 2>&1 | grep -q 'topic "events" with 4 partitions'; then ok "kcat -L through the fixed port"
else bad "kcat -L: $(kcat -b "$KB" -L 2>&1 | head -5)"; fi

# control: ctl "down 1" -> the answer line
ctl() {
    local before
    before=$(wc -l <"$T/kafka.out")
    echo "$1" >&7
    for _ in $(seq 1 50); do [ "$(wc -l <"$T/kafka.out")" -gt "$before" ] && break; sleep 0.1; done
    tail -1 "$T/kafka.out"
}

# produce FIRST COUNT: events FIRST.. round-robin over the 4 partitions
produce() {
    local first=$1 n=$2 p
    for p in 0 1 2 3; do
        awk -v f="$first" -v n="$n" -v p="$p" 'BEGIN {
            for (i = f; i < f + n; i++) if (i % 4 == p)
                printf "{\"country\":\"c%d\",\"clicks\":%d,\"ts\":%d}\n", i % 5, i, 1700000000000 + i
        }' >"$T/p$p.jsonl"
        kcat -P -b "$KALL" -t events -p "$p" -l "$T/p$p.jsonl" 2>>"$T/kcat.err" || return 1
    done
}

# ---- the server --------------------------------------------------------
cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
cat >"$T/table.json" <<J
{"tableName":"events","tableType":"REALTIME","segmentsConfig":{"timeColumnName":"ts"},
 "tableIndexConfig":{"streamConfigs":{"streamType":"kafka","stream.kafka.topic.name":"events",
   "stream.kafka.broker.list":"$KB",
   "stream.kafka.decoder.class.name":"org.apache.pinot.plugin.stream.kafka.KafkaJSONMessageDecoder",
   "stream.kafka.consumer.prop.auto.offset.reset":"smallest",
   "stream.kafka.deadletter.topic.name":"events-dlq",
   "realtime.segment.flush.threshold.rows":"700"}}}
J

start_server() {
    : >"$T/server.out"
    "$BIN" server --data-dir "$T/data" --port 0 --admin-port 0 --no-sync \
        --schema "$T/schema.json" --table "$T/table.json" >"$T/server.out" 2>>"$T/server.err" &
    SPID=$!
    for _ in $(seq 1 200); do
        grep -q '^server ready:' "$T/server.out" 2>/dev/null && break
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.05
    done
    A=$(sed -n 's/^server ready: .* admin \([^ ]*\)$/\1/p' "$T/server.out")
    [ -n "$A" ] || { bad "server did not start: $(tail -5 "$T/server.err")"; finish; }
}

sql() {
    curl -s --max-time 10 -H 'Content-Type: application/json' -d "{\"sql\":\"$1\"}" "http://$A/query/sql"
}
count() { sql "SELECT COUNT(*) FROM events" | sed -n 's/.*"rows":\[\[\([0-9]*\)\]\].*/\1/p'; }

# wait_count N SECONDS: the count reaches N, and never passes it
wait_count() {
    local want=$1 secs=$2 c= i
    for i in $(seq 1 $((secs * 10))); do
        c=$(count)
        [ "$c" = "$want" ] && return 0
        if [ -n "$c" ] && [ "$c" -gt "$want" ]; then echo "count $c exceeds $want"; return 1; fi
        sleep 0.1
    done
    echo "count is '$c', expected $want"
    return 1
}

TOTAL=4000
produce 0 $TOTAL || bad "kcat produce"
start_server
if wait_count $TOTAL 60; then ok "all $TOTAL events queryable"; else bad "first ingestion"; fi
# seq continues; several segments sealed
curl -s "http://$A/tables/events/segments" >"$T/segs.json"
if grep -q '"status":"DONE"' "$T/segs.json"; then ok "segments sealed"; else bad "no sealed segment: $(head -c 300 "$T/segs.json")"; fi

# ---- kill -9 during ingestion, three times -------------------------------
for round in 1 2 3; do
    produce $TOTAL 3000 &
    PPID_BG=$!
    sleep "0.$((RANDOM % 8 + 1))"
    kill -9 "$SPID"; wait "$SPID" 2>/dev/null; SPID=
    wait "$PPID_BG"; PPID_BG=
    TOTAL=$((TOTAL + 3000))
    start_server
    if wait_count $TOTAL 60; then ok "kill -9 round $round: exactly $TOTAL after restart"
    else bad "kill -9 round $round"; fi
done
g=$(sql "SELECT country, COUNT(*) FROM events GROUP BY country ORDER BY country LIMIT 10")
want=$(awk -v n=$TOTAL 'BEGIN { for (i = 0; i < n; i++) c[i % 5]++;
    printf "[\"c0\",%d],[\"c1\",%d],[\"c2\",%d],[\"c3\",%d],[\"c4\",%d]", c[0], c[1], c[2], c[3], c[4] }')
if echo "$g" | grep -qF "$want"; then ok "GROUP BY counts exact"; else bad "GROUP BY: $g (want $want)"; fi

# ---- freshness -----------------------------------------------------------
t0=$(now_ms)
echo '{"country":"fresh","clicks":1,"ts":1700000000000}' | kcat -P -b "$KB" -t events -p 1
fresh=
for _ in $(seq 1 100); do
    if sql "SELECT COUNT(*) FROM events WHERE country = 'fresh'" | grep -q '"rows":\[\[1\]\]'; then
        fresh=$(( $(now_ms) - t0 )); break
    fi
    sleep 0.02
done
TOTAL=$((TOTAL + 1))
if [ -n "$fresh" ] && [ "$fresh" -lt 1000 ]; then ok "a new event is visible in ${fresh} ms"
else bad "freshness: ${fresh:-never} ms"; fi

# ---- bad messages ----------------------------------------------------------
printf '%s\n' '{"country":' 'not json' '[1,2]' '{"clicks":"lots"}' '"str"' |
    kcat -P -b "$KB" -t events -p 2
produce $TOTAL 10
TOTAL=$((TOTAL + 10))
wait_count $TOTAL 30 || bad "count after bad messages"
inv=$(curl -s "http://$A/metrics" | awk '/^tannin_server_invalid_rows_total\{/ { s += $2 } END { print s + 0 }')
if [ "$inv" = 5 ]; then ok "5 bad messages counted in /metrics"; else bad "invalid rows in /metrics: $inv"; fi
if grep -q 'invalid message at events/2 offset' "$T/server.err"; then ok "bad messages logged with topic/partition/offset"
else bad "no log line for bad messages"; fi
# each bad message is copied to the dead-letter topic, its source and error in headers
for _ in $(seq 1 50); do
    kcat -C -b "$KB" -t events-dlq -e -q -f '%h\n' >"$T/dlq.out" 2>"$T/dlq.err"
    ndlq=$(grep -c 'tannin.source=events/2/' "$T/dlq.out")
    [ "$ndlq" -ge 5 ] && break
    sleep 0.2
done
if [ "$ndlq" = 5 ] && grep -q 'tannin.error=.*line\|tannin.error=.*JSON\|tannin.error=.*object' "$T/dlq.out"
then ok "5 bad messages copied to the dead-letter topic with source and error headers"
else bad "dead-letter topic: $ndlq messages: $(head -c 400 "$T/dlq.out" "$T/dlq.err"; grep -i dead "$T/server.err" | head -3)"; fi

# ---- broker outage while producing -------------------------------------------
produce $TOTAL 2000 &
PPID_BG=$!
a1=$(ctl "down 1"); a2=$(ctl "down 2")
sleep 1.5
a3=$(ctl "up 1"); a4=$(ctl "up 2")
prc=0; wait "$PPID_BG" || prc=$?; PPID_BG=
[ $prc -eq 0 ] || bad "kcat during the outage: $(tail -3 "$T/kcat.err")"
TOTAL=$((TOTAL + 2000))
if [ "$a1$a2$a3$a4" = okokokok ]; then ok "kafka-dev control: brokers down and up"
else bad "kafka-dev control answers: $a1 $a2 $a3 $a4"; fi
if wait_count $TOTAL 60; then ok "broker outage: exactly $TOTAL"; else bad "after the outage"; [ -n "${TN_KEEP:-}" ] && cp -r "$T" /tmp/ingest_keep; fi
sleep 0.5
[ "$(count)" = "$TOTAL" ] && ok "still exactly $TOTAL" || bad "count moved: $(count)"
curl -s "http://$A/health" | grep -q '^OK' && ok "/health OK" || bad "/health: $(curl -s "http://$A/health")"

# ---- shutdown, bad configs -----------------------------------------------------
kill -TERM "$SPID"
rc=0; wait "$SPID" || rc=$?; SPID=
[ $rc -eq 0 ] && ok "SIGTERM: clean exit" || bad "SIGTERM: exit status $rc"

echo '{"tableName":"x","tableType":"REALTIME"}' >"$T/bad_table.json"
"$BIN" server --data-dir "$T/data2" --port 0 --admin-port 0 --schema "$T/schema.json" \
    --table "$T/bad_table.json" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'needs a stream config' "$T/bad.err"; then ok "bad table config: exit 2, clear error"
else bad "bad table config: exit $rc, $(cat "$T/bad.err")"; fi
echo '{"schemaName":' >"$T/bad_schema.json"
"$BIN" server --data-dir "$T/data2" --port 0 --admin-port 0 --schema "$T/bad_schema.json" \
    --table "$T/table.json" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'malformed JSON at byte' "$T/bad.err"; then ok "bad schema: exit 2, clear error"
else bad "bad schema: exit $rc, $(cat "$T/bad.err")"; fi
finish
