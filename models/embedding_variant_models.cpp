#include <ember/models/embedding_variant_models.h>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/embedding.h>
#include <ember/nn/functional/loss.h>

namespace ember::models {

namespace F = nn::functional;

// ---- EmbeddingBagModel ----

EmbeddingBagModel::EmbeddingBagModel(int64_t vocab_size, int64_t embedding_dim, nn::BagMode mode,
                                     Generator* gen)
    : Module("EmbeddingBagModel") {
  nn::EmbeddingBagOptions options;
  options.mode = mode;
  embedding_bag = register_module(
      "embedding_bag", std::make_shared<nn::EmbeddingBag>(vocab_size, embedding_dim, options, gen));
}

Tensor EmbeddingBagModel::forward(const Tensor& input_ids) {
  return embedding_bag->forward(input_ids);
}

Tensor EmbeddingBagModel::forward(const Tensor& input_ids, const Tensor& offsets) {
  return embedding_bag->forward(input_ids, offsets);
}

// ---- PositionalEmbedding ----

PositionalEmbedding::PositionalEmbedding(int64_t vocab_size, int64_t embedding_dim,
                                         int64_t max_length_, Generator* gen)
    : Module("PositionalEmbedding"), max_length(max_length_) {
  word_embeddings = register_module(
      "word_embeddings",
      std::make_shared<nn::Embedding>(vocab_size, embedding_dim, nn::EmbeddingOptions{}, gen));
  position_embeddings = register_module(
      "position_embeddings",
      std::make_shared<nn::Embedding>(max_length, embedding_dim, nn::EmbeddingOptions{}, gen));
  layer_norm = register_module("LayerNorm", std::make_shared<nn::LayerNorm>(Shape{embedding_dim}));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(0.1, gen));
}

Tensor PositionalEmbedding::forward(const Tensor& input_ids) {
  EMBER_CHECK(input_ids.dim() == 2, "PositionalEmbedding: input_ids must be [B, T], got sizes ",
              input_ids.sizes());
  const int64_t seq_length = input_ids.size(1);
  EMBER_CHECK(seq_length <= max_length, "PositionalEmbedding: sequence length ", seq_length,
              " exceeds max_length ", max_length);
  // [T] -> [1, T] -> [B, T]: every sequence counts its positions from 0
  Tensor position_ids = arange(seq_length).unsqueeze(0).expand_as(input_ids).contiguous();
  return forward(input_ids, position_ids);
}

Tensor PositionalEmbedding::forward(const Tensor& input_ids, const Tensor& position_ids) {
  EMBER_CHECK(position_ids.sizes() == input_ids.sizes(),
              "PositionalEmbedding: position_ids of sizes ", position_ids.sizes(),
              " must match input_ids of sizes ", input_ids.sizes());
  Tensor word_embeds = word_embeddings->forward(input_ids);             // [B, T, D]
  Tensor position_embeds = position_embeddings->forward(position_ids);  // [B, T, D]
  Tensor embeddings = word_embeds + position_embeds;
  embeddings = layer_norm->forward(embeddings);
  return dropout->forward(embeddings);
}

// ---- ConditionalEmbedding ----

ConditionalEmbedding::ConditionalEmbedding(int64_t vocab_size, int64_t embedding_dim,
                                           int64_t num_conditions, Generator* gen)
    : Module("ConditionalEmbedding") {
  base_embeddings = register_module(
      "base_embeddings",
      std::make_shared<nn::Embedding>(vocab_size, embedding_dim, nn::EmbeddingOptions{}, gen));
  condition_embeddings = register_module(
      "condition_embeddings",
      std::make_shared<nn::Embedding>(num_conditions, embedding_dim, nn::EmbeddingOptions{}, gen));
  combine_layer = register_module(
      "combine_layer", std::make_shared<nn::Linear>(embedding_dim * 2, embedding_dim, true, gen));
}

Tensor ConditionalEmbedding::forward(const Tensor& input_ids, const Tensor& condition_ids) {
  const bool per_token = condition_ids.sizes() == input_ids.sizes();
  const bool per_sequence = input_ids.dim() == 2 && condition_ids.dim() == 1 &&
                            condition_ids.size(0) == input_ids.size(0);
  EMBER_CHECK(per_token || per_sequence, "ConditionalEmbedding: condition_ids of sizes ",
              condition_ids.sizes(), " must be [B] or match input_ids of sizes ",
              input_ids.sizes());
  Tensor base_embeds = base_embeddings->forward(input_ids);                // [..., D]
  Tensor condition_embeds = condition_embeddings->forward(condition_ids);  // [B, D] or [..., D]
  // One condition per sequence: [B, D] -> [B, 1, D] -> [B, T, D]
  if (condition_embeds.dim() < base_embeds.dim())
    condition_embeds = condition_embeds.unsqueeze(1).expand_as(base_embeds);
  Tensor combined = cat({base_embeds, condition_embeds}, -1);  // [..., 2D]
  return tanh(combine_layer->forward(combined));
}

// ---- RegularizedEmbedding ----

RegularizedEmbedding::RegularizedEmbedding(int64_t vocab_size, int64_t embedding_dim,
                                           double dropout_p, double weight_dropout_, double alpha_,
                                           Generator* gen)
    : Module("RegularizedEmbedding"),
      weight_dropout(weight_dropout_),
      alpha(alpha_),
      generator(gen) {
  EMBER_CHECK(weight_dropout >= 0 && weight_dropout < 1,
              "RegularizedEmbedding: weight_dropout must be in [0, 1), got ", weight_dropout);
  embedding = register_module(
      "embedding",
      std::make_shared<nn::Embedding>(vocab_size, embedding_dim, nn::EmbeddingOptions{}, gen));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(dropout_p, gen));
}

Tensor RegularizedEmbedding::forward(const Tensor& input_ids) {
  Tensor embeds;
  if (is_training() && weight_dropout > 0) {
    // keep an element of the table where its uniform draw is above weight_dropout
    const Tensor& weight = embedding->weight;
    Tensor mask = gt(rand_like(weight, generator), weight_dropout).to(weight.dtype());  // [V, D]
    Tensor masked_weight = weight * mask;
    embeds = F::embedding(input_ids, masked_weight);
  } else {
    embeds = embedding->forward(input_ids);
  }
  return dropout->forward(embeds);
}

Tensor RegularizedEmbedding::regularization_loss() const {
  return alpha * norm(embedding->weight, 2.0);
}

// ---- VariationalEmbedding ----

VariationalEmbedding::VariationalEmbedding(int64_t vocab_size, int64_t embedding_dim,
                                           int64_t latent_dim_, Generator* gen)
    : Module("VariationalEmbedding"),
      latent_dim(latent_dim_ < 0 ? embedding_dim / 2 : latent_dim_),
      generator(gen) {
  EMBER_CHECK(latent_dim > 0, "VariationalEmbedding: latent_dim must be positive, got ", latent_dim,
              " (embedding_dim ", embedding_dim, ")");
  mu_embedding = register_module(
      "mu_embedding",
      std::make_shared<nn::Embedding>(vocab_size, latent_dim, nn::EmbeddingOptions{}, gen));
  logvar_embedding = register_module(
      "logvar_embedding",
      std::make_shared<nn::Embedding>(vocab_size, latent_dim, nn::EmbeddingOptions{}, gen));
  decoder = register_module("decoder",
                            std::make_shared<nn::Linear>(latent_dim, embedding_dim, true, gen));
}

Tensor VariationalEmbedding::reparameterize(const Tensor& mu, const Tensor& logvar) {
  if (!is_training()) return mu;
  Tensor stddev = exp(0.5 * logvar);
  Tensor eps = randn_like(stddev, generator);
  return mu + eps * stddev;
}

VariationalOutput VariationalEmbedding::forward_with_kl(const Tensor& input_ids) {
  Tensor mu = mu_embedding->forward(input_ids);          // [N..., latent_dim]
  Tensor logvar = logvar_embedding->forward(input_ids);  // [N..., latent_dim]
  Tensor z = reparameterize(mu, logvar);
  Tensor embeds = decoder->forward(z);  // [N..., D]
  // KL(N(mu, exp(logvar)) || N(0, 1)) summed over the batch: the seed's
  // -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
  Tensor kl_loss = F::kl_normal(mu, logvar, nn::Reduction::kSum);
  return {embeds, kl_loss};
}

// ---- AdaptiveEmbedding ----

AdaptiveEmbedding::AdaptiveEmbedding(const Tensor& pretrained_embeddings, int64_t vocab_size,
                                     int64_t embedding_dim, int64_t adaptation_dim, Generator* gen)
    : Module("AdaptiveEmbedding") {
  EMBER_CHECK(pretrained_embeddings.dim() == 2 && pretrained_embeddings.size(0) == vocab_size &&
                  pretrained_embeddings.size(1) == embedding_dim,
              "AdaptiveEmbedding: pretrained_embeddings of sizes ", pretrained_embeddings.sizes(),
              " must be [vocab_size, embedding_dim] = [", vocab_size, ", ", embedding_dim, "]");
  pretrained =
      register_module("pretrained", nn::Embedding::from_pretrained(pretrained_embeddings, true));
  adaptation = register_module(
      "adaptation",
      std::make_shared<nn::Embedding>(vocab_size, adaptation_dim, nn::EmbeddingOptions{}, gen));
  projection = register_module(
      "projection",
      std::make_shared<nn::Linear>(embedding_dim + adaptation_dim, embedding_dim, true, gen));
}

Tensor AdaptiveEmbedding::forward(const Tensor& input_ids) {
  Tensor pretrained_embeds = pretrained->forward(input_ids);  // [N..., D]
  Tensor adaptive_embeds = adaptation->forward(input_ids);    // [N..., adaptation_dim]
  Tensor combined = cat({pretrained_embeds, adaptive_embeds}, -1);
  return projection->forward(combined);
}

// ---- PartiallyFrozenEmbedding ----

PartiallyFrozenEmbedding::PartiallyFrozenEmbedding(const Tensor& pretrained_weights,
                                                   const std::vector<int64_t>& frozen_indices)
    : Module("PartiallyFrozenEmbedding") {
  embedding = register_module("embedding", nn::Embedding::from_pretrained(pretrained_weights,
                                                                          /*freeze=*/false));
  const Tensor& weight = embedding->weight;
  const int64_t V = weight.size(0);
  Tensor mask = zeros({V, 1}, weight.dtype());
  for (int64_t idx : frozen_indices) {
    EMBER_CHECK(idx >= 0 && idx < V, "PartiallyFrozenEmbedding: frozen index ", idx,
                " out of range for table of ", V, " rows");
    mask[idx].fill_(1.0);
  }
  frozen_mask = register_buffer("frozen_mask", mask);
  frozen_weights = register_buffer("frozen_weights", weight.detach() * mask);
}

Tensor PartiallyFrozenEmbedding::forward(const Tensor& x) {
  Tensor embeddings = embedding->forward(x);              // [N..., D]
  Tensor frozen = gt(F::embedding(x, frozen_mask), 0.5);  // [N..., 1], bool
  Tensor frozen_rows = F::embedding(x, frozen_weights);   // [N..., D]
  // where() sends the gradient only to the branch it took: frozen ids give zero rows
  return where(frozen, frozen_rows, embeddings);
}

Tensor PartiallyFrozenEmbedding::table() const {
  NoGradGuard no_grad;
  return where(gt(frozen_mask, 0.5), frozen_weights, embedding->weight);
}

// ---- CompressedEmbedding ----

CompressedEmbedding::CompressedEmbedding(int64_t vocab_size, int64_t embedding_dim, int64_t rank,
                                         Generator* gen)
    : Module("CompressedEmbedding") {
  vocab_to_low = register_module(
      "vocab_to_low",
      std::make_shared<nn::Embedding>(vocab_size, rank, nn::EmbeddingOptions{}, gen));
  low_to_high =
      register_module("low_to_high", std::make_shared<nn::Linear>(rank, embedding_dim, false, gen));
}

Tensor CompressedEmbedding::forward(const Tensor& x) {
  Tensor low_dim = vocab_to_low->forward(x);  // [N..., K]
  return low_to_high->forward(low_dim);       // [N..., D]
}

ParameterCounts CompressedEmbedding::parameter_counts(int64_t vocab_size, int64_t embedding_dim,
                                                      int64_t rank) {
  EMBER_CHECK(vocab_size > 0 && embedding_dim > 0 && rank > 0,
              "CompressedEmbedding: sizes must be positive, got vocab_size ", vocab_size,
              ", embedding_dim ", embedding_dim, ", rank ", rank);
  return {vocab_size * embedding_dim, vocab_size * rank + rank * embedding_dim};
}

ParameterCounts CompressedEmbedding::parameter_counts() const {
  return parameter_counts(vocab_to_low->num_embeddings(), low_to_high->out_features,
                          vocab_to_low->embedding_dim());
}

}  // namespace ember::models
