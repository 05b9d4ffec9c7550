#!/usr/bin/env bash
# profile-query.sh: perf profile of one `tannin bench query` query, without
# the data generation and sealing that come first: the bench starts, and
# perf attaches to it only once the queries run, for --seconds seconds.
#
# usage: tools/bench/profile-query.sh QUERY_ID [--rows N] [--threads N]
#            [--seconds S] [--dwarf] [--out FILE.data] [-- more bench options]
# e.g.   tools/bench/profile-query.sh q07 --dwarf
#        perf report -i /tmp/tn-profile-q07.data --children   # callers, inlined frames
# --dwarf records DWARF call graphs (inlined functions resolved, ~10x the
# data); without it, plain samples per function (-g without frame pointers
# gives little). Needs perf and a built build/tannin (TANNIN_BIN overrides).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${TANNIN_BIN:-$ROOT/build/tannin}
[ $# -ge 1 ] || { echo "usage: $0 QUERY_ID [--rows N] [--threads N] [--seconds S] [--dwarf] [--out F] [-- bench options]" >&2; exit 2; }
id=$1; shift
rows=10000000 threads=1 seconds=15 cg=(-g) out=/tmp/tn-profile-$id.data extra=()
while [ $# -gt 0 ]; do
    case $1 in
    --rows) rows=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --dwarf) cg=(--call-graph dwarf,16384 -F 499); shift ;;
    --out) out=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "profile-query: unknown option $1" >&2; exit 2 ;;
    esac
done
command -v perf >/dev/null || { echo "profile-query: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
log=$(mktemp)
"$BIN" bench query --rows "$rows" --only "$id" --threads "$threads" --reps 100000 \
    ${extra[@]+"${extra[@]}"} >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
until grep -q '^median' "$log"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.5
done
sleep 2   # past the warm-up run
echo "profiling $id ($threads thread(s), $rows rows) for $seconds s -> $out"
perf record "${cg[@]}" -p "$pid" -o "$out" -- sleep "$seconds" >/dev/null 2>&1
perf report -i "$out" --no-children --percent-limit 1.5 --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -25
