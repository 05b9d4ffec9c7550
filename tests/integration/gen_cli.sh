#!/usr/bin/env bash
# Integration test: `tannin gen pageviews|ad-events` as a user drives it:
# JSON lines with the demo schemas' columns, --count, determinism, --out,
# a closed pipe, SIGTERM, --rate pacing, --progress, bad options, and
# producing to the embedded Kafka (read back with kcat, keys on one
# partition each).
set -u
BIN=${TANNIN_BIN:-build/tannin}
T=$(mktemp -d)
KPID=
cleanup() {
    [ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0

ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
finish() { echo "gen_cli: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

START=1700000000000
AD_COLS="ad_id,aggregator,box_id,channel,event_type,last_ad_id,last_channel,region,revenue_micros,ts,watch_ms"
PV_COLS="ab_bucket,action,bounced,browser,campaign,country,device,landing_page,os,referrer_domain,session_id,time_on_page_ms,ts,user_id,videos_watched"

# check_lines FILE COLUMNS: every line is a JSON object with exactly these
# columns; prints the number of lines, or an error.
check_lines() {
    python3 - "$1" "$2" <<'PY'
import json, sys
cols = sys.argv[2].split(",")
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if sorted(r) != cols:
        sys.exit("line %d has columns %s" % (n + 1, sorted(r)))
    n += 1
print(n)
PY
}

# ---- JSON lines to stdout --------------------------------------------
for kind in ad-events pageviews; do
    cols=$AD_COLS; [ $kind = pageviews ] && cols=$PV_COLS
    "$BIN" gen $kind --count 5000 --start-ms $START >"$T/$kind.jsonl" 2>"$T/err"; rc=$?
    n=$(check_lines "$T/$kind.jsonl" "$cols" 2>&1)
    if [ $rc -eq 0 ] && [ "$n" = 5000 ]; then ok "$kind: 5000 JSON lines with the schema's columns"
    else bad "$kind: exit $rc, lines: $n, stderr: $(head -c 300 "$T/err")"; fi
    if grep -qE "^gen: 5000 events in [0-9.]+ s \([0-9]+ ev/s\)$" "$T/err"; then ok "$kind: summary line"
    else bad "$kind summary: $(cat "$T/err")"; fi
done
# follow-ups come seconds later: 100,000 events span about 40 generated seconds
"$BIN" gen ad-events --count 100000 --out "$T/funnel.jsonl" 2>/dev/null
if python3 - "$T/funnel.jsonl" <<'PY'
import json, sys
types = {json.loads(l)["event_type"] for l in open(sys.argv[1])}
sys.exit(0 if types == {"request", "impression", "click", "complete", "skip"} else 1)
PY
then ok "ad-events: the whole funnel appears"; else bad "ad-events: event types missing"; fi

# ---- determinism -----------------------------------------------------
"$BIN" gen ad-events --count 5000 --start-ms $START >"$T/again.jsonl" 2>/dev/null
"$BIN" gen ad-events --count 5000 --start-ms $START --seed 2 >"$T/other.jsonl" 2>/dev/null
if cmp -s "$T/ad-events.jsonl" "$T/again.jsonl"; then ok "same seed and start: identical output"
else bad "two runs differ"; fi
if ! cmp -s "$T/ad-events.jsonl" "$T/other.jsonl"; then ok "another seed: other events"
else bad "--seed has no effect"; fi

# ---- --out FILE ------------------------------------------------------
"$BIN" gen pageviews --count 1234 --out "$T/out.jsonl" >"$T/stdout" 2>"$T/err"; rc=$?
n=$(check_lines "$T/out.jsonl" "$PV_COLS" 2>&1)
if [ $rc -eq 0 ] && [ "$n" = 1234 ] && [ ! -s "$T/stdout" ]; then ok "--out FILE holds exactly --count lines"
else bad "--out: exit $rc, lines $n, stdout $(wc -c <"$T/stdout") bytes"; fi

# ---- a closed pipe and signals ---------------------------------------
timeout 30 bash -c '"$0" gen ad-events 2>/dev/null | head -5 >"$1"; echo "${PIPESTATUS[0]}" >"$1.rc"' \
    "$BIN" "$T/head"
rc=$(cat "$T/head.rc" 2>/dev/null)
if [ "$(wc -l <"$T/head")" = 5 ] && { [ "$rc" = 0 ] || [ "$rc" = 141 ]; }; then
    ok "| head -5 ends the run cleanly (exit $rc)"
else bad "| head -5: exit ${rc:-timeout}, $(wc -l <"$T/head") lines"; fi

"$BIN" gen pageviews --rate 20000 --out "$T/sig.jsonl" 2>"$T/err" &
GPID=$!
sleep 1
kill -TERM $GPID; wait $GPID; rc=$?
n=$(check_lines "$T/sig.jsonl" "$PV_COLS" 2>&1)
if [ $rc -eq 0 ] && [ "$n" -gt 1000 ] 2>/dev/null && grep -q "^gen: $n events in" "$T/err"
then ok "SIGTERM: flushes every whole line ($n) and exits 0"
else bad "SIGTERM: exit $rc, lines $n, stderr $(cat "$T/err")"; fi

# ---- pacing ----------------------------------------------------------
before=$(($(date +%s) * 1000))
"$BIN" gen ad-events --rate 500 --seconds 2 --progress >"$T/paced.jsonl" 2>"$T/err"; rc=$?
after=$(($(date +%s) * 1000 + 1000))
n=$(wc -l <"$T/paced.jsonl")
if [ $rc -eq 0 ] && [ "$n" -ge 800 ] && [ "$n" -le 1200 ]; then ok "--rate 500 for 2 s: $n events"
else bad "--rate 500 --seconds 2: exit $rc, $n events"; fi
if python3 - "$T/paced.jsonl" "$before" "$after" <<'PY'
import json, sys
lo, hi = int(sys.argv[2]), int(sys.argv[3])
sys.exit(0 if all(lo <= json.loads(l)["ts"] <= hi for l in open(sys.argv[1])) else 1)
PY
then ok "--rate: ts is the wall clock"; else bad "--rate: ts outside [$before, $after]"; fi
if [ "$(grep -cE '^gen: [0-9]+ events, [0-9]+ ev/s$' "$T/err")" -ge 1 ]; then ok "--progress reports"
else bad "--progress: $(cat "$T/err")"; fi

# ---- bad options -----------------------------------------------------
bad_opts() {
    local name=$1; shift
    "$BIN" gen "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -eq 2 ] && grep -q "usage: tannin gen" "$T/err" && [ ! -s "$T/out" ]; then ok "$name: exit 2 with usage"
    else bad "$name: exit $rc, stderr $(head -c 200 "$T/err")"; fi
}
bad_opts "no kind"
bad_opts "unknown kind" clicks
bad_opts "two kinds" pageviews ad-events
bad_opts "unknown option" pageviews --bogus
bad_opts "negative count" pageviews --count -3
bad_opts "zero rate" pageviews --rate 0
bad_opts "text seconds" pageviews --seconds soon
bad_opts "--topic without --kafka" ad-events --topic x
bad_opts "--out with --kafka" ad-events --out f --kafka 127.0.0.1:1
"$BIN" gen --help >"$T/out" 2>&1 && grep -q "usage: tannin gen" "$T/out" && ok "--help: exit 0" \
    || bad "--help"

# ---- Kafka -----------------------------------------------------------
if ! command -v kcat >/dev/null; then echo "SKIP: kcat is not installed"; finish; fi
"$BIN" kafka-dev --topic ad_events:4 </dev/null >"$T/kafka.out" 2>"$T/kafka.err" &
KPID=$!
for _ in $(seq 1 100); do grep -q '^bootstrap:' "$T/kafka.out" 2>/dev/null && break; sleep 0.1; done
ADDR=$(sed -n 's/^bootstrap: //p' "$T/kafka.out")
[ -n "$ADDR" ] || { bad "kafka-dev did not start: $(cat "$T/kafka.err")"; finish; }
"$BIN" gen ad-events --count 20000 --kafka "$ADDR" >"$T/out" 2>"$T/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "^gen: 20000 events" "$T/err"; then ok "produced 20000 events to Kafka"
else bad "produce: exit $rc, $(cat "$T/err")"; fi
timeout 60 kcat -C -b "$ADDR" -t ad_events -e -q -f '%k %p %s\n' >"$T/kcat" 2>"$T/kcat.err"
n=$(wc -l <"$T/kcat")
if [ "$n" = 20000 ]; then ok "kcat reads back 20000 messages"; else bad "kcat read $n: $(head -c 300 "$T/kcat.err")"; fi
if python3 - "$T/kcat" <<'PY'
import json, sys
parts, seen = {}, set()
for line in open(sys.argv[1]):
    key, part, value = line.split(" ", 2)
    r = json.loads(value)
    assert str(r["box_id"]) == key, line
    assert parts.setdefault(key, part) == part, "box %s on two partitions" % key
    seen.add(part)
assert len(seen) == 4, "partitions used: %s" % sorted(seen)
PY
then ok "keyed by box_id: each box on one partition, all 4 used"; else bad "keys and partitions"; fi
"$BIN" gen pageviews --rate 1000 --seconds 1 --kafka "$ADDR" --topic ad_events >/dev/null 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -qE "^gen: [0-9]+ events" "$T/err"; then ok "--rate to Kafka with --topic"
else bad "--rate to Kafka: exit $rc, $(cat "$T/err")"; fi

finish
