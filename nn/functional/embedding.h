// The differentiable embedding lookups: F.embedding and F.embedding_bag.
#pragma once

#include <optional>

#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/tensor.h>

namespace ember::nn::functional {

using ops::BagMode;

struct EmbeddingOptions {
  std::optional<int64_t> padding_idx;  // that row gets no gradient (negative counts from V)
  std::optional<double> max_norm;      // looked-up rows are renormalised to it, in place
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;  // divide each row's gradient by its count in the batch
  bool sparse = false;              // a row-sparse gradient instead of a dense [V, D] one
};

// ids [N...] (int64/int32) into weight [V, D] -> [N..., D].
Tensor embedding(const Tensor& ids, const Tensor& weight, const EmbeddingOptions& options = {});

struct EmbeddingBagOptions {
  BagMode mode = BagMode::kMean;
  std::optional<int64_t> padding_idx;  // skipped, and not counted by mean
  std::optional<double> max_norm;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;  // not with mode max (as in PyTorch)
  bool include_last_offset = false;
};

// ids [N] with offsets [B] (bag b = ids[offsets[b] .. offsets[b+1])), or ids [B, L] with no
// offsets; per_sample_weights [N] scale each looked-up row (mode sum only) -> [B, D].
Tensor embedding_bag(const Tensor& ids, const Tensor& weight, const Tensor& offsets = Tensor(),
                     const EmbeddingBagOptions& options = {},
                     const Tensor& per_sample_weights = Tensor());

}  // namespace ember::nn::functional
