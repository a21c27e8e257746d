#!/bin/sh
# edgelstm-mpi: one model over four real series (two stations of the excerpt, each cut in
# two) trained under mpirun by 1, 2, 3 and 4 processes with 1 or 2 threads: the same model
# bytes every time; with one file it trains the model `edgelstm train --threads 1` does
# (forecasts within rounding: the sums are exact instead of float); a run stopped by
# 2 processes resumes with 4 to the bytes of an uninterrupted run; prediction intervals
# calibrated on the validation windows of every rank are those of one process; a bad file
# on rank 1 stops every rank with its sentence and no model; more processes than files,
# an unknown option, a list of files (--files-from). --sampling series: the same bytes for
# 1, 2 and 4 processes and for edgelstm train --deterministic, files spread by series count,
# a resume with another process count; bad values and one file are usage errors.
. "$ELSTM_ROOT/tests/lib.sh"
suite mpi
M="$ELSTM_ROOT/${BUILD:-build}/edgelstm-mpi"
E=$ELSTM_FAST
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$M" ]; then
  not_ok "mpirun and build/edgelstm-mpi exist" "install openmpi-bin libopenmpi-dev (sh tools/deps.sh), then make tests"
  done_suite
fi
# Open MPI as root in a container; shared memory only; ranks may outnumber the cores
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader \
  OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
run() { np=$1; shift; mpirun --oversubscribe --bind-to none -np "$np" "$M" train "$@"; }

cd "$T" || exit 1
D="$ELSTM_ROOT/tests/fixtures/beijing"
split_file() { # first and second 400 rows of $1 as $2.csv and $3.csv
  head -401 "$1" > "$2.csv"
  { head -1 "$1"; sed -n 402,801p "$1"; } > "$3.csv"
}
split_file "$D/PRSA_Data_Dongsi_20170101-20170228.csv" a b
split_file "$D/PRSA_Data_Changping_20161201-20170228.csv" c d
OPTS="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM,wd --steps 12 --units 16 --epochs 3 --batch 16"
FILES="a.csv b.csv c.csv d.csv"

# --- the same bytes for any number of processes and threads --------------------------------
# shellcheck disable=SC2086
run 1 $FILES $OPTS --threads 1 -o m1.tflite --json > m1.json 2> m1.err
if [ -s m1.tflite ] && grep -q '"processes": 1' m1.json; then ok "1 process trains one model over 4 series"
else not_ok "1 process trains" "$(tail -3 m1.err)"; fi
grep -q "on [0-9]* windows of 4 series" m1.err && grep -q "^Test: " m1.err &&
  ok "it says what it trains and the pooled test errors" || not_ok "messages" "$(head -2 m1.err)"
want=$(sha256sum < m1.tflite)
for spec in 2:1 2:2 3:1 4:1 4:2; do
  np=${spec%:*} th=${spec#*:}
  # shellcheck disable=SC2086
  run "$np" $FILES $OPTS --threads "$th" -o "m$np-$th.tflite" 2> "m$np-$th.err"
  if [ "$(sha256sum < "m$np-$th.tflite" 2>/dev/null)" = "$want" ]; then
    ok "mpirun -np $np, $th thread(s) each: the 1-process model, byte for byte"
  else
    not_ok "mpirun -np $np --threads $th gives the same bytes" "$(tail -2 "m$np-$th.err")"
  fi
done

# --- the files spread by their training windows: one long file and two short ones over 2
# ranks give 800 + 800 rows (file f to rank f mod 2 would give 1,200 + 400), same bytes
head -801 "$D/PRSA_Data_Changping_20161201-20170228.csv" > long.csv
# shellcheck disable=SC2086
run 1 long.csv a.csv b.csv $OPTS --threads 1 -o u1.tflite 2> u1.err
# shellcheck disable=SC2086
run 2 long.csv a.csv b.csv $OPTS --threads 1 -o u2.tflite --json > u2.json 2> u2.err
split=$(python3 -c 'import json, sys
r = [k["train_windows"] for k in json.load(open(sys.argv[1]))["ranks"]]
print(*r)' u2.json 2>/dev/null)
# the long file's training windows and the short ones': 800 vs 400 + 400 rows
lw=$(grep -o "on [0-9]* windows" u1.err | awk '{ print $2 }')
if [ -s u2.tflite ] && [ "$(sha256sum < u2.tflite)" = "$(sha256sum < u1.tflite 2>/dev/null)" ] &&
   python3 -c 'import sys; a, b = map(int, sys.argv[1:3]); t = int(sys.argv[3])
sys.exit(not (a + b == t and abs(a - b) <= t // 20))' $split "$lw" 2>/dev/null &&
   grep -q "^Training windows per process: .*bounds the speed-up at 1\.9" u2.err; then
  ok "2 processes share 3 unequal files by training windows ($split of $lw), the 1-process bytes"
else not_ok "files spread by training windows" "ranks: '$split' of '$lw'; $(grep -E '^(Training windows|edgelstm)' u2.err | head -2)"; fi

# --- --sampling series: every batch an equal share of each series; the same bytes for 1, 2
# and 4 processes and for edgelstm train --deterministic; files spread by series count ---
# shellcheck disable=SC2086
"$E" train $FILES $OPTS --sampling series --threads 2 --deterministic -o sdet.tflite 2> sdet.err
swant=$(sha256sum < sdet.tflite 2>/dev/null)
if [ -s sdet.tflite ] && [ "$swant" != "$want" ]; then ok "train --sampling series --deterministic: another model than uniform sampling's"
else not_ok "series sampling trains another model" "$(tail -2 sdet.err)"; fi
for spec in 1:1 2:1 4:1 2:2; do
  np=${spec%:*} th=${spec#*:}
  # shellcheck disable=SC2086
  run "$np" $FILES $OPTS --sampling series --threads "$th" -o "s$np-$th.tflite" 2> "s$np-$th.err"
  [ "$(sha256sum < "s$np-$th.tflite" 2>/dev/null)" = "$swant" ] &&
    ok "--sampling series, mpirun -np $np, $th thread(s) each: edgelstm train's bytes" ||
    not_ok "--sampling series -np $np --threads $th: the same bytes" "$(tail -2 "s$np-$th.err")"
done
# one long file and three short ones over 2 ranks: two series each (by windows it would be
# the long one and one short one against two short ones); each batch half on each rank
# shellcheck disable=SC2086
run 2 long.csv a.csv b.csv c.csv $OPTS --sampling series -o sb.tflite --json > sb.json 2> sb.err
if json_check sb.json '[k["series"] for k in j["ranks"]] == [2, 2]' 'j["balance"]["sampling"] == "series"' \
     'j["balance"]["batch_bound"] >= 1.95' 'abs(j["ranks"][0]["batch_windows"] - j["ranks"][1]["batch_windows"]) <= 3' &&
   grep -q "^Training windows per process: .*the busier process of each batch at 1\.9[5-9]x\|at 2\.00x" sb.err; then
  ok "series sampling: 2 ranks hold 2 series each, each batch's windows split evenly (bound $(grep -o 'each batch at [0-9.]*x' sb.err))"
else not_ok "series sampling spreads by series" "$(grep -E '^(Training windows|edgelstm)' sb.err | head -2)"; fi
# stopped with 2 processes, resumed with 4: the walks of every series go on where they were
# shellcheck disable=SC2086
ELSTM_TEST_STOP_AFTER_EPOCH=1 run 2 $FILES $OPTS --sampling series -o sr.tflite > /dev/null 2> sr1.err
# shellcheck disable=SC2086
run 4 $FILES $OPTS --sampling series -o sr.tflite --resume 2> sr2.err
[ -f sr.tflite ] && [ "$(sha256sum < sr.tflite)" = "$swant" ] && grep -q "resuming" sr2.err &&
  ok "--sampling series stopped with 2 processes, resumed with 4: the uninterrupted bytes" ||
  not_ok "series sampling resume with another process count" "$(tail -2 sr2.err)"
run 2 a.csv b.csv -o x.tflite --target TEMP --sampling sometimes > /dev/null 2> sbad.err; rc=$?
[ $rc = 2 ] && [ "$(grep -c "'--sampling' must be uniform" sbad.err)" = 1 ] && ok "--sampling sometimes: exit 2, one usage message" ||
  not_ok "bad --sampling" "rc $rc: $(grep -i sampling sbad.err)"
run 1 a.csv -o x.tflite --target TEMP --sampling series > /dev/null 2> sone.err; rc=$?
[ $rc = 2 ] && grep -q "only one file was given" sone.err && [ ! -e x.tflite ] &&
  ok "--sampling series with one file: exit 2, a usage message" || not_ok "series sampling with one file" "rc $rc: $(cat sone.err)"

# both calibrate train's default intervals (80 and 95 %) over the validation windows of every series
# shellcheck disable=SC2086
"$E" train $FILES $OPTS --threads 2 --deterministic -o det.tflite 2> det.err
[ "$(sha256sum < det.tflite 2>/dev/null)" = "$want" ] &&
  ok "edgelstm train FILES --deterministic --threads 2 (one process): the same bytes as edgelstm-mpi" ||
  not_ok "train --deterministic equals edgelstm-mpi" "$(tail -2 det.err)"

# --- prediction intervals: the validation residuals of every rank, the one-process half-widths
IOPTS="$OPTS --horizons 3 --intervals 80,95"
# shellcheck disable=SC2086
"$E" train $FILES $IOPTS --threads 2 --deterministic -o iv.tflite 2> iv.err
iline=$(grep "^Intervals from" iv.err)
iwant=$(sha256sum < iv.tflite 2>/dev/null)
for spec in 1:1 2:2 4:1; do
  np=${spec%:*} th=${spec#*:}
  # shellcheck disable=SC2086
  run "$np" $FILES $IOPTS --threads "$th" -o "iv$np.tflite" --json > "iv$np.json" 2> "iv$np.err"
  if [ -n "$iline" ] && [ "$(sha256sum < "iv$np.tflite" 2>/dev/null)" = "$iwant" ] &&
     [ "$(grep "^Intervals from" "iv$np.err")" = "$iline" ] && grep -q '"test_coverage"' "iv$np.json"; then
    ok "--intervals 80,95 under mpirun -np $np: the one-process half-widths ($iline), the same model bytes"
  else not_ok "--intervals with $np processes" "want '$iline': $(grep -E '^(Intervals|edgelstm)' "iv$np.err" | head -2)"; fi
done
"$E" eval iv4.tflite c.csv > iv-eval.out 2>&1 && grep -q "95% interval: coverage" iv-eval.out &&
  ok "the model carries its intervals (eval reports their coverage)" || not_ok "eval of the MPI model's intervals" "$(tail -2 iv-eval.out)"
# shellcheck disable=SC2086
run 2 $FILES $OPTS --intervals 99.9 -o few.tflite > /dev/null 2> few.err; rc=$?
if [ $rc = 1 ] && [ "$(grep -c "val windows are too few for a 99.9% interval (it needs at least 999)" few.err)" = 1 ] &&
   [ ! -e few.tflite ]; then ok "too few validation windows over all series: one sentence, exit 1, no model"
else not_ok "too few validation windows" "rc $rc: $(grep edgelstm few.err | head -2)"; fi

# --- the model is the one train makes (one file: same scaler, batches, steps) --------------
# shellcheck disable=SC2086
run 1 a.csv $OPTS -o one.tflite 2> one.err
# shellcheck disable=SC2086
"$E" train a.csv $OPTS --threads 1 -o ref.tflite 2> ref.err
"$E" predict one.tflite a.csv -o one.pred 2>/dev/null
"$E" predict ref.tflite a.csv -o ref.pred 2>/dev/null
d=$(paste -d, one.pred ref.pred | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "value") { if (a) b = i; else a = i }; next }
                                          { d = $a - $b; if (d < 0) d = -d; if (d > m) m = d; n++ }
                                          END { if (n < 300 || !b) print "few"; else printf "%.6f", m }')
case $d in
  few|"") not_ok "edgelstm train and edgelstm-mpi forecast a.csv" "$(tail -1 one.err; tail -1 ref.err)" ;;
  *) if awk -v d="$d" 'BEGIN { exit !(d < 0.01) }'; then
       ok "one file: forecasts within $d C of edgelstm train --threads 1 (exact sums vs float sums)"
     else not_ok "forecasts close to edgelstm train" "max |diff| $d C"; fi ;;
esac
"$E" eval one.tflite c.csv --json > eval.json 2>/dev/null && grep -q '"rmse"' eval.json &&
  ok "the model is a standard edgelstm model (eval reads it)" || not_ok "eval reads the MPI model" "$(head -c 200 eval.json)"

# --- stopped with 2 processes, resumed with 4 -----------------------------------------------
# shellcheck disable=SC2086
ELSTM_TEST_STOP_AFTER_EPOCH=1 run 2 $FILES $OPTS -o r.tflite > /dev/null 2> r1.err
n=$(grep -c "interrupted" r1.err)
if [ -f r.tflite.ckpt ] && [ ! -f r.tflite ] && [ "$n" = 1 ]; then
  ok "a stop reaches every rank: one message, the checkpoint kept, no model"
else not_ok "stop with 2 ranks" "ckpt $(ls r.tflite* 2>&1 | tr '\n' ' '), $n messages"; fi
# shellcheck disable=SC2086
run 4 $FILES $OPTS -o r.tflite --resume 2> r2.err
if [ "$(sha256sum < r.tflite 2>/dev/null)" = "$want" ] && [ ! -f r.tflite.ckpt ]; then
  ok "resumed with 4 processes: the bytes of the uninterrupted run, checkpoint removed"
else not_ok "resume with another process count" "$(tail -2 r2.err)"; fi

# --- errors ---------------------------------------------------------------------------------
printf 'No,year\n' > bad.csv
# shellcheck disable=SC2086
run 2 a.csv bad.csv $OPTS -o bad.tflite > /dev/null 2> bad.err; rc=$?
if [ $rc -ne 0 ] && grep -q "^edgelstm: bad.csv:1: the file has a header but no data rows" bad.err && [ ! -e bad.tflite ]; then
  ok "a bad file on rank 1: its sentence, a failed job, no model"
else not_ok "bad file on rank 1" "rc $rc: $(grep edgelstm bad.err | head -2)"; fi
# shellcheck disable=SC2086
run 3 a.csv b.csv $OPTS -o x.tflite > /dev/null 2> many.err
[ "$(grep -c '^edgelstm: 3 processes for 2 files' many.err)" = 1 ] && [ ! -e x.tflite ] &&
  ok "more processes than files: one sentence (from rank 0)" || not_ok "more processes than files" "$(grep edgelstm many.err)"
run 2 a.csv b.csv -o x.tflite --target TEMP --bogus > /dev/null 2> usage.err
[ "$(grep -c "unknown option '--bogus'" usage.err)" = 1 ] && ok "an unknown option: one usage message" ||
  not_ok "unknown option" "$(grep -i option usage.err)"

# --- --files-from: a list, paths relative to it ----------------------------------------------
mkdir -p lists && printf '# the stations\n../a.csv\n../b.csv\n\n../c.csv\n../d.csv\n' > lists/series.txt
# shellcheck disable=SC2086
run 2 --files-from lists/series.txt $OPTS -o list.tflite 2> list.err
[ "$(sha256sum < list.tflite 2>/dev/null)" = "$want" ] && ok "--files-from: the same four series, the same model" ||
  not_ok "--files-from" "$(tail -2 list.err)"
# --- a fleet under a real mpirun: each rank runs its shard (OMPI_COMM_WORLD_RANK/SIZE) ------
printf 'id,csv,units\nsa,a.csv,\nsc,c.csv,\nsa-u4,a.csv,4\n' > fleet.csv
FOPTS="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM,wd --steps 12 --units 8 --epochs 1 --batch 16"
# shellcheck disable=SC2086
mpirun --oversubscribe --bind-to none -np 2 "$E" fleet run fleet.csv --out fl --shard-from-env $FOPTS > fl.out 2> fl.err
# shellcheck disable=SC2086
"$E" fleet run fleet.csv --out fl-serial $FOPTS > /dev/null 2> fls.err
same=1
for id in sa sc sa-u4; do
  [ -s "fl/tasks/$id/model.tflite" ] && cmp -s "fl/tasks/$id/model.tflite" "fl-serial/tasks/$id/model.tflite" || same=0
done
if [ $same = 1 ] && grep -q "shard 0 of 2 (from OMPI_COMM_WORLD_RANK=0" fl.err && grep -q "shard 1 of 2 (from OMPI_COMM_WORLD_RANK=1" fl.err; then
  ok "fleet run --shard-from-env under mpirun -np 2: each rank its shard, the serial run's models"
else not_ok "fleet under mpirun" "$(grep -i shard fl.err | head -2; tail -1 fls.err)"; fi
done_suite
