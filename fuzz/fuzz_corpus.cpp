// The corpus reader (data/corpus.h), plain and gzip: the input as a file (gzip when it starts
// with gzip's magic bytes), then the same bytes gzip-compressed, each read by sentences with
// a short line limit, by lines after a rewind, and from a seek to the middle.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <ember/data/corpus.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

namespace {

std::string gzip(const uint8_t* data, size_t size) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, uLong(size)) + 32, '\0');
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = uInt(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

void read(const std::string& path, size_t size) {
  try {
    data::CorpusReader reader(path, 16);
    std::vector<std::string_view> tokens;
    while (reader.next_sentence(tokens))
      for (std::string_view token : tokens)
        if (token.empty()) std::abort();
    reader.rewind();
    std::string_view line;
    while (reader.next_line(line)) {
    }
    if (!reader.is_gzip()) {
      reader.seek(int64_t(size / 2));
      while (reader.next_sentence(tokens)) {
      }
    }
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("corpus.txt", data, size);
  read(path, size);
  const std::string packed = gzip(data, size);
  read(fuzz::write_input("corpus.txt.gz", reinterpret_cast<const uint8_t*>(packed.data()),
                         packed.size()),
       size);
  return 0;
}
