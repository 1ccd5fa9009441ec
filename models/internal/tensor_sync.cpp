#include <ember/models/internal/tensor_sync.h>

#include <algorithm>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/tensor/error.h>

namespace ember::models {

TensorSync::TensorSync(const Distributed& d, std::vector<Tensor> tables, int64_t launches)
    : d_(d), tables_(std::move(tables)), launches_(launches) {
  EMBER_CHECK(launches > 0, "TensorSync: launches must be positive, got ", launches);
  for (const Tensor& t : tables_)
    EMBER_CHECK(t.dim() == 2 && t.is_contiguous() && t.dtype() == kFloat32,
                "TensorSync: tables must be contiguous [rows, stride] float32");
  if (!d_.active()) return;
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
  for (const Tensor& t : tables_) sizes.insert(sizes.end(), {t.size(0), t.size(1)});
  const std::vector<int64_t> all = d_.comm->allgatherv(sizes);
  for (int r = 1; r < d_.ranks(); ++r)
    EMBER_CHECK(std::equal(sizes.begin(), sizes.end(), all.begin() + r * int64_t(sizes.size())),
                "distributed training: rank ", r,
                "'s tables differ from rank 0's: every rank "
                "must read the same corpus with the same options");
  base_.clear();
  for (const Tensor& t : tables_) {
    comm_->broadcast(t, 0);
    base_.push_back(t.clone());
  }
}

void TensorSync::sync_rows(size_t t, int64_t begin, int64_t end, bool scaled) {
  if (end <= begin) return;
  Tensor x = tables_[t].narrow(0, begin, end - begin);
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
  x.copy_(base);
}

void TensorSync::after_launch(int64_t k) {
  if (!d_.active()) return;
  NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  const bool whole = k + 1 == launches_;
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t rows = tables_[t].size(0);
    const int64_t hot = std::min(d_.hot_rows, rows), scaled = std::min(d_.scaled_rows, hot);
    sync_rows(t, 0, scaled, true);
    sync_rows(t, scaled, hot, false);
    if (whole) {
      sync_rows(t, hot, rows, false);
      continue;
    }
    const int64_t slice = (rows - hot + launches_ - 2) / std::max<int64_t>(launches_ - 1, 1);
    const int64_t begin = std::min(rows, hot + k * slice);
    sync_rows(t, begin, std::min(rows, begin + slice), false);
  }
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats_.count += 1;
  stats_.seconds += took;
  stats_.waited += took;  // nothing trains while it runs
}

}  // namespace ember::models
