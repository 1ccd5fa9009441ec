// The sentence loop of word2vec and fastText (models/internal/sentence_loop.h) and the
// counter-based draws it shares with the CUDA kernels (cuda/sentence_launch.h): what the loop
// hands each step, when it sets the lr, and how negatives are drawn again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include <ember/cuda/sentence_launch.h>
#include <ember/data/sampling.h>
#include <ember/models/internal/sentence_loop.h>

#include "testing.h"
#include "toy_corpus.h"

namespace ember {
namespace {

using models::sentence_loop::DrawTables;
using models::sentence_loop::LcgDraws;
using models::sentence_loop::Loss;
using models::sentence_loop::PhiloxDraws;

TEST(SentenceDraws, CounterBasedNegativesAreAliasDrawsRedrawnAwayFromTheAvoidedWord) {
  const int64_t V = 50;
  const data::Vocabulary vocab = testing::vocab_of(V);
  const auto alias = data::AliasTable::from_counts(vocab.counts(), 0.5);
  const std::vector<uint64_t> packed = alias.packed();
  std::vector<int64_t> histogram(size_t(V), 0);
  int64_t redrawn = 0, draws = 0;
  for (int64_t s = 0; s < 2000; ++s)
    for (int64_t c = 0; c < 4; ++c) {
      const int32_t avoid = int32_t(s % 3);  // the most frequent words: redraws happen
      int32_t negatives[5], again[5];
      cuda::draw_negatives(packed.data(), V, 11, 2, s, c, 5, avoid, negatives);
      cuda::draw_negatives(packed.data(), V, 11, 2, s, c, 5, avoid, again);
      for (int64_t k = 0; k < 5; ++k) {
        const int32_t id = negatives[k];
        EXPECT_EQ(id, again[k]);
        ASSERT_TRUE(id >= 0 && id < V) << id;
        EXPECT_NE(id, avoid) << "slot " << s << " context " << c << " k " << k;
        // The first attempt is AliasTable::draw of two Philox words, two negatives per call.
        const auto words = philox4x32(uint64_t(s), cuda::counter_hi(2, 2 + 8 * c + k / 2), 11);
        const int32_t first = int32_t(alias.draw((uint64_t(words[size_t(2 * (k % 2))]) << 32) |
                                                 words[size_t(2 * (k % 2) + 1)]));
        if (first != avoid) {
          EXPECT_EQ(id, first);
        }
        redrawn += first == avoid;
        ++histogram[size_t(id)];
        ++draws;
      }
    }
  EXPECT_GT(redrawn, 0);
  // Away from the avoided words, the draws follow counts^0.5: word 10 against word 40.
  const double expected = std::sqrt(double(vocab.count(10)) / double(vocab.count(40)));
  const double seen = double(histogram[10]) / double(histogram[40]);
  EXPECT_NEAR(seen, expected, 0.25 * expected);
  EXPECT_EQ(draws, 2000 * 4 * 5);
}

TEST(SentenceDraws, RedrawsStopWhenEveryDrawIsTheAvoidedWord) {
  // One word: every draw is word 0. Both kinds of draws give up after kMaxRedraws attempts
  // and return it (the loops then skip it), where an unbounded redraw would never end.
  const data::AliasTable alias = data::AliasTable::from_counts({7}, 0.5);
  const std::vector<uint64_t> packed = alias.packed();
  int32_t negatives[3] = {-1, -1, -1};
  cuda::draw_negatives(packed.data(), 1, 5, 0, 9, 1, 3, /*avoid=*/0, negatives);
  for (int32_t id : negatives) EXPECT_EQ(id, 0);
  const DrawTables tables(alias, /*window_from_top=*/false);
  LcgDraws lcg(tables, 5, 0, 0);
  lcg.draw_negatives(9, 1, 3, /*avoid=*/0, negatives);
  for (int32_t id : negatives) EXPECT_EQ(id, 0);
  PhiloxDraws philox(tables, 5, 0, 0);
  philox.draw_negatives(9, 1, 3, /*avoid=*/0, negatives);
  for (int32_t id : negatives) EXPECT_EQ(id, 0);
}

TEST(SentenceDraws, ReducedWindowsAreUniformInOneToWindow) {
  for (bool from_top : {false, true}) {
    const DrawTables tables(data::AliasTable::from_counts({1, 2, 3}, 0.75), from_top);
    LcgDraws draws(tables, 3, 1, 0);
    std::vector<int64_t> seen(6, 0);
    for (int64_t i = 0; i < 5000; ++i) {
      const int64_t reach = draws.reach(i, 5);
      ASSERT_TRUE(reach >= 1 && reach <= 5) << reach;
      ++seen[size_t(reach)];
    }
    for (int64_t r = 1; r <= 5; ++r) EXPECT_NEAR(double(seen[size_t(r)]), 1000.0, 150.0) << r;
  }
  std::vector<int64_t> seen(6, 0);
  for (int64_t s = 0; s < 5000; ++s) {
    const int64_t reach = cuda::reduced_window(3, 1, s, 5);
    ASSERT_TRUE(reach >= 1 && reach <= 5) << reach;
    ++seen[size_t(reach)];
  }
  for (int64_t r = 1; r <= 5; ++r) EXPECT_NEAR(double(seen[size_t(r)]), 1000.0, 150.0) << r;
}

// A step that records what the loop hands it.
struct Recorder {
  static constexpr int64_t kLossEvery = 2;
  struct Call {
    std::vector<int32_t> sentence;  // the kept tokens up to hi
    int64_t i, lo, hi, slot;
    float lr;
  };
  float lr_at(int64_t done) const { return 1.0f - float(done) / 1000.0f; }
  template <typename Draws>
  Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi, int64_t slot,
                  float lr, bool /*want_loss*/, Draws& /*draws*/) {
    calls.push_back({std::vector<int32_t>(sentence, sentence + hi), i, lo, hi, slot, lr});
    return {2.0f, 1};
  }
  void before_sentence(const int32_t* /*sentence*/, int64_t /*n*/) {}
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    return {};
  }
  std::vector<Call> calls;
};

// w: a worker over sentences [begin, end) of corpus, of 1,000 ids in all epochs.
void set_worker(models::hogwild::CorpusWorker& w, const data::SentenceSource& corpus, int64_t begin,
                int64_t end, std::atomic<int64_t>& words_done) {
  w.corpus = &corpus;
  w.begin_sentence = begin;
  w.end_sentence = end;
  w.words_done = &words_done;
  w.total_words = 1000;
}

TEST(SentenceLoop, EveryCentreWithContextGetsItsWindowSlotAndSentenceLr) {
  const int64_t V = 20, window = 3, epoch = 2, seed = 8;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(4);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 30, 1, 12, gen);
  const std::vector<uint32_t> keep_all(size_t(V), 0xFFFFFFFFu);
  const DrawTables tables(data::AliasTable::from_counts(vocab.counts()), false);
  std::atomic<int64_t> words_done{0};
  const data::SentenceSource source(corpus);
  models::hogwild::CorpusWorker w;
  set_worker(w, source, 5, 25, words_done);
  PhiloxDraws draws(tables, seed, epoch, 0);
  Recorder step;
  models::sentence_loop::run(w, epoch, keep_all.data(), window, draws, step);

  size_t call = 0;
  for (int64_t s = w.begin_sentence; s < w.end_sentence; ++s) {
    const int64_t begin = corpus.sentence_starts[size_t(s)];
    const int64_t n = corpus.sentence_starts[size_t(s) + 1] - begin;  // every token kept
    for (int64_t i = 0; i < n; ++i) {
      const int64_t slot = begin + i;
      const int64_t reach = cuda::reduced_window(seed, epoch, slot, window);
      const int64_t lo = std::max<int64_t>(0, i - reach), hi = std::min(n, i + reach + 1);
      if (hi - lo <= 1) continue;  // no context: no step
      ASSERT_LT(call, step.calls.size());
      const Recorder::Call& c = step.calls[call++];
      EXPECT_EQ(c.i, i);
      EXPECT_EQ(c.slot, slot);
      EXPECT_EQ(c.lo, lo);
      EXPECT_EQ(c.hi, hi);
      for (int64_t j = 0; j < hi; ++j)
        EXPECT_EQ(c.sentence[size_t(j)], corpus.ids[size_t(begin + j)]);
      // The lr of the sentence's position among all epochs' ids, as the kernels set it.
      EXPECT_EQ(c.lr, step.lr_at(epoch * corpus.num_ids() + begin));
    }
  }
  EXPECT_EQ(call, step.calls.size());
  EXPECT_EQ(words_done.load(), corpus.sentence_starts[25] - corpus.sentence_starts[5]);
  EXPECT_EQ(w.recent_loss.load(), 2.0);  // the sampled steps' loss per prediction
}

TEST(SentenceLoop, SubsamplingKeepsTheTokensWhoseCoinIsUnderTheThreshold) {
  const int64_t V = 10;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(5);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 1, 200, 1, gen);
  std::vector<uint32_t> keep(size_t(V), 0x80000000u);  // about half of each word
  keep[3] = 0;                                         // word 3 almost never
  const DrawTables tables(data::AliasTable::from_counts(vocab.counts()), false);
  std::atomic<int64_t> words_done{0};
  const data::SentenceSource source(corpus);
  models::hogwild::CorpusWorker w;
  set_worker(w, source, 0, 1, words_done);
  PhiloxDraws draws(tables, 1, 0, 0);
  Recorder step;
  models::sentence_loop::run(w, 0, keep.data(), 5, draws, step);
  std::vector<int32_t> kept;
  for (int64_t p = 0; p < corpus.num_ids(); ++p)
    if (cuda::keep_coin(1, 0, p) <= keep[size_t(corpus.ids[size_t(p)])])
      kept.push_back(corpus.ids[size_t(p)]);
  ASSERT_GT(kept.size(), 50u);
  ASSERT_LT(kept.size(), 150u);
  EXPECT_EQ(std::count(kept.begin(), kept.end(), 3), 0);
  ASSERT_FALSE(step.calls.empty());
  const Recorder::Call& last = step.calls.back();
  EXPECT_EQ(last.hi, int64_t(kept.size()));  // the last centre's window reaches the end
  for (size_t j = 0; j < last.sentence.size(); ++j) EXPECT_EQ(last.sentence[j], kept[j]);
}

TEST(SentenceLoop, LcgDrawsSetTheLrFromTheWordsAllThreadsHaveDone) {
  const int64_t V = 10;
  const data::Vocabulary vocab = testing::vocab_of(V);
  Generator gen(6);
  const data::EncodedCorpus corpus = testing::random_sentences(V, 3, 20, 1, gen);
  const std::vector<uint32_t> keep_all(size_t(V), 0xFFFFFFFFu);
  const DrawTables tables(data::AliasTable::from_counts(vocab.counts()), true);
  std::atomic<int64_t> words_done{400};  // other threads' words so far
  const data::SentenceSource source(corpus);
  models::hogwild::CorpusWorker w;
  set_worker(w, source, 0, 3, words_done);
  LcgDraws draws(tables, 1, 0, 0);
  Recorder step;
  models::sentence_loop::run(w, 0, keep_all.data(), 5, draws, step);
  ASSERT_FALSE(step.calls.empty());
  // Fewer than 10,000 words: the lr stays the one set at the start, from all threads' words.
  for (const Recorder::Call& c : step.calls) EXPECT_EQ(c.lr, step.lr_at(400));
  EXPECT_EQ(words_done.load(), 460);
  EXPECT_EQ(float(w.lr.load()), step.lr_at(460));  // reported at the end
}

}  // namespace
}  // namespace ember
