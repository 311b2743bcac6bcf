#!/bin/bash
# MPI backend: `mpirun -np 2 overparam verify|figures|compare ...` must print the same verdict lines
# (once: rank 0 reports), exit with the same code and write records identical to a
# one-process run (timing dropped), the same summary.csv and figure data; a sweep
# killed in one process finishes under mpirun with the same records. Exits 77
# (ctest: skipped) with the reason when the build has no MPI or mpirun is missing.
# usage: faults_mpi.sh BIN MPI_ENABLED MPIEXEC
set -u
bin=$1 enabled=$2 mpiexec=${3:-}
case "$enabled" in
  ON|on|1|TRUE|true|YES|yes) ;;
  *) echo "skipped: overparam was built without MPI (OVERPARAM_MPI=OFF or MPI not found; Debian: apt-get install libopenmpi-dev openmpi-bin)"; exit 77 ;;
esac
if [ -z "$mpiexec" ] || [ "$mpiexec" = "MPIEXEC_EXECUTABLE-NOTFOUND" ] || ! command -v "$mpiexec" >/dev/null; then
  mpiexec=$(command -v mpirun || command -v mpiexec || true)
fi
[ -n "$mpiexec" ] || { echo "skipped: no mpirun/mpiexec found (Debian: apt-get install openmpi-bin)"; exit 77; }
mpi=("$mpiexec" -np 2)
if "$mpiexec" --version 2>&1 | grep -qi "open mpi\|open-mpi\|openrte"; then
  mpi+=(--oversubscribe)
  [ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
  export OMPI_MCA_btl_vader_single_copy_mechanism=none # containers without CMA
fi
echo "launcher: ${mpi[*]}"
tmp=$(mktemp -d /tmp/faults_mpi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
same_records() { # DIR_A DIR_B CHECK
  diff <(cd "$1/$3/runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) \
       <(cd "$2/$3/runs" && for f in *.json; do echo "== $f"; sed '/"timing"/d' "$f"; done) >/dev/null
}

checks=(selftest-slow selftest-diverge double-descent)
"$bin" verify "${checks[@]}" --quick --no-figures --threads 2 --out "$tmp/one" >"$tmp/one.out" 2>"$tmp/one.err"; rc1=$?
"${mpi[@]}" "$bin" verify "${checks[@]}" --quick --no-figures --out "$tmp/mpi" >"$tmp/mpi.out" 2>"$tmp/mpi.err"; rc2=$?
cat "$tmp/mpi.out"
[ "$rc1" = "$rc2" ] && ok "same exit code ($rc2)" || bad "exit $rc2 under mpirun, $rc1 in one process; stderr: $(tail -5 "$tmp/mpi.err")"
diff "$tmp/one.out" "$tmp/mpi.out" >/dev/null && ok "same verdict lines, each printed once" \
  || bad "verdict lines differ:\n$(diff "$tmp/one.out" "$tmp/mpi.out")"
for c in "${checks[@]}"; do
  n=$(ls "$tmp/mpi/$c/runs" 2>/dev/null | grep -c '\.json$')
  same_records "$tmp/one" "$tmp/mpi" "$c" && ok "$c: $n records identical to the one-process run (timing dropped)" \
    || bad "$c: records differ from the one-process run"
  cmp -s "$tmp/one/$c/summary.csv" "$tmp/mpi/$c/summary.csv" && ok "$c: summary.csv identical" || bad "$c: summary.csv differs"
done
[ "$(grep -c 'diverged' "$tmp/mpi.err")" = 2 ] && ok "the two diverged runs are reported once each" \
  || bad "divergence reports under mpirun: $(grep -c diverged "$tmp/mpi.err")"
# both ranks worked: each record names the rank that ran it in its timing line
r0=$(cat "$tmp/mpi"/*/runs/*.json | grep -c '"rank": 0,')
r1=$(cat "$tmp/mpi"/*/runs/*.json | grep -c '"rank": 1,')
[ "$r0" -gt 0 ] && [ "$r1" -gt 0 ] && ok "runs spread over the ranks: rank 0 ran $r0, rank 1 ran $r1" \
  || bad "runs not spread: rank 0 ran $r0, rank 1 ran $r1"

# figures under mpirun: rank 0 writes the figure data, identical to one process
"$bin" figures selftest-slow --quick --out "$tmp/f1" >/dev/null 2>&1
"${mpi[@]}" "$bin" figures selftest-slow --quick --out "$tmp/f2" >/dev/null 2>"$tmp/f2.err"; rc=$?
[ "$rc" = 0 ] && cmp -s "$tmp/f1/selftest-slow/rate.dat" "$tmp/f2/selftest-slow/rate.dat" \
  && ok "figures under mpirun: rate.dat identical" || bad "figures under mpirun: exit $rc, $(tail -3 "$tmp/f2.err")"

# compare under mpirun: the runs are spread over the ranks, rank 0 alone prints the
# table and writes compare/<id>.csv and <id>-pairs.csv; records, table and CSVs equal a
# one-process run
cmp_args=(compare --check selftest-rate --manifolds flat:d=2,curved:d=1 --ambient 8,16 --no-figures)
"$bin" "${cmp_args[@]}" --threads 2 --out "$tmp/c1" >"$tmp/c1.out" 2>"$tmp/c1.err"; rc1=$?
"${mpi[@]}" "$bin" "${cmp_args[@]}" --out "$tmp/c2" >"$tmp/c2.out" 2>"$tmp/c2.err"; rc2=$?
[ "$rc1" = "$rc2" ] && [ -s "$tmp/c2.out" ] && ok "compare: same exit code ($rc2)" \
  || bad "compare: exit $rc2 under mpirun, $rc1 in one process; stderr: $(tail -3 "$tmp/c2.err")"
diff "$tmp/c1.out" "$tmp/c2.out" >/dev/null && ok "compare: same table, printed once ($(grep -c PASS "$tmp/c2.out") rows PASS)" \
  || bad "compare: tables differ:\n$(diff "$tmp/c1.out" "$tmp/c2.out")"
cmp -s "$tmp/c1/compare/selftest-rate.csv" "$tmp/c2/compare/selftest-rate.csv" && ok "compare: compare/selftest-rate.csv identical" \
  || bad "compare: compare/selftest-rate.csv differs or is missing"
# the pair rows (2 D-equivalence, 2 d-contrast) are judged by every rank, written by rank 0
cmp -s "$tmp/c1/compare/selftest-rate-pairs.csv" "$tmp/c2/compare/selftest-rate-pairs.csv" \
  && [ "$(wc -l <"$tmp/c2/compare/selftest-rate-pairs.csv")" = 5 ] && ok "compare: compare/selftest-rate-pairs.csv identical" \
  || bad "compare: compare/selftest-rate-pairs.csv differs or is missing"
n=$(ls "$tmp/c2/selftest-rate/runs" 2>/dev/null | grep -c '\.json$')
same_records "$tmp/c1" "$tmp/c2" selftest-rate && [ "$n" -gt 0 ] && ok "compare: $n records identical to the one-process run" \
  || bad "compare: records differ from the one-process run"
r0=$(cat "$tmp/c2"/selftest-rate/runs/*.json | grep -c '"rank": 0,')
r1=$(cat "$tmp/c2"/selftest-rate/runs/*.json | grep -c '"rank": 1,')
[ "$r0" -gt 0 ] && [ "$r1" -gt 0 ] && ok "compare: runs spread over the ranks: rank 0 ran $r0, rank 1 ran $r1" \
  || bad "compare: runs not spread: rank 0 ran $r0, rank 1 ran $r1"
# bad arguments under mpirun: every rank refuses before creating --out
"${mpi[@]}" "$bin" compare --check selftest-rate --manifolds blob --out "$tmp/c3" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] && [ ! -e "$tmp/c3" ] && ok "compare: bad --manifolds under mpirun: exit 2, no --out created" \
  || bad "compare: bad --manifolds under mpirun: exit $rc, --out $([ -e "$tmp/c3" ] && echo created || echo absent)"

# a sweep killed in one process is finished by mpirun with the same records
set -m
"$bin" verify selftest-slow --no-figures --threads 1 --out "$tmp/res" >/dev/null 2>&1 &
pid=$!
set +m
for _ in $(seq 1 500); do
  [ "$(ls "$tmp/res/selftest-slow/runs" 2>/dev/null | grep -c '\.json$')" -ge 20 ] && break
  sleep 0.01
done
kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
before=$(ls "$tmp/res/selftest-slow/runs" | grep -c '\.json$')
line=$("${mpi[@]}" "$bin" verify selftest-slow --no-figures --out "$tmp/res" 2>/dev/null)
[ "$line" = "$(grep '^overparam: selftest-slow' "$tmp/one.out")" ] && same_records "$tmp/one" "$tmp/res" selftest-slow \
  && ok "killed after $before records, finished by mpirun -np 2: same verdict and records" \
  || bad "resume under mpirun: $line"

[ $fails = 0 ] && echo "faults_mpi: all passed" || echo "faults_mpi: $fails failed"
[ $fails = 0 ]
