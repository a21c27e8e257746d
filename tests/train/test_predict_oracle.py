"""predict --last against independent oracles: a numpy LSTM forward pass over the weights
that the official TFLite interpreter reads from the exported file, on a window that this
script normalizes itself from the raw CSV with the scaler in the model's metadata; the
same window through `edgelstm run` and through the TFLite interpreter; and the shape of
`predict` over every window (CSV and -o)."""
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

from elstm_testlib import ELSTM, ELSTM_FAST, Suite

s = Suite("predict-oracle")
tmp = tempfile.mkdtemp(prefix="elstm-predict-")
csv_path = os.path.join(tmp, "series.csv")
model = os.path.join(tmp, "m.tflite")
STEPS, ROWS = 20, 360
t0 = datetime.datetime(2022, 5, 1)
with open(csv_path, "w") as f:
    f.write("time,a,b,y\n")
    for r in range(ROWS):
        a = math.sin(2 * math.pi * r / 24) + 0.1 * math.cos(r * 0.37)
        b = 1000 + 5 * math.cos(2 * math.pi * r / 100)
        y = 10 + 8 * math.sin(2 * math.pi * (r - 3) / 24)
        f.write("%s,%.4f,%.3f,%.3f\n" % ((t0 + datetime.timedelta(hours=r)).strftime("%Y-%m-%d %H:%M:%S"), a, b, y))


def run(*args, exe=ELSTM):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run("train", csv_path, "--time", "time", "--target", "y", "--features", "a,b,y",
                   "--steps", str(STEPS), "--units", "12", "--epochs", "3", "--threads", "2", "--target-mode", "level", "--intervals", "none", "-o", model,
                   exe=ELSTM_FAST)
if not s.check("a model trains on the series", rc == 0, err[-300:]):
    s.done()

rc, out, err = run("predict", model, csv_path, "--last", "--json")
s.check("predict --last --json succeeds", rc == 0, err)
got = json.loads(out)
s.check("predict --last has time, value and normalized", all(k in got for k in ("time", "value", "normalized")), out)

meta = json.loads(run("inspect", model, "--json")[1])["metadata"]["edgelstm"]
names = [i["name"] for i in meta["inputs"]]
s.check("the model's inputs are a, b, y", names == ["a", "b", "y"], str(names))
col = {"a": 0, "b": 1, "y": 2}
# the CSV holds rounded values: use what the file says, as the tool does
with open(csv_path) as f:
    rows = [line.strip().split(",") for line in f.readlines()[1:]]
window = np.array([[(float(rows[r][1 + col[i["name"]]]) - i["min"]) / (i["max"] - i["min"]) for i in meta["inputs"]]
                   for r in range(ROWS - STEPS, ROWS)], dtype=np.float64)

from ai_edge_litert.interpreter import Interpreter  # noqa: E402

it = Interpreter(model_path=model)
it.allocate_tensors()
byname = {}
for d in it.get_tensor_details():
    try:
        byname[d["name"]] = it.get_tensor(d["index"])
    except ValueError:
        pass


def find(part):
    hits = [v for k, v in byname.items() if k.endswith(part)]
    assert len(hits) == 1, part
    return hits[0].astype(np.float64)


gates = ["input", "forget", "cell", "output"]
Wx = [find("input_to_%s_weights" % g) for g in gates]
Wh = [find("recurrent_to_%s_weights" % g) for g in gates]
B = [find("%s_gate_bias" % g) for g in gates]
Wd, bd = find("dense/weights"), find("dense/bias")


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


h = np.zeros(Wh[0].shape[0])
c = np.zeros_like(h)
for x in window:
    z = [B[k] + Wx[k] @ x + Wh[k] @ h for k in range(4)]
    c = sig(z[1]) * c + sig(z[0]) * np.tanh(z[2])
    h = sig(z[3]) * np.tanh(c)
yn = float((Wd @ h + bd)[0])
value = yn * (meta["target_max"] - meta["target_min"]) + meta["target_min"]
s.check("normalized forecast equals the numpy oracle within 1e-5", abs(got["normalized"] - yn) <= 1e-5,
        "%r vs %r" % (got["normalized"], yn))
s.check("forecast in target units equals the oracle within 1e-5 x range",
        abs(got["value"] - value) <= 1e-5 * (meta["target_max"] - meta["target_min"]), "%r vs %r" % (got["value"], value))
want_time = (t0 + datetime.timedelta(hours=ROWS)).strftime("%Y-%m-%dT%H:%M:%S")
s.check("forecast time is the last time + horizon x interval", got["time"] == want_time, got["time"])

win_csv = os.path.join(tmp, "window.csv")
np.savetxt(win_csv, window.astype(np.float32).reshape(1, -1), delimiter=",", fmt="%.9g")
rc, out, err = run("run", model, win_csv, "--json")
if s.check("edgelstm run on the same window succeeds", rc == 0, err):
    r = json.loads(out)["output"][0]
    s.check("edgelstm run gives predict --last's value within 1e-6", abs(r - got["normalized"]) <= 1e-6, "%r vs %r" % (r, got["normalized"]))
it.set_tensor(it.get_input_details()[0]["index"], window.astype(np.float32).reshape(1, STEPS, -1))
it.invoke()
lite = float(it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1)[0])
s.check("the TFLite interpreter agrees within 1e-5", abs(lite - got["normalized"]) <= 1e-5, "%r vs %r" % (lite, got["normalized"]))

rc, out, err = run("predict", model, csv_path)
lines = out.strip().split("\n")
s.check("predict writes a CSV header", lines[0] == "time,value,normalized,actual", lines[0])
s.check("predict covers every full window", len(lines) - 1 == ROWS - STEPS + 1, str(len(lines)))
last = lines[-1].split(",")
s.check("predict's last row is the --last forecast, with no actual value",
        last[0] == got["time"] and abs(float(last[1]) - got["value"]) < 1e-4 and last[3] == "", lines[-1])
prev = lines[-2].split(",")
s.check("earlier rows carry the actual value", abs(float(prev[3]) - float(rows[-1][3])) < 1e-9, lines[-2])
out_csv = os.path.join(tmp, "out.csv")
rc2, _, err2 = run("predict", model, csv_path, "-o", out_csv)
s.check("predict -o writes the same CSV", rc2 == 0 and open(out_csv).read() == out, err2)
rc, _, err = run("predict", model, csv_path, "--last", "-o", out_csv)
s.check("--last with -o is a usage error", rc == 2 and err.strip() != "", err)
s.done()
