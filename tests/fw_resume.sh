#!/bin/bash
# Resume: `overparam verify double-descent` interrupted with SIGINT and then
# SIGKILL mid-sweep and restarted each time loses no finished run (the records
# written before the kill are byte-identical afterwards: they were skipped, not
# redone), redoes only the unfinished ones, and ends with the same records
# (timing dropped) and the same verdict line as an uninterrupted run.
# usage: fw_resume.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/fw_resume.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
runs="$tmp/int/double-descent/runs"
args=(verify double-descent --quick --no-figures --threads 1 --out "$tmp/int")

# interrupt once the sweep has written at least $1 records, with signal $2
interrupt() {
  local want=$1 sig=$2
  # job control on: a non-interactive shell would start the job with SIGINT ignored
  set -m
  "$bin" "${args[@]}" >"$tmp/int.out" 2>&1 &
  local pid=$! n=0
  set +m
  for _ in $(seq 1 3000); do
    n=$(ls "$runs" 2>/dev/null | grep -c '\.json$')
    [ "$n" -ge "$want" ] && break
    sleep 0.01
  done
  if ! kill -"$sig" "$pid" 2>/dev/null; then
    bad "the sweep finished before it could be interrupted ($n records)"
    wait "$pid"
    return
  fi
  wait "$pid"
  local rc=$?
  n=$(ls "$runs" | grep -c '\.json$')
  [ "$rc" -ne 0 ] && ok "SIG$sig after >= $want records: exit $rc, $n records on disk" \
    || bad "SIG$sig: process exited 0"
  grep -q "^overparam: double-descent" "$tmp/int.out" && bad "a verdict was printed by the interrupted run"
}

interrupt 20 INT
# every record on disk after the kill must parse: the atomic rename leaves no half file
mkdir -p "$tmp/snap"
cp "$runs"/*.json "$tmp/snap/"
before=$(ls "$tmp/snap" | wc -l)
interrupt $((before + 40)) KILL
cp -n "$runs"/*.json "$tmp/snap/" 2>/dev/null
before=$(ls "$tmp/snap" | wc -l)

line=$("$bin" "${args[@]}" 2>"$tmp/err"); rc=$?
echo "$line"
total=$(ls "$runs" | grep -c '\.json$')
[ "$(ls "$runs" | grep -c '\.tmp\.')" = 0 ] && ok "no temp files left after the restart" || bad "stale temp files left"
# 17 ratios x 12 seeds x 3 variants (the theorem, ridge, small-ridge)
[ "$total" = 612 ] && ok "612 records after the restart" || bad "$total records after restart, expected 612"
same=0
for f in "$tmp/snap"/*.json; do cmp -s "$f" "$runs/$(basename "$f")" && same=$((same + 1)); done
[ "$same" = "$before" ] && ok "all $before records written before the kills are untouched (skipped, not redone)" \
  || bad "only $same of $before earlier records unchanged"

ref=$("$bin" verify double-descent --quick --no-figures --threads 2 --out "$tmp/ref" 2>/dev/null); rrc=$?
[ "$line" = "$ref" ] && [ "$rc" = "$rrc" ] && ok "verdict equals the uninterrupted run's" \
  || bad "verdicts differ:\n  resumed: $line\n  uninterrupted: $ref"
diff <(cd "$runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) \
     <(cd "$tmp/ref/double-descent/runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) >/dev/null \
  && ok "records identical to the uninterrupted run (timing dropped)" || bad "records differ from the uninterrupted run"
cmp -s "$tmp/int/double-descent/summary.csv" "$tmp/ref/double-descent/summary.csv" && ok "summary.csv identical" \
  || bad "summary.csv differs"

[ $fails = 0 ] && echo "fw_resume: all passed" || echo "fw_resume: $fails failed"
[ $fails = 0 ]
