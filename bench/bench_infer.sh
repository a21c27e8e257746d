#!/bin/sh
# Host inference benchmark (issue 3): the seed-shaped model, batch 1, one thread -
# edgelstm bench, the TFLite interpreter, TFLite Micro and a plain scalar C loop (-O2)
# in one run, plus --threads 2 and callgrind instruction counts of one window.
#   sh bench/bench_infer.sh [--json OUT.json]      (after `make venv-bench all`)
# ELSTM_BENCH_LOCK=FILE: timed runs hold this lock file (flock), so that benchmarks started
# by several people on one shared machine do not overlap. Unset: no lock.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
W=$BUILD/bench
mkdir -p "$W"
make --no-print-directory -s "$BUILD/edgelstm" "$BUILD/asan/tools/export_model"
# the plain baseline: -O2 only, as a user would compile it
${CC:-cc} -O2 -o "$W/scalar_lstm" bench/scalar_lstm.c -lm
# the runtime kernels behind the test driver, for callgrind: compiled as `make` does but
# with AVX2 only (valgrind 3.19 stops at the first AVX-512 instruction, which -mavx512f
# lets the compiler use anywhere; the runtime's own kernels are AVX2)
avx2=$(grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && echo "-mavx2 -mfma -mf16c" || true)
# shellcheck disable=SC2086
${CC:-cc} -O2 -std=c11 $avx2 -Iinclude -Iruntime -o "$W/lstm_driver" tests/tools/lstm_driver.c runtime/*.c runtime/host/*.c -lm
PY=.venv/bin/python
[ -x "$PY" ] || { echo "bench_infer: run 'make venv-bench' first (needs .venv with ai-edge-litert, tflite-micro)" >&2; exit 1; }
lock=${ELSTM_BENCH_LOCK:-}
run() {
  "$PY" bench/bench_infer.py --edgelstm "$BUILD/edgelstm" --export "$BUILD/asan/tools/export_model" \
    --driver "$W/lstm_driver" --scalar "$W/scalar_lstm" --work "$W" --threads 1,2 "$@"
}
if [ -n "$lock" ] && command -v flock >/dev/null; then
  echo "bench_infer: waiting for $lock" >&2
  exec 9>"$lock"
  flock 9
fi
run "$@"
