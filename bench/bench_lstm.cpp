// nn::LSTM forward and forward+backward, float32, 2 threads, on the seeds' shapes:
//   Sentiment  1 layer,  in 100, H 256, T 50, B 64, padded input
//   BiPacked   2 layers bidirectional, in 100, H 128, B 64, packed lengths 10..50
//   Bi2Layer   2 layers bidirectional, in 128, H 256, T 50, B 32, padded input (issue 3's
//              shape; bench/compare_nn.sh reports it)
// Each step is one GEMM [B, H] x [H, 4H] plus the fused cell; the input projection of all
// steps is one GEMM per layer and direction. bench/torch_lstm.py times the same in PyTorch.
// The cell computes tanh through one exp (glibc's tanhf goes through a slower expm1f) and
// saves tanh(c) for the backward; W_ih^T is copied contiguous like W_hh^T, so every GEMM
// reads a row-major B. The backward's time is mostly mm's own backward GEMMs, which take
// transposed operands. Results, with the cell's earlier version, are in bench/RESULTS.md.
#include <benchmark/benchmark.h>

#include <ember/ember.h>
#include <ember/nn/lstm.h>
#include <ember/nn/rnn_utils.h>
#include <ember/tensor/ops/lstm_cell.h>
#include <ember/tensor/ops/matmul.h>

namespace {

using ember::Tensor;

void BM_LstmSentiment(benchmark::State& state) {
  ember::set_num_threads(2);
  const bool backward = state.range(0) != 0;
  ember::Generator gen(0);
  ember::nn::LSTM lstm(100, 256, 1, true, false, 0.0, false, &gen);
  Tensor x = ember::randn({50, 64, 100}, &gen).requires_grad_(backward);
  for (auto _ : state) {
    ember::nn::LstmOutput out = lstm.forward(x, {});
    if (backward) out.output.sum().backward();
    benchmark::DoNotOptimize(out.output);
  }
}
BENCHMARK(BM_LstmSentiment)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LstmBiPacked(benchmark::State& state) {
  ember::set_num_threads(2);
  const bool backward = state.range(0) != 0;
  ember::Generator gen(0);
  ember::nn::LSTM lstm(100, 128, 2, true, true, 0.0, true, &gen);
  Tensor x = ember::randn({64, 50, 100}, &gen).requires_grad_(backward);
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < 64; ++b) lengths.push_back(10 + (b * 37) % 41);
  for (auto _ : state) {
    auto packed = ember::nn::pack_padded_sequence(x, lengths, true, false);
    ember::nn::PackedLstmOutput out = lstm.forward(packed);
    if (backward) out.state.first.sum().backward();
    benchmark::DoNotOptimize(out.state.first);
  }
}
BENCHMARK(BM_LstmBiPacked)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LstmBi2Layer(benchmark::State& state) {
  ember::set_num_threads(2);
  const bool backward = state.range(0) != 0;
  ember::Generator gen(0);
  ember::nn::LSTM lstm(128, 256, 2, true, false, 0.0, true, &gen);
  Tensor x = ember::randn({50, 32, 128}, &gen).requires_grad_(backward);
  for (auto _ : state) {
    ember::nn::LstmOutput out = lstm.forward(x, {});
    if (backward) out.output.sum().backward();
    benchmark::DoNotOptimize(out.output);
  }
}
BENCHMARK(BM_LstmBi2Layer)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The parts of one Sentiment step: the recurrent GEMM and the fused cell, forward.
void BM_LstmStepGemm(benchmark::State& state) {
  ember::set_num_threads(2);
  Tensor h = ember::randn({64, 256}), weight_hh_t = ember::randn({256, 1024});
  for (auto _ : state) benchmark::DoNotOptimize(ember::ops::mm(h, weight_hh_t));
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * 64 * 256 * 1024 * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LstmStepGemm)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_LstmCellForward(benchmark::State& state) {
  ember::set_num_threads(2);
  Tensor gates = ember::randn({64, 1024}), c = ember::randn({64, 256});
  for (auto _ : state) benchmark::DoNotOptimize(ember::ops::lstm_cell_forward(gates, gates, c));
}
BENCHMARK(BM_LstmCellForward)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_LstmCellBackward(benchmark::State& state) {
  ember::set_num_threads(2);
  Tensor gates = ember::randn({64, 1024}), c = ember::randn({64, 256});
  ember::ops::LstmCellForward f = ember::ops::lstm_cell_forward(gates, gates, c);
  for (auto _ : state)
    benchmark::DoNotOptimize(ember::ops::lstm_cell_backward(f.h, f.c, f.gates, c, f.tanh_c));
}
BENCHMARK(BM_LstmCellBackward)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
