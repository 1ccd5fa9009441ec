// Adam and AdamW, exactly torch.optim.Adam and torch.optim.AdamW (amsgrad optional). Both
// need dense gradients: a sparse embedding's RowSparse gradient raises an error that points
// to SparseAdam (or SGD), which update only the touched rows.
#pragma once

#include <ember/optim/optimizer.h>

namespace ember::optim {

struct AdamOptions {
  ParamGroup group;
  explicit AdamOptions(double lr = 1e-3) { group.lr = lr; }
  AdamOptions& betas(double beta1, double beta2) {
    group.beta1 = beta1;
    group.beta2 = beta2;
    return *this;
  }
  AdamOptions& eps(double v) {
    group.eps = v;
    return *this;
  }
  AdamOptions& weight_decay(double v) {
    group.weight_decay = v;
    return *this;
  }
  AdamOptions& amsgrad(bool v) {
    group.amsgrad = v;
    return *this;
  }
  AdamOptions& maximize(bool v) {
    group.maximize = v;
    return *this;
  }
};

// AdamW's options: Adam's, with torch's default weight decay of 1e-2 (its setters return
// AdamOptions&, which AdamW takes as well).
struct AdamWOptions : AdamOptions {
  explicit AdamWOptions(double lr = 1e-3) : AdamOptions(lr) { group.weight_decay = 1e-2; }
};

// Adam (Kingma & Ba 2015): weight decay is added to the gradient (L2 regularisation).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = AdamOptions());
  Adam(std::vector<Tensor> params, double lr) : Adam(std::move(params), AdamOptions(lr)) {}
  void step() override;

 protected:
  Adam(std::string name, std::vector<Tensor> params, const AdamOptions& options, bool decoupled);

 private:
  bool decoupled_weight_decay_;
};

// AdamW (Loshchilov & Hutter 2019): weight decay shrinks the parameter directly,
// p *= 1 - lr * weight_decay, apart from the adaptive step.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamOptions options = AdamWOptions())
      : Adam("AdamW", std::move(params), options, true) {}
  AdamW(std::vector<Tensor> params, double lr) : AdamW(std::move(params), AdamWOptions(lr)) {}
};

}  // namespace ember::optim
