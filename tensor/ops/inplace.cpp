#include <ember/tensor/ops/inplace.h>

#include <ember/config.h>
#include <ember/tensor/internal/convert.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/loops.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#endif

namespace ember::ops {

void add_(const Tensor& dst, const Tensor& src, double alpha) {
  EMBER_CHECK(dst.dtype() == src.dtype(), "add_: dtype mismatch, ", dst.dtype(),
              " += ", src.dtype());
  EMBER_CHECK(dst.device() == src.device(), "add_: device mismatch, ", dst.device(),
              " += ", src.device());
  EMBER_CHECK(broadcast_shapes(src.sizes(), dst.sizes(), "add_") == dst.sizes(),
              "add_: ", src.sizes(), " does not broadcast to ", dst.sizes());
#if EMBER_WITH_CUDA
  if (dst.is_cuda()) {
    cuda::axpy(dst, src, alpha);
    return;
  }
#endif
  dispatch_numeric(dst.dtype(), "add_", [&](auto tag) {
    using T = decltype(tag);
    T* out = static_cast<T*>(dst.storage().data());
    const T* in = static_cast<const T*>(src.storage().data());
    const T a = T(alpha);
    for_each_row<2>(dst.sizes(), {dst.strides(), broadcast_strides(src, dst.sizes())},
                    {dst.offset(), src.offset()},
                    [&](std::array<int64_t, 2> at, int64_t n, std::array<int64_t, 2> step) {
                      T* o = out + at[0];
                      const T* x = in + at[1];
                      if (step[0] == 1 && step[1] == 1) {
                        for (int64_t i = 0; i < n; ++i) o[i] += a * x[i];
                      } else {
                        for (int64_t i = 0; i < n; ++i) o[i * step[0]] += a * x[i * step[1]];
                      }
                    });
  });
}

void mul_(const Tensor& dst, double value) {
#if EMBER_WITH_CUDA
  if (dst.is_cuda()) {
    cuda::scale(dst, value);
    return;
  }
#endif
  dispatch_numeric(dst.dtype(), "mul_", [&](auto tag) {
    using T = decltype(tag);
    T* out = static_cast<T*>(dst.storage().data());
    const T v = T(value);
    for_each_row<1>(dst.sizes(), {dst.strides()}, {dst.offset()},
                    [&](std::array<int64_t, 1> at, int64_t n, std::array<int64_t, 1> step) {
                      for (int64_t i = 0; i < n; ++i) out[at[0] + i * step[0]] *= v;
                    });
  });
}

}  // namespace ember::ops
