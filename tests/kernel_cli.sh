#!/usr/bin/env bash
# CLI checks for `overparam kernel`: a Lemma-1 round trip through CSV files (columns in
# any order, extra columns ignored), thread-count determinism, and bad input that must
# give exit 2/3, exactly one line on stderr and no output file.
set -u
BIN=${1:?usage: kernel_cli.sh path/to/overparam}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# Training set: +-5 e_i in R^3 with y = 2 x0 - x1 + 0.5 x2 (Xu et al. Lemma 1), columns
# shuffled and extra columns f, g0 present. Test set: points out to radius ~20.
cat > "$T/train.csv" <<'CSV'
y,x1,f,x0,g0,x2
10,0,9,5,1,0
-10,0,9,-5,1,0
-5,5,9,0,1,0
5,-5,9,0,1,0
2.5,0,9,0,1,5
-2.5,0,9,0,1,-5
CSV
cat > "$T/test.csv" <<'CSV'
x0,x1,x2,y
3.1,-7.2,12.5,19.65
-14.2,2.385,0.7,-30.435
0.01,0.02,-19.9,-9.95
10,10,10,15
CSV

out=$("$BIN" kernel --help); rc=$?
[ $rc -eq 0 ] && grep -q -- '--ridge' <<<"$out" && ok "--help exits 0" || bad "--help (rc $rc)"

"$BIN" kernel --train "$T/train.csv" --test "$T/test.csv" --kernel k1 --out "$T/p1.csv" > "$T/stdout" 2> "$T/stderr"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/stderr" ] && grep -q 'test_mse=' "$T/stdout"; then ok "round trip exits 0: $(cat "$T/stdout")"; else bad "round trip rc $rc: $(cat "$T/stderr")"; fi
if head -1 "$T/p1.csv" | grep -qx 'y_true,y_pred' && [ "$(wc -l < "$T/p1.csv")" -eq 5 ]; then ok "predictions CSV has header y_true,y_pred and 4 rows"; else bad "predictions CSV shape"; fi
worst=$(awk -F, 'NR>1 { e = $2 - $1; if (e < 0) e = -e; if (e > m) m = e } END { printf "%.3g", m }' "$T/p1.csv")
awk -v w="$worst" 'BEGIN { exit !(w < 1e-9) }' && ok "Lemma 1 through the CLI: max |y_pred - y_true| = $worst" || bad "Lemma 1 through the CLI: max error $worst"

for k in ntk nngp k12; do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$BIN" kernel --train "$T/train.csv" --test "$T/test.csv" --kernel $k --depth 1 --bias 0.3 --ridge 1e-3 --out "$T/a.csv" > /dev/null
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$BIN" kernel --train "$T/train.csv" --test "$T/test.csv" --kernel $k --depth 1 --bias 0.3 --ridge 1e-3 --out "$T/b.csv" > /dev/null
  cmp -s "$T/a.csv" "$T/b.csv" && ok "$k: identical output for 1 and 2 threads" || bad "$k: output depends on thread count"
done
"$BIN" kernel --train "$T/train.csv" --test "$T/test.csv" --depth 4 --bias 1 > "$T/stdout" && grep -q 'kernel=ntk depth=4' "$T/stdout" && ok "depth 4 with bias runs" || bad "depth 4 with bias"

# expect_fail CODE PATTERN args...: exit CODE, one stderr line matching PATTERN, no output file.
expect_fail() {
  local code=$1 pat=$2; shift 2
  rm -f "$T/out.csv"
  "$BIN" kernel "$@" --out "$T/out.csv" > /dev/null 2> "$T/err"
  local rc=$? lines
  lines=$(wc -l < "$T/err")
  if [ $rc -eq "$code" ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$T/err" && [ ! -e "$T/out.csv" ] && [ -z "$(ls "$T" | grep '\.tmp\.')" ]; then
    ok "exit $code: $(cat "$T/err")"
  else
    bad "expected exit $code matching '$pat'; got rc $rc, $lines line(s): $(cat "$T/err")"
  fi
}
printf 'x0,x1,x2,y\n1,2,3,4\n1,abc,3,4\n' > "$T/nonnum.csv"
printf 'x0,x1,x2,y\n1,2,3,4\n1,2,3\n' > "$T/cols.csv"
printf 'x0,x1,y\n1,2,3\n' > "$T/d2.csv"
printf 'x0,x1,x2\n1,2,3\n' > "$T/noy.csv"
printf 'x0,x2,y\n1,2,3\n' > "$T/gap.csv"
printf 'x0,x1,x2,y\n1,2,3,inf\n' > "$T/inf.csv"
printf 'x0,x1,x2,y\n' > "$T/empty.csv"
printf 'x0,x1,x2,y\n1,0,0,1\n1,0,0,2\n0,1,0,0\n' > "$T/dup.csv"
expect_fail 3 "nope.csv" --train "$T/nope.csv" --test "$T/test.csv"
expect_fail 3 "nope.csv" --train "$T/train.csv" --test "$T/nope.csv"
expect_fail 3 "nonnum.csv:3: column x1: 'abc' is not a number" --train "$T/nonnum.csv" --test "$T/test.csv"
expect_fail 3 "cols.csv:3: 3 cells, the header has 4" --train "$T/train.csv" --test "$T/cols.csv"
expect_fail 3 "has 2 features" --train "$T/train.csv" --test "$T/d2.csv"
expect_fail 2 "noy.csv' has no target column 'y'; columns found: x0,x1,x2" --train "$T/noy.csv" --test "$T/test.csv"
expect_fail 2 "gap.csv' has x2 but no column 'x1'" --train "$T/gap.csv" --test "$T/test.csv"
expect_fail 3 "inf.csv:2: column y" --train "$T/inf.csv" --test "$T/test.csv"
expect_fail 3 "no data rows" --train "$T/empty.csv" --test "$T/test.csv"
expect_fail 3 "singular" --train "$T/dup.csv" --test "$T/test.csv"
expect_fail 2 "ridge" --train "$T/train.csv" --test "$T/test.csv" --ridge -1
expect_fail 2 "unknown kernel 'rbf'" --train "$T/train.csv" --test "$T/test.csv" --kernel rbf
expect_fail 2 "depth" --train "$T/train.csv" --test "$T/test.csv" --depth 0
expect_fail 2 "does not apply" --train "$T/train.csv" --test "$T/test.csv" --kernel k1 --depth 3
expect_fail 2 "bias" --train "$T/train.csv" --test "$T/test.csv" --bias nan
expect_fail 2 "--train is required" --test "$T/test.csv"
expect_fail 2 "unknown flag" --train "$T/train.csv" --test "$T/test.csv" --widht 3
rm -f "$T/out.csv"
"$BIN" kernel --train "$T/train.csv" --test "$T/test.csv" --out "$T/no/such/dir/p.csv" > /dev/null 2> "$T/err"
rc=$?
[ $rc -eq 3 ] && [ ! -e "$T/no" ] && ok "unwritable output: exit 3, nothing created: $(cat "$T/err")" || bad "unwritable output: rc $rc"
"$BIN" kernel --train "$T/dup.csv" --test "$T/test.csv" --ridge 1e-6 > /dev/null && ok "duplicates with --ridge 1e-6 run" || bad "duplicates with a ridge"

[ $fail -eq 0 ] && echo "kernel_cli: all passed" || echo "kernel_cli: FAILED"
exit $fail
