#include <ember/models/internal/model_sync.h>

#include <algorithm>
#include <numeric>

#include <ember/tensor/error.h>

namespace ember::models {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The most floats one whole sync packs for one collective: 1 MB, so that a chunk's rows,
// read by pack(), are still in cache when apply() writes them back, and its sum stays in
// cache through the collective (one 256 MB chunk took twice as long: 90 against 45 ms for
// CBOW's two en7m tables on 2 ranks).
constexpr size_t kChunkFloats = size_t(1) << 18;

// The most allreduce plans kept (a run uses a few sizes: its partial syncs', a whole sync's
// chunks and their last ones).
constexpr size_t kMaxPlans = 16;

}  // namespace

ModelSync::ModelSync(const Distributed& d, std::vector<RowTable*> tables, int64_t shard_units,
                     int64_t epoch_units, std::vector<SyncRows> rows)
    : d_(d), tables_(std::move(tables)), shard_units_(shard_units), epoch_units_(epoch_units) {
  EMBER_CHECK(d.sync_every > 0, "distributed training: sync_every must be positive, got ",
              d.sync_every);
  EMBER_CHECK(d.hot_rows >= 0, "distributed training: hot_rows must be >= 0, got ", d.hot_rows);
  EMBER_CHECK(rows.empty() || rows.size() == tables_.size(), "ModelSync: ", rows.size(),
              " SyncRows for ", tables_.size(), " tables");
  if (!d_.active()) return;
  per_epoch_ = epoch_units / d_.ranks() / d.sync_every;
  rows.resize(tables_.size());
  order_.resize(tables_.size());
  saturating_.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t n = tables_[t]->rows();
    checked_synced_rows(rows[t], n, t, "ModelSync");
    std::vector<int32_t>& order = order_[t];
    order = std::move(rows[t].order);
    if (order.empty()) {
      order.resize(size_t(n));
      std::iota(order.begin(), order.end(), 0);
    }
    saturating_[t] = rows[t].saturating;
    scale_rest_at_end_.push_back(rows[t].scales_rest_at_end(d_.ranks()));
    tiers_.push_back(rows[t].takes_tiers(d_.ranks()));
  }
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
  for (size_t t = 0; t < tables_.size(); ++t)
    sizes.insert(sizes.end(),
                 {tables_[t]->rows(), tables_[t]->stride(), synced(t), saturating_[t]});
  const std::vector<int64_t> all = comm.allgatherv(sizes);
  for (int r = 1; r < comm.size(); ++r)
    EMBER_CHECK(std::equal(sizes.begin(), sizes.end(), all.begin() + r * int64_t(sizes.size())),
                "distributed training: rank ", r, "'s corpus or tables differ from rank 0's (",
                all[size_t(r) * sizes.size()], " vs ", all[0],
                " units an epoch): every rank must read the same corpus with the same options");
  base_.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) {
    RowTable& table = *tables_[t];
    comm.broadcast(table.data(), table.rows() * table.stride(), 0);
    const int64_t W = width(t);
    base_[t].resize(size_t(synced(t) * W));
    for (int64_t i = 0; i < synced(t); ++i)
      std::copy_n(table.row(order_[t][size_t(i)]), W, base_[t].data() + i * W);
  }
}

void ModelSync::pack(bool stopped) {
  size_t floats = 0, rows = 0;
  for (const Range& r : ranges_) {
    floats += size_t((r.end - r.begin) * width(r.t));
    rows += size_t(r.end - r.begin);
  }
  // The changes go into change_, which the collective sums into sum_ and which apply() then
  // takes back out of x; with the threads stopped x is still base + change at apply(), so
  // they go straight into sum_, summed in place.
  floats_ = floats;
  used_ = floats + rows;
  if (used_ > sum_.size()) {
    plans_.clear();  // they point into both
    sum_.resize(used_);
    change_.resize(used_);
  }
  float* out = stopped ? sum_.data() : change_.data();
  size_t at = 0, row_at = floats;
  for (const Range& r : ranges_) {
    const int64_t W = width(r.t);
    for (int64_t i = r.begin; i < r.end; ++i, at += size_t(W)) {
      const float* x = tables_[r.t]->row(order_[r.t][size_t(i)]);
      const float* base = base_[r.t].data() + i * W;
      float* change = out + at;
      float squares = 0;
      for (int64_t j = 0; j < W; ++j) {
        change[j] = x[j] - base[j];
        squares += change[j] * change[j];
      }
      out[row_at++] = squares;
    }
  }
  stats_.bytes += double(used_) * sizeof(float);
}

dist::AllreducePlan& ModelSync::plan(size_t n, bool in_place) {
  const auto key = std::make_pair(n, in_place);
  auto found = plans_.find(key);
  if (found != plans_.end()) return *found->second;
  if (plans_.size() == kMaxPlans) plans_.clear();
  const float* send = in_place ? sum_.data() : change_.data();
  return *plans_
              .emplace(key, d_.comm->plan_allreduce(send, sum_.data(), int64_t(n), kFloat32,
                                                    dist::ReduceOp::kSum))
              .first->second;
}

void ModelSync::start_partial(int64_t k, int64_t done_in_run) {
  // The hot rows of each table's order and the k-th (1-based) slices of the rows past them.
  ranges_.clear();
  for (size_t t = 0; t < tables_.size(); ++t)
    for (const PositionRange& r :
         partial_sync_positions(synced(t), hot(t), k, per_epoch_, tiers_[t]))
      ranges_.push_back({t, r.begin, r.end});
  pack();
  started_ = std::chrono::steady_clock::now();
  rows_pending_ = plan(used_, /*in_place=*/false).start();
  mine_at_start_ = counts_[0] = done_in_run;
  count_pending_ = d_.comm->allreduce_async(counts_, 1, kInt64, dist::ReduceOp::kSum);
}

void ModelSync::apply(bool stopped) {
  size_t at = 0, row_at = floats_;
  for (const Range& r : ranges_) {
    const int64_t W = width(r.t);
    for (int64_t i = r.begin; i < r.end; ++i, at += size_t(W)) {
      float* x = tables_[r.t]->row(order_[r.t][size_t(i)]);
      float* base = base_[r.t].data() + i * W;
      const float* sum = sum_.data() + at;
      // A saturating row's sum (and, where its table asks, with 3 ranks or more, at the
      // epoch's end, the sum of a row past the hot ones) scaled by 1 / max(1, q), q = |sum of
      // changes|^2 / sum of |change|^2: 1 for independent (orthogonal) changes, P for P equal ones
      // (models/distributed.h).
      const float squares = sum_[row_at++];
      float scale = 1.0f;
      const bool rest_at_end = stopped && scale_rest_at_end_[r.t] && i >= hot(r.t);
      if (squares > 0 && (i < saturating_[r.t] || rest_at_end)) {
        float sum_squares = 0;
        for (int64_t j = 0; j < W; ++j) sum_squares += sum[j] * sum[j];
        scale = 1.0f / std::max(1.0f, sum_squares / squares);
      }
      if (stopped) {
        // Nothing changed x since pack(): x = base = the row as all ranks now agree on it.
        for (int64_t j = 0; j < W; ++j) x[j] = base[j] += sum[j] * scale;
        continue;
      }
      const float* mine = change_.data() + at;
      for (int64_t j = 0; j < W; ++j) {
        const float change = sum[j] * scale;
        x[j] += change - mine[j];
        base[j] += change;
      }
    }
  }
  others_done_ = counts_[0] - mine_at_start_;
  rows_pending_.reset();
  count_pending_.reset();
}

bool ModelSync::poll(int64_t done_in_epoch, int64_t done_in_run) {
  if (!d_.active()) return false;
  if (rows_pending_) {
    if (!rows_pending_->done() || !count_pending_->done()) return true;
    apply();
    stats_.count += 1;
    stats_.seconds += seconds_since(started_);
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
      stats_.count += 1;
    }
    if (next_ > per_epoch_) break;
    start_partial(next_++, done_in_run);
  }
  next_ = 1;
  // Every synced row, with the threads stopped: in chunks, each summed in one collective and
  // applied.
  ranges_.clear();
  size_t floats = 0;
  const auto flush = [&] {
    if (ranges_.empty()) return;
    pack(/*stopped=*/true);
    plan(used_, /*in_place=*/true).start()->wait();
    apply(/*stopped=*/true);
    ranges_.clear();
    floats = 0;
  };
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t W = width(t), rows_a_chunk = std::max<int64_t>(1, kChunkFloats / W);
    for (int64_t begin = 0; begin < synced(t);) {
      const int64_t end = std::min(synced(t), begin + rows_a_chunk - int64_t(floats) / W);
      ranges_.push_back({t, begin, end});
      floats += size_t((end - begin) * W);
      begin = end;
      if (floats + size_t(W) > kChunkFloats) flush();
    }
  }
  flush();
  counts_[0] = done_in_run;
  d_.comm->allreduce(counts_, 1, dist::ReduceOp::kSum);
  others_done_ = counts_[0] - done_in_run;
  stats_.count += 1;
  const double took = seconds_since(start);
  stats_.seconds += took;
  stats_.waited += took;
}

}  // namespace ember::models
