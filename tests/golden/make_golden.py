#!/usr/bin/python3
"""Writes the golden files that tests/test_parity.cpp checks ember against.

Run with Debian's python (it has torch and numpy):  /usr/bin/python3 tests/golden/make_golden.py

For every op of nn/functional.h, a few small deterministic cases: the inputs, PyTorch's
outputs, and the gradient of each floating input for loss = sum over outputs of
(out * w).sum() with a fixed random weight w per floating output. One file per op,
<op>.txt, of cases:

    case NAME
    param KEY VALUE           (ints "1", lists "0,2", floats, "none")
    input NAME DTYPE SIZES    then one line of values, row-major
    output NAME DTYPE SIZES
    weight NAME DTYPE SIZES   (w for the output of that name)
    grad NAME DTYPE SIZES     (gradient of the input of that name)

DTYPE is float64, float32, int64 or bool; SIZES is "3,4", "scalar" for 0-d, "0,3" for
empty. Values are the shortest decimal that reads back to the same float ("%.17g" would
do too, at twice the size). `param view.NAME T` means the op gets input NAME transposed
(last two dims), `S` means every second element of its last dim: a non-contiguous view
of the stored leaf, whose gradient the file holds. Running this twice gives identical
files.
"""
import os
import zlib

import numpy as np
import torch

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
F64, F32 = np.float64, np.float32


# ---- formatting ----

def fmt_value(v, dtype):
    if dtype == "float64":
        return repr(float(v))
    if dtype == "float32":
        return str(np.float32(v))
    if dtype == "bool":
        return "1" if v else "0"
    return str(int(v))


def dtype_name(t):
    return {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64",
            torch.bool: "bool"}[t.dtype]


def fmt_record(kind, name, t):
    t = t.detach().contiguous()
    dtype = dtype_name(t)
    sizes = ",".join(str(s) for s in t.shape) if t.dim() > 0 else "scalar"
    values = " ".join(fmt_value(v, dtype) for v in t.reshape(-1).tolist())
    return f"{kind} {name} {dtype} {sizes}\n{values}\n"


def fmt_param(v):
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


# ---- inputs ----

class Op:
    """Collects the cases of one op; its RNG is seeded from the op's name."""

    def __init__(self, name, fn):
        self.name, self.fn, self.text = name, fn, []
        self.rng = np.random.RandomState(zlib.crc32(name.encode()))

    def randn(self, *shape, dtype=F64, decimals=3, scale=1.0):
        a = self.rng.standard_normal(shape) * scale
        if decimals is not None:
            a = np.round(a, decimals)
        return np.array(a, dtype=dtype)

    def uniform(self, low, high, *shape, dtype=F64, decimals=3):
        return np.array(np.round(self.rng.uniform(low, high, shape), decimals), dtype=dtype)

    def away_from_zero(self, *shape, dtype=F64):
        sign = np.where(self.rng.uniform(size=shape) < 0.5, -1.0, 1.0)
        return np.array(sign * self.uniform(0.5, 2.0, *shape), dtype=dtype)

    def ints(self, low, high, *shape):
        return self.rng.randint(low, high, shape).astype(np.int64)

    def mask(self, *shape):
        return self.rng.uniform(size=shape) < 0.5

    def case(self, name, inputs, **params):
        """inputs: [(name, ndarray)]; params go to the op (and to the file)."""
        leaves, args = {}, {}
        for input_name, array in inputs:
            t = torch.from_numpy(np.array(array))  # a contiguous copy; keeps 0-d
            if t.is_floating_point():
                t.requires_grad_(True)
            leaves[input_name] = t
            view = params.get("view." + input_name)
            if view == "T":
                t = t.transpose(-2, -1)
            elif view == "S":
                t = t[..., ::2]
            args[input_name] = t
        outputs = self.fn(args, params)
        if not isinstance(outputs, dict):
            outputs = {"out": outputs}

        weights, loss = {}, None
        for out_name, out in outputs.items():
            if out.requires_grad:
                w = np.round(self.rng.standard_normal(tuple(out.shape)), 2)
                w = torch.from_numpy(np.array(w, dtype=F64))
                w = w.to(out.dtype)
                weights[out_name] = w
                term = (out * w).sum()
                loss = term if loss is None else loss + term
        if loss is not None:
            loss.backward()

        text = [f"case {name}\n"]
        text += [f"param {k} {fmt_param(v)}\n" for k, v in params.items()]
        text += [fmt_record("input", n, t) for n, t in leaves.items()]
        text += [fmt_record("output", n, t) for n, t in outputs.items()]
        text += [fmt_record("weight", n, w) for n, w in weights.items()]
        text += [fmt_record("grad", n, t.grad) for n, t in leaves.items()
                 if t.grad is not None]
        self.text.append("".join(text))

    def write(self):
        header = (f"# ember golden file for {self.name}: written by make_golden.py with "
                  f"torch {torch.__version__.split('+')[0]}; do not edit\n")
        with open(os.path.join(HERE, self.name + ".txt"), "w") as f:
            f.write(header + "".join(self.text))


OPS = []


def op(name):
    def register(build):
        OPS.append((name, build))
        return build
    return register


# ---- elementwise ----

def binary_cases(name):
    def build(g):
        nonzero = g.away_from_zero if name == "div" else g.randn
        g.case("same_f64", [("x", g.randn(3, 4)), ("y", nonzero(3, 4))])
        g.case("broadcast_f64", [("x", g.randn(2, 3, 1)), ("y", nonzero(4))])
        g.case("broadcast_both_f32", [("x", g.randn(3, 1, dtype=F32)),
                                      ("y", nonzero(1, 4, dtype=F32))])
        g.case("noncontig_f64", [("x", g.randn(4, 3)), ("y", nonzero(3, 8))],
               **{"view.x": "T", "view.y": "S"})
        g.case("zero_dim_f64", [("x", g.randn(3)), ("y", nonzero())])
        g.case("scalar_f64", [("x", nonzero(2, 3))], scalar=2.5)
        if name in ("sub", "div"):
            g.case("scalar_first_f64", [("x", nonzero(2, 3))], scalar=2.5, scalar_first=1)
    return build


def binary_fn(torch_fn):
    def fn(a, p):
        if "scalar" not in p:
            return torch_fn(a["x"], a["y"])
        if p.get("scalar_first"):
            return torch_fn(p["scalar"], a["x"])
        return torch_fn(a["x"], p["scalar"])
    return fn


BINARY_FNS = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
for _name in BINARY_FNS:
    OPS.append((_name, binary_cases(_name)))


def unary_fn(torch_fn):
    return lambda a, p: torch_fn(a["x"])


UNARY_FNS = {
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
    "abs": torch.abs, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "logsigmoid": torch.nn.functional.logsigmoid,
}


def unary_cases(name):
    def build(g):
        positive = name in ("log", "sqrt")
        make = (lambda *s, dtype=F64: g.uniform(0.1, 3.0, *s, dtype=dtype)) if positive \
            else (lambda *s, dtype=F64: g.randn(*s, dtype=dtype))
        g.case("f64", [("x", make(3, 4))])
        g.case("f32", [("x", make(2, 3, 2, dtype=F32))])
        g.case("noncontig_f64", [("x", make(4, 3))], **{"view.x": "T"})
        if name in ("abs", "relu"):
            g.case("zeros_f64", [("x", np.array([-1.5, 0.0, 2.0, 0.0, -0.25]))])
        if name in ("sigmoid", "tanh", "exp", "logsigmoid"):
            big = [-50.0, -20.0, -1.0, 0.0, 1.0, 20.0, 50.0]
            g.case("large_f64", [("x", np.array(big))])
        if name == "logsigmoid":
            g.case("huge_f64", [("x", np.array([-700.0, -100.0, 100.0, 700.0]))])
            g.case("huge_f32", [("x", np.array([-100.0, -30.0, 0.0, 30.0, 100.0], F32))])
    return build


for _name in UNARY_FNS:
    OPS.append((_name, unary_cases(_name)))


@op("pow")
def build_pow(g):
    for e in (2.0, 3.0, -1.5, 0.5, 0.0):
        positive = e != int(e) or e < 0
        x = g.uniform(0.2, 2.0, 3, 4) if positive else g.randn(3, 4)
        g.case(f"scalar_exponent_{e:g}_f64", [("x", x)], exponent=e)
    g.case("scalar_exponent_2_f32", [("x", g.randn(2, 3, dtype=F32))], exponent=2.0)
    g.case("tensor_exponent_f64", [("x", g.uniform(0.2, 2.0, 3, 4)), ("y", g.randn(4))])
    g.case("tensor_exponent_f32", [("x", g.uniform(0.2, 2.0, 2, 1, dtype=F32)),
                                   ("y", g.randn(3, dtype=F32))])


def pow_fn(a, p):
    return torch.pow(a["x"], p["exponent"]) if "exponent" in p else torch.pow(a["x"], a["y"])


@op("clamp")
def build_clamp(g):
    x = np.array([[-2.0, -1.0, -0.5, 0.0], [0.25, 0.5, 1.0, 1.5], [-1.0, 0.5, 3.0, -0.75]])
    g.case("min_max_ties_f64", [("x", x)], min=-1.0, max=0.5)  # elements equal to the bounds
    g.case("min_only_f64", [("x", g.randn(3, 4))], min=0.1, max=None)
    g.case("max_only_f32", [("x", g.randn(3, 4, dtype=F32))], min=None, max=-0.2)
    g.case("noncontig_f64", [("x", g.randn(4, 3))], min=-0.5, max=0.5, **{"view.x": "T"})


def clamp_fn(a, p):
    return torch.clamp(a["x"], p["min"], p["max"])


@op("where")
def build_where(g):
    g.case("same_f64", [("condition", g.mask(3, 4)), ("x", g.randn(3, 4)), ("y", g.randn(3, 4))])
    g.case("broadcast_f64", [("condition", g.mask(3, 1)), ("x", g.randn(3, 4)),
                             ("y", g.randn(4))])
    g.case("broadcast_f32", [("condition", g.mask(2, 1, 4)), ("x", g.randn(3, 1, dtype=F32)),
                             ("y", g.randn(2, 3, 4, dtype=F32))])


def where_fn(a, p):
    return torch.where(a["condition"], a["x"], a["y"])


@op("masked_fill")
def build_masked_fill(g):
    g.case("same_f64", [("x", g.randn(3, 4)), ("mask", g.mask(3, 4))], value=-5.0)
    g.case("broadcast_f64", [("x", g.randn(2, 3, 4)), ("mask", g.mask(1, 4))], value=0.5)
    g.case("neg_inf_f32", [("x", g.randn(3, 4, dtype=F32)), ("mask", g.mask(3, 1))],
           value=float("-inf"))


def masked_fill_fn(a, p):
    return a["x"].masked_fill(a["mask"], p["value"])


# ---- reductions ----

def reduce_cases(name):
    def build(g):
        g.case("all_f64", [("x", g.randn(3, 4))], dims=None)
        g.case("dim1_f64", [("x", g.randn(3, 4))], dims=[1], keepdim=0)
        g.case("dims02_keepdim_f64", [("x", g.randn(2, 3, 4))], dims=[0, 2], keepdim=1)
        g.case("dim_neg1_f32", [("x", g.randn(2, 3, 5, dtype=F32))], dims=[-1], keepdim=0)
        g.case("all_f32", [("x", g.randn(4, 5, dtype=F32))], dims=None)
        g.case("noncontig_f64", [("x", g.randn(4, 3))], dims=[0], keepdim=0, **{"view.x": "T"})
        g.case("empty_dim0_f64", [("x", np.zeros((0, 3)))], dims=[0], keepdim=0)
        if name == "mean":
            g.case("empty_all_f64", [("x", np.zeros((0, 3)))], dims=None)
    return build


def reduce_fn(torch_fn):
    def fn(a, p):
        if p["dims"] is None:
            return torch_fn(a["x"])
        return torch_fn(a["x"], p["dims"], keepdim=bool(p["keepdim"]))
    return fn


OPS.append(("sum", reduce_cases("sum")))
OPS.append(("mean", reduce_cases("mean")))


def extreme_cases(name):
    def build(g):
        ties = np.array([[1.0, 3.0, 2.0], [3.0, 0.0, 3.0]])
        g.case("all_ties_f64", [("x", ties if name == "max" else -ties)], dim=None)
        g.case("all_f32", [("x", g.randn(3, 4, dtype=F32, decimals=None))], dim=None)
        g.case("dim1_f64", [("x", g.randn(3, 4, decimals=None))], dim=1, keepdim=0)
        g.case("dim0_keepdim_f64", [("x", g.randn(3, 4, decimals=None))], dim=0, keepdim=1)
        g.case("dim_neg1_3d_f32", [("x", g.randn(2, 3, 4, dtype=F32, decimals=None))],
               dim=-1, keepdim=0)
        g.case("noncontig_f64", [("x", g.randn(4, 3, decimals=None))], dim=1, keepdim=0,
               **{"view.x": "T"})
    return build


def extreme_fn(torch_fn):
    def fn(a, p):
        if p["dim"] is None:
            return torch_fn(a["x"])
        values, indices = torch_fn(a["x"], p["dim"], keepdim=bool(p["keepdim"]))
        return {"values": values, "indices": indices}
    return fn


OPS.append(("max", extreme_cases("max")))
OPS.append(("min", extreme_cases("min")))


@op("norm")
def build_norm(g):
    for p in (1.0, 2.0, 3.0):
        g.case(f"p{p:g}_all_f64", [("x", g.away_from_zero(3, 4))], p=p, dims=None)
    g.case("p2_dim1_f64", [("x", g.away_from_zero(3, 4))], p=2.0, dims=[1], keepdim=0)
    g.case("p1_dim0_keepdim_f64", [("x", g.away_from_zero(3, 4))], p=1.0, dims=[0], keepdim=1)
    g.case("p3_dim_neg1_f32", [("x", g.away_from_zero(2, 3, 4, dtype=F32))], p=3.0, dims=[-1],
           keepdim=0)
    g.case("p2_dims12_f64", [("x", g.away_from_zero(2, 3, 4))], p=2.0, dims=[1, 2], keepdim=0)


def norm_fn(a, p):
    if p["dims"] is None:
        return torch.norm(a["x"], p["p"])
    return torch.norm(a["x"], p["p"], dim=p["dims"], keepdim=bool(p["keepdim"]))


@op("argmax")
def build_argmax(g):
    g.case("all_f64", [("x", g.randn(3, 4, decimals=None))], dim=None)
    g.case("dim1_f64", [("x", g.randn(3, 4, decimals=None))], dim=1, keepdim=0)
    g.case("dim0_keepdim_f32", [("x", g.randn(3, 4, dtype=F32, decimals=None))], dim=0,
           keepdim=1)
    g.case("dim_neg1_3d_f64", [("x", g.randn(2, 3, 4, decimals=None))], dim=-1, keepdim=0)


def argmax_fn(a, p):
    x = a["x"].detach()
    if p["dim"] is None:
        return torch.argmax(x)
    return torch.argmax(x, p["dim"], keepdim=bool(p["keepdim"]))


@op("topk")
def build_topk(g):
    g.case("k2_last_largest_f64", [("x", g.randn(3, 5, decimals=None))], k=2, dim=-1, largest=1)
    g.case("k3_dim0_smallest_f64", [("x", g.randn(4, 3, decimals=None))], k=3, dim=0, largest=0)
    g.case("k1_dim1_3d_f32", [("x", g.randn(2, 4, 3, dtype=F32, decimals=None))], k=1, dim=1,
           largest=1)
    g.case("k4_all_f64", [("x", g.randn(4, decimals=None))], k=4, dim=0, largest=1)


def topk_fn(a, p):
    values, indices = torch.topk(a["x"], p["k"], p["dim"], largest=bool(p["largest"]))
    return {"values": values, "indices": indices}


# ---- softmax ----

def softmax_cases(name):
    def build(g):
        g.case("dim1_f64", [("x", g.randn(3, 4))], dim=1)
        g.case("dim0_f64", [("x", g.randn(3, 4))], dim=0)
        g.case("dim_neg1_3d_f32", [("x", g.randn(2, 3, 4, dtype=F32))], dim=-1)
        g.case("dim1_3d_f64", [("x", g.randn(2, 3, 4))], dim=1)
        g.case("large_f64", [("x", g.randn(2, 4, scale=1000.0))], dim=1)
        g.case("large_f32", [("x", g.randn(2, 4, dtype=F32, scale=100.0))], dim=1)
        g.case("noncontig_f64", [("x", g.randn(4, 3))], dim=1, **{"view.x": "T"})
    return build


OPS.append(("softmax", softmax_cases("softmax")))
OPS.append(("log_softmax", softmax_cases("log_softmax")))


# ---- matrix products ----

@op("mm")
def build_mm(g):
    g.case("f64", [("x", g.randn(3, 4)), ("y", g.randn(4, 2))])
    g.case("f32", [("x", g.randn(2, 5, dtype=F32)), ("y", g.randn(5, 3, dtype=F32))])
    g.case("noncontig_f64", [("x", g.randn(4, 3)), ("y", g.randn(2, 4))],
           **{"view.x": "T", "view.y": "T"})


@op("bmm")
def build_bmm(g):
    g.case("f64", [("x", g.randn(2, 3, 4)), ("y", g.randn(2, 4, 2))])
    g.case("f32", [("x", g.randn(3, 2, 5, dtype=F32)), ("y", g.randn(3, 5, 1, dtype=F32))])
    g.case("noncontig_f64", [("x", g.randn(2, 3, 4)), ("y", g.randn(2, 2, 4))],
           **{"view.y": "T"})


@op("matmul")
def build_matmul(g):
    shapes = [("dot_1d_1d", (4,), (4,)), ("mv_2d_1d", (3, 4), (4,)), ("vm_1d_2d", (4,), (4, 2)),
              ("mm_2d_2d", (3, 4), (4, 2)), ("batched_3d_2d", (2, 3, 4), (4, 2)),
              ("batched_2d_3d", (3, 4), (2, 4, 2)), ("batched_1d_3d", (4,), (2, 4, 3)),
              ("batched_3d_1d", (2, 3, 4), (4,)), ("broadcast_4d_3d", (2, 1, 3, 4), (3, 4, 2))]
    for name, xs, ys in shapes:
        g.case(name + "_f64", [("x", g.randn(*xs)), ("y", g.randn(*ys))])
    g.case("broadcast_f32", [("x", g.randn(2, 1, 2, 3, dtype=F32)),
                             ("y", g.randn(1, 2, 3, 2, dtype=F32))])


# ---- indexing and joining ----

@op("index_select")
def build_index_select(g):
    g.case("dim0_repeats_f64", [("x", g.randn(5, 3)), ("index", np.array([4, 0, 4, 2]))], dim=0)
    g.case("dim1_f64", [("x", g.randn(3, 5)), ("index", np.array([0, 2, 2, 4, 1]))], dim=1)
    g.case("dim1_3d_f32", [("x", g.randn(2, 4, 3, dtype=F32)), ("index", g.ints(0, 4, 5))],
           dim=1)
    g.case("noncontig_f64", [("x", g.randn(3, 5)), ("index", np.array([1, 1, 0]))], dim=1,
           **{"view.x": "T"})


@op("gather")
def build_gather(g):
    g.case("dim1_f64", [("x", g.randn(3, 4)), ("index", g.ints(0, 4, 3, 2))], dim=1)
    g.case("dim0_f64", [("x", g.randn(3, 4)), ("index", g.ints(0, 3, 2, 4))], dim=0)
    g.case("dim2_3d_f32", [("x", g.randn(2, 3, 4, dtype=F32)), ("index", g.ints(0, 4, 2, 2, 5))],
           dim=2)


@op("scatter_add")
def build_scatter_add(g):
    g.case("dim0_f64", [("x", g.randn(3, 5)), ("index", g.ints(0, 3, 2, 5)),
                        ("src", g.randn(2, 5))], dim=0)
    g.case("dim1_f64", [("x", g.randn(3, 5)), ("index", g.ints(0, 5, 3, 4)),
                        ("src", g.randn(3, 4))], dim=1)
    g.case("dim1_3d_f32", [("x", g.randn(2, 3, 2, dtype=F32)), ("index", g.ints(0, 3, 2, 4, 2)),
                           ("src", g.randn(2, 4, 2, dtype=F32))], dim=1)


@op("index_add")
def build_index_add(g):
    g.case("dim0_repeats_f64", [("x", g.randn(5, 3)), ("index", np.array([4, 0, 4, 2])),
                                ("src", g.randn(4, 3))], dim=0, alpha=1.0)
    g.case("dim0_alpha_f64", [("x", g.randn(5, 3)), ("index", np.array([1, 3, 1])),
                              ("src", g.randn(3, 3))], dim=0, alpha=2.5)
    g.case("dim1_f32", [("x", g.randn(3, 5, dtype=F32)), ("index", np.array([4, 1, 4])),
                        ("src", g.randn(3, 3, dtype=F32))], dim=1, alpha=-0.5)


def join_inputs(g, shapes, dtype=F64):
    return [(f"t{i}", g.randn(*s, dtype=dtype)) for i, s in enumerate(shapes)]


@op("cat")
def build_cat(g):
    g.case("dim0_three_f64", join_inputs(g, [(2, 3), (1, 3), (3, 3)]), dim=0)
    g.case("dim1_f64", join_inputs(g, [(2, 1), (2, 4)]), dim=1)
    g.case("dim_neg1_3d_f32", join_inputs(g, [(2, 2, 1), (2, 2, 3)], F32), dim=-1)
    g.case("noncontig_f64", join_inputs(g, [(3, 2), (4, 3)]), dim=0, **{"view.t0": "T"})


@op("stack")
def build_stack(g):
    g.case("dim0_three_f64", join_inputs(g, [(2, 3)] * 3), dim=0)
    g.case("dim1_f64", join_inputs(g, [(2, 3)] * 2), dim=1)
    g.case("dim_neg1_f32", join_inputs(g, [(3, 2)] * 2, F32), dim=-1)
    g.case("noncontig_f64", join_inputs(g, [(3, 2), (2, 3)]), dim=0, **{"view.t0": "T"})


def join_fn(torch_fn):
    def fn(a, p):
        return torch_fn([a[k] for k in sorted(a)], p["dim"])
    return fn


@op("one_hot")
def build_one_hot(g):
    g.case("inferred_classes", [("index", np.array([3, 0, 1, 3, 2]))], num_classes=-1)
    g.case("given_classes_2d", [("index", g.ints(0, 6, 2, 3))], num_classes=6)


def one_hot_fn(a, p):
    return torch.nn.functional.one_hot(a["index"], p["num_classes"])


# ---- comparisons ----

COMPARE_FNS = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt,
               "ge": torch.ge}


def compare_cases(g):
    x = g.ints(-2, 3, 3, 4).astype(F64)  # small integers, so equal elements occur
    g.case("same_f64", [("x", x), ("y", g.ints(-2, 3, 3, 4).astype(F64))])
    g.case("broadcast_f32", [("x", g.ints(-2, 3, 2, 3, 1).astype(F32)),
                             ("y", g.ints(-2, 3, 4).astype(F32))])
    g.case("scalar_f64", [("x", g.ints(-2, 3, 2, 5).astype(F64))], scalar=1.0)


def compare_fn(torch_fn):
    def fn(a, p):
        x = a["x"].detach()
        return torch_fn(x, p["scalar"]) if "scalar" in p else torch_fn(x, a["y"].detach())
    return fn


for _name in COMPARE_FNS:
    OPS.append((_name, compare_cases))


# ---- views ----

@op("views")
def build_views(g):
    x234 = lambda dtype=F64: g.randn(2, 3, 4, dtype=dtype)  # noqa: E731
    g.case("transpose_contiguous", [("x", x234())], op="transpose_contiguous", dim0=0, dim1=2)
    g.case("transpose_f32", [("x", g.randn(3, 4, dtype=F32))], op="transpose", dim0=0, dim1=1)
    g.case("permute", [("x", x234())], op="permute", dims=[2, 0, 1])
    g.case("expand", [("x", g.randn(3, 1))], op="expand", sizes=[3, 4])
    g.case("expand_new_dims", [("x", g.randn(1, 3, 1))], op="expand", sizes=[2, 2, 3, 4])
    g.case("expand_minus_one", [("x", g.randn(3, 1))], op="expand", sizes=[-1, 4])
    g.case("narrow_dim1", [("x", g.randn(4, 5))], op="narrow", dim=1, start=1, length=3)
    g.case("narrow_dim0", [("x", g.randn(4, 5))], op="narrow", dim=0, start=2, length=2)
    g.case("select_dim0", [("x", g.randn(3, 4))], op="select", dim=0, index=1)
    g.case("select_dim1_negative", [("x", x234())], op="select", dim=1, index=-1)
    g.case("reshape", [("x", g.randn(2, 6))], op="reshape", sizes=[3, 4])
    g.case("reshape_minus_one", [("x", g.randn(3, 4))], op="reshape", sizes=[-1, 2])
    g.case("reshape_noncontig", [("x", g.randn(4, 3))], op="reshape", sizes=[12],
           **{"view.x": "T"})
    g.case("view", [("x", g.randn(2, 6))], op="view", sizes=[4, 3])
    g.case("flatten", [("x", x234())], op="flatten", start_dim=1, end_dim=-1)
    g.case("unsqueeze", [("x", g.randn(3, 4))], op="unsqueeze", dim=1)
    g.case("unsqueeze_negative", [("x", g.randn(3, 4))], op="unsqueeze", dim=-1)
    g.case("squeeze_all", [("x", g.randn(1, 3, 1, 2))], op="squeeze", dim=None)
    g.case("squeeze_dim", [("x", g.randn(3, 1, 2))], op="squeeze", dim=1)
    g.case("slice_step", [("x", g.randn(3, 7))], op="slice", dim=1, start=1, end=6, step=2)
    g.case("contiguous_noncontig", [("x", g.randn(4, 3))], op="contiguous", **{"view.x": "T"})


def views_fn(a, p):
    x, kind = a["x"], p["op"]
    if kind == "transpose_contiguous":
        return x.transpose(p["dim0"], p["dim1"]).contiguous()
    if kind == "transpose":
        return x.transpose(p["dim0"], p["dim1"])
    if kind == "permute":
        return x.permute(*p["dims"])
    if kind == "expand":
        return x.expand(*p["sizes"])
    if kind == "narrow":
        return x.narrow(p["dim"], p["start"], p["length"])
    if kind == "select":
        return x.select(p["dim"], p["index"])
    if kind == "reshape":
        return x.reshape(p["sizes"])
    if kind == "view":
        return x.view(p["sizes"])
    if kind == "flatten":
        return x.flatten(p["start_dim"], p["end_dim"])
    if kind == "unsqueeze":
        return x.unsqueeze(p["dim"])
    if kind == "squeeze":
        return x.squeeze() if p["dim"] is None else x.squeeze(p["dim"])
    if kind == "slice":
        index = [slice(None)] * x.dim()
        index[p["dim"]] = slice(p["start"], p["end"], p["step"])
        return x[tuple(index)]
    if kind == "contiguous":
        return x.contiguous()
    raise ValueError(kind)


FNS = {n: binary_fn(f) for n, f in BINARY_FNS.items()}
FNS.update({n: unary_fn(f) for n, f in UNARY_FNS.items()})
FNS.update({n: compare_fn(f) for n, f in COMPARE_FNS.items()})
FNS.update({
    "pow": pow_fn, "clamp": clamp_fn, "where": where_fn, "masked_fill": masked_fill_fn,
    "sum": reduce_fn(torch.sum), "mean": reduce_fn(torch.mean), "max": extreme_fn(torch.max),
    "min": extreme_fn(torch.min), "norm": norm_fn, "argmax": argmax_fn, "topk": topk_fn,
    "softmax": lambda a, p: torch.softmax(a["x"], p["dim"]),
    "log_softmax": lambda a, p: torch.log_softmax(a["x"], p["dim"]),
    "mm": lambda a, p: torch.mm(a["x"], a["y"]), "bmm": lambda a, p: torch.bmm(a["x"], a["y"]),
    "matmul": lambda a, p: torch.matmul(a["x"], a["y"]),
    "index_select": lambda a, p: torch.index_select(a["x"], p["dim"], a["index"]),
    "gather": lambda a, p: torch.gather(a["x"], p["dim"], a["index"]),
    "scatter_add": lambda a, p: torch.scatter_add(a["x"], p["dim"], a["index"], a["src"]),
    "index_add": lambda a, p: torch.index_add(a["x"], p["dim"], a["index"], a["src"],
                                              alpha=p["alpha"]),
    "cat": join_fn(torch.cat), "stack": join_fn(torch.stack), "one_hot": one_hot_fn,
    "views": views_fn,
})


def main():
    total = 0
    for name, build in OPS:
        g = Op(name, FNS[name])
        build(g)
        g.write()
        total += os.path.getsize(os.path.join(HERE, name + ".txt"))
    print(f"wrote {len(OPS)} golden files, {total} bytes, into {HERE}")


if __name__ == "__main__":
    main()
