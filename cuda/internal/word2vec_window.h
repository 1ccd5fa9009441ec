// The arithmetic of the CUDA minibatch word2vec kernel (cuda/word2vec_window.cu), compiled by
// nvcc for the kernel and by g++ for tests/test_word2vec_window_replay.cpp, which replays it
// on the host against the CPU window steps (models/internal/word2vec_steps.h:
// SkipGramWindowStep, CbowStep) with the same counter-based draws.
//
// One warp trains one sentence at a time, window after window, as the CPU loop does: for the
// kept token i with reduced reach r, the C context rows I (positions lo..hi-1 but i) and the
// T = K + 1 output rows O (the centre word, then K negatives drawn once for the window):
//   skip-gram  G = lr (label - sigmoid(O I^T)) [T, C];  O += G I;  I += G^T O
//   CBOW       h = mean(I);  g = lr (label - sigmoid(O h)) [T];  O += g h;  every I += g O
// every product taken from the rows as they were at the window's start (CBOW's duplicate
// targets excepted, as in block_loops::gradient_and_update). Label 1 for the centre, 0 for the
// negatives; a negative equal to the centre word is skipped.
//
// Lifetime reuse (FULL-W2V): the input rows of the positions within the window's full reach
// (i - window .. i + window) live in a ring of R = 2 window + 1 slots on chip, loaded once
// when a position comes within reach and written back (+= what the warp changed) when its
// last position leaves. Positions holding the same word share a slot, so the warp trains one
// copy of the row, as the CPU does. The output rows of a window are staged on chip, their
// updates added to the table at once (atomics on the device: Hogwild with the other warps).
//
// Lanes: lane l owns floats j = 4 (l + 32 k) .. +3 of every row (on-chip or in a table), so
// a lane only ever reads what it wrote itself; a dot product is each lane's fmaf chain over
// its floats, then the 5-step xor butterfly across lanes (Warp::sum). `Warp` says which lanes
// run here: on the device one (its own, the butterfly done with shuffles), in the replay all
// 32 in turn (the butterfly done in an array, in the same order). Every multiply-add is an
// explicit fmaf, so that g++ and nvcc round the same; only expf/log1pf may differ by an ulp.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include <ember/cuda/sentence_launch.h>
#include <ember/tensor/generator.h>

namespace ember::cuda::word2vec_window {

constexpr int kLanes = 32;
constexpr int kMaxTargets = 16;  // 1 + the kernels' largest negative (kWord2VecMaxNegative)
constexpr int kLossEvery = 16;   // the loss of every 16th centre of a sentence is sampled
constexpr int kMaxWindow = 16;   // a window's context rows are listed in a [2 kMaxWindow] array

struct Float4 {
  float x, y, z, w;
};

EMBER_HOST_DEVICE inline Float4 load4(const float* p) {
#if defined(__CUDA_ARCH__)
  const float4 v = *reinterpret_cast<const float4*>(p);
  return {v.x, v.y, v.z, v.w};
#else
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
#endif
}

EMBER_HOST_DEVICE inline void store4(float* p, const Float4& v) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<float4*>(p) = make_float4(v.x, v.y, v.z, v.w);
#else
  std::memcpy(p, &v, sizeof v);
#endif
}

// p[0..3] += v in a table that other warps update too (an atomic float4 add on sm_90).
EMBER_HOST_DEVICE inline void add4_to_table(float* p, const Float4& v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(reinterpret_cast<float4*>(p), make_float4(v.x, v.y, v.z, v.w));
#else
  p[0] += v.x, p[1] += v.y, p[2] += v.z, p[3] += v.w;
#endif
}

// a * x + y, each float one fmaf
EMBER_HOST_DEVICE inline Float4 fma4(float a, const Float4& x, const Float4& y) {
  return {fmaf(a, x.x, y.x), fmaf(a, x.y, y.y), fmaf(a, x.z, y.z), fmaf(a, x.w, y.w)};
}

EMBER_HOST_DEVICE inline Float4 add4(const Float4& a, const Float4& b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w};
}

EMBER_HOST_DEVICE inline Float4 sub4(const Float4& a, const Float4& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z, a.w - b.w};
}

// This lane's share of a . b over rows of S floats: its floats in order, one fmaf each.
EMBER_HOST_DEVICE inline float partial_dot(const float* a, const float* b, int S, int lane) {
  float sum = 0;
  for (int j = 4 * lane; j < S; j += 4 * kLanes) {
    const Float4 x = load4(a + j), y = load4(b + j);
    sum = fmaf(x.x, y.x, sum);
    sum = fmaf(x.y, y.y, sum);
    sum = fmaf(x.z, y.z, sum);
    sum = fmaf(x.w, y.w, sum);
  }
  return sum;
}

// Negative sampling's step size for a logit: lr (label - sigmoid(logit)).
EMBER_HOST_DEVICE inline float gradient(float logit, bool positive, float lr) {
  return lr * ((positive ? 1.0f : 0.0f) - 1.0f / (1.0f + expf(-logit)));
}

// log(1 + exp(x)): the loss of a prediction, x = -logit for the centre and logit otherwise.
EMBER_HOST_DEVICE inline float softplus(float x) {
  return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

// The lr after `done` corpus ids of all epochs: linear from lr0 down to lr0 - lr_drop
// (word2vec_steps::Schedule, the CPU's).
EMBER_HOST_DEVICE inline float lr_at(double lr0, double lr_drop, int64_t done,
                                     int64_t total_words) {
  return float(lr0 - lr_drop * fmin(1.0, double(done) / double(total_words + 1)));
}

// The sizes of a launch's windows: rows of S floats (the tables' stride), R ring slots,
// T targets, at most C_max = 2 window context rows.
struct Shape {
  int S, window, R, T, C_max;
};

EMBER_HOST_DEVICE inline Shape shape_of(const SentenceLaunch& l) {
  const int window = int(l.window);
  return {int(l.stride), window, 2 * window + 1, int(l.negative) + 1, 2 * window};
}

// One warp's memory on chip (floats, then ints), for a Shape s:
//   ring    [R, S]      input rows of the positions within reach, as the warp trained them
//   base    [R, S]      the same rows as loaded: ring - base is what the warp adds back
//   stage   [T, S]      the window's output rows as loaded (CBOW: and as updated)
//   hidden  [S]         CBOW's mean of the context rows
//   G       [T, C_max]  the window's step sizes, G[t * C + c]
//   ids     [R]         the word each slot holds
//   refs    [R]         how many positions within reach share the slot (0: free)
//   slot_of [R]         the slot of position p, at p % R (the R positions within reach are
//                       consecutive, so they never collide)
struct WarpMemory {
  float *ring, *base, *stage, *hidden, *G;
  int32_t *ids, *refs, *slot_of;
};

// Floats of one warp's memory, a multiple of 4 so that the next warp's starts 16-byte aligned.
EMBER_HOST_DEVICE inline int64_t warp_floats(const Shape& s) {
  const int64_t n = (2 * int64_t(s.R) + s.T + 1) * s.S + int64_t(s.T) * s.C_max + 3 * s.R;
  return (n + 3) / 4 * 4;
}

// memory: warp_floats(s) floats, 16-byte aligned.
EMBER_HOST_DEVICE inline WarpMemory carve(float* memory, const Shape& s) {
  WarpMemory m;
  m.ring = memory;
  m.base = m.ring + int64_t(s.R) * s.S;
  m.stage = m.base + int64_t(s.R) * s.S;
  m.hidden = m.stage + int64_t(s.T) * s.S;
  m.G = m.hidden + s.S;
  m.ids = reinterpret_cast<int32_t*>(m.G + int64_t(s.T) * s.C_max);
  m.refs = m.ids + s.R;
  m.slot_of = m.refs + s.R;
  return m;
}

// The summed sampled losses of a sentence, and how many predictions they are.
struct WindowLoss {
  float sum = 0;
  unsigned long long count = 0;
};

// Slot r of the ring and its base = input row `id` (this warp's lanes' floats).
template <typename Warp>
EMBER_HOST_DEVICE void load_slot(const Warp& warp, const WarpMemory& m, const Shape& s,
                                 const float* input, int32_t id, int r) {
  const float* row = input + int64_t(id) * s.S;
  float* ring = m.ring + int64_t(r) * s.S;
  float* base = m.base + int64_t(r) * s.S;
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    for (int j = 4 * lane; j < s.S; j += 4 * kLanes) {
      const Float4 v = load4(row + j);
      store4(ring + j, v);
      store4(base + j, v);
    }
}

// input row ids[r] += ring[r] - base[r]: what the warp changed while the row was on chip.
template <typename Warp>
EMBER_HOST_DEVICE void write_back(const Warp& warp, const WarpMemory& m, const Shape& s,
                                  float* input, int r) {
  float* row = input + int64_t(m.ids[r]) * s.S;
  const float* ring = m.ring + int64_t(r) * s.S;
  const float* base = m.base + int64_t(r) * s.S;
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    for (int j = 4 * lane; j < s.S; j += 4 * kLanes)
      add4_to_table(row + j, sub4(load4(ring + j), load4(base + j)));
}

// Position p, word id, comes within reach: it shares the slot of a position within reach
// holding the same word, else takes a free slot and loads the row. Every lane reads the
// ring's bookkeeping, then one lane changes it.
template <typename Warp>
EMBER_HOST_DEVICE void enter(const Warp& warp, const WarpMemory& m, const Shape& s,
                             const float* input, int p, int32_t id) {
  int slot = -1, free_slot = -1;
  for (int r = 0; r < s.R && slot < 0; ++r) {
    if (m.refs[r] > 0 && m.ids[r] == id) slot = r;
    if (m.refs[r] == 0 && free_slot < 0) free_slot = r;
  }
  const bool fresh = slot < 0;
  if (fresh) slot = free_slot;  // at most R - 1 positions are within reach before this one
  warp.sync();
  if (warp.leader()) {
    m.refs[slot] += 1;
    m.ids[slot] = id;
    m.slot_of[p % s.R] = slot;
  }
  if (fresh) load_slot(warp, m, s, input, id, slot);
  warp.sync();
}

// Position p leaves the reach: the last position of its slot writes the row back.
template <typename Warp>
EMBER_HOST_DEVICE void leave(const Warp& warp, const WarpMemory& m, const Shape& s, float* input,
                             int p) {
  const int slot = m.slot_of[p % s.R];
  const bool last = m.refs[slot] == 1;
  warp.sync();
  if (warp.leader()) m.refs[slot] -= 1;
  if (last) write_back(warp, m, s, input, slot);
  warp.sync();
}

// The ring slot of context c of centre i (positions lo..hi-1 but i, in order).
EMBER_HOST_DEVICE inline float* context_row(const WarpMemory& m, const Shape& s, int lo, int i,
                                            int c) {
  const int p = lo + c + (lo + c >= i ? 1 : 0);
  return m.ring + int64_t(m.slot_of[p % s.R]) * s.S;
}

// stage[t] = output row targets[t], t < T.
template <typename Warp>
EMBER_HOST_DEVICE void stage_targets(const Warp& warp, const WarpMemory& m, const Shape& s,
                                     const float* output, const int32_t* targets) {
  for (int t = 0; t < s.T; ++t) {
    const float* row = output + int64_t(targets[t]) * s.S;
    float* stage = m.stage + int64_t(t) * s.S;
    for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
      for (int j = 4 * lane; j < s.S; j += 4 * kLanes) store4(stage + j, load4(row + j));
  }
}

// The whole warp's a . b (the same value in every lane).
template <typename Warp>
EMBER_HOST_DEVICE float warp_dot(const Warp& warp, const float* a, const float* b, int S) {
  float part[Warp::kLanes];
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    part[lane - warp.first_lane()] = partial_dot(a, b, S, lane);
  return warp.sum(part);
}

// G [T, C] (one lane writes each) from the logits O I^T; returns the sampled loss.
template <typename Warp>
EMBER_HOST_DEVICE WindowLoss window_gradients(const Warp& warp, const WarpMemory& m, const Shape& s,
                                              const int32_t* targets, const float* const* inputs,
                                              int C, float lr, bool want_loss) {
  WindowLoss loss;
  for (int t = 0; t < s.T; ++t) {
    const bool skip = t > 0 && targets[t] == targets[0];
    const float* out = m.stage + int64_t(t) * s.S;
    for (int c = 0; c < C; ++c) {
      const float logit = warp_dot(warp, out, inputs[c], s.S);
      if (want_loss && !skip) loss.sum += softplus(t == 0 ? -logit : logit);
      if (warp.leader_of(t * C + c)) m.G[t * C + c] = skip ? 0.0f : gradient(logit, t == 0, lr);
    }
  }
  loss.count = want_loss ? (unsigned long long)(C) : 0;
  warp.sync();  // G is read by every lane
  return loss;
}

// Skip-gram's window (the header's formulas): O += G I (the rows added to the table; a
// negative equal to the centre, whose G row is 0, is left out), then I += G^T O from the
// staged O. Both from the rows as they were at the window's start. inputs [C]: ring rows.
template <typename Warp>
EMBER_HOST_DEVICE void skipgram_update(const Warp& warp, const WarpMemory& m, const Shape& s,
                                       float* output, const int32_t* targets, float* const* inputs,
                                       int C) {
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    for (int j = 4 * lane; j < s.S; j += 4 * kLanes) {
      for (int t = 0; t < s.T; ++t) {
        if (t > 0 && targets[t] == targets[0]) continue;
        Float4 d{0, 0, 0, 0};
        for (int c = 0; c < C; ++c) d = fma4(m.G[t * C + c], load4(inputs[c] + j), d);
        add4_to_table(output + int64_t(targets[t]) * s.S + j, d);
      }
      for (int c = 0; c < C; ++c) {
        Float4 d{0, 0, 0, 0};
        for (int t = 0; t < s.T; ++t)
          d = fma4(m.G[t * C + c], load4(m.stage + int64_t(t) * s.S + j), d);
        store4(inputs[c] + j, add4(load4(inputs[c] + j), d));
      }
    }
}

// CBOW's window: hidden = mean of the C inputs (inv = 1 / C times each, summed in order).
template <typename Warp>
EMBER_HOST_DEVICE void cbow_hidden(const Warp& warp, const WarpMemory& m, const Shape& s,
                                   const float* const* inputs, int C) {
  const float inv = 1.0f / float(C);
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    for (int j = 4 * lane; j < s.S; j += 4 * kLanes) {
      Float4 h{0, 0, 0, 0};
      for (int c = 0; c < C; ++c) h = fma4(inv, load4(inputs[c] + j), h);
      store4(m.hidden + j, h);
    }
}

// CBOW's update, one pass over the targets in order: grad += g[t] O[t]; O[t] += g[t] h (on
// the staged copy of the first target with that word, so that a word drawn twice gives its
// second term from the first's update, as block_loops::gradient_and_update does; the table
// gets g[t] h added); then every input row += grad.
template <typename Warp>
EMBER_HOST_DEVICE void cbow_update(const Warp& warp, const WarpMemory& m, const Shape& s,
                                   float* output, const int32_t* targets, float* const* inputs,
                                   int C) {
  for (int lane = warp.first_lane(); lane < warp.end_lane(); ++lane)
    for (int j = 4 * lane; j < s.S; j += 4 * kLanes) {
      const Float4 h = load4(m.hidden + j);
      Float4 grad{0, 0, 0, 0};
      for (int t = 0; t < s.T; ++t) {
        if (t > 0 && targets[t] == targets[0]) continue;
        int first = 0;
        while (targets[first] != targets[t]) ++first;
        const float g = m.G[t];
        float* staged = m.stage + int64_t(first) * s.S + j;
        const Float4 row = load4(staged);
        grad = fma4(g, row, grad);
        store4(staged, fma4(g, h, row));
        add4_to_table(output + int64_t(targets[t]) * s.S + j, fma4(g, h, Float4{0, 0, 0, 0}));
      }
      for (int c = 0; c < C; ++c) store4(inputs[c] + j, add4(load4(inputs[c] + j), grad));
    }
}

// One sentence: sentence [n] the kept tokens, begin its first corpus position (the token at
// index i has slot begin + i), lr its lr. Trains every centre with context, the rows of l's
// tables, centres_per_draw consecutive centres against one draw of negatives (the first's
// slot's: CbowStep's TargetsAhead); the ring's rows are all written back when it returns.
template <bool kCbow, typename Warp>
EMBER_HOST_DEVICE WindowLoss train_sentence(const Warp& warp, const SentenceLaunch& l,
                                            const WarpMemory& m, const Shape& s,
                                            const int32_t* sentence, int n, int64_t begin, float lr,
                                            int centres_per_draw) {
  WindowLoss loss;
  if (n < 2) return loss;  // no centre has context
  const int w = s.window;
  if (warp.leader())
    for (int r = 0; r < s.R; ++r) m.refs[r] = 0;
  warp.sync();
  for (int p = 0; p <= w && p < n; ++p) enter(warp, m, s, l.input, p, sentence[p]);

  int32_t targets[kMaxTargets];
  float* inputs[2 * kMaxWindow];
  int centres = 0;  // with context, so far
  for (int i = 0; i < n; ++i) {
    if (i > 0 && i - w - 1 >= 0) leave(warp, m, s, l.input, i - w - 1);
    if (i > 0 && i + w < n) enter(warp, m, s, l.input, i + w, sentence[i + w]);
    const int64_t slot = begin + i;
    const int reach = int(reduced_window(l.seed, l.epoch, slot, l.window));
    const int lo = i - reach > 0 ? i - reach : 0, hi = i + reach + 1 < n ? i + reach + 1 : n;
    const int C = hi - lo - 1;
    if (C < 1) continue;
    const bool want_loss = i % kLossEvery == 0;
    targets[0] = sentence[i];
    if (centres++ % centres_per_draw == 0)
      draw_negatives(l.alias, l.vocab, l.seed, l.epoch, slot, 0, l.negative, -1, targets + 1);
    for (int c = 0; c < C; ++c) inputs[c] = context_row(m, s, lo, i, c);
    stage_targets(warp, m, s, l.output, targets);
    WindowLoss window;
    if (kCbow) {
      cbow_hidden(warp, m, s, inputs, C);
      const float* hidden = m.hidden;
      window = window_gradients(warp, m, s, targets, &hidden, 1, lr, want_loss);
      cbow_update(warp, m, s, l.output, targets, inputs, C);
    } else {
      window = window_gradients(warp, m, s, targets, inputs, C, lr, want_loss);
      skipgram_update(warp, m, s, l.output, targets, inputs, C);
    }
    loss.sum += window.sum, loss.count += window.count;
    warp.sync();  // every lane is done with G before the next window writes it
  }
  for (int p = n - w - 1 > 0 ? n - w - 1 : 0; p < n; ++p) leave(warp, m, s, l.input, p);
  return loss;
}

// The replay's Warp: all 32 lanes on the host, one after the other. sum() is the device's
// xor butterfly (v += shfl_xor(v, o) for o = 16, 8, 4, 2, 1) over the lanes' parts in an array.
struct HostWarp {
  static constexpr int kLanes = 32;
  int first_lane() const { return 0; }
  int end_lane() const { return kLanes; }
  bool leader() const { return true; }
  bool leader_of(int /*k*/) const { return true; }
  void sync() const {}
  float sum(const float* part) const {
    float v[kLanes], next[kLanes];
    std::memcpy(v, part, sizeof v);
    for (int offset = kLanes / 2; offset > 0; offset /= 2) {
      for (int lane = 0; lane < kLanes; ++lane) next[lane] = v[lane] + v[lane ^ offset];
      std::memcpy(v, next, sizeof v);
    }
    return v[0];
  }
};

}  // namespace ember::cuda::word2vec_window
