// `ember print-vectors`: fastText's print-word-vectors — the vector of each word read from
// standard input — for fastText .bin models (any word: one outside the vocabulary is built
// from its character n-grams) and for plain vector files (the words in the file).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <ember/data/fasttext_bin.h>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

int print_vectors(int argc, char** argv) {
  CLI::App app(
      "Prints \"word v1 v2 ... vD\" for each word read from standard input (words split on\n"
      "whitespace), as `fasttext print-word-vectors` prints them: each value with 5\n"
      "significant digits and a space after it, so that the output of both is the same.\n"
      "A fastText .bin model gives a vector for any word: a word outside its vocabulary is\n"
      "the mean of its character n-grams' rows (the zero vector when it has none). A vector\n"
      "file knows its own words only: an unknown word is printed as the zero vector (as\n"
      "fastText prints a word with no n-grams), --unknown skip leaves it out, --unknown fail\n"
      "stops with an error; the count of unknown words goes to stderr.\n"
      "example: echo 'king kingdoms' | ember print-vectors model.bin",
      "ember print-vectors");
  configure(app);
  data::VectorReadOptions read;
  std::string path, unknown = "zero";
  int precision = 5;
  app.add_option("VECTORS", path, "a fastText .bin model or a vector file")->required();
  app.add_option("--precision", precision,
                 "significant digits per value (5: fastText's; 9: every float exactly)")
      ->check(in_range(1, 17));
  app.add_option("--unknown", unknown,
                 "a vector file's word it does not hold: zero (print the zero vector),\n"
                 "skip, or fail (a .bin model has no unknown words)")
      ->check(one_of({"zero", "skip", "fail"}));
  add_read_options(app, read);
  parse_command_line(app, argc, argv);

  const bool model = read.format == data::VectorFormat::kFastTextBin ||
                     read.format == data::VectorFormat::kFastTextOld ||
                     (read.format == data::VectorFormat::kAuto && data::is_fasttext_bin(path));
  data::FastTextBin bin;
  data::WordVectors table;
  int64_t dim = 0;
  if (model) {
    data::FastTextReadOptions options;
    options.old_format = read.format == data::VectorFormat::kFastTextOld;
    bin = data::read_fasttext_bin(path, options);
    std::fprintf(stderr, "%s: %s\n", path.c_str(), data::fasttext_summary(bin).c_str());
    dim = bin.dim();
  } else {
    table = load_vectors(path, read).vectors;
    dim = table.dim;
  }
  std::vector<float> v(static_cast<size_t>(dim));
  std::string word, line;
  int64_t words = 0, missing = 0;
  char number[40];
  while (std::cin >> word) {
    ++words;
    if (model) {
      bin.word_vector(word, v.data());
    } else if (const int64_t row = table.find(word); row >= 0) {
      std::copy(table.row(row), table.row(row) + dim, v.begin());
    } else {
      ++missing;
      EMBER_CHECK(unknown != "fail", "'", word, "' is not in ", path,
                  " (a vector file has vectors for its own words only)");
      if (unknown == "skip") continue;
      std::fill(v.begin(), v.end(), 0.0f);
    }
    line = word;
    line += ' ';
    for (float x : v) {
      std::snprintf(number, sizeof number, "%.*g ", precision, double(x));
      line += number;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  if (missing)
    std::fprintf(stderr, "ember print-vectors: %lld of %lld words not in %s: %s\n",
                 static_cast<long long>(missing), static_cast<long long>(words), path.c_str(),
                 unknown == "skip" ? "left out" : "printed as zero vectors");
  return 0;
}

}  // namespace ember::cli
