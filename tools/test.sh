#!/usr/bin/env bash
# Install dependencies, build Tannin twice (normal and ASan/UBSan), run every
# Check unit test in both builds, then every integration test script.
#
# Ends with a line "N passed, M failed" and exits non-zero if anything failed.
# Local iteration knobs (CI sets neither):
#   TN_TEST_FILTER=substr  run only tests whose name contains substr
#   TN_SKIP_ASAN=1         skip the sanitizer build and its tests
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

FILTER=${TN_TEST_FILTER:-}
SKIP_ASAN=${TN_SKIP_ASAN:-0}
JOBS=$(nproc)
# Wall-clock guard for one integration script, in seconds.
IT_TIMEOUT=${TN_IT_TIMEOUT:-900}

export CK_DEFAULT_TIMEOUT=120

passed=0
failed=0
skipped=0
failures=()

banner() { printf '\n==== %s ====\n' "$*"; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# record NAME RC START_MS [SKIPPED]
record() {
  local name=$1 rc=$2 start=$3 skip=${4:-0}
  local secs
  secs=$(awk -v ms=$(( $(now_ms) - start )) 'BEGIN { printf "%.1f", ms / 1000 }')
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    if [[ $skip -eq 1 ]]; then
      skipped=$((skipped + 1))
      echo "---- SKIP $name (${secs}s)"
    else
      echo "---- PASS $name (${secs}s)"
    fi
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "---- FAIL $name (exit $rc, ${secs}s)"
  fi
}

matches() { [[ -z $FILTER || $1 == *"$FILTER"* ]]; }

# build DIR CMAKE_ARGS... ; a failed configure or build counts as one failure
build() {
  local dir=$1; shift
  local start rc=0
  banner "build $dir ($*)"
  start=$(now_ms)
  { cmake -S "$ROOT" -B "$ROOT/$dir" "$@" && cmake --build "$ROOT/$dir" -j"$JOBS"; } || rc=$?
  if [[ $rc -ne 0 ]]; then
    record "build:$dir" "$rc" "$start"
    return 1
  fi
  echo "---- built $dir"
}

# unit_tests DIR [ENV=VALUE...]: run build DIR's test_* executables directly
unit_tests() {
  local dir=$1; shift
  local src name start rc
  for src in "$ROOT"/tests/unit/test_*.c; do
    [[ -e $src ]] || continue
    name=$(basename "$src" .c)
    matches "$name" || continue
    banner "$dir/$name"
    start=$(now_ms)
    rc=0
    if [[ -x $ROOT/$dir/$name ]]; then
      (cd "$ROOT/$dir" && env "$@" "./$name" </dev/null) || rc=$?
    else
      echo "missing executable $dir/$name"
      rc=127
    fi
    record "$dir/$name" "$rc" "$start"
  done
}

# integration_tests DIR [ENV=VALUE...]: each script gets TANNIN_BIN = TN_BIN (DIR's
# tannin) and TN_ROOT; run against the sanitizer build too, so bad input that
# reaches the real processes is checked for memory errors as well
integration_tests() {
  local dir=$1; shift
  local script name start rc log skip
  log=$(mktemp)
  for script in "$ROOT"/tests/integration/*.sh; do
    [[ -e $script ]] || continue
    name=$dir/integration/$(basename "$script")
    matches "$name" || continue
    banner "$name"
    start=$(now_ms)
    rc=0
    env "$@" TANNIN_BIN="$ROOT/$dir/tannin" TN_BIN="$ROOT/$dir/tannin" TN_ROOT="$ROOT" \
      timeout --kill-after=10 "$IT_TIMEOUT" bash "$script" </dev/null 2>&1 | tee "$log" \
      || rc=${PIPESTATUS[0]}
    [[ $rc -eq 124 ]] && echo "timed out after ${IT_TIMEOUT}s"
    skip=0
    if [[ $rc -eq 0 ]] && grep -q '^SKIP:' "$log"; then skip=1; fi
    record "$name" "$rc" "$start" "$skip"
  done
  rm -f "$log"
}

banner "setup"
"$ROOT/tools/setup.sh" --browser   # Chromium for the console's browser test

normal_ok=1
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo || normal_ok=0

asan_ok=0
if [[ $SKIP_ASAN != 1 ]]; then
  asan_ok=1
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DTN_SANITIZE=ON || asan_ok=0
fi

if [[ $normal_ok -eq 1 ]]; then
  unit_tests build
fi
if [[ $asan_ok -eq 1 ]]; then
  unit_tests build-asan \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
if [[ $normal_ok -eq 1 ]]; then
  integration_tests build
fi
if [[ $asan_ok -eq 1 ]]; then
  integration_tests build-asan \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

banner "summary"
[[ $SKIP_ASAN == 1 ]] && echo "sanitizer build skipped (TN_SKIP_ASAN=1)"
[[ -n $FILTER ]] && echo "filter: TN_TEST_FILTER=$FILTER"
[[ $skipped -gt 0 ]] && echo "$skipped of the passed tests reported SKIP"
for f in "${failures[@]+"${failures[@]}"}"; do
  echo "failed: $f"
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
