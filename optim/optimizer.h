// Optimizer: the base of SGD, Adam, AdamW, SparseAdam and Adagrad. It holds parameter
// groups (each with its own lr, weight decay and options, as torch.optim's param_groups),
// the per-parameter state (step count and named buffers such as "exp_avg"), and turns both
// into named tensors for a checkpoint:
//
//   optim::Adam adam(embedding->parameters(), optim::AdamOptions(1e-4));
//   adam.add_param_group(head->parameters(), /*lr=*/1e-3);  // differential learning rates
//   loss.backward(); adam.step(); adam.zero_grad();
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ember/tensor/ops/optim_update.h>
#include <ember/tensor/tensor.h>

namespace ember::optim {

using StateDict = std::map<std::string, Tensor>;

// One set of parameters and the hyper-parameters they are updated with. Every optimizer
// reads the fields it knows and ignores the rest; the names are torch.optim's.
struct ParamGroup {
  std::vector<Tensor> params;
  double lr = 1e-3;
  double weight_decay = 0.0;
  bool maximize = false;
  double momentum = 0.0, dampening = 0.0;  // SGD
  bool nesterov = false;                   // SGD
  double beta1 = 0.9, beta2 = 0.999;       // Adam, AdamW, SparseAdam
  double eps = 1e-8;                       // Adam, AdamW, SparseAdam, Adagrad
  bool amsgrad = false;                    // Adam, AdamW
  double lr_decay = 0.0;                   // Adagrad
  double initial_accumulator_value = 0.0;  // Adagrad
  std::optional<double> initial_lr;        // set by the first LR schedule attached
};

// What an optimizer remembers about one parameter between steps.
struct ParamState {
  int64_t step = 0;                       // steps taken with a gradient
  std::map<std::string, Tensor> buffers;  // "exp_avg", "momentum_buffer", ... like p
  bool empty() const { return step == 0 && buffers.empty(); }
};

class Optimizer {
 public:
  // `defaults` gives every option of the first group and of later groups unless overridden.
  Optimizer(std::string name, std::vector<Tensor> params, ParamGroup defaults);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient; the rest are left alone.
  virtual void step() = 0;
  // Sets every gradient to undefined (torch's set_to_none=True).
  void zero_grad();

  // A new group with the defaults' options, its own lr and weight decay where given.
  void add_param_group(std::vector<Tensor> params, std::optional<double> lr = std::nullopt,
                       std::optional<double> weight_decay = std::nullopt);

  const std::string& name() const { return name_; }
  const ParamGroup& defaults() const { return defaults_; }
  // Options may be changed here between steps (an LR schedule writes `lr`).
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // The state of parameter `index` of group `group` (empty until its first step).
  ParamState& state(size_t group, size_t index);

  // Named tensors a checkpoint can store (safetensors): the groups' options as 0-d float64
  // tensors "param_groups.<g>.<option>", and for each parameter with state
  // "state.<g>.<i>.step" (0-d int64) and "state.<g>.<i>.<buffer>". The buffers are the
  // optimizer's own tensors, not copies; save them before the next step.
  StateDict state_dict() const;
  // Restores options and state (copied) from state_dict(); the groups must have the same
  // number of parameters with the same sizes. Steps after it continue bit for bit.
  void load_state_dict(const StateDict& state);

 protected:
  // The gradient of `param` as a dense contiguous tensor, after the checks every update
  // loop relies on (CPU, contiguous parameter, float32/float64, matching dtype).
  Tensor dense_grad(const Tensor& param) const;
  // The RowSparse gradient of `param` [V, D...] as the update loops read it, after the same
  // checks: ids [K] unique and sorted, rows [K, D] contiguous (D: the product of the rest).
  struct SparseRows {
    Tensor ids, rows;
    int64_t K = 0, D = 0;
  };
  SparseRows sparse_grad(const Tensor& param) const;
  // A buffer of state `s`, created as zeros (or `fill`) like `param` on first use; a float16
  // table (storage only) keeps float32 state, as a squared gradient would underflow in half.
  Tensor& buffer(ParamState& s, const std::string& name, const Tensor& param, double fill = 0.0);
  static DType state_dtype(const Tensor& param);

  std::string name_;
  ParamGroup defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> state_;  // [group][param index]

 private:
  void check_param(const Tensor& param) const;
};

// Updates of fewer elements than this run on the calling thread (tensor/ops/optim_update.h).
using ops::kUpdateGrain;

}  // namespace ember::optim
