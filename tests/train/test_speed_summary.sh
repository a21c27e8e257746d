#!/bin/sh
# bench/speed_summary.py (the table of `bench_train.sh speed`) on made-up run records: the
# medians and ratios, the goals, the model-bytes comparison, and the FMA ceiling line. The
# ceiling's figures are worked out here by hand for the seed's model (168 steps x 7 inputs,
# LSTM(128), Dense(1)): 11,612,288 multiply-adds forward and 22,622,720 backward per training
# window, plus 6838/24374 of a forward pass for validation = 37,492,745; two threads of 59.05
# G/s = 118.1 G/s -> 3,150 windows/s; 3x a PyTorch median of 1,000 is 95% of it.
. "$ELSTM_ROOT/tests/lib.sh"
suite speed_summary
S="$ELSTM_ROOT/bench/speed_summary.py"
O="$T/out"
mkdir -p "$O"
i=1
for tw in 1000 900 1100; do   # PyTorch rounds: median 1000
  echo "{\"framework\": \"torch\", \"version\": \"torch 0\", \"windows_per_second\": $tw}" > "$O/speed-torch-$i.json"
  echo 1048576 > "$O/speed-torch-$i.rss"
  for b in avx2 avx512; do      # edgelstm: 24374 windows / faster epoch
    case $b in avx2) s=12.187 ;; *) s=9.7496 ;; esac   # 2000 and 2500 windows/s
    echo "{\"windows\": {\"train\": 24374, \"validation\": 6838, \"test\": 3328}, \"epoch_seconds\": [20.0, $s]}" \
      > "$O/speed-$b-$i.json"
    echo 35000 > "$O/speed-$b-$i.rss"
    printf 'model' > "$O/speed-$b-$i.tflite"
  done
  i=$((i + 1))
done
run() { "$PY" "$S" "$O" 3 avx2:x avx512:y > "$T/table" 2>&1; }

check "the table without an FMA record" run
check "no ceiling line without the record" sh -c "! grep -q 'FMA ceiling' '$T/table'"
check "PyTorch's median" grep -Eq '^PyTorch +1000 900 1100 +1000 ' "$T/table"
check "the AVX2 build's median and ratio" grep -Eq '^edgelstm avx2 +2000 2000 2000 +2000 +2.00 2.22 1.82 +2.00x +34 MB' "$T/table"
check "the goals of the AVX-512 build" grep -q 'goals (avx512): >= 3x PyTorch NOT met, >= 2000 windows/s met' "$T/table"
check "identical model bytes" grep -q 'model bytes of the avx2 and avx512 builds: identical' "$T/table"

echo "fma threads=2: median 59.05 GMAC/s per thread (900 of 1000 chunks with both running), p10 50.00 p90 60.00" \
  > "$O/speed-fma.txt"
check "the table with the FMA record" run
check "the ceiling: rate, multiply-adds per window, windows/s, 3x PyTorch's share" grep -q \
  'FMA ceiling: 2 busy threads do 118.1 G multiply-adds/s (bench/cores.c fma); an epoch costs 37.49 M per training window (validation included), so no fp32 trainer exceeds 3150 windows/s here; 3x PyTorch.s median is 3000 windows/s = 95% of that ceiling' \
  "$T/table"
check "each trainer's share of the ceiling" grep -q \
  'share of the ceiling reached (medians): PyTorch 32%, edgelstm avx2 63%, edgelstm avx512 79%' "$T/table"

echo "fma threads=2: no clean chunk (machine too busy)" > "$O/speed-fma.txt"
check "the table with a record without a rate" run
check "a record without a rate leaves the ceiling out" sh -c "! grep -q 'FMA ceiling' '$T/table'"
printf 'other' > "$O/speed-avx512-2.tflite"
check "the table of builds that differ" run
check "different model bytes are reported" grep -q 'model bytes of the avx2 and avx512 builds: DIFFERENT' "$T/table"
done_suite
