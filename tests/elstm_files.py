"""Small inputs for the hardening suites (tests/cli/test_output_safety.py, test_bad_files.py,
tests/train/test_checkpoint.py): a generated hourly CSV and a model trained on it in a few
milliseconds, plus a runner that returns (status, stdout, stderr) with a timeout.

ELSTM_TEST_BIN overrides the binary under test (to check that a suite fails on an older build).
"""
import math
import os
import subprocess

from elstm_testlib import ELSTM

BIN = os.environ.get("ELSTM_TEST_BIN", ELSTM)
DATA = ["--target", "TEMP", "--steps", "8"]
SMALL = ["--units", "4", "--epochs", "2", "--threads", "1", "--batch", "16"]
COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]


def run(args, timeout=120, binary=None, env=None, stdin=subprocess.DEVNULL, prefix=()):
    """Run edgelstm ARGS; (status, stdout, stderr) as text. A timeout gives status 'timeout'."""
    try:
        p = subprocess.run([*prefix, binary or BIN, *args], capture_output=True, timeout=timeout,
                           env=env, stdin=stdin)
    except subprocess.TimeoutExpired:
        return "timeout", "", "timed out"
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def make_csv(path, rows=160, target_value=None):
    """An hourly series: time, TEMP (a daily cycle), PRES (a slow drift), wd (compass).
    target_value(i, v) may replace TEMP's value on row i."""
    with open(path, "w") as f:
        f.write("time,TEMP,PRES,wd\n")
        for i in range(rows):
            temp = 10 + 8 * math.sin(2 * math.pi * i / 24) + 0.1 * (i % 7)
            if target_value:
                temp = target_value(i, temp)
            pres = 1010 + 5 * math.cos(2 * math.pi * i / 97)
            day, hour = divmod(i, 24)
            f.write(f"2020-01-{1 + day:02d} {hour:02d}:00:00,{temp:.6g},{pres:.2f},{COMPASS[i % 8]}\n")
    return path


def train_model(csv, out, extra=(), binary=None):
    """Train the small model on csv; returns the run's (status, stdout, stderr)."""
    return run(["train", csv, *DATA, *SMALL, "-o", out, *extra], binary=binary)


def start(name):
    """A suite with a scratch folder, the CSV of make_csv and the small model trained on it:
    (suite, folder, csv, model). Ends the suite at once if the model does not train."""
    import tempfile
    from elstm_testlib import Suite
    s = Suite(name)
    folder = tempfile.mkdtemp(prefix=f"elstm-{name}.")
    csv = make_csv(os.path.join(folder, "data.csv"))
    model = os.path.join(folder, "m.tflite")
    st, _, err = train_model(csv, model)
    if not s.check("the small model trains", st == 0, err[-300:]):
        s.done()
    return s, folder, csv, model


def temp_names(folder):
    """Names in folder that look like edgelstm's temporary files or folders."""
    import re
    pat = re.compile(r"^\..*\.(tmp|old)([-.]\d+.*)$")
    return sorted(n for n in os.listdir(folder) if pat.match(n))
