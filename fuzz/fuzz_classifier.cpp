// Classifier models (models/classifier_trainer.h TrainedClassifier::load): PREFIX.vocab and
// PREFIX.safetensors with the model's metadata. The input is a 2-byte little-endian length
// n, n bytes of vocabulary file, then the safetensors file. A model that loads must predict.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <ember/models/classifier_trainer.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t vocab_bytes = std::min(size - 2, size_t(data[0]) | size_t(data[1]) << 8);
  fuzz::write_input("model.vocab", data + 2, vocab_bytes);
  fuzz::write_input("model.safetensors", data + 2 + vocab_bytes, size - 2 - vocab_bytes);
  const std::string prefix = fuzz::scratch_path("model");
  try {
    const models::TrainedClassifier model = models::TrainedClassifier::load(prefix);
    const std::vector<int64_t> labels =
        model.predict_labels({model.encode_line("a b c"), model.encode_line("")});
    for (int64_t label : labels)
      if (label < 0 || label >= int64_t(model.labels.size())) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
