#include <ember/config.h>
#include <ember/tensor/device.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#endif

namespace ember {

int cuda_device_count() {
#if EMBER_WITH_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

bool cuda_is_available() { return cuda_device_count() > 0; }

}  // namespace ember
