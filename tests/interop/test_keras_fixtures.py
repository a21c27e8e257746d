"""Keras models as today's TensorFlow converts them (tests/fixtures/keras/, made by
tools/make_keras_fixtures.py) -> `edgelstm run`, `inspect`, `bench`.

Keras 3 writes each recurrent layer as a WHILE loop; edgelstm recognizes the LSTM cell in
the loop's body (float32 and the converter's int8-weight "hybrid" variant) and runs it as
the LSTM operator it is. The answers of the official TFLite interpreter (ai-edge-litert,
builtin reference kernels) were recorded with the files; this suite needs neither
TensorFlow nor the interpreter.
"""
import glob
import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile

from elstm_testlib import ELSTM, ELSTM_FAST, ROOT, Suite

TOL = 1e-5
FIX = os.path.join(ROOT, "tests", "fixtures", "keras")

s = Suite("keras_fixtures")
tmp = tempfile.mkdtemp(prefix="elstm-keras-")
atexit.register(shutil.rmtree, tmp, True)


def edgelstm(*args, exe=ELSTM):
    return subprocess.run([exe, *args], capture_output=True, text=True)


# adopt_k3.* is the input of tests/interop/test_adopt.py (a trained model, no recorded cases)
records = sorted(p for p in glob.glob(os.path.join(FIX, "*.json")) if not os.path.basename(p).startswith("adopt_"))
s.check("fixtures are present (Keras 3 and tf_keras)", len(records) >= 13, FIX)
kinds_refused = set()
for rec_path in records:
    rec = json.load(open(rec_path))
    name = os.path.basename(rec_path)[:-5]
    model = os.path.join(FIX, rec["model"])
    keras3 = rec["framework"].startswith("keras3")

    r = edgelstm("inspect", model, "--json")
    if not s.check(f"{name}: inspect --json", r.returncode == 0, r.stderr.strip()):
        continue
    j = json.loads(r.stdout)
    # LiteRT names a custom operator by its custom code (FlexTensorListReserve), inspect's list by its kind
    want_ops = ["CUSTOM" if o.startswith("Flex") else o for o in rec["ops"]]
    s.check(f"{name}: inspect lists the file's operators {want_ops}", j["ops"] == want_ops, j["ops"])
    if keras3:
        s.check(f"{name}: the main graph of a Keras 3 file has WHILE loops", "WHILE" in j["ops"], j["ops"])

    if rec["expect"] == "refused":
        word = rec["message"]
        kinds_refused.add(word)
        x = os.path.join(tmp, name + ".csv")
        with open(x, "w") as f:
            f.write(",".join(repr(v) for v in rec["cases"][0]["input"]) + "\n")
        r = edgelstm("run", model, x)
        lines = r.stderr.strip().splitlines()
        s.check(f"{name}: run refuses it with one line naming '{word}'",
                r.returncode == 1 and len(lines) == 1 and word in lines[0] and model in lines[0], r.stderr)
        if "Flex" in "".join(rec["ops"]):
            s.check(f"{name}: the refusal says what would work (a fixed batch size, builtin operators)",
                    "batch_size=1" in r.stderr and "without SELECT_TF_OPS" in r.stderr, r.stderr)
        else:
            s.check(f"{name}: the refusal says what would work (an LSTM layer)",
                    "LSTM" in r.stderr and ("keras.layers.LSTM(" in r.stderr or "forward" in r.stderr), r.stderr)
        s.check(f"{name}: inspect says why it cannot run", j["runnable"] is False and word in j.get("unsupported", ""),
                j.get("unsupported"))
        if keras3:
            loops = j.get("loops", [])
            s.check(f"{name}: inspect --json describes its loops", len(loops) >= 1 and all("kind" in l for l in loops),
                    loops)
        continue

    # ---- models edgelstm runs ----
    s.check(f"{name}: inspect says edgelstm runs it", j["runnable"] is True, j.get("unsupported"))
    if not rec["hybrid"]:
        # the text's constant data counts the loop bodies' weights too (float32: 4 bytes each)
        txt = edgelstm("inspect", model).stdout
        m = re.search(r"constant data (\d+) bytes", txt)
        s.check(f"{name}: inspect's constant data holds the {rec['keras_params']} float32 weights",
                m is not None and int(m.group(1)) >= 4 * rec["keras_params"], txt.splitlines()[1:2])
    s.check(f"{name}: params {j['params']} = Keras's count_params() {rec['keras_params']}",
            j["params"] == rec["keras_params"], (j["params"], rec["keras_params"]))
    if keras3:
        loops = j.get("loops", [])
        s.check(f"{name}: inspect --json finds {len(rec['units'])} LSTM loop(s) with units {rec['units']}",
                [l["kind"] for l in loops] == ["LSTM"] * len(rec["units"]) and
                [l["units"] for l in loops] == rec["units"] and all(l["steps"] == rec["steps"] for l in loops),
                loops)
        s.check(f"{name}: hybrid weights reported as such", all(l["hybrid"] == rec["hybrid"] for l in loops), loops)
    worst = worst_ref = 0.0
    ok = True
    for k, case in enumerate(rec["cases"]):
        x = os.path.join(tmp, f"{name}_{k}.csv")
        with open(x, "w") as f:
            f.write(",".join(repr(v) for v in case["input"]) + "\n")
        r = edgelstm("run", model, x, "--json")
        if r.returncode != 0:
            ok = s.check(f"{name}: run case {k}", False, r.stderr.strip())
            break
        got = json.loads(r.stdout)["output"]
        if len(got) != len(case["output"]):
            ok = s.check(f"{name}: run case {k} gives {len(case['output'])} values", False, len(got))
            break
        worst = max(worst, max(abs(a - b) for a, b in zip(got, case["output"])))
        if "output_ref" in case:   # relative to the printed digits (%.9g)
            worst_ref = max(worst_ref, max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(got, case["output_ref"])))
    if ok:
        s.check(f"{name}: run agrees with ai-edge-litert within {TOL} on {len(rec['cases'])} inputs (max {worst:.2e})",
                worst <= TOL, worst)
    if ok and "output_ref" in rec["cases"][0]:
        # the interpreter's reference kernels (BUILTIN_REF) use the same libm functions, so the
        # hybrid arithmetic matches them to the last bit (the builtin kernels differ in last bits)
        s.check(f"{name}: run gives the reference kernels' outputs to the printed digits (max {worst_ref:.2e})",
                worst_ref <= 2e-8, worst_ref)
    if rec["hybrid"]:
        # the interpreter's hybrid kernel quantizes its inputs; Keras computes in float
        kd = max(abs(a - b) for c in rec["cases"] for a, b in zip(c["output"], c["keras"]))
        s.check(f"{name}: the hybrid file differs from Keras's float model ({kd:.2e}), so the match above is "
                "the hybrid arithmetic's", kd > 10 * TOL, kd)

    # the same file as a forecaster (bench loads it with elstm_forecaster_load)
    r = edgelstm("bench", model, "--json", exe=ELSTM_FAST)
    if s.check(f"{name}: bench runs it", r.returncode == 0, r.stderr.strip()):
        b = json.loads(r.stdout)
        s.check(f"{name}: bench times it as a forecaster", b.get("mode", "forecaster") == "forecaster" and
                b["latency_ms"]["median"] > 0, b)

# The cell is found by its dataflow, not by names: the same file with every tensor and
# subgraph name scrambled (same lengths) still imports and gives the same outputs.
rec = json.load(open(os.path.join(FIX, "k3_stacked.json")))
data = open(os.path.join(FIX, "k3_stacked.tflite"), "rb").read()
for a, b in ((b"lstm", b"qxzv"), (b"while", b"wqqqe"), (b"MatMul", b"MqqMqq"), (b"BiasAdd", b"BqqqAqq"),
             (b"Sigmoid", b"Sqqqqqq"), (b"Tanh", b"Tqqq"), (b"split", b"sqqqq"), (b"TensorList", b"TqqqqqLqqq"),
             (b"cell", b"cqqq"), (b"body", b"bqqq"), (b"cond", b"cqqd")):
    data = data.replace(a, b)
scrambled = os.path.join(tmp, "scrambled.tflite")
open(scrambled, "wb").write(data)
x = os.path.join(tmp, "scrambled.csv")
with open(x, "w") as f:
    f.write(",".join(repr(v) for v in rec["cases"][0]["input"]) + "\n")
r = edgelstm("run", scrambled, x, "--json")
ok = r.returncode == 0 and abs(json.loads(r.stdout)["output"][0] - rec["cases"][0]["output"][0]) <= TOL
s.check("k3_stacked with its names scrambled: still two LSTM loops, same output", ok and b"lstm" not in data,
        r.stderr.strip())

# k3_lstm with its cond's LOGICAL_AND reading its own output (a cycle a fuzzer found; it
# once made inspect spin forever): refused in bounded time
cycle = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_tflite", "hang-cond-cycle")
try:
    r = subprocess.run([ELSTM, "inspect", cycle], capture_output=True, text=True, timeout=60)
    s.check("a cond whose AND reads itself is refused as not a count of steps",
            r.returncode == 0 and "stopping condition is not a count of steps" in r.stdout, r.stdout + r.stderr)
except subprocess.TimeoutExpired:
    s.check("a cond whose AND reads itself is refused as not a count of steps", False, "inspect did not finish")

s.check("refusals name GRU, Bidirectional, SimpleRNN, TensorFlow operators and an LSTM variant",
        {"GRU", "Bidirectional", "SimpleRNN", "TensorFlow operator"} <= kinds_refused and
        any("activation" in k for k in kinds_refused),
        kinds_refused)
s.done()
