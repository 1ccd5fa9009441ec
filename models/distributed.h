// Training one model on several processes (mpirun -np P ember train ...): how the fused
// trainers' ranks keep one model. Every rank holds the whole model and trains its own shard of
// the corpus (GloVe: of the co-occurrence records) with its own random streams; the ranks
// sync their tables (models/internal/model_sync.h) by summing what each changed since the
// last sync, so that every rank's updates are applied, as if the ranks were more Hogwild
// threads that see each other's writes late:
//   every `sync_every` units a rank trains: rows [0, hot_rows) of every table (the most
//     frequent words: the vocabulary is sorted by count) and the next slice of the other rows,
//     so that every row is synced at least once an epoch. The changes are taken from a copy
//     while the threads train on, and what they change meanwhile is kept;
//   at the end of every epoch, before the checkpoint is written: every row of every table
//     (GloVe's rows hold AdaGrad's sums too), with the threads stopped, so that every rank
//     ends the epoch with the same model.
// The rows of the most frequent words are updated so often between two syncs (lr x updates
// >= 1: `scaled_rows`, saturating_rows below) that each rank's change has gone most of the way
// to where the row settles: those changes are largely the same change, and summing them moves
// the row P times too far (4 ranks on en7m: analogy 0.002). So such a row's summed change is
// divided by q = |sum of the changes|^2 / (sum of their |change|^2), 1 for independent
// (orthogonal) changes, P for P equal ones: equal changes count once, independent ones each
// once. The other rows' changes are summed as they are. (Averaging every row instead, as Intel's
// pWord2Vec does, divides the updates of a word that one rank alone trained by P; bench/RESULTS.md
// has what each rule gave.) The lr follows the words of all ranks (their counts travel with each
// sync). Each rank keeps a copy of the synced rows as last agreed. A distributed run is not
// bit-reproducible: when the syncs land depends on timing.
#pragma once

#include <cstdint>
#include <vector>

#include <ember/dist/communicator.h>

namespace ember::models {

struct Distributed {
  dist::Communicator* comm = nullptr;  // nullptr (or a job of one): this process alone
  int64_t sync_every = 100000;         // corpus ids (GloVe: records) a rank trains between syncs
  int64_t hot_rows = 4096;             // rows in every sync, the rest in slices
  int64_t scaled_rows = 0;             // rows [0, n) whose summed changes are scaled (above);
                                       // the trainers set it (saturating_rows)

  bool active() const { return comm && comm->size() > 1; }
  int rank() const { return active() ? comm->rank() : 0; }
  int ranks() const { return active() ? comm->size() : 1; }
};

// How many of the most frequent words (counts [V], descending) a rank updates so often between
// two syncs that lr x updates >= 1: per sync_every corpus ids, a word's kept occurrences
// (keep [V]: its subsampling thresholds out of 2^32) update its input row `window` times and
// its output row once, and every kept token draws `negative` output rows by count^power.
int64_t saturating_rows(const std::vector<int64_t>& counts, const std::vector<uint32_t>& keep,
                        int64_t window, int64_t negative, double power, double lr,
                        int64_t sync_every);

// What a run's syncs cost, as TrainProgress reports it.
struct SyncStats {
  int64_t count = 0;   // syncs done (partial and whole)
  double bytes = 0;    // floats summed x 4, over all syncs (what each rank sent)
  double seconds = 0;  // time from starting each to having applied it, summed
  double waited = 0;   // of that, the epochs' ends (the threads stopped, waiting for all ranks)
};

}  // namespace ember::models
