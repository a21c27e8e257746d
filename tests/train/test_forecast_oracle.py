"""Multi-step forecasts (train --horizons, --target-mode delta, --intervals) against
independent oracles: the TFLite interpreter (ai-edge-litert) runs the exported Dense(6)
graph on a window this script normalizes itself from the raw CSV with the metadata's
scaler; predict's forecasts are the interpreter's outputs plus the window's last value
(delta mode), de-normalized; `edgelstm run` gives the interpreter's outputs; eval's per-step
errors, baselines and interval coverage are recomputed here with numpy from the CSV and
predict's forecasts."""
import csv
import datetime
import json
import math
import os
import subprocess
import tempfile

import numpy as np

from elstm_testlib import ELSTM, ELSTM_FAST, Suite

s = Suite("forecast-oracle")
tmp = tempfile.mkdtemp(prefix="elstm-forecast-")
csv_path = os.path.join(tmp, "series.csv")
model = os.path.join(tmp, "m.tflite")
STEPS, ROWS, H = 24, 700, 6
t0 = datetime.datetime(2021, 3, 1)
rng = np.random.default_rng(7)
with open(csv_path, "w") as f:
    f.write("time,p,y\n")
    y = 0.0
    for r in range(ROWS):
        y = 0.8 * y + rng.normal(0, 0.5)
        temp = 10 + 6 * math.sin(2 * math.pi * (r - 8) / 24) + y
        p = 1000 + 4 * math.cos(2 * math.pi * r / 90)
        f.write("%s,%.2f,%.3f\n" % ((t0 + datetime.timedelta(hours=r)).strftime("%Y-%m-%d %H:%M:%S"), p, temp))


def run(*args, exe=ELSTM):
    p = subprocess.run([exe, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run("train", csv_path, "--time", "time", "--target", "y", "--features", "p,y", "--steps", str(STEPS),
                   "--horizons", str(H), "--target-mode", "delta", "--target-time-features", "hour",
                   "--intervals", "80,95", "--split", "0.6,0.25", "--units", "8", "--epochs", "3", "--threads", "2",
                   "-o", model, exe=ELSTM_FAST)
if not s.check("a Dense(6) delta model with intervals trains", rc == 0, err[-300:]):
    s.done()
meta = json.loads(run("inspect", model, "--json")[1])["metadata"]["edgelstm"]
s.check("metadata: 6 outputs, delta, 2 interval levels of 6 half-widths",
        meta.get("outputs") == H and meta.get("target_mode") == "delta" and
        [len(i["halfwidth"]) for i in meta["intervals"]] == [H, H], json.dumps(meta)[:300])
names = [i["name"] for i in meta["inputs"]]
s.check("inputs p, y, target_hour_sin/cos (lead 1)", names == ["p", "y", "target_hour_sin", "target_hour_cos"] and
        meta["inputs"][2].get("lead") == 1, str(names))

with open(csv_path) as f:
    rows = list(csv.reader(f))[1:]
times = [datetime.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S") for r in rows]
raw = {"p": np.array([float(r[1]) for r in rows]), "y": np.array([float(r[2]) for r in rows])}


def norm_window(last):
    """Rows last-STEPS+1 .. last normalized with the metadata's scaler (this script's own encoding)."""
    cols = []
    for i in meta["inputs"]:
        if i["encoding"] == "numeric":
            v = raw[i["source"]][last - STEPS + 1:last + 1]
        else:
            ph = np.array([((t + datetime.timedelta(hours=i["lead"])).hour) / 24.0
                           for t in times[last - STEPS + 1:last + 1]])
            v = np.sin(2 * np.pi * ph) if i["encoding"] == "time_sin" else np.cos(2 * np.pi * ph)
        cols.append((v - i["min"]) / (i["max"] - i["min"]))
    return np.stack(cols, 1).astype(np.float32)


from ai_edge_litert.interpreter import Interpreter  # noqa: E402

it = Interpreter(model_path=model)
it.allocate_tensors()
inp, outp = it.get_input_details()[0], it.get_output_details()[0]
s.check("the interpreter sees input [1,24,4] and output [1,6]", list(inp["shape"]) == [1, STEPS, 4] and
        list(outp["shape"]) == [1, H], "%s %s" % (inp["shape"], outp["shape"]))
win = norm_window(ROWS - 1)
it.set_tensor(inp["index"], win[None])
it.invoke()
lite = it.get_tensor(outp["index"])[0].astype(np.float64)
lo, hi = meta["target_min"], meta["target_max"]
ti = meta["target_input"]
want = (lite + float(win[-1, ti])) * (hi - lo) + lo

rc, out, err = run("predict", model, csv_path, "--last", "--json")
got = json.loads(out) if rc == 0 else {}
fc = got.get("forecasts", [])
vals = np.array([f["value"] for f in fc])
s.check("predict --last gives 6 forecasts, h = 1..6, hourly after the last row",
        [f["h"] for f in fc] == list(range(1, H + 1)) and
        fc[0]["time"] == (times[-1] + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S") and
        got.get("origin") == times[-1].strftime("%Y-%m-%dT%H:%M:%S"), out[:300] + err)
s.check("predict --last = the interpreter's outputs + the last value, in target units (delta mode)",
        len(vals) == H and np.max(np.abs(vals - want)) <= 1e-5 * (1 + np.max(np.abs(want))),
        "predict %s, oracle %s" % (vals, want))
s.check("normalized = the interpreter's outputs (the change) + the last normalized value",
        len(fc) == H and max(abs(f["normalized"] - (l + float(win[-1, ti]))) for f, l in zip(fc, lite)) <= 1e-5,
        str(lite))
hw = [i["halfwidth"] for i in meta["intervals"]]
near = lambda a, b, c=0.0: abs(a - b) <= 1e-8 * (1 + abs(b) + abs(c))  # JSON prints 9 digits  # noqa: E731
s.check("each forecast carries its interval: value -+ the metadata's half-width of its step",
        all(near(f["intervals"][l]["low"], f["value"] - hw[l][j], hw[l][j]) and
            near(f["intervals"][l]["high"], f["value"] + hw[l][j], hw[l][j]) and f["intervals"][l]["level"] == lv
            for j, f in enumerate(fc) for l, lv in enumerate((80, 95))), json.dumps(fc[0]))

# `edgelstm run` on the same normalized window gives the interpreter's outputs
inp_csv = os.path.join(tmp, "window.csv")
np.savetxt(inp_csv, win.reshape(-1), fmt="%.9g")
rc, out, err = run("run", model, inp_csv, "--json")
r_out = np.array(json.loads(out)["output"]) if rc == 0 else np.zeros(H)
s.check("edgelstm run agrees with the interpreter on the Dense(6) graph", np.max(np.abs(r_out - lite)) <= 1e-5,
        "run %s, interpreter %s %s" % (r_out, lite, err))

# every window: one CSV row per step with origin and h, intervals per level
rc, out, err = run("predict", model, csv_path)
lines = out.splitlines()
s.check("predict CSV: origin,h,time,value,normalized,actual,low80,high80,low95,high95",
        rc == 0 and lines[0] == "origin,h,time,value,normalized,actual,low80,high80,low95,high95", lines[:2])
pred = {}
for line in lines[1:]:
    c = line.split(",")
    pred[(c[0], int(c[1]))] = (float(c[3]), float(c[6]), float(c[7]), float(c[8]), float(c[9]))
s.check("one row per window and step", len(lines) - 1 == (ROWS - STEPS + 1) * H, str(len(lines)))

# eval (test split) recomputed with numpy: windows whose 24 rows and 6 targets lie in the last 15%
rc, out, err = run("eval", model, csv_path, "--json")
ev = json.loads(out) if rc == 0 else {}
test0 = int(math.floor(ROWS * 0.85 + 1e-6))
lasts = [l for l in range(test0 + STEPS - 1, ROWS - H)]
s.check("eval --json has per_step (h, rmse, mae, persistence_rmse, seasonal_rmse) and intervals",
        len(ev.get("per_step", [])) == H and ev.get("n") == len(lasts) and
        all(k in ev["per_step"][0] for k in ("h", "rmse", "mae", "persistence_rmse", "seasonal_rmse")) and
        [i["level"] for i in ev.get("intervals", [])] == [80, 95] and
        all(k in ev["intervals"][0] for k in ("coverage", "mean_width", "interval_score")), out[:400] + err)
yv = raw["y"]
ok_steps, ok_cov = True, True
detail = ""
inside = {80: 0, 95: 0}
for h in range(1, H + 1):
    act = np.array([yv[l + h] for l in lasts])
    model_v = np.array([pred[(times[l].strftime("%Y-%m-%dT%H:%M:%S"), h)][0] for l in lasts])
    pers = np.array([yv[l] for l in lasts])
    seas = np.array([yv[l + h - 24] for l in lasts])
    e = ev["per_step"][h - 1]
    rm = math.sqrt(np.mean((model_v - act) ** 2))
    pr = math.sqrt(np.mean((pers - act) ** 2))
    sr = math.sqrt(np.mean((seas - act) ** 2))
    ma = np.mean(np.abs(model_v - act))
    if not (e["h"] == h and abs(e["rmse"] - rm) < 1e-5 and abs(e["mae"] - ma) < 1e-5 and
            near(e["persistence_rmse"], pr) and near(e["seasonal_rmse"], sr)):
        ok_steps = False
        detail = "h=%d eval %s numpy rmse %.6f pers %.6f seas %.6f" % (h, e, rm, pr, sr)
    for li, lv in enumerate((80, 95)):
        lo_, hi_ = [np.array([pred[(times[l].strftime("%Y-%m-%dT%H:%M:%S"), h)][1 + 2 * li + k] for l in lasts])
                    for k in (0, 1)]
        cov = np.mean((act >= lo_ - 1e-7) & (act <= hi_ + 1e-7))
        inside[lv] += cov
        if abs(e["coverage"]["%g" % lv] - cov) > 1.5 / len(lasts):
            ok_cov = False
            detail += " h=%d %g%%: eval %s numpy %.4f" % (h, lv, e["coverage"], cov)
s.check("per-step RMSE, MAE, persistence and same-hour-yesterday RMSE equal numpy's on predict's forecasts",
        ok_steps, detail)
s.check("per-step coverage of both levels equals numpy's from predict's low/high columns", ok_cov, detail)
s.check("mean RMSE is the mean over the steps", near(ev["rmse"], np.mean([e["rmse"] for e in ev["per_step"]])))
s.check("interval coverage = the mean over the steps; mean width = twice the mean half-width",
        all(abs(ev["intervals"][li]["coverage"] - inside[lv] / H) < 1.5 / len(lasts) and
            near(ev["intervals"][li]["mean_width"], 2 * np.mean(hw[li])) for li, lv in enumerate((80, 95))),
        json.dumps(ev["intervals"]))
s.done()
