// Small vocabularies and corpora for the sentence trainers' tests (word2vec, fastText, their
// CUDA kernels and the sentence loop they share).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vocab.h>
#include <ember/tensor/generator.h>

namespace ember::testing {

// Words "w0" .. "w<V-1>" with counts 1000, 997, ...
inline data::Vocabulary vocab_of(int64_t V) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (int64_t i = 0; i < V; ++i) counts.push_back({"w" + std::to_string(i), 1000 - 3 * i});
  return data::Vocabulary::from_counts(counts, {});
}

// `count` sentences of `min_length` to `min_length + spread - 1` ids drawn uniformly from
// [0, V). A one-sentence corpus is one warp on a GPU, so a kernel runs it deterministically.
inline data::EncodedCorpus random_sentences(int64_t V, int64_t count, int64_t min_length,
                                            int64_t spread, Generator& gen) {
  data::EncodedCorpus corpus;
  corpus.sentence_starts = {0};
  for (int64_t s = 0; s < count; ++s) {
    const int64_t length = min_length + int64_t(gen.next_u32() % uint32_t(spread));
    for (int64_t p = 0; p < length; ++p) corpus.ids.push_back(int32_t(gen.next_u32() % V));
    corpus.sentence_starts.push_back(int64_t(corpus.ids.size()));
  }
  corpus.raw_tokens = int64_t(corpus.ids.size());
  return corpus;
}

}  // namespace ember::testing
