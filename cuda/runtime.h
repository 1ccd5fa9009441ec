// The CUDA runtime layer: error checks on every call, device guard, streams, and the copy /
// fill / axpy kernels the tensor core needs. Host-callable; included by tensor/ only in a
// CUDA build (EMBER_WITH_CUDA).
#pragma once

#include <cstddef>

#include <ember/tensor/tensor.h>

namespace ember::cuda {

// Raises ember::Error naming the file, line, call and CUDA's message when `status` is not
// success. Used through EMBER_CUDA_CHECK(call) in .cu files.
void check_status(int status, const char* call, const char* file, int line);

int device_count();
int current_device();
void set_device(int index);
void synchronize();
// The current device's stream of ember's own (a cudaStream_t), for libraries that queue work
// beside ember's kernels (NCCL's collectives, dist/).
void* current_stream_handle();

// Makes `index` the current device for its scope and restores the previous one after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int index);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;
};

// Copies between any two of host and CUDA devices (contiguous bytes). Host-to-device copies
// of large buffers go through a pinned staging buffer.
void memcpy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);

// The kernels behind ops::copy_, fill_, add_, mul_ for tensors on a GPU.
void copy_strided(const Tensor& dst, const Tensor& src);  // same device; src broadcasts
void fill(const Tensor& t, double value);
void axpy(const Tensor& dst, const Tensor& src, double alpha);  // dst += alpha * src
void scale(const Tensor& dst, double value);                    // dst *= value

}  // namespace ember::cuda
