#!/bin/sh
# Install like a C library: `make install PREFIX=...` into a temporary prefix puts the
# executable, libedgelstm.a/.so, the public headers, edgelstm.pc and the man page there;
# a small C program built with `pkg-config --cflags --libs edgelstm` alone (shared, and
# static with --static) runs a TensorFlow-converted model and gives the TFLite
# interpreter's recorded outputs; the man page renders and holds every command's whole
# help text. And `make` on a machine without the build packages stops with one line
# naming the command that installs them.
. "$ELSTM_ROOT/tests/lib.sh"
suite install
B=${BUILD:-build}
P="$T/prefix"
HERE="$ELSTM_ROOT/tests/install"

if out=$(make -s -C "$ELSTM_ROOT" BUILD="$B" PREFIX="$P" install 2>&1); then ok "make install PREFIX=$P"
else not_ok "make install PREFIX=..." "$(printf '%s' "$out" | tail -3 | tr '\n' ' ')"; done_suite; fi

# ---- the installed files ----
missing=""
for f in bin/edgelstm lib/libedgelstm.a lib/libedgelstm.so lib/libedgelstm.so.0 lib/pkgconfig/edgelstm.pc \
         share/man/man1/edgelstm.1; do
  [ -e "$P/$f" ] || missing="$missing $f"
done
for h in "$ELSTM_ROOT"/include/edgelstm/*.h; do
  cmp -s "$h" "$P/include/edgelstm/${h##*/}" || missing="$missing include/edgelstm/${h##*/}"
done
[ -z "$missing" ] && ok "executable, static and shared library, every public header, edgelstm.pc, edgelstm.1 installed" ||
  not_ok "installed files" "missing:$missing"
[ -x "$P/bin/edgelstm" ] && [ "$("$P/bin/edgelstm" --version)" = "$("$ELSTM_FAST" --version)" ] &&
  ok "the installed executable runs" || not_ok "the installed executable runs" "$("$P/bin/edgelstm" --version 2>&1)"
soname=$(readelf -d "$P/lib/libedgelstm.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libedgelstm.so.0 ] && ok "libedgelstm.so has the soname libedgelstm.so.0" || not_ok "soname" "'$soname'"
leaked=$(nm -D --defined-only "$P/lib/libedgelstm.so" | awk 'NF == 3 && $3 !~ /^elstm_/ { print $3 }' | head -3)
[ -z "$leaked" ] && ok "the shared library exports the elstm_ names only" || not_ok "exported names" "$leaked"

# ---- pkg-config ----
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if pkg-config --exists edgelstm && [ "$(pkg-config --modversion edgelstm)" = "$("$ELSTM_FAST" --version | cut -d' ' -f2)" ]; then
  ok "pkg-config finds edgelstm $(pkg-config --modversion edgelstm)"
else not_ok "pkg-config finds edgelstm" "$(pkg-config --modversion edgelstm 2>&1)"; fi
static_libs=$(pkg-config --static --libs edgelstm)
for l in csv zip jansson openblas m; do
  case " $static_libs " in *" -l$l "*) ;; *) not_ok "pkg-config --static --libs names -l$l" "$static_libs" ;; esac
done
case " $static_libs " in *" -pthread "*|*" -lpthread "*) ok "pkg-config --static --libs: libcsv, libzip, jansson, openblas, pthread, m" ;;
  *) not_ok "pkg-config --static --libs names pthread" "$static_libs" ;; esac

# ---- a user's program against the installed library ----
# shellcheck disable=SC2046
if out=$(cc -std=c99 -Wall -Wextra -Werror -o "$T/use_shared" "$HERE/use_edgelstm.c" $(pkg-config --cflags --libs edgelstm) 2>&1); then
  ok "a C program builds with \`pkg-config --cflags --libs edgelstm\`"
else not_ok "a C program builds with pkg-config" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
# the same, linked statically: the archive and what `--static` adds
# shellcheck disable=SC2046
if out=$(cc -std=c99 -Wall -Wextra -Werror -o "$T/use_static" "$HERE/use_edgelstm.c" $(pkg-config --cflags edgelstm) \
           $(pkg-config --static --libs edgelstm | sed 's/-ledgelstm/-l:libedgelstm.a/') 2>&1); then
  ok "... and statically with \`pkg-config --static --libs edgelstm\` (Libs.private, Requires.private complete)"
else not_ok "static link with pkg-config --static" "$(printf '%s' "$out" | head -3 | tr '\n' ' ')"; fi
ldd "$T/use_static" 2>/dev/null | grep -q libedgelstm && not_ok "the static program does not need libedgelstm.so" "$(ldd "$T/use_static" | grep edgelstm)"

# the TFLite interpreter's recorded outputs of a TensorFlow-converted model (4 windows)
MODEL="$ELSTM_ROOT/tests/fixtures/tflite/regression.tflite"
"$PY" -c "import json,sys; [print(' '.join(repr(v) for v in c['input'])) for c in json.load(open(sys.argv[1]))['cases']]" \
  "${MODEL%.tflite}.json" > "$T/windows.txt"
"$PY" -c "import json,sys; [print(c['output'][0]) for c in json.load(open(sys.argv[1]))['cases']]" "${MODEL%.tflite}.json" > "$T/want.txt"
for kind in shared static; do
  if LD_LIBRARY_PATH="$P/lib" "$T/use_$kind" "$MODEL" "$T/windows.txt" > "$T/got_$kind.txt" 2> "$T/err_$kind.txt" &&
     "$PY" - "$T/got_$kind.txt" "$T/want.txt" <<'PYEOF'
import sys
got = [float(l) for l in open(sys.argv[1])]
want = [float(l) for l in open(sys.argv[2])]
assert len(got) == len(want) == 4 and max(abs(a - b) for a, b in zip(got, want)) <= 1e-5, (got, want)
PYEOF
  then ok "$kind: the program gives the TFLite interpreter's outputs on 4 windows (within 1e-5)"
  else not_ok "$kind: the program's forecasts" "$(cat "$T/got_$kind.txt" "$T/err_$kind.txt" | head -5 | tr '\n' ' ')"; fi
done
[ "$(LD_LIBRARY_PATH="$P/lib" ldd "$T/use_shared" | awk '/libedgelstm/ { print $3 }')" = "$P/lib/libedgelstm.so.0" ] &&
  ok "the shared program runs on the installed libedgelstm.so.0" || not_ok "shared program's library" "$(LD_LIBRARY_PATH="$P/lib" ldd "$T/use_shared" | grep edgelstm)"
LD_LIBRARY_PATH="$P/lib" "$T/use_shared" "$HERE/use_edgelstm.c" "$T/windows.txt" > /dev/null 2> "$T/err.txt"; rc=$?
[ $rc -eq 1 ] && grep -q "use_edgelstm.c" "$T/err.txt" && ok "the library's error message reaches the program (not a model: exit 1, names the file)" ||
  not_ok "error through the installed library" "rc $rc: $(cat "$T/err.txt")"

# ---- the man page: renders, and holds every command's whole help ----
MAN="$P/share/man/man1/edgelstm.1"
if command -v groff >/dev/null 2>&1; then
  groff -man -Tascii -rLL=400n -rHY=0 -P-cbou -ww "$MAN" > "$T/man.txt" 2> "$T/man.err"
  [ -s "$T/man.txt" ] && [ ! -s "$T/man.err" ] && ok "groff renders edgelstm.1 without a warning" ||
    not_ok "groff renders edgelstm.1" "$(head -3 "$T/man.err")"
  if command -v man >/dev/null 2>&1; then
    MANWIDTH=100 man -l "$MAN" > /dev/null 2>&1 && ok "man -l shows it" || not_ok "man -l shows it" "exit $?"
  fi
  norm() { tr -s ' \n\t' '   ' | sed 's/^ //; s/ $//'; }
  norm < "$T/man.txt" > "$T/man.norm"
  cmds=$("$ELSTM_FAST" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
  n=0; bad=""
  for c in $cmds; do
    n=$((n + 1))
    "$ELSTM_FAST" help "$c" | sed 's/^usage: //; /^options:$/d' | norm > "$T/help.norm"
    grep -qF -- "$(cat "$T/help.norm")" "$T/man.norm" || bad="$bad $c"
  done
  [ "$n" -ge 9 ] && [ -z "$bad" ] && ok "the man page holds the whole help of each of the $n commands --help lists (usage, summary, description, every option)" ||
    not_ok "man page = help" "commands: $n; not found whole:$bad"
  "$ELSTM_FAST" --help | sed -n 's/^  \(edgelstm .*\)$/\1/p' | tr -s ' ' > "$T/general.txt"
  bad=""
  while read -r line; do grep -qF -- "$line" "$T/man.norm" || bad="$bad [$line]"; done < "$T/general.txt"
  [ -s "$T/general.txt" ] && [ -z "$bad" ] && ok "... and the general entries of --help (help COMMAND, help --man, --version)" ||
    not_ok "general entries in the man page" "$bad"
else
  not_ok "groff renders edgelstm.1" "groff is not installed (sh tools/deps.sh installs groff-base)"
fi
cmp -s "$MAN" "$ELSTM_ROOT/$B/edgelstm.1" && "$ELSTM_FAST" help --man | cmp -s - "$MAN" &&
  ok "the installed man page is what 'edgelstm help --man' prints" || not_ok "installed man page" "differs from help --man"

make -s -C "$ELSTM_ROOT" BUILD="$B" PREFIX="$P" uninstall >/dev/null 2>&1
left=$(find "$P" -type f -o -type l | head -3)
[ -z "$left" ] && ok "make uninstall removes every installed file" || not_ok "make uninstall" "left: $left"

# ---- no build packages: one line naming the install command ----
# A compiler that cannot find jansson.h and csv.h, as on a machine without libjansson-dev
# and libcsv-dev.
cat > "$T/nocc" <<'SHEOF'
#!/bin/sh
for a in "$@"; do
  case "$a" in *.c) if grep -q -e 'jansson\.h' -e 'csv\.h' "$a" 2>/dev/null; then echo "$a:1:10: fatal error: jansson.h: No such file or directory" >&2; exit 1; fi ;; esac
done
exec cc "$@"
SHEOF
chmod +x "$T/nocc"
make -C "$ELSTM_ROOT" --no-print-directory BUILD="$T/nobuild" CC="$T/nocc" > "$T/make.out" 2> "$T/make.err"; rc=$?
if [ $rc -ne 0 ] && [ "$(wc -l < "$T/make.err")" -eq 1 ] && [ ! -s "$T/make.out" ] &&
   grep -q "sh tools/deps.sh" "$T/make.err" && grep -q "jansson.h (libjansson-dev)" "$T/make.err" && grep -q "csv.h (libcsv-dev)" "$T/make.err"; then
  ok "make without the build packages stops with one line naming them and 'sh tools/deps.sh'"
else not_ok "make without the build packages" "rc $rc: $(head -c 400 "$T/make.err") $(head -c 200 "$T/make.out")"; fi
[ ! -d "$T/nobuild/obj" ] && ok "... before compiling anything" || not_ok "nothing compiled" "$(ls "$T/nobuild/obj")"
done_suite
