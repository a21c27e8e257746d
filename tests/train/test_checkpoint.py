"""Checkpoints refused by name (issue 9, item 8): a checkpoint carries the CRC-32 of its bytes,
so bit flips anywhere, truncation, extra bytes, a foreign file and an older format are refused
by `train --resume` with one sentence naming the file ("... the checkpoint is damaged ...;
start again without --resume"), exit 1, the model left as it was. A file made to look whole
(the checksum recomputed) with values no run writes (Adam's step count at INT64_MAX, huge epoch
counts, a NaN best loss, a negative second moment, a zero random state, a bad epoch record) is
refused the same way, with no undefined behaviour (the sanitizer build runs). A sound
checkpoint still resumes to the bytes of an uninterrupted run.

Layout (train/checkpoint.c, native byte order): header of 104 bytes (magic ELSTMCK1, version,
units, inputs, steps, fingerprint, epochs_done, best_epoch, wait, pad, adam_t, rng[4],
best_monitor, total), four blocks of `total` floats, int64 n, n records of 4 doubles, (format 4)
the learning-rate schedule's state (2 doubles: the current rate, epochs on its plateau), CRC-32.
"""
import os
import shutil
import struct
import tempfile
import zlib

from elstm_files import DATA, make_csv, run
from elstm_testlib import Suite

s = Suite("checkpoint")
T = tempfile.mkdtemp(prefix="elstm-ckpt.")
CSV = make_csv(os.path.join(T, "data.csv"))
OPTS = [*DATA, "--units", "4", "--epochs", "3", "--threads", "1", "--batch", "16", "--patience", "0"]
HDR = 104
OFF = {"version": 8, "epochs_done": 32, "best_epoch": 36, "wait": 40, "adam_t": 48, "rng": 56,
       "best_monitor": 88, "total": 96}


def interrupted(path):
    """A model and the checkpoint after epoch 1 of 3."""
    env = dict(os.environ, ELSTM_TEST_STOP_AFTER_EPOCH="1")
    st, _, err = run(["train", CSV, *OPTS, "-o", path], env=env)
    return st == 1 and os.path.exists(path + ".ckpt"), err


def with_crc(body):
    return body + struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)


ref = os.path.join(T, "ref.tflite")
st, _, err = run(["train", CSV, *OPTS, "-o", ref])
model = os.path.join(T, "m.tflite")
ok, err1 = interrupted(model)
if not s.check("an interrupted run leaves a model and a checkpoint", st == 0 and ok, err + err1):
    s.done()
GOOD = open(model + ".ckpt", "rb").read()
MODEL = open(model, "rb").read()
total = struct.unpack_from("<Q", GOOD, OFF["total"])[0]
s.check("the checkpoint ends with the CRC-32 of the rest (zlib's)",
        struct.unpack("<I", GOOD[-4:])[0] == zlib.crc32(GOOD[:-4]) & 0xFFFFFFFF and
        len(GOOD) == HDR + 16 * total + 8 + 32 + 16 + 4, f"{len(GOOD)} bytes, {total} floats")


def resume_with(data, label, expect):
    with open(model + ".ckpt", "wb") as f:
        f.write(data)
    with open(model, "wb") as f:
        f.write(MODEL)
    st, _, err = run(["train", CSV, *OPTS, "-o", model, "--resume"])
    last = err.strip().splitlines()[-1] if err.strip() else ""   # after the "Training ..." line
    s.check(f"{label}: --resume refused, naming the checkpoint",
            st == 1 and err.count("edgelstm:") == 1 and last.startswith("edgelstm: " + model + ".ckpt: ")
            and expect in last
            and "start again without --resume" in err and "runtime error" not in err and "Sanitizer" not in err
            and open(model, "rb").read() == MODEL, f"status {st}: {err.strip()[-300:]}")


# --- damage: bit flips in every part, truncation, extra bytes ------------------------------------------
blocks = HDR + 16 * total
places = [("magic", 0), ("version", 8), ("units", 12), ("fingerprint", 25), ("epochs", 33), ("adam_t", 55),
          ("rng", 60), ("best loss", 95), ("total", 97), ("weights", HDR + 5), ("Adam m", HDR + 4 * total + 9),
          ("Adam v", HDR + 8 * total + 2), ("best weights", blocks - 3), ("record count", blocks + 1),
          ("epoch record", blocks + 8 + 17), ("learning rate", blocks + 8 + 32 + 6),
          ("plateau count", blocks + 8 + 32 + 14), ("checksum", len(GOOD) - 2)]
for name, at in places:
    for bit in (0, 5):
        bad = bytearray(GOOD)
        bad[at] ^= 1 << bit
        want = "not an edgelstm checkpoint" if name == "magic" else "damaged" if name != "version" else "format"
        resume_with(bytes(bad), f"bit {bit} of byte {at} flipped ({name})", want)
resume_with(GOOD[:-1], "one byte short", "damaged")
resume_with(GOOD[: HDR // 2], "cut inside the header", "damaged")
resume_with(GOOD + b"\0", "one byte more", "damaged")
resume_with(b"time,TEMP\n2020-01-01,1\n", "a CSV in its place", "not an edgelstm checkpoint")
resume_with(b"ELSTMCK1" + b"\xff" * 200, "the magic and junk", "format 4294967295")
v2 = bytearray(GOOD[:-4])
struct.pack_into("<I", v2, OFF["version"], 2)
resume_with(with_crc(bytes(v2)[:blocks + 8 + 32]), "an older format (2, no checksum)", "format 2")


# --- whole-looking files with values no run writes -------------------------------------------------------
def crafted(label, expect, fmt, at, *values):
    body = bytearray(GOOD[:-4])
    struct.pack_into(fmt, body, OFF.get(at, at) if isinstance(at, str) else at, *values)
    resume_with(with_crc(bytes(body)), label, expect)


crafted("adam_t = INT64_MAX", "Adam steps", "<q", "adam_t", 2 ** 63 - 1)
crafted("adam_t negative", "Adam steps", "<q", "adam_t", -1)
crafted("epochs_done = INT32_MAX", "epochs done", "<i", "epochs_done", 2 ** 31 - 1)
crafted("best epoch after the last", "best epoch", "<i", "best_epoch", 5)
crafted("patience count inconsistent", "patience", "<i", "wait", 7)
crafted("best loss NaN", "best loss", "<d", "best_monitor", float("nan"))
crafted("best loss infinite", "best loss", "<d", "best_monitor", float("inf"))
crafted("random state zero", "random state", "<4Q", "rng", 0, 0, 0, 0)
crafted("a NaN weight", "not finite", "<f", HDR + 4, float("nan"))
crafted("a negative second moment", "not finite", "<f", HDR + 8 * total + 4, -1.0)
crafted("an infinite best weight", "not finite", "<f", HDR + 12 * total, float("inf"))
crafted("a record of a later epoch", "record", "<d", blocks + 8, 9.0)
crafted("a record epoch of 1e300", "record", "<d", blocks + 8, 1e300)
crafted("a negative loss record", "record", "<d", blocks + 16, -1.0)
crafted("a record count of 2^62", "records", "<q", blocks, 2 ** 62)
crafted("a learning rate of 0", "learning rate", "<d", blocks + 8 + 32, 0.0)
crafted("a plateau count of 1.5 epochs", "learning rate", "<d", blocks + 8 + 32 + 8, 1.5)

# --- a sound checkpoint still resumes to the same bytes ---------------------------------------------------
with open(model + ".ckpt", "wb") as f:
    f.write(GOOD)
with open(model, "wb") as f:
    f.write(MODEL)
st, _, err = run(["train", CSV, *OPTS, "-o", model, "--resume"])
s.check("the untouched checkpoint resumes to the bytes of an uninterrupted run",
        st == 0 and open(model, "rb").read() == open(ref, "rb").read() and not os.path.exists(model + ".ckpt"),
        f"status {st}: {err.strip()[-300:]}")
shutil.rmtree(T, ignore_errors=True)
s.done()
