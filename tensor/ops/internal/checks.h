// Argument checks the ops share; each names the op so the message says who complained.
#pragma once

#include <ember/tensor/tensor.h>

namespace ember::ops {

inline void check_defined(const Tensor& t, const char* op) {
  EMBER_CHECK(t.defined(), op, ": got an undefined tensor");
}

inline void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch, ", a.dtype(), " vs ", b.dtype(),
              " (convert one with .to(dtype))");
}

inline void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device(), op, ": tensors on different devices, ", a.device(), " vs ",
              b.device());
}

inline void check_strided(const Tensor& t, const char* op) {
  EMBER_CHECK(!t.is_row_sparse(), op, ": not defined for a row-sparse tensor; call .to_dense()");
}

// The CPU kernel's guard until an op's CUDA twin exists: a clear error, never a crash.
inline void check_cpu(const Tensor& t, const char* op) {
  EMBER_CHECK(t.device().is_cpu(), op, ": no CUDA kernel for this op yet; tensor is on ",
              t.device(), " (move it with .cpu())");
}

}  // namespace ember::ops
