#!/bin/sh
# outputs.sh EDGELSTM OUTDIR - every kind of file edgelstm writes, from inputs that need
# nothing outside the repository, OUTDIR/SHA256SUMS over them and OUTDIR/MACHINE (what
# the bytes of trained models depend on besides our code: CPU kernels, OpenBLAS, libc).
#
# Used by tests/golden/test_same_bytes.sh (a restructuring must not change one byte of
# any output) and by hand: run it with the binaries of two commits and diff SHA256SUMS.
# After an intended change of some output, record the new sums:
#   sh tests/golden/outputs.sh build/edgelstm /tmp/out && cp /tmp/out/SHA256SUMS tests/golden/
#   data.csv         a synthetic hourly series (temperature, pressure, wind direction)
#   t1 t2            LSTM(16) (the trainer's packed GEMM), --threads 1 and 2
#   c2               LSTM(12) with calendar inputs (the BLAS GEMMs), --threads 2
#   for each model: the .tflite, predict (CSV and --last --json), eval --json (all splits),
#   deploy for every target; the HTML report of t1 (also --compare t2) and of c2; plus
#   --export-windows and deploy of a committed fixture.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
mkdir -p "$2"
cd "$2"   # relative paths only: the outputs name their files
# hourly rows from 2020-01-01: daily temperature cycle with a slow drift, pressure with a
# weekly swing, a 16-point compass direction turning through the day
awk 'BEGIN {
  split("N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW", wd, " ")
  print "time,TEMP,PRES,wd"
  pi = 3.14159265358979
  for (r = 0; r < 700; r++) {
    d = int(r / 24); h = r % 24
    temp = 10 + 6 * sin(2 * pi * (h - 8) / 24) + 3 * sin(2 * pi * r / 500) + ((r * 7919) % 13) / 10
    pres = 1010 + 8 * sin(2 * pi * r / 168) + ((r * 104729) % 7) / 10
    printf "2020-%02d-%02d %02d:00:00,%.2f,%.1f,%s\n", 1 + int(d / 31), 1 + d % 31, h, temp, pres, wd[1 + (r * 5 + d) % 16]
  }
}' > data.csv
DATA="--target TEMP --steps 12"
# the seed's recipe (train's defaults since issue 17 learn the change and lower the rate on
# plateaus, docs/training.md): these recorded bytes are the level models of before
RECIPE="--target-mode level --lr-decay 1"
train() { # NAME OPTIONS...
  n=$1; shift
  # shellcheck disable=SC2086
  "$E" train data.csv $DATA $RECIPE --epochs 2 --batch 16 "$@" -o "$n.tflite" --json 2>/dev/null |
    python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in ("train_seconds", "windows_per_second", "epoch_seconds"): d.pop(k)  # wall clock
print(json.dumps(d, indent=1, sort_keys=True))' > "$n.train.json"
}
# t1, t2: no intervals (the one-layer device library); c2: train's default 80 and 95 %
# intervals (the forecaster library with value, low, high)
train t1 --units 16 --threads 1 --seed 3 --intervals none
train t2 --units 16 --threads 2 --seed 3 --intervals none
train c2 --units 12 --threads 2 --seed 5 --time-features hour,weekday
# shellcheck disable=SC2086
"$E" train "data.csv" $DATA --export-windows "windows.bin" 2>/dev/null
for m in t1 t2 c2; do
  "$E" predict "$m.tflite" "data.csv" -o "$m.predict.csv" 2>/dev/null
  "$E" predict "$m.tflite" "data.csv" --last --json > "$m.last.json"
  for s in test val train all; do "$E" eval "$m.tflite" "data.csv" --split $s --json > "$m.eval-$s.json"; done
done
# inspect and run: the models above and the committed fixtures (float and int8 graphs,
# Keras 3 WHILE loops)
for m in t1.tflite c2.tflite "$ROOT"/tests/fixtures/tflite/*.tflite "$ROOT"/tests/fixtures/keras/*.tflite; do
  case $m in /*) b=fx.$(basename "$m" .tflite) ;; *) b=$(basename "$m" .tflite) ;; esac
  "$E" inspect "$m" --json > "$b.inspect.json" 2>/dev/null || true
  n=$(python3 -c 'import json, sys, math
d = json.load(open(sys.argv[1])); print(math.prod(d["inputs"][0]["shape"]) if d.get("runnable") else 0)' "$b.inspect.json" 2>/dev/null || echo 0)
  [ "$n" -gt 0 ] || continue
  awk -v n="$n" 'BEGIN { for (k = 0; k < n; k++) printf "%.4f\n", 0.5 + 0.4 * sin(k * 0.37) }' > "$b.input.csv"
  "$E" run "$m" "$b.input.csv" --json > "$b.run.json" 2>/dev/null || true
done
# the HTML report (without the emulated device: its figures depend on the Arm toolchain):
# t1, t1 beside t2 (--compare), and c2 (calendar inputs in the model card)
"$E" report t1.tflite data.csv -o t1.report.html --no-profile 2>/dev/null
"$E" report t1.tflite data.csv --compare t2.tflite -o t1.compare-t2.html --no-profile 2>/dev/null
"$E" report c2.tflite data.csv -o c2.report.html --no-profile 2>/dev/null
# every target (the binaries before --list-targets had these four)
targets=$("$E" deploy --list-targets 2>/dev/null | cut -f1 | tr '\n' ' ')
zips=$("$E" deploy --list-targets 2>/dev/null | awk -F'\t' '$2 == "zip" { print $1 }' | tr '\n' ' ')
[ -n "$targets" ] || { targets="c arduino esp-idf platformio"; zips=arduino; }
deploy() { # MODEL NAME SAMPLE-OPTION...
  m=$1; n=$2; shift 2
  for t in $targets; do
    case " $zips " in *" $t "*) out="$n.$t.zip" ;; *) out="$n.$t" ;; esac
    "$E" deploy "$m" --target "$t" --name "$n" "$@" -o "$out" >/dev/null
  done
}
deploy "t1.tflite" t1 --sample "data.csv"
deploy "c2.tflite" c2
deploy "$ROOT/tests/fixtures/tflite/regression.tflite" reg
find . -type f ! -name SHA256SUMS ! -name MACHINE | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
# the machine: x86-64 vector units the Makefile builds for, OpenBLAS's kernel set, libc
flags=$(for f in avx2 fma avx512f; do grep -qw $f /proc/cpuinfo 2>/dev/null && printf '%s ' $f; done)
blas=$(python3 -c 'import ctypes, ctypes.util
l = ctypes.CDLL(ctypes.util.find_library("openblas") or "libopenblas.so.0"); l.openblas_get_corename.restype = ctypes.c_char_p
print(l.openblas_get_corename().decode())' 2>/dev/null || echo unknown)
echo "$(uname -m) ${flags}openblas=$blas $(ldd --version 2>&1 | head -1 | awk '{print "glibc=" $NF}')" > MACHINE
