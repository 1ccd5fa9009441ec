// nn::Embedding and nn::EmbeddingBag: a [V, D] table as a Module, as torch.nn has them.
#pragma once

#include <memory>

#include <ember/nn/functional/embedding.h>
#include <ember/nn/module.h>
#include <ember/tensor/generator.h>

namespace ember::nn {

using functional::BagMode;
using functional::EmbeddingBagOptions;
using functional::EmbeddingOptions;

class Embedding : public Module {
 public:
  // weight ~ N(0, 1), the padding row zero, as torch.nn.Embedding initialises it.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {},
            Generator* gen = nullptr);
  // A table holding `weights` [V, D] (copied); frozen (no gradient) unless freeze is false.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& weights, bool freeze = true,
                                                    EmbeddingOptions options = {});

  // ids [N...] -> [N..., D]
  Tensor forward(const Tensor& ids) override;

  int64_t num_embeddings() const { return weight.size(0); }
  int64_t embedding_dim() const { return weight.size(1); }
  const EmbeddingOptions& options() const { return options_; }

  Tensor weight;  // [V, D]

 private:
  EmbeddingOptions options_;
};

class EmbeddingBag : public Module {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options = {},
               Generator* gen = nullptr);
  static std::shared_ptr<EmbeddingBag> from_pretrained(const Tensor& weights, bool freeze = true,
                                                       EmbeddingBagOptions options = {});

  // ids [B, L]: each row a bag -> [B, D]
  Tensor forward(const Tensor& ids) override;
  // ids [N] with offsets [B] (and per_sample_weights [N] in mode sum) -> [B, D]
  Tensor forward(const Tensor& ids, const Tensor& offsets,
                 const Tensor& per_sample_weights = Tensor());

  Tensor weight;  // [V, D]

 private:
  EmbeddingBagOptions options_;
};

}  // namespace ember::nn
