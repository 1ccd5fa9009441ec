// Seed 004 (d9113cf7d1e4e731), slides 1-10 and 12: the embedding layer as a lookup table
// (creation, initialization, word-to-vector, out-of-vocabulary words), in a classifier,
// from pretrained weights, visualised with t-SNE, its lookup speed against a map, variable-
// length sequences with a mask, the sentiment model of slide 10 trained on its three reviews,
// and its memory at float32 and float16. Slides 11 and 13 are char_lm.cpp and
// transfer_learning.cpp.
//
//   ./embedding_basics [--smoke]   (--smoke is the same run, a second long; exits 1 if the
//   lookup disagrees with the weight row, the mask lets padding through or the loss stays up)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <ember/data/vocab.h>
#include <ember/ember.h>
#include <ember/eval/plot.h>
#include <ember/eval/tsne.h>
#include <ember/models/classifier_models.h>

using namespace ember;

int main(int argc, char** argv) {
  (void)argc, (void)argv;  // --smoke runs the same small program
  try {
    manual_seed(0);
    bool ok = true;

    // [snippet:creating]
    // Slide 1-2: creating an embedding layer; its weights start N(0, 1)
    const int64_t vocab_size = 10000, embedding_dim = 100;
    nn::Embedding embedding(vocab_size, embedding_dim);
    Tensor input_indices = tensor({1, 5, 3, 2});
    Tensor embedded = embedding.forward(input_indices);
    std::printf("Input shape: %s\nEmbedded shape: %s\n", shape_str(input_indices.sizes()).c_str(),
                shape_str(embedded.sizes()).c_str());
    // The lookup is row selection: row 5 of the table is the second output
    const bool same_row =
        embedded[1].to_vector<float>() == embedding.weight[5].detach().to_vector<float>();
    std::printf("embedded[1] == weight[5]: %s\n", same_row ? "True" : "False");
    // [/snippet]
    ok = ok && same_row;

    // [snippet:oov]
    // Slides 3-4: word -> index -> vector, unknown words mapped to the <OOV> row 0
    const std::map<std::string, int64_t> vocab = {
        {"<OOV>", 0}, {"cat", 1}, {"dog", 2}, {"fish", 3}};
    nn::Embedding small(int64_t(vocab.size()), 4);
    auto get_word_vector = [&](const std::string& word) {
      auto it = vocab.find(word);
      const int64_t idx = it == vocab.end() ? 0 : it->second;  // OOV index if not in vocab
      return small.forward(tensor({idx})).squeeze();
    };
    std::printf("Known word: %s\n", get_word_vector("cat").str().c_str());
    std::printf("OOV word: %s\n", get_word_vector("elephant").str().c_str());
    // [/snippet]

    // [snippet:classifier]
    // Slides 5-6: the embedding as a network's first layer, and from pretrained weights
    models::SimpleTextClassifier model(vocab_size, embedding_dim, /*num_classes=*/5);
    Tensor input_ids = randint(0, vocab_size, {32, 20});  // 32 sentences of 20 words
    std::printf("Output shape: %s\n", shape_str(model.forward(input_ids).sizes()).c_str());
    Tensor pretrained_embeddings = randn({10000, 100});  // simulate loaded embeddings
    auto pretrained = nn::Embedding::from_pretrained(pretrained_embeddings);
    std::printf("Pretrained vector shape: %s\n",
                shape_str(pretrained->forward(tensor({42})).sizes()).c_str());
    // [/snippet]

    // [snippet:tsne]
    // Slide 7: t-SNE of five words' 50-dimensional vectors, as a labelled SVG scatter
    const std::vector<std::string> animals = {"cat", "dog", "fish", "bird", "lion"};
    nn::Embedding animal_embedding(int64_t(animals.size()), 50);
    std::vector<float> embeddings_np = animal_embedding.weight.detach().to_vector<float>();
    eval::TsneResult reduced = eval::tsne(embeddings_np.data(), int64_t(animals.size()), 50);
    eval::ScatterPlot plot;
    plot.title = "2D Visualization of Word Embeddings";
    plot.labels = animals;
    for (size_t i = 0; i < animals.size(); ++i) {
      plot.x.push_back(reduced.embedding[2 * i]);
      plot.y.push_back(reduced.embedding[2 * i + 1]);
    }
    const std::string path =
        (std::filesystem::temp_directory_path() / "ember_embedding_basics.svg").string();
    eval::write_scatter(plot, path);
    std::printf("wrote %s (perplexity %.2f, KL %.3f)\n", path.c_str(), reduced.perplexity,
                reduced.kl_divergence);
    // [/snippet]

    // [snippet:lookup_speed]
    // Slide 8: one batched lookup of 10,000 rows against 10,000 map lookups
    nn::Embedding big(100000, 300);
    Tensor indices = randint(0, 100000, {10000});
    auto start = std::chrono::steady_clock::now();
    Tensor rows = big.forward(indices);
    const double embed_time =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::map<int64_t, Tensor> embed_dict;
    for (int64_t i = 0; i < 100000; ++i) embed_dict[i] = big.weight[i];
    start = std::chrono::steady_clock::now();
    std::vector<Tensor> looked_up;
    for (int64_t i : indices.to_vector<int64_t>()) looked_up.push_back(embed_dict[i]);
    Tensor stacked = stack(looked_up);
    const double dict_time =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Embedding lookup time: %.4fs\nDictionary lookup time: %.4fs\n", embed_time,
                dict_time);
    // [/snippet]
    ok = ok && stacked.sizes() == rows.sizes();

    // [snippet:variable_length]
    // Slide 9: pad three sequences to the longest, embed, and zero the padded positions
    nn::Embedding embed(1000, 50);
    std::vector<Tensor> sequences = {randint(1, 1000, {5}), randint(1, 1000, {3}),
                                     randint(1, 1000, {7})};
    Tensor padded_sequences = nn::pad_sequence(sequences, /*batch_first=*/true);
    Tensor mask = to(ne(padded_sequences, 0.0), kFloat32);
    Tensor masked_embedded = embed.forward(padded_sequences) * mask.unsqueeze(-1);
    std::printf("Padded shape: %s\nMasked embedded shape: %s\n",
                shape_str(padded_sequences.sizes()).c_str(),
                shape_str(masked_embedded.sizes()).c_str());
    // [/snippet]
    ok = ok && abs(masked_embedded[1][4]).sum().item<double>() == 0.0;

    // [snippet:sentiment]
    // Slide 10: the three-review sentiment model, mean of embeddings -> Linear -> sigmoid
    const std::vector<std::string> reviews = {"great movie", "terrible film", "loved it"};
    Tensor y = tensor(std::vector<float>{1, 0, 1});  // 1 for positive, 0 for negative
    data::Vocabulary words = data::Vocabulary::build(reviews, data::VocabularyOptions{});
    std::vector<Tensor> encoded;
    for (const std::string& review : reviews) encoded.push_back(tensor(words.encode(review)));
    Tensor X = nn::pad_sequence(encoded, /*batch_first=*/true);
    models::SentimentClassifier classifier(words.size(), 10);
    optim::Adam optimizer(classifier.parameters());
    nn::BCELoss criterion;
    Tensor loss;
    for (int epoch = 0; epoch < 100; ++epoch) {
      optimizer.zero_grad();
      loss = criterion(classifier.forward(X).squeeze(), y);
      loss.backward();
      optimizer.step();
    }
    std::printf("Final loss: %.4f\n", loss.item<double>());
    // [/snippet]
    ok = ok && loss.item<double>() < std::log(2.0);

    // [snippet:memory_usage]
    // Slide 12: the table's bytes at float32, and at float16 (half the memory)
    for (int64_t size : {1000, 10000, 100000}) {
      nn::Embedding layer(size, 300);
      std::printf("Vocab size: %lld, Embedding size: %.2f MB\n", (long long)size,
                  double(layer.weight.numel()) * double(element_size(layer.weight.dtype())) /
                      (1024 * 1024));
    }
    nn::Embedding embedding_fp16(100000, 300);
    embedding_fp16.to(kFloat16);
    std::printf("FP16 Embedding size: %.2f MB\n",
                double(embedding_fp16.weight.numel()) *
                    double(element_size(embedding_fp16.weight.dtype())) / (1024 * 1024));
    // [/snippet]
    ok = ok && embedding_fp16.weight.dtype() == kFloat16;

    std::printf("%s\n", ok ? "all checks passed" : "a check FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embedding_basics: %s\n", e.what());
    return 1;
  }
}
