#!/usr/bin/python3
"""Writes tests/golden/embedding.txt and embedding_bag.txt, the golden files that
tests/test_parity_embedding.cpp checks F.embedding and F.embedding_bag against.

Run with Debian's python (it has torch and numpy):
    /usr/bin/python3 tests/golden/make_golden_embedding.py

Same format and helpers as make_golden.py. Inputs: weight [V, D] (the leaf whose gradient the
file holds), ids (int64), and for bags offsets and per_sample_weights when used. Params give
the op's options under PyTorch's names (padding_idx, max_norm, norm_type, scale_grad_by_freq,
sparse, mode, include_last_offset; "none" when unset). Outputs: "out", and for max_norm cases
"weight_after", the table after the call: max_norm renormalises the looked-up rows of the
weight in place, so the `input weight` record is the table before the call. Sparse cases
run PyTorch's sparse backward; the file holds that gradient made dense (with
scale_grad_by_freq, which PyTorch's sparse backward refuses, its dense gradient). The bag
cases with scale_grad_by_freq take their reference from F.embedding + a sum over each bag:
PyTorch's own CPU backward for them is wrong (see bag_by_composition). Running this twice
gives identical files.
"""
import numpy as np
import torch

import make_golden
from make_golden import F32, Op

torch.set_num_threads(1)
F = torch.nn.functional

# A sparse case leaves a sparse COO gradient on the weight: the file holds it made dense.
_fmt_dense_record = make_golden.fmt_record
make_golden.fmt_record = lambda kind, name, t: _fmt_dense_record(
    kind, name, t.to_dense() if t.is_sparse else t)
fmt_record = make_golden.fmt_record


class InPlaceOp(Op):
    """An Op whose input records are the inputs before the call (max_norm changes weight)."""

    def case(self, name, inputs, **params):
        before = "".join(fmt_record("input", n, torch.from_numpy(np.array(a))) for n, a in inputs)
        super().case(name, inputs, **params)
        text = self.text[-1]
        start, end = text.index("\ninput ") + 1, text.index("\noutput ") + 1
        self.text[-1] = text[:start] + before + text[end:]


def torch_sparse(p):
    """PyTorch refuses scale_grad_by_freq with a sparse gradient; there it runs the dense
    backward, whose gradient ember's sparse one must equal (it is the same sum)."""
    return bool(p["sparse"]) and not p["scale_grad_by_freq"]


def with_weight_after(out, weight, p):
    if p.get("max_norm") is None:
        return out
    return {"out": out, "weight_after": weight.detach().clone()}


# ---- F.embedding ----

def embedding_fn(a, p):
    weight = a["weight"]
    out = F.embedding(a["ids"], weight, padding_idx=p["padding_idx"], max_norm=p["max_norm"],
                      norm_type=p["norm_type"], scale_grad_by_freq=bool(p["scale_grad_by_freq"]),
                      sparse=torch_sparse(p))
    return with_weight_after(out, weight, p)


def build_embedding(g):
    def case(name, weight, ids, padding_idx=None, max_norm=None, norm_type=2.0,
             scale_grad_by_freq=0):
        for sparse in (0, 1):
            g.case(f"{name}_{'sparse' if sparse else 'dense'}", [("weight", weight), ("ids", ids)],
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)

    repeated = np.array([3, 1, 3, 0, 3, 5, 1])
    case("repeated_f64", g.randn(6, 4), repeated)
    case("repeated_f32", g.randn(6, 4, dtype=F32), repeated)
    case("ids_2d_f64", g.randn(7, 3), g.ints(0, 7, 3, 4))
    case("ids_2d_f32", g.randn(7, 3, dtype=F32), g.ints(0, 7, 2, 5))
    case("padding_idx_f64", g.randn(6, 3), repeated, padding_idx=3)
    case("padding_idx_negative_f32", g.randn(6, 3, dtype=F32), repeated, padding_idx=-1)
    case("scale_grad_by_freq_f64", g.randn(6, 3), repeated, scale_grad_by_freq=1)
    case("scale_grad_by_freq_2d_f32", g.randn(5, 3, dtype=F32), g.ints(0, 5, 3, 4),
         scale_grad_by_freq=1)
    # Row norms of randn(., 3) are around 1.7: some rows are above max_norm, some below.
    case("max_norm_f64", g.randn(6, 3), repeated, max_norm=1.5)
    case("max_norm_p1_f32", g.randn(6, 3, dtype=F32), repeated, max_norm=2.0, norm_type=1.0)
    case("padding_max_norm_by_freq_f64", g.randn(6, 3), repeated, padding_idx=1, max_norm=1.5,
         scale_grad_by_freq=1)
    case("padding_max_norm_by_freq_2d_f32", g.randn(8, 4, dtype=F32), g.ints(0, 8, 3, 5),
         padding_idx=2, max_norm=1.8, scale_grad_by_freq=1)


# ---- F.embedding_bag ----

def bag_by_composition(a, p):
    """F.embedding_bag in mode sum or mean as F.embedding followed by a sum over each bag:
    the reference for scale_grad_by_freq, whose CPU backward in PyTorch (1.13 to 2.13 at
    least) divides a row by the count of another id (pytorch/pytorch#190063)."""
    ids, offsets = a["ids"], a.get("offsets")
    if ids.dim() == 2:
        offsets = torch.arange(0, ids.numel(), ids.shape[1])
        ids = ids.reshape(-1)
    ends = offsets[1:] if p["include_last_offset"] else torch.cat(
        [offsets[1:], torch.tensor([ids.numel()])])
    starts = offsets[:len(ends)]
    bag_of = torch.cat([torch.full((int(e - s),), b) for b, (s, e) in
                        enumerate(zip(starts, ends))])
    rows = F.embedding(ids, a["weight"], max_norm=p["max_norm"], norm_type=p["norm_type"],
                       scale_grad_by_freq=True)
    keep = torch.ones(ids.numel(), dtype=rows.dtype)
    if p["padding_idx"] is not None:
        keep = (ids != p["padding_idx"] % a["weight"].shape[0]).to(rows.dtype)
    scale = keep * a["per_sample_weights"].reshape(-1) if "per_sample_weights" in a else keep
    if p["mode"] == "mean":
        counts = torch.zeros(len(ends), dtype=rows.dtype).index_add(0, bag_of, keep)
        scale = scale / counts.clamp(min=1)[bag_of]
    out = torch.zeros(len(ends), rows.shape[1], dtype=rows.dtype)
    return out.index_add(0, bag_of, rows * scale[:, None])


def embedding_bag_fn(a, p):
    weight = a["weight"]
    if p["scale_grad_by_freq"]:
        assert p["mode"] != "max"
        out = bag_by_composition(a, p)
        psw = a.get("per_sample_weights")
        with torch.no_grad():  # the forward must agree with PyTorch's own
            expected = F.embedding_bag(a["ids"], weight.detach().clone(), a.get("offsets"),
                                       mode=p["mode"], padding_idx=p["padding_idx"],
                                       include_last_offset=bool(p["include_last_offset"]),
                                       per_sample_weights=psw.detach() if psw is not None
                                       else None)
            assert torch.allclose(out, expected), p
        return with_weight_after(out, weight, p)
    out = F.embedding_bag(a["ids"], weight, a.get("offsets"), max_norm=p["max_norm"],
                          norm_type=p["norm_type"],
                          scale_grad_by_freq=bool(p["scale_grad_by_freq"]), mode=p["mode"],
                          sparse=torch_sparse(p),
                          per_sample_weights=a.get("per_sample_weights"),
                          include_last_offset=bool(p["include_last_offset"]),
                          padding_idx=p["padding_idx"])
    return with_weight_after(out, weight, p)


def build_embedding_bag(g):
    def case(name, inputs, mode, padding_idx=None, max_norm=None, scale_grad_by_freq=0,
             include_last_offset=0, sparse=(0, 1)):
        for s in sparse:
            suffix = f"_{'sparse' if s else 'dense'}" if len(sparse) > 1 else ""
            g.case(name + suffix, inputs, mode=mode, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=2.0, scale_grad_by_freq=scale_grad_by_freq,
                   include_last_offset=include_last_offset, sparse=s)

    ids = np.array([3, 1, 3, 0, 5, 3, 2, 4])
    offsets = np.array([0, 3, 3, 5])  # bags of 3, 0 (empty), 2 and 3 ids
    for mode in ("sum", "mean"):
        case(f"{mode}_offsets_f64", [("weight", g.randn(6, 4)), ("ids", ids),
                                     ("offsets", offsets)], mode)
        case(f"{mode}_offsets_f32", [("weight", g.randn(6, 4, dtype=F32)), ("ids", ids),
                                     ("offsets", offsets)], mode)
        case(f"{mode}_include_last_offset_f64",
             [("weight", g.randn(6, 3)), ("ids", ids), ("offsets", np.array([0, 2, 2, 6, 8]))],
             mode, include_last_offset=1)
        case(f"{mode}_ids_2d_f64", [("weight", g.randn(7, 3)), ("ids", g.ints(0, 7, 4, 3))],
             mode)
        case(f"{mode}_padding_idx_f64", [("weight", g.randn(6, 3)), ("ids", ids),
                                         ("offsets", offsets)], mode, padding_idx=3)
        case(f"{mode}_scale_grad_by_freq_f32", [("weight", g.randn(6, 3, dtype=F32)),
                                                ("ids", ids), ("offsets", offsets)],
             mode, scale_grad_by_freq=1)
    # Mode max: unrounded values, so no two rows tie in a column.
    max_weight = lambda *s, dtype=np.float64: g.randn(*s, dtype=dtype, decimals=None)  # noqa
    case("max_offsets_f64", [("weight", max_weight(6, 4)), ("ids", ids), ("offsets", offsets)],
         "max", sparse=(0,))
    case("max_offsets_f32", [("weight", max_weight(6, 4, dtype=F32)), ("ids", ids),
                             ("offsets", offsets)], "max", sparse=(0,))
    case("max_include_last_offset_f64", [("weight", max_weight(6, 3)), ("ids", ids),
                                         ("offsets", np.array([0, 2, 2, 6, 8]))],
         "max", include_last_offset=1, sparse=(0,))
    case("max_ids_2d_f64", [("weight", max_weight(7, 3)), ("ids", g.ints(0, 7, 4, 3))], "max",
         sparse=(0,))
    case("max_padding_idx_f64", [("weight", max_weight(6, 3)), ("ids", ids),
                                 ("offsets", offsets)], "max", padding_idx=3, sparse=(0,))
    # per_sample_weights (mode sum only): the gradient of the weights too.
    psw = lambda dtype=np.float64: g.randn(len(ids), dtype=dtype)  # noqa: E731
    case("sum_per_sample_weights_f64", [("weight", g.randn(6, 4)), ("ids", ids),
                                        ("offsets", offsets), ("per_sample_weights", psw())],
         "sum")
    case("sum_per_sample_weights_f32",
         [("weight", g.randn(6, 4, dtype=F32)), ("ids", ids), ("offsets", offsets),
          ("per_sample_weights", psw(F32))], "sum")
    case("sum_per_sample_weights_padding_idx_f64",
         [("weight", g.randn(6, 3)), ("ids", ids), ("offsets", offsets),
          ("per_sample_weights", psw())], "sum", padding_idx=0)
    case("sum_per_sample_weights_ids_2d_f64",
         [("weight", g.randn(7, 3)), ("ids", g.ints(0, 7, 3, 4)),
          ("per_sample_weights", g.randn(3, 4))], "sum")
    case("mean_max_norm_f64", [("weight", g.randn(6, 3)), ("ids", ids), ("offsets", offsets)],
         "mean", max_norm=1.5)
    case("sum_per_sample_weights_max_norm_f64",
         [("weight", g.randn(6, 3)), ("ids", ids), ("offsets", offsets),
          ("per_sample_weights", psw())], "sum", max_norm=1.5)


def main():
    for name, build, fn in [("embedding", build_embedding, embedding_fn),
                            ("embedding_bag", build_embedding_bag, embedding_bag_fn)]:
        g = InPlaceOp(name, fn)
        build(g)
        g.write()
    print("wrote embedding.txt and embedding_bag.txt")


if __name__ == "__main__":
    main()
