#!/usr/bin/env python3
"""The quantized seed-shaped forecasters of bench_quant.sh in the two official runtimes.

    .venv/bin/python bench/bench_quant_runtimes.py OUT_DIR STATION...          (after bench_quant.sh)
    .venv/bin/python bench/bench_quant_runtimes.py --timing OUT_DIR STATION... (a quiet machine)

For each station: the test split's windows (`edgelstm train ... --export-windows`, the
model's own data options), the int8 file OUT_DIR/int8-STATION.tflite run by
  - edgelstm's eval/predict path (the runtime's integer net; tests/tools/forecast_windows),
  - TFLite Micro (the tflite-micro Python package): must equal edgelstm on every window,
  - ai-edge-litert: the differences are reported (docs/quant.md says why they exist),
and the 16x8 file by TFLite Micro against edgelstm (ai-edge-litert has no 16x8 LSTM).
Deterministic (no timing). Prints a Markdown table.

--timing instead times batch-1 inference on one thread (wall clock: run it on a quiet
machine): `edgelstm bench` on the int8 file (the fast int8 kernel of this build) against
ai-edge-litert (num_threads=1, invoke() timed) running the same int8 file and the float
file OUT_DIR/float-STATION.tflite, all on the fixed window of `edgelstm bench`; min and
median ms, and edgelstm's speed-up over each (issue 11's goals: <= 0.25 ms, >= 3x both).
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from tflite_micro.python.tflite_micro import runtime as tflm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import bench_infer  # noqa: E402  (the timing helpers and the fixed window of `edgelstm bench`)
import train_frameworks  # noqa: E402  (the windows file reader)
E = os.environ.get("ELSTM_BIN", os.path.join(ROOT, "build", "edgelstm"))
DRIVER = os.path.join(ROOT, "build", "asan", "tools", "forecast_windows")
DATA_DIR = os.environ.get("BEIJING_DIR", os.path.join(ROOT, "..", "shared", "data", "beijing-air-quality"))
OPTS = ["--time", "year,month,day,hour", "--target", "TEMP", "--features", "TEMP,PRES,DEWP,RAIN,WSPM,wd"]


def windows(station, tmp):
    """The test split's windows [n][steps][inputs] (normalized), as `eval` reads them."""
    path = os.path.join(tmp, station + ".win")
    data = os.path.join(DATA_DIR, f"PRSA_Data_{station}_20130301-20170228.csv")
    subprocess.run([E, "train", data, *OPTS, "--export-windows", path, "--force"], check=True, capture_output=True)
    w = train_frameworks.load_windows(path)
    return np.stack([w["x"][s:s + w["steps"]] for s in w["starts"][2]])


def quantized(x, scale, zp, dtype):
    v = np.float32(x) / np.float32(scale)
    q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5)) + zp
    info = np.iinfo(dtype)
    return np.clip(q, info.min, info.max).astype(dtype)


def output_step(path):
    """The scale of the dense layer's int8 output: one output step."""
    m = schema.ModelT.InitFromPackedBuf(open(path, "rb").read(), 0)
    sg = m.subgraphs[0]
    fc = [op for op in sg.operators if m.operatorCodes[op.opcodeIndex].builtinCode ==
          schema.BuiltinOperator.FULLY_CONNECTED][-1]
    return float(sg.tensors[fc.outputs[0]].quantization.scale[0])


def run_official(path, X, lite):
    """TFLite Micro (lite=False) or ai-edge-litert on every window, from a zero state."""
    if lite:
        it = Interpreter(model_path=path, num_threads=1)
        it.allocate_tensors()
        din, dout = it.get_input_details()[0], it.get_output_details()[0]
        qin = din["quantization"]
    else:
        it = tflm.Interpreter.from_bytes(open(path, "rb").read())
        din, dout = it.get_input_details(0), it.get_output_details(0)
        qin = (din["quantization_parameters"]["scales"][0], int(din["quantization_parameters"]["zero_points"][0])) \
            if din["dtype"] != np.float32 else None
    ys = []
    for w in X:
        xin = w.reshape(din["shape"]).astype(np.float32)
        if din["dtype"] != np.float32:
            xin = quantized(xin, qin[0], qin[1], din["dtype"])
        if lite:
            it.reset_all_variables()
            it.set_tensor(din["index"], xin)
            it.invoke()
            y = it.get_tensor(dout["index"])
        else:
            it.reset()
            it.set_input(xin, 0)
            it.invoke()
            y = it.get_output(0)
        ys.append(float(np.asarray(y, dtype=np.float32).reshape(-1)[0]))
    return np.array(ys, dtype=np.float32)


def run_edgelstm(path, X, tmp):
    xb, ob = os.path.join(tmp, "x.bin"), os.path.join(tmp, "y.bin")
    np.ascontiguousarray(X, dtype="<f4").tofile(xb)
    subprocess.run([DRIVER, path, xb, str(len(X)), ob], check=True, capture_output=True)
    return np.fromfile(ob, dtype="<f4").reshape(2, len(X), -1)[0, :, 0]


def timing(out, stations):
    x = bench_infer.bench_window()
    print("| station | edgelstm int8 (ms, min / median) | ai-edge-litert int8 | ai-edge-litert float32 | "
          "speed-up vs int8 / float32 (medians) |")
    print("|---|---:|---:|---:|---:|")
    for st in stations:
        q8, f32 = os.path.join(out, f"int8-{st}.tflite"), os.path.join(out, f"float-{st}.tflite")
        e = bench_infer.run_edgelstm(E, q8, 1)
        l8, lf = bench_infer.run_litert(q8, x), bench_infer.run_litert(f32, x)
        # the same int8 arithmetic is not asked of ai-edge-litert (docs/quant.md): its forecast
        # is shown so that a wrong window or file would be seen
        print(f"| {st} | {e['min']:.3f} / {e['median']:.3f} ({e['kernel']}) | {l8['min']:.3f} / {l8['median']:.3f} | "
              f"{lf['min']:.3f} / {lf['median']:.3f} | {l8['median'] / e['median']:.1f}x / "
              f"{lf['median'] / e['median']:.1f}x |")
        print(f"#   {st}: forecasts (normalized) edgelstm int8 {e['y']:.5f}, ai-edge-litert int8 {l8['y']:.5f}, "
              f"float32 {lf['y']:.5f}")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--timing":
        return timing(sys.argv[2], sys.argv[3:])
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, stations = sys.argv[1], sys.argv[2:]
    print("| station | test windows | int8: = TFLite Micro | int8: ai-edge-litert differs on | largest difference "
          "(output steps / degC) | 16x8: = TFLite Micro |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for st in stations:
            X = windows(st, tmp)
            q8, q16 = os.path.join(out, f"int8-{st}.tflite"), os.path.join(out, f"int16x8-{st}.tflite")
            e8, m8, l8 = run_edgelstm(q8, X, tmp), run_official(q8, X, False), run_official(q8, X, True)
            e16, m16 = run_edgelstm(q16, X, tmp), run_official(q16, X, False)
            # the target's range: degC per normalized unit
            meta = subprocess.run([E, "inspect", q8, "--json"], check=True, capture_output=True, text=True).stdout
            md = json.loads(meta)["metadata"]["edgelstm"]
            span = md["target_max"] - md["target_min"]
            diffs = np.abs(l8.astype(np.float64) - e8.astype(np.float64))
            print(f"| {st} | {len(X)} | {int(np.sum(e8 == m8))} of {len(X)} | {int(np.sum(diffs > 0))} "
                  f"({100 * np.mean(diffs > 0):.1f}%) | {diffs.max() / output_step(q8):.0f} / "
                  f"{diffs.max() * span:.4f} | {int(np.sum(e16 == m16))} of {len(X)} |")


if __name__ == "__main__":
    main()
