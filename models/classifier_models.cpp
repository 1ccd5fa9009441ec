#include <ember/models/classifier_models.h>

#include <ember/autograd/grad_mode.h>
#include <ember/nn/functional.h>
#include <ember/nn/rnn_utils.h>

namespace ember::models {

namespace {

std::shared_ptr<nn::Embedding> table(int64_t V, int64_t D, std::optional<int64_t> padding_idx,
                                     Generator* gen, bool sparse = false) {
  nn::EmbeddingOptions options;
  options.padding_idx = padding_idx;
  options.sparse = sparse;
  return std::make_shared<nn::Embedding>(V, D, options, gen);
}

void check_lengths(const Tensor& x, const Tensor& lengths, const char* model) {
  EMBER_CHECK(x.dim() == 2, model, ": expected token ids [B, T], got sizes ", x.sizes());
  EMBER_CHECK(lengths.dim() == 1 && lengths.size(0) == x.size(0), model, ": lengths ",
              lengths.sizes(), " do not match a batch of ", x.size(0), " sequences");
}

}  // namespace

TextClassifier::TextClassifier(int64_t vocab_size, int64_t embedding_dim, int64_t num_classes,
                               int64_t hidden_dim, double dropout, int64_t padding_idx,
                               Generator* gen, bool sparse)
    : Module("TextClassifier") {
  embedding =
      register_module("embedding", table(vocab_size, embedding_dim, padding_idx, gen, sparse));
  classifier = register_module(
      "classifier",
      std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
          std::make_shared<nn::Dropout>(dropout, gen),
          std::make_shared<nn::Linear>(embedding_dim, hidden_dim, true, gen),
          std::make_shared<nn::ReLU>(), std::make_shared<nn::Dropout>(dropout, gen),
          std::make_shared<nn::Linear>(hidden_dim, num_classes, true, gen)}));
}

Tensor TextClassifier::forward(const Tensor& x, const Tensor& lengths) {
  Tensor embedded = embedding->forward(x);  // [B, T, D]
  Tensor pooled;                            // [B, D]
  if (lengths.defined()) {
    check_lengths(x, lengths, "TextClassifier");
    // mask[b][t] = t < lengths[b], as 0/1 in the embedding's dtype: [B, T, 1]
    Tensor steps = arange(x.size(1)).unsqueeze(0);                // [1, T]
    Tensor mask = lt(steps, lengths.unsqueeze(1)).unsqueeze(-1);  // [B, T, 1] bool
    mask = ember::to(mask, embedded.dtype());
    // Masked mean pooling; a length of 0 (an empty text) gives a zero vector, not 0/0.
    embedded = embedded * mask;
    Tensor counts = clamp(ember::to(lengths.unsqueeze(-1), embedded.dtype()), 1.0, std::nullopt);
    pooled = sum(embedded, {1}) / counts;
  } else {
    pooled = mean(embedded, {1});
  }
  return classifier->forward(pooled);  // [B, C]
}

void TextClassifier::load_pretrained(const Tensor& weights, bool freeze) {
  EMBER_CHECK(weights.sizes() == embedding->weight.sizes(),
              "TextClassifier.load_pretrained: ", "weights ", weights.sizes(),
              " do not match the embedding table ", embedding->weight.sizes());
  {
    NoGradGuard no_grad;  // self.embedding.weight.data.copy_(pretrained_weights)
    embedding->weight.copy_(weights);
  }
  embedding->weight.requires_grad_(!freeze);
}

SimpleTextClassifier::SimpleTextClassifier(int64_t vocab_size, int64_t embedding_dim,
                                           int64_t num_classes, Generator* gen)
    : Module("SimpleTextClassifier") {
  embedding = register_module("embedding", table(vocab_size, embedding_dim, std::nullopt, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(embedding_dim, num_classes, true, gen));
}

Tensor SimpleTextClassifier::forward(const Tensor& x) {
  Tensor embedded = embedding->forward(x);  // [B, T, D]
  Tensor pooled = mean(embedded, {1});      // [B, D]
  return fc->forward(pooled);               // [B, C]
}

SentimentClassifier::SentimentClassifier(int64_t vocab_size, int64_t embedding_dim, Generator* gen)
    : Module("SentimentClassifier") {
  embedding = register_module("embedding", table(vocab_size, embedding_dim, std::nullopt, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(embedding_dim, 1, true, gen));
}

Tensor SentimentClassifier::forward(const Tensor& x) {
  Tensor embedded = embedding->forward(x);  // [B, T, D]
  Tensor pooled = mean(embedded, {1});      // [B, D]
  return sigmoid(fc->forward(pooled));      // [B, 1]
}

SentimentModel::SentimentModel(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim,
                               int64_t output_dim, const Tensor& pretrained_embeddings,
                               Generator* gen, bool sparse, double dropout_p)
    : Module("SentimentModel") {
  if (pretrained_embeddings.defined()) {
    nn::EmbeddingOptions options;
    options.sparse = sparse;
    embedding = register_module("embedding", nn::Embedding::from_pretrained(
                                                 pretrained_embeddings, /*freeze=*/false, options));
  } else {
    embedding =
        register_module("embedding", table(vocab_size, embedding_dim, std::nullopt, gen, sparse));
  }
  lstm = register_module("lstm",
                         std::make_shared<nn::LSTM>(embedding->embedding_dim(), hidden_dim, 1, true,
                                                    /*batch_first=*/true, 0.0, false, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(hidden_dim, output_dim, true, gen));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(dropout_p, gen));
}

Tensor SentimentModel::forward(const Tensor& x, const Tensor& lengths) {
  check_lengths(x, lengths, "SentimentModel");
  Tensor embedded = dropout->forward(embedding->forward(x));  // [B, T, D]
  nn::PackedSequence packed_embedded =
      nn::pack_padded_sequence(embedded, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
  nn::PackedLstmOutput packed = lstm->forward(packed_embedded);
  Tensor output =
      nn::pad_packed_sequence(packed.output, /*batch_first=*/true).padded;  // [B, T', H]
  // output[b, lengths[b] - 1, :], each sequence's last step: gather along dim 1 with index
  // [B, 1, H] all equal to lengths[b] - 1.
  Tensor index = (lengths - 1.0).view({-1, 1, 1}).expand({-1, 1, output.size(2)});
  Tensor last_hidden = gather(output, 1, index).squeeze(1);  // [B, H]
  return fc->forward(dropout->forward(last_hidden));         // [B, output_dim]
}

SentimentClassifierWithPretrained::SentimentClassifierWithPretrained(
    int64_t vocab_size, int64_t embedding_dim, int64_t hidden_dim, int64_t output_dim,
    int64_t n_layers, bool bidirectional, double dropout_p, int64_t pad_idx,
    const Tensor& pretrained_weights, Generator* gen, bool sparse)
    : Module("SentimentClassifierWithPretrained") {
  EMBER_CHECK(n_layers * (bidirectional ? 2 : 1) >= 2,
              "SentimentClassifierWithPretrained: fc reads the last two final states, so it "
              "needs two layers or a bidirectional LSTM (got n_layers ",
              n_layers, ", bidirectional ", bidirectional, ")");
  embedding = register_module("embedding", table(vocab_size, embedding_dim, pad_idx, gen, sparse));
  // Load the pre-trained weights and freeze the embedding layer.
  EMBER_CHECK(pretrained_weights.sizes() == embedding->weight.sizes(),
              "SentimentClassifierWithPretrained: pretrained weights ", pretrained_weights.sizes(),
              " do not match vocab_size x embedding_dim = ", embedding->weight.sizes());
  {
    NoGradGuard no_grad;
    embedding->weight.copy_(pretrained_weights);
  }
  embedding->weight.requires_grad_(false);

  lstm = register_module(
      "lstm", std::make_shared<nn::LSTM>(embedding_dim, hidden_dim, n_layers, true,
                                         /*batch_first=*/true, dropout_p, bidirectional, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(hidden_dim * 2, output_dim, true, gen));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(dropout_p, gen));
}

Tensor SentimentClassifierWithPretrained::forward(const Tensor& text, const Tensor& text_lengths) {
  check_lengths(text, text_lengths, "SentimentClassifierWithPretrained");
  Tensor embedded = dropout->forward(embedding->forward(text));  // [B, T, D]
  nn::PackedSequence packed_embedded = nn::pack_padded_sequence(
      embedded, text_lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
  Tensor hidden = lstm->forward(packed_embedded).state.first;  // [n_layers * dirs, B, H]
  const int64_t n = hidden.size(0);
  // hidden[-2] and hidden[-1]: the last layer's forward and backward final states
  hidden = dropout->forward(cat({select(hidden, 0, n - 2), select(hidden, 0, n - 1)}, 1));
  return fc->forward(hidden);  // [B, output_dim]
}

TransferLearningModel::TransferLearningModel(const Tensor& pretrained_embeddings,
                                             int64_t num_classes, bool freeze_embeddings,
                                             int64_t hidden_dim, Generator* gen)
    : Module("TransferLearningModel") {
  embedding = register_module(
      "embedding", nn::Embedding::from_pretrained(pretrained_embeddings, freeze_embeddings));
  lstm = register_module("lstm",
                         std::make_shared<nn::LSTM>(embedding->embedding_dim(), hidden_dim, 1, true,
                                                    /*batch_first=*/true, 0.0, false, gen));
  fc = register_module("fc", std::make_shared<nn::Linear>(hidden_dim, num_classes, true, gen));
}

Tensor TransferLearningModel::forward(const Tensor& x) {
  Tensor embedded = embedding->forward(x);                            // [B, T, D]
  Tensor hidden = lstm->forward(embedded, std::nullopt).state.first;  // [1, B, H]
  return fc->forward(hidden.squeeze(0));                              // [B, C]
}

void TransferLearningModel::unfreeze_embeddings() { embedding->weight.requires_grad_(true); }

std::vector<Tensor> TransferLearningModel::head_parameters() const {
  std::vector<Tensor> params = lstm->parameters();
  for (const Tensor& p : fc->parameters()) params.push_back(p);
  return params;
}

}  // namespace ember::models
