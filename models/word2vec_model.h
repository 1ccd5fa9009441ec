// The word2vec models written the seed's way, with the autograd engine: the readable
// reference for the fused trainers in models/word2vec_trainer.h (tests pin one to the other).
//   SkipGramModel  center table + context table; score = center . context (seed 000, "Skip-gram")
//   SkipGramLoss   -logsigmoid(pos).mean() - logsigmoid(-neg).sum(1).mean()
//   CBOWModel      mean of context rows -> Linear(vocab) -> CrossEntropy (seed 000, "CBOW")
//   CBOWNegativeSamplingModel  word2vec's CBOW: mean of context rows . target rows
#pragma once

#include <memory>
#include <utility>

#include <ember/nn/embedding.h>
#include <ember/nn/layers.h>
#include <ember/nn/module.h>

namespace ember::models {

class SkipGramModel : public nn::Module {
 public:
  // Both tables uniform in [-0.5/D, 0.5/D] as the seed initialises them; sparse gradients
  // (for SparseAdam / sparse SGD) when `sparse`.
  SkipGramModel(int64_t vocab_size, int64_t embedding_dim, bool sparse = true,
                Generator* gen = nullptr);

  // center [B], positive [B], negative [B, K] -> positive scores [B], negative scores [B, K]
  std::pair<Tensor, Tensor> forward(const Tensor& center, const Tensor& positive,
                                    const Tensor& negative);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)
  // (center + context) / 2, the seed's get_embeddings: [V, D]
  Tensor embeddings() const;

  std::shared_ptr<nn::Embedding> center_embeddings, context_embeddings;
};

// positive [B], negative [B, K] -> scalar
class SkipGramLoss : public nn::Module {
 public:
  SkipGramLoss() : Module("SkipGramLoss") {}
  Tensor forward(const Tensor& positive_scores, const Tensor& negative_scores);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)
};

class CBOWModel : public nn::Module {
 public:
  CBOWModel(int64_t vocab_size, int64_t embedding_dim, int64_t context_size,
            Generator* gen = nullptr);
  // context [B, 2 * context_size] -> logits [B, V]
  Tensor forward(const Tensor& context) override;

  int64_t context_size;
  std::shared_ptr<nn::Embedding> embeddings;
  std::shared_ptr<nn::Linear> linear;
};

class CBOWNegativeSamplingModel : public nn::Module {
 public:
  // Input table uniform in [-0.5/D, 0.5/D], output table zero (word2vec's init).
  CBOWNegativeSamplingModel(int64_t vocab_size, int64_t embedding_dim, bool sparse = true,
                            Generator* gen = nullptr);
  // context [B, C], positive [B], negative [B, K] -> scores [B] and [B, K]
  std::pair<Tensor, Tensor> forward(const Tensor& context, const Tensor& positive,
                                    const Tensor& negative);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)

  std::shared_ptr<nn::Embedding> input_embeddings, output_embeddings;
};

}  // namespace ember::models
