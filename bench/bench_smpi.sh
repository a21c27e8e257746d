#!/bin/sh
# SimGrid SMPI simulation of edgelstm-mpi's all-reduce on up to 64 nodes (docs/engine-mpi.md).
# bench/allreduce.c (one MPI_Allreduce of VALUES int64, default 69764: the seed model's
# gradient and 3 counters, 558 KB) compiled with smpicc and run by smpirun on a generated
# platform: NODES hosts in one cluster, each on its own full-duplex link of BW (10Gbps) and
# LAT (1us) to a non-blocking switch (a backbone of 64 x BW, no latency); SimGrid's SMPI
# network model (its default bandwidth and latency factors); Open MPI's choice of the
# all-reduce algorithm (smpi/coll-selector:ompi); only communication is simulated
# (smpi/simulate-computation:no), so the times are deterministic: the same on any machine.
# Then the projected training scaling: a step of a global batch B over P nodes computes
# B / (P x RATE) seconds (RATE windows/s per node, default 1667: the seed model on 2 AVX2
# cores, docs/BENCHMARKS.md) plus one all-reduce; speed-up against one node (no all-reduce).
# Needs smpicc/smpirun (Debian: libsimgrid-dev; sh tools/deps.sh --bench). ~30 s.
#   sh bench/bench_smpi.sh      [BW=100Gbps LAT=1us NODES="2 4 8 16 32 64" BATCHES="32 2048"]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/build/bench-smpi}
BW=${BW:-10Gbps}
LAT=${LAT:-1us}
VALUES=${VALUES:-69764}
RATE=${RATE:-1667}
NODES=${NODES:-2 4 8 16 32 64}
BATCHES=${BATCHES:-32 2048}
command -v smpicc > /dev/null && command -v smpirun > /dev/null ||
  { echo "bench_smpi: smpicc and smpirun are needed (Debian: apt-get install libsimgrid-dev)" >&2; exit 1; }
mkdir -p "$OUT"
max=0
for p in $NODES; do [ "$p" -gt "$max" ] && max=$p; done
bw_num=${BW%%[!0-9.]*} bw_unit=${BW#"$bw_num"}
cat > "$OUT/platform.xml" <<EOF
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <!-- $max nodes, each on a full-duplex link of $BW and $LAT to a non-blocking switch -->
  <cluster id="nodes" prefix="node-" suffix="" radical="0-$((max - 1))" speed="100Gf" bw="$BW" lat="$LAT"
           sharing_policy="SPLITDUPLEX" bb_bw="$(awk -v b="$bw_num" -v n="$max" 'BEGIN { print b * n }')$bw_unit"
           bb_lat="0us" bb_sharing_policy="SHARED"/>
</platform>
EOF
i=0
: > "$OUT/hosts.txt"
while [ $i -lt "$max" ]; do echo "node-$i" >> "$OUT/hosts.txt"; i=$((i + 1)); done
smpicc -O2 "$ROOT/bench/allreduce.c" -o "$OUT/allreduce" 2> "$OUT/smpicc.err" || { cat "$OUT/smpicc.err" >&2; exit 1; }
echo "SimGrid $(smpirun --version 2>&1 | head -1 | awk '{ print $NF }'): all-reduce of $VALUES int64 ($((VALUES * 8)) bytes), $BW / $LAT links, Open MPI's algorithm choice"
: > "$OUT/allreduce.json"
for p in $NODES; do
  smpirun -np "$p" -platform "$OUT/platform.xml" -hostfile "$OUT/hosts.txt" \
    --cfg=smpi/simulate-computation:no --cfg=smpi/coll-selector:ompi --log=root.thres:critical \
    "$OUT/allreduce" "$VALUES" 3 >> "$OUT/allreduce.json" 2> "$OUT/smpirun-$p.err" ||
    { tail -3 "$OUT/smpirun-$p.err" >&2; exit 1; }
done
awk -v rate="$RATE" -v batches="$BATCHES" '
  { match($0, /"processes": [0-9]+/); p = substr($0, RSTART + 13, RLENGTH - 13) + 0
    match($0, /"median_s": [0-9.e+-]+/); t = substr($0, RSTART + 12, RLENGTH - 12) + 0
    np[++n] = p; ar[n] = t }
  END {
    nb = split(batches, b, " ")
    printf "%5s %16s", "nodes", "all-reduce (ms)"
    for (j = 1; j <= nb; j++) printf "   batch %-5d speed-up (eff.)", b[j]
    printf "\n"
    for (i = 1; i <= n; i++) {
      printf "%5d %16.3f", np[i], 1000 * ar[i]
      for (j = 1; j <= nb; j++) {
        one = b[j] / rate; step = b[j] / (np[i] * rate) + ar[i]
        printf "   %20.1f (%3.0f%%)", one / step, 100 * one / step / np[i]
      }
      printf "\n"
    }
    printf "(a step: batch / (nodes x %d windows/s) + the all-reduce; one node: no all-reduce)\n", rate
  }' "$OUT/allreduce.json"
