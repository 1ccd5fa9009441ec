// Seed 003_4a8e94b22b3f2e3a.txt, "Part 2: Our Custom Vocabulary", "Part 3: To Freeze or To
// Fine-Tune?" and "Part 4: Full Classification Example": a weight matrix for our own
// vocabulary from pretrained vectors, and the SentimentClassifierWithPretrained (frozen
// embedding -> dropout -> 2-layer bidirectional LSTM -> Linear) trained on real e-mails with
// the table left bit for bit as loaded.
//   usage: sentiment_pretrained [--smoke]   (run from the repository root)
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <ember/data/labelled_text.h>
#include <ember/data/pretrained.h>
#include <ember/data/vectors.h>
#include <ember/ember.h>
#include <ember/models/classifier_models.h>

using namespace ember;

int main(int argc, char** argv) {
  const bool smoke = argc > 1 && !std::strcmp(argv[1], "--smoke");
  try {
    manual_seed(0);
    // Our custom vocabulary, built from the training data (e-mails, their first 30 tokens).
    const std::string path = "tests/data/spam_assassin_404.tsv";
    data::VocabularyOptions vocab_options;
    vocab_options.min_count = 2;
    vocab_options.specials = {"<unk>", "<pad>"};  // the seed's ids: <unk> 0, <pad> 1
    data::LabelledTextOptions text_options;
    text_options.max_length = 30;
    data::Vocabulary my_vocab =
        data::LabelledTextDataset::build_vocabulary(path, vocab_options, text_options);
    const int64_t pad_idx = my_vocab.pad_id();

    // [snippet:weights]
    // The weight matrix: each word's pretrained vector where the file has one (20-dim
    // skip-gram vectors of 2,002 words, tests/data/eval_vectors.txt), random otherwise.
    data::WordVectors glove = data::read_vectors("tests/data/eval_vectors.txt");
    data::PretrainedEmbedding built = data::build_pretrained_embedding(my_vocab, glove);
    Tensor pretrained_weights = built.embedding->weight.detach();
    std::printf("%s\n", built.coverage.summary().c_str());
    // [/snippet]
    const int64_t embedding_dim = glove.dim;

    // [snippet:model]
    models::SentimentClassifierWithPretrained model(
        my_vocab.size(), embedding_dim, /*hidden_dim=*/smoke ? 16 : 64, /*output_dim=*/1,
        /*n_layers=*/2, /*bidirectional=*/true, /*dropout=*/0.5, pad_idx, pretrained_weights);
    std::printf("Model with frozen pre-trained embeddings created successfully.\n");
    // Check that the embedding layer is indeed frozen
    for (const auto& [name, param] : model.named_parameters())
      if (name.find("embedding") != std::string::npos)
        std::printf("Parameter: %s, Requires Grad: %s\n", name.c_str(),
                    param.requires_grad() ? "True" : "False");
    // [/snippet]

    // Train on the e-mails (label 1 = spam) with BCEWithLogitsLoss, output_dim 1.
    data::LabelledTextDataset dataset(path, my_vocab, text_options);
    std::vector<int64_t> train;
    for (int64_t i = 0; i < dataset.size(); ++i)
      if (dataset.length(i) > 0) train.push_back(i);
    optim::Adam optimizer(model.parameters(), optim::AdamOptions(2e-3));
    nn::BCEWithLogitsLoss criterion;
    const int64_t epochs = smoke ? 1 : 5, batch_size = 32;
    double first = 0, last = 0;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      std::vector<int64_t> order = randperm(int64_t(train.size())).to_vector<int64_t>();
      for (size_t start = 0; start < order.size(); start += batch_size) {
        std::vector<int64_t> indices;
        for (size_t k = start; k < std::min(order.size(), start + batch_size); ++k)
          indices.push_back(train[size_t(order[k])]);
        data::Batch batch = dataset.get_batch(indices);
        Tensor target = to(batch["label"], kFloat32).unsqueeze(1);  // [B, 1]
        optimizer.zero_grad();
        Tensor loss = criterion(model.forward(batch["text"], batch["lengths"]), target);
        loss.backward();
        optimizer.step();
        last = loss.item<double>();
        if (epoch == 0 && start == 0) first = last;
      }
      std::printf("epoch %lld: last batch loss %.4f\n", (long long)epoch + 1, last);
    }
    const bool frozen =
        max(abs(model.embedding->weight.detach() - pretrained_weights)).item<double>() == 0.0;
    std::printf("embedding unchanged by training: %s\n", frozen ? "yes" : "no");
    return frozen && std::isfinite(last) && (smoke || last < first) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sentiment_pretrained: %s\n", e.what());
    return 1;
  }
}
