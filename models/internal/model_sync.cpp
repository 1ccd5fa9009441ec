#include <ember/models/internal/model_sync.h>

#include <algorithm>
#include <cstring>

#include <ember/tensor/error.h>

namespace ember::models {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The most floats one whole sync packs for one collective (256 MB).
constexpr size_t kChunkFloats = size_t(1) << 26;

}  // namespace

ModelSync::ModelSync(const Distributed& d, std::vector<RowTable*> tables, int64_t shard_units,
                     int64_t epoch_units, std::vector<std::vector<int32_t>> live)
    : d_(d), tables_(std::move(tables)), shard_units_(shard_units), epoch_units_(epoch_units) {
  EMBER_CHECK(d.sync_every > 0, "distributed training: sync_every must be positive, got ",
              d.sync_every);
  EMBER_CHECK(d.hot_rows >= 0, "distributed training: hot_rows must be >= 0, got ", d.hot_rows);
  EMBER_CHECK(live.empty() || live.size() == tables_.size(), "ModelSync: ", live.size(),
              " live-row lists for ", tables_.size(), " tables");
  if (!d_.active()) return;
  per_epoch_ = epoch_units / d_.ranks() / d.sync_every;
  runs_.resize(tables_.size());
  cold_.resize(tables_.size());
  slot_.resize(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t rows = tables_[t]->rows();
    const std::vector<int32_t>* rows_of = live.empty() || live[t].empty() ? nullptr : &live[t];
    if (!rows_of) {
      runs_[t].push_back({t, 0, rows});
    } else {
      slot_[t].assign(size_t(rows), -1);
      int32_t slot = 0;
      for (const int32_t row : *rows_of) {
        EMBER_CHECK(row >= 0 && row < rows && slot_[t][size_t(row)] < 0, "ModelSync: live row ",
                    row, " of table ", t, " out of range or repeated");
        slot_[t][size_t(row)] = slot++;
        if (!runs_[t].empty() && runs_[t].back().end == row)
          ++runs_[t].back().end;
        else
          runs_[t].push_back({t, row, int64_t(row) + 1});
      }
    }
    for (const Range& r : runs_[t])
      for (int64_t row = std::max(r.begin, d.hot_rows); row < r.end; ++row) cold_[t].push_back(row);
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
    sizes.insert(sizes.end(), {tables_[t]->rows(), tables_[t]->stride(), int64_t(runs_[t].size())});
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
    base_[t].clear();
    for (const Range& r : runs_[t])
      base_[t].insert(base_[t].end(), table.row(r.begin), table.row(r.end));
  }
}

void ModelSync::runs_within(size_t t, int64_t lo, int64_t hi, std::vector<Range>& out) const {
  for (const Range& r : runs_[t]) {
    const int64_t begin = std::max(r.begin, lo), end = std::min(r.end, hi);
    if (begin < end) out.push_back({t, begin, end});
  }
}

void ModelSync::cold_slice(size_t t, int64_t k, std::vector<Range>& out) const {
  const std::vector<int64_t>& cold = cold_[t];
  const int64_t n = int64_t(cold.size()), slice = (n + per_epoch_ - 1) / per_epoch_;
  for (int64_t i = std::min(n, k * slice), end = std::min(n, (k + 1) * slice); i < end; ++i) {
    if (!out.empty() && out.back().t == t && out.back().end == cold[size_t(i)])
      ++out.back().end;
    else
      out.push_back({t, cold[size_t(i)], cold[size_t(i)] + 1});
  }
}

void ModelSync::pack() {
  size_t floats = 0;
  for (const Range& r : ranges_) floats += size_t((r.end - r.begin) * tables_[r.t]->stride());
  size_t rows = 0;
  for (const Range& r : ranges_) rows += size_t(r.end - r.begin);
  // sum_: the rows' changes, then each row's squared length of this rank's change.
  change_.resize(floats);
  sum_.resize(floats + rows);
  size_t at = 0, row_at = floats;
  for (const Range& r : ranges_) {
    const int64_t S = tables_[r.t]->stride();
    const float* x = tables_[r.t]->row(r.begin);
    const float* base = base_of(r, r.begin);  // a run's rows are consecutive in base_ too
    for (int64_t row = r.begin; row < r.end; ++row, at += size_t(S)) {
      float squares = 0;
      for (int64_t j = 0; j < S; ++j) {
        const float c = x[(row - r.begin) * S + j] - base[(row - r.begin) * S + j];
        change_[at + size_t(j)] = c;
        squares += c * c;
      }
      sum_[row_at++] = squares;
    }
  }
  std::memcpy(sum_.data(), change_.data(), floats * sizeof(float));
  stats_.bytes += double(sum_.size()) * sizeof(float);
}

void ModelSync::start_partial(int64_t k, int64_t done_in_run) {
  // Rows [0, hot) of each table, and its k-th slice (1-based) of the rest.
  ranges_.clear();
  for (size_t t = 0; t < tables_.size(); ++t) {
    runs_within(t, 0, d_.hot_rows, ranges_);
    cold_slice(t, k - 1, ranges_);
  }
  pack();
  started_ = std::chrono::steady_clock::now();
  rows_pending_ =
      d_.comm->allreduce_async(sum_.data(), int64_t(sum_.size()), kFloat32, dist::ReduceOp::kSum);
  mine_at_start_ = counts_[0] = done_in_run;
  count_pending_ = d_.comm->allreduce_async(counts_, 1, kInt64, dist::ReduceOp::kSum);
}

void ModelSync::apply() {
  size_t at = 0, row_at = change_.size();
  for (const Range& r : ranges_) {
    const int64_t S = tables_[r.t]->stride();
    for (int64_t row = r.begin; row < r.end; ++row, at += size_t(S)) {
      float* x = tables_[r.t]->row(row);
      float* base = base_of(r, r.begin) + (row - r.begin) * S;
      const float* sum = sum_.data() + at;
      const float* mine = change_.data() + at;
      // A saturating row's sum scaled by 1 / max(1, q), q = |sum of changes|^2 / sum of
      // |change|^2: 1 for independent (orthogonal) changes, P for P equal ones
      // (models/distributed.h).
      float sum_squares = 0;
      for (int64_t j = 0; j < S; ++j) sum_squares += sum[j] * sum[j];
      const float squares = sum_[row_at++];
      const float scale =
          squares > 0 && row < d_.scaled_rows ? 1.0f / std::max(1.0f, sum_squares / squares) : 1.0f;
      for (int64_t j = 0; j < S; ++j) {
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
  // Every synced row, with the threads stopped: in chunks of whole runs' pieces, each summed
  // in one collective and applied.
  ranges_.clear();
  size_t floats = 0;
  const auto flush = [&] {
    if (ranges_.empty()) return;
    pack();
    d_.comm->allreduce(sum_.data(), int64_t(sum_.size()), dist::ReduceOp::kSum);
    apply();
    ranges_.clear();
    floats = 0;
  };
  for (size_t t = 0; t < tables_.size(); ++t) {
    const int64_t S = tables_[t]->stride(), rows_a_chunk = std::max<int64_t>(1, kChunkFloats / S);
    for (const Range& run : runs_[t])
      for (int64_t begin = run.begin; begin < run.end;) {
        const int64_t end = std::min(run.end, begin + rows_a_chunk - int64_t(floats) / S);
        ranges_.push_back({t, begin, end});
        floats += size_t((end - begin) * S);
        begin = end;
        if (floats + size_t(S) > kChunkFloats) flush();
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
