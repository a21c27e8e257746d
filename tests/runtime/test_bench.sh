#!/bin/sh
# `edgelstm bench`: runs on small exported models, its JSON has the contract's keys with
# sane values (positive, min <= median <= max, the MAC count of the shape), --threads
# gives the same output, and bad arguments fail cleanly. Times are never asserted.
. "$ELSTM_ROOT/tests/lib.sh"
suite bench
EXPORT="$ELSTM_ROOT/${BUILD:-build}/asan/tools/export_model"
# weights file for tests/tools/export_model: "ELW1", int32 I, N, O, T, float clip, arrays
mkw() { # I N O T OUT
  "$PY" - "$@" <<'PYEOF'
import struct, sys
import numpy as np
I, N, O, T = map(int, sys.argv[1:5])
rng = np.random.default_rng(7)
with open(sys.argv[5], "wb") as f:
    f.write(b"ELW1" + struct.pack("<4if", I, N, O, T, 10.0))
    for shape in ((4, N, I), (4, N, N), (4, N), (O, N), (O,)):
        f.write(rng.uniform(-0.3, 0.3, shape).astype("<f4").tobytes())
PYEOF
}
mkw 3 24 1 12 "$T/w1.bin" && "$EXPORT" "$T/w1.bin" "$T/small.tflite" >/dev/null 2>&1 || not_ok "export a test model" "export_model failed"
mkw 2 5 2 4 "$T/w2.bin" && "$EXPORT" "$T/w2.bin" "$T/tiny.tflite" >/dev/null 2>&1 || not_ok "export a test model" "export_model failed"

if "$ELSTM" bench "$T/small.tflite" --runs 7 --json >"$T/b1.json" 2>"$T/err"; then
  ok "bench --runs 7 --json exits 0"
  check "JSON has latency_ms {min, median, max}, runs, threads, kernel, macs, gmac_per_s" json_check "$T/b1.json" \
    "set(j['latency_ms']) >= {'min', 'median', 'max'}" \
    "all(k in j for k in ('runs', 'threads', 'kernel', 'macs', 'gmac_per_s'))"
  check "latencies are positive and ordered min <= median <= max" json_check "$T/b1.json" \
    "0 < j['latency_ms']['min'] <= j['latency_ms']['median'] <= j['latency_ms']['max']"
  check "runs 7, threads 1, kernel avx2 or generic, positive GMAC/s" json_check "$T/b1.json" \
    "j['runs'] == 7" "j['threads'] == 1" "j['kernel'] in ('avx2', 'generic')" "j['gmac_per_s'] > 0"
  check "macs = steps x 4 x N x (I + N) + O x N for the 12x3 -> 24 -> 1 model" json_check "$T/b1.json" \
    "j['macs'] == 12 * 4 * 24 * (3 + 24) + 24" "j['steps'] == 12 and j['units'] == 24 and j['inputs'] == 3"
else
  not_ok "bench --runs 7 --json exits 0" "$(head -c 300 "$T/err")"
fi
if "$ELSTM" bench "$T/small.tflite" --runs 5 --threads 2 --json >"$T/b2.json" 2>"$T/err"; then
  check "--threads 2 uses 2 threads and gives the one-thread output bit for bit" json_check "$T/b2.json" \
    "j['threads'] == 2" "j['output'] == json.load(open('$T/b1.json'))['output']"
else
  not_ok "bench --threads 2 exits 0" "$(head -c 300 "$T/err")"
fi
"$ELSTM" bench "$T/tiny.tflite" --threads 8 --json >"$T/b3.json" 2>"$T/err" &&
  check "default run count (about 1 s, >= 20 runs); 8 threads capped to the 1 unit block" json_check "$T/b3.json" \
    "j['runs'] >= 20" "j['threads'] == 1" "len(j['output']) == 2" ||
  not_ok "bench with default runs exits 0" "$(head -c 300 "$T/err")"
out=$("$ELSTM" bench "$T/small.tflite" --runs 3 2>&1)
case "$out" in *"latency:  min "*"median "*"max "*"over 3 runs"*) ok "text output reports min/median/max over the runs" ;;
  *) not_ok "text output reports min/median/max over the runs" "$out" ;; esac

# a graph that is not a forecaster (timed with run's executor) and an int8 forecaster (the
# runtime's int8 kernels): both give the output run gives for the same input
FIX="$ELSTM_ROOT/tests/fixtures/tflite"
for f in classifier int8; do
  if "$ELSTM" bench "$FIX/$f.tflite" --runs 4 --json >"$T/g.json" 2>"$T/err"; then
    "$ELSTM" inspect "$FIX/$f.tflite" --json | "$PY" -c "import json,sys,math; s=json.load(sys.stdin)['inputs'][0]['shape']; print(math.prod(s))" > "$T/n"
    "$PY" -c "
import sys
n = int(open(sys.argv[1]).read()); s = 12345
for i in range(n):
    s = (s * 1664525 + 1013904223) % 2**32
    print(repr((s >> 8) / 16777216.0))" "$T/n" > "$T/in.csv"
    "$ELSTM" run "$FIX/$f.tflite" "$T/in.csv" --json > "$T/r.json" 2>/dev/null
    if [ "$f" = int8 ]; then kernel="j['kernel'].startswith('s8-') and j['dtype'] == 'int8'"; else kernel="j['kernel'] == 'graph'"; fi
    check "$f: the right kernel, latency_ms and the output run gives for the same input" json_check "$T/g.json" \
      "$kernel" "j['latency_ms']['min'] <= j['latency_ms']['median'] <= j['latency_ms']['max']" \
      "j['runs'] == 4" "j['output'] == json.load(open('$T/r.json'))['output']"
  else
    not_ok "bench $f.tflite exits 0" "$(head -c 300 "$T/err")"
  fi
done
expect_fail 1 "--threads 2 on a graph that is not a forecaster: exit 1" "$ELSTM" bench "$FIX/classifier.tflite" --threads 2
expect_fail 1 "--threads 2 on an int8 forecaster: exit 1" "$ELSTM" bench "$FIX/int8.tflite" --threads 2
expect_fail 1 "a graph run does not support (a Keras 3 GRU loop) is refused naming what it is" \
  "$ELSTM" bench "$FIX/../keras/k3_gru.tflite"
case "$ERR" in *WHILE*GRU*) ok "... it names the WHILE loop and GRU" ;; *) not_ok "... it names the WHILE loop and GRU" "$ERR" ;; esac

expect_fail 1 "missing model file: exit 1 with a message" "$ELSTM" bench "$T/nope.tflite" &&
  case "$ERR" in *nope.tflite*) ok "the message names the file" ;; *) not_ok "the message names the file" "$ERR" ;; esac
printf 'not a model' >"$T/junk.tflite"
expect_fail 1 "a file that is not a model: exit 1" "$ELSTM" bench "$T/junk.tflite"
expect_fail 2 "--threads 0 is a usage error" "$ELSTM" bench "$T/small.tflite" --threads 0
expect_fail 2 "--runs abc is a usage error" "$ELSTM" bench "$T/small.tflite" --runs abc
expect_fail 2 "no model argument is a usage error" "$ELSTM" bench
done_suite
