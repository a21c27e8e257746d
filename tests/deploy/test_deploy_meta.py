"""Package metadata of generated libraries (`deploy --version --author --maintainer --url`).

The Arduino library is checked against the Arduino Library Manager's published rules for
library.properties (the library specification, rev 2.2, and the JSON schemas arduino-lint
applies: required and known field names, name characters and length, relaxed and strict
semantic versions, maintainer not starting with "Arduino", url an absolute URI, category
from the list, folder layout), written out independently here; the checker is shown to
fail on broken files. library.json and idf_component.yml carry the same values. Without
the options every value is still valid and no file names a placeholder domain. Bad values
and a NAME that differs only in case from a library beside the output are refused (exit
2, one line, nothing written).
"""
import json
import os
import re
import subprocess
import tempfile
import urllib.parse
import zipfile

from elstm_testlib import ELSTM, ROOT, Suite

s = Suite("deploy_meta")
MODEL = os.path.join(ROOT, "tests", "fixtures", "tflite", "regression.tflite")
tmp = tempfile.mkdtemp(prefix="elstm-meta-")

# --- the Library Manager's rules for library.properties ---------------------------------
REQUIRED = ["name", "version", "author", "maintainer", "sentence", "paragraph", "url",
            "category", "architectures"]          # the last two: required by the strict rules
KNOWN = set(REQUIRED) | {"email", "depends", "dot_a_linkage", "includes", "precompiled", "ldflags"}
NAME_RE = re.compile(r"^(([a-zA-Z][a-zA-Z0-9 _.\-]*)|([0-9][a-zA-Z0-9 _.\-]*[a-zA-Z][a-zA-Z0-9 _.\-]*))*$")
NUM = r"(0|[1-9]\d*)"
PRE = r"(-((0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
BUILD = r"(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?"
SEMVER = re.compile(rf"^{NUM}\.{NUM}\.{NUM}{PRE}{BUILD}$")
RELAXED = re.compile(rf"^{NUM}(\.{NUM})?(\.{NUM})?{PRE}{BUILD}$")
CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors", "Device Control", "Timing",
              "Data Storage", "Data Processing", "Other"}


def properties_problems(text):
    """Every way `text` (a library.properties) breaks the rules; [] when it follows them."""
    bad, fields = [], {}
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "=" not in line:
            bad.append(f"line {n} is not key=value")
            continue
        k, v = line.split("=", 1)
        if k in fields:
            bad.append(f"{k} given twice")
        fields[k] = v
    for k in REQUIRED:
        if k not in fields:
            bad.append(f"missing {k}")
    for k in fields:
        if k not in KNOWN:
            bad.append(f"unknown field {k}")
    name = fields.get("name", "")
    if not (name and NAME_RE.match(name) and len(name) <= 63 and not name.startswith("Arduino")):
        bad.append(f"name {name!r}")
    ver = fields.get("version", "")
    if not RELAXED.match(ver):
        bad.append(f"version {ver!r} is not relaxed semver")
    elif not SEMVER.match(ver):
        bad.append(f"version {ver!r} is not semver")
    for k in ("author", "maintainer", "sentence", "architectures", "includes"):
        if k in fields and not fields[k]:
            bad.append(f"{k} is empty")
    if fields.get("maintainer", "").lower().startswith("arduino"):
        bad.append("maintainer starts with Arduino")
    u = urllib.parse.urlparse(fields.get("url", ""))
    if not (u.scheme and (u.netloc or u.path)) or " " in fields.get("url", ""):
        bad.append(f"url {fields.get('url')!r} is not an absolute URI")
    if fields.get("category") not in CATEGORIES:
        bad.append(f"category {fields.get('category')!r}")
    if fields.get("dot_a_linkage", "true") not in ("true", "false"):
        bad.append("dot_a_linkage")
    if fields.get("precompiled", "false") not in ("true", "full", "false"):
        bad.append("precompiled")
    return bad


def arduino_problems(zpath):
    """The zip's library.properties and layout against the rules; (problems, fields)."""
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        roots = {n.split("/")[0] for n in names}
        if len(roots) != 1:
            return [f"not one root folder: {roots}"], {}
        root = roots.pop()
        props = z.read(f"{root}/library.properties").decode("utf-8")
    bad = properties_problems(props)
    fields = dict(line.split("=", 1) for line in props.split("\n") if "=" in line)
    if fields.get("name") != root:
        bad.append(f"root folder {root} is not the name {fields.get('name')}")
    for h in fields.get("includes", "").split(","):
        if f"{root}/src/{h}" not in names:
            bad.append(f"includes names {h}, not in src/")
    for n in names:
        m = re.match(rf"^{re.escape(root)}/examples/([^/]+)/([^/]+)\.ino$", n)
        if m and m.group(1) != m.group(2):
            bad.append(f"example folder {m.group(1)} holds {m.group(2)}.ino")
    return bad, fields


# the checker itself fails on broken files (so a pass below means something)
GOOD = ("name=temp\nversion=1.0.0\nauthor=A\nmaintainer=B\nsentence=S\nparagraph=P\n"
        "category=Data Processing\nurl=https://example.org/x\narchitectures=*\n")
s.check("the rules checker passes a correct library.properties", properties_problems(GOOD) == [],
        properties_problems(GOOD))
for what, broken in [("a missing url", GOOD.replace("url=https://example.org/x\n", "")),
                     ("a name with '!'", GOOD.replace("name=temp", "name=temp!")),
                     ("a name starting with Arduino", GOOD.replace("name=temp", "name=ArduinoTemp")),
                     ("version 1.02", GOOD.replace("version=1.0.0", "version=1.02")),
                     ("version 1.0 (relaxed, not strict)", GOOD.replace("version=1.0.0", "version=1.0")),
                     ("maintainer Arduino", GOOD.replace("maintainer=B", "maintainer=Arduino LLC")),
                     ("a relative url", GOOD.replace("https://example.org/x", "example.org/x")),
                     ("an unknown category", GOOD.replace("Data Processing", "Machine Learning")),
                     ("a misspelled field", GOOD + "dot_a_linkages=true\n")]:
    s.check(f"the rules checker refuses {what}", properties_problems(broken) != [])


def deploy(target, name, out, *opts):
    return subprocess.run([ELSTM, "deploy", MODEL, "--target", target, "--name", name, *opts, "-o", out],
                          capture_output=True, text=True)


def all_text(path):
    """Every generated file's text (a folder or a zip)."""
    if zipfile.is_zipfile(path) and os.path.isfile(path):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    out = []
    for d, _, files in os.walk(path):
        for f in files:
            out.append(open(os.path.join(d, f), encoding="utf-8", errors="replace").read())
    return "\n".join(out)


# --- without options: valid values, no placeholder ------------------------------------------
outs = {}
for target in ("c", "arduino", "esp-idf", "platformio"):
    out = os.path.join(tmp, "default", target + (".zip" if target == "arduino" else ""))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    r = deploy(target, "temp_" + target.replace("-", "_"), out)
    if s.check(f"{target}: deploy without metadata options", r.returncode == 0, r.stderr.strip()):
        outs[target] = out
s.check("no generated file names a placeholder domain (example.invalid/.com/.org, nobody@)",
        all(not re.search(r"example\.(invalid|com|org)|nobody@", all_text(o)) for o in outs.values()))
if "arduino" in outs:
    bad, fields = arduino_problems(outs["arduino"])
    s.check("arduino, defaults: library.properties follows the Library Manager's rules", not bad, bad)
    s.check("... version 1.0.0, author and maintainer name the generator, url the TFLite Micro documentation",
            fields.get("version") == "1.0.0" and fields.get("author", "").startswith("edgelstm ")
            and fields.get("maintainer") == fields.get("author")
            and fields.get("url") == "https://www.tensorflow.org/lite/microcontrollers", fields)
if "platformio" in outs:
    j = json.load(open(os.path.join(outs["platformio"], "library.json")))
    s.check("platformio, defaults: library.json is JSON with a semver version, authors, no homepage",
            SEMVER.match(j["version"]) and j["authors"][1]["maintainer"] is True and "homepage" not in j, j)
if "esp-idf" in outs:
    y = open(os.path.join(outs["esp-idf"], "idf_component.yml")).read()
    s.check("esp-idf, defaults: idf_component.yml has version 1.0.0 and a maintainer, no url",
            'version: "1.0.0"\n' in y and "maintainers:\n  - \"edgelstm " in y and "\nurl:" not in y, y)

# --- with every option ---------------------------------------------------------------------
META = ["--version", "2.3.1-rc.1+b7", "--author", "Jane Q. Doe <jane@weather.example.net>",
        "--maintainer", 'Field Team "North" <ops@weather.example.net>', "--url", "https://github.com/jane/weather-lstm"]
zp = os.path.join(tmp, "meta", "wx.zip")
os.makedirs(os.path.dirname(zp))
r = deploy("arduino", "wx", zp, *META)
if s.check("arduino with --version --author --maintainer --url", r.returncode == 0, r.stderr.strip()):
    bad, fields = arduino_problems(zp)
    s.check("... library.properties follows the Library Manager's rules", not bad, bad)
    s.check("... and holds the given values as they were given",
            (fields.get("version"), fields.get("author"), fields.get("maintainer"), fields.get("url")) ==
            (META[1], META[3], META[5], META[7]), fields)
pio = os.path.join(tmp, "meta", "pio")
r = deploy("platformio", "wx", pio, *META)
if s.check("platformio with the options", r.returncode == 0, r.stderr.strip()):
    j = json.load(open(os.path.join(pio, "library.json")))
    s.check("... library.json: version, homepage, authors split into name and email, the maintainer marked",
            j["version"] == META[1] and j["homepage"] == META[7] and
            j["authors"] == [{"name": "Jane Q. Doe", "email": "jane@weather.example.net", "maintainer": False},
                             {"name": 'Field Team "North"', "email": "ops@weather.example.net", "maintainer": True}], j)
idf = os.path.join(tmp, "meta", "idf")
r = deploy("esp-idf", "wx", idf, *META)
if s.check("esp-idf with the options", r.returncode == 0, r.stderr.strip()):
    y = open(os.path.join(idf, "idf_component.yml")).read()
    want = ['version: "2.3.1-rc.1+b7"', 'maintainers:\n  - "Field Team \\"North\\" <ops@weather.example.net>"',
            'url: "https://github.com/jane/weather-lstm"']
    s.check("... idf_component.yml: version, maintainers, url (YAML double-quoted, escaped)",
            all(w in y for w in want), y)

# --- refused values: exit 2, one line naming the option, nothing written ----------------------
for what, opts, needle in [
        ("--version 1.2 (not MAJOR.MINOR.PATCH)", ["--version", "1.2"], "--version"),
        ("--version 01.2.3 (leading zero)", ["--version", "01.2.3"], "--version"),
        ("--version 1.2.3-01 (leading zero in a pre-release number)", ["--version", "1.2.3-01"], "--version"),
        ("--version v1.2.3", ["--version", "v1.2.3"], "--version"),
        ("--url ftp://host/x", ["--url", "ftp://host/x"], "--url"),
        ("--url https:// (no host)", ["--url", "https://"], "--url"),
        ("--url with a blank", ["--url", "https://a.org/x y"], "--url"),
        ("--author with a newline", ["--author", "Jane\nmaintainer=evil"], "--author"),
        ("--author empty", ["--author", ""], "--author"),
        ("--maintainer starting with Arduino", ["--maintainer", "Arduino Team <a@b.c>"], "Arduino"),
        ("--maintainer with a leading blank", ["--maintainer", " Jo"], "--maintainer")]:
    out = os.path.join(tmp, "refused.zip")
    r = deploy("arduino", "wx", out, *opts)
    lines = r.stderr.strip().split("\n")
    s.check(f"{what}: refused, exit 2, one line, nothing written",
            r.returncode == 2 and len(lines) == 1 and needle in lines[0] and not os.path.exists(out),
            f"exit {r.returncode}: {r.stderr.strip()[:300]}")
r = deploy("c", "wx", os.path.join(tmp, "ok-semver"), "--version", "0.0.1-alpha.1+build.5")
s.check("a full semantic version with pre-release and build is accepted", r.returncode == 0, r.stderr.strip())

# --- NAME differing only in case from a library beside the output ------------------------------
side = os.path.join(tmp, "side")
os.makedirs(side)
r1 = deploy("c", "beta", os.path.join(side, "beta"))
r2 = deploy("esp-idf", "Beta", os.path.join(side, "Beta2"))
lines = r2.stderr.strip().split("\n")
s.check("a NAME differing only in case from a folder library beside it is refused (exit 2, one line)",
        r1.returncode == 0 and r2.returncode == 2 and len(lines) == 1 and "'beta'" in lines[0]
        and "BETA_" in lines[0], f"{r1.stderr} / exit {r2.returncode}: {r2.stderr}")
s.check("... and nothing is written", sorted(os.listdir(side)) == ["beta"], os.listdir(side))
r3 = deploy("arduino", "gamma", os.path.join(side, "g.zip"))
r4 = deploy("c", "GAMMA", os.path.join(side, "gamma_c"))
s.check("... the same beside an Arduino library zip", r3.returncode == 0 and r4.returncode == 2 and "'gamma'" in r4.stderr,
        f"{r3.stderr} / exit {r4.returncode}: {r4.stderr}")
r5 = deploy("c", "beta", os.path.join(side, "beta"))
r6 = deploy("c", "delta", os.path.join(side, "delta"))
s.check("the same NAME again (replacing its own output) and other names are accepted",
        r5.returncode == 0 and r6.returncode == 0, r5.stderr + r6.stderr)
s.done()
