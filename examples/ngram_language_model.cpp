// Seed 001 (322c0357f13d3788), "N-gram Language Model": embed the previous words, flatten,
// Linear-ReLU-Linear to the next word's logits, trained by the seed's train_language_model
// (Adam, CrossEntropyLoss, one step per (context, target) batch), then held-out perplexity.
// The (context, target) batches stream from the bundled corpus (data/language_model_data.h).
//
//   ./ngram_language_model             corpus/sample.txt lines 1-5000 to train, 5001-6000 held out
//   ./ngram_language_model --smoke     a few seconds (run as a test)
//   ./ngram_language_model --train FILE --valid FILE [--epochs N] [--max-vocab N]
//       [--context N] [--embedding N] [--hidden N] [--batch N] [--lr X] [--threads N (1)]
//       (what bench/compare_lm.sh runs)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include <ember/data/language_model_data.h>
#include <ember/ember.h>
#include <ember/models/language_models.h>

using namespace ember;

// Lines [first, first + count) of `in` written to `out` (to split the bundled sample).
static void copy_lines(const std::string& in, const std::string& out, int first, int count) {
  std::ifstream source(in);
  EMBER_CHECK(source, "cannot read ", in, " (run from the repository root)");
  std::ofstream target(out);
  std::string line;
  for (int i = 0; i < first + count && std::getline(source, line); ++i)
    if (i >= first) target << line << '\n';
}

int main(int argc, char** argv) {
  bool smoke = false;
  std::string train_path, valid_path;
  int64_t epochs = 3, max_vocab = 5000, context_size = 2, embedding_dim = 64, hidden_dim = 128;
  int64_t batch_size = 64, threads = 1;  // tensors this small run fastest on one thread
  double lr = 0.001;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--smoke") {
      smoke = true;
      continue;
    }
    EMBER_CHECK(i + 1 < argc, "option ", flag, " needs a value");
    std::string value = argv[++i];
    if (flag == "--train")
      train_path = value;
    else if (flag == "--valid")
      valid_path = value;
    else if (flag == "--epochs")
      epochs = std::stoll(value);
    else if (flag == "--max-vocab")
      max_vocab = std::stoll(value);
    else if (flag == "--context")
      context_size = std::stoll(value);
    else if (flag == "--embedding")
      embedding_dim = std::stoll(value);
    else if (flag == "--hidden")
      hidden_dim = std::stoll(value);
    else if (flag == "--batch")
      batch_size = std::stoll(value);
    else if (flag == "--lr")
      lr = std::stod(value);
    else if (flag == "--threads")
      threads = std::stoll(value);
    else
      EMBER_FAIL("unknown option ", flag);
  }
  set_num_threads(int(threads));
  if (train_path.empty()) {
    const auto scratch = std::filesystem::temp_directory_path();
    train_path = (scratch / "ember_example_ngram_train.txt").string();
    valid_path = (scratch / "ember_example_ngram_valid.txt").string();
    copy_lines("corpus/sample.txt", train_path, 0, smoke ? 600 : 5000);
    copy_lines("corpus/sample.txt", valid_path, 5000, smoke ? 100 : 1000);
    if (smoke) epochs = 2, max_vocab = 1000;
  }
  EMBER_CHECK(!valid_path.empty(), "--valid FILE is needed with --train");

  // [snippet:ngram]
  // The vocabulary: the max_vocab most frequent words, <unk> for the rest, <eos> ends a line.
  data::VocabularyOptions options;
  options.max_size = max_vocab;
  options.specials = {"<unk>", "<eos>"};
  data::Vocabulary vocab = data::Vocabulary::build(train_path, options);

  manual_seed(0);
  models::NGramLanguageModel model(vocab.size(), embedding_dim, context_size, hidden_dim);

  // data: (context, target) batches in text order, one pass per epoch
  data::NGramStream data(train_path, vocab, context_size, batch_size);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  std::vector<double> losses = models::train_language_model(
      model, [&](Tensor& context, Tensor& target) { return data.next(context, target); },
      [&] { data.rewind(); }, epochs, lr);
  // [/snippet]
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;

  data::NGramStream held_out(valid_path, vocab, context_size, 4096);
  const double ppl = models::perplexity(
      model, [&](Tensor& context, Tensor& target) { return held_out.next(context, target); });
  std::printf("vocab %lld, train %.2f s (%.2f s CPU), held-out perplexity %.2f\n",
              (long long)vocab.size(), seconds, cpu_seconds, ppl);
  // The loss must fall and the perplexity be far below a uniform guess over the vocabulary.
  return losses.back() < losses.front() && ppl < 0.5 * double(vocab.size()) ? 0 : 1;
}
