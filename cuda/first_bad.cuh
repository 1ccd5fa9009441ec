// How a kernel reports a bad input (an id out of range, a probability outside [0, 1]) so
// that the host raises an ember::Error instead of the GPU failing: threads that see one
// atomicMin its position into a device word, and the host reads the word back after the
// kernel and builds the CPU's message from that position.
#pragma once

#include <ember/cuda/check.cuh>

namespace ember::cuda {

class FirstBad {
 public:
  static constexpr unsigned long long kNone = ~0ull;

  explicit FirstBad(Device device) : word_(Storage::allocate(sizeof(kNone), device)) {
    EMBER_CUDA_CHECK(cudaMemcpyAsync(word_.data(), &kNone, sizeof kNone, cudaMemcpyHostToDevice,
                                     current_stream()));
  }
  // Where kernels record: atomicMin(data(), position).
  unsigned long long* data() const { return static_cast<unsigned long long*>(word_.data()); }
  // The first bad position, or -1; waits for the stream.
  int64_t read() const {
    unsigned long long bad = kNone;
    EMBER_CUDA_CHECK(
        cudaMemcpyAsync(&bad, word_.data(), sizeof bad, cudaMemcpyDeviceToHost, current_stream()));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
    return bad == kNone ? -1 : int64_t(bad);
  }

 private:
  Storage word_;
};

}  // namespace ember::cuda
