#!/usr/bin/env bash
# The instruction-set dispatch of the convolution kernels, end to end (src/nn/conv_direct.c):
# - the same short ConvResNet `overparam train` run (1-D with K = 3 and, as approx-blocks
#   at D = 64, K = 9 with 8 channels; 2-D; direct path) with
#   OVERPARAM_ISA=avx512 and =avx2 writes byte-identical model.bin files (the two kernel
#   sets do the same FMAs in the same order); skipped (77) unless the CPU runs both;
# - each set the CPU runs is named by --version and in record.json's provenance;
# - an unknown or unrunnable OVERPARAM_ISA is one line on stderr and exit 2.
set -u
BIN=${1:?usage: nn_isa.sh OVERPARAM_BIN}
T=$(mktemp -d /tmp/op_nn_isa.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
err=$(OVERPARAM_ISA=avx3 "$BIN" --version 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && printf '%s' "$err" | grep -q "avx3"; then
    echo "ok   OVERPARAM_ISA=avx3: exit 2, one line: $err"
else
    echo "FAIL OVERPARAM_ISA=avx3: exit $rc, stderr: $err"; fail=1
fi
runs=()
for isa in avx512 avx2 base; do
    if v=$(OVERPARAM_ISA=$isa "$BIN" --version 2>/dev/null); then
        runs+=("$isa")
        printf '%s' "$v" | grep -q "kernels $isa" || { echo "FAIL --version under $isa: $v"; fail=1; }
    fi
done
echo "this CPU runs: ${runs[*]}"
D="--manifold sphere:d=2 --ambient 64 --n 256 --seed 3 --conv direct"
train() { # train ISA NAME ARGS...
    local isa=$1 name=$2; shift 2
    OVERPARAM_ISA=$isa "$BIN" train "$@" --out "$T/$name.$isa" >/dev/null 2>"$T/err" || {
        echo "FAIL $name: train under $isa exited $?: $(tail -1 "$T/err")"; fail=1; return 1; }
    grep -q "\"isa\": \"$isa\"" "$T/$name.$isa/record.json" || {
        echo "FAIL $name: record.json does not name isa $isa"; fail=1; }
}
for isa in "${runs[@]}"; do
    train "$isa" c1 $D --model convresnet1d --C 16 --M 2 --epochs 2 --batch 64
    train "$isa" c2 $D --model convresnet2d --C 8 --M 2 --head pool --epochs 2 --batch 64
    train "$isa" c3 $D --model convresnet1d --C 8 --K 9 --M 2 --epochs 2 --batch 64
done
if [[ " ${runs[*]} " == *" avx512 "* && " ${runs[*]} " == *" avx2 "* ]]; then
    for name in c1 c2 c3; do
        if cmp -s "$T/$name.avx512/model.bin" "$T/$name.avx2/model.bin"; then
            echo "ok   $name: model.bin identical under avx512 and avx2"
        else
            echo "FAIL $name: model.bin differs between avx512 and avx2"; fail=1
        fi
    done
    [ $fail -eq 0 ] && echo "nn_isa: all ok"
    exit $fail
fi
[ $fail -ne 0 ] && exit $fail
echo "nn_isa: skipped the avx512 = avx2 comparison (this CPU does not run both)"
exit 77
