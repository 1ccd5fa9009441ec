// The standard test files, scored as gensim 4.x scores them
// (KeyedVectors.evaluate_word_analogies and evaluate_word_pairs, gensim/models/keyedvectors.py):
// - the vocabulary is the first restrict_vocab rows; with case_insensitive, words are
//   compared uppercased as Python's str.upper() does (eval/unicode_upper.h) and an uppercased
//   word maps to its first row;
// - a question or pair with a word outside that vocabulary is skipped and counted as OOV;
// - an analogy is answered from the 5 best rows by 3CosAdd, the rows of a, b and c excluded:
//   the first whose uppercased word is none of a, b, c (else the last of the 5);
// - lines that are not 4 words (analogies) or "word<TAB>word<TAB>number" (pairs) are skipped
//   (counted, and the first few line numbers kept for the message).
// Unlike gensim, an analogy file with no question, a directory, and a score that is not a
// finite number are errors naming the file (and line): gensim reports 0 of 0 questions, or a
// Pearson of nan.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <unordered_map>

#include <ember/eval/evaluator.h>
#include <ember/eval/unicode_upper.h>
#include <ember/tensor/error.h>

namespace ember::eval {

namespace {

std::string upper(const std::string& word) { return unicode_upper(word); }

// The first few invalid lines' numbers are kept for the message.
constexpr size_t kInvalidLinesNamed = 5;

void note_invalid(int64_t line_no, int64_t* count, std::vector<int64_t>* first_lines) {
  ++*count;
  if (first_lines->size() < kInvalidLinesNamed) first_lines->push_back(line_no);
}

// A test file must be a file: a directory opens, and reads as empty.
void require_file(const char* what, const std::string& path) {
  std::error_code error;
  EMBER_CHECK(!std::filesystem::is_directory(path, error), what, ": ", path,
              " is a directory, not a file");
}

// Uppercased (or not) word -> its first row among the first `rows`.
std::unordered_map<std::string, int64_t> ok_vocab(const data::WordVectors& v, int64_t rows,
                                                  bool case_insensitive) {
  std::unordered_map<std::string, int64_t> vocab;
  vocab.reserve(size_t(rows));
  for (int64_t i = 0; i < rows; ++i)
    vocab.emplace(case_insensitive ? upper(v.words[size_t(i)]) : v.words[size_t(i)], i);
  return vocab;
}

std::vector<std::string> split_whitespace(const std::string& line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// Python's str.split(delimiter): empty fields kept.
std::vector<std::string> split_on(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == delimiter) {
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

// Python's float(s): surrounding whitespace allowed, nothing else.
bool parse_score(const std::string& s, double* out) {
  const char* begin = s.c_str();
  char* end = nullptr;
  *out = std::strtod(begin, &end);
  if (end == begin) return false;
  while (*end && std::isspace(static_cast<unsigned char>(*end))) ++end;
  return *end == '\0';
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : std::nan("");
}

// Ranks 1..n, ties given their average rank (scipy.stats.rankdata's default).
std::vector<double> ranks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    for (size_t t = i; t <= j; ++t) r[order[t]] = double(i + j) / 2.0 + 1.0;
    i = j + 1;
  }
  return r;
}

void add_to(AnalogySection& sum, const AnalogySection& s) {
  sum.correct += s.correct;
  sum.incorrect += s.incorrect;
  sum.oov += s.oov;
}

}  // namespace

AnalogyResult Evaluator::evaluate_analogies(const std::string& path,
                                            const AnalogyOptions& options) const {
  require_file("evaluate_analogies", path);
  std::ifstream in(path);
  EMBER_CHECK(in, "evaluate_analogies: cannot open ", path);
  const int64_t rows = clamp_rows(options.restrict_vocab), d = dim();
  const auto vocab = ok_vocab(vectors_, rows, options.case_insensitive);

  struct Question {
    size_t section;
    int64_t row[3];        // a, b, c
    std::string words[4];  // a, b, c, expected as compared (uppercased or not)
  };
  AnalogyResult result;
  std::vector<Question> questions;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.rfind(": ", 0) == 0) {
      // gensim: line.lstrip(': ').strip()
      const size_t start = std::min(line.find_first_not_of(": "), line.size());
      const size_t stop = line.find_last_not_of(" \t\r\n");
      result.sections.push_back(
          {line.substr(start, stop == std::string::npos || stop < start ? 0 : stop + 1 - start)});
      continue;
    }
    std::vector<std::string> words = split_whitespace(line);
    if (words.empty() && result.sections.empty()) continue;
    EMBER_CHECK(!result.sections.empty(), "evaluate_analogies: ", path, ":", line_no,
                ": a question before the first ': section' line");
    if (words.size() != 4) {
      note_invalid(line_no, &result.invalid_lines, &result.first_invalid_lines);
      continue;
    }
    Question q;
    q.section = result.sections.size() - 1;
    bool known = true;
    for (int i = 0; i < 4; ++i) {
      q.words[i] = options.case_insensitive ? upper(words[size_t(i)]) : words[size_t(i)];
      auto it = vocab.find(q.words[i]);
      if (it == vocab.end()) {
        known = false;
      } else if (i < 3) {
        q.row[i] = it->second;
      }
    }
    if (!known) {
      ++result.sections.back().oov;
      continue;
    }
    questions.push_back(q);
  }
  int64_t asked = 0;
  for (const AnalogySection& s : result.sections) asked += s.questions();
  EMBER_CHECK(asked + int64_t(questions.size()) > 0, "evaluate_analogies: ", path,
              " holds no question (\"a b c d\" lines after a \": section\" line)",
              result.invalid_lines
                  ? "; its " + std::to_string(result.invalid_lines) + " other lines are not 4 words"
                  : std::string());

  // One query per question: unit(b - a + c) for 3CosAdd; a, b, c for 3CosMul.
  const int64_t per_query = options.method == AnalogyMethod::kMul ? 3 : 1;
  std::vector<float> queries(questions.size() * size_t(per_query * d));
  std::vector<std::vector<int64_t>> exclude;
  for (size_t i = 0; i < questions.size(); ++i) {
    const Question& q = questions[i];
    float* out = queries.data() + int64_t(i) * per_query * d;
    if (per_query == 1) {
      double norm = 0;
      for (int64_t j = 0; j < d; ++j) {
        out[j] = unit_row(q.row[1])[j] + unit_row(q.row[2])[j] - unit_row(q.row[0])[j];
        norm += double(out[j]) * double(out[j]);
      }
      const double inv = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
      for (int64_t j = 0; j < d; ++j) out[j] = float(double(out[j]) * inv);
    } else {
      for (int t = 0; t < 3; ++t)
        std::copy(unit_row(q.row[t]), unit_row(q.row[t]) + d, out + t * d);
    }
    exclude.push_back({q.row[0], q.row[1], q.row[2]});
  }
  const auto answers = top_k(queries, 5, rows, exclude, options.method);
  for (size_t i = 0; i < questions.size(); ++i) {
    const Question& q = questions[i];
    std::string predicted;
    for (auto& [row, score] : answers[i]) {
      const std::string& word = vectors_.words[size_t(row)];
      predicted = options.case_insensitive ? upper(word) : word;
      if (predicted != q.words[0] && predicted != q.words[1] && predicted != q.words[2]) break;
    }
    AnalogySection& section = result.sections[q.section];
    ++(!predicted.empty() && predicted == q.words[3] ? section.correct : section.incorrect);
  }
  for (const AnalogySection& s : result.sections) {
    add_to(s.name.rfind("gram", 0) == 0 ? result.syntactic : result.semantic, s);
    add_to(result.total, s);
  }
  return result;
}

SimilarityResult Evaluator::evaluate_similarity(const std::string& path,
                                                const SimilarityOptions& options) const {
  require_file("evaluate_similarity", path);
  std::ifstream in(path);
  EMBER_CHECK(in, "evaluate_similarity: cannot open ", path);
  const auto vocab =
      ok_vocab(vectors_, clamp_rows(options.restrict_vocab), options.case_insensitive);
  SimilarityResult result;
  result.format = "pairs";
  size_t score_column = 2, min_fields = 3;
  bool first = true;
  std::vector<double> gold, model;
  std::string line;
  for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
    if (!line.empty() && line[0] == '#') continue;
    std::vector<std::string> fields =
        options.delimiter ? split_on(line, options.delimiter) : split_whitespace(line);
    if (first) {  // SimLex-999: "word1 word2 POS SimLex999 conc(w1) ..." header
      first = false;
      // The score's column follows the two words' (a header naming it first is no SimLex
      // header: its pairs would have no words).
      auto simlex = std::find(fields.begin(), fields.end(), "SimLex999");
      if (simlex != fields.end() && simlex - fields.begin() >= 2) {
        result.format = "simlex";
        score_column = size_t(simlex - fields.begin());
        min_fields = score_column + 1;
        continue;
      }
    }
    double score = 0;
    const bool valid = result.format == "simlex" ? fields.size() >= min_fields : fields.size() == 3;
    if (!valid || !parse_score(fields[score_column], &score)) {
      note_invalid(line_no, &result.invalid_lines, &result.first_invalid_lines);
      continue;
    }
    EMBER_CHECK(std::isfinite(score), "evaluate_similarity: ", path, ":", line_no, ": the score '",
                fields[score_column], "' is not a finite number");
    const std::string a = options.case_insensitive ? upper(fields[0]) : fields[0];
    const std::string b = options.case_insensitive ? upper(fields[1]) : fields[1];
    auto ia = vocab.find(a), ib = vocab.find(b);
    if (ia == vocab.end() || ib == vocab.end()) {
      ++result.oov;
      continue;
    }
    gold.push_back(score);
    model.push_back(cosine_similarity(vectors_.row(ia->second), vectors_.row(ib->second), dim()));
  }
  EMBER_CHECK(!gold.empty(), "evaluate_similarity: ", path,
              ": no pair to score (every line invalid or out of vocabulary: ", result.oov,
              " OOV pairs, ", result.invalid_lines, " invalid lines)");
  result.pairs = int64_t(gold.size());
  result.pearson = pearson(gold, model);
  result.spearman = pearson(ranks(gold), ranks(model));
  return result;
}

}  // namespace ember::eval
