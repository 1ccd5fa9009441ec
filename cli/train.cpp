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

#include <ember/data/cooccurrence.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/ember.h>
#include <ember/models/fasttext_trainer.h>
#include <ember/models/glove_trainer.h>
#include <ember/models/word2vec_trainer.h>

#include "commands.h"
#include "options.h"

namespace ember::cli {

namespace {

struct TrainOptions {
  std::string model;
  std::string input, output;
  // dim, window, epochs, sample and lr: the model's row of kModelDefaults unless given.
  int64_t dim = 0, window = 0, negative = 5, min_count = 5, epochs = 0, threads = 0;
  int64_t max_vocab = 0;
  double sample = 0, lr = 0, min_lr_ratio = 0.2;
  uint64_t seed = 1;
  int64_t minn = 3, maxn = 6, bucket = 2000000;
  double x_max = 100, alpha = 0.75;
  bool resume = false, quiet = false;
  std::string device = "cpu";
};

// The defaults of each model where the options leave a field unset: word2vec's for skipgram
// and cbow, fastText's for fasttext, GloVe's for glove.
struct ModelDefaults {
  const char* model;
  int64_t dim, window, epochs;
  double sample, lr;
};

constexpr ModelDefaults kModelDefaults[] = {
    // model, dim, window, epochs, sample, lr (glove: AdaGrad's eta)
    {"skipgram", 100, 5, 5, 1e-3, 0.025},
    {"cbow", 100, 5, 5, 1e-3, 0.05},
    {"glove", 50, 15, 25, 1e-3, 0.05},
    {"fasttext", 100, 5, 5, 1e-4, 0.05},
};

const ModelDefaults& model_defaults(const std::string& model) {
  for (const ModelDefaults& row : kModelDefaults)
    if (model == row.model) return row;
  EMBER_FAIL("no defaults for model '", model, "'");
}

// "skipgram 100, cbow 100, glove 50, fasttext 100": a column of the table, for --help.
template <typename Field>
std::string per_model(Field field) {
  std::string shown;
  for (const ModelDefaults& row : kModelDefaults)
    shown += (shown.empty() ? "" : ", ") + std::string(row.model) + " " + detail::str(field(row));
  return shown;
}

TrainOptions parse(int argc, char** argv) {
  CLI::App app(
      "Trains word vectors on FILE (whitespace tokens, one sentence a line, plain or .gz) and\n"
      "writes PREFIX.vec (word2vec/fastText text), PREFIX.bin (word2vec binary), and a\n"
      "checkpoint PREFIX.ckpt.safetensors + PREFIX.vocab after every epoch. Defaults as\n"
      "word2vec for skipgram/cbow, fastText for fasttext, GloVe for glove.\n"
      "Reproducibility: --threads 1 gives bit-identical vectors for the same seed; with\n"
      "more threads updates race (Hogwild, as word2vec and fastText) and the last bits differ.",
      "ember train");
  configure(app);
  TrainOptions o;
  app.add_option("model", o.model, "skipgram, cbow, glove or fasttext")
      ->required()
      ->check(one_of({"skipgram", "cbow", "glove", "fasttext"}));
  app.add_option("--input", o.input, "FILE to train on")->required();
  app.add_option("--output", o.output, "PREFIX of the files written")->required();
  CLI::Option* dim = app.add_option("--dim", o.dim, "vector size")
                         ->check(at_least<int64_t>(1))
                         ->default_str(per_model([](auto& r) { return r.dim; }));
  CLI::Option* window = app.add_option("--window", o.window, "max context distance")
                            ->check(in_range<int64_t>(1, kMillion))
                            ->default_str(per_model([](auto& r) { return r.window; }));
  app.add_option("--negative", o.negative, "negatives per prediction")
      ->check(in_range<int64_t>(1, kMillion));
  app.add_option("--min-count", o.min_count, "drop words seen fewer times")
      ->check(at_least<int64_t>(1));
  app.add_option("--max-vocab", o.max_vocab, "keep at most N words (0 = all)")
      ->check(at_least<int64_t>(0));
  CLI::Option* sample = app.add_option("--sample", o.sample, "subsampling threshold (0: off)")
                            ->check(at_least(0.0))
                            ->default_str(per_model([](auto& r) { return r.sample; }));
  CLI::Option* epochs = app.add_option("--epochs", o.epochs, "passes over the corpus")
                            ->check(at_least<int64_t>(1))
                            ->default_str(per_model([](auto& r) { return r.epochs; }));
  CLI::Option* lr = app.add_option("--lr", o.lr, "start learning rate (glove: AdaGrad's eta)")
                        ->check(positive())
                        ->default_str(per_model([](auto& r) { return r.lr; }));
  app.add_option("--min-lr-ratio", o.min_lr_ratio,
                 "skipgram/cbow: the lr falls linearly to lr*R (fasttext: to 0;\n"
                 "word2vec.c: 1e-4)")
      ->check(in_range(0.0, 1.0));
  app.add_option("--threads", o.threads, "Hogwild threads (0: all cores)")
      ->check(at_least<int64_t>(0));
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--device", o.device, "cpu, or cuda / cuda:N (a GPU)")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (name == "cpu" || name == "cuda") return "";
            if (name.rfind("cuda:", 0) == 0 && parse_number<int64_t>(name.substr(5)) &&
                *parse_number<int64_t>(name.substr(5)) >= 0)
              return "";
            return "must be cpu, cuda or cuda:N, got '" + name + "'";
          },
          "cpu|cuda|cuda:N"));
  app.add_option("--minn", o.minn, "fasttext: shortest subword")->check(at_least<int64_t>(0));
  app.add_option("--maxn", o.maxn, "fasttext: longest subword (0: no subwords)")
      ->check(at_least<int64_t>(0));
  app.add_option("--bucket", o.bucket, "fasttext: subword hash buckets")
      ->check(at_least<int64_t>(0));
  app.add_option("--x-max", o.x_max, "glove: the count where the weight reaches 1")
      ->check(positive());
  app.add_option("--alpha", o.alpha, "glove: the weighting's exponent")->check(at_least(0.0));
  app.add_flag("--resume", o.resume, "continue from PREFIX.ckpt.safetensors (same options)");
  app.add_flag("--quiet", o.quiet, "no progress line");
  parse_command_line(app, argc, argv);
  const ModelDefaults& row = model_defaults(o.model);
  if (!dim->count()) o.dim = row.dim;
  if (!window->count()) o.window = row.window;
  if (!epochs->count()) o.epochs = row.epochs;
  if (!sample->count()) o.sample = row.sample;
  if (!lr->count()) o.lr = row.lr;
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device(kCPU);
  if (name == "cuda") return Device(kCUDA, 0);
  EMBER_CHECK(name.rfind("cuda:", 0) == 0, "--device must be cpu, cuda or cuda:N, got '", name,
              "'");
  return Device(kCUDA, std::stoi(name.substr(5)));
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
  std::string d =
      detail::str("model=", o.model, " dim=", o.dim, " window=", o.window, " negative=", o.negative,
                  " min_count=", o.min_count, " max_vocab=", o.max_vocab, " sample=", o.sample,
                  " epochs=", o.epochs, " lr=", o.lr, " seed=", o.seed);
  if (o.model == "skipgram" || o.model == "cbow")
    d += detail::str(" min_lr_ratio=", o.min_lr_ratio);
  if (o.model == "fasttext")
    d += detail::str(" minn=", o.minn, " maxn=", o.maxn, " bucket=", o.bucket);
  if (o.model == "glove") d += detail::str(" x_max=", o.x_max, " alpha=", o.alpha);
  return d;
}

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// What every trainer starts from: the vocabulary (built, or the checkpoint's), the corpus
// as ids, and on --resume the checkpoint's tensors and the epochs already done.
struct Start {
  data::Vocabulary vocab;
  data::EncodedCorpus corpus;
  std::map<std::string, Tensor> saved;
  int64_t first_epoch = 0;
  std::string checkpoint, vocab_path;
};

Start prepare(const TrainOptions& o) {
  Start s;
  s.checkpoint = o.output + ".ckpt.safetensors";
  s.vocab_path = o.output + ".vocab";
  if (o.resume) {
    std::map<std::string, std::string> meta;
    s.saved = nn::load_safetensors(s.checkpoint, &meta);
    EMBER_CHECK(meta["options"] == describe(o), "ember train --resume: ", s.checkpoint,
                " was made with options '", meta["options"], "', not '", describe(o), "'");
    s.first_epoch = std::stoll(meta["epochs_done"]);
    s.vocab = data::Vocabulary::load(s.vocab_path);
    std::fprintf(stderr, "Resuming %s after epoch %lld of %lld\n", s.checkpoint.c_str(),
                 (long long)s.first_epoch, (long long)o.epochs);
  } else {
    data::VocabularyOptions vo;
    vo.min_count = o.min_count;
    vo.max_size = o.max_vocab;
    s.vocab = data::Vocabulary::build(o.input, vo);
  }
  s.corpus = data::EncodedCorpus::encode(o.input, s.vocab);
  EMBER_CHECK(s.corpus.num_ids() > 0, "ember train: no word of ", o.input, " occurs ", o.min_count,
              " times or more (lower --min-count)");
  std::fprintf(stderr, "Read %lld words, vocabulary %lld words (min-count %lld), %lld kept\n",
               (long long)s.corpus.raw_tokens, (long long)s.vocab.size(), (long long)o.min_count,
               (long long)s.corpus.num_ids());
  return s;
}

// The checkpoint after epoch `epoch` (0-based): the vocabulary once, the tensors each time.
void save_checkpoint(const TrainOptions& o, const Start& s, int64_t epoch,
                     const std::map<std::string, Tensor>& tensors) {
  if (epoch == 0) s.vocab.save(s.vocab_path);
  nn::save_safetensors(s.checkpoint, tensors,
                       {{"options", describe(o)}, {"epochs_done", std::to_string(epoch + 1)}});
}

const Tensor& saved_tensor(const Start& s, const std::string& name) {
  auto it = s.saved.find(name);
  EMBER_CHECK(it != s.saved.end(), "ember train --resume: ", s.checkpoint, " has no tensor '", name,
              "'");
  return it->second;
}

models::ProgressCallback progress_printer(const TrainOptions& o) {
  if (o.quiet) return {};
  return [](const models::TrainProgress& p) { print_progress(p, false); };
}

// Writes PREFIX.vec and PREFIX.bin from vectors [V, D] and prints the summary line.
int finish(const TrainOptions& o, const Start& s, const Tensor& vectors, double train_seconds,
           Clock::time_point start, const char* unit, double units) {
  if (!o.quiet) std::fprintf(stderr, "\n");
  data::WordVectors wv =
      data::WordVectors::from_rows(s.vocab.words(), vectors.contiguous().to_vector<float>(), o.dim);
  data::write_vectors(o.output + ".vec", wv, data::VectorFormat::kVec);
  data::write_vectors(o.output + ".bin", wv, data::VectorFormat::kWord2VecBinary);
  std::printf(
      "trained %s: %lld words x %lld epochs in %.2f s = %.0f %s/s (%lld threads); "
      "%.2f s in all\nwrote %s.vec %s.bin %s %s\n",
      o.model.c_str(), (long long)s.corpus.raw_tokens, (long long)(o.epochs - s.first_epoch),
      train_seconds, units / train_seconds, unit, (long long)o.threads, seconds_since(start),
      o.output.c_str(), o.output.c_str(), s.checkpoint.c_str(), s.vocab_path.c_str());
  return 0;
}

double corpus_words(const Start& s, const TrainOptions& o) {
  return double(s.corpus.raw_tokens) * double(o.epochs - s.first_epoch);
}

// Trains a word2vec or fastText trainer (two tables, "input" and "output" in the checkpoint),
// from the checkpoint on --resume; returns the training seconds.
template <typename Trainer>
double train_input_output(const TrainOptions& o, const Start& s, Trainer& trainer) {
  if (o.resume) {
    trainer.input().copy_from(saved_tensor(s, "input"));
    trainer.output().copy_from(saved_tensor(s, "output"));
  }
  const auto train_start = Clock::now();
  trainer.train(s.corpus, progress_printer(o), s.first_epoch, [&](int64_t epoch) {
    save_checkpoint(o, s, epoch,
                    {{"input", trainer.input().view()}, {"output", trainer.output().view()}});
  });
  return seconds_since(train_start);
}

int train_word2vec(const TrainOptions& o) {
  const auto start = Clock::now();
  const Start s = prepare(o);
  models::Word2VecOptions wo;
  wo.cbow = o.model == "cbow";
  wo.dim = o.dim;
  wo.window = o.window;
  wo.negative = o.negative;
  wo.epochs = o.epochs;
  wo.lr = o.lr;
  wo.min_lr_ratio = o.min_lr_ratio;
  wo.sample = o.sample;
  wo.threads = o.threads;
  wo.seed = o.seed;
  wo.device = parse_device(o.device);
  models::Word2VecTrainer trainer(s.vocab, wo);
  const double seconds = train_input_output(o, s, trainer);
  return finish(o, s, trainer.input().view(), seconds, start, "words", corpus_words(s, o));
}

int train_fasttext(const TrainOptions& o) {
  const auto start = Clock::now();
  const Start s = prepare(o);
  models::FastTextOptions fo;
  fo.dim = o.dim;
  fo.window = o.window;
  fo.negative = o.negative;
  fo.epochs = o.epochs;
  fo.lr = o.lr;
  fo.sample = o.sample;
  fo.subwords.minn = int32_t(o.minn);
  fo.subwords.maxn = int32_t(o.maxn);
  fo.subwords.bucket = o.bucket;
  fo.threads = o.threads;
  fo.seed = o.seed;
  fo.device = parse_device(o.device);
  models::FastTextTrainer trainer(s.vocab, fo);
  const double seconds = train_input_output(o, s, trainer);
  return finish(o, s, trainer.word_vectors(), seconds, start, "words", corpus_words(s, o));
}

int train_glove(const TrainOptions& o) {
  const auto start = Clock::now();
  const Start s = prepare(o);
  auto stage = Clock::now();
  data::CooccurrenceOptions co;
  co.window = o.window;
  data::CooccurrenceBuilder builder(s.vocab, co);
  data::Cooccurrences records = builder.build(o.input);
  records.shuffle(o.seed);
  std::fprintf(stderr, "Co-occurrences: %lld records (%s), counted and shuffled in %.2f s\n",
               (long long)records.size(), records.in_memory() ? "in memory" : "on disk",
               seconds_since(stage));
  models::GloVeOptions go;
  go.dim = o.dim;
  go.epochs = o.epochs;
  go.eta = o.lr;
  go.x_max = o.x_max;
  go.alpha = o.alpha;
  go.threads = o.threads;
  go.seed = o.seed;
  go.device = parse_device(o.device);
  models::GloVeTrainer trainer(s.vocab.size(), go);
  if (o.resume) trainer.load_state(s.saved);
  const auto train_start = Clock::now();
  trainer.train(records, progress_printer(o), s.first_epoch,
                [&](int64_t epoch) { save_checkpoint(o, s, epoch, trainer.state()); });
  return finish(o, s, trainer.vectors(), seconds_since(train_start), start, "records",
                double(records.size()) * double(o.epochs - s.first_epoch));
}

}  // namespace

int train(int argc, char** argv) {
  const TrainOptions o = parse(argc, argv);
  const std::filesystem::path directory = std::filesystem::path(o.output).parent_path();
  if (!directory.empty()) std::filesystem::create_directories(directory);
  if (o.model == "fasttext") return train_fasttext(o);
  if (o.model == "glove") return train_glove(o);
  return train_word2vec(o);
}

}  // namespace ember::cli
