#include <ember/models/row_table.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::models {

RowTable::RowTable(int64_t rows, int64_t dim) : rows_(rows), dim_(dim) {
  EMBER_CHECK(rows >= 0 && dim > 0 && dim <= kMaxDim, "RowTable: bad shape [", rows, ", ", dim,
              "] (dim must be in 1..", kMaxDim, ")");
  stride_ = (dim + 15) / 16 * 16;
  EMBER_CHECK(rows <= std::numeric_limits<int64_t>::max() / 4 / stride_, "RowTable: ", rows,
              " rows of ", dim, " floats are more bytes than can be addressed");
  memory_ = empty({std::max<int64_t>(rows, 1), stride_}, DType::kFloat32);  // 64-byte aligned
  fill_zero();
}

void RowTable::fill_zero() { std::memset(data(), 0, size_t(rows_ * stride_) * sizeof(float)); }

Tensor RowTable::view() const { return memory_.as_strided({rows_, dim_}, {stride_, 1}, 0); }

void RowTable::init_uniform(uint64_t seed) {
  fill_zero();
  const float scale = 2.0f / float(dim_);
  for (int64_t r = 0; r < rows_; ++r) {
    float* v = row(r);
    for (int64_t j = 0; j < dim_; j += 4) {
      auto words = philox4x32(uint64_t(r) * uint64_t(stride_ / 4) + uint64_t(j / 4), 0, seed);
      for (int64_t k = 0; k < 4 && j + k < dim_; ++k)
        v[j + k] = (float(words[k] >> 8) * 0x1.0p-24f - 0.5f) * scale;
    }
  }
}

Tensor RowTable::to_tensor() const {
  Tensor t = empty({rows_, dim_}, DType::kFloat32);
  float* out = t.data<float>();
  for (int64_t r = 0; r < rows_; ++r) std::memcpy(out + r * dim_, row(r), size_t(dim_) * 4);
  return t;
}

void RowTable::copy_from(const Tensor& t) {
  EMBER_CHECK(
      t.dim() == 2 && t.size(0) == rows_ && t.size(1) == dim_ && t.dtype() == DType::kFloat32,
      "RowTable::copy_from: expected a float32 tensor of shape [", rows_, ", ", dim_, "], got ",
      t.dtype(), " ", t.sizes());
  Tensor c = t.contiguous().cpu();
  const float* in = c.data<float>();
  for (int64_t r = 0; r < rows_; ++r) std::memcpy(row(r), in + r * dim_, size_t(dim_) * 4);
}

}  // namespace ember::models
