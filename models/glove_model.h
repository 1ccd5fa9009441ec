// GloVe (Pennington, Socher & Manning 2014) as the seed's nn::Module: word and context
// tables with their biases, the weighting f(x) = min(1, (x / x_max)^alpha) and the weighted
// squared loss. Its fused twin is GloVeTrainer (models/glove_trainer.h), Stanford glove.c's
// Hogwild loop; tests pin one to the other (tests/test_glove.cpp).
//
// glove.c's update for a record (i, j, x), with cost J = 1/2 f(x) diff^2,
// diff = w_i . c_j + b_i + b~_j - log x, fdiff = f(x) diff:
//   g = clip(fdiff * c_j, +-grad_clip) (likewise for c_j with w_i)
//   w_i -= eta g / sqrt(G),  G starting at 1 and adding (eta g)^2
//   b_i -= fdiff / sqrt(G_b), G_b starting at 1 and adding fdiff^2 (no eta: glove.c's bias
//                              step has none)
// That is torch.optim.Adagrad with eps 0 on dJ/dparam: for the vectors lr 1 and an initial
// accumulator of 1 / eta^2 (so the first step is eta g / sqrt(1 + (eta g)^2)), for the
// biases lr 1 and an initial accumulator of 1 (glove_adagrad() builds it). One difference
// from glove.c: Adagrad (Duchi et al., torch) adds the current gradient to G before the
// step; glove.c after it. The vectors written out are w + c (glove.c -model 2).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ember/nn/embedding.h>
#include <ember/nn/module.h>
#include <ember/optim/adagrad.h>

namespace ember::models {

class GloVeModel : public nn::Module {
 public:
  // Tables uniform in [-0.5/D, 0.5/D], biases zero, as the seed's init_weights. Sparse
  // gradients (row-sparse Adagrad) when `sparse`.
  GloVeModel(int64_t vocab_size, int64_t embedding_dim, double x_max = 100, double alpha = 0.75,
             bool sparse = true, Generator* gen = nullptr);

  // f(x) = (x / x_max)^alpha below x_max, else 1. x [B] -> [B]
  Tensor weighting_function(const Tensor& x) const;
  // word_indices [B], context_indices [B], cooccurrence_values [B] -> the seed's loss,
  // mean of f(x) (w . c + b + b~ - log x)^2 (a scalar; half of it is glove.c's cost J).
  Tensor forward(const Tensor& word_indices, const Tensor& context_indices,
                 const Tensor& cooccurrence_values);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)
  // (W + C) / 2, the seed's get_embeddings: [V, D]
  Tensor embeddings() const;

  double x_max, alpha;
  std::shared_ptr<nn::Embedding> word_embeddings, context_embeddings;  // [V, D]
  std::shared_ptr<nn::Embedding> word_biases, context_biases;          // [V, 1]
};

// glove.c's AdaGrad as an optim::Adagrad (see above): group 0 the two tables, group 1 the
// biases.
std::unique_ptr<optim::Adagrad> glove_adagrad(const GloVeModel& model, double eta = 0.05);

// The seed's train_glove loop: each epoch shuffles the records (words, contexts [N] int64,
// values [N] float32) and steps the optimizer once per batch. The loss stepped on is glove.c's
// cost summed over the batch, 0.5 * B * model.forward(...), so that every record pulls as
// hard as in glove.c whatever the batch size. Returns each epoch's mean cost per record.
std::vector<double> train_glove(GloVeModel& model, const Tensor& words, const Tensor& contexts,
                                const Tensor& values, optim::Optimizer& optimizer, int64_t epochs,
                                int64_t batch_size, Generator* gen = nullptr);

}  // namespace ember::models
