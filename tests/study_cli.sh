#!/bin/bash
# overparam study / compare --study around the engine: help, one-line errors with
# FILE:LINE and exit 2 for bad study files, and a tiny MLP study graded against the
# parameter count (the size-grid path) that is deterministic across thread counts,
# resumes, re-runs after an edit under new keys, and feeds compare --study.
# With an MPI build and mpirun, the same study under `mpirun -np 2` gives the same line
# and records (the runs spread over both ranks).
# usage: study_cli.sh BIN SRCDIR [OVERPARAM_MPI]
set -u
bin=$1 src=$2 mpi_on=${3:-OFF}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$bin" study --help | grep -q 'docs/study.md' || fail "study --help does not name docs/study.md"
"$bin" --help | grep -q '^  study ' || fail "overparam --help does not list study"
"$bin" compare --help | grep -q -- '--study' || fail "compare --help does not list --study"

good='[study]
id = tiny
seeds = 2
[data]
manifolds = torus:d=1
ambient = 8
n = 256
target = matern:s=1
label_noise = 0.1
val = 128
test = 256
[model]
family = mlp
width = 4, 8, 16, 32
depth = 1
[train]
lr = 1e-2
batch = 32
epochs = 5
[judge]
x = params
predicted = -1
band = -10, 10'
# bad files: "<line number> <message part> <sed edit of the good file>"
bad() { # $1 expected "FILE:LINE: part", $2 file text
  printf '%s\n' "$2" >"$tmp/b.study"
  "$bin" study "$tmp/b.study" --out "$tmp/never" >"$tmp/o" 2>"$tmp/e"
  rc=$?
  [ "$rc" = 2 ] || fail "exit $rc, want 2, for: $1 ($(cat "$tmp/e"))"
  [ "$(wc -l <"$tmp/e")" = 1 ] || fail "not one stderr line for: $1: $(cat "$tmp/e")"
  grep -qF "$tmp/b.study:$1" "$tmp/e" || fail "want '$tmp/b.study:$1' in: $(cat "$tmp/e")"
  [ ! -e "$tmp/never" ] || fail "--out created for a bad file ($1)"
  [ ! -s "$tmp/o" ] || fail "stdout not empty for a bad file ($1)"
}
bad "4: unknown section" "$(printf '%s\n' "$good" | sed '4s/.*/[bogus]/')"
bad "5: unknown key 'manifold' in [data]" "$(printf '%s\n' "$good" | sed '5s/manifolds/manifold/')"
bad "6: data.ambient" "$(printf '%s\n' "$good" | sed '6s/8/eight/')"
bad "3: study.seeds" "$(printf '%s\n' "$good" | sed '3s/2/0/')"
bad "13: model.family" "$(printf '%s\n' "$good" | sed '13s/mlp/transformer/')"
bad "9: expected 'key = value'" "$(printf '%s\n' "$good" | sed '9s/=//')"
bad "22: judge.predicted" "$(printf '%s\n' "$good" | sed '22s/-1/-1*(d+/')"
bad " missing required key 'band' in [judge]" "$(printf '%s\n' "$good" | sed '23d')"
bad "14: model.width: empty entry" "$(printf '%s\n' "$good" | sed '14s/8,/8,,/')"
"$bin" study "$tmp/none.study" 2>"$tmp/e"; rc=$?
[ "$rc" = 3 ] && grep -q "none.study" "$tmp/e" || fail "missing file: exit $rc, $(cat "$tmp/e")"

printf '%s\n' "$good" >"$tmp/t.study"
"$bin" study "$tmp/t.study" --control nope --out "$tmp/never" 2>"$tmp/e"; rc=$?
[ "$rc" = 2 ] && grep -q "has no such control" "$tmp/e" || fail "--control nope: exit $rc, $(cat "$tmp/e")"

# a real (tiny) run, twice with other thread counts: records identical
"$bin" study "$tmp/t.study" --out "$tmp/a" --threads 1 --no-figures >"$tmp/a.out" 2>"$tmp/a.err"; rc=$?
line=$(cat "$tmp/a.out")
grep -q '^overparam: tiny \(PASS\|MARGINAL\|FAIL\) measured=' <<<"$line" || fail "no verdict line: $line $(cat "$tmp/a.err")"
[ "$rc" = 0 ] || [ "$rc" = 1 ] || [ "$rc" = 4 ] || fail "exit $rc"
nrec=$(ls "$tmp"/a/tiny/runs/study=*_manifold=torus~d=1_D=8_width=*_n=256_seed=*.json | wc -l)
[ "$nrec" = 8 ] || fail "$nrec records, want 8 (4 widths x 2 seeds)"
grep -q '"params": 41' "$tmp"/a/tiny/runs/study=*_width=4_*seed=0.json \
  || fail "width 4 MLP on D=8 should record 41 parameters (8*4+4 + 4+1)"
"$bin" study "$tmp/t.study" --out "$tmp/b" --threads 2 --no-figures >"$tmp/b.out" 2>/dev/null
[ "$(cat "$tmp/b.out")" = "$line" ] || fail "verdict differs with 2 threads"
for f in "$tmp"/a/tiny/runs/*.json; do
  cmp -s <(grep -v '"timing"' "$f") <(grep -v '"timing"' "$tmp/b/tiny/runs/$(basename "$f")") \
    || fail "record $(basename "$f") differs between 1 and 2 threads"
done
# resume: nothing re-runs, the same line
before=$(stat -c %Y "$tmp"/a/tiny/runs/*.json | sort | md5sum)
"$bin" study "$tmp/t.study" --out "$tmp/a" --no-figures >"$tmp/c.out" 2>/dev/null
[ "$(cat "$tmp/c.out")" = "$line" ] || fail "verdict differs on resume"
[ "$(stat -c %Y "$tmp"/a/tiny/runs/*.json | sort | md5sum)" = "$before" ] || fail "resume rewrote records"
# an edit that changes runs: new keys (another hash), the old records are not judged
sed 's/^epochs = 5/epochs = 6/' "$tmp/t.study" >"$tmp/t2.study"
"$bin" study "$tmp/t2.study" --out "$tmp/a" --no-figures >/dev/null 2>&1
nh=$(ls "$tmp"/a/tiny/runs/ | sed 's/_.*//' | sort -u | wc -l)
[ "$nh" = 2 ] || fail "after an edit of train.epochs: $nh key hashes, want 2"
# a judge-only edit keeps the runs
sed 's/^band = -10, 10/band = -5, 5/' "$tmp/t.study" >"$tmp/t3.study"
"$bin" study "$tmp/t3.study" --out "$tmp/a" --no-figures >/dev/null 2>&1
[ "$(ls "$tmp"/a/tiny/runs/ | wc -l)" = 16 ] || fail "a band edit re-ran runs"
# x = params at two D: the parameter counts differ per D (first layer D*w), so the level
# ratio must pair the rows by width, not by x (it used to match nothing and PASS vacuously)
sed -e 's/^ambient = 8/ambient = 8, 16/' -e 's/^band = -10, 10/band = -10, 10\nd_ratio = 0.01, 100/' "$tmp/t.study" >"$tmp/t5.study"
"$bin" study "$tmp/t5.study" --out "$tmp/p" --no-figures >"$tmp/p.out" 2>"$tmp/p.err"
grep -Eq 'D_ratio@params=(41|81|161|321)=[0-9.e+-]+\(90%:\[[0-9.e+-]+,[0-9.e+-]+\] vs \[0.01,100\] PASS\)' "$tmp/p.out" \
  || fail "x = params, two D: no paired level ratio at a width of the first D (41..321 parameters): $(cat "$tmp/p.out" "$tmp/p.err")"
# MPI: as verify, the runs spread over the ranks, the same line and records
case "$mpi_on" in ON|on|1|TRUE|true|YES|yes) mpiexec=$(command -v mpirun || true) ;; *) mpiexec= ;; esac
if [ -n "$mpiexec" ]; then
  mpi=("$mpiexec" -np 2)
  if "$mpiexec" --version 2>&1 | grep -qi "open mpi\|open-mpi\|openrte"; then
    mpi+=(--oversubscribe)
    [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
    export OMPI_MCA_btl_vader_single_copy_mechanism=none
  fi
  "${mpi[@]}" "$bin" study "$tmp/t.study" --out "$tmp/m" --no-figures >"$tmp/m.out" 2>"$tmp/m.err"
  [ "$(cat "$tmp/m.out")" = "$line" ] || fail "under mpirun: '$(cat "$tmp/m.out")' $(tail -3 "$tmp/m.err")"
  for f in "$tmp"/b/tiny/runs/*.json; do
    cmp -s <(grep -v '"timing"' "$f") <(grep -v '"timing"' "$tmp/m/tiny/runs/$(basename "$f")") \
      || fail "record $(basename "$f") differs under mpirun"
  done
  [ "$(grep -l '"rank": 1' "$tmp"/m/tiny/runs/*.json | wc -l)" -gt 0 ] || fail "rank 1 ran no run"
  echo "mpi: same line and records under ${mpi[*]}"
else
  echo "mpi: skipped (build without MPI or no mpirun)"
fi
# the report of a later verify into the same --out keeps the study's texts (verdict file)
sed 's/^id = tiny/id = tiny\nclaim = a tiny MLP claim/' "$tmp/t.study" >"$tmp/t4.study"
"$bin" study "$tmp/t4.study" --out "$tmp/r" --no-figures >/dev/null 2>&1
"$bin" verify selftest-rate --quick --no-controls --out "$tmp/r" --no-figures >/dev/null 2>&1
grep -q '^\*Claim:\* a tiny MLP claim' "$tmp/r/report.md" || fail "a later verify's report lost the study's claim"
grep -q '^## selftest-rate' "$tmp/r/report.md" || fail "the later verify's check is not in the report"
# compare --study: the study's manifolds by default, one row each
"$bin" compare --study "$tmp/t.study" --out "$tmp/a" --no-figures >"$tmp/cmp.out" 2>"$tmp/cmp.err"; rc=$?
grep -q '^torus:d=1 ' "$tmp/cmp.out" || fail "compare --study: no torus:d=1 row (exit $rc): $(cat "$tmp/cmp.out" "$tmp/cmp.err")"
[ -s "$tmp/a/compare/tiny.csv" ] || fail "compare --study wrote no DIR/compare/tiny.csv"
"$bin" compare --study "$tmp/t.study" --check manifold-rate 2>/dev/null; [ $? = 2 ] || fail "--study with --check accepted"
echo "ok"
