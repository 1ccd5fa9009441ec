// The CUDA twins of tensor/ops/matmul.cpp through cuBLAS, operands already checked there
// (same dtype and device, float32 or float64, compatible shapes). Any strides: an operand
// whose rows or columns are contiguous goes to cuBLAS as it is (transposed or not), others
// are copied contiguous first. Each returns a fresh contiguous tensor.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::cuda {

Tensor mm(const Tensor& a, const Tensor& b);   // a [M,K], b [K,N] -> [M,N]
Tensor bmm(const Tensor& a, const Tensor& b);  // a [B,M,K], b [B,K,N] -> [B,M,N]

}  // namespace ember::cuda
