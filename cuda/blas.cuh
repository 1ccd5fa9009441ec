// cuBLAS for the .cu files: one handle per device, created on first use and bound to
// ember's stream, and EMBER_CUBLAS_CHECK(call), which turns a failed status into an
// ember::Error naming the file, line, call and cuBLAS's message.
#pragma once

#include <cublas_v2.h>

#include <ember/cuda/check.cuh>

#define EMBER_CUBLAS_CHECK(call) \
  ::ember::cuda::check_cublas(static_cast<int>(call), #call, __FILE__, __LINE__)

namespace ember::cuda {

void check_cublas(int status, const char* call, const char* file, int line);
// The current device's handle, on current_stream().
cublasHandle_t blas_handle();

}  // namespace ember::cuda
