// A corpus as vocabulary ids, for the fused trainers: one streaming pass over the text
// (plain or gzip) maps each token to its id, drops words not in the vocabulary (as
// word2vec and gensim do: they take no place in the window) and cuts sentences longer
// than max_sentence words into pieces (gensim's 10,000-word batches). 4 bytes per kept
// token; the text itself is never held.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ember/data/vocab.h>

namespace ember::data {

struct EncodedCorpus {
  std::vector<int32_t> ids;              // kept tokens, sentence after sentence
  std::vector<int64_t> sentence_starts;  // [S + 1]: sentence s is ids[starts[s], starts[s+1])
  int64_t raw_tokens = 0;                // tokens read, kept or not

  int64_t num_sentences() const { return int64_t(sentence_starts.size()) - 1; }
  int64_t num_ids() const { return int64_t(ids.size()); }

  static constexpr int64_t kMaxSentence = 10000;
  static EncodedCorpus encode(const std::string& path, const Vocabulary& vocab,
                              int64_t max_sentence = kMaxSentence);

  // Splits the sentences into `parts` contiguous ranges of about equal token counts (one
  // per trainer thread, as word2vec splits its file); returns [parts + 1] sentence indices.
  std::vector<int64_t> split(int64_t parts) const;
};

}  // namespace ember::data
