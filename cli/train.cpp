// `ember train {skipgram|cbow|glove|fasttext} --input FILE --output PREFIX [options]`:
// the fused trainers, with word2vec's, fastText's and GloVe's default options, a progress
// line like fastText's, and a checkpoint after every epoch that --resume continues from.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include <ember/data/encoded_corpus.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/ember.h>
#include <ember/models/word2vec.h>

#include "commands.h"

namespace ember::cli {

namespace {

struct TrainOptions {
  std::string model;
  std::string input, output;
  int64_t dim = -1, window = -1, negative = 5, min_count = 5, epochs = -1, threads = 0;
  int64_t max_vocab = 0;
  double sample = -1, lr = -1;
  uint64_t seed = 1;
  int64_t minn = 3, maxn = 6, bucket = 2000000;
  double x_max = 100, alpha = 0.75;
  bool resume = false, quiet = false;
  std::string device = "cpu";
};

void print_train_help() {
  std::printf(
      "usage: ember train {skipgram|cbow|glove|fasttext} --input FILE --output PREFIX [options]\n"
      "\n"
      "Trains word vectors on FILE (whitespace tokens, one sentence a line, plain or .gz) and\n"
      "writes PREFIX.vec (word2vec/fastText text), PREFIX.bin (word2vec binary), and a\n"
      "checkpoint PREFIX.ckpt.safetensors + PREFIX.vocab after every epoch.\n"
      "\n"
      "options (defaults as word2vec for skipgram/cbow, fastText for fasttext, GloVe for glove):\n"
      "  --dim N         vector size                      [100; glove 50]\n"
      "  --window N      max context distance             [5; glove 15]\n"
      "  --negative N    negatives per prediction         [5]\n"
      "  --min-count N   drop words seen fewer times      [5]\n"
      "  --max-vocab N   keep at most N words (0 = all)   [0]\n"
      "  --sample X      subsampling threshold            [1e-3; fasttext 1e-4]\n"
      "  --epochs N      passes over the corpus           [5; glove 25]\n"
      "  --lr X          start learning rate, decays linearly to lr*1e-4\n"
      "                                                   [skipgram 0.025, cbow 0.05,\n"
      "                                                    fasttext 0.05, glove 0.05]\n"
      "  --threads N     Hogwild threads                  [all cores]\n"
      "  --seed N        random seed                      [1]\n"
      "  --device D      cpu, or cuda / cuda:N for the GPU trainer (skipgram, cbow) [cpu]\n"
      "  --minn N --maxn N --bucket N   fastText subwords [3 6 2000000]\n"
      "  --x-max X --alpha X            GloVe weighting   [100 0.75]\n"
      "  --resume        continue from PREFIX.ckpt.safetensors (same options)\n"
      "  --quiet         no progress line\n"
      "\n"
      "Reproducibility: --threads 1 gives bit-identical vectors for the same seed; with\n"
      "more threads updates race (Hogwild, as word2vec and fastText) and the last bits differ.\n");
}

TrainOptions parse(int argc, char** argv) {
  TrainOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      print_train_help();
      std::exit(0);
    }
    if (flag == "--resume") {
      o.resume = true;
      continue;
    }
    if (flag == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (flag.rfind("--", 0) != 0) {
      EMBER_CHECK(o.model.empty(), "unexpected argument '", flag, "' (see ember train --help)");
      o.model = flag;
      continue;
    }
    EMBER_CHECK(i + 1 < argc, "option ", flag, " needs a value");
    const std::string value = argv[++i];
    auto integer = [&] {
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      EMBER_CHECK(used == value.size(), "option ", flag, " expects an integer, got '", value, "'");
      return int64_t(v);
    };
    auto real = [&] {
      size_t used = 0;
      double v = 0;
      try {
        v = std::stod(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      EMBER_CHECK(used == value.size(), "option ", flag, " expects a number, got '", value, "'");
      return v;
    };
    if (flag == "--input")
      o.input = value;
    else if (flag == "--output")
      o.output = value;
    else if (flag == "--dim")
      o.dim = integer();
    else if (flag == "--window")
      o.window = integer();
    else if (flag == "--negative")
      o.negative = integer();
    else if (flag == "--min-count")
      o.min_count = integer();
    else if (flag == "--max-vocab")
      o.max_vocab = integer();
    else if (flag == "--sample")
      o.sample = real();
    else if (flag == "--epochs")
      o.epochs = integer();
    else if (flag == "--lr")
      o.lr = real();
    else if (flag == "--threads")
      o.threads = integer();
    else if (flag == "--seed")
      o.seed = uint64_t(integer());
    else if (flag == "--device")
      o.device = value;
    else if (flag == "--minn")
      o.minn = integer();
    else if (flag == "--maxn")
      o.maxn = integer();
    else if (flag == "--bucket")
      o.bucket = integer();
    else if (flag == "--x-max")
      o.x_max = real();
    else if (flag == "--alpha")
      o.alpha = real();
    else
      EMBER_FAIL("unknown option ", flag, " (see ember train --help)");
  }
  EMBER_CHECK(
      o.model == "skipgram" || o.model == "cbow" || o.model == "glove" || o.model == "fasttext",
      "ember train: the model must be skipgram, cbow, glove or fasttext (got '", o.model,
      "'; see ember train --help)");
  EMBER_CHECK(!o.input.empty(), "ember train: --input FILE is required");
  EMBER_CHECK(!o.output.empty(), "ember train: --output PREFIX is required");
  const bool glove = o.model == "glove";
  if (o.dim < 0) o.dim = glove ? 50 : 100;
  if (o.window < 0) o.window = glove ? 15 : 5;
  if (o.epochs < 0) o.epochs = glove ? 25 : 5;
  if (o.sample < 0) o.sample = o.model == "fasttext" ? 1e-4 : 1e-3;
  if (o.lr < 0) o.lr = o.model == "skipgram" ? 0.025 : 0.05;
  if (o.threads <= 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device(kCPU);
  if (name == "cuda") return Device(kCUDA, 0);
  if (name.rfind("cuda:", 0) == 0) return Device(kCUDA, std::stoi(name.substr(5)));
  EMBER_FAIL("--device must be cpu, cuda or cuda:N, got '", name, "'");
}

// fastText's progress line, rewritten in place on stderr.
void print_progress(const models::TrainProgress& p, bool final) {
  const int64_t eta = int64_t(p.eta_seconds);
  std::fprintf(stderr,
               "\rProgress: %5.1f%%  words/sec/thread: %8.0f  lr: %9.6f  loss: %8.5f  "
               "ETA: %3lldh%2lldm%2llds ",
               100.0 * std::min(p.fraction, 1.0), p.words_per_sec_thread, p.lr, p.loss,
               (long long)(eta / 3600), (long long)(eta / 60 % 60), (long long)(eta % 60));
  if (final) std::fprintf(stderr, "\n");
}

std::string describe(const TrainOptions& o) {
  return detail::str("model=", o.model, " dim=", o.dim, " window=", o.window,
                     " negative=", o.negative, " min_count=", o.min_count,
                     " max_vocab=", o.max_vocab, " sample=", o.sample, " epochs=", o.epochs,
                     " lr=", o.lr, " seed=", o.seed);
}

int train_word2vec(const TrainOptions& o) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const std::string checkpoint = o.output + ".ckpt.safetensors", vocab_path = o.output + ".vocab";

  data::Vocabulary vocab;
  int64_t first_epoch = 0;
  std::map<std::string, Tensor> saved;
  if (o.resume) {
    std::map<std::string, std::string> meta;
    saved = nn::load_safetensors(checkpoint, &meta);
    EMBER_CHECK(meta["options"] == describe(o), "ember train --resume: ", checkpoint,
                " was made with options '", meta["options"], "', not '", describe(o), "'");
    first_epoch = std::stoll(meta["epochs_done"]);
    vocab = data::Vocabulary::load(vocab_path);
    std::fprintf(stderr, "Resuming %s after epoch %lld of %lld\n", checkpoint.c_str(),
                 (long long)first_epoch, (long long)o.epochs);
  } else {
    data::VocabularyOptions vo;
    vo.min_count = o.min_count;
    vo.max_size = o.max_vocab;
    vocab = data::Vocabulary::build(o.input, vo);
  }
  data::EncodedCorpus corpus = data::EncodedCorpus::encode(o.input, vocab);
  EMBER_CHECK(corpus.num_ids() > 0, "ember train: no word of ", o.input, " occurs ", o.min_count,
              " times or more (lower --min-count)");
  std::fprintf(stderr, "Read %lld words, vocabulary %lld words (min-count %lld), %lld kept\n",
               (long long)corpus.raw_tokens, (long long)vocab.size(), (long long)o.min_count,
               (long long)corpus.num_ids());

  models::Word2VecOptions wo;
  wo.cbow = o.model == "cbow";
  wo.dim = o.dim;
  wo.window = o.window;
  wo.negative = o.negative;
  wo.epochs = o.epochs;
  wo.lr = o.lr;
  wo.sample = o.sample;
  wo.threads = o.threads;
  wo.seed = o.seed;
  wo.device = parse_device(o.device);
  models::Word2VecTrainer trainer(vocab, wo);
  if (o.resume) {
    trainer.input().copy_from(saved.at("input"));
    trainer.output().copy_from(saved.at("output"));
  }

  auto save_checkpoint = [&](int64_t epoch) {
    if (epoch == 0) vocab.save(vocab_path);
    nn::save_safetensors(
        checkpoint,
        {{"input", trainer.input().to_tensor()}, {"output", trainer.output().to_tensor()}},
        {{"options", describe(o)}, {"epochs_done", std::to_string(epoch + 1)}});
  };
  const auto train_start = Clock::now();
  trainer.train(
      corpus,
      o.quiet ? models::ProgressCallback()
              : [](const models::TrainProgress& p) { print_progress(p, false); },
      first_epoch, save_checkpoint);
  const double seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  if (!o.quiet) std::fprintf(stderr, "\n");

  data::WordVectors vectors = data::WordVectors::from_rows(
      vocab.words(), trainer.input().to_tensor().to_vector<float>(), o.dim);
  data::write_vectors(o.output + ".vec", vectors, data::VectorFormat::kVec);
  data::write_vectors(o.output + ".bin", vectors, data::VectorFormat::kWord2VecBinary);
  const double words = double(corpus.raw_tokens) * double(o.epochs - first_epoch);
  std::printf(
      "trained %s: %lld words x %lld epochs in %.2f s = %.0f words/s (%lld threads); "
      "%.2f s in all\nwrote %s.vec %s.bin %s %s\n",
      o.model.c_str(), (long long)corpus.raw_tokens, (long long)(o.epochs - first_epoch), seconds,
      words / seconds, (long long)o.threads,
      std::chrono::duration<double>(Clock::now() - start).count(), o.output.c_str(),
      o.output.c_str(), checkpoint.c_str(), vocab_path.c_str());
  return 0;
}

}  // namespace

int train(int argc, char** argv) {
  const TrainOptions o = parse(argc, argv);
  const std::filesystem::path directory = std::filesystem::path(o.output).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory);
  if (o.model == "skipgram" || o.model == "cbow") return train_word2vec(o);
  EMBER_FAIL("ember train ", o.model, ": not built yet");
}

}  // namespace ember::cli
