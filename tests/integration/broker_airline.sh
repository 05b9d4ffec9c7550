#!/usr/bin/env bash
# Integration test: Pinot's airlineStats suite (200 queries with expected
# results) through the real cluster path: `tannin server`s and a
# `tannin broker` on loopback, loaded and queried with shared/tools/pinot-suite
# exactly as it drives Apache Pinot (POST /schemas, /tables, /ingestFromFile,
# POST /query/sql).
#   1. OFFLINE, one server
#   2. OFFLINE, two servers, the data ingested in two halves (one segment on
#      each server): every answer merged across servers
#   3. REALTIME, one server: the rows produced to `tannin kafka-dev` with kcat
#   4. hybrid: the same rows OFFLINE too; Pinot's time boundary splits the
#      table so every row counts once
#   5. REALTIME, two servers: each consumes half of the partitions
#   (3 to 5 are skipped with a message when kafka-dev or kcat is missing)
# Needs ../shared beside the clone (skipped otherwise).
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED="$ROOT/../shared"
DATA="$SHARED/data/airlineStats"
SUITE="$SHARED/tools/pinot-suite"
if [ ! -f "$DATA/expected-200.jsonl" ] || [ ! -f "$SUITE" ]; then
    echo "SKIP: $DATA or shared/tools/pinot-suite not found (shared/ is not beside this clone)"
    exit 0
fi
. "$ROOT/tests/integration/lib/cluster.sh"

# run_suite NAME: the 200 queries against $Q must all pass
run_suite() {
    python3 "$SUITE" run --broker "$Q" --expected "$DATA/expected-200.jsonl" \
        --show-failures 5 >"$T/suite.out" 2>&1
    local rc=$?
    local summary
    summary=$(tail -1 "$T/suite.out")
    if [ $rc -eq 0 ] && grep -qE '^[0-9]+ passed, 0 failed' <<<"$summary"; then
        ok "$1: $summary"
    else
        bad "$1: $summary"
        sed -n '/^FAILED/,$p' "$T/suite.out" | head -40
    fi
}

count_rows() {
    curl -s -X POST "$Q/query/sql" -H 'Content-Type: application/json' \
        -d '{"sql":"SELECT COUNT(*) FROM airlineStats"}' |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["resultTable"]["rows"][0][0] if d.get("resultTable") else -1)'
}
NROWS=$(grep -c . "$DATA/airlineStats.jsonl")

# ---- 1. OFFLINE, one server --------------------------------------------------------------
start_server s1
start_broker b1 "$SRV_ADDR"
if python3 "$SUITE" load --controller "$A" --data "$DATA" --broker "$Q" --wait 60 >"$T/load.out" 2>&1; then
    ok "offline, 1 server: pinot-suite load ($(grep -c . "$DATA/airlineStats.jsonl") rows)"
    run_suite "offline, 1 server"
    # a real Pinot client library, both with a broker list and through the
    # controller's broker discovery (/v2/brokers/tables)
    NODE_MODULES="$ROOT/tools/node/node_modules"
    if command -v node >/dev/null && "$ROOT/tools/node/install.sh" >/dev/null 2>&1 &&
        [ -d "$NODE_MODULES/pinot-client" ]; then
        if TN_NODE_MODULES="$NODE_MODULES" node "$ROOT/tests/integration/lib/pinot_client.mjs" \
            "${Q#http://}" "${A#http://}" airlineStats "$NROWS" >"$T/pc.out" 2>&1; then
            ok "pinot-client (npm): $(grep -c '^ok' "$T/pc.out") checks"
        else
            bad "pinot-client: $(grep -v '^ok' "$T/pc.out" | head -c 600)"
        fi
    else
        echo "SKIP: pinot-client check: node or tools/node/install.sh unavailable"
    fi
else
    bad "offline, 1 server: pinot-suite load: $(tail -5 "$T/load.out")"
fi
kill "$BRK_PID" "$SRV_PID"; wait "$BRK_PID" "$SRV_PID" 2>/dev/null

# ---- 2. OFFLINE, two servers, one half each ----------------------------------------------
start_server s2a; SA=$SRV_ADDR
start_server s2b; SB=$SRV_ADDR
start_broker b2 "$SA,$SB"
half=$((NROWS / 2))
head -n "$half" "$DATA/airlineStats.jsonl" >"$T/half1.jsonl"
tail -n +"$((half + 1))" "$DATA/airlineStats.jsonl" >"$T/half2.jsonl"
curl -s -o /dev/null -X POST "$A/schemas" -H 'Content-Type: application/json' \
    --data-binary "@$DATA/airlineStats_schema.json"
curl -s -o "$T/body" -X POST "$A/tables" -H 'Content-Type: application/json' \
    --data-binary "@$DATA/airlineStats_offline_table_config.json"
loaded=1
for h in half1 half2; do
    code=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
        "$A/ingestFromFile?tableNameWithType=airlineStats_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
        -F "file=@$T/$h.jsonl;type=application/json")
    [ "$code" = 200 ] || { loaded=0; bad "two servers: ingest $h: $code $(cat "$T/body")"; }
done
curl -s "$Q/debug/routingTable/airlineStats" >"$T/routing.json"
spread=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["airlineStats_OFFLINE"]; print(sum(1 for v in d.values() if v))' "$T/routing.json")
if [ "$spread" = 2 ]; then ok "two servers: each holds a segment"; else bad "two servers: routing $(cat "$T/routing.json")"; fi
seen=$(count_rows)
if [ "$loaded" = 1 ] && [ "$seen" = "$NROWS" ]; then
    ok "two servers: broker sees $seen rows"
    run_suite "offline, 2 servers"
else
    bad "two servers: broker sees $seen of $NROWS rows"
fi
kill "$BRK_PID"; wait "$BRK_PID" 2>/dev/null

# ---- 3. REALTIME, one server, rows from kafka-dev ----------------------------------------
# ---- 4. hybrid: the same rows also OFFLINE; the time boundary splits them ----------------
if ! "$BIN" kafka-dev --help 2>&1 | grep -q bootstrap || ! command -v kcat >/dev/null; then
    echo "note: realtime and hybrid modes skipped (tannin kafka-dev or kcat unavailable)"
else
    "$BIN" kafka-dev --topic airlineStats:8 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
    KAFKA_PID=$!
    PIDS+=("$KAFKA_PID")
    if ! wait_line "$T/kafka.out" '^bootstrap: ' 30; then
        bad "realtime: kafka-dev did not start: $(cat "$T/kafka.err")"
    else
        KAFKA=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")
        python3 - "$DATA/airlineStats_realtime_table_config.json" "$KAFKA" >"$T/rt.json" <<'P'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["tableIndexConfig"]["streamConfigs"]["stream.kafka.broker.list"] = sys.argv[2]
print(json.dumps(cfg))
P
        # keyed by line number, so the rows spread evenly over the partitions
        # (the mock keeps only about 5 MiB per partition)
        awk '{ print NR "\t" $0 }' "$DATA/airlineStats.jsonl" |
            kcat -P -K '\t' -b "$KAFKA" -t airlineStats 2>"$T/kcat.err" ||
            bad "realtime: kcat: $(cat "$T/kcat.err")"
        start_server s3
        start_broker b3 "$SRV_ADDR"
        if python3 "$SUITE" load --controller "$A" --data "$DATA" --table-config "$T/rt.json" \
            >"$T/load.out" 2>&1; then
            seen=-1
            for i in $(seq 1 120); do
                seen=$(count_rows)
                [ "$seen" = "$NROWS" ] && break
                sleep 0.5
            done
            if [ "$seen" = "$NROWS" ]; then
                ok "realtime: broker sees $seen rows"
                run_suite "realtime, 1 server"
            else
                bad "realtime: broker sees $seen of $NROWS rows"
            fi
            # every row in both parts: OFFLINE answers days <= boundary,
            # REALTIME the rest, so each row still counts once
            if python3 "$SUITE" load --controller "$A" --data "$DATA" >"$T/load.out" 2>&1; then
                seen=$(count_rows)
                if [ "$seen" = "$NROWS" ]; then ok "hybrid: each row counted once ($seen)"
                else bad "hybrid: broker counts $seen of $NROWS rows"; fi
                curl -s "$Q/debug/timeBoundary/airlineStats" >"$T/tb.json"
                if grep -q '"timeColumn":"DaysSinceEpoch"' "$T/tb.json"; then
                    ok "hybrid: time boundary $(cat "$T/tb.json")"
                else
                    bad "hybrid: time boundary $(cat "$T/tb.json")"
                fi
                run_suite "hybrid, 1 server"
            else
                bad "hybrid: pinot-suite load offline: $(tail -5 "$T/load.out")"
            fi
        else
            bad "realtime: pinot-suite load: $(tail -5 "$T/load.out")"
        fi
        # ---- 5. REALTIME on two servers: each consumes half of the partitions
        start_server s5a; SA=$SRV_ADDR
        start_server s5b; SB=$SRV_ADDR
        start_broker b5 "$SA,$SB"
        if python3 "$SUITE" load --controller "$A" --data "$DATA" --table-config "$T/rt.json" \
            >"$T/load.out" 2>&1; then
            seen=-1
            for i in $(seq 1 120); do
                seen=$(count_rows)
                [ "$seen" = "$NROWS" ] && break
                sleep 0.5
            done
            # the broker learns the servers' segments on its next sync: poll
            split=
            for i in $(seq 1 30); do
                curl -s "$Q/debug/routingTable/airlineStats" >"$T/routing.json"
                split=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["airlineStats_REALTIME"]; print(" ".join(str(len(v)) for v in d.values()))' "$T/routing.json" 2>/dev/null)
                [ "$split" = "4 4" ] && break
                sleep 0.5
            done
            if [ "$seen" = "$NROWS" ] && [ "$split" = "4 4" ]; then
                ok "realtime, 2 servers: $seen rows, consuming segments per server: $split"
                run_suite "realtime, 2 servers"
            else
                bad "realtime, 2 servers: $seen of $NROWS rows, segments per server: $split"
            fi
        else
            bad "realtime, 2 servers: pinot-suite load: $(tail -5 "$T/load.out")"
        fi
    fi
fi

cluster_finish
