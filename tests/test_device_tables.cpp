// The host side of the CUDA trainers (models/internal/device_tables.h), run on the CPU: what the
// kernels are given (the corpus, thresholds and alias table as SentenceBuffers, the tables
// with their padding), and the epoch loop of launches with its progress and copies back.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <ember/cuda/fasttext.h>
#include <ember/cuda/word2vec.h>
#include <ember/data/sampling.h>
#include <ember/models/internal/device_tables.h>
#include <ember/models/word2vec_trainer.h>

#include "testing.h"
#include "toy_corpus.h"

namespace ember {
namespace {

using namespace models::device_tables;

data::EncodedCorpus corpus_of_sentences(int64_t sentences, int64_t V) {
  data::EncodedCorpus corpus;
  corpus.sentence_starts = {0};
  for (int64_t s = 0; s < sentences; ++s) {
    for (int64_t i = 0; i < 3 + s % 4; ++i) corpus.ids.push_back(int32_t((s + i) % V));
    corpus.sentence_starts.push_back(int64_t(corpus.ids.size()));
  }
  corpus.raw_tokens = int64_t(corpus.ids.size());
  return corpus;
}

TEST(DeviceTables, SentenceBuffersHoldWhatTheKernelsRead) {
  const data::Vocabulary vocab = testing::vocab_of(30);
  const data::EncodedCorpus corpus = corpus_of_sentences(50, 30);
  const std::vector<uint32_t> keep = data::keep_thresholds(vocab.counts(), 20000, 1e-3);
  const data::AliasTable alias = data::AliasTable::from_counts(vocab.counts(), 0.5);
  const SentenceBuffers buffers(corpus, keep, alias, Device(kCPU));
  cuda::FastTextLaunch l{};
  buffers.point(l);
  for (size_t p = 0; p < corpus.ids.size(); ++p) EXPECT_EQ(l.ids[p], corpus.ids[p]);
  for (size_t s = 0; s < corpus.sentence_starts.size(); ++s)
    EXPECT_EQ(l.sentence_starts[s], corpus.sentence_starts[s]);
  for (size_t w = 0; w < keep.size(); ++w) EXPECT_EQ(l.keep[w], keep[w]);  // uint32 bits
  const std::vector<uint64_t> packed = alias.packed();
  for (size_t w = 0; w < packed.size(); ++w) EXPECT_EQ(l.alias[w], packed[w]);
  EXPECT_EQ(buffers.kept.numel(), corpus.num_ids());
  EXPECT_EQ(buffers.kept_length.numel(), corpus.num_sentences());
  EXPECT_EQ(l.loss_sum[0], 0.0);
  EXPECT_EQ(l.loss_count[0], 0u);
}

TEST(DeviceTables, TablesTravelWithTheirPadding) {
  models::RowTable table(7, 20), back(7, 20);
  table.init_uniform(3);
  const Tensor t = table_to_device(table, Device(kCPU));
  ASSERT_EQ(t.sizes(), (Shape{7, table.stride()}));
  EXPECT_EQ(table.stride(), 32);
  for (int64_t r = 0; r < 7; ++r)
    EXPECT_EQ(std::memcmp(t.data<float>() + r * 32, table.row(r), 32 * sizeof(float)), 0);
  table_from_device(back, t);
  EXPECT_TRUE(testing::all_close(back.to_tensor(), table.to_tensor(), 0, 0));
  EXPECT_EQ(back.row(6)[31], 0.0f);  // padding stays zero
}

// A stand-in for cuda::fasttext_train: records which sentences each launch covers and adds
// a loss the progress line must report.
struct Launched {
  int64_t epoch, begin, end;
};
std::vector<Launched> launched;
void fake_train(const cuda::FastTextLaunch& l) {
  launched.push_back({l.epoch, l.begin_sentence, l.end_sentence});
  l.loss_sum[0] += 2.0 * double(l.end_sentence - l.begin_sentence);
  l.loss_count[0] += unsigned(l.end_sentence - l.begin_sentence);
}

TEST(DeviceTables, SentenceEpochsCoverEverySentenceOnceAnEpoch) {
  const data::Vocabulary vocab = testing::vocab_of(30);
  const data::EncodedCorpus corpus = corpus_of_sentences(45, 30);
  const SentenceBuffers buffers(corpus, std::vector<uint32_t>(30, ~0u),
                                data::AliasTable::from_counts(vocab.counts(), 0.5), Device(kCPU));
  cuda::FastTextLaunch l{};
  buffers.point(l);
  l.total_words = 4 * corpus.num_ids();
  launched.clear();
  std::vector<models::TrainProgress> reports;
  std::vector<int64_t> copied, after;
  models::TensorSync alone(models::Distributed{}, {}, 20);  // one process: syncs nothing
  run_sentence_epochs(
      corpus, l, /*first_epoch=*/1, /*epochs=*/4, fake_train, buffers,
      [](double fraction) { return 1.0 - fraction; },
      [&](const models::TrainProgress& p) { reports.push_back(p); },
      [&] { copied.push_back(l.epoch); }, [&](int64_t epoch) { after.push_back(epoch); }, alone,
      /*launches=*/20, /*ranks=*/1);
  ASSERT_EQ(launched.size(), 3u * 20u);
  for (int64_t e = 1; e < 4; ++e) {
    int64_t next = 0;
    for (int64_t k = 0; k < 20; ++k) {
      const Launched& x = launched[size_t((e - 1) * 20 + k)];
      EXPECT_EQ(x.epoch, e);
      EXPECT_EQ(x.begin, next);
      next = x.end;
    }
    EXPECT_EQ(next, 45);
  }
  EXPECT_EQ(copied, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(after, (std::vector<int64_t>{1, 2, 3}));
  ASSERT_EQ(reports.size(), 60u);
  EXPECT_NEAR(reports.back().fraction, 1.0, 1e-12);
  EXPECT_NEAR(reports.front().fraction,
              (1.0 * corpus.num_ids() + corpus.sentence_starts[2]) / double(l.total_words), 1e-12);
  for (const auto& p : reports) EXPECT_DOUBLE_EQ(p.lr, 1.0 - p.fraction);
  for (const auto& p : reports) EXPECT_DOUBLE_EQ(p.loss, 2.0);  // sum / count, cleared each time
}

// A stand-in for cuda::word2vec_train: checks the fields train_sentences sets and adds 1 to
// input[0][0] and 2 to output[1][1], which must come back to the host tables.
void fake_word2vec(const cuda::Word2VecLaunch& l) {
  EXPECT_EQ(l.vocab, 30);
  EXPECT_EQ(l.stride, 16);
  EXPECT_EQ(l.dim, 12);
  EXPECT_EQ(l.window, 3);
  EXPECT_EQ(l.negative, 7);
  EXPECT_EQ(l.seed, 99u);
  EXPECT_DOUBLE_EQ(l.lr0, 0.5);
  EXPECT_TRUE(l.cbow);  // the caller's own field, kept
  l.input[0] += 1.0f;
  l.output[l.stride + 1] += 2.0f;
}

TEST(DeviceTables, TrainSentencesSetsTheLaunchAndBringsTheTablesBack) {
  const data::Vocabulary vocab = testing::vocab_of(30);
  const data::EncodedCorpus corpus = corpus_of_sentences(45, 30);
  models::Word2VecOptions o;
  o.dim = 12;
  o.window = 3;
  o.negative = 7;
  o.seed = 99;
  o.lr = 0.5;
  o.epochs = 3;
  models::RowTable input(30, 12), output(30, 12);
  cuda::Word2VecLaunch l{};
  l.cbow = true;
  std::vector<int64_t> after;
  train_sentences(
      corpus, o, std::vector<uint32_t>(30, ~0u),
      data::AliasTable::from_counts(vocab.counts(), 0.75), input, output, {}, l, fake_word2vec,
      [](double fraction) { return 1.0 - fraction; }, /*first_epoch=*/1, {},
      [&](int64_t epoch) { after.push_back(epoch); });
  EXPECT_EQ(l.num_ids, corpus.num_ids());
  EXPECT_EQ(l.total_words, 3 * corpus.num_ids());
  EXPECT_EQ(after, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(input.row(0)[0], 2.0f * 20.0f);  // 2 epochs of 20 launches
  EXPECT_EQ(output.row(1)[1], 4.0f * 20.0f);
  EXPECT_EQ(input.row(0)[12], 0.0f);  // padding
}

// persistent (the minibatch kernel): one launch an epoch over all the sentences, progress
// reported after each.
TEST(DeviceTables, PersistentTrainSentencesLaunchesOnceAnEpoch) {
  const data::Vocabulary vocab = testing::vocab_of(30);
  const data::EncodedCorpus corpus = corpus_of_sentences(45, 30);
  models::Word2VecOptions o;
  o.dim = 12;
  o.epochs = 3;
  models::RowTable input(30, 12), output(30, 12);
  cuda::Word2VecLaunch l{};
  static std::vector<std::pair<int64_t, int64_t>> ranges;
  ranges.clear();
  std::vector<models::TrainProgress> reports;
  train_sentences(
      corpus, o, std::vector<uint32_t>(30, ~0u),
      data::AliasTable::from_counts(vocab.counts(), 0.75), input, output, {}, l,
      +[](const cuda::Word2VecLaunch& x) {
        ranges.push_back({x.begin_sentence, x.end_sentence});
      },
      [](double fraction) { return 1.0 - fraction; }, /*first_epoch=*/0,
      [&](const models::TrainProgress& p) { reports.push_back(p); }, {}, /*persistent=*/true);
  ASSERT_EQ(ranges.size(), 3u);
  for (const auto& range : ranges) EXPECT_EQ(range, (std::pair<int64_t, int64_t>{0, 45}));
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_NEAR(reports.back().fraction, 1.0, 1e-12);
}

}  // namespace
}  // namespace ember
