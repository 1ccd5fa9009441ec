// Adagrad, exactly torch.optim.Adagrad: dense gradients, and RowSparse gradients updating
// only the touched rows and their accumulators (GloVe's optimizer).
#pragma once

#include <ember/optim/optimizer.h>

namespace ember::optim {

struct AdagradOptions {
  ParamGroup group;
  explicit AdagradOptions(double lr = 1e-2) {
    group.lr = lr;
    group.eps = 1e-10;
  }
  AdagradOptions& lr_decay(double v) {
    group.lr_decay = v;
    return *this;
  }
  AdagradOptions& weight_decay(double v) {
    group.weight_decay = v;
    return *this;
  }
  AdagradOptions& initial_accumulator_value(double v) {
    group.initial_accumulator_value = v;
    return *this;
  }
  AdagradOptions& eps(double v) {
    group.eps = v;
    return *this;
  }
  AdagradOptions& maximize(bool v) {
    group.maximize = v;
    return *this;
  }
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = AdagradOptions());
  Adagrad(std::vector<Tensor> params, double lr) : Adagrad(std::move(params), AdagradOptions(lr)) {}
  void step() override;
};

}  // namespace ember::optim
