// The CUDA word2vec kernels (cuda/word2vec.cu) against their CPU twin. One sentence is one
// warp, so a one-sentence corpus runs deterministically; the reference below replays the
// kernel's draws (Philox counted by corpus position) through the CPU's arithmetic. Then
// both trainers learn the same relations from real text. SKIPPED without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <ember/data/encoded_corpus.h>
#include <ember/data/sampling.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec_trainer.h>
#include <ember/nn/functional.h>

#include "sentence_replay.h"
#include "testing.h"

namespace ember {
namespace {

// The kernel's loop on the CPU: same draws, same order, targets in groups of 4 whose dot
// products read the rows as they were at the start of the group (sentence_replay.h); every
// update is added.
void reference_epoch(models::Word2VecTrainer& t, const data::EncodedCorpus& corpus,
                     const data::Vocabulary& vocab, int64_t epoch) {
  const models::Word2VecOptions& o = t.options();
  const auto alias = data::AliasTable::from_counts(vocab.counts(), 0.75);
  const auto keep = data::keep_thresholds(vocab.counts(), vocab.kept_tokens(), o.sample);
  const int64_t D = t.input().stride(), N = corpus.num_ids();
  for (int64_t s = 0; s < corpus.num_sentences(); ++s) {
    const int64_t begin = corpus.sentence_starts[size_t(s)];
    const std::vector<int32_t> kept = testing::subsampled(corpus, s, keep, o.seed, epoch);
    const double progress = double(epoch * N + begin) / double(o.epochs * N + 1);
    const float lr = float(o.lr - o.lr * (1.0 - o.min_lr_ratio) * std::min(1.0, progress));
    const int64_t n = int64_t(kept.size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = begin + i;
      const int64_t reach = testing::reach_at(p, o.window, o.seed, epoch);
      const int64_t lo = std::max<int64_t>(0, i - reach), end = std::min(n, i + reach + 1);
      auto negatives = [&](int64_t slot, std::vector<int32_t>& targets) {
        for (int64_t k = 0; k < o.negative; k += 2) {
          auto w =
              philox4x32(uint64_t(p), testing::counter_hi(epoch, 2 + 8 * slot + k / 2), o.seed);
          targets[size_t(1 + k)] = int32_t(alias.draw((uint64_t(w[0]) << 32) | w[1]));
          if (k + 1 < o.negative)
            targets[size_t(2 + k)] = int32_t(alias.draw((uint64_t(w[2]) << 32) | w[3]));
        }
      };
      std::vector<int32_t> targets(size_t(o.negative + 1));
      targets[0] = kept[size_t(i)];
      for (int64_t j = lo; j < end; ++j) {
        if (j == i) continue;
        float* in = t.input().row(kept[size_t(j)]);
        std::vector<float> h(in, in + D), grad(size_t(D), 0.0f);
        negatives(j - lo, targets);
        testing::replay_predict(h, grad, targets, t.output(), lr);
        for (int64_t d = 0; d < D; ++d) in[d] += grad[size_t(d)];
      }
    }
  }
}

TEST(CudaWord2Vec, OneSentenceMatchesTheCpuReplay) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 300;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(7);
  const data::EncodedCorpus corpus = testing::one_sentence(V, 400, gen);
  for (int64_t dim : {20, 100, 200}) {
    models::Word2VecOptions o;
    o.dim = dim;
    o.epochs = 2;
    o.sample = 1e-2;
    o.negative = 6;
    o.seed = 3;
    o.lr = 0.05;
    models::Word2VecTrainer cpu(vocab, o);
    // Non-zero output rows so that every step moves both tables.
    cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);
    o.device = Device(kCUDA);
    models::Word2VecTrainer gpu(vocab, o);
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

double margin(const data::Vocabulary& vocab, const Tensor& vectors) {
  auto cos = [&](const char* a, const char* b) {
    return nn::functional::cosine_similarity(vectors.select(0, vocab.find(a)),
                                             vectors.select(0, vocab.find(b)), 0)
        .item();
  };
  const double related = (cos("senate", "house") + cos("british", "french") +
                          cos("treasury", "revenue") + cos("war", "peace")) /
                         4;
  const double unrelated = (cos("senate", "vessels") + cos("british", "debt") +
                            cos("treasury", "tribes") + cos("war", "laws")) /
                           4;
  return related - unrelated;
}

TEST(CudaWord2Vec, LearnsWhatTheCpuTrainerLearns) {
  EMBER_REQUIRE_CUDA();
  const std::string path = std::string(EMBER_SOURCE_DIR) + "/corpus/sample.txt";
  data::VocabularyOptions vo;
  vo.min_count = 5;
  data::Vocabulary vocab = data::Vocabulary::build(path, vo);
  data::EncodedCorpus corpus = data::EncodedCorpus::encode(path, vocab);
  for (bool cbow : {false, true}) {
    models::Word2VecOptions o;
    o.cbow = cbow;
    o.dim = 50;
    o.epochs = cbow ? 10 : 5;
    o.lr = cbow ? 0.05 : 0.025;
    o.threads = 2;
    models::Word2VecTrainer cpu(vocab, o);
    cpu.train(corpus);
    o.device = Device(kCUDA);
    models::Word2VecTrainer gpu(vocab, o);
    gpu.train(corpus);
    const double m_cpu = margin(vocab, cpu.input().to_tensor());
    const double m_gpu = margin(vocab, gpu.input().to_tensor());
    std::printf("%s: margin cpu %.3f gpu %.3f\n", cbow ? "cbow" : "skipgram", m_cpu, m_gpu);
    EXPECT_GT(m_gpu, 0.25);
    EXPECT_GT(m_gpu, m_cpu - 0.1);
  }
}

}  // namespace
}  // namespace ember
