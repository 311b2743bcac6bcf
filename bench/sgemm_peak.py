#!/usr/bin/env python3
"""sgemm peak of the OpenBLAS that the PyTorch peer uses, measured now (bench/compare runs it
in the same run as the workloads, with the same OPENBLAS_CORETYPE and thread count).

numpy's float32 matmul calls OpenBLAS's sgemm (Debian: libblas.so.3 -> libopenblas.so.0,
the library torch loads too). Square C = A B for each n, best of `reps` timed calls after
one warm-up; GFLOPS = 2 n^3 / seconds. Prints one line per n and then the core OpenBLAS
runs (openblas_get_corename of the library already loaded):
  sgemm n=2048 gflops=301.2
  blas_core=SkylakeX
Usage: sgemm_peak.py [threads] [reps] [n,n,...]   (threads: OPENBLAS_NUM_THREADS wins if set)"""
import ctypes, os, sys, time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
sizes = [int(s) for s in sys.argv[3].split(",")] if len(sys.argv) > 3 else [1024, 2048]
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))  # read when OpenBLAS loads
import numpy as np  # noqa: E402  (after the environment is set)

rng = np.random.default_rng(0)
for n in sizes:
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - t)
    print(f"sgemm n={n} gflops={2.0 * n ** 3 / best / 1e9:.1f}", flush=True)
core = "?"
try:
    lib = ctypes.CDLL("libopenblas.so.0")  # the copy numpy already loaded
    lib.openblas_get_corename.restype = ctypes.c_char_p
    core = lib.openblas_get_corename().decode()
except (OSError, AttributeError):
    pass
print(f"blas_core={core}")
