// Training the seed's character language model (CharLM, models/language_models.h) on a text
// file, as `ember generate train` does: consecutive chunks of characters (truncated BPTT),
// every next char predicted, Adam, the gradient norm clipped.
//
//   models::CharLMTrainOptions options;
//   options.steps = 500;
//   models::TrainedCharLM trained = models::train_char_lm("text.txt", options);
//   models::save_char_lm("char.safetensors", *trained.model, trained.vocab);
//
// Nothing here prints: each step's loss goes to a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <ember/data/language_model_data.h>
#include <ember/models/language_models.h>
#include <ember/tensor/generator.h>

namespace ember::models {

struct CharLMTrainOptions {
  int64_t embedding = 32;   // char embedding size
  int64_t hidden = 256;     // LSTM hidden size
  int64_t layers = 1;       // LSTM layers
  int64_t seq_length = 64;  // chars per chunk
  int64_t batch = 32;       // chunks per step
  // How long: `steps` optimizer steps, or `epochs` passes over the file; neither set: 1000
  // steps.
  std::optional<int64_t> steps, epochs;
  double lr = 0.002;  // Adam's
  double clip = 5.0;  // the gradient norm's bound; 0: off
  uint64_t seed = 1;  // the initial weights'
};

struct CharLMStep {
  int64_t step = 0;   // steps done, this one included
  int64_t epoch = 0;  // passes over the file completed
  double loss = 0;    // this step's mean cross-entropy, nats per char
};

struct TrainedCharLM {
  std::unique_ptr<Generator> generator;  // drew the weights; outlives the model
  std::unique_ptr<CharLM> model;
  data::CharVocabulary vocab;
  int64_t steps = 0;
  double last_loss = 0;  // the last step's
};

// Trains a CharLM on `path` (plain or .gz; its lines joined by newlines). `on_step`, when
// given, is called after every step; `on_start` once before the first, with the model built.
TrainedCharLM train_char_lm(const std::string& path, const CharLMTrainOptions& options,
                            const std::function<void(const CharLMStep&)>& on_step = {},
                            const std::function<void(const TrainedCharLM&)>& on_start = {});

// The mean loss over the held-out stream of `path` in chunks of batch x seq_length chars,
// in bits per char; an error when the file is too short for one chunk.
double held_out_bits_per_char(CharLM& model, const std::string& path,
                              const data::CharVocabulary& vocab, int64_t batch, int64_t seq_length);

}  // namespace ember::models
