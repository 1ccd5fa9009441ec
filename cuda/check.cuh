// EMBER_CUDA_CHECK(call): every CUDA and cuBLAS call goes through it, so a failure becomes an
// ember::Error naming the file, line, call and CUDA's own message.
#pragma once

#include <cuda_runtime.h>

#include <ember/cuda/runtime.h>

#define EMBER_CUDA_CHECK(call) \
  ::ember::cuda::check_status(static_cast<int>(call), #call, __FILE__, __LINE__)

// Checks the launch of the kernel just queued (bad configuration, missing sm_90 image).
#define EMBER_CUDA_CHECK_LAUNCH() EMBER_CUDA_CHECK(cudaGetLastError())

namespace ember::cuda {

constexpr int kThreads = 256;

inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  int64_t blocks = (n + threads - 1) / threads;
  return unsigned(blocks < 65535 * 16 ? (blocks > 0 ? blocks : 1) : 65535 * 16);
}

cudaStream_t current_stream();

}  // namespace ember::cuda
