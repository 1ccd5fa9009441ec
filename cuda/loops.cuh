// The elementwise loop every CUDA map kernel is built on, the twin of tensor/ops/internal/loops.h.
//   out[i] = f(in_0[i], in_1[i], ...)   out has `sizes`; each input broadcasts to it.
// Two kernels: a vectorised one when every operand is one contiguous run (an input may
// also be a single broadcast value, e.g. x * 2), reading and writing kVec elements per
// load/store, and a strided one that turns the linear index into offsets per operand.
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include <ember/cuda/check.cuh>
#include <ember/tensor/ops/internal/loops.h>

namespace ember::cuda {

constexpr int kMaxDims = 12;
constexpr int kVec = 4;  // elements per vector load: a float4 for float32

// The iteration shape and the strides of N operands (operand 0 is the output).
template <int N>
struct Geometry {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];
  int64_t offsets[N];

  __device__ __forceinline__ void locate(int64_t i, int64_t* at) const {
    for (int k = 0; k < N; ++k) at[k] = offsets[k];
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t c = i % sizes[d];
      i /= sizes[d];
      for (int k = 0; k < N; ++k) at[k] += c * strides[k][d];
    }
  }
};

// A vector of kVec elements, aligned so that one load moves it.
template <typename T>
struct alignas(sizeof(T) * kVec) Pack {
  T v[kVec];
};

template <typename T>
struct Operand {
  const T* data;  // element 0 of the run
  bool single;    // one value broadcast over the run
};

template <typename R, typename F, typename... In, size_t... I>
__device__ __forceinline__ void apply_strided(R* out, const int64_t* at, F& f,
                                              std::index_sequence<I...>, const In*... in) {
  out[at[0]] = f(in[at[I + 1]]...);
}

// Grid-stride over the n elements; operand k is its base pointer plus the geometry's offset.
template <typename R, typename F, typename... In>
__global__ void map_strided_kernel(int64_t n, Geometry<1 + sizeof...(In)> g, F f, R* out,
                                   const In*... in) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t at[1 + sizeof...(In)];
    g.locate(i, at);
    apply_strided(out, at, f, std::index_sequence_for<In...>{}, in...);
  }
}

template <typename T>
__device__ __forceinline__ Pack<T> load_pack(const Operand<T>& x, int64_t p) {
  if (!x.single) return reinterpret_cast<const Pack<T>*>(x.data)[p];
  Pack<T> pack;
  const T v = *x.data;
#pragma unroll
  for (int j = 0; j < kVec; ++j) pack.v[j] = v;
  return pack;
}

template <typename T>
__device__ __forceinline__ T load_one(const Operand<T>& x, int64_t i) {
  return x.single ? *x.data : x.data[i];
}

template <typename R, typename F, typename... In>
__device__ __forceinline__ Pack<R> apply_pack(F& f, const Pack<In>&... in) {
  Pack<R> result;
#pragma unroll
  for (int j = 0; j < kVec; ++j) result.v[j] = f(in.v[j]...);
  return result;
}

// Pack p covers elements [p * kVec, p * kVec + kVec); the n % kVec tail goes one by one.
template <typename R, typename F, typename... In>
__global__ void map_contiguous_kernel(int64_t n, F f, R* out, Operand<In>... in) {
  const int64_t packs = n / kVec;
  const int64_t first = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t p = first; p < packs; p += step)
    reinterpret_cast<Pack<R>*>(out)[p] = apply_pack<R>(f, load_pack(in, p)...);
  for (int64_t i = packs * kVec + first; i < n; i += step) out[i] = f(load_one(in, i)...);
}

namespace detail {

template <typename T>
bool aligned_for_pack(const T* p) {
  return reinterpret_cast<uintptr_t>(p) % alignof(Pack<T>) == 0;
}

template <typename T>
const T* base_of(const Tensor& t) {
  return static_cast<const T*>(t.storage().data());
}

// One contiguous run of n elements: out and every non-single input step 1 over it.
template <typename R, typename... In, typename F, size_t... I>
void launch_contiguous(int64_t n, F f, R* out, const std::array<Tensor, sizeof...(In)>& inputs,
                       const std::array<bool, sizeof...(In)>& single, std::index_sequence<I...>) {
  constexpr int N = 1 + sizeof...(In);
  bool aligned = aligned_for_pack(out);
  ((aligned =
        aligned && (single[I] || aligned_for_pack(base_of<In>(inputs[I]) + inputs[I].offset()))),
   ...);
  if (aligned) {
    map_contiguous_kernel<R, F, In...>
        <<<blocks_for((n + kVec - 1) / kVec), kThreads, 0, current_stream()>>>(
            n, f, out, Operand<In>{base_of<In>(inputs[I]) + inputs[I].offset(), single[I]}...);
  } else {
    Geometry<N> g;
    g.ndim = 1;
    g.sizes[0] = n;
    g.strides[0][0] = 1;
    g.offsets[0] = 0;
    for (int k = 1; k < N; ++k) {
      g.strides[k][0] = single[k - 1] ? 0 : 1;
      g.offsets[k] = 0;
    }
    map_strided_kernel<R, F, In...><<<blocks_for(n), kThreads, 0, current_stream()>>>(
        n, g, f, out, (base_of<In>(inputs[I]) + inputs[I].offset())...);
  }
  EMBER_CUDA_CHECK_LAUNCH();
}

template <typename R, typename... In, typename F, size_t... I>
void launch_strided(int64_t n, const Geometry<1 + sizeof...(In)>& g, F f, R* out,
                    const std::array<Tensor, sizeof...(In)>& inputs, std::index_sequence<I...>) {
  map_strided_kernel<R, F, In...>
      <<<blocks_for(n), kThreads, 0, current_stream()>>>(n, g, f, out, base_of<In>(inputs[I])...);
  EMBER_CUDA_CHECK_LAUNCH();
}

}  // namespace detail

// out[i] = f(inputs[0][i], inputs[1][i], ...) over out's elements; input k holds C++ type
// In_k and broadcasts to out's sizes. out may be any strided view; an in-place update
// passes it as an input too (each element is read before it is written, by one thread).
template <typename R, typename... In, typename F>
void map_into(const Tensor& out, F f, const std::array<Tensor, sizeof...(In)>& inputs) {
  constexpr int N = 1 + sizeof...(In);
  const int64_t n = out.numel();
  if (n == 0) return;
  DeviceGuard guard(out.device().index);
  std::array<Shape, N> strides;
  strides[0] = out.strides();
  for (int k = 0; k + 1 < N; ++k) strides[k + 1] = ops::broadcast_strides(inputs[k], out.sizes());
  ops::StridedShape<N> s = ops::collapse_dims<N>(out.sizes(), strides);
  R* out_base = static_cast<R*>(out.storage().data());

  bool contiguous = s.sizes.size() == 1 && (s.strides[0][0] == 1 || n == 1);
  std::array<bool, N - 1> single{};
  for (int k = 1; k < N && contiguous; ++k) {
    single[k - 1] = s.strides[k][0] == 0 || n == 1;
    contiguous = single[k - 1] || s.strides[k][0] == 1;
  }
  if (contiguous)
    return detail::launch_contiguous<R, In...>(n, f, out_base + out.offset(), inputs, single,
                                               std::index_sequence_for<In...>{});

  EMBER_CHECK(int(s.sizes.size()) <= kMaxDims, "cuda: tensors with more than ", kMaxDims,
              " non-mergeable dims are not supported, got sizes ", out.sizes());
  Geometry<N> g;
  g.ndim = int(s.sizes.size());
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = s.sizes[d];
    for (int k = 0; k < N; ++k) g.strides[k][d] = s.strides[k][d];
  }
  g.offsets[0] = out.offset();
  for (int k = 0; k + 1 < N; ++k) g.offsets[k + 1] = inputs[k].offset();
  detail::launch_strided<R, In...>(n, g, f, out_base, inputs, std::index_sequence_for<In...>{});
}

// A fresh contiguous tensor of `sizes` and R's dtype on `device`, filled by map_into.
template <typename R, typename... In, typename F>
Tensor map(const Shape& sizes, Device device, F f,
           const std::array<Tensor, sizeof...(In)>& inputs) {
  Tensor out = empty(sizes, TensorOptions(dtype_of<R>).device(device));
  map_into<R, In...>(out, f, inputs);
  return out;
}

}  // namespace ember::cuda
