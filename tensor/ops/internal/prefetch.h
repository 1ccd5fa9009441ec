// How far ahead the gathers (a lookup's rows, a bag's, the embedding backward's sums) ask the
// cache for a row: they cpu::prefetch the row kRowsAhead ids on while they copy or sum this one.
#pragma once

#include <cstdint>

#include <ember/tensor/cpu.h>

namespace ember::ops {

constexpr int64_t kRowsAhead = 8;

}  // namespace ember::ops
