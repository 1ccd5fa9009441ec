#!/usr/bin/python3
"""Writes tests/golden/lstm.txt, the golden file tests/test_parity_lstm.cpp checks nn::LSTM
and the packing functions against.

Run with Debian's python (it has torch and numpy):  /usr/bin/python3 tests/golden/make_golden_lstm.py

Same format and helpers as make_golden.py. Each case is one torch.nn.LSTM: its parameters are
inputs named as in its state_dict (weight_ih_l0, ...), next to x, h0 and c0 (when given) and
lengths (packed cases), so ember loads them into nn::LSTM and both run the same weights. The
module's parameters are replaced by those input tensors, so the file holds the gradient of
every parameter and input. Outputs: "output"
(padded again with pad_packed_sequence for packed cases), "h_n" and "c_n". Params give the
module's arguments and, for packed cases, packed=1, enforce_sorted and batch_first of the
packing.
"""
import math
import os

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from make_golden import F32, F64, HERE, Op


def lstm_fn(a, p):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(p["input_size"], p["hidden_size"], p["num_layers"], bias=bool(p["bias"]),
                         batch_first=bool(p["batch_first"]),
                         bidirectional=bool(p["bidirectional"]))
    lstm = lstm.to(a["x"].dtype)
    for name in lstm._flat_weights_names:
        delattr(lstm, name)  # drop the Parameter and run on the case's leaf instead;
        setattr(lstm, name, a[name])  # RNNBase.__setattr__ keeps _flat_weights in step
    state = (a["h0"], a["c0"]) if "h0" in a else None
    x = a["x"]
    if p["packed"]:
        x = pack_padded_sequence(x, a["lengths"], batch_first=bool(p["batch_first"]),
                                 enforce_sorted=bool(p["enforce_sorted"]))
    output, (h_n, c_n) = lstm(x, state)
    if p["packed"]:
        output, _ = pad_packed_sequence(output, batch_first=bool(p["batch_first"]))
    return {"output": output, "h_n": h_n, "c_n": c_n}


def lstm_case(g, name, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
              bidirectional=False, steps=5, batch=2, state=True, lengths=None,
              enforce_sorted=True, dtype=F64):
    directions = 2 if bidirectional else 1
    shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
    inputs = [("x", g.randn(*shape, dtype=dtype))]
    if state:
        for s in ("h0", "c0"):
            inputs.append((s, g.randn(num_layers * directions, batch, hidden_size, dtype=dtype)))
    if lengths is not None:
        inputs.append(("lengths", np.array(lengths, dtype=np.int64)))
    bound = 1.0 / math.sqrt(hidden_size)
    for layer in range(num_layers):
        size_in = input_size if layer == 0 else directions * hidden_size
        for suffix in ["", "_reverse"][:directions]:
            k = f"l{layer}{suffix}"
            inputs.append((f"weight_ih_{k}", g.uniform(-bound, bound, 4 * hidden_size, size_in,
                                                        dtype=dtype)))
            inputs.append((f"weight_hh_{k}", g.uniform(-bound, bound, 4 * hidden_size,
                                                        hidden_size, dtype=dtype)))
            if bias:
                inputs.append((f"bias_ih_{k}", g.uniform(-bound, bound, 4 * hidden_size,
                                                          dtype=dtype)))
                inputs.append((f"bias_hh_{k}", g.uniform(-bound, bound, 4 * hidden_size,
                                                          dtype=dtype)))
    g.case(name, inputs, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
           bias=int(bias), batch_first=int(batch_first), bidirectional=int(bidirectional),
           packed=int(lengths is not None), enforce_sorted=int(enforce_sorted))


def build(g):
    lstm_case(g, "one_layer_f64", 3, 4)
    lstm_case(g, "one_layer_zero_state_no_bias_f64", 3, 4, bias=False, state=False)
    lstm_case(g, "two_layer_bidirectional_batch_first_f64", 3, 4, num_layers=2,
              batch_first=True, bidirectional=True, batch=3)
    # lengths with ties: the sort must be stable, as PyTorch's is here.
    lstm_case(g, "packed_unsorted_two_layer_bidirectional_f64", 3, 3, num_layers=2,
              batch_first=True, bidirectional=True, batch=5, steps=6,
              lengths=[3, 6, 1, 3, 4], enforce_sorted=False)
    lstm_case(g, "packed_sorted_one_layer_no_state_f64", 2, 3, batch=3, steps=4,
              lengths=[4, 2, 2], state=False)
    lstm_case(g, "one_layer_f32", 4, 5, steps=6, batch=3, dtype=F32)
    lstm_case(g, "packed_unsorted_bidirectional_f32", 3, 4, bidirectional=True, batch=3,
              lengths=[2, 5, 4], enforce_sorted=False, dtype=F32)


def main():
    torch.set_num_threads(1)
    g = Op("lstm", lstm_fn)
    build(g)
    path = os.path.join(HERE, "lstm.txt")
    with open(path, "w") as f:
        f.write(f"# ember golden file for lstm: written by make_golden_lstm.py with torch "
                f"{torch.__version__.split('+')[0]}; do not edit\n" + "".join(g.text))
    print(f"wrote {len(g.text)} cases, {os.path.getsize(path)} bytes, into {path}")


if __name__ == "__main__":
    main()
