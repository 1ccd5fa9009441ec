// gradcheck: compares the Jacobian of f from central finite differences (float64) with the
// one autograd computes, row by row, like torch.autograd.gradcheck.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember {

struct GradcheckResult {
  bool ok = true;
  std::string report;  // what differed: input, element, numeric vs analytic
  explicit operator bool() const { return ok; }
};

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

// `inputs` must be float64; those with requires_grad are checked. f may return any shape.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, GradcheckOptions options = {});

}  // namespace ember
