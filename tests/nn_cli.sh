#!/usr/bin/env bash
# overparam train: bad input gives one line on stderr, exit 2 (3 for a missing or malformed file), and
# no output directory; a good run writes model.bin + record.json and one summary line.
set -u
BIN=${1:?usage: nn_cli.sh OVERPARAM_BIN}
T=$(mktemp -d /tmp/op_nn_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0

expect() { # expect CODE DESCRIPTION ARGS...
    local want=$1 what=$2; shift 2
    "$BIN" "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$? lines
    lines=$(wc -l <"$T/stderr")
    if [ "$rc" -ne "$want" ] || [ "$lines" -ne 1 ] || [ -s "$T/stdout" ] || [ -e "$T/out" ]; then
        echo "FAIL $what: exit $rc (want $want), $lines stderr lines, stdout $(wc -c <"$T/stdout") bytes, out dir $([ -e "$T/out" ] && echo created || echo absent)"
        sed 's/^/    /' "$T/stderr"
        fail=1
        rm -rf "$T/out"
    else
        echo "ok   $what: exit $rc: $(cat "$T/stderr")"
    fi
}

M="--manifold sphere:d=2 --ambient 16 --n 64 --out $T/out"
expect 2 "unknown flag" train $M --bogus 1
expect 2 "non-numeric value" train $M --lr fast
expect 2 "non-numeric integer" train $M --epochs ten
expect 2 "out-of-range batch" train $M --batch 0
expect 2 "out-of-range val-frac" train $M --val-frac 1.5
expect 2 "NaN learning rate" train $M --lr nan
expect 2 "infinite learning rate" train $M --lr inf
expect 2 "even kernel" train $M --K 4
expect 2 "unknown model" train $M --model resnet
expect 2 "unknown optimizer" train $M --opt lbfgs
expect 2 "MLP flag on a ConvResNet" train $M --width 32
expect 2 "ambient too small" train --manifold sphere:d=2 --ambient 2 --n 64 --out "$T/out"
expect 2 "unknown manifold" train --manifold hyperboloid:d=2 --n 64 --out "$T/out"
expect 2 "ambient below the natural dimension" train --manifold torus:d=2 --ambient 3 --n 64 --out "$T/out"
expect 2 "unknown target" train --manifold torus:d=2 --target wiggly:s=1 --n 64 --out "$T/out"
expect 2 "no data source" train --epochs 1 --out "$T/out"
expect 2 "flag given twice" train $M --lr 0.1 --lr 0.2
expect 3 "missing data file" train --data "$T/nope.csv" --epochs 1 --out "$T/out"
printf 'x0,x1,y\n1,2,3\n4,oops,6\n' >"$T/bad.csv"
expect 3 "malformed CSV" train --data "$T/bad.csv" --epochs 1 --out "$T/out"
printf 'x0,x1,y\n1,2,0.5\n4,5,1\n1,1,1\n2,2,0\n' >"$T/lab.csv"
expect 2 "logistic label 0.5" train --data "$T/lab.csv" --loss logistic --epochs 1 --out "$T/out"
touch "$T/file"
expect 3 "--out is a file" train --manifold sphere:d=2 --n 64 --out "$T/file/sub"
expect 2 "model: unknown action" model frobnicate
expect 3 "model grad: missing model" model grad --model "$T/none.bin" --input "$T/lab.csv" --out "$T/out"

# A good run from CSV: one summary line on stdout, quiet stderr (not a terminal).
python_gen() { awk 'BEGIN{srand(7); print "a,b,c,y"; for(i=0;i<200;i++){a=rand()*2-1;b=rand()*2-1;c=rand()*2-1; print a","b","c","sin(3*a)+b*c}}'; }
python_gen >"$T/data.csv"
"$BIN" train --data "$T/data.csv" --model mlp --width 32 --epochs 5 --out "$T/good" >"$T/stdout" 2>"$T/stderr"
rc=$?
if [ $rc -ne 0 ] || [ "$(wc -l <"$T/stdout")" -ne 1 ] || [ -s "$T/stderr" ] || [ ! -s "$T/good/model.bin" ] || [ ! -s "$T/good/record.json" ]; then
    echo "FAIL good CSV run: exit $rc"; cat "$T/stdout" "$T/stderr"; fail=1
else
    echo "ok   good CSV run: $(cat "$T/stdout")"
fi
for key in '"git_commit"' '"blas_core"' '"threads"' '"test_loss"' '"seed"' '"epochs_run"'; do
    grep -q "$key" "$T/good/record.json" || { echo "FAIL record.json lacks $key"; fail=1; }
done
"$BIN" train --help >/dev/null || { echo "FAIL train --help"; fail=1; }
[ $fail -eq 0 ] && echo "nn_cli: all ok"
exit $fail
