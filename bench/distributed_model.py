#!/usr/bin/env python3
"""Predicted efficiency W(P) / (P W(1)) of `mpirun -np P ember train skipgram` for P = 2..128
ranks, from what bench/distributed.sh measured on one machine (its runs.tsv): one rank's
words/s and the bytes each sync moves. Prints a markdown table and writes an SVG plot.

The model (stated, not measured past one machine): each rank trains N / P words an epoch at
w words/s; every `sync_every` words it starts a sync of the hot rows and a slice of the rest
(b_p bytes), which overlaps its training and costs time only when it takes longer than that
interval; at the epoch's end it syncs every row (b_f bytes) with the threads stopped. A sync
of b bytes over P ranks is a ring allreduce: 2 (P - 1) / P * b / bandwidth + 2 (P - 1) *
latency, plus three passes over b at memory speed on each rank (the change taken, applied,
the base kept). Quality at large P (the ranks see each other's updates later) is not modelled.

usage: /usr/bin/python3 bench/distributed_model.py RUNS.tsv VOCAB STRIDE WORDS_PER_EPOCH \\
           [SYNC_EVERY] [OUT.svg]"""
import csv, sys

if len(sys.argv) < 5:
    sys.exit(__doc__)
runs_path, V, stride, corpus_words = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sync_every = float(sys.argv[5]) if len(sys.argv) > 5 else 500000.0
svg_path = sys.argv[6] if len(sys.argv) > 6 else "distributed_model.svg"

runs = list(csv.DictReader(open(runs_path), delimiter="\t"))
two = [r for r in runs if r["ranks"] == "2"]
if not two:
    sys.exit("runs.tsv has no run with 2 ranks")
epochs = 5
# One rank (its own core, one thread): half of what two ranks trained, ids per second.
w = sum(float(r["words_per_s"]) for r in two) / len(two) / 2
full = 2 * V * stride * 4.0  # both tables, every row
partial = []
for r in two:
    syncs, mb = int(r["syncs"]), float(r["sync_mb"]) * 1e6
    if syncs > epochs:
        partial.append((mb - epochs * full) / (syncs - epochs))
b_p = sum(partial) / len(partial) if partial else 0.0
memory = 10e9  # bytes/s a rank streams through its copy, change and base

networks = {"25 GB/s network": (25e9, 5e-6), "NVLink (300 GB/s)": (300e9, 2e-6)}
corpora = {"en7m (7.4M words)": corpus_words, "1B words": 1e9}


def allreduce(b, P, bandwidth, latency):
    return 2 * (P - 1) / P * b / bandwidth + 2 * (P - 1) * latency + 3 * b / memory


def efficiency(P, words, bandwidth, latency):
    compute = words / P / w
    interval = sync_every / w
    partials = words / P / sync_every
    blocked = allreduce(full, P, bandwidth, latency)
    blocked += partials * max(0.0, allreduce(b_p, P, bandwidth, latency) - interval)
    return compute / (compute + blocked)


ranks = [2, 4, 8, 16, 32, 64, 128]
print(f"one rank: {w:,.0f} words/s; a partial sync {b_p / 1e6:.1f} MB, a whole one {full / 1e6:.1f} MB;"
      f" a sync every {sync_every:,.0f} words a rank\n")
print("| corpus | network | " + " | ".join(f"P={P}" for P in ranks) + " |")
print("|---|---|" + "---|" * len(ranks))
curves = {}
for cname, words in corpora.items():
    for nname, (bandwidth, latency) in networks.items():
        e = [efficiency(P, words, bandwidth, latency) for P in ranks]
        curves[f"{cname}, {nname}"] = e
        print(f"| {cname} | {nname} | " + " | ".join(f"{100 * x:.0f}%" for x in e) + " |")

# The plot: efficiency against log2(P), one line a scenario.
W, H, L, B, T, R = 640, 360, 60, 40, 20, 230
colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
x = lambda P: L + (W - L - R) * (ranks.index(P)) / (len(ranks) - 1)
y = lambda e: T + (H - T - B) * (1 - e)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>']
for e in (0, 0.25, 0.5, 0.75, 0.9, 1.0):
    out.append(f'<line x1="{L}" x2="{W - R}" y1="{y(e):.1f}" y2="{y(e):.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{L - 6}" y="{y(e) + 4:.1f}" text-anchor="end">{100 * e:.0f}%</text>')
for P in ranks:
    out.append(f'<text x="{x(P):.1f}" y="{H - B + 16}" text-anchor="middle">{P}</text>')
out.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 6}" text-anchor="middle">ranks P</text>')
out.append(f'<text x="14" y="{(T + H - B) / 2:.0f}" transform="rotate(-90 14 {(T + H - B) / 2:.0f})" '
           'text-anchor="middle">predicted efficiency</text>')
for i, (name, e) in enumerate(curves.items()):
    points = " ".join(f"{x(P):.1f},{y(v):.1f}" for P, v in zip(ranks, e))
    out.append(f'<polyline points="{points}" fill="none" stroke="{colors[i]}" stroke-width="2"/>')
    out.append(f'<line x1="{W - R + 10}" x2="{W - R + 30}" y1="{T + 10 + 18 * i}" y2="{T + 10 + 18 * i}" '
               f'stroke="{colors[i]}" stroke-width="2"/>')
    out.append(f'<text x="{W - R + 36}" y="{T + 14 + 18 * i}">{name}</text>')
out.append("</svg>")
open(svg_path, "w").write("\n".join(out) + "\n")
print(f"\nplot: {svg_path}")
