// The composable GloVeModel (see glove.h), line for line like the seed's.
#include <ember/autograd/grad_mode.h>
#include <ember/models/glove_model.h>
#include <ember/nn/functional.h>
#include <ember/nn/init.h>

namespace ember::models {

GloVeModel::GloVeModel(int64_t vocab_size, int64_t embedding_dim, double x_max, double alpha,
                       bool sparse, Generator* gen)
    : Module("GloVeModel"), x_max(x_max), alpha(alpha) {
  EMBER_CHECK(vocab_size > 0 && embedding_dim > 0, "GloVeModel: vocab_size and embedding_dim ",
              "must be positive, got ", vocab_size, " and ", embedding_dim);
  EMBER_CHECK(x_max > 0 && alpha > 0, "GloVeModel: x_max and alpha must be positive, got ", x_max,
              " and ", alpha);
  nn::EmbeddingOptions table;
  table.sparse = sparse;
  auto make = [&](const char* name, int64_t dim) {
    return register_module(name, std::make_shared<nn::Embedding>(vocab_size, dim, table, gen));
  };
  word_embeddings = make("word_embeddings", embedding_dim);
  context_embeddings = make("context_embeddings", embedding_dim);
  word_biases = make("word_biases", 1);
  context_biases = make("context_biases", 1);
  const double init_range = 0.5 / double(embedding_dim);
  nn::init::uniform_(word_embeddings->weight, -init_range, init_range, gen);
  nn::init::uniform_(context_embeddings->weight, -init_range, init_range, gen);
  nn::init::zeros_(word_biases->weight);
  nn::init::zeros_(context_biases->weight);
}

Tensor GloVeModel::weighting_function(const Tensor& x) const {
  return where(x < x_max, pow(x / x_max, alpha), ones_like(x));
}

Tensor GloVeModel::forward(const Tensor& word_indices, const Tensor& context_indices,
                           const Tensor& cooccurrence_values) {
  Tensor word_embeds = word_embeddings->forward(word_indices);           // [B, D]
  Tensor context_embeds = context_embeddings->forward(context_indices);  // [B, D]
  Tensor word_bias = word_biases->forward(word_indices).squeeze(1);      // [B]
  Tensor context_bias = context_biases->forward(context_indices).squeeze(1);
  Tensor dot_product = sum(word_embeds * context_embeds, {1});
  Tensor predictions = dot_product + word_bias + context_bias;
  Tensor weights = weighting_function(cooccurrence_values);
  Tensor loss = weights * pow(predictions - log(cooccurrence_values), 2.0);
  return loss.mean();
}

Tensor GloVeModel::embeddings() const {
  return (word_embeddings->weight.detach() + context_embeddings->weight.detach()) / 2.0;
}

std::unique_ptr<optim::Adagrad> glove_adagrad(const GloVeModel& model, double eta) {
  EMBER_CHECK(eta > 0, "glove_adagrad: eta must be positive, got ", eta);
  optim::AdagradOptions vectors(1.0);
  vectors.eps(0).initial_accumulator_value(1.0 / (eta * eta));
  auto adagrad = std::make_unique<optim::Adagrad>(
      std::vector<Tensor>{model.word_embeddings->weight, model.context_embeddings->weight},
      vectors);
  adagrad->add_param_group({model.word_biases->weight, model.context_biases->weight}, 1.0);
  adagrad->param_groups()[1].initial_accumulator_value = 1.0;
  return adagrad;
}

std::vector<double> train_glove(GloVeModel& model, const Tensor& words, const Tensor& contexts,
                                const Tensor& values, optim::Optimizer& optimizer, int64_t epochs,
                                int64_t batch_size, Generator* gen) {
  const int64_t N = words.size(0);
  EMBER_CHECK(contexts.size(0) == N && values.size(0) == N, "train_glove: words [", N,
              "], contexts ", contexts.sizes(), " and values ", values.sizes(), " differ");
  EMBER_CHECK(batch_size > 0, "train_glove: batch_size must be positive, got ", batch_size);
  model.train();
  std::vector<double> epoch_costs;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    double total_cost = 0;
    Tensor perm = randperm(N, gen);
    Tensor shuffled_words = index_select(words, 0, perm);
    Tensor shuffled_contexts = index_select(contexts, 0, perm);
    Tensor shuffled_values = index_select(values, 0, perm);
    for (int64_t start = 0; start < N; start += batch_size) {
      const int64_t end = std::min(N, start + batch_size), B = end - start;
      optimizer.zero_grad();
      Tensor loss =
          model.forward(shuffled_words.slice(0, start, end), shuffled_contexts.slice(0, start, end),
                        shuffled_values.slice(0, start, end)) *
          (0.5 * double(B));
      loss.backward();
      optimizer.step();
      total_cost += loss.item();
    }
    epoch_costs.push_back(N ? total_cost / double(N) : 0.0);
  }
  return epoch_costs;
}

}  // namespace ember::models
