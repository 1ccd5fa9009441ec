#include <ember/tensor/storage.h>

#include <cstdlib>

#include <ember/config.h>
#include <ember/tensor/error.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/allocator.h>
#endif

namespace ember {

Storage Storage::allocate(size_t nbytes, Device device) {
  Storage s;
  s.impl_ = std::make_shared<Impl>();
  s.impl_->nbytes = nbytes;
  s.impl_->device = device;
  if (device.is_cpu()) {
    size_t rounded = (nbytes + 63) / 64 * 64;
    s.impl_->data = std::aligned_alloc(64, rounded ? rounded : 64);
    EMBER_CHECK(s.impl_->data, "out of host memory allocating ", nbytes, " bytes");
  } else {
#if EMBER_WITH_CUDA
    s.impl_->data = cuda::allocate(nbytes, device.index);
#else
    EMBER_FAIL("cannot allocate on ", device, ": this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
  }
  return s;
}

Storage::Impl::~Impl() {
  if (!data) return;
  if (device.is_cpu()) {
    std::free(data);
  } else {
#if EMBER_WITH_CUDA
    cuda::release(data, device.index);
#endif
  }
}

}  // namespace ember
