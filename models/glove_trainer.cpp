// The fused GloVe trainer, glove.c's glove_thread in float with SIMD loops
// (models/glove_model.h spells out the update).
#include <ember/models/glove_trainer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>

#include <ember/config.h>
#include <ember/models/internal/device_tables.h>
#include <ember/models/internal/hogwild.h>
#include <ember/models/internal/row_loops.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/glove.h>
#include <ember/cuda/runtime.h>
#endif

namespace ember::models {

namespace {

using row_loops::dot;

// Where the parts of a row of a side's table lie: [vector (S) | gradsq (S) | bias, bias
// gradsq, zeros to 16].
struct Layout {
  int64_t S;
  int64_t gradsq() const { return S; }
  int64_t bias() const { return 2 * S; }
  int64_t bias_gradsq() const { return 2 * S + 1; }
  int64_t stride() const { return 2 * S + 16; }
};

struct Params {
  float eta, x_max, alpha, clip;
};

// glove.c's update for one record. w, c: the word's and the context's rows (Layout).
// Overwrites both rows' vectors, gradsq, bias and bias gradsq; returns the cost J, 0 when
// diff is not finite (the record is skipped, as glove.c skips it).
EMBER_ALWAYS_INLINE float update(float* __restrict w, float* __restrict c, float count,
                                 const Layout& L, const Params& p) {
  const int64_t S = L.S;
  const float diff = dot(w, c, S) + w[L.bias()] + c[L.bias()] - std::log(count);
  const float fdiff = count > p.x_max ? diff : std::pow(count / p.x_max, p.alpha) * diff;
  if (!std::isfinite(diff) || !std::isfinite(fdiff)) return 0;
  float* __restrict gw = w + L.gradsq();
  float* __restrict gc = c + L.gradsq();
#pragma omp simd
  for (int64_t j = 0; j < S; ++j) {
    // learning rate times the clipped gradient, for the word's and the context's entry j
    const float grad_w = fdiff * c[j], grad_c = fdiff * w[j];
    const float step_w = (grad_w > p.clip ? p.clip : grad_w < -p.clip ? -p.clip : grad_w) * p.eta;
    const float step_c = (grad_c > p.clip ? p.clip : grad_c < -p.clip ? -p.clip : grad_c) * p.eta;
    const float sum_w = gw[j] + step_w * step_w, sum_c = gc[j] + step_c * step_c;
    gw[j] = sum_w;
    gc[j] = sum_c;
    w[j] -= step_w / std::sqrt(sum_w);
    c[j] -= step_c / std::sqrt(sum_c);
  }
  w[L.bias_gradsq()] += fdiff * fdiff;
  c[L.bias_gradsq()] += fdiff * fdiff;
  w[L.bias()] -= fdiff / std::sqrt(w[L.bias_gradsq()]);
  c[L.bias()] -= fdiff / std::sqrt(c[L.bias_gradsq()]);
  return 0.5f * fdiff * diff;
}

struct Worker {
  const data::Cooccurrences* records;
  int64_t begin, end;  // this thread's records
  float* word;
  float* context;
  Layout layout;
  Params params;
  std::atomic<int64_t>* records_done;
  std::atomic<double> cost{0};  // this epoch's summed cost so far
};

// Records read from a file come in blocks of this many (768 KB).
constexpr int64_t kBlock = 1 << 16;

// One epoch of a thread's records (the same ones every epoch), compiled for each CPU by
// hogwild::simd_build.
EMBER_ALWAYS_INLINE void run_worker(Worker& w, int64_t /*epoch*/, int64_t /*thread*/) {
  const Layout L = w.layout;
  const Params p = w.params;
  const int64_t stride = L.stride(), lookahead = 4;
  std::vector<GloVeRecord> buffer;
  double cost = 0;
  int64_t unreported = 0;
  for (int64_t first = w.begin; first < w.end; first += kBlock) {
    const GloVeRecord* records;
    int64_t n;
    if (w.records->in_memory()) {
      records = w.records->records().data() + first;
      n = w.end - first;
    } else {
      n = std::min(kBlock, w.end - first);
      buffer.resize(size_t(n));
      w.records->read(first, n, buffer.data());
      records = buffer.data();
    }
    for (int64_t i = 0; i < n; ++i) {
      if (i + lookahead < n) {
        const GloVeRecord& next = records[i + lookahead];
        row_loops::prefetch_row(w.word + int64_t(next.row) * stride, 2 * L.S + 2);
        row_loops::prefetch_row(w.context + int64_t(next.col) * stride, 2 * L.S + 2);
      }
      const GloVeRecord& r = records[i];
      cost += update(w.word + int64_t(r.row) * stride, w.context + int64_t(r.col) * stride, r.value,
                     L, p);
      if (++unreported == 16384) {
        w.records_done->fetch_add(unreported, std::memory_order_relaxed);
        w.cost.store(cost, std::memory_order_relaxed);
        unreported = 0;
      }
    }
    if (w.records->in_memory()) break;
  }
  w.records_done->fetch_add(unreported, std::memory_order_relaxed);
  w.cost.store(cost, std::memory_order_relaxed);
}

// Calls visit(first, n, records) for the consecutive blocks of (at most) kBlock records,
// from memory or read from the file.
template <typename Visit>
void for_each_block(const data::Cooccurrences& records, Visit visit) {
  std::vector<GloVeRecord> block;
  for (int64_t first = 0; first < records.size(); first += kBlock) {
    const int64_t n = std::min(kBlock, records.size() - first);
    const GloVeRecord* r = records.in_memory() ? records.records().data() + first : nullptr;
    if (!r) {
      block.resize(size_t(n));
      records.read(first, n, block.data());
      r = block.data();
    }
    visit(first, n, r);
  }
}

}  // namespace

GloVeTrainer::GloVeTrainer(int64_t vocab_size, const GloVeOptions& options)
    : V_(vocab_size), options_(options) {
  const GloVeOptions& o = options;
  EMBER_CHECK(vocab_size > 0, "glove: the vocabulary is empty");
  // A row holds the vector and its gradsq: 2 D + 16 floats.
  EMBER_CHECK(o.dim > 0 && o.dim <= RowTable::kMaxDim / 2 - 16, "glove: dim must be in 1..",
              RowTable::kMaxDim / 2 - 16, ", got ", o.dim);
  EMBER_CHECK(o.epochs > 0, "glove: epochs must be positive, got ", o.epochs);
  EMBER_CHECK(std::isfinite(o.eta) && o.eta > 0, "glove: eta must be positive and finite, got ",
              o.eta);
  EMBER_CHECK(std::isfinite(o.x_max) && o.x_max > 0 && std::isfinite(o.alpha) && o.alpha > 0,
              "glove: x_max and alpha must be positive and finite, got ", o.x_max, " and ",
              o.alpha);
  EMBER_CHECK(o.grad_clip > 0, "glove: grad_clip must be positive, got ", o.grad_clip);
  EMBER_CHECK(o.threads > 0 && o.threads <= hogwild::kMaxThreads, "glove: threads must be in 1..",
              hogwild::kMaxThreads, ", got ", o.threads);
  S_ = (o.dim + 15) / 16 * 16;
  const Layout L{S_};
  word_ = RowTable(V_, L.stride());
  context_ = RowTable(V_, L.stride());
  // glove.c: every parameter (rand() / RAND_MAX - 0.5) / D, every gradsq 1. Here row r of
  // side s takes its D + 1 values from Philox(seed, (s, r)), so any thread count gives the
  // same init.
  const int64_t D = o.dim, blocks = (D + 1 + 3) / 4;
  for (int side = 0; side < 2; ++side) {
    RowTable& table = side == 0 ? word_ : context_;
    parallel_for(V_, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* row = table.row(r);
        for (int64_t b = 0; b < blocks; ++b) {
          auto words =
              philox4x32(uint64_t(r) * uint64_t(blocks) + uint64_t(b), uint64_t(2 + side), o.seed);
          for (int64_t k = 0; k < 4; ++k) {
            const int64_t j = 4 * b + k;
            const float v = (float(words[size_t(k)] >> 8) * 0x1.0p-24f - 0.5f) / float(D);
            if (j < D) row[j] = v;
            if (j == D) row[L.bias()] = v;
          }
        }
        std::fill(row + L.gradsq(), row + L.gradsq() + S_, 1.0f);
        row[L.bias_gradsq()] = 1.0f;
      }
    });
  }
}

float GloVeTrainer::step(int32_t word, int32_t context, float count) {
  EMBER_CHECK(word >= 0 && word < V_ && context >= 0 && context < V_, "glove step: record (", word,
              ", ", context, ") out of range for ", V_, " words");
  EMBER_CHECK(count > 0, "glove step: count must be positive, got ", count);
  const GloVeOptions& o = options_;
  const Params p{float(o.eta), float(o.x_max), float(o.alpha), float(o.grad_clip)};
  return update(word_.row(word), context_.row(context), count, Layout{S_}, p);
}

void GloVeTrainer::train(const data::Cooccurrences& records, const ProgressCallback& progress,
                         int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  const GloVeOptions& o = options_;
  const int64_t N = records.size();
  for_each_block(records, [&](int64_t first, int64_t n, const GloVeRecord* r) {
    for (int64_t i = 0; i < n; ++i)
      EMBER_CHECK(
          r[i].row >= 0 && r[i].row < V_ && r[i].col >= 0 && r[i].col < V_ && r[i].value > 0,
          "glove: record ", first + i, " (", r[i].row, ", ", r[i].col, ", ", r[i].value,
          ") has an id out of range for ", V_, " words or a value <= 0");
  });
  if (o.device.is_cuda()) return train_cuda(records, progress, first_epoch, after_epoch);
  // A distributed run's rank trains its shard [first, last) of the records.
  const Distributed& d = o.distributed;
  const int64_t first = N * d.rank() / d.ranks(), shard = N * (d.rank() + 1) / d.ranks() - first;
  const int64_t threads = std::max<int64_t>(1, std::min(o.threads, shard));
  std::atomic<int64_t> records_done{0}, others_done{0};
  const int64_t total = (o.epochs - first_epoch) * N;
  std::vector<Worker> workers(static_cast<size_t>(threads));
  for (int64_t t = 0; t < threads; ++t) {
    Worker& w = workers[size_t(t)];
    w.records = &records;
    w.begin = first + shard * t / threads;
    w.end = first + shard * (t + 1) / threads;
    w.word = word_.data();
    w.context = context_.data();
    w.layout = Layout{S_};
    w.params = Params{float(o.eta), float(o.x_max), float(o.alpha), float(o.grad_clip)};
    w.records_done = &records_done;
  }
  const auto run = hogwild::simd_build<Worker, run_worker>();
  ModelSync sync(d, {&word_, &context_}, shard, N);
  sync.start();

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const hogwild::ProgressMeter meter{0, total, threads * d.ranks(), d.ranks(), 1.0};
  auto snapshot = [&](int64_t epoch) {
    const int64_t mine = records_done.load(std::memory_order_relaxed);
    const int64_t in_epoch = std::min(mine - (epoch - first_epoch) * shard, shard);
    double cost = 0;
    for (const Worker& w : workers) cost += w.cost.load(std::memory_order_relaxed);
    TrainProgress p = meter.at(epoch, mine + others_done.load(),
                               std::chrono::duration<double>(Clock::now() - start).count(),
                               in_epoch > 0 ? cost / double(in_epoch) : 0.0, o.eta);
    p.sync = sync.stats();
    return p;
  };
  hogwild::EpochHooks hooks;
  if (d.active()) {
    hooks.while_running = [&](int64_t epoch) {
      const int64_t mine = records_done.load();
      const bool busy = sync.poll(mine - (epoch - first_epoch) * shard, mine);
      others_done.store(sync.others_done());
      return busy;
    };
    hooks.after_workers = [&](int64_t) {
      sync.finish_epoch(records_done.load());
      others_done.store(sync.others_done());
    };
  }
  hogwild::run_epochs(
      threads, first_epoch, o.epochs,
      [&](int64_t epoch, int64_t thread) { run(workers[size_t(thread)], epoch, thread); }, snapshot,
      progress, after_epoch, hooks);
}

// ---- the CUDA path ---------------------------------------------------------------------

void GloVeTrainer::train_cuda(const data::Cooccurrences& records, const ProgressCallback& progress,
                              int64_t first_epoch,
                              const std::function<void(int64_t)>& after_epoch) {
#if EMBER_WITH_CUDA
  using namespace device_tables;
  static_assert(sizeof(cuda::GloVeRecord) == sizeof(GloVeRecord) &&
                    offsetof(cuda::GloVeRecord, row) == offsetof(GloVeRecord, row) &&
                    offsetof(cuda::GloVeRecord, col) == offsetof(GloVeRecord, col) &&
                    offsetof(cuda::GloVeRecord, value) == offsetof(GloVeRecord, value),
                "cuda::GloVeRecord must have data::CooccurrenceRecord's layout");
  const GloVeOptions& o = options_;
  const Device device = o.device;
  cuda::DeviceGuard guard(checked_device("glove", device));
  const int64_t N = records.size();
  if (N == 0) return;

  // The records go up a block at a time (a file's are never all in host memory at once).
  Tensor records_d = empty({N, 3}, TensorOptions(DType::kInt32).device(device));
  for_each_block(records, [&](int64_t first, int64_t n, const GloVeRecord* r) {
    cuda::memcpy(static_cast<GloVeRecord*>(records_d.raw_data()) + first, device, r, Device(kCPU),
                 size_t(n) * sizeof(GloVeRecord));
  });
  Tensor word = table_to_device(word_, device), context = table_to_device(context_, device);
  Tensor cost_sum = zeros({1}, TensorOptions(DType::kFloat64).device(device));

  cuda::GloVeLaunch l{};
  l.records = static_cast<const cuda::GloVeRecord*>(records_d.raw_data());
  l.num_records = N;
  l.word = static_cast<float*>(word.raw_data());
  l.context = static_cast<float*>(context.raw_data());
  l.S = S_;
  l.stride = word_.stride();
  l.eta = float(o.eta);
  l.x_max = float(o.x_max);
  l.alpha = float(o.alpha);
  l.grad_clip = float(o.grad_clip);
  l.seed = o.seed;
  l.cost_sum = static_cast<double*>(cost_sum.raw_data());
  // Records in flight read rows that others in flight are about to move (Hogwild); a
  // frequent word is in some 5% of the records, so with a small vocabulary and a whole GPU
  // of records at once (some 17k groups on an H100) its row and bias would take hundreds of
  // steps computed from one stale read. At most V / 4 records in flight keeps that to about
  // V / 80 and does not slow a large vocabulary. A first guess, to be measured on a GPU
  // (quality against speed).
  l.groups = std::max<int64_t>(V_ / 4, 256);

  // Each epoch runs in about 20 launches so that progress can be reported between them (and
  // a distributed run syncs after each: this rank's parts of the records, TensorSync::part).
  const int64_t launches = launches_per_epoch(o.distributed, N);
  TensorSync sync(o.distributed, {word, context}, launches);
  sync.start();
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  for (int64_t epoch = first_epoch; epoch < o.epochs; ++epoch) {
    l.epoch = epoch;
    cost_sum.zero_();
    int64_t trained = 0;  // this rank's records of the epoch so far
    for (int64_t k = 0; k < launches; ++k) {
      l.begin = N * sync.part(k) / sync.parts();
      l.end = N * (sync.part(k) + 1) / sync.parts();
      cuda::glove_train(l);
      sync.after_launch(k);
      trained += l.end - l.begin;
      if (!progress) continue;
      const double cost = cost_sum.cpu().item();
      TrainProgress p =
          launch_progress(epoch, epoch * N + N * (k + 1) / launches, first_epoch * N, o.epochs * N,
                          1.0, std::chrono::duration<double>(Clock::now() - start).count(), o.eta,
                          trained > 0 ? cost / double(trained) : 0.0);
      p.ranks = o.distributed.ranks();
      p.sync = sync.stats();
      progress(p);
    }
    if (after_epoch || epoch + 1 == o.epochs) {
      table_from_device(word_, word);
      table_from_device(context_, context);
    }
    if (after_epoch) after_epoch(epoch);
  }
#else
  (void)records, (void)progress, (void)first_epoch, (void)after_epoch;
  EMBER_FAIL("glove: this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

// ---- reading and writing the tables ---------------------------------------------------

namespace {

// Column block [offset, offset + width) of every row of `table` as a [V, width] tensor.
Tensor columns(const RowTable& table, int64_t offset, int64_t width) {
  const int64_t V = table.rows();
  Tensor out = empty({V, width}, kFloat32);
  float* data = out.data<float>();
  for (int64_t r = 0; r < V; ++r)
    std::memcpy(data + r * width, table.row(r) + offset, size_t(width) * sizeof(float));
  return out;
}

void set_columns(RowTable& table, int64_t offset, int64_t width, const Tensor& t,
                 const char* name) {
  const int64_t V = table.rows();
  EMBER_CHECK(t.dtype() == DType::kFloat32 && t.numel() == V * width, "glove: '", name, "'",
              " must be float32 with ", V, " x ", width, " values, got ", t.dtype(), " ",
              t.sizes());
  Tensor c = t.contiguous().cpu();
  const float* data = c.data<float>();
  for (int64_t r = 0; r < V; ++r)
    std::memcpy(table.row(r) + offset, data + r * width, size_t(width) * sizeof(float));
}

}  // namespace

Tensor GloVeTrainer::word_weights() const { return columns(word_, 0, options_.dim); }
Tensor GloVeTrainer::context_weights() const { return columns(context_, 0, options_.dim); }
Tensor GloVeTrainer::word_biases() const { return columns(word_, Layout{S_}.bias(), 1).view({V_}); }
Tensor GloVeTrainer::context_biases() const {
  return columns(context_, Layout{S_}.bias(), 1).view({V_});
}

Tensor GloVeTrainer::vectors() const {
  Tensor out = word_weights();
  float* data = out.data<float>();
  const int64_t D = options_.dim;
  for (int64_t r = 0; r < V_; ++r)
    for (int64_t j = 0; j < D; ++j) data[r * D + j] += context_.row(r)[j];
  return out;
}

void GloVeTrainer::set_weights(const Tensor& word, const Tensor& context, const Tensor& word_bias,
                               const Tensor& context_bias) {
  const int64_t D = options_.dim, bias = Layout{S_}.bias();
  set_columns(word_, 0, D, word, "word weights");
  set_columns(context_, 0, D, context, "context weights");
  set_columns(word_, bias, 1, word_bias, "word biases");
  set_columns(context_, bias, 1, context_bias, "context biases");
}

std::map<std::string, Tensor> GloVeTrainer::state() const {
  // The whole rows, padding included: [V, 2S + 16] per side.
  return {{"word", columns(word_, 0, word_.dim())},
          {"context", columns(context_, 0, context_.dim())}};
}

void GloVeTrainer::load_state(const std::map<std::string, Tensor>& state) {
  for (const char* name : {"word", "context"}) {
    auto it = state.find(name);
    EMBER_CHECK(it != state.end(), "glove load_state: no tensor '", name, "'");
    RowTable& table = std::string(name) == "word" ? word_ : context_;
    set_columns(table, 0, table.dim(), it->second, name);
    // AdaGrad divides by the root of the squared gradients' sums: they cannot be negative.
    const Layout L{S_};
    for (int64_t r = 0; r < table.rows(); ++r) {
      const float* row = table.row(r);
      for (int64_t j = L.gradsq(); j < L.bias(); ++j)
        EMBER_CHECK(row[j] >= 0, "glove load_state: '", name, "' row ", r,
                    " holds a negative sum of squared gradients");
      EMBER_CHECK(row[L.bias_gradsq()] >= 0, "glove load_state: '", name, "' row ", r,
                  " holds a negative sum of squared gradients");
    }
  }
}

}  // namespace ember::models
