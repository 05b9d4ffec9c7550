#!/usr/bin/env bash
# Integration test: complexTypeConfig on REALTIME ingestion with the real
# executables: `tannin kafka-dev`, nested order messages produced with
# kcat, `tannin server` with a table that unnests each order's items into
# rows. Checks: the row count equals what the messages yield (an empty or
# missing array keeps one row, a message with a bad item gives none and is
# counted invalid once), per-element values through SQL, flattened maps,
# a JSON column for an array that is not unnested, exactly the same count
# through kill -9 restarts during ingestion (a message's rows are never
# split between a sealed segment and the uncommitted rest), the flush
# threshold in the status, and a bad complexTypeConfig refused with
# the key named.
set -u
BIN=${TANNIN_BIN:-${TN_BIN:-build/tannin}}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
. "${TN_ROOT:-.}/tests/integration/lib/cluster.sh"

if ! command -v kcat >/dev/null; then echo "SKIP: kcat is not installed"; echo "0 passed, 0 failed"; exit 0; fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- Kafka ------------------------------------------------------------
KPORT=$(free_port)
"$BIN" kafka-dev --port "$KPORT" --brokers 1 --topic orders:2 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KAFKA_PID=$!
PIDS+=("$KAFKA_PID")
wait_line "$T/kafka.out" '^bootstrap:' 10 || { bad "kafka-dev did not start: $(cat "$T/kafka.err")"; cluster_finish; exit 1; }
KB=127.0.0.1:$KPORT

# produce FIRST N: orders FIRST.. over the 2 partitions. Order i has i % 4
# items (sku s<j>, qty j+1); order i with i % 50 == 7 has a bad qty in
# its first item (i is odd there, so it has one).
produce() {
    local first=$1 n=$2 p
    for p in 0 1; do
        awk -v f="$first" -v n="$n" -v p="$p" 'BEGIN {
            for (i = f; i < f + n; i++) if (i % 2 == p) {
                s = sprintf("{\"id\":%d,\"customer\":{\"name\":\"u%d\",\"tier\":\"t%d\"},\"ts\":%d,\"notes\":[{\"a\":%d}],\"items\":[", i, i % 7, i % 3, 1700000000000 + i, i)
                for (j = 0; j < i % 4; j++) {
                    q = (i % 50 == 7 && j == 0) ? "\"lots\"" : j + 1
                    s = s sprintf("%s{\"sku\":\"s%d\",\"qty\":%s}", j ? "," : "", j, q)
                }
                print s "]}"
            }
        }' >"$T/p$p.jsonl"
        kcat -P -b "$KB" -t orders -p "$p" -l "$T/p$p.jsonl" 2>>"$T/kcat.err" || return 1
    done
}
# rows FIRST N: the rows those orders yield; bad_msgs FIRST N: the bad ones
rows() { awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++) if (i % 50 != 7) r += (i % 4 ? i % 4 : 1); print r }'; }
bad_msgs() { awk -v f="$1" -v n="$2" 'BEGIN { for (i = f; i < f + n; i++) if (i % 50 == 7) r++; print r + 0 }'; }

# ---- the server --------------------------------------------------------
cat >"$T/schema.json" <<'J'
{"schemaName":"orders","dimensionFieldSpecs":[{"name":"id","dataType":"LONG"},
  {"name":"customer.name","dataType":"STRING"},{"name":"tier","dataType":"STRING"},
  {"name":"items.sku","dataType":"STRING"},{"name":"notes","dataType":"JSON"}],
 "metricFieldSpecs":[{"name":"items.qty","dataType":"INT"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
table() {
    cat <<J
{"tableName":"orders","tableType":"REALTIME","segmentsConfig":{"timeColumnName":"ts"},
 "ingestionConfig":{"complexTypeConfig":{$1},
  "streamIngestionConfig":{"streamConfigMaps":[{"streamType":"kafka","stream.kafka.topic.name":"orders",
   "stream.kafka.broker.list":"$KB","stream.kafka.consumer.prop.auto.offset.reset":"smallest",
   "realtime.segment.flush.threshold.rows":"701"}]}}}
J
}
table '"fieldsToUnnest":["items"],"prefixesToRename":{"customer.tier":"tier"}' >"$T/table.json"

start() {
    : >"$T/server.out"
    "$BIN" server --data-dir "$T/data" --port 0 --admin-port 0 --no-sync \
        --schema "$T/schema.json" --table "$T/table.json" >"$T/server.out" 2>>"$T/server.err" &
    SPID=$!
    PIDS+=("$SPID")
    wait_line "$T/server.out" '^server ready:' 30 || { bad "server did not start: $(tail -5 "$T/server.err")"; cluster_finish; exit 1; }
    A=$(sed -n 's/^server ready: .* admin \([^ ]*\)$/\1/p' "$T/server.out")
}
sql() { curl -s --max-time 10 -H 'Content-Type: application/json' -d "{\"sql\":\"$1\"}" "http://$A/query/sql"; }
count() { sql "SELECT COUNT(*) FROM orders" | sed -n 's/.*"rows":\[\[\([0-9]*\)\]\].*/\1/p'; }
wait_count() {
    local want=$1 c= i
    for i in $(seq 1 600); do
        c=$(count)
        [ "$c" = "$want" ] && return 0
        if [ -n "$c" ] && [ "$c" -gt "$want" ]; then echo "count $c exceeds $want"; return 1; fi
        sleep 0.1
    done
    echo "count is '$c', expected $want"
    return 1
}

N=3000
produce 0 $N || bad "kcat produce"
start
WANT=$(rows 0 $N)
if wait_count "$WANT"; then ok "$N orders give exactly $WANT rows"; else bad "first ingestion"; fi
# counters are published after each batch: wait for them too
for _ in $(seq 1 100); do
    inv=$(curl -s "http://$A/metrics" | awk '/^tannin_server_invalid_rows_total\{/ { s += $2 } END { print s + 0 }')
    [ "$inv" = "$(bad_msgs 0 $N)" ] && break
    sleep 0.1
done
[ "$inv" = "$(bad_msgs 0 $N)" ] && ok "each bad order counted invalid once ($inv)" || bad "invalid: $inv, want $(bad_msgs 0 $N)"

# per-element values: order 14 has items s0 (qty 1) and s1 (qty 2)
r=$(sql "SELECT \\\"items.sku\\\", \\\"items.qty\\\", \\\"customer.name\\\", tier, notes FROM orders WHERE id = 14 ORDER BY \\\"items.sku\\\"")
if echo "$r" | grep -qF '"rows":[["s0",1,"u0","t2","[{\"a\":14}]"],["s1",2,"u0","t2","[{\"a\":14}]"]]'; then
    ok "order 14: one row per item, the rest repeated, renamed and JSON columns"
else bad "order 14: $r"; fi
# order 8 has no item: one row, items null
r=$(sql "SELECT COUNT(*) FROM orders WHERE id = 8")
echo "$r" | grep -qF '"rows":[[1]]' && ok "an empty array keeps the order once" || bad "order 8: $r"
r=$(sql "SELECT COUNT(*) FROM orders WHERE id = 57")
echo "$r" | grep -qF '"rows":[[0]]' && ok "a bad order gives no row" || bad "order 57: $r"
want_qty=$(awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) if (i % 50 != 7) for (j = 0; j < i % 4; j++) s += j + 1; print s }')
r=$(sql "SELECT SUM(\\\"items.qty\\\") FROM orders")
echo "$r" | grep -qE "\"rows\":\[\[$want_qty(\.0)?\]\]" && ok "SUM(items.qty) = $want_qty" || bad "sum: $r (want $want_qty)"

# ---- kill -9 during ingestion ---------------------------------------------
TOTAL=$N
for round in 1 2 3; do
    produce $TOTAL 2000 &
    PP=$!
    sleep "0.$((RANDOM % 8 + 1))"
    kill -9 "$SPID"; wait "$SPID" 2>/dev/null
    wait "$PP" || bad "kcat produce"
    TOTAL=$((TOTAL + 2000))
    start
    WANT=$(rows 0 $TOTAL)
    if wait_count "$WANT"; then ok "kill -9 round $round: exactly $WANT rows after restart"
    else bad "kill -9 round $round"; fi
done
segs=$(curl -s "http://$A/tables/orders/segments")
ndone=$(echo "$segs" | grep -o '"status":"DONE"' | wc -l)
[ "$ndone" -ge 3 ] && ok "$ndone segments sealed" || bad "sealed segments: $ndone"
thr=$(echo "$segs" | grep -o '"flushThresholdRows":[0-9]*' | head -1 | cut -d: -f2)
[ "$thr" = 701 ] && ok "the row threshold shown per partition" || bad "flushThresholdRows: '$thr'"

# ---- a bad complexTypeConfig ------------------------------------------------
table '"fieldsToUnnest":["items"],"collectionNotUnnestedToJson":"SOMETIMES"' >"$T/bad_table.json"
"$BIN" server --data-dir "$T/data2" --port 0 --admin-port 0 --schema "$T/schema.json" \
    --table "$T/bad_table.json" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "complexTypeConfig.collectionNotUnnestedToJson' must be NONE" "$T/bad.err"; then
    ok "bad complexTypeConfig: exit 2, the key named"
else bad "bad complexTypeConfig: exit $rc, $(cat "$T/bad.err")"; fi
cluster_finish
