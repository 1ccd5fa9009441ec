// The tables of the fused trainers: [rows, dim] float rows padded for SIMD loops.
#pragma once

#include <cstdint>

#include <ember/tensor/tensor.h>

namespace ember::models {

// A [rows, dim] float table with rows padded to a multiple of 16 floats, 64-byte aligned.
// Move-only: two tables never share rows (view() is the one way to alias them).
class RowTable {
 public:
  static constexpr int64_t kMaxDim = int64_t(1) << 20;

  RowTable() = default;
  // rows >= 0, dim in 1..kMaxDim, and rows x stride floats addressable; zeros.
  RowTable(int64_t rows, int64_t dim);
  RowTable(RowTable&&) = default;
  RowTable& operator=(RowTable&&) = default;
  RowTable(const RowTable&) = delete;
  RowTable& operator=(const RowTable&) = delete;
  int64_t rows() const { return rows_; }
  int64_t dim() const { return dim_; }
  int64_t stride() const { return stride_; }
  float* row(int64_t r) { return data() + r * stride_; }
  const float* row(int64_t r) const { return data() + r * stride_; }
  float* data() const { return static_cast<float*>(memory_.raw_data()); }

  // Uniform in [-1/dim, 1/dim) (gensim 4, fastText), row r from Philox(seed, r) so the
  // values do not depend on threads.
  void init_uniform(uint64_t seed);
  void fill_zero();
  Tensor to_tensor() const;         // [rows, dim] float32, a copy
  void copy_from(const Tensor& t);  // t: [rows, dim] float32
  // [rows, dim] float32 over the table's own memory (strides [stride, 1]): no copy, for
  // writing a table of millions of rows out (nn::save_safetensors writes it row by row). It
  // sees the table's later updates.
  Tensor view() const;

 private:
  int64_t rows_ = 0, dim_ = 0, stride_ = 0;
  Tensor memory_;  // [max(rows, 1), stride] float32
};

}  // namespace ember::models
