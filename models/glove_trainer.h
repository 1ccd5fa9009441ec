// The fused GloVe trainer, Stanford glove.c's: Hogwild threads (or one CUDA kernel) over the
// shuffled co-occurrence records, AdaGrad per parameter, the arithmetic of GloVeModel
// (models/glove_model.h, which spells out glove.c's update).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <ember/data/cooccurrence.h>
#include <ember/models/distributed.h>
#include <ember/models/row_table.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/tensor.h>

namespace ember::models {

using GloVeRecord = data::CooccurrenceRecord;

struct GloVeOptions {
  int64_t dim = 50;        // -vector-size
  int64_t epochs = 25;     // -iter
  double eta = 0.05;       // -eta
  double x_max = 100;      // -x-max
  double alpha = 0.75;     // -alpha
  double grad_clip = 100;  // -grad-clip
  int64_t threads = 4;
  uint64_t seed = 1;
  // Device(kCUDA): train with the kernel of cuda/glove.cu (a group of lanes per record,
  // Hogwild, the records in a fresh Philox-keyed order each epoch where the CPU keeps the
  // file's order); records and tables stay on the GPU during training and the tables come
  // back after every epoch.
  Device device;
  // Training with other processes (models/distributed.h): this rank's shard of the records,
  // the rows (vectors, biases and their AdaGrad sums) synced with theirs (on a GPU, between
  // kernel launches: models/internal/tensor_sync.h).
  Distributed distributed;
};

class GloVeTrainer {
 public:
  // Every vector entry and bias uniform in [-0.5/D, 0.5/D], gradsq 1 (glove.c's init).
  GloVeTrainer(int64_t vocab_size, const GloVeOptions& options);

  // Trains epochs [first_epoch, options.epochs) over the records (shuffled, as glove.c reads
  // them: each thread takes a contiguous part, in the same order every epoch; records in a
  // file are streamed, a block at a time). Progress reports records per second per thread
  // in words_per_sec_thread and the epoch's mean cost so far in loss.
  void train(const data::Cooccurrences& records, const ProgressCallback& progress = {},
             int64_t first_epoch = 0, const std::function<void(int64_t)>& after_epoch = {});

  // glove.c's update for one record (above); returns its cost J, 0 when it was skipped
  // (a non-finite diff, as glove.c skips).
  float step(int32_t word, int32_t context, float count);

  int64_t vocab_size() const { return V_; }
  const GloVeOptions& options() const { return options_; }

  Tensor vectors() const;          // W + C (glove.c -model 2): [V, D]
  Tensor word_weights() const;     // W [V, D]
  Tensor context_weights() const;  // C [V, D]
  Tensor word_biases() const;      // [V]
  Tensor context_biases() const;   // [V]
  // Sets the weights (gradsq untouched): W, C [V, D], biases [V].
  void set_weights(const Tensor& word, const Tensor& context, const Tensor& word_bias,
                   const Tensor& context_bias);
  // All state (weights, biases and their gradsq) as named [V, ...] tensors for a checkpoint,
  // and back.
  std::map<std::string, Tensor> state() const;
  void load_state(const std::map<std::string, Tensor>& state);

 private:
  void train_cuda(const data::Cooccurrences& records, const ProgressCallback& progress,
                  int64_t first_epoch, const std::function<void(int64_t)>& after_epoch);

  // Row r of `word_` / `context_` holds [vector (S) | gradsq (S) | bias, bias gradsq, 0...]:
  // one contiguous 4(2S + 16)-byte block per word per side.
  int64_t V_, S_;
  GloVeOptions options_;
  RowTable word_, context_;
};

}  // namespace ember::models
