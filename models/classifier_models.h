// The seeds' text classifiers, each a Module line for line like its seed:
//   TextClassifier          tokens -> embedding -> masked mean pooling -> MLP with dropout
//                           (seed 001, "Text Classification with Embeddings")
//   SimpleTextClassifier    tokens -> embedding -> mean -> Linear (seed 004, slide 5)
//   SentimentClassifier     tokens -> embedding -> mean -> Linear -> sigmoid, for BCELoss
//                           (seed 004, slide 10)
//   SentimentModel          embedding -> LSTM over a packed batch -> each sequence's last
//                           output -> Linear (seed 002, "Building a Sentiment Analysis Model")
//   SentimentClassifierWithPretrained  frozen pretrained embedding -> dropout -> bidirectional
//                           multi-layer LSTM -> last layer's two final states -> Linear
//                           (seed 003, "Part 4: Full Classification Example")
//   TransferLearningModel   pretrained embedding (frozen, later fine-tuned) -> LSTM -> Linear
//                           (seed 004, slide 13)
// Shapes: B sequences, T padded steps, V vocabulary rows, D embedding dim, H hidden, C classes.
// Token ids are int64 [B, T]; lengths are int64 [B] on the CPU, each in [1, T]. A model's gen
// (nullptr: the default generator) draws its initial weights and later its dropout masks, so
// it must outlive the model.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <ember/nn/embedding.h>
#include <ember/nn/layers.h>
#include <ember/nn/lstm.h>
#include <ember/nn/module.h>

namespace ember::models {

class TextClassifier : public nn::Module {
 public:
  // classifier = Dropout, Linear(D, hidden_dim), ReLU, Dropout, Linear(hidden_dim, C); the
  // padding row of the embedding is zero and gets no gradient. sparse (not in the seed): the
  // table's gradient holds the looked-up rows only, for SparseAdam (see ember classify).
  TextClassifier(int64_t vocab_size, int64_t embedding_dim, int64_t num_classes,
                 int64_t hidden_dim = 128, double dropout = 0.5, int64_t padding_idx = 0,
                 Generator* gen = nullptr, bool sparse = false);

  // x [B, T], lengths [B] -> logits [B, C]. With lengths, the mean is over each sequence's
  // own first lengths[b] steps (what lies after them does not matter); without (an undefined
  // tensor), over all T steps, as the seed.
  Tensor forward(const Tensor& x, const Tensor& lengths);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }

  // The seed 003 way of loading pretrained vectors: copies `weights` [V, D] into the table
  // and freezes it (requires_grad off) when `freeze`; unfreeze with
  // embedding->weight.requires_grad_(true).
  void load_pretrained(const Tensor& weights, bool freeze = true);

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::Sequential> classifier;
};

class SimpleTextClassifier : public nn::Module {
 public:
  SimpleTextClassifier(int64_t vocab_size, int64_t embedding_dim, int64_t num_classes,
                       Generator* gen = nullptr);
  // x [B, T] -> logits [B, C]
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::Linear> fc;
};

class SentimentClassifier : public nn::Module {
 public:
  SentimentClassifier(int64_t vocab_size, int64_t embedding_dim, Generator* gen = nullptr);
  // x [B, T] -> probabilities [B, 1] (sigmoid), what nn::BCELoss takes
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::Linear> fc;
};

class SentimentModel : public nn::Module {
 public:
  // pretrained_embeddings [V, D] (trainable, freeze=False as the seed), or undefined for a
  // random table of vocab_size x embedding_dim. sparse: as TextClassifier's. dropout (not in
  // the seed, whose model is dropout 0): on the embedded tokens and on the last step's output,
  // as seed 003's classifier has it.
  SentimentModel(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim, int64_t output_dim,
                 const Tensor& pretrained_embeddings = Tensor(), Generator* gen = nullptr,
                 bool sparse = false, double dropout = 0.0);
  // x [B, T], lengths [B] -> logits [B, output_dim], from the LSTM output at step
  // lengths[b] - 1 of each sequence, which sees only that sequence's own tokens.
  Tensor forward(const Tensor& x, const Tensor& lengths);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::Dropout> dropout;
};

class SentimentClassifierWithPretrained : public nn::Module {
 public:
  // pretrained_weights [vocab_size, embedding_dim] are copied in and frozen. fc takes
  // hidden_dim * 2 inputs as in the seed: the final states of the last two (layer,
  // direction) pairs, i.e. the last layer's forward and backward states when bidirectional.
  // sparse: as TextClassifier's (for fine-tuning after embedding->weight.requires_grad_()).
  SentimentClassifierWithPretrained(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim,
                                    int64_t output_dim, int64_t n_layers, bool bidirectional,
                                    double dropout, int64_t pad_idx,
                                    const Tensor& pretrained_weights, Generator* gen = nullptr,
                                    bool sparse = false);
  // text [B, T], text_lengths [B] -> logits [B, output_dim]
  Tensor forward(const Tensor& text, const Tensor& text_lengths);
  using nn::Module::forward;  // the one-input form stays visible (clang -Woverloaded-virtual)

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::Dropout> dropout;
};

class TransferLearningModel : public nn::Module {
 public:
  // pretrained_embeddings [V, D]; LSTM(D, hidden_dim) batch first; fc(hidden_dim, C).
  TransferLearningModel(const Tensor& pretrained_embeddings, int64_t num_classes,
                        bool freeze_embeddings = true, int64_t hidden_dim = 128,
                        Generator* gen = nullptr);
  // x [B, T] -> logits [B, C] from the LSTM's state after step T (no lengths: the seed runs
  // the padded batch as it is).
  Tensor forward(const Tensor& x) override;

  // The seed's fine-tuning step: model.embedding.weight.requires_grad = True. Pair it with
  // an optimizer group of a lower lr for embedding_parameters() (seed 001, "Differential
  // Learning Rates"): the group exists from the start and is skipped while frozen.
  void unfreeze_embeddings();
  std::vector<Tensor> embedding_parameters() const { return embedding->parameters(); }
  // The LSTM's and fc's parameters: what trains while the embedding is frozen.
  std::vector<Tensor> head_parameters() const;

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace ember::models
