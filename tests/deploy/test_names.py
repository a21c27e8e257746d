"""deploy --name against the identifiers a generated library already holds (issue 9, item 6).

The reserved-looking names are read from the libraries themselves: every identifier of the
runtime and of the Edge Impulse style API in the generated sources (elstm*, edgelstm*, ei*,
eidsp*, run_classifier*, signal*), cut at each underscore, as written, in lower case and in
capitals. deploy must refuse each one (exit 2, one sentence, nothing written) or generate a
library that compiles warning-free with its example (gcc -Werror -pedantic) and runs.
The names the issue found (run_classifier, edgelstm_lstm, edgelstm_device, edgelstm_status,
edgelstm_act) are among them.
"""
import os
import re
import shutil
import subprocess
import zipfile

from elstm_files import run, start

s, T, CSV, M = start("deploy-names")
STRICT = ["-std=c99", "-O0", "-Wall", "-Wextra", "-Werror", "-pedantic"]
ROOTS = ("elstm", "edgelstm", "ei", "eidsp", "run_classifier", "signal")


def identifiers(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    return set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", text))


PROBE = "zqnames"
found = set()
for target in ("c", "esp-idf", "platformio", "arduino"):
    out = os.path.join(T, "probe-" + target + (".zip" if target == "arduino" else ""))
    st, _, err = run(["deploy", M, "--target", target, "--name", PROBE, "-o", out])
    assert st == 0, err
    if target == "arduino":
        with zipfile.ZipFile(out) as z:
            texts = [z.read(n).decode() for n in z.namelist() if n.endswith((".c", ".h", ".ino"))]
    else:
        texts = [open(os.path.join(r, f)).read() for r, _, fs in os.walk(out) for f in fs
                 if f.endswith((".c", ".h", ".ino"))]
    for t in texts:
        found |= {i for i in identifiers(t) if PROBE not in i.lower()}

names = set()
for ident in found:
    if not ident.lower().startswith(ROOTS):
        continue
    parts = ident.split("_")
    for k in range(1, len(parts) + 1):
        p = "_".join(parts[:k])
        for n in (p, p.lower(), p.upper()):
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", n):
                names.add(n)
for n in ("run_classifier", "edgelstm_lstm", "edgelstm_device", "edgelstm_status", "edgelstm_act"):
    s.check(f"'{n}' is among the reserved-looking names tried", n in names, "")

refused = accepted = 0
for n in sorted(names):
    lib = os.path.join(T, "lib-" + n)
    st, _, err = run(["deploy", M, "--target", "c", "--name", n, "-o", lib])
    if st == 2:
        refused += 1
        if not (err.count("\n") == 1 and n in err and not os.path.exists(lib)):
            s.check(f"--name {n} is refused with one sentence and nothing written", False, err)
        continue
    accepted += 1
    if st != 0:
        s.check(f"--name {n}: deploy ends with 0 (accepted) or 2 (refused)", False, f"status {st}: {err}")
        continue
    exe = os.path.join(T, "prog-" + n)
    p = subprocess.run(["gcc", *STRICT, "-I", lib, "-o", exe, os.path.join(lib, "examples", "static_buffer.c"),
                        os.path.join(lib, n + ".c"), "-lm"], capture_output=True, text=True)
    ran = p.returncode == 0 and subprocess.run([exe], capture_output=True).returncode == 0
    s.check(f"--name {n} is accepted and its library compiles (gcc -Werror -pedantic) and runs", ran,
            p.stderr[-400:])
    shutil.rmtree(lib, ignore_errors=True)
s.check(f"every reserved-looking name was refused cleanly ({refused}) or compiled ({accepted})",
        refused + accepted == len(names) and refused > 0, f"{refused} + {accepted} of {len(names)}")
shutil.rmtree(T, ignore_errors=True)
s.done()
