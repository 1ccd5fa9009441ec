// The syncs of a distributed run (models/distributed.h) for trainers whose tables are
// tensors: the CUDA trainers', between their kernel launches (nothing trains meanwhile). After
// launch k of an epoch's `launches`: rows [0, hot_rows) of every table and the k-th slice of
// the others, each rank's change since the last sync (x - base) summed over the ranks (the
// saturating rows scaled as models/distributed.h says), then x = base += sum; the epoch's last
// launch syncs every row. CUDA tables go over NCCL where
// ember has it (one rank per GPU), else over the MPI communicator, staged through the host.
//
// Each rank trains launch k on part k * ranks + rank of launches * ranks parts of the epoch
// (part()), so that the ranks move through the corpus together and a kernel's lr, set from
// its sentences' positions, follows the words all ranks have trained.
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
  // tables: [rows, stride] contiguous float32, on one device.
  TensorSync(const Distributed& d, std::vector<Tensor> tables, int64_t launches);
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
  // Rows [begin, end) of table t; scaled: as ModelSync scales the saturating rows.
  void sync_rows(size_t t, int64_t begin, int64_t end, bool scaled);

  Distributed d_;
  std::vector<Tensor> tables_, base_;
  int64_t launches_;
  std::unique_ptr<dist::Communicator> nccl_;
  dist::Communicator* comm_ = nullptr;  // nccl_ or d_.comm
  SyncStats stats_;
};

}  // namespace ember::models
