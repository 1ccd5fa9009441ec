// cuda/index.cu against tensor/ops/index.cpp: index_select, gather, scatter_add, index_add
// and one_hot over every dim, int32 and int64 ids, repeated ids (deterministic sums),
// empty indices, strided inputs; an id out of range raises the CPU's error, found on the
// device. SKIPPED without a GPU.
#include "testing.h"

#include <string>

#include <ember/tensor/ops/index.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

TEST(CudaIndex, IndexSelectMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(71);
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kInt64, kInt32, kBool})
    for (DType id_type : {kInt64, kInt32})
      for (const Shape& sizes : {Shape{7}, Shape{10, 4}, Shape{3, 5, 6}, Shape{0, 3}})
        for (int64_t dim = 0; dim < int64_t(sizes.size()); ++dim)
          for (int64_t n : {0, 1, 9}) {
            if (sizes[dim] == 0 && n > 0) continue;
            Tensor a = mul(randn(sizes, &g), 5.0).to(dtype);
            Tensor ids = randint(0, std::max<int64_t>(sizes[dim], 1), {n}, &g).to(id_type);
            const std::string what = shape_str(sizes) + " dim " + std::to_string(dim) + " n " +
                                     std::to_string(n) + " " + dtype_name(dtype) + " ids " +
                                     dtype_name(id_type);
            EXPECT_TRUE(all_close(ops::index_select(a.cuda(), dim, ids.cuda()).cpu(),
                                  ops::index_select(a, dim, ids), 0, 0))
                << what;
            // A transposed (strided) input, with ids for its own size along dim.
            const int64_t last = int64_t(sizes.size()) - 1;
            Tensor at = a.transpose(0, last), at_gpu = a.cuda().transpose(0, last);
            if (at.size(dim) == 0 && n > 0) continue;
            Tensor ids_t = randint(0, std::max<int64_t>(at.size(dim), 1), {n}, &g).to(id_type);
            EXPECT_TRUE(all_close(ops::index_select(at_gpu, dim, ids_t.cuda()).cpu(),
                                  ops::index_select(at, dim, ids_t), 0, 0))
                << "transposed " << what;
          }
}

TEST(CudaIndex, GatherScatterAddMatchCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(72);
  for (DType dtype : {kFloat32, kFloat64, kInt64})
    for (const Shape& sizes : {Shape{8}, Shape{6, 5}, Shape{4, 3, 7}})
      for (int64_t dim = 0; dim < int64_t(sizes.size()); ++dim) {
        Shape index_sizes = sizes;
        for (int64_t& s : index_sizes) s = std::max<int64_t>(1, s - 1);
        index_sizes[dim] = sizes[dim] + 3;  // longer than a along dim: ids repeat
        Tensor a = mul(randn(sizes, &g), 4.0).to(dtype);
        Tensor ids = randint(0, sizes[dim], index_sizes, &g);
        Tensor src = mul(randn(index_sizes, &g), 4.0).to(dtype);
        const std::string what =
            shape_str(sizes) + " dim " + std::to_string(dim) + " " + dtype_name(dtype);
        EXPECT_TRUE(
            all_close(ops::gather(a.cuda(), dim, ids.cuda()).cpu(), ops::gather(a, dim, ids), 0, 0))
            << "gather " << what;
        Tensor base = mul(randn(sizes, &g), 4.0).to(dtype);
        const double tol = dtype == kFloat32 ? 1e-6 : 0;
        EXPECT_TRUE(all_close(ops::scatter_add(base.cuda(), dim, ids.cuda(), src.cuda()).cpu(),
                              ops::scatter_add(base, dim, ids, src), tol, tol))
            << "scatter_add " << what;
        // A strided input (transposed) for gather, int32 ids.
        if (sizes.size() >= 2) {
          Tensor t = a.transpose(0, 1).contiguous().transpose(0, 1);
          Tensor td = a.transpose(0, 1).contiguous().cuda().transpose(0, 1);
          EXPECT_TRUE(all_close(ops::gather(td, dim, ids.to(kInt32).cuda()).cpu(),
                                ops::gather(t, dim, ids.to(kInt32)), 0, 0))
              << "gather strided " << what;
        }
      }
}

// A few long lines (a [N, D] src scattered along N, as gather's backward does): the GPU sorts
// the elements by the output element they add to instead of giving a thread each line. The
// sums keep the CPU's order; int32 ids and a strided src too.
TEST(CudaIndex, ScatterAddOfFewLongLinesMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(74);
  struct Case {
    Shape a, index;
    int64_t dim;
  };
  const Case kCases[] = {{{50, 4}, {3000, 4}, 0}, {{5, 20, 3}, {5, 200, 3}, 1}, {{7}, {5000}, 0}};
  for (DType dtype : {kFloat32, kFloat64, kInt64})
    for (const Case& c : kCases)
      for (DType id_type : {kInt64, kInt32}) {
        Tensor base = mul(randn(c.a, &g), 4.0).to(dtype);
        Tensor ids = randint(0, c.a[size_t(c.dim)], c.index, &g).to(id_type);
        Tensor src = mul(randn(c.index, &g), 4.0).to(dtype);
        const std::string what = shape_str(c.index) + " into " + shape_str(c.a) + " " +
                                 dtype_name(dtype) + " ids " + dtype_name(id_type);
        const double tol = dtype == kFloat32 ? 1e-6 : 0;
        EXPECT_TRUE(all_close(ops::scatter_add(base.cuda(), c.dim, ids.cuda(), src.cuda()).cpu(),
                              ops::scatter_add(base, c.dim, ids, src), tol, tol))
            << what;
        if (c.index.size() < 2) continue;
        Tensor strided = src.transpose(0, 1).contiguous().cuda().transpose(0, 1);
        EXPECT_TRUE(all_close(ops::scatter_add(base.cuda(), c.dim, ids.cuda(), strided).cpu(),
                              ops::scatter_add(base, c.dim, ids, src), tol, tol))
            << "strided src " << what;
      }
}

TEST(CudaIndex, IndexAddMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(73);
  for (DType dtype : {kFloat32, kFloat64, kInt64})
    for (const Shape& sizes : {Shape{9}, Shape{6, 5}, Shape{4, 3, 7}})
      for (int64_t dim = 0; dim < int64_t(sizes.size()); ++dim) {
        Tensor a = mul(randn(sizes, &g), 4.0).to(dtype);
        Tensor ids = randint(0, sizes[dim], {11}, &g);  // repeats
        Shape src_sizes = sizes;
        src_sizes[dim] = 11;
        Tensor src = mul(randn(src_sizes, &g), 4.0).to(dtype);
        const double alpha = is_integral(dtype) ? 2.0 : 0.5;
        const double tol = dtype == kFloat32 ? 1e-6 : 0;
        EXPECT_TRUE(all_close(ops::index_add(a.cuda(), dim, ids.cuda(), src.cuda(), alpha).cpu(),
                              ops::index_add(a, dim, ids, src, alpha), tol, tol))
            << shape_str(sizes) << " dim " << dim << " " << dtype_name(dtype);
      }
}

// index_add sums each id's rows in a block of its own (cuda/runs.cuh): ids in long runs (200,000
// ids into 50 rows of 64), int32 ids, and more runs than one grid of blocks takes (2M ids into
// 2M rows: ~1.26M runs, past the 1,048,560 blocks of a grid), each element's sum in the CPU's
// order.
TEST(CudaIndex, IndexAddOfLongRunsAndPastOneGridMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(75);
  Tensor a = randn({1000, 64}, &g).to(kFloat64), src = randn({200000, 64}, &g).to(kFloat64);
  Tensor ids = randint(0, 50, {200000}, &g).to(kInt32);
  EXPECT_TRUE(all_close(ops::index_add(a.cuda(), 0, ids.cuda(), src.cuda(), 0.5).cpu(),
                        ops::index_add(a, 0, ids, src, 0.5), 0, 0));
  Tensor wide = randn({2000000}, &g).to(kFloat64), many = randn({2000000}, &g).to(kFloat64);
  Tensor spread = randint(0, 2000000, {2000000}, &g);
  EXPECT_TRUE(all_close(ops::index_add(wide.cuda(), 0, spread.cuda(), many.cuda()).cpu(),
                        ops::index_add(wide, 0, spread, many), 0, 0));
}

TEST(CudaIndex, OneHotMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(74);
  Tensor ids = randint(0, 7, {4, 5}, &g);
  EXPECT_TRUE(all_close(ops::one_hot(ids.cuda()).cpu(), ops::one_hot(ids), 0, 0));
  EXPECT_TRUE(all_close(ops::one_hot(ids.to(kInt32).cuda(), 9).cpu(), ops::one_hot(ids, 9), 0, 0));
  EXPECT_TRUE(all_close(ops::one_hot(zeros({0}, kInt64).cuda(), 3).cpu(),
                        ops::one_hot(zeros({0}, kInt64), 3), 0, 0));
}

TEST(CudaIndex, OutOfRangeIdsRaiseTheCpuError) {
  EMBER_REQUIRE_CUDA();
  Tensor a = randn({5, 3}).cuda();
  EXPECT_EMBER_ERROR(ops::index_select(a, 0, tensor({1, 5, 2}).cuda()),
                     "index 5 at position 1 out of range for dim 0 of size 5");
  EXPECT_EMBER_ERROR(ops::gather(a, 1, tensor({0, -1}).view({1, 2}).cuda()),
                     "index -1 at position [0, 1] out of range for dim 1 of size 3");
  EXPECT_EMBER_ERROR(ops::scatter_add(a, 0, tensor({7}).view({1, 1}).cuda(), randn({1, 1}).cuda()),
                     "index 7");
  EXPECT_EMBER_ERROR(ops::index_add(a, 0, tensor({0, 9}).cuda(), randn({2, 3}).cuda()), "index 9");
  EXPECT_EMBER_ERROR(ops::one_hot(tensor({0, 4}).cuda(), 3), "out of range for num_classes 3");
  // The GPU is still usable after the error: no sticky CUDA error.
  EXPECT_TRUE(
      all_close(ops::index_select(a, 0, tensor({4}).cuda()).cpu(), a.cpu().narrow(0, 4, 1), 0, 0));
}

TEST(CudaIndex, AutogradThroughIndexOpsMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  Generator g(75);
  Tensor x = randn({12, 6}, &g);
  Tensor ids = randint(0, 12, {20}, &g), gather_ids = randint(0, 6, {12, 4}, &g);
  auto run = [&](Device device) {
    Tensor a = x.to(device).requires_grad_();
    Tensor loss = add(sum(pow(index_select(a, 0, ids.to(device)), 2.0)),
                      sum(gather(a, 1, gather_ids.to(device))));
    loss.backward();
    return a.grad().cpu();
  };
  EXPECT_TRUE(all_close(run(Device(kCUDA)), run(Device(kCPU)), 1e-5, 1e-6));
}

}  // namespace
}  // namespace ember
