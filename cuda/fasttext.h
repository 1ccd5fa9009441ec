// The CUDA twin of the fused fastText trainer (models/fasttext_trainer.cpp): skip-gram with
// subword n-grams, one warp per sentence as cuda/word2vec.cu, Hogwild updates of the two tables in
// global memory. A center word's hidden vector is the MEAN of its input rows (its word row
// and its n-gram bucket rows, data::SubwordTable as CSR); after each context word hidden
// moves by gain * its gradient, and the summed gradient is added in full to every one of the
// rows once per center (models/fasttext_trainer.cpp explains why that equals fastText's order).
// Host-callable with device pointers; the trainer in models/fasttext_trainer.cpp owns the buffers.
#pragma once

#include <cstdint>

#include <ember/cuda/sentence_launch.h>
#include <ember/tensor/error.h>

namespace ember::cuda {

// The lr at corpus position p of this epoch: lr0 * max(0, 1 - (epoch * N + p) / total_words).
// input: [input_rows, stride] word rows, then n-gram bucket rows; output: [V, stride] the
// context words' rows.
struct FastTextLaunch : SentenceLaunch {
  // Word w's input rows: row_ids[row_offsets[w] .. row_offsets[w + 1]) (at least one each).
  const int64_t* row_offsets;  // [V + 1]
  const int32_t* row_ids;      // [row_offsets[V]], each < input_rows
  const float* gain;           // [V] how far hidden moves per unit of its gradient
  int64_t input_rows;
};

// Queues the subsampling and training kernels on ember's current stream.
void fasttext_train(const FastTextLaunch& launch);

// Largest dim and negative the kernel takes (registers hold the rows).
constexpr int64_t kFastTextMaxDim = 512;
constexpr int64_t kFastTextMaxNegative = 15;

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
