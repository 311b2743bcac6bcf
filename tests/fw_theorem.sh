#!/bin/bash
# Runs one theorem check (or control) from an empty output directory and asserts
# on its verdict line (a regex) AND on the exit code.
# usage: fw_theorem.sh BIN OUTDIR LINE_REGEX EXIT_CODE verify ID [flags...]
set -u
bin=$1 out=$2 want=$3 code=$4
shift 4
rm -rf "$out"
mkdir -p "$out"
# A control test may start from its theorem test's records (FW_SHARE_FROM: that test's
# output directory), if that test ran with this binary (its verdict file is newer):
# the runs a control leaves unchanged (th_control.shares_main) are then resumed, not
# redone. Only records without a control name are copied.
id=${2:-}
share=${FW_SHARE_FROM:-}
if [ -n "$share" ] && [ -s "$share/$id/verdict-quick.txt" ] && [ "$share/$id/verdict-quick.txt" -nt "$bin" ]; then
  mkdir -p "$out/$id/runs"
  find "$share/$id/runs" -maxdepth 1 -name '*.json' ! -name 'control=*' -exec cp {} "$out/$id/runs/" \;
  echo "shared: $(ls "$out/$id/runs" | wc -l) records of $share"
fi
log=$("$bin" "$@" --out "$out" 2>"$out/stderr.log")
rc=$?
echo "$log"
if [ "$rc" != "$code" ]; then
  echo "FAIL: exit code $rc, expected $code"; cat "$out/stderr.log"; exit 1
fi
if ! grep -Eq "^$want" <<<"$log"; then
  echo "FAIL: no verdict line matching: $want"; cat "$out/stderr.log"; exit 1
fi
n=$(ls "$out"/*/runs/*.json 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL: no run records written"; exit 1; }
[ -s "$out/report.md" ] && [ -s "$out/report.html" ] || { echo "FAIL: report missing"; exit 1; }
echo "ok ($n records)"
