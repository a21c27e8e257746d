#!/bin/sh
# bench_quant.sh - accuracy of the quantized forecasters against their float originals on
# every Beijing station: the seed's model (LSTM(128), 168 steps, TEMP from TEMP, PRES,
# DEWP, RAIN, WSPM, wd) trained by edgelstm (seed 42), quantized by `edgelstm quantize`
# (int8 and int16x8, 500 calibration windows of the training split), each evaluated by
# `edgelstm eval` on the station's test split (errors in degC). Prints a Markdown table.
#
#   sh bench/bench_quant.sh [STATION...]     (default: Aotizhongxin Changping Dongsi)
#
# BEIJING_DIR the station files (default ../shared/data/beijing-air-quality), OUT the
# output folder (build/bench-quant), THREADS training threads (2), EPOCHS the most training
# epochs (20, the seed's setting; fewer for a quick run), REUSE=1 keeps float models already
# trained in OUT, RECIPE the training recipe: `seed` (default: the seed's, the target's value
# a constant learning rate and batch 32, --target-mode level --lr-decay 1 --batch 32 --lr 0.001
# --patience 5) or `default` (train's own
# defaults: the change target that --target-mode auto picks, the learning rate lowered on
# plateaus; docs/training.md). Deterministic: the same build gives the same table.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E=${ELSTM_BIN:-$ROOT/build/edgelstm}
OUT=${OUT:-$ROOT/build/bench-quant}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-20}
BEIJING_DIR=${BEIJING_DIR:-$ROOT/../shared/data/beijing-air-quality}
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd"
case ${RECIPE:-seed} in
  seed) DATA="$DATA --target-mode level --lr-decay 1 --batch 32 --lr 0.001 --patience 5" ;;
  default) ;;
  *) echo "bench_quant: RECIPE is 'seed' or 'default', not '$RECIPE'" >&2; exit 2 ;;
esac
PY=${PY:-$ROOT/.venv/bin/python}
[ -x "$PY" ] || PY=python3
STATIONS=${*:-Aotizhongxin Changping Dongsi}
mkdir -p "$OUT"
for st in $STATIONS; do
  f="$BEIJING_DIR/PRSA_Data_${st}_20130301-20170228.csv"
  if [ ! -f "$f" ]; then
    echo "bench_quant: no $f: this benchmark needs the whole Beijing station files (set BEIJING_DIR)" >&2
    exit 1
  fi
  if [ "${REUSE:-0}" != 1 ] || [ ! -f "$OUT/float-$st.tflite" ]; then
    "$E" train "$f" $DATA --seed 42 --epochs "$EPOCHS" --threads "$THREADS" -o "$OUT/float-$st.tflite" >"$OUT/train-$st.log" 2>&1
  fi
  "$E" eval "$OUT/float-$st.tflite" "$f" --json >"$OUT/eval-float-$st.json"
  for scheme in int8 int16x8; do
    "$E" quantize "$OUT/float-$st.tflite" "$f" --scheme "$scheme" -o "$OUT/$scheme-$st.tflite" --json \
      >"$OUT/quantize-$scheme-$st.json"
    "$E" eval "$OUT/$scheme-$st.tflite" "$f" --json >"$OUT/eval-$scheme-$st.json"
  done
done
"$PY" - "$OUT" $STATIONS <<'EOF'
import json, sys
out, stations = sys.argv[1], sys.argv[2:]
print("| station | float RMSE | int8 RMSE | int8 vs float | int16x8 RMSE | int16x8 vs float | float MAE | int8 MAE | persistence RMSE |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for st in stations:
    e = {k: json.load(open(f"{out}/eval-{k}-{st}.json")) for k in ("float", "int8", "int16x8")}
    f, q, w = e["float"]["rmse"], e["int8"]["rmse"], e["int16x8"]["rmse"]
    print(f"| {st} | {f:.4f} | {q:.4f} | {100 * (q / f - 1):+.2f}% | {w:.4f} | {100 * (w / f - 1):+.2f}% | "
          f"{e['float']['mae']:.4f} | {e['int8']['mae']:.4f} | {e['float']['persistence']['rmse']:.4f} |")
EOF
