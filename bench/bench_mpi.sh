#!/bin/sh
# MPI benchmark (docs/engine-mpi.md): one model over the three stations of the Beijing data,
# the seed's model (LSTM(128), 168 steps x 7 inputs, batch 32), EPOCHS (1) epoch(s), trained
# by edgelstm-mpi as
#   1 process x 1 thread, 2 processes x 1 thread, 1 process x 2 threads
# (the same model bytes each time: checked), windows/s of each and the ratios the issue
# asks for (2 x 1 against 1 x 1: >= 1.8; against 1 x 2: >= 1); then the all-reduce alone
# (bench/allreduce.c: 69764 int64 values, the seed model's step) at 2 and 4 processes.
# Wall-clock figures: run on a quiet machine.      sh bench/bench_mpi.sh      (~5 min)
# BEIJING_DIR: the station files (default ../shared/data/beijing-air-quality); OUT: results
# (build/bench-mpi); EPOCHS; STATIONS (default "Aotizhongxin Changping Dongsi"); ROWS: only
# the first ROWS rows of each file (a short check of the script: ROWS=2000, ~1 min); BATCH (32);
# SAMPLING: uniform (default: a batch drawn from all windows alike) or series (every batch an
# equal share of each station, --sampling series: another model, the same for 1x1, 2x1, 1x2).
# The 2-process runs print each process's training windows, the windows its batches drew,
# and two bounds on the speed-up: the largest share (three stations of equal length over 2
# processes: 1.5x) and the busier process of each batch (uniform sampling splits a batch
# between the processes at random: ~1.75x at batch 32 even for an even split; series
# sampling with as many stations on each process: 2x; docs/BENCHMARKS.md).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BEIJING_DIR=${BEIJING_DIR:-$ROOT/../shared/data/beijing-air-quality}
OUT=${OUT:-$ROOT/build/bench-mpi}
EPOCHS=${EPOCHS:-1}
STATIONS=${STATIONS:-Aotizhongxin Changping Dongsi}
M=$ROOT/build/edgelstm-mpi
make -s -C "$ROOT" build/edgelstm-mpi
mkdir -p "$OUT"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader \
  OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
files=""
for s in $STATIONS; do
  f=$(ls "$BEIJING_DIR"/PRSA_Data_"$s"_*.csv 2>/dev/null | head -1)
  [ -n "$f" ] || { echo "no file for station $s in $BEIJING_DIR (set BEIJING_DIR)" >&2; exit 1; }
  if [ -n "${ROWS:-}" ]; then head -n $((ROWS + 1)) "$f" > "$OUT/$(basename "$f")"; f=$OUT/$(basename "$f"); fi
  files="$files $f"
done
OPTS="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --steps 168 --batch ${BATCH:-32} --epochs $EPOCHS --patience 0 --sampling ${SAMPLING:-uniform}"
for cfg in 1x1 2x1 1x2; do
  np=${cfg%x*} th=${cfg#*x}
  # shellcheck disable=SC2086
  mpirun --bind-to none -np "$np" "$M" train $files $OPTS --threads "$th" -o "$OUT/m$cfg.tflite" --json \
    > "$OUT/$cfg.json" 2> "$OUT/$cfg.err" || { tail -3 "$OUT/$cfg.err" >&2; exit 1; }
  echo "$cfg: $(grep -o '"windows_per_second": [0-9.]*' "$OUT/$cfg.json" | awk '{ printf "%.0f windows/s", $2 }')," \
    "all-reduces: $(grep -o '"calls": [0-9]*' "$OUT/$cfg.json" | awk '{ print $2 }') calls," \
    "$(grep -o '"seconds": [0-9.e+-]*' "$OUT/$cfg.json" | head -1 | awk '{ printf "%.3f s", $2 }')"
  grep '^Training windows per process' "$OUT/$cfg.err" | sed 's/^/  /' || true
done
a=$(sha256sum < "$OUT/m1x1.tflite"); b=$(sha256sum < "$OUT/m2x1.tflite"); c=$(sha256sum < "$OUT/m1x2.tflite")
[ "$a" = "$b" ] && [ "$a" = "$c" ] && echo "model bytes: the same for 1x1, 2x1, 1x2" ||
  { echo "model bytes DIFFER between 1x1, 2x1 and 1x2" >&2; exit 1; }
wps() { grep -o '"windows_per_second": [0-9.]*' "$OUT/$1.json" | awk '{ print $2 }'; }
awk -v a="$(wps 1x1)" -v b="$(wps 2x1)" -v c="$(wps 1x2)" \
  'BEGIN { printf "2 processes x 1 thread / 1 x 1: %.2fx (want >= 1.8); / 1 process x 2 threads: %.2fx (want >= 1)\n", b / a, b / c }'
mpicc -O2 "$ROOT/bench/allreduce.c" -o "$OUT/allreduce"
echo "all-reduce of the seed model's gradient alone (69764 int64, 558 KB), shared memory:"
for np in 2 4; do mpirun --bind-to none -np $np "$OUT/allreduce"; done | tee "$OUT/allreduce.json"
awk -v calls="$(grep -o '"calls": [0-9]*' "$OUT/2x1.json" | awk '{ print $2 }')" \
    -v secs="$(grep -o '"seconds": [0-9.e+-]*' "$OUT/2x1.json" | head -1 | awk '{ print $2 }')" \
  'BEGIN { if (calls > 0) printf "in training (2x1): %d all-reduces, %.3f ms each on average (waiting included)\n", calls, 1000 * secs / calls }'
echo "64 nodes: sh bench/bench_smpi.sh (SimGrid SMPI simulation)"
