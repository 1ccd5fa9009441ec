// The seeds' language models, written their way with the autograd engine:
//   NGramLanguageModel  embed the C previous words, flatten, Linear-ReLU-Linear to next-word
//                       logits; train_language_model is the seed's Adam + CrossEntropy loop
//                       (seed 001, "N-gram Language Model")
//   CharLM              char embedding -> LSTM -> Linear; greedy and temperature-sampled
//                       generation (seed 004, "Slide 11", the text-generation example)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <ember/data/language_model_data.h>

#include <ember/nn/embedding.h>
#include <ember/nn/layers.h>
#include <ember/nn/lstm.h>
#include <ember/nn/module.h>
#include <ember/tensor/generator.h>

namespace ember::models {

class NGramLanguageModel : public nn::Module {
 public:
  // Layers initialised as PyTorch's (Embedding N(0, 1), Linear U(+-1/sqrt(in))), drawn from
  // gen in the seed's order: embeddings, network.0, network.2.
  NGramLanguageModel(int64_t vocab_size, int64_t embedding_dim, int64_t context_size,
                     int64_t hidden_dim = 128, Generator* gen = nullptr);

  // context [B, C] int64 -> next-word logits [B, V]
  Tensor forward(const Tensor& context) override;

  int64_t context_size;
  std::shared_ptr<nn::Embedding> embeddings;
  std::shared_ptr<nn::Sequential> network;  // Linear(C * D, H), ReLU, Linear(H, V)
};

// The seed's train_language_model: `epochs` passes of Adam(lr) on the mean cross-entropy,
// one step per (context, target) batch that next_batch gives (false: the epoch is over);
// rewind starts the next pass. Prints "Epoch e, Loss: x" unless quiet and returns the mean
// loss of each epoch.
std::vector<double> train_language_model(NGramLanguageModel& model,
                                         const std::function<bool(Tensor&, Tensor&)>& next_batch,
                                         const std::function<void()>& rewind, int64_t epochs = 10,
                                         double lr = 0.001, bool quiet = false);

// exp(mean cross-entropy) of the model over every batch that next_batch gives.
double perplexity(NGramLanguageModel& model,
                  const std::function<bool(Tensor&, Tensor&)>& next_batch);

class CharLM : public nn::Module {
 public:
  // Embedding N(0, 1), LSTM U(+-1/sqrt(H)), Linear U(+-1/sqrt(H)) as PyTorch's, from gen in
  // that order. num_layers > 1 stacks LSTM layers (the seed has one).
  CharLM(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim, int64_t num_layers = 1,
         Generator* gen = nullptr);

  // The seed's forward: x [B, T] int64 -> logits [B, V] of the char after each row.
  Tensor forward(const Tensor& x) override;
  // Logits at every step, for training on every position of a chunk (char-rnn style):
  // x [B, T] -> logits [B, T, V], and the LSTM state after the last step, from `state`
  // (nullopt: zeros).
  std::pair<Tensor, nn::LstmState> forward_all(
      const Tensor& x, const std::optional<nn::LstmState>& state = std::nullopt);

  int64_t vocab_size() const { return fc->out_features; }

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
};

// A CharLM and its character vocabulary in one .safetensors file, written atomically: the
// state_dict, with metadata ember.model = CharLM, chars (the vocabulary's byte codes,
// "10,32,97,..."), embedding_dim, hidden_dim and num_layers. load_char_lm checks each and
// names the file and the entry at fault.
void save_char_lm(const std::string& path, const CharLM& model, const data::CharVocabulary& vocab);
struct LoadedCharLM {
  std::shared_ptr<CharLM> model;
  data::CharVocabulary vocab;
};
LoadedCharLM load_char_lm(const std::string& path);

// Mean cross-entropy over every position: inputs, targets [B, T] -> scalar (nats per char;
// divide by ln 2 for bits per char).
Tensor char_lm_loss(CharLM& model, const Tensor& inputs, const Tensor& targets);

// Continues `prompt` (char ids, at least one) by `length` chars. temperature 0 is the seed's
// greedy argmax; temperature t > 0 samples from softmax(logits / t) with draws from gen
// (nullptr: the default generator), so the same seed gives the same text. The LSTM reads
// the prompt once and then carries its state, one char per step. Runs in eval mode without
// a graph. Returns the new ids only.
std::vector<int64_t> generate(CharLM& model, const std::vector<int64_t>& prompt, int64_t length,
                              double temperature = 0.0, Generator* gen = nullptr);

// Index drawn from softmax(logits / temperature) over logits [V] (float32 or float64), or
// the argmax when temperature is 0, with one uniform draw from gen.
int64_t sample_logits(const Tensor& logits, double temperature, Generator* gen);

}  // namespace ember::models
