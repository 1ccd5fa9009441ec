// SGD with momentum, exactly torch.optim.SGD. A RowSparse gradient (a sparse embedding's)
// updates only its rows, as plain SGD without momentum or weight decay; those two need every
// row and raise an error on a sparse gradient.
#pragma once

#include <ember/optim/optimizer.h>

namespace ember::optim {

struct SGDOptions {
  ParamGroup group;
  explicit SGDOptions(double lr) { group.lr = lr; }
  SGDOptions& momentum(double v) {
    group.momentum = v;
    return *this;
  }
  SGDOptions& dampening(double v) {
    group.dampening = v;
    return *this;
  }
  SGDOptions& nesterov(bool v) {
    group.nesterov = v;
    return *this;
  }
  SGDOptions& weight_decay(double v) {
    group.weight_decay = v;
    return *this;
  }
  SGDOptions& maximize(bool v) {
    group.maximize = v;
    return *this;
  }
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  SGD(std::vector<Tensor> params, double lr) : SGD(std::move(params), SGDOptions(lr)) {}
  void step() override;
};

}  // namespace ember::optim
