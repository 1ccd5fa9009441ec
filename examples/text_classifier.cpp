// Seed 001_322c0357f13d3788.txt, "Building Complete Models" / "Text Classification with
// Embeddings": the TextClassifier (tokens -> embedding -> masked mean pooling -> MLP -> class
// logits), first on the seed's dummy batch, then trained to tell spam from ham on real e-mails.
//   usage: text_classifier [--smoke] [LABELLED.tsv]   (run from the repository root)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <ember/data/labelled_text.h>
#include <ember/ember.h>
#include <ember/models/classifier_models.h>

using namespace ember;

int main(int argc, char** argv) {
  bool smoke = false;
  std::string path = "tests/data/spam_assassin_404.tsv";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke"))
      smoke = true;
    else
      path = argv[i];
  }
  try {
    manual_seed(0);

    // [snippet:dummy]
    // Example usage, as the seed: 32 texts of up to 50 tokens, lengths in [10, 50).
    models::TextClassifier model(/*vocab_size=*/10000, /*embedding_dim=*/128, /*num_classes=*/5,
                                 /*hidden_dim=*/128, /*dropout=*/0.5, /*padding_idx=*/0);
    const int64_t batch_size = 32, seq_len = 50;
    Tensor x = randint(0, 10000, {batch_size, seq_len});
    Tensor lengths = randint(10, seq_len, {batch_size});
    Tensor logits = model.forward(x, lengths);
    std::printf("Output shape: %s\n", shape_str(logits.sizes()).c_str());  // [32, 5]
    // [/snippet]
    if (logits.sizes() != Shape{32, 5}) return 1;

    // A real task: "label<TAB>group<TAB>text" e-mails; every 5th held out. The vocabulary
    // comes from the training texts only; <pad> = 0 is the padding_idx, and with no <unk> token
    // words unseen in training are dropped (as fastText does), not mapped to an untrained row.
    std::ifstream file(path);
    if (!file) {
      std::fprintf(stderr, "cannot read %s (run from the repository root)\n", path.c_str());
      return 1;
    }
    std::vector<std::string> train_texts;
    std::string line;
    for (int64_t i = 0; std::getline(file, line); ++i)
      if (i % 5 != 4) train_texts.push_back(line.substr(line.rfind('\t') + 1));
    data::VocabularyOptions vocab_options;
    vocab_options.specials = {"<pad>"};
    data::Vocabulary vocab = data::Vocabulary::build(train_texts, vocab_options);
    data::LabelledTextDataset dataset(path, vocab);
    std::vector<int64_t> train, test;
    for (int64_t i = 0; i < dataset.size(); ++i) (i % 5 == 4 ? test : train).push_back(i);
    std::printf("%zu training and %zu test e-mails, %lld words, labels %s/%s\n", train.size(),
                test.size(), (long long)vocab.size(), dataset.label_names()[0].c_str(),
                dataset.label_names()[1].c_str());

    // [snippet:train]
    models::TextClassifier classifier(vocab.size(), 32, int64_t(dataset.label_names().size()),
                                      /*hidden_dim=*/32, /*dropout=*/0.5, vocab.pad_id());
    optim::Adam optimizer(classifier.parameters(), optim::AdamOptions(1e-2));
    nn::CrossEntropyLoss criterion;
    const int64_t epochs = smoke ? 6 : 20, step_size = 16;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      classifier.train();
      std::vector<int64_t> order = randperm(int64_t(train.size())).to_vector<int64_t>();
      double total_loss = 0;
      int64_t steps = 0;
      for (size_t start = 0; start < order.size(); start += step_size) {
        std::vector<int64_t> indices;
        for (size_t k = start; k < std::min(order.size(), start + step_size); ++k)
          indices.push_back(train[size_t(order[k])]);
        data::Batch batch = dataset.get_batch(indices);
        optimizer.zero_grad();
        Tensor loss =
            criterion(classifier.forward(batch["text"], batch["lengths"]), batch["label"]);
        loss.backward();
        optimizer.step();
        total_loss += loss.item<double>();
        ++steps;
      }
      std::printf("epoch %lld: loss %.4f\n", (long long)epoch + 1, total_loss / double(steps));
    }

    // Held-out accuracy, in eval mode (no dropout).
    classifier.eval();
    NoGradGuard no_grad;
    data::Batch batch = dataset.get_batch(test);
    Tensor predicted = argmax(classifier.forward(batch["text"], batch["lengths"]), 1);
    const double accuracy = mean(to(eq(predicted, batch["label"]), kFloat64)).item<double>();
    std::printf("held-out accuracy: %.4f\n", accuracy);
    // [/snippet]
    return accuracy >= 0.85 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "text_classifier: %s\n", e.what());
    return 1;
  }
}
