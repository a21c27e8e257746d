#!/usr/bin/env python3
"""Regenerate tests/fixtures/keras/: Keras models as today's TensorFlow converts them, with
the outputs of the official TFLite interpreter (ai-edge-litert) on fixed inputs.

`make test` checks edgelstm against these files without TensorFlow
(tests/interop/test_keras_fixtures.py, tests/unit/test_keras_fixtures.c, tests/deploy/).
Only regenerating them needs it:

    sh tools/venv.sh bench                       # TensorFlow, tf_keras, ai-edge-litert in .venv
    .venv/bin/python tools/make_keras_fixtures.py

Every model is built and converted the way a Keras user does it with TensorFlow >= 2.16:
a fixed batch size of 1 (`keras.Input(shape=(steps, features), batch_size=1)`, without
which the converter fails on TensorListReserve), then
`tf.lite.TFLiteConverter.from_keras_model(model).convert()`. Keras 3 (the default `keras`)
gives WHILE loops; tf_keras (TF_USE_LEGACY_KERAS=1) gives the fused
UNIDIRECTIONAL_SEQUENCE_LSTM. Each framework runs in its own process. Weights are drawn
from a seeded uniform(-0.5, 0.5) (biases included, so the converter drops none) and the
files are small: a few units, short windows.

Fixtures (NAME.tflite + NAME.json):
  k3_lstm        Keras 3  LSTM(8) -> Dense(1), input [1,12,3]
  k3_hybrid      Keras 3  LSTM(24) -> Dense(1), [1,64,48], converted with
                 optimizations=[tf.lite.Optimize.DEFAULT]: int8 input and recurrent weights
                 (the converter keeps tensors under 1024 values in float) with one scale
                 per row, float activations ("dynamic range" / hybrid); outputs of the
                 builtin and of the reference kernels; 64 steps, so that last-bit
                 differences in the per-step quantization show in the output; the fourth
                 case is a rounding tie of the input quantization, the fifth a range whose
                 float difference rounds
  k3_stacked     Keras 3  LSTM(8, return_sequences=True) -> LSTM(6) -> Dense(1), [1,10,3]
  k3_dense24     Keras 3  LSTM(8) -> Dense(24), [1,12,3]
  k3_nobias      Keras 3  LSTM(5, use_bias=False) -> Dense(2), [1,6,2]
  k3_gru         Keras 3  GRU(6) -> Dense(1)                       (refused: GRU)
  k3_bidi        Keras 3  Bidirectional(LSTM(4)) -> Dense(1)       (refused: Bidirectional)
  k3_rnn         Keras 3  SimpleRNN(5) -> Dense(1)                 (refused: SimpleRNN)
  k3_relu        Keras 3  LSTM(4, activation="relu") -> Dense(1)   (refused: LSTM variant)
  k3_flex        Keras 3  LSTM(4) -> Dense(1), batch size left open and SELECT_TF_OPS
                 allowed: TensorFlow TensorList operators in the loop (refused, saying
                 what to change; no LiteRT outputs: ai-edge-litert cannot run them either)
  tk_stacked     tf_keras LSTM(8, return_sequences=True) -> LSTM(6) -> Dense(1), [1,10,3]
  tk_dense24     tf_keras LSTM(8) -> Dense(24), [1,12,3]
  tk_gru         tf_keras GRU(6) -> Dense(1)                       (refused: GRU)
  tk_bidi        tf_keras Bidirectional(LSTM(4)) -> Dense(1)       (refused: Bidirectional)

And for `edgelstm adopt` (tests/interop/test_adopt.py): adopt_k3.tflite, a Keras 3
LSTM(12) -> Dense(1) trained (15 epochs), the seed notebook's way, on the real Beijing excerpt
in the repository (tests/fixtures/beijing/PRSA_Data_Changping_20161201-20170228.csv):
inputs TEMP, PRES, DEWP, RAIN, WSPM and the wind direction's sin and cos (columns
interpolated in time where a value is missing), min-max scaled with the minimum and
maximum of the first 70% of the rows, 24-hour windows, target TEMP one hour after the
window. adopt_k3_scaler.csv is that scaler (column,min,max); adopt_k3_scaler_all.csv a
second one (over all rows); adopt_k3.json holds LiteRT's output for the file's last
window scaled with each, and Keras's.

NAME.json: framework and TensorFlow versions, the Keras parameter count, the operators of
the main graph, what edgelstm should do ("expect": "runs" with the forecaster's shape, or
"refused" with the layer kind its message must name), the interpreter's input/output
details, and cases {input, output, keras}: `output` from ai-edge-litert with its builtin
reference kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES, variables reset before every
invoke), `keras` from model.predict on the same input.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "keras")

# name: (framework, layers, input shape, conversion, expectation)
#   conversion: "float", "hybrid" (optimizations=[Optimize.DEFAULT]) or "flex" (batch size
#   left open, SELECT_TF_OPS allowed: the converter's TensorFlow-operator fallback)
#   layers: list of (kind, args) understood by build(); expectation: ("runs", layers, outputs)
#   or ("refused", word the message must contain)
FIXTURES = {
    "k3_lstm": ("keras3", [("LSTM", {"units": 8}), ("Dense", {"units": 1})], (12, 3), "float", ("runs", [8], 1)),
    "k3_hybrid": ("keras3", [("LSTM", {"units": 24}), ("Dense", {"units": 1})], (64, 48), "hybrid",
                  ("runs", [24], 1)),
    "k3_stacked": ("keras3", [("LSTM", {"units": 8, "return_sequences": True}), ("LSTM", {"units": 6}),
                              ("Dense", {"units": 1})], (10, 3), "float", ("runs", [8, 6], 1)),
    "k3_dense24": ("keras3", [("LSTM", {"units": 8}), ("Dense", {"units": 24})], (12, 3), "float", ("runs", [8], 24)),
    "k3_nobias": ("keras3", [("LSTM", {"units": 5, "use_bias": False}), ("Dense", {"units": 2})], (6, 2), "float",
                  ("runs", [5], 2)),
    "k3_gru": ("keras3", [("GRU", {"units": 6}), ("Dense", {"units": 1})], (6, 2), "float", ("refused", "GRU")),
    "k3_bidi": ("keras3", [("Bidirectional", {"units": 4}), ("Dense", {"units": 1})], (6, 2), "float",
                ("refused", "Bidirectional")),
    "k3_rnn": ("keras3", [("SimpleRNN", {"units": 5}), ("Dense", {"units": 1})], (6, 2), "float",
               ("refused", "SimpleRNN")),
    "k3_relu": ("keras3", [("LSTM", {"units": 4, "activation": "relu"}), ("Dense", {"units": 1})], (6, 2), "float",
                ("refused", "activation RELU")),
    "k3_flex": ("keras3", [("LSTM", {"units": 4}), ("Dense", {"units": 1})], (6, 2), "flex",
                ("refused", "TensorFlow operator")),
    "tk_stacked": ("tf_keras", [("LSTM", {"units": 8, "return_sequences": True}), ("LSTM", {"units": 6}),
                                ("Dense", {"units": 1})], (10, 3), "float", ("runs", [8, 6], 1)),
    "tk_dense24": ("tf_keras", [("LSTM", {"units": 8}), ("Dense", {"units": 24})], (12, 3), "float",
                   ("runs", [8], 24)),
    "tk_gru": ("tf_keras", [("GRU", {"units": 6}), ("Dense", {"units": 1})], (6, 2), "float", ("refused", "GRU")),
    "tk_bidi": ("tf_keras", [("Bidirectional", {"units": 4}), ("Dense", {"units": 1})], (6, 2), "float",
                ("refused", "Bidirectional")),
}

SEED = 2026


def build(keras, layers, shape, batch_size=1):
    L = keras.layers
    out = [keras.Input(shape=shape, batch_size=batch_size)]
    for kind, args in layers:
        if kind == "Bidirectional":
            out.append(L.Bidirectional(L.LSTM(**args)))
        else:
            out.append(getattr(L, kind)(**args))
    return keras.Sequential(out)


def make(framework, names):
    """Build, convert and record `names` with one framework (in this process)."""
    if framework == "tf_keras":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras
    else:
        os.environ.pop("TF_USE_LEGACY_KERAS", None)
        import keras
    import numpy as np
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    version = keras.__version__
    for name in names:
        fw, layers, shape, conversion, expect = FIXTURES[name]
        hybrid = conversion == "hybrid"
        keras.utils.set_random_seed(SEED)
        model = build(keras, layers, shape, batch_size=None if conversion == "flex" else 1)
        rng = np.random.default_rng(SEED + sum(map(ord, name)))
        model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if hybrid:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if conversion == "flex":
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
            conv._experimental_lower_tensor_list_ops = False
        data = conv.convert()
        path = os.path.join(OUT, name + ".tflite")
        with open(path, "wb") as f:
            f.write(data)

        it = Interpreter(model_path=path,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        din, dout = it.get_input_details()[0], it.get_output_details()[0]
        cases = []
        inputs = [rng.uniform(0.0, 1.0, (1,) + shape).astype(np.float32) for _ in range(3)]
        if conversion == "flex":   # ai-edge-litert has no TensorFlow operators either: Keras's answers only
            inputs = inputs[:1]
        else:
            it.allocate_tensors()
        if hybrid:
            ref = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
            ref.allocate_tensors()
        if hybrid:
            # a rounding tie in the converter's dynamic input quantization: with every x_t in
            # [0, 255/256] the scale is 1/256 and 42.5/256 lands halfway between two steps (LiteRT
            # rounds x/scale, then adds the zero point)
            tie = np.full((1,) + shape, 0.5, np.float32)
            tie[..., 0], tie[..., 1] = 255 / 256, 42.5 / 256
            inputs.append(tie)
            # a range whose float difference rounds (0.87675655 + 0.00053814): TFLite takes the
            # scale from the float difference, (max - min) in double gives the next float
            rounded = np.full((1,) + shape, 0.5, np.float32)
            rounded[..., 0], rounded[..., 1] = 0.8767565488815308, -0.0005381433293223381
            inputs.append(rounded)
        for x in inputs:
            yk = np.asarray(model.predict(x, verbose=0), dtype=np.float64).reshape(-1)
            if conversion == "flex":
                cases.append({"input": x.reshape(-1).astype(float).tolist(), "keras": yk.tolist()})
                continue
            it.reset_all_variables()
            it.set_tensor(din["index"], x)
            it.invoke()
            y = it.get_tensor(dout["index"]).astype(np.float64).reshape(-1)
            if hybrid:   # the reference kernels too: run follows their arithmetic bit for bit
                ref.set_tensor(ref.get_input_details()[0]["index"], x)
                ref.invoke()
                y_ref = ref.get_tensor(ref.get_output_details()[0]["index"]).astype(np.float64).reshape(-1)
            cases.append({"input": x.reshape(-1).astype(float).tolist(), "output": y.tolist(),
                          "keras": yk.tolist()})
            if hybrid:
                cases[-1]["output_ref"] = y_ref.tolist()

        def det(d):
            return {"name": d["name"], "shape": d["shape"].tolist(), "dtype": np.dtype(d["dtype"]).name}

        ops = [o["op_name"] for o in it._get_ops_details()]
        meta = {"model": name + ".tflite", "framework": f"{framework} {version}", "tensorflow": tf.__version__,
                "keras_params": int(model.count_params()), "layers": [k for k, _ in layers],
                "hybrid": hybrid, "ops": ops, "inputs": [det(din)], "outputs": [det(dout)]}
        if expect[0] == "runs":
            meta.update({"expect": "runs", "units": expect[1], "n_outputs": expect[2], "steps": shape[0],
                         "n_inputs": shape[1]})
        else:
            meta.update({"expect": "refused", "message": expect[1]})
        meta["cases"] = cases
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(f"{name}: {len(data)} bytes, {framework} {version}, ops {ops}")


ADOPT_CSV = os.path.join(HERE, "..", "tests", "fixtures", "beijing", "PRSA_Data_Changping_20161201-20170228.csv")
ADOPT_FEATURES = ["TEMP", "PRES", "DEWP", "RAIN", "WSPM"]
COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


def make_adopt():
    """The seed notebook's pipeline on the Beijing excerpt, with Keras 3."""
    os.environ.pop("TF_USE_LEGACY_KERAS", None)
    import csv
    import keras
    import numpy as np
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    rows = list(csv.DictReader(open(ADOPT_CSV)))
    def num(v):
        return float(v) if v not in ("NA", "", "NaN") else np.nan
    cols = {c: np.array([num(r[c]) for r in rows]) for c in ADOPT_FEATURES}
    deg = np.array([COMPASS.index(r["wd"]) * 22.5 if r["wd"] in COMPASS else np.nan for r in rows])
    cols["wd_sin"] = np.sin(np.radians(deg))
    cols["wd_cos"] = np.cos(np.radians(deg))
    names = ADOPT_FEATURES + ["wd_sin", "wd_cos"]
    n = len(rows)
    n_train = int(np.floor(n * 0.7 + 1e-6))
    # the scaler: min and max of the training rows' present values (missing ones skipped)
    lo = {c: np.nanmin(cols[c][:n_train]) for c in names}
    hi = {c: np.nanmax(cols[c][:n_train]) for c in names}
    lo_all = {c: np.nanmin(cols[c]) for c in names}
    hi_all = {c: np.nanmax(cols[c]) for c in names}
    # missing values: linear interpolation in time (no gap here is longer than edgelstm's 6 steps)
    t = np.arange(n)
    for c in names:
        v = cols[c]
        ok = ~np.isnan(v)
        cols[c] = np.interp(t, t[ok], v[ok])
    raw = np.stack([cols[c] for c in names], axis=1)

    def scaled(a, b):   # (x - min) / (max - min), 0 for a constant column (as edgelstm scales)
        lo_, rng = np.array([a[c] for c in names]), np.array([b[c] - a[c] for c in names])
        return np.where(rng > 0, (raw - lo_) / np.where(rng > 0, rng, 1.0), 0.0).astype(np.float32)

    X = scaled(lo, hi)
    T = 24
    starts = np.arange(0, n_train - T)        # windows whose target lies in the training rows
    Xw = np.stack([X[s:s + T] for s in starts])
    yw = X[starts + T, 0:1]                   # TEMP one hour after the window (TEMP is input 0)
    keras.utils.set_random_seed(SEED)
    train = keras.Sequential([keras.Input(shape=(T, len(names))), keras.layers.LSTM(12), keras.layers.Dense(1)])
    train.compile(optimizer="adam", loss="mse")
    train.fit(Xw, yw, epochs=15, batch_size=32, verbose=0)
    model = keras.Sequential([keras.Input(shape=(T, len(names)), batch_size=1), keras.layers.LSTM(12),
                              keras.layers.Dense(1)])
    model.set_weights(train.get_weights())
    data = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    path = os.path.join(OUT, "adopt_k3.tflite")
    open(path, "wb").write(data)
    for suffix, (a, b) in (("", (lo, hi)), ("_all", (lo_all, hi_all))):
        with open(os.path.join(OUT, f"adopt_k3_scaler{suffix}.csv"), "w") as f:
            f.write("column,min,max\n")
            for c in names:
                f.write(f"{c},{float(a[c])!r},{float(b[c])!r}\n")
    it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    din, dout = it.get_input_details()[0], it.get_output_details()[0]
    last = {}
    for key, (a, b) in (("scaler", (lo, hi)), ("scaler_all", (lo_all, hi_all))):
        x = scaled(a, b)[n - T:][None]
        it.reset_all_variables()
        it.set_tensor(din["index"], x)
        it.invoke()
        y = float(it.get_tensor(dout["index"]).reshape(-1)[0])
        last[key] = {"normalized": y, "value": float(y * (b["TEMP"] - a["TEMP"]) + a["TEMP"]),
                     "keras": float(np.asarray(model.predict(x, verbose=0)).reshape(-1)[0])}
    meta = {"model": "adopt_k3.tflite", "framework": f"keras3 {keras.__version__}", "tensorflow": tf.__version__,
            "keras_params": int(model.count_params()), "data": "tests/fixtures/beijing/" + os.path.basename(ADOPT_CSV),
            "options": ["--time", "year,month,day,hour", "--target", "TEMP", "--features", "TEMP,PRES,DEWP,RAIN,WSPM,wd"],
            "inputs": names, "steps": T, "last_window": last}
    with open(os.path.join(OUT, "adopt_k3.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"adopt_k3: {len(data)} bytes, last window {last}")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--framework":
        if sys.argv[3:] == ["adopt"]:
            make_adopt()
        else:
            make(sys.argv[2], sys.argv[3:])
        return
    os.makedirs(OUT, exist_ok=True)
    for framework in ("keras3", "tf_keras"):
        names = [n for n, spec in FIXTURES.items() if spec[0] == framework]
        env = dict(os.environ)
        env.pop("TF_USE_LEGACY_KERAS", None)
        subprocess.run([sys.executable, os.path.abspath(__file__), "--framework", framework] + names,
                       env=env, check=True)
    subprocess.run([sys.executable, os.path.abspath(__file__), "--framework", "keras3", "adopt"], env=env,
                   check=True)


if __name__ == "__main__":
    main()
