#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include <ember/cuda/blas.cuh>
#include <ember/cuda/check.cuh>
#include <ember/tensor/error.h>

namespace ember::cuda {

void check_status(int status, const char* call, const char* file, int line) {
  if (status == cudaSuccess) return;
  cudaError_t error = static_cast<cudaError_t>(status);
  EMBER_FAIL("CUDA error at ", file, ":", line, " in ", call, ": ", cudaGetErrorName(error), " (",
             cudaGetErrorString(error), ")");
}

void check_cublas(int status, const char* call, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  cublasStatus_t error = static_cast<cublasStatus_t>(status);
  EMBER_FAIL("cuBLAS error at ", file, ":", line, " in ", call, ": ", cublasGetStatusName(error),
             " (", cublasGetStatusString(error), ")");
}

cublasHandle_t blas_handle() {
  static std::mutex mutex;
  static std::vector<cublasHandle_t> handles(size_t(std::max(device_count(), 1)), nullptr);
  const int device = current_device();
  std::lock_guard<std::mutex> lock(mutex);
  cublasHandle_t& handle = handles.at(size_t(device));
  if (!handle) {
    EMBER_CUBLAS_CHECK(cublasCreate(&handle));
    EMBER_CUBLAS_CHECK(cublasSetStream(handle, current_stream()));
  }
  return handle;
}

// 0 where there is no GPU or no driver at all. A driver that is there but cannot serve this
// runtime (older than it, or broken) is an error, so that GPU tests fail instead of skipping.
int device_count() {
  static const int count = [] {
    int n = 0;
    const cudaError_t status = cudaGetDeviceCount(&n);
    if (status == cudaSuccess) return n;
    cudaGetLastError();  // clear it
    int driver = 0;
    if (status == cudaErrorNoDevice || cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0)
      return 0;
    EMBER_FAIL("cuda: the driver (CUDA ", driver / 1000, ".", driver % 1000 / 10,
               ") cannot run this ember (built with the CUDA ", CUDART_VERSION / 1000, ".",
               CUDART_VERSION % 1000 / 10, " runtime): ", cudaGetErrorName(status), " (",
               cudaGetErrorString(status), ")");
  }();
  return count;
}

int current_device() {
  int index = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&index));
  return index;
}

void set_device(int index) {
  EMBER_CHECK(index >= 0 && index < device_count(), "cuda: device ", index, " does not exist (",
              device_count(), " CUDA devices present)");
  EMBER_CUDA_CHECK(cudaSetDevice(index));
}

void* current_stream_handle() { return current_stream(); }

void synchronize() { EMBER_CUDA_CHECK(cudaStreamSynchronize(current_stream())); }

// One non-blocking stream of ember's own per device (the legacy default stream would
// synchronise with every other stream), created on the device's first use; the current
// device's is returned. cuBLAS handles are bound to it (blas_handle).
cudaStream_t current_stream() {
  constexpr int kMaxDevices = 64;
  static std::atomic<cudaStream_t> streams[kMaxDevices] = {};
  static std::mutex mutex;
  const int device = current_device();
  EMBER_CHECK(device < kMaxDevices, "cuda: device ", device, " past the ", kMaxDevices,
              " devices ember supports");
  cudaStream_t stream = streams[device].load(std::memory_order_acquire);
  if (stream) return stream;
  std::lock_guard<std::mutex> lock(mutex);
  stream = streams[device].load(std::memory_order_relaxed);
  if (!stream) {
    EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    streams[device].store(stream, std::memory_order_release);
  }
  return stream;
}

DeviceGuard::DeviceGuard(int index) : previous_(current_device()) {
  if (index != previous_) set_device(index);
}
DeviceGuard::~DeviceGuard() { cudaSetDevice(previous_); }

namespace {

constexpr size_t kStagingBytes = size_t(8) << 20;   // pinned buffer for large host copies
constexpr size_t kDirectBelow = size_t(256) << 10;  // smaller copies go straight through

// Copies host <-> device through a pinned buffer in chunks (pageable memory would be
// staged by the driver anyway, one page at a time).
void staged_copy(void* dst, const void* src, size_t nbytes, bool to_device) {
  static std::mutex mutex;
  static void* staging = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (!staging) EMBER_CUDA_CHECK(cudaMallocHost(&staging, kStagingBytes));
  cudaStream_t stream = current_stream();
  for (size_t done = 0; done < nbytes; done += kStagingBytes) {
    size_t n = std::min(kStagingBytes, nbytes - done);
    if (to_device) {
      std::memcpy(staging, static_cast<const char*>(src) + done, n);
      EMBER_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(dst) + done, staging, n,
                                       cudaMemcpyHostToDevice, stream));
      EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
    } else {
      EMBER_CUDA_CHECK(cudaMemcpyAsync(staging, static_cast<const char*>(src) + done, n,
                                       cudaMemcpyDeviceToHost, stream));
      EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
      std::memcpy(static_cast<char*>(dst) + done, staging, n);
    }
  }
}

}  // namespace

void memcpy(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
  if (nbytes == 0) return;
  cudaStream_t stream = current_stream();
  if (dst_device.is_cuda() && src_device.is_cuda()) {
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, stream));
    return;
  }
  const bool to_device = dst_device.is_cuda();
  if (nbytes >= kDirectBelow) {
    staged_copy(dst, src, nbytes, to_device);
    return;
  }
  EMBER_CUDA_CHECK(cudaMemcpyAsync(
      dst, src, nbytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, stream));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace ember::cuda
