#!/bin/sh
# A plain Keras 3 model (LSTM(12) -> Dense(1), batch size 1: a WHILE loop) trained on the
# Beijing excerpt (tests/fixtures/keras/adopt_k3.*, made by tools/make_keras_fixtures.py),
# taken the way docs/keras.md tells a Keras user: adopt -> deploy --sample -> the emulated
# Cortex-M4F (QEMU mps2-an386), which must print ai-edge-litert's recorded output for the
# file's last window; profile measures it on the core and gets the host's forecast
# (for its own window, within 1e-6: the core's kernel fuses multiply-adds). Then
# quantize: the int8 file gives TFLite Micro's outputs, stays near the float model, and
# its library prints on the core what `predict --last` prints, bit for bit.
. "$ELSTM_ROOT/tests/lib.sh"
suite keras_mcu
FIX="$ELSTM_ROOT/tests/fixtures/keras"
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"
STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"
rec() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['last_window']['scaler'][sys.argv[2]])" "$FIX/adopt_k3.json" "$1"; }
# on_core NAME MODEL: deploy --sample, build strictly for the core, run static_buffer on QEMU;
# sets GOT (value:) and TEMP_GOT (TEMP:), or returns 1 with the errors in $T/NAME.err
on_core() {
  "$ELSTM" deploy "$2" --target c --name "$1" --sample "$F" -o "$T/$1" > "$T/$1.err" 2>&1 &&
  arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/$1" -c -o "$T/$1.o" "$T/$1/$1.c" 2>> "$T/$1.err" &&
  m4_static_buffer "$T/$1" "$T/$1.o" "$T/$1.elf" 2>> "$T/$1.err" &&
  run_qemu "$T/$1.elf" "$T/$1.out" || { cat "$T/$1.out" >> "$T/$1.err" 2>/dev/null; return 1; }
  GOT=$(awk '$1 == "value:" { print $2 }' "$T/$1.out"); TEMP_GOT=$(awk '$1 == "TEMP:" { print $2 }' "$T/$1.out")
}

cortex_m4
WANT=$(rec normalized); WANT_TEMP=$(rec value)

check "adopt gives the Keras 3 file its data description" \
  "$ELSTM" adopt "$FIX/adopt_k3.tflite" "$F" --time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd \
  -o "$T/k3.tflite"
if on_core k3 "$T/k3.tflite"; then
  near "$GOT" "$WANT" 1e-5 && ok "QEMU: the Keras 3 model's library prints ai-edge-litert's output for the last window (got $GOT, want $WANT)" ||
    not_ok "QEMU: the library prints ai-edge-litert's output" "got '$GOT', want $WANT"
  # the example prints degrees with 2 decimals
  near "$TEMP_GOT" "$WANT_TEMP" 0.006 && ok "QEMU: ... and TEMP in degrees ($TEMP_GOT, LiteRT's output unscaled: $WANT_TEMP)" ||
    not_ok "QEMU: TEMP in degrees" "got '$TEMP_GOT', want $WANT_TEMP"
else not_ok "QEMU: the adopted Keras 3 model's library deploys, builds strictly for Cortex-M4F and runs" "$(head -c 300 "$T/k3.err")"; fi

# profile FILE UNITS: the model measured on the emulated core; device forecast = host's
profile() {
  if "$ELSTM" profile "$1" --json > "$T/p.json" 2> "$T/p.err" && python3 - "$T/p.json" "$2" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
macs = 24 * 4 * 12 * (7 + 12) + 12   # 24 steps of LSTM(12) over 7 inputs, then Dense(1)
ok = (p["units"] == 12 and p["steps"] == 24 and p["inputs"] == 7 and p["macs"] == macs and p["instructions"] > macs
      and abs(p["forecast_device"] - p["forecast_host"]) <= float(sys.argv[2]))
sys.exit(0 if ok else 1)
PYEOF
  then ok "profile $3: the Keras 3 model on the emulated core ($(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['instructions'], 'instructions,', p['macs'], 'MACs')" "$T/p.json")), the device's forecast = the host's (within $2)"
  else not_ok "profile $3 of the adopted Keras 3 model" "$(cat "$T/p.err" "$T/p.json" | head -c 400)"; fi
}
profile "$T/k3.tflite" 1e-6 float32

# ---- quantize (int8): the adopted Keras model as a model edgelstm trained ----
if ! "$ELSTM" quantize "$T/k3.tflite" "$F" -o "$T/q8.tflite" > "$T/q.log" 2>&1; then
  not_ok "quantize takes the adopted Keras 3 model" "$(head -c 300 "$T/q.log")"; done_suite
fi
ok "quantize takes the adopted Keras 3 model (int8, calibrated on the Beijing training split)"
# the int8 file against TFLite Micro (the interpreter whose integer LSTM edgelstm follows),
# on 8 random windows inside the scaler's range
if "$PY" - "$T/q8.tflite" "$ELSTM" "$T" <<'PYEOF'
import subprocess, sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
model, elstm, tmp = sys.argv[1:4]
it = runtime.Interpreter.from_file(model)
rng = np.random.default_rng(7)
worst = 0.0
for k in range(8):
    x = rng.random((1, 24, 7)).astype(np.float32)
    it.set_input(x, 0); it.invoke(); want = float(it.get_output(0).reshape(-1)[0]); it.reset()
    path = f"{tmp}/qx{k}.csv"
    open(path, "w").write(",".join(repr(float(v)) for v in x.reshape(-1)) + "\n")
    r = subprocess.run([elstm, "run", model, path], capture_output=True, text=True)
    got = float(r.stdout.split()[-1])
    worst = max(worst, abs(got - want))
print(f"worst {worst:.3g}")
sys.exit(0 if worst <= 1e-6 else 1)
PYEOF
then ok "run of the quantized Keras model gives TFLite Micro's outputs (1e-6)"
else not_ok "run of the quantized Keras model = TFLite Micro" "see above"; fi
QV=$("$ELSTM" predict "$T/q8.tflite" "$F" --last --json | python3 -c "import json,sys; print('%.9g' % json.load(sys.stdin)['normalized'])")
near "$QV" "$WANT" 0.05 && ok "the int8 forecast of the last window is near the float one ($QV, float $WANT)" ||
  not_ok "the int8 forecast near the float one" "int8 '$QV', float $WANT"
if on_core q8 "$T/q8.tflite"; then
  [ "$GOT" = "$QV" ] && ok "QEMU: the int8 library of the Keras model prints predict --last's value, bit for bit ($QV)" ||
    not_ok "QEMU: int8 library = predict --last" "got '$GOT', want '$QV'"
else not_ok "QEMU: the quantized Keras model's library deploys, builds strictly and runs" "$(head -c 300 "$T/q8.err")"; fi
profile "$T/q8.tflite" 0 int8
done_suite
