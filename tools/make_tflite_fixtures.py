#!/usr/bin/env python3
"""Regenerate tests/fixtures/tflite/: TensorFlow-converted LSTM models and the official
TFLite interpreter's outputs on fixed inputs.

edgelstm's importer and executor are tested against these files (tests/interop/
test_tflite_fixtures.py), which run without TensorFlow. Only regenerating them needs it:

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf_keras
    /tmp/tfvenv/bin/python tools/make_tflite_fixtures.py      # (or .venv after make venv-bench)

Legacy Keras (tf_keras, TF_USE_LEGACY_KERAS=1, set below before TensorFlow is imported)
with a fixed batch size of 1 makes the converter emit the fused UNIDIRECTIONAL_SEQUENCE_LSTM.
Keras 3 models (WHILE loops) are made by tools/make_keras_fixtures.py.

Fixtures (all models are our own, built here with fixed seeds):
  regression.tflite        LSTM(16) -> Dense(1) on [1,24,4], trained briefly on a synthetic
                           series (return_sequences=False: LSTM -> STRIDED_SLICE -> FC)
  regression_dedup.tflite  the same architecture untrained: the input/cell/output gate
                           biases are all zero and the converter shares one tensor for them
  classifier.tflite        LSTM(12, return_sequences=True) -> Flatten -> Dense(5, softmax)
                           on [1,10,3] (LSTM -> RESHAPE -> FC -> SOFTMAX)
  stacked_dense.tflite     LSTM(8) -> Dense(6, relu) -> Dense(2) on [1,7,2]
  int8.tflite              regression model, full-integer quantized (int8 in and out)
  int8_float_io.tflite     regression model, int8 inside, float32 in/out (QUANTIZE/DEQUANTIZE)
  time_major.tflite        LSTM(6, time_major=True) on [5,1,3] -> last step -> Dense(2)
                           (STRIDED_SLICE with masks 6/6, shrink 1)
  go_backwards.tflite      LSTM(6, go_backwards=True) -> Dense(2): the converter puts a
                           REVERSE_V2 before the LSTM (an operator edgelstm refuses)
Each NAME.tflite has NAME.json: the TFLite interpreter's input/output details, the Keras
parameter count, and cases {input, output} (variables reset before every invoke).
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "tflite")


def main():
    os.makedirs(OUT, exist_ok=True)
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import numpy as np
    import tensorflow as tf
    import tf_keras as keras

    def record(name, tflite, keras_params, inputs):
        path = os.path.join(OUT, name + ".tflite")
        with open(path, "wb") as f:
            f.write(tflite)
        it = tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        din, dout = it.get_input_details()[0], it.get_output_details()[0]
        cases = []
        for x in inputs:
            it.reset_all_variables()
            xin = x
            if din["dtype"] == np.int8:   # quantize as `edgelstm run` does: round half away, clamp
                s, z = din["quantization"]
                v = x / np.float32(s)
                xin = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5) + z, -128, 127).astype(np.int8)
            it.set_tensor(din["index"], xin.reshape(din["shape"]))
            it.invoke()
            y = it.get_tensor(dout["index"]).astype(np.float64)
            if dout["dtype"] == np.int8:
                s, z = dout["quantization"]
                y = s * (y - z)
            cases.append({"input": x.reshape(-1).astype(float).tolist(), "output": y.reshape(-1).tolist()})

        def det(d):
            return {"name": d["name"], "shape": d["shape"].tolist(), "dtype": np.dtype(d["dtype"]).name,
                    "scale": float(d["quantization"][0]), "zero_point": int(d["quantization"][1])}

        ops = [o["op_name"] for o in it._get_ops_details()]
        meta = {"model": name + ".tflite", "tensorflow": tf.__version__, "keras_params": keras_params,
                "ops": ops, "inputs": [det(din)], "outputs": [det(dout)], "cases": cases}
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(f"{name}: {len(tflite)} bytes, ops {ops}")

    def convert(model, quant=None, rep=None):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        if quant:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            conv.representative_dataset = rep
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            if quant == "int8":
                conv.inference_input_type = tf.int8
                conv.inference_output_type = tf.int8
        return conv.convert()

    rng = np.random.default_rng(2024)

    # A synthetic series: two sines and noise in 4 channels; target = next value of channel 0.
    t = np.arange(3000)
    series = np.stack([np.sin(t / 9.0), np.cos(t / 23.0), np.sin(t / 5.0) * 0.5,
                       rng.normal(0, 0.1, t.size)], axis=1).astype(np.float32)
    series = (series - series.min(0)) / (series.max(0) - series.min(0))
    T, I = 24, 4
    X = np.stack([series[i:i + T] for i in range(0, 2500)])
    Y = series[T:T + 2500, 0:1]

    def regression(train):
        keras.utils.set_random_seed(1)
        m = keras.Sequential([keras.Input(shape=(T, I), batch_size=1), keras.layers.LSTM(16),
                              keras.layers.Dense(1)])
        if train:
            tm = keras.Sequential([keras.Input(shape=(T, I)), keras.layers.LSTM(16), keras.layers.Dense(1)])
            tm.compile(optimizer="adam", loss="mse")
            tm.fit(X, Y, epochs=2, batch_size=32, verbose=0)
            m.set_weights(tm.get_weights())
        return m

    probe = [X[i] for i in (5, 777, 2400)] + [rng.uniform(0, 1, (T, I)).astype(np.float32)]
    reg = regression(True)
    record("regression", convert(reg), reg.count_params(), probe)
    untrained = regression(False)
    record("regression_dedup", convert(untrained), untrained.count_params(), probe)

    def rep():
        for i in range(0, 2500, 25):
            yield [X[i:i + 1]]

    record("int8", convert(reg, "int8", rep), reg.count_params(), probe)
    record("int8_float_io", convert(reg, "float_io", rep), reg.count_params(), probe)

    keras.utils.set_random_seed(2)
    cls = keras.Sequential([keras.Input(shape=(10, 3), batch_size=1),
                            keras.layers.LSTM(12, return_sequences=True), keras.layers.Flatten(),
                            keras.layers.Dense(5, activation="softmax")])
    cls.layers[0].set_weights([w + rng.uniform(-0.3, 0.3, w.shape).astype(np.float32)
                               for w in cls.layers[0].get_weights()])
    record("classifier", convert(cls), cls.count_params(),
           [rng.uniform(0, 1, (10, 3)).astype(np.float32) for _ in range(4)])

    keras.utils.set_random_seed(3)
    st = keras.Sequential([keras.Input(shape=(7, 2), batch_size=1), keras.layers.LSTM(8),
                           keras.layers.Dense(6, activation="relu"), keras.layers.Dense(2)])
    st.set_weights([w + rng.uniform(-0.3, 0.3, w.shape).astype(np.float32) for w in st.get_weights()])
    record("stacked_dense", convert(st), st.count_params(),
           [rng.uniform(-1, 1, (7, 2)).astype(np.float32) for _ in range(4)])

    keras.utils.set_random_seed(4)
    inp = keras.Input(shape=(1, 3), batch_size=5)   # time-major: [T=5, B=1, I=3]
    seq = keras.layers.LSTM(6, time_major=True, return_sequences=True)(inp)
    last = keras.layers.Lambda(lambda s: s[-1])(seq)
    tmaj = keras.Model(inp, keras.layers.Dense(2)(last))
    tmaj.set_weights([w + rng.uniform(-0.3, 0.3, w.shape).astype(np.float32) for w in tmaj.get_weights()])
    record("time_major", convert(tmaj), tmaj.count_params(),
           [rng.uniform(0, 1, (5, 1, 3)).astype(np.float32) for _ in range(3)])

    keras.utils.set_random_seed(5)
    back = keras.Sequential([keras.Input(shape=(5, 3), batch_size=1),
                             keras.layers.LSTM(6, go_backwards=True), keras.layers.Dense(2)])
    record("go_backwards", convert(back), back.count_params(),
           [rng.uniform(0, 1, (5, 3)).astype(np.float32)])


if __name__ == "__main__":
    main()
