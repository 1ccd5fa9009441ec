// The NCCL backend on this machine's first GPU (a communicator of this process alone, made
// over the single-process one): its collectives on device tensors against what they must
// give. The CUDA trainers' syncs between launches (models/internal/tensor_sync.h) run over it
// with two ranks or more, one per GPU: `mpirun -np G` on a host with G GPUs runs this binary's
// tests on each rank (its GPU: the rank's local one). SKIPPED without a GPU or without NCCL.
#include <gtest/gtest.h>

#include <ember/dist/communicator.h>
#include <ember/models/internal/tensor_sync.h>
#include <ember/tensor/tensor.h>

#include "testing.h"

namespace ember {
namespace {

#define REQUIRE_NCCL()                                                                    \
  EMBER_REQUIRE_CUDA();                                                                   \
  if (!dist::has_nccl()) GTEST_SKIP() << "SKIPPED: this ember is built without NCCL";     \
  if (dist::world().local_size() > cuda_device_count())                                   \
  GTEST_SKIP() << "SKIPPED: " << dist::world().local_size() << " ranks on this host but " \
               << cuda_device_count() << " GPUs"

std::unique_ptr<dist::Communicator> nccl() {
  return dist::nccl_communicator(dist::world(), dist::world().local_rank());
}

Device gpu() { return Device(kCUDA, dist::world().local_rank()); }

TEST(CudaDist, NcclCollectivesOnDeviceTensors) {
  REQUIRE_NCCL();
  std::unique_ptr<dist::Communicator> c = nccl();
  const int P = c->size(), r = c->rank();
  EXPECT_STREQ(c->backend(), "nccl");
  EXPECT_TRUE(c->on_device());
  Tensor t = full({1000, 3}, double(r + 1)).to(gpu());
  c->allreduce(t, dist::ReduceOp::kSum);
  EXPECT_EQ(t.cpu().to_vector<float>(), std::vector<float>(3000, float(P * (P + 1) / 2)));
  Tensor avg = full({7}, double(r), kFloat64).to(gpu());
  std::unique_ptr<dist::Pending> p =
      c->allreduce_async(avg.raw_data(), 7, kFloat64, dist::ReduceOp::kAverage);
  p->wait();
  EXPECT_TRUE(p->done());
  EXPECT_EQ(avg.cpu().to_vector<double>(), std::vector<double>(7, (P - 1) / 2.0));
  Tensor b = full({5}, r == 0 ? 4.0 : 0.0, kInt64).to(gpu());
  c->broadcast(b, 0);
  EXPECT_EQ(b.cpu().to_vector<int64_t>(), std::vector<int64_t>(5, 4));
  Tensor g = c->allgather(full({2, 2}, double(r)).to(gpu()));
  ASSERT_EQ(g.sizes(), (Shape{2 * P, 2}));
  EXPECT_EQ(g.cpu().select(0, 2 * P - 1).to_vector<float>(), std::vector<float>(2, float(P - 1)));
  // allgatherv (broadcasts in one group): rank r gives r + 1 int64 values.
  Tensor mine = full({r + 1}, double(10 * r), kInt64).to(gpu());
  const std::vector<int64_t> counts = c->gather_counts(r + 1);
  int64_t total = 0;
  for (int64_t n : counts) total += n;
  Tensor all = empty({total}, TensorOptions(kInt64).device(gpu()));
  c->allgatherv(mine.raw_data(), all.raw_data(), counts, kInt64);
  std::vector<int64_t> expected;
  for (int q = 0; q < P; ++q) expected.insert(expected.end(), size_t(q + 1), 10 * q);
  EXPECT_EQ(all.cpu().to_vector<int64_t>(), expected);
  EXPECT_EMBER_ERROR(c->allreduce(full({2}, 1.0)), "takes CUDA tensors");
  EXPECT_EMBER_ERROR(c->allgather(int64_t(1)), "this form takes host values");
}

// TensorSync over NCCL on the GPU tables: every rank's changes summed by the epoch's end.
TEST(CudaDist, TensorSyncOverNccl) {
  REQUIRE_NCCL();
  dist::Communicator& c = dist::world();
  if (c.size() < 2) GTEST_SKIP() << "SKIPPED: syncs need two ranks (mpirun -np 2, 2 GPUs)";
  models::Distributed d;
  d.comm = &c;
  d.hot_rows = 2;
  Tensor a = full({16, 4}, double(c.rank())).to(gpu());
  models::TensorSync sync(d, {a}, 4);
  sync.start();
  for (int64_t k = 0; k < 4; ++k) {
    NoGradGuard no_grad;
    a.narrow(0, 10, 1).add_(full({1, 4}, 1.0).to(gpu()));  // a cold row (hot_rows 2)
    sync.after_launch(k);
  }
  const std::vector<float> x = a.cpu().to_vector<float>();
  for (int64_t row = 0; row < 16; ++row)
    EXPECT_FLOAT_EQ(x[size_t(row * 4)], row == 10 ? 4.0f * float(c.size()) : 0.0f) << row;
}

// The same over a table with an order of its own: the ordered rows gathered on the GPU and
// written back (sgd_update_rows); a row outside the order is left as each rank has it.
TEST(CudaDist, TensorSyncOverNcclFollowsATablesOrder) {
  REQUIRE_NCCL();
  dist::Communicator& c = dist::world();
  if (c.size() < 2) GTEST_SKIP() << "SKIPPED: syncs need two ranks (mpirun -np 2, 2 GPUs)";
  models::Distributed d;
  d.comm = &c;
  d.hot_rows = 1;
  models::SyncRows rows;
  rows.order = {10, 3, 7};
  Tensor a = full({16, 4}, double(c.rank())).to(gpu());
  models::TensorSync sync(d, {a}, 2, {rows});
  sync.start();
  NoGradGuard no_grad;
  a.add_(full({16, 4}, 1.0).to(gpu()));  // every row, on every rank
  sync.after_launch(0);
  sync.after_launch(1);
  const std::vector<float> x = a.cpu().to_vector<float>();
  for (int64_t row = 0; row < 16; ++row) {
    const bool synced = row == 10 || row == 3 || row == 7;
    EXPECT_FLOAT_EQ(x[size_t(row * 4)], synced ? float(c.size()) : 1.0f) << row;
  }
}

}  // namespace
}  // namespace ember
