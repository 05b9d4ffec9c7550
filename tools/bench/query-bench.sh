#!/usr/bin/env bash
# query-bench.sh: the query engine against DuckDB and chDB (ClickHouse's
# embedded engine) on the same generated rows, in one invocation:
#   1. `tannin bench query` generates the rows into segments, times the
#      dashboard queries at 1 and 2 threads and exports the rows (JSON lines);
#   2. tools/bench/peers.mjs loads the export into DuckDB, then (in a second
#      process) into chDB, and times the same queries, checking the answers;
#   3. tools/bench/report.mjs prints one table side by side and the targets.
# The engines run one after another, never at once, so each has both cores.
#
# usage: tools/bench/query-bench.sh [--rows N] [--reps K] [--threads 1,2]
#                                   [--sort-column ts|country|none] [--keep DIR]
#                                   [--markdown]
# Needs node and npm (tools/node/install.sh installs the pinned engines) and a
# built build/tannin (override with TANNIN_BIN). The JSON-lines export takes
# ~300 B/row in $TMPDIR (3 GB at 10M rows) and is deleted at exit unless
# --keep DIR names a directory to leave every intermediate file in.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${TANNIN_BIN:-$ROOT/build/tannin}
rows=10000000 reps=7 threads=1,2 sort=ts keep="" md=""
while [ $# -gt 0 ]; do
    case $1 in
    --rows) rows=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --sort-column) sort=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --markdown) md=--markdown; shift ;;
    *) echo "usage: $0 [--rows N] [--reps K] [--threads 1,2] [--sort-column ts|country|none] [--keep DIR] [--markdown]" >&2
       exit 2 ;;
    esac
done
[ -x "$BIN" ] || { echo "query-bench: $BIN not built (cmake --build build)" >&2; exit 1; }
command -v node >/dev/null || { echo "query-bench: node is missing" >&2; exit 1; }
"$ROOT/tools/node/install.sh"

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$keep
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/tn-qbench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
order=$sort
[ "$sort" = none ] && order=ts   # arrival order is time order

# Other work on the machine skews every figure (the 2-thread ones first):
# the load average is printed before each engine so a noisy run shows.
load() { cut -d' ' -f1-3 /proc/loadavg; }
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- query segment common 2>/dev/null || rev="$rev+uncommitted engine changes"
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(awk '/^MemTotal/{printf "%.1f", $2 / 1048576}' /proc/meminfo) GiB; tannin at $rev"
echo "== load average before Tannin: $(load)"
echo "== Tannin: $BIN bench query --rows $rows --reps $reps --threads $threads --sort-column $sort"
"$BIN" bench query --rows "$rows" --reps "$reps" --threads "$threads" --sort-column "$sort" \
    --export "$work/rows.jsonl" --results "$work/tannin.json"
status=0
for engine in duckdb chdb; do
    echo "== $engine (load average $(load))"
    node "$ROOT/tools/bench/peers.mjs" --engine "$engine" --data "$work/rows.jsonl" \
        --tannin "$work/tannin.json" --out "$work/$engine.json" --reps "$reps" \
        --threads "$threads" --order-by "$order" \
        --node-modules "$ROOT/tools/node/node_modules" || status=1
done
echo
echo "== Tannin vs DuckDB vs chDB, $rows rows"
node "$ROOT/tools/bench/report.mjs" "$work/tannin.json" "$work/duckdb.json" "$work/chdb.json" $md \
    || status=1
exit $status
