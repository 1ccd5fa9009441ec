#!/usr/bin/python3
"""Writes the golden files that tests/test_parity_loss.cpp checks ember's losses against.

Run with Debian's python (it has torch and numpy):
    /usr/bin/python3 tests/golden/make_golden_loss.py

Same file format and helpers as make_golden.py. Class weights and pos_weight are inputs
whose gradient is not recorded (PyTorch gives none); `param reduction` is mean, sum or none.
"""
import os

import numpy as np
import torch
import torch.nn.functional as F

from make_golden import F32, F64, HERE, Op

torch.set_num_threads(1)


class LossOp(Op):
    def write(self):
        header = (f"# ember golden file for {self.name}: written by make_golden_loss.py with "
                  f"torch {torch.__version__.split('+')[0]}; do not edit\n")
        with open(os.path.join(HERE, self.name + ".txt"), "w") as f:
            f.write(header + "".join(self.text))


def const(a, name):
    return a[name].detach() if name in a else None


# ---- class-index losses ----



def class_cases(g, smoothing):
    """Cases shared by cross_entropy (smoothing=True) and nll_loss."""
    t4 = np.array([1, 0, 4, 2])
    for r in ("mean", "sum", "none"):
        g.case(f"basic_{r}_f64", [("input", g.randn(4, 5)), ("target", t4)], reduction=r)
    g.case("weight_mean_f64", [("input", g.randn(4, 5)), ("target", t4),
                               ("weight", g.uniform(0.2, 2.0, 5))], reduction="mean")
    g.case("weight_sum_f64", [("input", g.randn(4, 5)), ("target", t4),
                              ("weight", g.uniform(0.2, 2.0, 5))], reduction="sum")
    ignored = np.array([1, -100, 4, 2, -100, 0])
    g.case("ignore_mean_f64", [("input", g.randn(6, 5)), ("target", ignored)], reduction="mean")
    g.case("ignore_none_f64", [("input", g.randn(6, 5)), ("target", ignored)], reduction="none")
    g.case("ignore_custom_weight_mean_f64",
           [("input", g.randn(6, 5)), ("target", np.array([1, 3, 4, 3, 0, 2])),
            ("weight", g.uniform(0.2, 2.0, 5))], reduction="mean", ignore_index=3)
    nd_target = np.array([[0, 3, -100], [2, 2, 1]])
    g.case("nd_mean_f64", [("input", g.randn(2, 4, 3)), ("target", nd_target),
                           ("weight", g.uniform(0.2, 2.0, 4))], reduction="mean")
    g.case("nd_none_f64", [("input", g.randn(2, 4, 3)), ("target", nd_target)], reduction="none")
    g.case("nd4_sum_f64", [("input", g.randn(2, 3, 2, 2)), ("target", g.ints(0, 3, 2, 2, 2))],
           reduction="sum")
    g.case("class_only_f64", [("input", g.randn(5)), ("target", np.array(3))], reduction="mean")
    g.case("class_only_none_f64", [("input", g.randn(5)), ("target", np.array(1))],
           reduction="none")
    g.case("noncontig_f64", [("input", g.randn(5, 4)), ("target", t4)], reduction="mean",
           **{"view.input": "T"})
    g.case("basic_mean_f32", [("input", g.randn(4, 5, dtype=F32)), ("target", t4)],
           reduction="mean")
    g.case("weight_ignore_none_f32", [("input", g.randn(6, 5, dtype=F32)), ("target", ignored),
                                      ("weight", g.uniform(0.2, 2.0, 5, dtype=F32))],
           reduction="none")
    if not smoothing:
        return
    g.case("large_f64", [("input", g.randn(4, 5, scale=1000.0)), ("target", t4)],
           reduction="none")
    g.case("large_f32", [("input", g.randn(4, 5, dtype=F32, scale=1000.0)), ("target", t4)],
           reduction="mean")
    for r in ("mean", "sum", "none"):
        g.case(f"smoothing_{r}_f64", [("input", g.randn(4, 5)), ("target", t4)], reduction=r,
               label_smoothing=0.1)
    g.case("smoothing_weight_ignore_mean_f64",
           [("input", g.randn(6, 5)), ("target", ignored), ("weight", g.uniform(0.2, 2.0, 5))],
           reduction="mean", label_smoothing=0.25)
    g.case("smoothing_weight_ignore_none_f64",
           [("input", g.randn(6, 5)), ("target", ignored), ("weight", g.uniform(0.2, 2.0, 5))],
           reduction="none", label_smoothing=0.3)
    g.case("smoothing_nd_weight_sum_f64", [("input", g.randn(2, 4, 3)), ("target", nd_target),
                                           ("weight", g.uniform(0.2, 2.0, 4))],
           reduction="sum", label_smoothing=0.2)
    g.case("smoothing_one_f64", [("input", g.randn(3, 4)), ("target", np.array([0, 3, 1]))],
           reduction="mean", label_smoothing=1.0)
    g.case("smoothing_weight_mean_f32",
           [("input", g.randn(6, 5, dtype=F32)), ("target", ignored),
            ("weight", g.uniform(0.2, 2.0, 5, dtype=F32))], reduction="mean", label_smoothing=0.1)


def cross_entropy_fn(a, p):
    return F.cross_entropy(a["input"], a["target"], weight=const(a, "weight"),
                           ignore_index=p.get("ignore_index", -100), reduction=p["reduction"],
                           label_smoothing=p.get("label_smoothing", 0.0))


def nll_loss_fn(a, p):
    return F.nll_loss(a["input"], a["target"], weight=const(a, "weight"),
                      ignore_index=p.get("ignore_index", -100), reduction=p["reduction"])


# ---- binary losses ----

def targets(g, *shape, dtype=F64):
    """0s, 1s and fractions."""
    choice = g.rng.randint(0, 3, shape)
    frac = g.uniform(0.1, 0.9, *shape)
    return np.array(np.where(choice == 0, 0.0, np.where(choice == 1, 1.0, frac)), dtype=dtype)


def bce_cases(g):
    probs = lambda *s, dtype=F64: g.uniform(0.05, 0.95, *s, dtype=dtype)  # noqa: E731
    for r in ("mean", "sum", "none"):
        g.case(f"{r}_f64", [("input", probs(3, 4)), ("target", targets(g, 3, 4))], reduction=r)
    g.case("weight_broadcast_f64", [("input", probs(3, 4)), ("target", targets(g, 3, 4)),
                                    ("weight", g.uniform(0.2, 2.0, 4))], reduction="mean")
    g.case("weight_full_none_f64", [("input", probs(2, 3)), ("target", targets(g, 2, 3)),
                                    ("weight", g.uniform(0.2, 2.0, 2, 3))], reduction="none")
    g.case("mean_f32", [("input", probs(5, dtype=F32)), ("target", targets(g, 5, dtype=F32))],
           reduction="mean")
    g.case("noncontig_f64", [("input", probs(4, 3)), ("target", targets(g, 3, 4))],
           reduction="sum", **{"view.input": "T"})
    # Probabilities 0 and 1: the logs clamp at -100; the target is a constant here (PyTorch's
    # target gradient is +-inf there, ember's the clamped logs' difference).
    edge_p = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 1e-60])
    edge_t = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    g.case("edges_none_f64", [("input", edge_p), ("target", edge_t)], reduction="none",
           target_const=1)


def bce_fn(a, p):
    target = a["target"].detach() if p.get("target_const") else a["target"]
    return F.binary_cross_entropy(a["input"], target, weight=const(a, "weight"),
                                  reduction=p["reduction"])


def bce_logits_cases(g):
    for r in ("mean", "sum", "none"):
        g.case(f"{r}_f64", [("input", g.randn(3, 4)), ("target", targets(g, 3, 4))], reduction=r)
    g.case("weight_f64", [("input", g.randn(3, 4)), ("target", targets(g, 3, 4)),
                          ("weight", g.uniform(0.2, 2.0, 3, 1))], reduction="mean")
    g.case("pos_weight_f64", [("input", g.randn(3, 4)), ("target", targets(g, 3, 4)),
                              ("pos_weight", g.uniform(0.2, 3.0, 4))], reduction="mean")
    g.case("both_weights_none_f64", [("input", g.randn(3, 4)), ("target", targets(g, 3, 4)),
                                     ("weight", g.uniform(0.2, 2.0, 4)),
                                     ("pos_weight", g.uniform(0.2, 3.0, 4))], reduction="none")
    big = np.array([-1000.0, -1000.0, -30.0, 0.0, 30.0, 1000.0, 1000.0])
    big_t = np.array([0.0, 1.0, 1.0, 0.5, 0.0, 0.0, 1.0])
    g.case("large_none_f64", [("input", big), ("target", big_t)], reduction="none")
    g.case("large_pos_weight_sum_f32", [("input", big.astype(F32)), ("target", big_t.astype(F32)),
                                        ("pos_weight", np.array([2.5], F32))], reduction="sum")
    g.case("mean_f32", [("input", g.randn(2, 3, dtype=F32)),
                        ("target", targets(g, 2, 3, dtype=F32))], reduction="mean")
    g.case("noncontig_f64", [("input", g.randn(4, 3)), ("target", targets(g, 3, 4))],
           reduction="mean", **{"view.input": "T"})


def bce_logits_fn(a, p):
    return F.binary_cross_entropy_with_logits(a["input"], a["target"], weight=const(a, "weight"),
                                              pos_weight=const(a, "pos_weight"),
                                              reduction=p["reduction"])


def mse_cases(g):
    for r in ("mean", "sum", "none"):
        g.case(f"{r}_f64", [("input", g.randn(3, 4)), ("target", g.randn(3, 4))], reduction=r)
    g.case("mean_f32", [("input", g.randn(2, 5, dtype=F32)), ("target", g.randn(2, 5, dtype=F32))],
           reduction="mean")


def mse_fn(a, p):
    return F.mse_loss(a["input"], a["target"], reduction=p["reduction"])


# ---- the embedding models' losses ----

def negative_sampling_cases(g):
    for r in ("mean", "sum", "none"):
        g.case(f"{r}_f64", [("pos", g.randn(4, scale=2.0)), ("neg", g.randn(4, 3, scale=2.0))],
               reduction=r)
    g.case("mean_f32", [("pos", g.randn(5, dtype=F32)), ("neg", g.randn(5, 6, dtype=F32))],
           reduction="mean")
    g.case("large_none_f64", [("pos", np.array([-500.0, 500.0])),
                              ("neg", np.array([[500.0, -500.0], [0.0, 40.0]]))], reduction="none")


def negative_sampling_fn(a, p):
    pos, neg = a["pos"], a["neg"]
    if p["reduction"] == "mean":  # the seeds' SkipGramLoss, verbatim
        return -F.logsigmoid(pos).mean() + -F.logsigmoid(-neg).sum(dim=1).mean()
    each = -F.logsigmoid(pos) - F.logsigmoid(-neg).sum(dim=1)
    return each.sum() if p["reduction"] == "sum" else each


def kl_cases(g):
    for r in ("sum", "mean", "none"):
        g.case(f"{r}_f64", [("mu", g.randn(4, 3)), ("logvar", g.randn(4, 3, scale=0.5))],
               reduction=r)
    g.case("sum_3d_f32", [("mu", g.randn(2, 3, 4, dtype=F32)),
                          ("logvar", g.randn(2, 3, 4, dtype=F32, scale=0.5))], reduction="sum")


def kl_fn(a, p):
    mu, logvar = a["mu"], a["logvar"]
    if p["reduction"] == "sum":  # VariationalEmbedding's kl_loss, verbatim
        return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    each = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)
    return each.mean() if p["reduction"] == "mean" else each


# ---- similarity and distance ----

def cosine_cases(g):
    g.case("dim1_f64", [("x1", g.randn(4, 5)), ("x2", g.randn(4, 5))], dim=1, eps=1e-8)
    g.case("word_vs_table_f64", [("x1", g.randn(1, 5)), ("x2", g.randn(6, 5))], dim=1, eps=1e-8)
    g.case("dim0_f64", [("x1", g.randn(3, 4)), ("x2", g.randn(3, 4))], dim=0, eps=1e-8)
    g.case("dim_neg1_3d_f32", [("x1", g.randn(2, 3, 4, dtype=F32)),
                               ("x2", g.randn(2, 3, 4, dtype=F32))], dim=-1, eps=1e-8)
    g.case("broadcast_dim0_f64", [("x1", g.randn(2, 3)), ("x2", g.randn(4, 1, 3))], dim=0,
           eps=1e-8)
    x1 = g.randn(3, 4)
    x1[1] = 0.0          # a zero vector: similarity 0
    x1[2] *= 1e-10       # a tiny one: its norm is clamped at eps
    g.case("clamped_norms_f64", [("x1", x1), ("x2", g.randn(3, 4))], dim=1, eps=1e-8)
    g.case("big_eps_f64", [("x1", g.randn(3, 4, scale=0.1)), ("x2", g.randn(3, 4))], dim=1,
           eps=0.3)
    g.case("noncontig_f64", [("x1", g.randn(5, 3)), ("x2", g.randn(3, 5))], dim=1, eps=1e-8,
           **{"view.x1": "T"})


def normalize_cases(g):
    g.case("p2_dim1_f64", [("x", g.randn(3, 4))], p=2.0, dim=1, eps=1e-12)
    g.case("p1_dim0_f64", [("x", g.randn(3, 4))], p=1.0, dim=0, eps=1e-12)
    x = g.randn(3, 4)
    x[0] = 0.0
    x[2] *= 1e-13
    g.case("clamped_f64", [("x", x)], p=2.0, dim=1, eps=1e-12)
    g.case("p2_dim_neg1_3d_f32", [("x", g.randn(2, 3, 4, dtype=F32))], p=2.0, dim=-1, eps=1e-12)


def pairwise_cases(g):
    g.case("p2_f64", [("x1", g.randn(4, 5)), ("x2", g.randn(4, 5))], p=2.0, eps=1e-6, keepdim=0)
    g.case("p1_keepdim_f64", [("x1", g.randn(4, 5)), ("x2", g.randn(4, 5))], p=1.0, eps=1e-6,
           keepdim=1)
    g.case("broadcast_f64", [("x1", g.randn(1, 5)), ("x2", g.randn(3, 5))], p=2.0, eps=1e-6,
           keepdim=0)
    g.case("p3_f32", [("x1", g.randn(3, 4, dtype=F32)), ("x2", g.randn(3, 4, dtype=F32))],
           p=3.0, eps=1e-6, keepdim=0)


OPS = [
    ("cross_entropy", lambda g: class_cases(g, True), cross_entropy_fn),
    ("nll_loss", lambda g: class_cases(g, False), nll_loss_fn),
    ("binary_cross_entropy", bce_cases, bce_fn),
    ("binary_cross_entropy_with_logits", bce_logits_cases, bce_logits_fn),
    ("mse_loss", mse_cases, mse_fn),
    ("negative_sampling_loss", negative_sampling_cases, negative_sampling_fn),
    ("kl_normal", kl_cases, kl_fn),
    ("cosine_similarity", cosine_cases,
     lambda a, p: F.cosine_similarity(a["x1"], a["x2"], dim=p["dim"], eps=p["eps"])),
    ("normalize", normalize_cases,
     lambda a, p: F.normalize(a["x"], p=p["p"], dim=p["dim"], eps=p["eps"])),
    ("pairwise_distance", pairwise_cases,
     lambda a, p: F.pairwise_distance(a["x1"], a["x2"], p=p["p"], eps=p["eps"],
                                      keepdim=bool(p["keepdim"]))),
]


def main():
    total = 0
    for name, build, fn in OPS:
        g = LossOp(name, fn)
        build(g)
        g.write()
        total += os.path.getsize(os.path.join(HERE, name + ".txt"))
    print(f"wrote {len(OPS)} golden files, {total} bytes, into {HERE}")


if __name__ == "__main__":
    main()
