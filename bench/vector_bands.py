#!/usr/bin/env python3
"""Per frequency band of a word2vec binary file's rows (its words are stored most frequent
first): the mean vector norm, and the mean cosine between 300 random words of the band (how
much the band's vectors share one direction). Given two files, each band's cosine for both.
Used to see where distributed runs' vectors differ from one process's (bench/RESULTS.md).
usage: /usr/bin/python3 bench/vector_bands.py A.bin [B.bin]"""
import sys
import numpy as np

if len(sys.argv) < 2:
    sys.exit(__doc__)


def load(path):
    with open(path, "rb") as f:
        n, d = map(int, f.readline().split())
        vecs = np.empty((n, d), np.float32)
        for i in range(n):
            while f.read(1) not in (b" ", b""):  # the word, then one space
                pass
            vecs[i] = np.frombuffer(f.read(4 * d), np.float32)
            if i + 1 < n:
                c = f.read(1)  # the newline after a row, if any
                if c != b"\n":
                    f.seek(-1, 1)
    return vecs


bands = [(0, 20), (20, 100), (100, 1000), (1000, 4096), (4096, 10000), (10000, 30000), (30000, 60000)]
files = {p: load(p) for p in sys.argv[1:3]}
rng = np.random.default_rng(0)
print("| band | " + " | ".join(f"norm {p} | cosine {p}" for p in files) + " |")
print("|---|" + "---|---|" * len(files))
for a, b in bands:
    n = min(len(v) for v in files.values())
    if a >= n:
        break
    idx = rng.choice(np.arange(a, min(b, n)), size=min(300, min(b, n) - a), replace=False)
    cells = []
    for v in files.values():
        u = v[idx] / np.linalg.norm(v[idx], axis=1, keepdims=True)
        c = u @ u.T
        cells += [f"{np.linalg.norm(v[a:b], axis=1).mean():.3f}",
                  f"{(c.sum() - len(idx)) / (len(idx) * (len(idx) - 1)):.3f}"]
    print(f"| {a}-{b} | " + " | ".join(cells) + " |")
