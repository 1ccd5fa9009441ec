// nn::LSTM, the fused cell and the packing functions: gradchecks (float64, small sizes) of
// the cell, of a 1-layer LSTM and of a 2-layer bidirectional LSTM over a packed batch of
// unequal lengths; packed runs against each sequence run alone; pad/pack round trips; error
// messages; and a 2000-step sequence through forward and backward.
#include <cmath>

#include <ember/nn/functional/lstm_cell.h>
#include <ember/nn/lstm.h>
#include <ember/nn/rnn_utils.h>

#include "testing.h"

namespace ember {
namespace {

using ::ember::testing::all_close;
using nn::functional::lstm_cell;

Tensor leaf(const Shape& sizes, uint64_t seed, DType dtype = kFloat64) {
  Generator g(seed);
  return randn(sizes, &g, dtype).requires_grad_();
}

Tensor flat(const std::vector<Tensor>& parts) {
  std::vector<Tensor> flattened;
  for (const Tensor& t : parts) flattened.push_back(t.reshape({-1}));
  return cat(flattened, 0);
}

void expect_gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                      const std::vector<Tensor>& inputs) {
  GradcheckResult result = gradcheck(f, inputs);
  EXPECT_TRUE(result.ok) << result.report;
}

// ---- the cell ----

TEST(LstmCell, MatchesComposedOps) {
  const int64_t H = 3;
  Tensor x = leaf({2, 4 * H}, 1), r = leaf({2, 4 * H}, 2), c_prev = leaf({2, H}, 3);
  auto [h, c] = lstm_cell(x, r, c_prev);
  (h * 1.5 + c * -0.5).sum().backward();
  std::vector<Tensor> fused_grads{x.grad(), r.grad(), c_prev.grad()};
  for (const Tensor& t : {x, r, c_prev}) t.set_grad(Tensor());

  Tensor gates = x + r;
  Tensor i = sigmoid(gates.narrow(1, 0, H)), f = sigmoid(gates.narrow(1, H, H));
  Tensor g = tanh(gates.narrow(1, 2 * H, H)), o = sigmoid(gates.narrow(1, 3 * H, H));
  Tensor c_ref = f * c_prev + i * g;
  Tensor h_ref = o * tanh(c_ref);
  (h_ref * 1.5 + c_ref * -0.5).sum().backward();
  EXPECT_TRUE(all_close(h, h_ref, 1e-14, 1e-14));
  EXPECT_TRUE(all_close(c, c_ref, 1e-14, 1e-14));
  EXPECT_TRUE(all_close(fused_grads[0], x.grad(), 1e-12, 1e-14));
  EXPECT_TRUE(all_close(fused_grads[1], r.grad(), 1e-12, 1e-14));
  EXPECT_TRUE(all_close(fused_grads[2], c_prev.grad(), 1e-12, 1e-14));
}

TEST(LstmCell, Gradcheck) {
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        auto [h, c] = lstm_cell(in[0], in[1], in[2]);
        return stack({h, c});
      },
      {leaf({2, 12}, 4), leaf({2, 12}, 5), leaf({2, 3}, 6)});
  // Only h used: c's gradient never arrives, and the kernel must treat it as zero.
  expect_gradcheck([](const std::vector<Tensor>& in) { return lstm_cell(in[0], in[1], in[2]).h; },
                   {leaf({3, 8}, 7), leaf({3, 8}, 8), leaf({3, 2}, 9)});
  expect_gradcheck([](const std::vector<Tensor>& in) { return lstm_cell(in[0], in[1], in[2]).c; },
                   {leaf({3, 8}, 10), leaf({3, 8}, 11), leaf({3, 2}, 12)});
}

TEST(LstmCell, Float32AndErrors) {
  Tensor x = randn({2, 8}), c = randn({2, 2});
  auto [h32, c32] = lstm_cell(x, x, c);
  auto [h64, c64] = lstm_cell(x.to(kFloat64), x.to(kFloat64), c.to(kFloat64));
  EXPECT_EQ(h32.dtype(), kFloat32);
  EXPECT_TRUE(all_close(h32, h64.to(kFloat32), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(c32, c64.to(kFloat32), 1e-5, 1e-6));
  EXPECT_EMBER_ERROR(lstm_cell(x, x, randn({2, 3})), "lstm_cell: c_prev has sizes [2, 3]");
  EXPECT_EMBER_ERROR(lstm_cell(randn({2, 7}), x, c), "lstm_cell: input_gates must be [B, 4H]");
  EXPECT_EMBER_ERROR(lstm_cell(x, x.to(kFloat64), c), "dtype mismatch");
}

// Found by fuzz/fuzz_classifier (a model file with a NaN weight): the float cell's exp
// converted NaN to int (undefined; UBSan stops). A NaN gate gives NaN in its row only.
TEST(LstmCell, NanGateStaysNanWithoutUndefinedBehaviour) {
  std::vector<float> gates(16, 0.5f);
  gates[0] = std::nanf("");
  auto [h, c] = lstm_cell(tensor(gates, {2, 8}), tensor(std::vector<float>(16, 0.25f), {2, 8}),
                          tensor(std::vector<float>(4, 0.1f), {2, 2}));
  const std::vector<float> hv = h.to_vector<float>(), cv = c.to_vector<float>();
  EXPECT_TRUE(std::isnan(hv[0]) && std::isnan(cv[0]));
  for (int k = 2; k < 4; ++k) EXPECT_TRUE(std::isfinite(hv[k]) && std::isfinite(cv[k]));
}

TEST(LstmCell, SplitRowsGradcheck) {
  using nn::functional::split_rows;
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        std::vector<Tensor> blocks = split_rows(in[0], {2, 0, 3, 1});
        return cat({blocks[2] * 2.0, blocks[0]}, 0);  // block 3 unused: its gradient is zero
      },
      {leaf({6, 2}, 13)});
  EXPECT_EMBER_ERROR(split_rows(randn({4, 2}), {2, 1}), "sum to 3");
}

// ---- the layer ----

TEST(Lstm, ParametersAsPyTorch) {
  Generator gen(1);
  nn::LSTM lstm(3, 4, 2, true, false, 0.0, true, &gen);
  std::vector<std::string> names;
  for (const auto& [name, t] : lstm.named_parameters()) {
    names.push_back(name + shape_str(t.sizes()));
    for (double v : t.to_vector<double>()) EXPECT_LE(std::abs(v), 0.5);
  }
  std::vector<std::string> expected{"weight_ih_l0[16, 3]",
                                    "weight_hh_l0[16, 4]",
                                    "bias_ih_l0[16]",
                                    "bias_hh_l0[16]",
                                    "weight_ih_l0_reverse[16, 3]",
                                    "weight_hh_l0_reverse[16, 4]",
                                    "bias_ih_l0_reverse[16]",
                                    "bias_hh_l0_reverse[16]",
                                    "weight_ih_l1[16, 8]",
                                    "weight_hh_l1[16, 4]",
                                    "bias_ih_l1[16]",
                                    "bias_hh_l1[16]",
                                    "weight_ih_l1_reverse[16, 8]",
                                    "weight_hh_l1_reverse[16, 4]",
                                    "bias_ih_l1_reverse[16]",
                                    "bias_hh_l1_reverse[16]"};
  EXPECT_EQ(names, expected);
  nn::LSTM no_bias(3, 4, 1, false);
  EXPECT_EQ(no_bias.named_parameters().size(), 2u);
  Generator same(1);
  nn::LSTM again(3, 4, 2, true, false, 0.0, true, &same);
  EXPECT_TRUE(all_close(again.parameters()[5], lstm.parameters()[5], 0, 0));
}

TEST(Lstm, GradcheckOneLayer) {
  Generator gen(2);
  nn::LSTM lstm(3, 4, 1, true, false, 0.0, false, &gen);
  lstm.to(kFloat64);
  std::vector<Tensor> inputs{leaf({5, 2, 3}, 20), leaf({1, 2, 4}, 21), leaf({1, 2, 4}, 22)};
  for (const Tensor& p : lstm.parameters()) inputs.push_back(p);
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) {
        auto [output, state] = lstm.forward(in[0], nn::LstmState{in[1], in[2]});
        return flat({output, state.first, state.second});
      },
      inputs);
}

// Lengths {2, 4, 3}: unsorted, unequal; h0, c0 given; dropout 0.
TEST(Lstm, GradcheckPackedTwoLayerBidirectional) {
  Generator gen(3);
  nn::LSTM lstm(3, 2, 2, true, true, 0.0, true, &gen);
  lstm.to(kFloat64);
  std::vector<Tensor> inputs{leaf({3, 4, 3}, 30), leaf({4, 3, 2}, 31), leaf({4, 3, 2}, 32)};
  for (const Tensor& p : lstm.parameters()) inputs.push_back(p);
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) {
        nn::PackedSequence packed = nn::pack_padded_sequence(in[0], {2, 4, 3}, true, false);
        auto [output, state] = lstm.forward(packed, nn::LstmState{in[1], in[2]});
        Tensor padded = nn::pad_packed_sequence(output, true).padded;
        return flat({padded, state.first, state.second});
      },
      inputs);
}

// A packed batch gives each sequence what running it alone gives: the reverse direction
// starts at the sequence's own last step, and h_n is taken there.
TEST(Lstm, PackedMatchesEachSequenceAlone) {
  Generator gen(4);
  nn::LSTM lstm(3, 4, 2, true, false, 0.0, true, &gen);
  lstm.to(kFloat64);
  const std::vector<int64_t> lengths{3, 5, 1, 5, 2};
  Tensor x = randn({5, 5, 3}, &gen, kFloat64), h0 = randn({4, 5, 4}, &gen, kFloat64);
  Tensor c0 = randn({4, 5, 4}, &gen, kFloat64);
  auto [packed_out, state] =
      lstm.forward(nn::pack_padded_sequence(x, lengths, false, false), nn::LstmState{h0, c0});
  nn::PaddedSequence padded = nn::pad_packed_sequence(packed_out);
  EXPECT_EQ(padded.lengths.to_vector<int64_t>(), lengths);
  for (int64_t b = 0; b < 5; ++b) {
    Tensor alone_x = x.narrow(1, b, 1).narrow(0, 0, lengths[b]);
    auto [out, alone] = lstm.forward(
        alone_x, nn::LstmState{h0.narrow(1, b, 1).contiguous(), c0.narrow(1, b, 1).contiguous()});
    EXPECT_TRUE(
        all_close(padded.padded.narrow(1, b, 1).narrow(0, 0, lengths[b]), out, 1e-12, 1e-14))
        << "sequence " << b;
    EXPECT_TRUE(all_close(state.first.narrow(1, b, 1), alone.first, 1e-12, 1e-14));
    EXPECT_TRUE(all_close(state.second.narrow(1, b, 1), alone.second, 1e-12, 1e-14));
  }
}

TEST(Lstm, BatchFirstAndDefaultForward) {
  Generator gen(5);
  nn::LSTM time_major(3, 4, 2, true, false, 0.0, true, &gen);
  nn::LSTM batch_first(3, 4, 2, true, true, 0.0, true);
  batch_first.load_state_dict(time_major.state_dict());
  Tensor x = randn({6, 2, 3}, &gen);
  auto [out, state] = time_major.forward(x, {});
  auto [out_bf, state_bf] = batch_first.forward(x.transpose(0, 1), {});
  EXPECT_EQ(out.sizes(), (Shape{6, 2, 8}));
  EXPECT_EQ(out_bf.sizes(), (Shape{2, 6, 8}));
  EXPECT_EQ(state.first.sizes(), (Shape{4, 2, 4}));
  EXPECT_TRUE(all_close(out_bf.transpose(0, 1), out, 0, 0));
  EXPECT_TRUE(all_close(state_bf.second, state.second, 0, 0));
  EXPECT_TRUE(all_close(time_major.forward(x), out, 0, 0));  // Module's one-tensor forward
  // The forward direction's last output is its h_n; the reverse direction's first is its.
  EXPECT_TRUE(all_close(out[5].narrow(1, 0, 4), state.first[2], 0, 0));
  EXPECT_TRUE(all_close(out[0].narrow(1, 4, 4), state.first[3], 0, 0));
}

TEST(Lstm, DropoutBetweenLayersInTrainingOnly) {
  Generator init(6);
  nn::LSTM plain(3, 5, 3, true, false, 0.0, false, &init);
  Generator masks(7);
  nn::LSTM dropped(3, 5, 3, true, false, 0.5, false, &masks);
  dropped.load_state_dict(plain.state_dict());
  Tensor x = randn({4, 2, 3}, &init);
  Tensor reference = plain.forward(x);
  dropped.eval();
  EXPECT_TRUE(all_close(dropped.forward(x), reference, 0, 0));
  dropped.train();
  Tensor first = dropped.forward(x), second = dropped.forward(x);
  EXPECT_FALSE(all_close(first, reference, 1e-3, 1e-3));
  EXPECT_FALSE(all_close(first, second, 1e-3, 1e-3));  // fresh masks each call
  Generator same(7);
  nn::LSTM replay(3, 5, 3, true, false, 0.5, false, &same);
  replay.load_state_dict(plain.state_dict());
  EXPECT_TRUE(all_close(replay.forward(x), first, 0, 0));  // same seed, same masks
  // One layer: nothing to drop between layers.
  nn::LSTM one(3, 5, 1, true, false, 0.9);
  one.load_state_dict(nn::LSTM(3, 5).state_dict());
  EXPECT_TRUE(all_close(one.forward(x), one.forward(x), 0, 0));
}

TEST(Lstm, Errors) {
  nn::LSTM lstm(3, 4, 2);
  EXPECT_EMBER_ERROR(lstm.forward(randn({5, 2, 7})), "LSTM: expected input of sizes [T, B, 3]");
  EXPECT_EMBER_ERROR(lstm.forward(randn({5, 3})), "got [5, 3]");
  EXPECT_EMBER_ERROR(lstm.forward(randn({5, 2, 3}, nullptr, kFloat64)),
                     "LSTM: input is float64 but the parameters are float32");
  EXPECT_EMBER_ERROR(
      lstm.forward(randn({5, 2, 3}), nn::LstmState{zeros({1, 2, 4}), zeros({2, 2, 4})}),
      "LSTM: expected h0 of sizes [2, 2, 4]");
  EXPECT_EMBER_ERROR(
      lstm.forward(randn({5, 2, 3}), nn::LstmState{zeros({2, 2, 4}), zeros({2, 3, 4})}),
      "LSTM: expected c0 of sizes [2, 2, 4]");
  nn::PackedSequence packed = nn::pack_padded_sequence(randn({4, 3, 3}), {4, 3, 1});
  EXPECT_EMBER_ERROR(lstm.forward(packed, nn::LstmState{zeros({2, 2, 4}), zeros({2, 2, 4})}),
                     "expected h0 of sizes [2, 3, 4]");
  EXPECT_EMBER_ERROR(nn::LSTM(3, 4, 1, true, false, 1.5), "LSTM: dropout 1.5");
  EXPECT_EMBER_ERROR(nn::LSTM(3, 0), "must be positive");
}

// 2000 steps make a graph some 10,000 nodes deep: the engine's walk must not recurse.
TEST(Lstm, DeepSequenceForwardAndBackward) {
  Generator gen(8);
  nn::LSTM lstm(3, 4, 1, true, false, 0.0, false, &gen);
  Tensor x = randn({2000, 2, 3}, &gen).requires_grad_();
  {
    auto [out, state] = lstm.forward(x, {});
    (out.sum() + state.second.sum()).backward();
  }
  ASSERT_TRUE(x.grad().defined());
  for (float v : x.grad().to_vector<float>()) ASSERT_TRUE(std::isfinite(v));
  for (const Tensor& p : lstm.parameters()) ASSERT_TRUE(p.grad().defined());
  // The first step still gets a gradient: it flows back through all 2000 cells.
  EXPECT_GT(std::abs(x.grad()[0][0][0].item()), 0.0);
}

// ---- padding and packing ----

TEST(RnnUtils, PadSequence) {
  Tensor a = tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2}).requires_grad_();
  Tensor b = tensor({5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f}).view({3, 2}).requires_grad_();
  Tensor c = tensor({11.0f, 12.0f}).view({1, 2}).requires_grad_();
  Tensor padded = nn::pad_sequence({a, b, c}, false, -1.0);
  EXPECT_EQ(padded.sizes(), (Shape{3, 3, 2}));
  EXPECT_EQ(padded.to_vector<float>(),
            (std::vector<float>{1, 2, 5, 6, 11, 12, 3, 4, 7, 8, -1, -1, -1, -1, 9, 10, -1, -1}));
  Tensor batch_first = nn::pad_sequence({a, b, c}, true);
  EXPECT_EQ(batch_first.sizes(), (Shape{3, 3, 2}));
  EXPECT_TRUE(all_close(batch_first.transpose(0, 1), nn::pad_sequence({a, b, c}), 0, 0));
  (padded * 2.0).sum().backward();
  EXPECT_EQ(c.grad().to_vector<float>(), (std::vector<float>{2, 2}));
  EXPECT_EMBER_ERROR(nn::pad_sequence({a, randn({2, 3})}), "pad_sequence: sequence 1");
  EXPECT_EMBER_ERROR(nn::pad_sequence({}), "pad_sequence: got no sequences");
}

TEST(RnnUtils, PackLayoutAsDocumented) {
  // lengths {2, 3, 1}: sorted_indices {1, 0, 2}, batch_sizes {3, 2, 1}.
  Tensor x = arange(0, 9, 1, kFloat32).view({3, 3, 1});  // x[t][b] = 3t + b
  nn::PackedSequence p = nn::pack_padded_sequence(x, tensor({2, 3, 1}), false, false);
  EXPECT_EQ(p.sorted_indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(p.unsorted_indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(p.batch_sizes.to_vector<int64_t>(), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(p.data.to_vector<float>(), (std::vector<float>{1, 0, 2, 4, 3, 7}));
  nn::PackedSequence sorted = nn::pack_padded_sequence(x, {3, 2, 2});
  EXPECT_FALSE(sorted.sorted_indices.defined());
  EXPECT_EQ(sorted.data.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(RnnUtils, PackRoundTrips) {
  Generator gen(9);
  const std::vector<int64_t> lengths{2, 5, 1, 5, 3, 2};  // ties keep input order
  for (bool batch_first : {false, true}) {
    std::vector<Tensor> sequences;
    for (int64_t len : lengths) sequences.push_back(randn({len, 2, 3}, &gen, kFloat64));
    Tensor padded = nn::pad_sequence(sequences, batch_first);
    nn::PackedSequence packed = nn::pack_padded_sequence(padded, lengths, batch_first, false);
    EXPECT_EQ(packed.sorted_indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 4, 0, 5, 2}));
    EXPECT_EQ(packed.batch_sizes.to_vector<int64_t>(), (std::vector<int64_t>{6, 5, 3, 2, 2}));
    nn::PaddedSequence back = nn::pad_packed_sequence(packed, batch_first);
    EXPECT_TRUE(all_close(back.padded, padded, 0, 0)) << "batch_first " << batch_first;
    EXPECT_EQ(back.lengths.to_vector<int64_t>(), lengths);
    nn::PaddedSequence longer = nn::pad_packed_sequence(packed, batch_first, 7.0, 8);
    EXPECT_EQ(longer.padded.size(batch_first ? 1 : 0), 8);
    EXPECT_EQ(longer.padded.select(batch_first ? 1 : 0, 7).to_vector<double>(),
              std::vector<double>(6 * 2 * 3, 7.0));
    // pack_sequence: the same packing, straight from the list.
    nn::PackedSequence direct = nn::pack_sequence(sequences, false);
    EXPECT_TRUE(all_close(direct.data, packed.data, 0, 0));
  }
}

TEST(RnnUtils, PackAndPadGradcheck) {
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        nn::PackedSequence p = nn::pack_padded_sequence(in[0], {2, 4, 1}, true, false);
        return nn::pad_packed_sequence(p, false, 0.5).padded * 3.0;
      },
      {leaf({3, 4, 2}, 40)});
}

TEST(RnnUtils, PackErrors) {
  Tensor x = randn({4, 3, 2});
  EXPECT_EMBER_ERROR(nn::pack_padded_sequence(x, {4, 0, 2}, false, false),
                     "pack_padded_sequence: lengths[1] is 0");
  EXPECT_EMBER_ERROR(nn::pack_padded_sequence(x, {4, 5, 2}, false, false),
                     "lengths[1] is 5, longer than the input's 4 steps");
  EXPECT_EMBER_ERROR(nn::pack_padded_sequence(x, {3, 4, 2}),
                     "lengths[1] = 4 > lengths[0] = 3; pass enforce_sorted=false");
  EXPECT_EMBER_ERROR(nn::pack_padded_sequence(x, {3, 2}), "got 2 lengths for a batch of 3");
  EXPECT_EMBER_ERROR(nn::pack_padded_sequence(x, tensor({1.0f, 2.0f, 3.0f})),
                     "lengths must be a 1-D integer tensor");
  nn::PackedSequence p = nn::pack_padded_sequence(x, {4, 2, 2});
  EXPECT_EMBER_ERROR(nn::pad_packed_sequence(p, false, 0.0, 3),
                     "total_length 3 is shorter than the longest sequence, 4 steps");
}

}  // namespace
}  // namespace ember
