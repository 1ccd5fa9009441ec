// Padding and packing. Both directions are one index_select of rows: packing picks row
// (t, sorted_indices[j]) of the padded batch for each packed row; unpacking picks, for each
// padded position, its packed row or an extra row of padding_value appended to data.
#include <algorithm>
#include <numeric>

#include <ember/nn/functional.h>
#include <ember/nn/rnn_utils.h>

namespace ember::nn {

namespace {

Shape trailing_sizes(const Tensor& t, int64_t from) {
  return Shape(t.sizes().begin() + from, t.sizes().end());
}

Shape concat(Shape front, const Shape& back) {
  front.insert(front.end(), back.begin(), back.end());
  return front;
}

}  // namespace

Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first, double padding_value) {
  EMBER_CHECK(!sequences.empty(), "pad_sequence: got no sequences");
  const Tensor& first = sequences[0];
  EMBER_CHECK(first.defined() && first.dim() >= 1,
              "pad_sequence: sequence 0 must have at least 1 dim (time)");
  const Shape trailing = trailing_sizes(first, 1);
  int64_t longest = 0;
  for (size_t b = 0; b < sequences.size(); ++b) {
    const Tensor& s = sequences[b];
    EMBER_CHECK(s.defined() && s.dim() >= 1 && trailing_sizes(s, 1) == trailing,
                "pad_sequence: ", "sequence ", b, " has sizes ", s.defined() ? s.sizes() : Shape{},
                ", expected [L, ", trailing, "...] like sequence 0 (", first.sizes(), ")");
    EMBER_CHECK(s.dtype() == first.dtype(), "pad_sequence: sequence ", b, " is ", s.dtype(),
                ", sequence 0 is ", first.dtype());
    longest = std::max(longest, s.size(0));
  }
  std::vector<Tensor> columns;
  for (const Tensor& s : sequences) {
    if (s.size(0) == longest) {
      columns.push_back(s);
      continue;
    }
    Tensor padding = full(concat({longest - s.size(0)}, trailing), padding_value,
                          TensorOptions(s.dtype()).device(s.device()));
    columns.push_back(cat({s, padding}, 0));
  }
  return stack(columns, batch_first ? 0 : 1);  // [T, B, *] or [B, T, *]
}

PackedSequence pack_padded_sequence(const Tensor& input, const Tensor& lengths, bool batch_first,
                                    bool enforce_sorted) {
  EMBER_CHECK(lengths.defined() && lengths.dim() == 1 && !is_floating(lengths.dtype()),
              "pack_padded_sequence: lengths must be a 1-D integer tensor");
  return pack_padded_sequence(input, lengths.to_vector<int64_t>(), batch_first, enforce_sorted);
}

PackedSequence pack_padded_sequence(const Tensor& input, const std::vector<int64_t>& lengths,
                                    bool batch_first, bool enforce_sorted) {
  const char* op = "pack_padded_sequence";
  EMBER_CHECK(input.defined() && input.dim() >= 2, op, ": input must be [T, B, *] or, with ",
              "batch_first, [B, T, *]; got ", input.defined() ? input.sizes() : Shape{});
  const int64_t steps = input.size(batch_first ? 1 : 0);
  const int64_t batch = input.size(batch_first ? 0 : 1);
  EMBER_CHECK(int64_t(lengths.size()) == batch, op, ": got ", lengths.size(),
              " lengths for a batch of ", batch, " sequences (input sizes ", input.sizes(),
              batch_first ? ", batch_first)" : ")");
  for (int64_t b = 0; b < batch; ++b) {
    EMBER_CHECK(lengths[b] > 0, op, ": lengths[", b, "] is ", lengths[b],
                "; every sequence needs at least one step");
    EMBER_CHECK(lengths[b] <= steps, op, ": lengths[", b, "] is ", lengths[b],
                ", longer than the input's ", steps, " steps");
  }

  // order[j]: the input sequence that becomes row j, longest first.
  std::vector<int64_t> order(batch);
  std::iota(order.begin(), order.end(), 0);
  PackedSequence packed;
  if (enforce_sorted) {
    for (int64_t b = 1; b < batch; ++b)
      EMBER_CHECK(lengths[b] <= lengths[b - 1], op, ": lengths must be sorted longest first ",
                  "when enforce_sorted is true, but lengths[", b, "] = ", lengths[b], " > lengths[",
                  b - 1, "] = ", lengths[b - 1], "; pass enforce_sorted=false to have them sorted");
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return lengths[a] > lengths[b]; });
    std::vector<int64_t> inverse(batch);
    for (int64_t j = 0; j < batch; ++j) inverse[order[j]] = j;
    packed.sorted_indices = tensor(order, {batch}, kInt64);
    packed.unsorted_indices = tensor(inverse, {batch}, kInt64);
  }

  // batch_sizes[t] = how many lengths exceed t; rows of step t are order[0 .. batch_sizes[t]).
  const int64_t longest = lengths[order[0]];
  std::vector<int64_t> batch_sizes(longest, 0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < lengths[b]; ++t) ++batch_sizes[t];
  // Packed row (t, j) is row t * B + order[j] of the time-major input seen as [T * B, *]
  // (batch_first: row order[j] * T + t of [B * T, *]).
  std::vector<int64_t> rows;
  for (int64_t t = 0; t < longest; ++t)
    for (int64_t j = 0; j < batch_sizes[t]; ++j)
      rows.push_back(batch_first ? order[j] * steps + t : t * batch + order[j]);
  Tensor flat = reshape(input, concat({steps * batch}, trailing_sizes(input, 2)));
  packed.data = index_select(flat, 0, tensor(rows, {int64_t(rows.size())}, kInt64));
  packed.batch_sizes = tensor(batch_sizes, {longest}, kInt64);
  return packed;
}

PackedSequence pack_sequence(const std::vector<Tensor>& sequences, bool enforce_sorted) {
  std::vector<int64_t> lengths;
  for (const Tensor& s : sequences) lengths.push_back(s.defined() && s.dim() > 0 ? s.size(0) : 0);
  return pack_padded_sequence(pad_sequence(sequences), lengths, false, enforce_sorted);
}

PaddedSequence pad_packed_sequence(const PackedSequence& sequence, bool batch_first,
                                   double padding_value, int64_t total_length) {
  const char* op = "pad_packed_sequence";
  const Tensor& data = sequence.data;
  EMBER_CHECK(data.defined() && data.dim() >= 1 && sequence.batch_sizes.defined(), op,
              ": not a packed sequence (data or batch_sizes missing)");
  const std::vector<int64_t> batch_sizes = sequence.batch_sizes.to_vector<int64_t>();
  const int64_t longest = int64_t(batch_sizes.size());
  EMBER_CHECK(longest > 0, op, ": batch_sizes is empty");
  const int64_t batch = batch_sizes[0];
  EMBER_CHECK(total_length < 0 || total_length >= longest, op, ": total_length ", total_length,
              " is shorter than the longest sequence, ", longest, " steps");
  const int64_t steps = total_length < 0 ? longest : total_length;

  // offset[t]: the first packed row of step t; sorted_lengths[j]: steps of packed row j.
  std::vector<int64_t> offset(longest + 1, 0), sorted_lengths(batch, 0);
  for (int64_t t = 0; t < longest; ++t) {
    EMBER_CHECK(batch_sizes[t] > 0 && batch_sizes[t] <= batch, op, ": batch_sizes[", t, "] is ",
                batch_sizes[t], ", outside [1, ", batch, "]");
    offset[t + 1] = offset[t] + batch_sizes[t];
    for (int64_t j = 0; j < batch_sizes[t]; ++j) ++sorted_lengths[j];
  }
  const int64_t rows = offset[longest];
  EMBER_CHECK(data.size(0) == rows, op, ": data has ", data.size(0),
              " rows but batch_sizes add up to ", rows);
  const bool unsort = sequence.unsorted_indices.defined();
  const std::vector<int64_t> unsorted =
      unsort ? sequence.unsorted_indices.to_vector<int64_t>() : std::vector<int64_t>();

  // Padded position (t, b) takes packed row offset[t] + j, j = the row of input sequence b,
  // or row `rows` (the appended padding row) once sequence b has ended.
  std::vector<int64_t> lengths(batch), index(steps * batch);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t j = unsort ? unsorted[b] : b;
    lengths[b] = sorted_lengths[j];
    for (int64_t t = 0; t < steps; ++t)
      index[batch_first ? b * steps + t : t * batch + b] = t < lengths[b] ? offset[t] + j : rows;
  }
  const Shape trailing = trailing_sizes(data, 1);
  Tensor padding =
      full(concat({1}, trailing), padding_value, TensorOptions(data.dtype()).device(data.device()));
  Tensor source = cat({data, padding}, 0);  // [N + 1, *]
  Tensor picked = index_select(source, 0, tensor(index, {steps * batch}, kInt64));
  Shape sizes = batch_first ? Shape{batch, steps} : Shape{steps, batch};
  return {view(picked, concat(sizes, trailing)), tensor(lengths, {batch}, kInt64)};
}

}  // namespace ember::nn
