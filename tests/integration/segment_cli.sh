#!/usr/bin/env bash
# Integration test: the segment store as a user drives it through the real
# tannin executable: load, list, show, verify, delete, retention, and bad
# input of every kind (each must fail with a clear message and a plain exit
# status, never a crash).
set -u
BIN=${TANNIN_BIN:-build/tannin}
ROOT=${TN_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED="$ROOT/../shared/data/airlineStats"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

ok()   { pass=$((pass + 1)); echo "ok   $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_fail NAME PATTERN CMD...: exit status 1 or 2 (not a signal) and
# stderr matching PATTERN.
expect_fail() {
    local name=$1 pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -ge 1 ] && [ $rc -le 2 ] && grep -qE "$pat" "$T/err"; then ok "$name"
    else bad "$name (exit $rc, stderr: $(head -c 300 "$T/err"))"; fi
}
expect_ok() {
    local name=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then ok "$name"
    else bad "$name (exit $?, stderr: $(head -c 300 "$T/err"))"; fi
}

# A small schema and data set of our own, so the test runs without shared/.
cat >"$T/schema.json" <<'J'
{"schemaName":"events","dimensionFieldSpecs":[{"name":"country","dataType":"STRING"},
 {"name":"tags","dataType":"STRING","singleValueField":false}],
 "metricFieldSpecs":[{"name":"clicks","dataType":"LONG"}],
 "dateTimeFieldSpecs":[{"name":"ts","dataType":"LONG","format":"1:MILLISECONDS:EPOCH","granularity":"1:MILLISECONDS"}]}
J
now=$(($(date +%s) * 1000))
old=$((now - 10 * 86400000))
for i in $(seq 1 100); do
    echo "{\"country\":\"c$((i % 7))\",\"tags\":[\"a\",\"b$((i % 3))\"],\"clicks\":$i,\"ts\":$now}"
done >"$T/new.jsonl"
for i in $(seq 1 50); do echo "{\"country\":\"c1\",\"clicks\":$i,\"ts\":$old}"; done >"$T/old.jsonl"
S="$T/store"

expect_ok "load new rows" "$BIN" segment load --store "$S" --schema "$T/schema.json" \
    --data "$T/new.jsonl" --name events__0__0__new --time-column ts --sorted-column country
expect_ok "load old rows" "$BIN" segment load --store "$S" --schema "$T/schema.json" \
    --data "$T/old.jsonl" --name events__0__1__old --time-column ts
"$BIN" segment list --store "$S" >"$T/list" 2>&1
if grep -q "events__0__0__new .* 100 " "$T/list" && grep -q "events__0__1__old .* 50 " "$T/list"
then ok "list shows both segments with their row counts"; else bad "list: $(cat "$T/list")"; fi
"$BIN" segment show --store "$S" events__0__0__new >"$T/show" 2>&1
if grep -qE "country +STRING +SV card 7 .*sorted" "$T/show" && grep -qE "tags +STRING +MV card 4" "$T/show" \
   && grep -qE "clicks +LONG .* min 1 max 100" "$T/show"
then ok "show gives column statistics"; else bad "show: $(cat "$T/show")"; fi
expect_ok "verify checksums" "$BIN" segment verify --store "$S" events__0__0__new

# retention: the 10-day-old segment goes, the new one stays
"$BIN" segment retain --store "$S" --table events --retention-ms $((86400000 * 3)) >"$T/ret" 2>&1
"$BIN" segment list --store "$S" >"$T/list" 2>&1
if grep -q "dropped 1 segment" "$T/ret" && ! grep -q old "$T/list" && grep -q new "$T/list"
then ok "retention drops only the expired segment"; else bad "retention: $(cat "$T/ret" "$T/list")"; fi

# bad input
echo '{"schemaName": "x", "dimensionFieldSpecs": [ {"name": "a", ' >"$T/trunc.json"
expect_fail "malformed schema JSON names a byte offset" "malformed JSON at byte" \
    "$BIN" segment load --store "$S" --schema "$T/trunc.json" --data "$T/new.jsonl" --name x
echo '{"schemaName":"x","dimensionFieldSpecs":[{"name":"a","dataType":"VARCHAR"}]}' >"$T/type.json"
expect_fail "unknown type is named" "VARCHAR" \
    "$BIN" segment load --store "$S" --schema "$T/type.json" --data "$T/new.jsonl" --name x
{ head -3 "$T/new.jsonl"; echo '{"country": "c1", "clicks": {"nested": 1}}'; echo '{"country": '; tail -2 "$T/new.jsonl"; } >"$T/badrows.jsonl"
expect_fail "bad row stops the load with file:line and column" "badrows.jsonl:4: .*clicks" \
    "$BIN" segment load --store "$S" --schema "$T/schema.json" --data "$T/badrows.jsonl" --name x
expect_ok "--skip-bad loads the good rows" "$BIN" segment load --store "$S" --schema "$T/schema.json" \
    --data "$T/badrows.jsonl" --name events__0__2__skip --skip-bad
if grep -q "skipped 2 bad line" "$T/err" && grep -q "5 rows" "$T/out"; then ok "--skip-bad counts what it skipped"
else bad "--skip-bad: $(cat "$T/out" "$T/err")"; fi
expect_fail "a segment name cannot be written twice" "exists" \
    "$BIN" segment load --store "$S" --schema "$T/schema.json" --data "$T/new.jsonl" --name events__0__0__new
expect_fail "unknown segment" "no segment" "$BIN" segment show --store "$S" nosuch
expect_fail "missing data file" "cannot open" \
    "$BIN" segment load --store "$S" --schema "$T/schema.json" --data "$T/nope.jsonl" --name y

# damaged stores
cp -r "$S" "$T/trunc"
truncate -s $(($(stat -c %s "$T/trunc/data.mdb") / 2)) "$T/trunc/data.mdb"
expect_fail "truncated data file is refused" "truncated" "$BIN" segment list --store "$T/trunc"
mkdir -p "$T/garbage"; head -c 100000 /dev/urandom >"$T/garbage/data.mdb"
expect_fail "garbage data file is refused" "cannot open store|Invalid|invalid|corrupt" "$BIN" segment list --store "$T/garbage"
mkdir -p "$T/empty"; : >"$T/empty/data.mdb"
expect_fail "empty data file is refused, not taken for a new store" "is empty" "$BIN" segment list --store "$T/empty"
expect_ok "the original store still serves after all that" "$BIN" segment verify --store "$S" events__0__0__new
expect_ok "delete" "$BIN" segment delete --store "$S" events__0__0__new
expect_fail "deleted segment is gone" "no segment" "$BIN" segment show --store "$S" events__0__0__new

# Pinot's airline sample, when shared/ is beside the clone
if [ -f "$SHARED/airlineStats.jsonl" ]; then
    expect_ok "load airlineStats" "$BIN" segment load --store "$T/air" \
        --schema "$SHARED/airlineStats_schema.json" --data "$SHARED/airlineStats.jsonl" \
        --name airlineStats__0__0__x --time-column DaysSinceEpoch --sorted-column Carrier
    "$BIN" segment list --store "$T/air" >"$T/list" 2>&1
    if grep -q "airlineStats__0__0__x .* 9746 .*1388534400000 .*1391126400000" "$T/list"
    then ok "airline rows and time range"; else bad "airline list: $(cat "$T/list")"; fi
    expect_ok "verify airline" "$BIN" segment verify --store "$T/air" airlineStats__0__0__x
else
    echo "SKIP: airline part: $SHARED not found (shared/ is not beside this clone)"
fi

echo "segment_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
