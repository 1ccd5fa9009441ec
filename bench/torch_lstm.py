#!/usr/bin/python3
"""The shapes of bench_lstm.cpp in PyTorch (2 threads, float32): median of 5 runs, ms."""
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence

torch.set_num_threads(2)
torch.manual_seed(0)


def median_ms(f, n=5):
    f()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return sorted(times)[n // 2] * 1e3


sentiment = torch.nn.LSTM(100, 256)
x = torch.randn(50, 64, 100, requires_grad=True)
with torch.no_grad():
    print("BM_LstmSentiment/0 %.1f ms" % median_ms(lambda: sentiment(x)))
print("BM_LstmSentiment/1 %.1f ms" % median_ms(lambda: sentiment(x)[0].sum().backward()))

bi = torch.nn.LSTM(100, 128, 2, batch_first=True, bidirectional=True)
xb = torch.randn(64, 50, 100, requires_grad=True)
lengths = torch.tensor([10 + (b * 37) % 41 for b in range(64)])


def packed():
    return bi(pack_padded_sequence(xb, lengths, True, False))[1][0]


with torch.no_grad():
    print("BM_LstmBiPacked/0 %.1f ms" % median_ms(packed))
print("BM_LstmBiPacked/1 %.1f ms" % median_ms(lambda: packed().sum().backward()))

bi2 = torch.nn.LSTM(128, 256, 2, bidirectional=True)
x2 = torch.randn(50, 32, 128, requires_grad=True)
with torch.no_grad():
    print("BM_LstmBi2Layer/0 %.1f ms" % median_ms(lambda: bi2(x2)))
print("BM_LstmBi2Layer/1 %.1f ms" % median_ms(lambda: bi2(x2)[0].sum().backward()))
