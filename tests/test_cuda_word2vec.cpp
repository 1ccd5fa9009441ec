// The CUDA word2vec kernels against their CPU twin: the CPU sentence loop run with the
// kernels' counter-based draws (SentenceDraws::kPhilox). First the pair kernel
// (cuda/word2vec.cu, minibatch = false; test_cuda_word2vec_window.cpp has the minibatch
// one): one sentence is one warp, so a one-sentence corpus runs deterministically on the GPU
// and the two must agree to float rounding. Then both trainers, with the default options
// (the minibatch kernel on the GPU), learn the same relations from real text. SKIPPED
// without a GPU.
#include <gtest/gtest.h>

#include <string>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec_trainer.h>
#include <ember/nn/functional.h>

#include "testing.h"
#include "toy_corpus.h"
#include "word2vec_window_replay.h"

namespace ember {
namespace {

// dims 20, 100, 300: one, one and three float4 chunks a lane (the kernels for C = 1, 1, 4).
TEST(CudaWord2Vec, OneSentenceMatchesTheCpuLoopWithTheSameDraws) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 300;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(7);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 1, 400, 1, gen);
  for (bool cbow : {false, true})
    for (int64_t dim : {20, 100, 300}) {
      models::Word2VecOptions o = testing::kernel_parity_options(cbow, dim);
      o.window = 5;
      o.minibatch = false;  // the pair kernel (cuda/word2vec.cu)
      models::Word2VecTrainer cpu(vocab, o);
      // Non-zero output rows so that every step moves both tables.
      cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);
      o.device = Device(kCUDA);
      models::Word2VecTrainer gpu(vocab, o);
      testing::copy_tables(cpu, gpu);
      gpu.train(corpus);
      cpu.train(corpus);
      EXPECT_TRUE(testing::all_close(gpu.input().to_tensor(), cpu.input().to_tensor(), 1e-3, 1e-5))
          << (cbow ? "cbow" : "skipgram") << " dim " << dim;
      EXPECT_TRUE(
          testing::all_close(gpu.output().to_tensor(), cpu.output().to_tensor(), 1e-3, 1e-5))
          << (cbow ? "cbow" : "skipgram") << " dim " << dim;
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
