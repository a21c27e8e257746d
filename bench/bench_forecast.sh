#!/bin/sh
# Forecast quality across the seasons: rolling-origin backtests (`edgelstm backtest`, 4 folds
# whose test blocks span the last year: spring, summer, autumn, winter 2016/17) of the three
# Beijing stations, for named recipes, against the goals of issue 17 / docs/PRODUCT.md.
#
#   sh bench/bench_forecast.sh RECIPE...        run the recipes (skipping results already in OUT)
#   sh bench/bench_forecast.sh --summary RECIPE...   only the table of results in OUT
#   sh bench/bench_forecast.sh --list           the recipes
#
# Each run is `edgelstm backtest STATION.csv DATA RECIPE-OPTIONS --intervals 80,95 --json`
# into OUT/RECIPE.STATION.json (OUT: build/bench-forecast). The figures are deterministic
# (each fold trains on one thread; --threads only runs folds side by side), so they do not
# depend on the machine's load. THREADS (default 2) folds at a time, STATIONS (default all
# three), SEEDS (default 42; several: mean over seeds too), NICE=1 runs under nice.
# The station files are not in the repository: BEIJING_DIR names their folder (default
# ../shared/data/beijing-air-quality; Beijing Multi-Site Air-Quality Data, UCI dataset 501,
# CC BY 4.0).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E=${ELSTM_BIN:-$ROOT/build/edgelstm}
OUT=${OUT:-$ROOT/build/bench-forecast}
BEIJING_DIR=${BEIJING_DIR:-$ROOT/../shared/data/beijing-air-quality}
THREADS=${THREADS:-2}
STATIONS=${STATIONS:-Aotizhongxin Changping Dongsi}
SEEDS=${SEEDS:-42}
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd"
SMALL="--steps 48 --units 32"       # LSTM(32) over 48 steps: 21 KB of float weights
SEED="--steps 168 --units 128"      # the seed's LSTM(128) over 168 steps: 279 KB

# name: options (besides DATA). level = the seed's recipe; delta = --target-mode delta;
# cal = --target-time-features hour,doy; lr = --lr-decay 0.5 (patience 2); clip = --clip 1;
# tf = --time-features hour,doy (calendar of the row times); long = --lr 0.002 --epochs 60
# --patience 10; h24 = --horizons 24 (Dense(24)). Every recipe spells out the choices the
# defaults make (OFF below), so its figures do not move when a default does; "default"
# recipes use train's defaults as they are (docs/training.md, "Recipe defaults"). b16/b8 =
# --batch 16/8; e40 = --epochs 40 --patience 10; recipes without a bN take the seed's batch
# (B32: 32, Keras's; train's default until --batch 16 became one), and recipes without a run
# length the seed's rate and run (RUN20: --lr 0.001 --epochs 20 --patience 5).
OFF="--lr-decay 1"
B32="--batch 32"
RUN20="--lr 0.001 --epochs 20 --patience 5"
recipe() {
  case $1 in
    small-level) echo "$SMALL --target-mode level $OFF $B32 $RUN20" ;;
    small-delta) echo "$SMALL --target-mode delta $OFF $B32 $RUN20" ;;
    small-delta-cal) echo "$SMALL --target-mode delta --target-time-features hour,doy $OFF $B32 $RUN20" ;;
    small-delta-cal-lr) echo "$SMALL --target-mode delta --target-time-features hour,doy --lr-decay 0.5 $B32 $RUN20" ;;
    small-delta-cal-lr-clip) echo "$SMALL --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --clip 1 $B32 $RUN20" ;;
    small-delta-lr) echo "$SMALL --target-mode delta --lr-decay 0.5 $B32 $RUN20" ;;
    small-delta-clip) echo "$SMALL --target-mode delta --clip 1 $OFF $B32 $RUN20" ;;
    small-delta-e40) echo "$SMALL --target-mode delta --epochs 40 --patience 8 $OFF $B32 --lr 0.001" ;;
    small-delta-cal-lr-long) echo "$SMALL --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --lr 0.002 --epochs 60 --patience 10 $B32" ;;
    seed-level) echo "$SEED --target-mode level $OFF $B32 $RUN20" ;;
    seed-delta) echo "$SEED --target-mode delta $OFF $B32 $RUN20" ;;
    seed-delta-cal) echo "$SEED --target-mode delta --target-time-features hour,doy $OFF $B32 $RUN20" ;;
    seed-delta-cal-lr) echo "$SEED --target-mode delta --target-time-features hour,doy --lr-decay 0.5 $B32 $RUN20" ;;
    seed-delta-cal-lr-long) echo "$SEED --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --lr 0.002 --epochs 60 --patience 10 $B32" ;;
    h24-small-level) echo "$SMALL --horizons 24 --target-mode level $OFF --target-time-features none $B32 $RUN20" ;;
    h24-small-delta) echo "$SMALL --horizons 24 --target-mode delta $OFF --target-time-features none $B32 $RUN20" ;;
    h24-small-delta-cal) echo "$SMALL --horizons 24 --target-mode delta --target-time-features hour,doy $OFF $B32 $RUN20" ;;
    h24-small-delta-cal-lr) echo "$SMALL --horizons 24 --target-mode delta --target-time-features hour,doy --lr-decay 0.5 $B32 $RUN20" ;;
    h24-small-delta-cal-lr-long) echo "$SMALL --horizons 24 --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --lr 0.002 --epochs 60 --patience 10 $B32" ;;
    small-delta-lr-long) echo "$SMALL --target-mode delta --lr-decay 0.5 --lr 0.002 --epochs 60 --patience 10 $B32" ;;
    small-delta-tf-lr) echo "$SMALL --target-mode delta --time-features hour,doy --lr-decay 0.5 $B32 $RUN20" ;;
    small-default) echo "$SMALL" ;;
    small-delta-lr-b16) echo "$SMALL --target-mode delta --lr-decay 0.5 --batch 16 $RUN20" ;;
    small-delta-lr-b16-long) echo "$SMALL --target-mode delta --lr-decay 0.5 --batch 16 --lr 0.002 --epochs 60 --patience 10" ;;
    small-delta-lr-b16-e40) echo "$SMALL --target-mode delta --lr-decay 0.5 --batch 16 --epochs 40 --patience 10 --lr 0.001" ;;
    small-delta-lr-b8-e40) echo "$SMALL --target-mode delta --lr-decay 0.5 --batch 8 --epochs 40 --patience 10 --lr 0.001" ;;
    small-delta-lr-b8-long) echo "$SMALL --target-mode delta --lr-decay 0.5 --batch 8 --lr 0.002 --epochs 60 --patience 10" ;;
    seed-default) echo "$SEED" ;;
    seed-delta-lr) echo "$SEED --target-mode delta --lr-decay 0.5 $B32 $RUN20" ;;
    h24-small-default) echo "$SMALL --horizons 24" ;;
    h24-small-delta-cal-lr-b16) echo "$SMALL --horizons 24 --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --batch 16 $RUN20" ;;
    h24-small-delta-cal-lr-b16-long) echo "$SMALL --horizons 24 --target-mode delta --target-time-features hour,doy --lr-decay 0.5 --batch 16 --lr 0.002 --epochs 60 --patience 10" ;;
    h24-seed-delta-cal-lr) echo "$SEED --horizons 24 --target-mode delta --target-time-features hour,doy --lr-decay 0.5 $B32 $RUN20" ;;
    *) return 1 ;;
  esac
}
ALL="small-level small-delta small-delta-cal small-delta-cal-lr small-delta-cal-lr-clip small-delta-lr small-delta-clip small-delta-e40 small-delta-cal-lr-long small-delta-lr-long small-delta-tf-lr small-default small-delta-lr-b16 small-delta-lr-b16-long small-delta-lr-b16-e40 small-delta-lr-b8-e40 small-delta-lr-b8-long seed-default seed-delta-lr h24-small-default h24-small-delta-cal-lr-b16 h24-small-delta-cal-lr-b16-long seed-level seed-delta seed-delta-cal seed-delta-cal-lr seed-delta-cal-lr-long h24-small-level h24-small-delta h24-small-delta-cal h24-small-delta-cal-lr h24-small-delta-cal-lr-long h24-seed-delta-cal-lr"

summary_only=0
case ${1:-} in
  --list) for r in $ALL; do echo "$r: $(recipe "$r")"; done; exit 0 ;;
  --summary) summary_only=1; shift ;;
  "") echo "usage: sh bench/bench_forecast.sh [--summary] RECIPE... (--list shows them)" >&2; exit 2 ;;
esac
for r in "$@"; do recipe "$r" >/dev/null || { echo "bench_forecast: unknown recipe '$r' (--list shows them)" >&2; exit 2; }; done
mkdir -p "$OUT"
if [ $summary_only = 0 ]; then
  [ -x "$E" ] || { echo "build first: make" >&2; exit 1; }
  for s in $STATIONS; do
    f="$BEIJING_DIR/PRSA_Data_${s}_20130301-20170228.csv"
    [ -f "$f" ] || { echo "bench_forecast: no $f: this benchmark needs the whole Beijing station files (not in the repository; set BEIJING_DIR to their folder)" >&2; exit 1; }
  done
  seeds=$(echo "$SEEDS" | tr ' ' ',')
  for r in "$@"; do
    for s in $STATIONS; do
      o="$OUT/$r.$s.json"
      [ -s "$o" ] && continue
      f="$BEIJING_DIR/PRSA_Data_${s}_20130301-20170228.csv"
      echo "# $r $s: edgelstm backtest $(basename "$f") $DATA $(recipe "$r") --intervals 80,95 --seeds $seeds --threads $THREADS --json" >&2
      t0=$(date +%s)
      # shellcheck disable=SC2046
      ${NICE:+nice} "$E" backtest "$f" $DATA $(recipe "$r") --intervals 80,95 --seeds "$seeds" --threads "$THREADS" \
        --json > "$o.tmp" 2> "$OUT/$r.$s.log" || { echo "failed: $(tail -1 "$OUT/$r.$s.log")" >&2; rm -f "$o.tmp"; exit 1; }
      mv "$o.tmp" "$o"
      echo "#   $(( $(date +%s) - t0 )) s" >&2
    done
  done
fi
python3 "$ROOT/bench/forecast_summary.py" "$OUT" "$STATIONS" "$@"
