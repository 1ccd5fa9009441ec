// Safetensors files and their metadata (nn/serialize.h load_safetensors), as checkpoints and
// classifier models are read. A malformed file must be an ember::Error; every tensor loaded
// must have the bytes its shape says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("model.safetensors", data, size);
  try {
    std::map<std::string, std::string> metadata;
    const std::map<std::string, Tensor> tensors = nn::load_safetensors(path, &metadata);
    for (const auto& [name, tensor] : tensors) {
      int64_t numel = 1;
      for (int64_t d : tensor.sizes()) numel *= d;
      if (numel != tensor.numel()) std::abort();
    }
  } catch (const Error&) {
  }
  return 0;
}
