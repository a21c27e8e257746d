#!/bin/sh
# xtensa_gnu_as_check.sh - does a GNU assembler for the ESP32 / ESP32-S3 accept the Xtensa
# kernel's assembly (runtime/lstm_f32_xtensa.c), and does it encode the same instructions
# as llvm-mc-22 (which `make test` uses)? Debian has no GNU as for these chips, so this is
# a check to run where one is installed, e.g. with ESP-IDF's toolchain:
#
#   sh tools/xtensa_gnu_as_check.sh xtensa-esp32s3-elf-as
#   sh tools/xtensa_gnu_as_check.sh xtensa-esp32-elf-as
#   XTENSA_GNU_CONFIG=/path/xtensa_esp32s3.so sh tools/xtensa_gnu_as_check.sh xtensa-lx106-elf-as
#
# (the last: binutils >= 2.40 configured at run time with a core's configuration plugin).
# The assembly is taken as GCC would hand it to the assembler: the file-scope __asm__
# strings after the C preprocessor. GNU as picks 16-bit (.n) forms and pads alignment
# differently; both are ignored in the comparison. Prints one line; exit status 0 if equal.
set -eu
AS=${1:?usage: sh tools/xtensa_gnu_as_check.sh GNU-AS-COMMAND}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FEATURES=$(cat "$ROOT/tools/mcu/xtensa/features.txt")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xt-as.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/extract.py" <<'PYEOF'
import ast, re, sys
src = sys.stdin.read()
lit = r'"(?:[^"\\]|\\.)*"'
for m in re.finditer(r'__asm__\(((?:\s*' + lit + r')+)\s*\)', src):
    sys.stdout.write("".join(ast.literal_eval(s) for s in re.findall(lit, m.group(1))) + "\n")
PYEOF
clang-22 --target=xtensa -ffreestanding -E -P -I"$ROOT/include" "$ROOT/runtime/lstm_f32_xtensa.c" |
  python3 "$tmp/extract.py" > "$tmp/kernel.s"
[ -s "$tmp/kernel.s" ] || { echo "no assembly found in runtime/lstm_f32_xtensa.c"; exit 1; }
$AS -o "$tmp/gnu.o" "$tmp/kernel.s"
llvm-mc-22 -triple=xtensa -mattr="$FEATURES" -filetype=obj -o "$tmp/llvm.o" "$tmp/kernel.s"
for o in gnu llvm; do
  llvm-objdump-22 -d --mcpu=esp32 "$tmp/$o.o" | grep -E '^ +[0-9a-f]+:' | cut -f2- |
    sed -e 's/\.n\b//' -e 's/0x[0-9a-f]*//' | grep -v -E '^nop' > "$tmp/$o.txt"
done
n=$(wc -l < "$tmp/gnu.txt")
if cmp -s "$tmp/gnu.txt" "$tmp/llvm.txt"; then
  echo "ok: $AS assembles the Xtensa kernel; $n instructions, the same as llvm-mc-22's"
else
  echo "DIFFERENT: $AS and llvm-mc-22 encode the kernel differently:"; diff "$tmp/gnu.txt" "$tmp/llvm.txt" | head -20
  exit 1
fi
