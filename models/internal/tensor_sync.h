// The syncs of a distributed run (models/distributed.h) for trainers whose tables are
// tensors: the CUDA trainers', between their kernel launches (nothing trains meanwhile). After
// launch k of an epoch's `launches`: the hot_rows rows of every table that a rank updates
// most and the k-th slices of the rows past them (partial_sync_positions), each rank's change
// since the last sync (x - base) summed over the ranks (the saturating rows scaled as
// models/distributed.h says), then x = base += sum; the epoch's last launch syncs every row.
// CUDA tables go over NCCL where ember has it (one rank per GPU), else over the MPI
// communicator, staged through the host.
//
// Each rank trains launch k on part k * ranks + rank of launches * ranks parts of the epoch
// (part()), so that the ranks move through the corpus together and a kernel's lr, set from
// its sentences' positions, follows the words all ranks have trained.
//
// As in ModelSync, a table's rows are taken as positions in its SyncRows order, each rank's
// copy `base` kept in that order. In row order (no order given) a sync reads and writes the
// table's rows in place; in another, it gathers them (index_select) and writes them back as
// x += base - x (sgd_update_rows), which may leave x an ulp from base.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <ember/dist/communicator.h>
#include <ember/models/distributed.h>
#include <ember/tensor/tensor.h>

namespace ember::models {

class TensorSync {
 public:
  // tables: [rows, stride] contiguous float32, on one device. rows[t], where given: which
  // rows of table t to sync, in what order, and which to scale (models/distributed.h); not
  // given: every row in row order, none scaled.
  TensorSync(const Distributed& d, std::vector<Tensor> tables, int64_t launches,
             std::vector<SyncRows> rows = {});
  TensorSync(const TensorSync&) = delete;
  TensorSync& operator=(const TensorSync&) = delete;
  ~TensorSync();

  // The part of `launches * ranks` that this rank trains in launch k.
  int64_t part(int64_t k) const { return k * d_.ranks() + d_.rank(); }
  int64_t parts() const { return launches_ * d_.ranks(); }
  // That every rank has the same tables' sizes, then rank 0's tables on every rank.
  void start();
  // After launch k (0-based) of an epoch.
  void after_launch(int64_t k);
  const SyncStats& stats() const { return stats_; }

 private:
  // Positions [begin, end) of table t's order, the saturating ones scaled as ModelSync does.
  void sync_positions(size_t t, int64_t begin, int64_t end);
  void sync_rows(size_t t, int64_t begin, int64_t end, bool scaled);

  Distributed d_;
  std::vector<Tensor> tables_, base_;  // base_[t]: [synced rows, stride] in order_[t]'s order
  std::vector<Tensor> order_;          // int64 [synced rows] on the tables' device; undefined:
                                       // every row in row order
  std::vector<int64_t> synced_, saturating_;
  std::vector<bool> scale_rest_at_end_;  // SyncRows::scales_rest_at_end for this run
  std::vector<bool> tiers_;              // SyncRows::takes_tiers for this run
  int64_t launches_;
  std::unique_ptr<dist::Communicator> nccl_;
  dist::Communicator* comm_ = nullptr;  // nccl_ or d_.comm
  SyncStats stats_;
};

}  // namespace ember::models
