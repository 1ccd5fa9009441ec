// `ember train {skipgram|cbow|glove|fasttext} --input FILE --output PREFIX [options]`: the
// options of models::train_word_vectors (models/word_vectors_job.h), which runs the fused
// trainers with word2vec's, fastText's and GloVe's default options and a checkpoint after
// every epoch that --resume continues from; this file prints fastText's progress line and
// the summary.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <ember/dist/communicator.h>
#include <ember/ember.h>
#include <ember/models/row_table.h>
#include <ember/models/word_vectors_job.h>

#include "commands.h"
#include "file_checks.h"
#include "options.h"

namespace ember::cli {

namespace {

// "skipgram 100, cbow 100, glove 50, fasttext 100": a column of the defaults table, for --help.
template <typename Field>
std::string per_model(Field field) {
  std::string shown;
  for (const models::WordVectorsDefaults& row : models::word_vectors_defaults_table())
    shown += (shown.empty() ? "" : ", ") + std::string(row.model) + " " + detail::str(field(row));
  return shown;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device(kCPU);
  if (name == "cuda") return Device(kCUDA, 0);
  const std::optional<int64_t> index =
      name.rfind("cuda:", 0) == 0 ? parse_number<int64_t>(name.substr(5)) : std::nullopt;
  EMBER_CHECK(index && *index >= 0 && *index < 4096,
              "--device must be cpu, cuda or cuda:N (N a device index), got '", name, "'");
  return Device(kCUDA, int(*index));
}

// fastText's progress line, rewritten in place on stderr; a distributed run's shows the words
// per second of all ranks and of each.
void print_progress(const models::TrainProgress& p, bool final) {
  const int64_t eta = int64_t(p.eta_seconds);
  if (p.ranks > 1)
    std::fprintf(stderr,
                 "\rProgress: %5.1f%%  words/sec: %9.0f (%lld ranks, %8.0f each)  lr: %9.6f  "
                 "loss: %8.5f  ETA: %3lldh%2lldm%2llds ",
                 100.0 * std::min(p.fraction, 1.0), p.words_per_sec, (long long)p.ranks,
                 p.words_per_sec / double(p.ranks), p.lr, p.loss, (long long)(eta / 3600),
                 (long long)(eta / 60 % 60), (long long)(eta % 60));
  else
    std::fprintf(stderr,
                 "\rProgress: %5.1f%%  words/sec/thread: %8.0f  lr: %9.6f  loss: %8.5f  "
                 "ETA: %3lldh%2lldm%2llds ",
                 100.0 * std::min(p.fraction, 1.0), p.words_per_sec_thread, p.lr, p.loss,
                 (long long)(eta / 3600), (long long)(eta / 60 % 60), (long long)(eta % 60));
  if (final) std::fprintf(stderr, "\n");
}

}  // namespace

int train(int argc, char** argv) {
  CLI::App app(
      "Trains word vectors on FILE (whitespace tokens, one sentence a line, plain or .gz) and\n"
      "writes PREFIX.vec (word2vec/fastText text), PREFIX.bin, and a checkpoint\n"
      "PREFIX.ckpt.safetensors + PREFIX.vocab after every epoch. PREFIX.bin is word2vec\n"
      "binary for skipgram, cbow and glove; for fasttext it is the model in fastText's own\n"
      ".bin format (fastText's convention), which `fasttext print-word-vectors` and gensim's\n"
      "load_facebook_model open, and `ember print-vectors` reads for any word. Defaults as\n"
      "word2vec for skipgram/cbow, fastText for fasttext, GloVe for glove.\n"
      "Reproducibility: --threads 1 gives bit-identical vectors for the same seed; with\n"
      "more threads updates race (Hogwild, as word2vec and fastText) and the last bits differ.\n"
      "Several processes: `mpirun -np P ember train ...` trains one model, each rank its\n"
      "shard of the corpus with --threads threads, the ranks' changes to the tables summed:\n"
      "the most frequent words' rows and a slice of the rest every --sync-every words, all\n"
      "rows at the end of every epoch; rank 0 writes the files. With --device cuda each\n"
      "rank trains on its own GPU (its local rank), the tables synced over NCCL.",
      "ember train");
  configure(app);
  models::WordVectorsJobOptions o;
  int64_t dim = 0, window = 0, epochs = 0;
  double sample = 0, lr = 0;
  std::string device = "cpu";
  bool quiet = false;
  app.add_option("model", o.model, "skipgram, cbow, glove or fasttext")
      ->required()
      ->check(one_of({"skipgram", "cbow", "glove", "fasttext"}));
  app.add_option("--input", o.input, "FILE to train on")->required();
  app.add_option("--output", o.output, "PREFIX of the files written")->required();
  CLI::Option* dim_option = app.add_option("--dim", dim, "vector size")
                                ->check(at_least<int64_t>(1))
                                ->check(at_most<int64_t>(models::RowTable::kMaxDim))
                                ->default_str(per_model([](auto& r) { return r.dim; }));
  CLI::Option* window_option = app.add_option("--window", window, "max context distance")
                                   ->check(in_range<int64_t>(1, kMillion))
                                   ->default_str(per_model([](auto& r) { return r.window; }));
  app.add_option("--negative", o.negative, "negatives per prediction")
      ->check(in_range<int64_t>(1, kMillion));
  app.add_option("--min-count", o.min_count, "drop words seen fewer times")
      ->check(at_least<int64_t>(1));
  app.add_option("--max-vocab", o.max_vocab, "keep at most N words (0 = all)")
      ->check(at_least<int64_t>(0));
  CLI::Option* sample_option = app.add_option("--sample", sample, "subsampling threshold (0: off)")
                                   ->check(at_least(0.0))
                                   ->default_str(per_model([](auto& r) { return r.sample; }));
  CLI::Option* epochs_option = app.add_option("--epochs", epochs, "passes over the corpus")
                                   ->check(at_least<int64_t>(1))
                                   ->default_str(per_model([](auto& r) { return r.epochs; }));
  CLI::Option* lr_option = app.add_option("--lr", lr, "start learning rate (glove: AdaGrad's eta)")
                               ->check(positive())
                               ->default_str(per_model([](auto& r) { return r.lr; }));
  app.add_option("--min-lr-ratio", o.min_lr_ratio,
                 "skipgram/cbow: the lr falls linearly to lr*R (fasttext: to 0;\n"
                 "word2vec.c: 1e-4)")
      ->check(in_range(0.0, 1.0));
  app.add_flag("--minibatch,!--no-minibatch", o.minibatch,
               "skipgram/fasttext: train each window as one minibatch whose context\n"
               "words share K negatives (the default), or one pair at a time with\n"
               "negatives of its own, word2vec.c's and fastText's order\n"
               "(--no-minibatch); cbow: two consecutive centres share a draw of K\n"
               "negatives (the default), or each draws its own (--no-minibatch). With\n"
               "--device cuda, skipgram/cbow: the minibatch kernel or the pair kernel");
  app.add_option("--threads", o.threads, "Hogwild threads (0: all cores)")
      ->check(at_least<int64_t>(0));
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--device", device, "cpu, or cuda / cuda:N (a GPU)")
      ->check(CLI::Validator(
          [](std::string& name) -> std::string {
            if (name == "cpu" || name == "cuda") return "";
            if (name.rfind("cuda:", 0) == 0) {
              const std::optional<int64_t> index = parse_number<int64_t>(name.substr(5));
              if (index && *index >= 0 && *index < 4096) return "";
            }
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
  app.add_option("--sync-every", o.distributed.sync_every,
                 "with several processes: corpus ids (glove: records) a rank trains\n"
                 "between two syncs")
      ->check(at_least<int64_t>(1));
  app.add_option("--sync-hot-rows", o.distributed.hot_rows,
                 "with several processes: the rows of a table a rank updates most\n"
                 "(the most frequent words', fasttext's most shared n-grams') in\n"
                 "every sync (the others in slices, all once an epoch; skipgram, cbow\n"
                 "and fasttext from 3 ranks: the next as many in every 2nd, the next\n"
                 "twice as many in every 4th ...)")
      ->check(at_least<int64_t>(0));
  int64_t corpus_budget_mb = 0;
  CLI::Option* budget_option =
      app.add_option("--corpus-budget", corpus_budget_mb,
                     "corpora larger than memory (skipgram, cbow, fasttext on the CPU):\n"
                     "write the corpus's ids to a file and train from it through MB\n"
                     "megabytes of buffers (all threads), not holding them (about 4 bytes\n"
                     "a kept word); the same vectors, and --resume works either way.\n"
                     "Never automatic: without it the corpus is held in memory")
          ->check(in_range<int64_t>(1, int64_t(1) << 20))
          ->type_name("MB")
          ->default_str("off");
  app.add_option("--ids-file", o.ids_file,
                 "with --corpus-budget: write the ids to FILE and keep it (default: a\n"
                 "temporary directory beside PREFIX, removed after the run)")
      ->type_name("FILE")
      ->needs(budget_option);
  app.add_flag("--resume", o.resume, "continue from PREFIX.ckpt.safetensors (same options)");
  app.add_flag("--quiet", quiet, "no progress line");
  parse_command_line(app, argc, argv, [&] {
    o.dim = given(dim_option, dim);
    o.window = given(window_option, window);
    o.epochs = given(epochs_option, epochs);
    o.sample = given(sample_option, sample);
    o.lr = given(lr_option, lr);
    o.device = parse_device(device);
    o.corpus_budget = corpus_budget_mb << 20;
    (void)o.resolved();  // the options together, before any file is touched
  });
  require_regular_input("--input", o.input,
                        "ember train reads it twice, to count the words and to train");
  prepare_output("--output", o.output, true);

  dist::Communicator& world = dist::world();
  if (world.size() > 1) {
    o.distributed.comm = &world;
    // One rank per GPU: `--device cuda` is the rank's own, its local rank on its host.
    if (o.device.is_cuda()) {
      const int gpus = cuda_device_count();
      EMBER_CHECK(world.local_size() <= gpus, "--device ", device, ": ", world.local_size(),
                  " ranks on this host but ", gpus, " GPU", gpus == 1 ? "" : "s",
                  " (one rank per GPU: start at most ", gpus, " ranks a host)");
      if (device == "cuda") o.device = Device(kCUDA, world.local_rank());
    }
  }

  const auto start = std::chrono::steady_clock::now();
  models::WordVectorsJobHooks hooks;
  hooks.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  bool progress_shown = false;
  models::TrainProgress last;
  hooks.progress = [&](const models::TrainProgress& p) {
    last = p;
    if (quiet) return;
    print_progress(p, false);
    progress_shown = true;
  };
  models::WordVectorsJobResult r;
  try {
    r = models::train_word_vectors(o, hooks);
  } catch (...) {
    if (progress_shown) std::fprintf(stderr, "\n");  // end the progress line before the error
    throw;
  }
  if (world.rank() != 0) return 0;  // rank 0 tells
  if (!quiet) std::fprintf(stderr, "\n");
  if (world.size() > 1)
    std::printf(
        "%d ranks x %lld threads; %lld syncs of %.1f MB in all, %.2f s (%.2f s at "
        "the epochs' ends)\n",
        world.size(), (long long)r.options.threads, (long long)last.sync.count,
        last.sync.bytes / 1e6, last.sync.seconds, last.sync.waited);
  std::printf(
      "trained %s: %lld words x %lld epochs in %.2f s = %.0f %s/s (%lld threads); "
      "%.2f s in all\nwrote %s %s %s %s\n",
      r.options.model.c_str(), (long long)r.corpus_tokens, (long long)r.epochs_trained,
      r.train_seconds, r.units / r.train_seconds, r.unit.c_str(), (long long)r.options.threads,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
      r.vec_path.c_str(), r.bin_path.c_str(), r.checkpoint_path.c_str(), r.vocab_path.c_str());
  return 0;
}

}  // namespace ember::cli
