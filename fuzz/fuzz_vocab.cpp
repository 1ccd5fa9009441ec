// Vocabulary files (data/vocab.h Vocabulary::load): a malformed file must be an ember::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <ember/data/vocab.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("words.vocab", data, size);
  try {
    const data::Vocabulary vocab = data::Vocabulary::load(path);
    for (int64_t id = 0; id < vocab.size(); ++id)
      if (vocab.find(vocab.word(id)) != id) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
