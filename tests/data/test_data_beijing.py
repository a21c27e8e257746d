"""Real data: every station of the Beijing excerpt in tests/fixtures/beijing/ (real hours,
missing values, compass strings; see its README) loaded by `edgelstm data --json`, checked against an independent computation with Python's
standard csv module (row count, time range, interval, per-column missing counts,
min/max, kinds, default inputs, and the window counts of the issue's command).
Then the Changping file rewritten into every supported time layout (in a temp dir)
must give the same rows, range, statistics and windows.
"""
import collections
import csv
import datetime as dt
import glob
import math
import json
import os
import subprocess
import sys
import tempfile

from elstm_testlib import BEIJING, ELSTM, Suite

s = Suite("data_beijing")
DATA = BEIJING
STATIONS = sorted(glob.glob(os.path.join(DATA, "PRSA_Data_*.csv")))
COMPASS = {p: 22.5 * i for i, p in enumerate(
    "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split())}
TIME_COLS = ["year", "month", "day", "hour"]
FEATURES = ["TEMP", "PRES", "DEWP", "RAIN", "WSPM", "wd"]
MAX_GAP = 6


def run(path, *opts):
    p = subprocess.run([ELSTM, "data", path, *opts, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), ""


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def missing(v):
    return v.strip() in ("NA", "")


def is_counter(name, vals):
    """docs/data.md: an index column is named like one and counts 0,1,2,... or 1,2,3,..."""
    if name.lower() not in ("no", "no.", "index", "idx", "id", "row", "#", "n") or len(vals) < 2:
        return False
    if any(missing(v) for v in vals):
        return False
    first = float(vals[0])
    return first in (0.0, 1.0) and all(float(v) == first + k for k, v in enumerate(vals))


def oracle(path):
    """What a careful person computes by hand, without edgelstm's code."""
    header, rows = read(path)
    cols = {}
    for i, name in enumerate(header):
        vals = [r[i] for r in rows]
        present = [v for v in vals if not missing(v)]
        if name == "wd":
            kind, nums = "compass", [COMPASS[v] for v in present]
        elif name == "station":
            kind, nums = "text", []
        else:
            nums = [float(v) for v in present]
            kind = "time" if name in TIME_COLS else "index" if is_counter(name, vals) else "numeric"
        cols[name] = {"kind": kind, "missing": len(vals) - len(present),
                      "min": min(nums) if nums else None, "max": max(nums) if nums else None}
    idx = [header.index(c) for c in TIME_COLS]
    times = [dt.datetime(*(int(r[i]) for i in idx)) for r in rows]
    steps = collections.Counter((b - a).total_seconds() for a, b in zip(times, times[1:]))
    return {"header": header, "rows": rows, "n": len(rows), "cols": cols,
            "start": times[0].isoformat(), "end": times[-1].isoformat(),
            "interval": int(steps.most_common(1)[0][0])}


def oracle_windows(o, features, target, steps=168, horizon=1, split=(0.7, 0.2)):
    """Windows per split by the documented rule: every row of the window usable (no
    missing run longer than MAX_GAP in any used column), target observed, window and
    target inside one split's segment (no time gaps in these files)."""
    n, header, rows = o["n"], o["header"], o["rows"]
    usable = [True] * n
    for c in features:
        i = header.index(c)
        t = 0
        while t < n:
            if missing(rows[t][i]):
                e = t
                while e < n and missing(rows[e][i]):
                    e += 1
                if e - t > MAX_GAP:
                    for k in range(t, e):
                        usable[k] = False
                t = e
            else:
                t += 1
    ti = header.index(target)
    b0, b1 = math.floor(n * split[0] + 1e-6), math.floor(n * (split[0] + split[1]) + 1e-6)
    seg = [(0, b0), (b0, b1), (b1, n)]
    counts = [0, 0, 0]
    for st in range(0, n - steps - horizon + 1):
        T = st + steps - 1 + horizon
        if not all(usable[st:st + steps]) or not usable[T] or missing(rows[T][ti]):
            continue
        for k, (a, b) in enumerate(seg):
            if a <= st and T < b:
                counts[k] += 1
    return counts


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def compare_columns(what, got, want, names=None):
    bad = []
    for name in names or want:
        g, w = got.get(name), want[name]
        if g is None:
            bad.append(f"{name}: absent")
            continue
        for key in ("missing", "min", "max") + (("kind",) if names is None else ()):
            ok = g[key] == w[key] if key in ("missing", "kind") else close(g[key], w[key])
            if not ok:
                bad.append(f"{name}.{key}: {g[key]} != {w[key]}")
    s.check(what, not bad, "; ".join(bad[:5]))


s.check("the excerpt's two stations are present", len(STATIONS) == 2, f"found {STATIONS} in {DATA}")
for path in STATIONS:
    st = os.path.basename(path).split("_")[2]
    o = oracle(path)
    got, err = run(path)
    if not s.check(f"{st}: loads with defaults", got is not None, err):
        continue
    s.check(f"{st}: rows", got["rows"] == o["n"], f"{got['rows']} != {o['n']}")
    s.check(f"{st}: time range", (got["start"], got["end"]) == (o["start"], o["end"]),
            f"{got['start']}..{got['end']} != {o['start']}..{o['end']}")
    s.check(f"{st}: interval", got["interval_s"] == o["interval"], f"{got['interval_s']}")
    s.check(f"{st}: time columns detected", got["time_cols"] == "year,month,day,hour", got["time_cols"])
    compare_columns(f"{st}: every column's kind, missing count, min and max", got["columns"], o["cols"])
    default_inputs = []
    for name in o["header"]:
        k = o["cols"][name]["kind"]
        if k == "numeric":
            default_inputs.append(name)
        elif k == "compass":
            default_inputs += [name + "_sin", name + "_cos"]
    s.check(f"{st}: default inputs are the numeric and compass columns in file order",
            got["inputs"] == default_inputs, f"{got['inputs']}")

# In the whole station files `No` counts 1,2,3,... and is a row index (not an input); the
# excerpt's `No` starts at the source's row number, so it is a number column like any other.
# Renumbered from 1, as in the whole file, it is the index again.
with tempfile.TemporaryDirectory() as tmp:
    header, rows = read(STATIONS[0])
    i = header.index("No")
    renum = os.path.join(tmp, "renumbered.csv")
    with open(renum, "w", newline="") as f:
        csv.writer(f).writerows([header] + [r[:i] + [str(k + 1)] + r[i + 1:] for k, r in enumerate(rows)])
    r, err = run(renum)
    if s.check("a Beijing file whose No counts 1,2,3,... loads", r is not None, err):
        s.check("... and No is its row index, not an input",
                r["columns"]["No"]["kind"] == "index" and "No" not in r["inputs"],
                f"{r['columns']['No']['kind']}, inputs {r['inputs']}")

# The issue's exact command.
CHANGPING = os.path.join(DATA, "PRSA_Data_Changping_20161201-20170228.csv")
ISSUE = ["--time", "year,month,day,hour", "--target", "TEMP", "--features", ",".join(FEATURES)]
o = oracle(CHANGPING)
# The comparisons below test the loader's handling of missing values only if there are some.
s.check("Changping: the excerpt has missing TEMP and wd values (so missing counts are tested)",
        o["cols"]["TEMP"]["missing"] > 0 and o["cols"]["wd"]["missing"] > 0,
        f"TEMP {o['cols']['TEMP']['missing']}, wd {o['cols']['wd']['missing']}")
got, err = run(CHANGPING, *ISSUE)
if s.check("Changping: the issue's command loads", got is not None, err):
    s.check("Changping: 2,160 rows from 2016-12-01T00:00:00 to 2017-02-28T23:00:00",
            (got["rows"], got["start"], got["end"]) == (2160, "2016-12-01T00:00:00", "2017-02-28T23:00:00"),
            f"{got['rows']} {got['start']} {got['end']}")
    compare_columns("Changping: true missing counts and ranges of the chosen columns",
                    got["columns"], o["cols"], FEATURES)
    s.check("Changping: 7 model inputs",
            got["inputs"] == ["TEMP", "PRES", "DEWP", "RAIN", "WSPM", "wd_sin", "wd_cos"], f"{got['inputs']}")
    want = oracle_windows(o, FEATURES, "TEMP")
    w = got["windows"]
    s.check("Changping: windows per split match the documented rule",
            [w["train"], w["val"], w["test"]] == want and min(want) > 0, f"{w} != {want}")
    base = got


# The same file in every supported time layout.
def rewrite(dst, layout, bom_crlf=False):
    header, rows = o["header"], o["rows"]
    keep = [i for i, h in enumerate(header) if h not in TIME_COLS]
    idx = [header.index(c) for c in TIME_COLS]
    out = []
    for r in rows:
        y, m, d, h = (int(r[i]) for i in idx)
        t = dt.datetime(y, m, d, h)
        if layout == "iso":
            tcols = [t.strftime("%Y-%m-%d %H:%M:%S")]
        elif layout == "isot":
            tcols = [t.strftime("%Y-%m-%dT%H:%M")]
        elif layout == "jena":
            tcols = [t.strftime("%d.%m.%Y %H:%M:%S")]
        elif layout == "tmy":      # hour 0 is 24:00 of the day before
            p = t - dt.timedelta(days=1) if h == 0 else t
            tcols = [p.strftime("%m/%d/%Y"), "24:00" if h == 0 else t.strftime("%H:%M")]
        elif layout == "ints":
            tcols = [str(y), str(m), str(d), str(h), "0"]
        elif layout == "compact":
            tcols = [t.strftime("%Y%m%d%H")]
        elif layout == "us":       # one column, US order
            tcols = [t.strftime("%m/%d/%Y %H:%M")]
        elif layout == "ymd":
            tcols = [t.strftime("%Y/%m/%d %H:%M")]
        elif layout == "isoz":     # UTC marker
            tcols = [t.strftime("%Y-%m-%dT%H:%M:%SZ")]
        elif layout == "isofrac":  # fractional seconds
            tcols = [t.strftime("%Y-%m-%d %H:%M:%S.000")]
        elif layout == "jenashort":
            tcols = [t.strftime("%d.%m.%Y %H:%M")]
        elif layout == "datehour":  # a date column and an integer hour column
            tcols = [t.strftime("%Y-%m-%d"), str(h)]
        out.append(tcols + [r[i] for i in keep])
    names = {"iso": ["time"], "isot": ["date"], "jena": ["Date Time"],
             "tmy": ["Date (MM/DD/YYYY)", "Time (HH:MM)"], "ints": ["Year", "Month", "Day", "Hour", "Minute"],
             "compact": ["stamp"], "us": ["time"], "ymd": ["time"], "isoz": ["time"], "isofrac": ["time"],
             "jenashort": ["Date Time"], "datehour": ["date", "hour"]}[layout]
    with open(dst, "w", newline="", encoding="utf-8-sig" if bom_crlf else "utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n" if bom_crlf else "\n",
                       quoting=csv.QUOTE_ALL if bom_crlf else csv.QUOTE_MINIMAL)
        w.writerow(names + [header[i] for i in keep])
        w.writerows(out)


LAYOUTS = [("ISO 8601 with a space", "iso", [], False),
           ("ISO 8601 with T, no seconds", "isot", [], False),
           ("Jena dd.mm.yyyy HH:MM:SS", "jena", [], False),
           ("TMY3 MM/DD/YYYY + HH:MM with 24:00", "tmy", [], False),
           ("integer Year..Minute columns", "ints", [], False),
           ("--time-format %Y%m%d%H", "compact", ["--time", "stamp", "--time-format", "%Y%m%d%H"], False),
           ("ISO, BOM + CRLF + every field quoted", "iso", [], True),
           ("US MM/DD/YYYY HH:MM in one column", "us", [], False),
           ("YYYY/MM/DD HH:MM", "ymd", [], False),
           ("ISO 8601 with Z", "isoz", [], False),
           ("ISO 8601 with fractional seconds", "isofrac", [], False),
           ("Jena dd.mm.yyyy HH:MM", "jenashort", [], False),
           ("--time date,hour (a date and an integer hour)", "datehour", ["--time", "date,hour"], False)]
if got is not None:
    with tempfile.TemporaryDirectory() as tmp:
        for what, layout, opts, odd in LAYOUTS:
            dst = os.path.join(tmp, f"changping-{layout}{'-odd' if odd else ''}.csv")
            rewrite(dst, layout, odd)
            r, err = run(dst, "--target", "TEMP", "--features", ",".join(FEATURES), *opts)
            if not s.check(f"layout {what}: loads", r is not None, err):
                continue
            same = [k for k in ("rows", "start", "end", "interval_s", "inputs", "windows", "grid_rows")
                    if r[k] != base[k]]
            same += [c for c in FEATURES if r["columns"][c] != base["columns"][c]]
            s.check(f"layout {what}: same rows, range, interval, inputs, windows and statistics",
                    not same, f"differs in {same}")
s.done()
