#!/usr/bin/env bash
# Interop: train tiny models of every kind, dump a forward/backward with
# `overparam model grad`, then (1) the numpy snippets of docs/engine.md load model.bin and the
# dump, and model.bin's arrays equal the exported .npy files; (2) PyTorch in float64
# reproduces output, loss, every parameter gradient and the input gradient.
# Needs python3 with numpy (exit 77 = skipped otherwise); the PyTorch part runs when
# torch is installed.
set -u
BIN=${1:?usage: nn_interop.sh OVERPARAM_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
$PY -c "import numpy" 2>/dev/null || { echo "numpy not available: skipped"; exit 77; }
T=$(mktemp -d /tmp/op_nn_io.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
has_torch=0
$PY -c "import torch" 2>/dev/null && has_torch=1
D="--manifold sphere:d=2 --ambient 16 --n 128 --epochs 2 --seed 3"
i=0
for spec in "--model convresnet1d --C 4 --M 2 --res-scale 0.5|mse" \
            "--model convresnet2d --C 3 --M 2 --head pool|mse" \
            "--model convresnet2d --C 3 --M 1 --L 3 --zero-init-last|mse" \
            "--model mlp --width 16 --param ntk|mse" \
            "--model mlp --width 16 --depth 3 --param mf --bias 0|mse"; do
    i=$((i + 1))
    args=${spec%|*}
    "$BIN" train $D $args --out "$T/m$i" >/dev/null || { echo "FAIL train $args"; fail=1; continue; }
    "$BIN" model export --model "$T/m$i/model.bin" --out "$T/e$i" >/dev/null || { echo "FAIL export $args"; fail=1; }
    $PY -c "
import numpy as np
np.random.RandomState($i).uniform(-2.385, 2.385, (6, 16)).astype(np.float32).tofile('$T/x$i.f32')
np.random.RandomState(9).randn(6, 1).astype(np.float32).tofile('$T/y$i.f32')"
    "$BIN" model grad --model "$T/m$i/model.bin" --input "$T/x$i.f32" --targets "$T/y$i.f32" --out "$T/g$i" >/dev/null ||
        { echo "FAIL model grad $args"; fail=1; continue; }
    # (1) The docs/engine.md snippets, verbatim in spirit: model.bin reader vs exported .npy.
    $PY - "$T/m$i/model.bin" "$T/e$i" "$T/g$i" <<'PYEOF' || fail=1
import sys, os, glob, json
import numpy as np

def load_ovpm(path):  # docs/engine.md: "Model files"
    b = open(path, "rb").read()
    assert b[:4] == b"OVPM", "not an overparam model"
    version, kind, esize, ntensors = np.frombuffer(b, "<u4", 4, 4)
    ints = np.frombuffer(b, "<i4", 16, 32)    # in_dim outputs D H W C K L M head zil width depth bias param
    reals = np.frombuffer(b, "<f8", 4, 96)    # res_scale bias_scale
    rec = np.dtype([("name", "S40"), ("ndim", "<i4"), ("shape", "<i4", 4), ("pad", "<u4")])
    table, off, params = np.frombuffer(b, rec, ntensors, 128), 128 + 64 * int(ntensors), {}
    for t in table:
        shape = tuple(int(s) for s in t["shape"][: t["ndim"]])
        n = int(np.prod(shape))
        params[t["name"].decode()] = np.frombuffer(b, "<f%d" % esize, n, off).reshape(shape)
        off += int(esize) * n
    assert off == len(b)
    return int(kind), ints, reals, params

kind, ints, reals, params = load_ovpm(sys.argv[1])
exported = {os.path.basename(f)[6:-4]: np.load(f) for f in glob.glob(os.path.join(sys.argv[2], "param.*.npy"))}
assert sorted(exported) == sorted(params), "tensor names differ"
assert all(np.array_equal(params[k], exported[k]) for k in params), "values differ"
meta = json.load(open(os.path.join(sys.argv[3], "hparams.json")))   # docs/engine.md: "model grad"
arrays = {os.path.basename(f)[:-4]: np.load(f) for f in glob.glob(os.path.join(sys.argv[3], "*.npy"))}
assert arrays["input_grad"].shape == arrays["input"].shape
assert all("grad." + k in arrays for k in params)
assert meta["model"]["kind"] == ["convresnet1d", "convresnet2d", "mlp"][kind]
print("ok   numpy: %s, %d tensors, loss %.6g" % (meta["model"]["kind"], len(params), meta["loss"]))
PYEOF
    if [ $has_torch -eq 1 ]; then
        out=$($PY "$HERE/nn_torch_ref.py" "$T/g$i") && echo "ok   torch: $args: $out" ||
            { echo "FAIL torch: $args"; echo "$out"; fail=1; }
    fi
done
# Cross-entropy (3 classes) and logistic (0/1 labels) objectives through the same path.
awk 'BEGIN{srand(3); print "a,b,y"; for(i=0;i<120;i++){a=rand();b=rand(); print a","b","(a>b)+(a>0.5)}}' >"$T/ce.csv"
awk 'BEGIN{srand(4); print "a,b,y"; for(i=0;i<120;i++){a=rand();b=rand(); print a","b","(a>b)}}' >"$T/logistic.csv"
printf 'a,b,y\n0.3,0.9,2\n0.8,0.1,1\n0.1,0.2,0\n' >"$T/ce_in.csv"
printf 'a,b,y\n0.3,0.9,0\n0.8,0.1,1\n0.1,0.2,1\n' >"$T/logistic_in.csv"
for l in ce logistic; do
    f=$l
    "$BIN" train --data "$T/$f.csv" --model mlp --width 16 --loss $l --epochs 2 --out "$T/$l" >/dev/null || { echo "FAIL $l train"; fail=1; continue; }
    "$BIN" model grad --model "$T/$l/model.bin" --input "$T/${f}_in.csv" --loss $l --out "$T/g$l" >/dev/null || { echo "FAIL $l grad"; fail=1; continue; }
    if [ $has_torch -eq 1 ]; then
        out=$($PY "$HERE/nn_torch_ref.py" "$T/g$l") && echo "ok   torch: $l loss: $out" || { echo "FAIL torch $l: $out"; fail=1; }
    fi
done
[ $fail -eq 0 ] && echo "nn_interop: all ok"
exit $fail
