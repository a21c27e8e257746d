"""TensorFlow-converted files (tests/fixtures/tflite/) -> `edgelstm run` and `inspect`.

The fixtures and the TFLite interpreter's recorded answers come from
tools/make_tflite_fixtures.py; this suite needs neither TensorFlow nor the interpreter.
"""
import glob
import json
import os
import subprocess
import tempfile

from elstm_testlib import ELSTM, ROOT, Suite

TOL = 1e-5
FIX = os.path.join(ROOT, "tests", "fixtures", "tflite")
# Graphs edgelstm runs, and the refusals expected for the others (substring of the message).
RUNNABLE = {"regression", "regression_dedup", "classifier", "stacked_dense", "time_major",
            "int8", "int8_float_io"}
REFUSED = {
    "go_backwards": "operator 0 (REVERSE_V2): it reverses the sequence for the LSTM of operator 1 (go_backwards=True)",
}
# int8 graphs: edgelstm computes what TFLite Micro computes, bit for bit (checked live in
# test_quantize.py); the recorded outputs come from TFLite, whose integer LSTM evaluates
# sigmoid/tanh and some rescalings differently, so they may differ by an output step or
# two (docs/quant.md). Tolerance in units of the output scale.
INT8_LSB = {"int8": 2, "int8_float_io": 2}
INT8_OUTPUT_SCALE = {"int8_float_io": "int8"}   # the float-I/O model's int8 output scale
# The converter drops a Dense bias that is all zeros; Keras still counts it.
DROPPED_BIAS = {"regression_dedup": 1, "classifier": 5, "go_backwards": 2}

s = Suite("tflite_fixtures_cli")
tmp = tempfile.mkdtemp(prefix="elstm-fixtures-")


def edgelstm(*args):
    return subprocess.run([ELSTM, *args], capture_output=True, text=True)


records = sorted(glob.glob(os.path.join(FIX, "*.json")))
s.check("fixtures are present", len(records) >= 8, FIX)
for rec_path in records:
    rec = json.load(open(rec_path))
    name = os.path.basename(rec_path)[:-5]
    model = os.path.join(FIX, rec["model"])

    r = edgelstm("inspect", model, "--json")
    if not s.check(f"{name}: inspect --json", r.returncode == 0, r.stderr.strip()):
        continue
    j = json.loads(r.stdout)
    s.check(f"{name}: inspect lists the interpreter's operators {rec['ops']}", j["ops"] == rec["ops"], j["ops"])
    for key in ("inputs", "outputs"):
        mine, theirs = j[key][0], rec[key][0]
        same = all(mine[k] == theirs[k] for k in ("name", "shape", "dtype", "zero_point")) and \
            abs(mine["scale"] - theirs["scale"]) <= 1e-7 * max(1.0, abs(theirs["scale"]))
        s.check(f"{name}: inspect {key} (name, shape, dtype, scale, zero point) as the interpreter reports",
                same, (mine, theirs))
    s.check(f"{name}: params {j['params']} = Keras's {rec['keras_params']} less dropped zero biases",
            j["params"] == rec["keras_params"] - DROPPED_BIAS.get(name, 0), (j["params"], rec["keras_params"]))
    r_text = edgelstm("inspect", model)
    s.check(f"{name}: inspect (text) names every operator",
            r_text.returncode == 0 and all(op in r_text.stdout for op in rec["ops"]))

    if name in RUNNABLE:
        s.check(f"{name}: inspect says edgelstm runs it", j["runnable"] is True, j.get("unsupported"))
        worst, err = 0.0, ""
        for k, case in enumerate(rec["cases"]):
            inp = os.path.join(tmp, f"{name}-{k}.csv")
            with open(inp, "w") as f:   # one value per line here; the shapes' rows otherwise
                f.write("\n".join(repr(v) for v in case["input"]) + "\n")
            r = edgelstm("run", model, inp, "--json")
            if r.returncode != 0:
                err = r.stderr.strip()
                worst = float("inf")
                break
            got = json.loads(r.stdout)["output"]
            if len(got) != len(case["output"]):
                worst, err = float("inf"), f"{len(got)} outputs, want {len(case['output'])}"
                break
            worst = max([worst] + [abs(a - b) for a, b in zip(got, case["output"])])
        tol = TOL
        if name in INT8_LSB:
            src = json.load(open(os.path.join(FIX, INT8_OUTPUT_SCALE.get(name, name) + ".json")))
            tol = INT8_LSB[name] * src["outputs"][0]["scale"] + 1e-6
        s.check(f"{name}: edgelstm run == TFLite interpreter on {len(rec['cases'])} inputs "
                f"(max diff {worst:.2e}, tolerance {tol:.2e})", worst <= tol, err or worst)
    elif name in REFUSED:
        s.check(f"{name}: inspect says edgelstm cannot run it", j["runnable"] is False)
        inp = os.path.join(tmp, f"{name}.csv")
        with open(inp, "w") as f:
            f.write("\n".join(repr(v) for v in rec["cases"][0]["input"]) + "\n")
        r = edgelstm("run", model, inp)
        s.check(f"{name}: run refuses it clearly (exit 1, one line naming the file)",
                r.returncode == 1 and r.stderr.count("\n") == 1 and model in r.stderr and REFUSED[name] in r.stderr,
                r.stderr.strip())

# int8 input tensors are described with their own scale and zero point.
j = json.loads(edgelstm("inspect", os.path.join(FIX, "int8.tflite"), "--json").stdout)
s.check("int8: the input is int8 with a real scale", j["inputs"][0]["dtype"] == "int8" and j["inputs"][0]["scale"] > 0)
s.done()
