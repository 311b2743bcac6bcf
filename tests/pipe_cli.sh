#!/usr/bin/env bash
# The (x, y) CSV contract of train --data, kernel and model grad (src/core/csvcols.h):
# sample always writes y, so sample | train works with no column flags and trains on
# x0..x{D-1} only (never f or g*); the record names the target and input columns; a
# file without the target column is one line naming the columns found, exit 2, nothing
# written; too few rows for the splits is exit 2.
set -u
BIN=${1:?usage: pipe_cli.sh OVERPARAM_BIN}
T=$(mktemp -d /tmp/op_pipe_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

refused() { # refused CODE PATTERN DESCRIPTION ARGS...: one stderr line, no stdout, no $T/out
    local code=$1 pat=$2 what=$3; shift 3
    "$BIN" "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$?
    if [ $rc -eq "$code" ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q -- "$pat" "$T/stderr" \
        && [ ! -s "$T/stdout" ] && [ ! -e "$T/out" ]; then
        ok "$what: exit $rc: $(cat "$T/stderr")"
    else
        bad "$what: exit $rc (want $code, /$pat/): $(cat "$T/stderr")"
    fi
    rm -rf "$T/out"
}

# sample -> train: y is the target, x0..x7 the inputs (in_dim 8, not 17 with f, g0..g7).
"$BIN" sample --manifold sphere:d=2 --ambient 8 --n 200 --seed 2 --out "$T/s.csv" || bad "sample"
head -1 "$T/s.csv" | grep -qx 'x0,x1,x2,x3,x4,x5,x6,x7,f,y,g0,g1,g2,g3,g4,g5,g6,g7' \
    && ok "sample writes y without --label-noise" || bad "sample header: $(head -1 "$T/s.csv")"
awk -F, 'NR > 1 && $9 != $10 { exit 1 }' "$T/s.csv" && ok "y = f without label noise" || bad "y != f"
"$BIN" sample --manifold sphere:d=2 --ambient 8 --n 200 --seed 2 | "$BIN" train --data /dev/stdin --model mlp \
    --width 16 --epochs 2 --out "$T/pipe" >/dev/null 2>"$T/err" && ok "sample | train --data /dev/stdin" \
    || bad "sample | train: $(cat "$T/err")"
"$BIN" train --data "$T/s.csv" --model mlp --width 16 --epochs 2 --out "$T/tr" >/dev/null 2>"$T/err" \
    || bad "train on sample's CSV: $(cat "$T/err")"
python3 - "$T/tr/record.json" <<'PY' && ok "record: target_col y, input_cols x0..x7, in_dim 8" || bad "record columns"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["target_col"] == "y", d
assert d["input_cols"] == ["x%d" % k for k in range(8)], d
assert d["in_dim"] == 8, d
PY
"$BIN" kernel --train "$T/s.csv" --test "$T/s.csv" >/dev/null 2>"$T/err" && ok "kernel reads sample's CSV" \
    || bad "kernel: $(cat "$T/err")"
"$BIN" model grad --model "$T/tr/model.bin" --input "$T/s.csv" --out "$T/g" >"$T/line" 2>"$T/err" \
    && grep -q "mean mse loss" "$T/line" && ok "model grad reads sample's CSV with its target" \
    || bad "model grad: $(cat "$T/err")"

# --target-col and --input-cols: the record names what was used.
"$BIN" train --data "$T/s.csv" --target-col f --input-cols x0,x1,x2 --model mlp --width 8 --epochs 1 \
    --out "$T/tr2" >/dev/null 2>"$T/err" || bad "--target-col f --input-cols: $(cat "$T/err")"
python3 - "$T/tr2/record.json" <<'PY' && ok "record: --target-col f --input-cols x0,x1,x2" || bad "record with named columns"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["target_col"] == "f" and d["input_cols"] == ["x0", "x1", "x2"] and d["in_dim"] == 3, d
PY

# A file without the target column: one line naming the columns found, for all three.
"$BIN" sample --manifold sphere:d=2 --ambient 4 --n 50 --target none --out "$T/noy.csv"
refused 2 "has no target column 'y'; columns found: x0,x1,x2,x3" "train without y" \
    train --data "$T/noy.csv" --model mlp --epochs 1 --out "$T/out"
refused 2 "has no target column 'y'; columns found: x0,x1,x2,x3" "kernel without y" \
    kernel --train "$T/noy.csv" --test "$T/s.csv" --out "$T/out"
refused 2 "has no target column 'z'; columns found: x0,x1" "model grad --target-col z absent" \
    model grad --model "$T/tr/model.bin" --input "$T/s.csv" --target-col z --out "$T/out"
refused 2 "has no target column 'label'" "train --target-col label absent" \
    train --data "$T/s.csv" --target-col label --epochs 1 --out "$T/out"
refused 2 "has no column 'x9'; columns found" "--input-cols names an absent column" \
    train --data "$T/s.csv" --input-cols x0,x9 --epochs 1 --out "$T/out"
refused 2 "names the target column 'y'" "--input-cols includes the target" \
    kernel --train "$T/s.csv" --test "$T/s.csv" --input-cols x0,y
refused 2 "has an empty name" "--input-cols with an empty name" \
    train --data "$T/s.csv" --input-cols x0,,x1 --epochs 1 --out "$T/out"
refused 2 "--input-cols applies to --data" "--input-cols with --manifold" \
    train --manifold sphere:d=2 --input-cols x0 --epochs 1 --out "$T/out"
printf 'x0,x0,y\n1,2,3\n' >"$T/dup.csv"
refused 2 "column 'x0' appears twice" "duplicate column" train --data "$T/dup.csv" --epochs 1 --out "$T/out"

# kernel: its line names the columns; train and test must use the same names
"$BIN" kernel --train "$T/s.csv" --test "$T/s.csv" --input-cols x2,x0 --target-col f >"$T/line" 2>"$T/err" \
    && grep -q " target=f inputs=x2,x0$" "$T/line" && ok "kernel line names target and inputs" \
    || bad "kernel columns: $(cat "$T/line" "$T/err")"
printf 'a,b,y\n1,2,3\n2,1,0\n' >"$T/ab.csv"
printf 'b,a,y\n2,1,3\n' >"$T/ba.csv"
refused 2 "uses target=y inputs=b,a but .* uses target=y inputs=a,b" "kernel: test columns in another order" \
    kernel --train "$T/ab.csv" --test "$T/ba.csv" --ridge 1

# Too few rows for the splits (a one-row CSV used to train and print val nan, test nan).
printf 'x0,y\n1,2\n' >"$T/one.csv"
refused 2 "has 1 rows; --test-frac 0.2 and --val-frac 0.1 need at least 10" "one-row CSV" \
    train --data "$T/one.csv" --model mlp --epochs 1 --out "$T/out"
"$BIN" train --data "$T/one.csv" --model mlp --epochs 1 --test-frac 0 --val-frac 0 >/dev/null 2>&1 \
    && bad "one row with no splits trains (needs 2 for training)" || ok "one row with no splits is refused too"

# Edges: label noise without a target; --output-index with a target.
refused 2 "--label-noise applies to a target" "sample --target none --label-noise" \
    sample --manifold sphere:d=2 --target none --label-noise 0.1
refused 2 "--output-index applies without targets" "model grad --output-index with a target" \
    model grad --model "$T/tr/model.bin" --input "$T/s.csv" --output-index 0 --out "$T/out"

[ $fail -eq 0 ] && echo "pipe_cli: all ok"
exit $fail
