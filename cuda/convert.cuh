// Element conversion inside kernels. ember::Half is 16 bits of IEEE half, the same bits as
// CUDA's __half, so device code reinterprets it.
#pragma once

#include <cuda_fp16.h>

#include <type_traits>

#include <ember/tensor/half.h>

namespace ember::cuda {

// v as a To, the way tensor/internal/convert.h's convert does it on the host: the same type
// as is, Half through float, bool as v != 0, else static_cast (int64 to int32 wraps, and no
// value goes through double).
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<From, Half>) {
    return convert<To>(__half2float(__ushort_as_half(v.bits)));
  } else if constexpr (std::is_same_v<To, Half>) {
    Half h;
    h.bits = __half_as_ushort(__float2half_rn(static_cast<float>(v)));
    return h;
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace ember::cuda
