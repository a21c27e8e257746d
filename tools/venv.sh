#!/bin/sh
# Create the project-local Python environment (.venv, git-ignored) with the test
# oracles (tools/requirements-test.txt) or, with "bench", also the frameworks used by
# the benchmarks and fixture generators (tools/requirements-bench.txt).
# Python is never used by the product itself.
set -eu
kind=${1:-test}
req=tools/requirements-$kind.txt
stamp=.venv/.stamp-$kind
if [ -f "$stamp" ] && [ "$stamp" -nt "$req" ]; then exit 0; fi
[ -x .venv/bin/python ] || python3 -m venv .venv
echo "edgelstm: installing Python $kind packages into .venv ($req)"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
touch "$stamp"
