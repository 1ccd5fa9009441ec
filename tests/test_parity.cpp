// Parity with PyTorch: runs each op of nn/functional.h on the inputs that
// tests/golden/make_golden.py saved with PyTorch's results, and compares the outputs and the
// gradients of loss = sum over outputs of (out * w).sum(). The file format is described at
// the top of make_golden.py; one file per op, <op>.txt, of cases.
#include "golden.h"

namespace ember {
namespace {

using namespace ::ember::golden;  // NOLINT: the test file is all golden checks

// ---- the ops ----

TEST(Parity, Arithmetic) {
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  using WithScalar = Tensor (*)(const Tensor&, double);
  struct Op {
    const char* name;
    Binary tensors;
    WithScalar scalar;
    std::function<Tensor(double, const Tensor&)> scalar_first;
  };
  std::vector<Op> ops = {
      {"add", add, add, nullptr},
      {"sub", sub, sub, [](double s, const Tensor& x) { return s - x; }},
      {"mul", mul, mul, nullptr},
      {"div", div, div, [](double s, const Tensor& x) { return s / x; }},
  };
  for (const Op& op : ops) {
    check_op(op.name, [&op](const GoldenCase& c, const Args& a) {
      if (!c.has("scalar")) return out(op.tensors(arg(a, "x"), arg(a, "y")));
      if (c.has("scalar_first")) return out(op.scalar_first(c.real("scalar"), arg(a, "x")));
      return out(op.scalar(arg(a, "x"), c.real("scalar")));
    });
  }
  check_op("neg", [](const GoldenCase&, const Args& a) { return out(neg(arg(a, "x"))); });
  check_op("pow", [](const GoldenCase& c, const Args& a) {
    if (c.has("exponent")) return out(pow(arg(a, "x"), c.real("exponent")));
    return out(pow(arg(a, "x"), arg(a, "y")));
  });
}

TEST(Parity, UnaryMath) {
  std::vector<std::pair<const char*, Tensor (*)(const Tensor&)>> ops = {
      {"exp", exp},         {"log", log},   {"sqrt", sqrt}, {"abs", abs},
      {"sigmoid", sigmoid}, {"tanh", tanh}, {"relu", relu}, {"logsigmoid", logsigmoid},
  };
  for (const auto& [name, fn] : ops)
    check_op(name, [fn = fn](const GoldenCase&, const Args& a) { return out(fn(arg(a, "x"))); });
}

TEST(Parity, ClampWhereMaskedFill) {
  check_op("clamp", [](const GoldenCase& c, const Args& a) {
    return out(clamp(arg(a, "x"), c.optional_real("min"), c.optional_real("max")));
  });
  check_op("where", [](const GoldenCase&, const Args& a) {
    return out(where(arg(a, "condition"), arg(a, "x"), arg(a, "y")));
  });
  check_op("masked_fill", [](const GoldenCase& c, const Args& a) {
    return out(masked_fill(arg(a, "x"), arg(a, "mask"), c.real("value")));
  });
}

TEST(Parity, Comparisons) {
  using Binary = Tensor (*)(const Tensor&, const Tensor&);
  using WithScalar = Tensor (*)(const Tensor&, double);
  std::vector<std::tuple<const char*, Binary, WithScalar>> ops = {
      {"eq", eq, eq}, {"ne", ne, ne}, {"lt", lt, lt},
      {"le", le, le}, {"gt", gt, gt}, {"ge", ge, ge},
  };
  for (const auto& [name, tensors, scalar] : ops) {
    check_op(name, [tensors = tensors, scalar = scalar](const GoldenCase& c, const Args& a) {
      if (c.has("scalar")) return out(scalar(arg(a, "x"), c.real("scalar")));
      return out(tensors(arg(a, "x"), arg(a, "y")));
    });
  }
}

TEST(Parity, SumMean) {
  check_op("sum", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dims")) return out(sum(arg(a, "x")));
    return out(sum(arg(a, "x"), c.ints("dims"), c.integer("keepdim") != 0));
  });
  check_op("mean", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dims")) return out(mean(arg(a, "x")));
    return out(mean(arg(a, "x"), c.ints("dims"), c.integer("keepdim") != 0));
  });
}

TEST(Parity, MaxMin) {
  check_op("max", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dim")) return out(max(arg(a, "x")));
    return values_indices(max(arg(a, "x"), c.integer("dim"), c.integer("keepdim") != 0));
  });
  check_op("min", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dim")) return out(min(arg(a, "x")));
    return values_indices(min(arg(a, "x"), c.integer("dim"), c.integer("keepdim") != 0));
  });
}

TEST(Parity, NormArgmaxTopk) {
  check_op("norm", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dims")) return out(norm(arg(a, "x"), c.real("p")));
    return out(norm(arg(a, "x"), c.real("p"), c.ints("dims"), c.integer("keepdim") != 0));
  });
  check_op("argmax", [](const GoldenCase& c, const Args& a) {
    if (c.is_none("dim")) return out(argmax(arg(a, "x")));
    return out(argmax(arg(a, "x"), c.integer("dim"), c.integer("keepdim") != 0));
  });
  check_op("topk", [](const GoldenCase& c, const Args& a) {
    return values_indices(
        topk(arg(a, "x"), c.integer("k"), c.integer("dim"), c.integer("largest") != 0, true));
  });
}

TEST(Parity, Softmax) {
  check_op("softmax", [](const GoldenCase& c, const Args& a) {
    return out(softmax(arg(a, "x"), c.integer("dim")));
  });
  check_op("log_softmax", [](const GoldenCase& c, const Args& a) {
    return out(log_softmax(arg(a, "x"), c.integer("dim")));
  });
}

TEST(Parity, MatrixProducts) {
  check_op("mm",
           [](const GoldenCase&, const Args& a) { return out(mm(arg(a, "x"), arg(a, "y"))); });
  check_op("bmm",
           [](const GoldenCase&, const Args& a) { return out(bmm(arg(a, "x"), arg(a, "y"))); });
  check_op("matmul",
           [](const GoldenCase&, const Args& a) { return out(matmul(arg(a, "x"), arg(a, "y"))); });
}

TEST(Parity, Indexing) {
  check_op("index_select", [](const GoldenCase& c, const Args& a) {
    return out(index_select(arg(a, "x"), c.integer("dim"), arg(a, "index")));
  });
  check_op("gather", [](const GoldenCase& c, const Args& a) {
    return out(gather(arg(a, "x"), c.integer("dim"), arg(a, "index")));
  });
  check_op("scatter_add", [](const GoldenCase& c, const Args& a) {
    return out(scatter_add(arg(a, "x"), c.integer("dim"), arg(a, "index"), arg(a, "src")));
  });
  check_op("index_add", [](const GoldenCase& c, const Args& a) {
    return out(
        index_add(arg(a, "x"), c.integer("dim"), arg(a, "index"), arg(a, "src"), c.real("alpha")));
  });
  check_op("one_hot", [](const GoldenCase& c, const Args& a) {
    return out(one_hot(arg(a, "index"), c.integer("num_classes")));
  });
}

// The inputs t0, t1, ... in order.
std::vector<Tensor> numbered(const Args& a) {
  std::vector<Tensor> tensors;
  for (size_t i = 0; a.count("t" + std::to_string(i)); ++i)
    tensors.push_back(a.at("t" + std::to_string(i)));
  return tensors;
}

TEST(Parity, Join) {
  check_op("cat", [](const GoldenCase& c, const Args& a) {
    return out(cat(numbered(a), c.integer("dim")));
  });
  check_op("stack", [](const GoldenCase& c, const Args& a) {
    return out(stack(numbered(a), c.integer("dim")));
  });
}

TEST(Parity, Views) {
  check_op("views", [](const GoldenCase& c, const Args& a) {
    const Tensor& x = arg(a, "x");
    const std::string& op = c.text("op");
    if (op == "transpose_contiguous")
      return out(transpose(x, c.integer("dim0"), c.integer("dim1")).contiguous());
    if (op == "transpose") return out(transpose(x, c.integer("dim0"), c.integer("dim1")));
    if (op == "permute") return out(permute(x, c.ints("dims")));
    if (op == "expand") return out(expand(x, c.ints("sizes")));
    if (op == "narrow")
      return out(narrow(x, c.integer("dim"), c.integer("start"), c.integer("length")));
    if (op == "select") return out(select(x, c.integer("dim"), c.integer("index")));
    if (op == "reshape") return out(reshape(x, c.ints("sizes")));
    if (op == "view") return out(view(x, c.ints("sizes")));
    if (op == "flatten") return out(flatten(x, c.integer("start_dim"), c.integer("end_dim")));
    if (op == "unsqueeze") return out(unsqueeze(x, c.integer("dim")));
    if (op == "squeeze") return out(c.is_none("dim") ? squeeze(x) : squeeze(x, c.integer("dim")));
    if (op == "slice")
      return out(
          slice(x, c.integer("dim"), c.integer("start"), c.integer("end"), c.integer("step")));
    if (op == "contiguous") return out(contiguous(x));
    EMBER_FAIL("views: unknown op ", op);
  });
}

}  // namespace
}  // namespace ember
