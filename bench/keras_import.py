#!/usr/bin/env python3
"""keras_import.py - the seed's model as a Keras user makes it today, through edgelstm.

Keras 3 (TensorFlow 2.21's `tf.keras`): Sequential([LSTM(128), Dense(1)]) over 168 hours x 7
inputs, trained the seed notebook's way (min-max scaler of the first 70% of the rows, adam,
mse, batch 32; EPOCHS epochs, 2 by default: the figures are about the import, not the
model's quality) on real data, then converted with the one change today's converter needs,
a fixed batch size of 1. The same model in the converter's dynamic-range variant
(optimizations=[tf.lite.Optimize.DEFAULT]: int8 weights). Then, with edgelstm:

  inspect   the WHILE loop recognised as an LSTM, the parameter count (Keras: 69,761)
  run       against ai-edge-litert (its builtin kernels, its reference kernels and its
            default XNNPACK delegate) on the file's last 11 windows: largest difference
  adopt     the data's columns and the notebook's scaler
  predict   --last against ai-edge-litert on the same window
  eval      test RMSE beside persistence
  quantize  (when the build has it) full int8, eval again
  deploy    the c library: the example prints what predict --last gives
  profile   the emulated Cortex-M4F: instructions per MAC, the board's forecast

Usage (TensorFlow, tf_keras and ai-edge-litert from the bench venv: sh tools/venv.sh bench):
    .venv/bin/python bench/keras_import.py [DATA.csv --time COLS --target COL --features LIST]
Without arguments: the Beijing excerpt in the repository (Changping, 2016-12 to 2017-02,
TEMP from TEMP, PRES, DEWP, RAIN, WSPM, wd). Prints one JSON object (the figures
docs/keras.md quotes) and a short table.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
E = os.path.join(ROOT, "build", "edgelstm")
COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
EPOCHS = int(os.environ.get("EPOCHS", "2"))


def edgelstm(*args):
    r = subprocess.run([E, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"edgelstm {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def load(path, time_cols, target, features):
    """The notebook's inputs: numeric columns, a compass column as sin/cos, missing values
    interpolated in time; the scaler from the first 70% of the rows."""
    import numpy as np
    rows = list(csv.DictReader(open(path)))
    cols, names = {}, []
    for f in features:
        vals = [r[f] for r in rows]
        if all(v in COMPASS or v in ("NA", "") for v in vals):
            deg = np.array([COMPASS.index(v) * 22.5 if v in COMPASS else np.nan for v in vals])
            cols[f + "_sin"], cols[f + "_cos"] = np.sin(np.radians(deg)), np.cos(np.radians(deg))
            names += [f + "_sin", f + "_cos"]
        else:
            cols[f] = np.array([float(v) if v not in ("NA", "", "NaN") else np.nan for v in vals])
            names.append(f)
    n = len(rows)
    n_train = int(np.floor(n * 0.7 + 1e-6))
    lo = {c: float(np.nanmin(cols[c][:n_train])) for c in names}
    hi = {c: float(np.nanmax(cols[c][:n_train])) for c in names}
    t = np.arange(n)
    for c in names:
        ok = ~np.isnan(cols[c])
        cols[c] = np.interp(t, t[ok], cols[c][ok])
    rng = np.array([hi[c] - lo[c] for c in names])
    X = np.where(rng > 0, (np.stack([cols[c] for c in names], 1) - np.array([lo[c] for c in names])) /
                 np.where(rng > 0, rng, 1), 0).astype(np.float32)
    return X, names, names.index(target), n_train, lo, hi


def main():
    # TensorFlow and Keras print progress on stdout; the JSON result alone goes there
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        res = measure()
    finally:
        sys.stdout = real_stdout
    print(json.dumps(res, indent=1))
    f = res["float"]
    print(f"\nKeras 3 LSTM(128)+Dense(1), {res['steps']}x{res['inputs']}: {f['bytes']} B, ops {f['ops']}, params "
          f"{f['params']} (Keras {res['keras_params']}); run vs LiteRT builtin {f['vs_litert_builtin']:.2e}, "
          f"default {f['vs_litert_default']:.2e}; Cortex-M4F {f['profile']['instructions_per_mac']:.3f} instr/MAC",
          file=sys.stderr)


def measure():
    args = sys.argv[1:]
    if not args:
        data = os.path.join(ROOT, "tests", "fixtures", "beijing", "PRSA_Data_Changping_20161201-20170228.csv")
        time_cols, target, features = "year,month,day,hour", "TEMP", "TEMP,PRES,DEWP,RAIN,WSPM,wd"
    else:
        data = args[0]
        time_cols, target, features = args[args.index("--time") + 1], args[args.index("--target") + 1], \
            args[args.index("--features") + 1]
    import keras
    import numpy as np
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    X, names, ti, n_train, lo, hi = load(data, time_cols, target, features.split(","))
    T, I = 168, len(names)
    starts = np.arange(0, n_train - T)
    Xw = np.stack([X[s:s + T] for s in starts])
    yw = X[starts + T, ti:ti + 1]
    keras.utils.set_random_seed(42)
    train = keras.Sequential([keras.Input(shape=(T, I)), keras.layers.LSTM(128), keras.layers.Dense(1)])
    train.compile(optimizer="adam", loss="mse")
    t0 = time.time()
    train.fit(Xw, yw, epochs=EPOCHS, batch_size=32, verbose=0)
    fit_s = time.time() - t0
    model = keras.Sequential([keras.Input(shape=(T, I), batch_size=1), keras.layers.LSTM(128), keras.layers.Dense(1)])
    model.set_weights(train.get_weights())
    tmp = tempfile.mkdtemp(prefix="keras-import-")
    files = {}
    for kind, opt in (("float", None), ("hybrid", [tf.lite.Optimize.DEFAULT])):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if opt:
            conv.optimizations = opt
        path = os.path.join(tmp, f"seed_k3_{kind}.tflite")
        open(path, "wb").write(conv.convert())
        files[kind] = path
    with open(os.path.join(tmp, "scaler.csv"), "w") as f:
        f.write("column,min,max\n" + "".join(f"{c},{lo[c]!r},{hi[c]!r}\n" for c in names))

    res = {"data": os.path.relpath(data, ROOT), "tensorflow": tf.__version__, "keras": keras.__version__,
           "epochs": EPOCHS, "keras_fit_seconds": round(fit_s, 1), "keras_params": int(model.count_params()),
           "steps": T, "inputs": I}
    n = len(X)
    windows = [X[s:s + T][None] for s in range(n - T - 40, n - T + 1, 4)]   # the last windows of the file
    for kind, path in files.items():
        info = json.loads(edgelstm("inspect", path, "--json"))
        r = {"bytes": os.path.getsize(path), "ops": info["ops"], "params": info["params"],
             "loops": [l["kind"] for l in info.get("loops", [])]}
        for resolver, key in ((OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES, "vs_litert_builtin"),
                              (OpResolverType.BUILTIN_REF, "vs_litert_ref"),
                              (OpResolverType.AUTO, "vs_litert_default")):
            it = Interpreter(model_path=path, experimental_op_resolver_type=resolver)
            it.allocate_tensors()
            d, o = it.get_input_details()[0], it.get_output_details()[0]
            worst = 0.0
            for x in windows:
                it.reset_all_variables()
                it.set_tensor(d["index"], x)
                it.invoke()
                y = float(it.get_tensor(o["index"]).reshape(-1)[0])
                inp = os.path.join(tmp, "x.csv")
                np.savetxt(inp, x.reshape(1, -1), delimiter=",", fmt="%.9g")
                mine = json.loads(edgelstm("run", path, inp, "--json"))["output"][0]
                worst = max(worst, abs(mine - y))
            r[key] = worst
        r["vs_keras"] = max(abs(float(model.predict(x, verbose=0)[0, 0]) -
                                json.loads(edgelstm("run", path, os.path.join(tmp, "x.csv"), "--json"))["output"][0])
                            for x in windows[-1:])
        # adopt (the notebook's scaler, given and computed), predict, eval
        adopted = os.path.join(tmp, f"adopted_{kind}.tflite")
        a = json.loads(edgelstm("adopt", path, data, "--time", time_cols, "--target", target, "--features", features,
                                "-o", adopted, "--json"))
        p = json.loads(edgelstm("predict", adopted, data, "--last", "--json"))
        it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], windows[-1])
        it.invoke()
        y_last = float(it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)[0])
        r["predict_last_vs_litert"] = abs(p["normalized"] - y_last)
        r["eval"] = a["eval"]
        # deploy, the example on the host, profile on the emulated core
        lib = os.path.join(tmp, f"lib_{kind}")
        edgelstm("deploy", adopted, "--target", "c", "--name", "seed_k3", "--sample", data, "-o", lib)
        subprocess.run(["make", "-s", "-C", lib, "CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror -pedantic -DEXAMPLE_DIGITS=9"],
                       check=True, capture_output=True)
        sb = subprocess.run([os.path.join(lib, "static_buffer")], capture_output=True, text=True).stdout
        v = [float(l.split(":")[1]) for l in sb.splitlines() if l.startswith("  value:")]
        r["static_buffer_vs_predict"] = abs(v[0] - p["normalized"]) if v else None
        prof = json.loads(edgelstm("profile", adopted, "--json"))
        r["profile"] = {k: prof.get(k) for k in ("macs", "weight_bytes", "arena_bytes", "code_bytes", "instructions",
                                                 "instructions_per_mac", "forecast_device", "forecast_host",
                                                 "estimated_ms")}
        # quantize, where this build has it
        help_ = subprocess.run([E, "help"], capture_output=True, text=True).stdout
        if " quantize " in help_:
            q = os.path.join(tmp, f"int8_{kind}.tflite")
            qr = subprocess.run([E, "quantize", adopted, data, "-o", q], capture_output=True, text=True)
            if qr.returncode == 0:
                r["int8"] = {"bytes": os.path.getsize(q), "eval": json.loads(edgelstm("eval", q, data, "--json"))}
                qp = subprocess.run([E, "profile", q, "--json"], capture_output=True, text=True)
                if qp.returncode == 0:
                    r["int8"]["profile"] = {k: json.loads(qp.stdout).get(k) for k in ("instructions_per_mac",
                                                                                       "weight_bytes", "arena_bytes")}
            else:
                r["int8"] = {"error": qr.stderr.strip()}
        res[kind] = r
    return res


if __name__ == "__main__":
    main()
