// EmbeddingBag on the CPU: bags from offsets, the sum / mean / max forward and the max
// backward. (Sum and mean backward reuse the embedding backward with per-row scales.)
#include <algorithm>
#include <limits>
#include <vector>

#include <ember/config.h>
#include <ember/tensor/ops/checks.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/embedding.h>
#endif

namespace ember::ops {

Bags make_bags(const Tensor& ids, const Tensor& offsets, bool include_last_offset,
               int64_t num_rows) {
  const char* op = "embedding_bag";
  Bags bags;
  std::vector<int64_t> starts;
  int64_t N = ids.numel();
  if (ids.dim() == 2) {
    EMBER_CHECK(!offsets.defined(), op, ": offsets must be empty when ids are 2-D [B, L]");
    const int64_t B = ids.size(0), L = ids.size(1);
    for (int64_t b = 0; b <= B; ++b) starts.push_back(b * L);
  } else {
    EMBER_CHECK(ids.dim() == 1, op, ": ids must be 1-D (with offsets) or 2-D, got sizes ",
                ids.sizes());
    EMBER_CHECK(offsets.defined() && offsets.dim() == 1, op,
                ": 1-D ids need 1-D offsets, one start per bag");
    dispatch_index(offsets.dtype(), op, [](auto) {});
    starts = to_dtype(offsets, kInt64).to_vector<int64_t>();
    if (!include_last_offset) starts.push_back(N);
    EMBER_CHECK(!starts.empty() && (starts.size() > 1 || !include_last_offset), op,
                ": include_last_offset needs at least one offset");
    EMBER_CHECK(starts[0] == 0, op, ": offsets[0] must be 0, got ", starts[0]);
    for (size_t b = 1; b < starts.size(); ++b)
      EMBER_CHECK(starts[b] >= starts[b - 1] && starts[b] <= N, op, ": offsets[", b, "] = ",
                  starts[b], " is not in [offsets[", b - 1, "] = ", starts[b - 1], ", ", N, "]");
    if (include_last_offset) N = starts.back();  // ids past the last offset are not used
  }
  bags.count = int64_t(starts.size()) - 1;
  std::vector<int64_t> bag_of(static_cast<size_t>(N));
  for (int64_t b = 0; b < bags.count; ++b)
    for (int64_t n = starts[b]; n < starts[b + 1]; ++n) bag_of[n] = b;
  Device device = ids.device();
  Tensor flat = contiguous(to_dtype(ids, kInt64)).view({-1}).slice(0, 0, N, 1);
  check_ids(flat, num_rows, op);
  bags.ids = contiguous(flat);
  bags.bag_of = to_device(tensor(bag_of, {N}, kInt64), device);
  bags.starts = to_device(tensor(starts, {bags.count + 1}, kInt64), device);
  return bags;
}

BagResult embedding_bag_forward(const Tensor& weight, const Bags& bags, BagMode mode,
                                const Tensor& per_sample_weights,
                                std::optional<int64_t> padding_idx) {
  const char* op = "embedding_bag";
  check_strided(weight, op);
  EMBER_CHECK(weight.dim() == 2, op, ": weight must be 2-D [V, D], got sizes ", weight.sizes());
  const int64_t N = bags.ids.numel();
  if (per_sample_weights.defined()) {
    EMBER_CHECK(mode == BagMode::kSum, op, ": per_sample_weights is only supported in mode sum");
    EMBER_CHECK(per_sample_weights.numel() == N, op, ": per_sample_weights has ",
                per_sample_weights.numel(), " entries for ", N, " ids");
    check_same_dtype(per_sample_weights, weight, op);
  }
#if EMBER_WITH_CUDA
  if (weight.is_cuda()) return cuda::embedding_bag_forward(weight, bags, mode, per_sample_weights,
                                                           padding_idx);
#endif
  const int64_t B = bags.count, D = weight.size(1);
  BagResult result;
  result.out = zeros({B, D}, weight.dtype());
  result.bag_size = zeros({B}, kInt64);
  if (mode == BagMode::kMax) result.max_indices = full({B, D}, -1, kInt64);
  Tensor table = contiguous(weight);
  Tensor psw = per_sample_weights.defined() ? contiguous(per_sample_weights) : Tensor();
  const int64_t* id = bags.ids.data<int64_t>();
  const int64_t* start = bags.starts.data<int64_t>();
  const int64_t pad = padding_idx.value_or(-1);
  dispatch_floating(weight.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* w = table.data<T>();
    const T* scale = psw.defined() ? psw.data<T>() : nullptr;
    T* out = result.out.data<T>();
    int64_t* size = result.bag_size.data<int64_t>();
    int64_t* arg = mode == BagMode::kMax ? result.max_indices.data<int64_t>() : nullptr;
    parallel_for(B, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)), [&](int64_t lo,
                                                                            int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) {
        T* row = out + b * D;
        int64_t count = 0;
        for (int64_t n = start[b]; n < start[b + 1]; ++n) {
          if (id[n] == pad) continue;
          const T* src = w + id[n] * D;
          if (mode == BagMode::kMax) {
            for (int64_t j = 0; j < D; ++j)
              if (count == 0 || src[j] > row[j]) {
                row[j] = src[j];
                arg[b * D + j] = id[n];
              }
          } else {
            const T s = scale ? scale[n] : T(1);
            for (int64_t j = 0; j < D; ++j) row[j] += s * src[j];
          }
          ++count;
        }
        size[b] = count;
        if (mode == BagMode::kMean && count > 0)
          for (int64_t j = 0; j < D; ++j) row[j] /= T(count);
      }
    });
  });
  return result;
}

Tensor embedding_bag_max_backward(const Tensor& grad, const Tensor& max_indices,
                                  int64_t num_rows) {
#if EMBER_WITH_CUDA
  if (grad.is_cuda()) return cuda::embedding_bag_max_backward(grad, max_indices, num_rows);
#endif
  const int64_t B = grad.size(0), D = grad.size(1);
  Tensor dense = zeros({num_rows, D}, grad.dtype());
  Tensor g = contiguous(grad);
  const int64_t* arg = max_indices.data<int64_t>();
  dispatch_floating(grad.dtype(), "embedding_bag max backward", [&](auto tag) {
    using T = decltype(tag);
    const T* src = g.data<T>();
    T* dst = dense.data<T>();
    parallel_for(D, 8, [&](int64_t lo, int64_t hi) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = lo; j < hi; ++j)
          if (arg[b * D + j] >= 0) dst[arg[b * D + j] * D + j] += src[b * D + j];
    });
  });
  return dense;
}

}  // namespace ember::ops
