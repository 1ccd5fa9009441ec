// cuda/softmax.cu against tensor/ops/softmax.cpp: softmax and log_softmax forward and
// backward over every dim (lines along the last dim are contiguous, others strided), on
// lengths from 1 to past a thread block, large logits, empty tensors. SKIPPED without a GPU.
#include "testing.h"

#include <string>

#include <ember/tensor/ops/softmax.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

const Shape kSizes[] = {{},        {1},          {0, 5},     {7},        {3, 5},
                        {4, 1000}, {2, 3, 4, 5}, {64, 3000}, {5, 1, 300}};

TEST(CudaSoftmax, ForwardAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(31);
  for (DType dtype : {kFloat32, kFloat64})
    for (const Shape& sizes : kSizes)
      for (int64_t dim = -1; dim < std::max<int64_t>(int64_t(sizes.size()), 1); ++dim) {
        if (sizes.empty() && dim > 0) continue;
        Tensor x = mul(randn(sizes, &g), 8.0).to(dtype);  // large logits: the max matters
        Tensor grad = randn(sizes, &g).to(dtype);
        const double tol = dtype == kFloat32 ? 2e-6 : 1e-13;
        for (bool log : {false, true}) {
          const std::string what = std::string(log ? "log_softmax " : "softmax ") +
                                   shape_str(sizes) + " dim " + std::to_string(dim) + " " +
                                   dtype_name(dtype);
          Tensor cpu = log ? ops::log_softmax(x, dim) : ops::softmax(x, dim);
          Tensor gpu = log ? ops::log_softmax(x.cuda(), dim) : ops::softmax(x.cuda(), dim);
          ASSERT_TRUE(all_close(gpu.cpu(), cpu, tol, tol)) << what;
          Tensor back_cpu = log ? ops::log_softmax_backward(grad, cpu, dim)
                                : ops::softmax_backward(grad, cpu, dim);
          Tensor back_gpu = log ? ops::log_softmax_backward(grad.cuda(), gpu, dim)
                                : ops::softmax_backward(grad.cuda(), gpu, dim);
          EXPECT_TRUE(all_close(back_gpu.cpu(), back_cpu, 10 * tol, tol)) << "backward " << what;
        }
      }
}

TEST(CudaSoftmax, NonContiguousInputMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(32);
  Tensor x = randn({40, 70}, &g);
  EXPECT_TRUE(all_close(ops::softmax(x.cuda().t(), 1).cpu(), ops::softmax(x.t(), 1), 2e-6, 1e-7));
  EXPECT_TRUE(
      all_close(ops::log_softmax(x.cuda().t(), 0).cpu(), ops::log_softmax(x.t(), 0), 2e-6, 1e-6));
}

TEST(CudaSoftmax, AutogradMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(33);
  Tensor x = randn({32, 50}, &g), w = randn({32, 50}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_();
    Tensor loss = sum(mul(add(softmax(a, 1), log_softmax(a, 0)), w.to(device)));
    loss.backward();
    return a.grad().cpu();
  };
  EXPECT_TRUE(all_close(run(Device(kCUDA)), run(Device(kCPU)), 1e-5, 1e-6));
}

}  // namespace
}  // namespace ember
