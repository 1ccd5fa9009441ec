// mm and bmm on cuBLAS (cublas[SD]gemm, cublas[SD]gemmStridedBatched). cuBLAS is column-major,
// so the row-major out [M,N] is computed as out^T = b^T a^T: a row-major [R,C] matrix with
// row stride ld is, to cuBLAS, its transpose with leading dimension ld (no transpose op), and
// a column-major one (row stride 1, column stride ld) needs the transpose op.
#include <algorithm>
#include <climits>

#include <ember/cuda/blas.cuh>
#include <ember/cuda/internal/matmul.h>
#include <ember/tensor/ops/copy.h>

namespace ember::cuda {

namespace {

// One operand of [rows, cols] (the last two dims of t) as cuBLAS sees it in out^T = b^T a^T.
struct Operand {
  Tensor t;  // t itself, or a contiguous copy
  cublasOperation_t op;
  int64_t ld;
};

Operand operand(const Tensor& t) {
  const int64_t nd = t.dim();
  const int64_t rows = t.size(nd - 2), cols = t.size(nd - 1);
  // A size-1 dim's stride is never used: give it the value that makes the layout valid.
  int64_t rs = rows == 1 ? std::max<int64_t>(cols, 1) : t.stride(nd - 2);
  int64_t cs = cols == 1 ? std::max<int64_t>(rows, 1) : t.stride(nd - 1);
  if (cs == 1 && rs >= std::max<int64_t>(cols, 1)) return {t, CUBLAS_OP_N, rs};
  if (rs == 1 && cs >= std::max<int64_t>(rows, 1)) return {t, CUBLAS_OP_T, cs};
  Tensor copy = ops::clone(t);
  return {copy, CUBLAS_OP_N, std::max<int64_t>(cols, 1)};
}

int as_int(int64_t v, const char* op) {
  EMBER_CHECK(v <= INT_MAX, op, ": size ", v, " is too large for cuBLAS (int)");
  return int(v);
}

void gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
          const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  const float one = 1, zero = 0;
  EMBER_CUBLAS_CHECK(cublasSgemm(h, ta, tb, m, n, k, &one, a, lda, b, ldb, &zero, c, ldc));
}
void gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
          const double* a, int lda, const double* b, int ldb, double* c, int ldc) {
  const double one = 1, zero = 0;
  EMBER_CUBLAS_CHECK(cublasDgemm(h, ta, tb, m, n, k, &one, a, lda, b, ldb, &zero, c, ldc));
}
void gemm_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                  const float* a, int lda, int64_t sa, const float* b, int ldb, int64_t sb,
                  float* c, int ldc, int64_t sc, int batch) {
  const float one = 1, zero = 0;
  EMBER_CUBLAS_CHECK(cublasSgemmStridedBatched(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb,
                                               &zero, c, ldc, sc, batch));
}
void gemm_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                  const double* a, int lda, int64_t sa, const double* b, int ldb, int64_t sb,
                  double* c, int ldc, int64_t sc, int batch) {
  const double one = 1, zero = 0;
  EMBER_CUBLAS_CHECK(cublasDgemmStridedBatched(h, ta, tb, m, n, k, &one, a, lda, sa, b, ldb, sb,
                                               &zero, c, ldc, sc, batch));
}

}  // namespace

// a [M,K], b [K,N]; out [M,N] = out^T [N,M] column-major = b^T a^T.
Tensor mm(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = empty({m, n}, TensorOptions(a.dtype()).device(a.device()));
  if (out.numel() == 0) return out;
  if (k == 0) {
    ops::fill_(out, 0.0);
    return out;
  }
  DeviceGuard guard(a.device().index);
  const Operand oa = operand(a), ob = operand(b);
  dispatch_floating(a.dtype(), "mm", [&](auto tag) {
    using T = decltype(tag);
    gemm(blas_handle(), ob.op, oa.op, as_int(n, "mm"), as_int(m, "mm"), as_int(k, "mm"),
         ob.t.device_data<T>(), as_int(ob.ld, "mm"), oa.t.device_data<T>(), as_int(oa.ld, "mm"),
         out.device_data<T>(), as_int(n, "mm"));
  });
  return out;
}

// a [B,M,K], b [B,K,N]; out [B,M,N], item i as in mm; a batch stride may be 0 (broadcast).
Tensor bmm(const Tensor& a, const Tensor& b) {
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  Tensor out = empty({batch, m, n}, TensorOptions(a.dtype()).device(a.device()));
  if (out.numel() == 0) return out;
  if (k == 0) {
    ops::fill_(out, 0.0);
    return out;
  }
  DeviceGuard guard(a.device().index);
  const Operand oa = operand(a), ob = operand(b);
  const int64_t sa = batch == 1 ? 0 : oa.t.stride(0), sb = batch == 1 ? 0 : ob.t.stride(0);
  dispatch_floating(a.dtype(), "bmm", [&](auto tag) {
    using T = decltype(tag);
    gemm_batched(blas_handle(), ob.op, oa.op, as_int(n, "bmm"), as_int(m, "bmm"), as_int(k, "bmm"),
                 ob.t.device_data<T>(), as_int(ob.ld, "bmm"), sb, oa.t.device_data<T>(),
                 as_int(oa.ld, "bmm"), sa, out.device_data<T>(), as_int(n, "bmm"), m * n,
                 as_int(batch, "bmm"));
  });
  return out;
}

}  // namespace ember::cuda
