// unicode_upper: decode a code point, look it up in the generated tables, encode the result.
#include <ember/eval/unicode_upper.h>

#include <algorithm>
#include <cstdint>

#include <ember/eval/unicode_upper_table.h>

namespace ember::eval {

namespace {

using namespace upper_table;

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// The code point starting at text[i] and its length in bytes, or length 0 when the bytes
// there are not valid UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
std::pair<uint32_t, size_t> decode(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return uint8_t(text[i + k]); };
  const uint8_t b0 = byte(0);
  size_t n;
  uint32_t cp, min;
  if (b0 < 0x80) return {b0, 1};
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + n > text.size()) return {0, 0};
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, n};
}

void append_upper(std::string& out, uint32_t cp) {
  const UpperExpansion* expansions_end = kUpperExpansions + kUpperExpansionCount;
  const UpperExpansion* e =
      std::lower_bound(kUpperExpansions, expansions_end, cp,
                       [](const UpperExpansion& x, uint32_t value) { return x.from < value; });
  if (e != expansions_end && e->from == cp) {
    for (uint32_t to : e->to)
      if (to) append_utf8(out, to);
    return;
  }
  // The last run starting at or before cp.
  const UpperRun* runs_end = kUpperRuns + kUpperRunCount;
  const UpperRun* r = std::upper_bound(
      kUpperRuns, runs_end, cp, [](uint32_t value, const UpperRun& x) { return value < x.first; });
  if (r != kUpperRuns) {
    --r;
    if (cp <= r->last && (cp - r->first) % uint32_t(r->stride) == 0) {
      append_utf8(out, uint32_t(int64_t(cp) + r->delta));
      return;
    }
  }
  append_utf8(out, cp);
}

}  // namespace

std::string unicode_upper(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (uint8_t(c) < 0x80) {  // ASCII: the common case
      out += c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
      ++i;
      continue;
    }
    const auto [cp, n] = decode(text, i);
    if (n == 0) {
      out += c;
      ++i;
      continue;
    }
    append_upper(out, cp);
    i += n;
  }
  return out;
}

}  // namespace ember::eval
