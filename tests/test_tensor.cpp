// The tensor core: creation, geometry, views sharing storage, dtype conversion, printing.
#include "testing.h"

namespace ember {
namespace {

using ::ember::testing::all_close;

TEST(Tensor, CreationAndGeometry) {
  Tensor t = zeros({2, 3});
  EXPECT_EQ(t.sizes(), (Shape{2, 3}));
  EXPECT_EQ(t.strides(), (Shape{3, 1}));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(full({2}, 2.5, kFloat64).to_vector<double>(), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(arange(4).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(arange(1, 2, 0.25, kFloat32).to_vector<float>(),
            (std::vector<float>{1, 1.25, 1.5, 1.75}));
  Tensor v = tensor(std::vector<int32_t>{1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(v.dtype(), kInt32);
  EXPECT_EQ(v.size(-1), 2);
  EXPECT_EQ(scalar_tensor(3.0).dim(), 0);
  EXPECT_EQ(scalar_tensor(3.0).item<float>(), 3.0f);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor t = arange(0, 12, 1, kFloat32).view({3, 4});
  Tensor tt = t.t();
  EXPECT_EQ(tt.sizes(), (Shape{4, 3}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.select(0, 1).to_vector<float>(), (std::vector<float>{1, 5, 9}));
  Tensor column = t.select(1, 2);
  column.fill_(-1);
  EXPECT_EQ(t.to_vector<float>()[2], -1);
  EXPECT_EQ(t.to_vector<float>()[10], -1);
  EXPECT_EQ(t.slice(1, 1, 4, 2).to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(t.narrow(0, 1, 2).sizes(), (Shape{2, 4}));
  EXPECT_EQ(t.unsqueeze(1).sizes(), (Shape{3, 1, 4}));
  EXPECT_EQ(t.unsqueeze(-1).sizes(), (Shape{3, 4, 1}));
  EXPECT_EQ(t.unsqueeze(1).squeeze().sizes(), (Shape{3, 4}));
  EXPECT_EQ(t.permute({1, 0}).sizes(), (Shape{4, 3}));
  Tensor e = tensor({1.f, 2.f}).view({2, 1}).expand({2, 3});
  EXPECT_EQ(e.strides(), (Shape{1, 0}));
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(t.reshape({-1}).sizes(), (Shape{12}));
  // A transposed tensor cannot be viewed flat, but reshape copies.
  EXPECT_EMBER_ERROR(tt.view({12}), "not compatible");
  EXPECT_EQ(tt.reshape({12}).to_vector<float>()[1], 4);
  EXPECT_EQ(tt.contiguous().strides(), (Shape{3, 1}));
}

TEST(Tensor, DTypeConversionAndHalf) {
  Tensor f = tensor({0.1f, -2.5f, 65504.f, 1e-7f, 70000.f});
  Tensor h = f.half();
  EXPECT_EQ(h.dtype(), kFloat16);
  std::vector<float> back = h.to_float().to_vector<float>();
  EXPECT_NEAR(back[0], 0.1f, 1e-4);
  EXPECT_EQ(back[1], -2.5f);
  EXPECT_EQ(back[2], 65504.f);
  EXPECT_NEAR(back[3], 1.19209e-07f, 1e-9);  // the nearest subnormal half
  EXPECT_TRUE(std::isinf(back[4]));
  // Round to nearest even at the halfway point between 1 and the next half (1 + 2^-10).
  EXPECT_EQ(tensor({1.f + 0x1p-11f}).half().to_float().item<float>(), 1.f);
  EXPECT_EQ(tensor({1.f + 3 * 0x1p-11f}).half().to_float().item<float>(), 1.f + 0x1p-9f);
  EXPECT_EQ(tensor({2.7f, -1.2f}).to(kInt64).to_vector<int64_t>(), (std::vector<int64_t>{2, -1}));
  EXPECT_EQ(tensor({0.f, 3.f}).to(kBool).to_vector<bool>(), (std::vector<bool>{false, true}));
}

TEST(Tensor, Printing) {
  EXPECT_EQ(tensor({1.f, 2.f, 3.f}).str(), "tensor([1., 2., 3.])");
  EXPECT_EQ(tensor(std::vector<float>{1.5f, 2, 3, 4}, {2, 2}).str(),
            "tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])");
  EXPECT_EQ(arange(3).str(), "tensor([0, 1, 2])");
  EXPECT_EQ(tensor({1.0, 2.5}, kFloat64).str(), "tensor([1.0000, 2.5000], dtype=float64)");
  EXPECT_EQ(tensor({1e-5f, 1.f}).str(), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(scalar_tensor(0.5).str(), "tensor(0.5000)");
  EXPECT_EQ(zeros({0, 3}).str(), "tensor([], size=(0, 3))");
  EXPECT_EQ(tensor({0.f, 1.f}).to(kBool).str(), "tensor([False,  True])");
  EXPECT_EQ(ones({2}, TensorOptions().requires_grad()).str(),
            "tensor([1., 1.], requires_grad=True)");
  EXPECT_EQ((ones({2}, TensorOptions().requires_grad()) * 2.0).str(),
            "tensor([2., 2.], grad_fn=<MulBackward>)");
  std::string big = arange(2000).str();
  EXPECT_EQ(big, "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
}

TEST(Tensor, EmptyChecksTheByteCountForOverflow) {
  EXPECT_EMBER_ERROR(empty({int64_t(1) << 62}),
                     "empty: shape [4611686018427387904] of 4-byte "
                     "elements is more than 2^63 bytes");
  EXPECT_EMBER_ERROR(empty({int64_t(1) << 32, int64_t(1) << 32}),
                     "empty: shape [4294967296, 4294967296] has more than 2^63 elements");
  EXPECT_EQ(empty({int64_t(1) << 62, 0}).numel(), 0);
}

// Shapes reach shape_numel from metadata and options too: a product past int64_t or a
// negative size is an error, never a wrapped count.
TEST(Tensor, ShapeNumelChecksItsProduct) {
  EXPECT_EQ(shape_numel({}), 1);
  EXPECT_EQ(shape_numel({int64_t(1) << 62, 0}), 0);
  EXPECT_EQ(shape_numel({int64_t(1) << 31, int64_t(1) << 31}), int64_t(1) << 62);
  EXPECT_EMBER_ERROR(shape_numel({int64_t(1) << 32, int64_t(1) << 32}),
                     "shape [4294967296, 4294967296] has more than 2^63 elements");
  EXPECT_EMBER_ERROR(shape_numel({3, -2}), "shape [3, -2] has a negative size");
  const Tensor t = zeros({4});
  EXPECT_EMBER_ERROR(t.view({int64_t(1) << 32, int64_t(1) << 32, -1}),
                     "view: shape [4294967296, 4294967296, -1] has more than 2^63 elements");
}

TEST(Tensor, Errors) {
  Tensor t = zeros({2, 3});
  EXPECT_EMBER_ERROR(t.size(2), "dim 2 out of range for a tensor with 2 dims");
  EXPECT_EMBER_ERROR(t.select(0, 5), "index 5 out of range for dim 0 of size 2");
  EXPECT_EMBER_ERROR(t.view({4, 2}), "shape [4, 2] is invalid for input of size 6");
  EXPECT_EMBER_ERROR(t.expand({3, 3}), "cannot expand [2, 3] to [3, 3]");
  EXPECT_EMBER_ERROR(t.item(), "expected a tensor with one element, got sizes [2, 3]");
  EXPECT_EMBER_ERROR(t.data<double>(), "tensor is float32");
  EXPECT_EMBER_ERROR(Tensor().sizes(), "undefined tensor");
  EXPECT_EMBER_ERROR(tensor(std::vector<float>{1, 2, 3}, {2, 2}),
                     "3 values do not fill sizes [2, 2]");
  EXPECT_EMBER_ERROR(t.permute({0, 0}), "dim 0 repeated");
}

TEST(Tensor, RowSparse) {
  // ids [4, 1, 4] with rows a, b, c coalesce to ids [1, 4] with rows b, a + c.
  Tensor rows = tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor s = row_sparse(tensor({4, 1, 4}), rows, {6, 2});
  EXPECT_TRUE(s.is_row_sparse());
  EXPECT_EQ(s.indices().to_vector<int64_t>(), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(s.values().to_vector<float>(), (std::vector<float>{3, 4, 6, 8}));
  Tensor dense = s.to_dense();
  EXPECT_EQ(dense.to_vector<float>(), (std::vector<float>{0, 0, 3, 4, 0, 0, 0, 0, 6, 8, 0, 0}));
  EXPECT_EMBER_ERROR(row_sparse(tensor({7}), zeros({1, 2}), {6, 2}),
                     "index 7 at position 0 out of range for 6 rows");
}

}  // namespace
}  // namespace ember
