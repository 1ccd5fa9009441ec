// Seed 000 (2ab7594df1d23937), "nn.Embedding Layer Architecture", "Skip-gram Implementation",
// "CBOW Implementation", "GloVe Implementation", "FastText Implementation", "Loading and Using
// Pre-trained Embeddings", "Evaluation and Analysis Tools" and "Complete Training Pipeline":
// the seed's models written with ember's autograd and trained the seed's way on a small real
// corpus (1,250 lines of State of the Union addresses), then compared by cosine similarity,
// nearest neighbours, an analogy and a 2-D plot. `ember train` runs the same models with the
// fused trainers on real corpora.
//
//   ./word_embeddings [--smoke] [CORPUS]   (run from the repository root)
//   --smoke: one epoch of each model, two of GloVe (a few seconds); exits 1 unless skip-gram
//   and GloVe both put related words closer than unrelated ones and every loss fell.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ember/data/cooccurrence.h>
#include <ember/data/data_loader.h>
#include <ember/data/datasets.h>
#include <ember/data/fasttext_ngrams.h>
#include <ember/data/pretrained.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/ember.h>
#include <ember/eval/evaluator.h>
#include <ember/eval/pca.h>
#include <ember/eval/plot.h>
#include <ember/models/fasttext_model.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/models/glove_model.h>
#include <ember/models/glove_trainer.h>
#include <ember/models/word2vec_model.h>

using namespace ember;

// [snippet:train_skipgram]
// The seed's train_skipgram: one optimizer step per batch of (center, positive, negatives).
double train_skipgram(models::SkipGramModel& model, data::DataLoader& dataloader,
                      optim::Optimizer& optimizer, models::SkipGramLoss& criterion,
                      int64_t epochs) {
  double avg_loss = 0;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    double total_loss = 0;
    int64_t batch_idx = 0;
    for (const data::Batch& batch : dataloader) {
      optimizer.zero_grad();
      auto [pos_scores, neg_scores] =
          model.forward(batch["center"], batch["positive"], batch["negatives"]);
      Tensor loss = criterion.forward(pos_scores, neg_scores);
      loss.backward();
      optimizer.step();
      total_loss += loss.item<double>();
      if (batch_idx++ % 250 == 0)
        std::printf("Epoch %lld, Batch %lld, Loss: %.4f\n", (long long)epoch,
                    (long long)batch_idx - 1, loss.item<double>());
    }
    avg_loss = total_loss / double(batch_idx);
    std::printf("Epoch %lld completed. Average Loss: %.4f\n", (long long)epoch, avg_loss);
  }
  return avg_loss;
}
// [/snippet]

// Words the addresses use together against pairs from unrelated topics: mean cosines.
static double related_margin(const eval::Evaluator& evaluator, const char* name) {
  const std::vector<std::pair<const char*, const char*>> related = {
      {"senate", "house"}, {"british", "french"}, {"war", "peace"}, {"commerce", "trade"}};
  const std::vector<std::pair<const char*, const char*>> unrelated = {{"senate", "vessels"},
                                                                      {"british", "debt"},
                                                                      {"war", "representatives"},
                                                                      {"commerce", "militia"}};
  double margin = 0;
  for (size_t i = 0; i < related.size(); ++i)
    margin += evaluator.similarity(related[i].first, related[i].second) -
              evaluator.similarity(unrelated[i].first, unrelated[i].second);
  margin /= double(related.size());
  std::printf("%s: related pairs are %.3f closer (cosine) than unrelated ones\n", name, margin);
  return margin;
}

// [V, D] vectors of `vocab`'s words, for the evaluator.
static eval::Evaluator evaluator_of(const data::Vocabulary& vocab, const Tensor& embeddings) {
  return eval::Evaluator(data::WordVectors::from_rows(
      vocab.words(), embeddings.contiguous().to_vector<float>(), embeddings.size(1)));
}

int main(int argc, char** argv) {
  bool smoke = false;
  std::string corpus = "tests/data/sotu_1250.txt";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke"))
      smoke = true;
    else
      corpus = argv[i];
  }
  try {
    manual_seed(0);
    set_num_threads(1);  // batches this small run fastest on one thread
    const int64_t epochs = smoke ? 1 : 3;
    bool ok = true;

    // [snippet:embedding_layer]
    // EmbeddingLayer and initialize_embeddings: a table with a padding row, Xavier-initialised
    nn::EmbeddingOptions options;
    options.padding_idx = 0;
    nn::Embedding embedding(/*num_embeddings=*/10, /*embedding_dim=*/4, options);
    nn::init::xavier_uniform_(embedding.weight);
    {
      NoGradGuard no_grad;  // zero out the padding token
      embedding.weight[0].fill_(0.0);
    }
    Tensor input_ids = tensor(std::vector<int64_t>{0, 3, 7}, {1, 3});
    std::printf("%s -> %s, padding row sum %g\n", shape_str(input_ids.sizes()).c_str(),
                shape_str(embedding.forward(input_ids).sizes()).c_str(),
                embedding.forward(input_ids)[0][0].sum().item<double>());
    // [/snippet]

    // [snippet:skipgram_data]
    // Build vocabulary: words seen at least min_count times, most frequent first
    data::VocabularyOptions vocab_options;
    vocab_options.min_count = 5;
    data::Vocabulary vocab = data::Vocabulary::build(corpus, vocab_options);
    std::printf("Vocabulary size: %lld (%lld tokens)\n", (long long)vocab.size(),
                (long long)vocab.total_tokens());

    // Create dataset and dataloader: (center, positive, K negatives) from one pass over the file
    data::SkipGramOptions skipgram_options;
    skipgram_options.window = 5;
    skipgram_options.negatives = 5;
    skipgram_options.sample = 1e-3;  // word2vec's subsampling of frequent words
    data::SkipGramDataset dataset(corpus, vocab, skipgram_options);
    data::DataLoaderOptions loader_options;
    loader_options.batch_size = 256;
    loader_options.shuffle = true;
    data::DataLoader dataloader(dataset, loader_options);
    std::printf("%lld (center, context) pairs, %lld batches\n", (long long)dataset.size(),
                (long long)dataloader.num_batches());
    // [/snippet]

    // [snippet:skipgram_model]
    // Initialize model: two sparse tables, uniform in [-0.5/D, 0.5/D] as the seed has them
    models::SkipGramModel model(vocab.size(), /*embedding_dim=*/50, /*sparse=*/true);
    models::SkipGramLoss criterion;
    // Sparse gradients take SparseAdam (AdamW, as the seed uses, refuses them)
    optim::SparseAdam optimizer(model.parameters(), /*lr=*/0.01);
    const double skipgram_loss = train_skipgram(model, dataloader, optimizer, criterion, epochs);
    Tensor final_embeddings = model.embeddings();  // (center + context) / 2: [V, D]
    // [/snippet]
    ok = ok && std::isfinite(skipgram_loss) && skipgram_loss < std::log(2.0) * 6;

    // [snippet:evaluate]
    // Evaluation: nearest neighbours, an analogy and cosine similarities of word pairs
    eval::Evaluator evaluator = evaluator_of(vocab, final_embeddings);
    for (const char* word : {"war", "senate", "british"}) {
      std::printf("Most similar to '%s':", word);
      for (const eval::Neighbor& n : evaluator.most_similar(word, 5))
        std::printf(" %s (%.3f)", n.word.c_str(), n.similarity);
      std::printf("\n");
    }
    for (const eval::Neighbor& n : evaluator.analogy("war", "peace", "hostile", 3))
      std::printf("war : peace :: hostile : %s (%.3f)\n", n.word.c_str(), n.similarity);
    ok = related_margin(evaluator, "skip-gram") > 0.1 && ok;
    // [/snippet]

    // [snippet:pretrained_loader]
    // PretrainedEmbeddingLoader: the vectors saved as word2vec binary and read back (the
    // format is told from the content; limit keeps the first rows), then an embedding layer
    // of them with extra N(0, 0.1) rows for words the file lacks (create_embedding_layer)
    const std::string vectors_path =
        (std::filesystem::temp_directory_path() / "ember_word_embeddings.bin").string();
    data::write_vectors(vectors_path, evaluator.vectors(), data::VectorFormat::kWord2VecBinary);
    data::VectorReadOptions read_options;
    read_options.limit = 1000;
    data::VectorFileInfo info;
    data::WordVectors pretrained = data::read_vectors(vectors_path, read_options, &info);
    auto embedding_layer = data::embedding_from_vectors(pretrained, /*extra_rows=*/10);
    std::printf("read %lld of %lld vectors (%s); embedding layer %s, 'war' is row %lld\n",
                (long long)pretrained.size(), (long long)info.rows_in_file,
                data::vector_format_name(info.format),
                shape_str(embedding_layer->weight.sizes()).c_str(),
                (long long)pretrained.find("war"));
    // [/snippet]
    ok = ok && info.format == data::VectorFormat::kWord2VecBinary &&
         embedding_layer->weight.size(0) == 1010 &&
         pretrained.row(pretrained.find("war"))[0] == evaluator.get_word_vector("war")[0];

    // [snippet:cbow]
    // CBOW: the 2C words around each target -> mean -> Linear(vocab) -> cross-entropy
    data::CBOWOptions cbow_options;
    cbow_options.context_size = 2;
    data::CBOWDataset cbow_dataset(corpus, vocab, cbow_options);
    data::DataLoader cbow_loader(cbow_dataset, loader_options);
    models::CBOWModel cbow(vocab.size(), /*embedding_dim=*/50, cbow_options.context_size);
    optim::Adam cbow_optimizer(cbow.parameters(), optim::AdamOptions(0.001));
    nn::CrossEntropyLoss cbow_criterion;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      double total_loss = 0;
      for (const data::Batch& batch : cbow_loader) {
        cbow_optimizer.zero_grad();
        Tensor loss = cbow_criterion(cbow.forward(batch["context"]), batch["target"]);
        loss.backward();
        cbow_optimizer.step();
        total_loss += loss.item<double>();
      }
      const double avg_loss = total_loss / double(cbow_loader.num_batches());
      std::printf("CBOW epoch %lld completed. Average Loss: %.4f (uniform guess: %.4f)\n",
                  (long long)epoch, avg_loss, std::log(double(vocab.size())));
      ok = ok && avg_loss < std::log(double(vocab.size()));
    }
    // [/snippet]

    // [snippet:glove]
    // GloVe: co-occurrence counts X[i][j] (each pair adds 1/distance within the window) ...
    data::CooccurrenceOptions cooccurrence_options;
    cooccurrence_options.window = 10;
    data::Cooccurrences cooccurrences =
        data::CooccurrenceBuilder(vocab, cooccurrence_options).build(corpus);
    std::vector<int64_t> words, contexts;
    std::vector<float> values;
    for (const data::CooccurrenceRecord& r : cooccurrences.records()) {
      words.push_back(r.row);
      contexts.push_back(r.col);
      values.push_back(r.value);
    }
    std::printf("GloVe: %lld nonzero co-occurrences\n", (long long)cooccurrences.size());
    // ... then the weighted least squares f(X) (w.c + b + b~ - log X)^2 with glove.c's AdaGrad
    models::GloVeModel glove(vocab.size(), /*embedding_dim=*/50, /*x_max=*/10, /*alpha=*/0.75);
    auto adagrad = models::glove_adagrad(glove, /*eta=*/0.05);
    std::vector<double> costs =
        models::train_glove(glove, tensor(words), tensor(contexts), tensor(values), *adagrad,
                            /*epochs=*/smoke ? 2 : 5, /*batch_size=*/256);
    for (size_t epoch = 0; epoch < costs.size(); ++epoch)
      std::printf("GloVe epoch %zu completed. Average cost: %.4f\n", epoch, costs[epoch]);
    // [/snippet]
    ok = ok && costs.back() < costs.front();
    ok = related_margin(evaluator_of(vocab, glove.embeddings()), "GloVe") > 0.05 && ok;

    // [snippet:fasttext_tokenizer]
    // FastTextTokenizer: "<where>" -> its character 3- to 6-grams, hashed into buckets
    // (fastText's own FNV-1a hash, so the rows match fastText's)
    data::SubwordOptions subword_options;  // minn 3, maxn 6
    subword_options.bucket = 100000;
    std::vector<int32_t> rows;
    std::vector<std::string> ngrams;
    data::compute_subwords("where", subword_options, vocab.size(), rows, &ngrams);
    std::printf("%zu n-grams of <where>:", ngrams.size());
    for (size_t i = 0; i < 4; ++i) std::printf(" %s -> row %d", ngrams[i].c_str(), rows[i]);
    std::printf(" ...\n");
    // [/snippet]

    // [snippet:fasttext_model]
    // FastTextModel: a word is the mean of its own row and its n-gram rows, scored against a
    // context table; trained here on the skip-gram batches with SGD on the summed loss
    models::FastTextModel fasttext(vocab, /*embedding_dim=*/50, subword_options);
    optim::SGD sgd(fasttext.parameters(), /*lr=*/0.05);
    double first_loss = 0, last_loss = 0;
    int64_t step = 0;
    for (int64_t epoch = 0; epoch < epochs; ++epoch)
      for (const data::Batch& batch : dataloader) {
        std::vector<int64_t> centers = batch["center"].to_vector<int64_t>();
        auto [ngram_rows, offsets] = fasttext.ngrams_of(centers);
        auto [pos_scores, neg_scores] = fasttext.forward(batch["center"], ngram_rows, offsets,
                                                         batch["positive"], batch["negatives"]);
        Tensor loss =
            nn::functional::negative_sampling_loss(pos_scores, neg_scores, nn::Reduction::kSum);
        sgd.zero_grad();
        loss.backward();
        sgd.step();
        last_loss = loss.item<double>() / double(centers.size());
        if (step++ == 0) first_loss = last_loss;
      }
    std::printf("FastText loss per pair: %.4f -> %.4f\n", first_loss, last_loss);
    // A word never seen in training still gets a vector: the mean of its n-gram rows
    Tensor unseen = fasttext.word_vector("peaceful");
    eval::Evaluator fasttext_vectors = evaluator_of(vocab, fasttext.word_vectors());
    std::printf("'peaceful' (not in the vocabulary) is nearest to:");
    for (const eval::Neighbor& n :
         fasttext_vectors.most_similar_to_vector(unseen.to_vector<float>().data(), 3))
      std::printf(" %s", n.word.c_str());
    std::printf("\n");
    // [/snippet]
    ok = ok && vocab.find("peaceful") == data::Vocabulary::kNone && last_loss < first_loss;

    // [snippet:plot]
    // visualize_embeddings_2d: PCA of chosen words' skip-gram vectors, a labelled SVG scatter
    const std::vector<std::string> words_to_plot = {
        "war",    "peace",   "army",      "navy",     "treaty",  "senate", "house", "congress",
        "states", "british", "french",    "spain",    "revenue", "debt",   "taxes", "treasury",
        "indian", "tribes",  "territory", "commerce", "trade",   "duties"};
    std::vector<float> selected;
    for (const std::string& word : words_to_plot) {
      const float* row = evaluator.get_word_vector(word);
      selected.insert(selected.end(), row, row + evaluator.dim());
    }
    eval::PcaResult reduced =
        eval::pca(selected.data(), int64_t(words_to_plot.size()), evaluator.dim(), 2);
    eval::ScatterPlot plot;
    plot.title = "Word Embeddings Visualization (PCA)";
    plot.x_label = "Component 1";
    plot.y_label = "Component 2";
    plot.labels = words_to_plot;
    for (size_t i = 0; i < words_to_plot.size(); ++i) {
      plot.x.push_back(reduced.projection[2 * i]);
      plot.y.push_back(reduced.projection[2 * i + 1]);
    }
    const std::string plot_path =
        (std::filesystem::temp_directory_path() / "ember_word_embeddings.svg").string();
    eval::write_scatter(plot, plot_path);
    std::printf("wrote %s (%zu words, %.0f%% of the variance)\n", plot_path.c_str(),
                words_to_plot.size(),
                100 * (reduced.explained_variance_ratio[0] + reduced.explained_variance_ratio[1]));
    // [/snippet]

    std::printf("%s\n", ok ? "Training completed!" : "a check FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "word_embeddings: %s\n", e.what());
    return 1;
  }
}
