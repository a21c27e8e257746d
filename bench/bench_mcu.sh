#!/bin/sh
# bench_mcu.sh - the seed's model (LSTM(128) + Dense(1), 168 steps x 7 inputs, float32) on an
# emulated core (-icount: exact instruction counts), through `edgelstm profile`:
# instructions per MAC, runtime code size, arena bytes, the projected time at 240 MHz
# beside the seed's 2024 ms, for the core's kernel (assembly; its plain C version; -O2 and
# -Os) and the reference kernel built the same way.
#   CORE=cortex-m4f (default): QEMU mps2-an386, arm-none-eabi-gcc; goals <= 2 per MAC, <= 8 KB
#   CORE=esp32: the ESP32's Xtensa ISA on QEMU sim/de233_fpu, clang-22; goal <= 2.5 per MAC
#
#   [CORE=esp32] sh bench/bench_mcu.sh [MODEL.tflite]   (default: the seed's shape, random weights)
#
# Instruction counts do not depend on the machine's load; the weights' values matter only
# through the activations' branches (a trained model and random weights differ by <1%; the
# Xtensa kernel has none). The time estimate assumes the stated cycles per instruction; a
# real core takes more than one cycle for some (Cortex-M4: VLDM 1 + n, VDIV 14, taken
# branches; Xtensa: FP latency, flash cache misses).
set -eu
cd "$(dirname "$0")/.."
make -s -j2 all build/asan/tools/make_model >/dev/null
E=build/edgelstm
CORE=${CORE:-cortex-m4f}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-mcu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
model=${1:-}
if [ -z "$model" ]; then
  model="$tmp/seed.tflite"
  build/asan/tools/make_model "$model" -u 128 -i 7 -t 168 -s 1 >/dev/null
fi
if [ "$CORE" = esp32 ]; then
  command -v clang-22 >/dev/null && command -v xtensa-lx106-elf-ld >/dev/null && command -v qemu-system-xtensa >/dev/null ||
    { echo "bench_mcu: needs clang-22, llvm-22, binutils-xtensa-lx106 and qemu-system-misc (sh tools/deps.sh)"; exit 1; }
  QEMU_VERSION=$(qemu-system-xtensa --version | head -1)
else
  command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null ||
    { echo "bench_mcu: needs arm-none-eabi-gcc and qemu-system-arm (sh tools/deps.sh)"; exit 1; }
  QEMU_VERSION=$(qemu-system-arm --version | head -1)
fi

field() { python3 -c "import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v)" "$1" "$2"; }
echo "model: $model"
"$E" profile "$model" --core "$CORE" | sed -n '2,4p'
echo
printf '%-34s %14s %10s %10s %12s\n' "kernel ($CORE, compiler flags)" "instructions" "instr/MAC" "code B" "ms @240MHz"
run() {
  label=$1; shift
  "$E" profile "$model" --core "$CORE" --json "$@" > "$tmp/p.json"
  printf '%-34s %14s %10.3f %10s %12.1f\n' "$label" "$(field "$tmp/p.json" instructions)" \
    "$(field "$tmp/p.json" instructions_per_mac)" "$(field "$tmp/p.json" code_bytes)" "$(field "$tmp/p.json" estimated_ms)"
}
run "assembly, -O2" --opt -O2
run "assembly, -Os" --opt -Os
run "plain C version, -O2" --opt -O2 --c-kernel
"$E" profile "$model" --core "$CORE" --json --reference > "$tmp/p.json"
ref="reference (lstm_f32_ref.c + libm), -O2"
[ "$(field "$tmp/p.json" dtype)" = int8 ] && ref="reference (lstm_s8_ref.c), -O2"
printf '%-34s %14s %10.3f %10s %12.1f\n' "$ref" "$(field "$tmp/p.json" instructions_ref)" \
  "$(field "$tmp/p.json" instructions_per_mac_ref)" "-" \
  "$(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['instructions_ref']/240e3)" "$tmp/p.json")"
echo
echo "arena (RAM) bytes: $(field "$tmp/p.json" arena_bytes); weights (flash) bytes: $(field "$tmp/p.json" weight_bytes)"
echo "ms assume 1.0 cycle per instruction at 240 MHz (the seed's ESP32-S3 clock); the seed: 2024 ms under TensorFlow Lite Micro"
echo "compiler: $(field "$tmp/p.json" compiler); QEMU: $QEMU_VERSION"
