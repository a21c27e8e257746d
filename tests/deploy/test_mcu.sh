#!/bin/sh
# Generated libraries on an emulated Cortex-M4F (QEMU mps2-an386, tools/mcu/ harness):
# built with arm-none-eabi-gcc -Werror -pedantic for the core, no allocator or stdio
# symbols, the static_buffer example printing the reference forecast, the Cortex-M kernel
# (assembly and C) against the reference kernel on the core, two libraries in one
# firmware, a seed-style Edge Impulse sketch built with arm-none-eabi-g++ against the
# compatibility header (only its #include changed) and run, and `edgelstm profile`.
. "$ELSTM_ROOT/tests/lib.sh"
suite mcu
HERE="$ELSTM_ROOT/tests/deploy"
STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"

cortex_m4 arm-none-eabi-g++
ok "cross compiler and emulator are installed, the harness builds"

"$MM" "$T/a.tflite" -u 20 -i 7 -t 30 -s 1 > "$T/a.ref"
"$MM" "$T/b.tflite" -u 12 -i 11 -t 9 -s 2 --time --no-bias -c 2.5 > "$T/b.ref"
"$ELSTM" deploy "$T/a.tflite" --target c --name alpha -o "$T/alpha" >/dev/null
"$ELSTM" deploy "$T/b.tflite" --target c --name beta -o "$T/beta" >/dev/null

# ---- the library for the core, strict; both kernels ----
for v in asm c; do
  def=""; [ $v = c ] && def=-DELSTM_CORTEXM_NO_ASM
  if out=$(arm-none-eabi-gcc $CFLAGS $STRICT $def -I"$T/alpha" -c -o "$T/alpha_$v.o" "$T/alpha/alpha.c" 2>&1); then
    ok "arm-none-eabi-gcc ($v kernel): the generated library compiles with $STRICT for Cortex-M4F"
  else not_ok "arm-none-eabi-gcc ($v kernel): the generated library compiles strictly" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
done
if out=$(clang --target=arm-none-eabi $CPU -O2 $STRICT -isystem /usr/lib/arm-none-eabi/include -I"$T/alpha" \
          -c -o "$T/alpha_clang.o" "$T/alpha/alpha.c" 2>&1) && [ "$(arm-none-eabi-objdump -d "$T/alpha_clang.o" | grep -c vfma)" -ge 64 ]; then
  ok "clang --target=arm-none-eabi compiles the library strictly for Cortex-M4F, with the assembly kernel"
else not_ok "clang for Cortex-M4F" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
if arm-none-eabi-nm "$T/alpha_asm.o" | grep -q 'elstm_lstm_step_f32_cortexm'; then
  ok "the Cortex-M4F build uses the Cortex-M kernel (ELSTM_KERNEL_CORTEXM)"
else not_ok "the Cortex-M4F build uses the Cortex-M kernel" "no elstm_lstm_step_f32_cortexm in alpha.o"; fi
bad=$(arm-none-eabi-nm -u "$T/alpha_asm.o" | awk '{ print $2 }' | grep -v -E '^(memcpy|memset|memmove|expf|tanhf|__aeabi_[a-z0-9_]+)$' | tr '\n' ' ')
[ -z "$bad" ] && ok "arm object: no malloc/free/printf/stdio symbol (only memcpy/memset, libm for the reference kernel, libgcc helpers)" ||
  not_ok "arm object: undefined symbols" "$bad"

# ---- static_buffer on the emulated core ----
m4_static_buffer "$T/alpha" "$T/alpha_asm.o" "$T/sb.elf" 2> "$T/link.err"
if run_qemu "$T/sb.elf" "$T/sb.out"; then
  got=$(awk '$1 == "value:" { print $2 }' "$T/sb.out")
  near "$got" "$(ref "$T/a.ref" ref)" 1e-5 && ok "QEMU: static_buffer prints the reference kernel's forecast (within 1e-5)" ||
    not_ok "QEMU: static_buffer prints the reference kernel's forecast" "got '$got', want $(ref "$T/a.ref" ref)"
  grep -q '^Timing: DSP 0 ms, inference [0-9]* ms, anomaly 0 ms' "$T/sb.out" && grep -q '^  TEMP: ' "$T/sb.out" &&
    ok "QEMU: ... in the seed's format, with the forecast in the target's units" || not_ok "QEMU: format" "$(tr '\n' '|' < "$T/sb.out")"
else not_ok "QEMU: static_buffer runs" "$(cat "$T/link.err" "$T/sb.out" | head -3 | tr '\n' ' ')"; fi

# ---- --sample on real data: the board prints what `predict --last` gives ----
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"   # real hours, in the repository
if [ -f "$F" ] && "$ELSTM_FAST" train "$F" --time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd \
     --units 8 --epochs 1 --steps 24 --seed 5 -o "$T/bj.tflite" >/dev/null 2>&1 &&
   "$ELSTM" deploy "$T/bj.tflite" --target c --name bj --sample "$F" -o "$T/bj" >/dev/null &&
   arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/bj" -c -o "$T/bj.o" "$T/bj/bj.c" &&
   m4_static_buffer "$T/bj" "$T/bj.o" "$T/bjsb.elf" && run_qemu "$T/bjsb.elf" "$T/bjsb.out"; then
  want=$("$ELSTM" predict "$T/bj.tflite" "$F" --last --json | python3 -c "import json,sys; print(json.load(sys.stdin)['normalized'])")
  got=$(awk '$1 == "value:" { print $2 }' "$T/bjsb.out")
  near "$got" "$want" 1e-5 && ok "QEMU: with --sample, static_buffer prints what 'predict --last' gives (within 1e-5)" ||
    not_ok "QEMU: --sample static_buffer = predict --last" "got '$got', want $want"
elif [ ! -f "$F" ]; then not_ok "QEMU: --sample static_buffer builds and runs" "$F is missing"
else not_ok "QEMU: --sample static_buffer builds and runs" "$(head -c 300 "$T/bjsb.out" 2>/dev/null)"; fi

# ---- a TensorFlow-converted model on the core: the TFLite interpreter's recorded outputs ----
KERAS="$ELSTM_ROOT/tests/fixtures/tflite/regression.tflite"
"$ELSTM" deploy "$KERAS" --target c --name keras -o "$T/keras" >/dev/null
arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/keras" -c -o "$T/keras.o" "$T/keras/keras.c"
worst=0; n=0
for k in 0 1 2 3; do
  window_inc "${KERAS%.tflite}.json" $k
  if m4_window_main "$T/keras" keras "$T/keras.o" "$T/keras.elf" && run_qemu "$T/keras.elf" "$T/keras.out"; then
    got=$(awk '$1 == "forecast" { print $2 }' "$T/keras.out")
    want=$(python3 -c "import json,sys; print(repr(json.load(open(sys.argv[1]))['cases'][int(sys.argv[2])]['output'][0]))" "${KERAS%.tflite}.json" $k)
    near "$got" "$want" 1e-5 && n=$((n + 1))
  fi
done
[ $n -eq 4 ] && ok "QEMU: a TensorFlow-converted model's library gives the TFLite interpreter's outputs on its 4 recorded windows" ||
  not_ok "QEMU: the TensorFlow-converted model's library" "$n of 4 within 1e-5"

# ---- the kernel against the reference on the core ----
for v in asm c; do
  def=""; [ $v = c ] && def=-DELSTM_CORTEXM_NO_ASM
  m4_kernel_test "kernel_test_$v" 10 $def "$ELSTM_ROOT/tests/mcu/kernel_test.c" "$ELSTM_ROOT/runtime/lstm_f32_ref.c" \
    "$ELSTM_ROOT/runtime/lstm_f32_cortexm.c"
done

# ---- two libraries in one firmware ----
arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/beta" -c -o "$T/beta.o" "$T/beta/beta.c" &&
  arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/alpha" -I"$T/beta" -c -o "$T/two.o" "$HERE/two_models.c" &&
  m4_link "$T/two.elf" "$T/two.o" "$T/alpha_asm.o" "$T/beta.o" 2> "$T/two.err"
if run_qemu "$T/two.elf" "$T/two.out"; then
  ya=$(awk '$1 == "alpha" && $2 == "window" { print $3 }' "$T/two.out")
  yb=$(awk '$1 == "beta" && $2 == "window" { print $3 }' "$T/two.out")
  near "$ya" "$(ref "$T/a.ref" ref)" 1e-5 && near "$yb" "$(ref "$T/b.ref" ref)" 1e-5 && [ "$(grep -c 'ring_equal 1' "$T/two.out")" -eq 2 ] &&
    ok "QEMU: two libraries in one firmware, each with its reference forecast; ring buffer = whole window" ||
    not_ok "QEMU: two libraries in one firmware" "$(tr '\n' ' ' < "$T/two.out")"
else not_ok "QEMU: two libraries in one firmware run" "$(cat "$T/two.err" "$T/two.out" | head -3 | tr '\n' ' ')"; fi

# ---- the seed's sketch against the compatibility header ----
sed -n '/^static const float features\[\] = {/,/^};/p' "$HERE/sketch/static_buffer.ino" | sed '1d;$d' | tr ',' ' ' > "$T/window.txt"
"$MM" "$T/seed.tflite" -u 128 -t 168 -s 7 --window "$T/window.txt" > "$T/seed.ref"
"$ELSTM" deploy "$T/seed.tflite" --target arduino --name loba_temp -o "$T/loba.zip" >/dev/null && (cd "$T" && unzip -q loba.zip)
mkdir -p "$T/sketch"
sed 's|^#include <LoBa_Temp_Prediction_-_LSTM_inferencing.h>$|#include <loba_temp_inferencing.h>|' "$HERE/sketch/static_buffer.ino" > "$T/sketch/static_buffer.ino"
changed=$(diff "$HERE/sketch/static_buffer.ino" "$T/sketch/static_buffer.ino" | grep -c '^[<>]')
[ "$changed" -eq 2 ] && ok "the sketch differs from the seed-style original in its #include line only" || not_ok "only the #include changed" "$changed lines"
ARD="-DARDUINO=10819 -I$HERE/arduino -I$T/loba_temp/src"
# C++ without libstdc++ (-nostdinc++, linked by gcc): tools/deps.sh does not install it
if out=$(arm-none-eabi-g++ $CFLAGS -Wall -fno-exceptions -fno-rtti -nostdinc++ $ARD -x c++ -include Arduino.h -c -o "$T/sketch.o" "$T/sketch/static_buffer.ino" 2>&1); then
  ok "arm-none-eabi-g++ builds the sketch against the generated library's compatibility header"
else not_ok "arm-none-eabi-g++ builds the sketch" "$(printf '%s' "$out" | grep -m3 error | tr '\n' ' ')"; fi
arm-none-eabi-g++ $CFLAGS -fno-exceptions -fno-rtti -nostdinc++ -I"$MCU" $ARD -c -o "$T/core.o" "$HERE/arduino/core.cpp" &&
  arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/loba_temp/src" -c -o "$T/loba.o" "$T/loba_temp/src/loba_temp.c" &&
  m4_link "$T/sketch.elf" "$T/sketch.o" "$T/core.o" "$T/loba.o" 2> "$T/sk.err"
if run_qemu "$T/sketch.elf" "$T/sketch.out"; then
  got=$(awk '$1 == "value:" { print $2 }' "$T/sketch.out" | tr -d '\r')
  grep -q '^run_classifier returned: 0' "$T/sketch.out" && near "$got" "$(ref "$T/seed.ref" ref)" 1e-5 &&
    ok "QEMU: the sketch runs (seed-sized model, 1,176 features) and prints the reference forecast" ||
    not_ok "QEMU: the sketch prints the reference forecast" "got '$got', want $(ref "$T/seed.ref" ref): $(tr '\r\n' '  ' < "$T/sketch.out" | head -c 300)"
else not_ok "QEMU: the sketch runs" "$(cat "$T/sk.err" "$T/sketch.out" | head -3 | tr '\n' ' ')"; fi

# ---- an Arduino-style build: every .c under src/ compiled, archived (dot_a_linkage=true) ----
"$ELSTM" deploy "$T/a.tflite" --target arduino --name other -o "$T/other.zip" >/dev/null && (cd "$T" && unzip -q other.zip)
arbad=""
for lib in loba_temp other; do
  for f in $(cd "$T/$lib/src" && find . -name '*.c'); do
    o="$T/ar_${lib}_$(echo "$f" | tr '/.' '__').o"
    arm-none-eabi-gcc $CFLAGS -std=gnu11 -I"$T/$lib/src" -c -o "$o" "$T/$lib/src/$f" 2>> "$T/ar.err" || arbad="$arbad $lib/$f"
  done
  arm-none-eabi-ar rcs "$T/lib$lib.a" "$T"/ar_${lib}_*.o
done
cat > "$T/two_ard.cpp" <<'CPPEOF'
#include <loba_temp.h>
#include <other.h>
#include <stdio.h>
static loba_temp_state a;
static other_state b;
static float w[LOBA_TEMP_STEPS * LOBA_TEMP_INPUTS];
int main()
{
    if (loba_temp_init(&a) || other_init(&b) || loba_temp_predict_window(&a, w) || other_predict_window(&b, w)) return 1;
    printf("forecasts %g %g\n", (double)loba_temp_forecast(&a), (double)other_forecast(&b));
    return 0;
}
CPPEOF
if [ -z "$arbad" ] && arm-none-eabi-g++ $CFLAGS -fno-exceptions -fno-rtti -nostdinc++ -I"$T/loba_temp/src" -I"$T/other/src" -c -o "$T/two_ard.o" "$T/two_ard.cpp" &&
   m4_link "$T/two_ard.elf" "$T/two_ard.o" "$T/libloba_temp.a" "$T/libother.a" 2>> "$T/ar.err" &&
   run_qemu "$T/two_ard.elf" "$T/two_ard.out" && grep -q '^forecasts ' "$T/two_ard.out"; then
  ok "Arduino-style build: every .c of two libraries' src/ compiled and archived, linked into one sketch, runs"
else not_ok "Arduino-style build of two libraries" "$arbad $(head -c 300 "$T/ar.err")"; fi

# ---- edgelstm profile ----
if "$ELSTM" profile "$T/a.tflite" --json > "$T/p.json" 2> "$T/p.err" &&
   python3 - "$T/p.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["macs"] == 30 * 4 * 20 * 27 + 20, p["macs"]
assert p["weight_bytes"] == 4 * (4 * 20 * 27 + 4 * 20 + 20 + 1)
assert p["cross_compiler"] and p["emulator"] and p["code_bytes"] > 1000
assert p["instructions"] > p["macs"] and abs(p["instructions_per_mac"] - p["instructions"] / p["macs"]) <= 1e-8 * p["instructions_per_mac"]  # 9 digits
assert abs(p["forecast_device"] - p["forecast_host"]) < 1e-5
assert abs(p["estimated_ms"] - p["instructions"] / 240e3) < 1e-6 and p["seed_ms"] == 2024
PYEOF
then ok "profile --json: MACs, weight bytes, code size, instructions counted under QEMU, the board's forecast = the host's"
else not_ok "profile --json" "$(cat "$T/p.err" "$T/p.json" | head -c 300)"; fi
if PATH=/nonexistent "$ELSTM" profile "$T/a.tflite" --json > "$T/p2.json" 2>&1 &&
   python3 - "$T/p2.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert not p["cross_compiler"] and not p["emulator"]
assert p["code_bytes"] is None and p["instructions"] is None and p["macs"] > 0 and p["arena_bytes"] > 0
PYEOF
then ok "profile without the cross compiler or emulator reports the static figures"
else not_ok "profile without the tools" "$(head -c 300 "$T/p2.json")"; fi
PATH=/nonexistent "$ELSTM" profile "$T/a.tflite" > "$T/p3.txt" 2>&1
grep -q "not measured: arm-none-eabi-gcc is not installed" "$T/p3.txt" && ok "... and says which tool is missing" ||
  not_ok "... and says which tool is missing" "$(cat "$T/p3.txt")"
mkdir -p "$T/installed" && cp "$ELSTM_FAST" "$T/installed/edgelstm"
if (cd / && "$T/installed/edgelstm" profile "$T/a.tflite" --json) > "$T/p4.json" 2>&1 &&
   python3 -c "import json,sys; p=json.load(open(sys.argv[1])); assert p['instructions'] > 0" "$T/p4.json"; then
  ok "a copied binary profiles from another folder (runtime, templates and harness are embedded)"
else not_ok "a copied binary profiles from another folder" "$(head -c 300 "$T/p4.json")"; fi
expect_fail 2 "profile --mhz 0 is a usage error" "$ELSTM" profile "$T/a.tflite" --mhz 0
done_suite
