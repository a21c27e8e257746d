"""Models exported by edgelstm -> the official runtimes (TFLite interpreter, TFLite Micro).

For several shapes (the seed's 128 units x 168 steps x 7 inputs among them), random
Keras-like weights are written to a binary file, exported with elstm_forecaster_save()
(the test driver build/asan/tools/export_model), and the .tflite is
  - decoded with the official schema (ai_edge_litert's generated schema code) and checked
    field by field against the converter's layout,
  - loaded by ai-edge-litert (which verifies the flatbuffer) and by TFLite Micro,
  - run on real windows of the Beijing excerpt in tests/fixtures/beijing/ (two stations,
    min-max normalized) by both
    runtimes and by `edgelstm run`: outputs must agree within 1e-5.
A deliberately corrupted weight must break the agreement (the comparison can fail).
"""
import csv
import glob
import json
import os
import struct
import subprocess
import tempfile

import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter
from tflite_micro.python.tflite_micro import runtime as tflm

from elstm_testlib import BEIJING, ELSTM, Suite

EXPORT = os.path.join(os.path.dirname(ELSTM), "tools", "export_model")
TOL = 1e-5
COLS = ["TEMP", "PRES", "DEWP", "WSPM", "RAIN", "PM2.5", "O3"]

s = Suite("tflite_export")
tmp = tempfile.mkdtemp(prefix="elstm-export-")


def load_station(path):
    """Numeric columns of a Beijing station, gaps carried forward, min-max scaled to [0,1]."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    data = np.zeros((len(rows), len(COLS)))
    last = [0.0] * len(COLS)
    for r, row in enumerate(rows):
        for c, col in enumerate(COLS):
            v = row[col]
            if v not in ("NA", ""):
                last[c] = float(v)
            data[r, c] = last[c]
    lo, hi = data.min(axis=0), data.max(axis=0)
    return ((data - lo) / np.where(hi > lo, hi - lo, 1.0)).astype(np.float32)


def keras_like_weights(rng, I, N, O, scale=1.0):
    """Glorot-uniform kernels, orthogonal recurrent kernel, forget bias 1 (+ noise)."""
    lim = np.sqrt(6.0 / (I + 4 * N))
    kernel = rng.uniform(-lim, lim, (I, 4 * N))
    q, r = np.linalg.qr(rng.normal(size=(4 * N, N)))
    rec = (q * np.sign(np.diag(r))).T  # [N, 4N], orthonormal rows
    bias = np.zeros(4 * N)
    bias[N:2 * N] = 1.0
    bias += rng.uniform(-0.2, 0.2, 4 * N)
    limd = np.sqrt(6.0 / (N + O))
    wd = rng.uniform(-limd, limd, (O, N))
    bd = rng.uniform(-0.1, 0.1, O)
    # Keras kernel[j][g*N+n] -> TFLite gate g weights [n][j]
    wx = np.stack([kernel[:, g * N:(g + 1) * N].T for g in range(4)]) * scale
    wh = np.stack([rec[:, g * N:(g + 1) * N].T for g in range(4)]) * scale
    b = np.stack([bias[g * N:(g + 1) * N] for g in range(4)]) * scale
    return [a.astype(np.float32) for a in (wx, wh, b, wd, bd)]


def write_weights(path, I, N, O, T, clip, w):
    with open(path, "wb") as f:
        f.write(b"ELW1" + struct.pack("<4if", I, N, O, T, clip))
        for a in w:
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())


def reference(w, x, clip):
    """float64 numpy LSTM + dense (Keras semantics), for the clipping check."""
    wx, wh, b, wd, bd = [a.astype(np.float64) for a in w]
    N = wh.shape[1]
    h, c = np.zeros(N), np.zeros(N)
    sig = lambda z: 1 / (1 + np.exp(-z))
    for xt in x.astype(np.float64):
        z = [b[g] + wx[g] @ xt + wh[g] @ h for g in range(4)]
        c = sig(z[1]) * c + sig(z[0]) * np.tanh(z[2])
        if clip > 0:
            c = np.clip(c, -clip, clip)
        h = sig(z[3]) * np.tanh(c)
    return wd @ h + bd


def ours(model, x, tag):
    path = os.path.join(tmp, f"in-{tag}.csv")
    with open(path, "w") as f:
        for row in x:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    out = subprocess.run([ELSTM, "run", model, path, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return np.array(json.loads(out.stdout)["output"], dtype=np.float64)


def check_schema(name, data, I, N, O, T, clip, meta):
    """Decode with the official generated schema code: the converter's layout, field by field."""
    m = schema.ModelT.InitFromPackedBuf(data, 0)
    g = m.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in m.operatorCodes]
    s.check(f"{name}: identifier TFL3, version 3, empty buffer 0",
            data[4:8] == b"TFL3" and m.version == 3 and (m.buffers[0].data is None or len(m.buffers[0].data) == 0))
    s.check(f"{name}: LSTM 44 -> STRIDED_SLICE 45 -> FULLY_CONNECTED 9, versions 1",
            [codes[op.opcodeIndex] for op in g.operators] == [44, 45, 9] and
            all(c.version == 1 and c.deprecatedBuiltinCode == c.builtinCode for c in m.operatorCodes), codes)
    lstm, ss, fc = g.operators
    ins = list(lstm.inputs)
    s.check(f"{name}: 24 LSTM inputs, -1 for peephole/projection/layer norm",
            len(ins) == 24 and all(ins[i] == -1 for i in (9, 10, 11, 16, 17, 20, 21, 22, 23)) and
            all(ins[i] >= 0 for i in list(range(0, 9)) + list(range(12, 16)) + [18, 19]), ins)
    o = lstm.builtinOptions
    s.check(f"{name}: LSTM options TANH, cell_clip {clip}, batch-major",
            lstm.builtinOptionsType == schema.BuiltinOptions.UnidirectionalSequenceLSTMOptions and
            o.fusedActivationFunction == schema.ActivationFunctionType.TANH and
            abs(o.cellClip - clip) < 1e-7 and not o.timeMajor)
    st = [g.tensors[ins[18]], g.tensors[ins[19]]]
    s.check(f"{name}: variable states [1,{N}] in buffer 0",
            all(t.isVariable and list(t.shape) == [1, N] and t.buffer == 0 for t in st))
    shapes = [list(g.tensors[ins[k]].shape) for k in (1, 5, 12)]
    s.check(f"{name}: weights [N,I], [N,N], bias [N]", shapes == [[N, I], [N, N], [N]], shapes)
    so = ss.builtinOptions
    consts = [np.frombuffer(bytes(m.buffers[g.tensors[t].buffer].data), "<i4").tolist() for t in ss.inputs[1:]]
    s.check(f"{name}: STRIDED_SLICE begin/end/strides {consts}, masks 5/5, shrink 2",
            consts == [[0, -1, 0], [0, 0, 0], [1, 1, 1]] and so.beginMask == 5 and so.endMask == 5 and
            so.shrinkAxisMask == 2 and so.ellipsisMask == 0 and so.newAxisMask == 0)
    s.check(f"{name}: FULLY_CONNECTED weights [O,N], no activation, output [1,O]",
            list(g.tensors[fc.inputs[1]].shape) == [O, N] and
            fc.builtinOptions.fusedActivationFunction == 0 and list(g.tensors[fc.outputs[0]].shape) == [1, O])
    s.check(f"{name}: graph input [1,{T},{I}] float32, output [1,{O}]",
            list(g.tensors[g.inputs[0]].shape) == [1, T, I] and g.tensors[g.inputs[0]].type == 0 and
            list(g.outputs) == [fc.outputs[0]])
    # buffer data 16-aligned (force_align), read through the generated table accessors
    root = schema.Model.GetRootAs(data, 0)
    misaligned = []
    for i in range(root.BuffersLength()):
        b = root.Buffers(i)
        if b.DataLength() > 0:
            pos = b._tab.Vector(b._tab.Offset(4))
            if pos % 16:
                misaligned.append(i)
    s.check(f"{name}: every buffer's data is 16-aligned", not misaligned, misaligned)
    sig = m.signatureDefs[0] if m.signatureDefs else None
    s.check(f"{name}: SignatureDef serving_default input->0, output->out",
            sig is not None and sig.signatureKey == b"serving_default" and
            [(t.name, t.tensorIndex) for t in sig.inputs] == [(b"input", g.inputs[0])] and
            [(t.name, t.tensorIndex) for t in sig.outputs] == [(b"output", g.outputs[0])])
    s.check(f"{name}: a description", bool(m.description) and b"LSTM" in m.description)
    entries = {md.name.decode(): bytes(m.buffers[md.buffer].data) for md in (m.metadata or [])}
    if meta is None:
        s.check(f"{name}: no metadata without meta", "edgelstm" not in entries)
    else:
        s.check(f"{name}: metadata 'edgelstm' holds the metadata JSON",
                "edgelstm" in entries and json.loads(entries["edgelstm"]) == meta)


def loads(what, make):
    """An official runtime's interpreter for the model, or None (reported) if it refuses it."""
    try:
        obj = make()
    except Exception as e:  # noqa: BLE001
        s.check(what, False, str(e)[:300])
        return None
    s.check(what, True)
    return obj


def check_inspect(name, model, I, N, O, T, meta, it):
    out = subprocess.run([ELSTM, "inspect", model, "--json"], capture_output=True, text=True)
    if not s.check(f"{name}: inspect --json runs", out.returncode == 0, out.stderr[-300:]):
        return
    j = json.loads(out.stdout)
    params = 4 * (N * I + N * N + N) + O * N + O
    s.check(f"{name}: inspect ops and params ({params}, as Keras counts)",
            j["ops"] == ["UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "FULLY_CONNECTED"] and
            j["params"] == params, (j["ops"], j["params"]))
    d_in, d_out = it.get_input_details()[0], it.get_output_details()[0]
    mine = [(e["name"], e["shape"], e["dtype"], e["scale"], e["zero_point"]) for e in (j["inputs"][0], j["outputs"][0])]
    theirs = [(d["name"], d["shape"].tolist(), np.dtype(d["dtype"]).name, d["quantization"][0],
               d["quantization"][1]) for d in (d_in, d_out)]
    s.check(f"{name}: inspect inputs/outputs agree with the TFLite interpreter", mine == theirs, (mine, theirs))
    if meta is not None:
        s.check(f"{name}: inspect shows the metadata", j["metadata"].get("edgelstm") == meta)


SHAPES = [  # name, N, T, I, O, cell_clip, weight scale, windows
    ("seed 128x168x7", 128, 168, 7, 1, 10.0, 1.0, 2),
    ("5 units x 3 steps x 1 input", 5, 3, 1, 1, 0.0, 1.0, 4),
    ("16x24x4, Dense(3)", 16, 24, 4, 3, 10.0, 1.0, 3),
    ("9x12x2, Dense(5), active cell clip", 9, 12, 2, 5, 0.25, 3.0, 3),
    ("1 unit x 1 step x 1 input", 1, 1, 1, 1, 0.0, 1.0, 2),
]

stations = sorted(glob.glob(os.path.join(BEIJING, "PRSA_Data_*.csv")))
s.check("real data is present", len(stations) >= 2, BEIJING)
series = [load_station(p) for p in stations[:3]]
rng = np.random.default_rng(20240601)
negative_done = False

for si, (name, N, T, I, O, clip, scale, n_win) in enumerate(SHAPES):
    w = keras_like_weights(rng, I, N, O, scale)
    wpath = os.path.join(tmp, f"w{si}.bin")
    model = os.path.join(tmp, f"m{si}.tflite")
    write_weights(wpath, I, N, O, T, clip, w)
    meta = None
    cmd = [EXPORT, wpath, model]
    if si in (0, 2):
        meta = {"version": 1, "tool_version": "test", "time_cols": "year,month,day,hour", "time_format": "",
                "time_layout": "ymdh", "skip_rows": 0, "interval_s": 3600, "max_gap": 6, "steps": T,
                "horizon": 1, "split_train": 0.7, "split_val": 0.2, "target": "TEMP", "target_input": 0,
                "target_min": -19.7, "target_max": 41.4,
                "inputs": [{"name": c, "source": c, "encoding": "numeric", "time_feature": "none",
                            "min": -1.5 * k, "max": 10.25 + k} for k, c in enumerate(COLS[:I])]}
        with open(os.path.join(tmp, f"meta{si}.json"), "w") as f:
            json.dump(meta, f)
        cmd.append(os.path.join(tmp, f"meta{si}.json"))
    r = subprocess.run(cmd, capture_output=True, text=True)
    if not s.check(f"{name}: exported", r.returncode == 0, r.stderr.strip()):
        continue
    data = open(model, "rb").read()
    subprocess.run(cmd[:2] + [model + ".again"] + cmd[3:], check=True)
    s.check(f"{name}: export is deterministic", open(model + ".again", "rb").read() == data)
    check_schema(name, data, I, N, O, T, clip, meta)

    it = loads(f"{name}: the TFLite interpreter verifies and loads it", lambda: Interpreter(model_content=data))
    tm = loads(f"{name}: TFLite Micro loads it", lambda: tflm.Interpreter.from_bytes(data))
    if it is None or tm is None:
        continue
    it.allocate_tensors()
    check_inspect(name, model, I, N, O, T, meta, it)

    worst_lite = worst_micro = 0.0
    runner = Interpreter(model_content=data).get_signature_runner("serving_default")
    sig_ok = True
    clip_active = False
    for k in range(n_win):
        src = series[k % len(series)]
        start = (k * 7919 + 1000 + si * 131) % (len(src) - T)
        x = src[start:start + T, :I]
        y = ours(model, x, f"{si}-{k}")
        it.reset_all_variables()
        it.set_tensor(it.get_input_details()[0]["index"], x[None])
        it.invoke()
        y_lite = it.get_tensor(it.get_output_details()[0]["index"])[0].astype(np.float64)
        tm.reset()
        tm.set_input(x[None], 0)
        tm.invoke()
        y_micro = tm.get_output(0)[0].astype(np.float64)
        worst_lite = max(worst_lite, float(np.max(np.abs(y - y_lite))))
        worst_micro = max(worst_micro, float(np.max(np.abs(y - y_micro))))
        if k == 0:
            y_sig = runner(input=x[None])["output"][0]
            sig_ok = np.max(np.abs(y_sig - y_lite)) <= TOL
        if clip > 0 and np.max(np.abs(reference(w, x, clip) - reference(w, x, 0.0))) > 1e-3:
            clip_active = True
    s.check(f"{name}: edgelstm run == TFLite interpreter on {n_win} real windows (max diff {worst_lite:.2e})",
            worst_lite <= TOL, f"max diff {worst_lite}")
    s.check(f"{name}: edgelstm run == TFLite Micro on {n_win} real windows (max diff {worst_micro:.2e})",
            worst_micro <= TOL, f"max diff {worst_micro}")
    s.check(f"{name}: the serving_default signature runner agrees", sig_ok)
    if clip == 0.25:
        s.check(f"{name}: the cell clip changes the result on these windows (so it is tested)", clip_active)

    if si == 2 and not negative_done:
        # Negative control: one corrupted weight must break the agreement.
        w_bad = [a.copy() for a in w]
        w_bad[1][1, 3, 2] += 0.05
        write_weights(wpath + ".bad", I, N, O, T, clip, w_bad)
        subprocess.run([EXPORT, wpath + ".bad", model + ".bad"], check=True)
        bad = Interpreter(model_path=model + ".bad")
        bad.allocate_tensors()
        x = series[0][1000:1000 + T, :I]
        bad.set_tensor(bad.get_input_details()[0]["index"], x[None])
        bad.invoke()
        diff = float(np.max(np.abs(ours(model, x, "neg") - bad.get_tensor(bad.get_output_details()[0]["index"])[0])))
        s.check(f"{name}: a corrupted weight breaks the comparison (diff {diff:.2e} > {TOL})", diff > TOL, diff)
        negative_done = True

s.done()
