// The CUDA twins of tensor/ops/embedding.cpp and embedding_bag.cpp, same signatures and the
// same results; ids arrive as contiguous int64 on the weight's device.
#pragma once

#include <optional>

#include <ember/tensor/ops/embedding.h>

namespace ember::cuda {

// The first position whose id is outside [0, rows), or -1.
int64_t first_bad_id(const Tensor& ids, int64_t rows);
Tensor embedding_forward(const Tensor& weight, const Tensor& ids, const Shape& out_sizes);
void embedding_renorm_(const Tensor& weight, const Tensor& ids, double max_norm, double norm_type);
Tensor embedding_backward_sparse(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                 std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                 const Tensor& row_scale);
Tensor embedding_backward_dense(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                const Tensor& row_scale);
ops::BagResult embedding_bag_forward(const Tensor& weight, const ops::Bags& bags, ops::BagMode mode,
                                     const Tensor& per_sample_weights,
                                     std::optional<int64_t> padding_idx);
// The first b where starts [B + 1] is not 0, non-decreasing and <= n; -1 when all is well.
int64_t first_bad_offset(const Tensor& starts, int64_t n);
Tensor bag_of(const Tensor& starts, int64_t n);
Tensor embedding_bag_mean_scale(const Tensor& bag_size, const Tensor& bag_of, DType dtype);
Tensor embedding_bag_psw_backward(const Tensor& grad, const Tensor& weight, const ops::Bags& bags,
                                  std::optional<int64_t> padding_idx);
Tensor embedding_bag_max_backward(const Tensor& grad, const Tensor& max_indices, int64_t num_rows);

}  // namespace ember::cuda
