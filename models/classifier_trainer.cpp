#include <ember/models/classifier_trainer.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include <ember/autograd/grad_mode.h>
#include <ember/data/data_loader.h>
#include <ember/data/pretrained.h>
#include <ember/data/vectors.h>
#include <ember/dist/data_parallel.h>
#include <ember/models/classifier_models.h>
#include <ember/nn/functional.h>
#include <ember/nn/loss.h>
#include <ember/nn/serialize.h>
#include <ember/optim/optim.h>
#include <ember/tensor/parallel.h>

namespace ember::models {

namespace {

// An empty text (no word the vocabulary knows) runs the LSTMs over one padding step: a
// packed batch takes no empty sequence.
Tensor at_least_one_step(const Tensor& lengths) {
  std::vector<int64_t> steps = lengths.to_vector<int64_t>();
  for (int64_t& n : steps) n = std::max<int64_t>(n, 1);
  return tensor(steps);
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i)
    joined += (i ? std::string(1, separator) : "") + parts[i];
  return joined;
}

std::vector<std::string> split(const std::string& joined, char separator) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t end = joined.find(separator, start);
    parts.push_back(joined.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
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

}  // namespace

const std::vector<ClassifierDefaults>& classifier_defaults_table() {
  // The 2-layer BiLSTM, with dropout 0.5 on its input and output, learns slower: on a
  // validation split of the SpamAssassin training e-mails its accuracy still rose from epoch
  // 5 to 8 (bench/results/2026-11-23-cpu-classify.md, "Fifth run").
  static const std::vector<ClassifierDefaults> table = {
      // architecture, class name, epochs, dropout, clip, max_length, keep_last
      {"text", "TextClassifier", 5, 0.5, 0, 0, false},
      {"lstm", "SentimentModel", 5, 0, 1, 200, true},
      {"bilstm", "SentimentClassifierWithPretrained", 8, 0.5, 1, 200, true},
  };
  return table;
}

const ClassifierDefaults& classifier_defaults(const std::string& architecture) {
  for (const ClassifierDefaults& row : classifier_defaults_table())
    if (architecture == row.architecture || architecture == row.class_name) return row;
  EMBER_FAIL("classifier: unknown model '", architecture,
             "' (text, lstm, bilstm or TextClassifier, SentimentModel, "
             "SentimentClassifierWithPretrained)");
}

ClassifierTrainOptions ClassifierTrainOptions::resolved() const {
  const ClassifierDefaults& row = classifier_defaults(architecture);
  ClassifierTrainOptions o = *this;
  o.architecture = row.architecture;
  if (!o.epochs) o.epochs = row.epochs;
  if (!o.dropout) o.dropout = row.dropout;
  if (!o.clip) o.clip = row.clip;
  if (!o.max_length) o.max_length = row.max_length;
  if (!o.keep_last) o.keep_last = row.keep_last;
  if (!o.fine_tune_lr) o.fine_tune_lr = o.embedding_lr / 10;
  if (!o.freeze_epochs) o.freeze_epochs = o.pretrained.empty() ? 0 : *o.epochs / 2;
  EMBER_CHECK(!o.dim || *o.dim > 0, "classifier: dim must be positive, got ", o.dim.value_or(0));
  EMBER_CHECK(o.hidden > 0 && *o.epochs > 0 && o.batch > 0 && o.min_count > 0,
              "classifier: hidden, epochs, batch and min_count must be positive, got ", o.hidden,
              ", ", *o.epochs, ", ", o.batch, " and ", o.min_count);
  EMBER_CHECK(o.lr > 0 && o.embedding_lr > 0 && *o.fine_tune_lr > 0,
              "classifier: lr, embedding_lr and fine_tune_lr must be positive, got ", o.lr, ", ",
              o.embedding_lr, " and ", *o.fine_tune_lr);
  EMBER_CHECK(*o.dropout >= 0 && *o.dropout < 1, "classifier: dropout must be in [0, 1), got ",
              *o.dropout);
  EMBER_CHECK(o.word_dropout >= 0 && o.word_dropout < 1,
              "classifier: word_dropout must be in [0, 1), got ", o.word_dropout);
  EMBER_CHECK(*o.clip >= 0, "classifier: clip must be at least 0, got ", *o.clip);
  EMBER_CHECK(*o.max_length >= 0, "classifier: max_length must be at least 0, got ", *o.max_length);
  EMBER_CHECK(*o.freeze_epochs >= 0, "classifier: freeze_epochs must be at least 0, got ",
              *o.freeze_epochs);
  return o;
}

Classifier make_classifier(const std::string& architecture, const ClassifierShape& s,
                           Generator* gen) {
  const ClassifierDefaults& row = classifier_defaults(architecture);
  const std::string name = row.architecture;
  Classifier c;
  c.class_name = row.class_name;
  if (name == "text") {
    auto model = std::make_shared<TextClassifier>(s.vocab, s.dim, s.classes, s.hidden, s.dropout,
                                                  s.padding_idx, gen, /*sparse=*/true);
    c.module = model, c.embedding = model->embedding;
    c.forward = [model](const Tensor& x, const Tensor& lengths) {
      return model->forward(x, lengths);
    };
  } else if (name == "lstm") {
    auto model = std::make_shared<SentimentModel>(s.vocab, s.dim, s.hidden, s.classes, Tensor(),
                                                  gen, /*sparse=*/true, s.dropout);
    c.module = model, c.embedding = model->embedding;
    c.forward = [model](const Tensor& x, const Tensor& lengths) {
      return model->forward(x, at_least_one_step(lengths));
    };
  } else {
    // The seed's table starts from pretrained weights; a random one stands in until training
    // or load_state_dict writes the real rows. The trainer freezes rows itself, so the
    // seed-style freeze of the whole table is undone.
    Tensor weights = zeros({s.vocab, s.dim});
    normal_(weights, 0.0, 1.0, gen);
    auto model = std::make_shared<SentimentClassifierWithPretrained>(
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

data::TextFormat detect_text_format(const std::string& path) {
  std::ifstream file(path);
  EMBER_CHECK(file, "cannot read ", path);
  std::string line;
  std::getline(file, line);
  if (line.rfind("__label__", 0) == 0) return data::TextFormat::kFastText;
  EMBER_CHECK(line.find('\t') != std::string::npos, path,
              ":1: neither \"__label__X text\" nor \"label<TAB>text\"");
  return data::TextFormat::kTsv;
}

void TrainedClassifier::save(const std::string& prefix) const {
  const std::map<std::string, std::string> metadata = {
      {"model", model.class_name},
      {"embedding_dim", std::to_string(model.embedding->embedding_dim())},
      {"hidden_dim", std::to_string(hidden)},
      {"dropout", detail::str(dropout)},
      {"max_length", std::to_string(max_length)},
      {"keep", keep_last ? "last" : "first"},
      {"labels", join(labels, '\t')},
      {"label_prefix", label_prefix}};
  vocab.save(prefix + ".vocab");
  nn::save_safetensors(prefix + ".safetensors", model.module->state_dict(), metadata);
}

TrainedClassifier TrainedClassifier::load(const std::string& prefix) {
  TrainedClassifier loaded;
  std::map<std::string, std::string> metadata;
  const std::string path = prefix + ".safetensors";
  std::map<std::string, Tensor> state = nn::load_safetensors(path, &metadata);
  for (const char* key : {"model", "embedding_dim", "hidden_dim", "dropout", "labels"})
    EMBER_CHECK(metadata.count(key), path, ": no \"", key,
                "\" in the metadata; not a model written by ember classify train");
  const ClassifierDefaults* row = nullptr;
  for (const ClassifierDefaults& r : classifier_defaults_table())
    if (metadata["model"] == r.class_name) row = &r;
  EMBER_CHECK(row, path, ": a ", metadata["model"],
              " model; ember classify reads TextClassifier, SentimentModel and "
              "SentimentClassifierWithPretrained");
  // Every number of the metadata is checked (whole text, range) before a model is built
  // from it, and the sizes against the stored tensors, so that a bad file is an error naming
  // it and the field, not an allocation of its claimed size.
  const auto integer = [&](const char* key, int64_t low, int64_t high) {
    const std::string& text = metadata[key];
    int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    EMBER_CHECK(!text.empty() && error == std::errc() && end == text.data() + text.size() &&
                    value >= low && value <= high,
                path, ": metadata \"", key, "\" is '", text, "', not a whole number in [", low,
                ", ", high, "]");
    return value;
  };
  loaded.vocab = data::Vocabulary::load(prefix + ".vocab");
  loaded.label_prefix = metadata["label_prefix"];
  constexpr int64_t kMaxSize = int64_t(1) << 31;
  if (metadata.count("max_length")) loaded.max_length = integer("max_length", 0, kMaxSize);
  loaded.keep_last = metadata.count("keep") && metadata["keep"] == "last";
  loaded.labels = split(metadata["labels"], '\t');
  loaded.hidden = integer("hidden_dim", 1, kMaxSize);
  {
    const std::string& text = metadata["dropout"];
    char* end = nullptr;
    loaded.dropout = std::strtod(text.c_str(), &end);
    EMBER_CHECK(!text.empty() && end == text.c_str() + text.size() && loaded.dropout >= 0 &&
                    loaded.dropout < 1,
                path, ": metadata \"dropout\" is '", text, "', not a number in [0, 1)");
  }
  ClassifierShape shape;
  shape.vocab = loaded.vocab.size();
  shape.dim = integer("embedding_dim", 1, kMaxSize);
  const auto table = state.find("embedding.weight");
  EMBER_CHECK(table != state.end(), path, ": no tensor 'embedding.weight'");
  EMBER_CHECK(table->second.sizes() == Shape({shape.vocab, shape.dim}), path,
              ": tensor 'embedding.weight' is ", table->second.sizes(), ", but the metadata's ",
              "embedding_dim and the ", shape.vocab, " words of ", prefix, ".vocab make it ",
              Shape({shape.vocab, shape.dim}));
  // Every architecture holds a [hidden, dim] block of weights at least (the first Linear
  // layer, or the LSTM's input weights), so the stored tensors bound hidden_dim.
  int64_t stored = 0, needed = 0;
  for (const auto& [name, t] : state) stored += t.numel();
  EMBER_CHECK(checked_mul(loaded.hidden, shape.dim, &needed) && needed <= stored, path,
              ": metadata \"hidden_dim\" ", loaded.hidden, " with embedding_dim ", shape.dim,
              " needs more weights than the ", stored, " the file holds");
  EMBER_CHECK(!loaded.labels.empty() && !loaded.labels[0].empty(), path,
              ": metadata \"labels\" is empty");
  const std::string not_finite = nn::first_non_finite(state);
  EMBER_CHECK(not_finite.empty(), path, ": tensor '", not_finite,
              "' holds values that are not finite (nan or inf): not a trained model");
  shape.classes = int64_t(loaded.labels.size());
  shape.hidden = loaded.hidden;
  shape.dropout = loaded.dropout;
  shape.padding_idx = std::max<int64_t>(loaded.vocab.pad_id(), 0);
  loaded.model = make_classifier(row->architecture, shape, loaded.generator.get());
  // strict: the error lists keys that do not match
  loaded.model.module->load_state_dict(state);
  loaded.model.module->eval();
  return loaded;
}

data::LabelledTextOptions TrainedClassifier::text_options(const std::string& path) const {
  data::LabelledTextOptions options;
  if (!path.empty()) options.format = detect_text_format(path);
  options.max_length = max_length;
  options.keep_last = keep_last;
  return options;
}

LabelledTexts TrainedClassifier::read_labelled(const std::string& path) const {
  data::LabelledTextDataset dataset(path, vocab, text_options(path));
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

std::vector<int64_t> TrainedClassifier::encode_line(std::string_view line) const {
  return data::encode_unlabelled_line(line, vocab, text_options(""));
}

// In batches of 256.
Tensor TrainedClassifier::predict_probabilities(
    const std::vector<std::vector<int64_t>>& texts) const {
  NoGradGuard no_grad;
  model.module->eval();
  std::vector<Tensor> parts;
  for (size_t start = 0; start < texts.size(); start += 256) {
    const size_t end = std::min(texts.size(), start + 256);
    std::vector<std::vector<int64_t>> chunk(texts.begin() + int64_t(start),
                                            texts.begin() + int64_t(end));
    data::PaddedIds padded = data::pad_ids(chunk, std::max<int64_t>(vocab.pad_id(), 0));
    parts.push_back(softmax(model.forward(padded.ids, padded.lengths), 1));
  }
  if (parts.empty()) return zeros({0, int64_t(labels.size())});
  return cat(parts, 0);
}

std::vector<int64_t> TrainedClassifier::predict_labels(
    const std::vector<std::vector<int64_t>>& texts) const {
  return argmax(predict_probabilities(texts), 1).to_vector<int64_t>();
}

double accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return truth.empty() ? 0.0 : double(correct) / double(truth.size());
}

TrainedClassifier train_classifier(const std::string& path, const ClassifierTrainOptions& options,
                                   const ClassifierTrainHooks& all_hooks,
                                   ClassifierProgress* final_progress) {
  const ClassifierTrainOptions o = options.resolved();
  // A distributed run's ranks; rank 0 tells.
  dist::Communicator* comm = o.comm && o.comm->size() > 1 ? o.comm : nullptr;
  const int64_t rank = comm ? comm->rank() : 0, ranks = comm ? comm->size() : 1;
  const ClassifierTrainHooks hooks = rank == 0 ? all_hooks : ClassifierTrainHooks();
  const int64_t epochs = *o.epochs;
  data::LabelledTextOptions text_options;
  text_options.format = detect_text_format(path);
  text_options.max_length = *o.max_length;
  text_options.keep_last = *o.keep_last;
  data::VocabularyOptions vocab_options;
  vocab_options.min_count = o.min_count;
  // No <unk>: words not in the vocabulary are dropped, as fastText does, rather than all
  // mapped to one row that training never sees.
  vocab_options.specials = {"<pad>"};
  TrainedClassifier trained;
  trained.vocab = data::LabelledTextDataset::build_vocabulary(path, vocab_options, text_options);
  const data::Vocabulary& vocab = trained.vocab;
  data::LabelledTextDataset dataset(path, vocab, text_options);
  EMBER_CHECK(dataset.size() > 0, path, ": no examples");
  EMBER_CHECK(dataset.label_names().size() >= 2, path, ": needs at least two labels, found ",
              dataset.label_names().size());
  trained.labels = dataset.label_names();
  trained.label_prefix =
      text_options.format == data::TextFormat::kFastText ? text_options.label_prefix : "";
  trained.hidden = o.hidden;
  trained.dropout = *o.dropout;
  trained.max_length = *o.max_length;
  trained.keep_last = *o.keep_last;
  if (hooks.note)
    hooks.note(detail::str("Read ", dataset.size(), " examples, ", dataset.label_names().size(),
                           " labels, vocabulary ", vocab.size(), " words (min-count ", o.min_count,
                           ")"));

  // valid: read with the training vocabulary and the same max_length tokens.
  LabelledTexts valid;
  if (!o.valid.empty()) {
    valid = trained.read_labelled(o.valid);
    EMBER_CHECK(!valid.texts.empty(), o.valid, ": no examples");
  }

  trained.generator = std::make_unique<Generator>(o.seed);
  Generator& gen = *trained.generator;
  data::WordVectors vectors;
  ClassifierShape shape;
  shape.vocab = vocab.size();
  shape.dim = o.dim.value_or(100);
  shape.classes = int64_t(dataset.label_names().size());
  shape.hidden = o.hidden;
  shape.dropout = *o.dropout;
  shape.padding_idx = vocab.pad_id();
  if (!o.pretrained.empty()) {
    vectors = data::read_vectors(o.pretrained);
    EMBER_CHECK(!o.dim || *o.dim == vectors.dim, "classifier: dim ", *o.dim, " but ", o.pretrained,
                " holds ", vectors.dim, "-dimensional vectors");
    shape.dim = vectors.dim;
  }
  trained.model = make_classifier(o.architecture, shape, &gen);
  const Classifier& model = trained.model;
  // frozen[id]: the row is a pretrained vector, kept as it is for the first freeze_epochs
  // epochs. Only those: the rows of words the file lacks start random and train from the
  // start (frozen too, the e-mails' own words, 77% of them with en7m vectors, would stay
  // noise).
  Tensor frozen = zeros({vocab.size()}, kBool);
  if (!o.pretrained.empty()) {
    data::PretrainedEmbedding table = data::build_pretrained_embedding(vocab, vectors, {}, &gen);
    if (hooks.note) hooks.note(table.coverage.summary());
    NoGradGuard no_grad;
    model.embedding->weight.copy_(table.embedding->weight);
    for (int64_t id : table.found_ids) frozen.data<bool>()[id] = true;
  }
  // Every rank starts from rank 0's weights; then each draws its own dropout masks. Ranks
  // that read other data or options would make other batches and wait for each other
  // forever: they are stopped here.
  std::optional<dist::DataParallel> data_parallel;
  if (comm) {
    const std::string what = detail::str(
        path, " ", dataset.size(), " examples ", vocab.size(), " words ", shape.classes,
        " labels; ", o.architecture, " epochs ", epochs, " batch ", o.batch, " seed ", o.seed,
        " dim ", shape.dim, " hidden ", o.hidden, " word_dropout ", o.word_dropout);
    const int r = dist::first_rank_differing(*comm, what);
    EMBER_CHECK(r < 0, "classifier: rank ", r, " has other data or options than rank 0 (", what,
                " here): every rank must be given the same ones");
    data_parallel.emplace(*model.module, *comm);
    gen.manual_seed(o.seed + uint64_t(rank) * 0x9E3779B97F4A7C15ull);
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
  ClassifierProgress progress;
  progress.examples_total = epochs * dataset.size();
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double loss_sum = 0;
  int64_t loss_count = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    const bool freezing = !o.pretrained.empty() && epoch < *o.freeze_epochs;
    // Fine-tuning: every row trains, at a lower lr than the table had.
    if (!o.pretrained.empty() && epoch == *o.freeze_epochs)
      sparse_adam.param_groups()[0].lr = *o.fine_tune_lr;
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
      // Under mpirun, this rank's rows [first, first + rows) of the batch, its loss weighted
      // by their share: the ranks' gradients sum to the whole batch's.
      const int64_t B = int64_t(indices.size()), first = B * rank / ranks,
                    rows = B * (rank + 1) / ranks - first;
      double batch_loss = 0;
      if (rows > 0) {
        Tensor text = batch["text"], text_lengths = batch["lengths"], label = batch["label"];
        if (comm) {
          text_lengths = text_lengths.narrow(0, first, rows);
          const int64_t longest = max(text_lengths).item<int64_t>();
          text = text.narrow(0, first, rows).narrow(1, 0, longest).contiguous();
          label = label.narrow(0, first, rows);
        }
        Tensor loss = criterion(model.forward(text, text_lengths), label);
        if (comm) loss = loss * (double(rows) / double(B));
        loss.backward();
        batch_loss = loss.item<double>();
        if (freezing) optim::zero_grad_rows_(model.embedding->weight, frozen);
      }
      if (comm) {
        data_parallel->average_gradients(dist::ReduceOp::kSum);
        comm->allreduce(&batch_loss, 1);
      }
      if (*o.clip > 0) optim::clip_grad_norm_(head, *o.clip);
      adam.step();
      sparse_adam.step();
      // A loss that is not finite means the weights diverged: stop before anything is saved.
      EMBER_CHECK(std::isfinite(batch_loss), "classifier: training diverged: the loss is ",
                  batch_loss, " in epoch ", epoch + 1, " of ", epochs, " (batch ", loss_count + 1,
                  "); try a lower --lr or --embedding-lr, or --clip");
      loss_sum += batch_loss;
      ++loss_count;
      progress.examples_done += int64_t(indices.size());
      if (hooks.progress && loss_count % 8 == 0) {
        progress.loss = loss_sum / double(loss_count);
        progress.seconds = seconds();
        hooks.progress(progress);
      }
    }
    // Evaluation draws no random numbers: the model trains the same with or without it.
    if (!o.valid.empty() && rank == 0) {
      const double valid_accuracy = accuracy(trained.predict_labels(valid.texts), valid.truth);
      if (hooks.epoch_end) hooks.epoch_end(epoch + 1, valid_accuracy, int64_t(valid.texts.size()));
    }
  }
  progress.loss = loss_sum / double(std::max<int64_t>(loss_count, 1));
  progress.seconds = seconds();
  if (final_progress) *final_progress = progress;
  model.module->eval();
  return trained;
}

ClassifierMetrics test_classifier(const TrainedClassifier& trained, const std::string& path) {
  const int64_t C = int64_t(trained.labels.size());
  const LabelledTexts read = trained.read_labelled(path);
  const std::vector<int64_t> predicted = trained.predict_labels(read.texts);
  ClassifierMetrics metrics;
  metrics.examples = int64_t(read.texts.size());
  metrics.unknown = read.unknown;
  metrics.accuracy = accuracy(predicted, read.truth);
  std::vector<int64_t> true_positive(size_t(C), 0), predicted_count(size_t(C), 0),
      actual_count(size_t(C), 0);
  for (size_t i = 0; i < predicted.size(); ++i) {
    const int64_t p = predicted[i], t = read.truth[i];
    ++predicted_count[size_t(p)];
    if (t >= 0) ++actual_count[size_t(t)];
    if (p == t) ++true_positive[size_t(p)];
  }
  for (size_t c = 0; c < size_t(C); ++c) {
    LabelMetrics label;
    label.label = trained.labels[c];
    label.precision =
        predicted_count[c] ? double(true_positive[c]) / double(predicted_count[c]) : 0;
    label.recall = actual_count[c] ? double(true_positive[c]) / double(actual_count[c]) : 0;
    label.support = actual_count[c];
    metrics.labels.push_back(label);
  }
  return metrics;
}

}  // namespace ember::models
