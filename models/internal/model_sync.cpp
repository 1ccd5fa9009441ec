#include <ember/models/internal/model_sync.h>

#include <algorithm>
#include <cstring>

#include <ember/tensor/error.h>
#include <ember/tensor/parallel.h>

namespace ember::models {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

ModelSync::ModelSync(const Distributed& d, std::vector<RowTable*> tables, int64_t shard_units,
                     int64_t epoch_units)
    : d_(d), tables_(std::move(tables)), shard_units_(shard_units), epoch_units_(epoch_units) {
  EMBER_CHECK(d.sync_every > 0, "distributed training: sync_every must be positive, got ",
              d.sync_every);
  EMBER_CHECK(d.hot_rows >= 0, "distributed training: hot_rows must be >= 0, got ", d.hot_rows);
  if (d_.active()) per_epoch_ = epoch_units / d_.ranks() / d.sync_every;
}

ModelSync::~ModelSync() {
  // A collective still in flight (an error unwound the run) must not outlive its buffers.
  if (rows_pending_) rows_pending_->wait();
  if (count_pending_) count_pending_->wait();
}

void ModelSync::start() {
  if (!d_.active()) return;
  dist::Communicator& comm = *d_.comm;
  std::vector<int64_t> sizes = {epoch_units_, int64_t(tables_.size())};
  for (const RowTable* t : tables_) sizes.insert(sizes.end(), {t->rows(), t->stride()});
  const std::vector<int64_t> all = comm.allgatherv(sizes);
  for (int r = 1; r < comm.size(); ++r)
    EMBER_CHECK(std::equal(sizes.begin(), sizes.end(), all.begin() + r * int64_t(sizes.size())),
                "distributed training: rank ", r, "'s corpus or tables differ from rank 0's (",
                all[size_t(r) * sizes.size()], " vs ", all[0],
                " units an epoch): every rank must read the same corpus with the same options");
  base_.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) {
    RowTable& table = *tables_[t];
    const int64_t n = table.rows() * table.stride();
    comm.broadcast(table.data(), n, 0);
    base_[t].assign(table.data(), table.data() + n);
  }
}

void ModelSync::start_partial(int64_t k, int64_t done_in_run) {
  // Rows [0, hot) of each table, and its k-th slice of the rest.
  ranges_.clear();
  size_t floats = 0;
  for (size_t t = 0; t < tables_.size(); ++t) {
    const RowTable& table = *tables_[t];
    const int64_t hot = std::min(d_.hot_rows, table.rows()), cold = table.rows() - hot;
    const int64_t slice = (cold + per_epoch_ - 1) / per_epoch_;
    const int64_t begin = std::min(table.rows(), hot + (k - 1) * slice),
                  end = std::min(table.rows(), begin + slice);
    for (const Range& r : {Range{t, 0, hot}, Range{t, begin, end}})
      if (r.end > r.begin) {
        ranges_.push_back(r);
        floats += size_t((r.end - r.begin) * table.stride());
      }
  }
  change_.resize(floats);
  sum_.resize(floats);
  size_t at = 0;
  for (const Range& r : ranges_) {
    const int64_t S = tables_[r.t]->stride();
    const size_t n = size_t((r.end - r.begin) * S);
    const float* x = tables_[r.t]->row(r.begin);
    const float* base = base_[r.t].data() + r.begin * S;
    for (size_t j = 0; j < n; ++j) change_[at + j] = x[j] - base[j];
    at += n;
  }
  std::memcpy(sum_.data(), change_.data(), floats * sizeof(float));
  started_ = std::chrono::steady_clock::now();
  rows_pending_ =
      d_.comm->allreduce_async(sum_.data(), int64_t(floats), kFloat32, dist::ReduceOp::kSum);
  mine_at_start_ = counts_[0] = done_in_run;
  count_pending_ = d_.comm->allreduce_async(counts_, 1, kInt64, dist::ReduceOp::kSum);
  stats_.bytes += double(floats) * sizeof(float);
}

void ModelSync::apply() {
  size_t at = 0;
  for (const Range& r : ranges_) {
    const int64_t S = tables_[r.t]->stride();
    const size_t n = size_t((r.end - r.begin) * S);
    float* x = tables_[r.t]->row(r.begin);
    float* base = base_[r.t].data() + r.begin * S;
    const float* sum = sum_.data() + at;
    const float* mine = change_.data() + at;
    for (size_t j = 0; j < n; ++j) {
      x[j] += sum[j] - mine[j];
      base[j] += sum[j];
    }
    at += n;
  }
  others_done_ = counts_[0] - mine_at_start_;
  rows_pending_.reset();
  count_pending_.reset();
  stats_.count += 1;
  stats_.seconds += seconds_since(started_);
}

bool ModelSync::poll(int64_t done_in_epoch, int64_t done_in_run) {
  if (!d_.active()) return false;
  if (rows_pending_) {
    if (!rows_pending_->done() || !count_pending_->done()) return true;
    apply();
  }
  if (next_ <= per_epoch_ && done_in_epoch * (per_epoch_ + 1) >= next_ * shard_units_) {
    start_partial(next_++, done_in_run);
    return true;
  }
  return false;
}

void ModelSync::finish_epoch(int64_t done_in_run) {
  if (!d_.active()) return;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (rows_pending_) {
      rows_pending_->wait();
      count_pending_->wait();
      apply();
    }
    if (next_ > per_epoch_) break;
    start_partial(next_++, done_in_run);
  }
  next_ = 1;
  // Every row, in place: the threads are stopped. x - base, summed; then base + that.
  for (size_t t = 0; t < tables_.size(); ++t) {
    RowTable& table = *tables_[t];
    float* x = table.data();
    float* base = base_[t].data();
    const int64_t n = table.rows() * table.stride();
    parallel_for(n, 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) x[j] -= base[j];
    });
    d_.comm->allreduce(x, n, dist::ReduceOp::kSum);
    parallel_for(n, 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) base[j] = x[j] += base[j];
    });
    stats_.bytes += double(n) * sizeof(float);
  }
  counts_[0] = done_in_run;
  d_.comm->allreduce(counts_, 1, dist::ReduceOp::kSum);
  others_done_ = counts_[0] - done_in_run;
  stats_.count += 1;
  const double took = seconds_since(start);
  stats_.seconds += took;
  stats_.waited += took;
}

}  // namespace ember::models
