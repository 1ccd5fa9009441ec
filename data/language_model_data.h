// Batches for the language models, streamed from a text file (plain or gzip, through
// CorpusReader), never holding the file whole:
//   CharVocabulary  the seed's chars = sorted(set(text)), built in one streaming pass
//   CharStream      consecutive chunks of characters: step s reads the next B*T + 1 chars,
//                   row i = chars [i*T, i*T + T] of them; inputs are the first T of each
//                   row, targets the last T (the char that follows each input). The file's
//                   lines are joined with '\n', so '\n' is a character like any other.
//   NGramStream     (context [B, C], target [B]) pairs in text order: each word of the
//                   token stream (sentences joined by <eos>) with the C words before it.
// Both wrap to the start of the file at its end (the next epoch) when asked to, so a
// trainer with a fixed number of steps sees the same batches whatever the file size, and a
// script in another framework can rebuild the exact order from the text alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ember/data/corpus.h>
#include <ember/data/vocab.h>
#include <ember/tensor/tensor.h>

namespace ember::data {

// Characters (bytes) <-> ids, ids in byte order as Python's sorted(set(text)) gives for
// ASCII text.
class CharVocabulary {
 public:
  CharVocabulary() = default;
  explicit CharVocabulary(std::string chars);  // distinct bytes, any order
  // Every byte of the file's lines, plus '\n' when the file has more than one line.
  static CharVocabulary build(const std::string& path);

  int64_t size() const { return int64_t(chars_.size()); }
  bool contains(char c) const { return ids_[uint8_t(c)] >= 0; }
  // The id of c; an error names the character (and `where`) when it is not in the vocabulary.
  int64_t id(char c, const char* where = "char vocabulary") const;
  char character(int64_t id) const;
  std::vector<int64_t> encode(std::string_view text) const;
  std::string decode(const std::vector<int64_t>& ids) const;
  // The characters in id order, e.g. to save in a model file's metadata.
  const std::string& chars() const { return chars_; }

 private:
  std::string chars_;
  int16_t ids_[256] = {};
};

class CharStream {
 public:
  // Reads `path` in steps of batch_size rows of sequence_length characters.
  CharStream(const std::string& path, const CharVocabulary& vocab, int64_t batch_size,
             int64_t sequence_length, bool wrap = true);

  // inputs, targets [B, T] int64. Returns false at the end of the file when not wrapping
  // (a last batch that cannot be filled is dropped), never when wrapping.
  bool next(Tensor& inputs, Tensor& targets);
  void rewind();
  int64_t epoch() const { return epoch_; }  // how many times the stream has wrapped

 private:
  // Appends characters to buffer_ until it holds `count` (false at the end of the file).
  bool fill(size_t count);

  CorpusReader reader_;
  const CharVocabulary& vocab_;
  int64_t batch_size_, sequence_length_;
  bool wrap_;
  int64_t epoch_ = 0;
  bool first_line_ = true;
  std::string buffer_;  // characters read but not yet used; buffer_[0] is the next input
};

class NGramStream {
 public:
  // Words of `path` through `vocab` (unknown words -> its <unk>, which it must have); the
  // sentences are joined by its <eos>, which it must have too.
  NGramStream(const std::string& path, const Vocabulary& vocab, int64_t context_size,
              int64_t batch_size, bool wrap = false);

  // context [B, C], target [B] int64; false at the end of the file when not wrapping (the
  // last, shorter batch is returned first).
  bool next(Tensor& context, Tensor& target);
  void rewind();
  int64_t epoch() const { return epoch_; }

 private:
  bool next_word(int64_t& id);

  CorpusReader reader_;
  const Vocabulary& vocab_;
  int64_t context_size_, batch_size_;
  bool wrap_;
  int64_t epoch_ = 0;
  std::vector<int64_t> sentence_;  // ids of the current sentence, then <eos>
  size_t position_ = 0;
  std::vector<int64_t> history_;  // the last context_size ids
};

}  // namespace ember::data
