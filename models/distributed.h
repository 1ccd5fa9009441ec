// Training one model on several processes (mpirun -np P ember train ...): how the fused
// trainers' ranks keep one model. Every rank holds the whole model and trains its own shard of
// the corpus (GloVe: of the co-occurrence records) with its own random streams; the ranks
// sync their tables (models/internal/model_sync.h) by summing what each changed since the
// last sync, so that every rank's updates are applied, as if the ranks were more Hogwild
// threads that see each other's writes late:
//   every `sync_every` units a rank trains: the hot_rows rows of every table that a rank
//     updates most (SyncRows below), and a slice of the others, so that every row is synced
//     at least once an epoch; for skip-gram's, CBOW's and fastText's tables with 3 ranks or
//     more, a share of the others that follows how often they are updated: the next hot_rows in
//     every second sync, the next 2 hot_rows in every fourth, and so on, the rest once an epoch
//     (partial_sync_positions). The changes are taken from a copy while the threads train
//     on, and what they change meanwhile is kept;
//   at the end of every epoch, before the checkpoint is written: every row of every table
//     that training can change (GloVe's rows hold AdaGrad's sums too), with the threads
//     stopped, so that every rank ends the epoch with the same model.
// The rows a rank updates most between two syncs (lr x updates >= 1: SyncRows::saturating)
// are updated so often that each rank's change has gone most of the way to where the row
// settles: those changes are largely the same change, and summing them moves the row P times
// too far (4 ranks on en7m: analogy 0.002). So such a row's summed change is divided by
// q = |sum of the changes|^2 / (sum of their |change|^2), 1 for independent (orthogonal)
// changes, P for P equal ones: equal changes count once, independent ones each once. The other
// rows' changes are summed as they are, except, for skip-gram's and CBOW's tables, at the
// epoch's end with 3 ranks or more: the rows past the hot ones, synced less often, have then
// been updated often enough to go most of the way too, and are scaled the same way. (A sum of P
// changes that each went a fraction f of the way moves a row P f of it: past where it settles, and
// further away than it was once f > 2 / P; never at P = 2. At P = 4 those rows' norms grew 30% and
// the loss jumped after every epoch's end.) (Averaging every row instead, as Intel's pWord2Vec
// does, divides the updates of a word that one rank alone trained by P; bench/RESULTS.md has what
// each rule gave.) Which rows are hot and which saturate follows each table's expected updates
// (SyncRows): a word table's are its first rows (the vocabulary is sorted by count); fastText's
// input table puts its n-gram buckets, which every word holding them updates, among them. The lr
// follows the words of all ranks (their counts travel with each sync). Each rank keeps a copy of
// the synced rows as last agreed. A distributed run is not bit-reproducible: when the syncs land
// depends on timing.
#pragma once

#include <cstdint>
#include <vector>

#include <ember/dist/communicator.h>

namespace ember::models {

struct Distributed {
  dist::Communicator* comm = nullptr;  // nullptr (or a job of one): this process alone
  int64_t sync_every = 100000;         // corpus ids (GloVe: records) a rank trains between syncs
  int64_t hot_rows = 4096;             // rows of a table in every sync, the rest in slices

  bool active() const { return comm && comm->size() > 1; }
  int rank() const { return active() ? comm->rank() : 0; }
  int ranks() const { return active() ? comm->size() : 1; }
};

// Which rows of one table a distributed run syncs, in what order, and which it scales.
struct SyncRows {
  // The rows training can change, those a rank updates most between two syncs first: the
  // first hot_rows are in every sync, the rest in slices (or tiers) in this order. Empty: every
  // row, in row order (a word table, whose vocabulary is sorted by count).
  std::vector<int32_t> order;
  // The first `saturating` of them (of the rows, where order is empty) saturate between two
  // syncs: their summed changes are scaled (above).
  int64_t saturating = 0;
  // With 3 ranks or more, the rows past the hot ones are scaled too at the epoch's end (above;
  // the word2vec trainers' tables).
  bool scale_rest_at_end = false;

  // The fewest ranks at which the two rules for the rows past the hot ones (scale_rest_at_end,
  // tiers) apply: the one place their 3 lives.
  static constexpr int kRestRulesFromRanks = 3;

  // Whether a run of `ranks` ranks scales them.
  bool scales_rest_at_end(int ranks) const {
    return scale_rest_at_end && ranks >= kRestRulesFromRanks;
  }
  // With 3 ranks or more, the partial syncs take the rows past the hot ones in tiers
  // (partial_sync_positions; the word2vec and fastText trainers' tables). Not at 2, where the
  // rows' drift between syncs cost no quality on en7m and the tiers' bytes cost 12-15% of
  // CBOW's words/s.
  bool tiers = false;
  bool takes_tiers(int ranks) const { return tiers && ranks >= kRestRulesFromRanks; }
};

// Positions [begin, end) in a table's SyncRows order.
struct PositionRange {
  int64_t begin, end;
};

// The positions of a table's `synced` rows that partial sync k (1-based) of an epoch's
// `per_epoch` takes: the first `hot` in every sync; past them, without `tiers`, a slice of the
// rest in each of the epoch's syncs. With `tiers`: tiers, each twice as many rows as the last
// (the next hot rows, the next 2 hot, the next 4 hot, ...) and synced half as often (a slice
// of the tier in every sync, so that its rows come round every 2nd, 4th, 8th ... sync); the
// first tier that would come round less often than once an epoch holds the rest of the
// table, a slice of it in each of the epoch's syncs (with hot 0, the whole table). In a table
// whose updates fall as 1 / row (a vocabulary's, by Zipf's law) a row of tier j is updated
// about 2^-j times as often as the last hot row, so between two of its syncs about as often
// as that row between two syncs: no row drifts further from the other ranks' copies than the
// hot rows do. Each tier adds hot / 2 rows to a sync (en7m's 54,280 words at 4 ranks, 17 syncs
// an epoch: 11,585 rows a sync against 7,049 in slices). Every sync takes about the same
// number of rows.
std::vector<PositionRange> partial_sync_positions(int64_t synced, int64_t hot, int64_t k,
                                                  int64_t per_epoch, bool tiers);

// Checks rows against a table of `table_rows` rows (table t of a sync, for the message `who`
// gives): order's rows in range and each once, saturating within them. Returns how many rows
// the table syncs (order's, or table_rows where it is empty).
int64_t checked_synced_rows(const SyncRows& rows, int64_t table_rows, size_t t, const char* who);

// How often a rank updates each word's rows between two syncs (sync_every corpus ids), for
// counts [V] and keep [V] (the subsampling thresholds out of 2^32): a kept occurrence updates
// the word's input row `window` times and its output row once, and every kept token draws
// `negatives` output rows by count^power (K; K / c where c centres share a draw).
struct WordUpdates {
  std::vector<double> input, output;  // [V] each
};
WordUpdates word_updates(const std::vector<int64_t>& counts, const std::vector<uint32_t>& keep,
                         int64_t window, double negatives, double power, int64_t sync_every);

// A table's SyncRows from its rows' expected updates [rows] between two syncs at learning
// rate lr. In row order: every row, saturating up to the last row with lr x updates >= 1.
SyncRows rows_in_row_order(const std::vector<double>& updates, double lr);
// By updates: the rows with any (> 0), most first (ties: the lower row first), saturating
// those with lr x updates >= 1 (fastText's input table, its n-gram buckets among its words).
SyncRows rows_by_updates(const std::vector<double>& updates, double lr);

// What a run's syncs cost, as TrainProgress reports it.
struct SyncStats {
  int64_t count = 0;   // syncs done (partial and whole)
  double bytes = 0;    // floats summed x 4, over all syncs (what each rank sent)
  double seconds = 0;  // time from starting each to having applied it, summed
  double waited = 0;   // of that, the epochs' ends (the threads stopped, waiting for all ranks)
};

}  // namespace ember::models
