#include <ember/tensor/ops/embedding.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/internal/prefetch.h>
#include <ember/tensor/ops/row_sparse.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/embedding.h>
#endif

namespace ember::ops {

namespace {

void check_table(const Tensor& weight, const char* op) {
  check_strided(weight, op);
  EMBER_CHECK(weight.dim() == 2, op, ": weight must be 2-D [V, D], got sizes ", weight.sizes());
}

// ids as contiguous int64 on the weight's device.
Tensor ids_int64(const Tensor& ids) { return contiguous(to_dtype(ids, kInt64)); }

}  // namespace

void check_ids(const Tensor& ids, int64_t rows, const char* op) {
#if EMBER_WITH_CUDA
  if (ids.is_cuda()) {  // a kernel finds the first bad position; only that id comes back
    int64_t position = cuda::first_bad_id(ids_int64(ids), rows);
    if (position < 0) return;
    int64_t id = select(view(ids, {-1}), 0, position).item<int64_t>();
    EMBER_FAIL(op, ": id ", id, " at position ", position, " out of range for a table of ", rows,
               " rows");
  }
#endif
  dispatch_index(ids.dtype(), op, [&](auto tag) {
    using I = decltype(tag);
    (void)tag;
    Tensor host = contiguous(to_device(ids, Device(kCPU)));
    const I* id = host.data<I>();
    const int64_t n = first_out_of_range(id, host.numel(), rows);
    if (n >= 0)
      EMBER_FAIL(op, ": id ", int64_t(id[n]), " at position ", n, " out of range for a table of ",
                 rows, " rows");
  });
}

Tensor embedding_forward(const Tensor& weight, const Tensor& ids) {
  check_table(weight, "embedding");
  check_same_device(weight, ids, "embedding");
  const int64_t V = weight.size(0), D = weight.size(1), N = ids.numel();
  Shape out_sizes = ids.sizes();
  out_sizes.push_back(D);
  check_ids(ids, V, "embedding");
#if EMBER_WITH_CUDA
  if (weight.is_cuda()) return cuda::embedding_forward(weight, ids_int64(ids), out_sizes);
#endif
  Tensor table = contiguous(weight);
  Tensor id = ids_int64(ids);
  Tensor out = empty(out_sizes, TensorOptions(weight.dtype()));
  const int64_t* index = id.data<int64_t>();
  const size_t row_bytes = size_t(D) * element_size(weight.dtype());
  const char* src = static_cast<const char*>(table.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  // The rows come from anywhere in the table: each kRowsAhead ids on is asked for first.
  parallel_for(N, std::max<int64_t>(1, 65536 / std::max<int64_t>(D, 1)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t n = begin; n < std::min(end, begin + kRowsAhead); ++n)
                   cpu::prefetch(src + index[n] * row_bytes, row_bytes);
                 for (int64_t n = begin; n < end; ++n) {
                   if (n + kRowsAhead < end)
                     cpu::prefetch(src + index[n + kRowsAhead] * row_bytes, row_bytes);
                   std::memcpy(dst + n * row_bytes, src + index[n] * row_bytes, row_bytes);
                 }
               });
  return out;
}

void embedding_renorm_(const Tensor& weight, const Tensor& ids, double max_norm, double norm_type) {
  check_table(weight, "embedding max_norm");
  EMBER_CHECK(max_norm > 0, "embedding: max_norm must be positive, got ", max_norm);
  check_ids(ids, weight.size(0), "embedding max_norm");
#if EMBER_WITH_CUDA
  if (weight.is_cuda()) {
    cuda::embedding_renorm_(weight, ids_int64(ids), max_norm, norm_type);
    return;
  }
#endif
  EMBER_CHECK(weight.is_contiguous(), "embedding max_norm: weight must be contiguous");
  std::vector<int64_t> unique = ids_int64(ids).to_vector<int64_t>();
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  const int64_t D = weight.size(1);
  dispatch_floating(weight.dtype(), "embedding max_norm", [&](auto tag) {
    using T = decltype(tag);
    T* table = weight.data<T>();
    for (int64_t id : unique) {
      T* row = table + id * D;
      double norm = 0;
      if (std::isinf(norm_type)) {
        for (int64_t j = 0; j < D; ++j) norm = std::max(norm, std::abs(double(row[j])));
      } else {
        for (int64_t j = 0; j < D; ++j) norm += std::pow(std::abs(double(row[j])), norm_type);
        norm = std::pow(norm, 1.0 / norm_type);
      }
      if (norm > max_norm) {
        const T scale = T(max_norm / (norm + 1e-7));
        for (int64_t j = 0; j < D; ++j) row[j] *= scale;
      }
    }
  });
}

// What both backward forms check on either device before the sort: one gradient row (or one
// row_of entry naming a row of the gradient) and one row_scale entry per id, every id a row
// of the table (on a GPU, cuda::embedding_backward_* check that after the sort, before any
// row is read).
static void check_backward(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                           const Tensor& row_scale, const Tensor& row_of) {
  const int64_t N = ids.numel();
  if (row_of.defined()) {
    EMBER_CHECK(grad_rows.dim() == 2 && row_of.numel() == N, "embedding backward: row_of has ",
                row_of.numel(), " entries for ", N, " ids (gradient ", grad_rows.sizes(), ")");
    check_same_device(row_of, ids, "embedding backward");
    check_ids(row_of, grad_rows.size(0), "embedding backward (row_of)");
  } else {
    EMBER_CHECK(grad_rows.dim() == 2 && grad_rows.size(0) == N, "embedding backward: gradient ",
                grad_rows.sizes(), " does not have one row per id (", N, " ids)");
  }
  EMBER_CHECK(!row_scale.defined() || row_scale.numel() == N, "embedding backward: row_scale has ",
              row_scale.defined() ? row_scale.numel() : 0, " entries for ", N, " ids");
  int64_t table_numel = 0;
  EMBER_CHECK(num_rows >= 0 && checked_mul(num_rows, grad_rows.size(1), &table_numel),
              "embedding backward: a table of ", num_rows, " rows of ", grad_rows.size(1),
              " has more than 2^63 elements");
  check_same_device(grad_rows, ids, "embedding backward");
  // On a GPU the backward finds a bad id itself, in the read back it makes anyway.
  if (!ids.is_cuda()) check_ids(ids, num_rows, "embedding backward");
}

// Bits needed to write 0 .. n - 1.
static int bit_width(uint64_t n) {
  int bits = 0;
  while (bits < 64 && (n - 1) >> bits) ++bits;
  return bits;
}

// Step 1 of the backward: the positions 0 .. N - 1 sorted by their id, equal ids in position
// order, as order[i] (a position) and sorted_id[i] (its id). Each (id, position) is one key,
// id in the high bits, so the keys in order are the answer; an LSD radix sort on the id's bits
// does it in O(N), with no comparisons: the histograms of all digits in one pass over the
// keys, then one scatter a digit, digits of at most 11 bits (2048 counts, in L1); for 54,280
// rows, 2 passes of 8 bits.
struct SortedIds {
  std::vector<int64_t> order, sorted_id;
};
static SortedIds sort_positions_by_id(const std::vector<int64_t>& id, int64_t num_rows) {
  const int64_t N = int64_t(id.size());
  SortedIds out{std::vector<int64_t>(size_t(N)), std::vector<int64_t>(size_t(N))};
  const int position_bits = bit_width(uint64_t(std::max<int64_t>(N, 1)));
  const int key_bits = position_bits + bit_width(uint64_t(std::max<int64_t>(num_rows, 1)));
  if (key_bits > 64) {  // tables past 2^64 / N rows: sort positions by id, stably
    std::iota(out.order.begin(), out.order.end(), int64_t(0));
    std::stable_sort(out.order.begin(), out.order.end(),
                     [&](int64_t a, int64_t b) { return id[size_t(a)] < id[size_t(b)]; });
    for (int64_t i = 0; i < N; ++i) out.sorted_id[size_t(i)] = id[size_t(out.order[size_t(i)])];
    return out;
  }
  // The keys start in position order and each pass is stable, so passes over the id's bits
  // alone leave equal ids in position order.
  constexpr int kMaxDigitBits = 11;
  const int id_bits = key_bits - position_bits;
  const int passes = std::max(1, (id_bits + kMaxDigitBits - 1) / kMaxDigitBits);
  const int digit_bits = (id_bits + passes - 1) / passes;
  const uint64_t digit_mask = (uint64_t(1) << digit_bits) - 1;
  const auto digit = [&](uint64_t key, int d) {
    return size_t((key >> (position_bits + d * digit_bits)) & digit_mask);
  };
  std::vector<uint64_t> keys(static_cast<size_t>(N)), scratch(static_cast<size_t>(N));
  std::vector<size_t> counts(size_t(passes) << digit_bits, 0);
  for (int64_t n = 0; n < N; ++n) {
    const uint64_t key = uint64_t(id[size_t(n)]) << position_bits | uint64_t(n);
    keys[size_t(n)] = key;
    for (int d = 0; d < passes; ++d) ++counts[(size_t(d) << digit_bits) + digit(key, d)];
  }
  for (int d = 0; d < passes; ++d) {
    size_t* count = counts.data() + (size_t(d) << digit_bits);
    size_t at = 0;  // count[v] becomes where digit v's keys start
    for (uint64_t v = 0; v <= digit_mask; ++v) at += std::exchange(count[v], at);
    for (uint64_t key : keys) scratch[count[digit(key, d)]++] = key;
    keys.swap(scratch);
  }
  const uint64_t position_mask = (uint64_t(1) << position_bits) - 1;
  for (int64_t i = 0; i < N; ++i) {
    out.order[size_t(i)] = int64_t(keys[size_t(i)] & position_mask);
    out.sorted_id[size_t(i)] = int64_t(keys[size_t(i)] >> position_bits);
  }
  return out;
}

// The shared core of both backward forms on the CPU: sorted unique ids and their summed rows,
// as rows [K, D] (the sparse form) or in place in a dense [num_rows, D] gradient, every other
// row zero (written once, with no rows buffer between).
static Tensor backward_rows(const Tensor& grad_rows, const Tensor& ids,
                            std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                            const Tensor& row_scale, const Tensor& row_of, Tensor* unique_ids,
                            int64_t num_rows, bool dense) {
  const int64_t N = ids.numel();
  const int64_t D = grad_rows.size(1);
  std::vector<int64_t> id = ids_int64(ids).to_vector<int64_t>();
  // 1. sort positions by id, stably; 2. find where each id's run starts.
  const SortedIds sorted = sort_positions_by_id(id, num_rows);
  const std::vector<int64_t>& order = sorted.order;
  const std::vector<int64_t>& sorted_id = sorted.sorted_id;
  std::vector<int64_t> starts(static_cast<size_t>(N));
  int64_t K = 0;
  const int64_t padding = padding_idx.value_or(-1);
  for (int64_t i = 0; i < N; ++i) {  // branch-free: most ids start a run of their own
    starts[size_t(K)] = i;
    K += int64_t(i == 0 || sorted_id[i] != sorted_id[i - 1]) * int64_t(sorted_id[i] != padding);
  }
  Tensor unique = empty({K}, kInt64);
  int64_t* unique_data = unique.data<int64_t>();
  for (int64_t k = 0; k < K; ++k) unique_data[k] = sorted_id[starts[k]];
  *unique_ids = unique;
  // 3. reduce each run in position order, from zero, into its row of the output.
  Tensor rows = empty({dense ? num_rows : K, D}, grad_rows.dtype());
  Tensor grad = contiguous(grad_rows);
  Tensor scale = row_scale.defined() ? contiguous(to_dtype(row_scale, grad.dtype())) : Tensor();
  Tensor source = row_of.defined() ? ids_int64(row_of) : Tensor();
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1));
  dispatch_floating(grad.dtype(), "embedding backward", [&](auto tag) {
    using T = decltype(tag);
    const T* g = grad.data<T>();
    const T* s = scale.defined() ? scale.data<T>() : nullptr;
    const int64_t* from = source.defined() ? source.data<int64_t>() : nullptr;
    T* out = rows.data<T>();
    const auto g_row = [&](int64_t i) { return g + (from ? from[order[i]] : order[i]) * D; };
    const auto reduce = [&](int64_t k, T* row) {
      const int64_t stop = k + 1 < K ? starts[k + 1] : N;
      int64_t count = 0;
      for (int64_t i = starts[k]; i < stop && sorted_id[i] == unique_data[k]; ++i, ++count) {
        // In id order, the gradient rows come from anywhere in the gradient.
        if (i + kRowsAhead < N) cpu::prefetch(g_row(i + kRowsAhead), size_t(D) * sizeof(T));
        const T weight = s ? s[order[i]] : T(1);
        const T* from_row = g_row(i);
        // A run holds at least its start, so this writes every row of the output: the first
        // as 0 + x, as the sum from zero gives it (-0 becomes +0).
        if (count == 0) {
          for (int64_t j = 0; j < D; ++j) row[j] = T(0) + weight * from_row[j];
        } else {
          for (int64_t j = 0; j < D; ++j) row[j] += weight * from_row[j];
        }
      }
      if (scale_grad_by_freq && count > 1)
        for (int64_t j = 0; j < D; ++j) row[j] /= T(count);
    };
    if (!dense) {
      parallel_for(K, grain, [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) reduce(k, out + k * D);
      });
      return;
    }
    // Dense: each table row once, in row order; a row some id picked gets its run.
    parallel_for(num_rows, grain, [&](int64_t begin, int64_t end) {
      int64_t k = std::lower_bound(unique_data, unique_data + K, begin) - unique_data;
      for (int64_t v = begin; v < end; ++v) {
        T* row = out + v * D;
        if (k < K && unique_data[k] == v) {
          reduce(k++, row);
        } else {
          std::fill(row, row + D, T(0));
        }
      }
    });
  });
  return rows;
}

Tensor embedding_backward_sparse(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                 std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                 const Tensor& row_scale, const Tensor& row_of) {
  check_backward(grad_rows, ids, num_rows, row_scale, row_of);
#if EMBER_WITH_CUDA
  if (grad_rows.is_cuda())
    return cuda::embedding_backward_sparse(
        row_of.defined() ? embedding_forward(grad_rows, row_of) : grad_rows, ids_int64(ids),
        num_rows, padding_idx, scale_grad_by_freq, row_scale);
#endif
  Tensor unique;
  Tensor rows = backward_rows(grad_rows, ids, padding_idx, scale_grad_by_freq, row_scale, row_of,
                              &unique, num_rows, /*dense=*/false);
  return make_row_sparse(unique, rows, {num_rows, grad_rows.size(1)});
}

Tensor embedding_backward_dense(const Tensor& grad_rows, const Tensor& ids, int64_t num_rows,
                                std::optional<int64_t> padding_idx, bool scale_grad_by_freq,
                                const Tensor& row_scale, const Tensor& row_of) {
  check_backward(grad_rows, ids, num_rows, row_scale, row_of);
#if EMBER_WITH_CUDA
  if (grad_rows.is_cuda())
    return cuda::embedding_backward_dense(
        row_of.defined() ? embedding_forward(grad_rows, row_of) : grad_rows, ids_int64(ids),
        num_rows, padding_idx, scale_grad_by_freq, row_scale);
#endif
  Tensor unique;
  return backward_rows(grad_rows, ids, padding_idx, scale_grad_by_freq, row_scale, row_of, &unique,
                       num_rows, /*dense=*/true);
}

}  // namespace ember::ops
