#!/bin/bash
# Diverging runs (test-only check selftest-diverge, tests/selftest/selftest_faults.c): run
# n=256/seed=0 returns NaN with OP_EDIVERGE, run n=1024/seed=1 returns +Inf. Both
# must be reported on stderr with their key, recorded with status "diverged" and a
# null metric, counted in the verdict line (failed_runs=2/36, the first named) and
# left out of the averages: summary.csv has n_ok=5 n_failed=1 at those n, and its y
# there equals the geometric mean of the five finished runs' records (recomputed
# here). A failed run caps the verdict at MARGINAL (issue 15): exit 4.
# usage: faults_diverge.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/faults_diverge.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

line=$("$bin" verify selftest-diverge --no-figures --out "$tmp/d" 2>"$tmp/err"); rc=$?
echo "$line"
[ "$rc" = 4 ] && ok "exit 4: a failed run leaves the check MARGINAL" || bad "exit $rc"
grep -q "^overparam: selftest-diverge MARGINAL .* failed_runs=2/36 first_failed=n=256/seed=0$" <<<"$line" \
  && ok "verdict line: MARGINAL, failed_runs=2/36, first failed run named" || bad "verdict line: $line"
grep -q "^overparam: selftest-diverge run n=256/seed=0 diverged (synthetic NaN loss (selftest)); counted as failed$" "$tmp/err" \
  && ok "NaN run reported with its key" || bad "NaN run not reported: $(cat "$tmp/err")"
grep -q "^overparam: selftest-diverge run n=1024/seed=1 diverged (NaN or Inf metric); counted as failed$" "$tmp/err" \
  && ok "Inf run reported with its key" || bad "Inf run not reported: $(cat "$tmp/err")"
[ "$(grep -c diverged "$tmp/err")" = 2 ] && ok "exactly two divergence reports" || bad "$(grep -c diverged "$tmp/err") reports"
python3 - "$tmp/d/selftest-diverge" <<'PY' && ok "diverged records marked, excluded from summary.csv means" || bad "records/summary"
import csv, json, math, os, sys
d = sys.argv[1]
recs = [json.load(open(os.path.join(d, 'runs', f))) for f in os.listdir(os.path.join(d, 'runs'))]
assert len(recs) == 36, len(recs)
div = sorted(r['key'] for r in recs if r['status'] == 'diverged')
assert div == ['n=1024/seed=1', 'n=256/seed=0'], div
for r in recs:
    if r['status'] == 'diverged':
        assert r['metrics']['err'] is None, r
rows = {float(r['x']): r for r in csv.DictReader(open(os.path.join(d, 'summary.csv')))}
assert len(rows) == 6, rows.keys()
for n in (64, 128, 256, 512, 1024, 2048):
    row = rows[float(n)]
    ok = [r['metrics']['err'] for r in recs if r['params']['n'] == n and r['status'] == 'ok']
    want_failed = 1 if n in (256, 1024) else 0
    assert int(row['n_ok']) == 6 - want_failed and int(row['n_failed']) == want_failed, (n, row)
    gm = math.exp(sum(math.log(v) for v in ok) / len(ok))
    assert abs(float(row['y']) - gm) <= 1e-8 * gm, (n, row['y'], gm)
PY
# resume: a second run redoes nothing (diverged records count as done) and gives the same line
line2=$("$bin" verify selftest-diverge --no-figures --out "$tmp/d" 2>"$tmp/err2"); rc2=$?
[ "$line2" = "$line" ] && [ "$rc2" = "$rc" ] && ok "rerun on the records gives the same line" || bad "rerun: $line2"

[ $fails = 0 ] && echo "faults_diverge: all passed" || echo "faults_diverge: $fails failed"
[ $fails = 0 ]
