// Parity with PyTorch for F.embedding and F.embedding_bag: every option (repeated and 2-D ids,
// padding_idx, scale_grad_by_freq, max_norm, bags with offsets, include_last_offset,
// per_sample_weights), each with the dense and the sparse gradient, on the inputs that
// tests/golden/make_golden_embedding.py saved with PyTorch's outputs and gradients. A sparse
// gradient is compared as dense. max_norm renormalises the table in place: its cases also
// compare the table after the call ("weight_after").
#include <ember/nn/embedding.h>

#include "golden.h"

namespace ember {
namespace {

using namespace ::ember::golden;  // NOLINT: the test file is all golden checks
namespace F = nn::functional;

std::optional<int64_t> optional_integer(const GoldenCase& c, const std::string& key) {
  if (c.is_none(key)) return std::nullopt;
  return c.integer(key);
}

Tensor optional_arg(const Args& a, const std::string& name) {
  auto it = a.find(name);
  return it == a.end() ? Tensor() : it->second;
}

F::BagMode bag_mode(const GoldenCase& c) {
  const std::string& mode = c.text("mode");
  if (mode == "sum") return F::BagMode::kSum;
  if (mode == "mean") return F::BagMode::kMean;
  EMBER_CHECK(mode == "max", c.where(), ": unknown mode ", mode);
  return F::BagMode::kMax;
}

// The outputs of one call, with the table after it when max_norm may have changed it.
Outputs with_weight_after(const GoldenCase& c, const Tensor& out, const Tensor& weight) {
  Outputs outputs = {{"out", out}};
  if (!c.is_none("max_norm")) outputs["weight_after"] = weight.detach().clone();
  return outputs;
}

// check_op on fresh copies of every input: max_norm changes the weight in place, and the
// leaf that check_case makes would otherwise share its storage with the golden record.
void check_op_on_copies(const std::string& op, const OpFn& fn) {
  for (GoldenCase c : read_golden(op)) {
    for (Record& input : c.inputs) input.value = input.value.clone();
    check_case(c, fn);
  }
}

TEST(ParityEmbedding, Embedding) {
  check_op_on_copies("embedding", [](const GoldenCase& c, const Args& a) {
    F::EmbeddingOptions o;
    o.padding_idx = optional_integer(c, "padding_idx");
    o.max_norm = c.optional_real("max_norm");
    o.norm_type = c.real("norm_type");
    o.scale_grad_by_freq = c.integer("scale_grad_by_freq") != 0;
    o.sparse = c.integer("sparse") != 0;
    const Tensor& weight = arg(a, "weight");
    EXPECT_TRUE(weight.is_leaf() && weight.requires_grad()) << c.where();
    return with_weight_after(c, F::embedding(arg(a, "ids"), weight, o), weight);
  });
}

TEST(ParityEmbedding, EmbeddingBag) {
  check_op_on_copies("embedding_bag", [](const GoldenCase& c, const Args& a) {
    F::EmbeddingBagOptions o;
    o.mode = bag_mode(c);
    o.padding_idx = optional_integer(c, "padding_idx");
    o.max_norm = c.optional_real("max_norm");
    o.norm_type = c.real("norm_type");
    o.scale_grad_by_freq = c.integer("scale_grad_by_freq") != 0;
    o.sparse = c.integer("sparse") != 0;
    o.include_last_offset = c.integer("include_last_offset") != 0;
    const Tensor& weight = arg(a, "weight");
    Tensor out = F::embedding_bag(arg(a, "ids"), weight, optional_arg(a, "offsets"), o,
                                  optional_arg(a, "per_sample_weights"));
    return with_weight_after(c, out, weight);
  });
}

// The sparse cases must really produce a row-sparse gradient (the check above densifies).
TEST(ParityEmbedding, SparseCasesGiveRowSparseGradients) {
  int sparse_cases = 0;
  for (GoldenCase c : read_golden("embedding")) {
    if (c.integer("sparse") == 0) continue;
    ++sparse_cases;
    Tensor weight, ids;
    for (const Record& r : c.inputs) (r.name == "weight" ? weight : ids) = r.value.clone();
    weight.requires_grad_(true);
    F::EmbeddingOptions o;
    o.padding_idx = optional_integer(c, "padding_idx");
    o.scale_grad_by_freq = c.integer("scale_grad_by_freq") != 0;
    o.sparse = true;
    F::embedding(ids, weight, o).sum().backward();
    EXPECT_TRUE(weight.grad().is_row_sparse()) << c.where();
  }
  EXPECT_GT(sparse_cases, 0);
}

}  // namespace
}  // namespace ember
