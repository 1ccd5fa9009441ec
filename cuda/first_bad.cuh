// How a kernel reports a bad input (an id out of range, a probability outside [0, 1]) so
// that the host raises an ember::Error instead of the GPU failing: threads that see one
// atomicMin its position into a device word, and the host reads the word back after the
// kernel and builds the CPU's message from that position.
#pragma once

#include <cstring>

#include <ember/cuda/check.cuh>

namespace ember::cuda {

class FirstBad {
 public:
  static constexpr unsigned long long kNone = ~0ull;

  // The word starts as kNone (all bits set), set on the stream: no copy from the host.
  explicit FirstBad(Device device) : word_(Storage::allocate(2 * sizeof(kNone), device)) {
    EMBER_CUDA_CHECK(cudaMemsetAsync(word_.data(), 0xff, sizeof kNone, current_stream()));
  }
  // Where kernels record: atomicMin(data(), position).
  unsigned long long* data() const { return static_cast<unsigned long long*>(word_.data()); }
  // The first bad position, or -1; waits for the stream.
  int64_t read() const { return read_with(nullptr, nullptr); }
  // The same, and in the same wait a double the caller needs on the host too (`value`, on
  // the device, copied beside the word on the stream first): one round trip, not two.
  int64_t read_with(const double* value, double* value_on_host) const {
    unsigned long long words[2] = {kNone, 0};
    const size_t bytes = value ? sizeof words : sizeof words[0];
    if (value)
      EMBER_CUDA_CHECK(cudaMemcpyAsync(data() + 1, value, sizeof(double), cudaMemcpyDeviceToDevice,
                                       current_stream()));
    EMBER_CUDA_CHECK(
        cudaMemcpyAsync(words, word_.data(), bytes, cudaMemcpyDeviceToHost, current_stream()));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    if (value) std::memcpy(value_on_host, &words[1], sizeof(double));
    return words[0] == kNone ? -1 : int64_t(words[0]);
  }

 private:
  Storage word_;
};

}  // namespace ember::cuda
