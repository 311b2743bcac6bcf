#!/bin/bash
# CLI of list/verify/figures/compare: bad input gives one line and exit 2 (3 for
# I/O) without writing files; outputs have the promised layout; figures are
# skipped cleanly without gnuplot; the shipped binary holds exactly the checks of
# theorems/checks.list, in its order, and no test-only one; every near-miss control is named there.
# usage: fw_cli.sh SHIPPED_BIN SELFTEST_BIN CHECKS_LIST
# (SELFTEST_BIN, tests' overparam-selftest, adds the test-only selftest-* checks the
# verify/compare tests below run; everything else is the same CLI)
set -u
ship=$1 bin=$2 list=$3
tmp=$(mktemp -d /tmp/fw_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# expect CODE DESCRIPTION -- command...: exit code, exactly one stderr line, no files under $tmp/none
expect() {
  local code=$1 what=$2
  shift 3
  rm -rf "$tmp/none"
  "$@" >"$tmp/o" 2>"$tmp/e"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/e")
  if [ "$rc" != "$code" ]; then bad "$what: exit $rc, expected $code ($(cat "$tmp/e"))"
  elif [ "$code" != 0 ] && [ "$lines" != 1 ]; then bad "$what: $lines stderr lines: $(cat "$tmp/e")"
  elif [ -e "$tmp/none" ] && [ -n "$(find "$tmp/none" -type f)" ]; then bad "$what: wrote files"
  else ok "$what${code:+ -> $code}: $(head -c 160 "$tmp/e")"; fi
}

N="$tmp/none"
expect 2 "unknown check" -- "$bin" verify no-such-check --out "$N"
grep -q "valid ids: .*double-descent" "$tmp/e" || bad "unknown check line lists valid ids"
expect 2 "figures: unknown check" -- "$bin" figures no-such-check --out "$N"
expect 2 "quick and full" -- "$bin" verify double-descent --quick --full --out "$N"
expect 2 "bad seed" -- "$bin" verify double-descent --seed -4 --out "$N"
expect 2 "bad threads" -- "$bin" verify double-descent --threads 0 --out "$N"
expect 2 "unknown flag" -- "$bin" verify --frobnicate --out "$N"
expect 2 "unknown control" -- "$bin" verify double-descent --control nope --out "$N"
expect 2 "control without id" -- "$bin" verify --control ridge --out "$N"
expect 2 "control and no-controls" -- "$bin" verify double-descent --control ridge --no-controls --out "$N"
expect 2 "same check twice" -- "$bin" verify double-descent double-descent --out "$N"
expect 3 "unwritable out" -- "$bin" verify double-descent --out /proc/nonexistent/x
touch "$tmp/afile"
expect 3 "out is a file" -- "$bin" verify double-descent --out "$tmp/afile"
expect 2 "list: unknown check" -- "$bin" list extra
expect 2 "compare: no check" -- "$bin" compare --manifolds flat:d=1 --out "$N"
expect 2 "compare: unknown check" -- "$bin" compare --check nope --manifolds flat:d=1 --out "$N"
expect 2 "compare: check without support" -- "$bin" compare --check double-descent --manifolds flat:d=1 --out "$N"
expect 2 "compare: unknown manifold" -- "$bin" compare --check selftest-rate --manifolds flat:d=1,blob --out "$N"
expect 2 "compare: empty manifold entry" -- "$bin" compare --check selftest-rate --manifolds flat:d=1,,flat:d=2 --out "$N"
expect 2 "compare: ambient too small" -- "$bin" compare --check selftest-rate --manifolds flat:d=4 --ambient 3 --out "$N"
expect 2 "compare: bad ambient" -- "$bin" compare --check selftest-rate --manifolds flat:d=1 --ambient 16,x --out "$N"
expect 2 "compare: duplicate manifold" -- "$bin" compare --check selftest-rate --manifolds flat:d=1,flat:d=1 --out "$N"
expect 2 "compare: too many curves" -- "$bin" compare --check selftest-rate --manifolds flat:d=1,flat:d=2,flat:d=3,flat:d=4,flat:d=5,flat:d=6,flat:d=7 --ambient 16,64 --out "$N"
for c in list verify figures compare; do
  expect 0 "$c --help" -- "$bin" $c --help
  grep -q "^usage: overparam $c" "$tmp/o" || bad "$c --help prints usage"
done

# list: one block per check of the shipped binary: exactly theorems/checks.list's ids in
# its order (the registry's table and the ctests are both generated from that file, so
# this catches a check whose .id differs from its line), and no test-only check, which
# only overparam-selftest knows
"$ship" list >"$tmp/list" || bad "list exit code"
grep -q "^double-descent$" "$tmp/list" && grep -q "citation:" "$tmp/list" && grep -q "claim:" "$tmp/list" \
  && ok "list shows id, citation, claim" || bad "list content"
# a list line: <id> <grade> ["reason"] [control ...]; the reason (no '"' inside) is dropped
sed -E '/^[[:space:]]*(#|$)/d; s/"[^"]*"//' "$list" >"$tmp/lines"
[ "$(grep -E '^[a-z0-9-]+$' "$tmp/list")" = "$(awk '{print $1}' "$tmp/lines")" ] \
  && ok "list: the ids of theorems/checks.list, in its order" \
  || bad "list ids differ from theorems/checks.list: $(diff <(grep -E '^[a-z0-9-]+$' "$tmp/list") <(awk '{print $1}' "$tmp/lines") | tr '\n' ' ')"
grep -q selftest "$tmp/list" && bad "the shipped binary lists a test-only check" || ok "no test-only check listed"
expect 2 "shipped binary: selftest-rate unknown" -- "$ship" verify selftest-rate --out "$N"
grep -q "unknown check 'selftest-rate'" "$tmp/e" || bad "shipped binary: verify selftest-rate is not an unknown check"
"$bin" list | grep -E '^[a-z0-9-]+$' >"$tmp/list2"
[ "$(head -n "$(wc -l <"$tmp/lines")" "$tmp/list2")" = "$(awk '{print $1}' "$tmp/lines")" ] \
  && tail -n +"$(($(wc -l <"$tmp/lines") + 1))" "$tmp/list2" | grep -q '^selftest-rate$' \
  && ! tail -n +"$(($(wc -l <"$tmp/lines") + 1))" "$tmp/list2" | grep -qv '^selftest-' \
  && ok "overparam-selftest lists the shipped checks, then the test-only ones" || bad "overparam-selftest list"

# every control is marked near-miss or not; every near-miss control has its ctest (it must
# FAIL, issue 15): its name is on the check's line of theorems/checks.list
grep "^  control:" "$tmp/list" | grep -Evq '^  control:    [a-z0-9.-]+ \[(near-miss|not near-miss)\] -- ' \
  && bad "list: a control without its [near-miss]/[not near-miss] mark" || ok "list marks every control"
awk '/^[a-z0-9-]+$/ {id = $1} /^  control: .*\[near-miss\]/ {print id, $2}' "$tmp/list" | while read -r id ctl; do
  awk -v id="$id" -v c="$ctl" '$1 == id {for (i = 3; i <= NF; i++) if ($i == c) f = 1} END {exit !f}' "$tmp/lines" \
    && echo "ok   near-miss control $id/$ctl has a ctest" \
    || { echo "FAIL near-miss control $id/$ctl has no ctest: not on its line in theorems/checks.list"; echo x >>"$tmp/nm_bad"; }
done
[ -e "$tmp/nm_bad" ] && fails=$((fails + $(wc -l <"$tmp/nm_bad")))

# list --bibtex (issue 19): every shipped check cites at least one entry, every key it
# names exists (else exit 7), and a key cited by two checks is printed once
for id in $(grep -E '^[a-z0-9-]+$' "$tmp/list"); do
  n=$("$ship" list "$id" --bibtex | grep -c '^@') && [ "$n" -ge 1 ] \
    || { echo "FAIL list $id --bibtex: no entry (exit or count)"; fails=$((fails + 1)); }
done
"$ship" list --bibtex >"$tmp/bib" && ok "list --bibtex exit 0" || bad "list --bibtex exit code"
[ "$(grep '^@' "$tmp/bib" | sort | uniq -d | wc -l)" = 0 ] && ok "list --bibtex: each entry once" \
  || bad "list --bibtex: an entry printed twice"

# verify on the synthetic check: layout, summary, report, verdict line format
out="$tmp/v"
line=$("$bin" verify selftest-rate --out "$out" 2>"$tmp/e")
rc=$?
echo "$line"
[ $rc = 0 ] || bad "verify selftest-rate exit $rc"
grep -Eq '^overparam: selftest-rate PASS measured=-?[0-9.e+-]+±[0-9.e+-]+ predicted=-?[0-9.]+ band=\[-?[0-9.]+,-?[0-9.]+\] control=FAIL\(as required\)' <<<"$line" \
  && ok "verdict line format" || bad "verdict line format: $line"
# discrimination (issue 15): the near-miss control "rough" (slope -0.2 against [-0.6,-0.4])
# lies many s.e. outside the band; controls.csv lists it with its z
grep -Eq ' discrim=rough:[0-9]+\.[0-9]( |$)' <<<"$line" && grep -q '^rough,1,FAIL,.*,1$' "$out/selftest-rate/controls.csv" \
  && grep -q '| discrim |' "$out/report.md" && ok "discrim= field, controls.csv, report column" \
  || bad "discrim field / controls.csv / report column: $line"
n=$(ls "$out"/selftest-rate/runs/*.json | wc -l)
[ "$n" = 72 ] && ok "72 records (36 theorem + 36 control)" || bad "$n records, expected 72"
head -1 "$out/selftest-rate/summary.csv" | grep -q '^variant,series,figure,x,y,y_lo,y_hi,fit,predicted,n_ok,n_failed$' \
  && [ "$(wc -l <"$out/selftest-rate/summary.csv")" = 13 ] && ok "summary.csv header and 12 rows" || bad "summary.csv"
for f in rate.dat rate.gp rate.png rate.pdf; do [ -s "$out/selftest-rate/$f" ] || bad "missing $f"; done
grep -q "selftest-rate" "$out/report.md" && grep -q "data:image/png;base64," "$out/report.html" \
  && ok "report.md and report.html (PNG embedded)" || bad "report"
# the .gp re-renders by itself from its directory
rm "$out/selftest-rate/rate.png" "$out/selftest-rate/rate.pdf"
(cd "$out/selftest-rate" && gnuplot rate.gp) && [ -s "$out/selftest-rate/rate.png" ] && [ -s "$out/selftest-rate/rate.pdf" ] \
  && ok ".gp re-renders png+pdf" || bad ".gp does not re-render"
# a check's graded limit is drawn from its judge (issue 21): extrapolate-lemma (< 1 s
# quick) has the 1e-10 line as its own .dat block and legend entry, and the note above
# the plot
"$bin" verify extrapolate-lemma --quick --no-controls --out "$tmp/el" >/dev/null 2>&1
grep -q '^# block [0-9]*: reference graded: < 1e-10' "$tmp/el/extrapolate-lemma/ray-error.dat" \
  && grep -q 'with lines ls 20 title \\"graded: < 1e-10' "$tmp/el/extrapolate-lemma/ray-error.gp" \
  && grep -q 'at graph 0, graph 1 offset 0,1.1 left' "$tmp/el/extrapolate-lemma/ray-error.gp" \
  && ok "extrapolate-lemma figure: the graded 1e-10 line drawn and named, note above the plot" \
  || bad "extrapolate-lemma figure lacks its 1e-10 line or note placement"

# --control prints the control's own grade, exit 0 only when it FAILs as required
line=$("$bin" verify selftest-rate --control rough --out "$tmp/c" 2>/dev/null); rc=$?
grep -q "^overparam: selftest-rate/rough FAIL .*control=FAIL(as required)" <<<"$line" && [ $rc = 0 ] \
  && ok "--control line" || bad "--control: rc $rc, $line"
# --control into the check's own --out keeps the check's figure and summary (own stems)
cp "$out/selftest-rate/rate.dat" "$tmp/rate.dat.keep"; cp "$out/selftest-rate/summary.csv" "$tmp/summary.keep"
"$bin" verify selftest-rate --control rough --out "$out" >/dev/null 2>&1
cmp -s "$out/selftest-rate/rate.dat" "$tmp/rate.dat.keep" && cmp -s "$out/selftest-rate/summary.csv" "$tmp/summary.keep" \
  && [ -s "$out/selftest-rate/rate-control-rough.dat" ] && [ -s "$out/selftest-rate/summary-control-rough.csv" ] \
  && grep -q "rate-control-rough" "$out/report.md" && ok "--control writes its own figure and summary" \
  || bad "--control overwrote the check's figure or summary"

# a control that does not FAIL makes the check FAIL (test-only check whose "placebo"
# control leaves the hypothesis intact)
line=$("$bin" verify selftest-placebo --out "$tmp/p" 2>/dev/null); rc=$?
grep -q "^overparam: selftest-placebo FAIL .*control=PASS(unexpected!)" <<<"$line" && [ $rc = 1 ] \
  && ok "control that passes -> check FAILs, exit 1" || bad "placebo control: rc $rc, $line"
line=$("$bin" verify selftest-placebo --control placebo --out "$tmp/p2" 2>/dev/null); rc=$?
grep -q "^overparam: selftest-placebo/placebo PASS .*control=PASS(unexpected!)" <<<"$line" && [ $rc = 1 ] \
  && ok "--control placebo: exit 1" || bad "--control placebo: rc $rc, $line"

# without gnuplot on PATH: checks run, figures are skipped with a message, .dat/.gp still written
line=$(PATH=/nonexistent "$bin" verify selftest-rate --no-controls --out "$tmp/ng" 2>"$tmp/e"); rc=$?
[ $rc = 0 ] && grep -q "figures skipped (gnuplot not found)" "$tmp/e" && [ -s "$tmp/ng/selftest-rate/rate.gp" ] \
  && [ ! -e "$tmp/ng/selftest-rate/rate.png" ] && grep -q "control=skipped" <<<"$line" \
  && ok "no gnuplot: figures skipped, data and script written" || bad "no gnuplot: rc $rc $(cat "$tmp/e")"

# compare: table, CSV, figure; divergent runs excluded and flagged
"$bin" compare --check selftest-rate --manifolds flat:d=1,diverge:d=2 --ambient 16,64 --out "$tmp/cmp" >"$tmp/o" 2>"$tmp/e"; rc=$?
cat "$tmp/o"
# verify's exit codes: no row FAILed, two are MARGINAL -> 4 (0 would read as a confirmation)
[ $rc = 4 ] && ok "compare with MARGINAL rows exits 4, as verify" || bad "compare exit $rc (expected 4): $(cat "$tmp/e")"
# a row with a failed run grades no better than MARGINAL (issue 15)
[ "$(grep -Ec '^(flat|diverge):d=[12] .* PASS' "$tmp/o")" = 2 ] && [ "$(grep -c '^diverge:d=2 .* MARGINAL (failed runs excluded)' "$tmp/o")" = 2 ] \
  && ok "compare table: 2 rows PASS, 2 with failed runs MARGINAL and flagged" || bad "compare table"
# a pair with a failed run in either subset is no better than MARGINAL, as its rows
[ "$(grep -c '^d-contrast .*diverge:d=2.* MARGINAL$' "$tmp/o")" = 2 ] \
  && ok "compare pairs: the d-contrasts with failed runs are MARGINAL" || bad "compare pairs with failed runs"
grep -c "diverged" "$tmp/e" | grep -q '^12$' && ok "12 divergences reported with their keys" || bad "divergence reports: $(grep -c diverged "$tmp/e")"
[ "$(wc -l <"$tmp/cmp/compare/selftest-rate.csv")" = 5 ] && [ -s "$tmp/cmp/compare/selftest-rate.png" ] \
  && ok "compare csv + png" || bad "compare outputs"
awk -F, 'NR>1 && $1=="flat:d=1" && ($4 > -0.5 || $4 < -0.85) {exit 1}' "$tmp/cmp/compare/selftest-rate.csv" \
  && ok "compare slopes near -2/3 for d=1" || bad "compare slope values"
"$bin" compare --check selftest-rate --manifolds flat:d=1 --ambient 16,64 --no-figures --out "$tmp/cmp" >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 0 ] && [ "$(grep -c '^flat:d=1 .* PASS$' "$tmp/o")" = 2 ] && [ "$(grep -c '^D-equivalence .* PASS$' "$tmp/o")" = 1 ] \
  && ok "compare with every row PASS exits 0" \
  || bad "all-PASS compare: exit $rc: $(cat "$tmp/o" "$tmp/e")"
"$bin" compare --help | tr '\n' ' ' | grep -q "Exit 0 only if every row PASSes, 1 if one FAILs, 4 if none FAILs and one is MARGINAL" \
  && ok "compare --help states verify's exit codes" || bad "compare --help exit codes"

[ $fails = 0 ] && echo "fw_cli: all passed" || echo "fw_cli: $fails failed"
[ $fails = 0 ]
