// The seeds' text classifiers (models/classifier_models.h): a gradcheck of every forward on
// tiny sizes (float64, eval mode, so no dropout); padding past a text's length does not move
// TextClassifier's logits; SentimentModel's output for a sequence does not depend on the other
// sequences of its batch; frozen embeddings stay bit-identical through training; the
// TransferLearningModel's optimizer groups move their parameters by their own lr; and a
// TextClassifier trained on 404 real e-mails (tests/data/spam_assassin_404.tsv) tells spam
// from ham on held-out ones.
#include <cstring>
#include <fstream>
#include <sstream>

#include <ember/data/labelled_text.h>
#include <ember/models/classifier_models.h>
#include <ember/nn/loss.h>
#include <ember/optim/adam.h>

#include "testing.h"

namespace ember {
namespace {

using ::ember::testing::all_close;

void expect_gradcheck(nn::Module& model, const std::function<Tensor()>& forward) {
  std::vector<Tensor> params;
  for (const Tensor& p : model.parameters())
    if (p.requires_grad()) params.push_back(p);
  ASSERT_FALSE(params.empty());
  GradcheckResult result = gradcheck([&](const std::vector<Tensor>&) { return forward(); }, params);
  EXPECT_TRUE(result.ok) << model.type_name() << ": " << result.report;
}

Tensor ids(std::initializer_list<int64_t> values, int64_t B) {
  const int64_t T = int64_t(values.size()) / B;
  return tensor(values).view({B, T});
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  Tensor x = a.detach().contiguous(), y = b.detach().contiguous();
  return x.sizes() == y.sizes() && x.dtype() == y.dtype() &&
         std::memcmp(x.data<float>(), y.data<float>(), size_t(x.numel()) * sizeof(float)) == 0;
}

// ---- gradchecks: every parameter that requires grad, tiny sizes ----

TEST(TextClassifiers, GradcheckTextClassifier) {
  Generator gen(1);
  models::TextClassifier model(7, 3, 2, /*hidden_dim=*/4, 0.5, /*padding_idx=*/0, &gen);
  model.to(kFloat64);
  model.eval();
  Tensor x = ids({3, 5, 2, 0, 6, 1, 0, 0}, 2);  // lengths 3 and 2, padded with 0
  Tensor lengths = tensor({3, 2});
  expect_gradcheck(model, [&] { return model.forward(x, lengths); });
  // Without lengths the mean runs over every step, so the batch holds no padding id (whose row
  // gets no gradient, as padding_idx does in PyTorch).
  Tensor unpadded = ids({3, 5, 2, 4, 6, 1, 1, 2}, 2);
  expect_gradcheck(model, [&] { return model.forward(unpadded); });
}

TEST(TextClassifiers, GradcheckSimpleAndSentimentClassifier) {
  Generator gen(2);
  models::SimpleTextClassifier simple(6, 3, 3, &gen);
  simple.to(kFloat64);
  Tensor x = ids({1, 4, 5, 2, 2, 0}, 2);
  expect_gradcheck(simple, [&] { return simple.forward(x); });

  models::SentimentClassifier sentiment(6, 3, &gen);
  sentiment.to(kFloat64);
  expect_gradcheck(sentiment, [&] { return sentiment.forward(x); });
  Tensor y = tensor({1.0, 0.0}, kFloat64).view({2, 1});
  nn::BCELoss criterion;
  expect_gradcheck(sentiment, [&] { return criterion(sentiment.forward(x), y); });
}

TEST(TextClassifiers, GradcheckSentimentModel) {
  Generator gen(3);
  models::SentimentModel model(6, 3, /*hidden_dim=*/2, /*output_dim=*/2, Tensor(), &gen);
  model.to(kFloat64);
  Tensor x = ids({1, 2, 0, 0, 3, 4, 5, 1, 5, 0, 0, 0}, 3);  // lengths 2, 4, 1
  Tensor lengths = tensor({2, 4, 1});
  expect_gradcheck(model, [&] { return model.forward(x, lengths); });
}

TEST(TextClassifiers, GradcheckSentimentClassifierWithPretrained) {
  Generator gen(4);
  Tensor pretrained = randn({6, 3}, &gen);
  models::SentimentClassifierWithPretrained model(6, 3, /*hidden_dim=*/2, /*output_dim=*/1,
                                                  /*n_layers=*/2, /*bidirectional=*/true, 0.5,
                                                  /*pad_idx=*/0, pretrained, &gen);
  model.to(kFloat64);
  model.eval();
  Tensor x = ids({1, 2, 3, 4, 5, 0, 2, 0, 0}, 3);  // lengths 3, 2, 1
  Tensor lengths = tensor({3, 2, 1});
  expect_gradcheck(model, [&] { return model.forward(x, lengths); });
}

TEST(TextClassifiers, GradcheckTransferLearningModel) {
  Generator gen(5);
  models::TransferLearningModel model(randn({5, 3}, &gen), 2, /*freeze_embeddings=*/false,
                                      /*hidden_dim=*/2, &gen);
  model.to(kFloat64);
  Tensor x = ids({1, 2, 3, 4, 0, 1}, 2);
  expect_gradcheck(model, [&] { return model.forward(x); });
}

// ---- behaviour ----

TEST(TextClassifiers, PaddingDoesNotChangeTextClassifier) {
  Generator gen(6);
  models::TextClassifier model(20, 8, 3, 16, 0.5, 0, &gen);
  model.eval();
  Tensor alone = model.forward(ids({4, 9, 13}, 1), tensor({3}));
  // The same text padded with the padding id, and with other ids past its length, in a batch
  // with a longer text.
  Tensor batch = model.forward(ids({4, 9, 13, 0, 0, 0, 4, 9, 13, 7, 7, 2, 1, 2, 3, 4, 5, 6}, 3),
                               tensor({3, 3, 6}));
  EXPECT_TRUE(all_close(batch.select(0, 0), alone.select(0, 0), 1e-6, 1e-6));
  EXPECT_TRUE(all_close(batch.select(0, 1), alone.select(0, 0), 1e-6, 1e-6));
  // Without lengths the seed takes the mean over all T steps: padding changes it.
  Tensor unmasked = model.forward(ids({4, 9, 13, 0, 0, 0}, 1));
  EXPECT_FALSE(all_close(unmasked.select(0, 0), alone.select(0, 0), 1e-3, 1e-3));
}

TEST(TextClassifiers, SentimentModelOutputIgnoresOtherSequences) {
  Generator gen(7);
  models::SentimentModel model(12, 4, 5, 2, Tensor(), &gen);
  Tensor a = model.forward(ids({3, 1, 4}, 1), tensor({3}));
  // The same sequence next to a longer one (so the batch is padded past its end with ids that
  // must not be read) and next to a shorter one.
  Tensor with_longer = model.forward(ids({3, 1, 4, 9, 9, 2, 7, 1, 8, 2}, 2), tensor({3, 5}));
  Tensor with_shorter = model.forward(ids({5, 9, 0, 3, 1, 4}, 2), tensor({1, 3}));
  EXPECT_TRUE(all_close(with_longer.select(0, 0), a.select(0, 0), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(with_shorter.select(0, 1), a.select(0, 0), 1e-5, 1e-6));
}

// The optional dropout (ember classify --model lstm): masks differ between training forwards,
// eval is deterministic and equals the same weights without dropout.
TEST(TextClassifiers, SentimentModelDropoutOnlyInTraining) {
  Generator gen(7), same(7);
  models::SentimentModel model(12, 4, 5, 2, Tensor(), &gen, /*sparse=*/false, /*dropout=*/0.5);
  models::SentimentModel plain(12, 4, 5, 2, Tensor(), &same);
  const Tensor x = ids({3, 1, 4, 9, 9, 2}, 2), lengths = tensor({3, 3});
  EXPECT_FALSE(all_close(model.forward(x, lengths), model.forward(x, lengths), 1e-6, 1e-6));
  model.eval();
  EXPECT_TRUE(all_close(model.forward(x, lengths), plain.forward(x, lengths), 0, 0));
}

TEST(TextClassifiers, BadLengthsNameTheModel) {
  models::TextClassifier text(5, 2, 2);
  EXPECT_EMBER_ERROR(text.forward(ids({1, 2, 3, 4}, 2), tensor({1, 2, 3})), "TextClassifier");
  models::SentimentModel sentiment(5, 2, 2, 2);
  EXPECT_EMBER_ERROR(sentiment.forward(tensor({1, 2}), tensor({2})), "SentimentModel");
  EXPECT_EMBER_ERROR(
      models::SentimentClassifierWithPretrained(5, 2, 2, 1, 1, false, 0.0, 0, randn({5, 2})),
      "two layers or a bidirectional");
}

TEST(TextClassifiers, FrozenEmbeddingsStayBitIdentical) {
  Generator gen(8);
  Tensor pretrained = randn({10, 4}, &gen);
  models::SentimentClassifierWithPretrained model(10, 4, 3, 1, 2, true, 0.5, 0, pretrained, &gen);
  EXPECT_FALSE(model.embedding->weight.requires_grad());
  const Tensor embedding_before = model.embedding->weight.clone();
  const Tensor fc_before = model.fc->weight.clone();
  optim::Adam adam(model.parameters(), optim::AdamOptions(1e-2));  // the frozen table included
  nn::BCEWithLogitsLoss criterion;
  Tensor x = ids({1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 0}, 3);
  Tensor lengths = tensor({4, 2, 3}), y = tensor({1.0f, 0.0f, 1.0f}).view({3, 1});
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    criterion(model.forward(x, lengths), y).backward();
    adam.step();
  }
  EXPECT_TRUE(bit_identical(model.embedding->weight, embedding_before));
  EXPECT_FALSE(bit_identical(model.fc->weight, fc_before));

  // TextClassifier::load_pretrained freezes the same way.
  models::TextClassifier text(10, 4, 2, 8, 0.5, 0, &gen);
  text.load_pretrained(pretrained);
  EXPECT_TRUE(bit_identical(text.embedding->weight, pretrained));
  optim::Adam text_adam(text.parameters(), optim::AdamOptions(1e-2));
  nn::CrossEntropyLoss ce;
  ce(text.forward(x, lengths), tensor({1, 0, 1})).backward();
  text_adam.step();
  EXPECT_TRUE(bit_identical(text.embedding->weight, pretrained));
}

// Adam's first step moves every element with a non-zero gradient by lr (m / sqrt(v) = sign g),
// so the largest change of a group's parameters is its lr.
double max_change(const std::vector<Tensor>& before, const std::vector<Tensor>& after) {
  double largest = 0;
  for (size_t i = 0; i < before.size(); ++i)
    largest = std::max(largest, max(abs(after[i].detach() - before[i])).item<double>());
  return largest;
}

std::vector<Tensor> clones(const std::vector<Tensor>& params) {
  std::vector<Tensor> copies;
  for (const Tensor& p : params) copies.push_back(p.detach().clone());
  return copies;
}

TEST(TextClassifiers, TransferLearningGroupsGetTheirLearningRates) {
  Generator gen(9);
  models::TransferLearningModel model(randn({12, 6}, &gen), 3, /*freeze_embeddings=*/true, 5, &gen);
  const double head_lr = 1e-2, embedding_lr = 1e-4;
  optim::Adam adam(model.head_parameters(), optim::AdamOptions(head_lr));
  adam.add_param_group(model.embedding_parameters(), embedding_lr);
  ASSERT_EQ(adam.param_groups().size(), 2u);
  EXPECT_EQ(adam.param_groups()[0].lr, head_lr);
  EXPECT_EQ(adam.param_groups()[1].lr, embedding_lr);

  nn::CrossEntropyLoss criterion;
  Tensor x = ids({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1}, 3), y = tensor({0, 2, 1});
  auto step = [&] {
    adam.zero_grad();
    criterion(model.forward(x), y).backward();
    adam.step();
  };
  // Stage 1, frozen: the head moves by head_lr, the table not at all.
  std::vector<Tensor> head = clones(model.head_parameters());
  std::vector<Tensor> table = clones(model.embedding_parameters());
  step();
  EXPECT_NEAR(max_change(head, model.head_parameters()), head_lr, 1e-6);
  EXPECT_TRUE(bit_identical(model.embedding->weight, table[0]));

  // Stage 2, unfrozen: the table's first step is embedding_lr, on the rows used only.
  model.unfreeze_embeddings();
  step();
  EXPECT_NEAR(max_change(table, model.embedding_parameters()), embedding_lr, 1e-7);
  EXPECT_TRUE(bit_identical(model.embedding->weight.select(0, 0), table[0].select(0, 0)));
}

// ---- quality on real e-mails ----

// tests/data/spam_assassin_404.tsv: every 15th e-mail of the SpamAssassin corpus (277 ham, 127
// spam), cut to its first 120 tokens (see tests/data/README.md). Every 5th e-mail is held out.
TEST(TextClassifiers, TextClassifierTellsSpamFromHam) {
  const std::string path = std::string(EMBER_TEST_DATA_DIR) + "/spam_assassin_404.tsv";
  std::ifstream file(path);
  ASSERT_TRUE(file) << path;
  std::vector<std::string> train_texts;
  std::string line;
  for (int64_t i = 0; std::getline(file, line); ++i)
    if (i % 5 != 4) train_texts.push_back(line.substr(line.rfind('\t') + 1));
  data::VocabularyOptions vocab_options;
  vocab_options.specials = {"<pad>"};  // no <unk>: words unseen in training are dropped
  data::Vocabulary vocab = data::Vocabulary::build(train_texts, vocab_options);
  data::LabelledTextDataset dataset(path, vocab);
  ASSERT_EQ(dataset.size(), 404);
  ASSERT_EQ(dataset.label_names(), (std::vector<std::string>{"ham", "spam"}));
  std::vector<int64_t> train, test;
  for (int64_t i = 0; i < dataset.size(); ++i) (i % 5 == 4 ? test : train).push_back(i);

  Generator gen(10);
  models::TextClassifier model(vocab.size(), 32, 2, 32, 0.5, vocab.pad_id(), &gen);
  optim::Adam adam(model.parameters(), optim::AdamOptions(1e-2));
  nn::CrossEntropyLoss criterion;
  const int64_t batch_size = 16;
  for (int64_t epoch = 0; epoch < 10; ++epoch) {
    model.train();
    std::vector<int64_t> order = randperm(int64_t(train.size()), &gen).to_vector<int64_t>();
    for (size_t start = 0; start < order.size(); start += batch_size) {
      std::vector<int64_t> indices;
      for (size_t k = start; k < std::min(order.size(), start + batch_size); ++k)
        indices.push_back(train[size_t(order[k])]);
      data::Batch batch = dataset.get_batch(indices);
      adam.zero_grad();
      criterion(model.forward(batch["text"], batch["lengths"]), batch["label"]).backward();
      adam.step();
    }
  }
  model.eval();
  data::Batch batch = dataset.get_batch(test);
  Tensor predicted = argmax(model.forward(batch["text"], batch["lengths"]), 1);
  const double accuracy = mean(ember::to(eq(predicted, batch["label"]), kFloat64)).item<double>();
  std::printf("held-out accuracy on %zu e-mails: %.4f\n", test.size(), accuracy);
  EXPECT_GE(accuracy, 0.9);
}

}  // namespace
}  // namespace ember
