#!/bin/sh
# The int8 device library of a model trained with `train`'s defaults (the change target:
# --target-mode auto picks delta when the target is an input) plus a Dense(3) head,
# calendar inputs of the forecast time and prediction intervals, quantized:
#   - quantize carries the metadata (target mode, intervals, calendar leads, horizons);
#     predict, eval and profile take the int8 file;
#   - deploy writes an int8 library on runtime/multi/ (the float library's code: delta,
#     leads and intervals live there), which builds strictly with gcc and clang;
#   - the Edge Impulse example (the window the host scaled) prints predict --last's
#     normalized forecasts bit for bit: the int8 network and the change added back in
#     float32 are the host's;
#   - fed the raw CSV rows (sensor values, Unix times: the forecast time's calendar
#     inputs computed on the device), it gives predict --last's normalized forecasts
#     within 4 float32 ulps (the device scales raw values in float32, the host in double),
#     and exactly the values and interval bounds that the library's float32 scaler and
#     half-widths make of them (numpy float32 arithmetic), within 1e-5 of the host's;
#   - the same program on the emulated Cortex-M4F (QEMU, the DSP kernel) prints exactly
#     what the host printed;
#   - import: TensorFlow's converter's int8 file, adopted with a change target, deploys
#     and its library gives predict --last's forecast.
. "$ELSTM_ROOT/tests/lib.sh"
suite deploy_int8_forecast
HERE="$ELSTM_ROOT/tests/deploy"
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM,wd --steps 24"
PYF=${PY:-python3}
# shellcheck disable=SC2086
if "$ELSTM_FAST" train "$F" $DATA --horizons 3 --target-time-features hour --intervals 80,95 \
     --units 8 --epochs 1 --seed 3 --threads 1 -o "$T/f.tflite" >/dev/null 2>"$T/train.err" &&
   "$ELSTM" quantize "$T/f.tflite" "$F" -o "$T/q.tflite" >/dev/null 2>"$T/q.err"; then
  ok "a default-recipe Dense(3) model with forecast-time calendar inputs and intervals trains and quantizes"
else
  not_ok "train and quantize" "$(tail -2 "$T/train.err" "$T/q.err")"; done_suite
fi
"$ELSTM" inspect "$T/f.tflite" --json > "$T/f.json" && "$ELSTM" inspect "$T/q.tflite" --json > "$T/q.json"
check "quantize carries the metadata: the change target (train's default), intervals, calendar leads, horizons" \
  python3 - "$T/f.json" "$T/q.json" <<'PYEOF'
import json, sys
f, q = (json.load(open(p))["metadata"]["edgelstm"] for p in sys.argv[1:3])
assert f["target_mode"] == "delta", f.get("target_mode")
for k in ("target_mode", "target_input", "intervals", "horizon", "outputs", "interval_s", "inputs", "target_min", "target_max"):
    assert f.get(k) == q.get(k), (k, f.get(k), q.get(k))
assert [i.get("lead", 0) for i in q["inputs"]][-2:] == [1, 1] and len(q["intervals"]) == 2, q
PYEOF
"$ELSTM" predict "$T/q.tflite" "$F" --last --json > "$T/last.json" || not_ok "predict --last on the int8 model" "failed"
if "$ELSTM" eval "$T/q.tflite" "$F" --json > "$T/eval.json" 2>"$T/eval.err"; then
  check "eval of the int8 model: 3 horizons and both interval levels" python3 -c '
import json, sys
j = json.load(open(sys.argv[1])); s = json.dumps(j)
assert j["rmse"] > 0 and "95" in s and "80" in s, s[:300]' "$T/eval.json"
else not_ok "eval of the int8 model" "$(head -2 "$T/eval.err")"; fi

# ---- the library on the host ----
check "deploy the int8 model --target c --sample" "$ELSTM" deploy "$T/q.tflite" --target c --name q8f --sample "$F" -o "$T/q8f"
[ -f "$T/q8f/edgelstm/multi/device_multi.c" ] && grep -q "#define ELSTM_DEVICE_F32 0" "$T/q8f/q8f.c" &&
  grep -q "static const int8_t q8f_wd" "$T/q8f/q8f_model.h" && grep -q "\.net8 = &q8f_net" "$T/q8f/q8f_model.h" &&
  grep -q "\.delta = 1" "$T/q8f/q8f_model.h" && grep -q "#define Q8F_LEVELS 2" "$T/q8f/q8f.h" &&
  ok "the library: int8 weights, runtime/multi/ with the change target and intervals, only the integer kernels" ||
  not_ok "int8 forecast library contents" "$(ls "$T/q8f/edgelstm")"
for cc in gcc clang; do
  if out=$(make -s -C "$T/q8f" CC=$cc CFLAGS="$STRICT" 2>&1); then ok "$cc builds the int8 library and example with $STRICT"
  else not_ok "$cc builds strictly" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
done
python3 "$HERE/raw_rows.py" "$F" "$T/q8f/q8f.h" 24 > "$T/rows.txt"
gcc $STRICT -I"$T/q8f" -DNAME=q8f -DNAME_UC=Q8F -DHEADER='"q8f.h"' -o "$T/feed" "$HERE/feed_forecast.c" "$T/q8f/q8f.c" -lm &&
  "$T/feed" < "$T/rows.txt" > "$T/feed.out" || not_ok "feed_forecast runs on the int8 library" "$(head -3 "$T/feed.out")"
# compare DEVICE_OUTPUT: its forecasts and intervals are predict --last's (see the top)
compare() {
  $PYF - "$T/last.json" "$1" "$T/q8f/q8f_model.h" <<'PYEOF'
import json, re, sys
import numpy as np
f32 = np.float32
want = json.load(open(sys.argv[1]))["forecasts"]
got = [l.split() for l in open(sys.argv[2])]
h = open(sys.argv[3]).read()
tmin = f32(float(re.search(r"\.target_min = ([-0-9.e+]+)f", h).group(1)))
trange = f32(float(re.search(r"\.target_range = ([-0-9.e+]+)f", h).group(1)))
hw = [f32(float(v)) for v in re.findall(r"([-0-9.e+]+)f",
                                         re.search(r"q8f_halfwidth\[\d+\] = \{(.*?)\};", h, re.S).group(1))]
outs = {int(r[1]): (f32(float(r[2])), f32(float(r[3]))) for r in got if r[0] == "out"}
ivs = {(int(r[1]), int(r[2])): (f32(float(r[3])), f32(float(r[4]))) for r in got if r[0] == "interval"}
assert len(outs) == 3 and len(ivs) == 6 and len(hw) == 6, (outs, ivs, hw)
for k, w in enumerate(want):
    n, v = outs[k]
    assert abs(n - f32(w["normalized"])) <= 5e-7, ("normalized", k, n, w)
    assert v == f32(n * trange + tmin) and abs(v - w["value"]) <= 1e-5 * max(1, abs(w["value"])), ("value", k, v, w)
    for l in range(2):
        lo, hi = ivs[(l, k)]
        assert lo == f32(v - hw[l * 3 + k]) and hi == f32(v + hw[l * 3 + k]), ("interval", l, k, lo, hi)
        wi = w["intervals"][l]
        assert abs(lo - wi["low"]) <= 1e-5 * max(1, abs(wi["low"])) and abs(hi - wi["high"]) <= 1e-5 * max(1, abs(wi["high"])), (l, k, lo, hi, wi)
flags = {r[0]: r[1] for r in got if len(r) == 2}
assert flags == {"bad_level": "1", "raw_equal": "1"}, flags
PYEOF
}
if compare "$T/feed.out" > "$T/cmp.err" 2>&1; then
  ok "host: raw rows fed one by one give predict --last's 3 forecasts and 80/95% intervals"
else not_ok "host: int8 device forecasts = predict --last" "$(tail -1 "$T/cmp.err") | $(tr '\n' ' ' < "$T/feed.out" | head -c 300)"; fi
gcc $STRICT -DEXAMPLE_DIGITS=9 -I"$T/q8f" -o "$T/sb" "$T/q8f/examples/static_buffer.c" "$T/q8f/q8f.c" -lm &&
  "$T/sb" > "$T/sb.out"
# (the host adds the change back in float32 as the device does: its printed normalized
# forecasts are float32 values, printed to 9 digits)
check "the Edge Impulse example prints predict --last's normalized forecasts t+1..t+3 bit for bit" \
  $PYF -c '
import json, sys
import numpy as np
host = [f["normalized"] for f in json.load(open(sys.argv[1]))["forecasts"]]
want = [np.float32(v) for v in host]
got = [np.float32(float(l.split()[1])) for l in open(sys.argv[2]) if l.strip().startswith("t+") and ":" in l.split()[0]]
assert got == want, (got, want)
assert all(float("%.9g" % w) == v for w, v in zip(want, host)), ("host sums in double", host)' "$T/last.json" "$T/sb.out"

# import: TensorFlow's converter's full-integer file (tests/fixtures/tflite/int8.tflite,
# LSTM + Dense(1), 24 steps x 4 inputs), adopted as a forecaster of the change of TEMP,
# deploys on runtime/multi/ and its example prints predict --last's normalized forecast
if "$ELSTM" adopt "$ELSTM_ROOT/tests/fixtures/tflite/int8.tflite" "$F" --time year,month,day,hour --target TEMP \
     --features TEMP,PRES,DEWP,WSPM --target-mode delta -o "$T/ad.tflite" >/dev/null 2>"$T/ad.err" &&
   "$ELSTM" deploy "$T/ad.tflite" --target c --name ad8 --sample "$F" -o "$T/ad8" >/dev/null 2>>"$T/ad.err" &&
   gcc $STRICT -DEXAMPLE_DIGITS=9 -I"$T/ad8" -o "$T/adsb" "$T/ad8/examples/static_buffer.c" "$T/ad8/ad8.c" -lm 2>>"$T/ad.err"; then
  want=$("$ELSTM" predict "$T/ad.tflite" "$F" --last --json | $PYF -c "import json,sys; j = json.load(sys.stdin); print(j.get('forecasts', [j])[0]['normalized'])")
  got=$("$T/adsb" | awk '$1 == "value:" { print $2 }')
  [ -f "$T/ad8/edgelstm/multi/device_multi.c" ] && $PYF -c "import sys, numpy as np; sys.exit(int(np.float32(sys.argv[1]) != np.float32(sys.argv[2])))" "$got" "$want" &&
    ok "a converter's int8 file adopted with a change target deploys; its example prints predict --last's forecast ($want)" ||
    not_ok "adopted converter int8 delta forecaster on the device" "got '$got', want '$want'"
else not_ok "adopt and deploy the converter's int8 file with a change target" "$(head -3 "$T/ad.err" | tr '\n' ' ')"; fi

# ---- the emulated Cortex-M4F ----
cortex_m4 arm-none-eabi-objdump
awk '{ for (i = 1; i <= NF; i++) printf "%s,", $i; print "" }' "$T/rows.txt" > "$T/rows.inc"
if arm-none-eabi-gcc $CFLAGS $STRICT -I"$T" -I"$T/q8f" -DNAME=q8f -DNAME_UC=Q8F -DHEADER='"q8f.h"' -DROWS_INC='"rows.inc"' \
     -c -o "$T/feed.o" "$HERE/feed_forecast.c" 2> "$T/arm.err" &&
   arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/q8f" -c -o "$T/q8f.o" "$T/q8f/q8f.c" 2>> "$T/arm.err" &&
   m4_link "$T/feed.elf" "$T/feed.o" "$T/q8f.o" 2>> "$T/arm.err"; then
  arm-none-eabi-objdump -d "$T/feed.elf" | grep -q smlad && ok "the int8 forecast library builds for Cortex-M4 with the DSP kernel" ||
    not_ok "DSP kernel in the Cortex-M4 build" "no smlad"
  run_qemu "$T/feed.elf" "$T/qemu.out"
  if cmp -s "$T/feed.out" "$T/qemu.out" && compare "$T/qemu.out" >/dev/null 2>&1; then
    ok "QEMU: fed the same raw rows, the emulated Cortex-M4F prints exactly the host's forecasts and intervals"
  else not_ok "QEMU int8 forecasts = host" "$(diff "$T/feed.out" "$T/qemu.out" | head -4 | tr '\n' ' ')"; fi
else not_ok "the int8 forecast program for Cortex-M4" "$(head -3 "$T/arm.err" | tr '\n' ' ')"; fi
# profile: the board's forecast (the change added back) = the host's, int8 figures, the DSP kernel = the reference
if "$ELSTM" profile "$T/q.tflite" --reference --json > "$T/p.json" 2> "$T/p.err"; then
  check "profile of the int8 forecaster: int8 figures, the board's forecast = the host's" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["dtype"] == "int8" and j["outputs"] == 3 and j["forecast_device"] == j["forecast_host"], j
assert j["instructions"] > 0 and j["instructions_ref"] > j["instructions"], j' "$T/p.json"
else not_ok "profile of the int8 forecaster" "$(head -3 "$T/p.err")"; fi
done_suite
