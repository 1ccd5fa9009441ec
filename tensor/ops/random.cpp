// Random tensors from a Philox Generator. Element i of a draw reads counter block
// first + i / per_block, so the numbers depend on (seed, offset, i) only: any thread count
// (and, later, a GPU kernel reading the same counters) gives the same tensor.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <ember/config.h>
#include <ember/tensor/generator.h>
#include <ember/tensor/internal/convert.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/random.h>
#endif

namespace ember {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

// Fills a contiguous host tensor: fill(block_words, i_in_block, value&) per element.
template <typename T, typename Fill>
void fill_blocks(T* out, int64_t n, int per_block, Generator& gen, Fill&& fill) {
  const uint64_t blocks = uint64_t((n + per_block - 1) / per_block);
  const uint64_t first = gen.reserve(blocks);
  const uint64_t key = gen.seed();
  parallel_for(int64_t(blocks), 4096, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      std::array<uint32_t, 4> words = philox4x32(first + uint64_t(b), 0, key);
      for (int j = 0; j < per_block; ++j) {
        int64_t i = b * per_block + j;
        if (i < n) fill(words, j, out[i]);
      }
    }
  });
}

// Makes the tensor on the host, then moves it where `options` says.
template <typename Make>
Tensor on_host(const Shape& sizes, TensorOptions options, const char* op, Make&& make) {
  Tensor host = empty(sizes, TensorOptions(options.dtype_));
  make(host);
  Tensor out = ops::to_device(host, options.device_);
  (void)op;
  if (options.requires_grad_) out.requires_grad_(true);
  return out;
}

void fill_uniform(const Tensor& host, double low, double high, Generator& gen) {
  dispatch_floating(host.dtype(), "rand", [&](auto tag) {
    using T = decltype(tag);
    const T lo = T(low), span = T(high - low);
    if constexpr (std::is_same_v<T, float>) {
      fill_blocks(host.data<T>(), host.numel(), 4, gen,
                  [&](auto& w, int j, T& v) { v = lo + span * uniform_float(w[j]); });
    } else {
      fill_blocks(host.data<T>(), host.numel(), 2, gen, [&](auto& w, int j, T& v) {
        v = lo + span * T(uniform_double(w[2 * j], w[2 * j + 1]));
      });
    }
  });
}

// Box-Muller: each pair of uniforms (u, v) in (0, 1] x [0, 1) gives two normals.
void fill_normal(const Tensor& host, double mean, double std, Generator& gen) {
  dispatch_floating(host.dtype(), "randn", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      fill_blocks(host.data<T>(), host.numel(), 4, gen, [&](auto& w, int j, T& value) {
        int pair = j / 2 * 2;
        double u = 1.0 - uniform_float(w[pair]), v = uniform_float(w[pair + 1]);
        double r = std::sqrt(-2.0 * std::log(u));
        double z = (j % 2 == 0) ? r * std::cos(kTwoPi * v) : r * std::sin(kTwoPi * v);
        value = T(mean + std * z);
      });
    } else {
      fill_blocks(host.data<T>(), host.numel(), 2, gen, [&](auto& w, int j, T& value) {
        double u = 1.0 - uniform_double(w[0], w[1]), v = uniform_double(w[2], w[3]);
        double r = std::sqrt(-2.0 * std::log(u));
        value = T(mean + std * (j == 0 ? r * std::cos(kTwoPi * v) : r * std::sin(kTwoPi * v)));
      });
    }
  });
}

}  // namespace

Tensor rand(const Shape& sizes, Generator* gen, TensorOptions options) {
  return on_host(sizes, options, "rand",
                 [&](const Tensor& host) { fill_uniform(host, 0.0, 1.0, pick(gen)); });
}

Tensor randn(const Shape& sizes, Generator* gen, TensorOptions options) {
  return on_host(sizes, options, "randn",
                 [&](const Tensor& host) { fill_normal(host, 0.0, 1.0, pick(gen)); });
}

Tensor rand_like(const Tensor& t, Generator* gen) {
  return rand(t.sizes(), gen, TensorOptions(t.dtype()).device(t.device()));
}
Tensor randn_like(const Tensor& t, Generator* gen) {
  return randn(t.sizes(), gen, TensorOptions(t.dtype()).device(t.device()));
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, Generator* gen,
               TensorOptions options) {
  EMBER_CHECK(low < high, "randint: empty range [", low, ", ", high, ")");
  const uint64_t range = uint64_t(high - low);
  Tensor ids = on_host(sizes, options.dtype(kInt64), "randint", [&](const Tensor& host) {
    int64_t* out = host.data<int64_t>();
    if (range <= (uint64_t(1) << 32)) {  // one word per draw: (word * range) >> 32
      fill_blocks(out, host.numel(), 4, pick(gen), [&](auto& w, int j, int64_t& v) {
        v = low + int64_t((uint64_t(w[j]) * range) >> 32);
      });
    } else {
      fill_blocks(out, host.numel(), 2, pick(gen), [&](auto& w, int j, int64_t& v) {
        uint64_t word = (uint64_t(w[2 * j]) << 32) | w[2 * j + 1];
        v = low + int64_t(word % range);
      });
    }
  });
  return ops::to_dtype(ids, options.dtype_);
}

Tensor randperm(int64_t n, Generator* gen, TensorOptions options) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Generator& g = pick(gen);
  Tensor ids = on_host({n}, options.dtype(kInt64), "randperm", [&](const Tensor& host) {
    int64_t* p = host.data<int64_t>();
    std::iota(p, p + n, int64_t(0));
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[int64_t(g.next_u64() % uint64_t(i + 1))]);
  });
  return ops::to_dtype(ids, options.dtype_);
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
#if EMBER_WITH_CUDA
  if (p.is_cuda()) return cuda::bernoulli(ops::contiguous(p), pick(gen));  // the same numbers
#endif
  Tensor probs = ops::contiguous(ops::to_device(p, Device(kCPU)));
  Tensor host = empty(p.sizes(), TensorOptions(p.dtype()));
  dispatch_floating(p.dtype(), "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    const T* prob = probs.data<T>();
    for (int64_t i = 0; i < probs.numel(); ++i)
      EMBER_CHECK(prob[i] >= 0 && prob[i] <= 1, "bernoulli: probability ", prob[i], " at position ",
                  i, " is outside [0, 1]");
    T* out = host.data<T>();
    fill_blocks(out, host.numel(), 4, pick(gen), [&](auto& w, int j, T& v) {
      int64_t i = &v - out;
      v = uniform_float(w[j]) < prob[i] ? T(1) : T(0);
    });
  });
  return ops::to_device(host, p.device());
}

Tensor bernoulli(const Shape& sizes, double p, TensorOptions options, Generator* gen) {
  EMBER_CHECK(p >= 0 && p <= 1, "bernoulli: probability ", p, " is outside [0, 1]");
  EMBER_CHECK(is_floating(options.dtype_), "bernoulli: expected a floating dtype, got ",
              options.dtype_);
#if EMBER_WITH_CUDA
  if (options.device_.is_cuda()) return cuda::bernoulli(sizes, p, options, pick(gen));
#endif
  Tensor host = empty(sizes, TensorOptions(options.dtype_));
  dispatch_floating(options.dtype_, "bernoulli", [&](auto tag) {
    using T = decltype(tag);
    const T prob = T(p);
    T* out = host.data<T>();
    fill_blocks(out, host.numel(), 4, pick(gen),
                [&](auto& w, int j, T& v) { v = uniform_float(w[j]) < prob ? T(1) : T(0); });
  });
  return ops::to_device(host, options.device_);
}

Tensor multinomial(const Tensor& weights, int64_t num_samples, bool replacement, Generator* gen) {
  EMBER_CHECK(weights.dim() == 1 || weights.dim() == 2,
              "multinomial: weights must be 1-D or 2-D, got sizes ", weights.sizes());
  Tensor w = ops::contiguous(ops::to_dtype(ops::to_device(weights, Device(kCPU)), kFloat64));
  const int64_t rows = weights.dim() == 2 ? w.size(0) : 1;
  const int64_t classes = w.size(-1);
  EMBER_CHECK(num_samples > 0, "multinomial: num_samples must be positive, got ", num_samples);
  EMBER_CHECK(replacement || num_samples <= classes, "multinomial: cannot draw ", num_samples,
              " samples without replacement from ", classes, " categories");
  Generator& g = pick(gen);
  Tensor out = empty(weights.dim() == 2 ? Shape{rows, num_samples} : Shape{num_samples}, kInt64);
  int64_t* sample = out.data<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> cumulative(classes);
    const double* row = w.data<double>() + r * classes;
    double total = 0;
    int64_t positive = 0;
    for (int64_t c = 0; c < classes; ++c) {
      EMBER_CHECK(row[c] >= 0 && std::isfinite(row[c]), "multinomial: weight ", row[c], " at row ",
                  r, ", category ", c, " is negative or not finite");
      total += row[c];
      positive += row[c] > 0;
      cumulative[c] = total;
    }
    EMBER_CHECK(total > 0, "multinomial: row ", r, " has no positive weight");
    EMBER_CHECK(replacement || positive >= num_samples, "multinomial: row ", r, " has only ",
                positive, " categories with positive weight, fewer than ", num_samples,
                " samples without replacement");
    std::vector<double> remaining(row, row + classes);
    for (int64_t s = 0; s < num_samples; ++s) {
      double u = g.next_double();
      int64_t pick_index;
      if (replacement) {
        pick_index =
            std::upper_bound(cumulative.begin(), cumulative.end(), u * total) - cumulative.begin();
      } else {  // draw from what is left, then take the category out
        double left = std::accumulate(remaining.begin(), remaining.end(), 0.0);
        double target = u * left, running = 0;
        pick_index = -1;
        for (int64_t c = 0; c < classes; ++c) {
          if (remaining[c] == 0) continue;
          running += remaining[c];
          pick_index = c;  // the last positive category if rounding leaves target >= running
          if (target < running) break;
        }
        remaining[pick_index] = 0;
      }
      sample[r * num_samples + s] = pick_index;
    }
  }
  return ops::to_device(out, weights.device());
}

Tensor& uniform_(Tensor& t, double low, double high, Generator* gen) {
  Tensor host = empty(t.sizes(), TensorOptions(t.dtype()));
  fill_uniform(host, low, high, pick(gen));
  ops::copy_(t, host);
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
  Tensor host = empty(t.sizes(), TensorOptions(t.dtype()));
  fill_normal(host, mean, std, pick(gen));
  ops::copy_(t, host);
  return t;
}

}  // namespace ember
