#!/bin/sh
# Run every test suite and report. Suites:
#   build/asan/tests/test_*        C unit tests (AddressSanitizer + UBSan build)
#   build/asan/tests/replay_fuzz_* fuzz targets replayed over tests/fuzz/corpus/fuzz_NAME/
#   tests/*/test_*.sh              shell suites (CLI behaviour, bad input, end-to-end)
#   tests/*/test_*.py              Python suites (oracles from .venv: TFLite, TFLM, numpy)
# Each suite prints "ok - ..." / "not ok - ..." lines; a suite that exits non-zero
# without a "not ok" line (crash, timeout) counts as one failure.
# Usage: tests/run.sh [PATTERN]   (only suites whose path contains PATTERN)
# The last line is "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export ELSTM_ROOT="$ROOT"
: "${BUILD:=build}"
export ELSTM="$ROOT/$BUILD/asan/edgelstm"
export ELSTM_FAST="$ROOT/$BUILD/edgelstm"
export PY="$ROOT/.venv/bin/python"
export PYTHONPATH="$ROOT/tests${PYTHONPATH:+:$PYTHONPATH}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp"
export OPENBLAS_NUM_THREADS=1
pattern=${1:-}
TIMEOUT=${ELSTM_TEST_TIMEOUT:-1200}
pass=0; fail=0; failed_suites=""
log=$(mktemp)
run_suite() {
  name=$1; shift
  case "$name" in *"$pattern"*) ;; *) return ;; esac
  start=$(date +%s)
  timeout "$TIMEOUT" "$@" >"$log" 2>&1; rc=$?
  p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log")
  grep -E '^(not ok - |# )' "$log"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; echo "not ok - $name: suite exited with status $rc"; tail -20 "$log" | sed 's/^/#   /'
  fi
  pass=$((pass + p)); fail=$((fail + f))
  [ "$f" -gt 0 ] && failed_suites="$failed_suites $name"
  echo "# $name: $p passed, $f failed ($(( $(date +%s) - start )) s)"
}
for t in "$BUILD"/asan/tests/test_*; do
  [ -x "$t" ] && run_suite "$t" "$t"
done
for t in "$BUILD"/asan/tests/replay_fuzz_*; do
  [ -x "$t" ] || continue
  n=${t##*/replay_}
  run_suite "$t" "$t" "tests/fuzz/corpus/$n"
done
for t in tests/*/test_*.sh; do
  [ -f "$t" ] && run_suite "$t" sh "$t"
done
for t in tests/*/test_*.py; do
  [ -f "$t" ] && run_suite "$t" "$PY" "$t"
done
rm -f "$log"
[ -n "$failed_suites" ] && echo "# failed suites:$failed_suites"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
