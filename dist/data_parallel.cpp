#include <ember/dist/data_parallel.h>

#include <vector>

#include <ember/autograd/grad_mode.h>
#include <ember/tensor/error.h>
#include <ember/tensor/ops/join.h>

namespace ember::dist {

namespace {

// What a parameter's gradient is on one rank.
enum Kind : int32_t { kNone = 0, kSparse = 1, kDense = 2 };

Kind kind_of(const Tensor& grad) {
  if (!grad.defined()) return kNone;
  return grad.is_row_sparse() ? kSparse : kDense;
}

}  // namespace

DataParallel::DataParallel(nn::Module& module, Communicator& comm, int64_t bucket_bytes)
    : module_(module), comm_(comm), bucket_bytes_(bucket_bytes) {
  EMBER_CHECK(bucket_bytes > 0, "DataParallel: bucket_bytes must be positive, got ", bucket_bytes);
  broadcast_parameters();
}

void DataParallel::broadcast_parameters() {
  if (comm_.size() == 1) return;
  NoGradGuard no_grad;
  for (const Tensor& p : module_.parameters()) {
    EMBER_CHECK(p.is_contiguous(), "DataParallel: parameters must be contiguous");
    comm_.broadcast(p, 0);
  }
}

void DataParallel::average_gradients(ReduceOp op) {
  if (comm_.size() == 1) return;
  NoGradGuard no_grad;
  const std::vector<Tensor> params = module_.parameters();
  const int64_t n = int64_t(params.size()), P = comm_.size();
  // Every rank's kind of every gradient: the widest decides (dense over sparse over none).
  std::vector<int32_t> mine(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) mine[size_t(i)] = kind_of(params[size_t(i)].grad());
  const std::vector<int32_t> all = comm_.host().allgatherv(mine);
  EMBER_CHECK(int64_t(all.size()) == n * P,
              "DataParallel: the ranks' modules have different numbers of parameters");
  std::vector<Kind> kind(static_cast<size_t>(n), kNone);
  for (int64_t r = 0; r < P; ++r)
    for (int64_t i = 0; i < n; ++i)
      kind[size_t(i)] = std::max(kind[size_t(i)], Kind(all[size_t(r * n + i)]));

  // Dense gradients, in buckets of one dtype and device, each averaged in one allreduce.
  std::vector<Tensor> bucket;
  int64_t bucket_bytes = 0;
  const auto flush = [&] {
    if (bucket.empty()) return;
    std::vector<Tensor> flat;
    for (const Tensor& g : bucket) flat.push_back(g.reshape({-1}));
    Tensor buffer = ops::cat(flat, 0);
    comm_.allreduce(buffer, op);
    int64_t at = 0;
    for (Tensor& g : bucket) {
      const int64_t k = g.numel();
      g.copy_(buffer.narrow(0, at, k).view(g.sizes()));
      at += k;
    }
    bucket.clear();
    bucket_bytes = 0;
  };
  for (int64_t i = 0; i < n; ++i) {
    if (kind[size_t(i)] != kDense) continue;
    const Tensor& p = params[size_t(i)];
    Tensor g = p.grad();
    if (!g.defined() || g.is_row_sparse() || !g.is_contiguous()) {
      // None (zeros), sparse or strided here, dense elsewhere: a dense one of our own.
      Tensor dense = zeros(p.sizes(), TensorOptions(p.dtype()).device(p.device()));
      if (g.defined()) dense.copy_(g.is_row_sparse() ? g.to_dense() : g);
      p.set_grad(dense);
      g = dense;
    }
    if (!bucket.empty() &&
        (bucket.front().dtype() != g.dtype() || bucket.front().device() != g.device() ||
         bucket_bytes + g.numel() * int64_t(element_size(g.dtype())) > bucket_bytes_))
      flush();
    bucket.push_back(g);
    bucket_bytes += g.numel() * int64_t(element_size(g.dtype()));
  }
  flush();

  // Row-sparse gradients: every rank's ids and rows in rank order, coalesced.
  for (int64_t i = 0; i < n; ++i) {
    if (kind[size_t(i)] != kSparse) continue;
    const Tensor& p = params[size_t(i)];
    const Tensor g = p.grad();
    Shape row_shape(p.sizes().begin() + 1, p.sizes().end());
    const int64_t row_size = shape_numel(row_shape);
    const Device side = comm_.on_device() ? p.device() : Device();
    Tensor ids = g.defined() ? g.indices().to(side).contiguous()
                             : empty({0}, TensorOptions(kInt64).device(side));
    Shape empty_rows = row_shape;
    empty_rows.insert(empty_rows.begin(), 0);
    Tensor rows = g.defined() ? g.values().to(side).contiguous()
                              : empty(empty_rows, TensorOptions(p.dtype()).device(side));
    const std::vector<int64_t> counts = comm_.gather_counts(ids.numel());
    std::vector<int64_t> row_counts(counts.size());
    int64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      row_counts[r] = counts[r] * row_size;
      total += counts[r];
    }
    Tensor all_ids = empty({total}, TensorOptions(kInt64).device(side));
    Shape all_shape = row_shape;
    all_shape.insert(all_shape.begin(), total);
    Tensor all_rows = empty(all_shape, TensorOptions(p.dtype()).device(side));
    comm_.allgatherv(ids.raw_data(), all_ids.raw_data(), counts, kInt64);
    comm_.allgatherv(rows.raw_data(), all_rows.raw_data(), row_counts, p.dtype());
    if (op == ReduceOp::kAverage) all_rows.mul_(1.0 / double(P));
    p.set_grad(row_sparse(all_ids.to(p.device()), all_rows.to(p.device()), p.sizes()));
  }
}

}  // namespace ember::dist
