#include <ember/nn/embedding.h>

#include <ember/autograd/grad_mode.h>
#include <ember/tensor/ops/copy.h>

namespace ember::nn {

namespace {

Tensor normal_table(int64_t rows, int64_t dim, std::optional<int64_t> padding_idx, Generator* gen) {
  EMBER_CHECK(rows > 0 && dim > 0,
              "Embedding: num_embeddings and embedding_dim must be "
              "positive, got ",
              rows, " and ", dim);
  Tensor weight = randn({rows, dim}, gen);
  if (padding_idx) {
    int64_t p = *padding_idx < 0 ? *padding_idx + rows : *padding_idx;
    EMBER_CHECK(p >= 0 && p < rows, "Embedding: padding_idx ", *padding_idx, " out of range for ",
                rows, " rows");
    ops::fill_(ops::select(weight, 0, p), 0.0);
  }
  return weight;
}

Tensor copy_of(const Tensor& weights, const char* op) {
  EMBER_CHECK(weights.dim() == 2, op, ": pretrained weights must be 2-D [V, D], got sizes ",
              weights.sizes());
  return ops::clone(weights.detach());
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options,
                     Generator* gen)
    : Module("Embedding"), options_(options) {
  weight = register_parameter(
      "weight", normal_table(num_embeddings, embedding_dim, options.padding_idx, gen));
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& weights, bool freeze,
                                                      EmbeddingOptions options) {
  Generator unused(0);
  auto module = std::make_shared<Embedding>(1, 1, EmbeddingOptions{}, &unused);
  module->options_ = options;
  module->weight.set_data(copy_of(weights, "Embedding.from_pretrained"));
  module->weight.requires_grad_(!freeze);
  return module;
}

Tensor Embedding::forward(const Tensor& ids) {
  return functional::embedding(ids, weight, options_);
}

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim,
                           EmbeddingBagOptions options, Generator* gen)
    : Module("EmbeddingBag"), options_(options) {
  weight = register_parameter(
      "weight", normal_table(num_embeddings, embedding_dim, options.padding_idx, gen));
}

std::shared_ptr<EmbeddingBag> EmbeddingBag::from_pretrained(const Tensor& weights, bool freeze,
                                                            EmbeddingBagOptions options) {
  Generator unused(0);
  auto module = std::make_shared<EmbeddingBag>(1, 1, EmbeddingBagOptions{}, &unused);
  module->options_ = options;
  module->weight.set_data(copy_of(weights, "EmbeddingBag.from_pretrained"));
  module->weight.requires_grad_(!freeze);
  return module;
}

Tensor EmbeddingBag::forward(const Tensor& ids) { return forward(ids, Tensor()); }

Tensor EmbeddingBag::forward(const Tensor& ids, const Tensor& offsets,
                             const Tensor& per_sample_weights) {
  return functional::embedding_bag(ids, weight, offsets, options_, per_sample_weights);
}

}  // namespace ember::nn
