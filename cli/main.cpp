// The `ember` program. Subcommands are added as the capabilities land; `demo` trains a
// small skip-gram model through the autograd engine and shows what it learned.
#include <cstdio>
#include <cstring>
#include <string>

#include <ember/dist/communicator.h>

#include "commands.h"

namespace {

void print_help() {
  std::printf(
      "ember — tensors, autograd and embeddings\n"
      "\n"
      "usage: ember <command> [options]\n"
      "\n"
      "commands:\n"
      "  train    train word vectors: skipgram, cbow (word2vec), glove or fasttext\n"
      "  classify train a text classifier (the seeds' TextClassifier, LSTM or BiLSTM) on\n"
      "           labelled lines, test it (accuracy, precision, recall) or predict labels,\n"
      "           fastText-style\n"
      "  demo     train a small skip-gram model with autograd on a text file, print the\n"
      "           loss, nearest neighbours, and write the vectors (word2vec text format)\n"
      "  similar  the nearest words to words (or to words typed on stdin)\n"
      "  analogy  a is to b as c is to ? (3CosAdd or 3CosMul)\n"
      "  eval     score vectors on analogy and word-similarity test files, as gensim does\n"
      "  convert  a vector file from one format to another (word2vec text/binary, GloVe, .vec;\n"
      "           fastText .bin models are read: their vocabulary's vectors)\n"
      "  info     what a vector file (or a fastText .bin model) holds, and how fast it loads\n"
      "  print-vectors  the vector of each word on stdin, as fasttext print-word-vectors: any\n"
      "           word of a fastText .bin model (OOV through n-grams), or a vector file's words\n"
      "  plot     draw word vectors: a labelled 2-D scatter (t-SNE or PCA) or a heat-map,\n"
      "           as SVG or PNG\n"
      "  generate train a character language model (LSTM) on a text file, or sample text\n"
      "           from one, greedily or at a temperature\n"
      "  version  print the version and whether the CUDA backend is built and usable\n"
      "\n"
      "Run `ember <command> --help` for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    print_help();
    return argc < 2 ? 1 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "train") return ember::cli::train(argc - 1, argv + 1);
    if (command == "classify") return ember::cli::classify(argc - 1, argv + 1);
    if (command == "demo") return ember::cli::demo(argc - 1, argv + 1);
    if (command == "plot") return ember::cli::plot(argc - 1, argv + 1);
    if (command == "similar") return ember::cli::similar(argc - 1, argv + 1);
    if (command == "analogy") return ember::cli::analogy(argc - 1, argv + 1);
    if (command == "eval") return ember::cli::eval_vectors(argc - 1, argv + 1);
    if (command == "convert") return ember::cli::convert(argc - 1, argv + 1);
    if (command == "info") return ember::cli::info(argc - 1, argv + 1);
    if (command == "print-vectors") return ember::cli::print_vectors(argc - 1, argv + 1);
    if (command == "generate") return ember::cli::generate(argc - 1, argv + 1);
    if (command == "version") return ember::cli::version();
  } catch (const std::exception& e) {
    // A library message may already start with the command ("ember train: ..."): not twice.
    const std::string message = e.what(), prefix = "ember " + command;
    const bool named = message.rfind(prefix, 0) == 0 &&
                       (message.size() == prefix.size() || message[prefix.size()] == ':' ||
                        message[prefix.size()] == ' ');
    // Under mpirun, the rank says who it is and ends the whole job: the others would wait
    // for it in their next collective.
    ember::dist::Communicator& world = ember::dist::world();
    const std::string rank =
        world.size() > 1 ? " (" + ember::dist::rank_label(world) + ")" : std::string();
    if (named)
      std::fprintf(stderr, "%s%s%s\n", prefix.c_str(), rank.c_str(),
                   message.c_str() + prefix.size());
    else
      std::fprintf(stderr, "ember %s%s: %s\n", command.c_str(), rank.c_str(), message.c_str());
    if (world.size() > 1) world.abort(1);
    return 1;
  }
  std::fprintf(stderr, "ember: unknown command '%s' (see ember --help)\n", command.c_str());
  return 1;
}
