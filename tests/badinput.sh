#!/bin/bash
# The bad-input table (tests/badinput.tsv): every row must exit with its code,
# print exactly one stderr line "overparam: ..." containing the expected text,
# print nothing on stdout and leave its output path absent (not even an empty directory).
# usage: badinput.sh BIN DATASET_PROBE TABLE
set -u
bin=$1 probe=$2 table=$3
T=$(mktemp -d /tmp/badinput.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0 rows=0

# fixtures: a regular file, CSVs, and IDX dataset directories (valid and broken)
touch "$T/afile"
printf 'x0,y\n1,2\n3,4\n' >"$T/ok.csv"
printf 'x0,y\n1,2\n3,abc\n' >"$T/bad.csv"
printf 'x0,y\n1\n' >"$T/ragged.csv"
printf 'x0,y\n1,2\n3,4,5\n' >>"$T/ragged.csv"
printf 'x0,y\n' >"$T/header_only.csv"
printf 'x0,x1,y\n1,2,3\n' >"$T/three.csv"
printf 'x0,x1\n1,2\n' >"$T/noy.csv"
printf '12345' >"$T/five.f32"
python3 - "$T" <<'PY' || { echo "FAIL cannot build the IDX fixtures (python3)"; exit 1; }
import gzip, os, struct, sys
T = sys.argv[1]
def idx(dims, data):
    return struct.pack('>BBBB', 0, 0, 8, len(dims)) + b''.join(struct.pack('>I', d) for d in dims) + bytes(data)
def write(d, files):
    os.makedirs(os.path.join(T, d), exist_ok=True)
    for name, blob in files.items():
        open(os.path.join(T, d, name), 'wb').write(blob)
good = {
    'train-images-idx3-ubyte': idx([10, 4, 4], [i % 256 for i in range(160)]),
    'train-labels-idx1-ubyte': idx([10], [i % 3 for i in range(10)]),
    't10k-images-idx3-ubyte': idx([5, 4, 4], [i % 256 for i in range(80)]),
    't10k-labels-idx1-ubyte': idx([5], [i % 3 for i in range(5)]),
}
write('ds_good', good)
os.makedirs(os.path.join(T, 'ds_empty'), exist_ok=True)
write('ds_missing_one', {k: v for k, v in good.items() if not k.startswith('t10k-labels')})
write('ds_truncated', dict(good, **{'train-images-idx3-ubyte': good['train-images-idx3-ubyte'][:-3]}))
write('ds_badmagic', dict(good, **{'train-labels-idx1-ubyte': b'\x00\x00\x0d\x01' + good['train-labels-idx1-ubyte'][4:]}))
z = bytearray(gzip.compress(good['t10k-images-idx3-ubyte']))
z = z[:len(z) // 2]
bad = {k: v for k, v in good.items() if not k.startswith('t10k-images')}
bad['t10k-images-idx3-ubyte.gz'] = bytes(z)
write('ds_badgzip', bad)
write('ds_count', dict(good, **{'train-labels-idx1-ubyte': idx([9], [0] * 9)}))
PY
# a small model with one input (for model grad rows)
if ! "$bin" train --data "$T/ok.csv" --model mlp --width 4 --epochs 1 --test-frac 0 --val-frac 0 --out "$T/model" >/dev/null 2>&1; then
  echo "FAIL cannot train the fixture model"; fails=$((fails + 1))
fi
if ! "$probe" "$T/ds_good" >/dev/null; then
  echo "FAIL the dataset probe rejects a valid IDX directory"; fails=$((fails + 1))
fi

while IFS=$'\t' read -r code want cmd; do
  case "$code" in ''|'#'*) continue ;; esac
  rows=$((rows + 1))
  out="$T/out$rows"
  cmd=${cmd//@T@/$T}; cmd=${cmd//@OUT@/$out}; want=${want//@T@/$T}
  if [[ $cmd == @DS@* ]]; then
    eval "set -- ${cmd#@DS@}"; prog=$probe
  else
    eval "set -- $cmd"; prog=$bin
  fi
  "$prog" "$@" >"$T/stdout" 2>"$T/stderr"; rc=$?
  why=""
  [ "$rc" = "$code" ] || why="exit $rc, expected $code"
  nl=$(wc -l <"$T/stderr")
  [ "$nl" = 1 ] || why="$why; $nl stderr lines, expected 1"
  head -1 "$T/stderr" | grep -q '^overparam: ' || why="$why; stderr does not start with 'overparam: '"
  grep -qF -- "$want" "$T/stderr" || why="$why; stderr lacks '$want'"
  [ -s "$T/stdout" ] && why="$why; wrote to stdout"
  # validation comes before any output: not even an empty directory may appear
  if [ -e "$out" ]; then why="$why; created $out"; fi
  if [ -z "$why" ]; then
    echo "ok   [$code] ${cmd#@DS@ }"
  else
    echo "FAIL [$code] $cmd: $why"
    sed 's/^/       stderr: /' "$T/stderr" | head -5
    fails=$((fails + 1))
  fi
done <"$table"

[ "$rows" -ge 30 ] || { echo "FAIL only $rows rows in the table (at least 30)"; fails=$((fails + 1)); }
[ $fails = 0 ] && echo "badinput: all $rows rows passed" || echo "badinput: $fails failed of $rows"
[ $fails = 0 ]
