#include <ember/models/internal/hogwild.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <vector>

#include <ember/models/row_table.h>
#include <ember/tensor/error.h>

namespace ember::models::hogwild {

void check_corpus_options(const char* trainer, int64_t vocab_size, int64_t dim, int64_t window,
                          int64_t negative, int64_t epochs, double lr, double sample,
                          int64_t threads) {
  EMBER_CHECK(vocab_size > 0, trainer, ": the vocabulary is empty");
  EMBER_CHECK(dim > 0 && dim <= RowTable::kMaxDim, trainer, ": dim must be in 1..",
              RowTable::kMaxDim, ", got ", dim);
  // A window wider than the longest sentence reaches no further.
  EMBER_CHECK(window > 0 && window <= data::EncodedCorpus::kMaxSentence, trainer,
              ": window must be in 1..", data::EncodedCorpus::kMaxSentence, ", got ", window);
  EMBER_CHECK(negative > 0 && negative <= kMaxNegative, trainer, ": negative must be in 1..",
              kMaxNegative, ", got ", negative);
  EMBER_CHECK(epochs > 0, trainer, ": epochs must be positive, got ", epochs);
  EMBER_CHECK(std::isfinite(lr) && lr > 0, trainer, ": lr must be positive and finite, got ", lr);
  EMBER_CHECK(std::isfinite(sample) && sample >= 0, trainer,
              ": sample must be finite and >= 0, got ", sample);
  EMBER_CHECK(threads > 0 && threads <= kMaxThreads, trainer, ": threads must be in 1..",
              kMaxThreads, ", got ", threads);
}

void check_corpus(const char* trainer, const data::SentenceSource& corpus, int64_t V,
                  int64_t threads) {
  if (const data::EncodedCorpus* memory = corpus.memory()) {
    const std::vector<int32_t>& ids = memory->ids;
    for (size_t p = 0; p < ids.size(); ++p)
      EMBER_CHECK(ids[p] >= 0 && ids[p] < V, trainer, ": corpus id ", ids[p], " at position ", p,
                  " out of range for a vocabulary of ", V, " words");
    return;
  }
  const data::EncodedCorpusFile& file = *corpus.file();
  EMBER_CHECK(file.vocab_size() <= V, trainer, ": ", file.path(),
              " was encoded with a vocabulary of ", file.vocab_size(),
              " words, more than the trainer's ", V);
  const int64_t need = data::SentenceChunks::min_bytes(file);
  EMBER_CHECK(corpus.budget() / threads >= need, trainer, ": a corpus_budget of ", corpus.budget(),
              " bytes gives each of ", threads, " threads ", corpus.budget() / threads,
              " bytes, less than the longest sentence of ", file.path(), " needs (",
              file.longest_sentence(), " ids: ", need, " bytes)");
}

TrainProgress ProgressMeter::at(int64_t epoch, int64_t done, double elapsed, double loss,
                                double lr) const {
  TrainProgress p;
  p.fraction = total ? double(done) / double(total) : 1.0;
  p.epoch = epoch;
  p.elapsed_seconds = elapsed;
  const double rate = elapsed > 0 ? double(done - done_at_start) / elapsed : 0;
  p.words_per_sec = rate * words_per_unit;
  p.words_per_sec_thread = p.words_per_sec / double(threads);
  p.ranks = ranks;
  p.eta_seconds = rate > 0 ? double(total - done) / rate : 0;
  p.loss = loss;
  p.lr = lr;
  return p;
}

namespace {

// The error for a loss that is not finite: the updates diverged (too high a learning rate,
// or vectors that overflowed); where it happened, and what to try.
[[noreturn]] void diverged(const TrainProgress& p, int64_t epochs) {
  EMBER_FAIL("training diverged: the loss is ", std::isnan(p.loss) ? "nan" : detail::str(p.loss),
             " in epoch ", p.epoch + 1, " of ", epochs, " (",
             std::lround(100 * std::min(p.fraction, 1.0)), "% done, lr ", p.lr,
             "); try a lower --lr. The vectors of this epoch are not written; the checkpoint of "
             "the last finished epoch, if any, is kept");
}

}  // namespace

void run_epochs(int64_t threads, int64_t first_epoch, int64_t epochs,
                const std::function<void(int64_t, int64_t)>& work,
                const std::function<TrainProgress(int64_t)>& snapshot,
                const ProgressCallback& progress, const std::function<void(int64_t)>& after_epoch,
                const EpochHooks& hooks) {
  using Clock = std::chrono::steady_clock;
  for (int64_t epoch = first_epoch; epoch < epochs; ++epoch) {
    std::atomic<int64_t> finished{0};
    // A worker's exception is kept (the first one) and thrown here once all have joined.
    std::mutex failure_mutex;
    std::exception_ptr failure;
    std::vector<std::thread> pool;
    auto worker = [&](int64_t t) {
      try {
        work(epoch, t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
      finished.fetch_add(1);
    };
    try {
      for (int64_t t = 0; t < threads; ++t) pool.emplace_back(worker, t);
    } catch (...) {  // a thread that cannot start: the others finish, then the error
      for (std::thread& t : pool) t.join();
      throw;
    }
    // The first non-finite loss seen while the workers run, to say where it happened.
    std::optional<TrainProgress> bad;
    auto last = Clock::now();
    bool in_flight = false, hook_failed = false;
    while (finished.load() < threads) {
      std::this_thread::sleep_for(std::chrono::milliseconds(in_flight ? 1 : 20));
      // An error of the averaging (a rank gone) ends the run once the workers stop.
      if (hooks.while_running && !hook_failed) {
        try {
          in_flight = hooks.while_running(epoch);
        } catch (...) {
          hook_failed = true;
          in_flight = false;
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
      if (Clock::now() - last > std::chrono::milliseconds(100)) {
        last = Clock::now();
        const TrainProgress p = snapshot(epoch);
        if (!bad && !std::isfinite(p.loss)) bad = p;
        if (progress) progress(p);
      }
    }
    for (std::thread& t : pool) t.join();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const Error&) {
        throw;
      } catch (const std::bad_alloc&) {
        EMBER_FAIL("training: out of memory in a worker thread (epoch ", epoch + 1,
                   "); lower --threads, --dim, --window or --negative");
      } catch (const std::exception& e) {
        EMBER_FAIL("training: a worker thread failed in epoch ", epoch + 1, ": ", e.what());
      }
    }
    if (hooks.after_workers) hooks.after_workers(epoch);
    // Checked before after_epoch writes the epoch's checkpoint, so the last one written is
    // the last good one.
    const TrainProgress end = snapshot(epoch);
    if (bad) diverged(*bad, epochs);
    if (!std::isfinite(end.loss)) diverged(end, epochs);
    if (after_epoch) after_epoch(epoch);
  }
  if (progress) progress(snapshot(epochs - 1));
}

}  // namespace ember::models::hogwild
