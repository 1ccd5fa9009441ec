// Vector files (data/vectors.h): detect_vector_format, then read_vectors as detected and as
// each format told, with and without non-finite values allowed and with a row limit. A
// malformed file must be an ember::Error; what loads must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <ember/data/vectors.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

namespace {

void read(const std::string& path, data::VectorFormat format, int64_t limit, bool non_finite) {
  data::VectorReadOptions options;
  options.format = format;
  options.limit = limit;
  options.allow_non_finite = non_finite;
  data::VectorFileInfo info;
  try {
    const data::WordVectors v = data::read_vectors(path, options, &info);
    if (v.dim < 0 || v.values.size() != v.words.size() * size_t(v.dim) ||
        v.index.size() != v.words.size() || info.rows_read < v.size() ||
        (limit > 0 && v.size() > limit))
      std::abort();
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("vectors", data, size);
  try {
    (void)data::detect_vector_format(path);
  } catch (const Error&) {
  }
  read(path, data::VectorFormat::kAuto, 0, false);
  read(path, data::VectorFormat::kAuto, 2, true);
  for (data::VectorFormat format :
       {data::VectorFormat::kWord2VecText, data::VectorFormat::kWord2VecBinary,
        data::VectorFormat::kGloVe, data::VectorFormat::kVec})
    read(path, format, 0, size % 2 == 1);
  return 0;
}
