#!/bin/sh
# train --stateful end to end on a real slice: --json keys, the file is stateful, the same
# bytes twice, --resume after an interruption gives the uninterrupted bytes, a windowed
# checkpoint is refused, eval measures the same windows as a windowed model, the state is
# reset at a long gap (the forecasts after the gap are those of the file cut there), and
# progress and early stopping as in windowed training.
. "$ELSTM_ROOT/tests/lib.sh"
suite stateful-cli
E=$ELSTM
DONGSI="$BEIJING/PRSA_Data_Dongsi_20170101-20170228.csv"
head -1201 "$DONGSI" > "$T/slice.csv"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --steps 24"
SMALL="--units 8 --batch 8 --threads 2 --lr 0.005"
json_get() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$@"; }

# shellcheck disable=SC2086
if $E train "$T/slice.csv" $DATA $SMALL --epochs 3 --stateful -o "$T/a.tflite" --json >"$T/a.json" 2>"$T/a.err"; then
  ok "train --stateful on a real slice succeeds"
else
  not_ok "train --stateful on a real slice succeeds" "$(tail -3 "$T/a.err")"
fi
grep -q 'Training a stateful LSTM(8) + Dense(1) on the 840 rows of the training split, 7 inputs, as up to 8 streams in chunks of 24 steps' "$T/a.err" \
  && ok "train says what it trains: streams, chunks" || not_ok "stateful banner" "$(head -2 "$T/a.err")"
grep -q '^Epoch 3/3 - .* - loss: .* - val_loss: ' "$T/a.err" && ok "one Keras-style line per epoch" || not_ok "epoch lines" "$(head -5 "$T/a.err")"
if "$PY" - "$T/a.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["epochs_run"] == 3 and d["val_loss"] > 0 and d["test"]["stateful"] is True and d["test"]["n"] > 0
EOF
then ok "train --json: the test split evaluated sample by sample"; else not_ok "train --json" "$(head -c 300 "$T/a.json")"; fi
$E inspect "$T/a.tflite" --json >"$T/i.json"
[ "$(json_get "$T/i.json" '["inputs"][0]["shape"]')" = "[1, 1, 7]" ] && [ "$(json_get "$T/i.json" '["stateful"]')" = True ] \
  && [ "$(json_get "$T/i.json" '["metadata"]["edgelstm"]["stateful"]')" = True ] \
  && ok "the file takes one sample per invoke and its metadata says stateful" || not_ok "stateful file" "$(head -c 300 "$T/i.json")"

# eval: the same windows, targets and baselines as a windowed model of the same options
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA $SMALL --epochs 1 -o "$T/w.tflite" >/dev/null 2>&1
$E eval "$T/w.tflite" "$T/slice.csv" --json >"$T/ew.json" 2>&1
$E eval "$T/a.tflite" "$T/slice.csv" --json >"$T/es.json" 2>&1
if "$PY" - "$T/ew.json" "$T/es.json" "$T/a.json" <<'EOF'
import json, sys
w, s, a = (json.load(open(p)) for p in sys.argv[1:4])
assert s["stateful"] is True and "stateful" not in w
assert s["n"] == w["n"] and s["persistence"] == w["persistence"] and s["seasonal"] == w["seasonal"]
assert abs(s["rmse"] - a["test"]["rmse"]) < 1e-9 and s["rmse"] != w["rmse"]
EOF
then ok "eval of a stateful model: the windowed model's windows and baselines, train's test metrics"
else not_ok "stateful eval" "$(head -c 300 "$T/es.json")"; fi
$E eval "$T/a.tflite" "$T/slice.csv" | head -1 | grep -q 'test split: .* windows, errors in TEMP.s units (stateful: one step per sample, the state carried)' \
  && ok "eval's text says the model ran sample by sample" || not_ok "eval text" "$($E eval "$T/a.tflite" "$T/slice.csv" 2>&1 | head -2)"

# determinism and resume
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA $SMALL --epochs 3 --stateful -o "$T/b.tflite" >/dev/null 2>&1
cmp -s "$T/a.tflite" "$T/b.tflite" && ok "the same options give the same bytes" || not_ok "stateful determinism" "differ"
# shellcheck disable=SC2086
ELSTM_TEST_STOP_AFTER_EPOCH=1 expect_fail 1 "an interrupted stateful run exits 1" \
  $E train "$T/slice.csv" $DATA $SMALL --epochs 3 --stateful -o "$T/r.tflite"
[ -f "$T/r.tflite.ckpt" ] && ok "the interrupted run keeps its checkpoint" || not_ok "checkpoint kept" "$(ls "$T")"
# shellcheck disable=SC2086
expect_fail 1 "a stateful checkpoint does not resume a windowed run" \
  $E train "$T/slice.csv" $DATA $SMALL --epochs 3 -o "$T/r.tflite" --resume
case "$ERR" in *"other data or options"*"without --resume"*) ok "and says to start again" ;; *) not_ok "resume refusal text" "$ERR" ;; esac
# shellcheck disable=SC2086
if $E train "$T/slice.csv" $DATA $SMALL --epochs 3 --stateful -o "$T/r.tflite" --resume --json >"$T/r.json" 2>"$T/r.err"; then
  ok "--resume completes the stateful run"
else
  not_ok "--resume completes the stateful run" "$(tail -2 "$T/r.err")"
fi
[ "$(json_get "$T/r.json" '["resumed_from"]')" = 1 ] && cmp -s "$T/a.tflite" "$T/r.tflite" \
  && ok "resumed stateful run = uninterrupted run, byte for byte" || not_ok "stateful resume bytes" "differ"

# early stopping restores the best epoch
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA --units 8 --batch 8 --threads 2 --lr 0.2 --epochs 8 --patience 1 --stateful -o "$T/p.tflite" --json >"$T/p.json" 2>"$T/p.err"
if "$PY" - "$T/p.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["early_stopped"] and d["best_epoch"] < d["epochs_run"] <= 8
EOF
then ok "early stopping ends a stateful run and restores the best epoch"; else not_ok "stateful early stopping" "$(tail -3 "$T/p.err")"; fi

# a long gap resets the state: after it, the forecasts are those of the file cut at the gap
{ head -601 "$T/slice.csv"; sed -n '613,1201p' "$T/slice.csv"; } > "$T/gap.csv"
{ head -1 "$T/slice.csv"; sed -n '613,1201p' "$T/slice.csv"; } > "$T/after.csv"
$E predict "$T/a.tflite" "$T/gap.csv" --json >"$T/pg.json" 2>"$T/pg.err"
$E predict "$T/a.tflite" "$T/after.csv" --json >"$T/pa.json" 2>"$T/pa.err"
if "$PY" - "$T/pg.json" "$T/pa.json" <<'EOF'
import json, sys
g = {f["time"]: f["normalized"] for f in json.load(open(sys.argv[1]))["forecasts"]}
a = {f["time"]: f["normalized"] for f in json.load(open(sys.argv[2]))["forecasts"]}
assert len(a) > 500 and all(t in g and g[t] == v for t, v in a.items()), "after the gap"
before = [t for t in g if t not in a]
assert len(before) > 500
EOF
then ok "a long gap resets the state (forecasts after it = those of the file cut there)"
else not_ok "gap reset" "$(head -c 300 "$T/pg.err")"; fi
# what a stateful model cannot be (yet): usage errors, nothing written
for opt in "--horizons 3" "--target-mode delta" "--intervals 80"; do
  # shellcheck disable=SC2086
  expect_fail 2 "--stateful with $opt is a usage error" $E train "$T/slice.csv" $DATA $SMALL --epochs 1 --stateful $opt -o "$T/no.tflite" &&
    { case "$ERR" in *"--stateful trains a one-output model of the value on one file"*) [ ! -e "$T/no.tflite" ] &&
        ok "... saying what --stateful trains, and no file written ($opt)" || not_ok "no file ($opt)" "";;
      *) not_ok "the sentence ($opt)" "$ERR";; esac; }
done
# shellcheck disable=SC2086
expect_fail 2 "--stateful on several files is a usage error" $E train "$T/slice.csv" "$T/slice.csv" $DATA $SMALL --epochs 1 --stateful -o "$T/no.tflite"
# exact-sum (--deterministic) training is windowed: refused with --stateful, before anything is read or written
# shellcheck disable=SC2086
expect_fail 2 "--stateful with --deterministic is a usage error" $E train "$T/slice.csv" $DATA $SMALL --epochs 1 --stateful --deterministic -o "$T/no.tflite" &&
  { case "$ERR" in *"--deterministic does not apply to --stateful"*) [ ! -e "$T/no.tflite" ] &&
      ok "... saying that --deterministic does not apply to --stateful, and no file written" || not_ok "no file (--deterministic)" "";;
    *) not_ok "the sentence (--deterministic)" "$ERR";; esac; }
# the integer scheme is windowed: quantize refuses a stateful model by name, and writes nothing
expect_fail 1 "quantize refuses a stateful model" $E quantize "$T/a.tflite" "$T/slice.csv" -o "$T/q.tflite" &&
  { case "$ERR" in *"stateful"*) [ ! -e "$T/q.tflite" ] && ok "... saying it is stateful, and no file written" ||
      not_ok "no file (quantize)" "";; *) not_ok "the sentence (quantize)" "$ERR";; esac; }
# --stateful has its own recipe (8 streams, rate 0.005 held constant): without --batch, --lr
# and --lr-decay it trains the bytes of the explicit recipe, and says 8 streams
# shellcheck disable=SC2086
if $E train "$T/slice.csv" $DATA --units 8 --threads 2 --epochs 2 --stateful -o "$T/d1.tflite" 2>"$T/d1.err" >/dev/null &&
   $E train "$T/slice.csv" $DATA --units 8 --threads 2 --epochs 2 --stateful --batch 8 --lr 0.005 --lr-decay 1 \
     --patience 30 -o "$T/d2.tflite" 2>/dev/null >/dev/null; then
  cmp -s "$T/d1.tflite" "$T/d2.tflite" && grep -q 'as up to 8 streams' "$T/d1.err" &&
    ok "train --stateful's defaults are --batch 8 --lr 0.005 --lr-decay 1" ||
    not_ok "stateful defaults" "$(head -1 "$T/d1.err")"
  # shellcheck disable=SC2086
  $E train "$T/slice.csv" $DATA --units 8 --threads 2 --epochs 2 --stateful --lr 0.001 -o "$T/d3.tflite" 2>/dev/null >/dev/null
  cmp -s "$T/d1.tflite" "$T/d3.tflite" && not_ok "an explicit --lr wins over the stateful default" "same bytes" ||
    ok "an explicit --lr wins over the stateful default"
else not_ok "train --stateful with its defaults" "$(tail -2 "$T/d1.err")"; fi
done_suite
