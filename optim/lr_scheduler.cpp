#include <ember/optim/lr_scheduler.h>

namespace ember::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (ParamGroup& group : optimizer_.param_groups()) {
    if (!group.initial_lr) group.initial_lr = group.lr;
    base_lrs_.push_back(*group.initial_lr);
  }
}

void LRScheduler::step() {
  std::vector<ParamGroup>& groups = optimizer_.param_groups();
  EMBER_CHECK(groups.size() == base_lrs_.size(), "LRScheduler: the optimizer has ", groups.size(),
              " parameter groups, the schedule was made for ", base_lrs_.size());
  ++last_epoch_;
  last_lr_ = get_lr();
  for (size_t g = 0; g < groups.size(); ++g) groups[g].lr = last_lr_[g];
}

StateDict LRScheduler::state_dict() const {
  StateDict out;
  out["last_epoch"] = scalar_tensor(double(last_epoch_), kInt64);
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    out["base_lrs." + std::to_string(g)] = scalar_tensor(base_lrs_[g], kFloat64);
    out["last_lr." + std::to_string(g)] = scalar_tensor(last_lr_.at(g), kFloat64);
  }
  return out;
}

void LRScheduler::load_state_dict(const StateDict& state) {
  auto get = [&](const std::string& key) {
    auto it = state.find(key);
    EMBER_CHECK(it != state.end(), "LRScheduler.load_state_dict: missing key \"", key, "\"");
    return it->second;
  };
  last_epoch_ = get("last_epoch").item<int64_t>();
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    base_lrs_[g] = get("base_lrs." + std::to_string(g)).item<double>();
    last_lr_.at(g) = get("last_lr." + std::to_string(g)).item<double>();
  }
}

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lambda)) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lambdas)
    : LRScheduler(optimizer), lambdas_(std::move(lambdas)) {
  EMBER_CHECK(lambdas_.size() == base_lrs_.size(), "LambdaLR: expected ", base_lrs_.size(),
              " lambdas (one per parameter group), got ", lambdas_.size());
  step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t g = 0; g < base_lrs_.size(); ++g)
    lrs.push_back(base_lrs_[g] * lambdas_[g](last_epoch_));
  return lrs;
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs;
  for (const ParamGroup& group : optimizer_.param_groups()) {
    bool boundary = last_epoch_ != 0 && last_epoch_ % step_size_ == 0;
    lrs.push_back(boundary ? group.lr * gamma_ : group.lr);
  }
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  EMBER_CHECK(start_factor > 0 && start_factor <= 1, "LinearLR: start_factor must be in (0, 1], ",
              "got ", start_factor);
  EMBER_CHECK(end_factor >= 0 && end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ",
              end_factor);
  EMBER_CHECK(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
  step();
}

// Chainable: each step multiplies the current lr by factor(epoch) / factor(epoch - 1), with
// factor(e) = start + (end - start) * e / total_iters.
std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs;
  const double delta = end_factor_ - start_factor_;
  for (const ParamGroup& group : optimizer_.param_groups()) {
    if (last_epoch_ == 0)
      lrs.push_back(group.lr * start_factor_);
    else if (last_epoch_ > total_iters_)
      lrs.push_back(group.lr);
    else
      lrs.push_back(group.lr * (1. + delta / (double(total_iters_) * start_factor_ +
                                              double(last_epoch_ - 1) * delta)));
  }
  return lrs;
}

}  // namespace ember::optim
