# cluster.sh: what the broker integration scripts share, sourced after
# BIN is set: a scratch directory, ok/bad counters, and starting, stopping
# and checking `tannin server` / `tannin broker` processes on loopback.
# Every process started here is in PIDS and killed on exit; TN_KEEP_TMP=1
# keeps the scratch directory.

T=$(mktemp -d)
PIDS=()
pass=0 fail=0
cluster_cleanup() {
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do wait "$p" 2>/dev/null; done
    [ -n "${TN_KEEP_TMP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cluster_cleanup EXIT
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# wait_line FILE PATTERN SECONDS: until FILE has a line matching PATTERN
wait_line() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# start_server NAME [PORT]: sets SRV_PID and SRV_ADDR (host:port of its query port)
start_server() {
    local name=$1 port=${2:-0}
    "$BIN" server --data-dir "$T/$name" --port "$port" --admin-port 0 >"$T/$name.out" 2>"$T/$name.err" &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    if ! wait_line "$T/$name.out" '^server ready: query ' 30; then
        echo "server $name did not start: $(cat "$T/$name.err")"
        exit 1
    fi
    SRV_ADDR=$(sed -n 's/^server ready: query \([^ ]*\) .*/\1/p' "$T/$name.out")
}

# start_broker NAME SERVERS [ARGS...]: sets BRK_PID, Q (query URL), A (admin
# URL) and PG (PostgreSQL port, when the ready line names one)
start_broker() {
    local name=$1 servers=$2; shift 2
    "$BIN" broker --data-dir "$T/$name" --servers "$servers" --http-port 0 --admin-port 0 \
        --no-sync "$@" >"$T/$name.out" 2>"$T/$name.err" &
    BRK_PID=$!
    PIDS+=("$BRK_PID")
    if ! wait_line "$T/$name.out" '^broker ready: http ' 30; then
        echo "broker $name did not start: $(cat "$T/$name.err")"
        exit 1
    fi
    Q="http://$(sed -n 's/^broker ready: http \([^ ]*\) admin .*/\1/p' "$T/$name.out")"
    A="http://$(sed -n 's/.* admin \([^ ]*\).*/\1/p' "$T/$name.out")"
    PG=$(sed -n 's/.* pg [^ ]*:\([0-9]*\)$/\1/p' "$T/$name.out")
}

# stop_within PID: SIGTERM, and a failure if it is still running after 30 s
stop_within() {
    local p=$1 i
    kill -CONT "$p" 2>/dev/null
    kill "$p" 2>/dev/null || return 0
    for ((i = 0; i < 300; i++)); do
        kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }
        sleep 0.1
    done
    bad "process $p ($(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-80)) ignored SIGTERM for 30 s"
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
}

# cluster_finish: every process stops cleanly on SIGTERM (servers and
# brokers before the Kafka they read, KAFKA_PID), a sanitizer build has
# nothing to report, then the summary line and the exit status.
cluster_finish() {
    local p
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do
        [ "$p" = "${KAFKA_PID:-}" ] || stop_within "$p"
    done
    [ -n "${KAFKA_PID:-}" ] && stop_within "$KAFKA_PID"
    PIDS=()
    if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err >/dev/null 2>&1; then
        bad "sanitizer reports: $(grep -lE 'Sanitizer|runtime error:' "$T"/*.err | xargs -n1 basename)"
        grep -hE -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err | head -60
    else
        ok "no sanitizer reports from any process"
    fi
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
