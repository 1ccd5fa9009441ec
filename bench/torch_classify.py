#!/usr/bin/python3
"""PyTorch CPU twin of `ember classify train --model lstm|bilstm`: the same models, data,
batches and optimizers, timed per epoch. bench/compare_classify_speed.sh runs both.

  usage: /usr/bin/python3 bench/torch_classify.py TRAIN.txt lstm|bilstm EPOCHS [THREADS]

TRAIN.txt is one text a line, "__label__X word word ..." (fastText's format). As ember
classify does with its defaults: the vocabulary is every word of the file plus <pad> (min
count 1), each text keeps its last 200 words (an empty one reads one <pad> step), batches
of 32 texts of about the same length (the whole file sorted by length, cut into batches,
the batches shuffled), float32, Adam (lr 5e-3) on the LSTM and the output layer with their
gradient norm clipped to 1, SparseAdam (lr 5e-2) on the sparse embedding table [V, 100].
  lstm:   seed 002's SentimentModel: LSTM 100 -> 128 over the packed batch, the last step's
          hidden state -> Linear(128, labels)
  bilstm: seed 003's SentimentClassifierWithPretrained: 2-layer bidirectional LSTM 100 ->
          128, dropout 0.5 on its input, between its layers and on the last layer's two
          final states -> Linear(256, labels)
Prints one line per epoch, "epoch E: S s", then "mean: S s per epoch".
"""
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

MAX_LENGTH, BATCH, DIM, HIDDEN = 200, 32, 100, 128
LR, EMBEDDING_LR, CLIP = 5e-3, 5e-2, 1.0


def read(path):
    labels, texts = [], []
    for line in open(path, encoding="utf-8"):
        words = line.split()
        if not words:
            continue
        labels.append(words[0])
        texts.append(words[1:][-MAX_LENGTH:])
    return labels, texts


class SentimentModel(torch.nn.Module):
    def __init__(self, vocab, classes):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, DIM, sparse=True)
        self.lstm = torch.nn.LSTM(DIM, HIDDEN, batch_first=True)
        self.fc = torch.nn.Linear(HIDDEN, classes)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.embedding(x), lengths, batch_first=True,
                                      enforce_sorted=False)
        output, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
        last = output[torch.arange(x.size(0)), lengths - 1]
        return self.fc(last)


class BiLstmModel(torch.nn.Module):
    def __init__(self, vocab, classes, pad):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, DIM, padding_idx=pad, sparse=True)
        self.lstm = torch.nn.LSTM(DIM, HIDDEN, 2, batch_first=True, dropout=0.5,
                                  bidirectional=True)
        self.fc = torch.nn.Linear(2 * HIDDEN, classes)
        self.dropout = torch.nn.Dropout(0.5)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.dropout(self.embedding(x)), lengths,
                                      batch_first=True, enforce_sorted=False)
        hidden = self.lstm(packed)[1][0]
        return self.fc(self.dropout(torch.cat((hidden[-2], hidden[-1]), 1)))


def main():
    path, architecture, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    torch.manual_seed(1)
    labels, texts = read(path)
    words = {"<pad>": 0}
    for text in texts:
        for w in text:
            words.setdefault(w, len(words))
    label_ids = {l: i for i, l in enumerate(sorted(set(labels)))}
    ids = [[words[w] for w in text] or [0] for text in texts]
    targets = [label_ids[l] for l in labels]
    if architecture == "lstm":
        model = SentimentModel(len(words), len(label_ids))
    else:
        model = BiLstmModel(len(words), len(label_ids), 0)
    head = [p for name, p in model.named_parameters() if not name.startswith("embedding")]
    adam = torch.optim.Adam(head, lr=LR)
    sparse_adam = torch.optim.SparseAdam(model.embedding.parameters(), lr=EMBEDDING_LR)
    generator = torch.Generator().manual_seed(1)
    times = []
    for epoch in range(epochs):
        order = torch.randperm(len(ids), generator=generator).tolist()
        order.sort(key=lambda i: len(ids[i]))  # stable, as ember's
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        shuffled = torch.randperm(len(batches), generator=generator).tolist()
        model.train()
        start = time.perf_counter()
        for b in shuffled:
            batch = batches[b]
            lengths = torch.tensor([len(ids[i]) for i in batch])
            x = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
            for row, i in enumerate(batch):
                x[row, :len(ids[i])] = torch.tensor(ids[i])
            y = torch.tensor([targets[i] for i in batch])
            adam.zero_grad()
            sparse_adam.zero_grad()
            loss = F.cross_entropy(model(x, lengths), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head, CLIP)
            adam.step()
            sparse_adam.step()
        times.append(time.perf_counter() - start)
        print(f"epoch {epoch + 1}: {times[-1]:.2f} s", flush=True)
    print(f"mean: {sum(times) / len(times):.2f} s per epoch")


if __name__ == "__main__":
    main()
