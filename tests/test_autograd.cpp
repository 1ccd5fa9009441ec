// The engine: accumulation, retain_graph, detach, no_grad, freezing, row-sparse gradients,
// deep graphs, and gradcheck of the view ops.
#include "testing.h"

#include <ember/autograd/node.h>

namespace ember {
namespace {

using ::ember::testing::all_close;

Tensor leaf(const Shape& sizes, uint64_t seed) {
  Generator g(seed);
  return randn(sizes, &g, kFloat64).requires_grad_();
}

TEST(Autograd, AccumulatesAcrossBackwardCalls) {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  x.view({3, 1}).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1, 1}));
  x.view({3}).sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2}));
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(x.view({3}).is_leaf());
}

TEST(Autograd, SharedInputGetsBothGradients) {
  // y = x.t() + x.t(): the same leaf reached along two paths.
  Tensor x = leaf({2, 2}, 1);
  Tensor y = add(x.t(), x.t());
  y.backward(ones({2, 2}, kFloat64));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2, 2}));
}

TEST(Autograd, RetainGraph) {
  Tensor x = leaf({3}, 2);
  Tensor y = x.unsqueeze(0).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2, 2, 2}));
  EXPECT_EMBER_ERROR(y.backward(), "a second time");
}

TEST(Autograd, DetachNoGradAndFreeze) {
  Tensor x = leaf({3}, 3);
  EXPECT_FALSE(x.detach().requires_grad());
  {
    NoGradGuard guard;
    EXPECT_FALSE(x.view({3}).requires_grad());
  }
  EXPECT_TRUE(x.view({3}).requires_grad());
  x.requires_grad_(false);
  EXPECT_FALSE(x.view({3}).requires_grad());
  EXPECT_EMBER_ERROR(x.view({3}).sum().backward(), "does not require grad");
  EXPECT_EMBER_ERROR(arange(3).requires_grad_(), "only floating-point tensors");
}

TEST(Autograd, InPlaceOnALeafNeedsNoGrad) {
  Tensor x = leaf({3}, 4);
  EXPECT_EMBER_ERROR(x.fill_(0), "cannot be modified in place while grad mode is on");
  NoGradGuard guard;
  x.fill_(0);
  EXPECT_EQ(x.to_vector<double>(), (std::vector<double>{0, 0, 0}));
}

TEST(Autograd, ImplicitGradientOnlyForOneElement) {
  Tensor x = leaf({3}, 5);
  EXPECT_EMBER_ERROR(x.view({3}).backward(), "implied only for a one-element output");
  EXPECT_EMBER_ERROR(x.view({3}).backward(ones({2}, kFloat64)), "do not match");
}

TEST(Autograd, RowSparseGradientsStaySparse) {
  // Two backward passes each hand the leaf a row-sparse gradient: the sum stays row-sparse.
  Tensor w = zeros({5, 2}, kFloat64).requires_grad_();
  auto embed_like = [&](std::vector<int64_t> ids) {
    Tensor rows = ones({int64_t(ids.size()), 2}, kFloat64);
    Tensor grad = row_sparse(tensor(ids, {int64_t(ids.size())}), rows, {5, 2});
    return autograd::record("FakeEmbeddingBackward", zeros({1}, kFloat64), {w},
                            [grad](const Tensor&) { return std::vector<Tensor>{grad}; });
  };
  embed_like({1, 3, 1}).backward(ones({1}, kFloat64));
  embed_like({3, 4}).backward(ones({1}, kFloat64));
  Tensor g = w.grad();
  ASSERT_TRUE(g.is_row_sparse());
  EXPECT_EQ(g.indices().to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(g.to_dense().to_vector<double>(), (std::vector<double>{0, 0, 2, 2, 0, 0, 2, 2, 1, 1}));
}

TEST(Autograd, DeepGraphDoesNotRecurse) {
  // 100,000 chained views: a recursive walk would overflow the stack.
  Tensor x = leaf({2}, 6);
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y.view({2});
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1}));
}

TEST(Autograd, GradcheckViews) {
  Tensor x = leaf({3, 4}, 7);
  auto check = [&](std::function<Tensor(const Tensor&)> f) {
    auto result = gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    EXPECT_TRUE(result.ok) << result.report;
  };
  check([](const Tensor& a) { return a.view({4, 3}); });
  check([](const Tensor& a) { return a.t().reshape({12}); });
  check([](const Tensor& a) { return a.permute({1, 0}).contiguous(); });
  check([](const Tensor& a) { return a.unsqueeze(1).squeeze(1); });
  check([](const Tensor& a) { return a.slice(1, 1, 4, 2); });
  check([](const Tensor& a) { return a.narrow(0, 1, 2); });
  check([](const Tensor& a) { return a.select(1, -1); });
  check([](const Tensor& a) { return a.unsqueeze(0).expand({2, 3, 4}); });
  check([](const Tensor& a) { return a.slice(0, 0, 1).expand({5, 4}); });
  check([](const Tensor& a) { return a.flatten().clone(); });
}

TEST(Autograd, DTypeCastPassesGradientBack) {
  // A float32 round trip loses the precision finite differences need, so check it directly.
  Tensor x = leaf({3}, 9);
  x.to(kFloat32).sum().backward();
  EXPECT_EQ(x.grad().dtype(), kFloat64);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 1, 1}));
}

TEST(Autograd, GradcheckCatchesAWrongFormula) {
  Tensor x = leaf({3}, 8);
  auto doubled_with_wrong_backward = [](const std::vector<Tensor>& in) {
    Tensor out = in[0].detach().clone();
    out.mul_(2.0);
    return autograd::record("WrongBackward", out, {in[0]}, [](const Tensor& g) {
      return std::vector<Tensor>{g.clone()};  // the true derivative of 2x is 2, not 1
    });
  };
  GradcheckResult result = gradcheck(doubled_with_wrong_backward, {x});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.report.find("numeric 2 vs analytic 1"), std::string::npos) << result.report;
}

}  // namespace
}  // namespace ember
