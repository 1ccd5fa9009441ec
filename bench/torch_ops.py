#!/usr/bin/python3
"""PyTorch CPU twin of bench/bench_ops.cpp: the same five ops on the same shapes, two threads.

Prints JSON {name: seconds per call} (the median of repeated timings, forward only, no
autograd). Besides the five: index_select_out (into a preallocated output), matmul_f64
(512, float64) and matmul_1024 (float32), which bench_ops also runs. Run with Debian's python, which has torch:  /usr/bin/python3 bench/torch_ops.py
bench/compare_ops.sh puts these numbers beside ember's.
"""
import json
import statistics
import sys
import time

import torch

THREADS = 2
WARMUP_CALLS = 3
REPEATS = 15
MIN_REPEAT_SECONDS = 0.02  # each timing runs enough calls to last at least this long


def time_op(fn, warmup_calls=WARMUP_CALLS, repeats=REPEATS,
            min_repeat_seconds=MIN_REPEAT_SECONDS):
    """Median seconds per call of fn, after warm-up; each timing runs enough calls to last
    at least min_repeat_seconds. bench/torch_nn.py shares it."""
    for _ in range(warmup_calls):
        fn()
    calls = 1
    while True:  # calibrate the calls per timing
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start >= min_repeat_seconds:
            break
        calls *= 2
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    f32 = torch.float32
    # index_select: table [V=100000, D=300], ids [N=65536] -> [N, D]
    table = torch.randn(100000, 300, dtype=f32)
    ids = torch.randint(0, 100000, (65536,), dtype=torch.int64)
    # bmm: [B=4096, 5, 100] x [B, 100, 1] -> [B, 5, 1] (scores of 5 candidates per query)
    bmm_a = torch.randn(4096, 5, 100, dtype=f32)
    bmm_b = torch.randn(4096, 100, 1, dtype=f32)
    # matmul: [512, 512] x [512, 512]; bench_ops also runs it in float64 and at 1024
    mat_a = torch.randn(512, 512, dtype=f32)
    mat_b = torch.randn(512, 512, dtype=f32)
    mat_a64, mat_b64 = mat_a.double(), mat_b.double()
    big_a = torch.randn(1024, 1024, dtype=f32)
    big_b = torch.randn(1024, 1024, dtype=f32)
    # softmax and sum over dim 1 of [4096, 1000]
    logits = torch.randn(4096, 1000, dtype=f32)

    gathered = torch.empty(65536, 300, dtype=f32)

    ops = {
        "index_select": lambda: torch.index_select(table, 0, ids),
        # The same into a preallocated output: without the cost of faulting in 78 MB of
        # fresh pages per call, which dominates on some machines.
        "index_select_out": lambda: torch.index_select(table, 0, ids, out=gathered),
        "bmm": lambda: torch.bmm(bmm_a, bmm_b),
        "matmul": lambda: torch.matmul(mat_a, mat_b),
        "matmul_f64": lambda: torch.matmul(mat_a64, mat_b64),
        "matmul_1024": lambda: torch.matmul(big_a, big_b),
        "softmax": lambda: torch.softmax(logits, 1),
        "sum": lambda: torch.sum(logits, 1),
    }
    results = {}
    with torch.no_grad():
        for name, fn in ops.items():
            results[name] = time_op(fn)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
