"""Stateful models (train --stateful) in the official runtimes, one sample per invoke().

A small stateful model is trained on the Beijing excerpt (tests/fixtures/beijing/). Its
.tflite takes [1,1,I]: the TFLite interpreter (ai-edge-litert) and TFLite Micro are fed
the file's normalized rows (from `train --export-windows`, the same scaler) one per
invoke(), the LSTM state left in the variable tensors between invokes, and after each
window's last row their output must be edgelstm's forecast (`predict --json`, which runs
the state from the file's first row) within 1e-5. A run that resets the variables before
every invoke must not agree (so statefulness is what is tested). `inspect` says the model
is stateful, `eval` evaluates it sample by sample, and the file reads back (`run`).
"""
import json
import os
import subprocess
import tempfile

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from tflite_micro.python.tflite_micro import runtime as tflm

from elstm_testlib import BEIJING, ELSTM, ELSTM_FAST, Suite

s = Suite("stateful")
tmp = tempfile.mkdtemp(prefix="elstm-stateful-")
CSV = os.path.join(BEIJING, "PRSA_Data_Changping_20161201-20170228.csv")
T = 12
OPTS = ["--time", "year,month,day,hour", "--target", "TEMP", "--features", "TEMP,PRES,DEWP,WSPM,wd", "--steps", str(T)]
TOL = 1e-5


def run(*args, exe=ELSTM_FAST):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {p.stderr}")
    return p.stdout


model = os.path.join(tmp, "s.tflite")
run("train", CSV, *OPTS, "--units", "8", "--epochs", "2", "--batch", "4", "--stateful", "--threads", "1",
    "-o", model)
wfile = os.path.join(tmp, "w.bin")
run("train", CSV, *OPTS, "--export-windows", wfile)
with open(wfile, "rb") as f:
    head = f.readline().split()
    rows, n_in = int(head[1]), int(head[2])
    x = np.frombuffer(f.read(rows * n_in * 4), dtype="<f4").reshape(rows, n_in)

info = json.loads(run("inspect", model, "--json"))
s.check("inspect --json says the model is stateful", info.get("stateful") is True, info.get("stateful"))
s.check("the input takes one sample: [1,1,I]", info["inputs"][0]["shape"] == [1, 1, n_in], info["inputs"][0]["shape"])
variables = [t for t in info["tensors"] if t.get("variable")]
s.check("the LSTM state is two variable tensors", len(variables) == 2, variables)
text = run("inspect", model)
s.check("inspect's text says it is stateful", "stateful: one sample per invoke" in text, text[-300:])

pred = json.loads(run("predict", model, CSV, "--json"))
ours = np.array([p["normalized"] for p in pred["forecasts"]], dtype=np.float64)
s.check("predict forecasts every window (the excerpt has no gap)", len(ours) == rows - T + 1, (len(ours), rows))

data = open(model, "rb").read()
lite = Interpreter(model_content=data)
lite.allocate_tensors()
micro = tflm.Interpreter.from_bytes(data)
inp, out = lite.get_input_details()[0]["index"], lite.get_output_details()[0]["index"]
y_lite, y_micro, y_reset = [], [], []
for r in range(rows):
    xr = x[r][None, None, :]
    lite.set_tensor(inp, xr)
    lite.invoke()
    y_lite.append(float(lite.get_tensor(out)[0, 0]))
    micro.set_input(xr, 0)
    micro.invoke()
    y_micro.append(float(micro.get_output(0)[0, 0]))
y_lite, y_micro = np.array(y_lite[T - 1:]), np.array(y_micro[T - 1:])
d_lite, d_micro = float(np.max(np.abs(y_lite - ours))), float(np.max(np.abs(y_micro - ours)))
s.check(f"TFLite interpreter, one sample per invoke(), gives edgelstm's {len(ours)} forecasts (max diff {d_lite:.2e})",
        d_lite <= TOL, d_lite)
s.check(f"TFLite Micro, one sample per invoke(), gives edgelstm's {len(ours)} forecasts (max diff {d_micro:.2e})",
        d_micro <= TOL, d_micro)

# negative control: the state reset before every invoke is another model
for r in range(T - 1, rows):
    lite.reset_all_variables()
    lite.set_tensor(inp, x[r][None, None, :])
    lite.invoke()
    y_reset.append(float(lite.get_tensor(out)[0, 0]))
d_reset = float(np.max(np.abs(np.array(y_reset) - ours)))
s.check(f"with the variables reset before every invoke the forecasts differ (max diff {d_reset:.3f})", d_reset > 1e-3,
        d_reset)

lite.reset_all_variables()
lite.set_tensor(inp, x[0][None, None, :])
lite.invoke()
y_reset_first = float(lite.get_tensor(out)[0, 0])

# a reset restarts the stream: the first T forecasts again
lite.reset_all_variables()
again = []
for r in range(T):
    lite.set_tensor(inp, x[r][None, None, :])
    lite.invoke()
    again.append(float(lite.get_tensor(out)[0, 0]))
s.check("reset_all_variables() restarts the stream", abs(again[-1] - ours[0]) <= TOL, (again[-1], ours[0]))

ev = json.loads(run("eval", model, CSV, "--json", exe=ELSTM))
s.check("eval runs it sample by sample (\"stateful\": true) on the test windows", ev.get("stateful") is True and ev["n"] > 0,
        ev)
first = os.path.join(tmp, "first.csv")
with open(first, "w") as f:
    f.write(",".join(f"{v:.9g}" for v in x[0]) + "\n")
r1 = json.loads(run("run", model, first, "--json", exe=ELSTM))["output"][0]
s.check("edgelstm run reads the file back: one sample from a reset state = the stream's first output",
        abs(r1 - y_reset_first) <= TOL, (r1, y_reset_first))
s.done()
