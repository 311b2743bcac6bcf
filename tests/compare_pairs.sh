#!/bin/bash
# overparam compare's pair sections (issue 17 item 4) on the synthetic checks of
# overparam-selftest (no training, < 1 s): the D-equivalence and d-contrast rows exist
# with the right kinds and counts, a constructed D-dependence (ddep:d=2) FAILs its
# D-equivalence, a d-contrast at the prediction (flat:d=1 vs flat:d=2) PASSes, the pairs
# CSV parses with python3's csv module, the exit code counts pair rows, the pair
# statistics are the same for 1 and 2 threads, and a check on one fixed manifold
# (selftest-fixed) takes --ambient but refuses --manifolds with one line (exit 2).
# usage: compare_pairs.sh BIN
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/compare_pairs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }

args=(compare --check selftest-rate --manifolds flat:d=1,flat:d=2,ddep:d=2 --ambient 16,64 --no-figures)
OMP_NUM_THREADS=1 "$bin" "${args[@]}" --threads 1 --out "$tmp/a" >"$tmp/a.out" 2>"$tmp/a.err"; rc=$?
cat "$tmp/a.out"
# ddep's D=64 row and its D-equivalence FAIL: the exit code is 1
[ $rc = 1 ] && ok "a FAILing row or pair exits 1" || bad "exit $rc (expected 1): $(cat "$tmp/a.err")"
csv="$tmp/a/compare/selftest-rate-pairs.csv"
[ -s "$csv" ] || bad "no $csv"
# rows: 3 manifolds x (2 D - 1) D-equivalence; 2 D x 2 pairs of different d (flat:d=2
# and ddep:d=2 share d = 2: no contrast between them) d-contrast
python3 - "$csv" <<'PY' && ok "pairs CSV parses, kinds, counts and verdicts as constructed" || bad "pairs CSV"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want = ["kind", "manifold_a", "D_a", "manifold_b", "D_b", "diff", "lo90", "hi90", "predicted", "band_lo",
        "band_hi", "paired", "n_seeds", "verdict"]
assert list(rows[0].keys())[:len(want)] == want, list(rows[0].keys())
eq = [r for r in rows if r["kind"] == "D-equivalence"]
dc = [r for r in rows if r["kind"] == "d-contrast"]
assert len(eq) == 3 and len(dc) == 4 and len(rows) == 7, (len(eq), len(dc))
for r in rows:
    lo, d, hi = float(r["lo90"]), float(r["diff"]), float(r["hi90"])
    assert lo <= d <= hi and r["paired"] == "1" and r["n_seeds"] == "6", r
    assert r["verdict"] in ("PASS", "MARGINAL", "FAIL"), r
byk = {(r["kind"], r["manifold_a"], r["D_a"], r["manifold_b"], r["D_b"]): r for r in rows}
# constructed D-dependence: the slope steepens by 48/160 = 0.3 from D=16 to 64
r = byk[("D-equivalence", "ddep:d=2", "16", "ddep:d=2", "64")]
assert r["verdict"] == "FAIL" and float(r["hi90"]) < -0.15, r
# D only in the constant: the slope difference is inside the band
r = byk[("D-equivalence", "flat:d=1", "16", "flat:d=1", "64")]
assert r["verdict"] == "PASS" and abs(float(r["diff"])) < 0.1, r
# d-contrast at the prediction -2/3 -> -1/2: 0.167, band [0.095, 0.222] (manifold-rate's rule)
for D in ("16", "64"):
    r = byk[("d-contrast", "flat:d=1", D, "flat:d=2", D)]
    assert r["verdict"] == "PASS", r
    assert abs(float(r["predicted"]) - 1 / 6) < 1e-9, r
    assert abs(float(r["band_lo"]) - (-2 / 3.5 + 2 / 3)) < 1e-9 and abs(float(r["band_hi"]) - (-2 / 4.5 + 2 / 3)) < 1e-9, r
# ddep at D=64 has slope -0.83: its contrast against d = 1 leaves the band
assert byk[("d-contrast", "flat:d=1", "64", "ddep:d=2", "64")]["verdict"] == "FAIL"
PY
[ "$(grep -c '^D-equivalence [^(]' "$tmp/a.out")" = 3 ] && [ "$(grep -c '^d-contrast [^(]' "$tmp/a.out")" = 4 ] \
  && ok "terminal table: 3 D-equivalence and 4 d-contrast rows" || bad "terminal pair rows"
grep -q '^D-equivalence ddep:d=2 D=16 .* FAIL$' "$tmp/a.out" && ok "terminal: ddep's D-equivalence FAIL" \
  || bad "terminal: ddep's D-equivalence"

# determinism: the same tables from 2 threads (records are rerun in a fresh --out)
OMP_NUM_THREADS=2 "$bin" "${args[@]}" --threads 2 --out "$tmp/b" >"$tmp/b.out" 2>"$tmp/b.err"
cmp -s "$tmp/a/compare/selftest-rate-pairs.csv" "$tmp/b/compare/selftest-rate-pairs.csv" \
  && cmp -s "$tmp/a/compare/selftest-rate.csv" "$tmp/b/compare/selftest-rate.csv" \
  && ok "compare CSVs identical for 1 and 2 threads" || bad "compare CSVs differ between 1 and 2 threads"

# one fixed manifold: --ambient works, the pairs are the level ratio alone
"$bin" compare --check selftest-fixed --ambient 16,64 --no-figures --out "$tmp/f" >"$tmp/f.out" 2>"$tmp/f.err"; rc=$?
[ $rc = 0 ] && [ "$(grep -c '^flat:d=2 .* PASS$' "$tmp/f.out")" = 2 ] \
  && grep -q '^D-equivalence flat:d=2 D=16 .* log_ratio@n=' "$tmp/f.out" \
  && [ "$(wc -l <"$tmp/f/compare/selftest-fixed-pairs.csv")" = 2 ] \
  && ok "fixed manifold: 2 rows and 1 level-ratio pair, exit 0" || bad "fixed manifold: exit $rc: $(cat "$tmp/f.out" "$tmp/f.err")"
msg=$("$bin" compare --check selftest-fixed --manifolds flat:d=2 --out "$tmp/g" 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$msg")" = 1 ] && grep -q "one fixed manifold (flat:d=2)" <<<"$msg" && [ ! -e "$tmp/g" ] \
  && ok "fixed manifold: --manifolds refused with one line, exit 2" || bad "fixed manifold --manifolds: exit $rc: $msg"

# the shipped checks on one fixed manifold: refused before any run (no --out created)
for c in smooth-approx:torus:d=2 classification-dinv:helix; do
  id=${c%%:*} man=${c#*:}
  msg=$("$bin" compare --check "$id" --manifolds "$man" --out "$tmp/h" 2>&1); rc=$?
  [ $rc = 2 ] && [ "$(wc -l <<<"$msg")" = 1 ] && grep -qF "one fixed manifold ($man)" <<<"$msg" && [ ! -e "$tmp/h" ] \
    && ok "$id: --manifolds refused with one line naming $man" || bad "$id --manifolds: exit $rc: $msg"
  "$bin" list "$id" | grep -qF "compare:    supported (fixed manifold $man; --ambient only)" \
    && ok "$id: list says compare is supported with --ambient only" || bad "$id: list"
done
msg=$("$bin" compare --check smooth-approx --ambient 2 --out "$tmp/h" 2>&1); rc=$?
[ $rc = 2 ] && [ "$(wc -l <<<"$msg")" = 1 ] && [ ! -e "$tmp/h" ] && ok "smooth-approx: --ambient 2 refused (exit 2)" \
  || bad "smooth-approx --ambient 2: exit $rc: $msg"

[ $fails = 0 ] && echo "compare_pairs: all passed" || echo "compare_pairs: $fails failed"
[ $fails = 0 ]
