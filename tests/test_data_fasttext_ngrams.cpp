// fastText subword ids against fastText 0.9.2 itself (tests/golden/fasttext_subwords.txt,
// made by tests/golden/make_golden_fasttext.py), plus hand-checked hashes and the table.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/fasttext_ngrams.h>
#include <ember/data/vocab.h>

#include "testing.h"

namespace {

using ember::data::compute_subwords;
using ember::data::fasttext_hash;
using ember::data::SubwordOptions;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

TEST(FastTextHash, SignedBytesFnv1a) {
  EXPECT_EQ(fasttext_hash(""), 2166136261u);
  // "a": (2166136261 ^ 97) * 16777619 mod 2^32 = 0xE40C292C, the FNV-1a of "a".
  EXPECT_EQ(fasttext_hash("a"), 0xE40C292Cu);
  // The byte 0xC3 folds in as int8_t(-61) = 0xFFFFFFC3, not 0xC3: the high bits flip.
  uint32_t h = (2166136261u ^ 0xFFFFFFC3u) * 16777619u;
  EXPECT_EQ(fasttext_hash("\xc3"), h);
  uint32_t unsigned_fnv = (2166136261u ^ 0xC3u) * 16777619u;
  EXPECT_NE(fasttext_hash("\xc3"), unsigned_fnv);
}

TEST(FastTextSubwords, HandCheckedNgrams) {
  std::vector<int32_t> ids;
  std::vector<std::string> ngrams;
  SubwordOptions options{3, 4, 1000};
  compute_subwords("cat", options, 10, ids, &ngrams);
  EXPECT_EQ(ngrams, (std::vector<std::string>{"<ca", "<cat", "cat", "cat>", "at>"}));
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(ids[0], int32_t(10 + fasttext_hash("<ca") % 1000));
  // n == 1 skips the boundary characters only; the two-byte 'é' is one character.
  ngrams.clear();
  ids.clear();
  compute_subwords("\xc3\xa9t", SubwordOptions{1, 1, 100}, 0, ids, &ngrams);
  EXPECT_EQ(ngrams, (std::vector<std::string>{"\xc3\xa9", "t"}));
  // maxn 0: no subwords.
  ids.clear();
  compute_subwords("cat", SubwordOptions{3, 0, 0}, 10, ids);
  EXPECT_TRUE(ids.empty());
  EXPECT_EMBER_ERROR(compute_subwords("cat", SubwordOptions{4, 3, 10}, 0, ids), "minn 4, maxn 3");
}

TEST(FastTextSubwords, MatchFastText092) {
  std::ifstream in(std::string(EMBER_GOLDEN_DIR) + "/fasttext_subwords.txt");
  ASSERT_TRUE(in) << "missing tests/golden/fasttext_subwords.txt";
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f = split(line, '\t');
    ASSERT_EQ(f.size(), 7u) << line;
    SubwordOptions options{std::stoi(f[0]), std::stoi(f[1]), std::stoll(f[2])};
    int64_t nwords = std::stoll(f[3]);
    std::vector<int32_t> expected;
    for (const std::string& id : split(f[5], ',')) expected.push_back(std::stoi(id));
    std::vector<int32_t> ids;
    std::vector<std::string> ngrams;
    compute_subwords(f[4], options, nwords, ids, &ngrams);
    EXPECT_EQ(ids, expected) << "word " << f[4] << " minn " << f[0] << " maxn " << f[1];
    EXPECT_EQ(ngrams, split(f[6], ' ')) << "word " << f[4];
    ++cases;
  }
  EXPECT_EQ(cases, 56);
}

TEST(FastTextSubwords, TableRowsAreWordThenNgrams) {
  ember::data::VocabularyOptions vocab_options;
  vocab_options.specials = {"<unk>"};
  auto vocab =
      ember::data::Vocabulary::build(std::vector<std::string>{"the cat the </s>"}, vocab_options);
  SubwordOptions options{3, 6, 5000};
  ember::data::SubwordTable table(vocab, options);
  ASSERT_EQ(table.num_words(), 4);
  EXPECT_EQ(table.num_rows(), 4 + 5000);
  EXPECT_EQ(table.count(0), 1);  // "<unk>": a special, its own row only
  int64_t cat = vocab.find("cat"), eos = vocab.find("</s>");
  EXPECT_EQ(table.count(eos), 1);
  std::vector<int32_t> expected = {int32_t(cat)};
  compute_subwords("cat", options, 4, expected);
  EXPECT_EQ(std::vector<int32_t>(table.begin(cat), table.end(cat)), expected);
  EXPECT_EQ(table.oov("cat"), std::vector<int32_t>(expected.begin() + 1, expected.end()));
  EXPECT_EQ(table.offsets().back(), int64_t(table.ids().size()));
}

TEST(FastTextWordNgrams, BigramHashAsFastText) {
  // Two tokens, n = 2: one bigram h = hash0 * 116049371 + hash1 over uint64 with sign
  // extension of the int32 hashes, then nwords + h % bucket.
  std::vector<int32_t> hashes = {int32_t(fasttext_hash("good")), int32_t(fasttext_hash("day"))};
  std::vector<int32_t> ids;
  ember::data::add_word_ngrams(hashes, 2, 100, 2000000, ids);
  uint64_t h = uint64_t(int64_t(hashes[0])) * 116049371u + uint64_t(int64_t(hashes[1]));
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], int32_t(100 + h % 2000000));
  ids.clear();
  ember::data::add_word_ngrams(hashes, 1, 100, 2000000, ids);
  EXPECT_TRUE(ids.empty());
}

}  // namespace
