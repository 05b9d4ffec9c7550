#!/usr/bin/env bash
# Integration test: the PostgreSQL wire endpoint under abuse. A `tannin
# server` and a `tannin broker --pg-port 0` on loopback with a table of our
# own (20,000 rows; no shared/ needed), driven by raw sockets
# (pg_robust.py, stdlib only):
#   - malformed and truncated messages, absurd lengths (negative, < 4,
#     over the limit), unknown message types before and after login:
#     FATAL 08P01 (or 0A000) and a close, never a hang
#   - a 10 MB query (an answer or a clean error), a 64 MiB + 1 header
#   - a client pipelining big results it never reads: the broker's memory
#     stays bounded (reading pauses) and other clients are served
#   - 200 concurrent connections, each checking its own answer
#   - abrupt disconnects (TCP RST) in every phase: mid-startup, after
#     SSLRequest, mid-message, while a query runs, mid-result, inside a
#     transaction, with open cursors, with a suspended portal; COPY is not
#     supported, so not tested
#   - after each, a fresh client gets the right answer; after the storms
#     the broker's open fds return to their baseline and its threads and
#     memory stay bounded (/proc/PID)
#   - a second broker with --auth, --pg-idle-timeout 1 and
#     --pg-auth-timeout 2: closes mid-SCRAM, unknown types during the
#     login, the idle default (57P05), the authentication timeout (57014)
#   - SET idle_session_timeout / idle_in_transaction_session_timeout (25P03)
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/integration/lib/cluster.sh"
PY=/usr/bin/python3
HELPER="$ROOT/tests/integration/pg_robust.py"
ROWS=20000

# helper ARGS...: runs a pg_robust.py command, counting its ok/FAIL lines
helper() {
    local line
    while IFS= read -r line; do
        case $line in
        "ok   "*) ok "${line#ok   }" ;;
        "FAIL "*) bad "${line#FAIL }" ;;
        *) echo "$line" ;;
        esac
    done < <(timeout 120 "$PY" "$HELPER" "$@" 2>&1)
}

fds() { ls "/proc/$1/fd" | wc -l; }
status() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }

# ---- the cluster and its table ----------------------------------------------
cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"day","dataType":"INT","format":"1:DAYS:EPOCH","granularity":"1:DAYS"}]}
J
cat >"$T/table.json" <<'J'
{"tableName":"events","tableType":"OFFLINE","segmentsConfig":{"timeColumnName":"day","replication":"1"}}
J
"$PY" -c "
for i in range(1, $ROWS + 1):
    print('{\"country\":\"c%d\",\"clicks\":%d,\"day\":%d}' % (i % 5, i, 18000 + i % 10))" >"$T/rows.jsonl"

start_server s1
start_broker b1 "$SRV_ADDR" --pg-port 0
B1=$BRK_PID
PG1=$PG
[ -n "$PG1" ] && ok "broker b1 serves PostgreSQL on $PG1" || bad "no pg port: $(cat "$T/b1.out")"
c1=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$A/schemas" -H 'Content-Type: application/json' \
    --data-binary "@$T/schema.json")
c2=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$A/tables" -H 'Content-Type: application/json' \
    --data-binary "@$T/table.json")
c3=$(curl -s -o "$T/ingest.out" -w '%{http_code}' -X POST \
    "$A/ingestFromFile?tableNameWithType=events_OFFLINE&batchConfigMapStr=%7B%22inputFormat%22%3A%22json%22%7D" \
    -F "file=@$T/rows.jsonl")
[ "$c1$c2$c3" = 200200200 ] && ok "table events with $ROWS rows" ||
    { bad "table setup: $c1 $c2 $c3 $(cat "$T/ingest.out")"; cluster_finish; exit 1; }

# ---- the baseline, once the broker has served a client ----------------------
helper storm "$PG1" "$ROWS" 4
sleep 0.5
FD0=$(fds "$B1")
TH0=$(status "$B1" Threads)

# ---- abuse -------------------------------------------------------------------
helper malformed "$PG1" "$ROWS"
helper disconnect "$PG1" "$ROWS"
helper big "$PG1" "$ROWS"
# unbounded, this grows by ~230 MB; ASan's quarantine keeps freed memory
# resident, so a sanitizer build gets more room
FLOOD_MB=32
ldd "$BIN" 2>/dev/null | grep -q libasan && FLOOD_MB=96
helper flood "$PG1" "$ROWS" "$B1" "$FLOOD_MB"
helper storm "$PG1" "$ROWS" 200
RSS1=$(status "$B1" VmRSS)
# a second round of everything: memory must not keep growing
helper storm "$PG1" "$ROWS" 200
helper disconnect "$PG1" "$ROWS" >/dev/null
helper malformed "$PG1" "$ROWS" >/dev/null
helper storm "$PG1" "$ROWS" 200
RSS2=$(status "$B1" VmRSS)
helper idle "$PG1" "$ROWS"

# ---- nothing leaked -----------------------------------------------------------
for _ in $(seq 1 50); do
    [ "$(fds "$B1")" -le "$FD0" ] && break
    sleep 0.1
done
FD1=$(fds "$B1")
TH1=$(status "$B1" Threads)
[ "$FD1" -le "$FD0" ] && ok "open fds back to the baseline ($FD0 -> $FD1)" ||
    bad "fds leaked: $FD0 before, $FD1 after ($(ls -l /proc/$B1/fd | tail -5))"
[ "$TH1" -le "$TH0" ] && ok "threads bounded ($TH0 -> $TH1)" || bad "threads grew: $TH0 -> $TH1"
grow=$((RSS2 - RSS1))
[ "$grow" -lt 32768 ] && ok "RSS bounded across rounds (${RSS1} kB -> ${RSS2} kB after a second round)" ||
    bad "RSS keeps growing: ${RSS1} kB -> ${RSS2} kB"
echo "measured: broker b1 fds $FD0 -> $FD1, threads $TH0 -> $TH1, VmRSS ${RSS1} -> ${RSS2} kB"

# ---- auth on: mid-login closes, the idle default, the authentication timeout -
start_server s2
export TANNIN_ADMIN_PASSWORD=robust-pw
start_broker b2 "$SRV_ADDR" --pg-port 0 --auth --pg-idle-timeout 1 --pg-auth-timeout 2
unset TANNIN_ADMIN_PASSWORD
helper auth "$PG" robust-pw
helper authtimeout "$PG" 2
kill -0 "$B1" && kill -0 "$BRK_PID" && ok "both brokers still running" || bad "a broker died"

cluster_finish
