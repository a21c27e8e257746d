"""raw_rows.py CSV HEADER STEPS - the last STEPS rows of a Beijing air-quality CSV as raw
samples for tests/deploy/feed_raw.c: "TIME V0 V1 ..." per line, TIME = seconds since
1970-01-01T00:00:00 of the row's year,month,day,hour (calendar.timegm: no time zone), the
values in the order of the generated header's NAME_SENSOR_NAMES, compass directions as
degrees (N = 0, NNE = 22.5, ...). Standard library only; refuses rows with missing values
(the device is fed what a sensor reads, not interpolations)."""
import calendar
import csv
import re
import sys

POINTS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]

path, header, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
m = re.search(r"#define \w+_SENSOR_NAMES\s+\{(.*)\}", open(header).read())
sensors = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
rows = list(csv.DictReader(open(path, newline="")))[-steps:]
for r in rows:
    t = calendar.timegm((int(r["year"]), int(r["month"]), int(r["day"]), int(r["hour"]), 0, 0))
    vals = []
    for s in sensors:
        v = r[s]
        if v in ("", "NA", "NaN"):
            sys.exit("raw_rows.py: %s row %s has no %s" % (path, r.get("No", "?"), s))
        vals.append(str(POINTS.index(v.upper()) * 22.5) if v.upper() in POINTS else v)
    print(t, " ".join(vals))
