"""Synthetic sensor files for the report tests (written here, so the suite needs nothing
outside the repository).

    gen_data.py OUT.csv ROWS [--interval MINUTES] [--plain] [--seed N]

An hourly-by-default weather-like series: temp (a daily and a slow cycle plus noise and
a little memory), pres (a slow wave) and wd (a 16-point compass column). Unless --plain:
about 1% of the temp and pres cells are NA, one run of 3 rows is absent from the file (a
short gap that the loader fills) and one run of 30 rows is absent (a long gap it leaves
open), all in the first 60% of the file (the training part).
"""
import argparse
import datetime

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("rows", type=int)
    ap.add_argument("--interval", type=int, default=60, help="minutes between rows")
    ap.add_argument("--plain", action="store_true", help="no missing cells and no gaps")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n = a.rows
    step = a.interval * 60
    t = np.arange(n, dtype=np.int64) * step
    day = (t % 86400) / 86400.0
    slow = t / (86400.0 * 30)
    noise = np.zeros(n)
    e = rng.normal(0, 0.6, n)
    for i in range(1, n):  # a little persistence, like weather
        noise[i] = 0.8 * noise[i - 1] + e[i]
    temp = 11 + 7 * np.sin(2 * np.pi * (day - 0.3)) + 4 * np.sin(2 * np.pi * slow) + noise
    pres = 1012 + 6 * np.sin(2 * np.pi * t / (86400.0 * 9)) + rng.normal(0, 0.3, n)
    compass = np.array(["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"])
    wd = compass[(np.round((np.sin(2 * np.pi * day) * 3 + rng.normal(0, 2, n)) % 16)).astype(int) % 16]
    keep = np.ones(n, bool)
    temp_s = np.char.mod("%.2f", temp).astype(object)
    pres_s = np.char.mod("%.1f", pres).astype(object)
    if not a.plain:
        cut = int(n * 0.6)
        na = rng.choice(np.arange(50, cut), size=max(1, n // 100), replace=False)
        temp_s[na[: len(na) // 2]] = "NA"
        pres_s[na[len(na) // 2:]] = ""
        s0 = cut // 3
        keep[s0:s0 + 3] = False                      # short gap: filled
        l0 = 2 * cut // 3
        keep[l0:l0 + 30] = False                     # long gap: left open
    base = datetime.datetime(2021, 3, 1)
    with open(a.out, "w") as f:
        f.write("time,temp,pres,wd\n")
        stamps = np.datetime64(base, "s") + t.astype("timedelta64[s]")
        lines = [f"{str(s).replace('T', ' ')},{x},{p},{w}\n"
                 for s, x, p, w, k in zip(stamps, temp_s, pres_s, wd, keep) if k]
        f.writelines(lines)


if __name__ == "__main__":
    main()
