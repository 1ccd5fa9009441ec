// Element conversion inside kernels. ember::Half is 16 bits of IEEE half, the same bits as
// CUDA's __half, so device code reinterprets it.
#pragma once

#include <cuda_fp16.h>

#include <ember/tensor/half.h>

namespace ember::cuda {

template <typename T>
__device__ __forceinline__ double to_double(T v) {
  return static_cast<double>(v);
}
template <>
__device__ __forceinline__ double to_double<Half>(Half v) {
  return __half2float(__ushort_as_half(v.bits));
}

template <typename T>
__device__ __forceinline__ T from_double(double v) {
  return static_cast<T>(v);
}
template <>
__device__ __forceinline__ bool from_double<bool>(double v) {
  return v != 0.0;
}
template <>
__device__ __forceinline__ Half from_double<Half>(double v) {
  Half h;
  h.bits = __half_as_ushort(__float2half_rn(static_cast<float>(v)));
  return h;
}

}  // namespace ember::cuda
