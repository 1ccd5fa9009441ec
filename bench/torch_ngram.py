#!/usr/bin/python3
"""PyTorch twin of examples/ngram_language_model.cpp for bench/compare_lm.sh: seed 001's
NGramLanguageModel and train_language_model (Adam, CrossEntropyLoss) on the same batches
in the same order as ember's data::NGramStream: each line's words then <eos>, as one token
stream; example j is (tokens[j:j+C], tokens[j+C]); batches of B consecutive examples, the
last one shorter. The vocabulary is ember's data::Vocabulary: <unk>, <eos>, then the
max-vocab most frequent words (ties by first appearance). Prints the training time and the
held-out perplexity.

  /usr/bin/python3 bench/torch_ngram.py --train T.txt --valid V.txt --epochs 1
"""
import argparse
import math
import time
from collections import Counter

import torch
import torch.nn as nn


class NGramLanguageModel(nn.Module):
    def __init__(self, vocab_size, embedding_dim, context_size, hidden_dim=128):
        super().__init__()
        self.context_size = context_size
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.network = nn.Sequential(
            nn.Linear(context_size * embedding_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, vocab_size)
        )

    def forward(self, context):
        embedded = self.embeddings(context)
        embedded = embedded.view(embedded.size(0), -1)
        return self.network(embedded)


def read_lines(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return [line.split() for line in f if line.split()]


def token_ids(lines, index, unk, eos):
    ids = []
    for words in lines:
        ids.extend(index.get(w, unk) for w in words)
        ids.append(eos)
    return torch.tensor(ids, dtype=torch.int64)


def batches(ids, C, B):
    n = len(ids) - C
    contexts = ids.unfold(0, C, 1)[:n]  # [n, C]
    targets = ids[C:]
    for start in range(0, n, B):
        yield contexts[start:start + B], targets[start:start + B]


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch links libblas.so.3, which
    resolves to the reference BLAS unless LD_LIBRARY_PATH points at another)."""
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    return ", ".join(sorted(names)) or "none"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-vocab", type=int, default=5000)
    ap.add_argument("--context", type=int, default=2)
    ap.add_argument("--embedding", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, BLAS: {blas_library()}")
    torch.manual_seed(0)

    train_lines = read_lines(a.train)
    counts = Counter(w for words in train_lines for w in words)  # first-appearance order
    words = sorted(counts, key=lambda w: -counts[w])[:a.max_vocab]  # stable: ties stay in order
    vocab = ["<unk>", "<eos>"] + words
    index = {w: i for i, w in enumerate(vocab)}
    train_ids = token_ids(train_lines, index, 0, 1)
    valid_ids = token_ids(read_lines(a.valid), index, 0, 1)

    model = NGramLanguageModel(len(vocab), a.embedding, a.context, a.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr)
    criterion = nn.CrossEntropyLoss()
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(a.epochs):
        total_loss, n = 0.0, 0
        for context, target in batches(train_ids, a.context, a.batch):
            optimizer.zero_grad()
            loss = criterion(model(context), target)
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
            n += 1
        print(f"Epoch {epoch+1}, Loss: {total_loss/n:.4f}")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    with torch.no_grad():
        total, count = 0.0, 0
        for context, target in batches(valid_ids, a.context, 4096):
            total += nn.functional.cross_entropy(model(context), target, reduction="sum").item()
            count += len(target)
    print(f"vocab {len(vocab)}, train {seconds:.2f} s ({cpu_seconds:.2f} s CPU), held-out perplexity "
          f"{math.exp(total / count):.2f}")


if __name__ == "__main__":
    main()
