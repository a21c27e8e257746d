#!/bin/sh
# bench/bench_sampling.sh (uniform vs series sampling quality) on the repository's two-station
# excerpt with a tiny model and one epoch: the cut file is the header and the last CUT_PCT %
# of the rows, each mode's model says its sampling, the table has a row per case and station,
# results are reused for the same settings and dropped when they change, and bad settings or
# absent station files fail with one message. Seconds, no real benchmark.
. "$ELSTM_ROOT/tests/lib.sh"
suite bench_sampling
B="$ELSTM_ROOT/bench/bench_sampling.sh"
mkdir -p "$T/data"
for st in Changping Dongsi; do   # one excerpt file per station, under the names of the whole files
  ln -s "$BEIJING"/PRSA_Data_${st}_*.csv "$T/data/PRSA_Data_${st}_20130301-20170228.csv"
done
bench() { # run the script on the excerpt: tiny model, one epoch, one seed
  env ELSTM_BIN="${BIN:-$ELSTM_FAST}" OUT="$T/res" BEIJING_DIR="$T/data" STATIONS="Changping Dongsi" \
    CUT=Changping CUT_PCT=25 SEEDS=1 MODEL="--steps 8 --units 4" \
    RUN="${RUN:---batch 16 --epochs 1 --patience 0}" sh "$B" "$@"
}

# the refusals run with the excerpt and a scratch OUT, so a script that failed to refuse
# would train on them, never on real data or in the default OUT
bad() { env OUT="$T/bad" BEIJING_DIR="$T/data" STATIONS="Changping Dongsi" CUT=Changping SEEDS=1 \
  ELSTM_BIN=/bin/false "$@" sh "$B"; }
expect_fail 2 "an unknown argument is a usage error" env OUT="$T/bad" sh "$B" --bogus
expect_fail 2 "CUT_PCT=0 is refused" bad CUT_PCT=0 &&
  case $ERR in *"CUT_PCT must be a whole per cent"*) ;; *) not_ok "CUT_PCT message" "$ERR" ;; esac
expect_fail 2 "CUT_PCT=abc is refused" bad CUT_PCT=abc
expect_fail 2 "CUT outside STATIONS is refused" bad CUT=Aotizhongxin
expect_fail 2 "a single station is refused (series sampling needs several)" bad STATIONS=Dongsi CUT=Dongsi
expect_fail 1 "absent station files: exit 1 naming the missing file" bad BEIJING_DIR="$T/none" &&
  case $ERR in *"$T/none/PRSA_Data_Changping_20130301-20170228.csv not found"*) ;;
    *) not_ok "absent station files message" "$ERR" ;; esac
check "no refusal wrote anything" sh -c "[ ! -e '$T/bad' ]"

if bench >"$T/table" 2>"$T/err"; then
  ok "a run on the excerpt exits 0"
  src=$(readlink "$T/data/PRSA_Data_Changping_20130301-20170228.csv")
  cut="$T/res/PRSA_Data_Changping_last25pct.csv"
  rows=$(($(wc -l < "$src") - 1))
  check "the cut file is the header and the last 25 % of the rows" sh -c \
    "[ \"\$(head -n 1 '$cut')\" = \"\$(head -n 1 '$src')\" ] && [ \$(wc -l < '$cut') -eq $((rows / 4 + 1)) ] &&
     [ \"\$(tail -n 1 '$cut')\" = \"\$(tail -n 1 '$src')\" ]"
  for case in equal short; do
    "$ELSTM_FAST" inspect "$T/res/$case.series.1.tflite" >"$T/series.txt" 2>&1
    check "$case: the series model's training record says \"sampling\": \"series\"" grep -q '"sampling": "series"' "$T/series.txt"
    "$ELSTM_FAST" inspect "$T/res/$case.uniform.1.tflite" >"$T/uniform.txt" 2>&1
    check "$case: the uniform model has no sampling field" sh -c "grep -q 'schema' '$T/uniform.txt' && ! grep -q sampling '$T/uniform.txt'"
  done
  check "the table has a numeric row per case and station, the pooled row, and the cut station marked" sh -c \
    "[ \$(grep -cE '^\| (equal|short) \| (Changping|Dongsi|all)[^|]*\| [0-9]+ \| [0-9.]+ \| [0-9.]+ \|' '$T/table') -eq 6 ] &&
     grep -q '^| short | Changping (last 25 %) |' '$T/table' && grep -q '^| equal | Changping |' '$T/table'"
  BIN=/bin/false bench >"$T/table2" 2>"$T/err2"
  check "a rerun with the same settings reuses the results (trains nothing) and prints the same table" cmp "$T/table" "$T/table2"
  BIN=/bin/false bench --summary >"$T/table3" 2>"$T/err3"
  check "--summary prints the same table" cmp "$T/table" "$T/table3"
  if BIN=/bin/false RUN="--batch 8 --epochs 1 --patience 0" bench >/dev/null 2>&1; then
    not_ok "changed settings drop the old results" "the run reused results of other settings"
  else
    ok "changed settings drop the old results"
  fi
else
  not_ok "a run on the excerpt exits 0" "$(tail -3 "$T/err")"
fi
done_suite
