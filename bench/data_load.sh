#!/bin/sh
# bench/data_load.sh - how fast `edgelstm data` loads a large CSV, and whether time and
# memory grow linearly with the file. Generates hourly files of about 10, 50 and 100 MB
# (ISO time, 10 numeric columns with 1% NA, a compass column, a text column) in a temp
# dir, then times the full load (parse, time, grid, features, scaler, windows) with
# the optimized build: wall time and the process's peak resident memory (getrusage),
# best of three runs.
#   sh bench/data_load.sh [SIZES_MB...]     (default: 10 50 100)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ELSTM=${ELSTM_FAST:-$ROOT/build/edgelstm}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/elstm-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
SIZES=${*:-10 50 100}

gen() {   # gen MB FILE
  python3 - "$1" "$2" <<'PY'
import datetime as dt, math, random, sys
mb, path = int(sys.argv[1]), sys.argv[2]
r = random.Random(1)
pts = "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split()
t = dt.datetime(1900, 1, 1)
hour = dt.timedelta(hours=1)
with open(path, "w") as f:
    f.write("time,TEMP,PRES,DEWP,RAIN,WSPM,PM2.5,PM10,SO2,NO2,O3,wd,station\n")
    size, i = 0, 0
    while size < mb << 20:
        v = [10 + 10 * math.sin(i / 24 * 6.283) + r.random(), 1013 + r.random() * 20,
             r.random() * 20 - 10, r.random() < 0.9 and 0.0 or r.random() * 5, r.random() * 10,
             r.random() * 300, r.random() * 400, r.random() * 50, r.random() * 100, r.random() * 200]
        cells = ["NA" if r.random() < 0.01 else f"{x:.1f}" for x in v]
        line = f"{t:%Y-%m-%d %H:%M:%S},{','.join(cells)},{pts[r.randrange(16)]},Station\n"
        f.write(line)
        size += len(line)
        t += hour
        i += 1
PY
}

measure() {   # measure FILE: one line of figures
  python3 - "$ELSTM" "$1" <<'PY'
import os, sys, time
elstm, path = sys.argv[1:3]
size = os.path.getsize(path)
rows = sum(1 for _ in open(path, "rb")) - 1
best = None
for run in range(3):
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.execv(elstm, [elstm, "data", path, "--target", "TEMP", "--json"])
    _, status, ru = os.wait4(pid, 0)
    sec = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"edgelstm failed on {path}")
    if best is None or sec < best[0]:
        best = (sec, ru.ru_maxrss / 1024)
sec, peak = best
print(f"{size / 2**20:8.1f} {rows:10d} {sec:8.2f} {size / 2**20 / sec:10.1f} {rows / sec:12.0f} {peak:10.1f}")
PY
}

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo "# command: edgelstm data FILE --target TEMP --json (optimized build), best of 3 runs"
printf '%8s %10s %8s %10s %12s %10s\n' "MB" "rows" "seconds" "MB/s" "rows/s" "peak MiB"
for mb in $SIZES; do
  gen "$mb" "$TMP/load.csv"
  measure "$TMP/load.csv"
  rm -f "$TMP/load.csv"
done
