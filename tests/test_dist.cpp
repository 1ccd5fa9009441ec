// The distributed layer: the communicator's collectives and the fused trainers' ModelSync.
// Each test holds for any number of ranks: ctest runs this binary alone (this process alone)
// and, where MPI is built, under `mpirun -np 2` (dist.mpirun_np2), where every rank runs
// the same tests in the same order, so that their collectives meet.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <tuple>
#include <utility>
#include <vector>

#include <ember/dist/communicator.h>
#include <ember/dist/data_parallel.h>
#include <ember/models/internal/model_sync.h>
#include <ember/models/internal/tensor_sync.h>
#include <ember/nn/nn.h>
#include <ember/optim/optim.h>
#include <ember/tensor/tensor.h>

#include "testing.h"

namespace ember {
namespace {

dist::Communicator& comm() { return dist::world(); }

TEST(Dist, WorldSaysWhoItIs) {
  dist::Communicator& c = comm();
  EXPECT_GE(c.size(), 1);
  EXPECT_TRUE(c.rank() >= 0 && c.rank() < c.size());
  EXPECT_TRUE(c.local_rank() >= 0 && c.local_rank() < c.local_size());
  EXPECT_EQ(std::string(c.backend()), c.size() > 1 ? "mpi" : c.backend());
  EXPECT_EQ(dist::rank_label(c),
            c.size() > 1 ? detail::str("rank ", c.rank(), " of ", c.size()) : std::string());
  const std::vector<int64_t> ranks = c.allgather(int64_t(c.rank()));
  std::vector<int64_t> expected(size_t(c.size()));
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(ranks, expected);
}

// Rank r holds r + 1 + i at i: the sum over P ranks is P (P + 1) / 2 + P i.
TEST(Dist, AllreduceSumsAndAveragesEachType) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  std::vector<float> f(1000);
  std::vector<double> d(7);
  std::vector<int64_t> l(5);
  std::vector<int32_t> n(3);
  const auto fill = [&](auto& v) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = r + 1 + int(i);
  };
  fill(f), fill(d), fill(l), fill(n);
  c.allreduce(f.data(), int64_t(f.size()));
  c.allreduce(d.data(), int64_t(d.size()), dist::ReduceOp::kAverage);
  c.allreduce(l.data(), int64_t(l.size()));
  c.allreduce(n.data(), int64_t(n.size()));
  for (size_t i = 0; i < f.size(); ++i) ASSERT_EQ(f[i], float(P * (P + 1) / 2 + P * int(i))) << i;
  for (size_t i = 0; i < d.size(); ++i) EXPECT_DOUBLE_EQ(d[i], (P + 1) / 2.0 + double(i));
  for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(l[i], P * (P + 1) / 2 + P * int64_t(i));
  for (size_t i = 0; i < n.size(); ++i) EXPECT_EQ(n[i], P * (P + 1) / 2 + P * int32_t(i));
  // Nothing to reduce is no error.
  c.allreduce(f.data(), 0, kFloat32, dist::ReduceOp::kSum);
}

TEST(Dist, AsyncAllreduceFinishesAndAverages) {
  dist::Communicator& c = comm();
  std::vector<float> v(100000, float(c.rank()));
  std::unique_ptr<dist::Pending> p =
      c.allreduce_async(v.data(), int64_t(v.size()), kFloat32, dist::ReduceOp::kAverage);
  while (!p->done()) {
  }
  EXPECT_TRUE(p->done());
  p->wait();  // after done(): nothing more
  EXPECT_FLOAT_EQ(v.front(), float(c.size() - 1) / 2);
  EXPECT_FLOAT_EQ(v.back(), float(c.size() - 1) / 2);
}

// A plan started again reduces what the buffer holds then; two plans over one buffer (of
// different counts) each reduce their own part; an average divides at every start; out of
// place, send is left as it was.
TEST(Dist, PlannedAllreduceSumsTheBufferAtEveryStart) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  std::vector<float> v(300000);
  std::unique_ptr<dist::AllreducePlan> whole =
      c.plan_allreduce(v.data(), v.data(), int64_t(v.size()), kFloat32, dist::ReduceOp::kSum);
  std::unique_ptr<dist::AllreducePlan> front =
      c.plan_allreduce(v.data(), v.data(), 1000, kFloat32, dist::ReduceOp::kAverage);
  for (int round = 0; round < 3; ++round) {
    std::fill(v.begin(), v.end(), float(r + round));
    std::unique_ptr<dist::Pending> p = whole->start();
    while (!p->done()) {
    }
    const float sum = float(P * (P - 1) / 2 + P * round);
    ASSERT_EQ(v.front(), sum) << round;
    ASSERT_EQ(v.back(), sum) << round;
    front->start()->wait();
    ASSERT_EQ(v.front(), sum) << round;  // every rank held the sum: its average
    std::fill(v.begin(), v.end(), float(r));
    front->start()->wait();
    EXPECT_FLOAT_EQ(v[999], float(P - 1) / 2) << round;
    EXPECT_EQ(v[1000], float(r)) << round;  // past the plan's count: left alone
  }
  // Out of place: the sum lands in recv, send keeps this rank's values.
  std::vector<float> send(5000), recv(5000, -1.0f);
  std::unique_ptr<dist::AllreducePlan> apart =
      c.plan_allreduce(send.data(), recv.data(), 4000, kFloat32, dist::ReduceOp::kSum);
  for (int round = 0; round < 2; ++round) {
    std::fill(send.begin(), send.end(), float(r + round));
    apart->start()->wait();
    EXPECT_EQ(recv[0], float(P * (P - 1) / 2 + P * round)) << round;
    EXPECT_EQ(recv[3999], float(P * (P - 1) / 2 + P * round)) << round;
    EXPECT_EQ(recv[4000], -1.0f) << round;
    EXPECT_EQ(send[3999], float(r + round)) << round;
  }
  EXPECT_EMBER_ERROR(c.plan_allreduce(v.data(), v.data(), 2, kFloat16, dist::ReduceOp::kSum),
                     "collectives take float32, float64, int32 and int64 buffers, not float16");
  // Nothing to reduce is no error.
  c.plan_allreduce(v.data(), v.data(), 0, kFloat32, dist::ReduceOp::kSum)->start()->wait();
}

TEST(Dist, AllgathervGivesEveryRanksPartInRankOrder) {
  dist::Communicator& c = comm();
  // Rank r gives r + 1 values r * 10 + j; the last rank none at all when P > 1.
  const bool none = c.size() > 1 && c.rank() == c.size() - 1;
  std::vector<int64_t> mine;
  for (int j = 0; !none && j <= c.rank(); ++j) mine.push_back(c.rank() * 10 + j);
  std::vector<int64_t> counts;
  const std::vector<int64_t> all = c.allgatherv(mine, &counts);
  std::vector<int64_t> expected, expected_counts;
  for (int r = 0; r < c.size(); ++r) {
    const bool r_none = c.size() > 1 && r == c.size() - 1;
    expected_counts.push_back(r_none ? 0 : r + 1);
    for (int j = 0; !r_none && j <= r; ++j) expected.push_back(r * 10 + j);
  }
  EXPECT_EQ(all, expected);
  EXPECT_EQ(counts, expected_counts);
}

TEST(Dist, BroadcastFromTheLastRank) {
  dist::Communicator& c = comm();
  const int root = c.size() - 1;
  std::vector<double> v(3, c.rank() == root ? 2.5 : -1.0);
  c.broadcast(v.data(), 3, root);
  EXPECT_EQ(v, std::vector<double>(3, 2.5));
  c.barrier();
}

TEST(Dist, TensorForms) {
  dist::Communicator& c = comm();
  Tensor t = full({2, 3}, float(c.rank() + 1));
  c.allreduce(t, dist::ReduceOp::kSum);
  EXPECT_EQ(t.to_vector<float>(), std::vector<float>(6, float(c.size() * (c.size() + 1) / 2)));
  Tensor b = full({4}, int64_t(c.rank() == 0 ? 7 : 0), kInt64);
  c.broadcast(b);
  EXPECT_EQ(b.to_vector<int64_t>(), std::vector<int64_t>(4, 7));
  Tensor g = c.allgather(full({1, 2}, double(c.rank()), kFloat64));
  ASSERT_EQ(g.sizes(), (Shape{c.size(), 2}));
  for (int r = 0; r < c.size(); ++r) EXPECT_EQ(g.select(0, r).to_vector<double>()[1], double(r));
}

TEST(Dist, RefusesWhatCollectivesDoNotTake) {
  dist::Communicator& c = comm();
  std::vector<float> v(4);
  EXPECT_EMBER_ERROR(c.allreduce(v.data(), 2, kFloat16, dist::ReduceOp::kSum),
                     "collectives take float32, float64, int32 and int64 buffers, not float16");
  EXPECT_EMBER_ERROR(c.allreduce(v.data(), -1, kFloat32, dist::ReduceOp::kSum),
                     "count must be >= 0, got -1");
  EXPECT_EMBER_ERROR(c.broadcast(v.data(), 1, kFloat32, c.size()), "is not a rank of");
  EXPECT_EMBER_ERROR(c.allreduce(full({2, 3}, 1.0).transpose(0, 1)), "must be contiguous");
}

TEST(Dist, SingleProcessIsRankZeroOfOne) {
  std::unique_ptr<dist::Communicator> one = dist::single_process();
  EXPECT_EQ(one->size(), 1);
  EXPECT_EQ(one->rank(), 0);
  std::vector<float> v = {1, 2};
  one->allreduce(v.data(), 2, dist::ReduceOp::kAverage);
  EXPECT_EQ(v, (std::vector<float>{1, 2}));
  EXPECT_EQ(one->allgatherv(std::vector<int32_t>{4, 5}), (std::vector<int32_t>{4, 5}));
}

// Polls `sync` at `done` units until `syncs` syncs have been applied and none is in flight,
// for a minute at most. Under load MPI's progress is slow: a bound on the number of polls let
// one rank go on while the other still waited, and their changes then met in different syncs.
void poll_until(models::ModelSync& sync, int64_t done, int64_t syncs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while ((sync.poll(done, done) || sync.stats().count < syncs) &&
         std::chrono::steady_clock::now() < deadline) {
  }
}

// ModelSync on two tables: after start() every rank has rank 0's tables; each rank then
// changes some rows (row 0 by every rank, row 1 + r by rank r), and after the epoch's end every
// rank holds the start plus the sum of all ranks' changes, where a scaled row's equal
// changes count once.
TEST(Dist, ModelSyncSumsEveryRanksChanges) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  const int64_t V = 40, D = 5;
  models::RowTable a(V, D), b(V, D);
  a.init_uniform(uint64_t(100 + r));  // different on each rank: start() makes them rank 0's
  b.init_uniform(uint64_t(200 + r));
  models::Distributed d;
  d.comm = &c;
  d.sync_every = 10;
  d.hot_rows = 2;
  const int64_t epoch_units = 100 * P;  // 100 a rank: 10 partial syncs an epoch
  // Row 0 (hot) saturates: equal changes count once; row 1 (hot) sums them. Both tables in
  // row order.
  models::SyncRows rows;
  rows.saturating = 1;
  models::ModelSync sync(d, {&a, &b}, 100, epoch_units, {rows, rows});
  sync.start();
  models::RowTable a0(V, D), b0(V, D);
  a0.init_uniform(100);
  b0.init_uniform(200);
  EXPECT_EQ(a.to_tensor().to_vector<float>(), a0.to_tensor().to_vector<float>());
  EXPECT_EQ(sync.per_epoch(), P > 1 ? 10 : 0);

  const auto change = [&](models::RowTable& t, float by) {
    t.row(0)[0] += by;
    t.row(1)[2] += by;  // hot, not scaled: every rank's equal change counts
    t.row(1 + r)[1] += 2 * by;
  };
  // Halfway: the 5 partial syncs due by then start and are applied by later polls. Every
  // rank makes all 5 before changing b, so that row 0's equal changes meet in one sync.
  change(a, 1.0f);
  poll_until(sync, 50, P > 1 ? 5 : 0);
  change(b, 0.5f);
  sync.finish_epoch(100);
  for (int64_t row = 0; row < V; ++row)
    for (int64_t j = 0; j < D; ++j) {
      float ea = a0.row(row)[j], eb = b0.row(row)[j];
      // Row 0 is hot and every rank made the same change: it counts once (ModelSync's rule).
      if (row == 0 && j == 0) ea += 1.0f, eb += 0.5f;
      if (row == 1 && j == 2) ea += float(P), eb += 0.5f * float(P);
      if (row >= 1 && row <= P && j == 1) ea += 2.0f, eb += 1.0f;
      ASSERT_NEAR(a.row(row)[j], ea, 1e-6) << row << " " << j;
      ASSERT_NEAR(b.row(row)[j], eb, 1e-6) << row << " " << j;
    }
  EXPECT_EQ(sync.others_done(), 100 * (P - 1));
  if (P > 1) {
    EXPECT_EQ(sync.stats().count, 11);                                   // 10 partial, 1 whole
    EXPECT_GT(sync.stats().bytes, 2.0 * double(V * D) * sizeof(float));  // dims, not padding
  }
}

// A job of `size` ranks that all hold this process's buffers: a sum is size times the value,
// a gather size copies of it. One process then sees what ModelSync does when P ranks made
// equal changes.
class EqualRanks final : public dist::Communicator {
 public:
  explicit EqualRanks(int size) : Communicator(0, size, 0, size) {}
  const char* backend() const override { return "equal ranks"; }
  void allreduce(void* data, int64_t count, DType dtype, dist::ReduceOp op) override {
    if (op == dist::ReduceOp::kAverage) return;
    const auto times = [&](auto* p) {
      for (int64_t i = 0; i < count; ++i) p[i] *= size();
    };
    if (dtype == kFloat32) times(static_cast<float*>(data));
    if (dtype == kFloat64) times(static_cast<double*>(data));
    if (dtype == kInt32) times(static_cast<int32_t*>(data));
    if (dtype == kInt64) times(static_cast<int64_t*>(data));
  }
  std::unique_ptr<dist::Pending> allreduce_async(void* data, int64_t count, DType dtype,
                                                 dist::ReduceOp op) override {
    allreduce(data, count, dtype, op);
    struct Done final : dist::Pending {
      bool done() override { return true; }
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  void allgather(const void* send, void* recv, int64_t count, DType dtype) override {
    const size_t bytes = size_t(count) * element_size(dtype);
    for (int r = 0; r < size(); ++r)
      std::memcpy(static_cast<char*>(recv) + size_t(r) * bytes, send, bytes);
  }
  void allgatherv(const void* send, void* recv, const std::vector<int64_t>& counts,
                  DType dtype) override {
    allgather(send, recv, counts[0], dtype);
  }
  void broadcast(void*, int64_t, DType, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
};

// At the epoch's end, with 3 ranks or more, a row past the hot ones of a table that asks
// (SyncRows::scale_rest_at_end) is scaled as a saturating row is (its equal changes count
// once); with 2, or in a table that does not ask, its changes are summed. A hot row that does
// not saturate sums them, one that does counts them once, whatever the number of ranks.
TEST(Dist, ModelSyncScalesTheRowsPastTheHotOnesAtTheEpochsEndFromThreeRanks) {
  for (const int P : {2, 3, 4}) {
    EqualRanks c(P);
    const int64_t V = 12, D = 3;
    models::RowTable a(V, D);
    a.init_uniform(5);
    const std::vector<float> a0 = a.to_tensor().to_vector<float>();
    models::Distributed d;
    d.comm = &c;
    d.sync_every = 1000;  // no partial syncs: the epoch's end only
    d.hot_rows = 2;
    models::SyncRows rows;
    rows.saturating = 1;
    rows.scale_rest_at_end = true;
    models::RowTable other(V, D);  // a table that does not ask: summed at any P
    other.init_uniform(6);
    const float other0 = other.row(5)[0];
    models::ModelSync sync(d, {&a, &other}, 100, 100 * P, {rows, models::SyncRows{{}, 1}});
    sync.start();
    ASSERT_EQ(sync.per_epoch(), 0);
    for (const int64_t row : {0, 1, 5}) a.row(row)[0] += 1.0f;
    other.row(5)[0] += 1.0f;
    sync.finish_epoch(100);
    EXPECT_FLOAT_EQ(other.row(5)[0], other0 + float(P)) << P;
    EXPECT_FLOAT_EQ(a.row(0)[0], a0[0 * D] + 1.0f) << P;                    // saturating: once
    EXPECT_FLOAT_EQ(a.row(1)[0], a0[1 * D] + float(P)) << P;                // hot, not saturating
    EXPECT_FLOAT_EQ(a.row(5)[0], a0[5 * D] + (P >= 3 ? 1.0f : 2.0f)) << P;  // past the hot
    EXPECT_FLOAT_EQ(a.row(5)[1], a0[5 * D + 1]) << P;  // unchanged elements stay
    EXPECT_EQ(sync.others_done(), 100 * (P - 1)) << P;
  }
}

// From 3 ranks, in a table that asks (SyncRows::tiers), the partial syncs take the rows past
// the hot ones in tiers: with hot_rows 2 and 10 syncs an epoch, rows 2 and 3 come round every
// second sync (row 3 in syncs 2, 4, ...); otherwise the rest of the table comes in 10 slices
// (row 3 in the first). A change made to row 3 after sync 2 is summed over the ranks by sync 4
// with tiers, and is still this rank's alone without.
TEST(Dist, ModelSyncTakesTheRowsPastTheHotOnesInTiersFromThreeRanks) {
  for (const int P : {2, 3})
    for (const bool asks : {false, true}) {
      EqualRanks c(P);
      models::RowTable a(40, 2);
      a.init_uniform(7);
      const float start = a.row(3)[0];
      models::Distributed d;
      d.comm = &c;
      d.sync_every = 10;
      d.hot_rows = 2;
      models::SyncRows rows;
      rows.tiers = asks;
      models::ModelSync sync(d, {&a}, 100, 100 * P, {rows});
      sync.start();
      ASSERT_EQ(sync.per_epoch(), 10);
      poll_until(sync, 20, 2);
      a.row(3)[0] += 1.0f;
      poll_until(sync, 40, 4);
      EXPECT_FLOAT_EQ(a.row(3)[0], start + (P >= 3 && asks ? float(P) : 1.0f)) << P << asks;
      sync.finish_epoch(100);
      EXPECT_FLOAT_EQ(a.row(3)[0], start + float(P)) << P << asks;
    }
}

// The epoch's whole sync packs at most 1 MB for one collective: tables of 300,000 and
// 120,000 floats take two chunks, the second starting inside the first table and ending in
// the second. Each rank adds r + 1 to one element of every row: every row then holds the
// start plus the sum over the ranks, on every rank.
TEST(Dist, ModelSyncWholeSyncInChunksSumsEveryRow) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  models::RowTable a(3000, 100), b(2000, 60);
  a.init_uniform(7);
  b.init_uniform(8);
  const std::vector<float> a0 = a.to_tensor().to_vector<float>();
  const std::vector<float> b0 = b.to_tensor().to_vector<float>();
  models::Distributed d;
  d.comm = &c;
  d.sync_every = 1000;  // no partial sync: 100 units a rank an epoch
  models::ModelSync sync(d, {&a, &b}, 100, 100 * P);
  sync.start();
  for (models::RowTable* t : {&a, &b})
    for (int64_t row = 0; row < t->rows(); ++row) t->row(row)[row % t->dim()] += float(r + 1);
  sync.finish_epoch(100);
  const float added = float(P * (P + 1) / 2);
  for (auto [t, start] : {std::pair{&a, &a0}, std::pair{&b, &b0}})
    for (int64_t row = 0; row < t->rows(); ++row)
      for (int64_t j = 0; j < t->dim(); ++j)
        ASSERT_NEAR(t->row(row)[j],
                    (*start)[size_t(row * t->dim() + j)] + (j == row % t->dim() ? added : 0.0f),
                    1e-6)
            << row << " " << j;
}

// A table synced in an order of its own (fastText's input: the rows some word holds, most
// updated first): those rows sum every rank's changes, the order's first (row 9, saturating)
// counts equal changes once, its first two (rows 9 and 3) are in every partial sync, and a
// row outside the order is left as each rank has it.
TEST(Dist, ModelSyncFollowsATablesOrderAndLeavesTheOtherRowsAlone) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  models::RowTable a(12, 3);
  models::Distributed d;
  d.comm = &c;
  d.sync_every = 10;
  d.hot_rows = 2;
  models::SyncRows rows;
  rows.order = {9, 3, 0, 5, 1, 4};
  rows.saturating = 1;
  models::ModelSync sync(d, {&a}, 30, 30 * P, {rows});
  sync.start();                                                  // rank 0's zeros everywhere
  for (int64_t row = 0; row < 12; ++row) a.row(row)[0] += 1.0f;  // every row, on every rank
  a.row(7)[1] = float(r);
  if (r == 0) a.row(3)[2] += 4.0f;
  // Halfway, two of the epoch's three partial syncs are made: hot row 3 has rank 0's change
  // on every rank.
  poll_until(sync, 15, P > 1 ? 2 : 0);
  EXPECT_FLOAT_EQ(a.row(3)[2], 4.0f);
  for (int i = 0; i < 1000 && sync.poll(30, 30); ++i) {
  }
  sync.finish_epoch(30);
  for (int64_t row = 0; row < 12; ++row) {
    const bool synced = row == 0 || row == 1 || row == 3 || row == 4 || row == 5 || row == 9;
    EXPECT_FLOAT_EQ(a.row(row)[0], synced && row != 9 ? float(P) : 1.0f) << row;
  }
  EXPECT_FLOAT_EQ(a.row(7)[1], float(r));
  EXPECT_FLOAT_EQ(a.row(3)[2], 4.0f);
}

// TensorSync (the GPU trainers' syncs, here on CPU tensors): start() gives every rank rank 0's
// tables; after an epoch's launches, each rank's changes of that epoch are summed on every
// rank (a scaled row's equal changes counted once), and each launch trains its own part.
TEST(Dist, TensorSyncSumsEveryRanksChangesByTheEpochsEnd) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  models::Distributed d;
  d.comm = &c;
  d.hot_rows = 3;
  models::SyncRows rows;
  rows.saturating = 1;
  Tensor a = full({30, 4}, double(r)), b = full({30, 4}, 10.0 + r);
  models::TensorSync sync(d, {a, b}, 5, {rows, rows});
  sync.start();
  EXPECT_EQ(a.to_vector<float>(), std::vector<float>(120, 0.0f));
  EXPECT_EQ(b.to_vector<float>(), std::vector<float>(120, 10.0f));
  std::vector<int64_t> parts;
  for (int64_t k = 0; k < 5; ++k) {
    parts.push_back(sync.part(k));
    NoGradGuard no_grad;
    a.narrow(0, 0, 1).add_(full({1, 4}, 1.0));         // a hot row, every launch
    a.narrow(0, 20 + r, 1).add_(full({1, 4}, 2.0));    // a cold one, rank r's own
    b.narrow(0, 29, 1).add_(full({1, 4}, double(k)));  // the last row
    sync.after_launch(k);
  }
  const std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
  for (int64_t row = 0; row < 30; ++row)
    for (int64_t j = 0; j < 4; ++j) {
      float ea = 0, eb = 10;
      if (row == 0) ea = 5.0f;  // scaled, the same change on every rank: counted once
      if (row >= 20 && row < 20 + P) ea = 10.0f;
      if (row == 29) eb += 10.0f * float(P);
      ASSERT_FLOAT_EQ(x[size_t(row * 4 + j)], ea) << row;
      ASSERT_FLOAT_EQ(y[size_t(row * 4 + j)], eb) << row;
    }
  EXPECT_EQ(sync.parts(), 5 * P);
  for (int64_t k = 0; k < 5; ++k) EXPECT_EQ(parts[size_t(k)], k * P + r);
  EXPECT_EQ(sync.stats().count, P > 1 ? 5 : 0);
}

// TensorSync's whole sync (its last launch) follows ModelSync's rule for the rows past the
// hot ones (the test above): scaled from 3 ranks where the table asks, summed otherwise.
TEST(Dist, TensorSyncScalesTheRowsPastTheHotOnesAtTheEpochsEndFromThreeRanks) {
  for (const int P : {2, 3, 4}) {
    EqualRanks c(P);
    models::Distributed d;
    d.comm = &c;
    d.hot_rows = 2;
    models::SyncRows asks{{}, 1, true}, does_not{{}, 1, false};
    Tensor a = zeros({12, 3}), b = zeros({12, 3});
    models::TensorSync sync(d, {a, b}, 1, {asks, does_not});
    sync.start();
    {
      NoGradGuard no_grad;
      for (const int64_t row : {0, 1, 5}) a.narrow(0, row, 1).add_(full({1, 3}, 1.0));
      b.narrow(0, 5, 1).add_(full({1, 3}, 1.0));
    }
    sync.after_launch(0);
    const std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
    EXPECT_FLOAT_EQ(x[0 * 3], 1.0f) << P;                      // saturating: once
    EXPECT_FLOAT_EQ(x[1 * 3], float(P)) << P;                  // hot, not saturating
    EXPECT_FLOAT_EQ(x[5 * 3], P >= 3 ? 1.0f : float(P)) << P;  // past the hot, asks
    EXPECT_FLOAT_EQ(y[5 * 3], float(P)) << P;                  // does not ask
    EXPECT_FLOAT_EQ(x[6 * 3], 0.0f) << P;                      // unchanged rows stay
  }
}

// TensorSync's partial syncs take the same tiers (ModelSync's test above): 11 launches make 10
// partial syncs and the epoch's whole one.
TEST(Dist, TensorSyncTakesTheRowsPastTheHotOnesInTiersFromThreeRanks) {
  for (const int P : {2, 3})
    for (const bool asks : {false, true}) {
      EqualRanks c(P);
      models::Distributed d;
      d.comm = &c;
      d.hot_rows = 2;
      models::SyncRows rows;
      rows.tiers = asks;
      Tensor a = zeros({40, 2});
      models::TensorSync sync(d, {a}, 11, {rows});
      sync.start();
      const auto row3 = [&] { return a.to_vector<float>()[3 * 2]; };
      sync.after_launch(0);
      sync.after_launch(1);
      {
        NoGradGuard no_grad;
        a.narrow(0, 3, 1).add_(full({1, 2}, 1.0));
      }
      sync.after_launch(2);
      sync.after_launch(3);
      EXPECT_FLOAT_EQ(row3(), P >= 3 && asks ? float(P) : 1.0f) << P << asks;
      for (int64_t k = 4; k < 11; ++k) sync.after_launch(k);
      EXPECT_FLOAT_EQ(row3(), float(P)) << P << asks;
    }
}

// TensorSync over a table with an order of its own: the rows outside it are left as each rank
// has them, the saturating ones (the order's first, row 7) count equal changes once, and a
// hot row (7 and 2, the order's first two) is synced after every launch.
TEST(Dist, TensorSyncFollowsATablesOrder) {
  dist::Communicator& c = comm();
  const int P = c.size(), r = c.rank();
  models::Distributed d;
  d.comm = &c;
  d.hot_rows = 2;
  models::SyncRows rows;
  rows.order = {7, 2, 0, 5, 9};
  rows.saturating = 1;
  Tensor a = full({10, 3}, double(r));
  models::TensorSync sync(d, {a}, 3, {rows});
  sync.start();
  NoGradGuard no_grad;
  a.add_(full({10, 3}, 1.0));  // every row, on every rank
  a.narrow(0, 4, 1).fill_(double(r));
  a.narrow(0, 2, 1).add_(full({1, 3}, r == 0 ? 5.0 : 0.0));
  sync.after_launch(0);
  // Hot row 2: rank 0's change is everywhere after the first launch.
  EXPECT_FLOAT_EQ(a.to_vector<float>()[2 * 3], P > 1 ? float(P) + 5.0f : 6.0f);
  sync.after_launch(1);
  sync.after_launch(2);
  const std::vector<float> x = a.to_vector<float>();
  for (int64_t row = 0; row < 10; ++row) {
    float e = 1.0f;                                      // outside the order: this rank's own
    if (row == 0 || row == 5 || row == 9) e = float(P);  // summed
    if (row == 2) e = float(P) + 5.0f;
    if (row == 4) e = float(r);
    if (P == 1) e = row == 4 ? 0.0f : row == 2 ? 6.0f : 1.0f;
    for (int64_t j = 0; j < 3; ++j) ASSERT_FLOAT_EQ(x[size_t(row * 3 + j)], e) << row;
  }
}

// A sparse Embedding (SparseAdam) feeding a Linear (AdamW), trained on a batch of 16: one
// process on the whole batch, and every rank on its part of it through DataParallel. After
// five steps their weights agree to 1e-6 (the gradients' sums run in another order).
struct Net {
  std::shared_ptr<nn::Embedding> emb;
  std::shared_ptr<nn::Linear> lin;
  std::unique_ptr<optim::SparseAdam> sparse;
  std::unique_ptr<optim::AdamW> dense;
  Net(uint64_t seed) {
    Generator g(seed);
    nn::EmbeddingOptions o;
    o.sparse = true;
    emb = std::make_shared<nn::Embedding>(50, 8, o, &g);
    lin = std::make_shared<nn::Linear>(8, 3, true, &g);
    sparse = std::make_unique<optim::SparseAdam>(emb->parameters(), 0.05);
    dense = std::make_unique<optim::AdamW>(lin->parameters(), 0.05);
  }
  // Mean squared error of the rows [begin, end) of the batch.
  void step(const std::vector<int64_t>& ids, const Tensor& target, int64_t begin, int64_t end,
            dist::DataParallel* emb_dp, dist::DataParallel* lin_dp) {
    sparse->zero_grad();
    dense->zero_grad();
    const std::vector<int64_t> part(ids.begin() + begin, ids.begin() + end);
    Tensor out = lin->forward(emb->forward(tensor(part, {end - begin}, kInt64)));
    Tensor diff = out - target.narrow(0, begin, end - begin);
    mul(diff, diff).mean().backward();
    if (emb_dp) emb_dp->average_gradients();
    if (lin_dp) lin_dp->average_gradients();
    sparse->step();
    dense->step();
  }
};

TEST(DistDataParallel, RanksOnPartsOfABatchStepAsOneProcessOnTheWhole) {
  dist::Communicator& c = comm();
  const int64_t B = 16;
  ASSERT_EQ(B % c.size(), 0);
  Net whole(7), parts(1000 + uint64_t(c.rank()));  // DataParallel gives every rank rank 0's...
  Net rank0(1000);                                 // ...which are these
  dist::DataParallel emb_dp(*parts.emb, c), lin_dp(*parts.lin, c);
  EXPECT_EQ(parts.emb->weight.to_vector<float>(), rank0.emb->weight.to_vector<float>());
  whole.emb->weight.detach().copy_(parts.emb->weight.detach());
  for (size_t i = 0; i < whole.lin->parameters().size(); ++i)
    whole.lin->parameters()[i].detach().copy_(parts.lin->parameters()[i].detach());

  Generator g(3);
  const int64_t part = B / c.size(), begin = c.rank() * part;
  for (int t = 0; t < 5; ++t) {
    // Ids with repeats, some rows on one rank only; the same batch on every rank.
    std::vector<int64_t> ids(B);
    for (int64_t i = 0; i < B; ++i) ids[size_t(i)] = (7 * i + 3 * t) % (i % 3 ? 50 : 11);
    const Tensor target = randn({B, 3}, &g);
    whole.step(ids, target, 0, B, nullptr, nullptr);
    parts.step(ids, target, begin, begin + part, &emb_dp, &lin_dp);
  }
  const auto max_diff = [](const Tensor& a, const Tensor& b) {
    const std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
    float worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
    return worst;
  };
  EXPECT_LT(max_diff(whole.emb->weight, parts.emb->weight), 1e-6);
  for (size_t i = 0; i < whole.lin->parameters().size(); ++i)
    EXPECT_LT(max_diff(whole.lin->parameters()[i], parts.lin->parameters()[i]), 1e-6) << i;
}

// word_updates and rows_in_row_order: the words a rank updates so often between two syncs
// that lr x updates >= 1. Counts 10^6, 10^4, 10^2 of 1,010,100 tokens, no subsampling,
// window 5, 5 negatives, lr 0.025: a word's input row takes 5 updates an occurrence, so one
// with 8 or more occurrences between syncs saturates (5 x 8 x 0.025 = 1). Every 10^5 ids the
// third word has ~9.9 of them: all three; every 10^3, the second's ~9.9: two; every 10, the
// first's ~9.9: one; every id, none. An output row takes one update an occurrence and its
// negative draws: every 10^3 ids the first word's ~990 + 5 x 1000 x ~0.97 make it saturate,
// the second's ~9.9 + ~153 do (lr x 163 = 4.1), the third's ~0.1 + ~4.9 do not.
TEST(Dist, SaturatingRowsAreTheRowsUpdatedMostBetweenSyncs) {
  const std::vector<int64_t> counts = {1000000, 10000, 100};
  const std::vector<uint32_t> keep(3, ~0u);
  const auto input_saturating = [&](int64_t sync_every) {
    const models::WordUpdates u = models::word_updates(counts, keep, 5, 5, 0.75, sync_every);
    const models::SyncRows rows = models::rows_in_row_order(u.input, 0.025);
    EXPECT_TRUE(rows.order.empty());
    return rows.saturating;
  };
  EXPECT_EQ(input_saturating(100000), 3);
  EXPECT_EQ(input_saturating(1000), 2);
  EXPECT_EQ(input_saturating(10), 1);
  EXPECT_EQ(input_saturating(1), 0);
  const models::WordUpdates u = models::word_updates(counts, keep, 5, 5, 0.75, 1000);
  EXPECT_NEAR(u.input[1], 5 * 10000 * 1000 / 1010100.0, 1e-6);  // keep: 1 - 2^-32
  EXPECT_EQ(models::rows_in_row_order(u.output, 0.025).saturating, 2);
  EXPECT_TRUE(models::word_updates({}, {}, 5, 5, 0.75, 10).input.empty());
}

// rows_by_updates: the rows with any updates, most first (ties: the lower row first), and of
// those the ones with lr x updates >= 1 saturate.
TEST(Dist, RowsByUpdatesOrdersTheRowsMostUpdatedFirst) {
  const models::SyncRows rows = models::rows_by_updates({0.5, 0, 30, 2, 30, 0, 50}, 0.1);
  EXPECT_EQ(rows.order, (std::vector<int32_t>{6, 2, 4, 3, 0}));
  EXPECT_EQ(rows.saturating, 3);
  EXPECT_TRUE(models::rows_by_updates({0, 0}, 0.1).order.empty());
}

// partial_sync_positions: the hot rows in every sync, then tiers of 8, 16, 32 rows synced
// every 2nd, 4th and 8th sync, and the rest (a tier of 64 would come round every 16th sync,
// less than once in an epoch of 10) in 10 slices: sync 3 takes the first slice of tier 1, the
// third of tiers 2 and 3 and of the rest.
TEST(Dist, PartialSyncsTakeTheTiersPastTheHotRowsAsOftenAsTheyAreUpdated) {
  using Ranges = std::vector<std::pair<int64_t, int64_t>>;
  const auto ranges = [](int64_t synced, int64_t hot, int64_t k, int64_t per_epoch,
                         bool tiers = true) {
    Ranges out;
    for (const models::PositionRange& r :
         models::partial_sync_positions(synced, hot, k, per_epoch, tiers))
      out.push_back({r.begin, r.end});
    return out;
  };
  EXPECT_EQ(ranges(100, 8, 3, 10), (Ranges{{0, 8}, {8, 12}, {24, 28}, {40, 44}, {72, 76}}));
  // The rest's 36 rows go in slices of 4: the 10th sync has none left.
  EXPECT_EQ(ranges(100, 8, 10, 10), (Ranges{{0, 8}, {12, 16}, {20, 24}, {36, 40}}));
  // Without tiers (2 ranks): the hot rows and a tenth of the other 92 (slices of 10).
  EXPECT_EQ(ranges(100, 8, 3, 10, false), (Ranges{{0, 8}, {28, 38}}));
  EXPECT_EQ(ranges(100, 8, 10, 10, false), (Ranges{{0, 8}, {98, 100}}));
  // Without hot rows: a tenth of the table.
  EXPECT_EQ(ranges(100, 0, 3, 10), (Ranges{{20, 30}}));
  // Over any epoch: every row at least once, each tier's rows every 2^j syncs (the rest's
  // once), and every sync about the same size.
  struct Case {
    int64_t synced, hot, per_epoch;
    bool tiers;
  };
  const Case cases[] = {{100, 8, 10, true},    {54280, 4096, 17, true}, {1000, 0, 7, true},
                        {1000, 1000, 5, true}, {1000, 300, 1, true},    {1000, 300, 2, true},
                        {5, 1, 30, true},      {1000, 40, 64, true},    {54280, 4096, 37, false},
                        {1000, 40, 64, false}};
  for (const auto& [synced, hot, per_epoch, tiers] : cases) {
    std::vector<std::vector<int64_t>> when(static_cast<size_t>(synced));  // syncs taking a row
    int64_t fewest = synced, most = 0;
    for (int64_t k = 1; k <= per_epoch; ++k) {
      int64_t rows = 0, last_end = 0;
      for (const auto& [begin, end] : ranges(synced, hot, k, per_epoch, tiers)) {
        ASSERT_LE(last_end, begin);  // in order, none twice
        ASSERT_LT(begin, end);
        for (int64_t p = begin; p < end; ++p) when[size_t(p)].push_back(k);
        rows += end - begin;
        last_end = end;
      }
      fewest = std::min(fewest, rows);
      most = std::max(most, rows);
    }
    for (int64_t p = 0; p < synced; ++p) {
      SCOPED_TRACE(::testing::Message()
                   << synced << " " << hot << " " << per_epoch << " " << tiers << " row " << p);
      // Row p's tier j: 0 for the hot rows, j for [hot 2^(j-1), hot 2^j); it comes round at
      // least every min(2^j, per_epoch) syncs (without hot rows or tiers, once an epoch).
      int64_t every = p < hot ? 1 : tiers && hot > 0 ? 2 : per_epoch;
      for (int64_t lo = 2 * hot; tiers && hot > 0 && p >= lo; lo *= 2) every *= 2;
      every = std::min(every, per_epoch);
      const std::vector<int64_t>& k = when[size_t(p)];
      ASSERT_FALSE(k.empty());
      EXPECT_LE(k.front(), every);
      for (size_t i = 1; i < k.size(); ++i) EXPECT_LE(k[i] - k[i - 1], every);
      EXPECT_LE(per_epoch - k.back(), every - 1);
    }
    if (synced > 100 && hot < synced) {
      EXPECT_LE(double(most), 1.25 * double(fewest)) << synced << " " << hot;
    }
  }
  EXPECT_EMBER_ERROR(models::partial_sync_positions(10, 2, 0, 5, true), "partial sync 0 of 5");
  EXPECT_EMBER_ERROR(models::partial_sync_positions(10, 2, 6, 5, false), "partial sync 6 of 5");
}

}  // namespace
}  // namespace ember
