// Vocabulary: words <-> ids with corpus counts, as the seeds' Vocabulary class and
// word2vec/fastText's dictionary. Built in one streaming pass over a corpus file (only the
// distinct words are held, never the text). Ids are sorted by count, most frequent first
// (ties by first appearance), after the special tokens, so "the 30k most frequent words"
// are ids [specials, specials + 30000).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ember/data/string_index.h>

namespace ember::data {

struct VocabularyOptions {
  int64_t min_count = 1;  // words seen fewer times are dropped (fastText -minCount, seed min_freq)
  int64_t max_size = 0;   // keep at most this many words (not counting specials); 0 = no limit
  // Special tokens put first, in this order (the seeds use <PAD> <UNK> <BOS> <EOS>); a
  // word2vec-style vocabulary for the trainers has none. Those named <pad>, <unk>, <bos>,
  // <eos> (any case) give pad_id(), unk_id(), bos_id(), eos_id(). A special met in the text
  // is not counted as a word.
  std::vector<std::string> specials;
};

// Counts tokens, distinct words in order of first appearance; no allocation for a word
// already seen. Vocabulary::build(counter, options) turns the counts into a vocabulary.
class WordCounter {
 public:
  void add(std::string_view token);
  int64_t total() const { return total_; }  // tokens added
  int64_t distinct() const { return int64_t(words_.size()); }
  // (word, count) in order of first appearance; leaves the counter empty.
  std::vector<std::pair<std::string, int64_t>> take();

 private:
  std::vector<std::string> words_;
  std::vector<int64_t> counts_;
  StringIndex index_;
  int64_t total_ = 0;
};

class Vocabulary {
 public:
  static constexpr int64_t kNone = -1;

  Vocabulary() = default;
  explicit Vocabulary(const VocabularyOptions& options);

  // One streaming pass over a corpus file (plain or .gz): whitespace tokens, a line a
  // sentence. Throws an ember::Error naming the file when it cannot be read.
  static Vocabulary build(const std::string& corpus_path, const VocabularyOptions& options);
  // From counts gathered by the caller (e.g. only the text column of a labelled file).
  static Vocabulary build(WordCounter counter, const VocabularyOptions& options);
  // From already-split texts (the seeds' build(texts, min_freq, max_size)).
  static Vocabulary build(const std::vector<std::string>& texts, const VocabularyOptions& options);
  // From (word, count) pairs, in any order; applies min_count/max_size and sorts by count.
  static Vocabulary from_counts(std::vector<std::pair<std::string, int64_t>> word_counts,
                                const VocabularyOptions& options);

  int64_t size() const { return int64_t(words_.size()); }
  // The id of `word`, or kNone.
  int64_t find(std::string_view word) const;
  // The id of `word`, or unk_id() (kNone when there is no unknown token).
  int64_t id(std::string_view word) const;
  const std::string& word(int64_t id) const;  // checks the range
  int64_t count(int64_t id) const { return counts_[size_t(id)]; }
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<int64_t>& counts() const { return counts_; }
  // Tokens read while building, including those of dropped words.
  int64_t total_tokens() const { return total_tokens_; }
  // Tokens of words kept in the vocabulary (the sum of counts()).
  int64_t kept_tokens() const;

  int64_t pad_id() const { return pad_id_; }  // kNone when absent
  int64_t unk_id() const { return unk_id_; }
  int64_t bos_id() const { return bos_id_; }
  int64_t eos_id() const { return eos_id_; }
  int64_t num_specials() const { return num_specials_; }

  // Text <-> ids, the seeds' encode/decode: whitespace split; unknown words map to unk_id()
  // or are skipped when there is no unknown token.
  std::vector<int64_t> encode(std::string_view text) const;
  std::string decode(const std::vector<int64_t>& ids) const;

  // "word count" per line, specials first with count 0 (fastText's dictionary dump order).
  // save writes atomically; load checks every line and names the file and line at fault.
  // load reads leading count-0 lines as the specials, and sets total_tokens() to
  // kept_tokens() (the file does not hold the tokens of dropped words).
  void save(const std::string& path) const;
  static Vocabulary load(const std::string& path);

 private:
  void add(std::string word, int64_t count);

  std::vector<std::string> words_;
  std::vector<int64_t> counts_;
  StringIndex index_;  // word -> id, looked up by string_view
  int64_t total_tokens_ = 0;
  int64_t num_specials_ = 0;
  int64_t pad_id_ = kNone, unk_id_ = kNone, bos_id_ = kNone, eos_id_ = kNone;
};

}  // namespace ember::data
