// `ember classify train|test|predict`: the seeds' text classifiers as a fastText-like
// supervised tool, on models::train_classifier (models/classifier_trainer.h). This file
// declares the options and prints; the library does the rest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <ember/dist/communicator.h>
#include <ember/ember.h>
#include <ember/models/classifier_trainer.h>

#include "commands.h"
#include "file_checks.h"
#include "options.h"

namespace ember::cli {

namespace {

// "text 5, lstm 5, bilstm 8": a field of the defaults table, for --help.
std::string per_model(const std::function<std::string(const models::ClassifierDefaults&)>& field) {
  std::string shown;
  for (const models::ClassifierDefaults& row : models::classifier_defaults_table())
    shown += (shown.empty() ? "" : ", ") + std::string(row.architecture) + " " + field(row);
  return shown;
}

// fastText's progress line, rewritten in place on stderr.
void print_progress(const models::ClassifierProgress& p, bool final) {
  const double fraction = double(p.examples_done) / double(std::max<int64_t>(p.examples_total, 1));
  const int64_t eta = fraction > 0 ? int64_t(p.seconds * (1 - fraction) / fraction) : 0;
  std::fprintf(stderr,
               "\rProgress: %5.1f%%  examples/sec: %8.0f  loss: %8.5f  ETA: %3lldh%2lldm%2llds ",
               100.0 * std::min(fraction, 1.0), double(p.examples_done) / p.seconds, p.loss,
               (long long)(eta / 3600), (long long)(eta / 60 % 60), (long long)(eta % 60));
  if (final) std::fprintf(stderr, "\n");
}

int train(const std::string& input, const std::string& output,
          models::ClassifierTrainOptions options, bool quiet) {
  const auto start = std::chrono::steady_clock::now();
  // Under mpirun the ranks split every batch (models/classifier_trainer.h); rank 0 writes.
  dist::Communicator& world = dist::world();
  if (world.size() > 1) options.comm = &world;
  models::ClassifierTrainHooks hooks;
  hooks.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  if (!quiet)
    hooks.progress = [](const models::ClassifierProgress& p) { print_progress(p, false); };
  hooks.epoch_end = [&](int64_t epoch, double accuracy, int64_t examples) {
    std::fprintf(stderr, "%sepoch %lld: accuracy %.4f on %s (%lld examples)\n", quiet ? "" : "\n",
                 (long long)epoch, accuracy, options.valid.c_str(), (long long)examples);
  };
  models::ClassifierProgress done;
  const models::TrainedClassifier trained = models::train_classifier(input, options, hooks, &done);
  if (world.rank() != 0) return 0;
  if (!quiet) print_progress(done, true);
  trained.save(output);
  std::fprintf(stderr, "Trained in %.2f s (%.2f s in all); wrote %s.safetensors and %s.vocab\n",
               done.seconds,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               output.c_str(), output.c_str());
  return 0;
}

int test(const std::string& prefix, const std::string& input) {
  const models::TrainedClassifier trained = models::TrainedClassifier::load(prefix);
  const models::ClassifierMetrics metrics = models::test_classifier(trained, input);
  if (metrics.unknown > 0)
    std::fprintf(stderr,
                 "%lld examples of %s have labels the model was not trained on (counted "
                 "as wrong)\n",
                 (long long)metrics.unknown, input.c_str());
  std::printf("N\t%lld\naccuracy\t%.4f\n", (long long)metrics.examples, metrics.accuracy);
  std::printf("label\tprecision\trecall\tsupport\n");
  for (const models::LabelMetrics& label : metrics.labels)
    std::printf("%s\t%.4f\t%.4f\t%lld\n", label.label.c_str(), label.precision, label.recall,
                (long long)label.support);
  return 0;
}

// Each line's most likely label, or its k most likely each with its probability.
int predict(const std::string& prefix, const std::string& input, int64_t k_given) {
  const models::TrainedClassifier trained = models::TrainedClassifier::load(prefix);
  std::ifstream file;
  if (input != "-") {
    std::error_code error;
    EMBER_CHECK(!std::filesystem::is_directory(input, error), "predict: ", input,
                " is a directory, not a file");
    file.open(input);
    EMBER_CHECK(file, "predict: cannot read ", input);
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::vector<std::vector<int64_t>> texts;
  for (std::string line; std::getline(in, line);) texts.push_back(trained.encode_line(line));
  EMBER_CHECK(!texts.empty(), "predict: ", input == "-" ? "stdin" : input,
              " is empty: nothing to predict (one text a line)");
  const Tensor probabilities = trained.predict_probabilities(texts);
  const int64_t C = int64_t(trained.labels.size());
  const int64_t k = std::min<int64_t>(k_given ? k_given : 1, C);
  ValuesIndices top = topk(probabilities, k, 1);
  std::vector<float> values = top.values.to_vector<float>();
  std::vector<int64_t> indices = top.indices.to_vector<int64_t>();
  for (size_t i = 0; i < texts.size(); ++i) {
    for (int64_t j = 0; j < k; ++j) {
      const size_t at = i * size_t(k) + size_t(j);
      std::printf(j ? " %s%s" : "%s%s", trained.label_prefix.c_str(),
                  trained.labels[size_t(indices[at])].c_str());
      if (k_given) std::printf(" %.5f", double(values[at]));
    }
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int classify(int argc, char** argv) {
  CLI::App app(
      "Trains a text classifier on FILE, one example a line: \"__label__X some words\" "
      "(fastText)\nor \"label<TAB>text\" (TSV; more columns allowed, the label first, the text "
      "last). Writes\nPREFIX.safetensors and PREFIX.vocab. test prints accuracy and each label's "
      "precision and\nrecall; predict prints the most likely label of each line, or with -k N "
      "the N most likely\neach followed by its probability. With --threads 1 the same seed gives "
      "the same model bit\nfor bit.",
      "ember classify");
  configure(app);
  app.require_subcommand(1);
  app.fallthrough();  // --threads after the action
  int64_t threads = 0;
  app.add_option("--threads", threads, "threads for the kernels (0: all cores)")
      ->check(in_range<int64_t>(0, 4096));

  models::ClassifierTrainOptions o;
  std::string input, output;
  int64_t dim = 100, epochs = 0, max_length = 0, freeze_epochs = 0;
  double dropout = 0, clip = 0, fine_tune_lr = 0;
  std::string keep;
  bool quiet = false;
  CLI::App* train_app = app.add_subcommand("train", "train a model on --input, write --output");
  train_app->add_option("--input", input, "labelled training file")->required();
  train_app->add_option("--output", output, "PREFIX of the model's two files")->required();
  train_app
      ->add_option("--model", o.architecture,
                   "text: TextClassifier, embedding -> masked mean -> Dropout, Linear,\n"
                   "      ReLU, Dropout, Linear (seed 001)\n"
                   "lstm: SentimentModel, embedding -> LSTM -> last step -> Linear\n"
                   "      (seed 002)\n"
                   "bilstm: SentimentClassifierWithPretrained, embedding -> Dropout ->\n"
                   "      2-layer bidirectional LSTM -> final states -> Linear (seed 003)")
      ->check(one_of({"text", "lstm", "bilstm"}));
  CLI::Option* dim_option =
      train_app->add_option("--dim", dim, "embedding size (with --pretrained: the file's)")
          ->check(at_least<int64_t>(1));
  train_app->add_option("--hidden", o.hidden, "the MLP's or LSTM's hidden size")
      ->check(at_least<int64_t>(1));
  const auto shown = [](auto value) { return ember::detail::str(value); };
  CLI::Option* dropout_option =
      train_app
          ->add_option("--dropout", dropout,
                       "dropout on the pooled/embedded input and before the last Linear")
          ->check(probability_below_one())
          ->default_str(per_model([&](const auto& r) { return shown(r.dropout); }));
  CLI::Option* epochs_option =
      train_app->add_option("--epochs", epochs, "passes over FILE")
          ->check(at_least<int64_t>(1))
          ->default_str(per_model([&](const auto& r) { return shown(r.epochs); }));
  train_app->add_option("--lr", o.lr, "Adam's lr for all but the embedding")->check(positive());
  CLI::Option* clip_option =
      train_app
          ->add_option("--clip", clip,
                       "clip the gradient norm of all but the embedding at X (0: off)")
          ->check(at_least(0.0))
          ->default_str(per_model([&](const auto& r) { return shown(r.clip); }));
  train_app
      ->add_option("--word-dropout", o.word_dropout,
                   "leave each token of a training text out with probability P,\n"
                   "drawn afresh each epoch (Iyyer et al. 2015)")
      ->check(probability_below_one());
  train_app->add_option("--embedding-lr", o.embedding_lr, "SparseAdam's lr for the embedding")
      ->check(positive());
  train_app->add_option("--batch", o.batch, "texts per step (bucketed by length)")
      ->check(at_least<int64_t>(1));
  train_app->add_option("--min-count", o.min_count, "drop words seen fewer times")
      ->check(at_least<int64_t>(1));
  CLI::Option* max_length_option =
      train_app
          ->add_option("--max-length", max_length,
                       "read N tokens of a text (0: all), in training and in test/predict")
          ->check(at_least<int64_t>(0))
          ->default_str(per_model([&](const auto& r) { return shown(r.max_length); }));
  CLI::Option* keep_option =
      train_app
          ->add_option("--keep", keep,
                       "which N tokens of a longer text: its start or its end (an\n"
                       "LSTM's last state is nearest the end)")
          ->check(one_of({"first", "last"}))
          ->default_str(per_model([](const auto& r) { return r.keep_last ? "last" : "first"; }));
  train_app->add_option("--seed", o.seed, "random seed");
  train_app->add_option("--pretrained", o.pretrained,
                        "start the embedding from word vectors (word2vec text/binary,\n"
                        "fastText .vec, GloVe); --dim is the file's. The rows of the words\n"
                        "the file has are frozen for --freeze-epochs, then fine-tuned at\n"
                        "--fine-tune-lr; the other words' rows train from the start");
  CLI::Option* freeze_option =
      train_app->add_option("--freeze-epochs", freeze_epochs, "epochs the pretrained rows stay")
          ->check(at_least<int64_t>(0))
          ->default_str("epochs/2");
  CLI::Option* fine_tune_option =
      train_app->add_option("--fine-tune-lr", fine_tune_lr, "the pretrained rows' lr after that")
          ->check(positive())
          ->default_str("embedding-lr/10");
  train_app->add_option("--valid", o.valid,
                        "print the accuracy on FILE (same format) after each epoch");
  train_app->add_flag("--quiet", quiet, "no progress line");

  std::string prefix, file;
  int64_t k = 0;
  CLI::App* test_app =
      app.add_subcommand("test", "accuracy, and each label's precision and recall, on FILE");
  test_app->add_option("PREFIX", prefix, "the model's files")->required();
  test_app->add_option("FILE", file, "labelled file")->required();
  CLI::App* predict_app =
      app.add_subcommand("predict", "the most likely label of each line of FILE ('-': stdin)");
  predict_app->add_option("PREFIX", prefix, "the model's files")->required();
  predict_app->add_option("FILE", file, "one text a line ('-': stdin)")->required();
  predict_app->add_option("-k,--k", k, "print the N most likely labels and their probabilities")
      ->check(at_least<int64_t>(0));

  parse_command_line(app, argc, argv);
  set_num_threads(int(threads));  // 0: the cores this process may run on
  if (test_app->parsed()) return test(prefix, file);
  if (predict_app->parsed()) return predict(prefix, file, k);
  o.dim = given(dim_option, dim);
  o.epochs = given(epochs_option, epochs);
  o.dropout = given(dropout_option, dropout);
  o.clip = given(clip_option, clip);
  o.max_length = given(max_length_option, max_length);
  if (keep_option->count()) o.keep_last = keep == "last";
  o.freeze_epochs = given(freeze_option, freeze_epochs);
  o.fine_tune_lr = given(fine_tune_option, fine_tune_lr);
  prepare_output("--output", output, true);
  return train(input, output, o, quiet);
}

}  // namespace ember::cli
