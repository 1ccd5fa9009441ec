// How the GPU's sparse embedding backward splits the runs of sorted ids over blocks, shared by
// its kernels (cuda/embedding.cu) and a CPU test of the splitting (tests/test_cuda_pieces.cpp).
// A run of c positions is summed in ceil(c / kPiecePositions) pieces, a block each, so that
// a Zipf id's tens of thousands of rows ("the") are not left to one block. Blocks [0, R) take
// the R runs' first pieces, into the runs' output rows; blocks [R, R + extras) the "extra"
// pieces, those past a run's first, each into a partial row of its own, added to the output
// row in order afterwards. With pieces' exclusive scan piece_starts, run r's extras are
// [piece_starts[r] - r, piece_starts[r + 1] - r - 1).
//   counts [3, 130, 64]  ->  pieces [1, 3, 1], piece_starts [0, 1, 4], extras 2 (both run 1's)
#pragma once

#include <cstdint>

#include <ember/tensor/generator.h>  // EMBER_HOST_DEVICE

namespace ember::cuda {

constexpr int64_t kPiecePositions = 64;

EMBER_HOST_DEVICE inline int64_t piece_count(int64_t count) {
  return (count + kPiecePositions - 1) / kPiecePositions;
}

// The run that holds extra piece e: the last r whose piece_starts[r] - r <= e (a binary search
// over the R runs, each of at least one piece).
EMBER_HOST_DEVICE inline int64_t run_of_extra(const int64_t* piece_starts, int64_t runs,
                                              int64_t e) {
  int64_t lo = 0, hi = runs - 1;
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (piece_starts[mid] - mid <= e)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

// What block b sums: run `run`'s sorted positions [begin, end), its piece `index` (0 the first).
struct Piece {
  int64_t run, index, begin, end;
};

EMBER_HOST_DEVICE inline Piece piece_of_block(int64_t b, const int64_t* starts,
                                              const int64_t* counts, const int64_t* piece_starts,
                                              int64_t runs) {
  Piece p;
  p.run = b < runs ? b : run_of_extra(piece_starts, runs, b - runs);
  p.index = b < runs ? 0 : b - runs - (piece_starts[p.run] - p.run) + 1;
  const int64_t run_end = starts[p.run] + counts[p.run];
  p.begin = starts[p.run] + p.index * kPiecePositions;
  p.end = p.begin + kPiecePositions < run_end ? p.begin + kPiecePositions : run_end;
  return p;
}

// Whether extra piece e is its run's first extra: that block adds the run's extras to its
// output row.
EMBER_HOST_DEVICE inline bool is_first_extra(int64_t e, int64_t run, const int64_t* piece_starts) {
  return e == piece_starts[run] - run;
}

}  // namespace ember::cuda
