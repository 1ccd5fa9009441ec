// `ember similar`: the nearest neighbours of words by cosine similarity, for words given on
// the command line (one batched search) or typed on stdin, one or more a line. A fastText
// .bin model also answers a word outside its vocabulary, from its character n-grams, as
// `fasttext nn` does.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <ember/data/fasttext_bin.h>
#include <ember/eval/evaluator.h>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

void print_neighbors(const std::string& word, const std::vector<eval::Neighbor>& neighbors,
                     const char* note = "") {
  std::printf("%s%s\n", word.c_str(), note);
  for (const eval::Neighbor& n : neighbors)
    std::printf("  %-24s %.4f\n", n.word.c_str(), n.similarity);
}

}  // namespace

int similar(int argc, char** argv) {
  CLI::App app(
      "Prints the K words nearest to each WORD by cosine similarity (the word itself left\n"
      "out). With no WORD, reads words from standard input, one or more a line, and answers\n"
      "each line as it comes (an interactive session on a terminal; end with Ctrl-D).\n"
      "A fastText .bin model answers a word outside its vocabulary too, with the vector of\n"
      "its character n-grams (as `fasttext nn` does).\n"
      "example: ember similar out/demo.vec king war --top 5",
      "ember similar");
  configure(app);
  data::VectorReadOptions read;
  std::string path;
  std::vector<std::string> words;
  int64_t top = 10, restrict_vocab = 0;
  app.add_option("VECTORS", path, "the vector file")->required();
  app.add_option("WORD", words, "words to look up (none: read stdin)");
  app.add_option("--top", top, "neighbours per word")->check(at_least<int64_t>(0));
  app.add_option("--restrict", restrict_vocab, "search the first N vectors only (0: all)")
      ->check(at_least<int64_t>(0));
  add_read_options(app, read);
  parse_command_line(app, argc, argv);
  Loaded loaded = load_vectors(path, read);
  const data::VectorFormat format = loaded.info.format;
  eval::Evaluator evaluator(std::move(loaded.vectors));

  // A word outside the vocabulary: a fastText model's n-gram vector (the model read again,
  // the first time one is asked), else nothing. False when not answered.
  std::optional<data::FastTextBin> model;
  const auto answer_unknown = [&](const std::string& w) {
    if (format == data::VectorFormat::kFastTextBin || format == data::VectorFormat::kFastTextOld) {
      if (!model) {
        data::FastTextReadOptions options;
        options.old_format = format == data::VectorFormat::kFastTextOld;
        model = data::read_fasttext_bin(path, options);
      }
      if (!model->subwords(w).empty()) {
        const std::vector<float> v = model->word_vector(w);
        print_neighbors(w, evaluator.most_similar_to_vector(v.data(), top, {}, restrict_vocab),
                        model->find(w) >= 0 ? "  (beyond --limit: its vector from the model)"
                                            : "  (not in the vocabulary: from its character "
                                              "n-grams)");
        return true;
      }
      std::printf("%s\n  (not in the vocabulary, and no character n-grams)\n", w.c_str());
      return false;
    }
    std::printf("%s\n  (not in the vocabulary)\n", w.c_str());
    return false;
  };

  if (!words.empty()) {
    std::vector<std::string> known;
    for (const std::string& w : words)
      if (evaluator.get_word_vector(w)) known.push_back(w);
    auto results = evaluator.most_similar(known, top, restrict_vocab);
    bool all = true;
    size_t next = 0;  // words and known in the same order
    for (const std::string& w : words) {
      if (evaluator.get_word_vector(w)) {
        print_neighbors(w, results[next++]);
      } else {
        all &= answer_unknown(w);
      }
    }
    return all ? 0 : 1;
  }

  const bool terminal = ::isatty(STDIN_FILENO);
  std::string line;
  while (true) {
    if (terminal) {
      std::fprintf(stderr, "word> ");
      std::fflush(stderr);
    }
    if (!std::getline(std::cin, line)) break;
    std::istringstream in(line);
    for (std::string w; in >> w;) {
      if (evaluator.get_word_vector(w))
        print_neighbors(w, evaluator.most_similar(w, top, restrict_vocab));
      else
        answer_unknown(w);
    }
    std::fflush(stdout);
  }
  if (terminal) std::fprintf(stderr, "\n");
  return 0;
}

}  // namespace ember::cli
