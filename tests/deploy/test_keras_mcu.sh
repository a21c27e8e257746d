#!/bin/sh
# A plain Keras 3 model (LSTM(12) -> Dense(1), batch size 1: a WHILE loop) trained on the
# Beijing excerpt (tests/fixtures/keras/adopt_k3.*, made by tools/make_keras_fixtures.py),
# taken the way docs/keras.md tells a Keras user: adopt -> deploy --sample -> the emulated
# Cortex-M4F (QEMU mps2-an386), which must print ai-edge-litert's recorded output for the
# file's last window; profile measures it on the core and gets the host's forecast
# (for its own window, within 1e-6: the core's kernel fuses multiply-adds).
. "$ELSTM_ROOT/tests/lib.sh"
suite keras_mcu
FIX="$ELSTM_ROOT/tests/fixtures/keras"
MCU="$ELSTM_ROOT/tools/mcu"
F="$BEIJING/PRSA_Data_Changping_20161201-20170228.csv"
CPU="-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard"
CFLAGS="$CPU -O2 -ffunction-sections -fdata-sections"
STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"
LINK="$CPU --specs=rdimon.specs -nostartfiles -T$MCU/mps2-an386.ld -Wl,--gc-sections"
QEMU="qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none -semihosting-config enable=on,target=native -icount shift=0,align=off,sleep=off -kernel"
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= t) }'; }
rec() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['last_window']['scaler'][sys.argv[2]])" "$FIX/adopt_k3.json" "$1"; }

for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v $tool >/dev/null 2>&1 || { not_ok "$tool is installed" "run tools/deps.sh"; done_suite; }
done
WANT=$(rec normalized); WANT_TEMP=$(rec value)

check "adopt gives the Keras 3 file its data description" \
  "$ELSTM" adopt "$FIX/adopt_k3.tflite" "$F" --time year,month,day,hour --target TEMP --features TEMP,PRES,DEWP,RAIN,WSPM,wd \
  -o "$T/k3.tflite"
check "deploy --sample of the adopted Keras 3 model (C library)" "$ELSTM" deploy "$T/k3.tflite" --target c --name k3 --sample "$F" -o "$T/k3"
arm-none-eabi-gcc $CFLAGS -std=gnu11 -I"$MCU" -c -o "$T/startup.o" "$MCU/startup.c"
if arm-none-eabi-gcc $CFLAGS $STRICT -I"$T/k3" -c -o "$T/k3.o" "$T/k3/k3.c" 2> "$T/cc.err" &&
   arm-none-eabi-gcc $CFLAGS $STRICT -DEI_PORTING_USER_TIMER -DEXAMPLE_DIGITS=9 -I"$T/k3" -c -o "$T/sb.o" "$T/k3/examples/static_buffer.c" 2>> "$T/cc.err" &&
   arm-none-eabi-gcc $LINK -o "$T/sb.elf" "$T/sb.o" "$T/k3.o" "$T/startup.o" -lm 2>> "$T/cc.err" &&
   timeout 120 $QEMU "$T/sb.elf" > "$T/sb.out" 2>&1; then
  got=$(awk '$1 == "value:" { print $2 }' "$T/sb.out"); temp=$(awk '$1 == "TEMP:" { print $2 }' "$T/sb.out")
  near "$got" "$WANT" 1e-5 && ok "QEMU: the Keras 3 model's library prints ai-edge-litert's output for the last window (got $got, want $WANT)" ||
    not_ok "QEMU: the library prints ai-edge-litert's output" "got '$got', want $WANT"
  # the scaler is stored as float32 in the metadata: degrees agree to that precision
  near "$temp" "$WANT_TEMP" 0.006 && ok "QEMU: ... and TEMP in degrees ($temp, LiteRT's output unscaled: $WANT_TEMP)" ||
    not_ok "QEMU: TEMP in degrees" "got '$temp', want $WANT_TEMP"
else not_ok "QEMU: the adopted Keras 3 model's library builds strictly for Cortex-M4F and runs" "$(cat "$T/cc.err" "$T/sb.out" 2>/dev/null | head -3 | tr '\n' ' ')"; fi

if "$ELSTM" profile "$T/k3.tflite" --json > "$T/p.json" 2> "$T/p.err" &&
   python3 - "$T/p.json" <<'PYEOF'
import json, sys
p = json.load(open(sys.argv[1]))
macs = 24 * 4 * 12 * (7 + 12) + 12   # 24 steps of LSTM(12) over 7 inputs, then Dense(1)
ok = (p["units"] == 12 and p["steps"] == 24 and p["inputs"] == 7 and p["macs"] == macs and p["instructions"] > macs
      and abs(p["forecast_device"] - p["forecast_host"]) <= 1e-6)
sys.exit(0 if ok else 1)
PYEOF
then ok "profile: the Keras 3 model on the emulated core ($(python3 -c "import json,sys; p=json.load(open(sys.argv[1])); print(p['instructions'], 'instructions,', p['macs'], 'MACs')" "$T/p.json")), the device's forecast = the host's (1e-6)"
else not_ok "profile of the adopted Keras 3 model" "$(cat "$T/p.err" "$T/p.json" | head -c 400)"; fi
done_suite
