"""Output safety: for every command that writes (train -o and its checkpoint, train
--export-windows, predict -o, deploy to every target), what it does to what is already at the
output path: one of its inputs (same path, hard link, symbolic link), a symbolic link to its own
earlier output or to nothing, a FIFO (with and without a reader), a device node, a foreign file
(refused without --force), a folder, a name too long, a read-only folder, a full disk, and a
kill -9 at each write stage (no partial file; the rerun or --resume works and removes the stale
temporary files). Also: temporary files are created exclusively (a symbolic link planted at the
old predictable name is not followed), with the umask's mode, and the file and its folder are
synced (issue 9, items 2, 3, 4, 11, 12).

Read-only folders and full disks use a small tmpfs where mount works (root); otherwise the full
disk is simulated with a file size limit (prlimit --fsize, SIGXFSZ ignored) and the read-only
case is reported as skipped. The kill -9 cases use strace's syscall fault injection.
"""
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import threading

from elstm_files import BIN, DATA, SMALL, run, start, temp_names, train_model
from elstm_testlib import ELSTM_FAST

s, T, CSV, M = start("output-safety")
IS_ROOT = os.geteuid() == 0


def digest(path):
    if os.path.isdir(path):
        h = hashlib.sha256()
        for root, dirs, files in sorted(os.walk(path)):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(root, f)
                h.update(os.path.relpath(p, path).encode())
                h.update(open(p, "rb").read())
        return h.hexdigest()
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


M2 = os.path.join(T, "m2.tflite")
train_model(CSV, M2, ["--seed", "7"])


class Writer:
    """args(out) is the command; variant(out) an earlier output of the same command that
    differs from what args writes."""

    def __init__(self, name, args, variant, inputs, folder=False, stream=False, ext=""):
        self.name, self.args, self.variant, self.inputs = name, args, variant, inputs
        self.folder, self.stream, self.ext = folder, stream, ext

    def cmd(self, out, *extra):
        return [*self.args(out), *extra]


def deploy(target, model=M, name="t"):
    return lambda o: ["deploy", model, "--target", target, "--name", name, "-o", o]


WRITERS = [
    Writer("train -o", lambda o: ["train", CSV, *DATA, *SMALL, "-o", o],
           lambda o: ["train", CSV, *DATA, *SMALL, "--seed", "7", "-o", o], [CSV], ext=".tflite"),
    Writer("train --export-windows", lambda o: ["train", CSV, *DATA, "--export-windows", o],
           lambda o: ["train", CSV, *DATA, "--steps", "4", "--export-windows", o], [CSV], stream=True, ext=".bin"),
    Writer("predict -o", lambda o: ["predict", M, CSV, "-o", o], lambda o: ["predict", M2, CSV, "-o", o], [M, CSV],
           stream=True, ext=".csv"),
    Writer("deploy c", deploy("c"), deploy("c", name="old"), [M], folder=True),
    Writer("deploy esp-idf", deploy("esp-idf"), deploy("esp-idf", name="old"), [M], folder=True),
    Writer("deploy platformio", deploy("platformio"), deploy("platformio", name="old"), [M], folder=True),
    Writer("deploy arduino", deploy("arduino"), deploy("arduino", name="old"), [M], stream=True, ext=".zip"),
    Writer("report -o", lambda o: ["report", M, CSV, "--no-profile", "-o", o],
           lambda o: ["report", M2, CSV, "--no-profile", "-o", o], [M, CSV], stream=True, ext=".html"),
]
WRITERS.append(Writer("adopt -o", lambda o: ["adopt", M, CSV, *DATA, "-o", o],
                      lambda o: ["adopt", M2, CSV, *DATA, "-o", o], [M, CSV], ext=".tflite"))
if run(["help", "quantize"])[0] == 0:   # issue 11's command writes a model too
    WRITERS.append(Writer("quantize -o", lambda o: ["quantize", M, CSV, "-o", o],
                          lambda o: ["quantize", M2, CSV, "-o", o], [M, CSV], ext=".tflite"))


def fresh_dir(tag):
    d = tempfile.mkdtemp(prefix=tag + ".", dir=T)
    return d


def reference(w):
    """The output of an ordinary run (to compare what a writer leaves behind)."""
    d = fresh_dir("ref")
    out = os.path.join(d, "out" + w.ext)
    st, _, err = run(w.cmd(out))
    assert st == 0, f"{w.name}: {err}"
    return out


REF = {w.name: reference(w) for w in WRITERS}

# --- output == input -----------------------------------------------------------------------------
for w in WRITERS:
    for inp in w.inputs:
        d = fresh_dir("same")
        copy = os.path.join(d, os.path.basename(inp))
        shutil.copy(inp, copy)
        args = [copy if a == inp else a for a in w.cmd(copy)]
        before = digest(copy)
        st, _, err = run(args)
        s.check(f"{w.name} onto its input {os.path.basename(inp)} is refused, the input intact",
                st == 1 and "is also an input" in err and digest(copy) == before and not temp_names(d),
                f"status {st}: {err.strip()}")
        for kind in ("hard link", "symbolic link"):
            alias = os.path.join(d, "alias" + w.ext)
            (os.link if kind == "hard link" else os.symlink)(copy, alias)
            args = [copy if a == inp else a for a in w.cmd(alias)]
            st, _, err = run(args)
            s.check(f"{w.name} onto a {kind} to its input {os.path.basename(inp)} is refused",
                    st == 1 and digest(copy) == before and ("is also an input" in err or "symbolic link" in err),
                    f"status {st}: {err.strip()}")
            os.unlink(alias)
# train's checkpoint (MODEL.ckpt) is an output too: never the training data
d = fresh_dir("same")
csv_ckpt = os.path.join(d, "m.tflite.ckpt")
shutil.copy(CSV, csv_ckpt)
before = digest(csv_ckpt)
st, _, err = run(["train", csv_ckpt, *DATA, *SMALL, "-o", os.path.join(d, "m.tflite")])
s.check("train whose checkpoint name is its input is refused, the input intact",
        st == 1 and "is also an input" in err and digest(csv_ckpt) == before, f"status {st}: {err.strip()}")
# a folder library that holds the model it is made from
d = fresh_dir("same")
lib = os.path.join(d, "lib")
st0, _, _ = run(["deploy", M, "--target", "c", "--name", "t", "-o", lib])
inner = os.path.join(lib, "m.tflite")
shutil.copy(M, inner)
st, _, err = run(["deploy", inner, "--target", "c", "--name", "t", "-o", lib])
s.check("deploy into the library folder that holds its model is refused, the model intact",
        st0 == 0 and st == 1 and "holds" in err and os.path.exists(inner) and digest(inner) == digest(M),
        f"status {st}: {err.strip()}")

# --- symbolic links --------------------------------------------------------------------------------
for w in WRITERS:
    d = fresh_dir("link")
    real = os.path.join(d, "real" + w.ext)
    link = os.path.join(d, "link" + w.ext)
    st0, _, _ = run(w.variant(real))
    os.symlink(os.path.basename(real), link)
    st, _, err = run(w.cmd(link))
    if w.folder:
        s.check(f"{w.name} to a symbolic link to its own library is refused (folders are replaced whole)",
                st0 == 0 and st == 1 and "symbolic link" in err and os.path.islink(link), f"status {st}: {err}")
    else:
        s.check(f"{w.name} through a symbolic link to its own output replaces the file, the link stays",
                st0 == 0 and st == 0 and os.path.islink(link) and digest(real) == digest(REF[w.name])
                and not temp_names(d), f"status {st}: {err.strip()[-300:]}")
    dangling = os.path.join(d, "dangling" + w.ext)
    os.symlink("nowhere" + w.ext, dangling)
    st, _, err = run(w.cmd(dangling))
    s.check(f"{w.name} to a symbolic link to nothing is refused and creates nothing",
            st == 1 and not os.path.exists(os.path.join(d, "nowhere" + w.ext)) and os.path.islink(dangling),
            f"status {st}: {err.strip()}")

# --- FIFOs and device nodes ---------------------------------------------------------------------
for w in WRITERS:
    d = fresh_dir("fifo")
    fifo = os.path.join(d, "pipe" + w.ext)
    os.mkfifo(fifo)
    if w.stream:
        got = []
        reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
        reader.start()
        st, _, err = run(w.cmd(fifo), timeout=60)
        reader.join(timeout=30)
        s.check(f"{w.name} to a FIFO with a reader writes through it, the FIFO stays",
                st == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode) and got
                and got[0] == open(REF[w.name], "rb").read(), f"status {st}: {err.strip()}")
        st, _, err = run(w.cmd(fifo), timeout=30)
        s.check(f"{w.name} to a FIFO nobody reads fails at once (no hang)",
                st == 1 and "nothing is reading" in err and stat.S_ISFIFO(os.lstat(fifo).st_mode),
                f"status {st}: {err.strip()}")
    else:
        st, _, err = run(w.cmd(fifo), timeout=30)
        s.check(f"{w.name} to a FIFO is refused at once, the FIFO stays",
                st == 1 and "named pipe" in err and stat.S_ISFIFO(os.lstat(fifo).st_mode),
                f"status {st}: {err.strip()}")
    if IS_ROOT:
        null = os.path.join(d, "null" + w.ext)
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))   # a private /dev/null
        st, _, err = run(w.cmd(null))
        ok = stat.S_ISCHR(os.lstat(null).st_mode) and (st == 0 if w.stream else st == 1 and "device" in err)
        s.check(f"{w.name} to a device node {'writes to it' if w.stream else 'is refused'}, never replaces it",
                ok, f"status {st}: {err.strip()}")

# --- foreign files, own files, folders -----------------------------------------------------------
for w in WRITERS:
    d = fresh_dir("foreign")
    out = os.path.join(d, "out" + w.ext)
    with open(out, "w") as f:
        f.write("my notes\n")
    st, _, err = run(w.cmd(out))
    s.check(f"{w.name} refuses to replace a file it did not write",
            st == 1 and "--force" in err and open(out).read() == "my notes\n" and not temp_names(d),
            f"status {st}: {err.strip()}")
    st, _, err = run(w.cmd(out, "--force"))
    s.check(f"{w.name} --force replaces it", st == 0 and digest(out) == digest(REF[w.name]), f"status {st}: {err}")
    st, _, err = run(w.cmd(out))
    s.check(f"{w.name} replaces its own earlier output without --force", st == 0 and not temp_names(d),
            f"status {st}: {err.strip()}")
    folder = os.path.join(d, "folder" + w.ext)
    os.mkdir(folder)
    open(os.path.join(folder, "keep.txt"), "w").write("keep")
    st, _, err = run(w.cmd(folder, "--force"))
    s.check(f"{w.name} never replaces a folder it did not make, even with --force",
            st == 1 and os.path.exists(os.path.join(folder, "keep.txt")), f"status {st}: {err.strip()}")
# a checkpoint name taken by a foreign file
d = fresh_dir("foreign")
out = os.path.join(d, "m.tflite")
open(out + ".ckpt", "w").write("my notes\n")
st, _, err = run(["train", CSV, *DATA, *SMALL, "-o", out])
s.check("train refuses to replace a foreign file at MODEL.ckpt",
        st == 1 and "--force" in err and open(out + ".ckpt").read() == "my notes\n" and not os.path.exists(out),
        f"status {st}: {err.strip()}")

# --- profile --keep DIR builds in a folder: never one of the user's -----------------------------------
if shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm"):
    d = fresh_dir("keep")
    mine = os.path.join(d, "project")
    os.mkdir(mine)
    open(os.path.join(mine, "Makefile"), "w").write("all:\n\techo mine\n")
    st, _, err = run(["profile", M, "--keep", mine])
    s.check("profile --keep refuses a folder of the user's, its files intact",
            st == 1 and "--keep" in err and open(os.path.join(mine, "Makefile")).read().startswith("all:"),
            f"status {st}: {err.strip()}")
    keep = os.path.join(d, "kept")
    st, _, err = run(["profile", M, "--keep", keep])
    st2, _, err2 = run(["profile", M, "--keep", keep])
    s.check("profile --keep makes a marked folder and builds in it again",
            st == 0 and st2 == 0 and os.path.exists(os.path.join(keep, ".edgelstm")), f"{st} {err} {st2} {err2}")
    empty = os.path.join(d, "empty")
    os.mkdir(empty)
    st, _, err = run(["profile", M, "--keep", empty])
    s.check("profile --keep takes an empty folder", st == 0, f"status {st}: {err.strip()}")
    st, _, err = run(["profile", M, "--keep", os.path.dirname(M)])
    s.check("profile --keep refuses the folder that holds the model", st == 1 and "holds" in err, err.strip())
else:
    print("# output-safety: profile --keep cases skipped: no arm-none-eabi-gcc or qemu-system-arm")

# --- names: 250 bytes work, longer ones are refused before any work ---------------------------------
for w in WRITERS:
    d = fresh_dir("long")
    out = os.path.join(d, "n" * (250 - len(w.ext)) + w.ext)
    st, _, err = run(w.cmd(out))
    s.check(f"{w.name} writes a 250-byte file name", st == 0 and os.path.exists(out) and not temp_names(d),
            f"status {st}: {err.strip()}")
    out = os.path.join(d, "n" * 300)
    st, _, err = run(w.cmd(out))
    s.check(f"{w.name} refuses a 300-byte file name with one clear sentence",
            st == 1 and "bytes long" in err and err.count("\n") == 1 and not temp_names(d),
            f"status {st}: {err.strip()}")
d = fresh_dir("long")
st, _, err = run(["train", CSV, *DATA, *SMALL, "-o", os.path.join(d, "m" * 252)])
s.check("train refuses a model name whose checkpoint name would be too long, before training",
        st == 1 and "MODEL.ckpt" in err and os.listdir(d) == [], f"status {st}: {err.strip()}")


# --- read-only folder and full disk --------------------------------------------------------------------
def mount_tmpfs(path, opts):
    if not IS_ROOT or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path], capture_output=True).returncode == 0


def umount(path):
    subprocess.run(["umount", path], capture_output=True)


ro = fresh_dir("ro")
if mount_tmpfs(ro, "ro,size=64k"):
    try:
        for w in WRITERS:
            out = os.path.join(ro, "out" + w.ext)
            st, _, err = run(w.cmd(out))
            s.check(f"{w.name} into a read-only folder fails with one sentence naming it",
                    st == 1 and "Read-only file system" in err and out in err and os.listdir(ro) == [],
                    f"status {st}: {err.strip()}")
    finally:
        umount(ro)
else:
    print("# output-safety: read-only folder cases skipped: cannot mount a tmpfs here")

full = fresh_dir("full")
if mount_tmpfs(full, "size=1m"):
    try:
        for w in WRITERS:
            out = os.path.join(full, "out" + w.ext)
            st0, _, err0 = run(w.cmd(out))   # an earlier output, then a full disk
            filler = os.path.join(full, "filler")
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                while os.write(fd, b"\0" * 4096) > 0:
                    pass
            except OSError:
                pass
            os.close(fd)
            before = digest(out) if st0 == 0 else None
            st, _, err = run(w.cmd(out))
            s.check(f"{w.name} on a full disk fails naming its output, the earlier output intact, no temporary left",
                    st0 == 0 and st == 1 and "No space left" in err and out in err and ".tmp-" not in err
                    and digest(out) == before and temp_names(full) == [], f"status {st}: {err.strip()} {err0}")
            os.unlink(filler)
            shutil.rmtree(out) if os.path.isdir(out) else os.unlink(out)
    finally:
        umount(full)
else:
    # no tmpfs: a file size limit makes every write past 2 KiB fail (EFBIG)
    for w in WRITERS:
        out = os.path.join(full, "out" + w.ext)
        st, _, err = run(w.cmd(out), prefix=("sh", "-c", "trap '' XFSZ; exec prlimit --fsize=2048 \"$@\"", "sh"))
        s.check(f"{w.name} with writes cut short fails, nothing half-written left",
                st == 1 and not os.path.exists(out) and temp_names(full) == [], f"status {st}: {err.strip()}")

# --- temporary files: exclusive, the umask's mode, synced ------------------------------------------
d = fresh_dir("plant")
victim = os.path.join(d, "victim.txt")
open(victim, "w").write("precious\n")
out = os.path.join(d, "out.csv")
# edgelstm 0.1.0 wrote to ".out.csv.tmp.PID": a link planted there (exec keeps the PID) must not be followed
st, _, err = run(["-c", 'ln -s "$1" "$2/.out.csv.tmp.$$"; exec "$3" predict "$4" "$5" -o "$6"', "sh", victim, d, BIN,
                  M, CSV, out], binary="sh")
s.check("a symbolic link planted at a predictable temporary name is not followed",
        st == 0 and open(victim).read() == "precious\n" and digest(out) == digest(REF["predict -o"]),
        f"status {st}: {err.strip()}")
for mask, mode in ((0o077, 0o600), (0o022, 0o644)):
    out = os.path.join(d, f"mode{mask:o}.csv")
    st, _, err = run(["-c", f'umask {mask:o}; exec "$@"', "sh", BIN, "predict", M, CSV, "-o", out], binary="sh")
    s.check(f"with umask {mask:03o} the output's mode is {mode:o}",
            st == 0 and stat.S_IMODE(os.stat(out).st_mode) == mode, f"status {st} mode {oct(os.stat(out).st_mode)}")
STRACE = shutil.which("strace")
TRACED = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")   # LeakSanitizer does not run under ptrace
KILLED = os.environ.get("ELSTM_TEST_BIN", ELSTM_FAST)     # the optimized build: many runs, no sanitizer needed
if STRACE:
    out = os.path.join(d, "sync.csv")
    log = os.path.join(d, "strace.log")
    st, _, err = run(["-f", "-qq", "-o", log, "-e", "trace=fsync,rename,openat", BIN, "predict", M, CSV, "-o", out],
                     binary=STRACE, env=TRACED)
    lines = open(log).read().splitlines()
    fsyncs = [i for i, l in enumerate(lines) if "fsync(" in l]
    renames = [i for i, l in enumerate(lines) if "rename(" in l and "sync.csv" in l]
    s.check("the output is synced before the rename and its folder after",
            st == 0 and len(renames) == 1 and any(i < renames[0] for i in fsyncs)
            and any(i > renames[0] for i in fsyncs), f"status {st}: {lines[-8:]}")
    creates = [l for l in lines if "O_CREAT" in l and ".sync.csv.tmp" in l]
    s.check("the temporary file is created with O_EXCL|O_NOFOLLOW",
            creates and all("O_EXCL" in l and "O_NOFOLLOW" in l for l in creates), str(creates))

# --- stale temporary files of dead processes ---------------------------------------------------------
d = fresh_dir("stale")
dead = subprocess.Popen(["true"])
dead.wait()
out = os.path.join(d, "out.csv")
stale_new = os.path.join(d, f".out.csv.tmp-{dead.pid}-AbC123")
stale_old = os.path.join(d, f".out.csv.tmp.{dead.pid}")
live = os.path.join(d, f".out.csv.tmp-{os.getpid()}-XyZ789")
for p in (stale_new, stale_old, live):
    open(p, "w").write("partial")
st, _, err = run(["predict", M, CSV, "-o", out])
s.check("a later write removes temporary files of dead writers and keeps a live writer's",
        st == 0 and not os.path.exists(stale_new) and not os.path.exists(stale_old) and os.path.exists(live),
        f"status {st}: {sorted(os.listdir(d))}")

# --- kill -9 at each write stage ---------------------------------------------------------------------
KILLS = {
    "predict -o": [("fsync", 1), ("rename", 1), ("fsync", 2)],
    "report -o": [("fsync", 1), ("rename", 1)],
    "train --export-windows": [("fsync", 1), ("rename", 1)],
    "deploy arduino": [("fsync", 1), ("rename", 1), ("fsync", 2)],
    "deploy c": [("mkdir", 2), ("fsync", 1), ("fsync", 5), ("renameat2", 1)],
    "deploy platformio": [("fsync", 3), ("renameat2", 1)],
    "train -o": [("fsync", 1), ("rename", 1), ("fsync", 2), ("fsync", 3), ("rename", 2), ("fsync", 4), ("rename", 3)],
}
if not STRACE:
    print("# output-safety: kill -9 cases skipped: strace is not installed (tools/deps.sh installs it)")
for w in WRITERS if STRACE else []:
    for call, when in KILLS.get(w.name, []):
        for existing in (False, True):
            d = fresh_dir("kill")
            out = os.path.join(d, "out" + w.ext)
            before = None
            if existing:   # an earlier output of different content: the kill must leave it or the new one
                st0, _, _ = run(w.variant(out))
                before = digest(out) if st0 == 0 else None
            st, _, err = run(["-f", "-qq", "-o", "/dev/null", "-e", f"trace={call}", "-e",
                              f"inject={call}:signal=KILL:when={when}", KILLED, *w.cmd(out)], binary=STRACE,
                             env=TRACED)
            killed = st in (-9, 137)
            now = digest(out) if os.path.exists(out) else None
            if w.name == "train -o":   # MODEL holds the best weights so far: a whole model
                intact = now is None and not existing or run(["predict", out, CSV, "--last"])[0] == 0
            else:
                intact = now in (before, digest(REF[w.name])) and (now is not None or not existing)
            resume = ["--resume"] if w.name == "train -o" and os.path.exists(out + ".ckpt") else []
            st2, _, err2 = run(w.cmd(out, *resume))
            s.check(f"{w.name}: kill -9 at {call} #{when}{' over an earlier output' if existing else ''} leaves "
                    f"no partial output; the rerun{' (--resume)' if resume else ''} completes and cleans up",
                    killed and intact and st2 == 0 and digest(out) == digest(REF[w.name]) and temp_names(d) == []
                    and not os.path.exists(out + ".ckpt"),
                    f"kill status {st}, output {'old' if now == before else 'new' if now else 'absent'}; "
                    f"rerun {st2}: {err2.strip()[-200:]}; left {temp_names(d)}")

shutil.rmtree(T, ignore_errors=True)
s.done()
