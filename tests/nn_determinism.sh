#!/usr/bin/env bash
# The same short `overparam train` run with OMP_NUM_THREADS=1 and 2 (OpenMP and OpenBLAS
# threads) writes byte-identical model.bin files, for each model kind.
set -u
BIN=${1:?usage: nn_determinism.sh OVERPARAM_BIN}
T=$(mktemp -d /tmp/op_nn_det.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
run() { # run NAME ARGS...
    local name=$1; shift
    for t in 1 2; do
        OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "$BIN" train "$@" --out "$T/$name.$t" >/dev/null || {
            echo "FAIL $name: train exited $? with $t threads"; fail=1; return; }
    done
    if cmp -s "$T/$name.1/model.bin" "$T/$name.2/model.bin"; then
        echo "ok   $name: model.bin identical for 1 and 2 threads ($(stat -c %s "$T/$name.1/model.bin") bytes)"
    else
        echo "FAIL $name: model.bin differs between 1 and 2 threads"; fail=1
    fi
}
D="--manifold sphere:d=2 --ambient 64 --n 384 --seed 5"
run convresnet1d $D --model convresnet1d --C 32 --M 2 --epochs 2 --batch 128
run convresnet2d $D --model convresnet2d --C 8 --M 2 --head pool --epochs 2 --batch 128
run mlp $D --model mlp --width 512 --depth 2 --epochs 2 --opt sgd --momentum 0.9 --lr 0.01 --batch 128
[ $fail -eq 0 ] && echo "nn_determinism: all ok"
exit $fail
