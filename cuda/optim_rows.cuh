// What the row-sparse optimizer kernels share: a table's storage type S (float32, float64,
// or float16 for half tables) with its arithmetic type C (float for half), and the loop
// over the elements of a RowSparse gradient's rows.
#pragma once

#include <cuda_fp16.h>

#include <ember/cuda/check.cuh>

namespace ember::cuda {

template <typename C, typename S>
__device__ __forceinline__ C from(S v) {
  if constexpr (std::is_same_v<S, Half>) {
    return C(__half2float(__ushort_as_half(v.bits)));
  } else {
    return C(v);
  }
}

template <typename S, typename C>
__device__ __forceinline__ S to(C v) {
  if constexpr (std::is_same_v<S, Half>) {
    Half h;
    h.bits = __half_as_ushort(__float2half_rn(float(v)));
    return h;
  } else {
    return S(v);
  }
}

// Calls f(S{}, C{}): float32 -> (float, float), float64 -> (double, double), float16 ->
// (Half, float).
template <typename F>
void dispatch_table(DType dtype, const char* op, F&& f) {
  switch (dtype) {
    case kFloat32:
      return f(float{}, float{});
    case kFloat64:
      return f(double{}, double{});
    case kFloat16:
      return f(Half{}, float{});
    default:
      break;
  }
  EMBER_FAIL(op, ": expected a float32, float64 or float16 table, got ", dtype);
}

// ids [K] (unique), rows [K, D] of S: op(ids[k] * D + j, rows[k, j] as C) for each element,
// one thread each; unique ids mean no two threads touch one element.
template <typename S, typename C, typename Op>
__global__ void rows_kernel(const int64_t* ids, const S* rows, int64_t k_rows, int64_t d, Op op) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < k_rows * d;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = at / d;
    op(ids[k] * d + (at - k * d), from<C>(rows[at]));
  }
}

template <typename S, typename C, typename Op>
void for_each_row_element(const Tensor& ids, const Tensor& rows, int64_t d, Op op) {
  const int64_t k_rows = ids.numel();
  if (k_rows * d == 0) return;
  rows_kernel<S, C><<<blocks_for(k_rows * d), kThreads, 0, current_stream()>>>(
      ids.device_data<int64_t>(), rows.device_data<S>(), k_rows, d, op);
  EMBER_CUDA_CHECK_LAUNCH();
}

// D of a [V, D...] table: the product of the dims after the first.
inline int64_t row_size(const Tensor& table) {
  return table.dim() == 0 || table.size(0) == 0 ? 0 : table.numel() / table.size(0);
}

}  // namespace ember::cuda
