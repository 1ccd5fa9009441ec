// The CUDA fastText kernel (cuda/fasttext.cu) against its CPU twin: the CPU sentence loop
// (models/fasttext_trainer.cpp) run with the kernel's counter-based draws
// (SentenceDraws::kPhilox). One sentence is one warp, so a one-sentence corpus runs
// deterministically on the GPU and the two must agree to float rounding. Then both trainers
// learn the same relations from real text. The host's checks of the subword table and the
// corpus are tested here without a GPU; the rest is SKIPPED without one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <ember/cuda/fasttext.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/nn/functional.h>

#include "related_words.h"
#include "testing.h"
#include "toy_corpus.h"

namespace ember {
namespace {

// ---- on the host: the input checks ----

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
  EXPECT_EMBER_ERROR(trainer.train(corpus), "corpus id 10 at position 2 out of range");
}

// ---- on the GPU ----

TEST(CudaFastText, OneSentenceMatchesTheCpuLoopWithTheSameDraws) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 300;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(7);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 1, 400, 1, gen);
  // dims 20, 100, 300: one, one and three float4 chunks a lane
  for (int64_t dim : {20, 100, 300}) {
    models::FastTextOptions o;
    o.dim = dim;
    o.epochs = 2;
    o.sample = 1e-2;
    o.negative = 6;
    o.seed = 3;
    o.threads = 1;
    o.draws = models::SentenceDraws::kPhilox;
    o.minibatch = false;      // the kernel trains fastText's order
    o.subwords.bucket = 500;  // n-grams share buckets, and words share n-gram rows
    models::FastTextTrainer cpu(vocab, o);
    // Non-zero output rows so that every step moves both tables.
    cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);
    o.device = Device(kCUDA);
    models::FastTextTrainer gpu(vocab, o);
    gpu.input().copy_from(cpu.input().to_tensor());
    gpu.output().copy_from(cpu.output().to_tensor());
    gpu.train(corpus);
    cpu.train(corpus);
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
