// cuda/matmul.cu (cuBLAS) against tensor/ops/matmul.cpp: mm and bmm with row-major,
// transposed, sliced and broadcast (stride 0) operands, empty and K = 0 shapes, and the
// skip-gram shape [B, 6, 128] x [B, 128, 1]. SKIPPED without a GPU.
#include "testing.h"

#include <string>

#include <ember/tensor/ops/matmul.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

// [r, c] as laid out by `how`: 0 row-major, 1 column-major (a transpose), 2 every other
// column of a wider matrix (neither: copied before cuBLAS), 3 a broadcast row (stride 0).
Tensor layout(const Tensor& m, int how) {
  const int64_t r = m.size(-2), c = m.size(-1);
  switch (how) {
    case 1:
      return m.transpose(-1, -2).contiguous().transpose(-1, -2);
    case 2: {
      Shape wide = m.sizes();
      wide.back() = 2 * c;
      Tensor w = zeros(wide, m.dtype()).to(m.device());
      Tensor v = w.slice(-1, 0, 2 * c, 2);
      v.copy_(m);
      return v;
    }
    case 3: {
      Tensor row = m.narrow(-2, 0, std::min<int64_t>(r, 1)).contiguous();
      Shape sizes = m.sizes();
      return r == 0 ? m : row.expand(sizes);
    }
    default:
      return m.contiguous();
  }
}

TEST(CudaMatmul, MmMatchesCpuForEveryLayout) {
  EMBER_REQUIRE_CUDA();
  Generator g(51);
  const Shape kShapes[] = {{1, 1, 1}, {3, 5, 7}, {64, 33, 17},   {0, 4, 3},
                           {4, 0, 3}, {4, 3, 0}, {128, 256, 96}, {1, 300, 1}};
  for (DType dtype : {kFloat32, kFloat64})
    for (const Shape& mkn : kShapes)
      for (int la = 0; la < 4; ++la)
        for (int lb = 0; lb < 4; ++lb) {
          const int64_t m = mkn[0], k = mkn[1], n = mkn[2];
          Tensor a = layout(randn({m, k}, &g).to(dtype), la);
          Tensor b = layout(randn({k, n}, &g).to(dtype), lb);
          Tensor ad = a.cuda(), bd = b.cuda();
          // .cuda() copies contiguous: rebuild the same layouts on the GPU side.
          ad = layout(ad, la);
          bd = layout(bd, lb);
          const std::string what = shape_str({m, k}) + " x " + shape_str({k, n}) + " layouts " +
                                   std::to_string(la) + "/" + std::to_string(lb) + " " +
                                   dtype_name(dtype);
          Tensor cpu = ops::mm(a, b), gpu = ops::mm(ad, bd);
          const double tol = dtype == kFloat32 ? 1e-4 : 1e-11;
          EXPECT_TRUE(all_close(gpu.cpu(), cpu, tol, tol)) << what;
        }
}

TEST(CudaMatmul, BmmMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(52);
  const std::vector<Shape> kShapes = {{1, 1, 1, 1},      {4, 3, 5, 2},    {0, 3, 4, 5},
                                      {3, 0, 4, 5},      {3, 4, 0, 5},    {7, 16, 32, 8},
                                      {4096, 6, 128, 1}, {2, 100, 64, 90}};
  for (DType dtype : {kFloat32, kFloat64})
    for (const Shape& s : kShapes)
      for (int la = 0; la < 4; ++la)
        for (int lb = 0; lb < 4; ++lb) {
          const int64_t batch = s[0], m = s[1], k = s[2], n = s[3];
          Tensor a = randn({batch, m, k}, &g).to(dtype), b = randn({batch, k, n}, &g).to(dtype);
          const std::string what = shape_str({batch, m, k}) + " x " + shape_str({batch, k, n}) +
                                   " layouts " + std::to_string(la) + "/" + std::to_string(lb) +
                                   " " + dtype_name(dtype);
          Tensor cpu = ops::bmm(layout(a, la), layout(b, lb));
          Tensor gpu = ops::bmm(layout(a.cuda(), la), layout(b.cuda(), lb));
          const double tol = dtype == kFloat32 ? 1e-4 : 1e-11;
          EXPECT_TRUE(all_close(gpu.cpu(), cpu, tol, tol)) << what;
        }
  // A batch broadcast with stride 0 (one matrix for every item), and a permuted batch.
  Tensor a = randn({1, 5, 6}, &g), b = randn({8, 6, 3}, &g);
  EXPECT_TRUE(all_close(ops::bmm(a.cuda().expand({8, 5, 6}), b.cuda()).cpu(),
                        ops::bmm(a.expand({8, 5, 6}), b), 1e-5, 1e-5));
  Tensor p = randn({5, 8, 6}, &g);
  EXPECT_TRUE(all_close(ops::bmm(p.cuda().permute({1, 0, 2}), b.cuda()).cpu(),
                        ops::bmm(p.permute({1, 0, 2}), b), 1e-5, 1e-5));
}

TEST(CudaMatmul, AutogradThroughMatmulMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(53);
  Tensor x = randn({10, 4, 7}, &g), w = randn({7, 3}, &g), v = randn({10, 3, 4}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_(), b = w.to(device).requires_grad_();
    Tensor c = v.to(device).requires_grad_();
    Tensor loss = sum(bmm(matmul(a, b), c));
    loss.backward();
    return std::make_tuple(a.grad().cpu(), b.grad().cpu(), c.grad().cpu());
  };
  auto [ga, gb, gc] = run(Device(kCPU));
  auto [da, db, dc] = run(Device(kCUDA));
  EXPECT_TRUE(all_close(da, ga, 1e-4, 1e-5));
  EXPECT_TRUE(all_close(db, gb, 1e-4, 1e-5));
  EXPECT_TRUE(all_close(dc, gc, 1e-4, 1e-5));
}

TEST(CudaMatmul, RejectsWhatTheCpuRejects) {
  EMBER_REQUIRE_CUDA();
  EXPECT_EMBER_ERROR(ops::mm(arange(6).view({2, 3}).cuda(), arange(6).view({3, 2}).cuda()),
                     "float32 or float64");
  EXPECT_EMBER_ERROR(ops::mm(zeros({2, 3}).cuda(), zeros({2, 3}).cuda()), "cannot be multiplied");
  EXPECT_EMBER_ERROR(ops::mm(zeros({2, 3}).cuda(), zeros({3, 2})), "different devices");
}

}  // namespace
}  // namespace ember
