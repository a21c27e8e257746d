"""The table of `bench_train.sh speed`: speed_summary.py OUT PAIRS NAME:BIN ...

Reads OUT/speed-NAME-I.json (edgelstm train --json), OUT/speed-torch-I.json
(train_frameworks.py), OUT/speed-*-I.rss (/usr/bin/time -f %M, KB) for rounds I = 1..PAIRS;
prints each build's windows/s and its ratio to the PyTorch run of the same round, the
medians, peak memory, the goals, and whether the builds wrote the same model bytes; with
OUT/speed-fma.txt (bench/cores.c fma 2: multiply-adds per second of each of two busy
threads), the most windows/s that any fp32 trainer of this model could reach on this
machine: every multiply-add of an epoch (training and validation) at the FMA pipes' rate,
nothing else costing time."""
import json
import os
import statistics
import sys


def last_json(path):
    return json.loads(open(path).read().strip().split("\n")[-1])


def peak_mb(path):
    return int(open(path).read().split()[-1]) / 1024.0


# The seed's model as bench_train.sh trains it: 168 steps of 7 inputs, LSTM(128), Dense(1).
STEPS, INPUTS, UNITS = 168, 7, 128


def macs_per_window(train, val):
    """Multiply-adds of an epoch per training window. A step forward: the four gates'
    products, 4H (I + H); backward: the weight gradient (the same count) and the gradient
    into h of the step before, 4H H; validation windows run forward only; the Dense(1)
    head is H per window each way (negligible, counted)."""
    fwd = STEPS * 4 * UNITS * (INPUTS + UNITS) + UNITS
    bwd = STEPS * (4 * UNITS * (INPUTS + UNITS) + 4 * UNITS * UNITS) + 2 * UNITS
    return fwd + bwd + fwd * val / train


def fma_rate(path):
    """Multiply-adds per second of the two threads together, or None."""
    try:
        line = open(path).read()
    except OSError:
        return None
    words = line.split()
    if "median" not in words:
        return None
    return 2 * float(words[words.index("median") + 1]) * 1e9


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
    medians = {}
    for b in builds:
        ew = []
        for i in rounds:
            d = json.load(open(os.path.join(out, "speed-%s-%d.json" % (b, i))))
            ew.append(d["windows"]["train"] / min(d["epoch_seconds"]))   # the faster epoch
        r = [e / t for e, t in zip(ew, tw)]
        medians[b] = statistics.median(ew)
        em = max(peak_mb(os.path.join(out, "speed-%s-%d.rss" % (b, i))) for i in rounds)
        print("%-9s %-24s %8.0f %-20s %8.2fx %9.0f MB" % ("edgelstm " + b, " ".join("%.0f" % v for v in ew),
                                                        statistics.median(ew), " ".join("%.2f" % v for v in r),
                                                        statistics.median(r), em))
        print("  goals (%s): >= 3x PyTorch %s, >= 2000 windows/s %s" % (
            b, "met" if statistics.median(r) >= 3 else "NOT met", "met" if statistics.median(ew) >= 2000 else "NOT met"))
    fma = fma_rate(os.path.join(out, "speed-fma.txt"))
    if fma:
        d = json.load(open(os.path.join(out, "speed-%s-1.json" % builds[0])))
        macs = macs_per_window(d["windows"]["train"], d["windows"]["validation"])
        top = fma / macs
        need = 3 * statistics.median(tw)
        print("FMA ceiling: 2 busy threads do %.1f G multiply-adds/s (bench/cores.c fma); an epoch costs %.2f M per "
              "training window (validation included), so no fp32 trainer exceeds %.0f windows/s here; 3x PyTorch's "
              "median is %.0f windows/s = %.0f%% of that ceiling" % (fma / 1e9, macs / 1e6, top, need, 100 * need / top))
        print("  share of the ceiling reached (medians): PyTorch %.0f%%, %s" % (
            100 * statistics.median(tw) / top, ", ".join("edgelstm %s %.0f%%" % (b, 100 * medians[b] / top) for b in builds)))
    if len(builds) > 1:
        def model(b, i):
            return open(os.path.join(out, "speed-%s-%d.tflite" % (b, i)), "rb").read()
        same = all(model(builds[0], i) == model(b, i) for b in builds[1:] for i in rounds)
        print("model bytes of the %s builds: %s" % (" and ".join(builds), "identical" if same else "DIFFERENT"))


if __name__ == "__main__":
    main()
