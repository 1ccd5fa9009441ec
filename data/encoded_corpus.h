// A corpus as vocabulary ids, for the fused trainers: one streaming pass over the text
// (plain or gzip) maps each token to its id, drops words not in the vocabulary (as
// word2vec and gensim do: they take no place in the window) and cuts sentences longer
// than max_sentence words into pieces (gensim's 10,000-word batches). 4 bytes per kept
// token; the text itself is never held. A corpus larger than memory stays on disk instead
// (data/encoded_corpus_file.h), with the same ids.
#pragma once

#include <cstdint>
#include <functional>
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
  // What encode() reads, a sentence at a time: on_sentence(ids, n) for each sentence (or piece
  // of max_sentence ids) of the text at `path` that keeps a word, in order, with its n kept
  // ids. Returns the tokens read, kept or not.
  static int64_t for_each_sentence(const std::string& path, const Vocabulary& vocab,
                                   int64_t max_sentence,
                                   const std::function<void(const int32_t*, int64_t)>& on_sentence);

  // Splits the sentences into `parts` contiguous ranges of about equal token counts (one
  // per trainer thread, as word2vec splits its file); returns [parts + 1] sentence indices.
  std::vector<int64_t> split(int64_t parts) const;
};

// EncodedCorpus::split for S sentences of N ids in all, where start(s) is sentence s's first
// position (start(S) = N): part p begins at the first sentence that starts at or after
// N * p / parts.
std::vector<int64_t> split_sentences(int64_t S, int64_t N, int64_t parts,
                                     const std::function<int64_t(int64_t)>& start);

}  // namespace ember::data
