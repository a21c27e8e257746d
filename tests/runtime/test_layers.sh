#!/bin/sh
# The layering of docs/ARCHITECTURE.md, checked on the compiled objects (build/obj, the
# optimized build), as test_runtime_symbols.sh checks the runtime:
#   1. no host library layer (io, data, train, codegen, report) prints or exits: no
#      reference to printf, puts, putchar, perror, vprintf, stdout, stderr, exit, _exit,
#      _Exit, quick_exit, abort or assert's __assert_fail (writing a FILE the caller named,
#      with fprintf or fwrite, is output, not printing; only cli/ talks to the user);
#   2. calls go down only: every edgelstm function a layer calls is defined in the same
#      layer or a lower one (runtime < io < data, train < codegen < report), and data and
#      train do not call each other (train knows the dataset only as a type).
. "$ELSTM_ROOT/tests/lib.sh"
suite layers
O="$ELSTM_ROOT/${BUILD:-build}/obj"
[ -d "$O/io" ] && [ -d "$O/runtime" ] || { not_ok "objects exist" "run make first"; done_suite; }

# layer of an object file: its folder under obj/ (gen/ holds the embedded files of codegen)
layer_of() {
  case "${1#"$O"/}" in runtime/*) echo runtime ;; io/*) echo io ;; data/*) echo data ;; train/*) echo train ;;
    codegen/*|gen/*) echo codegen ;; report/*) echo report ;; *) echo other ;; esac
}
objs=$(find "$O/runtime" "$O/io" "$O/data" "$O/train" "$O/codegen" "$O/gen" "$O/report" -name '*.o' 2>/dev/null | sort)

# ---- 1. no printing, no exiting ----
forbidden='printf|vprintf|puts|putchar|perror|stdout|stderr|exit|_exit|_Exit|quick_exit|abort|__assert_fail|__printf_chk|__vprintf_chk'
for l in io data train codegen report; do
  [ -d "$O/$l" ] || continue
  hits=""
  for o in "$O/$l"/*.o; do
    h=$(nm -u "$o" | awk '{ print $2 }' | grep -E "^($forbidden)$" | tr '\n' ' ')
    [ -n "$h" ] && hits="$hits ${o##*/}: $h"
  done
  [ -z "$hits" ] && ok "$l/ neither prints nor exits (no $(echo "$forbidden" | tr '|' ' ' | cut -c1-40)...)" ||
    not_ok "$l/ neither prints nor exits" "$hits"
done

# ---- 2. calls go down only ----
for o in $objs; do
  l=$(layer_of "$o")
  nm "$o" | awk -v l="$l" -v o="${o#"$O"/}" '$NF ~ /^(elstm_|tfl_|cg_|tr_|fb_)/ {
    if ($1 == "U") print "U", $2, l, o; else if ($2 ~ /^[TDBRC]$/) print "D", $3, l }'
done > "$T/syms"
bad=$(awk 'function rank(l) { return l == "runtime" ? 0 : l == "io" ? 1 : l == "data" || l == "train" ? 2 : l == "codegen" ? 3 : l == "report" ? 4 : 9 }
  $1 == "D" { def[$2] = $3; next }
  { use[++n] = $2; from[n] = $3; obj[n] = $4 }
  END { for (k = 1; k <= n; k++) { d = def[use[k]]; if (d == "") continue
          if (rank(d) > rank(from[k]) || (rank(d) == rank(from[k]) && d != from[k])) printf " %s->%s(%s)", obj[k], use[k], d } }' "$T/syms")
[ -z "$bad" ] && ok "calls go down only: runtime < io < data, train < codegen < report (data and train apart), $(echo "$objs" | wc -l) objects" ||
  not_ok "calls go down only" "$bad"
done_suite
