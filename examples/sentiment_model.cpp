// Seed 002_2d8d0ee173434aec.txt, "4. Building a Sentiment Analysis Model", "5. Handling
// Variable-length Sequences" and "6. Model Training": the SentimentModel (embedding -> LSTM over
// a packed batch -> the output at each sequence's last step -> Linear) on the seed's padded
// random batch, one training step as the seed takes, then trained on real e-mails.
//   usage: sentiment_model [--smoke] [LABELLED.tsv]   (run from the repository root)
#include <cmath>
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
    const int64_t VOCAB_SIZE = 10000, EMBEDDING_DIM = smoke ? 50 : 300, HIDDEN_DIM = 128,
                  OUTPUT_DIM = 2;
    // [snippet:padding]
    models::SentimentModel model(VOCAB_SIZE, EMBEDDING_DIM, HIDDEN_DIM, OUTPUT_DIM);

    // Padding: 32 sequences of 10 to 50 tokens, padded to the longest.
    Tensor input_lengths = randint(10, 51, {32});
    std::vector<Tensor> input_data;
    for (int64_t length : input_lengths.to_vector<int64_t>())
      input_data.push_back(randint(0, VOCAB_SIZE, {length}));
    Tensor padded_input = nn::pad_sequence(input_data, /*batch_first=*/true);
    Tensor output = model.forward(padded_input, input_lengths);
    std::printf("Output shape: %s\n", shape_str(output.sizes()).c_str());  // [32, 2]
    // [/snippet]

    // [snippet:training_step]
    // Training loop: one step on dummy labels.
    nn::CrossEntropyLoss criterion;
    optim::Adam optimizer(model.parameters(), optim::AdamOptions(0.001));
    Tensor dummy_labels = randint(0, OUTPUT_DIM, {32});
    optimizer.zero_grad();
    Tensor loss = criterion(output, dummy_labels);
    loss.backward();
    optimizer.step();
    std::printf("dummy loss: %.4f\n", loss.item<double>());
    // [/snippet]

    // A real task: spam or ham from the first 40 tokens of each e-mail; every 5th held out.
    data::VocabularyOptions vocab_options;
    vocab_options.min_count = 2;
    vocab_options.specials = {"<pad>", "<unk>"};  // rare and unseen words share <unk>
    data::LabelledTextOptions text_options;
    text_options.max_length = 40;
    data::Vocabulary vocab =
        data::LabelledTextDataset::build_vocabulary(path, vocab_options, text_options);
    data::LabelledTextDataset dataset(path, vocab, text_options);
    std::vector<int64_t> train, test;
    for (int64_t i = 0; i < dataset.size(); ++i)
      if (dataset.length(i) > 0) (i % 5 == 4 ? test : train).push_back(i);
    std::printf("%zu training and %zu test e-mails, %lld words\n", train.size(), test.size(),
                (long long)vocab.size());

    models::SentimentModel classifier(vocab.size(), 32, 32, int64_t(dataset.label_names().size()));
    optim::Adam adam(classifier.parameters(), optim::AdamOptions(5e-3));
    const int64_t epochs = smoke ? 3 : 10, batch_size = 16;
    double first_loss = 0, last_loss = 0;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      std::vector<int64_t> order = randperm(int64_t(train.size())).to_vector<int64_t>();
      double total = 0;
      int64_t steps = 0;
      for (size_t start = 0; start < order.size(); start += batch_size) {
        std::vector<int64_t> indices;
        for (size_t k = start; k < std::min(order.size(), start + batch_size); ++k)
          indices.push_back(train[size_t(order[k])]);
        data::Batch batch = dataset.get_batch(indices);
        adam.zero_grad();
        Tensor step_loss =
            criterion(classifier.forward(batch["text"], batch["lengths"]), batch["label"]);
        step_loss.backward();
        adam.step();
        total += step_loss.item<double>();
        ++steps;
      }
      last_loss = total / double(steps);
      if (epoch == 0) first_loss = last_loss;
      std::printf("epoch %lld: loss %.4f\n", (long long)epoch + 1, last_loss);
    }

    NoGradGuard no_grad;
    data::Batch batch = dataset.get_batch(test);
    Tensor predicted = argmax(classifier.forward(batch["text"], batch["lengths"]), 1);
    const double accuracy = mean(to(eq(predicted, batch["label"]), kFloat64)).item<double>();
    // The bar: more right than always answering the commonest label (ham).
    const double majority = 1.0 - mean(to(batch["label"], kFloat64)).item<double>();
    std::printf("held-out accuracy: %.4f (always ham: %.4f)\n", accuracy, majority);
    const bool ok =
        std::isfinite(last_loss) && last_loss < first_loss && (smoke || accuracy > majority);
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sentiment_model: %s\n", e.what());
    return 1;
  }
}
