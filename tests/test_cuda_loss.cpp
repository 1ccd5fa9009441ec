// cuda/loss.cu against tensor/ops/loss.cpp: cross entropy (weights, label smoothing,
// ignore_index, [C], [N, C] and [N, C, d...] inputs), nll, binary cross entropy with and
// without logits (weights, pos_weight), forward and backward; bad targets and probabilities
// raise the CPU's errors. SKIPPED without a GPU.
#include "testing.h"

#include <string>

#include <ember/nn/functional/loss.h>
#include <ember/tensor/ops/loss.h>
#include <ember/tensor/ops/softmax.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

struct Case {
  Shape input;  // target: input without dim 1 ([] for a [C] input)
};
const Case kCases[] = {{{5}},       {{1, 3}},       {{8, 10}},    {{0, 4}},
                       {{4, 7, 3}}, {{2, 5, 3, 4}}, {{64, 1000}}, {{3, 300, 2}}};

Shape target_sizes(const Shape& input) {
  Shape t = input;
  if (t.size() == 1)
    t.clear();
  else
    t.erase(t.begin() + 1);
  return t;
}

TEST(CudaLoss, CrossEntropyAndNllMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(41);
  for (DType dtype : {kFloat32, kFloat64})
    for (const Case& c : kCases)
      for (bool weighted : {false, true})
        for (double smoothing : {0.0, 0.1})
          for (int64_t ignore_index : {int64_t(-100), int64_t(1)}) {
            const int64_t classes = c.input.size() == 1 ? c.input[0] : c.input[1];
            const std::string what = shape_str(c.input) + " " + dtype_name(dtype) +
                                     (weighted ? " weighted" : "") + " smoothing " +
                                     std::to_string(smoothing) + " ignore " +
                                     std::to_string(ignore_index);
            Tensor x = mul(randn(c.input, &g), 3.0).to(dtype);
            Tensor target = randint(0, classes, target_sizes(c.input), &g);
            Tensor weight = weighted ? add(rand({classes}, &g), 0.5).to(dtype) : Tensor();
            Tensor wd = weighted ? weight.cuda() : Tensor();
            const double tol = dtype == kFloat32 ? 1e-5 : 1e-12;

            ops::ClassLossForward cpu =
                ops::cross_entropy_forward(x, target, weight, ignore_index, smoothing);
            ops::ClassLossForward gpu =
                ops::cross_entropy_forward(x.cuda(), target.cuda(), wd, ignore_index, smoothing);
            ASSERT_TRUE(all_close(gpu.loss.cpu(), cpu.loss, tol, tol)) << "cross_entropy " << what;
            EXPECT_TRUE(all_close(gpu.line_max.cpu(), cpu.line_max, 0, 0)) << what;
            EXPECT_TRUE(all_close(gpu.log_sum.cpu(), cpu.log_sum, tol, tol)) << what;
            EXPECT_NEAR(gpu.total_weight, cpu.total_weight, 1e-9 * (1 + cpu.total_weight)) << what;
            Tensor grad = randn(target.sizes(), &g).to(dtype);
            EXPECT_TRUE(all_close(
                ops::cross_entropy_backward(grad.cuda(), x.cuda(), gpu.line_max, gpu.log_sum,
                                            target.cuda(), wd, ignore_index, smoothing)
                    .cpu(),
                ops::cross_entropy_backward(grad, x, cpu.line_max, cpu.log_sum, target, weight,
                                            ignore_index, smoothing),
                10 * tol, tol))
                << "cross_entropy_backward " << what;

            if (smoothing > 0) continue;
            Tensor log_probs = ops::log_softmax(x, c.input.size() == 1 ? 0 : 1);
            ops::ClassLossForward nll_cpu =
                ops::nll_loss_forward(log_probs, target, weight, ignore_index);
            ops::ClassLossForward nll_gpu =
                ops::nll_loss_forward(log_probs.cuda(), target.cuda(), wd, ignore_index);
            EXPECT_TRUE(all_close(nll_gpu.loss.cpu(), nll_cpu.loss, 0, 0)) << "nll " << what;
            EXPECT_NEAR(nll_gpu.total_weight, nll_cpu.total_weight,
                        1e-9 * (1 + nll_cpu.total_weight))
                << what;
            EXPECT_TRUE(all_close(
                ops::nll_loss_backward(grad.cuda(), log_probs.cuda(), target.cuda(), wd,
                                       ignore_index)
                    .cpu(),
                ops::nll_loss_backward(grad, log_probs, target, weight, ignore_index), 0, 0))
                << "nll_backward " << what;
          }
}

TEST(CudaLoss, BadTargetsRaiseTheCpuError) {
  EMBER_REQUIRE_CUDA();
  Tensor x = randn({3, 4}).cuda();
  EXPECT_EMBER_ERROR(ops::cross_entropy_forward(x, tensor({0, 7, 1}).cuda(), Tensor(), -100, 0.0),
                     "target 7 at position [1] is out of range for 4 classes");
  EXPECT_EMBER_ERROR(ops::nll_loss_forward(x, tensor({-2, 1, 1}).cuda(), Tensor(), -100),
                     "target -2 at position [0] is out of range");
  // ignore_index is not an error
  EXPECT_NO_THROW(ops::cross_entropy_forward(x, tensor({0, -100, 1}).cuda(), Tensor(), -100, 0.0));
}

TEST(CudaLoss, BinaryCrossEntropyMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(42);
  for (DType dtype : {kFloat32, kFloat64})
    for (const Shape& sizes : {Shape{}, Shape{0}, Shape{7}, Shape{33, 65}})
      for (bool weighted : {false, true}) {
        const std::string what =
            shape_str(sizes) + " " + dtype_name(dtype) + (weighted ? " weighted" : "");
        Tensor p = rand(sizes, &g).to(dtype), t = rand(sizes, &g).to(dtype);
        if (p.numel() > 2) p.view({-1}).narrow(0, 0, 2).fill_(0.0);  // log(0) floors at -100
        Tensor w = weighted ? rand(sizes, &g).to(dtype) : Tensor();
        Tensor wd = weighted ? w.cuda() : Tensor();
        const double tol = dtype == kFloat32 ? 1e-5 : 1e-12;
        EXPECT_TRUE(all_close(ops::binary_cross_entropy_forward(p.cuda(), t.cuda(), wd).cpu(),
                              ops::binary_cross_entropy_forward(p, t, w), tol, tol))
            << "bce " << what;
        Tensor grad = randn(sizes, &g).to(dtype);
        ops::BinaryLossGrads cpu = ops::binary_cross_entropy_backward(grad, p, t, w, true, true);
        ops::BinaryLossGrads gpu =
            ops::binary_cross_entropy_backward(grad.cuda(), p.cuda(), t.cuda(), wd, true, true);
        EXPECT_TRUE(all_close(gpu.input.cpu(), cpu.input, tol, tol)) << "bce grad input " << what;
        EXPECT_TRUE(all_close(gpu.target.cpu(), cpu.target, tol, tol))
            << "bce grad target " << what;

        Tensor x = mul(randn(sizes, &g), 20.0).to(dtype);  // stable for large |x|
        Tensor q = weighted ? add(rand(sizes, &g), 0.5).to(dtype) : Tensor();
        Tensor qd = weighted ? q.cuda() : Tensor();
        EXPECT_TRUE(all_close(
            ops::binary_cross_entropy_with_logits_forward(x.cuda(), t.cuda(), wd, qd).cpu(),
            ops::binary_cross_entropy_with_logits_forward(x, t, w, q), tol, tol))
            << "bce with logits " << what;
        ops::BinaryLossGrads lc =
            ops::binary_cross_entropy_with_logits_backward(grad, x, t, w, q, true, true);
        ops::BinaryLossGrads lg = ops::binary_cross_entropy_with_logits_backward(
            grad.cuda(), x.cuda(), t.cuda(), wd, qd, true, true);
        EXPECT_TRUE(all_close(lg.input.cpu(), lc.input, tol, tol)) << "logits grad input " << what;
        EXPECT_TRUE(all_close(lg.target.cpu(), lc.target, tol, tol))
            << "logits grad target " << what;
      }
  EXPECT_EMBER_ERROR(ops::binary_cross_entropy_forward(tensor({0.5f, 1.5f}).cuda(),
                                                       tensor({1.f, 0.f}).cuda(), Tensor()),
                     "input 1.5 at position [1] is not a probability in [0, 1]");
}

TEST(CudaLoss, AutogradCrossEntropyMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(43);
  Tensor x = randn({16, 9}, &g);
  Tensor target = randint(0, 9, {16}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_();
    Tensor loss = nn::functional::cross_entropy(a, target.to(device));
    loss.backward();
    return std::make_pair(loss.cpu(), a.grad().cpu());
  };
  auto [loss_cpu, grad_cpu] = run(Device(kCPU));
  auto [loss_gpu, grad_gpu] = run(Device(kCUDA));
  EXPECT_TRUE(all_close(loss_gpu, loss_cpu, 1e-6, 1e-6));
  EXPECT_TRUE(all_close(grad_gpu, grad_cpu, 1e-5, 1e-7));
}

}  // namespace
}  // namespace ember
