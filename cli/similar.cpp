// `ember similar`: the nearest neighbours of words by cosine similarity, for words given on
// the command line (one batched search) or typed on stdin, one or more a line.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <ember/eval/evaluator.h>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

void print_neighbors(const std::string& word, const std::vector<eval::Neighbor>& neighbors) {
  std::printf("%s\n", word.c_str());
  for (const eval::Neighbor& n : neighbors)
    std::printf("  %-24s %.4f\n", n.word.c_str(), n.similarity);
}

}  // namespace

int similar(int argc, char** argv) {
  CLI::App app(
      "Prints the K words nearest to each WORD by cosine similarity (the word itself left\n"
      "out). With no WORD, reads words from standard input, one or more a line, and answers\n"
      "each line as it comes (an interactive session on a terminal; end with Ctrl-D).\n"
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
  eval::Evaluator evaluator(load_vectors(path, read).vectors);

  if (!words.empty()) {
    std::vector<std::string> known;
    for (const std::string& w : words) {
      if (evaluator.get_word_vector(w))
        known.push_back(w);
      else
        std::printf("%s\n  (not in the vocabulary)\n", w.c_str());
    }
    auto results = evaluator.most_similar(known, top, restrict_vocab);
    for (size_t i = 0; i < known.size(); ++i) print_neighbors(known[i], results[i]);
    return known.size() == words.size() ? 0 : 1;
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
      if (!evaluator.get_word_vector(w)) {
        std::printf("%s\n  (not in the vocabulary)\n", w.c_str());
        continue;
      }
      print_neighbors(w, evaluator.most_similar(w, top, restrict_vocab));
    }
    std::fflush(stdout);
  }
  if (terminal) std::fprintf(stderr, "\n");
  return 0;
}

}  // namespace ember::cli
