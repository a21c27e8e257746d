#!/bin/sh
# tools/demo.sh - `make demo`: the quickstart, end to end, on real data.
#
# Stages, one function each, run in the order of ALL_STAGES at the bottom:
#   data    get the quickstart file the way a user would (the pvlib wheel from PyPI)
#           and summarize it with `edgelstm data`
#   train   train the seed's model on it, evaluate it against the baselines, and print
#           the next forecast (train, eval, predict --last)
#   deploy  generate the C and Arduino libraries, run the C example on the host and on an
#           emulated Cortex-M4F (same forecast as predict --last), profile the model there
#   report  the model's HTML report on the quickstart file: demo/report.html
# `sh tools/demo.sh STAGE...` runs only the named stages. Re-runs reuse the downloaded files in demo/ (git-ignored).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ELSTM=${ELSTM:-$ROOT/build/edgelstm}
DEMO=$ROOT/demo                 # git-ignored: downloads, data and outputs of the demo
CACHE=$DEMO/cache               # the downloaded wheel (and a pip, if python3 has none)
DATA=$DEMO/data
# pvlib 0.11.x is the last release whose wheel ships pvlib/data/test_psm3_2017.csv
# (0.12 and later do not); 0.11.2 is pinned so the data never changes under the demo.
PVLIB_VERSION=0.11.2
PSM3=$DATA/test_psm3_2017.csv   # NSRDB PSM3, Golden CO, 2017, every 30 min, 17,520 rows
TMY3=$DATA/723170TYA.CSV        # TMY3, Greensboro NC: months stitched from different years
# Data options shared by every stage (train, eval and predict read the same file).
# Time columns (Year,Month,Day,Hour,Minute) and inputs are detected; the unnamed row
# index column is left out.
DATA_OPTS="--target Temperature"

say() { printf '\n== %s\n' "$*"; }

# python3 -m pip, or a pip in a small venv of our own when python3 has none (Debian
# ships pip separately; `python3 -m venv` brings one through ensurepip).
pip_cmd() {
  if python3 -m pip --version >/dev/null 2>&1; then
    echo "python3 -m pip"
  else
    [ -x "$CACHE/pip-venv/bin/python" ] || python3 -m venv "$CACHE/pip-venv" >/dev/null
    echo "$CACHE/pip-venv/bin/python -m pip"
  fi
}

fetch_data() {
  [ -s "$PSM3" ] && [ -s "$TMY3" ] && return 0
  mkdir -p "$CACHE" "$DATA"
  wheel=$(ls "$CACHE"/pvlib-"$PVLIB_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    echo "downloading pvlib $PVLIB_VERSION from PyPI (its wheel carries real weather files)"
    if ! $(pip_cmd) download --quiet --no-deps --disable-pip-version-check --dest "$CACHE" \
         "pvlib==$PVLIB_VERSION" 2>"$CACHE/pip.err"; then
      echo "demo: cannot download pvlib $PVLIB_VERSION from PyPI (its wheel carries the demo's weather files; pip says: $(tail -n 1 "$CACHE/pip.err")); with network access run 'make demo' again, or put pvlib-$PVLIB_VERSION-py3-none-any.whl in $CACHE" >&2
      exit 1
    fi
    wheel=$(ls "$CACHE"/pvlib-"$PVLIB_VERSION"-*.whl | head -n 1)
  fi
  unzip -o -j -q "$wheel" pvlib/data/test_psm3_2017.csv pvlib/data/723170TYA.CSV -d "$DATA"
}

stage_data() {
  say "data: real weather, NSRDB PSM3 2017 at 30-minute steps (pvlib $PVLIB_VERSION wheel)"
  fetch_data
  echo "\$ edgelstm data $PSM3 $DATA_OPTS"
  # shellcheck disable=SC2086
  "$ELSTM" data "$PSM3" $DATA_OPTS

  say "data: a TMY3 file from the same wheel is not a continuous series, and edgelstm says so"
  echo "\$ edgelstm data $TMY3 --skip-rows 1 $DATA_OPTS"
  # shellcheck disable=SC2086
  if "$ELSTM" data "$TMY3" --skip-rows 1 $DATA_OPTS >/dev/null 2>"$DEMO/tmy.err"; then
    echo "demo: edgelstm accepted a TMY3 file; it should have refused it" >&2
    exit 1
  fi
  cat "$DEMO/tmy.err"
  grep -q "TMY" "$DEMO/tmy.err" || { echo "demo: the TMY3 message is missing" >&2; exit 1; }
}

# Stage 2 (docs/training.md): the seed's model - LSTM(128) + Dense(1), 168 steps - with
# train's defaults (Adam, MSE, batch 16, the change from the last value as target, the rate
# halved on plateaus, up to 20 epochs with early stopping) trained on the
# quickstart file, evaluated against persistence and the one-day-seasonal forecast, and
# the next forecast. The inputs: temperature, dew point, pressure, wind speed, the two
# irradiances, and the hour of day as a sin/cos pair (8 inputs; 168 steps = 3.5 days).
MODEL=$DEMO/psm3_temperature.tflite
stage_train() {
  fetch_data
  # column names with spaces go through the shell as one word each
  feats="Temperature,Dew Point,Pressure,Wind Speed,GHI,DHI"
  say "train: the seed's LSTM(128) on $(basename "$PSM3") (about a minute on 2 cores)"
  echo "\$ edgelstm train $PSM3 $DATA_OPTS --features \"$feats\" --time-features hour -o $MODEL"
  t0=$(date +%s)
  # shellcheck disable=SC2086
  "$ELSTM" train "$PSM3" $DATA_OPTS --features "$feats" --time-features hour -o "$MODEL"
  echo "(training took $(( $(date +%s) - t0 )) s)"

  say "eval: the test split in degC, beside persistence and the one-day-seasonal forecast"
  echo "\$ edgelstm eval $MODEL $PSM3"
  "$ELSTM" eval "$MODEL" "$PSM3" | tee "$DEMO/eval.txt"
  grep -q "model RMSE is .* below persistence" "$DEMO/eval.txt" ||
    { echo "demo: the model does not beat persistence" >&2; exit 1; }

  say "predict: the next forecast, after the file's last row"
  echo "\$ edgelstm predict $MODEL $PSM3 --last"
  "$ELSTM" predict "$MODEL" "$PSM3" --last
}

# Stage 3 (docs/deploy.md): the trained model as device libraries - a C folder and an
# Arduino zip, offline (the seed needed Edge Impulse's cloud for this step) - with the
# file's last real window in the static_buffer example. The C example runs on the host
# and, when the Arm toolchain and QEMU are installed, on an emulated Cortex-M4F; both
# must print the forecast `predict --last` gives. `profile` then measures the cost of
# one forecast on that core.
LIB=$DEMO/psm3_temp              # --target c
ZIP=$DEMO/psm3_temp_arduino.zip  # --target arduino
MCU=$DEMO/mcu
same_forecast() { # FILE: its "value:" line against predict --last's normalized value
  awk -v want="$WANT" '$1 == "value:" { d = $2 - want; if (d < 0) d = -d; found = 1
        if (d > 1e-5) { printf "demo: %s prints %s, predict --last gives %s\n", FILENAME, $2, want; exit 1 } }
       END { if (!found) { printf "demo: no value: line in %s\n", FILENAME; exit 1 } }' "$1"
}
stage_deploy() {
  fetch_data
  [ -s "$MODEL" ] || stage_train
  say "deploy: a C library and an Arduino library, offline, with the file's last window"
  echo "\$ edgelstm deploy $MODEL --target c --name psm3_temp --sample $PSM3 -o $LIB"
  "$ELSTM" deploy "$MODEL" --target c --name psm3_temp --sample "$PSM3" -o "$LIB"
  echo "\$ edgelstm deploy $MODEL --target arduino --name psm3_temp --sample $PSM3 -o $ZIP"
  "$ELSTM" deploy "$MODEL" --target arduino --name psm3_temp --sample "$PSM3" -o "$ZIP"
  unzip -l "$ZIP" | awk 'NR > 3 && $4 != "" && $4 !~ /^-+$/ { print "  " $4 }'
  WANT=$("$ELSTM" predict "$MODEL" "$PSM3" --last --json |
         python3 -c 'import json, sys; print(json.load(sys.stdin)["normalized"])')

  say "deploy: the C example on this machine (gcc, -std=c99 -Wall -Wextra -Werror -pedantic)"
  make -s -C "$LIB" CFLAGS="-std=c99 -O2 -Wall -Wextra -Werror -pedantic -DEXAMPLE_DIGITS=6"
  echo "\$ $LIB/static_buffer"
  "$LIB/static_buffer" | tee "$DEMO/host.txt"
  same_forecast "$DEMO/host.txt"
  echo "(predict --last gave $WANT: the same forecast)"

  if command -v arm-none-eabi-gcc >/dev/null 2>&1 && command -v qemu-system-arm >/dev/null 2>&1; then
    say "deploy: the same example on an emulated Cortex-M4F (QEMU mps2-an386)"
    cpu="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
    strict="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
    mkdir -p "$MCU"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cpu $strict -I"$LIB" -c "$LIB/psm3_temp.c" -o "$MCU/lib.o"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cpu $strict -DEI_PORTING_USER_TIMER -DEXAMPLE_DIGITS=6 -I"$LIB" \
      -c "$LIB/examples/static_buffer.c" -o "$MCU/static_buffer.o"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cpu -O2 -I"$ROOT/tools/mcu" -c "$ROOT/tools/mcu/startup.c" -o "$MCU/startup.o"
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cpu --specs=rdimon.specs -nostartfiles -T "$ROOT/tools/mcu/mps2-an386.ld" \
      -Wl,--gc-sections -o "$MCU/static_buffer.elf" "$MCU/static_buffer.o" "$MCU/lib.o" "$MCU/startup.o" -lm
    echo "\$ qemu-system-arm -M mps2-an386 ... -kernel $MCU/static_buffer.elf"
    timeout 600 qemu-system-arm -M mps2-an386 -nographic -semihosting-config enable=on,target=native \
      -icount shift=0,align=off,sleep=off -kernel "$MCU/static_buffer.elf" | tee "$DEMO/mcu.txt"
    same_forecast "$DEMO/mcu.txt"
    echo "(the emulated board gives the forecast predict --last gives)"
  else
    echo "(no arm-none-eabi-gcc / qemu-system-arm: the emulated Cortex-M4F run is skipped)"
  fi

  say "profile: the cost of one forecast on a Cortex-M4F"
  echo "\$ edgelstm profile $MODEL"
  "$ELSTM" profile "$MODEL"
}

# Stage 4 (docs/report.md): one HTML page of the data, the training, the forecasts against
# the truth, the errors and the device figures - what the seed's notebook plotted, offline.
REPORT=$DEMO/report.html
stage_report() {
  fetch_data
  [ -s "$MODEL" ] || stage_train
  say "report: the data, the training, the forecasts and the device figures in one HTML page"
  echo "\$ edgelstm report $MODEL $PSM3 -o $REPORT"
  "$ELSTM" report "$MODEL" "$PSM3" -o "$REPORT"
  grep -q 'data-plot="forecast-week"' "$REPORT" || { echo "demo: the report has no forecast plot" >&2; exit 1; }
  echo
  echo "The report is $REPORT: open it in a web browser (file://$REPORT)."
}

ALL_STAGES="data train deploy report"
[ -x "$ELSTM" ] || { echo "demo: $ELSTM is missing; run 'make' first" >&2; exit 1; }
for stage in ${*:-$ALL_STAGES}; do
  "stage_$stage"
done
