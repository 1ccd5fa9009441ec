// The evaluator against gensim 4.x: tests/golden/make_golden_eval.py ran gensim's
// evaluate_word_analogies, evaluate_word_pairs, most_similar and most_similar_cosmul on
// tests/data/eval_vectors.txt and saved the numbers in tests/golden/eval_gensim.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <ember/data/vectors.h>
#include <ember/eval/evaluator.h>
#include <ember/nn/json.h>

#include "testing.h"

namespace ember::eval {
namespace {

using nn::json::Value;

const std::string kRoot = std::string(EMBER_TEST_DATA_DIR) + "/../../";

const Value& at(const Value& object, const std::string& key) {
  for (const auto& [name, value] : object.members)
    if (name == key) return value;
  EMBER_FAIL("golden: no key ", key);
}
double number(const Value& v) { return std::stod(v.text); }
int64_t integer(const Value& v) { return std::stoll(v.text); }

const Value& golden() {
  static const Value root = [] {
    std::ifstream in(std::string(EMBER_GOLDEN_DIR) + "/eval_gensim.json");
    std::stringstream text;
    text << in.rdbuf();
    return nn::json::parse(text.str());
  }();
  return root;
}

const Evaluator& evaluator() {
  static const Evaluator e(
      data::read_vectors(std::string(EMBER_TEST_DATA_DIR) + "/eval_vectors.txt"));
  return e;
}

TEST(Evaluator, AnalogiesEqualGensim) {
  const std::string questions = kRoot + "data/eval/questions-words.txt";
  for (const Value& c : at(golden(), "analogies").items) {
    AnalogyOptions options;
    options.restrict_vocab = integer(at(c, "restrict"));
    options.case_insensitive = at(c, "case_insensitive").boolean;
    const std::string where = "restrict " + std::to_string(options.restrict_vocab) +
                              (options.case_insensitive ? " case-insensitive" : " case-sensitive");
    AnalogyResult r = evaluator().evaluate_analogies(questions, options);
    const auto& sections = at(c, "sections").items;
    ASSERT_EQ(r.sections.size(), sections.size()) << where;
    for (size_t i = 0; i < sections.size(); ++i) {
      const auto& s = sections[i].items;
      EXPECT_EQ(r.sections[i].name, s[0].text) << where;
      EXPECT_EQ(r.sections[i].correct, integer(s[1])) << where << " " << s[0].text;
      EXPECT_EQ(r.sections[i].incorrect, integer(s[2])) << where << " " << s[0].text;
      EXPECT_EQ(r.sections[i].oov, integer(s[3])) << where << " " << s[0].text;
    }
    const auto& total = at(c, "total").items;
    EXPECT_EQ(r.total.correct, integer(total[0])) << where;
    EXPECT_EQ(r.total.incorrect, integer(total[1])) << where;
    EXPECT_EQ(r.total.oov, integer(total[2])) << where;
    EXPECT_EQ(r.semantic.questions() + r.syntactic.questions(), r.total.questions());
    EXPECT_EQ(r.total.questions(), 19544);
    EXPECT_GT(r.total.correct, 0) << where;  // the fixture answers some
  }
}

TEST(Evaluator, WordPairsEqualGensim) {
  for (const Value& c : at(golden(), "similarity").items) {
    SimilarityOptions options;
    options.restrict_vocab = integer(at(c, "restrict"));
    options.case_insensitive = at(c, "case_insensitive").boolean;
    const std::string file = at(c, "file").text;
    const std::string where = file + " restrict " + std::to_string(options.restrict_vocab);
    SimilarityResult r = evaluator().evaluate_similarity(kRoot + file, options);
    EXPECT_EQ(r.pairs, integer(at(c, "pairs"))) << where;
    EXPECT_EQ(r.oov, integer(at(c, "oov"))) << where;
    // gensim scores the cosines in float32; ember in double.
    EXPECT_NEAR(r.pearson, number(at(c, "pearson")), 2e-6) << where;
    EXPECT_NEAR(r.spearman, number(at(c, "spearman")), 2e-6) << where;
    EXPECT_NEAR(r.oov_ratio(), number(at(c, "oov_ratio")), 1e-9) << where;
    EXPECT_EQ(r.format, file.find("simlex") != std::string::npos ? "simlex" : "pairs");
  }
}

TEST(Evaluator, NeighboursEqualGensim) {
  for (const Value& c : at(golden(), "most_similar").items) {
    const std::string word = at(c, "word").text;
    const auto& top = at(c, "top").items;
    std::vector<Neighbor> mine = evaluator().most_similar(word, int64_t(top.size()));
    ASSERT_EQ(mine.size(), top.size()) << word;
    for (size_t i = 0; i < top.size(); ++i) {
      EXPECT_EQ(mine[i].word, top[i].items[0].text) << word << " #" << i;
      EXPECT_NEAR(mine[i].similarity, number(top[i].items[1]), 1e-5) << word << " #" << i;
    }
  }
}

TEST(Evaluator, AnalogiesAddAndMulEqualGensim) {
  for (const Value& c : at(golden(), "analogy").items) {
    const std::string a = at(c, "a").text, b = at(c, "b").text, cc = at(c, "c").text;
    const bool mul = at(c, "mul").boolean;
    const auto& top = at(c, "top").items;
    std::vector<Neighbor> mine = evaluator().analogy(
        a, b, cc, int64_t(top.size()), mul ? AnalogyMethod::kMul : AnalogyMethod::kAdd);
    ASSERT_EQ(mine.size(), top.size());
    for (size_t i = 0; i < top.size(); ++i) {
      const std::string where =
          a + ":" + b + "::" + cc + (mul ? " mul #" : " add #") + std::to_string(i);
      EXPECT_EQ(mine[i].word, top[i].items[0].text) << where;
      EXPECT_NEAR(mine[i].similarity, number(top[i].items[1]), 1e-5) << where;
    }
  }
}

TEST(Evaluator, BatchedNeighboursEqualOneByOne) {
  const std::vector<std::string> words = {"the", "war", "king", "god", "states", "three"};
  auto batched = evaluator().most_similar(words, 7);
  for (size_t i = 0; i < words.size(); ++i) {
    auto single = evaluator().most_similar(words[i], 7);
    ASSERT_EQ(batched[i].size(), 7u);
    for (size_t j = 0; j < 7; ++j) {
      EXPECT_EQ(batched[i][j].word, single[j].word);
      EXPECT_NE(batched[i][j].word, words[i]);  // self excluded
    }
  }
  // restrict_vocab searches the first rows only.
  for (const Neighbor& n : evaluator().most_similar("war", 10, 100)) EXPECT_LT(n.row, 100);
}

TEST(Evaluator, VectorsAndCosine) {
  const Evaluator& e = evaluator();
  ASSERT_NE(e.get_word_vector("king"), nullptr);
  EXPECT_EQ(e.get_word_vector("no-such-word"), nullptr);
  EXPECT_NEAR(e.similarity("king", "king"), 1.0, 1e-12);
  const float a[3] = {1, 0, 0}, b[3] = {1, 1, 0}, zero[3] = {0, 0, 0};
  EXPECT_NEAR(Evaluator::cosine_similarity(a, b, 3), std::sqrt(0.5), 1e-12);
  EXPECT_EQ(Evaluator::cosine_similarity(a, zero, 3), 0.0);
  EXPECT_EMBER_ERROR(e.most_similar("no-such-word"),
                     "word 'no-such-word' is not in the vocabulary");
  EXPECT_EMBER_ERROR(e.analogy("man", "king", "no-such-word"), "'no-such-word'");
  // A neighbour search from a raw vector finds the word itself first.
  auto near = e.most_similar_to_vector(e.get_word_vector("god"), 1);
  EXPECT_EQ(near.at(0).word, "god");
}

TEST(Evaluator, FileErrors) {
  const std::string dir = ::testing::TempDir();
  EXPECT_EMBER_ERROR(evaluator().evaluate_analogies(dir + "missing_questions.txt"), "cannot open");
  const std::string headless = dir + "ember_headless_questions.txt";
  std::ofstream(headless) << "a b c d\n";
  EXPECT_EMBER_ERROR(evaluator().evaluate_analogies(headless),
                     "ember_headless_questions.txt:1: a question before the first");
  const std::string nothing = dir + "ember_nothing_pairs.txt";
  std::ofstream(nothing) << "zzzq\tyyyq\t1.0\nnot a pair\n";
  EXPECT_EMBER_ERROR(evaluator().evaluate_similarity(nothing), "1 OOV pairs, 1 invalid lines");
}

}  // namespace
}  // namespace ember::eval
