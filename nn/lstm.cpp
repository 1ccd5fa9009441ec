// nn::LSTM. Per layer and direction: one matmul gives the input part of the gates for every
// step at once (x [N, in] W_ih^T + b_ih + b_hh); then each step is one matmul h W_hh^T and
// the fused cell (nn/functional/lstm_cell.cpp). Padded input is run as a packed batch whose
// batch_sizes are all B, so both forwards share one loop.
#include <algorithm>
#include <cmath>
#include <string>

#include <ember/nn/functional.h>
#include <ember/nn/functional/dropout.h>
#include <ember/nn/functional/lstm_cell.h>
#include <ember/nn/init.h>
#include <ember/nn/lstm.h>

namespace ember::nn {

namespace {

using functional::lstm_cell;
using functional::split_rows;

struct DirectionOutput {
  Tensor rows;  // [N, H]: h of every step, in packed row order
  Tensor h, c;  // [B, H]: each sequence's state after its last step (its first, in reverse)
};

// Forward in time. gates [N, 4H]: the input part of the gates, packed rows; weight_hh [4H, H];
// h, c [B, H] the initial state, B = batch_sizes[0]. When the batch shrinks at step t, rows
// batch_sizes[t].. have ended at step t - 1 and are set aside for h_n, c_n.
DirectionOutput run_forward(const Tensor& gates, const std::vector<int64_t>& batch_sizes,
                            const Tensor& weight_hh, Tensor h, Tensor c) {
  const int64_t steps = int64_t(batch_sizes.size());
  std::vector<Tensor> step_gates = split_rows(gates, batch_sizes);
  const Tensor weight_hh_t = weight_hh.t().contiguous();  // [H, 4H], copied once per forward
  std::vector<Tensor> rows(steps), ended_h, ended_c;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t running = batch_sizes[t];
    if (running < h.size(0)) {
      const std::vector<int64_t> parts{running, h.size(0) - running};
      std::vector<Tensor> hs = split_rows(h, parts), cs = split_rows(c, parts);
      ended_h.push_back(hs[1]);
      ended_c.push_back(cs[1]);
      h = hs[0];
      c = cs[0];
    }
    functional::LstmCellState next = lstm_cell(step_gates[t], mm(h, weight_hh_t), c);
    h = rows[t] = next.h;
    c = next.c;
  }
  if (ended_h.empty()) return {cat(rows, 0), h, c};
  // The sequences still running at the end are rows 0..; those that ended last come next.
  ended_h.push_back(h);
  ended_c.push_back(c);
  std::reverse(ended_h.begin(), ended_h.end());
  std::reverse(ended_c.begin(), ended_c.end());
  return {cat(rows, 0), cat(ended_h, 0), cat(ended_c, 0)};
}

// Backward in time: the batch grows as t falls, and rows batch_sizes[t + 1] .. batch_sizes[t]
// join at step t with their initial state taken from h0, c0 [B, H].
DirectionOutput run_reverse(const Tensor& gates, const std::vector<int64_t>& batch_sizes,
                            const Tensor& weight_hh, const Tensor& h0, const Tensor& c0) {
  const int64_t steps = int64_t(batch_sizes.size());
  std::vector<Tensor> step_gates = split_rows(gates, batch_sizes);
  const Tensor weight_hh_t = weight_hh.t().contiguous();  // [H, 4H]
  std::vector<int64_t> joining{batch_sizes[steps - 1]};   // h0 rows, in the order they join
  for (int64_t t = steps - 2; t >= 0; --t)
    if (batch_sizes[t] > batch_sizes[t + 1]) joining.push_back(batch_sizes[t] - batch_sizes[t + 1]);
  std::vector<Tensor> h0s{h0}, c0s{c0};
  if (joining.size() > 1) {
    h0s = split_rows(h0, joining);
    c0s = split_rows(c0, joining);
  }
  Tensor h = h0s[0], c = c0s[0];
  size_t joined = 1;
  std::vector<Tensor> rows(steps);
  for (int64_t t = steps - 1; t >= 0; --t) {
    if (batch_sizes[t] > h.size(0)) {
      h = cat({h, h0s[joined]}, 0);
      c = cat({c, c0s[joined]}, 0);
      ++joined;
    }
    functional::LstmCellState next = lstm_cell(step_gates[t], mm(h, weight_hh_t), c);
    h = rows[t] = next.h;
    c = next.c;
  }
  return {cat(rows, 0), h, c};
}

}  // namespace

LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first,
           double dropout, bool bidirectional, Generator* gen)
    : Module("LSTM"),
      input_size(input_size),
      hidden_size(hidden_size),
      num_layers(num_layers),
      bias(bias),
      batch_first(batch_first),
      dropout(dropout),
      bidirectional(bidirectional),
      generator(gen) {
  EMBER_CHECK(input_size > 0 && hidden_size > 0 && num_layers > 0, "LSTM: input_size (", input_size,
              "), hidden_size (", hidden_size, ") and num_layers (", num_layers,
              ") must be positive");
  EMBER_CHECK(dropout >= 0.0 && dropout <= 1.0, "LSTM: dropout ", dropout,
              " is not a probability in [0, 1]");
  const int64_t gates = 4 * hidden_size;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    const int64_t in = layer == 0 ? input_size : directions() * hidden_size;
    for (int64_t direction = 0; direction < directions(); ++direction) {
      const std::string suffix = std::to_string(layer) + (direction == 1 ? "_reverse" : "");
      Weights w;
      w.weight_ih = register_parameter("weight_ih_l" + suffix, empty({gates, in}));
      w.weight_hh = register_parameter("weight_hh_l" + suffix, empty({gates, hidden_size}));
      if (bias) {
        w.bias_ih = register_parameter("bias_ih_l" + suffix, empty({gates}));
        w.bias_hh = register_parameter("bias_hh_l" + suffix, empty({gates}));
      }
      weights_.push_back(w);
    }
  }
  reset_parameters(gen);
}

void LSTM::reset_parameters(Generator* gen) {
  const double bound = 1.0 / std::sqrt(double(hidden_size));
  for (const Weights& w : weights_)
    for (const Tensor& t : {w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh})
      if (t.defined()) init::uniform_(t, -bound, bound, gen);
}

void LSTM::check_state(const std::optional<LstmState>& state, int64_t batch, DType dtype) const {
  if (!state) return;
  const Shape sizes{num_layers * directions(), batch, hidden_size};
  for (const Tensor* t : {&state->first, &state->second}) {
    const char* name = t == &state->first ? "h0" : "c0";
    EMBER_CHECK(t->defined() && t->sizes() == sizes, "LSTM: expected ", name, " of sizes ", sizes,
                " (num_layers * directions, batch, hidden_size), got ",
                t->defined() ? t->sizes() : Shape{});
    EMBER_CHECK(t->dtype() == dtype, "LSTM: ", name, " is ", t->dtype(), ", input is ", dtype);
  }
}

std::pair<Tensor, LstmState> LSTM::run(const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                       const std::optional<LstmState>& state, int64_t batch) {
  const int64_t D = directions();
  const Tensor zero_state =
      zeros({batch, hidden_size}, TensorOptions(x.dtype()).device(x.device()));
  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = x;  // [N, in]
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    if (layer > 0 && dropout > 0.0 && is_training())
      layer_input = functional::dropout(layer_input, dropout, true, generator);
    std::vector<Tensor> outputs;
    for (int64_t direction = 0; direction < D; ++direction) {
      const int64_t k = layer * D + direction;
      const Weights& w = weights_[k];
      // [N, 4H]; W_ih^T is copied contiguous (small next to the GEMM, which runs faster so).
      Tensor gates = mm(layer_input, w.weight_ih.t().contiguous());
      if (bias) gates = gates + (w.bias_ih + w.bias_hh);
      Tensor h0 = state ? select(state->first, 0, k) : zero_state;
      Tensor c0 = state ? select(state->second, 0, k) : zero_state;
      DirectionOutput out = direction == 0 ? run_forward(gates, batch_sizes, w.weight_hh, h0, c0)
                                           : run_reverse(gates, batch_sizes, w.weight_hh, h0, c0);
      outputs.push_back(out.rows);
      h_n.push_back(out.h);
      c_n.push_back(out.c);
    }
    layer_input = D == 1 ? outputs[0] : cat(outputs, 1);  // [N, D * H]
  }
  return {layer_input, {stack(h_n, 0), stack(c_n, 0)}};
}

Tensor LSTM::forward(const Tensor& input) { return forward(input, std::nullopt).output; }

LstmOutput LSTM::forward(const Tensor& input, const std::optional<LstmState>& state) {
  EMBER_CHECK(input.defined() && input.dim() == 3 && input.size(2) == input_size,
              "LSTM: expected input of sizes ", batch_first ? "[B, T, " : "[T, B, ", input_size,
              "], got ", input.defined() ? input.sizes() : Shape{});
  EMBER_CHECK(input.dtype() == weights_[0].weight_ih.dtype(), "LSTM: input is ", input.dtype(),
              " but the parameters are ", weights_[0].weight_ih.dtype(),
              " (convert one with .to(dtype))");
  const Tensor time_major = batch_first ? input.transpose(0, 1) : input;  // [T, B, in]
  const int64_t steps = time_major.size(0), batch = time_major.size(1);
  EMBER_CHECK(steps > 0 && batch > 0, "LSTM: input ", input.sizes(), " is empty");
  check_state(state, batch, input.dtype());
  Tensor x = reshape(time_major, {steps * batch, input_size});
  auto [rows, out_state] = run(x, std::vector<int64_t>(steps, batch), state, batch);
  Tensor output = view(rows, {steps, batch, directions() * hidden_size});
  return {batch_first ? output.transpose(0, 1) : output, out_state};
}

PackedLstmOutput LSTM::forward(const PackedSequence& input, const std::optional<LstmState>& state) {
  EMBER_CHECK(input.data.defined() && input.batch_sizes.defined() && input.data.dim() == 2 &&
                  input.data.size(1) == input_size,
              "LSTM: expected packed data of sizes [N, ", input_size, "], got ",
              input.data.defined() ? input.data.sizes() : Shape{});
  EMBER_CHECK(input.data.dtype() == weights_[0].weight_ih.dtype(), "LSTM: input is ",
              input.data.dtype(), " but the parameters are ", weights_[0].weight_ih.dtype(),
              " (convert one with .to(dtype))");
  const std::vector<int64_t> batch_sizes = input.batch_sizes.to_vector<int64_t>();
  EMBER_CHECK(!batch_sizes.empty(), "LSTM: the packed sequence has no steps");
  const int64_t batch = batch_sizes[0];
  check_state(state, batch, input.data.dtype());
  std::optional<LstmState> sorted_state = state;
  if (state && input.sorted_indices.defined()) {
    sorted_state = LstmState{index_select(state->first, 1, input.sorted_indices),
                             index_select(state->second, 1, input.sorted_indices)};
  }
  auto [rows, out_state] = run(input.data, batch_sizes, sorted_state, batch);
  if (input.unsorted_indices.defined()) {
    out_state = {index_select(out_state.first, 1, input.unsorted_indices),
                 index_select(out_state.second, 1, input.unsorted_indices)};
  }
  return {{rows, input.batch_sizes, input.sorted_indices, input.unsorted_indices}, out_state};
}

}  // namespace ember::nn
