#!/bin/sh
# Bad input for `edgelstm data` (the loader `train` uses): one small committed file per
# fault in tests/fixtures/bad/, big and binary inputs generated here. Each must exit 1
# with exactly ONE line on stderr that names the file (and the line, where the fault
# sits on one), print nothing on stdout, and pass AddressSanitizer/UBSan/LeakSanitizer.
# Then the valid oddities that must load, and usage errors (exit 2).
. "$(dirname "$0")/../lib.sh"
suite data_bad_input
cd "$ELSTM_ROOT/tests/fixtures" || exit 1
PYTHON=$PY
[ -x "$PYTHON" ] || PYTHON=python3

# fails WHAT FILE PATTERN [OPTIONS...]: exit 1, one stderr line naming FILE matching PATTERN
fails() {
  what=$1 file=$2 pat=$3
  shift 3
  timeout 120 "$ELSTM" data "$file" "$@" >"$T/out" 2>"$T/err"
  rc=$?
  n=$(wc -l <"$T/err")
  msg=$(head -c 400 "$T/err")
  if [ "$rc" -ne 1 ]; then not_ok "$what" "exit $rc, want 1: $msg"
  elif grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$T/err"; then not_ok "$what" "sanitizer: $msg"
  elif [ "$n" -ne 1 ]; then not_ok "$what" "$n lines on stderr: $msg"
  elif ! grep -qF "edgelstm: $file" "$T/err"; then not_ok "$what" "does not name $file: $msg"
  elif ! grep -qE -- "$pat" "$T/err"; then not_ok "$what" "message lacks /$pat/: $msg"
  elif [ -s "$T/out" ]; then not_ok "$what" "wrote to stdout"
  else ok "$what"; fi
}

W="--steps 2 --target TEMP"
fails "empty file"                 bad/empty.csv            'empty.csv: the file is empty' $W
fails "header only"                bad/header_only.csv      'header_only.csv:1: .*no data rows' $W
fails "ragged row"                 bad/ragged_row.csv       'ragged_row.csv:4: .*4 fields.*header on line 1 has 3' $W
fails "text in a numeric column"   bad/text_in_numeric.csv  "text_in_numeric.csv:4: column 'TEMP': \"warm\" is not a number \\(expected a decimal" $W
fails "unknown target"             data/small.csv           "small.csv:1: --target names column 'TEMPERATURE'.*columns: time, TEMP, PRES, wd" --target TEMPERATURE
fails "unknown feature"            data/small.csv           "small.csv:1: --features names column 'RH'.*columns: time, TEMP, PRES, wd" --features TEMP,RH
fails "fewer rows than one window" data/small.csv           'small.csv: 24 rows are too few: one window needs 169 rows' --target TEMP
fails "duplicate time"             bad/duplicate_time.csv   'duplicate_time.csv:4: the time 2013-03-01T01:00:00 repeats the time of line 3' $W
fails "time going backwards"       bad/time_backwards.csv   'time_backwards.csv:5: .*earlier than .* on line 4' $W
fails "TMY-style stitched years"   bad/tmy_stitched.csv     'tmy_stitched.csv:195: .*TMY.*months come from different years.*not a continuous' --skip-rows 1 --steps 2
fails "TMY station line: --skip-rows hint" bad/tmy_stitched.csv 'tmy_stitched.csv:2: .*--skip-rows' --steps 2
fails "impossible date (Feb 30)"   bad/impossible_date.csv  "impossible_date.csv:4: time column 'time': \"2016-02-30 00:00:00\".*February 2016 has 29 days" $W
fails "impossible hour (25)"       bad/impossible_hour.csv  "impossible_hour.csv:4: time columns 'year', 'month', 'day', 'hour' = 2013,3,2,25.*hour 25" $W
fails "overflow (1e400)"           bad/overflow.csv         "overflow.csv:3: column 'TEMP': \"1e400\" is too large" $W
fails "a column with no values"    bad/no_values.csv        "no_values.csv: column 'humidity' has no values at all" --steps 2 --features TEMP,humidity
fails "unclosed quote"             bad/unclosed_quote.csv   'unclosed_quote.csv:3: .*closing quote' $W
fails "off-grid time"              bad/off_grid_time.csv    'off_grid_time.csv:5: .*30 min after.*1 h' $W
fails "no time column"             bad/no_time_column.csv   'no_time_column.csv: no time column found.*--time.*columns: x, y' --steps 1
fails "missing file"               "$T/nope.csv"            'nope.csv: cannot open the file' $W
fails "a directory"                "$T"                     'is a folder, not a regular file' $W

# generated: a 5 MB line, random binary bytes, a NUL byte, an unclosed quote over 1 MiB
"$PYTHON" - "$T" <<'EOF'
import random, sys
d = sys.argv[1]
with open(d + "/long_line.csv", "w") as f:
    f.write("time,TEMP\n2013-03-01 00:00:00,1\n2013-03-01 01:00:00," + "9" * (5 << 20) + "\n")
r = random.Random(20240601)
for i in range(3):
    with open(f"{d}/binary{i}.csv", "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(64 << 10)))
with open(d + "/utf16.csv", "wb") as f:
    f.write("time,TEMP\n2013-03-01 00:00:00,1\n".encode("utf-16"))
with open(d + "/long_quote.csv", "w") as f:
    f.write('time,TEMP,note\n2013-03-01 00:00:00,1,"' + "lorem ipsum\n" * 120000)
EOF
fails "a 5 MB line"                "$T/long_line.csv"      'long_line.csv:3: this line is longer than 1048576 bytes' $W
for i in 0 1 2; do
  fails "random binary bytes ($i)" "$T/binary$i.csv"       'binary[0-9].csv(:[0-9]+)?: ' $W
done
fails "UTF-16 (NUL bytes)"         "$T/utf16.csv"          'utf16.csv:1: .*NUL byte.*UTF-16' $W
fails "a quoted field over 1 MiB"  "$T/long_quote.csv"     'long_quote.csv:2: .*quoted field.*closing quote' $W

# valid oddities load: BOM + CRLF, quoted fields and names, NaN literals, (parentheses)
printf '\357\273\277"Date (YYYY-MM-DD)","Temp (degC)","wind, dir"\r\n' >"$T/odd.csv"
for h in 0 1 2 3 4 5 6 7 8 9; do
  v="\"1$h.5\""; [ "$h" = 3 ] && v=NaN; [ "$h" = 6 ] && v=nan; [ "$h" = 7 ] && v='""'
  printf '"2013-03-01 0%s:00",%s,"NNE"\r\n' "$h" "$v" >>"$T/odd.csv"
done
if out=$("$ELSTM" data "$T/odd.csv" --steps 2 --target "Temp (degC)" --json 2>&1); then
  got=$(printf '%s' "$out" | "$PYTHON" -c 'import json,sys; j=json.load(sys.stdin); c=j["columns"]["Temp (degC)"]; print(j["rows"], j["start"], c["missing"], c["min"], c["max"], ",".join(j["inputs"]))')
  if [ "$got" = "10 2013-03-01T00:00:00 3 10.5 19.5 Temp (degC),wind, dir_sin,wind, dir_cos" ]; then ok "BOM + CRLF + quotes + NaN literals + parentheses load"
  else not_ok "BOM + CRLF + quotes + NaN literals + parentheses load" "$got"; fi
else not_ok "BOM + CRLF + quotes + NaN literals + parentheses load" "$out"; fi

# --json on failure prints nothing on stdout; usage errors exit 2
fails "--json failure keeps stdout empty" bad/overflow.csv "overflow.csv:3: " $W --json
usage() {
  what=$1; shift
  "$ELSTM" data "$@" >"$T/out" 2>"$T/err"; rc=$?
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -s "$T/out" ]; then ok "$what"
  else not_ok "$what" "exit $rc: $(head -c 300 "$T/err")"; fi
}
usage "usage: --steps 0"                 data/small.csv --steps 0
usage "usage: --split 0.9,0.2"           data/small.csv --split 0.9,0.2
usage "usage: unknown --time-features"   data/small.csv --time-features hour,season
usage "usage: bad --time-format"         data/small.csv --time-format '%Y-%Q'
usage "usage: no FILE"
usage "usage: unknown option"            data/small.csv --bogus
done_suite
