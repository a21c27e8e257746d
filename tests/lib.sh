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
