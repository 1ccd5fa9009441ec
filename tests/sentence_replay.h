// The one-warp-per-sentence kernels (cuda/sentence_warp.cuh) replayed on the CPU, for the
// parity tests of cuda/word2vec.cu and cuda/fasttext.cu: the same Philox draws, counted by
// corpus position, and predict()'s order of reads and updates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/models/word2vec_trainer.h>
#include <ember/tensor/generator.h>

namespace ember::testing {

// Words "w0" .. "w<V-1>" with counts 1000, 997, ...
inline data::Vocabulary vocab_of(int64_t V) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (int64_t i = 0; i < V; ++i) counts.push_back({"w" + std::to_string(i), 1000 - 3 * i});
  return data::Vocabulary::from_counts(counts, {});
}

// One sentence of `length` ids drawn uniformly from [0, V): one warp trains it, so a kernel
// runs it deterministically.
inline data::EncodedCorpus one_sentence(int64_t V, int64_t length, Generator& gen) {
  data::EncodedCorpus corpus;
  for (int64_t p = 0; p < length; ++p) corpus.ids.push_back(int32_t(gen.next_u32() % V));
  corpus.sentence_starts = {0, length};
  corpus.raw_tokens = length;
  return corpus;
}

// The Philox counter's high word for `tag` in `epoch` (sentence_warp.cuh's counter_hi).
inline uint64_t counter_hi(int64_t epoch, int64_t tag) {
  return (uint64_t(epoch) << 16) | uint64_t(tag);
}

// The tokens of sentence s the subsampling kernel keeps (keep[id] thresholds), closed up.
inline std::vector<int32_t> subsampled(const data::EncodedCorpus& corpus, int64_t s,
                                       const std::vector<uint32_t>& keep, uint64_t seed,
                                       int64_t epoch) {
  std::vector<int32_t> kept;
  for (int64_t p = corpus.sentence_starts[size_t(s)]; p < corpus.sentence_starts[size_t(s) + 1];
       ++p)
    if (philox4x32(uint64_t(p), counter_hi(epoch, 0), seed)[0] <=
        keep[size_t(corpus.ids[size_t(p)])])
      kept.push_back(corpus.ids[size_t(p)]);
  return kept;
}

// The reduced window 1..window of the kept token at corpus slot p.
inline int64_t reach_at(int64_t p, int64_t window, uint64_t seed, int64_t epoch) {
  return 1 + philox4x32(uint64_t(p), counter_hi(epoch, 1), seed)[0] % uint32_t(window);
}

// predict() on the CPU: h [S] predicts targets[0] against the rest (a negative equal to it
// skipped) with output rows [V, S]; targets in groups of 4 whose dot products read the rows
// as they were at the start of the group; grad += and output rows += as the kernel.
inline void replay_predict(const std::vector<float>& h, std::vector<float>& grad,
                           const std::vector<int32_t>& targets, models::RowTable& output,
                           float lr) {
  const int64_t S = output.stride();
  for (size_t first = 0; first < targets.size(); first += 4) {
    std::vector<std::vector<float>> rows;
    for (size_t k = first; k < std::min(targets.size(), first + 4); ++k) {
      const float* r = output.row(targets[k]);
      rows.emplace_back(r, r + S);
    }
    for (size_t k = first; k < std::min(targets.size(), first + 4); ++k) {
      if (k > 0 && targets[k] == targets[0]) continue;
      const std::vector<float>& row = rows[k - first];
      float logit = 0;
      for (int64_t d = 0; d < S; ++d) logit += h[size_t(d)] * row[size_t(d)];
      const float g = ((k == 0 ? 1.0f : 0.0f) - 1.0f / (1.0f + std::exp(-logit))) * lr;
      float* out = output.row(targets[k]);
      for (int64_t d = 0; d < S; ++d) {
        grad[size_t(d)] += g * row[size_t(d)];
        out[d] += g * h[size_t(d)];
      }
    }
  }
}

}  // namespace ember::testing
