// The CUDA twins of tensor/ops/copy.cpp (copy_, fill_) and tensor/ops/inplace.cpp (add_,
// mul_). Each thread handles elements i, i + stride, ... of the output and turns the linear
// index into a storage offset through the sizes and strides.
#include <ember/cuda/check.cuh>
#include <ember/cuda/convert.cuh>
#include <ember/tensor/ops/internal/loops.h>

namespace ember::cuda {

namespace {

constexpr int kMaxDims = 12;

// The iteration shape and two operands' strides (dst, src), passed to kernels by value.
struct Geometry {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[2][kMaxDims];
  int64_t offset[2];
};

Geometry make_geometry(const Tensor& dst, const Tensor* src) {
  ops::StridedShape<2> s = ops::collapse_dims<2>(
      dst.sizes(),
      {dst.strides(), src ? ops::broadcast_strides(*src, dst.sizes()) : dst.strides()});
  EMBER_CHECK(int(s.sizes.size()) <= kMaxDims, "cuda: tensors with more than ", kMaxDims,
              " non-contiguous dims are not supported, got sizes ", dst.sizes());
  Geometry g;
  g.ndim = int(s.sizes.size());
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = s.sizes[d];
    g.strides[0][d] = s.strides[0][d];
    g.strides[1][d] = s.strides[1][d];
  }
  g.offset[0] = dst.offset();
  g.offset[1] = src ? src->offset() : 0;
  return g;
}

__device__ __forceinline__ void offsets_of(const Geometry& g, int64_t i, int64_t& a, int64_t& b) {
  a = g.offset[0];
  b = g.offset[1];
  for (int d = g.ndim - 1; d >= 0; --d) {
    int64_t k = i % g.sizes[d];
    i /= g.sizes[d];
    a += k * g.strides[0][d];
    b += k * g.strides[1][d];
  }
}

template <typename D, typename S>
__global__ void copy_kernel(D* dst, const S* src, int64_t n, Geometry g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t a, b;
    offsets_of(g, i, a, b);
    dst[a] = convert<D>(src[b]);
  }
}

template <typename T>
__global__ void fill_kernel(T* dst, T value, int64_t n, Geometry g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t a, b;
    offsets_of(g, i, a, b);
    dst[a] = value;
  }
}

// dst = dst * scale + alpha * src  (scale 1 for axpy; src null for a pure scale)
template <typename T>
__global__ void axpby_kernel(T* dst, const T* src, T alpha, T scale, int64_t n, Geometry g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t a, b;
    offsets_of(g, i, a, b);
    dst[a] = src ? dst[a] * scale + alpha * src[b] : dst[a] * scale;
  }
}

}  // namespace

void copy_strided(const Tensor& dst, const Tensor& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard guard(dst.device().index);
  Geometry g = make_geometry(dst, &src);
  dispatch(dst.dtype(), "copy_", [&](auto dst_tag) {
    using D = decltype(dst_tag);
    dispatch(src.dtype(), "copy_", [&](auto src_tag) {
      using S = decltype(src_tag);
      copy_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
          static_cast<D*>(dst.storage().data()), static_cast<const S*>(src.storage().data()), n, g);
      EMBER_CUDA_CHECK_LAUNCH();
    });
  });
}

void fill(const Tensor& t, double value) {
  const int64_t n = t.numel();
  if (n == 0) return;
  DeviceGuard guard(t.device().index);
  Geometry g = make_geometry(t, nullptr);
  dispatch(t.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    T v;
    if constexpr (std::is_same_v<T, Half>) {
      v = Half(float(value));
    } else {
      v = static_cast<T>(value);
    }
    fill_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        static_cast<T*>(t.storage().data()), v, n, g);
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

void axpy(const Tensor& dst, const Tensor& src, double alpha) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard guard(dst.device().index);
  Geometry g = make_geometry(dst, &src);
  dispatch_numeric(dst.dtype(), "add_", [&](auto tag) {
    using T = decltype(tag);
    axpby_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        static_cast<T*>(dst.storage().data()), static_cast<const T*>(src.storage().data()),
        T(alpha), T(1), n, g);
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

void scale(const Tensor& dst, double value) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  DeviceGuard guard(dst.device().index);
  Geometry g = make_geometry(dst, nullptr);
  dispatch_numeric(dst.dtype(), "mul_", [&](auto tag) {
    using T = decltype(tag);
    axpby_kernel<<<blocks_for(n), kThreads, 0, current_stream()>>>(
        static_cast<T*>(dst.storage().data()), static_cast<const T*>(nullptr), T(0), T(value), n,
        g);
    EMBER_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace ember::cuda
