// `ember analogy`: a is to b as c is to ? by 3CosAdd (or 3CosMul), the three inputs left out.
#include <cstdio>
#include <string>
#include <vector>

#include <ember/eval/evaluator.h>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

int analogy(int argc, char** argv) {
  CLI::App app(
      "Answers \"A is to B as C is to ?\": the words nearest to B - A + C by cosine on unit\n"
      "vectors (3CosAdd, as word2vec and gensim), A, B and C left out.\n"
      "example: ember analogy vectors.bin man king woman     # queen, with good vectors",
      "ember analogy");
  configure(app);
  data::VectorReadOptions read;
  std::string path, a, b, c;
  int64_t top = 5, restrict_vocab = 0;
  bool mul = false;
  app.add_option("VECTORS", path, "the vector file")->required();
  app.add_option("A", a, "A is to B")->required();
  app.add_option("B", b, "")->required();
  app.add_option("C", c, "as C is to ?")->required();
  app.add_option("--top", top, "answers to print")->check(at_least<int64_t>(0));
  app.add_flag("--mul", mul,
               "rank by 3CosMul instead (Levy & Goldberg 2014; gensim's\n"
               "most_similar_cosmul): cos'(w,B) cos'(w,C) / (cos'(w,A) + 1e-6),\n"
               "cos' = (1 + cos) / 2");
  app.add_option("--restrict", restrict_vocab, "answer from the first N vectors only (0: all)")
      ->check(at_least<int64_t>(0));
  add_read_options(app, read);
  parse_command_line(app, argc, argv);
  eval::Evaluator evaluator(load_vectors(path, read).vectors);
  auto answers = evaluator.analogy(
      a, b, c, top, mul ? eval::AnalogyMethod::kMul : eval::AnalogyMethod::kAdd, restrict_vocab);
  std::printf("%s : %s :: %s : ?   (%s)\n", a.c_str(), b.c_str(), c.c_str(),
              mul ? "3CosMul" : "3CosAdd");
  for (const eval::Neighbor& n : answers)
    std::printf("  %-24s %.4f\n", n.word.c_str(), n.similarity);
  return 0;
}

}  // namespace ember::cli
