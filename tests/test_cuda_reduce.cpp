// cuda/reduce.cu against tensor/ops/reduce.cpp: sum, mean, max/min with indices, argmax,
// norm and its backward, and the scatter behind max/topk backward, over single dims, lists
// of dims, all dims, keepdim, non-contiguous inputs, empty tensors, and lengths that take
// each kernel (lines, columns, split). Two runs give the same bits. SKIPPED without a GPU.
#include "testing.h"

#include <cmath>
#include <limits>
#include <string>

#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/reduce.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

std::string describe(const Tensor& t, const Shape& dims, bool keepdim) {
  return shape_str(t.sizes()) + (t.is_contiguous() ? "" : " (strided)") + " dims " +
         shape_str(dims) + (keepdim ? " keepdim" : "") + " " + dtype_name(t.dtype());
}

// Inputs of several shapes; the reductions over which dims to try on each.
struct Case {
  Shape sizes;
  std::vector<Shape> dims;
};
const Case kCases[] = {
    {{}, {{}}},
    {{0}, {{}, {0}}},
    {{3, 0}, {{1}, {0}, {}}},
    {{1}, {{}, {0}}},
    {{7}, {{0}}},
    {{5, 6}, {{0}, {1}, {}, {0, 1}}},
    {{4, 5, 6}, {{0}, {1}, {2}, {0, 2}, {1, 2}, {-1}, {}}},
    {{50, 4096}, {{0}}},      // columns kernel: one thread per output column
    {{4, 10, 1000}, {{1}}},   // columns kernel over a middle dim
    {{3, 4096, 2}, {{1}}},    // few outputs: rows of a permuted copy
    {{5000, 4}, {{1}}},       // many short rows: small thread groups
    {{300000}, {{0}, {}}},    // one long row: the split kernel
    {{3, 70000}, {{1}}},      // long rows, a block each
    {{40, 60, 3}, {{0, 1}}},  // a reduced block, then a kept dim
};

TEST(CudaReduce, SumAndMeanMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(21);
  for (const Case& c : kCases)
    for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64, kBool}) {
      Tensor x = randn(c.sizes, &g);
      if (is_integral(dtype)) x = mul(x, 100.0);
      if (dtype == kBool) x = gt(x, 0.0);
      x = x.to(dtype);
      for (const Shape& dims : c.dims)
        for (bool keepdim : {false, true}) {
          const std::string what = describe(x, dims, keepdim);
          Tensor cpu = ops::sum(x, dims, keepdim), gpu = ops::sum(x.cuda(), dims, keepdim);
          EXPECT_EQ(gpu.dtype(), cpu.dtype()) << what;
          EXPECT_TRUE(all_close(gpu.cpu(), cpu, dtype == kFloat32 ? 1e-6 : 1e-12, 1e-6))
              << "sum " << what;
          if (!is_floating(dtype)) continue;
          EXPECT_TRUE(all_close(ops::mean(x.cuda(), dims, keepdim).cpu(),
                                ops::mean(x, dims, keepdim), 1e-6, 1e-7))
              << "mean " << what;
        }
    }
}

TEST(CudaReduce, NonContiguousInputsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(22);
  Tensor base = randn({30, 40, 50}, &g);
  const Tensor views[] = {base.permute({2, 0, 1}), base.slice(1, 3, 40, 4), base.transpose(0, 2),
                          base.select(1, 7)};
  for (const Tensor& v : views)
    for (const Shape& dims : {Shape{0}, Shape{1}, Shape{-1}, Shape{}, Shape{0, 1}}) {
      if (int64_t(dims.size()) > v.dim()) continue;
      const std::string what = describe(v, dims, false);
      Tensor same_view = base.cuda().as_strided(v.sizes(), v.strides(), v.offset());
      EXPECT_TRUE(
          all_close(ops::sum(same_view, dims, false).cpu(), ops::sum(v, dims, false), 1e-6, 1e-6))
          << "sum " << what;
      EXPECT_TRUE(all_close(ops::norm(same_view, 2.0, dims, false).cpu(),
                            ops::norm(v, 2.0, dims, false), 1e-6, 1e-6))
          << "norm " << what;
      if (dims.size() == 1) {
        ops::ValuesIndices cpu = ops::max(v, dims[0], false),
                           gpu = ops::max(same_view, dims[0], false);
        EXPECT_TRUE(all_close(gpu.values.cpu(), cpu.values, 0, 0)) << "max " << what;
        EXPECT_TRUE(all_close(gpu.indices.cpu(), cpu.indices, 0, 0)) << "argmax " << what;
      }
    }
}

TEST(CudaReduce, MaxMinArgmaxMatchCpuWithTiesAndNan) {
  EMBER_REQUIRE_CUDA();
  Generator g(23);
  for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64})
    for (const Shape& sizes :
         {Shape{1}, Shape{9, 13}, Shape{4, 700, 3}, Shape{100000}, Shape{2, 3000}}) {
      // Few distinct values: many ties, whose first index must win.
      Tensor x = randint(-3, 4, sizes, &g).to(dtype);
      for (int64_t dim = 0; dim < int64_t(sizes.size()); ++dim)
        for (bool keepdim : {false, true}) {
          const std::string what = describe(x, {dim}, keepdim);
          for (bool is_max : {true, false}) {
            ops::ValuesIndices cpu = is_max ? ops::max(x, dim, keepdim) : ops::min(x, dim, keepdim);
            ops::ValuesIndices gpu =
                is_max ? ops::max(x.cuda(), dim, keepdim) : ops::min(x.cuda(), dim, keepdim);
            EXPECT_TRUE(all_close(gpu.values.cpu(), cpu.values, 0, 0))
                << (is_max ? "max " : "min ") << what;
            EXPECT_TRUE(all_close(gpu.indices.cpu(), cpu.indices, 0, 0))
                << (is_max ? "max" : "min") << " indices " << what;
          }
          EXPECT_TRUE(all_close(ops::argmax(x.cuda(), dim, keepdim).cpu(),
                                ops::argmax(x, dim, keepdim), 0, 0))
              << "argmax " << what;
        }
      EXPECT_TRUE(all_close(ops::max(x.cuda()).cpu(), ops::max(x), 0, 0)) << shape_str(sizes);
      EXPECT_TRUE(all_close(ops::min(x.cuda()).cpu(), ops::min(x), 0, 0)) << shape_str(sizes);
      EXPECT_TRUE(all_close(ops::argmax(x.cuda()).cpu(), ops::argmax(x), 0, 0)) << shape_str(sizes);
    }
  // nan beats numbers; the first nan wins.
  Tensor with_nan = tensor({1.f, std::nanf(""), 5.f, std::nanf(""), 7.f});
  EXPECT_EQ(ops::argmax(with_nan.cuda()).item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(ops::max(with_nan.cuda()).item<double>()));
  EXPECT_EQ(ops::min(with_nan.cuda(), 0, false).indices.item<int64_t>(), 1);
  EXPECT_EMBER_ERROR(ops::max(zeros({0}).cuda()), "empty");
  EXPECT_EMBER_ERROR(ops::max(zeros({3, 0}).cuda(), 1, false), "empty dim");
}

TEST(CudaReduce, NormAndBackwardMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(24);
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dtype : {kFloat32, kFloat64})
    for (double p : {1.0, 2.0, 3.0, 0.5, inf})
      for (const Case& c : kCases) {
        if (c.sizes.size() > 0 && shape_numel(c.sizes) == 0 && p == inf) continue;
        Tensor x = randn(c.sizes, &g).to(dtype);
        if (p == inf && x.numel() > 4) {  // ties at the max |x|: the gradient splits among them
          Tensor flat = x.view({-1});
          flat.narrow(0, 0, 2).fill_(-9.0);
          flat.narrow(0, 2, 1).fill_(9.0);
        }
        for (const Shape& dims : c.dims) {
          const std::string what = "p=" + std::to_string(p) + " " + describe(x, dims, false);
          Tensor cpu = ops::norm(x, p, dims, false), gpu = ops::norm(x.cuda(), p, dims, false);
          const double tol = dtype == kFloat32 ? 1e-5 : 1e-11;
          ASSERT_TRUE(all_close(gpu.cpu(), cpu, tol, tol)) << "norm " << what;
          Tensor grad = randn(cpu.sizes(), &g).to(dtype);
          EXPECT_TRUE(
              all_close(ops::norm_backward(grad.cuda(), x.cuda(), gpu, p, dims, false).cpu(),
                        ops::norm_backward(grad, x, cpu, p, dims, false), 10 * tol, tol))
              << "norm_backward " << what;
        }
      }
}

TEST(CudaReduce, TwoRunsGiveTheSameBits) {
  EMBER_REQUIRE_CUDA();
  Generator g(25);
  Tensor x = randn({1 << 20}, &g).cuda(), y = randn({300, 5000}, &g).cuda();
  EXPECT_TRUE(all_close(ops::sum(x).cpu(), ops::sum(x).cpu(), 0, 0));
  EXPECT_TRUE(all_close(ops::sum(y, {0}, false).cpu(), ops::sum(y, {0}, false).cpu(), 0, 0));
  EXPECT_TRUE(
      all_close(ops::norm(y, 2.0, {1}, false).cpu(), ops::norm(y, 2.0, {1}, false).cpu(), 0, 0));
}

TEST(CudaReduce, TopkMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(28);
  for (DType dtype : {kFloat32, kFloat64, kInt32, kInt64})
    for (const Shape& sizes :
         {Shape{}, Shape{1}, Shape{10}, Shape{6, 9}, Shape{3, 4, 5}, Shape{2, 1000}, Shape{0, 5}})
      for (int64_t dim = -1; dim < std::max<int64_t>(1, int64_t(sizes.size())); ++dim) {
        const int64_t wrapped = dim < 0 ? dim + std::max<int64_t>(1, int64_t(sizes.size())) : dim;
        const int64_t length = sizes.empty() ? 1 : sizes[wrapped];
        // Few distinct values: ties, which keep the lower index first.
        Tensor x = randint(-4, 5, sizes, &g).to(dtype);
        for (int64_t k : {int64_t(0), int64_t(1), length / 2, length})
          for (bool largest : {true, false}) {
            if (k > length || (sizes.empty() && k == 0)) continue;  // [0] of a 0-d: none
            const std::string what = "k=" + std::to_string(k) +
                                     (largest ? " largest " : " smallest ") +
                                     describe(x, {dim}, false);
            ops::ValuesIndices cpu = ops::topk(x, k, dim, largest, true);
            ops::ValuesIndices gpu = ops::topk(x.cuda(), k, dim, largest, true);
            EXPECT_TRUE(all_close(gpu.values.cpu(), cpu.values, 0, 0)) << "values " << what;
            EXPECT_TRUE(all_close(gpu.indices.cpu(), cpu.indices, 0, 0)) << "indices " << what;
          }
      }
  // Neighbour search shape: top 10 of 100k similarities per row, distinct floats.
  Tensor sims = randn({4, 100000}, &g);
  ops::ValuesIndices cpu = ops::topk(sims, 10, 1, true, true);
  ops::ValuesIndices gpu = ops::topk(sims.cuda(), 10, 1, true, true);
  EXPECT_TRUE(all_close(gpu.values.cpu(), cpu.values, 0, 0));
  EXPECT_TRUE(all_close(gpu.indices.cpu(), cpu.indices, 0, 0));
}

TEST(CudaReduce, ScatterIntoZerosMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(26);
  for (int64_t dim : {0, 1, 2}) {
    Shape sizes = {4, 6, 5};
    Shape small = sizes;
    small[dim] = 3;
    Tensor index = randint(0, sizes[dim], small, &g);
    Tensor values = randn(small, &g);
    EXPECT_TRUE(all_close(ops::scatter_into_zeros(sizes, dim, index.cuda(), values.cuda()).cpu(),
                          ops::scatter_into_zeros(sizes, dim, index, values), 1e-6, 1e-6))
        << "dim " << dim;
  }
  EXPECT_EMBER_ERROR(
      ops::scatter_into_zeros({3}, 0, tensor({0, 5}).cuda(), tensor({1.f, 2.f}).cuda()),
      "index 5 out of range for dim 0 of size 3");
}

TEST(CudaReduce, AutogradThroughReductionsMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(27);
  Tensor x = randn({16, 24, 8}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_();
    Tensor loss = add(add(sum(mean(a, {1}, false)), sum(max(a, 2, false).values)),
                      norm(a, 2.0, {0, 2}, false).sum());
    loss.backward();
    return std::make_pair(loss.cpu(), a.grad().cpu());
  };
  auto [loss_cpu, grad_cpu] = run(Device(kCPU));
  auto [loss_gpu, grad_gpu] = run(Device(kCUDA));
  EXPECT_TRUE(all_close(loss_gpu, loss_cpu, 1e-5, 1e-5));
  EXPECT_TRUE(all_close(grad_gpu, grad_cpu, 1e-5, 1e-6));
}

}  // namespace
}  // namespace ember
