#!/bin/bash
# The data set reaches each run through its context and is part of the run identity:
# a check that reads the image set (the test-only selftest-dataset) run into one --out
# with data set A, then with data set B, redoes every run on B (the records of A are
# replaced, one stderr line says so) and judges, summarises and reports B alone,
# exactly as a clean --out with B does; the same files as B under another path are
# the same data set (resumed, nothing redone).
# usage: resume_dataset.sh BIN
set -u
bin=$1
tmp=$(mktemp -d /tmp/resume_dataset.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check=selftest-dataset

# two IDX sets of 3 classes, 6x6 images (60 train, 30 test), the classes apart in their
# mean intensity; B differs from A in every pixel (other class means, other texture)
python3 - "$tmp" <<'PY' || { echo "FAIL cannot build the IDX fixtures (python3)"; exit 1; }
import os, struct, sys
T = sys.argv[1]
def idx(dims, data):
    return struct.pack('>BBBB', 0, 0, 8, len(dims)) + b''.join(struct.pack('>I', d) for d in dims) + bytes(data)
def images(n, base, step, tex):
    return [min(255, base + step * (i % 3) + (7 * i + tex * j) % 23) for i in range(n) for j in range(36)]
for name, base, step, tex in (('A', 20, 60, 5), ('B', 140, -50, 11)):
    d = os.path.join(T, name)
    os.makedirs(d)
    for pre, n in (('train', 60), ('t10k', 30)):
        open(os.path.join(d, pre + '-images-idx3-ubyte'), 'wb').write(idx([n, 6, 6], images(n, base, step, tex)))
        open(os.path.join(d, pre + '-labels-idx1-ubyte'), 'wb').write(idx([n], [i % 3 for i in range(n)]))
PY
# run OUT DATASET: verdict line to OUT.line, stderr to OUT.err, exit code to OUT.rc
run() {
  "$bin" verify "$check" --no-figures --threads 2 --out "$1" --dataset "$2" >"$1.line" 2>"$1.err"
  echo $? >"$1.rc"
}
pixels() { grep -ho '"mean_pixel": [0-9.e+-]*' "$1/$check/runs"/*.json | cut -d" " -f2 | cut -c1-6 | sort -u | tr '\n' ' '; }

run "$tmp/cleanA" "$tmp/A"
run "$tmp/cleanB" "$tmp/B"
n=$(ls "$tmp/cleanA/$check/runs" | wc -l)
[ "$(cat "$tmp/cleanA.rc")" = 0 ] && [ "$(cat "$tmp/cleanB.rc")" = 0 ] && [ "$n" = 4 ] \
  && ok "clean runs on A and B PASS with $n records each" \
  || bad "clean runs: rc $(cat "$tmp/cleanA.rc") $(cat "$tmp/cleanB.rc"), $n records: $(cat "$tmp/cleanA.err" "$tmp/cleanB.err")"
# the two data sets give other numbers, else the checks below would prove nothing
[ "$(pixels "$tmp/cleanA")" != "$(pixels "$tmp/cleanB")" ] && ! cmp -s "$tmp/cleanA.line" "$tmp/cleanB.line" \
  && ok "A and B give other records (mean_pixel A: $(pixels "$tmp/cleanA")B: $(pixels "$tmp/cleanB"))" \
  || bad "A and B give the same records: $(pixels "$tmp/cleanA")"

# A, then B into one --out: every run redone on B, one line naming both data sets
run "$tmp/x" "$tmp/A"
run "$tmp/x" "$tmp/B"
[ "$(grep -c replacing "$tmp/x.err")" = 1 ] \
  && grep -q "^overparam: $check: replacing 4 records made with other settings (data set $tmp/A, not $tmp/B" "$tmp/x.err" \
  && ok "B over A: $(grep replacing "$tmp/x.err" | cut -c1-120)..." || bad "B over A, stderr: $(cat "$tmp/x.err")"
nb=$(grep -l "\"dataset\": \"$tmp/B\", \"dataset_fingerprint\": \"crc32:" "$tmp/x/$check/runs"/*.json | wc -l)
[ "$(ls "$tmp/x/$check/runs" | wc -l)" = 4 ] && [ "$nb" = 4 ] \
  && ok "all 4 records name data set B and its fingerprint" || bad "$nb of $(ls "$tmp/x/$check/runs" | wc -l) records name B"
[ "$(pixels "$tmp/x")" = "$(pixels "$tmp/cleanB")" ] && ok "its records hold B's numbers" \
  || bad "records: $(pixels "$tmp/x"), clean B: $(pixels "$tmp/cleanB")"
cmp -s "$tmp/x.line" "$tmp/cleanB.line" && cmp -s "$tmp/x/$check/summary.csv" "$tmp/cleanB/$check/summary.csv" \
  && ok "verdict line and summary.csv equal a clean --out on B: $(cut -c1-80 "$tmp/x.line")" \
  || bad "mixed:\n  got:     $(cat "$tmp/x.line")\n  clean B: $(cat "$tmp/cleanB.line")"
# the report has one row for the check, B's (the same as a clean B's report)
grep "$check" "$tmp/x/report.md" | sed 's/[0-9]*-[0-9]*-[0-9]*T[0-9:]*Z//g' >"$tmp/x.rep"
grep "$check" "$tmp/cleanB/report.md" | sed 's/[0-9]*-[0-9]*-[0-9]*T[0-9:]*Z//g' >"$tmp/cleanB.rep"
[ -s "$tmp/x.rep" ] && cmp -s "$tmp/x.rep" "$tmp/cleanB.rep" && ok "report.md rows equal clean B's" \
  || bad "report rows:\n$(cat "$tmp/x.rep")\nclean B:\n$(cat "$tmp/cleanB.rep")"

# the same files under another path are the same data set: nothing is redone
cp -r "$tmp/B" "$tmp/B-copy"
cp -r "$tmp/x/$check/runs" "$tmp/before"
run "$tmp/x" "$tmp/B-copy"
diff -r "$tmp/before" "$tmp/x/$check/runs" >/dev/null && ! grep -q replacing "$tmp/x.err" && cmp -s "$tmp/x.line" "$tmp/cleanB.line" \
  && ok "a copy of B under another path resumes: 4 records untouched" || bad "copy of B: $(cat "$tmp/x.err")"

[ $fails = 0 ] && echo "resume_dataset: all passed" || echo "resume_dataset: $fails failed"
[ $fails = 0 ]
