"""`edgelstm adopt`: a Keras 3 model trained elsewhere (tests/fixtures/keras/adopt_k3.tflite,
made by tools/make_keras_fixtures.py the seed notebook's way on the Beijing excerpt) gets
edgelstm's metadata; then predict, eval, deploy --sample and the generated library treat it
like a model edgelstm trained.

Oracles: ai-edge-litert's outputs on the file's last window, recorded when the fixture
was made with the notebook's scaler (and with a second scaler); ai-edge-litert itself,
live, on the adopted file (it verifies the flatbuffer when it loads it); the scaler
the notebook computed.
"""
import atexit
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
from elstm_testlib import ELSTM, ROOT, Suite

s = Suite("adopt")
tmp = tempfile.mkdtemp(prefix="elstm-adopt-")
atexit.register(shutil.rmtree, tmp, True)
FIX = os.path.join(ROOT, "tests", "fixtures", "keras")
rec = json.load(open(os.path.join(FIX, "adopt_k3.json")))
MODEL = os.path.join(FIX, "adopt_k3.tflite")
DATA = os.path.join(ROOT, rec["data"])
OPTS = rec["options"]


def edgelstm(*args):
    return subprocess.run([ELSTM, *args], capture_output=True, text=True)


def scaler_csv(name):
    rows = [l.strip().split(",") for l in open(os.path.join(FIX, name)) if l.strip()]
    return {r[0]: (float(r[1]), float(r[2])) for r in rows[1:]}


# ---- adopt with the scaler fitted on the training split (the notebook's) ----
out = os.path.join(tmp, "adopted.tflite")
r = edgelstm("adopt", MODEL, DATA, *OPTS, "-o", out, "--json")
if not s.check("adopt MODEL DATA --target ... --features ... -o OUT", r.returncode == 0 and os.path.exists(out), r.stderr):
    s.done()
j = json.loads(r.stdout)
s.check("the inputs are the data's, in the model's order", j["inputs"] == rec["inputs"], j["inputs"])
s.check("steps come from the model's input, one output", j["steps"] == rec["steps"] and j["outputs"] == 1, j)
s.check("adopt evaluates the result on the data (test split, RMSE beside persistence)",
        j["eval"] and j["eval"]["split"] == "test" and j["eval"]["rmse"] > 0 and j["eval"]["persistence"]["rmse"] > 0,
        j.get("eval"))

meta = json.loads(edgelstm("inspect", out, "--json").stdout)["metadata"]["edgelstm"]
want = scaler_csv("adopt_k3_scaler.csv")
worst = max(max(abs(i["min"] - want[i["name"]][0]), abs(i["max"] - want[i["name"]][1])) for i in meta["inputs"])
# (inspect --json prints 9 significant digits)
s.check(f"the scaler is the notebook's: min/max of the first 70% of the rows (max diff {worst:.1e})", worst <= 1e-6,
        worst)
s.check("the target's scaler is TEMP's", abs(meta["target_min"] - want["TEMP"][0]) <= 1e-6 and
        abs(meta["target_max"] - want["TEMP"][1]) <= 1e-6, (meta["target_min"], meta["target_max"]))
s.check("the metadata says where the scaler came from", "training split" in meta.get("scaler_source", ""), meta)

r = edgelstm("predict", out, DATA, "--last", "--json")
p = json.loads(r.stdout) if r.returncode == 0 else {}
last = rec["last_window"]["scaler"]
s.check("predict --last gives ai-edge-litert's output on the last window (normalized, within 1e-5)",
        r.returncode == 0 and abs(p["normalized"] - last["normalized"]) <= 1e-5, (p, last))
s.check("... and the value in TEMP's units", r.returncode == 0 and abs(p["value"] - last["value"]) <= 1e-4, (p, last))
r = edgelstm("eval", out, DATA, "--json")
e = json.loads(r.stdout) if r.returncode == 0 else {}
s.check("eval works on the adopted model and matches adopt's own evaluation",
        r.returncode == 0 and abs(e["rmse"] - j["eval"]["rmse"]) <= 1e-9, r.stderr)

# ---- the file stays a standard TFLite model: the official interpreter, same outputs ----
try:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    ys = []
    for path in (MODEL, out):
        it = Interpreter(model_path=path, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        it.allocate_tensors()
        d = it.get_input_details()[0]
        x = np.random.default_rng(5).uniform(0, 1, d["shape"]).astype(np.float32)
        it.set_tensor(d["index"], x)
        it.invoke()
        ys.append(it.get_tensor(it.get_output_details()[0]["index"]).copy())
    s.check("ai-edge-litert loads the adopted file (its verifier passes) and gives the original's output, bit for bit",
            np.array_equal(ys[0], ys[1]), ys)
except ImportError as err:
    s.check("ai-edge-litert is installed (tools/requirements-test.txt)", False, err)
orig = open(MODEL, "rb").read()
new = open(out, "rb").read()
s.check("the original file's bytes are inside the adopted file unchanged (nothing of it is rewritten)",
        orig in new and len(new) - len(orig) < 4096, len(new) - len(orig))

# ---- a scaler given with --scaler ----
out2 = os.path.join(tmp, "scaled.tflite")
r = edgelstm("adopt", MODEL, DATA, *OPTS, "--scaler", os.path.join(FIX, "adopt_k3_scaler_all.csv"), "-o", out2)
s.check("adopt --scaler FILE", r.returncode == 0, r.stderr)
r = edgelstm("predict", out2, DATA, "--last", "--json")
p = json.loads(r.stdout) if r.returncode == 0 else {}
last = rec["last_window"]["scaler_all"]
s.check("with --scaler, predict --last gives ai-edge-litert's output for that scaler (within 1e-5)",
        r.returncode == 0 and abs(p["normalized"] - last["normalized"]) <= 1e-5 and abs(p["value"] - last["value"]) <= 1e-4,
        (p, last))
meta2 = json.loads(edgelstm("inspect", out2, "--json").stdout)["metadata"]["edgelstm"]
s.check("... and the metadata names the scaler file", "adopt_k3_scaler_all.csv" in meta2.get("scaler_source", ""), meta2)

# ---- adopting an adopted model replaces its entry ----
out3 = os.path.join(tmp, "again.tflite")
r = edgelstm("adopt", out2, DATA, *OPTS, "-o", out3)
m3 = json.loads(edgelstm("inspect", out3, "--json").stdout)
s.check("adopting an adopted model replaces its metadata (one edgelstm entry, the new scaler)",
        r.returncode == 0 and abs(m3["metadata"]["edgelstm"]["inputs"][0]["max"] - want["TEMP"][1]) <= 1e-6 and
        list(m3["metadata"]).count("edgelstm") == 1, r.stderr)

# ---- deploy --sample: the library prints what predict --last gives ----
lib = os.path.join(tmp, "lib")
r = edgelstm("deploy", out, "--target", "c", "--name", "adopted", "--sample", DATA, "-o", lib)
built = r.returncode == 0 and subprocess.run(["make", "-s", "-C", lib, "CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror -pedantic -DEXAMPLE_DIGITS=9"],
                                             capture_output=True).returncode == 0
sb = subprocess.run([os.path.join(lib, "static_buffer")], capture_output=True, text=True).stdout if built else ""
vals = {l.split(":")[0].strip(): float(l.split(":")[1]) for l in sb.splitlines() if l.startswith("  ")}
last = rec["last_window"]["scaler"]
s.check("deploy --sample: the example prints ai-edge-litert's output (value) and TEMP in degrees",
        built and abs(vals.get("value", 9) - last["normalized"]) <= 1e-5 and abs(vals.get("TEMP", 99) - last["value"]) <= 0.006,
        (r.stderr, sb))
header = open(os.path.join(lib, "adopted.h")).read() if built else ""
s.check("the generated header names the data's columns and says they are raw values scaled inside",
        "sample[0] = TEMP: value in the training CSV's units" in header and "scaled inside with the training scaler" in header
        and "carries no edgelstm metadata" not in header, header[:300])
r = edgelstm("deploy", MODEL, "--target", "c", "--name", "bare", "-o", os.path.join(tmp, "bare"))
bare = open(os.path.join(tmp, "bare", "bare.h")).read() if r.returncode == 0 else ""
s.check("without metadata the header says plainly that inputs are the model's own (already scaled) values",
        "carries no edgelstm metadata" in bare and "already scaled" in bare and "training CSV's units" not in bare,
        bare[:300])

# ---- a model without metadata: predict and eval say how to give it one ----
for cmd in ("predict", "eval"):
    r = edgelstm(cmd, MODEL, DATA)
    lines = r.stderr.strip().splitlines()
    s.check(f"{cmd} of the Keras file before adopt: one line naming the file and 'edgelstm adopt'",
            r.returncode == 1 and len(lines) == 1 and MODEL in lines[0] and "edgelstm adopt MODEL.tflite DATA.csv" in lines[0],
            r.stderr)

# ---- a wrong input order shows in adopt's evaluation ----
wrong = [o if o != "TEMP,PRES,DEWP,RAIN,WSPM,wd" else "PRES,TEMP,DEWP,RAIN,WSPM,wd" for o in OPTS]
r = edgelstm("adopt", MODEL, DATA, *wrong, "-o", os.path.join(tmp, "wrong.tflite"))
s.check("inputs in another order: adopt says the error is far above persistence and what to check",
        r.returncode == 0 and "check that the inputs above are the model's, in its order" in r.stdout, r.stdout[-300:])

# ---- bad use ----
def fails(status, what, args, needle):
    r = edgelstm(*args)
    lines = r.stderr.strip().splitlines()
    s.check(what, r.returncode == status and len(lines) == 1 and needle in r.stderr and "Sanitizer" not in r.stderr,
            (r.returncode, r.stderr))

none = os.path.join(tmp, "none.tflite")
fails(1, "too few inputs for the model: one sentence naming the counts", ["adopt", MODEL, DATA, "--time", "year,month,day,hour",
      "--target", "TEMP", "--features", "TEMP,PRES", "-o", none], "the data gives 2 inputs per step (TEMP, PRES)")
fails(2, "--steps other than the model's: usage error", ["adopt", MODEL, DATA, *OPTS, "--steps", "12", "-o", none],
      "--steps 12 differs from the model's input [1,24,7]")
fails(2, "no --target: usage error", ["adopt", MODEL, DATA, "-o", none], "missing --target")
fails(2, "no -o: usage error", ["adopt", MODEL, DATA, *OPTS], "missing -o")
bad = os.path.join(tmp, "bad_scaler.csv")
open(bad, "w").write("column,min,max\nTEMP,-10,11\nPRES,1000,1030\nDEWP,-28,-1\nRAIN,0,1\nWSPM,0,9\nwd_sin,-1,1\nHUMIDITY,0,100\n")
fails(1, "a scaler row for a column the model lacks: FILE:LINE naming it and the model's inputs",
      ["adopt", MODEL, DATA, *OPTS, "--scaler", bad, "-o", none], bad + ":8: 'HUMIDITY' is not one of the model's inputs")
open(bad, "w").write("column,min,max\nTEMP,-10,11\nPRES,1000,1030\n")
fails(1, "a scaler without a row for every input: says which is missing",
      ["adopt", MODEL, DATA, *OPTS, "--scaler", bad, "-o", none], "no row for input 'DEWP'")
open(bad, "w").write("name;lo;hi\n")
fails(1, "a scaler file without the header: says the header it needs",
      ["adopt", MODEL, DATA, *OPTS, "--scaler", bad, "-o", none], "column,min,max")
open(bad, "w").write("column,min,max\nTEMP,12,11\n")
fails(1, "min above max: FILE:LINE", ["adopt", MODEL, DATA, *OPTS, "--scaler", bad, "-o", none], bad + ":2:")
fails(1, "a GRU (not a forecaster edgelstm runs) is refused naming it",
      ["adopt", os.path.join(FIX, "k3_gru.tflite"), DATA, *OPTS, "-o", none], "GRU")
s.check("failed adopts write nothing", not os.path.exists(none))

# ---- several outputs: the metadata records them ----
d24 = os.path.join(tmp, "d24.tflite")
csv = os.path.join(tmp, "d24.csv")
with open(csv, "w") as f:   # a small series with 3 numeric columns, hourly
    f.write("time,a,b,c\n")
    for i in range(400):
        f.write(f"2020-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{np.sin(i / 5):.4f},{np.cos(i / 7):.4f},{i % 9}\n")
r = edgelstm("adopt", os.path.join(FIX, "k3_dense24.tflite"), csv, "--target", "a", "-o", d24, "--json")
j24 = json.loads(r.stdout) if r.returncode == 0 else {}
meta24 = json.loads(edgelstm("inspect", d24, "--json").stdout)["metadata"]["edgelstm"] if r.returncode == 0 else {}
s.check("a Dense(24) model: the metadata records 24 values per forecast", r.returncode == 0 and
        j24["outputs"] == 24 and meta24.get("outputs") == 24, r.stderr)
r = edgelstm("deploy", d24, "--target", "c", "--name", "d24", "-o", os.path.join(tmp, "d24lib"))
h = open(os.path.join(tmp, "d24lib", "d24.h")).read() if r.returncode == 0 else ""
s.check("... and its library has 24 outputs and the data's sensors", "#define D24_OUTPUTS     24" in h and
        "sample[0] = a: value in the training CSV's units" in h, r.stderr + h[:200])
# a full-integer file of TensorFlow's converter (int8, 24 steps x 4 inputs): adopted, then
# evaluated and deployed as an int8 forecaster (the runtime's integer kernels)
q8 = os.path.join(tmp, "int8_adopted.tflite")
beijing = os.path.join(ROOT, "tests", "fixtures", "beijing", "PRSA_Data_Changping_20161201-20170228.csv")
q8opts = ["--time", "year,month,day,hour", "--target", "TEMP", "--features", "TEMP,PRES,DEWP,WSPM"]
r = edgelstm("adopt", os.path.join(ROOT, "tests", "fixtures", "tflite", "int8.tflite"), beijing, *q8opts, "-o", q8,
             "--json")
jq = json.loads(r.stdout) if r.returncode == 0 else {}
s.check("adopt a converter's int8 file", r.returncode == 0 and jq.get("eval") and jq["steps"] == 24, r.stderr)
r = edgelstm("eval", q8, beijing, "--json")
eq = json.loads(r.stdout) if r.returncode == 0 else {}
s.check("... eval of the adopted int8 model (integer kernels) matches adopt's own evaluation",
        r.returncode == 0 and jq and abs(eq["rmse"] - jq["eval"]["rmse"]) <= 1e-9, r.stderr)
r = edgelstm("deploy", q8, "--target", "c", "--name", "q8a", "-o", os.path.join(tmp, "q8lib"))
s.check("... and it deploys as an int8 library", r.returncode == 0 and "int8" in r.stdout, r.stdout + r.stderr)
r = edgelstm("predict", d24, csv, "--last", "--json")
fc = json.loads(r.stdout)["forecasts"] if r.returncode == 0 else []
# the oracle: ai-edge-litert on the last window, scaled with the metadata's scaler by numpy
want = None
if meta24:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    raw = np.loadtxt(csv, delimiter=",", skiprows=1, usecols=(1, 2, 3))
    lo = np.array([i["min"] for i in meta24["inputs"]]); hi = np.array([i["max"] for i in meta24["inputs"]])
    x = ((raw[-meta24["steps"]:] - lo) / (hi - lo)).astype(np.float32)[None]
    it = Interpreter(model_path=d24, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    want = it.get_tensor(it.get_output_details()[0]["index"]).reshape(-1).astype(np.float64)
s.check("predict --last of the adopted Dense(24) model: its 24 forecasts are ai-edge-litert's (1e-5), in the target's units",
        want is not None and len(fc) == 24 and [f["h"] for f in fc] == list(range(1, 25)) and
        max(abs(f["normalized"] - w) for f, w in zip(fc, want)) <= 1e-5 and
        max(abs(f["value"] - (f["normalized"] * (meta24["target_max"] - meta24["target_min"]) + meta24["target_min"]))
            for f in fc) <= 1e-5, r.stderr + r.stdout[:200])
# a stacked model: adopted, but predict and eval take one LSTM layer for now
st = os.path.join(tmp, "st.tflite")
r = edgelstm("adopt", os.path.join(FIX, "k3_stacked.tflite"), csv, "--target", "a", "-o", st)
if s.check("a stacked Keras 3 model is adopted", r.returncode == 0, r.stderr):
    r = edgelstm("predict", st, csv, "--last")
    s.check("predict refuses the stacked model in one sentence saying what takes it",
            r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1 and
            "stacked LSTM layers" in r.stderr and "deploy" in r.stderr, r.stderr)
# metadata that disagrees with the dense layer (24 -> 23 in the file's JSON) is refused
data = open(d24, "rb").read() if os.path.exists(d24) else b""
bad = os.path.join(tmp, "d23.tflite")
open(bad, "wb").write(data.replace(b'"outputs":24', b'"outputs":23', 1))
r = edgelstm("deploy", bad, "--target", "c", "--name", "d23", "-o", os.path.join(tmp, "d23lib"))
s.check("metadata saying 23 values for a Dense(24) model is refused",
        b'"outputs":24' in data and r.returncode == 1 and
        "describes 23 values per forecast, but the model's dense layer has 24 outputs" in r.stderr, r.stderr)
s.done()
