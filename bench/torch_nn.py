#!/usr/bin/python3
"""PyTorch CPU twin of bench/bench_nn.cpp: the same embedding workloads, float32, two threads.

Prints JSON {name: seconds per call} (the median of repeated timings after warm-up), with
bench_nn's benchmark names as keys. Table [V=100000, D=300], 65536 ids:
  BM_EmbeddingForwardBackward/sparse:1 and /sparse:0, F.embedding + backward(upstream)
  BM_EmbeddingBagMeanForwardBackward/sparse:1 and /sparse:0, 4096 bags of 16, mode mean
  BM_SparseAdamStep, torch.optim.SparseAdam on the gradient F.embedding(sparse=True) left
  BM_SparseEmbeddingAdamPath, zero_grad + lookup + backward + SparseAdam step
  BM_SkipGramTrainingStep, the seed's SkipGramModel step with sparse tables and SparseAdam
Each call starts with no gradient on the table (weight.grad = None).
Run with Debian's python, which has torch:  /usr/bin/python3 bench/torch_nn.py
"""
import json
import sys

import torch
import torch.nn.functional as F

import torch_ops  # bench/torch_ops.py: the shared timing loop

THREADS = 2
WARMUP_CALLS = 2
REPEATS = 9
MIN_REPEAT_SECONDS = 0.05  # each timing runs enough calls to last at least this long

ROWS, DIM, IDS, BAGS, BAG_SIZE = 100000, 300, 65536, 4096, 16


def time_op(fn):
    return torch_ops.time_op(fn, WARMUP_CALLS, REPEATS, MIN_REPEAT_SECONDS)


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    weight = torch.randn(ROWS, DIM).requires_grad_(True)
    ids = torch.randint(0, ROWS, (IDS,))
    upstream = torch.randn(IDS, DIM)
    offsets = torch.arange(0, IDS, BAG_SIZE)
    bag_upstream = torch.randn(BAGS, DIM)

    def embedding(sparse):
        def fn():
            weight.grad = None
            F.embedding(ids, weight, sparse=sparse).backward(upstream)
        return fn

    def embedding_bag(sparse):
        def fn():
            weight.grad = None
            F.embedding_bag(ids, weight, offsets, mode="mean", sparse=sparse).backward(
                bag_upstream)
        return fn

    adam_weight = weight.detach().clone().requires_grad_(True)
    F.embedding(ids, adam_weight, sparse=True).backward(upstream)
    sparse_grad = adam_weight.grad
    adam = torch.optim.SparseAdam([adam_weight], lr=1e-3)
    adam.step()  # creates the moments outside the timing

    def adam_step():
        adam_weight.grad = sparse_grad
        adam.step()

    path_weight = weight.detach().clone().requires_grad_(True)
    path_adam = torch.optim.SparseAdam([path_weight], lr=1e-3)
    F.embedding(ids, path_weight, sparse=True).backward(upstream)
    path_adam.step()

    def sparse_path():
        path_adam.zero_grad(set_to_none=True)
        F.embedding(ids, path_weight, sparse=True).backward(upstream)
        path_adam.step()

    # The seed's SkipGramModel + SkipGramLoss (seed 000) with sparse tables and SparseAdam,
    # as bench_nn's BM_SkipGramTrainingStep: V 54280, D 100, batch 1024, 5 negatives, 16
    # fixed batches of uniform ids in turn.
    V, D, B, K = 54280, 100, 1024, 5
    center_table = torch.nn.Embedding(V, D, sparse=True)
    context_table = torch.nn.Embedding(V, D, sparse=True)
    for table in (center_table, context_table):
        table.weight.data.uniform_(-0.5 / D, 0.5 / D)
    skipgram_adam = torch.optim.SparseAdam(
        list(center_table.parameters()) + list(context_table.parameters()), lr=1e-3)
    batches = [(torch.randint(0, V, (B,)), torch.randint(0, V, (B,)), torch.randint(0, V, (B, K)))
               for _ in range(16)]
    step_count = [0]

    def skipgram_step():
        center, positive, negative = batches[step_count[0] % len(batches)]
        step_count[0] += 1
        skipgram_adam.zero_grad()
        center_embeds = center_table(center)
        positive_score = torch.sum(center_embeds * context_table(positive), dim=1)
        negative_scores = torch.bmm(context_table(negative),
                                    center_embeds.unsqueeze(1).transpose(1, 2)).squeeze(2)
        loss = -F.logsigmoid(positive_score).mean() - F.logsigmoid(-negative_scores).sum(1).mean()
        loss.backward()
        skipgram_adam.step()

    ops = {
        "BM_EmbeddingForwardBackward/sparse:1": embedding(True),
        "BM_EmbeddingForwardBackward/sparse:0": embedding(False),
        "BM_EmbeddingBagMeanForwardBackward/sparse:1": embedding_bag(True),
        "BM_EmbeddingBagMeanForwardBackward/sparse:0": embedding_bag(False),
        "BM_SparseAdamStep": adam_step,
        "BM_SparseEmbeddingAdamPath": sparse_path,
        "BM_SkipGramTrainingStep": skipgram_step,
    }
    only = set(sys.argv[1:])
    results = {name: time_op(fn) for name, fn in ops.items() if not only or name in only}
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
