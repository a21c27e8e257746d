#!/bin/sh
# The command line itself: --help, --version, help COMMAND, exit statuses 0/1/2 and
# one-line usage errors on stderr (stdout stays empty on errors).
. "$ELSTM_ROOT/tests/lib.sh"
suite cli
SMALL="$ELSTM_ROOT/tests/fixtures/data/small.csv"

# expect_ok WHAT NEEDLE CMD... : exit 0, NEEDLE on stdout, nothing on stderr
expect_ok() {
  what=$1; needle=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; got=$?
  if [ "$got" -ne 0 ]; then not_ok "$what" "exit $got: $(head -c 300 "$T/err")"; return; fi
  if [ -s "$T/err" ]; then not_ok "$what" "stderr: $(head -c 300 "$T/err")"; return; fi
  if grep -q -F -- "$needle" "$T/out"; then ok "$what"; else not_ok "$what" "no '$needle' in: $(head -c 300 "$T/out")"; fi
}
# expect_usage WHAT NEEDLE CMD... : exit 2, one line on stderr containing NEEDLE, empty stdout
expect_usage() {
  what=$1; needle=$2; shift 2
  expect_fail 2 "$what" "$@" || return
  n=$(wc -l < "$T/err")
  case "$ERR" in
    edgelstm*"$needle"*) [ "$n" -eq 1 ] && [ ! -s "$T/out" ] && ok "$what: one line '$needle'" ||
                            not_ok "$what: one line '$needle'" "$n lines; stdout: $(head -c 100 "$T/out")" ;;
    *) not_ok "$what: one line '$needle'" "$ERR" ;;
  esac
}

version=$(sed -n 's/^VERSION *:= *//p' "$ELSTM_ROOT/Makefile")
expect_ok "--version prints the Makefile's version" "edgelstm $version" "$ELSTM" --version
expect_ok "-V is --version" "edgelstm $version" "$ELSTM" -V
expect_ok "--help lists the commands" "commands:" "$ELSTM" --help
for c in data train eval predict inspect run deploy profile bench; do
  expect_ok "--help lists '$c'" "  $c " "$ELSTM" --help
  expect_ok "help $c shows its usage" "usage: edgelstm $c" "$ELSTM" help "$c"
  expect_ok "$c --help shows its usage" "usage: edgelstm $c" "$ELSTM" "$c" --help
done
expect_ok "help data lists the data options" "--time-features" "$ELSTM" help data
expect_ok "help train lists the model options" "--patience" "$ELSTM" help train
expect_ok "help deploy lists the targets" "arduino" "$ELSTM" help deploy
expect_ok "help alone is the overview" "commands:" "$ELSTM" help
expect_ok "help --man prints the manual page (roff)" ".TH EDGELSTM 1" "$ELSTM" help --man

# usage errors: status 2, one line
"$ELSTM" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "usage: edgelstm COMMAND" "$T/err" && [ ! -s "$T/out" ] &&
  ok "no arguments: exit 2 and the overview on stderr" || not_ok "no arguments" "exit $rc"
expect_usage "unknown command" "unknown command 'frobnicate'" "$ELSTM" frobnicate
expect_usage "help of an unknown command" "unknown command 'nope'" "$ELSTM" help nope
expect_usage "help with an extra argument" "unexpected argument 'extra'" "$ELSTM" help data extra
expect_usage "help --man with an extra argument" "unexpected argument 'extra'" "$ELSTM" help --man extra
expect_usage "--version with an extra argument" "unexpected argument 'x'" "$ELSTM" --version x
expect_usage "unknown option" "--bogus" "$ELSTM" data "$SMALL" --bogus
expect_usage "option without its value" "--steps" "$ELSTM" data "$SMALL" --steps
expect_usage "option value not a number" "--steps" "$ELSTM" data "$SMALL" --steps ten
expect_usage "option value out of range" "--steps" "$ELSTM" data "$SMALL" --steps 0
expect_usage "missing file argument" "data" "$ELSTM" data
expect_usage "extra positional argument" "unexpected" "$ELSTM" data "$SMALL" "$SMALL"
expect_usage "--split that leaves no training data" "--split" "$ELSTM" data "$SMALL" --split 0,0.5
expect_usage "--time-features named twice" "'hour' twice" "$ELSTM" data "$SMALL" --time-features hour,hour
expect_usage "unknown --time-features" "unknown calendar feature 'minute'" "$ELSTM" data "$SMALL" --time-features minute
expect_usage "empty --features" "--features is empty" "$ELSTM" data "$SMALL" --features ''
expect_usage "train without -o" "-o" "$ELSTM" train "$SMALL"
expect_usage "deploy with an unknown target" "unknown target 'fpga'" "$ELSTM" deploy "$T/m.tflite" --target fpga --name m -o "$T/x"

# a failure that is not a usage error: status 1
expect_fail 1 "missing input file: exit 1" "$ELSTM" data "$T/none.csv"
case "$ERR" in *"$T/none.csv"*"cannot open"*) ok "missing input file: names the file" ;;
  *) not_ok "missing input file: names the file" "$ERR" ;; esac
done_suite
