// Loss modules, as torch.nn's: each holds its options and calls nn/functional/loss.h.
// A loss takes two tensors, so each adds forward(input, target) (and operator() with two
// arguments); the one-tensor forward of Module stays an error. A class weight is
// registered as the buffer "weight", so it is saved with the model and moves with to().
//
//   nn::CrossEntropyLoss criterion;
//   Tensor loss = criterion(model.forward(x), y);
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <ember/nn/functional/loss.h>
#include <ember/nn/module.h>

namespace ember::nn {

// A Module whose forward takes (input, target).
class LossModule : public Module {
 public:
  explicit LossModule(std::string type_name, Reduction reduction)
      : Module(std::move(type_name)), reduction(reduction) {}
  using Module::forward;
  using Module::operator();
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }

  Reduction reduction;
};

struct CrossEntropyLossOptions {
  Tensor weight;  // [C], or undefined
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::kMean;
  double label_smoothing = 0.0;
};

// input [N, C] (or [N, C, d...], [C]) of logits, target int64 [N] (or [N, d...], 0-d).
class CrossEntropyLoss : public LossModule {
 public:
  explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
  using LossModule::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;

  Tensor weight;
  int64_t ignore_index;
  double label_smoothing;
};

struct NLLLossOptions {
  Tensor weight;  // [C], or undefined
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::kMean;
};

// input [N, C] (or [N, C, d...], [C]) of log-probabilities, target int64 [N] (or [N, d...]).
class NLLLoss : public LossModule {
 public:
  explicit NLLLoss(NLLLossOptions options = {});
  using LossModule::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;

  Tensor weight;
  int64_t ignore_index;
};

// input holds probabilities (after a sigmoid); weight broadcasts to input.
class BCELoss : public LossModule {
 public:
  explicit BCELoss(Tensor weight = {}, Reduction reduction = Reduction::kMean);
  using LossModule::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;

  Tensor weight;
};

// input holds logits; weight and pos_weight (buffer "pos_weight") broadcast to input.
class BCEWithLogitsLoss : public LossModule {
 public:
  explicit BCEWithLogitsLoss(Tensor weight = {}, Tensor pos_weight = {},
                             Reduction reduction = Reduction::kMean);
  using LossModule::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;

  Tensor weight;
  Tensor pos_weight;
};

class MSELoss : public LossModule {
 public:
  explicit MSELoss(Reduction reduction = Reduction::kMean);
  using LossModule::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

// The skip-gram loss of the seeds (SkipGramLoss): forward(pos_score [B], neg_score [B, K]).
class NegativeSamplingLoss : public LossModule {
 public:
  explicit NegativeSamplingLoss(Reduction reduction = Reduction::kMean);
  using LossModule::forward;
  Tensor forward(const Tensor& pos_score, const Tensor& neg_score) override;
};

}  // namespace ember::nn
