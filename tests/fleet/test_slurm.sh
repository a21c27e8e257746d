#!/bin/sh
# fleet under a real one-node Slurm: munged, slurmctld and slurmd started here on
# localhost (their own socket, ports, state and logs in a scratch folder, nothing of the
# machine's touched), the launcher `fleet emit slurm` writes submitted with sbatch as a
# job array; every model must have the bytes the serial run writes. Where the daemons
# cannot start, the suite fails and prints their logs. Recipe: docs/engines.md.
. "$ELSTM_ROOT/tests/lib.sh"
suite slurm
E=$ELSTM_FAST
for c in munged slurmctld slurmd sbatch sinfo; do
  command -v $c >/dev/null 2>&1 || { not_ok "Slurm and MUNGE are installed" "no $c: run tools/deps.sh (slurmctld slurmd slurm-client munge)"; done_suite; }
done
W="$T/slurm"; mkdir -p "$W/state" "$W/spool" "$W/munge"
chown munge:munge "$W/munge" 2>/dev/null; chmod 755 "$T" "$W"
HOST=$(hostname -s)
PORT=$((17000 + $$ % 2000))   # a port pair of our own: another Slurm may run on this machine
cat > "$W/slurm.conf" <<EOC
ClusterName=elstmtest
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$W/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOC
if [ -d /sys/fs/cgroup/cgroup.procs ] || [ -f /sys/fs/cgroup/cgroup.procs ]; then
  printf 'CgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\n' > "$W/cgroup.conf"
else
  echo "CgroupPlugin=cgroup/v1" > "$W/cgroup.conf"
fi
export SLURM_CONF="$W/slurm.conf"
pids=""
cleanup() {
  for f in "$W/slurmd.pid" "$W/slurmctld.pid" "$W/munge/munged.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  sleep 1
  rm -rf "$T"
}
trap cleanup EXIT
logs() { for f in "$W"/munge/munged.log "$W"/slurmctld.log "$W"/slurmd.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }; done; }

runuser -u munge -- munged --socket="$W/munge/munge.sock" --pid-file="$W/munge/munged.pid" \
  --log-file="$W/munge/munged.log" --seed-file="$W/munge/munged.seed" 2>"$W/munged.err"
if munge --socket="$W/munge/munge.sock" -n </dev/null | unmunge --socket="$W/munge/munge.sock" >/dev/null 2>&1; then
  ok "munged runs on its own socket"
else
  not_ok "munged runs" "$(cat "$W/munged.err"; logs)"; done_suite
fi
slurmctld -f "$SLURM_CONF" 2>"$W/slurmctld.err" && slurmd -f "$SLURM_CONF" 2>"$W/slurmd.err"
state=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" = idle ]; then ok "slurmctld and slurmd start; the node is idle"
else not_ok "the Slurm daemons start" "node state '$state': $(cat "$W/slurmctld.err" "$W/slurmd.err"; logs)"; done_suite; fi

# the fleet: both stations and a sweep on one of them
mkdir -p "$T/m/data"
head -301 "$BEIJING/PRSA_Data_Dongsi_20170101-20170228.csv" > "$T/m/data/dongsi.csv"
head -301 "$BEIJING/PRSA_Data_Changping_20161201-20170228.csv" > "$T/m/data/changping.csv"
printf 'id,csv,units\ndongsi,data/dongsi.csv,\nchangping,data/changping.csv,\nsweep-u4,data/dongsi.csv,4\n' > "$T/m/fleet.csv"
OPTS="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,WSPM --steps 12 --units 8 --epochs 2 --batch 16"
# shellcheck disable=SC2086
"$E" fleet run "$T/m/fleet.csv" --out "$T/serial" $OPTS 2>"$T/serial.err" || not_ok "the serial fleet" "$(tail -3 "$T/serial.err")"
# shellcheck disable=SC2086
"$E" fleet emit slurm "$T/m/fleet.csv" --out "$T/array" -o "$T/job.sh" $OPTS
chmod 755 "$T" "$T/m"
if EDGELSTM="$E" timeout 300 sbatch --wait --quiet -D "$T" "$T/job.sh" >"$T/sbatch.out" 2>&1; then
  ok "sbatch --wait runs the fleet as a job array and ends with status 0"
else
  not_ok "the job array" "exit $?: $(cat "$T/sbatch.out"; cat "$T"/array/slurm-*.out 2>/dev/null | tail -5; logs)"
fi
n=$(ls "$T"/array/slurm-*_*.out 2>/dev/null | wc -l)
[ "$n" -eq 3 ] && ok "three array tasks ran (one output file each)" || not_ok "array tasks" "$n output files: $(ls "$T/array")"
grep -h "^fleet: shard" "$T"/array/slurm-*.out 2>/dev/null | sort > "$T/shards"
[ "$(wc -l < "$T/shards")" -eq 3 ] && grep -q "^fleet: shard 2 of 3 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3)$" "$T/shards" &&
  ok "each array task took its shard from SLURM_ARRAY_TASK_ID/COUNT" || not_ok "shards" "$(cat "$T/shards")"
bad=""
for id in dongsi changping sweep-u4; do cmp -s "$T/serial/tasks/$id/model.tflite" "$T/array/tasks/$id/model.tflite" || bad="$bad $id"; done
[ -z "$bad" ] && ok "every model of the job array has the bytes of the serial run" || not_ok "same bytes" "differ:$bad"
done_suite
