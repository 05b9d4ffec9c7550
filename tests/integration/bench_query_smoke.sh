#!/usr/bin/env bash
# Integration test: `tannin bench query` keeps working (Tannin's side only,
# no node): on 20,000 rows every query of --list prints a result line with
# its selectivity and one median per thread count, over one consuming
# segment and over sealed + consuming segments; --export writes every row
# as JSON lines and --results valid JSON with an answer per query; bad
# options fail with a usage message.
set -u
BIN=${TANNIN_BIN:-build/tannin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

"$BIN" bench query --list >"$T/list" 2>"$T/err" || bad "--list (exit $?: $(head -c 300 "$T/err"))"
ids=$(cut -f1 "$T/list")
nq=$(echo "$ids" | grep -c '^q[0-9]')
[ "$nq" -ge 10 ] && ok "--list names $nq queries" || bad "--list names $nq queries"

# check_run NAME ARGS...: exit 0 and, per query id, one line
# "qNN <what> <sel>% <ms> <ms> <rows>" with two positive medians
check_run() {
    local name=$1; shift
    if ! "$BIN" bench query "$@" >"$T/out" 2>"$T/err"; then
        bad "$name: exit $? ($(head -c 300 "$T/err"); $(grep -m1 ERROR "$T/out"))"
        return
    fi
    local missing=""
    for id in $ids; do
        grep -Eq "^$id .* [0-9.]+% +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9]+$" "$T/out" \
            || missing="$missing $id"
    done
    if [ -z "$missing" ] && ! grep -q ERROR "$T/out"; then ok "$name: a result line per query"
    else bad "$name: no result line for$missing: $(cat "$T/out")"; fi
}

check_run "one consuming segment" --rows 20000 --reps 1
check_run "sealed + consuming, sorted by country" --rows 20000 --reps 1 --segment-rows 6000 \
    --sort-column country --export "$T/rows.jsonl" --results "$T/res.json"

rows=$(wc -l <"$T/rows.jsonl" 2>/dev/null || echo 0)
[ "$rows" -eq 20000 ] && ok "--export wrote 20000 JSON lines" || bad "--export wrote $rows lines"
if command -v python3 >/dev/null; then
    if python3 - "$T/res.json" "$nq" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
qs = r["queries"]
assert r["rows"] == 20000 and r["segments"] == 4, (r["rows"], r["segments"])
assert len(qs) == int(sys.argv[2]), len(qs)
for q in qs:
    assert "error" not in q, q
    assert q["result"]["rows"], q["id"]
    assert set(q["median_ms"]) == {"1", "2"}, q["median_ms"]
    assert 0 <= q["selectivity"] <= 1
for k in ("T_END", "T_15M", "T_30M", "T_1H", "T_2H"):
    assert k in r["params"]
EOF
    then ok "--results is JSON with an answer, selectivity and medians per query"
    else bad "--results content"; fi
fi

"$BIN" bench query --rows 5000 --reps 1 --only q05 --threads 1 >"$T/out" 2>&1 &&
    grep -Eq '^q05 .*% +[0-9.]+ +[0-9]+$' "$T/out" && ! grep -q '^q08' "$T/out" \
    && ok "--only q05 --threads 1" || bad "--only q05 --threads 1: $(cat "$T/out")"

for args in "--rows 0" "--reps 0" "--threads 0" "--threads x" "--bogus" "extra"; do
    # shellcheck disable=SC2086
    "$BIN" bench query $args >"$T/out" 2>"$T/err"; rc=$?
    [ $rc -eq 2 ] && grep -q usage "$T/err" && ok "rejects $args" || bad "$args: exit $rc"
done
"$BIN" bench nothing >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q 'bench query' "$T/err" && ok "bench usage names query" || bad "bench usage (exit $rc)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
