#include <ember/models/language_models.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/nn/functional/loss.h>
#include <ember/nn/serialize.h>
#include <ember/optim/adam.h>

namespace ember::models {

// ---- NGramLanguageModel ----

NGramLanguageModel::NGramLanguageModel(int64_t vocab_size, int64_t embedding_dim,
                                       int64_t context_size_, int64_t hidden_dim, Generator* gen)
    : Module("NGramLanguageModel"), context_size(context_size_) {
  EMBER_CHECK(vocab_size > 0 && embedding_dim > 0 && context_size > 0 && hidden_dim > 0,
              "NGramLanguageModel: vocab_size ", vocab_size, ", embedding_dim ", embedding_dim,
              ", context_size ", context_size, " and hidden_dim ", hidden_dim, " must be positive");
  embeddings = register_module(
      "embeddings",
      std::make_shared<nn::Embedding>(vocab_size, embedding_dim, nn::EmbeddingOptions{}, gen));
  auto hidden = std::make_shared<nn::Linear>(context_size * embedding_dim, hidden_dim, true, gen);
  auto output = std::make_shared<nn::Linear>(hidden_dim, vocab_size, true, gen);
  network = register_module("network", std::make_shared<nn::Sequential>(
                                           std::initializer_list<std::shared_ptr<nn::Module>>{
                                               hidden, std::make_shared<nn::ReLU>(), output}));
}

Tensor NGramLanguageModel::forward(const Tensor& context) {
  EMBER_CHECK(context.dim() == 2 && context.size(1) == context_size,
              "NGramLanguageModel: context must be [B, ", context_size, "], got ",
              shape_str(context.sizes()));
  Tensor embedded = embeddings->forward(context);    // [B, C, D]
  embedded = embedded.view({embedded.size(0), -1});  // [B, C * D]
  return network->forward(embedded);                 // [B, V]
}

std::vector<double> train_language_model(NGramLanguageModel& model,
                                         const std::function<bool(Tensor&, Tensor&)>& next_batch,
                                         const std::function<void()>& rewind, int64_t epochs,
                                         double lr, bool quiet) {
  optim::Adam optimizer(model.parameters(), lr);
  std::vector<double> epoch_losses;
  Tensor context, target;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    if (epoch > 0) rewind();
    double total_loss = 0;
    int64_t batches = 0;
    while (next_batch(context, target)) {
      optimizer.zero_grad();
      Tensor logits = model.forward(context);
      Tensor loss = nn::functional::cross_entropy(logits, target);
      loss.backward();
      optimizer.step();
      total_loss += loss.item();
      ++batches;
    }
    EMBER_CHECK(batches > 0, "train_language_model: epoch ", epoch + 1, " had no batches");
    epoch_losses.push_back(total_loss / double(batches));
    if (!quiet)
      std::printf("Epoch %lld, Loss: %.4f\n", (long long)(epoch + 1), epoch_losses.back());
  }
  return epoch_losses;
}

double perplexity(NGramLanguageModel& model,
                  const std::function<bool(Tensor&, Tensor&)>& next_batch) {
  NoGradGuard no_grad;
  double total = 0;
  int64_t count = 0;
  Tensor context, target;
  while (next_batch(context, target)) {
    Tensor loss = nn::functional::cross_entropy(model.forward(context), target, {}, -100,
                                                nn::Reduction::kSum);
    total += loss.item();
    count += target.size(0);
  }
  EMBER_CHECK(count > 0, "perplexity: no batches");
  return std::exp(total / double(count));
}

// ---- CharLM ----

CharLM::CharLM(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim, int64_t num_layers,
               Generator* gen)
    : Module("CharLM") {
  EMBER_CHECK(vocab_size > 0 && embedding_dim > 0 && hidden_dim > 0 && num_layers > 0,
              "CharLM: vocab_size ", vocab_size, ", embedding_dim ", embedding_dim, ", hidden_dim ",
              hidden_dim, " and num_layers ", num_layers, " must be positive");
  embedding = register_module(
      "embedding",
      std::make_shared<nn::Embedding>(vocab_size, embedding_dim, nn::EmbeddingOptions{}, gen));
  lstm = register_module("lstm",
                         std::make_shared<nn::LSTM>(embedding_dim, hidden_dim, num_layers, true,
                                                    /*batch_first=*/true, 0.0, false, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(hidden_dim, vocab_size, true, gen));
}

Tensor CharLM::forward(const Tensor& x) {
  EMBER_CHECK(x.dim() == 2 && x.size(1) > 0, "CharLM: x must be [B, T] with T > 0, got ",
              shape_str(x.sizes()));
  Tensor embedded = embedding->forward(x);                       // [B, T, E]
  Tensor output = lstm->forward(embedded, std::nullopt).output;  // [B, T, H]
  return fc->forward(output.select(1, output.size(1) - 1));      // [B, V]
}

std::pair<Tensor, nn::LstmState> CharLM::forward_all(const Tensor& x,
                                                     const std::optional<nn::LstmState>& state) {
  EMBER_CHECK(x.dim() == 2 && x.size(1) > 0, "CharLM: x must be [B, T] with T > 0, got ",
              shape_str(x.sizes()));
  Tensor embedded = embedding->forward(x);              // [B, T, E]
  nn::LstmOutput out = lstm->forward(embedded, state);  // [B, T, H]
  return {fc->forward(out.output), out.state};          // [B, T, V]
}

void save_char_lm(const std::string& path, const CharLM& model, const data::CharVocabulary& vocab) {
  EMBER_CHECK(vocab.size() == model.vocab_size(), "save_char_lm: the vocabulary has ", vocab.size(),
              " chars, the model ", model.vocab_size());
  std::string codes;
  for (char c : vocab.chars())
    codes += (codes.empty() ? "" : ",") + std::to_string(int(uint8_t(c)));
  nn::save_safetensors(path, model.state_dict(),
                       {{"ember.model", "CharLM"},
                        {"chars", codes},
                        {"embedding_dim", std::to_string(model.embedding->embedding_dim())},
                        {"hidden_dim", std::to_string(model.lstm->hidden_size)},
                        {"num_layers", std::to_string(model.lstm->num_layers)}});
}

LoadedCharLM load_char_lm(const std::string& path) {
  std::map<std::string, std::string> metadata;
  std::map<std::string, Tensor> state = nn::load_safetensors(path, &metadata);
  auto entry = [&](const std::string& key) {
    auto it = metadata.find(key);
    EMBER_CHECK(it != metadata.end(), path, ": no '", key,
                "' in the metadata; not a CharLM written by save_char_lm (ember generate train)");
    return it->second;
  };
  // A whole decimal number in [low, high], or an error naming the entry.
  auto number = [&](const std::string& key, const std::string& text, long low, long high) {
    char* rest = nullptr;
    const long value = std::strtol(text.c_str(), &rest, 10);
    EMBER_CHECK(!text.empty() && *rest == '\0' && value >= low && value <= high, path,
                ": bad value '", text, "' for ", key, " in the metadata");
    return int64_t(value);
  };
  EMBER_CHECK(entry("ember.model") == "CharLM", path, ": holds a ", entry("ember.model"),
              ", not a CharLM");
  std::string chars;
  const std::string codes = entry("chars");
  for (size_t start = 0; start <= codes.size();) {
    size_t end = std::min(codes.find(',', start), codes.size());
    chars.push_back(char(number("chars", codes.substr(start, end - start), 0, 255)));
    start = end + 1;
  }
  LoadedCharLM loaded{nullptr, data::CharVocabulary(chars)};
  const int64_t embedding_dim = number("embedding_dim", entry("embedding_dim"), 1, 1L << 30);
  const int64_t hidden_dim = number("hidden_dim", entry("hidden_dim"), 1, 1L << 30);
  const int64_t num_layers = number("num_layers", entry("num_layers"), 1, 1024);
  // The sizes must be those of the stored tensors before a model of them is allocated.
  const auto expect_shape = [&](const std::string& name, const Shape& shape, const char* keys) {
    auto it = state.find(name);
    EMBER_CHECK(it != state.end() && it->second.sizes() == shape, path, ": the metadata's ", keys,
                " make tensor '", name, "' ", shape, ", but the file ",
                it == state.end() ? std::string("has no such tensor")
                                  : "has " + shape_str(it->second.sizes()));
  };
  expect_shape("embedding.weight", {loaded.vocab.size(), embedding_dim}, "chars and embedding_dim");
  expect_shape("lstm.weight_hh_l0", {4 * hidden_dim, hidden_dim}, "hidden_dim");
  expect_shape("lstm.weight_hh_l" + std::to_string(num_layers - 1), {4 * hidden_dim, hidden_dim},
               "hidden_dim and num_layers");
  loaded.model =
      std::make_shared<CharLM>(loaded.vocab.size(), embedding_dim, hidden_dim, num_layers);
  loaded.model->load_state_dict(state);
  return loaded;
}

Tensor char_lm_loss(CharLM& model, const Tensor& inputs, const Tensor& targets) {
  EMBER_CHECK(inputs.sizes() == targets.sizes(), "char_lm_loss: inputs ", shape_str(inputs.sizes()),
              " and targets ", shape_str(targets.sizes()), " differ");
  Tensor logits = model.forward_all(inputs).first;  // [B, T, V]
  return nn::functional::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}));
}

int64_t sample_logits(const Tensor& logits, double temperature, Generator* gen) {
  EMBER_CHECK(logits.dim() == 1 && logits.size(0) > 0, "sample_logits: logits must be [V], got ",
              shape_str(logits.sizes()));
  EMBER_CHECK(temperature >= 0 && std::isfinite(temperature), "sample_logits: temperature ",
              temperature, " must be >= 0");
  std::vector<double> values = logits.to_vector<double>();
  size_t best = 0;
  for (size_t v = 1; v < values.size(); ++v)
    if (values[v] > values[best]) best = v;
  if (temperature == 0) return int64_t(best);
  // softmax(logits / t) with the max subtracted, then the first index whose cumulative
  // probability passes a uniform draw.
  const double max_logit = values[best];
  double total = 0;
  for (double& value : values) {
    value = std::exp((value - max_logit) / temperature);
    total += value;
  }
  Generator& g = gen ? *gen : default_generator();
  double u = g.next_double() * total;
  for (size_t v = 0; v < values.size(); ++v) {
    u -= values[v];
    if (u < 0) return int64_t(v);
  }
  return int64_t(best);  // u rounded past the total: the last non-zero mass is the max's
}

std::vector<int64_t> generate(CharLM& model, const std::vector<int64_t>& prompt, int64_t length,
                              double temperature, Generator* gen) {
  EMBER_CHECK(!prompt.empty(), "generate: the prompt must hold at least one char");
  EMBER_CHECK(length >= 0, "generate: length ", length, " must be >= 0");
  for (int64_t id : prompt)
    EMBER_CHECK(id >= 0 && id < model.vocab_size(), "generate: prompt id ", id,
                " out of range for a vocabulary of ", model.vocab_size());
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  std::vector<int64_t> generated;
  Tensor x = tensor(prompt, {1, int64_t(prompt.size())}, kInt64);
  std::optional<nn::LstmState> state;
  for (int64_t i = 0; i < length; ++i) {
    auto [logits, next_state] = model.forward_all(x, state);  // [1, T, V]
    state = next_state;
    int64_t next = sample_logits(logits[0][logits.size(1) - 1], temperature, gen);
    generated.push_back(next);
    x = tensor(std::vector<int64_t>{next}, {1, 1}, kInt64);
  }
  model.train(was_training);
  return generated;
}

}  // namespace ember::models
