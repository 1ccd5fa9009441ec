// PyTorch-style printing: tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], dtype=...).
// Floats are all printed in one format chosen from the values, as torch._tensor_str does:
// whole numbers as "1.", otherwise 4 decimals, or scientific when the range is wide.
#include <cmath>
#include <cstdio>
#include <sstream>

#include <ember/tensor/ops/copy.h>
#include <ember/tensor/tensor.h>

namespace ember {

namespace {

constexpr int64_t kSummarizeAbove = 1000;  // elements; then 3 edge items per dim
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  bool boolean = false, floating = false, whole = true, scientific = false;
  size_t width = 1;

  std::string format(double v) const {
    char buf[64];
    if (boolean) {
      std::snprintf(buf, sizeof buf, v != 0 ? "True" : "False");
    } else if (!floating) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else if (std::isnan(v)) {
      std::snprintf(buf, sizeof buf, "nan");
    } else if (std::isinf(v)) {
      std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    } else if (scientific) {
      std::snprintf(buf, sizeof buf, "%.4e", v);
    } else if (whole) {
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", v);
    }
    return buf;
  }
};

Formatter make_formatter(const std::vector<double>& values, DType dtype) {
  Formatter f;
  f.boolean = dtype == kBool;
  f.floating = is_floating(dtype);
  if (f.floating) {
    double lo = INFINITY, hi = 0;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::nearbyint(v)) f.whole = false;
      double a = std::abs(v);
      if (a == 0) continue;
      lo = std::min(lo, a);
      hi = std::max(hi, a);
    }
    if (hi > 0) f.scientific = hi / lo > 1000 || hi > 1e8 || (!f.whole && lo < 1e-4);
  }
  for (double v : values) f.width = std::max(f.width, f.format(v).size());
  return f;
}

// Walks the (possibly summarised) tensor: `values` holds the elements kept, row-major.
struct Printer {
  const Shape& sizes;
  bool summarize;
  const Formatter& fmt;
  const std::vector<double>& values;
  size_t next = 0;
  std::ostringstream out;

  void print(int64_t dim, int indent) {
    if (dim == int64_t(sizes.size())) {
      std::string s = fmt.format(values[next++]);
      out << std::string(fmt.width - s.size(), ' ') << s;
      return;
    }
    out << '[';
    const int64_t n = sizes[dim];
    const bool last = dim + 1 == int64_t(sizes.size());
    for (int64_t i = 0; i < n; ++i) {
      if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
        out << (last ? " ..., "
                     : "...,\n" + std::string(size_t(sizes.size() - dim - 1), '\n') +
                           std::string(size_t(indent + 1), ' '));
        i = n - kEdgeItems - 1;
        continue;
      }
      print(dim + 1, indent + 1);
      if (i + 1 < n) {
        if (last) {
          out << ", ";
        } else {
          out << ",\n"
              << std::string(size_t(sizes.size() - dim - 2), '\n')
              << std::string(size_t(indent + 1), ' ');
        }
      }
    }
    out << ']';
  }
};

// The kept elements of a summarised tensor: edge items of each dim, row-major.
void collect(const Tensor& t, bool summarize, std::vector<double>& values) {
  if (t.dim() == 0) {
    values.push_back(t.item<double>());
    return;
  }
  const int64_t n = t.size(0);
  if (t.dim() == 1 && !(summarize && n > 2 * kEdgeItems)) {
    std::vector<double> row = t.to_vector<double>();
    values.insert(values.end(), row.begin(), row.end());
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    collect(ops::select(t, 0, i), summarize, values);
  }
}

std::string sizes_tuple(const Shape& sizes) {
  std::string s = "(";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + (sizes.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<std::string> suffix;
  if (is_row_sparse()) {
    std::ostringstream os;
    os << "tensor(indices=" << indices().str() << ",\n       values=" << values().str()
       << ",\n       size=" << sizes_tuple(sizes()) << ", layout=row_sparse)";
    return os.str();
  }
  Tensor host = ops::to_device(*this, Device(kCPU));
  const bool summarize = numel() > kSummarizeAbove;
  std::vector<double> values;
  if (numel() > 0) collect(host, summarize, values);
  Formatter fmt = make_formatter(values, dtype());
  std::string body;
  if (numel() == 0) {
    body = "[]";
    if (dim() != 1) suffix.push_back("size=" + sizes_tuple(sizes()));
  } else {
    Printer printer{sizes(), summarize, fmt, values, 0, {}};
    printer.print(0, 7);  // "tensor(" is 7 wide
    body = printer.out.str();
  }
  if (dtype() != kFloat32 && dtype() != kInt64 && dtype() != kBool)
    suffix.push_back(std::string("dtype=") + dtype_name(dtype()));
  if (device().is_cuda()) suffix.push_back("device='" + device().str() + "'");
  if (grad_fn()) {
    suffix.push_back("grad_fn=<" + grad_fn_name(*grad_fn()) + ">");
  } else if (requires_grad()) {
    suffix.push_back("requires_grad=True");
  }
  std::string s = "tensor(" + body;
  for (const std::string& part : suffix) s += ", " + part;
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace ember
