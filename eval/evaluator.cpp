// Evaluator: unit rows, cosine, blocked top-k neighbour search, analogies.
#include <ember/eval/evaluator.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <ember/tensor/error.h>
#include <ember/tensor/ops/matmul.h>
#include <ember/tensor/parallel.h>

namespace ember::eval {

namespace {

constexpr int64_t kRowBlock = 2048;   // rows of the matrix scored per product
constexpr int64_t kQueryBlock = 256;  // queries per product

// v / |v| into out (zeros stay zero); computed in double, stored as float.
void normalize(const float* v, int64_t dim, float* out) {
  double sum = 0;
  for (int64_t j = 0; j < dim; ++j) sum += double(v[j]) * double(v[j]);
  const double inv = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
  for (int64_t j = 0; j < dim; ++j) out[j] = float(double(v[j]) * inv);
}

// A min-heap of the best (score, row) pairs seen, at most k of them.
struct TopK {
  std::vector<std::pair<float, int64_t>> heap;
  static bool greater(const std::pair<float, int64_t>& x, const std::pair<float, int64_t>& y) {
    return x.first > y.first || (x.first == y.first && x.second < y.second);
  }
  void offer(float score, int64_t row, size_t k) {
    if (heap.size() < k) {
      heap.emplace_back(score, row);
      std::push_heap(heap.begin(), heap.end(), greater);
    } else if (greater({score, row}, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), greater);
      heap.back() = {score, row};
      std::push_heap(heap.begin(), heap.end(), greater);
    }
  }
  // Worst kept score, or -inf while not full.
  float bar(size_t k) const {
    return heap.size() < k ? -std::numeric_limits<float>::infinity() : heap.front().first;
  }
};

}  // namespace

Evaluator::Evaluator(data::WordVectors vectors) : vectors_(std::move(vectors)) {
  const int64_t n = vectors_.size(), d = vectors_.dim;
  EMBER_CHECK(d > 0 && int64_t(vectors_.values.size()) == n * d, "Evaluator: vectors of dimension ",
              d, " with ", vectors_.values.size(), " values for ", n, " words");
  if (int64_t(vectors_.index.size()) != n) vectors_.build_index();
  unit_.resize(size_t(n * d));
  parallel_for(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) normalize(vectors_.row(i), d, unit_.data() + i * d);
  });
}

const float* Evaluator::get_word_vector(const std::string& word) const {
  const int64_t row = vectors_.find(word);
  return row < 0 ? nullptr : vectors_.row(row);
}

double Evaluator::cosine_similarity(const float* a, const float* b, int64_t dim) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t j = 0; j < dim; ++j) {
    ab += double(a[j]) * double(b[j]);
    aa += double(a[j]) * double(a[j]);
    bb += double(b[j]) * double(b[j]);
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

int64_t Evaluator::require(const std::string& word) const {
  const int64_t row = vectors_.find(word);
  EMBER_CHECK(row >= 0, "word '", word, "' is not in the vocabulary (", size(), " words)");
  return row;
}

int64_t Evaluator::clamp_rows(int64_t restrict_vocab) const {
  EMBER_CHECK(restrict_vocab >= 0, "restrict_vocab must be >= 0, got ", restrict_vocab);
  return restrict_vocab > 0 ? std::min(restrict_vocab, size()) : size();
}

double Evaluator::similarity(const std::string& a, const std::string& b) const {
  return cosine_similarity(vectors_.row(require(a)), vectors_.row(require(b)), dim());
}

std::vector<std::vector<std::pair<int64_t, float>>> Evaluator::top_k(
    const std::vector<float>& queries, int64_t k, int64_t rows,
    const std::vector<std::vector<int64_t>>& exclude, AnalogyMethod method) const {
  const int64_t d = dim(), per_query = method == AnalogyMethod::kMul ? 3 : 1;
  EMBER_CHECK(int64_t(queries.size()) % (d * per_query) == 0, "top_k: queries hold ",
              queries.size(), " floats, not a multiple of ", d * per_query);
  const int64_t b_total = int64_t(queries.size()) / (d * per_query);
  EMBER_CHECK(exclude.empty() || int64_t(exclude.size()) == b_total, "top_k: ", exclude.size(),
              " exclude lists for ", b_total, " queries");
  EMBER_CHECK(k >= 0 && rows >= 0 && rows <= size(), "top_k: k ", k, " rows ", rows, " of ",
              size());
  std::vector<std::vector<std::pair<int64_t, float>>> result(static_cast<size_t>(b_total));
  if (k == 0 || rows == 0) return result;
  std::vector<TopK> best(static_cast<size_t>(b_total));
  // Sized for the blocks this call has: one query against a few rows needs no megabytes.
  std::vector<float> dots(
      static_cast<size_t>(std::min(kQueryBlock, b_total) * per_query * std::min(kRowBlock, rows)));
  const int threads = get_num_threads();
  for (int64_t q0 = 0; q0 < b_total; q0 += kQueryBlock) {
    const int64_t nq = std::min(kQueryBlock, b_total - q0);
    const int64_t m = nq * per_query;  // rows of the query block
    for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
      const int64_t nr = std::min(kRowBlock, rows - r0);
      // dots [m, nr] = queries [m, D] x unit rows [nr, D]^T
      ops::gemm<float>(m, nr, d, 1.0f, queries.data() + q0 * per_query * d, d, 1,
                       unit_.data() + r0 * d, 1, d, 0.0f, dots.data(), nr, 1, threads);
      parallel_for(nq, 8, [&](int64_t begin, int64_t end) {
        for (int64_t q = begin; q < end; ++q) {
          TopK& top = best[size_t(q0 + q)];
          const std::vector<int64_t>* skip = exclude.empty() ? nullptr : &exclude[size_t(q0 + q)];
          const float* s = dots.data() + q * per_query * nr;
          for (int64_t r = 0; r < nr; ++r) {
            float score = s[r];
            if (method == AnalogyMethod::kMul) {
              // queries a, b, c: (1 + cos b)/2 * (1 + cos c)/2 / ((1 + cos a)/2 + 1e-6)
              const float a = (1 + s[r]) / 2, b = (1 + s[nr + r]) / 2, c = (1 + s[2 * nr + r]) / 2;
              score = b * c / (a + 0.000001f);
            }
            if (!(score > top.bar(size_t(k)))) continue;  // ties keep the earlier row
            if (skip && std::find(skip->begin(), skip->end(), r0 + r) != skip->end()) continue;
            top.offer(score, r0 + r, size_t(k));
          }
        }
      });
    }
  }
  for (int64_t q = 0; q < b_total; ++q) {
    auto& heap = best[size_t(q)].heap;
    std::sort(heap.begin(), heap.end(), TopK::greater);
    for (auto& [score, row] : heap) result[size_t(q)].emplace_back(row, score);
  }
  return result;
}

std::vector<Neighbor> Evaluator::to_neighbors(
    const std::vector<std::pair<int64_t, float>>& top) const {
  std::vector<Neighbor> out;
  for (auto& [row, score] : top) out.push_back({vectors_.words[size_t(row)], row, score});
  return out;
}

std::vector<std::vector<Neighbor>> Evaluator::most_similar(const std::vector<std::string>& words,
                                                           int64_t k,
                                                           int64_t restrict_vocab) const {
  const int64_t rows = clamp_rows(restrict_vocab), d = dim();
  std::vector<float> queries(words.size() * size_t(d));
  std::vector<std::vector<int64_t>> exclude;
  for (size_t i = 0; i < words.size(); ++i) {
    const int64_t row = require(words[i]);
    std::copy(unit_row(row), unit_row(row) + d, queries.begin() + int64_t(i) * d);
    exclude.push_back({row});
  }
  std::vector<std::vector<Neighbor>> out;
  for (auto& top : top_k(queries, k, rows, exclude)) out.push_back(to_neighbors(top));
  return out;
}

std::vector<Neighbor> Evaluator::most_similar(const std::string& word, int64_t k,
                                              int64_t restrict_vocab) const {
  return most_similar(std::vector<std::string>{word}, k, restrict_vocab)[0];
}

std::vector<Neighbor> Evaluator::most_similar_to_vector(const float* vector, int64_t k,
                                                        const std::vector<int64_t>& exclude,
                                                        int64_t restrict_vocab) const {
  std::vector<float> query(static_cast<size_t>(dim()));
  normalize(vector, dim(), query.data());
  return to_neighbors(top_k(query, k, clamp_rows(restrict_vocab), {exclude})[0]);
}

std::vector<Neighbor> Evaluator::analogy(const std::string& a, const std::string& b,
                                         const std::string& c, int64_t k, AnalogyMethod method,
                                         int64_t restrict_vocab) const {
  const int64_t ra = require(a), rb = require(b), rc = require(c), d = dim();
  std::vector<float> query;
  if (method == AnalogyMethod::kAdd) {
    std::vector<float> target(static_cast<size_t>(d));
    for (int64_t j = 0; j < d; ++j)
      target[size_t(j)] = unit_row(rb)[j] - unit_row(ra)[j] + unit_row(rc)[j];
    query.resize(size_t(d));
    normalize(target.data(), d, query.data());
  } else {
    for (int64_t row : {ra, rb, rc}) query.insert(query.end(), unit_row(row), unit_row(row) + d);
  }
  return to_neighbors(top_k(query, k, clamp_rows(restrict_vocab), {{ra, rb, rc}}, method)[0]);
}

}  // namespace ember::eval
