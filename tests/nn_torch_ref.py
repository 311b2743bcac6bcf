#!/usr/bin/env python3
"""Reference check of an `overparam model grad` dump against PyTorch (float64).
Rebuilds the model from hparams.json, loads param.*.npy, runs forward + backward on
input.npy (+ target.npy) and compares output, loss, every parameter gradient and the
input gradient. Usage: nn_torch_ref.py DIR. Exit 0 ok, 1 mismatch, 77 torch missing."""
import glob, json, os, sys
import numpy as np
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("torch not available: skipped"); sys.exit(77)
torch.set_default_dtype(torch.float64)

d = sys.argv[1]
meta = json.load(open(os.path.join(d, "hparams.json")))
cfg = meta["model"]
A = {os.path.basename(f)[:-4]: np.load(f) for f in glob.glob(os.path.join(d, "*.npy"))}
P = {k[6:]: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in A.items() if k.startswith("param.")}
x = torch.tensor(A["input"].astype(np.float64), requires_grad=True)
scale = {t["name"]: t["fwd_scale"] for t in cfg["tensors"]}

def forward(x):
    k = cfg["kind"]
    if k == "mlp":
        h = x
        for l in range(cfg["depth"] + 1):
            w = P[f"layers.{l}.weight"] * scale[f"layers.{l}.weight"]
            b = P[f"layers.{l}.bias"] * scale[f"layers.{l}.bias"] if cfg["bias"] else None
            h = F.linear(h, w, b)
            if l < cfg["depth"]:
                h = F.relu(h)
        return h
    C, K, B = cfg["C"], cfg["K"], x.shape[0]
    if k == "convresnet1d":
        z = F.pad(x.unsqueeze(1), (0, 0, 0, C - 1)); conv = F.conv1d
    else:
        z = F.pad(x.reshape(B, 1, cfg["H"], cfg["W"]), (0, 0, 0, 0, 0, C - 1)); conv = F.conv2d
    for m in range(cfg["M"]):
        h = z
        for l in range(cfg["L"]):
            h = F.relu(conv(h, P[f"blocks.{m}.convs.{l}.weight"], P[f"blocks.{m}.convs.{l}.bias"], padding=K // 2))
        z = z + cfg["res_scale"] * h
    feat = z.flatten(1) if cfg["head"] == "fc" else z.mean(dim=tuple(range(2, z.dim())))
    return F.linear(feat, P["head.weight"], P["head.bias"])

out = forward(x)
if "target" in A:
    y = torch.tensor(A["target"])
    lk = meta["loss_kind"]
    if lk == "mse":
        obj = F.mse_loss(out, y)
    elif lk == "logistic":
        t = torch.where(y > 0.5, 1.0, -1.0)
        obj = F.softplus(-t * out).mean()
    else:
        obj = F.cross_entropy(out, y[:, 0].long())
else:
    obj = out[:, 0].sum()  # overparam's default --output-index 0
obj.backward()

def rel(a, b):
    a = np.asarray(a, np.float64); b = np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))

tol = 2e-5 if cfg["precision"] == "float32" else 1e-10  # measured 4e-7 in float32
worst = [("output", rel(A["output"], out.detach().numpy())),
         ("input_grad", rel(A["input_grad"], x.grad.numpy()))]
if meta["loss"] is not None:
    worst.append(("loss", abs(meta["loss"] - obj.item()) / abs(obj.item())))
for name, p in P.items():
    worst.append(("grad." + name, rel(A["grad." + name], p.grad.numpy())))
bad = [(n, e) for n, e in worst if not e <= tol]
print(f"{cfg['kind']}: {len(worst)} arrays vs PyTorch float64, worst rel. error "
      f"{max(e for _, e in worst):.2e} (tol {tol:.0e})")
for n, e in bad:
    print(f"MISMATCH {n}: {e:.3e}")
sys.exit(1 if bad else 0)
