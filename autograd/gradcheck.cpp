#include <ember/autograd/gradcheck.h>

#include <cmath>

#include <ember/autograd/grad_mode.h>
#include <ember/tensor/ops/copy.h>

namespace ember {

namespace {

// Offset in storage of the k-th element (row-major) of a strided tensor.
int64_t element_offset(const Tensor& t, int64_t k) {
  int64_t offset = t.offset();
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    offset += (k % t.size(d)) * t.stride(d);
    k /= t.size(d);
  }
  return offset;
}

std::vector<double> evaluate(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                             const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  return f(inputs).to_vector<double>();
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    EMBER_CHECK(inputs[i].dtype() == kFloat64, "gradcheck: input ", i, " requires grad but is ",
                inputs[i].dtype(), "; use float64 inputs");
    EMBER_CHECK(inputs[i].is_leaf(), "gradcheck: input ", i, " must be a leaf tensor");
  }
  Tensor out = f(inputs);
  EMBER_CHECK(out.dtype() == kFloat64, "gradcheck: f must return float64, got ", out.dtype());
  const int64_t m = out.numel();

  // Analytic Jacobian, one output element (one backward with a one-hot gradient) at a time:
  // analytic[i][j * n_i + k] = d out_j / d input_i[k].
  std::vector<std::vector<double>> analytic(inputs.size());
  for (int64_t j = 0; j < m; ++j) {
    for (const Tensor& x : inputs)
      if (x.defined() && x.requires_grad()) x.set_grad(Tensor());
    std::vector<double> one_hot(m, 0.0);
    one_hot[j] = 1.0;
    if (out.requires_grad())
      out.backward(tensor(one_hot, {m}, kFloat64).reshape(out.sizes()), /*retain_graph=*/true);
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = inputs[i];
      if (!x.defined() || !x.requires_grad()) continue;
      Tensor g = x.grad();
      std::vector<double> row =
          g.defined() ? g.to_dense().to_vector<double>() : std::vector<double>(x.numel(), 0.0);
      analytic[i].insert(analytic[i].end(), row.begin(), row.end());
    }
  }
  for (const Tensor& x : inputs)
    if (x.defined() && x.requires_grad()) x.set_grad(Tensor());

  // Numeric Jacobian by central differences, one input element at a time.
  GradcheckResult result;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !x.requires_grad()) continue;
    double* storage = static_cast<double*>(x.storage().data());
    const int64_t n = x.numel();
    for (int64_t k = 0; k < n; ++k) {
      double& value = storage[element_offset(x, k)];
      const double saved = value;
      value = saved + options.eps;
      std::vector<double> plus = evaluate(f, inputs);
      value = saved - options.eps;
      std::vector<double> minus = evaluate(f, inputs);
      value = saved;
      for (int64_t j = 0; j < m; ++j) {
        double numeric = (plus[j] - minus[j]) / (2 * options.eps);
        double exact = analytic[i][j * n + k];
        if (std::abs(numeric - exact) > options.atol + options.rtol * std::abs(numeric) ||
            std::isnan(exact) != std::isnan(numeric)) {
          result.ok = false;
          result.report =
              detail::str("gradcheck: d out[", j, "] / d input", i, "[", k, "]: numeric ", numeric,
                          " vs analytic ", exact, " (input sizes ", x.sizes(), ", output sizes ",
                          out.sizes(), ")");
          return result;
        }
      }
    }
  }
  return result;
}

}  // namespace ember
