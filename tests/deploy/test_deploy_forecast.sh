#!/bin/sh
# The device library of a forecasting model (train --horizons --target-mode delta
# --target-time-features --intervals): it ships runtime/multi/, builds strictly, and fed
# the raw CSV rows (sensor values, Unix times) it gives what `predict --last` gives: every
# step's forecast (the last value added back) and every interval.
. "$ELSTM_ROOT/tests/lib.sh"
suite deploy_forecast
HERE="$ELSTM_ROOT/tests/deploy"
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM,wd --steps 24"
# shellcheck disable=SC2086
if $ELSTM_FAST train "$F" $DATA --horizons 4 --target-mode delta --target-time-features hour,doy --intervals 80,95 \
     --units 8 --epochs 2 --threads 2 -o "$T/fc.tflite" >/dev/null 2>"$T/train.err"; then
  ok "a Dense(4) delta model with forecast-time calendar inputs and intervals trains"
else
  not_ok "train the model" "$(tail -2 "$T/train.err")"; done_suite
fi
check "deploy --target c" "$ELSTM" deploy "$T/fc.tflite" --target c --name fc -o "$T/fc"
[ -f "$T/fc/edgelstm/multi/device_multi.c" ] && ok "the library ships runtime/multi/ (delta, lead and intervals live there)" ||
  not_ok "runtime/multi/ shipped" "$(ls "$T/fc/edgelstm")"
grep -q "#define FC_LEVELS 2" "$T/fc/fc.h" && grep -q "int fc_interval(const fc_state \*s, int level, int k" "$T/fc/fc.h" &&
  ok "the header declares FC_LEVELS, FC_LEVEL_VALUES and fc_interval()" || not_ok "interval API in the header" "$(grep -n LEVEL "$T/fc/fc.h")"
for cc in gcc clang; do
  if out=$(make -s -C "$T/fc" CC=$cc CFLAGS="$STRICT" 2>&1); then ok "$cc builds the library and example with $STRICT"
  else not_ok "$cc builds strictly" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
done
gcc $STRICT -I"$T/fc" -DNAME=fc -DNAME_UC=FC -DHEADER='"fc.h"' -o "$T/feed" "$HERE/feed_forecast.c" "$T/fc/fc.c" -lm
"$ELSTM" predict "$T/fc.tflite" "$F" --last --json > "$T/last.json"
if python3 "$HERE/raw_rows.py" "$F" "$T/fc/fc.h" 24 > "$T/rows.txt" && "$T/feed" < "$T/rows.txt" > "$T/feed.out"; then
  if python3 - "$T/last.json" "$T/feed.out" <<'PYEOF'
import json, sys
want = json.load(open(sys.argv[1]))["forecasts"]
got = [l.split() for l in open(sys.argv[2])]
outs = {int(r[1]): (float(r[2]), float(r[3])) for r in got if r[0] == "out"}
ivs = {(int(r[1]), int(r[2])): (float(r[3]), float(r[4])) for r in got if r[0] == "interval"}
assert len(outs) == 4 and len(ivs) == 8, (outs, ivs)
for k, f in enumerate(want):
    n, v = outs[k]
    assert abs(n - f["normalized"]) < 2e-6 and abs(v - f["value"]) < 1e-4, (k, n, v, f)
    for l in range(2):
        lo, hi = ivs[(l, k)]
        assert abs(lo - f["intervals"][l]["low"]) < 1e-4 and abs(hi - f["intervals"][l]["high"]) < 1e-4, (l, k, lo, hi, f)
flags = {r[0]: r[1] for r in got if len(r) == 2}
assert flags == {"bad_level": "1", "raw_equal": "1"}, flags
PYEOF
  then ok "raw rows fed one by one give predict --last's 4 forecasts, normalized forecasts and 80/95% intervals"
  else not_ok "device forecasts = predict --last" "$(tr '\n' ' ' < "$T/feed.out" | head -c 300)"; fi
else not_ok "raw rows fed to the device" "$(head -c 200 "$T/rows.txt")"; fi
# profile: the emulated Cortex-M4F runs the same library (delta added on the board and on the host)
if have_tools arm-none-eabi-gcc qemu-system-arm; then
  if "$ELSTM" profile "$T/fc.tflite" --json > "$T/prof.json" 2> "$T/prof.err" &&
     python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert abs(d["forecast_device"] - d["forecast_host"]) < 1e-5, d' "$T/prof.json"; then
    ok "profile: the emulated Cortex-M4F gives the host's forecast (the last value added on both)"
  else not_ok "profile of the forecasting model" "$(cat "$T/prof.err") $(head -c 300 "$T/prof.json")"; fi
fi
# a one-output level model without intervals (--target-mode level --intervals none: the
# default learns the change and calibrates 80 and 95 % intervals) keeps its
# one-layer library (no runtime/multi/)
# shellcheck disable=SC2086
$ELSTM_FAST train "$F" $DATA --target-mode level --intervals none --units 8 --epochs 1 --threads 2 -o "$T/plain.tflite" >/dev/null 2>&1
"$ELSTM" deploy "$T/plain.tflite" --target c --name plain -o "$T/plain" >/dev/null 2>&1
[ -f "$T/plain/plain.c" ] && [ ! -d "$T/plain/edgelstm/multi" ] && ok "a one-output level model's library does not ship runtime/multi/" ||
  not_ok "plain library" "$(ls "$T/plain/edgelstm" 2>&1)"
done_suite
