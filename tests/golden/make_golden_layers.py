#!/usr/bin/python3
"""Writes the golden files that tests/test_parity_layers.cpp checks ember's nn layers against,
and tests/golden/sample.safetensors, which tests/test_serialize.cpp reads.

Run with Debian's python (it has torch and numpy):
    /usr/bin/python3 tests/golden/make_golden_layers.py

The .txt files have make_golden.py's format (see its docstring): linear.txt, layer_norm.txt
and mlp.txt (linear -> tanh -> linear, the Sequential of the tests).

sample.safetensors is written here by hand with struct, exactly per the safetensors spec,
because the `safetensors` package is not installed: an 8-byte little-endian header length,
the JSON header (compact, "__metadata__" first with sorted keys, then the tensors in data
order: by dtype I64, F64, F32, I32, F16, BOOL, then by name), padded with spaces to a
multiple of 8, then the raw little-endian data. ember's writer must produce the same bytes
for the same tensors and metadata; the values are listed in sample_tensors() below and in
the test. Running this twice gives identical files.
"""
import json
import os
import struct

import numpy as np
import torch

from make_golden import F32, HERE, Op

torch.set_num_threads(1)
F = torch.nn.functional


# ---- layers ----

def build_linear(g):
    g.case("bias_f64", [("x", g.randn(3, 4)), ("weight", g.randn(2, 4)), ("bias", g.randn(2))])
    g.case("no_bias_f64", [("x", g.randn(3, 4)), ("weight", g.randn(5, 4))])
    g.case("input_3d_f64", [("x", g.randn(2, 3, 4)), ("weight", g.randn(2, 4)),
                            ("bias", g.randn(2))])
    g.case("input_1d_f64", [("x", g.randn(4)), ("weight", g.randn(3, 4)), ("bias", g.randn(3))])
    g.case("bias_f32", [("x", g.randn(4, 3, dtype=F32)), ("weight", g.randn(2, 3, dtype=F32)),
                        ("bias", g.randn(2, dtype=F32))])
    g.case("noncontig_f64", [("x", g.randn(4, 3)), ("weight", g.randn(2, 4)),
                             ("bias", g.randn(2))], **{"view.x": "T"})


def linear_fn(a, p):
    return F.linear(a["x"], a["weight"], a.get("bias"))


def build_layer_norm(g):
    g.case("last_dim_f64", [("x", g.randn(3, 5)), ("weight", g.randn(5)), ("bias", g.randn(5))],
           normalized_shape=[5], eps=1e-5)
    g.case("last_two_dims_f64", [("x", g.randn(2, 3, 4)), ("weight", g.randn(3, 4)),
                                 ("bias", g.randn(3, 4))], normalized_shape=[3, 4], eps=1e-5)
    g.case("no_affine_f64", [("x", g.randn(4, 6))], normalized_shape=[6], eps=1e-5)
    g.case("weight_only_eps_f64", [("x", g.randn(2, 2, 3)), ("weight", g.randn(3))],
           normalized_shape=[3], eps=0.1)
    g.case("f32", [("x", g.randn(3, 8, dtype=F32)), ("weight", g.randn(8, dtype=F32)),
                   ("bias", g.randn(8, dtype=F32))], normalized_shape=[8], eps=1e-5)
    g.case("large_mean_f64", [("x", g.randn(2, 6, scale=0.1) + 1000.0)],
           normalized_shape=[6], eps=1e-5)
    g.case("noncontig_f64", [("x", g.randn(5, 3)), ("weight", g.randn(5)), ("bias", g.randn(5))],
           normalized_shape=[5], eps=1e-5, **{"view.x": "T"})


def layer_norm_fn(a, p):
    return F.layer_norm(a["x"], p["normalized_shape"], a.get("weight"), a.get("bias"), p["eps"])


def build_mlp(g):
    g.case("f64", [("x", g.randn(3, 4)), ("w0", g.randn(5, 4)), ("b0", g.randn(5)),
                   ("w2", g.randn(2, 5)), ("b2", g.randn(2))])


def mlp_fn(a, p):
    return F.linear(torch.tanh(F.linear(a["x"], a["w0"], a["b0"])), a["w2"], a["b2"])


# ---- sample.safetensors ----

def sample_tensors():
    """name -> (safetensors dtype, numpy array); the test builds the same tensors."""
    return {
        "a_f32": ("F32", np.array([[1.5, -2.25, 3.0], [0.125, 1e-3, -7.0]], np.float32)),
        "b_f64": ("F64", np.array([np.pi, -np.e], np.float64)),
        "c_f16": ("F16", np.array([[1.0, -0.5], [65504.0, 2.0 ** -14]], np.float16)),
        "d_i32": ("I32", np.array([-1, 2, 2147483647], np.int32)),
        "e_i64": ("I64", np.array([[-9007199254740993], [42]], np.int64)),
        "f_bool": ("BOOL", np.array([True, False, True], np.bool_)),
        "g_scalar": ("F32", np.array(2.5, np.float32)),
        "h_empty": ("F32", np.zeros((0, 4), np.float32)),
    }


SAMPLE_METADATA = {"format": "pt", "note": "quote \" back\\slash\nnewline \u00e9"}
DATA_ORDER = ["I64", "F64", "F32", "I32", "F16", "BOOL"]  # the reference writer's order


def write_safetensors(path, tensors, metadata):
    entries = sorted(tensors.items(), key=lambda kv: (DATA_ORDER.index(kv[1][0]), kv[0]))
    header, data, offset = {}, b"", 0
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, (dtype, array) in entries:
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def check_safetensors(path, tensors, metadata):
    """Reads the file back per the spec, to check the writer above."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    assert header.pop("__metadata__") == metadata
    numpy_dtype = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8",
                   "BOOL": "?"}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(blob[8 + n + begin:8 + n + end], numpy_dtype[info["dtype"]])
        expected = tensors[name][1]
        assert np.array_equal(array.reshape(info["shape"]), expected), name


def main():
    for name, build, fn in [("linear", build_linear, linear_fn),
                            ("layer_norm", build_layer_norm, layer_norm_fn),
                            ("mlp", build_mlp, mlp_fn)]:
        g = Op(name, fn)
        build(g)
        g.write()
    path = os.path.join(HERE, "sample.safetensors")
    write_safetensors(path, sample_tensors(), SAMPLE_METADATA)
    check_safetensors(path, sample_tensors(), SAMPLE_METADATA)
    print(f"wrote linear.txt, layer_norm.txt, mlp.txt and sample.safetensors into {HERE}")


if __name__ == "__main__":
    main()
