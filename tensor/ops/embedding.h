// Embedding lookups and their gradients, the reference CPU loops (cuda/embedding.cu holds
// the CUDA twins with the same signatures). Letters: V table rows, D dim, N ids, K unique ids.
// No autograd here (see nn/functional/embedding.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include <ember/tensor/tensor.h>

namespace ember::ops {

// Checks ids (int64 or int32, any shape) against a table of `rows`; the error names the op,
// the id, its position and the table size.
void check_ids(const Tensor& ids, int64_t rows, const char* op);

// weight [V, D], ids [N...] -> out [N..., D]: out[n] = weight[ids[n]].
Tensor embedding_forward(const Tensor& weight, const Tensor& ids);

// In place, under no_grad: each row of weight that ids touch whose p-norm exceeds max_norm is
// scaled to max_norm (times max_norm / (norm + 1e-7), as PyTorch's embedding_renorm_).
void embedding_renorm_(const Tensor& weight, const Tensor& ids, double max_norm, double norm_type);

// The gradient of the table for out = weight[ids], as a row-sparse tensor of sizes [V, D]:
// unique sorted ids [K] and their summed rows [K, D]. grad_rows is [N, D] (N = ids.numel()),
// and row n of it is multiplied by row_scale[n] when row_scale is given ([N]); rows with
// id == padding_idx get nothing; scale_grad_by_freq divides each id's sum by its count.
// With row_of ([N] int64) position n's row is grad_rows[row_of[n]] instead: EmbeddingBag's
// gradient, a bag's row for each of its ids, read in place rather than gathered first.
// The sum for each id runs in position order: deterministic. Four steps:
//   ids [4, 1, 4, 2]  --sort (stable)-->  [1, 2, 4, 4] at positions [1, 3, 0, 2]
//   segments start at [0, 1, 2]  -->  rows 1: g[1], 2: g[3], 4: g[0] + g[2]
Tensor embedding_backward_sparse(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                 std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                 const Tensor& row_scale = Tensor(),
                                 const Tensor& row_of = Tensor());
// The same gradient as a dense [V, D] tensor (zeros where no id points).
Tensor embedding_backward_dense(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                const Tensor& row_scale = Tensor(),
                                const Tensor& row_of = Tensor());

// ---- EmbeddingBag ----
enum class BagMode { kSum, kMean, kMax };

// Bags from ids [N] and offsets [B] (or [B + 1] with include_last_offset): bag b holds
// ids[offsets[b] .. offsets[b + 1]). With ids [B, L] and no offsets, each row is a bag.
//   ids [4, 1, 4, 2], offsets [0, 2]  ->  bags {4, 1}, {4, 2};  bag_of [0, 0, 1, 1]
struct Bags {
  Tensor ids;         // [N] int64
  Tensor bag_of;      // [N] int64: the bag of each id
  Tensor starts;      // [B + 1] int64: bag b is [starts[b], starts[b + 1])
  int64_t count = 0;  // B
};
Bags make_bags(const Tensor& ids, const Tensor& offsets, bool include_last_offset,
               int64_t num_rows);

struct BagResult {
  Tensor out;          // [B, D]
  Tensor max_indices;  // [B, D] int64 table row of each max (mode max), -1 for empty bags
  Tensor bag_size;     // [B] int64: ids counted per bag (padding_idx entries excluded)
};
// out[b] = sum / mean / max over the ids of bag b of weight[id] (times per_sample_weights[n]
// in sum mode); ids equal to padding_idx are skipped; an empty bag gives zeros.
BagResult embedding_bag_forward(const Tensor& weight, const Bags& bags, BagMode mode,
                                const Tensor& per_sample_weights,
                                std::optional<int64_t> padding_idx);

// The weight each id's row gets in the sum/mean backward: 1 / (ids in its bag) for mean
// (0 for an empty bag), from bag_size [B] and bag_of [N] -> [N] of dtype.
Tensor embedding_bag_mean_scale(const Tensor& bag_size, const Tensor& bag_of, DType dtype);
// d out[b] / d per_sample_weights[n] dotted with grad[b]: grad[bag_of[n]] . weight[ids[n]],
// 0 where ids[n] is padding_idx -> [N].
Tensor embedding_bag_psw_backward(const Tensor& grad, const Tensor& weight, const Bags& bags,
                                  std::optional<int64_t> padding_idx);

// Mode max: grad_weight[max_indices[b, d], d] += grad[b, d], as a dense [V, D] tensor;
// each column sums its bags in bag order (deterministic).
Tensor embedding_bag_max_backward(const Tensor& grad, const Tensor& max_indices, int64_t num_rows);

}  // namespace ember::ops
