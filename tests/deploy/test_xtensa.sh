#!/bin/sh
# Generated libraries on the emulated ESP32-class Xtensa core (QEMU sim/de233_fpu,
# tools/mcu/xtensa/ harness; docs/deploy.md): the harness's C library subset against glibc
# and libm, the Xtensa kernel (assembly and C) against the reference kernel on the core,
# the `c` library built strictly with clang-22 for the core and using the kernel, the
# esp-idf library's static_buffer example printing what `predict --last` gives on the host,
# what the arduino and platformio libraries ship, and `edgelstm profile --core esp32`
# (exact repeatable counts, the seed-shaped model under 2.5 instructions per MAC). int8:
# the MAC16 kernel (assembly and C) against the int8 reference on the core, an int8
# esp-idf library's static_buffer printing predict --last's value exactly, its profile.
. "$ELSTM_ROOT/tests/lib.sh"
suite xtensa
XT="$ELSTM_ROOT/tools/mcu/xtensa"
FEATURES=$(cat "$XT/features.txt")
CF="--target=xtensa -O2 -ffreestanding -fno-jump-tables -fomit-frame-pointer -ffunction-sections -fdata-sections"
for f in $(echo "$FEATURES" | tr ',' ' '); do CF="$CF -Xclang -target-feature -Xclang $f"; done
CF="$CF -isystem $XT/include -I$ELSTM_ROOT/tools/mcu"
STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"
EI="-DEI_PORTING_USER_TIMER -DEI_PORTING_USER_PRINTF -DEXAMPLE_DIGITS=9"

# cc_xt SRC OBJ [FLAGS...]: clang-22 -S, then llvm-mc-22 (clang's own assembler misplaces
# the literal pools on this target)
cc_xt() {
  src=$1; obj=$2; shift 2
  clang-22 $CF "$@" -S -o "$obj.s" "$src" && llvm-mc-22 -triple=xtensa -mattr="$FEATURES" -filetype=obj -o "$obj" "$obj.s"
}
link_xt() {
  out=$1; shift
  xtensa-lx106-elf-ld --no-relax --no-warn-rwx-segments --gc-sections -T "$XT/xtensa.ld" -o "$out" "$T/crt0.o" "$@" "$T/rt.o"
}
run_xt() {
  timeout 120 qemu-system-xtensa -M sim -cpu de233_fpu -display none -monitor none -serial none -semihosting \
    -icount shift=7,align=off,sleep=off -device loader,file="$1",cpu-num=0 > "$2" 2>&1
}
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

need_tools clang-22 llvm-mc-22 llvm-objdump-22 xtensa-lx106-elf-ld xtensa-lx106-elf-nm qemu-system-xtensa
ok "Xtensa compiler, assembler, linker and emulator are installed"

# ---- the harness: start-up code, C library subset, compiler helpers ----
if llvm-mc-22 -triple=xtensa -mattr="$FEATURES" -filetype=obj -o "$T/crt0.o" "$XT/crt0.s" 2> "$T/h.err" &&
   cc_xt "$XT/rt.c" "$T/rt.o" -std=c99 -Wall -Wextra -Werror 2>> "$T/h.err"; then
  ok "harness builds (crt0.s with llvm-mc-22, rt.c with clang-22 -Wall -Wextra -Werror)"
else not_ok "harness builds" "$(head -3 "$T/h.err" | tr '\n' ' ')"; done_suite; fi
gcc -std=c99 -O2 -o "$T/rtc_host" "$ELSTM_ROOT/tests/mcu/xtensa_rt_check.c" -lm && "$T/rtc_host" > "$T/rtc_host.out"
if cc_xt "$ELSTM_ROOT/tests/mcu/xtensa_rt_check.c" "$T/rtc.o" -std=c99 && link_xt "$T/rtc.elf" "$T/rtc.o" && run_xt "$T/rtc.elf" "$T/rtc.out"; then
  grep -E '^(fmt|hash) ' "$T/rtc_host.out" > "$T/want"; grep -E '^(fmt|hash) ' "$T/rtc.out" > "$T/got"
  if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
    ok "printf/snprintf print what glibc prints ($(grep -c '^fmt' "$T/want") lines of formats); float division, sqrtf, 64-bit integers, int64-to-float and float-to-double give the host's bits"
  else not_ok "harness output = glibc and the host's arithmetic" "$(diff "$T/want" "$T/got" | head -4 | tr '\n' ' ')"; fi
  if python3 - "$T/rtc.out" <<'PYEOF'
import math, struct, sys
bits = lambda x: struct.unpack('<I', struct.pack('<f', x))[0]
f32 = lambda b: struct.unpack('<f', struct.pack('<I', b))[0]
key = lambda b: b if b < 0x80000000 else -(b & 0x7FFFFFFF)   # ordered: ulps apart = difference
worst, n = 0, 0
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) != 3 or w[0] not in ('exp', 'tanh'): continue
    x = f32(int(w[1], 16))
    try: r = struct.unpack('<f', struct.pack('<f', (math.exp if w[0] == 'exp' else math.tanh)(x)))[0]
    except OverflowError: r = float('inf')
    worst, n = max(worst, abs(key(int(w[2], 16)) - key(bits(r)))), n + 1
assert n == 800 and worst <= 2, (n, worst)
PYEOF
  then ok "expf and tanhf of the harness within 2 ulp of math.exp/math.tanh (400 arguments each)"
  else not_ok "expf and tanhf within 2 ulp" "see $T/rtc.out"; fi
else not_ok "harness check runs on the core" "$(head -c 300 "$T/rtc.out" 2>/dev/null)"; fi

# kernel_test TAG TEST KERNEL MORE...: tests/mcu/TEST with runtime/KERNEL (built strictly, as
# $T/TAG_asm.o and $T/TAG_c.o: its assembly and its C version) and runtime/MORE on the core;
# prints its lines (output $T/TAG_V.out), and every one of its 10 shapes must pass
kernel_test() {
  tag=$1; test=$2; kern=$3; shift 3
  for v in asm c; do
    def=""; [ $v = c ] && def=-DELSTM_XTENSA_NO_ASM
    objs="$T/${tag}t_$v.o $T/${tag}_$v.o"; i=0
    built=1
    cc_xt "$ELSTM_ROOT/tests/mcu/$test" "$T/${tag}t_$v.o" -std=c99 $def -I"$ELSTM_ROOT/include" -I"$ELSTM_ROOT/runtime" 2> "$T/$tag.err" &&
      cc_xt "$ELSTM_ROOT/runtime/$kern" "$T/${tag}_$v.o" $STRICT $def -I"$ELSTM_ROOT/include" 2>> "$T/$tag.err" || built=0
    for src in "$@"; do
      i=$((i + 1)); objs="$objs $T/${tag}d${i}_$v.o"
      [ $built = 1 ] && cc_xt "$ELSTM_ROOT/runtime/$src" "$T/${tag}d${i}_$v.o" -std=c99 $def -I"$ELSTM_ROOT/include" 2>> "$T/$tag.err" || built=0
    done
    if [ $built = 1 ] && link_xt "$T/${tag}_$v.elf" $objs 2>> "$T/$tag.err"; then
      run_xt "$T/${tag}_$v.elf" "$T/${tag}_$v.out"; rc=$?
      grep -E '^(ok|not ok) - ' "$T/${tag}_$v.out"
      n=$(grep -c '^ok - ' "$T/${tag}_$v.out")
      [ $rc -eq 0 ] && [ "$n" -eq 10 ] || not_ok "QEMU: $test ($v) ran all shapes" "status $rc, $n passed"
    else not_ok "$test ($v) builds" "$(head -3 "$T/$tag.err" | tr '\n' ' ')"; fi
  done
}

# ---- the kernel against the reference on the core ----
kernel_test xk kernel_test.c lstm_f32_xtensa.c lstm_f32_ref.c
grep -q 'Xtensa C kernel' "$T/xk_c.out" && ! llvm-objdump-22 -d --mcpu=esp32 "$T/xk_c.o" | grep -q 'madd.s' &&
  llvm-objdump-22 -d --mcpu=esp32 "$T/xk_asm.o" | grep -q 'madd.s' &&
  ok "-DELSTM_XTENSA_NO_ASM builds the plain C version (no madd.s: clang-22 never emits it), the default the assembly" ||
  not_ok "the C version is what -DELSTM_XTENSA_NO_ASM builds" "$(tail -1 "$T/xk_c.out")"

# ---- the int8 kernel (MAC16) against the int8 reference on the core ----
kernel_test xk8 kernel_s8_xt_test.c lstm_s8_xtensa.c lstm_s8_ref.c host/lstm_s8_pack.c
llvm-objdump-22 -d --mcpu=esp32 "$T/xk8_asm.o" | grep -q 'mula.dd.ll.ldinc' && ! llvm-objdump-22 -d --mcpu=esp32 "$T/xk8_c.o" | grep -q 'mula' &&
  ok "the int8 kernel's assembly uses MAC16 (mula.dd.*.ldinc; the core has the option), -DELSTM_XTENSA_NO_ASM its C version" ||
  not_ok "the int8 kernel's assembly uses MAC16" "$(llvm-objdump-22 -d --mcpu=esp32 "$T/xk8_asm.o" | grep -c mula)"

# ---- the generated `c` library for the core ----
"$MM" "$T/a.tflite" -u 20 -i 7 -t 30 -s 1 > "$T/a.ref"
"$ELSTM" deploy "$T/a.tflite" --target c --name alpha -o "$T/alpha" >/dev/null
if out=$(cc_xt "$T/alpha/alpha.c" "$T/alpha.o" $STRICT -I"$T/alpha" 2>&1); then
  ok "clang-22 builds the generated library for the ESP32's Xtensa ISA with $STRICT"
else not_ok "the generated library builds strictly for Xtensa" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
if xtensa-lx106-elf-nm "$T/alpha.o" | grep -q ' t elstm_xt_gates$' && xtensa-lx106-elf-nm "$T/alpha.o" | grep -q ' t elstm_xt_cells$' &&
   [ "$(llvm-objdump-22 -d --mcpu=esp32 -j .text.elstm_xt_kernel "$T/alpha.o" | grep -c 'madd.s')" -ge 48 ]; then
  ok "the Xtensa build uses the Xtensa kernel (ELSTM_KERNEL_XTENSA): its assembly, as local symbols"
else not_ok "the Xtensa build uses the Xtensa kernel" "$(xtensa-lx106-elf-nm "$T/alpha.o" | grep elstm_xt | tr '\n' ' ')"; fi
bad=$(xtensa-lx106-elf-nm -u "$T/alpha.o" | awk '{ print $2 }' |
      grep -v -E '^(memcpy|memset|expf|tanhf|__divsf3|__divdi3|__moddi3|__muldi3|__floatdisf)$' | tr '\n' ' ')
[ -z "$bad" ] && ok "Xtensa object: no malloc/free/printf/stdio symbol (only memcpy/memset, libm for the reference kernel, compiler helpers)" ||
  not_ok "Xtensa object: undefined symbols" "$bad"

# ---- the esp-idf library on the core: its static_buffer prints what predict --last gives ----
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"   # real hours, in the repository
if "$ELSTM_FAST" train "$F" --time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd \
     --units 8 --epochs 1 --steps 24 --seed 5 -o "$T/bj.tflite" >/dev/null 2>&1 &&
   "$ELSTM" deploy "$T/bj.tflite" --target esp-idf --name bj --sample "$F" -o "$T/bj" >/dev/null &&
   cc_xt "$T/bj/bj.c" "$T/bj.o" -std=c99 -I"$T/bj" 2> "$T/bj.err" &&
   cc_xt "$T/bj/examples/static_buffer.c" "$T/bjsb.o" -std=c99 $EI -I"$T/bj" 2>> "$T/bj.err" &&
   link_xt "$T/bjsb.elf" "$T/bjsb.o" "$T/bj.o" 2>> "$T/bj.err" && run_xt "$T/bjsb.elf" "$T/bjsb.out"; then
  want=$("$ELSTM" predict "$T/bj.tflite" "$F" --last --json | python3 -c "import json,sys; print(json.load(sys.stdin)['normalized'])")
  got=$(awk '$1 == "value:" { print $2 }' "$T/bjsb.out")
  near "$got" "$want" 1e-5 && ok "QEMU (Xtensa): the esp-idf library's static_buffer prints what 'predict --last' gives (within 1e-5)" ||
    not_ok "QEMU (Xtensa): static_buffer = predict --last" "got '$got', want $want"
  grep -q '^Timing: DSP 0 ms, inference [0-9]* ms, anomaly 0 ms' "$T/bjsb.out" && grep -q '^  TEMP: ' "$T/bjsb.out" &&
    ok "... in the seed's format, with the forecast in the target's units" || not_ok "format" "$(tr '\n' '|' < "$T/bjsb.out")"
else not_ok "QEMU (Xtensa): the esp-idf library's static_buffer builds and runs" "$(cat "$T/bj.err" "$T/bjsb.out" 2>/dev/null | head -3 | tr '\n' ' ')"; fi

# ---- an int8 model's esp-idf library on the core: static_buffer prints predict --last's value, bit for bit ----
# (the level target: int8 libraries have no change-target mode yet)
if "$ELSTM_FAST" train "$F" --time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --target-mode level \
     --units 8 --epochs 1 --steps 24 --seed 5 -o "$T/bjl.tflite" >/dev/null 2>&1 &&
   "$ELSTM" quantize "$T/bjl.tflite" "$F" -o "$T/bj8.tflite" >/dev/null 2>&1 &&
   "$ELSTM" deploy "$T/bj8.tflite" --target esp-idf --name bj8 --sample "$F" -o "$T/bj8" >/dev/null &&
   cc_xt "$T/bj8/bj8.c" "$T/bj8.o" $STRICT -I"$T/bj8" 2> "$T/bj8.err" &&
   cc_xt "$T/bj8/examples/static_buffer.c" "$T/bj8sb.o" -std=c99 $EI -I"$T/bj8" 2>> "$T/bj8.err" &&
   link_xt "$T/bj8sb.elf" "$T/bj8sb.o" "$T/bj8.o" 2>> "$T/bj8.err" && run_xt "$T/bj8sb.elf" "$T/bj8sb.out"; then
  # in the example's format (EXAMPLE_DIGITS=9: nine decimals, trailing zeros kept)
  want=$("$ELSTM" predict "$T/bj8.tflite" "$F" --last --json | python3 -c "import json,sys; print('%.9f' % json.load(sys.stdin)['normalized'])")
  got=$(awk '$1 == "value:" { print $2 }' "$T/bj8sb.out")
  [ "$got" = "$want" ] && ok "QEMU (Xtensa): the int8 esp-idf library's static_buffer prints predict --last's value exactly ($want)" ||
    not_ok "QEMU (Xtensa): int8 static_buffer = predict --last" "got '$got', want $want"
  grep -q 'bj8_w_xt' "$T/bj8/bj8_model.h" && [ "$(xtensa-lx106-elf-nm "$T/bj8.o" | grep -cE ' t elstm_xt_s8_(block|gate|cell)$')" -eq 3 ] &&
    ! xtensa-lx106-elf-nm "$T/bj8.o" | grep -q 'bj8_wx_i' &&
    ok "... with the MAC16 kernel (products, gate and cell passes in assembly) and only its int16 weights (no row-major copy) in the Xtensa build" ||
    not_ok "the int8 Xtensa build uses the MAC16 kernel" "$(xtensa-lx106-elf-nm "$T/bj8.o" | grep -E 'elstm_xt|bj8_w' | tr '\n' ' ')"
else not_ok "QEMU (Xtensa): the int8 esp-idf library's static_buffer builds and runs" "$(cat "$T/bj8.err" "$T/bj8sb.out" 2>/dev/null | head -3 | tr '\n' ' ')"; fi
if [ -s "$T/bj8.tflite" ] && "$ELSTM" profile "$T/bj8.tflite" --core esp32 --reference --json > "$T/p8.json" 2> "$T/p8.err" &&
   python3 - "$T/p8.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["dtype"] == "int8" and p["core"] == "esp32", (p["dtype"], p["core"])
assert p["forecast_device"] == p["forecast_host"], (p["forecast_device"], p["forecast_host"])
assert p["instructions_ref"] > p["instructions"] > p["macs"], (p["instructions_ref"], p["instructions"])
assert any("widened to int16" in n for n in p["notes"]), p["notes"]
PYEOF
then ok "profile --core esp32 --reference of an int8 model: the board's forecast = the host's exactly; the MAC16 kernel $(json "$T/p8.json" instructions_per_mac | cut -c1-5), the reference $(json "$T/p8.json" instructions_per_mac_ref | cut -c1-5) instructions per MAC"
else not_ok "profile --core esp32 --reference of an int8 model" "$(cat "$T/p8.err" "$T/p8.json" 2>/dev/null | head -c 400)"; fi

# ---- stacked layers and several outputs (runtime/multi/ over the Xtensa kernel): the Keras
# fixtures' libraries on the core give ai-edge-litert's recorded outputs ----
FIX="$ELSTM_ROOT/tests/fixtures/keras"
for m in k3_stacked k3_dense24; do
  python3 - "$FIX/$m.json" "$T/$m.w" <<'PYEOF'
import json, os, sys
c = json.load(open(sys.argv[1]))["cases"][0]
os.makedirs(sys.argv[2], exist_ok=True)
open(sys.argv[2] + "/window.inc", "w").write(",\n".join("%.9gf" % v for v in c["input"]) + "\n")
open(sys.argv[2] + "/want", "w").write("\n".join(repr(v) for v in c["output"]) + "\n")
PYEOF
  uc=$(echo $m | tr a-z A-Z)
  if "$ELSTM" deploy "$FIX/$m.tflite" --target c --name $m -o "$T/$m" >/dev/null 2> "$T/$m.err" &&
     cc_xt "$T/$m/$m.c" "$T/$m.o" $STRICT -I"$T/$m" 2>> "$T/$m.err" &&
     cc_xt "$ELSTM_ROOT/tests/deploy/multi_window.c" "$T/$m.drv.o" -std=c99 -I"$T/$m" -I"$T/$m.w" -DNAME=$m -DNAME_UC=$uc \
       -DHEADER="\"$m.h\"" 2>> "$T/$m.err" &&
     link_xt "$T/$m.elf" "$T/$m.drv.o" "$T/$m.o" 2>> "$T/$m.err" && run_xt "$T/$m.elf" "$T/$m.q"; then
    worst=$(awk 'NR == FNR { want[n++] = $1; next } $1 == "out" { d = $3 - want[$2]; if (d < 0) d = -d; if (d > w) w = d; m++ }
                 END { if (m != n) print "missing"; else printf "%g\n", w + 0 }' "$T/$m.w/want" "$T/$m.q")
    near "$worst" 0 1e-5 && grep -q "ring_equal 1" "$T/$m.q" &&
      ok "$m: on the emulated Xtensa core the library (several layers or outputs) gives ai-edge-litert's outputs within 1e-5 (max $worst)" ||
      not_ok "$m: on the emulated Xtensa core" "$worst $(head -c 200 "$T/$m.q")"
  else not_ok "$m: builds and runs on the emulated Xtensa core" "$(cat "$T/$m.err" "$T/$m.q" 2>/dev/null | head -3 | tr '\n' ' ')"; fi
done

# ---- what the Arduino and PlatformIO libraries ship for an ESP32-S3 ----
"$ELSTM" deploy "$T/a.tflite" --target arduino --name ard -o "$T/ard.zip" >/dev/null && (cd "$T" && unzip -q ard.zip)
"$ELSTM" deploy "$T/a.tflite" --target platformio --name pio -o "$T/pio" >/dev/null
if [ -f "$T/ard/src/edgelstm/lstm_f32_xtensa.c" ] && grep -q '#include "edgelstm/lstm_f32_xtensa.c"' "$T/ard/src/ard.c" &&
   [ -f "$T/pio/src/edgelstm/lstm_f32_xtensa.c" ] && grep -q '#include "edgelstm/lstm_f32_xtensa.c"' "$T/pio/src/pio.c" &&
   grep -q '"+<pio.c>"' "$T/pio/library.json" && grep -q '#include "edgelstm/lstm_f32_xtensa.c"' "$T/bj/bj.c"; then
  ok "arduino, platformio and esp-idf libraries ship the Xtensa kernel inside the one compiled source (no option)"
else not_ok "the libraries ship the Xtensa kernel" "$(ls "$T/ard/src/edgelstm" "$T/pio/src/edgelstm" 2>&1 | tr '\n' ' ')"; fi
arbad=""; n=0
for f in $(cd "$T/ard/src" && find . -name '*.c'); do     # the Arduino IDE compiles every .c under src/
  n=$((n + 1))
  cc_xt "$T/ard/src/$f" "$T/ard_$n.o" -std=gnu11 -I"$T/ard/src" 2>> "$T/ard.err" || arbad="$arbad $f"
done
[ -z "$arbad" ] && [ $n -ge 4 ] && ok "Arduino-style build for Xtensa: each of the $n .c files under src/ compiles on its own" ||
  not_ok "Arduino-style build for Xtensa" "$arbad $(head -c 300 "$T/ard.err")"

# ---- edgelstm profile --core esp32 ----
if "$ELSTM" profile "$T/a.tflite" --core esp32 --json > "$T/p.json" 2> "$T/p.err" &&
   "$ELSTM" profile "$T/a.tflite" --core esp32 --json > "$T/p2.json" 2>> "$T/p.err" &&
   python3 - "$T/p.json" "$T/p2.json" <<'PYEOF'
import json, sys
p, q = (json.load(open(f)) for f in sys.argv[1:])
assert p["core"] == "esp32", p["core"]
assert p["macs"] == 30 * 4 * 20 * 27 + 20, p["macs"]
assert p["weight_bytes"] == 4 * (4 * 20 * 27 + 4 * 20 + 20 + 1)
assert p["cross_compiler"] and p["emulator"] and p["code_bytes"] > 1000 and "clang" in p["compiler"]
assert p["instructions"] > p["macs"] and abs(p["instructions_per_mac"] / (p["instructions"] / p["macs"]) - 1) < 1e-8  # 9 digits
assert abs(p["forecast_device"] - p["forecast_host"]) < 1e-5
assert abs(p["estimated_ms"] - p["instructions"] / 240e3) < 1e-6 and p["seed_ms"] == 2024
notes = " ".join(p["notes"])
assert "PIE" in notes and "32 physical" in notes and "not cycles" in notes, notes
assert q["instructions"] == p["instructions"] and q["forecast_device"] == p["forecast_device"], (p["instructions"], q["instructions"])
PYEOF
then ok "profile --core esp32 --json: MACs, weights, code size, instructions counted under QEMU (the same on two runs), the board's forecast = the host's, notes"
else not_ok "profile --core esp32 --json" "$(cat "$T/p.err" "$T/p.json" | head -c 400)"; fi
if "$ELSTM" profile "$T/a.tflite" --core esp32 --c-kernel --reference --json > "$T/pc.json" 2> "$T/p.err" &&
   python3 - "$T/p.json" "$T/pc.json" <<'PYEOF'
import json, sys
p, c = (json.load(open(f)) for f in sys.argv[1:])
assert "ELSTM_XTENSA_NO_ASM" in c["cflags"] and c["instructions"] > p["instructions"], (c["instructions"], p["instructions"])
assert c["instructions_ref"] > c["instructions"] and abs(c["forecast_device"] - c["forecast_host"]) < 1e-5
PYEOF
then ok "profile --core esp32 --c-kernel --reference: the C version and the reference kernel counted too (both slower)"
else not_ok "profile --core esp32 --c-kernel --reference" "$(cat "$T/p.err" "$T/pc.json" | head -c 400)"; fi
"$MM" "$T/seed.tflite" -u 128 -i 7 -t 168 -s 3 >/dev/null
if "$ELSTM" profile "$T/seed.tflite" --core esp32 --json > "$T/ps.json" 2> "$T/p.err" &&
   python3 -c "import json,sys; p=json.load(open(sys.argv[1])); assert p['instructions_per_mac'] <= 2.5, p['instructions_per_mac']" "$T/ps.json"; then
  ok "the seed-shaped model (LSTM(128), 168 x 7) on the emulated Xtensa core: $(json "$T/ps.json" instructions_per_mac | cut -c1-5) instructions per MAC (goal <= 2.5)"
else not_ok "seed-shaped model <= 2.5 instructions per MAC" "$(cat "$T/p.err" "$T/ps.json" | head -c 300)"; fi
# a trained model (the esp-idf section's, real Beijing hours): exact counts, twice the same
if [ -s "$T/bj.tflite" ] && "$ELSTM" profile "$T/bj.tflite" --core esp32 --json > "$T/pb.json" 2> "$T/p.err" &&
   "$ELSTM" profile "$T/bj.tflite" --core esp32 --json > "$T/pb2.json" 2>> "$T/p.err" &&
   python3 - "$T/pb.json" "$T/pb2.json" <<'PYEOF'
import json, sys
p, q = (json.load(open(f)) for f in sys.argv[1:])
assert isinstance(p["instructions"], int) and p["instructions"] > p["macs"], p["instructions"]
assert q["instructions"] == p["instructions"] and q["instructions_per_mac"] == p["instructions_per_mac"], (p["instructions"], q["instructions"])
assert q["forecast_device"] == p["forecast_device"] and abs(p["forecast_device"] - p["forecast_host"]) < 1e-5, (p["forecast_device"], p["forecast_host"])
PYEOF
then ok "profile --core esp32 of a trained model: $(json "$T/pb.json" instructions) instructions on both runs, the board's forecast = the host's"
else not_ok "profile --core esp32 of a trained model" "$(cat "$T/p.err" "$T/pb.json" 2>/dev/null | head -c 400)"; fi
PATH=/nonexistent "$ELSTM" profile "$T/a.tflite" --core esp32 > "$T/p3.txt" 2>&1
grep -q "not measured: clang-22 is not installed (Debian: clang-22)" "$T/p3.txt" && grep -q "multiply-accumulates" "$T/p3.txt" &&
  ok "profile --core esp32 without the tools: the static figures, and which tool is missing" || not_ok "profile without the tools" "$(cat "$T/p3.txt")"
expect_fail 2 "profile --core with an unknown core is a usage error" "$ELSTM" profile "$T/a.tflite" --core esp8266
done_suite
