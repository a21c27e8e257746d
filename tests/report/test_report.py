"""edgelstm report and train --report, end to end, in a real browser.

Data is generated here (tests/report/gen_data.py: missing cells, a filled short gap, a
long gap). The page is checked three ways:
  - its source: well-formed markup (tests/report/htmlcheck.py), no external reference,
    every section and plot, titles, legends, nice ticks, marks inside their frames, the
    numbers of `eval --json` and `profile --json`;
  - headless Chromium (Debian `chromium`, tools/deps.sh): the DOM it builds (--dump-dom)
    has the same plots and marks as the source (nothing was repaired away) and no
    external reference, and the screenshot (--screenshot) shows the plots' colours;
  - printed to PDF by Chromium (--print-to-pdf) and read back with pdftotext: every
    section, every plot whole on one sheet, no navigation, not shrunk to fit;
  - a file of a million rows gives a page of bounded size that says how it was decimated.
Also: a model file without training history (as older edgelstm wrote them), --compare
with a second model (and the refusal of one that reads the data differently), bad
input, and the same bytes from `report` and `train --report`.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import htmlcheck  # noqa: E402
from elstm_testlib import ELSTM, ELSTM_FAST, ROOT, Suite  # noqa: E402

s = Suite("report")
T = tempfile.mkdtemp(prefix="elstm-report-")
GEN = os.path.join(ROOT, "tests", "report", "gen_data.py")
CSV = os.path.join(T, "g.csv")
DATA = ["--target", "temp", "--steps", "24", "--time-features", "hour"]
SMALL = ["--units", "12", "--epochs", "12", "--patience", "2", "--lr", "0.01", "--threads", "2"]
PLOTS = ["data-0", "data-1", "data-2", "loss", "lr", "forecast-all", "forecast-week", "error-histogram",
         "error-by-hour"]
SECTIONS = ["data", "training", "forecasts", "errors", "model"]


def run(*args, binary=ELSTM, **kw):
    return subprocess.run([binary, *args], capture_output=True, text=True, **kw)


def num(text):
    """A number as the report writes it (U+2212 minus, thousands commas, 1.5e-5)."""
    return float(text.strip().replace("\u2212", "-").replace(",", "").replace("%", ""))


def nice_linear(values):
    """Ticks 1, 2 or 5 times a power of ten apart, evenly."""
    steps = [b - a for a, b in zip(values, values[1:])]
    if not steps or max(steps) - min(steps) > 1e-9 * max(1.0, abs(max(steps))):
        return False
    m = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    return any(abs(m - k) < 1e-6 for k in (1, 2, 5, 10))


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def browser(page, *what):
    """Run headless Chromium on a local page: --dump-dom text or a --screenshot."""
    profile = tempfile.mkdtemp(dir=T)
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND", *what, "file://" + page]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def check_page(name, text, want_plots, want_history=True):
    root, errors = htmlcheck.parse(text)
    s.check(f"{name}: well-formed markup", not errors, "; ".join(errors[:5]))
    ext = htmlcheck.external_refs(root, text)
    s.check(f"{name}: no external reference, no script", not ext, "; ".join(ext[:5]))
    ids = [n.attrs.get("id") for n in root.find_all("section")]
    s.check(f"{name}: every section", ids == SECTIONS, str(ids))
    svgs = {n.attrs.get("data-plot"): n for n in root.find_all("svg", "plot")}
    s.check(f"{name}: every plot", list(svgs) == want_plots, str(list(svgs)))
    probs = {k: htmlcheck.plot_problems(v) for k, v in svgs.items()}
    probs = {k: v for k, v in probs.items() if v}
    s.check(f"{name}: each plot has a title, a legend, ticks, axis labels and marks inside its frame",
            not probs, str(probs)[:600])
    # each plot sits in a figure in a section
    ok = all(n.parent.tag == "figure" and n.parent.parent.tag == "section" for n in svgs.values())
    s.check(f"{name}: plots are figures inside their sections", ok)
    if not want_history:
        return root, svgs
    # linear tick labels are nice numbers (the time axes are checked below)
    bad = []
    for k, v in svgs.items():
        ys = [t.all_text() for t in v.find_all("text", "ytick")]
        if k == "loss":
            ok = all(re.fullmatch(r"[125](e\u2212\d+)?|0\.0*[125]|[125]0*", y) for y in ys)
        elif "degrees" in v.find_all("text", "ylabel")[0].all_text():  # compass: N, E, S, W, N
            ok = ys == ["0", "90", "180", "270", "360"]
        else:
            ok = nice_linear([num(y) for y in ys])
        if not ok:
            bad.append((k, ys))
    s.check(f"{name}: y ticks are nice numbers (1, 2 or 5 times a power of ten apart; log: 1, 2, 5 x 10^k)",
            not bad, str(bad))
    return root, svgs


# ---- data and models -------------------------------------------------------------------
subprocess.run([sys.executable, GEN, CSV, "2400"], check=True)
A = os.path.join(T, "a.tflite")
TRAIN_HTML = os.path.join(T, "train.html")
r = run("train", CSV, *DATA, *SMALL, "-o", A, "--report", TRAIN_HTML, "--json")
s.check("train --report succeeds", r.returncode == 0, r.stderr[-400:])
train_json = json.loads(r.stdout) if r.returncode == 0 else {}
s.check("train --report says where the page is", "Wrote " + TRAIN_HTML in r.stderr, r.stderr[-300:])

PAGE = os.path.join(T, "a.html")
r = run("report", A, CSV, "-o", PAGE, "--json")
s.check("report succeeds", r.returncode == 0, r.stderr[-400:])
info = json.loads(r.stdout) if r.returncode == 0 else {}
text = open(PAGE, encoding="utf-8").read() if os.path.exists(PAGE) else ""
s.check("report --json: bytes, plots, history", info.get("bytes") == len(text.encode()) and
        info.get("plots") == len(PLOTS) and info.get("history") is True, str(info))
s.check("train --report and report write the same bytes",
        os.path.exists(TRAIN_HTML) and open(TRAIN_HTML, encoding="utf-8").read() == text)
r2 = run("report", A, CSV, "-o", os.path.join(T, "again.html"))
s.check("the same model and data give the same bytes",
        r2.returncode == 0 and open(os.path.join(T, "again.html"), encoding="utf-8").read() == text)

root, svgs = check_page("page", text, PLOTS)

# ---- content against the other commands ------------------------------------------------
ev = json.loads(run("eval", A, CSV, "--json").stdout)
rows = {}
for tr in root.find_all("tr"):
    cells = [c.all_text().strip() for c in tr.children if c.tag in ("td", "th")]
    if cells and cells[0] in ("model", "persistence", "seasonal (one day before)"):
        rows[cells[0]] = cells
m = rows.get("model", [])
s.check("metrics table: the model's MAE, RMSE, R^2 and bias are eval's",
        len(m) == 7 and int(num(m[1])) == ev["n"] and abs(num(m[2]) - ev["mae"]) <= 5e-4 * ev["mae"] and
        abs(num(m[3]) - ev["rmse"]) <= 5e-4 * ev["rmse"] and abs(num(m[4]) - ev["r2"]) < 1e-4 and
        abs(num(m[5]) - ev["bias"]) <= 5e-3 * max(abs(ev["bias"]), 1e-3), f"{m} vs {ev}")
p = rows.get("persistence", [])
s.check("metrics table: persistence and seasonal rows are eval's baselines",
        len(p) == 7 and abs(num(p[3]) - ev["persistence"]["rmse"]) <= 5e-4 * ev["persistence"]["rmse"] and
        "seasonal (one day before)" in rows)

d0 = svgs.get("data-0")
classes = [" ".join(n.cls()) for n in d0.walk()] if d0 else []
s.check("data plot of the target: train, validation and test spans",
        all(any(c == f"span s-{k}" for c in classes) for k in ("train", "val", "test")), str(set(classes))[:300])
s.check("data plot: missing cells, the filled short gap and the long gap are marked",
        "rug miss" in classes and "rug fill" in classes and "span gap" in classes, str(set(classes))[:300])
title0 = d0.find_all("text", "title")[0].all_text() if d0 else ""
s.check("data plot titles name the column", "temp over the whole file" in title0, title0)
xt = [t.all_text() for t in d0.find_all("text", "xtick")] if d0 else []
s.check("time ticks are calendar dates (first with the year)",
        len(xt) >= 4 and re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 20\d\d", xt[0]) is not None and
        all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}( 20\d\d)?", x) for x in xt), str(xt))

loss = svgs.get("loss")
epochs = train_json.get("epochs_run", -1)
lines = {(" ".join(n.cls())): htmlcheck.path_points(n.attrs["d"]) for n in loss.find_all("path")
         if "line" in n.cls() and n.parent.tag == "g" and "marks" in n.parent.cls()} if loss else {}
s.check("loss plot: training and validation loss, one point per epoch",
        len(lines.get("line loss", [])) == epochs and len(lines.get("line val", [])) == epochs,
        f"{ {k: len(v) for k, v in lines.items()} } vs {epochs} epochs")
rules = [" ".join(n.cls()) for n in loss.find_all("path") if "rule" in n.cls()] if loss else []
s.check("loss plot: the best epoch and early stopping are marked",
        "rule best" in rules and ("rule stop" in rules) == bool(train_json.get("early_stopped")), str(rules))
s.check("loss plot is on a log scale", "log scale" in loss.find_all("text", "title")[0].all_text() if loss else False)

prof = json.loads(run("profile", A, "--json", binary=ELSTM_FAST).stdout)
dev = [tr for tr in root.find_all("table") if tr.attrs.get("id") == "device"]
dev_text = dev[0].all_text() if dev else ""
if prof.get("instructions"):
    want = f"{prof['instructions']:,}"
    s.check("model card: the emulated device's instruction count is profile's", want in dev_text,
            f"{want} not in {dev_text[:200]}")
    s.check("model card: the estimate at 240 MHz beside the seed's 2024 ms", "240 MHz" in dev_text and "2024 ms" in dev_text)
else:
    s.check("model card: says the device figures need the Arm tools", "Not measured" in text)
# a measurement that fails (a broken cross compiler first on PATH) is said in the page
fake = os.path.join(T, "fakebin")
os.mkdir(fake)
with open(os.path.join(fake, "arm-none-eabi-gcc"), "w") as f:
    f.write("#!/bin/sh\necho 'arm-none-eabi-gcc: broken on purpose' >&2\nexit 1\n")
os.chmod(os.path.join(fake, "arm-none-eabi-gcc"), 0o755)
r = run("report", A, CSV, "-o", os.path.join(T, "fail.html"), "--json",
        env=dict(os.environ, PATH=fake + os.pathsep + os.environ["PATH"]))
fail = open(os.path.join(T, "fail.html"), encoding="utf-8").read() if r.returncode == 0 else ""
s.check("a failed device measurement still gives the page, which says why",
        r.returncode == 0 and json.loads(r.stdout).get("device") == "failed" and
        "measurement on the emulated Cortex-M4F failed" in fail and "broken on purpose" in fail, r.stderr[-300:])
card = root.find_all("section")[-1].all_text()
s.check("model card: inputs and their scaling, window and horizon",
        all(k in card for k in ("hour_sin", "wd_cos", "compass_sin", "24 steps", "1 step = 1 h")), card[:300])

# ---- the browser ------------------------------------------------------------------------
if not s.check("chromium is installed (tools/deps.sh installs it)", chromium() is not None):
    s.done()
r = browser(PAGE, "--dump-dom")
dom = r.stdout
s.check("chromium renders the page to a DOM", r.returncode == 0 and "<html" in dom, r.stderr[-300:])
droot, derr = htmlcheck.parse(dom)
dsvgs = {n.attrs.get("data-plot"): n for n in droot.find_all("svg", "plot")}
s.check("the browser's DOM has every plot", list(dsvgs) == PLOTS, str(list(dsvgs)))
counts_src = {k: len(list(v.walk())) for k, v in svgs.items()}
counts_dom = {k: len(list(v.walk())) for k, v in dsvgs.items()}
s.check("the browser repaired nothing: the same elements in every plot", counts_src == counts_dom,
        f"{counts_src} vs {counts_dom}")
dprobs = {k: htmlcheck.plot_problems(v) for k, v in dsvgs.items()}
dprobs = {k: v for k, v in dprobs.items() if v}
s.check("in the DOM every plot's paths are non-empty with coordinates inside their frames", not dprobs, str(dprobs)[:400])
dext = htmlcheck.external_refs(droot, dom)
s.check("the DOM has no external reference", not dext, str(dext))
s.check("the DOM has every section", [n.attrs.get("id") for n in droot.find_all("section")] == SECTIONS)

PNG = os.path.join(T, "page.png")
r = browser(PAGE, f"--screenshot={PNG}", "--window-size=1100,6400")
s.check("chromium takes a screenshot", r.returncode == 0 and os.path.exists(PNG), r.stderr[-300:])
if os.path.exists(PNG):
    w, h, px = htmlcheck.png_pixels(PNG)
    rgb = px[:, :, :3].reshape(-1, 3).astype(int)
    s.check("screenshot size", (w, h) == (1100, 6400), f"{w}x{h}")
    paper = (rgb == 255).all(axis=1).mean()
    s.check("the screenshot is not blank", paper < 0.9, f"{paper:.3f} white")
    # the series colours of the style sheet are painted (exact pixels inside strokes and bars)
    colours = {"model blue": (0, 114, 178), "persistence orange": (230, 159, 0), "actual": (26, 26, 26),
               "validation vermillion": (213, 94, 0)}
    seen = {k: int((abs(rgb - v).max(axis=1) <= 6).sum()) for k, v in colours.items()}
    s.check("the screenshot shows the model, persistence, actual and validation colours",
            all(v >= 30 for v in seen.values()), str(seen))
    shutil.copy(PNG, os.path.join(os.environ.get("ELSTM_REPORT_PNG_DIR", T), "report.png"))

# ---- printed: Chromium's print to PDF, read back with poppler's pdftotext -------------------
PDF = os.path.join(T, "page.pdf")
r = browser(PAGE, f"--print-to-pdf={PDF}", "--no-pdf-header-footer")
s.check("chromium prints the page to PDF", r.returncode == 0 and os.path.exists(PDF), r.stderr[-300:])
if s.check("pdftotext is installed (poppler-utils, tools/deps.sh)", shutil.which("pdftotext") is not None) and \
        os.path.exists(PDF):
    info = subprocess.run(["pdfinfo", PDF], capture_output=True, text=True).stdout
    npages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    flat = lambda t: " ".join(t.replace("\u2212", "-").split())  # noqa: E731
    pages = [flat(subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), PDF, "-"], capture_output=True,
                                 text=True).stdout) for p in range(1, npages + 1)]
    s.check("the printed page has a few sheets", 3 <= npages <= 20, str(npages))
    heads = [flat(n.all_text()) for n in root.find_all("h2")]
    s.check("every section heading is printed", len(heads) == len(SECTIONS) and
            all(any(h in p for p in pages) for h in heads), str(heads))
    # a figure is never cut across two sheets: its title and its caption are on one sheet
    split = []
    for fig in root.find_all("figure", "plot"):
        title = flat(fig.find_all("text", "title")[0].all_text())
        cap = flat(fig.find_all("figcaption")[0].all_text())[:60]
        on = [k for k, p in enumerate(pages) if title in p]
        if len(on) != 1 or cap not in pages[on[0]]:
            split.append((title, on))
    s.check("every plot is printed whole on one sheet (title and caption together)",
            not split and len(root.find_all("figure", "plot")) == len(PLOTS), str(split)[:400])
    s.check("the navigation links are not printed", "Forecasts Errors Model card" not in pages[0], pages[0][:300])
    # the page fits the sheet as laid out: Chromium shrinks a page wider than the sheet to
    # fit, and then the print style sheet's 10.5 pt text comes out smaller
    bbox = subprocess.run(["pdftotext", "-bbox", PDF, "-"], capture_output=True, text=True).stdout
    hs = sorted(float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox))
    s.check("printed at its own size, not shrunk to fit (the words are 10.5 pt high)",
            hs and 10.5 <= hs[len(hs) // 2] <= 10.5 * 1.25, str(hs[len(hs) // 2] if hs else None))

# ---- a model without training history ----------------------------------------------------
OLD = os.path.join(T, "old.tflite")
blob = open(A, "rb").read()
start = blob.find(b'{"version":')
meta, end = json.JSONDecoder().raw_decode(blob[start:].decode("utf-8", "replace"))
meta.pop("training")
short = json.dumps(meta, separators=(",", ":")).encode()
open(OLD, "wb").write(blob[:start] + short + b" " * (end - len(short)) + blob[start + end:])
s.check("the stripped model is a valid old-style model (inspect shows no training record)",
        "training" not in run("inspect", OLD, "--json").stdout and run("eval", OLD, CSV).returncode == 0)
r = run("report", OLD, CSV, "-o", os.path.join(T, "old.html"), "--no-profile", "--json")
old = open(os.path.join(T, "old.html"), encoding="utf-8").read() if r.returncode == 0 else ""
s.check("report works on a model file without training history", r.returncode == 0, r.stderr[-300:])
s.check("... and says the history is absent (no loss plot)",
        "carries no training history" in old and 'data-plot="loss"' not in old and
        json.loads(r.stdout or "{}").get("history") is False)
check_page("old model", old, [p for p in PLOTS if p not in ("loss", "lr")], want_history=False)
s.check("... and no device figures with --no-profile", "not asked for" in old)

# ---- --compare ------------------------------------------------------------------------------
B = os.path.join(T, "b.tflite")
run("train", CSV, *DATA, "--units", "6", "--epochs", "3", "--threads", "2", "-o", B)
r = run("report", A, CSV, "--compare", B, "-o", os.path.join(T, "cmp.html"), "--no-profile")
cmp_text = open(os.path.join(T, "cmp.html"), encoding="utf-8").read() if r.returncode == 0 else ""
s.check("report --compare succeeds", r.returncode == 0, r.stderr[-300:])
croot, _ = check_page("compare", cmp_text, PLOTS)
evb = json.loads(run("eval", B, CSV, "--json").stdout)
crow = [[c.all_text().strip() for c in tr.children if c.tag == "td"] for tr in croot.find_all("tr")]
crow = [c for c in crow if c and c[0] == "b.tflite"]
s.check("--compare: the second model's errors beside the model's (eval's numbers)",
        len(crow) == 1 and abs(num(crow[0][3]) - evb["rmse"]) <= 5e-4 * evb["rmse"], str(crow))
s.check("--compare: its forecast is drawn in the forecast and hour plots",
        all(any("cmp" in n.cls() for n in dict((n.attrs.get("data-plot"), n) for n in croot.find_all("svg", "plot"))[k].walk())
            for k in ("forecast-all", "forecast-week", "error-by-hour", "error-histogram")))
# an int8 model beside its float original: evaluated with the integer kernels (eval's numbers)
Q = os.path.join(T, "q.tflite")
r = run("quantize", A, CSV, "-o", Q, "--calibration", "64")
s.check("quantize the report's model", r.returncode == 0, r.stderr[-300:])
r = run("report", Q, CSV, "--compare", A, "-o", os.path.join(T, "q.html"), "--no-profile")
q_text = open(os.path.join(T, "q.html"), encoding="utf-8").read() if r.returncode == 0 else ""
s.check("report on an int8 model --compare its float original succeeds", r.returncode == 0, r.stderr[-300:])
if q_text:
    qroot, _ = check_page("int8", q_text, PLOTS)
    evq = json.loads(run("eval", Q, CSV, "--json").stdout)
    eva = json.loads(run("eval", A, CSV, "--json").stdout)
    rows = [[c.all_text().strip() for c in tr.children if c.tag == "td"] for tr in qroot.find_all("tr")]
    qrow = [c for c in rows if c and c[0] == "model"]
    arow = [c for c in rows if c and c[0] == os.path.basename(A)]
    s.check("... the int8 model's errors are eval's (integer kernels), its float twin's are the float model's",
            len(qrow) == 1 and len(arow) == 1 and abs(num(qrow[0][3]) - evq["rmse"]) <= 5e-4 * evq["rmse"] and
            abs(num(arow[0][3]) - eva["rmse"]) <= 5e-4 * eva["rmse"] and evq["rmse"] != eva["rmse"],
            str((qrow, arow, evq["rmse"], eva["rmse"])))
    s.check("... the model card says int8", "as int8)" in q_text and "as float32)" in q_text)
C = os.path.join(T, "c.tflite")
run("train", CSV, "--target", "temp", "--steps", "12", "--units", "4", "--epochs", "1", "-o", C)
r = run("report", A, CSV, "--compare", C, "-o", os.path.join(T, "bad.html"))
s.check("--compare with a model that reads the data differently is refused in one sentence",
        r.returncode == 1 and "--compare needs" in r.stderr and "window length" in r.stderr and
        r.stderr.count("\n") == 1 and not os.path.exists(os.path.join(T, "bad.html")), r.stderr)

# ---- bad input --------------------------------------------------------------------------------
r = run("report", A, CSV)
s.check("report without -o is a usage error (exit 2)", r.returncode == 2, r.stderr)
fixture = os.path.join(ROOT, "tests", "fixtures", "tflite", "regression.tflite")
r = run("report", fixture, CSV, "-o", os.path.join(T, "x.html"))
s.check("a model without edgelstm metadata is refused (exit 1, one line)",
        r.returncode == 1 and "metadata" in r.stderr and r.stderr.count("\n") == 1 and
        not os.path.exists(os.path.join(T, "x.html")), r.stderr)
os.mkdir(os.path.join(T, "dir.html"))
r = run("report", A, CSV, "-o", os.path.join(T, "dir.html"), "--no-profile")
s.check("an output path that is a folder is refused (exit 1)", r.returncode == 1 and "dir.html" in r.stderr, r.stderr)
NOCOL = os.path.join(T, "nocol.csv")
with open(CSV) as f, open(NOCOL, "w") as g:
    for line in f:
        g.write(",".join(line.rstrip("\n").split(",")[:3]) + "\n")
r = run("report", A, NOCOL, "-o", os.path.join(T, "y.html"))
s.check("data without a column the model reads is refused (exit 1)",
        r.returncode == 1 and "wd" in r.stderr and not os.path.exists(os.path.join(T, "y.html")), r.stderr)

# ---- a million rows -------------------------------------------------------------------------------
BIG = os.path.join(T, "big.csv")
HEAD = os.path.join(T, "head.csv")
subprocess.run([sys.executable, GEN, BIG, "1000000", "--interval", "10", "--plain"], check=True)
with open(BIG) as f, open(HEAD, "w") as g:
    for i, line in enumerate(f):
        if i > 3000:
            break
        g.write(line)
M = os.path.join(T, "m.tflite")
run("train", HEAD, "--target", "temp", "--features", "temp,pres", "--steps", "6", "--units", "4", "--epochs", "2",
    "-o", M, binary=ELSTM_FAST)
BIGHTML = os.path.join(T, "big.html")
r = run("report", M, BIG, "-o", BIGHTML, "--no-profile", "--json", binary=ELSTM_FAST)
s.check("a report of a million-row file succeeds", r.returncode == 0, r.stderr[-300:])
big = open(BIGHTML, encoding="utf-8").read() if r.returncode == 0 else ""
size = len(big.encode())
s.check("the million-row page stays small (< 1 MB: series decimated per pixel column)", 0 < size < 1_000_000,
        f"{size} bytes")
s.check("the page says how the series were decimated",
        "Decimated for drawing: 1,000,000 values over 872 pixel columns" in big and
        json.loads(r.stdout or "{}").get("decimated", 0) >= 3)
check_page("million rows", big, ["data-0", "data-1", "loss", "lr", "forecast-all", "forecast-week",
                                 "error-histogram", "error-by-hour"])
r = browser(BIGHTML, "--dump-dom")
bsvgs = htmlcheck.parse(r.stdout)[0].find_all("svg", "plot")
s.check("chromium renders the million-row page with every plot", r.returncode == 0 and len(bsvgs) == 8)

s.done()
