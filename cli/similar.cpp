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

void print_similar_help() {
  std::printf(
      "usage: ember similar VECTORS [WORD...] [--top K] [--restrict N] [--format F] [--limit N]\n"
      "Prints the K words nearest to each WORD by cosine similarity (the word itself left\n"
      "out). With no WORD, reads words from standard input, one or more a line, and answers\n"
      "each line as it comes (an interactive session on a terminal; end with Ctrl-D).\n"
      "\n"
      "options:\n"
      "  --top K        neighbours per word (default 10)\n"
      "  --restrict N   search the first N vectors only (default: all)\n"
      "%s"
      "\n"
      "example:\n"
      "  ember similar out/demo.vec king war --top 5\n",
      kReadFlagsHelp);
}

void print_neighbors(const std::string& word, const std::vector<eval::Neighbor>& neighbors) {
  std::printf("%s\n", word.c_str());
  for (const eval::Neighbor& n : neighbors)
    std::printf("  %-24s %.4f\n", n.word.c_str(), n.similarity);
}

}  // namespace

int similar(int argc, char** argv) {
  data::VectorReadOptions read;
  std::string path;
  std::vector<std::string> words;
  int64_t top = 10, restrict_vocab = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_similar_help();
      return 0;
    }
    if (parse_read_flag(argc, argv, i, read)) continue;
    if (arg == "--top" || arg == "--restrict") {
      EMBER_CHECK(i + 1 < argc, "option ", arg, " needs a value");
      (arg == "--top" ? top : restrict_vocab) = parse_count(arg, argv[++i]);
    } else if (arg.rfind("--", 0) == 0) {
      EMBER_FAIL("unknown option ", arg, " (see ember similar --help)");
    } else if (path.empty()) {
      path = arg;
    } else {
      words.push_back(arg);
    }
  }
  EMBER_CHECK(!path.empty(), "no vector file given (see ember similar --help)");
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
