// fastText .bin models (data/fasttext_bin.h): read_fasttext_bin in the current format and
// the one before the magic number. A malformed file must be an ember::Error; a model that
// loads must be consistent, give a vector for a word in and out of its dictionary, and
// write out to a file that reads back to the same dictionary and matrices.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ember/data/fasttext_bin.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

namespace {

void read(const std::string& path, bool old_format) {
  data::FastTextReadOptions options;
  options.old_format = old_format;
  data::FastTextBin model;
  try {
    model = data::read_fasttext_bin(path, options);
  } catch (const Error&) {
    return;
  }
  const size_t dim = size_t(model.dim());
  if (model.words.size() != model.counts.size() || model.words.size() != model.types.size() ||
      model.input.size() != size_t(model.input_rows) * dim ||
      model.output.size() != size_t(model.output_rows) * dim)
    std::abort();
  std::vector<float> v = model.word_vector(model.words.empty() ? "" : model.words[0]);
  if (v.size() != dim) std::abort();
  v = model.word_vector("zqxjkv");
  if (v.size() != dim) std::abort();
  const std::string copy = fuzz::scratch_path("fasttext_bin_copy");
  data::write_fasttext_bin(copy, model);
  const data::FastTextBin back = data::read_fasttext_bin(copy);
  // Compared as bytes: a nan read from the file is written back as the same bits.
  const auto same = [](const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  };
  if (back.words != model.words || back.counts != model.counts || !same(back.input, model.input) ||
      !same(back.output, model.output))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("fasttext_bin", data, size);
  read(path, false);
  read(path, true);
  return 0;
}
