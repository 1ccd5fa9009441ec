// The fused fastText trainer (models/fasttext_model.h says what arithmetic it shares with
// fastText).
//
// One change of schedule, not of arithmetic: fastText recomputes the hidden vector (the mean
// of the center's n rows) and adds the gradient to all n rows once per context word. Adding
// g to each row moves their mean by exactly gain * g, gain = sum over distinct rows of
// (times repeated)^2 / n (1 when no row repeats; "banana" repeats "ana"), so the trainer
// moves hidden by gain * g after each context and adds the summed gradient to the rows once
// per center. In exact arithmetic, and with one thread, the tables are the ones fastText's
// order of updates gives, and a center reads and writes its n rows once instead of once per
// context word.
#include <ember/models/fasttext_trainer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <ember/config.h>
#include <ember/data/sampling.h>
#include <ember/models/internal/block_loops.h>
#include <ember/models/internal/device_tables.h>
#include <ember/models/internal/hogwild.h>
#include <ember/models/internal/row_loops.h>
#include <ember/models/internal/sentence_loop.h>
#include <ember/tensor/error.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/fasttext.h>
#include <ember/cuda/runtime.h>
#endif

namespace ember::models {

namespace {

using row_loops::axpy;
using sentence_loop::Loss;

// A distributed run's SyncRows {input's, output's}. An occurrence of a word updates every
// input row it holds (its own and its n-grams' buckets) with the whole gradient, so a bucket
// takes the updates of every word holding it, and the most shared ones are updated more often
// than all but the most frequent words: the input rows some word holds, by their expected
// updates. The output table's rows are the words', in row order. Both take the rows past the
// hot ones in tiers with 3 ranks or more.
std::vector<SyncRows> sync_rows(const data::Vocabulary& vocab, const data::SubwordTable& subwords,
                                int64_t input_rows, const std::vector<uint32_t>& keep,
                                const FastTextOptions& o) {
  if (!o.distributed.active()) return {};
  const WordUpdates u =
      word_updates(vocab.counts(), keep, o.window, o.negative, 0.5, o.distributed.sync_every);
  std::vector<double> input(size_t(input_rows), 0.0);
  for (int64_t w = 0; w < subwords.num_words(); ++w)
    for (const int32_t* row = subwords.begin(w); row != subwords.end(w); ++row)
      input[size_t(*row)] += u.input[size_t(w)];
  std::vector<SyncRows> rows = {rows_by_updates(input, o.lr), rows_in_row_order(u.output, o.lr)};
  for (SyncRows& r : rows) r.tiers = true;
  return rows;
}

// One center word: rows [n] its input rows, targets [C, T] (for each context: the context
// word, then its negatives). hidden, grad, grad_sum: scratch rows [S]. Input rows get the
// summed gradient at the end (=+). Returns the summed loss when want_loss.
EMBER_ALWAYS_INLINE float train_center(float* __restrict input, float* __restrict output, int64_t S,
                                       const int32_t* rows, int64_t n, float gain,
                                       const int32_t* targets, int64_t C, int64_t T, float lr,
                                       float* __restrict hidden, float* __restrict grad,
                                       float* __restrict grad_sum, bool want_loss) {
  row_loops::mean_of_rows(input, S, rows, n, hidden);
  std::memset(grad_sum, 0, size_t(S) * sizeof(float));
  float loss = 0;
  for (int64_t c = 0; c < C; ++c) {
    std::memset(grad, 0, size_t(S) * sizeof(float));
    // fastText's NegativeSamplingLoss::forward (negatives equal to the context word were
    // drawn again)
    loss += row_loops::predict(hidden, output, S, targets + c * T, T, lr, grad, want_loss);
    axpy(gain, grad, hidden, S);
    axpy(1.0f, grad, grad_sum, S);
  }
  for (int64_t k = 0; k < n; ++k) axpy(1.0f, grad_sum, input + int64_t(rows[k]) * S, S);
  return loss;
}

// sum over distinct rows of (times repeated)^2, over n: how far the mean of the rows moves
// when g is added to each listed row (a repeated row gets g once per listing).
float mean_gain(const int32_t* rows, int64_t n) {
  std::vector<int32_t> sorted(rows, rows + n);
  std::sort(sorted.begin(), sorted.end());
  double squares = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    squares += double(j - i) * double(j - i);
    i = j;
  }
  return n ? float(squares / double(n)) : 1.0f;
}

// What a worker thread reads besides the tables and options (sentence_loop::SentenceWorker).
struct Worker : sentence_loop::SentenceWorker<FastTextOptions> {
  const int64_t* row_offsets;
  const int32_t* row_ids;  // word w's input rows: row_ids[row_offsets[w] .. row_offsets[w+1])
  const float* gain;       // [V]
};

// fastText's step for one centre word (FastText::skipgram): for each context word, the
// context word and K negatives drawn again while equal to it; then train_center.
struct FastTextStep {
  static constexpr int64_t kLossEvery = 8;

  FastTextStep(const Worker& w)
      : w(w),
        K(w.options->negative),
        T(K + 1),
        lr0(w.options->lr),
        total_words(w.total_words),
        targets(size_t(2 * w.options->window * T)),
        scratch(3 * w.S) {}

  // Linear from lr0 down to 0 over all epochs' words.
  float lr_at(int64_t done) const {
    return float(std::max(0.0, lr0 * (1.0 - double(done) / double(total_words))));
  }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    int64_t C = 0;
    for (int64_t j = lo; j < hi; ++j) {
      if (j == i) continue;
      int32_t* t = targets.data() + C * T;
      t[0] = sentence[j];
      draws.draw_negatives(slot, j - lo, K, t[0], t + 1);
      ++C;
    }
    const int32_t center = sentence[i];
    const int64_t first = w.row_offsets[center], count = w.row_offsets[center + 1] - first;
    const int64_t S = w.S;
    // The next centre's rows, most of them n-gram rows far apart in a table of millions, are
    // fetched while this one trains.
    if (i + 1 < hi) {
      const int32_t next = sentence[i + 1];
      for (int64_t r = w.row_offsets[next]; r < w.row_offsets[next + 1]; ++r)
        row_loops::prefetch_row(w.input + int64_t(w.row_ids[r]) * S, S);
    }
    const float loss = train_center(w.input, w.output, S, w.row_ids + first, count, w.gain[center],
                                    targets.data(), C, T, lr, scratch.data(), scratch.data() + S,
                                    scratch.data() + 2 * S, want_loss);
    return {loss, want_loss ? C : 0};
  }
  void before_sentence(const int32_t* /*sentence*/, int64_t /*n*/) {}
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    return {};
  }

  const Worker& w;
  int64_t K, T;
  double lr0;
  int64_t total_words;
  std::vector<int32_t> targets;  // [2 window, T]: for each context, the word and its negatives
  row_loops::Rows scratch;       // [3 S]: hidden, grad, grad_sum
};

// fastText's skip-gram with a window as one minibatch, the way skip-gram's is
// (word2vec_steps::SkipGramWindowStep): the hidden rows H of the C context words predict the
// centre word's output row and K negatives drawn once for the window, the T = K + 1 rows O:
//   L = O H^T;  G = lr (label - sigmoid(L))   [T, C]; 0 where a negative is the centre word
//   grad_H = G^T O;  O += G H
// A word's hidden row is the mean of its n input rows, and each of those rows takes the whole
// gradient (fastText's update), so the mean moves by gain * grad (FastTextStep's rule). Each
// token of the sentence keeps its hidden row for as long as it is in some window: made from
// its rows when a window first reaches it, moved by gain * grad after every window it is in,
// and the summed gradient added to its rows once no later window can reach it. So a token's
// n rows are read and written once per sentence position, and a window's output rows once.
//
// The pairs are skip-gram's (context predicts centre) where fastText's are the reverse
// (centre predicts context): over a corpus each pair of neighbours is counted both ways, so
// the objective is the same; the negatives drawn for a pair are for the other word of it.
template <typename Lanes = block_loops::Pair8>  // block_loops.h: Pair8 or Wide16
struct FastTextWindowStep {
  static constexpr int64_t kLossEvery = 8;

  FastTextWindowStep(const Worker& w)
      : w(w),
        S(w.S),
        K(w.options->negative),
        window(w.options->window),
        slots(2 * window + 2),
        lr0(w.options->lr),
        total_words(w.total_words),
        ahead(K),
        position(size_t(slots), -1),
        word(size_t(slots)),
        hidden_rows(size_t(2 * window)),
        grad_rows(size_t(2 * window)),
        context_slot(size_t(2 * window)),
        logits(size_t((K + 1) * 2 * window)),
        live(2 * slots * S),
        grads(2 * window * S) {
    for (int64_t c = 0; c < 2 * window; ++c) grad_rows[size_t(c)] = grads.data() + c * S;
  }

  // Linear from lr0 down to 0 over all epochs' words.
  float lr_at(int64_t done) const {
    return float(std::max(0.0, lr0 * (1.0 - double(done) / double(total_words))));
  }

  template <typename Draws>
  EMBER_ALWAYS_INLINE Loss operator()(const int32_t* sentence, int64_t i, int64_t lo, int64_t hi,
                                      int64_t slot, float lr, bool want_loss, Draws& draws) {
    // No window after this one reaches token i - window - 1.
    if (i - window - 1 >= 0) retire(i - window - 1);
    if (i + window + 1 < n) prefetch_rows(sentence[i + window + 1]);
    int64_t C = 0;
    for (int64_t j = lo; j < hi; ++j) {
      if (j == i) continue;
      const int64_t k = ensure(sentence, j);
      context_slot[size_t(C)] = k;
      hidden_rows[size_t(C)] = hidden_of(k);
      ++C;
    }
    const int64_t T = K + 1;
    const int32_t* targets =
        ahead.take(sentence[i], i + 1 < hi ? sentence[i + 1] : -1, slot, draws, w.output, S);
    float* const* out_rows = ahead.rows();

    Loss loss;
    loss.sum = block_loops::window_step<Lanes>(out_rows, targets, T, hidden_rows.data(), C, S, lr,
                                               want_loss, logits.data(), grad_rows.data());
    loss.count = want_loss ? C : 0;
    for (int64_t c = 0; c < C; ++c) {
      const int64_t k = context_slot[size_t(c)];
      row_loops::axpy(w.gain[word[size_t(k)]], grad_rows[size_t(c)], hidden_of(k), S);
      row_loops::axpy(1.0f, grad_rows[size_t(c)], grad_sum_of(k), S);
    }
    return loss;
  }

  void before_sentence(const int32_t* sentence, int64_t length) {
    n = length;
    for (int64_t j = 0; j <= window && j < n; ++j) prefetch_rows(sentence[j]);
  }
  template <typename Draws>
  Loss after_sentence(float /*lr*/, Draws& /*draws*/) {
    for (int64_t k = 0; k < slots; ++k)
      if (position[size_t(k)] >= 0) retire(position[size_t(k)]);
    ahead.after_sentence();
    return {};
  }

  // The slot of token j's hidden row, made from its word's rows if no window reached it yet.
  int64_t ensure(const int32_t* sentence, int64_t j) {
    const int64_t k = j % slots;
    if (position[size_t(k)] == j) return k;
    position[size_t(k)] = j;
    word[size_t(k)] = sentence[j];
    const int32_t* rows = w.row_ids + w.row_offsets[sentence[j]];
    const int64_t count = w.row_offsets[sentence[j] + 1] - w.row_offsets[sentence[j]];
    row_loops::mean_of_rows(w.input, S, rows, count, hidden_of(k));
    std::memset(grad_sum_of(k), 0, size_t(S) * sizeof(float));
    return k;
  }
  // Adds token j's summed gradient to its word's rows and frees its slot.
  void retire(int64_t j) {
    const int64_t k = j % slots;
    if (position[size_t(k)] != j) return;
    position[size_t(k)] = -1;
    const int32_t id = word[size_t(k)];
    for (int64_t r = w.row_offsets[id]; r < w.row_offsets[id + 1]; ++r)
      row_loops::axpy(1.0f, grad_sum_of(k), w.input + int64_t(w.row_ids[r]) * S, S);
  }
  void prefetch_rows(int32_t id) {
    for (int64_t r = w.row_offsets[id]; r < w.row_offsets[id + 1]; ++r)
      row_loops::prefetch_row(w.input + int64_t(w.row_ids[r]) * S, S);
  }
  float* hidden_of(int64_t k) { return live.data() + 2 * k * S; }
  float* grad_sum_of(int64_t k) { return live.data() + (2 * k + 1) * S; }

  const Worker& w;
  int64_t S, K, window, slots;  // slots: the tokens that can be live at once
  double lr0;
  int64_t total_words;
  int64_t n = 0;  // the sentence's length
  sentence_loop::TargetsAhead ahead;
  std::vector<int64_t> position;      // [slots]: the token each slot holds, -1 none
  std::vector<int32_t> word;          // [slots]: the token's word
  std::vector<float*> hidden_rows;    // [C]
  std::vector<float*> grad_rows;      // [2 window]: rows of grads
  std::vector<int64_t> context_slot;  // [C]
  std::vector<float> logits;          // [T, C]: logits, then G
  row_loops::Rows live;               // [slots, 2, S]: each live token's hidden and grad sum
  row_loops::Rows grads;              // [2 window, S]: grad_H
};

// Uniform in [-1/D, 1/D] (fastText's input matrix), row r from Philox(seed, r): the same
// values for any thread count. Padding stays zero.
void init_input(RowTable& table, uint64_t seed) {
  const int64_t D = table.dim(), blocks = (D + 3) / 4;
  const float scale = 2.0f / float(D);
  parallel_for(table.rows(), 4096, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* v = table.row(r);
      for (int64_t b = 0; b < blocks; ++b) {
        auto words = philox4x32(uint64_t(r) * uint64_t(blocks) + uint64_t(b), 1, seed);
        for (int64_t k = 0; k < 4 && 4 * b + k < D; ++k)
          v[4 * b + k] = (float(words[size_t(k)] >> 8) * 0x1.0p-24f - 0.5f) * scale;
      }
    }
  });
}

// The mean of input rows `rows` [n] into out [D]; zeros when n == 0.
void mean_of_rows(const RowTable& input, const int32_t* rows, int64_t n, float* out) {
  const int64_t D = input.dim();
  std::fill(out, out + D, 0.0f);
  for (int64_t k = 0; k < n; ++k) {
    const float* row = input.row(rows[k]);
    for (int64_t j = 0; j < D; ++j) out[j] += row[j];
  }
  if (n > 0)
    for (int64_t j = 0; j < D; ++j) out[j] *= 1.0f / float(n);
}

}  // namespace

FastTextTrainer::FastTextTrainer(const data::Vocabulary& vocab, const FastTextOptions& options)
    : vocab_(vocab), options_(options) {
  const FastTextOptions& o = options;
  hogwild::check_corpus_options("fasttext", vocab.size(), o.dim, o.window, o.negative, o.epochs,
                                o.lr, o.sample, o.threads);
  subwords_ = data::SubwordTable(vocab, o.subwords);
  gain_.resize(size_t(vocab.size()));
  for (int64_t w = 0; w < vocab.size(); ++w)
    gain_[size_t(w)] = mean_gain(subwords_.begin(w), subwords_.count(w));
  input_ = RowTable(subwords_.num_rows(), o.dim);
  output_ = RowTable(vocab.size(), o.dim);
  init_input(input_, o.seed);
}

float FastTextTrainer::center_step(const std::vector<int32_t>& rows,
                                   const std::vector<std::vector<int32_t>>& targets, float lr) {
  EMBER_CHECK(!rows.empty() && !targets.empty(), "fasttext step: empty rows or targets");
  const int64_t T = int64_t(targets[0].size());
  std::vector<int32_t> flat;
  for (size_t c = 0; c < targets.size(); ++c) {
    EMBER_CHECK(int64_t(targets[c].size()) == T && T > 0, "fasttext step: context ", c, " has ",
                targets[c].size(), " targets, context 0 has ", T);
    for (int32_t id : targets[c]) {
      EMBER_CHECK(id >= 0 && id < output_.rows(), "fasttext step: target id ", id, " (context ", c,
                  ") out of range for ", output_.rows(), " output rows");
      flat.push_back(id);
    }
  }
  for (int32_t id : rows)
    EMBER_CHECK(id >= 0 && id < input_.rows(), "fasttext step: input row ", id,
                " out of range for ", input_.rows(), " rows");
  const int64_t S = input_.stride();
  std::vector<float> scratch(size_t(3 * S));
  return train_center(input_.data(), output_.data(), S, rows.data(), int64_t(rows.size()),
                      mean_gain(rows.data(), int64_t(rows.size())), flat.data(),
                      int64_t(targets.size()), T, lr, scratch.data(), scratch.data() + S,
                      scratch.data() + 2 * S, true);
}

float FastTextTrainer::step(const std::vector<int32_t>& rows, const std::vector<int32_t>& targets,
                            float lr) {
  return center_step(rows, {targets}, lr);
}

float FastTextTrainer::window_step(const std::vector<int32_t>& window, int64_t i,
                                   const std::vector<int32_t>& negatives, float lr) {
  const int64_t n = int64_t(window.size());
  EMBER_CHECK(n >= 2 && i >= 0 && i < n, "fasttext window_step: centre ", i, " of a window of ", n,
              " words, which needs at least 2");
  EMBER_CHECK(
      n <= 2 * options_.window + 1 && i - options_.window <= 0 && i + options_.window >= n - 1,
      "fasttext window_step: a window of ", n, " words around ", i, " reaches past --window ",
      options_.window);
  EMBER_CHECK(int64_t(negatives.size()) == options_.negative,
              "fasttext window_step: ", negatives.size(), " negatives, the options say ",
              options_.negative);
  for (int32_t id : window)
    EMBER_CHECK(id >= 0 && id < vocab_.size(), "fasttext window_step: word ", id,
                " out of range for ", vocab_.size(), " words");
  for (int32_t id : negatives)
    EMBER_CHECK(id >= 0 && id < vocab_.size(), "fasttext window_step: negative ", id,
                " out of range for ", vocab_.size(), " words");
  Worker w;
  w.options = &options_;
  w.input = input_.data();
  w.output = output_.data();
  w.S = input_.stride();
  w.total_words = 1;
  w.row_offsets = subwords_.offsets().data();
  w.row_ids = subwords_.ids().data();
  w.gain = gain_.data();
  struct FixedDraws {
    const std::vector<int32_t>& negatives;
    void draw_negatives(int64_t, int64_t, int64_t K, int32_t, int32_t* out) const {
      std::copy(negatives.begin(), negatives.begin() + K, out);
    }
  } draws{negatives};
  FastTextWindowStep step(w);
  step.before_sentence(window.data(), n);
  const Loss loss = step(window.data(), i, 0, n, /*slot=*/i, lr, /*want_loss=*/true, draws);
  step.after_sentence(lr, draws);
  return loss.sum;
}

Tensor FastTextTrainer::word_vector(std::string_view word) const {
  const int64_t id = vocab_.find(word);
  std::vector<int32_t> rows = id == data::Vocabulary::kNone
                                  ? subwords_.oov(word)
                                  : std::vector<int32_t>(subwords_.begin(id), subwords_.end(id));
  Tensor out = empty({input_.dim()}, kFloat32);
  mean_of_rows(input_, rows.data(), int64_t(rows.size()), out.data<float>());
  return out;
}

Tensor FastTextTrainer::word_vectors() const {
  const int64_t V = vocab_.size(), D = input_.dim();
  Tensor out = empty({V, D}, kFloat32);
  float* data = out.data<float>();
  parallel_for(V, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w)
      mean_of_rows(input_, subwords_.begin(w), subwords_.count(w), data + w * D);
  });
  return out;
}

std::vector<uint32_t> FastTextTrainer::keep_thresholds(int64_t sentences) const {
  // fastText counts frequencies against every token read (its ntokens), including the
  // "</s>" it reads at the end of each line.
  const int64_t total_tokens = std::max(vocab_.total_tokens(), vocab_.kept_tokens()) + sentences;
  return data::keep_thresholds(vocab_.counts(), total_tokens, options_.sample);
}

void FastTextTrainer::train(const data::EncodedCorpus& corpus, const ProgressCallback& progress,
                            int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  const FastTextOptions& o = options_;
  if (o.device.is_cuda()) {
    hogwild::check_corpus("fasttext", data::SentenceSource(corpus), vocab_.size(), o.threads);
    return train_cuda(corpus, keep_thresholds(corpus.num_sentences()), progress, first_epoch,
                      after_epoch);
  }
  train_cpu(data::SentenceSource(corpus), progress, first_epoch, after_epoch);
}

void FastTextTrainer::train(const data::EncodedCorpusFile& corpus, const ProgressCallback& progress,
                            int64_t first_epoch, const std::function<void(int64_t)>& after_epoch) {
  EMBER_CHECK(!options_.device.is_cuda(), "fasttext: a corpus on disk (", corpus.path(),
              ") trains on the CPU; the CUDA trainer takes an EncodedCorpus in memory");
  train_cpu(data::SentenceSource(corpus, options_.corpus_budget), progress, first_epoch,
            after_epoch);
}

void FastTextTrainer::train_cpu(const data::SentenceSource& corpus,
                                const ProgressCallback& progress, int64_t first_epoch,
                                const std::function<void(int64_t)>& after_epoch) {
  hogwild::check_corpus("fasttext", corpus, vocab_.size(), options_.threads);
  const std::vector<uint32_t> keep = keep_thresholds(corpus.num_sentences());
  const FastTextOptions& o = options_;
  const sentence_loop::DrawTables draws(data::AliasTable::from_counts(vocab_.counts(), 0.5),
                                        /*window_from_top=*/false);

  const auto set_up = [&](Worker& w) {
    w.row_offsets = subwords_.offsets().data();
    w.row_ids = subwords_.ids().data();
    w.gain = gain_.data();
  };
  // A distributed run syncs only the input rows some word holds (of 2M buckets, en7m's words
  // use some 30%; the rest never change).
  std::vector<SyncRows> sync = sync_rows(vocab_, subwords_, input_.rows(), keep, o);
  if (o.minibatch)
    sentence_loop::train<FastTextWindowStep<>, Worker, FastTextWindowStep<block_loops::Wide16>>(
        corpus, o, draws, keep, input_, output_, first_epoch, progress, after_epoch,
        std::move(sync), set_up);
  else
    sentence_loop::train<FastTextStep, Worker>(corpus, o, draws, keep, input_, output_, first_epoch,
                                               progress, after_epoch, std::move(sync), set_up);
}

// ---- the CUDA path ---------------------------------------------------------------------

void FastTextTrainer::train_cuda(const data::EncodedCorpus& corpus,
                                 const std::vector<uint32_t>& keep,
                                 const ProgressCallback& progress, int64_t first_epoch,
                                 const std::function<void(int64_t)>& after_epoch) {
#if EMBER_WITH_CUDA
  using namespace device_tables;
  const FastTextOptions& o = options_;
  const Device device = o.device;
  cuda::DeviceGuard guard(checked_device("fasttext", device));
  const int64_t V = vocab_.size();
  const std::vector<int64_t>& offsets = subwords_.offsets();
  const std::vector<int32_t>& row_ids = subwords_.ids();
  cuda::check_subword_rows(offsets.data(), V, row_ids.data(), int64_t(row_ids.size()),
                           input_.rows());
  const data::AliasTable negatives = data::AliasTable::from_counts(vocab_.counts(), 0.5);

  Tensor offsets_d = to_device<int64_t, int64_t>(offsets, device);
  Tensor row_ids_d = to_device<int32_t, int32_t>(row_ids, device);
  Tensor gain_d = to_device<float, float>(gain_, device);
  cuda::FastTextLaunch l{};
  l.row_offsets = static_cast<const int64_t*>(offsets_d.raw_data());
  l.row_ids = static_cast<const int32_t*>(row_ids_d.raw_data());
  l.gain = static_cast<const float*>(gain_d.raw_data());
  l.input_rows = input_.rows();
  train_sentences(
      corpus, o, keep, negatives, input_, output_,
      sync_rows(vocab_, subwords_, input_.rows(), keep, o), l, cuda::fasttext_train,
      [&](double fraction) { return o.lr * (1.0 - fraction); }, first_epoch, progress, after_epoch);
#else
  (void)corpus, (void)keep, (void)progress, (void)first_epoch, (void)after_epoch;
  EMBER_FAIL("fasttext: this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

}  // namespace ember::models
