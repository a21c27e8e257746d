#!/bin/sh
# The generated library of a stateful model (train --stateful) streams: on the host,
# NAME_push_sample on real raw samples gives, sample after sample, the forecasts
# `edgelstm predict` computes with the state carried; NAME_warm_up then push continues
# the same stream; NAME_stream_reset starts it again from zero; NaN samples and a state
# not initialized are refused; the static_buffer example warms up on its buffer (the
# forecast of `predict` on a file of just those rows). On the emulated Cortex-M4F
# (`profile`): the window pushed sample by sample gives the window's forecast, and one
# new sample costs a small fraction of a window's instructions.
. "$ELSTM_ROOT/tests/lib.sh"
suite deploy-stream
HERE="$ELSTM_ROOT/tests/deploy"
STRICT="-std=c99 -O2 -Wall -Wextra -Werror -pedantic"
E=$ELSTM
DONGSI="$BEIJING/PRSA_Data_Dongsi_20170101-20170228.csv"
head -1201 "$DONGSI" > "$T/slice.csv"
# rows 1099..1415 of the file: the longest stretch without a missing value (the device is fed
# what sensors read); its forecasts start from a zero state at its first row
sed -n '1p;1101,1417p' "$DONGSI" > "$T/stream.csv"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --steps 24"
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA --units 16 --batch 8 --threads 1 --lr 0.005 --epochs 2 --stateful \
  -o "$T/s.tflite" >/dev/null 2>"$T/train.err" || { not_ok "train --stateful" "$(tail -2 "$T/train.err")"; done_suite; }
$E deploy "$T/s.tflite" --target c --name st --sample "$T/stream.csv" -o "$T/st" >/dev/null 2>"$T/deploy.err" ||
  { not_ok "deploy of a stateful model" "$(tail -2 "$T/deploy.err")"; done_suite; }
grep -q '^#define ST_STATEFUL    1' "$T/st/st.h" && grep -q '^float st_push_sample(st_state \*s, const float \*sample, int64_t time);' "$T/st/st.h" &&
  grep -q '^int st_warm_up(' "$T/st/st.h" && grep -q '^void st_stream_reset(' "$T/st/st.h" &&
  ok "the header of a stateful model has ST_STATEFUL, st_push_sample, st_warm_up, st_stream_reset" ||
  not_ok "stateful header" "$(grep -n 'STATEFUL\|push_sample' "$T/st/st.h" | head -3)"

"$PY" "$HERE/raw_rows.py" "$T/stream.csv" "$T/st/st.h" 100000 > "$T/rows.txt" || { not_ok "raw rows" ""; done_suite; }
n=$(wc -l < "$T/rows.txt")
if out=$(gcc $STRICT -I"$T/st" -DNAME=st -DNAME_UC=ST -DHEADER='"st.h"' -o "$T/feed_stream" "$HERE/feed_stream.c" "$T/st/st.c" -lm 2>&1); then
  ok "the streaming API compiles with $STRICT"
else not_ok "feed_stream builds" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; done_suite; fi

# predict: one forecast per window, the state carried from the file's first row; the window
# ending at row k is the device's forecast after sample k
$E predict "$T/s.tflite" "$T/stream.csv" 2>/dev/null | awk -F, -v s=24 'NR > 1 { printf "%d %s\n", NR - 2 + s - 1, $2 }' > "$T/predict.txt"
[ "$(wc -l < "$T/predict.txt")" -eq $((n - 23)) ] && ok "predict gives a forecast per window of the $n-row stream" ||
  not_ok "predict windows" "$(wc -l < "$T/predict.txt") lines for $n rows"
# same_stream FILE: FILE's "k value" lines agree with predict's within 1e-3 (float32 kernels)
same_stream() {
  awk 'NR == FNR { want[$1] = $2; next } ($1 in want) { m++; d = $2 - want[$1]; if (d < 0) d = -d; if (d > worst) worst = d }
       END { if (m < 200 || worst > 1e-3) { printf "%d matched, worst %g\n", m, worst; exit 1 } }' "$T/predict.txt" "$1"
}
if "$T/feed_stream" 0 30 < "$T/rows.txt" > "$T/push.txt" 2>"$T/push.err"; then
  ok "push_sample on every sample (a state not initialized and a NaN sample refused with NaN)"
  why=$(same_stream "$T/push.txt") && ok "push_sample sample by sample: predict's stateful forecasts (within 1e-3 C)" ||
    not_ok "push_sample agrees with predict" "$why"
else not_ok "feed_stream runs" "$(cat "$T/push.err")"; fi
if "$T/feed_stream" 100 0 < "$T/rows.txt" > "$T/warm.txt" 2>"$T/warm.err"; then
  why=$(same_stream "$T/warm.txt") && ok "warm_up on 100 samples, then push_sample: the same stream" ||
    not_ok "warm_up continues the stream" "$why"
else not_ok "feed_stream with warm_up runs" "$(cat "$T/warm.err")"; fi
if awk '$1 == "restart" { r[$2] = $3; next } $1 < 30 { p[$1] = $2 } END { for (k in p) if (r[k] != p[k]) exit 1; exit !(length(p) == 30) }' "$T/push.txt"; then
  ok "stream_reset: the stream starts again from a zero state (the same forecasts, bit for bit)"
else not_ok "stream_reset" "$(grep -c restart "$T/push.txt") restart lines"; fi

# static_buffer: the forecast of its window from a zero state = predict on a file of those rows
{ head -1 "$T/stream.csv"; tail -24 "$T/stream.csv"; } > "$T/last24.csv"
want=$($E predict "$T/s.tflite" "$T/last24.csv" 2>/dev/null | awk -F, 'NR == 2 { print $3 }')  # normalized, as static_buffer's value:
if make -s -C "$T/st" CC=gcc CFLAGS="$STRICT -DEXAMPLE_DIGITS=9" >/dev/null 2>&1; then
  got=$("$T/st/static_buffer" | awk '$1 == "value:" { print $2 }')
  awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1e-4) }' &&
    ok "static_buffer warms up on its buffer: predict on a file of those 24 rows ($want)" ||
    not_ok "static_buffer of a stateful model" "got '$got', want '$want'"
else not_ok "the library's Makefile builds static_buffer" ""; fi

# a windowed model's library has no streaming API
$E train "$T/slice.csv" $DATA --units 8 --batch 32 --threads 1 --epochs 1 -o "$T/w.tflite" >/dev/null 2>&1 &&
  $E deploy "$T/w.tflite" --target c --name wn -o "$T/wn" >/dev/null 2>&1
[ -f "$T/wn/wn.h" ] && ! grep -q 'push_sample\|_STATEFUL' "$T/wn/wn.h" &&
  ok "a windowed model's library has no push_sample (it was not trained to stream)" || not_ok "windowed header" ""

# the emulated Cortex-M4F
need_tools arm-none-eabi-gcc qemu-system-arm
if $E profile "$T/s.tflite" --json > "$T/prof.json" 2>"$T/prof.err" && "$PY" - "$T/prof.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
w, s = d["instructions"], d["instructions_per_sample"]
assert d["stateful"] is True and w > 0 and 0 < s, d
# one step of 24 (and the dense layer) against the whole window
assert s * 20 < w, (s, w)
EOF
then ok "profile on the emulated Cortex-M4F: the window pushed sample by sample gives the window's forecast; instructions_per_sample < 1/20 of a 24-step window"
else not_ok "profile of a stateful model" "$(tail -2 "$T/prof.err") $(head -c 300 "$T/prof.json")"; fi
$E profile "$T/w.tflite" --json > "$T/profw.json" 2>/dev/null &&
  "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['stateful'] is False and d['instructions_per_sample'] == d['instructions']" "$T/profw.json" &&
  ok "profile of a windowed model: each new sample costs the whole window" || not_ok "profile of a windowed model" "$(head -c 300 "$T/profw.json")"
done_suite
