#!/bin/bash
# overparam compare --check manifold-rate: the smallest real comparison (one
# manifold, one D) writes a table row with the right d and prediction, a CSV and a
# figure; D < 16 and unknown manifolds are usage errors (exit 2, one line).
# usage: compare_cli.sh BIN OUTDIR
set -u
bin=$1 out=$2
rm -rf "$out"
mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }

msg=$("$bin" compare --check manifold-rate --manifolds torus:d=2 --ambient 8 --out "$out/bad" 2>&1)
[ $? = 2 ] || fail "--ambient 8 should exit 2: $msg"
[ "$(wc -l <<<"$msg")" = 1 ] && grep -q "D >= 16" <<<"$msg" || fail "one clear line expected: $msg"
[ ! -e "$out/bad/compare" ] || fail "usage error wrote files"
msg=$("$bin" compare --check manifold-rate --manifolds torus:d=2,blob:d=2 --out "$out/bad" 2>&1)
[ $? = 2 ] || fail "unknown manifold should exit 2: $msg"

log=$("$bin" compare --check manifold-rate --manifolds torus:d=2 --ambient 16 --quick --out "$out" 2>"$out/stderr.log")
rc=$?
echo "$log"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 4 ] || { cat "$out/stderr.log"; fail "exit code $rc"; }
csv="$out/compare/manifold-rate.csv"
[ -s "$csv" ] || fail "no $csv"
[ "$(wc -l <"$csv")" = 2 ] || fail "expected a header and one row in $csv"
grep -Eq '^torus:d=2,2,16,-0\.[0-9]+,[0-9.e-]+,-0\.5,' "$csv" || fail "row of $csv: $(tail -1 "$csv")"
grep -Eq '^torus:d=2 +2 +16 ' <<<"$log" || fail "table row missing"
if command -v gnuplot >/dev/null; then
  [ -s "$out/compare/manifold-rate.png" ] || fail "figure missing"
fi
echo ok
