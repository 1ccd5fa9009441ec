// Parity with PyTorch for the losses and similarities: the cases that
// tests/golden/make_golden_loss.py saved (outputs and input gradients), checked with
// tests/golden.h. Class weights and pos_weight are inputs without a golden gradient.
#include <ember/nn/functional/distance.h>
#include <ember/nn/functional/loss.h>

#include "golden.h"

namespace ember {
namespace {

using namespace ::ember::golden;  // NOLINT: the test file is all golden checks
namespace F = ::ember::nn::functional;
using nn::Reduction;

Reduction reduction_of(const GoldenCase& c) {
  const std::string& r = c.text("reduction");
  if (r == "mean") return Reduction::kMean;
  if (r == "sum") return Reduction::kSum;
  EMBER_CHECK(r == "none", c.where(), ": unknown reduction ", r);
  return Reduction::kNone;
}

// An optional input (a class weight, pos_weight): undefined when the case has none.
Tensor maybe(const Args& a, const std::string& name) {
  auto it = a.find(name);
  return it == a.end() ? Tensor() : it->second;
}

int64_t ignore_index_of(const GoldenCase& c) {
  return c.has("ignore_index") ? c.integer("ignore_index") : -100;
}

TEST(LossParity, CrossEntropy) {
  check_op("cross_entropy", [](const GoldenCase& c, const Args& a) {
    double smoothing = c.has("label_smoothing") ? c.real("label_smoothing") : 0.0;
    return out(F::cross_entropy(arg(a, "input"), arg(a, "target"), maybe(a, "weight"),
                                ignore_index_of(c), reduction_of(c), smoothing));
  });
}

TEST(LossParity, NllLoss) {
  check_op("nll_loss", [](const GoldenCase& c, const Args& a) {
    return out(F::nll_loss(arg(a, "input"), arg(a, "target"), maybe(a, "weight"),
                           ignore_index_of(c), reduction_of(c)));
  });
}

TEST(LossParity, BinaryCrossEntropy) {
  check_op("binary_cross_entropy", [](const GoldenCase& c, const Args& a) {
    return out(F::binary_cross_entropy(arg(a, "input"), arg(a, "target"), maybe(a, "weight"),
                                       reduction_of(c)));
  });
  check_op("binary_cross_entropy_with_logits", [](const GoldenCase& c, const Args& a) {
    return out(F::binary_cross_entropy_with_logits(arg(a, "input"), arg(a, "target"),
                                                   maybe(a, "weight"), maybe(a, "pos_weight"),
                                                   reduction_of(c)));
  });
}

TEST(LossParity, MseLoss) {
  check_op("mse_loss", [](const GoldenCase& c, const Args& a) {
    return out(F::mse_loss(arg(a, "input"), arg(a, "target"), reduction_of(c)));
  });
}

TEST(LossParity, EmbeddingLosses) {
  check_op("negative_sampling_loss", [](const GoldenCase& c, const Args& a) {
    return out(F::negative_sampling_loss(arg(a, "pos"), arg(a, "neg"), reduction_of(c)));
  });
  check_op("kl_normal", [](const GoldenCase& c, const Args& a) {
    return out(F::kl_normal(arg(a, "mu"), arg(a, "logvar"), reduction_of(c)));
  });
}

TEST(LossParity, SimilarityAndDistance) {
  check_op("cosine_similarity", [](const GoldenCase& c, const Args& a) {
    return out(F::cosine_similarity(arg(a, "x1"), arg(a, "x2"), c.integer("dim"), c.real("eps")));
  });
  check_op("normalize", [](const GoldenCase& c, const Args& a) {
    return out(F::normalize(arg(a, "x"), c.real("p"), c.integer("dim"), c.real("eps")));
  });
  check_op("pairwise_distance", [](const GoldenCase& c, const Args& a) {
    return out(F::pairwise_distance(arg(a, "x1"), arg(a, "x2"), c.real("p"), c.real("eps"),
                                    c.integer("keepdim") != 0));
  });
}

}  // namespace
}  // namespace ember
