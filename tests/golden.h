// Golden files: small PyTorch results that tests/golden/make_golden*.py write and the
// parity tests compare ember against. The format is described at the top of
// make_golden.py; check_op runs every case of one file through an ember function and
// compares outputs and input gradients, naming the op, case and element that differ.
#pragma once

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace ember::golden {

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

inline Shape parse_sizes(const std::string& text) {
  Shape sizes;
  if (text == "scalar") return sizes;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoll(item));
  return sizes;
}

template <typename T>
inline Tensor make_tensor(const std::vector<T>& values, const Shape& sizes, DType dtype) {
  if (sizes.empty()) return scalar_tensor(double(values.at(0)), dtype);
  return tensor(values, sizes, dtype);
}

// One line of values in row-major order; float32 values are read as floats (not through a
// double) so the shortest decimal written by numpy reads back to the same float.
inline Tensor parse_values(const std::string& line, const std::string& dtype, const Shape& sizes) {
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
inline std::vector<GoldenCase> read_golden(const std::string& op) {
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
inline std::string index_str(int64_t flat, const Shape& sizes) {
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
inline void expect_matches(const GoldenCase& c, const std::string& what, const Tensor& actual,
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

inline Tensor arg(const Args& args, const std::string& name) {
  auto it = args.find(name);
  EMBER_CHECK(it != args.end(), "golden case has no input ", name);
  return it->second;
}

// Runs one case: the inputs with a golden gradient become leaves that require grad (passed
// to the op through the case's view, if any); then outputs, then the gradients of the
// leaves for loss = sum over outputs of (out * w).sum().
inline void check_case(const GoldenCase& c, const OpFn& fn) {
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

inline void check_op(const std::string& op, const OpFn& fn) {
  for (const GoldenCase& c : read_golden(op)) check_case(c, fn);
}

inline Outputs out(const Tensor& t) { return {{"out", t}}; }
inline Outputs values_indices(const ValuesIndices& vi) {
  return {{"values", vi.values}, {"indices", vi.indices}};
}

}  // namespace ember::golden
