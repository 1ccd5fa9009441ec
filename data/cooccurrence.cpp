#include <algorithm>
#include <memory>
#include <queue>
#include <utility>

#include <ember/data/cooccurrence.h>
#include <ember/data/corpus.h>
#include <ember/data/temp_file.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

constexpr uint64_t kEmpty = ~uint64_t(0);

// A spilled pair keeps its sum in double, so that spilling does not change the result.
struct SpillRecord {
  uint64_t key;  // row << 32 | col: sorting keys sorts by (row, col)
  double value;
};

uint64_t make_key(int64_t row, int64_t col) { return (uint64_t(row) << 32) | uint64_t(col); }

// The largest dense block of doubles within `bytes`: row a holds the columns c with
// (a + 1)(c + 1) < P, cooccur.c's max_product rule. Returns the offsets [V + 1].
std::vector<int64_t> dense_layout(int64_t V, int64_t bytes) {
  auto offsets_for = [V](uint64_t P) {
    std::vector<int64_t> offsets(size_t(V) + 1, 0);
    for (int64_t a = 0; a < V; ++a)
      offsets[size_t(a) + 1] =
          offsets[size_t(a)] + int64_t(std::min<uint64_t>(uint64_t(V), (P - 1) / uint64_t(a + 1)));
    return offsets;
  };
  const int64_t max_cells = bytes / int64_t(sizeof(double));
  uint64_t low = 1, high = uint64_t(V) * uint64_t(V) + 1;  // high: every pair dense
  if (offsets_for(high).back() <= max_cells) return offsets_for(high);
  while (low + 1 < high) {  // offsets_for(low) fits, offsets_for(high) does not
    uint64_t mid = low + (high - low) / 2;
    (offsets_for(mid).back() <= max_cells ? low : high) = mid;
  }
  return offsets_for(low);
}

// Reads a sorted chunk file record by record through a buffer.
class ChunkCursor {
 public:
  ChunkCursor(const std::string& path, size_t buffer_records)
      : path_(path), file_(open_file(path, "rb")), buffer_(std::max<size_t>(buffer_records, 256)) {
    refill();
  }
  ~ChunkCursor() { std::fclose(file_); }
  ChunkCursor(const ChunkCursor&) = delete;
  ChunkCursor& operator=(const ChunkCursor&) = delete;

  bool done() const { return position_ == count_; }
  const SpillRecord& current() const { return buffer_[position_]; }
  void advance() {
    if (++position_ == count_) refill();
  }

 private:
  void refill() {
    count_ = read_items(file_, buffer_.data(), sizeof(SpillRecord), buffer_.size(), path_);
    position_ = 0;
  }
  std::string path_;
  std::FILE* file_;
  std::vector<SpillRecord> buffer_;
  size_t position_ = 0, count_ = 0;
};

// Collects merged records in memory, moving to a file once they pass `limit` records.
class RecordSink {
 public:
  RecordSink(size_t limit, const CooccurrenceOptions& options) : limit_(limit), options_(options) {
    if (!options.output_path.empty()) open(options.output_path + ".tmp");
  }
  ~RecordSink() {
    if (file_) std::fclose(file_);
    // A sink that did not finish leaves no output_path.tmp behind.
    if (!finished_ && !options_.output_path.empty())
      std::remove((options_.output_path + ".tmp").c_str());
  }
  void push(uint64_t key, double value) {
    records_.push_back({int32_t(key >> 32), int32_t(key & 0xFFFFFFFFu), float(value)});
    ++size_;
    if (records_.size() >= limit_) {
      if (!file_) {
        temp_ = TempFile(options_.temp_dir, "ember_cooccurrence_");
        open(temp_.path());
      }
      flush();
    }
  }
  Cooccurrences finish() {
    if (!file_) return Cooccurrences(std::move(records_));
    flush();
    std::FILE* file = std::exchange(file_, nullptr);
    if (!options_.output_path.empty()) {
      // The kept file is durable: fsynced, renamed into place, its directory fsynced.
      close_durably(file, path_);
      EMBER_CHECK(std::rename(path_.c_str(), options_.output_path.c_str()) == 0, "cannot rename ",
                  path_, " to ", options_.output_path);
      finished_ = true;
      nn::sync_directory_of(options_.output_path);
      return Cooccurrences::load(options_.output_path);
    }
    EMBER_CHECK(std::fclose(file) == 0, "cannot close ", path_);
    return Cooccurrences::load(temp_.path());
  }
  // The temporary file behind the result of finish(), for the result to own.
  TempFile take_temp() { return std::move(temp_); }

 private:
  void open(const std::string& path) {
    path_ = path;
    file_ = open_file(path, "wb");
  }
  void flush() {
    write_items(file_, records_.data(), sizeof(CooccurrenceRecord), records_.size(), path_);
    records_.clear();
  }
  size_t limit_;
  const CooccurrenceOptions& options_;
  std::vector<CooccurrenceRecord> records_;
  std::string path_;
  std::FILE* file_ = nullptr;
  TempFile temp_;
  int64_t size_ = 0;
  bool finished_ = false;  // output_path holds the records
};

}  // namespace

struct CooccurrenceBuilder::State {
  const CooccurrenceOptions& options;
  int64_t V;
  std::vector<int64_t> dense_offsets;  // [V + 1]: row a's cells are dense[offsets[a], offsets[a+1])
  std::vector<double> dense;
  std::vector<uint64_t> keys;  // open addressing, linear probing; kEmpty marks a free slot
  std::vector<double> values;
  size_t used = 0, limit = 0;  // limit: 70% of the slots
  size_t max_capacity = 0;     // the most slots the budget allows; then the map spills
  int shift = 0;               // Fibonacci hashing: slot = (key * golden) >> shift
  std::vector<TempFile> chunks;
  std::vector<int32_t> history;  // the last `window` kept words of the line, a ring
  std::vector<double> weight;    // weight[d] for distance d in 1..window

  State(const CooccurrenceOptions& o, int64_t vocab_size) : options(o), V(vocab_size) {
    dense_offsets = dense_layout(V, o.memory_bytes / 2);
    dense.assign(size_t(dense_offsets.back()), 0.0);
    max_capacity = 1024;
    while (max_capacity * 2 * (sizeof(uint64_t) + sizeof(double)) <= size_t(o.memory_bytes / 4))
      max_capacity *= 2;
    resize(std::min<size_t>(max_capacity, 1 << 16));
    history.resize(size_t(o.window));
    weight.resize(size_t(o.window) + 1);
    for (int64_t d = 1; d <= o.window; ++d)
      weight[size_t(d)] = o.distance_weighting ? 1.0 / double(d) : 1.0;
  }

  size_t slot_of(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> shift); }

  // Rehashes the map into `capacity` slots (a power of two).
  void resize(size_t capacity) {
    std::vector<uint64_t> old_keys(capacity, kEmpty);
    std::vector<double> old_values(capacity, 0.0);
    old_keys.swap(keys);
    old_values.swap(values);
    limit = capacity / 10 * 7;
    shift = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift;
    const size_t mask = capacity - 1;
    for (size_t s = 0; s < old_keys.size(); ++s) {
      if (old_keys[s] == kEmpty) continue;
      size_t slot = slot_of(old_keys[s]);
      while (keys[slot] != kEmpty) slot = (slot + 1) & mask;
      keys[slot] = old_keys[s];
      values[slot] = old_values[s];
    }
  }

  void add(int32_t row, int32_t col, double w) {
    const int64_t start = dense_offsets[size_t(row)];
    if (col < dense_offsets[size_t(row) + 1] - start) {
      dense[size_t(start + col)] += w;
      return;
    }
    const uint64_t key = make_key(row, col);
    const size_t mask = keys.size() - 1;
    for (size_t slot = slot_of(key);; slot = (slot + 1) & mask) {
      if (keys[slot] == key) {
        values[slot] += w;
        return;
      }
      if (keys[slot] == kEmpty) {
        keys[slot] = key;
        values[slot] = w;
        if (++used > limit) {
          if (keys.size() < max_capacity)
            resize(2 * keys.size());
          else
            spill();
        }
        return;
      }
    }
  }

  // cooccur.c's main loop over one line: each word with the `window` kept words before it.
  void add_sentence(const std::vector<int32_t>& ids) {
    const int64_t window = options.window;
    for (int64_t j = 0; j < int64_t(ids.size()); ++j) {
      const int32_t w2 = ids[size_t(j)];
      for (int64_t k = j - 1; k >= std::max<int64_t>(0, j - window); --k) {
        const int32_t w1 = history[size_t(k % window)];
        const double w = weight[size_t(j - k)];
        add(w1, w2, w);
        if (options.symmetric) add(w2, w1, w);
      }
      history[size_t(j % window)] = w2;
    }
  }

  // The map's entries, sorted, to a new chunk file; the map is emptied.
  void spill() {
    std::vector<SpillRecord> records;
    records.reserve(used);
    for (size_t s = 0; s < keys.size(); ++s)
      if (keys[s] != kEmpty) records.push_back({keys[s], values[s]});
    std::sort(records.begin(), records.end(),
              [](const SpillRecord& a, const SpillRecord& b) { return a.key < b.key; });
    chunks.emplace_back(options.temp_dir, "ember_cooccurrence_chunk_");
    const std::string& path = chunks.back().path();
    std::FILE* file = open_file(path, "wb");
    write_items(file, records.data(), sizeof(SpillRecord), records.size(), path);
    EMBER_CHECK(std::fclose(file) == 0, "cannot close ", path);
    std::fill(keys.begin(), keys.end(), kEmpty);
    used = 0;
  }
};

CooccurrenceBuilder::CooccurrenceBuilder(const Vocabulary& vocab,
                                         const CooccurrenceOptions& options)
    : vocab_(vocab), options_(options) {
  EMBER_CHECK(options.window >= 1, "CooccurrenceBuilder: window must be >= 1, got ",
              options.window);
  EMBER_CHECK(options.memory_bytes >= (int64_t(1) << 16),
              "CooccurrenceBuilder: memory_bytes must be at least 65536, got ",
              options.memory_bytes);
  EMBER_CHECK(vocab.size() < (int64_t(1) << 31), "CooccurrenceBuilder: ", vocab.size(),
              " words do not fit int32 ids");
}

Cooccurrences CooccurrenceBuilder::build(const std::string& corpus_path) {
  State state(options_, vocab_.size());
  CorpusReader reader(corpus_path);
  std::vector<std::string_view> tokens;
  std::vector<int32_t> ids;
  while (reader.next_sentence(tokens)) {
    ids.clear();
    for (std::string_view token : tokens) {
      int64_t id = vocab_.find(token);
      if (id >= vocab_.num_specials()) ids.push_back(int32_t(id));
    }
    state.add_sentence(ids);
  }
  reader.warn_summary();
  return finish(state);
}

Cooccurrences CooccurrenceBuilder::build(const std::vector<std::vector<int64_t>>& sentences) {
  State state(options_, vocab_.size());
  std::vector<int32_t> ids;
  for (size_t s = 0; s < sentences.size(); ++s) {
    ids.clear();
    for (size_t t = 0; t < sentences[s].size(); ++t) {
      int64_t id = sentences[s][t];
      EMBER_CHECK(id >= 0 && id < vocab_.size(), "CooccurrenceBuilder: sentence ", s, " position ",
                  t, " has id ", id, ", out of range for ", vocab_.size(), " words");
      ids.push_back(int32_t(id));
    }
    state.add_sentence(ids);
  }
  return finish(state);
}

// Merges the dense block, the map and the spilled chunks in (row, col) order, summing equal
// keys. Without spills everything is in memory and is simply sorted.
Cooccurrences CooccurrenceBuilder::finish(State& state) {
  spilled_chunks_ = int64_t(state.chunks.size());
  dense_cells_ = int64_t(state.dense.size());
  const size_t sink_limit =
      std::max<size_t>(1024, size_t(options_.memory_bytes / 4) / sizeof(CooccurrenceRecord));
  RecordSink sink(sink_limit, options_);
  auto done = [&sink]() {
    Cooccurrences result = sink.finish();
    result.owned_ = sink.take_temp();
    return result;
  };
  if (state.chunks.empty()) {
    std::vector<SpillRecord> sparse;
    sparse.reserve(state.used);
    for (size_t s = 0; s < state.keys.size(); ++s)
      if (state.keys[s] != kEmpty) sparse.push_back({state.keys[s], state.values[s]});
    std::sort(sparse.begin(), sparse.end(),
              [](const SpillRecord& a, const SpillRecord& b) { return a.key < b.key; });
    state.keys = {};
    state.values = {};
    // Dense cells of a row come before its sparse ones (their columns are smaller).
    size_t next = 0;
    for (int64_t row = 0; row < state.V; ++row) {
      const int64_t start = state.dense_offsets[size_t(row)],
                    width = state.dense_offsets[size_t(row) + 1] - start;
      for (int64_t col = 0; col < width; ++col)
        if (state.dense[size_t(start + col)] != 0.0)
          sink.push(make_key(row, col), state.dense[size_t(start + col)]);
      for (; next < sparse.size() && int64_t(sparse[next].key >> 32) == row; ++next)
        sink.push(sparse[next].key, sparse[next].value);
    }
    return done();
  }
  if (state.used > 0) state.spill();
  state.keys = {};
  state.values = {};
  // k-way merge: a heap of (key, source); source 0 is the dense block, 1.. the chunks.
  const size_t buffer_records =
      size_t(options_.memory_bytes / 4) / sizeof(SpillRecord) / state.chunks.size();
  std::vector<std::unique_ptr<ChunkCursor>> cursors;
  for (const TempFile& chunk : state.chunks)
    cursors.push_back(std::make_unique<ChunkCursor>(chunk.path(), buffer_records));
  using Head = std::pair<uint64_t, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  for (size_t c = 0; c < cursors.size(); ++c)
    if (!cursors[c]->done()) heap.push({cursors[c]->current().key, c + 1});
  // The dense block as a source: the next nonzero cell at or after (row, col).
  int64_t dense_row = 0, dense_col = 0;
  auto next_dense = [&]() -> bool {
    for (; dense_row < state.V; ++dense_row, dense_col = 0) {
      const int64_t start = state.dense_offsets[size_t(dense_row)];
      const int64_t width = state.dense_offsets[size_t(dense_row) + 1] - start;
      for (; dense_col < width; ++dense_col)
        if (state.dense[size_t(start + dense_col)] != 0.0) return true;
    }
    return false;
  };
  if (next_dense()) heap.push({make_key(dense_row, dense_col), 0});
  while (!heap.empty()) {
    const uint64_t key = heap.top().first;
    double sum = 0.0;
    while (!heap.empty() && heap.top().first == key) {
      const size_t source = heap.top().second;
      heap.pop();
      if (source == 0) {
        sum += state.dense[size_t(state.dense_offsets[size_t(dense_row)] + dense_col)];
        ++dense_col;
        if (next_dense()) heap.push({make_key(dense_row, dense_col), 0});
      } else {
        ChunkCursor& cursor = *cursors[source - 1];
        sum += cursor.current().value;
        cursor.advance();
        if (!cursor.done()) heap.push({cursor.current().key, source});
      }
    }
    sink.push(key, sum);
  }
  cursors.clear();
  state.chunks.clear();  // removes the chunk files
  return done();
}

}  // namespace ember::data
