#!/bin/sh
# tools/demo.sh - `make demo`: the quickstart, end to end, on real data.
#
# Stages, one function each, run in the order of ALL_STAGES at the bottom:
#   data    get the quickstart file the way a user would (the pvlib wheel from PyPI)
#           and summarize it with `edgelstm data`
# Later issues add their stage functions (train, eval, predict, deploy) below the
# marked line and append their names to ALL_STAGES. `sh tools/demo.sh STAGE...` runs
# only the named stages. Re-runs reuse the downloaded files in demo/ (git-ignored).
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
    $(pip_cmd) download --quiet --no-deps --disable-pip-version-check --dest "$CACHE" \
      "pvlib==$PVLIB_VERSION"
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

# ---- later stages (train, eval, predict, deploy) go here ---------------------------

ALL_STAGES="data"
[ -x "$ELSTM" ] || { echo "demo: $ELSTM is missing; run 'make' first" >&2; exit 1; }
for stage in ${*:-$ALL_STAGES}; do
  "stage_$stage"
done
