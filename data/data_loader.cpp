#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

#include <ember/data/data_loader.h>
#include <ember/tensor/error.h>

namespace ember::data {

// Workers take batch numbers in order, at most `capacity` ahead of the consumer, and leave
// each result in its slot; the consumer waits for slot `next_batch_`.
struct DataLoader::Workers {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Batch> slots;
  std::vector<std::exception_ptr> errors;
  std::vector<char> ready;
  size_t next_to_make = 0;
  size_t consumed = 0;
  size_t capacity = 1;
  bool stop = false;
  std::vector<std::thread> threads;
};

DataLoader::DataLoader(Dataset& dataset, DataLoaderOptions options)
    : dataset_(dataset), options_(std::move(options)), generator_(options_.seed) {
  EMBER_CHECK(options_.batch_size >= 1, "DataLoader: batch_size must be >= 1, got ",
              options_.batch_size);
  EMBER_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got ",
              options_.num_workers);
  EMBER_CHECK(options_.prefetch >= 1, "DataLoader: prefetch must be >= 1, got ", options_.prefetch);
}

DataLoader::~DataLoader() { stop_workers(); }

int64_t DataLoader::num_batches() const {
  if (options_.batch_sampler) return -1;
  int64_t n = dataset_.size(), B = options_.batch_size;
  return options_.drop_last ? n / B : (n + B - 1) / B;
}

void DataLoader::stop_workers() {
  if (!workers_) return;
  {
    std::lock_guard<std::mutex> lock(workers_->mutex);
    workers_->stop = true;
  }
  workers_->changed.notify_all();
  for (std::thread& t : workers_->threads) t.join();
  workers_.reset();
}

void DataLoader::start_epoch() {
  stop_workers();
  ++epoch_;
  dataset_.set_epoch(epoch_ - 1);
  batches_.clear();
  next_batch_ = 0;
  if (options_.batch_sampler) {
    batches_ = options_.batch_sampler(epoch_ - 1);
  } else {
    const int64_t n = dataset_.size(), B = options_.batch_size;
    std::vector<int64_t> order(static_cast<size_t>(n));
    if (options_.shuffle)
      order = randperm(n, &generator_).to_vector<int64_t>();
    else
      std::iota(order.begin(), order.end(), int64_t(0));
    for (int64_t start = 0; start < n; start += B) {
      int64_t stop = std::min(n, start + B);
      if (options_.drop_last && stop - start < B) break;
      batches_.emplace_back(order.begin() + start, order.begin() + stop);
    }
  }
  if (options_.num_workers == 0 || batches_.empty()) return;

  workers_ = std::make_unique<Workers>();
  Workers& w = *workers_;
  w.slots.resize(batches_.size());
  w.errors.resize(batches_.size());
  w.ready.assign(batches_.size(), 0);
  w.capacity = size_t(options_.num_workers * options_.prefetch);
  for (int64_t t = 0; t < options_.num_workers; ++t) {
    w.threads.emplace_back([this, &w] {
      while (true) {
        size_t k;
        {
          std::unique_lock<std::mutex> lock(w.mutex);
          w.changed.wait(lock, [&] {
            return w.stop || w.next_to_make >= batches_.size() ||
                   w.next_to_make < w.consumed + w.capacity;
          });
          if (w.stop || w.next_to_make >= batches_.size()) return;
          k = w.next_to_make++;
        }
        Batch batch;
        std::exception_ptr error;
        try {
          batch = dataset_.get_batch(batches_[k]);
        } catch (...) {
          error = std::current_exception();
        }
        {
          std::lock_guard<std::mutex> lock(w.mutex);
          w.slots[k] = std::move(batch);
          w.errors[k] = error;
          w.ready[k] = 1;
        }
        w.changed.notify_all();
      }
    });
  }
}

bool DataLoader::next(Batch& batch) {
  EMBER_CHECK(epoch_ > 0, "DataLoader::next: call start_epoch() first (or iterate the loader)");
  if (next_batch_ >= batches_.size()) {
    stop_workers();
    return false;
  }
  size_t k = next_batch_++;
  if (!workers_) {
    batch = dataset_.get_batch(batches_[k]);
    return true;
  }
  Workers& w = *workers_;
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(w.mutex);
    w.changed.wait(lock, [&] { return w.ready[k] != 0; });
    batch = std::move(w.slots[k]);
    error = w.errors[k];
    w.slots[k] = Batch();
    w.consumed = k + 1;
  }
  w.changed.notify_all();
  if (error) std::rethrow_exception(error);
  return true;
}

std::vector<std::vector<int64_t>> length_bucketed_batches(const std::vector<int64_t>& lengths,
                                                          int64_t batch_size, uint64_t seed,
                                                          int64_t epoch, bool drop_last,
                                                          int64_t pool_batches) {
  EMBER_CHECK(batch_size >= 1 && pool_batches >= 1,
              "length_bucketed_batches: batch_size and pool_batches must be >= 1, got ", batch_size,
              " and ", pool_batches);
  Generator gen(seed);
  gen.set_offset(uint64_t(epoch) << 40);  // epoch e draws from its own stretch of counters
  const int64_t n = int64_t(lengths.size());
  std::vector<int64_t> order = randperm(n, &gen).to_vector<int64_t>();
  const int64_t pool = batch_size * pool_batches;
  std::vector<std::vector<int64_t>> batches;
  for (int64_t start = 0; start < n; start += pool) {
    auto first = order.begin() + start, last = order.begin() + std::min(n, start + pool);
    std::stable_sort(first, last,
                     [&](int64_t a, int64_t b) { return lengths[size_t(a)] < lengths[size_t(b)]; });
    for (auto it = first; it < last; it += std::min<int64_t>(batch_size, last - it)) {
      auto stop = it + std::min<int64_t>(batch_size, last - it);
      batches.emplace_back(it, stop);
    }
  }
  // Every pool but the last holds whole batches, so only the last batch can be short.
  if (drop_last && !batches.empty() && int64_t(batches.back().size()) < batch_size)
    batches.pop_back();
  for (int64_t i = int64_t(batches.size()) - 1; i > 0; --i)
    std::swap(batches[size_t(i)], batches[size_t(gen.next_u64() % uint64_t(i + 1))]);
  return batches;
}

}  // namespace ember::data
