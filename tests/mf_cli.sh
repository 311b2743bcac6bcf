#!/usr/bin/env bash
# CLI tests for `overparam manifolds` and `overparam sample`: output shape, pandas-
# readable CSV, determinism across thread counts, and bad input (one line, exit 2,
# no file). Usage: bash tests/mf_cli.sh /path/to/overparam
set -u
BIN="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# manifolds: one line per kind after the header, and --help
n=$("$BIN" manifolds | grep -cE '^(sphere|torus|ball|so3|so|stiefel|grassmann|swissroll|helix|moebius|klein) ')
[ "$n" -eq 11 ] && ok "manifolds lists 11 kinds" || bad "manifolds lists $n kinds, expected 11"
"$BIN" manifolds --help | grep -q 'usage: overparam manifolds' && ok "manifolds --help" || bad "manifolds --help"
"$BIN" sample --help | grep -q 'usage: overparam sample' && ok "sample --help" || bad "sample --help"
"$BIN" manifolds 'stiefel:k=2,n=5' | grep -qE '^stiefel:k=2,n=5 +7 +10$' && ok "manifolds SPEC prints d and N" \
  || bad "manifolds stiefel:k=2,n=5"

# sample: header, row count, numbers
"$BIN" sample --manifold torus:d=2 --ambient 64 --n 1000 --target matern:s=1 --seed 3 --format csv > "$T/a.csv"
rc=$?
[ $rc -eq 0 ] && ok "sample exit 0" || bad "sample exit $rc"
hdr=$(head -1 "$T/a.csv")
want=$( (for i in $(seq 0 63); do printf 'x%d,' "$i"; done; printf 'f,y'; for i in $(seq 0 63); do printf ',g%d' "$i"; done) )
[ "$hdr" = "$want" ] && ok "header x0..x63,f,y,g0..g63" || bad "header is '$hdr'"
rows=$(($(wc -l < "$T/a.csv") - 1))
[ "$rows" -eq 1000 ] && ok "1000 data rows" || bad "$rows data rows"
awk -F, 'NR > 1 && NF != 130 { exit 1 }' "$T/a.csv" && ok "130 fields per row" || bad "field count"
# the points have unit-circle pairs in natural coordinates, so |x|^2 = d = 2 in R^64
awk -F, 'NR > 1 { s = 0; for (i = 1; i <= 64; i++) s += $i * $i; if (s < 2 - 1e-12 || s > 2 + 1e-12) exit 1 }' \
  "$T/a.csv" && ok "every point has |x|^2 = 2 (torus:d=2)" || bad "|x|^2 != 2"
if python3 -c 'import pandas' 2>/dev/null; then
  python3 - "$T/a.csv" <<'PY' && ok "pandas reads it" || bad "pandas"
import sys, pandas as pd
df = pd.read_csv(sys.argv[1])
assert df.shape == (1000, 130), df.shape
assert df.dtypes.map(lambda t: t.kind == "f").all()
PY
else
  python3 - "$T/a.csv" <<'PY' && ok "python csv module parses every value as a float (pandas not installed)" || bad "csv parse"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) == 1001 and all(len(r) == 130 for r in rows)
[float(v) for r in rows[1:] for v in r]
PY
fi

# determinism: --out (atomic) equals stdout, any thread count
OMP_NUM_THREADS=1 "$BIN" sample --manifold torus:d=2 --ambient 64 --n 1000 --target matern:s=1 --seed 3 --out "$T/b.csv"
cmp -s "$T/a.csv" "$T/b.csv" && ok "--out equals stdout; 1 thread equals default threads" || bad "outputs differ"
OMP_NUM_THREADS=2 "$BIN" sample --manifold so:n=3 --ambient 12 --n 700 --target teacher:m=4 --noise 0.1 > "$T/c1.csv"
OMP_NUM_THREADS=1 "$BIN" sample --manifold so:n=3 --ambient 12 --n 700 --target teacher:m=4 --noise 0.1 > "$T/c2.csv"
cmp -s "$T/c1.csv" "$T/c2.csv" && ok "so:n=3 with noise: identical for 1 and 2 threads" || bad "thread dependence"
# prefix stability: the first 300 points of 1000 are the 300-point sample
"$BIN" sample --manifold torus:d=2 --ambient 64 --n 300 --target matern:s=1 --seed 3 > "$T/p.csv"
head -301 "$T/a.csv" | cmp -s - "$T/p.csv" && ok "first 300 of 1000 points = --n 300" || bad "not prefix-stable"
"$BIN" sample --manifold sphere:d=2 --n 10 --label-noise 0.5 | head -1 | grep -q '^x0,x1,x2,f,y,g0,g1,g2$' \
  && ok "header with --label-noise; default ambient = natural" || bad "label-noise header"
"$BIN" sample --manifold so3 --ambient 64 --n 2000 --intdim > "$T/id.csv"
awk -F, 'NR > 1 { if ($NF < 2.7 || $NF > 3.3) exit 1 } END { if (NR != 3) exit 1 }' "$T/id.csv" \
  && ok "--intdim: so3 gives $(cut -d, -f5,8 "$T/id.csv" | tail -2 | tr '\n' ' ')" || bad "--intdim $(cat "$T/id.csv")"

# bad input: exit 2, exactly one line on stderr, nothing on stdout, no file
check_bad() {
  local what="$1"; shift
  rm -f "$T/bad.csv"
  "$BIN" sample "$@" --out "$T/bad.csv" > "$T/out" 2> "$T/err"
  local rc=$? lines
  lines=$(wc -l < "$T/err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/out" ] && [ ! -e "$T/bad.csv" ] \
     && ! ls "$T" | grep -q 'bad.csv.tmp'; then
    ok "$what -> exit 2: $(cat "$T/err")"
  else
    bad "$what -> exit $rc, $lines stderr lines: $(cat "$T/err")"
  fi
}
check_bad "unknown manifold" --manifold sfere:d=2 --n 10
check_bad "d=0" --manifold torus:d=0 --n 10
check_bad "ambient below natural" --manifold torus:d=2 --ambient 2 --n 10
check_bad "negative n" --manifold torus:d=2 --n -5
check_bad "non-numeric n" --manifold torus:d=2 --n abc
check_bad "unknown target" --manifold torus:d=2 --n 10 --target gauss:s=1
check_bad "bad manifold parameter" --manifold 'stiefel:k=5,n=3' --n 10
check_bad "unknown parameter" --manifold torus:k=2 --n 10
check_bad "missing --manifold" --n 10
check_bad "bad format" --manifold torus:d=2 --n 10 --format json
check_bad "negative noise" --manifold torus:d=2 --n 10 --noise -1
OVERPARAM_DATASET_CACHE=yes check_bad "bad OVERPARAM_DATASET_CACHE" --manifold torus:d=2 --n 10 --target matern:s=1
grep -q 'smaller than the manifold' <("$BIN" sample --manifold torus:d=2 --ambient 2 2>&1) \
  && ok "ambient message names the embedding dimension" || bad "ambient message"
"$BIN" manifolds nope:d=1 > /dev/null 2> "$T/err"; rc=$?
[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && ok "manifolds with a bad spec -> exit 2" || bad "manifolds bad spec"
# I/O error: unwritable directory -> exit 3
"$BIN" sample --manifold torus:d=2 --n 10 --out /nonexistent-dir/x.csv 2> "$T/err"; rc=$?
[ $rc -eq 3 ] && ok "unwritable --out -> exit 3: $(cat "$T/err")" || bad "unwritable --out -> exit $rc"
exit $fail
