"""Summary of bench/bench_forecast.sh: one table row per recipe and station (markdown).

    python3 bench/forecast_summary.py OUT "STATION ..." RECIPE...

Reads OUT/RECIPE.STATION.json (`edgelstm backtest --json`). Columns:
  RMSE / persistence: mean over the folds of each fold's ratio (for multi-step models the
      ratio of the means over the steps), and the worst fold's;
  RMSE / seasonal: the same against the same hour one day earlier;
  h=1: the first step's RMSE / persistence (multi-step models);
  cover80 / cover95: the coverage of the intervals pooled over the folds, worst step and
      the largest distance from the level over the steps, in points.
Goals (issue 17): 1 h ahead mean <= 0.65x persistence over the stations, no fold > 0.75x;
24 h: mean over the steps <= 0.75x seasonal and <= 0.55x persistence; intervals within 3
points of their level on every station and step.
"""
import json
import os
import sys


def load(out, recipe, station):
    path = os.path.join(out, "%s.%s.json" % (recipe, station))
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def row(d):
    folds = d["folds"]
    vp = [f["rmse_vs_persistence"] for f in folds]
    vs = [f["rmse_vs_seasonal"] for f in folds]
    m = d["mean"]
    r = {
        "vp_mean": sum(vp) / len(vp), "vp_max": max(vp),
        "vs_mean": sum(vs) / len(vs), "vs_max": max(vs),
        "rmse": m["rmse"], "pers": m["persistence"]["rmse"], "seas": m["seasonal"]["rmse"],
        "steps": len(m.get("per_step", [])) or 1,
    }
    if "per_step" in m:
        h1 = [f["per_step"][0]["rmse"] / f["per_step"][0]["persistence_rmse"] for f in folds]
        r["h1"] = sum(h1) / len(h1)
    cov = {}
    for lv in m.get("intervals", []):
        level = lv["level"]
        key = "%g" % level
        steps = [s["coverage"][key] for s in m["per_step"]] if "per_step" in m else [lv["coverage"]]
        cov[key] = (min(steps), max(abs(100 * c - level) for c in steps))
    r["cov"] = cov
    return r


def main():
    out, stations, recipes = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
    print("| recipe | station | steps | RMSE | /persistence mean | worst fold | /seasonal mean | h=1 /persistence | "
          "cover80 worst step (off by) | cover95 worst step (off by) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rec in recipes:
        rows = []
        for st in stations:
            d = load(out, rec, st)
            if d is None:
                continue
            r = row(d)
            rows.append(r)
            cv = ["%.1f%% (%.1f)" % (100 * r["cov"][k][0], r["cov"][k][1]) if k in r["cov"] else "-" for k in ("80", "95")]
            print("| %s | %s | %d | %.4f | %.3f | %.3f | %.3f | %s | %s | %s |" % (
                rec, st, r["steps"], r["rmse"], r["vp_mean"], r["vp_max"], r["vs_mean"],
                "%.3f" % r["h1"] if "h1" in r else "-", cv[0], cv[1]))
        if len(rows) > 1:
            n = len(rows)
            off = {k: max(r["cov"][k][1] for r in rows if k in r["cov"]) for k in ("80", "95") if all(k in r["cov"] for r in rows)}
            print("| %s | **mean of %d** | | %.4f | **%.3f** | **%.3f** | **%.3f** | %s | %s | %s |" % (
                rec, n, sum(r["rmse"] for r in rows) / n, sum(r["vp_mean"] for r in rows) / n,
                max(r["vp_max"] for r in rows), sum(r["vs_mean"] for r in rows) / n,
                "%.3f" % (sum(r["h1"] for r in rows) / n) if all("h1" in r for r in rows) else "-",
                "off by %.1f" % off["80"] if "80" in off else "-", "off by %.1f" % off["95"] if "95" in off else "-"))


if __name__ == "__main__":
    main()
