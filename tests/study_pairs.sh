#!/bin/bash
# compare --study's pair sections (issue 17 item 4) on tests/study_pairs.study, a tiny
# MLP study whose judge sets d_invariance, d_ratio, contrast_tolerance and
# contrast_ratio_min: the pairs CSV exists and parses with every pair of the study's
# judge (3 D-equivalence, 6 d-contrast including the equal-d T^2 vs S^2), the exit code
# counts the graded pairs, and the output is the same at 1 and 2 threads. Each pair row
# is then checked against `overparam study` itself on the same records: a study file
# narrowed to that pair's manifolds and Ds (grid values only: the same key hash, so
# the records are reused, nothing re-runs) must print, in its verdict line, the pair's
# numbers (dslope, D_ratio, d_contrast, d_ratio_min at their 3 printed digits) and
# grades. Last, the file without those judge keys (again the same records): every pair
# is reported with the same difference but graded n/a, and the exit code is the rows'.
# usage: study_pairs.sh BIN SRCDIR
set -u
bin=$1 src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/study_pairs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
study=$src/tests/study_pairs.study
args=(compare --study "$study" --no-figures)

OMP_NUM_THREADS=1 "$bin" "${args[@]}" --threads 1 --out "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"; rc=$?
cat "$tmp/a.out"
csv=$tmp/a/compare/spairs-pairs.csv
[ -s "$csv" ] && ok "compare --study wrote $(basename "$csv")" || bad "no pairs CSV (exit $rc): $(cat "$tmp/a.err")"
# the exit code is verify's over the rows and the graded pairs
python3 - "$tmp/a/compare/spairs.csv" "$csv" "$rc" <<'PY' && ok "pairs CSV parses: 3 D-equivalence, 6 d-contrast, all graded; exit $rc" || bad "pairs CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
pairs = list(csv.DictReader(open(sys.argv[2], newline="")))
eq = [p for p in pairs if p["kind"] == "D-equivalence"]
dc = [p for p in pairs if p["kind"] == "d-contrast"]
assert len(rows) == 6 and len(eq) == 3 and len(dc) == 6 and len(pairs) == 9, (len(rows), len(eq), len(dc))
for p in pairs:
    assert p["verdict"] in ("PASS", "MARGINAL", "FAIL") and p["paired"] == "1" and p["n_seeds"] == "3", p
    assert float(p["lo90"]) <= float(p["diff"]) <= float(p["hi90"]), p
    assert float(p["band_lo"]) <= float(p["band_hi"]), p
same = [p for p in dc if p["manifold_a"] == "torus:d=2" and p["manifold_b"] == "sphere:d=2"]
assert len(same) == 2 and all(float(p["predicted"]) == 0 for p in same), same  # equal d: predicted 0
g = [r["verdict"] for r in rows] + [p["verdict"] for p in pairs]
want = 1 if "FAIL" in g else 4 if "MARGINAL" in g else 0
assert int(sys.argv[3]) == want, (sys.argv[3], want)
PY
[ "$(grep -c '^D-equivalence [^(]' "$tmp/a.out")" = 3 ] && [ "$(grep -c '^d-contrast [^(]' "$tmp/a.out")" = 6 ] \
  && ok "terminal table: 3 D-equivalence and 6 d-contrast rows" || bad "terminal pair rows"

OMP_NUM_THREADS=2 "$bin" "${args[@]}" --threads 2 --out "$tmp/b" >"$tmp/b.out" 2>"$tmp/b.err"
cmp -s "$tmp/a.out" "$tmp/b.out" && cmp -s "$csv" "$tmp/b/compare/spairs-pairs.csv" \
  && cmp -s "$tmp/a/compare/spairs.csv" "$tmp/b/compare/spairs.csv" \
  && ok "table and CSVs identical for 1 and 2 threads" || bad "compare --study output differs between 1 and 2 threads"

# the study's own verdict on one pair: the file narrowed to its manifolds and Ds
nrec=$(ls "$tmp/a/spairs/runs" | wc -l)
narrow() { # $1 manifolds, $2 ambient, $3 sed script for the judge keys; prints the verdict line
  sed -e "s/^manifolds = .*/manifolds = $1/" -e "s/^ambient = .*/ambient = $2/" -e "$3" "$study" >"$tmp/n.study"
  "$bin" study "$tmp/n.study" --out "$tmp/a" --no-figures 2>>"$tmp/n.err"
}
{
  while IFS=, read -r kind ma Da mb Db rest; do
    [ "$kind" = kind ] && continue
    if [ "$kind" = D-equivalence ]; then
      line=$(narrow "$ma" "$Da, $Db" '/^contrast_/d') # one manifold: no contrast
    else
      line=$(narrow "$ma, $mb" "$Da" '/^d_/d')
    fi
    printf '%s|%s|%s|%s|%s\t%s\n' "$kind" "$ma" "$Da" "$mb" "$Db" "$line"
  done <"$csv"
} >"$tmp/narrow.txt"
[ "$nrec" = 54 ] && [ "$(ls "$tmp/a/spairs/runs" | wc -l)" = "$nrec" ] && ok "the narrowed studies reused the records ($nrec)" \
  || bad "the narrowed studies ran runs: $(cat "$tmp/n.err")"
python3 - "$csv" "$tmp/narrow.txt" <<'PY' && ok "every pair row is the study's own verdict numbers and grades" || bad "pair rows vs the study's verdict"
import csv, math, re, sys
pairs = {(p["kind"], p["manifold_a"], p["D_a"], p["manifold_b"], p["D_b"]): p
         for p in csv.DictReader(open(sys.argv[1], newline=""))}
rank = {"PASS": 0, "MARGINAL": 1, "FAIL": 2}
def same(csv_value, printed):  # the study prints %.3g: equal to within half its last digit
    a, b = float(csv_value), float(printed)
    return abs(a - b) <= (0.5001 * 10 ** (math.floor(math.log10(abs(b))) - 2) if b else 1e-12)
n = 0
for ln in open(sys.argv[2], encoding="utf-8"):
    key, line = ln.rstrip("\n").split("\t")
    p = pairs[tuple(key.split("|"))]
    num = r"([-+0-9.e]+)"
    if p["kind"] == "D-equivalence":
        m = re.search(r" dslope=" + num + r"\(90%:\[" + num + "," + num + r"\] vs \[[^]]*\] (\w+)\)", line)
        r = re.search(r" D_ratio@(\w+)=([^=]+)=([^(]+)\(90%:\[([^]]*)\] vs \[([^]]*)\] (\w+)\)", line)
        assert m and r, line
        assert same(p["diff"], m[1]) and same(p["lo90"], m[2]) and same(p["hi90"], m[3]), (p, line)
        worst = max(m[4], r[6], key=rank.get)  # the pair's grade: the worse of its two parts
        assert p["verdict"] == worst, (p, line)
        # the same numbers as compare prints them: "level ratio@n=256 0.755 90%[0.455,1.25] vs [0.5,2] PASS"
        want = "level ratio@%s=%s %s 90%%[%s] vs [%s] %s" % r.groups()
        assert p["detail"] == want, (p["detail"], want)
    else:
        m = re.search(r" d_contrast=" + num + "±" + num + r"\(([^@]+)-([^@]+)@D=([0-9]+) predicted " + num
                      + r" band \[" + num + "," + num + r"\] (\w+)\) d_ratio_min=" + num, line)
        assert m, line
        assert (m[3], m[4], m[5]) == (p["manifold_b"], p["manifold_a"], p["D_a"]), (p, line)
        assert same(p["diff"], m[1]) and same(p["predicted"], m[6]), (p, line)
        assert same(p["band_lo"], m[7]) and same(p["band_hi"], m[8]) and p["verdict"] == m[9], (p, line)
        assert p["detail"] == "ratio_min %s vs >=1.1" % m[10], (p["detail"], line)
    n += 1
assert n == 9, n
PY

# without the judge's pair keys: the same pairs, reported n/a (same key hash: no runs)
sed -e '/^d_/d' -e '/^contrast_/d' "$study" >"$tmp/u.study"
"$bin" compare --study "$tmp/u.study" --no-figures --out "$tmp/a" >"$tmp/u.out" 2>"$tmp/u.err"; rc=$?
python3 - "$tmp/a/compare/spairs.csv" "$tmp/a/compare/spairs-pairs.csv" "$rc" 2>&1 <<'PY' \
  && ok "no judge bands: 9 pairs, same differences, all n/a; exit $rc from the rows" || bad "ungraded pairs"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
pairs = list(csv.DictReader(open(sys.argv[2], newline="")))
assert len(pairs) == 9, len(pairs)
for p in pairs:
    assert p["verdict"] == "n/a" and math.isnan(float(p["band_lo"])) and math.isnan(float(p["band_hi"])), p
    assert "reported, not graded" in p["detail"], p
g = [r["verdict"] for r in rows]
assert int(sys.argv[3]) == (1 if "FAIL" in g else 4 if "MARGINAL" in g else 0), (sys.argv[3], g)
PY
cut -d, -f1-9,12,13 "$csv" >"$tmp/g.cols"
cut -d, -f1-9,12,13 "$tmp/a/compare/spairs-pairs.csv" >"$tmp/u.cols"
[ "$(wc -l <"$tmp/g.cols")" = 10 ] && cmp -s "$tmp/g.cols" "$tmp/u.cols" && ok "ungraded pairs: same rows, differences and predictions as the graded run" \
  || bad "ungraded pairs differ from the graded run: $(diff "$tmp/g.cols" "$tmp/u.cols" | head -4)"
[ "$(grep -c '^D-equivalence [^(].* n/a$' "$tmp/u.out")" = 3 ] && [ "$(grep -c '^d-contrast [^(].* n/a$' "$tmp/u.out")" = 6 ] \
  && ok "terminal: the 9 pair rows say n/a" || bad "terminal n/a rows: $(cat "$tmp/u.out")"

[ $fails = 0 ] && echo "study_pairs: all passed" || echo "study_pairs: $fails failed"
[ $fails = 0 ]
