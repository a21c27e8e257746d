#!/bin/sh
# Model quality under `train --sampling uniform` and `--sampling series` (docs/training.md,
# "Sampling"): one global model trained over several Beijing stations, twice per seed with
# the same data, model, epochs and seed, once per mode, then each station's test split
# measured with `edgelstm eval MODEL FILE... --split test --json` (RMSE, MAE, persistence).
# Two cases:
#   equal  the stations' whole files (2013-03 .. 2017-02, lengths equal within a few rows)
#   short  the same, but station CUT (default Changping) cut to its last CUT_PCT per cent of
#          rows (default 25: 2016-02-29 .. 2017-02-28), so uniform sampling gives it 11 %
#          of the training windows (6,100 of 55,069) and series sampling a third of every batch
# (The weather columns of Aotizhongxin and Dongsi are the same from 2015-03-08 on, so their
# test splits are the same windows and their rows in the table the same numbers.)
#
#   sh bench/bench_sampling.sh            train what is missing in OUT, then the table
#   sh bench/bench_sampling.sh --summary  only the table of the results in OUT
#
# Takes 12 one-thread trainings (2 cases x 2 modes x 3 SEEDS) of LSTM(32) over 48
# steps, 15 epochs of 73,451 (short: 55,069) windows each: ~30 s a training on one core
# (2 s an epoch), about 7 minutes in all. Deterministic (each training on one thread:
# --threads 1), so the figures do not depend on the machine's load; NICE=1 runs them under
# nice -n 19.
# Settings (environment): OUT (default /tmp/edgelstm-bench-sampling: models, eval JSON and
# the cut file; results already there for the same settings are reused), STATIONS
# (default "Aotizhongxin Changping Dongsi"), CUT, CUT_PCT, SEEDS (default "1 2 3"), MODEL
# (default "--steps 48 --units 32"), RUN (default "--batch 16 --lr 0.001 --lr-decay 0.5
# --lr-patience 2 --epochs 15 --patience 0": a fixed number of epochs, the best epoch's
# weights kept). The station files are not in the repository: BEIJING_DIR names their
# folder (default ../shared/data/beijing-air-quality; Beijing Multi-Site Air-Quality Data,
# UCI dataset 501, CC BY 4.0); without them the script stops with exit status 1.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E=${ELSTM_BIN:-$ROOT/build/edgelstm}
OUT=${OUT:-${TMPDIR:-/tmp}/edgelstm-bench-sampling}
BEIJING_DIR=${BEIJING_DIR:-$ROOT/../shared/data/beijing-air-quality}
STATIONS=${STATIONS:-Aotizhongxin Changping Dongsi}
CUT=${CUT:-Changping}
CUT_PCT=${CUT_PCT:-25}
SEEDS=${SEEDS:-1 2 3}
MODEL=${MODEL:---steps 48 --units 32}
RUN=${RUN:---batch 16 --lr 0.001 --lr-decay 0.5 --lr-patience 2 --epochs 15 --patience 0}
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --target-mode delta"
NICE=${NICE:-0}
me=bench_sampling.sh

usage() { echo "usage: sh bench/$me [--summary]   (settings in the environment: see the header)" >&2; exit 2; }
summary=0
case $# in
  0) ;;
  1) [ "$1" = --summary ] || usage; summary=1 ;;
  *) usage ;;
esac
case $CUT_PCT in
  ''|*[!0-9]*) echo "$me: CUT_PCT must be a whole per cent from 1 to 99, not '$CUT_PCT'" >&2; exit 2 ;;
esac
[ "$CUT_PCT" -ge 1 ] && [ "$CUT_PCT" -le 99 ] ||
  { echo "$me: CUT_PCT must be a whole per cent from 1 to 99, not '$CUT_PCT'" >&2; exit 2; }
set -- $STATIONS
[ $# -ge 2 ] || { echo "$me: STATIONS must name at least two stations (series sampling needs several files)" >&2; exit 2; }
case " $STATIONS " in
  *" $CUT "*) ;;
  *) echo "$me: CUT ($CUT) must be one of STATIONS ($STATIONS)" >&2; exit 2 ;;
esac

src() { echo "$BEIJING_DIR/PRSA_Data_$1_20130301-20170228.csv"; }
cutfile="$OUT/PRSA_Data_${CUT}_last${CUT_PCT}pct.csv"
files() { # CASE: the case's files, in STATIONS order
  for st in $STATIONS; do
    if [ "$1" = short ] && [ "$st" = "$CUT" ]; then echo "$cutfile"; else src "$st"; fi
  done
}

if [ $summary = 0 ]; then
  for st in $STATIONS; do
    [ -f "$(src "$st")" ] || {
      echo "$me: $(src "$st") not found: this benchmark needs the Beijing station files (set BEIJING_DIR to their folder)" >&2
      exit 1; }
  done
  [ -x "$E" ] || { echo "$me: $E not found (run make, or set ELSTM_BIN)" >&2; exit 1; }
  mkdir -p "$OUT"
  settings="$DATA | $MODEL | $RUN | $CUT $CUT_PCT | $STATIONS"
  if [ "$(cat "$OUT/settings" 2>/dev/null)" != "$settings" ]; then
    rm -f "$OUT"/*.json; printf '%s\n' "$settings" > "$OUT/settings"
  fi
  # header + the last CUT_PCT per cent of the data rows, chronological like the source
  s=$(src "$CUT"); rows=$(($(wc -l < "$s") - 1)); keep=$((rows * CUT_PCT / 100))
  { head -n 1 "$s"; tail -n "$keep" "$s"; } > "$cutfile.tmp" && mv "$cutfile.tmp" "$cutfile"
  run="" ; [ "$NICE" = 1 ] && run="nice -n 19"
  for case in equal short; do
    for seed in $SEEDS; do
      for mode in uniform series; do
        j="$OUT/$case.$mode.$seed.eval.json"
        [ -s "$j" ] && continue
        m="$OUT/$case.$mode.$seed.tflite"
        # shellcheck disable=SC2046,SC2086
        $run "$E" train $(files $case) $DATA $MODEL $RUN --sampling $mode --seed "$seed" --threads 1 \
          -o "$m" --force --json > "$OUT/$case.$mode.$seed.train.json" 2> "$OUT/$case.$mode.$seed.log"
        # shellcheck disable=SC2046,SC2086
        $run "$E" eval "$m" $(files $case) --split test --json > "$j.tmp"
        mv "$j.tmp" "$j"
        echo "$case $mode seed $seed done" >&2
      done
    done
  done
fi

python3 - "$OUT" "$STATIONS" "$SEEDS" "$CUT" "$CUT_PCT" <<'EOF'
import json, statistics, sys
out, stations, seeds, cut, pct = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4], sys.argv[5]
mean = statistics.mean
def load(case, mode, seed):
    try:
        return json.load(open(f"{out}/{case}.{mode}.{seed}.eval.json"))
    except OSError:
        return None
print("| case | station | test windows | RMSE uniform | RMSE series | series/uniform RMSE (seeds) "
      "| MAE uniform | MAE series | RMSE/persistence uniform | series |")
print("|---|---|---|---|---|---|---|---|---|---|")
for case in ("equal", "short"):
    runs = [(load(case, "uniform", s), load(case, "series", s)) for s in seeds]
    runs = [(u, s) for u, s in runs if u and s]
    if not runs:
        continue
    names = stations + ["all (pooled)"]
    for i, name in enumerate(names):
        pick = (lambda j: j["files"][i]) if i < len(stations) else (lambda j: j)
        us, ss = [pick(u) for u, _ in runs], [pick(s) for _, s in runs]
        assert all(a["n"] == b["n"] for a, b in zip(us, ss)), (case, name)
        ratios = [b["rmse"] / a["rmse"] for a, b in zip(us, ss)]
        label = name + (f" (last {pct} %)" if case == "short" and name == cut else "")
        def m(js, k):
            return mean(j[k] for j in js)
        def rp(js):
            return mean(j["rmse"] / j["persistence"]["rmse"] for j in js)
        print(f"| {case} | {label} | {us[0]['n']} | {m(us, 'rmse'):.4f} | {m(ss, 'rmse'):.4f} | "
              f"{mean(ratios):.3f} ({min(ratios):.3f}..{max(ratios):.3f}) | {m(us, 'mae'):.4f} | {m(ss, 'mae'):.4f} | "
              f"{rp(us):.3f} | {rp(ss):.3f} |")
print(f"\nmeans over seeds {' '.join(seeds)} ({len(seeds)} trainings per mode and case); "
      "errors in degrees C of TEMP, one step (1 h) ahead; RMSE/persistence < 1 beats persistence")
EOF
