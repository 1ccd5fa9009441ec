// Training, saving, loading and testing the seeds' text classifiers on labelled text files, as
// `ember classify` does: a program that links ember trains what the command trains.
//
//   models::ClassifierTrainOptions options;
//   options.architecture = "lstm";                 // or "SentimentModel"
//   models::TrainedClassifier trained = models::train_classifier("train.tsv", options);
//   trained.save("spam");                          // spam.safetensors + spam.vocab
//   models::TrainedClassifier loaded = models::TrainedClassifier::load("spam");
//   models::ClassifierMetrics metrics = models::test_classifier(loaded, "test.tsv");
//
// Files hold one example a line: "__label__X some words" (fastText) or "label<TAB>text" (TSV;
// more columns allowed, the label first, the text last); the format is told by the first line.
// Three models, by class name or short name:
//   text    TextClassifier: embedding -> masked mean -> Dropout, Linear, ReLU, Dropout, Linear
//   lstm    SentimentModel: embedding -> LSTM over a packed batch -> last step -> Linear
//   bilstm  SentimentClassifierWithPretrained: embedding -> Dropout -> 2-layer bidirectional
//           LSTM -> final states -> Linear
// Training: batches of texts of about the same length, Adam for all but the embedding and
// SparseAdam for the embedding (only the rows of each batch), optional word dropout, gradient
// clipping and pretrained rows frozen for the first epochs. With one thread (set_num_threads)
// the same seed gives the same model bit for bit. Nothing here prints: progress and each
// epoch's validation accuracy go to the hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ember/data/labelled_text.h>
#include <ember/data/vocab.h>
#include <ember/dist/communicator.h>
#include <ember/nn/embedding.h>
#include <ember/nn/module.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/tensor.h>

namespace ember::models {

// What an architecture uses where the options leave a field unset: one row each.
struct ClassifierDefaults {
  const char* architecture;  // the short name: text, lstm, bilstm
  const char* class_name;    // TextClassifier, SentimentModel, SentimentClassifierWithPretrained
  int64_t epochs;            // the BiLSTM learns slower: 8
  double dropout;            // lstm: 0, as seed 002
  double clip;               // the gradient norm's bound (0: off); 1 guards the LSTMs
  int64_t max_length;        // tokens read of a text (0: all); the LSTMs read 200
  bool keep_last;            // which of a longer text's tokens: the LSTMs read its end
};

// The table, in the order text, lstm, bilstm.
const std::vector<ClassifierDefaults>& classifier_defaults_table();
// The row of a short or class name; an unknown name is an error that names it.
const ClassifierDefaults& classifier_defaults(const std::string& architecture);

struct ClassifierTrainOptions {
  std::string architecture = "text";  // a short name or a class name (see above)
  std::optional<int64_t> dim;         // embedding size [100]; with pretrained, the file's
  int64_t hidden = 128;               // the MLP's or LSTM's hidden size
  int64_t batch = 32;                 // texts per step
  int64_t min_count = 1;              // words seen fewer times are dropped
  double lr = 5e-3;                   // Adam's, for all but the embedding
  double embedding_lr = 5e-2;         // SparseAdam's, for the embedding
  double word_dropout = 0;            // leave each training token out with this probability
  uint64_t seed = 1;
  // Unset: the architecture's row of the defaults table.
  std::optional<int64_t> epochs;
  std::optional<double> dropout, clip;
  std::optional<int64_t> max_length;
  std::optional<bool> keep_last;
  // Word vectors (any format data::read_vectors reads) to start the embedding from: the rows
  // of the words the file has are frozen for freeze_epochs [epochs / 2], then trained at
  // fine_tune_lr [embedding_lr / 10]; the other rows train from the start.
  std::string pretrained;
  std::optional<int64_t> freeze_epochs;
  std::optional<double> fine_tune_lr;
  std::string valid;  // a labelled file scored after each epoch (hooks.epoch_end)
  // Several processes (mpirun): every rank reads the data and trains on its part of each
  // batch, the gradients summed over the ranks (dist::DataParallel), so that every rank
  // makes the update one process makes on the whole batch (to float rounding). Hooks are
  // called on rank 0 alone.
  dist::Communicator* comm = nullptr;

  // These options with every unset field filled in, checked (errors name the field).
  ClassifierTrainOptions resolved() const;
};

// One of the three models behind one interface: forward(ids [B, T], lengths [B]) -> logits
// [B, C], and the embedding table that pretrained vectors fill and SparseAdam trains.
struct Classifier {
  std::string class_name;
  std::shared_ptr<nn::Module> module;
  std::shared_ptr<nn::Embedding> embedding;
  std::function<Tensor(const Tensor&, const Tensor&)> forward;
};

struct ClassifierShape {
  int64_t vocab = 0, dim = 0, classes = 0, hidden = 0, padding_idx = 0;
  double dropout = 0;
};

// A new model of `architecture` (short or class name; an unknown one is an error naming it).
// Every table is sparse and trainable; gen draws the weights and the dropout masks, so it
// must outlive the model.
Classifier make_classifier(const std::string& architecture, const ClassifierShape& shape,
                           Generator* gen);

// A labelled file read with a model's vocabulary: each text's ids and its label's index in
// the model's labels (-1 for a label the model does not know).
struct LabelledTexts {
  std::vector<std::vector<int64_t>> texts;
  std::vector<int64_t> truth;
  int64_t unknown = 0;  // examples with labels the model does not know
};

// A model with what reading texts needs: its vocabulary, label names and how texts are cut.
struct TrainedClassifier {
  Classifier model;
  data::Vocabulary vocab;
  std::vector<std::string> labels;
  std::string label_prefix;  // "__label__" when trained on fastText's format, else ""
  int64_t hidden = 0;
  double dropout = 0;
  int64_t max_length = 0;  // the texts' first max_length tokens (0: all),
  bool keep_last = false;  // or their last
  std::unique_ptr<Generator> generator = std::make_unique<Generator>(0);  // the model's

  // Writes PREFIX.safetensors (the weights, with the class name, sizes, labels and text
  // options as metadata) and PREFIX.vocab, each atomically.
  void save(const std::string& prefix) const;
  // Reads what save wrote; errors name the file and what is missing or does not match.
  static TrainedClassifier load(const std::string& prefix);

  // How texts are read: the file format of `path` (told by its first line), max_length and
  // keep_last as in training.
  data::LabelledTextOptions text_options(const std::string& path) const;
  LabelledTexts read_labelled(const std::string& path) const;
  // The ids of a line with or without a label (data::encode_unlabelled_line).
  std::vector<int64_t> encode_line(std::string_view line) const;
  // Softmax probabilities [N, C] of N texts, in eval mode under no_grad.
  Tensor predict_probabilities(const std::vector<std::vector<int64_t>>& texts) const;
  std::vector<int64_t> predict_labels(const std::vector<std::vector<int64_t>>& texts) const;
};

// fastText's format when the file's first line starts with the label prefix, else TSV (whose
// first line must then have a tab).
data::TextFormat detect_text_format(const std::string& path);

struct ClassifierProgress {
  int64_t examples_done = 0, examples_total = 0;  // over all epochs
  double loss = 0;                                // the mean loss so far
  double seconds = 0;                             // since training began
};

struct ClassifierTrainHooks {
  // A line worth telling: what was read, the pretrained vectors' coverage.
  std::function<void(const std::string&)> note;
  // Every 8 steps.
  std::function<void(const ClassifierProgress&)> progress;
  // After each epoch (1-based) when options.valid is set: the accuracy on it, of how many.
  std::function<void(int64_t epoch, double accuracy, int64_t examples)> epoch_end;
};

// Trains on the labelled file `path`; the model returned is in eval mode. `final_progress`,
// when given, receives the totals.
TrainedClassifier train_classifier(const std::string& path, const ClassifierTrainOptions& options,
                                   const ClassifierTrainHooks& hooks = {},
                                   ClassifierProgress* final_progress = nullptr);

struct LabelMetrics {
  std::string label;
  double precision = 0, recall = 0;
  int64_t support = 0;  // examples with this label
};

struct ClassifierMetrics {
  int64_t examples = 0;
  int64_t unknown = 0;  // examples whose label the model does not know (counted as wrong)
  double accuracy = 0;
  std::vector<LabelMetrics> labels;  // in the model's label order
};

// Fraction of predicted[i] == truth[i] (0 for none).
double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth);

// The model's accuracy and each label's precision, recall and support on a labelled file.
ClassifierMetrics test_classifier(const TrainedClassifier& trained, const std::string& path);

}  // namespace ember::models
