// `ember eval`: word vectors scored on an analogy file (accuracy per section, semantic,
// syntactic, total, coverage) and word-pair files (Spearman, Pearson, coverage), with the
// numbers gensim's evaluate_word_analogies / evaluate_word_pairs give.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <ember/data/fasttext_bin.h>
#include <ember/eval/evaluator.h>

#include "commands.h"
#include "file_checks.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

void print_row(const eval::AnalogySection& s) {
  char accuracy[16] = "-";
  if (s.evaluated()) std::snprintf(accuracy, sizeof(accuracy), "%.1f%%", 100.0 * s.accuracy());
  std::printf("  %-30s %8lld %10lld %10lld %9s\n", s.name.c_str(),
              static_cast<long long>(s.correct), static_cast<long long>(s.evaluated()),
              static_cast<long long>(s.questions()), accuracy);
}

// "3 lines of FILE skipped (not 4 words): FILE:4, FILE:9, FILE:12" on stderr.
void name_invalid_lines(const std::string& file, int64_t count, const std::vector<int64_t>& first,
                        const char* why) {
  if (count == 0) return;
  std::fprintf(stderr, "ember eval: %lld line%s of %s skipped (%s):", static_cast<long long>(count),
               count == 1 ? "" : "s", file.c_str(), why);
  for (size_t i = 0; i < first.size(); ++i)
    std::fprintf(stderr, "%s %s:%lld", i ? "," : "", file.c_str(),
                 static_cast<long long>(first[i]));
  if (count > int64_t(first.size())) std::fprintf(stderr, ", ...");
  std::fprintf(stderr, "\n");
}

// The first two fields of each line of a word-pair file that is not a '#' comment (the
// words a pair names; a SimLex header's column names come along and are never scored).
std::vector<std::string> pair_words(const std::string& file, char delimiter) {
  std::ifstream in(file);
  EMBER_CHECK(in, file, ": cannot open");
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    if (delimiter == '\0') {
      std::istringstream split(line);
      for (std::string f; fields.size() < 2 && split >> f;) fields.push_back(f);
    } else {
      std::istringstream split(line);
      for (std::string f; fields.size() < 2 && std::getline(split, f, delimiter);)
        fields.push_back(f);
    }
    for (const std::string& f : fields)
      if (!f.empty() && f.find_first_of(" \t") == std::string::npos) words.push_back(f);
  }
  return words;
}

}  // namespace

int eval_vectors(int argc, char** argv) {
  CLI::App app(
      "Scores word vectors on standard test sets, as gensim 4 does.\n"
      "example: ember eval out/demo.vec --analogies data/eval/questions-words.txt \\\n"
      "             --similarity data/eval/wordsim353.tsv",
      "ember eval");
  configure(app);
  data::VectorReadOptions read;
  std::string path, analogies, delimiter = "tab";
  std::vector<std::string> similarity_files;
  int64_t restrict_vocab = eval::AnalogyOptions().restrict_vocab;
  bool case_sensitive = false, mul = false, oov_ngrams = false;
  app.add_option("VECTORS", path, "the vector file")->required();
  app.add_option("--analogies", analogies,
                 "a questions-words file (\": section\" lines, then \"a b c d\"):\n"
                 "accuracy of d = the best of b - a + c (a, b, c left out) per\n"
                 "section, semantic, syntactic (sections named gram*) and total;\n"
                 "questions with a word outside the vocabulary are skipped and\n"
                 "counted. data/eval/questions-words.txt is the Google set.");
  app.add_option("--similarity", similarity_files,
                 "word pairs with human scores (\"w1<TAB>w2<TAB>score\", '#'\n"
                 "comments, as data/eval/wordsim353.tsv; or SimLex-999's columns):\n"
                 "Spearman and Pearson correlation with the cosines. Repeatable.");
  app.add_option("--restrict", restrict_vocab,
                 "the vocabulary is the first N vectors (0: all; gensim's 300000)")
      ->check(at_least<int64_t>(0));
  app.add_flag("--case-sensitive", case_sensitive,
               "compare words as they are (default: uppercased, first variant)");
  app.add_flag("--mul", mul, "answer analogies by 3CosMul instead of 3CosAdd");
  app.add_flag("--oov-ngrams", oov_ngrams,
               "fastText .bin models: a --similarity pair with a word outside the\n"
               "vocabulary is scored with that word's vector built from its character\n"
               "n-grams (as fastText builds it) instead of being skipped; the output says\n"
               "how many pairs that scored. Analogies are not affected.");
  app.add_option("--delimiter", delimiter,
                 "word-pair field separator: tab, space (any run of spaces and\n"
                 "tabs), or one character")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            if (value == "tab" || value == "space" || value.size() == 1) return "";
            return "takes tab, space or one character, got '" + value + "'";
          },
          "tab, space or C"));
  add_read_options(app, read);
  parse_command_line(app, argc, argv);
  eval::AnalogyOptions analogy_options;
  eval::SimilarityOptions similarity_options;
  analogy_options.case_insensitive = similarity_options.case_insensitive = !case_sensitive;
  if (mul) analogy_options.method = eval::AnalogyMethod::kMul;
  analogy_options.restrict_vocab = similarity_options.restrict_vocab = restrict_vocab;
  similarity_options.delimiter = delimiter == "tab"     ? '\t'
                                 : delimiter == "space" ? '\0'
                                                        : delimiter[0];
  EMBER_CHECK(!analogies.empty() || !similarity_files.empty(),
              "nothing to evaluate: give --analogies FILE and/or --similarity FILE (the "
              "repository's data/eval/ holds questions-words.txt and wordsim353.tsv)");
  if (oov_ngrams)
    for (const std::string& file : similarity_files)
      require_regular_input("--similarity", file, "--oov-ngrams reads it twice");
  Loaded loaded = load_vectors(path, read);
  // --oov-ngrams: the table cut to the vocabulary the scores use (--restrict), then the
  // missing words of the pair files appended with their n-gram vectors. The analogies keep
  // to the first rows, so the appended words are never their answers.
  int64_t appended = 0, vocab_rows = 0;
  if (oov_ngrams) {
    EMBER_CHECK(loaded.info.format == data::VectorFormat::kFastTextBin ||
                    loaded.info.format == data::VectorFormat::kFastTextOld,
                "--oov-ngrams: ", path, " is ", data::vector_format_name(loaded.info.format),
                ", not a fastText .bin model; a vector file has no n-grams to build a vector from");
    data::WordVectors& v = loaded.vectors;
    vocab_rows = restrict_vocab ? std::min(restrict_vocab, v.size()) : v.size();
    v.words.resize(size_t(vocab_rows));
    v.values.resize(size_t(vocab_rows * v.dim));
    v.build_index();
    data::FastTextReadOptions options;
    options.old_format = loaded.info.format == data::VectorFormat::kFastTextOld;
    const data::FastTextBin model = data::read_fasttext_bin(path, options);
    std::unordered_set<std::string> seen;
    std::vector<float> row(static_cast<size_t>(v.dim));
    for (const std::string& file : similarity_files)
      for (const std::string& word : pair_words(file, similarity_options.delimiter)) {
        if (v.find(word) >= 0 || !seen.insert(word).second || model.subwords(word).empty())
          continue;
        model.word_vector(word, row.data());
        v.words.push_back(word);
        v.values.insert(v.values.end(), row.begin(), row.end());
        ++appended;
      }
    v.build_index();
    analogy_options.restrict_vocab = vocab_rows;
    std::fprintf(stderr,
                 "ember eval: --oov-ngrams: %lld words of the pair files outside the first %lld "
                 "built from their n-grams\n",
                 static_cast<long long>(appended), static_cast<long long>(vocab_rows));
  }
  eval::Evaluator evaluator(std::move(loaded.vectors));
  const int64_t vocab = analogy_options.restrict_vocab
                            ? std::min(analogy_options.restrict_vocab, evaluator.size())
                            : evaluator.size();
  const char* casing = analogy_options.case_insensitive ? "case-insensitive" : "case-sensitive";

  if (!analogies.empty()) {
    eval::AnalogyResult r = evaluator.evaluate_analogies(analogies, analogy_options);
    name_invalid_lines(analogies, r.invalid_lines, r.first_invalid_lines,
                       "neither a \": section\" line nor 4 words");
    std::printf("\nanalogies: %s (%s, vocabulary: the first %lld words, %s)\n", analogies.c_str(),
                analogy_options.method == eval::AnalogyMethod::kMul ? "3CosMul" : "3CosAdd",
                static_cast<long long>(vocab), casing);
    std::printf("  %-30s %8s %10s %10s %9s\n", "section", "correct", "evaluated", "questions",
                "accuracy");
    for (const eval::AnalogySection& s : r.sections) print_row(s);
    std::printf("  %s\n", std::string(71, '-').c_str());
    print_row(r.semantic);
    print_row(r.syntactic);
    print_row(r.total);
    std::printf(
        "coverage: %lld of %lld questions evaluated (%.1f%%); %lld skipped for words "
        "outside the vocabulary",
        static_cast<long long>(r.total.evaluated()), static_cast<long long>(r.total.questions()),
        100.0 - r.oov_ratio(), static_cast<long long>(r.total.oov));
    if (r.invalid_lines)
      std::printf(", %lld invalid lines", static_cast<long long>(r.invalid_lines));
    std::printf("\n");
  }
  if (!similarity_files.empty()) {
    std::printf("\nword similarity (vocabulary: the first %lld words, %s)\n",
                static_cast<long long>(vocab), casing);
    std::printf("  %-36s %8s %8s %7s %7s %9s\n", "file", "spearman", "pearson", "pairs", "oov",
                "coverage");
    for (const std::string& file : similarity_files) {
      eval::SimilarityOptions options = similarity_options;
      eval::SimilarityResult plain;
      if (oov_ngrams) {
        options.restrict_vocab = vocab_rows;
        plain = evaluator.evaluate_similarity(file, options);
        options.restrict_vocab = 0;  // the vocabulary and the appended words
      }
      eval::SimilarityResult r = evaluator.evaluate_similarity(file, options);
      name_invalid_lines(
          file, r.invalid_lines, r.first_invalid_lines,
          r.format == "simlex" ? "too few columns or no number" : "not word, word and a number");
      std::printf("  %-36s %8.4f %8.4f %7lld %7lld %8.1f%%\n", file.c_str(), r.spearman, r.pearson,
                  static_cast<long long>(r.pairs), static_cast<long long>(r.oov),
                  100.0 - r.oov_ratio());
      if (r.invalid_lines)
        std::printf("  (%s: %lld invalid lines skipped)\n", file.c_str(),
                    static_cast<long long>(r.invalid_lines));
      if (oov_ngrams)
        std::printf(
            "  (--oov-ngrams: %lld pairs scored through n-grams that were skipped "
            "without them; without: spearman %.4f, pearson %.4f, %lld pairs)\n",
            static_cast<long long>(r.pairs - plain.pairs), plain.spearman, plain.pearson,
            static_cast<long long>(plain.pairs));
    }
  }
  return 0;
}

}  // namespace ember::cli
