// What the CUDA paths of the fused trainers (word2vec, GloVe, fastText) share on the host:
// their inputs and RowTables copied to a device as tensors and back, padding included (the
// kernels index rows by the padded stride), the progress line between launches, and the
// epoch loop of the one-warp-per-sentence trainers and their set-up.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include <ember/config.h>
#include <ember/data/encoded_corpus.h>
#include <ember/data/sampling.h>
#include <ember/models/internal/tensor_sync.h>
#include <ember/models/row_table.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/error.h>
#include <ember/tensor/tensor.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#endif

namespace ember::models::device_tables {

#if EMBER_WITH_CUDA
// device.index, once it is known that this machine has that GPU (an ember::Error naming
// `trainer` otherwise).
inline int checked_device(const char* trainer, Device device) {
  EMBER_CHECK(cuda::device_count() > device.index, trainer, ": no CUDA device ", device.index,
              " (this machine has ", cuda::device_count(), ")");
  return device.index;
}
#endif

// A host vector as a flat tensor on `device`; T travels as the bits of the ember dtype As of
// the same width (uint32 as int32, uint64 as int64).
template <typename T, typename As>
Tensor to_device(const std::vector<T>& values, Device device) {
  static_assert(sizeof(T) == sizeof(As), "same width");
  std::vector<As> bits(values.size());
  if (!values.empty()) std::memcpy(bits.data(), values.data(), values.size() * sizeof(T));
  return tensor(bits, {int64_t(bits.size())}).to(device);
}

// table [rows, stride] (padding included) as a float32 tensor on `device`.
inline Tensor table_to_device(const RowTable& table, Device device) {
  Tensor t = empty({table.rows(), table.stride()}, DType::kFloat32);
  std::memcpy(t.data<float>(), table.row(0), size_t(table.rows() * table.stride()) * 4);
  return t.to(device);
}

// The reverse of table_to_device: t [rows, stride] (any device) into table.
inline void table_from_device(RowTable& table, const Tensor& t) {
  Tensor host = t.cpu();
  std::memcpy(table.row(0), host.data<float>(), size_t(table.rows() * table.stride()) * 4);
}

// The progress of a GPU run after a launch: `done` of `total` units (corpus ids, records)
// are done, `done_at_start` of them before the run started `elapsed` seconds ago; each unit
// is `words_per_unit` raw words.
inline TrainProgress launch_progress(int64_t epoch, int64_t done, int64_t done_at_start,
                                     int64_t total, double words_per_unit, double elapsed,
                                     double lr, double loss) {
  TrainProgress p;
  p.fraction = double(done) / double(std::max<int64_t>(total, 1));
  p.epoch = epoch;
  p.elapsed_seconds = elapsed;
  const double rate = double(done - done_at_start) / std::max(elapsed, 1e-9);
  p.words_per_sec = rate * words_per_unit;
  p.words_per_sec_thread = p.words_per_sec;
  p.eta_seconds = rate > 0 ? double(total - done) / rate : 0;
  p.lr = lr;
  p.loss = loss;
  return p;
}

// What a one-warp-per-sentence kernel (word2vec, fastText) reads besides its tables, on the
// device: the corpus, the subsampling thresholds, the negatives' alias table, the scratch for
// the subsampled sentences and the sampled-loss counters.
struct SentenceBuffers {
  SentenceBuffers(const data::EncodedCorpus& corpus, const std::vector<uint32_t>& keep_threshold,
                  const data::AliasTable& negatives, Device device)
      : ids(to_device<int32_t, int32_t>(corpus.ids, device)),
        starts(to_device<int64_t, int64_t>(corpus.sentence_starts, device)),
        keep(to_device<uint32_t, int32_t>(keep_threshold, device)),
        alias(to_device<uint64_t, int64_t>(negatives.packed(), device)),
        kept(empty({std::max<int64_t>(corpus.num_ids(), 1)},
                   TensorOptions(DType::kInt32).device(device))),
        kept_length(empty({std::max<int64_t>(corpus.num_sentences(), 1)},
                          TensorOptions(DType::kInt32).device(device))),
        loss_sum(zeros({1}, TensorOptions(DType::kFloat64).device(device))),
        loss_count(zeros({1}, TensorOptions(DType::kInt64).device(device))) {}

  // Sets those fields of a cuda::Word2VecLaunch or cuda::FastTextLaunch.
  template <typename Launch>
  void point(Launch& l) const {
    l.ids = static_cast<const int32_t*>(ids.raw_data());
    l.sentence_starts = static_cast<const int64_t*>(starts.raw_data());
    l.keep = static_cast<const uint32_t*>(keep.raw_data());
    l.alias = static_cast<const uint64_t*>(alias.raw_data());
    l.kept = static_cast<int32_t*>(kept.raw_data());
    l.kept_length = static_cast<int32_t*>(kept_length.raw_data());
    l.loss_sum = static_cast<double*>(loss_sum.raw_data());
    l.loss_count = static_cast<unsigned long long*>(loss_count.raw_data());
  }

  Tensor ids, starts, keep, alias, kept, kept_length, loss_sum, loss_count;
};

// How many launches an epoch of a GPU trainer takes: about 20, so that progress can be
// reported between them, or more, so that a distributed run syncs (after each launch) at
// least every d.sync_every units a rank (models/internal/tensor_sync.h).
inline int64_t launches_per_epoch(const Distributed& d, int64_t units) {
  if (!d.active()) return 20;
  const int64_t per_rank = units / d.ranks();
  return std::max<int64_t>(20, (per_rank + d.sync_every - 1) / d.sync_every);
}

// Epochs [first_epoch, epochs) of a one-warp-per-sentence trainer (word2vec, fastText) on a
// GPU: each epoch in sync's launches train(l) of consecutive sentences (this rank's parts of
// a distributed run, TensorSync::part), synced after each and progress reported between them
// (the sampled losses the kernels add into buffers.loss_sum and loss_count are read and
// cleared there; lr_at(fraction done) gives the lr to show). After each epoch that
// after_epoch wants, and after the last, tables_back() copies the tables back to the host.
// Launch: cuda::Word2VecLaunch or cuda::FastTextLaunch, whose other fields the caller has set.
template <typename Launch>
void run_sentence_epochs(const data::EncodedCorpus& corpus, Launch& l, int64_t first_epoch,
                         int64_t epochs, void (*train)(const Launch&),
                         const SentenceBuffers& buffers, const std::function<double(double)>& lr_at,
                         const ProgressCallback& progress, const std::function<void()>& tables_back,
                         const std::function<void(int64_t)>& after_epoch, TensorSync& sync,
                         int64_t launches, int64_t ranks) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const int64_t S = corpus.num_sentences(), N = corpus.num_ids();
  const double raw_per_id = N ? double(corpus.raw_tokens) / double(N) : 1.0;
  for (int64_t epoch = first_epoch; epoch < epochs; ++epoch) {
    l.epoch = epoch;
    for (int64_t k = 0; k < launches; ++k) {
      l.begin_sentence = S * sync.part(k) / sync.parts();
      l.end_sentence = S * (sync.part(k) + 1) / sync.parts();
      train(l);
      sync.after_launch(k);
      if (!progress) continue;
      Tensor loss_sum = buffers.loss_sum, loss_count = buffers.loss_count;
      const double loss = loss_sum.cpu().item(), count = loss_count.cpu().item();
      loss_sum.zero_();
      loss_count.zero_();
      // All ranks' words: they move through the epoch together.
      const int64_t done = epoch * N + (ranks == 1 ? corpus.sentence_starts[size_t(l.end_sentence)]
                                                   : N * (k + 1) / launches);
      const double fraction = double(done) / double(std::max<int64_t>(l.total_words, 1));
      TrainProgress p =
          launch_progress(epoch, done, first_epoch * N, l.total_words, raw_per_id,
                          std::chrono::duration<double>(Clock::now() - start).count(),
                          lr_at(std::min(1.0, fraction)), count > 0 ? loss / count : 0);
      p.ranks = ranks;
      p.sync = sync.stats();
      progress(p);
    }
    if (after_epoch || epoch + 1 == epochs) tables_back();
    if (after_epoch) after_epoch(epoch);
  }
}

// Epochs [first_epoch, o.epochs) of a one-warp-per-sentence trainer on o.device: copies the
// corpus, the thresholds keep [V], the negatives and both tables there, sets the
// SentenceLaunch fields of l from them and from o (the caller has set its model's own), and
// runs run_sentence_epochs, the tables synced with the other ranks of a distributed run
// (o.distributed, as sync_rows {input's, output's} says) and coming back to the host after
// each epoch that after_epoch wants and after the last. persistent: one launch an epoch (a kernel
// whose resident warps stride over all the sentences), progress reported after each epoch; a
// distributed run still launches launches_per_epoch times, to sync between them.
template <typename Launch, typename Options>
void train_sentences(const data::EncodedCorpus& corpus, const Options& o,
                     const std::vector<uint32_t>& keep, const data::AliasTable& negatives,
                     RowTable& input, RowTable& output, std::vector<SyncRows> sync_rows, Launch& l,
                     void (*train)(const Launch&), const std::function<double(double)>& lr_at,
                     int64_t first_epoch, const ProgressCallback& progress,
                     const std::function<void(int64_t)>& after_epoch, bool persistent = false) {
  const SentenceBuffers buffers(corpus, keep, negatives, o.device);
  Tensor input_d = table_to_device(input, o.device), output_d = table_to_device(output, o.device);
  const int64_t launches = persistent && !o.distributed.active()
                               ? 1
                               : launches_per_epoch(o.distributed, corpus.num_ids());
  TensorSync sync(o.distributed, {input_d, output_d}, launches, std::move(sync_rows));
  sync.start();
  buffers.point(l);
  l.vocab = int64_t(keep.size());
  l.input = static_cast<float*>(input_d.raw_data());
  l.output = static_cast<float*>(output_d.raw_data());
  l.stride = input.stride();
  l.dim = input.dim();
  l.window = o.window;
  l.negative = o.negative;
  l.seed = o.seed;
  l.lr0 = o.lr;
  l.num_ids = corpus.num_ids();
  l.total_words = o.epochs * corpus.num_ids();
  run_sentence_epochs(
      corpus, l, first_epoch, o.epochs, train, buffers, lr_at, progress,
      [&] {
        table_from_device(input, input_d);
        table_from_device(output, output_d);
      },
      after_epoch, sync, launches, o.distributed.ranks());
}

}  // namespace ember::models::device_tables
