#!/usr/bin/python3
"""PyTorch twin of `ember generate train` for bench/compare_lm.sh: seed 004's CharLM
(Embedding -> LSTM -> Linear, PyTorch's default init, as ember's) trained with Adam and
gradient-norm clipping on the same batches in the same order as ember's data::CharStream:
the file's lines joined by '\\n', step s reads chars [p, p + B*T + 1) with p advancing by
B*T and wrapping to 0 when fewer remain; row i of the batch is chars [i*T, i*T + T] of it.
Prints the training time, chars/s and held-out bits per char (non-wrapping chunks of the
valid file, the mean of the batch means, as ember does).

  /usr/bin/python3 bench/torch_charlm.py --train T.txt --valid V.txt --steps 300
"""
import argparse
import math
import time

import torch
import torch.nn as nn


class CharLM(nn.Module):
    def __init__(self, vocab_size, embedding_dim, hidden_dim, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward_all(self, x):
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output)


def read_text(path):
    with open(path, "rb") as f:
        return b"\n".join(line.rstrip(b"\n") for line in f)


def batches(ids, B, T, wrap):
    n = B * T
    p = 0
    while True:
        if p + n + 1 > len(ids):
            if not wrap:
                return
            p = 0
        chunk = ids[p:p + n + 1]
        yield chunk[:-1].view(B, T), chunk[1:].view(B, T)
        p += n


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
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq-length", type=int, default=64)
    ap.add_argument("--embedding", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--clip", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, BLAS: {blas_library()}")
    torch.manual_seed(a.seed)

    train_text = read_text(a.train)
    chars = sorted(set(train_text))
    lut = torch.full((256,), -1, dtype=torch.int64)
    for i, c in enumerate(chars):
        lut[c] = i
    train_ids = lut[torch.frombuffer(bytearray(train_text), dtype=torch.uint8).long()]
    valid_ids = lut[torch.frombuffer(bytearray(read_text(a.valid)), dtype=torch.uint8).long()]
    assert (valid_ids >= 0).all(), "valid text has chars not in the training text"

    V = len(chars)
    model = CharLM(V, a.embedding, a.hidden, a.layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr)
    criterion = nn.CrossEntropyLoss()
    stream = batches(train_ids, a.batch, a.seq_length, wrap=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(a.steps):
        x, y = next(stream)
        optimizer.zero_grad()
        loss = criterion(model.forward_all(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        optimizer.step()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    with torch.no_grad():
        losses = [criterion(model.forward_all(x).reshape(-1, V), y.reshape(-1)).item()
                  for x, y in batches(valid_ids, a.batch, a.seq_length, wrap=False)]
    bpc = sum(losses) / len(losses) / math.log(2)
    chars_per_s = a.steps * a.batch * a.seq_length / seconds
    print(f"torch charlm: {a.steps} steps in {seconds:.2f} s ({cpu_seconds:.2f} s CPU), "
          f"{chars_per_s:.0f} chars/s, "
          f"last loss {loss.item():.4f}, held-out bits/char {bpc:.4f}")


if __name__ == "__main__":
    main()
