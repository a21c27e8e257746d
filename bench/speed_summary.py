"""The table of `bench_train.sh speed`: speed_summary.py OUT PAIRS NAME:BIN ...

Reads OUT/speed-NAME-I.json (edgelstm train --json), OUT/speed-torch-I.json
(train_frameworks.py), OUT/speed-*-I.rss (/usr/bin/time -f %M, KB) for rounds I = 1..PAIRS;
prints each build's windows/s and its ratio to the PyTorch run of the same round, the
medians, peak memory, the goals, and whether the builds wrote the same model bytes."""
import json
import os
import statistics
import sys


def last_json(path):
    return json.loads(open(path).read().strip().split("\n")[-1])


def peak_mb(path):
    return int(open(path).read().split()[-1]) / 1024.0


def main():
    out, pairs = sys.argv[1], int(sys.argv[2])
    builds = [b.split(":")[0] for b in sys.argv[3:]]
    rounds = range(1, pairs + 1)
    torch = [last_json(os.path.join(out, "speed-torch-%d.json" % i)) for i in rounds]
    tw = [t["windows_per_second"] for t in torch]
    tm = max(peak_mb(os.path.join(out, "speed-torch-%d.rss" % i)) for i in rounds)
    print("%-9s %-24s %8s %-20s %9s %12s" % ("trainer", "windows/s per round", "median", "x PyTorch per round",
                                            "median x", "peak memory"))
    print("%-9s %-24s %8.0f %-20s %9s %9.0f MB   (%s)" % ("PyTorch", " ".join("%.0f" % v for v in tw),
                                                       statistics.median(tw), "", "", tm, torch[0]["version"]))
    for b in builds:
        ew = []
        for i in rounds:
            d = json.load(open(os.path.join(out, "speed-%s-%d.json" % (b, i))))
            ew.append(d["windows"]["train"] / min(d["epoch_seconds"]))   # the faster epoch
        r = [e / t for e, t in zip(ew, tw)]
        em = max(peak_mb(os.path.join(out, "speed-%s-%d.rss" % (b, i))) for i in rounds)
        print("%-9s %-24s %8.0f %-20s %8.2fx %9.0f MB" % ("edgelstm " + b, " ".join("%.0f" % v for v in ew),
                                                        statistics.median(ew), " ".join("%.2f" % v for v in r),
                                                        statistics.median(r), em))
        print("  goals (%s): >= 3x PyTorch %s, >= 2000 windows/s %s" % (
            b, "met" if statistics.median(r) >= 3 else "NOT met", "met" if statistics.median(ew) >= 2000 else "NOT met"))
    if len(builds) > 1:
        def model(b, i):
            return open(os.path.join(out, "speed-%s-%d.tflite" % (b, i)), "rb").read()
        same = all(model(builds[0], i) == model(b, i) for b in builds[1:] for i in rounds)
        print("model bytes of the %s builds: %s" % (" and ".join(builds), "identical" if same else "DIFFERENT"))


if __name__ == "__main__":
    main()
