#include <ember/tensor/generator.h>

namespace ember {

uint32_t Generator::next_u32() {
  if (buffered_ == 0) {
    buffer_ = philox4x32(reserve(1), 0, seed_);
    buffered_ = 4;
  }
  return buffer_[4 - buffered_--];
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace ember
