// The bitmap font of the PNG plots: 5 x 9 pixel glyphs (baseline under row 6) drawn on a
// 6-pixel advance; characters outside ASCII show as their Latin-1 base letter or a box.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ember::eval {

inline constexpr int kGlyphColumns = 5;
inline constexpr int kGlyphRows = 9;
inline constexpr int kGlyphAdvance = 6;
inline constexpr int kGlyphBaseline = 7;  // rows above the baseline

// kGlyphRows row masks; bit c set = column c (from the left) is on.
const uint8_t* glyph(uint32_t code_point);

// UTF-8 to code points; each invalid byte becomes U+FFFD.
std::vector<uint32_t> decode_utf8(const std::string& text);

}  // namespace ember::eval
