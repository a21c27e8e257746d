"""Damaged and hostile inputs, every one refused by name (issue 9, items 1, 5, 7, 9, 10, 13):
models whose edgelstm metadata is damaged field by field (each command that reads it says the
model file and the field, never an option that was not given, and writes nothing), scalers
beyond float32 (deploy refuses before writing, naming the column), FIFOs given as inputs (refused
at once, never waited on), standard output that cannot be written (/dev/full), and messages that
stay one line whatever the names hold.
"""
import json
import os
import shutil
import subprocess
import tempfile

from elstm_files import BIN, DATA, SMALL, make_csv, run, start, temp_names
from elstm_testlib import ROOT

s, T, CSV, M = start("bad-files")
SET_META = os.path.join(ROOT, os.environ.get("BUILD", "build"), "asan", "tools", "set_meta")
st, out, err = run(["inspect", M, "--json"])
META = json.loads(out)["metadata"]["edgelstm"]


def sentence(err):
    """One line on stderr, no sanitizer report."""
    return err.count("\n") == 1 and "Sanitizer" not in err and "runtime error" not in err


def mutant(name, change):
    meta = json.loads(json.dumps(META))
    change(meta)
    path = os.path.join(T, name + ".tflite")
    jpath = os.path.join(T, name + ".json")
    with open(jpath, "w") as f:
        f.write(meta if isinstance(meta, str) else json.dumps(meta))
    p = subprocess.run([SET_META, M, jpath, path], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return path


def setter(key, value):
    def change(m):
        m[key] = value
    return change


def input_setter(key, value):
    def change(m):
        m["inputs"][0][key] = value
    return change


# --- damaged metadata: every reader names the model and the field -------------------------------------
MUTANTS = [
    ("target", setter("target", "")),
    ("target", setter("target", "TE\u001b[2JMP")),
    ("split_train", setter("split_train", 1.5)),
    ("split_val", setter("split_val", 0.9)),
    ("time_format", setter("time_format", "%Q")),
    ("time_cols", setter("time_cols", "")),
    ("time_cols", setter("time_cols", "time,time")),
    ("interval_s", setter("interval_s", 0)),
    ("horizon", setter("horizon", 0)),
    ("steps", setter("steps", 0)),
    ("skip_rows", setter("skip_rows", -3)),
    ("max_gap", setter("max_gap", 2 ** 40)),
    ("target_min", setter("target_min", 5e300)),
    ("inputs[0]", input_setter("source", "")),
    ("inputs[0]", input_setter("time_feature", "hour")),
    ("inputs[0]", input_setter("min", 99.0)),
    ("inputs[0]", input_setter("name", "")),
    ("target_input", setter("target_input", 40)),
    ("inputs[0]", input_setter("encoding", "compass_sin")),   # TEMP read as numbers and as compass points
]
d = tempfile.mkdtemp(prefix="out.", dir=T)
for i, (field, change) in enumerate(MUTANTS):
    bad = mutant(f"bad{i}", change)
    commands = {
        "predict": ["predict", bad, CSV],
        "predict -o": ["predict", bad, CSV, "-o", os.path.join(d, "p.csv")],
        "predict --last": ["predict", bad, CSV, "--last"],
        "eval": ["eval", bad, CSV],
        "deploy": ["deploy", bad, "--target", "c", "--name", "t", "-o", os.path.join(d, "lib")],
        "deploy --sample": ["deploy", bad, "--target", "c", "--name", "t", "--sample", CSV, "-o",
                            os.path.join(d, "lib")],
        "bench": ["bench", bad, "--runs", "1"],
    }
    for what, args in commands.items():
        st, out, err = run(args)
        s.check(f"{what} refuses metadata with a damaged '{field}' ({i}): exit 1, the model and the field named",
                st == 1 and sentence(err) and bad in err and f"'{field}'" in err and "--" not in err
                and "\x1b" not in err and os.listdir(d) == [], f"status {st}: {err.strip()}")
    st, out, err = run(["inspect", bad])
    s.check(f"inspect shows the model and says its metadata is damaged ('{field}', {i})",
            st == 0 and "edgelstm cannot use this metadata" in out and f"'{field}'" in out and "\x1b" not in out,
            f"status {st}: {err.strip()} {out[-300:]}")

# --- a file that does not fit the model: the model's fields are named, never an option ----------
other = os.path.join(T, "other_layout.csv")
with open(CSV) as f, open(other, "w") as g:
    for k, line in enumerate(f):
        if k:
            t, rest = line.split(",", 1)
            day, hour = t.split(" ")
            line = f"{day[8:10]}.{day[5:7]}.{day[0:4]} {hour[:5]}x,{rest}"
        g.write(line)
skip = os.path.join(T, "short.csv")
open(skip, "w").write("time,TEMP\n")
for what, path in (("times in another layout", other), ("a header only", skip)):
    st, _, err = run(["predict", M, path])
    s.check(f"predict on a file with {what} names the file, and no option",
            st == 1 and sentence(err) and path in err and "--" not in err, err.strip())

# --- scalers beyond float32 ---------------------------------------------------------------------------
for label, extra, value in (("target", ["--features", "PRES"], lambda i, v: 1e39 if i == 5 else v),
                            ("input", [], lambda i, v: 1e39 if i == 5 else v),
                            ("input range", [], lambda i, v: 1e-41 * (i % 2))):
    csv = make_csv(os.path.join(T, "scaler.csv"), target_value=value)
    model = os.path.join(T, "scaler.tflite")
    st0, _, err0 = run(["train", csv, *DATA, *SMALL, *extra, "-o", model])
    lib = os.path.join(T, "scaler-lib")
    st, _, err = run(["deploy", model, "--target", "c", "--name", "t", "-o", lib])
    s.check(f"deploy refuses a {label} scaler beyond float32, naming the column, writing nothing",
            st0 == 0 and st == 1 and sentence(err) and "'TEMP'" in err and "float32" in err
            and not os.path.exists(lib) and temp_names(T) == [], f"train {st0} {err0[-200:]}; deploy {st}: {err}")

# --- FIFOs as inputs: refused at once ----------------------------------------------------------------
fifo = os.path.join(T, "pipe")
os.mkfifo(fifo)
numbers = os.path.join(T, "numbers.txt")
open(numbers, "w").write(" ".join(["0.5"] * (8 * 4)) + "\n")
FIFO_RUNS = {
    "data": ["data", fifo, "--target", "TEMP"],
    "inspect": ["inspect", fifo],
    "run (model)": ["run", fifo, numbers],
    "run (input)": ["run", M, fifo],
    "train": ["train", fifo, *DATA, *SMALL, "-o", os.path.join(T, "f.tflite")],
    "predict (model)": ["predict", fifo, CSV],
    "predict (data)": ["predict", M, fifo],
    "eval": ["eval", M, fifo],
    "deploy": ["deploy", fifo, "--target", "c", "--name", "t", "-o", os.path.join(T, "flib")],
    "deploy --sample": ["deploy", M, "--target", "c", "--name", "t", "--sample", fifo, "-o", os.path.join(T, "flib")],
    "bench": ["bench", fifo],
    "profile": ["profile", fifo],
}
for what, args in FIFO_RUNS.items():
    st, out, err = run(args, timeout=20)
    s.check(f"{what} refuses a FIFO input at once with one sentence",
            st == 1 and sentence(err) and "named pipe (FIFO)" in err and fifo in err, f"status {st}: {err.strip()}")

# --- standard output that cannot be written --------------------------------------------------------------
FULL_RUNS = {
    "inspect": ["inspect", M], "inspect --json": ["inspect", M, "--json"], "help": ["help", "train"],
    "--help": ["--help"], "--version": ["--version"], "data": ["data", CSV, *DATA], "data --json": ["data", CSV, *DATA, "--json"],
    "eval": ["eval", M, CSV], "predict": ["predict", M, CSV], "predict --last": ["predict", M, CSV, "--last"],
    "run": ["run", M, numbers], "deploy": ["deploy", M, "--target", "c", "--name", "t", "-o", os.path.join(T, "dlib")],
}
for what, args in FULL_RUNS.items():
    with open("/dev/full", "wb") as full:
        p = subprocess.run([BIN, *args], stdout=full, stderr=subprocess.PIPE, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    s.check(f"{what} > /dev/full fails: exit 1, 'cannot write to standard output'",
            p.returncode == 1 and "cannot write to standard output" in err, f"status {p.returncode}: {err.strip()}")

# --- messages: one line, escaped, naming what is wrong ------------------------------------------------------
st, _, err = run(["data", "a\nb.csv"])
s.check("a file name with a newline gives a one-line message, the newline escaped",
        st == 1 and sentence(err) and "a\\nb.csv" in err, repr(err))
st, _, err = run(["deploy", M, "--target", "c", "--name", "a\nb", "-o", os.path.join(T, "nlib")])
s.check("a --name with a newline gives a one-line usage error", st == 2 and sentence(err) and "a\\nb" in err, repr(err))
st, _, err = run(["data", ""])
s.check("data '' says the file name is empty", st == 1 and sentence(err) and "file name is empty" in err, repr(err))
st, _, err = run(["data", "\x1b[31mred.csv"])
s.check("a terminal escape in a name is shown as text", st == 1 and "\x1b" not in err and "\\x1B[31mred.csv" in err,
        repr(err))
amb = os.path.join(T, "amb.csv")
with open(CSV) as f, open(amb, "w") as g:
    for k, line in enumerate(f):
        g.write(line.rstrip("\n") + (",temp\n" if k == 0 else ",1\n"))
st, _, err = run(["data", amb, "--target", "Temp"])
s.check("--target Temp with both TEMP and temp in the file says 'ambiguous' and names both",
        st == 1 and sentence(err) and "ambiguous" in err and "'TEMP'" in err and "'temp'" in err, err)
ck = os.path.join(T, "r.tflite")
os.mkdir(ck + ".ckpt")
st, _, err = run(["train", CSV, *DATA, *SMALL, "-o", ck, "--resume"])
s.check("--resume with the checkpoint name taken by a folder says so, without suggesting a wrong path",
        st == 1 and sentence(err) and "is a folder" in err and "r.tflite/" not in err, err)

shutil.rmtree(T, ignore_errors=True)
s.done()
