#!/bin/sh
# bench_mcu_s8_parts.sh - where the int8 DSP kernel's instructions go on the emulated
# Cortex-M4F: bench/mcu_s8_parts.c (168 steps of LSTM(128) x 7, random weights) built as
# is and with -DELSTM_S8_DSP_SUMS_ONLY; the difference is the per-unit work
# (requantization, activations, cell and hidden update). QEMU -icount: exact counts.
#   sh bench/bench_mcu_s8_parts.sh [-O2|-Os] [N_UNITS [N_INPUT]]
set -eu
cd "$(dirname "$0")/.."
OPT=${1:--O2}
NU=${2:-128}
NI=${3:-7}
command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null ||
  { echo "bench_mcu_s8_parts: needs arm-none-eabi-gcc and qemu-system-arm (sh tools/deps.sh)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-s8parts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
CPU="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
LINK="$CPU --specs=rdimon.specs -nostartfiles -Ttools/mcu/mps2-an386.ld -Wl,--gc-sections"
arm-none-eabi-gcc $CPU -O2 -ffunction-sections -fdata-sections -std=gnu11 -Itools/mcu -c -o "$tmp/startup.o" tools/mcu/startup.c
run() {
  arm-none-eabi-gcc $CPU $OPT -ffunction-sections -fdata-sections -std=c99 -DN_UNITS="$NU" -DN_INPUT="$NI" "$@" \
    -Iinclude -Iruntime -Itests/mcu -Itools/mcu -o "$tmp/p.elf" bench/mcu_s8_parts.c runtime/lstm_s8_ref.c \
    runtime/lstm_s8_dsp.c runtime/host/lstm_s8_pack.c "$tmp/startup.o" $LINK -lm
  timeout 300 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0,align=off,sleep=off -kernel "$tmp/p.elf"
}
all=$(run)
sums=$(run -DELSTM_S8_DSP_SUMS_ONLY)
echo "LSTM($NU) x $NI inputs, 168 steps, $OPT ($(arm-none-eabi-gcc --version | head -1))"
printf '%s\n%s\n' "$all" "$sums" | awk -v nu="$NU" -v ni="$NI" '
  { n[NR] = $2 }
  END {
    macs = 168 * 4 * nu * (nu + ni); us = 168 * nu
    printf "%-46s %12d %8.3f per MAC %7.1f per unit and step\n", "whole step", n[1], n[1] / macs, n[1] / us
    printf "%-46s %12d %8.3f per MAC %7.1f per unit and step\n", "gate sums (widening, MAC loops, stores)", n[2], n[2] / macs, n[2] / us
    printf "%-46s %12d %8.3f per MAC %7.1f per unit and step\n", "requantization, activations, cell, hidden", n[1] - n[2], (n[1] - n[2]) / macs, (n[1] - n[2]) / us
  }'
