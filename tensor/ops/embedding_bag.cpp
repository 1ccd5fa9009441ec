// EmbeddingBag on the CPU: bags from offsets, the sum / mean / max forward and the max
// backward. (Sum and mean backward reuse the embedding backward with per-row scales.)
#include <algorithm>
#include <limits>
#include <vector>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/embedding.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/internal/prefetch.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/embedding.h>
#endif

namespace ember::ops {

Bags make_bags(const Tensor& ids, const Tensor& offsets, bool include_last_offset,
               int64_t num_rows) {
  const char* op = "embedding_bag";
  const Device device = ids.device();
  Tensor starts;  // [B + 1]
  int64_t n = ids.numel();
  if (ids.dim() == 2) {
    EMBER_CHECK(!offsets.defined(), op, ": offsets must be empty when ids are 2-D [B, L]");
    starts = arange(0, double(n + 1), double(std::max<int64_t>(ids.size(1), 1)),
                    TensorOptions(kInt64).device(device));
    if (ids.size(1) == 0) starts = zeros({ids.size(0) + 1}, TensorOptions(kInt64).device(device));
  } else {
    EMBER_CHECK(ids.dim() == 1, op, ": ids must be 1-D (with offsets) or 2-D, got sizes ",
                ids.sizes());
    EMBER_CHECK(offsets.defined() && offsets.dim() == 1, op,
                ": 1-D ids need 1-D offsets, one start per bag");
    dispatch_index(offsets.dtype(), op, [](auto) {});
    check_same_device(ids, offsets, op);
    const int64_t given = offsets.numel();
    EMBER_CHECK(given > 0 || !include_last_offset, op,
                ": include_last_offset needs at least one offset");
    starts = empty({include_last_offset ? given : given + 1}, TensorOptions(kInt64).device(device));
    copy_(slice(starts, 0, 0, given, 1), offsets);
    if (!include_last_offset) fill_(slice(starts, 0, given, given + 1, 1), double(n));
  }
  const int64_t bags_count = starts.numel() - 1;
  // offsets must start at 0, never decrease, and stay within the ids.
  int64_t bad = -1;
#if EMBER_WITH_CUDA
  if (device.is_cuda()) bad = cuda::first_bad_offset(starts, n);
#endif
  if (device.is_cpu()) {
    const int64_t* s = starts.data<int64_t>();
    for (int64_t b = 0; b <= bags_count && bad < 0; ++b)
      if ((b == 0 && s[0] != 0) || (b > 0 && (s[b] < s[b - 1] || s[b] > n))) bad = b;
  }
  if (bad >= 0) {
    std::vector<int64_t> s = starts.to_vector<int64_t>();
    EMBER_CHECK(bad != 0, op, ": offsets[0] must be 0, got ", s[0]);
    EMBER_FAIL(op, ": offsets[", bad, "] = ", s[bad], " is not in [offsets[", bad - 1,
               "] = ", s[bad - 1], ", ", n, "]");
  }
  if (include_last_offset) n = select(starts, 0, bags_count).item<int64_t>();  // ids past it unused
  Bags bags;
  bags.count = bags_count;
  bags.ids = contiguous(slice(view(contiguous(to_dtype(ids, kInt64)), {-1}), 0, 0, n, 1));
  check_ids(bags.ids, num_rows, op);
  bags.starts = starts;
#if EMBER_WITH_CUDA
  if (device.is_cuda()) {
    bags.bag_of = cuda::bag_of(starts, n);
    return bags;
  }
#endif
  bags.bag_of = empty({n}, kInt64);
  const int64_t* s = starts.data<int64_t>();
  int64_t* bag_of = bags.bag_of.data<int64_t>();
  for (int64_t b = 0; b < bags_count; ++b)
    for (int64_t i = s[b]; i < s[b + 1]; ++i) bag_of[i] = b;
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
  if (weight.is_cuda())
    return cuda::embedding_bag_forward(weight, bags, mode, per_sample_weights, padding_idx);
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
    const size_t row_bytes = size_t(D) * sizeof(T);
    parallel_for(B, std::max<int64_t>(1, 4096 / std::max<int64_t>(D, 1)),
                 [&](int64_t lo, int64_t hi) {
                   // The chunk's ids, each row asked for kRowsAhead ids before it is read.
                   const int64_t first = start[lo], last = start[hi];
                   for (int64_t n = first; n < std::min(last, first + kRowsAhead); ++n)
                     cpu::prefetch(w + id[n] * D, row_bytes);
                   for (int64_t b = lo; b < hi; ++b) {
                     T* row = out + b * D;
                     int64_t count = 0;
                     for (int64_t n = start[b]; n < start[b + 1]; ++n) {
                       if (n + kRowsAhead < last)
                         cpu::prefetch(w + id[n + kRowsAhead] * D, row_bytes);
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

Tensor embedding_bag_mean_scale(const Tensor& bag_size, const Tensor& bag_of, DType dtype) {
#if EMBER_WITH_CUDA
  if (bag_size.is_cuda()) return cuda::embedding_bag_mean_scale(bag_size, bag_of, dtype);
#endif
  Tensor scale = empty({bag_of.numel()}, dtype);
  const int64_t* size = bag_size.data<int64_t>();
  const int64_t* bag = bag_of.data<int64_t>();
  dispatch_floating(dtype, "embedding_bag mean backward", [&](auto tag) {
    using T = decltype(tag);
    T* out = scale.data<T>();
    for (int64_t n = 0; n < bag_of.numel(); ++n)
      out[n] = size[bag[n]] > 0 ? T(1) / T(size[bag[n]]) : T(0);
  });
  return scale;
}

Tensor embedding_bag_psw_backward(const Tensor& grad, const Tensor& weight, const Bags& bags,
                                  std::optional<int64_t> padding_idx) {
#if EMBER_WITH_CUDA
  if (grad.is_cuda()) return cuda::embedding_bag_psw_backward(grad, weight, bags, padding_idx);
#endif
  const int64_t n = bags.ids.numel(), d = weight.size(1);
  Tensor g = contiguous(grad), w = contiguous(weight);
  Tensor out = empty({n}, grad.dtype());
  const int64_t* id = bags.ids.data<int64_t>();
  const int64_t* bag = bags.bag_of.data<int64_t>();
  const int64_t pad = padding_idx.value_or(-1);
  dispatch_floating(grad.dtype(), "embedding_bag per_sample_weights backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const T* wp = w.data<T>();
    T* o = out.data<T>();
    parallel_for(n, std::max<int64_t>(1, 16384 / std::max<int64_t>(d, 1)),
                 [&](int64_t lo, int64_t hi) {
                   for (int64_t i = lo; i < hi; ++i) {
                     T dot = 0;
                     if (id[i] != pad)
                       for (int64_t j = 0; j < d; ++j)
                         dot += gp[bag[i] * d + j] * wp[id[i] * d + j];
                     o[i] = dot;
                   }
                 });
  });
  return out;
}

Tensor embedding_bag_max_backward(const Tensor& grad, const Tensor& max_indices, int64_t num_rows) {
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
