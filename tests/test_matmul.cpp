// mm, bmm and matmul against a naive triple loop, on odd sizes, every layout, both float
// types and thread counts; shape errors; gradcheck of each.
#include <random>

#include "testing.h"

#include <ember/tensor/ops/internal/gemm_kernel.h>

namespace ember {
namespace {

using testing::all_close;

// Uniform values in [-1, 1) from a fixed seed, so every run sees the same matrices.
Tensor random_tensor(const Shape& sizes, DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> values(size_t(shape_numel(sizes)));
  for (double& v : values) v = dist(rng);
  return tensor(values, sizes, kFloat64).to(dtype);
}

// out[i][j] = sum_p a[i][p] b[p][j] in double; a is [M,K], b is [K,N].
Tensor naive_mm(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  std::vector<double> out(size_t(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) out[i * n + j] += x[i * k + p] * y[p * n + j];
  return tensor(out, {m, n}, kFloat64);
}

double tolerance(DType dtype, int64_t k) {
  return dtype == kFloat32 ? 1e-5 * (k + 10) : 1e-12 * (k + 10);
}

class MatmulSizes : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t>> {};

TEST_P(MatmulSizes, MmMatchesNaiveLoopInEveryLayout) {
  auto [m, k, n] = GetParam();
  for (DType dtype : {kFloat32, kFloat64}) {
    Tensor a = random_tensor({m, k}, dtype, 1);
    Tensor b = random_tensor({k, n}, dtype, 2);
    Tensor expected = naive_mm(a, b);
    const double tol = tolerance(dtype, k);
    EXPECT_TRUE(all_close(mm(a, b), expected, tol, tol)) << dtype << " plain";
    // Transposed operands: the same matrices stored the other way round.
    Tensor a_t = random_tensor({k, m}, dtype, 1).t();
    Tensor b_t = random_tensor({n, k}, dtype, 2).t();
    EXPECT_TRUE(all_close(mm(a_t, b_t), naive_mm(a_t.contiguous(), b_t.contiguous()), tol, tol))
        << dtype << " transposed";
    // Every other column of a wider matrix: no unit stride anywhere.
    Tensor a_s = random_tensor({m, 2 * k}, dtype, 3).slice(1, 0, 2 * k, 2);
    Tensor b_s = random_tensor({2 * k, n}, dtype, 4).slice(0, 0, 2 * k, 2);
    EXPECT_TRUE(all_close(mm(a_s, b_s), naive_mm(a_s.contiguous(), b_s.contiguous()), tol, tol))
        << dtype << " strided";
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, MatmulSizes,
                         ::testing::Values(std::make_tuple(1, 1, 1), std::make_tuple(7, 13, 5),
                                           std::make_tuple(67, 129, 33), std::make_tuple(5, 100, 1),
                                           std::make_tuple(1, 50, 70),
                                           std::make_tuple(150, 300, 70),
                                           std::make_tuple(13, 600, 37), std::make_tuple(0, 4, 3),
                                           std::make_tuple(3, 0, 4), std::make_tuple(5, 1, 100),
                                           std::make_tuple(100, 5, 1), std::make_tuple(300, 7, 1)));

TEST(Matmul, LargeMmSameResultOnOneAndTwoThreads) {
  Tensor a = random_tensor({301, 520}, kFloat32, 5);
  Tensor b = random_tensor({520, 4200}, kFloat32, 6);  // more columns than one NC block
  set_num_threads(1);
  Tensor one = mm(a, b);
  set_num_threads(2);
  Tensor two = mm(a, b);
  set_num_threads(0);
  EXPECT_TRUE(all_close(one, two, 0, 0));
  Tensor a64 = a.to(kFloat64), b64 = b.to(kFloat64);
  EXPECT_TRUE(all_close(one, naive_mm(a64, b64), 1e-4, 1e-4));
}

TEST(Matmul, PackedLayoutsGiveTheSameBits) {
  // Packing turns every layout into the same panels, so a row-major and a transposed copy
  // of the same matrices give identical results. Sizes leave partial MR/NR panels and depth
  // tails that are not a multiple of the 8x8 (float) or 4x4 (double) packing tiles, and k
  // spans two KC blocks.
  for (DType dtype : {kFloat32, kFloat64}) {
    for (auto [m, k, n] : {std::make_tuple(37, 515, 261), std::make_tuple(32, 1024, 256),
                           std::make_tuple(7, 19, 40)}) {
      Tensor a = random_tensor({m, k}, dtype, 40);
      Tensor b = random_tensor({k, n}, dtype, 41);
      Tensor a_t = a.t().contiguous().t();  // same values, column-major
      Tensor b_t = b.t().contiguous().t();
      ASSERT_FALSE(a_t.is_contiguous());
      Tensor plain = mm(a, b);
      EXPECT_TRUE(all_close(plain, naive_mm(a, b), tolerance(dtype, k), tolerance(dtype, k)));
      EXPECT_TRUE(all_close(mm(a_t, b), plain, 0, 0)) << dtype << " A transposed " << m;
      EXPECT_TRUE(all_close(mm(a, b_t), plain, 0, 0)) << dtype << " B transposed " << m;
      EXPECT_TRUE(all_close(mm(a_t, b_t), plain, 0, 0)) << dtype << " both transposed " << m;
    }
  }
}

TEST(Matmul, ShortProductsKeepTheirBits) {
  // The direct kernel's short paths: a depth-1 product gives the same bits in every layout
  // (the skip-gram bmm's backward [5,1] x [1,100]; and rows past 256 columns, the row path's
  // chunk, which the depth-1 path writes in one go); a matrix-vector product whose A has
  // contiguous columns ([100,5] x [5,1], and a column longer than the kernel's 256-row
  // chunk) sums as the row path does, to the bit.
  for (DType dtype : {kFloat32, kFloat64}) {
    for (int64_t n : {1, 100, 300}) {  // k == 1
      Tensor a = random_tensor({5, 1}, dtype, 42), b = random_tensor({1, n}, dtype, 43);
      Tensor plain = mm(a, b);
      EXPECT_TRUE(all_close(plain, naive_mm(a, b).to(dtype), 0, 0)) << dtype;  // one rounding
      EXPECT_TRUE(all_close(mm(a.t().contiguous().t(), b), plain, 0, 0)) << dtype;
      EXPECT_TRUE(all_close(mm(a, b.t().contiguous().t()), plain, 0, 0)) << dtype;
    }
    for (auto [m, k] : std::vector<std::pair<int64_t, int64_t>>{{100, 5}, {300, 7}, {3, 40}}) {
      Tensor a = random_tensor({m, k}, dtype, 44), b = random_tensor({k, 1}, dtype, 45);
      Tensor a_columns = a.t().contiguous().t();  // A's columns contiguous: the column path
      Tensor b_strided = random_tensor({2 * k, 1}, dtype, 45).slice(0, 0, 2 * k, 2);
      b_strided.copy_(b);  // rows of B apart: the row path
      Tensor by_columns = mm(a_columns, b);
      const double tol = tolerance(dtype, k);
      EXPECT_TRUE(all_close(by_columns, naive_mm(a, b), tol, tol)) << dtype << " " << m;
      EXPECT_TRUE(all_close(by_columns, mm(a, b_strided), 0, 0)) << dtype << " " << m;
    }
  }
}

// The AVX-512 micro kernel reads the AVX2 kernel's panels and must write the same bits:
// full tiles and partial ones, C overwritten (beta 0) and accumulated into (beta 1, a later
// depth block), with alpha 1: what gemm passes.
template <typename T>
void expect_micro_kernels_agree() {
  using ops::gemm_kernel::Blocking;
  using ops::gemm_kernel::Isa;
  auto avx2 = ops::gemm_kernel::micro_kernel<T>(Isa::kAvx2);
  auto avx512 = ops::gemm_kernel::micro_kernel<T>(Isa::kAvx512);
  if (!avx2 || !avx512) GTEST_SKIP() << "this CPU has no AVX-512";
  constexpr int64_t MR = Blocking<T>::kMr, NR = Blocking<T>::kNr, kc = 77;
  Tensor a_panel = random_tensor({kc * MR}, DTypeOf<T>::value, 50);
  Tensor b_panel = random_tensor({kc * NR}, DTypeOf<T>::value, 51);
  Tensor c_start = random_tensor({MR * NR}, DTypeOf<T>::value, 52);
  for (auto [mr, nr] : {std::make_pair(MR, NR), std::make_pair(int64_t(4), int64_t(5))})
    for (T beta : {T(0), T(1)}) {
      Tensor c2 = c_start.clone(), c512 = c_start.clone();
      avx2(kc, a_panel.data<T>(), b_panel.data<T>(), c2.data<T>(), NR, 1, mr, nr, T(1), beta);
      avx512(kc, a_panel.data<T>(), b_panel.data<T>(), c512.data<T>(), NR, 1, mr, nr, T(1), beta);
      EXPECT_TRUE(all_close(c512, c2, 0, 0))
          << sizeof(T) << " bytes, mr " << mr << " nr " << nr << " beta " << beta;
    }
}

TEST(Matmul, Avx512MicroKernelGivesTheAvx2Bits) {
  expect_micro_kernels_agree<float>();
  expect_micro_kernels_agree<double>();
}

TEST(Matmul, BroadcastOperandWithZeroStride) {
  Tensor row = random_tensor({1, 40}, kFloat64, 7);
  Tensor a = row.expand({30, 40});  // every row the same, stride 0
  Tensor b = random_tensor({40, 20}, kFloat64, 8);
  EXPECT_TRUE(all_close(mm(a, b), naive_mm(a.contiguous(), b), 1e-12, 1e-12));
}

TEST(Matmul, BmmMatchesPerItemMm) {
  for (auto [batch, m, k, n] : {std::make_tuple(4096, 5, 100, 1), std::make_tuple(3, 40, 50, 60),
                                std::make_tuple(9, 1, 7, 3), std::make_tuple(2, 130, 70, 90)}) {
    Tensor a = random_tensor({batch, m, k}, kFloat32, 9);
    Tensor b = random_tensor({batch, k, n}, kFloat32, 10);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      Tensor out = bmm(a, b);
      ASSERT_EQ(out.sizes(), (Shape{batch, m, n}));
      for (int64_t i : {int64_t(0), int64_t(batch / 2), int64_t(batch - 1)})
        EXPECT_TRUE(all_close(out[i], naive_mm(a[i], b[i]), 1e-4, 1e-4))
            << "item " << i << " threads " << threads;
    }
    set_num_threads(0);
  }
  // Transposed batch items.
  Tensor a = random_tensor({4, 20, 30}, kFloat64, 11).transpose(1, 2);  // [4, 30, 20]
  Tensor b = random_tensor({4, 30, 20}, kFloat64, 12).transpose(1, 2);  // [4, 20, 30]
  Tensor out = bmm(a, b);
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_TRUE(all_close(out[i], naive_mm(a[i].contiguous(), b[i].contiguous()), 1e-12, 1e-12));
}

TEST(Matmul, MatmulShapes) {
  auto r = [](const Shape& s) { return random_tensor(s, kFloat64, 13); };
  EXPECT_EQ(matmul(r({3}), r({3})).sizes(), Shape{});
  EXPECT_EQ(matmul(r({2, 3}), r({3})).sizes(), (Shape{2}));
  EXPECT_EQ(matmul(r({3}), r({3, 4})).sizes(), (Shape{4}));
  EXPECT_EQ(matmul(r({2, 3}), r({3, 4})).sizes(), (Shape{2, 4}));
  EXPECT_EQ(matmul(r({5, 2, 3}), r({3, 4})).sizes(), (Shape{5, 2, 4}));
  EXPECT_EQ(matmul(r({2, 3}), r({5, 3, 4})).sizes(), (Shape{5, 2, 4}));
  EXPECT_EQ(matmul(r({5, 2, 3}), r({3})).sizes(), (Shape{5, 2}));
  EXPECT_EQ(matmul(r({3}), r({5, 3, 4})).sizes(), (Shape{5, 4}));
  EXPECT_EQ(matmul(r({6, 1, 2, 3}), r({5, 3, 4})).sizes(), (Shape{6, 5, 2, 4}));

  Tensor x = r({3}), y = random_tensor({3}, kFloat64, 14);
  std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
  EXPECT_NEAR(matmul(x, y).item(), xv[0] * yv[0] + xv[1] * yv[1] + xv[2] * yv[2], 1e-12);

  // Broadcast batch: each [2,3] x [3,4] item equals mm of the matching items.
  Tensor a = random_tensor({6, 1, 2, 3}, kFloat64, 15);
  Tensor b = random_tensor({5, 3, 4}, kFloat64, 16);
  Tensor out = matmul(a, b);
  EXPECT_TRUE(all_close(out[4][3], naive_mm(a[4][0], b[3]), 1e-12, 1e-12));
}

TEST(Matmul, ErrorsNameTheShapes) {
  Tensor a = zeros({2, 3}), b = zeros({4, 5});
  EXPECT_EMBER_ERROR(mm(a, b), "[2, 3]");
  EXPECT_EMBER_ERROR(mm(a, b), "[4, 5]");
  EXPECT_EMBER_ERROR(mm(zeros({3}), b), "mm: expected 2-D");
  EXPECT_EMBER_ERROR(mm(a, zeros({3, 2}, kFloat64)), "dtype mismatch");
  EXPECT_EMBER_ERROR(bmm(zeros({2, 2, 3}), zeros({3, 3, 2})), "batch");
  EXPECT_EMBER_ERROR(bmm(zeros({2, 2, 3}), zeros({2, 4, 2})), "[2, 4, 2]");
  EXPECT_EMBER_ERROR(matmul(zeros({2, 3}), zeros({2})), "matmul: shapes [2, 3] and [2]");
  EXPECT_EMBER_ERROR(matmul(zeros({2, 2, 3}), zeros({3, 3, 2})), "matmul");
  EXPECT_EMBER_ERROR(mm(zeros({2, 3}, kInt64), zeros({3, 2}, kInt64)), "float32 or float64");
}

// ---- gradients ----

Tensor leaf(const Shape& sizes, uint32_t seed) {
  return random_tensor(sizes, kFloat64, seed).requires_grad_();
}

TEST(MatmulGrad, Mm) {
  auto result = gradcheck([](const std::vector<Tensor>& x) { return mm(x[0], x[1]); },
                          {leaf({3, 4}, 20), leaf({4, 5}, 21)});
  EXPECT_TRUE(result.ok) << result.report;
  // One operand constant, the other transposed.
  Tensor constant = random_tensor({5, 4}, kFloat64, 22);
  result = gradcheck([&](const std::vector<Tensor>& x) { return mm(x[0], constant.t()); },
                     {leaf({3, 4}, 23)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(MatmulGrad, Bmm) {
  auto result = gradcheck([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
                          {leaf({2, 3, 4}, 24), leaf({2, 4, 2}, 25)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(MatmulGrad, BmmOfScoresShape) {
  // The skip-gram scores: [B, K, D] x [B, D, 1], whose backward takes the short paths.
  auto result = gradcheck([](const std::vector<Tensor>& x) { return bmm(x[0], x[1]); },
                          {leaf({3, 5, 7}, 26), leaf({3, 7, 1}, 27)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(MatmulGrad, MatmulCases) {
  auto product = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3}, {3}},          {{2, 3}, {3}},       {{3}, {3, 2}},
      {{4, 2, 3}, {3, 2}}, {{2, 3}, {4, 3, 2}}, {{2, 1, 2, 3}, {3, 3, 2}},
      {{4, 2, 3}, {3}},    {{3}, {2, 3, 2}}};
  uint32_t seed = 30;
  for (const auto& [sa, sb] : cases) {
    auto result = gradcheck(product, {leaf(sa, seed++), leaf(sb, seed++)});
    EXPECT_TRUE(result.ok) << shape_str(sa) << " x " << shape_str(sb) << ": " << result.report;
  }
}

}  // namespace
}  // namespace ember
