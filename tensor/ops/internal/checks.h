// Argument checks the ops share; each names the op so the message says who complained.
#pragma once

#include <cstdint>

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

// The first of n ids outside [0, size), or -1 when all are in it: one branch-free pass (it
// vectorises), then a search only when some id is out. For the index ops' and the lookups' checks,
// which run on every call.
template <typename I>
int64_t first_out_of_range(const I* ids, int64_t n, int64_t size) {
  bool bad = false;
  for (int64_t p = 0; p < n; ++p) bad |= uint64_t(int64_t(ids[p])) >= uint64_t(size);
  if (!bad) return -1;
  for (int64_t p = 0; p < n; ++p)
    if (uint64_t(int64_t(ids[p])) >= uint64_t(size)) return p;
  return -1;
}

}  // namespace ember::ops
