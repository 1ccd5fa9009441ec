#!/usr/bin/python3
"""Writes the golden files that tests/test_parity_optim.cpp checks ember's optimizers and
learning-rate schedules against: optim_<name>.txt.

Run with Debian's python (it has torch and numpy):
    /usr/bin/python3 tests/golden/make_golden_optim.py

The record format is make_golden.py's. An optimizer case runs a few steps of a torch
optimizer on small parameters with fixed gradients per step:

    param optimizer sgd | adam | adamw | sparse_adam | adagrad
    param steps T
    param group_of 0,1        the group of each parameter p0, p1, ...
    param KEY VALUE           an option of every group (torch's names; betas as beta1, beta2)
    param group1.KEY VALUE    an option of group 1 only
    input p<i> ...            parameter i before the first step
    input grad<i>.<t> ...     its dense gradient at step t, or
    input ids<i>.<t> int64 N  the ids and the
    input rows<i>.<t> ... N,D gradient rows of an embedding lookup (ids may repeat) at step t
    output p<i>.<t> ...       parameter i after step t

A parameter with neither at a step has no gradient then (the optimizer skips it). A
schedule case (optim_schedules.txt) gives `param schedule`, the groups' lrs `param lr.<g>`,
the schedule's options, and `output lr.<g>`: each group's lr after the schedule's
construction and after each of `steps` steps. Running this twice gives identical files.
"""
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import HERE, fmt_param, fmt_record  # noqa: E402

torch.set_num_threads(1)

OPTIMIZERS = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "sparse_adam": torch.optim.SparseAdam, "adagrad": torch.optim.Adagrad,
}


def torch_options(options):
    """ember's option names (beta1, beta2) to torch's keyword arguments (betas)."""
    out = dict(options)
    if "beta1" in out or "beta2" in out:
        out["betas"] = (out.pop("beta1", 0.9), out.pop("beta2", 0.999))
    return out


class File:
    def __init__(self, name):
        self.name, self.text = name, []
        self.rng = np.random.RandomState(zlib.crc32(name.encode()))

    def randn(self, *shape, dtype):
        return torch.from_numpy(np.round(self.rng.standard_normal(shape), 3).astype(dtype))

    def optimizer_case(self, name, optimizer, shapes, steps, options, group1=None,
                       group_of=None, sparse=(), skip=(), dtype=np.float64):
        """shapes: one per parameter; sparse: the parameters whose gradients come from an
        embedding lookup; skip: (param, step) pairs without a gradient."""
        group_of = group_of or [0] * len(shapes)
        params = [self.randn(*s, dtype=dtype).requires_grad_(True) for s in shapes]
        text = [f"case {name}\n", f"param optimizer {optimizer}\n", f"param steps {steps}\n",
                f"param group_of {fmt_param(group_of)}\n"]
        text += [f"param {k} {fmt_param(v)}\n" for k, v in options.items()]
        text += [f"param group1.{k} {fmt_param(v)}\n" for k, v in (group1 or {}).items()]
        text += [fmt_record("input", f"p{i}", p) for i, p in enumerate(params)]

        groups = [{"params": [p for p, g in zip(params, group_of) if g == 0]}]
        if 1 in group_of:
            groups.append({"params": [p for p, g in zip(params, group_of) if g == 1]})
            groups[1].update(torch_options(group1 or {}))
        opt = OPTIMIZERS[optimizer](groups, **torch_options(options))

        outputs = []
        for t in range(steps):
            for i, p in enumerate(params):
                p.grad = None
                if (i, t) in skip:
                    continue
                if i in sparse:
                    n = 2 + self.rng.randint(0, p.shape[0] + 2)
                    ids = torch.from_numpy(self.rng.randint(0, p.shape[0], n).astype(np.int64))
                    rows = self.randn(n, *p.shape[1:], dtype=dtype)
                    F.embedding(ids, p, sparse=True).backward(rows)
                    text += [fmt_record("input", f"ids{i}.{t}", ids),
                             fmt_record("input", f"rows{i}.{t}", rows)]
                else:
                    grad = self.randn(*p.shape, dtype=dtype)
                    p.grad = grad.clone()
                    text.append(fmt_record("input", f"grad{i}.{t}", grad))
            opt.step()
            outputs += [fmt_record("output", f"p{i}.{t}", p) for i, p in enumerate(params)]
        self.text.append("".join(text + outputs))

    def schedule_case(self, name, schedule, lrs, steps, make):
        params = [torch.zeros(1, requires_grad=True) for _ in lrs]
        opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=1.0)
        sched = make(opt)
        history = [sched.get_last_lr()]
        for _ in range(steps):
            opt.step()
            sched.step()
            history.append(sched.get_last_lr())
        text = [f"case {name}\n", f"param schedule {schedule}\n", f"param steps {steps}\n"]
        text += [f"param lr.{g} {fmt_param(lr)}\n" for g, lr in enumerate(lrs)]
        text += [f"param {k} {fmt_param(v)}\n" for k, v in sched.options.items()]
        text += [fmt_record("output", f"lr.{g}", torch.tensor([h[g] for h in history],
                                                              dtype=torch.float64))
                 for g in range(len(lrs))]
        self.text.append("".join(text))

    def write(self):
        header = (f"# ember golden file for {self.name}: written by make_golden_optim.py with "
                  f"torch {torch.__version__.split('+')[0]}; do not edit\n")
        with open(os.path.join(HERE, self.name + ".txt"), "w") as f:
            f.write(header + "".join(self.text))


def sgd(f):
    f.optimizer_case("plain", "sgd", [(3, 4), (5,)], 5, {"lr": 0.1})
    f.optimizer_case("momentum_dampening_groups", "sgd", [(3, 4), (2, 3)], 5,
                     {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}, group1={"lr": 0.2},
                     group_of=[0, 1])
    f.optimizer_case("nesterov_weight_decay", "sgd", [(4, 3), (6,)], 5,
                     {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
                     group1={"weight_decay": 0.1}, group_of=[0, 1], skip={(1, 2)})
    f.optimizer_case("maximize", "sgd", [(3, 3)], 4,
                     {"lr": 0.1, "momentum": 0.5, "maximize": True})
    f.optimizer_case("sparse_embedding", "sgd", [(8, 3), (2, 3)], 5, {"lr": 0.1}, sparse={0})
    f.optimizer_case("float32_momentum", "sgd", [(3, 4)], 4, {"lr": 0.1, "momentum": 0.9},
                     dtype=np.float32)


def adam(f):
    f.optimizer_case("default_groups", "adam", [(3, 4), (5,)], 5, {"lr": 0.01},
                     group1={"lr": 0.001}, group_of=[0, 1])
    f.optimizer_case("weight_decay_betas", "adam", [(4, 3)], 5,
                     {"lr": 0.01, "weight_decay": 0.1, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6})
    f.optimizer_case("amsgrad", "adam", [(3, 4), (4,)], 6,
                     {"lr": 0.02, "amsgrad": True, "weight_decay": 0.05}, skip={(1, 3)})
    f.optimizer_case("maximize", "adam", [(2, 5)], 4, {"lr": 0.01, "maximize": True})
    f.optimizer_case("float32", "adam", [(3, 4)], 5, {"lr": 0.01}, dtype=np.float32)


def adamw(f):
    f.optimizer_case("default", "adamw", [(3, 4), (5,)], 5, {"lr": 0.01})
    f.optimizer_case("amsgrad_groups", "adamw", [(3, 4), (2, 2)], 6,
                     {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1},
                     group1={"weight_decay": 0.0, "lr": 0.05}, group_of=[0, 1])


def sparse_adam(f):
    f.optimizer_case("embedding", "sparse_adam", [(8, 3)], 10, {"lr": 0.01}, sparse={0})
    f.optimizer_case("two_tables_betas", "sparse_adam", [(6, 2), (10, 4)], 8,
                     {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6}, sparse={0, 1},
                     skip={(0, 1), (0, 2), (1, 5)})
    f.optimizer_case("float32", "sparse_adam", [(7, 3)], 6, {"lr": 0.01}, sparse={0},
                     dtype=np.float32)


def adagrad(f):
    f.optimizer_case("dense", "adagrad", [(3, 4), (5,)], 5,
                     {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05,
                      "initial_accumulator_value": 0.1})
    f.optimizer_case("groups", "adagrad", [(3, 4), (5,)], 5, {"lr": 0.1},
                     group1={"lr": 0.5, "eps": 1e-6}, group_of=[0, 1])
    f.optimizer_case("sparse_embedding", "adagrad", [(8, 3)], 6,
                     {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}, sparse={0})


class Scheduled:
    """Wraps a torch schedule with the options the golden file records."""

    def __init__(self, schedule, **options):
        self.schedule, self.options = schedule, options

    def __call__(self, opt):
        kwargs = dict(self.options)
        if "decay" in kwargs:
            decay = kwargs.pop("decay")
            kwargs["lr_lambda"] = lambda epoch: decay ** epoch
        sched = self.schedule(opt, **kwargs)
        sched.options = self.options
        return sched


def schedules(f):
    f.schedule_case("step", "step_lr", [0.1, 0.01], 12,
                    Scheduled(torch.optim.lr_scheduler.StepLR, step_size=3, gamma=0.5))
    f.schedule_case("linear_default", "linear_lr", [0.1, 0.003], 8,
                    Scheduled(torch.optim.lr_scheduler.LinearLR))
    f.schedule_case("linear_word2vec", "linear_lr", [0.025], 12,
                    Scheduled(torch.optim.lr_scheduler.LinearLR, start_factor=1.0,
                              end_factor=1e-4, total_iters=10))
    f.schedule_case("lambda", "lambda_lr", [0.1, 0.02], 10,
                    Scheduled(torch.optim.lr_scheduler.LambdaLR, decay=0.95))


def main():
    total = 0
    for name, build in [("optim_sgd", sgd), ("optim_adam", adam), ("optim_adamw", adamw),
                        ("optim_sparse_adam", sparse_adam), ("optim_adagrad", adagrad),
                        ("optim_schedules", schedules)]:
        f = File(name)
        build(f)
        f.write()
        total += os.path.getsize(os.path.join(HERE, name + ".txt"))
    print(f"wrote 6 golden files, {total} bytes, into {HERE}")


if __name__ == "__main__":
    main()
