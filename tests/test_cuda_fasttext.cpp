// The CUDA fastText kernel (cuda/fasttext.cu) against its CPU twin (models/fasttext_trainer.cpp). One
// sentence is one warp, so a one-sentence corpus runs deterministically; the reference below
// replays the kernel's draws (Philox counted by corpus position, cuda::fasttext_negative)
// through the CPU trainer's arithmetic. Then both trainers learn the same relations from real
// text. The negative draws and the host's checks of the subword table and the corpus are
// tested here without a GPU; the rest is SKIPPED without one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <ember/cuda/fasttext.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/sampling.h>
#include <ember/data/vocab.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/nn/functional.h>

#include "related_words.h"
#include "sentence_replay.h"
#include "testing.h"

namespace ember {
namespace {

// ---- on the host: the negative draws and the input checks ----

TEST(CudaFastText, NegativesAreAliasDrawsRedrawnAwayFromTheContext) {
  const int64_t V = 50;
  const data::Vocabulary vocab = testing::vocab_of(V);
  const auto alias = data::AliasTable::from_counts(vocab.counts(), 0.5);
  const std::vector<uint64_t> packed = alias.packed();
  std::vector<int64_t> histogram(size_t(V), 0);
  int64_t redrawn = 0, draws = 0;
  for (int64_t p = 0; p < 2000; ++p)
    for (int64_t slot = 0; slot < 4; ++slot)
      for (int64_t k = 0; k < 5; ++k) {
        const int32_t context = int32_t(p % 3);  // the most frequent words: redraws happen
        const int32_t id = cuda::fasttext_negative(packed.data(), V, 11, 2, p, slot, k, context);
        EXPECT_EQ(id, cuda::fasttext_negative(packed.data(), V, 11, 2, p, slot, k, context));
        ASSERT_TRUE(id >= 0 && id < V) << id;
        EXPECT_NE(id, context) << "p " << p << " slot " << slot << " k " << k;
        // The first attempt is word2vec's draw: AliasTable::draw of the Philox words.
        const auto words =
            philox4x32(uint64_t(p), (uint64_t(2) << 16) | uint64_t(2 + 8 * slot + k / 2), 11);
        const int32_t first = int32_t(alias.draw((uint64_t(words[size_t(2 * (k % 2))]) << 32) |
                                                 words[size_t(2 * (k % 2) + 1)]));
        if (first != context) {
          EXPECT_EQ(id, first);
        }
        redrawn += first == context;
        ++histogram[size_t(id)];
        ++draws;
      }
  EXPECT_GT(redrawn, 0);
  // Away from the contexts, the draws follow counts^0.5: word 10 against word 40.
  const double expected = std::sqrt(double(vocab.count(10)) / double(vocab.count(40)));
  const double seen = double(histogram[10]) / double(histogram[40]);
  EXPECT_NEAR(seen, expected, 0.25 * expected);
  EXPECT_EQ(draws, 2000 * 4 * 5);
}

TEST(CudaFastText, SubwordTableCheckCatchesWhatWouldReadOutOfBounds) {
  const data::Vocabulary vocab = testing::vocab_of(20);
  models::FastTextOptions o;
  o.dim = 8;
  o.subwords.bucket = 30;
  models::FastTextTrainer trainer(vocab, o);
  const data::SubwordTable& table = trainer.subwords();
  std::vector<int64_t> offsets = table.offsets();
  std::vector<int32_t> ids = table.ids();
  const int64_t V = vocab.size(), rows = trainer.input().rows();
  ASSERT_EQ(rows, V + 30);
  // The table the trainer uploads: each word's own row first, then n-gram rows past V.
  cuda::check_subword_rows(offsets.data(), V, ids.data(), int64_t(ids.size()), rows);
  for (int64_t w = 0; w < V; ++w) {
    EXPECT_EQ(ids[size_t(offsets[size_t(w)])], w);
    for (int64_t i = offsets[size_t(w)] + 1; i < offsets[size_t(w) + 1]; ++i)
      EXPECT_GE(ids[size_t(i)], V);
  }
  std::vector<int32_t> bad_ids = ids;
  bad_ids.back() = int32_t(rows);
  EXPECT_EMBER_ERROR(
      cuda::check_subword_rows(offsets.data(), V, bad_ids.data(), int64_t(ids.size()), rows),
      "out of range for 50 input rows");
  std::vector<int64_t> empty_word = offsets;
  empty_word[1] = empty_word[0];
  EXPECT_EMBER_ERROR(
      cuda::check_subword_rows(empty_word.data(), V, ids.data(), int64_t(ids.size()), rows),
      "word 0 has no input rows");
  EXPECT_EMBER_ERROR(
      cuda::check_subword_rows(offsets.data(), V, ids.data(), int64_t(ids.size()) + 1, rows),
      "subword offsets run from");
}

TEST(CudaFastText, BadCorpusIdsRaiseOnTheHostBeforeAnyKernel) {
  const data::Vocabulary vocab = testing::vocab_of(10);
  models::FastTextOptions o;
  o.dim = 8;
  o.subwords.bucket = 20;
  o.device = Device(kCUDA);
  models::FastTextTrainer trainer(vocab, o);
  data::EncodedCorpus corpus;
  corpus.ids = {1, 2, 10, 3};
  corpus.sentence_starts = {0, 4};
  corpus.raw_tokens = 4;
  EXPECT_EMBER_ERROR(trainer.train(corpus), "corpus id 10 out of range");
}

// ---- on the GPU ----

// sum over distinct rows of (times listed)^2, over n (models/fasttext_trainer.cpp's mean_gain)
float gain_of(std::vector<int32_t> rows) {
  std::map<int32_t, int64_t> times;
  for (int32_t r : rows) ++times[r];
  double squares = 0;
  for (const auto& [row, t] : times) squares += double(t) * double(t);
  return float(squares / double(rows.size()));
}

// The kernel's loop on the CPU: same draws, same order, targets in groups of 4 whose dot
// products read the rows as they were at the start of the group (sentence_replay.h); every
// update is added.
void reference_epoch(models::FastTextTrainer& t, const data::EncodedCorpus& corpus,
                     const data::Vocabulary& vocab, int64_t epoch) {
  const models::FastTextOptions& o = t.options();
  const auto alias = data::AliasTable::from_counts(vocab.counts(), 0.5).packed();
  const int64_t total_tokens =
      std::max(vocab.total_tokens(), vocab.kept_tokens()) + corpus.num_sentences();
  const auto keep = data::keep_thresholds(vocab.counts(), total_tokens, o.sample);
  const int64_t D = t.input().stride(), N = corpus.num_ids(), V = vocab.size();
  for (int64_t s = 0; s < corpus.num_sentences(); ++s) {
    const int64_t begin = corpus.sentence_starts[size_t(s)];
    const std::vector<int32_t> kept = testing::subsampled(corpus, s, keep, o.seed, epoch);
    const double progress = double(epoch * N + begin) / double(o.epochs * N);
    const float lr = float(o.lr * std::max(0.0, 1.0 - progress));
    const int64_t n = int64_t(kept.size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = begin + i;
      const int64_t reach = testing::reach_at(p, o.window, o.seed, epoch);
      const int64_t lo = std::max<int64_t>(0, i - reach), end = std::min(n, i + reach + 1);
      if (end - lo <= 1) continue;
      const int32_t center = kept[size_t(i)];
      const std::vector<int32_t> rows(t.subwords().begin(center), t.subwords().end(center));
      std::vector<float> h(size_t(D), 0.0f), grad_sum(size_t(D), 0.0f);
      for (int32_t r : rows)
        for (int64_t d = 0; d < D; ++d) h[size_t(d)] += t.input().row(r)[d];
      const float inv = 1.0f / float(rows.size()), gain = gain_of(rows);
      for (float& v : h) v *= inv;
      for (int64_t j = lo; j < end; ++j) {
        if (j == i) continue;
        std::vector<int32_t> targets(size_t(o.negative + 1));
        targets[0] = kept[size_t(j)];
        for (int64_t k = 0; k < o.negative; ++k)
          targets[size_t(1 + k)] =
              cuda::fasttext_negative(alias.data(), V, o.seed, epoch, p, j - lo, k, targets[0]);
        std::vector<float> grad(size_t(D), 0.0f);
        testing::replay_predict(h, grad, targets, t.output(), lr);
        for (int64_t d = 0; d < D; ++d) {
          h[size_t(d)] += gain * grad[size_t(d)];
          grad_sum[size_t(d)] += grad[size_t(d)];
        }
      }
      for (int32_t r : rows)
        for (int64_t d = 0; d < D; ++d) t.input().row(r)[d] += grad_sum[size_t(d)];
    }
  }
}

TEST(CudaFastText, OneSentenceMatchesTheCpuReplay) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 300;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(7);
  const data::EncodedCorpus corpus = testing::one_sentence(V, 400, gen);
  // dims 20, 100, 300: one, one and three float4 chunks per lane
  for (int64_t dim : {20, 100, 300}) {
    models::FastTextOptions o;
    o.dim = dim;
    o.epochs = 2;
    o.sample = 1e-2;
    o.negative = 6;
    o.seed = 3;
    o.subwords.bucket = 500;  // n-grams share buckets, and words share n-gram rows
    models::FastTextTrainer cpu(vocab, o);
    // Non-zero output rows so that every step moves both tables.
    cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);
    o.device = Device(kCUDA);
    models::FastTextTrainer gpu(vocab, o);
    gpu.input().copy_from(cpu.input().to_tensor());
    gpu.output().copy_from(cpu.output().to_tensor());
    gpu.train(corpus);
    for (int64_t e = 0; e < o.epochs; ++e) reference_epoch(cpu, corpus, vocab, e);
    EXPECT_TRUE(testing::all_close(gpu.input().to_tensor(), cpu.input().to_tensor(), 1e-3, 1e-5))
        << "dim " << dim;
    EXPECT_TRUE(testing::all_close(gpu.output().to_tensor(), cpu.output().to_tensor(), 1e-3, 1e-5))
        << "dim " << dim;
  }
}

TEST(CudaFastText, LearnsWhatTheCpuTrainerLearns) {
  EMBER_REQUIRE_CUDA();
  const std::string path = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";
  data::VocabularyOptions vo;
  vo.min_count = 5;
  const data::Vocabulary vocab = data::Vocabulary::build(path, vo);
  const data::EncodedCorpus corpus = data::EncodedCorpus::encode(path, vocab);
  models::FastTextOptions o;
  o.dim = 50;
  o.epochs = 15;
  o.threads = 2;
  o.subwords.bucket = 100000;
  o.sample = 1e-3;
  models::FastTextTrainer cpu(vocab, o);
  cpu.train(corpus);
  o.device = Device(kCUDA);
  models::FastTextTrainer gpu(vocab, o);
  gpu.train(corpus);
  const double m_cpu = testing::related_margin([&](const char* w) { return cpu.word_vector(w); });
  const double m_gpu = testing::related_margin([&](const char* w) { return gpu.word_vector(w); });
  // An unseen word's vector comes from its n-gram rows alone.
  const double stem = nn::functional::cosine_similarity(gpu.word_vector("legislatures"),
                                                        gpu.word_vector("legislature"), 0)
                          .item();
  std::printf("fasttext: margin cpu %.3f gpu %.3f; gpu cos(legislatures, legislature) %.3f\n",
              m_cpu, m_gpu, stem);
  EXPECT_GT(m_gpu, 0.25);
  EXPECT_GT(m_gpu, m_cpu - 0.1);
  EXPECT_GT(stem, 0.5);
}

}  // namespace
}  // namespace ember
