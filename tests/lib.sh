# tests/lib.sh - helpers for shell test suites (sourced).
#   suite NAME                      set the suite name used in report lines
#   ok WHAT / not_ok WHAT DETAIL    report one check
#   check WHAT CMD...               run CMD, report ok if it exits 0
#   expect_fail STATUS WHAT CMD...  run CMD, require exit status STATUS and one line on stderr
#   done_suite                      print the summary and exit 1 if anything failed
# Environment (set by tests/run.sh): ELSTM (the edgelstm binary under test, sanitizer build),
# ELSTM_FAST (optimized build), ELSTM_ROOT, PY (.venv python), TMPDIR (scratch).
# BEIJING: the real-weather excerpt in the repository (tests/fixtures/beijing/README.md).
: "${ELSTM_ROOT:=$(pwd)}"
: "${ELSTM:=$ELSTM_ROOT/build/asan/edgelstm}"
: "${ELSTM_FAST:=$ELSTM_ROOT/build/edgelstm}"
: "${PY:=$ELSTM_ROOT/.venv/bin/python}"
BEIJING="$ELSTM_ROOT/tests/fixtures/beijing"
_suite=sh
_fail=0
_count=0
T=$(mktemp -d "${TMPDIR:-/tmp}/elstm-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
suite() { _suite=$1; }
ok() { _count=$((_count + 1)); echo "ok - $_suite: $1"; }
not_ok() { _count=$((_count + 1)); _fail=$((_fail + 1)); echo "not ok - $_suite: $1 ($2)"; }
check() {
  what=$1; shift
  if out=$("$@" 2>&1); then ok "$what"; else not_ok "$what" "exit $?: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"; fi
}
# expect_fail STATUS WHAT CMD... : exit status must be STATUS, stderr must be non-empty,
# no sanitizer report. Leaves the stderr text in $ERR for further checks.
expect_fail() {
  want=$1; what=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; got=$?
  ERR=$(cat "$T/err")
  if [ "$got" -ne "$want" ]; then not_ok "$what" "exit $got, want $want: $(head -c 300 "$T/err")"; return 1; fi
  if grep -q -E 'Sanitizer|runtime error:' "$T/err"; then not_ok "$what" "sanitizer: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"; return 1; fi
  if [ ! -s "$T/err" ]; then not_ok "$what" "no message on stderr"; return 1; fi
  ok "$what"
}
done_suite() { echo "# $_suite: $_count checks, $_fail failed"; [ "$_fail" -eq 0 ]; exit $?; }

# ---- checks shared by several suites ----
#   near A B TOL                    A and B are numbers within TOL of each other (an empty one never is)
#   json_check FILE EXPR...         every Python expression holds for j, the file's JSON
#   have_tools TOOL...              every TOOL is on PATH (status only)
#   need_tools TOOL...              every TOOL is on PATH, otherwise one failed check and the suite ends
# MM: tests/tools/make_model (a random float32 model and its reference kernel's forecasts);
#   ref FILE KEY                    the value of KEY in a file of "KEY VALUE" lines (make_model's output)
MM="$ELSTM_ROOT/${BUILD:-build}/asan/tools/make_model"
ref() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= t) }'; }
json_check() {
  _f=$1; shift
  "$PY" - "$_f" "$@" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
bad = [e for e in sys.argv[2:] if not eval(e, {"j": j, "json": json})]
if bad:
    print("failed: " + "; ".join(bad) + " in " + json.dumps(j)[:400])
    sys.exit(1)
PYEOF
}
have_tools() {
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || return 1; done
}
need_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { not_ok "$tool is installed" "run tools/deps.sh"; done_suite; }
  done
}

# ---- the emulated Cortex-M4F: QEMU's mps2-an386 board with the harness in tools/mcu/ ----
#   cortex_m4 [TOOL...]             needs arm-none-eabi-gcc, qemu-system-arm (and each TOOL),
#                                   builds the harness's start-up code ($T/startup.o) and sets
#                                   MCU (the harness), CPU, CFLAGS (for the core) and LINK
#   m4_link ELF OBJ...              link OBJs with the harness into ELF
#   run_qemu ELF OUT                run ELF on the board (semihosting: its exit status), output in OUT
#   m4_static_buffer LIB OBJ ELF    a generated library's examples/static_buffer.c built strictly
#                                   (forecast printed with 9 digits), linked with OBJ (the library
#                                   built for the core) into ELF
#   m4_window_main LIB NAME OBJ ELF tools/mcu/profile_main.c for library NAME: the forecast of the
#                                   window in $T/window.inc (see window_inc), linked with OBJ into ELF
#   window_inc JSON K               the input of recorded case K of a fixture's JSON, as $T/window.inc
#   m4_kernel_test NAME N SRC...    a kernel test built for the core (-I include -I runtime) and run:
#                                   its ok/not ok lines passed on, and a failure unless all N passed
MCU="$ELSTM_ROOT/tools/mcu"
cortex_m4() {
  need_tools arm-none-eabi-gcc qemu-system-arm "$@"
  CPU="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
  CFLAGS="$CPU -O2 -ffunction-sections -fdata-sections"
  LINK="$CPU --specs=rdimon.specs -nostartfiles -T$MCU/mps2-an386.ld -Wl,--gc-sections"
  arm-none-eabi-gcc $CFLAGS -std=gnu11 -I"$MCU" -c -o "$T/startup.o" "$MCU/startup.c" 2> "$T/startup.err" ||
    { not_ok "the Cortex-M4F harness builds" "$(head -3 "$T/startup.err" | tr '\n' ' ')"; done_suite; }
}
m4_link() { _elf=$1; shift; arm-none-eabi-gcc $LINK -o "$_elf" "$@" "$T/startup.o" -lm; }
run_qemu() {
  timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0,align=off,sleep=off -kernel "$1" > "$2" 2>&1
}
m4_static_buffer() {
  arm-none-eabi-gcc $CFLAGS -std=c99 -Wall -Wextra -Werror -pedantic -DEI_PORTING_USER_TIMER -DEXAMPLE_DIGITS=9 -I"$1" \
    -c -o "$3.o" "$1/examples/static_buffer.c" && m4_link "$3" "$3.o" "$2"
}
m4_window_main() {
  arm-none-eabi-gcc $CFLAGS -std=c99 -I"$T" -I"$1" -I"$MCU" -DELSTM_MCU_NAME="$2" -DELSTM_MCU_NAME_UC="$(echo "$2" | tr a-z A-Z)" \
    -DELSTM_MCU_HEADER="\"$2.h\"" -c -o "$4.o" "$MCU/profile_main.c" && m4_link "$4" "$4.o" "$3"
}
window_inc() {
  python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][int(sys.argv[2])]; print(',\n'.join('%.9gf' % v for v in c['input']))" \
    "$1" "$2" > "$T/window.inc"
}
m4_kernel_test() {
  _name=$1; _want=$2; shift 2
  if arm-none-eabi-gcc $CFLAGS -std=c99 -I"$ELSTM_ROOT/include" -I"$ELSTM_ROOT/runtime" -o "$T/$_name.elf" "$@" "$T/startup.o" $LINK -lm \
       2> "$T/$_name.err"; then
    run_qemu "$T/$_name.elf" "$T/$_name.out"; _rc=$?
    grep -E '^(ok|not ok) - ' "$T/$_name.out"
    _n=$(grep -c '^ok - ' "$T/$_name.out")
    [ $_rc -eq 0 ] && [ "$_n" -eq "$_want" ] || not_ok "QEMU: $_name ran every case" "status $_rc, $_n of $_want passed"
  else not_ok "$_name builds for the core" "$(head -3 "$T/$_name.err" | tr '\n' ' ')"; fi
}
