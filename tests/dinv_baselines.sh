#!/bin/bash
# Asserts on the baselines of classification-dinv (not judged by the check itself):
# knn_ratio_at_nmax = 1 (distances are preserved by the isometric embedding) and
# krr_ratio_at_nmax >= 1.05 (RBF ridge with gamma = 1/D oversmooths more as D grows;
# measured 1.12 at the default seed), and every record carries the baseline metrics.
# usage: dinv_baselines.sh BIN OUTDIR
set -u
bin=$1 out=$2
mkdir -p "$out"
line=$("$bin" verify classification-dinv --quick --no-controls --no-figures --out "$out" 2>"$out/baselines-stderr.log")
rc=$?
echo "$line"
[ "$rc" = 0 ] || { echo "FAIL: exit code $rc"; cat "$out/baselines-stderr.log"; exit 1; }
grep -Eq ' knn_ratio_at_nmax=1 ' <<<"$line" || { echo "FAIL: k-NN is not exactly D-invariant"; exit 1; }
r=$(grep -Eo 'krr_ratio_at_nmax=[0-9.e+-]+' <<<"$line" | cut -d= -f2)
[ -n "$r" ] || { echo "FAIL: no krr_ratio_at_nmax"; exit 1; }
awk -v r="$r" 'BEGIN { exit !(r >= 1.05) }' || { echo "FAIL: kernel baseline ratio $r < 1.05"; exit 1; }
n=$(ls "$out"/classification-dinv/runs/*.json | wc -l)
m=$(grep -l '"krr_loss"' "$out"/classification-dinv/runs/*.json | wc -l)
[ "$n" -gt 0 ] && [ "$n" = "$m" ] || { echo "FAIL: $m of $n records have krr_loss"; exit 1; }
echo "ok (krr_ratio_at_nmax=$r, $n records)"
