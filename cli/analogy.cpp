// `ember analogy`: a is to b as c is to ? by 3CosAdd (or 3CosMul), the three inputs left out.
#include <cstdio>
#include <string>
#include <vector>

#include <ember/eval/evaluator.h>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

namespace {

void print_analogy_help() {
  std::printf(
      "usage: ember analogy VECTORS A B C [--top K] [--mul] [--restrict N] [--format F]\n"
      "                     [--limit N]\n"
      "Answers \"A is to B as C is to ?\": the words nearest to B - A + C by cosine on unit\n"
      "vectors (3CosAdd, as word2vec and gensim), A, B and C left out.\n"
      "\n"
      "options:\n"
      "  --top K        answers to print (default 5)\n"
      "  --mul          rank by 3CosMul instead (Levy & Goldberg 2014; gensim's\n"
      "                 most_similar_cosmul): cos'(w,B) cos'(w,C) / (cos'(w,A) + 1e-6),\n"
      "                 cos' = (1 + cos) / 2\n"
      "  --restrict N   answer from the first N vectors only (default: all)\n"
      "%s"
      "\n"
      "example:\n"
      "  ember analogy vectors.bin man king woman     # queen, with good vectors\n",
      kReadFlagsHelp);
}

}  // namespace

int analogy(int argc, char** argv) {
  data::VectorReadOptions read;
  std::vector<std::string> positional;
  int64_t top = 5, restrict_vocab = 0;
  bool mul = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      print_analogy_help();
      return 0;
    }
    if (parse_read_flag(argc, argv, i, read)) continue;
    if (arg == "--mul") {
      mul = true;
    } else if (arg == "--top" || arg == "--restrict") {
      EMBER_CHECK(i + 1 < argc, "option ", arg, " needs a value");
      (arg == "--top" ? top : restrict_vocab) = parse_count(arg, argv[++i]);
    } else if (arg.rfind("--", 0) == 0) {
      EMBER_FAIL("unknown option ", arg, " (see ember analogy --help)");
    } else {
      positional.push_back(arg);
    }
  }
  EMBER_CHECK(positional.size() == 4, "need VECTORS A B C, got ", positional.size(),
              " arguments (see ember analogy --help)");
  eval::Evaluator evaluator(load_vectors(positional[0], read).vectors);
  const std::string &a = positional[1], &b = positional[2], &c = positional[3];
  auto answers = evaluator.analogy(
      a, b, c, top, mul ? eval::AnalogyMethod::kMul : eval::AnalogyMethod::kAdd, restrict_vocab);
  std::printf("%s : %s :: %s : ?   (%s)\n", a.c_str(), b.c_str(), c.c_str(),
              mul ? "3CosMul" : "3CosAdd");
  for (const eval::Neighbor& n : answers)
    std::printf("  %-24s %.4f\n", n.word.c_str(), n.similarity);
  return 0;
}

}  // namespace ember::cli
