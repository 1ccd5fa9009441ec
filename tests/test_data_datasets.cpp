// SkipGramDataset, CBOWDataset, LabelledTextDataset, the DataLoader (order, shuffle,
// drop_last, workers giving the same batches), padding and length bucketing.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include <ember/data/data_loader.h>
#include <ember/data/datasets.h>
#include <ember/data/labelled_text.h>

#include "testing.h"

namespace {

using namespace ember::data;
using ember::Tensor;

const std::string kSotu = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";

std::string write_file(const std::string& name, const std::string& text) {
  std::string path =
      ::testing::TempDir() + "ember_datasets_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::vector<int64_t> values(const Tensor& t) { return t.to_vector<int64_t>(); }

Vocabulary letters() {
  // ids 0..6 for a..g, counts decreasing so the order is fixed.
  return Vocabulary::from_counts(
      {{"a", 70}, {"b", 60}, {"c", 50}, {"d", 40}, {"e", 30}, {"f", 20}, {"g", 10}}, {});
}

TEST(SkipGramDataset, WindowOneGivesNeighbourPairs) {
  SkipGramOptions options;
  options.window = 1;
  options.negatives = 3;
  SkipGramDataset dataset({{0, 1, 2}, {3}, {4, 5}}, letters(), options);
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (int64_t i = 0; i < dataset.size(); ++i)
    pairs.push_back({dataset.center(i), dataset.context(i)});
  EXPECT_EQ(pairs, (std::vector<std::pair<int64_t, int64_t>>{
                       {0, 1}, {1, 0}, {1, 2}, {2, 1}, {4, 5}, {5, 4}}));
  Batch example = dataset.get(2);
  EXPECT_EQ(example["center"].item<int64_t>(), 1);
  EXPECT_EQ(example["positive"].item<int64_t>(), 2);
  EXPECT_EQ(example["negatives"].sizes(), (ember::Shape{3}));
  EXPECT_EMBER_ERROR(dataset.get(6), "SkipGramDataset: index 6 out of range for 6 examples");
  EXPECT_EMBER_ERROR(example["missing"],
                     "no field \"missing\" (fields: center, positive, negatives)");
}

TEST(SkipGramDataset, DynamicWindowAndNegativesOnTheFixture) {
  VocabularyOptions vocab_options;
  vocab_options.min_count = 5;
  Vocabulary vocab = Vocabulary::build(kSotu, vocab_options);
  SkipGramOptions options;
  options.window = 5;
  options.negatives = 5;
  options.seed = 3;
  SkipGramDataset dataset(kSotu, vocab, options);
  // Each center pairs with 2b words for b uniform in 1..5 (fewer near sentence ends): about
  // 6 pairs per kept token, a little less.
  double per_token = double(dataset.size()) / double(vocab.kept_tokens());
  EXPECT_GT(per_token, 5.0);
  EXPECT_LT(per_token, 6.0);
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < dataset.size(); i += 97) indices.push_back(i);
  Batch batch = dataset.get_batch(indices);
  const int64_t B = int64_t(indices.size());
  ASSERT_EQ(batch["negatives"].sizes(), (ember::Shape{B, 5}));
  std::vector<int64_t> positive = values(batch["positive"]), negatives = values(batch["negatives"]);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t k = 0; k < 5; ++k) {
      ASSERT_NE(negatives[size_t(b * 5 + k)], positive[size_t(b)]);
      ASSERT_LT(negatives[size_t(b * 5 + k)], vocab.size());
    }
  // Example i is the same alone or in a batch, and in a second dataset with the same seed.
  SkipGramDataset again(kSotu, vocab, options);
  ASSERT_EQ(again.size(), dataset.size());
  Batch single = again.get(indices[3]);
  EXPECT_EQ(values(single["negatives"]),
            std::vector<int64_t>(negatives.begin() + 15, negatives.begin() + 20));
  EXPECT_EQ(single["center"].item<int64_t>(), values(batch["center"])[3]);
  // Another epoch draws other negatives for the same pairs.
  again.set_epoch(1);
  EXPECT_NE(values(again.get_batch(indices)["negatives"]), negatives);
}

TEST(SkipGramDataset, SubsamplingDropsFrequentWords) {
  Vocabulary vocab = Vocabulary::build(kSotu, {});
  SkipGramOptions options;
  options.negatives = 0;
  SkipGramDataset full(kSotu, vocab, options);
  options.sample = 1e-3;
  SkipGramDataset sampled(kSotu, vocab, options);
  auto share_of_the = [](const SkipGramDataset& d) {
    int64_t n = 0;
    for (int64_t i = 0; i < d.size(); ++i) n += d.center(i) == 0;
    return double(n) / double(d.size());
  };
  // "the" (id 0) is ~7% of the tokens; sample 1e-3 keeps ~13% of them.
  EXPECT_GT(share_of_the(full), 0.05);
  EXPECT_LT(share_of_the(sampled), 0.5 * share_of_the(full));
  EXPECT_LT(sampled.size(), full.size());
}

TEST(CBOWDataset, FixedContextAroundEachTarget) {
  CBOWOptions options;
  options.context_size = 2;
  CBOWDataset dataset({{0, 1, 2, 3, 4, 5, 6}, {0, 1, 2, 3}, {6, 5, 4, 3, 2}}, letters(), options);
  ASSERT_EQ(dataset.size(), 4);  // targets 2, 3, 4 of the first sentence, 4 of the third
  Batch batch = dataset.get_batch({0, 1, 2, 3});
  EXPECT_EQ(batch["context"].sizes(), (ember::Shape{4, 4}));
  EXPECT_EQ(values(batch["context"]),
            (std::vector<int64_t>{0, 1, 3, 4, 1, 2, 4, 5, 2, 3, 5, 6, 6, 5, 3, 2}));
  EXPECT_EQ(values(batch["target"]), (std::vector<int64_t>{2, 3, 4, 4}));
  EXPECT_FALSE(batch.has("negatives"));
  options.negatives = 4;
  CBOWDataset with_negatives(std::vector<std::vector<int64_t>>{{0, 1, 2, 3, 4, 5, 6}}, letters(),
                             options);
  Batch example = with_negatives.get(1);
  EXPECT_EQ(values(example["context"]), (std::vector<int64_t>{1, 2, 4, 5}));
  for (int64_t id : values(example["negatives"])) EXPECT_NE(id, 3);
}

// A dataset with only get(): the loader collates it with the default stacking.
class Squares : public Dataset {
 public:
  explicit Squares(int64_t n, int64_t fail_at = -1) : n_(n), fail_at_(fail_at) {}
  int64_t size() const override { return n_; }
  Batch get(int64_t i) const override {
    EMBER_CHECK(i != fail_at_, "Squares: refusing example ", i);
    Batch b;
    b.set("x", ember::tensor({i, i * i}));
    b.set("y", ember::scalar_tensor(double(i + 100 * epoch()), ember::kInt64));
    return b;
  }

 private:
  int64_t n_, fail_at_;
};

DataLoaderOptions loader_options(int64_t batch_size, bool shuffle = false, uint64_t seed = 0,
                                 int64_t workers = 0, bool drop_last = false) {
  DataLoaderOptions options;
  options.batch_size = batch_size;
  options.shuffle = shuffle;
  options.seed = seed;
  options.num_workers = workers;
  options.drop_last = drop_last;
  options.prefetch = 1;
  return options;
}

std::vector<std::vector<int64_t>> run_epoch(DataLoader& loader, const char* field = "y") {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& batch : loader) out.push_back(values(batch[field]));
  return out;
}

TEST(DataLoader, OrderBatchSizeAndDropLast) {
  Squares data(10);
  DataLoader loader(data, loader_options(4));
  EXPECT_EQ(loader.num_batches(), 3);
  EXPECT_EQ(run_epoch(loader),
            (std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  // Second epoch: set_epoch(1) reached the dataset.
  EXPECT_EQ(run_epoch(loader)[0], (std::vector<int64_t>{100, 101, 102, 103}));
  DataLoader dropping(data, loader_options(4, false, 0, 0, true));
  EXPECT_EQ(dropping.num_batches(), 2);
  std::vector<std::vector<int64_t>> x = run_epoch(dropping, "x");
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[1], (std::vector<int64_t>{4, 16, 5, 25, 6, 36, 7, 49}));  // [4, 2] stacked
}

TEST(DataLoader, ShuffleIsSeededAndWorkersGiveTheSameBatches) {
  Squares data(103);
  DataLoader serial(data, loader_options(8, true, 5));
  auto e1 = run_epoch(serial), e2 = run_epoch(serial);
  std::multiset<int64_t> seen;
  for (const auto& b : e1) seen.insert(b.begin(), b.end());
  EXPECT_EQ(seen.size(), 103u);
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 102);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 103u);
  EXPECT_NE(e1[0], (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  DataLoader threaded(data, loader_options(8, true, 5, 3));
  EXPECT_EQ(run_epoch(threaded), e1);
  EXPECT_EQ(run_epoch(threaded), e2);
  // An epoch abandoned halfway, then a full one.
  threaded.start_epoch();
  Batch b;
  ASSERT_TRUE(threaded.next(b));
  EXPECT_EQ(run_epoch(threaded).size(), 13u);
}

TEST(DataLoader, WorkerErrorsReachTheCaller) {
  Squares data(20, /*fail_at=*/13);
  DataLoader loader(data, loader_options(4, false, 0, 2));
  EXPECT_EMBER_ERROR(run_epoch(loader), "Squares: refusing example 13");
}

TEST(DataLoader, SkipGramBatchesThroughWorkers) {
  Vocabulary vocab = Vocabulary::build(kSotu, {});
  SkipGramDataset dataset(kSotu, vocab, {});
  DataLoader a(dataset, loader_options(1024, true, 9));
  DataLoader b(dataset, loader_options(1024, true, 9, 2));
  auto ea = run_epoch(a, "negatives"), eb = run_epoch(b, "negatives");
  EXPECT_EQ(ea, eb);
  EXPECT_EQ(int64_t(ea.size()), a.num_batches());
}

TEST(Padding, PadIdsAndLengths) {
  PaddedIds p = pad_ids({{5, 6, 7}, {8}, {}}, /*pad_value=*/0);
  EXPECT_EQ(p.ids.sizes(), (ember::Shape{3, 3}));
  EXPECT_EQ(values(p.ids), (std::vector<int64_t>{5, 6, 7, 8, 0, 0, 0, 0, 0}));
  EXPECT_EQ(values(p.lengths), (std::vector<int64_t>{3, 1, 0}));
  PaddedIds t = pad_ids({{5, 6}, {8}}, -1, /*batch_first=*/false);
  EXPECT_EQ(values(t.ids), (std::vector<int64_t>{5, 8, 6, -1}));  // [T, B]
}

TEST(LabelledText, TsvWithColumnsPaddedBatches) {
  std::string path = write_file(
      "labels.tsv", "spam\t1\tbuy cheap pills now\nham\t2\thello old friend\n\nham\t3\tcheap\n");
  LabelledTextOptions options;
  VocabularyOptions vocab_options;
  vocab_options.specials = {"<pad>", "<unk>"};
  Vocabulary vocab = LabelledTextDataset::build_vocabulary(path, vocab_options, options);
  EXPECT_EQ(vocab.find("spam"), Vocabulary::kNone);  // labels are not words
  EXPECT_EQ(vocab.find("1"), Vocabulary::kNone);     // nor the middle column
  EXPECT_EQ(vocab.word(2), "cheap");
  EXPECT_EQ(vocab.total_tokens(), 8);
  LabelledTextDataset dataset(path, vocab, options);
  ASSERT_EQ(dataset.size(), 3);
  EXPECT_EQ(dataset.label_names(), (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(dataset.lengths(), (std::vector<int64_t>{4, 3, 1}));
  Batch batch = dataset.get_batch({2, 0});
  EXPECT_EQ(batch["text"].sizes(), (ember::Shape{2, 4}));
  std::vector<int64_t> text = values(batch["text"]);
  EXPECT_EQ(text[0], vocab.find("cheap"));
  EXPECT_EQ(std::vector<int64_t>(text.begin() + 1, text.begin() + 4),
            (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(values(batch["lengths"]), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(values(batch["label"]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(dataset.get(1)["label"].item<int64_t>(), 0);
  std::remove(path.c_str());
}

TEST(LabelledText, FastTextFormatTruncationAndErrors) {
  std::string path =
      write_file("labels.ft", "__label__pos good film\n__label__neg bad bad film __label__x\n");
  LabelledTextOptions options;
  options.format = TextFormat::kFastText;
  options.max_length = 2;
  Vocabulary vocab = LabelledTextDataset::build_vocabulary(path, {}, options);
  EXPECT_EQ(vocab.words(), (std::vector<std::string>{"film", "bad", "good"}));
  LabelledTextDataset dataset(path, vocab, options);
  EXPECT_EQ(dataset.label_names(), (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(values(dataset.get(1)["text"]), (std::vector<int64_t>{1, 1}));
  options.keep_last = true;  // "bad bad film": the last two words
  EXPECT_EQ(values(LabelledTextDataset(path, vocab, options).get(1)["text"]),
            (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(values(LabelledTextDataset(path, vocab, options).get(0)["text"]),
            (std::vector<int64_t>{2, 0}));  // "good film", short enough: all of it
  options.keep_last = false;
  std::string bad = write_file("bad.tsv", "pos\tfine\nno tab here\n");
  EXPECT_EMBER_ERROR(LabelledTextDataset(bad, vocab, {}), "bad.tsv:2: expected \"label<TAB>text\"");
  std::string unlabelled = write_file("bad.ft", "__label__a ok\nnothing\n");
  EXPECT_EMBER_ERROR(LabelledTextDataset(unlabelled, vocab, options), "bad.ft:2: no label");
  for (const std::string& p : {path, bad, unlabelled}) std::remove(p.c_str());
}

TEST(LengthBuckets, EveryIndexOnceWithLittlePadding) {
  std::vector<int64_t> lengths(1000);
  for (size_t i = 0; i < lengths.size(); ++i) lengths[i] = int64_t((i * 7919) % 200);
  auto batches = length_bucketed_batches(lengths, 32, /*seed=*/1, /*epoch=*/0);
  std::vector<int64_t> all;
  double spread = 0;
  for (const auto& b : batches) {
    all.insert(all.end(), b.begin(), b.end());
    int64_t lo = 1 << 30, hi = 0;
    for (int64_t i : b)
      lo = std::min(lo, lengths[size_t(i)]), hi = std::max(hi, lengths[size_t(i)]);
    spread += double(hi - lo);
  }
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], int64_t(i));
  EXPECT_LT(spread / double(batches.size()), 20.0);  // random batches of 32 spread ~190
  EXPECT_EQ(batches, length_bucketed_batches(lengths, 32, 1, 0));
  EXPECT_NE(batches, length_bucketed_batches(lengths, 32, 1, 1));
  EXPECT_EQ(length_bucketed_batches(lengths, 32, 1, 0, /*drop_last=*/true).size(), 31u);
}

}  // namespace
