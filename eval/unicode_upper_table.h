// The tables under eval::unicode_upper() (eval/unicode_upper.h), generated from Python's
// str.upper() by scripts/make_unicode_upper.py into eval/unicode_upper_table.cpp.
#pragma once

#include <cstdint>

namespace ember::eval::upper_table {

// Code points first, first + stride, ..., last each map to itself + delta. Sorted by first;
// no code point of another run lies inside one.
struct UpperRun {
  uint32_t first, last;
  int32_t stride, delta;
};
// A code point whose uppercase is 2 or 3 code points (U+00DF -> "SS"); unused slots are 0.
// Sorted by from.
struct UpperExpansion {
  uint32_t from;
  uint32_t to[3];
};

extern const UpperRun kUpperRuns[];
extern const int kUpperRunCount;
extern const UpperExpansion kUpperExpansions[];
extern const int kUpperExpansionCount;

}  // namespace ember::eval::upper_table
