#!/usr/bin/env bash
# Runs one libFuzzer harness for a bounded time from the committed seed corpus.
# usage: data_fuzz.sh HARNESS|- SEED_CORPUS WORKDIR SECONDS MAX_RUNS [SKIP_REASON]
# Exit 0: no finding. Exit 1: a crash, sanitizer report, leak, timeout or OOM (the log
# tail and the reproducer path are printed; rerun with `HARNESS REPRODUCER`).
# Exit 77 (ctest SKIP_RETURN_CODE): no harness ("-"), with the reason printed.
# New corpus entries go to WORKDIR/corpus; the committed seeds are never modified.
set -u
BIN=$1 SEEDS=$2 WORK=$3 SECS=$4 RUNS=$5 REASON=${6:-}
if [ "$BIN" = "-" ]; then
  echo "skipped: ${REASON:-no fuzz harness built}"
  exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
# libFuzzer's own default error exit code is 77, which ctest would read as "skipped":
# use 70/71 and map every non-zero status to 1 below.
"$BIN" -max_total_time="$SECS" -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=70 -timeout_exitcode=71 -print_final_stats=1 \
  -artifact_prefix="$WORK/artifacts/" "$WORK/corpus" "$SEEDS" > "$WORK/log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/log" | tail -1)
cov=$(grep -o 'cov: [0-9]*' "$WORK/log" | tail -1)
artifacts=$(ls -A "$WORK/artifacts")
if [ $rc -ne 0 ] || [ -n "$artifacts" ] || grep -qE 'runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer|ERROR: libFuzzer' "$WORK/log"; then
  tail -40 "$WORK/log"
  echo "FAIL $(basename "$BIN"): exit $rc after ${execs:-?} executions; reproducers in $WORK/artifacts: ${artifacts:-none}"
  exit 1
fi
echo "ok   $(basename "$BIN"): ${execs:-?} executions in ${SECS}s at most, ${cov:-cov: ?}, no crash or sanitizer report"
exit 0
