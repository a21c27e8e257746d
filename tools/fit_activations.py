#!/usr/bin/env python3
"""Fit the polynomial coefficients of runtime/act.h (run with the project's .venv).

Near-minimax fits of relative error by Lawson's algorithm (iteratively reweighted least
squares on a dense grid), in float64, then printed as float32 C literals:

  exp:  e^r ~= 1 + r + r^2 (c2 + c3 r + c4 r^2 + c5 r^3 + c6 r^4),  |r| <= ln2/2 (+2% margin
        for the rounding of n = round(x log2 e) in float32)
  exp, one degree less, for the Xtensa kernel (runtime/lstm_f32_xtensa.c): c2 .. c5
  tanh: tanh(x) ~= x + x^3 (k3 + k5 x^2 + k7 x^4 + k9 x^6 + k11 x^8),  0 <= x <= 0.625

The fitted polynomial error is printed beside the coefficients; the error of the float32
evaluation in act.h is measured by tests/unit/test_activations.c.
"""
import numpy as np


def lawson(x, basis, rhs, weight, iters=1000):
    """Coefficients c minimising max |(A c - rhs) * weight| over the grid x."""
    a = np.stack([b(x) for b in basis], 1)
    w = np.full(x.shape, 1.0 / len(x))
    for _ in range(iters):
        sw = np.sqrt(w) * weight
        c, *_ = np.linalg.lstsq(a * sw[:, None], rhs * sw, rcond=None)
        e = np.abs((a @ c - rhs) * weight)
        w = w * e
        w /= w.sum()
    return c, e.max()


def main():
    half_ln2 = np.log(2.0) / 2 * 1.02
    r = np.linspace(-half_ln2, half_ln2, 8001)
    c, err = lawson(r, [lambda r, k=k: r ** (k + 2) for k in range(5)], np.expm1(r) - r, np.exp(-r))
    print(f"exp: max relative error of the polynomial {err:.3g} (2^{np.log2(err):.1f})")
    for k, v in enumerate(c):
        print(f"  c{k + 2} = {float(np.float32(v)):.9g}f")
    c, err = lawson(r, [lambda r, k=k: r ** (k + 2) for k in range(4)], np.expm1(r) - r, np.exp(-r))
    print(f"exp, degree 5 (Xtensa kernel): max relative error {err:.3g} (2^{np.log2(err):.1f})")
    for k, v in enumerate(c):
        print(f"  c{k + 2} = {float(np.float32(v)):.9g}f")
    x = np.linspace(1e-6, 0.625, 8001)
    t = np.tanh(x)
    c, err = lawson(x, [lambda x, k=k: x ** (3 + 2 * k) for k in range(5)], t - x, 1.0 / t)
    print(f"tanh: max relative error of the polynomial on [0, 0.625] {err:.3g} (2^{np.log2(err):.1f})")
    for k, v in enumerate(c):
        print(f"  k{3 + 2 * k} = {float(np.float32(v)):.9g}f")


if __name__ == "__main__":
    main()
