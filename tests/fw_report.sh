#!/bin/bash
# The cumulative report (issue 21 item 3): successive verify calls into one --out leave
# a report.md/.html listing every check found there with its latest result per preset
# and variant, each row naming preset, base seed, date, commit and the graded quantity;
# a quick and a full result of one check are two rows; the figure files belong to the
# latest call that drew them; every HTML cell is escaped; a check directory without a
# verdict file (an older overparam's) is still listed.
# usage: fw_report.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/fw_report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
o="$tmp/o"
md="$o/report.md"
html="$o/report.html"
run() { "$bin" verify "$@" --out "$o" >>"$tmp/stdout" 2>>"$tmp/stderr"; }

# 1. two successive calls, different checks and seeds: both in the report
run selftest-rate --quick
rc1=$?
run selftest-placebo --quick --no-controls --seed 5
rc2=$?
[ $rc1 = 0 ] && [ $rc2 = 0 ] && ok "two verify calls into one --out" \
  || bad "exit codes $rc1 $rc2: $(cat "$tmp/stderr")"
grep -q '^| check | preset | seed | verdict | graded quantity | measured | predicted | band | control | discrim | date (UTC) | commit | figures |$' "$md" \
  && ok "report.md header has preset, seed, graded quantity, date and commit columns" || bad "header: $(grep '^| check' "$md")"
commit=$("$bin" --version | sed -n 's/.*(commit \([^,]*\),.*/\1/p')
today=$(date -u +%Y-%m-%d)
grep -q "^| selftest-rate | quick | 0 | PASS | slope of log err vs log n | .* | rough:[0-9.]* | $today [0-9:]* | $commit | \[rate\](selftest-rate/rate.png)" "$md" \
  && ok "first call's row: selftest-rate quick seed 0 PASS, graded quantity, date, commit, figure" \
  || bad "selftest-rate row: $(grep '^| selftest-rate' "$md")"
grep -q "^| selftest-placebo | quick | 5 | PASS | slope of log err vs log n | .* | skipped | skipped | $today " "$md" \
  && ok "second call's row: selftest-placebo quick seed 5, controls skipped" \
  || bad "selftest-placebo row: $(grep '^| selftest-placebo' "$md")"
[ "$(grep -c '^## selftest-' "$md")" = 2 ] && grep -q "^    overparam: selftest-rate PASS measured=" "$md" \
  && grep -q "^    overparam: selftest-placebo PASS measured=" "$md" \
  && ok "one section per check with its verdict line" || bad "sections: $(grep '^## ' "$md")"
for f in "$o/selftest-rate/verdict-quick.txt" "$o/selftest-placebo/verdict-quick.txt"; do
  grep -q '^preset=quick$' "$f" && grep -q '^base_seed=[05]$' "$f" && grep -q '^verdict=' "$f" \
    && grep -q '^date=20[0-9-]*T[0-9:]*Z$' "$f" && grep -q "^commit=$commit$" "$f" \
    || bad "verdict file $f: $(cat "$f" 2>&1 | head -5)"
done
ok "verdict files name preset, base seed, verdict, date and commit"

# 2. the full preset of the same check (with its placebo control, which makes it FAIL): a
# second row; the figures are the latest call's
run selftest-placebo --full --seed 7
grep -q '^| selftest-placebo | quick | 5 | PASS |' "$md" && grep -q '^| selftest-placebo | full | 7 | FAIL |' "$md" \
  && ok "quick and full result of one check: two rows" || bad "quick/full rows: $(grep '^| selftest-placebo' "$md")"
grep '^| selftest-placebo | quick' "$md" | grep -q '(figure files: the full run of ' \
  && grep '^| selftest-placebo | full' "$md" | grep -q '\[rate\](selftest-placebo/rate.png)' \
  && ok "the figure files are attributed to the full run that drew them last" \
  || bad "figure attribution: $(grep '^| selftest-placebo' "$md")"
[ -f "$o/selftest-placebo/verdict-full.txt" ] && ok "verdict-full.txt beside verdict-quick.txt" || bad "no verdict-full.txt"

# 3. --control NAME: its own row; a rerun replaces a row instead of adding one
run selftest-rate --quick --control rough
run selftest-rate --quick --seed 3 --no-figures
grep -q '^| selftest-rate/rough | quick | 0 | FAIL |' "$md" && ok "--control run: its own row (check/control)" \
  || bad "control row: $(grep '^| selftest-rate' "$md")"
[ "$(grep -c '^| selftest-rate | quick |' "$md")" = 1 ] && grep -q '^| selftest-rate | quick | 3 | PASS |' "$md" \
  && ok "rerun of a check and preset: one row, the latest call's (seed 3)" || bad "rerun: $(grep '^| selftest-rate' "$md")"
[ "$(grep -c '^| ' "$md")" = 5 ] && ok "5 rows (header + 4)" || bad "rows: $(grep '^| ' "$md")"

# 4. escaping and rows from disk only: a verdict file with < > & | and an unknown check
mkdir -p "$o/zz-escape"
cat >"$o/zz-escape/verdict-quick.txt" <<'EOF'
format=1
check=zz-escape
preset=quick
base_seed=18446744073709551615
date=2026-01-02T03:04:05Z
commit=abc<def>
verdict=PASS
graded=a<b & c>d | e
measured=1.5
se=0.25
predicted_text=<=2 & >=1
band_lo=-inf
band_hi=2
control=skipped
discrim=skipped
figures=
line=overparam: zz-escape PASS <script>alert(1)</script> a&b
EOF
# 5. a check directory of an older overparam (records, no verdict file)
mkdir -p "$o/double-descent/runs" && echo '{}' >"$o/double-descent/runs/n=1_seed=0.json"
run selftest-rate --quick --seed 3 --no-figures
grep -q '^| zz-escape | quick | 18446744073709551615 | PASS | a<b & c>d \\| e | 1.5 ± 0.25 | <=2 & >=1 | \[-inf, 2\] |' "$md" \
  && ok "a row read from disk alone (unknown check, 64-bit seed), | escaped in report.md" \
  || bad "zz-escape md row: $(grep '^| zz-escape' "$md")"
grep -q '^| double-descent | ? | ? | no verdict file' "$md" && ok "a check directory without a verdict file is listed" \
  || bad "legacy row: $(grep '^| double-descent' "$md")"
grep -q '<td>a&lt;b &amp; c&gt;d | e</td>' "$html" && grep -q '<td>&lt;=2 &amp; &gt;=1</td>' "$html" \
  && grep -q '<td>abc&lt;def&gt;</td>' "$html" && grep -q '&lt;script&gt;alert(1)&lt;/script&gt; a&amp;b' "$html" \
  && ! grep -q '<script>' "$html" && ok "report.html escapes < > & in cells and verdict lines" || bad "html escaping"
# every table cell: no < or > left once the report's own tags (a, br, code) are removed
cells=$(sed -n 's/^<tr>\(.*\)<\/tr>$/\1/p' "$html" | sed -e 's/<\/\?t[dh][^>]*>/\n/g' \
  -e 's/<a href="[^"<>]*">//g' -e 's/<\/a>//g' -e 's/<br>//g')
[ -n "$cells" ] && ! grep -q '[<>]' <<<"$cells" && ok "no raw < or > in any table cell of report.html" \
  || bad "unescaped cell text: $(grep '[<>]' <<<"$cells" | head -3)"
grep -q 'pre{white-space:pre-wrap' "$html" && grep -q 'overflow-wrap' "$html" \
  && ok "report.html wraps verdict lines and cells (tests/fw_report_browser.sh renders it)" || bad "no wrapping CSS"
# the rows come out in registry order, quick before full, the theorem before its controls
order=$(grep -v '^| check |' "$md" | grep -o '^| [a-z/-]* | [a-z?]* |' | tr -d '|' | tr -s ' ' | paste -sd, -)
[ "$order" = " double-descent ? , selftest-rate quick , selftest-rate/rough quick , selftest-placebo quick , selftest-placebo full , zz-escape quick " ] \
  && ok "row order: registry order, quick before full, unknown ids last" || bad "row order: $order"
grep -q "report: $o/report.md" "$tmp/stderr" && ok "verify names the report" || bad "report path not printed"
[ $fails = 0 ]
