#!/usr/bin/env python3
"""PyTorch twin of bench/bench_cuda_embedding.cpp: the same shapes and id laws on the GPU, median
ms."""
import json
import math
import statistics
import time

import torch

V, D, N = 1 << 20, 128, 1 << 20
BAGS, BAG = 65536, 32


def timed(fn, repeats=20):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    g = torch.Generator(device="cuda").manual_seed(0)
    table = torch.randn(V, D, device="cuda", generator=g)
    ids = torch.randint(0, V, (N,), device="cuda", generator=g)
    upstream = torch.randn(N, D, device="cuda", generator=g)
    # Zipf ids as bench_cuda_embedding.cpp draws them: density ~ 1 / (id + 1).
    u = torch.rand(N, device="cuda", generator=g, dtype=torch.float64)
    zipf = (torch.exp(u * math.log(V + 1.0)).long() - 1).clamp(0, V - 1)
    out = {}
    dst = torch.empty_like(upstream)
    out["DeviceCopy"] = timed(lambda: dst.copy_(upstream))
    with torch.no_grad():
        out["EmbeddingForward"] = timed(lambda: torch.nn.functional.embedding(ids, table))
    for which, index in (("", ids), ("Zipf", zipf)):
        for sparse in (True, False):
            leaf = table.detach().requires_grad_()

            def step():
                torch.nn.functional.embedding(index, leaf, sparse=sparse).backward(upstream)
                leaf.grad = None
            name = "EmbeddingForwardBackward" + ("Sparse" if sparse else "Dense") + which
            out[name] = timed(step)
    bag_ids = torch.randint(0, V, (BAGS * BAG,), device="cuda", generator=g)
    offsets = torch.arange(0, BAGS * BAG, BAG, device="cuda")
    with torch.no_grad():
        for mode in ("sum", "mean"):
            out["EmbeddingBag" + mode.capitalize()] = timed(
                lambda: torch.nn.functional.embedding_bag(bag_ids, table, offsets, mode=mode))
    print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name(),
                      "ms": out}))


if __name__ == "__main__":
    main()
