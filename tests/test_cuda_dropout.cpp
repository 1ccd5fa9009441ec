// Bernoulli draws on the GPU (cuda/random.cu) against tensor/ops/random.cpp: the same
// generator state gives the same mask, bit for bit, and advances the generator alike; so
// dropout on the GPU drops exactly the elements the CPU drops. SKIPPED without a GPU.
#include "testing.h"

#include <ember/nn/functional/dropout.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

TEST(CudaDropout, BernoulliMatchesCpuBitForBit) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64})
    for (int64_t n : {int64_t(0), int64_t(1), int64_t(7), int64_t(100003)}) {
      Generator a(5), b(5);
      a.set_offset(17);
      b.set_offset(17);
      Tensor probs = rand({n}, &a).to(dtype);  // a and b stay in step: b draws the same
      rand({n}, &b);
      Tensor cpu = bernoulli(probs, &a);
      Tensor gpu = bernoulli(probs.cuda(), &b);
      EXPECT_EQ(gpu.dtype(), dtype);
      EXPECT_TRUE(all_close(gpu.cpu(), cpu, 0, 0)) << "n=" << n << " " << dtype_name(dtype);
      EXPECT_EQ(a.offset(), b.offset()) << "n=" << n;
    }
  // A strided probability tensor, and the error for a bad probability (no counter used).
  Generator a(6), b(6);
  Tensor p = full({6, 4}, 0.3).t();
  EXPECT_TRUE(all_close(bernoulli(p.cuda(), &b).cpu(), bernoulli(p, &a), 0, 0));
  const uint64_t before = b.offset();
  EXPECT_EMBER_ERROR(bernoulli(tensor({0.5f, 1.5f}).cuda(), &b),
                     "probability 1.5 at position 1 is outside [0, 1]");
  EXPECT_EQ(b.offset(), before);
}

TEST(CudaDropout, BernoulliOfOneProbabilityMatchesCpuBitForBit) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64})
    for (int64_t n : {int64_t(0), int64_t(5), int64_t(100003)}) {
      Generator a(9), b(9);
      Tensor cpu = bernoulli({n}, 0.7, dtype, &a);
      Tensor gpu = bernoulli({n}, 0.7, TensorOptions(dtype).device(Device(kCUDA)), &b);
      EXPECT_TRUE(gpu.is_cuda());
      EXPECT_TRUE(all_close(gpu.cpu(), cpu, 0, 0)) << "n=" << n << " " << dtype_name(dtype);
      EXPECT_EQ(a.offset(), b.offset()) << "n=" << n;
    }
}

TEST(CudaDropout, DropoutMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator data(7);
  Tensor x = randn({33, 65}, &data);
  for (double p : {0.0, 0.1, 0.5, 1.0}) {
    Generator a(8), b(8);
    Tensor xc = x.clone().requires_grad_(), xg = x.cuda().requires_grad_();
    Tensor yc = nn::functional::dropout(xc, p, true, &a);
    Tensor yg = nn::functional::dropout(xg, p, true, &b);
    EXPECT_TRUE(all_close(yg.cpu(), yc, 1e-6, 0)) << "p=" << p;
    sum(mul(yc, yc)).backward();
    sum(mul(yg, yg)).backward();
    EXPECT_TRUE(all_close(xg.grad().cpu(), xc.grad(), 1e-6, 0)) << "p=" << p;
  }
}

}  // namespace
}  // namespace ember
