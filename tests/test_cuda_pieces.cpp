// cuda/pieces.h on the CPU: how the GPU's sparse embedding backward splits runs of sorted ids
// into pieces of at most 64 positions, a block each. Runs on every build (no GPU needed): the
// kernels' index arithmetic, checked where it can be.
#include "testing.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <ember/cuda/pieces.h>

namespace ember::cuda {
namespace {

// The runs' starts and piece_starts (exclusive scans), as the backward computes them.
struct Split {
  std::vector<int64_t> starts, counts, piece_starts;
  int64_t runs = 0, extras = 0;
};

Split split_of(const std::vector<int64_t>& counts) {
  Split s;
  s.counts = counts;
  s.runs = int64_t(counts.size());
  int64_t start = 0, piece_start = 0;
  for (int64_t c : counts) {
    s.starts.push_back(start);
    s.piece_starts.push_back(piece_start);
    start += c;
    piece_start += piece_count(c);
  }
  s.extras = piece_start - s.runs;
  return s;
}

TEST(CudaPieces, TheFileCommentsExample) {
  const Split s = split_of({3, 130, 64});
  EXPECT_EQ(s.piece_starts, (std::vector<int64_t>{0, 1, 4}));
  EXPECT_EQ(s.extras, 2);
  for (int64_t e : {0, 1}) EXPECT_EQ(run_of_extra(s.piece_starts.data(), s.runs, e), 1);
  const Piece second =
      piece_of_block(s.runs + 1, s.starts.data(), s.counts.data(), s.piece_starts.data(), s.runs);
  EXPECT_EQ(second.run, 1);
  EXPECT_EQ(second.index, 2);
  EXPECT_EQ(second.begin, 3 + 128);
  EXPECT_EQ(second.end, 3 + 130);
  EXPECT_TRUE(is_first_extra(0, 1, s.piece_starts.data()));
  EXPECT_FALSE(is_first_extra(1, 1, s.piece_starts.data()));
}

// Every position of every run is summed by exactly one block, in pieces of at most 64 that
// follow each other in order; each run's extras are the contiguous partial rows its first
// extra adds up; runs of 1, 63, 64, 65, 128, 129 and thousands of positions, in any order.
TEST(CudaPieces, EveryPositionOnceAndEachRunsExtrasInOrder) {
  Generator g(31);
  const std::vector<int64_t> sizes = {1, 2, 63, 64, 65, 128, 129, 1000, 10000};
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t runs = 1 + int64_t(g.next_u64() % 40);
    std::vector<int64_t> counts;
    for (int64_t r = 0; r < runs; ++r) counts.push_back(sizes[g.next_u64() % sizes.size()]);
    const Split s = split_of(counts);
    const int64_t n = std::accumulate(counts.begin(), counts.end(), int64_t(0));
    std::vector<int> covered(size_t(n), 0);
    std::vector<std::vector<int64_t>> indices(static_cast<size_t>(runs));  // pieces seen per run
    for (int64_t b = 0; b < s.runs + s.extras; ++b) {
      const Piece p =
          piece_of_block(b, s.starts.data(), s.counts.data(), s.piece_starts.data(), s.runs);
      ASSERT_GE(p.run, 0);
      ASSERT_LT(p.run, runs);
      EXPECT_EQ(p.index == 0, b < s.runs);
      EXPECT_LE(p.end - p.begin, kPiecePositions);
      EXPECT_GT(p.end, p.begin);
      EXPECT_EQ(p.begin, s.starts[size_t(p.run)] + p.index * kPiecePositions);
      for (int64_t i = p.begin; i < p.end; ++i) ++covered[size_t(i)];
      indices[size_t(p.run)].push_back(p.index);
      if (b >= s.runs) {  // extra e = b - R sits at partial row e, in its run's range
        const int64_t e = b - s.runs, first = s.piece_starts[size_t(p.run)] - p.run;
        EXPECT_EQ(e, first + p.index - 1);
        EXPECT_EQ(is_first_extra(e, p.run, s.piece_starts.data()), p.index == 1);
      }
    }
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(covered[size_t(i)], 1) << "position " << i;
    for (int64_t r = 0; r < runs; ++r) {
      std::vector<int64_t> expected(size_t(piece_count(counts[size_t(r)])));
      std::iota(expected.begin(), expected.end(), int64_t(0));
      std::vector<int64_t> seen = indices[size_t(r)];
      std::sort(seen.begin(), seen.end());
      EXPECT_EQ(seen, expected) << "run " << r << " of " << counts[size_t(r)] << " positions";
    }
  }
}

}  // namespace
}  // namespace ember::cuda
