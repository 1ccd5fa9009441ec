// The composable FastTextModel (see fasttext.h): the seed's tables and forward, with
// fastText's arithmetic.
#include <ember/autograd/grad_mode.h>
#include <ember/models/fasttext_model.h>
#include <ember/nn/functional.h>
#include <ember/nn/init.h>

namespace ember::models {

FastTextModel::FastTextModel(const data::Vocabulary& vocab, int64_t embedding_dim,
                             const data::SubwordOptions& subwords, bool sparse, Generator* gen)
    : Module("FastTextModel"), vocab_(vocab), subwords_(vocab, subwords) {
  const int64_t V = vocab.size(), D = embedding_dim;
  EMBER_CHECK(V > 0 && D > 0, "FastTextModel: need a vocabulary and a positive dim, got ", V,
              " words and dim ", D);
  nn::EmbeddingOptions table;
  table.sparse = sparse;
  nn::EmbeddingBagOptions bags;
  bags.mode = nn::BagMode::kSum;
  bags.sparse = sparse;
  const int64_t buckets = std::max<int64_t>(subwords.maxn > 0 ? subwords.bucket : 0, 1);
  word_embeddings =
      register_module("word_embeddings", std::make_shared<nn::Embedding>(V, D, table, gen));
  subword_embeddings = register_module("subword_embeddings",
                                       std::make_shared<nn::EmbeddingBag>(buckets, D, bags, gen));
  context_embeddings =
      register_module("context_embeddings", std::make_shared<nn::Embedding>(V, D, table, gen));
  nn::init::uniform_(word_embeddings->weight, -1.0 / double(D), 1.0 / double(D), gen);
  nn::init::uniform_(subword_embeddings->weight, -1.0 / double(D), 1.0 / double(D), gen);
  nn::init::zeros_(context_embeddings->weight);
}

std::pair<Tensor, Tensor> FastTextModel::ngrams_of(const std::vector<int64_t>& words) const {
  // Word w's subword rows are [w, V + g1, V + g2, ...]: drop the first, shift the rest.
  const int64_t V = vocab_.size();
  std::vector<int64_t> ngrams, offsets;
  for (int64_t w : words) {
    EMBER_CHECK(w >= 0 && w < V, "FastTextModel: word id ", w, " out of range for ", V, " words");
    offsets.push_back(int64_t(ngrams.size()));
    for (const int32_t* r = subwords_.begin(w) + 1; r < subwords_.end(w); ++r)
      ngrams.push_back(int64_t(*r) - V);
  }
  return {tensor(ngrams, {int64_t(ngrams.size())}), tensor(offsets, {int64_t(offsets.size())})};
}

Tensor FastTextModel::hidden(const Tensor& center, const Tensor& ngrams, const Tensor& offsets) {
  const int64_t B = center.size(0), N = ngrams.size(0);
  // rows per center: 1 + the size of its bag
  std::vector<float> counts(static_cast<size_t>(B));
  std::vector<int64_t> starts = offsets.to_vector<int64_t>();
  for (int64_t b = 0; b < B; ++b)
    counts[size_t(b)] = float(1 + (b + 1 < B ? starts[size_t(b + 1)] : N) - starts[size_t(b)]);
  Tensor sum =
      word_embeddings->forward(center) + subword_embeddings->forward(ngrams, offsets);  // [B, D]
  Tensor mean = sum / tensor(counts, {B, 1});
  return mean.detach() + (sum - sum.detach());
}

std::pair<Tensor, Tensor> FastTextModel::forward(const Tensor& center, const Tensor& ngrams,
                                                 const Tensor& offsets, const Tensor& context,
                                                 const Tensor& negative) {
  Tensor h = hidden(center, ngrams, offsets);                      // [B, D]
  Tensor context_embeds = context_embeddings->forward(context);    // [B, D]
  Tensor negative_embeds = context_embeddings->forward(negative);  // [B, K, D]
  Tensor positive_score = sum(h * context_embeds, {1});
  Tensor negative_scores = bmm(negative_embeds, h.unsqueeze(2)).squeeze(2);
  return {positive_score, negative_scores};
}

Tensor FastTextModel::word_vector(std::string_view word) const {
  NoGradGuard no_grad;
  const int64_t id = vocab_.find(word), V = vocab_.size();
  std::vector<int32_t> rows = id == data::Vocabulary::kNone
                                  ? subwords_.oov(word)
                                  : std::vector<int32_t>(subwords_.begin(id), subwords_.end(id));
  const int64_t D = word_embeddings->embedding_dim();
  Tensor out = zeros({D});
  if (rows.empty()) return out;
  for (int32_t r : rows)
    out = out + (r < V ? word_embeddings->weight.select(0, r)
                       : subword_embeddings->weight.select(0, int64_t(r) - V));
  return out / double(rows.size());
}

Tensor FastTextModel::word_vectors() const {
  std::vector<Tensor> rows;
  for (int64_t w = 0; w < vocab_.size(); ++w) rows.push_back(word_vector(vocab_.word(w)));
  NoGradGuard no_grad;
  return stack(rows, 0);
}

}  // namespace ember::models
