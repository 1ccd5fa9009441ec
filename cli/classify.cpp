// `ember classify train|test|predict`: the seeds' text classifiers as a fastText-like
// supervised tool: seed 001's TextClassifier (embedding, masked mean pooling, MLP with dropout;
// the default), seed 002's SentimentModel (LSTM over a packed batch) and seed 003's
// SentimentClassifierWithPretrained (2-layer bidirectional LSTM). Input lines are
// "__label__X text..." (fastText) or "label<TAB>...<TAB>text" (TSV); the format is told by the
// first line. A model is PREFIX.safetensors (weights, with the options and label names as
// metadata) and PREFIX.vocab, both written atomically.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <ember/data/data_loader.h>
#include <ember/data/labelled_text.h>
#include <ember/data/pretrained.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/ember.h>
#include <ember/models/classifier_models.h>

#include "args.h"
#include "commands.h"

namespace ember::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct ClassifyOptions {
  std::string action;                 // train, test, predict
  std::string input, output, model;   // train: input -> output; test/predict: model, input
  std::string architecture = "text";  // text, lstm, bilstm
  int64_t dim = 100, hidden = 128, epochs = 5, batch = 32, threads = 0, min_count = 1;
  int64_t freeze_epochs = -1, k = 0, max_length = 0;
  double lr = 5e-3, embedding_lr = 5e-2, fine_tune_lr = -1, dropout = 0.5, clip = 0,
         word_dropout = 0;
  uint64_t seed = 1;
  std::string pretrained, valid;
  std::string keep;  // first, last ("": text first, lstm/bilstm last)
  bool quiet = false, dim_given = false, max_length_given = false, dropout_given = false,
       clip_given = false, epochs_given = false;
};

void print_classify_help() {
  std::printf(
      "usage: ember classify train --input FILE --output PREFIX [options]\n"
      "       ember classify test PREFIX FILE\n"
      "       ember classify predict PREFIX FILE [-k N]      (FILE '-' reads stdin)\n"
      "\n"
      "Trains a text classifier on FILE, one example a line: \"__label__X some words\" (fastText)\n"
      "or \"label<TAB>text\" (TSV; more columns allowed, the label first, the text last). Writes\n"
      "PREFIX.safetensors and PREFIX.vocab. test prints accuracy and each label's precision and\n"
      "recall; predict prints the most likely label of each line, or with -k N the N most likely\n"
      "each followed by its probability.\n"
      "\n"
      "train options:\n"
      "  --model M          text: TextClassifier, embedding -> masked mean -> Dropout, Linear,\n"
      "                           ReLU, Dropout, Linear (seed 001)              [text]\n"
      "                     lstm: SentimentModel, embedding -> LSTM -> last step -> Linear\n"
      "                           (seed 002)\n"
      "                     bilstm: SentimentClassifierWithPretrained, embedding -> Dropout ->\n"
      "                           2-layer bidirectional LSTM -> final states -> Linear (seed 003)\n"
      "  --dim N            embedding size                       [100]\n"
      "  --hidden N         the MLP's or LSTM's hidden size      [128]\n"
      "  --dropout P        dropout on the pooled/embedded input and before the last\n"
      "                     Linear                         [text, bilstm 0.5; lstm 0 as seed 002]\n"
      "  --epochs N         passes over FILE          [text, lstm 5; bilstm 8]\n"
      "  --lr X             Adam's lr for all but the embedding  [0.005]\n"
      "  --clip X           clip the gradient norm of all but the embedding at X (0: off)\n"
      "                                                         [text 0, lstm/bilstm 1]\n"
      "  --word-dropout P   leave each token of a training text out with probability P,\n"
      "                     drawn afresh each epoch (Iyyer et al. 2015)       [0]\n"
      "  --embedding-lr X   SparseAdam's lr for the embedding    [0.05]\n"
      "  --batch N          texts per step (bucketed by length)  [32]\n"
      "  --min-count N      drop words seen fewer times          [1]\n"
      "  --max-length N     read N tokens of a text (0: all), in training and in\n"
      "                     test/predict                         [text 0, lstm/bilstm 200]\n"
      "  --keep first|last  which N tokens of a longer text: its start or its end (an\n"
      "                     LSTM's last state is nearest the end) [text first, lstm/bilstm last]\n"
      "  --threads N        threads for the kernels              [all cores]\n"
      "  --seed N           random seed                          [1]\n"
      "  --pretrained FILE  start the embedding from word vectors (word2vec text/binary,\n"
      "                     fastText .vec, GloVe); --dim is the file's. The rows of the words\n"
      "                     the file has are frozen for --freeze-epochs [epochs/2], then\n"
      "                     fine-tuned at --fine-tune-lr [embedding-lr/10]; the other words'\n"
      "                     rows train from the start\n"
      "  --valid FILE       print the accuracy on FILE (same format) after each epoch\n"
      "  --quiet            no progress line\n"
      "\n"
      "With --threads 1 the same seed gives the same model bit for bit.\n");
}

ClassifyOptions parse(int argc, char** argv) {
  ClassifyOptions o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_classify_help();
      std::exit(0);
    }
    if (flag == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (flag.size() < 2 || flag[0] != '-') {
      positional.push_back(flag);
      continue;
    }
    EMBER_CHECK(i + 1 < argc, "option ", flag, " needs a value");
    const std::string value = argv[++i];
    if (flag == "--input")
      o.input = value;
    else if (flag == "--model")
      o.architecture = value;
    else if (flag == "--output")
      o.output = value;
    else if (flag == "--pretrained")
      o.pretrained = value;
    else if (flag == "--valid")
      o.valid = value;
    else if (flag == "--keep")
      o.keep = value;
    else if (flag == "--dim")
      o.dim = parse_integer(flag, value), o.dim_given = true;
    else if (flag == "--hidden")
      o.hidden = parse_integer(flag, value);
    else if (flag == "--epochs")
      o.epochs = parse_integer(flag, value), o.epochs_given = true;
    else if (flag == "--batch")
      o.batch = parse_integer(flag, value);
    else if (flag == "--threads")
      o.threads = parse_integer(flag, value);
    else if (flag == "--min-count")
      o.min_count = parse_integer(flag, value);
    else if (flag == "--max-length")
      o.max_length = parse_integer(flag, value), o.max_length_given = true;
    else if (flag == "--freeze-epochs")
      o.freeze_epochs = parse_integer(flag, value);
    else if (flag == "-k" || flag == "--k")
      o.k = parse_integer(flag, value);
    else if (flag == "--seed")
      o.seed = uint64_t(parse_integer(flag, value));
    else if (flag == "--lr")
      o.lr = parse_real(flag, value);
    else if (flag == "--embedding-lr")
      o.embedding_lr = parse_real(flag, value);
    else if (flag == "--fine-tune-lr")
      o.fine_tune_lr = parse_real(flag, value);
    else if (flag == "--dropout")
      o.dropout = parse_real(flag, value), o.dropout_given = true;
    else if (flag == "--word-dropout")
      o.word_dropout = parse_real(flag, value);
    else if (flag == "--clip")
      o.clip = parse_real(flag, value), o.clip_given = true;
    else
      EMBER_FAIL("unknown option ", flag, " (see ember classify --help)");
  }
  EMBER_CHECK(!positional.empty(), "say train, test or predict (see ember classify --help)");
  o.action = positional[0];
  if (o.action == "train") {
    EMBER_CHECK(positional.size() == 1, "train: unexpected argument '", positional[1], "'");
    EMBER_CHECK(!o.input.empty(), "train: --input FILE is required");
    EMBER_CHECK(!o.output.empty(), "train: --output PREFIX is required");
    // The 2-layer BiLSTM, with dropout 0.5 on its input and output, learns slower: on a
    // validation split of the SpamAssassin training e-mails its accuracy still rose from
    // epoch 5 to 8 (bench/results/2026-11-23-cpu-classify.md, "Fifth run").
    if (!o.epochs_given && o.architecture == "bilstm") o.epochs = 8;
    EMBER_CHECK(o.dim > 0 && o.hidden > 0 && o.epochs > 0 && o.batch > 0 && o.min_count > 0,
                "train: --dim, --hidden, --epochs, --batch and --min-count must be "
                "positive");
    EMBER_CHECK(o.lr > 0 && o.embedding_lr > 0 && o.dropout >= 0 && o.dropout < 1,
                "train: --lr and --embedding-lr must be positive and --dropout in [0, 1), got ",
                o.lr, ", ", o.embedding_lr, " and ", o.dropout);
    EMBER_CHECK(o.architecture == "text" || o.architecture == "lstm" || o.architecture == "bilstm",
                "train: --model must be text, lstm or bilstm, got '", o.architecture, "'");
    EMBER_CHECK(o.max_length >= 0, "train: --max-length must be at least 0, got ", o.max_length);
    if (o.max_length == 0 && !o.max_length_given && o.architecture != "text") o.max_length = 200;
    if (o.keep.empty()) o.keep = o.architecture == "text" ? "first" : "last";
    EMBER_CHECK(o.keep == "first" || o.keep == "last", "train: --keep must be first or last, got '",
                o.keep, "'");
    if (!o.dropout_given && o.architecture == "lstm") o.dropout = 0;  // the seed's model
    EMBER_CHECK(o.clip >= 0, "train: --clip must be at least 0, got ", o.clip);
    EMBER_CHECK(o.word_dropout >= 0 && o.word_dropout < 1,
                "train: --word-dropout must be in [0, 1), got ", o.word_dropout);
    if (!o.clip_given && o.architecture != "text") o.clip = 1;  // LSTMs' usual guard
  } else if (o.action == "test" || o.action == "predict") {
    EMBER_CHECK(positional.size() == 3, o.action, ": expected PREFIX FILE");
    o.model = positional[1];
    o.input = positional[2];
    EMBER_CHECK(o.k >= 0, "-k must be at least 0, got ", o.k);
  } else {
    EMBER_FAIL("unknown action '", o.action, "' (train, test or predict)");
  }
  if (o.fine_tune_lr < 0) o.fine_tune_lr = o.embedding_lr / 10;
  if (o.freeze_epochs < 0) o.freeze_epochs = o.pretrained.empty() ? 0 : o.epochs / 2;
  if (o.threads <= 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

// fastText's format when the first line starts with the label prefix, else TSV (which must
// then have a tab).
data::TextFormat detect_format(const std::string& path) {
  std::ifstream file(path);
  EMBER_CHECK(file, "cannot read ", path);
  std::string line;
  std::getline(file, line);
  if (line.rfind("__label__", 0) == 0) return data::TextFormat::kFastText;
  EMBER_CHECK(line.find('\t') != std::string::npos, path,
              ":1: neither \"__label__X text\" nor \"label<TAB>text\"");
  return data::TextFormat::kTsv;
}

// The three models behind one interface: forward(ids [B, T], lengths [B]) -> logits [B, C],
// and the embedding table that --pretrained fills and SparseAdam trains.
struct Classifier {
  std::string name;  // the model's class, stored in the metadata
  std::shared_ptr<nn::Module> module;
  std::shared_ptr<nn::Embedding> embedding;
  std::function<Tensor(const Tensor&, const Tensor&)> forward;
};

struct ClassifierShape {
  std::string architecture;  // text, lstm, bilstm
  int64_t vocab = 0, dim = 0, classes = 0, hidden = 0, padding_idx = 0;
  double dropout = 0;
};

const char* class_name(const std::string& architecture) {
  if (architecture == "lstm") return "SentimentModel";
  if (architecture == "bilstm") return "SentimentClassifierWithPretrained";
  return "TextClassifier";
}

// An empty text (no word the vocabulary knows) runs the LSTMs over one padding step: a
// packed batch takes no empty sequence.
Tensor at_least_one_step(const Tensor& lengths) {
  std::vector<int64_t> steps = lengths.to_vector<int64_t>();
  for (int64_t& n : steps) n = std::max<int64_t>(n, 1);
  return tensor(steps);
}

// Every table sparse (row gradients for SparseAdam) and trainable: ember classify freezes rows
// itself (see train_classifier), so the bilstm's seed-style freeze is undone here.
Classifier make_classifier(const ClassifierShape& s, Generator* gen) {
  Classifier c;
  c.name = class_name(s.architecture);
  if (s.architecture == "text") {
    auto model = std::make_shared<models::TextClassifier>(
        s.vocab, s.dim, s.classes, s.hidden, s.dropout, s.padding_idx, gen, /*sparse=*/true);
    c.module = model, c.embedding = model->embedding;
    c.forward = [model](const Tensor& x, const Tensor& lengths) {
      return model->forward(x, lengths);
    };
  } else if (s.architecture == "lstm") {
    auto model = std::make_shared<models::SentimentModel>(
        s.vocab, s.dim, s.hidden, s.classes, Tensor(), gen, /*sparse=*/true, s.dropout);
    c.module = model, c.embedding = model->embedding;
    c.forward = [model](const Tensor& x, const Tensor& lengths) {
      return model->forward(x, at_least_one_step(lengths));
    };
  } else {
    // The seed's table starts from pretrained weights; a random one stands in until
    // train_classifier or load_state_dict writes the real rows.
    Tensor weights = zeros({s.vocab, s.dim});
    normal_(weights, 0.0, 1.0, gen);
    auto model = std::make_shared<models::SentimentClassifierWithPretrained>(
        s.vocab, s.dim, s.hidden, s.classes, /*n_layers=*/2, /*bidirectional=*/true, s.dropout,
        s.padding_idx, weights, gen, /*sparse=*/true);
    model->embedding->weight.requires_grad_(true);
    c.module = model, c.embedding = model->embedding;
    c.forward = [model](const Tensor& x, const Tensor& lengths) {
      return model->forward(x, at_least_one_step(lengths));
    };
  }
  return c;
}

struct SavedModel {
  Classifier classifier;
  data::Vocabulary vocab;
  std::vector<std::string> labels;
  std::string label_prefix;  // "__label__" when trained on fastText's format: predict prints it
  int64_t max_length = 0;    // the texts' first max_length tokens, as in training (0: all),
  bool keep_last = false;    // or their last
  Generator generator{0};    // the dropout's (unused in eval mode), outlives the model
};

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i)
    joined += (i ? std::string(1, separator) : "") + parts[i];
  return joined;
}

void save_model(const std::string& prefix, const Classifier& classifier,
                const data::Vocabulary& vocab, const std::vector<std::string>& labels,
                const std::string& label_prefix, const ClassifyOptions& o) {
  std::map<std::string, std::string> metadata = {
      {"model", classifier.name},
      {"embedding_dim", std::to_string(classifier.embedding->embedding_dim())},
      {"hidden_dim", std::to_string(o.hidden)},
      {"dropout", detail::str(o.dropout)},
      {"max_length", std::to_string(o.max_length)},
      {"keep", o.keep},
      {"labels", join(labels, '\t')},
      {"label_prefix", label_prefix}};
  vocab.save(prefix + ".vocab");
  nn::save_safetensors(prefix + ".safetensors", classifier.module->state_dict(), metadata);
}

std::unique_ptr<SavedModel> load_model(const std::string& prefix) {
  auto saved = std::make_unique<SavedModel>();
  std::map<std::string, std::string> metadata;
  const std::string path = prefix + ".safetensors";
  std::map<std::string, Tensor> state = nn::load_safetensors(path, &metadata);
  for (const char* key : {"model", "embedding_dim", "hidden_dim", "dropout", "labels"})
    EMBER_CHECK(metadata.count(key), path, ": no \"", key,
                "\" in the metadata; not a model written by ember classify train");
  ClassifierShape shape;
  for (const char* architecture : {"text", "lstm", "bilstm"})
    if (metadata["model"] == class_name(architecture)) shape.architecture = architecture;
  EMBER_CHECK(!shape.architecture.empty(), path, ": a ", metadata["model"],
              " model; ember classify reads TextClassifier, SentimentModel and "
              "SentimentClassifierWithPretrained");
  saved->vocab = data::Vocabulary::load(prefix + ".vocab");
  saved->label_prefix = metadata["label_prefix"];
  if (metadata.count("max_length")) saved->max_length = std::stoll(metadata["max_length"]);
  saved->keep_last = metadata.count("keep") && metadata["keep"] == "last";
  std::string labels = metadata["labels"];
  for (size_t start = 0;;) {
    size_t end = labels.find('\t', start);
    saved->labels.push_back(labels.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  shape.vocab = saved->vocab.size();
  shape.dim = std::stoll(metadata["embedding_dim"]);
  shape.classes = int64_t(saved->labels.size());
  shape.hidden = std::stoll(metadata["hidden_dim"]);
  shape.dropout = std::stod(metadata["dropout"]);
  shape.padding_idx = std::max<int64_t>(saved->vocab.pad_id(), 0);
  saved->classifier = make_classifier(shape, &saved->generator);
  // strict: the error lists keys that do not match
  saved->classifier.module->load_state_dict(state);
  saved->classifier.module->eval();
  return saved;
}

// Cuts each batch (sorted by length, longest last) into consecutive pieces of at most
// max_tokens padded tokens (pieces * longest), so that the few batches of very long e-mails
// do not pad 32 texts to 25,000 steps each. Example, max_tokens 8, lengths {1, 2, 3, 4}:
// {a, b, c, d} -> {a, b} (2 x 2 = 4), {c, d} (2 x 4 = 8).
std::vector<std::vector<int64_t>> split_long_batches(std::vector<std::vector<int64_t>> batches,
                                                     const std::vector<int64_t>& lengths,
                                                     int64_t max_tokens) {
  std::vector<std::vector<int64_t>> pieces;
  for (std::vector<int64_t>& batch : batches) {
    std::vector<int64_t> piece;
    for (int64_t index : batch) {
      const int64_t longest = std::max(lengths[size_t(index)], int64_t(1));
      if (!piece.empty() && int64_t(piece.size() + 1) * longest > max_tokens)
        pieces.push_back(std::move(piece)), piece.clear();
      piece.push_back(index);
    }
    if (!piece.empty()) pieces.push_back(std::move(piece));
  }
  return pieces;
}

// Softmax probabilities [N, C] of texts, in batches of 256 under no_grad, in eval mode.
Tensor predict_probabilities(const Classifier& classifier, int64_t pad_id, int64_t classes,
                             const std::vector<std::vector<int64_t>>& texts) {
  NoGradGuard no_grad;
  classifier.module->eval();
  std::vector<Tensor> parts;
  for (size_t start = 0; start < texts.size(); start += 256) {
    const size_t end = std::min(texts.size(), start + 256);
    std::vector<std::vector<int64_t>> chunk(texts.begin() + int64_t(start),
                                            texts.begin() + int64_t(end));
    data::PaddedIds padded = data::pad_ids(chunk, std::max<int64_t>(pad_id, 0));
    parts.push_back(softmax(classifier.forward(padded.ids, padded.lengths), 1));
  }
  if (parts.empty()) return zeros({0, classes});
  return cat(parts, 0);
}

// A labelled file read with a model's vocabulary: each text's ids and its label's index in
// the model's labels (-1 for a label the model does not know).
struct LabelledTexts {
  std::vector<std::vector<int64_t>> texts;
  std::vector<int64_t> truth;
  int64_t unknown = 0;  // examples with such labels
};

LabelledTexts read_labelled(const std::string& path, const data::Vocabulary& vocab,
                            const std::vector<std::string>& labels, int64_t max_length,
                            bool keep_last) {
  data::LabelledTextOptions text_options;
  text_options.format = detect_format(path);
  text_options.max_length = max_length;
  text_options.keep_last = keep_last;
  data::LabelledTextDataset dataset(path, vocab, text_options);
  LabelledTexts read;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    read.texts.push_back(dataset.get(i)["text"].to_vector<int64_t>());
    const std::string& name = dataset.label_names()[size_t(dataset.label(i))];
    auto found = std::find(labels.begin(), labels.end(), name);
    read.truth.push_back(found == labels.end() ? -1 : int64_t(found - labels.begin()));
    read.unknown += found == labels.end();
  }
  return read;
}

// The predicted label of each text.
std::vector<int64_t> predict_labels(const Classifier& classifier, int64_t pad_id, int64_t classes,
                                    const LabelledTexts& read) {
  return argmax(predict_probabilities(classifier, pad_id, classes, read.texts), 1)
      .to_vector<int64_t>();
}

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return truth.empty() ? 0.0 : double(correct) / double(truth.size());
}

// Word dropout (Iyyer et al. 2015): each token of a training batch is left out with
// probability p, drawn afresh each time the text is seen; the text closes up over the gap
// (no placeholder row) and its length shrinks. In place on get_batch's fresh tensors.
void drop_words(const data::Batch& batch, double p, int64_t pad, Generator& gen) {
  const Tensor& text = batch["text"];
  const int64_t B = text.size(0), T = text.size(1);
  int64_t* x = text.data<int64_t>();                   // [B, T]
  int64_t* length = batch["lengths"].data<int64_t>();  // [B]
  for (int64_t b = 0; b < B; ++b) {
    int64_t kept = 0;
    for (int64_t i = 0; i < length[b]; ++i)
      if (gen.next_double() >= p) x[b * T + kept++] = x[b * T + i];
    for (int64_t i = kept; i < length[b]; ++i) x[b * T + i] = pad;
    length[b] = kept;
  }
}

// fastText's progress line, rewritten in place on stderr.
void print_progress(double fraction, double examples_per_sec, double loss, double elapsed,
                    bool final) {
  const int64_t eta = fraction > 0 ? int64_t(elapsed * (1 - fraction) / fraction) : 0;
  std::fprintf(stderr,
               "\rProgress: %5.1f%%  examples/sec: %8.0f  loss: %8.5f  ETA: %3lldh%2lldm%2llds ",
               100.0 * std::min(fraction, 1.0), examples_per_sec, loss, (long long)(eta / 3600),
               (long long)(eta / 60 % 60), (long long)(eta % 60));
  if (final) std::fprintf(stderr, "\n");
}

int train_classifier(const ClassifyOptions& o) {
  const Clock::time_point start = Clock::now();
  set_num_threads(int(o.threads));
  data::LabelledTextOptions text_options;
  text_options.format = detect_format(o.input);
  text_options.max_length = o.max_length;
  text_options.keep_last = o.keep == "last";
  data::VocabularyOptions vocab_options;
  vocab_options.min_count = o.min_count;
  // No <unk>: words not in the vocabulary are dropped, as fastText does, rather than all
  // mapped to one row that training never sees.
  vocab_options.specials = {"<pad>"};
  data::Vocabulary vocab =
      data::LabelledTextDataset::build_vocabulary(o.input, vocab_options, text_options);
  data::LabelledTextDataset dataset(o.input, vocab, text_options);
  EMBER_CHECK(dataset.size() > 0, o.input, ": no examples");
  EMBER_CHECK(dataset.label_names().size() >= 2, o.input, ": needs at least two labels, found ",
              dataset.label_names().size());
  std::fprintf(stderr, "Read %lld examples, %lld labels, vocabulary %lld words (min-count %lld)\n",
               (long long)dataset.size(), (long long)dataset.label_names().size(),
               (long long)vocab.size(), (long long)o.min_count);

  // --valid: read with the training vocabulary and the same max_length tokens.
  LabelledTexts valid;
  if (!o.valid.empty()) {
    valid = read_labelled(o.valid, vocab, dataset.label_names(), o.max_length, o.keep == "last");
    EMBER_CHECK(!valid.texts.empty(), o.valid, ": no examples");
  }

  Generator gen(o.seed);
  data::WordVectors vectors;
  ClassifierShape shape;
  shape.architecture = o.architecture;
  shape.vocab = vocab.size();
  shape.dim = o.dim;
  shape.classes = int64_t(dataset.label_names().size());
  shape.hidden = o.hidden;
  shape.dropout = o.dropout;
  shape.padding_idx = vocab.pad_id();
  if (!o.pretrained.empty()) {
    vectors = data::read_vectors(o.pretrained);
    EMBER_CHECK(!o.dim_given || o.dim == vectors.dim, "train: --dim ", o.dim, " but ", o.pretrained,
                " holds ", vectors.dim, "-dimensional vectors");
    shape.dim = vectors.dim;
  }
  Classifier model = make_classifier(shape, &gen);
  // frozen[id]: the row is a pretrained vector, kept as it is for the first freeze_epochs
  // epochs. Only those: the rows of words the file lacks start random and train from the
  // start (frozen too, the e-mails' own words, 77% of them with en7m vectors, would stay
  // noise).
  Tensor frozen = zeros({vocab.size()}, kBool);
  if (!o.pretrained.empty()) {
    data::PretrainedEmbedding table = data::build_pretrained_embedding(vocab, vectors, {}, &gen);
    std::fprintf(stderr, "%s\n", table.coverage.summary().c_str());
    NoGradGuard no_grad;
    model.embedding->weight.copy_(table.embedding->weight);
    for (int64_t id : table.found_ids) frozen.data<bool>()[id] = true;
  }
  // Adam for the rest; SparseAdam for the table, touching only the rows of each batch.
  std::vector<Tensor> head;
  for (const Tensor& p : model.module->parameters())
    if (!p.is_same(model.embedding->weight)) head.push_back(p);
  optim::Adam adam(head, optim::AdamOptions(o.lr));
  optim::SparseAdam sparse_adam(model.embedding->parameters(),
                                optim::SparseAdamOptions(o.embedding_lr));
  nn::CrossEntropyLoss criterion;
  Generator word_gen(o.seed ^ 0x9E3779B97F4A7C15ull);

  const std::vector<int64_t> lengths = dataset.lengths();
  int64_t examples_done = 0;
  const int64_t examples_total = o.epochs * dataset.size();
  const Clock::time_point train_start = Clock::now();
  double loss_sum = 0;
  int64_t loss_count = 0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const bool freezing = !o.pretrained.empty() && epoch < o.freeze_epochs;
    // Fine-tuning: every row trains, at a lower lr than the table had.
    if (!o.pretrained.empty() && epoch == o.freeze_epochs)
      sparse_adam.param_groups()[0].lr = o.fine_tune_lr;
    model.module->train();
    // Batches of texts of about the same length, in random order: one pool sorted by length
    // (lengths run from 1 to ~25,000 tokens, and a batch is padded to its longest), the
    // batches of long texts cut to at most 512 padded tokens a text.
    for (const std::vector<int64_t>& indices :
         split_long_batches(data::length_bucketed_batches(lengths, o.batch, o.seed, epoch, false,
                                                          dataset.size() / o.batch + 1),
                            lengths, o.batch * 512)) {
      data::Batch batch = dataset.get_batch(indices);
      if (o.word_dropout > 0) drop_words(batch, o.word_dropout, dataset.pad_value(), word_gen);
      adam.zero_grad();
      sparse_adam.zero_grad();
      Tensor loss = criterion(model.forward(batch["text"], batch["lengths"]), batch["label"]);
      loss.backward();
      if (freezing) optim::zero_grad_rows_(model.embedding->weight, frozen);
      if (o.clip > 0) optim::clip_grad_norm_(head, o.clip);
      adam.step();
      sparse_adam.step();
      loss_sum += loss.item<double>();
      ++loss_count;
      examples_done += int64_t(indices.size());
      if (!o.quiet && loss_count % 8 == 0) {
        const double elapsed = seconds_since(train_start);
        print_progress(double(examples_done) / double(examples_total), examples_done / elapsed,
                       loss_sum / double(loss_count), elapsed, false);
      }
    }
    // Evaluation draws no random numbers: the model trains the same with or without it.
    if (!o.valid.empty()) {
      const double valid_accuracy =
          accuracy(predict_labels(model, vocab.pad_id(), shape.classes, valid), valid.truth);
      std::fprintf(stderr, "%sepoch %lld: accuracy %.4f on %s (%zu examples)\n",
                   o.quiet ? "" : "\n", (long long)(epoch + 1), valid_accuracy, o.valid.c_str(),
                   valid.texts.size());
    }
  }
  const double train_seconds = seconds_since(train_start);
  if (!o.quiet)
    print_progress(1.0, examples_done / train_seconds,
                   loss_sum / double(std::max<int64_t>(loss_count, 1)), train_seconds, true);
  model.module->eval();
  save_model(o.output, model, vocab, dataset.label_names(),
             text_options.format == data::TextFormat::kFastText ? text_options.label_prefix : "",
             o);
  std::fprintf(stderr, "Trained in %.2f s (%.2f s in all); wrote %s.safetensors and %s.vocab\n",
               train_seconds, seconds_since(start), o.output.c_str(), o.output.c_str());
  return 0;
}

int test_classifier(const ClassifyOptions& o) {
  std::unique_ptr<SavedModel> saved = load_model(o.model);
  const int64_t C = int64_t(saved->labels.size());
  const LabelledTexts read =
      read_labelled(o.input, saved->vocab, saved->labels, saved->max_length, saved->keep_last);
  const int64_t N = int64_t(read.texts.size());
  if (read.unknown > 0)
    std::fprintf(stderr,
                 "%lld examples of %s have labels the model was not trained on (counted "
                 "as wrong)\n",
                 (long long)read.unknown, o.input.c_str());
  const std::vector<int64_t>& truth = read.truth;
  const std::vector<int64_t> predicted =
      predict_labels(saved->classifier, saved->vocab.pad_id(), C, read);
  std::vector<int64_t> true_positive(size_t(C), 0), predicted_count(size_t(C), 0),
      actual_count(size_t(C), 0);
  for (int64_t i = 0; i < N; ++i) {
    const int64_t p = predicted[size_t(i)], t = truth[size_t(i)];
    ++predicted_count[size_t(p)];
    if (t >= 0) ++actual_count[size_t(t)];
    if (p == t) ++true_positive[size_t(p)];
  }
  std::printf("N\t%lld\naccuracy\t%.4f\n", (long long)N, accuracy(predicted, truth));
  std::printf("label\tprecision\trecall\tsupport\n");
  for (int64_t c = 0; c < C; ++c) {
    const double precision = predicted_count[size_t(c)]
                                 ? double(true_positive[size_t(c)]) / predicted_count[size_t(c)]
                                 : 0;
    const double recall =
        actual_count[size_t(c)] ? double(true_positive[size_t(c)]) / actual_count[size_t(c)] : 0;
    std::printf("%s\t%.4f\t%.4f\t%lld\n", saved->labels[size_t(c)].c_str(), precision, recall,
                (long long)actual_count[size_t(c)]);
  }
  return 0;
}

// predict: each line's text is its last TSV column, or its tokens without the label prefix.
int predict(const ClassifyOptions& o) {
  std::unique_ptr<SavedModel> saved = load_model(o.model);
  std::ifstream file;
  if (o.input != "-") {
    file.open(o.input);
    EMBER_CHECK(file, "predict: cannot read ", o.input);
  }
  std::istream& in = o.input == "-" ? std::cin : file;
  std::vector<std::vector<int64_t>> texts;
  std::string line;
  while (std::getline(in, line)) {
    std::string text =
        line.substr(line.rfind('\t') == std::string::npos ? 0 : line.rfind('\t') + 1);
    std::vector<int64_t> ids;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t begin = text.find_first_not_of(" \r\n\v\f", pos);
      if (begin == std::string::npos) break;
      size_t end = std::min(text.find_first_of(" \r\n\v\f", begin), text.size());
      const std::string token = text.substr(begin, end - begin);
      pos = end;
      if (token.rfind("__label__", 0) == 0) continue;
      const int64_t id = saved->vocab.id(token);
      if (id != data::Vocabulary::kNone) ids.push_back(id);
    }
    // The same max_length ids as LabelledTextDataset keeps: the first, or the last.
    if (saved->max_length > 0 && int64_t(ids.size()) > saved->max_length) {
      if (saved->keep_last)
        ids.erase(ids.begin(), ids.end() - saved->max_length);
      else
        ids.resize(size_t(saved->max_length));
    }
    texts.push_back(std::move(ids));
  }
  Tensor probabilities = predict_probabilities(saved->classifier, saved->vocab.pad_id(),
                                               int64_t(saved->labels.size()), texts);
  const int64_t C = int64_t(saved->labels.size()), k = std::min<int64_t>(o.k ? o.k : 1, C);
  ValuesIndices top = topk(probabilities, k, 1);
  std::vector<float> values = top.values.to_vector<float>();
  std::vector<int64_t> indices = top.indices.to_vector<int64_t>();
  for (size_t i = 0; i < texts.size(); ++i) {
    for (int64_t j = 0; j < k; ++j) {
      const size_t at = i * size_t(k) + size_t(j);
      std::printf(j ? " %s%s" : "%s%s", saved->label_prefix.c_str(),
                  saved->labels[size_t(indices[at])].c_str());
      if (o.k) std::printf(" %.5f", double(values[at]));
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int classify(int argc, char** argv) {
  if (argc < 2) {
    print_classify_help();
    return 1;
  }
  const ClassifyOptions o = parse(argc, argv);
  if (o.action == "train") return train_classifier(o);
  if (o.action == "test") return test_classifier(o);
  return predict(o);
}

}  // namespace ember::cli
