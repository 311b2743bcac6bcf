#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/).
The files are committed; rerun this only to change them. Valid and invalid inputs
both: the fuzzer mutates from a mix."""
import gzip, os, struct

here = os.path.dirname(os.path.abspath(__file__))

def put(harness, name, data):
    d = os.path.join(here, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def idx(dims, data, typ=8):
    return bytes([0, 0, typ, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)

def gz(b):
    return gzip.compress(b, mtime=0)  # fixed mtime: reproducible bytes

# IDX reader
img = idx([4, 3, 5], [(i * 37) % 256 for i in range(60)])
put("idx", "images-4x3x5", img)
put("idx", "images-4x3x5.gz", gz(img))
put("idx", "labels-6", idx([6], [0, 1, 2, 0, 1, 2]))
put("idx", "images-1x28x28.gz", gz(idx([1, 28, 28], [(r * c) % 256 for r in range(28) for c in range(28)])))
put("idx", "two-members.gz", gz(img[:20]) + gz(img[20:]))
put("idx", "truncated", img[:-3])
put("idx", "trailing", img + b"xy")
put("idx", "type-float32", idx([2, 2], [0] * 16, typ=0x0D))
put("idx", "zero-dim", idx([3, 0, 2], []))
put("idx", "huge-dims", idx([60000, 60000, 60000], [1, 2, 3]))
put("idx", "gz-trailing", gz(img) + b"junk")
put("idx", "gz-truncated", gz(img)[:-6])

# flag parser: argv separated by newlines (NUL works too)
put("args", "typical", b"--epochs\n200\n--lr=0.05\n--width\n4096\n--quick\nrun1\n")
put("args", "lists", b"--widths=16,64,256\n--lrs\n1e-3,0.01,0.1\n--seed=18446744073709551615\n")
put("args", "unbounded", b"--count\n9223372036854775807\n--offset=-9223372036854775808\n--x\n-1e308\n")
put("args", "bad-values", b"--lr\nnan\n--epochs=1e3\n--ridge\n-0\n--seed\n-1\n")
put("args", "help", b"--out\n/tmp/x\n-h\n")
put("args", "nul-separated", b"--threads\x000x10\x00--lrs\x00,,\x00--\x00--=3\x00")
put("args", "overflow", b"--epochs\n99999999999999999999\n--lr\n1e999\n--ridge=0x1p-1080\n")
