#!/bin/sh
# The compiled runtime (build/obj/runtime/*.o and runtime/host/*.o, the optimized build)
# references no allocator, no stdio, no exit/abort: every undefined symbol must be an
# edgelstm symbol, a <string.h> function (memcpy, memset, memmove), or, for reference
# kernels only (*_ref.o), a <math.h> function. Optimized kernels use no libm at all.
. "$ELSTM_ROOT/tests/lib.sh"
suite runtime_symbols
objs=$(ls "$ELSTM_ROOT/${BUILD:-build}"/obj/runtime/*.o "$ELSTM_ROOT/${BUILD:-build}"/obj/runtime/host/*.o 2>/dev/null)
if [ -z "$objs" ]; then not_ok "runtime objects exist" "run make first"; done_suite; fi
libm='expf|tanhf|logf|sqrtf|fabsf|floorf|ceilf|roundf|powf|exp|tanh|log|sqrt|fabs|floor'
for o in $objs; do
  name=${o##*/}
  undef=$(nm -u "$o" | awk '{print $2}')
  allowed="elstm_.*|memcpy|memset|memmove"
  case "$name" in *_ref.o) allowed="$allowed|$libm" ;; esac
  bad=$(printf '%s\n' $undef | grep -v -E "^($allowed|)$" | tr '\n' ' ')
  if [ -z "$bad" ]; then ok "$name references only allowed symbols (edgelstm, string.h; libm in *_ref.o)"
  else not_ok "$name references only allowed symbols" "also: $bad"; fi
done
# the same rule, checked the other way round: the usual offenders are absent everywhere
hits=$(for o in $objs; do nm -u "$o"; done | awk '{print $2}' |
  grep -E '^(malloc|calloc|realloc|free|printf|fprintf|sprintf|snprintf|vprintf|puts|putchar|fputs|fopen|fclose|fread|fwrite|stdout|stderr|exit|abort|__assert_fail)$' | sort -u | tr '\n' ' ')
if [ -z "$hits" ]; then ok "no malloc/free/printf/stdio/exit symbol in any runtime object"
else not_ok "no malloc/free/printf/stdio/exit symbol in any runtime object" "found: $hits"; fi
done_suite
