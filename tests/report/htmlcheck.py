"""Checks of an edgelstm report page without a browser (used by test_report.py).

    parse(text) -> (root, errors)   a small element tree and the markup errors found
    external_refs(root, text)       anything that would load from outside the file
    plot_problems(svg)              a plot's structure and marks against its frame
    png_pixels(path)                (width, height, rows of RGB(A) bytes) of a PNG

The parser is Python's html.parser with a strict element stack: an end tag that does
not close the innermost open element, an element left open, a self-closed HTML
element, an unescaped '&' or a duplicate id is an error. Browsers repair such markup
silently, which is why the test checks the source too.
"""
import html.parser
import re
import struct
import zlib

import numpy as np

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements the spec lets a document omit closing tags for; a generator should still close them.
SVG_TAGS = {"svg", "g", "path", "rect", "circle", "text", "tspan", "title", "line", "polyline", "polygon", "defs"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], ""

    def cls(self):
        return self.attrs.get("class", "").split()

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def find_all(self, tag=None, cls=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.cls())]

    def all_text(self):
        return self.text + "".join(c.all_text() for c in self.children)


class _Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.cur = self.root
        self.errors = []
        self.ids = set()

    def _open(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        i = n.attrs.get("id")
        if i is not None:
            if i in self.ids:
                self.errors.append(f"duplicate id '{i}' (line {self.getpos()[0]})")
            self.ids.add(i)
        return n

    def handle_starttag(self, tag, attrs):
        n = self._open(tag, attrs)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs)
        if tag not in VOID and tag not in SVG_TAGS:
            self.errors.append(f"<{tag}/> self-closed outside SVG (line {self.getpos()[0]})")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag </{tag}> of a void element (line {self.getpos()[0]})")
            return
        if self.cur.tag != tag:
            self.errors.append(f"</{tag}> closes <{self.cur.tag}> (line {self.getpos()[0]})")
            n = self.cur
            while n is not None and n.tag != tag:
                n = n.parent
            if n is None:
                return
            self.cur = n
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.text += data


def parse(text):
    p = _Parser()
    p.feed(text)
    p.close()
    errors = list(p.errors)
    if p.cur is not p.root:
        errors.append(f"<{p.cur.tag}> is never closed")
    for m in re.finditer(r"&(?!(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);)", text):
        errors.append(f"unescaped '&' at offset {m.start()}: {text[m.start():m.start() + 20]!r}")
        break
    if not text.lstrip().lower().startswith("<!doctype html>"):
        errors.append("no <!DOCTYPE html>")
    return p.root, errors


def external_refs(root, text):
    """Everything in the page that would fetch something: elements that load, URL-valued
    attributes not pointing inside the page, CSS url()/@import, scripts."""
    found = []
    for n in root.walk():
        if n.tag in ("script", "link", "img", "iframe", "object", "embed", "audio", "video", "source", "image",
                     "use", "base", "frame", "track"):
            found.append(f"<{n.tag}>")
        for k, v in n.attrs.items():
            v = v or ""
            if k in ("href", "src", "xlink:href", "action", "data", "poster", "srcset", "background") and \
                    not v.startswith("#"):
                found.append(f"{k}={v!r} on <{n.tag}>")
            if k.startswith("on"):
                found.append(f"event handler {k} on <{n.tag}>")
            if k == "style" and re.search(r"url\(\s*['\"]?(?!#)", v):
                found.append(f"url() in a style attribute on <{n.tag}>")
    for st in root.find_all("style"):
        css = st.all_text()
        if re.search(r"url\(\s*['\"]?(?!#)", css) or "@import" in css:
            found.append("url()/@import in the style sheet")
    if re.search(r"(?:https?|ftp)://", text):
        found.append("an http(s)/ftp URL in the text")
    return found


_NUM = re.compile(r"[MLHVZ]|-?\d+(?:\.\d+)?(?:e-?\d+)?")


def path_points(d):
    """Absolute M/L/H/V/Z path data -> list of (x, y)."""
    pts, cmd, nums, x, y = [], None, [], 0.0, 0.0
    toks = _NUM.findall(d)

    def flush():
        nonlocal x, y
        if cmd in ("M", "L"):
            if len(nums) % 2:
                raise ValueError(f"odd coordinate count in {d[:60]!r}")
            for i in range(0, len(nums), 2):
                x, y = nums[i], nums[i + 1]
                pts.append((x, y))
        elif cmd == "H":
            for v in nums:
                x = v
                pts.append((x, y))
        elif cmd == "V":
            for v in nums:
                y = v
                pts.append((x, y))
    for t in toks:
        if t in "MLHVZ":
            flush()
            cmd, nums = t, []
        else:
            nums.append(float(t))
    flush()
    return pts


def plot_problems(svg, tol=0.6):
    """What is wrong with one <svg class="plot">: title, legend, ticks, axis labels, a frame,
    non-empty marks, every mark coordinate inside the frame."""
    probs = []
    title = [t for t in svg.find_all("text", "title") if t.all_text().strip()]
    if not title:
        probs.append("no title")
    legend = svg.find_all("g", "legend")
    if not legend or not [t for t in legend[0].find_all("text") if t.all_text().strip()]:
        probs.append("no legend entry")
    for axis in ("xtick", "ytick"):
        labels = [t.all_text().strip() for t in svg.find_all("text", axis)]
        if len(labels) < 2 or any(a == b for a, b in zip(labels, labels[1:])):
            probs.append(f"{axis} labels {labels}")
    for lab in ("xlabel", "ylabel"):
        if not [t for t in svg.find_all("text", lab) if t.all_text().strip()]:
            probs.append(f"no {lab}")
    frames = svg.find_all("rect", "frame")
    marks = svg.find_all("g", "marks")
    if len(frames) != 1 or len(marks) != 1:
        return probs + ["no single frame and marks group"]
    f = frames[0].attrs
    x0, y0 = float(f["x"]), float(f["y"])
    x1, y1 = x0 + float(f["width"]), y0 + float(f["height"])

    def inside(x, y):
        return x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol
    drawn = 0
    for n in marks[0].walk():
        pts = []
        if n.tag == "path":
            pts = path_points(n.attrs.get("d", ""))
            if len(pts) < 2:
                probs.append(f"empty path class={n.attrs.get('class')}")
        elif n.tag == "rect":
            x, y, w, h = (float(n.attrs[k]) for k in ("x", "y", "width", "height"))
            pts = [(x, y), (x + w, y + h)]
            if w < 0 or h < 0:
                probs.append("negative rect")
        elif n.tag == "circle":
            pts = [(float(n.attrs["cx"]), float(n.attrs["cy"]))]
        bad = [p for p in pts if not inside(*p)]
        if bad:
            probs.append(f"{n.tag} class={n.attrs.get('class')} has {len(bad)} points outside the frame, e.g. {bad[0]}")
        drawn += len(pts)
    if drawn == 0:
        probs.append("no marks")
    return probs


def png_pixels(path):
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes): (w, h, array[h, w, c])."""
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(d):
        n, = struct.unpack(">I", d[pos:pos + 4])
        typ, body = d[pos + 4:pos + 8], d[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and inter == 0, (depth, ctype, inter)
            bpp = 3 if ctype == 2 else 4
        elif typ == b"IDAT":
            idat.append(body)
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    assert len(raw) == h * (stride + 1), "truncated image data"
    out = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if f == 0:
            cur = line
        elif f == 1:
            cur = line.reshape(-1, bpp).cumsum(axis=0).reshape(-1) & 255
        elif f == 2:
            cur = (line + prev) & 255
        else:  # Average and Paeth depend on the reconstructed left neighbour: byte by byte
            cur_l = [0] * stride
            ln, pv = line.tolist(), prev.tolist()
            for x in range(stride):
                a = cur_l[x - bpp] if x >= bpp else 0
                b = pv[x]
                if f == 3:
                    pred = (a + b) >> 1
                else:
                    c = pv[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur_l[x] = (ln[x] + pred) & 255
            cur = np.array(cur_l, np.int32)
        out[y] = cur
        prev = cur
    return w, h, out.reshape(h, w, bpp)
