// fastText's subword ids, bit for bit as fastText 0.9.2 computes them (Dictionary::hash,
// computeSubwords, addWordNgrams), so a word's rows match fastText's for the same vocabulary
// size and bucket count. The detail that a naive port misses: the FNV-1a hash folds each byte
// in as a *signed* char, so bytes >= 0x80 (any non-ASCII word) hash differently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::data {

class Vocabulary;

struct SubwordOptions {
  int32_t minn = 3;          // shortest character n-gram (fastText -minn)
  int32_t maxn = 6;          // longest; 0 turns subwords off (fastText -maxn)
  int64_t bucket = 2000000;  // hash buckets for n-grams (fastText -bucket)
};

// FNV-1a 32-bit over the bytes, each sign-extended from int8_t (fastText's Dictionary::hash).
inline uint32_t fasttext_hash(std::string_view text) {
  uint32_t h = 2166136261u;
  for (char c : text) {
    h ^= uint32_t(int8_t(c));
    h *= 16777619u;
  }
  return h;
}

// Appends nwords + fasttext_hash(g) % bucket for each n-gram g of "<" + word + ">" with n
// characters (UTF-8 aware: continuation bytes stay with their character), minn <= n <= maxn,
// in fastText's order (by start, then by length); the one-character n-grams "<" and ">" are
// skipped, the whole "<word>" is kept when short enough. ngrams, when given, receives the
// n-grams' text in the same order (fastText's substrings).
void compute_subwords(std::string_view word, const SubwordOptions& options, int64_t nwords,
                      std::vector<int32_t>& ids, std::vector<std::string>* ngrams = nullptr);

// fastText's word n-grams for the supervised model (Dictionary::addWordNgrams): for each
// token i and each j in (i, i + n), h = h * 116049371 + hashes[j] over 64 bits starting from
// hashes[i], and appends nwords + h % bucket. token_hashes are int32_t(fasttext_hash(token)),
// sign-extended to 64 bits as fastText does.
void add_word_ngrams(const std::vector<int32_t>& token_hashes, int32_t n, int64_t nwords,
                     int64_t bucket, std::vector<int32_t>& ids);

// Every vocabulary word's rows as fastText's Dictionary::getSubwords(id): the word's own id
// first, then its n-gram ids. Special tokens and "</s>" have only their own id (fastText
// gives its EOS no n-grams). The input matrix has num_rows() = V + bucket rows.
// CSR layout: word i's rows are ids()[offsets()[i] .. offsets()[i + 1]).
class SubwordTable {
 public:
  SubwordTable() = default;
  SubwordTable(const Vocabulary& vocab, const SubwordOptions& options);

  int64_t num_words() const { return int64_t(offsets_.size()) - 1; }
  int64_t num_rows() const { return num_words() + options_.bucket; }
  const SubwordOptions& options() const { return options_; }

  // word id -> its rows: [begin, end) of int32 ids.
  const int32_t* begin(int64_t id) const { return ids_.data() + offsets_[size_t(id)]; }
  const int32_t* end(int64_t id) const { return ids_.data() + offsets_[size_t(id) + 1]; }
  int64_t count(int64_t id) const { return offsets_[size_t(id) + 1] - offsets_[size_t(id)]; }

  // Rows of a word outside the vocabulary: its n-gram ids only (fastText's getSubwords for an
  // unknown word), empty when subwords are off.
  std::vector<int32_t> oov(std::string_view word) const;

  const std::vector<int64_t>& offsets() const { return offsets_; }  // [V + 1]
  const std::vector<int32_t>& ids() const { return ids_; }

 private:
  SubwordOptions options_;
  std::vector<int64_t> offsets_{0};
  std::vector<int32_t> ids_;
};

}  // namespace ember::data
