#include <ember/models/word2vec_model.h>

#include <ember/nn/functional.h>
#include <ember/nn/init.h>

namespace ember::models {

namespace {

std::shared_ptr<nn::Embedding> table(int64_t V, int64_t D, bool sparse, Generator* gen) {
  nn::EmbeddingOptions options;
  options.sparse = sparse;
  return std::make_shared<nn::Embedding>(V, D, options, gen);
}

}  // namespace

SkipGramModel::SkipGramModel(int64_t vocab_size, int64_t embedding_dim, bool sparse, Generator* gen)
    : Module("SkipGramModel") {
  center_embeddings =
      register_module("center_embeddings", table(vocab_size, embedding_dim, sparse, gen));
  context_embeddings =
      register_module("context_embeddings", table(vocab_size, embedding_dim, sparse, gen));
  const double range = 0.5 / double(embedding_dim);
  nn::init::uniform_(center_embeddings->weight, -range, range, gen);
  nn::init::uniform_(context_embeddings->weight, -range, range, gen);
}

std::pair<Tensor, Tensor> SkipGramModel::forward(const Tensor& center, const Tensor& positive,
                                                 const Tensor& negative) {
  Tensor center_embeds = center_embeddings->forward(center);          // [B, D]
  Tensor positive_embeds = context_embeddings->forward(positive);     // [B, D]
  Tensor negative_embeds = context_embeddings->forward(negative);     // [B, K, D]
  Tensor positive_score = sum(center_embeds * positive_embeds, {1});  // [B]
  Tensor negative_scores = bmm(negative_embeds, center_embeds.unsqueeze(2)).squeeze(2);  // [B, K]
  return {positive_score, negative_scores};
}

Tensor SkipGramModel::embeddings() const {
  return (center_embeddings->weight.detach() + context_embeddings->weight.detach()) / 2.0;
}

Tensor SkipGramLoss::forward(const Tensor& positive_scores, const Tensor& negative_scores) {
  Tensor positive_loss = -mean(logsigmoid(positive_scores));
  Tensor negative_loss = -mean(sum(logsigmoid(-negative_scores), {1}));
  return positive_loss + negative_loss;
}

CBOWModel::CBOWModel(int64_t vocab_size, int64_t embedding_dim, int64_t context_size_,
                     Generator* gen)
    : Module("CBOWModel"), context_size(context_size_) {
  embeddings = register_module("embeddings", table(vocab_size, embedding_dim, false, gen));
  linear =
      register_module("linear", std::make_shared<nn::Linear>(embedding_dim, vocab_size, true, gen));
  const double range = 0.5 / double(embedding_dim);
  nn::init::uniform_(embeddings->weight, -range, range, gen);
  nn::init::uniform_(linear->weight, -range, range, gen);
  nn::init::zeros_(linear->bias);
}

Tensor CBOWModel::forward(const Tensor& context) {
  Tensor embeds = embeddings->forward(context);  // [B, C, D]
  Tensor context_embed = mean(embeds, {1});      // [B, D]
  return linear->forward(context_embed);         // [B, V]
}

CBOWNegativeSamplingModel::CBOWNegativeSamplingModel(int64_t vocab_size, int64_t embedding_dim,
                                                     bool sparse, Generator* gen)
    : Module("CBOWNegativeSamplingModel") {
  input_embeddings =
      register_module("input_embeddings", table(vocab_size, embedding_dim, sparse, gen));
  output_embeddings =
      register_module("output_embeddings", table(vocab_size, embedding_dim, sparse, gen));
  const double range = 0.5 / double(embedding_dim);
  nn::init::uniform_(input_embeddings->weight, -range, range, gen);
  nn::init::zeros_(output_embeddings->weight);
}

std::pair<Tensor, Tensor> CBOWNegativeSamplingModel::forward(const Tensor& context,
                                                             const Tensor& positive,
                                                             const Tensor& negative) {
  Tensor hidden = mean(input_embeddings->forward(context), {1});                  // [B, D]
  Tensor positive_embeds = output_embeddings->forward(positive);                  // [B, D]
  Tensor negative_embeds = output_embeddings->forward(negative);                  // [B, K, D]
  Tensor positive_score = sum(hidden * positive_embeds, {1});                     // [B]
  Tensor negative_scores = bmm(negative_embeds, hidden.unsqueeze(2)).squeeze(2);  // [B, K]
  return {positive_score, negative_scores};
}

}  // namespace ember::models
