#include <algorithm>

#include <ember/data/corpus.h>
#include <ember/data/datasets.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

// Calls fn(ids) for each sentence of the file as vocabulary ids, unknown words dropped.
template <typename Fn>
void for_each_sentence(const std::string& path, const Vocabulary& vocab, Fn&& fn) {
  CorpusReader reader(path);
  std::vector<std::string_view> tokens;
  std::vector<int32_t> ids;
  while (reader.next_sentence(tokens)) {
    ids.clear();
    for (std::string_view token : tokens) {
      int64_t id = vocab.find(token);
      if (id >= vocab.num_specials()) ids.push_back(int32_t(id));
    }
    fn(ids);
  }
  reader.warn_summary();
}

template <typename Fn>
void for_each_sentence(const std::vector<std::vector<int64_t>>& sentences, const Vocabulary& vocab,
                       Fn&& fn) {
  std::vector<int32_t> ids;
  for (size_t s = 0; s < sentences.size(); ++s) {
    ids.clear();
    for (size_t t = 0; t < sentences[s].size(); ++t) {
      int64_t id = sentences[s][t];
      EMBER_CHECK(id >= 0 && id < vocab.size(), "dataset: sentence ", s, " position ", t,
                  " has id ", id, ", out of range for a vocabulary of ", vocab.size(), " words");
      ids.push_back(int32_t(id));
    }
    fn(ids);
  }
}

// K draws from the alias table for example `index` of `epoch`, none equal to `avoid` unless
// the table can draw nothing else. Philox block b of (index, epoch) gives two 64-bit draws.
void draw_avoiding(const AliasTable& table, uint64_t seed, int64_t epoch, int64_t index,
                   int64_t avoid, int64_t K, int64_t* out) {
  constexpr uint64_t kMaxBlocks = 1024;
  uint64_t block = 0;
  for (int64_t k = 0; k < K;) {
    std::array<uint32_t, 4> w = philox4x32(uint64_t(index), (uint64_t(epoch) << 32) | block, seed);
    ++block;
    for (int half = 0; half < 2 && k < K; ++half) {
      uint32_t id = table.draw((uint64_t(w[2 * half]) << 32) | w[2 * half + 1]);
      if (int64_t(id) != avoid || block > kMaxBlocks) out[k++] = int64_t(id);
    }
  }
}

void check_negative_table(const Vocabulary& vocab, int64_t negatives, const char* dataset) {
  EMBER_CHECK(negatives >= 0, dataset, ": negatives must be >= 0, got ", negatives);
  EMBER_CHECK(negatives == 0 || vocab.kept_tokens() > 0, dataset,
              ": negatives need word counts, and the vocabulary has none");
}

}  // namespace

// ---- skip-gram ----

SkipGramDataset::SkipGramDataset(const std::string& corpus_path, const Vocabulary& vocab,
                                 const SkipGramOptions& options)
    : options_(options) {
  init(vocab);
  Generator gen(options.seed);
  for_each_sentence(corpus_path, vocab, [&](std::vector<int32_t>& ids) { add_sentence(ids, gen); });
}

SkipGramDataset::SkipGramDataset(const std::vector<std::vector<int64_t>>& sentences,
                                 const Vocabulary& vocab, const SkipGramOptions& options)
    : options_(options) {
  init(vocab);
  Generator gen(options.seed);
  for_each_sentence(sentences, vocab, [&](std::vector<int32_t>& ids) { add_sentence(ids, gen); });
}

void SkipGramDataset::init(const Vocabulary& vocab) {
  EMBER_CHECK(options_.window >= 1, "SkipGramDataset: window must be >= 1, got ", options_.window);
  check_negative_table(vocab, options_.negatives, "SkipGramDataset");
  if (options_.negatives > 0)
    negative_table_ = AliasTable::from_counts(vocab.counts(), options_.power);
  keep_ = keep_thresholds(vocab.counts(), vocab.kept_tokens(), options_.sample);
}

// The seed's prepare_data: for each center i a window b uniform in [1, window], and a pair
// with every other word within b positions, in sentence order.
void SkipGramDataset::add_sentence(std::vector<int32_t>& ids, Generator& gen) {
  if (options_.sample > 0) {
    size_t kept = 0;
    for (int32_t id : ids)
      if (gen.next_u32() <= keep_[size_t(id)]) ids[kept++] = id;
    ids.resize(kept);
  }
  const int64_t n = int64_t(ids.size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t b = 1 + int64_t(gen.next_u32() % uint32_t(options_.window));
    for (int64_t j = std::max<int64_t>(0, i - b); j < std::min(n, i + b + 1); ++j) {
      if (j == i) continue;
      centers_.push_back(ids[size_t(i)]);
      contexts_.push_back(ids[size_t(j)]);
    }
  }
}

void SkipGramDataset::draw_negatives(int64_t index, int64_t* out) const {
  draw_avoiding(negative_table_, options_.seed, epoch(), index, contexts_[size_t(index)],
                options_.negatives, out);
}

Batch SkipGramDataset::get(int64_t index) const {
  check_index(index, "SkipGramDataset");
  Batch example;
  example.set("center", scalar_tensor(double(centers_[size_t(index)]), kInt64));
  example.set("positive", scalar_tensor(double(contexts_[size_t(index)]), kInt64));
  Tensor negatives = empty({options_.negatives}, kInt64);
  draw_negatives(index, negatives.data<int64_t>());
  example.set("negatives", negatives);
  return example;
}

Batch SkipGramDataset::get_batch(const std::vector<int64_t>& indices) const {
  const int64_t B = int64_t(indices.size()), K = options_.negatives;
  Tensor center = empty({B}, kInt64), positive = empty({B}, kInt64);
  Tensor negatives = empty({B, K}, kInt64);
  int64_t* c = center.data<int64_t>();     // [B]
  int64_t* p = positive.data<int64_t>();   // [B]
  int64_t* n = negatives.data<int64_t>();  // [B, K]
  for (int64_t b = 0; b < B; ++b) {
    int64_t index = indices[size_t(b)];
    check_index(index, "SkipGramDataset");
    c[b] = centers_[size_t(index)];
    p[b] = contexts_[size_t(index)];
    draw_negatives(index, n + b * K);
  }
  Batch batch;
  batch.set("center", center);
  batch.set("positive", positive);
  batch.set("negatives", negatives);
  return batch;
}

// ---- CBOW ----

CBOWDataset::CBOWDataset(const std::string& corpus_path, const Vocabulary& vocab,
                         const CBOWOptions& options)
    : options_(options) {
  init(vocab);
  for_each_sentence(corpus_path, vocab,
                    [&](const std::vector<int32_t>& ids) { add_sentence(ids); });
}

CBOWDataset::CBOWDataset(const std::vector<std::vector<int64_t>>& sentences,
                         const Vocabulary& vocab, const CBOWOptions& options)
    : options_(options) {
  init(vocab);
  for_each_sentence(sentences, vocab, [&](const std::vector<int32_t>& ids) { add_sentence(ids); });
}

void CBOWDataset::init(const Vocabulary& vocab) {
  EMBER_CHECK(options_.context_size >= 1, "CBOWDataset: context_size must be >= 1, got ",
              options_.context_size);
  check_negative_table(vocab, options_.negatives, "CBOWDataset");
  if (options_.negatives > 0)
    negative_table_ = AliasTable::from_counts(vocab.counts(), options_.power);
}

// The seed's prepare_data: targets at positions [C, n - C), so each has C words each side.
void CBOWDataset::add_sentence(const std::vector<int32_t>& ids) {
  const int64_t C = options_.context_size, n = int64_t(ids.size());
  if (n < 2 * C + 1) return;
  int64_t start = int64_t(tokens_.size());
  tokens_.insert(tokens_.end(), ids.begin(), ids.end());
  for (int64_t i = C; i < n - C; ++i) centers_.push_back(start + i);
}

void CBOWDataset::fill(int64_t index, int64_t* context, int64_t* target, int64_t* negatives) const {
  check_index(index, "CBOWDataset");
  const int64_t C = options_.context_size, center = centers_[size_t(index)];
  for (int64_t k = 0; k < C; ++k) {
    context[k] = tokens_[size_t(center - C + k)];
    context[C + k] = tokens_[size_t(center + 1 + k)];
  }
  *target = tokens_[size_t(center)];
  if (options_.negatives > 0)
    draw_avoiding(negative_table_, options_.seed, epoch(), index, *target, options_.negatives,
                  negatives);
}

Batch CBOWDataset::get(int64_t index) const {
  Tensor context = empty({2 * options_.context_size}, kInt64);
  int64_t target = 0;
  Tensor negatives = empty({options_.negatives}, kInt64);
  fill(index, context.data<int64_t>(), &target, negatives.data<int64_t>());
  Batch example;
  example.set("context", context);
  example.set("target", scalar_tensor(double(target), kInt64));
  if (options_.negatives > 0) example.set("negatives", negatives);
  return example;
}

Batch CBOWDataset::get_batch(const std::vector<int64_t>& indices) const {
  const int64_t B = int64_t(indices.size()), C2 = 2 * options_.context_size, K = options_.negatives;
  Tensor context = empty({B, C2}, kInt64), target = empty({B}, kInt64);
  Tensor negatives = empty({B, K}, kInt64);
  int64_t* x = context.data<int64_t>();    // [B, 2C]
  int64_t* y = target.data<int64_t>();     // [B]
  int64_t* n = negatives.data<int64_t>();  // [B, K]
  for (int64_t b = 0; b < B; ++b) fill(indices[size_t(b)], x + b * C2, y + b, n + b * K);
  Batch batch;
  batch.set("context", context);
  batch.set("target", target);
  if (K > 0) batch.set("negatives", negatives);
  return batch;
}

}  // namespace ember::data
