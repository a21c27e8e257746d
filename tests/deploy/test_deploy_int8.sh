#!/bin/sh
# Deploying int8 models: a forecaster trained on the repository's Beijing excerpt and
# quantized by `edgelstm quantize`, and TensorFlow-converted full-integer files.
#   host:  the generated C library compiles warning-free (gcc and clang, C99 strict) and
#          its example prints exactly what `edgelstm predict --last` computes (the runtime's
#          int8 kernels); raw rows fed one by one give the same; float32 and int8 libraries
#          link into one program;
#   core:  the same library for Cortex-M4F (the DSP kernel, weights pre-arranged) prints the
#          same value on QEMU, bit for bit; the DSP kernel equals the reference kernel on
#          the core (tests/mcu/kernel_s8_test.c); `profile` reports int8 figures with the
#          board's forecast equal to the host's; the converter's int8 files deploy and
#          give the host's (TFLite Micro's) outputs on the board; 16x8 models are refused;
#          on the emulated ESP32 core (reference kernel) the forecast is the host's too.
. "$ELSTM_ROOT/tests/lib.sh"
suite deploy_int8
HERE="$ELSTM_ROOT/tests/deploy"
FIX="$ELSTM_ROOT/tests/fixtures/tflite"
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --steps 24"

# --target-mode level --intervals none: a one-output level model without intervals: its
# int8 library runs on runtime/device.c alone (the default recipe's change target,
# intervals and Dense(N) heads go through runtime/multi/: tests/deploy/test_deploy_int8_forecast.sh)
"$ELSTM_FAST" train "$F" $DATA --target-mode level --intervals none --units 16 --epochs 2 --seed 3 --threads 1 -o "$T/f.tflite" >/dev/null 2>&1 &&
  "$ELSTM" quantize "$T/f.tflite" "$F" -o "$T/q.tflite" >/dev/null 2>&1 &&
  "$ELSTM" quantize "$T/f.tflite" "$F" -o "$T/q16.tflite" --scheme int16x8 >/dev/null 2>&1 ||
  { not_ok "a float model trains and quantizes" "see train/quantize"; done_suite; }
hostv=$("$ELSTM" predict "$T/q.tflite" "$F" --last --json | python3 -c "import json,sys; print('%.9g' % json.load(sys.stdin)['normalized'])")

# ---- host ----
check "deploy an int8 model --target c --sample" "$ELSTM" deploy "$T/q.tflite" --target c --name q8 --sample "$F" -o "$T/q8"
grep -q "static const int8_t q8_wh_c" "$T/q8/q8_model.h" && grep -q "static const uint32_t q8_w_dsp" "$T/q8/q8_model.h" &&
  grep -q "#define ELSTM_DEVICE_F32 0" "$T/q8/q8.c" &&
  ok "the library holds int8 weights (row-major, and pre-arranged for the DSP kernel) and compiles only the int8 path" ||
  not_ok "int8 library contents" "$(grep -c int8_t "$T/q8/q8_model.h")"
for cc in gcc clang; do
  if out=$($cc $STRICT -DEXAMPLE_DIGITS=9 -I"$T/q8" -o "$T/sb_$cc" "$T/q8/examples/static_buffer.c" "$T/q8/q8.c" -lm 2>&1); then
    got=$("$T/sb_$cc" | awk '$1 == "value:" { print $2 }')
    [ "$got" = "$hostv" ] && ok "$cc: the int8 library's example prints predict --last's value exactly ($hostv)" ||
      not_ok "$cc: int8 example = predict --last" "got '$got', want '$hostv'"
  else not_ok "$cc compiles the int8 library strictly" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
done
bad=$(gcc -std=c99 -O2 -I"$T/q8" -c -o "$T/q8.o" "$T/q8/q8.c" && nm -u "$T/q8.o" | awk '{ print $2 }' | grep -v -E '^(memcpy|memset|memmove|expf|tanhf|sinf|cosf)$' | tr '\n' ' ')
[ -z "$bad" ] && ok "the int8 library's object needs no allocator, no stdio, no libm" || not_ok "int8 object: undefined symbols" "$bad"
if gcc $STRICT -I"$T/q8" -DNAME=q8 -DNAME_UC=Q8 -DHEADER='"q8.h"' -o "$T/feed" "$HERE/feed_raw.c" "$T/q8/q8.c" -lm &&
   python3 "$HERE/raw_rows.py" "$F" "$T/q8/q8.h" 24 > "$T/rows.txt" && "$T/feed" < "$T/rows.txt" > "$T/feed.out"; then
  got=$(awk '$1 == "normalized" { printf "%.9g", $2 }' "$T/feed.out")
  [ "$got" = "$hostv" ] && ok "raw CSV rows fed one by one (quantized into the int8 ring) give predict --last's value" ||
    not_ok "int8 ring buffer = predict --last" "got '$got', want '$hostv'"
else not_ok "feed_raw builds and runs on the int8 library" "$(head -3 "$T/feed.out" 2>/dev/null)"; fi
# a float32 and an int8 library in one program
"$ELSTM" deploy "$T/f.tflite" --target c --name alpha -o "$T/alpha" >/dev/null
"$ELSTM" deploy "$T/q.tflite" --target c --name beta -o "$T/beta" >/dev/null
if gcc $STRICT -I"$T/alpha" -I"$T/beta" -o "$T/two" "$HERE/two_models.c" "$T/alpha/alpha.c" "$T/beta/beta.c" -lm &&
   "$T/two" > "$T/two.out" && [ "$(grep -c 'ring_equal 1' "$T/two.out")" -eq 2 ]; then
  ok "a float32 and an int8 library link into one program; each ring buffer = its whole window"
else not_ok "float32 + int8 in one program" "$(tr '\n' ' ' < "$T/two.out" 2>/dev/null)"; fi
expect_fail 1 "a 16x8 model is refused by deploy with one sentence" "$ELSTM" deploy "$T/q16.tflite" --target c --name w -o "$T/w"
case "$ERR" in *"16x8"*"--scheme int8"*) ok "... which says how to get an int8 model" ;; *) not_ok "16x8 refusal message" "$ERR" ;; esac
[ ! -d "$T/q8/edgelstm/multi" ] && ok "... and ships runtime/device.c alone (no runtime/multi/)" ||
  not_ok "a one-output level int8 library without runtime/multi/" "$(ls "$T/q8/edgelstm" | tr '\n' ' ')"

# ---- the emulated Cortex-M4F ----
cortex_m4
if out=$(arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/q8" -c -o "$T/q8_arm.o" "$T/q8/q8.c" 2>&1) &&
   arm-none-eabi-objdump -d "$T/q8_arm.o" | grep -q smlad && arm-none-eabi-objdump -d "$T/q8_arm.o" | grep -q sxtab16; then
  ok "arm-none-eabi-gcc compiles the int8 library strictly for Cortex-M4, with the DSP kernel (SMLAD, SXTAB16)"
else not_ok "the int8 library for Cortex-M4" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
m4_static_buffer "$T/q8" "$T/q8_arm.o" "$T/sb.elf" 2> "$T/link.err"
if run_qemu "$T/sb.elf" "$T/sb.out"; then
  got=$(awk '$1 == "value:" { print $2 }' "$T/sb.out")
  [ "$got" = "$hostv" ] && ok "QEMU: the int8 library prints the host int8 runtime's value, bit for bit ($hostv)" ||
    not_ok "QEMU: int8 static_buffer = host" "got '$got', want '$hostv'"
else not_ok "QEMU: the int8 static_buffer runs" "$(cat "$T/link.err" "$T/sb.out" | head -3 | tr '\n' ' ')"; fi
m4_kernel_test kernel_s8_test 15 -DELSTM_S8_DSP_TEST "$ELSTM_ROOT/tests/mcu/kernel_s8_test.c" "$ELSTM_ROOT/runtime/lstm_s8_ref.c" \
  "$ELSTM_ROOT/runtime/lstm_s8_dsp.c" "$ELSTM_ROOT/runtime/host/lstm_s8_pack.c"
# the kernel test built without optimization too (-O0: the C loops the kernel falls back
# to, r7 being the frame pointer), against the reference
for kopt in -O0; do
  if arm-none-eabi-gcc $CPU $kopt -ffunction-sections -fdata-sections -std=c99 -DELSTM_S8_DSP_TEST -I"$ELSTM_ROOT/include" -I"$ELSTM_ROOT/runtime" -o "$T/ks8.elf" \
       "$ELSTM_ROOT/tests/mcu/kernel_s8_test.c" "$ELSTM_ROOT/runtime/lstm_s8_ref.c" "$ELSTM_ROOT/runtime/lstm_s8_dsp.c" \
       "$ELSTM_ROOT/runtime/host/lstm_s8_pack.c" "$T/startup.o" $LINK 2> "$T/k.err"; then
    run_qemu "$T/ks8.elf" "$T/ks8.out"; rc=$?
    grep -E '^(ok|not ok) - ' "$T/ks8.out" | sed "s/^\(ok\|not ok\) - mcu_kernel_s8:/& ($kopt)/"
    n=$(grep -c '^ok - ' "$T/ks8.out")
    [ $rc -eq 0 ] && [ "$n" -eq 15 ] || not_ok "QEMU: the DSP kernel test ($kopt) ran every shape" "status $rc, $n passed"
  else not_ok "the DSP kernel test builds ($kopt)" "$(head -3 "$T/k.err" | tr '\n' ' ')"; fi
done

# profile: int8 figures, the board's forecast = the host's, the DSP kernel = the reference on the board
if "$ELSTM" profile "$T/q.tflite" --reference --json > "$T/p.json" 2> "$T/p.err"; then
  check "profile of an int8 model: int8 figures; the board's forecast (fast and reference kernels) = the host's" json_check "$T/p.json" \
    "j['dtype'] == 'int8'" "j['weight_bytes'] == 4 * 16 * (7 + 16) + 16 + 4 * (4 * 16 + 1) + 8" \
    "j['forecast_device'] == j['forecast_host']" "j['instructions'] > 0" "j['instructions_ref'] > j['instructions']"
else not_ok "profile of an int8 model" "$(head -3 "$T/p.err")"; fi

# the ESP32's Xtensa ISA (no int8 kernel of its own: the reference kernel, in plain C)
if command -v clang-22 >/dev/null 2>&1 && command -v qemu-system-xtensa >/dev/null 2>&1; then
  if "$ELSTM" profile "$T/q.tflite" --core esp32 --json > "$T/px.json" 2> "$T/px.err"; then
    check "profile --core esp32 of an int8 model: the board's forecast = the host's" json_check "$T/px.json" \
      "j['dtype'] == 'int8'" "j['core'] == 'esp32'" "j['forecast_device'] == j['forecast_host']" "j['instructions'] > 0"
  else not_ok "profile --core esp32 of an int8 model" "$(head -3 "$T/px.err")"; fi
else not_ok "the Xtensa tools are installed" "run tools/deps.sh"; fi

# the converter's full-integer files (int8 and float I/O): on the board = the host (TFLite Micro's arithmetic)
for fx in int8 int8_float_io; do
  "$ELSTM" deploy "$FIX/$fx.tflite" --target c --name k8 -o "$T/k8_$fx" >/dev/null &&
    arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/k8_$fx" -c -o "$T/k8.o" "$T/k8_$fx/k8.c" || { not_ok "$fx.tflite deploys" "build"; continue; }
  n=0
  for k in 0 1 2; do
    window_inc "$FIX/$fx.json" $k
    python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][int(sys.argv[2])]; print(','.join('%.9g' % v for v in c['input']))" \
      "$FIX/$fx.json" $k > "$T/in.csv"
    host=$("$ELSTM" run "$FIX/$fx.tflite" "$T/in.csv" --json | python3 -c "import json,sys; print('%.9g' % json.load(sys.stdin)['outputs'][0]['values'][0])")
    if m4_window_main "$T/k8_$fx" k8 "$T/k8.o" "$T/k8.elf" && run_qemu "$T/k8.elf" "$T/k8.out"; then
      got=$(awk '$1 == "forecast" { printf "%.9g", $2 }' "$T/k8.out")
      [ "$got" = "$host" ] && n=$((n + 1))
    fi
  done
  [ $n -eq 3 ] && ok "QEMU: the converter's $fx.tflite deploys and gives run's (TFLite Micro's) output on 3 recorded windows" ||
    not_ok "QEMU: the converter's $fx.tflite on the board" "$n of 3 equal"
done
done_suite
