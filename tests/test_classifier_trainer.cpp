// models::train_classifier and TrainedClassifier (what `ember classify` runs): the
// TextClassifier learns the bundled SpamAssassin e-mails and scores a held-out part of them;
// save -> load predicts the same; the defaults table; unknown class names are errors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <ember/ember.h>
#include <ember/models/classifier_trainer.h>

#include "testing.h"

namespace {

namespace fs = std::filesystem;
using namespace ember;

const std::string kSpam = std::string(EMBER_TEST_DATA_DIR) + "/spam_assassin_404.tsv";

// This process's scratch directory, removed when the tests end.
fs::path scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("ember_test_classifier_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

class RemoveScratch : public ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch()); }
};
const auto* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratch);

// Every fifth e-mail (held_out) or the others, as a file of their own.
std::string split_spam(const std::string& name, bool held_out) {
  std::ifstream in(kSpam);
  const std::string path = (scratch() / name).string();
  std::ofstream out(path);
  int i = 0;
  for (std::string line; std::getline(in, line); ++i)
    if ((i % 5 == 4) == held_out) out << line << "\n";
  return path;
}

TEST(ClassifierTrainer, TextClassifierLearnsHeldOutEmailsAndSavesWhatItPredicts) {
  set_num_threads(1);
  const std::string train = split_spam("train.tsv", false);       // 324 e-mails
  const std::string held_out = split_spam("held_out.tsv", true);  // 80
  models::ClassifierTrainOptions options;
  options.epochs = 3;
  options.valid = held_out;
  std::vector<double> valid_accuracy;
  models::ClassifierTrainHooks hooks;
  hooks.epoch_end = [&](int64_t epoch, double accuracy, int64_t examples) {
    EXPECT_EQ(epoch, int64_t(valid_accuracy.size()) + 1);
    EXPECT_EQ(examples, 80);
    valid_accuracy.push_back(accuracy);
  };
  models::ClassifierProgress done;
  const models::TrainedClassifier trained = models::train_classifier(train, options, hooks, &done);
  EXPECT_EQ(trained.model.class_name, "TextClassifier");
  EXPECT_EQ(trained.labels, (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(done.examples_done, 3 * 324);
  ASSERT_EQ(valid_accuracy.size(), 3u);

  const models::ClassifierMetrics metrics = models::test_classifier(trained, held_out);
  EXPECT_EQ(metrics.examples, 80);
  EXPECT_GE(metrics.accuracy, 0.9);  // measured 0.95 (76 of 80)
  EXPECT_DOUBLE_EQ(metrics.accuracy, valid_accuracy.back());
  ASSERT_EQ(metrics.labels.size(), 2u);
  EXPECT_EQ(metrics.labels[0].support + metrics.labels[1].support, 80);

  // save -> load: the same probabilities for every held-out text, read the predict way.
  const std::string prefix = (scratch() / "spam").string();
  trained.save(prefix);
  const models::TrainedClassifier loaded = models::TrainedClassifier::load(prefix);
  std::vector<std::vector<int64_t>> texts;
  std::ifstream in(held_out);
  for (std::string line; std::getline(in, line);) texts.push_back(loaded.encode_line(line));
  EXPECT_EQ(texts, trained.read_labelled(held_out).texts);  // predict reads what test reads
  EXPECT_TRUE(ember::testing::all_close(loaded.predict_probabilities(texts),
                                        trained.predict_probabilities(texts), 0, 0));
  EXPECT_EQ(models::test_classifier(loaded, held_out).accuracy, metrics.accuracy);
}

TEST(ClassifierTrainer, DefaultsComeFromOneRowPerModel) {
  struct Expected {
    const char* name;
    int64_t epochs;
    double dropout, clip;
    int64_t max_length;
    bool keep_last;
  };
  for (const Expected& e :
       {Expected{"text", 5, 0.5, 0, 0, false}, Expected{"SentimentModel", 5, 0, 1, 200, true},
        Expected{"bilstm", 8, 0.5, 1, 200, true}}) {
    SCOPED_TRACE(e.name);
    models::ClassifierTrainOptions options;
    options.architecture = e.name;
    const models::ClassifierTrainOptions o = options.resolved();
    EXPECT_EQ(*o.epochs, e.epochs);
    EXPECT_EQ(*o.dropout, e.dropout);
    EXPECT_EQ(*o.clip, e.clip);
    EXPECT_EQ(*o.max_length, e.max_length);
    EXPECT_EQ(*o.keep_last, e.keep_last);
    EXPECT_EQ(*o.freeze_epochs, 0);  // no pretrained vectors
  }
  // What is set stays; pretrained rows are frozen for half the epochs by default.
  models::ClassifierTrainOptions options;
  options.architecture = "bilstm";
  options.epochs = 3;
  options.clip = 0;
  options.pretrained = "words.vec";
  const models::ClassifierTrainOptions o = options.resolved();
  EXPECT_EQ(o.architecture, "bilstm");
  EXPECT_EQ(*o.epochs, 3);
  EXPECT_EQ(*o.clip, 0);
  EXPECT_EQ(*o.freeze_epochs, 1);
  EXPECT_DOUBLE_EQ(*o.fine_tune_lr, o.embedding_lr / 10);
}

TEST(ClassifierTrainer, ErrorsNameTheModelAndTheField) {
  models::ClassifierTrainOptions options;
  options.architecture = "GruClassifier";
  EXPECT_EMBER_ERROR(options.resolved(), "unknown model 'GruClassifier'");
  EXPECT_EMBER_ERROR(models::make_classifier("gru", {}, nullptr), "unknown model 'gru'");
  options.architecture = "text";
  options.dropout = 1;
  EXPECT_EMBER_ERROR(options.resolved(), "dropout must be in [0, 1), got 1");
  EXPECT_EMBER_ERROR(models::TrainedClassifier::load((scratch() / "missing").string()), "missing");
}

// A saved model whose metadata claims sizes it does not hold: an error naming the file and
// the field, before a model of those sizes is allocated.
TEST(ClassifierTrainer, LoadChecksTheMetadataNumbersBeforeBuilding) {
  models::TrainedClassifier trained;
  trained.vocab = data::Vocabulary::build(std::vector<std::string>{"a b c a"}, {});
  models::ClassifierShape shape;
  shape.vocab = trained.vocab.size();
  shape.dim = 4;
  shape.classes = 2;
  shape.hidden = 3;
  trained.model = models::make_classifier("text", shape, trained.generator.get());
  trained.labels = {"ham", "spam"};
  trained.hidden = 3;
  const std::string prefix = (scratch() / "meta").string();
  trained.save(prefix);
  EXPECT_EQ(models::TrainedClassifier::load(prefix).labels, trained.labels);
  const std::string path = prefix + ".safetensors";
  std::map<std::string, std::string> good;
  const std::map<std::string, Tensor> state = nn::load_safetensors(path, &good);
  struct Case {
    const char* key;
    const char* value;
    const char* message;
  };
  const Case cases[] = {
      {"embedding_dim", "4611686018427387904",
       "metadata \"embedding_dim\" is '4611686018427387904', not a whole number in [1, "},
      {"hidden_dim", "4611686018427387904", "metadata \"hidden_dim\" is '4611686018427387904'"},
      {"hidden_dim", "1000000", "metadata \"hidden_dim\" 1000000 with embedding_dim 4 needs more"},
      {"hidden_dim", "3x", "metadata \"hidden_dim\" is '3x'"},
      {"embedding_dim", "5", "tensor 'embedding.weight' is [3, 4], but the metadata's"},
      {"dropout", "nan", "metadata \"dropout\" is 'nan', not a number in [0, 1)"},
      {"max_length", "-1", "metadata \"max_length\" is '-1'"},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> bad = good;
    bad[c.key] = c.value;
    nn::save_safetensors(path, state, bad);
    EXPECT_EMBER_ERROR(models::TrainedClassifier::load(prefix), path + ": " + c.message);
  }
  // Weights that are not finite: refused, naming the tensor (found by fuzz/fuzz_classifier).
  for (const double bad : {std::nan(""), double(INFINITY)}) {
    std::map<std::string, Tensor> weights = state;
    Tensor table = weights.at("embedding.weight").clone();
    table.data<float>()[5] = float(bad);
    weights["embedding.weight"] = table;
    nn::save_safetensors(path, weights, good);
    EXPECT_EMBER_ERROR(models::TrainedClassifier::load(prefix),
                       path + ": tensor 'embedding.weight' holds values that are not finite");
  }
}

}  // namespace
