// Parity with PyTorch: runs each op of nn/functional.h on the inputs that
// tests/golden/make_golden.py saved with PyTorch's results, and compares the outputs and the
// gradients of loss = sum over outputs of (out * w).sum(). The file format is described at
// the top of make_golden.py; one file per op, <op>.txt, of cases.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "testing.h"

namespace ember {
namespace {

// ---- the golden file reader ----

struct Record {
  std::string name;
  Tensor value;
};

struct GoldenCase {
  std::string op;
  std::string name;
  std::map<std::string, std::string> params;
  std::vector<Record> inputs, outputs, weights, grads;

  std::string where() const { return op + " case " + name; }
  bool has(const std::string& key) const { return params.count(key) > 0; }
  const std::string& text(const std::string& key) const {
    auto it = params.find(key);
    EMBER_CHECK(it != params.end(), where(), ": no param ", key);
    return it->second;
  }
  bool is_none(const std::string& key) const { return !has(key) || text(key) == "none"; }
  int64_t integer(const std::string& key) const { return std::stoll(text(key)); }
  double real(const std::string& key) const { return std::strtod(text(key).c_str(), nullptr); }
  std::optional<double> optional_real(const std::string& key) const {
    if (is_none(key)) return std::nullopt;
    return real(key);
  }
  Shape ints(const std::string& key) const {
    Shape values;
    std::stringstream list(text(key));
    for (std::string item; std::getline(list, item, ',');) values.push_back(std::stoll(item));
    return values;
  }
  const Record* grad(const std::string& input) const {
    for (const Record& g : grads)
      if (g.name == input) return &g;
    return nullptr;
  }
};

Shape parse_sizes(const std::string& text) {
  Shape sizes;
  if (text == "scalar") return sizes;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoll(item));
  return sizes;
}

template <typename T>
Tensor make_tensor(const std::vector<T>& values, const Shape& sizes, DType dtype) {
  if (sizes.empty()) return scalar_tensor(double(values.at(0)), dtype);
  return tensor(values, sizes, dtype);
}

// One line of values in row-major order; float32 values are read as floats (not through a
// double) so the shortest decimal written by numpy reads back to the same float.
Tensor parse_values(const std::string& line, const std::string& dtype, const Shape& sizes) {
  std::istringstream tokens(line);
  std::vector<std::string> words;
  for (std::string word; tokens >> word;) words.push_back(word);
  EMBER_CHECK(int64_t(words.size()) == shape_numel(sizes), "golden: ", words.size(),
              " values for sizes ", shape_str(sizes));
  if (dtype == "float64") {
    std::vector<double> v;
    for (const auto& w : words) v.push_back(std::strtod(w.c_str(), nullptr));
    return make_tensor(v, sizes, kFloat64);
  }
  if (dtype == "float32") {
    std::vector<float> v;
    for (const auto& w : words) v.push_back(std::strtof(w.c_str(), nullptr));
    return make_tensor(v, sizes, kFloat32);
  }
  if (dtype == "int64") {
    std::vector<int64_t> v;
    for (const auto& w : words) v.push_back(std::strtoll(w.c_str(), nullptr, 10));
    return make_tensor(v, sizes, kInt64);
  }
  EMBER_CHECK(dtype == "bool", "golden: unknown dtype ", dtype);
  std::vector<bool> v;
  for (const auto& w : words) v.push_back(w == "1");
  if (sizes.empty()) return scalar_tensor(v.at(0) ? 1.0 : 0.0, kBool);
  return tensor(v, sizes, kBool);
}

// Reads EMBER_GOLDEN_DIR/<op>.txt; a missing or malformed file is a test failure.
std::vector<GoldenCase> read_golden(const std::string& op) {
  std::string path = std::string(EMBER_GOLDEN_DIR) + "/" + op + ".txt";
  std::ifstream file(path);
  std::vector<GoldenCase> cases;
  if (!file) {
    ADD_FAILURE() << "missing golden file " << path
                  << " (run /usr/bin/python3 tests/golden/make_golden.py)";
    return cases;
  }
  std::string line;
  int line_number = 0;
  try {
    while (std::getline(file, line)) {
      ++line_number;
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      std::string kind;
      words >> kind;
      if (kind == "case") {
        cases.emplace_back();
        cases.back().op = op;
        words >> cases.back().name;
        continue;
      }
      EMBER_CHECK(!cases.empty(), "record before the first case");
      GoldenCase& c = cases.back();
      if (kind == "param") {
        std::string key, value;
        words >> key >> value;
        c.params[key] = value;
        continue;
      }
      std::string name, dtype, sizes;
      words >> name >> dtype >> sizes;
      std::string values;
      std::getline(file, values);
      ++line_number;
      Record record{name, parse_values(values, dtype, parse_sizes(sizes))};
      if (kind == "input")
        c.inputs.push_back(record);
      else if (kind == "output")
        c.outputs.push_back(record);
      else if (kind == "weight")
        c.weights.push_back(record);
      else if (kind == "grad")
        c.grads.push_back(record);
      else
        EMBER_FAIL("unknown record kind ", kind);
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << path << ":" << line_number << ": " << e.what();
  }
  if (cases.empty()) ADD_FAILURE() << "golden file " << path << " has no cases";
  return cases;
}

// ---- comparing ----

// The multi-index of element `flat` of a row-major tensor of `sizes`, e.g. [1,2].
std::string index_str(int64_t flat, const Shape& sizes) {
  std::vector<int64_t> index(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    index[d] = flat % sizes[d];
    flat /= sizes[d];
  }
  std::string s = "[";
  for (size_t d = 0; d < index.size(); ++d) s += (d ? "," : "") + std::to_string(index[d]);
  return s + "]";
}

// float64 tight, float32 to ~1e-5 relative, integers and bools exactly.
void expect_matches(const GoldenCase& c, const std::string& what, const Tensor& actual,
                    const Tensor& expected) {
  if (!actual.defined()) {
    ADD_FAILURE() << c.where() << ", " << what << ": ember gave no tensor";
    return;
  }
  if (actual.dtype() != expected.dtype()) {
    ADD_FAILURE() << c.where() << ", " << what << ": dtype " << actual.dtype() << ", PyTorch has "
                  << expected.dtype();
    return;
  }
  if (is_floating(expected.dtype())) {
    bool f64 = expected.dtype() == kFloat64;
    EXPECT_TRUE(testing::all_close(actual, expected, f64 ? 1e-10 : 1e-5, f64 ? 1e-12 : 1e-6))
        << c.where() << ", " << what;
    return;
  }
  if (actual.sizes() != expected.sizes()) {
    ADD_FAILURE() << c.where() << ", " << what << ": sizes " << shape_str(actual.sizes())
                  << ", PyTorch has " << shape_str(expected.sizes());
    return;
  }
  std::vector<int64_t> a = actual.to_vector<int64_t>();
  std::vector<int64_t> e = expected.to_vector<int64_t>();
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != e[i]) {
      ADD_FAILURE() << c.where() << ", " << what << ": element "
                    << index_str(int64_t(i), expected.sizes()) << " is " << a[i] << ", PyTorch has "
                    << e[i];
      return;
    }
  }
}

using Args = std::map<std::string, Tensor>;
using Outputs = std::map<std::string, Tensor>;
using OpFn = std::function<Outputs(const GoldenCase&, const Args&)>;

const Tensor& arg(const Args& args, const std::string& name) {
  auto it = args.find(name);
  EMBER_CHECK(it != args.end(), "golden case has no input ", name);
  return it->second;
}

// Runs one case: the inputs with a golden gradient become leaves that require grad (passed
// to the op through the case's view, if any); then outputs, then the gradients of the
// leaves for loss = sum over outputs of (out * w).sum().
void check_case(const GoldenCase& c, const OpFn& fn) {
  Args leaves, args;
  for (const Record& input : c.inputs) {
    Tensor leaf = input.value;
    if (c.grad(input.name)) leaf.requires_grad_(true);
    leaves[input.name] = leaf;
    std::string view = c.has("view." + input.name) ? c.text("view." + input.name) : "";
    if (view == "T")
      args[input.name] = leaf.transpose(-2, -1);
    else if (view == "S")
      args[input.name] = leaf.slice(-1, 0, leaf.size(-1), 2);
    else
      args[input.name] = leaf;
  }
  Outputs outputs;
  try {
    outputs = fn(c, args);
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.where() << ": ember threw: " << e.what();
    return;
  }
  for (const Record& expected : c.outputs) {
    auto it = outputs.find(expected.name);
    if (it == outputs.end()) {
      ADD_FAILURE() << c.where() << ": no output " << expected.name;
      continue;
    }
    expect_matches(c, "output " + expected.name, it->second, expected.value);
  }
  if (c.weights.empty()) return;
  // d/dx sum((out * w).sum()) = the backward of each output seeded with its w, summed.
  try {
    for (const Record& w : c.weights) outputs.at(w.name).backward(w.value, true);
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.where() << ": backward threw: " << e.what();
    return;
  }
  for (const Record& expected : c.grads)
    expect_matches(c, "gradient of " + expected.name, leaves.at(expected.name).grad(),
                   expected.value);
}

void check_op(const std::string& op, const OpFn& fn) {
  for (const GoldenCase& c : read_golden(op)) check_case(c, fn);
}

Outputs out(const Tensor& t) { return {{"out", t}}; }
Outputs values_indices(const ValuesIndices& vi) {
  return {{"values", vi.values}, {"indices", vi.indices}};
}

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
