#!/bin/sh
# Training benchmark: edgelstm vs PyTorch (CPU) vs TensorFlow-Keras (CPU; Keras 3 as tf.keras
# gives it, and legacy Keras 2 via tf_keras, the seed's), same windows,
# the seed's model and settings (LSTM(128) + Dense(1), 168 steps x 7 inputs, batch 32,
# Adam 0.001, MSE), 2 threads each. Needs `make` and `make venv-bench`.
#
#   sh bench/bench_train.sh [speed|quality|all] [STATION]
#
#   speed    2 epochs of each (training + validation per epoch); windows/s of the faster
#            epoch (the first includes the frameworks' warm-up)                  (~5 min)
#   quality  full trainings (20 epochs max, early stopping patience 5, best weights
#            restored) of each; test MAE/RMSE in degC beside persistence       (~1-2 h)
# STATION: Aotizhongxin (default), Changping or Dongsi (../shared/data/beijing-air-quality).
# The frameworks train on the windows edgelstm prepared (`train --export-windows`), so all
# three see exactly the same normalized inputs, targets and splits. ELSTM_BIN overrides the
# edgelstm binary, OUT the output folder (build/bench-train); QUALITY_THREADS the frameworks'
# threads in the quality part (default THREADS; the thread count does not change what is
# computed, only how fast); REUSE=1 keeps results already in OUT (to finish a partial run).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-speed}
STATION=${2:-Aotizhongxin}
THREADS=${THREADS:-2}
FRAMEWORKS=${FRAMEWORKS:-torch keras tf_keras}   # a subset, e.g. FRAMEWORKS="torch tf_keras"
SHARED=${ELSTM_SHARED:-$ROOT/../shared}
E=${ELSTM_BIN:-$ROOT/build/edgelstm}
PY="$ROOT/.venv/bin/python"
FILE=$(ls "$SHARED"/data/beijing-air-quality/PRSA_Data_"$STATION"_*.csv)
OUT=${OUT:-$ROOT/build/bench-train}
mkdir -p "$OUT"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd"
[ -x "$E" ] || { echo "build first: make" >&2; exit 1; }
"$PY" -c 'import torch, tensorflow' 2>/dev/null || { echo "install the frameworks first: make venv-bench" >&2; exit 1; }

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads per framework: $THREADS"
echo "# data: $(basename "$FILE"), features TEMP,PRES,DEWP,RAIN,WSPM,wd (7 inputs), target TEMP, 168 steps, batch 32, LSTM(128)"
# shellcheck disable=SC2086
"$E" train "$FILE" $DATA -o "$OUT/unused.tflite" --export-windows "$OUT/windows.bin"
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=1 TF_CPP_MIN_LOG_LEVEL=2

field() { "$PY" -c "import json,sys; d=json.loads(open(sys.argv[1]).read().strip().split('\n')[-1]); print(eval('d'+sys.argv[2]))" "$@"; }

if [ "$MODE" = speed ] || [ "$MODE" = all ]; then
  echo "## speed: 2 epochs each (training + validation), windows/s of the faster epoch"
  # shellcheck disable=SC2086
  "$E" train "$FILE" $DATA --epochs 2 --patience 0 --threads "$THREADS" -o "$OUT/speed.tflite" --json >"$OUT/speed-edgelstm.json" 2>"$OUT/speed-edgelstm.log"
  "$PY" - "$OUT/speed-edgelstm.json" "$OUT/speed-edgelstm.json.1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
n = round(d["windows_per_second"] * d["train_seconds"] / d["epochs_run"])   # training windows per epoch
print(json.dumps(dict(framework="edgelstm", epoch_seconds=d["epoch_seconds"], windows_per_second=n / min(d["epoch_seconds"]))), file=open(sys.argv[2], "w"))
EOF
  for fw in $FRAMEWORKS; do
    "$PY" "$ROOT/bench/train_frameworks.py" --windows "$OUT/windows.bin" --framework $fw --mode speed --threads "$THREADS" >"$OUT/speed-$fw.json" 2>"$OUT/speed-$fw.log"
  done
  e=$(field "$OUT/speed-edgelstm.json.1" '["windows_per_second"]')
  t=$(field "$OUT/speed-torch.json" '["windows_per_second"]')
  "$PY" - "$OUT" "$e" <<'EOF'
import json, sys, os
out, e = sys.argv[1], float(sys.argv[2])
print("%-22s %10s %11s  %s" % ("trainer", "windows/s", "edgelstm x", "version"))
print("%-22s %10.0f %11.2f  %s" % ("edgelstm", e, 1.0, "this build"))
best = 0
for fw, name in (("torch", "PyTorch"), ("keras", "TF-Keras (Keras 3)"), ("tf_keras", "TF-Keras (tf_keras 2)")):
    if not os.path.exists(os.path.join(out, "speed-%s.json" % fw)): continue
    d = json.loads(open(os.path.join(out, "speed-%s.json" % fw)).read().strip().split("\n")[-1])
    v = d["windows_per_second"]
    best = max(best, v)
    print("%-22s %10.0f %11.2f  %s" % (name, v, e / v, d["version"]))
print("goals: >= 1000 windows/s (%s), >= 2x the fastest framework (%.2fx: %s)"
      % ("met" if e >= 1000 else "NOT met", e / best, "met" if e >= 2 * best else "NOT met"))
EOF
fi

if [ "$MODE" = quality ] || [ "$MODE" = all ]; then
  QT=${QUALITY_THREADS:-$THREADS}
  echo "## quality: full training (20 epochs max, early stopping patience 5, best weights restored), test split; frameworks on $QT thread(s)"
  have() { [ "${REUSE:-0}" = 1 ] && [ -s "$1" ]; }
  # shellcheck disable=SC2086
  have "$OUT/quality-edgelstm.json" ||
    "$E" train "$FILE" $DATA --threads "$THREADS" -o "$OUT/quality.tflite" --json >"$OUT/quality-edgelstm.json" 2>"$OUT/quality-edgelstm.log"
  for fw in $FRAMEWORKS; do
    have "$OUT/quality-$fw.json" ||
      "$PY" "$ROOT/bench/train_frameworks.py" --windows "$OUT/windows.bin" --framework $fw --mode quality --threads "$QT" >"$OUT/quality-$fw.json" 2>"$OUT/quality-$fw.log"
  done
  "$PY" - "$OUT" <<'EOF'
import json, sys, os
out = sys.argv[1]
e = json.load(open(os.path.join(out, "quality-edgelstm.json")))
rows = [("edgelstm", e["epochs_run"], e["best_epoch"], e["test"]["mae"], e["test"]["rmse"], e["train_seconds"])]
keras_rmse = []
for fw, name in (("torch", "PyTorch"), ("keras", "Keras 3"), ("tf_keras", "tf_keras 2")):
    if not os.path.exists(os.path.join(out, "quality-%s.json" % fw)): continue
    d = json.loads(open(os.path.join(out, "quality-%s.json" % fw)).read().strip().split("\n")[-1])
    rows.append((name, d["epochs_run"], d["best_epoch"], d["test_mae"], d["test_rmse"], sum(d["epoch_seconds"])))
    pers = (d["persistence_mae"], d["persistence_rmse"])
    if fw != "torch": keras_rmse.append(d["test_rmse"])
if len(rows) == 1:
    t = e["test"]; pers = (t["persistence"]["mae"], t["persistence"]["rmse"])
t = e["test"]
print("test windows: %d; persistence MAE %.4f RMSE %.4f (edgelstm eval: %.4f / %.4f); seasonal MAE %.4f RMSE %.4f"
      % (t["n"], pers[0], pers[1], t["persistence"]["mae"], t["persistence"]["rmse"], t["seasonal"]["mae"], t["seasonal"]["rmse"]))
print("%-10s %7s %5s %9s %9s %12s %10s" % ("trainer", "epochs", "best", "MAE degC", "RMSE degC", "vs persist.", "train s"))
for name, ep, be, mae, rmse, secs in rows:
    print("%-10s %7d %5d %9.4f %9.4f %11.1f%% %10.0f" % (name, ep, be, mae, rmse, 100 * (rmse / pers[1] - 1), secs))
r = e["test"]["rmse"]
line = "goals: RMSE >= 25%% below persistence (%.1f%%: %s)" % (100 * (1 - r / pers[1]), "met" if r <= 0.75 * pers[1] else "NOT met")
if keras_rmse:
    line += ", no worse than Keras (%.4f vs %.4f: %s)" % (r, min(keras_rmse), "met" if r <= min(keras_rmse) else "NOT met")
print(line)
EOF
fi
