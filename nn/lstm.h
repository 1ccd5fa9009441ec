// nn::LSTM, as torch.nn.LSTM: a stack of LSTM layers, each optionally run in both directions,
// over a padded batch [T, B, in] (batch_first: [B, T, in]) or a PackedSequence. Parameters
// carry PyTorch's names and layouts, so a PyTorch state_dict loads key for key:
//   weight_ih_l{k}[_reverse] [4H, in_k]   weight_hh_l{k}[_reverse] [4H, H]
//   bias_ih_l{k}[_reverse]   [4H]         bias_hh_l{k}[_reverse]   [4H]
// with in_0 = input_size, in_k = D * H above (D = 2 if bidirectional, else 1) and the gate
// blocks of 4H in the order i, f, g, o.
//
//   nn::LSTM lstm(100, 256, /*num_layers=*/2, true, /*batch_first=*/true, 0.5, true);
//   auto [out, state] = lstm.forward(x, {});          // out [B, T, 512]; state.first [4, B, 256]
//   auto [packed_out, hc] = lstm.forward(nn::pack_padded_sequence(x, lengths, true, false));
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <ember/nn/module.h>
#include <ember/nn/rnn_utils.h>
#include <ember/tensor/generator.h>

namespace ember::nn {

using LstmState = std::pair<Tensor, Tensor>;  // (h, c), each [num_layers * D, B, H]

struct LstmOutput {
  Tensor output;    // [T, B, D * H] (batch_first: [B, T, D * H]): the last layer's h at every step
  LstmState state;  // (h_n, c_n): every layer's and direction's state after its last step
};

struct PackedLstmOutput {
  PackedSequence output;  // data [N, D * H], same batch_sizes and order as the input
  LstmState state;        // (h_n, c_n) at each sequence's own last step, in input order
};

class LSTM : public Module {
 public:
  // Every weight and bias starts U(-1/sqrt(H), 1/sqrt(H)), drawn from gen (nullptr: the
  // default generator) in registration order. dropout applies to each layer's output but the
  // last, in training mode only, with masks drawn from gen.
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true,
       bool batch_first = false, double dropout = 0.0, bool bidirectional = false,
       Generator* gen = nullptr);

  // The output alone, from zero states (what Sequential chains).
  Tensor forward(const Tensor& input) override;
  // PyTorch's lstm(input, (h0, c0)): state = nullopt starts from zeros; h0, c0 are
  // [num_layers * D, B, H], layer k's direction d at index k * D + d.
  LstmOutput forward(const Tensor& input, const std::optional<LstmState>& state);
  // Each sequence runs over its own steps only; h0, c0 (in input order) as above.
  PackedLstmOutput forward(const PackedSequence& input,
                           const std::optional<LstmState>& state = std::nullopt);

  void reset_parameters(Generator* gen = nullptr);

  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first;
  double dropout;
  bool bidirectional;
  Generator* generator;  // dropout's random source; nullptr: the default generator

 private:
  struct Weights {
    Tensor weight_ih, weight_hh, bias_ih, bias_hh;  // biases undefined without bias
  };
  // Runs every layer over packed rows x [N, input_size] with the given batch_sizes; h0, c0
  // [num_layers * D, B, H] in the packed (sorted) order. Returns output rows [N, D * H].
  std::pair<Tensor, LstmState> run(const Tensor& x, const std::vector<int64_t>& batch_sizes,
                                   const std::optional<LstmState>& state, int64_t batch);
  void check_state(const std::optional<LstmState>& state, int64_t batch, DType dtype) const;
  int64_t directions() const { return bidirectional ? 2 : 1; }

  std::vector<Weights> weights_;  // [layer * D + direction]
};

}  // namespace ember::nn
