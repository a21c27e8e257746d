#!/bin/sh
# fleet: a manifest of real series (two stations of the excerpt, a sweep sharing a file,
# a bad file) run serially, by task, in shards (--shard and the environments of Slurm
# arrays, Kubernetes Indexed Jobs and mpirun), and under GNU parallel through the
# launcher `fleet emit parallel` writes: every way gives the same model bytes as
# `edgelstm train` with the same options; reruns skip finished tasks and redo changed
# ones; a bad file fails its task (record, exit 3), never the others; status,
# summarize (markdown, CSV), the Slurm and Kubernetes launchers, manifest errors.
. "$ELSTM_ROOT/tests/lib.sh"
suite fleet
E=$ELSTM_FAST   # the optimized build: many small trainings
mkdir -p "$T/m/data"
head -401 "$BEIJING/PRSA_Data_Dongsi_20170101-20170228.csv" > "$T/m/data/dongsi.csv"
head -401 "$BEIJING/PRSA_Data_Changping_20161201-20170228.csv" > "$T/m/data/changping.csv"
printf 'No,year\n' > "$T/m/data/bad.csv"
M="$T/m/fleet.csv"
cat > "$M" <<'EOM'
id,csv,units,lr
dongsi,data/dongsi.csv,,
changping,data/changping.csv,,
sweep-u4,data/dongsi.csv,4,
sweep-lr,data/dongsi.csv,,0.01
broken,data/bad.csv,,
EOM
OPTS="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM,wd --steps 12 --units 8 --epochs 2 --batch 16"
ids="dongsi changping sweep-u4 sweep-lr broken"
good="dongsi changping sweep-u4 sweep-lr"
# shellcheck disable=SC2086
fleet() { "$E" fleet "$@" $OPTS; }

[ "$("$E" fleet list "$M" | tr '\n' ' ')" = "$ids " ] && ok "list prints the ids in manifest order" || not_ok "list" "$("$E" fleet list "$M")"

# --- serial reference: edgelstm train with the resolved options ---------------------------
mkdir -p "$T/ref"
for spec in dongsi:dongsi: changping:changping: sweep-u4:dongsi:"--units 4" sweep-lr:dongsi:"--lr 0.01"; do
  id=${spec%%:*} rest=${spec#*:} f=${rest%%:*} extra=${rest#*:}
  # shellcheck disable=SC2086
  "$E" train "$T/m/data/$f.csv" $OPTS $extra --threads 1 -o "$T/ref/$id.tflite" 2>"$T/ref/$id.err" ||
    not_ok "reference training $id" "$(tail -1 "$T/ref/$id.err")"
done
same_as_ref() {   # same_as_ref DIR WHAT: every good task's model has the reference bytes
  bad=""
  for id in $good; do cmp -s "$1/tasks/$id/model.tflite" "$T/ref/$id.tflite" || bad="$bad $id"; done
  [ -z "$bad" ] && ok "$2: every model has the bytes of edgelstm train" || not_ok "$2: same bytes as train" "differ:$bad"
}

# --- run: everything, a bad file fails its task only --------------------------------------
fleet run "$M" --out "$T/serial" >"$T/run.out" 2>"$T/run.err"; rc=$?
[ $rc -eq 3 ] && ok "run exits 3 when a task failed" || not_ok "run exit status" "got $rc: $(tail -2 "$T/run.err")"
same_as_ref "$T/serial" "run"
grep -q "broken: FAILED (exit 1): edgelstm: .*bad.csv:1: " "$T/run.err" && ok "the failed task is reported with its error sentence" || not_ok "failure line" "$(grep broken "$T/run.err")"
if "$PY" - "$T/serial" <<'EOP'
import json, sys
d = sys.argv[1]
r = json.load(open(d + "/tasks/broken/record.json"))
assert r["status"] == "failed" and r["exit_status"] == 1 and "bad.csv:1:" in r["error"], r
assert not __import__("os").path.exists(d + "/tasks/broken/model.tflite")
g = json.load(open(d + "/tasks/sweep-u4/record.json"))
assert g["status"] == "ok" and g["windows"] > 0 and g["epochs"] == 2 and g["model_bytes"] > 0, g
assert abs(g["rmse_ratio"] - g["test_rmse"] / g["persistence_rmse"]) < 1e-6
assert "--units" in g["options"] and g["options"][g["options"].index("--units") + 1] == "4"
assert g["options"][g["options"].index("--threads") + 1] == "1"
assert len(g["input_hash"]) == 16 and len(g["options_hash"]) == 16 and len(g["model_hash"]) == 16
EOP
then ok "records: failed with its error and no model; done with hashes, windows, epochs, RMSE ratio, resolved options"
else not_ok "records" "$(cat "$T/serial/tasks/sweep-u4/record.json")"; fi

"$E" fleet status "$T/serial" >"$T/st" 2>&1
grep -q "^5 tasks: 4 done, 1 failed, 0 pending$" "$T/st" && grep -q "^failed  broken: edgelstm: " "$T/st" &&
  ok "status counts done, failed and pending and names the failure" || not_ok "status" "$(cat "$T/st")"
"$E" fleet summarize "$T/serial" >"$T/sum.md" 2>"$T/sum.err" && "$E" fleet summarize "$T/serial" -o "$T/sum.csv" 2>>"$T/sum.err"
if "$PY" - "$T/sum.md" "$T/sum.csv" <<'EOP'
import csv, sys
md = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith("|")]
assert md[0].split("|")[1].strip() == "id" and "rmse_ratio" in md[0] and md[1].startswith("|---"), md[:2]
rows = list(csv.DictReader(open(sys.argv[2])))
assert [r["id"] for r in rows] == ["dongsi", "changping", "sweep-u4", "sweep-lr", "broken"], rows
assert [r["status"] for r in rows] == ["ok"] * 4 + ["failed"]
for r in rows[:4]:
    assert int(r["windows"]) > 0 and int(r["epochs"]) == 2 and int(r["model_bytes"]) > 0
    assert abs(float(r["rmse_ratio"]) - float(r["test_rmse"]) / float(r["persistence_rmse"])) < 2e-3
assert rows[4]["test_rmse"] == "" and len(md) == 2 + 5
EOP
then ok "summarize: markdown and CSV tables in manifest order"; else not_ok "summarize" "$(cat "$T/sum.csv" "$T/sum.err")"; fi

# --- reruns: finished tasks skipped, changed ones redone ---------------------------------
cp "$T/serial/tasks/dongsi/model.tflite" "$T/dongsi.before"
fleet run "$M" --out "$T/serial" 2>"$T/rerun.err"
[ "$(grep -c ': up to date$' "$T/rerun.err")" -eq 4 ] && grep -q "broken: FAILED" "$T/rerun.err" &&
  ok "a rerun skips the 4 finished tasks and retries the failed one" || not_ok "rerun" "$(cat "$T/rerun.err")"
sed -i 's/^sweep-lr,data\/dongsi.csv,,0.01$/sweep-lr,data\/dongsi.csv,,0.02/' "$M"
fleet run "$M" --out "$T/serial" 2>"$T/rerun2.err"
grep -q "sweep-lr: ok" "$T/rerun2.err" && [ "$(grep -c ': up to date$' "$T/rerun2.err")" -eq 3 ] &&
  ok "a changed option redoes that task only" || not_ok "changed option" "$(cat "$T/rerun2.err")"
sed -i 's/,0.02$/,0.01/' "$M"
head -400 "$BEIJING/PRSA_Data_Changping_20161201-20170228.csv" > "$T/m/data/changping.csv"   # one hour less
fleet run "$M" --out "$T/serial" 2>"$T/rerun3.err"
grep -q "changping: ok" "$T/rerun3.err" && grep -q "sweep-lr: ok" "$T/rerun3.err" && grep -q "dongsi: up to date" "$T/rerun3.err" &&
  ok "a changed input file (and the option changed back) redo their tasks" || not_ok "changed input" "$(cat "$T/rerun3.err")"
head -401 "$BEIJING/PRSA_Data_Changping_20161201-20170228.csv" > "$T/m/data/changping.csv"
cmp -s "$T/dongsi.before" "$T/serial/tasks/dongsi/model.tflite" && ok "a skipped task's model is untouched" || not_ok "skipped model" "changed"
rm "$T/serial/tasks/sweep-u4/model.tflite"
fleet run "$M" --out "$T/serial" 2>"$T/rerun4.err"
grep -q "sweep-u4: ok" "$T/rerun4.err" && ok "a task whose model is gone is redone" || not_ok "missing model" "$(cat "$T/rerun4.err")"
same_as_ref "$T/serial" "after the reruns"

# --- one task; shards from --shard and from the launchers' environments -------------------
for id in $ids; do fleet task "$M" --id "$id" --out "$T/bytask" 2>>"$T/bytask.err"; echo "$id $?" >>"$T/bytask.rc"; done
grep -q "^broken 3$" "$T/bytask.rc" && [ "$(grep -c ' 0$' "$T/bytask.rc")" -eq 4 ] &&
  ok "task: exit 0 for the good ones, 3 for the bad file" || not_ok "task exit" "$(cat "$T/bytask.rc")"
same_as_ref "$T/bytask" "task by task"
for i in 0 1 2; do fleet run "$M" --out "$T/shard" --shard "$i/3" 2>>"$T/shard.err"; done
same_as_ref "$T/shard" "--shard 0/3 1/3 2/3"
[ "$(grep -c ': ok (' "$T/shard.err")" -eq 4 ] && ok "the shards ran each task once" || not_ok "shards" "$(cat "$T/shard.err")"
for i in 1 2; do
  env SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=2 "$E" fleet run "$M" --out "$T/slurm" --shard-from-env $OPTS 2>>"$T/slurm.err"
done
same_as_ref "$T/slurm" "SLURM_ARRAY_TASK_ID (array 1-2)"
grep -q "^fleet: shard 0 of 2 (from SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=2, SLURM_ARRAY_TASK_MIN)$" "$T/slurm.err" &&
  ok "the shard and where it came from are printed" || not_ok "shard line" "$(grep shard "$T/slurm.err")"
for i in 0 1 2 3; do
  env JOB_COMPLETION_INDEX=$i ELSTM_FLEET_SHARDS=4 "$E" fleet run "$M" --out "$T/k8s" --shard-from-env $OPTS 2>>"$T/k8s.err"
done
same_as_ref "$T/k8s" "JOB_COMPLETION_INDEX"
for i in 0 1; do
  env OMPI_COMM_WORLD_RANK=$i OMPI_COMM_WORLD_SIZE=2 "$E" fleet run "$M" --out "$T/mpi" --shard-from-env $OPTS 2>>"$T/mpi.err"
done
same_as_ref "$T/mpi" "OMPI_COMM_WORLD_RANK"
expect_fail 1 "JOB_COMPLETION_INDEX without a shard count" env JOB_COMPLETION_INDEX=0 "$E" fleet run "$M" --out "$T/x" --shard-from-env
echo "$ERR" | grep -q "ELSTM_FLEET_SHARDS" && ok "... names ELSTM_FLEET_SHARDS" || not_ok "k8s count message" "$ERR"
expect_fail 1 "--shard-from-env with no launcher" env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u PMIX_RANK -u SLURM_PROCID "$E" fleet run "$M" --out "$T/x" --shard-from-env
expect_fail 2 "a bad --shard" "$E" fleet run "$M" --out "$T/x" --shard 3/3

# --- GNU parallel, through the launcher fleet emit writes ---------------------------------
if command -v parallel >/dev/null 2>&1; then
  fleet emit parallel "$M" --out "$T/par" --jobs 2 -o "$T/par.sh" 2>"$T/emit.err"
  grep -q -- "--joblog" "$T/par.sh" && grep -q -- "--resume-failed" "$T/par.sh" && [ -x "$T/par.sh" ] &&
    ok "emit parallel writes an executable launcher with --joblog and --resume-failed" || not_ok "emit parallel" "$(cat "$T/par.sh" "$T/emit.err")"
  EDGELSTM="$E" sh "$T/par.sh" >"$T/par.out" 2>&1; rc=$?
  [ $rc -eq 1 ] && ok "parallel reports one failed job" || not_ok "parallel exit status" "got $rc: $(tail -3 "$T/par.out")"
  same_as_ref "$T/par" "GNU parallel"
  [ "$(awk 'NR > 1 && $7 == 3' "$T/par/joblog" | wc -l)" -eq 1 ] && ok "the job log records the failed task's exit 3" || not_ok "joblog" "$(cat "$T/par/joblog")"
  grep -q "| broken | data/bad.csv | failed |" "$T/par/summary.md" && ok "the launcher ends with the summary" || not_ok "summary.md" "$(cat "$T/par/summary.md")"
  EDGELSTM="$E" sh "$T/par.sh" >"$T/par2.out" 2>&1
  [ "$(awk 'NR > 1' "$T/par/joblog" | wc -l)" -eq 6 ] && ok "rerunning the launcher retries only the failed job (--resume-failed)" || not_ok "resume-failed" "$(cat "$T/par/joblog")"
else
  not_ok "GNU parallel" "not installed: run tools/deps.sh"
fi

# --- the Slurm and Kubernetes launchers ---------------------------------------------------
fleet emit slurm "$M" --out "$T/sl" -o "$T/job.sh" 2>/dev/null
grep -q "^#SBATCH --array=0-4$" "$T/job.sh" && grep -q -- "fleet run '.*fleet.csv' --out '.*sl' --shard-from-env '--time'" "$T/job.sh" &&
  ok "emit slurm: an sbatch array script of one shard per task" || not_ok "emit slurm" "$(cat "$T/job.sh")"
"$E" fleet emit slurm "$M" --out "$T/sl" --shards 2 2>/dev/null | grep -q "^#SBATCH --array=0-1$" && ok "emit slurm --shards 2" || not_ok "emit slurm --shards" "no 0-1"
fleet emit k8s "$M" --out /data/out --shards 3 --jobs 2 --image reg/edgelstm:1 --claim series -o "$T/job.json" 2>/dev/null
if "$PY" - "$T/job.json" <<'EOP'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["spec"]
assert j["kind"] == "Job" and s["completionMode"] == "Indexed" and s["completions"] == 3 and s["parallelism"] == 2
assert s["backoffLimitPerIndex"] >= 1
c = s["template"]["spec"]["containers"][0]
assert c["image"] == "reg/edgelstm:1" and c["command"][:3] == ["edgelstm", "fleet", "run"] and "--shard-from-env" in c["command"]
assert {"name": "ELSTM_FLEET_SHARDS", "value": "3"} in c["env"]
assert s["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "series"
assert s["template"]["spec"]["restartPolicy"] == "Never"
EOP
then ok "emit k8s: an Indexed Job with the shard count, image and volume"; else not_ok "emit k8s" "$(head -c 400 "$T/job.json")"; fi

# --- bad manifests and usage --------------------------------------------------------------
printf 'id,csv,colour\na,data/dongsi.csv,red\n' > "$T/m/bad1.csv"
expect_fail 1 "an unknown column" "$E" fleet list "$T/m/bad1.csv"
echo "$ERR" | grep -q "bad1.csv:1: column 'colour' is not a training option; the columns are id, csv and any of: .*units" && ok "... says which and lists the options" || not_ok "unknown column message" "$ERR"
printf 'id,csv\na,data/dongsi.csv\na,data/changping.csv\n' > "$T/m/bad2.csv"
expect_fail 1 "a repeated id" "$E" fleet list "$T/m/bad2.csv"
echo "$ERR" | grep -q "bad2.csv:3: the id 'a' was already used on line 2" && ok "... with both lines" || not_ok "repeated id message" "$ERR"
printf 'name,file\n' > "$T/m/bad3.csv"
expect_fail 1 "a header without id and csv" "$E" fleet list "$T/m/bad3.csv"
printf 'id,csv\n../x,data/dongsi.csv\n' > "$T/m/bad4.csv"
expect_fail 1 "an id that is not a folder name" "$E" fleet list "$T/m/bad4.csv"
printf 'id,csv,units\na,data/dongsi.csv\n' > "$T/m/bad5.csv"
expect_fail 1 "a row with too few fields" "$E" fleet list "$T/m/bad5.csv"
expect_fail 1 "a missing manifest" "$E" fleet list "$T/m/none.csv"
expect_fail 2 "run without --out" "$E" fleet run "$M"
expect_fail 2 "task without --id" "$E" fleet task "$M" --out "$T/x"
expect_fail 1 "task with an unknown id" "$E" fleet task "$M" --id nope --out "$T/x"
expect_fail 2 "an unknown fleet command" "$E" fleet fly "$M"
expect_fail 1 "status of a folder that is not a fleet" "$E" fleet status "$T/m"
printf 'id,csv,units\nu,data/dongsi.csv,many\n' > "$T/m/badopt.csv"
expect_fail 3 "a bad option value in a row fails that task" "$E" fleet task "$T/m/badopt.csv" --id u --out "$T/badopt" $OPTS
grep -q "units" "$T/badopt/tasks/u/record.json" && ok "... its record names the option" || not_ok "bad value record" "$(cat "$T/badopt/tasks/u/record.json")"
done_suite
