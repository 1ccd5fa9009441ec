// Matrix products: the strided CPU GEMM (tensor/ops/gemm.cpp) and the tensor ops on it.
#pragma once

#include <cstdint>

#include <ember/tensor/tensor.h>

namespace ember::ops {

// C = alpha * A * B + beta * C, with A [m,k], B [k,n], C [m,n] given by pointer and strides:
// element (i,j) of X is x[i * x_rs + j * x_cs], so a transposed operand is the same pointer
// with its strides swapped and stride 0 broadcasts. C is not read when beta == 0. Runs on up
// to `threads` threads (1 inside an already parallel loop). T is float or double.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs, int64_t a_cs,
          const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs,
          int threads);

// These take any strides (no copies) and return a new contiguous tensor; no autograd.
Tensor mm(const Tensor& a, const Tensor& b);   // a is [M,K], b is [K,N]; out is [M,N]
Tensor bmm(const Tensor& a, const Tensor& b);  // a is [B,M,K], b is [B,K,N]; out is [B,M,N]

}  // namespace ember::ops
