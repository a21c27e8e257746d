#!/bin/sh
# Same bytes out: every kind of output edgelstm writes (trained models with 1 and 2
# threads, predict, eval --json, --export-windows, inspect, run, deploy for every target)
# has the SHA-256 recorded in tests/golden/SHA256SUMS (tests/golden/outputs.sh makes
# them). Restructuring the code must not change one byte. Files derived from trained
# models also depend on the machine (vector units, OpenBLAS's kernels, libc: see
# tests/golden/MACHINE); on another machine only the rest is compared, and that is said.
. "$ELSTM_ROOT/tests/lib.sh"
suite same_bytes
G="$ELSTM_ROOT/tests/golden"
if ! sh "$G/outputs.sh" "$ELSTM_FAST" "$T/out" >"$T/log" 2>&1; then
  not_ok "outputs.sh runs" "$(tail -3 "$T/log")"; done_suite
fi
same_machine=0
[ "$(cat "$T/out/MACHINE")" = "$(cat "$G/MACHINE")" ] && same_machine=1
[ $same_machine = 1 ] || echo "# trained models not compared: recorded on '$(cat "$G/MACHINE")', this is '$(cat "$T/out/MACHINE")'"

# the same list of files
LC_ALL=C sort -k2 "$G/SHA256SUMS" | awk '{print $2}' > "$T/want.list"
LC_ALL=C sort -k2 "$T/out/SHA256SUMS" | awk '{print $2}' > "$T/got.list"
if cmp -s "$T/want.list" "$T/got.list"; then ok "the same $(wc -l < "$T/got.list") output files"
else not_ok "the same output files" "$(diff "$T/want.list" "$T/got.list" | grep '^[<>]' | head -5 | tr '\n' ' ')"; fi

# group GLOB WHAT TRAINED: the files matching GLOB have their recorded bytes
group() {
  glob=$1; what=$2; trained=$3
  if [ "$trained" = 1 ] && [ $same_machine = 0 ]; then return; fi
  bad=$(awk -v g="$glob" 'BEGIN { re = "^\\./" g } NR == FNR { want[$2] = $1; next }
        $2 ~ re && want[$2] != $1 { if (++n <= 4) printf "%s ", $2 } END { if (n > 4) printf "and %d more", n - 4 }' \
        "$G/SHA256SUMS" "$T/out/SHA256SUMS")
  n=$(awk -v g="$glob" 'BEGIN { re = "^\\./" g } $2 ~ re' "$T/out/SHA256SUMS" | wc -l)
  if [ "$n" -gt 0 ] && [ -z "$bad" ]; then ok "$what: $n files, same bytes"
  else
    not_ok "$what: same bytes" "${bad:-no files}"
    echo "# if the change is intended: sh tests/golden/outputs.sh build/edgelstm /tmp/out && cp /tmp/out/SHA256SUMS tests/golden/"
  fi
}
group 'data\.csv|windows\.bin' "input CSV and train --export-windows" 0
group 't1\.' "LSTM(16), 1 thread: model, train --json, predict, eval, inspect, run, deploy --sample, report (also --compare t2)" 1
group 't2\.' "LSTM(16), 2 threads: model, train --json, predict, eval" 1
group 'c2\.' "LSTM(12) with calendar inputs, 2 threads: model, predict, eval, deploy, report" 1
group 'reg\.' "deploy of the committed regression fixture, every target" 0
group 'fx\.' "inspect --json and run --json of the committed fixtures" 0
done_suite
