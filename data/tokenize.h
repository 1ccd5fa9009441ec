// Whitespace tokenization shared by the corpus reader, the vocabulary and the datasets: a
// token is a maximal run of bytes that are not ASCII whitespace (space, \t, \n, \v, \f, \r),
// as word2vec and fastText read text. Bytes >= 0x80 are never whitespace.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ember::data {

inline bool is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Appends the tokens of `text` to `tokens` (views into `text`).
inline void split_whitespace(std::string_view text, std::vector<std::string_view>& tokens) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (true) {
    while (p < end && is_space(static_cast<unsigned char>(*p))) ++p;
    if (p == end) return;
    const char* start = p;
    while (p < end && !is_space(static_cast<unsigned char>(*p))) ++p;
    tokens.emplace_back(start, size_t(p - start));
  }
}

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
// ASCII runs are skipped eight bytes at a time, so a clean English line costs little.
bool is_valid_utf8(std::string_view text);

}  // namespace ember::data
