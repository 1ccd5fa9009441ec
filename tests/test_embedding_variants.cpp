// The seeds' embedding variants (models/embedding_variant_models.h): each one's gradient by finite
// differences (gradcheck, float64), its defining behaviour (bag modes, positions, frozen
// rows that never move under Adam or SGD with weight decay, eval determinism, the KL closed
// form, the compressed parameter count), its errors, and its forward and weight gradients
// against the seeds' PyTorch classes (tests/golden/embedding_variants.txt).
#include <cmath>
#include <map>
#include <string>

#include <ember/models/embedding_variant_models.h>

#include "golden.h"
#include "testing.h"

namespace ember {
namespace {

using models::AdaptiveEmbedding;
using models::CompressedEmbedding;
using models::ConditionalEmbedding;
using models::EmbeddingBagModel;
using models::PartiallyFrozenEmbedding;
using models::PositionalEmbedding;
using models::RegularizedEmbedding;
using models::VariationalEmbedding;
using testing::all_close;

// Converts the module to float64 and checks d forward / d every trainable parameter.
void expect_gradcheck(nn::Module& model, const std::function<Tensor()>& forward) {
  model.to(kFloat64);
  GradcheckResult result =
      gradcheck([&](const std::vector<Tensor>&) { return forward(); }, model.parameters());
  EXPECT_TRUE(result) << model.type_name() << ": " << result.report;
}

// Bit-for-bit equality (all_close with zero tolerance still allows -0 == +0).
bool same_bits(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.to_vector<float>() == b.to_vector<float>();
}

// ---- EmbeddingBagModel ----

TEST(EmbeddingVariants, BagModesSumMeanMax) {
  Tensor ids = tensor({1, 2, 3, 4, 5, 6});
  Tensor offsets = tensor({0, 3});  // bags [1, 2, 3] and [4, 5, 6]
  for (nn::BagMode mode : {nn::BagMode::kSum, nn::BagMode::kMean, nn::BagMode::kMax}) {
    Generator gen(1);
    EmbeddingBagModel model(8, 4, mode, &gen);
    Tensor out = model.forward(ids, offsets);
    ASSERT_EQ(out.sizes(), (Shape{2, 4}));
    Tensor rows = model.embedding_bag->weight.detach().slice(0, 1, 7).reshape({2, 3, 4});
    Tensor expected = mode == nn::BagMode::kSum    ? sum(rows, {1})
                      : mode == nn::BagMode::kMean ? mean(rows, {1})
                                                   : max(rows, 1).values;
    EXPECT_TRUE(all_close(out, expected));
    // The same bags as rows of a [B, L] batch.
    EXPECT_TRUE(all_close(model.forward(ids.reshape({2, 3})), out, 0, 0));
  }
}

TEST(EmbeddingVariants, BagGradcheck) {
  for (nn::BagMode mode : {nn::BagMode::kSum, nn::BagMode::kMean, nn::BagMode::kMax}) {
    Generator gen(2);
    EmbeddingBagModel model(6, 3, mode, &gen);
    expect_gradcheck(model, [&] { return model.forward(tensor({0, 2, 2, 5, 1}), tensor({0, 2})); });
  }
}

TEST(EmbeddingVariants, BagErrorsNameTheId) {
  EmbeddingBagModel model(5, 2);
  EXPECT_EMBER_ERROR(model.forward(tensor({1, 9}), tensor({0})), "9");
}

// ---- PositionalEmbedding ----

TEST(EmbeddingVariants, PositionalDiffersByPosition) {
  Generator gen(3);
  PositionalEmbedding model(10, 8, 16, &gen);
  model.eval();
  Tensor out = model.forward(tensor(std::vector<int64_t>{4, 4, 4}, {1, 3}));  // one word thrice
  ASSERT_EQ(out.sizes(), (Shape{1, 3, 8}));
  EXPECT_FALSE(all_close(out[0][0], out[0][1], 1e-3, 1e-3));
  EXPECT_FALSE(all_close(out[0][1], out[0][2], 1e-3, 1e-3));
  // LayerNorm with its initial weight 1 and bias 0: each vector has mean 0, variance 1.
  EXPECT_NEAR(mean(out[0][1]).item<float>(), 0.0, 1e-5);
  EXPECT_NEAR(mean(out[0][1] * out[0][1]).item<float>(), 1.0, 1e-3);
  // The default positions are 0..T-1 for each row.
  Tensor ids = tensor(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor positions = tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2}, {2, 3});
  EXPECT_TRUE(all_close(model.forward(ids), model.forward(ids, positions), 0, 0));
}

TEST(EmbeddingVariants, PositionalDropoutOnlyWhileTraining) {
  Generator gen(4);
  PositionalEmbedding model(10, 32, 8, &gen);
  Tensor ids = randint(0, 10, {4, 8}, &gen);
  Tensor trained = model.forward(ids);
  EXPECT_GT(sum(eq(trained, 0.0).to(kFloat32)).item<float>(), 0.0f);  // p = 0.1 of 1024
  model.eval();
  EXPECT_TRUE(all_close(model.forward(ids), model.forward(ids), 0, 0));
  EXPECT_EQ(sum(eq(model.forward(ids), 0.0).to(kFloat32)).item<float>(), 0.0f);
}

TEST(EmbeddingVariants, PositionalGradcheck) {
  Generator gen(5);
  PositionalEmbedding model(5, 3, 4, &gen);
  model.eval();
  Tensor ids = tensor(std::vector<int64_t>{1, 3, 1, 0, 4, 2}, {2, 3});
  expect_gradcheck(model, [&] { return model.forward(ids); });
}

TEST(EmbeddingVariants, PositionalErrors) {
  PositionalEmbedding model(5, 3, 4);
  EXPECT_EMBER_ERROR(model.forward(zeros({2, 6}, kInt64)),
                     "sequence length 6 exceeds max_length 4");
  EXPECT_EMBER_ERROR(model.forward(zeros({6}, kInt64)), "input_ids must be [B, T]");
  EXPECT_EMBER_ERROR(model.forward(zeros({2, 3}, kInt64), zeros({3}, kInt64)), "position_ids");
}

// ---- ConditionalEmbedding ----

TEST(EmbeddingVariants, ConditionalBroadcastsOneConditionPerSequence) {
  Generator gen(6);
  ConditionalEmbedding model(10, 4, 3, &gen);
  Tensor ids = tensor(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor per_sequence = model.forward(ids, tensor({2, 0}));
  Tensor per_token = model.forward(ids, tensor(std::vector<int64_t>{2, 2, 2, 0, 0, 0}, {2, 3}));
  ASSERT_EQ(per_sequence.sizes(), (Shape{2, 3, 4}));
  EXPECT_TRUE(all_close(per_sequence, per_token, 0, 0));
  EXPECT_LT(max(abs(per_sequence)).item<float>(), 1.0f);  // tanh
  // Another condition changes the embedding of the same words.
  EXPECT_FALSE(all_close(model.forward(ids, tensor({1, 0}))[0], per_sequence[0], 1e-3, 1e-3));
}

TEST(EmbeddingVariants, ConditionalGradcheck) {
  Generator gen(7);
  ConditionalEmbedding model(5, 3, 2, &gen);
  Tensor ids = tensor(std::vector<int64_t>{1, 3, 1, 0, 4, 2}, {2, 3});
  expect_gradcheck(model, [&] { return model.forward(ids, tensor({1, 0})); });
}

TEST(EmbeddingVariants, ConditionalErrorsNameTheSizes) {
  ConditionalEmbedding model(5, 3, 2);
  EXPECT_EMBER_ERROR(model.forward(zeros({2, 3}, kInt64), zeros({3}, kInt64)),
                     "condition_ids of sizes [3] must be [B] or match input_ids of sizes [2, 3]");
}

// ---- RegularizedEmbedding ----

TEST(EmbeddingVariants, RegularizedDropsWeightsOnlyWhileTraining) {
  Generator gen(8);
  RegularizedEmbedding model(50, 20, /*dropout=*/0.0, /*weight_dropout=*/0.5, 1e-6, &gen);
  Tensor ids = arange(50);
  Tensor weight = model.embedding->weight.detach();
  // Training: each element of the table is kept as is or zeroed, about half of each.
  Tensor trained = model.forward(ids);
  const float kept = sum(eq(trained, weight).to(kFloat32)).item<float>();
  const float dropped = sum(eq(trained, 0.0).to(kFloat32)).item<float>();
  EXPECT_EQ(kept + dropped, 1000.0f);
  EXPECT_NEAR(dropped / 1000.0f, 0.5, 0.05);
  // The same seed draws the same mask.
  Generator again(8);
  RegularizedEmbedding same(50, 20, 0.0, 0.5, 1e-6, &again);
  EXPECT_TRUE(all_close(same.forward(ids), trained, 0, 0));
  // Eval: the plain lookup, the same every time.
  model.eval();
  EXPECT_TRUE(all_close(model.forward(ids), weight, 0, 0));
  EXPECT_TRUE(all_close(model.forward(ids), model.forward(ids), 0, 0));
}

TEST(EmbeddingVariants, RegularizationLossIsAlphaTimesTheNorm) {
  Generator gen(9);
  RegularizedEmbedding model(6, 3, 0.1, 0.1, 0.01, &gen);
  std::vector<float> w = model.embedding->weight.to_vector<float>();
  double squares = 0;
  for (float v : w) squares += double(v) * v;
  EXPECT_NEAR(model.regularization_loss().item<float>(), 0.01 * std::sqrt(squares), 1e-7);
  model.eval();
  Tensor ids = tensor({1, 4, 4, 0});
  expect_gradcheck(model,
                   [&] { return model.forward(ids).sum() + model.regularization_loss() * 100.0; });
}

// ---- VariationalEmbedding ----

TEST(EmbeddingVariants, VariationalEvalReturnsTheDecodedMean) {
  Generator gen(10);
  VariationalEmbedding model(8, 6, -1, &gen);
  EXPECT_EQ(model.latent_dim, 3);
  Tensor ids = tensor(std::vector<int64_t>{1, 2, 7, 1}, {2, 2});
  model.eval();
  Tensor evaluated = model.forward(ids);
  ASSERT_EQ(evaluated.sizes(), (Shape{2, 2, 6}));
  EXPECT_TRUE(all_close(evaluated, model.forward(ids), 0, 0));
  Tensor mu = model.mu_embedding->forward(ids);
  EXPECT_TRUE(all_close(evaluated, model.decoder->forward(mu), 0, 0));
  // Training samples z around mu: another result, reproduced by the same seed.
  model.train();
  gen.manual_seed(11);
  Tensor sampled = model.forward(ids);
  EXPECT_FALSE(all_close(sampled, evaluated, 1e-3, 1e-3));
  gen.manual_seed(11);
  EXPECT_TRUE(all_close(model.forward(ids), sampled, 0, 0));
}

TEST(EmbeddingVariants, VariationalKlIsTheClosedForm) {
  Generator gen(12);
  VariationalEmbedding model(5, 4, 2, &gen);
  model.to(kFloat64);
  std::vector<int64_t> ids = {0, 3, 3, 4};
  auto [embeds, kl_loss] = model.forward_with_kl(tensor(ids, {2, 2}));
  EXPECT_EQ(embeds.sizes(), (Shape{2, 2, 4}));
  // KL(N(mu, sigma^2) || N(0, 1)) = -0.5 * (1 + log sigma^2 - mu^2 - sigma^2), summed.
  std::vector<double> mu = model.mu_embedding->weight.to_vector<double>();
  std::vector<double> logvar = model.logvar_embedding->weight.to_vector<double>();
  double expected = 0;
  for (int64_t id : ids)
    for (int64_t d = 0; d < 2; ++d) {
      const double m = mu[id * 2 + d], lv = logvar[id * 2 + d];
      expected += -0.5 * (1 + lv - m * m - std::exp(lv));
    }
  EXPECT_NEAR(kl_loss.item<double>(), expected, 1e-12);
  EXPECT_GT(kl_loss.item<double>(), 0.0);
}

TEST(EmbeddingVariants, VariationalGradcheckInTrainingAndEval) {
  Generator gen(13);
  VariationalEmbedding model(5, 4, 2, &gen);
  Tensor ids = tensor({1, 3, 3, 0});
  // Training: the same eps every evaluation, so the reparameterised path is differentiable.
  expect_gradcheck(model, [&] {
    gen.manual_seed(14);
    auto [embeds, kl_loss] = model.forward_with_kl(ids);
    return embeds.sum() + kl_loss;
  });
  model.eval();
  expect_gradcheck(model, [&] {
    auto [embeds, kl_loss] = model.forward_with_kl(ids);
    return cat({embeds.flatten(), kl_loss.reshape({1})});
  });
}

// ---- AdaptiveEmbedding ----

TEST(EmbeddingVariants, AdaptivePretrainedPartStaysFrozen) {
  Generator gen(15);
  Tensor pretrained = randn({6, 4}, &gen);
  AdaptiveEmbedding model(pretrained, 6, 4, 3, &gen);
  EXPECT_FALSE(model.pretrained->weight.requires_grad());
  EXPECT_EQ(model.num_parameters(/*trainable_only=*/true), 6 * 3 + (4 + 3) * 4 + 4);
  Tensor adaptation_before = model.adaptation->weight.clone();
  optim::Adam adam(model.parameters(), optim::AdamOptions(0.1).weight_decay(0.1));
  Tensor ids = tensor({0, 1, 2, 3, 4, 5});
  for (int step = 0; step < 5; ++step) {
    adam.zero_grad();
    Tensor loss = mean(pow(model.forward(ids) - 1.0, 2.0));
    loss.backward();
    adam.step();
  }
  EXPECT_FALSE(model.pretrained->weight.grad().defined());
  EXPECT_TRUE(same_bits(model.pretrained->weight, pretrained));
  EXPECT_FALSE(all_close(model.adaptation->weight, adaptation_before, 1e-3, 1e-3));
}

TEST(EmbeddingVariants, AdaptiveGradcheckAndErrors) {
  Generator gen(16);
  AdaptiveEmbedding model(randn({5, 3}, &gen), 5, 3, 2, &gen);
  Tensor ids = tensor(std::vector<int64_t>{4, 0, 2, 2}, {2, 2});
  expect_gradcheck(model, [&] { return model.forward(ids); });
  EXPECT_EMBER_ERROR(AdaptiveEmbedding(zeros({5, 3}), 6, 3),
                     "pretrained_embeddings of sizes [5, 3] must be [vocab_size, embedding_dim] = "
                     "[6, 3]");
}

// ---- PartiallyFrozenEmbedding ----

// Trains the embedding toward a constant target for a few steps with the optimizer that
// make_optimizer builds; the frozen rows must come out bit-identical, the others moved.
template <typename MakeOptimizer>
void expect_frozen_rows_kept(MakeOptimizer make_optimizer, const char* what) {
  Generator gen(17);
  Tensor pretrained = randn({6, 3}, &gen);
  PartiallyFrozenEmbedding model(pretrained, {1, 4});
  auto optimizer = make_optimizer(model.parameters());
  Tensor ids = tensor({0, 1, 2, 3, 4, 5, 1});
  for (int step = 0; step < 5; ++step) {
    optimizer.zero_grad();
    Tensor loss = mean(pow(model.forward(ids) - 2.0, 2.0));
    loss.backward();
    // The gradient mask: the frozen rows get exactly zero.
    Tensor grad = model.embedding->weight.grad();
    EXPECT_EQ(sum(abs(grad[1])).item<float>(), 0.0f) << what;
    EXPECT_EQ(sum(abs(grad[4])).item<float>(), 0.0f) << what;
    optimizer.step();
  }
  Tensor out = model.forward(ids);
  Tensor table = model.table();
  for (int64_t row : {1, 4}) {
    EXPECT_TRUE(same_bits(out[row], pretrained[row])) << what << ": output row " << row;
    EXPECT_TRUE(same_bits(table[row], pretrained[row])) << what << ": table row " << row;
  }
  for (int64_t row : {0, 2, 3, 5})
    EXPECT_FALSE(all_close(table[row], pretrained[row], 1e-3, 1e-3)) << what << ": row " << row;
}

TEST(EmbeddingVariants, PartiallyFrozenRowsNeverChange) {
  expect_frozen_rows_kept(
      [](std::vector<Tensor> params) {
        return optim::Adam(std::move(params), optim::AdamOptions(0.1).weight_decay(0.5));
      },
      "Adam with weight decay");
  expect_frozen_rows_kept(
      [](std::vector<Tensor> params) {
        return optim::SGD(std::move(params),
                          optim::SGDOptions(0.1).momentum(0.9).weight_decay(0.5));
      },
      "SGD with momentum and weight decay");
  // Without weight decay the parameter's frozen rows themselves stay as they were.
  Tensor pretrained = tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2});
  PartiallyFrozenEmbedding model(pretrained, {0});
  optim::Adam adam(model.parameters(), 0.1);
  for (int step = 0; step < 3; ++step) {
    adam.zero_grad();
    sum(model.forward(tensor({0, 1, 2}))).backward();
    adam.step();
  }
  EXPECT_TRUE(same_bits(model.embedding->weight[0], pretrained[0]));
}

TEST(EmbeddingVariants, PartiallyFrozenGradcheckAndErrors) {
  Generator gen(18);
  PartiallyFrozenEmbedding model(randn({5, 2}, &gen), {0, 3});
  Tensor ids = tensor(std::vector<int64_t>{0, 1, 3, 4, 1, 2}, {3, 2});
  expect_gradcheck(model, [&] { return model.forward(ids); });
  EXPECT_EMBER_ERROR(PartiallyFrozenEmbedding(zeros({5, 2}), {2, 7}),
                     "frozen index 7 out of range for table of 5 rows");
}

// ---- CompressedEmbedding ----

TEST(EmbeddingVariants, CompressedParameterCounts) {
  // The seed's example: 100000 x 300 against rank 64.
  models::ParameterCounts counts = CompressedEmbedding::parameter_counts(100000, 300, 64);
  EXPECT_EQ(counts.full, 30000000);
  EXPECT_EQ(counts.compressed, 100000 * 64 + 64 * 300);
  EXPECT_NEAR(counts.ratio(), 30000000.0 / 6419200.0, 1e-12);
  CompressedEmbedding model(50, 12, 4);
  EXPECT_EQ(model.parameter_counts().full, 50 * 12);
  EXPECT_EQ(model.parameter_counts().compressed, model.num_parameters());
  EXPECT_EMBER_ERROR(CompressedEmbedding::parameter_counts(10, 0, 4), "embedding_dim 0");
}

TEST(EmbeddingVariants, CompressedIsALowRankLookup) {
  Generator gen(19);
  CompressedEmbedding model(7, 5, 2, &gen);
  Tensor ids = tensor(std::vector<int64_t>{6, 0, 3, 3}, {2, 2});
  Tensor out = model.forward(ids);
  ASSERT_EQ(out.sizes(), (Shape{2, 2, 5}));
  // The full table it stands for is E_low [V, K] x W^T [K, D], of rank K.
  Tensor full = mm(model.vocab_to_low->weight, model.low_to_high->weight.t());
  EXPECT_TRUE(all_close(out, index_select(full, 0, ids.flatten()).reshape({2, 2, 5})));
  expect_gradcheck(model, [&] { return model.forward(ids); });
}

// ---- against the seeds' PyTorch classes ----

std::shared_ptr<nn::Module> make_model(const golden::GoldenCase& c) {
  const std::string& name = c.text("model");
  const int64_t V = c.integer("vocab_size"), D = c.integer("embedding_dim");
  if (name == "bag") {
    const std::map<std::string, nn::BagMode> modes = {
        {"sum", nn::BagMode::kSum}, {"mean", nn::BagMode::kMean}, {"max", nn::BagMode::kMax}};
    return std::make_shared<EmbeddingBagModel>(V, D, modes.at(c.text("mode")));
  }
  if (name == "positional")
    return std::make_shared<PositionalEmbedding>(V, D, c.integer("max_length"));
  if (name == "conditional")
    return std::make_shared<ConditionalEmbedding>(V, D, c.integer("num_conditions"));
  if (name == "regularized")
    return std::make_shared<RegularizedEmbedding>(V, D, 0.1, 0.1, c.real("alpha"));
  if (name == "variational") return std::make_shared<VariationalEmbedding>(V, D);
  if (name == "adaptive")
    return std::make_shared<AdaptiveEmbedding>(zeros({V, D}), V, D, c.integer("adaptation_dim"));
  EMBER_CHECK(name == "compressed", c.where(), ": unknown model ", name);
  return std::make_shared<CompressedEmbedding>(V, D, c.integer("rank"));
}

golden::Outputs run_model(nn::Module& model, const golden::GoldenCase& c, const golden::Args& a) {
  const std::string& name = c.text("model");
  const Tensor& ids = a.at("input_ids");
  if (name == "bag") {
    auto& bag = dynamic_cast<EmbeddingBagModel&>(model);
    return golden::out(a.count("offsets") ? bag.forward(ids, a.at("offsets")) : bag.forward(ids));
  }
  if (name == "positional") {
    auto& positional = dynamic_cast<PositionalEmbedding&>(model);
    return golden::out(a.count("position_ids") ? positional.forward(ids, a.at("position_ids"))
                                               : positional.forward(ids));
  }
  if (name == "conditional")
    return golden::out(
        dynamic_cast<ConditionalEmbedding&>(model).forward(ids, a.at("condition_ids")));
  if (name == "regularized")
    return {{"out", model.forward(ids)},
            {"reg", dynamic_cast<RegularizedEmbedding&>(model).regularization_loss()}};
  if (name == "variational") {
    auto [embeds, kl_loss] = dynamic_cast<VariationalEmbedding&>(model).forward_with_kl(ids);
    return {{"embeds", embeds}, {"kl_loss", kl_loss}};
  }
  return golden::out(model.forward(ids));
}

TEST(EmbeddingVariants, MatchesTheSeedsPyTorchClasses) {
  for (const golden::GoldenCase& c : golden::read_golden("embedding_variants")) {
    SCOPED_TRACE(c.where());
    std::shared_ptr<nn::Module> model = make_model(c);
    model->to(kFloat64);
    model->eval();
    std::map<std::string, Tensor> parameters;
    for (const auto& [name, p] : model->named_parameters()) parameters[name] = p;
    golden::Args args;
    for (const golden::Record& input : c.inputs) {
      if (input.name.find('.') == std::string::npos) {
        args[input.name] = input.value;
        continue;
      }
      ASSERT_TRUE(parameters.count(input.name)) << "no parameter " << input.name;
      NoGradGuard no_grad;
      parameters[input.name].copy_(input.value);
    }
    golden::Outputs outputs = run_model(*model, c, args);
    for (const golden::Record& expected : c.outputs)
      golden::expect_matches(c, "output " + expected.name, outputs.at(expected.name),
                             expected.value);
    for (const golden::Record& w : c.weights) outputs.at(w.name).backward(w.value, true);
    for (const golden::Record& expected : c.grads) {
      const Tensor& p = parameters.at(expected.name);
      if (!p.requires_grad()) {  // the frozen pretrained table: PyTorch's leaf had a gradient
        EXPECT_FALSE(p.grad().defined()) << expected.name;
        continue;
      }
      golden::expect_matches(c, "gradient of " + expected.name, p.grad(), expected.value);
    }
  }
}

}  // namespace
}  // namespace ember
