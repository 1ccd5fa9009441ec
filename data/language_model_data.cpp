#include <ember/data/language_model_data.h>

#include <algorithm>
#include <string>

#include <ember/tensor/error.h>

namespace ember::data {

// ---- CharVocabulary ----

CharVocabulary::CharVocabulary(std::string chars) {
  std::sort(chars.begin(), chars.end(), [](char a, char b) { return uint8_t(a) < uint8_t(b); });
  chars.erase(std::unique(chars.begin(), chars.end()), chars.end());
  EMBER_CHECK(!chars.empty(), "char vocabulary: no characters");
  chars_ = std::move(chars);
  std::fill(std::begin(ids_), std::end(ids_), int16_t(-1));
  for (size_t i = 0; i < chars_.size(); ++i) ids_[uint8_t(chars_[i])] = int16_t(i);
}

CharVocabulary CharVocabulary::build(const std::string& path) {
  bool seen[256] = {};
  CorpusReader reader(path);
  std::string_view line;
  int64_t lines = 0;
  while (reader.next_line(line)) {
    ++lines;
    for (char c : line) seen[uint8_t(c)] = true;
  }
  if (lines > 1) seen[uint8_t('\n')] = true;
  std::string chars;
  for (int c = 0; c < 256; ++c)
    if (seen[c]) chars.push_back(char(c));
  EMBER_CHECK(!chars.empty(), "char vocabulary: ", path, " has no characters");
  return CharVocabulary(chars);
}

int64_t CharVocabulary::id(char c, const char* where) const {
  int16_t id = ids_[uint8_t(c)];
  EMBER_CHECK(id >= 0, where, ": character ", int(uint8_t(c)), " ('", std::string(1, c),
              "') is not in the vocabulary of ", chars_.size(), " characters");
  return id;
}

char CharVocabulary::character(int64_t id) const {
  EMBER_CHECK(id >= 0 && id < size(), "char vocabulary: id ", id, " out of range for ", size(),
              " characters");
  return chars_[size_t(id)];
}

std::vector<int64_t> CharVocabulary::encode(std::string_view text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (char c : text) ids.push_back(id(c));
  return ids;
}

std::string CharVocabulary::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (int64_t id : ids) text.push_back(character(id));
  return text;
}

// ---- CharStream ----

CharStream::CharStream(const std::string& path, const CharVocabulary& vocab, int64_t batch_size,
                       int64_t sequence_length, bool wrap)
    : reader_(path),
      vocab_(vocab),
      batch_size_(batch_size),
      sequence_length_(sequence_length),
      wrap_(wrap) {
  EMBER_CHECK(batch_size > 0 && sequence_length > 0, "CharStream: batch_size ", batch_size,
              " and sequence_length ", sequence_length, " must be positive");
}

bool CharStream::fill(size_t count) {
  std::string_view line;
  while (buffer_.size() < count) {
    if (!reader_.next_line(line)) return false;
    if (!first_line_) buffer_.push_back('\n');
    first_line_ = false;
    for (char c : line) {
      EMBER_CHECK(vocab_.contains(c), "CharStream: ", reader_.path(), " line ",
                  reader_.line_number(), ": character ", int(uint8_t(c)), " ('", std::string(1, c),
                  "') is not in the vocabulary");
    }
    buffer_.append(line);
  }
  return true;
}

void CharStream::rewind() {
  reader_.rewind();
  buffer_.clear();
  first_line_ = true;
}

bool CharStream::next(Tensor& inputs, Tensor& targets) {
  const int64_t B = batch_size_, T = sequence_length_;
  const size_t needed = size_t(B * T + 1);
  if (!fill(needed)) {
    if (!wrap_) return false;
    rewind();
    ++epoch_;
    EMBER_CHECK(fill(needed), "CharStream: ", reader_.path(), " holds fewer than ", needed,
                " characters, too few for one batch of ", B, " x ", T);
  }
  inputs = empty({B, T}, kInt64);
  targets = empty({B, T}, kInt64);
  int64_t* x = inputs.data<int64_t>();
  int64_t* y = targets.data<int64_t>();
  for (int64_t i = 0; i < B * T; ++i) {
    x[i] = vocab_.id(buffer_[size_t(i)]);
    y[i] = vocab_.id(buffer_[size_t(i + 1)]);
  }
  buffer_.erase(0, size_t(B * T));
  return true;
}

// ---- NGramStream ----

NGramStream::NGramStream(const std::string& path, const Vocabulary& vocab, int64_t context_size,
                         int64_t batch_size, bool wrap)
    : reader_(path),
      vocab_(vocab),
      context_size_(context_size),
      batch_size_(batch_size),
      wrap_(wrap) {
  EMBER_CHECK(context_size > 0 && batch_size > 0, "NGramStream: context_size ", context_size,
              " and batch_size ", batch_size, " must be positive");
  EMBER_CHECK(vocab.unk_id() >= 0 && vocab.eos_id() >= 0,
              "NGramStream: the vocabulary needs <unk> and <eos> specials");
}

bool NGramStream::next_word(int64_t& id) {
  std::vector<std::string_view> tokens;
  while (position_ >= sentence_.size()) {
    if (!reader_.next_sentence(tokens)) return false;
    sentence_.clear();
    position_ = 0;
    for (std::string_view token : tokens) {
      int64_t word = vocab_.find(token);
      sentence_.push_back(word >= 0 ? word : vocab_.unk_id());
    }
    sentence_.push_back(vocab_.eos_id());
  }
  id = sentence_[position_++];
  return true;
}

void NGramStream::rewind() {
  reader_.rewind();
  sentence_.clear();
  position_ = 0;
  history_.clear();
}

bool NGramStream::next(Tensor& context, Tensor& target) {
  const int64_t C = context_size_;
  std::vector<int64_t> contexts, targets;
  contexts.reserve(size_t(batch_size_ * C));
  int64_t word;
  while (int64_t(targets.size()) < batch_size_) {
    if (!next_word(word)) {
      if (!wrap_) break;
      rewind();
      ++epoch_;
      EMBER_CHECK(next_word(word), "NGramStream: ", reader_.path(), " has no words");
    }
    if (int64_t(history_.size()) == C) {  // a full context: (history, word) is an example
      contexts.insert(contexts.end(), history_.begin(), history_.end());
      targets.push_back(word);
      history_.erase(history_.begin());
    }
    history_.push_back(word);
  }
  if (targets.empty()) return false;
  const int64_t B = int64_t(targets.size());
  context = tensor(contexts, {B, C}, kInt64);
  target = tensor(targets, {B}, kInt64);
  return true;
}

}  // namespace ember::data
