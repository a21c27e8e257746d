#!/bin/sh
# train / eval / predict end to end: real data slice with --json keys, determinism,
# early stopping writes the best epoch, --resume after an interruption (test hook and a
# real SIGTERM), divergence, eval baselines on hand-computable series, bad input.
. "$ELSTM_ROOT/tests/lib.sh"
suite train-cli
E=$ELSTM
# 1200 real hours (2017-01-01 to 2017-02-19, with missing TEMP and wd values) of the excerpt
DONGSI="$BEIJING/PRSA_Data_Dongsi_20170101-20170228.csv"
head -1201 "$DONGSI" > "$T/slice.csv"
[ "$(wc -l < "$T/slice.csv")" -eq 1201 ] && ok "the real slice has 1200 rows" || not_ok "the real slice has 1200 rows" "$DONGSI: $(wc -l < "$T/slice.csv") lines"
DATA="--time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd --steps 24"
SMALL="--units 8 --epochs 2 --batch 16 --threads 2"
json_get() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d'+sys.argv[2]))" "$@"; }

# --- end to end on a real slice, --json keys --------------------------------------------
# shellcheck disable=SC2086
if $E train "$T/slice.csv" $DATA $SMALL -o "$T/a.tflite" --json >"$T/a.json" 2>"$T/a.err"; then
  ok "train on a real slice succeeds"
else
  not_ok "train on a real slice succeeds" "$(tail -3 "$T/a.err")"
fi
if "$PY" - "$T/a.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("epochs_run", "best_epoch", "val_loss", "train_seconds", "windows_per_second", "test"):
    assert k in d, k
assert d["epochs_run"] == 2 and 1 <= d["best_epoch"] <= 2 and d["val_loss"] > 0 and d["windows_per_second"] > 0
t = d["test"]
for k in ("split", "n", "mae", "rmse", "r2", "persistence", "seasonal"):
    assert k in t, k
assert t["split"] == "test" and t["n"] > 0 and t["rmse"] >= t["mae"] > 0
assert t["persistence"]["rmse"] > 0 and t["seasonal"]["mae"] > 0
EOF
then ok "train --json has the documented keys and sane values"; else not_ok "train --json keys" "$(cat "$T/a.json" | head -c 300)"; fi
[ -f "$T/a.tflite" ] && [ ! -f "$T/a.tflite.ckpt" ] && ok "the model is written and the checkpoint removed" || not_ok "model and checkpoint" "$(ls "$T")"
grep -q '^Epoch 2/2 - .* - loss: .* - val_loss: ' "$T/a.err" && ok "one Keras-style line per epoch" || not_ok "epoch lines" "$(head -5 "$T/a.err")"
if grep -q "$(printf '\r')" "$T/a.err"; then not_ok "no carriage returns when stderr is not a terminal" "found"; else ok "no carriage returns when stderr is not a terminal"; fi

# on a terminal: a bar redrawn in place (script(1) gives the command a pseudo-terminal)
if command -v script >/dev/null 2>&1; then
  script -qec "$E train '$T/slice.csv' $DATA $SMALL -o '$T/tty.tflite'" "$T/tty.log" >/dev/null 2>&1
  if grep -q "$(printf '\r\033')\[KEpoch 1 \[.*\] [0-9]*/[0-9]* - ETA .* - loss: " "$T/tty.log" && grep -q '^Epoch 2/2 - \|Epoch 2/2 - ' "$T/tty.log"; then
    ok "on a terminal a progress bar is redrawn in place, then the epoch line"
  else
    not_ok "terminal progress bar" "$(head -c 400 "$T/tty.log" | od -c | head -5)"
  fi
fi

# eval reproduces the test object of train
$E eval "$T/a.tflite" "$T/slice.csv" --json >"$T/ev.json" 2>"$T/ev.err"
if "$PY" - "$T/a.json" "$T/ev.json" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["test"]; b = json.load(open(sys.argv[2]))
assert a["n"] == b["n"] and abs(a["rmse"] - b["rmse"]) < 1e-6 and abs(a["persistence"]["mae"] - b["persistence"]["mae"]) < 1e-9
EOF
then ok "eval of the written model reproduces train's test metrics"; else not_ok "eval = train's test" "$(cat "$T/ev.err")"; fi

# --- determinism ----------------------------------------------------------------------
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA $SMALL -o "$T/b.tflite" >/dev/null 2>&1
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA $SMALL --seed 7 -o "$T/c.tflite" >/dev/null 2>&1
[ -s "$T/a.tflite" ] && cmp -s "$T/a.tflite" "$T/b.tflite" && ok "same seed, data and threads: byte-identical model" || not_ok "determinism" "files differ"
if [ -s "$T/c.tflite" ] && ! cmp -s "$T/a.tflite" "$T/c.tflite"; then ok "another seed gives another model"; else not_ok "another seed gives another model" "identical or missing"; fi

# --- resume after an interruption (test hook) gives the uninterrupted bytes ----------------
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA --units 8 --epochs 4 --batch 16 --threads 2 --patience 0 -o "$T/full.tflite" >/dev/null 2>&1
ELSTM_TEST_STOP_AFTER_EPOCH=2 expect_fail 1 "an interrupted run exits 1" \
  $E train "$T/slice.csv" $DATA --units 8 --epochs 4 --batch 16 --threads 2 --patience 0 -o "$T/r.tflite"
case "$ERR" in *"interrupted in epoch 3"*"--resume"*) ok "the interruption says where and how to resume" ;;
  *) not_ok "interruption message" "$ERR" ;; esac
[ -f "$T/r.tflite" ] && [ -f "$T/r.tflite.ckpt" ] && ok "an interrupted run keeps the model and the checkpoint" || not_ok "kept files" "$(ls "$T")"
# shellcheck disable=SC2086
if $E train "$T/slice.csv" $DATA --units 8 --epochs 4 --batch 16 --threads 2 --patience 0 -o "$T/r.tflite" --resume --json >"$T/r.json" 2>"$T/r.err"; then
  ok "--resume completes the run"
else
  not_ok "--resume completes the run" "$(tail -2 "$T/r.err")"
fi
[ "$(json_get "$T/r.json" '["resumed_from"]')" = 2 ] && ok "--resume continues after epoch 2" || not_ok "resumed_from" "$(cat "$T/r.json" | head -c 200)"
[ -s "$T/full.tflite" ] && cmp -s "$T/full.tflite" "$T/r.tflite" && ok "resumed run = uninterrupted run, byte for byte" || not_ok "resume bytes" "differ"
expect_fail 1 "--resume without a checkpoint is refused" \
  $E train "$T/slice.csv" $DATA --units 8 --epochs 4 -o "$T/r.tflite" --resume
ELSTM_TEST_STOP_AFTER_EPOCH=1 $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 -o "$T/m.tflite" >/dev/null 2>&1
expect_fail 1 "--resume with other options is refused" \
  $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 --lr 0.01 -o "$T/m.tflite" --resume
case "$ERR" in *"other data or options"*) ok "the refusal says the checkpoint does not match" ;; *) not_ok "mismatch message" "$ERR" ;; esac

# --- a real SIGTERM: the run stops cleanly and keeps a usable model ---------------------------
$E train "$T/slice.csv" $DATA --units 16 --epochs 200 --batch 8 --threads 2 --patience 0 -o "$T/s.tflite" >"$T/s.out" 2>"$T/s.err" &
pid=$!
n=0
while [ ! -f "$T/s.tflite.ckpt" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
kill -TERM $pid 2>/dev/null
wait $pid; rc=$?
[ $rc -eq 1 ] && grep -q 'interrupted' "$T/s.err" && ok "SIGTERM stops training with exit 1 and a message" || not_ok "SIGTERM" "rc $rc: $(tail -2 "$T/s.err")"
$E eval "$T/s.tflite" "$T/slice.csv" --json >"$T/s.json" 2>/dev/null &&
  "$PY" -c "import json,sys,math; d=json.load(open(sys.argv[1])); assert d['n'] > 0 and math.isfinite(d['mae'])" "$T/s.json" &&
  ok "the model left by SIGTERM is usable (finite errors)" || not_ok "model after SIGTERM" "eval failed"
[ "$(grep -c '^edgelstm:' "$T/s.err")" -eq 1 ] && ok "the interruption is one message" || not_ok "interruption: one message" "$(grep '^edgelstm:' "$T/s.err")"

# --- a path that cannot be written fails before training, not after an epoch -----------------
mkdir -p "$T/adir" "$T/ck.tflite.ckpt"
expect_fail 1 "-o naming a directory fails at once" $E train "$T/slice.csv" $DATA $SMALL -o "$T/adir"
case "$ERR" in *"is a folder"*) ok "and says it is a folder" ;; *) not_ok "directory message" "$ERR" ;; esac
[ ! -e "$T/adir.ckpt" ] && ok "and leaves no checkpoint" || not_ok "no checkpoint for a directory" "$(ls "$T")"
expect_fail 1 "a checkpoint path that is a directory fails at once" $E train "$T/slice.csv" $DATA $SMALL -o "$T/ck.tflite"
[ ! -e "$T/ck.tflite" ] && ok "and writes no model" || not_ok "no model when the checkpoint cannot be written" "$(ls "$T")"
expect_fail 1 "-o in a folder that does not exist fails at once" $E train "$T/slice.csv" $DATA $SMALL -o "$T/none/m.tflite"

# --- resume: the note comes before the epoch lines; nothing left to do is said ----------------
ELSTM_TEST_STOP_AFTER_EPOCH=1 $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 --patience 0 -o "$T/rs.tflite" >/dev/null 2>&1
$E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 --patience 0 -o "$T/rs.tflite" --resume >/dev/null 2>"$T/rs.err"
if awk '/^Resumed after epoch 1$/ { r = NR } /^Epoch 2\/3/ { e = NR } END { exit !(r && e && r < e) }' "$T/rs.err"; then
  ok "'Resumed after epoch 1' comes before the first epoch line"; else not_ok "resume note order" "$(head -4 "$T/rs.err")"; fi
ELSTM_TEST_STOP_AFTER_EPOCH=2 $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 --patience 0 -o "$T/r2.tflite" >/dev/null 2>&1
$E train "$T/slice.csv" $DATA --units 8 --epochs 2 --batch 16 --patience 0 -o "$T/r2.tflite" --resume >/dev/null 2>"$T/r2.err"
grep -q "already holds 2 epochs; nothing left to train" "$T/r2.err" && ok "--resume with no epoch left says so" || not_ok "nothing left to train" "$(cat "$T/r2.err" | head -3)"

# --- a model whose weights are NaN: eval and predict refuse it ------------------------------
"$E" inspect "$T/a.tflite" --json | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["metadata"]["edgelstm"]))' > "$T/meta.json"
"$PY" - "$T/nanw.bin" <<'EOF'
import struct, sys
I, N, O, T = 7, 8, 1, 24
n = 4 * N * I + 4 * N * N + 4 * N + O * N + O
w = [0.01 * ((k * 37) % 11 - 5) for k in range(n)]
w[3] = 1234.5678   # a marker: its bytes in the exported file become a NaN below
open(sys.argv[1], "wb").write(b"ELW1" + struct.pack("<4if", I, N, O, T, 0.0) + struct.pack("<%df" % n, *w))
EOF
"$ELSTM_ROOT/${BUILD:-build}/asan/tools/export_model" "$T/nanw.bin" "$T/nanw.tflite" "$T/meta.json" >/dev/null 2>&1
"$PY" - "$T/nanw.tflite" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
mark = struct.pack("<f", 1234.5678)
assert b.count(mark) == 1, b.count(mark)
open(sys.argv[1], "wb").write(b.replace(mark, struct.pack("<f", float("nan"))))
EOF
expect_fail 1 "eval refuses a model with NaN weights" $E eval "$T/nanw.tflite" "$T/slice.csv"
case "$ERR" in *"nanw.tflite"*"NaN or infinite"*) ok "eval: the message names the file and the NaN weights" ;; *) not_ok "NaN weights message" "$ERR" ;; esac
expect_fail 1 "predict --last refuses a model with NaN weights" $E predict "$T/nanw.tflite" "$T/slice.csv" --last

# --- divergence -----------------------------------------------------------------------
ELSTM_TEST_POISON_AFTER_EPOCH=1 expect_fail 1 "a run that blows up exits 1" \
  $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --batch 16 -o "$T/n.tflite"
case "$ERR" in *"diverged"*"epoch 2, batch"*"best weights so far (epoch 1"*) ok "the divergence message names epoch and batch and the kept model" ;;
  *) not_ok "divergence message" "$ERR" ;; esac
[ "$(printf '%s\n' "$ERR" | grep -c '^edgelstm:')" -eq 1 ] && ok "the divergence is one message" || not_ok "divergence: one message" "$ERR"
[ ! -f "$T/n.tflite.ckpt" ] && ok "after divergence the checkpoint is removed (resuming would repeat it)" || not_ok "checkpoint after divergence" "kept"
# the kept model is epoch 1's: the weights of a 1-epoch run (the files differ only in the
# training record's epoch limit; intervals are calibrated when a run ends, so a run that
# diverged has none: --intervals none), so every forecast is the same
# shellcheck disable=SC2086
$E train "$T/slice.csv" $DATA --units 8 --epochs 1 --batch 16 --intervals none -o "$T/n1.tflite" >/dev/null 2>&1
$E predict "$T/n.tflite" "$T/slice.csv" >"$T/n.csv" 2>/dev/null
$E predict "$T/n1.tflite" "$T/slice.csv" >"$T/n1.csv" 2>/dev/null
[ -s "$T/n.csv" ] && cmp -s "$T/n.csv" "$T/n1.csv" && ok "the last good model is kept after divergence (= the 1-epoch model)" || not_ok "model after divergence" "differs from the 1-epoch model"
expect_fail 1 "a learning rate that blows up at once exits 1" \
  $E train "$T/slice.csv" $DATA --units 8 --epochs 3 --lr 1e30 -o "$T/n2.tflite"
case "$ERR" in *"diverged"*"no model was written"*) ok "and says no model was written" ;; *) not_ok "message" "$ERR" ;; esac
[ ! -f "$T/n2.tflite" ] && ok "no model file after immediate divergence" || not_ok "no model" "file exists"

# --- early stopping: the val split wants the opposite of training --------------------------
# feature a = sin(2 pi t / 24); target y = a in the training rows, -a afterwards
"$PY" - "$T/flip.csv" <<'EOF'
import math, sys
rows = 600
with open(sys.argv[1], "w") as f:
    f.write("time,a,y\n")
    for t in range(rows):
        a = math.sin(2 * math.pi * t / 24)
        y = a if t < int(rows * 0.7) else -a
        f.write("2020-01-%02dT%02d:00:00,%.6f,%.6f\n" % (1 + t // 24, t % 24, a, y))
EOF
if $E train "$T/flip.csv" --time time --target y --features a --steps 6 --units 8 --epochs 40 --patience 2 --lr 0.01 --batch 16 -o "$T/es.tflite" --json >"$T/es.json" 2>"$T/es.err"; then
  ok "early-stopping run succeeds"; else not_ok "early-stopping run" "$(tail -2 "$T/es.err")"; fi
be=$(json_get "$T/es.json" '["best_epoch"]'); er=$(json_get "$T/es.json" '["epochs_run"]')
[ "$er" -lt 40 ] && [ "$er" -eq $((be + 2)) ] && ok "early stopping ends 2 epochs after the best ($be)" || not_ok "early stop epochs" "best $be run $er"
grep -q "Early stopping: val_loss did not improve for 2 epochs; restored the weights of epoch $be" "$T/es.err" \
  && ok "early stopping says which epoch's weights were restored" || not_ok "early stop line" "$(tail -4 "$T/es.err")"
$E eval "$T/es.tflite" "$T/flip.csv" --split val --json >"$T/esv.json" 2>/dev/null
if "$PY" - "$T/es.json" "$T/esv.json" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
# target range on the training rows is [-1, 1]: normalized MSE = (rmse / 2)^2
got = (b["rmse"] / 2.0) ** 2
assert abs(got - a["val_loss"]) <= 1e-4 * a["val_loss"] + 1e-7, (got, a["val_loss"])
EOF
then ok "the written model has the best epoch's val_loss (eval agrees)"; else not_ok "best weights written" "$(cat "$T/esv.json" | head -c 200)"; fi

# --- eval baselines on hand-computable series -----------------------------------------------
ramp() { # FILE STEP_SECONDS ROWS: y = row index
  "$PY" - "$@" <<'EOF'
import sys, datetime
path, step, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = datetime.datetime(2021, 1, 1)
with open(path, "w") as f:
    f.write("time,y\n")
    for r in range(rows):
        f.write("%s,%d\n" % ((t0 + datetime.timedelta(seconds=step * r)).strftime("%Y-%m-%d %H:%M:%S"), r))
EOF
}
ramp "$T/ramp.csv" 3600 400
ramp "$T/ramp30.csv" 1800 600
ramp "$T/ramp7h.csv" 25200 300
for f in ramp ramp30 ramp7h; do
  $E train "$T/$f.csv" --time time --target y --features y --steps 30 --units 4 --epochs 1 -o "$T/$f.tflite" >/dev/null 2>&1
done
$E eval "$T/ramp.tflite" "$T/ramp.csv" --json >"$T/e1.json" 2>&1
$E eval "$T/ramp30.tflite" "$T/ramp30.csv" --split val --json >"$T/e2.json" 2>&1
$E eval "$T/ramp7h.tflite" "$T/ramp7h.csv" --split all --json >"$T/e3.json" 2>&1
if "$PY" - "$T/e1.json" "$T/e2.json" "$T/e3.json" <<'EOF'
import json, sys
a, b, c = (json.load(open(p)) for p in sys.argv[1:4])
assert a["split"] == "test" and a["persistence"]["mae"] == 1 and a["persistence"]["rmse"] == 1, a
assert a["seasonal"]["mae"] == 24 and a["seasonal"]["rmse"] == 24, a          # hourly: one day = 24 rows
assert b["split"] == "val" and b["seasonal"]["mae"] == 48 and b["persistence"]["mae"] == 1, b   # 30 min: 48 rows
assert c["split"] == "all" and c["seasonal"] is None and "does not divide a day" in c["note"], c
EOF
then ok "eval baselines are exact on ramps (hourly, 30-minute, 7-hour intervals)"; else not_ok "ramp baselines" "$(head -c 300 "$T/e1.json") $(head -c 300 "$T/e3.json")"; fi

# --- bad input / usage --------------------------------------------------------------------
expect_fail 2 "train without -o is a usage error" $E train "$T/slice.csv" --target TEMP
expect_fail 2 "train without --target is a usage error" $E train "$T/slice.csv" -o "$T/x.tflite"
expect_fail 2 "a bad --units is a usage error" $E train "$T/slice.csv" --target TEMP --units 0 -o "$T/x.tflite"
expect_fail 2 "a bad --lr is a usage error" $E train "$T/slice.csv" --target TEMP --lr abc -o "$T/x.tflite"
expect_fail 2 "eval --split bogus is a usage error" $E eval "$T/a.tflite" "$T/slice.csv" --split bogus
expect_fail 1 "an unwritable model path fails before training" $E train "$T/slice.csv" $DATA -o "$T/no/such/dir/m.tflite"
case "$ERR" in *"no/such/dir"*) ok "and names the path" ;; *) not_ok "unwritable path message" "$ERR" ;; esac
expect_fail 1 "eval of a missing model fails" $E eval "$T/none.tflite" "$T/slice.csv"
head -30 "$T/slice.csv" > "$T/short.csv"
expect_fail 1 "training on too few rows fails clearly" $E train "$T/short.csv" $DATA -o "$T/x.tflite"
[ ! -f "$T/x.tflite" ] && ok "no model file after a failed run" || not_ok "no model file" "exists"
# a model whose metadata is not edgelstm's: rename the metadata entry (same length)
"$PY" -c "import sys; b=open(sys.argv[1],'rb').read(); open(sys.argv[2],'wb').write(b.replace(b'edgelstm\0', b'edgelstX\0'))" "$T/a.tflite" "$T/nometa.tflite"
expect_fail 1 "eval of a model without edgelstm metadata fails" $E eval "$T/nometa.tflite" "$T/slice.csv"
case "$ERR" in *"trained by 'edgelstm train'"*) ok "and says it needs a model trained by edgelstm" ;; *) not_ok "no-metadata message" "$ERR" ;; esac
done_suite
