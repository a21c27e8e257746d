"""The executor's operators against the official TFLite interpreter, one small graph each.

Graphs are built here with the official generated schema code (ai_edge_litert's object
API, packed with the flatbuffers library): STRIDED_SLICE with random begin/end/strides
(negative indices and strides) and masks, SLICE, FULLY_CONNECTED (ranks, keep_num_dims,
activations, no bias), SOFTMAX (beta), RESHAPE, QUANTIZE/DEQUANTIZE and an int8
FULLY_CONNECTED with per-channel weights. Each runs in ai-edge-litert and in `edgelstm run`.
"""
import json
import os
import subprocess
import tempfile

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as S
from ai_edge_litert.interpreter import Interpreter

from elstm_testlib import ELSTM, Suite

s = Suite("tflite_ops")
tmp = tempfile.mkdtemp(prefix="elstm-ops-")
rng = np.random.default_rng(7)
NP_TYPE = {S.TensorType.FLOAT32: np.float32, S.TensorType.INT32: np.int32, S.TensorType.INT8: np.int8}


class Graph:
    """A one-subgraph model: tensors (with optional constant data), operators."""

    def __init__(self):
        self.tensors, self.buffers, self.ops, self.codes = [], [S.BufferT()], [], []

    def tensor(self, shape, ttype=S.TensorType.FLOAT32, data=None, quant=None):
        t = S.TensorT()
        t.shape, t.type, t.name = list(shape), ttype, f"t{len(self.tensors)}"
        b = S.BufferT()
        if data is not None:
            b.data = np.frombuffer(np.ascontiguousarray(data, NP_TYPE[ttype]).tobytes(), np.uint8)
        t.buffer = len(self.buffers)
        self.buffers.append(b)
        if quant:
            q = S.QuantizationParametersT()
            q.scale, q.zeroPoint = list(quant[0]), list(quant[1])
            q.quantizedDimension = quant[2] if len(quant) > 2 else 0
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def op(self, code, inputs, outputs, opt_type=0, opt=None):
        if code not in self.codes:
            self.codes.append(code)
        o = S.OperatorT()
        o.opcodeIndex, o.inputs, o.outputs = self.codes.index(code), inputs, outputs
        o.builtinOptionsType, o.builtinOptions = opt_type, opt
        self.ops.append(o)

    def save(self, name, inp, out):
        m = S.ModelT()
        m.version, m.buffers = 3, self.buffers
        m.operatorCodes = []
        for c in self.codes:
            oc = S.OperatorCodeT()
            oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = c, min(c, 127), 1
            m.operatorCodes.append(oc)
        g = S.SubGraphT()
        g.tensors, g.operators, g.inputs, g.outputs = self.tensors, self.ops, [inp], [out]
        m.subgraphs = [g]
        b = flatbuffers.Builder(1024)
        b.Finish(m.Pack(b), file_identifier=b"TFL3")
        path = os.path.join(tmp, name + ".tflite")
        with open(path, "wb") as f:
            f.write(bytes(b.Output()))
        return path


def official(path, x):
    it = Interpreter(model_path=path)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    if d["dtype"] == np.int8:
        sc, zp = d["quantization"]
        x = np.clip(np.round(x / sc) + zp, -128, 127)
    it.set_tensor(d["index"], x.astype(d["dtype"]).reshape(d["shape"]))
    it.invoke()
    o = it.get_output_details()[0]
    y = it.get_tensor(o["index"]).astype(np.float64)
    if o["dtype"] == np.int8:
        sc, zp = o["quantization"]
        y = sc * (y - zp)
    return y.reshape(-1)


def ours(path, x):
    inp = path + ".csv"
    with open(inp, "w") as f:
        f.write("\n".join(repr(float(v)) for v in np.asarray(x).reshape(-1)) + "\n")
    r = subprocess.run([ELSTM, "run", path, inp, "--json"], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr.strip())
    return np.array(json.loads(r.stdout)["output"])


def compare(what, g, inp, out, x, tol=1e-6):
    path = g.save(what.replace(" ", "_").replace("/", "_")[:60], inp, out)
    try:
        want, got = official(path, x), ours(path, x)
        diff = float(np.max(np.abs(want - got))) if want.shape == got.shape and want.size else (0.0 if want.shape == got.shape else np.inf)
        s.check(f"{what} (max diff {diff:.1e})", diff <= tol, f"{got[:6]} vs {want[:6]}")
    except Exception as e:  # noqa: BLE001
        s.check(what, False, str(e)[:300])


# ---- STRIDED_SLICE: random cases, numpy slicing gives the output shape ----
ss_cases = 0
for attempt in range(1000):
    if ss_cases == 30:
        break
    rank = int(rng.integers(1, 5))
    shape = [int(v) for v in rng.integers(1, 6, rank)]
    begin, end, strides, slices = [], [], [], []
    bm = em = sm = 0
    for d, n in enumerate(shape):
        st = int(rng.choice([1, 1, 2, -1, -2, 3]))
        b, e = int(rng.integers(-n - 1, n + 2)), int(rng.integers(-n - 1, n + 2))
        mode = rng.integers(0, 5)
        if mode == 0:
            bm |= 1 << d
        if mode == 1:
            em |= 1 << d
        if mode == 2 and -n <= b < n:
            sm |= 1 << d
            st = 1
        begin.append(b), end.append(e), strides.append(st)
        if sm & (1 << d):
            slices.append(b)
        else:
            slices.append(slice(None if bm & (1 << d) else b, None if em & (1 << d) else e, st))
    x = rng.normal(size=shape).astype(np.float32)
    y = x[tuple(slices)]
    if y.size == 0:
        continue
    ss_cases += 1
    g = Graph()
    ti = g.tensor(shape)
    tb = g.tensor([rank], S.TensorType.INT32, begin)
    te = g.tensor([rank], S.TensorType.INT32, end)
    ts = g.tensor([rank], S.TensorType.INT32, strides)
    to = g.tensor(y.shape)
    opt = S.StridedSliceOptionsT()
    opt.beginMask, opt.endMask, opt.shrinkAxisMask = bm, em, sm
    g.op(45, [ti, tb, te, ts], [to], S.BuiltinOptions.StridedSliceOptions, opt)
    compare(f"STRIDED_SLICE {shape} begin {begin} end {end} strides {strides} masks {bm}/{em}/{sm}", g, ti, to, x)
s.check(f"{ss_cases} non-empty STRIDED_SLICE cases were compared", ss_cases == 30)

# ---- SLICE ----
for case in range(8):
    rank = int(rng.integers(1, 4))
    shape = [int(v) for v in rng.integers(1, 6, rank)]
    begin = [int(rng.integers(0, n)) for n in shape]
    size = [int(rng.choice([-1, rng.integers(1, n - b + 1)])) for n, b in zip(shape, begin)]
    x = rng.normal(size=shape).astype(np.float32)
    y = x[tuple(slice(b, None if z == -1 else b + z) for b, z in zip(begin, size))]
    g = Graph()
    ti, to = g.tensor(shape), None
    tb = g.tensor([rank], S.TensorType.INT32, begin)
    tz = g.tensor([rank], S.TensorType.INT32, size)
    to = g.tensor(y.shape)
    g.op(65, [ti, tb, tz], [to], S.BuiltinOptions.SliceOptions, S.SliceOptionsT())
    compare(f"SLICE {shape} begin {begin} size {size}", g, ti, to, x)

# ---- FULLY_CONNECTED ----
for in_shape, units, keep, act, bias in [([1, 6], 3, False, 0, True), ([2, 3, 4], 5, True, 1, True),
                                         ([2, 3, 4], 5, False, 3, False), ([1, 8], 4, False, 4, True),
                                         ([1, 8], 4, False, 2, True)]:
    depth = in_shape[-1]
    rows = int(np.prod(in_shape)) // depth
    x = rng.normal(size=in_shape).astype(np.float32) * 2
    g = Graph()
    ti = g.tensor(in_shape)
    tw = g.tensor([units, depth], data=rng.normal(size=(units, depth)))
    tb = g.tensor([units], data=rng.normal(size=units)) if bias else -1
    to = g.tensor(in_shape[:-1] + [units] if keep else [rows, units])
    opt = S.FullyConnectedOptionsT()
    opt.fusedActivationFunction, opt.keepNumDims = act, keep
    g.op(9, [ti, tw, tb], [to], S.BuiltinOptions.FullyConnectedOptions, opt)
    what = f"FULLY_CONNECTED {in_shape} -> {units}, keep_num_dims {keep}, activation {act}, bias {bias}"
    if act != 4:
        compare(what, g, ti, to, x, 1e-5)
        continue
    # TANH: the TFLite interpreter refuses it on FULLY_CONNECTED; numpy is the oracle.
    path = g.save("fc_tanh", ti, to)
    wv = np.frombuffer(bytes(g.buffers[g.tensors[tw].buffer].data), np.float32).reshape(units, depth)
    bv = np.frombuffer(bytes(g.buffers[g.tensors[tb].buffer].data), np.float32)
    want = np.tanh(x.reshape(rows, depth).astype(np.float64) @ wv.T + bv).reshape(-1)
    diff = float(np.max(np.abs(ours(path, x) - want)))
    s.check(f"{what} == numpy (max diff {diff:.1e})", diff <= 1e-5, diff)

# ---- SOFTMAX, RESHAPE ----
for shape, beta in [([1, 7], 1.0), ([3, 5], 0.5), ([2, 2, 4], 2.0)]:
    g = Graph()
    ti, to = g.tensor(shape), g.tensor(shape)
    opt = S.SoftmaxOptionsT()
    opt.beta = beta
    g.op(25, [ti], [to], S.BuiltinOptions.SoftmaxOptions, opt)
    compare(f"SOFTMAX {shape} beta {beta}", g, ti, to, rng.normal(size=shape).astype(np.float32) * 3)
g = Graph()
ti, ts, to = g.tensor([1, 12]), g.tensor([2], S.TensorType.INT32, [3, 4]), g.tensor([3, 4])
opt = S.ReshapeOptionsT()
opt.newShape = [3, 4]
g.op(22, [ti, ts], [to], S.BuiltinOptions.ReshapeOptions, opt)
compare("RESHAPE [1,12] -> [3,4]", g, ti, to, rng.normal(size=(1, 12)).astype(np.float32))

# ---- QUANTIZE -> DEQUANTIZE, and an int8 FULLY_CONNECTED with per-channel weights ----
g = Graph()
ti = g.tensor([1, 10])
tq = g.tensor([1, 10], S.TensorType.INT8, quant=([0.05], [3]))
to = g.tensor([1, 10])
g.op(114, [ti], [tq], S.BuiltinOptions.QuantizeOptions, S.QuantizeOptionsT())
g.op(6, [tq], [to], S.BuiltinOptions.DequantizeOptions, S.DequantizeOptionsT())
# (no exact ties: TFLite's reference kernels round them away from zero, its optimized x86
# kernel to even; edgelstm rounds away from zero, as TFLite Micro does)
compare("QUANTIZE -> DEQUANTIZE (scale 0.05, zero point 3, with clamping)", g, ti, to,
        np.array([[-9, -1.234, -0.026, 0, 0.024, 0.076, 1.01, 2.51, 6.3, 40]], np.float32))

# int8 softmax between QUANTIZE and DEQUANTIZE (output scale 1/256, zero point -128)
g = Graph()
ti = g.tensor([2, 6])
tq = g.tensor([2, 6], S.TensorType.INT8, quant=([0.05], [2]))
ts = g.tensor([2, 6], S.TensorType.INT8, quant=([1 / 256], [-128]))
to = g.tensor([2, 6])
opt = S.SoftmaxOptionsT()
opt.beta = 1.0
g.op(114, [ti], [tq], S.BuiltinOptions.QuantizeOptions, S.QuantizeOptionsT())
g.op(25, [tq], [ts], S.BuiltinOptions.SoftmaxOptions, opt)
g.op(6, [ts], [to], S.BuiltinOptions.DequantizeOptions, S.DequantizeOptionsT())
compare("int8 SOFTMAX (within one output step, 1/256)", g, ti, to,
        rng.normal(size=(2, 6)).astype(np.float32), 1 / 256 + 1e-6)

for act in (0, 1):
    units, depth = 4, 6
    w = rng.integers(-127, 128, (units, depth))
    w_scale = rng.uniform(0.002, 0.02, units)
    g = Graph()
    ti = g.tensor([1, depth], S.TensorType.INT8, quant=([0.02], [-5]))
    tw = g.tensor([units, depth], S.TensorType.INT8, w, quant=(list(w_scale), [0] * units, 0))
    tb = g.tensor([units], S.TensorType.INT32, rng.integers(-2000, 2000, units),
                  quant=(list(0.02 * w_scale), [0] * units, 0))
    to = g.tensor([1, units], S.TensorType.INT8, quant=([0.01], [7]))
    opt = S.FullyConnectedOptionsT()
    opt.fusedActivationFunction = act
    g.op(9, [ti, tw, tb], [to], S.BuiltinOptions.FullyConnectedOptions, opt)
    # integer arithmetic as in the reference kernel: the same int8 outputs (the tolerance
    # only absorbs float32 rounding of the dequantized values; one step is 0.01)
    compare(f"int8 FULLY_CONNECTED per-channel, activation {act} (int8 in and out)", g, ti, to,
            rng.uniform(-2, 2, (1, depth)).astype(np.float32), 1e-6)

s.done()
