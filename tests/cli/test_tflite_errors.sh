#!/bin/sh
# `edgelstm inspect` / `run` on bad model files and bad inputs: exit status 1 (2 for usage),
# one clear message naming the file, no crash, no sanitizer report.
. "$ELSTM_ROOT/tests/lib.sh"
suite tflite_errors
FIX="$ELSTM_ROOT/tests/fixtures/tflite"
GOOD="$FIX/regression.tflite"

# expect_msg STATUS WHAT NEEDLE CMD... : expect_fail + the message names the file and contains NEEDLE
expect_msg() {
  st=$1; what=$2; needle=$3; shift 3
  expect_fail "$st" "$what" "$@" || return
  case "$ERR" in
    *"$needle"*) ok "$what: says '$needle'" ;;
    *) not_ok "$what: says '$needle'" "$ERR" ;;
  esac
  [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && ok "$what: one line" || not_ok "$what: one line" "$ERR"
}

# patch FILE OFFSET BYTES(printf format): overwrite bytes in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }

: > "$T/empty.tflite"
printf 'No,year,month\n1,2013,3\n' > "$T/text.tflite"
cp "$GOOD" "$T/ident.tflite"; patch "$T/ident.tflite" 4 'ABCD'
head -c 3000 "$GOOD" > "$T/truncated.tflite"
head -c 5 "$GOOD" > "$T/tiny.tflite"
cp "$GOOD" "$T/root.tflite"; patch "$T/root.tflite" 0 '\000\377\377\177'
mkdir -p "$T/dir.tflite"

for cmd in inspect run; do
  extra=""; [ "$cmd" = run ] && extra="$T/in.csv"
  printf '0.5\n' > "$T/in.csv"
  expect_msg 1 "$cmd: empty file" "$T/empty.tflite: the file is empty" "$ELSTM" $cmd "$T/empty.tflite" $extra
  expect_msg 1 "$cmd: not a flatbuffer (CSV text)" "not a TensorFlow Lite model" "$ELSTM" $cmd "$T/text.tflite" $extra
  expect_msg 1 "$cmd: wrong identifier" 'hold "ABCD", not the file identifier "TFL3"' "$ELSTM" $cmd "$T/ident.tflite" $extra
  expect_msg 1 "$cmd: truncated file" "$T/truncated.tflite: malformed model file" "$ELSTM" $cmd "$T/truncated.tflite" $extra
  expect_msg 1 "$cmd: 5-byte file" "too short" "$ELSTM" $cmd "$T/tiny.tflite" $extra
  expect_msg 1 "$cmd: root offset out of range" "lies outside the file" "$ELSTM" $cmd "$T/root.tflite" $extra
  expect_msg 1 "$cmd: missing file" "cannot open" "$ELSTM" $cmd "$T/nothing.tflite" $extra
  expect_msg 1 "$cmd: a directory" "not a regular file" "$ELSTM" $cmd "$T/dir.tflite" $extra
done

# A shape whose element count wraps around 64 bits when multiplied (found in review:
# [2^20, 2^20, 2^24] read as 0 elements, then a slice read outside memory).
expect_msg 1 "run: a shape of more than 2^40 elements" "more than 2^40 elements" \
  "$ELSTM" run "$ELSTM_ROOT/tests/fuzz/corpus/fuzz_tflite/crash-shape-count-wraps" "$T/in.csv"

# Names that are not UTF-8 (a malformed file): inspect --json still has every key.
"$ELSTM" inspect --json "$FIX/bad_utf8_names.tflite" > "$T/badnames.json" 2>"$T/badnames.err"
if python3 - "$T/badnames.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["inputs"][0]["name"] == "in??", d["inputs"]
assert d["description"] is not None and "?bad" in d["metadata"], (d["description"], list(d["metadata"]))
PYEOF
then ok "inspect --json: names that are not UTF-8 are shown with '?', no key missing"
else not_ok "inspect --json with non-UTF-8 names" "$(head -c 200 "$T/badnames.err")"; fi

# Models that parse but cannot run.
printf '0.5\n%.0s' $(seq 1 15) > "$T/in15.csv"
expect_msg 1 "run: unsupported operator (REVERSE_V2, from go_backwards=True)" \
  "operator 0 (REVERSE_V2): it reverses the sequence for the LSTM of operator 1 (go_backwards=True)" \
  "$ELSTM" run "$FIX/go_backwards.tflite" "$T/in15.csv"
expect_msg 1 "run: a Keras 3 GRU (a WHILE loop) is named as such" \
  "operator 1 (WHILE): the loop is a GRU layer" "$ELSTM" run "$FIX/../keras/k3_gru.tflite" "$T/in15.csv"

# Bad input tensors for a good model ([1,24,4] = 96 values).
seq 1 95 > "$T/in95.csv"
expect_msg 1 "run: too few values" "$T/in95.csv:95: the input ends after 95 values, but the model's input tensor 'serving_default_input_1:0' [1,24,4] takes 96" "$ELSTM" run "$GOOD" "$T/in95.csv"
: > "$T/in0.csv"
expect_msg 1 "run: an empty input file" "$T/in0.csv: holds no values" "$ELSTM" run "$GOOD" "$T/in0.csv"
seq 1 97 > "$T/in97.csv"
expect_msg 1 "run: too many values" "$T/in97.csv:97: more values than the 96" "$ELSTM" run "$GOOD" "$T/in97.csv"
{ seq 1 10; echo "1,2,abc"; seq 1 83; } > "$T/inbad.csv"
expect_msg 1 "run: a word among the numbers" "$T/inbad.csv:11: 'abc' is not a finite number" "$ELSTM" run "$GOOD" "$T/inbad.csv"
{ seq 1 10; echo "1,,2"; } > "$T/inempty.csv"
expect_msg 1 "run: empty value" "$T/inempty.csv:11: empty value between commas" "$ELSTM" run "$GOOD" "$T/inempty.csv"
{ seq 1 95; echo "nan"; } > "$T/innan.csv"
expect_msg 1 "run: NaN" "'nan' is not a finite number" "$ELSTM" run "$GOOD" "$T/innan.csv"
expect_msg 1 "run: missing input file" "cannot open" "$ELSTM" run "$GOOD" "$T/none.csv"

# Usage errors.
expect_fail 2 "run without the input file: usage error" "$ELSTM" run "$GOOD"
expect_fail 2 "inspect with an unknown option: usage error" "$ELSTM" inspect "$GOOD" --bogus

# The same values laid out in rows of commas, or one per line, give the same output.
seq 1 96 | awk '{printf "%s%s", $1/100, (NR % 4 ? "," : "\n")}' > "$T/rows.csv"
seq 1 96 | awk '{print $1/100}' > "$T/lines.csv"
a=$("$ELSTM" run "$GOOD" "$T/rows.csv" 2>&1); b=$("$ELSTM" run "$GOOD" "$T/lines.csv" 2>&1)
[ -n "$a" ] && [ "$a" = "$b" ] && ok "run: rows with commas == one value per line" || not_ok "run: layouts agree" "$a / $b"
done_suite
