#!/usr/bin/env python3
"""Make the small real-data excerpt the tests use (tests/fixtures/beijing/).

The tests need real weather (missing values, compass strings, a text column, an
index column, hourly time spread over four integer columns), but a clone of the
repository has nothing beside it. This script cuts a few months of two stations out
of the Beijing Multi-Site Air-Quality Data (CC BY 4.0; see the README it sits beside)
and keeps only the columns the tests read. Each kept field is copied as it is written
in the source file (same quotes, same number text, `NA` for missing, CRLF line ends), so the excerpt is
the source's own bytes, just fewer rows and columns.

    python3 tools/make_beijing_excerpt.py [SOURCE_DIR] [OUT_DIR]

SOURCE_DIR defaults to ../shared/data/beijing-air-quality (the project's reference data),
OUT_DIR to tests/fixtures/beijing. Standard library only. Re-running it on the same
source gives the same bytes.
"""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "beijing-air-quality")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "fixtures", "beijing")

# The columns the tests read: the index and text columns (kind detection), the time, the
# weather the models train on, and two pollutants with long missing runs (PM2.5, O3).
# Left out: PM10, SO2, NO2, CO.
COLUMNS = ["No", "year", "month", "day", "hour", "PM2.5", "O3", "TEMP", "PRES", "DEWP",
           "RAIN", "wd", "WSPM", "station"]

# (station, first month, last month), inclusive. Both end with the source files' last
# row, so `predict --last` forecasts after the same hour as on the whole file. Winter
# 2016/17 has missing TEMP and wd values in the rows the tests use.
EXCERPTS = [("Changping", (2016, 12), (2017, 2)),
            ("Dongsi", (2017, 1), (2017, 2))]
SOURCE_NAME = "PRSA_Data_{}_20130301-20170228.csv"


def unquote(field):
    return field[1:-1] if len(field) >= 2 and field[0] == field[-1] == '"' else field


def excerpt(station, first, last):
    src = os.path.join(SRC, SOURCE_NAME.format(station))
    with open(src, "rb") as f:
        raw = f.read()
    eol = "\r\n" if b"\r\n" in raw[:4096] else "\n"   # the source files end lines with CRLF
    lines = raw.decode("utf-8").split(eol)
    if lines and lines[-1] == "":
        lines.pop()
    header = [unquote(h) for h in lines[0].split(",")]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        sys.exit(f"{src}: no column {', '.join(missing)}; is this the Beijing Multi-Site Air-Quality Data?")
    keep = [header.index(c) for c in COLUMNS]
    iy, im = header.index("year"), header.index("month")
    head = lines[0].split(",")
    out = [",".join(head[i] for i in keep)]
    for n, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        if len(fields) != len(header):   # the source quotes no commas: a field per comma
            sys.exit(f"{src}:{n}: {len(fields)} fields, the header has {len(header)}")
        ym = (int(unquote(fields[iy])), int(unquote(fields[im])))
        if first <= ym <= last:
            out.append(",".join(fields[i] for i in keep))
    if len(out) < 2:
        sys.exit(f"{src}: no rows from {first[0]}-{first[1]:02d} to {last[0]}-{last[1]:02d}")
    name = "PRSA_Data_{}_{}{:02d}01-{}{:02d}{}.csv".format(
        station, first[0], first[1], last[0], last[1], last_day(*last))
    text = eol.join(out) + eol
    tmp = os.path.join(OUT, name + ".tmp")
    with open(tmp, "w", newline="") as f:
        f.write(text)
    os.replace(tmp, os.path.join(OUT, name))
    print(f"{name}: {len(out) - 1} rows, {len(text)} bytes; from {os.path.basename(src)} "
          f"(sha256 {hashlib.sha256(raw).hexdigest()})")


def last_day(year, month):
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for station, first, last in EXCERPTS:
        excerpt(station, first, last)
