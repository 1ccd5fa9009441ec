#include <ember/models/internal/hogwild.h>

#include <atomic>
#include <chrono>
#include <cmath>
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

void check_corpus_ids(const char* trainer, const data::EncodedCorpus& corpus, int64_t V) {
  for (size_t p = 0; p < corpus.ids.size(); ++p)
    EMBER_CHECK(corpus.ids[p] >= 0 && corpus.ids[p] < V, trainer, ": corpus id ", corpus.ids[p],
                " at position ", p, " out of range for a vocabulary of ", V, " words");
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

TrainProgress ProgressMeter::at(int64_t epoch, int64_t done, double elapsed, double loss,
                                double lr) const {
  TrainProgress p;
  p.fraction = total ? double(done) / double(total) : 1.0;
  p.epoch = epoch;
  p.elapsed_seconds = elapsed;
  const double rate = elapsed > 0 ? double(done - done_at_start) / elapsed : 0;
  p.words_per_sec_thread = rate * words_per_unit / double(threads);
  p.eta_seconds = rate > 0 ? double(total - done) / rate : 0;
  p.loss = loss;
  p.lr = lr;
  return p;
}

void run_epochs(int64_t threads, int64_t first_epoch, int64_t epochs,
                const std::function<void(int64_t, int64_t)>& work,
                const std::function<TrainProgress(int64_t)>& snapshot,
                const ProgressCallback& progress, const std::function<void(int64_t)>& after_epoch) {
  using Clock = std::chrono::steady_clock;
  for (int64_t epoch = first_epoch; epoch < epochs; ++epoch) {
    std::atomic<int64_t> finished{0};
    std::vector<std::thread> pool;
    for (int64_t t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        work(epoch, t);
        finished.fetch_add(1);
      });
    auto last = Clock::now();
    while (finished.load() < threads) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (progress && Clock::now() - last > std::chrono::milliseconds(100)) {
        last = Clock::now();
        progress(snapshot(epoch));
      }
    }
    for (std::thread& t : pool) t.join();
    if (after_epoch) after_epoch(epoch);
  }
  if (progress) progress(snapshot(epochs - 1));
}

}  // namespace ember::models::hogwild
