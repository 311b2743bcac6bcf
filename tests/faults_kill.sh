#!/bin/bash
# Kill at any moment: `overparam verify selftest-slow` (64 runs of 20 ms) is killed
# with SIGKILL at K random moments -- before the first run, during runs, during a
# record's write, during judging -- and restarted each time. After every kill each
# record on disk must be a complete, parseable record of its own run, and every
# record seen before must be byte-identical (finished runs are never lost or
# redone). The final restart must give the records (timing dropped), summary.csv
# and verdict line of an uninterrupted run. Delays come from FAULTS_SEED (printed).
# usage: faults_kill.sh BIN [KILLS]
set -u
bin=$1 kills=${2:-10}
seed=${FAULTS_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
echo "FAULTS_SEED=$seed (rerun with it to repeat these kill moments)"
tmp=$(mktemp -d /tmp/faults_kill.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
args=(verify selftest-slow --no-figures --threads 2 --out "$tmp/k")
runs="$tmp/k/selftest-slow/runs"
mkdir -p "$tmp/snap"

ref=$("$bin" verify selftest-slow --no-figures --threads 1 --out "$tmp/ref" 2>/dev/null); rrc=$?
[ "$rrc" = 0 ] || bad "the uninterrupted run exited $rrc"

# every *.json in runs/ parses and names the run its file is named after
check_records() {
  python3 - "$runs" <<'PY'
import json, os, sys
d = sys.argv[1]
bad = 0
for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    if not f.endswith('.json'):
        continue
    try:
        r = json.load(open(os.path.join(d, f)))
        want = r['key'].replace('/', '_') + '.json'
        if want != f or r['check'] != 'selftest-slow' or r['status'] != 'ok':
            raise ValueError('record does not belong to its file: %s' % r['key'])
    except Exception as e:
        print('corrupt record %s: %s' % (f, e))
        bad += 1
sys.exit(1 if bad else 0)
PY
}

for k in $(seq 1 "$kills"); do
  # a random moment within the remaining work (about 12 ms a run on 2 threads plus
  # start-up), and every 4th time anywhere up to 1.2 s, so that some kills land in
  # the judging/summary phase or after the end
  left=$((64 - $(ls "$runs" 2>/dev/null | grep -c '\.json$')))
  ms=$((RANDOM % (12 * left + 60)))
  [ $((k % 4)) = 0 ] && ms=$((RANDOM % 1200))
  delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
  "$bin" "${args[@]}" >"$tmp/out" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null && killed=1 || killed=0
  wait "$pid" 2>/dev/null
  n=$(ls "$runs" 2>/dev/null | grep -c '\.json$')
  if check_records; then
    ok "kill $k at ${delay}s ($([ $killed = 1 ] && echo killed || echo 'had finished')): $n records, all complete"
  else
    bad "kill $k at ${delay}s left a corrupt record"
  fi
  changed=0
  for f in "$tmp/snap"/*.json; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$runs/$(basename "$f")" || changed=$((changed + 1))
  done
  [ "$changed" = 0 ] || bad "kill $k: $changed finished records were lost or rewritten"
  cp -n "$runs"/*.json "$tmp/snap/" 2>/dev/null
  # a finished sweep is cheap to redo; start over now and then to keep killing mid-run
  if [ "$n" = 64 ] && [ $k -lt "$kills" ]; then rm -rf "$tmp/k" "$tmp/snap"; mkdir -p "$tmp/snap"; fi
done

line=$("$bin" "${args[@]}" 2>"$tmp/err"); rc=$?
[ "$line" = "$ref" ] && [ "$rc" = "$rrc" ] && ok "restart: verdict equals the uninterrupted run's: $line" \
  || bad "verdicts differ:\n  resumed: $line (exit $rc)\n  uninterrupted: $ref (exit $rrc)"
[ "$(ls "$runs" | grep -c '\.json$')" = 64 ] && ok "64 records" || bad "$(ls "$runs" | grep -c '\.json$') records, expected 64"
[ "$(ls "$runs" | grep -c '\.tmp\.')" = 0 ] && ok "no temp files left" || bad "temp files left: $(ls "$runs" | grep '\.tmp\.')"
changed=0
for f in "$tmp/snap"/*.json; do [ -e "$f" ] && { cmp -s "$f" "$runs/$(basename "$f")" || changed=$((changed + 1)); }; done
[ "$changed" = 0 ] && ok "no finished record was redone" || bad "$changed finished records were redone"
diff <(cd "$runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) \
     <(cd "$tmp/ref/selftest-slow/runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) >/dev/null \
  && ok "records identical to the uninterrupted run (timing dropped)" || bad "records differ from the uninterrupted run"
cmp -s "$tmp/k/selftest-slow/summary.csv" "$tmp/ref/selftest-slow/summary.csv" && ok "summary.csv identical" \
  || bad "summary.csv differs"

[ $fails = 0 ] && echo "faults_kill: all passed" || echo "faults_kill: $fails failed"
[ $fails = 0 ]
