#!/bin/bash
# Fail early and progress in logs (issue 21): a resource a check needs (the image set,
# gnuplot for `figures`) is missing -> exit 3, one line, before any run and before --out
# exists; a runtime error after some checks finished still writes their report; with
# stderr not a terminal, heartbeat lines and one line per finished check; on a terminal
# "check k/N" with an ETA; verify ends by naming the report.
# usage: fw_preflight.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/fw_preflight.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# 1. a missing data set is caught before any run: the earlier selftest-rate does not run
"$bin" verify selftest-rate robust-size --dataset /nonexistent --out "$tmp/a" >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q "robust-size needs the image set: .*/nonexistent" "$tmp/e" \
  && [ ! -s "$tmp/o" ] && [ ! -e "$tmp/a" ] \
  && ok "missing data set: exit 3, one line, no --out, no records: $(cat "$tmp/e")" \
  || bad "missing data set: rc $rc, $(cat "$tmp/e"), out $(find "$tmp/a" -name '*.json' 2>/dev/null | wc -l) records"
"$bin" verify robust-size --quick --dataset /nonexistent --out "$tmp/a2" >/dev/null 2>&1
[ ! -e "$tmp/a2" ] && ok "robust-size alone: --out not created" || bad "robust-size alone wrote $tmp/a2"
mkdir -p "$tmp/partial"
printf 'not an IDX file' >"$tmp/partial/train-images-idx3-ubyte"
"$bin" verify robust-size --dataset "$tmp/partial" --out "$tmp/a3" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && [ ! -e "$tmp/a3" ] \
  && ok "incomplete data set: exit 3 before any run: $(cat "$tmp/e")" || bad "incomplete data set: rc $rc $(cat "$tmp/e")"
# checks that need no data set are not held up by a missing one
"$bin" verify selftest-rate --no-controls --no-figures --dataset /nonexistent --out "$tmp/a4" >/dev/null 2>&1; rc=$?
[ $rc = 0 ] && ok "selftest-rate runs with --dataset /nonexistent (it needs none)" || bad "selftest-rate: rc $rc"

# 2. figures without gnuplot: exit 3 before any run (verify still runs and skips figures: fw_cli.sh)
PATH=/nonexistent "$bin" figures selftest-rate --quick --out "$tmp/f" >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 3 ] && [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q "gnuplot not found" "$tmp/e" && [ ! -e "$tmp/f" ] \
  && ok "figures without gnuplot: exit 3, one line, nothing written" || bad "figures without gnuplot: rc $rc $(cat "$tmp/e")"

# 3. a runtime error in the second check: exit 3, and the first check's report is written
mkdir -p "$tmp/r/selftest-slow" && touch "$tmp/r/selftest-slow/runs"
"$bin" verify selftest-rate selftest-slow --no-figures --out "$tmp/r" >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 3 ] && grep -q "^overparam: selftest-rate PASS" "$tmp/o" && grep -q "selftest-rate" "$tmp/r/report.md" \
  && ! grep -q "selftest-slow" "$tmp/r/report.md" && grep -q "report of the 1 finished check: $tmp/r/report.md" "$tmp/e" \
  && ok "runtime error in check 2: exit 3, report of check 1 written" || bad "partial report: rc $rc $(cat "$tmp/e")"

# 4. progress in a log (stderr a file): heartbeats (interval shortened), one line per
# finished check, the report's path at the end; stdout holds only the verdict lines
OVERPARAM_HEARTBEAT=0.1 "$bin" verify selftest-rate selftest-slow --no-figures --out "$tmp/p" >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 0 ] && [ "$(wc -l <"$tmp/o")" = 2 ] && ok "stdout: two verdict lines" || bad "stdout: rc $rc $(cat "$tmp/o")"
grep -q "^overparam: progress: check 2/2 selftest-slow [0-9]*/64 runs, [0-9]*s elapsed, ETA " "$tmp/e" \
  && ok "heartbeat: $(grep -m1 'progress: check 2/2' "$tmp/e")" || bad "no heartbeat line: $(cat "$tmp/e")"
[ "$(grep -c '^overparam: verify: check [12]/2 selftest-[a-z]* finished in [0-9]*s: PASS$' "$tmp/e")" = 2 ] \
  && ok "one line per finished check" || bad "finished lines: $(cat "$tmp/e")"
[ "$(tail -1 "$tmp/e")" = "overparam: verify: report: $tmp/p/report.md (and $tmp/p/report.html)" ] && [ -s "$tmp/p/report.md" ] \
  && ok "verify ends with the report's path" || bad "last stderr line: $(tail -1 "$tmp/e")"
! grep -q $'\r' "$tmp/e" && ok "no carriage returns in the log" || bad "carriage returns in a log"
# the default interval (30 s) prints no heartbeat for a check of a second or two
"$bin" verify selftest-slow --no-figures --out "$tmp/p2" >/dev/null 2>"$tmp/e"
! grep -q "progress:" "$tmp/e" && ok "no heartbeat within 30 s" || bad "early heartbeat: $(cat "$tmp/e")"

# 5. on a terminal (script(1) gives a pty): "check k/N" and an ETA on the redrawn line
if command -v script >/dev/null; then
  script -qec "$bin verify selftest-rate selftest-slow --no-figures --out $tmp/t" /dev/null >"$tmp/tty" 2>&1
  grep -aq "check 2/2 selftest-slow [0-9]*/64 .*ETA" "$tmp/tty" && grep -aq "check 1/2 selftest-rate 36/36  done in" "$tmp/tty" \
    && ! grep -aq "finished in" "$tmp/tty" && ok "terminal: check k/N with ETA, no log lines" \
    || bad "terminal bar: $(tr '\r' '\n' <"$tmp/tty" | tail -5)"
else
  echo "skip terminal bar (no script(1))"
fi

[ $fail = 0 ] && echo "fw_preflight: all ok"
exit $fail
