// `ember demo`: skip-gram with negative sampling, written with the autograd engine the way
// the seed tutorial writes it in PyTorch — models::SkipGramModel's two sparse embedding tables
// and batched dot product, the negative-sampling loss — and trained with SparseAdam. The fused
// trainers (`ember train`) are the fast way; this shows the engine end to end.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <ember/ember.h>
#include <ember/models/word2vec_model.h>

#include "commands.h"
#include "options.h"

namespace ember::cli {

namespace {

// Words kept by frequency (at most max_vocab), and the corpus as their ids.
struct Corpus {
  std::vector<std::string> words;
  std::vector<int64_t> counts;
  std::vector<int64_t> ids;  // the text with out-of-vocabulary words dropped
};

Corpus read_corpus(const std::string& path, int64_t max_vocab) {
  std::ifstream in(path);
  EMBER_CHECK(in, "cannot open ", path);
  std::unordered_map<std::string, int64_t> count;
  std::vector<std::string> tokens;
  for (std::string token; in >> token;) {
    ++count[token];
    tokens.push_back(token);
  }
  EMBER_CHECK(!tokens.empty(), path, " has no words");
  std::vector<std::pair<int64_t, std::string>> by_count;
  for (auto& [word, n] : count) by_count.push_back({-n, word});
  std::sort(by_count.begin(), by_count.end());
  Corpus c;
  std::unordered_map<std::string, int64_t> id;
  for (size_t i = 0; i < by_count.size() && int64_t(i) < max_vocab; ++i) {
    id[by_count[i].second] = int64_t(i);
    c.words.push_back(by_count[i].second);
    c.counts.push_back(-by_count[i].first);
  }
  for (const std::string& token : tokens) {
    auto it = id.find(token);
    if (it != id.end()) c.ids.push_back(it->second);
  }
  return c;
}

// Writes the word2vec text format atomically (nn::write_text_atomic).
void write_vectors(const std::string& path, const Corpus& c, const Tensor& vectors) {
  std::ostringstream out;
  std::vector<float> v = vectors.to_vector<float>();
  const int64_t d = vectors.size(1);
  out << c.words.size() << ' ' << d << '\n';
  for (size_t w = 0; w < c.words.size(); ++w) {
    out << c.words[w];
    for (int64_t j = 0; j < d; ++j) out << ' ' << v[w * d + j];
    out << '\n';
  }
  nn::write_text_atomic(path, out.str());
}

}  // namespace

int demo(int argc, char** argv) {
  CLI::App app(
      "Trains skip-gram with negative sampling through autograd on FILE (whitespace tokens),\n"
      "prints the loss and nearest neighbours, and writes PREFIX.vec (word2vec text).",
      "ember demo");
  configure(app);
  struct {
    std::string input = "corpus/sample.txt";
    std::string output = "out/demo";
    int64_t dim = 50, window = 2, negatives = 5, batch = 512, max_vocab = 5000, epochs = 3;
    double lr = 0.01;
    uint64_t seed = 1;
  } o;
  app.add_option("--input", o.input, "FILE, whitespace tokens");
  app.add_option("--output", o.output, "PREFIX of the .vec file written");
  app.add_option("--dim", o.dim, "vector size")->check(at_least<int64_t>(1));
  app.add_option("--window", o.window, "max context distance")
      ->check(in_range<int64_t>(1, kMillion));
  app.add_option("--negatives", o.negatives, "negatives per pair")
      ->check(in_range<int64_t>(1, kMillion));
  app.add_option("--batch", o.batch, "pairs per step")->check(at_least<int64_t>(1));
  app.add_option("--max-vocab", o.max_vocab, "keep the N most frequent words")
      ->check(at_least<int64_t>(1));
  app.add_option("--epochs", o.epochs, "passes over the pairs")->check(at_least<int64_t>(1));
  app.add_option("--lr", o.lr, "SparseAdam's learning rate")->check(positive());
  app.add_option("--seed", o.seed, "random seed");
  parse_command_line(app, argc, argv);
  Generator gen(o.seed);
  Corpus corpus = read_corpus(o.input, o.max_vocab);
  const int64_t V = int64_t(corpus.words.size());
  std::printf("demo: %zu tokens in vocabulary of %lld words from %s\n", corpus.ids.size(),
              static_cast<long long>(V), o.input.c_str());

  // (center, context) pairs within the window, after word2vec's subsampling of frequent
  // words (keep probability sqrt(t / f) + t / f with t = 1e-3).
  const double total = double(corpus.ids.size());
  std::vector<int64_t> kept;
  for (int64_t id : corpus.ids) {
    double f = double(corpus.counts[id]) / total, ratio = 1e-3 / f;
    if (gen.next_double() < std::sqrt(ratio) + ratio) kept.push_back(id);
  }
  std::vector<int64_t> centers, contexts;
  const int64_t n = int64_t(kept.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = std::max<int64_t>(0, i - o.window); j <= std::min(n - 1, i + o.window); ++j)
      if (j != i) {
        centers.push_back(kept[i]);
        contexts.push_back(kept[j]);
      }
  const int64_t pairs = int64_t(centers.size());
  Tensor all_centers = tensor(centers, {pairs}), all_contexts = tensor(contexts, {pairs});

  // Negatives from the unigram distribution raised to 3/4, as word2vec draws them.
  std::vector<float> weights(corpus.counts.size());
  for (size_t w = 0; w < weights.size(); ++w) weights[w] = std::pow(float(corpus.counts[w]), 0.75f);
  Tensor noise = tensor(weights, {V});

  models::SkipGramModel model(V, o.dim, /*sparse=*/true, &gen);
  optim::SparseAdam optimizer(model.parameters(), o.lr);
  auto start = std::chrono::steady_clock::now();
  const int64_t steps = o.epochs * ((pairs + o.batch - 1) / o.batch);
  double running = 0;
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    Tensor order = randperm(pairs, &gen);
    for (int64_t begin = 0; begin < pairs; begin += o.batch, ++step) {
      Tensor batch = order.slice(0, begin, std::min(pairs, begin + o.batch));
      const int64_t B = batch.size(0);
      Tensor center = index_select(all_centers, 0, batch);
      Tensor positive = index_select(all_contexts, 0, batch);
      Tensor negative = multinomial(noise, B * o.negatives, true, &gen).view({B, o.negatives});
      optimizer.zero_grad();
      auto [positive_score, negative_scores] = model.forward(center, positive, negative);
      Tensor loss = nn::functional::negative_sampling_loss(positive_score, negative_scores);
      loss.backward();
      optimizer.step();
      running = step == 0 ? loss.item() : 0.98 * running + 0.02 * loss.item();
      if (step % 500 == 0 || step + 1 == steps)
        std::printf("step %5lld / %lld  loss %.4f\n", static_cast<long long>(step),
                    static_cast<long long>(steps), running);
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("trained %lld pairs in %.1f s (%.0f pairs/s)\n",
              static_cast<long long>(pairs * o.epochs), seconds,
              double(pairs * o.epochs) / seconds);

  // Nearest neighbours by cosine similarity: normalise rows, one matrix product, top-k.
  Tensor vectors = model.embeddings();
  Tensor unit = nn::functional::normalize(vectors, 2.0, 1);
  for (const char* word : {"war", "congress", "peace", "british", "citizens", "treasury"}) {
    auto it = std::find(corpus.words.begin(), corpus.words.end(), word);
    if (it == corpus.words.end()) continue;
    int64_t id = it - corpus.words.begin();
    ValuesIndices top = topk(matmul(unit, unit.select(0, id)), 6);
    std::printf("%-10s ->", word);
    std::vector<int64_t> ids = top.indices.to_vector<int64_t>();
    std::vector<float> sims = top.values.to_vector<float>();
    for (size_t k = 1; k < ids.size(); ++k)
      std::printf(" %s (%.2f)", corpus.words[ids[k]].c_str(), sims[k]);
    std::printf("\n");
  }
  write_vectors(o.output + ".vec", corpus, vectors);
  std::printf("wrote %s.vec\n", o.output.c_str());
  return 0;
}

}  // namespace ember::cli
