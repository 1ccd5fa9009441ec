// Learning-rate schedules, exactly torch.optim.lr_scheduler's: each step() sets every
// group's lr from its initial lr (LambdaLR) or from its current lr (StepLR, LinearLR, in
// torch's chainable form, so the values match PyTorch's bit for bit). Constructing one
// takes the first step (epoch 0), as PyTorch does; call step() after optimizer.step().
//
//   optim::SGD sgd(model.parameters(), 0.025);
//   optim::LinearLR decay(sgd, 1.0, 1e-4, total_batches);  // word2vec's linear decay
//   for (...) { ...; sgd.step(); decay.step(); }
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <ember/optim/optimizer.h>

namespace ember::optim {

class LRScheduler {
 public:
  // Records each group's initial_lr (where unset) as the base the schedule starts from.
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;

  // Advances one epoch (or iteration) and writes each group's new lr.
  void step();
  // The lr of each group after the last step().
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  // "last_epoch" (0-d int64), "base_lrs.<g>" and "last_lr.<g>" (0-d float64). Resume by
  // loading the optimizer's state_dict (which holds the groups' lrs), then this one.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 protected:
  // Each group's lr at epoch last_epoch_.
  virtual std::vector<double> get_lr() = 0;

  Optimizer& optimizer_;
  int64_t last_epoch_ = -1;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
};

// lr = initial_lr * lambda(epoch), one lambda for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

// lr *= gamma every step_size epochs: lr = initial_lr * gamma^(epoch / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;

 private:
  int64_t step_size_;
  double gamma_;
};

// The factor on initial_lr goes linearly from start_factor (epoch 0) to end_factor
// (epoch total_iters) and stays there.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

}  // namespace ember::optim
