// GloVe: the fused trainer's update is the composable GloVeModel's Adagrad step (glove.c's
// AdaGrad, see models/glove_trainer.h) on the same weights and records; gradients are clipped as
// glove.c clips them; and both forms learn related words from a real text.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include <ember/data/cooccurrence.h>
#include <ember/models/glove_model.h>
#include <ember/models/glove_trainer.h>
#include <ember/nn/nn.h>

#include "testing.h"

namespace ember {
namespace {

namespace F = nn::functional;

// A model with random (not seed-initialised) weights and biases, copied into a trainer.
void copy_model_into(const models::GloVeModel& model, models::GloVeTrainer& trainer) {
  const int64_t V = model.word_embeddings->num_embeddings();
  trainer.set_weights(model.word_embeddings->weight.detach(),
                      model.context_embeddings->weight.detach(),
                      model.word_biases->weight.detach().view({V}),
                      model.context_biases->weight.detach().view({V}));
}

void expect_same_tables(const models::GloVeModel& model, const models::GloVeTrainer& trainer,
                        double rtol) {
  const int64_t V = model.word_embeddings->num_embeddings();
  EXPECT_TRUE(testing::all_close(trainer.word_weights(), model.word_embeddings->weight.detach(),
                                 rtol, 1e-7));
  EXPECT_TRUE(testing::all_close(trainer.context_weights(),
                                 model.context_embeddings->weight.detach(), rtol, 1e-7));
  EXPECT_TRUE(testing::all_close(trainer.word_biases(),
                                 model.word_biases->weight.detach().view({V}), rtol, 1e-7));
  EXPECT_TRUE(testing::all_close(trainer.context_biases(),
                                 model.context_biases->weight.detach().view({V}), rtol, 1e-7));
}

TEST(GloVe, FusedStepsAreTheComposableAdagradSteps) {
  const int64_t V = 12, D = 10;
  Generator gen(7);
  models::GloVeModel model(V, D, /*x_max=*/100, /*alpha=*/0.75, /*sparse=*/true, &gen);
  {
    NoGradGuard no_grad;
    for (Tensor p : model.parameters()) p.copy_(randn(p.sizes(), &gen) * 0.3);
  }
  models::GloVeOptions options;
  options.dim = D;
  models::GloVeTrainer trainer(V, options);
  copy_model_into(model, trainer);
  auto adagrad = models::glove_adagrad(model, options.eta);

  // Records below and above x_max; word 3 and context 7 repeat, so later steps read the
  // Adagrad accumulators earlier steps left.
  const std::vector<std::tuple<int64_t, int64_t, float>> records = {
      {3, 7, 5.0f}, {3, 2, 250.0f}, {9, 7, 0.5f}, {3, 7, 41.0f}};
  for (const auto& [word, context, x] : records) {
    adagrad->zero_grad();
    Tensor cost =
        model.forward(tensor(std::vector<int64_t>{word}), tensor(std::vector<int64_t>{context}),
                      tensor(std::vector<float>{x})) *
        0.5;
    cost.backward();
    adagrad->step();
    const float fused_cost = trainer.step(int32_t(word), int32_t(context), x);
    EXPECT_NEAR(fused_cost, cost.item(), 1e-4 * std::max(1.0, cost.item()))
        << "record (" << word << ", " << context << ", " << x << ")";
    expect_same_tables(model, trainer, 1e-4);
  }
}

TEST(GloVe, ClipsEachGradientEntryAsGloveC) {
  models::GloVeOptions options;
  options.dim = 4;
  options.grad_clip = 0.5;
  models::GloVeTrainer trainer(2, options);
  // w0 = (1, 0, 0, 0), c1 = (2, 0, 0, 0), biases 0: diff = 2 - log x; for x = 1000 > x_max,
  // fdiff = diff = 2 - log 1000 = -4.9: the word's gradient entry fdiff * 2 = -9.8 clips to
  // -0.5, the context's fdiff * 1 to -0.5.
  Tensor w = zeros({2, 4}), c = zeros({2, 4});
  w.select(0, 0).select(0, 0).fill_(1.0);
  c.select(0, 1).select(0, 0).fill_(2.0);
  trainer.set_weights(w, c, zeros({2}), zeros({2}));
  const float x = 1000;
  const double fdiff = 2 - std::log(double(x));
  trainer.step(0, 1, x);
  const double eta = options.eta, step = -0.5 * eta / std::sqrt(1 + 0.25 * eta * eta);
  EXPECT_NEAR(trainer.word_weights().select(0, 0).select(0, 0).item(), 1 - step, 1e-6);
  EXPECT_NEAR(trainer.context_weights().select(0, 1).select(0, 0).item(), 2 - step, 1e-6);
  // Biases are not clipped, and take no eta (glove.c): b -= fdiff / sqrt(1 + fdiff^2).
  const double bias = -fdiff / std::sqrt(1 + fdiff * fdiff);
  EXPECT_NEAR(trainer.word_biases().select(0, 0).item(), bias, 1e-6);
  EXPECT_NEAR(trainer.context_biases().select(0, 1).item(), bias, 1e-6);
}

TEST(GloVe, InitialisesAsGloveC) {
  models::GloVeOptions options;
  options.dim = 20;
  models::GloVeTrainer a(500, options), b(500, options);
  EXPECT_EQ(a.word_weights().to_vector<float>(), b.word_weights().to_vector<float>());
  EXPECT_LE(max(abs(a.word_weights())).item(), 0.5 / 20);
  EXPECT_GT(max(abs(a.context_weights())).item(), 0.45 / 20);
  EXPECT_GT(max(abs(a.word_biases())).item(), 0.45 / 20);  // biases too, as glove.c
  EXPECT_FALSE(testing::all_close(a.word_weights(), a.context_weights(), 0, 1e-3));
}

TEST(GloVe, RecordsInAFileTrainAsInMemoryAndStateRoundTrips) {
  // 3000 random records over 40 words; one thread, so runs are bit-identical.
  Generator gen(9);
  std::vector<data::CooccurrenceRecord> records;
  for (int i = 0; i < 3000; ++i)
    records.push_back({int32_t(gen.next_u32() % 40), int32_t(gen.next_u32() % 40),
                       float(1 + gen.next_u32() % 300) / 3.0f});
  const std::string path = ::testing::TempDir() + "ember_glove_records.bin";
  data::Cooccurrences(records).save(path);
  const data::Cooccurrences in_memory(records), in_file = data::Cooccurrences::load(path);
  ASSERT_FALSE(in_file.in_memory());
  models::GloVeOptions o;
  o.dim = 12;
  o.epochs = 3;
  o.threads = 1;
  models::GloVeTrainer a(40, o), b(40, o);
  a.train(in_memory);
  b.train(in_file);
  EXPECT_EQ(a.vectors().to_vector<float>(), b.vectors().to_vector<float>());
  std::remove(path.c_str());

  // A trainer restored from state() continues exactly as the original.
  models::GloVeTrainer restored(40, models::GloVeOptions{});
  EXPECT_EMBER_ERROR(restored.load_state(a.state()), "glove");  // dim 50 against 12
  models::GloVeTrainer c(40, o);
  c.load_state(a.state());
  a.step(3, 5, 17.0f);
  c.step(3, 5, 17.0f);
  EXPECT_EQ(a.vectors().to_vector<float>(), c.vectors().to_vector<float>());
  EXPECT_EQ(a.word_biases().to_vector<float>(), c.word_biases().to_vector<float>());
}

// ---- quality on a real text ----

// The corpus's co-occurrences as glove.c counts them (data/cooccurrence.h), shuffled.
struct Corpus {
  data::Vocabulary vocab;
  data::Cooccurrences records;
  int64_t id(const std::string& word) const {
    const int64_t id = vocab.find(word);
    EMBER_CHECK(id != data::Vocabulary::kNone, "no word ", word);
    return id;
  }
};

Corpus count_cooccurrences(const std::string& path, int64_t min_count, int64_t window,
                           uint64_t seed) {
  Corpus c;
  data::VocabularyOptions vo;
  vo.min_count = min_count;
  c.vocab = data::Vocabulary::build(path, vo);
  data::CooccurrenceOptions co;
  co.window = window;
  c.records = data::CooccurrenceBuilder(c.vocab, co).build(path);
  c.records.shuffle(seed);
  return c;
}

double mean_cosine(const Corpus& c, const Tensor& vectors,
                   const std::vector<std::pair<std::string, std::string>>& pairs) {
  double total = 0;
  for (const auto& [a, b] : pairs) {
    const double cosine = F::cosine_similarity(vectors.select(0, c.id(a)).unsqueeze(0),
                                               vectors.select(0, c.id(b)).unsqueeze(0))
                              .item();
    std::printf("  cos(%s, %s) = %.3f\n", a.c_str(), b.c_str(), cosine);
    total += cosine;
  }
  return total / double(pairs.size());
}

// Pairs the addresses use together, against pairs of words from unrelated topics; the
// margin between their mean cosines.
double related_margin(const Corpus& c, const Tensor& vectors, const char* name) {
  const double related = mean_cosine(c, vectors,
                                     {{"senate", "house"},
                                      {"british", "french"},
                                      {"treasury", "revenue"},
                                      {"war", "peace"},
                                      {"indian", "tribes"},
                                      {"commerce", "trade"}});
  const double unrelated = mean_cosine(c, vectors,
                                       {{"senate", "vessels"},
                                        {"british", "debt"},
                                        {"treasury", "tribes"},
                                        {"war", "representatives"},
                                        {"indian", "revenue"},
                                        {"commerce", "militia"}});
  std::printf("%s: related %.3f, unrelated %.3f, margin %.3f\n", name, related, unrelated,
              related - unrelated);
  return related - unrelated;
}

// Both forms clear the 0.25 margin with room: the fused trainer (15 epochs) scores related
// pairs 0.75 against unrelated 0.27, the composable model (5 epochs) 0.80 against 0.41.
TEST(GloVe, BothFormsLearnRelatedWords) {
  set_num_threads(1);
  const Corpus c =
      count_cooccurrences(std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt", 5, 10, 1);
  const int64_t V = c.vocab.size(), N = c.records.size();
  ASSERT_GT(V, 1000);
  models::GloVeOptions o;
  o.dim = 50;
  o.x_max = 10;  // a small corpus
  o.epochs = 15;
  o.threads = 1;

  auto start = std::chrono::steady_clock::now();
  models::GloVeTrainer trainer(V, o);
  std::vector<double> costs;
  trainer.train(c.records, {}, 0, [&](int64_t) { costs.push_back(0); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("GloVe fused: %lld words, %lld records, %lld epochs in %.2f s\n", (long long)V,
              (long long)N, (long long)o.epochs, seconds);
  EXPECT_GT(related_margin(c, trainer.vectors(), "GloVe fused"), 0.25);

  // The composable model, glove.c's AdaGrad, batches of 256 records.
  std::vector<int64_t> words, contexts;
  std::vector<float> values;
  for (const auto& r : c.records.records()) {
    words.push_back(r.row);
    contexts.push_back(r.col);
    values.push_back(r.value);
  }
  start = std::chrono::steady_clock::now();
  Generator gen(2);
  models::GloVeModel model(V, o.dim, o.x_max, o.alpha, /*sparse=*/true, &gen);
  auto adagrad = models::glove_adagrad(model, o.eta);
  const std::vector<double> epoch_costs =
      models::train_glove(model, tensor(words), tensor(contexts), tensor(values), *adagrad,
                          /*epochs=*/5, /*batch_size=*/256, &gen);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("GloVe composable: cost %.4f -> %.4f over %zu epochs in %.2f s\n",
              epoch_costs.front(), epoch_costs.back(), epoch_costs.size(), seconds);
  EXPECT_LT(epoch_costs.back(), epoch_costs.front());
  EXPECT_GT(related_margin(c, model.embeddings(), "GloVe composable"), 0.25);
}

}  // namespace
}  // namespace ember
