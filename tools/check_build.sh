#!/bin/sh
# tools/check_build.sh CC STAMP - can this machine build edgelstm? The Makefile runs it
# before compiling anything (once: STAMP records success). On success it prints nothing
# and touches STAMP; otherwise it prints ONE line saying what is missing and the command
# that installs it, which make shows as its error.
#
# The test: compile and link a program that includes the four libraries' headers and
# links them. Only when that fails is each header tried alone, to name the packages.
cc=${1:-cc}
stamp=${2:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/elstm-check.XXXXXX") || exit 0
trap 'rm -rf "$tmp"' EXIT
fix="install the build packages with: sh tools/deps.sh (or: make deps)"

# the compiler named by CC (its first word)
# shellcheck disable=SC2086
set -- $cc
if ! command -v "$1" >/dev/null 2>&1; then
  echo "edgelstm cannot be built here: no C compiler '$1' (Debian package gcc); $fix"
  exit 1
fi
printf '#include <csv.h>\n#include <zip.h>\n#include <jansson.h>\n#include <cblas.h>\n%s\n' \
  'int main(void) { return csv_init(0, 0) + (zip_libzip_version() == 0) + (json_object() == 0) + (int)cblas_sdot(0, 0, 1, 0, 1); }' \
  > "$tmp/all.c"
# shellcheck disable=SC2086
if $cc -o "$tmp/all" "$tmp/all.c" -lcsv -lzip -ljansson -lopenblas -lpthread -lm >"$tmp/log" 2>&1; then
  [ -n "$stamp" ] && mkdir -p "$(dirname "$stamp")" && : > "$stamp"
  exit 0
fi
missing=""
for hp in csv.h:libcsv-dev zip.h:libzip-dev jansson.h:libjansson-dev cblas.h:libopenblas-dev; do
  printf '#include <%s>\n' "${hp%%:*}" > "$tmp/h.c"
  # shellcheck disable=SC2086
  $cc -E -o /dev/null "$tmp/h.c" >/dev/null 2>&1 || missing="$missing${missing:+, }${hp%%:*} (${hp#*:})"
done
if [ -n "$missing" ]; then
  echo "edgelstm cannot be built here: missing $missing; $fix"
else
  echo "edgelstm cannot be built here: the libraries csv, zip, jansson, openblas do not link ($(grep -m1 -i 'error\|cannot find' "$tmp/log")); $fix"
fi
exit 1
