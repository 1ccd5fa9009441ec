// The Hogwild runner of the fused CPU trainers (word2vec, fastText, GloVe): it starts one
// thread per worker for each epoch and reports progress while they run; the checks of their
// options; which SIMD build of a worker this CPU runs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include <ember/data/encoded_corpus.h>
#include <ember/data/sentence_chunks.h>
#include <ember/models/distributed.h>
#include <ember/models/internal/model_sync.h>
#include <ember/models/row_table.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/cpu.h>

namespace ember::models::hogwild {

// The most negatives per prediction and threads the corpus trainers take.
constexpr int64_t kMaxNegative = 1000;
constexpr int64_t kMaxThreads = 4096;

// The checks every corpus trainer makes of its options; errors start with `trainer`
// ("word2vec: dim must be in 1..1048576, got 0").
void check_corpus_options(const char* trainer, int64_t vocab_size, int64_t dim, int64_t window,
                          int64_t negative, int64_t epochs, double lr, double sample,
                          int64_t threads);

// That every id of the corpus is a word of a V-word vocabulary (an ember::Error naming
// `trainer` and the position otherwise); of a corpus on disk, that it was encoded with at most
// V words (its reads check each id) and that each of `threads` threads' share of its budget
// holds its longest sentence.
void check_corpus(const char* trainer, const data::SentenceSource& corpus, int64_t V,
                  int64_t threads);

// A worker body compiled for AVX2 with FMA and for any x86-64, and where it has a twin Wide whose
// block products take sixteen floats as one vector (block_loops::Wide16), that twin for
// AVX-512: simd_build() gives the one this CPU runs (ember::cpu; EMBER_NO_AVX512 keeps AVX2). The
// twin sums as Body does, so the same seed gives the same tables under AVX-512 as under AVX2; a
// body without one runs its AVX2 build there (its `#pragma omp simd` reductions would sum in 16
// lanes, not 8). Bodies must be always inline (EMBER_ALWAYS_INLINE), so that their loops are
// compiled inside each. The AVX2 and AVX-512 bodies may use PREFETCHW (prfchw), which every CPU
// with AVX2 executes (64-bit Windows requires it since 8.1; only some Core 2 and older lack it).
template <typename Worker, void (*Body)(Worker&, int64_t, int64_t)>
__attribute__((target("avx512f,avx2,fma,prfchw"))) void run_avx512(Worker& w, int64_t epoch,
                                                                   int64_t thread) {
  Body(w, epoch, thread);
}
template <typename Worker, void (*Body)(Worker&, int64_t, int64_t)>
__attribute__((target("avx2,fma,prfchw"))) void run_avx2(Worker& w, int64_t epoch, int64_t thread) {
  Body(w, epoch, thread);
}
template <typename Worker, void (*Body)(Worker&, int64_t, int64_t)>
void run_generic(Worker& w, int64_t epoch, int64_t thread) {
  Body(w, epoch, thread);
}
template <typename Worker, void (*Body)(Worker&, int64_t, int64_t),
          void (*Wide)(Worker&, int64_t, int64_t) = Body>
auto simd_build() -> void (*)(Worker&, int64_t, int64_t) {
  if constexpr (Wide != Body)
    if (cpu::has_avx512()) return run_avx512<Worker, Wide>;
  return cpu::has_avx2_fma() ? run_avx2<Worker, Body> : run_generic<Worker, Body>;
}

// Turns counters into a TrainProgress: `done` units (corpus ids, records) of `total` are
// done by all ranks, `done_at_start` of them before this run started `elapsed` seconds ago;
// each unit is `words_per_unit` raw corpus words; `loss` and `lr` are the workers' latest.
// `threads`: of all ranks.
struct ProgressMeter {
  int64_t done_at_start = 0, total = 0, threads = 1, ranks = 1;
  double words_per_unit = 1;
  TrainProgress at(int64_t epoch, int64_t done, double elapsed, double loss, double lr) const;
};

// What a distributed run does on the epochs' loop thread (ModelSync's calls):
// while_running(epoch) every few milliseconds while the workers run (it returns true while it
// has a collective in flight: the loop then calls it every millisecond), after_workers(epoch)
// once they have joined, before the epoch's checks and after_epoch.
struct EpochHooks {
  std::function<bool(int64_t epoch)> while_running;
  std::function<void(int64_t epoch)> after_workers;
};

// Runs work(epoch, thread) on `threads` threads for each epoch in [first_epoch, epochs),
// calling progress(snapshot(epoch)) about ten times a second while they run and once at the
// end, and after_epoch(epoch) after each epoch (the CLI writes its checkpoint there).
// An exception in a worker is thrown here as an ember::Error once all threads have joined;
// a snapshot whose loss is not finite (during the epoch or at its end) stops the run with an
// ember::Error before that epoch's after_epoch, so the last checkpoint written is a good one.
void run_epochs(int64_t threads, int64_t first_epoch, int64_t epochs,
                const std::function<void(int64_t epoch, int64_t thread)>& work,
                const std::function<TrainProgress(int64_t epoch)>& snapshot,
                const ProgressCallback& progress, const std::function<void(int64_t)>& after_epoch,
                const EpochHooks& hooks = {});

// What every worker of a corpus trainer (word2vec, fastText) has: its share of the
// sentences, the counter of corpus ids done by all threads, and what it last reported.
// sentence_loop::SentenceWorker derives from it, and a trainer's Worker from that.
struct CorpusWorker {
  const data::SentenceSource* corpus = nullptr;
  int64_t begin_sentence = 0, end_sentence = 0;
  int64_t chunk_bytes = 0;  // a corpus on disk: the bytes of this worker's buffers
  std::atomic<int64_t>* words_done = nullptr;  // corpus ids processed by this rank's threads
  // Corpus ids the other ranks of a distributed run have processed, as of the last sync.
  const std::atomic<int64_t>* others_done = nullptr;
  int64_t total_words = 0;             // epochs x corpus ids
  std::atomic<double> recent_loss{0};  // mean loss per prediction, lately
  std::atomic<double> lr{0};           // the worker's current learning rate
};

// Trains epochs [first_epoch, epochs) with one thread per worker: gives worker t the t-th
// share of this rank's shard of the sentences (and of a corpus on disk, the t-th share of
// its budget), runs run(worker, epoch, thread) with thread the
// worker's index among all ranks' (its random streams), and reports progress in raw corpus
// words per second (run_epochs above) with the workers' mean loss and highest lr. A
// distributed run (d.active()) syncs `tables` across the ranks (models/distributed.h), each
// as its SyncRows in `rows` says where given (ModelSync).
template <typename Worker>
void train_over_corpus(const data::SentenceSource& corpus, std::vector<Worker>& workers,
                       int64_t first_epoch, int64_t epochs, double lr,
                       void (*run)(Worker&, int64_t epoch, int64_t thread),
                       const ProgressCallback& progress,
                       const std::function<void(int64_t)>& after_epoch, const Distributed& d = {},
                       std::vector<RowTable*> tables = {}, std::vector<SyncRows> rows = {}) {
  const int64_t threads = int64_t(workers.size()), rank = d.rank(), ranks = d.ranks();
  const std::vector<int64_t> bounds = corpus.split(ranks * threads);
  const int64_t shard = corpus.sentence_start(bounds[size_t((rank + 1) * threads)]) -
                        corpus.sentence_start(bounds[size_t(rank * threads)]);
  std::atomic<int64_t> words_done{first_epoch * corpus.num_ids()}, others_done{0};
  const int64_t total_words = epochs * corpus.num_ids();
  for (int64_t t = 0; t < threads; ++t) {
    CorpusWorker& w = workers[size_t(t)];
    w.corpus = &corpus;
    w.begin_sentence = bounds[size_t(rank * threads + t)];
    w.end_sentence = bounds[size_t(rank * threads + t) + 1];
    w.chunk_bytes = corpus.budget() / threads;
    w.words_done = &words_done;
    w.others_done = &others_done;
    w.total_words = total_words;
    w.lr.store(lr);
  }
  ModelSync sync(d, std::move(tables), shard, corpus.num_ids(), std::move(rows));
  sync.start();
  const double raw_per_id =
      corpus.num_ids() ? double(corpus.raw_tokens()) / double(corpus.num_ids()) : 1.0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const int64_t done_at_start = words_done.load();
  const ProgressMeter meter{done_at_start, total_words, threads * ranks, ranks, raw_per_id};
  auto snapshot = [&](int64_t epoch) {
    double loss = 0, highest_lr = 0;
    for (const CorpusWorker& w : workers) {
      loss += w.recent_loss.load(std::memory_order_relaxed);
      highest_lr = std::max(highest_lr, w.lr.load(std::memory_order_relaxed));
    }
    TrainProgress p =
        meter.at(epoch, words_done.load(std::memory_order_relaxed) + others_done.load(),
                 std::chrono::duration<double>(Clock::now() - start).count(),
                 loss / double(threads), highest_lr);
    p.sync = sync.stats();
    return p;
  };
  EpochHooks hooks;
  if (d.active()) {
    const auto done_in_run = [&] { return words_done.load() - done_at_start; };
    hooks.while_running = [&, done_in_run](int64_t epoch) {
      const int64_t run_done = done_in_run();
      const bool busy = sync.poll(run_done - (epoch - first_epoch) * shard, run_done);
      others_done.store(sync.others_done());
      return busy;
    };
    hooks.after_workers = [&, done_in_run](int64_t) {
      sync.finish_epoch(done_in_run());
      others_done.store(sync.others_done());
    };
  }
  run_epochs(
      threads, first_epoch, epochs,
      [&](int64_t epoch, int64_t t) { run(workers[size_t(t)], epoch, rank * threads + t); },
      snapshot, progress, after_epoch, hooks);
}

}  // namespace ember::models::hogwild
