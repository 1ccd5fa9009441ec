// The evaluator against gensim 4.x: tests/golden/make_golden_eval.py ran gensim's
// evaluate_word_analogies, evaluate_word_pairs, most_similar and most_similar_cosmul on
// tests/data/eval_vectors.txt and saved the numbers in tests/golden/eval_gensim.json.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <ember/data/vectors.h>
#include <ember/eval/evaluator.h>
#include <ember/eval/unicode_upper.h>
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

// Python's str.upper(): simple mappings, special-casing expansions (U+00DF -> "SS",
// U+0149 -> U+02BC N, U+0390 -> 3 code points), titlecase letters, letters beyond the BMP;
// invalid UTF-8 bytes pass through.
TEST(Evaluator, UnicodeUpperIsPythons) {
  EXPECT_EQ(unicode_upper("abc XYZ 123"), "ABC XYZ 123");
  EXPECT_EQ(unicode_upper("\xc3\xbc"
                          "ber"),
            "\xc3\x9c"
            "BER");  // über
  EXPECT_EQ(unicode_upper("stra\xc3\x9f"
                          "e"),
            "STRASSE");                                              // straße
  EXPECT_EQ(unicode_upper("\xc5\x89"), "\xca\xbcN");                 // ŉ
  EXPECT_EQ(unicode_upper("\xce\x90"), "\xce\x99\xcc\x88\xcc\x81");  // ΐ
  EXPECT_EQ(unicode_upper("\xc7\x85\xc7\x86"), "\xc7\x84\xc7\x84");  // ǅǆ
  EXPECT_EQ(unicode_upper("\xc4\xb1i"), "II");                       // dotless ı
  EXPECT_EQ(unicode_upper("\xc3\xbf"), "\xc5\xb8");                  // ÿ
  EXPECT_EQ(unicode_upper("\xd0\xb6\xd1\x91"), "\xd0\x96\xd0\x81");  // жё
  EXPECT_EQ(unicode_upper("\xf0\x90\x90\xa8"), "\xf0\x90\x90\x80");  // Deseret
  EXPECT_EQ(unicode_upper("\xef\xac\x81"), "FI");                    // ligature fi
  EXPECT_EQ(unicode_upper("\xe2\x85\xb0"), "\xe2\x85\xa0");          // roman ⅰ
  EXPECT_EQ(unicode_upper("a\xff"
                          "b\xc3"),
            "A\xff"
            "B\xc3");                                        // not UTF-8: kept
  EXPECT_EQ(unicode_upper("\xe4\xb8\xad"), "\xe4\xb8\xad");  // no case
}

// Über and über, straße and STRASSE, ǅ and ǆ are one word each when case-insensitive, the
// first row winning: the numbers gensim 4.2's evaluate_word_pairs and evaluate_word_analogies
// give on these files (ASCII-only uppercasing gave other rows, and STRASSE out of vocabulary).
TEST(Evaluator, CaseInsensitiveIsUnicode) {
  const std::string dir = ::testing::TempDir();
  const std::string vectors = dir + "ember_unicode.vec", pairs = dir + "ember_unicode_pairs.tsv",
                    questions = dir + "ember_unicode_questions.txt";
  std::ofstream(vectors) << "7 2\n\xc3\x9c"
                            "ber 1 0\n\xc3\xbc"
                            "ber 0 1\nstra\xc3\x9f"
                            "e 0.6 0.8\n"
                            "x 1 0.1\ny 0.1 1\n\xc7\x86 0.3 0.9\n\xc7\x85 0.9 0.3\n";
  std::ofstream(pairs) << "\xc3\xbc"
                          "ber\tx\t9\n\xc3\xbc"
                          "ber\ty\t1\nSTRASSE\tx\t5\n\xc7\x85\ty\t7\n"
                          "stra\xc3\x9f"
                          "e\ty\t8\n";
  std::ofstream(questions) << ": s\n\xc3\xbc"
                              "ber x \xc3\xbc"
                              "ber x\n\xc3\x9c"
                              "BER y stra\xc3\x9f"
                              "e y\n"
                              "strasse y \xc3\xbc"
                              "ber x\n";
  const Evaluator e(data::read_vectors(vectors));
  SimilarityResult r = e.evaluate_similarity(pairs);
  EXPECT_EQ(r.pairs, 5);
  EXPECT_EQ(r.oov, 0);
  EXPECT_NEAR(r.spearman, 0.9, 1e-12);
  EXPECT_NEAR(r.pearson, 0.9622667639606415, 2e-6);
  SimilarityOptions exact;
  exact.case_insensitive = false;
  r = e.evaluate_similarity(pairs, exact);
  EXPECT_EQ(r.pairs, 4);
  EXPECT_NEAR(r.spearman, -0.8, 1e-12);
  EXPECT_NEAR(r.pearson, -0.7090731005472893, 2e-6);
  const AnalogyResult a = e.evaluate_analogies(questions);
  EXPECT_EQ(a.total.oov, 0);
  EXPECT_EQ(a.total.evaluated(), 3);
  EXPECT_EQ(a.total.correct, 0);
}

// Test files that hold nothing to score, and scores that are not finite, are errors naming
// the file (and line); skipped lines are counted and the first few named.
TEST(Evaluator, HostileTestFiles) {
  const std::string dir = ::testing::TempDir();
  EXPECT_EMBER_ERROR(evaluator().evaluate_analogies(dir), "is a directory");
  EXPECT_EMBER_ERROR(evaluator().evaluate_similarity(dir), "is a directory");
  const std::string empty = dir + "ember_empty_questions.txt";
  std::ofstream(empty) << "";
  EXPECT_EMBER_ERROR(evaluator().evaluate_analogies(empty), "holds no question");
  const std::string invalid = dir + "ember_invalid_questions.txt";
  std::ofstream(invalid) << ": s\nking queen\nman woman king queen\n\na b c d e\nx\ny\nz\n";
  const AnalogyResult a = evaluator().evaluate_analogies(invalid);
  EXPECT_EQ(a.invalid_lines, 6);
  EXPECT_EQ(a.first_invalid_lines, (std::vector<int64_t>{2, 4, 5, 6, 7}));
  const std::string infinite = dir + "ember_infinite_pairs.txt";
  std::ofstream(infinite) << "king\tqueen\t3\nman\twoman\t1e999\n";
  EXPECT_EMBER_ERROR(evaluator().evaluate_similarity(infinite),
                     "ember_infinite_pairs.txt:2: the score '1e999' is not a finite number");
  // A "SimLex999" header in the first column (found by fuzz_eval: its one-field lines were
  // read as pairs, the second word past the end) is no SimLex header: an invalid line.
  const std::string simlex_first = dir + "ember_simlex_first.txt";
  std::ofstream(simlex_first) << "SimLex999\tx\n8.3\nthe\tof\t8.5\n";
  for (char delimiter : {'\t', '\0'}) {
    SimilarityOptions options;
    options.delimiter = delimiter;
    const SimilarityResult r = evaluator().evaluate_similarity(simlex_first, options);
    EXPECT_EQ(r.format, "pairs");
    EXPECT_EQ(r.first_invalid_lines, (std::vector<int64_t>{1, 2}));
  }
}

}  // namespace
}  // namespace ember::eval
