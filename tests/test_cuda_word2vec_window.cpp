// The CUDA minibatch word2vec kernel (cuda/word2vec_window.cu, Word2VecOptions::minibatch on
// a GPU) against its CPU twin, the trainer's window steps (SkipGramWindowStep, CbowStep) run
// with the kernel's counter-based draws, and against the host replay of its own arithmetic
// (tests/word2vec_window_replay.h). One sentence is one warp, so a one-sentence corpus runs
// deterministically on the GPU: to float rounding of the CPU twin (other summation orders),
// and closer still to the replay (the same fmaf chains and butterfly; the device's expf and
// log1pf may differ from the host's by an ulp). SKIPPED without a GPU.
#include <gtest/gtest.h>

#include <string>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec_trainer.h>

#include "testing.h"
#include "toy_corpus.h"
#include "word2vec_window_replay.h"

namespace ember {
namespace {

// dims 100 and 300 (rows of 112 and 304 floats: 28 and 76 float4s over 32 lanes, so that
// some lanes hold more of a row than others).
TEST(CudaWord2VecWindow, OneSentenceMatchesTheCpuWindowStepsAndTheReplay) {
  EMBER_REQUIRE_CUDA();
  const int64_t V = 200;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(7);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 1, 400, 1, gen);
  for (bool cbow : {false, true})
    for (int64_t dim : {100, 300}) {
      SCOPED_TRACE(std::string(cbow ? "cbow" : "skipgram") + " dim " + std::to_string(dim));
      models::Word2VecOptions o = testing::kernel_parity_options(cbow, dim);
      models::Word2VecTrainer cpu(vocab, o);
      cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);  // so that both tables move
      models::Word2VecTrainer replay(vocab, o);
      testing::copy_tables(cpu, replay);
      o.device = Device(kCUDA);
      models::Word2VecTrainer gpu(vocab, o);
      testing::copy_tables(cpu, gpu);

      gpu.train(corpus);
      cpu.train(corpus);
      testing::replay_window_kernel(vocab, o, corpus, replay.input(), replay.output());

      EXPECT_TRUE(testing::tables_close(gpu, cpu, 1e-3, 1e-5));
      EXPECT_TRUE(testing::tables_close(gpu, replay, 1e-5, 1e-7));
    }
}

// Many sentences, many warps racing on the tables: tests/test_cuda_word2vec.cpp's
// LearnsWhatTheCpuTrainerLearns trains sample.txt with the default options, this kernel.

// A window or dim the kernel's shared memory cannot take is refused by name, before any
// launch, pointing at the pair kernel.
TEST(CudaWord2VecWindow, RefusesWindowsBeyondItsRing) {
  EMBER_REQUIRE_CUDA();
  const data::Vocabulary vocab = testing::vocab_of(50);
  Generator gen(3);
  const data::EncodedCorpus corpus = testing::random_sentences(50, 2, 30, 1, gen);
  models::Word2VecOptions o;
  o.window = 17;
  o.device = Device(kCUDA);
  models::Word2VecTrainer gpu(vocab, o);
  EXPECT_EMBER_ERROR(gpu.train(corpus), "window 17 is outside 1..16; train with minibatch = false");
}

}  // namespace
}  // namespace ember
