#!/usr/bin/env python3
"""Host inference benchmark of the seed-shaped model, every runner in one run.

Called by bench/bench_infer.sh (which builds the helpers and holds the bench lock):

    bench_infer.py --edgelstm build/edgelstm --export EXPORT_MODEL --driver LSTM_DRIVER
                   --scalar SCALAR_LSTM --work DIR [--threads 1,2] [--json OUT]

Model: LSTM(128) over 168 steps x 7 inputs + Dense(1) (the seed's Keras model), random
weights drawn the way Keras initializes them (Glorot-uniform input kernel, orthogonal
recurrent kernel, zero bias with the forget gate at 1; small random biases added so that
every gate is exercised), written by edgelstm's own exporter (elstm_forecaster_save via
tests/tools/export_model.c). Input: the fixed window `edgelstm bench` uses (an LCG in
[0, 1)), so every runner computes the same forecast, which is checked.

Runners, batch 1, one thread each:
  edgelstm bench          the optimized runtime kernel (and --threads N)
  TFLite interpreter      ai-edge-litert, num_threads=1; invoke() timed, variables reset
                          between invokes (outside the timed region)
  TFLite Micro            the tflite-micro Python package's interpreter, the same way
  plain scalar C loop     bench/scalar_lstm.c, -O2
Timing: a warm-up, then repeated runs for about a second; min and median in ms.
Instruction counts (valgrind --tool=callgrind, deterministic whatever the machine load)
of one window: the reference kernel, the optimized kernel and the scalar loop.
"""
import argparse
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import time

import numpy as np

I, N, O, T = 7, 128, 1, 168
CLIP = 10.0
MACS = T * 4 * N * (I + N) + O * N


def keras_like_weights(seed=0):
    rng = np.random.default_rng(seed)
    lim = np.sqrt(6.0 / (I + 4 * N))
    kernel = rng.uniform(-lim, lim, (I, 4 * N))
    q, r = np.linalg.qr(rng.standard_normal((4 * N, N)))
    recurrent = (q * np.sign(np.diag(r))).T  # [N, 4N], orthogonal rows
    bias = rng.uniform(-0.1, 0.1, 4 * N)
    bias[N:2 * N] += 1.0
    wx = np.stack([kernel[:, g * N:(g + 1) * N].T for g in range(4)])      # [4][N][I]
    wh = np.stack([recurrent[:, g * N:(g + 1) * N].T for g in range(4)])   # [4][N][N]
    b = bias.reshape(4, N)
    wd = rng.uniform(-0.2, 0.2, (O, N))
    bd = np.array([0.05])
    return [a.astype(np.float32) for a in (wx, wh, b, wd, bd)]


def bench_window():
    """The fixed window of cmd_bench.c: s = s * 1664525 + 1013904223 (mod 2^32), x = (s >> 8) / 2^24."""
    s, out = 12345, []
    for _ in range(T * I):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append((s >> 8) / 16777216.0)
    return np.array(out, np.float32).reshape(T, I)


def write_files(work, w, x):
    wx, wh, b, wd, bd = w
    elw = os.path.join(work, "seed_weights.elw")
    with open(elw, "wb") as f:  # tests/tools/export_model.c format
        f.write(b"ELW1" + struct.pack("<4if", I, N, O, T, CLIP))
        for a in (wx, wh, b, wd, bd):
            f.write(a.astype("<f4").tobytes())
    drv = os.path.join(work, "seed_driver.bin")
    with open(drv, "wb") as f:  # tests/tools/lstm_driver.c format, one window
        f.write(struct.pack("<6if", I, N, O, T, 1, 1, CLIP))
        for a in (wx, wh, b, bd, wd, x):
            f.write(a.astype("<f4").tobytes())
    return elw, drv


def timed(run, warmup=0.2, seconds=1.0, min_runs=10):
    """Call run() (which returns the seconds it timed) repeatedly; ms figures."""
    t0 = time.perf_counter()
    k = 0
    while k < 3 or time.perf_counter() - t0 < warmup:
        run()
        k += 1
    ts, total = [], 0.0
    while len(ts) < min_runs or total < seconds:
        t = run()
        ts.append(t * 1e3)
        total += t
    return {"min": min(ts), "median": float(np.median(ts)), "runs": len(ts)}


def run_litert(path, x):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    xin = x.reshape(inp["shape"])

    def once():
        it.reset_all_variables()
        it.set_tensor(inp["index"], xin)
        t0 = time.perf_counter()
        it.invoke()
        return time.perf_counter() - t0
    r = timed(once)
    r["y"] = float(it.get_tensor(out["index"]).reshape(-1)[0])
    return r


def run_tflm(path, x):
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_file(path)
    xin = x.reshape(1, T, I)

    def once():
        it.reset()
        it.set_input(xin, 0)
        t0 = time.perf_counter()
        it.invoke()
        return time.perf_counter() - t0
    r = timed(once)
    r["y"] = float(np.asarray(it.get_output(0)).reshape(-1)[0])
    return r


def run_edgelstm(exe, model, threads):
    p = subprocess.run([exe, "bench", model, "--threads", str(threads), "--json"], capture_output=True,
                       text=True, check=True)
    j = json.loads(p.stdout)
    return {"min": j["latency_ms"]["min"], "median": j["latency_ms"]["median"], "runs": j["runs"],
            "y": j["output"][0], "kernel": j["kernel"], "threads": j["threads"]}


def run_scalar(exe, drv, runs=200):
    out = subprocess.run([exe, drv, str(runs)], capture_output=True, text=True, check=True).stdout.split()
    return {"min": float(out[0]), "median": float(out[1]), "runs": runs, "y": float(out[2])}


def callgrind(cmd, func, work):
    """Instructions executed inside `func` (inclusive), or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    out = os.path.join(work, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", f"--toggle-collect={func}"]
                   + cmd, capture_output=True, check=True)
    with open(out) as f:
        m = re.search(r"^(?:summary|totals):\s*(\d+)", f.read(), re.M)
    os.unlink(out)
    return int(m.group(1)) if m else None


def machine():
    model, cores = platform.processor() or "?", os.cpu_count()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {cores} cores"


def main():
    ap = argparse.ArgumentParser()
    for a in ("--edgelstm", "--export", "--driver", "--scalar", "--work"):
        ap.add_argument(a, required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--json")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    x = bench_window()
    elw, drv = write_files(a.work, keras_like_weights(), x)
    model = os.path.join(a.work, "seed_lstm128.tflite")
    subprocess.run([a.export, elw, model], check=True, capture_output=True)

    rows = []
    for th in [int(v) for v in a.threads.split(",")]:
        r = run_edgelstm(a.edgelstm, model, th)
        rows.append((f"edgelstm bench ({r['kernel']}, {r['threads']} thread{'s' if r['threads'] > 1 else ''})", r))
    rows.append(("TFLite interpreter (ai-edge-litert, 1 thread)", run_litert(model, x)))
    rows.append(("TFLite Micro (tflite-micro Python runtime)", run_tflm(model, x)))
    rows.append(("plain scalar C loop (-O2)", run_scalar(a.scalar, drv)))

    base = rows[0][1]
    print(f"Host inference: LSTM({N}) over {T} x {I} + Dense({O}), batch 1, {MACS / 1e6:.2f} M MAC per window")
    print(f"machine: {machine()}")
    print(f"{'runner':46s} {'median ms':>9s} {'min ms':>8s} {'runs':>5s}   edgelstm (1 thread) is faster by")
    print(f"{'':46s} {'':9s} {'':8s} {'':5s}   {'median':>9s} {'min':>6s}")
    for name, r in rows:
        print(f"{name:46s} {r['median']:9.3f} {r['min']:8.3f} {r['runs']:5d}   "
              f"{r['median'] / base['median']:8.1f}x {r['min'] / base['min']:5.1f}x")
    ys = {name: r["y"] for name, r in rows}
    spread = max(ys.values()) - min(ys.values())
    print(f"forecast of every runner on the same window: {rows[0][1]['y']:.7f} (max spread {spread:.2g})")

    counts = {}
    for name, cmd, func in (("reference kernel (lstm_f32_ref.c)", [a.driver, drv, "ref"], "elstm_lstm_window_f32_ref"),
                            ("optimized kernel (lstm_f32_opt.c)", [a.driver, drv, "opt"], "elstm_lstm_window_f32"),
                            ("optimized kernel, packed weights", [a.driver, drv, "packed"], "elstm_lstm_window_f32"),
                            ("plain scalar C loop (-O2)", [a.scalar, drv, "1"], "scalar_window")):
        counts[name] = callgrind(cmd, func, a.work)
    if all(v is not None for v in counts.values()):
        print("instructions per window (valgrind --tool=callgrind, independent of machine load):")
        for name, v in counts.items():
            print(f"  {name:32s} {v / 1e6:9.2f} M  ({v / MACS:.2f} per MAC)")
    else:
        print("instructions per window: valgrind not found, skipped")

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine(), "macs": MACS, "runners": dict(rows), "instructions": counts,
                       "forecast_spread": spread}, f, indent=1)
    if spread > 1e-5:
        print(f"error: the runners disagree on the forecast by {spread:.3g} (> 1e-5)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
