// The CUDA twin of the fused fastText trainer (models/fasttext_trainer.cpp): skip-gram with subword
// n-grams, one warp per sentence as cuda/word2vec.cu, Hogwild updates of the two tables in
// global memory. A center word's hidden vector is the MEAN of its input rows (its word row
// and its n-gram bucket rows, data::SubwordTable as CSR); after each context word hidden
// moves by gain * its gradient, and the summed gradient is added in full to every one of the
// rows once per center (models/fasttext_trainer.cpp explains why that equals fastText's order).
// Host-callable with device pointers; the trainer in models/fasttext_trainer.cpp owns the buffers.
#pragma once

#include <cstdint>

#include <ember/cuda/sentence_launch.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>

namespace ember::cuda {

// The lr at corpus position p of this epoch: lr0 * max(0, 1 - (epoch * N + p) / total_words).
struct FastTextLaunch : SentenceLaunch {
  // Word w's input rows: row_ids[row_offsets[w] .. row_offsets[w + 1]) (at least one each).
  const int64_t* row_offsets;       // [V + 1]
  const int32_t* row_ids;           // [row_offsets[V]], each < input_rows
  const float* gain;                // [V] how far hidden moves per unit of its gradient
  float* input;                     // [input_rows, stride] word rows, then n-gram bucket rows
  float* output;                    // [V, stride] the context words' rows
  int64_t input_rows, stride, dim;  // stride: a multiple of 4 floats, padding zero
};

// Queues the subsampling and training kernels on ember's current stream.
void fasttext_train(const FastTextLaunch& launch);

// Largest dim and negative the kernel takes (registers hold the rows).
constexpr int64_t kFastTextMaxDim = 512;
constexpr int64_t kFastTextMaxNegative = 15;
// A negative equal to the context word is drawn again (fastText's getNegative) up to this
// many times; one still equal after that is skipped, as word2vec skips it. With V >= 2 and
// unigram^0.5 weights that takes a word holding nearly all the mass.
constexpr int kFastTextMaxRedraws = 64;

// Negative k (0-based) of prediction `slot` (the context's place in the window, 0..2 window)
// of the center at corpus position p < 2^48, given the context word `context`: attempt a is
// data::AliasTable::draw of the 64 bits (words[2 (k % 2)], words[2 (k % 2) + 1]) of
//   philox4x32(p | a << 48, epoch << 16 | 2 + 8 slot + k / 2, seed)
// so attempt 0 is cuda/word2vec.cu's draw. Runs on the host too: the tests replay it.
// alias: [V] packed entries (data::AliasTable::packed).
EMBER_HOST_DEVICE inline int32_t fasttext_negative(const uint64_t* alias, int64_t V, uint64_t seed,
                                                   int64_t epoch, int64_t p, int64_t slot,
                                                   int64_t k, int32_t context) {
  const uint64_t hi = (uint64_t(epoch) << 16) | uint64_t(2 + 8 * slot + k / 2);
  int32_t id = context;
  for (uint64_t a = 0; a < uint64_t(kFastTextMaxRedraws) && id == context; ++a) {
    const auto words = philox4x32(uint64_t(p) | (a << 48), hi, seed);
    const uint32_t high = words[2 * (k % 2)], low = words[2 * (k % 2) + 1];
    const uint32_t column = uint32_t((uint64_t(high) * uint64_t(V)) >> 32);
    const uint64_t entry = alias[column];
    id = int32_t(low < uint32_t(entry) ? column : uint32_t(entry >> 32));
  }
  return id;
}

// Checks on the host that (offsets [V + 1], ids [nnz]) is a CSR table the kernel may index
// blindly: offsets start at 0, rise, every word has a row, end at nnz, and every id is in
// [0, rows). Raises ember::Error naming the first bad entry.
inline void check_subword_rows(const int64_t* offsets, int64_t V, const int32_t* ids, int64_t nnz,
                               int64_t rows) {
  EMBER_CHECK(offsets[0] == 0 && offsets[V] == nnz, "fasttext (CUDA): subword offsets run from ",
              offsets[0], " to ", offsets[V], ", expected 0 to ", nnz);
  for (int64_t w = 0; w < V; ++w)
    EMBER_CHECK(offsets[w] < offsets[w + 1], "fasttext (CUDA): word ", w,
                " has no input rows (offsets ", offsets[w], ", ", offsets[w + 1], ")");
  for (int64_t i = 0; i < nnz; ++i)
    EMBER_CHECK(ids[i] >= 0 && ids[i] < rows, "fasttext (CUDA): subword row ", ids[i],
                " at position ", i, " out of range for ", rows, " input rows");
}

}  // namespace ember::cuda
