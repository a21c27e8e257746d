"""The LSTM forward pass in float64 numpy (an independent oracle) against our kernels.

The equations are written here from the Keras/TFLite definition (edgelstm/lstm.h):
    z_g = b_g + Wx_g x_t + Wh_g h   (g = i, f, c, o; Wx_g [N][I], Wh_g [N][N])
    i, f, o = sigmoid(z_i, z_f, z_o); g = tanh(z_c)
    c = f c + i g (clipped to +-cell_clip when > 0);  h = o tanh(c);  y = Wd h + bd
with zero state at the start of each window. Random float32 weights and inputs are
written to a binary file, build/asan/tools/lstm_driver (tests/tools/lstm_driver.c) runs the reference and the
optimized kernel on them, and every output (y and the final h) must be within 1e-5 of
numpy (the interoperability bound of the product; float32 rounding over 168 steps
stays near 1e-6, printed below).
"""
import os
import struct
import subprocess
import tempfile

import numpy as np

from elstm_testlib import ROOT, Suite

DRIVER = os.path.join(ROOT, os.environ.get("BUILD", "build"), "asan", "tools", "lstm_driver")
TOL = 1e-5


def forward(wx, wh, b, wd, bd, clip, x):
    """float64 forward pass of one window x [T][I]; returns y [O] and h [N]."""
    n = wh.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    for xt in x:
        z = [b[g] + wx[g] @ xt + wh[g] @ h for g in range(4)]
        c = sig(z[1]) * c + sig(z[0]) * np.tanh(z[2])
        if clip > 0:
            c = np.clip(c, -clip, clip)
        h = sig(z[3]) * np.tanh(c)
    return wd @ h + bd, h


def case(s, rng, name, I, N, O, T, W, clip=10.0, bias=True, xscale=1.0):
    sc = 2.0 / np.sqrt(I + N)
    f32 = lambda *shape, lo=-sc, hi=sc: rng.uniform(lo, hi, shape).astype(np.float32)
    wx, wh = f32(4, N, I), f32(4, N, N)
    b = f32(4, N, lo=-1, hi=1) if bias else np.zeros((4, N), np.float32)
    bd = f32(O, lo=-1, hi=1) if bias else np.zeros(O, np.float32)
    wd = f32(O, N)
    x = (xscale * rng.uniform(-1, 1, (W, T, I))).astype(np.float32)
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        f.write(struct.pack("<6if", I, N, O, T, W, int(bias), clip))
        f.write(wx.tobytes() + wh.tobytes())
        if bias:
            f.write(b.tobytes() + bd.tobytes())
        f.write(wd.tobytes() + x.tobytes())
        path = f.name
    want = [np.concatenate(forward(*(a.astype(np.float64) for a in (wx, wh, b, wd, bd)), clip,
                                   x[w].astype(np.float64))) for w in range(W)]
    try:
        for kernel in ("ref", "opt", "packed"):
            p = subprocess.run([DRIVER, path, kernel], capture_output=True, text=True, timeout=300)
            if p.returncode != 0:
                s.check(f"{name}: {kernel} kernel runs", False, p.stderr.strip()[-300:])
                continue
            got = np.array([[float(v) for v in line.split()] for line in p.stdout.splitlines()])
            diff = np.max(np.abs(got - np.array(want))) if got.shape == (W, O + N) else np.inf
            print(f"# {name}: {kernel} max |ours - numpy float64| = {diff:.3g}")
            s.check(f"{name}: {kernel} kernel y and h within {TOL:g} of numpy", diff <= TOL,
                    f"max diff {diff:.3g}, shape {got.shape}")
    finally:
        os.unlink(path)


def main():
    s = Suite("lstm_numpy")
    rng = np.random.default_rng(20240601)
    case(s, rng, "seed shape 168x7 -> 128 -> 1", 7, 128, 1, 168, 3)
    case(s, rng, "1 input, 1 unit", 1, 1, 1, 40, 2)
    case(s, rng, "9 inputs, 130 units, 2 outputs, no biases", 9, 130, 2, 60, 2, bias=False)
    case(s, rng, "3 inputs, 13 units, binding clip 0.25", 3, 13, 3, 100, 2, clip=0.25)
    case(s, rng, "5 inputs, 64 units, no clip, saturating inputs", 5, 64, 1, 80, 2, clip=0.0, xscale=30.0)
    s.done()


if __name__ == "__main__":
    main()
