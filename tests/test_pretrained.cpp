// Pretrained vectors into an embedding table for one's own vocabulary, and GloVe by name.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <ember/data/pretrained.h>

#include "testing.h"

namespace ember::data {
namespace {

WordVectors three_words() {
  return WordVectors::from_rows({"cat", "dog", "fish"}, {1, 2, 3, 4, 5, 6}, 2);
}

Vocabulary vocab_with_specials() {
  VocabularyOptions options;
  options.specials = {"<PAD>", "<UNK>"};
  return Vocabulary::from_counts({{"dog", 5}, {"cat", 4}, {"Fish", 3}, {"bird", 2}}, options);
}

TEST(Pretrained, RowsCoveragePaddingAndUnk) {
  const Vocabulary vocab = vocab_with_specials();
  ASSERT_EQ(vocab.words(),
            (std::vector<std::string>{"<PAD>", "<UNK>", "dog", "cat", "Fish", "bird"}));
  Generator gen(3);
  PretrainedEmbedding result = build_pretrained_embedding(vocab, three_words(), {}, &gen);
  const std::vector<float> w = result.embedding->weight.to_vector<float>();
  ASSERT_EQ(result.embedding->weight.sizes(), (Shape{6, 2}));
  EXPECT_EQ(std::vector<float>(w.begin(), w.begin() + 2), (std::vector<float>{0, 0}));  // pad
  EXPECT_EQ(std::vector<float>(w.begin() + 2, w.begin() + 4),
            (std::vector<float>{2, 3}));  // unk = mean
  EXPECT_EQ(std::vector<float>(w.begin() + 4, w.begin() + 6), (std::vector<float>{3, 4}));  // dog
  EXPECT_EQ(std::vector<float>(w.begin() + 6, w.begin() + 8), (std::vector<float>{1, 2}));  // cat
  EXPECT_EQ(result.coverage.found, 2);
  EXPECT_EQ(result.found_ids, (std::vector<int64_t>{2, 3}));  // dog, cat
  EXPECT_EQ(result.coverage.total, 4);
  EXPECT_EQ(result.coverage.missing, (std::vector<std::string>{"Fish", "bird"}));
  EXPECT_EQ(result.coverage.summary(),
            "pretrained coverage: 2/4 words (50.0%); missing: Fish, bird");
  EXPECT_EQ(result.embedding->options().padding_idx.value_or(-1), 0);
  EXPECT_TRUE(result.embedding->weight.requires_grad());
  // OOV rows are normal(0, 0.1): small, not zero, and the same for the same seed.
  EXPECT_NE(w[10], 0.0f);
  EXPECT_LT(std::abs(w[10]), 0.6f);
  Generator again(3);
  EXPECT_EQ(build_pretrained_embedding(vocab, three_words(), {}, &again)
                .embedding->weight.to_vector<float>(),
            w);
}

TEST(Pretrained, MeanOovLowercaseAndFreeze) {
  PretrainedOptions options;
  options.oov = OovInit::kMean;
  options.lowercase_fallback = true;
  options.freeze = true;
  Generator gen(1);
  PretrainedEmbedding result =
      build_pretrained_embedding(vocab_with_specials(), three_words(), options, &gen);
  const std::vector<float> w = result.embedding->weight.to_vector<float>();
  EXPECT_EQ(result.coverage.found, 3);  // "Fish" found as "fish"
  EXPECT_EQ(result.coverage.found_lowercased, 1);
  EXPECT_EQ(result.found_ids, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(std::vector<float>(w.begin() + 8, w.begin() + 10), (std::vector<float>{5, 6}));
  EXPECT_EQ(std::vector<float>(w.begin() + 10, w.begin() + 12),
            (std::vector<float>{3, 4}));  // bird = mean
  EXPECT_FALSE(result.embedding->weight.requires_grad());
}

TEST(Pretrained, EmbeddingFromVectors) {
  Generator gen(2);
  auto embedding = embedding_from_vectors(three_words(), 2, /*freeze=*/true, 0.1, &gen);
  EXPECT_EQ(embedding->weight.sizes(), (Shape{5, 2}));
  const std::vector<float> w = embedding->weight.to_vector<float>();
  EXPECT_EQ(std::vector<float>(w.begin(), w.begin() + 6), three_words().values);
  EXPECT_FALSE(embedding->weight.requires_grad());
}

TEST(Pretrained, GloveByNameFromTheCache) {
  const std::string home = ::testing::TempDir() + "ember_home_" + std::to_string(::getpid());
  ASSERT_EQ(::setenv("EMBER_HOME", home.c_str(), 1), 0);
  EXPECT_EQ(glove_path("6B", 50), home + "/glove.6B.50d.txt");
  EXPECT_EMBER_ERROR(load_glove("6B", 50), "put glove.6B.50d.txt at " + home + "/glove.6B.50d.txt");
  ::mkdir(home.c_str(), 0755);
  std::ofstream(home + "/glove.tiny.2d.txt") << "the 0.5 1\nof 2 -3\n";
  WordVectors v = load_glove("tiny", 2);
  EXPECT_EQ(v.words, (std::vector<std::string>{"the", "of"}));
  EXPECT_EQ(v.values, (std::vector<float>{0.5f, 1, 2, -3}));
  std::ofstream(home + "/glove.tiny.3d.txt") << "the 0.5 1\n";
  EXPECT_EMBER_ERROR(load_glove("tiny", 3), "holds vectors of dimension 2, not 3");
  ::unsetenv("EMBER_HOME");
}

}  // namespace
}  // namespace ember::data
