// Asking for a row before the loop reads it: rows at random places (a lookup's, a bag's)
// come from the last-level cache or memory, where the hardware prefetchers cannot foresee
// them, so the gathers ask for the row kRowsAhead ids on while they copy or sum this one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ember::ops {

constexpr int64_t kRowsAhead = 8;

// Every 64-byte line of the `bytes` at row, for reading.
inline void prefetch_row(const void* row, size_t bytes) {
  const char* p = static_cast<const char*>(row);
  for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
}

}  // namespace ember::ops
