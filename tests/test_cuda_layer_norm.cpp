// cuda/layer_norm.cu and cuda/lstm_cell.cu against their CPU twins (tensor/ops/layer_norm.cpp,
// tensor/ops/lstm_cell.cpp): forward and every gradient, with and without weight and bias,
// row lengths from 1 to past a block, rows far from zero, the parameter gradients' row chunks
// past one grid; the LSTM cell with either
// gradient missing. SKIPPED without a GPU.
#include "testing.h"

#include <string>

#include <ember/tensor/ops/layer_norm.h>
#include <ember/tensor/ops/lstm_cell.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

TEST(CudaLayerNorm, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(81);
  struct Case {
    Shape x, normalized;
  };
  const Case kCases[] = {{{4, 1}, {1}},
                         {{3, 7}, {7}},
                         {{2, 5, 6}, {5, 6}},
                         {{0, 8}, {8}},
                         {{64, 1000}, {1000}},
                         {{300, 3}, {3}},
                         {{2, 3, 300}, {300}},
                         // More chunks of 64 rows than a grid's 65,535 rows of blocks.
                         {{65535 * 64 + 70, 2}, {2}}};
  for (DType dtype : {kFloat32, kFloat64})
    for (const Case& c : kCases)
      for (bool affine : {false, true}) {
        const std::string what = shape_str(c.x) + " over " + shape_str(c.normalized) + " " +
                                 dtype_name(dtype) + (affine ? " affine" : "");
        Tensor x = add(mul(randn(c.x, &g), 0.01), 1000.0).to(dtype);  // far from zero
        Tensor w = affine ? randn(c.normalized, &g).to(dtype) : Tensor();
        Tensor b = affine ? randn(c.normalized, &g).to(dtype) : Tensor();
        Tensor wd = affine ? w.cuda() : Tensor(), bd = affine ? b.cuda() : Tensor();
        const double tol = dtype == kFloat32 ? 1e-4 : 1e-10;
        ops::LayerNormForward cpu = ops::layer_norm(x, c.normalized, w, b, 1e-5);
        ops::LayerNormForward gpu = ops::layer_norm(x.cuda(), c.normalized, wd, bd, 1e-5);
        ASSERT_TRUE(all_close(gpu.y.cpu(), cpu.y, tol, tol)) << "y " << what;
        EXPECT_TRUE(all_close(gpu.mean.cpu(), cpu.mean, 1e-12, 1e-12)) << "mean " << what;
        EXPECT_TRUE(all_close(gpu.rstd.cpu(), cpu.rstd, 1e-9, 1e-9)) << "rstd " << what;
        Tensor grad = randn(c.x, &g).to(dtype);
        ops::LayerNormGrads gc = ops::layer_norm_backward(grad, x, cpu.mean, cpu.rstd, c.normalized,
                                                          w, true, affine, affine);
        ops::LayerNormGrads gg = ops::layer_norm_backward(grad.cuda(), x.cuda(), gpu.mean, gpu.rstd,
                                                          c.normalized, wd, true, affine, affine);
        EXPECT_TRUE(all_close(gg.x.cpu(), gc.x, 10 * tol, tol)) << "grad x " << what;
        if (!affine) continue;
        EXPECT_TRUE(all_close(gg.weight.cpu(), gc.weight, 10 * tol, tol)) << "grad weight " << what;
        EXPECT_TRUE(all_close(gg.bias.cpu(), gc.bias, 10 * tol, tol)) << "grad bias " << what;
      }
}

TEST(CudaLstmCell, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(82);
  for (DType dtype : {kFloat32, kFloat64})
    for (const Shape& bh : {Shape{1, 1}, Shape{3, 5}, Shape{0, 4}, Shape{64, 300}}) {
      const int64_t batch = bh[0], hidden = bh[1];
      const std::string what = shape_str(bh) + " " + dtype_name(dtype);
      Tensor xg = mul(randn({batch, 4 * hidden}, &g), 2.0).to(dtype);
      Tensor hg = randn({batch, 4 * hidden}, &g).to(dtype);
      Tensor c_prev = randn({batch, hidden}, &g).to(dtype);
      const double tol = dtype == kFloat32 ? 2e-6 : 1e-13;
      ops::LstmCellForward cpu = ops::lstm_cell_forward(xg, hg, c_prev);
      ops::LstmCellForward gpu = ops::lstm_cell_forward(xg.cuda(), hg.cuda(), c_prev.cuda());
      ASSERT_TRUE(all_close(gpu.h.cpu(), cpu.h, tol, tol)) << "h " << what;
      EXPECT_TRUE(all_close(gpu.c.cpu(), cpu.c, tol, tol)) << "c " << what;
      EXPECT_TRUE(all_close(gpu.gates.cpu(), cpu.gates, tol, tol)) << "gates " << what;
      EXPECT_TRUE(all_close(gpu.tanh_c.cpu(), cpu.tanh_c, tol, tol)) << "tanh_c " << what;
      Tensor dh = randn({batch, hidden}, &g).to(dtype), dc = randn({batch, hidden}, &g).to(dtype);
      for (int missing = 0; missing < 3; ++missing) {  // 0: none, 1: grad_h, 2: grad_c
        Tensor h_cpu = missing == 1 ? Tensor() : dh, c_cpu = missing == 2 ? Tensor() : dc;
        Tensor h_gpu = missing == 1 ? Tensor() : dh.cuda(),
               c_gpu = missing == 2 ? Tensor() : dc.cuda();
        ops::LstmCellBackward bc =
            ops::lstm_cell_backward(h_cpu, c_cpu, cpu.gates, c_prev, cpu.tanh_c);
        ops::LstmCellBackward bg =
            ops::lstm_cell_backward(h_gpu, c_gpu, gpu.gates, c_prev.cuda(), gpu.tanh_c);
        EXPECT_TRUE(all_close(bg.grad_gates.cpu(), bc.grad_gates, 4 * tol, tol))
            << "grad_gates " << what << " missing " << missing;
        EXPECT_TRUE(all_close(bg.grad_c_prev.cpu(), bc.grad_c_prev, 4 * tol, tol))
            << "grad_c_prev " << what << " missing " << missing;
      }
    }
}

TEST(CudaLstmCell, LstmLayerTrainsLikeCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(83);
  nn::LSTM cpu_lstm(6, 8);
  Tensor x = randn({5, 3, 6}, &g);  // [T, B, input]
  auto loss_and_grad = [&](Device device) {
    nn::LSTM lstm(6, 8);
    lstm.load_state_dict(cpu_lstm.state_dict());
    lstm.to(device);
    Tensor out = lstm.forward(x.to(device));
    Tensor loss = sum(mul(out, out));
    loss.backward();
    return std::make_pair(loss.cpu(), lstm.parameters().front().grad().cpu());
  };
  auto [loss_cpu, grad_cpu] = loss_and_grad(Device(kCPU));
  auto [loss_gpu, grad_gpu] = loss_and_grad(Device(kCUDA));
  EXPECT_TRUE(all_close(loss_gpu, loss_cpu, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(grad_gpu, grad_cpu, 1e-4, 1e-5));
}

}  // namespace
}  // namespace ember
