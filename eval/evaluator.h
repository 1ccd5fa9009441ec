// The seeds' EmbeddingEvaluator over a set of word vectors: vectors, cosine similarity,
// nearest neighbours, analogies, and the standard test files (a questions-words analogy
// file, WordSim353/SimLex word pairs) scored exactly as gensim 4's evaluate_word_analogies
// and evaluate_word_pairs score them.
//
// Neighbour searches run as matrix products: the queries [B, D] times the unit rows [N, D]
// transposed, a block of rows at a time, keeping the top k of each query as they go, so a
// thousand queries over 400k words cost one pass over the matrix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ember/data/vectors.h>

namespace ember::eval {

struct Neighbor {
  std::string word;
  int64_t row = -1;
  double similarity = 0;  // cosine (3CosMul: the 3CosMul score)
};

enum class AnalogyMethod {
  kAdd,  // 3CosAdd: cos(w, b - a + c) on unit vectors (word2vec, gensim most_similar)
  kMul,  // 3CosMul (Levy & Goldberg 2014, gensim most_similar_cosmul):
         // cos'(w,b) cos'(w,c) / (cos'(w,a) + 1e-6), cos' = (1 + cos) / 2
};

struct AnalogyOptions {
  int64_t restrict_vocab = 300000;  // only the first N rows count (gensim's default); 0 = all
  bool case_insensitive = true;     // compare words uppercased (Python's str.upper), first
                                    // variant wins
  AnalogyMethod method = AnalogyMethod::kAdd;
};

struct AnalogySection {
  std::string name;
  int64_t correct = 0;
  int64_t incorrect = 0;  // evaluated and wrong
  int64_t oov = 0;        // skipped: a word outside the (restricted) vocabulary
  int64_t evaluated() const { return correct + incorrect; }
  int64_t questions() const { return correct + incorrect + oov; }
  double accuracy() const { return evaluated() ? double(correct) / double(evaluated()) : 0.0; }
};

struct AnalogyResult {
  std::vector<AnalogySection> sections;  // in file order
  // Sections named "gram*" are syntactic, the rest semantic (the Google set's convention).
  AnalogySection semantic{"semantic"}, syntactic{"syntactic"}, total{"total"};
  int64_t invalid_lines = 0;  // neither a ": section" line nor 4 words (skipped, as gensim)
  std::vector<int64_t> first_invalid_lines;  // the first few of them (1-based line numbers)
  // Percent of questions with an OOV word: gensim's "Quadruplets with out-of-vocabulary words".
  double oov_ratio() const {
    return total.questions() ? 100.0 * double(total.oov) / double(total.questions()) : 0.0;
  }
};

struct SimilarityOptions {
  int64_t restrict_vocab = 300000;
  bool case_insensitive = true;
  // Field separator; '\t' as gensim (WordSim353 .tsv). 0: any run of spaces or tabs.
  char delimiter = '\t';
};

struct SimilarityResult {
  double pearson = 0, spearman = 0;
  int64_t pairs = 0;          // scored pairs
  int64_t oov = 0;            // pairs skipped for an OOV word
  int64_t invalid_lines = 0;  // lines that are not "word word score" (skipped, as gensim)
  std::vector<int64_t> first_invalid_lines;  // the first few of them (1-based line numbers)
  std::string format;         // "pairs" (word word score) or "simlex" (SimLex-999 columns)
  double oov_ratio() const {  // percent, as gensim's third return value
    return pairs + oov ? 100.0 * double(oov) / double(pairs + oov) : 0.0;
  }
};

class Evaluator {
 public:
  explicit Evaluator(data::WordVectors vectors);

  const data::WordVectors& vectors() const { return vectors_; }
  int64_t size() const { return vectors_.size(); }
  int64_t dim() const { return vectors_.dim; }

  // The word's row (D floats), or nullptr when it has none.
  const float* get_word_vector(const std::string& word) const;
  static double cosine_similarity(const float* a, const float* b, int64_t dim);
  // cos(a, b); an OOV word raises an ember::Error naming it.
  double similarity(const std::string& a, const std::string& b) const;

  // The k nearest rows by cosine, the word itself excluded, best first. restrict_vocab > 0
  // searches the first restrict_vocab rows only. An OOV word raises an error naming it.
  std::vector<Neighbor> most_similar(const std::string& word, int64_t k = 10,
                                     int64_t restrict_vocab = 0) const;
  // Many words in one pass over the matrix.
  std::vector<std::vector<Neighbor>> most_similar(const std::vector<std::string>& words,
                                                  int64_t k = 10, int64_t restrict_vocab = 0) const;
  // Nearest rows to any vector [D] (need not be unit), skipping the rows in `exclude`.
  std::vector<Neighbor> most_similar_to_vector(const float* vector, int64_t k = 10,
                                               const std::vector<int64_t>& exclude = {},
                                               int64_t restrict_vocab = 0) const;

  // a is to b as c is to ?: the k best answers, a, b and c excluded.
  std::vector<Neighbor> analogy(const std::string& a, const std::string& b, const std::string& c,
                                int64_t k = 1, AnalogyMethod method = AnalogyMethod::kAdd,
                                int64_t restrict_vocab = 0) const;

  // A questions-words file: ": section" lines, then "a b c expected" lines.
  AnalogyResult evaluate_analogies(const std::string& path,
                                   const AnalogyOptions& options = {}) const;
  // A word-pair file: "word1<TAB>word2<TAB>score" lines, '#' comments (WordSim353 as gensim
  // ships it), or SimLex-999's tab-separated columns with its header line. Pearson and
  // Spearman (average ranks for ties) between the scores and the cosines.
  SimilarityResult evaluate_similarity(const std::string& path,
                                       const SimilarityOptions& options = {}) const;

  // The engine under the searches, public for tests and benchmarks. For each query q of
  // `queries` [B, D] (unit vectors), the k best rows r < rows by score, best first, skipping
  // exclude[q] (may be empty). method kAdd: score = queries[q] . unit_row(r). kMul: queries
  // holds 3 unit vectors per query (a, b, c; [3B, D]) and score is the 3CosMul objective.
  std::vector<std::vector<std::pair<int64_t, float>>> top_k(
      const std::vector<float>& queries, int64_t k, int64_t rows,
      const std::vector<std::vector<int64_t>>& exclude,
      AnalogyMethod method = AnalogyMethod::kAdd) const;

  const float* unit_row(int64_t row) const { return unit_.data() + row * vectors_.dim; }

 private:
  int64_t require(const std::string& word) const;  // the row, or an error naming the word
  int64_t clamp_rows(int64_t restrict_vocab) const;
  std::vector<Neighbor> to_neighbors(const std::vector<std::pair<int64_t, float>>& top) const;

  data::WordVectors vectors_;
  std::vector<float> unit_;  // [N, D] each row over its norm (a zero row stays zero)
};

}  // namespace ember::eval
