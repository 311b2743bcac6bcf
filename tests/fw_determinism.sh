#!/bin/bash
# Determinism: the double-descent sweep under OMP_NUM_THREADS=1 and =2 gives
# byte-identical records apart from the one "timing" line, identical summary.csv
# and the same verdict line.
# usage: fw_determinism.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/fw_det.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
l1=$(OMP_NUM_THREADS=1 "$bin" verify double-descent --quick --no-figures --out "$tmp/t1" 2>/dev/null)
l2=$(OMP_NUM_THREADS=2 "$bin" verify double-descent --quick --no-figures --out "$tmp/t2" 2>/dev/null)
echo "$l1"
fails=0
[ "$l1" = "$l2" ] && echo "ok   same verdict line" || { echo "FAIL verdicts differ: $l2"; fails=1; }
n=$(ls "$tmp/t1/double-descent/runs" | wc -l)
grep -h '"sweep_threads"' "$tmp/t1/double-descent/runs/"*.json | grep -q '"sweep_threads": 1}' \
  && grep -h '"sweep_threads"' "$tmp/t2/double-descent/runs/"*.json | grep -q '"sweep_threads": 2}' \
  && echo "ok   the runs really used 1 and 2 threads" || { echo "FAIL thread counts not as requested"; fails=1; }
strip() { (cd "$1" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done); }
if diff <(strip "$tmp/t1/double-descent/runs") <(strip "$tmp/t2/double-descent/runs") >"$tmp/diff"; then
  echo "ok   $n records identical apart from timing"
else
  echo "FAIL records differ:"; head -20 "$tmp/diff"; fails=1
fi
cmp -s "$tmp/t1/double-descent/summary.csv" "$tmp/t2/double-descent/summary.csv" && echo "ok   summary.csv identical" \
  || { echo "FAIL summary.csv differs"; fails=1; }
[ $fails = 0 ]
