#!/bin/bash
# report.html in a real browser (issue 21 item 3): Debian's chromium, headless, 1280 px
# wide, renders a cumulative report (several calls, controls, quick and full rows, long
# ids and verdict lines) without horizontal scrolling, and every figure loads: the
# embedded PNGs and the PNG files the table links to. A page made too wide on purpose
# must be caught, so the measurement itself is tested. Exit 77 (skipped) without
# chromium or gnuplot (bash .ci/setup --tests installs both).
# usage: fw_report_browser.sh BIN
set -u
bin=$1
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIP chromium not installed (apt-get install chromium)"; exit 77; }
command -v gnuplot >/dev/null || { echo "SKIP gnuplot not installed: no figures to load"; exit 77; }
tmp=$(mktemp -d /tmp/fw_report_browser.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
o="$tmp/o"
for args in "selftest-rate --quick" "selftest-rate --quick --control rough" "selftest-placebo --quick --seed 5" \
            "selftest-placebo --full --seed 7"; do
  # shellcheck disable=SC2086
  "$bin" verify $args --out "$o" >/dev/null 2>>"$tmp/err"
done
# a long real row (a check with a long id and control, a long verdict line) as a verdict
# file of its own: only the report reads it, so no slow check has to run here
line="overparam: extrapolate-diverse-support/positive-orthant FAIL measured=0.0626±0.0391 predicted=-0.5 band=[-inf,-0.25] control=FAIL(as required)"
for k in $(seq 1 12); do line="$line d$k:0.0626±0.0391(FAIL,last=0.118,MAPE@nmax=14.6%) slope90=[-0.0197,0.145]"; done
mkdir -p "$o/extrapolate-diverse-support"
cat >"$o/extrapolate-diverse-support/verdict-full-control-positive-orthant.txt" <<EOF
check=extrapolate-diverse-support
control_only=positive-orthant
preset=full
base_seed=18446744073709551615
conv=direct
date=2026-12-06T12:00:00Z
version=0.1.0
commit=0123456789ab+dirty
verdict=FAIL
graded=slope of log OOD median APE vs log n, at the worst d
measured=0.0626
se=0.0391
predicted=-0.5
band_lo=-inf
band_hi=-0.25
control=FAIL(as required)
discrim=positive-orthant:7.4
figures=
line=$line
EOF
"$bin" verify selftest-rate --quick --out "$o" >/dev/null 2>>"$tmp/err" || bad "verify: $(cat "$tmp/err")"
html="$o/report.html"
[ "$(grep -c '^<tr><td>' "$html")" = 5 ] && ok "report with 5 rows" || bad "rows: $(grep -c '^<tr><td>' "$html")"

# The page plus a probe script (probe.js beside report.html, so the relative links
# resolve): after load it writes one line into the DOM, which --dump-dom prints. The
# marker is assembled at run time, so the script's own text never matches it.
cat >"$o/probe.js" <<'EOF'
window.addEventListener("load", async () => {
  const de = document.documentElement, imgs = [...document.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  const links = [...document.querySelectorAll('a[href$=".png"]')];
  const res = await Promise.all(links.map(a => new Promise(r => {
    const im = new Image();
    im.onload = () => r("");
    im.onerror = () => r(a.getAttribute("href"));
    im.src = a.href;
  })));
  const p = document.createElement("pre");
  p.textContent = ["PROBE", "RESULT"].join("_") + " scrollWidth=" + de.scrollWidth + " clientWidth=" +
    de.clientWidth + " innerWidth=" + window.innerWidth + " images=" + imgs.length + " broken_images=[" +
    broken.join(",") + "] links=" + links.length + " broken_links=[" + res.filter(x => x).join(",") + "]";
  document.body.appendChild(p);
});
EOF
render() { # $1: page; prints its result line
  timeout 120 "$browser" --headless --disable-gpu --no-sandbox --no-first-run --disable-dev-shm-usage \
    --allow-file-access-from-files --hide-scrollbars --window-size=1280,2000 --virtual-time-budget=20000 \
    --user-data-dir="$tmp/profile" --dump-dom "file://$1" 2>>"$tmp/chromium.log" | grep -o 'PROBE_RESULT [^<]*'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
sed 's|</body>|<script src="probe.js"></script></body>|' "$html" >"$o/report-probe.html"
# the control page: a 2000 px wide element, which must show up as horizontal overflow
sed 's|</body>|<div style="width:2000px">wide</div><script src="probe.js"></script></body>|' "$html" \
  >"$o/report-wide.html"

res=$(render "$o/report-probe.html")
echo "report.html: ${res:-no RESULT (see chromium log below)}"
wide=$(render "$o/report-wide.html")
echo "control page: ${wide:-no RESULT}"
if [ -z "$res" ] || [ -z "$wide" ]; then
  bad "chromium gave no result"; tail -20 "$tmp/chromium.log"
else
  sw=$(field scrollWidth "$res"); cw=$(field clientWidth "$res"); iw=$(field innerWidth "$res")
  [ "$iw" = 1280 ] && ok "viewport 1280 px wide" || bad "viewport $iw px, not 1280"
  [ "$sw" -le "$cw" ] && [ "$sw" -le 1280 ] && ok "no horizontal scroll at 1280 px (scrollWidth $sw <= clientWidth $cw)" \
    || bad "horizontal scroll: scrollWidth $sw > clientWidth $cw"
  [ "$(field scrollWidth "$wide")" -gt "$(field clientWidth "$wide")" ] \
    && ok "the measurement catches a page made 2000 px wide (scrollWidth $(field scrollWidth "$wide"))" \
    || bad "control page not caught: $wide"
  nimg=$(field images "$res"); nlink=$(field links "$res")
  want=$(grep -o '<img ' "$html" | wc -l)
  [ "$nimg" = "$want" ] && [ "$nimg" -ge 3 ] && [ "$(field broken_images "$res")" = "[]" ] \
    && ok "all $nimg embedded figures load" || bad "images: $res (report has $want)"
  [ "$nlink" -ge 3 ] && [ "$(field broken_links "$res")" = "[]" ] && ok "all $nlink linked PNG files load" \
    || bad "linked PNGs: $res"
fi
# the Markdown report's figure links point at files that exist
missing=0
for f in $(grep -o '([a-z-]*/[a-z-]*\.\(png\|pdf\|dat\))' "$o/report.md" | tr -d '()' | sort -u); do
  [ -s "$o/$f" ] || { missing=$((missing + 1)); echo "missing: $f"; }
done
[ $missing = 0 ] && ok "every figure file report.md links to exists" || bad "$missing linked files missing"
[ $fails = 0 ]
