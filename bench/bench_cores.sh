#!/bin/sh
# What two busy cores give against one on this machine: the ceiling for 2-thread training
# and for 2 one-thread MPI processes (docs/BENCHMARKS.md, "Two busy cores").
#   sh bench/bench_cores.sh          (~2 min; ROUNDS (3) interleaved rounds, medians)
# Each round runs, one after another:
#   bench/cores.c KERNEL 1 and KERNEL 2 for fma, l1, l2, l3, mem: per-thread rates of
#     unpreempted chunks, alone and while the other thread runs too (load-robust);
#   bench/train_cpu.c (the seed's model, BATCHES (40) batches of 32): one 1-thread process
#     alone, two 1-thread processes at once, one 2-thread process: windows/s of wall time
#     (the pair: the sum of the two) and windows per CPU-second (wall figures: quiet machine).
# Needs build/libedgelstm.a (make) built with the ARCHFLAGS to measure (default: the CPU's).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/build/bench-cores}
ROUNDS=${ROUNDS:-3}
BATCHES=${BATCHES:-40}
mkdir -p "$OUT"
make -s -C "$ROOT" build/libedgelstm.a
cc -O3 -mavx2 -mfma -pthread "$ROOT/bench/cores.c" -o "$OUT/cores"
cc -O2 -I"$ROOT/include" "$ROOT/bench/train_cpu.c" "$ROOT/build/libedgelstm.a" \
  -lcsv -lzip -ljansson -lopenblas -lpthread -lm -o "$OUT/train_cpu"
: > "$OUT/raw.txt"
r=1
while [ "$r" -le "$ROUNDS" ]; do
  for k in fma l1 l2 l3 mem; do
    for t in 1 2; do "$OUT/cores" $k $t 3 >> "$OUT/raw.txt" || true; done
  done
  "$OUT/train_cpu" 1 "$BATCHES" | sed 's/^/alone /' >> "$OUT/raw.txt"
  "$OUT/train_cpu" 1 "$BATCHES" > "$OUT/pa.txt" & pa=$!
  "$OUT/train_cpu" 1 "$BATCHES" > "$OUT/pb.txt"
  wait $pa
  paste -d' ' "$OUT/pa.txt" "$OUT/pb.txt" | sed 's/^/pair /' >> "$OUT/raw.txt"
  "$OUT/train_cpu" 2 "$BATCHES" | sed 's/^/twothreads /' >> "$OUT/raw.txt"
  r=$((r + 1))
done
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
echo "per-thread rates, median of $ROUNDS rounds (1 = alone, 2 = while the other thread runs too):"
for k in fma l1 l2 l3 mem; do
  one=$(grep "^$k threads=1: median" "$OUT/raw.txt" | awk '{ print $4 }' | med)
  two=$(grep "^$k threads=2: median" "$OUT/raw.txt" | awk '{ print $4 }' | med)
  unit=$(grep -m1 "^$k threads=1: median" "$OUT/raw.txt" | awk '{ print $5 }')
  awk -v k=$k -v a="$one" -v b="$two" -v u="$unit" \
    'BEGIN { printf "  %-4s %8s %s alone, %8s with both running: 2 cores give %.2fx\n", k, a, u, b, (a > 0 ? 2 * b / a : 0) }'
done
# train_cpu lines: "... X windows per CPU-second, Y windows/s wall ..."
cpu() { awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "windows" && $(i + 2) == "per") print $i }'; }
wall() { awk '{ for (i = 2; i <= NF; i++) if ($i == "windows/s") print $(i - 1) }'; }
a_w=$(grep '^alone' "$OUT/raw.txt" | wall | med)
a_c=$(grep '^alone' "$OUT/raw.txt" | cpu | med)
p_w=$(grep '^pair' "$OUT/raw.txt" | wall | paste - - | awk '{ print $1 + $2 }' | med)
p_c=$(grep '^pair' "$OUT/raw.txt" | cpu | med)
t_w=$(grep '^twothreads' "$OUT/raw.txt" | wall | med)
t_c=$(grep '^twothreads' "$OUT/raw.txt" | cpu | med)
echo "training (seed model, $BATCHES batches of 32), median of $ROUNDS rounds:"
echo "  1 process x 1 thread alone:      $a_w windows/s, $a_c windows per CPU-second"
echo "  2 processes x 1 thread at once:  $p_w windows/s together, $p_c windows per CPU-second each (median)"
echo "  1 process x 2 threads:           $t_w windows/s, $t_c windows per CPU-second"
awk -v a="$a_w" -v p="$p_w" -v t="$t_w" -v ac="$a_c" -v pc="$p_c" -v tc="$t_c" 'BEGIN {
  printf "  two processes / one: %.2fx wall, per CPU-second %.2f of alone; 2 threads / 1: %.2fx wall, per CPU-second %.2f of alone\n",
    p / a, pc / ac, t / a, tc / ac }'
echo "raw figures: $OUT/raw.txt"
