#!/bin/bash
# examples/manifold-rate-quick.study reproduces the built-in manifold-rate quick preset:
# same grade, same measured slope and s.e., the same verdict line apart from the id, and
# every record's metrics equal bit for bit (the study's key only gains "study=<hash>/").
# The built-in's records are those of ctest's theorem:manifold-rate when it ran with this
# binary (its verdict file is newer than the binary): then only the study runs (one
# quick-preset sweep, ~40 s on 2 loaded cores); else the built-in runs too.
# usage: study_example.sh BIN OUTDIR SRCDIR REFDIR
set -u
bin=$1 out=$2 src=$3 ref=$4
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" study "$src/examples/manifold-rate-quick.study" --quick --no-controls --out "$out/study" \
  >"$out/study.out" 2>"$out/study.err"
rc_s=$?
cat "$out/study.out"
if [ -s "$ref/manifold-rate/verdict-quick.txt" ] && [ "$ref/manifold-rate/verdict-quick.txt" -nt "$bin" ] \
   && grep -q '^control=skipped$' "$ref/manifold-rate/verdict-quick.txt"; then
  bdir=$ref
  echo "built-in: the records of theorem:manifold-rate in $ref"
else
  bdir=$out/builtin
  "$bin" verify manifold-rate --quick --no-controls --out "$bdir" >"$out/builtin.out" 2>"$out/builtin.err"
  echo "built-in: ran verify manifold-rate --quick (exit $?)"
fi
vs=$out/study/manifold-rate-study/verdict-quick.txt vb=$bdir/manifold-rate/verdict-quick.txt
[ -s "$vs" ] || { cat "$out/study.err"; fail "no study verdict file (exit $rc_s)"; }
[ -s "$vb" ] || fail "no built-in verdict file"
get() { sed -n "s/^$1=//p" "$2"; }
for k in verdict measured se predicted band_lo band_hi runs failed_runs; do
  [ "$(get $k "$vs")" = "$(get $k "$vb")" ] || fail "$k: study $(get $k "$vs"), built-in $(get $k "$vb")"
done
ls_=$(get line "$vs" | sed 's/^overparam: manifold-rate-study /overparam: X /')
lb=$(get line "$vb" | sed 's/^overparam: manifold-rate /overparam: X /')
[ "$ls_" = "$lb" ] || fail "verdict lines differ:
  study:    $ls_
  built-in: $lb"
# exit code as verify's: MARGINAL 4, PASS 0, FAIL 1
case $(get verdict "$vb") in PASS) want=0 ;; MARGINAL) want=4 ;; *) want=1 ;; esac
[ "$rc_s" = "$want" ] || fail "study exit $rc_s, want $want"
n=0
for f in "$bdir"/manifold-rate/runs/*.json; do
  b=$(basename "$f")
  g=$(ls "$out"/study/manifold-rate-study/runs/study=*_"$b" 2>/dev/null | head -1)
  [ -n "$g" ] || fail "no study record for $b"
  [ "$(grep -E '"(metrics|params|seed|status)"' "$f")" = "$(grep -E '"(metrics|params|seed|status)"' "$g")" ] \
    || fail "record $b differs: $(grep '"metrics"' "$f") vs $(grep '"metrics"' "$g")"
  n=$((n + 1))
done
[ "$n" -ge 16 ] || fail "only $n built-in records"
echo "ok: $(get verdict "$vs") measured=$(get measured "$vs"), $n records with equal seeds and metrics"
