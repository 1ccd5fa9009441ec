// GloVe's co-occurrence counts (Stanford GloVe cooccur.c + shuffle.c), within a memory budget.
// For each word w2 of a line and each earlier word w1 at most `window` kept words before it,
// X[w1][w2] += 1/distance (and X[w2][w1] too when symmetric). Words outside the vocabulary
// (below min_count) are skipped and take no place; a line is a sentence, as in cooccur.c.
//
// How it fits in memory, as cooccur.c does: pairs of frequent words ((r1+1)(r2+1) below a
// bound, r the frequency rank) are summed in a dense block; the rest in a hash map. When the
// map is full its entries are sorted and spilled to a temporary chunk file; at the end the
// chunks and the dense block are merged k ways, duplicates summed. The result is a sorted
// list of records, in memory when it fits the budget, otherwise in a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ember/data/temp_file.h>
#include <ember/data/vocab.h>

namespace ember::data {

// One nonzero X[row][col]: 12 bytes, the layout of the record files (native byte order).
struct CooccurrenceRecord {
  int32_t row;  // vocabulary id of the word (w1 in cooccur.c)
  int32_t col;  // vocabulary id of its context word (w2)
  float value;  // sum of 1/distance (or of 1 without distance weighting)
};

struct CooccurrenceOptions {
  int64_t window = 10;                        // GloVe -window-size
  bool symmetric = true;                      // GloVe -symmetric 1: left and right contexts
  bool distance_weighting = true;             // GloVe -distance-weighting 1: each pair adds 1/d
  int64_t memory_bytes = int64_t(512) << 20;  // budget for counts, merge and shuffle
  std::string temp_dir;     // where chunks spill; "" is the system's temp directory
  std::string output_path;  // when set, the result is always written (and kept) here
};

// The records: in memory, or in a file of CooccurrenceRecord (a temporary one is removed
// with this object; output_path and load()ed files are kept). Movable, not copyable.
class Cooccurrences {
 public:
  Cooccurrences() = default;
  explicit Cooccurrences(std::vector<CooccurrenceRecord> records);
  // A record file (checks that its size is a whole number of records).
  static Cooccurrences load(const std::string& path);

  int64_t size() const { return size_; }
  bool in_memory() const { return path_.empty(); }
  const std::vector<CooccurrenceRecord>& records() const;  // in memory only
  const std::string& path() const { return path_; }        // the file, when not in memory

  // Copies records [first, first + count) to out, from memory or the file (a trainer's
  // thread reads its share this way). Safe to call from several threads at once.
  void read(int64_t first, int64_t count, CooccurrenceRecord* out) const;
  // All records (loads a file; for tests and small corpora).
  std::vector<CooccurrenceRecord> to_vector() const;

  // Random order for training, deterministic in seed (GloVe's shuffle). In memory a
  // Fisher-Yates shuffle; a file is shuffled through buckets that fit memory_bytes.
  void shuffle(uint64_t seed, int64_t memory_bytes = int64_t(512) << 20,
               const std::string& temp_dir = "");
  // Writes the records to `path` (atomically).
  void save(const std::string& path) const;

 private:
  friend class CooccurrenceBuilder;
  std::vector<CooccurrenceRecord> records_;
  std::string path_;
  TempFile owned_;  // set when path_ is a temporary file of ours
  int64_t size_ = 0;
};

class CooccurrenceBuilder {
 public:
  // Keeps a reference: vocab must outlive the builder.
  CooccurrenceBuilder(const Vocabulary& vocab, const CooccurrenceOptions& options = {});
  CooccurrenceBuilder(Vocabulary&& vocab, const CooccurrenceOptions& options = {}) = delete;

  // One pass over a corpus file (plain or gzip). Records sorted by (row, col).
  Cooccurrences build(const std::string& corpus_path);
  // From sentences already as vocabulary ids.
  Cooccurrences build(const std::vector<std::vector<int64_t>>& sentences);

  // What the last build did: chunk files spilled, and the dense block's rows x max width.
  int64_t spilled_chunks() const { return spilled_chunks_; }
  int64_t dense_cells() const { return dense_cells_; }

 private:
  struct State;
  Cooccurrences finish(State& state);

  const Vocabulary& vocab_;
  CooccurrenceOptions options_;
  int64_t spilled_chunks_ = 0;
  int64_t dense_cells_ = 0;
};

}  // namespace ember::data
