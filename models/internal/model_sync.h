// The synchronisations of a distributed run (models/distributed.h) for the fused trainers'
// RowTables. Its calls come from the epochs' loop thread (hogwild::run_epochs): poll() while
// the workers train, finish_epoch() once they have joined.
//
// Each rank keeps `base`, the tables as all ranks last agreed on them. A sync of some rows
// sums the ranks' changes to them since (x - base, taken from a copy while the threads train
// on; a saturating row's sum scaled as models/distributed.h says), and each rank sets
// x += sum - its own change (what its threads changed meanwhile is kept), base += sum (with
// the threads stopped, at the epoch's end: x = base += sum). Rows that training cannot change
// (outside SyncRows::order) are left out.
//
// Every rank makes the same syncs in the same order with the same sizes (MPI's rule for
// collectives): an epoch has `per_epoch` = (units per rank) / sync_every partial syncs, the
// k-th started once the rank has trained k / (per_epoch + 1) of its shard (those not started
// by the epoch's end are made then), and one of every row. A sync takes each table's rows as
// positions in its SyncRows order: the first hot_rows, then the k-th slices of the rows past
// them (partial_sync_positions: of the rest, or of its tiers where SyncRows asks).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <ember/models/distributed.h>
#include <ember/models/row_table.h>

namespace ember::models {

class ModelSync {
 public:
  // tables: the model's; shard_units: what this rank trains an epoch; epoch_units: what all
  // ranks train an epoch (the same number on every rank). rows[t], where given: which rows
  // of table t to sync, in what order, and which to scale (models/distributed.h); not given:
  // every row in row order, none scaled.
  ModelSync(const Distributed& d, std::vector<RowTable*> tables, int64_t shard_units,
            int64_t epoch_units, std::vector<SyncRows> rows = {});
  ModelSync(const ModelSync&) = delete;
  ModelSync& operator=(const ModelSync&) = delete;
  ~ModelSync();

  // That every rank has the same sizes (units, tables), then rank 0's tables on every rank.
  void start();
  // done_in_epoch: units this rank has trained in this epoch; done_in_run: in this run, all
  // epochs. Moves a sync in flight on, applies it when done, starts the next one due. True
  // while one is in flight (the caller polls more often then).
  bool poll(int64_t done_in_epoch, int64_t done_in_run);
  // With the workers stopped: the epoch's remaining syncs, then one of every row.
  void finish_epoch(int64_t done_in_run);
  // The other ranks' units of this run, as of the last sync (for the lr and progress).
  int64_t others_done() const { return others_done_; }
  const SyncStats& stats() const { return stats_; }
  int64_t per_epoch() const { return per_epoch_; }

 private:
  struct Range {  // positions [begin, end) in table t's order_
    size_t t;
    int64_t begin, end;
  };
  // Takes the changes of ranges_'s rows and their squared lengths into change_ and sum_.
  // stopped: the workers are stopped (the epoch's end), so x - base is still the change.
  void pack(bool stopped = false);
  void start_partial(int64_t k, int64_t done_in_run);
  void apply(bool stopped = false);
  // The allreduce of the first n floats of change_ into sum_ (in_place: of sum_), planned at
  // its first use (a collective: every rank asks for the same at the same sync).
  dist::AllreducePlan& plan(size_t n, bool in_place);
  int64_t synced(size_t t) const { return int64_t(order_[t].size()); }
  int64_t hot(size_t t) const { return std::min(d_.hot_rows, synced(t)); }
  // Floats a row of table t syncs: its dim. The padding past it is zero on every rank and
  // stays zero (the kernels' updates over the padded width add zeros there).
  int64_t width(size_t t) const { return tables_[t]->dim(); }

  Distributed d_;
  std::vector<RowTable*> tables_;
  std::vector<std::vector<int32_t>> order_;  // a table's synced rows, in sync order
  std::vector<int64_t> saturating_;          // of those, the first ones scaled
  std::vector<bool> scale_rest_at_end_;      // and at the epoch's end the rows past the hot ones
  std::vector<bool> tiers_;                  // whether partial syncs take those in tiers
  std::vector<std::vector<float>> base_;     // [synced rows * width] a table, in that order
  int64_t shard_units_, epoch_units_, per_epoch_ = 0;
  int64_t next_ = 1;           // the next partial sync of this epoch, 1..per_epoch_
  std::vector<Range> ranges_;  // those of the one in flight
  // Its rows: our changes, then each row's squared length of our change (change_), and their
  // sums over the ranks (sum_). Both only grow, to the same size.
  std::vector<float> sum_, change_;
  size_t floats_ = 0;  // the changes' floats (the squares follow)
  size_t used_ = 0;    // the floats reduced
  // The allreduces planned so far, by (floats, in place).
  std::map<std::pair<size_t, bool>, std::unique_ptr<dist::AllreducePlan>> plans_;
  int64_t counts_[1] = {0};  // units done, summed over the ranks
  int64_t mine_at_start_ = 0;
  std::unique_ptr<dist::Pending> rows_pending_, count_pending_;
  std::chrono::steady_clock::time_point started_;
  int64_t others_done_ = 0;
  SyncStats stats_;
};

}  // namespace ember::models
