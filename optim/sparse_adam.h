// SparseAdam, exactly torch.optim.SparseAdam: Adam on the rows of a RowSparse gradient
// only. Rows that a step does not touch keep their values and their moments ("lazy Adam"),
// so a step costs O(K D) for K touched rows of a [V, D] embedding, not O(V D). Dense
// gradients raise an error that points to Adam.
#pragma once

#include <ember/optim/optimizer.h>

namespace ember::optim {

struct SparseAdamOptions {
  ParamGroup group;
  explicit SparseAdamOptions(double lr = 1e-3) { group.lr = lr; }
  SparseAdamOptions& betas(double beta1, double beta2) {
    group.beta1 = beta1;
    group.beta2 = beta2;
    return *this;
  }
  SparseAdamOptions& eps(double v) {
    group.eps = v;
    return *this;
  }
  SparseAdamOptions& maximize(bool v) {
    group.maximize = v;
    return *this;
  }
};

class SparseAdam : public Optimizer {
 public:
  SparseAdam(std::vector<Tensor> params, SparseAdamOptions options = SparseAdamOptions());
  SparseAdam(std::vector<Tensor> params, double lr)
      : SparseAdam(std::move(params), SparseAdamOptions(lr)) {}
  void step() override;
};

}  // namespace ember::optim
