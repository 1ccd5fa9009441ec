// Variable-length batches for recurrent layers, as torch.nn.utils.rnn: pad a list of
// sequences into one tensor, pack a padded batch so an LSTM runs each sequence only over its
// own steps, and unpack the result. Every function is differentiable (index_select, cat and
// stack underneath), so gradients flow from a packed LSTM's output back to the embeddings.
#pragma once

#include <cstdint>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::nn {

// A batch of B sequences of lengths L_b, stored step by step. Sequences are ordered by length,
// longest first (row j of a step is the j-th longest sequence); at step t the first
// batch_sizes[t] of them are still running, so data holds, for t = 0, 1, ..., the rows
// (t, 0), ..., (t, batch_sizes[t] - 1). Example, lengths {2, 3, 1} with enforce_sorted=false:
//   sorted_indices = {1, 0, 2}, batch_sizes = {3, 2, 1},
//   data rows: s1[0] s0[0] s2[0] | s1[1] s0[1] | s1[2]          (sK[t]: sequence K, step t)
struct PackedSequence {
  Tensor data;              // [N, *], N = sum of the lengths
  Tensor batch_sizes;       // [T] int64 on the CPU, T = the longest length
  Tensor sorted_indices;    // [B] int64: row j holds input sequence sorted_indices[j];
                            // undefined when the input came sorted (enforce_sorted=true)
  Tensor unsorted_indices;  // [B] int64: the inverse permutation; undefined likewise
};

// sequences: B tensors [L_b, *] with equal trailing sizes and dtype. Returns [T, B, *]
// (batch_first: [B, T, *]), T = max L_b, with sequence b in column b and padding_value after
// its end.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = false,
                    double padding_value = 0.0);

// input [T, B, *] (batch_first: [B, T, *]); lengths [B] int64 (or int32) on the CPU, each in
// [1, T]. With enforce_sorted the lengths must not increase; otherwise the batch is sorted by
// length, longest first, ties kept in input order, and the permutation is kept to undo it.
PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths,
                                    bool batch_first = false, bool enforce_sorted = true);
PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths,
                                    bool batch_first = false, bool enforce_sorted = true);

// pack_padded_sequence(pad_sequence(sequences), their lengths).
PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted = true);

struct PaddedSequence {
  Tensor padded;   // [T, B, *] (batch_first: [B, T, *]), the batch back in input order
  Tensor lengths;  // [B] int64 on the CPU, in input order
};

// The inverse of pack_padded_sequence. T is the longest length, or total_length when given
// (>= 0; it must be at least the longest length).
PaddedSequence pad_packed_sequence(const PackedSequence& sequence, bool batch_first = false,
                                   double padding_value = 0.0, int64_t total_length = -1);

}  // namespace ember::nn
