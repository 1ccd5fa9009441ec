// DataLoader, as torch.utils.data.DataLoader: batches of a Dataset in order or shuffled (a
// fresh permutation each epoch from a seeded ember::Generator), the last short batch kept or
// dropped, optionally made ahead by worker threads. Batches come out in the same order with
// the same contents whatever num_workers is: workers only compute get_batch(indices) early.
//
//   data::DataLoaderOptions options;
//   options.batch_size = 1024;
//   options.shuffle = true;
//   data::DataLoader loader(dataset, options);
//   for (int epoch = 0; epoch < 5; ++epoch)
//     for (const data::Batch& batch : loader) train_step(batch["center"], ...);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <ember/data/dataset.h>
#include <ember/tensor/generator.h>

namespace ember::data {

// The batches of one epoch as lists of example indices.
using BatchSampler = std::function<std::vector<std::vector<int64_t>>(int64_t epoch)>;

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  uint64_t seed = 0;        // the shuffle's generator, seeded once: epoch e takes permutation e
  bool drop_last = false;   // drop the last batch when shorter than batch_size
  int64_t num_workers = 0;  // threads computing batches ahead; 0: on the caller's thread
  int64_t prefetch = 2;     // batches each worker may run ahead of the consumer
  // When set, gives each epoch's batches (e.g. length_bucketed_batches) in place of
  // batch_size / shuffle / drop_last.
  BatchSampler batch_sampler;
};

class DataLoader {
 public:
  // The loader keeps a reference: `dataset` must outlive it.
  DataLoader(Dataset& dataset, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Batches per epoch with batch_size / drop_last (not known ahead with a batch_sampler: -1).
  int64_t num_batches() const;
  int64_t epoch() const { return epoch_; }  // the epoch in progress (0 before the first)

  // Starts the next epoch: sets the dataset's epoch, draws the order, starts the workers.
  // An epoch not read to its end is abandoned.
  void start_epoch();
  // The next batch of the current epoch; false once the epoch is done. Rethrows an error
  // raised while a worker made the batch.
  bool next(Batch& batch);

  class Iterator {
   public:
    Iterator(DataLoader* loader) : loader_(loader) { advance(); }  // NOLINT
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++() {
      advance();
      return *this;
    }
    bool operator!=(const Iterator& other) const { return loader_ != other.loader_; }

   private:
    void advance() {
      if (loader_ && !loader_->next(batch_)) loader_ = nullptr;
    }
    DataLoader* loader_;
    Batch batch_;
  };
  // begin() starts a new epoch; a range-for runs one epoch.
  Iterator begin() {
    start_epoch();
    return Iterator(this);
  }
  Iterator end() { return Iterator(nullptr); }

 private:
  struct Workers;
  void stop_workers();

  Dataset& dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  int64_t epoch_ = 0;
  std::vector<std::vector<int64_t>> batches_;  // this epoch's batches
  size_t next_batch_ = 0;                      // the next to hand out
  std::unique_ptr<Workers> workers_;
};

// Batches of examples of similar length (torchtext's BucketIterator): shuffle the indices,
// sort each pool of pool_batches * batch_size of them by length, cut the pools into batches
// and shuffle the batches; less padding than random batches, still random. Deterministic in
// (seed, epoch).
std::vector<std::vector<int64_t>> length_bucketed_batches(const std::vector<int64_t>& lengths,
                                                          int64_t batch_size, uint64_t seed,
                                                          int64_t epoch, bool drop_last = false,
                                                          int64_t pool_batches = 50);

}  // namespace ember::data
