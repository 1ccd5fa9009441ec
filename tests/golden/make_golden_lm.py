#!/usr/bin/python3
"""Writes tests/golden/language_models.txt, the golden file tests/test_language_models.cpp
checks models::NGramLanguageModel and models::CharLM against.

Run with Debian's python (it has torch and numpy):  /usr/bin/python3 tests/golden/make_golden_lm.py

Same record format as make_golden.py. Each case is one seed model with fixed weights: the
inputs are its state_dict (named as PyTorch names them) and the batch (context/target or
x/y); the outputs are the logits, the loss (mean cross-entropy, as the seeds train), and,
after two Adam steps (lr 0.01) on that batch, the loss before the second step ("loss_1")
and every parameter ("stepped.NAME"); the grads are those of the first loss.
"""
import os
import zlib

import numpy as np
import torch
import torch.nn as nn

from make_golden import F32, F64, HERE, fmt_param, fmt_record


class NGramLanguageModel(nn.Module):
    """Seed 001, "N-gram Language Model"."""

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


class CharLM(nn.Module):
    """Seed 004, the text-generation example; forward_all gives the logits at every step."""

    def __init__(self, vocab_size, embedding_dim, hidden_dim, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x):
        embedded = self.embedding(x)
        output, _ = self.lstm(embedded)
        return self.fc(output[:, -1, :])

    def forward_all(self, x):
        output, _ = self.lstm(self.embedding(x))
        return self.fc(output)


def rounded(rng, shape, dtype, scale=1.0):
    return torch.from_numpy(np.array(np.round(rng.standard_normal(shape) * scale, 3), dtype=dtype))


def write_case(name, model, batch, outputs_fn, loss_fn, params, dtype, rng):
    """Sets the model's weights from rng, runs it, takes two Adam steps; returns the text."""
    model = model.to(torch.float64 if dtype == F64 else torch.float32)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.copy_(rounded(rng, tuple(p.shape), dtype, scale=0.5))
    inputs = [fmt_record("input", n, p) for n, p in model.state_dict().items()]
    inputs += [fmt_record("input", n, t) for n, t in batch.items()]
    outputs = outputs_fn(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss = loss_fn(model)
    loss.backward()
    grads = [fmt_record("grad", n, p.grad) for n, p in model.named_parameters()]
    optimizer.step()
    optimizer.zero_grad()
    loss_1 = loss_fn(model)
    loss_1.backward()
    optimizer.step()
    records = [f"case {name}\n"] + [f"param {k} {fmt_param(v)}\n" for k, v in params.items()]
    records += inputs
    records += [fmt_record("output", n, t) for n, t in outputs.items()]
    records += [fmt_record("output", "loss", loss), fmt_record("output", "loss_1", loss_1)]
    records += [fmt_record("output", "stepped." + n, p) for n, p in model.named_parameters()]
    records += grads
    return "".join(records)


def ngram_case(rng, name, V, D, C, H, B, dtype):
    torch.manual_seed(0)
    model = NGramLanguageModel(V, D, C, H)
    context = torch.from_numpy(rng.randint(0, V, (B, C)).astype(np.int64))
    target = torch.from_numpy(rng.randint(0, V, (B,)).astype(np.int64))
    criterion = nn.CrossEntropyLoss()
    return write_case(name, model, {"context": context, "target": target},
                      lambda m: {"logits": m(context)},
                      lambda m: criterion(m(context), target),
                      dict(vocab_size=V, embedding_dim=D, context_size=C, hidden_dim=H),
                      dtype, rng)


def charlm_case(rng, name, V, E, H, layers, B, T, dtype):
    torch.manual_seed(0)
    model = CharLM(V, E, H, layers)
    x = torch.from_numpy(rng.randint(0, V, (B, T)).astype(np.int64))
    y = torch.from_numpy(rng.randint(0, V, (B, T)).astype(np.int64))
    criterion = nn.CrossEntropyLoss()
    return write_case(name, model, {"x": x, "y": y},
                      lambda m: {"logits": m(x), "logits_all": m.forward_all(x)},
                      lambda m: criterion(m.forward_all(x).reshape(-1, V), y.reshape(-1)),
                      dict(vocab_size=V, embedding_dim=E, hidden_dim=H, num_layers=layers),
                      dtype, rng)


def main():
    torch.set_num_threads(1)
    rng = np.random.RandomState(zlib.crc32(b"language_models"))
    cases = [
        ngram_case(rng, "ngram_f64", V=7, D=3, C=2, H=5, B=4, dtype=F64),
        ngram_case(rng, "ngram_f32", V=11, D=4, C=3, H=6, B=5, dtype=F32),
        charlm_case(rng, "charlm_f64", V=6, E=3, H=4, layers=1, B=2, T=5, dtype=F64),
        charlm_case(rng, "charlm_two_layer_f32", V=5, E=3, H=4, layers=2, B=3, T=4, dtype=F32),
    ]
    path = os.path.join(HERE, "language_models.txt")
    with open(path, "w") as f:
        f.write(f"# ember golden file for language_models: written by make_golden_lm.py with "
                f"torch {torch.__version__.split('+')[0]}; do not edit\n" + "".join(cases))
    print(f"wrote {len(cases)} cases, {os.path.getsize(path)} bytes, into {path}")


if __name__ == "__main__":
    main()
