// The seeds' embedding variants as nn::Modules, written line for line like the seeds, with
// the seeds' child names (so state_dicts line up key for key with the PyTorch classes):
//   EmbeddingBagModel         one EmbeddingBag, mode sum / mean / max
//                             (seed 000, "Embedding Bag for Efficient Aggregation")
//   PositionalEmbedding       word row + position row -> LayerNorm -> dropout
//   ConditionalEmbedding      tanh(Linear(cat[word row, condition row]))
//                             (both seed 000, "Custom Embedding Layers")
//   RegularizedEmbedding      weight dropout while training, alpha * ||E||_2 as a loss
//   VariationalEmbedding      mu / logvar tables, z = mu + eps * std while training (mu in
//                             eval), Linear decoder, KL term (both seed 000, "Embedding
//                             Regularization")
//   AdaptiveEmbedding         frozen pretrained row + trainable adaptation row, projected
//                             (seed 000, "Loading and Using Pre-trained Embeddings")
//   PartiallyFrozenEmbedding  chosen rows never change (seed 001, "Partial Fine-tuning")
//   CompressedEmbedding       low rank: V x K table, then K -> D Linear (seed 001,
//                             "Embedding Compression")
// Letters: V rows, D embedding dim, B batch, T sequence length, N ids, K rank.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ember/nn/embedding.h>
#include <ember/nn/layers.h>
#include <ember/nn/module.h>
#include <ember/tensor/generator.h>

namespace ember::models {

class EmbeddingBagModel : public nn::Module {
 public:
  EmbeddingBagModel(int64_t vocab_size, int64_t embedding_dim,
                    nn::BagMode mode = nn::BagMode::kMean, Generator* gen = nullptr);
  // input_ids [B, L]: each row a bag -> [B, D]
  Tensor forward(const Tensor& input_ids) override;
  // input_ids [N] concatenated bags, offsets [B] where each bag starts -> [B, D]
  Tensor forward(const Tensor& input_ids, const Tensor& offsets);

  std::shared_ptr<nn::EmbeddingBag> embedding_bag;
};

class PositionalEmbedding : public nn::Module {
 public:
  PositionalEmbedding(int64_t vocab_size, int64_t embedding_dim, int64_t max_length = 5000,
                      Generator* gen = nullptr);
  // input_ids [B, T] -> [B, T, D]; positions 0..T-1 for every row
  Tensor forward(const Tensor& input_ids) override;
  // position_ids with input_ids' sizes, each in [0, max_length)
  Tensor forward(const Tensor& input_ids, const Tensor& position_ids);

  int64_t max_length;
  std::shared_ptr<nn::Embedding> word_embeddings, position_embeddings;
  std::shared_ptr<nn::LayerNorm> layer_norm;  // registered as "LayerNorm", the seed's name
  std::shared_ptr<nn::Dropout> dropout;       // p = 0.1
};

class ConditionalEmbedding : public nn::Module {
 public:
  ConditionalEmbedding(int64_t vocab_size, int64_t embedding_dim, int64_t num_conditions,
                       Generator* gen = nullptr);
  // input_ids [B, T] with condition_ids [B] (one condition per sequence, broadcast over T)
  // or with input_ids' sizes (one per token) -> [..., D]
  Tensor forward(const Tensor& input_ids, const Tensor& condition_ids);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)

  std::shared_ptr<nn::Embedding> base_embeddings, condition_embeddings;
  std::shared_ptr<nn::Linear> combine_layer;  // 2D -> D
};

class RegularizedEmbedding : public nn::Module {
 public:
  RegularizedEmbedding(int64_t vocab_size, int64_t embedding_dim, double dropout = 0.1,
                       double weight_dropout = 0.1, double alpha = 1e-6, Generator* gen = nullptr);
  // input_ids [N...] -> [N..., D]. Training: each element of the table is zeroed with
  // probability weight_dropout (no rescale, as the seed), then dropout on the rows looked up.
  Tensor forward(const Tensor& input_ids) override;
  // alpha * ||weight||_2 (the Frobenius norm, not squared, as torch.norm(p=2)); a scalar
  Tensor regularization_loss() const;

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::Dropout> dropout;
  double weight_dropout, alpha;
  Generator* generator;  // draws the weight-dropout mask; nullptr: the default generator
};

struct VariationalOutput {
  Tensor embeds;   // [N..., D]
  Tensor kl_loss;  // scalar: -0.5 * sum(1 + logvar - mu^2 - exp(logvar)) over the batch
};

class VariationalEmbedding : public nn::Module {
 public:
  // latent_dim < 0: embedding_dim / 2, as the seed's latent_dim=None
  VariationalEmbedding(int64_t vocab_size, int64_t embedding_dim, int64_t latent_dim = -1,
                       Generator* gen = nullptr);
  // The seed's forward: input_ids [N...] -> embeds [N..., D] and the KL term.
  VariationalOutput forward_with_kl(const Tensor& input_ids);
  // Just the embeddings, so the model chains like any other.
  Tensor forward(const Tensor& input_ids) override { return forward_with_kl(input_ids).embeds; }
  // Training: mu + eps * exp(0.5 * logvar), eps ~ N(0, 1); eval: mu.
  Tensor reparameterize(const Tensor& mu, const Tensor& logvar);

  int64_t latent_dim;
  std::shared_ptr<nn::Embedding> mu_embedding, logvar_embedding;  // [V, latent_dim]
  std::shared_ptr<nn::Linear> decoder;                            // latent_dim -> D
  Generator* generator;  // draws eps; nullptr: the default generator
};

class AdaptiveEmbedding : public nn::Module {
 public:
  // pretrained_embeddings [vocab_size, embedding_dim], copied and frozen.
  AdaptiveEmbedding(const Tensor& pretrained_embeddings, int64_t vocab_size, int64_t embedding_dim,
                    int64_t adaptation_dim = 50, Generator* gen = nullptr);
  // input_ids [N...] -> projection(cat[pretrained row, adaptation row]) [N..., D]
  Tensor forward(const Tensor& input_ids) override;

  std::shared_ptr<nn::Embedding> pretrained;  // weight does not require grad
  std::shared_ptr<nn::Embedding> adaptation;  // [V, adaptation_dim]
  std::shared_ptr<nn::Linear> projection;     // D + adaptation_dim -> D
};

// The seed copies the frozen rows back into the table on every forward; here the frozen
// rows get a zero gradient instead (the forward selects them from a buffer, so the backward
// routes nothing to them). Their outputs then never change under any optimizer: a zero
// gradient alone would not be enough, as weight decay moves a parameter with zero gradient.
class PartiallyFrozenEmbedding : public nn::Module {
 public:
  // pretrained_weights [V, D], copied; frozen_indices: the rows to keep, each in [0, V).
  PartiallyFrozenEmbedding(const Tensor& pretrained_weights,
                           const std::vector<int64_t>& frozen_indices);
  // x [N...] -> [N..., D]: the pretrained row for a frozen id, the trained row otherwise
  Tensor forward(const Tensor& x) override;
  // The table the forward reads, [V, D] (no gradient).
  Tensor table() const;

  std::shared_ptr<nn::Embedding> embedding;  // trainable; its frozen rows get zero gradient
  Tensor frozen_mask;                        // buffer [V, 1]: 1 on frozen rows, 0 elsewhere
  Tensor frozen_weights;  // buffer [V, D]: the pretrained rows at frozen ids, 0 elsewhere
};

// Parameters of a full V x D table against the low-rank pair (V x K and K x D).
struct ParameterCounts {
  int64_t full;        // V * D
  int64_t compressed;  // V * K + K * D
  double ratio() const { return double(full) / double(compressed); }
};

class CompressedEmbedding : public nn::Module {
 public:
  CompressedEmbedding(int64_t vocab_size, int64_t embedding_dim, int64_t rank,
                      Generator* gen = nullptr);
  // x [N...] -> low_to_high(vocab_to_low(x)) [N..., D]
  Tensor forward(const Tensor& x) override;
  // The seed's memory comparison, for any sizes (no table is built) or for this module.
  static ParameterCounts parameter_counts(int64_t vocab_size, int64_t embedding_dim, int64_t rank);
  ParameterCounts parameter_counts() const;

  std::shared_ptr<nn::Embedding> vocab_to_low;  // [V, K]
  std::shared_ptr<nn::Linear> low_to_high;      // K -> D, no bias
};

}  // namespace ember::models
