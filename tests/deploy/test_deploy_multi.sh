#!/bin/sh
# deploy / profile of models with several LSTM layers or several outputs: the Keras fixtures
# (tests/fixtures/keras/: Keras 3 WHILE loops and tf_keras fused operators; stacked LSTMs,
# Dense(24)). The library ships runtime/multi/ (one-layer, one-output libraries do not),
# builds warning-free with gcc and clang (and arm-none-eabi-gcc), and gives the official
# interpreter's recorded outputs, every one of them, on the host and on the emulated
# Cortex-M4F; its static_buffer example prints every output; the other targets' layouts.
. "$ELSTM_ROOT/tests/lib.sh"
suite deploy_multi
FIX="$ELSTM_ROOT/tests/fixtures/keras"
HERE="$ELSTM_ROOT/tests/deploy"
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
have_mcu=0
have_tools arm-none-eabi-gcc qemu-system-arm && cortex_m4 && have_mcu=1

# case K of fixture NAME as window.inc in DIR, and the interpreter's outputs in DIR/want
window() {
  mkdir -p "$3"
  python3 - "$FIX/$1.json" "$2" "$3" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]
open(sys.argv[3] + "/window.inc", "w").write(",\n".join("%.9gf" % v for v in c["input"]) + "\n")
open(sys.argv[3] + "/want", "w").write("\n".join(repr(v) for v in c["output"]) + "\n")
PYEOF
}
# the driver's outputs in OUT against DIR/want: "N WORST" (outputs compared, largest difference)
compare() {
  awk 'NR == FNR { want[n++] = $1; next } $1 == "out" { d = $3 - want[$2]; if (d < 0) d = -d; if (d > w) w = d; m++ }
       END { printf "%d %g\n", m, w + 0 }' "$2/want" "$1"
}

for m in k3_stacked k3_dense24 tk_stacked tk_dense24; do
  outs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['n_outputs'])" "$FIX/$m.json")
  if ! "$ELSTM" deploy "$FIX/$m.tflite" --target c --name "$m" -o "$T/$m" > "$T/$m.log" 2>&1; then
    not_ok "$m: deploy --target c" "$(cat "$T/$m.log")"; continue
  fi
  ok "$m: deploy --target c ($(sed 's/.*: c library [^:]*: //; s/, [0-9]* steps.*//' "$T/$m.log"))"
  differs=""
  for f in "$ELSTM_ROOT"/runtime/multi/*; do cmp -s "$f" "$T/$m/edgelstm/multi/${f##*/}" || differs="$differs ${f##*/}"; done
  [ -z "$differs" ] && ok "$m: the library ships runtime/multi/ unchanged (edgelstm/multi/)" ||
    not_ok "$m: runtime/multi/ in the library" "differ or missing:$differs"
  for cc in gcc clang; do
    if out=$(make -s -C "$T/$m" CC=$cc CFLAGS="$STRICT -DEXAMPLE_DIGITS=9" 2>&1); then
      ok "$m: $cc builds the library and example with $STRICT"
    else not_ok "$m: $cc builds the library and example strictly" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; continue; fi
  done
  # the example prints every output, normalized then in the target's units
  "$T/$m/static_buffer" > "$T/$m.sb" 2>&1
  lines=$(wc -l < "$T/$m.sb")
  if [ "$outs" = 1 ]; then want_lines=5; else want_lines=$((3 + 2 * outs)); fi
  first=$(awk 'NR == 4 { print $2 }' "$T/$m.sb")
  if [ "$lines" -eq "$want_lines" ] && head -3 "$T/$m.sb" | tail -1 | grep -qx "Predictions:" &&
     { [ "$outs" = 1 ] || { grep -q "^  t+1: " "$T/$m.sb" && grep -q "^  t+$outs: " "$T/$m.sb" && grep -q "^  value t+$outs: " "$T/$m.sb"; }; }; then
    ok "$m: static_buffer prints the seed's lines and all $outs output(s) (normalized, then in the target's units)"
  else not_ok "$m: static_buffer output" "$lines lines: $(head -6 "$T/$m.sb" | tr '\n' '|')"; fi
  # the interpreter's outputs on the recorded windows, every output
  n_ok=0
  for k in 0 1 2; do
    window "$m" $k "$T/$m.w$k"
    if gcc $STRICT -I"$T/$m" -I"$T/$m.w$k" -DNAME=$m -DNAME_UC=$(echo $m | tr a-z A-Z) -DHEADER="\"$m.h\"" \
         -o "$T/$m.drv" "$HERE/multi_window.c" "$T/$m/$m.c" -lm 2> "$T/$m.cc" && "$T/$m.drv" > "$T/$m.o$k"; then
      set -- $(compare "$T/$m.o$k" "$T/$m.w$k")
      if [ "$1" = "$outs" ] && near "$2" 0 1e-5 && grep -q "ring_equal 1" "$T/$m.o$k" && grep -q "rows_equal 1" "$T/$m.o$k" &&
         grep -q "first_equal 1" "$T/$m.o$k" && near "$(awk '$1 == "ref_diff" { print $2 }' "$T/$m.o$k")" 0 1e-5; then
        n_ok=$((n_ok + 1))
      else echo "# $m case $k: $* $(grep -v '^out\|^phys' "$T/$m.o$k" | tr '\n' ' ')"; fi
    else echo "# $m case $k: $(head -3 "$T/$m.cc")"; fi
  done
  [ $n_ok = 3 ] && ok "$m: the library gives ai-edge-litert's $outs output(s) within 1e-5 on 3 recorded windows (whole window, ring buffer, rows, reference kernel)" ||
    not_ok "$m: the library gives ai-edge-litert's outputs" "$n_ok of 3 windows"
  # the emulated Cortex-M4F
  [ $have_mcu = 1 ] || continue
  uc=$(echo $m | tr a-z A-Z)
  if arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/$m" -c -o "$T/$m.arm.o" "$T/$m/$m.c" 2> "$T/$m.acc" &&
     arm-none-eabi-gcc $CFLAGS -std=c99 -I"$T/$m" -I"$T/$m.w0" -DNAME=$m -DNAME_UC=$uc -DHEADER="\"$m.h\"" -c -o "$T/$m.drv.o" "$HERE/multi_window.c" &&
     m4_link "$T/$m.elf" "$T/$m.drv.o" "$T/$m.arm.o" 2>> "$T/$m.acc" && run_qemu "$T/$m.elf" "$T/$m.q"; then
    set -- $(compare "$T/$m.q" "$T/$m.w0")
    [ "$1" = "$outs" ] && near "$2" 0 1e-5 && grep -q "ring_equal 1" "$T/$m.q" &&
      ok "$m: on the emulated Cortex-M4F (arm-none-eabi-gcc $STRICT) the library gives ai-edge-litert's outputs within 1e-5 (max $2)" ||
      not_ok "$m: on the emulated Cortex-M4F" "$* $(head -c 200 "$T/$m.q")"
  else not_ok "$m: builds and runs on the emulated Cortex-M4F" "$(cat "$T/$m.acc" "$T/$m.q" 2>/dev/null | head -3 | tr '\n' ' ')"; fi
done

# ---- profile: the library measured on the emulated core, its forecast = the host's ----
if [ $have_mcu = 1 ]; then
  for m in k3_stacked k3_dense24; do
    if "$ELSTM" profile "$FIX/$m.tflite" --json > "$T/$m.p" 2> "$T/$m.perr" &&
       python3 - "$T/$m.p" "$FIX/$m.json" <<'PYEOF'
import json, sys
p, rec = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
units, I, T, O = rec["units"], rec["n_inputs"], rec["steps"], rec["n_outputs"]
macs, ins = 0, I
for n in units:
    macs += T * 4 * n * (ins + n)
    ins = n
macs += O * units[-1]
assert p["layers"] == len(units) and p["outputs"] == O and p["macs"] == macs, (p["macs"], macs)
assert p["instructions"] > 0 and abs(p["forecast_device"] - p["forecast_host"]) < 1e-5
PYEOF
    then ok "$m: profile --json (layers, outputs, MACs of every layer; instructions counted; the board's output 0 = the host's)"
    else not_ok "$m: profile --json" "$(cat "$T/$m.perr" "$T/$m.p" | head -c 300)"; fi
  done
fi

# ---- the other targets ----
"$ELSTM" deploy "$FIX/k3_dense24.tflite" --target arduino --name d24 -o "$T/d24.zip" >/dev/null &&
  unzip -Z1 "$T/d24.zip" | grep -qx "d24/src/edgelstm/multi/device_multi.c" && unzip -Z1 "$T/d24.zip" | grep -qx "d24/src/edgelstm/device.c" &&
  ok "arduino: the zip holds src/edgelstm/multi/ beside the runtime" || not_ok "arduino zip with runtime/multi" "$(unzip -Z1 "$T/d24.zip" | head -5)"
"$ELSTM" deploy "$FIX/k3_dense24.tflite" --target esp-idf --name d24 -o "$T/d24_idf" >/dev/null &&
  [ -f "$T/d24_idf/edgelstm/multi/lstm_stack.c" ] && grep -q '^idf_component_register(SRCS "d24.c"' "$T/d24_idf/CMakeLists.txt" &&
  ok "esp-idf: component with edgelstm/multi/, only d24.c compiled" || not_ok "esp-idf component" "$(ls "$T/d24_idf")"
"$ELSTM" deploy "$FIX/k3_dense24.tflite" --target platformio --name d24 -o "$T/d24_pio" >/dev/null &&
  [ -f "$T/d24_pio/src/edgelstm/multi/device_multi.h" ] && grep -q '"+<d24.c>"' "$T/d24_pio/library.json" &&
  ok "platformio: src/edgelstm/multi/, only d24.c compiled" || not_ok "platformio library" "$(ls "$T/d24_pio/src")"
grep -q 'EI_CLASSIFIER_LABEL_COUNT            24' "$T/d24_idf/d24_inferencing.h" &&
  grep -q '"t+1", "t+2", ' "$T/d24_idf/d24_inferencing.h" &&
  ok "the Edge Impulse header has 24 labelled outputs (t+1 .. t+24)" || not_ok "Edge Impulse header outputs" "$(grep -n LABEL "$T/d24_idf/d24_inferencing.h")"

# ---- an Arduino-style build compiles every .c under src/ on its own ----
if [ $have_mcu = 1 ] && (cd "$T" && unzip -q -o d24.zip); then
  bad=""
  for f in $(cd "$T/d24/src" && find . -name '*.c'); do
    arm-none-eabi-gcc $CPU -O2 -std=gnu11 -Wall -Wextra -Werror -I"$T/d24/src" -c -o "$T/ard.o" "$T/d24/src/$f" 2>> "$T/ard.err" || bad="$bad $f"
  done
  [ -z "$bad" ] && ok "arduino: every .c under src/ (edgelstm/multi/ too) compiles on its own, warning-free" ||
    not_ok "arduino: every .c under src/ compiles" "$bad $(head -c 200 "$T/ard.err")"
fi

# ---- a one-layer, one-output model's library is what it always was: no runtime/multi/ ----
"$ELSTM" deploy "$FIX/k3_lstm.tflite" --target c --name one -o "$T/one" >/dev/null
[ -f "$T/one/edgelstm/device.c" ] && [ ! -e "$T/one/edgelstm/multi" ] && ! grep -q "multi" "$T/one/one.c" &&
  ok "a one-layer one-output Keras 3 model's library has no runtime/multi/" || not_ok "one-layer library" "$(ls "$T/one/edgelstm")"
done_suite
