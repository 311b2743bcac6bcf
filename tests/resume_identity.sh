#!/bin/bash
# Resume reuses a record only when it was made under this call's run identity (base
# seed, preset, data set, conv path, record format; src/store/record.h). A record of
# another identity under the same key is redone and replaced, with one stderr line per
# check saying how many and what differed, and the verdict and summary.csv equal those
# of a clean --out. To show that nothing of the other identity leaks into judging, the
# tests "poison" a record before the second call (its metric set to 1000 while its
# identity is kept): reused, it would move the measured slope far out of the band.
# usage: resume_identity.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/resume_identity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# selftest-rate, except for the presets: its full grid, with two ambient dimensions,
# could not be judged until 3588381 (exit 3; tests/selftest/selftest_rate.c), so those use
# selftest-placebo, whose quick and full grids are the same 72
# keys (its placebo control PASSes, so its verdict is FAIL, exit 1: still a fixed line)
check=selftest-rate
V=(verify "$check" --no-figures --threads 2)
# a main-variant key that every grid here has
shared='manifold=flat~d=2_D=16_n=64_seed=0.json'

# poison DIR: the shared record's metric becomes 1000, everything else (identity) kept
poison() { sed -i 's/"metrics": {"err": [^}]*}/"metrics": {"err": 1000}/' "$1/$check/runs/$shared"; }
# verdict OUT ARGS...: run into OUT, verdict line to OUT.line, stderr to OUT.err
verdict() {
  local out=$1
  shift
  "$bin" "${V[@]}" --out "$out" "$@" >"$out.line" 2>"$out.err"
  echo $? >"$out.rc"
}
# same_as DESCRIPTION MIXED CLEAN: same verdict line, exit code and summary.csv
same_as() {
  if [ -s "$2.line" ] && cmp -s "$2.line" "$3.line" && cmp -s "$2.rc" "$3.rc" &&
    cmp -s "$2/$check/summary.csv" "$3/$check/summary.csv"; then
    ok "$1: $(cut -c1-70 "$2.line")"
  else
    bad "$1:\n  got:   $(cat "$2.line") (exit $(cat "$2.rc"))\n  clean: $(cat "$3.line") (exit $(cat "$3.rc"))"
  fi
}
# one_line DESCRIPTION OUT COUNT PHRASE: exactly one "replacing" line with COUNT and PHRASE
one_line() {
  local n
  n=$(grep -c 'replacing' "$2.err")
  if [ "$n" = 1 ] && grep -q "^overparam: $check: replacing $3 records made with other settings ($4" "$2.err"; then
    ok "$1: $(grep replacing "$2.err" | cut -c1-110)..."
  else
    bad "$1: $n 'replacing' lines, expected one with $3 records and '$4':\n$(cat "$2.err")"
  fi
}
# identities OUT PATTERN: every record of this call's plan (those the sweep wrote
# this time) matches PATTERN in its identity line
identities() {
  local total match
  total=$(ls "$1/$check/runs" | wc -l)
  match=$(grep -l "\"identity\": {.*$2" "$1/$check/runs"/*.json | wc -l)
  echo "$match/$total"
}

# 1. the reproduction: --seed 1 into a directory of seed-0 records gives the clean value
verdict "$tmp/clean1" --seed 1
verdict "$tmp/a"
poison "$tmp/a"
verdict "$tmp/a" --seed 1
same_as "--seed 1 over seed-0 records = clean --seed 1" "$tmp/a" "$tmp/clean1"
grep -q 'measured=-0.518' "$tmp/a.line" && ok "measured=-0.518 as in a clean directory (was -0.544 when seed-0 records were reused)" \
  || bad "measured: $(cat "$tmp/a.line")"
one_line "seed" "$tmp/a" 72 "seed 0, not 1"
[ "$(identities "$tmp/a" '"base_seed": "1"')" = 72/72 ] && ok "all 72 records now carry base_seed 1" \
  || bad "base_seed 1 in $(identities "$tmp/a" '"base_seed": "1"') records"
# resume itself still works: the same call again redoes nothing, says nothing
mkdir "$tmp/snap" && cp "$tmp/a/$check/runs"/*.json "$tmp/snap/"
verdict "$tmp/a" --seed 1
same=0
for f in "$tmp/snap"/*.json; do cmp -s "$f" "$tmp/a/$check/runs/$(basename "$f")" && same=$((same + 1)); done
[ "$same" = 72 ] && ! grep -q replacing "$tmp/a.err" && cmp -s "$tmp/a.line" "$tmp/clean1.line" \
  && ok "the same call again reuses all 72 records silently" || bad "rerun: $same of 72 untouched; $(cat "$tmp/a.err")"

# 2. quick then full into one --out does not mix, nor full then quick
check=selftest-placebo
V=(verify "$check" --no-figures --threads 2)
verdict "$tmp/cleanq" --quick
verdict "$tmp/cleanf" --full
verdict "$tmp/q" --quick
poison "$tmp/q"
verdict "$tmp/q" --full
same_as "full over quick records = clean full" "$tmp/q" "$tmp/cleanf"
one_line "preset" "$tmp/q" 72 "preset quick, not full"
[ "$(identities "$tmp/q" '"preset": "full"')" = 72/72 ] && ok "all 72 records are full-preset ones" \
  || bad "preset full in $(identities "$tmp/q" '"preset": "full"') records"
poison "$tmp/q"
verdict "$tmp/q" --quick
same_as "quick over full records = clean quick" "$tmp/q" "$tmp/cleanq"
one_line "preset, back" "$tmp/q" 72 "preset full, not quick"
# figures (full by default) after verify (quick) into one --out: the two main jobs (docs/running.md, Resume)
poison "$tmp/q"
"$bin" figures "$check" --threads 2 --out "$tmp/q" >"$tmp/q.line" 2>"$tmp/q.err"; echo $? >"$tmp/q.rc"
same_as "figures after verify into one --out = clean full" "$tmp/q" "$tmp/cleanf"
check=selftest-rate
V=(verify "$check" --no-figures --threads 2)
verdict "$tmp/cleanq"

# 3. another --dataset does not reuse; the same directory by another name does; changed
#    files in the same directory do not
for d in ds1 ds2; do
  mkdir "$tmp/$d"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    echo "$d $f" >"$tmp/$d/$f"
  done
done
ln -s ds1 "$tmp/ds1-link"
verdict "$tmp/d" --dataset "$tmp/ds1"
poison "$tmp/d"
verdict "$tmp/d" --dataset "$tmp/ds2"
same_as "--dataset ds2 over ds1 records = clean" "$tmp/d" "$tmp/cleanq"
one_line "data set" "$tmp/d" 72 "data set $tmp/ds1, not $tmp/ds2"
verdict "$tmp/e" --dataset "$tmp/ds1"
cp -r "$tmp/e" "$tmp/e-before"
(cd "$tmp" && "$bin" "${V[@]}" --out "$tmp/e" --dataset ds1-link/ >"$tmp/e.line" 2>"$tmp/e.err")
diff -r "$tmp/e-before/$check/runs" "$tmp/e/$check/runs" >/dev/null && ! grep -q replacing "$tmp/e.err" \
  && ok "the same data set through a relative symlink is reused (resolved path)" || bad "symlink: $(cat "$tmp/e.err")"
grep -q "\"dataset\": \"$tmp/ds1\", \"dataset_fingerprint\": \"crc32:" "$tmp/e/$check/runs/$shared" \
  && ok "records name the resolved data set and its fingerprint" || bad "identity: $(grep identity "$tmp/e/$check/runs/$shared")"
echo changed >"$tmp/ds1/t10k-labels-idx1-ubyte"
poison "$tmp/e"
verdict "$tmp/e" --dataset "$tmp/ds1"
same_as "changed files in the same --dataset = clean" "$tmp/e" "$tmp/cleanq"
one_line "data set files" "$tmp/e" 72 "data set files in $tmp/ds1 changed"

# 4. records written before identities existed (format 1) are not trusted either
verdict "$tmp/f"
poison "$tmp/f"
sed -i '/"identity"/d' "$tmp/f/$check/runs"/*.json
verdict "$tmp/f"
same_as "format-1 records = clean" "$tmp/f" "$tmp/cleanq"
one_line "format" "$tmp/f" 72 "record format 1, not 2"

# 5. compare goes through the same resume: a seed-1 comparison over seed-0 records
cmp_args=(compare --check selftest-rate --manifolds flat:d=2 --ambient 16 --no-figures --threads 2)
"$bin" "${cmp_args[@]}" --seed 1 --out "$tmp/cc" >"$tmp/cc.out" 2>/dev/null
verdict "$tmp/c"
poison "$tmp/c"
"$bin" "${cmp_args[@]}" --seed 1 --out "$tmp/c" >"$tmp/c.out" 2>"$tmp/c.err"
cmp -s "$tmp/c.out" "$tmp/cc.out" && cmp -s "$tmp/c/compare/$check.csv" "$tmp/cc/compare/$check.csv" \
  && ok "compare --seed 1 over seed-0 records = clean compare" || bad "compare:\n$(cat "$tmp/c.out")\nclean:\n$(cat "$tmp/cc.out")"
one_line "compare" "$tmp/c" 36 "seed 0, not 1"

# 6. the instruction-set class: avx512 and avx2 records are shared (the same bits),
#    base (no FMA) redoes them; only the sets this CPU runs
check=selftest-rate
V=(verify "$check" --no-figures --threads 2)
runs() { OVERPARAM_ISA=$1 "$bin" --version >/dev/null 2>&1; }
if runs avx2 || runs avx512; then # the default is an fma-class set
  verdict "$tmp/i"
  poison "$tmp/i"
  OVERPARAM_ISA=base verdict "$tmp/i"
  same_as "OVERPARAM_ISA=base over fma-class records = clean" "$tmp/i" "$tmp/cleanq"
  one_line "instruction set" "$tmp/i" 72 "instruction set fma, not base"
  [ "$(identities "$tmp/i" '"isa": "base"')" = 72/72 ] && ok "all 72 records carry isa base" \
    || bad "isa base in $(identities "$tmp/i" '"isa": "base"') records"
fi
if runs avx512 && runs avx2; then
  OVERPARAM_ISA=avx512 verdict "$tmp/j"
  cp -r "$tmp/j" "$tmp/j-before"
  OVERPARAM_ISA=avx2 verdict "$tmp/j"
  diff -r "$tmp/j-before/$check/runs" "$tmp/j/$check/runs" >/dev/null && ! grep -q replacing "$tmp/j.err" \
    && ok "OVERPARAM_ISA=avx2 reuses avx512 records (one class, the same bits)" || bad "avx2 over avx512: $(cat "$tmp/j.err")"
else
  echo "skip avx512/avx2 sharing: this CPU does not run both"
fi

[ $fails = 0 ] && echo "resume_identity: all passed" || echo "resume_identity: $fails failed"
[ $fails = 0 ]
