// StringIndex: an open-addressing hash table from a string to its position in a vector of
// strings that the caller owns (word2vec's vocab_hash). Looks up a std::string_view without
// building a std::string, so counting or encoding a token costs one hash and no allocation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ember::data {

class StringIndex {
 public:
  static constexpr int64_t kNone = -1;

  // The position of `key` in `strings`, or kNone.
  int64_t find(std::string_view key, const std::vector<std::string>& strings) const {
    if (slots_.empty()) return kNone;
    size_t mask = slots_.size() - 1;
    for (size_t slot = hash(key) & mask;; slot = (slot + 1) & mask) {
      int64_t position = slots_[slot];
      if (position == kNone) return kNone;
      if (strings[size_t(position)] == key) return position;
    }
  }

  // Records that strings[position] (already appended by the caller) is at `position`; the
  // key must not be present yet.
  void insert(int64_t position, const std::vector<std::string>& strings) {
    if (int64_t(slots_.size()) < 2 * (size_ + 1))
      rehash(std::max<size_t>(64, 4 * slots_.size()), strings);
    place(position, strings);
    ++size_;
  }

  // Rebuilds the table for strings[0 .. strings.size()).
  void rebuild(const std::vector<std::string>& strings) {
    slots_.clear();
    size_ = 0;
    size_t capacity = 64;
    while (capacity < 2 * strings.size() + 2) capacity *= 2;
    slots_.assign(capacity, kNone);
    for (size_t i = 0; i < strings.size(); ++i) {
      place(int64_t(i), strings);
      ++size_;
    }
  }

  void clear() {
    slots_.clear();
    size_ = 0;
  }

 private:
  static size_t hash(std::string_view key) { return std::hash<std::string_view>()(key); }

  void place(int64_t position, const std::vector<std::string>& strings) {
    size_t mask = slots_.size() - 1;
    size_t slot = hash(strings[size_t(position)]) & mask;
    while (slots_[slot] != kNone) slot = (slot + 1) & mask;
    slots_[slot] = position;
  }

  void rehash(size_t capacity, const std::vector<std::string>& strings) {
    std::vector<int64_t> old = std::move(slots_);
    slots_.assign(capacity, kNone);
    for (int64_t position : old)
      if (position != kNone) place(position, strings);
  }

  std::vector<int64_t> slots_;  // a power of two in size, at most half full
  int64_t size_ = 0;
};

}  // namespace ember::data
