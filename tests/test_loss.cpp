// Losses and similarities: values worked by hand, gradcheck of every option combination,
// stability at logits of +-1000, the error messages, and the loss modules.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <ember/nn/functional/distance.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/loss.h>

#include "testing.h"

namespace ember {
namespace {

namespace F = ::ember::nn::functional;
using ember::testing::all_close;
using nn::Reduction;

const Reduction kReductions[] = {Reduction::kMean, Reduction::kSum, Reduction::kNone};

const char* name_of(Reduction r) {
  return r == Reduction::kMean ? "mean" : r == Reduction::kSum ? "sum" : "none";
}

Tensor f64(std::vector<double> values, Shape sizes) { return tensor(values, sizes, kFloat64); }
Tensor ids(std::vector<int64_t> values, Shape sizes) { return tensor(values, sizes, kInt64); }

// A float64 leaf of normal values, fixed by seed.
Tensor leaf(Shape sizes, uint64_t seed, double scale = 1.0) {
  Generator gen(seed);
  Tensor x = (randn(sizes, &gen, kFloat64) * scale).detach();
  return x.requires_grad_(true);
}

// A float64 leaf of uniform values in [low, high].
Tensor uniform_leaf(Shape sizes, uint64_t seed, double low, double high) {
  Generator gen(seed);
  Tensor x = (rand(sizes, &gen, kFloat64) * (high - low) + low).detach();
  return x.requires_grad_(true);
}

// ---- cross entropy and nll ----

TEST(LossCrossEntropy, ValuesByHand) {
  // Row 0: logits 1, 2, 3, target 2; row 1: logits 0, 0, 0, target 0.
  Tensor x = f64({1, 2, 3, 0, 0, 0}, {2, 3});
  Tensor t = ids({2, 0}, {2});
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double l0 = lse0 - 3, l1 = std::log(3.0);
  EXPECT_TRUE(all_close(F::cross_entropy(x, t, {}, -100, Reduction::kNone), f64({l0, l1}, {2})));
  EXPECT_NEAR(F::cross_entropy(x, t).item(), (l0 + l1) / 2, 1e-12);
  EXPECT_NEAR(F::cross_entropy(x, t, {}, -100, Reduction::kSum).item(), l0 + l1, 1e-12);
  // Weights: the mean divides by the targets' weights, 3 + 0.5.
  Tensor w = f64({0.5, 1, 3}, {3});
  EXPECT_NEAR(F::cross_entropy(x, t, w).item(), (3 * l0 + 0.5 * l1) / 3.5, 1e-12);
  // An ignored position adds nothing and leaves the denominator.
  EXPECT_NEAR(F::cross_entropy(x, ids({2, -100}, {2})).item(), l0, 1e-12);
  EXPECT_NEAR(F::cross_entropy(x, ids({7, 0}, {2}), {}, 7).item(), l1, 1e-12);
  // Label smoothing e: (1 - e) nll + e/C sum_c (lse - x_c).
  const double e = 0.3, smooth0 = (3 * lse0 - 6) / 3;
  EXPECT_NEAR(F::cross_entropy(x, t, {}, -100, Reduction::kNone, e)[0].item(),
              (1 - e) * l0 + e * smooth0, 1e-12);
  // Equals log_softmax then nll_loss, with every option.
  Tensor nll = F::nll_loss(log_softmax(x, 1), ids({2, -100}, {2}), w, -100, Reduction::kNone);
  EXPECT_TRUE(all_close(F::cross_entropy(x, ids({2, -100}, {2}), w, -100, Reduction::kNone), nll));
}

TEST(LossCrossEntropy, GradcheckEveryOption) {
  struct Layout {
    const char* name;
    Shape input;
    Tensor target, target_ignored;
  };
  std::vector<Layout> layouts = {
      {"[N,C]", {4, 5}, ids({1, 0, 4, 2}, {4}), ids({1, -100, 4, -100}, {4})},
      {"[N,C,d]",
       {2, 4, 3},
       ids({0, 3, 1, 2, 2, 1}, {2, 3}),
       ids({0, -100, 1, 2, 2, -100}, {2, 3})},
      {"[C]", {5}, scalar_tensor(3, kInt64), scalar_tensor(3, kInt64)},
  };
  for (const Layout& l : layouts) {
    const int64_t classes = l.input.size() == 1 ? l.input[0] : l.input[1];
    Tensor x = leaf(l.input, 1);
    Tensor w = uniform_leaf({classes}, 2, 0.2, 2.0).detach();
    for (bool weighted : {false, true})
      for (bool ignored : {false, true})
        for (double smoothing : {0.0, 0.2})
          for (Reduction r : kReductions) {
            Tensor t = ignored ? l.target_ignored : l.target;
            Tensor wt = weighted ? w : Tensor();
            auto ce = [&](const std::vector<Tensor>& in) {
              return F::cross_entropy(in[0], t, wt, -100, r, smoothing);
            };
            EXPECT_TRUE(gradcheck(ce, {x}).ok)
                << "cross_entropy " << l.name << " weight " << weighted << " ignore " << ignored
                << " smoothing " << smoothing << " " << name_of(r);
            if (smoothing != 0) continue;
            auto nll = [&](const std::vector<Tensor>& in) {
              return F::nll_loss(in[0], t, wt, -100, r);
            };
            EXPECT_TRUE(gradcheck(nll, {x}).ok) << "nll_loss " << l.name << " weight " << weighted
                                                << " ignore " << ignored << " " << name_of(r);
          }
  }
}

TEST(LossCrossEntropy, StableAtLargeLogits) {
  for (DType dtype : {kFloat64, kFloat32}) {
    Tensor x = tensor(std::vector<double>{1000, -1000, 0, -1000, 1000, 1000}, {2, 3}, dtype);
    x.requires_grad_(true);
    Tensor loss = F::cross_entropy(x, ids({1, 2}, {2}), {}, -100, Reduction::kNone);
    // Row 0: lse = 1000, loss 2000; row 1: lse = 1000 + log 2, loss log 2.
    EXPECT_TRUE(all_close(loss, tensor(std::vector<double>{2000, std::log(2.0)}, {2}, dtype)))
        << dtype;
    loss.sum().backward();
    Tensor expected = tensor(std::vector<double>{1, -1, 0, 0, 0.5, -0.5}, {2, 3}, dtype);
    EXPECT_TRUE(all_close(x.grad(), expected)) << dtype;
    Tensor smoothed = F::cross_entropy(x, ids({1, 2}, {2}), {}, -100, Reduction::kSum, 0.1);
    EXPECT_TRUE(std::isfinite(smoothed.item())) << dtype;
  }
}

TEST(LossCrossEntropy, EmptyAndAllIgnored) {
  Tensor x = leaf({3, 4}, 3);
  Tensor none_left = ids({-100, -100, -100}, {3});
  EXPECT_TRUE(std::isnan(F::cross_entropy(x, none_left).item()));  // 0 / 0, as PyTorch
  EXPECT_EQ(F::cross_entropy(x, none_left, {}, -100, Reduction::kSum).item(), 0.0);
  Tensor loss = F::cross_entropy(x, none_left, {}, -100, Reduction::kSum);
  loss.backward();
  EXPECT_TRUE(all_close(x.grad(), zeros({3, 4}, kFloat64)));
  EXPECT_EQ(F::nll_loss(zeros({0, 4}), ids({}, {0}), {}, -100, Reduction::kSum).item(), 0.0);
}

TEST(LossCrossEntropy, Errors) {
  Tensor x = zeros({3, 5});
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 5, 1}, {3})), "target 5 at position [1]");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 5, 1}, {3})), "out of range for 5 classes");
  EXPECT_EMBER_ERROR(F::nll_loss(x, ids({-1, 0, 1}, {3})), "nll_loss: target -1 at position [0]");
  EXPECT_EMBER_ERROR(F::cross_entropy(zeros({2, 5, 3}), ids({0, 1, 2, 0, 9, 1}, {2, 3})),
                     "target 9 at position [1, 1]");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 1}, {2})),
                     "target sizes [2] do not match input [3, 5] (expected [3])");
  EXPECT_EMBER_ERROR(F::cross_entropy(zeros({2, 5, 3}), ids({0, 1}, {2})), "expected [2, 3]");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, zeros({3})), "int64 class indices");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 1, 2}, {3}), ones({4})), "weight must be [5]");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 1, 2}, {3}), ones({5}, kFloat64)), "dtype");
  EXPECT_EMBER_ERROR(F::cross_entropy(x, ids({0, 1, 2}, {3}), {}, -100, Reduction::kMean, 1.5),
                     "label_smoothing");
  EXPECT_EMBER_ERROR(F::cross_entropy(scalar_tensor(1.0), ids({0}, {})), "class dim");
}

// ---- binary losses ----

TEST(LossBinary, BceValuesAndClamp) {
  Tensor p = f64({0.25, 0.5, 0, 1}, {4});
  Tensor t = f64({1, 0, 1, 1}, {4});
  Tensor loss = F::binary_cross_entropy(p, t, {}, Reduction::kNone);
  EXPECT_TRUE(all_close(loss, f64({-std::log(0.25), std::log(2.0), 100, 0}, {4})));
  Tensor w = f64({2, 1, 1, 1}, {4});
  EXPECT_NEAR(F::binary_cross_entropy(p, t, w).item(),
              (-2 * std::log(0.25) + std::log(2.0) + 100) / 4, 1e-12);
}

TEST(LossBinary, Gradcheck) {
  Tensor p = uniform_leaf({3, 4}, 4, 0.05, 0.95);
  Tensor t = uniform_leaf({3, 4}, 5, 0.0, 1.0);
  Tensor x = leaf({3, 4}, 6, 2.0);
  Tensor w = uniform_leaf({4}, 7, 0.2, 2.0).detach();
  Tensor q = uniform_leaf({4}, 8, 0.2, 3.0).detach();
  for (Reduction r : kReductions) {
    for (bool weighted : {false, true}) {
      Tensor wt = weighted ? w : Tensor();
      auto bce = [&](const std::vector<Tensor>& in) {
        return F::binary_cross_entropy(in[0], in[1], wt, r);
      };
      EXPECT_TRUE(gradcheck(bce, {p, t}).ok) << "bce weight " << weighted << " " << name_of(r);
      for (bool pos : {false, true}) {
        Tensor qt = pos ? q : Tensor();
        auto logits = [&](const std::vector<Tensor>& in) {
          return F::binary_cross_entropy_with_logits(in[0], in[1], wt, qt, r);
        };
        EXPECT_TRUE(gradcheck(logits, {x, t}).ok)
            << "bce_with_logits weight " << weighted << " pos_weight " << pos << " " << name_of(r);
      }
    }
    auto mse = [&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1], r); };
    EXPECT_TRUE(gradcheck(mse, {x, t}).ok) << "mse " << name_of(r);
  }
  // The target alone may require grad, and a broadcast target in mse.
  auto only_target = [&](const std::vector<Tensor>& in) {
    return F::binary_cross_entropy(p.detach(), in[0]);
  };
  EXPECT_TRUE(gradcheck(only_target, {t}).ok);
  auto mse_broadcast = [&](const std::vector<Tensor>& in) { return F::mse_loss(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(mse_broadcast, {x, leaf({4}, 9)}).ok);
}

TEST(LossBinary, WithLogitsStableAtLargeLogits) {
  for (DType dtype : {kFloat64, kFloat32}) {
    auto make = [dtype](std::vector<double> v) { return tensor(v, {int64_t(v.size())}, dtype); };
    Tensor x = make({1000, -1000, 1000, -1000, 0});
    x.requires_grad_(true);
    Tensor t = make({1, 0, 0, 1, 1});
    Tensor loss = F::binary_cross_entropy_with_logits(x, t, {}, {}, Reduction::kNone);
    EXPECT_TRUE(all_close(loss, make({0, 0, 1000, 1000, std::log(2.0)}))) << dtype;
    loss.sum().backward();
    EXPECT_TRUE(all_close(x.grad(), make({0, 0, 1, -1, -0.5}))) << dtype;
    Tensor q = make({3});
    Tensor weighted = F::binary_cross_entropy_with_logits(x, t, {}, q, Reduction::kNone);
    EXPECT_TRUE(all_close(weighted, make({0, 0, 1000, 3000, 3 * std::log(2.0)}))) << dtype;
  }
}

TEST(LossBinary, Errors) {
  EXPECT_EMBER_ERROR(F::binary_cross_entropy(f64({0.5, 1.5}, {2}), f64({1, 0}, {2})),
                     "input 1.5 at position [1] is not a probability in [0, 1]");
  EXPECT_EMBER_ERROR(F::binary_cross_entropy(f64({0.5, 0.5}, {2}), f64({1, 0, 1}, {3})),
                     "target sizes [3] must equal input sizes [2]");
  EXPECT_EMBER_ERROR(F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), ones({2})),
                     "weight [2] does not broadcast to the input [2, 3]");
  EXPECT_EMBER_ERROR(
      F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), {}, ones({4})),
      "pos_weight [4]");
  EXPECT_EMBER_ERROR(F::binary_cross_entropy_with_logits(zeros({2}), zeros({2}, kFloat64)),
                     "dtype");
}

// ---- the embedding models' losses ----

TEST(LossEmbedding, NegativeSampling) {
  Tensor pos = f64({0.5, -1}, {2});
  Tensor neg = f64({1, -2, 0, 3}, {2, 2});
  auto nls = [](double v) { return -std::log(1 / (1 + std::exp(-v))); };  // -logsigmoid
  const double l0 = nls(0.5) + nls(-1) + nls(2), l1 = nls(-1) + nls(0) + nls(-3);
  EXPECT_TRUE(all_close(F::negative_sampling_loss(pos, neg, Reduction::kNone), f64({l0, l1}, {2})));
  EXPECT_NEAR(F::negative_sampling_loss(pos, neg).item(), (l0 + l1) / 2, 1e-12);
  for (Reduction r : kReductions) {
    auto f = [r](const std::vector<Tensor>& in) {
      return F::negative_sampling_loss(in[0], in[1], r);
    };
    EXPECT_TRUE(gradcheck(f, {leaf({3}, 10), leaf({3, 4}, 11)}).ok) << name_of(r);
  }
  Tensor huge = F::negative_sampling_loss(f64({-800}, {1}), f64({800}, {1, 1}));
  EXPECT_NEAR(huge.item(), 1600, 1e-9);
  EXPECT_EMBER_ERROR(F::negative_sampling_loss(pos, zeros({3, 2}, kFloat64)),
                     "expected pos_score [B] and neg_score [B, K], got [2] and [3, 2]");
}

TEST(LossEmbedding, KlNormal) {
  Tensor mu = f64({0, 1, 0.5, -1}, {2, 2});
  Tensor logvar = f64({0, 0, std::log(2.0), -1}, {2, 2});
  auto term = [](double m, double lv) { return -0.5 * (1 + lv - m * m - std::exp(lv)); };
  const double r0 = term(0, 0) + term(1, 0);
  const double r1 = term(0.5, std::log(2.0)) + term(-1, -1);
  EXPECT_TRUE(all_close(F::kl_normal(mu, logvar, Reduction::kNone), f64({r0, r1}, {2})));
  EXPECT_NEAR(F::kl_normal(mu, logvar).item(), r0 + r1, 1e-12);
  EXPECT_NEAR(F::kl_normal(mu, logvar, Reduction::kMean).item(), (r0 + r1) / 2, 1e-12);
  EXPECT_EQ(F::kl_normal(zeros({3, 4}), zeros({3, 4})).item(), 0.0);  // N(0, 1) itself
  for (Reduction r : kReductions) {
    auto f = [r](const std::vector<Tensor>& in) { return F::kl_normal(in[0], in[1], r); };
    EXPECT_TRUE(gradcheck(f, {leaf({2, 3, 4}, 12), leaf({2, 3, 4}, 13, 0.5)}).ok) << name_of(r);
  }
  EXPECT_EMBER_ERROR(F::kl_normal(zeros({2, 3}), zeros({3, 2})), "equal sizes");
}

// ---- similarity and distance ----

TEST(LossSimilarity, CosineValues) {
  Tensor a = f64({1, 0, 0, 2, 1, 1}, {3, 2});
  Tensor b = f64({3, 0, 0, -1, -2, -2}, {3, 2});
  EXPECT_TRUE(all_close(F::cosine_similarity(a, b), f64({1, -1, -1}, {3})));
  EXPECT_NEAR(F::cosine_similarity(f64({1, 0}, {2}), f64({0, 5}, {2}), 0).item(), 0, 1e-15);
  // A zero vector: each norm is clamped at eps on its own, so the similarity is 0.
  EXPECT_EQ(F::cosine_similarity(zeros({1, 3}), ones({1, 3})).item(), 0.0);
  // One word against a table of 4: [1, D] x [4, D] -> [4].
  Tensor table = leaf({4, 3}, 14).detach();
  Tensor scores = F::cosine_similarity(table.select(0, 2).unsqueeze(0), table);
  EXPECT_EQ(scores.sizes(), (Shape{4}));
  EXPECT_NEAR(scores[2].item(), 1.0, 1e-12);
  EXPECT_EQ(F::cosine_similarity(zeros({2, 3}), zeros({4, 1, 3}), 0).sizes(), (Shape{2, 3}));
  EXPECT_EMBER_ERROR(F::cosine_similarity(zeros({3}), zeros({3}), 1), "out of range");
  EXPECT_EMBER_ERROR(F::cosine_similarity(zeros({3}), zeros({3}, kFloat64), 0), "dtype");
}

TEST(LossSimilarity, Gradcheck) {
  auto cosine = [](int64_t dim) {
    return [dim](const std::vector<Tensor>& in) { return F::cosine_similarity(in[0], in[1], dim); };
  };
  EXPECT_TRUE(gradcheck(cosine(1), {leaf({3, 4}, 15), leaf({3, 4}, 16)}).ok);
  EXPECT_TRUE(gradcheck(cosine(-1), {leaf({2, 3, 4}, 17), leaf({3, 4}, 18)}).ok);
  EXPECT_TRUE(gradcheck(cosine(0), {leaf({2, 3}, 19), leaf({4, 1, 3}, 20)}).ok);
  EXPECT_TRUE(gradcheck(cosine(1), {leaf({1, 5}, 21), leaf({6, 5}, 22)}).ok);
  for (double p : {1.0, 2.0, 3.0}) {
    auto normalize = [p](const std::vector<Tensor>& in) { return F::normalize(in[0], p, 1); };
    EXPECT_TRUE(gradcheck(normalize, {leaf({3, 4}, 23)}).ok) << "normalize p " << p;
    auto distance = [p](const std::vector<Tensor>& in) {
      return F::pairwise_distance(in[0], in[1], p);
    };
    EXPECT_TRUE(gradcheck(distance, {leaf({3, 4}, 24), leaf({1, 4}, 25)}).ok) << "distance " << p;
  }
  Tensor unit = F::normalize(leaf({5, 3}, 26).detach());
  EXPECT_TRUE(all_close(norm(unit, 2.0, {1}), ones({5}, kFloat64), 1e-12, 1e-12));
  EXPECT_TRUE(all_close(F::normalize(zeros({2, 3})), zeros({2, 3})));
  EXPECT_NEAR(F::pairwise_distance(f64({0, 0}, {1, 2}), f64({3, 4}, {1, 2}), 2, 0).item(), 5,
              1e-12);
}

// ---- modules ----

TEST(LossModules, ForwardMatchesFunctional) {
  Tensor x = leaf({4, 3}, 27);
  Tensor t = ids({0, 2, -100, 1}, {4});
  Tensor w = f64({1, 2, 0.5}, {3});
  nn::CrossEntropyLoss ce({w, -100, Reduction::kSum, 0.1});
  EXPECT_TRUE(all_close(ce(x, t), F::cross_entropy(x, t, w, -100, Reduction::kSum, 0.1)));
  auto state = ce.state_dict();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_TRUE(all_close(state.at("weight"), w));
  EXPECT_TRUE(nn::CrossEntropyLoss().state_dict().empty());
  EXPECT_EMBER_ERROR(ce.forward(x), "CrossEntropyLoss: this module has no forward(Tensor)");

  nn::NLLLoss nll;
  EXPECT_TRUE(all_close(nll(log_softmax(x, 1), t), F::cross_entropy(x, t)));

  Tensor p = uniform_leaf({4, 3}, 28, 0.1, 0.9);
  Tensor target = uniform_leaf({4, 3}, 29, 0, 1).detach();
  nn::BCELoss bce(w, Reduction::kNone);
  EXPECT_TRUE(all_close(bce(p, target), F::binary_cross_entropy(p, target, w, Reduction::kNone)));
  nn::BCEWithLogitsLoss logits({}, w);
  EXPECT_EQ(logits.state_dict().count("pos_weight"), 1u);
  EXPECT_TRUE(all_close(logits(x, target), F::binary_cross_entropy_with_logits(x, target, {}, w)));
  nn::MSELoss mse;
  EXPECT_TRUE(all_close(mse(x, target), F::mse_loss(x, target)));
  nn::NegativeSamplingLoss skipgram;
  Tensor pos = leaf({4}, 30), neg = leaf({4, 3}, 31);
  EXPECT_TRUE(all_close(skipgram(pos, neg), F::negative_sampling_loss(pos, neg)));

  // A module in a training step: the gradient reaches the logits.
  ce(x, t).backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().sizes(), x.sizes());
}

}  // namespace
}  // namespace ember
