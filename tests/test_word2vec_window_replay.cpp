// The CUDA minibatch word2vec kernel's arithmetic (cuda/internal/word2vec_window.h: its ring
// of context rows kept on chip and written back, its staged output rows, its lanes'
// butterfly sums) replayed on the host against its CPU twin, the trainer's window steps
// (SkipGramWindowStep, CbowStep) with the kernel's counter-based draws. The two sum each dot
// product in another order (32 lanes' chains and a butterfly against 16-float groups) and the
// kernel adds an output row's update as one term where the CPU adds each context's in turn,
// so they agree to float rounding, not to the bit. Runs in every build: no GPU needed.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include <ember/cuda/internal/word2vec_window.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec_trainer.h>

#include "testing.h"
#include "toy_corpus.h"
#include "word2vec_window_replay.h"

namespace ember {
namespace {

namespace ww = cuda::word2vec_window;

// A few sentences of a 30-word vocabulary: windows hold the same word twice (one ring slot
// for both) and negatives repeat, so every path of the kernel's bookkeeping runs; at window
// 16 (ww::kMaxWindow) the ring is the largest the kernel takes.
TEST(Word2VecWindowReplay, KernelArithmeticMatchesTheCpuWindowSteps) {
  const int64_t V = 30;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(11);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 6, 20, 60, gen);
  for (bool cbow : {false, true})
    for (auto [dim, window] : {std::pair<int64_t, int64_t>{100, 4}, {300, 4}, {100, 16}}) {
      SCOPED_TRACE(std::string(cbow ? "cbow" : "skipgram") + " dim " + std::to_string(dim) +
                   " window " + std::to_string(window));
      models::Word2VecOptions o = testing::kernel_parity_options(cbow, dim);
      o.window = window;
      models::Word2VecTrainer cpu(vocab, o);
      cpu.output().copy_from(randn({V, dim}, &gen) * 0.1);  // so that both tables move
      models::Word2VecTrainer kernel(vocab, o);
      testing::copy_tables(cpu, kernel);
      const Tensor input_before = cpu.input().to_tensor();
      const Tensor output_before = cpu.output().to_tensor();

      cpu.train(corpus);
      testing::replay_window_kernel(vocab, o, corpus, kernel.input(), kernel.output());

      EXPECT_TRUE(testing::tables_close(kernel, cpu, 1e-4, 1e-6));
      // Both really trained: the tables moved well beyond the tolerance.
      EXPECT_FALSE(testing::all_close(cpu.input().to_tensor(), input_before, 0, 1e-2));
      EXPECT_FALSE(testing::all_close(cpu.output().to_tensor(), output_before, 0, 1e-2));
    }
}

// The replay's butterfly is the device's: every lane ends with the same sum, and it is the
// pairwise sum of lanes l and l ^ 16, then of those pairs l and l ^ 8, and so on.
TEST(Word2VecWindowReplay, ButterflySumIsPairwiseByXorDistance) {
  float part[ww::kLanes];
  for (int lane = 0; lane < ww::kLanes; ++lane) part[lane] = 1.0f + 1e-7f * float(lane * lane);
  float level[ww::kLanes];
  std::copy(part, part + ww::kLanes, level);
  for (int width = ww::kLanes / 2; width > 0; width /= 2)
    for (int lane = 0; lane < width; ++lane) level[lane] = level[lane] + level[lane + width];
  EXPECT_EQ(ww::HostWarp{}.sum(part), level[0]);
}

// Two positions of one word within reach share a ring slot: a sentence of one word repeated
// trains the row as one copy, written back once, exactly as many steps as the CPU's.
TEST(Word2VecWindowReplay, RepeatedWordSharesOneRingSlot) {
  const data::Vocabulary vocab = testing::vocab_of(4);
  data::EncodedCorpus corpus;
  corpus.ids = {1, 1, 1, 1, 1, 1, 2, 1, 1};
  corpus.sentence_starts = {0, int64_t(corpus.ids.size())};
  corpus.raw_tokens = int64_t(corpus.ids.size());
  for (bool cbow : {false, true}) {
    SCOPED_TRACE(cbow ? "cbow" : "skipgram");
    models::Word2VecOptions o = testing::kernel_parity_options(cbow, 16);
    o.sample = 0;  // keep every token
    o.negative = 3;
    models::Word2VecTrainer cpu(vocab, o), kernel(vocab, o);
    Generator gen(5);
    cpu.output().copy_from(randn({4, 16}, &gen) * 0.1);
    testing::copy_tables(cpu, kernel);
    cpu.train(corpus);
    testing::replay_window_kernel(vocab, o, corpus, kernel.input(), kernel.output());
    EXPECT_TRUE(testing::tables_close(kernel, cpu, 1e-5, 1e-7));
  }
}

}  // namespace
}  // namespace ember
