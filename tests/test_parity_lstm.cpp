// Parity of nn::LSTM (and pack_padded_sequence / pad_packed_sequence) with torch.nn.LSTM on
// the cases tests/golden/make_golden_lstm.py saved: PyTorch's weights are loaded through
// load_state_dict, then outputs, h_n, c_n and the gradients of x, h0, c0 and every
// parameter are compared for loss = sum over outputs of (out * w).sum().
#include <ember/nn/lstm.h>
#include <ember/nn/rnn_utils.h>

#include "golden.h"

namespace ember {
namespace {

using namespace ::ember::golden;  // NOLINT: the test file is all golden checks

void check_lstm_case(const GoldenCase& c) {
  const bool batch_first = c.integer("batch_first") != 0;
  nn::LSTM lstm(c.integer("input_size"), c.integer("hidden_size"), c.integer("num_layers"),
                c.integer("bias") != 0, batch_first, 0.0, c.integer("bidirectional") != 0);
  Tensor x, lengths;
  std::optional<nn::LstmState> state;
  nn::StateDict weights;
  for (const Record& in : c.inputs) {
    if (in.name == "x") {
      x = in.value;
      x.requires_grad_();
    } else if (in.name == "lengths") {
      lengths = in.value;
    } else if (in.name == "h0" || in.name == "c0") {
      if (!state) state = nn::LstmState{};
      Tensor& t = in.name == "h0" ? state->first : state->second;
      t = in.value;
      t.requires_grad_();
    } else {
      weights[in.name] = in.value;
    }
  }
  lstm.to(x.dtype());
  lstm.load_state_dict(weights);

  Outputs outputs;
  try {
    if (c.integer("packed")) {
      nn::PackedSequence packed =
          nn::pack_padded_sequence(x, lengths, batch_first, c.integer("enforce_sorted") != 0);
      auto [out, hc] = lstm.forward(packed, state);
      outputs = {{"output", nn::pad_packed_sequence(out, batch_first).padded},
                 {"h_n", hc.first},
                 {"c_n", hc.second}};
    } else {
      auto [out, hc] = lstm.forward(x, state);
      outputs = {{"output", out}, {"h_n", hc.first}, {"c_n", hc.second}};
    }
    for (const Record& expected : c.outputs)
      expect_matches(c, "output " + expected.name, outputs.at(expected.name), expected.value);
    for (const Record& w : c.weights) outputs.at(w.name).backward(w.value, true);
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.where() << ": ember threw: " << e.what();
    return;
  }

  std::map<std::string, Tensor> grads;
  for (const auto& [name, p] : lstm.named_parameters()) grads[name] = p.grad();
  grads["x"] = x.grad();
  if (state) {
    grads["h0"] = state->first.grad();
    grads["c0"] = state->second.grad();
  }
  EXPECT_EQ(c.grads.size(), grads.size()) << c.where();
  for (const Record& expected : c.grads) {
    auto it = grads.find(expected.name);
    if (it == grads.end()) {
      ADD_FAILURE() << c.where() << ": no gradient for " << expected.name;
      continue;
    }
    expect_matches(c, "gradient of " + expected.name, it->second, expected.value);
  }
}

TEST(LstmParity, TorchNnLstm) {
  for (const GoldenCase& c : read_golden("lstm")) check_lstm_case(c);
}

}  // namespace
}  // namespace ember
