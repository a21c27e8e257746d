#!/bin/sh
# Training benchmark: edgelstm vs PyTorch (CPU) vs TensorFlow-Keras (CPU; Keras 3 as tf.keras
# gives it, and legacy Keras 2 via tf_keras, the seed's), same windows,
# the seed's model and settings (LSTM(128) + Dense(1), 168 steps x 7 inputs, batch 32,
# Adam 0.001, MSE), 2 threads each. Needs `make` and `make venv-bench`.
#
#   sh bench/bench_train.sh [speed|quality|stations|all] [STATION]
#
#   speed    edgelstm (an AVX2-only build and the default build) against PyTorch: PAIRS
#            (3) interleaved rounds of 2 epochs each (training + validation per epoch),
#            windows/s of the faster epoch, median ratio, peak memory, model bytes of
#            the two builds compared, and the ceiling that this machine's FMA pipes put on
#            any fp32 trainer of this model (bench/cores.c; bench/speed_summary.py)  (~10 min)
#   quality  full trainings (20 epochs max, early stopping patience 5, best weights
#            restored) of each; test MAE/RMSE in degC beside persistence       (~1-2 h)
#   stations edgelstm alone, the seed's settings, on each of the three stations: test
#            RMSE beside persistence                                       (~10 min)
# STATION: Aotizhongxin (default), Changping or Dongsi: the whole station files of the Beijing
# Multi-Site Air-Quality Data (UCI Machine Learning Repository, dataset 501, CC BY 4.0), which
# are not in the repository: BEIJING_DIR names their folder (default
# ../shared/data/beijing-air-quality, where a development checkout has them). The excerpt in
# tests/fixtures/beijing/ is too short for these figures.
# The frameworks train on the windows edgelstm prepared (`train --export-windows`), so all
# three see exactly the same normalized inputs, targets and splits. ELSTM_BIN overrides the
# edgelstm binary, OUT the output folder (build/bench-train); QUALITY_THREADS the frameworks'
# threads in the quality part (default THREADS; the thread count changes only the last bits
# of the sums, not the quality); SEEDS the seeds of the quality part (default 42: one
# training per trainer; several give a mean, since one seed's RMSE varies by a few per cent);
# FRAMEWORKS a subset of "torch keras tf_keras" (quality part); PAIRS the rounds of the speed
# part, AVX2_BUILD its AVX2 build folder (default OUT/avx2-build); REUSE=1 keeps results already in OUT (to
# finish a partial run or add seeds).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-speed}
case "$MODE" in speed|quality|stations|all) ;; *) echo "usage: sh bench/bench_train.sh [speed|quality|stations|all] [STATION]" >&2; exit 2 ;; esac
STATION=${2:-Aotizhongxin}
THREADS=${THREADS:-2}
FRAMEWORKS=${FRAMEWORKS:-torch keras tf_keras}   # a subset, e.g. FRAMEWORKS="torch tf_keras"
BEIJING_DIR=${BEIJING_DIR:-$ROOT/../shared/data/beijing-air-quality}
E=${ELSTM_BIN:-$ROOT/build/edgelstm}
PY="$ROOT/.venv/bin/python"
station_file() {   # the whole file of station $1, or a clear message and exit 1
  for f in "$BEIJING_DIR"/PRSA_Data_"$1"_20130301-20170228.csv; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  echo "bench_train: no $BEIJING_DIR/PRSA_Data_$1_20130301-20170228.csv: this benchmark needs the whole Beijing station files (not in the repository; download the Beijing Multi-Site Air-Quality Data, UCI dataset 501, and set BEIJING_DIR to its folder)" >&2
  exit 1
}
FILE=$(station_file "$STATION")
OUT=${OUT:-$ROOT/build/bench-train}
mkdir -p "$OUT"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd"
# The seed's recipe (a constant rate 0.001, the value as target, batch 32, 20 epochs), as the other frameworks
# train it on the exported windows; train's defaults since issue 17 differ (docs/training.md).
SEED_RECIPE="--target-mode level --lr-decay 1 --batch 32 --lr 0.001 --epochs 20 --patience 5"
[ -x "$E" ] || { echo "build first: make" >&2; exit 1; }
# speed compares with PyTorch only; quality with every framework of FRAMEWORKS; stations needs none
case "$MODE" in speed) mods=torch ;; stations) mods=json ;; *) mods="torch, tensorflow" ;; esac
"$PY" -c "import $mods" 2>/dev/null || { echo "install the frameworks first: make venv-bench" >&2; exit 1; }

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads per framework: $THREADS"
echo "# data: $(basename "$FILE"), features TEMP,PRES,DEWP,RAIN,WSPM,wd (7 inputs), target TEMP, 168 steps, batch 32, LSTM(128)"
# shellcheck disable=SC2086
"$E" train "$FILE" $DATA -o "$OUT/unused.tflite" --export-windows "$OUT/windows.bin"
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=2

field() { "$PY" -c "import json,sys; d=json.loads(open(sys.argv[1]).read().strip().split('\n')[-1]); print(eval('d'+sys.argv[2]))" "$@"; }

if [ "$MODE" = speed ] || [ "$MODE" = all ]; then
  # The issue's figures in one command: edgelstm built twice (AVX2+FMA only, and this
  # machine's default build, AVX-512 where the CPU has it) against PyTorch, PAIRS rounds
  # (default 3) of interleaved runs (AVX2 build, PyTorch, default build), each 2 epochs
  # with validation, windows/s of the faster epoch; the ratio of each round's runs, the
  # median over the rounds; peak resident memory of each process (/usr/bin/time); and
  # whether both builds wrote the same model bytes.
  PAIRS=${PAIRS:-3}
  AVX2_BUILD=${AVX2_BUILD:-$OUT/avx2-build}
  echo "## speed: $PAIRS interleaved rounds of 2 epochs each (training + validation), windows/s of the faster epoch"
  make -s -C "$ROOT" BUILD="$AVX2_BUILD" ARCHFLAGS="-mavx2 -mfma -mf16c" "$AVX2_BUILD/edgelstm" >"$OUT/avx2-build.log" 2>&1 ||
    { echo "building the AVX2 edgelstm failed:" >&2; tail -n 5 "$OUT/avx2-build.log" >&2; exit 1; }
  builds="avx2:$AVX2_BUILD/edgelstm"
  if grep -qw avx512f /proc/cpuinfo; then builds="$builds avx512:$E"; else echo "# no avx512f on this CPU: the AVX2 build only"; fi
  [ -x /usr/bin/time ] || { echo "bench_train: needs /usr/bin/time (Debian package time) for peak memory" >&2; exit 1; }
  rm -f "$OUT"/speed-*
  # The FMA pipes of this machine with both threads busy (bench/cores.c fma, load-robust):
  # speed_summary.py turns it into the most windows/s any fp32 trainer could reach here.
  cc -O3 -mavx2 -mfma -pthread "$ROOT/bench/cores.c" -o "$OUT/cores" && "$OUT/cores" fma 2 3 >"$OUT/speed-fma.txt" ||
    echo "# bench/cores.c did not run: no FMA ceiling in the table" >&2
  for i in $(seq 1 "$PAIRS"); do
    first=1
    for b in $builds; do
      name=${b%%:*} bin=${b#*:}
      # shellcheck disable=SC2086
      /usr/bin/time -f %M -o "$OUT/speed-$name-$i.rss" "$bin" train "$FILE" $DATA --batch 32 --epochs 2 --patience 0 \
        --threads "$THREADS" -o "$OUT/speed-$name-$i.tflite" --json >"$OUT/speed-$name-$i.json" 2>"$OUT/speed-$name-$i.log" ||
        { echo "edgelstm ($name) failed:" >&2; tail -n 3 "$OUT/speed-$name-$i.log" >&2; exit 1; }
      if [ $first = 1 ]; then   # PyTorch between the two builds
        /usr/bin/time -f %M -o "$OUT/speed-torch-$i.rss" "$PY" "$ROOT/bench/train_frameworks.py" --windows "$OUT/windows.bin" \
          --framework torch --mode speed --threads "$THREADS" >"$OUT/speed-torch-$i.json" 2>"$OUT/speed-torch-$i.log" ||
          { echo "torch failed:" >&2; tail -n 3 "$OUT/speed-torch-$i.log" >&2; exit 1; }
        first=0
      fi
    done
  done
  # shellcheck disable=SC2086
  "$PY" "$ROOT/bench/speed_summary.py" "$OUT" "$PAIRS" $builds
fi

if [ "$MODE" = stations ] || [ "$MODE" = all ]; then
  echo "## stations: edgelstm, the seed's model and settings, test split of each station"
  printf '%-14s %7s %5s %9s %9s %13s %12s\n' station epochs best "MAE degC" "RMSE degC" "persist. RMSE" "vs persist."
  for st in Aotizhongxin Changping Dongsi; do
    f=$(station_file "$st")
    # shellcheck disable=SC2086
    "$E" train "$f" $DATA $SEED_RECIPE --threads "$THREADS" -o "$OUT/station-$st.tflite" --json >"$OUT/station-$st.json" 2>"$OUT/station-$st.log"
    "$PY" - "$OUT/station-$st.json" "$st" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); t = d["test"]
print("%-14s %7d %5d %9.4f %9.4f %13.4f %11.1f%%" % (sys.argv[2], d["epochs_run"], d["best_epoch"], t["mae"], t["rmse"],
      t["persistence"]["rmse"], 100 * (t["rmse"] / t["persistence"]["rmse"] - 1)))
EOF
  done
  echo "## held-out stations: each station's model on the test split of the other two (edgelstm eval)"
  printf '%-14s %-14s %9s %9s %13s %12s\n' "trained on" "evaluated on" "MAE degC" "RMSE degC" "persist. RMSE" "vs persist."
  for st in Aotizhongxin Changping Dongsi; do
    for ev in Aotizhongxin Changping Dongsi; do
      [ "$st" = "$ev" ] && continue
      f=$(station_file "$ev")
      "$E" eval "$OUT/station-$st.tflite" "$f" --split test --json >"$OUT/cross-$st-$ev.json"
      "$PY" - "$OUT/cross-$st-$ev.json" "$st" "$ev" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
print("%-14s %-14s %9.4f %9.4f %13.4f %11.1f%%" % (sys.argv[2], sys.argv[3], t["mae"], t["rmse"], t["persistence"]["rmse"],
      100 * (t["rmse"] / t["persistence"]["rmse"] - 1)))
EOF
    done
  done
fi

if [ "$MODE" = quality ] || [ "$MODE" = all ]; then
  QT=${QUALITY_THREADS:-$THREADS}
  SEEDS=${SEEDS:-42}
  echo "## quality: full training (20 epochs max, early stopping patience 5, best weights restored), test split;"
  echo "## seeds $SEEDS; edgelstm on $THREADS thread(s), the frameworks on $QT"
  have() { [ "${REUSE:-0}" = 1 ] && [ -s "$1" ]; }
  for seed in $SEEDS; do
    # shellcheck disable=SC2086
    have "$OUT/quality-edgelstm-$seed.json" ||
      "$E" train "$FILE" $DATA $SEED_RECIPE --threads "$THREADS" --seed "$seed" -o "$OUT/quality-$seed.tflite" --json \
        >"$OUT/quality-edgelstm-$seed.json" 2>"$OUT/quality-edgelstm-$seed.log"
    for fw in $FRAMEWORKS; do
      have "$OUT/quality-$fw-$seed.json" ||
        "$PY" "$ROOT/bench/train_frameworks.py" --windows "$OUT/windows.bin" --framework $fw --mode quality \
          --threads "$QT" --seed "$seed" >"$OUT/quality-$fw-$seed.json" 2>"$OUT/quality-$fw-$seed.log" ||
        { echo "$fw failed:" >&2; tail -n 3 "$OUT/quality-$fw-$seed.log" >&2; exit 1; }
    done
  done
  "$PY" - "$OUT" $SEEDS <<'EOF'
import json, os, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
def last_json(path):   # Keras prints its progress to stdout too: the result is the last line
    text = open(path).read().strip()
    try:
        return json.loads(text)   # edgelstm's --json object (several lines)
    except ValueError:
        return json.loads(text.split("\n")[-1])
rows, pers, keras = [], None, []
for fw, name in (("edgelstm", "edgelstm"), ("torch", "PyTorch"), ("keras", "Keras 3"), ("tf_keras", "tf_keras 2")):
    runs = []
    for seed in seeds:
        path = os.path.join(out, "quality-%s-%s.json" % (fw, seed))
        if not os.path.exists(path): continue
        d = last_json(path)
        if fw == "edgelstm":
            t = d["test"]
            runs.append((seed, d["epochs_run"], d["best_epoch"], t["mae"], t["rmse"], d["train_seconds"]))
            pers = pers or (t["persistence"]["mae"], t["persistence"]["rmse"], t["seasonal"]["mae"], t["seasonal"]["rmse"], t["n"])
        else:
            runs.append((seed, d["epochs_run"], d["best_epoch"], d["test_mae"], d["test_rmse"], sum(d["epoch_seconds"])))
    if runs: rows.append((name, runs))
print("test windows: %d; persistence MAE %.4f RMSE %.4f; seasonal MAE %.4f RMSE %.4f" % (pers[4], pers[0], pers[1], pers[2], pers[3]))
print("%-11s %5s %7s %5s %9s %9s %12s %8s" % ("trainer", "seed", "epochs", "best", "MAE degC", "RMSE degC", "vs persist.", "train s"))
mean = {}
for name, runs in rows:
    for seed, ep, be, mae, rmse, secs in runs:
        print("%-11s %5s %7d %5d %9.4f %9.4f %11.1f%% %8.0f" % (name, seed, ep, be, mae, rmse, 100 * (rmse / pers[1] - 1), secs))
    m = statistics.mean(r[4] for r in runs)
    mean[name] = m
    if len(runs) > 1:
        print("%-11s %5s %7s %5s %9.4f %9.4f %11.1f%%   (mean of %d; RMSE spread %.4f)" % (name, "mean", "", "",
              statistics.mean(r[3] for r in runs), m, 100 * (m / pers[1] - 1), len(runs), max(r[4] for r in runs) - min(r[4] for r in runs)))
r = mean["edgelstm"]
line = "goals: RMSE >= 25%% below persistence (edgelstm %.1f%%: %s)" % (100 * (1 - r / pers[1]), "met" if r <= 0.75 * pers[1] else "NOT met")
ks = [mean[k] for k in ("Keras 3", "tf_keras 2") if k in mean]
if ks:
    line += ", no worse than Keras (%.4f vs %.4f: %s)" % (r, min(ks), "met" if r <= min(ks) else "NOT met")
print(line)
EOF
fi
