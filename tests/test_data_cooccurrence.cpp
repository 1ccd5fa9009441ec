// The GloVe co-occurrence builder against a brute-force dense count (tiny corpus and the
// sotu_1250 fixture), spilling under a tiny memory budget against the in-memory result, and
// the shuffle, save and load of the records.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <unistd.h>
#include <vector>

#include <ember/data/cooccurrence.h>
#include <ember/data/corpus.h>

#include "testing.h"

namespace {

using namespace ember::data;

const std::string kSotu = std::string(EMBER_TEST_DATA_DIR) + "/sotu_1250.txt";

// (row, col, value) of every nonzero X[row][col], sorted.
using Dense = std::vector<std::tuple<int32_t, int32_t, double>>;

// cooccur.c's definition written plainly: every pair at distance d <= window in a sentence,
// counted in a dense V x V matrix.
Dense brute_force(const std::vector<std::vector<int64_t>>& sentences, int64_t V, int64_t window,
                  bool symmetric, bool distance_weighting) {
  std::vector<double> x(size_t(V * V), 0.0);  // [V, V]
  for (const auto& s : sentences)
    for (size_t j = 0; j < s.size(); ++j)
      for (size_t k = (j > size_t(window) ? j - size_t(window) : 0); k < j; ++k) {
        double w = distance_weighting ? 1.0 / double(j - k) : 1.0;
        x[size_t(s[k] * V + s[j])] += w;
        if (symmetric) x[size_t(s[j] * V + s[k])] += w;
      }
  Dense nonzero;
  for (int64_t r = 0; r < V; ++r)
    for (int64_t c = 0; c < V; ++c)
      if (x[size_t(r * V + c)] != 0.0)
        nonzero.emplace_back(int32_t(r), int32_t(c), x[size_t(r * V + c)]);
  return nonzero;
}

void expect_equal(const std::vector<CooccurrenceRecord>& records, const Dense& expected) {
  ASSERT_EQ(records.size(), expected.size());
  size_t i = 0;
  for (const auto& [row, col, value] : expected) {
    const CooccurrenceRecord& r = records[i++];
    ASSERT_EQ(r.row, row) << "record " << i - 1;
    ASSERT_EQ(r.col, col) << "record " << i - 1;
    ASSERT_NEAR(r.value, value, 1e-6 * std::max(1.0, value))
        << "X[" << r.row << "][" << r.col << "]";
  }
}

Vocabulary letters() {
  return Vocabulary::from_counts({{"a", 9}, {"b", 8}, {"c", 7}, {"d", 6}, {"e", 5}}, {});
}

TEST(Cooccurrence, TinyCorpusMatchesBruteForce) {
  std::vector<std::vector<int64_t>> sentences = {{0, 1, 2, 0, 3, 4, 0}, {1, 1, 2}, {4}, {}};
  Vocabulary vocab = letters();
  for (bool symmetric : {true, false})
    for (bool weighting : {true, false}) {
      CooccurrenceOptions options;
      options.window = 3;
      options.symmetric = symmetric;
      options.distance_weighting = weighting;
      CooccurrenceBuilder builder(vocab, options);
      Cooccurrences result = builder.build(sentences);
      ASSERT_TRUE(result.in_memory());
      expect_equal(result.records(), brute_force(sentences, 5, 3, symmetric, weighting));
    }
}

TEST(Cooccurrence, WordsOutsideTheVocabularyTakeNoPlace) {
  std::string path = ::testing::TempDir() + "ember_cooc_" + std::to_string(getpid()) + ".txt";
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("a zzz b\nc\n", f);
  std::fclose(f);
  CooccurrenceOptions options;
  options.window = 1;
  Vocabulary vocab = letters();
  Cooccurrences result = CooccurrenceBuilder(vocab, options).build(path);
  expect_equal(result.to_vector(), Dense{{0, 1, 1.0}, {1, 0, 1.0}});
  std::remove(path.c_str());
}

std::vector<std::vector<int64_t>> fixture_ids(const Vocabulary& vocab) {
  CorpusReader reader(kSotu);
  std::vector<std::string_view> tokens;
  std::vector<std::vector<int64_t>> sentences;
  while (reader.next_sentence(tokens)) {
    sentences.emplace_back();
    for (auto t : tokens)
      if (vocab.find(t) >= 0) sentences.back().push_back(vocab.find(t));
  }
  return sentences;
}

TEST(Cooccurrence, FixtureInMemoryAndSpilledMatchBruteForce) {
  VocabularyOptions vocab_options;
  vocab_options.min_count = 5;
  Vocabulary vocab = Vocabulary::build(kSotu, vocab_options);
  Dense expected = brute_force(fixture_ids(vocab), vocab.size(), 10, true, true);

  CooccurrenceBuilder roomy(vocab, {});
  Cooccurrences in_memory = roomy.build(kSotu);
  EXPECT_EQ(roomy.spilled_chunks(), 0);
  ASSERT_TRUE(in_memory.in_memory());
  expect_equal(in_memory.records(), expected);

  // 256 KiB: a dense block of 16k cells, a map of 2048 slots, results past 5461 records in a
  // file: dozens of chunks and a k-way merge.
  CooccurrenceOptions tight;
  tight.memory_bytes = 1 << 18;
  CooccurrenceBuilder small(vocab, tight);
  Cooccurrences spilled = small.build(kSotu);
  EXPECT_GT(small.spilled_chunks(), 10);
  EXPECT_GT(small.dense_cells(), 1000);
  EXPECT_FALSE(spilled.in_memory());
  std::vector<CooccurrenceRecord> from_file = spilled.to_vector();
  ASSERT_EQ(from_file.size(), in_memory.records().size());
  for (size_t i = 0; i < from_file.size(); ++i) {
    ASSERT_EQ(from_file[i].row, in_memory.records()[i].row);
    ASSERT_EQ(from_file[i].col, in_memory.records()[i].col);
    ASSERT_NEAR(from_file[i].value, in_memory.records()[i].value,
                1e-6 * in_memory.records()[i].value);
  }
  std::string temporary = spilled.path();
  { Cooccurrences gone = std::move(spilled); }
  EXPECT_NE(access(temporary.c_str(), F_OK), 0) << "temporary record file left behind";
}

bool same_multiset(std::vector<CooccurrenceRecord> a, std::vector<CooccurrenceRecord> b) {
  auto less = [](const CooccurrenceRecord& x, const CooccurrenceRecord& y) {
    return std::tie(x.row, x.col, x.value) < std::tie(y.row, y.col, y.value);
  };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
           return x.row == y.row && x.col == y.col && x.value == y.value;
         });
}

TEST(Cooccurrence, ShuffleSaveLoadAndOutputPath) {
  VocabularyOptions vocab_options;
  vocab_options.min_count = 5;
  Vocabulary vocab = Vocabulary::build(kSotu, vocab_options);
  Cooccurrences sorted = CooccurrenceBuilder(vocab, {}).build(kSotu);
  std::vector<CooccurrenceRecord> original = sorted.records();

  Cooccurrences a(original), b(original);
  a.shuffle(7);
  b.shuffle(7);
  EXPECT_TRUE(same_multiset(a.records(), original));
  EXPECT_EQ(a.records()[0].row, b.records()[0].row);
  EXPECT_EQ(a.records()[100].col, b.records()[100].col);
  int64_t moved = 0;
  for (size_t i = 0; i < original.size(); ++i) moved += a.records()[i].row != original[i].row;
  EXPECT_GT(moved, int64_t(original.size() / 2));

  // output_path: written and kept; a small budget makes the shuffle go through buckets.
  std::string out = ::testing::TempDir() + "ember_cooc_out_" + std::to_string(getpid()) + ".bin";
  CooccurrenceOptions options;
  options.output_path = out;
  Cooccurrences on_disk = CooccurrenceBuilder(vocab, options).build(kSotu);
  EXPECT_FALSE(on_disk.in_memory());
  EXPECT_EQ(on_disk.path(), out);
  EXPECT_TRUE(same_multiset(on_disk.to_vector(), original));
  on_disk.shuffle(3, /*memory_bytes=*/1 << 16);
  std::vector<CooccurrenceRecord> shuffled = on_disk.to_vector();
  EXPECT_TRUE(same_multiset(shuffled, original));
  EXPECT_NE(shuffled[0].row + 1000 * shuffled[0].col, original[0].row + 1000 * original[0].col);
  Cooccurrences reloaded = Cooccurrences::load(out);
  EXPECT_EQ(reloaded.size(), int64_t(original.size()));
  CooccurrenceRecord middle[2];
  reloaded.read(10, 2, middle);
  EXPECT_EQ(middle[1].row, shuffled[11].row);
  EXPECT_EMBER_ERROR(reloaded.read(int64_t(original.size()) - 1, 2, middle), "out of range");

  // save from memory, load back.
  std::string saved = out + ".saved";
  a.save(saved);
  EXPECT_TRUE(same_multiset(Cooccurrences::load(saved).to_vector(), a.records()));
  std::remove(out.c_str());
  std::remove(saved.c_str());
}

// A write that fails part way (disk full) leaves no .tmp behind and the previous file as it
// was: Cooccurrences::save, and the builder's output_path.
TEST(Cooccurrence, FailedWritesLeaveNoTemporaryFileAndTheOldFile) {
  VocabularyOptions vocab_options;
  vocab_options.min_count = 5;
  Vocabulary vocab = Vocabulary::build(kSotu, vocab_options);
  Cooccurrences records = CooccurrenceBuilder(vocab, {}).build(kSotu);
  const std::string dir = ::testing::TempDir() + "ember_cooc_fail_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/records.bin";
  { std::ofstream(path, std::ios::binary) << "previous"; }
  const auto previous = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_GT(records.size(), 1000);  // 12 kB and more: past the limit below
  {
    ember::testing::FileSizeLimit limit(4096);
    EXPECT_EMBER_ERROR(records.save(path), path + ".tmp");
    CooccurrenceOptions options;
    options.output_path = path;
    EXPECT_EMBER_ERROR(CooccurrenceBuilder(vocab, options).build(kSotu), path + ".tmp");
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_EQ(previous(), "previous");
  records.save(path);  // and one that succeeds replaces it
  EXPECT_EQ(Cooccurrences::load(path).size(), records.size());
  std::filesystem::remove_all(dir);
}

}  // namespace
