// `ember info`: what a vector file holds — format, size, dimension, duplicates, norms — and
// how fast it loaded.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "vector_args.h"

namespace ember::cli {

int info(int argc, char** argv) {
  CLI::App app(
      "Reads a vector file and prints its format, number of words, dimension, duplicate\n"
      "words, the spread of the vector norms, the first K words, and the time the load took.",
      "ember info");
  configure(app);
  data::VectorReadOptions read;
  std::string path;
  int64_t show = 10;
  app.add_option("VECTORS", path, "the vector file")->required();
  app.add_option("--words", show, "how many of the first words to list")
      ->check(at_least<int64_t>(0));
  add_read_options(app, read);
  parse_command_line(app, argc, argv);
  Loaded loaded = load_vectors(path, read, /*quiet=*/true);
  const data::WordVectors& v = loaded.vectors;
  const data::VectorFileInfo& fi = loaded.info;

  std::vector<double> norms(size_t(v.size()));
  int64_t zero = 0, non_finite = 0;
  for (int64_t i = 0; i < v.size(); ++i) {
    double sum = 0;
    for (int64_t j = 0; j < v.dim; ++j) sum += double(v.row(i)[j]) * double(v.row(i)[j]);
    norms[size_t(i)] = std::sqrt(sum);
    zero += sum == 0;
    non_finite += !std::isfinite(sum);
  }
  std::vector<double> sorted = norms;
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double q) {
    return sorted.empty() ? 0.0 : sorted[size_t(q * double(sorted.size() - 1))];
  };
  double mean = 0;
  for (double n : norms) mean += n / double(std::max<int64_t>(v.size(), 1));

  std::printf("file:        %s\n", path.c_str());
  std::printf("format:      %s\n", data::vector_format_name(fi.format));
  if (!fi.model_summary.empty())
    std::printf(
        "model:       %s\n"
        "             (the words' vectors below are built from their n-gram rows as\n"
        "             fastText's; `ember print-vectors` gives any word's)\n",
        fi.model_summary.c_str());
  std::printf("size:        %.1f MB\n", double(fi.file_bytes) / 1e6);
  std::printf("words:       %lld in the file", static_cast<long long>(fi.rows_in_file));
  if (fi.rows_read != fi.rows_in_file)
    std::printf(", %lld read", static_cast<long long>(fi.rows_read));
  std::printf(", %lld kept\n", static_cast<long long>(v.size()));
  std::printf("dimension:   %lld\n", static_cast<long long>(v.dim));
  std::printf("duplicates:  %lld", static_cast<long long>(fi.duplicates));
  if (fi.duplicates)
    std::printf(" (first: '%s'; first occurrence kept)", fi.first_duplicate.c_str());
  std::printf("\nnorms:       min %.4g, median %.4g, mean %.4g, max %.4g; %lld zero rows",
              quantile(0), quantile(0.5), mean, quantile(1), static_cast<long long>(zero));
  if (non_finite) std::printf(", %lld rows with inf/nan", static_cast<long long>(non_finite));
  std::printf("\nfirst words:");
  for (int64_t i = 0; i < std::min(show, v.size()); ++i)
    std::printf(" %s", v.words[size_t(i)].c_str());
  std::printf("\nloaded in:   %.3f s (%.0f MB/s)\n", loaded.seconds,
              double(fi.file_bytes) / 1e6 / std::max(loaded.seconds, 1e-9));
  return 0;
}

}  // namespace ember::cli
