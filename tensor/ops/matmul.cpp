// mm and bmm: argument checks, then gemm on the operands' own strides (no copies).
#include <algorithm>

#include <ember/config.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/matmul.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/matmul.h>
#endif

namespace ember::ops {

static void check_operands(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  check_strided(a, op);
  check_strided(b, op);
  check_same_dtype(a, b, op);
  check_same_device(a, b, op);
  if (a.is_cuda()) dispatch_floating(a.dtype(), op, [](auto) {});  // as the CPU path raises
}

// a is [M,K], b is [K,N]; out is [M,N].
Tensor mm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "mm");
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got ", a.sizes(), " and ",
              b.sizes());
  EMBER_CHECK(a.size(1) == b.size(0), "mm: shapes ", a.sizes(), " and ", b.sizes(),
              " cannot be multiplied (", a.size(1), " != ", b.size(0), ")");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::mm(a, b);
#endif
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = empty({m, n}, a.dtype());
  dispatch_floating(a.dtype(), "mm", [&](auto tag) {
    using T = decltype(tag);
    gemm<T>(m, n, k, T(1), a.data<T>(), a.stride(0), a.stride(1), b.data<T>(), b.stride(0),
            b.stride(1), T(0), out.data<T>(), n, 1, get_num_threads());
  });
  return out;
}

// a is [B,M,K], b is [B,K,N]; out is [B,M,N]. Many small items run one per thread; a few
// large ones run one after another, each on all threads.
Tensor bmm(const Tensor& a, const Tensor& b) {
  check_operands(a, b, "bmm");
  EMBER_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got ", a.sizes(), " and ",
              b.sizes());
  EMBER_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ, ", a.sizes(), " and ", b.sizes());
  EMBER_CHECK(a.size(2) == b.size(1), "bmm: shapes ", a.sizes(), " and ", b.sizes(),
              " cannot be multiplied (", a.size(2), " != ", b.size(1), ")");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::bmm(a, b);
#endif
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  Tensor out = empty({batch, m, n}, a.dtype());
  if (out.numel() == 0) return out;
  dispatch_floating(a.dtype(), "bmm", [&](auto tag) {
    using T = decltype(tag);
    const T* a_data = a.data<T>();
    const T* b_data = b.data<T>();
    T* out_data = out.data<T>();
    // The strides read once: a [1024, 5, 100] x [1024, 100, 1] bmm is a thousand tiny gemms.
    const int64_t as0 = a.stride(0), as1 = a.stride(1), as2 = a.stride(2);
    const int64_t bs0 = b.stride(0), bs1 = b.stride(1), bs2 = b.stride(2);
    auto item = [&](int64_t i, int threads) {
      gemm<T>(m, n, k, T(1), a_data + i * as0, as1, as2, b_data + i * bs0, bs1, bs2, T(0),
              out_data + i * m * n, n, 1, threads);
    };
    const int threads = get_num_threads();
    const int64_t work = std::max<int64_t>(1, m * n * std::max<int64_t>(k, 1));
    if (batch >= 4 * threads || (batch >= threads && work < (int64_t(1) << 20))) {
      parallel_for(batch, std::max<int64_t>(1, (int64_t(1) << 15) / work),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t i = begin; i < end; ++i) item(i, 1);
                   });
    } else {
      for (int64_t i = 0; i < batch; ++i) item(i, threads);
    }
  });
  return out;
}

}  // namespace ember::ops
