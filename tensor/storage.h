// Storage: a shared, reference-counted block of memory on one device. Many tensors (views)
// may share one Storage; it is freed when the last of them goes.
#pragma once

#include <cstddef>
#include <memory>

#include <ember/tensor/device.h>

namespace ember {

class Storage {
 public:
  Storage() = default;

  // Fresh, uninitialised memory: 64-byte aligned on the host, from the caching allocator on
  // a CUDA device.
  static Storage allocate(size_t nbytes, Device device);

  bool defined() const { return impl_ != nullptr; }
  void* data() const { return impl_ ? impl_->data : nullptr; }
  size_t nbytes() const { return impl_ ? impl_->nbytes : 0; }
  Device device() const { return impl_ ? impl_->device : Device(); }
  bool operator==(const Storage& o) const { return impl_ == o.impl_; }
  long use_count() const { return impl_.use_count(); }

 private:
  struct Impl {
    void* data = nullptr;
    size_t nbytes = 0;
    size_t block_bytes = 0;  // host: the size of the block holding data (>= nbytes)
    Device device;
    ~Impl();
  };
  std::shared_ptr<Impl> impl_;
};

// Returns the host blocks kept for reuse (large freed tensors) to the system.
void release_host_cache();

}  // namespace ember
