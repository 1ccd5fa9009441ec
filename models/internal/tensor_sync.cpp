#include <ember/models/internal/tensor_sync.h>

#include <algorithm>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/tensor/error.h>
#include <ember/tensor/ops/optim_update.h>

namespace ember::models {

TensorSync::TensorSync(const Distributed& d, std::vector<Tensor> tables, int64_t launches,
                       std::vector<SyncRows> rows)
    : d_(d), tables_(std::move(tables)), launches_(launches) {
  EMBER_CHECK(launches > 0, "TensorSync: launches must be positive, got ", launches);
  EMBER_CHECK(rows.empty() || rows.size() == tables_.size(), "TensorSync: ", rows.size(),
              " SyncRows for ", tables_.size(), " tables");
  for (const Tensor& t : tables_)
    EMBER_CHECK(t.dim() == 2 && t.is_contiguous() && t.dtype() == kFloat32,
                "TensorSync: tables must be contiguous [rows, stride] float32");
  if (!d_.active()) return;
  rows.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) {
    const std::vector<int32_t>& order = rows[t].order;
    synced_.push_back(checked_synced_rows(rows[t], tables_[t].size(0), t, "TensorSync"));
    order_.push_back(order.empty() ? Tensor()
                                   : tensor(std::vector<int64_t>(order.begin(), order.end()),
                                            {int64_t(order.size())}, kInt64)
                                         .to(tables_[t].device()));
    saturating_.push_back(rows[t].saturating);
    scale_rest_at_end_.push_back(rows[t].scales_rest_at_end(d_.ranks()));
    tiers_.push_back(rows[t].takes_tiers(d_.ranks()));
  }
  comm_ = d_.comm;
  const bool on_gpu = !tables_.empty() && tables_.front().is_cuda();
  if (on_gpu && dist::has_nccl()) {
    nccl_ = dist::nccl_communicator(*d_.comm, tables_.front().device().index);
    comm_ = nccl_.get();
  }
}

TensorSync::~TensorSync() = default;

void TensorSync::start() {
  if (!d_.active()) return;
  NoGradGuard no_grad;
  std::vector<int64_t> sizes;
  for (size_t t = 0; t < tables_.size(); ++t)
    sizes.insert(sizes.end(), {tables_[t].size(0), tables_[t].size(1), synced_[t], saturating_[t]});
  const std::vector<int64_t> all = d_.comm->allgatherv(sizes);
  for (int r = 1; r < d_.ranks(); ++r)
    EMBER_CHECK(std::equal(sizes.begin(), sizes.end(), all.begin() + r * int64_t(sizes.size())),
                "distributed training: rank ", r,
                "'s tables differ from rank 0's: every rank "
                "must read the same corpus with the same options");
  base_.clear();
  for (size_t t = 0; t < tables_.size(); ++t) {
    comm_->broadcast(tables_[t], 0);
    base_.push_back(order_[t].defined() ? index_select(tables_[t], 0, order_[t])
                                        : tables_[t].clone());
  }
}

void TensorSync::sync_rows(size_t t, int64_t begin, int64_t end, bool scaled) {
  if (end <= begin) return;
  const Tensor& order = order_[t];
  const Tensor ids = order.defined() ? order.narrow(0, begin, end - begin) : Tensor();
  Tensor x =
      order.defined() ? index_select(tables_[t], 0, ids) : tables_[t].narrow(0, begin, end - begin);
  Tensor base = base_[t].narrow(0, begin, end - begin);
  Tensor change = x.clone();
  change.add_(base, -1.0);
  Tensor squares;  // [rows, 1]: this rank's |change|^2, summed over the ranks
  if (scaled) squares = mul(change, change).sum(1, true).contiguous();
  comm_->allreduce(change, dist::ReduceOp::kSum);
  stats_.bytes += double(change.numel()) * sizeof(float);
  if (scaled) {
    // Scaled by 1 / max(1, q), q = |sum|^2 / (sum of |change|^2): ModelSync::apply's rule.
    comm_->allreduce(squares, dist::ReduceOp::kSum);
    stats_.bytes += double(squares.numel()) * sizeof(float);
    const Tensor q = div(mul(change, change).sum(1, true), add(squares, 1e-30));
    change = mul(change, div(ones_like(q), clamp(q, 1.0, std::nullopt)));
  }
  base.add_(change);
  if (!order.defined()) {
    x.copy_(base);
    return;
  }
  ops::SgdStep add{};
  add.lr = -1.0;  // p[ids] -= lr * (base - x): x += base - x
  ops::sgd_update_rows(tables_[t], ids.contiguous(), sub(base, x), add);
}

void TensorSync::sync_positions(size_t t, int64_t begin, int64_t end) {
  const int64_t split = std::clamp(saturating_[t], begin, std::max(begin, end));
  sync_rows(t, begin, split, true);
  sync_rows(t, split, end, false);
}

void TensorSync::after_launch(int64_t k) {
  if (!d_.active()) return;
  NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  const bool whole = k + 1 == launches_;
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t n = synced_[t], hot = std::min(d_.hot_rows, n);
    if (!whole) {  // the hot rows and the k-th slices of the rows past them
      for (const PositionRange& r : partial_sync_positions(n, hot, k + 1, launches_ - 1, tiers_[t]))
        sync_positions(t, r.begin, r.end);
      continue;
    }
    sync_positions(t, 0, hot);
    // Where the table asks, with 3 ranks or more, every row past the hot ones is scaled here
    // (ModelSync's rule).
    if (scale_rest_at_end_[t])
      sync_rows(t, hot, n, /*scaled=*/true);
    else
      sync_positions(t, hot, n);
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats_.count += 1;
  stats_.seconds += took;
  stats_.waited += took;  // nothing trains while it runs
}

}  // namespace ember::models
