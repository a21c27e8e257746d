"""Helpers for Python test suites (oracles run from the project's .venv).

    from elstm_testlib import Suite
    s = Suite("interop")
    s.check("litert agrees", abs(a - b) <= 1e-5, f"diff {abs(a-b)}")
    s.done()

Environment (set by tests/run.sh): ELSTM, ELSTM_FAST, ELSTM_ROOT.
BEIJING: the real-weather excerpt in the repository (tests/fixtures/beijing/README.md).
"""
import os
import sys

ROOT = os.environ.get("ELSTM_ROOT", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEIJING = os.path.join(ROOT, "tests", "fixtures", "beijing")
ELSTM = os.environ.get("ELSTM", os.path.join(ROOT, "build", "asan", "edgelstm"))
ELSTM_FAST = os.environ.get("ELSTM_FAST", os.path.join(ROOT, "build", "edgelstm"))


class Suite:
    def __init__(self, name):
        self.name = name
        self.count = 0
        self.failed = 0

    def check(self, what, cond, detail=""):
        self.count += 1
        if cond:
            print(f"ok - {self.name}: {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {self.name}: {what} ({detail})", flush=True)
        return bool(cond)

    def done(self):
        print(f"# {self.name}: {self.count} checks, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)
