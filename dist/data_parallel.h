// Data-parallel training of any nn::Module over a Communicator: PyTorch's
// DistributedDataParallel in ember's terms. Every rank holds the whole module, computes the
// loss of its own part of the batch, and before the optimizer's step the gradients become the
// mean over the ranks, so that every replica applies the same update:
//   dense gradients   averaged with allreduce, in buckets of about `bucket_bytes`
//   row-sparse ones   (a sparse Embedding's) every rank's ids and rows allgathered, then
//                     coalesced in rank order, divided by the ranks
//
//   nn::Embedding emb(V, D, /*sparse=*/true);
//   dist::DataParallel ddp(emb, dist::world());   // rank 0's parameters on every rank
//   for (...) {
//     optimizer.zero_grad();
//     loss_of(my_part_of_the_batch).backward();
//     ddp.average_gradients();
//     optimizer.step();
//   }
//
// With each rank's loss the mean over its equal part of a batch, P ranks give the gradient of
// the mean over the whole batch: the same update one process makes on it, to float rounding
// (the sums' order differs). A parameter with no gradient on some rank counts as a zero one
// there; one with none on any rank keeps none. Ranks with parts of different sizes weight
// their losses by their share of the batch and sum the gradients instead (kSum), as
// `ember classify train` does under mpirun.
#pragma once

#include <cstdint>

#include <ember/dist/communicator.h>
#include <ember/nn/module.h>

namespace ember::dist {

class DataParallel {
 public:
  DataParallel(nn::Module& module, Communicator& comm, int64_t bucket_bytes = int64_t(25) << 20);

  // Every parameter's gradient: the mean of the ranks' (op kSum: their sum, for losses each
  // rank has already weighted by its share of the batch). Call on every rank after backward.
  void average_gradients(ReduceOp op = ReduceOp::kAverage);
  // rank 0's parameters on every rank (the constructor does it once).
  void broadcast_parameters();

  Communicator& communicator() { return comm_; }

 private:
  nn::Module& module_;
  Communicator& comm_;
  int64_t bucket_bytes_;
};

}  // namespace ember::dist
